/*
 * t_chiplet_kernel_rom.c - the kernel ROM chiplet (chiplets/kernel_rom.h)
 * against the traces of the Rust VM v0.19.0.
 *
 * For each of the 27 upstream cases and each runnable oracle case (80 minus
 * the pinned oracle_deferred; tests/vector_cases.h): run the program
 * collecting its chiplet requests, lay the chiplets out from the
 * executor's counts (chiplets/stack.h), fill the kernel ROM rows into a
 * zeroed 72-column buffer of the vector's length, and compare chiplet
 * columns 51-70 of those rows with the vector; the rows just after them
 * must be padding rows in the vector (so the kernel ROM ends where the
 * layout says). Also: a hand-made kernel with several procedures and
 * calls, and argument checks.
 */
#include "tap.h"
#include "vector_cases.h"
#include "chiplets/kernel_rom.h"
#include "chiplets/stack.h"

/* ---- the checks of one case --------------------------------------------------- */

typedef struct {
    int ok;
    uint64_t rows, with_kernel, calls;
} tally_t;

static void check_case(const vector_case_t *c, vector_run_t *run, void *ctx)
{
    tally_t *t = ctx;
    const char *name = c->name;
    const mast_forest_t *f = &run->f;
    const request_list_t *reqs = &run->requests;
    const uint64_t len = run->want.rows;
    chiplets_layout_t l;
    if (chiplets_layout_from_counts(&l, &run->counts, f->n_kernel, run->counts.ace_rows) != 0) {
        tap_diag("%s: bad counts", name);
        return;
    }
    const uint64_t rows = kernel_rom_len(f, reqs->r, reqs->n);
    if (rows != l.kernel_rom_rows) {
        tap_diag("%s: kernel_rom_len %" PRIu64 ", the counts give %" PRIu64, name, rows,
                 l.kernel_rom_rows);
        return;
    }
    t->rows += rows;
    t->with_kernel += f->n_kernel > 0;
    t->calls += run->counts.kernel_accesses;
    if (kernel_rom_fill(f, reqs->r, reqs->n, run->cols, len, l.kernel_rom_start) != 0) {
        tap_diag("%s: kernel_rom_fill failed", name);
        return;
    }
    /* The row after the kernel ROM is the first padding row: 1 1 1 1 1. */
    int next_is_padding = l.padding_start + TRACE_NUM_RAND_ROWS < len;
    for (int k = 0; next_is_padding && k < CHIPLET_NUM_SELECTORS; k++)
        next_is_padding =
            run->want.cells[l.padding_start * TRACE_NUM_COLUMNS + TRACE_COL_CHIPLET(k)] == 1;
    if (!next_is_padding)
        tap_diag("%s: row %" PRIu64 " after the kernel ROM is not a padding row", name,
                 l.padding_start);
    t->ok += next_is_padding && vector_compare(c, run, "kernel ROM", l.kernel_rom_start,
                                               l.padding_start, TRACE_CHIPLETS_OFFSET,
                                               TRACE_PADDING_OFFSET);
}

/* Run every case of one vector set: one check. */
static void check_set(vector_set_id_t id)
{
    tally_t t = { 0 };
    vector_set_t s;
    if (vector_set_each(id, &s, check_case, &t, 1) == 0)
        vector_set_check(&s, t.ok, "kernel ROM rows (columns 51-70) match (%" PRIu64 " rows; %"
                         PRIu64 " cases with a kernel, %" PRIu64 " syscalls)", t.rows,
                         t.with_kernel, t.calls);
}

/* ---- checks without vectors --------------------------------------------------- */

static word_t w4(felt_t a, felt_t b, felt_t c, felt_t d)
{
    word_t w = { { a, b, c, d } };
    return w;
}

static void unit_checks(void)
{
    enum { LEN = 64 };
    static felt_t cols[TRACE_COLUMNS * LEN];
    mast_forest_t f;
    mast_forest_init(&f);
    /* A kernel of three procedures, sorted by their bytes: the first
       element's low byte decides here. */
    f.kernel[0] = w4(1, 10, 11, 12);
    f.kernel[1] = w4(2, 20, 21, 22);
    f.kernel[2] = w4(0x103, 30, 31, 32);
    f.n_kernel = 3;
    chiplet_request_t r[6] = { { .kind = CHIPLET_KERNEL_ROM }, { .kind = CHIPLET_BITWISE },
                               { .kind = CHIPLET_KERNEL_ROM }, { .kind = CHIPLET_KERNEL_ROM },
                               { .kind = CHIPLET_MEMORY }, { .kind = CHIPLET_KERNEL_ROM } };
    r[0].kernel.proc = f.kernel[2];
    r[2].kernel.proc = f.kernel[0];
    r[3].kernel.proc = f.kernel[2];
    r[5].kernel.proc = f.kernel[2];
    /* Rows: k0 first, k0 call, k1 first, k2 first, 3 x k2 call = 7. */
    int ok = kernel_rom_len(&f, r, 6) == 7 && kernel_rom_fill(&f, r, 6, cols, LEN, 10) == 0;
    const felt_t *c = cols + (uint64_t)TRACE_COL_CHIPLET(0) * LEN;
#define AT(k, row) c[(uint64_t)(k) * LEN + (row)]
    static const int first[7] = { 1, 0, 1, 1, 0, 0, 0 };
    static const int proc[7] = { 0, 0, 1, 2, 2, 2, 2 };
    for (int i = 0; i < 7; i++) {
        const uint64_t row = 10 + (uint64_t)i;
        ok = ok && AT(0, row) == 1 && AT(1, row) == 1 && AT(2, row) == 1 && AT(3, row) == 1 &&
             AT(4, row) == 0 && AT(5, row) == (felt_t)first[i];
        for (int j = 0; j < 4; j++)
            ok = ok && AT(6 + j, row) == f.kernel[proc[i]].v[j];
        for (int k = 10; k < TRACE_CHIPLETS_WIDTH; k++)
            ok = ok && AT(k, row) == 0;
    }
    ok = ok && AT(0, 9) == 0 && AT(0, 17) == 0;
#undef AT
    tap_ok(ok, "kernel ROM: one row per procedure, then one per syscall to it, in kernel order");

    chiplet_request_t bad = { .kind = CHIPLET_KERNEL_ROM };
    bad.kernel.proc = w4(9, 9, 9, 9);
    mast_forest_t empty;
    mast_forest_init(&empty);
    tap_ok(kernel_rom_fill(&f, r, 6, cols, LEN, 57) == 0 &&
               kernel_rom_fill(&f, r, 6, cols, LEN, 58) == -1 &&
               kernel_rom_fill(&f, &bad, 1, cols, LEN, 0) == -1 && kernel_rom_len(&empty, r, 2) == 1 &&
               kernel_rom_len(&empty, NULL, 0) == 0 && kernel_rom_fill(&empty, NULL, 0, cols, LEN, LEN) == 0,
           "kernel ROM: rows past the end and a syscall outside the kernel are refused; no kernel, "
           "no rows");
    mast_forest_free(&f);
    mast_forest_free(&empty);
}

int main(void)
{
    tap_plan(4);
    unit_checks();
    check_set(VECTOR_UPSTREAM);
    check_set(VECTOR_ORACLE);
    return tap_done();
}

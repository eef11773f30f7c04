/*
 * t_chiplet_kernel_rom.c - the kernel ROM chiplet (chiplets/kernel_rom.h)
 * against the traces of the Rust VM v0.19.0.
 *
 * For each of the 27 upstream cases and each runnable oracle case (80 minus
 * the pinned oracle_deferred): run the program collecting its chiplet
 * requests, lay the chiplets out from the executor's counts
 * (chiplets/stack.h), fill the kernel ROM rows into a zeroed 72-column
 * buffer of the vector's length, and compare chiplet columns 51-70 of those
 * rows with the vector; the rows just after them must be padding rows in
 * the vector (so the kernel ROM ends where the layout says). Also: a
 * hand-made kernel with several procedures and calls, and argument checks.
 */
#include "tap.h"
#include "shared_vectors.h"
#include "chiplets/kernel_rom.h"
#include "chiplets/stack.h"
#include "exec/exec.h"
#include "io/json.h"
#include "mast/parse.h"

/* ---- running a vector case ---------------------------------------------------- */

typedef struct {
    chiplet_request_t *r;
    size_t n, cap;
} reqs_t;

static int collect(void *ctx, const chiplet_request_t *r)
{
    reqs_t *c = ctx;
    if (c->n == c->cap) {
        const size_t cap = c->cap ? 2 * c->cap : 64;
        chiplet_request_t *p = realloc(c->r, cap * sizeof *p);
        if (!p)
            return -1;
        c->r = p;
        c->cap = cap;
    }
    c->r[c->n++] = *r;
    return 0;
}

/* A felt list of a meta member (absent: empty); -1 if malformed. */
static int meta_felts(const json_value_t *c, const char *key, felt_t *out, size_t max, size_t *n)
{
    const json_value_t *l = json_get(c, key);
    *n = 0;
    if (!l)
        return 0;
    if (l->kind != JSON_ARRAY || l->n > max)
        return -1;
    for (size_t i = 0; i < l->n; i++)
        if (json_felt(l->items[i], &out[i]) != 0)
            return -1;
    *n = l->n;
    return 0;
}

/* One case run: forest, requests, counts and the vector's trace. */
typedef struct {
    mast_forest_t f;
    reqs_t reqs;
    chiplet_counts_t counts;
    ref_trace_t want;
} case_run_t;

static void case_free(case_run_t *cr)
{
    mast_forest_free(&cr->f);
    free(cr->reqs.r);
    free(cr->want.v);
}

/* Run case c of directory dir (trace in dir/case_NAME/trace.csv). */
static int case_run(const char *dir, const json_value_t *c, const char *name, case_run_t *cr)
{
    char path[1200], err[1400];
    memset(cr, 0, sizeof *cr);
    mast_forest_init(&cr->f);
    const json_value_t *prog = json_get(c, "program");
    felt_t stack[64], advice[4096];
    size_t n_stack, n_advice;
    if (!prog || prog->kind != JSON_STRING ||
        meta_felts(c, "stack_inputs", stack, 64, &n_stack) != 0 ||
        meta_felts(c, "advice_stack", advice, 4096, &n_advice) != 0) {
        tap_diag("%s: malformed meta", name);
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s", dir, prog->text);
    if (mast_parse_file(path, &cr->f, err, sizeof err) != 0) {
        tap_diag("%s: %s", name, err);
        return -1;
    }
    vm_t *vm = malloc(sizeof *vm);
    int rc = vm && vm_init(vm, &cr->f, path, stack, (uint32_t)n_stack, advice, n_advice) == 0
                 ? 0 : -1;
    if (rc == 0) {
        const vm_tracer_t t = { .ctx = &cr->reqs, .chiplet = collect };
        rc = vm_run(vm, &t);
        if (rc != 0) {
            vm_format_error(vm, err, sizeof err);
            tap_diag("%s: %s", name, err);
        }
        cr->counts = vm->chiplets;
        vm_free(vm);
    }
    free(vm);
    if (rc != 0)
        return -1;
    snprintf(path, sizeof path, "%s/case_%s/trace.csv", dir, name);
    if (ref_trace_load(path, &cr->want, err, sizeof err) != 0) {
        tap_diag("%s: %s", name, err);
        return -1;
    }
    return 0;
}

/* Compare chiplet columns of rows [from, to) of the column-major buffer
 * with the vector; prints the first difference. */
static int compare_rows(const char *name, const char *what, const felt_t *cols, uint64_t len,
                        const ref_trace_t *want, uint64_t from, uint64_t to)
{
    for (uint64_t row = from; row < to; row++)
        for (int k = 0; k < TRACE_CHIPLETS_WIDTH; k++) {
            const int col = TRACE_COL_CHIPLET(k);
            const uint64_t g = cols[(uint64_t)col * len + row];
            const uint64_t w = want->v[row * TRACE_COLUMNS + col];
            if (g != w) {
                tap_diag("%s: %s: first difference at row %" PRIu64 ", column %d (chiplets[%d]): "
                         "got %" PRIu64 ", expected %" PRIu64, name, what, row, col, k, g, w);
                return 0;
            }
        }
    return 1;
}

static json_value_t *load_cases(const char *dir)
{
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s/cases.json", dir);
    size_t len;
    char *text = slurp_file(path, &len);
    if (!text)
        return NULL;
    json_value_t *root = json_parse(text, len, err, sizeof err);
    free(text);
    return root;
}

/* ---- the checks of one case --------------------------------------------------- */

typedef struct {
    int cases, ok;
    uint64_t rows, with_kernel, calls;
} tally_t;

static void check_case(const char *dir, const json_value_t *c, const char *name, tally_t *t)
{
    case_run_t cr;
    t->cases++;
    if (case_run(dir, c, name, &cr) != 0) {
        case_free(&cr);
        return;
    }
    const uint64_t len = cr.want.rows;
    chiplets_layout_t l;
    felt_t *cols = calloc((size_t)len * TRACE_COLUMNS, sizeof *cols);
    if (!cols || chiplets_layout_from_counts(&l, &cr.counts, cr.f.n_kernel, 0) != 0) {
        tap_diag("%s: out of memory or bad counts", name);
        goto out;
    }
    const uint64_t rows = kernel_rom_len(&cr.f, cr.reqs.r, cr.reqs.n);
    if (rows != l.kernel_rom_rows) {
        tap_diag("%s: kernel_rom_len %" PRIu64 ", the counts give %" PRIu64, name, rows,
                 l.kernel_rom_rows);
        goto out;
    }
    t->rows += rows;
    t->with_kernel += cr.f.n_kernel > 0;
    t->calls += cr.counts.kernel_accesses;
    if (kernel_rom_fill(&cr.f, cr.reqs.r, cr.reqs.n, cols, len, l.kernel_rom_start) != 0) {
        tap_diag("%s: kernel_rom_fill failed", name);
        goto out;
    }
    /* The row after the kernel ROM is the first padding row: 1 1 1 1 1. */
    int next_is_padding = l.padding_start + TRACE_NUM_RAND_ROWS < len;
    for (int k = 0; next_is_padding && k < CHIPLET_NUM_SELECTORS; k++)
        next_is_padding = cr.want.v[l.padding_start * TRACE_COLUMNS + TRACE_COL_CHIPLET(k)] == 1;
    if (!next_is_padding)
        tap_diag("%s: row %" PRIu64 " after the kernel ROM is not a padding row", name,
                 l.padding_start);
    t->ok += next_is_padding && compare_rows(name, "kernel ROM", cols, len, &cr.want,
                                             l.kernel_rom_start, l.padding_start);
out:
    free(cols);
    case_free(&cr);
}

/* Run every case of one vector set; returns the tally (cases = -1: absent). */
static tally_t check_set(const char *dir, int oracle)
{
    tally_t t = { 0 };
    json_value_t *cases = load_cases(dir);
    if (!cases || cases->kind != JSON_ARRAY) {
        json_free(cases);
        t.cases = -1;
        return t;
    }
    for (size_t i = 0; i < cases->n; i++) {
        char name[64];
        if (oracle) {
            const json_value_t *nm = json_get(cases->items[i], "case");
            if (!nm || nm->kind != JSON_STRING) {
                tap_diag("oracle case %zu has no name", i);
                t.cases++;
                continue;
            }
            if (oracle_deferred_index(nm->text) >= 0)
                continue;
            snprintf(name, sizeof name, "%s", nm->text);
        } else {
            snprintf(name, sizeof name, "%02d", (int)(i + 1));
        }
        check_case(dir, cases->items[i], name, &t);
    }
    json_free(cases);
    return t;
}

static void report_set(const char *set, const char *dir, const tally_t *t, int expected)
{
    if (t->cases < 0) {
        shared_vectors_absent(dir);
        return;
    }
    tap_ok(t->cases == expected && t->ok == expected,
           "%s: kernel ROM rows (columns 51-70) match in %d/%d cases (%" PRIu64 " rows; %" PRIu64
           " cases with a kernel, %" PRIu64 " syscalls)", set, t->ok, expected, t->rows,
           t->with_kernel, t->calls);
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
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/vectors/miden-v0.19.0", shared_dir());
    tally_t t = check_set(dir, 0);
    report_set("upstream", dir, &t, UPSTREAM_CASES);
    snprintf(dir, sizeof dir, "%s/vectors/oracle-v0.19.0/ops", shared_dir());
    t = check_set(dir, 1);
    report_set("oracle", dir, &t, ORACLE_CASES - ORACLE_DEFERRED);
    return tap_done();
}

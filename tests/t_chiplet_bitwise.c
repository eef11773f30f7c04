/*
 * t_chiplet_bitwise.c - the bitwise chiplet (chiplets/bitwise.h) and the
 * chiplets' stacking and padding rows (chiplets/stack.h) against the traces
 * of the Rust VM v0.19.0.
 *
 * For each of the 27 upstream cases and each runnable oracle case (80 minus
 * the pinned oracle_deferred; tests/vector_cases.h): run the program
 * collecting its chiplet requests, lay the chiplets out from the
 * executor's counts, fill the bitwise rows and the padding rows into a
 * zeroed 72-column buffer of the vector's length, and compare chiplet
 * columns 51-70 of those rows with the vector. Also: a hand-checked
 * operation, argument checks, the trace length rule, and padding split
 * over ranges.
 */
#include "tap.h"
#include "vector_cases.h"
#include "chiplets/bitwise.h"
#include "chiplets/stack.h"

/* ---- the checks of one case --------------------------------------------------- */

typedef struct {
    int bitwise_ok, padding_ok, len_ok;
    uint64_t ops, with_ops;
} tally_t;

static void check_case(const vector_case_t *c, vector_run_t *run, void *ctx)
{
    tally_t *t = ctx;
    const char *name = c->name;
    chiplets_layout_t l;
    if (chiplets_layout_from_counts(&l, &run->counts, run->f.n_kernel,
                                    run->counts.ace_rows) != 0) {
        tap_diag("%s: bad counts", name);
        return;
    }
    const uint64_t len = run->want.rows;
    felt_t *cols = run->cols;
    const chiplet_request_t *bw = run->log.bitwise.r;
    const size_t nb = run->log.bitwise.n;
    t->ops += nb;
    t->with_ops += nb > 0;

    /* The trace is long enough for the chiplets and the random row; the
       chiplets' share of the length rule never asks for more than the
       vector has. */
    const uint64_t need = chiplets_main_trace_len(0, 0, chiplets_len(&l));
    if (nb == run->counts.bitwise_ops && chiplets_len(&l) + TRACE_NUM_RAND_ROWS <= len &&
        need <= len)
        t->len_ok++;
    else
        tap_diag("%s: chiplets need %" PRIu64 " rows (trace length %" PRIu64 "), the vector has %"
                 PRIu64, name, chiplets_len(&l), need, len);

    /* Bitwise rows, filled in two halves. */
    const size_t half = nb / 2;
    if (bitwise_chiplet_fill(bw, 0, half, cols, len, l.bitwise_start) != 0 ||
        bitwise_chiplet_fill(bw, half, nb, cols, len, l.bitwise_start) != 0)
        tap_diag("%s: bitwise_chiplet_fill failed", name);
    else
        t->bitwise_ok += vector_compare(c, run, "bitwise", l.bitwise_start, l.memory_start,
                                        TRACE_CHIPLETS_OFFSET, TRACE_PADDING_OFFSET);

    /* Padding rows, filled in three ranges that cover the trace. */
    const uint64_t a = len / 3, b = 2 * len / 3;
    if (chiplets_fill_padding(&l, cols, len, 0, a) != 0 ||
        chiplets_fill_padding(&l, cols, len, a, b) != 0 ||
        chiplets_fill_padding(&l, cols, len, b, len) != 0)
        tap_diag("%s: chiplets_fill_padding failed", name);
    else
        t->padding_ok += vector_compare(c, run, "padding", l.padding_start,
                                        len - TRACE_NUM_RAND_ROWS, TRACE_CHIPLETS_OFFSET,
                                        TRACE_PADDING_OFFSET);
}

/* Run every case of one vector set: three checks. */
static void check_set(vector_set_id_t id)
{
    tally_t t = { 0 };
    vector_set_t s;
    if (vector_set_each(id, &s, check_case, &t, 3) != 0)
        return;
    vector_set_check(&s, t.len_ok, "run, and their chiplets fit the vector's length");
    vector_set_check(&s, t.bitwise_ok, "bitwise rows (columns 51-70) match (%" PRIu64
                     " operations in %" PRIu64 " cases)", t.ops, t.with_ops);
    vector_set_check(&s, t.padding_ok, "padding rows (columns 51-70) match");
}

/* ---- checks without vectors --------------------------------------------------- */

static void unit_checks(void)
{
    /* 0x12345678 AND / XOR 0x0F0F00FF, by hand. */
    enum { LEN = 64 };
    static felt_t cols[TRACE_COLUMNS * LEN];
    chiplet_request_t r[2] = { { .kind = CHIPLET_BITWISE }, { .kind = CHIPLET_BITWISE } };
    r[0].bitwise.a = 0x12345678;
    r[0].bitwise.b = 0x0F0F00FF;
    r[1] = r[0];
    r[1].bitwise.is_xor = 1;
    int ok = bitwise_chiplet_fill(r, 0, 2, cols, LEN, 3) == 0;
    const felt_t *c = cols + (uint64_t)TRACE_COL_CHIPLET(0) * LEN;
#define AT(k, row) c[(uint64_t)(k) * LEN + (row)]
    ok = ok && AT(0, 3) == 1 && AT(1, 3) == 0 && AT(2, 3) == 0 && AT(2, 11) == 1;
    ok = ok && AT(3, 3) == 0x1 && AT(4, 3) == 0x0 && AT(3, 10) == 0x12345678 &&
         AT(4, 10) == 0x0F0F00FF;
    ok = ok && AT(14, 10) == (0x12345678u & 0x0F0F00FFu) && AT(14, 18) == (0x12345678u ^ 0x0F0F00FFu);
    ok = ok && AT(13, 3) == 0 && AT(13, 11) == 0 && AT(13, 10) == AT(14, 9);
    /* Row 3 + 2 holds a's limb 3 (binary 0011) and b's limb 0 (0000). */
    ok = ok && AT(5, 5) == 1 && AT(6, 5) == 1 && AT(7, 5) == 0 && AT(8, 5) == 0 && AT(9, 5) == 0;
    ok = ok && AT(0, 2) == 0 && AT(0, 19) == 0;
    tap_ok(ok, "bitwise: a hand-checked AND and XOR (rows 3-18)");

    chiplet_request_t other = { .kind = CHIPLET_MEMORY };
    tap_ok(bitwise_chiplet_fill(r, 0, 2, cols, LEN, 48) == 0 &&
               bitwise_chiplet_fill(r, 0, 2, cols, LEN, 49) == -1 &&
               bitwise_chiplet_fill(&other, 0, 1, cols, LEN, 0) == -1 &&
               bitwise_chiplet_fill(r, 1, 0, cols, LEN, 0) == -1 &&
               bitwise_chiplet_fill(r, 1, 1, cols, LEN, 999) == 0,
           "bitwise: rows past the end, a request of another chiplet and a reversed range are "
           "refused; an empty range writes nothing");

    /* Layout and length. */
    chiplets_layout_t l;
    const chiplet_counts_t counts = { .hasher_rows = 16, .bitwise_ops = 2, .mem_accesses = 5,
                                      .kernel_accesses = 3 };
    ok = chiplets_layout_from_counts(&l, &counts, 2, 0) == 0 && l.bitwise_start == 16 &&
         l.memory_start == 32 && l.ace_start == 37 && l.kernel_rom_start == 37 &&
         l.padding_start == 42 && chiplets_len(&l) == 43;
    tap_ok(ok, "layout: hasher, bitwise, memory, ACE, kernel ROM, then one padding row at least");
    tap_ok(chiplets_main_trace_len(10, 20, 30) == 64 && chiplets_main_trace_len(63, 0, 1) == 64 &&
               chiplets_main_trace_len(64, 0, 1) == 128 && chiplets_main_trace_len(1, 127, 3) == 128 &&
               chiplets_main_trace_len(1, 2, 128) == 256 &&
               chiplets_main_trace_len(UINT64_MAX, 0, 0) == 0 &&
               chiplets_layout_init(&l, UINT64_MAX, 0, 1, 0, 0) == -1 &&
               chiplets_layout_init(&l, 0, UINT64_MAX / 4, 0, 0, 0) == -1,
           "trace length: max(core, range, chiplets) + 1 random row, a power of two, at least 64; "
           "overflows refused");

    /* Padding: only [padding_start, len - 1), whatever the range. */
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
        cols[i] = 7;
    chiplets_layout_init(&l, 8, 1, 0, 0, 0); /* padding from row 16 */
    ok = chiplets_fill_padding(&l, cols, LEN, 0, 20) == 0 &&
         chiplets_fill_padding(&l, cols, LEN, 20, 1000) == 0;
    ok = ok && AT(0, 15) == 7 && AT(0, 16) == 1 && AT(4, 16) == 1 && AT(5, 16) == 0 &&
         AT(19, 62) == 0 && AT(4, 62) == 1 && AT(0, 63) == 7 && c[-1] == 7 &&
         c[TRACE_CHIPLETS_WIDTH * LEN] == 7;
    chiplets_layout_init(&l, 63, 0, 0, 0, 0);
    ok = ok && chiplets_fill_padding(&l, cols, LEN, 0, LEN) == -1;
    chiplets_layout_init(&l, 62, 0, 0, 0, 0);
    ok = ok && chiplets_fill_padding(&l, cols, LEN, 0, LEN) == 0 && AT(0, 62) == 1;
#undef AT
    tap_ok(ok, "padding: rows [padding_start, len - 1) only, chiplet columns only; chiplets "
               "that leave no room for the random row are refused");
}

int main(void)
{
    tap_plan(11);
    unit_checks();
    check_set(VECTOR_UPSTREAM);
    check_set(VECTOR_ORACLE);
    return tap_done();
}

/*
 * t_chiplet_bitwise.c - the bitwise chiplet (chiplets/bitwise.h) and the
 * chiplets' stacking and padding rows (chiplets/stack.h) against the traces
 * of the Rust VM v0.19.0.
 *
 * For each of the 27 upstream cases and each runnable oracle case (80 minus
 * the pinned oracle_deferred): run the program collecting its chiplet
 * requests, lay the chiplets out from the executor's counts, fill the
 * bitwise rows and the padding rows into a zeroed 72-column buffer of the
 * vector's length, and compare chiplet columns 51-70 of those rows with the
 * vector. Also: a hand-checked operation, argument checks, the trace
 * length rule, and padding split over ranges.
 */
#include "tap.h"
#include "shared_vectors.h"
#include "chiplets/bitwise.h"
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
    int cases, bitwise_ok, padding_ok, len_ok;
    uint64_t ops, with_ops;
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
    chiplet_request_t *bw = malloc((cr.reqs.n + 1) * sizeof *bw);
    size_t nb = 0;
    for (size_t i = 0; bw && i < cr.reqs.n; i++)
        if (cr.reqs.r[i].kind == CHIPLET_BITWISE)
            bw[nb++] = cr.reqs.r[i];
    if (!cols || !bw || chiplets_layout_from_counts(&l, &cr.counts, cr.f.n_kernel, 0) != 0) {
        tap_diag("%s: out of memory or bad counts", name);
        goto out;
    }
    t->ops += nb;
    t->with_ops += nb > 0;

    /* The trace is long enough for the chiplets and the random row; the
       chiplets' share of the length rule never asks for more than the
       vector has. */
    const uint64_t need = chiplets_main_trace_len(0, 0, chiplets_len(&l));
    if (nb == cr.counts.bitwise_ops && chiplets_len(&l) + TRACE_NUM_RAND_ROWS <= len &&
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
        t->bitwise_ok += compare_rows(name, "bitwise", cols, len, &cr.want, l.bitwise_start,
                                      l.memory_start);

    /* Padding rows, filled in three ranges that cover the trace. */
    const uint64_t a = len / 3, b = 2 * len / 3;
    if (chiplets_fill_padding(&l, cols, len, 0, a) != 0 ||
        chiplets_fill_padding(&l, cols, len, a, b) != 0 ||
        chiplets_fill_padding(&l, cols, len, b, len) != 0)
        tap_diag("%s: chiplets_fill_padding failed", name);
    else
        t->padding_ok += compare_rows(name, "padding", cols, len, &cr.want, l.padding_start,
                                      len - TRACE_NUM_RAND_ROWS);
out:
    free(bw);
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
        shared_vectors_absent(dir);
        shared_vectors_absent(dir);
        return;
    }
    tap_ok(t->cases == expected && t->len_ok == expected,
           "%s: %d/%d cases run and their chiplets fit the vector's length", set, t->len_ok,
           expected);
    tap_ok(t->cases == expected && t->bitwise_ok == expected,
           "%s: bitwise rows (columns 51-70) match in %d/%d cases (%" PRIu64 " operations in %"
           PRIu64 " cases)", set, t->bitwise_ok, expected, t->ops, t->with_ops);
    tap_ok(t->cases == expected && t->padding_ok == expected,
           "%s: padding rows (columns 51-70) match in %d/%d cases", set, t->padding_ok, expected);
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
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/vectors/miden-v0.19.0", shared_dir());
    tally_t t = check_set(dir, 0);
    report_set("upstream", dir, &t, UPSTREAM_CASES);
    snprintf(dir, sizeof dir, "%s/vectors/oracle-v0.19.0/ops", shared_dir());
    t = check_set(dir, 1);
    report_set("oracle", dir, &t, ORACLE_CASES - ORACLE_DEFERRED);
    return tap_done();
}

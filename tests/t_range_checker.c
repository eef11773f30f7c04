/*
 * t_range_checker.c - the range checker's columns 49 (multiplicity) and 50
 * (value) (chiplets/range.h) against the traces the Rust VM v0.19.0
 * produced.
 *
 * For each of upstream's 27 cases and each runnable oracle case (80 minus
 * the 8 pinned in oracle_deferred; tests/vector_cases.h), the program
 * runs with a tracer that collects the chiplet requests; the range-checked
 * values are counted (the u32 operations' limbs and the memory chiplet's
 * delta limbs), the range checker is written into a zeroed 72-column trace
 * of the vector's length, and columns 49-50 of every row but the last
 * (random) one must equal the vector's. Synthetic counts check the table's shape: values
 * rising from 0 to 65535 by powers of 3 up to 3^7, multiplicities adding
 * up, padding above, the last row untouched.
 */
#include "tap.h"
#include "vector_cases.h"
#include "chiplets/memory.h"
#include "chiplets/range.h"

/* ---- the vector cases ----------------------------------------------- */

typedef struct {
    int matched;
    uint64_t rows; /* range checker table rows */
} tally_t;

/* Check one case (a vector_case_fn). */
static void check_case(const vector_case_t *c, vector_run_t *run, void *ctx)
{
    tally_t *t = ctx;
    const char *name = c->name;
    char err[1024];
    const request_list_t *reqs = &run->requests;
    const uint64_t len = run->want.rows;
    felt_t *cols = run->cols;
    uint32_t *rc = calloc(RANGE_VALUES, sizeof *rc);
    int ok = rc != NULL;
    /* The memory rows' delta limbs are range-checked too. */
    const uint64_t row0 = run->counts.hasher_rows + 8 * run->counts.bitwise_ops;
    if (ok && memory_chiplet_fill(reqs->r, reqs->n, cols, len, row0, rc, err, sizeof err) != 0) {
        tap_diag("%s: memory_chiplet_fill: %s", name, err);
        ok = 0;
    }
    if (ok) {
        range_checker_count_requests(reqs->r, reqs->n, rc);
        t->rows += range_checker_len(rc);
        if (range_checker_fill(rc, cols, len, err, sizeof err) != 0) {
            tap_diag("%s: range_checker_fill: %s", name, err);
            ok = 0;
        }
    }
    ok = ok && vector_compare(c, run, "range checker", 0, len - 1, TRACE_COL_RANGE_M,
                              TRACE_COL_RANGE_M + TRACE_RANGE_WIDTH);
    t->matched += ok;
    free(rc);
}

/* Run every case of one vector set: one check. */
static void check_set(vector_set_id_t id)
{
    tally_t t = { 0 };
    vector_set_t s;
    if (vector_set_each(id, &s, check_case, &t, 1) == 0)
        vector_set_check(&s, t.matched, "range checkers match (columns 49-50, %" PRIu64
                         " table rows)", t.rows);
}

/* ---- synthetic counts ---------------------------------------------- */

static int is_stride(uint64_t d)
{
    for (uint64_t s = 1; s <= RANGE_MAX_STRIDE; s *= 3)
        if (d == s)
            return 1;
    return 0;
}

/* Rows upstream's greedy walk needs between two listed values gap apart:
 * gap = q * 3^7 + (base-3 digits of the rest), one row per term, the last
 * term being the listed value's own row. */
static uint64_t expected_bridges(uint32_t gap)
{
    if (gap == 0)
        return 0;
    uint64_t terms = gap / RANGE_MAX_STRIDE;
    for (uint32_t r = gap % RANGE_MAX_STRIDE; r; r /= 3)
        terms += r % 3;
    return terms - 1;
}

/* The table written for counts into a trace of len rows has the shape
 * upstream builds: (0, 0) padding, then values rising strictly from 0 to
 * 65535 by powers of 3 up to 3^7, each row's multiplicity the value's
 * count (bridges fall between listed values, whose count is 0), as many
 * rows as the greedy walk gives, a final (0, 65535) row at len - 2, and
 * the last row untouched. */
static int table_shape(const uint32_t *counts, uint64_t len)
{
    char err[256];
    const uint64_t table = range_checker_len(counts);
    uint64_t want_table = 1, prev = 0;
    for (uint32_t x = 0; x < RANGE_VALUES; x++)
        if (counts[x] || x == 0 || x == RANGE_VALUES - 1) {
            want_table += 1 + expected_bridges(x - (uint32_t)prev);
            prev = x;
        }
    felt_t *cols = malloc((size_t)len * TRACE_NUM_COLUMNS * sizeof *cols);
    if (!cols || table != want_table || len < table + 1) {
        free(cols);
        return 0;
    }
    for (size_t i = 0; i < (size_t)len * TRACE_NUM_COLUMNS; i++)
        cols[i] = 77;
    int ok = range_checker_fill(counts, cols, len, err, sizeof err) == 0;
    const felt_t *m = cols + (size_t)TRACE_COL_RANGE_M * len;
    const felt_t *v = cols + (size_t)TRACE_COL_RANGE_V * len;
    const uint64_t pad = len - 1 - table;
    for (uint64_t r = 0; ok && r < pad; r++)
        ok = m[r] == 0 && v[r] == 0;
    ok = ok && m[len - 1] == 77 && v[len - 1] == 77 && m[len - 2] == 0 &&
         v[len - 2] == RANGE_VALUES - 1 && v[pad] == 0 && v[len - 3] == RANGE_VALUES - 1;
    uint64_t sum = 0, want_sum = 0;
    for (uint32_t x = 0; x < RANGE_VALUES; x++)
        want_sum += counts[x];
    for (uint64_t r = pad; ok && r < len - 2; r++) {
        ok = v[r] < RANGE_VALUES && m[r] == counts[v[r]] &&
             (r == pad || is_stride(v[r] - v[r - 1]));
        sum += m[r];
    }
    free(cols);
    return ok && sum == want_sum;
}

static void check_synthetic(void)
{
    uint32_t *counts = calloc(RANGE_VALUES, sizeof *counts);
    char err[256];
    /* Nothing checked: 0 and 65535 with multiplicity 0, the bridges
       between them and the extra row. */
    int ok = counts && table_shape(counts, 64);
    tap_ok(ok, "no range checks: a table from 0 to 65535 by powers of 3 (%" PRIu64 " rows)",
           counts ? range_checker_len(counts) : 0);

    /* Values with their multiplicities, including 0 and 65535 themselves,
       neighbours and a value just past a stride. */
    static const uint32_t vals[] = { 0, 0, 1, 2, 2, 2, 3, 4, 2187, 2188, 4375, 65534, 65535, 65535 };
    for (size_t i = 0; counts && i < sizeof vals / sizeof vals[0]; i++)
        counts[vals[i]]++;
    ok = counts && table_shape(counts, 128);
    tap_ok(ok, "listed values once each with their counts, bridges between (%" PRIu64 " rows)",
           counts ? range_checker_len(counts) : 0);

    /* Pseudo-random counts over the whole range (a fixed xorshift). */
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (int i = 0; counts && i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        counts[(x >> 11) & 0xFFFF] += 1 + (uint32_t)(x & 3);
    }
    const uint64_t t = counts ? range_checker_len(counts) : 0;
    uint64_t len = 64;
    while (len < t + 1)
        len *= 2;
    ok = counts && table_shape(counts, len) && table_shape(counts, len * 2);
    tap_ok(ok, "many values: the same shape at the smallest power of two and twice it "
               "(%" PRIu64 " rows)", t);

    felt_t small[TRACE_NUM_COLUMNS * 8];
    ok = counts && range_checker_fill(counts, small, 8, err, sizeof err) == -1;
    tap_ok(ok, "a table longer than the trace (less the random row) is refused");
    free(counts);
}

int main(void)
{
    tap_plan(6);
    check_synthetic();
    check_set(VECTOR_UPSTREAM);
    check_set(VECTOR_ORACLE);
    return tap_done();
}

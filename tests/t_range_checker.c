/*
 * t_range_checker.c - the range checker's columns 49 (multiplicity) and 50
 * (value) (chiplets/range.h) against the traces the Rust VM v0.19.0
 * produced.
 *
 * For each of upstream's 27 cases and each runnable oracle case (80 minus
 * the 8 pinned in oracle_deferred), the program runs with a tracer that
 * collects the chiplet requests; the range-checked values are counted
 * (the u32 operations' limbs and the memory chiplet's delta limbs), the
 * range checker is written into a zeroed 72-column trace of the vector's
 * length, and columns 49-50 of every row but the last (random) one must
 * equal the vector's. Synthetic counts check the table's shape: values
 * rising from 0 to 65535 by powers of 3 up to 3^7, multiplicities adding
 * up, padding above, the last row untouched.
 */
#include "tap.h"
#include "shared_vectors.h"
#include "chiplets/memory.h"
#include "chiplets/range.h"
#include "exec/exec.h"
#include "io/json.h"
#include "io/trace_csv.h"
#include "mast/parse.h"

/* ---- running a vector case ---------------------------------------- */

typedef struct {
    chiplet_request_t *r;
    size_t n, cap;
} reqs_t;

static int on_chiplet(void *ctx, const chiplet_request_t *r)
{
    reqs_t *c = ctx;
    if (c->n == c->cap) {
        const size_t cap = c->cap ? 2 * c->cap : 256;
        chiplet_request_t *nr = realloc(c->r, cap * sizeof *nr);
        if (!nr)
            return -1;
        c->r = nr;
        c->cap = cap;
    }
    c->r[c->n++] = *r;
    return 0;
}

/* The felts of the JSON array meta[key] (absent: none). */
static int felt_array(const json_value_t *meta, const char *key, felt_t *out, size_t max,
                      size_t *n)
{
    const json_value_t *a = json_get(meta, key);
    *n = 0;
    if (!a)
        return 0;
    if (a->kind != JSON_ARRAY || a->n > max)
        return -1;
    for (size_t i = 0; i < a->n; i++)
        if (json_felt(a->items[i], &out[i]) != 0)
            return -1;
    *n = a->n;
    return 0;
}

/* Run the program of case meta (in dir) collecting its chiplet requests. */
static int run_case(const char *dir, const json_value_t *meta, reqs_t *reqs,
                    chiplet_counts_t *counts, char *err, size_t err_len)
{
    const json_value_t *prog = json_get(meta, "program");
    if (!prog || prog->kind != JSON_STRING) {
        snprintf(err, err_len, "no program");
        return -1;
    }
    static felt_t stack[64], advice[4096];
    size_t n_stack, n_advice;
    if (felt_array(meta, "stack_inputs", stack, 64, &n_stack) != 0 ||
        felt_array(meta, "advice_stack", advice, 4096, &n_advice) != 0) {
        snprintf(err, err_len, "bad stack_inputs or advice_stack");
        return -1;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, prog->text);
    mast_forest_t f;
    mast_forest_init(&f);
    if (mast_parse_file(path, &f, err, err_len) != 0) {
        mast_forest_free(&f);
        return -1;
    }
    vm_t *vm = malloc(sizeof *vm);
    int rc = vm && vm_init(vm, &f, path, stack, (uint32_t)n_stack, advice, n_advice) == 0 ? 0
                                                                                          : -1;
    if (rc == 0) {
        const vm_tracer_t t = { .ctx = reqs, .chiplet = on_chiplet };
        rc = vm_run(vm, &t);
        if (rc != 0)
            vm_format_error(vm, err, err_len);
        *counts = vm->chiplets;
        vm_free(vm);
    } else {
        snprintf(err, err_len, "vm_init failed");
    }
    free(vm);
    mast_forest_free(&f);
    return rc;
}

/* Check one case; 1 if it matches. table_total sums the table lengths. */
static int check_case(const char *dir, const json_value_t *meta, const char *name,
                      uint64_t *table_total)
{
    char err[1024], csv[1200];
    reqs_t reqs = { 0 };
    chiplet_counts_t counts;
    if (run_case(dir, meta, &reqs, &counts, err, sizeof err) != 0) {
        tap_diag("%s: run failed: %s", name, err);
        free(reqs.r);
        return 0;
    }
    snprintf(csv, sizeof csv, "%s/case_%s/trace.csv", dir, name);
    csv_trace_t want;
    if (trace_csv_read(csv, TRACE_NUM_COLUMNS, &want, err, sizeof err) != 0) {
        tap_diag("%s: %s", name, err);
        free(reqs.r);
        return 0;
    }
    const uint64_t len = want.rows;
    felt_t *cols = calloc((size_t)len * TRACE_NUM_COLUMNS, sizeof *cols);
    uint32_t *rc = calloc(RANGE_VALUES, sizeof *rc);
    int ok = cols && rc;
    /* The memory rows' delta limbs are range-checked too. */
    const uint64_t row0 = counts.hasher_rows + 8 * counts.bitwise_ops;
    if (ok && memory_chiplet_fill(reqs.r, reqs.n, cols, len, row0, rc, err, sizeof err) != 0) {
        tap_diag("%s: memory_chiplet_fill: %s", name, err);
        ok = 0;
    }
    if (ok) {
        range_checker_count_requests(reqs.r, reqs.n, rc);
        *table_total += range_checker_len(rc);
        if (range_checker_fill(rc, cols, len, err, sizeof err) != 0) {
            tap_diag("%s: range_checker_fill: %s", name, err);
            ok = 0;
        }
    }
    static const char *const names[2] = { "range_m", "range_v" };
    for (uint64_t r = 0; ok && r + 1 < len; r++)
        for (int k = 0; k < TRACE_RANGE_WIDTH; k++) {
            const int col = TRACE_COL_RANGE_M + k;
            const felt_t g = cols[(size_t)col * len + r];
            const felt_t w = want.cells[r * TRACE_NUM_COLUMNS + (size_t)col];
            if (g != w) {
                tap_diag("%s: first difference at row %" PRIu64 ", column %d (%s): got %" PRIu64
                         ", expected %" PRIu64, name, r, col, names[k], g, w);
                ok = 0;
                break;
            }
        }
    free(rc);
    free(cols);
    trace_csv_free(&want);
    free(reqs.r);
    return ok;
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

static void check_vectors(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/vectors/miden-v0.19.0", shared_dir());
    json_value_t *cases = load_cases(dir);
    if (!cases || cases->kind != JSON_ARRAY) {
        shared_vectors_absent(dir);
    } else {
        int good = 0;
        uint64_t rows = 0;
        for (size_t i = 0; i < cases->n; i++) {
            char name[16];
            snprintf(name, sizeof name, "%02d", (int)(i + 1));
            good += check_case(dir, cases->items[i], name, &rows);
        }
        tap_ok(cases->n == UPSTREAM_CASES && good == UPSTREAM_CASES,
               "upstream cases: %d/%d range checkers match (columns 49-50, %" PRIu64
               " table rows)", good, UPSTREAM_CASES, rows);
    }
    json_free(cases);

    snprintf(dir, sizeof dir, "%s/vectors/oracle-v0.19.0/ops", shared_dir());
    cases = load_cases(dir);
    if (!cases || cases->kind != JSON_ARRAY) {
        shared_vectors_absent(dir);
    } else {
        int good = 0, checked = 0, deferred = 0;
        uint64_t rows = 0;
        for (size_t i = 0; i < cases->n; i++) {
            const json_value_t *name = json_get(cases->items[i], "case");
            if (!name || name->kind != JSON_STRING) {
                tap_diag("oracle case %zu has no name", i);
                continue;
            }
            if (oracle_deferred_index(name->text) >= 0) {
                deferred++;
                continue;
            }
            checked++;
            good += check_case(dir, cases->items[i], name->text, &rows);
        }
        tap_ok(cases->n == ORACLE_CASES && deferred == ORACLE_DEFERRED &&
                   checked == ORACLE_CASES - ORACLE_DEFERRED && good == checked,
               "oracle cases: %d/%d range checkers match (columns 49-50, %" PRIu64 " table "
               "rows; %d deferred cases not run)", good, ORACLE_CASES - ORACLE_DEFERRED, rows,
               deferred);
    }
    json_free(cases);
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
    check_vectors();
    return tap_done();
}

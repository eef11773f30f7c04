/*
 * t_chiplet_memory.c - the memory chiplet's rows (chiplets/memory.h)
 * against the traces the Rust VM v0.19.0 produced.
 *
 * For each of upstream's 27 cases and each runnable oracle case (80 minus
 * the 8 pinned in oracle_deferred), the program runs with a tracer that
 * collects the chiplet requests; the memory rows are written into a
 * zeroed 72-column trace of the vector's length from row hasher rows +
 * 8 * bitwise operations, and chiplet columns 51..70 of those rows must
 * equal the vector's. The vector's memory rows (chiplet selectors 1, 1, 0)
 * must be exactly those rows. A few synthetic request lists check the
 * word contents, the order and the refusals.
 */
#include "tap.h"
#include "shared_vectors.h"
#include "chiplets/memory.h"
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

static const char *const memory_col_names[TRACE_CHIPLETS_WIDTH] = {
    "selector[0]", "selector[1]", "selector[2]", "is_read", "is_word", "ctx", "word_addr",
    "idx0", "idx1", "clk", "v0", "v1", "v2", "v3", "d0", "d1", "d_inv", "f_scw", "unused[18]",
    "unused[19]",
};

/* Is row r of the vector a memory row (chiplet selectors 1, 1, 0)? */
static int vector_memory_row(const csv_trace_t *t, size_t r)
{
    const felt_t *row = t->cells + r * TRACE_NUM_COLUMNS;
    return row[TRACE_COL_CHIPLET(0)] == 1 && row[TRACE_COL_CHIPLET(1)] == 1 &&
           row[TRACE_COL_CHIPLET(2)] == 0;
}

/* Check one case; 1 if it matches. rows_total counts the memory rows. */
static int check_case(const char *dir, const json_value_t *meta, const char *name,
                      size_t *rows_total)
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
    const uint64_t row0 = counts.hasher_rows + 8 * counts.bitwise_ops;
    const uint64_t n = memory_chiplet_len(counts.mem_accesses);
    int ok = cols != NULL;
    if (ok && memory_chiplet_fill(reqs.r, reqs.n, cols, len, row0, NULL, err, sizeof err) != 0) {
        tap_diag("%s: memory_chiplet_fill: %s", name, err);
        ok = 0;
    }
    /* The vector's memory rows are exactly [row0, row0 + n) (the last,
       random row aside). */
    for (size_t r = 0; ok && r + 1 < len; r++) {
        const int inside = r >= row0 && r < row0 + n;
        if (vector_memory_row(&want, r) != inside) {
            tap_diag("%s: row %zu is %sa memory row in the vector (memory rows expected at "
                     "[%" PRIu64 ", %" PRIu64 "))", name, r, inside ? "not " : "", row0, row0 + n);
            ok = 0;
        }
    }
    for (uint64_t r = row0; ok && r < row0 + n; r++)
        for (int k = 0; k < TRACE_CHIPLETS_WIDTH; k++) {
            const int col = TRACE_COL_CHIPLET(k);
            const felt_t g = cols[(size_t)col * len + r];
            const felt_t w = want.cells[r * TRACE_NUM_COLUMNS + (size_t)col];
            if (g != w) {
                tap_diag("%s: first difference at row %" PRIu64 " (memory row %" PRIu64
                         "), column %d (%s): got %" PRIu64 ", expected %" PRIu64,
                         name, r, r - row0, col, memory_col_names[k], g, w);
                ok = 0;
                break;
            }
        }
    *rows_total += n;
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
        size_t rows = 0;
        for (size_t i = 0; i < cases->n; i++) {
            char name[16];
            snprintf(name, sizeof name, "%02d", (int)(i + 1));
            good += check_case(dir, cases->items[i], name, &rows);
        }
        tap_ok(cases->n == UPSTREAM_CASES && good == UPSTREAM_CASES,
               "upstream cases: %d/%d memory chiplets match (columns 51-70, %zu memory rows)",
               good, UPSTREAM_CASES, rows);
    }
    json_free(cases);

    snprintf(dir, sizeof dir, "%s/vectors/oracle-v0.19.0/ops", shared_dir());
    cases = load_cases(dir);
    if (!cases || cases->kind != JSON_ARRAY) {
        shared_vectors_absent(dir);
    } else {
        int good = 0, checked = 0, deferred = 0;
        size_t rows = 0;
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
               "oracle cases: %d/%d memory chiplets match (columns 51-70, %zu memory rows; %d "
               "deferred cases not run)", good, ORACLE_CASES - ORACLE_DEFERRED, rows, deferred);
    }
    json_free(cases);
}

/* ---- synthetic requests -------------------------------------------- */

static chiplet_request_t mem_req(uint64_t clk, uint64_t ctx, memory_op_t op, uint32_t addr,
                                 felt_t a, felt_t b, felt_t c, felt_t d)
{
    chiplet_request_t r = { .kind = CHIPLET_MEMORY, .clk = clk };
    r.memory.op = (uint8_t)op;
    r.memory.ctx = ctx;
    r.memory.addr = addr;
    r.memory.value[0] = a;
    r.memory.value[1] = b;
    r.memory.value[2] = c;
    r.memory.value[3] = d;
    return r;
}

static void check_synthetic(void)
{
    char err[256];
    /* ctx 7 first in execution order, then ctx 0; a hasher request in
       between is skipped. */
    chiplet_request_t reqs[] = {
        mem_req(3, 7, MEM_WRITE_ELEMENT, 9, 5, 0, 0, 0),
        mem_req(4, 0, MEM_WRITE_WORD, 8, 1, 2, 3, 4),
        { .kind = CHIPLET_HASHER, .clk = 5 },
        mem_req(6, 7, MEM_READ_WORD, 8, 0, 5, 0, 0),
        mem_req(9, 0, MEM_WRITE_ELEMENT, 10, 30, 0, 0, 0),
        mem_req(9, 0, MEM_READ_ELEMENT, 100, 0, 0, 0, 0),
        mem_req(12, 0, MEM_READ_ELEMENT, 11, 4, 0, 0, 0),
    };
    const size_t n = sizeof reqs / sizeof reqs[0];
    memory_rows_t m;
    int ok = memory_rows_sort(reqs, n, &m, err, sizeof err) == 0 && m.n == 6;
    /* Expected order: (0,8)@4 W, (0,8)@9 w, (0,8)@12 r, (0,100)@9 r, (7,8)@3 w, (7,8)@6 R. */
    static const struct {
        uint64_t ctx, clk;
        uint32_t word;
        felt_t v[4];
    } want[6] = {
        { 0, 4, 8, { 1, 2, 3, 4 } },   { 0, 9, 8, { 1, 2, 30, 4 } },
        { 0, 12, 8, { 1, 2, 30, 4 } }, { 0, 9, 100, { 0, 0, 0, 0 } },
        { 7, 3, 8, { 0, 5, 0, 0 } },   { 7, 6, 8, { 0, 5, 0, 0 } },
    };
    for (size_t i = 0; ok && i < 6; i++)
        ok = m.rows[i].ctx == want[i].ctx && m.rows[i].clk == want[i].clk &&
             m.rows[i].word_addr == want[i].word && !memcmp(m.rows[i].word, want[i].v, 32);
    /* Requests given out of clock order (the comparison-sort path) give
       the same rows. */
    chiplet_request_t rev[sizeof reqs / sizeof reqs[0]];
    for (size_t i = 0; i < n; i++)
        rev[i] = reqs[n - 1 - i];
    memory_rows_t m2;
    ok = ok && memory_rows_sort(rev, n, &m2, err, sizeof err) == 0 && m2.n == m.n;
    for (size_t i = 0; ok && i < m.n; i++) {
        const memory_row_t *a = &m.rows[i], *b = &m2.rows[i];
        ok = a->ctx == b->ctx && a->clk == b->clk && a->word_addr == b->word_addr &&
             a->is_read == b->is_read && a->is_word == b->is_word && a->idx == b->idx &&
             !memcmp(a->word, b->word, sizeof a->word);
    }
    memory_rows_free(&m2);
    if (!ok)
        tap_diag("%s", err);
    tap_ok(ok, "accesses sorted by ctx, word, clk (also when given out of clock order); each "
               "row holds the whole word after the access (earlier writes kept, unwritten "
               "elements 0)");

    /* Delta columns: first row 1 (same flag 1); a word change, a context
       change, a clock step, and their inverses. */
    const uint64_t len = 16, row0 = 3;
    felt_t *cols = calloc(len * TRACE_NUM_COLUMNS, sizeof *cols);
    uint32_t *rc = calloc(65536, sizeof *rc);
    ok = ok && cols && rc;
    if (ok)
        memory_rows_fill(&m, 0, m.n, cols, len, row0, rc);
    static const uint64_t want_delta[6] = { 1, 5, 3, 92, 7, 3 };
    static const felt_t want_same[6] = { 1, 1, 1, 0, 0, 1 };
    for (size_t i = 0; ok && i < 6; i++) {
        const uint64_t t = row0 + i;
        felt_t inv = 0;
        felt_inv(want_delta[i], &inv);
        ok = cols[TRACE_COL_CHIPLET(MEMORY_COL_D0) * len + t] == want_delta[i] &&
             cols[TRACE_COL_CHIPLET(MEMORY_COL_D1) * len + t] == 0 &&
             cols[TRACE_COL_CHIPLET(MEMORY_COL_D_INV) * len + t] == inv &&
             cols[TRACE_COL_CHIPLET(MEMORY_COL_SAME_CTX_WORD) * len + t] == want_same[i] &&
             cols[TRACE_COL_CHIPLET(MEMORY_COL_IS_READ) * len + t] == (i == 2 || i == 3 || i == 5) &&
             cols[TRACE_COL_CHIPLET(0) * len + t] == 1 && cols[TRACE_COL_CHIPLET(2) * len + t] == 0;
    }
    ok = ok && rc[0] == 6 && rc[1] == 1 && rc[5] == 1 && rc[3] == 2 && rc[92] == 1 && rc[7] == 1;
    ok = ok && cols[TRACE_COL_CHIPLET(0) * len + row0 - 1] == 0 &&
         cols[TRACE_COL_CHIPLET(0) * len + row0 + 6] == 0;
    tap_ok(ok, "delta limbs, inverse, same-word flag and range-checked values; only the "
               "chiplet's rows are written");
    free(cols);
    free(rc);
    memory_rows_free(&m);

    /* Same-cycle accesses: two reads are fine, a write after any access or
       a read after a write is refused; unaligned word accesses and values
       the memory does not hold are refused. */
    chiplet_request_t two_reads[] = { mem_req(5, 0, MEM_READ_WORD, 0, 0, 0, 0, 0),
                                      mem_req(5, 0, MEM_READ_ELEMENT, 2, 0, 0, 0, 0) };
    chiplet_request_t read_write[] = { mem_req(5, 0, MEM_READ_WORD, 0, 0, 0, 0, 0),
                                       mem_req(5, 0, MEM_WRITE_ELEMENT, 2, 1, 0, 0, 0) };
    chiplet_request_t write_read[] = { mem_req(5, 0, MEM_WRITE_ELEMENT, 2, 1, 0, 0, 0),
                                       mem_req(5, 0, MEM_READ_ELEMENT, 2, 1, 0, 0, 0) };
    chiplet_request_t unaligned[] = { mem_req(5, 0, MEM_READ_WORD, 2, 0, 0, 0, 0) };
    chiplet_request_t wrong[] = { mem_req(5, 0, MEM_WRITE_ELEMENT, 2, 1, 0, 0, 0),
                                  mem_req(6, 0, MEM_READ_WORD, 0, 0, 0, 2, 0) };
    ok = memory_rows_sort(two_reads, 2, &m, err, sizeof err) == 0 && m.n == 2;
    memory_rows_free(&m);
    ok = ok && memory_rows_sort(read_write, 2, &m, err, sizeof err) == -1 && m.n == 0;
    ok = ok && memory_rows_sort(write_read, 2, &m, err, sizeof err) == -1;
    ok = ok && memory_rows_sort(unaligned, 1, &m, err, sizeof err) == -1;
    ok = ok && memory_rows_sort(wrong, 2, &m, err, sizeof err) == -1;
    tap_ok(ok, "same-cycle writes, unaligned word accesses and inconsistent reads are refused");

    /* No accesses: no rows; rows that do not fit are refused. */
    felt_t small[4 * TRACE_NUM_COLUMNS];
    ok = memory_rows_sort(reqs + 2, 1, &m, err, sizeof err) == 0 && m.n == 0 &&
         memory_chiplet_len(0) == 0 &&
         memory_chiplet_fill(reqs, n, small, 4, 0, NULL, err, sizeof err) == -1;
    tap_ok(ok, "no memory requests give no rows; rows beyond the trace are refused");
}

int main(void)
{
    tap_plan(6);
    check_synthetic();
    check_vectors();
    return tap_done();
}

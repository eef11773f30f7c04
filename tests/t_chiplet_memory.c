/*
 * t_chiplet_memory.c - the memory chiplet's rows (chiplets/memory.h)
 * against the traces the Rust VM v0.19.0 produced.
 *
 * For each of upstream's 27 cases and each runnable oracle case (80 minus
 * the 8 pinned in oracle_deferred; tests/vector_cases.h), the program
 * runs with a tracer that collects the chiplet requests; the memory rows
 * are written into a zeroed 72-column trace of the vector's length from
 * row hasher rows + 8 * bitwise operations, and chiplet columns 51..70 of
 * those rows must equal the vector's. The vector's memory rows (chiplet
 * selectors 1, 1, 0) must be exactly those rows. A few synthetic request
 * lists check the word contents, the order and the refusals.
 */
#include "tap.h"
#include "vector_cases.h"
#include "chiplets/memory.h"

/* ---- the vector cases ----------------------------------------------- */

typedef struct {
    int matched;
    size_t rows; /* memory rows */
} tally_t;

/* Is row r of the vector a memory row (chiplet selectors 1, 1, 0)? */
static int vector_memory_row(const csv_trace_t *t, size_t r)
{
    const felt_t *row = t->cells + r * TRACE_NUM_COLUMNS;
    return row[TRACE_COL_CHIPLET(0)] == 1 && row[TRACE_COL_CHIPLET(1)] == 1 &&
           row[TRACE_COL_CHIPLET(2)] == 0;
}

/* Check one case (a vector_case_fn). */
static void check_case(const vector_case_t *c, vector_run_t *run, void *ctx)
{
    tally_t *t = ctx;
    const char *name = c->name;
    char err[1024];
    const uint64_t len = run->want.rows;
    const uint64_t row0 = run->counts.hasher_rows + 8 * run->counts.bitwise_ops;
    const uint64_t n = memory_chiplet_len(run->counts.mem_accesses);
    int ok = 1;
    if (memory_chiplet_fill(run->requests.r, run->requests.n, run->cols, len, row0, NULL, err,
                            sizeof err) != 0) {
        tap_diag("%s: memory_chiplet_fill: %s", name, err);
        ok = 0;
    }
    /* The vector's memory rows are exactly [row0, row0 + n) (the last,
       random row aside). */
    for (size_t r = 0; ok && r + 1 < len; r++) {
        const int inside = r >= row0 && r < row0 + n;
        if (vector_memory_row(&run->want, r) != inside) {
            tap_diag("%s: row %zu is %sa memory row in the vector (memory rows expected at "
                     "[%" PRIu64 ", %" PRIu64 "))", name, r, inside ? "not " : "", row0, row0 + n);
            ok = 0;
        }
    }
    ok = ok && vector_compare(c, run, "memory", row0, row0 + n, TRACE_CHIPLETS_OFFSET,
                              TRACE_PADDING_OFFSET);
    t->rows += n;
    t->matched += ok;
}

/* Run every case of one vector set: one check. */
static void check_set(vector_set_id_t id)
{
    tally_t t = { 0 };
    vector_set_t s;
    if (vector_set_each(id, &s, check_case, &t, 1) == 0)
        vector_set_check(&s, t.matched, "memory chiplets match (columns 51-70, %zu memory rows)",
                         t.rows);
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
    check_set(VECTOR_UPSTREAM);
    check_set(VECTOR_ORACLE);
    return tap_done();
}

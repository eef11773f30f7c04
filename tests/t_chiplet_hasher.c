/*
 * t_chiplet_hasher.c - the hasher chiplet's rows (chiplets/hasher.h)
 * against traces the Rust VM v0.19.0 produced.
 *
 * For every upstream case (27) and every oracle case but the pinned
 * deferred ones (tests/vector_cases.h), the program runs with a tracer
 * that collects the hasher requests; their rows are filled into a zeroed
 * 72-column buffer of the vector's length, and chiplet columns 51..70 of
 * rows [0, hasher rows) must equal the vector's. The row after the hasher
 * rows must start another chiplet segment (chiplet selector 1), nothing
 * outside the hasher rows may be written, and filling the requests in two
 * calls (split in the middle) must give the same cells.
 */
#include "tap.h"
#include "vector_cases.h"
#include "chiplets/hasher.h"

/* Counters over the cases of a set. */
typedef struct {
    int matched, split_ok;
    uint64_t rows, requests;
    int perm, control, basic, multi_batch, merkle;
    int by_kind[NODE_EXTERNAL + 1]; /* control requests per node kind */
} totals_t;

/* Check one case (a vector_case_fn); counts a match in tot. */
static void check_case(const vector_case_t *c, vector_run_t *run, void *ctx)
{
    totals_t *tot = ctx;
    const char *name = c->name;
    char err[2048];
    felt_t *b = NULL;
    int ok = 0;
    const mast_forest_t *f = &run->f;
    const request_list_t *reqs = &run->log.hasher;
    const uint64_t hrows = run->counts.hasher_rows;
    const uint64_t len = run->want.rows;
    if (hrows + 1 >= len) {
        tap_diag("%s: %llu hasher rows do not fit before the random row of %llu", name,
                 (unsigned long long)hrows, (unsigned long long)len);
        goto out;
    }
    felt_t *a = run->cols;
    const size_t cells = (size_t)len * TRACE_NUM_COLUMNS;
    b = calloc(cells, sizeof *b);
    if (!b) {
        tap_diag("%s: out of memory", name);
        goto out;
    }
    if (hasher_chiplet_fill(f, reqs->r, 0, reqs->n, a, len, err, sizeof err) != 0) {
        tap_diag("%s: %s", name, err);
        goto out;
    }

    /* the hasher rows, cell by cell */
    int same = vector_compare(c, run, "hasher", 0, hrows, TRACE_CHIPLETS_OFFSET,
                              TRACE_PADDING_OFFSET);
    /* upstream's next segment (or the padding) starts right after them */
    if (same && run->want.cells[hrows * TRACE_NUM_COLUMNS + TRACE_COL_CHIPLET(0)] != 1) {
        tap_diag("%s: row %llu (after %llu hasher rows) has chiplet selector 0 in the vector: "
                 "the hasher row count differs", name, (unsigned long long)hrows,
                 (unsigned long long)hrows);
        same = 0;
    }
    /* nothing written outside the hasher rows */
    for (int col = 0; same && col < TRACE_NUM_COLUMNS; col++)
        for (uint64_t row = 0; row < len; row++)
            if ((col < TRACE_CHIPLETS_OFFSET || col >= TRACE_PADDING_OFFSET || row >= hrows) &&
                a[(size_t)col * len + row] != 0) {
                tap_diag("%s: cell (row %llu, column %d) outside the hasher rows was written",
                         name, (unsigned long long)row, col);
                same = 0;
                break;
            }

    /* the same cells from two calls, the second half first */
    const size_t mid = reqs->n / 2;
    const int split = hasher_chiplet_fill(f, reqs->r, mid, reqs->n, b, len, err, sizeof err) == 0 &&
                      hasher_chiplet_fill(f, reqs->r, 0, mid, b, len, err, sizeof err) == 0 &&
                      !memcmp(a, b, cells * sizeof *a);
    if (!split)
        tap_diag("%s: filling requests [0, %zu) and [%zu, %zu) separately differs", name, mid, mid,
                 reqs->n);
    tot->split_ok += split;

    int n_perm = 0, n_ctrl = 0, n_basic = 0;
    for (size_t i = 0; i < reqs->n; i++) {
        const chiplet_request_t *r = &reqs->r[i];
        n_perm += r->hasher.purpose == HASH_PERMUTATION;
        tot->merkle += r->hasher.purpose == HASH_MERKLE_LEVEL;
        n_ctrl += r->hasher.purpose == HASH_CONTROL_BLOCK;
        n_basic += r->hasher.purpose == HASH_BASIC_BLOCK;
        tot->multi_batch += r->hasher.purpose == HASH_BASIC_BLOCK && r->hasher.rows > 8;
        if (r->hasher.purpose == HASH_CONTROL_BLOCK)
            tot->by_kind[f->nodes[r->hasher.node].kind]++;
    }
    tot->perm += n_perm;
    tot->control += n_ctrl;
    tot->basic += n_basic;
    tot->rows += hrows;
    tot->requests += reqs->n;
    ok = same && split;
    tap_diag("%s: %s: %llu hasher rows of %llu (%d control, %d basic-block, %d permutation "
             "requests)", name, ok ? "match" : "DIFFERS", (unsigned long long)hrows,
             (unsigned long long)len, n_ctrl, n_basic, n_perm);
out:
    free(b);
    tot->matched += ok;
}

/* Seven rounds are the permutation. */
static void check_rounds(void)
{
    int ok = 1;
    felt_t x[RPO_WIDTH], y[RPO_WIDTH];
    for (int t = 0; t < 4; t++) {
        for (int k = 0; k < RPO_WIDTH; k++)
            x[k] = y[k] = felt_from_u64((uint64_t)(t * 1000003 + 1) * (uint64_t)(k + 7) *
                                        UINT64_C(0x9E3779B97F4A7C15));
        for (unsigned r = 0; r < RPO_ROUNDS; r++)
            hasher_apply_round(x, r);
        rpo_permute(y);
        ok &= !memcmp(x, y, sizeof x);
    }
    tap_ok(ok, "hasher_apply_round over rounds 0..6 equals rpo_permute");
}

/* Malformed requests are refused. */
static void check_errors(void)
{
    mast_forest_t f;
    mast_forest_init(&f);
    felt_t cols[TRACE_NUM_COLUMNS * 16] = { 0 };
    char err[256];
    chiplet_request_t r = { .kind = CHIPLET_HASHER };
    r.hasher.purpose = HASH_PERMUTATION;
    r.hasher.rows = 8;
    r.hasher.addr = 1;
    const int good = hasher_chiplet_fill(&f, &r, 0, 1, cols, 16, err, sizeof err) == 0;
    /* the permutation's last row holds the permuted state and selectors [0, 0, 1] */
    felt_t st[RPO_WIDTH] = { 0 };
    rpo_permute(st);
    int last_ok = cols[TRACE_COL_CHIPLET(1) * 16 + 7] == 0 &&
                  cols[TRACE_COL_CHIPLET(3) * 16 + 7] == 1 && cols[TRACE_COL_CHIPLET(1) * 16] == 1;
    for (int k = 0; k < RPO_WIDTH; k++)
        last_ok &= cols[TRACE_COL_CHIPLET(4 + k) * 16 + 7] == st[k];
    r.hasher.addr = 10; /* rows 9..16 of 16 */
    const int too_far = hasher_chiplet_fill(&f, &r, 0, 1, cols, 16, err, sizeof err) != 0;
    r.hasher.addr = 0;
    const int zero_addr = hasher_chiplet_fill(&f, &r, 0, 1, cols, 16, err, sizeof err) != 0;
    r.hasher.addr = 1;
    r.hasher.rows = 16;
    const int bad_rows = hasher_chiplet_fill(&f, &r, 0, 1, cols, 16, err, sizeof err) != 0;
    r.hasher.rows = 8;
    r.hasher.purpose = HASH_CONTROL_BLOCK;
    r.hasher.node = 3;
    const int bad_node = hasher_chiplet_fill(&f, &r, 0, 1, cols, 16, err, sizeof err) != 0;
    r.kind = CHIPLET_MEMORY;
    const int bad_kind = hasher_chiplet_fill(&f, &r, 0, 1, cols, 16, err, sizeof err) != 0;
    tap_ok(good && last_ok && too_far && zero_addr && bad_rows && bad_node && bad_kind,
           "a lone permutation fills its rows; requests that do not fit, wrong row counts, "
           "unknown nodes and other kinds are refused");
    mast_forest_free(&f);
}

int main(void)
{
    tap_plan(5);
    check_rounds();
    check_errors();

    totals_t tot[VECTOR_SETS] = { { 0 } };
    vector_set_t sets[VECTOR_SETS];
    for (int k = 0; k < VECTOR_SETS; k++) {
        const vector_set_t *s = &sets[k];
        const totals_t *t = &tot[k];
        if (vector_set_each((vector_set_id_t)k, &sets[k], check_case, &tot[k], 1) == 0)
            vector_set_check(s, t->matched, "hasher segments match (%llu rows, %llu requests: %d "
                             "control, %d basic-block of which %d multi-batch, %d permutation, %d "
                             "Merkle-path levels)",
                             (unsigned long long)t->rows, (unsigned long long)t->requests,
                             t->control, t->basic, t->multi_batch, t->perm, t->merkle);
    }
    const totals_t up = tot[VECTOR_UPSTREAM], orc = tot[VECTOR_ORACLE];
    static const char *const kinds[] = { "block", "join", "split", "loop", "call",
                                          "syscall", "dyn", "dyncall", "external" };
    char tally[256];
    size_t used = 0;
    for (int k = NODE_JOIN; k <= NODE_DYNCALL; k++)
        used += (size_t)snprintf(tally + used, sizeof tally - used, "%s%s %d", k > NODE_JOIN ? ", " : "",
                                 kinds[k], up.by_kind[k] + orc.by_kind[k]);
    tap_diag("control-block requests checked, by node kind: %s", tally);
    const int all = up.matched + orc.matched;
    if (sets[VECTOR_UPSTREAM].absent || sets[VECTOR_ORACLE].absent)
        shared_vectors_absent(sets[VECTOR_UPSTREAM].absent ? sets[VECTOR_UPSTREAM].dir
                                                           : sets[VECTOR_ORACLE].dir);
    else
        tap_ok(up.split_ok + orc.split_ok == all &&
                   all == UPSTREAM_CASES + ORACLE_CASES - ORACLE_DEFERRED,
               "split fills: %d/%d cases give the same cells from two calls",
               up.split_ok + orc.split_ok, UPSTREAM_CASES + ORACLE_CASES - ORACLE_DEFERRED);
    return tap_done();
}

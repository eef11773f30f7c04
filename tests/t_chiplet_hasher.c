/*
 * t_chiplet_hasher.c - the hasher chiplet's rows (chiplets/hasher.h)
 * against traces the Rust VM v0.19.0 produced.
 *
 * For every upstream case (27) and every oracle case but the pinned
 * deferred ones (tests/shared_vectors.h), the program runs with a tracer
 * that collects the hasher requests; their rows are filled into a zeroed
 * 72-column buffer of the vector's length, and chiplet columns 51..70 of
 * rows [0, hasher rows) must equal the vector's. The row after the hasher
 * rows must start another chiplet segment (chiplet selector 1), nothing
 * outside the hasher rows may be written, and filling the requests in two
 * calls (split in the middle) must give the same cells.
 */
#include "tap.h"
#include "shared_vectors.h"
#include "chiplets/hasher.h"
#include "exec/exec.h"
#include "io/json.h"
#include "mast/parse.h"

/* Hasher requests collected by a tracer. */
typedef struct {
    chiplet_request_t *r;
    size_t n, cap;
} requests_t;

static int on_chiplet(void *ctx, const chiplet_request_t *r)
{
    requests_t *c = ctx;
    if (r->kind != CHIPLET_HASHER)
        return 0;
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

/* The felts of a JSON array of decimal numbers or strings; n = -1 on error. */
static felt_t *felt_array(const json_value_t *l, long *n)
{
    *n = 0;
    if (!l)
        return NULL;
    if (l->kind != JSON_ARRAY) {
        *n = -1;
        return NULL;
    }
    felt_t *v = calloc(l->n + 1, sizeof *v);
    for (size_t i = 0; v && i < l->n; i++)
        if (json_felt(l->items[i], &v[i]) != 0) {
            *n = -1;
            free(v);
            return NULL;
        }
    *n = (long)l->n;
    return v;
}

/* Counters over all cases. */
typedef struct {
    int matched, split_ok;
    uint64_t rows, requests;
    int perm, control, basic, multi_batch;
    int by_kind[NODE_EXTERNAL + 1]; /* control requests per node kind */
} totals_t;

/* Check one case (dir, meta c, trace in case_<name>/trace.csv); 1 if it matches. */
static int check_case(const char *dir, const json_value_t *c, const char *name, totals_t *tot)
{
    char path[1200], err[2048];
    const json_value_t *prog = json_get(c, "program");
    if (!prog || prog->kind != JSON_STRING) {
        tap_diag("%s: no program", name);
        return 0;
    }
    long n_stack, n_adv;
    felt_t *stack = felt_array(json_get(c, "stack_inputs"), &n_stack);
    felt_t *adv = felt_array(json_get(c, "advice_stack"), &n_adv);
    if (n_stack < 0 || n_adv < 0) {
        tap_diag("%s: malformed inputs", name);
        free(stack);
        free(adv);
        return 0;
    }
    snprintf(path, sizeof path, "%s/%s", dir, prog->text);
    mast_forest_t f;
    mast_forest_init(&f);
    requests_t reqs = { 0 };
    ref_trace_t want = { 0 };
    felt_t *a = NULL, *b = NULL;
    vm_t *vm = NULL;
    int ok = 0;
    if (mast_parse_file(path, &f, err, sizeof err) != 0) {
        tap_diag("%s: %s", name, err);
        goto out;
    }
    vm = malloc(sizeof *vm);
    if (!vm || vm_init(vm, &f, path, stack, (uint32_t)n_stack, adv, (size_t)n_adv) != 0) {
        tap_diag("%s: cannot prepare the VM", name);
        free(vm);
        vm = NULL;
        goto out;
    }
    const vm_tracer_t tracer = { .ctx = &reqs, .chiplet = on_chiplet };
    if (vm_run(vm, &tracer) != 0) {
        vm_format_error(vm, err, sizeof err);
        tap_diag("%s: %s", name, err);
        goto out;
    }
    const uint64_t hrows = vm->chiplets.hasher_rows;

    char csv[1200];
    snprintf(csv, sizeof csv, "%s/case_%s/trace.csv", dir, name);
    if (ref_trace_load(csv, &want, err, sizeof err) != 0) {
        tap_diag("%s: %s", name, err);
        goto out;
    }
    const uint64_t len = want.rows;
    if (hrows + 1 >= len) {
        tap_diag("%s: %llu hasher rows do not fit before the random row of %llu", name,
                 (unsigned long long)hrows, (unsigned long long)len);
        goto out;
    }
    const size_t cells = (size_t)len * TRACE_NUM_COLUMNS;
    a = calloc(cells, sizeof *a);
    b = calloc(cells, sizeof *b);
    if (!a || !b) {
        tap_diag("%s: out of memory", name);
        goto out;
    }
    if (hasher_chiplet_fill(&f, reqs.r, 0, reqs.n, a, len, err, sizeof err) != 0) {
        tap_diag("%s: %s", name, err);
        goto out;
    }

    /* the hasher rows, cell by cell */
    int same = 1;
    for (uint64_t row = 0; same && row < hrows; row++)
        for (int col = TRACE_CHIPLETS_OFFSET; col < TRACE_PADDING_OFFSET; col++) {
            const uint64_t g = a[(size_t)col * len + row], w = want.v[row * TRACE_COLUMNS + col];
            if (g != w) {
                tap_diag("%s: first difference at row %llu, column %d (chiplet column %d): "
                         "got %" PRIu64 ", expected %" PRIu64, name, (unsigned long long)row, col,
                         col - TRACE_CHIPLETS_OFFSET, g, w);
                same = 0;
                break;
            }
        }
    /* upstream's next segment (or the padding) starts right after them */
    if (same && want.v[hrows * TRACE_COLUMNS + TRACE_COL_CHIPLET(0)] != 1) {
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
    const size_t mid = reqs.n / 2;
    const int split = hasher_chiplet_fill(&f, reqs.r, mid, reqs.n, b, len, err, sizeof err) == 0 &&
                      hasher_chiplet_fill(&f, reqs.r, 0, mid, b, len, err, sizeof err) == 0 &&
                      !memcmp(a, b, cells * sizeof *a);
    if (!split)
        tap_diag("%s: filling requests [0, %zu) and [%zu, %zu) separately differs", name, mid, mid,
                 reqs.n);
    tot->split_ok += split;

    int n_perm = 0, n_ctrl = 0, n_basic = 0;
    for (size_t i = 0; i < reqs.n; i++) {
        n_perm += reqs.r[i].hasher.purpose == HASH_PERMUTATION;
        n_ctrl += reqs.r[i].hasher.purpose == HASH_CONTROL_BLOCK;
        n_basic += reqs.r[i].hasher.purpose == HASH_BASIC_BLOCK;
        tot->multi_batch += reqs.r[i].hasher.purpose == HASH_BASIC_BLOCK && reqs.r[i].hasher.rows > 8;
        if (reqs.r[i].hasher.purpose == HASH_CONTROL_BLOCK)
            tot->by_kind[f.nodes[reqs.r[i].hasher.node].kind]++;
    }
    tot->perm += n_perm;
    tot->control += n_ctrl;
    tot->basic += n_basic;
    tot->rows += hrows;
    tot->requests += reqs.n;
    ok = same && split;
    tap_diag("%s: %s: %llu hasher rows of %llu (%d control, %d basic-block, %d permutation "
             "requests)", name, ok ? "match" : "DIFFERS", (unsigned long long)hrows,
             (unsigned long long)len, n_ctrl, n_basic, n_perm);
out:
    if (vm)
        vm_free(vm);
    free(vm);
    free(a);
    free(b);
    free(want.v);
    free(reqs.r);
    free(stack);
    free(adv);
    mast_forest_free(&f);
    tot->matched += ok;
    return ok;
}

static json_value_t *load_cases(const char *dir)
{
    char path[1100], err[256];
    snprintf(path, sizeof path, "%s/cases.json", dir);
    size_t len;
    char *text = slurp_file(path, &len);
    if (!text)
        return NULL;
    json_value_t *root = json_parse(text, len, err, sizeof err);
    free(text);
    return root;
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

    totals_t up = { 0 }, orc = { 0 };
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/vectors/miden-v0.19.0", shared_dir());
    json_value_t *cases = load_cases(dir);
    if (!cases) {
        shared_vectors_absent(dir);
    } else {
        const size_t n = cases->kind == JSON_ARRAY ? cases->n : 0;
        for (size_t i = 0; i < n; i++) {
            char name[16];
            snprintf(name, sizeof name, "%02d", (int)(i + 1));
            check_case(dir, cases->items[i], name, &up);
        }
        tap_ok(n == UPSTREAM_CASES && up.matched == UPSTREAM_CASES,
               "upstream cases: %d/%d hasher segments match (%llu rows, %llu requests: %d control, "
               "%d basic-block of which %d multi-batch, %d permutation)", up.matched,
               UPSTREAM_CASES, (unsigned long long)up.rows, (unsigned long long)up.requests,
               up.control, up.basic, up.multi_batch, up.perm);
        json_free(cases);
    }

    snprintf(dir, sizeof dir, "%s/vectors/oracle-v0.19.0/ops", shared_dir());
    cases = load_cases(dir);
    if (!cases) {
        shared_vectors_absent(dir);
    } else {
        const size_t n = cases->kind == JSON_ARRAY ? cases->n : 0;
        int checked = 0, deferred = 0;
        for (size_t i = 0; i < n; i++) {
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
            check_case(dir, cases->items[i], name->text, &orc);
        }
        const int want = ORACLE_CASES - ORACLE_DEFERRED;
        tap_ok(n == ORACLE_CASES && deferred == ORACLE_DEFERRED && checked == want &&
                   orc.matched == want,
               "oracle cases: %d/%d hasher segments match, %d deferred (%llu rows, %llu requests: "
               "%d control, %d basic-block of which %d multi-batch, %d permutation)", orc.matched,
               want, deferred, (unsigned long long)orc.rows, (unsigned long long)orc.requests,
               orc.control, orc.basic, orc.multi_batch, orc.perm);
        json_free(cases);
    }
    static const char *const kinds[] = { "block", "join", "split", "loop", "call",
                                          "syscall", "dyn", "dyncall", "external" };
    char tally[256];
    size_t used = 0;
    for (int k = NODE_JOIN; k <= NODE_DYNCALL; k++)
        used += (size_t)snprintf(tally + used, sizeof tally - used, "%s%s %d", k > NODE_JOIN ? ", " : "",
                                 kinds[k], up.by_kind[k] + orc.by_kind[k]);
    tap_diag("control-block requests checked, by node kind: %s", tally);
    const int all = up.matched + orc.matched;
    tap_ok(up.split_ok + orc.split_ok == all && all == UPSTREAM_CASES + ORACLE_CASES - ORACLE_DEFERRED,
           "split fills: %d/%d cases give the same cells from two calls", up.split_ok + orc.split_ok,
           UPSTREAM_CASES + ORACLE_CASES - ORACLE_DEFERRED);
    return tap_done();
}

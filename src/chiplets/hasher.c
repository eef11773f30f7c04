/*
 * hasher.c - the rows of the hasher chiplet (see hasher.h and
 * spec/chiplet-hasher.md).
 */
#include "chiplets/hasher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* One RPO round                                                       */

/* out = M * in for the circulant MDS matrix M[i][j] = rpo_mds_row[(j - i) mod 12]. */
static void mds_multiply(felt_t st[RPO_WIDTH])
{
    felt_t out[RPO_WIDTH];
    for (int i = 0; i < RPO_WIDTH; i++) {
        felt_t acc = 0;
        for (int j = 0; j < RPO_WIDTH; j++)
            acc = felt_add(acc, felt_mul(rpo_mds_row[(j - i + RPO_WIDTH) % RPO_WIDTH], st[j]));
        out[i] = acc;
    }
    for (int i = 0; i < RPO_WIDTH; i++)
        st[i] = out[i];
}

static felt_t pow7(felt_t x)
{
    const felt_t x2 = felt_square(x);
    const felt_t x4 = felt_square(x2);
    return felt_mul(felt_mul(x2, x), x4);
}

void hasher_apply_round(felt_t state[RPO_WIDTH], unsigned round)
{
    mds_multiply(state);
    for (int i = 0; i < RPO_WIDTH; i++)
        state[i] = pow7(felt_add(state[i], rpo_ark1[round][i]));
    mds_multiply(state);
    for (int i = 0; i < RPO_WIDTH; i++)
        state[i] = rpo_sbox_inv(felt_add(state[i], rpo_ark2[round][i]));
}

/* ------------------------------------------------------------------ */
/* Rows                                                                */

/* Where the rows go: the column-major trace and its height. */
typedef struct {
    felt_t *cols;
    uint64_t len;
} sink_t;

static inline felt_t *cell(const sink_t *s, uint64_t row, int chiplet_col)
{
    return &s->cols[(uint64_t)TRACE_COL_CHIPLET(chiplet_col) * s->len + row];
}

/* One hasher row: selectors (packed, bit k = s_k), state, node index; the
 * chiplet selector and the unused columns are 0. */
static void put_row(const sink_t *s, uint64_t row, unsigned sel, const felt_t st[RPO_WIDTH],
                    felt_t node_index)
{
    *cell(s, row, HASHER_COL_CHIPLET_SEL) = 0;
    for (int k = 0; k < HASHER_NUM_SELECTORS; k++)
        *cell(s, row, HASHER_COL_SELECTORS + k) = (sel >> k) & 1u;
    for (int k = 0; k < RPO_WIDTH; k++)
        *cell(s, row, HASHER_COL_STATE + k) = st[k];
    *cell(s, row, HASHER_COL_NODE_INDEX) = node_index;
    for (int k = HASHER_COL_UNUSED; k < TRACE_CHIPLETS_WIDTH; k++)
        *cell(s, row, k) = 0;
}

/* The 8 rows of one permutation of st (permuted in place) from row row0:
 * the first row holds the input state with first_sel and first_index; row
 * r (1..7) the state after r rounds with the index rest_index, and the
 * selectors of the first row with s0 cleared (r < 7) or last_sel (r = 7). */
static void put_permutation(const sink_t *s, uint64_t row0, felt_t st[RPO_WIDTH],
                            unsigned first_sel, unsigned last_sel, felt_t first_index,
                            felt_t rest_index)
{
    put_row(s, row0, first_sel, st, first_index);
    const unsigned middle_sel = first_sel & ~1u;
    for (unsigned r = 0; r < RPO_ROUNDS; r++) {
        hasher_apply_round(st, r);
        put_row(s, row0 + 1 + r, r + 1 < RPO_ROUNDS ? middle_sel : last_sel, st, rest_index);
    }
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

/* The hashing domain of a control node (capacity element 1), or -1. */
static long control_domain(node_kind_t kind)
{
    switch (kind) {
    case NODE_JOIN: return DOMAIN_JOIN;
    case NODE_SPLIT: return DOMAIN_SPLIT;
    case NODE_LOOP: return DOMAIN_LOOP;
    case NODE_CALL: return DOMAIN_CALL;
    case NODE_SYSCALL: return DOMAIN_SYSCALL;
    case NODE_DYN: return DOMAIN_DYN;
    case NODE_DYNCALL: return DOMAIN_DYNCALL;
    default: return -1;
    }
}

static void set_rate(felt_t st[RPO_WIDTH], const felt_t groups[BATCH_GROUPS])
{
    for (int k = 0; k < RPO_RATE; k++)
        st[RPO_RATE_START + k] = groups[k];
}

int hasher_initial_state(const mast_forest_t *f, const chiplet_request_t *r,
                         felt_t state[RPO_WIDTH], char *err, size_t err_len)
{
    for (int k = 0; k < RPO_WIDTH; k++)
        state[k] = 0;
    if (r->hasher.purpose == HASH_PERMUTATION || r->hasher.purpose == HASH_MERKLE_LEVEL) {
        for (int k = 0; k < RPO_WIDTH; k++)
            state[k] = r->hasher.state[k];
        return 0;
    }
    if (r->hasher.node >= f->n_nodes) {
        snprintf(err, err_len, "node %u is not in the forest (%u nodes)", r->hasher.node,
                 f->n_nodes);
        return -1;
    }
    const mast_node_t *n = &f->nodes[r->hasher.node];
    if (r->hasher.purpose == HASH_BASIC_BLOCK) {
        if (n->kind != NODE_BLOCK || n->n_batches == 0) {
            snprintf(err, err_len, "node %u is not a basic block with batches", r->hasher.node);
            return -1;
        }
        /* capacity 0 (8 elements per batch: no padding flag), batch 0 in the rate */
        set_rate(state, f->batches[n->batches_start].groups);
        return 0;
    }
    if (r->hasher.purpose != HASH_CONTROL_BLOCK) {
        snprintf(err, err_len, "unknown hasher purpose %u", r->hasher.purpose);
        return -1;
    }
    const long domain = control_domain(n->kind);
    if (domain < 0) {
        snprintf(err, err_len, "node %u is not a control block", r->hasher.node);
        return -1;
    }
    /* the children's digests (an EXTERNAL child: the digest it names) */
    word_t a = { { 0 } }, b = { { 0 } };
    switch (n->kind) {
    case NODE_JOIN:
    case NODE_SPLIT:
        a = f->nodes[n->child[0]].digest;
        b = f->nodes[n->child[1]].digest;
        break;
    case NODE_LOOP:
    case NODE_CALL:
    case NODE_SYSCALL:
        a = f->nodes[n->child[0]].digest;
        break;
    default: /* DYN, DYNCALL: two zero words */
        break;
    }
    state[1] = (felt_t)domain;
    for (int k = 0; k < RPO_DIGEST_LEN; k++) {
        state[RPO_RATE_START + k] = a.v[k];
        state[RPO_RATE_START + RPO_DIGEST_LEN + k] = b.v[k];
    }
    return 0;
}

/* Rows one request needs, or 0 if its purpose or node is unknown. */
static uint64_t rows_needed(const mast_forest_t *f, const chiplet_request_t *r)
{
    switch (r->hasher.purpose) {
    case HASH_PERMUTATION:
    case HASH_CONTROL_BLOCK:
    case HASH_MERKLE_LEVEL:
        return HASHER_CYCLE_LEN;
    case HASH_BASIC_BLOCK:
        return r->hasher.node < f->n_nodes
                   ? (uint64_t)HASHER_CYCLE_LEN * f->nodes[r->hasher.node].n_batches
                   : 0;
    default:
        return 0;
    }
}

/* Write the rows of one request. 0, or -1 with a message in err. */
static int fill_one(const mast_forest_t *f, const chiplet_request_t *r, const sink_t *s,
                    char *err, size_t err_len)
{
    felt_t st[RPO_WIDTH];
    if (hasher_initial_state(f, r, st, err, err_len) != 0)
        return -1;
    const uint64_t row0 = r->hasher.addr - 1;
    switch (r->hasher.purpose) {
    case HASH_PERMUTATION:
        /* HPERM (and upstream's log_precompile): the whole state is returned */
        put_permutation(s, row0, st, HASHER_SEL_LINEAR_HASH, HASHER_SEL_RETURN_STATE, 0, 0);
        return 0;
    case HASH_MERKLE_LEVEL: {
        /* verify_mp_leg: the path computation's selectors M on the first
           row of its first level and on the last row of every level but its
           last (which returns the hash); later levels start with M's s0
           cleared. The node index: on a level that starts with s0 = 1 the
           first row holds the index, the other rows index >> 1; otherwise
           all rows index >> 1. */
        static const unsigned main_sel[3] = { HASHER_SEL_MP_VERIFY, HASHER_SEL_MR_UPDATE_OLD,
                                              HASHER_SEL_MR_UPDATE_NEW };
        if (r->hasher.merkle > MERKLE_MR_UPDATE_NEW || st[0] || st[1] || st[2] || st[3]) {
            snprintf(err, err_len, "not a Merkle path level (kind %u, capacity not 0)",
                     r->hasher.merkle);
            return -1;
        }
        const unsigned m = main_sel[r->hasher.merkle];
        const unsigned first = r->hasher.first ? m : m & ~1u;
        const unsigned last = r->hasher.last ? HASHER_SEL_RETURN_HASH : m;
        const felt_t rest = r->hasher.index >> 1;
        put_permutation(s, row0, st, first, last, (first & 1u) ? r->hasher.index : rest, rest);
        return 0;
    }
    case HASH_CONTROL_BLOCK:
        put_permutation(s, row0, st, HASHER_SEL_LINEAR_HASH, HASHER_SEL_RETURN_HASH, 0, 0);
        break;
    case HASH_BASIC_BLOCK: {
        const mast_node_t *n = &f->nodes[r->hasher.node];
        const op_batch_t *batches = &f->batches[n->batches_start];
        for (uint32_t k = 0; k < n->n_batches; k++) {
            /* later batches overwrite the rate, the capacity carries on */
            if (k > 0)
                set_rate(st, batches[k].groups);
            /* first permutation starts the linear hash, later ones continue it
               (s0 = 0); every one but the last ends by absorbing the next batch */
            const unsigned first = k == 0 ? HASHER_SEL_LINEAR_HASH : HASHER_SEL_LINEAR_HASH & ~1u;
            const unsigned last =
                k + 1 < n->n_batches ? HASHER_SEL_LINEAR_HASH : HASHER_SEL_RETURN_HASH;
            put_permutation(s, row0 + (uint64_t)HASHER_CYCLE_LEN * k, st, first, last, 0, 0);
        }
        break;
    }
    default:
        snprintf(err, err_len, "unknown hasher purpose %u", r->hasher.purpose);
        return -1;
    }
    /* a block's rows end with its digest in h4..h7 */
    const word_t want = f->nodes[r->hasher.node].digest;
    for (int k = 0; k < RPO_DIGEST_LEN; k++)
        if (st[RPO_RATE_START + k] != want.v[k]) {
            snprintf(err, err_len, "node %u: the hasher rows do not end with the node's digest",
                     r->hasher.node);
            return -1;
        }
    return 0;
}

int hasher_chiplet_fill(const mast_forest_t *f, const chiplet_request_t *reqs, size_t from,
                        size_t to, felt_t *cols, uint64_t len, char *err, size_t err_len)
{
    const sink_t s = { cols, len };
    char why[200];
    for (size_t i = from; i < to; i++) {
        const chiplet_request_t *r = &reqs[i];
        if (r->kind != CHIPLET_HASHER) {
            snprintf(err, err_len, "request %zu: not a hasher request (kind %u)", i, r->kind);
            return -1;
        }
        const uint64_t rows = rows_needed(f, r);
        if (rows == 0 || r->hasher.rows != rows) {
            snprintf(err, err_len, "hasher request %zu (address %llu): %u rows, expected %llu", i,
                     (unsigned long long)r->hasher.addr, r->hasher.rows,
                     (unsigned long long)rows);
            return -1;
        }
        if (r->hasher.addr == 0 || r->hasher.addr - 1 > len || rows > len - (r->hasher.addr - 1)) {
            snprintf(err, err_len,
                     "hasher request %zu: rows [%llu, %llu) do not fit in a trace of %llu rows", i,
                     (unsigned long long)(r->hasher.addr - 1),
                     (unsigned long long)(r->hasher.addr - 1 + rows), (unsigned long long)len);
            return -1;
        }
        if (fill_one(f, r, &s, why, sizeof why) != 0) {
            snprintf(err, err_len, "hasher request %zu (address %llu): %s", i,
                     (unsigned long long)r->hasher.addr, why);
            return -1;
        }
    }
    return 0;
}

void hasher_memo_init(hasher_memo_t *m)
{
    m->first_row = NULL;
    m->n_nodes = 0;
}

void hasher_memo_free(hasher_memo_t *m)
{
    free(m->first_row);
    hasher_memo_init(m);
}

int hasher_chiplet_fill_memo(const mast_forest_t *f, hasher_memo_t *memo,
                             const chiplet_request_t *reqs, size_t from, size_t to, felt_t *cols,
                             uint64_t len, char *err, size_t err_len)
{
    if (!memo->first_row && f->n_nodes) {
        memo->first_row = calloc(f->n_nodes, sizeof *memo->first_row);
        memo->n_nodes = memo->first_row ? f->n_nodes : 0;
    }
    for (size_t i = from; i < to; i++) {
        const chiplet_request_t *r = &reqs[i];
        const int block = r->kind == CHIPLET_HASHER &&
                          (r->hasher.purpose == HASH_CONTROL_BLOCK ||
                           r->hasher.purpose == HASH_BASIC_BLOCK) &&
                          r->hasher.node < memo->n_nodes;
        const uint64_t at = r->hasher.addr - 1;
        if (block && memo->first_row[r->hasher.node] != 0 && r->hasher.addr >= 1 &&
            r->hasher.rows <= len && at <= len - r->hasher.rows) {
            const uint64_t src = memo->first_row[r->hasher.node] - 1;
            /* Same node, same rows: src was checked when it was written. */
            for (int c = 0; c < TRACE_CHIPLETS_WIDTH; c++) {
                felt_t *col = cols + (uint64_t)TRACE_COL_CHIPLET(c) * len;
                memcpy(col + at, col + src, (size_t)r->hasher.rows * sizeof *col);
            }
            continue;
        }
        if (hasher_chiplet_fill(f, reqs, i, i + 1, cols, len, err, err_len) != 0)
            return -1;
        if (block)
            memo->first_row[r->hasher.node] = at + 1;
    }
    return 0;
}

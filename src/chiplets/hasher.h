/*
 * hasher.h - the rows of the hasher chiplet (spec/chiplet-hasher.md).
 *
 * The hasher is the first of the stacked chiplets: its rows start at trace
 * row 0. Every hasher request of the executor (exec/tracer.h, kind
 * CHIPLET_HASHER) owns the rows [addr - 1, addr - 1 + rows): 8 rows per
 * RPO permutation, one row per round boundary. On those rows the 20
 * chiplet columns hold
 *
 *   chiplet col 0        the chiplet selector: 0 on hasher rows
 *   chiplet cols 1..3    the hasher's row selectors s0, s1, s2
 *   chiplet cols 4..15   the sponge state h0..h11 (capacity h0..h3, rate h4..h11)
 *   chiplet col 16       the node index (Merkle operations; 0 otherwise)
 *   chiplet cols 17..19  unused: 0
 *
 * Upstream (0xMiden/miden-vm v0.19.0): processor/src/chiplets/hasher/
 * (mod.rs, trace.rs), air/src/trace/chiplets/hasher.rs,
 * processor/src/chiplets/mod.rs (stacking and chiplet selectors).
 */
#ifndef FRAGTRACE_CHIPLETS_HASHER_H
#define FRAGTRACE_CHIPLETS_HASHER_H

#include <stddef.h>
#include <stdint.h>

#include "air/layout.h"
#include "exec/tracer.h"
#include "field/felt.h"
#include "hash/rpo.h"
#include "mast/forest.h"

/* Rows per permutation (upstream HASH_CYCLE_LEN: 7 rounds rounded up to 8). */
#define HASHER_CYCLE_LEN 8

/* Chiplet-relative columns of the hasher segment (TRACE_COL_CHIPLET(k)). */
#define HASHER_COL_CHIPLET_SEL 0  /* chiplet selector, 0 on hasher rows */
#define HASHER_COL_SELECTORS 1    /* s0, s1, s2 */
#define HASHER_NUM_SELECTORS 3
#define HASHER_COL_STATE 4        /* h0..h11 */
#define HASHER_COL_NODE_INDEX 16
#define HASHER_COL_UNUSED 17      /* 17..19: 0 on hasher rows */

/* Row selectors (s0, s1, s2) as packed bits: bit k is s_k. */
#define HASHER_SEL_LINEAR_HASH 0x1u    /* [1, 0, 0]: start or absorb (linear hash) */
#define HASHER_SEL_MP_VERIFY 0x5u      /* [1, 0, 1] */
#define HASHER_SEL_MR_UPDATE_OLD 0x3u  /* [1, 1, 0] */
#define HASHER_SEL_MR_UPDATE_NEW 0x7u  /* [1, 1, 1] */
#define HASHER_SEL_RETURN_HASH 0x0u    /* [0, 0, 0] */
#define HASHER_SEL_RETURN_STATE 0x4u   /* [0, 0, 1] */

/* One round of the RPO permutation (round 0..6), as the hasher trace steps
 * through it; seven of them in order are rpo_permute. */
void hasher_apply_round(felt_t state[RPO_WIDTH], unsigned round);

/* The sponge state a request starts from: for a control block the two
 * child digests in the rate and its domain in capacity element 1; for a
 * basic block its first batch's 8 groups in the rate, capacity 0; for a
 * permutation the request's state. Returns 0, or -1 with a message in err
 * (a node that does not fit the purpose). */
int hasher_initial_state(const mast_forest_t *f, const chiplet_request_t *r,
                         felt_t state[RPO_WIDTH], char *err, size_t err_len);

/* Write all chiplet columns (TRACE_COL_CHIPLET(0..19)) of the rows of the
 * hasher requests reqs[from, to) (each a CHIPLET_HASHER request, in
 * execution order) into the column-major trace cols of len rows: cell
 * (row, col) is cols[col * len + row]. Only those rows are written, so
 * disjoint request ranges write disjoint rows and threads may split the
 * requests. Returns 0, or -1 with a message in err. */
int hasher_chiplet_fill(const mast_forest_t *f, const chiplet_request_t *reqs, size_t from,
                        size_t to, felt_t *cols, uint64_t len, char *err, size_t err_len);

/* The rows of a block are the same every time it is hashed (upstream
 * copies them too: its hasher memoizes by digest). A memo remembers, per
 * MAST node, the first row where its rows were written into one trace
 * buffer by the memo's owner, so that later requests for the node copy
 * those rows instead of running the permutations again. A memo belongs to
 * one thread and one buffer: it only ever copies rows its owner wrote. */
typedef struct {
    uint64_t *first_row;     /* per node: 1 + the row, 0 for none (NULL until the first use) */
    uint32_t n_nodes;
} hasher_memo_t;

void hasher_memo_init(hasher_memo_t *m);
void hasher_memo_free(hasher_memo_t *m);

/* hasher_chiplet_fill of reqs[from, to) through the memo: control and
 * basic blocks met before are copied, the rest computed (and remembered). */
int hasher_chiplet_fill_memo(const mast_forest_t *f, hasher_memo_t *memo,
                             const chiplet_request_t *reqs, size_t from, size_t to, felt_t *cols,
                             uint64_t len, char *err, size_t err_len);

#endif

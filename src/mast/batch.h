/*
 * batch.h - splitting a basic block's operations into op batches, exactly
 * as miden-core v0.19.0 does (core/src/mast/node/basic_block_node/mod.rs,
 * op_batch.rs; rules in spec/program-format.md, "Batching").
 *
 * A batch holds up to 8 groups. A group is either an op group (up to 9
 * opcodes packed 7 bits each, first op in the low bits) or the immediate
 * value of a push in an earlier op group of the batch. A group never ends
 * with a push (a NOOP is appended), and the last batch's group count is
 * rounded up to a power of two with NOOP-only groups.
 */
#ifndef FRAGTRACE_MAST_BATCH_H
#define FRAGTRACE_MAST_BATCH_H

#include <stdint.h>
#include "mast/ops.h"

#define BATCH_GROUPS 8      /* groups per batch */
#define GROUP_OPS 9         /* operations per op group */
#define BATCH_MAX_OPS 72    /* BATCH_GROUPS * GROUP_OPS */

typedef struct {
    felt_t groups[BATCH_GROUPS];   /* group values; unused slots 0 */
    uint8_t indptr[BATCH_GROUPS + 1]; /* group i's ops: [indptr[i], indptr[i+1]) of the batch */
    uint8_t padding[BATCH_GROUPS]; /* 1 if group i ends with a NOOP the batcher added */
    uint8_t num_groups;            /* 1, 2, 4 or 8 */
    uint8_t num_ops;               /* ops in the batch, padding NOOPs included */
    uint32_t first_op;             /* index of the batch's first op in the block's op array */
} op_batch_t;

enum {
    BATCH_OK = 0,
    BATCH_EMPTY = -1,       /* no operations: a basic block must have one */
    BATCH_NO_ROOM = -2,     /* an output array is too small (see BATCH_OPS_BOUND) */
    BATCH_BAD_OP = -3       /* an opcode >= 128 or a value >= p */
};

/* Output capacities that always suffice for n raw operations: every op can
 * be followed by one padding NOOP, every batch holds at least one raw op
 * and gains at most 7 NOOP-only groups. */
#define BATCH_OPS_BOUND(n) (9u * (n) + 8u)
#define BATCH_BATCHES_BOUND(n) ((n) + 1u)

/* A well-formed batch: a power-of-two group count, at most 72 ops, at most
 * 9 ops in each group, canonical group values. Written out per group (a
 * batch has exactly 8) so that provers need no quantifier to use it. */
/*@ predicate batch_ok(op_batch_t *b) =
      (b->num_groups == 1 || b->num_groups == 2 || b->num_groups == 4 || b->num_groups == 8) &&
      b->num_ops <= BATCH_MAX_OPS &&
      canonical(b->groups[0]) && canonical(b->groups[1]) && canonical(b->groups[2]) &&
      canonical(b->groups[3]) && canonical(b->groups[4]) && canonical(b->groups[5]) &&
      canonical(b->groups[6]) && canonical(b->groups[7]) &&
      b->indptr[0] <= BATCH_MAX_OPS && b->indptr[1] <= BATCH_MAX_OPS &&
      b->indptr[2] <= BATCH_MAX_OPS && b->indptr[3] <= BATCH_MAX_OPS &&
      b->indptr[4] <= BATCH_MAX_OPS && b->indptr[5] <= BATCH_MAX_OPS &&
      b->indptr[6] <= BATCH_MAX_OPS && b->indptr[7] <= BATCH_MAX_OPS &&
      b->indptr[8] <= BATCH_MAX_OPS &&
      b->indptr[1] - b->indptr[0] <= GROUP_OPS &&
      b->indptr[2] - b->indptr[1] <= GROUP_OPS &&
      b->indptr[3] - b->indptr[2] <= GROUP_OPS &&
      b->indptr[4] - b->indptr[3] <= GROUP_OPS &&
      b->indptr[5] - b->indptr[4] <= GROUP_OPS &&
      b->indptr[6] - b->indptr[5] <= GROUP_OPS &&
      b->indptr[7] - b->indptr[6] <= GROUP_OPS &&
      b->indptr[8] - b->indptr[7] <= GROUP_OPS;
*/

/* Batch raw[0..n_raw) into ops[0..*n_ops) (padding NOOPs inserted) and
 * batches[0..*n_batches). Returns BATCH_OK or a negative error; on error
 * the outputs hold nothing meaningful. */
/*@ requires n_raw <= 100000000;
    requires \valid_read(raw + (0 .. n_raw - 1));
    requires ops_cap >= 1 && \valid(ops + (0 .. ops_cap - 1));
    requires batches_cap >= 1 && \valid(batches + (0 .. batches_cap - 1));
    requires \valid(n_ops) && \valid(n_batches);
    requires \separated(raw + (0 .. n_raw - 1), ops + (0 .. ops_cap - 1),
                        batches + (0 .. batches_cap - 1), n_ops, n_batches);
    assigns ops[0 .. ops_cap - 1], batches[0 .. batches_cap - 1], *n_ops, *n_batches;
    ensures \result == BATCH_OK || \result == BATCH_EMPTY || \result == BATCH_NO_ROOM ||
            \result == BATCH_BAD_OP;
    ensures \result == BATCH_OK ==>
      1 <= *n_batches <= batches_cap && *n_ops <= ops_cap &&
      (\forall integer b; 0 <= b < *n_batches ==> batch_ok(&batches[b]));
*/
int batch_ops(const op_t *raw, uint32_t n_raw, op_t *ops, uint32_t ops_cap,
              op_batch_t *batches, uint32_t batches_cap, uint32_t *n_ops,
              uint32_t *n_batches);

#endif

/*
 * batch.c - basic-block batching (see batch.h).
 *
 * The accumulator builds one batch at a time: `group` is the op group being
 * filled, in slot `group_idx`; `next_slot` is the first free slot (pushes
 * reserve slots for their immediates as they come).
 */
#include "batch.h"

/* 128^k: the weight of the k-th opcode in an op group (7 bits each). */
static const uint64_t op_weight[GROUP_OPS + 1] = {
    UINT64_C(1), UINT64_C(1) << 7, UINT64_C(1) << 14, UINT64_C(1) << 21, UINT64_C(1) << 28,
    UINT64_C(1) << 35, UINT64_C(1) << 42, UINT64_C(1) << 49, UINT64_C(1) << 56,
    UINT64_C(1) << 63,
};

typedef struct {
    op_batch_t *b;       /* the batch being built */
    op_t *ops;           /* the block's padded op array */
    uint32_t ops_cap;
    uint32_t n_ops;      /* ops written so far (all batches) */
    uint64_t group;      /* value of the op group being built */
    uint32_t op_idx;     /* ops in that group */
    uint32_t group_idx;  /* its slot */
    uint32_t next_slot;  /* first free slot */
    int last_is_push;    /* the batch's last op is a push */
} acc_t;

/*@ predicate weights_ok =
      op_weight[0] == 1 && op_weight[8] == 72057594037927936 &&
      (\forall integer k; 0 <= k < 9 ==> op_weight[k + 1] == 128 * op_weight[k]) &&
      (\forall integer k; 0 <= k <= 8 ==> 1 <= op_weight[k] <= 72057594037927936);

    // The accumulator's invariant. Slots after the current group have not
    // been touched (the batch starts zeroed); groups before it hold at most
    // GROUP_OPS ops each.
    predicate acc_core(acc_t *a) =
      \valid(a->b) && \valid(a->ops + (0 .. a->ops_cap - 1)) &&
      \separated(a->b, a->ops + (0 .. a->ops_cap - 1)) &&
      a->n_ops <= a->ops_cap &&
      a->b->first_op <= a->n_ops && a->n_ops - a->b->first_op == a->b->num_ops &&
      a->op_idx <= GROUP_OPS &&
      a->group_idx < a->next_slot <= BATCH_GROUPS &&
      a->group < op_weight[a->op_idx] &&
      a->b->indptr[a->group_idx] <= GROUP_OPS * a->group_idx &&
      a->b->num_ops == a->b->indptr[a->group_idx] + a->op_idx &&
      (\forall integer g; 0 <= g < BATCH_GROUPS ==> canonical(a->b->groups[g])) &&
      (\forall integer g; 0 <= g < a->group_idx ==>
         a->b->indptr[g] <= a->b->indptr[g + 1] <= a->b->indptr[g] + GROUP_OPS);

    predicate untouched_after(acc_t *a, integer k) =
      \forall integer g; k < g <= BATCH_GROUPS ==> a->b->indptr[g] == 0;

    predicate acc_ok(acc_t *a) = acc_core(a) && untouched_after(a, a->group_idx);
*/

/* Append one op to the current group. */
/*@ requires \valid(a) && acc_ok(a) && weights_ok;
    requires \separated(a, a->b, a->ops + (0 .. a->ops_cap - 1));
    requires a->op_idx < GROUP_OPS && opcode < 128 && canonical(imm);
    assigns a->ops[a->n_ops], a->n_ops, a->group, a->op_idx, a->b->num_ops, a->last_is_push;
    ensures \result == 0 || \result == BATCH_NO_ROOM;
    ensures \result == 0 ==> acc_ok(a) && a->op_idx == \old(a->op_idx) + 1;
*/
static int push_op(acc_t *a, uint8_t opcode, felt_t imm, uint32_t line, uint32_t col)
{
    if (a->n_ops >= a->ops_cap)
        return BATCH_NO_ROOM;
    op_t *o = &a->ops[a->n_ops];
    o->opcode = opcode;
    o->imm = imm;
    o->line = line;
    o->col = col;
    a->n_ops++;
    /*@ assert opcode * op_weight[a->op_idx] <= 127 * op_weight[a->op_idx]; */
    /*@ assert a->group + opcode * op_weight[a->op_idx] < 128 * op_weight[a->op_idx]; */
    a->group += (uint64_t)opcode * op_weight[a->op_idx];
    a->op_idx++;
    a->b->num_ops++;
    a->last_is_push = opcode == OP_PUSH;
    return 0;
}

/* A group may not end with a push (its immediate would follow the op
 * group in the decoder) and may not be empty: both get a NOOP. */
/*@ requires \valid(a) && acc_ok(a) && weights_ok;
    requires \separated(a, a->b, a->ops + (0 .. a->ops_cap - 1));
    assigns a->ops[a->n_ops], a->n_ops, a->group, a->op_idx, a->b->num_ops, a->last_is_push,
            a->b->padding[a->group_idx];
    ensures \result == 0 || \result == BATCH_NO_ROOM;
    ensures \result == 0 ==> acc_ok(a) && 1 <= a->op_idx;
*/
static int pad_if_needed(acc_t *a, uint32_t line, uint32_t col)
{
    if (a->op_idx == 0 || (a->last_is_push && a->op_idx < GROUP_OPS)) {
        const int rc = push_op(a, OP_NOOP, 0, line, col);
        if (rc != 0)
            return rc;
        a->b->padding[a->group_idx] = 1;
    }
    return a->op_idx >= 1 ? 0 : BATCH_NO_ROOM;
}

/* Seal the current op group: pad it, store its value, and point the
 * indptr of the immediate slots it reserved (and of the next group) at its
 * end, so that immediate slots hold empty op ranges. */
/*@ requires \valid(a) && acc_ok(a) && weights_ok;
    requires \separated(a, a->b, a->ops + (0 .. a->ops_cap - 1));
    assigns a->ops[a->n_ops], a->n_ops, a->group, a->op_idx, a->b->num_ops, a->last_is_push,
            a->b->padding[a->group_idx], a->b->groups[a->group_idx],
            a->b->indptr[a->group_idx + 1 .. a->next_slot];
    ensures \result == 0 || \result == BATCH_NO_ROOM;
    ensures \result == 0 ==> acc_core(a) && untouched_after(a, a->next_slot) && 1 <= a->op_idx &&
      (\forall integer g; a->group_idx < g <= a->next_slot ==> a->b->indptr[g] == a->b->num_ops);
*/
static int seal_group(acc_t *a, uint32_t line, uint32_t col)
{
    const int rc = pad_if_needed(a, line, col);
    if (rc != 0)
        return rc;
    a->b->groups[a->group_idx] = a->group;
    /*@ loop invariant a->group_idx + 1 <= s <= a->next_slot + 1;
        loop invariant \forall integer g; a->group_idx < g < s ==> a->b->indptr[g] == a->b->num_ops;
        loop assigns s, a->b->indptr[a->group_idx + 1 .. a->next_slot];
        loop variant a->next_slot + 1 - s;
    */
    for (uint32_t s = a->group_idx + 1; s <= a->next_slot; s++)
        a->b->indptr[s] = (uint8_t)a->b->num_ops;
    return 0;
}

/* Seal the current op group and open the next free slot. */
/*@ requires \valid(a) && acc_ok(a) && weights_ok && a->next_slot < BATCH_GROUPS;
    requires \separated(a, a->b, a->ops + (0 .. a->ops_cap - 1));
    assigns a->ops[a->n_ops], a->n_ops, a->group, a->op_idx, a->b->num_ops, a->last_is_push,
            a->b->padding[a->group_idx], a->b->groups[a->group_idx],
            a->b->indptr[a->group_idx + 1 .. a->next_slot], a->group_idx, a->next_slot;
    ensures \result == 0 || \result == BATCH_NO_ROOM;
    ensures \result == 0 ==> acc_ok(a) && a->op_idx == 0 &&
                             a->group_idx == \old(a->next_slot) &&
                             a->next_slot == a->group_idx + 1;
*/
static int finalize_group(acc_t *a, uint32_t line, uint32_t col)
{
    const int rc = seal_group(a, line, col);
    if (rc != 0)
        return rc;
    a->group_idx = a->next_slot;
    a->next_slot++;
    a->op_idx = 0;
    a->group = 0;
    return 0;
}

/* Start a new, zeroed batch at batches[*n_batches]. */
/*@ requires \valid(a) && \valid(b) && \separated(a, b);
    requires \valid(ops + (0 .. ops_cap - 1)) && \separated(b, ops + (0 .. ops_cap - 1));
    requires \separated(a, ops + (0 .. ops_cap - 1));
    requires n_ops <= ops_cap && weights_ok;
    assigns *a, *b;
    ensures acc_ok(a) && a->b == b && a->op_idx == 0 && a->group_idx == 0 &&
            a->next_slot == 1 && b->num_ops == 0 && a->ops == ops && a->ops_cap == ops_cap &&
            a->n_ops == n_ops;
*/
static void start_batch(acc_t *a, op_batch_t *b, op_t *ops, uint32_t ops_cap, uint32_t n_ops)
{
    /*@ loop invariant 0 <= g <= BATCH_GROUPS;
        loop invariant \forall integer k; 0 <= k < g ==>
          b->groups[k] == 0 && b->padding[k] == 0 && b->indptr[k] == 0;
        loop assigns g, b->groups[0 .. 7], b->padding[0 .. 7], b->indptr[0 .. 7];
        loop variant BATCH_GROUPS - g;
    */
    for (int g = 0; g < BATCH_GROUPS; g++) {
        b->groups[g] = 0;
        b->padding[g] = 0;
        b->indptr[g] = 0;
    }
    b->indptr[BATCH_GROUPS] = 0;
    b->num_groups = 0;
    b->num_ops = 0;
    b->first_op = n_ops;
    a->b = b;
    a->ops = ops;
    a->ops_cap = ops_cap;
    a->n_ops = n_ops;
    a->group = 0;
    a->op_idx = 0;
    a->group_idx = 0;
    a->next_slot = 1;
    a->last_is_push = 0;
}

/* Whether op fits in the batch being built. A push needs a slot for its
 * immediate, and a second one when its op must open a new group. */
/*@ requires \valid_read(a) && acc_ok(a);
    assigns \nothing;
    ensures \result == 1 ==>
      (is_push && a->op_idx < GROUP_OPS - 1 ==> a->next_slot < BATCH_GROUPS) &&
      (is_push && a->op_idx >= GROUP_OPS - 1 ==> a->next_slot + 1 < BATCH_GROUPS) &&
      (!is_push && a->op_idx == GROUP_OPS ==> a->next_slot < BATCH_GROUPS);
*/
static int can_accept(const acc_t *a, int is_push)
{
    if (is_push)
        return a->op_idx < GROUP_OPS - 1 ? a->next_slot < BATCH_GROUPS
                                         : a->next_slot + 1 < BATCH_GROUPS;
    return a->op_idx < GROUP_OPS || a->next_slot < BATCH_GROUPS;
}

/* Add one raw op; the caller checked can_accept. */
/*@ requires \valid(a) && acc_ok(a) && weights_ok;
    requires \separated(a, a->b, a->ops + (0 .. a->ops_cap - 1));
    requires \valid_read(op) && op->opcode < 128 && canonical(op->imm);
    requires \separated(op, a, a->b, a->ops + (0 .. a->ops_cap - 1));
    requires op->opcode == OP_PUSH && a->op_idx < GROUP_OPS - 1 ==> a->next_slot < BATCH_GROUPS;
    requires op->opcode == OP_PUSH && a->op_idx >= GROUP_OPS - 1 ==> a->next_slot + 1 < BATCH_GROUPS;
    requires op->opcode != OP_PUSH && a->op_idx == GROUP_OPS ==> a->next_slot < BATCH_GROUPS;
    assigns a->ops[0 .. a->ops_cap - 1], a->n_ops, a->group, a->op_idx, a->b->num_ops,
            a->last_is_push, a->b->padding[0 .. 7], a->b->groups[0 .. 7],
            a->b->indptr[0 .. 8], a->group_idx, a->next_slot;
    ensures \result == 0 || \result == BATCH_NO_ROOM;
    ensures \result == 0 ==> acc_ok(a) && a->op_idx >= 1;
*/
static int add_op(acc_t *a, const op_t *op)
{
    int rc;
    if (a->op_idx == GROUP_OPS) {
        rc = finalize_group(a, op->line, op->col);
        if (rc != 0)
            return rc;
    }
    if (op->opcode == OP_PUSH) {
        if (a->op_idx == GROUP_OPS - 1) {
            rc = finalize_group(a, op->line, op->col);
            if (rc != 0)
                return rc;
        }
        /* The immediate takes the next free slot; its indptr is set when
           this op group is finalized. */
        a->b->groups[a->next_slot] = op->imm;
        a->next_slot++;
    }
    return push_op(a, op->opcode, op->imm, op->line, op->col);
}

/* Finish the batch: round its group count up to a power of two with
 * NOOP-only groups, then close the last group. */
/*@ requires \valid(a) && acc_ok(a) && weights_ok && a->op_idx >= 1;
    requires \separated(a, a->b, a->ops + (0 .. a->ops_cap - 1));
    assigns a->ops[0 .. a->ops_cap - 1], a->n_ops, a->group, a->op_idx, a->b->num_ops,
            a->last_is_push, a->b->padding[0 .. 7], a->b->groups[0 .. 7],
            a->b->indptr[0 .. 8], a->group_idx, a->next_slot, a->b->num_groups;
    ensures \result == 0 || \result == BATCH_NO_ROOM;
    ensures \result == 0 ==> batch_ok(a->b) && a->n_ops <= a->ops_cap;
*/
static int close_batch(acc_t *a, uint32_t line, uint32_t col)
{
    const uint32_t target = a->next_slot <= 1 ? 1 : a->next_slot <= 2 ? 2
                          : a->next_slot <= 4 ? 4 : 8;
    /*@ loop invariant acc_ok(a) && a->next_slot <= target;
        loop assigns a->ops[0 .. a->ops_cap - 1], a->n_ops, a->group, a->op_idx,
                     a->b->num_ops, a->last_is_push, a->b->padding[0 .. 7],
                     a->b->groups[0 .. 7], a->b->indptr[0 .. 8], a->group_idx, a->next_slot;
        loop variant target - a->next_slot;
    */
    while (a->next_slot < target) {
        const int rc = finalize_group(a, line, col);
        if (rc != 0)
            return rc;
    }
    const int rc = seal_group(a, line, col);
    if (rc != 0)
        return rc;
    a->b->num_groups = (uint8_t)a->next_slot;
    return 0;
}

int batch_ops(const op_t *raw, uint32_t n_raw, op_t *ops, uint32_t ops_cap,
              op_batch_t *batches, uint32_t batches_cap, uint32_t *n_ops,
              uint32_t *n_batches)
{
    acc_t a;
    *n_ops = 0;
    *n_batches = 0;
    if (n_raw == 0)
        return BATCH_EMPTY;
    start_batch(&a, &batches[0], ops, ops_cap, 0);
    uint32_t nb = 1;
    /*@ loop invariant 0 <= i <= n_raw && 1 <= nb <= batches_cap;
        loop invariant acc_ok(&a) && a.b == &batches[nb - 1] && a.ops == ops && a.ops_cap == ops_cap;
        loop invariant i > 0 ==> a.op_idx >= 1;
        loop invariant \forall integer k; 0 <= k < nb - 1 ==> batch_ok(&batches[k]);
        loop assigns i, nb, a, ops[0 .. ops_cap - 1], batches[0 .. batches_cap - 1];
        loop variant n_raw - i;
    */
    for (uint32_t i = 0; i < n_raw; i++) {
        const int is_push = raw[i].opcode == OP_PUSH;
        if (!can_accept(&a, is_push)) {
            int rc = close_batch(&a, raw[i].line, raw[i].col);
            if (rc != 0)
                return rc;
            if (nb >= batches_cap)
                return BATCH_NO_ROOM;
            start_batch(&a, &batches[nb], ops, ops_cap, a.n_ops);
            nb++;
        }
        const int rc = add_op(&a, &raw[i]);
        if (rc != 0)
            return rc;
    }
    const int rc = close_batch(&a, raw[n_raw - 1].line, raw[n_raw - 1].col);
    if (rc != 0)
        return rc;
    *n_ops = a.n_ops;
    *n_batches = nb;
    return BATCH_OK;
}

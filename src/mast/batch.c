/*
 * batch.c - basic-block batching (see batch.h).
 *
 * The accumulator builds one batch at a time, in place in its output slot
 * `b`: `group` is the op group being filled, in slot `group_idx`;
 * `next_slot` is the first free slot (pushes reserve slots for their
 * immediates as they come).
 */
#include "batch.h"

/* 128^k: the weight of the k-th opcode in an op group (7 bits each). */
static const uint64_t op_weight[GROUP_OPS + 1] = {
    UINT64_C(1), UINT64_C(1) << 7, UINT64_C(1) << 14, UINT64_C(1) << 21, UINT64_C(1) << 28,
    UINT64_C(1) << 35, UINT64_C(1) << 42, UINT64_C(1) << 49, UINT64_C(1) << 56,
    UINT64_C(1) << 63,
};

typedef struct {
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

    // The accumulator's invariant, but for the slots after the current
    // group: groups before it hold at most GROUP_OPS ops each, and the op
    // count is bounded by the groups so far.
    predicate acc_core(acc_t *a, op_batch_t *b, integer cap) =
      a->n_ops <= cap &&
      b->first_op <= a->n_ops && a->n_ops - b->first_op == b->num_ops &&
      a->op_idx <= GROUP_OPS &&
      a->group_idx < a->next_slot <= BATCH_GROUPS &&
      a->group < op_weight[a->op_idx] &&
      b->indptr[a->group_idx] <= GROUP_OPS * a->group_idx &&
      b->num_ops == b->indptr[a->group_idx] + a->op_idx &&
      (\forall integer g; 0 <= g < BATCH_GROUPS ==> canonical(b->groups[g])) &&
      (\forall integer g; 0 <= g < a->group_idx ==>
         b->indptr[g] <= b->indptr[g + 1] <= b->indptr[g] + GROUP_OPS) &&
      (\forall integer g; 0 <= g <= a->group_idx ==> b->indptr[g] <= b->indptr[a->group_idx]);

    // Slots after k have not been touched (the batch starts zeroed).
    predicate untouched_after(op_batch_t *b, integer k) =
      \forall integer g; k < g <= BATCH_GROUPS ==> b->indptr[g] == 0;

    predicate acc_ok(acc_t *a, op_batch_t *b, integer cap) =
      acc_core(a, b, cap) && untouched_after(b, a->group_idx);
*/

/* Append one op to the current group. */
/*@ requires \valid(a) && \valid(b) && \valid(ops + (0 .. ops_cap - 1));
    requires \separated(a, b, ops + (0 .. ops_cap - 1));
    requires acc_ok(a, b, ops_cap) && weights_ok;
    requires a->op_idx < GROUP_OPS && opcode < 128 && canonical(imm);
    assigns *a, *b, ops[0 .. ops_cap - 1];
    ensures \result == 0 || \result == BATCH_NO_ROOM;
    ensures \result == 0 ==> acc_ok(a, b, ops_cap) && a->op_idx == \old(a->op_idx) + 1 &&
      a->group_idx == \old(a->group_idx) && a->next_slot == \old(a->next_slot);
*/
static int push_op(acc_t *a, op_batch_t *b, op_t *ops, uint32_t ops_cap, uint8_t opcode, felt_t imm,
                   uint32_t line, uint32_t col)
{
    if (a->n_ops >= ops_cap)
        return BATCH_NO_ROOM;
    ops[a->n_ops].opcode = opcode;
    ops[a->n_ops].imm = imm;
    ops[a->n_ops].line = line;
    ops[a->n_ops].col = col;
    a->n_ops++;
    /*@ assert opcode * op_weight[a->op_idx] <= 127 * op_weight[a->op_idx]; */
    /*@ assert a->group + opcode * op_weight[a->op_idx] < 128 * op_weight[a->op_idx]; */
    a->group += (uint64_t)opcode * op_weight[a->op_idx];
    a->op_idx++;
    b->num_ops++;
    a->last_is_push = opcode == OP_PUSH;
    return 0;
}

/* A group may not end with a push (its immediate would follow the op
 * group in the decoder) and may not be empty: both get a NOOP. */
/*@ requires \valid(a) && \valid(b) && \valid(ops + (0 .. ops_cap - 1));
    requires \separated(a, b, ops + (0 .. ops_cap - 1));
    requires acc_ok(a, b, ops_cap) && weights_ok;
    assigns *a, *b, ops[0 .. ops_cap - 1];
    ensures \result == 0 || \result == BATCH_NO_ROOM;
    ensures \result == 0 ==> acc_ok(a, b, ops_cap) && 1 <= a->op_idx &&
      a->group_idx == \old(a->group_idx) && a->next_slot == \old(a->next_slot);
*/
static int pad_if_needed(acc_t *a, op_batch_t *b, op_t *ops, uint32_t ops_cap, uint32_t line, uint32_t col)
{
    if (a->op_idx == 0 || (a->last_is_push && a->op_idx < GROUP_OPS)) {
        const int rc = push_op(a, b, ops, ops_cap, OP_NOOP, 0, line, col);
        if (rc != 0)
            return rc;
        b->padding[a->group_idx] = 1;
    }
    return a->op_idx >= 1 ? 0 : BATCH_NO_ROOM;
}

/* Seal the current op group: pad it, store its value, and point the
 * indptr of the immediate slots it reserved (and of the next group) at its
 * end, so that immediate slots hold empty op ranges. */
/*@ requires \valid(a) && \valid(b) && \valid(ops + (0 .. ops_cap - 1));
    requires \separated(a, b, ops + (0 .. ops_cap - 1));
    requires acc_ok(a, b, ops_cap) && weights_ok;
    assigns *a, *b, ops[0 .. ops_cap - 1];
    ensures \result == 0 || \result == BATCH_NO_ROOM;
    ensures \result == 0 ==> acc_core(a, b, ops_cap) && untouched_after(b, a->next_slot) &&
      1 <= a->op_idx && a->group_idx == \old(a->group_idx) && a->next_slot == \old(a->next_slot) &&
      (\forall integer g; a->group_idx < g <= a->next_slot ==> b->indptr[g] == b->num_ops);
*/
static int seal_group(acc_t *a, op_batch_t *b, op_t *ops, uint32_t ops_cap, uint32_t line, uint32_t col)
{
    const int rc = pad_if_needed(a, b, ops, ops_cap, line, col);
    if (rc != 0)
        return rc;
    b->groups[a->group_idx] = a->group;
    /*@ loop invariant a->group_idx + 1 <= s <= a->next_slot + 1;
        loop invariant \forall integer g; a->group_idx < g < s ==> b->indptr[g] == b->num_ops;
        loop invariant \forall integer g; s <= g <= BATCH_GROUPS ==> b->indptr[g] == \at(b->indptr[g], LoopEntry);
        loop assigns s, b->indptr[a->group_idx + 1 .. a->next_slot];
        loop variant a->next_slot + 1 - s;
    */
    for (uint32_t s = a->group_idx + 1; s <= a->next_slot; s++)
        b->indptr[s] = (uint8_t)b->num_ops;
    return 0;
}

/* Seal the current op group and open the next free slot. */
/*@ requires \valid(a) && \valid(b) && \valid(ops + (0 .. ops_cap - 1));
    requires \separated(a, b, ops + (0 .. ops_cap - 1));
    requires acc_ok(a, b, ops_cap) && weights_ok && a->next_slot < BATCH_GROUPS;
    assigns *a, *b, ops[0 .. ops_cap - 1];
    ensures \result == 0 || \result == BATCH_NO_ROOM;
    ensures \result == 0 ==> acc_ok(a, b, ops_cap) && a->op_idx == 0 &&
      a->group_idx == \old(a->next_slot) && a->next_slot == a->group_idx + 1;
*/
static int finalize_group(acc_t *a, op_batch_t *b, op_t *ops, uint32_t ops_cap, uint32_t line, uint32_t col)
{
    const int rc = seal_group(a, b, ops, ops_cap, line, col);
    if (rc != 0)
        return rc;
    /*@ assert b->indptr[a->next_slot] == b->num_ops; */
    a->group_idx = a->next_slot;
    a->next_slot++;
    a->op_idx = 0;
    a->group = 0;
    return 0;
}

/* Start a new, zeroed batch whose first op is ops[n_ops]. */
/*@ requires \valid(a) && \valid(b) && \separated(a, b) && n_ops <= ops_cap && weights_ok;
    assigns *a, *b;
    ensures acc_ok(a, b, ops_cap) && a->op_idx == 0 && a->group_idx == 0 &&
            a->next_slot == 1 && b->num_ops == 0 && a->n_ops == n_ops;
*/
static void start_batch(acc_t *a, op_batch_t *b, uint32_t ops_cap, uint32_t n_ops)
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
    a->n_ops = n_ops;
    a->group = 0;
    a->op_idx = 0;
    a->group_idx = 0;
    a->next_slot = 1;
    a->last_is_push = 0;
    (void)ops_cap;
}

/* Whether an op fits in the batch being built. A push needs a slot for
 * its immediate, and a second one when its op must open a new group. */
/*@ requires \valid_read(a) && a->next_slot <= BATCH_GROUPS;
    assigns \nothing;
    ensures is_push && a->op_idx < GROUP_OPS - 1 ==> (\result != 0 <==> a->next_slot < BATCH_GROUPS);
    ensures is_push && a->op_idx >= GROUP_OPS - 1 ==> (\result != 0 <==> a->next_slot + 1 < BATCH_GROUPS);
    ensures !is_push ==> (\result != 0 <==> (a->op_idx < GROUP_OPS || a->next_slot < BATCH_GROUPS));
*/
static int can_accept(const acc_t *a, int is_push)
{
    if (is_push)
        return a->op_idx < GROUP_OPS - 1 ? a->next_slot < BATCH_GROUPS
                                         : a->next_slot + 1 < BATCH_GROUPS;
    return a->op_idx < GROUP_OPS || a->next_slot < BATCH_GROUPS;
}

/* Add one raw op; the caller checked can_accept. */
/*@ requires \valid(a) && \valid(b) && \valid(ops + (0 .. ops_cap - 1));
    requires \separated(a, b, ops + (0 .. ops_cap - 1));
    requires acc_ok(a, b, ops_cap) && weights_ok;
    requires opcode < 128 && canonical(imm);
    requires opcode == OP_PUSH && a->op_idx < GROUP_OPS - 1 ==> a->next_slot < BATCH_GROUPS;
    requires opcode == OP_PUSH && a->op_idx >= GROUP_OPS - 1 ==> a->next_slot + 1 < BATCH_GROUPS;
    requires opcode != OP_PUSH && a->op_idx >= GROUP_OPS ==> a->next_slot < BATCH_GROUPS;
    assigns *a, *b, ops[0 .. ops_cap - 1];
    ensures \result == 0 || \result == BATCH_NO_ROOM;
    ensures \result == 0 ==> acc_ok(a, b, ops_cap) && a->op_idx >= 1;
*/
static int add_op(acc_t *a, op_batch_t *b, op_t *ops, uint32_t ops_cap, uint8_t opcode, felt_t imm,
                  uint32_t line, uint32_t col)
{
    int rc;
    if (a->op_idx == GROUP_OPS) {
        rc = finalize_group(a, b, ops, ops_cap, line, col);
        if (rc != 0)
            return rc;
    }
    if (opcode == OP_PUSH) {
        if (a->op_idx == GROUP_OPS - 1) {
            rc = finalize_group(a, b, ops, ops_cap, line, col);
            if (rc != 0)
                return rc;
        }
        /* The immediate takes the next free slot; its indptr is set when
           this op group is sealed. */
        b->groups[a->next_slot] = imm;
        a->next_slot++;
    }
    return push_op(a, b, ops, ops_cap, opcode, imm, line, col);
}

/* Finish the batch: round its group count up to a power of two with
 * NOOP-only groups, then seal the last group. */
/*@ requires \valid(a) && \valid(b) && \valid(ops + (0 .. ops_cap - 1));
    requires \separated(a, b, ops + (0 .. ops_cap - 1));
    requires acc_ok(a, b, ops_cap) && weights_ok && a->op_idx >= 1;
    assigns *a, *b, ops[0 .. ops_cap - 1];
    ensures \result == 0 || \result == BATCH_NO_ROOM;
    ensures \result == 0 ==> batch_ok(b) && a->n_ops <= ops_cap;
*/
static int close_batch(acc_t *a, op_batch_t *b, op_t *ops, uint32_t ops_cap, uint32_t line, uint32_t col)
{
    const uint32_t target = a->next_slot <= 1 ? 1 : a->next_slot <= 2 ? 2
                          : a->next_slot <= 4 ? 4 : 8;
    /*@ loop invariant acc_ok(a, b, ops_cap) && a->next_slot <= target;
        loop assigns *a, *b, ops[0 .. ops_cap - 1];
        loop variant target - a->next_slot;
    */
    while (a->next_slot < target) {
        const int rc = finalize_group(a, b, ops, ops_cap, line, col);
        if (rc != 0)
            return rc;
    }
    /*@ assert a->next_slot == target; */
    const int rc = seal_group(a, b, ops, ops_cap, line, col);
    if (rc != 0)
        return rc;
    b->num_groups = (uint8_t)a->next_slot;
    return 0;
}

/* Whether b is well-formed (batch_ok), checked field by field. */
/*@ requires \valid_read(b);
    assigns \nothing;
    ensures \result != 0 ==> batch_ok(b);
*/
static int batch_valid(const op_batch_t *b)
{
    if (!(b->num_groups == 1 || b->num_groups == 2 || b->num_groups == 4 || b->num_groups == 8))
        return 0;
    if (b->num_ops > BATCH_MAX_OPS || b->indptr[BATCH_GROUPS] > BATCH_MAX_OPS)
        return 0;
    /*@ loop invariant 0 <= g <= BATCH_GROUPS;
        loop invariant \forall integer j; 0 <= j < g ==>
          canonical(b->groups[j]) && b->indptr[j] <= BATCH_MAX_OPS &&
          b->indptr[j + 1] - b->indptr[j] <= GROUP_OPS;
        loop assigns g;
        loop variant BATCH_GROUPS - g;
    */
    for (int g = 0; g < BATCH_GROUPS; g++)
        if (b->groups[g] >= FELT_P || b->indptr[g] > BATCH_MAX_OPS ||
            b->indptr[g + 1] > b->indptr[g] + GROUP_OPS)
            return 0;
    return 1;
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
    start_batch(&a, &batches[0], ops_cap, 0);
    uint32_t nb = 0; /* batches closed so far; batches[nb] is being built */
    /*@ loop invariant 0 <= i <= n_raw && 0 <= nb < batches_cap;
        loop invariant acc_ok(&a, &batches[nb], ops_cap);
        loop invariant i > 0 ==> a.op_idx >= 1;
        loop invariant i == 0 ==> a.op_idx == 0 && a.next_slot == 1;
        loop assigns i, nb, a, ops[0 .. ops_cap - 1], batches[0 .. batches_cap - 1];
        loop variant n_raw - i;
    */
    for (uint32_t i = 0; i < n_raw; i++) {
        const uint8_t opcode = raw[i].opcode;
        const felt_t imm = raw[i].imm;
        const uint32_t line = raw[i].line, col = raw[i].col;
        if (opcode >= 128 || imm >= FELT_P)
            return BATCH_BAD_OP;
        if (!can_accept(&a, opcode == OP_PUSH)) {
            int rc = close_batch(&a, &batches[nb], ops, ops_cap, line, col);
            if (rc != 0)
                return rc;
            if (nb + 1 >= batches_cap)
                return BATCH_NO_ROOM;
            nb++;
            start_batch(&a, &batches[nb], ops_cap, a.n_ops);
        }
        const int rc = add_op(&a, &batches[nb], ops, ops_cap, opcode, imm, line, col);
        if (rc != 0)
            return rc;
    }
    const int rc = close_batch(&a, &batches[nb], ops, ops_cap, raw[n_raw - 1].line,
                               raw[n_raw - 1].col);
    if (rc != 0)
        return rc;
    /* close_batch proved each batch well-formed when it closed it; checking
       them all again here, read-only, states it for the whole output
       without asking the provers to carry it across later writes. */
    /*@ loop invariant 0 <= k <= nb + 1;
        loop invariant \forall integer j; 0 <= j < k ==> batch_ok(&batches[j]);
        loop assigns k;
        loop variant nb + 1 - k;
    */
    for (uint32_t k = 0; k <= nb; k++)
        if (!batch_valid(&batches[k]))
            return BATCH_NO_ROOM;
    *n_ops = a.n_ops;
    *n_batches = nb + 1;
    return BATCH_OK;
}

/*
 * merkle_ops.c - MPVERIFY, MRUPDATE and the Merkle-store system events
 * (see merkle_ops.h).
 */
#include "exec/merkle_ops.h"

#include <stdarg.h>
#include <stdio.h>

#include "exec/merkle_store.h"
#include "mast/forest.h"

static int fail(vm_t *vm, const op_t *op, exec_error_kind_t kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(vm_t *vm, const op_t *op, exec_error_kind_t kind, const char *fmt, ...)
{
    char name[48], msg[256];
    const op_info_t *info = op_by_code(op->opcode);
    if (info->imm == IMM_NONE)
        snprintf(name, sizeof name, "%s", info->name);
    else
        snprintf(name, sizeof name, "%s(%llu)", info->name, (unsigned long long)op->imm);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vm_fail(vm, kind, op->line, op->col, name, "%s", msg);
    return -1;
}

/* W(i) = [s_{i+3}, s_{i+2}, s_{i+1}, s_i]. */
static word_t stack_word(const felt_t *s, int i)
{
    const word_t w = { { s[i + 3], s[i + 2], s[i + 1], s[i] } };
    return w;
}

static int bad_index(vm_t *vm, const op_t *op, felt_t depth, felt_t index)
{
    return fail(vm, op, XERR_MERKLE_INDEX, "invalid Merkle tree node index: depth %llu, index "
                "%llu (the depth must be at most 64 and the index below 2^depth)",
                (unsigned long long)depth, (unsigned long long)index);
}

static int store_failed(vm_t *vm, const op_t *op, merkle_status_t st, const char *what,
                        word_t root, word_t missing, unsigned depth, uint64_t index)
{
    char a[67], b[67];
    word_to_hex(root, a);
    word_to_hex(missing, b);
    if (st == MERKLE_OUT_OF_MEMORY)
        return fail(vm, op, XERR_OUT_OF_MEMORY, "out of memory growing the Merkle store");
    if (st == MERKLE_ROOT_NOT_IN_STORE)
        return fail(vm, op, XERR_MERKLE_LOOKUP, "Merkle store %s failed: root %s is not in the "
                    "store", what, a);
    return fail(vm, op, XERR_MERKLE_LOOKUP, "Merkle store %s failed: node %s on the path to "
                "(depth %u, index %llu) under root %s is not in the store", what, b, depth,
                (unsigned long long)index, a);
}

int merkle_op_execute(vm_t *vm, const op_t *op, felt_t h[6])
{
    felt_t *s = OPSTACK_S(&vm->stack);
    const int update = op->opcode == OP_MRUPDATE;
    const word_t value = stack_word(s, 0), root = stack_word(s, 6);
    const word_t new_value = update ? stack_word(s, 10) : value;
    const felt_t depth_felt = s[4], index = s[5];
    /* NodeIndex::from_elements, then the store, then the path check */
    if (!merkle_index_ok(depth_felt, index))
        return bad_index(vm, op, depth_felt, index);
    const unsigned depth = (unsigned)depth_felt;
    word_t path[MERKLE_MAX_DEPTH];
    if (!vm->replay) {
        word_t node, missing = root, new_root;
        const merkle_status_t st =
            update ? merkle_store_set_node(&vm->adv.store, root, depth, index, new_value, path,
                                           &new_root, &missing)
                   : merkle_store_get_path(&vm->adv.store, root, depth, index, &node, path,
                                           &missing);
        if (st != MERKLE_OK)
            return store_failed(vm, op, st, update ? "update" : "lookup", root, missing, depth,
                                index);
    }
    /* The path is what a fragment builder replays (it holds no store). */
    for (unsigned k = 0; k < depth; k++)
        if (vm_external(vm, path[k].v, 4) != 0)
            return -1;

    /* The hasher's rows: the old value's path (MPVERIFY: the only one),
       then for MRUPDATE the new value's; one permutation per level. */
    const merkle_path_kind_t kinds[2] = {
        update ? MERKLE_MR_UPDATE_OLD : MERKLE_MP_VERIFY, MERKLE_MR_UPDATE_NEW
    };
    word_t roots[2] = { value, new_value };
    felt_t first_addr = 0;
    for (int pass = 0; pass < 1 + update; pass++) {
        word_t cur = roots[pass];
        for (unsigned k = 0; k < depth; k++) {
            const uint64_t at = index >> k;
            const word_t l = (at & 1) ? path[k] : cur, r = (at & 1) ? cur : path[k];
            felt_t state[RPO_WIDTH] = { 0 };
            for (int j = 0; j < 4; j++) {
                state[RPO_RATE_START + j] = l.v[j];
                state[RPO_RATE_START + 4 + j] = r.v[j];
            }
            felt_t addr;
            if (vm_request_merkle_level(vm, kinds[pass], k == 0, k + 1 == depth, at, state,
                                        &addr) != 0)
                return -1;
            if (pass == 0 && k == 0)
                first_addr = addr;
            cur = rpo_merge(l, r);
        }
        roots[pass] = cur;
    }
    if (!word_eq(roots[0], root)) {
        if (vm->replay) {
            vm_fail(vm, XERR_CONTEXT, op->line, op->col, "replay", "the replayed Merkle path does "
                    "not lead to the root on the stack (corrupt or mismatched context)");
            return -1;
        }
        char v[67], r[67];
        word_to_hex(value, v);
        word_to_hex(root, r);
        return fail(vm, op, XERR_MERKLE_VERIFY, "Merkle path verification failed: value %s at "
                    "depth %u, index %llu does not lead to root %s (error code %llu)", v, depth,
                    (unsigned long long)index, r,
                    (unsigned long long)(update ? 0 : op->imm));
    }
    if (depth == 0)
        return fail(vm, op, XERR_NOT_SUPPORTED, "a Merkle path of depth 0 (the node is the root) "
                    "is not supported: upstream v0.19.0's hasher chiplet cannot trace an empty "
                    "path (it panics)");
    h[0] = first_addr;
    if (update) {
        /* the new root replaces the old value: s3' = R'[0] .. s0' = R'[3] */
        s[0] = roots[1].v[3];
        s[1] = roots[1].v[2];
        s[2] = roots[1].v[1];
        s[3] = roots[1].v[0];
    }
    return 0;
}

int merkle_event(vm_t *vm, const op_t *op, int merge)
{
    const felt_t *s = OPSTACK_S(&vm->stack);
    if (merge) {
        /* merge_roots(K(5), K(1)) */
        word_t parent;
        if (merkle_store_merge_roots(&vm->adv.store, stack_word(s, 5), stack_word(s, 1), &parent)
            != MERKLE_OK)
            return fail(vm, op, XERR_OUT_OF_MEMORY, "out of memory growing the Merkle store");
        return 0;
    }
    /* get_tree_node(root K(3), depth s1, index s2), pushed as a word: its
       element 0 ends on top of the advice stack */
    const felt_t depth = s[1], index = s[2];
    const word_t root = stack_word(s, 3);
    if (!merkle_index_ok(depth, index))
        return bad_index(vm, op, depth, index);
    word_t node, missing = root;
    const merkle_status_t st =
        merkle_store_get_node(&vm->adv.store, root, (unsigned)depth, index, &node, &missing);
    if (st != MERKLE_OK)
        return store_failed(vm, op, st, "lookup", root, missing, (unsigned)depth, index);
    for (int j = 3; j >= 0; j--)
        if (advice_push(&vm->adv, node.v[j]) != 0)
            return fail(vm, op, XERR_OUT_OF_MEMORY, "out of memory");
    return 0;
}

/*
 * user_ops.h - the semantics of basic-block operations
 * (spec/operations.md; processor/src/processor/operations/ at v0.19.0).
 */
#ifndef FRAGTRACE_EXEC_USER_OPS_H
#define FRAGTRACE_EXEC_USER_OPS_H

#include "exec/vm.h"

/* Execute op on the VM state; writes the op's six helper registers into
 * helpers (left 0 when the op defines none). op_index is the op's position
 * in its basic block, padding NOOPs included (u32sub's error code).
 * Returns 0, or -1 with vm->err set. */
int user_op_execute(vm_t *vm, const op_t *op, uint32_t op_index, felt_t helpers[6]);

/* The same with no row assembled: helpers only rows read are not computed. */
int user_op_execute_fast(vm_t *vm, const op_t *op, uint32_t op_index, felt_t helpers[6]);

/* Fast mode (no rows): ops[0..n) of one batch, op indices first, first + 1,
 * ..., the first at vm->clk, which advances by one per op. Returns 0, or
 * -1 with vm->err set (vm->clk is then the failing op's). */
int user_ops_run(vm_t *vm, const op_t *ops, uint32_t n, uint32_t first);

#endif

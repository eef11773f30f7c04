/*
 * merkle_ops.h - the operations and system events that use the advice
 * provider's Merkle store: MPVERIFY, MRUPDATE, and the events
 * merkle_node_merge and merkle_node_to_stack (spec/operations.md sections
 * 8 and 10; processor/src/processor/operations/crypto_ops.rs and
 * processor/src/operations/sys_ops/sys_event_handlers.rs at v0.19.0).
 */
#ifndef FRAGTRACE_EXEC_MERKLE_OPS_H
#define FRAGTRACE_EXEC_MERKLE_OPS_H

#include "exec/vm.h"

/* MPVERIFY or MRUPDATE (op->opcode) on the VM state; h[0] is the hasher
 * address of its first row. In a replayed build the path comes from the
 * replay and the store is not touched. Returns 0, or -1 with vm->err set. */
int merkle_op_execute(vm_t *vm, const op_t *op, felt_t h[6]);

/* The event merkle_node_merge (merge != 0) or merkle_node_to_stack, with
 * its id in s0 (not called in a replayed build: events change only the
 * advice provider). Returns 0, or -1 with vm->err set. */
int merkle_event(vm_t *vm, const op_t *op, int merge);

#endif

/*
 * circuit_op.h - the eval_circuit operation (spec/operations.md section 10,
 * spec/chiplet-ace.md): reads a circuit from memory, evaluates it, checks
 * that it evaluates to zero, and hands the evaluation to the ACE chiplet.
 */
#ifndef FRAGTRACE_EXEC_CIRCUIT_OP_H
#define FRAGTRACE_EXEC_CIRCUIT_OP_H

#include "exec/vm.h"

/* EVAL_CIRCUIT with [ptr, n_vars, n_evals] in s0..s2 (left unchanged).
 * Each word and element it reads is an ordinary memory read (replayed in
 * a fragment build) and one memory-chiplet request at this clk, in read
 * order; the finished evaluation is one CHIPLET_ACE request. Returns 0, or
 * -1 with vm->err set. */
int eval_circuit_execute(vm_t *vm, const op_t *op);

#endif

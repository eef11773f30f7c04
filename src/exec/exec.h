/*
 * exec.h - the executor's control flow: runs a MAST forest with Miden VM
 * v0.19.0 semantics, one row (one VM cycle) per step, reporting through a
 * tracer (exec/tracer.h) each row's core columns (0-48: system, decoder,
 * stack), fragment boundaries, external values and chiplet requests.
 *
 * It is a state machine over an explicit continuation stack (no recursion
 * over the MAST), so that a run can stop after any row and a later one can
 * continue from a saved state: that is what fragment contexts build on.
 * Row rules: spec/core-trace.md; operations: spec/operations.md.
 */
#ifndef FRAGTRACE_EXEC_EXEC_H
#define FRAGTRACE_EXEC_EXEC_H

#include "exec/vm.h"

/* Run to the end of the program (or to vm->stop_clk), reporting to tracer
 * (NULL: none). Without a row callback the executor runs fast: it
 * assembles no rows, and only the state (stack, memory, advice, counters,
 * last_h after the final END) is exact. Returns 0, or -1 with vm->err set. */
int vm_run(vm_t *vm, const vm_tracer_t *tracer);

/* The 16 stack outputs, top first. */
void vm_outputs(const vm_t *vm, felt_t out[STACK_TOP]);

/* The HALT row that follows the program (row index `clk`). */
void vm_halt_row(vm_t *vm, uint64_t clk, felt_t row[TRACE_CORE_WIDTH]);


#endif

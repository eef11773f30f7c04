/*
 * fragment.h - fragment contexts and the parallel trace builder.
 *
 * Recording: one run of the executor captures, before the row of every
 * clk k*N, a fragment context: the executor's whole resumable state (system
 * and stack state with the overflow table, continuation stack, block stack,
 * current basic block, hasher-row counter) and, as it goes, the values that
 * fragment takes from outside (memory reads, advice pops), in order.
 *
 * Building: fragment k is rebuilt by the same executor code, started from
 * its context with those values replayed instead of memory and the advice
 * provider; it writes rows [k*N, min((k+1)*N, rows)) straight into the
 * shared column-major trace buffer. Fragments are independent, so a pool of
 * threads builds them in any order. spec/fragment-context.md.
 */
#ifndef FRAGTRACE_TRACE_FRAGMENT_H
#define FRAGTRACE_TRACE_FRAGMENT_H

#include <stdint.h>

#include "exec/exec.h"
#include "trace/trace.h"

typedef struct {
    uint64_t clk;
    uint64_t ctx;
    word_t fn_hash;
    felt_t s[STACK_TOP];
    ovf_entry_t *ovf;         /* the overflow table, n_ovf entries */
    uint32_t n_ovf, base, buf_top;
    cont_t *conts;
    size_t n_conts;
    block_entry_t *blocks;
    size_t n_blocks;
    span_state_t span;
    uint64_t hasher_addr;
    felt_t last_h[4];
    replay_t replay;          /* external values consumed by this fragment */
} fragment_ctx_t;

typedef struct {
    fragment_ctx_t *frags;
    size_t n, cap;
    uint64_t fragment_len;    /* N */
} fragment_set_t;

void fragment_set_free(fragment_set_t *set);

/* Run vm (prepared by vm_init) to the end, recording a context every
 * fragment_len cycles. Returns 0, or -1 with vm->err set. */
int fragment_record(vm_t *vm, uint64_t fragment_len, fragment_set_t *set);

/* Build the main trace from the contexts with `threads` threads. vm is the
 * recording run's final state (for the trace length and the HALT rows).
 * Returns 0, or -1 with a message in err. */
int fragment_build_trace(vm_t *vm, const fragment_set_t *set, unsigned threads,
                         main_trace_t *out, char *err, size_t err_len);

#endif

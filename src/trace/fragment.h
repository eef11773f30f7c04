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
    uint32_t n_ovf, base, buf_top; /* the overflow table's size and context base */
    ovf_entry_t *ovf;         /* its top n_kept entries, oldest first */
    uint32_t n_kept;          /* fragment_window(n_ovf, N) */
    cont_t *conts;
    size_t n_conts;
    block_entry_t *blocks;
    size_t n_blocks;
    span_state_t span;
    chiplet_counts_t chiplets; /* chiplet requests so far */
    felt_t last_h[4];
    replay_t replay;          /* external values consumed by this fragment */
} fragment_ctx_t;

/* Everything needed to build a program's main trace without running it:
 * the contexts of fragments 0..n-1 and the state at the end of the program
 * (its HALT rows, and with the chiplet counters the trace length). */
typedef struct {
    word_t program_hash;      /* the program the contexts belong to */
    uint64_t fragment_len;    /* N */
    fragment_ctx_t *frags;
    size_t n, cap;
    fragment_ctx_t end;       /* state after the program's last row; no replay */
} fragment_set_t;

/* How many overflow entries (from the top) a context for `rows` rows must
 * hold: a row pops at most one entry and may then read the clk tag of the
 * new top (column b1 of the next row; h[5] of DYNCALL), so `rows` rows reach
 * at most rows + 1 of them; the end state (rows = 0) needs the top one. */
static inline uint32_t fragment_window(uint32_t n_ovf, uint64_t rows)
{
    return rows < n_ovf ? (uint32_t)rows + 1 : n_ovf;
}

void fragment_set_free(fragment_set_t *set);

/* Run vm (prepared by vm_init) to the end, recording a context every
 * fragment_len cycles. Returns 0, or -1 with vm->err set. */
int fragment_record(vm_t *vm, uint64_t fragment_len, fragment_set_t *set);

/* Progress of long work, for a caller that shows it: phase 0 recording
 * (done = cycles so far, total = 0: unknown), phase 1 building (done =
 * fragments taken by the threads, total = all of them). Called on the
 * calling thread only; it must be cheap and must not fail. */
typedef void (*fragment_progress_fn)(void *ctx, int phase, uint64_t done, uint64_t total);
enum { FRAGMENT_PHASE_RECORD, FRAGMENT_PHASE_BUILD };

/* fragment_record, reporting after each context. */
int fragment_record_progress(vm_t *vm, uint64_t fragment_len, fragment_set_t *set,
                             fragment_progress_fn progress, void *progress_ctx);

/* Check a set against forest f before building: the program hash, the
 * number of fragments and each context's clk, sizes and references.
 * Returns 0, or -1 with a message in err. */
int fragment_set_validate(const mast_forest_t *f, const fragment_set_t *set, char *err,
                          size_t err_len);

/* Build the main trace of the program in f (file names it in messages) from
 * a set with `threads` threads; no memory or advice is needed. The set is
 * validated first, and each fragment must end in exactly the state the next
 * context (or the end state) holds, so contexts that do not chain up are
 * rejected. Returns 0, or -1 with a message in err. */
int fragment_build_trace(const mast_forest_t *f, const char *file, const fragment_set_t *set,
                         unsigned threads, main_trace_t *out, char *err, size_t err_len);

/* fragment_build_trace, reporting a few times a second while the threads
 * work. */
int fragment_build_trace_progress(const mast_forest_t *f, const char *file,
                                  const fragment_set_t *set, unsigned threads, main_trace_t *out,
                                  char *err, size_t err_len, fragment_progress_fn progress,
                                  void *progress_ctx);

#endif

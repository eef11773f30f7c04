/*
 * fragment.h - fragment contexts and the parallel trace builder.
 *
 * Recording: one run of the executor captures, before the row of every
 * clk k*N, a fragment context: the executor's whole resumable state (system
 * and stack state with the overflow table, continuation stack, block stack,
 * current basic block, chiplet counters) and, as it goes, the values that
 * fragment takes from outside (memory reads, advice pops), in order.
 *
 * The continuation and block stacks are not copied into each context: the
 * set keeps one persistent, parent-linked arena per stack, to which each
 * context adds only the entries pushed since the previous one, and a context
 * names its stacks' top entries. Memory and file size grow with pushes plus
 * contexts, not with their product.
 *
 * Building: fragment k is rebuilt by the same executor code, started from
 * its context with those values replayed instead of memory and the advice
 * provider; it writes rows [k*N, min((k+1)*N, rows)) straight into the
 * shared column-major trace buffer. Fragments are independent, so a pool of
 * threads builds them in any order. spec/fragment-context.md.
 */
#ifndef FRAGTRACE_TRACE_FRAGMENT_H
#define FRAGTRACE_TRACE_FRAGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "chiplets/log.h"
#include "exec/exec.h"
#include "trace/trace.h"

typedef struct {
    /* Scalar state, described field by field by fragment_fields[]. */
    uint64_t clk;
    uint64_t ctx;
    word_t fn_hash;
    felt_t s[STACK_TOP];
    uint32_t n_ovf, base, buf_top; /* the overflow table's size, context base, buffer index */
    span_state_t span;
    chiplet_counts_t chiplets; /* chiplet requests so far */
    word_t pc_transcript;      /* the precompile transcript state (log_precompile) */
    felt_t last_h[4];         /* end state only */
    /* Variable parts. */
    ovf_entry_t *ovf;         /* the overflow table's top n_kept entries, oldest first */
    uint32_t n_kept;          /* fragment_window(n_ovf, N) */
    uint32_t cont_top, n_conts;   /* continuation stack: arena reference of its top, depth */
    uint32_t block_top, n_blocks; /* block stack: likewise */
    replay_t replay;          /* external values consumed by this fragment */
} fragment_ctx_t;

/* Arena references are 1 + an entry's index; 0 is "none" (an empty stack,
 * or below the bottom entry), so references fit in a u32. */
#define FRAGMENT_ARENA_MAX ((size_t)UINT32_MAX - 1)

/* Where an arena entry stands in its stack. */
typedef struct {
    uint32_t below;           /* reference of the entry below it: 0, or at most its own index
                                 (links point strictly backwards, so there are no cycles) */
    uint32_t depth;           /* entries in the stack with it on top: 1 + the below one's */
} arena_link_t;

/* One persistent stack arena: entries (cont_t or block_entry_t) in the
 * order the recorder added them, each with its link. Entries are never
 * changed once added; many contexts share them. */
typedef struct {
    void *entries;
    arena_link_t *links;
    size_t n;
    size_t cap_entries, cap_links;
} stack_arena_t;

/* Everything needed to build a program's main trace without running it:
 * the contexts of fragments 0..n-1 and the state at the end of the program
 * (its HALT rows, and with the chiplet counters the trace length). */
typedef struct {
    word_t program_hash;      /* the program the contexts belong to */
    uint64_t fragment_len;    /* N */
    fragment_ctx_t *frags;
    size_t n, cap;
    fragment_ctx_t end;       /* state after the program's last row; no replay */
    stack_arena_t conts;      /* cont_t entries of every context's continuation stack */
    stack_arena_t blocks;     /* block_entry_t entries of every context's block stack */
    chiplet_log_t log;        /* the whole run's memory and kernel-ROM accesses and range
                                 checks (CHIPLET_LOG_GLOBAL): what the trace length and the
                                 sorted chiplets need before fragments are built */
} fragment_set_t;

/* ------------------------------------------------------------------ */
/* The field table: the one description of a context's scalar state.   */
/* Snapshot, load, the chain check, validation, writing and reading all */
/* loop over it; a new scalar field is one line of fragment.c.          */

typedef enum {
    FIELD_U64,      /* any value of its width */
    FIELD_FELT,     /* a field element: below p */
    FIELD_COUNTER,  /* a chiplet request count: at most 2^32 */
    FIELD_HASHER,   /* hasher rows so far: below 2^32 - 1 (the next address fits a u32) */
    FIELD_OVF,      /* an overflow-table size or base: at most STACK_OVF_MAX */
    FIELD_BUF_TOP,  /* upstream's stack-buffer index: 16 .. STACK_BUF_SIZE - 1 */
    FIELD_NODE      /* a node index of the program */
} fragment_field_class_t;

typedef struct {
    const char *name;         /* in messages; element i of an array is "name[i]" */
    size_t ctx_off;           /* offsetof(fragment_ctx_t, ...) */
    size_t vm_off;            /* offsetof(vm_t, ...) */
    uint8_t width;            /* bytes per element: 4 or 8 (also in the file) */
    uint8_t count;            /* elements */
    uint8_t cls;              /* fragment_field_class_t */
    uint8_t end_only;         /* held (and written) in the end state only */
} fragment_field_t;

extern const fragment_field_t fragment_fields[];
extern const size_t fragment_n_fields;

/* Element i of field fd of c, widened to 64 bits. */
uint64_t fragment_field_get(const fragment_ctx_t *c, const fragment_field_t *fd, unsigned i);
/* Set element i of field fd of c (v must fit the field's width). */
void fragment_field_set(fragment_ctx_t *c, const fragment_field_t *fd, unsigned i, uint64_t v);

/* ------------------------------------------------------------------ */

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
 * fragment_len cycles. Returns 0, or -1 with vm->err set. The set is freed
 * with fragment_set_free in either case. */
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
 * number of fragments, each context's clk, fields, sizes and stack
 * references, and the arenas (links strictly backwards, depths, node
 * indices). Returns 0, or -1 with a message in err. */
int fragment_set_validate(const mast_forest_t *f, const fragment_set_t *set, char *err,
                          size_t err_len);

/* Build the main trace of the program in f (file names it in messages) from
 * a set with `threads` threads; no memory or advice is needed. The set is
 * validated first, and each fragment must end in exactly the state the next
 * context (or the end state) holds, so contexts that do not chain up are
 * rejected. Returns 0, or -1 with a message in err. */
int fragment_build_trace(const mast_forest_t *f, const char *file, const fragment_set_t *set,
                         unsigned threads, main_trace_t *out, char *err, size_t err_len);

/* fragment_build_trace into out's buffer when out already holds a trace of
 * the length needed (its columns are overwritten), else into a new buffer
 * (out's is freed). For callers that build many traces, such as tests and
 * fuzzing: no fresh pages to fault in on every build. out must be a valid
 * trace or { NULL, 0 }; it is { NULL, 0 } after a failure. */
int fragment_build_trace_reuse(const mast_forest_t *f, const char *file, const fragment_set_t *set,
                               unsigned threads, main_trace_t *out, char *err, size_t err_len);

/* fragment_build_trace, reporting a few times a second while the threads
 * work. */
int fragment_build_trace_progress(const mast_forest_t *f, const char *file,
                                  const fragment_set_t *set, unsigned threads, main_trace_t *out,
                                  char *err, size_t err_len, fragment_progress_fn progress,
                                  void *progress_ctx);

#endif

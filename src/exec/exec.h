/*
 * exec.h - the executor: runs a MAST forest with Miden VM v0.19.0
 * semantics, one row (one VM cycle) per step, and hands each row's core
 * columns (0-48: system, decoder, stack) to a sink.
 *
 * It is a state machine over an explicit continuation stack (no recursion
 * over the MAST), so that a run can stop after any row and a later one can
 * continue from a saved state: that is what fragment contexts build on.
 * Row rules: spec/core-trace.md; operations: spec/operations.md.
 */
#ifndef FRAGTRACE_EXEC_EXEC_H
#define FRAGTRACE_EXEC_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "exec/advice.h"
#include "exec/memory.h"
#include "exec/opstack.h"
#include "mast/forest.h"

/* Core trace columns (air/src/trace/mod.rs at v0.19.0). */
#define COL_CLK 0
#define COL_CTX 1
#define COL_FN_HASH 2       /* 4 columns */
#define COL_ADDR 6
#define COL_OP_BITS 7       /* 7 columns, least significant bit first */
#define COL_HASHER 14       /* 8 columns h[0..8]; h[2..8] are the user-op helpers */
#define COL_IN_SPAN 22
#define COL_GROUP_COUNT 23
#define COL_OP_INDEX 24
#define COL_BATCH_FLAGS 25  /* 3 columns */
#define COL_OP_BITS_EXTRA 28 /* 2 columns */
#define COL_STACK 30        /* 16 columns s0..s15 */
#define COL_B0 46
#define COL_B1 47
#define COL_STACK_H0 48
#define CORE_WIDTH 49
#define TRACE_WIDTH 72      /* the full main trace, padded to a multiple of 8 */

#define MAX_CYCLES_DEFAULT (UINT64_C(1) << 29)  /* ExecutionOptions::MAX_CYCLES */

/* What went wrong, named as upstream's ExecutionError variants. */
typedef enum {
    XERR_NONE = 0,
    XERR_FAILED_ASSERTION,
    XERR_NOT_U32,
    XERR_DIVIDE_BY_ZERO,
    XERR_NOT_BINARY,
    XERR_MEMORY_ADDRESS,
    XERR_MEMORY_ALIGNMENT,
    XERR_ADVICE_STACK_EMPTY,
    XERR_ADVICE_MAP_KEY,
    XERR_DYN_NOT_FOUND,
    XERR_EXTERNAL_NOT_FOUND,
    XERR_SYSCALL_NOT_IN_KERNEL,
    XERR_STACK_DEPTH_ON_RETURN,
    XERR_OUTPUT_STACK_OVERFLOW,
    XERR_STACK_OVERFLOW,
    XERR_CYCLE_LIMIT,
    XERR_EVENT,
    XERR_LOG_ARGUMENT_ZERO,
    XERR_NOT_SUPPORTED,
    XERR_CONTEXT,
    XERR_OUT_OF_MEMORY
} exec_error_kind_t;

typedef struct {
    exec_error_kind_t kind;
    uint64_t clk;          /* the cycle that failed */
    uint32_t line, col;    /* where the failing op or node was written */
    char op[48];           /* the operation, as displayed */
    char msg[256];         /* what happened */
} exec_error_t;

/* Receives each row's 49 core columns (row index = row[COL_CLK]). */
typedef int (*row_sink_fn)(void *ctx, const felt_t row[CORE_WIDTH]);

/* Continuation: what the executor does next. */
typedef enum {
    K_START,      /* start executing a node */
    K_END,        /* the END row of a node */
    K_LOOP_NEXT,  /* after a loop body: REPEAT or END */
    K_BLOCK_OP,   /* the next operation of the current basic block */
    K_RESPAN      /* the RESPAN row before the next batch */
} cont_kind_t;

typedef struct {
    uint8_t kind;
    uint32_t node;
} cont_t;

/* Decoder block stack entry (processor/src/decoder/block_stack.rs). */
typedef struct {
    uint32_t node;
    felt_t addr;          /* hasher address of the block */
    felt_t parent;        /* hasher address of the enclosing block, 0 at the root */
    uint8_t is_loop_body;
    uint8_t loop_entered;
    uint8_t is_call, is_syscall;
    uint64_t saved_ctx;   /* call-like: the caller's context */
    word_t saved_fn_hash;
    uint32_t saved_base;  /* caller's overflow base */
} block_entry_t;

/* The basic block being executed. */
typedef struct {
    uint32_t node;
    uint32_t batch;       /* current batch */
    uint32_t op;          /* next op, index within the batch */
    uint32_t group;       /* current op group slot */
    felt_t group_count;   /* groups not yet started */
    uint64_t ops_left;    /* opcodes of the current group still to run */
} span_state_t;

/* Values that reached the core from outside during a run, in execution
 * order: memory reads and advice-stack pops. A fragment builder replays them
 * instead of holding memory and the advice provider. */
typedef struct {
    felt_t *vals;
    size_t n, cap;
    size_t pos;     /* next value to replay */
} replay_t;

typedef struct vm vm_t;
/* Called before the row of every clk that is a multiple of fragment_len. */
typedef int (*boundary_fn)(void *ctx, vm_t *vm);

struct vm {
    const mast_forest_t *f;
    const char *file;     /* program file, for messages */
    uint64_t max_cycles;

    /* system */
    uint64_t clk;
    uint64_t ctx;
    word_t fn_hash;

    opstack_t stack;
    vm_memory_t mem;
    advice_t adv;

    uint64_t hasher_addr;        /* next hasher-chiplet row address (starts at 1) */
    uint64_t bitwise_ops;        /* u32and / u32xor requests */
    uint64_t kernel_accesses;    /* syscalls */

    cont_t *conts;
    size_t n_conts, cap_conts;
    block_entry_t *blocks;
    size_t n_blocks, cap_blocks;
    span_state_t span;

    int done;                    /* the root's END row has been produced */
    int no_rows;                 /* set by vm_run when there is no sink: rows are not
                                    assembled and helper values only rows need are skipped */
    felt_t last_h[4];            /* h[0..4] of the last row (copied into HALT rows) */
    felt_t depth_inv[STACK_OVF_MAX + 1]; /* 1/k for stack depth 16 + k, 0 = not yet computed */
    felt_t row[CORE_WIDTH];      /* the row being assembled */
    exec_error_t err;

    /* Fragments (spec/fragment-context.md). Recording: record != NULL
       collects external values; on_boundary runs every fragment_len cycles.
       Building: replay != NULL supplies them; memory, advice and events are
       not touched; the run stops at stop_clk. */
    replay_t *record;
    replay_t *replay;
    uint64_t fragment_len;
    uint64_t next_boundary;      /* clk of the next on_boundary call */
    boundary_fn on_boundary;
    void *boundary_ctx;
    uint64_t stop_clk;
};

/* Prepare a run of forest f. vm is large (the overflow table): allocate it
 * on the heap. Returns 0 or -1 (out of memory). */
int vm_init(vm_t *vm, const mast_forest_t *f, const char *file, const felt_t *stack_inputs,
            uint32_t n_stack, const felt_t *advice_stack, size_t n_advice);
void vm_free(vm_t *vm);

/* Run to the end of the program, passing each row to sink. With no sink
 * (NULL) the executor runs fast: it assembles no rows, and only the state
 * (stack, memory, advice, counters, last_h after the final END) is exact.
 * Returns 0, or -1 with vm->err set. */
int vm_run(vm_t *vm, row_sink_fn sink, void *sink_ctx);

/* The 16 stack outputs, top first. */
void vm_outputs(const vm_t *vm, felt_t out[STACK_TOP]);

/* External inputs, recorded or replayed (see replay_t). 0, or -1 with
 * vm->err set (a replay that runs out: the fragment context is corrupt). */
int vm_mem_read(vm_t *vm, uint32_t addr, felt_t *out);
int vm_mem_write(vm_t *vm, uint32_t addr, felt_t v);
/* Pop one advice value; returns 1 when the advice stack was empty. */
int vm_adv_pop(vm_t *vm, felt_t *out);
/* Whether n advice values can be popped. */
int vm_adv_available(const vm_t *vm, size_t n);
int replay_append(replay_t *r, felt_t v);
void replay_free(replay_t *r);

/* One-line description: "FILE:LINE:COL: clk N: 'op': message". */
void vm_format_error(const vm_t *vm, char *buf, size_t len);

/* The HALT row that follows the program (row index `clk`). */
void vm_halt_row(vm_t *vm, uint64_t clk, felt_t row[CORE_WIDTH]);

/* Trace length: max(64, next power of two of (longest segment + 1)). The
 * chiplet segment counts hasher, bitwise, memory and kernel-ROM rows; the
 * range checker is not yet modelled (see spec/inputs-and-errors.md 4). */
uint64_t vm_trace_length(const vm_t *vm);

#endif

/*
 * vm.h - the VM's state and the one layer through which it is read and
 * changed from outside the control flow: errors, memory and advice access
 * (recorded for, or replayed by, fragment builders), and chiplet requests
 * with the row counts they add up to. Operation handlers (user_ops.c) and
 * the control-flow stepper (exec.c) both use it; it uses neither.
 */
#ifndef FRAGTRACE_EXEC_VM_H
#define FRAGTRACE_EXEC_VM_H

#include <stddef.h>
#include <stdint.h>

#include "air/layout.h"
#include "exec/advice.h"
#include "exec/memory.h"
#include "exec/opstack.h"
#include "exec/tracer.h"
#include "mast/forest.h"

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
    XERR_FRI_DOMAIN_SEGMENT,   /* frie2f4: InvalidFriDomainSegment */
    XERR_FRI_LAYER_FOLDING,    /* frie2f4: InvalidFriLayerFolding */
    XERR_MERKLE_INDEX,         /* AdviceError(InvalidMerkleTreeNodeIndex) */
    XERR_MERKLE_LOOKUP,        /* AdviceError(MerkleStoreLookupFailed / UpdateFailed) */
    XERR_MERKLE_VERIFY,        /* MerklePathVerificationFailed */
    XERR_ACE,                  /* AceChipError: eval_circuit's circuit is invalid or not 0 */
    XERR_NOT_SUPPORTED,
    XERR_CONTEXT,
    XERR_TRACE_TOO_LONG,
    XERR_OUT_OF_MEMORY
} exec_error_kind_t;

typedef struct {
    exec_error_kind_t kind;
    uint64_t clk;          /* the cycle that failed */
    uint32_t line, col;    /* where the failing op or node was written */
    char op[48];           /* the operation, as displayed */
    char msg[256];         /* what happened */
} exec_error_t;

/* Receives each row's 49 core columns (row index = row[TRACE_COL_CLK]). */
typedef int (*row_sink_fn)(void *ctx, const felt_t row[TRACE_CORE_WIDTH]);

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

/* Fast mode: what running a basic block whole amounts to (exec.c). */
typedef struct {
    uint64_t rows;        /* SPAN, its ops, RESPANs and END */
    span_state_t end;     /* the basic-block state the per-row path leaves */
} block_summary_t;

/* Values that reached the core from outside during a run, in execution
 * order: memory reads and advice-stack pops. A fragment builder replays them
 * instead of holding memory and the advice provider. */
typedef struct {
    felt_t *vals;
    size_t n, cap;
    size_t pos;     /* next value to replay */
} replay_t;

typedef struct vm vm_t;

struct vm {
    const mast_forest_t *f;
    const char *file;     /* program file, for messages */
    uint64_t max_cycles;

    /* system */
    uint64_t clk;
    uint64_t ctx;
    word_t fn_hash;
    /* The precompile transcript state: the capacity word of the sponge that
       log_precompile absorbs into; zero at the start, global to the run (not
       per context). Not a trace column: only log_precompile's helpers show it. */
    word_t pc_transcript;

    opstack_t stack;
    vm_memory_t mem;
    advice_t adv;

    chiplet_counts_t chiplets;   /* what the chiplet requests so far add up to */

    cont_t *conts;
    size_t n_conts, cap_conts;
    block_entry_t *blocks;
    size_t n_blocks, cap_blocks;
    /* Entries [0, conts_kept) and [0, blocks_kept) are unchanged since a
       recorder last set these (to n_conts, n_blocks): entries are only ever
       changed by being popped and pushed again (a block entry's fields are
       set in the step that pushes it), so a pop lowers the mark and a push
       lands above it. Fragment recording shares unchanged entries between
       contexts through them. */
    size_t conts_kept, blocks_kept;
    span_state_t span;

    int done;                    /* the root's END row has been produced */
    int no_rows;                 /* set by vm_run when its tracer takes no rows: rows are
                                    not assembled and helper values only rows need are
                                    skipped */
    felt_t last_h[4];            /* h[0..4] of the last row (copied into HALT rows) */
    unsigned chiplets_wanted;    /* bit k: the tracer takes requests of chiplet_kind_t k */
    unsigned row_inverses;       /* row mode: helpers of vm->row still to invert
                                    (bit k: helper k; vm_tracer_t.row) */
    felt_t depth_inv[STACK_OVF_MAX + 1]; /* 1/k for stack depth 16 + k, 0 = not yet computed */
    felt_t row[TRACE_CORE_WIDTH];      /* the row being assembled */
    exec_error_t err;

    /* Fast mode: per node, its block summary once computed (summary_ok). */
    block_summary_t *summaries;
    uint8_t *summary_ok;
    /* The tracer of the current vm_run (NULL outside one, or none given). */
    const vm_tracer_t *tracer;
    /* The host's handler of events that are no system event (upstream
       SyncHost::on_event): it may change the advice provider (vm->adv) and
       returns 0, or -1 after vm_fail. NULL is upstream's DefaultHost with no
       handler registered: the event fails (XERR_EVENT). A host that ignores
       such events (upstream's NoopHost) returns 0. Never called while a
       fragment is built (events are not run then: their advice is replayed). */
    int (*host_event)(vm_t *vm, felt_t id, void *arg);
    void *host_event_arg;
    /* Fragment building (spec/fragment-context.md): replay != NULL supplies
       the external values instead of memory and the advice provider; memory,
       advice and events are not touched; the run stops at stop_clk. */
    replay_t *replay;
    uint64_t next_boundary;      /* clk of the next tracer->boundary call */
    uint64_t stop_clk;
};

/* Prepare a run of forest f. vm is large (the overflow table): allocate it
 * on the heap. Returns 0 or -1 (out of memory). */
int vm_init(vm_t *vm, const mast_forest_t *f, const char *file, const felt_t *stack_inputs,
            uint32_t n_stack, const felt_t *advice_stack, size_t n_advice);
void vm_free(vm_t *vm);

/* Record an execution error (the first one sticks). */
void vm_fail(vm_t *vm, exec_error_kind_t kind, uint32_t line, uint32_t col, const char *op,
             const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The stable snake_case name of an error kind, as the corpus and the vector
 * export store it (spec/corpus.md): "failed_assertion", "not_u32", ... */
const char *exec_error_kind_name(exec_error_kind_t kind);

/* The kind named name (exec_error_kind_name's inverse); 0, or -1 when name
 * is no kind's name. */
int exec_error_kind_parse(const char *name, exec_error_kind_t *kind);

/* One-line description: "FILE:LINE:COL: clk N: 'op': message". */
void vm_format_error(const vm_t *vm, char *buf, size_t len);

/* External inputs, reported to the tracer or replayed (see replay_t). 0, or
 * -1 with vm->err set (a replay that runs out: the fragment context is
 * corrupt). */
int vm_mem_read(vm_t *vm, uint32_t addr, felt_t *out);
int vm_mem_write(vm_t *vm, uint32_t addr, felt_t v);
/* Pop one advice value; returns 1 when the advice stack was empty. */
int vm_adv_pop(vm_t *vm, felt_t *out);
/* Whether n advice values can be popped. */
int vm_adv_available(const vm_t *vm, size_t n);
/* Other values taken from outside (the Merkle paths MPVERIFY and MRUPDATE
 * read from the advice provider's store): vals[0..n) are reported to the
 * tracer, or, in a replayed build, taken from the replay into vals. 0, or
 * -1 with vm->err set. */
int vm_external(vm_t *vm, felt_t *vals, size_t n);
int replay_append(replay_t *r, felt_t v);
void replay_free(replay_t *r);

/* ------------------------------------------------------------------ */
/* Chiplet requests: each bumps vm->chiplets and, when the tracer takes */
/* them, is reported with what the chiplet needs to build its rows.    */
/* 0, or -1 with vm->err set (the tracer could not keep it).           */

int vm_emit_chiplet(vm_t *vm, const chiplet_request_t *r);

/* Hashing `rows` hasher rows for node (a control or basic block) or an
 * HPERM state; returns the first row's address in *addr. */
static inline int vm_request_hasher(vm_t *vm, hasher_purpose_t purpose, uint32_t node,
                                    uint32_t rows, const felt_t *state, felt_t *addr)
{
    *addr = 1 + vm->chiplets.hasher_rows;
    vm->chiplets.hasher_rows += rows;
    if (!(vm->chiplets_wanted & (1u << CHIPLET_HASHER)))
        return 0;
    chiplet_request_t r = { .kind = CHIPLET_HASHER, .clk = vm->clk };
    r.hasher.purpose = (uint8_t)purpose;
    r.hasher.node = node;
    r.hasher.rows = rows;
    r.hasher.addr = *addr;
    for (int i = 0; state && i < 12; i++)
        r.hasher.state[i] = state[i];
    return vm_emit_chiplet(vm, &r);
}

/* One level of a Merkle path computation (MPVERIFY, MRUPDATE): one
 * permutation of state (the two children in the rate, capacity 0); kind,
 * first and last choose the rows' selectors, index (the node index before
 * this level's bit is removed) the node-index column. */
static inline int vm_request_merkle_level(vm_t *vm, merkle_path_kind_t kind, int first, int last,
                                          uint64_t index, const felt_t state[12], felt_t *addr)
{
    *addr = 1 + vm->chiplets.hasher_rows;
    vm->chiplets.hasher_rows += 8;
    if (!(vm->chiplets_wanted & (1u << CHIPLET_HASHER)))
        return 0;
    chiplet_request_t r = { .kind = CHIPLET_HASHER, .clk = vm->clk };
    r.hasher.purpose = HASH_MERKLE_LEVEL;
    r.hasher.rows = 8;
    r.hasher.addr = *addr;
    for (int i = 0; i < 12; i++)
        r.hasher.state[i] = state[i];
    r.hasher.merkle = (uint8_t)kind;
    r.hasher.first = (uint8_t)first;
    r.hasher.last = (uint8_t)last;
    r.hasher.index = index;
    return vm_emit_chiplet(vm, &r);
}

static inline int vm_request_bitwise(vm_t *vm, int is_xor, uint32_t a, uint32_t b)
{
    vm->chiplets.bitwise_ops++;
    if (!(vm->chiplets_wanted & (1u << CHIPLET_BITWISE)))
        return 0;
    chiplet_request_t r = { .kind = CHIPLET_BITWISE, .clk = vm->clk };
    r.bitwise.is_xor = (uint8_t)is_xor;
    r.bitwise.a = a;
    r.bitwise.b = b;
    return vm_emit_chiplet(vm, &r);
}

/* One memory-chiplet access in the current context: an element (n = 1)
 * or a word (n = 4) at addr, with the value(s) read or written. */
static inline int vm_request_memory(vm_t *vm, memory_op_t op, uint32_t addr, const felt_t *v)
{
    vm->chiplets.mem_accesses++;
    if (!(vm->chiplets_wanted & (1u << CHIPLET_MEMORY)))
        return 0;
    chiplet_request_t r = { .kind = CHIPLET_MEMORY, .clk = vm->clk };
    r.memory.op = (uint8_t)op;
    r.memory.ctx = vm->ctx;
    r.memory.addr = addr;
    const int n = op == MEM_READ_WORD || op == MEM_WRITE_WORD ? 4 : 1;
    for (int i = 0; i < n; i++)
        r.memory.value[i] = v[i];
    return vm_emit_chiplet(vm, &r);
}

/* A syscall reaching kernel procedure proc. */
static inline int vm_request_kernel(vm_t *vm, word_t proc)
{
    vm->chiplets.kernel_accesses++;
    if (!(vm->chiplets_wanted & (1u << CHIPLET_KERNEL_ROM)))
        return 0;
    chiplet_request_t r = { .kind = CHIPLET_KERNEL_ROM, .clk = vm->clk };
    r.kernel.proc = proc;
    return vm_emit_chiplet(vm, &r);
}

/* A finished circuit evaluation of eval_circuit (chiplets/ace.h): rows
 * ACE chiplet rows, the evaluation ev (a struct ace_eval_s). */
static inline int vm_request_ace(vm_t *vm, const struct ace_eval_s *ev, uint64_t rows)
{
    vm->chiplets.ace_rows += rows;
    if (!(vm->chiplets_wanted & (1u << CHIPLET_ACE)))
        return 0;
    chiplet_request_t r = { .kind = CHIPLET_ACE, .clk = vm->clk };
    r.ace.eval = ev;
    return vm_emit_chiplet(vm, &r);
}

/* The four 16-bit limbs a u32 operation range-checks (its helpers h0..h3). */
static inline int vm_request_range(vm_t *vm, const felt_t limbs[4])
{
    if (!(vm->chiplets_wanted & (1u << CHIPLET_RANGE)))
        return 0;
    chiplet_request_t r = { .kind = CHIPLET_RANGE, .clk = vm->clk };
    for (int i = 0; i < 4; i++)
        r.range.v[i] = (uint16_t)limbs[i];
    return vm_emit_chiplet(vm, &r);
}

#endif

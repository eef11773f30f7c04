/*
 * exec.c - the executor's control flow and row assembly (see exec.h).
 * Basic-block operations are in user_ops.c.
 */
#include "exec.h"
#include "util/grow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/addr.h"
#include "exec/user_ops.h"

static int push_cont(vm_t *vm, cont_kind_t kind, uint32_t node)
{
    if (grow_array((void **)&vm->conts, &vm->cap_conts, vm->n_conts + 1, sizeof *vm->conts,
                   64) != 0) {
        vm_fail(vm, XERR_OUT_OF_MEMORY, 0, 0, "continuation",
                "out of memory growing the continuation stack");
        return -1;
    }
    vm->conts[vm->n_conts].kind = (uint8_t)kind;
    vm->conts[vm->n_conts].node = node;
    vm->n_conts++;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Rows                                                                */

/* 1/(depth - 16), remembered per depth (an inversion costs ~100
 * multiplications; the depth takes at most STACK_OVF_MAX + 1 values). */
static felt_t depth_inverse(vm_t *vm, uint64_t depth)
{
    if (depth <= STACK_TOP)
        return 0;
    const uint64_t k = depth - STACK_TOP;
    if (k > STACK_OVF_MAX) {
        felt_t inv = 0;
        felt_inv(felt_from_u64(k), &inv);
        return inv;
    }
    if (vm->depth_inv[k] == 0) /* an inverse is never 0: 0 marks "not computed" */
        felt_inv(k, &vm->depth_inv[k]);
    return vm->depth_inv[k];
}

/* s0..s15, b0 (depth), b1 (top overflow entry's clk), h0 = 1/(b0 - 16). */
static void stack_columns(vm_t *vm, felt_t *r)
{
    for (int i = 0; i < STACK_TOP; i++)
        r[TRACE_COL_STACK_TOP + i] = OPSTACK_S(&vm->stack)[i];
    const uint64_t depth = opstack_depth(&vm->stack);
    r[TRACE_COL_STACK_B0] = depth;
    r[TRACE_COL_STACK_B1] = opstack_b1(&vm->stack);
    r[TRACE_COL_STACK_H0] = depth_inverse(vm, depth);
}

/* Start a row: system and stack columns hold the state before the row's
 * operation; decoder columns are zero until the operation fills them. */
static void row_begin(vm_t *vm)
{
    if (vm->no_rows)
        return;
    felt_t *r = vm->row;
    vm->row_inverses = 0;
    /* Decoder columns start at zero (system and stack columns are all set
       below). Plain stores: a memset here became `rep stos`, which cost
       more than the rest of the row. */
    for (int c = TRACE_COL_ADDR; c < TRACE_COL_STACK_TOP; c += 4) {
        r[c] = 0;
        r[c + 1] = 0;
        r[c + 2] = 0;
        r[c + 3] = 0;
    }
    r[TRACE_COL_CLK] = vm->clk;
    r[TRACE_COL_CTX] = vm->ctx;
    for (int k = 0; k < 4; k++)
        r[TRACE_COL_FN_HASH + k] = vm->fn_hash.v[k];
    stack_columns(vm, r);
}

static void set_opcode(felt_t *r, uint8_t opcode)
{
    for (int i = 0; i < 7; i++)
        r[TRACE_COL_OP_BITS + i] = (opcode >> i) & 1;
    const unsigned b6 = (opcode >> 6) & 1, b5 = (opcode >> 5) & 1, b4 = (opcode >> 4) & 1;
    r[TRACE_COL_OP_BITS_EXTRA] = b6 & (1 - b5) & b4;
    r[TRACE_COL_OP_BITS_EXTRA + 1] = b6 & b5;
}

static void set_h_words(felt_t *r, word_t a, word_t b)
{
    for (int k = 0; k < 4; k++) {
        r[TRACE_COL_HASHER_STATE + k] = a.v[k];
        r[TRACE_COL_HASHER_STATE + 4 + k] = b.v[k];
    }
}

static void set_batch_flags(felt_t *r, uint64_t groups)
{
    const uint64_t n = groups < 8 ? groups : 8;
    r[TRACE_COL_OP_BATCH_FLAGS] = n == 8;
    r[TRACE_COL_OP_BATCH_FLAGS + 1] = n == 4 || n == 1;
    r[TRACE_COL_OP_BATCH_FLAGS + 2] = n == 2 || n == 1;
}

/* Replace the marked helper values of a row by their inverses (0 stays 0). */
static void invert_helpers(felt_t *r, unsigned pending)
{
    for (int k = 0; k < 6; k++)
        if (pending & (1u << k)) {
            felt_t inv = 0;
            felt_inv(r[TRACE_COL_USER_OP_HELPERS + k], &inv);
            r[TRACE_COL_USER_OP_HELPERS + k] = inv;
        }
}

static int row_emit(vm_t *vm)
{
    unsigned pending = 0;
    if (!vm->no_rows && vm->row_inverses) {
        pending = vm->row_inverses;
        if (!vm->tracer->defer_inverses) {
            invert_helpers(vm->row, pending);
            pending = 0;
        }
    }
    /* With inverses deferred, last_h may hold a value not yet inverted;
       it is read only after the final END, whose row has no helpers. */
    for (int k = 0; k < 4; k++)
        vm->last_h[k] = vm->row[TRACE_COL_HASHER_STATE + k];
    if (!vm->no_rows && vm->tracer->row(vm->tracer->ctx, vm->row, pending) != 0) {
        vm_fail(vm, XERR_OUT_OF_MEMORY, 0, 0, "row", "cannot store the trace row");
        return -1;
    }
    vm->clk++;
    return 0;
}

void vm_halt_row(vm_t *vm, uint64_t clk, felt_t row[TRACE_CORE_WIDTH])
{
    memset(row, 0, TRACE_CORE_WIDTH * sizeof *row);
    row[TRACE_COL_CLK] = clk;
    set_opcode(row, OP_HALT);
    for (int k = 0; k < 4; k++)
        row[TRACE_COL_HASHER_STATE + k] = vm->last_h[k];
    stack_columns(vm, row);
}

/* ------------------------------------------------------------------ */
/* Block stack                                                         */

/* Push a block-stack entry for node, hashed by the hasher chiplet in
 * `rows` rows (8 per control block, 8 per batch of a basic block). NULL
 * with vm->err set on failure. */
static block_entry_t *push_block(vm_t *vm, uint32_t node, uint32_t rows)
{
    felt_t addr;
    const hasher_purpose_t why =
        vm->f->nodes[node].kind == NODE_BLOCK ? HASH_BASIC_BLOCK : HASH_CONTROL_BLOCK;
    if (vm_request_hasher(vm, why, node, rows, NULL, &addr) != 0)
        return NULL;
    if (grow_array((void **)&vm->blocks, &vm->cap_blocks, vm->n_blocks + 1,
                   sizeof *vm->blocks, 64) != 0) {
        vm_fail(vm, XERR_OUT_OF_MEMORY, 0, 0, "block", "out of memory growing the block stack");
        return NULL;
    }
    block_entry_t *e = &vm->blocks[vm->n_blocks];
    memset(e, 0, sizeof *e);
    e->node = node;
    e->addr = addr;
    if (vm->n_blocks > 0) {
        const block_entry_t *up = &vm->blocks[vm->n_blocks - 1];
        e->parent = up->addr;
        e->is_loop_body = vm->f->nodes[up->node].kind == NODE_LOOP;
    }
    vm->n_blocks++;
    return e;
}

static felt_t parent_addr(const vm_t *vm)
{
    return vm->n_blocks ? vm->blocks[vm->n_blocks - 1].addr : 0;
}

/* ------------------------------------------------------------------ */
/* Procedure resolution                                                */

/* Node a digest names: program forest first, then the host library. */
static long resolve_digest(const vm_t *vm, word_t d)
{
    return mast_resolve_digest(vm->f, d);
}

/* The node an EXTERNAL node stands for: resolved when the forest was built
 * (mast_forest_resolve_externals); only a failure walks the chain again, to
 * name the external whose digest is missing. */
static long resolve_node(vm_t *vm, uint32_t node)
{
    const mast_node_t *first = &vm->f->nodes[node];
    if (first->kind != NODE_EXTERNAL)
        return (long)node;
    if (first->child[0] != MAST_NO_NODE)
        return (long)first->child[0];
    for (int hops = 0; hops < MAST_EXTERNAL_MAX_HOPS; hops++) {
        const mast_node_t *n = &vm->f->nodes[node];
        if (n->kind != NODE_EXTERNAL)
            return (long)node;
        const long target = resolve_digest(vm, n->digest);
        if (target < 0 || (uint32_t)target == node) {
            char hex[67];
            word_to_hex(n->digest, hex);
            vm_fail(vm, XERR_EXTERNAL_NOT_FOUND, n->line, n->col, "external",
                    "no procedure with digest %s in the program or the host library", hex);
            return -1;
        }
        node = (uint32_t)target;
    }
    vm_fail(vm, XERR_EXTERNAL_NOT_FOUND, vm->f->nodes[node].line, vm->f->nodes[node].col,
            "external", "external nodes refer to each other in a cycle");
    return -1;
}

/* Read the callee digest of DYN/DYNCALL: the word at address s0. */
static int read_dyn_target(vm_t *vm, const mast_node_t *n, const char *name, word_t *digest,
                           long *target)
{
    const felt_t a = OPSTACK_S(&vm->stack)[0];
    const int rc = mem_addr_check(a, 1);
    if (rc == ADDR_OUT_OF_BOUNDS) {
        vm_fail(vm, XERR_MEMORY_ADDRESS, n->line, n->col, name,
                "callee address %llu is not below 2^32", (unsigned long long)a);
        return -1;
    }
    if (rc == ADDR_UNALIGNED) {
        vm_fail(vm, XERR_MEMORY_ALIGNMENT, n->line, n->col, name,
                "callee address %llu is not word-aligned (a multiple of 4)", (unsigned long long)a);
        return -1;
    }
    for (int k = 0; k < 4; k++)
        if (vm_mem_read(vm, (uint32_t)a + (uint32_t)k, &digest->v[k]) != 0)
            return -1;
    if (vm_request_memory(vm, MEM_READ_WORD, (uint32_t)a, digest->v) != 0)
        return -1;
    *target = resolve_digest(vm, *digest);
    if (*target < 0) {
        char hex[67];
        word_to_hex(*digest, hex);
        vm_fail(vm, XERR_DYN_NOT_FOUND, n->line, n->col, name,
                "no procedure with digest %s (read from address %llu) in the program or the "
                "host library", hex, (unsigned long long)a);
        return -1;
    }
    return 0;
}

/* Enter a new execution context for CALL/DYNCALL (ctx = clk + 1) or
 * SYSCALL (ctx 0, fn_hash kept), saving the caller's in the block entry. */
static int enter_context(vm_t *vm, block_entry_t *e, int syscall, word_t callee)
{
    e->saved_ctx = vm->ctx;
    e->saved_fn_hash = vm->fn_hash;
    e->saved_base = opstack_start_context(&vm->stack);
    if (syscall) {
        vm->ctx = 0;
        return vm_request_kernel(vm, callee);
    }
    vm->ctx = vm->clk + 1;
    vm->fn_hash = callee;
    /* A new context's frame pointer cell (FMP_ADDR = 2^32 - 2) starts at 2^31. */
    const felt_t fmp = UINT64_C(1) << 31;
    if (vm_request_memory(vm, MEM_WRITE_ELEMENT, UINT32_C(0xFFFFFFFE), &fmp) != 0)
        return -1;
    return vm_mem_write(vm, UINT32_C(0xFFFFFFFE), fmp);
}

/* ------------------------------------------------------------------ */
/* Steps: each produces exactly one row                                */

static int start_block(vm_t *vm, uint32_t id)
{
    const mast_node_t *n = &vm->f->nodes[id];
    const op_batch_t *b0 = &vm->f->batches[n->batches_start];
    felt_t *r = vm->row;
    row_begin(vm);
    set_opcode(r, OP_SPAN);
    r[TRACE_COL_ADDR] = parent_addr(vm);
    for (int g = 0; g < BATCH_GROUPS; g++)
        r[TRACE_COL_HASHER_STATE + g] = b0->groups[g];
    const op_batch_t *last = &vm->f->batches[n->batches_start + n->n_batches - 1];
    const uint64_t total = (uint64_t)8 * (n->n_batches - 1) + last->num_groups;
    r[TRACE_COL_GROUP_COUNT] = total;
    set_batch_flags(r, total);
    if (!push_block(vm, id, 8 * n->n_batches) || push_cont(vm, K_BLOCK_OP, id) != 0)
        return -1;
    vm->span.node = id;
    vm->span.batch = 0;
    vm->span.op = 0;
    vm->span.group = 0;
    vm->span.group_count = total - 1;
    vm->span.ops_left = b0->groups[0];
    return 0;
}

/* After op (index sp->op of batch b) ran: move to the next op group when op
 * was the last of its group, and to the next op. */
static void span_advance(span_state_t *sp, const op_batch_t *b, const op_t *op)
{
    if (op->opcode == OP_PUSH)
        sp->group_count--;
    if (sp->op + 1u == b->indptr[sp->group + 1]) {
        for (uint32_t g = sp->group + 1; g < b->num_groups; g++)
            if (b->indptr[g + 1] > b->indptr[g]) {
                sp->group = g;
                sp->group_count--;
                sp->ops_left = b->groups[g];
                break;
            }
    }
    sp->op++;
}

/* What follows the last op of a batch: RESPAN or the block's END. */
static int after_batch(vm_t *vm, const mast_node_t *n)
{
    const span_state_t *sp = &vm->span;
    if (sp->op < vm->f->batches[n->batches_start + sp->batch].num_ops)
        return push_cont(vm, K_BLOCK_OP, sp->node);
    if (sp->batch + 1 < n->n_batches)
        return push_cont(vm, K_RESPAN, sp->node);
    return push_cont(vm, K_END, sp->node);
}

/* Fast mode (no rows): the current batch's ops up to clk end_clk in one go,
 * with the same state changes as block_op minus the row. */
static int block_ops_fast(vm_t *vm, uint64_t end_clk)
{
    span_state_t *sp = &vm->span;
    const mast_node_t *n = &vm->f->nodes[sp->node];
    const op_batch_t *b = &vm->f->batches[n->batches_start + sp->batch];
    const op_t *ops = &vm->f->ops[n->ops_start + b->first_op];
    felt_t helpers[6];
    do {
        const op_t *op = &ops[sp->op];
        sp->ops_left = (sp->ops_left - op->opcode) >> 7;
        if (user_op_execute_fast(vm, op, sp->op + b->first_op, helpers) != 0)
            return -1;
        span_advance(sp, b, op);
        vm->clk++;
    } while (sp->op < b->num_ops && vm->clk < end_clk);
    return after_batch(vm, n);
}

static int block_op(vm_t *vm)
{
    span_state_t *sp = &vm->span;
    const mast_node_t *n = &vm->f->nodes[sp->node];
    const op_batch_t *b = &vm->f->batches[n->batches_start + sp->batch];
    const op_t *op = &vm->f->ops[n->ops_start + b->first_op + sp->op];
    const block_entry_t *e = &vm->blocks[vm->n_blocks - 1];
    felt_t *r = vm->row;
    row_begin(vm);
    set_opcode(r, op->opcode);
    r[TRACE_COL_ADDR] = e->addr + (felt_t)8 * sp->batch;
    sp->ops_left = (sp->ops_left - op->opcode) >> 7;
    r[TRACE_COL_HASHER_STATE] = sp->ops_left;
    r[TRACE_COL_HASHER_STATE + 1] = e->parent;
    r[TRACE_COL_IN_SPAN] = 1;
    r[TRACE_COL_GROUP_COUNT] = sp->group_count;
    r[TRACE_COL_OP_INDEX] = sp->op - b->indptr[sp->group];
    if (user_op_execute(vm, op, sp->op + b->first_op, &r[TRACE_COL_HASHER_STATE + 2]) != 0)
        return -1;
    span_advance(sp, b, op);
    return after_batch(vm, n);
}

static int respan(vm_t *vm)
{
    span_state_t *sp = &vm->span;
    const mast_node_t *n = &vm->f->nodes[sp->node];
    const op_batch_t *next = &vm->f->batches[n->batches_start + sp->batch + 1];
    const block_entry_t *e = &vm->blocks[vm->n_blocks - 1];
    felt_t *r = vm->row;
    row_begin(vm);
    set_opcode(r, OP_RESPAN);
    r[TRACE_COL_ADDR] = e->addr + (felt_t)8 * sp->batch;
    for (int g = 0; g < BATCH_GROUPS; g++)
        r[TRACE_COL_HASHER_STATE + g] = next->groups[g];
    r[TRACE_COL_GROUP_COUNT] = sp->group_count;
    set_batch_flags(r, sp->group_count);
    sp->group_count--;
    sp->batch++;
    sp->op = 0;
    sp->group = 0;
    sp->ops_left = next->groups[0];
    return push_cont(vm, K_BLOCK_OP, sp->node);
}

/* The END row of the node on top of the block stack. pop_condition: the
 * END of an entered loop also pops the loop's final 0. */
static int end_node(vm_t *vm, int pop_condition)
{
    const block_entry_t e = vm->blocks[vm->n_blocks - 1];
    const mast_node_t *n = &vm->f->nodes[e.node];
    felt_t *r = vm->row;
    row_begin(vm);
    set_opcode(r, OP_END);
    r[TRACE_COL_ADDR] = e.addr;
    if (n->kind == NODE_BLOCK)
        r[TRACE_COL_ADDR] = e.addr + (felt_t)8 * (n->n_batches - 1);
    for (int k = 0; k < 4; k++)
        r[TRACE_COL_HASHER_STATE + k] = n->digest.v[k];
    r[TRACE_COL_HASHER_STATE + 4] = e.is_loop_body;
    r[TRACE_COL_HASHER_STATE + 5] = n->kind == NODE_LOOP && e.loop_entered;
    r[TRACE_COL_HASHER_STATE + 6] = e.is_call;
    r[TRACE_COL_HASHER_STATE + 7] = e.is_syscall;
    if (pop_condition)
        opstack_pop(&vm->stack);
    if (e.is_call || e.is_syscall) {
        if (opstack_depth(&vm->stack) != STACK_TOP) {
            vm_fail(vm, XERR_STACK_DEPTH_ON_RETURN, n->line, n->col, "end",
                    "the called procedure returns with stack depth %llu, not 16",
                    (unsigned long long)opstack_depth(&vm->stack));
            return -1;
        }
        if (e.saved_base > vm->stack.n_ovf) {
            vm_fail(vm, XERR_CONTEXT, n->line, n->col, "end",
                    "the saved caller stack does not fit the overflow table");
            return -1;
        }
        vm->ctx = e.saved_ctx;
        vm->fn_hash = e.saved_fn_hash;
        opstack_end_context(&vm->stack, e.saved_base);
    }
    vm->n_blocks--;
    if (vm->n_blocks < vm->blocks_kept)
        vm->blocks_kept = vm->n_blocks;
    if (vm->n_blocks == 0)
        vm->done = 1;
    return 0;
}

static const char *node_word(node_kind_t k)
{
    switch (k) {
    case NODE_JOIN: return "join";
    case NODE_SPLIT: return "if.true";
    case NODE_LOOP: return "while.true";
    case NODE_CALL: return "call";
    case NODE_SYSCALL: return "syscall";
    case NODE_DYN: return "dyn";
    case NODE_DYNCALL: return "dyncall";
    case NODE_BLOCK: return "basic_block";
    default: return "external";
    }
}

/* Pop a loop or split condition, which must be 0 or 1. */
static int pop_condition(vm_t *vm, const mast_node_t *n, felt_t *cond)
{
    *cond = OPSTACK_S(&vm->stack)[0];
    if (*cond > 1) {
        vm_fail(vm, XERR_NOT_BINARY, n->line, n->col, node_word(n->kind),
                "condition %llu is not 0 or 1", (unsigned long long)*cond);
        return -1;
    }
    opstack_pop(&vm->stack);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Fast mode: whole basic blocks and loop iterations                   */
/* With no rows to assemble, a basic block that ends before the next   */
/* stop (fragment boundary, stop_clk, cycle limit) runs in one go: its */
/* ops in a tight loop, with none of the per-row bookkeeping (op       */
/* groups, continuations, block stack), which only rows and stops in   */
/* the middle of a block need. The state after it is exactly the one   */
/* the per-row path leaves (block_summary_t).                          */

/* The first clk at which the run must stop and look: no row at or past
 * it may be produced by a whole-block step. */
static uint64_t fast_limit(const vm_t *vm)
{
    uint64_t end = vm->stop_clk < vm->max_cycles ? vm->stop_clk : vm->max_cycles;
    if (vm->tracer->boundary && vm->tracer->fragment_len > 0 && vm->next_boundary < end)
        end = vm->next_boundary;
    return end;
}

/* The summary of basic block id (computed once per VM); NULL when out of
 * memory (the caller then takes the per-row path). */
static const block_summary_t *block_summary(vm_t *vm, uint32_t id)
{
    const mast_forest_t *f = vm->f;
    if (!vm->summaries) {
        vm->summaries = malloc(f->n_nodes * sizeof *vm->summaries);
        vm->summary_ok = calloc(f->n_nodes, 1);
        if (!vm->summaries || !vm->summary_ok) {
            free(vm->summaries);
            free(vm->summary_ok);
            vm->summaries = NULL;
            vm->summary_ok = NULL;
            return NULL;
        }
    }
    block_summary_t *sum = &vm->summaries[id];
    if (vm->summary_ok[id])
        return sum;
    /* Replay start_block, respan and block_op's bookkeeping. */
    const mast_node_t *n = &f->nodes[id];
    const op_batch_t *b0 = &f->batches[n->batches_start];
    const op_batch_t *last = &f->batches[n->batches_start + n->n_batches - 1];
    span_state_t sp = { id, 0, 0, 0, (uint64_t)8 * (n->n_batches - 1) + last->num_groups - 1,
                        b0->groups[0] };
    uint64_t rows = 1;
    for (uint32_t k = 0; k < n->n_batches; k++) {
        const op_batch_t *b = &f->batches[n->batches_start + k];
        if (k > 0) {
            rows++;
            sp.group_count--;
            sp.batch++;
            sp.op = 0;
            sp.group = 0;
            sp.ops_left = b->groups[0];
        }
        const op_t *ops = &f->ops[n->ops_start + b->first_op];
        while (sp.op < b->num_ops) {
            sp.ops_left = (sp.ops_left - ops[sp.op].opcode) >> 7;
            span_advance(&sp, b, &ops[sp.op]);
            rows++;
        }
    }
    sum->rows = rows + 1;
    sum->end = sp;
    vm->summary_ok[id] = 1;
    return sum;
}

/* Run basic block id from its SPAN row through its END row. */
static int run_block_whole(vm_t *vm, uint32_t id, const block_summary_t *sum)
{
    const mast_forest_t *f = vm->f;
    const mast_node_t *n = &f->nodes[id];
    felt_t addr;
    if (vm_request_hasher(vm, HASH_BASIC_BLOCK, id, 8 * n->n_batches, NULL, &addr) != 0)
        return -1;
    vm->clk++; /* SPAN */
    for (uint32_t k = 0; k < n->n_batches; k++) {
        const op_batch_t *b = &f->batches[n->batches_start + k];
        vm->clk += k > 0; /* RESPAN */
        if (user_ops_run(vm, &f->ops[n->ops_start + b->first_op], b->num_ops, b->first_op) != 0)
            return -1;
    }
    vm->span = sum->end;
    for (int k = 0; k < 4; k++)
        vm->last_h[k] = n->digest.v[k];
    vm->clk++; /* END */
    if (vm->n_blocks == 0)
        vm->done = 1;
    return 0;
}

/* Basic block id in one go if it fits before the next stop: 1 if it ran
 * (its rows are counted), 0 if the per-row path must take it, -1 on an
 * error. */
static int try_block_whole(vm_t *vm, uint32_t id)
{
    if (!vm->no_rows)
        return 0;
    const block_summary_t *sum = block_summary(vm, id);
    if (!sum || vm->clk + sum->rows > fast_limit(vm))
        return 0;
    return run_block_whole(vm, id, sum) == 0 ? 1 : -1;
}

/* Fast mode: iterations of loop id whose body is a basic block, each a
 * REPEAT row and the body, while the condition is 1 and they fit before
 * the next stop. Returns 1 when some ran (the loop test is continued
 * later, after the run loop's checks), 0 when none did (the per-row path
 * takes the test), -1 on an error. */
static int loop_iterations_whole(vm_t *vm, uint32_t id)
{
    const uint32_t body = vm->f->nodes[id].child[0];
    if (vm->f->nodes[body].kind != NODE_BLOCK)
        return 0;
    const block_summary_t *sum = block_summary(vm, body);
    if (!sum)
        return 0;
    const uint64_t limit = fast_limit(vm);
    int ran = 0;
    while (OPSTACK_S(&vm->stack)[0] == 1 && vm->clk + 1 + sum->rows <= limit) {
        opstack_pop(&vm->stack);
        vm->clk++; /* REPEAT */
        if (run_block_whole(vm, body, sum) != 0)
            return -1;
        ran = 1;
    }
    return ran && push_cont(vm, K_LOOP_NEXT, id) != 0 ? -1 : ran;
}

static int start_node(vm_t *vm, uint32_t id)
{
    const long rid = resolve_node(vm, id);
    if (rid < 0)
        return -1;
    id = (uint32_t)rid;
    const mast_node_t *n = &vm->f->nodes[id];
    if (n->kind == NODE_BLOCK) {
        const int whole = try_block_whole(vm, id);
        return whole != 0 ? whole : start_block(vm, id);
    }
    felt_t *r = vm->row;
    const word_t zero = { { 0, 0, 0, 0 } };
    row_begin(vm);
    r[TRACE_COL_ADDR] = parent_addr(vm);
    felt_t cond;
    block_entry_t *e;
    switch (n->kind) {
    case NODE_JOIN:
        set_opcode(r, OP_JOIN);
        set_h_words(r, vm->f->nodes[n->child[0]].digest, vm->f->nodes[n->child[1]].digest);
        if (!push_block(vm, id, 8))
            return -1;
        return push_cont(vm, K_END, id) || push_cont(vm, K_START, n->child[1]) ||
               push_cont(vm, K_START, n->child[0]) ? -1 : 0;
    case NODE_SPLIT:
        set_opcode(r, OP_SPLIT);
        set_h_words(r, vm->f->nodes[n->child[0]].digest, vm->f->nodes[n->child[1]].digest);
        if (pop_condition(vm, n, &cond) != 0 || !push_block(vm, id, 8))
            return -1;
        return push_cont(vm, K_END, id) || push_cont(vm, K_START, n->child[cond ? 0 : 1]) ? -1 : 0;
    case NODE_LOOP:
        set_opcode(r, OP_LOOP);
        set_h_words(r, vm->f->nodes[n->child[0]].digest, zero);
        if (pop_condition(vm, n, &cond) != 0 || !(e = push_block(vm, id, 8)))
            return -1;
        e->loop_entered = (uint8_t)cond;
        if (!cond)
            return push_cont(vm, K_END, id);
        return push_cont(vm, K_LOOP_NEXT, id) || push_cont(vm, K_START, n->child[0]) ? -1 : 0;
    case NODE_CALL:
    case NODE_SYSCALL: {
        const word_t callee = vm->f->nodes[n->child[0]].digest;
        const int sys = n->kind == NODE_SYSCALL;
        if (sys && !mast_kernel_contains(vm->f, callee)) {
            vm_fail(vm, XERR_SYSCALL_NOT_IN_KERNEL, n->line, n->col, "syscall",
                    "the target is not a kernel procedure");
            return -1;
        }
        set_opcode(r, sys ? OP_SYSCALL : OP_CALL);
        set_h_words(r, callee, zero);
        if (!(e = push_block(vm, id, 8)))
            return -1;
        e->is_call = !sys;
        e->is_syscall = (uint8_t)sys;
        if (enter_context(vm, e, sys, callee) != 0)
            return -1;
        return push_cont(vm, K_END, id) || push_cont(vm, K_START, n->child[0]) ? -1 : 0;
    }
    case NODE_DYN:
    case NODE_DYNCALL: {
        const int call = n->kind == NODE_DYNCALL;
        word_t callee;
        long target;
        if (read_dyn_target(vm, n, call ? "dyncall" : "dyn", &callee, &target) != 0)
            return -1;
        opstack_pop(&vm->stack);
        set_opcode(r, call ? OP_DYNCALL : OP_DYN);
        word_t second = zero;
        if (call) {
            second.v[0] = opstack_depth(&vm->stack);
            second.v[1] = opstack_b1(&vm->stack);
        }
        set_h_words(r, callee, second);
        if (!(e = push_block(vm, id, 8)))
            return -1;
        if (call) {
            e->is_call = 1;
            if (enter_context(vm, e, 0, callee) != 0)
                return -1;
        }
        return push_cont(vm, K_END, id) || push_cont(vm, K_START, (uint32_t)target) ? -1 : 0;
    }
    default:
        vm_fail(vm, XERR_NOT_SUPPORTED, n->line, n->col, "node", "unexpected node kind");
        return -1;
    }
}

static int loop_next(vm_t *vm, uint32_t id)
{
    const mast_node_t *n = &vm->f->nodes[id];
    if (vm->no_rows) {
        const int whole = loop_iterations_whole(vm, id);
        if (whole != 0)
            return whole;
    }
    const felt_t top = OPSTACK_S(&vm->stack)[0];
    if (top > 1) {
        vm_fail(vm, XERR_NOT_BINARY, n->line, n->col, "while.true",
                "loop condition %llu is not 0 or 1", (unsigned long long)top);
        return -1;
    }
    if (top == 0)
        return end_node(vm, 1);
    felt_t *r = vm->row;
    const word_t repeat_flag = { { 1, 0, 0, 0 } };
    row_begin(vm);
    set_opcode(r, OP_REPEAT);
    r[TRACE_COL_ADDR] = vm->blocks[vm->n_blocks - 1].addr;
    set_h_words(r, vm->f->nodes[n->child[0]].digest, repeat_flag);
    opstack_pop(&vm->stack);
    return push_cont(vm, K_LOOP_NEXT, id) || push_cont(vm, K_START, n->child[0]) ? -1 : 0;
}

/* Whether continuation c fits the state it will run in. A run that started
 * from the program always passes; a run that started from a fragment
 * context read from a file may not, and must stop with an error rather than
 * index outside the forest or the block stack. */
static int cont_fits_state(const vm_t *vm, cont_t c)
{
    const mast_forest_t *f = vm->f;
    if (c.kind > K_RESPAN || c.node >= f->n_nodes)
        return 0;
    if (c.kind == K_START)
        return 1;
    if (vm->n_blocks == 0 || vm->blocks[vm->n_blocks - 1].node != c.node)
        return 0;
    if (c.kind == K_END || c.kind == K_LOOP_NEXT)
        return 1;
    const mast_node_t *n = &f->nodes[c.node];
    const span_state_t *sp = &vm->span;
    if (n->kind != NODE_BLOCK || sp->node != c.node || sp->batch >= n->n_batches ||
        (uint64_t)n->batches_start + n->n_batches > f->n_batches)
        return 0;
    if (c.kind == K_RESPAN)
        return sp->batch + 1 < n->n_batches;
    const op_batch_t *b = &f->batches[n->batches_start + sp->batch];
    return sp->op < b->num_ops && sp->group < b->num_groups &&
           (uint64_t)n->ops_start + b->first_op + sp->op < f->n_ops;
}

/* No tracer: nothing reported. */
static const vm_tracer_t no_tracer = { 0 };

static int run(vm_t *vm);

int vm_run(vm_t *vm, const vm_tracer_t *tracer)
{
    vm->tracer = tracer ? tracer : &no_tracer;
    vm->chiplets_wanted = !vm->tracer->chiplet ? 0u
                          : vm->tracer->chiplet_kinds ? vm->tracer->chiplet_kinds : ~0u;
    const int rc = run(vm);
    vm->tracer = NULL;
    vm->chiplets_wanted = 0;
    return rc;
}

static int run(vm_t *vm)
{
    const vm_tracer_t *t = vm->tracer;
    const int boundaries = t->boundary != NULL && t->fragment_len > 0;
    vm->no_rows = t->row == NULL;
    if (boundaries) /* the first multiple of fragment_len from here */
        vm->next_boundary = (vm->clk + t->fragment_len - 1) / t->fragment_len * t->fragment_len;
    while (vm->n_conts > 0 && vm->clk < vm->stop_clk) {
        if (boundaries && vm->clk == vm->next_boundary) {
            vm->next_boundary += t->fragment_len;
            if (t->boundary(t->ctx, vm) != 0) {
                vm_fail(vm, XERR_OUT_OF_MEMORY, 0, 0, "fragment",
                        "out of memory recording a fragment context");
                return -1;
            }
        }
        if (vm->clk >= vm->max_cycles) {
            vm_fail(vm, XERR_CYCLE_LIMIT, 0, 0, "cycle", "cycle limit of %llu exceeded",
                    (unsigned long long)vm->max_cycles);
            return -1;
        }
        const cont_t c = vm->conts[--vm->n_conts];
        if (vm->n_conts < vm->conts_kept)
            vm->conts_kept = vm->n_conts;
        /* Only a state loaded from a fragment context (replayed) can be
           inconsistent; a run from the program start never is. */
        if (vm->replay && !cont_fits_state(vm, c)) {
            vm_fail(vm, XERR_CONTEXT, 0, 0, "context",
                    "the saved execution state does not fit the program");
            return -1;
        }
        int rc;
        switch (c.kind) {
        case K_START:
            rc = start_node(vm, c.node);
            if (rc == 1)
                continue; /* a whole basic block: its rows are counted */
            break;
        case K_END: rc = end_node(vm, 0); break;
        case K_LOOP_NEXT:
            rc = loop_next(vm, c.node);
            if (rc == 1)
                continue; /* whole iterations: their rows are counted */
            break;
        case K_BLOCK_OP:
            if (vm->no_rows) {
                /* Fast mode: the batch's ops up to the next stop in one go. */
                uint64_t end = vm->stop_clk < vm->max_cycles ? vm->stop_clk : vm->max_cycles;
                if (boundaries && vm->next_boundary < end)
                    end = vm->next_boundary;
                rc = block_ops_fast(vm, end);
                if (rc == 0)
                    continue;
                break;
            }
            rc = block_op(vm);
            break;
        default: rc = respan(vm); break;
        }
        if (rc != 0)
            return -1;
        if (row_emit(vm) != 0)
            return -1;
    }
    if (vm->n_conts > 0)
        return 0; /* stopped at stop_clk */
    const uint64_t depth = opstack_depth(&vm->stack);
    if (depth != STACK_TOP) {
        const mast_node_t *root = &vm->f->nodes[vm->f->entry];
        vm_fail(vm, XERR_OUTPUT_STACK_OVERFLOW, root->line, root->col, "end",
                "the program ends with stack depth %llu; it must end with exactly 16",
                (unsigned long long)depth);
        return -1;
    }
    return 0;
}

void vm_outputs(const vm_t *vm, felt_t out[STACK_TOP])
{
    for (int i = 0; i < STACK_TOP; i++)
        out[i] = OPSTACK_S(&vm->stack)[i];
}



/*
 * vm.c - the VM-state layer (see vm.h).
 */
#include "vm.h"
#include "util/grow.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Errors                                                              */

void vm_fail(vm_t *vm, exec_error_kind_t kind, uint32_t line, uint32_t col, const char *op,
             const char *fmt, ...)
{
    if (vm->err.kind != XERR_NONE)
        return;
    vm->err.kind = kind;
    vm->err.clk = vm->clk;
    vm->err.line = line;
    vm->err.col = col;
    snprintf(vm->err.op, sizeof vm->err.op, "%s", op);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(vm->err.msg, sizeof vm->err.msg, fmt, ap);
    va_end(ap);
}

void vm_format_error(const vm_t *vm, char *buf, size_t len)
{
    if (vm->err.line)
        snprintf(buf, len, "%s:%u:%u: clk %llu: '%s': %s", vm->file, vm->err.line, vm->err.col,
                 (unsigned long long)vm->err.clk, vm->err.op, vm->err.msg);
    else
        snprintf(buf, len, "%s: clk %llu: '%s': %s", vm->file, (unsigned long long)vm->err.clk,
                 vm->err.op, vm->err.msg);
}

/* ------------------------------------------------------------------ */
/* External inputs: recorded while recording, replayed while building  */

int replay_append(replay_t *r, felt_t v)
{
    if (grow_array((void **)&r->vals, &r->cap, r->n + 1, sizeof *r->vals, 16) != 0)
        return -1;
    r->vals[r->n++] = v;
    return 0;
}

void replay_free(replay_t *r)
{
    free(r->vals);
    r->vals = NULL;
    r->n = r->cap = r->pos = 0;
}

static int replay_take(vm_t *vm, felt_t *out)
{
    if (vm->replay->pos >= vm->replay->n) {
        vm_fail(vm, XERR_CONTEXT, 0, 0, "replay", "the fragment context's replay ends early "
                "(corrupt or mismatched context)");
        return -1;
    }
    *out = vm->replay->vals[vm->replay->pos++];
    return 0;
}

/* Report a value read from outside to the tracer (the recording keeps it
 * for the fragment that reads it). */
static int record(vm_t *vm, felt_t v)
{
    if (vm->tracer && vm->tracer->external && vm->tracer->external(vm->tracer->ctx, v) != 0) {
        vm_fail(vm, XERR_OUT_OF_MEMORY, 0, 0, "record",
                "out of memory keeping a value read from outside for the fragment contexts");
        return -1;
    }
    return 0;
}

int vm_mem_read(vm_t *vm, uint32_t addr, felt_t *out)
{
    if (vm->replay)
        return replay_take(vm, out);
    *out = memory_read(&vm->mem, vm->ctx, addr);
    return record(vm, *out);
}

int vm_mem_write(vm_t *vm, uint32_t addr, felt_t v)
{
    if (vm->replay)
        return 0;
    if (memory_write(&vm->mem, vm->ctx, addr, v) != 0) {
        vm_fail(vm, XERR_OUT_OF_MEMORY, 0, 0, "memory", "out of memory growing the memory table");
        return -1;
    }
    return 0;
}

int vm_adv_pop(vm_t *vm, felt_t *out)
{
    if (vm->replay)
        return replay_take(vm, out) == 0 ? 0 : -1;
    if (advice_pop(&vm->adv, out) != 0)
        return 1;
    return record(vm, *out);
}

int vm_adv_available(const vm_t *vm, size_t n)
{
    return vm->replay != NULL || vm->adv.n >= n;
}

int vm_external(vm_t *vm, felt_t *vals, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((vm->replay ? replay_take(vm, &vals[i]) : record(vm, vals[i])) != 0)
            return -1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Set-up                                                              */

int vm_init(vm_t *vm, const mast_forest_t *f, const char *file, const felt_t *stack_inputs,
            uint32_t n_stack, const felt_t *advice_stack, size_t n_advice)
{
    memset(vm, 0, sizeof *vm);
    vm->f = f;
    vm->file = file;
    vm->max_cycles = MAX_CYCLES_DEFAULT;
    vm->stop_clk = UINT64_MAX;
    opstack_init(&vm->stack, stack_inputs, n_stack);
    memory_init(&vm->mem);
    advice_init(&vm->adv);
    if (advice_set_stack(&vm->adv, advice_stack, n_advice) != 0)
        return -1;
    if (grow_array((void **)&vm->conts, &vm->cap_conts, 1, sizeof *vm->conts, 64) != 0 ||
        grow_array((void **)&vm->blocks, &vm->cap_blocks, 1, sizeof *vm->blocks, 64) != 0)
        return -1;
    vm->conts[0].kind = K_START;
    vm->conts[0].node = f->entry;
    vm->n_conts = 1;
    return 0;
}

void vm_free(vm_t *vm)
{
    memory_free(&vm->mem);
    advice_free(&vm->adv);
    free(vm->conts);
    free(vm->blocks);
    free(vm->summaries);
    free(vm->summary_ok);
    vm->conts = NULL;
    vm->blocks = NULL;
    vm->summaries = NULL;
    vm->summary_ok = NULL;
}

int vm_emit_chiplet(vm_t *vm, const chiplet_request_t *r)
{
    if (vm->tracer->chiplet(vm->tracer->ctx, r) != 0) {
        vm_fail(vm, XERR_OUT_OF_MEMORY, 0, 0, "chiplet",
                "out of memory keeping a chiplet request");
        return -1;
    }
    return 0;
}

/* Indexed by exec_error_kind_t; stored in corpora and exports, so a name
 * never changes once released. */
static const char *const error_kind_names[] = {
    [XERR_NONE] = "none",
    [XERR_FAILED_ASSERTION] = "failed_assertion",
    [XERR_NOT_U32] = "not_u32",
    [XERR_DIVIDE_BY_ZERO] = "divide_by_zero",
    [XERR_NOT_BINARY] = "not_binary",
    [XERR_MEMORY_ADDRESS] = "memory_address",
    [XERR_MEMORY_ALIGNMENT] = "memory_alignment",
    [XERR_ADVICE_STACK_EMPTY] = "advice_stack_empty",
    [XERR_ADVICE_MAP_KEY] = "advice_map_key",
    [XERR_DYN_NOT_FOUND] = "dyn_not_found",
    [XERR_EXTERNAL_NOT_FOUND] = "external_not_found",
    [XERR_SYSCALL_NOT_IN_KERNEL] = "syscall_not_in_kernel",
    [XERR_STACK_DEPTH_ON_RETURN] = "stack_depth_on_return",
    [XERR_OUTPUT_STACK_OVERFLOW] = "output_stack_overflow",
    [XERR_STACK_OVERFLOW] = "stack_overflow",
    [XERR_CYCLE_LIMIT] = "cycle_limit",
    [XERR_EVENT] = "event",
    [XERR_LOG_ARGUMENT_ZERO] = "log_argument_zero",
    [XERR_FRI_DOMAIN_SEGMENT] = "fri_domain_segment",
    [XERR_FRI_LAYER_FOLDING] = "fri_layer_folding",
    [XERR_MERKLE_INDEX] = "merkle_node_index",
    [XERR_MERKLE_LOOKUP] = "merkle_store_lookup",
    [XERR_MERKLE_VERIFY] = "merkle_path_verification",
    [XERR_ACE] = "ace_evaluation",
    [XERR_NOT_SUPPORTED] = "not_supported",
    [XERR_CONTEXT] = "context",
    [XERR_TRACE_TOO_LONG] = "trace_too_long",
    [XERR_OUT_OF_MEMORY] = "out_of_memory",
};
#define N_ERROR_KINDS (sizeof error_kind_names / sizeof error_kind_names[0])

const char *exec_error_kind_name(exec_error_kind_t kind)
{
    return (size_t)kind < N_ERROR_KINDS ? error_kind_names[kind] : "unknown";
}

int exec_error_kind_parse(const char *name, exec_error_kind_t *kind)
{
    for (size_t k = 0; k < N_ERROR_KINDS; k++)
        if (!strcmp(name, error_kind_names[k])) {
            *kind = (exec_error_kind_t)k;
            return 0;
        }
    return -1;
}

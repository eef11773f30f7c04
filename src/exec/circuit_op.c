/*
 * circuit_op.c - the eval_circuit operation (circuit_op.h).
 *
 * Upstream (0xMiden/miden-vm v0.19.0): processor/src/fast/operation.rs
 * (op_eval_circuit, eval_circuit_fast_), processor/src/parallel/mod.rs (the
 * same for the fragment builder), processor/src/chiplets/ace/mod.rs.
 */
#include "exec/circuit_op.h"

#include <stdarg.h>
#include <stdio.h>

#include "chiplets/ace.h"
#include "exec/addr.h"

static int fail(vm_t *vm, const op_t *op, exec_error_kind_t kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(vm_t *vm, const op_t *op, exec_error_kind_t kind, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vm_fail(vm, kind, op->line, op->col, op_by_code(op->opcode)->name, "%s", msg);
    return -1;
}

/* The memory address a (a felt) as upstream's read_word / read_element
 * check it: below 2^32, and word-aligned for a word. */
static int check(vm_t *vm, const op_t *op, felt_t a, int word)
{
    const int rc = mem_addr_check(a, word);
    if (rc == ADDR_OUT_OF_BOUNDS)
        return fail(vm, op, XERR_MEMORY_ADDRESS, "memory address %llu is not below 2^32",
                    (unsigned long long)a);
    if (rc == ADDR_UNALIGNED)
        return fail(vm, op, XERR_MEMORY_ALIGNMENT, "word access at address %llu in context %llu "
                    "is not word-aligned (a multiple of 4)", (unsigned long long)a,
                    (unsigned long long)vm->ctx);
    return 0;
}

static int ace_failed(vm_t *vm, const op_t *op, ace_status_t st, felt_t n_vars, felt_t n_evals)
{
    if (st == ACE_OUT_OF_MEMORY)
        return fail(vm, op, XERR_OUT_OF_MEMORY, "%s", ace_status_message(st));
    if (st == ACE_TOO_MANY_WIRES)
        return fail(vm, op, XERR_ACE, "%s but was %llu", ace_status_message(st),
                    (unsigned long long)(n_vars + n_evals));
    if (st == ACE_NUM_VARS)
        return fail(vm, op, XERR_ACE, "%s but was %llu", ace_status_message(st),
                    (unsigned long long)n_vars);
    if (st == ACE_NUM_EVALS)
        return fail(vm, op, XERR_ACE, "%s but was %llu", ace_status_message(st),
                    (unsigned long long)n_evals);
    return fail(vm, op, XERR_ACE, "%s", ace_status_message(st));
}

int eval_circuit_execute(vm_t *vm, const op_t *op)
{
    const felt_t *s = OPSTACK_S(&vm->stack);
    const felt_t n_vars = s[1], n_evals = s[2];
    felt_t ptr = s[0];
    ace_eval_t ev;
    ace_status_t st = ace_eval_start(&ev, vm->ctx, vm->clk, ptr, n_vars, n_evals);
    if (st != ACE_OK)
        return ace_failed(vm, op, st, n_vars, n_evals);
    int rc = -1;
    /* READ: one word per two variables, at ptr, ptr + 4, ... */
    for (uint32_t i = 0; i < ev.n_read; i++, ptr = felt_add(ptr, 4)) {
        felt_t w[4];
        if (check(vm, op, ptr, 1) != 0)
            goto out;
        for (uint32_t k = 0; k < 4; k++)
            if (vm_mem_read(vm, (uint32_t)ptr + k, &w[k]) != 0)
                goto out;
        if (vm_request_memory(vm, MEM_READ_WORD, (uint32_t)ptr, w) != 0)
            goto out;
        if ((st = ace_eval_read(&ev, w)) != ACE_OK) {
            ace_failed(vm, op, st, n_vars, n_evals);
            goto out;
        }
    }
    /* EVAL: one element per gate, from where the words end. */
    for (uint32_t j = 0; j < ev.n_eval; j++, ptr = felt_add(ptr, 1)) {
        felt_t e;
        if (check(vm, op, ptr, 0) != 0 || vm_mem_read(vm, (uint32_t)ptr, &e) != 0 ||
            vm_request_memory(vm, MEM_READ_ELEMENT, (uint32_t)ptr, &e) != 0)
            goto out;
        if ((st = ace_eval_gate(&ev, e)) != ACE_OK) {
            ace_failed(vm, op, st, n_vars, n_evals);
            goto out;
        }
    }
    if (!ace_eval_output_is_zero(&ev)) {
        ace_failed(vm, op, ACE_NOT_ZERO, n_vars, n_evals);
        goto out;
    }
    rc = vm_request_ace(vm, &ev, ace_eval_rows(&ev));
out:
    ace_eval_free(&ev);
    return rc;
}

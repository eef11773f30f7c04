/*
 * opstack.c - the operand stack (see opstack.h).
 */
#include "opstack.h"

void opstack_init(opstack_t *st, const felt_t *inputs, uint32_t n)
{
    /*@ loop invariant 0 <= i <= STACK_TOP;
        loop invariant \forall integer k; 0 <= k < i ==> canonical(st->s[k]);
        loop assigns i, st->s[0 .. STACK_TOP - 1];
        loop variant STACK_TOP - i;
    */
    for (uint32_t i = 0; i < STACK_TOP; i++)
        st->s[i] = i < n ? inputs[n - 1 - i] : 0; /* the last input is the top */
    st->n_ovf = 0;
    st->base = 0;
    st->buf_top = STACK_BUF_START;
}

int opstack_push(opstack_t *st, felt_t v, uint64_t clk)
{
    if (st->buf_top >= STACK_BUF_SIZE - 1 || st->n_ovf >= STACK_OVF_MAX)
        return -1;
    st->buf_top++;
    st->ovf[st->n_ovf].value = st->s[STACK_TOP - 1];
    st->ovf[st->n_ovf].clk = clk;
    st->n_ovf++;
    /*@ loop invariant 0 <= i <= STACK_TOP - 1;
        loop invariant \forall integer k; 0 <= k < STACK_TOP ==> canonical(st->s[k]);
        loop assigns i, st->s[1 .. STACK_TOP - 1];
        loop variant i;
    */
    for (uint32_t i = STACK_TOP - 1; i > 0; i--)
        st->s[i] = st->s[i - 1];
    st->s[0] = v;
    return 0;
}

felt_t opstack_pop(opstack_t *st)
{
    const felt_t top = st->s[0];
    /*@ loop invariant 0 <= i <= STACK_TOP - 1;
        loop invariant \forall integer k; 0 <= k < STACK_TOP ==> canonical(st->s[k]);
        loop assigns i, st->s[0 .. STACK_TOP - 2];
        loop variant STACK_TOP - 1 - i;
    */
    for (uint32_t i = 0; i < STACK_TOP - 1; i++)
        st->s[i] = st->s[i + 1];
    if (st->n_ovf > st->base) {
        st->n_ovf--;
        st->s[STACK_TOP - 1] = felt_from_u64(st->ovf[st->n_ovf].value);
    } else {
        st->s[STACK_TOP - 1] = 0;
    }
    /* Upstream re-bases its 16 top elements when they reach the buffer's
       bottom, then moves the top down. */
    if (st->buf_top <= STACK_TOP)
        st->buf_top = STACK_BUF_START;
    st->buf_top--;
    return top;
}

uint32_t opstack_start_context(opstack_t *st)
{
    const uint32_t saved = st->base;
    st->base = st->n_ovf;
    return saved;
}

void opstack_end_context(opstack_t *st, uint32_t saved_base)
{
    const uint32_t hidden = st->n_ovf - saved_base;
    st->base = saved_base;
    /* Upstream copies the hidden entries back below its 16 top elements,
       re-basing when they do not fit below the current bottom. */
    if (st->buf_top - STACK_TOP < hidden) {
        const uint32_t t = STACK_BUF_START + hidden;
        st->buf_top = t < STACK_BUF_SIZE - 1 ? t : STACK_BUF_SIZE - 1;
    }
}

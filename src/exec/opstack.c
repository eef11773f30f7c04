/*
 * opstack.c - the operand stack (see opstack.h).
 */
#include "opstack.h"

void opstack_init(opstack_t *st, const felt_t *inputs, uint32_t n)
{
    /*@ loop invariant 0 <= i <= STACK_WIN;
        loop invariant \forall integer k; 0 <= k < i ==> st->win[k] == 0;
        loop assigns i, st->win[0 .. STACK_WIN - 1];
        loop variant STACK_WIN - i;
    */
    for (uint32_t i = 0; i < STACK_WIN; i++)
        st->win[i] = 0;
    /*@ loop invariant 0 <= i <= STACK_TOP;
        loop invariant \forall integer k; 0 <= k < STACK_WIN ==> canonical(st->win[k]);
        loop assigns i, st->win[STACK_WIN_MID .. STACK_WIN_MID + STACK_TOP - 1];
        loop variant STACK_TOP - i;
    */
    for (uint32_t i = 0; i < STACK_TOP; i++) {
        const felt_t v = i < n ? inputs[n - 1 - i] : 0; /* the last input is the top */
        //@ assert canonical(v);
        st->win[STACK_WIN_MID + i] = v;
    }
    /*@ loop invariant 0 <= i <= STACK_OVF_MAX;
        loop invariant \forall integer k; 0 <= k < i ==> st->ovf[k].value == 0;
        loop assigns i, st->ovf[0 .. STACK_OVF_MAX - 1];
        loop variant STACK_OVF_MAX - i;
    */
    for (uint32_t i = 0; i < STACK_OVF_MAX; i++) {
        st->ovf[i].value = 0;
        st->ovf[i].clk = 0;
    }
    st->off = STACK_WIN_MID;
    st->n_ovf = 0;
    st->base = 0;
    st->buf_top = STACK_BUF_START;
}

void opstack_center(opstack_t *st)
{
    /* Through a copy: the old and new places may overlap. */
    felt_t t[STACK_TOP];
    /*@ loop invariant 0 <= i <= STACK_TOP;
        loop invariant \forall integer k; 0 <= k < i ==> canonical(t[k]);
        loop assigns i, t[0 .. STACK_TOP - 1];
        loop variant STACK_TOP - i;
    */
    for (uint32_t i = 0; i < STACK_TOP; i++)
        t[i] = st->win[st->off + i];
    /*@ loop invariant 0 <= i <= STACK_TOP;
        loop invariant \forall integer k; 0 <= k < STACK_WIN ==> canonical(st->win[k]);
        loop assigns i, st->win[STACK_WIN_MID .. STACK_WIN_MID + STACK_TOP - 1];
        loop variant STACK_TOP - i;
    */
    for (uint32_t i = 0; i < STACK_TOP; i++)
        st->win[STACK_WIN_MID + i] = t[i];
    st->off = STACK_WIN_MID;
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

/*
 * opstack.h - the operand stack: 16 visible elements s0..s15 and the
 * overflow table below them, shared by all execution contexts.
 *
 * Each overflow entry remembers the clk of the row whose operation pushed
 * it there (b1). A context sees only its own entries: CALL, SYSCALL and
 * DYNCALL hide the caller's (`base`), END of the call shows them again.
 * Depth b0 = 16 + visible entries; never below 16 (a pop at depth 16
 * shifts in a zero). Rules: spec/core-trace.md section 7.
 *
 * The 16 visible elements are a window sliding over a small buffer
 * (s_i = win[off + i], OPSTACK_S): a push or pop moves `off` by one and
 * writes one slot, where shifting all 16 cost a 120-byte memmove each
 * time; when the window reaches an end of the buffer it is copied back to
 * the middle (opstack_center), at most once per STACK_WIN_MID pushes or
 * pops. Push and pop are static inline: they are the executor's hottest
 * code.
 *
 * Upstream keeps all contexts' stacks in one buffer of 6850 slots and fails
 * with "stack overflow" when it is full; `buf_top` replays its top index so
 * that fragtrace fails on exactly the same programs (spec/operations.md
 * section 9; processor/src/fast/mod.rs at v0.19.0).
 */
#ifndef FRAGTRACE_EXEC_OPSTACK_H
#define FRAGTRACE_EXEC_OPSTACK_H

#include <stdint.h>
#include "field/felt.h"

#define STACK_TOP 16
#define STACK_BUF_SIZE 6850       /* upstream STACK_BUFFER_SIZE */
#define STACK_BUF_START 250       /* upstream INITIAL_STACK_TOP_IDX */
/* Overflow entries never exceed the buffer, so a fixed table suffices. */
#define STACK_OVF_MAX STACK_BUF_SIZE
/* The window's buffer, and where a recentred window starts. */
#define STACK_WIN 256
#define STACK_WIN_MID 120

typedef struct {
    felt_t value;
    uint64_t clk;     /* row whose operation pushed the entry into the table */
} ovf_entry_t;

typedef struct {
    felt_t win[STACK_WIN];            /* s_i = win[off + i]; s0 is the top */
    uint32_t off;
    ovf_entry_t ovf[STACK_OVF_MAX];   /* all contexts, oldest first */
    uint32_t n_ovf;                   /* entries in use */
    uint32_t base;                    /* first entry of the current context */
    uint32_t buf_top;                 /* upstream's buffer top index */
} opstack_t;

/* s0..s15 as an array, s0 first: valid until the next push or pop. */
#define OPSTACK_S(st) ((st)->win + (st)->off)

/* Every slot of the window's buffer and of the overflow table holds a
 * canonical value (not only the 16 visible ones and the entries in use): a
 * property that does not move with the window is what lets the provers
 * follow it through pushes, pops and recentring. */
/*@ predicate opstack_ok(opstack_t *st) =
      st->off <= STACK_WIN - STACK_TOP &&
      st->base <= st->n_ovf <= STACK_OVF_MAX &&
      STACK_TOP <= st->buf_top < STACK_BUF_SIZE &&
      (\forall integer j; 0 <= j < STACK_WIN ==> canonical(st->win[j])) &&
      (\forall integer k; 0 <= k < STACK_OVF_MAX ==> canonical(st->ovf[k].value));
*/

/* Initial stack: inputs listed last-on-top (v0.19.0 StackInputs order). */
/*@ requires \valid(st) && n <= STACK_TOP && \valid_read(inputs + (0 .. n - 1));
    requires \separated(st, inputs + (0 .. n - 1));
    requires \forall integer i; 0 <= i < n ==> canonical(inputs[i]);
    assigns *st;
    ensures opstack_ok(st) && st->n_ovf == 0 && st->base == 0;
*/
void opstack_init(opstack_t *st, const felt_t *inputs, uint32_t n);

/* Move the window to the middle of its buffer, keeping s0..s15 (the
 * contents are checked by the executable tests: t_opstack and every trace). */
/*@ requires \valid(st) && opstack_ok(st);
    assigns st->off, st->win[STACK_WIN_MID .. STACK_WIN_MID + STACK_TOP - 1];
    ensures opstack_ok(st) && st->off == STACK_WIN_MID;
*/
void opstack_center(opstack_t *st);

/* Depth of the current context (b0). */
/*@ requires \valid_read(st) && opstack_ok(st);
    assigns \nothing;
    ensures \result == STACK_TOP + st->n_ovf - st->base;
*/
static inline uint64_t opstack_depth(const opstack_t *st)
{
    return STACK_TOP + (uint64_t)(st->n_ovf - st->base);
}

/* b1: clk tag of the current context's top overflow entry, 0 if none. */
/*@ requires \valid_read(st) && opstack_ok(st);
    assigns \nothing;
*/
static inline uint64_t opstack_b1(const opstack_t *st)
{
    return st->n_ovf > st->base ? st->ovf[st->n_ovf - 1].clk : 0;
}

/* Grow by one: s0 = v, the old s15 enters the overflow table tagged clk.
 * Returns 0, or -1 when upstream's stack buffer would overflow. */
/*@ requires \valid(st) && opstack_ok(st) && canonical(v);
    assigns *st;
    ensures \result == 0 || \result == -1;
    ensures \result == 0 ==> opstack_ok(st) && st->win[st->off] == v &&
      st->n_ovf == \old(st->n_ovf) + 1 && st->base == \old(st->base);
    ensures \result == -1 ==> opstack_ok(st);
*/
static inline int opstack_push(opstack_t *st, felt_t v, uint64_t clk)
{
    if (st->buf_top >= STACK_BUF_SIZE - 1 || st->n_ovf >= STACK_OVF_MAX)
        return -1;
    if (st->off == 0)
        opstack_center(st);
    st->buf_top++;
    st->ovf[st->n_ovf].value = st->win[st->off + STACK_TOP - 1];
    st->ovf[st->n_ovf].clk = clk;
    st->n_ovf++;
    st->off--;
    st->win[st->off] = v;
    return 0;
}

/* Shrink by one: returns the old s0; s15 comes from the overflow table
 * (or is 0 at depth 16). */
/*@ requires \valid(st) && opstack_ok(st);
    assigns *st;
    ensures opstack_ok(st) && canonical(\result) && st->base == \old(st->base);
    ensures \old(st->n_ovf) > \old(st->base) ==> st->n_ovf == \old(st->n_ovf) - 1;
    ensures \old(st->n_ovf) == \old(st->base) ==> st->n_ovf == \old(st->n_ovf);
*/
static inline felt_t opstack_pop(opstack_t *st)
{
    if (st->off == STACK_WIN - STACK_TOP)
        opstack_center(st);
    const felt_t top = st->win[st->off];
    st->off++;
    if (st->n_ovf > st->base) {
        st->n_ovf--;
        st->win[st->off + STACK_TOP - 1] = st->ovf[st->n_ovf].value;
    } else {
        st->win[st->off + STACK_TOP - 1] = 0;
    }
    /* Upstream re-bases its 16 top elements when they reach the buffer's
       bottom, then moves the top down. */
    if (st->buf_top <= STACK_TOP)
        st->buf_top = STACK_BUF_START;
    st->buf_top--;
    return top;
}

/* Start a called context: hide the caller's overflow entries; returns the
 * caller's base, to give back to opstack_end_context. */
/*@ requires \valid(st) && opstack_ok(st);
    assigns st->base;
    ensures opstack_ok(st) && st->base == st->n_ovf && \result == \old(st->base);
*/
uint32_t opstack_start_context(opstack_t *st);

/* Return from a called context whose depth is 16: show the caller's
 * entries again. */
/*@ requires \valid(st) && opstack_ok(st) && st->n_ovf == st->base;
    requires saved_base <= st->n_ovf;
    assigns st->base, st->buf_top;
    ensures opstack_ok(st) && st->base == saved_base;
*/
void opstack_end_context(opstack_t *st, uint32_t saved_base);

#endif

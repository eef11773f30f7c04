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

typedef struct {
    felt_t value;
    uint64_t clk;     /* row whose operation pushed the entry into the table */
} ovf_entry_t;

typedef struct {
    felt_t s[STACK_TOP];              /* s[0] = top */
    ovf_entry_t ovf[STACK_OVF_MAX];   /* all contexts, oldest first */
    uint32_t n_ovf;                   /* entries in use */
    uint32_t base;                    /* first entry of the current context */
    uint32_t buf_top;                 /* upstream's buffer top index */
} opstack_t;

/*@ predicate opstack_ok(opstack_t *st) =
      st->base <= st->n_ovf <= STACK_OVF_MAX &&
      STACK_TOP <= st->buf_top < STACK_BUF_SIZE &&
      (\forall integer i; 0 <= i < STACK_TOP ==> canonical(st->s[i]));
*/

/* Initial stack: inputs listed last-on-top (v0.19.0 StackInputs order). */
/*@ requires \valid(st) && n <= STACK_TOP && \valid_read(inputs + (0 .. n - 1));
    requires \separated(st, inputs + (0 .. n - 1));
    requires \forall integer i; 0 <= i < n ==> canonical(inputs[i]);
    assigns *st;
    ensures opstack_ok(st) && st->n_ovf == 0 && st->base == 0;
*/
void opstack_init(opstack_t *st, const felt_t *inputs, uint32_t n);

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
    ensures \result == 0 ==> opstack_ok(st) && st->s[0] == v &&
      st->n_ovf == \old(st->n_ovf) + 1 && st->base == \old(st->base);
    ensures \result == -1 ==> opstack_ok(st);
*/
int opstack_push(opstack_t *st, felt_t v, uint64_t clk);

/* Shrink by one: returns the old s0; s15 comes from the overflow table
 * (or is 0 at depth 16). */
/*@ requires \valid(st) && opstack_ok(st);
    assigns *st;
    ensures opstack_ok(st) && canonical(\result) && st->base == \old(st->base);
    ensures \old(st->n_ovf) > \old(st->base) ==> st->n_ovf == \old(st->n_ovf) - 1;
    ensures \old(st->n_ovf) == \old(st->base) ==> st->n_ovf == \old(st->n_ovf);
*/
felt_t opstack_pop(opstack_t *st);

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

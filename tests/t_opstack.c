/*
 * t_opstack.c - the operand stack: depth, overflow table, b1 tags,
 * contexts, and the depth limit replayed from upstream's buffer.
 */
#include "tap.h"
#include "exec/opstack.h"

int main(void)
{
    tap_plan(9);
    static opstack_t st;
    const felt_t in[3] = { 1, 2, 3 };
    opstack_init(&st, in, 3);
    tap_ok(OPSTACK_S(&st)[0] == 3 && OPSTACK_S(&st)[1] == 2 && OPSTACK_S(&st)[2] == 1 && OPSTACK_S(&st)[3] == 0 &&
           opstack_depth(&st) == 16 && opstack_b1(&st) == 0,
           "inputs are listed last-on-top; depth 16, b1 0");

    for (int i = 0; i < 20; i++)
        opstack_push(&st, 100 + (felt_t)i, 40 + (uint64_t)i);
    tap_ok(opstack_depth(&st) == 36 && opstack_b1(&st) == 59 && OPSTACK_S(&st)[0] == 119,
           "20 pushes: depth 36, b1 = clk of the last push");
    tap_ok(st.ovf[0].value == 0 && st.ovf[0].clk == 40,
           "the first push moved the old s15 (0) into the table, tagged with its clk");

    const uint32_t saved = opstack_start_context(&st);
    tap_ok(opstack_depth(&st) == 16 && opstack_b1(&st) == 0, "a new context starts at depth 16");
    opstack_push(&st, 7, 90);
    opstack_pop(&st);
    opstack_end_context(&st, saved);
    tap_ok(opstack_depth(&st) == 36 && opstack_b1(&st) == 59,
           "returning shows the caller's entries and tags again");

    for (int i = 0; i < 20; i++)
        opstack_pop(&st);
    tap_ok(opstack_depth(&st) == 16 && opstack_b1(&st) == 0 && OPSTACK_S(&st)[0] == 3 && OPSTACK_S(&st)[2] == 1,
           "20 pops restore the inputs");
    const felt_t top = opstack_pop(&st);
    tap_ok(top == 3 && opstack_depth(&st) == 16 && OPSTACK_S(&st)[15] == 0,
           "a pop at depth 16 shifts a zero into s15");

    opstack_init(&st, in, 0);
    int pushed = 0;
    while (opstack_push(&st, 1, 0) == 0)
        pushed++;
    tap_ok(pushed == STACK_BUF_SIZE - 1 - STACK_BUF_START,
           "the depth limit replays upstream's buffer: %d pushes from depth 16", pushed);
    tap_ok(opstack_depth(&st) == 16u + (unsigned)pushed, "a refused push leaves the stack as it was");
    return tap_done();
}

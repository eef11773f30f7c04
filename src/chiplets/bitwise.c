/*
 * bitwise.c - the bitwise chiplet's rows (spec/chiplets.md, "Bitwise").
 */
#include "chiplets/bitwise.h"

#include "air/layout.h"

/* Chiplet column k of a bitwise row. */
enum {
    BW_SEL0 = 0,     /* 1 */
    BW_SEL1 = 1,     /* 0 */
    BW_OP = 2,       /* 0 AND, 1 XOR */
    BW_A = 3,
    BW_B = 4,
    BW_A_BITS = 5,   /* 4 columns */
    BW_B_BITS = 9,   /* 4 columns */
    BW_PREV_OUT = 13,
    BW_OUT = 14,
    BW_USED = 15     /* columns 15-19 are 0 */
};

int bitwise_chiplet_fill(const chiplet_request_t *reqs, size_t from, size_t to, felt_t *cols,
                         uint64_t len, uint64_t row0)
{
    if (from > to)
        return -1;
    if (from == to)
        return 0;
    /* The last row written is row0 + 8 * to - 1; it must be below len. */
    if (row0 > len || (uint64_t)to > (len - row0) / BITWISE_OP_ROWS)
        return -1;
    for (size_t i = from; i < to; i++)
        if (reqs[i].kind != CHIPLET_BITWISE)
            return -1;

    felt_t *col[TRACE_CHIPLETS_WIDTH];
    for (int k = 0; k < TRACE_CHIPLETS_WIDTH; k++)
        col[k] = cols + (uint64_t)TRACE_COL_CHIPLET(k) * len;

    for (size_t i = from; i < to; i++) {
        const uint64_t a = reqs[i].bitwise.a, b = reqs[i].bitwise.b;
        const int is_xor = reqs[i].bitwise.is_xor != 0;
        uint64_t row = row0 + (uint64_t)BITWISE_OP_ROWS * i, out = 0;
        for (int shift = 28; shift >= 0; shift -= 4, row++) {
            const uint64_t a_acc = a >> shift, b_acc = b >> shift;
            const uint64_t limb = (is_xor ? a_acc ^ b_acc : a_acc & b_acc) & 0xF;
            col[BW_SEL0][row] = 1;
            col[BW_SEL1][row] = 0;
            col[BW_OP][row] = (felt_t)is_xor;
            col[BW_A][row] = a_acc;
            col[BW_B][row] = b_acc;
            for (int bit = 0; bit < 4; bit++) {
                col[BW_A_BITS + bit][row] = (a_acc >> bit) & 1;
                col[BW_B_BITS + bit][row] = (b_acc >> bit) & 1;
            }
            col[BW_PREV_OUT][row] = out;
            out = (out << 4) | limb;
            col[BW_OUT][row] = out;
            for (int k = BW_USED; k < TRACE_CHIPLETS_WIDTH; k++)
                col[k][row] = 0;
        }
    }
    return 0;
}

/*
 * layout.c - names of the 72 main-trace columns (layout.h).
 *
 * Names follow upstream v0.19.0 (paths relative to github 0xMiden/miden-vm
 * at that tag):
 *  - system, air/src/trace/mod.rs: clk, ctx, fn_hash[0..3];
 *  - decoder, air/src/trace/decoder/mod.rs: addr, op_bits[0..6],
 *    hasher_state[0..7] (HASHER_STATE_RANGE; older fragtrace text calls them
 *    h[0..7]; upstream's name is used here so it cannot be confused with the
 *    stack's h0), in_span, group_count, op_index, op_batch_flags[0..2],
 *    op_bits_extra[0..1];
 *  - stack, air/src/trace/stack/mod.rs: s0..s15, b0, b1, h0;
 *  - range checker, air/src/trace/range.rs: M_COL_IDX (multiplicity) and
 *    V_COL_IDX (value), here range_m and range_v;
 *  - chiplets, air/src/trace/chiplets/{mod,hasher,bitwise,memory,ace,
 *    kernel_rom}.rs and the accessors of air/src/trace/main_trace.rs:
 *    upstream has no single name for a chiplet column (main_trace.rs calls
 *    column k "chiplet column number k"; its meaning depends on which
 *    chiplet the row belongs to), so a column is named chiplets[k] followed
 *    by its role in every chiplet that uses it. sN are the chiplet
 *    selectors (chiplet_selector_N; hasher 0, bitwise 1 0, memory 1 1 0,
 *    ACE 1 1 1 0, kernel ROM 1 1 1 1 0, padding 1 1 1 1 1). Per chiplet:
 *    hasher (offset 1): its selectors s0..s2, state h0..h11 (docs
 *    design/chiplets/hasher.md), node_index (HASHER_NODE_INDEX_COL_IDX);
 *    bitwise (offset 2): s (AND/XOR), a, b, a0..a3, b0..b3, zp, z (docs
 *    design/chiplets/bitwise.md; PREV_OUTPUT_COL_IDX, OUTPUT_COL_IDX);
 *    memory (offset 3): the constant names of memory.rs; ACE (offset 4): the
 *    constant names of ace.rs (on READ rows id_2 is num_eval and v_2_1 is
 *    m_1); kernel ROM (offset 5): s_first, r0..r3 (main_trace.rs
 *    chiplet_kernel_root_0..3).
 *  - 71: the padding column (PADDED_TRACE_WIDTH rounds 71 up to 72).
 */
#include "air/layout.h"

#include <stddef.h>

static const char *const names[] = {
    /* system */
    "clk", "ctx", "fn_hash[0]", "fn_hash[1]", "fn_hash[2]", "fn_hash[3]",
    /* decoder */
    "addr", "op_bits[0]", "op_bits[1]", "op_bits[2]", "op_bits[3]", "op_bits[4]", "op_bits[5]",
    "op_bits[6]", "hasher_state[0]", "hasher_state[1]", "hasher_state[2]", "hasher_state[3]",
    "hasher_state[4]", "hasher_state[5]", "hasher_state[6]", "hasher_state[7]", "in_span",
    "group_count", "op_index", "op_batch_flags[0]", "op_batch_flags[1]", "op_batch_flags[2]",
    "op_bits_extra[0]", "op_bits_extra[1]",
    /* stack */
    "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13", "s14",
    "s15", "b0", "b1", "h0",
    /* range checker */
    "range_m", "range_v",
    /* chiplets */
    "chiplets[0] (s0)",
    "chiplets[1] (s1; hasher s0)",
    "chiplets[2] (s2; hasher s1; bitwise s)",
    "chiplets[3] (s3; hasher s2; bitwise a; memory is_read)",
    "chiplets[4] (s4; hasher h0; bitwise b; memory is_word_access; ace s_start)",
    "chiplets[5] (hasher h1; bitwise a0; memory ctx; ace s_block; kernel_rom s_first)",
    "chiplets[6] (hasher h2; bitwise a1; memory word; ace ctx; kernel_rom r0)",
    "chiplets[7] (hasher h3; bitwise a2; memory idx0; ace ptr; kernel_rom r1)",
    "chiplets[8] (hasher h4; bitwise a3; memory idx1; ace clk; kernel_rom r2)",
    "chiplets[9] (hasher h5; bitwise b0; memory clk; ace eval_op; kernel_rom r3)",
    "chiplets[10] (hasher h6; bitwise b1; memory v0; ace id_0)",
    "chiplets[11] (hasher h7; bitwise b2; memory v1; ace v_0_0)",
    "chiplets[12] (hasher h8; bitwise b3; memory v2; ace v_0_1)",
    "chiplets[13] (hasher h9; bitwise zp; memory v3; ace id_1)",
    "chiplets[14] (hasher h10; bitwise z; memory d0; ace v_1_0)",
    "chiplets[15] (hasher h11; memory d1; ace v_1_1)",
    "chiplets[16] (hasher node_index; memory d_inv; ace id_2/num_eval)",
    "chiplets[17] (memory flag_same_context_and_word; ace v_2_0)",
    "chiplets[18] (ace v_2_1/m_1)",
    "chiplets[19] (ace m_0)",
    /* padding */
    "padding",
};
/* One name per column, no more, no fewer. */
_Static_assert(sizeof names / sizeof names[0] == TRACE_NUM_COLUMNS, "a name for every column");

const char *trace_column_name(int col)
{
    return col >= 0 && col < TRACE_NUM_COLUMNS ? names[col] : NULL;
}

const char *trace_column_segment(int col)
{
    if (col < 0 || col >= TRACE_NUM_COLUMNS)
        return NULL;
    if (col < TRACE_DECODER_OFFSET)
        return "system";
    if (col < TRACE_STACK_OFFSET)
        return "decoder";
    if (col < TRACE_RANGE_OFFSET)
        return "stack";
    if (col < TRACE_CHIPLETS_OFFSET)
        return "range checker";
    if (col < TRACE_PADDING_OFFSET)
        return "chiplets";
    return "padding";
}

/*
 * layout.h - the 72 columns of the Miden VM v0.19.0 main trace: the one
 * place where they are numbered and named.
 *
 * Upstream (github 0xMiden/miden-vm, tag v0.19.0): air/src/trace/mod.rs
 * (segments), air/src/trace/decoder/mod.rs, air/src/trace/stack/mod.rs,
 * air/src/trace/range.rs, air/src/trace/chiplets/{mod,hasher,bitwise,memory,
 * ace,kernel_rom}.rs and air/src/trace/main_trace.rs (the accessors).
 *
 *      system    decoder    stack     range checker  chiplets   padding
 *      0-5       6-29       30-48     49-50          51-70      71
 *
 * This header is the bottom of the dependency graph: it includes nothing of
 * fragtrace, so that every layer (executor, builders, corpus, CLI) can name
 * columns the same way.
 */
#ifndef FRAGTRACE_AIR_LAYOUT_H
#define FRAGTRACE_AIR_LAYOUT_H

/* Segments: first column and width. */
#define TRACE_SYS_OFFSET 0
#define TRACE_SYS_WIDTH 6
#define TRACE_DECODER_OFFSET 6
#define TRACE_DECODER_WIDTH 24
#define TRACE_STACK_OFFSET 30
#define TRACE_STACK_WIDTH 19
#define TRACE_RANGE_OFFSET 49
#define TRACE_RANGE_WIDTH 2
#define TRACE_CHIPLETS_OFFSET 51
#define TRACE_CHIPLETS_WIDTH 20
#define TRACE_PADDING_OFFSET 71   /* upstream pads TRACE_WIDTH (71) to a multiple of 8 */
#define TRACE_NUM_COLUMNS 72      /* PADDED_TRACE_WIDTH */

/* The core: system, decoder and stack (columns 0-48). */
#define TRACE_CORE_WIDTH (TRACE_SYS_WIDTH + TRACE_DECODER_WIDTH + TRACE_STACK_WIDTH)

/* System (air/src/trace/mod.rs). */
#define TRACE_COL_CLK 0
#define TRACE_COL_CTX 1
#define TRACE_COL_FN_HASH 2          /* 4 columns */

/* Decoder (air/src/trace/decoder/mod.rs). */
#define TRACE_COL_ADDR 6
#define TRACE_COL_OP_BITS 7          /* 7 columns, least significant bit first */
#define TRACE_COL_HASHER_STATE 14    /* 8 columns; [2..8] are the 6 user-op helpers */
#define TRACE_COL_USER_OP_HELPERS 16 /* 6 columns */
#define TRACE_COL_IN_SPAN 22
#define TRACE_COL_GROUP_COUNT 23
#define TRACE_COL_OP_INDEX 24
#define TRACE_COL_OP_BATCH_FLAGS 25  /* 3 columns */
#define TRACE_COL_OP_BITS_EXTRA 28   /* 2 columns */

/* Stack (air/src/trace/stack/mod.rs). */
#define TRACE_COL_STACK_TOP 30       /* 16 columns s0..s15, s0 the top */
#define TRACE_COL_STACK_B0 46        /* depth */
#define TRACE_COL_STACK_B1 47        /* overflow address */
#define TRACE_COL_STACK_H0 48        /* 1 / (b0 - 16), or 0 */

/* Range checker (air/src/trace/range.rs). */
#define TRACE_COL_RANGE_M 49         /* multiplicity */
#define TRACE_COL_RANGE_V 50         /* value */

/* Chiplets (air/src/trace/chiplets/mod.rs): 20 columns shared by the
 * chiplets stacked one under another; chiplet column k is main column
 * TRACE_CHIPLETS_OFFSET + k. Columns 0-4 hold the chiplet selectors (a
 * chiplet's prefix of them, then its own columns). */
#define TRACE_COL_CHIPLET(k) (TRACE_CHIPLETS_OFFSET + (k))

#define TRACE_COL_PADDING 71

/* The column's name as upstream names it, e.g. "clk", "hasher_state[3]",
 * "s15", "b0", "h0", "range_m", or for a chiplet column "chiplets[k]"
 * followed by what it holds in each chiplet; NULL outside 0..71. The
 * string is static. */
const char *trace_column_name(int col);

/* The segment holding col: "system", "decoder", "stack", "range checker",
 * "chiplets" or "padding"; NULL outside 0..71. */
const char *trace_column_segment(int col);

#endif

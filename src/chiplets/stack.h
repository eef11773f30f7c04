/*
 * stack.h - how the five chiplets share the 20 chiplet columns (main trace
 * columns 51-70): they are stacked one under another, hasher first, then
 * bitwise, memory, ACE and kernel ROM, then padding rows down to the last
 * row before the random one. Each chiplet is told apart by a prefix of the
 * first five chiplet columns (the selectors): the hasher's rows start with
 * 0, bitwise with 1 0, memory with 1 1 0, ACE with 1 1 1 0, kernel ROM with
 * 1 1 1 1 0, padding with 1 1 1 1 1.
 *
 * Rules and their upstream sources (0xMiden/miden-vm v0.19.0): spec/chiplets.md.
 */
#ifndef FRAGTRACE_CHIPLETS_STACK_H
#define FRAGTRACE_CHIPLETS_STACK_H

#include <stdint.h>

#include "exec/tracer.h"
#include "field/felt.h"

/* Selector columns at the start of the chiplet columns. */
#define CHIPLET_NUM_SELECTORS 5

/* How many selector columns each chiplet's prefix takes (its last one is
 * the 0 that ends the prefix); its own columns follow. */
#define CHIPLET_HASHER_SELECTORS 1
#define CHIPLET_BITWISE_SELECTORS 2
#define CHIPLET_MEMORY_SELECTORS 3
#define CHIPLET_ACE_SELECTORS 4
#define CHIPLET_KERNEL_ROM_SELECTORS 5

/* Rows of random values at the end of the main trace, and the shortest
 * main trace. */
#define TRACE_NUM_RAND_ROWS 1
#define TRACE_MIN_LEN 64

/* Row counts and first rows of the stacked chiplets (0-based main-trace
 * rows). */
typedef struct {
    uint64_t hasher_rows, bitwise_rows, memory_rows, ace_rows, kernel_rom_rows;
    uint64_t hasher_start;      /* always 0 */
    uint64_t bitwise_start;
    uint64_t memory_start;
    uint64_t ace_start;
    uint64_t kernel_rom_start;
    uint64_t padding_start;     /* first padding row */
} chiplets_layout_t;

/* The layout from each chiplet's row count: hasher rows, 8 rows per
 * bitwise operation, one row per memory access, the ACE rows, and the
 * kernel ROM rows (kernel_rom_len). Returns 0, or -1 if the rows do not
 * fit in 64 bits. */
int chiplets_layout_init(chiplets_layout_t *l, uint64_t hasher_rows, uint64_t bitwise_ops,
                         uint64_t mem_accesses, uint64_t ace_rows, uint64_t kernel_rom_rows);

/* The layout from the executor's counts: kernel ROM rows are one per kernel
 * procedure (n_kernel_procs) plus one per syscall. */
int chiplets_layout_from_counts(chiplets_layout_t *l, const chiplet_counts_t *c,
                                uint64_t n_kernel_procs, uint64_t ace_rows);

/* Rows the chiplets need: every chiplet's rows plus one padding row that
 * is always there. */
uint64_t chiplets_len(const chiplets_layout_t *l);

/* The main trace's length: the longest of the core, the range checker
 * table and the chiplets (chiplets_len), plus the random row, rounded up
 * to a power of two, and at least TRACE_MIN_LEN. 0 if it exceeds 2^63. */
uint64_t chiplets_main_trace_len(uint64_t core_len, uint64_t range_len, uint64_t chiplets_len);

/* Write the padding rows that fall in [from, to) into a column-major
 * buffer of len rows (cell (row, col) is cols[col * len + row]): chiplet
 * columns 0-4 are 1, 5-19 are 0. The padding rows are
 * [padding_start, len - TRACE_NUM_RAND_ROWS); rows of [from, to) outside
 * them are left alone, so that threads can split any range. Returns 0, or
 * -1 if the chiplets and the random row do not fit in len rows. */
int chiplets_fill_padding(const chiplets_layout_t *l, felt_t *cols, uint64_t len, uint64_t from,
                          uint64_t to);

#endif

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
#include "trace/row_writer.h"

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

/*@ // The stacking: each chiplet starts where the one before it ends
    // (hasher, bitwise, memory, ACE, kernel ROM, then padding), and the
    // rows of all of them plus the padding row that is always there fit
    // in 64 bits (padding_start + 1 does not wrap).
    predicate chiplets_layout_ok{L}(chiplets_layout_t *l) =
      l->hasher_start == 0 &&
      l->bitwise_start == l->hasher_start + l->hasher_rows &&
      l->memory_start == l->bitwise_start + l->bitwise_rows &&
      l->ace_start == l->memory_start + l->memory_rows &&
      l->kernel_rom_start == l->ace_start + l->ace_rows &&
      l->padding_start == l->kernel_rom_start + l->kernel_rom_rows &&
      l->padding_start < 18446744073709551615;

    // The layout made of these row counts (bitwise: 8 rows per operation).
    predicate chiplets_layout_is{L}(chiplets_layout_t *l, integer hasher, integer bitwise_ops,
                                    integer mem, integer ace, integer krom) =
      chiplets_layout_ok(l) &&
      l->hasher_rows == hasher && l->bitwise_rows == 8 * bitwise_ops &&
      l->memory_rows == mem && l->ace_rows == ace && l->kernel_rom_rows == krom;

    // The rows such a layout needs fit in 64 bits: every start and the
    // padding row after the last chiplet.
    predicate chiplets_rows_fit(integer hasher, integer bitwise_ops, integer mem, integer ace,
                                integer krom) =
      hasher + 8 * bitwise_ops + mem + ace + krom + 1 <= 18446744073709551615;

    logic integer max3(integer a, integer b, integer c) =
      a >= b ? (a >= c ? a : c) : (b >= c ? b : c);

    logic integer pow2(integer k) = k <= 0 ? 1 : 2 * pow2(k - 1);
*/

/* The layout from each chiplet's row count: hasher rows, 8 rows per
 * bitwise operation, one row per memory access, the ACE rows, and the
 * kernel ROM rows (kernel_rom_len). Returns 0, or -1 (leaving *l alone)
 * if the rows do not fit in 64 bits. Proved: the starts are the cumulative
 * sums of the row counts in the stacking order, nothing wraps. */
/*@ requires \valid(l);
    assigns *l;
    behavior fits:
      assumes chiplets_rows_fit(hasher_rows, bitwise_ops, mem_accesses, ace_rows,
                                kernel_rom_rows);
      assigns *l;
      ensures \result == 0;
      ensures chiplets_layout_is(l, hasher_rows, bitwise_ops, mem_accesses, ace_rows,
                                 kernel_rom_rows);
    behavior too_many:
      assumes !chiplets_rows_fit(hasher_rows, bitwise_ops, mem_accesses, ace_rows,
                                 kernel_rom_rows);
      assigns \nothing;
      ensures \result == -1 && *l == \old(*l);
    complete behaviors;
    disjoint behaviors;
*/
int chiplets_layout_init(chiplets_layout_t *l, uint64_t hasher_rows, uint64_t bitwise_ops,
                         uint64_t mem_accesses, uint64_t ace_rows, uint64_t kernel_rom_rows);

/* The layout from the executor's counts: kernel ROM rows are one per kernel
 * procedure (n_kernel_procs) plus one per syscall. */
/*@ requires \valid(l) && \valid_read(c) && \separated(l, c);
    assigns *l;
    behavior fits:
      assumes chiplets_rows_fit(c->hasher_rows, c->bitwise_ops, c->mem_accesses, ace_rows,
                                n_kernel_procs + c->kernel_accesses);
      assigns *l;
      ensures \result == 0;
      ensures chiplets_layout_is(l, \old(c->hasher_rows), \old(c->bitwise_ops),
                                 \old(c->mem_accesses), ace_rows,
                                 n_kernel_procs + \old(c->kernel_accesses));
    behavior too_many:
      assumes !chiplets_rows_fit(c->hasher_rows, c->bitwise_ops, c->mem_accesses, ace_rows,
                                 n_kernel_procs + c->kernel_accesses);
      ensures \result == -1 && *l == \old(*l);
    complete behaviors;
    disjoint behaviors;
*/
int chiplets_layout_from_counts(chiplets_layout_t *l, const chiplet_counts_t *c,
                                uint64_t n_kernel_procs, uint64_t ace_rows);

/* Rows the chiplets need: every chiplet's rows plus one padding row that
 * is always there. */
/*@ requires \valid_read(l) && l->padding_start < 18446744073709551615;
    assigns \nothing;
    ensures \result == l->padding_start + 1;
*/
uint64_t chiplets_len(const chiplets_layout_t *l);

/* The main trace's length: the longest of the core, the range checker
 * table and the chiplets (chiplets_len), plus the random row, rounded up
 * to a power of two, and at least TRACE_MIN_LEN. 0 if it exceeds 2^63. */
/*@ assigns \nothing;
    ensures \result == 0 <==> max3(core_len, range_len, chiplets_len) >= 9223372036854775808;
    ensures \result != 0 ==>
      (\exists integer k; 6 <= k <= 63 && \result == pow2(k)) &&
      \result >= TRACE_MIN_LEN &&
      \result > core_len && \result > range_len && \result > chiplets_len &&
      // the least such power of two
      (\result == TRACE_MIN_LEN || \result / 2 <= max3(core_len, range_len, chiplets_len));
*/
uint64_t chiplets_main_trace_len(uint64_t core_len, uint64_t range_len, uint64_t chiplets_len);

/* Write the padding rows that fall in [from, to) into a column-major
 * buffer of len rows (cell (row, col) is cols[col * len + row]): chiplet
 * columns 0-4 are 1, 5-19 are 0. The padding rows are
 * [padding_start, len - TRACE_NUM_RAND_ROWS); rows of [from, to) outside
 * them are left alone, so that threads can split any range. Returns 0, or
 * -1 if the chiplets and the random row do not fit in len rows. The
 * contract below is written but not yet proved (proofs/wp.sh, EXCLUDED). */
/*@ logic integer pad_lo(integer from, integer padding_start) =
      from > padding_start ? from : padding_start;
    logic integer pad_hi(integer to, integer len) = to < len - 1 ? to : len - 1;
*/
/*@ requires \valid_read(l) && l->padding_start < 18446744073709551615;
    requires len <= TRACE_MAX_LEN;
    requires \valid(cols + (TRACE_CHIPLETS_OFFSET * len ..
                            (TRACE_CHIPLETS_OFFSET + TRACE_CHIPLETS_WIDTH) * len - 1));
    requires \separated(l, cols + (TRACE_CHIPLETS_OFFSET * len ..
                            (TRACE_CHIPLETS_OFFSET + TRACE_CHIPLETS_WIDTH) * len - 1));
    behavior fits:
      assumes len >= 1 && l->padding_start + 1 <= len - 1;
      assigns cols[TRACE_CHIPLETS_OFFSET * len ..
                   (TRACE_CHIPLETS_OFFSET + TRACE_CHIPLETS_WIDTH) * len - 1];
      ensures \result == 0;
      // the padding rows of [from, to): selectors 1, the rest 0
      ensures \forall integer k, r; 0 <= k < TRACE_CHIPLETS_WIDTH &&
                pad_lo(from, \old(l->padding_start)) <= r < pad_hi(to, len) ==>
                cols[(TRACE_CHIPLETS_OFFSET + k) * len + r] ==
                  (k < CHIPLET_NUM_SELECTORS ? 1 : 0);
      // every other chiplet cell unchanged
      ensures \forall integer k, r; 0 <= k < TRACE_CHIPLETS_WIDTH && 0 <= r < len &&
                !(pad_lo(from, \old(l->padding_start)) <= r < pad_hi(to, len)) ==>
                cols[(TRACE_CHIPLETS_OFFSET + k) * len + r] ==
                  \old(cols[(TRACE_CHIPLETS_OFFSET + k) * len + r]);
    behavior too_short:
      assumes len < 1 || l->padding_start + 1 > len - 1;
      assigns \nothing;
      ensures \result == -1;
    complete behaviors;
    disjoint behaviors;
*/
int chiplets_fill_padding(const chiplets_layout_t *l, felt_t *cols, uint64_t len, uint64_t from,
                          uint64_t to);

#endif

/*
 * memory.h - the rows of the memory chiplet (spec/chiplet-memory.md).
 *
 * The memory chiplet is the third of the stacked chiplets: its rows follow
 * the hasher rows and the bitwise rows (8 per bitwise operation), so its
 * first row is row0 = hasher rows + 8 * bitwise operations. It has one row
 * per memory access (CHIPLET_MEMORY request of the executor, exec/tracer.h),
 * the accesses ordered by context, then word address, then clock cycle
 * (then execution order). On those rows the 20 chiplet columns hold
 *
 *   chiplet cols 0, 1, 2  the chiplet selectors: 1, 1, 0
 *   chiplet col 3         is_read: 1 for a read, 0 for a write
 *   chiplet col 4         is_word: 1 for a word access, 0 for an element
 *   chiplet col 5         ctx
 *   chiplet col 6         word address (the element address rounded down to 4)
 *   chiplet cols 7, 8     idx0, idx1: the element's index in its word
 *                         (idx1 * 2 + idx0; 0 for word accesses)
 *   chiplet col 9         clk
 *   chiplet cols 10..13   the whole word (4 elements) after the access;
 *                         never-written elements are 0
 *   chiplet cols 14, 15   d0, d1: low and high 16 bits of the delta to the
 *                         previous row (of ctx if it changed, else of the
 *                         word address if it changed, else of clk); 1 on
 *                         the first row
 *   chiplet col 16        the field inverse of the delta (0 for delta 0)
 *   chiplet col 17        1 if ctx and word equal the previous row's (and
 *                         on the first row), else 0
 *   chiplet cols 18, 19   0
 *
 * Each row range-checks d0 and d1 (16-bit range checker lookups).
 *
 * Work is split in steps so that a builder can fill rows in parallel:
 * memory_rows_sort (sequential: the order and each row's word),
 * memory_rows_count_range (the range checks, needed before the trace
 * length is known) and memory_rows_fill (any sub-range of the sorted rows;
 * disjoint ranges write disjoint trace rows and need only the sorted
 * array, read-only).
 *
 * Upstream (0xMiden/miden-vm v0.19.0): processor/src/chiplets/memory/
 * (mod.rs, segment.rs), air/src/trace/chiplets/memory.rs,
 * processor/src/chiplets/mod.rs (stacking, selectors),
 * processor/src/parallel/mod.rs (the accesses replayed in clk order).
 */
#ifndef FRAGTRACE_CHIPLETS_MEMORY_H
#define FRAGTRACE_CHIPLETS_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "air/layout.h"
#include "exec/tracer.h"
#include "field/felt.h"

/* Chiplet-relative columns of the memory segment (TRACE_COL_CHIPLET(k)). */
#define MEMORY_COL_SELECTORS 0   /* 3 columns: 1, 1, 0 */
#define MEMORY_COL_IS_READ 3
#define MEMORY_COL_IS_WORD 4
#define MEMORY_COL_CTX 5
#define MEMORY_COL_WORD_ADDR 6
#define MEMORY_COL_IDX0 7
#define MEMORY_COL_IDX1 8
#define MEMORY_COL_CLK 9
#define MEMORY_COL_VALUES 10     /* 4 columns */
#define MEMORY_COL_D0 14
#define MEMORY_COL_D1 15
#define MEMORY_COL_D_INV 16
#define MEMORY_COL_SAME_CTX_WORD 17
#define MEMORY_COL_UNUSED 18     /* 18, 19: 0 on memory rows */

/* Number of 16-bit range checker lookups per memory row (d0, d1). */
#define MEMORY_RANGE_CHECKS_PER_ROW 2

/* One memory-chiplet row, after sorting. */
typedef struct {
    uint64_t ctx;
    uint64_t clk;
    uint32_t word_addr;
    uint8_t is_read;
    uint8_t is_word;
    uint8_t idx;             /* element index in the word (0 for a word access) */
    felt_t word[4];          /* the word after the access */
} memory_row_t;

/* The memory chiplet's rows in trace order. */
typedef struct {
    memory_row_t *rows;
    size_t n;
} memory_rows_t;

/* Rows of the memory chiplet for n_accesses memory accesses: one each. */
uint64_t memory_chiplet_len(size_t n_accesses);

/* Order the memory accesses of reqs[0, n) (execution order; requests of
 * other kinds are skipped) as the chiplet lists them and work out the word
 * each row holds. Checks what upstream refuses or what would make the
 * chiplet inconsistent: a context id of 2^32 or more, an unaligned word
 * access, a write to a word already accessed in the same cycle, a read
 * after a write of the same word in the same cycle, a read whose reported
 * value differs from the memory contents. Returns 0 (free out with
 * memory_rows_free), or -1 with a message in err and out empty. */
int memory_rows_sort(const chiplet_request_t *reqs, size_t n, memory_rows_t *out, char *err,
                     size_t err_len);

void memory_rows_free(memory_rows_t *m);

/* Write the 20 chiplet columns of sorted rows [first, first + count) into
 * trace rows [row0 + first, row0 + first + count) of the column-major
 * trace cols of len rows (cell (row, col) is cols[col * len + row]). If
 * range_counts (65536 multiplicities) is not NULL, add each row's two
 * range-checked values to it. Reads only m; callers may run disjoint
 * ranges on different threads (each with its own range_counts, summed
 * afterwards). The caller guarantees first + count <= m->n and
 * row0 + m->n <= len. */
void memory_rows_fill(const memory_rows_t *m, size_t first, size_t count, felt_t *cols,
                      uint64_t len, uint64_t row0, uint32_t *range_counts);

/* Add the two range-checked values (d0, d1) of every sorted row to
 * range_counts (65536 multiplicities): what memory_rows_fill adds when
 * given range_counts, without writing any row. A builder calls it once
 * before the trace length is known (the range checker's table can set it)
 * and then fills rows with range_counts NULL. */
void memory_rows_count_range(const memory_rows_t *m, uint32_t *range_counts);

/* Both steps at once: sort the memory requests of reqs[0, n), write the
 * chiplet's rows [row0, row0 + memory_chiplet_len(accesses)) into cols
 * (len rows) and add every range-checked value to range_counts (may be
 * NULL). Returns 0, or -1 with a message in err (see memory_rows_sort, or
 * rows that do not fit in len). */
int memory_chiplet_fill(const chiplet_request_t *reqs, size_t n, felt_t *cols, uint64_t len,
                        uint64_t row0, uint32_t *range_counts, char *err, size_t err_len);

#endif

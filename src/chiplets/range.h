/*
 * range.h - the range checker's trace columns (spec/range-checker.md):
 * trace column 49 (multiplicity m) and 50 (value v).
 *
 * Every 16-bit value the VM range-checks is counted in a table of 65536
 * multiplicities (uint32_t counts[65536]): the four 16-bit limbs of each u32
 * operation (CHIPLET_RANGE requests of the executor, exec/tracer.h) and the
 * two delta limbs d0, d1 of each memory-chiplet row (chiplets/memory.h).
 * Nothing else is range-checked in v0.19.0.
 *
 * The range checker's table lists, in increasing order, every value with a
 * non-zero count plus 0 and 65535 (always, maybe with multiplicity 0), each
 * once with its count as m. Between two listed values whose gap is not a
 * power of 3 up to 3^7, bridge rows (m = 0) are inserted, greedily stepping
 * by the largest power of 3 (3^7 = 2187 down to 1) that still fits. The
 * table ends with one extra row (0, 65535). It sits at the bottom of the
 * trace, just above the last (random) row; the rows above it are (0, 0).
 * Its length (range_checker_len) counts towards the trace length.
 *
 * Upstream (0xMiden/miden-vm v0.19.0): processor/src/range/mod.rs,
 * air/src/trace/range.rs, processor/src/parallel/mod.rs
 * (initialize_range_checker, compute_main_trace_length).
 */
#ifndef FRAGTRACE_CHIPLETS_RANGE_H
#define FRAGTRACE_CHIPLETS_RANGE_H

#include <stddef.h>
#include <stdint.h>

#include "air/layout.h"
#include "exec/tracer.h"
#include "field/felt.h"

/* The number of distinct 16-bit values. */
#define RANGE_VALUES 65536u

/* The largest gap between two consecutive table values: 3^7. */
#define RANGE_MAX_STRIDE 2187u

/* Add the limbs of the CHIPLET_RANGE requests among reqs[0, n) (others are
 * skipped) to counts. */
void range_checker_count_requests(const chiplet_request_t *reqs, size_t n,
                                  uint32_t counts[RANGE_VALUES]);

/* Rows of the range checker's table (bridges and the final extra row
 * included, padding and the random row not). */
uint64_t range_checker_len(const uint32_t counts[RANGE_VALUES]);

/* Write columns 49 and 50 of rows [0, len - 1) of the column-major trace
 * cols of len rows (cell (row, col) is cols[col * len + row]): padding rows
 * (0, 0), then the table ending at row len - 2. The last row (random) is
 * not touched. Returns 0, or -1 with a message in err if the table does
 * not fit (len < range_checker_len(counts) + 1). */
int range_checker_fill(const uint32_t counts[RANGE_VALUES], felt_t *cols, uint64_t len,
                       char *err, size_t err_len);

#endif

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
#include "trace/row_writer.h"

/* The number of distinct 16-bit values. */
#define RANGE_VALUES 65536u

/* The largest gap between two consecutive table values: 3^7. */
#define RANGE_MAX_STRIDE 2187u

/* The most rows the table can have: every value listed (no bridge) plus
 * the extra row. range_checker_len is proved to stay within it. */
#define RANGE_MAX_ROWS (RANGE_VALUES + 1u)

/*@ // Is value v listed in the table? 0 and 65535 always are.
    predicate range_listed{L}(uint32_t *c, integer v) =
      c[v] != 0 || v == 0 || v == 65535;

    // Bridge rows between two listed values gap apart, walking from the
    // stride given: the greedy walk by powers of 3. (Written so that it is
    // never negative by its definition alone.)
    logic integer range_bridges(integer gap, integer stride) =
      (gap == stride || stride <= 0 || gap <= 0) ? 0 :
      gap > stride ? (\let r = range_bridges(gap - stride, stride); r > 0 ? 1 + r : 1) :
      (\let r = range_bridges(gap, stride / 3); r > 0 ? r : 0);

    // The last listed value below v (0 when there is none).
    logic integer range_last{L}(uint32_t *c, integer v) =
      v <= 0 ? 0 : (c[v - 1] != 0 || v - 1 == 0 || v - 1 == 65535) ? v - 1 : range_last(c, v - 1);

    // Rows of the table for the values below v (the extra row not counted):
    // each listed value, after the bridges from the last one.
    logic integer range_rows{L}(uint32_t *c, integer v) =
      v <= 0 ? 0 :
      range_rows(c, v - 1) +
        ((c[v - 1] != 0 || v - 1 == 0 || v - 1 == 65535) ?
           1 + range_bridges(v - 1 - range_last(c, v - 1), 2187) : 0);
*/

/* Add the limbs of the CHIPLET_RANGE requests among reqs[0, n) (others are
 * skipped) to counts. */
/*@ requires \valid_read(reqs + (0 .. n - 1));
    requires \valid(counts + (0 .. RANGE_VALUES - 1));
    requires \separated(reqs + (0 .. n - 1), counts + (0 .. RANGE_VALUES - 1));
    // no count wraps: each request adds at most 4 to one count
    requires \forall integer j; 0 <= j < RANGE_VALUES ==> counts[j] + 4 * n <= UINT32_MAX;
    assigns counts[0 .. RANGE_VALUES - 1];
    ensures \forall integer j; 0 <= j < RANGE_VALUES ==>
              \old(counts[j]) <= counts[j] <= \old(counts[j]) + 4 * n;
*/
void range_checker_count_requests(const chiplet_request_t *reqs, size_t n,
                                  uint32_t counts[RANGE_VALUES]);

/* Rows of the range checker's table (bridges and the final extra row
 * included, padding and the random row not). */
/*@ requires \valid_read(counts + (0 .. RANGE_VALUES - 1));
    assigns \nothing;
    ensures \result == 1 + range_rows(counts, RANGE_VALUES);
    ensures 2 <= \result <= RANGE_MAX_ROWS;
    ensures \forall integer u; 0 <= u <= RANGE_VALUES ==>
              0 <= range_rows(counts, u) <= \result - 1;
*/
uint64_t range_checker_len(const uint32_t counts[RANGE_VALUES]);

/* Write columns 49 and 50 of rows [0, len - 1) of the column-major trace
 * cols of len rows (cell (row, col) is cols[col * len + row]): padding rows
 * (0, 0), then the table ending at row len - 2. The last row (random) is
 * not touched. Returns 0, or -1 with a message in err if the table does
 * not fit (len < range_checker_len(counts) + 1). The contract below is
 * written but not yet proved (proofs/wp.sh, EXCLUDED). */
/*@ requires \valid_read(counts + (0 .. RANGE_VALUES - 1));
    requires len <= TRACE_MAX_LEN;
    requires \valid(cols + (TRACE_COL_RANGE_M * len .. (TRACE_COL_RANGE_V + 1) * len - 1));
    requires \separated(counts + (0 .. RANGE_VALUES - 1),
                        cols + (TRACE_COL_RANGE_M * len .. (TRACE_COL_RANGE_V + 1) * len - 1));
    requires \valid(err + (0 .. err_len - 1));
    requires \separated(err + (0 .. err_len - 1), counts + (0 .. RANGE_VALUES - 1),
                        cols + (TRACE_COL_RANGE_M * len .. (TRACE_COL_RANGE_V + 1) * len - 1));
    behavior fits:
      assumes len >= 2 + range_rows(counts, RANGE_VALUES);
      assigns cols[TRACE_COL_RANGE_M * len .. TRACE_COL_RANGE_M * len + len - 2],
              cols[TRACE_COL_RANGE_V * len .. TRACE_COL_RANGE_V * len + len - 2];
      ensures \result == 0;
      // padding rows (0, 0) above the table
      ensures \forall integer r; 0 <= r < len - 2 - range_rows{Pre}(counts, RANGE_VALUES) ==>
                cols[TRACE_COL_RANGE_M * len + r] == 0 && cols[TRACE_COL_RANGE_V * len + r] == 0;
      // every table value is a 16-bit value; the last row is (0, 65535)
      ensures \forall integer r; 0 <= r < len - 1 ==> cols[TRACE_COL_RANGE_V * len + r] < RANGE_VALUES;
      ensures cols[TRACE_COL_RANGE_M * len + len - 2] == 0 &&
              cols[TRACE_COL_RANGE_V * len + len - 2] == RANGE_VALUES - 1;
    behavior too_short:
      assumes len < 2 + range_rows(counts, RANGE_VALUES);
      assigns err[0 .. err_len - 1];
      ensures \result == -1;
    complete behaviors;
    disjoint behaviors;
*/
int range_checker_fill(const uint32_t counts[RANGE_VALUES], felt_t *cols, uint64_t len,
                       char *err, size_t err_len);

#endif

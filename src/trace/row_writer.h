/*
 * row_writer.h - writing one row into the column-major main-trace buffer:
 * cell (row, col) lives at cols[col * len + row]. Proved: every write lands
 * inside the buffer and only in the given row.
 */
#ifndef FRAGTRACE_TRACE_ROW_WRITER_H
#define FRAGTRACE_TRACE_ROW_WRITER_H

#include <stdint.h>
#include "field/felt.h"

/* Longest trace handled: 2^32 rows keeps col * len + row within 64 bits
 * for any width below 2^31. */
#define TRACE_MAX_LEN (UINT64_C(1) << 32)

/*@ requires 0 < len <= TRACE_MAX_LEN && row < len && 0 < width <= 128 && n <= width;
    requires \valid(cols + (0 .. width * len - 1));
    requires \valid_read(vals + (0 .. n - 1));
    requires \separated(cols + (0 .. width * len - 1), vals + (0 .. n - 1));
    assigns cols[0 .. width * len - 1];
    ensures \forall integer c; 0 <= c < n ==> cols[c * len + row] == vals[c];
    ensures \forall integer i; 0 <= i < width * len && i % len != row ==>
              cols[i] == \old(cols[i]);
*/
void trace_write_row(felt_t *cols, uint64_t len, uint32_t width, uint64_t row,
                     const felt_t *vals, uint32_t n);

/* Rows [row, row + m) of column c at once, from vals[0 .. m). The
 * builders collect a tile of rows column-major and write it column by
 * column with this: runs of m cells per column are far kinder to the caches
 * than m scattered rows, whose cells sit len * 8 bytes (a power of two)
 * apart. Proved: it writes exactly the cells of column c in rows
 * [row, row + m), with vals. */
/*@ requires 0 < len <= TRACE_MAX_LEN && c < width <= 128;
    requires 0 < m <= 4096 && row + m <= len;
    requires \valid(cols + (c * len + row .. c * len + row + m - 1));
    requires \valid_read(vals + (0 .. m - 1));
    requires \separated(cols + (c * len + row .. c * len + row + m - 1), vals + (0 .. m - 1));
    assigns cols[c * len + row .. c * len + row + m - 1];
    ensures \forall integer k; 0 <= k < m ==> cols[c * len + row + k] == vals[k];
*/
void trace_write_column_run(felt_t *cols, uint64_t len, uint32_t width, uint32_t c,
                            uint64_t row, uint32_t m, const felt_t *vals);

#endif

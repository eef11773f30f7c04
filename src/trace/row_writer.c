/*
 * row_writer.c - see row_writer.h.
 */
#include "row_writer.h"

void trace_write_row(felt_t *cols, uint64_t len, uint32_t width, uint64_t row,
                     const felt_t *vals, uint32_t n)
{
    (void)width;
    /*@ loop invariant 0 <= c <= n;
        loop invariant \forall integer k; 0 <= k < c ==> cols[k * len + row] == vals[k];
        loop invariant \forall integer i; 0 <= i < width * len && i % len != row ==>
                         cols[i] == \at(cols[i], Pre);
        loop assigns c, cols[0 .. width * len - 1];
        loop variant n - c;
    */
    for (uint32_t c = 0; c < n; c++) {
        /*@ assert c * len + row < width * len; */
        /*@ assert (c * len + row) % len == row; */
        cols[(uint64_t)c * len + row] = vals[c];
    }
}

void trace_write_column_run(felt_t *cols, uint64_t len, uint32_t width, uint32_t c,
                            uint64_t row, uint32_t m, const felt_t *vals)
{
    (void)width;
    const uint64_t base = (uint64_t)c * len + row;
    /*@ loop invariant 0 <= k <= m;
        loop invariant \forall integer j; 0 <= j < k ==> cols[base + j] == vals[j];
        loop assigns k, cols[base .. base + m - 1];
        loop variant m - k;
    */
    for (uint32_t k = 0; k < m; k++)
        cols[base + k] = vals[k];
}

/*
 * partition.h - which rows fragment k builds: [k*N, min((k+1)*N, rows)).
 * Proved: the bounds are exact, the fragments are pairwise disjoint and
 * together cover rows 0..rows-1 (lemmas below).
 */
#ifndef FRAGTRACE_TRACE_PARTITION_H
#define FRAGTRACE_TRACE_PARTITION_H

#include <stdint.h>

#define PARTITION_MAX_ROWS (UINT64_C(1) << 40)

/*@ logic integer frag_start(integer k, integer n) = k * n;
    logic integer frag_end(integer k, integer n, integer rows) =
      k * n + n < rows ? k * n + n : rows;

    // Fragment k ends no later than any later fragment starts.
    lemma frag_disjoint:
      \forall integer k1, k2, n, rows; n >= 1 && 0 <= k1 < k2 ==>
        frag_end(k1, n, rows) <= k1 * n + n <= k2 * n;

    // Every row r lies in fragment r / n.
    lemma frag_cover:
      \forall integer r, n, rows; n >= 1 && 0 <= r < rows ==>
        frag_start(r / n, n) <= r < frag_end(r / n, n, rows);
*/

/* Rows of fragment k; returns 0, or -1 when fragment k holds no row. */
/*@ requires n >= 1 && rows <= PARTITION_MAX_ROWS && k <= PARTITION_MAX_ROWS;
    requires \valid(start) && \valid(end) && \separated(start, end);
    assigns *start, *end;
    ensures \result == 0 <==> k * n < rows;
    ensures \result == 0 ==> *start == frag_start(k, n) && *end == frag_end(k, n, rows) &&
                             *start < *end <= rows && *end - *start <= n;
*/
int fragment_rows(uint64_t k, uint64_t n, uint64_t rows, uint64_t *start, uint64_t *end);

#endif

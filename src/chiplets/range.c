/*
 * range.c - the range checker's trace columns (range.h,
 * spec/range-checker.md).
 */
#include "chiplets/range.h"

#include <stdio.h>

void range_checker_count_requests(const chiplet_request_t *reqs, size_t n,
                                  uint32_t counts[RANGE_VALUES])
{
    /*@ loop invariant 0 <= i <= n;
        loop invariant \forall integer j; 0 <= j < RANGE_VALUES ==>
                         \at(counts[j], Pre) <= counts[j] <= \at(counts[j], Pre) + 4 * i;
        loop assigns i, counts[0 .. RANGE_VALUES - 1];
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++)
        if (reqs[i].kind == CHIPLET_RANGE)
            /*@ loop invariant 0 <= k <= 4;
                loop invariant \forall integer j; 0 <= j < RANGE_VALUES ==>
                                 \at(counts[j], Pre) <= counts[j] <= \at(counts[j], Pre) + 4 * i + k;
                loop assigns k, counts[0 .. RANGE_VALUES - 1];
                loop variant 4 - k;
            */
            for (int k = 0; k < 4; k++)
                counts[reqs[i].range.v[k]]++;
}

/* Is value v listed in the table? 0 and 65535 always are. */
/*@ requires v < RANGE_VALUES && \valid_read(counts + (0 .. RANGE_VALUES - 1));
    assigns \nothing;
    ensures \result != 0 <==> range_listed(counts, v);
*/
static int listed(const uint32_t counts[RANGE_VALUES], uint32_t v)
{
    return counts[v] != 0 || v == 0 || v == RANGE_VALUES - 1;
}

/*@ predicate range_stride(integer s) =
      s == 2187 || s == 729 || s == 243 || s == 81 || s == 27 || s == 9 || s == 3 || s == 1 ||
      s == 0;
*/

/* Bridge rows between two listed values gap apart: the greedy walk by
 * powers of 3 from 3^7 down, stopping when the rest is one stride.
 * Contract not yet proved (proofs/wp.sh, EXCLUDED). */
/*@ requires gap < RANGE_VALUES;
    assigns \nothing;
    ensures \result == range_bridges(gap, RANGE_MAX_STRIDE);
    ensures gap == 0 ==> \result == 0;
    ensures gap >= 1 ==> \result <= gap - 1;
*/
static uint64_t bridges(uint32_t gap)
{
    uint64_t rows = 0;
    uint32_t stride = RANGE_MAX_STRIDE;
    /*@ loop invariant range_stride(stride);
        loop invariant \at(gap, Pre) >= 1 ==> gap >= 1 && stride >= 1;
        loop invariant \at(gap, Pre) == 0 ==> gap == 0 && rows == 0;
        loop invariant rows + gap <= \at(gap, Pre);
        loop invariant rows + range_bridges(gap, stride) == range_bridges(\at(gap, Pre), 2187);
        loop assigns gap, stride, rows;
        loop variant gap + stride;
    */
    while (gap != stride) {
        if (gap > stride) {
            gap -= stride;
            rows++;
        } else {
            stride /= 3;
        }
    }
    return rows;
}

/* The same walk, writing the bridge rows (m = 0, v = the value reached)
 * from row at on; returns the row after them. Contract not yet proved
 * (proofs/wp.sh, EXCLUDED). */
/*@ requires prev + gap < RANGE_VALUES;
    requires at + range_bridges(gap, 2187) <= UINT64_MAX;
    requires \valid(m + (at .. at + range_bridges(gap, 2187) - 1));
    requires \valid(v + (at .. at + range_bridges(gap, 2187) - 1));
    requires \separated(m + (at .. at + range_bridges(gap, 2187) - 1),
                        v + (at .. at + range_bridges(gap, 2187) - 1));
    assigns m[at .. at + range_bridges(gap, 2187) - 1], v[at .. at + range_bridges(gap, 2187) - 1];
    ensures \result == at + range_bridges(gap, 2187);
    ensures \forall integer j; at <= j < \result ==> m[j] == 0 && prev < v[j] < prev + gap;
*/
static uint64_t write_bridges(uint32_t prev, uint32_t gap, felt_t *m, felt_t *v, uint64_t at)
{
    uint32_t stride = RANGE_MAX_STRIDE;
    /*@ loop invariant range_stride(stride);
        loop invariant \at(gap, Pre) >= 1 ==> gap >= 1 && stride >= 1;
        loop invariant \at(gap, Pre) == 0 ==> gap == 0 && at == \at(at, Pre);
        loop invariant prev + gap == \at(prev, Pre) + \at(gap, Pre);
        loop invariant \at(at, Pre) <= at;
        loop invariant at - \at(at, Pre) + range_bridges(gap, stride) ==
                       range_bridges(\at(gap, Pre), 2187);
        loop invariant \forall integer j; \at(at, Pre) <= j < at ==>
                         m[j] == 0 && \at(prev, Pre) < v[j] < \at(prev, Pre) + \at(gap, Pre);
        loop assigns gap, stride, prev, at,
                     m[\at(at, Pre) .. \at(at, Pre) + range_bridges(\at(gap, Pre), 2187) - 1],
                     v[\at(at, Pre) .. \at(at, Pre) + range_bridges(\at(gap, Pre), 2187) - 1];
        loop variant gap + stride;
    */
    while (gap != stride) {
        if (gap > stride) {
            gap -= stride;
            prev += stride;
            m[at] = 0;
            v[at] = prev;
            at++;
        } else {
            stride /= 3;
        }
    }
    return at;
}

/* The message of range_checker_fill's failure. Not proved (proofs/wp.sh,
 * EXCLUDED): WP rejects the specification Frama-C derives for snprintf's
 * variadic call; this contract is what callers rely on. */
/*@ requires \valid(err + (0 .. err_len - 1));
    assigns err[0 .. err_len - 1];
*/
static void too_short_message(char *err, size_t err_len, uint64_t table, uint64_t len)
{
    snprintf(err, err_len, "range checker: its %llu rows and the random row do not fit in "
             "a trace of %llu rows", (unsigned long long)table, (unsigned long long)len);
}

uint64_t range_checker_len(const uint32_t counts[RANGE_VALUES])
{
    uint64_t rows = 1; /* the extra (0, 65535) row at the end */
    uint32_t prev = 0;
    /*@ loop invariant 0 <= v <= RANGE_VALUES;
        loop invariant rows == 1 + range_rows(counts, v);
        loop invariant prev == range_last(counts, v);
        loop invariant v == 0 ==> rows == 1 && prev == 0;
        loop invariant v > 0 ==> prev < v && 2 <= rows <= 2 + prev;
        loop invariant \forall integer u; 0 <= u <= v ==>
                         0 <= range_rows(counts, u) <= range_rows(counts, v);
        loop assigns v, rows, prev;
        loop variant RANGE_VALUES - v;
    */
    for (uint32_t v = 0; v < RANGE_VALUES; v++) {
        if (!listed(counts, v))
            continue;
        rows += 1 + bridges(v - prev);
        prev = v;
    }
    return rows;
}

int range_checker_fill(const uint32_t counts[RANGE_VALUES], felt_t *cols, uint64_t len,
                       char *err, size_t err_len)
{
    const uint64_t table = range_checker_len(counts);
    if (len < table + 1) {
        too_short_message(err, err_len, table, len);
        return -1;
    }
    felt_t *const m = cols + (size_t)TRACE_COL_RANGE_M * len;
    felt_t *const v = cols + (size_t)TRACE_COL_RANGE_V * len;
    const uint64_t pad = len - 1 - table;
    /*@ loop invariant 0 <= r <= pad;
        loop invariant \forall integer j; 0 <= j < r ==> m[j] == 0 && v[j] == 0;
        loop assigns r, m[0 .. pad - 1], v[0 .. pad - 1];
        loop variant pad - r;
    */
    for (uint64_t r = 0; r < pad; r++) {
        m[r] = 0;
        v[r] = 0;
    }
    uint64_t at = pad;
    uint32_t prev = 0;
    /*@ loop invariant 0 <= x <= RANGE_VALUES;
        loop invariant at == pad + range_rows{Pre}(counts, x);
        loop invariant prev == range_last{Pre}(counts, x);
        loop invariant x > 0 ==> prev < x;
        loop invariant x == 0 ==> prev == 0;
        loop invariant \forall integer j; 0 <= j < pad ==> m[j] == 0 && v[j] == 0;
        loop invariant \forall integer j; 0 <= j < at ==> v[j] < RANGE_VALUES;
        loop assigns x, at, prev, m[pad .. len - 3], v[pad .. len - 3];
        loop variant RANGE_VALUES - x;
    */
    for (uint32_t x = 0; x < RANGE_VALUES; x++) {
        if (!listed(counts, x))
            continue;
        at = write_bridges(prev, x - prev, m, v, at);
        m[at] = counts[x];
        v[at] = x;
        at++;
        prev = x;
    }
    m[at] = 0;
    v[at] = RANGE_VALUES - 1;
    return 0;
}

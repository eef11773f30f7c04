/*
 * range.c - the range checker's trace columns (range.h,
 * spec/range-checker.md).
 */
#include "chiplets/range.h"

#include <stdio.h>

void range_checker_count_requests(const chiplet_request_t *reqs, size_t n,
                                  uint32_t counts[RANGE_VALUES])
{
    for (size_t i = 0; i < n; i++)
        if (reqs[i].kind == CHIPLET_RANGE)
            for (int k = 0; k < 4; k++)
                counts[reqs[i].range.v[k]]++;
}

/* Is value v listed in the table? 0 and 65535 always are. */
static int listed(const uint32_t counts[RANGE_VALUES], uint32_t v)
{
    return counts[v] != 0 || v == 0 || v == RANGE_VALUES - 1;
}

/* Bridge rows between two listed values gap apart: the greedy walk by
 * powers of 3 from 3^7 down, stopping when the rest is one stride. With
 * a row writer (m, v column pointers) the bridges are written from row
 * *at on; either way the count is returned. */
static uint64_t bridges(uint32_t prev, uint32_t gap, felt_t *m, felt_t *v, uint64_t *at)
{
    uint64_t rows = 0;
    uint32_t stride = RANGE_MAX_STRIDE;
    while (gap != stride) {
        if (gap > stride) {
            gap -= stride;
            prev += stride;
            if (m) {
                m[*at] = 0;
                v[*at] = prev;
                (*at)++;
            }
            rows++;
        } else {
            stride /= 3;
        }
    }
    return rows;
}

uint64_t range_checker_len(const uint32_t counts[RANGE_VALUES])
{
    uint64_t rows = 1; /* the extra (0, 65535) row at the end */
    uint32_t prev = 0;
    for (uint32_t v = 0; v < RANGE_VALUES; v++) {
        if (!listed(counts, v))
            continue;
        rows += 1 + bridges(prev, v - prev, NULL, NULL, NULL);
        prev = v;
    }
    return rows;
}

int range_checker_fill(const uint32_t counts[RANGE_VALUES], felt_t *cols, uint64_t len,
                       char *err, size_t err_len)
{
    const uint64_t table = range_checker_len(counts);
    if (len < table + 1) {
        snprintf(err, err_len, "range checker: its %llu rows and the random row do not fit in "
                 "a trace of %llu rows", (unsigned long long)table, (unsigned long long)len);
        return -1;
    }
    felt_t *const m = cols + (size_t)TRACE_COL_RANGE_M * len;
    felt_t *const v = cols + (size_t)TRACE_COL_RANGE_V * len;
    const uint64_t pad = len - 1 - table;
    for (uint64_t r = 0; r < pad; r++) {
        m[r] = 0;
        v[r] = 0;
    }
    uint64_t at = pad;
    uint32_t prev = 0;
    for (uint32_t x = 0; x < RANGE_VALUES; x++) {
        if (!listed(counts, x))
            continue;
        bridges(prev, x - prev, m, v, &at);
        m[at] = counts[x];
        v[at] = x;
        at++;
        prev = x;
    }
    m[at] = 0;
    v[at] = RANGE_VALUES - 1;
    return 0;
}

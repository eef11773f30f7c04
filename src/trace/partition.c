/*
 * partition.c - see partition.h.
 */
#include "partition.h"

int fragment_rows(uint64_t k, uint64_t n, uint64_t rows, uint64_t *start, uint64_t *end)
{
    /* k * n < rows without overflow: compare k with ceil(rows / n). */
    if (k >= rows / n + (rows % n != 0)) {
        /*@ assert k * n >= rows; */
        return -1;
    }
    /*@ assert k * n < rows && k <= rows; */
    const uint64_t s = k * n;
    *start = s;
    *end = rows - s > n ? s + n : rows;
    return 0;
}

/*
 * grow.h - growable arrays: make room for `need` elements, doubling the
 * capacity (starting at `first`) so that appends cost amortised O(1).
 */
#ifndef FRAGTRACE_UTIL_GROW_H
#define FRAGTRACE_UTIL_GROW_H

#include <stdint.h>
#include <stdlib.h>

/* Ensure *arr (capacity *cap elements of `elem` bytes) holds at least
 * `need` elements. Returns 0, or -1 (out of memory or size overflow) with
 * *arr and *cap unchanged. */
static inline int grow_array(void **arr, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : first;
    while (nc < need) {
        if (nc > SIZE_MAX / 2)
            return -1;
        nc *= 2;
    }
    if (nc > SIZE_MAX / elem)
        return -1;
    void *na = realloc(*arr, nc * elem);
    if (!na)
        return -1;
    *arr = na;
    *cap = nc;
    return 0;
}

#endif

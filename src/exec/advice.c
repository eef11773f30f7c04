/*
 * advice.c - see advice.h. The map is small in practice: a linear list.
 */
#include "advice.h"
#include "util/grow.h"

#include <stdlib.h>
#include <string.h>

#include "mast/forest.h"

void advice_init(advice_t *a)
{
    memset(a, 0, sizeof *a);
    merkle_store_init(&a->store);
}

void advice_free(advice_t *a)
{
    for (size_t i = 0; i < a->n_map; i++)
        free(a->map[i].values);
    free(a->map);
    free(a->stack);
    merkle_store_free(&a->store);
    memset(a, 0, sizeof *a);
}

int advice_push(advice_t *a, felt_t v)
{
    if (grow_array((void **)&a->stack, &a->cap, a->n + 1, sizeof *a->stack, 64) != 0)
        return -1;
    a->stack[a->n++] = v;
    return 0;
}

int advice_set_stack(advice_t *a, const felt_t *values, size_t n)
{
    a->n = 0;
    for (size_t i = n; i > 0; i--)
        if (advice_push(a, values[i - 1]) != 0)
            return -1;
    return 0;
}

int advice_pop(advice_t *a, felt_t *out)
{
    if (a->n == 0)
        return -1;
    *out = a->stack[--a->n];
    return 0;
}

const advice_entry_t *advice_map_get(const advice_t *a, word_t key)
{
    for (size_t i = 0; i < a->n_map; i++)
        if (word_eq(a->map[i].key, key))
            return &a->map[i];
    return NULL;
}

int advice_map_insert(advice_t *a, word_t key, const felt_t *values, size_t n)
{
    const advice_entry_t *old = advice_map_get(a, key);
    if (old)
        return old->n == n && (n == 0 || memcmp(old->values, values, n * sizeof *values) == 0)
                   ? 0 : -2;
    if (grow_array((void **)&a->map, &a->cap_map, a->n_map + 1, sizeof *a->map, 16) != 0)
        return -1;
    felt_t *copy = malloc((n ? n : 1) * sizeof *copy);
    if (!copy)
        return -1;
    if (n)
        memcpy(copy, values, n * sizeof *values);
    a->map[a->n_map].key = key;
    a->map[a->n_map].values = copy;
    a->map[a->n_map].n = n;
    a->n_map++;
    return 0;
}

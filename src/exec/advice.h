/*
 * advice.h - the advice provider: the advice stack (first input popped
 * first), the advice map (word -> list of felts) and the Merkle store
 * (exec/merkle_store.h).
 * (processor/src/host/advice/ at v0.19.0; spec/operations.md section 8.)
 */
#ifndef FRAGTRACE_EXEC_ADVICE_H
#define FRAGTRACE_EXEC_ADVICE_H

#include <stddef.h>
#include <stdint.h>
#include "exec/merkle_store.h"
#include "hash/rpo.h"

typedef struct {
    word_t key;
    felt_t *values;
    size_t n;
} advice_entry_t;

typedef struct {
    felt_t *stack;         /* stack[n - 1] is the top */
    size_t n, cap;
    advice_entry_t *map;
    size_t n_map, cap_map;
    merkle_store_t store;
} advice_t;

void advice_init(advice_t *a);
void advice_free(advice_t *a);

/* Set the initial advice stack: values[0] is popped first. */
int advice_set_stack(advice_t *a, const felt_t *values, size_t n);

/* Push one element on top; 0 or -1 (out of memory). */
int advice_push(advice_t *a, felt_t v);

/* Pop one element; 0 or -1 when the stack is empty. */
int advice_pop(advice_t *a, felt_t *out);

/* Insert key -> values; 0, -1 out of memory, -2 key present with other values. */
int advice_map_insert(advice_t *a, word_t key, const felt_t *values, size_t n);

/* The entry for key, or NULL. */
const advice_entry_t *advice_map_get(const advice_t *a, word_t key);

#endif

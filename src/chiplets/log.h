/*
 * log.h - the chiplet requests of a run, kept for building the range
 * checker and chiplet columns (spec/chiplets.md).
 *
 * A log is a vm_tracer_t chiplet sink (chiplet_log_sink). What it keeps
 * depends on who builds the chiplet rows:
 *  - the sequential builder keeps every request (CHIPLET_LOG_ALL);
 *  - the recording executor keeps only what the trace length and the
 *    globally sorted chiplets need before any fragment is built: memory
 *    accesses (sorted for the memory chiplet, whose deltas the range
 *    checker also checks), kernel-ROM accesses, and the multiplicities of
 *    the u32 operations' range-checked limbs (CHIPLET_LOG_GLOBAL). Hasher,
 *    bitwise and ACE requests are emitted again by the fragment builders,
 *    which write their rows in place.
 */
#ifndef FRAGTRACE_CHIPLETS_LOG_H
#define FRAGTRACE_CHIPLETS_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "chiplets/ace.h"
#include "exec/tracer.h"

#define RANGE_TABLE_SIZE 65536

typedef enum { CHIPLET_LOG_GLOBAL, CHIPLET_LOG_ALL } chiplet_log_mode_t;

/* The request kinds a CHIPLET_LOG_GLOBAL log keeps (vm_tracer_t.chiplet_kinds). */
#define CHIPLET_LOG_GLOBAL_KINDS \
    ((1u << CHIPLET_MEMORY) | (1u << CHIPLET_KERNEL_ROM) | (1u << CHIPLET_RANGE))

typedef struct {
    chiplet_request_t *r;
    size_t n, cap;
} request_list_t;

typedef struct {
    chiplet_log_mode_t mode;
    request_list_t hasher;    /* CHIPLET_LOG_ALL only */
    request_list_t bitwise;   /* CHIPLET_LOG_ALL only */
    request_list_t memory;    /* in execution order */
    request_list_t kernel;    /* in execution order */
    struct {
        ace_eval_t *e;        /* CHIPLET_LOG_ALL only: copies of the eval_circuit
                                 evaluations, in execution order */
        size_t n, cap;
    } ace;
    uint32_t *range_counts;   /* [RANGE_TABLE_SIZE]: how often each 16-bit value is checked
                                 by u32 operations (NULL until the first). At most 4 checks a
                                 cycle and 2^29 cycles: a count fits 32 bits. */
} chiplet_log_t;

void chiplet_log_init(chiplet_log_t *log, chiplet_log_mode_t mode);
void chiplet_log_free(chiplet_log_t *log);

/* vm_tracer_t.chiplet: keep r as the mode says. Returns 0, or -1 when out
 * of memory. */
int chiplet_log_sink(void *log, const chiplet_request_t *r);

/* Append one request to a list (no mode check). Returns 0 or -1. */
int request_list_push(request_list_t *l, const chiplet_request_t *r);

/* Add the four limbs of a range request to a multiplicity table. */
static inline void range_counts_add(uint32_t *counts, const chiplet_request_t *r)
{
    for (int i = 0; i < 4; i++)
        counts[r->range.v[i]]++;
}

/* The same into *counts, allocated (zeroed) at the first request. 0, or -1
 * when out of memory. */
static inline int range_counts_take(uint32_t **counts, const chiplet_request_t *r)
{
    if (!*counts && !(*counts = calloc(RANGE_TABLE_SIZE, sizeof **counts)))
        return -1;
    range_counts_add(*counts, r);
    return 0;
}

#endif

/*
 * log.c - keeping a run's chiplet requests (log.h).
 */
#include "chiplets/log.h"

#include <stdlib.h>

#include "util/grow.h"

void chiplet_log_init(chiplet_log_t *log, chiplet_log_mode_t mode)
{
    *log = (chiplet_log_t){ .mode = mode };
}

static void list_free(request_list_t *l)
{
    free(l->r);
    *l = (request_list_t){ 0 };
}

void chiplet_log_free(chiplet_log_t *log)
{
    list_free(&log->hasher);
    list_free(&log->bitwise);
    list_free(&log->memory);
    list_free(&log->kernel);
    free(log->range_counts);
    log->range_counts = NULL;
}

int request_list_push(request_list_t *l, const chiplet_request_t *r)
{
    if (grow_array((void **)&l->r, &l->cap, l->n + 1, sizeof *l->r, 256) != 0)
        return -1;
    l->r[l->n++] = *r;
    return 0;
}

int chiplet_log_sink(void *arg, const chiplet_request_t *r)
{
    chiplet_log_t *log = arg;
    switch (r->kind) {
    case CHIPLET_HASHER:
        return log->mode == CHIPLET_LOG_ALL ? request_list_push(&log->hasher, r) : 0;
    case CHIPLET_BITWISE:
        return log->mode == CHIPLET_LOG_ALL ? request_list_push(&log->bitwise, r) : 0;
    case CHIPLET_MEMORY:
        return request_list_push(&log->memory, r);
    case CHIPLET_KERNEL_ROM:
        return request_list_push(&log->kernel, r);
    case CHIPLET_RANGE:
        return range_counts_take(&log->range_counts, r);
    default:
        return -1;
    }
}

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
    for (size_t i = 0; i < log->ace.n; i++)
        ace_eval_free(&log->ace.e[i]);
    free(log->ace.e);
    log->ace.e = NULL;
    log->ace.n = log->ace.cap = 0;
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
    case CHIPLET_ACE:
        if (log->mode != CHIPLET_LOG_ALL)
            return 0;
        if (grow_array((void **)&log->ace.e, &log->ace.cap, log->ace.n + 1, sizeof *log->ace.e,
                       4) != 0 ||
            ace_eval_copy(&log->ace.e[log->ace.n], r->ace.eval) != 0)
            return -1;
        log->ace.n++;
        return 0;
    default:
        return -1;
    }
}

/*
 * assembly.c - the trace plan (assembly.h).
 */
#include "trace/assembly.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chiplets/bitwise.h"
#include "chiplets/hasher.h"
#include "chiplets/kernel_rom.h"
#include "chiplets/range.h"
#include "trace/row_writer.h"

/* Rows per task when the memory chiplet or the padding is cut up. */
#define TASK_ROWS ((uint64_t)1 << 16)

int trace_plan_make(const mast_forest_t *f, uint64_t core_rows, const chiplet_counts_t *counts,
                    const chiplet_log_t *log, trace_plan_t *p, char *err, size_t err_len)
{
    memset(p, 0, sizeof *p);
    p->core_rows = core_rows;
    const uint64_t kernel_rows = kernel_rom_len(f, log->kernel.r, log->kernel.n);
    if (chiplets_layout_init(&p->chip, counts->hasher_rows, counts->bitwise_ops,
                             counts->mem_accesses, counts->ace_rows, kernel_rows) != 0) {
        snprintf(err, err_len, "the chiplets' rows do not fit 64 bits");
        return -1;
    }
    if (log->memory.n != counts->mem_accesses) {
        snprintf(err, err_len, "%zu memory accesses recorded, %llu counted", log->memory.n,
                 (unsigned long long)counts->mem_accesses);
        return -1;
    }
    p->range_counts = calloc(RANGE_TABLE_SIZE, sizeof *p->range_counts);
    if (!p->range_counts) {
        snprintf(err, err_len, "out of memory planning the trace");
        return -1;
    }
    if (log->range_counts)
        memcpy(p->range_counts, log->range_counts, RANGE_TABLE_SIZE * sizeof *p->range_counts);
    if (memory_rows_sort(log->memory.r, log->memory.n, &p->mem, err, err_len) != 0) {
        trace_plan_free(p);
        return -1;
    }
    memory_rows_count_range(&p->mem, p->range_counts);
    p->range_rows = range_checker_len(p->range_counts);
    p->len = chiplets_main_trace_len(core_rows, p->range_rows, chiplets_len(&p->chip));
    if (p->len == 0 || p->len > TRACE_MAX_LEN) {
        snprintf(err, err_len, "a trace of %llu core, %llu range-checker and %llu chiplet rows is "
                 "longer than the limit of %llu rows", (unsigned long long)core_rows,
                 (unsigned long long)p->range_rows, (unsigned long long)chiplets_len(&p->chip),
                 (unsigned long long)TRACE_MAX_LEN);
        trace_plan_free(p);
        return TRACE_PLAN_TOO_LONG;
    }
    return 0;
}

void trace_plan_free(trace_plan_t *p)
{
    memory_rows_free(&p->mem);
    free(p->range_counts);
    memset(p, 0, sizeof *p);
}

/* Tasks: the range checker, the kernel ROM, the memory rows in pieces of
 * TASK_ROWS, the padding rows in pieces of TASK_ROWS. */
static uint64_t pieces(uint64_t rows) { return (rows + TASK_ROWS - 1) / TASK_ROWS; }

static uint64_t padding_rows(const trace_plan_t *p)
{
    const uint64_t end = p->len - TRACE_NUM_RAND_ROWS;
    return p->chip.padding_start < end ? end - p->chip.padding_start : 0;
}

size_t trace_plan_tasks(const trace_plan_t *p)
{
    return (size_t)(2 + pieces(p->mem.n) + pieces(padding_rows(p)));
}

int trace_plan_run_task(const trace_plan_t *p, const mast_forest_t *f, const chiplet_log_t *log,
                        size_t task, felt_t *cols, uint64_t len, char *err, size_t err_len)
{
    if (task == 0)
        return range_checker_fill(p->range_counts, cols, len, err, err_len);
    if (task == 1) {
        if (kernel_rom_fill(f, log->kernel.r, log->kernel.n, cols, len, p->chip.kernel_rom_start) != 0) {
            snprintf(err, err_len, "the kernel ROM's rows do not fit the trace");
            return -1;
        }
        return 0;
    }
    uint64_t k = task - 2;
    if (k < pieces(p->mem.n)) {
        const uint64_t first = k * TASK_ROWS;
        const uint64_t count = p->mem.n - first < TASK_ROWS ? p->mem.n - first : TASK_ROWS;
        memory_rows_fill(&p->mem, (size_t)first, (size_t)count, cols, len, p->chip.memory_start,
                         NULL);
        return 0;
    }
    k -= pieces(p->mem.n);
    const uint64_t from = p->chip.padding_start + k * TASK_ROWS;
    const uint64_t to = from + TASK_ROWS;
    if (chiplets_fill_padding(&p->chip, cols, len, from, to) != 0) {
        snprintf(err, err_len, "the chiplets do not fit the trace");
        return -1;
    }
    return 0;
}

int trace_plan_fill_hasher_bitwise(const trace_plan_t *p, const mast_forest_t *f,
                                   const chiplet_log_t *log, felt_t *cols, uint64_t len,
                                   char *err, size_t err_len)
{
    hasher_memo_t memo;
    hasher_memo_init(&memo);
    const int rc = hasher_chiplet_fill_memo(f, &memo, log->hasher.r, 0, log->hasher.n, cols, len,
                                            err, err_len);
    hasher_memo_free(&memo);
    if (rc != 0)
        return -1;
    if (bitwise_chiplet_fill(log->bitwise.r, 0, log->bitwise.n, cols, len,
                             p->chip.bitwise_start) != 0) {
        snprintf(err, err_len, "the bitwise rows do not fit the trace");
        return -1;
    }
    /* The ACE rows: the evaluations one after another, in execution order. */
    uint64_t row = p->chip.ace_start;
    for (size_t i = 0; i < log->ace.n; i++) {
        const uint64_t rows = ace_eval_rows(&log->ace.e[i]);
        if (row + rows > p->chip.ace_start + p->chip.ace_rows ||
            ace_eval_fill(&log->ace.e[i], cols, len, row) != 0) {
            snprintf(err, err_len, "the ACE rows do not fit the trace");
            return -1;
        }
        row += rows;
    }
    if (row != p->chip.ace_start + p->chip.ace_rows) {
        snprintf(err, err_len, "%llu ACE rows recorded, %llu counted",
                 (unsigned long long)(row - p->chip.ace_start),
                 (unsigned long long)p->chip.ace_rows);
        return -1;
    }
    return 0;
}

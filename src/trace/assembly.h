/*
 * assembly.h - how the main trace is put together from its three parts
 * (spec/chiplets.md, "Trace length"): the core rows the executor produced,
 * the range checker's table and the stacked chiplets. The plan is made
 * once the whole run's requests are known (chiplets/log.h); it fixes the
 * trace length and the chiplets' places, so that every part can then be
 * written in place into one buffer, by any thread, in any order.
 *
 * Upstream (0xMiden/miden-vm v0.19.0): processor/src/parallel/mod.rs
 * (build_trace, the main trace length), processor/src/trace/mod.rs.
 */
#ifndef FRAGTRACE_TRACE_ASSEMBLY_H
#define FRAGTRACE_TRACE_ASSEMBLY_H

#include <stddef.h>
#include <stdint.h>

#include "chiplets/log.h"
#include "chiplets/memory.h"
#include "chiplets/stack.h"
#include "mast/forest.h"

typedef struct {
    uint64_t core_rows;        /* program rows: clk after the last */
    chiplets_layout_t chip;    /* each chiplet's first row and rows */
    memory_rows_t mem;         /* the memory chiplet's rows, sorted */
    uint32_t *range_counts;    /* [RANGE_TABLE_SIZE]: every range check (u32 operations and the
                                  memory chiplet's deltas) */
    uint64_t range_rows;       /* the range checker's table */
    uint64_t len;              /* the trace length */
} trace_plan_t;

/* Plan the trace of a run of core_rows rows whose chiplet counters are
 * counts and whose log holds at least its memory and kernel-ROM accesses
 * and range checks. Returns 0 (free with trace_plan_free), or -1 with a
 * message in err: TRACE_PLAN_TOO_LONG for a trace longer than TRACE_MAX_LEN,
 * -1 otherwise (inconsistent memory accesses, out of memory). */
#define TRACE_PLAN_TOO_LONG (-2)
int trace_plan_make(const mast_forest_t *f, uint64_t core_rows, const chiplet_counts_t *counts,
                    const chiplet_log_t *log, trace_plan_t *p, char *err, size_t err_len);
void trace_plan_free(trace_plan_t *p);

/* The chiplet work that does not come from executing fragments (memory
 * chiplet rows, kernel ROM, range checker, padding rows), cut into tasks
 * that write disjoint cells: task i of trace_plan_tasks(p). */
size_t trace_plan_tasks(const trace_plan_t *p);
int trace_plan_run_task(const trace_plan_t *p, const mast_forest_t *f, const chiplet_log_t *log,
                        size_t task, felt_t *cols, uint64_t len, char *err, size_t err_len);

/* The hasher, bitwise and ACE rows of a log that keeps every request
 * (CHIPLET_LOG_ALL): what the sequential builder writes itself, and the
 * fragment builders write as they meet the requests. */
int trace_plan_fill_hasher_bitwise(const trace_plan_t *p, const mast_forest_t *f,
                                   const chiplet_log_t *log, felt_t *cols, uint64_t len,
                                   char *err, size_t err_len);

#endif

/*
 * trace.h - the main trace: TRACE_NUM_COLUMNS (72) columns, column-major in one
 * buffer (cell (row, col) at cols[col * len + row]), and its assembly from
 * the executor's rows: program rows, HALT padding, and the random last row
 * drawn from an RpoRandomCoin seeded with the program hash
 * (spec/core-trace.md section 11, spec/hash.md).
 */
#ifndef FRAGTRACE_TRACE_TRACE_H
#define FRAGTRACE_TRACE_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "exec/exec.h"

typedef struct {
    felt_t *cols;    /* TRACE_NUM_COLUMNS * len */
    uint64_t len;    /* rows: a power of two, at least 64 */
} main_trace_t;

/* Growable store of core rows, row-major, as the sequential executor
 * produces them. */
typedef struct {
    felt_t *rows;    /* n * TRACE_CORE_WIDTH */
    size_t n, cap;
} row_buffer_t;

void row_buffer_init(row_buffer_t *b);
void row_buffer_free(row_buffer_t *b);
/* A row_sink_fn appending to a row_buffer_t. */
int row_buffer_sink(void *ctx, const felt_t row[TRACE_CORE_WIDTH], unsigned pending_inverses);

/* Run the program sequentially and build its main trace. Returns 0, or -1
 * with vm->err set (execution error) or errno-style out of memory. */
int trace_build_sequential(vm_t *vm, main_trace_t *out);

/* After the program rows: the HALT rows up to len - 2 and the random last
 * row, from the run's final state vm. */
void trace_finish(vm_t *vm, felt_t *cols, uint64_t len);

/* The two halves of trace_finish, for builders that share the HALT rows
 * out among threads: rows [from, to) (from > the last program row, to <=
 * len - 1) as copies of halt (which holds the columns of vm_halt_row; clk is
 * set per row), and the random last row of the program in f. */
void trace_fill_halt(felt_t *cols, uint64_t len, uint64_t from, uint64_t to,
                     const felt_t halt[TRACE_CORE_WIDTH]);
void trace_random_row(const mast_forest_t *f, felt_t *cols, uint64_t len);

/* A zeroed column buffer for a trace of len rows (mapped directly, with
 * transparent huge pages requested: the builders' cost is mostly first
 * touches of fresh pages), or NULL. Freed by main_trace_free or
 * trace_cols_free. */
felt_t *trace_cols_alloc(uint64_t len);
void trace_cols_free(felt_t *cols, uint64_t len);

void main_trace_free(main_trace_t *t);

/* Write as CSV (the vectors' format: one line per row, 72 canonical
 * decimals, no header). Returns 0 or -1 on a write error. */
int main_trace_write_csv(const main_trace_t *t, FILE *f);

/* Write the binary format of spec/trace-format.md. */
int main_trace_write_bin(const main_trace_t *t, FILE *f);

#endif

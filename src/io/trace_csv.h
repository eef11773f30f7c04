/*
 * trace_csv.h - main traces as CSV, the format of upstream's vectors:
 * one line per row, `width` comma-separated canonical decimal felts, no
 * header, each line ending in '\n'.
 */
#ifndef FRAGTRACE_IO_TRACE_CSV_H
#define FRAGTRACE_IO_TRACE_CSV_H

#include <stddef.h>
#include "field/felt.h"

/* Traces longer than this are refused (2^24 rows x 72 columns = 9 GiB). */
#define TRACE_CSV_MAX_ROWS ((size_t)1 << 24)

typedef struct {
    felt_t *cells;  /* rows x width, row-major; malloc'd */
    size_t rows;
    size_t width;
} csv_trace_t;

/* Read a CSV trace of exactly `width` columns. Returns 0, or -1 with
 * "PATH:LINE:COL: message" in err (a line of the wrong width, a value that
 * is not a canonical felt, a missing final newline, an empty file...). */
int trace_csv_read(const char *path, size_t width, csv_trace_t *out, char *err, size_t err_len);

void trace_csv_free(csv_trace_t *t);

#endif

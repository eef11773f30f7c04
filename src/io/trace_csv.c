/*
 * trace_csv.c - see trace_csv.h.
 */
#include "trace_csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field/felt_text.h"
#include "util/grow.h"

int trace_csv_read(const char *path, size_t width, csv_trace_t *out, char *err, size_t err_len)
{
    out->cells = NULL;
    out->rows = 0;
    out->width = width;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    size_t cap_rows = 64, row = 0, col = 0, line = 1, colno = 1, tok_len = 0, tok_col = 1;
    felt_t *cells = malloc(cap_rows * width * sizeof *cells);
    char tok[32];
    int rc = -1;
    if (!cells) {
        snprintf(err, err_len, "%s: out of memory", path);
        goto out;
    }
    for (;;) {
        const int c = fgetc(f);
        if (c == EOF) {
            if (ferror(f)) {
                snprintf(err, err_len, "%s: read error", path);
                goto out;
            }
            if (col != 0 || tok_len != 0) {
                snprintf(err, err_len, "%s:%zu:%zu: last line does not end in a newline", path,
                         line, colno);
                goto out;
            }
            break;
        }
        if (c == ',' || c == '\n') {
            felt_t v;
            const int st = felt_parse_dec(tok, tok_len, &v);
            if (st != 0) {
                snprintf(err, err_len, "%s:%zu:%zu: column %zu: %s", path, line, tok_col, col,
                         felt_parse_message(st));
                goto out;
            }
            if (col >= width) {
                snprintf(err, err_len, "%s:%zu:%zu: more than %zu columns", path, line, tok_col,
                         width);
                goto out;
            }
            if (row == cap_rows) {
                if (cap_rows >= TRACE_CSV_MAX_ROWS) {
                    snprintf(err, err_len, "%s:%zu: more than %zu rows", path, line,
                             TRACE_CSV_MAX_ROWS);
                    goto out;
                }
                if (grow_array((void **)&cells, &cap_rows, row + 1, width * sizeof *cells,
                               64) != 0) {
                    snprintf(err, err_len, "%s: out of memory", path);
                    goto out;
                }
            }
            cells[row * width + col] = v;
            col++;
            tok_len = 0;
            tok_col = colno + 1;
            if (c == '\n') {
                if (col != width) {
                    snprintf(err, err_len, "%s:%zu: %zu columns, expected %zu", path, line, col,
                             width);
                    goto out;
                }
                row++;
                col = 0;
                line++;
                colno = 1;
                tok_col = 1;
                continue;
            }
        } else if (tok_len < sizeof tok) {
            tok[tok_len++] = (char)c;
        } else {
            snprintf(err, err_len, "%s:%zu:%zu: value too long", path, line, tok_col);
            goto out;
        }
        colno++;
    }
    if (row == 0) {
        snprintf(err, err_len, "%s: empty trace", path);
        goto out;
    }
    out->cells = cells;
    out->rows = row;
    cells = NULL;
    rc = 0;
out:
    free(cells);
    fclose(f);
    return rc;
}

void trace_csv_free(csv_trace_t *t)
{
    free(t->cells);
    t->cells = NULL;
    t->rows = 0;
}

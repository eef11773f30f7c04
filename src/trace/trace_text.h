/*
 * trace_text.h - the canonical trace text and its SHA-256.
 *
 * The text of a main trace: one line per row, its TRACE_NUM_COLUMNS (72)
 * values in column order as canonical decimals separated by ',', each line
 * ending in '\n'; no header, no spaces. Byte for byte what
 * main_trace_write_csv writes and what upstream's vectors hold (trace.csv),
 * so a trace is identified by the SHA-256 of this text without writing it.
 */
#ifndef FRAGTRACE_TRACE_TRACE_TEXT_H
#define FRAGTRACE_TRACE_TRACE_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "air/layout.h"
#include "field/felt.h"

/* Room for one line: 72 values of at most 20 digits, each followed by
 * ',' or '\n'. */
#define TRACE_TEXT_ROW_MAX (TRACE_NUM_COLUMNS * 21)

/* Write the line of row r (with its '\n') of the column-major trace cols
 * (TRACE_NUM_COLUMNS x len, cell (r, c) at cols[c * len + r], canonical
 * values) into buf (TRACE_TEXT_ROW_MAX bytes; not NUL-terminated).
 * Returns the number of bytes written. */
size_t trace_text_row(const felt_t *cols, uint64_t len, uint64_t r, char *buf);

/* Lowercase hex SHA-256 of the text of all len rows. */
void trace_text_sha256(const felt_t *cols, uint64_t len, char hex[65]);

#endif

/*
 * felt_text.h - felts as text: canonical decimal in and out.
 *
 * Input is strict: one or more ASCII digits, no sign, no spaces, no leading
 * '+', and the value must be < p. A value >= p is rejected, not reduced:
 * a user who typed it meant something the field cannot hold.
 */
#ifndef FRAGTRACE_FIELD_FELT_TEXT_H
#define FRAGTRACE_FIELD_FELT_TEXT_H

#include <stddef.h>
#include "felt.h"

enum felt_parse_status {
    FELT_PARSE_OK = 0,
    FELT_PARSE_EMPTY = -1,     /* no digits */
    FELT_PARSE_NOT_DIGIT = -2, /* a character that is not 0-9 */
    FELT_PARSE_TOO_BIG = -3    /* the value is >= p */
};

/* Parse s[0..len) as one canonical felt. On success writes *out. */
int felt_parse_dec(const char *s, size_t len, felt_t *out);

/* A one-line English description of a felt_parse_status. */
const char *felt_parse_message(int status);

/* Longest decimal form of a felt (20 digits) plus the terminating NUL. */
#define FELT_DEC_MAX 21

/* Write a as decimal into buf (at least FELT_DEC_MAX bytes); returns the
 * number of characters written, not counting the NUL. */
size_t felt_format_dec(felt_t a, char buf[FELT_DEC_MAX]);

#endif

/*
 * felt_list.h - comma-separated lists of decimal felts on the command line
 * (stack inputs, advice stack, rpo input).
 */
#ifndef FRAGTRACE_IO_FELT_LIST_H
#define FRAGTRACE_IO_FELT_LIST_H

#include <stddef.h>
#include "field/felt.h"

/* Longest list accepted, so a typo cannot ask for gigabytes. */
#define FELT_LIST_MAX ((size_t)1 << 20)

typedef struct {
    felt_t *v;  /* malloc'd, NULL when n == 0 */
    size_t n;
} felt_list_t;

/* Parse "v,v,...,v" (the empty string is the empty list). On error returns
 * -1 and writes a one-line message (no newline) into err; the list is left
 * empty. what names the argument in messages, e.g. "ELEMENTS". */
int felt_list_parse(const char *text, const char *what, felt_list_t *out,
                    char *err, size_t err_len);

void felt_list_free(felt_list_t *list);

#endif

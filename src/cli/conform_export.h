/*
 * conform_export.h - `fragtrace conform DIR` on an exported vector
 * directory (spec/vectors-format.md): every selected case run by fragtrace
 * itself or by another implementation through a command template, TAP on
 * stdout (spec/conform.md).
 */
#ifndef FRAGTRACE_CLI_CONFORM_EXPORT_H
#define FRAGTRACE_CLI_CONFORM_EXPORT_H

#include <stddef.h>

#define CONFORM_TIMEOUT_DEFAULT 120

typedef struct {
    const char *impl;              /* --impl TEMPLATE, or NULL: fragtrace in-process */
    unsigned jobs;                 /* --jobs: cases run at a time with --impl */
    const char *const *filters;    /* --filter patterns (fnmatch), n_filters of them */
    size_t n_filters;
    unsigned timeout_s;            /* --timeout: per case, with --impl */
} conform_opts_t;

/* Check DIR/manifest.json and the selected cases' files, then run the
 * cases and print TAP. Returns the exit status: 0 every selected case
 * passed, 1 at least one failed, 2 bad usage or a malformed export (one
 * line on stderr, nothing on stdout). */
int conform_export(const char *dir, const conform_opts_t *o);

#endif

/*
 * parse.h - program text -> MAST forest (format: spec/program-format.md).
 */
#ifndef FRAGTRACE_MAST_PARSE_H
#define FRAGTRACE_MAST_PARSE_H

#include <stddef.h>
#include "mast/forest.h"

/* Parse text[0..len) into f (initialised by the caller with
 * mast_forest_init). `file` names the input in messages. Returns 0, or -1
 * with "FILE:LINE:COL: message" (or "FILE: message") in err; on error f is
 * freed. */
int mast_parse(const char *file, const char *text, size_t len, mast_forest_t *f, char *err,
               size_t err_len);

/* Read and parse a file (at most PROGRAM_MAX_BYTES). Same contract. */
int mast_parse_file(const char *path, mast_forest_t *f, char *err, size_t err_len);

#endif

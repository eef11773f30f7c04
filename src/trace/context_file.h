/*
 * context_file.h - fragment contexts as data: the versioned little-endian
 * file that `fragtrace contexts` writes and `fragtrace trace --from-contexts`
 * reads (layout: spec/fragment-context.md).
 */
#ifndef FRAGTRACE_TRACE_CONTEXT_FILE_H
#define FRAGTRACE_TRACE_CONTEXT_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "trace/fragment.h"

#define CONTEXT_FILE_MAGIC "FTFRAGS"   /* 8 bytes with its NUL */
#define CONTEXT_FILE_VERSION 1u

/* Write set to out. Returns 0, or -1 on a write error. */
int context_file_write(const fragment_set_t *set, FILE *out);

/* Parse the len bytes of a context file into set (freed with
 * fragment_set_free, also after an error). check_sum = 0 skips the trailing
 * checksum (only the context fuzzer does that, to reach the checks behind
 * it). Sizes are checked against the bytes present before anything is
 * allocated. The result still has to pass fragment_set_validate against the
 * program. Returns 0, or -1 with "byte OFFSET: what" in err. */
int context_file_parse(const unsigned char *buf, size_t len, int check_sum, fragment_set_t *set,
                       char *err, size_t err_len);

/* FNV-1a, 64 bits: the file's trailing checksum. */
uint64_t context_file_checksum(const unsigned char *buf, size_t len);

#endif

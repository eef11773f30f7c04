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
#define CONTEXT_FILE_VERSION 5u
#define CONTEXT_HEADER_BYTES 64
/* Limits a reader checks in the header before it reads anything else: a
 * program runs at most 2^29 cycles, so there are at most 2^29 fragments;
 * 16 GiB is what a 24 GiB machine can hold next to the trace. */
#define CONTEXT_FILE_MAX_BYTES ((uint64_t)1 << 34)
#define CONTEXT_FILE_MAX_FRAGMENTS ((uint32_t)1 << 29)
#define CONTEXT_FILE_MAX_FRAGMENT_LEN ((uint64_t)1 << 32)

/* The 64-byte header. */
typedef struct {
    uint32_t n;               /* fragment contexts */
    uint64_t file_len;        /* bytes in the whole file, checksum included */
    word_t program_hash;
    uint64_t fragment_len;
} context_header_t;

/* Bytes that context_file_write writes for set. */
uint64_t context_file_size(const fragment_set_t *set);

/* Write set to out. Returns 0, or -1 on a write error or a set beyond the
 * limits above. */
int context_file_write(const fragment_set_t *set, FILE *out);

/* Check the first len bytes of a file as a header (magic, version, counts
 * and the announced length within the limits). Returns 0, or -1 with
 * "byte OFFSET: what" in err. */
int context_file_header(const unsigned char *hdr, size_t len, context_header_t *h, char *err,
                        size_t err_len);

/* Parse the len bytes of a context file into set (freed with
 * fragment_set_free, also after an error). check_sum = 0 skips the trailing
 * checksum (tests/t_contexts.c does, to reach the checks behind it). Sizes
 * are checked against the bytes present before anything is allocated, and
 * the arenas' links and the contexts' stack references before anything
 * follows them. The result still has to pass fragment_set_validate against
 * the program. Returns 0, or -1 with "byte OFFSET: what" in err. */
int context_file_parse(const unsigned char *buf, size_t len, int check_sum, fragment_set_t *set,
                       char *err, size_t err_len);

/* Read and parse the context file at path: the header first, then exactly
 * the bytes it announces (a stream that is not a context file is refused
 * after at most 64 bytes). Returns 0, or -1 with "PATH: byte OFFSET: what"
 * in err. */
int context_file_read(const char *path, int check_sum, fragment_set_t *set, char *err,
                      size_t err_len);

/* The file's trailing checksum over its first len bytes: util/checksum.h's
 * (64-bit FNV-1a), named for the callers that reseal edited files. */
uint64_t context_file_checksum(const unsigned char *buf, size_t len);

#endif

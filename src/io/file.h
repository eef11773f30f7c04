/*
 * file.h - whole-file reads with a size limit and a clear error.
 */
#ifndef FRAGTRACE_IO_FILE_H
#define FRAGTRACE_IO_FILE_H

#include <stddef.h>
#include <stdio.h>

/* fopen(path, "rb"), refusing a directory with a message that says so.
 * Returns NULL with "PATH: message" in err on failure. */
FILE *file_open_read(const char *path, char *err, size_t err_len);

/* Read all of path (at most max bytes) into a malloc'd NUL-terminated
 * buffer. Returns NULL with "PATH: message" in err on failure. */
char *file_read_all(const char *path, size_t max, size_t *len, char *err, size_t err_len);

#endif

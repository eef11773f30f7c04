/*
 * file.h - whole-file reads with a size limit and a clear error.
 */
#ifndef FRAGTRACE_IO_FILE_H
#define FRAGTRACE_IO_FILE_H

#include <stddef.h>

/* Read all of path (at most max bytes) into a malloc'd NUL-terminated
 * buffer. Returns NULL with "PATH: message" in err on failure. */
char *file_read_all(const char *path, size_t max, size_t *len, char *err, size_t err_len);

#endif

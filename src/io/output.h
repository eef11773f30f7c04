/*
 * output.h - writing a command's output file (`-o OUT`) safely.
 *
 *   - OUT "-" (or no OUT) is standard output.
 *   - A symlinked OUT is resolved to the file it names: the link stays a
 *     link and its target receives the output.
 *   - A target that exists and is not a regular file (a character device
 *     such as /dev/null, a FIFO, a terminal) and a link through /proc's
 *     file-descriptor links (/dev/stdout, /dev/fd/N) are written directly:
 *     that is where the user pointed.
 *   - Otherwise the output goes to a fresh temporary file created
 *     exclusively (mkstemp) in the target's directory and is renamed over
 *     the target only when complete: a failed or interrupted run leaves the
 *     target as it was and no temporary file behind (SIGINT, SIGTERM and
 *     SIGHUP remove it).
 */
#ifndef FRAGTRACE_IO_OUTPUT_H
#define FRAGTRACE_IO_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

/* Longest OUT path accepted (and of its resolved target). */
#define OUTPUT_PATH_MAX 4096

typedef struct {
    FILE *f;                        /* where to write */
    int to_stdout;                  /* f is stdout */
    int direct;                     /* f is the target itself (no rename) */
    char target[OUTPUT_PATH_MAX];   /* the resolved target */
    char tmp[OUTPUT_PATH_MAX + 16]; /* the temporary file ("" when none) */
} output_t;

/* Open OUT (NULL or "-": standard output). Returns 0, or -1 with
 * "OUT: what" in err. An empty OUT is refused. */
int output_open(output_t *o, const char *out, char *err, size_t err_len);

/* Finish: flush and close, then rename the temporary file over the target.
 * Returns 0, or -1 with "OUT: what" in err (the temporary file is then
 * removed and the target untouched). */
int output_commit(output_t *o, char *err, size_t err_len);

/* Give up: close and remove the temporary file; the target is untouched. */
void output_abort(output_t *o);

#endif

/*
 * file.c - see file.h.
 */
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/grow.h"

FILE *file_open_read(const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(err, err_len, "%s: is a directory, not a file", path);
        fclose(f);
        return NULL;
    }
    return f;
}

char *file_read_all(const char *path, size_t max, size_t *len, char *err, size_t err_len)
{
    FILE *f = file_open_read(path, err, err_len);
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        const size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
        if (n > max) {
            snprintf(err, err_len, "%s: larger than the limit of %zu bytes", path, max);
            free(buf);
            fclose(f);
            return NULL;
        }
        /* Room for one more byte and the final '\0' (full: double). */
        if (grow_array((void **)&buf, &cap, n + 2, 1, 4096) != 0) {
            free(buf);
            buf = NULL;
        }
    }
    if (!buf || ferror(f)) {
        if (buf)
            snprintf(err, err_len, "%s: read error: %s", path, strerror(errno));
        else
            snprintf(err, err_len, "%s: out of memory", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/*
 * shared_vectors.h - read the upstream vectors in ../shared (never copied
 * into this repository): case metadata and trace CSV files.
 *
 * The directory is $FRAGTRACE_SHARED, else ../shared relative to the
 * repository root (tests run from there).
 */
#ifndef FRAGTRACE_TESTS_SHARED_VECTORS_H
#define FRAGTRACE_TESTS_SHARED_VECTORS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UPSTREAM_CASES 27
#define TRACE_COLUMNS 72

static inline const char *shared_dir(void)
{
    const char *d = getenv("FRAGTRACE_SHARED");
    return d ? d : "../shared";
}

/* Read a whole file, NUL-terminated; NULL if it cannot be read. */
static inline char *slurp_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* The numbers of the JSON array at "key": [n, n, ...]; returns how many
 * were read (at most max), or -1 if the key is absent or malformed. */
static inline int json_u64_array(const char *json, const char *key, uint64_t *out, int max)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = strstr(json, pat);
    if (!p)
        return -1;
    p = strchr(p + strlen(pat), '[');
    if (!p)
        return -1;
    p++;
    int n = 0;
    for (;;) {
        while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == ',')
            p++;
        if (*p == ']')
            return n;
        char *end;
        const unsigned long long v = strtoull(p, &end, 10);
        if (end == p || n >= max)
            return -1;
        out[n++] = v;
        p = end;
    }
}

/* Path of a file of upstream case k (1-based): .../case_NN/NAME. */
static inline void case_path(char *buf, size_t len, int k, const char *name)
{
    snprintf(buf, len, "%s/vectors/miden-v0.19.0/case_%02d/%s", shared_dir(), k, name);
}

/* A trace CSV: rows x TRACE_COLUMNS values, row-major. */
typedef struct {
    uint64_t *v;
    size_t rows;
} ref_trace_t;

/* Parse a trace CSV; returns 0, or -1 with a message in err. */
static inline int ref_trace_load(const char *path, ref_trace_t *t, char *err, size_t err_len)
{
    size_t len;
    char *text = slurp_file(path, &len);
    t->v = NULL;
    t->rows = 0;
    if (!text) {
        snprintf(err, err_len, "%s: cannot read", path);
        return -1;
    }
    size_t rows = 0;
    for (size_t i = 0; i < len; i++)
        rows += text[i] == '\n';
    t->v = malloc((rows + 1) * TRACE_COLUMNS * sizeof *t->v);
    const char *p = text;
    size_t r = 0;
    while (*p) {
        for (int c = 0; c < TRACE_COLUMNS; c++) {
            char *end;
            t->v[r * TRACE_COLUMNS + c] = strtoull(p, &end, 10);
            const char want = c + 1 < TRACE_COLUMNS ? ',' : '\n';
            if (end == p || (*end != want && !(want == '\n' && *end == '\0'))) {
                snprintf(err, err_len, "%s:%zu: column %d malformed", path, r + 1, c);
                free(text);
                return -1;
            }
            p = *end ? end + 1 : end;
        }
        r++;
    }
    t->rows = r;
    free(text);
    return 0;
}

#endif

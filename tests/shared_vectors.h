/*
 * shared_vectors.h - read the upstream vectors in ../shared (never copied
 * into this repository): case metadata and trace CSV files; what a test
 * does when they are absent; the pinned sizes of the vector sets.
 *
 * The directory is $FRAGTRACE_SHARED, else ../shared relative to the
 * repository root (tests run from there).
 *
 * Absent vectors are a skip only on a developer's machine: when CI is set
 * (non-empty) or FRAGTRACE_REQUIRE_VECTORS=1 they are a failure
 * (shared_vectors_absent, shared_vectors_absent_all).
 */
#ifndef FRAGTRACE_TESTS_SHARED_VECTORS_H
#define FRAGTRACE_TESTS_SHARED_VECTORS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* The sizes of the vector sets, pinned: a test that iterates one of them
 * compares what it found with these, so an empty or half-copied set fails. */
#define UPSTREAM_CASES 27    /* vectors/miden-v0.19.0/cases.json */
#define UPSTREAM_PROGRAMS 10 /* vectors/miden-v0.19.0/programs/ *.masm */
#define ORACLE_CASES 80      /* vectors/oracle-v0.19.0/ops/cases.json */
#define ORACLE_PROGRAMS 80   /* vectors/oracle-v0.19.0/ops/programs/ *.masm */
#define OWN_PROGRAMS 50      /* this repository's vectors/programs/ *.masm */
#define OWN_BENCH_PROGRAMS 2 /* of which bench_*.masm (the two 2^20-cycle workloads) */
#define TRACE_COLUMNS 72

static inline const char *shared_dir(void)
{
    const char *d = getenv("FRAGTRACE_SHARED");
    return d ? d : "../shared";
}

/* The oracle cases (named after their operation) not checked yet, each
 * with the reason; every other oracle case must match. Pinned: a case
 * leaves this list when the crypto issue makes it run (the tests fail
 * until it does). The first ORACLE_DEFERRED_INPUTS have Merkle-store
 * inputs (an .inputs file), the others use an operation fragtrace refuses
 * as not yet supported. */
#define ORACLE_DEFERRED 0
#define ORACLE_DEFERRED_INPUTS 0
/* Oracle cases with an .inputs file (their Merkle stores): emit, mpverify,
 * mrupdate. */
#define ORACLE_INPUT_CASES 3

static const struct {
    const char *name, *why;
} oracle_deferred[ORACLE_DEFERRED + 1] __attribute__((unused)) = {
    /* one more than ORACLE_DEFERRED: a { NULL, NULL } sentinel, so that the list
       compiles when it is empty */
    { NULL, NULL },
};

/* Index of oracle case name in oracle_deferred, or -1. */
static inline int oracle_deferred_index(const char *name)
{
    for (int i = 0; i < ORACLE_DEFERRED; i++)
        if (!strcmp(oracle_deferred[i].name, name))
            return i;
    return -1;
}

/* The compiled-program set vectors/masb-v0.19.0 (index.json): its size,
 * and the vectors t_masb does not run yet, each with the reason (their
 * program hash is still checked). Pinned like oracle_deferred: a vector
 * leaves this list when what it needs arrives (t_masb checks that it is
 * still refused, so it fails until the list is updated). */
#define MASB_CASES 10
#define MASB_DEFERRED 0

/* One more element than MASB_DEFERRED: a { NULL, NULL } sentinel, so that
 * the list compiles when it is empty. */
static const struct {
    const char *name, *why;
} masb_deferred[MASB_DEFERRED + 1] __attribute__((unused)) = {
    { NULL, NULL },
};

/* Must the shared vectors be present? Yes in CI (CI set and non-empty) and
 * with FRAGTRACE_REQUIRE_VECTORS=1. */
static inline int shared_vectors_required(void)
{
    const char *ci = getenv("CI"), *req = getenv("FRAGTRACE_REQUIRE_VECTORS");
    return (ci && ci[0]) || (req && !strcmp(req, "1"));
}

/* One check that needs what (a path under shared_dir()) which is absent:
 * "not ok" when the vectors are required, else "ok # SKIP". */
static inline void shared_vectors_absent(const char *what)
{
    if (shared_vectors_required())
        tap_ok(0, "%s is absent: the shared vectors are required (CI or "
               "FRAGTRACE_REQUIRE_VECTORS=1; set FRAGTRACE_SHARED)", what);
    else
        tap_skip("%s is absent (set FRAGTRACE_SHARED)", what);
}

/* A whole test needs what, which is absent, before its plan: a one-check
 * failing plan when the vectors are required, else "1..0 # SKIP"; exits. */
static inline void shared_vectors_absent_all(const char *what)
{
    if (shared_vectors_required()) {
        tap_plan(1);
        shared_vectors_absent(what);
        exit(tap_done());
    }
    char why[1200];
    snprintf(why, sizeof why, "%.1000s is absent (set FRAGTRACE_SHARED)", what);
    tap_skip_all(why);
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

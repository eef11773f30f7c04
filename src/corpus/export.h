/*
 * export.h - writing a corpus as a portable vectors directory
 * (spec/vectors-format.md): DIR/manifest.json and DIR/cases/NAME/...
 *
 * The directory is built in a fresh sibling DIR.tmp-XXXXXX and renamed to
 * DIR only when complete, so a failed export leaves no DIR behind (and the
 * temporary directory is removed).
 */
#ifndef FRAGTRACE_CORPUS_EXPORT_H
#define FRAGTRACE_CORPUS_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "corpus/corpus.h"

/* Traces of more rows than this get no trace.csv unless asked otherwise. */
#define EXPORT_MAX_ROWS_DEFAULT 65536

typedef struct {
    uint64_t max_rows;             /* write trace.csv only for at most this many rows */
    const char *const *filters;    /* fnmatch(3) patterns: a case is exported when one */
    size_t n_filters;              /* matches its name or a tag (none: every case) */
    /* Called after each case (may be NULL): cases done of total. */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
} export_opts_t;

typedef struct {
    size_t cases;                  /* cases written */
    size_t trace_files;            /* trace.csv files written */
    uint64_t bytes;                /* bytes of all files written, manifest.json included */
} export_stats_t;

/* 1 if a case is selected by the patterns: one matches its name or one of
 * its tags (tags comma-separated, may be NULL), as `corpus list --filter`
 * selects; every case when n is 0. */
int export_filter_match(const char *name, const char *tags, const char *const *patterns,
                        size_t n);

/* Write the cases of c (by name, byte order) into out_dir, which must not
 * exist or be an empty directory. Returns 0; 2 when out_dir cannot be used
 * ("DIR: exists and is not empty", not a directory, no writable parent);
 * 1 on any other failure (the corpus, a write). err holds one line. */
int export_corpus(corpus_t *c, const char *out_dir, const export_opts_t *o, export_stats_t *st,
                  char *err, size_t err_len);

#endif

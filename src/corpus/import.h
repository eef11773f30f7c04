/*
 * import.h - adding the cases of an exported vectors directory
 * (spec/vectors-format.md) to a corpus.
 *
 * All or nothing: the manifest and the directory's layout are checked
 * completely before the corpus is touched; then, inside one transaction,
 * every case folder is checked (manifest_check_case: files, SHA-256s,
 * inputs, trace) and the selected cases are added. Any error rolls the
 * transaction back, so the corpus is unchanged.
 */
#ifndef FRAGTRACE_CORPUS_IMPORT_H
#define FRAGTRACE_CORPUS_IMPORT_H

#include <stddef.h>

#include "corpus/corpus.h"

typedef struct {
    const char *const *filters;    /* fnmatch(3) patterns: a case is imported when one */
    size_t n_filters;              /* matches its name or a tag (none: every case) */
    /* Called after each case checked (may be NULL): cases done of total. */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
} import_opts_t;

/* Import DIR into c. Every case of DIR is checked, whether selected or
 * not: a damaged directory is refused as a whole. *imported is the number
 * of cases added. Returns 0; 2 when DIR is not a well-formed export (err
 * names the file, with LINE:COL in manifest.json); 1 when the corpus
 * refused (e.g. a case name it already has) or failed. */
int import_vectors(corpus_t *c, const char *dir, const import_opts_t *o, size_t *imported,
                   char *err, size_t err_len);

#endif

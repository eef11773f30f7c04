/*
 * import.c - see import.h; the format is spec/vectors-format.md.
 */
#include "import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus/export.h"
#include "corpus/manifest.h"

/* The tags joined with ',' (the corpus form), or NULL (out of memory). */
static char *join_tags(const manifest_case_t *mc)
{
    size_t n = 1;
    for (size_t i = 0; i < mc->n_tags; i++)
        n += strlen(mc->tags[i]) + 1;
    char *s = malloc(n), *p = s;
    if (!s)
        return NULL;
    *p = '\0';
    for (size_t i = 0; i < mc->n_tags; i++) {
        const size_t len = strlen(mc->tags[i]);
        if (i)
            *p++ = ',';
        memcpy(p, mc->tags[i], len + 1);
        p += len;
    }
    return s;
}

/* Add case mc with the contents of its files d; 0, or -1 with err set. */
static int add_case(corpus_t *c, const manifest_case_t *mc, manifest_data_t *d, char *err,
                    size_t err_len)
{
    /* The case borrows the manifest's strings and d's buffers: it is not
       freed with corpus_case_free. */
    corpus_case_t k;
    memset(&k, 0, sizeof k);
    k.name = mc->name;
    k.fragment_size = mc->fragment_size;
    k.provenance = mc->provenance;
    k.program = mc->program;
    k.tags = join_tags(mc);
    if (!k.tags) {
        snprintf(err, err_len, "case %s: out of memory", mc->name);
        return -1;
    }
    k.program_hash = mc->program_hash;
    k.text = mc->program_text;
    k.masb = d->masb;
    k.masb_len = d->masb_len;
    k.source = d->source;
    k.n_libs = mc->n_libs;
    for (unsigned i = 0; i < mc->n_libs; i++) {
        k.libs[i] = d->libs[i];
        k.lib_len[i] = d->lib_len[i];
    }
    k.operand_stack = mc->operand_stack;
    k.advice_stack = mc->advice_stack;
    k.advice_map = mc->advice_map;
    k.merkle_store = mc->merkle_store;
    k.ok = mc->ok;
    if (mc->ok) {
        memcpy(k.stack_outputs, mc->stack_outputs, sizeof k.stack_outputs);
        k.cycles = mc->cycles;
        k.trace_rows = mc->trace_rows;
        memcpy(k.trace_sha256, mc->trace_sha256, sizeof k.trace_sha256);
    } else {
        k.error_kind = mc->error_kind;
        k.has_error_clk = mc->has_error_clk;
        k.error_clk = mc->error_clk;
    }
    k.trace = d->trace;
    k.trace_stored = d->trace != NULL;
    k.contexts = d->contexts;
    k.contexts_len = d->contexts_len;
    const int rc = corpus_add_case(c, &k, err, err_len);
    free(k.tags);
    return rc;
}

int import_vectors(corpus_t *c, const char *dir, const import_opts_t *o, size_t *imported,
                   char *err, size_t err_len)
{
    *imported = 0;
    manifest_t m;
    if (manifest_read(dir, &m, err, err_len) != 0)
        return 2;
    if (manifest_check_dir(&m, err, err_len) != 0) {
        manifest_free(&m);
        return 2;
    }
    if (corpus_begin(c, err, err_len) != 0) {
        manifest_free(&m);
        return 1;
    }
    int rc = 0;
    size_t added = 0;
    for (size_t i = 0; i < m.n_cases && rc == 0; i++) {
        const manifest_case_t *mc = &m.cases[i];
        char *tags = join_tags(mc);
        if (!tags) {
            snprintf(err, err_len, "case %s: out of memory", mc->name);
            rc = 1;
            break;
        }
        const int selected = export_filter_match(mc->name, tags, o->filters, o->n_filters);
        free(tags);
        manifest_data_t d;
        /* Unselected cases are checked too, without keeping their data. */
        if (manifest_check_case(&m, i, selected ? &d : NULL, err, err_len) != 0) {
            rc = 2;
            break;
        }
        if (selected) {
            if (add_case(c, mc, &d, err, err_len) != 0)
                rc = 1;
            else
                added++;
            manifest_data_free(&d);
        }
        if (o->progress)
            o->progress(o->progress_ctx, i + 1, m.n_cases);
    }
    if (rc == 0 && corpus_commit(c, err, err_len) != 0)
        rc = 1;
    if (rc != 0)
        corpus_rollback(c);
    else
        *imported = added;
    manifest_free(&m);
    return rc;
}

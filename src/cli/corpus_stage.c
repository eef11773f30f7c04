/*
 * corpus_stage.c - adding programs to the corpus (corpus_stage.h).
 */
#include "corpus_stage.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_run.h"
#include "cli.h"
#include "exec/exec.h"
#include "io/file.h"
#include "mast/load.h"
#include "mast/masb.h"
#include "mast/masb_write.h"
#include "trace/trace_text.h"
#include "version.h"

#define CORPUS_FILE_MAX ((size_t)1 << 28)

char *read_bytes(const char *path, size_t *len)
{
    char err[1024];
    char *data = file_read_all(path, CORPUS_FILE_MAX, len, err, sizeof err);
    if (!data)
        cli_error(CMD, "%s", err);
    return data;
}

/* The text program at path as a .masb, with its libraries' externals
 * resolved; NULL (and a note) when it cannot be written as one. */
static unsigned char *compile_masb(const char *path, const exec_args_t *a, size_t *len)
{
    mast_forest_t f;
    mast_advice_map_t map = { NULL, NULL, 0 };
    char err[1024];
    mast_forest_init(&f);
    if (mast_load_file(path, &f, &map, err, sizeof err) != 0) {
        mast_advice_map_free(&map);
        return NULL;
    }
    const uint32_t own = f.n_nodes;
    for (unsigned k = 0; k < a->n_libs; k++)
        if (mast_load_library(a->libs[k], k, &f, &map, err, sizeof err) != 0) {
            mast_advice_map_free(&map);
            return NULL;
        }
    mast_advice_map_free(&map);
    unsigned char *bytes = NULL;
    if (masb_write(&f, MASB_PROGRAM, own, &bytes, len, err, sizeof err) != 0) {
        fprintf(stderr, "fragtrace: corpus: note: %s: stored without a .masb: %s\n", path, err);
        bytes = NULL;
    }
    mast_forest_free(&f);
    return bytes;
}

/* Do a fragment build and the sequential one agree? "" when they do. */
static void compare_builds(const case_result_t *seq, const case_result_t *par, char *why,
                           size_t n)
{
    why[0] = 0;
    if (seq->ok != par->ok) {
        snprintf(why, n, "outcome: sequential %.300s, parallel %.300s", seq->ok ? "ok" : seq->message,
                 par->ok ? "ok" : par->message);
    } else if (!seq->ok) {
        if (seq->kind != par->kind || seq->clk != par->clk)
            snprintf(why, n, "error: sequential %s at clk %" PRIu64 ", parallel %s at clk %"
                     PRIu64, exec_error_kind_name(seq->kind), seq->clk,
                     exec_error_kind_name(par->kind), par->clk);
    } else if (seq->trace.len != par->trace.len) {
        snprintf(why, n, "trace length: sequential %" PRIu64 ", parallel %" PRIu64,
                 seq->trace.len, par->trace.len);
    } else if (memcmp(seq->outputs, par->outputs, sizeof seq->outputs)) {
        snprintf(why, n, "stack outputs differ");
    } else {
        case_trace_diff(seq->trace.cols, par->trace.cols, seq->trace.len, why, n);
    }
}

/* Run the request's program and stage its cases in c's open transaction;
 * a line per case goes to log. 0, or -1 after printing the error (the
 * caller rolls back). */
int stage_cases(corpus_t *c, add_request_t *q, FILE *log)
{
    exec_args_t *a = &q->a;
    corpus_case_t k;
    memset(&k, 0, sizeof k);
    case_result_t seq, par;
    memset(&seq, 0, sizeof seq);
    memset(&par, 0, sizeof par);
    char err[2048];
    int rc = -1;
    const expect_t *ex = q->expect;
    size_t len;
    char *bytes = read_bytes(a->file, &len);
    if (!bytes)
        goto out;
    if (masb_is_binary((const unsigned char *)bytes, len)) {
        k.masb = (unsigned char *)bytes;
        k.masb_len = len;
    } else {
        k.text = bytes;
        k.masb = compile_masb(a->file, a, &k.masb_len);
    }
    if (q->source && !(k.source = read_bytes(q->source, &len)))
        goto out;
    for (unsigned i = 0; i < a->n_libs; i++) {
        k.libs[i] = (unsigned char *)read_bytes(a->libs[i], &k.lib_len[i]);
        if (!k.libs[i])
            goto out;
        k.n_libs = i + 1;
    }
    k.program = strdup(q->program);
    k.tags = strdup(q->tags);
    k.provenance = strdup(ex && ex->provenance ? ex->provenance : "fragtrace " FRAGTRACE_VERSION);
    if (case_inputs_from_args(a, &k) != 0 || !k.program || !k.tags || !k.provenance) {
        cli_error(CMD, "add: out of memory");
        goto out;
    }
    /* fragtrace's expectation: the sequential build */
    if (case_build(a, CASE_BUILD_SEQUENTIAL, 0, 1, NULL, 0, 0, &seq, err, sizeof err) != 0) {
        cli_error(CMD, "add: %s", err);
        goto out;
    }
    {
        mast_forest_t hf;
        exec_args_t copy = *a;
        vm_t *hv = program_prepare("corpus add", &copy, &hf);
        if (!hv)
            goto out;
        k.program_hash = mast_program_hash(&hf);
        program_release(hv, &hf);
    }
    /* where fragtrace and the given expectation disagree, the expectation
       is stored and verify will report the case */
    const char *differs = NULL;
    char why[1024] = "";
    if (ex && ex->has_hash && !word_eq(ex->hash, k.program_hash)) {
        differs = "program hash";
        k.program_hash = ex->hash;
    }
    k.ok = ex && ex->has_outcome ? ex->ok : seq.ok;
    if (k.ok) {
        if (ex && ex->has_outcome) {
            memcpy(k.stack_outputs, ex->outputs, sizeof k.stack_outputs);
            k.cycles = ex->cycles ? ex->cycles : seq.cycles;
            k.trace_rows = ex->rows;
            if (ex->trace)
                trace_text_sha256(ex->trace, ex->rows, k.trace_sha256);
            else
                memcpy(k.trace_sha256, ex->sha, sizeof k.trace_sha256);
        } else {
            memcpy(k.stack_outputs, seq.outputs, sizeof k.stack_outputs);
            k.cycles = seq.cycles;
            k.trace_rows = seq.trace.len;
            trace_text_sha256(seq.trace.cols, seq.trace.len, k.trace_sha256);
        }
    } else {
        k.error_kind = strdup(ex && ex->has_outcome ? ex->error_kind
                                                    : exec_error_kind_name(seq.kind));
        k.has_error_clk = ex && ex->has_outcome ? ex->has_clk : 1;
        k.error_clk = ex && ex->has_outcome ? ex->clk : seq.clk;
        if (!k.error_kind)
            goto out;
    }
    if (ex && ex->has_outcome && !differs) {
        if (seq.ok != k.ok)
            differs = "outcome";
        else if (!k.ok && (strcmp(exec_error_kind_name(seq.kind), k.error_kind) ||
                           (k.has_error_clk && seq.clk != k.error_clk)))
            differs = "error";
        else if (k.ok && memcmp(seq.outputs, k.stack_outputs, sizeof k.stack_outputs))
            differs = "stack outputs";
        else if (k.ok && seq.trace.len != k.trace_rows)
            differs = "trace length";
        else if (k.ok && ex->trace && case_trace_diff(ex->trace, seq.trace.cols, k.trace_rows,
                                                      why, sizeof why))
            differs = why;
        else if (k.ok && !ex->trace) {
            char hex[65];
            trace_text_sha256(seq.trace.cols, seq.trace.len, hex);
            if (strcmp(hex, k.trace_sha256))
                differs = "trace SHA-256";
        }
    }
    if (differs)
        fprintf(stderr, "fragtrace: corpus: warning: %s: fragtrace's run differs from the "
                "expectation of %s (%s); stored as given, so verify reports it\n", q->case_base,
                k.provenance, differs);
    for (unsigned i = 0; i < q->n_frag; i++) {
        char cname[CORPUS_NAME_MAX + 1];
        if (q->n_frag == 1)
            snprintf(cname, sizeof cname, "%s", q->case_base);
        else
            snprintf(cname, sizeof cname, "%s-f%" PRIu64, q->case_base, q->fragments[i]);
        if (case_build(a, CASE_BUILD_PARALLEL, q->fragments[i], a->threads, NULL, 0, 1, &par,
                       err, sizeof err) != 0) {
            cli_error(CMD, "add: case %s: %s", cname, err);
            goto out;
        }
        compare_builds(&seq, &par, why, sizeof why);
        if (why[0] && !ex) {
            cli_error(CMD, "add: case %s: the build from fragment contexts of %" PRIu64
                      " cycles differs from the sequential build: %s (a fragtrace defect; "
                      "nothing added)", cname, q->fragments[i], why);
            goto out;
        }
        k.name = cname;
        k.fragment_size = q->fragments[i];
        const felt_t *expected = ex ? ex->trace : seq.ok ? seq.trace.cols : NULL;
        k.trace = k.ok && expected && k.trace_rows <= q->store_rows ? (felt_t *)expected : NULL;
        k.contexts = par.contexts;
        k.contexts_len = par.contexts_len;
        const int arc = corpus_add_case(c, &k, err, sizeof err);
        const int stored = k.trace != NULL;
        k.name = NULL;
        k.trace = NULL;
        k.contexts = NULL;
        case_result_free(&par);
        if (arc != 0) {
            cli_error(CMD, "add: %s", err);
            goto out;
        }
        if (k.ok)
            fprintf(log, "corpus: added %s (%" PRIu64 " cycles, %" PRIu64 " rows, fragment size %"
                    PRIu64 ", trace %s, %s)\n", cname, k.cycles, k.trace_rows, q->fragments[i],
                    stored ? "stored" : "hash only", k.provenance);
        else {
            char at[40] = "";
            if (k.has_error_clk)
                snprintf(at, sizeof at, " at clk %" PRIu64, k.error_clk);
            fprintf(log, "corpus: added %s (fails: %s%s, fragment size %" PRIu64 ", %s)\n",
                    cname, k.error_kind, at, q->fragments[i], k.provenance);
        }
    }
    rc = 0;
out:
    case_result_free(&seq);
    case_result_free(&par);
    corpus_case_free(&k);
    return rc;
}

/* Stage requests with one transaction around them all, then print the log. */
int add_all(const char *db, add_request_t *q, size_t n)
{
    corpus_t *c;
    char err[2048];
    if (corpus_open(db, CORPUS_WRITE, &c, err, sizeof err) != 0) {
        cli_error(CMD, "add: %s", err);
        return EXIT_USAGE;
    }
    char *log = NULL;
    size_t log_len = 0;
    FILE *lf = open_memstream(&log, &log_len);
    int status = 1;
    if (!lf) {
        cli_error(CMD, "add: out of memory");
    } else if (corpus_begin(c, err, sizeof err) != 0) {
        cli_error(CMD, "add: %s", err);
    } else {
        size_t i = 0;
        while (i < n && stage_cases(c, &q[i], lf) == 0)
            i++;
        if (i < n)
            corpus_rollback(c);
        else if (corpus_commit(c, err, sizeof err) != 0)
            cli_error(CMD, "add: %s (nothing added)", err);
        else
            status = 0;
    }
    if (lf)
        fclose(lf);
    if (status == 0 && log)
        fwrite(log, 1, log_len, stdout);
    free(log);
    corpus_close(c);
    return status;
}


/*
 * cmd_corpus_upstream.c - `fragtrace corpus import-upstream`: add upstream's
 * vectors to the corpus with the values the Rust VM computed as the
 * expectation (provenance "miden-vm v0.19.0"):
 *   --vectors DIR  the 27 traces of miden-v0.19.0 (cases.json, case_NN/trace.csv):
 *                  the whole upstream trace is stored as the expected trace;
 *   --masb DIR     the compiled programs of masb-v0.19.0 (index.json, NAME/meta.json):
 *                  the .masb, its MASM source and host libraries, and the
 *                  expected outcome with the trace's SHA-256.
 * All cases are added in one transaction. A vector with an inputs file
 * (its operand stack, advice and Merkle store) is added with --inputs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "air/layout.h"
#include "cli.h"
#include "corpus_stage.h"
#include "exec/exec.h"
#include "io/file.h"
#include "io/json.h"
#include "io/trace_csv.h"
#include "version.h"

#define JSON_MAX ((size_t)1 << 24)
#define MAX_CASES 256

/* Everything one request points to, freed together. */
typedef struct {
    add_request_t q[MAX_CASES];
    expect_t ex[MAX_CASES];
    char *strings[MAX_CASES * 8];
    felt_t *traces[MAX_CASES];
    size_t n, n_strings;
} batch_t;

static char *keep(batch_t *b, char *s)
{
    if (s && b->n_strings < sizeof b->strings / sizeof b->strings[0])
        b->strings[b->n_strings++] = s;
    else {
        free(s);
        s = NULL;
    }
    return s;
}

static char *fmt(batch_t *b, const char *f, const char *x, const char *y)
{
    const int n = snprintf(NULL, 0, f, x, y);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s)
        snprintf(s, (size_t)n + 1, f, x, y);
    return keep(b, s);
}

static json_value_t *read_json(const char *path)
{
    char err[1024];
    size_t len;
    char *text = file_read_all(path, JSON_MAX, &len, err, sizeof err);
    if (!text) {
        cli_error(CMD, "import-upstream: %s", err);
        return NULL;
    }
    json_value_t *v = json_parse(text, len, err, sizeof err);
    free(text);
    if (!v)
        cli_error(CMD, "import-upstream: %s:%s", path, err);
    return v;
}

static int bad(const char *path, const json_value_t *at, const char *what)
{
    cli_error(CMD, "import-upstream: %s:%d:%d: %s", path, at ? at->line : 1, at ? at->col : 1,
              what);
    return -1;
}

/* A felt from a JSON number or decimal string. */
static int felt_of(const json_value_t *v, felt_t *out)
{
    if (v && v->kind == JSON_STRING) {
        json_value_t tmp = *v;
        tmp.kind = JSON_NUMBER;
        return json_felt(&tmp, out);
    }
    return json_felt(v, out);
}

static int felts_of(const json_value_t *a, felt_t *out, size_t n)
{
    if (!a || a->kind != JSON_ARRAY || a->n != n)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (felt_of(a->items[i], &out[i]) != 0)
            return -1;
    return 0;
}

/* "v,v,..." of a JSON array of felts (numbers or decimal strings). */
static char *felt_list_text(batch_t *b, const json_value_t *a)
{
    if (!a || a->kind != JSON_ARRAY)
        return NULL;
    size_t len = 1;
    for (size_t i = 0; i < a->n; i++) {
        felt_t x;
        if (felt_of(a->items[i], &x) != 0)
            return NULL;
        len += a->items[i]->len + 1;
    }
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = 0;
    size_t at = 0;
    for (size_t i = 0; i < a->n; i++)
        at += (size_t)snprintf(s + at, len - at, "%s%s", i ? "," : "", a->items[i]->text);
    return keep(b, s);
}

/* Open the request's program the way `corpus add` does: argv for
 * program_open. */
static int open_request(add_request_t *q, char **argv, int argc, unsigned threads)
{
    mast_forest_t f;
    argv[argc] = NULL;
    vm_t *vm = program_open("corpus import-upstream", argc, argv, 0, &q->a, &f);
    if (!vm)
        return -1;
    program_release(vm, &f);
    q->a.threads = threads;
    return 0;
}

static int add_miden_vectors(batch_t *b, const char *dir, unsigned threads)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/cases.json", dir);
    json_value_t *root = read_json(path);
    if (!root)
        return -1;
    int rc = 0;
    if (root->kind != JSON_ARRAY)
        rc = bad(path, root, "expected an array of cases");
    for (size_t i = 0; rc == 0 && i < root->n; i++) {
        const json_value_t *c = root->items[i];
        const json_value_t *num = c->kind == JSON_OBJECT ? json_get(c, "case") : NULL;
        const json_value_t *prog = c->kind == JSON_OBJECT ? json_get(c, "program") : NULL;
        felt_t n, frag, len;
        if (b->n == MAX_CASES) {
            rc = bad(path, c, "too many cases");
            break;
        }
        add_request_t *q = &b->q[b->n];
        expect_t *ex = &b->ex[b->n];
        memset(ex, 0, sizeof *ex);
        if (!num || felt_of(num, &n) != 0 || n > 9999 || !prog || prog->kind != JSON_STRING ||
            felt_of(json_get(c, "fragment_size"), &frag) != 0 || frag < 1 ||
            frag > (UINT64_C(1) << 32) || felt_of(json_get(c, "length"), &len) != 0 ||
            felts_of(json_get(c, "program_hash"), ex->hash.v, 4) != 0 ||
            felts_of(json_get(c, "stack_outputs"), ex->outputs, CORPUS_STACK_OUTPUTS) != 0) {
            rc = bad(path, c, "a case entry lacks case, program, fragment_size, length, "
                     "program_hash or stack_outputs, or has a bad value");
            break;
        }
        char num_text[16], stem[256];
        snprintf(num_text, sizeof num_text, "%02u", (unsigned)n);
        const char *base = strrchr(prog->text, '/');
        snprintf(stem, sizeof stem, "%s", base ? base + 1 : prog->text);
        char *dot = strrchr(stem, '.');
        if (dot)
            *dot = 0;
        char *stack = felt_list_text(b, json_get(c, "stack_inputs"));
        char *file = fmt(b, "%s/%s", dir, prog->text);
        char *case_name = fmt(b, "miden-case_%s%s", num_text, "");
        char *program = fmt(b, "miden-%s%s", stem, "");
        char *csv = fmt(b, "%s/case_%s/trace.csv", dir, num_text);
        if (!stack || !file || !case_name || !program || !csv) {
            rc = bad(path, c, "stack_inputs malformed (or out of memory)");
            break;
        }
        csv_trace_t t;
        char err[1024];
        if (trace_csv_read(csv, TRACE_NUM_COLUMNS, &t, err, sizeof err) != 0) {
            cli_error(CMD, "import-upstream: %s", err);
            rc = -1;
            break;
        }
        if (t.rows != len || len < 64 || (len & (len - 1))) {
            cli_error(CMD, "import-upstream: %s: %zu rows, cases.json says %" PRIu64, csv,
                      t.rows, len);
            trace_csv_free(&t);
            rc = -1;
            break;
        }
        felt_t *cols = malloc((size_t)len * TRACE_NUM_COLUMNS * sizeof *cols);
        for (uint64_t r = 0; cols && r < len; r++)
            for (int k = 0; k < TRACE_NUM_COLUMNS; k++)
                cols[(uint64_t)k * len + r] = t.cells[r * TRACE_NUM_COLUMNS + (uint64_t)k];
        trace_csv_free(&t);
        if (!cols) {
            cli_error(CMD, "import-upstream: out of memory");
            rc = -1;
            break;
        }
        b->traces[b->n] = cols;
        ex->provenance = FRAGTRACE_VM_VERSION;
        ex->has_hash = 1;
        ex->has_outcome = 1;
        ex->ok = 1;
        ex->rows = len;
        ex->trace = cols;
        memset(q, 0, sizeof *q);
        char *argv[8];
        int argc = 0;
        argv[argc++] = "corpus import-upstream";
        argv[argc++] = file;
        if (stack[0]) {
            argv[argc++] = "--stack";
            argv[argc++] = stack;
        }
        if (open_request(q, argv, argc, threads) != 0) {
            rc = -1;
            break;
        }
        q->case_base = case_name;
        q->program = program;
        q->tags = "upstream,miden-vectors";
        q->fragments[0] = frag;
        q->n_frag = 1;
        q->store_rows = UINT64_C(1) << 32;
        q->expect = ex;
        b->n++;
    }
    json_free(root);
    return rc;
}

/* fragtrace's error kind for the first line of upstream's error text. */
static const char *error_kind_of(const char *upstream)
{
    static const struct {
        const char *prefix, *kind;
    } map[] = {
        { "assertion failed", "failed_assertion" },
        { "operation expected u32 values", "not_u32" },
        { "division by zero", "divide_by_zero" },
        { "exceeded the allowed number of max cycles", "cycle_limit" },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strncmp(upstream, map[i].prefix, strlen(map[i].prefix)))
            return map[i].kind;
    return NULL;
}

static int add_masb_vector(batch_t *b, const char *dir, const char *name, unsigned threads,
                           FILE *notes)
{
    (void)notes; /* for a vector skipped with a note: none is, now that the Merkle store is in */
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/meta.json", dir, name);
    json_value_t *m = read_json(path);
    if (!m)
        return -1;
    int rc = -1;
    add_request_t *q = &b->q[b->n];
    expect_t *ex = &b->ex[b->n];
    memset(ex, 0, sizeof *ex);
    memset(q, 0, sizeof *q);
    const json_value_t *e = json_get(m, "expected");
    const json_value_t *outcome = e ? json_get(e, "outcome") : NULL;
    const json_value_t *inputs = json_get(m, "inputs_file");
    const json_value_t *libs = json_get(m, "host_libraries");
    felt_t frag;
    if (m->kind != JSON_OBJECT || !outcome || outcome->kind != JSON_STRING ||
        felt_of(json_get(m, "fragment_size"), &frag) != 0 || frag < 1 ||
        felts_of(json_get(m, "program_hash"), ex->hash.v, 4) != 0 || !libs ||
        libs->kind != JSON_ARRAY || libs->n > CORPUS_MAX_LIBS) {
        bad(path, m, "meta.json lacks expected.outcome, fragment_size, program_hash or "
            "host_libraries, or has a bad value");
        goto out;
    }
    char *argv[8 + 2 * CORPUS_MAX_LIBS];
    int argc = 0;
    argv[argc++] = "corpus import-upstream";
    argv[argc++] = fmt(b, "%s/%s/program.masb", dir, name);
    if (inputs && inputs->kind == JSON_STRING) {
        char *ipath = fmt(b, "%s/%s", dir, name);
        ipath = ipath ? fmt(b, "%s/%s", ipath, inputs->text) : NULL;
        if (!ipath)
            goto out;
        argv[argc++] = "--inputs";
        argv[argc++] = ipath;
    } else {
        char *stack = felt_list_text(b, json_get(m, "stack_inputs"));
        if (!stack) {
            bad(path, m, "stack_inputs malformed");
            goto out;
        }
        if (stack[0]) {
            argv[argc++] = "--stack";
            argv[argc++] = stack;
        }
    }
    for (size_t i = 0; i < libs->n; i++) {
        if (libs->items[i]->kind != JSON_STRING) {
            bad(path, libs->items[i], "host_libraries: expected file names");
            goto out;
        }
        argv[argc++] = "--lib";
        argv[argc++] = fmt(b, "%s/%s", dir, name);
        if (argv[argc - 1])
            argv[argc - 1] = fmt(b, "%s/%s", argv[argc - 1], libs->items[i]->text);
    }
    for (int i = 0; i < argc; i++)
        if (!argv[i])
            goto out;
    ex->provenance = FRAGTRACE_VM_VERSION;
    ex->has_hash = 1;
    ex->has_outcome = 1;
    if (!strcmp(outcome->text, "ok")) {
        const json_value_t *sha = json_get(e, "trace_sha256");
        felt_t cycles, rows;
        ex->ok = 1;
        if (felts_of(json_get(e, "stack_outputs"), ex->outputs, CORPUS_STACK_OUTPUTS) != 0 ||
            felt_of(json_get(e, "cycles"), &cycles) != 0 ||
            felt_of(json_get(e, "trace_rows"), &rows) != 0 || !sha ||
            sha->kind != JSON_STRING || sha->len != 64) {
            bad(path, e, "expected: stack_outputs, cycles, trace_rows or trace_sha256 missing "
                "or malformed");
            goto out;
        }
        ex->cycles = cycles;
        ex->rows = rows;
        memcpy(ex->sha, sha->text, 65);
    } else {
        const json_value_t *msg = json_get(e, "error");
        const json_value_t *clk = json_get(e, "clk");
        ex->ok = 0;
        ex->error_kind = msg && msg->kind == JSON_STRING ? error_kind_of(msg->text) : NULL;
        if (!ex->error_kind) {
            bad(path, msg ? msg : e, "expected.error: an upstream error this importer cannot "
                "name");
            goto out;
        }
        ex->has_clk = clk && clk->kind != JSON_NULL;
        if (ex->has_clk && felt_of(clk, &ex->clk) != 0) {
            bad(path, clk, "expected.clk: not a number");
            goto out;
        }
    }
    if (open_request(q, argv, argc, threads) != 0)
        goto out;
    q->case_base = fmt(b, "masb-%s%s", name, "");
    q->program = q->case_base;
    q->tags = "upstream,masb";
    q->source = fmt(b, "%s/%s/program.masm", dir, name);
    q->fragments[0] = frag;
    q->n_frag = 1;
    q->store_rows = UINT64_C(1) << 32;
    q->expect = ex;
    if (!q->case_base || !q->source) {
        exec_args_free(&q->a);
        goto out;
    }
    b->n++;
    rc = 0;
out:
    json_free(m);
    return rc;
}

static int add_masb_vectors(batch_t *b, const char *dir, unsigned threads, FILE *notes)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/index.json", dir);
    json_value_t *idx = read_json(path);
    if (!idx)
        return -1;
    int rc = idx->kind == JSON_ARRAY ? 0 : bad(path, idx, "expected an array");
    for (size_t i = 0; rc == 0 && i < idx->n; i++) {
        const json_value_t *name = idx->items[i]->kind == JSON_OBJECT
                                       ? json_get(idx->items[i], "name") : NULL;
        if (!name || name->kind != JSON_STRING || !strlen(name->text) ||
            strchr(name->text, '/') || name->text[0] == '.') {
            rc = bad(path, idx->items[i], "an entry without a plain \"name\"");
            break;
        }
        if (b->n == MAX_CASES) {
            rc = bad(path, idx->items[i], "too many vectors");
            break;
        }
        const int r = add_masb_vector(b, dir, name->text, threads, notes);
        rc = r < 0 ? -1 : 0;
    }
    json_free(idx);
    return rc;
}

int corpus_import_upstream(int argc, char **argv)
{
    const char *db = NULL, *vectors = NULL, *masb = NULL;
    unsigned threads = 2;
    for (int i = 1; i < argc; i++) {
        const int has = i + 1 < argc;
        if (!strcmp(argv[i], "--db") && has)
            db = argv[++i];
        else if (!strcmp(argv[i], "--vectors") && has)
            vectors = argv[++i];
        else if (!strcmp(argv[i], "--masb") && has)
            masb = argv[++i];
        else if (!strcmp(argv[i], "--threads") && has)
            threads = (unsigned)strtoul(argv[++i], NULL, 10);
        else {
            cli_error(CMD, "import-upstream: unknown argument '%s'", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (!db || (!vectors && !masb) || threads < 1 || threads > 256) {
        cli_error(CMD, "import-upstream: usage: --db DB [--vectors DIR] [--masb DIR] "
                  "[--threads T]");
        return EXIT_USAGE;
    }
    batch_t *b = calloc(1, sizeof *b);
    if (!b) {
        cli_error(CMD, "import-upstream: out of memory");
        return EXIT_USAGE;
    }
    char *notes = NULL;
    size_t notes_len = 0;
    FILE *nf = open_memstream(&notes, &notes_len);
    int status = EXIT_USAGE;
    if (nf && (!vectors || add_miden_vectors(b, vectors, threads) == 0) &&
        (!masb || add_masb_vectors(b, masb, threads, nf) == 0)) {
        fflush(nf);
        status = add_all(db, b->q, b->n);
    }
    if (nf)
        fclose(nf);
    if (status == 0 && notes)
        fputs(notes, stdout);
    free(notes);
    for (size_t i = 0; i < b->n; i++)
        exec_args_free(&b->q[i].a);
    for (size_t i = 0; i < MAX_CASES; i++)
        free(b->traces[i]);
    for (size_t i = 0; i < b->n_strings; i++)
        free(b->strings[i]);
    free(b);
    return status;
}

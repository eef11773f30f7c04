/*
 * cmd_export.c - `fragtrace export` and `fragtrace import`: a corpus to and
 * from the portable vectors directory of spec/vectors-format.md. The work
 * is in src/corpus/export.c and import.c; this file reads the options and
 * reports.
 *
 * Exit: 0 done; 1 the corpus failed or refused (e.g. a case it already
 * has), or a write failed; 2 bad usage, an unusable output directory or a
 * malformed export. Nothing is written to stdout on error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "corpus/corpus.h"
#include "corpus/export.h"
#include "corpus/import.h"
#include "progress.h"

static const char export_usage[] =
    "usage: fragtrace export --db DB --out DIR [--max-rows N] [--filter PATTERN]... [--quiet]\n"
    "\n"
    "Write the cases of the corpus DB as a vectors directory (spec/vectors-format.md):\n"
    "DIR/manifest.json and DIR/cases/NAME/{program.txt, program.masb, source.masm,\n"
    "libK.mast, inputs.json, trace.csv, contexts.ftctx}. DIR must not exist or be empty;\n"
    "it appears only when complete.\n"
    "\n"
    "  --max-rows N        write trace.csv only for traces of at most N rows (default 65536);\n"
    "                      larger ones are pinned by their trace_sha256 alone\n"
    "  --filter PATTERN    only the cases whose name or a tag matches the shell pattern\n"
    "                      (repeatable: any of them)\n"
    "  --quiet             no progress line on a terminal";

static const char import_usage[] =
    "usage: fragtrace import --db DB DIR [--filter PATTERN]... [--quiet]\n"
    "\n"
    "Add the cases of the exported directory DIR to the corpus DB, all or none: DIR is\n"
    "checked completely (manifest, files and their SHA-256s, traces) and the cases are\n"
    "added in one transaction.\n"
    "\n"
    "  --filter PATTERN    only the cases whose name or a tag matches the shell pattern\n"
    "                      (repeatable); every case of DIR is still checked\n"
    "  --quiet             no progress line on a terminal";

typedef struct {
    const char *db, *out, *dir;
    uint64_t max_rows;
    int has_max_rows, quiet;
    const char **filters;
    size_t n_filters;
} args_t;

/* Parse the options of export (is_export) or import; 0, or -1 after the
 * error line. */
static int parse_args(const char *cmd, int is_export, int argc, char **argv, args_t *a)
{
    memset(a, 0, sizeof *a);
    a->max_rows = EXPORT_MAX_ROWS_DEFAULT;
    a->filters = calloc((size_t)argc, sizeof *a->filters);
    if (!a->filters) {
        cli_error(cmd, "out of memory");
        return -1;
    }
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const int takes_value = !strcmp(o, "--db") || !strcmp(o, "--filter") ||
                                (is_export && (!strcmp(o, "--out") || !strcmp(o, "--max-rows")));
        if (takes_value && i + 1 >= argc) {
            cli_error(cmd, "%s needs a value (try 'fragtrace %s --help')", o, cmd);
            return -1;
        }
        const char *val = takes_value ? argv[++i] : NULL;
        if (!strcmp(o, "--db") || (is_export && !strcmp(o, "--out"))) {
            const char **slot = o[2] == 'd' ? &a->db : &a->out;
            if (*slot) {
                cli_error(cmd, "%s is given twice", o);
                return -1;
            }
            if (!*val) {
                cli_error(cmd, "%s: the path is empty", o);
                return -1;
            }
            *slot = val;
        } else if (!strcmp(o, "--filter")) {
            if (!*val) {
                cli_error(cmd, "--filter: the pattern is empty");
                return -1;
            }
            a->filters[a->n_filters++] = val;
        } else if (is_export && !strcmp(o, "--max-rows")) {
            char *end;
            if (a->has_max_rows) {
                cli_error(cmd, "--max-rows is given twice");
                return -1;
            }
            errno = 0;
            if (val[0] < '0' || val[0] > '9' ||
                (a->max_rows = strtoull(val, &end, 10), *end || errno == ERANGE)) {
                cli_error(cmd, "--max-rows: '%s' is not a whole number from 0 to 2^64 - 1", val);
                return -1;
            }
            a->has_max_rows = 1;
        } else if (!strcmp(o, "--quiet")) {
            a->quiet = 1;
        } else if (o[0] == '-' && o[1] != '\0') {
            cli_error(cmd, "unknown option '%s' (try 'fragtrace %s --help')", o, cmd);
            return -1;
        } else if (is_export || a->dir) {
            cli_error(cmd, is_export ? "unexpected argument '%s' (the directory is --out DIR)"
                                     : "expected one DIR (got '%s' and '%s')",
                      is_export ? o : a->dir, o);
            return -1;
        } else {
            a->dir = o;
        }
    }
    if (!a->db) {
        cli_error(cmd, "--db DB is required (try 'fragtrace %s --help')", cmd);
        return -1;
    }
    if (is_export ? !a->out : !a->dir) {
        cli_error(cmd, "%s is required (try 'fragtrace %s --help')", is_export ? "--out DIR"
                  : "DIR", cmd);
        return -1;
    }
    return 0;
}

static void show_progress(void *ctx, size_t done, size_t total)
{
    progress_update(ctx, 0, "cases", done, total, "cases");
}

int cmd_export(int argc, char **argv)
{
    if (cli_help(argc, argv, export_usage))
        return 0;
    args_t a;
    char err[2048];
    if (parse_args("export", 1, argc, argv, &a) != 0) {
        free(a.filters);
        return EXIT_USAGE;
    }
    corpus_t *c;
    if (corpus_open(a.db, CORPUS_READ, &c, err, sizeof err) != 0) {
        cli_error("export", "%s", err);
        free(a.filters);
        return EXIT_USAGE;
    }
    progress_t p;
    progress_init(&p, "export", a.quiet);
    const export_opts_t o = { a.max_rows, a.filters, a.n_filters, show_progress, &p };
    export_stats_t st;
    const int rc = export_corpus(c, a.out, &o, &st, err, sizeof err);
    progress_clear(&p);
    corpus_close(c);
    free(a.filters);
    if (rc != 0) {
        cli_error("export", "%s", err);
        return rc;
    }
    printf("export: %zu cases to %s (%zu trace files, %llu bytes)\n", st.cases, a.out,
           st.trace_files, (unsigned long long)st.bytes);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("export", "cannot write to standard output");
        return 1;
    }
    return 0;
}

int cmd_import(int argc, char **argv)
{
    if (cli_help(argc, argv, import_usage))
        return 0;
    args_t a;
    char err[2048];
    if (parse_args("import", 0, argc, argv, &a) != 0) {
        free(a.filters);
        return EXIT_USAGE;
    }
    corpus_t *c;
    if (corpus_open(a.db, CORPUS_WRITE, &c, err, sizeof err) != 0) {
        cli_error("import", "%s", err);
        free(a.filters);
        return EXIT_USAGE;
    }
    progress_t p;
    progress_init(&p, "import", a.quiet);
    const import_opts_t o = { a.filters, a.n_filters, show_progress, &p };
    size_t n;
    const int rc = import_vectors(c, a.dir, &o, &n, err, sizeof err);
    progress_clear(&p);
    corpus_close(c);
    free(a.filters);
    if (rc != 0) {
        cli_error("import", "%s", err);
        return rc;
    }
    printf("import: %zu cases from %s into %s\n", n, a.dir, a.db);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("import", "cannot write to standard output");
        return 1;
    }
    return 0;
}

/*
 * cmd_conform.c - `fragtrace conform [--vectors DIR]`: check fragtrace
 * against upstream's conformance vectors (../shared/vectors/miden-v0.19.0
 * by default; spec/conform.md).
 *
 * For every case of DIR/cases.json, fragtrace runs the case's program on
 * its stack inputs, builds the main trace in parallel from fragment
 * contexts of the case's fragment_size, and compares in this order: the
 * program hash, the stack outputs, the trace length, then the trace cell by
 * cell against DIR/case_NN/trace.csv (row by row, all 72 columns: core,
 * range checker, chiplets, padding, and the random last row). One line per
 * case ("ok" or the first difference), then a summary that says what was
 * compared.
 *
 * Exit: 0 every case passed; 1 a difference (or fragtrace failed to run a
 * case); 2 bad usage or malformed/missing vector files, named with
 * file:line:col. Case lines are buffered and written only when no vector
 * file is malformed, so an exit 2 leaves stdout empty.
 *
 * `fragtrace conform DIR [--impl T] [--jobs N] [--filter P]... [--timeout S]`
 * with a DIR that `fragtrace export` wrote (DIR/manifest.json) is
 * conform_export.c; a DIR with cases.json and no manifest.json is the same
 * as --vectors DIR.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "air/layout.h"
#include "cli.h"
#include "exec/exec.h"
#include "hash/rpo.h"
#include "io/file.h"
#include "io/json.h"
#include "io/trace_csv.h"
#include "mast/forest.h"
#include "trace/fragment.h"
#include "trace/trace.h"

#include "conform_export.h"
#include "program_args.h"

#define VECTORS_DEFAULT "../shared/vectors/miden-v0.19.0"
#define META_MAX ((size_t)1 << 24)

/* One entry of cases.json, checked. */
typedef struct {
    unsigned long long num;
    const char *program;          /* as written in cases.json (points into the JSON tree) */
    word_t hash;
    felt_t outputs[STACK_TOP];    /* top first */
    felt_t inputs[STACK_TOP];     /* last on top */
    size_t n_inputs;
    uint64_t fragment;
    uint64_t length;
    const json_value_t *length_v;
} conform_case_t;

/* A field of entry c: felt array of exactly n (or at most n if !exact)
 * elements. 0, or -1 after naming the file, line and column. */
static int get_felts(const char *path, const json_value_t *c, const char *key, felt_t *out,
                     size_t n, int exact, size_t *got)
{
    const json_value_t *a = json_get(c, key);
    if (!a) {
        cli_error("conform", "%s:%d:%d: case entry lacks \"%s\"", path, c->line, c->col, key);
        return -1;
    }
    if (a->kind != JSON_ARRAY || (exact ? a->n != n : a->n > n)) {
        cli_error("conform", "%s:%d:%d: \"%s\" must be an array of %s%zu field elements", path,
                  a->line, a->col, key, exact ? "" : "at most ", n);
        return -1;
    }
    for (size_t k = 0; k < a->n; k++)
        if (json_felt(a->items[k], &out[k]) != 0) {
            cli_error("conform", "%s:%d:%d: \"%s\" item %zu is not a field element (a canonical "
                      "decimal below p)", path, a->items[k]->line, a->items[k]->col, key, k);
            return -1;
        }
    if (got)
        *got = a->n;
    return 0;
}

/* A field of entry c: one felt in [lo, hi]. */
static int get_number(const char *path, const json_value_t *c, const char *key, uint64_t lo,
                      uint64_t hi, uint64_t *out)
{
    const json_value_t *v = json_get(c, key);
    felt_t x;
    if (!v) {
        cli_error("conform", "%s:%d:%d: case entry lacks \"%s\"", path, c->line, c->col, key);
        return -1;
    }
    if ((json_felt(v, &x) != 0 || x < lo || x > hi) && lo == hi) {
        cli_error("conform", "%s:%d:%d: \"%s\" must be %llu", path, v->line, v->col, key,
                  (unsigned long long)lo);
        return -1;
    }
    if (json_felt(v, &x) != 0 || x < lo || x > hi) {
        cli_error("conform", "%s:%d:%d: \"%s\" must be a whole number from %llu to %llu", path,
                  v->line, v->col, key, (unsigned long long)lo, (unsigned long long)hi);
        return -1;
    }
    *out = x;
    return 0;
}

static int parse_case(const char *path, const json_value_t *c, conform_case_t *k)
{
    memset(k, 0, sizeof *k);
    if (c->kind != JSON_OBJECT) {
        cli_error("conform", "%s:%d:%d: expected a case object, got %s", path, c->line, c->col,
                  json_kind_name(c->kind));
        return -1;
    }
    uint64_t num, width;
    const json_value_t *prog = json_get(c, "program");
    if (get_number(path, c, "case", 0, 999999, &num) != 0)
        return -1;
    k->num = num;
    if (!prog || prog->kind != JSON_STRING || prog->len == 0 || strlen(prog->text) != prog->len) {
        const json_value_t *at = prog ? prog : c;
        cli_error("conform", "%s:%d:%d: \"program\" must be a non-empty path relative to the "
                  "vectors folder", path, at->line, at->col);
        return -1;
    }
    k->program = prog->text;
    if (get_felts(path, c, "program_hash", k->hash.v, RPO_DIGEST_LEN, 1, NULL) != 0 ||
        get_felts(path, c, "stack_outputs", k->outputs, STACK_TOP, 1, NULL) != 0 ||
        get_felts(path, c, "stack_inputs", k->inputs, STACK_TOP, 0, &k->n_inputs) != 0 ||
        get_number(path, c, "fragment_size", 1, UINT64_C(1) << 32, &k->fragment) != 0 ||
        get_number(path, c, "width", TRACE_NUM_COLUMNS, TRACE_NUM_COLUMNS, &width) != 0 ||
        get_number(path, c, "length", 2, TRACE_CSV_MAX_ROWS, &k->length) != 0)
        return -1;
    k->length_v = json_get(c, "length");
    return 0;
}

static void print_word(FILE *out, const word_t *w)
{
    fprintf(out, "[%llu, %llu, %llu, %llu]", (unsigned long long)w->v[0],
            (unsigned long long)w->v[1], (unsigned long long)w->v[2], (unsigned long long)w->v[3]);
}

/* Compare a built trace with upstream's; print the first difference (row
 * by row, lowest column first) after the case prefix. 1 if they differ. */
static int compare_trace(FILE *out, const main_trace_t *t, const csv_trace_t *u)
{
    const uint64_t len = t->len, last = len - 1;
    uint64_t bad_row = 0, n_bad = 0;
    int bad_col = -1;
    for (uint64_t r = 0; r < len; r++)
        for (int c = 0; c < TRACE_NUM_COLUMNS; c++) {
            if (t->cols[(uint64_t)c * len + r] != u->cells[r * TRACE_NUM_COLUMNS + (uint64_t)c]) {
                if (n_bad++ == 0) {
                    bad_row = r;
                    bad_col = c;
                }
            }
        }
    if (n_bad == 0)
        return 0;
    fprintf(out, "DIFFERS: trace row %llu%s, column %d (%s): fragtrace %llu, upstream %llu "
            "(%llu differing cell%s)\n", (unsigned long long)bad_row,
            bad_row == last ? " (the random row)" : "", bad_col, trace_column_name(bad_col),
            (unsigned long long)t->cols[(uint64_t)bad_col * len + bad_row],
            (unsigned long long)u->cells[bad_row * TRACE_NUM_COLUMNS + (uint64_t)bad_col],
            (unsigned long long)n_bad, n_bad == 1 ? "" : "s");
    return 1;
}

/* Run, build and compare one case, writing its line to out. Returns 0
 * (ok), 1 (a difference, or fragtrace failed on it) or EXIT_USAGE (a
 * vector file is malformed; the error is on stderr). */
static int conform_case(FILE *out, const char *dir, const char *meta_path,
                        const conform_case_t *k, unsigned threads)
{
    char csv_path[4096], prog_path[4096], err[4200];
    if ((size_t)snprintf(csv_path, sizeof csv_path, "%s/case_%02llu/trace.csv", dir, k->num)
            >= sizeof csv_path ||
        (size_t)snprintf(prog_path, sizeof prog_path, "%s/%s", dir, k->program)
            >= sizeof prog_path) {
        cli_error("conform", "%s: case %llu: path too long", meta_path, k->num);
        return EXIT_USAGE;
    }
    csv_trace_t u;
    if (trace_csv_read(csv_path, TRACE_NUM_COLUMNS, &u, err, sizeof err) != 0) {
        cli_error("conform", "%s", err);
        return EXIT_USAGE;
    }
    if (u.rows != k->length) {
        cli_error("conform", "%s: %zu rows, but %s:%d:%d gives length %llu", csv_path, u.rows,
                  meta_path, k->length_v->line, k->length_v->col,
                  (unsigned long long)k->length);
        trace_csv_free(&u);
        return EXIT_USAGE;
    }
    /* program_prepare only reads a; the inputs stay owned by k. */
    exec_args_t a;
    memset(&a, 0, sizeof a);
    a.file = prog_path;
    a.stack.v = (felt_t *)k->inputs;
    a.stack.n = k->n_inputs;
    a.max_cycles = MAX_CYCLES_DEFAULT;
    a.threads = threads;
    mast_forest_t f;
    vm_t *vm = program_prepare("conform", &a, &f);
    if (!vm) { /* it printed the error, naming the program file */
        trace_csv_free(&u);
        return EXIT_USAGE;
    }
    fprintf(out, "case %02llu %-44s ", k->num, k->program);
    int status = 1;
    const word_t h = mast_program_hash(&f);
    fragment_set_t set;
    main_trace_t t = { NULL, 0 };
    if (!word_eq(h, k->hash)) {
        fputs("DIFFERS: program hash: fragtrace ", out);
        print_word(out, &h);
        fputs(", upstream ", out);
        print_word(out, &k->hash);
        fputc('\n', out);
        goto done;
    }
    if (fragment_record(vm, k->fragment, &set) != 0) {
        char msg[1024];
        if (vm->err.kind != XERR_NONE)
            vm_format_error(vm, msg, sizeof msg);
        else
            snprintf(msg, sizeof msg, "out of memory");
        fprintf(out, "DIFFERS: execution failed: %s\n", msg);
        fragment_set_free(&set);
        goto done;
    }
    const int brc = fragment_build_trace(vm->f, vm->file, &set, threads, &t, err, sizeof err);
    fragment_set_free(&set);
    if (brc != 0) {
        fprintf(out, "DIFFERS: the parallel build failed: %s\n", err);
        goto done;
    }
    felt_t o[STACK_TOP];
    vm_outputs(vm, o);
    for (int i = 0; i < STACK_TOP; i++)
        if (o[i] != k->outputs[i]) {
            fprintf(out, "DIFFERS: stack outputs: position %d (top first): fragtrace %llu, "
                    "upstream %llu\n", i, (unsigned long long)o[i],
                    (unsigned long long)k->outputs[i]);
            goto done;
        }
    if (t.len != u.rows) {
        fprintf(out, "DIFFERS: trace length: fragtrace %llu rows, upstream %zu\n",
                (unsigned long long)t.len, u.rows);
        goto done;
    }
    if (compare_trace(out, &t, &u))
        goto done;
    fprintf(out, "ok (%llu rows, fragment size %llu)\n", (unsigned long long)t.len,
            (unsigned long long)k->fragment);
    status = 0;
done:
    if (t.cols)
        main_trace_free(&t);
    program_release(vm, &f);
    trace_csv_free(&u);
    return status;
}

/* What conform compares: everything fragtrace builds. */
static void print_compared(FILE *out)
{
    fprintf(out, "compared: program hash, stack outputs, trace length, all %d columns of every "
            "row", TRACE_NUM_COLUMNS);
}

/* `conform [--vectors DIR]`: upstream's vectors (cases.json). */
static int conform_vectors(const char *dir)
{
    char path[4096], err[4200];
    if ((size_t)snprintf(path, sizeof path, "%s/cases.json", dir) >= sizeof path) {
        cli_error("conform", "--vectors: path too long");
        return EXIT_USAGE;
    }
    size_t len;
    char *text = file_read_all(path, META_MAX, &len, err, sizeof err);
    if (!text) {
        cli_error("conform", "%s", err);
        return EXIT_USAGE;
    }
    json_value_t *root = json_parse(text, len, err, sizeof err);
    free(text);
    if (!root || root->kind != JSON_ARRAY || root->n == 0) {
        cli_error("conform", "%s:%s", path,
                  root ? "1:1: expected a non-empty array of cases" : err);
        json_free(root);
        return EXIT_USAGE;
    }
    /* Every entry is checked before anything runs. */
    conform_case_t *cases = calloc(root->n, sizeof *cases);
    if (!cases) {
        cli_error("conform", "out of memory");
        json_free(root);
        return EXIT_USAGE;
    }
    int status = 0;
    for (size_t i = 0; i < root->n && status == 0; i++)
        if (parse_case(path, root->items[i], &cases[i]) != 0)
            status = EXIT_USAGE;
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    const unsigned threads = cpus < 1 ? 1 : cpus > 256 ? 256 : (unsigned)cpus;
    char *buf = NULL;
    size_t buf_len = 0;
    FILE *out = status == 0 ? open_memstream(&buf, &buf_len) : NULL;
    if (status == 0 && !out) {
        cli_error("conform", "out of memory");
        status = EXIT_USAGE;
    }
    size_t passed = 0, failed = 0;
    for (size_t i = 0; i < root->n && status != EXIT_USAGE; i++) {
        const int rc = conform_case(out, dir, path, &cases[i], threads);
        if (rc == EXIT_USAGE)
            status = EXIT_USAGE;
        else if (rc == 0)
            passed++;
        else
            failed++;
    }
    if (out) {
        fprintf(out, "conform: %zu cases, %zu passed, %zu failed (", root->n, passed, failed);
        print_compared(out);
        fputs(")\n", out);
        if (fclose(out) != 0 && status == 0) {
            cli_error("conform", "out of memory");
            status = EXIT_USAGE;
        }
    }
    if (status == 0) {
        fwrite(buf, 1, buf_len, stdout);
        status = failed ? 1 : 0;
    }
    free(buf);
    free(cases);
    json_free(root);
    return status;
}

/* A whole number from lo to hi for option opt, or -1 after the error. */
static int option_number(const char *opt, const char *t, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    errno = 0;
    const unsigned long v = t[0] >= '0' && t[0] <= '9' ? strtoul(t, &end, 10) : 0;
    if (!(t[0] >= '0' && t[0] <= '9') || *end || errno || v < lo || v > hi) {
        cli_error("conform", "%s: expected a whole number from %u to %u, got '%s'", opt, lo, hi,
                  t);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static int is_file(const char *dir, const char *name)
{
    char path[4096];
    struct stat sb;
    return (size_t)snprintf(path, sizeof path, "%s/%s", dir, name) < sizeof path &&
           stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

int cmd_conform(int argc, char **argv)
{
    if (cli_help(argc, argv, "usage: fragtrace conform [--vectors DIR]\n"
                 "       fragtrace conform DIR [--impl TEMPLATE] [--jobs N] [--filter PATTERN]...\n"
                 "                             [--timeout SECONDS]\n"
                 "With --vectors (or a DIR holding cases.json and no manifest.json): checks\n"
                 "fragtrace against upstream's vectors in DIR (default " VECTORS_DEFAULT "):\n"
                 "for every case of DIR/cases.json, runs its program on its stack inputs, "
                 "builds\nthe trace in parallel from fragment contexts of the case's fragment "
                 "size and\ncompares program hash, stack outputs, trace length and every trace "
                 "column\nfragtrace implements with DIR/case_NN/trace.csv. One line per case "
                 "('ok' or the\nfirst difference: row, column index and name, both values), "
                 "then a summary\nsaying what was compared. Exit 0 if all pass, 1 on a "
                 "difference, 2 if a\nvector file is missing or malformed.\n"
                 "With a DIR that fragtrace export wrote (DIR/manifest.json,\n"
                 "spec/vectors-format.md): checks the manifest and the cases' files, then runs\n"
                 "each case in fragtrace, or with --impl through '/bin/sh -c TEMPLATE' where\n"
                 "{program} {text} {masb} {libs} {lib_flags} {inputs} {stack} {advice}\n"
                 "{fragment} {out} {result} {dir} {name} become the case's values, shell-quoted;\n"
                 "the implementation writes the trace CSV to {out} (and may write the outcome\n"
                 "JSON of 'fragtrace trace --result' to {result}). --jobs N runs N at a time,\n"
                 "--timeout (default 120) kills a case's processes, --filter (fnmatch, on the\n"
                 "name or a tag; repeatable) selects cases. TAP on stdout (spec/conform.md).\n"
                 "Exit 0 if all pass, 1 if one fails, 2 on bad usage or a malformed export."))
        return 0;
    const char *vectors = NULL, *dir = NULL;
    conform_opts_t o = { NULL, 1, NULL, 0, CONFORM_TIMEOUT_DEFAULT };
    /* The --filter patterns point into argv. */
    const char **filters = malloc((size_t)argc * sizeof *filters);
    int export_opts = 0, status = EXIT_USAGE;
    if (!filters) {
        cli_error("conform", "out of memory");
        return EXIT_USAGE;
    }
    o.filters = filters;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const int takes = !strcmp(a, "--vectors") || !strcmp(a, "--impl") ||
                          !strcmp(a, "--jobs") || !strcmp(a, "--filter") ||
                          !strcmp(a, "--timeout");
        if (takes && i + 1 >= argc) {
            cli_error("conform", "missing value after '%s' (try 'fragtrace conform --help')", a);
            goto out;
        }
        if (!strcmp(a, "--vectors")) {
            if (vectors) {
                cli_error("conform", "--vectors is given twice");
                goto out;
            }
            vectors = argv[++i];
        } else if (!strcmp(a, "--impl")) {
            if (o.impl) {
                cli_error("conform", "--impl is given twice");
                goto out;
            }
            o.impl = argv[++i];
            if (!*o.impl) {
                cli_error("conform", "--impl: the template is empty");
                goto out;
            }
            export_opts = 1;
        } else if (!strcmp(a, "--jobs")) {
            if (option_number(a, argv[++i], 1, 256, &o.jobs) != 0)
                goto out;
            export_opts = 1;
        } else if (!strcmp(a, "--timeout")) {
            if (option_number(a, argv[++i], 1, 86400, &o.timeout_s) != 0)
                goto out;
            export_opts = 1;
        } else if (!strcmp(a, "--filter")) {
            filters[o.n_filters++] = argv[++i];
            export_opts = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error("conform", "unknown argument '%s' (try 'fragtrace conform --help')", a);
            goto out;
        } else if (dir) {
            cli_error("conform", "expected one DIR (got '%s' and '%s')", dir, a);
            goto out;
        } else {
            dir = a;
        }
    }
    if (vectors && dir) {
        cli_error("conform", "give DIR or --vectors DIR, not both");
        goto out;
    }
    if (dir && is_file(dir, "manifest.json")) {
        status = conform_export(dir, &o);
        goto out;
    }
    if (dir && !is_file(dir, "cases.json")) {
        cli_error("conform", "%s: neither manifest.json (an exported directory) nor cases.json "
                  "(upstream's vectors) is there", dir);
        goto out;
    }
    if (export_opts) {
        cli_error("conform", "--impl, --jobs, --filter and --timeout apply to an exported "
                  "directory (DIR/manifest.json), not to upstream's vectors");
        goto out;
    }
    status = conform_vectors(dir ? dir : vectors ? vectors : VECTORS_DEFAULT);
out:
    free(filters);
    return status;
}

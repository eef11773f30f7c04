/*
 * conform_export.c - `fragtrace conform DIR [--impl TEMPLATE] [--jobs N]
 * [--filter PATTERN]... [--timeout SECONDS]` on an exported vector
 * directory (spec/vectors-format.md; spec/conform.md describes the
 * command).
 *
 * 1. Before anything runs, the reader `fragtrace import` uses
 *    (corpus/manifest.h) checks DIR/manifest.json whole (strict JSON, the
 *    format and its version, every key known and of its type, the 72
 *    column names) and the folders of the selected cases (their files
 *    present with the SHA-256 the manifest lists). A malformed export is
 *    one line on stderr, exit 2, nothing on stdout.
 * 2. Each selected case runs: in this process (record fragment contexts,
 *    build the trace in parallel) or, with --impl, as `/bin/sh -c` on the
 *    template with the case's paths substituted, in its own process group
 *    and private temporary folder, under a timeout.
 * 3. TAP on stdout, in manifest order: the plan, one ok / not ok line per
 *    case (the first difference), '#' diagnostics, a summary line.
 */
/* nftw and waitid. */
#define _XOPEN_SOURCE 700

#include "conform_export.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "air/layout.h"
#include "cli.h"
#include "exec/exec.h"
#include "field/felt_text.h"
#include "io/file.h"
#include "io/json.h"
#include "io/trace_csv.h"
#include "mast/forest.h"
#include "trace/fragment.h"
#include "trace/trace.h"
#include "trace/trace_text.h"
#include "util/sha256.h"

#include "corpus/manifest.h"
#include "program_args.h"
#include "progress.h"

/* in-process runs pass a case's libraries as --lib options */
_Static_assert(CORPUS_MAX_LIBS <= EXEC_MAX_LIBS, "a case's libraries fit the --lib options");

#define RESULT_MAX ((size_t)1 << 20)
#define STDERR_KEEP 4096
#define PATH_LEN 4096

/* ---- growable strings ------------------------------------------------- */

typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} sbuf_t;

static void sb_putn(sbuf_t *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_puts(sbuf_t *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

static void sb_vprintf(sbuf_t *b, const char *fmt, va_list ap)
{
    char small[512];
    va_list cp;
    va_copy(cp, ap);
    const int n = vsnprintf(small, sizeof small, fmt, cp);
    va_end(cp);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        sb_putn(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->oom = 1;
        return;
    }
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    sb_putn(b, big, (size_t)n);
    free(big);
}

static void sb_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

/* s as one shell word: in single quotes, each ' written as '\''. */
static void sb_quote(sbuf_t *b, const char *s)
{
    sb_putn(b, "'", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            sb_puts(b, "'\\''");
        else
            sb_putn(b, p, 1);
    }
    sb_putn(b, "'", 1);
}

static void sb_free(sbuf_t *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

/* ---- one case's report ------------------------------------------------ */

typedef struct {
    int done, pass;
    sbuf_t detail;   /* what follows the name: " (64 rows, ...)" or ": difference" */
    sbuf_t diag;     /* "# ..." lines */
} report_t;

static void rep_pass(report_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rep_pass(report_t *r, const char *fmt, ...)
{
    va_list ap;
    r->pass = 1;
    sb_puts(&r->detail, " (");
    va_start(ap, fmt);
    sb_vprintf(&r->detail, fmt, ap);
    va_end(ap);
    sb_puts(&r->detail, ")");
}

/* The case failed: only the first difference goes on its line. */
static void rep_fail(report_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rep_fail(report_t *r, const char *fmt, ...)
{
    if (r->detail.len)
        return;
    va_list ap;
    r->pass = 0;
    sb_puts(&r->detail, ": ");
    va_start(ap, fmt);
    sb_vprintf(&r->detail, fmt, ap);
    va_end(ap);
}

static void rep_diag(report_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rep_diag(report_t *r, const char *fmt, ...)
{
    va_list ap;
    sb_puts(&r->diag, "# ");
    va_start(ap, fmt);
    sb_vprintf(&r->diag, fmt, ap);
    va_end(ap);
    sb_puts(&r->diag, "\n");
}

/* TAP: "ok K - NAME (...)" or "not ok K - NAME: ...", then the
 * diagnostics. A '#' in a description starts a directive for a TAP parser,
 * so it is escaped; control characters (from an implementation's stderr)
 * become '?'. */
static void print_report(FILE *out, size_t k, const char *name, const report_t *r)
{
    fprintf(out, "%sok %zu - %s", r->pass ? "" : "not ", k, name);
    const char *d = r->detail.s ? r->detail.s : "";
    if (!r->pass && !*d)
        d = ": (no detail)";
    for (const unsigned char *p = (const unsigned char *)d; *p; p++) {
        if (*p == '#')
            fputs("\\#", out);
        else
            fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
    }
    fputc('\n', out);
    if (r->diag.s)
        fputs(r->diag.s, out);
    fflush(out);
}

/* ---- the cases' files -------------------------------------------------- */

/* DIR/cases/NAME[/file] into buf; -1 when it does not fit. */
static int case_path(char *buf, size_t len, const char *dir, const manifest_case_t *c,
                     const char *file)
{
    const int n = snprintf(buf, len, "%s/cases/%s%s%s", dir, c->name, file ? "/" : "",
                           file ? file : "");
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int has_masb(const manifest_case_t *c)
{
    return manifest_find_file(c, "program.masb") >= 0;
}

/* SHA-256 of a file, streamed. 0, or -1 with "PATH: message" in err. */
static int file_sha256(const char *path, char hex[65], char *err, size_t err_len)
{
    FILE *f = file_open_read(path, err, err_len);
    if (!f)
        return -1;
    sha256_ctx_t ctx;
    sha256_init(&ctx);
    static const size_t chunk = 1 << 16;
    char *buf = malloc(chunk);
    if (!buf) {
        fclose(f);
        snprintf(err, err_len, "%s: out of memory", path);
        return -1;
    }
    size_t got;
    while ((got = fread(buf, 1, chunk, f)) > 0)
        sha256_update(&ctx, buf, got);
    const int bad = ferror(f);
    free(buf);
    fclose(f);
    if (bad) {
        snprintf(err, err_len, "%s: read error", path);
        return -1;
    }
    uint8_t d[32];
    sha256_final(&ctx, d);
    sha256_hex(d, hex);
    return 0;
}

/* A decimal string that is a canonical field element: digits, no leading
 * zero, below p. */
static int felt_string(const json_value_t *v, felt_t *out)
{
    if (!v || v->kind != JSON_STRING || v->len == 0 || (v->len > 1 && v->text[0] == '0'))
        return -1;
    return felt_parse_dec(v->text, v->len, out) == 0 ? 0 : -1;
}

/* A compact JSON array of decimal strings (manifest_case_t's
 * operand_stack, advice_stack) as "v1,v2,..." into b. */
static int felt_list_text(const char *json, sbuf_t *b)
{
    char err[256];
    json_value_t *a = json_parse(json, strlen(json), err, sizeof err);
    int rc = a && a->kind == JSON_ARRAY ? 0 : -1;
    sb_puts(b, "");
    for (size_t i = 0; rc == 0 && i < a->n; i++) {
        if (a->items[i]->kind != JSON_STRING)
            rc = -1;
        else
            sb_printf(b, "%s%s", i ? "," : "", a->items[i]->text);
    }
    json_free(a);
    return rc != 0 || b->oom ? -1 : 0;
}

/* ---- comparing traces ------------------------------------------------- */

/* A trace seen through strides: cell (r, c) at cells[r * rs + c * cs]. */
typedef struct {
    const felt_t *cells;
    uint64_t rows, rs, cs;
} trace_view_t;

static felt_t cell(const trace_view_t *t, uint64_t r, int c)
{
    return t->cells[r * t->rs + (uint64_t)c * t->cs];
}

/* Rows first, then row by row, lowest column first; the first difference
 * on the case's line, the count in a diagnostic. 0 equal, 1 differ. */
static int compare_traces(report_t *r, const trace_view_t *want, const trace_view_t *got)
{
    if (want->rows != got->rows) {
        rep_fail(r, "trace rows: expected %llu, got %llu", (unsigned long long)want->rows,
                 (unsigned long long)got->rows);
        return 1;
    }
    uint64_t n_bad = 0, bad_row = 0;
    int bad_col = -1;
    for (uint64_t row = 0; row < want->rows; row++)
        for (int col = 0; col < TRACE_NUM_COLUMNS; col++)
            if (cell(want, row, col) != cell(got, row, col) && n_bad++ == 0) {
                bad_row = row;
                bad_col = col;
            }
    if (n_bad == 0)
        return 0;
    rep_fail(r, "trace row %llu, column %d (%s): expected %llu, got %llu",
             (unsigned long long)bad_row, bad_col, trace_column_name(bad_col),
             (unsigned long long)cell(want, bad_row, bad_col),
             (unsigned long long)cell(got, bad_row, bad_col));
    rep_diag(r, "%llu differing cell%s in all%s", (unsigned long long)n_bad, n_bad == 1 ? "" : "s",
             bad_row + 1 == want->rows ? "; the first is in the last (random) row" : "");
    return 1;
}

static int compare_outputs(report_t *r, const felt_t *want, const felt_t *got)
{
    for (int i = 0; i < STACK_TOP; i++)
        if (want[i] != got[i]) {
            rep_fail(r, "stack outputs: position %d (top first): expected %llu, got %llu", i,
                     (unsigned long long)want[i], (unsigned long long)got[i]);
            return 1;
        }
    return 0;
}

/* Read the case's trace.csv into t. 0, or 1 after the report. */
static int read_expected_trace(report_t *r, const char *dir, const manifest_case_t *c, csv_trace_t *t)
{
    char path[PATH_LEN], err[PATH_LEN + 256];
    case_path(path, sizeof path, dir, c, "trace.csv");
    if (trace_csv_read(path, TRACE_NUM_COLUMNS, t, err, sizeof err) != 0) {
        rep_fail(r, "the expected trace is unreadable: %s", err);
        return 1;
    }
    return 0;
}

/* ---- fragtrace in-process --------------------------------------------- */

static void format_word(char *buf, size_t len, const word_t *w)
{
    snprintf(buf, len, "[%llu, %llu, %llu, %llu]", (unsigned long long)w->v[0],
             (unsigned long long)w->v[1], (unsigned long long)w->v[2],
             (unsigned long long)w->v[3]);
}

static void run_in_process(const char *dir, const manifest_case_t *c, report_t *r)
{
    char prog[PATH_LEN], inputs[PATH_LEN], libs[EXEC_MAX_LIBS][PATH_LEN];
    case_path(prog, sizeof prog, dir, c, c->program_text ? "program.txt" : "program.masb");
    case_path(inputs, sizeof inputs, dir, c, "inputs.json");
    /* The command line of `fragtrace trace PROGRAM --inputs F --lib L...`:
       program_open reads the inputs file the way the CLI does. */
    char *argv[4 + 2 * EXEC_MAX_LIBS + 1];
    int argc = 0;
    argv[argc++] = "conform";
    argv[argc++] = prog;
    argv[argc++] = "--inputs";
    argv[argc++] = inputs;
    for (unsigned k = 0; k < c->n_libs; k++) {
        char name[32];
        snprintf(name, sizeof name, "lib%u.mast", k);
        case_path(libs[k], sizeof libs[k], dir, c, name);
        argv[argc++] = "--lib";
        argv[argc++] = libs[k];
    }
    argv[argc] = NULL;
    exec_args_t a;
    mast_forest_t f;
    vm_t *vm = program_open("conform", argc, argv, 1, &a, &f);
    if (!vm) {
        rep_fail(r, "fragtrace cannot load the case (its error is on stderr)");
        return;
    }
    const word_t h = mast_program_hash(&f);
    fragment_set_t set;
    main_trace_t t = { NULL, 0 };
    char msg[1024], err[1024], w1[128], w2[128];
    if (!word_eq(h, c->program_hash)) {
        format_word(w1, sizeof w1, &c->program_hash);
        format_word(w2, sizeof w2, &h);
        rep_fail(r, "program hash: expected %s, got %s", w1, w2);
        goto done;
    }
    const int rec = fragment_record(vm, c->fragment_size, &set);
    if (rec != 0) {
        fragment_set_free(&set);
        if (vm->err.kind == XERR_NONE) {
            rep_fail(r, "fragtrace ran out of memory recording the contexts");
            goto done;
        }
        vm_format_error(vm, msg, sizeof msg);
        if (c->ok) {
            rep_fail(r, "execution failed: %s", msg);
        } else if (strcmp(exec_error_kind_name(vm->err.kind), c->error_kind) != 0 ||
                   (c->has_error_clk && vm->err.clk != c->error_clk)) {
            char at[48] = "";
            if (c->has_error_clk)
                snprintf(at, sizeof at, " at clk %llu", (unsigned long long)c->error_clk);
            rep_fail(r, "expected error %s%s, got %s at clk %llu", c->error_kind,
                     at, exec_error_kind_name(vm->err.kind), (unsigned long long)vm->err.clk);
            rep_diag(r, "%s", msg);
        } else {
            rep_pass(r, "error %s at clk %llu", exec_error_kind_name(vm->err.kind),
                     (unsigned long long)vm->err.clk);
        }
        goto done;
    }
    if (!c->ok) {
        fragment_set_free(&set);
        rep_fail(r, "expected error %s, but the program ran (%llu cycles)",
                 c->error_kind, (unsigned long long)vm->clk);
        goto done;
    }
    const int brc = fragment_build_trace(vm->f, vm->file, &set, a.threads, &t, err, sizeof err);
    fragment_set_free(&set);
    if (brc != 0) {
        t.cols = NULL;
        rep_fail(r, "the parallel build failed: %s", err);
        goto done;
    }
    felt_t o[STACK_TOP];
    vm_outputs(vm, o);
    if (compare_outputs(r, c->stack_outputs, o))
        goto done;
    if (vm->clk != c->cycles) {
        rep_fail(r, "cycles: expected %llu, got %llu", (unsigned long long)c->cycles,
                 (unsigned long long)vm->clk);
        goto done;
    }
    if (t.len != c->trace_rows) {
        rep_fail(r, "trace rows: expected %llu, got %llu", (unsigned long long)c->trace_rows,
                 (unsigned long long)t.len);
        goto done;
    }
    if (c->has_trace_file) {
        csv_trace_t u;
        if (read_expected_trace(r, dir, c, &u))
            goto done;
        const trace_view_t want = { u.cells, u.rows, TRACE_NUM_COLUMNS, 1 };
        const trace_view_t got = { t.cols, t.len, 1, t.len };
        const int differ = compare_traces(r, &want, &got);
        trace_csv_free(&u);
        if (differ)
            goto done;
    }
    char hex[65];
    trace_text_sha256(t.cols, t.len, hex);
    if (strcmp(hex, c->trace_sha256) != 0) {
        rep_fail(r, "trace SHA-256: expected %s, got %s", c->trace_sha256, hex);
        goto done;
    }
    rep_pass(r, "%llu rows, fragment size %llu", (unsigned long long)t.len,
             (unsigned long long)c->fragment_size);
done:
    if (t.cols)
        main_trace_free(&t);
    program_release(vm, &f);
    exec_args_free(&a);
}

/* ---- the template ------------------------------------------------------ */

enum {
    PH_PROGRAM, PH_TEXT, PH_MASB, PH_LIBS, PH_LIB_FLAGS, PH_INPUTS, PH_STACK, PH_ADVICE,
    PH_FRAGMENT, PH_OUT, PH_RESULT, PH_DIR, PH_NAME, N_PH
};
static const char *const ph_names[N_PH] = {
    "program", "text", "masb", "libs", "lib_flags", "inputs", "stack", "advice", "fragment",
    "out", "result", "dir", "name",
};

/* Expand template t with the shell words vals (NULL: only check t) into
 * out. {NAME} is a placeholder; {{ and }} stand for { and }. *used gets a
 * bit per placeholder present. 0, or -1 with the error in err. */
static int template_expand(const char *t, const char *const *vals, sbuf_t *out, unsigned *used,
                           char *err, size_t err_len)
{
    *used = 0;
    for (const char *p = t; *p;) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            if (out)
                sb_putn(out, p, 1);
            p += 2;
            continue;
        }
        if (*p != '{') {
            if (out)
                sb_putn(out, p, 1);
            p++;
            continue;
        }
        const char *e = p + 1;
        while ((*e >= 'a' && *e <= 'z') || *e == '_')
            e++;
        char buf[64];
        if (*e != '}' || e == p + 1) {
            snprintf(err, err_len, "--impl: the '{' at character %zu starts no placeholder "
                     "(write {{ for a literal '{')", (size_t)(p - t) + 1);
            return -1;
        }
        size_t k = 0;
        while (k < N_PH && !(strlen(ph_names[k]) == (size_t)(e - p - 1) &&
                             !strncmp(ph_names[k], p + 1, (size_t)(e - p - 1))))
            k++;
        if (k == N_PH) {
            snprintf(err, err_len, "--impl: unknown placeholder {%s} (known: {program} {text} "
                     "{masb} {libs} {lib_flags} {inputs} {stack} {advice} {fragment} {out} "
                     "{result} {dir} {name})",
                     cli_printable(p + 1, (size_t)(e - p - 1), buf, sizeof buf));
            return -1;
        }
        *used |= 1u << k;
        if (out)
            sb_puts(out, vals[k]);
        p = e + 1;
    }
    return 0;
}

/* The command for case c run in folder tmp. */
static int case_command(const char *tmpl, const char *dir, const manifest_case_t *c, const char *tmp,
                        sbuf_t *cmd)
{
    sbuf_t v[N_PH];
    char path[PATH_LEN + 32];
    memset(v, 0, sizeof v);
    case_path(path, sizeof path, dir, c, c->program_text ? "program.txt" : "program.masb");
    sb_quote(&v[PH_PROGRAM], path);
    case_path(path, sizeof path, dir, c, "program.txt");
    sb_quote(&v[PH_TEXT], c->program_text ? path : "");
    case_path(path, sizeof path, dir, c, "program.masb");
    sb_quote(&v[PH_MASB], has_masb(c) ? path : "");
    sb_puts(&v[PH_LIBS], "");
    sb_puts(&v[PH_LIB_FLAGS], "");
    for (unsigned k = 0; k < c->n_libs; k++) {
        char name[32];
        snprintf(name, sizeof name, "lib%u.mast", k);
        case_path(path, sizeof path, dir, c, name);
        if (k)
            sb_puts(&v[PH_LIBS], " "), sb_puts(&v[PH_LIB_FLAGS], " ");
        sb_quote(&v[PH_LIBS], path);
        sb_puts(&v[PH_LIB_FLAGS], "--lib ");
        sb_quote(&v[PH_LIB_FLAGS], path);
    }
    case_path(path, sizeof path, dir, c, "inputs.json");
    sb_quote(&v[PH_INPUTS], path);
    for (int s = 0; s < 2; s++) {
        sbuf_t list = { NULL, 0, 0, 0 };
        if (felt_list_text(s == 0 ? c->operand_stack : c->advice_stack, &list) != 0)
            v[PH_STACK].oom = 1;
        sb_quote(&v[s == 0 ? PH_STACK : PH_ADVICE], list.s ? list.s : "");
        sb_free(&list);
    }
    sb_printf(&v[PH_FRAGMENT], "'%llu'", (unsigned long long)c->fragment_size);
    snprintf(path, sizeof path, "%s/trace.csv", tmp);
    sb_quote(&v[PH_OUT], path);
    snprintf(path, sizeof path, "%s/result.json", tmp);
    sb_quote(&v[PH_RESULT], path);
    case_path(path, sizeof path, dir, c, NULL);
    sb_quote(&v[PH_DIR], path);
    sb_quote(&v[PH_NAME], c->name);
    const char *vals[N_PH];
    int oom = 0;
    for (int k = 0; k < N_PH; k++) {
        vals[k] = v[k].s ? v[k].s : "";
        oom |= v[k].oom;
    }
    unsigned used;
    char err[256];
    int rc = oom ? -1 : template_expand(tmpl, vals, cmd, &used, err, sizeof err);
    for (int k = 0; k < N_PH; k++)
        sb_free(&v[k]);
    return rc != 0 || cmd->oom ? -1 : 0;
}

/* ---- running an implementation ----------------------------------------- */

/* Set by the handler of SIGINT, SIGTERM, SIGHUP and SIGPIPE while --impl
 * children run. Global because a signal handler reaches nothing else. The
 * children are in process groups of their own (so that a timeout can kill
 * all they started), which also keeps a terminal's ^C from reaching them:
 * the run loop sees the flag, kills their groups, removes their folders and
 * then dies of the same signal. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
#define N_STOP_SIGNALS (sizeof stop_signals / sizeof stop_signals[0])

/* A signal the process was started ignoring (nohup, a parent that ignores
 * SIGPIPE) stays ignored. */
static void catch_stop_signals(struct sigaction *saved)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_STOP_SIGNALS; i++) {
        sigaction(stop_signals[i], NULL, &saved[i]);
        if (saved[i].sa_handler != SIG_IGN)
            sigaction(stop_signals[i], &sa, NULL);
    }
}

static void restore_stop_signals(const struct sigaction *saved)
{
    for (size_t i = 0; i < N_STOP_SIGNALS; i++)
        sigaction(stop_signals[i], &saved[i], NULL);
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

/* Remove a case's temporary folder and all in it (links are removed, not
 * followed). */
static void remove_tree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
    int active;
    size_t idx;              /* into the selected cases */
    pid_t pid;               /* also the id of its process group */
    double start;
    char tmp[PATH_LEN];
} slot_t;

/* Start case c in slot s; 0, or -1 after reporting why not. */
static int start_case(const char *tmpl, const char *dir, const manifest_case_t *c, slot_t *s,
                      report_t *r)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    if ((size_t)snprintf(s->tmp, sizeof s->tmp, "%s/fragtrace-conform-XXXXXX", base)
            >= sizeof s->tmp - 64 || !mkdtemp(s->tmp)) {
        rep_fail(r, "cannot make a temporary folder under %s: %s", base, strerror(errno));
        return -1;
    }
    sbuf_t cmd = { NULL, 0, 0, 0 };
    char out_path[PATH_LEN + 16], err_path[PATH_LEN + 16];
    snprintf(out_path, sizeof out_path, "%s/.stdout", s->tmp);
    snprintf(err_path, sizeof err_path, "%s/.stderr", s->tmp);
    if (case_command(tmpl, dir, c, s->tmp, &cmd) != 0) {
        rep_fail(r, "out of memory");
        sb_free(&cmd);
        remove_tree(s->tmp);
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0) {
        rep_fail(r, "cannot start the implementation: %s", strerror(errno));
        sb_free(&cmd);
        remove_tree(s->tmp);
        return -1;
    }
    if (pid == 0) {
        /* Only async-signal-safe calls between fork and exec. The caught
           signals return to their default at exec; an ignored SIGPIPE
           would be inherited, and an implementation expects the default. */
        setpgid(0, 0);
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        sigaction(SIGPIPE, &dfl, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        const int in = open("/dev/null", O_RDONLY);
        const int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int errfd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0 || errfd < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
            dup2(errfd, 2) < 0)
            _exit(126);
        execl("/bin/sh", "sh", "-c", cmd.s, (char *)NULL);
        _exit(127);
    }
    /* Both sides set the group, so it exists before either goes on. */
    setpgid(pid, pid);
    sb_free(&cmd);
    s->active = 1;
    s->pid = pid;
    s->start = now_s();
    return 0;
}

/* The first bytes of a file, NUL-terminated ("" if none). */
static void read_head(const char *path, char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    const size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* The first non-empty line of text, cut to 200 characters and made
 * printable, or NULL. */
static const char *first_line(const char *text, char *buf, size_t len)
{
    const char *p = text;
    while (*p == '\n' || *p == '\r')
        p++;
    if (!*p)
        return NULL;
    size_t n = strcspn(p, "\r\n");
    return cli_printable(p, n > 200 ? 200 : n, buf, len);
}

/* The implementation's stderr as diagnostics (at most 20 lines). */
static void diag_stderr(report_t *r, const char *text)
{
    const char *p = text;
    char buf[256];
    for (int lines = 0; *p && lines < 20; lines++) {
        const size_t n = strcspn(p, "\n");
        rep_diag(r, "  stderr: %s", cli_printable(p, n > 200 ? 200 : n, buf, sizeof buf));
        p += n;
        if (*p == '\n')
            p++;
    }
}

/* What the implementation says in {result}. */
typedef struct {
    int ok;                       /* outcome "ok" */
    felt_t outputs[STACK_TOP];
    int has_cycles, has_rows, has_clk;
    uint64_t cycles, rows, clk;
    char kind[64];
} impl_result_t;

/* Read {result}: an object with "outcome" and, for ok, "stack_outputs" (16
 * decimal strings, top first), else "error_kind"; "cycles", "trace_rows"
 * and "clk" are read when present; other members are ignored. 0, or -1
 * with what is wrong in err. */
static int read_result(const char *path, impl_result_t *res, char *err, size_t err_len)
{
    char e[512];
    size_t len;
    memset(res, 0, sizeof *res);
    char *text = file_read_all(path, RESULT_MAX, &len, e, sizeof e);
    if (!text) {
        snprintf(err, err_len, "%s", strstr(e, ": ") ? strstr(e, ": ") + 2 : e);
        return -1;
    }
    json_value_t *root = json_parse(text, len, e, sizeof e);
    free(text);
    if (!root) {
        snprintf(err, err_len, "not JSON: %s", e);
        return -1;
    }
    int rc = -1;
    const json_value_t *o = root->kind == JSON_OBJECT ? json_get(root, "outcome") : NULL;
    if (!o || o->kind != JSON_STRING || (strcmp(o->text, "ok") && strcmp(o->text, "error"))) {
        snprintf(err, err_len, "expected an object whose \"outcome\" is \"ok\" or \"error\"");
        goto out;
    }
    res->ok = !strcmp(o->text, "ok");
    const struct {
        const char *key;
        int *has;
        uint64_t *v;
    } nums[] = { { "cycles", &res->has_cycles, &res->cycles },
                 { "trace_rows", &res->has_rows, &res->rows },
                 { "clk", &res->has_clk, &res->clk } };
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
        const json_value_t *v = json_get(root, nums[k].key);
        felt_t x;
        if (!v || v->kind == JSON_NULL)
            continue;
        if (json_felt(v, &x) != 0) {
            snprintf(err, err_len, "%d:%d: \"%s\" must be a whole number", v->line, v->col,
                     nums[k].key);
            goto out;
        }
        *nums[k].has = 1;
        *nums[k].v = x;
    }
    if (res->ok) {
        const json_value_t *a = json_get(root, "stack_outputs");
        if (!a || a->kind != JSON_ARRAY || a->n != STACK_TOP) {
            snprintf(err, err_len, "\"stack_outputs\" must be an array of 16 decimal strings");
            goto out;
        }
        for (int i = 0; i < STACK_TOP; i++)
            if (felt_string(a->items[i], &res->outputs[i]) != 0) {
                snprintf(err, err_len, "%d:%d: stack_outputs item %d is not a canonical decimal "
                         "string below p", a->items[i]->line, a->items[i]->col, i);
                goto out;
            }
    } else {
        const json_value_t *k = json_get(root, "error_kind");
        if (!k || k->kind != JSON_STRING || k->len >= sizeof res->kind ||
            strlen(k->text) != k->len) {
            snprintf(err, err_len, "\"error_kind\" must be a string naming the error");
            goto out;
        }
        memcpy(res->kind, k->text, k->len + 1);
    }
    rc = 0;
out:
    json_free(root);
    return rc;
}

/* Judge a finished case: status from waitpid, timed_out when we killed
 * it. */
static void finish_case(const conform_opts_t *o, unsigned used, const char *dir,
                        const manifest_case_t *c, const slot_t *s, int status, int timed_out,
                        report_t *r)
{
    char path[PATH_LEN + 16], res_path[PATH_LEN + 16], err[PATH_LEN + 512];
    char errtext[STDERR_KEEP + 1], outtext[STDERR_KEEP + 1], line[256];
    snprintf(path, sizeof path, "%s/.stderr", s->tmp);
    read_head(path, errtext, sizeof errtext);
    snprintf(path, sizeof path, "%s/.stdout", s->tmp);
    read_head(path, outtext, sizeof outtext);
    const char *say = first_line(errtext, line, sizeof line);
    if (!say)
        say = first_line(outtext, line, sizeof line);
    if (!say)
        say = "(no output)";
    snprintf(res_path, sizeof res_path, "%s/result.json", s->tmp);
    struct stat sb;
    const int has_result = (used & (1u << PH_RESULT)) && stat(res_path, &sb) == 0;
    impl_result_t res;
    csv_trace_t got = { NULL, 0, 0 }, want = { NULL, 0, 0 };

    if (timed_out) {
        rep_fail(r, "timed out after %u s", o->timeout_s);
        goto done;
    }
    if (WIFSIGNALED(status)) {
        rep_fail(r, "implementation crashed (signal %d)", WTERMSIG(status));
        goto done;
    }
    const int code = WEXITSTATUS(status);
    /* A shell reports a command killed by signal N as status 128 + N. */
    if (code > 128 && code < 160) {
        rep_fail(r, "implementation crashed (signal %d)", code - 128);
        rep_diag(r, "  the shell reported exit status %d (128 + the signal)", code);
        goto done;
    }
    if (!c->ok) {
        if (code == 0) {
            rep_fail(r, "expected error %s, but the implementation exited 0",
                     c->error_kind);
            goto done;
        }
        if (!has_result) {
            rep_pass(r, "failed as expected: exit %d; no result file, the error kind is not "
                     "compared", code);
            goto done;
        }
        if (read_result(res_path, &res, err, sizeof err) != 0) {
            rep_fail(r, "result file unreadable: %s", err);
            goto done;
        }
        if (res.ok) {
            rep_fail(r, "expected error %s, but the result file says the outcome is ok",
                     c->error_kind);
            goto done;
        }
        if (strcmp(res.kind, c->error_kind) != 0) {
            char buf[80];
            rep_fail(r, "error kind: expected %s, got %s", c->error_kind,
                     cli_printable(res.kind, strlen(res.kind), buf, sizeof buf));
            goto done;
        }
        if (c->has_error_clk && res.has_clk && res.clk != c->error_clk) {
            rep_fail(r, "error clk: expected %llu, got %llu", (unsigned long long)c->error_clk,
                     (unsigned long long)res.clk);
            goto done;
        }
        if (c->has_error_clk && res.has_clk)
            rep_pass(r, "error %s at clk %llu", res.kind, (unsigned long long)res.clk);
        else
            rep_pass(r, "error %s", res.kind);
        goto done;
    }
    if (code != 0) {
        rep_fail(r, "implementation exited %d: %s", code, say);
        goto done;
    }
    if (has_result) {
        if (read_result(res_path, &res, err, sizeof err) != 0) {
            rep_fail(r, "result file unreadable: %s", err);
            goto done;
        }
        if (!res.ok) {
            char buf[80];
            rep_fail(r, "the result file says error %s, but the implementation exited 0",
                     cli_printable(res.kind, strlen(res.kind), buf, sizeof buf));
            goto done;
        }
        if (compare_outputs(r, c->stack_outputs, res.outputs))
            goto done;
        if (res.has_cycles && res.cycles != c->cycles) {
            rep_fail(r, "cycles: expected %llu, got %llu", (unsigned long long)c->cycles,
                     (unsigned long long)res.cycles);
            goto done;
        }
        if (res.has_rows && res.rows != c->trace_rows) {
            rep_fail(r, "trace rows: expected %llu, got %llu", (unsigned long long)c->trace_rows,
                     (unsigned long long)res.rows);
            goto done;
        }
    }
    snprintf(path, sizeof path, "%s/trace.csv", s->tmp);
    if (stat(path, &sb) != 0) {
        rep_fail(r, "the implementation wrote no trace to {out}");
        goto done;
    }
    if (trace_csv_read(path, TRACE_NUM_COLUMNS, &got, err, sizeof err) != 0) {
        /* The temporary path means nothing to the reader: say {out}. */
        const size_t n = strlen(path);
        rep_fail(r, "trace output unreadable: %s%s", strncmp(err, path, n) ? "" : "{out}",
                 strncmp(err, path, n) ? err : err + n);
        got.cells = NULL;
        goto done;
    }
    if (got.rows != c->trace_rows) {
        rep_fail(r, "trace rows: expected %llu, got %zu", (unsigned long long)c->trace_rows, got.rows);
        goto done;
    }
    if (c->has_trace_file) {
        if (read_expected_trace(r, dir, c, &want)) {
            want.cells = NULL;
            goto done;
        }
        const trace_view_t w = { want.cells, want.rows, TRACE_NUM_COLUMNS, 1 };
        const trace_view_t g = { got.cells, got.rows, TRACE_NUM_COLUMNS, 1 };
        if (compare_traces(r, &w, &g))
            goto done;
    }
    char hex[65];
    if (file_sha256(path, hex, err, sizeof err) != 0) {
        rep_fail(r, "trace output unreadable: %s", err);
        goto done;
    }
    if (strcmp(hex, c->trace_sha256) != 0) {
        rep_fail(r, "trace SHA-256: expected %s, got %s", c->trace_sha256, hex);
        goto done;
    }
    rep_pass(r, "%llu rows, fragment size %llu", (unsigned long long)got.rows,
             (unsigned long long)c->fragment_size);
done:
    if (!r->pass && errtext[0])
        diag_stderr(r, errtext);
    if (got.cells)
        trace_csv_free(&got);
    if (want.cells)
        trace_csv_free(&want);
}

/* Kill every running case's process group, reap them, remove their
 * folders (on a stop signal). */
static void abandon_all(slot_t *slots, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (slots[i].active) {
            kill(-slots[i].pid, SIGKILL);
            waitpid(slots[i].pid, NULL, 0);
            remove_tree(slots[i].tmp);
            slots[i].active = 0;
        }
}

/* ---- the command -------------------------------------------------------- */

static int selected(const manifest_case_t *c, const conform_opts_t *o)
{
    if (o->n_filters == 0)
        return 1;
    for (size_t k = 0; k < o->n_filters; k++) {
        if (fnmatch(o->filters[k], c->name, 0) == 0)
            return 1;
        for (size_t t = 0; t < c->n_tags; t++)
            if (fnmatch(o->filters[k], c->tags[t], 0) == 0)
                return 1;
    }
    return 0;
}

int conform_export(const char *dir, const conform_opts_t *o)
{
    manifest_t m;
    char err[PATH_LEN + 256];
    unsigned used = 0;
    if (o->impl) {
        if (template_expand(o->impl, NULL, NULL, &used, err, sizeof err) != 0) {
            cli_error("conform", "%s", err);
            return EXIT_USAGE;
        }
        if (!(used & (1u << PH_OUT))) {
            cli_error("conform", "--impl: the template has no {out} (where the implementation "
                      "writes the trace)");
            return EXIT_USAGE;
        }
    }
    /* The shared reader of exports (corpus/manifest.h, as import uses it):
       the manifest whole, then the directory's listing. */
    if (manifest_read(dir, &m, err, sizeof err) != 0) {
        cli_error("conform", "%s", err);
        return EXIT_USAGE;
    }
    const manifest_case_t *cases = m.cases;
    const size_t n_cases = m.n_cases;
    size_t *sel = malloc((n_cases ? n_cases : 1) * sizeof *sel);
    report_t *reps = NULL;
    size_t n_sel = 0;
    int status = EXIT_USAGE;
    if (!sel) {
        cli_error("conform", "out of memory");
        goto out;
    }
    if (manifest_check_dir(&m, err, sizeof err) != 0) {
        cli_error("conform", "%s", err);
        goto out;
    }
    for (size_t i = 0; i < n_cases; i++)
        if (selected(&cases[i], o))
            sel[n_sel++] = i;
    if (n_sel == 0) {
        cli_error("conform", "%s: no case %s", m.path,
                  o->n_filters ? "matches the --filter patterns" : "(the export is empty)");
        goto out;
    }
    /* The files of the cases that will run (present, with their SHA-256,
       agreeing with the manifest), before any runs. */
    for (size_t i = 0; i < n_sel; i++)
        if (manifest_check_case(&m, sel[i], NULL, err, sizeof err) != 0) {
            cli_error("conform", "%s", err);
            goto out;
        }
    reps = calloc(n_sel, sizeof *reps);
    if (!reps) {
        cli_error("conform", "out of memory");
        goto out;
    }

    printf("1..%zu\n", n_sel);
    char shown[256];
    printf("# %s: %zu of %zu cases; %s\n", cli_printable(dir, strlen(dir), shown, sizeof shown), n_sel,
           n_cases, o->impl ? "implementation: --impl" : "implementation: fragtrace (in-process)");
    fflush(stdout);
    size_t passed = 0;
    progress_t pg;
    progress_init(&pg, "conform", 0);
    if (!o->impl) {
        for (size_t i = 0; i < n_sel; i++) {
            progress_update(&pg, 0, "cases", i, n_sel, "cases");
            run_in_process(dir, &cases[sel[i]], &reps[i]);
            progress_clear(&pg);
            print_report(stdout, i + 1, cases[sel[i]].name, &reps[i]);
            passed += reps[i].pass;
            sb_free(&reps[i].detail);
            sb_free(&reps[i].diag);
            if (ferror(stdout)) { /* nobody reads on: main reports it (exit 1) */
                status = 1;
                goto out;
            }
        }
    } else {
        const unsigned jobs = o->jobs ? o->jobs : 1;
        slot_t *slots = calloc(jobs, sizeof *slots);
        if (!slots) {
            cli_error("conform", "out of memory");
            goto out;
        }
        struct sigaction saved[N_STOP_SIGNALS];
        stop_signal = 0;
        catch_stop_signals(saved);
        size_t next_start = 0, next_print = 0;
        while (next_print < n_sel) {
            if (stop_signal) {
                const int sig = stop_signal;
                abandon_all(slots, jobs);
                progress_clear(&pg);
                restore_stop_signals(saved);
                signal(sig, SIG_DFL);
                raise(sig);
                /* (raise returned: the signal is blocked; stop all the same) */
                free(slots);
                status = 1;
                goto out;
            }
            int moved = 0;
            for (unsigned j = 0; j < jobs && next_start < n_sel; j++)
                if (!slots[j].active) {
                    slots[j].idx = next_start++;
                    if (start_case(o->impl, dir, &cases[sel[slots[j].idx]], &slots[j],
                                   &reps[slots[j].idx]) != 0)
                        reps[slots[j].idx].done = 1;
                    moved = 1;
                }
            for (unsigned j = 0; j < jobs; j++) {
                slot_t *s = &slots[j];
                if (!s->active)
                    continue;
                siginfo_t info;
                memset(&info, 0, sizeof info);
                int st = 0, timed_out = 0;
                if (waitid(P_PID, (id_t)s->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                    info.si_pid == s->pid) {
                    /* Not reaped yet, so the group id is still this one:
                       kill what the implementation left running. */
                    kill(-s->pid, SIGKILL);
                } else if (now_s() - s->start >= (double)o->timeout_s) {
                    kill(-s->pid, SIGKILL);
                    timed_out = 1;
                } else {
                    continue;
                }
                while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
                    ;
                finish_case(o, used, dir, &cases[sel[s->idx]], s, st, timed_out,
                            &reps[s->idx]);
                remove_tree(s->tmp);
                reps[s->idx].done = 1;
                s->active = 0;
                moved = 1;
            }
            while (next_print < n_sel && reps[next_print].done) {
                progress_clear(&pg);
                print_report(stdout, next_print + 1, cases[sel[next_print]].name,
                             &reps[next_print]);
                passed += reps[next_print].pass;
                sb_free(&reps[next_print].detail);
                sb_free(&reps[next_print].diag);
                next_print++;
                moved = 1;
            }
            if (ferror(stdout) && !stop_signal) { /* nobody reads on: main reports it */
                abandon_all(slots, jobs);
                progress_clear(&pg);
                restore_stop_signals(saved);
                free(slots);
                status = 1;
                goto out;
            }
            if (!moved) {
                progress_update(&pg, 0, "cases", next_print, n_sel, "cases");
                const struct timespec tick = { 0, 5000000 };
                nanosleep(&tick, NULL);
            }
        }
        progress_clear(&pg);
        restore_stop_signals(saved);
        free(slots);
        if (stop_signal) /* it came with the last case: no child is left */
            raise(stop_signal);
    }
    printf("# conform: %zu cases, %zu passed, %zu failed\n", n_sel, passed, n_sel - passed);
    status = passed == n_sel ? 0 : 1;
out:
    if (reps)
        for (size_t i = 0; i < n_sel; i++) {
            sb_free(&reps[i].detail);
            sb_free(&reps[i].diag);
        }
    free(reps);
    free(sel);
    manifest_free(&m);
    return status;
}

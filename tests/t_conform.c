/*
 * t_conform.c - `fragtrace conform` (spec/conform.md) on a private copy of
 * upstream's vectors: unchanged, every case passes; one changed trace cell,
 * random-row cell, stack output or program hash is reported for exactly
 * that case (row, column index and name, both values) while the other cases
 * still pass; malformed or missing vector files give exit 2 naming the file,
 * with nothing on stdout.
 *
 * The vectors are in $FRAGTRACE_SHARED/vectors/miden-v0.19.0 (default
 * ../shared). Without them the test skips, unless CI is set or
 * FRAGTRACE_REQUIRE_VECTORS=1: then it fails.
 */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "tap.h"
#include "run_cmd.h"
#include "shared_vectors.h"
#include "tmpdir.h"
#include "air/layout.h"

#define FELT_MOD UINT64_C(18446744069414584321)

/* Copy file src to the private directory's name; 0 or -1. */
static int copy_file(const test_dir_t *d, const char *src, const char *name)
{
    size_t len;
    char *text = slurp_file(src, &len), path[1024];
    if (!text)
        return -1;
    test_dir_write(d, name, text, len, path, sizeof path);
    free(text);
    return 0;
}

static void make_subdir(const test_dir_t *d, const char *name)
{
    char path[1024];
    if (mkdir(test_dir_file(d, name, path, sizeof path), 0700) != 0 && errno != EEXIST) {
        printf("Bail out! cannot make %s\n", path);
        exit(1);
    }
}

/* Copy cases.json, programs/ and case_01..case_27/trace.csv from src into
 * d/v; the number of cases copied, or -1. */
static int copy_vectors(const test_dir_t *d, const char *src)
{
    char from[2048], name[512];
    make_subdir(d, "v");
    make_subdir(d, "v/programs");
    snprintf(from, sizeof from, "%s/cases.json", src);
    if (copy_file(d, from, "v/cases.json") != 0)
        return -1;
    snprintf(from, sizeof from, "%s/programs", src);
    DIR *dir = opendir(from);
    if (!dir)
        return -1;
    struct dirent *e;
    int progs = 0;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char file[2048];
        snprintf(file, sizeof file, "%s/programs/%.300s", src, e->d_name);
        snprintf(name, sizeof name, "v/programs/%.300s", e->d_name);
        if (copy_file(d, file, name) != 0) {
            closedir(dir);
            return -1;
        }
        progs++;
    }
    closedir(dir);
    if (progs == 0)
        return -1;
    for (int k = 1; k <= UPSTREAM_CASES; k++) {
        snprintf(name, sizeof name, "v/case_%02d", k);
        make_subdir(d, name);
        snprintf(from, sizeof from, "%s/case_%02d/trace.csv", src, k);
        snprintf(name, sizeof name, "v/case_%02d/trace.csv", k);
        if (copy_file(d, from, name) != 0)
            return -1;
    }
    return UPSTREAM_CASES;
}

/* The private copy's file name as text (malloc'd). */
static char *read_copy(const test_dir_t *d, const char *name)
{
    char path[1024];
    char *t = slurp_file(test_dir_file(d, name, path, sizeof path), NULL);
    if (!t) {
        printf("Bail out! cannot read %s\n", path);
        exit(1);
    }
    return t;
}

static void write_copy(const test_dir_t *d, const char *name, const char *text)
{
    char path[1024];
    test_dir_write(d, name, text, strlen(text), path, sizeof path);
}

/* Where token (row, col) of a CSV text starts and how long it is. */
static const char *csv_cell(const char *text, int row, int col, size_t *len)
{
    const char *p = text;
    for (int r = 0; r < row; r++) {
        p = strchr(p, '\n');
        if (!p)
            return NULL;
        p++;
    }
    for (int c = 0; c < col; c++) {
        p = strpbrk(p, ",\n");
        if (!p || *p == '\n')
            return NULL;
        p++;
    }
    *len = strcspn(p, ",\n");
    return p;
}

/* text with [at, at + len) replaced by repl (malloc'd). */
static char *splice(const char *text, const char *at, size_t len, const char *repl)
{
    const size_t head = (size_t)(at - text), rl = strlen(repl), tl = strlen(text);
    char *out = malloc(tl - len + rl + 1);
    if (!out)
        abort();
    memcpy(out, text, head);
    memcpy(out + head, repl, rl);
    memcpy(out + head + rl, at + len, tl - head - len + 1);
    return out;
}

/* A field element other than v, as text. */
static void other_value(uint64_t v, char *buf, size_t len)
{
    snprintf(buf, len, "%llu", (unsigned long long)(v + 1 < FELT_MOD ? v + 1 : 0));
}

/* The CSV text with cell (row, col) changed; its old and new values. */
static char *csv_change(const char *text, int row, int col, uint64_t *old, uint64_t *new_v)
{
    size_t len;
    const char *at = csv_cell(text, row, col, &len);
    if (!at) {
        printf("Bail out! no cell row %d column %d\n", row, col);
        exit(1);
    }
    char buf[32];
    *old = strtoull(at, NULL, 10);
    other_value(*old, buf, sizeof buf);
    *new_v = strtoull(buf, NULL, 10);
    return splice(text, at, len, buf);
}

/* In cases.json text: where item `item` of array `key` of the entry with
 * "case": num starts (its digits) and their length. */
static const char *json_case_item(const char *json, int num, const char *key, int item,
                                  size_t *len)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    for (const char *p = strstr(json, "\"case\""); p; p = strstr(p + 1, "\"case\"")) {
        const char *q = strchr(p, ':');
        if (!q || strtol(q + 1, NULL, 10) != num)
            continue;
        /* the next "case" bounds this entry */
        const char *next = strstr(p + 1, "\"case\"");
        const char *k = strstr(p, pat);
        if (!k || (next && k > next))
            k = NULL;
        if (!k) {
            /* key before "case" in the entry: search back to the entry's '{' */
            const char *open = p;
            while (open > json && *open != '{')
                open--;
            k = strstr(open, pat);
            if (!k || k > p)
                return NULL;
        }
        const char *a = strchr(k, '[');
        if (!a)
            return NULL;
        a++;
        for (int i = 0; i <= item; i++) {
            a += strspn(a, " \t\r\n,");
            if (i < item)
                a += strspn(a, "0123456789");
        }
        *len = strspn(a, "0123456789");
        return *len ? a : NULL;
    }
    return NULL;
}

static char *json_change(const char *json, int num, const char *key, int item, uint64_t *old,
                         uint64_t *new_v)
{
    size_t len;
    const char *at = json_case_item(json, num, key, item, &len);
    if (!at) {
        printf("Bail out! cases.json: no %s[%d] in case %d\n", key, item, num);
        exit(1);
    }
    char buf[32];
    *old = strtoull(at, NULL, 10);
    other_value(*old, buf, sizeof buf);
    *new_v = strtoull(buf, NULL, 10);
    return splice(json, at, len, buf);
}

/* The line of out starting with prefix, into buf ("" if none). */
static const char *line_of(const char *out, const char *prefix, char *buf, size_t len)
{
    buf[0] = '\0';
    for (const char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, prefix, strlen(prefix))) {
            size_t n = strcspn(p, "\n");
            if (n >= len)
                n = len - 1;
            memcpy(buf, p, n);
            buf[n] = '\0';
            break;
        }
    return buf;
}

/* Cases other than `except` all report ok, and exactly `n_fail` lines
 * report a difference. */
static int others_pass(const char *out, int n_cases, int except)
{
    char line[1024], prefix[32];
    int ok = 1;
    for (int k = 1; k <= n_cases; k++) {
        snprintf(prefix, sizeof prefix, "case %02d ", k);
        line_of(out, prefix, line, sizeof line);
        const int passed = strstr(line, " ok (") != NULL;
        if (k != except && !passed) {
            tap_diag("case %d: '%s'", k, line);
            ok = 0;
        }
        if (k == except && passed)
            ok = 0;
    }
    return ok;
}

static int count_of(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

/* "cases.json:LINE:COL" of position at in text (1-based, as the reader counts). */
static void where(const char *text, const char *at, char *buf, size_t len)
{
    int line = 1, col = 1;
    for (const char *p = text; p < at; p++, col++)
        if (*p == '\n')
            line++, col = 0;
    snprintf(buf, len, "cases.json:%d:%d:", line, col);
}

static run_result_t conform(const test_dir_t *d)
{
    char vdir[1024];
    test_dir_file(d, "v", vdir, sizeof vdir);
    const char *args[] = { "conform", "--vectors", vdir, NULL };
    return run_fragtrace(args);
}

static void show(const run_result_t *r)
{
    tap_diag("exit %d; stdout:\n%s# stderr:\n%s", r->status, r->out, r->err);
}

/* One changed cell of case `num`'s trace: exit 1, that case names row,
 * column index and name with both values, the others pass. */
static void check_cell(const test_dir_t *d, int n_cases, int num, int row, int col,
                       const char *col_name, const char *what)
{
    char name[64], want[512], line[1024], prefix[32];
    snprintf(name, sizeof name, "v/case_%02d/trace.csv", num);
    char *orig = read_copy(d, name);
    uint64_t old, new_v;
    char *changed = csv_change(orig, row, col, &old, &new_v);
    write_copy(d, name, changed);
    run_result_t r = conform(d);
    snprintf(prefix, sizeof prefix, "case %02d ", num);
    line_of(r.out, prefix, line, sizeof line);
    snprintf(want, sizeof want, "DIFFERS: trace row %d%s, column %d (%s): fragtrace %llu, "
             "upstream %llu (1 differing cell)", row,
             strstr(what, "random") ? " (the random row)" : "", col, col_name,
             (unsigned long long)old, (unsigned long long)new_v);
    char summary[128];
    snprintf(summary, sizeof summary, "conform: %d cases, %d passed, 1 failed (", n_cases,
             n_cases - 1);
    if (!tap_ok(r.status == 1 && strstr(line, want) != NULL && strstr(r.out, summary) != NULL,
                "%s: case %d row %d column %d (%s) reported with both values, exit 1", what, num,
                row, col, col_name)) {
        tap_diag("want in the case %d line: %s", num, want);
        show(&r);
    }
    if (!tap_ok(others_pass(r.out, n_cases, num) && count_of(r.out, "DIFFERS") == 1,
                "%s: every other case still passes", what))
        show(&r);
    write_copy(d, name, orig);
    free(orig);
    free(changed);
    run_free(&r);
}

/* One changed item of cases.json: reported as `want` (a printf format
 * taking the upstream and fragtrace values in that order is awkward, so
 * the caller builds it), exit 1, others pass. */
static void check_meta(const test_dir_t *d, int n_cases, int num, const char *key, int item,
                       const char *what)
{
    char *orig = read_copy(d, "v/cases.json");
    uint64_t old, new_v;
    char *changed = json_change(orig, num, key, item, &old, &new_v);
    write_copy(d, "v/cases.json", changed);
    run_result_t r = conform(d);
    char prefix[32], line[1024], want[512];
    snprintf(prefix, sizeof prefix, "case %02d ", num);
    line_of(r.out, prefix, line, sizeof line);
    if (!strcmp(key, "stack_outputs"))
        snprintf(want, sizeof want, "DIFFERS: stack outputs: position %d (top first): "
                 "fragtrace %llu, upstream %llu", item, (unsigned long long)old,
                 (unsigned long long)new_v);
    else
        snprintf(want, sizeof want, "DIFFERS: program hash: fragtrace [");
    int ok = r.status == 1 && strstr(line, want) != NULL && others_pass(r.out, n_cases, num);
    if (ok && strcmp(key, "stack_outputs")) {
        /* both digests, the changed element differing */
        char fv[32], uv[32];
        snprintf(fv, sizeof fv, "%llu", (unsigned long long)old);
        snprintf(uv, sizeof uv, "%llu", (unsigned long long)new_v);
        const char *up = strstr(line, ", upstream [");
        ok = up && strstr(line, fv) && strstr(line, fv) < up && strstr(up, uv);
    }
    if (!tap_ok(ok, "%s: case %d reported (%s%s), the others pass, exit 1", what, num, want,
                strcmp(key, "stack_outputs") ? "...], upstream [...]" : ""))
        show(&r);
    write_copy(d, "v/cases.json", orig);
    free(orig);
    free(changed);
    run_free(&r);
}

/* Whether err holds "cases.json:LINE:COL: ". */
static int names_json_place(const char *err)
{
    for (const char *p = strstr(err, "cases.json:"); p; p = strstr(p + 1, "cases.json:")) {
        const char *q = p + strlen("cases.json:");
        const size_t l = strspn(q, "0123456789");
        if (l && q[l] == ':' && strspn(q + l + 1, "0123456789") && q[l + 1 + strspn(q + l + 1,
                                                                   "0123456789")] == ':')
            return 1;
    }
    return 0;
}

/* A malformed or missing vector file: exit 2, stderr names the file (and
 * where), stdout empty, no crash. err_has NULL: "cases.json:LINE:COL:". */
static void check_bad(const test_dir_t *d, const char *name, const char *text,
                      const char *err_has, const char *what)
{
    char *orig = read_copy(d, name);
    char path[1024];
    if (text) {
        write_copy(d, name, text);
    } else if (unlink(test_dir_file(d, name, path, sizeof path)) != 0) {
        printf("Bail out! cannot remove %s\n", path);
        exit(1);
    }
    run_result_t r = conform(d);
    const int named = err_has ? strstr(r.err, err_has) != NULL : names_json_place(r.err);
    if (!tap_ok(r.status == 2 && named && r.out[0] == '\0' &&
                strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
                "%s: exit 2, one line naming '%s', nothing on stdout", what,
                err_has ? err_has : "cases.json:LINE:COL:")) {
        show(&r);
    }
    write_copy(d, name, orig);
    free(orig);
    run_free(&r);
}

int main(void)
{
    char src[1024], probe[1100];
    snprintf(src, sizeof src, "%.900s/vectors/miden-v0.19.0", shared_dir());
    snprintf(probe, sizeof probe, "%s/cases.json", src);
    struct stat sb;
    if (stat(probe, &sb) != 0)
        shared_vectors_absent_all(probe);
    tap_plan(27);
    test_dir_t d;
    test_dir_make(&d);
    const int n = copy_vectors(&d, src);
    if (n < 0) {
        printf("Bail out! cannot copy the vectors from %s\n", src);
        test_dir_remove(&d);
        return 1;
    }

    /* 1. unchanged */
    run_result_t r = conform(&d);
    char want[256];
    snprintf(want, sizeof want, "conform: %d cases, %d passed, 0 failed (compared: program hash, "
             "stack outputs, trace length, ", n, n);
    if (!tap_ok(r.status == 0 && strstr(r.out, want) != NULL && others_pass(r.out, n, 0) &&
                !strstr(r.out, "DIFFERS") && r.err[0] == '\0',
                "unchanged vectors: all %d cases ok, exit 0", n))
        show(&r);
    /* The summary says exactly what was not compared. */
    if (!tap_ok(strstr(r.out, "trace length, all 72 columns of every row)") != NULL &&
                    strstr(r.out, "not yet") == NULL,
                "summary says every column of every row is compared"))
        show(&r);
    run_free(&r);

    /* 2. a core cell: case 03, row 5, column 31 (s1); decoder and system too */
    check_cell(&d, n, 3, 5, 31, "s1", "stack cell");
    check_cell(&d, n, 20, 70, 14, "hasher_state[0]", "decoder cell");
    /* the range checker and chiplets: case 03's range table (row 40, the
       value column), a hasher row, a memory row of case 06 */
    check_cell(&d, n, 3, 40, 50, trace_column_name(50), "range-checker cell");
    check_cell(&d, n, 3, 2, 56, trace_column_name(56), "hasher-chiplet cell");
    check_cell(&d, n, 6, 20, 51, trace_column_name(51), "chiplet selector cell");
    /* 3. the random last row */
    check_cell(&d, n, 1, 63, 60, "chiplets[9] (hasher h5; bitwise b0; memory clk; ace eval_op; "
               "kernel_rom r3)", "random row");

    /* 4. cases.json: stack outputs, program hash */
    check_meta(&d, n, 7, "stack_outputs", 0, "stack output");
    check_meta(&d, n, 12, "program_hash", 2, "program hash");

    /* 5. malformed trace.csv */
    char *csv = read_copy(&d, "v/case_04/trace.csv");
    size_t len;
    const char *at = csv_cell(csv, 10, 30, &len);
    const char *eol = at ? strchr(at, '\n') : NULL;
    if (!eol) {
        printf("Bail out! case_04/trace.csv has no row 10\n");
        return 1;
    }
    char *bad = splice(csv, at - 1, (size_t)(eol - at + 1), ""); /* row 10: 30 columns */
    check_bad(&d, "v/case_04/trace.csv", bad, "case_04/trace.csv:11", "truncated row");
    free(bad);
    bad = splice(csv, csv_cell(csv, 2, 3, &len), len, "12x");
    check_bad(&d, "v/case_04/trace.csv", bad, "case_04/trace.csv:3", "not a number");
    free(bad);
    bad = splice(csv, csv_cell(csv, 6, 0, &len), len, "18446744069414584321");
    check_bad(&d, "v/case_04/trace.csv", bad, "case_04/trace.csv:7", "value = p");
    free(bad);
    bad = splice(csv, csv_cell(csv, 0, 71, &len), len, "0,0");
    check_bad(&d, "v/case_04/trace.csv", bad, "case_04/trace.csv:1", "73 columns");
    free(bad);
    at = csv_cell(csv, 63, 0, &len);
    bad = splice(csv, at, strlen(at), "");
    check_bad(&d, "v/case_04/trace.csv", bad, "case_04/trace.csv: 63 rows", "a row missing");
    free(bad);
    bad = splice(csv, csv, strlen(csv), "");
    check_bad(&d, "v/case_04/trace.csv", bad, "case_04/trace.csv", "empty file");
    free(bad);
    check_bad(&d, "v/case_04/trace.csv", NULL, "case_04/trace.csv: cannot open",
              "missing trace.csv");
    free(csv);

    /* 6. malformed cases.json and a missing program */
    char *json = read_copy(&d, "v/cases.json");
    bad = splice(json, json + strlen(json) / 2, strlen(json) - strlen(json) / 2, "");
    check_bad(&d, "v/cases.json", bad, NULL, "truncated cases.json");
    free(bad);
    at = json_case_item(json, 5, "program_hash", 1, &len);
    char place[64];
    where(json, at, place, sizeof place);
    bad = splice(json, at, len, "\"7\"");
    check_bad(&d, "v/cases.json", bad, place, "a string in program_hash");
    free(bad);
    check_bad(&d, "v/cases.json", NULL, "cases.json: cannot open", "missing cases.json");
    free(json);
    check_bad(&d, "v/programs/loop.masm", NULL, "programs/loop.masm", "missing program");

    test_dir_remove(&d);
    return tap_done();
}

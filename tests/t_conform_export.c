/*
 * t_conform_export.c - `fragtrace conform DIR` on an exported vector
 * directory (spec/vectors-format.md, spec/conform.md).
 *
 * The test builds its own small export in a private folder (it does not
 * rely on `fragtrace export`): four cases from `fragtrace trace --result`
 * - join_nested (program.txt, trace.csv), u32_arith (program.txt, trace
 * pinned by its SHA-256 only), call_simple (program.txt and program.masb)
 * and fail_assert (program.masb only, an expected failed assertion) - with
 * inputs.json and manifest.json. Then:
 *   - fragtrace in-process and fragtrace through the --impl self-template
 *     pass every case, with TAP that prove accepts, the same for --jobs 1
 *     and --jobs 2;
 *   - a broken implementation (one cell of one case changed) fails exactly
 *     that case, naming row, column index and name and both values; a
 *     crash, a hang (--timeout), garbage in {out}, exit 3 and a wrong
 *     result file each fail their case, and a wrong expectation in the
 *     manifest fails in-process too;
 *   - a malformed export (unknown key, format_version 2, truncated or
 *     missing file) and a bad template are exit 2 with nothing on stdout;
 *   - --filter selects by name and by tag;
 *   - the placeholders get the case's values, quoted so that a DIR with a
 *     quote and spaces in its path works.
 */
#include <errno.h>
#include <sys/stat.h>
#include <time.h>

#include "shared_vectors.h"
#include "tap.h"
#include "run_cmd.h"
#include "tmpdir.h"
#include "air/layout.h"
#include "io/json.h"
#include "util/sha256.h"

#define N_CASES 4

typedef struct {
    const char *name, *source, *stack, *tags;
    unsigned fragment;
    int text, masb, trace_file, expect_ok;
    /* filled in */
    char dir[600];
    char outputs[16][24];
    unsigned long long cycles, rows, clk;
    char kind[64];
    char sha[65];
} tcase_t;

static tcase_t cases[N_CASES] = {
    { "join_nested", "vectors/programs/join_nested.masm", "2,3,4,5", "\"join\", \"arith\"", 3,
      1, 0, 1, 1, "", { { 0 } }, 0, 0, 0, "", "" },
    { "u32_arith", "vectors/programs/u32_arith.masm", "123456789,4200000000", "\"u32\"", 7, 1,
      0, 0, 1, "", { { 0 } }, 0, 0, 0, "", "" },
    { "call_simple", "vectors/programs/call_simple.masm", "1,7", "\"call\", \"arith\"", 4, 1, 1,
      1, 1, "", { { 0 } }, 0, 0, 0, "", "" },
    { "fail_assert", NULL, "", "\"error\"", 2, 0, 1, 0, 0, "", { { 0 } }, 0, 0, 0, "", "" },
};

static const char FAIL_PROGRAM[] =
    "# an assertion that fails at clk 3\nbegin basic_block push(1) push(0) swap drop assert "
    "end end\n";

/* join_nested's advice inputs (the program reads none): the advice map's
 * values are JSON integers, as in upstream's .inputs files. */
#define ADVICE_STACK "[\"9\", \"8\"]"
#define ADVICE_MAP "{\"0x0100000000000000020000000000000003000000000000000400000000000000\": " \
                   "[1000, 18446744069414584320]}"

static test_dir_t d;

/* slurp_file (shared_vectors.h) under this file's old name. */
static char *read_file(const char *path, size_t *len)
{
    return slurp_file(path, len);
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        printf("Bail out! cannot write %s\n", path);
        exit(1);
    }
}

static void copy_file(const char *from, const char *to)
{
    size_t n;
    char *t = read_file(from, &n);
    if (!t) {
        printf("Bail out! cannot read %s\n", from);
        exit(1);
    }
    write_file(to, t, n);
    free(t);
}

static void file_hex(const char *path, char hex[65])
{
    size_t n;
    char *t = read_file(path, &n);
    if (!t) {
        printf("Bail out! cannot read %s\n", path);
        exit(1);
    }
    sha256_buffer_hex(t, n, hex);
    free(t);
}

static void mkdir_p(const char *path)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        printf("Bail out! cannot make %s\n", path);
        exit(1);
    }
}

/* A growable string. */
typedef struct {
    char *s;
    size_t len, cap;
} str_t;

static void put(str_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(str_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s)
            abort();
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* s as a JSON string. */
static void put_json_string(str_t *b, const char *s)
{
    put(b, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            put(b, "\\%c", *s);
        else if (*s == '\n')
            put(b, "\\n");
        else
            put(b, "%c", *s);
    }
    put(b, "\"");
}

/* "1,2" -> ["1", "2"] */
static void put_stack(str_t *b, const char *list)
{
    put(b, "[");
    for (const char *p = list; *p;) {
        const size_t n = strcspn(p, ",");
        put(b, "%s\"%.*s\"", p == list ? "" : ", ", (int)n, p);
        p += n;
        if (*p == ',')
            p++;
    }
    put(b, "]");
}

static char g_manifest_path[700];
static char *g_manifest; /* the good manifest text */

/* Run fragtrace trace for each case, lay out DIR/cases/NAME and write
 * manifest.json. */
static void build_export(void)
{
    char path[800], work[700], src[800], res[800], csv[800], masb[800];
    snprintf(work, sizeof work, "%s/work", d.path);
    mkdir_p(work);
    snprintf(path, sizeof path, "%s/x", d.path);
    mkdir_p(path);
    snprintf(path, sizeof path, "%s/x/cases", d.path);
    mkdir_p(path);
    for (int i = 0; i < N_CASES; i++) {
        tcase_t *c = &cases[i];
        snprintf(c->dir, sizeof c->dir, "%s/x/cases/%s", d.path, c->name);
        mkdir_p(c->dir);
        if (c->source) {
            snprintf(src, sizeof src, "%s", c->source);
        } else {
            snprintf(src, sizeof src, "%s/%s.txt", work, c->name);
            write_file(src, FAIL_PROGRAM, sizeof FAIL_PROGRAM - 1);
        }
        /* inputs.json: what the manifest's "inputs" holds */
        str_t in = { 0 };
        put(&in, "{\n  \"operand_stack\": ");
        put_stack(&in, c->stack);
        put(&in, ",\n  \"advice_stack\": %s,\n  \"advice_map\": %s,\n  \"merkle_store\": null\n}\n",
            i == 0 ? ADVICE_STACK : "[]", i == 0 ? ADVICE_MAP : "{}");
        snprintf(path, sizeof path, "%s/inputs.json", c->dir);
        write_file(path, in.s, in.len);
        free(in.s);
        if (c->text) {
            snprintf(path, sizeof path, "%s/program.txt", c->dir);
            copy_file(src, path);
        }
        if (c->masb) {
            snprintf(masb, sizeof masb, "%s/program.masb", c->dir);
            run_result_t r = run_fragtrace((const char *[]){ "compile", src, "-o", masb, NULL });
            if (r.status != 0) {
                printf("Bail out! compile %s: %s\n", src, r.err);
                exit(1);
            }
            run_free(&r);
        }
        char frag[16];
        snprintf(frag, sizeof frag, "%u", c->fragment);
        snprintf(csv, sizeof csv, "%s/%s.csv", work, c->name);
        snprintf(res, sizeof res, "%s/%s.json", work, c->name);
        snprintf(path, sizeof path, "%s/inputs.json", c->dir);
        const char *args[] = { "trace", src, "--inputs", path, "--fragment", frag, "-o", csv,
                               "--result", res, NULL };
        run_result_t r = run_fragtrace(args);
        if (r.status != (c->expect_ok ? 0 : 1)) {
            printf("Bail out! trace %s: exit %d: %s\n", src, r.status, r.err);
            exit(1);
        }
        run_free(&r);
        size_t n;
        char *text = read_file(res, &n), err[256];
        json_value_t *j = text ? json_parse(text, n, err, sizeof err) : NULL;
        free(text);
        if (!j) {
            printf("Bail out! %s: no result\n", res);
            exit(1);
        }
        if (c->expect_ok) {
            const json_value_t *o = json_get(j, "stack_outputs");
            for (int k = 0; k < 16; k++)
                snprintf(c->outputs[k], sizeof c->outputs[k], "%s", o->items[k]->text);
            c->cycles = strtoull(json_get(j, "cycles")->text, NULL, 10);
            c->rows = strtoull(json_get(j, "trace_rows")->text, NULL, 10);
            file_hex(csv, c->sha);
            if (c->trace_file) {
                snprintf(path, sizeof path, "%s/trace.csv", c->dir);
                copy_file(csv, path);
            }
        } else {
            snprintf(c->kind, sizeof c->kind, "%s", json_get(j, "error_kind")->text);
            c->clk = strtoull(json_get(j, "clk")->text, NULL, 10);
        }
        json_free(j);
    }

    /* manifest.json, in the layout fragtrace export writes */
    str_t m = { 0 };
    put(&m, "{\n  \"format\": \"fragtrace-vectors\",\n  \"format_version\": 1,\n"
            "  \"vm\": \"miden-vm v0.19.0\",\n  \"generator\": \"fragtrace test\",\n"
            "  \"field_modulus\": \"18446744069414584321\",\n  \"trace_width\": 72,\n"
            "  \"columns\": [");
    for (int k = 0; k < TRACE_NUM_COLUMNS; k++) {
        put(&m, "%s\n    ", k ? "," : "");
        put_json_string(&m, trace_column_name(k));
    }
    put(&m, "\n  ],\n  \"conventions\": {\n    \"stack_inputs\": \"last on top\"\n  },\n"
            "  \"cases\": [");
    for (int i = 0; i < N_CASES; i++) {
        tcase_t *c = &cases[i];
        char hex[65];
        run_result_t h = run_fragtrace((const char *[]){ "hash",
            c->source ? c->source : (snprintf(src, sizeof src, "%s/%s.txt", work, c->name), src),
            NULL });
        if (h.status != 0) {
            printf("Bail out! hash: %s\n", h.err);
            exit(1);
        }
        unsigned long long hv[4];
        if (sscanf(h.out, "%llu %llu %llu %llu", &hv[0], &hv[1], &hv[2], &hv[3]) != 4) {
            printf("Bail out! hash output '%s'\n", h.out);
            exit(1);
        }
        run_free(&h);
        put(&m, "%s\n    {\n      \"name\": \"%s\",\n      \"program\": \"%s\",\n"
                "      \"tags\": [%s],\n      \"provenance\": \"fragtrace test\",\n"
                "      \"program_hash\": [\"%llu\", \"%llu\", \"%llu\", \"%llu\"],\n"
                "      \"program_text\": ", i ? "," : "", c->name, c->name, c->tags,
            hv[0], hv[1], hv[2], hv[3]);
        if (c->text) {
            snprintf(path, sizeof path, "%s/program.txt", c->dir);
            char *t = read_file(path, NULL);
            put_json_string(&m, t);
            free(t);
        } else {
            put(&m, "null");
        }
        put(&m, ",\n      \"files\": {");
        static const char *const files[] = { "inputs.json", "program.masb", "program.txt",
                                             "trace.csv" };
        int first = 1;
        for (int f = 0; f < 4; f++) {
            struct stat sb;
            snprintf(path, sizeof path, "%s/%s", c->dir, files[f]);
            if (stat(path, &sb) != 0)
                continue;
            file_hex(path, hex);
            put(&m, "%s\n        \"%s\": \"%s\"", first ? "" : ",", files[f], hex);
            first = 0;
        }
        put(&m, "\n      },\n      \"libraries\": [],\n      \"inputs\": {\n"
                "        \"operand_stack\": ");
        put_stack(&m, c->stack);
        put(&m, ",\n        \"advice_stack\": %s,\n        \"advice_map\": %s,\n"
                "        \"merkle_store\": null\n      },\n      \"fragment_size\": %u,\n"
                "      \"expected\": {\n", i == 0 ? ADVICE_STACK : "[]",
            i == 0 ? ADVICE_MAP : "{}", c->fragment);
        if (c->expect_ok) {
            put(&m, "        \"outcome\": \"ok\",\n        \"stack_outputs\": [");
            for (int k = 0; k < 16; k++)
                put(&m, "%s\"%s\"", k ? ", " : "", c->outputs[k]);
            put(&m, "],\n        \"cycles\": %llu,\n        \"trace_rows\": %llu,\n"
                    "        \"trace_sha256\": \"%s\",\n        \"trace_file\": %s\n",
                c->cycles, c->rows, c->sha, c->trace_file ? "\"trace.csv\"" : "null");
        } else {
            put(&m, "        \"outcome\": \"error\",\n        \"error_kind\": \"%s\",\n"
                    "        \"clk\": %llu\n", c->kind, c->clk);
        }
        put(&m, "      }\n    }");
    }
    put(&m, "\n  ]\n}\n");
    snprintf(g_manifest_path, sizeof g_manifest_path, "%s/x/manifest.json", d.path);
    write_file(g_manifest_path, m.s, m.len);
    g_manifest = m.s;
}

/* The manifest with the first `from` replaced by `to`. */
static void manifest_edit(const char *from, const char *to)
{
    const char *at = strstr(g_manifest, from);
    if (!at) {
        printf("Bail out! '%s' not in the manifest\n", from);
        exit(1);
    }
    str_t m = { 0 };
    put(&m, "%.*s%s%s", (int)(at - g_manifest), g_manifest, to, at + strlen(from));
    write_file(g_manifest_path, m.s, m.len);
    free(m.s);
}

static void manifest_restore(void)
{
    write_file(g_manifest_path, g_manifest, strlen(g_manifest));
}

/* ---- checking TAP ------------------------------------------------------- */

/* The TAP has the plan "1..n" first, then n test lines "ok K - NAME..." /
 * "not ok K - NAME..." in order (K = 1..n) with only '#' lines between,
 * the last being the summary; *n_ok gets the ok count. */
static int tap_well_formed(const char *out, int n, int *n_ok)
{
    char plan[32];
    snprintf(plan, sizeof plan, "1..%d\n", n);
    if (strncmp(out, plan, strlen(plan)) != 0)
        return 0;
    const char *p = out + strlen(plan);
    int k = 0, oks = 0;
    const char *last = NULL;
    while (*p) {
        const char *nl = strchr(p, '\n');
        if (!nl)
            return 0;
        if (*p == '#') {
            last = p;
        } else {
            char want[64];
            int ok = strncmp(p, "ok ", 3) == 0;
            snprintf(want, sizeof want, "%sok %d - ", ok ? "" : "not ", k + 1);
            if (strncmp(p, want, strlen(want)) != 0)
                return 0;
            k++;
            oks += ok;
            last = NULL;
        }
        p = nl + 1;
    }
    char summary[128];
    snprintf(summary, sizeof summary, "# conform: %d cases, %d passed, %d failed\n", n, oks,
             n - oks);
    *n_ok = oks;
    return k == n && last && !strcmp(last, summary);
}

/* The line of test K (without its '\n'), into buf. */
static const char *tap_line(const char *out, int k, char *buf, size_t len)
{
    char want[32];
    buf[0] = '\0';
    for (const char *p = out; *p;) {
        const size_t n = strcspn(p, "\n");
        snprintf(want, sizeof want, "ok %d - ", k);
        const char *q = !strncmp(p, "not ", 4) ? p + 4 : p;
        if (!strncmp(q, want, strlen(want))) {
            snprintf(buf, len, "%.*s", (int)n, p);
            return buf;
        }
        p += n;
        if (*p)
            p++;
    }
    return buf;
}

/* prove parses the TAP: written to a file and read back through
 * `prove --exec cat`. */
static int prove_accepts(const char *tap, int expect_pass)
{
    char path[700], cmd[1600];
    snprintf(path, sizeof path, "%s/out.tap", d.path);
    write_file(path, tap, strlen(tap));
    snprintf(cmd, sizeof cmd, "prove --exec cat '%s' > /dev/null 2>&1", path);
    const int rc = system(cmd);
    return expect_pass ? rc == 0 : rc != 0 && rc != -1;
}

static int have_prove(void)
{
    return system("command -v prove > /dev/null 2>&1") == 0;
}

static char x_dir[700];

/* conform on the test export with extra args. */
static run_result_t conform(const char *const *extra)
{
    const char *args[32] = { "conform", x_dir };
    int n = 2;
    for (int i = 0; extra && extra[i] && n < 31; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    const run_opts_t o = { RUN_STDOUT_CAPTURE, NULL, 120 };
    return run_fragtrace_opts(args, &o);
}

static void expect_usage(const char *const *extra, const char *needle, const char *what)
{
    run_result_t r = conform(extra);
    tap_ok(r.status == 2 && r.out[0] == '\0' && strstr(r.err, needle) != NULL, "%s: exit 2, "
           "stderr names it, nothing on stdout", what);
    if (r.status != 2 || !strstr(r.err, needle))
        tap_diag("status %d, stderr: %s", r.status, r.err);
    run_free(&r);
}

/* pid runs (a zombie waiting for its new parent to reap it counts as
 * dead: SIGKILL has done its work). */
static int process_alive(pid_t pid)
{
    char path[64], stat_text[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return kill(pid, 0) == 0 && access("/proc/self/stat", R_OK) != 0;
    const size_t n = fread(stat_text, 1, sizeof stat_text - 1, f);
    fclose(f);
    stat_text[n] = '\0';
    const char *paren = strrchr(stat_text, ')');
    return !(paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'));
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    tap_plan(40);
    test_dir_make(&d);
    build_export();
    snprintf(x_dir, sizeof x_dir, "%s/x", d.path);
    char self[1200], buf[1024];
    snprintf(self, sizeof self, "'%s' trace {program} {lib_flags} --inputs {inputs} --fragment "
             "{fragment} -o {out} --result {result} --quiet", fragtrace_bin());
    int n_ok = 0;

    /* 1. fragtrace in-process */
    run_result_t r = conform(NULL);
    tap_ok(r.status == 0 && tap_well_formed(r.out, N_CASES, &n_ok) && n_ok == N_CASES,
           "in-process: exit 0, %d ok lines, the summary", N_CASES);
    if (r.status != 0)
        tap_diag("status %d\n%s%s", r.status, r.out, r.err);
    tap_ok(strstr(r.out, "ok 1 - join_nested (") && strstr(r.out, "rows, fragment size 3)") &&
           strstr(r.out, "ok 4 - fail_assert (error failed_assertion at clk"),
           "in-process: the lines name rows, fragment size and the expected error");
    if (have_prove())
        tap_ok(prove_accepts(r.out, 1), "prove accepts the TAP");
    else
        tap_skip("prove is not installed");
    run_free(&r);

    /* 2. fragtrace through the self-template; --jobs 2 gives the same */
    r = conform((const char *[]){ "--impl", self, NULL });
    tap_ok(r.status == 0 && tap_well_formed(r.out, N_CASES, &n_ok) && n_ok == N_CASES,
           "--impl self-template: exit 0, every case ok");
    if (r.status != 0)
        tap_diag("status %d\n%s%s", r.status, r.out, r.err);
    tap_ok(strstr(r.out, "ok 4 - fail_assert (error failed_assertion at clk") != NULL,
           "--impl: the error case's kind and clk compared from {result}");
    run_result_t r2 = conform((const char *[]){ "--impl", self, "--jobs", "2", NULL });
    tap_ok(r2.status == 0 && !strcmp(r.out, r2.out), "--jobs 2: the same output as --jobs 1");
    run_free(&r2);
    run_free(&r);

    /* 3. an implementation that changes one cell of call_simple's trace */
    char orig[64] = "";
    {
        char path[800];
        snprintf(path, sizeof path, "%s/trace.csv", cases[2].dir);
        char *t = read_file(path, NULL), *p = t;
        for (int row = 0; row < 5 && p; row++)
            p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
        for (int col = 0; col < 31 && p; col++)
            p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
        if (p)
            snprintf(orig, sizeof orig, "%.*s", (int)strcspn(p, ",\n"), p);
        free(t);
    }
    const char *flipped = !strcmp(orig, "0") ? "1" : "0";
    char flip[800], flip_tmpl[2200];
    snprintf(flip, sizeof flip, "%s/impl_flip.sh", d.path);
    static const char FLIP[] =
        "#!/bin/sh\n"
        "# impl_flip.sh NAME OUT FRAGTRACE ARGS...: run fragtrace, then change row 5,\n"
        "# column 31 of case call_simple's trace (0 <-> anything else)\n"
        "name=$1; out=$2; shift 2\n"
        "\"$@\" || exit $?\n"
        "[ \"$name\" = call_simple ] || exit 0\n"
        "awk -F, -v OFS=, 'NR == 6 { $32 = ($32 == \"0\") ? \"1\" : \"0\" } { print }' \"$out\" "
        "> \"$out.tmp\" && mv \"$out.tmp\" \"$out\"\n";
    write_file(flip, FLIP, sizeof FLIP - 1);
    snprintf(flip_tmpl, sizeof flip_tmpl, "sh '%s' {name} {out} %s", flip, self);
    r = conform((const char *[]){ "--impl", flip_tmpl, NULL });
    char want[1200];
    snprintf(want, sizeof want, "not ok 3 - call_simple: trace row 5, column 31 (%s): expected "
             "%s, got %s", trace_column_name(31), orig, flipped);
    tap_ok(r.status == 1 && tap_well_formed(r.out, N_CASES, &n_ok) && n_ok == N_CASES - 1 &&
           !strcmp(tap_line(r.out, 3, buf, sizeof buf), want),
           "a changed cell: exit 1, exactly that case not ok, naming row, column and values");
    if (strcmp(buf, want))
        tap_diag("got '%s'\nwant '%s'\n%s", buf, want, r.err);
    if (have_prove())
        tap_ok(prove_accepts(r.out, 0), "prove parses it and reports the failure");
    else
        tap_skip("prove is not installed");
    run_free(&r);

    /* 4. crash, hang, garbage, exit 0 on an error case, in one run */
    char bad[800], bad_tmpl[2200];
    snprintf(bad, sizeof bad, "%s/impl_bad.sh", d.path);
    static const char BAD[] =
        "#!/bin/sh\n"
        "case \"$1\" in\n"
        "join_nested) kill -SEGV $$ ;;\n"
        "u32_arith) sleep 100 & echo $! > \"$3\"; wait ;;\n"
        "call_simple) echo 'not, a, trace' > \"$2\" ;;\n"
        "fail_assert) : ;;\n"
        "esac\n"
        "exit 0\n";
    write_file(bad, BAD, sizeof BAD - 1);
    char sleep_pid[800];
    snprintf(sleep_pid, sizeof sleep_pid, "%s/sleep.pid", d.path);
    snprintf(bad_tmpl, sizeof bad_tmpl, "sh '%s' {name} {out} '%s'", bad, sleep_pid);
    const double t0 = now();
    r = conform((const char *[]){ "--impl", bad_tmpl, "--timeout", "2", NULL });
    const double took = now() - t0;
    tap_ok(r.status == 1 && tap_well_formed(r.out, N_CASES, &n_ok) && n_ok == 0,
           "a broken implementation: exit 1, every case not ok");
    tap_ok(strstr(tap_line(r.out, 1, buf, sizeof buf),
                  "not ok 1 - join_nested: implementation crashed (signal 11") == buf,
           "a crash: 'implementation crashed (signal 11)'");
    tap_diag("%s", buf);
    tap_ok(!strcmp(tap_line(r.out, 2, buf, sizeof buf), "not ok 2 - u32_arith: timed out after 2 s"),
           "a hang: 'timed out after 2 s'");
    tap_ok(took < 15, "the hang was killed (the run took %.1f s)", took);
    tap_ok(strstr(tap_line(r.out, 3, buf, sizeof buf),
                  "not ok 3 - call_simple: trace output unreadable: {out}:1:") == buf,
           "garbage in {out}: 'trace output unreadable' with line:col");
    tap_diag("%s", buf);
    tap_ok(strstr(tap_line(r.out, 4, buf, sizeof buf),
                  "not ok 4 - fail_assert: expected error failed_assertion, but the "
                  "implementation exited 0") == buf,
           "exit 0 on an error case is not ok");
    run_free(&r);
    /* the hung case's process group was killed, its sleep too (once
       reparented, it is reaped shortly) */
    {
        char *pid_text = read_file(sleep_pid, NULL);
        const long pid = pid_text ? strtol(pid_text, NULL, 10) : 0;
        free(pid_text);
        int alive = pid > 0;
        for (int i = 0; i < 200 && alive; i++) {
            alive = process_alive((pid_t)pid);
            const struct timespec ten_ms = { 0, 10000000 };
            if (alive)
                nanosleep(&ten_ms, NULL);
        }
        tap_ok(pid > 0 && !alive, "the hung case's background sleep (pid %ld) was killed", pid);
    }

    /* 5. exit 3 with a message; the temporary folders are gone */
    r = conform((const char *[]){ "--impl", "echo 'boom: no such op' >&2; exit 3 # {out}",
                                  "--filter", "join_nested", NULL });
    tap_ok(r.status == 1 && tap_well_formed(r.out, 1, &n_ok) &&
           !strcmp(tap_line(r.out, 1, buf, sizeof buf),
                   "not ok 1 - join_nested: implementation exited 3: boom: no such op"),
           "exit 3: 'implementation exited 3: <first stderr line>'");
    if (strcmp(buf, "not ok 1 - join_nested: implementation exited 3: boom: no such op"))
        tap_diag("got '%s'", buf);
    tap_ok(strstr(r.out, "#   stderr: boom: no such op\n") != NULL,
           "the implementation's stderr is in the diagnostics");
    run_free(&r);

    /* 6. {result} files: wrong stack output, garbage, wrong error kind */
    r = conform((const char *[]){ "--impl",
        "{{ printf '{{\"outcome\": \"ok\", \"stack_outputs\": [\"1\",\"0\",\"0\",\"0\",\"0\","
        "\"0\",\"0\",\"0\",\"0\",\"0\",\"0\",\"0\",\"0\",\"0\",\"0\",\"0\"]}}' > {result}; }}; "
        "exit 0 # {out}",
        "--filter", "u32_arith", NULL });
    tap_ok(r.status == 1 && strstr(r.out, "not ok 1 - u32_arith: stack outputs: position 0 (top "
                                   "first): expected 4200000000, got 1\n") != NULL,
           "a wrong stack output in {result}: named with both values");
    if (r.status != 1)
        tap_diag("%s%s", r.out, r.err);
    run_free(&r);
    r = conform((const char *[]){ "--impl", "echo '[1,' > {result}; exit 1 # {out}", "--filter",
                                  "fail_assert", NULL });
    tap_ok(r.status == 1 && strstr(r.out, "not ok 1 - fail_assert: result file unreadable: not "
                                   "JSON: ") != NULL,
           "garbage in {result}: not ok, 'result file unreadable'");
    run_free(&r);
    r = conform((const char *[]){ "--impl",
        "echo '{{\"outcome\": \"error\", \"error_kind\": \"not_u32\", \"clk\": 3}}' > {result}; "
        "exit 1 # {out}", "--filter", "fail_assert", NULL });
    tap_ok(r.status == 1 && strstr(r.out, "not ok 1 - fail_assert: error kind: expected "
                                   "failed_assertion, got not_u32\n") != NULL,
           "a wrong error kind in {result}");
    run_free(&r);

    /* 7. a wrong expectation: in-process and through --impl */
    {
        char from[64], to[64];
        snprintf(from, sizeof from, "[\"%s\", \"%s\"", cases[2].outputs[0], cases[2].outputs[1]);
        snprintf(to, sizeof to, "[\"%s\", \"%s\"", cases[2].outputs[0], "12345");
        manifest_edit(from, to);
        r = conform(NULL);
        snprintf(want, sizeof want, "not ok 3 - call_simple: stack outputs: position 1 (top "
                 "first): expected 12345, got %s", cases[2].outputs[1]);
        tap_ok(r.status == 1 && !strcmp(tap_line(r.out, 3, buf, sizeof buf), want),
               "in-process: a wrong expected stack output is named");
        if (strcmp(buf, want))
            tap_diag("got '%s'", buf);
        run_free(&r);
        manifest_restore();
        snprintf(from, sizeof from, "\"clk\": %llu", cases[3].clk);
        snprintf(to, sizeof to, "\"clk\": %llu", cases[3].clk + 1);
        manifest_edit(from, to);
        r = conform((const char *[]){ "--impl", self, NULL });
        snprintf(want, sizeof want, "not ok 4 - fail_assert: error clk: expected %llu, got %llu",
                 cases[3].clk + 1, cases[3].clk);
        tap_ok(r.status == 1 && !strcmp(tap_line(r.out, 4, buf, sizeof buf), want),
               "--impl: a wrong expected clk is named");
        if (strcmp(buf, want))
            tap_diag("got '%s'", buf);
        run_free(&r);
        r = conform(NULL);
        tap_ok(r.status == 1 && strstr(tap_line(r.out, 4, buf, sizeof buf),
                                       "not ok 4 - fail_assert: expected error failed_assertion "
                                       "at clk") == buf,
               "in-process: a wrong expected clk is named");
        run_free(&r);
        manifest_restore();
    }

    /* 8. --filter by name pattern and by tag */
    r = conform((const char *[]){ "--filter", "u32*", NULL });
    tap_ok(r.status == 0 && tap_well_formed(r.out, 1, &n_ok) &&
           strstr(r.out, "ok 1 - u32_arith (") != NULL, "--filter 'u32*' selects u32_arith");
    run_free(&r);
    r = conform((const char *[]){ "--filter", "arith", "--filter", "error", NULL });
    tap_ok(r.status == 0 && tap_well_formed(r.out, 3, &n_ok) &&
           strstr(r.out, "ok 1 - join_nested (") && strstr(r.out, "ok 2 - call_simple (") &&
           strstr(r.out, "ok 3 - fail_assert ("),
           "--filter by tags: two patterns select three cases, in manifest order");
    run_free(&r);
    expect_usage((const char *[]){ "--filter", "nothing*", NULL }, "no case matches",
                 "--filter that selects nothing");

    /* 9. malformed exports and bad usage */
    manifest_edit("\"fragment_size\": 4,", "\"fragment_size\": 4,\n      \"extra\": 1,");
    expect_usage(NULL, "manifest.json:", "an unknown key in a case");
    r = conform(NULL);
    {
        /* "DIR/manifest.json:LINE:COL: unknown key "extra" ..." */
        const char *at = strstr(r.err, "manifest.json:");
        int line = 0, col = 0, used = 0;
        tap_ok(at && sscanf(at, "manifest.json:%d:%d: %n", &line, &col, &used) == 2 &&
               used > 0 && !strncmp(at + used, "unknown key \"extra\"", 19) && line > 1 &&
               col == 7, "the unknown key is named with line:col");
    }
    tap_diag("%s", r.err);
    run_free(&r);
    manifest_restore();
    manifest_edit("\"outcome\": \"ok\",", "\"outcome\": \"ok\", \"note\": \"x\",");
    expect_usage(NULL, "unknown key \"note\" in \"expected\"", "an unknown key in "
                 "expected");
    manifest_restore();
    manifest_edit("\"format_version\": 1", "\"format_version\": 2, \"new_thing\": []");
    expect_usage(NULL, "manifest.json:3:21: format_version 2 is newer than this fragtrace reads "
                 "(1)", "format_version 2");
    manifest_restore();
    manifest_edit("\"merkle_store\": null\n      }",
                  "\"merkle_store\": [{\"merkle_tree\": [\"0x01\"]}]\n      }");
    expect_usage(NULL, "merkle_store: merkle_tree: leaf \"0x01\" has 2 hex digits, not 64",
                 "a Merkle store with a malformed leaf in the inputs");
    manifest_restore();
    {
        char path[800], saved_path[800];
        snprintf(path, sizeof path, "%s/trace.csv", cases[0].dir);
        size_t n;
        char *t = read_file(path, &n);
        write_file(path, t, n / 2);
        snprintf(want, sizeof want, "%s: SHA-256 differs from the manifest (", path);
        expect_usage(NULL, want, "a truncated trace.csv");
        write_file(path, t, n);
        free(t);
        snprintf(path, sizeof path, "%s/program.masb", cases[3].dir);
        snprintf(saved_path, sizeof saved_path, "%s/saved.masb", d.path);
        rename(path, saved_path);
        expect_usage(NULL, "cases/fail_assert/program.masb: listed in the manifest but missing",
                     "a missing program.masb");
        rename(saved_path, path);
    }
    expect_usage((const char *[]){ "--impl", "run {program} {out} {outfile}", NULL },
                 "unknown placeholder {outfile}", "an unknown placeholder");
    expect_usage((const char *[]){ "--impl", "echo { > {out}", NULL },
                 "the '{' at character 6 starts no placeholder", "a lone brace");
    expect_usage((const char *[]){ "--impl", "true", NULL }, "has no {out}", "a template "
                 "without {out}");
    {
        char empty[800];
        snprintf(empty, sizeof empty, "%s/empty", d.path);
        mkdir_p(empty);
        const char *args[] = { "conform", empty, NULL };
        r = run_fragtrace(args);
        tap_ok(r.status == 2 && strstr(r.err, "neither manifest.json") != NULL,
               "a DIR with neither manifest.json nor cases.json: exit 2");
        run_free(&r);
    }

    /* 10. the placeholders' values, shell-quoted */
    {
        char ph[800], tmpl[2000], want2[8000];
        snprintf(ph, sizeof ph, "%s/ph.txt", d.path);
        snprintf(tmpl, sizeof tmpl, "printf '%%s\\n' {name}'|'{stack}'|'{advice}'|'{fragment}'|'"
                 "{text}'|'{masb}'|'{libs}'|'{lib_flags}'|'{program}'|'{dir}'|'{inputs} >> '%s'; "
                 "exit 1 # {out} {{ }}", ph);
        r = conform((const char *[]){ "--impl", tmpl, "--filter", "join_nested", "--filter",
                                      "call_simple", NULL });
        run_free(&r);
        const tcase_t *j = &cases[0], *c = &cases[2];
        snprintf(want2, sizeof want2,
                 "join_nested|2,3,4,5|9,8|3|%s/program.txt||||%s/program.txt|%s|%s/inputs.json\n"
                 "call_simple|1,7||4|%s/program.txt|%s/program.masb|||%s/program.txt|%s|"
                 "%s/inputs.json\n", j->dir, j->dir, j->dir, j->dir, c->dir, c->dir, c->dir,
                 c->dir, c->dir);
        char *got = read_file(ph, NULL);
        tap_ok(got && !strcmp(got, want2), "the placeholders' values ({stack} last on top, "
               "{advice}, empty {masb} {libs} {lib_flags})");
        if (!got || strcmp(got, want2))
            tap_diag("got:\n%swant:\n%s", got ? got : "(none)", want2);
        free(got);
    }
    {
        /* a DIR whose path needs quoting */
        char odd[800];
        snprintf(odd, sizeof odd, "%s/it's a dir", d.path);
        rename(x_dir, odd);
        const char *args[] = { "conform", odd, "--impl", self, NULL };
        const run_opts_t o = { RUN_STDOUT_CAPTURE, NULL, 120 };
        r = run_fragtrace_opts(args, &o);
        tap_ok(r.status == 0 && tap_well_formed(r.out, N_CASES, &n_ok) && n_ok == N_CASES,
               "paths with a quote and spaces are passed intact");
        if (r.status != 0)
            tap_diag("%s%s", r.out, r.err);
        run_free(&r);
        rename(odd, x_dir);
    }

    /* everything still passes after the restores */
    r = conform(NULL);
    tap_ok(r.status == 0, "the restored export passes again");
    run_free(&r);

    free(g_manifest);
    test_dir_remove(&d);
    return tap_done();
}

/*
 * t_masb.c - programs upstream compiled (.masb) and its host libraries
 * (.mast): every vector of vectors/masb-v0.19.0 (program hash; outputs,
 * cycles; the SHA-256 and row count of the trace CSV built from fragment
 * contexts with 1 and 2 threads at the vector's fragment_size and built
 * sequentially; or the error's kind and its clock cycle, for run and for
 * the three trace builds), the deferred ones pinned (shared_vectors.h, masb_deferred), and
 * malformed files: every truncation, a wrong magic, a wrong version, a
 * huge count, a digest that does not match, misplaced kinds of file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_cmd.h"
#include "shared_vectors.h"
#include "tap.h"
#include "tmpdir.h"

static char vec_dir[1024];
static test_dir_t tmp;

/* The quoted strings of the JSON array at "key" (meta.json: decimal
 * strings), written to out[0..max); returns how many, -1 if absent. */
static int json_str_array(const char *json, const char *key, char out[][32], int max)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = strstr(json, pat);
    if (!p || !(p = strchr(p + strlen(pat), '[')))
        return -1;
    const char *end = strchr(p, ']');
    int n = 0;
    while (end && n < max && (p = strchr(p + 1, '"')) && p < end) {
        const char *q = strchr(p + 1, '"');
        if (!q || q - p - 1 >= 32)
            return -1;
        memcpy(out[n], p + 1, (size_t)(q - p - 1));
        out[n][q - p - 1] = '\0';
        n++;
        p = q;
    }
    return n;
}

/* The string value of "key": "..." (first occurrence), or "" (null or absent). */
static void json_str(const char *json, const char *key, char *out, size_t len)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    out[0] = '\0';
    const char *p = strstr(json, pat);
    if (!p)
        return;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    if (*p != '"')
        return;
    const char *q = strchr(p + 1, '"');
    if (!q)
        return;
    const size_t n = (size_t)(q - p - 1) < len - 1 ? (size_t)(q - p - 1) : len - 1;
    memcpy(out, p + 1, n);
    out[n] = '\0';
}

/* A number value of "key": N, or -1 (null or absent). */
static long long json_num(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    if (!p)
        return -1;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    if (*p < '0' || *p > '9')
        return -1;
    return strtoll(p, NULL, 10);
}

/* SHA-256 of a file, by the sha256sum program, and its number of lines
 * (wc -l); "" and -1 if they cannot run. */
static void sha256_file(const char *path, char out[65], long long *lines)
{
    char cmd[2500];
    snprintf(cmd, sizeof cmd, "sha256sum '%s' && wc -l < '%s'", path, path);
    out[0] = '\0';
    *lines = -1;
    FILE *p = popen(cmd, "r");
    if (!p)
        return;
    char name[1200];
    if (fscanf(p, "%64s %1199s %lld", out, name, lines) != 3) {
        out[0] = '\0';
        *lines = -1;
    }
    pclose(p);
}

typedef struct {
    char name[64];
    char dir[1100];
    char *meta;
    char masb[1200];
    const char *args[16];
    int n_args;
    char stack[600], inputs[1200], lib[1200];
} vector_t;

/* The run arguments of a vector: its stack inputs or inputs file, and its
 * host library. */
static void vector_args(vector_t *v)
{
    char vals[16][32];
    v->n_args = 0;
    snprintf(v->inputs, sizeof v->inputs, "%s/program.inputs", v->dir);
    FILE *in = fopen(v->inputs, "r");
    if (in) {
        fclose(in);
        v->args[v->n_args++] = "--inputs";
        v->args[v->n_args++] = v->inputs;
    } else {
        const int n = json_str_array(v->meta, "stack_inputs", vals, 16);
        v->stack[0] = '\0';
        for (int i = 0; i < n; i++) {
            strcat(v->stack, i ? "," : "");
            strcat(v->stack, vals[i]);
        }
        if (n > 0) {
            v->args[v->n_args++] = "--stack";
            v->args[v->n_args++] = v->stack;
        }
    }
    char libs[4][32];
    if (json_str_array(v->meta, "host_libraries", libs, 4) >= 1) {
        snprintf(v->lib, sizeof v->lib, "%s/%s", v->dir, libs[0]);
        v->args[v->n_args++] = "--lib";
        v->args[v->n_args++] = v->lib;
    }
}

/* Run `fragtrace CMD FILE [vector args] [extra...]` (extra: NULL-terminated,
 * may be NULL). */
static run_result_t run_vector(const vector_t *v, const char *cmd, const char *const *extra)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = cmd;
    argv[n++] = v->masb;
    for (int i = 0; i < v->n_args; i++)
        argv[n++] = v->args[i];
    for (int i = 0; extra && extra[i] && n < 31; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    return run_fragtrace(argv);
}

static int deferred_index(const char *name)
{
    for (int i = 0; i < MASB_DEFERRED; i++)
        if (!strcmp(masb_deferred[i].name, name))
            return i;
    return -1;
}

/* The vectors expected to run and match today. */
static const char *const expected_ok[] = {
    "arith_loop", "bitwise_xor_and", "dyn_exec_call", "syscall_kernel", "advice_inputs",
    "hash_ops", "arx_mix", "merkle_store_ops",
};
static const char *const expected_error[] = { "assert_fail", "u32_overflow" };

static int in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], name))
            return 1;
    return 0;
}

/* What each error vector's upstream message (meta.json "error", the first
 * line of ExecutionError's Display) means, and the distinctive words of
 * fragtrace's message for the same error kind. A message must have its
 * kind's words and no other kind's. */
static const struct {
    const char *upstream, *fragtrace;
} error_kinds[] = {
    { "assertion failed at clock cycle", "assertion failed" },  /* FailedAssertion */
    { "operation expected u32 values", "not a u32 value" },     /* NotU32Values */
};
#define N_ERROR_KINDS (sizeof error_kinds / sizeof error_kinds[0])

/* The vectors seen, by outcome: each pinned list must be seen in full. */
static int seen_ok[sizeof expected_ok / sizeof *expected_ok];
static int seen_error[sizeof expected_error / sizeof *expected_error];
static int seen_deferred[MASB_DEFERRED + 1];

static void mark_seen(const char *name, const char *const *list, size_t n, int *seen)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], name))
            seen[i]++;
}

/* The three ways of building a trace the acceptance asks for. */
typedef struct {
    const char *label;
    const char *threads; /* NULL: --sequential */
} build_way_t;

static const build_way_t build_ways[] = {
    { "--fragment F --threads 1", "1" },
    { "--fragment F --threads 2", "2" },
    { "--sequential", NULL },
};
#define N_BUILD_WAYS (sizeof build_ways / sizeof build_ways[0])

/* `fragtrace trace` of v one way into csv (extra options after it). */
static run_result_t trace_vector(const vector_t *v, const build_way_t *w, const char *fragment,
                                 const char *csv)
{
    const char *with_fragment[] = { "--fragment", fragment, "--threads", w->threads, "-o", csv,
                                    "--quiet", NULL };
    const char *sequential[] = { "--sequential", "-o", csv, "--quiet", NULL };
    return run_vector(v, "trace", w->threads ? with_fragment : sequential);
}

static void check_vector(vector_t *v)
{
    /* the program hash */
    char want[4][32], line[200];
    const int nh = json_str_array(v->meta, "program_hash", want, 4);
    const char *hargs[] = { "hash", v->masb, NULL };
    run_result_t r = run_fragtrace(hargs);
    snprintf(line, sizeof line, "%s %s %s %s\n", want[0], want[1], want[2], want[3]);
    tap_ok(nh == 4 && r.status == 0 && !strcmp(r.out, line), "%s: program hash", v->name);
    if (r.status != 0)
        tap_diag("%s", r.err);
    run_free(&r);

    char outcome[16], fragment[24];
    json_str(v->meta, "outcome", outcome, sizeof outcome);
    const long long frag = json_num(v->meta, "fragment_size");
    snprintf(fragment, sizeof fragment, "%lld", frag);
    const int d = deferred_index(v->name);
    if (d >= 0) {
        seen_deferred[d]++;
        r = run_vector(v, "run", NULL);
        tap_ok(r.status == 2 && strstr(r.err, "not yet supported"), "%s: deferred (%s): still "
               "refused as not yet supported (exit 2); remove it from masb_deferred once it "
               "runs", v->name, masb_deferred[d].why);
        run_free(&r);
        return;
    }
    if (!strcmp(outcome, "ok")) {
        mark_seen(v->name, expected_ok, sizeof expected_ok / sizeof *expected_ok, seen_ok);
        tap_ok(in_list(v->name, expected_ok, sizeof expected_ok / sizeof *expected_ok),
               "%s: listed as expected to pass", v->name);
        char outs[16][32];
        const int no = json_str_array(v->meta, "stack_outputs", outs, 16);
        char expect[800] = "";
        for (int i = 0; i < no; i++) {
            strcat(expect, outs[i]);
            strcat(expect, i + 1 < no ? " " : "\n");
        }
        snprintf(line, sizeof line, "cycles: %lld\n", json_num(v->meta, "cycles"));
        strcat(expect, line);
        r = run_vector(v, "run", NULL);
        tap_ok(no == 16 && r.status == 0 && !strncmp(r.out, expect, strlen(expect)),
               "%s: run: stack outputs and cycles", v->name);
        if (r.status != 0 || strncmp(r.out, expect, strlen(expect)))
            tap_diag("got: %s%s\nwant: %s", r.out, r.err, expect);
        run_free(&r);

        /* the trace, each of the three ways: the CSV's SHA-256 and rows */
        char csv[1024], sha[65], want_sha[80];
        const long long want_rows = json_num(v->meta, "trace_rows");
        json_str(v->meta, "trace_sha256", want_sha, sizeof want_sha);
        snprintf(line, sizeof line, "%s.csv", v->name);
        test_dir_file(&tmp, line, csv, sizeof csv);
        for (size_t k = 0; k < N_BUILD_WAYS; k++) {
            long long rows;
            r = trace_vector(v, &build_ways[k], fragment, csv);
            sha256_file(csv, sha, &rows);
            tap_ok(r.status == 0 && frag > 0 && want_sha[0] && !strcmp(sha, want_sha) &&
                   want_rows > 0 && rows == want_rows,
                   "%s: trace %s (F = %lld): SHA-256 of the CSV, %lld rows", v->name,
                   build_ways[k].label, frag, want_rows);
            if (r.status != 0 || strcmp(sha, want_sha) || rows != want_rows)
                tap_diag("status %d, sha %s, want %s, %lld rows: %s", r.status, sha, want_sha,
                         rows, r.err);
            remove(csv);
            run_free(&r);
        }
        return;
    }
    mark_seen(v->name, expected_error, sizeof expected_error / sizeof *expected_error,
              seen_error);
    tap_ok(in_list(v->name, expected_error, sizeof expected_error / sizeof *expected_error),
           "%s: listed as an error vector", v->name);
    char up[400];
    json_str(v->meta, "error", up, sizeof up);
    size_t kind = N_ERROR_KINDS;
    for (size_t i = 0; i < N_ERROR_KINDS; i++)
        if (!strncmp(up, error_kinds[i].upstream, strlen(error_kinds[i].upstream)))
            kind = i;
    const long long clk = json_num(v->meta, "clk");
    char clk_text[40];
    snprintf(clk_text, sizeof clk_text, "clk %lld:", clk);
    /* the values upstream's message lists in [...], e.g. [4400001000] */
    char values[64] = "";
    const char *lb = strchr(up, '['), *rb = lb ? strchr(lb, ']') : NULL;
    if (lb && rb && rb - lb - 1 < (long)sizeof values)
        snprintf(values, sizeof values, "%.*s", (int)(rb - lb - 1), lb + 1);
    r = run_vector(v, "run", NULL);
    int other = 0;
    for (size_t i = 0; i < N_ERROR_KINDS; i++)
        other |= i != kind && strstr(r.err, error_kinds[i].fragtrace) != NULL;
    tap_ok(r.status == 1 && kind < N_ERROR_KINDS && strstr(r.err, error_kinds[kind].fragtrace) &&
           !other && (clk < 0 || strstr(r.err, clk_text)) && (!values[0] ||
           strstr(r.err, values)),
           "%s: run fails (exit 1) with the error of upstream's \"%.40s...\" ('%s'%s%s%s%s)",
           v->name, up, kind < N_ERROR_KINDS ? error_kinds[kind].fragtrace : "? unknown kind",
           clk < 0 ? "" : ", at ", clk < 0 ? "" : clk_text, values[0] ? ", values " : "",
           values);
    if (r.status != 1 || kind == N_ERROR_KINDS || other)
        tap_diag("status %d: %s", r.status, r.err);
    /* the trace commands fail alike, with the same message, and write nothing */
    char csv[1024];
    snprintf(line, sizeof line, "%s.csv", v->name);
    test_dir_file(&tmp, line, csv, sizeof csv);
    for (size_t k = 0; k < N_BUILD_WAYS; k++) {
        run_result_t t = trace_vector(v, &build_ways[k], fragment, csv);
        FILE *left = fopen(csv, "r");
        tap_ok(t.status == 1 && !strcmp(t.err, r.err) && !left,
               "%s: trace %s (F = %lld) fails alike and writes no file", v->name,
               build_ways[k].label, frag);
        if (t.status != 1 || strcmp(t.err, r.err))
            tap_diag("status %d: %s", t.status, t.err);
        if (left) {
            fclose(left);
            remove(csv);
        }
        run_free(&t);
    }
    run_free(&r);
}

/* Every vector of each pinned list was found, with the outcome it is
 * listed for, exactly once. */
static void check_pinned(void)
{
    int ok = 0, err = 0, def = 0;
    for (size_t i = 0; i < sizeof expected_ok / sizeof *expected_ok; i++)
        ok += seen_ok[i] == 1;
    for (size_t i = 0; i < sizeof expected_error / sizeof *expected_error; i++)
        err += seen_error[i] == 1;
    for (int i = 0; i < MASB_DEFERRED; i++)
        def += seen_deferred[i] == 1;
    tap_ok(ok == (int)(sizeof expected_ok / sizeof *expected_ok),
           "%d of the %zu vectors pinned as passing were found as ok vectors", ok,
           sizeof expected_ok / sizeof *expected_ok);
    tap_ok(err == (int)(sizeof expected_error / sizeof *expected_error),
           "%d of the %zu vectors pinned as errors were found as error vectors", err,
           sizeof expected_error / sizeof *expected_error);
    tap_ok(def == MASB_DEFERRED, "%d of the %d deferred vectors were found", def, MASB_DEFERRED);
}

/* ------------------------------------------------------------------ */
/* Malformed files                                                     */

/* Run `fragtrace hash FILE`; exit 2 and stderr starting "FILE: byte N: "
 * with the text `what` in it. */
static int hash_fails(const char *path, long byte, const char *what, char *got, size_t got_len)
{
    const char *args[] = { "hash", path, NULL };
    run_result_t r = run_fragtrace(args);
    char prefix[800];
    if (byte >= 0)
        snprintf(prefix, sizeof prefix, "%s: byte %ld: ", path, byte);
    else
        snprintf(prefix, sizeof prefix, "%s: byte ", path);
    const int ok = r.status == 2 && !strncmp(r.err, prefix, strlen(prefix)) &&
                   (!what || strstr(r.err, what));
    snprintf(got, got_len, "status %d: %s", r.status, r.err);
    run_free(&r);
    return ok;
}

static void check_malformed(void)
{
    char path[1200], file[1024], got[1200];
    size_t len;
    snprintf(path, sizeof path, "%s/u32_overflow/program.masb", vec_dir);
    unsigned char *b = (unsigned char *)slurp_file(path, &len);
    if (!b) {
        shared_vectors_absent(path);
        return;
    }
    /* every truncation: exit 2 naming a byte (the magic included: a
       prefix of it is binary too), never a crash */
    int bad = 0;
    for (size_t n = 1; n < len; n++) {
        test_dir_write(&tmp, "cut.masb", b, n, file, sizeof file);
        if (!hash_fails(file, -1, NULL, got, sizeof got)) {
            if (bad++ < 3)
                tap_diag("cut to %zu bytes: %s", n, got);
        }
    }
    tap_ok(bad == 0, "every truncation of u32_overflow/program.masb (1 to %zu bytes) exits 2 "
           "with FILE: byte N:", len - 1);
    test_dir_write(&tmp, "whole.masb", b, len, file, sizeof file);
    const char *hargs[] = { "hash", file, NULL };
    run_result_t r = run_fragtrace(hargs);
    tap_ok(r.status == 0, "the whole file reads");
    run_free(&r);

    unsigned char *m = malloc(len + 16);
    memcpy(m, b, len);
    m[3] = 'X';
    test_dir_write(&tmp, "magic.masb", m, len, file, sizeof file);
    tap_ok(hash_fails(file, 0, "not a MAST file", got, sizeof got), "a wrong magic: byte 0");

    memcpy(m, b, len);
    m[6] = 1;
    test_dir_write(&tmp, "version.masb", m, len, file, sizeof file);
    tap_ok(hash_fails(file, 5, "unsupported format version 0.1.0", got, sizeof got),
           "a wrong version: byte 5");

    /* the node count (a usize at byte 8) as 2^64 - 1 in 9 bytes */
    unsigned tz = 0;
    while (tz < 8 && !((b[8] >> tz) & 1))
        tz++;
    const size_t old = tz == 8 ? 9 : tz + 1;
    unsigned char *h = malloc(len + 16);
    memcpy(h, b, 8);
    h[8] = 0;
    memset(h + 9, 0xFF, 8);
    memcpy(h + 17, b + 8 + old, len - 8 - old);
    test_dir_write(&tmp, "count.masb", h, len + 9 - old, file, sizeof file);
    tap_ok(hash_fails(file, 8, "node count: the count is larger than", got, sizeof got),
           "a huge node count: byte 8");
    free(h);

    memcpy(m, b, len);
    m[len] = 0;
    test_dir_write(&tmp, "trailing.masb", m, len + 1, file, sizeof file);
    tap_ok(hash_fails(file, (long)len, "1 bytes follow", got, sizeof got),
           "a byte after the program's end");

    memcpy(m, b, len);
    memset(m + len - 4, 0xFF, 4);
    test_dir_write(&tmp, "entry.masb", m, len, file, sizeof file);
    tap_ok(hash_fails(file, (long)len - 4, "entrypoint 4294967295 is not a node", got,
                      sizeof got), "an entrypoint that is no node");
    free(m);
    free(b);

    /* hash_ops: the first operation is push(2^31); another value no longer
       hashes to the digest the file gives */
    snprintf(path, sizeof path, "%s/hash_ops/program.masb", vec_dir);
    b = (unsigned char *)slurp_file(path, &len);
    if (b && len > 0x20 && b[0x12] == 0x5b && b[0x16] == 0x80) {
        b[0x13] ^= 1;
        test_dir_write(&tmp, "digest.masb", b, len, file, sizeof file);
        tap_ok(hash_fails(file, -1, "the file gives digest", got, sizeof got),
               "a changed push value: the node digest does not match");
    } else {
        tap_ok(0, "hash_ops/program.masb starts with push(2^31) at byte 18");
    }
    free(b);
    if (!tap_failures)
        return;
    tap_diag("last: %s", got);
}

static void check_kinds(void)
{
    char masb[1200], mast[1200];
    snprintf(masb, sizeof masb, "%s/syscall_kernel/program.masb", vec_dir);
    snprintf(mast, sizeof mast, "%s/syscall_kernel/kernel.mast", vec_dir);
    const char *a1[] = { "run", mast, NULL };
    run_result_t r = run_fragtrace(a1);
    tap_ok(r.status == 2 && strstr(r.err, "a library (.mast) with no kernel or entrypoint"),
           "a .mast given as the program: exit 2");
    run_free(&r);
    const char *a2[] = { "run", masb, "--stack", "30,12", "--lib", masb, NULL };
    r = run_fragtrace(a2);
    tap_ok(r.status == 2 && strstr(r.err, "--lib takes a bare MAST forest"),
           "a .masb given with --lib: exit 2");
    run_free(&r);
    const char *a3[] = { "run", masb, "--stack", "30,12", NULL };
    r = run_fragtrace(a3);
    tap_ok(r.status == 1 && strstr(r.err, "no procedure with digest"),
           "syscall_kernel without its kernel library: the syscall target is not found (exit 1)");
    run_free(&r);
    const char *a4[] = { "run", masb, "--stack", "30,12", "--lib", mast, "--lib", mast, NULL };
    r = run_fragtrace(a4);
    tap_ok(r.status == 0 && !strncmp(r.out, "62 0", 4), "--lib is repeatable");
    run_free(&r);
}

int main(void)
{
    snprintf(vec_dir, sizeof vec_dir, "%s/vectors/masb-v0.19.0", shared_dir());
    char index_path[1200];
    snprintf(index_path, sizeof index_path, "%s/index.json", vec_dir);
    char *index = slurp_file(index_path, NULL);
    if (!index)
        shared_vectors_absent_all(index_path);
    test_dir_make(&tmp);

    int found = 0;
    for (const char *p = index; (p = strstr(p, "\"name\"")) != NULL;) {
        p = strchr(p + 6, '"');
        const char *q = p ? strchr(p + 1, '"') : NULL;
        if (!q)
            break;
        vector_t *v = calloc(1, sizeof *v);
        snprintf(v->name, sizeof v->name, "%.*s", (int)(q - p - 1), p + 1);
        snprintf(v->dir, sizeof v->dir, "%s/%s", vec_dir, v->name);
        snprintf(v->masb, sizeof v->masb, "%s/program.masb", v->dir);
        char meta_path[1200];
        snprintf(meta_path, sizeof meta_path, "%s/meta.json", v->dir);
        v->meta = slurp_file(meta_path, NULL);
        found++;
        if (!v->meta) {
            tap_ok(0, "%s: cannot read", meta_path);
        } else {
            vector_args(v);
            check_vector(v);
        }
        free(v->meta);
        free(v);
        p = q + 1;
    }
    free(index);
    tap_ok(found == MASB_CASES, "index.json lists %d vectors (pinned: %d)", found, MASB_CASES);
    check_pinned();
    check_malformed();
    check_kinds();
    test_dir_remove(&tmp);
    tap_plan(tap_count);
    return tap_done();
}

/*
 * t_trace_result.c - `fragtrace trace ... --result FILE` (spec/conform.md):
 * the outcome as JSON next to the trace. A program that runs gives
 * {"outcome": "ok", stack_outputs (what `run` prints, top first), cycles
 * (run's cycles), trace_rows (the CSV's rows)}; a program that fails gives
 * {"outcome": "error", error_kind, clk, message (the error line on
 * stderr)} and exit 1, with both builds. A --result path in a missing
 * folder is exit 2 before anything runs; --result is an option of trace
 * only, and not with --from-contexts.
 */
#include <sys/stat.h>

#include "shared_vectors.h"
#include "tap.h"
#include "run_cmd.h"
#include "tmpdir.h"
#include "io/json.h"

static const char U32_ARITH[] = "vectors/programs/u32_arith.masm";
static const char U32_STACK[] = "123456789,4200000000";
/* push(1) push(0) swap drop assert: fails at clk 5 (the span's first row
 * is clk 0, then five operations). */
static const char FAILING[] = "begin basic_block push(1) push(0) swap drop assert end end\n";

/* slurp_file (shared_vectors.h) under this file's old name. */
static char *read_file(const char *path)
{
    return slurp_file(path, NULL);
}

static json_value_t *read_json(const char *path)
{
    char *t = read_file(path), err[256];
    json_value_t *v = t ? json_parse(t, strlen(t), err, sizeof err) : NULL;
    free(t);
    return v;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static const char *str_member(const json_value_t *o, const char *key)
{
    const json_value_t *v = o ? json_get(o, key) : NULL;
    return v && (v->kind == JSON_STRING || v->kind == JSON_NUMBER) ? v->text : "";
}

static size_t count_lines(const char *path)
{
    char *t = read_file(path);
    size_t n = 0;
    for (const char *p = t; p && *p; p++)
        n += *p == '\n';
    free(t);
    return n;
}

/* The members of o, in order, are exactly keys. */
static int has_keys(const json_value_t *o, const char *const *keys, size_t n)
{
    if (!o || o->kind != JSON_OBJECT || o->n != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!json_key_is(o, i, keys[i]))
            return 0;
    return 1;
}

int main(void)
{
    tap_plan(20);
    test_dir_t d;
    test_dir_make(&d);
    char csv[700], res[700], bad[700], failing[700], ctx[700];
    test_dir_file(&d, "t.csv", csv, sizeof csv);
    test_dir_file(&d, "r.json", res, sizeof res);
    test_dir_write(&d, "fail.txt", FAILING, sizeof FAILING - 1, failing, sizeof failing);
    snprintf(bad, sizeof bad, "%s/no/such/folder/r.json", d.path);

    /* 1. a program that runs: the result agrees with `run` and the CSV */
    run_result_t run = run_fragtrace((const char *[]){ "run", U32_ARITH, "--stack", U32_STACK,
                                                       NULL });
    run_result_t r = run_fragtrace((const char *[]){ "trace", U32_ARITH, "--stack", U32_STACK,
                                                     "--fragment", "7", "-o", csv, "--result",
                                                     res, NULL });
    tap_ok(run.status == 0 && r.status == 0 && r.out[0] == '\0', "trace --result: exit 0");
    json_value_t *j = read_json(res);
    static const char *const ok_keys[] = { "outcome", "stack_outputs", "cycles", "trace_rows" };
    tap_ok(has_keys(j, ok_keys, 4) && !strcmp(str_member(j, "outcome"), "ok"),
           "the result is strict JSON with outcome, stack_outputs, cycles, trace_rows");
    {
        /* run prints "o0 o1 ... o15\ncycles: N\n..." */
        char outs[1024] = "";
        const json_value_t *a = j ? json_get(j, "stack_outputs") : NULL;
        for (size_t i = 0; a && a->kind == JSON_ARRAY && i < a->n; i++) {
            strcat(outs, i ? " " : "");
            strcat(outs, a->items[i]->kind == JSON_STRING ? a->items[i]->text : "?");
        }
        strcat(outs, "\n");
        tap_ok(a && a->n == 16 && !strncmp(run.out, outs, strlen(outs)),
               "stack_outputs: 16 decimal strings, top first, as run prints them");
        if (strncmp(run.out, outs, strlen(outs)))
            tap_diag("run: %sresult: %s", run.out, outs);
        const char *cyc = strstr(run.out, "cycles: ");
        const json_value_t *c = j ? json_get(j, "cycles") : NULL;
        tap_ok(cyc && c && c->kind == JSON_NUMBER &&
               strtoull(cyc + 8, NULL, 10) == strtoull(c->text, NULL, 10),
               "cycles: run's cycles (a JSON integer)");
        const json_value_t *rows = j ? json_get(j, "trace_rows") : NULL;
        tap_ok(rows && rows->kind == JSON_NUMBER &&
               strtoull(rows->text, NULL, 10) == count_lines(csv) && count_lines(csv) == 256,
               "trace_rows: the rows of the CSV written by -o");
    }
    json_free(j);
    run_free(&r);
    run_free(&run);

    /* the sequential build reports the same */
    char res2[700];
    test_dir_file(&d, "r2.json", res2, sizeof res2);
    r = run_fragtrace((const char *[]){ "trace", U32_ARITH, "--stack", U32_STACK, "--sequential",
                                        "-o", csv, "--result", res2, NULL });
    char *t1 = read_file(res), *t2 = read_file(res2);
    tap_ok(r.status == 0 && t1 && t2 && !strcmp(t1, t2),
           "--sequential: the same result file byte for byte");
    free(t1);
    free(t2);
    run_free(&r);

    /* 2. a program that fails: exit 1, the error as the outcome */
    unlink(res);
    unlink(csv);
    r = run_fragtrace((const char *[]){ "trace", failing, "--fragment", "2", "-o", csv,
                                        "--result", res, NULL });
    tap_ok(r.status == 1 && r.out[0] == '\0', "a failing program: exit 1, nothing on stdout");
    j = read_json(res);
    static const char *const err_keys[] = { "outcome", "error_kind", "clk", "message" };
    tap_ok(has_keys(j, err_keys, 4) && !strcmp(str_member(j, "outcome"), "error") &&
           !strcmp(str_member(j, "error_kind"), "failed_assertion"),
           "outcome error, error_kind failed_assertion");
    const json_value_t *clk = j ? json_get(j, "clk") : NULL;
    tap_ok(clk && clk->kind == JSON_NUMBER && !strcmp(clk->text, "5"), "clk: the failing cycle, 5");
    {
        /* the message is the line on stderr (without its newline) */
        char line[1024];
        snprintf(line, sizeof line, "%s", r.err);
        line[strcspn(line, "\n")] = '\0';
        tap_ok(line[0] && !strcmp(str_member(j, "message"), line),
               "message: the error line that stderr shows");
        if (strcmp(str_member(j, "message"), line))
            tap_diag("stderr: %s\nmessage: %s", line, str_member(j, "message"));
        char want[128];
        snprintf(want, sizeof want, "clk 5:");
        tap_ok(strstr(line, want) != NULL, "the error line names clk 5");
    }
    tap_ok(!exists(csv), "no trace file is left for a failing program");
    json_free(j);
    run_free(&r);
    r = run_fragtrace((const char *[]){ "trace", failing, "--sequential", "--result", res2,
                                        "-o", csv, NULL });
    t1 = read_file(res);
    t2 = read_file(res2);
    tap_ok(r.status == 1 && t1 && t2 && !strcmp(t1, t2),
           "the sequential build reports the same failure");
    free(t1);
    free(t2);
    run_free(&r);

    /* 3. usage */
    unlink(csv);
    r = run_fragtrace((const char *[]){ "trace", U32_ARITH, "--stack", U32_STACK, "-o", csv,
                                        "--result", bad, NULL });
    tap_ok(r.status == 2 && strstr(r.err, "--result") && strstr(r.err, "no such folder") &&
           r.out[0] == '\0', "--result in a missing folder: exit 2, named");
    tap_ok(!exists(csv), "... before anything runs (no trace written)");
    run_free(&r);
    r = run_fragtrace((const char *[]){ "trace", failing, "-o", csv, "--result", bad, NULL });
    tap_ok(r.status == 2, "a failing program with a bad --result path: exit 2");
    run_free(&r);
    r = run_fragtrace((const char *[]){ "run", U32_ARITH, "--result", res, NULL });
    tap_ok(r.status == 2 && strstr(r.err, "--result does not apply to run") && r.out[0] == '\0',
           "--result on run: a usage error");
    run_free(&r);
    test_dir_file(&d, "c.ctx", ctx, sizeof ctx);
    r = run_fragtrace((const char *[]){ "contexts", U32_ARITH, "--stack", U32_STACK, "-o", ctx,
                                        NULL });
    run_free(&r);
    r = run_fragtrace((const char *[]){ "trace", U32_ARITH, "--from-contexts", ctx, "-o", csv,
                                        "--result", res, NULL });
    tap_ok(r.status == 2 && strstr(r.err, "--from-contexts and --result"),
           "--result with --from-contexts: a usage error (nothing ran)");
    run_free(&r);
    r = run_fragtrace((const char *[]){ "trace", U32_ARITH, "--stack", U32_STACK, "--result",
                                        "-", NULL });
    tap_ok(r.status == 2 && r.out[0] == '\0' && strstr(r.err, "standard output"),
           "--result - with the trace on standard output: a usage error");
    run_free(&r);
    r = run_fragtrace((const char *[]){ "trace", U32_ARITH, "--stack", U32_STACK, "-o", csv,
                                        "--result", "-", NULL });
    j = json_parse(r.out, strlen(r.out), (char[64]){ 0 }, 64);
    tap_ok(r.status == 0 && j && !strcmp(str_member(j, "outcome"), "ok"),
           "--result - with -o OUT: the result on standard output");
    json_free(j);
    run_free(&r);

    test_dir_remove(&d);
    return tap_done();
}

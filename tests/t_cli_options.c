/*
 * t_cli_options.c - each of run, trace, check, contexts and bench accepts
 * only its own options: an option that does not apply, an option given
 * twice, two contradicting options, a missing value and an empty output
 * path are usage errors (exit 2, one line naming the options, nothing on
 * stdout, no file written), while the same options work where they apply.
 */
#include <sys/stat.h>

#include "tap.h"
#include "run_cmd.h"
#include "tmpdir.h"

static const char *const PROGRAM =
    "begin basic_block push(1) push(2) add swap drop push(3) mul drop end end";

/* Options that do not apply to a command. */
static const struct {
    const char *cmd, *opt, *val;
} not_applicable[] = {
    { "check", "-o", "OUT" },
    { "check", "--sequential", NULL },
    { "check", "--format", "bin" },
    { "check", "--from-contexts", "CTX" },
    { "bench", "--threads", "2" },
    { "bench", "-o", "OUT" },
    { "bench", "--sequential", NULL },
    { "bench", "--all-fragments", NULL },
    { "contexts", "--format", "csv" },
    { "contexts", "--threads", "2" },
    { "contexts", "--sequential", NULL },
    { "contexts", "--all-fragments", NULL },
    { "contexts", "--from-contexts", "CTX" },
    { "run", "--fragment", "4" },
    { "run", "-o", "OUT" },
    { "run", "--sequential", NULL },
    { "run", "--threads", "2" },
    { "trace", "--all-fragments", NULL },
};
#define N_NOT_APPLICABLE (int)(sizeof not_applicable / sizeof not_applicable[0])

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Exit 2, nothing on stdout, one line "fragtrace: CMD: ..." holding every
 * string of want (NULL-terminated). */
static int usage_error(const run_result_t *r, const char *cmd, const char *const *want)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "fragtrace: %s: ", cmd);
    const char *nl = strchr(r->err, '\n');
    int ok = r->status == 2 && r->out[0] == '\0' && nl && nl[1] == '\0' &&
             !strncmp(r->err, prefix, strlen(prefix));
    for (int i = 0; ok && want[i]; i++)
        ok = strstr(r->err, want[i]) != NULL;
    return ok;
}

/* Run args; check a usage error naming want[]. */
static void expect_usage(const char *const *args, const char *const *want, const char *what)
{
    run_result_t r = run_fragtrace(args);
    if (!tap_ok(usage_error(&r, args[0], want), "%s", what))
        tap_diag("exit %d, stdout '%.40s', stderr: %s", r.status, r.out, r.err);
    run_free(&r);
}

/* Run args; check exit 0. */
static void expect_ok(const char *const *args, const char *what)
{
    run_result_t r = run_fragtrace(args);
    if (!tap_ok(r.status == 0 && r.err[0] == '\0', "%s", what))
        tap_diag("exit %d, stderr: %s", r.status, r.err);
    run_free(&r);
}

int main(void)
{
    tap_plan(N_NOT_APPLICABLE + 26);
    test_dir_t dir;
    test_dir_make(&dir);
    char prog[600], out[600], ctx[600], inputs[600], a[600], b[600];
    test_dir_write(&dir, "p.masm", PROGRAM, strlen(PROGRAM), prog, sizeof prog);
    test_dir_write(&dir, "p.inputs", "{\"operand_stack\": []}", 21, inputs, sizeof inputs);
    test_dir_file(&dir, "out.csv", out, sizeof out);
    test_dir_file(&dir, "p.ctx", ctx, sizeof ctx);
    test_dir_file(&dir, "a.csv", a, sizeof a);
    test_dir_file(&dir, "b.csv", b, sizeof b);

    /* 1. An option outside the command's own is refused by name, and no
       output file appears. */
    for (int i = 0; i < N_NOT_APPLICABLE; i++) {
        const char *val = not_applicable[i].val;
        if (val && !strcmp(val, "OUT"))
            val = out;
        const char *args[] = { not_applicable[i].cmd, prog, not_applicable[i].opt, val, NULL };
        char want[96];
        snprintf(want, sizeof want, "%s does not apply to %s", not_applicable[i].opt,
                 not_applicable[i].cmd);
        run_result_t r = run_fragtrace(args);
        if (!tap_ok(usage_error(&r, not_applicable[i].cmd, (const char *[]){ want, NULL }) &&
                        !exists(out),
                    "%s %s: does not apply", not_applicable[i].cmd, not_applicable[i].opt))
            tap_diag("exit %d, stderr: %s", r.status, r.err);
        run_free(&r);
    }

    /* 2. The same options where they apply. */
    expect_ok((const char *[]){ "run", prog, "--stack", "1", "--advice-stack", "2",
                                "--max-cycles", "64", NULL },
              "run: --stack, --advice-stack, --max-cycles");
    expect_ok((const char *[]){ "run", prog, "--inputs", inputs, NULL }, "run: --inputs");
    expect_ok((const char *[]){ "trace", prog, "--fragment", "2", "--threads", "2", "-o", out,
                                "--format", "bin", NULL },
              "trace: --fragment, --threads, -o, --format");
    {
        /* Run in the test directory: a binary that took "-" for a file name
           must not leave one here. */
        const char *args[] = { "trace", prog, "--sequential", "-o", "-", NULL };
        const run_opts_t in_dir = { .out = RUN_STDOUT_CAPTURE, .cwd = dir.path };
        run_result_t r = run_fragtrace_opts(args, &in_dir);
        if (!tap_ok(r.status == 0 && !strncmp(r.out, "0,", 2),
                    "trace: --sequential, -o - (standard output)"))
            tap_diag("exit %d, stdout '%.20s', stderr: %s", r.status, r.out, r.err);
        run_free(&r);
    }
    expect_ok((const char *[]){ "contexts", prog, "--fragment", "2", "-o", ctx, NULL },
              "contexts: --fragment, -o");
    expect_ok((const char *[]){ "trace", prog, "--from-contexts", ctx, "--threads", "2", "-o", a,
                                "--format", "csv", NULL },
              "trace: --from-contexts with --threads, -o, --format");
    expect_ok((const char *[]){ "check", prog, "--fragment", "2", "--threads", "2",
                                "--max-cycles", "64", NULL },
              "check: --fragment, --threads, --max-cycles");
    expect_ok((const char *[]){ "check", prog, "--all-fragments", NULL }, "check: --all-fragments");
    remove(a);
    {
        const char *args[] = { "bench", prog, "--fragment", "2", "--stack", "1", NULL };
        run_result_t r = run_fragtrace(args);
        if (!tap_ok(r.status == 0 && strstr(r.out, "fragment length 2"),
                    "bench: --fragment, --stack"))
            tap_diag("exit %d, stderr: %s", r.status, r.err);
        run_free(&r);
    }

    /* 3. Contradicting options, named both, in either order. */
    expect_usage((const char *[]){ "trace", prog, "--from-contexts", ctx, "--fragment", "3", NULL },
                 (const char *[]){ "--from-contexts and --fragment", NULL },
                 "trace --from-contexts --fragment: a conflict naming both");
    expect_usage((const char *[]){ "trace", prog, "--sequential", "--fragment", "3", NULL },
                 (const char *[]){ "--sequential and --fragment", NULL },
                 "trace --sequential --fragment: a conflict naming both");
    expect_usage((const char *[]){ "trace", prog, "--fragment", "3", "--sequential", NULL },
                 (const char *[]){ "--sequential and --fragment", NULL },
                 "trace --fragment --sequential: the same conflict");
    expect_usage((const char *[]){ "trace", prog, "--sequential", "--threads", "2", NULL },
                 (const char *[]){ "--sequential and --threads", NULL },
                 "trace --sequential --threads: a conflict naming both");
    expect_usage((const char *[]){ "check", prog, "--fragment", "3", "--all-fragments", NULL },
                 (const char *[]){ "--all-fragments and --fragment", NULL },
                 "check --fragment --all-fragments: a conflict naming both");
    expect_usage((const char *[]){ "trace", prog, "--from-contexts", ctx, "--stack", "1", NULL },
                 (const char *[]){ "--from-contexts and --stack", "takes no inputs", NULL },
                 "trace --from-contexts --stack: a conflict naming both");
    expect_usage((const char *[]){ "trace", prog, "--inputs", inputs, "--from-contexts", ctx,
                                   NULL },
                 (const char *[]){ "--from-contexts and --inputs", NULL },
                 "trace --inputs --from-contexts: a conflict naming both");
    expect_usage((const char *[]){ "trace", prog, "--from-contexts", ctx, "--max-cycles", "100",
                                   NULL },
                 (const char *[]){ "--from-contexts and --max-cycles", NULL },
                 "trace --from-contexts --max-cycles: a conflict naming both");
    expect_usage((const char *[]){ "trace", prog, "--from-contexts", ctx, "--sequential", NULL },
                 (const char *[]){ "--from-contexts and --sequential", NULL },
                 "trace --from-contexts --sequential: a conflict naming both");

    /* 4. An option given twice. */
    expect_usage((const char *[]){ "run", prog, "--stack", "1", "--stack", "2", NULL },
                 (const char *[]){ "--stack is given twice", NULL }, "run --stack twice");
    {
        const char *args[] = { "trace", prog, "-o", a, "-o", b, NULL };
        run_result_t r = run_fragtrace(args);
        if (!tap_ok(usage_error(&r, "trace", (const char *[]){ "-o is given twice", NULL }) &&
                        !exists(a) && !exists(b),
                    "trace -o twice: refused, no file written"))
            tap_diag("exit %d, stderr: %s", r.status, r.err);
        run_free(&r);
    }
    expect_usage((const char *[]){ "check", prog, "--all-fragments", "--all-fragments", NULL },
                 (const char *[]){ "--all-fragments is given twice", NULL },
                 "check --all-fragments twice");
    expect_usage((const char *[]){ "trace", prog, "--format", "csv", "--format", "bin", NULL },
                 (const char *[]){ "--format is given twice", NULL }, "trace --format twice");

    /* 5. An empty output path. */
    expect_usage((const char *[]){ "trace", prog, "-o", "", NULL },
                 (const char *[]){ "-o: the path is empty", NULL }, "trace -o '': a usage error");
    expect_usage((const char *[]){ "contexts", prog, "-o", "", NULL },
                 (const char *[]){ "-o: the path is empty", NULL },
                 "contexts -o '': a usage error");

    /* 6. A missing value, an unknown option. */
    expect_usage((const char *[]){ "run", prog, "--stack", NULL },
                 (const char *[]){ "--stack needs a value", NULL }, "run --stack without a value");
    expect_usage((const char *[]){ "trace", prog, "--fragments", "3", NULL },
                 (const char *[]){ "unknown option '--fragments'", NULL }, "an unknown option");

    test_dir_remove(&dir);
    return tap_done();
}

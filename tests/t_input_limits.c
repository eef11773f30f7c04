/*
 * t_input_limits.c - programs at the documented input limits
 * (spec/program-format.md, "Limits"): `fragtrace hash` and `fmt` accept
 * them and print what they should, each run within RUN_TIMEOUT seconds, and
 * one step past a limit is refused.
 *
 * The inputs are generated here: a basic block filling the 16 MiB of text,
 * as many procedures as fit in 16 MiB, 200 000 procedures that name each
 * other by name and by digest (with the 255 kernel procedures allowed),
 * 256 nesting levels and a 255-character name. Printing a long block and
 * looking procedures up used to be quadratic: minutes for these inputs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "tmpdir.h"
#include "mast/forest.h"

#ifndef RUN_TIMEOUT
#define RUN_TIMEOUT 60.0 /* seconds per run: generous; a few tenths are expected */
#endif

/* ------------------------------------------------------------------ */
/* Growing text                                                        */

typedef struct {
    char *s;
    size_t len, cap;
} text_t;

static void text_add(text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(text_t *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        const int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            abort();
        if (t->s && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        t->cap = t->cap ? 2 * t->cap : 1 << 16;
        while (t->cap < t->len + (size_t)n + 1)
            t->cap *= 2;
        t->s = realloc(t->s, t->cap);
        if (!t->s)
            abort();
    }
}

/* ------------------------------------------------------------------ */
/* Running fragtrace with a deadline                                   */

typedef struct {
    int status;      /* exit status, 128 + signal; -1 when killed at the deadline */
    double seconds;
    char *out, *err;
    size_t out_len;
} timed_run_t;

/* As run_cmd.h, whose runner waits without a deadline. */
static const char *fragtrace_bin(void)
{
    const char *b = getenv("FRAGTRACE_BIN");
    return b ? b : "build/fragtrace";
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    if (!f || !buf)
        abort();
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap && !(buf = realloc(buf, cap *= 2)))
            abort();
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* Run fragtrace with args (NULL-terminated); stdout and stderr go to files
 * of dir. The child is killed if it outlives RUN_TIMEOUT. */
static timed_run_t run_timed(const test_dir_t *dir, const char *const *args)
{
    timed_run_t r = { -1, 0, NULL, NULL, 0 };
    char out_path[600], err_path[600];
    test_dir_file(dir, "stdout", out_path, sizeof out_path);
    test_dir_file(dir, "stderr", err_path, sizeof err_path);
    const char *argv[16];
    int n = 0;
    argv[n++] = fragtrace_bin();
    for (int i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    fflush(stdout);
    const double start = now();
    const pid_t pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0) {
        const int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
            _exit(126);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st = 0, killed = 0;
    for (;;) {
        const pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            abort();
        if (now() - start > RUN_TIMEOUT) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            killed = 1;
            break;
        }
        const struct timespec nap = { 0, 2000000 }; /* 2 ms */
        nanosleep(&nap, NULL);
    }
    r.seconds = now() - start;
    if (!killed)
        r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = read_file(out_path, &r.out_len);
    r.err = read_file(err_path, NULL);
    return r;
}

static void run_done(timed_run_t *r)
{
    free(r->out);
    free(r->err);
}

/* Status 0, nothing on stderr, stdout as expected; why not, on failure. */
static int run_ok(const timed_run_t *r, const char *want, size_t want_len)
{
    if (r->status == -1) {
        tap_diag("killed after %.0f s", RUN_TIMEOUT);
        return 0;
    }
    if (r->status != 0 || r->err[0]) {
        tap_diag("status %d, stderr: %.300s", r->status, r->err);
        return 0;
    }
    if (r->out_len != want_len || memcmp(r->out, want, want_len) != 0) {
        size_t i = 0;
        while (i < r->out_len && i < want_len && r->out[i] == want[i])
            i++;
        tap_diag("stdout (%zu bytes, expected %zu) differs at byte %zu: '%.60s' instead of '%.60s'",
                 r->out_len, want_len, i, r->out + i, want + i);
        return 0;
    }
    return 1;
}

/* Status 2, nothing on stdout, stderr is path + want. */
static int run_refused(const timed_run_t *r, const char *path, const char *want)
{
    char line[1024];
    snprintf(line, sizeof line, "%s:%s\n", path, want);
    if (r->status == 2 && r->out_len == 0 && !strcmp(r->err, line))
        return 1;
    if (r->status == -1)
        tap_diag("killed after %.0f s", RUN_TIMEOUT);
    else
        tap_diag("status %d, stderr: %.300s", r->status, r->err);
    tap_diag("expected: %s", line);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Programs                                                            */

/* The index-th shortest procedure name: 53 names of one character, then
 * 53 * 66 of two, ... (a letter or '_', then letters, digits, _ $ - :). */
static void short_name(uint32_t index, char buf[8])
{
    static const char first[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
    static const char rest[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789$-:";
    uint32_t len = 1, count = 53;
    while (index >= count) {
        index -= count;
        count *= 66;
        len++;
    }
    for (uint32_t k = len - 1; k > 0; k--) {
        buf[k] = rest[index % 66];
        index /= 66;
    }
    buf[0] = first[index];
    buf[len] = '\0';
}

/* "0x" + 64 hex digits of the digest [a, b, 0, 0] (little-endian bytes). */
static void digest_hex(uint64_t a, uint64_t b, char buf[67])
{
    const uint64_t v[4] = { a, b, 0, 0 };
    int n = snprintf(buf, 67, "0x");
    for (int k = 0; k < 4; k++)
        for (int byte = 0; byte < 8; byte++)
            n += snprintf(buf + n, (size_t)(67 - n), "%02x", (unsigned)(v[k] >> (8 * byte)) & 0xFF);
}

static const char *write_program(const test_dir_t *dir, const char *name, const text_t *t,
                                 char *path, size_t len)
{
    return test_dir_write(dir, name, t->s, t->len, path, len);
}

/* Op i of the long block: mostly long names (few ops per line of text, so
 * few batches to hash), a few with values, and a pair of pushes every 64
 * ops: where the pair meets the end of an op group, batching pads the
 * group with a NOOP that fmt must not print. */
static const char *block_op(size_t i)
{
    static const char *const names[] = { "horner_eval_base", "horner_eval_ext", "log_precompile",
                                         "eval_circuit" };
    switch (i % 64) {
    case 10: return "u32assert2(7)";
    case 20: return "swap";
    case 30: return "push(1)";
    case 31: return "push(18446744069414584320)";
    case 50: return "mpverify(0)";
    default: return names[i % 4];
    }
}

/* A basic block of exactly PROGRAM_MAX_BYTES of text, one op per line. */
static void check_max_block(const test_dir_t *dir)
{
    text_t in = { 0 }, want = { 0 };
    text_add(&in, "begin\n    basic_block\n");
    text_add(&want, "begin\n    basic_block\n");
    const char *tail = "    end\nend\n";
    size_t n_ops = 0;
    for (;; n_ops++) {
        const char *op = block_op(n_ops);
        if (in.len + 9 + strlen(op) + strlen(tail) > PROGRAM_MAX_BYTES)
            break;
        text_add(&in, "        %s\n", op);
        text_add(&want, "        %s\n", op);
    }
    while (in.len + strlen(tail) < PROGRAM_MAX_BYTES)
        text_add(&in, " ");
    text_add(&in, "%s", tail);
    text_add(&want, "%s", tail);
    char path[600];
    write_program(dir, "block.masm", &in, path, sizeof path);

    timed_run_t r = run_timed(dir, (const char *[]){ "hash", path, NULL });
    unsigned long long h[4];
    char end;
    int ok = r.status == 0 && !r.err[0] &&
             sscanf(r.out, "%llu %llu %llu %llu%c", &h[0], &h[1], &h[2], &h[3], &end) == 5 &&
             end == '\n';
    if (!tap_ok(ok, "hash of a %zu-byte basic block of %zu ops (%.2f s)", in.len, n_ops, r.seconds))
        tap_diag("status %d, stdout '%.100s', stderr: %.300s", r.status, r.out, r.err);
    run_done(&r);

    r = run_timed(dir, (const char *[]){ "fmt", path, NULL });
    tap_ok(run_ok(&r, want.s, want.len),
           "fmt of that block: every op once as written, no inserted NOOP (%.2f s)", r.seconds);
    run_done(&r);
    remove(path); /* 16 MiB each: no need to keep them to the end */
    free(in.s);
    free(want.s);
}

/* The shortest procedures, `proc.NAME dyn end`, as many as fit in
 * PROGRAM_MAX_BYTES; the entry names the last one. Every definition looks
 * its name up (duplicates are refused); fmt names the first procedure with
 * the digest (all have dyn's). Then the same names with one defined twice. */
static void check_max_procs(const test_dir_t *dir, const char *dyn_hex)
{
    text_t in = { 0 }, want = { 0 };
    char name[8], first[8], last[8] = "";
    short_name(0, first);
    uint32_t n = 0;
    for (;; n++) {
        short_name(n, name);
        /* room for "proc.NAME dyn end\n" and "begin external.NAME end\n" */
        if (in.len + 34 + 2 * strlen(name) > PROGRAM_MAX_BYTES)
            break;
        text_add(&in, "proc.%s dyn end\n", name);
        text_add(&want, "proc.%s\n    dyn\nend\n\n", name);
        memcpy(last, name, sizeof name);
    }
    text_add(&in, "begin external.%s end\n", last);
    text_add(&want, "begin\n    external.%s\nend\n", first);
    char path[600];
    write_program(dir, "procs.masm", &in, path, sizeof path);

    char hex_line[80];
    snprintf(hex_line, sizeof hex_line, "%s\n", dyn_hex);
    timed_run_t r = run_timed(dir, (const char *[]){ "hash", path, "--hex", NULL });
    tap_ok(run_ok(&r, hex_line, strlen(hex_line)),
           "hash of %u procedures in %zu bytes (%.2f s)", n, in.len, r.seconds);
    run_done(&r);

    r = run_timed(dir, (const char *[]){ "fmt", path, NULL });
    tap_ok(run_ok(&r, want.s, want.len), "fmt of the %u procedures (%.2f s)", n, r.seconds);
    run_done(&r);
    remove(path);

    /* The last definition repeats the name of procedure 700000 (line 700001). */
    char *cut = strstr(in.s + in.len - 64, "begin ");
    in.len = (size_t)(cut - in.s);
    short_name(700000, name);
    text_add(&in, "proc.%s dyn end\n", name);
    write_program(dir, "dup.masm", &in, path, sizeof path);
    char msg[200];
    snprintf(msg, sizeof msg, "%u:6: procedure '%s' is already defined at 700001:1", n + 1, name);
    r = run_timed(dir, (const char *[]){ "hash", path, NULL });
    tap_ok(run_refused(&r, path, msg), "a name defined twice, after %u procedures (%.2f s)", n,
           r.seconds);
    run_done(&r);
    remove(path);
    free(in.s);
    free(want.s);
}

/* 200 000 procedures in groups of 8 that refer to each other by name and by
 * digest, through calls, syscalls, externals and library procedures, with
 * the 255 kernel procedures allowed; fmt names a target by the first
 * procedure defined before it that is that node or has that digest, and by
 * its digest if there is none. */
#define REF_GROUPS 25000
static void check_references(const test_dir_t *dir)
{
    text_t in = { 0 }, want = { 0 };
    char nm[8][8], target[8], hex7[67], hex8[67], hex9[67], top[8];
    for (uint32_t j = 0; j < REF_GROUPS; j++) {
        for (uint32_t k = 0; k < 8; k++)
            short_name(8 * j + k, nm[k]);
        digest_hex(j + 1, 7, hex7);
        digest_hex(j + 1, 8, hex8);
        digest_hex(j + 1, 9, hex9);
        const int calls = j % 16 == 0, syscalls = j % 16 == 1 && j >= 255;
        /* 0: a dyn; 1: an unknown digest; 2: 1 by name; 3: 1 by digest */
        text_add(&in, "proc.%s dyn end\nproc.%s external.%s end\n", nm[0], nm[1], hex7);
        text_add(&in, "proc.%s external.%s end\nproc.%s external.%s end\n", nm[2], nm[1], nm[3],
                 hex7);
        text_add(&want, "proc.%s\n    dyn\nend\n\nproc.%s\n    external.%s\nend\n\n", nm[0], nm[1],
                 hex7);
        text_add(&want, "proc.%s\n    external.%s\nend\n\nproc.%s\n    external.%s\nend\n\n",
                 nm[2], nm[1], nm[3], nm[1]);
        /* 4: a library procedure; 5: a call to it, or an external naming it
           (a plain procedure with its digest); 6: a call to 0, or an
           external by 4's digest: 5 when it has that digest, else 4 */
        text_add(&in, "library.%s external.%s end\n", nm[4], hex9);
        text_add(&want, "library.%s\n    external.%s\nend\n\n", nm[4], hex9);
        text_add(&in, "proc.%s %s.%s end\n", nm[5], calls ? "call" : "external", nm[4]);
        text_add(&want, "proc.%s\n    %s.%s\nend\n\n", nm[5], calls ? "call" : "external", nm[4]);
        if (calls) {
            text_add(&in, "proc.%s call.%s end\n", nm[6], nm[0]);
            text_add(&want, "proc.%s\n    call.%s\nend\n\n", nm[6], nm[0]);
        } else {
            text_add(&in, "proc.%s external.%s end\n", nm[6], hex9);
            text_add(&want, "proc.%s\n    external.%s\nend\n\n", nm[6], nm[5]);
        }
        /* 7: the 255 kernel procedures, then syscalls to them, or a dyn */
        if (j < KERNEL_MAX_PROCS) {
            text_add(&in, "kernel.%s external.%s end\n", nm[7], hex8);
            text_add(&want, "kernel.%s\n    external.%s\nend\n\n", nm[7], hex8);
        } else if (syscalls) {
            short_name(8 * (j % KERNEL_MAX_PROCS) + 7, target);
            text_add(&in, "proc.%s syscall.%s end\n", nm[7], target);
            text_add(&want, "proc.%s\n    syscall.%s\nend\n\n", nm[7], target);
        } else {
            text_add(&in, "proc.%s dyn end\n", nm[7]);
            text_add(&want, "proc.%s\n    dyn\nend\n\n", nm[7]);
        }
    }
    /* The entry: an external naming procedure 2 of the middle group. */
    const uint32_t mid = REF_GROUPS / 2;
    short_name(8 * mid + 2, top);
    short_name(8 * mid + 1, target);
    text_add(&in, "begin external.%s end\n", top);
    text_add(&want, "begin\n    external.%s\nend\n", target);
    char path[600];
    write_program(dir, "refs.masm", &in, path, sizeof path);

    char hex_line[80];
    digest_hex(mid + 1, 7, hex7);
    snprintf(hex_line, sizeof hex_line, "%s\n", hex7);
    timed_run_t r = run_timed(dir, (const char *[]){ "hash", path, "--hex", NULL });
    tap_ok(run_ok(&r, hex_line, strlen(hex_line)),
           "hash of %u procedures naming each other, 255 of them kernel (%zu bytes, %.2f s)",
           8 * REF_GROUPS, in.len, r.seconds);
    run_done(&r);

    r = run_timed(dir, (const char *[]){ "fmt", path, NULL });
    tap_ok(run_ok(&r, want.s, want.len), "fmt names each target as the text defines it (%.2f s)",
           r.seconds);
    run_done(&r);
    remove(path);
    free(in.s);
    free(want.s);
}

/* One kernel procedure more than KERNEL_MAX_PROCS. */
static void check_kernel_limit(const test_dir_t *dir)
{
    text_t in = { 0 };
    char hex[67], path[600], msg[120];
    for (uint32_t i = 0; i <= KERNEL_MAX_PROCS; i++) {
        digest_hex(i + 1, 8, hex);
        text_add(&in, "kernel.k%u external.%s end\n", i, hex);
    }
    text_add(&in, "begin dyn end\n");
    write_program(dir, "kernel.masm", &in, path, sizeof path);
    snprintf(msg, sizeof msg, "%d:1: more than %d kernel procedures", KERNEL_MAX_PROCS + 1,
             KERNEL_MAX_PROCS);
    timed_run_t r = run_timed(dir, (const char *[]){ "hash", path, NULL });
    tap_ok(run_refused(&r, path, msg), "kernel procedure %d is refused", KERNEL_MAX_PROCS + 1);
    run_done(&r);
    free(in.s);
}

/* Nodes nested `levels` deep below `begin`: while.true bodies around a block. */
static void nested(text_t *in, text_t *want, int levels)
{
    text_add(in, "begin\n");
    text_add(want, "begin\n");
    for (int i = 1; i < levels; i++) {
        text_add(in, "while.true\n");
        text_add(want, "%*swhile.true\n", 4 * i, "");
    }
    text_add(in, "basic_block swap end\n");
    text_add(want, "%*sbasic_block\n%*sswap\n%*send\n", 4 * levels, "", 4 * levels + 4, "",
             4 * levels, "");
    for (int i = levels - 1; i >= 1; i--) {
        text_add(in, "end\n");
        text_add(want, "%*send\n", 4 * i, "");
    }
    text_add(in, "end\n");
    text_add(want, "end\n");
}

static void check_nesting(const test_dir_t *dir)
{
    text_t in = { 0 }, want = { 0 };
    char path[600], msg[120];
    nested(&in, &want, PROGRAM_MAX_DEPTH);
    write_program(dir, "deep.masm", &in, path, sizeof path);
    timed_run_t r = run_timed(dir, (const char *[]){ "fmt", path, NULL });
    tap_ok(run_ok(&r, want.s, want.len), "%d nesting levels are accepted and printed",
           PROGRAM_MAX_DEPTH);
    run_done(&r);
    in.len = want.len = 0;
    nested(&in, &want, PROGRAM_MAX_DEPTH + 1);
    write_program(dir, "deeper.masm", &in, path, sizeof path);
    /* the basic_block, below `begin` and the while.true lines */
    snprintf(msg, sizeof msg, "%d:1: nesting deeper than %d levels", PROGRAM_MAX_DEPTH + 2,
             PROGRAM_MAX_DEPTH);
    r = run_timed(dir, (const char *[]){ "hash", path, NULL });
    tap_ok(run_refused(&r, path, msg), "%d levels are refused", PROGRAM_MAX_DEPTH + 1);
    run_done(&r);
    free(in.s);
    free(want.s);
}

static void check_name_length(const test_dir_t *dir)
{
    char name[PROGRAM_MAX_NAME + 2], path[600], msg[300];
    memset(name, 'n', sizeof name - 1);
    name[PROGRAM_MAX_NAME] = '\0';
    text_t in = { 0 }, want = { 0 };
    text_add(&in, "proc.%s dyn end begin call.%s end", name, name);
    text_add(&want, "proc.%s\n    dyn\nend\n\nbegin\n    call.%s\nend\n", name, name);
    write_program(dir, "name.masm", &in, path, sizeof path);
    timed_run_t r = run_timed(dir, (const char *[]){ "fmt", path, NULL });
    tap_ok(run_ok(&r, want.s, want.len), "a %d-character name is accepted", PROGRAM_MAX_NAME);
    run_done(&r);
    name[PROGRAM_MAX_NAME] = 'n';
    name[PROGRAM_MAX_NAME + 1] = '\0';
    in.len = 0;
    text_add(&in, "proc.%s dyn end begin dyn end", name);
    write_program(dir, "long.masm", &in, path, sizeof path);
    snprintf(msg, sizeof msg, "1:6: invalid procedure name '%.60s' (letters, digits, '_', '$', "
             "'-', ':'; starting with a letter or '_'; at most %d characters)", name,
             PROGRAM_MAX_NAME);
    r = run_timed(dir, (const char *[]){ "hash", path, NULL });
    tap_ok(run_refused(&r, path, msg), "a %d-character name is refused", PROGRAM_MAX_NAME + 1);
    run_done(&r);
    free(in.s);
    free(want.s);
}

int main(void)
{
    tap_plan(13);
    test_dir_t dir;
    test_dir_make(&dir);
    const double start = now();

    /* dyn's digest, for the procedures' program hash. */
    char path[600], dyn_hex[67] = "";
    test_dir_write(&dir, "dyn.masm", "begin dyn end\n", 14, path, sizeof path);
    timed_run_t r = run_timed(&dir, (const char *[]){ "hash", path, "--hex", NULL });
    tap_ok(r.status == 0 && r.out_len == 67 && r.out[66] == '\n' && !strncmp(r.out, "0x", 2),
           "hash --hex of 'begin dyn end'");
    if (r.out_len == 67)
        memcpy(dyn_hex, r.out, 66);
    run_done(&r);

    check_max_block(&dir);
    check_max_procs(&dir, dyn_hex);
    check_references(&dir);
    check_kernel_limit(&dir);
    check_nesting(&dir);
    check_name_length(&dir);

    tap_diag("%.1f s in all", now() - start);
    test_dir_remove(&dir);
    return tap_done();
}

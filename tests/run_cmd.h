/*
 * run_cmd.h - run the fragtrace binary from a test and capture its output.
 *
 * The binary is $FRAGTRACE_BIN (the GNUmakefile sets it for sanitizer
 * builds), else build/fragtrace.
 */
#ifndef FRAGTRACE_TESTS_RUN_CMD_H
#define FRAGTRACE_TESTS_RUN_CMD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/types.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    int status;      /* exit status, or 128 + signal */
    char *out;       /* captured stdout, NUL-terminated */
    char *err;       /* captured stderr, NUL-terminated */
} run_result_t;

static const char *fragtrace_bin(void)
{
    const char *b = getenv("FRAGTRACE_BIN");
    return b ? b : "build/fragtrace";
}

static char *slurp_stream(FILE *f)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        abort();
    rewind(f);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf)
                abort();
        }
    }
    buf[n] = '\0';
    return buf;
}

/* How the child's standard output is set up. */
typedef enum {
    RUN_STDOUT_CAPTURE,  /* captured into run_result_t.out */
    RUN_STDOUT_CLOSED,   /* fd 1 closed: every write fails (EBADF) */
    RUN_STDOUT_BROKEN,   /* a pipe whose reader is gone, SIGPIPE ignored: EPIPE */
} run_stdout_t;

typedef struct {
    run_stdout_t out;
    const char *cwd;      /* run there (NULL: here) */
    int timeout_s;        /* > 0: killed after this many seconds (status RUN_TIMED_OUT) */
} run_opts_t;

#define RUN_TIMED_OUT 999

/* Run fragtrace with args (NULL-terminated, without argv[0]). */
static run_result_t run_fragtrace_opts(const char *const *args, const run_opts_t *o)
{
    run_result_t r = { -1, NULL, NULL };
    FILE *fo = tmpfile(), *fe = tmpfile();
    if (!fo || !fe)
        abort();
    const char *argv[64];
    int n = 0;
    char bin[4096];
    const char *b = fragtrace_bin();
    /* A relative binary path stays valid when the child changes directory. */
    if (o->cwd && b[0] != '/' && getcwd(bin, sizeof bin - 256)) {
        strcat(bin, "/");
        strncat(bin, b, 200);
        b = bin;
    }
    argv[n++] = b;
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int pipefd[2] = { -1, -1 };
    if (o->out == RUN_STDOUT_BROKEN) {
        if (pipe(pipefd) != 0)
            abort();
        /* No reader anywhere, before the child exists: its writes fail. */
        close(pipefd[0]);
        pipefd[0] = -1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0) {
        if (o->cwd && chdir(o->cwd) != 0)
            _exit(126);
        if (o->out == RUN_STDOUT_CAPTURE) {
            dup2(fileno(fo), 1);
        } else if (o->out == RUN_STDOUT_CLOSED) {
            close(1);
        } else {
            signal(SIGPIPE, SIG_IGN);
            dup2(pipefd[1], 1);
            close(pipefd[1]);
        }
        dup2(fileno(fe), 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    int st;
    int timed_out = 0;
    if (o->timeout_s > 0) {
        /* Poll every 10 ms; a hang must fail the test, not stall prove. */
        for (long waited = 0; waitpid(pid, &st, WNOHANG) == 0; waited += 10) {
            if (waited >= 1000L * o->timeout_s) {
                kill(pid, SIGKILL);
                waitpid(pid, &st, 0);
                timed_out = 1;
                break;
            }
            const struct timespec ten_ms = { 0, 10000000 };
            nanosleep(&ten_ms, NULL);
        }
    } else {
        waitpid(pid, &st, 0);
    }
    r.status = timed_out ? RUN_TIMED_OUT : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = slurp_stream(fo);
    r.err = slurp_stream(fe);
    fclose(fo);
    fclose(fe);
    return r;
}

static run_result_t run_fragtrace(const char *const *args)
{
    const run_opts_t o = { RUN_STDOUT_CAPTURE, NULL, 0 };
    return run_fragtrace_opts(args, &o);
}

static void run_free(run_result_t *r)
{
    free(r->out);
    free(r->err);
}

#endif

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
#include <sys/types.h>
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

/* Run fragtrace with args (NULL-terminated, without argv[0]). */
static run_result_t run_fragtrace(const char *const *args)
{
    run_result_t r = { -1, NULL, NULL };
    FILE *fo = tmpfile(), *fe = tmpfile();
    if (!fo || !fe)
        abort();
    const char *argv[64];
    int n = 0;
    argv[n++] = fragtrace_bin();
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0) {
        dup2(fileno(fo), 1);
        dup2(fileno(fe), 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = slurp_stream(fo);
    r.err = slurp_stream(fe);
    fclose(fo);
    fclose(fe);
    return r;
}

static void run_free(run_result_t *r)
{
    free(r->out);
    free(r->err);
}

#endif

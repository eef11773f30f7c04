/*
 * t_progress.c - long work shows progress on a terminal: `check
 * --all-fragments` with stderr on a pseudo-terminal prints a progress line
 * (what is done of how much, the rate, the time) refreshed in place with
 * '\r'; with --quiet, or with stderr not a terminal, nothing is printed.
 * The runs are stopped once the point is made. `bench` prints each figure
 * as soon as it is measured, also into a pipe; a directory given as a
 * program says so.
 */
#define _XOPEN_SOURCE 600 /* posix_openpt and friends */

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "run_cmd.h"

/* 5,713 cycles: checking every fragment length takes seconds. */
#define PROGRAM "vectors/programs/loop_count_many.masm"
#define STACK "0,1,0,300"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Run `check PROGRAM --all-fragments [--quiet]` with stderr on a new
 * pseudo-terminal; collect what reaches it for at most `seconds` or until
 * `until` appears; then stop the process. */
static void run_on_pty(int quiet, double seconds, const char *until, char *got, size_t len)
{
    got[0] = '\0';
    const int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        snprintf(got, len, "(no pseudo-terminal)");
        return;
    }
    const char *slave_name = ptsname(master);
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
        const int slave = open(slave_name, O_RDWR | O_NOCTTY);
        const int null = open("/dev/null", O_WRONLY);
        if (slave < 0 || null < 0)
            _exit(126);
        dup2(null, 1);
        dup2(slave, 2);
        const char *bin = fragtrace_bin();
        if (quiet)
            execl(bin, bin, "check", PROGRAM, "--stack", STACK, "--all-fragments", "--quiet",
                  (char *)NULL);
        else
            execl(bin, bin, "check", PROGRAM, "--stack", STACK, "--all-fragments", (char *)NULL);
        _exit(127);
    }
    size_t n = 0;
    const double end = now_s() + seconds;
    while (now_s() < end && n < len - 1 && !(until && strstr(got, until))) {
        struct pollfd p = { master, POLLIN, 0 };
        if (poll(&p, 1, 50) > 0) {
            const ssize_t k = read(master, got + n, len - 1 - n);
            if (k <= 0)
                break;
            n += (size_t)k;
            got[n] = '\0';
        }
        if (waitpid(pid, NULL, WNOHANG) == pid)
            break;
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(master);
}

/* `bench` on a 2^20-cycle program with stdout a pipe: the fast executor's
 * line arrives while the process still runs (the builders take seconds). */
static int bench_streams(void)
{
    int fd[2];
    if (pipe(fd) != 0)
        return 0;
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
        const int null = open("/dev/null", O_WRONLY);
        dup2(fd[1], 1);
        if (null >= 0)
            dup2(null, 2);
        close(fd[0]);
        const char *bin = fragtrace_bin();
        execl(bin, bin, "bench", "vectors/programs/bench_memory.masm", "--stack", "0,15000",
              (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    char got[4096];
    size_t n = 0;
    int running_at_line = 0;
    const double end = now_s() + 120;
    while (n < sizeof got - 1 && now_s() < end) {
        const ssize_t k = read(fd[0], got + n, sizeof got - 1 - n);
        if (k <= 0)
            break;
        n += (size_t)k;
        got[n] = '\0';
        if (strstr(got, "fast executor")) {
            /* Still running a while later: the line did not come with the
               rest at exit. */
            const struct timespec later = { 0, 300000000 };
            nanosleep(&later, NULL);
            running_at_line = waitpid(pid, NULL, WNOHANG) == 0;
            break;
        }
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fd[0]);
    if (!running_at_line)
        tap_diag("bench output so far: '%s'", got);
    return running_at_line;
}

int main(void)
{
    tap_plan(5);
    char got[1 << 14];

    run_on_pty(0, 60, "lengths, ", got, sizeof got);
    const char *line = strstr(got, "check: fragment lengths: ");
    tap_ok(line && got[0] == '\r' && strstr(line, "/5713 lengths, ") && strstr(line, "lengths/s, ") &&
               strstr(line, " s"),
           "on a terminal: a progress line with done/total, rate and time");
    if (!line)
        tap_diag("stderr was: '%s'", got);

    run_on_pty(1, 1.5, NULL, got, sizeof got);
    tap_ok(got[0] == '\0', "--quiet: nothing on the terminal");
    if (got[0])
        tap_diag("stderr was: '%s'", got);

    /* Not a terminal: nothing on stderr (a small run to the end). */
    const char *args[] = { "trace", "vectors/programs/loop_with_split.masm", "--fragment", "7", NULL };
    run_result_t r = run_fragtrace(args);
    tap_ok(r.status == 0 && r.err[0] == '\0', "stderr not a terminal: nothing printed");
    run_free(&r);

    tap_ok(bench_streams(), "bench: the first figure reaches a pipe while the benchmark runs");

    /* A directory where a program file is expected. */
    const char *dir_as_file[] = { "hash", "vectors", NULL };
    r = run_fragtrace(dir_as_file);
    tap_ok(r.status == 2 && strstr(r.err, "vectors: is a directory"),
           "a directory given as the program: exit 2, 'is a directory'");
    if (r.status != 2)
        tap_diag("exit %d: %s", r.status, r.err);
    run_free(&r);
    return tap_done();
}

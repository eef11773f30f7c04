/*
 * t_output_file.c - `-o OUT` is written safely (io/output.h): no
 * predictable temporary name to plant a link at, a symlinked OUT keeps
 * its link and fills its target, links to FIFOs and to open descriptors
 * are written in place, `-o -` is standard output, `-o ''` is a usage
 * error, and SIGINT/SIGTERM during the write leave no temporary file.
 * Everything happens inside a private temporary directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "tap.h"
#include "run_cmd.h"
#include "shared_vectors.h"
#include "tmpdir.h"

#define PROGRAM "vectors/programs/call_simple.masm"
/* A 2^21-row trace: its CSV takes seconds to write, long enough to be
   interrupted while the temporary file exists. */
#define BIG_PROGRAM "vectors/programs/bench_memory.masm"
#define BIG_STACK "0,15000"

static char *read_text(const char *path)
{
    size_t len;
    return slurp_file(path, &len);
}

/* Entries of dir other than . and ..; names into buf (space-separated). */
static int dir_entries(const char *dir, char *buf, size_t len)
{
    int n = 0;
    size_t used = 0;
    buf[0] = '\0';
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n++;
        if (used + strlen(e->d_name) + 2 < len)
            used += (size_t)snprintf(buf + used, len - used, "%s ", e->d_name);
    }
    if (d)
        closedir(d);
    return n;
}

static int is_link(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode);
}

/* Start `fragtrace trace BIG_PROGRAM -o out` in dir, wait until its
 * temporary file appears, send sig, and report whether the directory is
 * empty afterwards and the process died of sig. */
static int interrupted_write_leaves_nothing(const test_dir_t *dir, int sig, const char *name)
{
    char sub[700], out[800], cwd[4096], prog[4200], bin[4200];
    snprintf(sub, sizeof sub, "%s/%s", dir->path, name);
    mkdir(sub, 0700);
    snprintf(out, sizeof out, "%s/out.csv", sub);
    if (!getcwd(cwd, sizeof cwd))
        return 0;
    snprintf(prog, sizeof prog, "%s/%s", cwd, BIG_PROGRAM);
    const char *b = fragtrace_bin();
    if (b[0] == '/')
        snprintf(bin, sizeof bin, "%s", b);
    else
        snprintf(bin, sizeof bin, "%s/%s", cwd, b);
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        execl(bin, bin, "trace", prog, "--stack", BIG_STACK, "-o", out, (char *)NULL);
        _exit(127);
    }
    char names[512];
    int seen = 0;
    /* Poll (1 ms steps, at most 120 s) for the temporary file. */
    for (int i = 0; i < 120000 && !seen; i++) {
        if (dir_entries(sub, names, sizeof names) > 0 && strstr(names, ".out.csv."))
            seen = 1;
        else {
            struct timespec ts = { 0, 1000000 };
            nanosleep(&ts, NULL);
        }
        int st;
        if (!seen && waitpid(pid, &st, WNOHANG) == pid) {
            tap_diag("%s: fragtrace ended before its temporary file was seen", name);
            return 0;
        }
    }
    kill(pid, sig);
    int st;
    waitpid(pid, &st, 0);
    const int left = dir_entries(sub, names, sizeof names);
    if (!seen || left != 0 || !WIFSIGNALED(st) || WTERMSIG(st) != sig)
        tap_diag("%s: temporary file seen %d; left behind: '%s'; status 0x%x", name, seen, names,
                 st);
    return seen && left == 0 && WIFSIGNALED(st) && WTERMSIG(st) == sig;
}

int main(void)
{
    tap_plan(11);
    test_dir_t dir;
    test_dir_make(&dir);
    char out[600], victim[600], link[600], target[600], fifo[600], p[600];

    /* The expected trace, through standard output. */
    const char *to_stdout[] = { "trace", PROGRAM, NULL };
    run_result_t ref = run_fragtrace(to_stdout);
    tap_ok(ref.status == 0 && strlen(ref.out) > 1000, "the reference trace on stdout");

    /* 2: links planted where the old predictable temporary names would be
       (OUT.tmpPID for the next few hundred pids) are never followed. */
    test_dir_write(&dir, "victim", "precious\n", 9, victim, sizeof victim);
    test_dir_file(&dir, "out.csv", out, sizeof out);
    for (int k = 1; k <= 400; k++) {
        char trap[700];
        snprintf(trap, sizeof trap, "%s.tmp%d", out, (int)getpid() + k);
        if (symlink(victim, trap) != 0)
            break;
    }
    const char *plain[] = { "trace", PROGRAM, "-o", out, NULL };
    run_result_t r = run_fragtrace(plain);
    char *v = read_text(victim), *o = read_text(out);
    tap_ok(r.status == 0 && v && !strcmp(v, "precious\n") && o && !strcmp(o, ref.out),
           "planted links at OUT.tmpPID: the victim is untouched, OUT holds the trace");
    free(v);
    free(o);
    run_free(&r);

    /* 3: a symlinked OUT stays a link; its target receives the trace. */
    test_dir_write(&dir, "target.csv", "old\n", 4, target, sizeof target);
    test_dir_file(&dir, "link.csv", link, sizeof link);
    if (symlink("target.csv", link) != 0)
        tap_diag("symlink: %s", strerror(errno));
    const char *via_link[] = { "trace", PROGRAM, "-o", link, NULL };
    r = run_fragtrace(via_link);
    o = read_text(target);
    tap_ok(r.status == 0 && is_link(link) && o && !strcmp(o, ref.out),
           "-o LINK: the link stays a link and its target holds the trace");
    free(o);
    run_free(&r);

    /* 4: a dangling link: its target is created. */
    test_dir_file(&dir, "dangling.csv", link, sizeof link);
    if (symlink("created.csv", link) != 0)
        tap_diag("symlink: %s", strerror(errno));
    r = run_fragtrace(via_link);
    o = read_text(test_dir_file(&dir, "created.csv", p, sizeof p));
    tap_ok(r.status == 0 && is_link(link) && o && !strcmp(o, ref.out),
           "-o DANGLING-LINK: the target is created, the link kept");
    free(o);
    run_free(&r);

    /* 5: a link to this process's standard output (as /dev/stdout is):
       written in place, the link kept. */
    test_dir_file(&dir, "stdout-link", link, sizeof link);
    if (symlink("/proc/self/fd/1", link) != 0)
        tap_diag("symlink: %s", strerror(errno));
    r = run_fragtrace(via_link);
    tap_ok(r.status == 0 && is_link(link) && !strcmp(r.out, ref.out),
           "-o LINK-TO-/proc/self/fd/1: the trace reaches stdout, the link is kept");
    run_free(&r);

    /* 6: a link to a FIFO: written directly, both kept. */
    test_dir_file(&dir, "fifo", fifo, sizeof fifo);
    test_dir_file(&dir, "fifo-link", link, sizeof link);
    int ok = mkfifo(fifo, 0600) == 0 && symlink("fifo", link) == 0;
    char got[1 << 16];
    size_t n = 0;
    fflush(stdout);
    pid_t reader = ok ? fork() : -1;
    if (reader == 0) {
        r = run_fragtrace(via_link);
        _exit(r.status);
    }
    if (reader > 0) {
        FILE *f = fopen(fifo, "rb");
        while (f && n < sizeof got - 1) {
            const size_t k = fread(got + n, 1, sizeof got - 1 - n, f);
            if (k == 0)
                break;
            n += k;
        }
        got[n] = '\0';
        if (f)
            fclose(f);
        int st;
        waitpid(reader, &st, 0);
        struct stat sb;
        ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && !strcmp(got, ref.out) && is_link(link) &&
             stat(fifo, &sb) == 0 && S_ISFIFO(sb.st_mode);
    }
    tap_ok(ok, "-o LINK-TO-FIFO: written directly; the link and the FIFO are kept");

    /* 7: -o - is standard output. */
    const char *dash[] = { "trace", PROGRAM, "-o", "-", NULL };
    r = run_fragtrace(dash);
    tap_ok(r.status == 0 && !strcmp(r.out, ref.out), "-o - writes standard output");
    run_free(&r);

    /* 8: -o '' and a missing directory are usage errors naming the problem. */
    const char *empty[] = { "trace", PROGRAM, "-o", "", NULL };
    r = run_fragtrace(empty);
    ok = r.status == 2 && r.out[0] == '\0' && strstr(r.err, "empty");
    run_free(&r);
    test_dir_file(&dir, "no/such/dir/out.csv", p, sizeof p);
    const char *nodir[] = { "trace", PROGRAM, "-o", p, NULL };
    r = run_fragtrace(nodir);
    ok = ok && r.status == 2 && strstr(r.err, "no/such/dir/out.csv");
    if (!ok)
        tap_diag("exit %d: %s", r.status, r.err);
    run_free(&r);
    tap_ok(ok, "-o '' and -o MISSING-DIR/F: exit 2 with a message");

    /* 9: the contexts command writes the same way. */
    test_dir_file(&dir, "ctx-link", link, sizeof link);
    test_dir_write(&dir, "ctx-target", "x", 1, target, sizeof target);
    if (symlink("ctx-target", link) != 0)
        tap_diag("symlink: %s", strerror(errno));
    const char *ctx[] = { "contexts", PROGRAM, "--fragment", "4", "-o", link, NULL };
    r = run_fragtrace(ctx);
    size_t clen = 0;
    char *c = slurp_file(target, &clen);
    tap_ok(r.status == 0 && is_link(link) && c && clen > 64 && !memcmp(c, "FTFRAGS", 7),
           "contexts -o LINK: the link's target holds the context file");
    free(c);
    run_free(&r);

    /* 10-11: interrupted while writing: no temporary file is left. */
    tap_ok(interrupted_write_leaves_nothing(&dir, SIGTERM, "term"),
           "SIGTERM while writing removes the temporary file");
    tap_ok(interrupted_write_leaves_nothing(&dir, SIGINT, "int"),
           "SIGINT while writing removes the temporary file");

    run_free(&ref);
    test_dir_remove(&dir);
    return tap_done();
}

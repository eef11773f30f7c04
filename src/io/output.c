/*
 * output.c - see output.h.
 */
/* realpath is an XSI interface. */
#define _XOPEN_SOURCE 700

#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Symlink hops followed before giving up (the kernel's own limit is 40). */
#define MAX_LINK_HOPS 40

/* ------------------------------------------------------------------ */
/* Removing the temporary file when a signal stops the process.        */
/* Global because a signal handler reaches nothing else; a process    */
/* writes one output file at a time, so one slot is enough.           */

static char pending_tmp[OUTPUT_PATH_MAX + 16];
static volatile sig_atomic_t pending_set;
static const int caught_signals[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction saved_actions[3];

static void remove_pending(int sig)
{
    if (pending_set)
        unlink(pending_tmp);
    /* SA_RESETHAND restored the default action: die of the same signal. */
    raise(sig);
}

static void pending_begin(const char *tmp)
{
    strcpy(pending_tmp, tmp);
    atomic_signal_fence(memory_order_seq_cst);
    pending_set = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = remove_pending;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof caught_signals / sizeof caught_signals[0]; i++)
        sigaction(caught_signals[i], &sa, &saved_actions[i]);
}

static void pending_end(void)
{
    pending_set = 0;
    atomic_signal_fence(memory_order_seq_cst);
    for (size_t i = 0; i < sizeof caught_signals / sizeof caught_signals[0]; i++)
        sigaction(caught_signals[i], &saved_actions[i], NULL);
}

/* ------------------------------------------------------------------ */
/* Resolving OUT.                                                      */

/* Split path into its directory (made canonical with realpath) and last
 * component, and join them again in out. -1 with errno set on failure. */
static int canonical_dir_path(const char *path, char *out, size_t len, char *dir, size_t dir_len)
{
    char tmp[OUTPUT_PATH_MAX];
    if (strlen(path) >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(tmp, path);
    char *slash = strrchr(tmp, '/');
    const char *base;
    char rdir[PATH_MAX];
    if (!slash) {
        base = tmp;
        if (!realpath(".", rdir))
            return -1;
    } else {
        *slash = '\0';
        base = slash + 1;
        if (!realpath(slash == tmp ? "/" : tmp, rdir))
            return -1;
    }
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
        errno = EISDIR;
        return -1;
    }
    const int n = snprintf(out, len, "%s/%s", strcmp(rdir, "/") ? rdir : "", base);
    if (n < 0 || (size_t)n >= len || strlen(rdir) >= dir_len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(dir, rdir);
    return 0;
}

/* Follow out through its symlinks to the path that finally receives the
 * output (which may not exist yet). *fd_link: the chain went through
 * /proc (a link to an open file descriptor, as /dev/stdout is). */
static int resolve_target(const char *out, char *target, char *dir, int *fd_link)
{
    char cur[OUTPUT_PATH_MAX];
    *fd_link = 0;
    if (strlen(out) >= sizeof cur) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(cur, out);
    for (int hop = 0; hop <= MAX_LINK_HOPS; hop++) {
        if (canonical_dir_path(cur, target, OUTPUT_PATH_MAX, dir, OUTPUT_PATH_MAX) != 0)
            return -1;
        if (!strncmp(target, "/proc/", 6)) {
            *fd_link = 1;
            return 0;
        }
        struct stat sb;
        if (lstat(target, &sb) != 0)
            return errno == ENOENT ? 0 : -1;
        if (!S_ISLNK(sb.st_mode))
            return 0;
        char link[OUTPUT_PATH_MAX];
        const ssize_t n = readlink(target, link, sizeof link - 1);
        if (n < 0)
            return -1;
        link[n] = '\0';
        const int w = link[0] == '/' ? snprintf(cur, sizeof cur, "%s", link)
                                     : snprintf(cur, sizeof cur, "%s/%s", dir, link);
        if (w < 0 || (size_t)w >= sizeof cur) {
            errno = ENAMETOOLONG;
            return -1;
        }
    }
    errno = ELOOP;
    return -1;
}

static int fail(char *err, size_t err_len, const char *out, const char *what, int e)
{
    snprintf(err, err_len, "%s: %s: %s", out, what, strerror(e));
    return -1;
}

int output_open(output_t *o, const char *out, char *err, size_t err_len)
{
    memset(o, 0, sizeof *o);
    if (!out || !strcmp(out, "-")) {
        o->f = stdout;
        o->to_stdout = 1;
        return 0;
    }
    if (!*out) {
        snprintf(err, err_len, "the output path is empty");
        return -1;
    }
    char dir[OUTPUT_PATH_MAX];
    int fd_link;
    if (resolve_target(out, o->target, dir, &fd_link) != 0)
        return fail(err, err_len, out, "cannot resolve", errno);
    struct stat sb;
    const int exists = stat(o->target, &sb) == 0;
    if (exists && S_ISDIR(sb.st_mode))
        return fail(err, err_len, out, "cannot write", EISDIR);
    if (fd_link || (exists && !S_ISREG(sb.st_mode))) {
        /* Written in place; an fd link to a regular file is appended to so
           that `>> log` keeps what the log held. */
        const int fd = open(o->target, O_WRONLY | O_CLOEXEC | (fd_link ? O_APPEND : 0));
        if (fd < 0 || !(o->f = fdopen(fd, "wb"))) {
            const int e = errno;
            if (fd >= 0)
                close(fd);
            return fail(err, err_len, out, "cannot open", e);
        }
        o->direct = 1;
        return 0;
    }
    const char *base = strrchr(o->target, '/') + 1;
    const int n = snprintf(o->tmp, sizeof o->tmp, "%s/.%s.XXXXXX", strcmp(dir, "/") ? dir : "",
                           base);
    if (n < 0 || (size_t)n >= sizeof o->tmp)
        return fail(err, err_len, out, "cannot create a temporary file", ENAMETOOLONG);
    /* The mode the file would get if created (or keeps, if replaced).
       umask is read and restored at once: no thread runs at this point. */
    const mode_t mask = umask(0);
    umask(mask);
    const mode_t mode = exists ? (sb.st_mode & 07777) : (0666 & ~mask);
    /* The signals stay blocked from creating the file until the handler
       knows its name: one arriving in between is delivered when they are
       unblocked, and removes the file. */
    sigset_t block, old;
    sigemptyset(&block);
    for (size_t i = 0; i < sizeof caught_signals / sizeof caught_signals[0]; i++)
        sigaddset(&block, caught_signals[i]);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    const int fd = mkstemp(o->tmp);
    const int mkstemp_errno = errno;
    if (fd >= 0)
        pending_begin(o->tmp);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        o->tmp[0] = '\0';
        return fail(err, err_len, out, "cannot create a temporary file", mkstemp_errno);
    }
    if (fchmod(fd, mode) != 0 || !(o->f = fdopen(fd, "wb"))) {
        const int e = errno;
        close(fd);
        output_abort(o);
        return fail(err, err_len, out, "cannot create a temporary file", e);
    }
    return 0;
}

int output_commit(output_t *o, char *err, size_t err_len)
{
    const char *name = o->to_stdout ? "standard output" : o->target;
    if (o->to_stdout) {
        errno = 0;
        if (fflush(stdout) != 0 || ferror(stdout))
            return fail(err, err_len, name, "write failed", errno ? errno : EIO);
        return 0;
    }
    const int bad = ferror(o->f);
    const int e = errno;
    const int crc = fclose(o->f);
    o->f = NULL;
    if (bad || crc != 0) {
        const int ce = bad ? e : errno;
        output_abort(o);
        return fail(err, err_len, name, "write failed", ce ? ce : EIO);
    }
    if (o->direct)
        return 0;
    if (rename(o->tmp, o->target) != 0) {
        const int re = errno;
        output_abort(o);
        return fail(err, err_len, name, "cannot rename the temporary file over it", re);
    }
    pending_end();
    o->tmp[0] = '\0';
    return 0;
}

void output_abort(output_t *o)
{
    if (o->f && !o->to_stdout)
        fclose(o->f);
    o->f = NULL;
    if (o->tmp[0]) {
        pending_end();
        unlink(o->tmp);
        o->tmp[0] = '\0';
    }
}

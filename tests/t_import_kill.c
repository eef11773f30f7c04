/*
 * t_import_kill.c - `fragtrace import` killed with SIGKILL at many points
 * leaves the corpus fully before or fully after the import, never between
 * (spec/corpus.md, "Faults and atomicity").
 *
 * An export of several programs (some with 4096-row traces, so the import
 * takes a measurable time) is imported into copies of one corpus that
 * already holds a case; each import is killed after a delay spread over the
 * measured duration of a complete import. Afterwards the database must pass
 * PRAGMA integrity_check and hold either the one old case or the old case
 * plus every imported case, each loadable with its data; `corpus verify`
 * passes on one "after" state.
 */
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "corpus/corpus.h"
#include "run_cmd.h"
#include "tap.h"
#include "tmpdir.h"

#define KILLS 24

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[1 << 16];
    size_t n;
    int bad = !in || !out;
    while (!bad && (n = fread(buf, 1, sizeof buf, in)) > 0)
        bad = fwrite(buf, 1, n, out) != n;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        bad = 1;
    return bad ? -1 : 0;
}

/* Start `fragtrace import --db db dir` with its output discarded. */
static pid_t start_import(const char *db, const char *dir)
{
    fflush(stdout); /* the child must not write the parent's buffered TAP */
    const pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execl(fragtrace_bin(), fragtrace_bin(), "import", "--db", db, dir, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void sleep_for(double s)
{
    struct timespec t = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

/* Cases in db (-1 if it cannot be read) and whether integrity_check is ok. */
static long state_of(const char *db, int *intact)
{
    sqlite3 *h;
    long n = -1;
    *intact = 0;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                *intact = !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
            sqlite3_finalize(st);
        }
        if (sqlite3_prepare_v2(h, "SELECT count(*) FROM cases", -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int(st, 0);
            sqlite3_finalize(st);
        }
    }
    sqlite3_close(h);
    return n;
}

/* Every case of db loads with its stored trace and contexts. */
static int all_load(const char *db)
{
    corpus_t *c;
    char err[2048];
    char **names;
    size_t n;
    if (corpus_open(db, CORPUS_READ, &c, err, sizeof err) != 0) {
        tap_diag("%s", err);
        return 0;
    }
    int ok = corpus_case_names(c, &names, &n, err, sizeof err) == 0;
    for (size_t i = 0; ok && i < n; i++) {
        corpus_case_t k;
        ok = corpus_load_case(c, names[i], 1, &k, err, sizeof err) == 0;
        if (ok) {
            ok = (!k.ok || k.contexts != NULL) && (!k.trace_stored || k.trace != NULL);
            if (!ok)
                tap_diag("%s: contexts %s, trace %s", names[i], k.contexts ? "yes" : "no",
                         k.trace_stored ? (k.trace ? "yes" : "missing") : "not stored");
            corpus_case_free(&k);
        } else {
            tap_diag("%s", err);
        }
    }
    if (ok)
        corpus_names_free(names, n);
    corpus_close(c);
    return ok;
}

int main(void)
{
    tap_plan(4);
    test_dir_t d;
    test_dir_make(&d);
    char src[700], base[700], dir[700], db[700], tmp[720];
    test_dir_file(&d, "src.db", src, sizeof src);
    test_dir_file(&d, "base.db", base, sizeof base);
    test_dir_file(&d, "export", dir, sizeof dir);
    test_dir_file(&d, "k.db", db, sizeof db);

    /* the export: programs with several fragment sizes */
    const char *init_src[] = { "corpus", "init", "--db", src, NULL };
    run_result_t r = run_fragtrace(init_src);
    int ok = r.status == 0;
    run_free(&r);
    static const char *const progs[][3] = {
        { "vectors/programs/loop_count_many.masm", "", "" },
        { "vectors/programs/memory_stream_pipe.masm", "", "" },
        { "vectors/programs/block_250_ops.masm", "", "" },
        { "vectors/programs/hperm_clk.masm", "", "" },
        { "vectors/programs/join_nested.masm", "", "" },
    };
    size_t n_cases = 0;
    for (size_t i = 0; ok && i < sizeof progs / sizeof progs[0]; i++) {
        const char *add[] = { "corpus", "add", "--db", src, progs[i][0], "--fragment", "3",
                              "--fragment", "16", "--fragment", "100", NULL };
        r = run_fragtrace(add);
        ok = r.status == 0;
        if (!ok)
            tap_diag("%s: %s", progs[i][0], r.err);
        run_free(&r);
        n_cases += 3;
    }
    const char *exp[] = { "export", "--db", src, "--out", dir, NULL };
    if (ok) {
        r = run_fragtrace(exp);
        ok = r.status == 0;
        run_free(&r);
    }
    /* the corpus imported into: one case of its own */
    const char *init_base[] = { "corpus", "init", "--db", base, NULL };
    const char *add_base[] = { "corpus", "add", "--db", base, "vectors/programs/split_true.masm",
                               "--fragment", "5", NULL };
    if (ok) {
        r = run_fragtrace(init_base);
        ok = r.status == 0;
        run_free(&r);
        r = run_fragtrace(add_base);
        ok = ok && r.status == 0;
        run_free(&r);
    }
    tap_ok(ok, "setup: an export of %zu cases and a corpus holding one case", n_cases);
    if (!ok) {
        tap_ok(0, "a complete import (not run)");
        tap_ok(0, "killed imports (not run)");
        tap_ok(0, "verify (not run)");
        test_dir_remove(&d);
        return tap_done();
    }

    /* how long a complete import takes */
    double full = 0;
    for (int i = 0; i < 3; i++) {
        copy_file(base, db);
        const double t0 = now();
        const pid_t pid = start_import(db, dir);
        int st;
        waitpid(pid, &st, 0);
        const double t = now() - t0;
        full = t > full ? t : full;
        int intact;
        ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && state_of(db, &intact) ==
             (long)n_cases + 1 && intact;
        snprintf(tmp, sizeof tmp, "%s-wal", db);
        unlink(tmp);
        snprintf(tmp, sizeof tmp, "%s-shm", db);
        unlink(tmp);
        if (!ok)
            break;
    }
    tap_ok(ok, "a complete import adds all %zu cases (%.3f s)", n_cases, full);

    int before = 0, after = 0, bad = 0, verified = 0;
    for (int k = 0; k < KILLS && ok; k++) {
        if (copy_file(base, db) != 0) {
            bad++;
            break;
        }
        const pid_t pid = start_import(db, dir);
        sleep_for(full * 1.2 * (double)k / (double)KILLS);
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        int intact;
        const long n = state_of(db, &intact);
        if (!intact || (n != 1 && n != (long)n_cases + 1) || !all_load(db)) {
            tap_diag("kill %d after %.3f s: %ld cases, integrity %s", k,
                     full * 1.2 * (double)k / KILLS, n, intact ? "ok" : "FAILED");
            bad++;
        } else if (n == 1) {
            before++;
        } else {
            after++;
            if (!verified) {
                const char *ver[] = { "corpus", "verify", "--db", db, "--quiet", NULL };
                r = run_fragtrace(ver);
                verified = r.status == 0 ? 1 : -1;
                if (r.status != 0)
                    tap_diag("verify after a killed import: %s%s", r.out, r.err);
                run_free(&r);
            }
        }
        snprintf(tmp, sizeof tmp, "%s-wal", db);
        unlink(tmp);
        snprintf(tmp, sizeof tmp, "%s-shm", db);
        unlink(tmp);
    }
    tap_diag("%d kills: %d left the corpus as before, %d as after", KILLS, before, after);
    tap_ok(ok && bad == 0 && before + after == KILLS,
           "every killed import left the corpus fully before or fully after (%d bad states)",
           bad);
    tap_ok(verified != -1, "corpus verify passes on a corpus whose import completed before "
           "the kill%s", verified == 0 ? " (none did)" : "");
    test_dir_remove(&d);
    return tap_done();
}

/*
 * t_corpus_faults.c - the corpus under faults (spec/corpus.md, "Faults and
 * atomicity"): a newer, older or foreign schema; a corrupt database file and
 * a file that is not SQLite at all; a stored trace that does not hash to its
 * trace_sha256, an altered or missing trace blob, missing or damaged
 * fragment contexts; a database locked by another writer; a read-only
 * database; a full disk (a file size limit); SIGKILL at ~20 points of an
 * add; and wrong usage. Each gives a clear error naming the database and,
 * where there is one, the case, a non-zero exit and no crash, and leaves the
 * corpus as it was (a fingerprint of every row, or the file's bytes, before
 * and after). Every database is a copy of one base corpus inside a private
 * temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "tap.h"
#include "corpus_db.h"
#include "run_cmd.h"
#include "tmpdir.h"
#include "corpus/trace_blob.h"
#include "util/sha256.h"

#define PROGS "vectors/programs/"
#define ADVICE16 "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16"
/* The add that is killed: 4 cases of a 74,019-cycle program (2^17 rows),
   their traces stored (about 3 MB written over the whole run). */
#define KILL_STACK "0,1000"
#define KILLS 20

#define CLI(...) cli_run((const char *const[]){ __VA_ARGS__, NULL })
/* (run_fragtrace, without a time limit, is not used here) */
static run_result_t (*const unused_run)(const char *const *) __attribute__((unused)) = run_fragtrace;




/* Exit status want (-1: any non-zero), stderr holding each of the
 * NULL-terminated err_has, no crash. Diagnostics on failure; 1 if good. */
static int check_run(const run_result_t *r, int want, const char *out_has,
                     const char *const *err_has)
{
    int good = clean_exit(r) && (want < 0 ? r->status != 0 : r->status == want) &&
               (!out_has || strstr(r->out, out_has));
    for (int i = 0; good && err_has && err_has[i]; i++)
        good = strstr(r->err, err_has[i]) != NULL;
    if (!good)
        dump(r);
    return good;
}
#define HAS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* A command run, checked, freed: 1 if good. */
static int run_check(const char *const *args, int want, const char *out_has,
                     const char *const *err_has)
{
    run_result_t r = cli_run(args);
    const int good = check_run(&r, want, out_has, err_has);
    if (!good)
        tap_diag("command: corpus %s %s %s ...", args[1], args[2] ? args[2] : "",
                 args[2] && args[3] ? args[3] : "");
    run_free(&r);
    return good;
}
#define RUN(want, out_has, err_has, ...) \
    run_check((const char *const[]){ __VA_ARGS__, NULL }, want, out_has, err_has)

static int count_prefix(const char *text, const char *prefix)
{
    int n = 0;
    const size_t pl = strlen(prefix);
    for (const char *l = text; l && *l;) {
        if (!strncmp(l, prefix, pl))
            n++;
        l = strchr(l, '\n');
        if (l)
            l++;
    }
    return n;
}

/* ---- files and the database, directly ------------------------------------- */

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

static void file_sha(const char *path, char hex[65])
{
    size_t n = 0;
    char *b = read_all(path, &n);
    if (!b) {
        snprintf(hex, 65, "(unreadable)");
        return;
    }
    sha256_buffer_hex(b, n, hex);
    free(b);
}

static void remove_db(const char *path)
{
    char p[700];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-journal", path);
    unlink(p);
}

static int copy_file(const char *from, const char *to)
{
    size_t n = 0;
    char *b = read_all(from, &n);
    FILE *f = b ? fopen(to, "wb") : NULL;
    const int ok = f && fwrite(b, 1, n, f) == n;
    if (f && fclose(f) != 0)
        return -1;
    free(b);
    return ok ? 0 : -1;
}



/* Run sql on the database (foreign keys as given); the SQLite result. */
static int sql_exec(const char *path, int foreign_keys, const char *sql)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 10000);
        sqlite3_exec(db, foreign_keys ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF",
                     NULL, NULL, NULL);
        char *msg = NULL;
        rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
        if (rc != SQLITE_OK)
            tap_diag("%.200s: %s", sql, msg ? msg : "?");
        sqlite3_free(msg);
    }
    sqlite3_close(db);
    return rc;
}

/* One value of a one-row query as text ("" on error). */
static int sql_text(const char *path, const char *sql, char *buf, size_t n)
{
    sqlite3 *db = NULL;
    buf[0] = 0;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 10000);
        sqlite3_stmt *st;
        rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                const char *t = (const char *)sqlite3_column_text(st, 0);
                snprintf(buf, n, "%s", t ? t : "NULL");
                rc = SQLITE_OK;
            }
            sqlite3_finalize(st);
        }
    }
    if (rc != SQLITE_OK)
        snprintf(buf, n, "error: %s", db ? sqlite3_errmsg(db) : "open failed");
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

static long long sql_int(const char *path, const char *sql)
{
    char buf[256];
    if (sql_text(path, sql, buf, sizeof buf) != 0)
        return -1;
    return strtoll(buf, NULL, 10);
}

/* The blob of one row (malloc'd), or NULL. */
static unsigned char *sql_blob(const char *path, const char *sql, size_t *len)
{
    sqlite3 *db = NULL;
    unsigned char *out = NULL;
    *len = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW) {
                const size_t n = (size_t)sqlite3_column_bytes(st, 0);
                out = malloc(n ? n : 1);
                if (out && n)
                    memcpy(out, sqlite3_column_blob(st, 0), n);
                *len = n;
            }
            sqlite3_finalize(st);
        }
    }
    sqlite3_close(db);
    return out;
}

/* UPDATE with one blob parameter. */
static int sql_set_blob(const char *path, const char *sql, const void *b, size_t n)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_stmt *st;
        rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_blob(st, 1, n ? b : "", (int)n, SQLITE_TRANSIENT);
            rc = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) == 1 ? SQLITE_OK
                                                                             : SQLITE_ERROR;
            sqlite3_finalize(st);
        }
    }
    sqlite3_close(db);
    return rc;
}


static void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL);
}

/* Start the CLI with args, stdout and stderr to files (NULL: /dev/null),
 * SIGXFSZ at its default (the CLI must ignore it itself) and, when fsize >
 * 0, RLIMIT_FSIZE at fsize bytes. */
static pid_t spawn_cli(const char *const *args, const char *out, const char *err, long long fsize)
{
    const char *argv[64];
    int n = 0;
    argv[n++] = fragtrace_bin();
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
        const int o = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int e = open(err ? err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0)
            _exit(126);
        dup2(o, 1);
        dup2(e, 2);
        signal(SIGXFSZ, SIG_DFL);
        if (fsize > 0) {
            const struct rlimit rl = { (rlim_t)fsize, (rlim_t)fsize };
            if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
                _exit(125);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Wait for pid at most timeout_s: exit status, 128 + signal, or
 * RUN_TIMED_OUT (then killed). */
static int wait_cli(pid_t pid, double timeout_s)
{
    int st;
    const double t0 = now_s();
    while (waitpid(pid, &st, WNOHANG) == 0) {
        if (now_s() - t0 > timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return RUN_TIMED_OUT;
        }
        sleep_s(0.005);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *read_text(const char *path)
{
    size_t n = 0;
    char *b = read_all(path, &n);
    char *t = b ? realloc(b, n + 1) : NULL;
    if (!t) {
        free(b);
        return strdup("");
    }
    t[n] = 0;
    return t;
}

/* ---- the test ------------------------------------------------------------- */

static test_dir_t dir;
static char base[600];
static char base_fp[1024];

/* A fresh copy of the base corpus called name; its path into buf. */
static const char *fresh(const char *name, char *buf, size_t len)
{
    test_dir_file(&dir, name, buf, len);
    remove_db(buf);
    if (copy_file(base, buf) != 0) {
        printf("Bail out! cannot copy the base corpus to %s\n", buf);
        exit(1);
    }
    return buf;
}

/* The case's id in the copy, as text for SQL. */
static void case_id(const char *db, const char *name, char *buf, size_t n)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT id FROM cases WHERE name = '%s'", name);
    sql_text(db, sql, buf, n);
}

/* verify on db (with an optional filter): exit 1, exactly one FAILED line,
 * naming the case, holding what (when non-NULL), no crash, the corpus
 * unchanged by verify. */
static int verify_fails_one(const char *db, const char *filter, const char *name,
                            const char *what, const char *label)
{
    char before[1024], after[1024], pre[128];
    fingerprint(db, before, sizeof before);
    run_result_t r = filter ? CLI("corpus", "verify", "--db", db, "--filter", filter, "--quiet")
                            : CLI("corpus", "verify", "--db", db, "--quiet");
    fingerprint(db, after, sizeof after);
    snprintf(pre, sizeof pre, "FAILED %s: ", name);
    const char *line = strstr(r.out, pre);
    const char *eol = line ? strchr(line, '\n') : NULL;
    int good = clean_exit(&r) && r.status == 1 && count_prefix(r.out, "FAILED ") == 1 && line &&
               count_prefix(r.out, pre) == 1 && strstr(r.out, " 1 failed") &&
               !strcmp(before, after);
    if (good && what) {
        /* what is on the FAILED line itself */
        const char *w = strstr(line, what);
        good = w && (!eol || w < eol);
    }
    if (!tap_ok(good, "%s: verify exit 1, FAILED %s%s%s", label, name, what ? ", " : "",
                what ? what : ""))
        dump(&r);
    else
        tap_diag("  %.*s", eol ? (int)(eol - line) : 300, line);
    run_free(&r);
    return good;
}

/* A copy with one SQL change (foreign keys off, so any row may be hit). */
static const char *tampered(const char *name, const char *sql, char *buf, size_t len)
{
    fresh(name, buf, len);
    if (sql_exec(buf, 0, sql) != SQLITE_OK)
        tap_diag("%s: the tampering SQL failed", name);
    return buf;
}

static void test_usage(void)
{
    char missing[600], fp[1024];
    test_dir_file(&dir, "missing.db", missing, sizeof missing);
    int good = RUN(2, NULL, HAS("usage:"), "corpus") &&
               RUN(2, NULL, HAS("missing --db"), "corpus", "list") &&
               RUN(2, NULL, HAS("missing --db"), "corpus", "verify") &&
               RUN(2, NULL, HAS("missing --db"), "corpus", "add", PROGS "join_nested.masm") &&
               RUN(2, NULL, HAS("missing --db"), "corpus", "init");
    tap_ok(good, "usage: no subcommand, or no --db: exit 2 saying so");
    good = RUN(2, NULL, HAS("unknown subcommand 'frobnicate'"), "corpus", "frobnicate", "--db",
               base) &&
           RUN(2, NULL, HAS("unknown argument '--bogus'"), "corpus", "list", "--db", base,
               "--bogus") &&
           RUN(2, NULL, HAS("--fragment"), "corpus", "add", "--db", base, "--fragment", "0",
               PROGS "join_nested.masm") &&
           RUN(2, NULL, HAS("case name"), "corpus", "add", "--db", base, "--name", "bad name!",
               PROGS "join_nested.masm") &&
           RUN(2, NULL, HAS("missing the case NAME"), "corpus", "show", "--db", base);
    tap_ok(good, "usage: unknown subcommand, unknown argument, bad values: exit 2");
    good = RUN(1, NULL, HAS(base, "no case called no_such_case"), "corpus", "show", "--db", base,
               "no_such_case");
    tap_ok(good, "show of a missing case: exit 1 naming the database and the case");
    good = RUN(2, NULL, HAS("nonexistent.masm"), "corpus", "add", "--db", base,
               PROGS "nonexistent.masm");
    tap_ok(good, "add of a missing program file: exit 2 naming it");
    struct stat sb;
    good = RUN(2, NULL, HAS(missing, "no such corpus"), "corpus", "list", "--db", missing) &&
           RUN(2, NULL, HAS(missing, "no such corpus"), "corpus", "verify", "--db", missing) &&
           RUN(2, NULL, HAS(missing, "no such corpus"), "corpus", "add", "--db", missing,
               PROGS "join_nested.masm");
    tap_ok(good && stat(missing, &sb) != 0,
           "a missing database: list, verify, add exit 2 ('no such corpus'), nothing created");
    fingerprint(base, fp, sizeof fp);
    tap_ok(!strcmp(fp, base_fp), "the base corpus is unchanged by all of that");
}

static void test_schema(void)
{
    char db[600], fp1[1024], fp2[1024], sha1[65], sha2[65];
    /* a newer schema */
    tampered("newer.db", "PRAGMA user_version = 2", db, sizeof db);
    fingerprint(db, fp1, sizeof fp1);
    int good = RUN(2, NULL, HAS(db, "newer"), "corpus", "list", "--db", db) &&
               RUN(2, NULL, HAS(db, "newer"), "corpus", "verify", "--db", db) &&
               RUN(2, NULL, HAS(db, "newer"), "corpus", "show", "--db", db, "join_nested-f1") &&
               RUN(2, NULL, HAS(db, "newer"), "corpus", "add", "--db", db, "--name", "x",
                   PROGS "join_nested.masm");
    fingerprint(db, fp2, sizeof fp2);
    tap_ok(good, "schema version 2 (newer): list, verify, show, add exit 2 saying 'newer'");
    tap_ok(!strcmp(fp1, fp2) && strstr(fp1, "uv=2 "), "... the corpus unchanged");
    /* an older schema: version 0 with the tables present */
    tampered("older.db", "PRAGMA user_version = 0", db, sizeof db);
    fingerprint(db, fp1, sizeof fp1);
    good = RUN(2, NULL, HAS(db, "schema version 0", "rebuild"), "corpus", "list", "--db", db) &&
           RUN(2, NULL, HAS(db, "schema version 0"), "corpus", "verify", "--db", db) &&
           RUN(2, NULL, HAS(db, "schema version 0"), "corpus", "add", "--db", db, "--name", "x",
               PROGS "join_nested.masm");
    fingerprint(db, fp2, sizeof fp2);
    tap_ok(good && !strcmp(fp1, fp2),
           "schema version 0 with tables (older): exit 2 'rebuild the corpus', unchanged");
    /* another application's id */
    tampered("appid.db", "PRAGMA application_id = 305419896", db, sizeof db);
    fingerprint(db, fp1, sizeof fp1);
    good = RUN(2, NULL, HAS(db, "not a fragtrace corpus"), "corpus", "list", "--db", db) &&
           RUN(2, NULL, HAS(db, "not a fragtrace corpus"), "corpus", "verify", "--db", db) &&
           RUN(2, NULL, HAS(db, "not a fragtrace corpus"), "corpus", "add", "--db", db, "--name",
               "x", PROGS "join_nested.masm");
    fingerprint(db, fp2, sizeof fp2);
    tap_ok(good && !strcmp(fp1, fp2),
           "another application_id: exit 2 'not a fragtrace corpus', unchanged");
    /* some other SQLite database */
    test_dir_write(&dir, "other.db", "", 0, db, sizeof db);
    sql_exec(db, 0, "CREATE TABLE notes(x TEXT); INSERT INTO notes VALUES ('keep me')");
    file_sha(db, sha1);
    good = RUN(2, NULL, HAS(db, "not a fragtrace corpus"), "corpus", "list", "--db", db) &&
           RUN(2, NULL, HAS(db, "not a fragtrace corpus"), "corpus", "add", "--db", db,
               PROGS "join_nested.masm");
    file_sha(db, sha2);
    tap_ok(good && !strcmp(sha1, sha2),
           "another SQLite database: exit 2 'not a fragtrace corpus', its bytes unchanged");
    /* an empty file */
    test_dir_write(&dir, "empty.db", "", 0, db, sizeof db);
    struct stat sb;
    good = RUN(2, NULL, HAS(db, "empty database"), "corpus", "list", "--db", db) &&
           RUN(2, NULL, HAS(db, "empty database"), "corpus", "add", "--db", db,
               PROGS "join_nested.masm");
    tap_ok(good && stat(db, &sb) == 0 && sb.st_size == 0,
           "an empty file: exit 2 'an empty database, not a corpus', still empty");
    /* not SQLite at all */
    char text[4096];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (char)("this is not a database\n"[i % 23]);
    test_dir_write(&dir, "text.db", text, sizeof text, db, sizeof db);
    file_sha(db, sha1);
    good = RUN(2, NULL, HAS(db, "not a SQLite database"), "corpus", "list", "--db", db) &&
           RUN(2, NULL, HAS(db, "not a SQLite database"), "corpus", "verify", "--db", db) &&
           RUN(2, NULL, HAS(db, "not a SQLite database"), "corpus", "show", "--db", db, "x") &&
           RUN(2, NULL, HAS(db, "not a SQLite database"), "corpus", "add", "--db", db,
               PROGS "join_nested.masm");
    file_sha(db, sha2);
    tap_ok(good && !strcmp(sha1, sha2),
           "a file that is not SQLite: exit 2 'not a SQLite database', its bytes unchanged");
}

/* Overwrite page `page` (1-based) of db with garbage. */
static int smash_page(const char *db, long long page, long long page_size)
{
    const int fd = open(db, O_WRONLY);
    if (fd < 0)
        return -1;
    unsigned char *junk = malloc((size_t)page_size);
    for (long long i = 0; junk && i < page_size; i++)
        junk[i] = (unsigned char)(0x5A ^ (i * 37));
    const int ok = junk && pwrite(fd, junk, (size_t)page_size, (off_t)((page - 1) * page_size)) ==
                               (ssize_t)page_size;
    free(junk);
    close(fd);
    return ok ? 0 : -1;
}

static void test_corrupt_file(void)
{
    char db[600], sha1[65], sha2[65];
    const long long psize = sql_int(base, "PRAGMA page_size");
    const long long pages = sql_int(base, "PRAGMA page_count");
    /* a page in the middle of the file */
    fresh("corrupt_mid.db", db, sizeof db);
    smash_page(db, pages / 2, psize);
    file_sha(db, sha1);
    run_result_t r = CLI("corpus", "verify", "--db", db);
    file_sha(db, sha2);
    const char *nl = strchr(r.err, '\n');
    int good = clean_exit(&r) && r.status == 2 && strstr(r.err, db) &&
               (strstr(r.err, "integrity check") || strstr(r.err, "corrupt")) &&
               count_prefix(r.out, "ok ") == 0 && nl && !nl[1];
    if (!tap_ok(good, "page %lld of %lld overwritten: verify exits 2 naming the integrity check "
                "(one line)",
                pages / 2, pages))
        dump(&r);
    else
        diag_lines("message", r.err);
    run_free(&r);
    r = CLI("corpus", "list", "--db", db);
    tap_ok(clean_exit(&r) && !strcmp(sha1, sha2), "... list does not crash (exit %d); the file "
           "is unchanged", r.status);
    run_free(&r);
    /* the root page of the cases table */
    fresh("corrupt_cases.db", db, sizeof db);
    const long long root = sql_int(db, "SELECT rootpage FROM sqlite_master WHERE name = 'cases'");
    smash_page(db, root, psize);
    file_sha(db, sha1);
    good = RUN(2, NULL, HAS(db, "corrupt"), "corpus", "list", "--db", db);
    r = CLI("corpus", "verify", "--db", db);
    good &= clean_exit(&r) && r.status == 2 && strstr(r.err, db) &&
            (strstr(r.err, "integrity check") || strstr(r.err, "corrupt"));
    if (!good)
        dump(&r);
    run_free(&r);
    good &= RUN(-1, NULL, HAS(db), "corpus", "show", "--db", db, "join_nested-f1");
    good &= RUN(-1, NULL, HAS(db), "corpus", "add", "--db", db, "--name", "x",
                PROGS "join_nested.masm");
    file_sha(db, sha2);
    tap_ok(good && !strcmp(sha1, sha2), "the cases table's root page (%lld) overwritten: list, "
           "verify, show, add fail naming the database; the file is unchanged", root);
    /* the file cut in half */
    fresh("truncated.db", db, sizeof db);
    if (truncate(db, (off_t)(pages / 2 * psize)) != 0)
        tap_diag("truncate: %s", strerror(errno));
    file_sha(db, sha1);
    r = CLI("corpus", "verify", "--db", db);
    file_sha(db, sha2);
    good = clean_exit(&r) && r.status == 2 && strstr(r.err, db) &&
           (strstr(r.err, "integrity check") || strstr(r.err, "corrupt"));
    if (!tap_ok(good && !strcmp(sha1, sha2), "the file cut to half its pages: verify exits 2, "
                "the file unchanged"))
        dump(&r);
    run_free(&r);
}

static void test_tampered_rows(void)
{
    char db[600], id[64], id2[64], sql[1024], fp[1024];
    static const char zeros[] = "0000000000000000000000000000000000000000000000000000000000000000";
    /* a stored trace that no longer hashes to trace_sha256 */
    snprintf(sql, sizeof sql, "UPDATE cases SET trace_sha256 = '%s' WHERE name = "
             "'loop_count_many-f16'", zeros);
    tampered("sha.db", sql, db, sizeof db);
    verify_fails_one(db, NULL, "loop_count_many-f16", "hashes to", "trace_sha256 zeroed (stored)");
    /* ... and a hash-only case: the rebuilt trace's hash differs */
    snprintf(sql, sizeof sql, "UPDATE cases SET trace_sha256 = '%s' WHERE name = "
             "'memory_stream_pipe'", zeros);
    tampered("sha_only.db", sql, db, sizeof db);
    verify_fails_one(db, NULL, "memory_stream_pipe", "trace SHA-256",
                     "trace_sha256 zeroed (hash only)");
    /* another case's trace blob (other rows) */
    fresh("swap.db", db, sizeof db);
    case_id(db, "join_nested-f1", id, sizeof id);
    case_id(db, "loop_count_many-f16", id2, sizeof id2);
    snprintf(sql, sizeof sql, "UPDATE traces SET data = (SELECT data FROM traces WHERE case_id = "
             "%s) WHERE case_id = %s", id2, id);
    sql_exec(db, 0, sql);
    verify_fails_one(db, "join_nested-*", "join_nested-f1", "trace blob",
                     "another case's trace blob");
    /* a valid blob of a trace that differs in one cell */
    fresh("cell.db", db, sizeof db);
    case_id(db, "loop_count_many-f16", id, sizeof id);
    snprintf(sql, sizeof sql, "SELECT data FROM traces WHERE case_id = %s", id);
    size_t blen = 0, nlen = 0;
    unsigned char *blob = sql_blob(db, sql, &blen), *nb = NULL;
    felt_t *cols = NULL;
    char why[256];
    if (blob && trace_blob_decode(blob, blen, 8192, &cols, why, sizeof why) == 0) {
        cols[40 * 8192 + 100] = cols[40 * 8192 + 100] == 7 ? 8 : 7;
        if (trace_blob_encode(cols, 8192, &nb, &nlen, why, sizeof why) != 0)
            tap_diag("encode: %s", why);
    } else {
        tap_diag("decode: %s", blob ? why : "no blob");
    }
    snprintf(sql, sizeof sql, "UPDATE traces SET data = ? WHERE case_id = %s", id);
    if (!nb || sql_set_blob(db, sql, nb, nlen) != SQLITE_OK)
        tap_diag("could not store the altered trace");
    verify_fails_one(db, "loop_count_many-f16", "loop_count_many-f16", "hashes to",
                     "a well-formed stored trace with one cell changed");
    free(cols);
    free(nb);
    /* single bytes flipped: magic, width, rows, zstd header, middle, checksum */
    const size_t at[] = { 0, 9, 13, 24, blen / 2, blen - 1 };
    int flips_good = blob != NULL;
    for (size_t i = 0; blob && i < sizeof at / sizeof at[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "flip%zu.db", i);
        fresh(name, db, sizeof db);
        blob[at[i]] ^= 0x20;
        const int set = sql_set_blob(db, sql, blob, blen);
        blob[at[i]] ^= 0x20;
        char before[1024], after[1024];
        fingerprint(db, before, sizeof before);
        run_result_t r = CLI("corpus", "verify", "--db", db, "--filter", "loop_count_many-f16");
        fingerprint(db, after, sizeof after);
        const int good = set == SQLITE_OK && clean_exit(&r) && r.status == 1 &&
                         count_prefix(r.out, "FAILED loop_count_many-f16: ") == 1 &&
                         !strcmp(before, after);
        if (!good) {
            tap_diag("byte %zu of %zu flipped:", at[i], blen);
            dump(&r);
        }
        flips_good &= good;
        run_free(&r);
        remove_db(db);
    }
    tap_ok(flips_good, "a byte flipped at 6 places of a stored trace blob: FAILED each time");
    /* cut short and empty */
    int cut_good = 1;
    for (int k = 0; k < 2 && blob; k++) {
        fresh(k ? "trace_empty.db" : "trace_half.db", db, sizeof db);
        cut_good &= sql_set_blob(db, sql, blob, k ? 0 : blen / 2) == SQLITE_OK;
        run_result_t r = CLI("corpus", "verify", "--db", db, "--filter", "loop_count_many-f16");
        const int good = clean_exit(&r) && r.status == 1 &&
                         count_prefix(r.out, "FAILED loop_count_many-f16: ") == 1 &&
                         strstr(r.out, "trace blob");
        if (!good)
            dump(&r);
        cut_good &= good;
        run_free(&r);
    }
    tap_ok(cut_good && blob, "a stored trace blob cut to half, and empty: FAILED naming the case");
    free(blob);
    /* the trace row missing */
    fresh("notrace.db", db, sizeof db);
    case_id(db, "join_nested-f64", id, sizeof id);
    snprintf(sql, sizeof sql, "DELETE FROM traces WHERE case_id = %s", id);
    sql_exec(db, 0, sql);
    verify_fails_one(db, NULL, "join_nested-f64", "missing", "the stored trace deleted");

    /* fragment contexts: cut short, empty, wrong size, flipped, another
       program's, a future format */
    fresh("ctx_ids.db", db, sizeof db);
    case_id(db, "loop_count_many-f16", id, sizeof id);
    case_id(db, "join_nested-f1", id2, sizeof id2);
    remove_db(db);
    struct {
        const char *file, *sql_fmt, *what, *label;
        int two;
    } ctx[] = {
        { "ctx_half.db", "UPDATE contexts SET data = substr(data, 1, length(data) / 2) WHERE "
          "case_id = %s", "contexts", "contexts blob cut to half", 0 },
        { "ctx_empty.db", "UPDATE contexts SET data = X'' WHERE case_id = %s", "contexts",
          "contexts blob empty", 0 },
        { "ctx_size.db", "UPDATE contexts SET raw_bytes = raw_bytes + 1 WHERE case_id = %s",
          "contexts", "contexts raw_bytes off by one", 0 },
        { "ctx_version.db", "UPDATE contexts SET format_version = 99 WHERE case_id = %s",
          "format version", "contexts of a future format", 0 },
        { "ctx_other.db", "UPDATE contexts SET (data, raw_bytes) = (SELECT data, raw_bytes FROM "
          "contexts WHERE case_id = %s) WHERE case_id = %s", "contexts",
          "another program's contexts", 1 },
    };
    for (size_t i = 0; i < sizeof ctx / sizeof ctx[0]; i++) {
        if (ctx[i].two)
            snprintf(sql, sizeof sql, ctx[i].sql_fmt, id2, id);
        else
            snprintf(sql, sizeof sql, ctx[i].sql_fmt, id);
        tampered(ctx[i].file, sql, db, sizeof db);
        verify_fails_one(db, "loop_count_many-f16", "loop_count_many-f16", ctx[i].what,
                         ctx[i].label);
        remove_db(db);
    }
    /* a byte of the contexts blob changed (the zstd checksum catches it) */
    fresh("ctx_flip.db", db, sizeof db);
    snprintf(sql, sizeof sql, "SELECT data FROM contexts WHERE case_id = %s", id);
    size_t clen = 0;
    unsigned char *cblob = sql_blob(db, sql, &clen);
    if (cblob && clen > 16)
        cblob[clen / 2] ^= 0x01;
    snprintf(sql, sizeof sql, "UPDATE contexts SET data = ? WHERE case_id = %s", id);
    if (!cblob || sql_set_blob(db, sql, cblob, clen) != SQLITE_OK)
        tap_diag("could not store the altered contexts");
    free(cblob);
    verify_fails_one(db, "loop_count_many-f16", "loop_count_many-f16", "contexts",
                     "a byte of the contexts blob changed");
    remove_db(db);
    /* the contexts row deleted: the case is still checked two ways, or fails
       naming itself; never a crash */
    snprintf(sql, sizeof sql, "DELETE FROM contexts WHERE case_id = %s", id);
    tampered("ctx_gone.db", sql, db, sizeof db);
    run_result_t r = CLI("corpus", "verify", "--db", db, "--filter", "loop_count_many-f16");
    const int named_fail = r.status == 1 && count_prefix(r.out, "FAILED loop_count_many-f16: ");
    const int passed_without = r.status == 0 &&
                               count_prefix(r.out, "ok loop_count_many-f16 (8192 rows, fragment "
                                            "size 16; parallel, sequential)") == 1;
    if (!tap_ok(clean_exit(&r) && (named_fail || passed_without),
                "the contexts row deleted: %s", named_fail ? "FAILED naming the case"
                : "checked without the stored-contexts build"))
        dump(&r);
    run_free(&r);

    /* damaged case rows */
    tampered("outputs.db", "UPDATE cases SET stack_outputs = 'garbage' WHERE name = "
             "'join_nested-f1'", db, sizeof db);
    fingerprint(db, fp, sizeof fp);
    int good = RUN(2, NULL, HAS(db, "join_nested-f1", "stack_outputs"), "corpus", "list", "--db",
                   db) &&
               RUN(2, NULL, HAS(db, "join_nested-f1", "stack_outputs"), "corpus", "show", "--db",
                   db, "join_nested-f1");
    tap_ok(good, "a malformed stack_outputs: list and show exit 2 naming the case and field");
    verify_fails_one(db, NULL, "join_nested-f1", "stack_outputs", "a malformed stack_outputs");
    tampered("hash.db", "UPDATE programs SET program_hash = '1,2' WHERE name = 'join_nested'", db,
             sizeof db);
    good = RUN(2, NULL, HAS(db, "program_hash"), "corpus", "list", "--db", db);
    tap_ok(good, "a malformed program_hash: list exits 2 naming it");
    /* a row referring to a missing row (written with foreign keys off) */
    tampered("fk.db", "DELETE FROM programs WHERE name = 'memory_stream_pipe'", db, sizeof db);
    good = RUN(2, NULL, HAS(db, "foreign key check"), "corpus", "verify", "--db", db);
    tap_ok(good, "a case whose program row is gone: verify exits 2 naming the foreign key check");
}

static void test_locked(void)
{
    char db[600], fp1[1024], fp2[1024];
    fresh("locked.db", db, sizeof db);
    fingerprint(db, fp1, sizeof fp1);
    sqlite3 *c = NULL;
    int rc = sqlite3_open_v2(db, &c, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c, "BEGIN EXCLUSIVE; INSERT INTO inputs(operand_stack, advice_stack, "
                          "advice_map) VALUES ('[]', '[\"9\"]', '{}')", NULL, NULL, NULL);
    tap_ok(rc == SQLITE_OK, "the test holds an exclusive write transaction");
    const double t0 = now_s();
    run_result_t r = CLI("corpus", "add", "--db", db, PROGS "split_true.masm", "--stack",
                         "6,10,1");
    const double took = now_s() - t0;
    int good = clean_exit(&r) && r.status != 0 && strstr(r.err, db) && strstr(r.err, "locked") &&
               !strstr(r.out, "corpus: added");
    if (!tap_ok(good, "add while another writer holds the lock: exit %d after %.1f s, 'locked'",
                r.status, took))
        dump(&r);
    else
        diag_lines("message", r.err);
    tap_ok(took >= 2.5, "... after waiting for the lock (%.1f s; the busy timeout is 3 s)", took);
    run_free(&r);
    good = RUN(0, "\n6 cases\n", NULL, "corpus", "list", "--db", db);
    tap_ok(good, "... meanwhile a reader lists the 6 committed cases");
    sqlite3_exec(c, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(c);
    fingerprint(db, fp2, sizeof fp2);
    tap_ok(!strcmp(fp1, fp2), "after the rollback the corpus is unchanged");
    good = RUN(0, "corpus: added split_true", NULL, "corpus", "add", "--db", db,
               PROGS "split_true.masm", "--stack", "6,10,1");
    tap_ok(good, "with the lock released the same add succeeds");
}

static void test_read_only(void)
{
    char db[600], fp1[1024], fp2[1024];
    fresh("ro.db", db, sizeof db);
    fingerprint(db, fp1, sizeof fp1);
    chmod(db, 0444);
    int good = RUN(2, NULL, HAS(db, "read-only"), "corpus", "add", "--db", db,
                   PROGS "split_true.masm", "--stack", "6,10,1");
    tap_ok(good, "add to a read-only (0444) database: exit 2 'read-only'");
    good = RUN(0, "\n6 cases\n", NULL, "corpus", "list", "--db", db) &&
           RUN(0, "corpus verify: 6 cases, 6 passed, 0 failed", NULL, "corpus", "verify", "--db",
               db, "--quiet");
    tap_ok(good, "... list and verify still work");
    struct stat sb;
    fingerprint(db, fp2, sizeof fp2);
    tap_ok(!strcmp(fp1, fp2) && stat(db, &sb) == 0 && (sb.st_mode & 0777) == 0444,
           "... the corpus and its mode unchanged");
    chmod(db, 0644);
}

static void test_disk_full(void)
{
    char db[600], out[600], err[600], fp1[1024], fp2[1024], ic[256];
    fresh("full.db", db, sizeof db);
    test_dir_file(&dir, "full.out", out, sizeof out);
    test_dir_file(&dir, "full.err", err, sizeof err);
    fingerprint(db, fp1, sizeof fp1);
    struct stat sb;
    stat(db, &sb);
    const long long limit = (long long)sb.st_size + 16384;
    /* a 2^17-row trace stored (about 1 MB compressed): more than the limit */
    const char *const args[] = { "corpus", "add", "--db", db, PROGS "bench_memory.masm",
                                 "--stack", "0,1000", "--name", "big", "--store-rows", "1048576",
                                 "--fragment", "4096", NULL };
    const int status = wait_cli(spawn_cli(args, out, err, limit), 300);
    char *etext = read_text(err), *otext = read_text(out);
    const int good = status != 0 && status < 128 && strstr(etext, db) &&
                     (strstr(etext, "disk full") || strstr(etext, "write failed") ||
                      strstr(etext, "file size")) &&
                     !strstr(etext, "Sanitizer") && !strstr(otext, "corpus: added");
    if (!tap_ok(good, "add under a file size limit (%lld bytes): exit %d, 'disk full' or 'write "
                "failed', not killed by SIGXFSZ", limit, status)) {
        diag_lines("stdout", otext);
        diag_lines("stderr", etext);
    } else {
        diag_lines("message", etext);
    }
    free(etext);
    free(otext);
    fingerprint(db, fp2, sizeof fp2);
    sql_text(db, "PRAGMA integrity_check", ic, sizeof ic);
    tap_ok(!strcmp(fp1, fp2) && !strcmp(ic, "ok"),
           "... the corpus is unchanged and passes the integrity check (%s)", ic);
    const int vgood = RUN(0, "corpus verify: 6 cases, 6 passed, 0 failed", NULL, "corpus",
                          "verify", "--db", db, "--quiet");
    tap_ok(vgood, "... and verify passes");
}

static void test_kill(void)
{
    char ref[600], db[600], fp[1024], ref_fp[1024], ic[256];
    fresh("kill_ref.db", ref, sizeof ref);
#define KILL_ARGS(D) { "corpus", "add", "--db", (D), PROGS "bench_memory.masm", "--stack", \
                       KILL_STACK, "--name", "killme", "--tags", "kill", "--store-rows", \
                       "1048576", "--fragment", "64", "--fragment", "256", "--fragment", "1024", \
                       "--fragment", "4096", "--threads", "2", NULL }
    const char *const ref_args[] = KILL_ARGS(ref);
    double t0 = now_s();
    const int ref_status = wait_cli(spawn_cli(ref_args, NULL, NULL, 0), 300);
    const double dur = now_s() - t0;
    fingerprint(ref, ref_fp, sizeof ref_fp);
    tap_ok(ref_status == 0 && strstr(ref_fp, " cases=10 ") && strstr(ref_fp, " traces=8 "),
           "the add to be killed, run to its end: %.2f s, 4 cases with stored traces", dur);
    /* on a slow machine (sanitizers), fewer kills keep the total bounded */
    int kills = KILLS;
    while (kills > 8 && kills * dur * 0.65 > 45)
        kills--;
    tap_diag("%d kills spread over 0 .. %.2f s", kills, 1.12 * dur);
    int before = 0, after = 0, finished = 0, bad = 0, list_bad = 0, verified = 0;
    t0 = now_s();
    for (int i = 0; i < kills; i++) {
        char name[64];
        snprintf(name, sizeof name, "kill%02d.db", i);
        fresh(name, db, sizeof db);
        const char *const args[] = KILL_ARGS(db);
        const double delay = dur * (0.02 + 1.10 * i / (kills - 1));
        const pid_t pid = spawn_cli(args, NULL, NULL, 0);
        sleep_s(delay);
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            finished++;
        } else {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
        }
        /* a reader first (it recovers the WAL), then the checks */
        run_result_t r = CLI("corpus", "list", "--db", db);
        const int list_ok = clean_exit(&r) && r.status == 0 &&
                            (strstr(r.out, "\n6 cases\n") || strstr(r.out, "\n10 cases\n"));
        if (!list_ok) {
            list_bad++;
            tap_diag("kill %d at %.3f s: list failed", i, delay);
            dump(&r);
        }
        run_free(&r);
        sql_text(db, "PRAGMA integrity_check", ic, sizeof ic);
        fingerprint(db, fp, sizeof fp);
        if (strcmp(ic, "ok")) {
            bad++;
            tap_diag("kill %d at %.3f s: integrity check: %s", i, delay, ic);
        } else if (!strcmp(fp, base_fp)) {
            before++;
        } else if (!strcmp(fp, ref_fp)) {
            after++;
            if (!verified++) {
                const int v = RUN(0, "corpus verify: 4 cases, 4 passed, 0 failed", NULL,
                                  "corpus", "verify", "--db", db, "--filter", "killme*",
                                  "--no-sequential", "--quiet");
                tap_ok(v, "the first state found after a kill past the commit verifies "
                       "(killme*: 4 cases)");
            }
        } else {
            bad++;
            tap_diag("kill %d at %.3f s: a state in between: %s", i, delay, fp);
        }
        remove_db(db);
    }
    if (!verified) {
        const int v = RUN(0, "corpus verify: 4 cases, 4 passed, 0 failed", NULL, "corpus",
                          "verify", "--db", ref, "--filter", "killme*", "--no-sequential",
                          "--quiet");
        tap_ok(v, "no kill landed after the commit; the completed add verifies (killme*)");
    }
    tap_diag("SIGKILL: %d before the commit (unchanged), %d after (complete; %d had exited "
             "already); %.1f s", before, after, finished, now_s() - t0);
    tap_ok(bad == 0 && before + after == kills,
           "every kill left the corpus as before or as after the add, never in between (%d bad)",
           bad);
    tap_ok(list_bad == 0, "list read every killed corpus (%d failed)", list_bad);
    remove_db(ref);
}

int main(void)
{
    tap_plan(53);
    test_dir_make(&dir);
    test_dir_file(&dir, "base.db", base, sizeof base);
    char bad[600];
    static const char bad_text[] =
        "# bad_assert: fails at once: assert on a zero (failed_assertion at clk 2)\n"
        "begin\n"
        "    basic_block push(0) assert end\n"
        "end\n";
    test_dir_write(&dir, "bad_assert.masm", bad_text, sizeof bad_text - 1, bad, sizeof bad);

    /* the base corpus: 6 cases, stored traces, a hash-only one, a failure */
    int good = RUN(0, NULL, NULL, "corpus", "init", "--db", base) &&
               RUN(0, NULL, NULL, "corpus", "add", "--db", base, PROGS "join_nested.masm",
                   "--stack", "2,3,4,5", "--tags", "join", "--fragment", "1", "--fragment", "64") &&
               RUN(0, NULL, NULL, "corpus", "add", "--db", base, PROGS "loop_count_many.masm",
                   "--stack", "0,1,0,300", "--tags", "loop", "--fragment", "16", "--fragment",
                   "4096") &&
               RUN(0, NULL, NULL, "corpus", "add", "--db", base, PROGS "memory_stream_pipe.masm",
                   "--advice-stack", ADVICE16, "--store-rows", "0") &&
               RUN(0, NULL, NULL, "corpus", "add", "--db", base, bad, "--tags", "bad");
    /* everything in the main file: copies need no WAL */
    good &= sql_exec(base, 1, "PRAGMA wal_checkpoint(TRUNCATE)") == SQLITE_OK;
    fingerprint(base, base_fp, sizeof base_fp);
    good &= strstr(base_fp, " cases=6 traces=4 contexts=5 ") != NULL;
    if (!tap_ok(good, "the base corpus: 6 cases"))
        tap_diag("%s", base_fp);
    tap_diag("base: %s; %lld pages of %lld bytes, %lld free", base_fp,
             sql_int(base, "PRAGMA page_count"), sql_int(base, "PRAGMA page_size"),
             sql_int(base, "PRAGMA freelist_count"));
    good = RUN(0, "corpus verify: 6 cases, 6 passed, 0 failed", NULL, "corpus", "verify", "--db",
               base, "--quiet");
    tap_ok(good, "the base corpus verifies");

    test_usage();
    test_schema();
    test_corrupt_file();
    test_tampered_rows();
    test_locked();
    test_read_only();
    test_disk_full();
    test_kill();

    test_dir_remove(&dir);
    return tap_done();
}

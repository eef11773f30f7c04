/*
 * t_corpus.c - `fragtrace corpus` in normal use (spec/corpus.md): init
 * creates a corpus and refuses an existing file; add stores programs with
 * tags, one case per --fragment (NAME-fN), an expected failure with its
 * error kind, a hash-only trace (--store-rows 0), and refuses a name already
 * present without changing the corpus; list, show and verify print what is
 * stored; --filter selects by name glob and by tag; the database carries its
 * identity pragmas (user_version, application_id, WAL) and its foreign keys;
 * and readers (list, verify) run while a writer adds, seeing the last commit
 * until the writer commits. Everything lives in a private temporary
 * directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>

#include "tap.h"
#include "corpus_db.h"
#include "run_cmd.h"
#include "tmpdir.h"
#include "util/sha256.h"

#define PROGS "vectors/programs/"
#define ADVICE16 "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16"

#define CLI(...) cli_run((const char *const[]){ __VA_ARGS__, NULL })
/* (run_fragtrace, without a time limit, is not used here) */
static run_result_t (*const unused_run)(const char *const *) __attribute__((unused)) = run_fragtrace;




/* Exit status want, stdout holding out_has and stderr holding err_has (NULL:
 * anything), no crash; the output on failure. */
static int expect_run(const run_result_t *r, int want, const char *out_has, const char *err_has,
                      const char *what)
{
    const int good = clean_exit(r) && r->status == want && (!out_has || strstr(r->out, out_has)) &&
                     (!err_has || strstr(r->err, err_has));
    if (!tap_ok(good, "%s", what))
        dump(r);
    return good;
}

/* Lines of text starting with prefix. */
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

/* The line of text starting with prefix, into buf (without its newline); 1
 * when found. */
static int line_of(const char *text, const char *prefix, char *buf, size_t n)
{
    const size_t pl = strlen(prefix);
    for (const char *l = text; l && *l;) {
        const char *e = strchr(l, '\n');
        const size_t len = e ? (size_t)(e - l) : strlen(l);
        if (!strncmp(l, prefix, pl)) {
            snprintf(buf, n, "%.*s", (int)len, l);
            return 1;
        }
        l = e ? e + 1 : NULL;
    }
    buf[0] = 0;
    return 0;
}

static int count_lines(const char *text)
{
    int n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

/* ---- the database, directly ---------------------------------------------- */



/* One value of a one-row query as text ("" on error, err set). */
static int sql_text(const char *path, const char *sql, char *buf, size_t n)
{
    sqlite3 *db = NULL;
    buf[0] = 0;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) {
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
        tap_diag("%s: %s", sql, db ? sqlite3_errmsg(db) : "open failed");
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

static long long sql_int(const char *path, const char *sql)
{
    char buf[64];
    if (sql_text(path, sql, buf, sizeof buf) != 0)
        return -1;
    return strtoll(buf, NULL, 10);
}


static void sleep_ms(long ms)
{
    const struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* ---- the test ------------------------------------------------------------- */

static const char *const all_cases[] = {
    "bad_assert-f1", "bad_assert-f4096", "join_nested-f1", "join_nested-f2", "join_nested-f64",
    "loop_count_many-f16", "loop_count_many-f4096", "memory_stream_pipe", "split-f2", "split-f8",
};
#define N_CASES 10

int main(void)
{
    tap_plan(56);
    test_dir_t dir;
    test_dir_make(&dir);
    char db[600], bad[600], wout[600], werr[600];
    test_dir_file(&dir, "corpus.db", db, sizeof db);
    test_dir_file(&dir, "writer.out", wout, sizeof wout);
    test_dir_file(&dir, "writer.err", werr, sizeof werr);
    static const char bad_text[] =
        "# bad_assert: fails at once: assert on a zero (failed_assertion at clk 2)\n"
        "# expect: error failed_assertion\n"
        "begin\n"
        "    basic_block push(0) assert end\n"
        "end\n";
    test_dir_write(&dir, "bad_assert.masm", bad_text, sizeof bad_text - 1, bad, sizeof bad);
    char fp1[512], fp2[512], line[2048];
    run_result_t r;

    /* 1-2: init creates the file; a second init refuses it, unchanged */
    r = CLI("corpus", "init", "--db", db);
    struct stat sb;
    expect_run(&r, 0, "created", NULL, "init creates a corpus");
    tap_ok(stat(db, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0, "the database file exists");
    run_free(&r);
    fingerprint(db, fp1, sizeof fp1);
    r = CLI("corpus", "init", "--db", db);
    fingerprint(db, fp2, sizeof fp2);
    expect_run(&r, 2, NULL, "exists", "init of an existing file: exit 2, 'exists'");
    tap_ok(!strcmp(fp1, fp2), "... and the existing corpus is unchanged");
    run_free(&r);

    /* 5-9: adds (tags, several fragment sizes, names, an expected failure) */
    r = CLI("corpus", "add", "--db", db, PROGS "join_nested.masm", "--stack", "2,3,4,5", "--tags",
            "basic,join", "--fragment", "1", "--fragment", "2", "--fragment", "64");
    int good = expect_run(&r, 0, "corpus: added join_nested-f64", NULL,
                          "add join_nested with three fragment sizes");
    if (good && count_prefix(r.out, "corpus: added join_nested-f") != 3)
        diag_lines("expected three 'added' lines", r.out);
    run_free(&r);
    r = CLI("corpus", "add", "--db", db, PROGS "loop_count_many.masm", "--stack", "0,1,0,300",
            "--tags", "loop,counted", "--fragment", "16", "--fragment", "4096");
    expect_run(&r, 0, "corpus: added loop_count_many-f16 (5713 cycles, 8192 rows", NULL,
               "add loop_count_many (300 iterations) with two fragment sizes");
    run_free(&r);
    r = CLI("corpus", "add", "--db", db, PROGS "memory_stream_pipe.masm", "--advice-stack",
            ADVICE16, "--tags", "memory");
    expect_run(&r, 0, "corpus: added memory_stream_pipe (81 cycles", NULL,
               "add memory_stream_pipe: one fragment size, the case is named after the file");
    run_free(&r);
    r = CLI("corpus", "add", "--db", db, PROGS "split_true.masm", "--stack", "6,10,1", "--name",
            "split", "--program-name", "split_prog", "--tags", "branch", "--fragment", "2",
            "--fragment", "8");
    expect_run(&r, 0, "corpus: added split-f8", NULL, "add with --name and --program-name");
    run_free(&r);
    r = CLI("corpus", "add", "--db", db, bad, "--tags", "bad,negative", "--fragment", "1",
            "--fragment", "4096");
    expect_run(&r, 0, "corpus: added bad_assert-f1 (fails: failed_assertion", NULL,
               "a failing program is stored as an expected failed_assertion");
    run_free(&r);

    /* 10-13: list */
    r = CLI("corpus", "list", "--db", db);
    expect_run(&r, 0, "\n10 cases\n", NULL, "list: exit 0, '10 cases'");
    tap_ok(line_of(r.out, "case ", line, sizeof line) && strstr(line, "program") &&
           strstr(line, "fragment") && strstr(line, "outcome") && strstr(line, "rows") &&
           strstr(line, "provenance") && r.out == strstr(r.out, "case "),
           "list: a header line first");
    int each = count_lines(r.out) == N_CASES + 2;
    for (int i = 0; i < N_CASES; i++) {
        char pre[80];
        snprintf(pre, sizeof pre, "%s ", all_cases[i]);
        if (count_prefix(r.out, pre) != 1) {
            tap_diag("list: no single line for %s", all_cases[i]);
            each = 0;
        }
    }
    tap_ok(each, "list: one line per case, nothing else");
    char l_ok[512], l_err[512];
    line_of(r.out, "join_nested-f64 ", l_ok, sizeof l_ok);
    line_of(r.out, "bad_assert-f1 ", l_err, sizeof l_err);
    tap_ok(strstr(l_ok, " join_nested ") && strstr(l_ok, " 64 ok ") &&
           strstr(l_ok, "fragtrace ") && strstr(l_err, " error ") && strstr(l_err, " - "),
           "list: program, fragment size, outcome, rows, provenance of a case");
    if (!each)
        dump(&r);
    run_free(&r);

    /* 14-17: show */
    r = CLI("corpus", "show", "--db", db, "join_nested-f1");
    expect_run(&r, 0, "case: join_nested-f1\nprogram: join_nested\ntags: basic,join\n", NULL,
               "show: the case, its program and tags");
    unsigned long long h[4];
    char hash1[256] = "", hash64[256] = "";
    line_of(r.out, "program hash: ", hash1, sizeof hash1);
    tap_ok(sscanf(hash1, "program hash: %llu %llu %llu %llu", &h[0], &h[1], &h[2], &h[3]) == 4 &&
           strstr(r.out, "operand stack: [\"2\",\"3\",\"4\",\"5\"]\n") &&
           strstr(r.out, "advice stack: []\n") && strstr(r.out, "fragment size: 1\n"),
           "show: the program hash (4 felts) and the inputs");
    tap_ok(strstr(r.out, "expected: ok\nstack outputs: 729 0 0 0") &&
           strstr(r.out, "cycles: 20\ntrace rows: 64\ntrace sha256: ") &&
           strstr(r.out, "trace stored: yes\n") && strstr(r.out, "program text:\n"),
           "show: the expected outcome (outputs, cycles, rows, trace hash, stored)");
    run_free(&r);
    r = CLI("corpus", "show", "--db", db, "join_nested-f64");
    line_of(r.out, "program hash: ", hash64, sizeof hash64);
    tap_ok(r.status == 0 && hash1[0] && !strcmp(hash1, hash64),
           "show: the cases of one add share the program (same hash)");
    run_free(&r);
    r = CLI("corpus", "show", "--db", db, "bad_assert-f4096");
    expect_run(&r, 0, "expected: error failed_assertion at clk 2\n", NULL,
               "show: an expected failure with its kind and clk");
    run_free(&r);
    r = CLI("corpus", "show", "--db", db, "memory_stream_pipe");
    expect_run(&r, 0, "advice stack: [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",", NULL,
               "show: the advice stack");
    run_free(&r);

    /* 20-23: verify everything */
    r = CLI("corpus", "verify", "--db", db);
    expect_run(&r, 0, "corpus verify: 10 cases, 10 passed, 0 failed", NULL,
               "verify: exit 0, 10 cases passed");
    each = count_prefix(r.out, "ok ") == N_CASES && count_prefix(r.out, "FAILED") == 0;
    for (int i = 0; i < N_CASES; i++) {
        char pre[80];
        snprintf(pre, sizeof pre, "ok %s (", all_cases[i]);
        each &= count_prefix(r.out, pre) == 1;
    }
    tap_ok(each, "verify: one 'ok NAME' line per case, no FAILED");
    tap_ok(count_prefix(r.out, "ok join_nested-f1 (64 rows, fragment size 1; parallel, stored "
                        "contexts, sequential)") == 1 &&
           count_prefix(r.out, "ok bad_assert-f1 (fails as expected: failed_assertion") == 1,
           "verify: builds of an ok case and of an expected failure");
    size_t tc = 0, tp = 0, tf = 0;
    tap_ok(line_of(r.out, "provenance ", line, sizeof line) && strstr(line, "cases") &&
           strstr(line, "rows/s") && line_of(r.out, "all ", line, sizeof line) &&
           sscanf(line, "all %zu %zu %zu", &tc, &tp, &tf) == 3 && tc == 10 && tp == 10 && tf == 0 &&
           count_prefix(r.out, "fragtrace ") == 1,
           "verify: the summary table (one provenance, the 'all' row)");
    if (!each)
        dump(&r);
    run_free(&r);

    /* 24-29: --filter by name glob and by tag */
    r = CLI("corpus", "verify", "--db", db, "--filter", "join_nested-*");
    expect_run(&r, 0, "corpus verify: 3 cases, 3 passed, 0 failed", NULL,
               "verify --filter 'join_nested-*': 3 cases");
    run_free(&r);
    r = CLI("corpus", "verify", "--db", db, "--filter", "counted", "--quiet");
    expect_run(&r, 0, "corpus verify: 2 cases, 2 passed, 0 failed", NULL,
               "verify --filter TAG: the 2 loop cases");
    tap_ok(count_prefix(r.out, "ok loop_count_many-f") == 2 && count_prefix(r.out, "ok ") == 2,
           "... exactly the loop cases");
    run_free(&r);
    r = CLI("corpus", "list", "--db", db, "--filter", "split-f?", "--filter", "memory");
    expect_run(&r, 0, "\n3 cases\n", NULL, "list with two filters (glob, tag): their union");
    run_free(&r);
    r = CLI("corpus", "list", "--db", db, "--filter", "nothing*");
    expect_run(&r, 0, "0 cases\n", NULL, "list --filter matching nothing: '0 cases'");
    run_free(&r);
    r = CLI("corpus", "verify", "--db", db, "--filter", "nothing*");
    expect_run(&r, 1, NULL, "no case selected", "verify --filter matching nothing: exit 1");
    run_free(&r);

    /* 30-33: a name already present: exit 1, nothing added (the new -f128
       staged before the duplicate -f64 is rolled back too) */
    fingerprint(db, fp1, sizeof fp1);
    r = CLI("corpus", "add", "--db", db, PROGS "join_nested.masm", "--stack", "2,3,4,5", "--tags",
            "basic,join", "--fragment", "128", "--fragment", "64");
    fingerprint(db, fp2, sizeof fp2);
    expect_run(&r, 1, NULL, "join_nested-f64", "add of a case name already present: exit 1");
    tap_ok(strstr(r.err, "already") && strstr(r.err, db) && !strstr(r.out, "corpus: added"),
           "... the error names the database, the case and why");
    tap_ok(!strcmp(fp1, fp2), "... and the corpus is unchanged (no -f128 either)");
    if (strcmp(fp1, fp2))
        tap_diag("before %s; after %s", fp1, fp2);
    run_free(&r);
    r = CLI("corpus", "add", "--db", db, PROGS "loop_count_many.masm", "--stack", "0,1,0,300",
            "--name", "lcm_other");
    fingerprint(db, fp2, sizeof fp2);
    expect_run(&r, 1, NULL, "different program called loop_count_many",
               "a program name already naming another program (other tags): exit 1");
    tap_ok(!strcmp(fp1, fp2), "... and the corpus is unchanged");
    run_free(&r);

    /* 35-39: --store-rows 0: the trace by its hash only; verify rebuilds it */
    const long long programs0 = sql_int(db, "SELECT count(*) FROM programs");
    const long long inputs0 = sql_int(db, "SELECT count(*) FROM inputs");
    r = CLI("corpus", "add", "--db", db, PROGS "loop_count_many.masm", "--stack", "0,1,0,300",
            "--tags", "loop,counted", "--name", "lcm_hash", "--store-rows", "0");
    expect_run(&r, 0, "corpus: added lcm_hash (5713 cycles, 8192 rows, fragment size 4096, trace "
               "hash only", NULL, "add --store-rows 0: 'hash only'");
    run_free(&r);
    tap_ok(sql_int(db, "SELECT count(*) FROM programs") == programs0 &&
           sql_int(db, "SELECT count(*) FROM inputs") == inputs0 &&
           sql_int(db, "SELECT count(*) FROM traces t JOIN cases c ON c.id = t.case_id "
                   "WHERE c.name = 'lcm_hash'") == 0 &&
           sql_int(db, "SELECT count(*) FROM contexts t JOIN cases c ON c.id = t.case_id "
                   "WHERE c.name = 'lcm_hash'") == 1,
           "... the program and inputs rows are shared, no trace row, contexts stored");
    r = CLI("corpus", "show", "--db", db, "lcm_hash");
    expect_run(&r, 0, "trace stored: no (hash only)\n", NULL, "show: 'no (hash only)'");
    run_free(&r);
    r = CLI("corpus", "verify", "--db", db, "--filter", "lcm_hash");
    expect_run(&r, 0, "ok lcm_hash (8192 rows, fragment size 4096; parallel, stored contexts, "
               "sequential)", NULL, "verify of the hash-only case passes");
    tap_ok(strstr(r.out, "corpus verify: 1 cases, 1 passed, 0 failed") != NULL,
           "... 1 passed, 0 failed");
    run_free(&r);

    /* 40-45: the identity pragmas and foreign keys */
    char txt[256];
    tap_ok(sql_int(db, "PRAGMA user_version") == 1, "PRAGMA user_version is 1");
    tap_ok(sql_int(db, "PRAGMA application_id") == 0x46545243,
           "PRAGMA application_id is 0x46545243 ('FTRC')");
    sql_text(db, "PRAGMA journal_mode", txt, sizeof txt);
    tap_ok(!strcmp(txt, "wal"), "journal_mode is wal (got '%s')", txt);
    sql_text(db, "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE "
             "type = 'table' ORDER BY name)", txt, sizeof txt);
    tap_ok(!strcmp(txt, "cases contexts inputs libraries programs traces"),
           "the six tables (got '%s')", txt);
    {
        sqlite3 *c = NULL;
        int rc_ins = -1, rc_del = -1, ext_ins = -1;
        long long fk_on = -1;
        fingerprint(db, fp1, sizeof fp1);
        if (sqlite3_open_v2(db, &c, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
            sqlite3_extended_result_codes(c, 1);
            sqlite3_exec(c, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
            sqlite3_stmt *st;
            if (sqlite3_prepare_v2(c, "PRAGMA foreign_keys", -1, &st, NULL) == SQLITE_OK) {
                if (sqlite3_step(st) == SQLITE_ROW)
                    fk_on = sqlite3_column_int64(st, 0);
                sqlite3_finalize(st);
            }
            rc_ins = sqlite3_exec(c, "INSERT INTO cases(name, program_id, inputs_id, "
                                  "fragment_size, provenance, outcome, error_kind, trace_stored) "
                                  "VALUES ('dangling', 999999, (SELECT min(id) FROM inputs), 1, "
                                  "'test', 'error', 'failed_assertion', 0)", NULL, NULL, NULL);
            ext_ins = sqlite3_extended_errcode(c);
            rc_del = sqlite3_exec(c, "DELETE FROM programs WHERE name = 'join_nested'", NULL,
                                  NULL, NULL);
        }
        sqlite3_close(c);
        fingerprint(db, fp2, sizeof fp2);
        tap_ok(fk_on == 1 && (rc_ins & 0xff) == SQLITE_CONSTRAINT && ext_ins == SQLITE_CONSTRAINT_FOREIGNKEY,
               "foreign keys: a case with a missing program_id is refused (rc %d, ext %d)", rc_ins,
               ext_ins);
        tap_ok((rc_del & 0xff) == SQLITE_CONSTRAINT && !strcmp(fp1, fp2),
               "foreign keys: a program with cases cannot be deleted; corpus unchanged");
    }

    /* 46-58: readers while a writer adds */
    run_result_t old = CLI("corpus", "list", "--db", db);
    expect_run(&old, 0, "\n11 cases\n", NULL, "list before the writer: 11 cases");
    char bin[4096];
    snprintf(bin, sizeof bin, "%s", fragtrace_bin());
    fflush(stdout);
    const double t0 = now_s();
    const pid_t w = fork();
    if (w == 0) {
        int o = open(wout, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(werr, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0)
            _exit(126);
        dup2(o, 1);
        dup2(e, 2);
        execl(bin, bin, "corpus", "add", "--db", db, PROGS "bench_memory.masm", "--stack",
              "0,7000", "--name", "bm", "--tags", "bench", "--fragment", "512", "--fragment",
              "1024", "--fragment", "2048", "--fragment", "4096", "--threads", "1", (char *)NULL);
        _exit(127);
    }
    int reaped = 0, wst = -1;
    int readers = 0, reader_fail = 0, old_while_running = 0, verifies = 0, verify_fail = 0;
    int first_old = -1, saw_other = 0, old_after_other = 0;
    char *others[400];
    int n_others = 0;
    for (int i = 0; !reaped && i < 400 && now_s() - t0 < 240; i++) {
        int was_verify = i % 3 == 2;
        run_result_t rr = was_verify
            ? CLI("corpus", "verify", "--db", db, "--filter", "join_nested-*", "--threads", "1")
            : CLI("corpus", "list", "--db", db);
        if (waitpid(w, &wst, WNOHANG) == w)
            reaped = 1;
        if (!clean_exit(&rr) || rr.status != 0) {
            reader_fail++;
            if (reader_fail == 1)
                dump(&rr);
        }
        if (was_verify) {
            verifies++;
            if (!strstr(rr.out, "corpus verify: 3 cases, 3 passed, 0 failed"))
                verify_fail++;
        } else {
            readers++;
            const int is_old = !strcmp(rr.out, old.out);
            if (first_old < 0)
                first_old = is_old;
            if (is_old && !reaped)
                old_while_running++;
            if (is_old && saw_other)
                old_after_other = 1;
            if (!is_old) {
                saw_other = 1;
                if (n_others < 400)
                    others[n_others++] = strdup(rr.out);
            }
        }
        run_free(&rr);
        sleep_ms(20);
    }
    if (!reaped) {
        /* the writer is still at it: wait for it (bounded) */
        for (int k = 0; k < 24000 && waitpid(w, &wst, WNOHANG) != w; k++)
            sleep_ms(10);
        if (waitpid(w, &wst, WNOHANG) == 0) {
            kill(w, SIGKILL);
            waitpid(w, &wst, 0);
        }
    }
    const double wsecs = now_s() - t0;
    tap_diag("writer ran %.1f s; %d list and %d verify runs meanwhile, %d saw the old set while "
             "the writer ran", wsecs, readers, verifies, old_while_running);
    FILE *wf = fopen(wout, "r");
    char *wtext = NULL;
    if (wf) {
        wtext = slurp_stream(wf);
        fclose(wf);
    }
    tap_ok(WIFEXITED(wst) && WEXITSTATUS(wst) == 0 && wtext &&
           count_prefix(wtext, "corpus: added bm-f") == 4,
           "the writer added its 4 cases (status 0x%x)", wst);
    free(wtext);
    tap_ok(reader_fail == 0, "every reader exited 0 while the writer ran (%d failed)", reader_fail);
    tap_ok(verify_fail == 0 && verifies >= 1,
           "verify --filter ran during the write and passed each time (%d of %d failed)",
           verify_fail, verifies);
    tap_ok(first_old == 1 && old_while_running >= 3,
           "readers saw the old case set while the writer was running (%d times)",
           old_while_running);
    run_result_t now = CLI("corpus", "list", "--db", db);
    expect_run(&now, 0, "\n15 cases\n", NULL, "after the writer: list shows the 15 cases");
    int others_new = 1;
    for (int i = 0; i < n_others; i++) {
        if (strcmp(others[i], now.out)) {
            if (others_new)
                diag_lines("a reader saw neither the old nor the new set", others[i]);
            others_new = 0;
        }
        free(others[i]);
    }
    tap_ok(others_new && !old_after_other,
           "every reader saw the old set or, once committed, the whole new one (%d new)",
           n_others);
    tap_ok(count_prefix(now.out, "bm-f") == 4 && count_lines(now.out) == count_lines(old.out) + 4,
           "the new cases bm-f512 .. bm-f4096 are visible, the old ones still there");
    run_free(&now);
    run_free(&old);
    r = CLI("corpus", "verify", "--db", db, "--filter", "bm-f4096", "--no-sequential");
    expect_run(&r, 0, "corpus verify: 1 cases, 1 passed, 0 failed", NULL,
               "verify of a case added under concurrent readers passes");
    run_free(&r);
    r = CLI("corpus", "show", "--db", db, "bm-f512");
    expect_run(&r, 0, "trace stored: no (hash only)\n", NULL,
               "a 2^19-row trace over --store-rows' default is stored by hash only");
    run_free(&r);

    /* the last check: everything still verifies */
    r = CLI("corpus", "verify", "--db", db, "--filter", "[!b]*", "--filter", "bad*", "--quiet");
    expect_run(&r, 0, "corpus verify: 11 cases, 11 passed, 0 failed", NULL,
               "verify of the 11 small cases after all that");
    run_free(&r);

    test_dir_remove(&dir);
    return tap_done();
}

/*
 * corpus_db.h - what the corpus tests share: running the CLI with its
 * output kept, a fingerprint of everything a corpus database holds (to
 * prove a failed command left it unchanged), and small helpers.
 */
#ifndef FRAGTRACE_TESTS_CORPUS_DB_H
#define FRAGTRACE_TESTS_CORPUS_DB_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "run_cmd.h"
#include "tap.h"
#include "util/sha256.h"

static const char *const tables[] = { "programs", "libraries", "inputs", "cases", "traces",
                                      "contexts" };
#define N_TABLES (sizeof tables / sizeof tables[0])

/* It exited by itself (no signal, no time-out) and no sanitizer spoke. */
static __attribute__((unused)) int clean_exit(const run_result_t *r)
{
    return r->status >= 0 && r->status < 128 && !strstr(r->err, "Sanitizer") &&
           !strstr(r->err, "runtime error");
}

/* ---- running the CLI -------------------------------------------------------- */

static __attribute__((unused)) run_result_t cli_run(const char *const *args)
{
    const run_opts_t o = { RUN_STDOUT_CAPTURE, NULL, 300 };
    return run_fragtrace_opts(args, &o);
}

/* text as diagnostics, each line behind '#' (so that an "ok ..." line of
 * verify's output is never read as a test line); at most 40 lines. */
static __attribute__((unused)) void diag_lines(const char *label, const char *text)
{
    int n = 0;
    for (const char *l = text; l && *l && n < 40; n++) {
        const size_t len = strcspn(l, "\n");
        tap_diag("%s: %.*s", label, (int)(len < 400 ? len : 400), l);
        l = l[len] ? l + len + 1 : NULL;
    }
}

static __attribute__((unused)) void dump(const run_result_t *r)
{
    tap_diag("status %d", r->status);
    diag_lines("stdout", r->out);
    diag_lines("stderr", r->err);
}

/* Everything the corpus holds, as one line: the identity pragmas, the rows
 * of every table and a SHA-256 over every value. */
static __attribute__((unused)) void fingerprint(const char *path, char *out, size_t n)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(out, n, "unreadable: %s", db ? sqlite3_errmsg(db) : "open");
        sqlite3_close(db);
        return;
    }
    sqlite3_busy_timeout(db, 10000);
    sha256_ctx_t h;
    sha256_init(&h);
    size_t at = 0;
    const char *pragmas[] = { "PRAGMA user_version", "PRAGMA application_id" };
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st;
        long long v = -1;
        if (sqlite3_prepare_v2(db, pragmas[i], -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
        at += (size_t)snprintf(out + at, n - at, "%s%lld ", i ? "app=" : "uv=", v);
    }
    for (size_t t = 0; t < N_TABLES && at < n; t++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY rowid", tables[t]);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
            at += (size_t)snprintf(out + at, n - at, "%s=? (%s) ", tables[t], sqlite3_errmsg(db));
            continue;
        }
        long rows = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            rows++;
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const unsigned char type = (unsigned char)sqlite3_column_type(st, c);
                const void *b = sqlite3_column_blob(st, c);
                const uint32_t len = (uint32_t)sqlite3_column_bytes(st, c);
                sha256_update(&h, &type, 1);
                sha256_update(&h, &len, sizeof len);
                if (len)
                    sha256_update(&h, b, len);
            }
        }
        sqlite3_finalize(st);
        at += (size_t)snprintf(out + at, n - at, rc == SQLITE_DONE ? "%s=%ld " : "%s=%ld(error) ",
                               tables[t], rows);
    }
    uint8_t d[32];
    char hex[65];
    sha256_final(&h, d);
    sha256_hex(d, hex);
    if (at < n)
        snprintf(out + at, n - at, "sha=%.16s", hex);
    sqlite3_close(db);
}

static __attribute__((unused)) double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

#endif

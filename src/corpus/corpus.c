/*
 * corpus.c - the SQLite corpus (spec/corpus.md): opening and checking the
 * schema, adding a case with its program, inputs, expected trace and
 * fragment contexts in one transaction, listing and loading cases.
 */
#include "corpus/corpus.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "air/layout.h"
#include "corpus/trace_blob.h"
#include "trace/context_file.h"
#include "trace/trace_text.h"

/* 'FTRC': marks a SQLite file as a fragtrace corpus. */
#define CORPUS_APPLICATION_ID 0x46545243
/* How long a writer waits for another writer's lock before giving up. */
#define CORPUS_BUSY_MS 3000
#define TRACE_ENCODING "fttrace1-zstd"

struct corpus {
    sqlite3 *db;
    char *path;
};

static const char schema[] =
    "CREATE TABLE programs(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  tags TEXT NOT NULL DEFAULT '',\n"
    "  program_hash TEXT NOT NULL,\n"
    "  text TEXT,\n"
    "  masb BLOB,\n"
    "  source TEXT,\n"
    "  CHECK (text IS NOT NULL OR masb IS NOT NULL));\n"
    "CREATE TABLE libraries(\n"
    "  program_id INTEGER NOT NULL REFERENCES programs(id) ON DELETE CASCADE,\n"
    "  ordinal INTEGER NOT NULL CHECK (ordinal >= 0),\n"
    "  mast BLOB NOT NULL,\n"
    "  PRIMARY KEY (program_id, ordinal));\n"
    "CREATE TABLE inputs(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  operand_stack TEXT NOT NULL,\n"
    "  advice_stack TEXT NOT NULL,\n"
    "  advice_map TEXT NOT NULL,\n"
    "  merkle_store TEXT);\n"
    "CREATE TABLE cases(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  program_id INTEGER NOT NULL REFERENCES programs(id),\n"
    "  inputs_id INTEGER NOT NULL REFERENCES inputs(id),\n"
    "  fragment_size INTEGER NOT NULL CHECK (fragment_size >= 1),\n"
    "  provenance TEXT NOT NULL,\n"
    "  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'error')),\n"
    "  stack_outputs TEXT,\n"
    "  cycles INTEGER,\n"
    "  trace_rows INTEGER,\n"
    "  trace_sha256 TEXT,\n"
    "  error_kind TEXT,\n"
    "  error_clk INTEGER,\n"
    "  trace_stored INTEGER NOT NULL CHECK (trace_stored IN (0, 1)),\n"
    "  CHECK ((outcome = 'ok') = (stack_outputs IS NOT NULL AND trace_sha256 IS NOT NULL\n"
    "         AND cycles IS NOT NULL AND trace_rows IS NOT NULL)),\n"
    "  CHECK ((outcome = 'error') = (error_kind IS NOT NULL)),\n"
    "  CHECK (outcome = 'ok' OR trace_stored = 0));\n"
    "CREATE TABLE traces(\n"
    "  case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,\n"
    "  encoding TEXT NOT NULL,\n"
    "  data BLOB NOT NULL);\n"
    "CREATE TABLE contexts(\n"
    "  case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,\n"
    "  format_version INTEGER NOT NULL,\n"
    "  raw_bytes INTEGER NOT NULL,\n"
    "  data BLOB NOT NULL);\n";

static void set_err(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

/* The SQLite error in words a user can act on. */
static const char *db_problem(sqlite3 *db, int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return "database is locked by another process (retried for 3 s)";
    case SQLITE_READONLY:
        return "database is read-only";
    case SQLITE_FULL:
        return "disk full (the database or its write-ahead log could not grow)";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return "database file is corrupt or not a SQLite database";
    case SQLITE_IOERR:
        if (rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_FSYNC || rc == SQLITE_IOERR_TRUNCATE)
            return "write failed (disk full or file size limit?)";
        return "input/output error";
    case SQLITE_CANTOPEN:
        return "cannot open the database file";
    default:
        return db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    }
}

static void db_err(const corpus_t *c, int rc, const char *what, char *err, size_t err_len)
{
    set_err(err, err_len, "%s: %s: %s", c->path, what, db_problem(c->db, rc));
}

static int exec_sql(corpus_t *c, const char *sql, char *err, size_t err_len)
{
    const int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        db_err(c, rc, sql, err, err_len);
        return -1;
    }
    return 0;
}

/* One integer from a one-row query; -1 on error. */
static int query_int(corpus_t *c, const char *sql, int64_t *out, char *err, size_t err_len)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_OK) {
        db_err(c, rc, sql, err, err_len);
        return -1;
    }
    return 0;
}

const char *corpus_path(const corpus_t *c)
{
    return c->path;
}

void corpus_close(corpus_t *c)
{
    if (!c)
        return;
    sqlite3_close(c->db);
    free(c->path);
    free(c);
}

/* Make the schema in an empty database; check it in any other. */
static int setup_schema(corpus_t *c, unsigned flags, char *err, size_t err_len)
{
    int64_t version, app, tables;
    if (query_int(c, "PRAGMA user_version", &version, err, err_len) != 0 ||
        query_int(c, "PRAGMA application_id", &app, err, err_len) != 0 ||
        query_int(c, "SELECT count(*) FROM sqlite_master", &tables, err, err_len) != 0)
        return -1;
    if (version == 0 && app == 0 && tables == 0) {
        if (!(flags & CORPUS_CREATE)) {
            set_err(err, err_len, "%s: an empty database, not a corpus (create one with "
                    "'fragtrace corpus init --db %s')", c->path, c->path);
            return -1;
        }
        char sql[sizeof schema + 200];
        snprintf(sql, sizeof sql, "BEGIN IMMEDIATE;\n%sPRAGMA application_id = %d;\n"
                 "PRAGMA user_version = %d;\nCOMMIT;", schema, CORPUS_APPLICATION_ID,
                 CORPUS_SCHEMA_VERSION);
        if (exec_sql(c, sql, err, err_len) != 0) {
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
        return 0;
    }
    if (app != CORPUS_APPLICATION_ID) {
        set_err(err, err_len, "%s: not a fragtrace corpus (SQLite application_id %" PRId64
                ", expected %d)", c->path, app, CORPUS_APPLICATION_ID);
        return -1;
    }
    if (version > CORPUS_SCHEMA_VERSION) {
        set_err(err, err_len, "%s: corpus schema version %" PRId64 " is newer than this "
                "fragtrace reads (%d); use a newer fragtrace", c->path, version,
                CORPUS_SCHEMA_VERSION);
        return -1;
    }
    if (version != CORPUS_SCHEMA_VERSION) {
        set_err(err, err_len, "%s: corpus schema version %" PRId64 " is not the version this "
                "fragtrace reads (%d); rebuild the corpus", c->path, version,
                CORPUS_SCHEMA_VERSION);
        return -1;
    }
    return 0;
}

int corpus_open(const char *path, unsigned flags, corpus_t **out, char *err, size_t err_len)
{
    *out = NULL;
    if (flags & CORPUS_CREATE)
        flags |= CORPUS_WRITE;
    struct stat sb;
    const int exists = stat(path, &sb) == 0;
    if (!exists && !(flags & CORPUS_CREATE)) {
        set_err(err, err_len, "%s: no such corpus (create one with 'fragtrace corpus init "
                "--db %s')", path, path);
        return -1;
    }
    if (exists && !S_ISREG(sb.st_mode)) {
        set_err(err, err_len, "%s: not a regular file", path);
        return -1;
    }
    /* A file without write permission stays unchanged even for root, who
       SQLite would otherwise let write it. */
    if (exists && (flags & CORPUS_WRITE) && (sb.st_mode & 0222) == 0) {
        set_err(err, err_len, "%s: database is read-only (file mode %03o); nothing written",
                path, (unsigned)(sb.st_mode & 0777));
        return -1;
    }
    corpus_t *c = calloc(1, sizeof *c);
    if (!c || !(c->path = strdup(path))) {
        free(c);
        set_err(err, err_len, "%s: out of memory", path);
        return -1;
    }
    const int oflags = (flags & CORPUS_CREATE) ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                     : (flags & CORPUS_WRITE) ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
    int rc = sqlite3_open_v2(path, &c->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        db_err(c, rc, "open", err, err_len);
        corpus_close(c);
        return -1;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, CORPUS_BUSY_MS);
    if (exec_sql(c, "PRAGMA foreign_keys = ON", err, err_len) != 0 ||
        setup_schema(c, flags, err, err_len) != 0) {
        corpus_close(c);
        return -1;
    }
    if (flags & CORPUS_WRITE) {
        /* WAL: readers go on reading the last commit while a writer adds. */
        sqlite3_stmt *st;
        rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                const char *mode = (const char *)sqlite3_column_text(st, 0);
                rc = mode && !strcmp(mode, "wal") ? SQLITE_OK : SQLITE_ERROR;
            }
            sqlite3_finalize(st);
        }
        if (rc != SQLITE_OK) {
            db_err(c, rc, "switching to WAL mode", err, err_len);
            corpus_close(c);
            return -1;
        }
        if (exec_sql(c, "PRAGMA synchronous = FULL", err, err_len) != 0) {
            corpus_close(c);
            return -1;
        }
    }
    *out = c;
    return 0;
}

/* Rows of a check pragma: the first is "ok" when all is well. */
static int check_pragma(corpus_t *c, const char *sql, const char *what, char *err,
                        size_t err_len)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        db_err(c, rc, what, err, err_len);
        return -1;
    }
    int bad = 0;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *first = (const char *)sqlite3_column_text(st, 0);
        if (!strcmp(sql, "PRAGMA foreign_key_check")) {
            set_err(err, err_len, "%s: %s failed: a row of table %s refers to a missing row",
                    c->path, what, first ? first : "?");
            bad = 1;
        } else if (!first || strcmp(first, "ok")) {
            /* one line: the first problem, without SQLite's "*** in database main ***"
               heading (integrity_check's first row may hold several lines) */
            const char *msg = first ? first : "?";
            if (!strncmp(msg, "*** ", 4) && strchr(msg, '\n'))
                msg = strchr(msg, '\n') + 1;
            set_err(err, err_len, "%s: %s failed: %.*s", c->path, what, (int)strcspn(msg, "\n"),
                    msg);
            bad = 1;
        }
    } else if (rc != SQLITE_DONE) {
        db_err(c, rc, what, err, err_len);
        bad = 1;
    }
    sqlite3_finalize(st);
    return bad ? -1 : 0;
}

int corpus_check(corpus_t *c, char *err, size_t err_len)
{
    if (check_pragma(c, "PRAGMA integrity_check", "integrity check", err, err_len) != 0 ||
        check_pragma(c, "PRAGMA foreign_key_check", "foreign key check", err, err_len) != 0)
        return -1;
    return 0;
}

int corpus_begin(corpus_t *c, char *err, size_t err_len)
{
    return exec_sql(c, "BEGIN IMMEDIATE", err, err_len);
}

int corpus_commit(corpus_t *c, char *err, size_t err_len)
{
    const int rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        db_err(c, rc, "commit", err, err_len);
        corpus_rollback(c);
        return -1;
    }
    return 0;
}

void corpus_rollback(corpus_t *c)
{
    if (!sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

int corpus_name_ok(const char *name)
{
    const size_t n = strlen(name);
    if (n == 0 || n > CORPUS_NAME_MAX || name[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        const char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '.'))
            return 0;
    }
    return 1;
}

/* ---- text forms of felts --------------------------------------------------- */

static void felts_text(const felt_t *v, size_t n, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%" PRIu64, i ? "," : "", v[i]);
}

/* Exactly n comma-separated canonical felts. */
static int felts_parse(const char *s, felt_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
            return -1;
        uint64_t x = 0;
        while (*s >= '0' && *s <= '9') {
            const unsigned d = (unsigned)(*s++ - '0');
            if (x > (UINT64_MAX - d) / 10)
                return -1;
            x = x * 10 + d;
        }
        if (x >= FELT_P)
            return -1;
        v[i] = x;
        if (i + 1 < n && *s++ != ',')
            return -1;
    }
    return *s ? -1 : 0;
}

/* ---- adding ---------------------------------------------------------------- */

typedef struct {
    corpus_t *c;
    sqlite3_stmt *st;
    const char *what;
    char *err;
    size_t err_len;
    int rc;
} stmt_t;

static int prep(stmt_t *s, corpus_t *c, const char *sql, const char *what, char *err,
                size_t err_len)
{
    s->c = c;
    s->what = what;
    s->err = err;
    s->err_len = err_len;
    s->rc = sqlite3_prepare_v2(c->db, sql, -1, &s->st, NULL);
    if (s->rc != SQLITE_OK) {
        db_err(c, s->rc, what, err, err_len);
        s->st = NULL;
        return -1;
    }
    return 0;
}

static void bind_text(stmt_t *s, int i, const char *t)
{
    if (s->rc != SQLITE_OK)
        return;
    s->rc = t ? sqlite3_bind_text(s->st, i, t, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s->st, i);
}

static void bind_blob(stmt_t *s, int i, const void *b, size_t n)
{
    if (s->rc != SQLITE_OK)
        return;
    s->rc = b ? sqlite3_bind_blob64(s->st, i, n ? b : "", n, SQLITE_TRANSIENT)
              : sqlite3_bind_null(s->st, i);
}

static void bind_int(stmt_t *s, int i, int64_t v)
{
    if (s->rc == SQLITE_OK)
        s->rc = sqlite3_bind_int64(s->st, i, v);
}

/* Step once: SQLITE_ROW or SQLITE_DONE, or -1 with err set. */
static int step(stmt_t *s)
{
    if (s->rc != SQLITE_OK) {
        db_err(s->c, s->rc, s->what, s->err, s->err_len);
        return -1;
    }
    const int rc = sqlite3_step(s->st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        db_err(s->c, rc, s->what, s->err, s->err_len);
        return -1;
    }
    return rc;
}

static void done(stmt_t *s)
{
    sqlite3_finalize(s->st);
    s->st = NULL;
}

static int same_bytes(const void *a, size_t an, const void *b, size_t bn)
{
    if (!a || !b)
        return !a && !b;
    return an == bn && (an == 0 || !memcmp(a, b, an));
}

static int same_text(const char *a, const char *b)
{
    return (!a || !b) ? !a && !b : !strcmp(a, b);
}

/* The id of k's program: an existing one of the same name, which must be the
 * same program, or a new row. */
static int program_id(corpus_t *c, const corpus_case_t *k, int64_t *id, char *err,
                      size_t err_len)
{
    char hash[200];
    felts_text(k->program_hash.v, 4, hash, sizeof hash);
    stmt_t s;
    if (prep(&s, c, "SELECT id, program_hash, text, masb, source, tags FROM programs "
             "WHERE name = ?", "looking up the program", err, err_len) != 0)
        return -1;
    bind_text(&s, 1, k->program);
    int rc = step(&s);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(s.st, 0);
        const int same =
            same_text((const char *)sqlite3_column_text(s.st, 1), hash) &&
            same_text((const char *)sqlite3_column_text(s.st, 2), k->text) &&
            same_bytes(sqlite3_column_blob(s.st, 3), (size_t)sqlite3_column_bytes(s.st, 3),
                       k->masb, k->masb_len) &&
            same_text((const char *)sqlite3_column_text(s.st, 4), k->source) &&
            same_text((const char *)sqlite3_column_text(s.st, 5), k->tags ? k->tags : "");
        done(&s);
        if (!same) {
            set_err(err, err_len, "%s: case %s: the corpus already has a different program "
                    "called %s (a program name names one program, tags included)", c->path,
                    k->name, k->program);
            return -1;
        }
        /* and the same libraries */
        if (prep(&s, c, "SELECT ordinal, mast FROM libraries WHERE program_id = ? ORDER BY "
                 "ordinal", "looking up the program's libraries", err, err_len) != 0)
            return -1;
        bind_int(&s, 1, *id);
        unsigned n = 0;
        int same_libs = 1;
        while ((rc = step(&s)) == SQLITE_ROW) {
            if (n >= k->n_libs ||
                !same_bytes(sqlite3_column_blob(s.st, 1), (size_t)sqlite3_column_bytes(s.st, 1),
                            k->libs[n], k->lib_len[n]))
                same_libs = 0;
            n++;
        }
        done(&s);
        if (rc < 0)
            return -1;
        if (!same_libs || n != k->n_libs) {
            set_err(err, err_len, "%s: case %s: the corpus already has program %s with other "
                    "host libraries", c->path, k->name, k->program);
            return -1;
        }
        return 0;
    }
    done(&s);
    if (rc < 0)
        return -1;
    if (prep(&s, c, "INSERT INTO programs(name, tags, program_hash, text, masb, source) "
             "VALUES (?, ?, ?, ?, ?, ?)", "adding the program", err, err_len) != 0)
        return -1;
    bind_text(&s, 1, k->program);
    bind_text(&s, 2, k->tags ? k->tags : "");
    bind_text(&s, 3, hash);
    bind_text(&s, 4, k->text);
    bind_blob(&s, 5, k->masb, k->masb_len);
    bind_text(&s, 6, k->source);
    rc = step(&s);
    done(&s);
    if (rc < 0)
        return -1;
    *id = sqlite3_last_insert_rowid(c->db);
    for (unsigned i = 0; i < k->n_libs; i++) {
        if (prep(&s, c, "INSERT INTO libraries(program_id, ordinal, mast) VALUES (?, ?, ?)",
                 "adding a host library", err, err_len) != 0)
            return -1;
        bind_int(&s, 1, *id);
        bind_int(&s, 2, i);
        bind_blob(&s, 3, k->libs[i], k->lib_len[i]);
        rc = step(&s);
        done(&s);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int inputs_id(corpus_t *c, const corpus_case_t *k, int64_t *id, char *err,
                     size_t err_len)
{
    stmt_t s;
    if (prep(&s, c, "SELECT id FROM inputs WHERE operand_stack = ? AND advice_stack = ? AND "
             "advice_map = ? AND merkle_store IS ?", "looking up the inputs", err, err_len) != 0)
        return -1;
    bind_text(&s, 1, k->operand_stack);
    bind_text(&s, 2, k->advice_stack);
    bind_text(&s, 3, k->advice_map);
    bind_text(&s, 4, k->merkle_store);
    int rc = step(&s);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(s.st, 0);
    done(&s);
    if (rc != SQLITE_DONE)
        return rc < 0 ? -1 : 0;
    if (prep(&s, c, "INSERT INTO inputs(operand_stack, advice_stack, advice_map, merkle_store) "
             "VALUES (?, ?, ?, ?)", "adding the inputs", err, err_len) != 0)
        return -1;
    bind_text(&s, 1, k->operand_stack);
    bind_text(&s, 2, k->advice_stack);
    bind_text(&s, 3, k->advice_map);
    bind_text(&s, 4, k->merkle_store);
    rc = step(&s);
    done(&s);
    if (rc < 0)
        return -1;
    *id = sqlite3_last_insert_rowid(c->db);
    return 0;
}

static int case_exists(corpus_t *c, const char *name, char *err, size_t err_len)
{
    stmt_t s;
    if (prep(&s, c, "SELECT 1 FROM cases WHERE name = ?", "looking up the case", err,
             err_len) != 0)
        return -1;
    bind_text(&s, 1, name);
    const int rc = step(&s);
    done(&s);
    return rc < 0 ? -1 : rc == SQLITE_ROW;
}

/* What a case must hold before it is written. */
static int case_problem(const corpus_case_t *k, char *buf, size_t len)
{
    if (!k->name || !corpus_name_ok(k->name))
        snprintf(buf, len, "case name '%s' is not 1 to %d characters of A-Z a-z 0-9 _ - . "
                 "(not starting with '.')", k->name ? k->name : "", CORPUS_NAME_MAX);
    else if (!k->program || !corpus_name_ok(k->program))
        snprintf(buf, len, "program name '%s' is not valid", k->program ? k->program : "");
    else if (k->fragment_size < 1 || k->fragment_size > (UINT64_C(1) << 32))
        snprintf(buf, len, "fragment size %" PRIu64 " is not from 1 to 2^32", k->fragment_size);
    else if (!k->text && !k->masb)
        snprintf(buf, len, "the program has neither text nor .masb");
    else if (k->n_libs > CORPUS_MAX_LIBS)
        snprintf(buf, len, "more than %d host libraries", CORPUS_MAX_LIBS);
    else if (!k->provenance || !k->provenance[0])
        snprintf(buf, len, "no provenance");
    else if (!k->operand_stack || !k->advice_stack || !k->advice_map)
        snprintf(buf, len, "inputs missing");
    else if (k->ok && (k->trace_rows < 64 || (k->trace_rows & (k->trace_rows - 1)) ||
                       strlen(k->trace_sha256) != 64))
        snprintf(buf, len, "expected trace rows %" PRIu64 " or hash '%s' invalid", k->trace_rows,
                 k->trace_sha256);
    else if (!k->ok && (!k->error_kind || !k->error_kind[0]))
        snprintf(buf, len, "an expected failure without an error kind");
    else if (k->trace && !k->ok)
        snprintf(buf, len, "a trace for a failing case");
    else if (k->ok && !k->contexts)
        snprintf(buf, len, "no fragment contexts (every case that runs keeps its contexts)");
    else
        return 0;
    return -1;
}

static int add_case(corpus_t *c, const corpus_case_t *k, char *err, size_t err_len)
{
    int64_t prog = 0, inp = 0;
    const int exists = case_exists(c, k->name, err, err_len);
    if (exists < 0)
        return -1;
    if (exists) {
        set_err(err, err_len, "%s: case %s is already in the corpus", c->path, k->name);
        return -1;
    }
    if (program_id(c, k, &prog, err, err_len) != 0 || inputs_id(c, k, &inp, err, err_len) != 0)
        return -1;
    char outputs[CORPUS_STACK_OUTPUTS * 21 + 1];
    felts_text(k->stack_outputs, CORPUS_STACK_OUTPUTS, outputs, sizeof outputs);
    stmt_t s;
    if (prep(&s, c, "INSERT INTO cases(name, program_id, inputs_id, fragment_size, provenance, "
             "outcome, stack_outputs, cycles, trace_rows, trace_sha256, error_kind, error_clk, "
             "trace_stored) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "adding the case",
             err, err_len) != 0)
        return -1;
    bind_text(&s, 1, k->name);
    bind_int(&s, 2, prog);
    bind_int(&s, 3, inp);
    bind_int(&s, 4, (int64_t)k->fragment_size);
    bind_text(&s, 5, k->provenance);
    bind_text(&s, 6, k->ok ? "ok" : "error");
    bind_text(&s, 7, k->ok ? outputs : NULL);
    if (k->ok) {
        bind_int(&s, 8, (int64_t)k->cycles);
        bind_int(&s, 9, (int64_t)k->trace_rows);
    }
    bind_text(&s, 10, k->ok ? k->trace_sha256 : NULL);
    bind_text(&s, 11, k->ok ? NULL : k->error_kind);
    if (!k->ok && k->has_error_clk)
        bind_int(&s, 12, (int64_t)k->error_clk);
    bind_int(&s, 13, k->trace != NULL);
    int rc = step(&s);
    done(&s);
    if (rc < 0)
        return -1;
    const int64_t id = sqlite3_last_insert_rowid(c->db);
    if (k->trace) {
        unsigned char *blob;
        size_t blob_len;
        char why[512];
        if (trace_blob_encode(k->trace, k->trace_rows, &blob, &blob_len, why, sizeof why) != 0) {
            set_err(err, err_len, "%s: case %s: %s", c->path, k->name, why);
            return -1;
        }
        if (prep(&s, c, "INSERT INTO traces(case_id, encoding, data) VALUES (?, ?, ?)",
                 "adding the expected trace", err, err_len) != 0) {
            free(blob);
            return -1;
        }
        bind_int(&s, 1, id);
        bind_text(&s, 2, TRACE_ENCODING);
        bind_blob(&s, 3, blob, blob_len);
        free(blob);
        rc = step(&s);
        done(&s);
        if (rc < 0)
            return -1;
    }
    if (k->contexts) {
        unsigned char *blob;
        size_t blob_len;
        char why[512];
        if (blob_compress(k->contexts, k->contexts_len, &blob, &blob_len, why, sizeof why) != 0) {
            set_err(err, err_len, "%s: case %s: fragment contexts: %s", c->path, k->name, why);
            return -1;
        }
        if (prep(&s, c, "INSERT INTO contexts(case_id, format_version, raw_bytes, data) "
                 "VALUES (?, ?, ?, ?)", "adding the fragment contexts", err, err_len) != 0) {
            free(blob);
            return -1;
        }
        bind_int(&s, 1, id);
        bind_int(&s, 2, CONTEXT_FILE_VERSION);
        bind_int(&s, 3, (int64_t)k->contexts_len);
        bind_blob(&s, 4, blob, blob_len);
        free(blob);
        rc = step(&s);
        done(&s);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int corpus_add_case(corpus_t *c, const corpus_case_t *k, char *err, size_t err_len)
{
    char why[512];
    if (case_problem(k, why, sizeof why) != 0) {
        set_err(err, err_len, "%s: case %s: %s", c->path,
                k->name && corpus_name_ok(k->name) ? k->name : "?", why);
        return -1;
    }
    const int own = sqlite3_get_autocommit(c->db);
    if (own && corpus_begin(c, err, err_len) != 0)
        return -1;
    if (add_case(c, k, err, err_len) != 0) {
        /* the statement's own error has been reported; the name goes first */
        if (!strstr(err, k->name)) {
            char tmp[1024];
            snprintf(tmp, sizeof tmp, "%s (case %s)", err, k->name);
            set_err(err, err_len, "%s", tmp);
        }
        if (own)
            corpus_rollback(c);
        return -1;
    }
    if (own && corpus_commit(c, err, err_len) != 0)
        return -1;
    return 0;
}

/* ---- reading ---------------------------------------------------------------- */

int corpus_case_names(corpus_t *c, char ***names, size_t *n, char *err, size_t err_len)
{
    *names = NULL;
    *n = 0;
    stmt_t s;
    if (prep(&s, c, "SELECT name FROM cases ORDER BY name", "listing the cases", err,
             err_len) != 0)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = step(&s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(*names, cap * sizeof **names);
            if (!grown)
                break;
            *names = grown;
        }
        const char *t = (const char *)sqlite3_column_text(s.st, 0);
        if (!t || !((*names)[*n] = strdup(t)))
            break;
        (*n)++;
    }
    done(&s);
    if (rc == SQLITE_ROW) {
        set_err(err, err_len, "%s: out of memory listing the cases", c->path);
        rc = -1;
    }
    if (rc < 0) {
        corpus_names_free(*names, *n);
        *names = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

void corpus_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static char *dup_col_text(sqlite3_stmt *st, int i, int *oom)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    if (!t)
        return NULL;
    char *d = strdup(t);
    if (!d)
        *oom = 1;
    return d;
}

static unsigned char *dup_col_blob(sqlite3_stmt *st, int i, size_t *len, int *oom)
{
    const void *b = sqlite3_column_blob(st, i);
    const size_t n = (size_t)sqlite3_column_bytes(st, i);
    *len = n;
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return NULL;
    unsigned char *d = malloc(n ? n : 1);
    if (!d) {
        *oom = 1;
        return NULL;
    }
    if (n)
        memcpy(d, b, n);
    return d;
}

void corpus_case_free(corpus_case_t *k)
{
    free(k->name);
    free(k->provenance);
    free(k->program);
    free(k->tags);
    free(k->text);
    free(k->masb);
    free(k->source);
    for (unsigned i = 0; i < k->n_libs && i < CORPUS_MAX_LIBS; i++)
        free(k->libs[i]);
    free(k->operand_stack);
    free(k->advice_stack);
    free(k->advice_map);
    free(k->merkle_store);
    free(k->error_kind);
    free(k->trace);
    free(k->contexts);
    memset(k, 0, sizeof *k);
}

static int is_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return 0;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int load_data(corpus_t *c, int64_t id, corpus_case_t *k, char *err, size_t err_len)
{
    stmt_t s;
    int rc;
    if (k->trace_stored) {
        if (prep(&s, c, "SELECT encoding, data FROM traces WHERE case_id = ?",
                 "reading the expected trace", err, err_len) != 0)
            return -1;
        bind_int(&s, 1, id);
        rc = step(&s);
        if (rc == SQLITE_DONE) {
            done(&s);
            set_err(err, err_len, "%s: case %s: the expected trace is missing from the corpus "
                    "(cases.trace_stored is 1, no row in traces)", c->path, k->name);
            return -1;
        }
        if (rc < 0) {
            done(&s);
            return -1;
        }
        const char *enc = (const char *)sqlite3_column_text(s.st, 0);
        char why[512];
        if (!enc || strcmp(enc, TRACE_ENCODING)) {
            set_err(err, err_len, "%s: case %s: expected trace in unknown encoding '%s'",
                    c->path, k->name, enc ? enc : "");
            done(&s);
            return -1;
        }
        rc = trace_blob_decode(sqlite3_column_blob(s.st, 1), (size_t)sqlite3_column_bytes(s.st, 1),
                               k->trace_rows, &k->trace, why, sizeof why);
        done(&s);
        if (rc != 0) {
            set_err(err, err_len, "%s: case %s: expected trace: %s", c->path, k->name, why);
            return -1;
        }
        char hex[65];
        trace_text_sha256(k->trace, k->trace_rows, hex);
        if (strcmp(hex, k->trace_sha256)) {
            set_err(err, err_len, "%s: case %s: the stored trace hashes to %s, not to the "
                    "case's trace_sha256 %s (corrupt corpus)", c->path, k->name, hex,
                    k->trace_sha256);
            return -1;
        }
    }
    if (prep(&s, c, "SELECT format_version, raw_bytes, data FROM contexts WHERE case_id = ?",
             "reading the fragment contexts", err, err_len) != 0)
        return -1;
    bind_int(&s, 1, id);
    rc = step(&s);
    if (rc == SQLITE_DONE && k->ok) {
        done(&s);
        set_err(err, err_len, "%s: case %s: its fragment contexts are missing from the corpus "
                "(no row in contexts)", c->path, k->name);
        return -1;
    }
    if (rc == SQLITE_ROW) {
        const int64_t version = sqlite3_column_int64(s.st, 0);
        const int64_t raw = sqlite3_column_int64(s.st, 1);
        char why[512];
        if (version != CONTEXT_FILE_VERSION) {
            set_err(err, err_len, "%s: case %s: fragment contexts of format version %" PRId64
                    ", this fragtrace reads %u", c->path, k->name, version,
                    CONTEXT_FILE_VERSION);
            done(&s);
            return -1;
        }
        if (raw < CONTEXT_HEADER_BYTES || (uint64_t)raw > CONTEXT_FILE_MAX_BYTES ||
            blob_decompress(sqlite3_column_blob(s.st, 2), (size_t)sqlite3_column_bytes(s.st, 2),
                            (size_t)raw, &k->contexts, &k->contexts_len, why, sizeof why) != 0 ||
            k->contexts_len != (size_t)raw) {
            if (raw < CONTEXT_HEADER_BYTES || (uint64_t)raw > CONTEXT_FILE_MAX_BYTES)
                snprintf(why, sizeof why, "size %" PRId64 " out of range", raw);
            else if (k->contexts)
                snprintf(why, sizeof why, "%zu bytes, %" PRId64 " recorded", k->contexts_len, raw);
            free(k->contexts);
            k->contexts = NULL;
            set_err(err, err_len, "%s: case %s: fragment contexts: %s", c->path, k->name, why);
            done(&s);
            return -1;
        }
    }
    done(&s);
    return rc < 0 ? -1 : 0;
}

int corpus_load_case(corpus_t *c, const char *name, int with_data, corpus_case_t *k, char *err,
                     size_t err_len)
{
    memset(k, 0, sizeof *k);
    stmt_t s;
    if (prep(&s, c, "SELECT c.id, c.fragment_size, c.provenance, p.name, p.tags, "
             "p.program_hash, p.text, p.masb, p.source, i.operand_stack, i.advice_stack, "
             "i.advice_map, i.merkle_store, c.outcome, c.stack_outputs, c.cycles, c.trace_rows, "
             "c.trace_sha256, c.error_kind, c.error_clk, c.trace_stored, p.id "
             "FROM cases c JOIN programs p ON p.id = c.program_id "
             "JOIN inputs i ON i.id = c.inputs_id WHERE c.name = ?", "reading the case", err,
             err_len) != 0)
        return -1;
    bind_text(&s, 1, name);
    int rc = step(&s);
    if (rc != SQLITE_ROW) {
        done(&s);
        return rc < 0 ? -1 : 1;
    }
    int oom = 0;
    sqlite3_stmt *st = s.st;
    const int64_t id = sqlite3_column_int64(st, 0);
    const int64_t prog = sqlite3_column_int64(st, 21);
    k->name = strdup(name);
    oom |= !k->name;
    const int64_t frag = sqlite3_column_int64(st, 1);
    k->provenance = dup_col_text(st, 2, &oom);
    k->program = dup_col_text(st, 3, &oom);
    k->tags = dup_col_text(st, 4, &oom);
    const char *hash = (const char *)sqlite3_column_text(st, 5);
    k->text = dup_col_text(st, 6, &oom);
    k->masb = dup_col_blob(st, 7, &k->masb_len, &oom);
    k->source = dup_col_text(st, 8, &oom);
    k->operand_stack = dup_col_text(st, 9, &oom);
    k->advice_stack = dup_col_text(st, 10, &oom);
    k->advice_map = dup_col_text(st, 11, &oom);
    k->merkle_store = dup_col_text(st, 12, &oom);
    const char *outcome = (const char *)sqlite3_column_text(st, 13);
    const char *outputs = (const char *)sqlite3_column_text(st, 14);
    const int64_t cycles = sqlite3_column_int64(st, 15);
    const int64_t rows = sqlite3_column_int64(st, 16);
    const char *sha = (const char *)sqlite3_column_text(st, 17);
    k->error_kind = dup_col_text(st, 18, &oom);
    k->has_error_clk = sqlite3_column_type(st, 19) != SQLITE_NULL;
    const int64_t clk = sqlite3_column_int64(st, 19);
    k->trace_stored = sqlite3_column_int64(st, 20) != 0;
    /* Values a damaged or hand-edited corpus could hold are refused here. */
    const char *bad = NULL;
    k->ok = outcome && !strcmp(outcome, "ok");
    if (oom)
        bad = "out of memory";
    else if (frag < 1 || frag > ((int64_t)1 << 32))
        bad = "fragment_size out of range";
    else if (!hash || felts_parse(hash, k->program_hash.v, 4) != 0)
        bad = "program_hash is not 4 field elements";
    else if (!k->provenance || !k->program || !k->tags || !k->operand_stack ||
             !k->advice_stack || !k->advice_map || (!k->text && !k->masb))
        bad = "a required field is NULL";
    else if (!outcome || (!k->ok && strcmp(outcome, "error")))
        bad = "outcome is neither ok nor error";
    else if (k->ok && (!outputs ||
                       felts_parse(outputs, k->stack_outputs, CORPUS_STACK_OUTPUTS) != 0))
        bad = "stack_outputs is not 16 field elements";
    else if (k->ok && (cycles < 0 || rows < 64 || rows > ((int64_t)1 << 32) ||
                       (rows & (rows - 1)) || !is_hex64(sha)))
        bad = "cycles, trace_rows or trace_sha256 invalid";
    else if (!k->ok && (!k->error_kind || clk < 0 || k->trace_stored))
        bad = "error kind or clk invalid";
    if (!bad) {
        k->fragment_size = (uint64_t)frag;
        if (k->ok) {
            k->cycles = (uint64_t)cycles;
            k->trace_rows = (uint64_t)rows;
            memcpy(k->trace_sha256, sha, 65);
        } else {
            k->error_clk = (uint64_t)clk;
        }
    }
    done(&s);
    if (bad) {
        set_err(err, err_len, "%s: case %s: %s", c->path, name, bad);
        corpus_case_free(k);
        return -1;
    }
    /* the program's host libraries */
    if (prep(&s, c, "SELECT ordinal, mast FROM libraries WHERE program_id = ? ORDER BY ordinal",
             "reading the host libraries", err, err_len) != 0) {
        corpus_case_free(k);
        return -1;
    }
    bind_int(&s, 1, prog);
    while ((rc = step(&s)) == SQLITE_ROW) {
        if (k->n_libs >= CORPUS_MAX_LIBS || sqlite3_column_int64(s.st, 0) != k->n_libs) {
            set_err(err, err_len, "%s: case %s: host libraries not numbered 0, 1, ... (at most "
                    "%d)", c->path, name, CORPUS_MAX_LIBS);
            rc = -1;
            break;
        }
        k->libs[k->n_libs] = dup_col_blob(s.st, 1, &k->lib_len[k->n_libs], &oom);
        if (oom || !k->libs[k->n_libs]) {
            set_err(err, err_len, "%s: case %s: out of memory", c->path, name);
            rc = -1;
            break;
        }
        k->n_libs++;
    }
    done(&s);
    if (rc < 0 || (with_data && load_data(c, id, k, err, err_len) != 0)) {
        corpus_case_free(k);
        return -1;
    }
    return 0;
}

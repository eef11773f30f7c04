/*
 * corpus.h - the SQLite corpus of programs, inputs, cases, expected traces
 * and fragment contexts (spec/corpus.md says the schema and what each
 * column holds).
 *
 * A corpus_t is one open connection. Every write runs in a transaction:
 * corpus_add_case opens its own unless the caller has one open
 * (corpus_begin / corpus_commit / corpus_rollback), so an import adds many
 * cases atomically. Errors are one line in err naming the database file and,
 * where there is one, the case.
 */
#ifndef FRAGTRACE_CORPUS_CORPUS_H
#define FRAGTRACE_CORPUS_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "field/felt.h"
#include "hash/rpo.h"

/* PRAGMA user_version of the schema this build reads and writes. */
#define CORPUS_SCHEMA_VERSION 1
/* Case and program names: 1..CORPUS_NAME_MAX of [A-Za-z0-9_.-], no leading '.'. */
#define CORPUS_NAME_MAX 64
#define CORPUS_MAX_LIBS 16
#define CORPUS_STACK_OUTPUTS 16

typedef struct corpus corpus_t;

/* corpus_open flags */
#define CORPUS_READ   0u
#define CORPUS_WRITE  1u   /* open for writing (the file must be writable) */
#define CORPUS_CREATE 2u   /* create the file and the schema when absent (implies WRITE) */

/* One case with everything it refers to. Strings are NUL-terminated and
 * owned by the case (corpus_case_free). */
typedef struct {
    /* the case */
    char *name;
    uint64_t fragment_size;      /* >= 1 */
    char *provenance;            /* "miden-vm v0.19.0" or "fragtrace VERSION" */

    /* the program */
    char *program;               /* program name */
    char *tags;                  /* comma-separated, "" for none */
    word_t program_hash;
    char *text;                  /* program text, or NULL */
    unsigned char *masb;         /* the program as a .masb, or NULL */
    size_t masb_len;
    char *source;                /* MASM source of an imported .masb, or NULL */
    unsigned n_libs;
    unsigned char *libs[CORPUS_MAX_LIBS];   /* host library forests (.mast bytes) */
    size_t lib_len[CORPUS_MAX_LIBS];

    /* the inputs, each a compact JSON text (spec/vectors-format.md):
     * an array of decimal strings, an array of decimal strings, an object
     * (0x key -> array of JSON integers, upstream's InputFile form; keys
     * sorted, no spaces: {"0x..":[1,2]}), and the Merkle store's entries
     * (io/merkle_inputs.h merkle_inputs_json), NULL when there are none */
    char *operand_stack;
    char *advice_stack;
    char *advice_map;
    char *merkle_store;

    /* the expected outcome */
    int ok;                      /* 1: runs; 0: fails */
    felt_t stack_outputs[CORPUS_STACK_OUTPUTS];   /* top first (ok) */
    uint64_t cycles;             /* core trace length (ok) */
    uint64_t trace_rows;         /* padded trace length (ok) */
    char trace_sha256[65];       /* lowercase hex of the canonical trace text (ok) */
    char *error_kind;            /* exec_error_kind_name (failed) */
    int has_error_clk;
    uint64_t error_clk;

    /* stored data, loaded by corpus_load_case(.., with_data = 1) */
    int trace_stored;            /* the expected trace is in the corpus */
    felt_t *trace;               /* column-major 72 x trace_rows, or NULL */
    unsigned char *contexts;     /* the context file (spec/fragment-context.md), or NULL */
    size_t contexts_len;
} corpus_case_t;

/* Open (or create) the corpus at path. Checks the schema version (an older
 * or newer one is refused), turns foreign keys on and, for writing, WAL
 * mode. 0, or -1 with err set. */
int corpus_open(const char *path, unsigned flags, corpus_t **out, char *err, size_t err_len);
void corpus_close(corpus_t *c);
const char *corpus_path(const corpus_t *c);

/* Run PRAGMA integrity_check and foreign_key_check; 0, or -1 naming the first
 * problem. */
int corpus_check(corpus_t *c, char *err, size_t err_len);

/* An explicit transaction around several writes. */
int corpus_begin(corpus_t *c, char *err, size_t err_len);
int corpus_commit(corpus_t *c, char *err, size_t err_len);
void corpus_rollback(corpus_t *c);

/* 1 if name is a valid case or program name. */
int corpus_name_ok(const char *name);

/* Add a case. Its program is reused when one of the same name exists with
 * the same hash, text, .masb and libraries (else an error: a name means
 * one program); a case of the same name is an error. trace (when non-NULL)
 * is stored compressed; contexts (when non-NULL) stored too. 0, or -1. */
int corpus_add_case(corpus_t *c, const corpus_case_t *k, char *err, size_t err_len);

/* The names of all cases, sorted (byte order); *names is an array of
 * *n strings, freed with corpus_names_free. */
int corpus_case_names(corpus_t *c, char ***names, size_t *n, char *err, size_t err_len);
void corpus_names_free(char **names, size_t n);

/* Load the case called name. with_data: also the stored trace (decoded and
 * checked against trace_sha256) and the contexts. 0; 1 if there is no such
 * case; -1 on an error (err names the case). */
int corpus_load_case(corpus_t *c, const char *name, int with_data, corpus_case_t *k, char *err,
                     size_t err_len);

void corpus_case_free(corpus_case_t *k);

#endif

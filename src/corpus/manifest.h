/*
 * manifest.h - reading and checking an exported vectors directory
 * (spec/vectors-format.md): DIR/manifest.json and the case folders it lists.
 *
 * Used by `fragtrace import` and meant for any other reader of exports
 * (`fragtrace conform DIR`). Reading is strict, because a manifest this
 * build does not fully understand was written by a newer fragtrace:
 *
 *   manifest_read        parse DIR/manifest.json and check every value in it
 *                        (no other file is opened);
 *   manifest_check_dir   DIR holds manifest.json, cases/ and in cases/ exactly
 *                        one folder per case;
 *   manifest_check_case  one case folder holds exactly the files the manifest
 *                        lists, each with its SHA-256, and they agree with the
 *                        manifest (program.txt, inputs.json, trace.csv);
 *                        optionally hands back the trace and the file bytes.
 *
 * Errors are one line in err naming the file, with LINE:COL for manifest.json
 * ("DIR/manifest.json:12:7: unknown key \"x\" in a case ...") or the case
 * folder's file ("DIR/cases/NAME/trace.csv: SHA-256 differs from the
 * manifest (truncated or changed)"). Every function returns 0, or -1 with
 * err set; nothing is written anywhere.
 */
#ifndef FRAGTRACE_CORPUS_MANIFEST_H
#define FRAGTRACE_CORPUS_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "corpus/corpus.h"
#include "field/felt.h"
#include "hash/rpo.h"
#include "io/json.h"

#define MANIFEST_FORMAT "fragtrace-vectors"
#define MANIFEST_FORMAT_VERSION 1
#define MANIFEST_FIELD_MODULUS "18446744069414584321"
/* Largest manifest.json read (bytes). */
#define MANIFEST_MAX_BYTES ((size_t)1 << 30)
/* A case has at most these files: program.txt, program.masb, source.masm,
 * inputs.json, trace.csv, contexts.ftctx and the libraries. */
#define MANIFEST_MAX_FILES (6 + CORPUS_MAX_LIBS)
#define MANIFEST_FILE_NAME_MAX 16

typedef struct {
    char name[MANIFEST_FILE_NAME_MAX];   /* within cases/NAME, e.g. "lib0.mast" */
    char sha256[65];                     /* lowercase hex */
} manifest_file_t;

/* One case of the manifest, checked. Strings are NUL-terminated, owned by
 * the manifest. */
typedef struct {
    int line, col;                /* where its object starts in manifest.json */
    char *name;                   /* valid (corpus_name_ok), unique in the manifest */
    char *program;                /* valid program name */
    char **tags;                  /* n_tags non-empty strings without ',' */
    size_t n_tags;
    char *provenance;             /* FRAGTRACE_VM_VERSION or "fragtrace VERSION" */
    word_t program_hash;
    char *program_text;           /* NULL when null (then no program.txt) */
    manifest_file_t files[MANIFEST_MAX_FILES];   /* in manifest order */
    size_t n_files;
    unsigned n_libs;              /* libraries: lib0.mast .. lib<n_libs-1>.mast, all in files */
    /* The inputs as the compact canonical JSON texts corpus_case_t holds:
     * ["1","2"] (at most 16), ["3"], {"0x<64 lowercase hex>":[4,5]} with the
     * keys sorted ("{}" when empty; the corpus keeps advice-map values as
     * JSON numbers, as upstream's InputFile does, where the export has
     * strings); merkle_store the compact form of io/merkle_inputs.h, NULL
     * for null or an empty list. */
    char *operand_stack, *advice_stack, *advice_map, *merkle_store;
    uint64_t fragment_size;       /* 1 .. 2^32 */
    int ok;                       /* expected.outcome: 1 "ok", 0 "error" */
    /* ok */
    felt_t stack_outputs[CORPUS_STACK_OUTPUTS];   /* top first */
    uint64_t cycles;
    uint64_t trace_rows;          /* a power of two, 64 .. 2^32 */
    char trace_sha256[65];        /* lowercase hex of the canonical trace text */
    int has_trace_file;           /* trace_file is "trace.csv" (then files lists it) */
    /* error */
    char *error_kind;             /* a name of exec_error_kind_name */
    int has_error_clk;
    uint64_t error_clk;
} manifest_case_t;

typedef struct {
    char *dir;                    /* DIR as given */
    char *path;                   /* DIR/manifest.json */
    char *generator;              /* e.g. "fragtrace 0.13.0" */
    manifest_case_t *cases;       /* in manifest order */
    size_t n_cases;
} manifest_t;

/* Read DIR/manifest.json into m and check it completely: strict JSON (no
 * duplicate keys); format "fragtrace-vectors" (else refused), format_version
 * 1 (a higher integer: "format_version 2 is newer than this fragtrace reads
 * (1)"); no unknown key in the top level, a case, its inputs or expected;
 * every key present with the right type and range; vm, field_modulus,
 * trace_width and columns as this build has them; case names valid and
 * unique; files, libraries, program_text and expected consistent with one
 * another. On error m is left empty (nothing to free). */
int manifest_read(const char *dir, manifest_t *m, char *err, size_t err_len);

/* The same from text already in memory; path is used in messages and dir
 * for the case folders. */
int manifest_parse(const char *dir, const char *path, const char *text, size_t len, manifest_t *m,
                   char *err, size_t err_len);

void manifest_free(manifest_t *m);

/* DIR holds nothing but manifest.json and cases/ (cases/ may be absent
 * when there are no cases), and cases/ exactly one folder per case. */
int manifest_check_dir(const manifest_t *m, char *err, size_t err_len);

/* What manifest_check_case can hand back: the files' bytes (NULL when the
 * case has no such file), and the trace column-major (value of row r,
 * column c at trace[c * trace_rows + r]). Free with manifest_data_free. */
typedef struct {
    unsigned char *masb;
    size_t masb_len;
    char *source;                 /* NUL-terminated */
    unsigned char *libs[CORPUS_MAX_LIBS];
    size_t lib_len[CORPUS_MAX_LIBS];
    unsigned char *contexts;
    size_t contexts_len;
    felt_t *trace;                /* TRACE_NUM_COLUMNS x trace_rows */
} manifest_data_t;

/* Check case i's folder DIR/cases/NAME: it holds exactly the files listed
 * (regular files), each hashes to its SHA-256, program.txt equals
 * program_text, inputs.json is a JSON object of the same canonical inputs,
 * and trace.csv (when listed) parses as 72 columns of trace_rows rows whose
 * canonical text hashes to trace_sha256. With data non-NULL, the files'
 * contents are returned there too (else they are only checked). */
int manifest_check_case(const manifest_t *m, size_t i, manifest_data_t *data, char *err,
                        size_t err_len);

void manifest_data_free(manifest_data_t *d);

/* Index of case file name in c->files, or -1. */
int manifest_find_file(const manifest_case_t *c, const char *name);

/* Canonicalise an inputs object of the export (parsed JSON, e.g. of
 * inputs.json): exactly the keys operand_stack, advice_stack, advice_map,
 * merkle_store, checked as spec/vectors-format.md says (field elements as
 * decimal strings everywhere; the merkle_store in upstream's InputFile
 * form, its trees built to check it), into the four compact corpus texts
 * of manifest_case_t (advice-map values as numbers). path
 * names the file in messages ("PATH:LINE:COL: ..."). 0, or -1 with err
 * set and nothing to free. */
int manifest_inputs_canon(const json_value_t *v, const char *path, char **operand_stack,
                          char **advice_stack, char **advice_map, char **merkle_store, char *err,
                          size_t err_len);

#endif

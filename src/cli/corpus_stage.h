/*
 * corpus_stage.h - adding programs to the corpus: run a program, compute or
 * take its expected outcome, record its fragment contexts, and stage one
 * case per fragment size in a transaction (cmd_corpus.c's add and
 * import-upstream).
 */
#ifndef FRAGTRACE_CLI_CORPUS_STAGE_H
#define FRAGTRACE_CLI_CORPUS_STAGE_H

#include <stdint.h>
#include <stdio.h>

#include "corpus/corpus.h"
#include "program_args.h"

#define CMD "corpus"
#define MAX_FRAGMENTS 16

/* Expected values another implementation computed (upstream's vectors);
 * fragtrace's own run is then only compared with them. */
typedef struct {
    const char *provenance;
    int has_hash;
    word_t hash;
    int has_outcome, ok;
    felt_t outputs[CORPUS_STACK_OUTPUTS];
    uint64_t cycles, rows;           /* cycles 0: take fragtrace's (upstream did not say) */
    char sha[65];                    /* "" with trace given: computed from it */
    const felt_t *trace;             /* column-major, rows rows, or NULL */
    const char *error_kind;
    int has_clk;
    uint64_t clk;
} expect_t;

/* One program to add, with the cases (one per fragment size) it makes. */
typedef struct {
    exec_args_t a;                   /* program, libraries, inputs */
    const char *case_base, *program, *tags, *source;
    uint64_t fragments[MAX_FRAGMENTS];
    unsigned n_frag;
    uint64_t store_rows;
    const expect_t *expect;          /* NULL: fragtrace computes the expectation */
} add_request_t;

/* Run q's program and stage its cases in c's open transaction; a line per
 * case goes to log. 0, or -1 after printing the error (the caller rolls
 * back). Where fragtrace's run differs from a given expectation, the
 * expectation is stored and a warning printed. */
int stage_cases(corpus_t *c, add_request_t *q, FILE *log);

/* Stage the n requests in one transaction on the corpus at db, then print
 * the log: all are added or none. 0, 1 (nothing added) or EXIT_USAGE. */
int add_all(const char *db, add_request_t *q, size_t n);

/* `corpus import-upstream` (cmd_corpus_upstream.c). */
int corpus_import_upstream(int argc, char **argv);

/* The file at path, or NULL after printing the error. */
char *read_bytes(const char *path, size_t *len);

#endif

/*
 * case_run.h - running one corpus case: its inputs as exec_args_t, its
 * stored program written to a private temporary folder, and the three
 * builds the corpus compares (sequential, parallel from a fresh recording,
 * parallel from the stored fragment contexts).
 */
#ifndef FRAGTRACE_CLI_CASE_RUN_H
#define FRAGTRACE_CLI_CASE_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "corpus/corpus.h"
#include "exec/vm.h"
#include "program_args.h"
#include "trace/trace.h"

/* A case's program and libraries written to a temporary folder. */
typedef struct {
    char dir[4096];
    char program[4200];
    char libs[CORPUS_MAX_LIBS][4200];
    unsigned n_libs;
} case_files_t;

int case_files_write(const corpus_case_t *k, case_files_t *cf, char *err, size_t err_len);
void case_files_remove(case_files_t *cf);

/* The inputs of k (its compact JSON texts) as exec_args_t fields: stack,
 * advice stack, advice map, Merkle store (its entries and the store they
 * build). 0, or -1 with err set (a damaged corpus). */
int case_inputs_to_args(const corpus_case_t *k, exec_args_t *a, char *err, size_t err_len);

/* The inputs in a (after program_open has read --stack, --advice-stack and
 * --inputs) as the corpus's compact JSON texts, stored into k. */
int case_inputs_from_args(const exec_args_t *a, corpus_case_t *k);

typedef enum {
    CASE_BUILD_SEQUENTIAL,
    CASE_BUILD_PARALLEL,       /* record contexts every fragment cycles, build in parallel */
    CASE_BUILD_FROM_CONTEXTS   /* parse the given context file, build in parallel */
} case_build_t;

typedef struct {
    int ok;                         /* the program ran to the end */
    int have_outputs;               /* outputs and cycles are known (not from contexts) */
    felt_t outputs[CORPUS_STACK_OUTPUTS];
    uint64_t cycles;
    main_trace_t trace;             /* when ok (trace.cols NULL otherwise) */
    exec_error_kind_t kind;         /* when !ok */
    uint64_t clk;
    char message[1024];
    unsigned char *contexts;        /* CASE_BUILD_PARALLEL with want_contexts: the context file */
    size_t contexts_len;
} case_result_t;

/* Prepare a VM from a (program_prepare) and build one way. Returns 0 when
 * the case ran (r->ok says whether the program succeeded), -1 when it could
 * not be run (program unreadable, contexts corrupt, out of memory: err). */
int case_build(const exec_args_t *a, case_build_t how, uint64_t fragment, unsigned threads,
               const unsigned char *contexts, size_t contexts_len, int want_contexts,
               case_result_t *r, char *err, size_t err_len);

void case_result_free(case_result_t *r);

/* The first cell where two traces differ, as "row R, column C (name):
 * expected X, got Y"; 0 when equal. */
int case_trace_diff(const felt_t *want, const felt_t *got, uint64_t len, char *buf, size_t n);

#endif

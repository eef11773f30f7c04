/*
 * program_args.h - what the commands that execute a program share: their
 * options (inputs, limits, fragment length, threads, output) and opening
 * the program with a prepared VM.
 */
#ifndef FRAGTRACE_CLI_PROGRAM_ARGS_H
#define FRAGTRACE_CLI_PROGRAM_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "exec/exec.h"
#include "exec/merkle_store.h"
#include "io/felt_list.h"
#include "mast/forest.h"

/* --lib FILE.mast may be given this many times. */
#define EXEC_MAX_LIBS 16

typedef struct {
    const char *file;
    const char *libs[EXEC_MAX_LIBS]; /* --lib: host library forests, in order */
    unsigned n_libs;
    felt_list_t stack, advice;
    const char *inputs;
    uint64_t max_cycles;
    int sequential;
    uint64_t fragment;
    unsigned threads;
    int all_fragments;
    const char *out;         /* -o as given ("-" is standard output); never "" */
    int binary;
    const char *from_contexts;
    int quiet;               /* --quiet: no progress line */
    const char *result;      /* trace --result: the outcome as JSON (cmd_exec.c); never "" */
    int has_inputs;          /* --stack, --advice-stack or --inputs was given */
    /* advice map from --inputs: one entry per word */
    word_t *map_keys;
    felt_list_t *map_values;
    size_t n_map;
    /* merkle_store from --inputs (io/merkle_inputs.h): its entries as
       given (n_merkle = 0 when absent, null or empty) and the inner nodes
       of their trees, built once (NULL when there are none) */
    merkle_data_t *merkle;
    size_t n_merkle;
    merkle_store_t *merkle_store;
} exec_args_t;

void exec_args_free(exec_args_t *a);

/* Load the program in a->file (program text or a .masb, told by its first
 * bytes; mast/load.h) and the libraries of a->libs, and prepare a VM with
 * a's inputs and the advice map the files carry; NULL after printing the
 * error. */
vm_t *program_prepare(const char *cmd, exec_args_t *a, mast_forest_t *f);

/* Release what program_prepare made. */
void program_release(vm_t *vm, mast_forest_t *f);

/* Parse the command's arguments and program and prepare the VM; NULL after
 * printing the error (a is then already freed). Each of run, trace, check,
 * contexts and bench accepts only its own options (program_args.c); for
 * another cmd, is_trace chooses between run's options and all of them. An
 * option that does not apply, an option given twice, contradicting options
 * and a value given both by an option and by the --inputs file are usage
 * errors. */
vm_t *program_open(const char *cmd, int argc, char **argv, int is_trace, exec_args_t *a,
                   mast_forest_t *f);

#endif

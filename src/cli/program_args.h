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
#include "io/felt_list.h"
#include "mast/forest.h"

typedef struct {
    const char *file;
    felt_list_t stack, advice;
    const char *inputs;
    uint64_t max_cycles;
    int sequential;
    uint64_t fragment;
    unsigned threads;
    int all_fragments;
    const char *out;
    int binary;
    const char *from_contexts;
    int has_inputs;          /* --stack, --advice-stack or --inputs was given */
    /* advice map from --inputs */
    word_t *map_keys;
    felt_list_t *map_values;
    size_t n_map;
} exec_args_t;

void exec_args_free(exec_args_t *a);

/* Parse the program in a->file and prepare a VM with a's inputs; NULL after
 * printing the error. */
vm_t *program_prepare(const char *cmd, exec_args_t *a, mast_forest_t *f);

/* Release what program_prepare made. */
void program_release(vm_t *vm, mast_forest_t *f);

/* Parse the command's arguments (is_trace: the trace/check/contexts/bench
 * options too) and program and prepare the VM; NULL after printing the
 * error (a is then already freed). */
vm_t *program_open(const char *cmd, int argc, char **argv, int is_trace, exec_args_t *a,
                   mast_forest_t *f);

#endif

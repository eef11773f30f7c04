/*
 * cmd_bench.c - `fragtrace bench FILE [inputs] [--fragment N]`: the speed
 * of each stage on one program, best of BENCH_RUNS runs each, measured in
 * one process:
 *
 *   fast executor        run with no trace                 cycles/s
 *   recording executor   run recording contexts every N    cycles/s
 *   sequential builder   run + rows + column-major trace   rows/s
 *   parallel builder     trace from the recorded contexts  rows/s (1 and 2 threads)
 *   write ceiling        plain stores over all columns (72 x trace rows) of a
 *                        fresh trace buffer (trace_cols_alloc), 1 and 2 threads: rows/s
 *
 * Rows are the trace length (a power of two >= the cycle count); the
 * parallel builder's share of the write ceiling is what the issue asks for.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "program_args.h"
#include "progress.h"
#include "trace/fragment.h"
#include "trace/trace.h"

#define BENCH_RUNS 5

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef enum { STAGE_FAST, STAGE_RECORD, STAGE_SEQUENTIAL, STAGE_PARALLEL } stage_t;

/* Time one stage once on a fresh VM; -1 on failure (message printed). */
static double time_stage(exec_args_t *a, stage_t stage, unsigned threads, uint64_t *cycles,
                         uint64_t *rows)
{
    mast_forest_t f;
    vm_t *vm = program_prepare("bench", a, &f);
    if (!vm)
        return -1;
    double t = -1, t0;
    fragment_set_t set;
    main_trace_t tr = { NULL, 0 };
    char err[512] = "";
    int rc;
    switch (stage) {
    case STAGE_FAST:
        t0 = now();
        rc = vm_run(vm, NULL);
        t = now() - t0;
        break;
    case STAGE_RECORD:
        t0 = now();
        rc = fragment_record(vm, a->fragment, &set);
        t = now() - t0;
        fragment_set_free(&set);
        break;
    case STAGE_SEQUENTIAL:
        t0 = now();
        rc = trace_build_sequential(vm, &tr);
        t = now() - t0;
        break;
    default:
        rc = fragment_record(vm, a->fragment, &set);
        if (rc == 0) {
            t0 = now();
            rc = fragment_build_trace(&f, a->file, &set, threads, &tr, err, sizeof err);
            t = now() - t0;
        }
        fragment_set_free(&set);
        break;
    }
    *cycles = vm->clk;
    if (tr.len)
        *rows = tr.len; /* the builder stages know the trace length */
    if (rc != 0) {
        char msg[1024];
        if (vm->err.kind != XERR_NONE)
            vm_format_error(vm, msg, sizeof msg);
        fprintf(stderr, "fragtrace: bench: %s\n", vm->err.kind != XERR_NONE ? msg : err);
        t = -1;
    }
    main_trace_free(&tr);
    program_release(vm, &f);
    return t;
}

typedef struct {
    unsigned char *p;
    size_t n;
} store_job_t;

static void *store_loop(void *arg)
{
    const store_job_t *j = arg;
    uint64_t *w = (uint64_t *)j->p;
    for (size_t i = 0; i < j->n / 8; i++)
        w[i] = i;
    return NULL;
}

/* Seconds to fill a fresh buffer for the core columns of a trace of len
 * rows (allocated as the builders allocate theirs) with `threads` threads. */
static double time_store(uint64_t len, unsigned threads)
{
    const size_t bytes = (size_t)len * TRACE_NUM_COLUMNS * sizeof(felt_t);
    felt_t *cols = trace_cols_alloc(len);
    unsigned char *buf = (unsigned char *)cols;
    if (!buf)
        return -1;
    pthread_t tid[2];
    store_job_t jobs[2];
    const size_t part = bytes / threads / 8 * 8;
    const double t0 = now();
    for (unsigned k = 0; k < threads; k++) {
        jobs[k].p = buf + k * part;
        jobs[k].n = k + 1 == threads ? bytes - k * part : part;
        if (threads == 1 || pthread_create(&tid[k], NULL, store_loop, &jobs[k]) != 0) {
            store_loop(&jobs[k]);
            tid[k] = 0;
        }
    }
    for (unsigned k = 0; k < threads; k++)
        if (tid[k])
            pthread_join(tid[k], NULL);
    const double t = now() - t0;
    /* Read one value back so the stores cannot be optimised away. */
    volatile uint64_t sink = ((uint64_t *)buf)[bytes / 16];
    (void)sink;
    trace_cols_free(cols, len);
    return t;
}

static double best(double a, double b)
{
    return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

int cmd_bench(int argc, char **argv)
{
    if (cli_help(argc, argv, "usage: fragtrace bench FILE [inputs] [--fragment N] [--quiet]\n"
                 "Measures, best of 5 runs each: the fast executor and the recording executor\n"
                 "(contexts every N cycles, default 4096) in cycles/s; the sequential builder and\n"
                 "the parallel builder (1 and 2 threads) in trace rows/s; and the machine's\n"
                 "write bandwidth as trace rows/s (stores over a fresh buffer of 72 columns\n"
                 "x trace rows), with the parallel builder's share of it. Each figure is printed\n"
                 "when measured; on a terminal a progress line shows on stderr (not with --quiet)."))
        return 0;
    exec_args_t a;
    mast_forest_t f;
    vm_t *vm = program_open("bench", argc, argv, 1, &a, &f);
    if (!vm)
        return EXIT_USAGE;
    program_release(vm, &f);
    static const char *const names[] = { "fast executor", "recording executor",
                                         "sequential builder", "parallel builder, 1 thread",
                                         "parallel builder, 2 threads" };
    double t[5];
    uint64_t cycles = 0, rows = 0;
    int status = 0;
    progress_t pg;
    progress_init(&pg, "bench", a.quiet);
    /* Each figure is printed (and flushed) as soon as it is measured: a
       long benchmark shows its results as it goes, also into a file. */
    printf("%s: fragment length %llu, best of %d runs\n", a.file, (unsigned long long)a.fragment,
           BENCH_RUNS);
    fflush(stdout);
    for (int s = 0; s < 5 && status == 0; s++) {
        t[s] = -1;
        for (int r = 0; r < BENCH_RUNS; r++) {
            progress_update(&pg, s, names[s], (uint64_t)r, BENCH_RUNS, "runs");
            const stage_t st = s < 3 ? (stage_t)s : STAGE_PARALLEL;
            const double x = time_stage(&a, st, s == 4 ? 2 : 1, &cycles, &rows);
            if (x < 0) {
                status = 1;
                break;
            }
            t[s] = best(t[s], x);
        }
        progress_clear(&pg);
        if (status != 0)
            break;
        if (s == 0)
            printf("  %llu cycles\n", (unsigned long long)cycles);
        if (s == 2)
            printf("  %llu trace rows\n", (unsigned long long)rows);
        const double per_s = (double)(s < 2 ? cycles : rows) / t[s];
        printf("  %-28s %9.4f s %10.2f M %s/s\n", names[s], t[s], per_s / 1e6,
               s < 2 ? "cycles" : "rows");
        fflush(stdout);
    }
    if (status == 0) {
        double w[2] = { -1, -1 };
        for (unsigned k = 0; k < 2; k++) {
            for (int r = 0; r < BENCH_RUNS; r++) {
                progress_update(&pg, 5 + (int)k, "write ceiling", (uint64_t)r, BENCH_RUNS, "runs");
                w[k] = best(w[k], time_store(rows, k + 1));
            }
            progress_clear(&pg);
            printf("  %-28s %9.4f s %10.2f M rows/s\n",
                   k ? "write ceiling, 2 threads" : "write ceiling, 1 thread", w[k],
                   (double)rows / w[k] / 1e6);
            fflush(stdout);
        }
        const double ceiling = (double)rows / (w[1] < w[0] ? w[1] : w[0]);
        printf("  parallel speed-up with 2 threads: %.2fx; parallel builder at %.0f%% of the "
               "write ceiling\n", t[3] / t[4], 100.0 * ((double)rows / t[4]) / ceiling);
    }
    exec_args_free(&a);
    return status;
}

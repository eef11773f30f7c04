/*
 * vector_cases.h - the cases of the two vector sets in
 * $FRAGTRACE_SHARED/vectors/ (shared_vectors.h): upstream's
 * miden-v0.19.0 (UPSTREAM_CASES) and oracle-v0.19.0/ops (ORACLE_CASES, of
 * which the pinned oracle_deferred are not run).
 *
 * vector_set_each runs each case of a set (vector_case_run: its program
 * with the chiplet requests collected, its trace.csv loaded) and hands it
 * to the test's callback; vector_compare compares a block of the trace the
 * test builds with the case's; vector_set_ok holds a set to its pinned
 * sizes and vector_set_check makes that a check.
 */
#ifndef FRAGTRACE_TESTS_VECTOR_CASES_H
#define FRAGTRACE_TESTS_VECTOR_CASES_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"
#include "shared_vectors.h"
#include "air/layout.h"
#include "chiplets/log.h"
#include "exec/exec.h"
#include "io/json.h"
#include "io/merkle_inputs.h"
#include "io/trace_csv.h"
#include "mast/parse.h"

typedef enum { VECTOR_UPSTREAM, VECTOR_ORACLE, VECTOR_SETS } vector_set_id_t;

/* One vector set, as vector_set_each found it. */
typedef struct {
    vector_set_id_t id;
    const char *name;   /* "upstream" or "oracle" */
    char dir[1024];
    int absent;         /* cases.json cannot be read */
    size_t found;       /* entries of cases.json */
    int deferred;       /* oracle cases in oracle_deferred, not run */
    int run;            /* cases run (the callback gets those that ran) */
} vector_set_t;

/* One case: its entry in cases.json and its name ("01".. upstream, the
 * operation for oracle cases); its files are in set->dir/case_NAME/. */
typedef struct {
    const vector_set_t *set;
    const json_value_t *meta;
    char name[128];
} vector_case_t;

/* A case run. */
typedef struct {
    mast_forest_t f;
    chiplet_counts_t counts;     /* what the requests added up to */
    chiplet_log_t log;           /* the requests by chiplet (CHIPLET_LOG_ALL) */
    request_list_t requests;     /* every request, in execution order */
    csv_trace_t want;            /* the case's trace.csv */
    felt_t *cols;                /* zeroed, for the test to build: want.rows x TRACE_NUM_COLUMNS,
                                    column-major (cell (row, col) at cols[col * rows + row]) */
} vector_run_t;

static inline int vector_run_sink(void *ctx, const chiplet_request_t *r)
{
    vector_run_t *run = ctx;
    return chiplet_log_sink(&run->log, r) == 0 && request_list_push(&run->requests, r) == 0 ? 0
                                                                                             : -1;
}

static inline void vector_run_free(vector_run_t *run)
{
    mast_forest_free(&run->f);
    chiplet_log_free(&run->log);
    free(run->requests.r);
    trace_csv_free(&run->want);
    free(run->cols);
    *run = (vector_run_t){ 0 };
}

/* The felts of meta[key], a JSON array (absent: none) into *out (free
 * it); -1 if malformed. */
static inline int vector_meta_felts(const json_value_t *meta, const char *key, felt_t **out,
                                    size_t *n)
{
    const json_value_t *l = json_get(meta, key);
    *n = 0;
    *out = NULL;
    if (!l)
        return 0;
    if (l->kind != JSON_ARRAY || !(*out = calloc(l->n + 1, sizeof **out)))
        return -1;
    for (size_t i = 0; i < l->n; i++)
        if (json_felt(l->items[i], &(*out)[i]) != 0)
            return -1;
    *n = l->n;
    return 0;
}

/* Run case c's program (meta "program", "stack_inputs", "advice_stack",
 * and the Merkle store of "inputs")
 * collecting its chiplet requests, load its trace.csv and allocate
 * run->cols. Returns 0, or -1 with a diagnostic; vector_run_free(run)
 * either way. */
static inline int vector_case_run(const vector_case_t *c, vector_run_t *run)
{
    char path[1300], err[2048];
    *run = (vector_run_t){ 0 };
    mast_forest_init(&run->f);
    chiplet_log_init(&run->log, CHIPLET_LOG_ALL);
    const json_value_t *prog = json_get(c->meta, "program");
    felt_t *stack = NULL, *advice = NULL;
    size_t n_stack, n_advice;
    vm_t *vm = NULL;
    int rc = -1;
    if (!prog || prog->kind != JSON_STRING ||
        vector_meta_felts(c->meta, "stack_inputs", &stack, &n_stack) != 0 ||
        vector_meta_felts(c->meta, "advice_stack", &advice, &n_advice) != 0) {
        tap_diag("%s: malformed meta", c->name);
        goto out;
    }
    snprintf(path, sizeof path, "%s/%s", c->set->dir, prog->text);
    if (mast_parse_file(path, &run->f, err, sizeof err) != 0) {
        tap_diag("%s: %s", c->name, err);
        goto out;
    }
    vm = malloc(sizeof *vm);
    if (!vm || vm_init(vm, &run->f, path, stack, (uint32_t)n_stack, advice, n_advice) != 0) {
        tap_diag("%s: cannot prepare the VM", c->name);
        free(vm);
        vm = NULL;
        goto out;
    }
    /* an .inputs file (upstream InputFile) carries the Merkle store */
    const json_value_t *inputs = json_get(c->meta, "inputs");
    if (inputs && inputs->kind == JSON_STRING) {
        snprintf(path, sizeof path, "%s/%s", c->set->dir, inputs->text);
        if (merkle_inputs_load_file(path, &vm->adv.store, err, sizeof err) != 0) {
            tap_diag("%s: %s", c->name, err);
            goto out;
        }
    }
    const vm_tracer_t tracer = { .ctx = run, .chiplet = vector_run_sink };
    if (vm_run(vm, &tracer) != 0) {
        vm_format_error(vm, err, sizeof err);
        tap_diag("%s: %s", c->name, err);
        goto out;
    }
    run->counts = vm->chiplets;
    snprintf(path, sizeof path, "%s/case_%s/trace.csv", c->set->dir, c->name);
    if (trace_csv_read(path, TRACE_NUM_COLUMNS, &run->want, err, sizeof err) != 0) {
        tap_diag("%s: %s", c->name, err);
        goto out;
    }
    if (!(run->cols = calloc(run->want.rows * TRACE_NUM_COLUMNS, sizeof *run->cols))) {
        tap_diag("%s: out of memory", c->name);
        goto out;
    }
    rc = 0;
out:
    if (vm)
        vm_free(vm);
    free(vm);
    free(stack);
    free(advice);
    return rc;
}

/* Checks one case whose run succeeded (vector_case_run); run is freed after. */
typedef void (*vector_case_fn)(const vector_case_t *c, vector_run_t *run, void *ctx);

/* Run every case of set id that is to run (s->run counts them) and call
 * fn(case, run, ctx) for those that ran. Returns 0, or -1 when the set is
 * absent: then the caller's `checks` checks of the set are made here, as
 * shared_vectors_absent. A malformed cases.json or a nameless oracle case
 * is reported and leaves the set incomplete (vector_set_ok fails). */
static inline int vector_set_each(vector_set_id_t id, vector_set_t *s, vector_case_fn fn,
                                  void *ctx, int checks)
{
    const int oracle = id == VECTOR_ORACLE;
    *s = (vector_set_t){ .id = id, .name = oracle ? "oracle" : "upstream" };
    snprintf(s->dir, sizeof s->dir, "%s/vectors/%s", shared_dir(),
             oracle ? "oracle-v0.19.0/ops" : "miden-v0.19.0");
    char path[1100], err[256];
    snprintf(path, sizeof path, "%s/cases.json", s->dir);
    size_t len;
    char *text = slurp_file(path, &len);
    if (!text) {
        s->absent = 1;
        for (int i = 0; i < checks; i++)
            shared_vectors_absent(s->dir);
        return -1;
    }
    json_value_t *cases = json_parse(text, len, err, sizeof err);
    free(text);
    if (!cases || cases->kind != JSON_ARRAY) {
        tap_diag("%s: %s", path, cases ? "not an array" : err);
        json_free(cases);
        return 0;
    }
    s->found = cases->n;
    for (size_t i = 0; i < cases->n; i++) {
        vector_case_t c = { .set = s, .meta = cases->items[i] };
        if (oracle) {
            const json_value_t *nm = json_get(c.meta, "case");
            if (!nm || nm->kind != JSON_STRING) {
                tap_diag("oracle case %zu has no name", i);
                continue;
            }
            if (oracle_deferred_index(nm->text) >= 0) {
                s->deferred++;
                continue;
            }
            snprintf(c.name, sizeof c.name, "%s", nm->text);
        } else {
            snprintf(c.name, sizeof c.name, "%02zu", i + 1);
        }
        s->run++;
        vector_run_t run;
        if (vector_case_run(&c, &run) == 0)
            fn(&c, &run, ctx);
        vector_run_free(&run);
    }
    json_free(cases);
    return 0;
}

/* The cases set s must run: UPSTREAM_CASES, or the oracle's undeferred. */
static inline int vector_set_expected(const vector_set_t *s)
{
    return s->id == VECTOR_ORACLE ? ORACLE_CASES - ORACLE_DEFERRED : UPSTREAM_CASES;
}

/* Did set s have its pinned sizes, run every case to run, and did passed
 * of them pass? */
static inline int vector_set_ok(const vector_set_t *s, int passed)
{
    const int oracle = s->id == VECTOR_ORACLE;
    return !s->absent && s->found == (size_t)(oracle ? ORACLE_CASES : UPSTREAM_CASES) &&
           s->deferred == (oracle ? ORACLE_DEFERRED : 0) && s->run == vector_set_expected(s) &&
           passed == s->run;
}

/* One check: vector_set_ok(s, passed), described as
 * "SET: PASSED/EXPECTED cases (N deferred): " then fmt. */
static inline void vector_set_check(const vector_set_t *s, int passed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void vector_set_check(const vector_set_t *s, int passed, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    tap_ok(vector_set_ok(s, passed), "%s: %d/%d cases (%d deferred): %s", s->name, passed,
           vector_set_expected(s), s->deferred, what);
}

/* Compare rows [row0, row1) x columns [col0, col1) of run->cols with the
 * vector's trace; 1 if equal, else 0 with the first difference printed. */
static inline int vector_compare(const vector_case_t *c, const vector_run_t *run,
                                 const char *what, uint64_t row0, uint64_t row1, int col0,
                                 int col1)
{
    const felt_t *cols = run->cols;
    const csv_trace_t *want = &run->want;
    const uint64_t len = want->rows;
    if (row1 > len) {
        tap_diag("%s: %s: rows [%" PRIu64 ", %" PRIu64 ") are past the vector's %" PRIu64,
                 c->name, what, row0, row1, len);
        return 0;
    }
    for (uint64_t row = row0; row < row1; row++)
        for (int col = col0; col < col1; col++) {
            const felt_t g = cols[(uint64_t)col * len + row];
            const felt_t w = want->cells[row * TRACE_NUM_COLUMNS + (uint64_t)col];
            if (g != w) {
                tap_diag("%s: %s: first difference at row %" PRIu64 ", column %d (%s): got %"
                         PRIu64 ", expected %" PRIu64, c->name, what, row, col,
                         trace_column_name(col), (uint64_t)g, (uint64_t)w);
                return 0;
            }
        }
    return 1;
}

#endif

/*
 * fragment.c - fragment contexts and the parallel builder (fragment.h).
 */
#include "fragment.h"
#include "util/grow.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/partition.h"
#include "trace/row_writer.h"

static void ctx_free(fragment_ctx_t *c)
{
    free(c->ovf);
    free(c->conts);
    free(c->blocks);
    replay_free(&c->replay);
}

void fragment_set_free(fragment_set_t *set)
{
    for (size_t i = 0; i < set->n; i++)
        ctx_free(&set->frags[i]);
    free(set->frags);
    set->frags = NULL;
    set->n = set->cap = 0;
}

static void *dup_array(const void *src, size_t n, size_t elem)
{
    void *d = malloc(n ? n * elem : 1);
    if (d && n)
        memcpy(d, src, n * elem);
    return d;
}

/* on_boundary: snapshot the state before row vm->clk. */
static int capture(void *arg, vm_t *vm)
{
    fragment_set_t *set = arg;
    if (grow_array((void **)&set->frags, &set->cap, set->n + 1, sizeof *set->frags, 16) != 0)
        return -1;
    fragment_ctx_t *c = &set->frags[set->n];
    memset(c, 0, sizeof *c);
    c->clk = vm->clk;
    c->ctx = vm->ctx;
    c->fn_hash = vm->fn_hash;
    memcpy(c->s, vm->stack.s, sizeof c->s);
    c->n_ovf = vm->stack.n_ovf;
    c->base = vm->stack.base;
    c->buf_top = vm->stack.buf_top;
    c->ovf = dup_array(vm->stack.ovf, vm->stack.n_ovf, sizeof *c->ovf);
    c->n_conts = vm->n_conts;
    c->conts = dup_array(vm->conts, vm->n_conts, sizeof *c->conts);
    c->n_blocks = vm->n_blocks;
    c->blocks = dup_array(vm->blocks, vm->n_blocks, sizeof *c->blocks);
    c->span = vm->span;
    c->hasher_addr = vm->hasher_addr;
    memcpy(c->last_h, vm->last_h, sizeof c->last_h);
    set->n++;
    if (!c->ovf || !c->conts || !c->blocks)
        return -1;
    /* From now on external values belong to this fragment. */
    vm->record = &c->replay;
    return 0;
}

int fragment_record(vm_t *vm, uint64_t fragment_len, fragment_set_t *set)
{
    memset(set, 0, sizeof *set);
    set->fragment_len = fragment_len;
    vm->fragment_len = fragment_len;
    vm->on_boundary = capture;
    vm->boundary_ctx = set;
    const int rc = vm_run(vm, NULL, NULL);
    vm->on_boundary = NULL;
    vm->record = NULL; /* it pointed into set->frags */
    return rc;
}

/* ------------------------------------------------------------------ */
/* Building                                                            */

typedef struct {
    felt_t *cols;
    uint64_t len;
} column_sink_t;

/* row_sink_fn: write a row straight into its place in the trace. */
static int column_sink(void *arg, const felt_t row[CORE_WIDTH])
{
    const column_sink_t *cs = arg;
    const uint64_t r = row[COL_CLK];
    if (r >= cs->len - 1)
        return -1;
    trace_write_row(cs->cols, cs->len, TRACE_WIDTH, r, row, CORE_WIDTH);
    return 0;
}

/* Load a fragment context into vm (initialised by vm_init for the same forest). */
static int load_context(vm_t *vm, const fragment_ctx_t *c, replay_t *replay)
{
    if (c->n_ovf > STACK_OVF_MAX || c->base > c->n_ovf || c->buf_top >= STACK_BUF_SIZE)
        return -1;
    vm->clk = c->clk;
    vm->ctx = c->ctx;
    vm->fn_hash = c->fn_hash;
    memcpy(vm->stack.s, c->s, sizeof c->s);
    memcpy(vm->stack.ovf, c->ovf, c->n_ovf * sizeof *c->ovf);
    vm->stack.n_ovf = c->n_ovf;
    vm->stack.base = c->base;
    vm->stack.buf_top = c->buf_top;
    if (grow_array((void **)&vm->conts, &vm->cap_conts, c->n_conts, sizeof *vm->conts, 64) != 0 ||
        grow_array((void **)&vm->blocks, &vm->cap_blocks, c->n_blocks, sizeof *vm->blocks, 64) != 0)
        return -1;
    memcpy(vm->conts, c->conts, c->n_conts * sizeof *c->conts);
    vm->n_conts = c->n_conts;
    memcpy(vm->blocks, c->blocks, c->n_blocks * sizeof *c->blocks);
    vm->n_blocks = c->n_blocks;
    vm->span = c->span;
    vm->hasher_addr = c->hasher_addr;
    memcpy(vm->last_h, c->last_h, sizeof vm->last_h);
    *replay = c->replay;
    replay->pos = 0;
    vm->replay = replay;
    vm->record = NULL;
    vm->on_boundary = NULL;
    vm->done = 0;
    memset(&vm->err, 0, sizeof vm->err);
    return 0;
}

typedef struct {
    const vm_t *recorder;
    const fragment_set_t *set;
    column_sink_t sink;
    size_t next;              /* next fragment to build */
    pthread_mutex_t lock;
    int failed;
    char err[512];
} build_job_t;

static void *build_worker(void *arg)
{
    build_job_t *job = arg;
    vm_t *vm = malloc(sizeof *vm);
    if (!vm || vm_init(vm, job->recorder->f, job->recorder->file, NULL, 0, NULL, 0) != 0) {
        pthread_mutex_lock(&job->lock);
        job->failed = 1;
        snprintf(job->err, sizeof job->err, "out of memory");
        pthread_mutex_unlock(&job->lock);
        free(vm);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&job->lock);
        const size_t k = job->next++;
        const int stop = job->failed || k >= job->set->n;
        pthread_mutex_unlock(&job->lock);
        if (stop)
            break;
        const fragment_ctx_t *c = &job->set->frags[k];
        replay_t replay;
        uint64_t start, end;
        int rc = fragment_rows(k, job->set->fragment_len, job->recorder->clk, &start, &end);
        if (rc == 0 && c->clk != start)
            rc = -1; /* the context is not the one for fragment k */
        if (rc == 0)
            rc = load_context(vm, c, &replay);
        if (rc == 0) {
            vm->stop_clk = end;
            rc = vm_run(vm, column_sink, &job->sink);
            if (rc == 0 && replay.pos != replay.n)
                rc = -1; /* a context must be used up exactly */
        }
        if (rc != 0) {
            pthread_mutex_lock(&job->lock);
            if (!job->failed) {
                job->failed = 1;
                char msg[400];
                vm_format_error(vm, msg, sizeof msg);
                snprintf(job->err, sizeof job->err, "fragment %zu (clk %llu): %s", k,
                         (unsigned long long)c->clk,
                         vm->err.kind != XERR_NONE ? msg : "context does not match the program");
            }
            pthread_mutex_unlock(&job->lock);
            break;
        }
    }
    vm->replay = NULL;
    vm_free(vm);
    free(vm);
    return NULL;
}

int fragment_build_trace(vm_t *vm, const fragment_set_t *set, unsigned threads,
                         main_trace_t *out, char *err, size_t err_len)
{
    out->cols = NULL;
    out->len = 0;
    const uint64_t len = vm_trace_length(vm);
    if (len > TRACE_MAX_LEN) {
        snprintf(err, err_len, "trace of %llu rows is too long", (unsigned long long)len);
        return -1;
    }
    felt_t *cols = calloc(len * TRACE_WIDTH, sizeof *cols);
    if (!cols) {
        snprintf(err, err_len, "out of memory for a trace of %llu rows", (unsigned long long)len);
        return -1;
    }
    build_job_t job;
    memset(&job, 0, sizeof job);
    job.recorder = vm;
    job.set = set;
    job.sink.cols = cols;
    job.sink.len = len;
    pthread_mutex_init(&job.lock, NULL);
    if (threads < 1)
        threads = 1;
    if (threads > 256)
        threads = 256;
    pthread_t tid[256];
    unsigned started = 0;
    for (unsigned t = 0; t < threads; t++)
        if (pthread_create(&tid[t], NULL, build_worker, &job) == 0)
            started++;
    if (started == 0)
        build_worker(&job);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    pthread_mutex_destroy(&job.lock);
    if (job.failed) {
        snprintf(err, err_len, "%s", job.err);
        free(cols);
        return -1;
    }
    trace_finish(vm, cols, len);
    out->cols = cols;
    out->len = len;
    return 0;
}

/*
 * fragment.c - fragment contexts and the parallel builder (fragment.h).
 */
#include "fragment.h"
#include "util/grow.h"

#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/user_ops.h"
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
    ctx_free(&set->end);
    free(set->frags);
    memset(set, 0, sizeof *set);
}

static void *dup_array(const void *src, size_t n, size_t elem)
{
    void *d = malloc(n ? n * elem : 1);
    if (d && n)
        memcpy(d, src, n * elem);
    return d;
}

/* Snapshot vm's state into c, keeping the overflow entries `rows` rows can
 * reach. Returns 0 or -1 (out of memory). */
static int snapshot(const vm_t *vm, uint64_t rows, fragment_ctx_t *c)
{
    memset(c, 0, sizeof *c);
    c->clk = vm->clk;
    c->ctx = vm->ctx;
    c->fn_hash = vm->fn_hash;
    memcpy(c->s, vm->stack.s, sizeof c->s);
    c->n_ovf = vm->stack.n_ovf;
    c->base = vm->stack.base;
    c->buf_top = vm->stack.buf_top;
    c->n_kept = fragment_window(c->n_ovf, rows);
    c->ovf = dup_array(vm->stack.ovf + (c->n_ovf - c->n_kept), c->n_kept, sizeof *c->ovf);
    c->n_conts = vm->n_conts;
    c->conts = dup_array(vm->conts, vm->n_conts, sizeof *c->conts);
    c->n_blocks = vm->n_blocks;
    c->blocks = dup_array(vm->blocks, vm->n_blocks, sizeof *c->blocks);
    c->span = vm->span;
    c->chiplets = vm->chiplets;
    /* h[0..4] of the previous row: only the end state needs them (HALT rows
       copy them), and only there does a fast run know them (the root's END). */
    if (rows == 0)
        memcpy(c->last_h, vm->last_h, sizeof c->last_h);
    return c->ovf && c->conts && c->blocks ? 0 : -1;
}

typedef struct {
    fragment_set_t *set;
    fragment_progress_fn progress;
    void *progress_ctx;
} recording_t;

/* The recording tracer's boundary: snapshot the state before row vm->clk. */
static int capture(void *arg, vm_t *vm)
{
    recording_t *rec = arg;
    fragment_set_t *set = rec->set;
    if (rec->progress)
        rec->progress(rec->progress_ctx, FRAGMENT_PHASE_RECORD, vm->clk, 0);
    if (grow_array((void **)&set->frags, &set->cap, set->n + 1, sizeof *set->frags, 16) != 0)
        return -1;
    fragment_ctx_t *c = &set->frags[set->n++];
    return snapshot(vm, set->fragment_len, c);
}

/* The recording tracer's external values: they belong to the fragment
 * recorded last (none precede the first boundary, at clk 0). */
static int keep_external(void *arg, felt_t v)
{
    const recording_t *rec = arg;
    return replay_append(&rec->set->frags[rec->set->n - 1].replay, v);
}

int fragment_record(vm_t *vm, uint64_t fragment_len, fragment_set_t *set)
{
    return fragment_record_progress(vm, fragment_len, set, NULL, NULL);
}

int fragment_record_progress(vm_t *vm, uint64_t fragment_len, fragment_set_t *set,
                             fragment_progress_fn progress, void *progress_ctx)
{
    memset(set, 0, sizeof *set);
    set->program_hash = mast_program_hash(vm->f);
    set->fragment_len = fragment_len;
    recording_t rec = { set, progress, progress_ctx };
    const vm_tracer_t tracer = { .ctx = &rec, .fragment_len = fragment_len, .boundary = capture,
                                 .external = keep_external };
    int rc = vm_run(vm, &tracer);
    if (rc == 0 && snapshot(vm, 0, &set->end) != 0) {
        vm_fail(vm, XERR_OUT_OF_MEMORY, 0, 0, "fragment",
                "out of memory recording the end state");
        rc = -1;
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */

static int felts_ok(const felt_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] >= FELT_P)
            return 0;
    return 1;
}

/* One context against the forest: NULL if it is usable, else what is wrong. */
static const char *ctx_problem(const mast_forest_t *f, const fragment_ctx_t *c, uint64_t window)
{
    if (c->ctx >= FELT_P || !felts_ok(c->fn_hash.v, 4) || !felts_ok(c->s, STACK_TOP) ||
        !felts_ok(c->last_h, 4) || c->chiplets.hasher_rows >= FELT_P - 1)
        return "a field element is out of range";
    if (c->n_ovf > STACK_OVF_MAX || c->base > c->n_ovf || c->buf_top < STACK_TOP ||
        c->buf_top >= STACK_BUF_SIZE)
        return "the overflow table's size, base or buffer index is out of range";
    if (c->n_kept != fragment_window(c->n_ovf, window))
        return "it does not hold the overflow entries the fragment can reach";
    for (uint32_t i = 0; i < c->n_kept; i++)
        if (c->ovf[i].value >= FELT_P || c->ovf[i].clk >= FELT_P)
            return "an overflow entry is out of range";
    for (size_t i = 0; i < c->n_conts; i++)
        if (c->conts[i].kind > K_RESPAN || c->conts[i].node >= f->n_nodes)
            return "a continuation names no node of the program";
    for (size_t i = 0; i < c->n_blocks; i++) {
        const block_entry_t *e = &c->blocks[i];
        if (e->node >= f->n_nodes || e->addr >= FELT_P || e->parent >= FELT_P ||
            e->saved_ctx >= FELT_P || !felts_ok(e->saved_fn_hash.v, 4) ||
            e->saved_base > c->n_ovf || e->is_loop_body > 1 || e->loop_entered > 1 ||
            e->is_call > 1 || e->is_syscall > 1)
            return "a block-stack entry is out of range";
    }
    if (c->chiplets.bitwise_ops > UINT32_MAX || c->chiplets.mem_accesses > UINT32_MAX ||
        c->chiplets.kernel_accesses > UINT32_MAX || c->chiplets.hasher_rows >= UINT32_MAX)
        return "a chiplet counter is out of range";
    if (c->span.node >= f->n_nodes || c->span.group_count >= FELT_P)
        return "the basic-block state is out of range";
    if (!felts_ok(c->replay.vals, c->replay.n))
        return "a replayed value is out of range";
    return NULL;
}

int fragment_set_validate(const mast_forest_t *f, const fragment_set_t *set, char *err,
                          size_t err_len)
{
    const word_t h = mast_program_hash(f);
    if (!word_eq(h, set->program_hash)) {
        char want[67], got[67];
        word_to_hex(h, want);
        word_to_hex(set->program_hash, got);
        snprintf(err, err_len, "the contexts belong to the program with hash %s, not %s", got,
                 want);
        return -1;
    }
    const uint64_t n = set->fragment_len, rows = set->end.clk;
    if (n < 1 || rows < 1 || rows > MAX_CYCLES_DEFAULT)
        snprintf(err, err_len, "fragment length %llu or program length %llu is out of range",
                 (unsigned long long)n, (unsigned long long)rows);
    else if (set->n != (rows - 1) / n + 1)
        snprintf(err, err_len, "%zu fragment contexts for %llu rows of %llu; expected %llu",
                 set->n, (unsigned long long)rows, (unsigned long long)n,
                 (unsigned long long)((rows - 1) / n + 1));
    else
        err[0] = '\0';
    if (err[0])
        return -1;
    for (size_t k = 0; k <= set->n; k++) {
        const fragment_ctx_t *c = k < set->n ? &set->frags[k] : &set->end;
        const char *why = ctx_problem(f, c, k < set->n ? n : 0);
        if (!why && k < set->n && c->clk != k * n)
            why = "its clk is not the fragment's first row";
        /* Fragment 0 starts where every run starts; only its stack is input. */
        if (!why && k == 0 && (c->ctx != 0 || c->n_ovf != 0 || c->n_conts != 1 ||
                               c->conts[0].kind != K_START || c->n_blocks != 0 ||
                               c->chiplets.hasher_rows || c->chiplets.bitwise_ops ||
                               c->chiplets.mem_accesses || c->chiplets.kernel_accesses))
            why = "it is not the state a run starts in";
        if (!why && k == set->n && (c->n_conts != 0 || c->replay.n != 0))
            why = "the end state still has work or values to replay";
        if (why) {
            if (k < set->n)
                snprintf(err, err_len, "fragment %zu (clk %llu): %s", k,
                         (unsigned long long)c->clk, why);
            else
                snprintf(err, err_len, "end state (clk %llu): %s", (unsigned long long)c->clk,
                         why);
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Building                                                            */

/* A worker's row sink: rows are collected column-major in a small tile and
 * written column by column (trace_write_column_run), only inside the
 * current fragment's rows [lo, hi). */
#define TILE_ROWS 64

typedef struct {
    felt_t *cols;
    uint64_t len;
    uint64_t lo, hi;          /* the fragment's rows */
    uint64_t first;           /* row of the tile's first entry */
    uint32_t n;               /* rows in the tile */
    felt_t tile[TRACE_CORE_WIDTH][TILE_ROWS];
} tile_sink_t;

static void tile_flush(tile_sink_t *ts)
{
    for (uint32_t c = 0; ts->n > 0 && c < TRACE_CORE_WIDTH; c++)
        trace_write_column_run(ts->cols, ts->len, TRACE_NUM_COLUMNS, c, ts->first, ts->n, ts->tile[c]);
    ts->n = 0;
}

/* row_sink_fn: the next row of the fragment, which must be the row after
 * the previous one and inside the fragment. */
static int tile_sink(void *arg, const felt_t row[TRACE_CORE_WIDTH])
{
    tile_sink_t *ts = arg;
    const uint64_t r = row[TRACE_COL_CLK];
    if (r < ts->lo || r >= ts->hi || r >= ts->len - 1 || (ts->n > 0 && r != ts->first + ts->n))
        return -1;
    if (ts->n == 0)
        ts->first = r;
    for (int c = 0; c < TRACE_CORE_WIDTH; c++)
        ts->tile[c][ts->n] = row[c];
    if (++ts->n == TILE_ROWS)
        tile_flush(ts);
    return 0;
}

/* Load a validated fragment context into vm (initialised by vm_init for the
 * same forest). Overflow entries below the kept window are never reached. */
static int load_context(vm_t *vm, const fragment_ctx_t *c, replay_t *replay)
{
    if (c->n_ovf > STACK_OVF_MAX || c->n_kept > c->n_ovf || c->base > c->n_ovf ||
        c->buf_top < STACK_TOP || c->buf_top >= STACK_BUF_SIZE)
        return -1;
    vm->clk = c->clk;
    vm->ctx = c->ctx;
    vm->fn_hash = c->fn_hash;
    memcpy(vm->stack.s, c->s, sizeof c->s);
    memcpy(vm->stack.ovf + (c->n_ovf - c->n_kept), c->ovf, c->n_kept * sizeof *c->ovf);
    vm->stack.n_ovf = c->n_ovf;
    vm->stack.base = c->base;
    vm->stack.buf_top = c->buf_top;
    if (grow_array((void **)&vm->conts, &vm->cap_conts, c->n_conts, sizeof *vm->conts, 64) != 0 ||
        grow_array((void **)&vm->blocks, &vm->cap_blocks, c->n_blocks, sizeof *vm->blocks, 64) != 0)
        return -1;
    if (c->n_conts)
        memcpy(vm->conts, c->conts, c->n_conts * sizeof *c->conts);
    vm->n_conts = c->n_conts;
    if (c->n_blocks)
        memcpy(vm->blocks, c->blocks, c->n_blocks * sizeof *c->blocks);
    vm->n_blocks = c->n_blocks;
    vm->span = c->span;
    vm->chiplets = c->chiplets;
    memcpy(vm->last_h, c->last_h, sizeof vm->last_h);
    *replay = c->replay;
    replay->pos = 0;
    vm->replay = replay;
    vm->done = 0;
    memset(&vm->err, 0, sizeof vm->err);
    return 0;
}

/* Where vm's state after a fragment differs from the next context, or
 * NULL. Overflow entries are compared where both are known: the next
 * context's window, above the entries the fragment itself was not given
 * (below `floor`). */
static const char *state_mismatch(const vm_t *vm, const fragment_ctx_t *c, int is_end,
                                  uint32_t floor)
{
    if (vm->clk != c->clk)
        return "clk";
    if (vm->ctx != c->ctx || !word_eq(vm->fn_hash, c->fn_hash))
        return "the system state (ctx, fn_hash)";
    if (memcmp(vm->stack.s, c->s, sizeof c->s) != 0)
        return "the top 16 stack elements";
    if (vm->stack.n_ovf != c->n_ovf || vm->stack.base != c->base ||
        vm->stack.buf_top != c->buf_top)
        return "the overflow table's size";
    for (uint32_t i = c->n_ovf - c->n_kept; i < c->n_ovf; i++) {
        const ovf_entry_t *a = &vm->stack.ovf[i], *b = &c->ovf[i - (c->n_ovf - c->n_kept)];
        if (i >= floor && (a->value != b->value || a->clk != b->clk))
            return "an overflow entry";
    }
    if (vm->n_conts != c->n_conts)
        return "the continuation stack";
    for (size_t i = 0; i < c->n_conts; i++) /* field by field: cont_t has padding */
        if (vm->conts[i].kind != c->conts[i].kind || vm->conts[i].node != c->conts[i].node)
            return "the continuation stack";
    if (vm->n_blocks != c->n_blocks)
        return "the block stack";
    for (size_t i = 0; i < c->n_blocks; i++) {
        const block_entry_t *a = &vm->blocks[i], *b = &c->blocks[i];
        if (a->node != b->node || a->addr != b->addr || a->parent != b->parent ||
            a->is_loop_body != b->is_loop_body || a->loop_entered != b->loop_entered ||
            a->is_call != b->is_call || a->is_syscall != b->is_syscall ||
            a->saved_ctx != b->saved_ctx || !word_eq(a->saved_fn_hash, b->saved_fn_hash) ||
            a->saved_base != b->saved_base)
            return "the block stack";
    }
    if (vm->span.node != c->span.node || vm->span.batch != c->span.batch ||
        vm->span.op != c->span.op || vm->span.group != c->span.group ||
        vm->span.group_count != c->span.group_count || vm->span.ops_left != c->span.ops_left)
        return "the basic-block state";
    if (vm->chiplets.hasher_rows != c->chiplets.hasher_rows ||
        vm->chiplets.bitwise_ops != c->chiplets.bitwise_ops ||
        vm->chiplets.mem_accesses != c->chiplets.mem_accesses ||
        vm->chiplets.kernel_accesses != c->chiplets.kernel_accesses)
        return "the chiplet counters";
    if (is_end && memcmp(vm->last_h, c->last_h, sizeof c->last_h) != 0)
        return "the last row's h";
    return NULL;
}

/* HALT rows are filled by the pool too, in chunks of this many rows. */
#define HALT_CHUNK (UINT64_C(1) << 16)

typedef struct {
    const mast_forest_t *f;
    const char *file;
    const fragment_set_t *set;
    struct {
        felt_t *cols;
        uint64_t len;
    } sink;                   /* the trace buffer */
    size_t next;              /* next job: fragments 0..n-1, then HALT chunks */
    size_t n_jobs;
    uint64_t halt_from;       /* the HALT rows [halt_from, len - 1) */
    felt_t halt[TRACE_CORE_WIDTH];  /* their columns (clk set per row) */
    pthread_mutex_t lock;
    pthread_cond_t worker_done; /* signalled as each worker leaves */
    unsigned running;           /* workers not finished yet */
    int failed;
    char err[512];
} build_job_t;

static void worker_leaves(build_job_t *job)
{
    pthread_mutex_lock(&job->lock);
    job->running--;
    pthread_cond_signal(&job->worker_done);
    pthread_mutex_unlock(&job->lock);
}

static void *build_worker(void *arg)
{
    build_job_t *job = arg;
    vm_t *vm = malloc(sizeof *vm);
    tile_sink_t *ts = malloc(sizeof *ts);
    if (!vm || !ts || vm_init(vm, job->f, job->file, NULL, 0, NULL, 0) != 0) {
        pthread_mutex_lock(&job->lock);
        job->failed = 1;
        snprintf(job->err, sizeof job->err, "out of memory starting a builder thread");
        pthread_mutex_unlock(&job->lock);
        free(vm);
        free(ts);
        worker_leaves(job);
        return NULL;
    }
    ts->cols = job->sink.cols;
    ts->len = job->sink.len;
    for (;;) {
        pthread_mutex_lock(&job->lock);
        const size_t k = job->next++;
        const int stop = job->failed || k >= job->n_jobs;
        pthread_mutex_unlock(&job->lock);
        if (stop)
            break;
        if (k >= job->set->n) { /* a chunk of HALT rows */
            const uint64_t from = job->halt_from + (k - job->set->n) * HALT_CHUNK;
            const uint64_t to = from + HALT_CHUNK < job->sink.len - 1 ? from + HALT_CHUNK
                                                                      : job->sink.len - 1;
            trace_fill_halt(job->sink.cols, job->sink.len, from, to, job->halt);
            continue;
        }
        const fragment_ctx_t *c = &job->set->frags[k];
        replay_t replay;
        uint64_t start, end;
        int rc = fragment_rows(k, job->set->fragment_len, job->set->end.clk, &start, &end);
        if (rc == 0 && c->clk != start)
            rc = -1; /* the context is not the one for fragment k */
        if (rc == 0)
            rc = load_context(vm, c, &replay);
        if (rc == 0) {
            vm->stop_clk = end;
            ts->lo = start;
            ts->hi = end;
            ts->n = 0;
            const vm_tracer_t tracer = { .ctx = ts, .row = tile_sink };
            rc = vm_run(vm, &tracer);
            tile_flush(ts);
            /* A context must give exactly its fragment's rows and use up
               its replay exactly. */
            if (rc == 0 && (vm->clk != end || replay.pos != replay.n))
                rc = -1;
        }
        const char *differs = NULL;
        if (rc == 0) {
            const fragment_ctx_t *next = k + 1 < job->set->n ? &job->set->frags[k + 1]
                                                              : &job->set->end;
            differs = state_mismatch(vm, next, k + 1 == job->set->n, c->n_ovf - c->n_kept);
            if (differs)
                rc = -1;
        }
        if (rc != 0) {
            pthread_mutex_lock(&job->lock);
            if (!job->failed) {
                job->failed = 1;
                char msg[400];
                vm_format_error(vm, msg, sizeof msg);
                if (differs)
                    snprintf(job->err, sizeof job->err, "fragment %zu (clk %llu) ends in a state "
                             "that differs from the next context in %s", k,
                             (unsigned long long)c->clk, differs);
                else
                    snprintf(job->err, sizeof job->err, "fragment %zu (clk %llu): %s", k,
                             (unsigned long long)c->clk,
                             vm->err.kind != XERR_NONE ? msg
                                                       : "context does not match the program");
            }
            pthread_mutex_unlock(&job->lock);
            break;
        }
    }
    vm->replay = NULL;
    vm_free(vm);
    free(vm);
    free(ts);
    worker_leaves(job);
    return NULL;
}

int fragment_build_trace(const mast_forest_t *f, const char *file, const fragment_set_t *set,
                         unsigned threads, main_trace_t *out, char *err, size_t err_len)
{
    return fragment_build_trace_progress(f, file, set, threads, out, err, err_len, NULL, NULL);
}

/* Wait for the workers, reporting progress every quarter second. */
static void wait_for_workers(build_job_t *job, fragment_progress_fn progress, void *progress_ctx)
{
    pthread_mutex_lock(&job->lock);
    while (job->running > 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 250000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&job->worker_done, &job->lock, &until);
        if (progress && job->running > 0) {
            const uint64_t n = job->set->n;
            const uint64_t taken = job->next < n ? job->next : n;
            pthread_mutex_unlock(&job->lock);
            progress(progress_ctx, FRAGMENT_PHASE_BUILD, taken, n);
            pthread_mutex_lock(&job->lock);
        }
    }
    pthread_mutex_unlock(&job->lock);
}

int fragment_build_trace_progress(const mast_forest_t *f, const char *file,
                                  const fragment_set_t *set, unsigned threads, main_trace_t *out,
                                  char *err, size_t err_len, fragment_progress_fn progress,
                                  void *progress_ctx)
{
    out->cols = NULL;
    out->len = 0;
    if (fragment_set_validate(f, set, err, err_len) != 0)
        return -1;
    /* The end state gives the trace length and the HALT rows. */
    vm_t *end_vm = malloc(sizeof *end_vm);
    replay_t no_replay;
    if (!end_vm || vm_init(end_vm, f, file, NULL, 0, NULL, 0) != 0) {
        if (end_vm)
            vm_free(end_vm);
        free(end_vm);
        snprintf(err, err_len, "out of memory for the end state");
        return -1;
    }
    if (load_context(end_vm, &set->end, &no_replay) != 0) {
        snprintf(err, err_len, "end state (clk %llu): it does not fit the VM (overflow table "
                 "or out of memory)", (unsigned long long)set->end.clk);
        vm_free(end_vm);
        free(end_vm);
        return -1;
    }
    end_vm->replay = NULL;
    const uint64_t len = vm_trace_length(end_vm);
    /* A row adds at most 32 chiplet rows (8 hasher rows per batch or
       permutation, 8 bitwise rows, a few memory accesses); a larger claim is
       a corrupted end state, refused before the trace is allocated. */
    const uint64_t rows = set->end.clk;
    felt_t *cols = NULL;
    if (len > TRACE_MAX_LEN || len / 2 > 32 * rows + 512)
        snprintf(err, err_len, "end state (clk %llu): a trace of %llu rows is too long for "
                 "the program", (unsigned long long)rows, (unsigned long long)len);
    else if (!(cols = trace_cols_alloc(len)))
        snprintf(err, err_len, "out of memory for a trace of %llu rows", (unsigned long long)len);
    if (!cols) {
        vm_free(end_vm);
        free(end_vm);
        return -1;
    }
    build_job_t job;
    memset(&job, 0, sizeof job);
    job.f = f;
    job.file = file;
    job.set = set;
    job.sink.cols = cols;
    job.sink.len = len;
    job.halt_from = rows < len - 1 ? rows : len - 1;
    vm_halt_row(end_vm, job.halt_from, job.halt);
    job.n_jobs = set->n + (len - 1 - job.halt_from + HALT_CHUNK - 1) / HALT_CHUNK;
    pthread_mutex_init(&job.lock, NULL);
    pthread_cond_init(&job.worker_done, NULL);
    if (threads < 1)
        threads = 1;
    if (threads > 256)
        threads = 256;
    pthread_t tid[256];
    unsigned started = 0;
    job.running = threads;
    for (unsigned t = 0; t < threads; t++)
        if (pthread_create(&tid[t], NULL, build_worker, &job) == 0)
            started++;
    pthread_mutex_lock(&job.lock);
    job.running -= threads - started; /* those that never started */
    pthread_mutex_unlock(&job.lock);
    if (started == 0) {
        job.running = 1;
        build_worker(&job);
    }
    wait_for_workers(&job, progress, progress_ctx);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    pthread_cond_destroy(&job.worker_done);
    pthread_mutex_destroy(&job.lock);
    if (job.failed) {
        snprintf(err, err_len, "%s", job.err);
        trace_cols_free(cols, len);
        vm_free(end_vm);
        free(end_vm);
        return -1;
    }
    trace_random_row(f, cols, len);
    vm_free(end_vm);
    free(end_vm);
    out->cols = cols;
    out->len = len;
    return 0;
}

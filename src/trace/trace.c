/*
 * trace.c - main-trace assembly and output (see trace.h).
 */
/* MAP_ANONYMOUS and MADV_HUGEPAGE are not POSIX. */
#define _DEFAULT_SOURCE 1
#include "trace.h"
#include "util/grow.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "field/felt_text.h"
#include "hash/rpo.h"
#include "trace/assembly.h"
#include "trace/row_writer.h"
#include "util/le.h"

void row_buffer_init(row_buffer_t *b)
{
    b->rows = NULL;
    b->n = 0;
    b->cap = 0;
}

void row_buffer_free(row_buffer_t *b)
{
    free(b->rows);
    row_buffer_init(b);
}

int row_buffer_sink(void *ctx, const felt_t row[TRACE_CORE_WIDTH], unsigned pending_inverses)
{
    (void)pending_inverses; /* its tracer does not defer inverses */
    row_buffer_t *b = ctx;
    if (grow_array((void **)&b->rows, &b->cap, b->n + 1, TRACE_CORE_WIDTH * sizeof *b->rows, 1024) != 0)
        return -1;
    memcpy(&b->rows[b->n * TRACE_CORE_WIDTH], row, TRACE_CORE_WIDTH * sizeof *row);
    b->n++;
    return 0;
}

/* Smaller buffers come from calloc: a mapping of its own only pays off
 * once huge pages can back it. */
#define TRACE_MAP_MIN ((size_t)8 << 20)

felt_t *trace_cols_alloc(uint64_t len)
{
    if (len == 0 || len > TRACE_MAX_LEN)
        return NULL;
    const size_t bytes = (size_t)len * TRACE_NUM_COLUMNS * sizeof(felt_t);
    if (bytes < TRACE_MAP_MIN)
        return calloc(bytes, 1);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint; without it, 4 KiB pages */
#endif
    return p;
}

void trace_cols_free(felt_t *cols, uint64_t len)
{
    const size_t bytes = (size_t)len * TRACE_NUM_COLUMNS * sizeof(felt_t);
    if (cols && bytes < TRACE_MAP_MIN)
        free(cols);
    else if (cols)
        munmap(cols, bytes);
}

void main_trace_free(main_trace_t *t)
{
    trace_cols_free(t->cols, t->len);
    t->cols = NULL;
    t->len = 0;
}

void trace_fill_halt(felt_t *cols, uint64_t len, uint64_t from, uint64_t to,
                     const felt_t halt[TRACE_CORE_WIDTH])
{
    /* Column by column: long runs of stores to one column. */
    for (int c = 0; c < TRACE_CORE_WIDTH; c++) {
        felt_t *col = cols + (uint64_t)c * len;
        if (c == TRACE_COL_CLK)
            for (uint64_t r = from; r < to; r++)
                col[r] = r;
        else
            for (uint64_t r = from; r < to; r++)
                col[r] = halt[c];
    }
}

void trace_random_row(const mast_forest_t *f, felt_t *cols, uint64_t len)
{
    /* One draw per column from a coin seeded with the program hash. */
    rpo_coin_t coin;
    rpo_coin_init(&coin, mast_program_hash(f));
    for (int c = 0; c < TRACE_NUM_COLUMNS; c++)
        cols[(uint64_t)c * len + len - 1] = rpo_coin_draw(&coin);
}

void trace_finish(vm_t *vm, felt_t *cols, uint64_t len)
{
    /* HALT rows from the end of the program (identical but for clk). */
    const uint64_t n = vm->clk < len - 1 ? vm->clk : len - 1;
    felt_t halt[TRACE_CORE_WIDTH];
    vm_halt_row(vm, n, halt);
    trace_fill_halt(cols, len, n, len - 1, halt);
    trace_random_row(vm->f, cols, len);
}

/* The sequential run's tracer: every row and every chiplet request. */
typedef struct {
    row_buffer_t rows;
    chiplet_log_t log;
} sequential_run_t;

static int sequential_row(void *ctx, const felt_t row[TRACE_CORE_WIDTH], unsigned pending)
{
    return row_buffer_sink(&((sequential_run_t *)ctx)->rows, row, pending);
}

static int sequential_chiplet(void *ctx, const chiplet_request_t *r)
{
    return chiplet_log_sink(&((sequential_run_t *)ctx)->log, r);
}

/* The range checker and every chiplet of the plan, one part after another. */
static int fill_chiplets(const trace_plan_t *plan, const mast_forest_t *f,
                         const chiplet_log_t *log, felt_t *cols, uint64_t len, char *err,
                         size_t err_len)
{
    if (trace_plan_fill_hasher_bitwise(plan, f, log, cols, len, err, err_len) != 0)
        return -1;
    const size_t tasks = trace_plan_tasks(plan);
    for (size_t t = 0; t < tasks; t++)
        if (trace_plan_run_task(plan, f, log, t, cols, len, err, err_len) != 0)
            return -1;
    return 0;
}

int trace_build_sequential(vm_t *vm, main_trace_t *out)
{
    sequential_run_t *run = calloc(1, sizeof *run);
    out->cols = NULL;
    out->len = 0;
    if (!run) {
        vm_fail(vm, XERR_OUT_OF_MEMORY, 0, 0, "trace", "out of memory starting the run");
        return -1;
    }
    row_buffer_init(&run->rows);
    chiplet_log_init(&run->log, CHIPLET_LOG_ALL);
    const vm_tracer_t tracer = { .ctx = run, .row = sequential_row, .chiplet = sequential_chiplet };
    trace_plan_t plan;
    char err[512];
    felt_t *cols = NULL;
    uint64_t len = 0;
    int rc = vm_run(vm, &tracer);
    if (rc == 0) {
        rc = trace_plan_make(vm->f, vm->clk, &vm->chiplets, &run->log, &plan, err, sizeof err);
        if (rc == TRACE_PLAN_TOO_LONG)
            vm_fail(vm, XERR_TRACE_TOO_LONG, 0, 0, "trace", "%s", err);
        else if (rc != 0)
            vm_fail(vm, XERR_OUT_OF_MEMORY, 0, 0, "trace", "%s", err);
    }
    if (rc == 0) {
        len = plan.len;
        if (!(cols = trace_cols_alloc(len))) {
            vm_fail(vm, XERR_OUT_OF_MEMORY, 0, 0, "trace", "out of memory for a trace of %llu "
                    "rows", (unsigned long long)len);
            trace_plan_free(&plan);
            rc = -1;
        }
    }
    if (rc != 0) {
        row_buffer_free(&run->rows);
        chiplet_log_free(&run->log);
        free(run);
        return -1;
    }
    row_buffer_t rows = run->rows;
    /* The program rows; if they fill all but the random row, no HALT row
       is visible (upstream allows it). */
    const uint64_t n = rows.n < len - 1 ? rows.n : len - 1;
    for (uint64_t r = 0; r < n; r++)
        trace_write_row(cols, len, TRACE_NUM_COLUMNS, r, &rows.rows[r * TRACE_CORE_WIDTH], TRACE_CORE_WIDTH);
    row_buffer_free(&rows);
    trace_finish(vm, cols, len);
    rc = fill_chiplets(&plan, vm->f, &run->log, cols, len, err, sizeof err);
    trace_plan_free(&plan);
    chiplet_log_free(&run->log);
    free(run);
    if (rc != 0) {
        /* The run's own requests: a failure here is a defect of fragtrace. */
        vm_fail(vm, XERR_CONTEXT, 0, 0, "trace", "building the chiplets: %s", err);
        trace_cols_free(cols, len);
        return -1;
    }
    out->cols = cols;
    out->len = len;
    return 0;
}

int main_trace_write_csv(const main_trace_t *t, FILE *f)
{
    char line[TRACE_NUM_COLUMNS * FELT_DEC_MAX + 8];
    for (uint64_t r = 0; r < t->len; r++) {
        size_t n = 0;
        for (int c = 0; c < TRACE_NUM_COLUMNS; c++) {
            n += felt_format_dec(t->cols[(uint64_t)c * t->len + r], line + n);
            line[n++] = c + 1 < TRACE_NUM_COLUMNS ? ',' : '\n';
        }
        if (fwrite(line, 1, n, f) != n)
            return -1;
    }
    return 0;
}

int main_trace_write_bin(const main_trace_t *t, FILE *f)
{
    /* Header: magic "FTTRACE\0", u32 version 1, u32 width, u64 length; then
       the cells row-major, each a little-endian u64. */
    unsigned char hdr[24];
    memcpy(hdr, "FTTRACE", 8);
    le_put32(hdr + 8, 1);
    le_put32(hdr + 12, TRACE_NUM_COLUMNS);
    le_put64(hdr + 16, t->len);
    if (fwrite(hdr, 1, sizeof hdr, f) != sizeof hdr)
        return -1;
    unsigned char row[TRACE_NUM_COLUMNS * 8];
    for (uint64_t r = 0; r < t->len; r++) {
        for (int c = 0; c < TRACE_NUM_COLUMNS; c++)
            le_put64(row + 8 * c, t->cols[(uint64_t)c * t->len + r]);
        if (fwrite(row, 1, sizeof row, f) != sizeof row)
            return -1;
    }
    return 0;
}

/*
 * t_tracer.c - the executor's tracer interface (exec/tracer.h): chiplet
 * requests are reported with what each chiplet needs, in execution order,
 * and the row counts (vm->chiplets) follow from them; the fast, recording
 * and row-mode runs count the same; external values are reported exactly
 * once each, in order.
 */
#include "tap.h"
#include "tmpdir.h"
#include "exec/exec.h"
#include "mast/parse.h"
#include "trace/fragment.h"

/* Requests collected by a tracer. */
typedef struct {
    chiplet_request_t *r;
    size_t n, cap;
    felt_t ext[256];
    size_t n_ext;
    uint64_t rows;
} collected_t;

static int on_chiplet(void *ctx, const chiplet_request_t *r)
{
    collected_t *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->r = realloc(c->r, c->cap * sizeof *c->r);
        if (!c->r)
            return -1;
    }
    c->r[c->n++] = *r;
    return 0;
}

static int on_external(void *ctx, felt_t v)
{
    collected_t *c = ctx;
    if (c->n_ext < 256)
        c->ext[c->n_ext] = v;
    c->n_ext++;
    return 0;
}

static int on_row(void *ctx, const felt_t row[TRACE_CORE_WIDTH], unsigned pending_inverses)
{
    (void)pending_inverses;
    (void)row;
    ((collected_t *)ctx)->rows++;
    return 0;
}

/* Run the program in path with stack inputs; with_rows: in row mode. */
static int run(const char *path, const felt_t *stack, uint32_t n_stack, const felt_t *advice,
               size_t n_advice, int with_rows, collected_t *c, chiplet_counts_t *counts)
{
    mast_forest_t f;
    char err[512];
    mast_forest_init(&f);
    if (mast_parse_file(path, &f, err, sizeof err) != 0) {
        tap_diag("%s", err);
        return -1;
    }
    vm_t *vm = malloc(sizeof *vm);
    int rc = vm && vm_init(vm, &f, path, stack, n_stack, advice, n_advice) == 0 ? 0 : -1;
    if (rc == 0) {
        const vm_tracer_t t = { .ctx = c, .row = with_rows ? on_row : NULL,
                                .external = on_external, .chiplet = on_chiplet };
        rc = vm_run(vm, c ? &t : NULL);
        if (rc != 0) {
            vm_format_error(vm, err, sizeof err);
            tap_diag("%s", err);
        }
        *counts = vm->chiplets;
    }
    if (vm)
        vm_free(vm);
    free(vm);
    mast_forest_free(&f);
    return rc;
}

static int counts_equal(const chiplet_counts_t *a, const chiplet_counts_t *b)
{
    return a->hasher_rows == b->hasher_rows && a->bitwise_ops == b->bitwise_ops &&
           a->mem_accesses == b->mem_accesses && a->kernel_accesses == b->kernel_accesses;
}

static const char program[] =
    "kernel.k basic_block push(1) drop end end\n"
    "begin join join\n"
    "  basic_block push(7) push(100) mstore push(100) mload add\n"
    "    push(12) push(10) u32and push(6) push(3) u32xor add add\n"
    "    push(5) push(4294967295) u32add drop drop\n"
    "    advpop add\n"
    "    pad pad pad pad pad pad pad pad pad pad pad pad hperm\n"
    "    drop drop drop drop drop drop drop drop drop drop drop drop drop\n"
    "  end\n"
    "  syscall.k end\n"
    "  basic_block push(1) push(2) push(3) push(4) push(40) mstorew push(40) mloadw\n"
    "    drop drop drop drop drop end\n"
    "end end\n";

int main(void)
{
    tap_plan(10);
    test_dir_t dir;
    test_dir_make(&dir);
    char path[600];
    test_dir_write(&dir, "p.masm", program, strlen(program), path, sizeof path);
    const felt_t advice[1] = { 42 };
    collected_t c = { 0 };
    chiplet_counts_t with_tracer, fast, rows_mode;
    int ok = run(path, NULL, 0, advice, 1, 0, &c, &with_tracer) == 0;
    tap_ok(ok, "the program runs with a chiplet tracer");

    /* Counts follow from the requests. */
    chiplet_counts_t sum = { 0 };
    uint64_t next_addr = 1, last_clk = 0;
    int ordered = 1, contiguous = 1;
    for (size_t i = 0; i < c.n; i++) {
        const chiplet_request_t *r = &c.r[i];
        ordered &= r->clk >= last_clk;
        last_clk = r->clk;
        switch (r->kind) {
        case CHIPLET_HASHER:
            contiguous &= r->hasher.addr == next_addr;
            next_addr += r->hasher.rows;
            sum.hasher_rows += r->hasher.rows;
            break;
        case CHIPLET_BITWISE: sum.bitwise_ops++; break;
        case CHIPLET_MEMORY: sum.mem_accesses++; break;
        case CHIPLET_KERNEL_ROM: sum.kernel_accesses++; break;
        default: break;
        }
    }
    tap_ok(ok && counts_equal(&sum, &with_tracer) && ordered && contiguous,
           "%zu requests: in clk order, hasher rows contiguous from 1, and they add up to the "
           "counts (hasher %llu, bitwise %llu, memory %llu, kernel %llu)", c.n,
           (unsigned long long)sum.hasher_rows, (unsigned long long)sum.bitwise_ops,
           (unsigned long long)sum.mem_accesses, (unsigned long long)sum.kernel_accesses);

    /* The same counts without a tracer (fast) and in row mode. */
    collected_t c_rows = { 0 };
    ok = run(path, NULL, 0, advice, 1, 0, NULL, &fast) == 0 &&
         run(path, NULL, 0, advice, 1, 1, &c_rows, &rows_mode) == 0;
    tap_ok(ok && counts_equal(&fast, &with_tracer) && counts_equal(&rows_mode, &with_tracer) &&
           c_rows.n == c.n && !memcmp(c_rows.r, c.r, c.n * sizeof *c.r),
           "fast, row-mode and traced runs count the same; row mode reports the same requests");

    /* Each kind carries what its chiplet needs. */
    int mem_ok = 0, bitwise_ok = 0, range_ok = 0, hperm_ok = 0, kernel_ok = 0, word_ok = 0;
    int blocks = 0;
    for (size_t i = 0; i < c.n; i++) {
        const chiplet_request_t *r = &c.r[i];
        if (r->kind == CHIPLET_MEMORY && r->memory.op == MEM_WRITE_ELEMENT && r->memory.addr == 100 &&
            r->memory.value[0] == 7 && r->memory.ctx == 0)
            mem_ok |= 1;
        if (r->kind == CHIPLET_MEMORY && r->memory.op == MEM_READ_ELEMENT && r->memory.addr == 100 &&
            r->memory.value[0] == 7)
            mem_ok |= 2;
        if (r->kind == CHIPLET_MEMORY && r->memory.op == MEM_WRITE_WORD && r->memory.addr == 40 &&
            r->memory.value[0] == 1 && r->memory.value[3] == 4)
            word_ok |= 1;
        if (r->kind == CHIPLET_MEMORY && r->memory.op == MEM_READ_WORD && r->memory.addr == 40 &&
            r->memory.value[0] == 1 && r->memory.value[3] == 4)
            word_ok |= 2;
        if (r->kind == CHIPLET_BITWISE && !r->bitwise.is_xor && r->bitwise.a == 12 &&
            r->bitwise.b == 10)
            bitwise_ok |= 1;
        if (r->kind == CHIPLET_BITWISE && r->bitwise.is_xor && r->bitwise.a == 6 && r->bitwise.b == 3)
            bitwise_ok |= 2;
        /* u32add of 5 and 2^32 - 1: sum 2^32 + 4, limbs 4, 0 | 1, 0 */
        if (r->kind == CHIPLET_RANGE && r->range.v[0] == 4 && r->range.v[1] == 0 &&
            r->range.v[2] == 1 && r->range.v[3] == 0)
            range_ok = 1;
        if (r->kind == CHIPLET_HASHER && r->hasher.purpose == HASH_PERMUTATION && r->hasher.rows == 8)
            hperm_ok = 1;
        if (r->kind == CHIPLET_KERNEL_ROM)
            kernel_ok = 1;
        if (r->kind == CHIPLET_HASHER && r->hasher.purpose != HASH_PERMUTATION)
            blocks++;
    }
    tap_ok(mem_ok == 3, "element store and load: address, value and context");
    tap_ok(word_ok == 3, "word store and load: address and the word, deepest element first");
    tap_ok(bitwise_ok == 3, "u32and and u32xor: their operands");
    tap_ok(range_ok, "u32add: the four 16-bit limbs of its result");
    tap_ok(hperm_ok && kernel_ok, "hperm: one 8-row permutation; syscall: a kernel-ROM access");
    /* The two joins, the syscall, the first, kernel and last basic blocks:
       one request each, the first block's two batches in one of 16 rows. */
    tap_ok(blocks == 6, "one hasher request per control and basic block (%d)", blocks);

    /* External values: the advice pop and the two element/word reads (1 + 1 + 4). */
    tap_ok(c.n_ext == 6 && c.ext[0] == 7 && c.ext[1] == 42,
           "external values reported once each, in order (%zu)", c.n_ext);

    free(c.r);
    free(c_rows.r);
    test_dir_remove(&dir);
    return tap_done();
}

/*
 * t_user_ops.c - operations at their edges (0, p-1, 2^32-1, carries,
 * borrows, overflow-table growth and shrink): stack effect and helper
 * registers of the operation's row, against values worked out by hand
 * from spec/operations.md.
 */
#include "tap.h"
#include "exec/exec.h"
#include "mast/parse.h"
#include "trace/trace.h"

#define P1 UINT64_C(18446744069414584320) /* p - 1 */
#define M32 UINT64_C(4294967295)          /* 2^32 - 1 */

typedef struct {
    const char *ops;         /* basic-block ops; the checked op is the last one */
    int n_in;
    uint64_t in[16];         /* stack inputs, last on top */
    int n_out;
    uint64_t out[16];        /* expected s0.. after the block, top first */
    uint64_t helpers[6];     /* expected helper registers of the last op's row */
} op_case_t;

static const op_case_t cases[] = {
    { "add", 2, { P1, 1 }, 1, { 0 }, { 0 } },
    { "add", 2, { P1, P1 }, 1, { P1 - 1 }, { 0 } },
    { "mul", 2, { P1, P1 }, 1, { 1 }, { 0 } },
    { "neg", 1, { 0 }, 1, { 0 }, { 0 } },
    { "neg", 1, { 1 }, 1, { P1 }, { 0 } },
    { "inv", 1, { P1 }, 1, { P1 }, { 0 } },
    { "incr", 1, { P1 }, 1, { 0 }, { 0 } },
    { "eq", 2, { P1, P1 }, 1, { 1 }, { 0 } },
    { "eq", 2, { 0, 1 }, 1, { 0 }, { 1 } },                     /* h0 = 1/(s0 - s1) = 1/1 */
    { "eqz", 1, { 0 }, 1, { 1 }, { 0 } },
    { "eqz", 1, { P1 }, 1, { 0 }, { P1 } },                    /* 1/(p-1) = p-1 */
    { "not", 1, { 0 }, 1, { 1 }, { 0 } },
    { "u32split", 1, { P1 }, 2, { M32, 0 }, { 0, 0, 0xFFFF, 0xFFFF, 0, 0 } },
    /* hi = 0: the helper is 1/(2^32 - 1) */
    { "u32split", 1, { M32 }, 2, { 0, M32 }, { 0xFFFF, 0xFFFF, 0, 0, UINT64_C(18446744065119617025), 0 } },
    { "u32add", 2, { M32, M32 }, 2, { 1, M32 - 1 }, { 0xFFFE, 0xFFFF, 1, 0, 0, 0 } },
    { "u32add3", 3, { M32, M32, M32 }, 2, { 2, M32 - 2 }, { 0xFFFD, 0xFFFF, 2, 0, 0, 0 } },
    { "u32sub", 2, { 0, 1 }, 2, { 1, M32 }, { 0xFFFF, 0xFFFF, 0, 0, 0, 0 } },
    { "u32sub", 2, { 5, 3 }, 2, { 0, 2 }, { 2, 0, 0, 0, 0, 0 } },
    /* (2^32-1)^2 = 0xFFFFFFFE_00000001: hi = 2^32-2, 1/(2^32-1-hi) = 1 */
    { "u32mul", 2, { M32, M32 }, 2, { M32 - 1, 1 }, { 1, 0, 0xFFFE, 0xFFFF, 1, 0 } },
    /* (2^32-1)^2 + (2^32-1) = 0xFFFFFFFF_00000000: hi = 2^32-1, inverse helper 0 */
    { "u32madd", 3, { M32, M32, M32 }, 2, { M32, 0 }, { 0, 0, 0xFFFF, 0xFFFF, 0, 0 } },
    /* n = 2^32-1, d = 2: q = 2^31-1, r = 1; limbs of n-q = 2^31 and d-r-1 = 0 */
    { "u32div", 2, { M32, 2 }, 2, { 1, 0x7FFFFFFF }, { 0, 0x8000, 0, 0, 0, 0 } },
    { "u32and", 2, { M32, 0x0F0F0F0F }, 1, { 0x0F0F0F0F }, { 0 } },
    { "u32xor", 2, { M32, 0x0F0F0F0F }, 1, { 0xF0F0F0F0 }, { 0 } },
    { "u32assert2(3)", 2, { M32, 0 }, 2, { 0, M32 }, { 0xFFFF, 0xFFFF, 0, 0, 0, 0 } },
    /* expacc [b, base, acc, e] with e = 5 (odd): factor = base */
    { "expacc", 4, { 5, 10, 3, 0 }, 4, { 1, 9, 30, 2 }, { 3 } },
    { "expacc", 4, { 4, 1, 3, 0 }, 4, { 0, 9, 1, 2 }, { 1 } },
    /* ext2mul: x * x = x - 2, i.e. (0 + 1x)(0 + 1x) = (-2) + 1x: [b1,b0,a1,a0] on top */
    { "ext2mul", 4, { 0, 1, 0, 1 }, 4, { 1, 0, 1, P1 - 1 }, { 0 } },
    { "cswap", 3, { 7, 8, 1 }, 2, { 7, 8 }, { 0 } },
    { "cswap", 3, { 7, 8, 0 }, 2, { 8, 7 }, { 0 } },
    /* 17 pushes then 17 drops: the overflow table grows past depth 16 and shrinks back */
    { "push(1) push(2) push(3) push(4) push(5) push(6) push(7) push(8) push(9) push(10) "
      "push(11) push(12) push(13) push(14) push(15) push(16) push(17) drop drop drop drop drop "
      "drop drop drop drop drop drop drop drop drop drop drop drop", 2, { 41, 42 }, 2, { 42, 41 },
      { 0 } },
    { "push(1) push(2) sdepth", 0, { 0 }, 3, { 18, 2, 1 }, { 0 } },
    /* frie2f4 at depth 17 with poe = 0: x = 0, so x^-1 = 0 (no error), ev = es = 0 and each
       fold is a plain average: q0 = 0 = prev (segment 0), q1 = 2, q2 = 4, q3 = 6 (c1 = 0);
       t0 = (q0 + q2)/2 = 2, t1 = (q1 + q3)/2 = 4, f = 3; layer_ptr p-1 + 8 = 7; s15' = 77 */
    { "pad frie2f4", 16, { 77, P1, 5, 3, 0, 0, 0, 0, 11, 0, 0, 2, 0, 4, 0, 6 },
      16, { 0, 2, 0, 4, 0, 0, 0, 1, 0, 1, 7, 0, 11, 0, 3, 77 }, { 0 } },
    /* horner_eval_base, alpha = 2 from mem[8..12) = [2, 0, 5, 6], acc = -1, s7 = s0 = 1:
       tmp = -1 * 2^4 + 2^3 = -8, acc' = -8 * 2^4 + 1 = -127. (The noops make exactly 8 op
       groups with the 5 immediates, so batching adds no padding NOOP after the checked op.) */
    { "push(2) push(0) push(5) push(6) push(8) mstorew drop drop drop drop "
      "noop noop noop noop noop noop noop noop horner_eval_base", 16,
      { P1, 0, 8, 25, 24, 23, 22, 21, 1, 0, 0, 0, 0, 0, 0, 1 },
      16, { 1, 0, 0, 0, 0, 0, 0, 1, 21, 22, 23, 24, 25, 8, 0, FELT_P - 127 },
      { 2, 0, 5, 6, FELT_P - 8, 0 } },
    /* horner_eval_ext, alpha = x = (0, 1) from mem[8..12) = [0, 1, 7, 9], acc = 0, C3 = 1:
       tmp = x, acc' = x^3 = -2 - x (x^2 = x - 2) */
    { "push(0) push(1) push(7) push(9) push(8) mstorew drop drop drop drop "
      "noop noop noop noop noop noop noop noop horner_eval_ext", 16,
      { 0, 0, 8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 },
      16, { 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 8, P1, P1 - 1 }, { 0, 1, 7, 9, 0, 1 } },
};
#define N_CASES (int)(sizeof cases / sizeof cases[0])

static int check(const op_case_t *c)
{
    char text[1024], err[256];
    snprintf(text, sizeof text, "begin basic_block %s end end", c->ops);
    mast_forest_t f;
    mast_forest_init(&f);
    if (mast_parse("t", text, strlen(text), &f, err, sizeof err) != 0) {
        tap_diag("%s", err);
        return 0;
    }
    vm_t *vm = malloc(sizeof *vm);
    felt_t in[16];
    for (int i = 0; i < c->n_in; i++)
        in[i] = c->in[i];
    vm_init(vm, &f, "t", in, (uint32_t)c->n_in, NULL, 0);
    row_buffer_t rows;
    row_buffer_init(&rows);
    /* Ops that grow the stack leave it deeper than 16, which ends the
       program with an error after all rows are produced: fine here. */
    const vm_tracer_t tracer = { .ctx = &rows, .row = row_buffer_sink };
    int ok = vm_run(vm, &tracer) == 0 || vm->err.kind == XERR_OUTPUT_STACK_OVERFLOW;
    if (!ok) {
        vm_format_error(vm, text, sizeof text);
        tap_diag("%s", text);
    }
    /* The checked op's row: the last in_span row; its effect shows on the next row. */
    uint64_t last = 0;
    for (uint64_t r = 0; ok && r < rows.n; r++)
        if (rows.rows[r * TRACE_CORE_WIDTH + TRACE_COL_IN_SPAN] == 1)
            last = r;
    for (int i = 0; ok && i < 6; i++) {
        const felt_t h = rows.rows[last * TRACE_CORE_WIDTH + TRACE_COL_HASHER_STATE + 2 + i];
        if (h != c->helpers[i]) {
            tap_diag("%s: helper %d = %" PRIu64 ", expected %" PRIu64, c->ops, i, h, c->helpers[i]);
            ok = 0;
        }
    }
    for (int i = 0; ok && i < c->n_out; i++) {
        const felt_t s = rows.rows[(last + 1) * TRACE_CORE_WIDTH + TRACE_COL_STACK_TOP + i];
        if (s != c->out[i]) {
            tap_diag("%s: s%d = %" PRIu64 ", expected %" PRIu64, c->ops, i, s, c->out[i]);
            ok = 0;
        }
    }
    row_buffer_free(&rows);
    vm_free(vm);
    free(vm);
    mast_forest_free(&f);
    return ok;
}

int main(void)
{
    tap_plan(N_CASES + 1);
    for (int i = 0; i < N_CASES; i++)
        tap_ok(check(&cases[i]), "%.60s (inputs %d)", cases[i].ops, cases[i].n_in);

    /* Overflow rows: b0 and b1 while the table grows. */
    const char *text = "begin basic_block push(1) push(2) drop drop end end";
    mast_forest_t f;
    char err[256];
    mast_forest_init(&f);
    mast_parse("t", text, strlen(text), &f, err, sizeof err);
    vm_t *vm = malloc(sizeof *vm);
    vm_init(vm, &f, "t", NULL, 0, NULL, 0);
    row_buffer_t rows;
    row_buffer_init(&rows);
    const vm_tracer_t tracer2 = { .ctx = &rows, .row = row_buffer_sink };
    vm_run(vm, &tracer2);
    /* rows: 0 SPAN, 1 push(1), 2 push(2), 3 drop, 4 drop, 5 END */
    const felt_t *r2 = &rows.rows[2 * TRACE_CORE_WIDTH], *r3 = &rows.rows[3 * TRACE_CORE_WIDTH];
    tap_ok(r2[TRACE_COL_STACK_B0] == 17 && r2[TRACE_COL_STACK_B1] == 1 && r2[TRACE_COL_STACK_H0] == 1 && r3[TRACE_COL_STACK_B0] == 18 &&
           r3[TRACE_COL_STACK_B1] == 2 && r3[TRACE_COL_STACK_H0] == (FELT_P + 1) / 2,
           "b0, b1 (clk of the push) and h0 = 1/(b0-16) as the table grows");
    row_buffer_free(&rows);
    vm_free(vm);
    free(vm);
    mast_forest_free(&f);
    return tap_done();
}

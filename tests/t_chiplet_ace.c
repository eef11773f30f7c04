/*
 * t_chiplet_ace.c - the ACE chiplet (chiplets/ace.h, spec/chiplet-ace.md)
 * on a circuit worked out by hand: the size checks and their order, the
 * wrapped size sum, instruction decoding, wires read before they exist,
 * the zero check, and every column of the rows (ids, values, operation
 * flags, multiplicities). The oracle case eval_circuit checks the rows
 * against the Rust VM (t_exec_vectors).
 */
#include "tap.h"
#include "run_cmd.h"
#include "tmpdir.h"
#include "air/layout.h"
#include "chiplets/ace.h"

#define P1 (FELT_P - 1)
#define LEN 8

static felt_t instr(uint64_t op, uint32_t l, uint32_t r)
{
    return (felt_t)l + ((felt_t)r << 30) + (op << 60);
}

static felt_t cols[TRACE_NUM_COLUMNS * LEN];

static felt_t cell(uint64_t row, int ace_col)
{
    return cols[(uint64_t)TRACE_COL_CHIPLET(4 + ace_col) * LEN + row];
}

int main(void)
{
    tap_plan(7);
    ace_eval_t ev;

    /* 1: the size checks, in upstream's order */
    int ok = ace_eval_start(&ev, 0, 0, 0, 3, 4) == ACE_NUM_VARS &&
             ace_eval_start(&ev, 0, 0, 0, 0, 0) == ACE_NUM_VARS &&
             ace_eval_start(&ev, 0, 0, 0, 2, 6) == ACE_NUM_EVALS &&
             ace_eval_start(&ev, 0, 0, 0, 2, 0) == ACE_NUM_EVALS &&
             ace_eval_start(&ev, 0, 0, 0, UINT64_C(1) << 30, 3) == ACE_TOO_MANY_WIRES &&
             ace_eval_start(&ev, 0, 0, 0, 2, (UINT64_C(1) << 30) - 2) == ACE_TOO_MANY_WIRES &&
             ace_eval_start(&ev, 0, 0, 0, 2, (UINT64_C(1) << 30) - 4) == ACE_OK;
    tap_ok(ok, "size checks: too many wires, then variables even and non-zero, then gates a "
           "non-zero multiple of 4");

    /* 2: p - 1 + 2^32 + 4 wraps to 4 (upstream's u64 sum); rows are the u32 parts: 0 READ
       rows, 4 EVAL rows; the first gate then finds no wire */
    ok = ace_eval_start(&ev, 0, 0, 0, P1, (UINT64_C(1) << 32) + 4) == ACE_OK && ev.n_read == 0 &&
         ev.n_eval == 4 && ace_eval_gate(&ev, instr(2, 3, 3)) == ACE_WIRE_READ;
    ace_eval_free(&ev);
    tap_ok(ok, "a wrapped size sum passes the checks with the u32 row counts, as upstream");

    /* 3: decoding and wire reads */
    const felt_t xy[4] = { 2, 0, 3, 0 };
    ok = ace_eval_start(&ev, 0, 0, 0, 2, 4) == ACE_OK && ace_eval_read(&ev, xy) == ACE_OK &&
         ace_eval_gate(&ev, instr(3, 5, 4)) == ACE_DECODE &&
         ace_eval_gate(&ev, (felt_t)15 << 60) == ACE_DECODE &&
         ace_eval_gate(&ev, instr(1, 5, 3)) == ACE_WIRE_READ &&   /* id 3: the gate itself */
         ace_eval_gate(&ev, instr(1, 6, 5)) == ACE_WIRE_READ;     /* beyond the wires */
    ace_eval_free(&ev);
    tap_ok(ok, "op 3 and above refused; a gate may read only wires already in");

    /* 4: x = 2 [5], y = 3 [4]; 3: x*y = 6, 2: x+x = 4, 1: g3-g2 = 2, 0: g1-g1 = 0 */
    ok = ace_eval_start(&ev, 7, 40, 100, 2, 4) == ACE_OK && ace_eval_read(&ev, xy) == ACE_OK &&
         ace_eval_gate(&ev, instr(1, 5, 4)) == ACE_OK && ace_eval_gate(&ev, instr(2, 5, 5)) == ACE_OK &&
         ace_eval_gate(&ev, instr(0, 3, 2)) == ACE_OK && !ace_eval_output_is_zero(&ev) &&
         ace_eval_gate(&ev, instr(0, 1, 1)) == ACE_OK && ace_eval_output_is_zero(&ev) &&
         ace_eval_rows(&ev) == 5;
    tap_ok(ok, "a 2-variable / 4-gate circuit evaluates to zero in 5 rows");

    /* 5: its rows at row 1 */
    ok = ok && ace_eval_fill(&ev, cols, LEN, 1) == 0;
    static const felt_t want[5][ACE_NUM_COLS] = {
        /* start block ctx ptr clk op id0 v00 v01 id1 v10 v11 id2 v20 v21 m0 */
        { 1, 0, 7, 100, 40, 0, 5, 2, 0, 4, 3, 0, 3, 0, 1, 3 },
        { 0, 1, 7, 104, 40, 0, 3, 6, 0, 5, 2, 0, 4, 3, 0, 1 },
        { 0, 1, 7, 105, 40, 1, 2, 4, 0, 5, 2, 0, 5, 2, 0, 1 },
        { 0, 1, 7, 106, 40, P1, 1, 2, 0, 3, 6, 0, 2, 4, 0, 2 },
        { 0, 1, 7, 107, 40, P1, 0, 0, 0, 1, 2, 0, 1, 2, 0, 0 },
    };
    for (int r = 0; ok && r < 5; r++) {
        for (int k = 0; k < 4; k++)
            if (cols[(uint64_t)TRACE_COL_CHIPLET(k) * LEN + 1 + r] != (k < 3)) {
                tap_diag("row %d: selector %d", r, k);
                ok = 0;
            }
        for (int k = 0; k < ACE_NUM_COLS; k++)
            if (cell(1 + (uint64_t)r, k) != want[r][k]) {
                tap_diag("row %d, ACE column %d: %llu, expected %llu", r, k,
                         (unsigned long long)cell(1 + (uint64_t)r, k),
                         (unsigned long long)want[r][k]);
                ok = 0;
            }
    }
    tap_ok(ok, "rows: selectors 1 1 1 0, READ then EVAL rows, ids, values, op flags -1/0/1, "
           "multiplicities (x read 3 times, g1 twice)");

    /* 6: the rows must end before the last (random) row; a copy fills the same */
    ace_eval_t copy;
    ok = ace_eval_fill(&ev, cols, LEN, 3) == -1 && ace_eval_fill(&ev, cols, LEN, 2) == 0 &&
         ace_eval_copy(&copy, &ev) == 0 && ace_eval_fill(&copy, cols, LEN, 1) == 0 &&
         cell(5, ACE_COL_M0) == 0 && cell(1, ACE_COL_M0) == 3;
    ace_eval_free(&copy);
    ace_eval_free(&ev);
    tap_ok(ok, "fill refuses rows reaching the last row; a copy fills the same rows");

    /* 7: many ACE and memory rows per program row (one circuit of 64 gates x - x written
       once, then evaluated 200 times in a row: 13,200 ACE rows from 413 program rows); the
       parallel builder's bound on the trace length must allow them */
    static char prog[8192];
    size_t n = (size_t)snprintf(prog, sizeof prog, "begin basic_block push(1) push(0) push(0) "
                                "push(0) push(0) mstorew drop drop drop drop\n");
    const felt_t g = instr(0, 65, 65);
    for (int a = 4; a < 68; a += 4)
        n += (size_t)snprintf(prog + n, sizeof prog - n, "push(%llu) push(%llu) push(%llu) "
                              "push(%llu) push(%d) mstorew drop drop drop drop\n",
                              (unsigned long long)g, (unsigned long long)g,
                              (unsigned long long)g, (unsigned long long)g, a);
    n += (size_t)snprintf(prog + n, sizeof prog - n, "push(64) push(2) push(0)");
    for (int i = 0; i < 200; i++)
        n += (size_t)snprintf(prog + n, sizeof prog - n, " eval_circuit");
    n += (size_t)snprintf(prog + n, sizeof prog - n, " drop drop drop end end\n");
    test_dir_t dir;
    test_dir_make(&dir);
    char path[600];
    test_dir_write(&dir, "many.masm", prog, n, path, sizeof path);
    const char *args[] = { "check", path, "--fragment", "64", NULL };
    run_result_t r = run_fragtrace(args);
    if (!tap_ok(r.status == 0 && strstr(r.out, "identical (32768 rows") != NULL,
                "200 evaluations in 200 cycles: the parallel build equals the sequential one"))
        tap_diag("status %d: %s%s", r.status, r.out, r.err);
    run_free(&r);
    test_dir_remove(&dir);
    return tap_done();
}

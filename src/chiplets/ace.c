/*
 * ace.c - circuit evaluations and the ACE chiplet's rows (ace.h,
 * spec/chiplet-ace.md).
 */
#include "chiplets/ace.h"

#include <stdlib.h>
#include <string.h>

#include "air/layout.h"
#include "util/grow.h"

ace_status_t ace_eval_start(ace_eval_t *ev, uint64_t ctx, uint64_t clk, felt_t ptr, felt_t n_vars,
                            felt_t n_evals)
{
    memset(ev, 0, sizeof *ev);
    /* Upstream adds the two as u64 (wrapping in a release build) before
       comparing with the largest id. */
    const uint64_t wires = n_vars + n_evals;
    if (wires > ACE_MAX_ID)
        return ACE_TOO_MANY_WIRES;
    if (n_vars % 2 != 0 || n_vars == 0)
        return ACE_NUM_VARS;
    if (n_evals % 4 != 0 || n_evals == 0)
        return ACE_NUM_EVALS;
    /* Rows: the counts as u32 (upstream's `as u32`); only a wrapped sum
       above can make them differ from n_vars / 2 and n_evals. Upstream
       asserts the wires fit (a panic); here that is too many wires. */
    const uint32_t n_read = (uint32_t)n_vars / 2, n_eval = (uint32_t)n_evals;
    if (2 * (uint64_t)n_read + n_eval > ACE_MAX_ID)
        return ACE_TOO_MANY_WIRES;
    ev->ctx = ctx;
    ev->clk = clk;
    ev->ptr = ptr;
    ev->n_read = n_read;
    ev->n_eval = n_eval;
    ev->n_wires = 2 * n_read + n_eval;
    return ACE_OK;
}

static ace_status_t insert(ace_eval_t *ev, ext2_t v)
{
    if (ev->n_in == ev->cap_wires) {
        /* val and mult grow together */
        const size_t cap = ev->cap_wires ? 2 * ev->cap_wires : 64;
        ext2_t *nv = realloc(ev->val, cap * sizeof *nv);
        if (!nv)
            return ACE_OUT_OF_MEMORY;
        ev->val = nv;
        uint32_t *nm = realloc(ev->mult, cap * sizeof *nm);
        if (!nm)
            return ACE_OUT_OF_MEMORY;
        ev->mult = nm;
        ev->cap_wires = cap;
    }
    ev->val[ev->n_in] = v;
    ev->mult[ev->n_in] = 0;
    ev->n_in++;
    return ACE_OK;
}

ace_status_t ace_eval_read(ace_eval_t *ev, const felt_t w[4])
{
    ace_status_t st = insert(ev, (ext2_t){ w[0], w[1] });
    if (st == ACE_OK)
        st = insert(ev, (ext2_t){ w[2], w[3] });
    return st;
}

/* The wire with id, counting the read; NULL if it is not in yet. */
static const ext2_t *wire_read(ace_eval_t *ev, uint32_t id)
{
    if (id >= ev->n_wires)
        return NULL;
    const uint32_t pos = ev->n_wires - 1 - id;
    if (pos >= ev->n_in)
        return NULL;
    ev->mult[pos]++;
    return &ev->val[pos];
}

static void decode(felt_t instruction, uint32_t *l, uint32_t *r, uint64_t *op)
{
    *l = (uint32_t)(instruction & ACE_MAX_ID);
    *r = (uint32_t)((instruction >> ACE_ID_BITS) & ACE_MAX_ID);
    *op = instruction >> (2 * ACE_ID_BITS);
}

ace_status_t ace_eval_gate(ace_eval_t *ev, felt_t instruction)
{
    uint32_t id_l, id_r;
    uint64_t op;
    decode(instruction, &id_l, &id_r, &op);
    if (op > 2)
        return ACE_DECODE;
    const ext2_t *pl = wire_read(ev, id_l);
    if (!pl)
        return ACE_WIRE_READ;
    const ext2_t l = *pl;
    const ext2_t *pr = wire_read(ev, id_r);
    if (!pr)
        return ACE_WIRE_READ;
    const ext2_t r = *pr;
    const ext2_t out = op == 0 ? ext2_sub(l, r) : op == 1 ? ext2_mul(l, r) : ext2_add(l, r);
    if (grow_array((void **)&ev->gate, &ev->cap_gates, (size_t)ev->n_gates + 1, sizeof *ev->gate,
                   64) != 0)
        return ACE_OUT_OF_MEMORY;
    ev->gate[ev->n_gates++] = instruction;
    return insert(ev, out);
}

int ace_eval_output_is_zero(const ace_eval_t *ev)
{
    return ev->n_in == ev->n_wires && ev->n_in > 0 && ev->val[ev->n_in - 1].c0 == 0 &&
           ev->val[ev->n_in - 1].c1 == 0;
}

int ace_eval_fill(const ace_eval_t *ev, felt_t *cols, uint64_t len, uint64_t row0)
{
    const uint64_t rows = ace_eval_rows(ev);
    if (ev->n_in != ev->n_wires || ev->n_gates != ev->n_eval || len < 1 || row0 > len - 1 ||
        rows > len - 1 - row0)
        return -1;
    felt_t *col[TRACE_CHIPLETS_WIDTH];
    for (int k = 0; k < TRACE_CHIPLETS_WIDTH; k++)
        col[k] = cols + (uint64_t)TRACE_COL_CHIPLET(k) * len;
    felt_t **ace = col + 4; /* after the selectors 1 1 1 0 */
    for (uint64_t i = 0; i < rows; i++) {
        const uint64_t row = row0 + i;
        col[0][row] = col[1][row] = col[2][row] = 1;
        col[3][row] = 0;
        for (int k = 0; k < ACE_NUM_COLS; k++)
            ace[k][row] = 0;
        ace[ACE_COL_S_START][row] = i == 0;
        ace[ACE_COL_CTX][row] = ev->ctx;
        ace[ACE_COL_CLK][row] = ev->clk;
        if (i < ev->n_read) {
            const uint32_t p = 2 * (uint32_t)i;
            ace[ACE_COL_S_BLOCK][row] = 0;
            ace[ACE_COL_PTR][row] = felt_add(ev->ptr, felt_mul(4, i));
            ace[ACE_COL_ID0][row] = ev->n_wires - 1 - p;
            ace[ACE_COL_V00][row] = ev->val[p].c0;
            ace[ACE_COL_V01][row] = ev->val[p].c1;
            ace[ACE_COL_ID1][row] = ev->n_wires - 2 - p;
            ace[ACE_COL_V10][row] = ev->val[p + 1].c0;
            ace[ACE_COL_V11][row] = ev->val[p + 1].c1;
            ace[ACE_COL_ID2][row] = ev->n_eval - 1;
            ace[ACE_COL_V21][row] = ev->mult[p + 1];
            ace[ACE_COL_M0][row] = ev->mult[p];
        } else {
            const uint32_t j = (uint32_t)(i - ev->n_read);
            const uint32_t p = 2 * ev->n_read + j;
            uint32_t id_l, id_r;
            uint64_t op;
            decode(ev->gate[j], &id_l, &id_r, &op);
            const ext2_t l = ev->val[ev->n_wires - 1 - id_l], r = ev->val[ev->n_wires - 1 - id_r];
            ace[ACE_COL_S_BLOCK][row] = 1;
            ace[ACE_COL_PTR][row] =
                felt_add(felt_add(ev->ptr, felt_mul(4, ev->n_read)), (felt_t)j);
            ace[ACE_COL_OP][row] = op == 0 ? FELT_P - 1 : op == 1 ? 0 : 1;
            ace[ACE_COL_ID0][row] = ev->n_wires - 1 - p;
            ace[ACE_COL_V00][row] = ev->val[p].c0;
            ace[ACE_COL_V01][row] = ev->val[p].c1;
            ace[ACE_COL_ID1][row] = id_l;
            ace[ACE_COL_V10][row] = l.c0;
            ace[ACE_COL_V11][row] = l.c1;
            ace[ACE_COL_ID2][row] = id_r;
            ace[ACE_COL_V20][row] = r.c0;
            ace[ACE_COL_V21][row] = r.c1;
            ace[ACE_COL_M0][row] = ev->mult[p];
        }
    }
    return 0;
}

int ace_eval_copy(ace_eval_t *dst, const ace_eval_t *src)
{
    *dst = *src;
    dst->val = NULL;
    dst->mult = NULL;
    dst->gate = NULL;
    dst->cap_wires = src->n_in;
    dst->cap_gates = src->n_gates;
    if (src->n_in) {
        dst->val = malloc(src->n_in * sizeof *dst->val);
        dst->mult = malloc(src->n_in * sizeof *dst->mult);
    }
    if (src->n_gates)
        dst->gate = malloc(src->n_gates * sizeof *dst->gate);
    if ((src->n_in && (!dst->val || !dst->mult)) || (src->n_gates && !dst->gate)) {
        ace_eval_free(dst);
        return -1;
    }
    if (src->n_in) {
        memcpy(dst->val, src->val, src->n_in * sizeof *dst->val);
        memcpy(dst->mult, src->mult, src->n_in * sizeof *dst->mult);
    }
    if (src->n_gates)
        memcpy(dst->gate, src->gate, src->n_gates * sizeof *dst->gate);
    return 0;
}

void ace_eval_free(ace_eval_t *ev)
{
    free(ev->val);
    free(ev->mult);
    free(ev->gate);
    ev->val = NULL;
    ev->mult = NULL;
    ev->gate = NULL;
    ev->cap_wires = ev->cap_gates = 0;
    ev->n_in = ev->n_gates = 0;
}

const char *ace_status_message(ace_status_t st)
{
    switch (st) {
    case ACE_OK: return "ok";
    case ACE_TOO_MANY_WIRES: return "num of wires must be less than 2^30";
    case ACE_NUM_VARS: return "num of variables should be word aligned and non-zero";
    case ACE_NUM_EVALS: return "num of evaluation gates should be word aligned and non-zero";
    case ACE_DECODE: return "failed to decode instruction";
    case ACE_WIRE_READ: return "failed to read from the wiring bus";
    case ACE_NOT_ZERO: return "circuit does not evaluate to zero";
    case ACE_OUT_OF_MEMORY: return "out of memory evaluating the circuit";
    }
    return "unknown";
}

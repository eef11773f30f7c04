/*
 * ace.h - the arithmetic-circuit-evaluation (ACE) chiplet: one circuit
 * evaluation of `eval_circuit` and the chiplet rows it takes
 * (spec/chiplet-ace.md).
 *
 * An evaluation is built step by step as the executor reads the circuit
 * from memory: ace_eval_start checks the sizes, each READ word adds two
 * wires (ace_eval_read), each EVAL instruction adds one (ace_eval_gate),
 * and the last wire must be zero (ace_eval_output_is_zero). The rows
 * (READ rows, then EVAL rows) are written by ace_eval_fill.
 *
 * Upstream (0xMiden/miden-vm v0.19.0): processor/src/chiplets/ace/mod.rs
 * (eval_circuit, trace_len, fill_trace), trace.rs (CircuitEvaluation,
 * WireBus, fill), instruction.rs (decode_instruction),
 * air/src/trace/chiplets/ace.rs (column indices).
 */
#ifndef FRAGTRACE_CHIPLETS_ACE_H
#define FRAGTRACE_CHIPLETS_ACE_H

#include <stddef.h>
#include <stdint.h>

#include "field/ext2.h"
#include "field/felt.h"

/* Wire ids have 30 bits; at most 2^30 - 1 wires (MAX_NUM_ACE_WIRES). */
#define ACE_ID_BITS 30
#define ACE_MAX_ID ((UINT32_C(1) << ACE_ID_BITS) - 1)

/* The ACE chiplet's own columns: 16, after its 4 selector columns. */
#define ACE_NUM_COLS 16
#define ACE_COL_S_START 0     /* 1 on the first row of an evaluation */
#define ACE_COL_S_BLOCK 1     /* 0 READ row, 1 EVAL row */
#define ACE_COL_CTX 2
#define ACE_COL_PTR 3
#define ACE_COL_CLK 4
#define ACE_COL_OP 5          /* EVAL: -1 sub, 0 mul, 1 add */
#define ACE_COL_ID0 6
#define ACE_COL_V00 7
#define ACE_COL_V01 8
#define ACE_COL_ID1 9
#define ACE_COL_V10 10
#define ACE_COL_V11 11
#define ACE_COL_ID2 12        /* EVAL: id of the right input; READ: number of EVAL rows - 1 */
#define ACE_COL_V20 13
#define ACE_COL_V21 14        /* EVAL: v2.c1; READ: multiplicity of wire 1 */
#define ACE_COL_M0 15

/* What can go wrong (upstream AceError, plus running out of memory). */
typedef enum {
    ACE_OK = 0,
    ACE_TOO_MANY_WIRES,       /* TooManyWires */
    ACE_NUM_VARS,             /* NumVarIsNotWordAlignedOrIsEmpty */
    ACE_NUM_EVALS,            /* NumEvalIsNotWordAlignedOrIsEmpty */
    ACE_DECODE,               /* FailedDecodeInstruction */
    ACE_WIRE_READ,            /* FailedWireBusRead */
    ACE_NOT_ZERO,             /* CircuitNotEvaluateZero */
    ACE_OUT_OF_MEMORY
} ace_status_t;

/* One circuit evaluation. Wires are kept in insertion order; the wire at
 * position i has id n_wires - 1 - i. */
typedef struct ace_eval_s {
    uint64_t ctx, clk;
    felt_t ptr;               /* address of the first READ word */
    uint32_t n_read;          /* READ rows (variables / 2) */
    uint32_t n_eval;          /* EVAL rows (gates) */
    uint32_t n_wires;         /* 2 * n_read + n_eval */
    uint32_t n_in;            /* wires inserted so far */
    uint32_t n_gates;         /* gates evaluated so far */
    ext2_t *val;              /* [n_in] wire values */
    uint32_t *mult;           /* [n_in] how often each wire was read by a gate */
    felt_t *gate;             /* [n_gates] the instructions, as read */
    size_t cap_wires, cap_gates;
} ace_eval_t;

/* Start an evaluation at (ctx, clk) of the circuit at ptr with n_vars
 * extension-field variables and n_evals gates (s1 and s2 of eval_circuit,
 * as felts). Checks, in upstream's order: too many wires, n_vars even and
 * non-zero, n_evals a non-zero multiple of 4. Allocates nothing (an
 * evaluation grows as it is read). */
ace_status_t ace_eval_start(ace_eval_t *ev, uint64_t ctx, uint64_t clk, felt_t ptr, felt_t n_vars,
                            felt_t n_evals);

/* The next READ row: the word [w0, w1, w2, w3] read at ptr + 4 * row gives
 * the wires (w0, w1) and (w2, w3). */
ace_status_t ace_eval_read(ace_eval_t *ev, const felt_t w[4]);

/* The next EVAL row: decode instruction (id_l | id_r << 30 | op << 60),
 * read both input wires (each read counts in its multiplicity) and add
 * the output wire. */
ace_status_t ace_eval_gate(ace_eval_t *ev, felt_t instruction);

/* Whether every wire is in and the last one (id 0) is zero. */
int ace_eval_output_is_zero(const ace_eval_t *ev);

/* Rows of the evaluation in the chiplet: READ rows plus EVAL rows. */
static inline uint64_t ace_eval_rows(const ace_eval_t *ev)
{
    return (uint64_t)ev->n_read + ev->n_eval;
}

/* Write the rows of a finished evaluation into the column-major buffer of
 * len rows (cell (row, col) is cols[col * len + row]) at rows
 * row0 .. row0 + ace_eval_rows(ev) - 1: chiplet columns 0-3 (selectors
 * 1 1 1 0) and 4-19 (the ACE columns). Returns 0, or -1 if they do not fit
 * before the last (random) row. */
int ace_eval_fill(const ace_eval_t *ev, felt_t *cols, uint64_t len, uint64_t row0);

/* A deep copy (dst's old contents are not freed). 0, or -1 out of memory. */
int ace_eval_copy(ace_eval_t *dst, const ace_eval_t *src);

void ace_eval_free(ace_eval_t *ev);

/* Upstream's message for a status. */
const char *ace_status_message(ace_status_t st);

#endif

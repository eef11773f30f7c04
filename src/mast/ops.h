/*
 * ops.h - the operations of Miden VM v0.19.0: opcodes, display names and
 * the kind of value each carries.
 *
 * Upstream facts: core/src/operations/mod.rs (the opcode is the enum's
 * discriminant; 7 bits). spec/program-format.md lists them all.
 */
#ifndef FRAGTRACE_MAST_OPS_H
#define FRAGTRACE_MAST_OPS_H

#include <stdint.h>
#include "field/felt.h"

enum opcode {
    OP_NOOP = 0, OP_EQZ = 1, OP_NEG = 2, OP_INV = 3, OP_INCR = 4, OP_NOT = 5,
    OP_MLOAD = 7, OP_SWAP = 8, OP_CALLER = 9, OP_MOVUP2 = 10, OP_MOVDN2 = 11,
    OP_MOVUP3 = 12, OP_MOVDN3 = 13, OP_ADVPOPW = 14, OP_EXPACC = 15,
    OP_MOVUP4 = 16, OP_MOVDN4 = 17, OP_MOVUP5 = 18, OP_MOVDN5 = 19,
    OP_MOVUP6 = 20, OP_MOVDN6 = 21, OP_MOVUP7 = 22, OP_MOVDN7 = 23,
    OP_SWAPW = 24, OP_EXT2MUL = 25, OP_MOVUP8 = 26, OP_MOVDN8 = 27,
    OP_SWAPW2 = 28, OP_SWAPW3 = 29, OP_SWAPDW = 30, OP_EMIT = 31,
    OP_ASSERT = 32, OP_EQ = 33, OP_ADD = 34, OP_MUL = 35, OP_AND = 36, OP_OR = 37,
    OP_U32AND = 38, OP_U32XOR = 39, OP_FRIE2F4 = 40, OP_DROP = 41, OP_CSWAP = 42,
    OP_CSWAPW = 43, OP_MLOADW = 44, OP_MSTORE = 45, OP_MSTOREW = 46,
    OP_PAD = 48, OP_DUP0 = 49, OP_DUP1 = 50, OP_DUP2 = 51, OP_DUP3 = 52,
    OP_DUP4 = 53, OP_DUP5 = 54, OP_DUP6 = 55, OP_DUP7 = 56, OP_DUP9 = 57,
    OP_DUP11 = 58, OP_DUP13 = 59, OP_DUP15 = 60, OP_ADVPOP = 61, OP_SDEPTH = 62,
    OP_CLK = 63,
    OP_U32ADD = 64, OP_U32SUB = 66, OP_U32MUL = 68, OP_U32DIV = 70,
    OP_U32SPLIT = 72, OP_U32ASSERT2 = 74, OP_U32ADD3 = 76, OP_U32MADD = 78,
    OP_HPERM = 80, OP_MPVERIFY = 81, OP_PIPE = 82, OP_MSTREAM = 83,
    OP_SPLIT = 84, OP_LOOP = 85, OP_SPAN = 86, OP_JOIN = 87, OP_DYN = 88,
    OP_HORNER_EXT = 89, OP_LOG_PRECOMPILE = 90, OP_PUSH = 91, OP_DYNCALL = 92,
    OP_EVAL_CIRCUIT = 93,
    OP_MRUPDATE = 96, OP_HORNER_BASE = 100, OP_SYSCALL = 104, OP_CALL = 108,
    OP_END = 112, OP_REPEAT = 116, OP_RESPAN = 120, OP_HALT = 124
};

/* What the parenthesised value after an operation's name means. */
typedef enum {
    IMM_NONE = 0,   /* no value: `swap` */
    IMM_PUSH,       /* push(V): V is an op-group immediate, hashed into the MAST */
    IMM_ERR_CODE    /* assert(E), u32assert2(E), mpverify(E): an error code,
                       neither hashed nor part of the trace */
} imm_kind_t;

typedef struct {
    const char *name;   /* display name, as upstream prints it */
    uint8_t opcode;
    imm_kind_t imm;
} op_info_t;

/* One operation of a basic block. */
typedef struct {
    uint8_t opcode;
    felt_t imm;         /* push value or error code; 0 otherwise */
    uint32_t line, col; /* where it was written (padding NOOPs: the op before) */
} op_t;

/* The table of the 80 operations that may appear in a basic block. */
extern const op_info_t op_table[];
extern const unsigned op_table_len;

/* Entry for a basic-block operation name (exact match), or NULL. */
const op_info_t *op_by_name(const char *name, unsigned len);

/* Entry for an opcode, or NULL if the opcode is not a basic-block op. */
const op_info_t *op_by_code(uint8_t opcode);

/* Display name of any opcode including control-flow ones ("join", "end"...). */
const char *op_name(uint8_t opcode);

#endif

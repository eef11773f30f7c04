/*
 * ops.c - the operation table (see ops.h).
 */
#include "ops.h"

#include <string.h>

const op_info_t op_table[] = {
    { "noop", OP_NOOP, IMM_NONE }, { "eqz", OP_EQZ, IMM_NONE }, { "neg", OP_NEG, IMM_NONE },
    { "inv", OP_INV, IMM_NONE }, { "incr", OP_INCR, IMM_NONE }, { "not", OP_NOT, IMM_NONE },
    { "mload", OP_MLOAD, IMM_NONE }, { "swap", OP_SWAP, IMM_NONE },
    { "caller", OP_CALLER, IMM_NONE }, { "movup2", OP_MOVUP2, IMM_NONE },
    { "movdn2", OP_MOVDN2, IMM_NONE }, { "movup3", OP_MOVUP3, IMM_NONE },
    { "movdn3", OP_MOVDN3, IMM_NONE }, { "advpopw", OP_ADVPOPW, IMM_NONE },
    { "expacc", OP_EXPACC, IMM_NONE }, { "movup4", OP_MOVUP4, IMM_NONE },
    { "movdn4", OP_MOVDN4, IMM_NONE }, { "movup5", OP_MOVUP5, IMM_NONE },
    { "movdn5", OP_MOVDN5, IMM_NONE }, { "movup6", OP_MOVUP6, IMM_NONE },
    { "movdn6", OP_MOVDN6, IMM_NONE }, { "movup7", OP_MOVUP7, IMM_NONE },
    { "movdn7", OP_MOVDN7, IMM_NONE }, { "swapw", OP_SWAPW, IMM_NONE },
    { "ext2mul", OP_EXT2MUL, IMM_NONE }, { "movup8", OP_MOVUP8, IMM_NONE },
    { "movdn8", OP_MOVDN8, IMM_NONE }, { "swapw2", OP_SWAPW2, IMM_NONE },
    { "swapw3", OP_SWAPW3, IMM_NONE }, { "swapdw", OP_SWAPDW, IMM_NONE },
    { "emit", OP_EMIT, IMM_NONE }, { "assert", OP_ASSERT, IMM_ERR_CODE },
    { "eq", OP_EQ, IMM_NONE }, { "add", OP_ADD, IMM_NONE }, { "mul", OP_MUL, IMM_NONE },
    { "and", OP_AND, IMM_NONE }, { "or", OP_OR, IMM_NONE }, { "u32and", OP_U32AND, IMM_NONE },
    { "u32xor", OP_U32XOR, IMM_NONE }, { "frie2f4", OP_FRIE2F4, IMM_NONE },
    { "drop", OP_DROP, IMM_NONE }, { "cswap", OP_CSWAP, IMM_NONE },
    { "cswapw", OP_CSWAPW, IMM_NONE }, { "mloadw", OP_MLOADW, IMM_NONE },
    { "mstore", OP_MSTORE, IMM_NONE }, { "mstorew", OP_MSTOREW, IMM_NONE },
    { "pad", OP_PAD, IMM_NONE }, { "dup0", OP_DUP0, IMM_NONE }, { "dup1", OP_DUP1, IMM_NONE },
    { "dup2", OP_DUP2, IMM_NONE }, { "dup3", OP_DUP3, IMM_NONE }, { "dup4", OP_DUP4, IMM_NONE },
    { "dup5", OP_DUP5, IMM_NONE }, { "dup6", OP_DUP6, IMM_NONE }, { "dup7", OP_DUP7, IMM_NONE },
    { "dup9", OP_DUP9, IMM_NONE }, { "dup11", OP_DUP11, IMM_NONE },
    { "dup13", OP_DUP13, IMM_NONE }, { "dup15", OP_DUP15, IMM_NONE },
    { "advpop", OP_ADVPOP, IMM_NONE }, { "sdepth", OP_SDEPTH, IMM_NONE },
    { "clk", OP_CLK, IMM_NONE }, { "u32add", OP_U32ADD, IMM_NONE },
    { "u32sub", OP_U32SUB, IMM_NONE }, { "u32mul", OP_U32MUL, IMM_NONE },
    { "u32div", OP_U32DIV, IMM_NONE }, { "u32split", OP_U32SPLIT, IMM_NONE },
    { "u32assert2", OP_U32ASSERT2, IMM_ERR_CODE }, { "u32add3", OP_U32ADD3, IMM_NONE },
    { "u32madd", OP_U32MADD, IMM_NONE }, { "hperm", OP_HPERM, IMM_NONE },
    { "mpverify", OP_MPVERIFY, IMM_ERR_CODE }, { "pipe", OP_PIPE, IMM_NONE },
    { "mstream", OP_MSTREAM, IMM_NONE }, { "horner_eval_ext", OP_HORNER_EXT, IMM_NONE },
    { "log_precompile", OP_LOG_PRECOMPILE, IMM_NONE }, { "push", OP_PUSH, IMM_PUSH },
    { "eval_circuit", OP_EVAL_CIRCUIT, IMM_NONE }, { "mrupdate", OP_MRUPDATE, IMM_NONE },
    { "horner_eval_base", OP_HORNER_BASE, IMM_NONE },
};
const unsigned op_table_len = sizeof op_table / sizeof op_table[0];

const op_info_t *op_by_name(const char *name, unsigned len)
{
    for (unsigned i = 0; i < op_table_len; i++)
        if (strlen(op_table[i].name) == len && memcmp(op_table[i].name, name, len) == 0)
            return &op_table[i];
    return NULL;
}

const op_info_t *op_by_code(uint8_t opcode)
{
    for (unsigned i = 0; i < op_table_len; i++)
        if (op_table[i].opcode == opcode)
            return &op_table[i];
    return NULL;
}

const char *op_name(uint8_t opcode)
{
    const op_info_t *info = op_by_code(opcode);
    if (info)
        return info->name;
    switch (opcode) {
    case OP_SPLIT: return "split";
    case OP_LOOP: return "loop";
    case OP_SPAN: return "span";
    case OP_JOIN: return "join";
    case OP_DYN: return "dyn";
    case OP_DYNCALL: return "dyncall";
    case OP_SYSCALL: return "syscall";
    case OP_CALL: return "call";
    case OP_END: return "end";
    case OP_REPEAT: return "repeat";
    case OP_RESPAN: return "respan";
    case OP_HALT: return "halt";
    default: return "?";
    }
}

/*
 * tracer.h - the one interface through which the executor reports what a
 * trace builder needs: rows (row mode), fragment boundaries, values read
 * from outside (memory reads, advice pops) and chiplet requests. Each
 * callback may be NULL: the fast executor runs with no tracer at all, the
 * recording executor takes boundaries and external values, the sequential
 * builder takes rows. Chiplet row counts (vm->chiplets) follow from the
 * requests whether or not a tracer takes them.
 */
#ifndef FRAGTRACE_EXEC_TRACER_H
#define FRAGTRACE_EXEC_TRACER_H

#include <stdint.h>

#include "air/layout.h"
#include "field/felt.h"
#include "hash/rpo.h"

/* Why the hasher chiplet runs (air/src/trace/chiplets/hasher.rs): hashing
 * a control block (8 rows), a basic block (8 rows per op batch), one
 * HPERM permutation (8 rows), or one level of a Merkle path (8 rows; an
 * MPVERIFY of depth d makes d of them, an MRUPDATE 2d: the old value's
 * path, then the new value's). */
typedef enum {
    HASH_CONTROL_BLOCK, HASH_BASIC_BLOCK, HASH_PERMUTATION, HASH_MERKLE_LEVEL
} hasher_purpose_t;

/* Which Merkle path computation a HASH_MERKLE_LEVEL request belongs to. */
typedef enum { MERKLE_MP_VERIFY, MERKLE_MR_UPDATE_OLD, MERKLE_MR_UPDATE_NEW } merkle_path_kind_t;

/* Memory-chiplet operations (air/src/trace/chiplets/memory.rs). */
typedef enum { MEM_READ_ELEMENT, MEM_WRITE_ELEMENT, MEM_READ_WORD, MEM_WRITE_WORD } memory_op_t;

static inline int memory_op_is_word(uint8_t op) { return op == MEM_READ_WORD || op == MEM_WRITE_WORD; }

typedef enum {
    CHIPLET_HASHER, CHIPLET_BITWISE, CHIPLET_MEMORY, CHIPLET_KERNEL_ROM, CHIPLET_RANGE,
    CHIPLET_ACE
} chiplet_kind_t;

/* One request of the executor to a chiplet, at clock cycle clk. */
typedef struct {
    uint8_t kind;              /* chiplet_kind_t */
    uint64_t clk;
    union {
        struct {
            uint8_t purpose;   /* hasher_purpose_t */
            uint32_t node;     /* the MAST node hashed (control and basic blocks) */
            uint32_t rows;     /* 8 per permutation */
            uint64_t addr;     /* first hasher row, 1-based as in the trace */
            felt_t state[12];  /* HPERM, HASH_MERKLE_LEVEL: the state before the permutation */
            /* HASH_MERKLE_LEVEL: the path computation (merkle_path_kind_t),
               whether this is its first (the node's) and its last (the
               root's child) level, and the node index at this level before
               its low bit is removed. */
            uint8_t merkle, first, last;
            uint64_t index;
        } hasher;
        struct {
            uint8_t is_xor;    /* u32xor, else u32and */
            uint32_t a, b;     /* s1, s0 before the operation */
        } bitwise;
        struct {
            uint8_t op;        /* memory_op_t */
            uint64_t ctx;
            uint32_t addr;     /* element address (a word's first) */
            felt_t value[4];   /* read or written; an element uses value[0] */
        } memory;
        struct {
            word_t proc;       /* the kernel procedure a syscall reaches */
        } kernel;
        struct {
            uint16_t v[4];     /* the 16-bit limbs a u32 operation checks */
        } range;
        struct {
            /* One finished eval_circuit (chiplets/ace.h), owned by the
               executor: valid only during the callback (copy to keep). */
            const struct ace_eval_s *eval;
        } ace;
    };
} chiplet_request_t;

/* What the requests so far add up to (fragment contexts carry these). */
typedef struct {
    uint64_t hasher_rows;      /* the next hasher row's address is 1 + this */
    uint64_t bitwise_ops;      /* 8 bitwise rows each */
    uint64_t mem_accesses;     /* one memory row each */
    uint64_t kernel_accesses;  /* syscalls */
    uint64_t ace_rows;         /* ACE chiplet rows (eval_circuit) */
} chiplet_counts_t;

typedef struct vm vm_t;

typedef struct {
    void *ctx;
    /* Row mode: each row's core columns (row index = row[TRACE_COL_CLK]);
       NULL: fast mode, no row is assembled. pending_inverses is 0 unless
       defer_inverses is set; then bit k says that helper register k
       (column TRACE_COL_USER_OP_HELPERS + k) holds the value whose inverse belongs
       there (0 stays 0), for the sink to invert many at once. */
    int (*row)(void *ctx, const felt_t row[TRACE_CORE_WIDTH], unsigned pending_inverses);
    int defer_inverses;
    /* Called before the row of every clk that is a multiple of
       fragment_len (when boundary is not NULL). */
    uint64_t fragment_len;
    int (*boundary)(void *ctx, vm_t *vm);
    /* Each value that reaches the core from outside, in execution order:
       memory reads and advice pops (not during a replayed build). */
    int (*external)(void *ctx, felt_t v);
    /* Each chiplet request, in execution order: of the kinds in
       chiplet_kinds (bit 1 << chiplet_kind_t), or of every kind when
       chiplet_kinds is 0. A request not taken costs a bit test. */
    int (*chiplet)(void *ctx, const chiplet_request_t *r);
    unsigned chiplet_kinds;
} vm_tracer_t;

#endif

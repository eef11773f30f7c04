/*
 * forest.h - a program's MAST: a forest of nodes, its procedures, its
 * kernel and the host library.
 *
 * Nodes live in one array and refer to each other by index; a node's
 * digest is computed when it is created (children first), as in miden-core
 * v0.19.0 (core/src/mast/node/, one file per node kind; rules in
 * spec/program-format.md).
 *
 * Procedures are named roots: `proc.NAME` (program forest), `kernel.NAME`
 * (program forest and kernel, target of syscall) and `library.NAME` (only
 * in the host library, reachable through external and dyn). At run time a
 * digest resolves within the program forest first, then the library.
 */
#ifndef FRAGTRACE_MAST_FOREST_H
#define FRAGTRACE_MAST_FOREST_H

#include <stddef.h>
#include <stdint.h>

#include "hash/rpo.h"
#include "mast/batch.h"
#include "mast/ops.h"

/* Limits of the text format, so that no input can exhaust memory or the
 * stack. spec/program-format.md documents them. */
#define PROGRAM_MAX_BYTES ((size_t)16 << 20)  /* 16 MiB of program text */
#define PROGRAM_MAX_DEPTH 256                 /* nested control nodes */
#define PROGRAM_MAX_NAME 255                  /* procedure name length */
#define KERNEL_MAX_PROCS 255                  /* upstream Kernel::MAX_NUM_PROCEDURES */

typedef enum {
    NODE_BLOCK, NODE_JOIN, NODE_SPLIT, NODE_LOOP, NODE_CALL, NODE_SYSCALL,
    NODE_DYN, NODE_DYNCALL, NODE_EXTERNAL
} node_kind_t;

/* Hashing domains (the control op's opcode; a basic block uses 0). */
#define DOMAIN_JOIN 87
#define DOMAIN_SPLIT 84
#define DOMAIN_LOOP 85
#define DOMAIN_CALL 108
#define DOMAIN_SYSCALL 104
#define DOMAIN_DYN 88
#define DOMAIN_DYNCALL 92

typedef struct {
    node_kind_t kind;
    uint32_t child[2];       /* JOIN: first, second; SPLIT: true, false; LOOP: body;
                                CALL, SYSCALL: callee */
    word_t digest;           /* EXTERNAL: the digest it stands for; child[0] is then the
                                node it finally resolves to, or MAST_NO_NODE
                                (mast_forest_resolve_externals) */
    uint32_t ops_start;      /* BLOCK: its padded ops in forest->ops */
    uint32_t n_ops;
    uint32_t batches_start;  /* BLOCK: its batches in forest->batches */
    uint32_t n_batches;
    uint32_t line, col;      /* where the node was written */
} mast_node_t;

typedef enum { PROC_PLAIN, PROC_KERNEL, PROC_LIBRARY } proc_kind_t;

typedef struct {
    char *name;
    uint32_t node;
    proc_kind_t kind;
    uint32_t line, col;
} mast_proc_t;

/* One slot of a procedure table: the hash of the key and the procedure
 * (index + 1; 0 marks an empty slot). */
typedef struct {
    uint32_t hash;
    uint32_t proc1;
} proc_slot_t;

/* An open-addressing hash table (linear probing, at most half full) from a
 * key to the first procedure, in definition order, that has it. */
typedef struct {
    proc_slot_t *slots;
    uint32_t mask;   /* slot count - 1 (a power of two), or 0 with no slots */
    uint32_t used;
} proc_table_t;

/* Look-ups of procedures by name, by root digest and by root node, kept up
 * to date as procedures are added (mast_forest_add_proc): references are
 * resolved while the program is parsed, and a scan of every procedure per
 * reference made large programs quadratic. */
typedef struct {
    proc_table_t by_name;    /* names are unique */
    proc_table_t by_digest;  /* key: root digest and whether a library procedure */
    proc_table_t by_node;    /* key: root node */
    uint64_t salt;           /* starts every hash (mast_forest_salt_index) */
} proc_index_t;

/* What a forest read from upstream's binary format keeps only so that it
 * can be written again byte for byte (mast/masb_write.h); nothing else
 * reads it. Kept when the file was read into an empty forest (a program,
 * or a library read on its own); all zero (kept == 0) for a forest built
 * from program text. Node order needs no field: nodes keep the file's. */
typedef struct {
    int kept;                /* 1: the fields below describe the file */
    int library;             /* the file was a bare forest (.mast), no kernel or entry */
    uint32_t n_nodes;        /* the file's nodes: forest nodes [0, n_nodes) */
    uint32_t *roots;         /* its procedure roots in file order, with the entrypoint and
                                external roots, which are no procedures of the forest */
    uint32_t n_roots;
    uint64_t n_decorators;   /* its decorator count (the records are in tail) */
    unsigned char *tail;     /* its sections after the node records, verbatim: advice map,
                                error codes and messages, decorators and decorator lists */
    size_t tail_len;
} mast_file_info_t;

typedef struct {
    mast_node_t *nodes;
    uint32_t n_nodes, cap_nodes;
    op_t *ops;
    uint32_t n_ops, cap_ops;
    op_batch_t *batches;
    uint32_t n_batches, cap_batches;
    mast_proc_t *procs;               /* added only by mast_forest_add_proc */
    uint32_t n_procs, cap_procs;
    proc_index_t index;
    uint32_t entry;                   /* node of `begin ... end` */
    word_t kernel[KERNEL_MAX_PROCS];  /* kernel procedure digests, sorted by their bytes */
    uint32_t n_kernel;
    mast_file_info_t file;            /* read from a .masb/.mast: what writing it again needs */
} mast_forest_t;

void mast_forest_init(mast_forest_t *f);
void mast_forest_free(mast_forest_t *f);

/* The program hash: the digest of the entry node. */
static inline word_t mast_program_hash(const mast_forest_t *f) { return f->nodes[f->entry].digest; }

/* Salt the index's hashes with a digest of the program text, so that a
 * text cannot choose procedures that share slots (a table that degrades to
 * a scan per look-up). Deterministic: the same text, the same layout. Call
 * before the first procedure is added (later calls do nothing). */
void mast_forest_salt_index(mast_forest_t *f, const char *text, size_t len);

/* Append a procedure (name[0..len) is copied; its root node's digest is
 * final) and enter it in the index. Returns its index, MAST_ADD_OOM or
 * MAST_ADD_TOO_MANY (2^30 procedures). */
#define MAST_ADD_OOM (-1)
#define MAST_ADD_TOO_MANY (-2)
long mast_forest_add_proc(mast_forest_t *f, const char *name, size_t len, uint32_t node,
                          proc_kind_t kind, uint32_t line, uint32_t col);

/* Node creation, shared by the text parser (parse.c) and the binary
 * reader (masb.c). Each returns the new node's index, MAST_ADD_OOM or
 * MAST_ADD_TOO_MANY (more than 2^31 nodes, ops or batches); the digest is
 * computed from the children's, which must exist already. */
#define MAST_ADD_BAD_BLOCK (-3) /* batching refused the operations (see batch.h) */

/* A node of this kind with no children and a zero digest. */
long mast_forest_new_node(mast_forest_t *f, node_kind_t kind, uint32_t line, uint32_t col);

/* JOIN (a, b), SPLIT (a: true branch, b: false branch), LOOP (a: body),
 * CALL and SYSCALL (a: callee); b is ignored but for JOIN and SPLIT. */
long mast_forest_add_control(mast_forest_t *f, node_kind_t kind, uint32_t a, uint32_t b,
                             uint32_t line, uint32_t col);

/* DYN, DYNCALL or EXTERNAL with the given digest. */
long mast_forest_add_leaf(mast_forest_t *f, node_kind_t kind, word_t digest, uint32_t line,
                          uint32_t col);

/* The constant digest of DYN (dyncall = 0) or DYNCALL (dyncall = 1). */
word_t mast_dyn_digest(int dyncall);

/* A basic block of raw[0..n_raw) (n_raw >= 1), batched by batch_ops;
 * MAST_ADD_BAD_BLOCK when batching fails (an opcode that is not a
 * basic-block operation, a value >= p). */
long mast_forest_add_block(mast_forest_t *f, const op_t *raw, uint32_t n_raw, uint32_t line,
                           uint32_t col);

/* The procedure whose root has this digest: program forest first (plain and
 * kernel procedures, in definition order), then, if with_library, the host
 * library. Returns the procedure index or -1. Expected O(1). */
long mast_find_proc(const mast_forest_t *f, word_t digest, int with_library);

/* The same among procs[0 .. limit) only: what a procedure defined at index
 * `limit` may name (procedures are defined before they are referenced). */
long mast_find_proc_before(const mast_forest_t *f, word_t digest, int with_library,
                           uint32_t limit);

/* The procedure with this name (name[0..len), no NUL needed), or -1. */
long mast_find_proc_named(const mast_forest_t *f, const char *name, size_t len);

/* The node a digest names at run time (call/syscall through an external
 * node, dyn, dyncall): a procedure of the program forest, then of the host
 * library, then the entry itself. Returns the node or -1. */
long mast_resolve_digest(const mast_forest_t *f, word_t digest);

/* Resolve every EXTERNAL node once, when the forest is complete: child[0]
 * becomes the non-external node its chain of digests ends at, or
 * MAST_NO_NODE when a digest is missing or the chain loops (the executor
 * then reports which, when the node is reached; a program may hold an
 * external it never runs). Following a chain stops after 64 hops, as the
 * executor's error path does. */
#define MAST_NO_NODE UINT32_MAX
#define MAST_EXTERNAL_MAX_HOPS 64
void mast_forest_resolve_externals(mast_forest_t *f);

/* The first procedure whose root is this node, or -1. */
long mast_proc_of_node(const mast_forest_t *f, uint32_t node);

/* Whether digest is a kernel procedure (binary search: the kernel is sorted). */
int mast_kernel_contains(const mast_forest_t *f, word_t digest);

/* Compare words as upstream orders kernel procedures: by their 32-byte
 * little-endian encoding, lexicographically. */
int word_cmp_bytes(word_t a, word_t b);
int word_eq(word_t a, word_t b);

/* "0x" + 64 lowercase hex digits, each element as 8 little-endian bytes;
 * buf must hold 67 bytes. */
void word_to_hex(word_t w, char buf[67]);
/* Parse that form (exactly 66 characters); returns 0 or -1 (bad digit,
 * wrong length, or an element >= p). */
int word_from_hex(const char *s, size_t len, word_t *out);

/* Digest of a basic block from its batches: hash_elements over 8 group
 * felts per batch. */
word_t mast_block_digest(const op_batch_t *batches, uint32_t n_batches);

#endif

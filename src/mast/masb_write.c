/*
 * masb_write.c - a forest in upstream's binary MAST format (masb_write.h).
 *
 * The sections are written in file order (spec/masb-format.md): magic and
 * version, node and decorator counts, procedure roots, basic-block data,
 * node records, then the sections after the node records (kept verbatim
 * for a forest read from a file, else empty maps, no decorators, an empty
 * decorator list per basic block); for a program, the kernel and the
 * entrypoint. Primitive encodings are winter-utils 0.13.1's, as
 * io/byte_reader.h reads them; usize in its shortest form, as upstream's
 * write_usize.
 */
#include "masb_write.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"
#include "util/le.h"

/* Node type tags of a node record (upstream info.rs). */
enum { T_JOIN, T_SPLIT, T_LOOP, T_BLOCK, T_CALL, T_SYSCALL, T_DYN, T_DYNCALL, T_EXTERNAL };

/* A child index of a join or split takes 30 bits of the record. */
#define CHILD_LIMIT (UINT32_C(1) << 30)

/* A growing byte buffer; after a failed allocation every write is dropped
 * and oom stays set. */
typedef struct {
    unsigned char *b;
    size_t len, cap;
    int oom;
} wbuf_t;

static void put(wbuf_t *w, const void *p, size_t n)
{
    if (w->oom || n == 0)
        return;
    if (n > SIZE_MAX - w->len ||
        grow_array((void **)&w->b, &w->cap, w->len + n, 1, 256) != 0) {
        w->oom = 1;
        return;
    }
    memcpy(w->b + w->len, p, n);
    w->len += n;
}

static void put_u8(wbuf_t *w, uint8_t v) { put(w, &v, 1); }

static void put_u32(wbuf_t *w, uint32_t v)
{
    unsigned char b[4];
    le_put32(b, v);
    put(w, b, 4);
}

static void put_u64(wbuf_t *w, uint64_t v)
{
    unsigned char b[8];
    le_put64(b, v);
    put(w, b, 8);
}

static void put_word(wbuf_t *w, word_t x)
{
    for (int k = 0; k < RPO_DIGEST_LEN; k++)
        put_u64(w, x.v[k]);
}

/* winter-utils write_usize: n = 1..8 bytes hold 7n bits of value, the
 * value shifted left by n with a 1 bit at n - 1 (so that the first byte's
 * trailing zeros give n - 1); from 2^56 on, a 0 byte and the plain u64. */
static void put_usize(wbuf_t *w, uint64_t v)
{
    unsigned n = 1;
    while (n < 9 && (v >> (7 * n)) != 0)
        n++;
    if (n == 9) {
        put_u8(w, 0);
        put_u64(w, v);
        return;
    }
    unsigned char b[8];
    le_put64(b, ((v << 1) | 1) << (n - 1));
    put(w, b, n);
}

static int fail(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

/* The operations of a basic block as the file lists them (upstream
 * raw_operations): the block's ops without the NOOPs batching added, which
 * end the groups whose padding flag is set. Calls emit(ctx, op) for each;
 * returns how many, or -1 if the batches are inconsistent. */
typedef void (*op_sink_t)(void *ctx, const op_t *op);

static long block_raw_ops(const mast_forest_t *f, const mast_node_t *n, op_sink_t emit, void *ctx)
{
    long count = 0;
    for (uint32_t k = 0; k < n->n_batches; k++) {
        const op_batch_t *b = &f->batches[n->batches_start + k];
        if (b->num_groups > BATCH_GROUPS)
            return -1;
        for (unsigned g = 0; g < b->num_groups; g++) {
            const unsigned start = b->indptr[g], end = b->indptr[g + 1];
            if (end < start + b->padding[g] || (uint64_t)b->first_op + end > n->n_ops)
                return -1;
            for (unsigned i = start; i < end - b->padding[g]; i++) {
                if (emit)
                    emit(ctx, &f->ops[n->ops_start + b->first_op + i]);
                count++;
            }
        }
    }
    return count;
}

/* One operation of basic-block data: the opcode, then for push its value
 * and for assert, u32assert2 and mpverify the error code, as a felt. */
static void put_op(void *ctx, const op_t *op)
{
    wbuf_t *w = ctx;
    put_u8(w, op->opcode);
    const op_info_t *info = op_by_code(op->opcode);
    if (info && info->imm != IMM_NONE)
        put_u64(w, op->imm);
}

/* The procedure roots of a forest built from text: its procedures' roots
 * among nodes [0, n), each node once, in definition order; then, for a
 * program, the entry unless a procedure has it as root. */
static int text_roots(const mast_forest_t *f, uint32_t n, int program, uint32_t **roots,
                      uint32_t *n_roots)
{
    unsigned char *seen = calloc(n ? n : 1, 1);
    uint32_t *r = malloc(((size_t)f->n_procs + 1) * sizeof *r);
    if (!seen || !r) {
        free(seen);
        free(r);
        return -1;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < f->n_procs; i++) {
        const uint32_t node = f->procs[i].node;
        if (node < n && !seen[node]) {
            seen[node] = 1;
            r[k++] = node;
        }
    }
    if (program && !seen[f->entry])
        r[k++] = f->entry;
    free(seen);
    *roots = r;
    *n_roots = k;
    return 0;
}

int masb_write(const mast_forest_t *f, masb_kind_t kind, uint32_t n_nodes, unsigned char **out,
               size_t *out_len, char *err, size_t err_len)
{
    const mast_file_info_t *fi = &f->file;
    const int program = kind == MASB_PROGRAM;
    *out = NULL;
    *out_len = 0;
    uint32_t n = n_nodes;
    if (n == MASB_WRITE_OWN)
        n = fi->kept ? fi->n_nodes : f->n_nodes;
    if (n > f->n_nodes)
        return fail(err, err_len, "%u nodes asked for, the forest has %u", n, f->n_nodes);
    if (n >= CHILD_LIMIT)
        return fail(err, err_len, "%u nodes: the format holds fewer than 2^30", n);
    if (program && fi->kept && fi->library)
        return fail(err, err_len, "a library (.mast) has no kernel or entrypoint: it cannot be "
                    "written as a program");
    if (program && f->entry >= n)
        return fail(err, err_len, "the entry (node %u) is not among the %u nodes written",
                    f->entry, n);
    /* The file's roots and later sections fit only the file's nodes. */
    const int verbatim = fi->kept && n == fi->n_nodes;

    uint32_t *roots = NULL, n_roots = 0;
    uint32_t *offset = malloc((n ? n : 1) * sizeof *offset);
    wbuf_t blocks = { 0 }, w = { 0 };
    int rc = -1;
    if (!offset)
        goto oom;
    if (verbatim) {
        roots = fi->roots;
        n_roots = fi->n_roots;
    } else if (text_roots(f, n, program, &roots, &n_roots) != 0) {
        goto oom;
    }

    /* Basic-block data: each block's operations, in node order. */
    uint32_t n_blocks = 0;
    for (uint32_t i = 0; i < n; i++) {
        const mast_node_t *nd = &f->nodes[i];
        offset[i] = 0;
        if (nd->kind != NODE_BLOCK)
            continue;
        if (blocks.len > UINT32_MAX) {
            fail(err, err_len, "node %u: the basic-block data passes 2^32 bytes", i);
            goto out;
        }
        offset[i] = (uint32_t)blocks.len;
        const long count = block_raw_ops(f, nd, NULL, NULL);
        if (count <= 0) {
            fail(err, err_len, "node %u: internal error: its batches are inconsistent", i);
            goto out;
        }
        put_usize(&blocks, (uint64_t)count);
        block_raw_ops(f, nd, put_op, &blocks);
        n_blocks++;
    }
    if (blocks.oom)
        goto oom;

    put(&w, MASB_MAGIC, MASB_MAGIC_LEN); /* "MAST" and its NUL */
    put(&w, "\0\0\0", 3);                /* version 0.0.0 */
    put_usize(&w, n);
    put_usize(&w, verbatim ? fi->n_decorators : 0); /* decorator records */
    put_usize(&w, n_roots);
    for (uint32_t i = 0; i < n_roots; i++)
        put_u32(&w, roots[i]);
    put_usize(&w, blocks.len);
    put(&w, blocks.b, blocks.len);

    /* Node records: type tag and payload, then the digest. */
    for (uint32_t i = 0; i < n; i++) {
        const mast_node_t *nd = &f->nodes[i];
        uint64_t tag, payload = 0;
        const int two = nd->kind == NODE_JOIN || nd->kind == NODE_SPLIT;
        const int one = two || nd->kind == NODE_LOOP || nd->kind == NODE_CALL ||
                        nd->kind == NODE_SYSCALL;
        if ((one && nd->child[0] >= i) || (two && nd->child[1] >= i)) {
            fail(err, err_len, "node %u: a child does not come before it", i);
            goto out;
        }
        switch (nd->kind) {
        case NODE_JOIN: tag = T_JOIN; break;
        case NODE_SPLIT: tag = T_SPLIT; break;
        case NODE_LOOP: tag = T_LOOP; break;
        case NODE_BLOCK: tag = T_BLOCK; break;
        case NODE_CALL: tag = T_CALL; break;
        case NODE_SYSCALL: tag = T_SYSCALL; break;
        case NODE_DYN: tag = T_DYN; break;
        case NODE_DYNCALL: tag = T_DYNCALL; break;
        default: tag = T_EXTERNAL; break;
        }
        if (two)
            payload = ((uint64_t)nd->child[0] << 30) | nd->child[1];
        else if (one)
            payload = nd->child[0];
        else if (nd->kind == NODE_BLOCK)
            payload = offset[i];
        put_u64(&w, tag << 60 | payload);
        put_word(&w, nd->digest);
    }

    if (verbatim) {
        put(&w, fi->tail, fi->tail_len);
    } else {
        put_usize(&w, 0);        /* advice map: no entries */
        put_usize(&w, 0);        /* error codes: none */
        put_usize(&w, 0);        /* decorator data: no bytes */
        put_usize(&w, 0);        /* string table: no offsets */
        put_usize(&w, 0);        /* string data: no bytes */
        /* no decorator records; a list per basic block, each empty */
        put_usize(&w, n_blocks);
        for (uint32_t i = 0; i < n; i++) {
            if (f->nodes[i].kind != NODE_BLOCK)
                continue;
            put_usize(&w, i);
            put_usize(&w, 0);
        }
        put_usize(&w, 0); /* before-enter decorators */
        put_usize(&w, 0); /* after-exit decorators */
    }

    if (program) {
        put_u8(&w, (uint8_t)f->n_kernel);
        for (uint32_t i = 0; i < f->n_kernel; i++)
            put_word(&w, f->kernel[i]);
        put_u32(&w, f->entry);
    }
    if (w.oom)
        goto oom;
    *out = w.b;
    *out_len = w.len;
    w.b = NULL;
    rc = 0;
    goto out;
oom:
    fail(err, err_len, "out of memory");
out:
    if (!verbatim)
        free(roots);
    free(offset);
    free(blocks.b);
    free(w.b);
    return rc;
}

/*
 * masb.c - reading upstream's serialized Program / MastForest (masb.h).
 *
 * The sections are read in file order (spec/masb-format.md): header and
 * counts, procedure roots, basic-block data, node records, advice map,
 * error-code map, decorator data, string table, decorator records,
 * decorator lists; then, for a program, the kernel and the entrypoint.
 * Nodes are built only once every section has been read and checked, in
 * file order, each child before its parent; every digest is recomputed
 * and compared with the record's.
 */
#include "masb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/byte_reader.h"
#include "util/grow.h"

/* Node type tags (the top 4 bits of a node record's first u64). */
enum { T_JOIN, T_SPLIT, T_LOOP, T_BLOCK, T_CALL, T_SYSCALL, T_DYN, T_DYNCALL, T_EXTERNAL };
static const char *const type_names[] = {
    "join", "split", "loop", "basic block", "call", "syscall", "dyn", "dyncall", "external",
};

#define NODE_RECORD_SIZE 40  /* u64 type and payload, 4 felts of digest */
#define DECORATOR_RECORD_SIZE 5 /* u8 variant, u32 data offset */
#define N_DECORATOR_VARIANTS 8

typedef struct {
    uint8_t type;
    uint32_t a, b;    /* children, or (basic block) the offset of its operations */
    word_t digest;
    size_t at;        /* byte offset of the record */
} node_record_t;

/* Reading one byte range of the file: r runs over buf[base ..). */
typedef struct {
    const char *file;
    byte_reader_t r;
    size_t base;      /* offset of r's buffer in the file */
    char *err;
    size_t err_len;
} rd_t;

static int fail_at(const rd_t *d, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(const rd_t *d, size_t at, const char *fmt, ...)
{
    int n = snprintf(d->err, d->err_len, "%s: byte %zu: ", d->file, at);
    if (n < 0 || (size_t)n >= d->err_len)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err + n, d->err_len - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Report the reader's failure while reading `what`. */
static int read_failed(const rd_t *d, const char *what)
{
    const size_t at = d->base + d->r.error_pos;
    switch (d->r.error) {
    case BR_NOT_FELT:
        return fail_at(d, at, "%s: a field element is not below p = 18446744069414584321",
                       what);
    case BR_TOO_LONG:
        return fail_at(d, at, "%s: the count is larger than the %zu bytes left can hold", what,
                       d->r.len - d->r.error_pos);
    default:
        return fail_at(d, at, "%s: the data ends inside it (truncated)", what);
    }
}

static void sub_reader(const rd_t *d, rd_t *sub, const unsigned char *buf, size_t len,
                       size_t base)
{
    *sub = *d;
    br_init(&sub->r, buf, len);
    sub->base = base;
}

/* The current offset in the file. */
static size_t here(const rd_t *d) { return d->base + d->r.pos; }

/* Whether s[0..n) is well-formed UTF-8 (what Rust's String::from_utf8
 * accepts). */
static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const unsigned c = s[i];
        size_t k;
        unsigned cp;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) { k = 2; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { k = 3; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { k = 4; cp = c & 0x07; }
        else return 0;
        if (k > n - i)
            return 0;
        for (size_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if ((k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        i += k;
    }
    return 1;
}

/* A String: a byte run that is UTF-8. */
static int read_string(rd_t *d, const char *what)
{
    const size_t at = here(d);
    const unsigned char *s;
    size_t n;
    if (br_bytes(&d->r, &s, &n) != 0)
        return read_failed(d, what);
    if (!utf8_ok(s, n))
        return fail_at(d, at, "%s: the string is not valid UTF-8", what);
    return 0;
}

void mast_advice_map_free(mast_advice_map_t *m)
{
    for (size_t i = 0; i < m->n; i++)
        felt_list_free(&m->values[i]);
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}

int masb_is_binary(const unsigned char *buf, size_t len)
{
    if (len == 0)
        return 0;
    const size_t n = len < MASB_MAGIC_LEN ? len : MASB_MAGIC_LEN;
    if (memcmp(buf, MASB_MAGIC, n) == 0) /* the magic, or the start of it */
        return 1;
    /* Program text holds no NUL byte: a NUL among the first 8 bytes is a
       binary file with a wrong magic. */
    return memchr(buf, 0, len < 8 ? len : 8) != NULL;
}

/* ------------------------------------------------------------------ */
/* Sections                                                            */

typedef struct {
    rd_t d;
    masb_kind_t kind;
    size_t node_count, decorator_count;
    uint32_t *roots;
    size_t *root_at;
    size_t n_roots;
    const unsigned char *block_data;
    size_t block_len, block_at;
    node_record_t *nodes;
    const unsigned char *dec_data;
    size_t dec_len, dec_at;
    size_t *str_offsets;
    size_t n_strings;
    const unsigned char *str_data;
    size_t str_len, str_at;
    size_t tail_at, tail_end; /* sections after the node records (mast_file_info_t.tail) */
} masb_t;

static int read_header(masb_t *m)
{
    rd_t *d = &m->d;
    const unsigned char *b = d->r.buf;
    const size_t len = d->r.len;
    if (len < MASB_MAGIC_LEN) {
        if (memcmp(b, MASB_MAGIC, len) == 0)
            return fail_at(d, 0, "the magic MAST\\0 is cut short (truncated)");
        return fail_at(d, 0, "not a MAST file: it does not start with the magic MAST\\0");
    }
    if (memcmp(b, MASB_MAGIC, MASB_MAGIC_LEN) != 0)
        return fail_at(d, 0, "not a MAST file: it does not start with the magic MAST\\0");
    br_skip(&d->r, MASB_MAGIC_LEN);
    uint8_t v[3];
    for (int i = 0; i < 3; i++)
        if (br_u8(&d->r, &v[i]) != 0)
            return read_failed(d, "format version");
    if (v[0] || v[1] || v[2])
        return fail_at(d, MASB_MAGIC_LEN, "unsupported format version %u.%u.%u (fragtrace reads "
                       "version 0.0.0, that of miden-core v0.19.0)", v[0], v[1], v[2]);
    const size_t at = here(d);
    if (br_count(&d->r, NODE_RECORD_SIZE, &m->node_count) != 0)
        return read_failed(d, "node count");
    if (m->node_count > MASB_MAX_NODES)
        return fail_at(d, at, "node count %zu is above fragtrace's limit of %u", m->node_count,
                       MASB_MAX_NODES);
    if (br_count(&d->r, DECORATOR_RECORD_SIZE, &m->decorator_count) != 0)
        return read_failed(d, "decorator count");
    /* procedure roots: Vec<u32> */
    if (br_count(&d->r, 4, &m->n_roots) != 0)
        return read_failed(d, "procedure root count");
    m->roots = malloc((m->n_roots ? m->n_roots : 1) * sizeof *m->roots);
    m->root_at = malloc((m->n_roots ? m->n_roots : 1) * sizeof *m->root_at);
    if (!m->roots || !m->root_at)
        return fail_at(d, here(d), "out of memory");
    for (size_t i = 0; i < m->n_roots; i++) {
        m->root_at[i] = here(d);
        if (br_u32(&d->r, &m->roots[i]) != 0)
            return read_failed(d, "procedure root");
        if (m->roots[i] >= m->node_count)
            return fail_at(d, m->root_at[i], "procedure root %u is not a node (the forest has "
                           "%zu)", m->roots[i], m->node_count);
    }
    /* basic-block data: Vec<u8> */
    if (br_bytes(&d->r, &m->block_data, &m->block_len) != 0)
        return read_failed(d, "basic-block data");
    m->block_at = here(d) - m->block_len;
    return 0;
}

static int read_node_records(masb_t *m)
{
    rd_t *d = &m->d;
    m->nodes = malloc((m->node_count ? m->node_count : 1) * sizeof *m->nodes);
    if (!m->nodes)
        return fail_at(d, here(d), "out of memory");
    for (size_t i = 0; i < m->node_count; i++) {
        node_record_t *n = &m->nodes[i];
        n->at = here(d);
        uint64_t v;
        if (br_u64(&d->r, &v) != 0)
            return read_failed(d, "node record");
        if (br_word(&d->r, &n->digest) != 0)
            return read_failed(d, "node digest");
        const unsigned tag = (unsigned)(v >> 60);
        const uint64_t payload = v & ((UINT64_C(1) << 60) - 1);
        n->type = (uint8_t)tag;
        n->a = n->b = 0;
        switch (tag) {
        case T_JOIN:
        case T_SPLIT:
            n->a = (uint32_t)(payload >> 30);
            n->b = (uint32_t)(payload & 0x3FFFFFFF);
            break;
        case T_LOOP:
        case T_BLOCK:
        case T_CALL:
        case T_SYSCALL:
            if (payload > UINT32_MAX)
                return fail_at(d, n->at, "node %zu (%s): payload %llu does not fit in a u32", i,
                               type_names[tag], (unsigned long long)payload);
            n->a = (uint32_t)payload;
            break;
        case T_DYN:
        case T_DYNCALL:
        case T_EXTERNAL:
            break; /* no payload (upstream ignores the bits) */
        default:
            return fail_at(d, n->at, "node %zu: invalid node type tag %u (0 to 8)", i, tag);
        }
    }
    return 0;
}

static int read_advice_map(masb_t *m, mast_advice_map_t *adv)
{
    rd_t *d = &m->d;
    size_t n;
    /* each entry: a word key and a value count of at least one byte */
    const size_t at = here(d);
    if (br_count(&d->r, 33, &n) != 0)
        return read_failed(d, "advice map entry count");
    if (n == 0)
        return 0;
    if (n > MASB_MAX_ADVICE)
        return fail_at(d, at, "%zu advice map entries: above fragtrace's limit of %u", n,
                       MASB_MAX_ADVICE);
    const size_t first = adv->n;
    size_t cap = adv->n;
    if (grow_array((void **)&adv->keys, &cap, adv->n + n, sizeof *adv->keys, 1) != 0)
        return fail_at(d, here(d), "out of memory");
    cap = adv->n;
    if (grow_array((void **)&adv->values, &cap, adv->n + n, sizeof *adv->values, 1) != 0)
        return fail_at(d, here(d), "out of memory");
    for (size_t i = 0; i < n; i++) {
        word_t key;
        size_t count;
        const size_t key_at = here(d);
        if (br_word(&d->r, &key) != 0)
            return read_failed(d, "advice map key");
        for (size_t j = first; j < adv->n; j++)
            if (word_eq(adv->keys[j], key))
                return fail_at(d, key_at, "advice map key appears twice (upstream writes each "
                               "key once)");
        if (br_count(&d->r, 8, &count) != 0)
            return read_failed(d, "advice map value count");
        felt_list_t *l = &adv->values[adv->n];
        l->n = 0;
        l->v = count ? malloc(count * sizeof *l->v) : NULL;
        if (count && !l->v)
            return fail_at(d, here(d), "out of memory");
        adv->keys[adv->n++] = key;
        for (size_t j = 0; j < count; j++) {
            if (br_felt(&d->r, &l->v[j]) != 0)
                return read_failed(d, "advice map value");
            l->n = j + 1;
        }
    }
    return 0;
}

static int read_error_codes(masb_t *m)
{
    rd_t *d = &m->d;
    size_t n;
    if (br_count(&d->r, 9, &n) != 0) /* u64 code, string length */
        return read_failed(d, "error code count");
    for (size_t i = 0; i < n; i++) {
        uint64_t code;
        if (br_u64(&d->r, &code) != 0)
            return read_failed(d, "error code");
        if (read_string(d, "error message") != 0)
            return -1;
    }
    return 0;
}

/* A string of the string table, by index, as a decorator names it. */
static int check_string_ref(masb_t *m, rd_t *dd, size_t at)
{
    uint64_t idx;
    if (br_usize(&dd->r, &idx) != 0)
        return read_failed(dd, "decorator string index");
    if (idx >= m->n_strings)
        return fail_at(dd, at, "decorator string index %llu is not in the string table (%zu "
                       "strings)", (unsigned long long)idx, m->n_strings);
    const size_t off = m->str_offsets[idx];
    if (off > m->str_len)
        return fail_at(dd, at, "string %llu starts at offset %zu, past the string data (%zu "
                       "bytes)", (unsigned long long)idx, off, m->str_len);
    rd_t s;
    sub_reader(dd, &s, m->str_data + off, m->str_len - off, m->str_at + off);
    return read_string(&s, "decorator string");
}

/* Decode decorator record i (variant, data offset) as upstream would, to
 * reject what upstream rejects; the decorator itself is dropped. */
static int check_decorator(masb_t *m, size_t i, uint8_t variant, uint32_t off, size_t at)
{
    rd_t *d = &m->d;
    if (variant >= N_DECORATOR_VARIANTS)
        return fail_at(d, at, "decorator %zu: invalid variant %u (0 to 7)", i, variant);
    if (off > m->dec_len)
        return fail_at(d, at + 1, "decorator %zu: data offset %u is past the decorator data "
                       "(%zu bytes)", i, off, m->dec_len);
    rd_t dd;
    sub_reader(d, &dd, m->dec_data + off, m->dec_len - off, m->dec_at + off);
    uint8_t u8;
    uint32_t u32;
    switch (variant) {
    case 0: { /* AssemblyOp: cycles, should_break, optional location, context, op */
        uint8_t flag[2];
        if (br_u8(&dd.r, &u8) != 0 || br_u8(&dd.r, &flag[0]) != 0 || br_u8(&dd.r, &flag[1]) != 0)
            return read_failed(&dd, "assembly-op decorator");
        if (flag[0] > 1 || flag[1] > 1)
            return fail_at(&dd, here(&dd) - (flag[1] > 1 ? 1 : 2), "assembly-op decorator: a "
                           "boolean is neither 0 nor 1");
        if (flag[1]) {
            if (check_string_ref(m, &dd, here(&dd)) != 0)
                return -1;
            if (br_u32(&dd.r, &u32) != 0 || br_u32(&dd.r, &u32) != 0)
                return read_failed(&dd, "assembly-op decorator location");
        }
        if (check_string_ref(m, &dd, here(&dd)) != 0 || check_string_ref(m, &dd, here(&dd)) != 0)
            return -1;
        return 0;
    }
    case 2: /* DebugOptions::StackTop(u8) */
        return br_u8(&dd.r, &u8) != 0 ? read_failed(&dd, "decorator data") : 0;
    case 4: /* MemInterval(u32, u32) */
        return br_skip(&dd.r, 8) != 0 ? read_failed(&dd, "decorator data") : 0;
    case 5: /* LocalInterval(u16, u16, u16) */
        return br_skip(&dd.r, 6) != 0 ? read_failed(&dd, "decorator data") : 0;
    case 6: /* AdvStackTop(u16) */
        return br_skip(&dd.r, 2) != 0 ? read_failed(&dd, "decorator data") : 0;
    case 7: /* Trace(u32) */
        return br_u32(&dd.r, &u32) != 0 ? read_failed(&dd, "decorator data") : 0;
    default: /* StackAll, MemAll: no data */
        return 0;
    }
}

static int read_decorators(masb_t *m)
{
    rd_t *d = &m->d;
    if (br_bytes(&d->r, &m->dec_data, &m->dec_len) != 0)
        return read_failed(d, "decorator data");
    m->dec_at = here(d) - m->dec_len;
    /* string table: Vec<usize> offsets, then Vec<u8> data */
    if (br_count(&d->r, 1, &m->n_strings) != 0)
        return read_failed(d, "string table count");
    m->str_offsets = malloc((m->n_strings ? m->n_strings : 1) * sizeof *m->str_offsets);
    if (!m->str_offsets)
        return fail_at(d, here(d), "out of memory");
    for (size_t i = 0; i < m->n_strings; i++) {
        uint64_t off;
        if (br_usize(&d->r, &off) != 0)
            return read_failed(d, "string table offset");
        m->str_offsets[i] = off > SIZE_MAX ? SIZE_MAX : (size_t)off;
    }
    if (br_bytes(&d->r, &m->str_data, &m->str_len) != 0)
        return read_failed(d, "string data");
    m->str_at = here(d) - m->str_len;
    for (size_t i = 0; i < m->decorator_count; i++) {
        const size_t at = here(d);
        uint8_t variant;
        uint32_t off;
        if (br_u8(&d->r, &variant) != 0 || br_u32(&d->r, &off) != 0)
            return read_failed(d, "decorator record");
        if (check_decorator(m, i, variant, off, at) != 0)
            return -1;
    }
    return 0;
}

/* A node index of a decorator list. */
static int list_node(masb_t *m, const char *what, int block_only)
{
    rd_t *d = &m->d;
    const size_t at = here(d);
    uint64_t node;
    if (br_usize(&d->r, &node) != 0)
        return read_failed(d, what);
    if (node >= m->node_count)
        return fail_at(d, at, "%s: node %llu does not exist (the forest has %zu)", what,
                       (unsigned long long)node, m->node_count);
    if (block_only && m->nodes[node].type != T_BLOCK)
        return fail_at(d, at, "%s: node %llu is a %s, not a basic block", what,
                       (unsigned long long)node, type_names[m->nodes[node].type]);
    return 0;
}

static int decorator_id(masb_t *m, const char *what)
{
    rd_t *d = &m->d;
    const size_t at = here(d);
    uint32_t id;
    if (br_u32(&d->r, &id) != 0)
        return read_failed(d, what);
    if (id >= m->decorator_count)
        return fail_at(d, at, "%s: decorator %u does not exist (the forest has %zu)", what, id,
                       m->decorator_count);
    return 0;
}

static int read_decorator_lists(masb_t *m)
{
    rd_t *d = &m->d;
    size_t n, k;
    /* basic-block decorators: (node, [(op index, decorator)]) */
    if (br_count(&d->r, 2, &n) != 0)
        return read_failed(d, "basic-block decorator list count");
    for (size_t i = 0; i < n; i++) {
        if (list_node(m, "basic-block decorator list", 1) != 0)
            return -1;
        if (br_count(&d->r, 5, &k) != 0)
            return read_failed(d, "basic-block decorator count");
        for (size_t j = 0; j < k; j++) {
            uint64_t op;
            if (br_usize(&d->r, &op) != 0)
                return read_failed(d, "decorated operation index");
            if (decorator_id(m, "basic-block decorator") != 0)
                return -1;
        }
    }
    /* before-enter, then after-exit decorators: (node, [decorator]) */
    for (int pass = 0; pass < 2; pass++) {
        const char *what = pass ? "after-exit decorators" : "before-enter decorators";
        if (br_count(&d->r, 2, &n) != 0)
            return read_failed(d, what);
        for (size_t i = 0; i < n; i++) {
            if (list_node(m, what, 0) != 0)
                return -1;
            if (br_count(&d->r, 4, &k) != 0)
                return read_failed(d, what);
            for (size_t j = 0; j < k; j++)
                if (decorator_id(m, what) != 0)
                    return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Nodes                                                               */

/* The operations of basic block i: Vec<Operation> at its offset. */
static int decode_block(masb_t *m, size_t i, op_t **raw, size_t *cap, uint32_t *n_raw,
                        size_t *total_ops)
{
    const node_record_t *n = &m->nodes[i];
    rd_t *d = &m->d;
    if (n->a > m->block_len)
        return fail_at(d, n->at, "node %zu (basic block): operations offset %u is past the "
                       "basic-block data (%zu bytes)", i, n->a, m->block_len);
    rd_t b;
    sub_reader(d, &b, m->block_data + n->a, m->block_len - n->a, m->block_at + n->a);
    const size_t at = here(&b);
    size_t count;
    if (br_count(&b.r, 1, &count) != 0)
        return read_failed(&b, "operation count");
    if (count == 0)
        return fail_at(&b, at, "node %zu: a basic block needs at least one operation", i);
    if (count > MASB_MAX_OPS - *total_ops)
        return fail_at(&b, at, "node %zu: more than fragtrace's limit of %u operations in the "
                       "forest", i, MASB_MAX_OPS);
    *total_ops += count;
    if (grow_array((void **)raw, cap, count, sizeof **raw, 64) != 0)
        return fail_at(&b, at, "out of memory");
    for (size_t j = 0; j < count; j++) {
        const size_t op_at = here(&b);
        uint8_t code;
        if (br_u8(&b.r, &code) != 0)
            return read_failed(&b, "operation");
        const op_info_t *info = op_by_code(code);
        if (!info) {
            const char *name = op_name(code);
            return fail_at(&b, op_at, "node %zu: opcode %u%s%s%s is not a basic-block "
                           "operation", i, code, name ? " (" : "", name ? name : "",
                           name ? ")" : "");
        }
        op_t *o = &(*raw)[j];
        memset(o, 0, sizeof *o);
        o->opcode = code;
        if (info->imm != IMM_NONE && br_felt(&b.r, &o->imm) != 0)
            return read_failed(&b, info->imm == IMM_PUSH ? "push value" : "error code");
    }
    *n_raw = (uint32_t)count;
    return 0;
}

static int build_nodes(masb_t *m, mast_forest_t *f)
{
    rd_t *d = &m->d;
    const uint32_t base = f->n_nodes;
    op_t *raw = NULL;
    size_t cap = 0, total_ops = 0;
    int rc = -1;
    const word_t dyn_digest[2] = { mast_dyn_digest(0), mast_dyn_digest(1) };
    for (size_t i = 0; i < m->node_count; i++) {
        const node_record_t *n = &m->nodes[i];
        const unsigned t = n->type;
        const int two = t == T_JOIN || t == T_SPLIT;
        const int one = two || t == T_LOOP || t == T_CALL || t == T_SYSCALL;
        if ((one && n->a >= i) || (two && n->b >= i)) {
            fail_at(d, n->at, "node %zu (%s): child %u does not come before it (nodes are "
                    "stored children first)", i, type_names[t], (one && n->a >= i) ? n->a : n->b);
            goto out;
        }
        long id;
        switch (t) {
        case T_BLOCK: {
            uint32_t n_raw = 0;
            if (decode_block(m, i, &raw, &cap, &n_raw, &total_ops) != 0)
                goto out;
            id = mast_forest_add_block(f, raw, n_raw, 0, 0);
            break;
        }
        case T_JOIN:
            id = mast_forest_add_control(f, NODE_JOIN, base + n->a, base + n->b, 0, 0);
            break;
        case T_SPLIT:
            id = mast_forest_add_control(f, NODE_SPLIT, base + n->a, base + n->b, 0, 0);
            break;
        case T_LOOP:
            id = mast_forest_add_control(f, NODE_LOOP, base + n->a, 0, 0, 0);
            break;
        case T_CALL:
            id = mast_forest_add_control(f, NODE_CALL, base + n->a, 0, 0, 0);
            break;
        case T_SYSCALL:
            id = mast_forest_add_control(f, NODE_SYSCALL, base + n->a, 0, 0, 0);
            break;
        case T_DYN:
        case T_DYNCALL:
            id = mast_forest_add_leaf(f, t == T_DYN ? NODE_DYN : NODE_DYNCALL,
                                      dyn_digest[t == T_DYNCALL], 0, 0);
            break;
        default:
            id = mast_forest_add_leaf(f, NODE_EXTERNAL, n->digest, 0, 0);
            break;
        }
        if (id < 0) {
            fail_at(d, n->at, "node %zu (%s): %s", i, type_names[t],
                    id == MAST_ADD_BAD_BLOCK ? "its operations cannot be batched"
                    : id == MAST_ADD_TOO_MANY ? "the program is too large" : "out of memory");
            goto out;
        }
        if (!word_eq(f->nodes[id].digest, n->digest)) {
            char want[67], got[67];
            word_to_hex(n->digest, want);
            word_to_hex(f->nodes[id].digest, got);
            fail_at(d, n->at + 8, "node %zu (%s): the file gives digest %s, but the node "
                    "hashes to %s", i, type_names[t], want, got);
            goto out;
        }
    }
    rc = 0;
out:
    free(raw);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Program part, procedures                                            */

static int read_program_tail(masb_t *m, mast_forest_t *f, uint32_t *entry)
{
    rd_t *d = &m->d;
    if (br_left(&d->r) == 0)
        return fail_at(d, here(d), "the file ends after the MAST forest: this is a library "
                       "(.mast) with no kernel or entrypoint; run a program (.masb) and give "
                       "libraries with --lib");
    size_t at = here(d);
    uint8_t n;
    if (br_u8(&d->r, &n) != 0)
        return read_failed(d, "kernel procedure count");
    /* a u8 count: at most KERNEL_MAX_PROCS (255) */
    for (unsigned i = 0; i < n; i++) {
        at = here(d);
        word_t w;
        if (br_word(&d->r, &w) != 0)
            return read_failed(d, "kernel procedure digest");
        if (i > 0 && word_cmp_bytes(f->kernel[i - 1], w) >= 0)
            return fail_at(d, at, "kernel procedure %u: the digests are not in upstream's "
                           "order (ascending by their bytes, no duplicates)", i);
        f->kernel[i] = w;
        f->n_kernel = i + 1;
    }
    at = here(d);
    if (br_u32(&d->r, entry) != 0)
        return read_failed(d, "entrypoint");
    if (*entry >= m->node_count)
        return fail_at(d, at, "entrypoint %u is not a node (the forest has %zu)", *entry,
                       m->node_count);
    int is_root = 0;
    for (size_t i = 0; i < m->n_roots && !is_root; i++)
        is_root = m->roots[i] == *entry;
    if (!is_root)
        return fail_at(d, at, "entrypoint %u is not a procedure root", *entry);
    return 0;
}

static int add_procedures(masb_t *m, mast_forest_t *f, uint32_t base, unsigned lib_index,
                          uint32_t entry)
{
    rd_t *d = &m->d;
    for (size_t i = 0; i < m->n_roots; i++) {
        const uint32_t node = base + m->roots[i];
        if (f->nodes[node].kind == NODE_EXTERNAL)
            continue; /* a reference to another forest's procedure, nothing of its own */
        if (m->kind == MASB_PROGRAM && m->roots[i] == entry)
            continue; /* the entry: begin ... end */
        char name[48];
        int len = m->kind == MASB_PROGRAM ? snprintf(name, sizeof name, "p%zu", i)
                                          : snprintf(name, sizeof name, "lib%u:p%zu", lib_index, i);
        if (mast_find_proc_named(f, name, (size_t)len) >= 0)
            return fail_at(d, m->root_at[i], "procedure root %zu: the name %s is taken", i, name);
        const long rc = mast_forest_add_proc(f, name, (size_t)len, node,
                                             m->kind == MASB_PROGRAM ? PROC_PLAIN : PROC_LIBRARY,
                                             0, 0);
        if (rc < 0)
            return fail_at(d, m->root_at[i], "%s", rc == MAST_ADD_TOO_MANY ? "too many procedures"
                           : "out of memory");
    }
    return 0;
}

/* What writing the file again needs and the forest does not hold
 * (mast_file_info_t): the root list as the file gives it and the sections
 * after the node records, verbatim. */
static int keep_file_info(masb_t *m, mast_forest_t *f, const unsigned char *buf)
{
    mast_file_info_t *fi = &f->file;
    const size_t tail_len = m->tail_end - m->tail_at;
    fi->roots = malloc((m->n_roots ? m->n_roots : 1) * sizeof *fi->roots);
    fi->tail = malloc(tail_len ? tail_len : 1);
    if (!fi->roots || !fi->tail)
        return fail_at(&m->d, 0, "out of memory");
    if (m->n_roots)
        memcpy(fi->roots, m->roots, m->n_roots * sizeof *fi->roots);
    if (tail_len)
        memcpy(fi->tail, buf + m->tail_at, tail_len);
    fi->n_roots = (uint32_t)m->n_roots;
    fi->tail_len = tail_len;
    fi->n_nodes = (uint32_t)m->node_count;
    fi->n_decorators = m->decorator_count;
    fi->library = m->kind == MASB_LIBRARY;
    fi->kept = 1;
    return 0;
}

int masb_read(const char *file, const unsigned char *buf, size_t len, masb_kind_t kind,
              unsigned lib_index, mast_forest_t *f, mast_advice_map_t *adv, char *err,
              size_t err_len)
{
    masb_t m;
    memset(&m, 0, sizeof m);
    m.kind = kind;
    m.d.file = file;
    m.d.err = err;
    m.d.err_len = err_len;
    br_init(&m.d.r, buf, len);
    int rc = -1;
    uint32_t entry = 0;
    const uint32_t base = f->n_nodes;
    if (len > MASB_MAX_BYTES) {
        fail_at(&m.d, 0, "the file is larger than fragtrace's limit of %zu bytes",
                MASB_MAX_BYTES);
        goto out;
    }
    if (kind == MASB_PROGRAM && (f->n_nodes || f->n_procs || f->n_kernel)) {
        fail_at(&m.d, 0, "internal error: a program is read into an empty forest");
        goto out;
    }
    if (read_header(&m) != 0 || read_node_records(&m) != 0)
        goto out;
    m.tail_at = here(&m.d);
    if (read_advice_map(&m, adv) != 0 || read_error_codes(&m) != 0 || read_decorators(&m) != 0 ||
        read_decorator_lists(&m) != 0)
        goto out;
    m.tail_end = here(&m.d);
    if (kind == MASB_PROGRAM) {
        if (read_program_tail(&m, f, &entry) != 0)
            goto out;
    }
    if (br_left(&m.d.r) != 0) {
        if (kind == MASB_LIBRARY)
            fail_at(&m.d, here(&m.d), "%zu bytes follow the MAST forest: a program (.masb)? "
                    "--lib takes a bare MAST forest (.mast)", br_left(&m.d.r));
        else
            fail_at(&m.d, here(&m.d), "%zu bytes follow the program's end", br_left(&m.d.r));
        goto out;
    }
    if (build_nodes(&m, f) != 0)
        goto out;
    if (kind == MASB_PROGRAM) {
        f->entry = base + entry;
        if (f->n_procs == 0)
            mast_forest_salt_index(f, (const char *)buf, len);
    }
    if (add_procedures(&m, f, base, lib_index, entry) != 0)
        goto out;
    if (base == 0 && keep_file_info(&m, f, buf) != 0)
        goto out;
    rc = 0;
out:
    free(m.roots);
    free(m.root_at);
    free(m.nodes);
    free(m.str_offsets);
    return rc;
}

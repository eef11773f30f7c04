/*
 * forest.c - MAST forest storage, look-ups and digest helpers (forest.h).
 *
 * Procedure look-ups go through hash tables filled as procedures are added
 * and salted by the program text; the kernel (at most 255 digests, kept
 * sorted) is binary-searched.
 */
#include "forest.h"

#include <stdlib.h>
#include <string.h>

#include "util/grow.h"
#include "util/le.h"

void mast_forest_init(mast_forest_t *f)
{
    memset(f, 0, sizeof *f);
}

void mast_forest_free(mast_forest_t *f)
{
    for (uint32_t i = 0; i < f->n_procs; i++)
        free(f->procs[i].name);
    free(f->procs);
    free(f->index.by_name.slots);
    free(f->index.by_digest.slots);
    free(f->index.by_node.slots);
    free(f->nodes);
    free(f->ops);
    free(f->batches);
    free(f->file.roots);
    free(f->file.tail);
    memset(f, 0, sizeof *f);
}

int word_eq(word_t a, word_t b)
{
    return a.v[0] == b.v[0] && a.v[1] == b.v[1] && a.v[2] == b.v[2] && a.v[3] == b.v[3];
}

/* A digest's bytes: its felts in order, each little-endian. */
static void word_bytes(word_t w, unsigned char b[8 * RPO_DIGEST_LEN])
{
    for (int k = 0; k < RPO_DIGEST_LEN; k++)
        le_put64(b + 8 * k, w.v[k]);
}

int word_cmp_bytes(word_t a, word_t b)
{
    unsigned char x[8 * RPO_DIGEST_LEN], y[8 * RPO_DIGEST_LEN];
    word_bytes(a, x);
    word_bytes(b, y);
    const int c = memcmp(x, y, sizeof x);
    return c < 0 ? -1 : c > 0;
}

/* ------------------------------------------------------------------ */
/* The procedure index: three hash tables (forest.h)                   */

/* At most 2^30 procedures, so that a table (twice as many slots) keeps its
 * size in 32 bits. The 16 MiB text limit allows about a million. */
#define MAST_MAX_PROCS (1u << 30)
#define TABLE_MIN_SLOTS 64u

/* The splitmix64 finaliser: every input bit reaches every output bit, so
 * that the low bits that pick a slot spread even small, regular keys
 * (node indices, hand-written digests). */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static uint32_t fold(uint64_t h) { return (uint32_t)h ^ (uint32_t)(h >> 32); }

/* The hashes start from the index's salt (mast_forest_salt_index), so that
 * which names, digests or nodes share slots cannot be worked out without
 * the salt: the text decides its own salt, and procedures crafted to pile
 * up for one salt are spread by the salt their text gives. */
static uint32_t name_hash(uint64_t salt, const char *name, size_t len)
{
    uint64_t h = salt ^ UINT64_C(0xcbf29ce484222325); /* FNV-1a over the bytes, then mixed */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)name[i]) * UINT64_C(0x100000001b3);
    return fold(mix64(h));
}

static uint32_t digest_hash(uint64_t salt, word_t d, int library)
{
    uint64_t h = salt ^ (uint64_t)library;
    for (int k = 0; k < RPO_DIGEST_LEN; k++)
        h = mix64(h ^ d.v[k]);
    return fold(h);
}

static uint32_t node_hash(uint64_t salt, uint32_t node) { return fold(mix64(salt ^ node)); }

void mast_forest_salt_index(mast_forest_t *f, const char *text, size_t len)
{
    if (f->n_procs > 0)
        return; /* the tables are keyed already */
    uint64_t h = mix64(len), w;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        memcpy(&w, text + i, 8);
        h = mix64(h ^ w);
    }
    w = 0;
    if (len > i)
        memcpy(&w, text + i, len - i);
    f->index.salt = mix64(h ^ w);
}

typedef struct {
    const char *name;
    size_t len;
} name_key_t;

typedef struct {
    word_t digest;
    int library;
} digest_key_t;

typedef int (*key_eq_t)(const mast_forest_t *f, uint32_t proc, const void *key);

static int name_eq(const mast_forest_t *f, uint32_t proc, const void *key)
{
    const name_key_t *k = key;
    const char *name = f->procs[proc].name;
    return strlen(name) == k->len && memcmp(name, k->name, k->len) == 0;
}

static int digest_eq(const mast_forest_t *f, uint32_t proc, const void *key)
{
    const digest_key_t *k = key;
    const mast_proc_t *p = &f->procs[proc];
    return (p->kind == PROC_LIBRARY) == (k->library != 0) &&
           word_eq(f->nodes[p->node].digest, k->digest);
}

static int node_eq(const mast_forest_t *f, uint32_t proc, const void *key)
{
    return f->procs[proc].node == *(const uint32_t *)key;
}

static long table_find(const mast_forest_t *f, const proc_table_t *t, uint32_t hash, key_eq_t eq,
                       const void *key)
{
    if (!t->slots)
        return -1;
    /* At most half full: the probe always reaches an empty slot. */
    for (uint32_t i = hash & t->mask;; i = (i + 1) & t->mask) {
        const proc_slot_t *s = &t->slots[i];
        if (s->proc1 == 0)
            return -1;
        if (s->hash == hash && eq(f, s->proc1 - 1, key))
            return (long)(s->proc1 - 1);
    }
}

/* Make room for one more entry (doubling, rehashed from the stored hashes). */
static int table_reserve(proc_table_t *t)
{
    const uint32_t slots = t->slots ? t->mask + 1 : 0;
    if ((uint64_t)(t->used + 1) * 2 <= slots)
        return 0;
    const uint32_t cap = slots ? slots * 2 : TABLE_MIN_SLOTS;
    proc_slot_t *ns = calloc(cap, sizeof *ns);
    if (!ns)
        return -1;
    for (uint32_t i = 0; i < slots; i++) {
        if (t->slots[i].proc1 == 0)
            continue;
        uint32_t j = t->slots[i].hash & (cap - 1);
        while (ns[j].proc1 != 0)
            j = (j + 1) & (cap - 1);
        ns[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = ns;
    t->mask = cap - 1;
    return 0;
}

/* Enter proc unless an earlier procedure has the same key (the first one
 * defined is the one found). Room was reserved: this cannot fail. */
static void table_add(const mast_forest_t *f, proc_table_t *t, uint32_t hash, key_eq_t eq,
                      const void *key, uint32_t proc)
{
    if (table_find(f, t, hash, eq, key) >= 0)
        return;
    uint32_t i = hash & t->mask;
    while (t->slots[i].proc1 != 0)
        i = (i + 1) & t->mask;
    t->slots[i].hash = hash;
    t->slots[i].proc1 = proc + 1;
    t->used++;
}

long mast_forest_add_proc(mast_forest_t *f, const char *name, size_t len, uint32_t node,
                          proc_kind_t kind, uint32_t line, uint32_t col)
{
    if (f->n_procs >= MAST_MAX_PROCS)
        return MAST_ADD_TOO_MANY;
    size_t cap = f->cap_procs;
    if (grow_array((void **)&f->procs, &cap, (size_t)f->n_procs + 1, sizeof *f->procs, 64) != 0)
        return MAST_ADD_OOM;
    f->cap_procs = (uint32_t)cap; /* at most MAST_MAX_PROCS */
    /* Allocate everything first: a failure leaves the procedures and the
       tables as they were. */
    char *copy = malloc(len + 1);
    if (!copy || table_reserve(&f->index.by_name) != 0 ||
        table_reserve(&f->index.by_digest) != 0 || table_reserve(&f->index.by_node) != 0) {
        free(copy);
        return MAST_ADD_OOM;
    }
    memcpy(copy, name, len);
    copy[len] = '\0';
    const uint32_t i = f->n_procs;
    mast_proc_t *p = &f->procs[i];
    p->name = copy;
    p->node = node;
    p->kind = kind;
    p->line = line;
    p->col = col;
    f->n_procs++;
    const name_key_t nk = { name, len };
    const digest_key_t dk = { f->nodes[node].digest, kind == PROC_LIBRARY };
    const uint64_t salt = f->index.salt;
    table_add(f, &f->index.by_name, name_hash(salt, name, len), name_eq, &nk, i);
    table_add(f, &f->index.by_digest, digest_hash(salt, dk.digest, dk.library), digest_eq, &dk,
              i);
    table_add(f, &f->index.by_node, node_hash(salt, node), node_eq, &node, i);
    return (long)i;
}

long mast_find_proc_before(const mast_forest_t *f, word_t digest, int with_library,
                           uint32_t limit)
{
    digest_key_t k = { digest, 0 };
    long p = table_find(f, &f->index.by_digest, digest_hash(f->index.salt, digest, 0), digest_eq,
                        &k);
    if (p >= 0 && (uint32_t)p < limit)
        return p;
    if (!with_library)
        return -1;
    k.library = 1;
    p = table_find(f, &f->index.by_digest, digest_hash(f->index.salt, digest, 1), digest_eq, &k);
    return p >= 0 && (uint32_t)p < limit ? p : -1;
}

long mast_find_proc(const mast_forest_t *f, word_t digest, int with_library)
{
    return mast_find_proc_before(f, digest, with_library, f->n_procs);
}

long mast_find_proc_named(const mast_forest_t *f, const char *name, size_t len)
{
    const name_key_t k = { name, len };
    return table_find(f, &f->index.by_name, name_hash(f->index.salt, name, len), name_eq, &k);
}

long mast_proc_of_node(const mast_forest_t *f, uint32_t node)
{
    return table_find(f, &f->index.by_node, node_hash(f->index.salt, node), node_eq, &node);
}

long mast_resolve_digest(const mast_forest_t *f, word_t digest)
{
    const long p = mast_find_proc(f, digest, 1);
    if (p >= 0)
        return (long)f->procs[p].node;
    if (word_eq(digest, mast_program_hash(f)))
        return (long)f->entry;
    return -1;
}

void mast_forest_resolve_externals(mast_forest_t *f)
{
    for (uint32_t id = 0; id < f->n_nodes; id++) {
        if (f->nodes[id].kind != NODE_EXTERNAL)
            continue;
        uint32_t node = id;
        uint32_t resolved = MAST_NO_NODE;
        for (int hops = 0; hops < MAST_EXTERNAL_MAX_HOPS; hops++) {
            const long target = mast_resolve_digest(f, f->nodes[node].digest);
            if (target < 0 || (uint32_t)target == node)
                break;
            node = (uint32_t)target;
            if (f->nodes[node].kind != NODE_EXTERNAL) {
                resolved = node;
                break;
            }
        }
        f->nodes[id].child[0] = resolved;
    }
}

int mast_kernel_contains(const mast_forest_t *f, word_t digest)
{
    uint32_t lo = 0, hi = f->n_kernel;
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        const int c = word_cmp_bytes(f->kernel[mid], digest);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

void word_to_hex(word_t w, char buf[67])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char b[8 * RPO_DIGEST_LEN];
    word_bytes(w, b);
    buf[0] = '0';
    buf[1] = 'x';
    size_t n = 2;
    for (size_t i = 0; i < sizeof b; i++) {
        buf[n++] = digits[b[i] >> 4];
        buf[n++] = digits[b[i] & 15];
    }
    buf[n] = '\0';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int word_from_hex(const char *s, size_t len, word_t *out)
{
    if (len != 66 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return -1;
    for (int k = 0; k < RPO_DIGEST_LEN; k++) {
        uint64_t v = 0;
        for (int byte = 0; byte < 8; byte++) {
            const int hi = hex_digit(s[2 + 16 * k + 2 * byte]);
            const int lo = hex_digit(s[3 + 16 * k + 2 * byte]);
            if (hi < 0 || lo < 0)
                return -1;
            v |= (uint64_t)(hi * 16 + lo) << (8 * byte);
        }
        if (v >= FELT_P)
            return -1;
        out->v[k] = v;
    }
    return 0;
}

word_t mast_block_digest(const op_batch_t *batches, uint32_t n_batches)
{
    /* hash_elements over 8 * n_batches felts, absorbed one batch (one full
       rate) at a time; the length is a multiple of 8, so state[0] = 0 and
       no padding permutation follows. */
    felt_t state[RPO_WIDTH] = { 0 };
    for (uint32_t b = 0; b < n_batches; b++) {
        for (int g = 0; g < BATCH_GROUPS; g++)
            state[RPO_RATE_START + g] = batches[b].groups[g];
        rpo_permute(state);
    }
    word_t w;
    for (int k = 0; k < RPO_DIGEST_LEN; k++)
        w.v[k] = state[RPO_RATE_START + k];
    return w;
}

/* ------------------------------------------------------------------ */
/* Node creation (forest.h), shared by parse.c and masb.c              */

/* grow_array for the forest's 32-bit capacities. They are powers of two
 * (from 64): one for more than 2^31 elements would not fit in 32 bits, and
 * up to 2^31 the new capacity does (it is below 2 * need). */
static int forest_grow(void **arr, uint32_t *cap, uint64_t need, size_t elem)
{
    if (need > *cap && need > UINT32_MAX / 2 + 1)
        return MAST_ADD_TOO_MANY;
    size_t nc = *cap;
    if (grow_array(arr, &nc, (size_t)need, elem, 64) != 0)
        return MAST_ADD_OOM;
    *cap = (uint32_t)nc;
    return 0;
}

long mast_forest_new_node(mast_forest_t *f, node_kind_t kind, uint32_t line, uint32_t col)
{
    const int rc = forest_grow((void **)&f->nodes, &f->cap_nodes, (uint64_t)f->n_nodes + 1,
                               sizeof *f->nodes);
    if (rc != 0)
        return rc;
    mast_node_t *n = &f->nodes[f->n_nodes];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->line = line;
    n->col = col;
    return (long)f->n_nodes++;
}

static word_t zero_word(void)
{
    const word_t z = { { 0, 0, 0, 0 } };
    return z;
}

long mast_forest_add_control(mast_forest_t *f, node_kind_t kind, uint32_t a, uint32_t b,
                             uint32_t line, uint32_t col)
{
    const long id = mast_forest_new_node(f, kind, line, col);
    if (id < 0)
        return id;
    mast_node_t *n = &f->nodes[id];
    n->child[0] = a;
    n->child[1] = b;
    const word_t da = f->nodes[a].digest;
    switch (kind) {
    case NODE_JOIN: n->digest = rpo_merge_in_domain(da, f->nodes[b].digest, DOMAIN_JOIN); break;
    case NODE_SPLIT: n->digest = rpo_merge_in_domain(da, f->nodes[b].digest, DOMAIN_SPLIT); break;
    case NODE_LOOP: n->digest = rpo_merge_in_domain(da, zero_word(), DOMAIN_LOOP); break;
    case NODE_CALL: n->digest = rpo_merge_in_domain(da, zero_word(), DOMAIN_CALL); break;
    case NODE_SYSCALL: n->digest = rpo_merge_in_domain(da, zero_word(), DOMAIN_SYSCALL); break;
    default: break;
    }
    return id;
}

long mast_forest_add_leaf(mast_forest_t *f, node_kind_t kind, word_t digest, uint32_t line,
                          uint32_t col)
{
    const long id = mast_forest_new_node(f, kind, line, col);
    if (id >= 0)
        f->nodes[id].digest = digest;
    return id;
}

word_t mast_dyn_digest(int dyncall)
{
    return rpo_merge_in_domain(zero_word(), zero_word(), dyncall ? DOMAIN_DYNCALL : DOMAIN_DYN);
}

long mast_forest_add_block(mast_forest_t *f, const op_t *raw, uint32_t n_raw, uint32_t line,
                           uint32_t col)
{
    if (n_raw == 0)
        return MAST_ADD_BAD_BLOCK;
    int rc = forest_grow((void **)&f->ops, &f->cap_ops,
                         (uint64_t)f->n_ops + BATCH_OPS_BOUND((uint64_t)n_raw), sizeof *f->ops);
    if (rc == 0)
        rc = forest_grow((void **)&f->batches, &f->cap_batches,
                         (uint64_t)f->n_batches + BATCH_BATCHES_BOUND((uint64_t)n_raw),
                         sizeof *f->batches);
    if (rc != 0)
        return rc;
    uint32_t n_ops, n_batches;
    if (batch_ops(raw, n_raw, f->ops + f->n_ops, f->cap_ops - f->n_ops, f->batches + f->n_batches,
                  f->cap_batches - f->n_batches, &n_ops, &n_batches) != BATCH_OK)
        return MAST_ADD_BAD_BLOCK;
    const long id = mast_forest_new_node(f, NODE_BLOCK, line, col);
    if (id < 0)
        return id;
    mast_node_t *n = &f->nodes[id];
    n->ops_start = f->n_ops;
    n->n_ops = n_ops;
    n->batches_start = f->n_batches;
    n->n_batches = n_batches;
    n->digest = mast_block_digest(f->batches + f->n_batches, n_batches);
    f->n_ops += n_ops;
    f->n_batches += n_batches;
    return id;
}

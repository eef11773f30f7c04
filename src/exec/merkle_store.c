/*
 * merkle_store.c - the Merkle store (see merkle_store.h).
 */
#include "exec/merkle_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int word_eq(word_t a, word_t b)
{
    return a.v[0] == b.v[0] && a.v[1] == b.v[1] && a.v[2] == b.v[2] && a.v[3] == b.v[3];
}

/* ------------------------------------------------------------------ */
/* The node table                                                      */

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return h;
}

static size_t key_slot(word_t k, size_t cap)
{
    uint64_t h = mix64(k.v[0] ^ mix64(k.v[1] ^ mix64(k.v[2] ^ mix64(k.v[3]))));
    return (size_t)h & (cap - 1);
}

void merkle_store_init(merkle_store_t *s)
{
    memset(s, 0, sizeof *s);
}

void merkle_store_free(merkle_store_t *s)
{
    free(s->slot);
    free(s->used);
    free(s->empty);
    memset(s, 0, sizeof *s);
}

static int grow(merkle_store_t *s)
{
    const size_t cap = s->cap ? s->cap * 2 : 1024;
    if (cap < s->cap || cap > SIZE_MAX / sizeof *s->slot)
        return -1;
    merkle_node_t *slot = malloc(cap * sizeof *slot);
    uint8_t *used = calloc(cap, 1);
    if (!slot || !used) {
        free(slot);
        free(used);
        return -1;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->used[i])
            continue;
        size_t j = key_slot(s->slot[i].key, cap);
        while (used[j])
            j = (j + 1) & (cap - 1);
        used[j] = 1;
        slot[j] = s->slot[i];
    }
    free(s->slot);
    free(s->used);
    s->slot = slot;
    s->used = used;
    s->cap = cap;
    return 0;
}

/* The slot holding key, or the free slot where it would go. */
static size_t probe(const merkle_store_t *s, word_t key)
{
    size_t j = key_slot(key, s->cap);
    while (s->used[j] && !word_eq(s->slot[j].key, key))
        j = (j + 1) & (s->cap - 1);
    return j;
}

static int put(merkle_store_t *s, word_t key, word_t left, word_t right, int replace)
{
    if (2 * (s->n + 1) > s->cap && grow(s) != 0)
        return -1;
    const size_t j = probe(s, key);
    if (s->used[j] && !replace)
        return 0;
    if (!s->used[j]) {
        s->used[j] = 1;
        s->n++;
    }
    s->slot[j] = (merkle_node_t){ key, left, right };
    return 0;
}

int merkle_store_insert(merkle_store_t *s, word_t key, word_t left, word_t right)
{
    return put(s, key, left, right, 1);
}

int merkle_store_extend(merkle_store_t *dst, const merkle_store_t *src)
{
    for (size_t i = 0; i < src->cap; i++)
        if (src->used[i] &&
            put(dst, src->slot[i].key, src->slot[i].left, src->slot[i].right, 1) != 0)
            return -1;
    return 0;
}

/* The empty-subtree roots, computed once per store. */
static const word_t *empty_roots(merkle_store_t *s)
{
    if (!s->empty) {
        word_t *e = malloc(MERKLE_EMPTY_ROOTS * sizeof *e);
        if (!e)
            return NULL;
        e[0] = (word_t){ { 0, 0, 0, 0 } };
        for (unsigned k = 1; k < MERKLE_EMPTY_ROOTS; k++)
            e[k] = rpo_merge(e[k - 1], e[k - 1]);
        s->empty = e;
    }
    return s->empty;
}

word_t merkle_store_empty_root(merkle_store_t *s, unsigned k)
{
    const word_t *e = empty_roots(s);
    return e && k < MERKLE_EMPTY_ROOTS ? e[k] : (word_t){ { 0, 0, 0, 0 } };
}

/* A new MerkleStore holds E(k+1) -> (E(k), E(k)) for k = 0..254. Adding
 * them at the first lookup instead is the same: a key always names the
 * same children (the digest of them), so the order of inserts does not
 * matter; they are added without replacing. */
static int ensure_empty(merkle_store_t *s)
{
    if (s->has_empty)
        return 0;
    const word_t *e = empty_roots(s);
    if (!e)
        return -1;
    for (unsigned k = 0; k + 1 < MERKLE_EMPTY_ROOTS; k++)
        if (put(s, e[k + 1], e[k], e[k], 0) != 0)
            return -1;
    s->has_empty = 1;
    return 0;
}

const merkle_node_t *merkle_store_find(merkle_store_t *s, word_t key)
{
    if (ensure_empty(s) != 0)
        return NULL;
    const size_t j = probe(s, key);
    return s->used[j] ? &s->slot[j] : NULL;
}

/* ------------------------------------------------------------------ */
/* Paths                                                               */

word_t merkle_path_root(word_t node, uint64_t index, const word_t *path, unsigned depth)
{
    for (unsigned k = 0; k < depth; k++, index >>= 1)
        node = merkle_merge_at(index, node, path[k]);
    return node;
}

/* Walk from root to (depth, index), keeping the siblings (path may be NULL). */
static merkle_status_t walk(merkle_store_t *s, word_t root, unsigned depth, uint64_t index,
                            word_t *node, word_t *path, word_t *missing)
{
    if (ensure_empty(s) != 0)
        return MERKLE_OUT_OF_MEMORY;
    if (!merkle_store_find(s, root)) {
        *missing = root;
        return MERKLE_ROOT_NOT_IN_STORE;
    }
    word_t h = root;
    for (unsigned i = depth; i-- > 0;) {
        const merkle_node_t *n = merkle_store_find(s, h);
        if (!n) {
            *missing = h;
            return MERKLE_NODE_NOT_IN_STORE;
        }
        const int bit = (int)((index >> i) & 1);
        if (path)
            path[i] = bit ? n->left : n->right;
        h = bit ? n->right : n->left;
    }
    *node = h;
    return MERKLE_OK;
}

merkle_status_t merkle_store_get_node(merkle_store_t *s, word_t root, unsigned depth,
                                      uint64_t index, word_t *node, word_t *missing)
{
    return walk(s, root, depth, index, node, NULL, missing);
}

merkle_status_t merkle_store_get_path(merkle_store_t *s, word_t root, unsigned depth,
                                      uint64_t index, word_t *node, word_t *path,
                                      word_t *missing)
{
    return walk(s, root, depth, index, node, path, missing);
}

merkle_status_t merkle_store_set_node(merkle_store_t *s, word_t root, unsigned depth,
                                      uint64_t index, word_t value, word_t *path,
                                      word_t *new_root, word_t *missing)
{
    word_t old;
    const merkle_status_t st = walk(s, root, depth, index, &old, path, missing);
    if (st != MERKLE_OK)
        return st;
    *new_root = root;
    if (word_eq(old, value))
        return MERKLE_OK;
    /* MerkleStore::add_merkle_path: every parent along the path; the root
       is the last one (the default, zero, word when there is none). */
    word_t h = value, last = { { 0, 0, 0, 0 } };
    for (unsigned k = 0; k < depth; k++, index >>= 1) {
        const word_t l = (index & 1) ? path[k] : h, r = (index & 1) ? h : path[k];
        h = rpo_merge(l, r);
        if (merkle_store_insert(s, h, l, r) != 0)
            return MERKLE_OUT_OF_MEMORY;
        last = h;
    }
    *new_root = last;
    return MERKLE_OK;
}

merkle_status_t merkle_store_merge_roots(merkle_store_t *s, word_t left, word_t right,
                                         word_t *parent)
{
    if (ensure_empty(s) != 0)
        return MERKLE_OUT_OF_MEMORY;
    *parent = rpo_merge(left, right);
    return merkle_store_insert(s, *parent, left, right) == 0 ? MERKLE_OK : MERKLE_OUT_OF_MEMORY;
}

/* ------------------------------------------------------------------ */
/* Trees from the inputs                                               */

const char *merkle_data_kind_name(merkle_data_kind_t kind)
{
    switch (kind) {
    case MERKLE_DATA_TREE: return "merkle_tree";
    case MERKLE_DATA_SPARSE: return "sparse_merkle_tree";
    case MERKLE_DATA_PARTIAL: return "partial_merkle_tree";
    }
    return "?";
}

void merkle_data_free(merkle_data_t *d, size_t n)
{
    for (size_t i = 0; d && i < n; i++)
        free(d[i].leaves);
    free(d);
}

/* MerkleTree::new: leaves are nodes n..2n-1, node i = merge(node 2i, node 2i+1). */
static int add_tree(merkle_store_t *s, const merkle_data_t *d, word_t *root, size_t *bad,
                    char *err, size_t err_len)
{
    const size_t n = d->n;
    *bad = n;
    if (n <= 1) {
        snprintf(err, err_len, "a Merkle tree needs at least 2 leaves (got %zu)", n);
        return -1;
    }
    if (n & (n - 1)) {
        snprintf(err, err_len, "the number of leaves of a Merkle tree must be a power of two "
                 "(got %zu)", n);
        return -1;
    }
    word_t *node = malloc(2 * n * sizeof *node);
    if (!node) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        node[n + i] = d->leaves[i].value;
    for (size_t i = n - 1; i >= 1; i--) {
        node[i] = rpo_merge(node[2 * i], node[2 * i + 1]);
        if (merkle_store_insert(s, node[i], node[2 * i], node[2 * i + 1]) != 0) {
            free(node);
            snprintf(err, err_len, "out of memory");
            return -1;
        }
    }
    *root = node[1];
    free(node);
    return 0;
}

typedef struct {
    uint64_t index;
    size_t pos;
    word_t h;
} level_node_t;

static int level_cmp(const void *x, const void *y)
{
    const level_node_t *a = x, *b = y;
    if (a->index != b->index)
        return a->index < b->index ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* SimpleSmt::<64>::with_leaves: a repeated index is an error (reported at
 * its second occurrence; the earliest such in input order); leaves equal to
 * the zero word are empty. The stored inner nodes are the ancestors of the
 * non-empty leaves; an absent child is the empty root of its height. */
static int add_sparse(merkle_store_t *s, const merkle_data_t *d, word_t *root, size_t *bad,
                      char *err, size_t err_len)
{
    const size_t n = d->n;
    *bad = n;
    const word_t *e = empty_roots(s);
    level_node_t *a = malloc((n ? n : 1) * sizeof *a);
    if (!a || !e) {
        free(a);
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        a[i] = (level_node_t){ d->leaves[i].index, i, d->leaves[i].value };
    qsort(a, n, sizeof *a, level_cmp);
    size_t first_dup = n;
    for (size_t i = 1; i < n; i++)
        if (a[i].index == a[i - 1].index && a[i].pos < first_dup &&
            (i < 2 || a[i - 2].index != a[i].index))
            first_dup = a[i].pos;
    if (first_dup < n) {
        *bad = first_dup;
        snprintf(err, err_len, "index %llu of the sparse Merkle tree is given twice",
                 (unsigned long long)d->leaves[first_dup].index);
        free(a);
        return -1;
    }
    size_t m = 0;
    const word_t zero = { { 0, 0, 0, 0 } };
    for (size_t i = 0; i < n; i++)
        if (!word_eq(a[i].h, zero))
            a[m++] = a[i];
    /* Level by level from the leaves (depth 64) up to the root. */
    for (unsigned depth = MERKLE_MAX_DEPTH; depth > 0; depth--) {
        const word_t empty = e[MERKLE_MAX_DEPTH - depth];
        size_t out = 0;
        for (size_t i = 0; i < m;) {
            const uint64_t parent = a[i].index >> 1;
            word_t l = empty, r = empty;
            size_t j = i;
            for (; j < m && (a[j].index >> 1) == parent; j++) {
                if (a[j].index & 1)
                    r = a[j].h;
                else
                    l = a[j].h;
            }
            const word_t h = rpo_merge(l, r);
            if (merkle_store_insert(s, h, l, r) != 0) {
                free(a);
                snprintf(err, err_len, "out of memory");
                return -1;
            }
            a[out++] = (level_node_t){ parent, 0, h };
            i = j;
        }
        m = out;
    }
    *root = m ? a[0].h : e[MERKLE_MAX_DEPTH];
    free(a);
    return 0;
}

/* (depth, index) -> word, for the partial tree. */
typedef struct {
    uint64_t *index;
    uint8_t *depth;     /* 0xff: free */
    word_t *h;
    size_t cap, n;
} pos_map_t;

static size_t pos_slot(const pos_map_t *m, unsigned depth, uint64_t index)
{
    size_t j = (size_t)mix64(index * 131 + depth) & (m->cap - 1);
    while (m->depth[j] != 0xff && (m->depth[j] != depth || m->index[j] != index))
        j = (j + 1) & (m->cap - 1);
    return j;
}

static int pos_init(pos_map_t *m, size_t n)
{
    m->cap = 16;
    while (m->cap < 4 * n + 16)
        m->cap *= 2;
    m->n = 0;
    m->index = malloc(m->cap * sizeof *m->index);
    m->depth = malloc(m->cap);
    m->h = malloc(m->cap * sizeof *m->h);
    if (!m->index || !m->depth || !m->h)
        return -1;
    memset(m->depth, 0xff, m->cap);
    return 0;
}

static void pos_free(pos_map_t *m)
{
    free(m->index);
    free(m->depth);
    free(m->h);
}

static const word_t *pos_get(const pos_map_t *m, unsigned depth, uint64_t index)
{
    const size_t j = pos_slot(m, depth, index);
    return m->depth[j] == 0xff ? NULL : &m->h[j];
}

/* Never more than 2n entries (n leaves, at most n - 1 parents) in 4n + 16 slots. */
static void pos_put(pos_map_t *m, unsigned depth, uint64_t index, word_t h)
{
    const size_t j = pos_slot(m, depth, index);
    if (m->depth[j] == 0xff)
        m->n++;
    m->depth[j] = (uint8_t)depth;
    m->index[j] = index;
    m->h[j] = h;
}

/* PartialMerkleTree::with_leaves. Every given node is a leaf (a later one
 * at the same position replaces the value). From the deepest level up, each
 * node of the level (the given ones in input order, then the computed ones
 * in the order they were computed) whose parent is not known yet is merged
 * with its sibling, which must be known; the parent is added (computed
 * nodes are the inner nodes, added to the store). */
static int add_partial(merkle_store_t *s, const merkle_data_t *d, word_t *root, size_t *bad,
                       char *err, size_t err_len)
{
    const size_t n = d->n;
    *bad = n;
    unsigned max_depth = 0;
    for (size_t i = 0; i < n; i++) {
        const merkle_leaf_t *l = &d->leaves[i];
        if (!merkle_index_ok(l->depth, l->index)) {
            *bad = i;
            snprintf(err, err_len, "(depth %u, index %llu) is not a node index (depth at most "
                     "64, index below 2^depth)", l->depth, (unsigned long long)l->index);
            return -1;
        }
        if (l->depth > max_depth)
            max_depth = l->depth;
    }
    pos_map_t m;
    memset(&m, 0, sizeof m);
    /* The nodes of one level, in processing order; the next level's list
       collects the given nodes of that depth, then the parents. */
    uint64_t *cur = malloc((2 * n + 1) * sizeof *cur), *next = malloc((2 * n + 1) * sizeof *next);
    int rc = -1;
    if (!cur || !next || pos_init(&m, n) != 0) {
        snprintf(err, err_len, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        pos_put(&m, d->leaves[i].depth, d->leaves[i].index, d->leaves[i].value);
    size_t n_cur = 0;
    for (size_t i = 0; i < n; i++)
        if (d->leaves[i].depth == max_depth)
            cur[n_cur++] = d->leaves[i].index;
    for (unsigned depth = max_depth; depth >= 1; depth--) {
        size_t n_next = 0;
        for (size_t i = 0; i < n; i++)
            if (d->leaves[i].depth == depth - 1)
                next[n_next++] = d->leaves[i].index;
        for (size_t i = 0; i < n_cur; i++) {
            const uint64_t v = cur[i];
            if (pos_get(&m, depth - 1, v >> 1))
                continue;
            const word_t *node = pos_get(&m, depth, v), *sib = pos_get(&m, depth, v ^ 1);
            if (!sib) {
                /* the location: the given node, when it is one */
                for (size_t k = 0; k < n && *bad == n; k++)
                    if (d->leaves[k].depth == depth && d->leaves[k].index == v)
                        *bad = k;
                snprintf(err, err_len, "the partial Merkle tree lacks node (depth %u, index %llu), "
                         "the sibling of (depth %u, index %llu)", depth,
                         (unsigned long long)(v ^ 1), depth, (unsigned long long)v);
                goto out;
            }
            const word_t l = (v & 1) ? *sib : *node, r = (v & 1) ? *node : *sib;
            const word_t h = rpo_merge(l, r);
            pos_put(&m, depth - 1, v >> 1, h);
            next[n_next++] = v >> 1;
            if (merkle_store_insert(s, h, l, r) != 0) {
                snprintf(err, err_len, "out of memory");
                goto out;
            }
        }
        uint64_t *t = cur;
        cur = next;
        next = t;
        n_cur = n_next;
    }
    {
        const word_t *r = pos_get(&m, 0, 0);
        *root = r ? *r : (word_t){ { 0, 0, 0, 0 } };
    }
    rc = 0;
out:
    free(cur);
    free(next);
    pos_free(&m);
    return rc;
}

int merkle_store_add_data(merkle_store_t *s, const merkle_data_t *d, word_t *root, size_t *bad,
                          char *err, size_t err_len)
{
    switch (d->kind) {
    case MERKLE_DATA_TREE: return add_tree(s, d, root, bad, err, err_len);
    case MERKLE_DATA_SPARSE: return add_sparse(s, d, root, bad, err, err_len);
    case MERKLE_DATA_PARTIAL: return add_partial(s, d, root, bad, err, err_len);
    }
    *bad = d->n;
    snprintf(err, err_len, "unknown Merkle data kind %d", (int)d->kind);
    return -1;
}

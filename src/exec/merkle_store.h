/*
 * merkle_store.h - the advice provider's Merkle store: nodes keyed by their
 * digest, each remembering its two children, with the empty-subtree nodes
 * always present; lookups of nodes and paths by (root, depth, index),
 * updates that add a new tree version, merges of two roots; and the trees
 * an .inputs file's merkle_store gives (complete Merkle trees, depth-64
 * sparse trees, partial trees), added as their inner nodes.
 *
 * Semantics of miden-crypto v0.18.0 (github 0xMiden/crypto):
 * miden-crypto/src/merkle/store/mod.rs (MerkleStore), index.rs (NodeIndex),
 * path.rs (MerklePath), empty_roots.rs (EmptySubtreeRoots),
 * merkle_tree.rs, smt/simple/mod.rs (SimpleSmt), partial_mt/mod.rs
 * (PartialMerkleTree); spec/operations.md section 8.1.
 */
#ifndef FRAGTRACE_EXEC_MERKLE_STORE_H
#define FRAGTRACE_EXEC_MERKLE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "hash/rpo.h"

/* Deepest node index: depth <= 64, index < 2^depth. */
#define MERKLE_MAX_DEPTH 64

/* Empty-subtree roots E(0) = [0,0,0,0], E(k+1) = merge(E(k), E(k)), k <= 255. */
#define MERKLE_EMPTY_ROOTS 256

typedef struct {
    word_t key, left, right;
} merkle_node_t;

typedef struct {
    merkle_node_t *slot;  /* open addressing, linear probing */
    uint8_t *used;        /* used[i]: slot i holds a node */
    size_t cap, n;        /* cap a power of two (0 before the first insert) */
    word_t *empty;        /* [MERKLE_EMPTY_ROOTS], computed at the first use */
    int has_empty;        /* the empty-subtree nodes E(k+1) -> (E(k), E(k)) are in */
} merkle_store_t;

typedef enum {
    MERKLE_OK = 0,
    MERKLE_ROOT_NOT_IN_STORE,   /* the root is no node of the store */
    MERKLE_NODE_NOT_IN_STORE,   /* a node on the way down is not a node of the store */
    MERKLE_OUT_OF_MEMORY
} merkle_status_t;

void merkle_store_init(merkle_store_t *s);
void merkle_store_free(merkle_store_t *s);

/* E(k) for k < MERKLE_EMPTY_ROOTS; the zero word when out of memory. */
word_t merkle_store_empty_root(merkle_store_t *s, unsigned k);

/* Add the node key -> (left, right), replacing one with the same key (as
 * upstream's map insert does). 0, or -1 when out of memory. */
int merkle_store_insert(merkle_store_t *s, word_t key, word_t left, word_t right);

/* Add every node of src to dst (upstream's Extend: a node with the same
 * key is replaced). 0, or -1 when out of memory. */
int merkle_store_extend(merkle_store_t *dst, const merkle_store_t *src);

/* The node with this key (the empty-subtree nodes included), or NULL. The
 * pointer is valid until the next insert. */
const merkle_node_t *merkle_store_find(merkle_store_t *s, word_t key);

/* Whether depth and index make a node index (upstream NodeIndex::from_elements:
 * depth <= 64 and index < 2^depth). */
static inline int merkle_index_ok(uint64_t depth, uint64_t index)
{
    return depth <= MERKLE_MAX_DEPTH && (depth == 64 || (index >> depth) == 0);
}

/* The children order of a node at index (its low bit: 1 = right child). */
static inline word_t merkle_merge_at(uint64_t index, word_t node, word_t sibling)
{
    return (index & 1) ? rpo_merge(sibling, node) : rpo_merge(node, sibling);
}

/* The root that node at (depth, index) leads to with path[0..depth)
 * (path[0] its sibling, path[depth - 1] a child of the root). */
word_t merkle_path_root(word_t node, uint64_t index, const word_t *path, unsigned depth);

/* The node at (depth, index) under root (a valid index): *node. On
 * MERKLE_ROOT_NOT_IN_STORE / MERKLE_NODE_NOT_IN_STORE, *missing is the
 * digest that is not a node of the store. */
merkle_status_t merkle_store_get_node(merkle_store_t *s, word_t root, unsigned depth,
                                      uint64_t index, word_t *node, word_t *missing);

/* The same, and the path: path[0..depth) bottom up (MerkleStore::get_path). */
merkle_status_t merkle_store_get_path(merkle_store_t *s, word_t root, unsigned depth,
                                      uint64_t index, word_t *node, word_t *path,
                                      word_t *missing);

/* MerkleStore::set_node: the path of (depth, index) under root; when value
 * differs from the node there, the parents of value along that path are
 * added and *new_root is the last of them (the zero word for depth 0, as
 * upstream's fold over an empty path), else *new_root = root. */
merkle_status_t merkle_store_set_node(merkle_store_t *s, word_t root, unsigned depth,
                                      uint64_t index, word_t value, word_t *path,
                                      word_t *new_root, word_t *missing);

/* MerkleStore::merge_roots: add merge(left, right) -> (left, right). */
merkle_status_t merkle_store_merge_roots(merkle_store_t *s, word_t left, word_t right,
                                         word_t *parent);

/* ------------------------------------------------------------------ */
/* Trees given as inputs (miden-vm v0.19.0 miden-vm/src/internal.rs,   */
/* InputFile::parse_merkle_store)                                      */

typedef enum {
    MERKLE_DATA_TREE,     /* "merkle_tree": leaves in order */
    MERKLE_DATA_SPARSE,   /* "sparse_merkle_tree": [index, leaf], depth 64 */
    MERKLE_DATA_PARTIAL   /* "partial_merkle_tree": [[depth, index], leaf] */
} merkle_data_kind_t;

typedef struct {
    uint64_t index;       /* sparse and partial */
    uint8_t depth;        /* partial (at most 64) */
    word_t value;
} merkle_leaf_t;

typedef struct {
    merkle_data_kind_t kind;
    merkle_leaf_t *leaves;
    size_t n;
} merkle_data_t;

/* The name of a kind as the .inputs file spells it ("merkle_tree", ...). */
const char *merkle_data_kind_name(merkle_data_kind_t kind);

/* Build the tree of d (MerkleTree::new, SimpleSmt::<64>::with_leaves,
 * PartialMerkleTree::with_leaves) and add its inner nodes to s; its root
 * in *root. Returns 0, or -1 with a message in err and in *bad the leaf it
 * concerns (an index into d->leaves, or d->n when it concerns the whole
 * list). */
int merkle_store_add_data(merkle_store_t *s, const merkle_data_t *d, word_t *root, size_t *bad,
                          char *err, size_t err_len);

void merkle_data_free(merkle_data_t *d, size_t n);

#endif

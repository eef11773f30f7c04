/*
 * merkle_inputs.h - the merkle_store field of an .inputs file (upstream
 * InputFile, miden-vm/src/internal.rs at v0.19.0: a list of MerkleData,
 * each an object with one key: "merkle_tree" (leaf words),
 * "sparse_merkle_tree" ([index, leaf] pairs, depth 64) or
 * "partial_merkle_tree" ([[depth, index], leaf])): reading it from JSON,
 * building its trees into a Merkle store, and writing it back as compact
 * JSON (the corpus keeps it as that text). spec/inputs-and-errors.md
 * section 1.
 */
#ifndef FRAGTRACE_IO_MERKLE_INPUTS_H
#define FRAGTRACE_IO_MERKLE_INPUTS_H

#include <stddef.h>

#include "exec/merkle_store.h"
#include "io/json.h"

/* Read v (the merkle_store value: an array; JSON null is an empty list)
 * into *data / *n (malloc'd; free with merkle_data_free), check every
 * value as upstream's serde types and word parser do, then build each
 * tree, adding its inner nodes to store (to a scratch store when store is
 * NULL, which only checks). Returns 0, or -1 with the location of the
 * offending value in *line, *col and a message in err. */
int merkle_inputs_read(const json_value_t *v, merkle_store_t *store, merkle_data_t **data,
                       size_t *n, int *line, int *col, char *err, size_t err_len);

/* data[0..n) as compact JSON in the .inputs layout, e.g.
 * [{"merkle_tree":["0x..","0x.."]},{"sparse_merkle_tree":[[1,"0x.."]]}];
 * malloc'd, NULL when out of memory. Reading it back gives the same data. */
char *merkle_inputs_json(const merkle_data_t *data, size_t n);

/* The merkle_store of the .inputs file path (its other fields are not
 * read; an absent or null merkle_store adds nothing) built into store.
 * Returns 0, or -1 with "PATH:LINE:COL: message" in err. */
int merkle_inputs_load_file(const char *path, merkle_store_t *store, char *err, size_t err_len);

#endif

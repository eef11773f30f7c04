/*
 * masb.h - upstream's binary MAST (miden-core v0.19.0): a serialized
 * Program (`.masb`: MastForest, Kernel, entrypoint) or a bare serialized
 * MastForest (`.mast`, a host library), read into fragtrace's forest.
 * The format and every check: spec/masb-format.md.
 *
 * The input is untrusted: every count, offset and index is checked against
 * the bytes that are left or the nodes that exist before anything is
 * allocated or indexed (io/byte_reader.h). Every node digest the file
 * states must equal the one fragtrace computes from the node's content.
 * Errors read "FILE: byte OFFSET: what".
 */
#ifndef FRAGTRACE_MAST_MASB_H
#define FRAGTRACE_MAST_MASB_H

#include <stddef.h>
#include <stdint.h>

#include "io/felt_list.h"
#include "mast/forest.h"

/* The magic that starts both kinds of file: "MAST" and a NUL byte. */
#define MASB_MAGIC "MAST"
#define MASB_MAGIC_LEN 5

/* Limits (spec/masb-format.md, "Limits"). */
#define MASB_MAX_BYTES ((size_t)16 << 20) /* 16 MiB per file */
#define MASB_MAX_NODES (1u << 20)         /* nodes per forest */
#define MASB_MAX_OPS (1u << 20)           /* basic-block operations per forest */
#define MASB_MAX_ADVICE (1u << 14)        /* advice map entries per forest */

/* An advice map as a file carries it: one entry per key. */
typedef struct {
    word_t *keys;
    felt_list_t *values;
    size_t n;
} mast_advice_map_t;

void mast_advice_map_free(mast_advice_map_t *m);

/* Whether buf[0..len) starts with the magic. */
int masb_is_binary(const unsigned char *buf, size_t len);

typedef enum {
    MASB_PROGRAM,  /* a .masb: forest, kernel, entrypoint */
    MASB_LIBRARY   /* a .mast: a bare forest */
} masb_kind_t;

/* Read buf[0..len), a file of the given kind named `file` in messages,
 * into f, after the nodes and procedures f holds already (a library is
 * added to a program's forest).
 *
 * MASB_PROGRAM: f must be empty (mast_forest_init); its roots become
 * PROC_PLAIN procedures named p<ROOT> (ROOT: the root's index in the
 * file's root list), the entrypoint becomes f->entry and the kernel
 * f->kernel. MASB_LIBRARY: the roots become PROC_LIBRARY procedures named
 * lib<lib_index>:p<ROOT>. Roots that are external nodes, and a program's
 * entrypoint, are not made procedures (spec/masb-format.md, "Procedures").
 *
 * When f was empty, what writing the file again byte for byte needs and
 * the forest does not hold is kept in f->file (mast_file_info_t;
 * mast/masb_write.h). The forest's advice map entries are appended to *adv. Externals are not
 * resolved here (mast_forest_resolve_externals, once the forest is
 * complete). Returns 0, or -1 with "FILE: byte OFFSET: message" in err;
 * on error f and *adv may hold part of the file (the caller frees them). */
int masb_read(const char *file, const unsigned char *buf, size_t len, masb_kind_t kind,
              unsigned lib_index, mast_forest_t *f, mast_advice_map_t *adv, char *err,
              size_t err_len);

#endif

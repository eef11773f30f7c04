/*
 * masb_write.h - writing a forest in upstream's binary MAST format
 * (miden-core v0.19.0): a serialized Program (`.masb`, what
 * `Program::to_bytes()` gives) or a bare serialized MastForest (`.mast`, a
 * library). The format: spec/masb-format.md; what is written and what the
 * round trip guarantees: its section "Writing".
 *
 * A forest read from such a file (masb_read into an empty forest) is
 * written again byte for byte: the nodes in the file's order, the
 * procedure roots and the sections after the node records as the file gave
 * them (mast_file_info_t). A forest built from program text is written as
 * upstream's writer would write a forest with that content and no
 * decorators: its nodes in the forest's order (children first), its
 * procedures' roots in definition order and then the entry, empty advice
 * and error-code maps, no decorators; then its kernel and its entry.
 */
#ifndef FRAGTRACE_MAST_MASB_WRITE_H
#define FRAGTRACE_MAST_MASB_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "mast/forest.h"
#include "mast/masb.h"

/* n_nodes for masb_write: the forest's own nodes (for a forest read from a
 * file, the file's; libraries added with mast_load_library come after). */
#define MASB_WRITE_OWN UINT32_MAX

/* Serialize nodes [0, n_nodes) of f (n_nodes may be MASB_WRITE_OWN) as a
 * program (MASB_PROGRAM: forest, kernel, entrypoint) or a bare forest
 * (MASB_LIBRARY). Procedures whose root is not among those nodes are left
 * out. On success returns 0 and *out (malloc'd, the caller frees) holds
 * *out_len bytes; else -1 with a one-line message in err and *out NULL.
 * Refused: a program whose entry is not among the nodes, a forest read
 * from a library file written as a program (it has no entrypoint), more
 * nodes than the format's 30-bit child indices allow, basic-block data
 * beyond the 32-bit offsets. */
int masb_write(const mast_forest_t *f, masb_kind_t kind, uint32_t n_nodes, unsigned char **out,
               size_t *out_len, char *err, size_t err_len);

#endif

/*
 * print.h - a MAST forest back to program text, in canonical form: the
 * layout miden-core v0.19.0's MAST display uses (4 spaces per level; a
 * basic block on one line when it fits in 80 columns), preceded by the
 * procedures in definition order. Decorators are not kept by the parser,
 * so they are not printed.
 */
#ifndef FRAGTRACE_MAST_PRINT_H
#define FRAGTRACE_MAST_PRINT_H

#include <stddef.h>
#include "mast/forest.h"

/* The canonical text, malloc'd and NUL-terminated (NULL if out of memory). */
char *mast_format(const mast_forest_t *f, size_t *len);

#endif

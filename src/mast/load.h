/*
 * load.h - opening a program file whatever its format, told by its first
 * bytes (not its name): program text (spec/program-format.md) or upstream's
 * serialized Program (.masb, spec/masb-format.md); and adding host
 * libraries (.mast MAST forests) to it.
 */
#ifndef FRAGTRACE_MAST_LOAD_H
#define FRAGTRACE_MAST_LOAD_H

#include <stddef.h>

#include "mast/forest.h"
#include "mast/masb.h"

/* Read the program at path into f (initialised by the caller with
 * mast_forest_init); the advice map a .masb carries is appended to *adv
 * (zeroed by the caller; text programs carry none). Externals are
 * resolved. Returns 0, or -1 with a one-line message in err ("FILE:LINE:COL:
 * ..." for text, "FILE: byte N: ..." for binary); on error f and *adv are
 * freed. */
int mast_load_file(const char *path, mast_forest_t *f, mast_advice_map_t *adv, char *err,
                   size_t err_len);

/* Add the library forest at path (.mast) to the program in f: its nodes
 * are appended and its procedure roots become PROC_LIBRARY procedures
 * named lib<lib_index>:p<ROOT>, which external nodes, dyn, dyncall and
 * syscall (through external nodes) resolve to after the program's own
 * procedures. Its advice map is appended to *adv. Externals are resolved
 * again. Returns 0, or -1 with the message in err; on error f and *adv are
 * freed. */
int mast_load_library(const char *path, unsigned lib_index, mast_forest_t *f,
                      mast_advice_map_t *adv, char *err, size_t err_len);

#endif

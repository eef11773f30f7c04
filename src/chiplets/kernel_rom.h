/*
 * kernel_rom.h - the kernel ROM chiplet: one row for every procedure of
 * the kernel (whether or not it is called), followed by one more row for
 * each syscall that reached it; procedures in the kernel's order (sorted
 * by the bytes of their digests, mast_forest_t.kernel).
 *
 * Chiplet columns of a kernel ROM row (main trace column 51 + k):
 *   k = 0..3   selectors 1, 1, 1, 1
 *   k = 4      selector 0
 *   k = 5      s_first: 1 on a procedure's first row, 0 on its syscall rows
 *   k = 6..9   the procedure's digest
 *   k = 10..19 0
 *
 * Rules and their upstream sources (0xMiden/miden-vm v0.19.0): spec/chiplets.md.
 */
#ifndef FRAGTRACE_CHIPLETS_KERNEL_ROM_H
#define FRAGTRACE_CHIPLETS_KERNEL_ROM_H

#include <stddef.h>
#include <stdint.h>

#include "exec/tracer.h"
#include "field/felt.h"
#include "mast/forest.h"

/* Rows of the kernel ROM: the kernel's procedures plus the kernel-ROM
 * requests (syscalls) among reqs[0..n) (requests of other chiplets are
 * ignored). */
uint64_t kernel_rom_len(const mast_forest_t *f, const chiplet_request_t *reqs, size_t n);

/* Fill the kernel_rom_len rows from row0 on into a column-major buffer of
 * len rows (cell (row, col) is cols[col * len + row]); all 20 chiplet
 * columns of those rows are written. reqs[0..n) may hold requests of any
 * chiplet: the kernel-ROM ones are counted. Returns 0, or -1 if a syscall
 * reaches a digest that is not in the kernel or the rows do not fit. */
int kernel_rom_fill(const mast_forest_t *f, const chiplet_request_t *reqs, size_t n, felt_t *cols,
                    uint64_t len, uint64_t row0);

#endif

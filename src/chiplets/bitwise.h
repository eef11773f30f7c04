/*
 * bitwise.h - the bitwise chiplet: 8 rows per u32and / u32xor, which take
 * the operands apart 4 bits at a time, most significant first, and build
 * up the result the same way.
 *
 * Chiplet columns of a bitwise row (main trace column 51 + k):
 *   k = 0, 1   selectors 1, 0
 *   k = 2      operation: 0 AND, 1 XOR
 *   k = 3, 4   a, b: the operands' bits from the top down to this row's
 *              4-bit limb (a >> 4(7 - i), b >> 4(7 - i) on row i of 8)
 *   k = 5..8   the 4 bits of a's limb of this row, least significant first
 *   k = 9..12  the same for b
 *   k = 13     the result so far before this row (0 on the first row)
 *   k = 14     the result so far including this row's limb
 *   k = 15..19 0
 *
 * Rules and their upstream sources (0xMiden/miden-vm v0.19.0): spec/chiplets.md.
 */
#ifndef FRAGTRACE_CHIPLETS_BITWISE_H
#define FRAGTRACE_CHIPLETS_BITWISE_H

#include <stddef.h>
#include <stdint.h>

#include "exec/tracer.h"
#include "field/felt.h"

/* Rows per bitwise operation. */
#define BITWISE_OP_ROWS 8

/* Fill the rows of bitwise requests reqs[from..to) into a column-major
 * buffer of len rows (cell (row, col) is cols[col * len + row]); request
 * i's 8 rows start at row row0 + 8 * i, so reqs holds the bitwise requests
 * only, in execution order (a = s1, b = s0 before the operation). All 20
 * chiplet columns of those rows are written. Returns 0, or -1 if a request
 * is not a bitwise one or the rows do not fit in len. */
int bitwise_chiplet_fill(const chiplet_request_t *reqs, size_t from, size_t to, felt_t *cols,
                         uint64_t len, uint64_t row0);

#endif

/*
 * addr.h - memory addressing rules of v0.19.0: an address is an element
 * index below 2^32; a word access also needs address mod 4 = 0, so that
 * its four cells a..a+3 are all addressable (spec/operations.md section 7).
 */
#ifndef FRAGTRACE_EXEC_ADDR_H
#define FRAGTRACE_EXEC_ADDR_H

#include <stdint.h>
#include "field/felt.h"

#define MEM_ADDR_LIMIT (UINT64_C(1) << 32)

enum { ADDR_OK = 0, ADDR_OUT_OF_BOUNDS = -1, ADDR_UNALIGNED = -2 };

/*@ assigns \nothing;
    ensures \result == ADDR_OK || \result == ADDR_OUT_OF_BOUNDS || \result == ADDR_UNALIGNED;
    ensures \result == ADDR_OUT_OF_BOUNDS <==> a >= 4294967296;
    ensures \result == ADDR_UNALIGNED <==> (a < 4294967296 && word != 0 && a % 4 != 0);
    ensures \result == ADDR_OK ==> a < 4294967296;
    ensures \result == ADDR_OK && word != 0 ==> a % 4 == 0 && a + 3 < 4294967296;
*/
static inline int mem_addr_check(felt_t a, int word)
{
    if (a >= MEM_ADDR_LIMIT)
        return ADDR_OUT_OF_BOUNDS;
    if (word && a % 4 != 0)
        return ADDR_UNALIGNED;
    return ADDR_OK;
}

#endif

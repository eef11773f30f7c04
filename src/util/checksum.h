/*
 * checksum.h - the one checksum of fragtrace's files: 64-bit FNV-1a
 * (offset basis 0xcbf29ce484222325, prime 0x100000001b3). Not a
 * cryptographic hash: it catches truncation and accidental corruption
 * (every single-byte change changes it), not a forger.
 */
#ifndef FRAGTRACE_UTIL_CHECKSUM_H
#define FRAGTRACE_UTIL_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#define CHECKSUM_INIT UINT64_C(0xcbf29ce484222325)

/* Continue checksum h over n more bytes (streaming: start from
 * CHECKSUM_INIT, feed the bytes in any number of pieces). */
static inline uint64_t checksum_update(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * UINT64_C(0x100000001b3);
    return h;
}

/* The checksum of n bytes. */
static inline uint64_t checksum(const void *p, size_t n)
{
    return checksum_update(CHECKSUM_INIT, p, n);
}

#endif

/*
 * le.h - little-endian byte encoding: the one family of helpers every file
 * format of fragtrace uses (context files, binary traces). Independent of
 * the host's byte order and of alignment.
 */
#ifndef FRAGTRACE_UTIL_LE_H
#define FRAGTRACE_UTIL_LE_H

#include <stddef.h>
#include <stdint.h>

/* The low `bytes` bytes of v (1 to 8), least significant first. */
static inline void le_put(unsigned char *b, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        b[i] = (unsigned char)(v >> (8 * i));
}

/* The `bytes`-byte (1 to 8) little-endian number at b. */
static inline uint64_t le_get(const unsigned char *b, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static inline void le_put32(unsigned char *b, uint32_t v) { le_put(b, v, 4); }
static inline void le_put64(unsigned char *b, uint64_t v) { le_put(b, v, 8); }
static inline uint32_t le_get32(const unsigned char *b) { return (uint32_t)le_get(b, 4); }
static inline uint64_t le_get64(const unsigned char *b) { return le_get(b, 8); }

#endif

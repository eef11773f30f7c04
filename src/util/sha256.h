/*
 * sha256.h - SHA-256 (FIPS 180-4), streaming.
 *
 * Used for the trace hashes of the corpus (the SHA-256 of the canonical
 * trace text, spec/corpus.md), so it has to keep up with multi-GB inputs:
 * full 64-byte blocks are compressed straight from the caller's buffer.
 */
#ifndef FRAGTRACE_UTIL_SHA256_H
#define FRAGTRACE_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];      /* chaining state */
    uint64_t total;     /* bytes hashed so far */
    uint8_t buf[64];    /* a partial block */
    size_t used;        /* bytes in buf */
} sha256_ctx_t;

void sha256_init(sha256_ctx_t *c);
void sha256_update(sha256_ctx_t *c, const void *data, size_t len);
/* The digest of everything fed to c; c must be re-initialised to be reused. */
void sha256_final(sha256_ctx_t *c, uint8_t out[32]);

/* Lowercase hex of a digest, NUL-terminated. */
void sha256_hex(const uint8_t digest[32], char hex[65]);

/* One shot: the hex digest of data[0..len). */
void sha256_buffer_hex(const void *data, size_t len, char hex[65]);

#endif

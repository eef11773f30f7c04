/*
 * sha256.c - SHA-256 (FIPS 180-4), see sha256.h.
 */
#include "sha256.h"

#include <string.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define BSIG0(x) (ROTR(x, 2) ^ ROTR(x, 13) ^ ROTR(x, 22))
#define BSIG1(x) (ROTR(x, 6) ^ ROTR(x, 11) ^ ROTR(x, 25))
#define SSIG0(x) (ROTR(x, 7) ^ ROTR(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ROTR(x, 17) ^ ROTR(x, 19) ^ ((x) >> 10))

static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One round; the eight working variables rotate by renaming in ROUNDS8
 * rather than by moves. */
#define ROUND(a, b, c, d, e, f, g, h, i, wi)                                  \
    do {                                                                      \
        const uint32_t t1 = (h) + BSIG1(e) + CH(e, f, g) + K[i] + (wi);       \
        (d) += t1;                                                            \
        (h) = t1 + BSIG0(a) + MAJ(a, b, c);                                   \
    } while (0)

/* Message schedule word i >= 16, in a 16-word ring. */
#define SCHED(i)                                                              \
    (w[(i) & 15] += SSIG1(w[((i) - 2) & 15]) + w[((i) - 7) & 15] + SSIG0(w[((i) - 15) & 15]))

#define ROUNDS8(i, W)                                                         \
    do {                                                                      \
        ROUND(a, b, c, d, e, f, g, h, (i) + 0, W((i) + 0));                   \
        ROUND(h, a, b, c, d, e, f, g, (i) + 1, W((i) + 1));                   \
        ROUND(g, h, a, b, c, d, e, f, (i) + 2, W((i) + 2));                   \
        ROUND(f, g, h, a, b, c, d, e, (i) + 3, W((i) + 3));                   \
        ROUND(e, f, g, h, a, b, c, d, (i) + 4, W((i) + 4));                   \
        ROUND(d, e, f, g, h, a, b, c, (i) + 5, W((i) + 5));                   \
        ROUND(c, d, e, f, g, h, a, b, (i) + 6, W((i) + 6));                   \
        ROUND(b, c, d, e, f, g, h, a, (i) + 7, W((i) + 7));                   \
    } while (0)

#define LOAD(i) (w[i] = be32(p + 4 * (i)))

/* Compress n consecutive 64-byte blocks at p into st. */
static void compress(uint32_t st[8], const uint8_t *p, size_t n)
{
    for (; n > 0; n--, p += 64) {
        uint32_t w[16];
        uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
        uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
        ROUNDS8(0, LOAD);
        ROUNDS8(8, LOAD);
        for (int i = 16; i < 64; i += 16) {
            ROUNDS8(i, SCHED);
            ROUNDS8(i + 8, SCHED);
        }
        st[0] += a, st[1] += b, st[2] += c, st[3] += d;
        st[4] += e, st[5] += f, st[6] += g, st[7] += h;
    }
}

void sha256_init(sha256_ctx_t *c)
{
    static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    memcpy(c->h, iv, sizeof iv);
    c->total = 0;
    c->used = 0;
}

void sha256_update(sha256_ctx_t *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    c->total += len;
    if (c->used > 0) {
        size_t take = 64 - c->used;
        if (take > len)
            take = len;
        memcpy(c->buf + c->used, p, take);
        c->used += take;
        p += take;
        len -= take;
        if (c->used < 64)
            return;
        compress(c->h, c->buf, 1);
        c->used = 0;
    }
    if (len >= 64) {
        compress(c->h, p, len / 64);
        p += len & ~(size_t)63;
        len &= 63;
    }
    if (len > 0) {
        memcpy(c->buf, p, len);
        c->used = len;
    }
}

void sha256_final(sha256_ctx_t *c, uint8_t out[32])
{
    const uint64_t bits = c->total * 8;
    /* Padding: 0x80, zeros to 56 mod 64, the bit length big-endian. */
    c->buf[c->used++] = 0x80;
    if (c->used > 56) {
        memset(c->buf + c->used, 0, 64 - c->used);
        compress(c->h, c->buf, 1);
        c->used = 0;
    }
    memset(c->buf + c->used, 0, 56 - c->used);
    for (int i = 0; i < 8; i++)
        c->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    compress(c->h, c->buf, 1);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
    c->used = 0;
}

void sha256_hex(const uint8_t digest[32], char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[64] = '\0';
}

void sha256_buffer_hex(const void *data, size_t len, char hex[65])
{
    sha256_ctx_t c;
    uint8_t d[32];
    sha256_init(&c);
    sha256_update(&c, data, len);
    sha256_final(&c, d);
    sha256_hex(d, hex);
}

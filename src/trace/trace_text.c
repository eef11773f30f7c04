/*
 * trace_text.c - the canonical trace text (see trace_text.h).
 */
#include "trace_text.h"

#include <string.h>

#include "util/sha256.h"

/* "00" "01" ... "99": two digits per division keeps the formatting of a
 * 20-digit value to 10 divisions (by a constant, i.e. multiplications). */
static const char pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Number of decimal digits of v. */
static inline unsigned dec_digits(uint64_t v)
{
    unsigned n = 1;
    for (;;) {
        if (v < 10)
            return n;
        if (v < 100)
            return n + 1;
        if (v < 1000)
            return n + 2;
        if (v < 10000)
            return n + 3;
        v /= 10000;
        n += 4;
    }
}

/* v in decimal at out; returns its length. */
static inline size_t put_dec(uint64_t v, char *out)
{
    if (v < 10) {
        /* Most cells of a trace are 0 or 1 (selectors, padding). */
        out[0] = (char)('0' + v);
        return 1;
    }
    const unsigned n = dec_digits(v);
    char *p = out + n;
    while (v >= 100) {
        const unsigned d = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, pairs + 2 * d, 2);
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, pairs + 2 * v, 2);
    } else {
        *--p = (char)('0' + v);
    }
    return n;
}

size_t trace_text_row(const felt_t *cols, uint64_t len, uint64_t r, char *buf)
{
    size_t n = 0;
    const felt_t *p = cols + r;
    for (int c = 0; c < TRACE_NUM_COLUMNS; c++, p += len) {
        n += put_dec(*p, buf + n);
        buf[n++] = ',';
    }
    buf[n - 1] = '\n';
    return n;
}

void trace_text_sha256(const felt_t *cols, uint64_t len, char hex[65])
{
    /* Rows are gathered into a 64 KiB buffer so that SHA-256 sees long runs
     * of whole blocks rather than one call per short line. */
    enum { CHUNK = 64 * 1024 };
    char buf[CHUNK + TRACE_TEXT_ROW_MAX];
    sha256_ctx_t ctx;
    uint8_t d[32];
    size_t used = 0;
    sha256_init(&ctx);
    for (uint64_t r = 0; r < len; r++) {
        used += trace_text_row(cols, len, r, buf + used);
        if (used >= CHUNK) {
            sha256_update(&ctx, buf, used);
            used = 0;
        }
    }
    sha256_update(&ctx, buf, used);
    sha256_final(&ctx, d);
    sha256_hex(d, hex);
}

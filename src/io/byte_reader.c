/*
 * byte_reader.c - bounds-checked reads of winter-utils' primitive
 * encodings (byte_reader.h).
 *
 * Multi-byte numbers are put together by multiplication (Horner's rule
 * from the last byte), never by shifting into place, so that every step's
 * bound is linear and the provers see that nothing wraps.
 */
#include "byte_reader.h"

void br_init(byte_reader_t *r, const unsigned char *buf, size_t len)
{
    r->buf = buf;
    r->len = len;
    r->pos = 0;
    r->error = BR_OK;
    r->error_pos = 0;
}

size_t br_left(const byte_reader_t *r)
{
    return r->len - r->pos;
}

void br_fail(byte_reader_t *r, int code)
{
    if (r->error != BR_OK)
        return;
    r->error = code;
    r->error_pos = r->pos;
}

/* The 4-byte little-endian number at p. */
/*@ requires \valid_read(p + (0 .. 3));
    assigns \nothing;
    ensures \result == le32(p);
*/
static uint32_t load_le32(const unsigned char *p)
{
    uint32_t v = p[3];
    v = v * 256u + p[2];
    v = v * 256u + p[1];
    v = v * 256u + p[0];
    return v;
}

/* The 8-byte little-endian number at p. */
/*@ requires \valid_read(p + (0 .. 7));
    assigns \nothing;
    ensures \result == le64(p);
*/
static uint64_t load_le64(const unsigned char *p)
{
    uint64_t v = p[7];
    v = v * 256u + p[6];
    v = v * 256u + p[5];
    v = v * 256u + p[4];
    v = v * 256u + p[3];
    v = v * 256u + p[2];
    v = v * 256u + p[1];
    v = v * 256u + p[0];
    return v;
}

int br_u8(byte_reader_t *r, uint8_t *out)
{
    if (r->error != BR_OK)
        return -1;
    if (r->len - r->pos < 1) {
        br_fail(r, BR_TRUNCATED);
        return -1;
    }
    *out = r->buf[r->pos];
    r->pos++;
    return 0;
}

int br_u32(byte_reader_t *r, uint32_t *out)
{
    if (r->error != BR_OK)
        return -1;
    if (r->len - r->pos < 4) {
        br_fail(r, BR_TRUNCATED);
        return -1;
    }
    *out = load_le32(r->buf + r->pos);
    r->pos += 4;
    return 0;
}

int br_u64(byte_reader_t *r, uint64_t *out)
{
    if (r->error != BR_OK)
        return -1;
    if (r->len - r->pos < 8) {
        br_fail(r, BR_TRUNCATED);
        return -1;
    }
    *out = load_le64(r->buf + r->pos);
    r->pos += 8;
    return 0;
}

int br_usize(byte_reader_t *r, uint64_t *out)
{
    if (r->error != BR_OK)
        return -1;
    const size_t left = r->len - r->pos;
    if (left < 1) {
        br_fail(r, BR_TRUNCATED);
        return -1;
    }
    unsigned first = r->buf[r->pos];
    if (first == 0) { /* a marker byte, then a plain u64 */
        if (left < 9) {
            br_fail(r, BR_TRUNCATED);
            return -1;
        }
        *out = load_le64(r->buf + r->pos + 1);
        r->pos += 9;
        return 0;
    }
    /* n = trailing zero bits of the first byte + 1; a non-zero byte has at
       most 7, so the bound n < 8 never cuts the count short. */
    unsigned n = 1;
    /*@ loop invariant 1 <= n <= 8 && 1 <= first <= 255;
        loop assigns n, first;
        loop variant 8 - n;
    */
    while (n < 8 && first % 2 == 0) {
        first /= 2;
        n++;
    }
    if (left < n) {
        br_fail(r, BR_TRUNCATED);
        return -1;
    }
    unsigned char tmp[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, tmp[0 .. 7];
        loop variant n - i;
    */
    for (unsigned i = 0; i < n; i++)
        tmp[i] = r->buf[r->pos + i];
    *out = load_le64(tmp) >> n;
    r->pos += n;
    return 0;
}

int br_count(byte_reader_t *r, size_t min_size, size_t *out)
{
    const size_t start = r->pos;
    uint64_t v;
    if (br_usize(r, &v) != 0)
        return -1;
    if (v > (r->len - r->pos) / min_size) {
        r->pos = start;
        br_fail(r, BR_TOO_LONG);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

int br_felt(byte_reader_t *r, felt_t *out)
{
    uint64_t v;
    if (br_u64(r, &v) != 0)
        return -1;
    if (v >= FELT_P) {
        r->pos -= 8;
        br_fail(r, BR_NOT_FELT);
        return -1;
    }
    *out = v;
    return 0;
}

int br_word(byte_reader_t *r, word_t *out)
{
    if (r->error != BR_OK)
        return -1;
    const size_t start = r->pos;
    word_t w;
    /*@ loop invariant 0 <= k <= 4 && br_ok(r);
        loop invariant r->error == BR_OK && r->pos == start + 8 * k;
        loop invariant \forall integer j; 0 <= j < k ==> canonical(w.v[j]);
        loop assigns k, w.v[0 .. 3], r->pos, r->error, r->error_pos;
        loop variant 4 - k;
    */
    for (int k = 0; k < 4; k++) {
        if (br_felt(r, &w.v[k]) != 0) {
            r->pos = start;
            return -1;
        }
    }
    *out = w;
    return 0;
}

int br_skip(byte_reader_t *r, size_t n)
{
    if (r->error != BR_OK)
        return -1;
    if (r->len - r->pos < n) {
        br_fail(r, BR_TRUNCATED);
        return -1;
    }
    r->pos += n;
    return 0;
}

int br_bytes(byte_reader_t *r, const unsigned char **out, size_t *n)
{
    size_t count;
    if (br_count(r, 1, &count) != 0)
        return -1;
    *out = r->buf + r->pos;
    *n = count;
    r->pos += count;
    return 0;
}

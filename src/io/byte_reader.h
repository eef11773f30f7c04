/*
 * byte_reader.h - a bounds-checked cursor over untrusted bytes, with the
 * primitive encodings of winter-utils v0.13.1 that upstream's serialized
 * programs use (spec/masb-format.md, "Primitive encodings"):
 *
 *   u8, u32, u64   fixed width, little-endian
 *   usize          1 to 9 bytes: the number of trailing zero bits of the
 *                  first byte, plus one, is the encoded length n (1..8) and
 *                  the value is the n-byte little-endian number shifted
 *                  right by n; a first byte of 0 is followed by the value
 *                  as a plain u64 (9 bytes in all)
 *   felt           a u64 that must be below p
 *   word           4 felts
 *   byte run       a usize length, then that many bytes
 *
 * Every read checks that its bytes are inside [buf, buf + len) before it
 * touches them, and every count it returns fits in what is left. Failure
 * is sticky: after the first failed read every read fails at once and the
 * reader keeps the code and offset of the first failure (error, error_pos).
 *
 * The contracts are proved by Frama-C WP (proofs/README.md, module bytes).
 */
#ifndef FRAGTRACE_IO_BYTE_READER_H
#define FRAGTRACE_IO_BYTE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "hash/rpo.h"

typedef struct {
    const unsigned char *buf;
    size_t len, pos;
    int error;        /* BR_OK, or the code of the first failed read */
    size_t error_pos; /* offset where the first failed read started */
} byte_reader_t;

enum {
    BR_OK = 0,
    BR_TRUNCATED = 1, /* the value runs past the end of the input */
    BR_NOT_FELT = 2,  /* a field element is >= p */
    BR_TOO_LONG = 3   /* a count or length exceeds what the remaining bytes can hold */
};

/*@ predicate br_ok(byte_reader_t *r) =
      \valid(r) && r->pos <= r->len &&
      \valid_read(r->buf + (0 .. r->len - 1)) &&
      \separated(r, r->buf + (0 .. r->len - 1));

    // The little-endian numbers at p.
    logic integer le32(unsigned char *p) =
      p[0] + 256 * (p[1] + 256 * (p[2] + 256 * p[3]));
    logic integer le64(unsigned char *p) =
      p[0] + 256 * (p[1] + 256 * (p[2] + 256 * (p[3] + 256 * (p[4] + 256 * (p[5] +
      256 * (p[6] + 256 * p[7]))))));
*/

/*@ requires \valid(r) && \valid_read(buf + (0 .. len - 1));
    requires \separated(r, buf + (0 .. len - 1));
    assigns *r;
    ensures br_ok(r) && r->buf == buf && r->len == len && r->pos == 0 && r->error == BR_OK;
*/
void br_init(byte_reader_t *r, const unsigned char *buf, size_t len);

/* Bytes left to read. */
/*@ requires br_ok(r);
    assigns \nothing;
    ensures \result == r->len - r->pos;
*/
size_t br_left(const byte_reader_t *r);

/* Record a failure at the current position (the first one is kept). */
/*@ requires br_ok(r) && code != BR_OK;
    assigns r->error, r->error_pos;
    ensures br_ok(r) && r->error != BR_OK;
    ensures \old(r->error) != BR_OK ==> r->error == \old(r->error) &&
                                        r->error_pos == \old(r->error_pos);
*/
void br_fail(byte_reader_t *r, int code);

/* The common contract of the reads below: on success (0) the position
 * moves past the value and the error is unchanged; on failure (-1) the
 * position stays and the error is set; a failed reader fails at once. */

/*@ requires br_ok(r) && \valid(out) && \separated(out, r, r->buf + (0 .. r->len - 1));
    assigns r->pos, r->error, r->error_pos, *out;
    ensures br_ok(r) && (\result == 0 || \result == -1);
    ensures \result == 0 ==> \old(r->error) == BR_OK && r->error == BR_OK &&
                             r->pos == \old(r->pos) + 1 && *out == r->buf[\old(r->pos)];
    ensures \result == -1 ==> r->error != BR_OK && r->pos == \old(r->pos);
*/
int br_u8(byte_reader_t *r, uint8_t *out);

/*@ requires br_ok(r) && \valid(out) && \separated(out, r, r->buf + (0 .. r->len - 1));
    assigns r->pos, r->error, r->error_pos, *out;
    ensures br_ok(r) && (\result == 0 || \result == -1);
    ensures \result == 0 ==> \old(r->error) == BR_OK && r->error == BR_OK &&
                             r->pos == \old(r->pos) + 4 &&
                             *out == le32(r->buf + \old(r->pos));
    ensures \result == -1 ==> r->error != BR_OK && r->pos == \old(r->pos);
*/
int br_u32(byte_reader_t *r, uint32_t *out);

/*@ requires br_ok(r) && \valid(out) && \separated(out, r, r->buf + (0 .. r->len - 1));
    assigns r->pos, r->error, r->error_pos, *out;
    ensures br_ok(r) && (\result == 0 || \result == -1);
    ensures \result == 0 ==> \old(r->error) == BR_OK && r->error == BR_OK &&
                             r->pos == \old(r->pos) + 8 &&
                             *out == le64(r->buf + \old(r->pos));
    ensures \result == -1 ==> r->error != BR_OK && r->pos == \old(r->pos);
*/
int br_u64(byte_reader_t *r, uint64_t *out);

/* A usize (the encoding above): 1 to 9 bytes. */
/*@ requires br_ok(r) && \valid(out) && \separated(out, r, r->buf + (0 .. r->len - 1));
    assigns r->pos, r->error, r->error_pos, *out;
    ensures br_ok(r) && (\result == 0 || \result == -1);
    ensures \result == 0 ==> \old(r->error) == BR_OK && r->error == BR_OK &&
                             \old(r->pos) + 1 <= r->pos <= \old(r->pos) + 9;
    ensures \result == -1 ==> r->error != BR_OK && r->pos == \old(r->pos);
*/
int br_usize(byte_reader_t *r, uint64_t *out);

/* A count of elements of at least min_size bytes each: a usize that is at
 * most (bytes left after it) / min_size, so that count * min_size bytes
 * can be allocated and read; BR_TOO_LONG otherwise. */
/*@ requires br_ok(r) && \valid(out) && \separated(out, r, r->buf + (0 .. r->len - 1));
    requires min_size >= 1;
    assigns r->pos, r->error, r->error_pos, *out;
    ensures br_ok(r) && (\result == 0 || \result == -1);
    ensures \result == 0 ==> \old(r->error) == BR_OK && r->error == BR_OK &&
                             \old(r->pos) < r->pos &&
                             *out <= (r->len - r->pos) / min_size &&
                             *out * min_size <= r->len - r->pos;
    ensures \result == -1 ==> r->error != BR_OK && r->pos == \old(r->pos);
*/
int br_count(byte_reader_t *r, size_t min_size, size_t *out);

/* A field element: a u64 below p; BR_NOT_FELT otherwise. */
/*@ requires br_ok(r) && \valid(out) && \separated(out, r, r->buf + (0 .. r->len - 1));
    assigns r->pos, r->error, r->error_pos, *out;
    ensures br_ok(r) && (\result == 0 || \result == -1);
    ensures \result == 0 ==> \old(r->error) == BR_OK && r->error == BR_OK &&
                             r->pos == \old(r->pos) + 8 && canonical(*out) &&
                             *out == le64(r->buf + \old(r->pos));
    ensures \result == -1 ==> r->error != BR_OK && r->pos == \old(r->pos);
*/
int br_felt(byte_reader_t *r, felt_t *out);

/* A word: 4 field elements. */
/*@ requires br_ok(r) && \valid(out) && \separated(out, r, r->buf + (0 .. r->len - 1));
    assigns r->pos, r->error, r->error_pos, *out;
    ensures br_ok(r) && (\result == 0 || \result == -1);
    ensures \result == 0 ==> \old(r->error) == BR_OK && r->error == BR_OK &&
                             r->pos == \old(r->pos) + 32 && word_canonical(*out);
    ensures \result == -1 ==> r->error != BR_OK && r->pos == \old(r->pos);
*/
int br_word(byte_reader_t *r, word_t *out);

/* Skip n bytes. */
/*@ requires br_ok(r);
    assigns r->pos, r->error, r->error_pos;
    ensures br_ok(r) && (\result == 0 || \result == -1);
    ensures \result == 0 ==> \old(r->error) == BR_OK && r->error == BR_OK &&
                             r->pos == \old(r->pos) + n;
    ensures \result == -1 ==> r->error != BR_OK && r->pos == \old(r->pos);
*/
int br_skip(byte_reader_t *r, size_t n);

/* A byte run: a usize length, then that many bytes; *out points at them
 * inside the buffer (nothing is copied). */
/*@ requires br_ok(r) && \valid(out) && \valid(n);
    requires \separated(out, n, r, r->buf + (0 .. r->len - 1));
    assigns r->pos, r->error, r->error_pos, *out, *n;
    ensures br_ok(r) && (\result == 0 || \result == -1);
    ensures \result == 0 ==> \old(r->error) == BR_OK && r->error == BR_OK &&
                             \old(r->pos) < r->pos && *n <= r->pos &&
                             *out == r->buf + (r->pos - *n) &&
                             \valid_read(*out + (0 .. *n - 1));
    ensures \result == -1 ==> r->error != BR_OK && r->pos == \old(r->pos);
*/
int br_bytes(byte_reader_t *r, const unsigned char **out, size_t *n);

#endif

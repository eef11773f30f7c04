/*
 * trace_blob.h - compact storage of traces and other byte blobs in the
 * corpus, compressed with zstd.
 *
 * Trace blob (the corpus's traces.encoding 'fttrace1-zstd'):
 *
 *   offset  size  field
 *   0       8     magic "FTTRACE1" (ASCII, no NUL)
 *   8       4     width, u32 little-endian: 72 (TRACE_NUM_COLUMNS)
 *   12      8     rows, u64 little-endian: a power of two, 1 <= rows <= 2^32
 *   20      ...   exactly one zstd frame (RFC 8878), with its content size
 *                 and content checksum, and nothing after it
 *
 * The frame's content is the trace column-major, width * rows values, each
 * a canonical felt (< p) as u64 little-endian: column 0 rows 0..rows-1,
 * then column 1, and so on (width * rows * 8 bytes). Column-major because
 * clk, the selectors and the padding columns are runs, which zstd shrinks to
 * almost nothing. The writer compresses at level 3.
 *
 * Other blobs (fragment-context files): one zstd frame with content size
 * and content checksum, nothing before or after it.
 *
 * Every function returns 0, or -1 with a one-line message in err (starting
 * "trace blob: " or "blob: ") and no output allocated. Decoding never reads
 * outside its input, and decompresses into a buffer of exactly the expected
 * size: truncation, corruption (the checksum), trailing bytes and
 * out-of-range values are all refused.
 */
#ifndef FRAGTRACE_CORPUS_TRACE_BLOB_H
#define FRAGTRACE_CORPUS_TRACE_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "field/felt.h"

#define TRACE_BLOB_MAGIC "FTTRACE1"
#define TRACE_BLOB_HEADER 20              /* magic, width, rows */
#define TRACE_BLOB_MAX_ROWS (UINT64_C(1) << 32)

/* Encode the column-major trace cols (72 x rows, canonical values; rows a
 * power of two <= 2^32) into a malloc'd blob *out of *out_len bytes. The
 * values are compressed in chunks of a few MB, so the only large buffer is
 * the (growing) output. */
int trace_blob_encode(const felt_t *cols, uint64_t rows, unsigned char **out, size_t *out_len,
                      char *err, size_t err_len);

/* Decode blob[0..len) (blob may be NULL when len is 0), which must hold a
 * trace of expect_rows rows, into a malloc'd column-major array *cols of
 * 72 * expect_rows values. */
int trace_blob_decode(const unsigned char *blob, size_t len, uint64_t expect_rows, felt_t **cols,
                      char *err, size_t err_len);

/* Compress in[0..len) into one zstd frame (level 3, content size and
 * checksum), a malloc'd *out of *out_len bytes. */
int blob_compress(const unsigned char *in, size_t len, unsigned char **out, size_t *out_len,
                  char *err, size_t err_len);

/* Decompress a blob made by blob_compress into a malloc'd *out of *out_len
 * bytes (never NULL on success, even for 0 bytes). Refused: a frame without
 * its content size, a content size above max_len, a corrupt or truncated
 * frame, bytes after the frame. */
int blob_decompress(const unsigned char *in, size_t len, size_t max_len, unsigned char **out,
                    size_t *out_len, char *err, size_t err_len);

#endif

/*
 * t_trace_blob.c - zstd trace blobs and byte blobs: round trips, and
 * refusal of everything malformed (truncation, flipped bytes, trailing
 * bytes, foreign headers, values >= p, frames without checksum or size).
 */
#include "tap.h"
#include <zstd.h>

#include "air/layout.h"
#include "corpus/trace_blob.h"
#include "util/le.h"

#define W TRACE_NUM_COLUMNS

/* A trace in the shape of a real one: clk, binary selectors, slowly
 * changing and constant (padding) columns, and `noisy` columns of random
 * felts (including p - 1). */
static felt_t *make_trace(uint64_t rows, int noisy, uint64_t *st)
{
    felt_t *c = malloc(rows * W * sizeof *c);
    for (uint64_t r = 0; r < rows; r++) {
        c[r] = r;
        for (uint64_t k = 1; k < W; k++) {
            felt_t v;
            if (k < 1 + (uint64_t)noisy)
                v = (tap_rand(st) & 7) ? tap_rand(st) % FELT_P : FELT_P - 1;
            else if (k < 24)
                v = (r / (k + 3)) & 1;
            else if (k < 40)
                v = r / 64 + k;
            else
                v = k == 50 ? FELT_2_32 : 0;
            c[k * rows + r] = v;
        }
    }
    return c;
}

/* One zstd frame of data[0..n) with the given frame parameters. */
static unsigned char *frame_of(const void *data, size_t n, int checksum, int content_size,
                               size_t *out_len)
{
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, checksum);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, content_size);
    const size_t cap = ZSTD_compressBound(n);
    unsigned char *out = malloc(cap);
    const size_t got = ZSTD_compress2(cc, out, cap, data, n);
    ZSTD_freeCCtx(cc);
    if (ZSTD_isError(got)) {
        printf("Bail out! ZSTD_compress2: %s\n", ZSTD_getErrorName(got));
        exit(1);
    }
    *out_len = got;
    return out;
}

/* A trace blob from its parts: magic, width, rows, then frame. */
static unsigned char *hand_blob(const char *magic, uint32_t width, uint64_t rows,
                                const unsigned char *frame, size_t flen, size_t *len)
{
    unsigned char *b = malloc(TRACE_BLOB_HEADER + flen + 1);
    memcpy(b, magic, 8);
    le_put32(b + 8, width);
    le_put64(b + 12, rows);
    if (flen)
        memcpy(b + TRACE_BLOB_HEADER, frame, flen);
    *len = TRACE_BLOB_HEADER + flen;
    return b;
}

/* The column-major values of a trace as the frame's content (LE u64). */
static unsigned char *le_bytes(const felt_t *c, size_t n)
{
    unsigned char *b = malloc(n * 8);
    for (size_t i = 0; i < n; i++)
        le_put64(b + 8 * i, c[i]);
    return b;
}

/* Decode expecting failure with a message containing want; also checks
 * that nothing was left allocated. */
static int rejects(const unsigned char *b, size_t len, uint64_t rows, const char *want,
                   const char *name)
{
    char err[256] = "";
    felt_t *cols = (felt_t *)(uintptr_t)1;
    const int rc = trace_blob_decode(b, len, rows, &cols, err, sizeof err);
    const int ok = rc == -1 && cols == NULL && strstr(err, want) != NULL;
    if (!tap_ok(ok, "%s: %s", name, err))
        tap_diag("rc %d, wanted a message containing \"%s\"", rc, want);
    if (rc == 0)
        free(cols);
    return ok;
}

static int decodes_to(const unsigned char *b, size_t len, uint64_t rows, const felt_t *want,
                      char *err, size_t err_len)
{
    felt_t *cols;
    if (trace_blob_decode(b, len, rows, &cols, err, err_len) != 0)
        return 0;
    const int eq = !memcmp(cols, want, rows * W * sizeof *cols);
    free(cols);
    if (!eq)
        snprintf(err, err_len, "decoded, but to different values");
    return eq;
}

/* Which bytes of a trace blob no change may pass: the 20-byte header, the
 * zstd frame header, every block header and the content checksum
 * (RFC 8878 3.1.1). The rest are block payloads. Returns a mask. */
static unsigned char *critical_bytes(const unsigned char *b, size_t len)
{
    unsigned char *m = calloc(len, 1);
    const unsigned char *f = b + TRACE_BLOB_HEADER;
    const unsigned fhd = f[4];
    static const unsigned did[4] = { 0, 1, 2, 4 }, fcs[4] = { 0, 2, 4, 8 };
    const unsigned single = (fhd >> 5) & 1;
    size_t pos = 4 + 1 + !single + did[fhd & 3] +
                 ((fhd >> 6) == 0 ? single : fcs[fhd >> 6]);
    memset(m, 1, TRACE_BLOB_HEADER + pos);
    for (;;) {
        const uint32_t h = (uint32_t)le_get(f + pos, 3);
        memset(m + TRACE_BLOB_HEADER + pos, 1, 3);
        pos += 3 + (((h >> 1) & 3) == 1 ? 1 : h >> 3);
        if (h & 1)
            break;
    }
    memset(m + len - 4, 1, 4);
    return m;
}

int main(void)
{
    tap_plan(41);
    uint64_t st = tap_seed();
    char err[256];
    unsigned char *blob;
    size_t blen;

    /* Round trips. */
    {
        felt_t *c = malloc(64 * W * sizeof *c);
        for (size_t i = 0; i < 64 * W; i++)
            c[i] = (i % 17) ? tap_rand(&st) % FELT_P : FELT_P - 1;
        int ok = trace_blob_encode(c, 64, &blob, &blen, err, sizeof err) == 0;
        tap_ok(ok && decodes_to(blob, blen, 64, c, err, sizeof err),
               "random 64-row trace round trips (%zu bytes)", blen);
        tap_ok(ok && blen >= TRACE_BLOB_HEADER && !memcmp(blob, "FTTRACE1", 8) &&
               le_get32(blob + 8) == 72 && le_get64(blob + 12) == 64 &&
               ZSTD_getFrameContentSize(blob + 20, blen - 20) == 64 * 72 * 8 &&
               ZSTD_findFrameCompressedSize(blob + 20, blen - 20) == blen - 20 &&
               (blob[24] & 0x04),
               "header: magic, width 72, rows 64, one frame with content size and checksum");
        rejects(blob, blen, 128, "trace blob: 64 rows, expected 128", "rows mismatch");
        rejects(blob, blen, 32, "trace blob: 64 rows, expected 32", "rows mismatch (fewer)");
        free(blob);

        /* A value >= p is refused by the encoder too. */
        c[5 * 64 + 9] = FELT_P;
        blob = (unsigned char *)(uintptr_t)1; /* must come back NULL */
        const int rc = trace_blob_encode(c, 64, &blob, &blen, err, sizeof err);
        tap_ok(rc == -1 && blob == NULL && strstr(err, "value at row 9 column 5 is not below p"),
               "encode refuses p: %s", err);
        free(c);
    }
    {
        felt_t *c = make_trace(4096, 2, &st);
        int ok = trace_blob_encode(c, 4096, &blob, &blen, err, sizeof err) == 0;
        tap_ok(ok && decodes_to(blob, blen, 4096, c, err, sizeof err),
               "structured 4096-row trace round trips (%zu bytes)", blen);
        tap_ok(ok && blen < 4096 * 72 * 8 / 8, "it compresses: %zu of %d bytes", blen, 4096 * 72 * 8);
        free(blob);
        free(c);
        /* 2^14 rows: the encoder's several 4 MiB chunks and a growing output. */
        c = make_trace(16384, 12, &st);
        ok = trace_blob_encode(c, 16384, &blob, &blen, err, sizeof err) == 0;
        tap_ok(ok && decodes_to(blob, blen, 16384, c, err, sizeof err),
               "16384-row trace (several chunks) round trips (%zu bytes)", blen);
        free(blob);
        free(c);
        c = make_trace(1, 0, &st);
        tap_ok(trace_blob_encode(c, 1, &blob, &blen, err, sizeof err) == 0 &&
               decodes_to(blob, blen, 1, c, err, sizeof err), "a 1-row trace round trips");
        free(blob);
        blob = (unsigned char *)(uintptr_t)1;
        tap_ok(trace_blob_encode(c, 0, &blob, &blen, err, sizeof err) == -1 && !blob &&
               trace_blob_encode(c, 48, &blob, &blen, err, sizeof err) == -1 &&
               trace_blob_encode(c, UINT64_C(1) << 33, &blob, &blen, err, sizeof err) == -1,
               "encode refuses 0, 48 and 2^33 rows: %s", err);
        free(c);
    }

    /* Hand-made blobs: the header's fields, and frames the encoder would
     * never write. */
    {
        felt_t *c = make_trace(64, 1, &st);
        unsigned char *raw = le_bytes(c, 64 * W);
        size_t flen;
        unsigned char *frame = frame_of(raw, 64 * W * 8, 1, 1, &flen);
        size_t len;
        unsigned char *b = hand_blob("FTTRACE1", 72, 64, frame, flen, &len);
        tap_ok(decodes_to(b, len, 64, c, err, sizeof err), "hand-made blob decodes");
        free(b);
        b = hand_blob("FTTRACE2", 72, 64, frame, flen, &len);
        rejects(b, len, 64, "trace blob: bad magic", "magic FTTRACE2");
        free(b);
        b = hand_blob("FTTRACE1", 71, 64, frame, flen, &len);
        rejects(b, len, 64, "trace blob: width 71, expected 72", "width 71");
        free(b);
        b = hand_blob("FTTRACE1", 72, 0, frame, flen, &len);
        rejects(b, len, 0, "0 rows, not a power of two", "0 rows");
        free(b);
        b = hand_blob("FTTRACE1", 72, 48, frame, flen, &len);
        rejects(b, len, 48, "48 rows, not a power of two", "48 rows");
        free(b);
        b = hand_blob("FTTRACE1", 72, UINT64_C(1) << 33, frame, flen, &len);
        rejects(b, len, UINT64_C(1) << 33, "8589934592 rows, not a power of two in 1..2^32",
                "2^33 rows");
        free(b);
        /* 2^32 rows is a valid count: refused by the frame's content size,
           before anything is allocated. */
        b = hand_blob("FTTRACE1", 72, UINT64_C(1) << 32, frame, flen, &len);
        rejects(b, len, UINT64_C(1) << 32, "content size 36864 bytes, expected 2473901162496",
                "2^32 rows with a 64-row frame");
        free(b);
        rejects((const unsigned char *)"FTTRACE1", 8, 64, "8 bytes, shorter than its 20-byte header",
                "8-byte blob");
        rejects(NULL, 0, 64, "0 bytes, shorter", "empty blob (NULL)");

        /* Trailing bytes: one byte, a second frame, a skippable frame. */
        b = hand_blob("FTTRACE1", 72, 64, frame, flen, &len);
        b[len] = 0;
        rejects(b, len + 1, 64, "1 bytes after the zstd frame", "a trailing byte");
        free(b);
        unsigned char *two = malloc(2 * flen);
        memcpy(two, frame, flen);
        memcpy(two + flen, frame, flen);
        b = hand_blob("FTTRACE1", 72, 64, two, 2 * flen, &len);
        char want[64];
        snprintf(want, sizeof want, "%zu bytes after the zstd frame", flen);
        rejects(b, len, 64, want, "a second frame after the first");
        free(b);
        free(two);
        unsigned char skip[12] = { 0x50, 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 1, 2, 3, 4 };
        unsigned char *fs = malloc(flen + sizeof skip);
        memcpy(fs, frame, flen);
        memcpy(fs + flen, skip, sizeof skip);
        b = hand_blob("FTTRACE1", 72, 64, fs, flen + sizeof skip, &len);
        rejects(b, len, 64, "12 bytes after the zstd frame", "a skippable frame after the frame");
        free(b);
        memcpy(fs, skip, sizeof skip);
        memcpy(fs + sizeof skip, frame, flen);
        b = hand_blob("FTTRACE1", 72, 64, fs, flen + sizeof skip, &len);
        rejects(b, len, 64, "not a zstd frame", "a skippable frame before the frame");
        free(b);
        free(fs);
        free(frame);

        /* Frames without checksum, without content size, of the wrong size. */
        frame = frame_of(raw, 64 * W * 8, 0, 1, &flen);
        b = hand_blob("FTTRACE1", 72, 64, frame, flen, &len);
        rejects(b, len, 64, "zstd frame without a content checksum", "no checksum");
        free(b);
        free(frame);
        frame = frame_of(raw, 64 * W * 8, 1, 0, &flen);
        b = hand_blob("FTTRACE1", 72, 64, frame, flen, &len);
        rejects(b, len, 64, "zstd frame without its content size", "no content size");
        free(b);
        free(frame);
        frame = frame_of(raw, 64 * W * 8 - 8, 1, 1, &flen);
        b = hand_blob("FTTRACE1", 72, 64, frame, flen, &len);
        rejects(b, len, 64, "content size 36856 bytes, expected 36864", "one value short");
        free(b);
        free(frame);

        /* Values >= p, which the encoder cannot write: p itself and 2^64-1. */
        le_put64(raw + 8 * (3 * 64 + 5), FELT_P);
        frame = frame_of(raw, 64 * W * 8, 1, 1, &flen);
        b = hand_blob("FTTRACE1", 72, 64, frame, flen, &len);
        rejects(b, len, 64, "trace blob: value at row 5 column 3 is not below p", "value p");
        free(b);
        free(frame);
        le_put64(raw + 8 * (3 * 64 + 5), 0);
        le_put64(raw + 8 * (71 * 64 + 63), UINT64_MAX);
        frame = frame_of(raw, 64 * W * 8, 1, 1, &flen);
        b = hand_blob("FTTRACE1", 72, 64, frame, flen, &len);
        rejects(b, len, 64, "value at row 63 column 71 is not below p", "value 2^64-1 (last cell)");
        free(b);
        free(frame);
        free(raw);
        free(c);
    }

    /* Truncation and single-byte corruption of a small blob. */
    {
        /* Fixed data (not the seed): the flips below are checked one by one. */
        uint64_t fixed = 12345;
        felt_t *c = make_trace(64, 2, &fixed);
        if (trace_blob_encode(c, 64, &blob, &blen, err, sizeof err) != 0) {
            printf("Bail out! %s\n", err);
            return 1;
        }
        int accepted = 0;
        for (size_t l = 0; l < blen; l++) {
            felt_t *d = (felt_t *)(uintptr_t)1;
            unsigned char *cut = malloc(l ? l : 1); /* exact size: ASan sees an over-read */
            memcpy(cut, blob, l);
            if (trace_blob_decode(cut, l, 64, &d, err, sizeof err) == 0) {
                if (!accepted)
                    tap_diag("truncated to %zu bytes: accepted", l);
                accepted++;
                free(d);
            } else if (d) {
                accepted++;
            }
            free(cut);
        }
        tap_ok(accepted == 0, "every truncation 0..%zu of a %zu-byte blob is refused", blen - 1,
               blen);

        /* Flips of bit 0 and bit 7 of every byte. Found by trying: zstd's
           frame header has no field these may change harmlessly (its one
           spare bit is bit 4 of the descriptor, and a single-segment frame
           has no window descriptor), so every flip in the 20-byte header,
           the frame header, the block headers and the checksum is refused.
           Inside a compressed block's payload a few flips (8 of 4620 with
           zstd 1.5) give another valid encoding of the same content, e.g. a
           match offset moved onto identical bytes (a trace is mostly
           repeats): the content checksum rightly passes those, and they must
           decode to the original exactly. */
        unsigned char *crit = critical_bytes(blob, blen);
        int crit_bad = 0, payload_same = 0, payload_diff = 0, n_crit = 0;
        for (size_t i = 0; i < blen; i++) {
            n_crit += crit[i];
            for (int bit = 0; bit < 2; bit++) {
                const unsigned char x = bit ? 0x80 : 0x01;
                blob[i] ^= x;
                felt_t *d;
                if (trace_blob_decode(blob, blen, 64, &d, err, sizeof err) == 0) {
                    const int same = !memcmp(d, c, 64 * W * sizeof *d);
                    free(d);
                    if (crit[i]) {
                        tap_diag("byte %zu ^ 0x%02x (critical) accepted", i, x);
                        crit_bad++;
                    } else if (same) {
                        payload_same++;
                    } else {
                        tap_diag("byte %zu ^ 0x%02x decodes to different values", i, x);
                        payload_diff++;
                    }
                }
                blob[i] ^= x;
            }
        }
        tap_ok(crit_bad == 0, "every flip in the %d header, block-header and checksum bytes "
               "is refused", n_crit);
        tap_ok(payload_diff == 0 && payload_same * 100 <= (int)blen * 2,
               "payload flips: refused, or (%d of %zu) decode to the original", payload_same,
               2 * (blen - (size_t)n_crit));
        tap_ok(decodes_to(blob, blen, 64, c, err, sizeof err), "the blob is intact afterwards");
        free(crit);
        free(blob);
        free(c);
    }

    /* Byte blobs. */
    {
        enum { N = 10000 };
        unsigned char *in = malloc(N);
        for (size_t i = 0; i < N; i++)
            in[i] = i < N / 2 ? (unsigned char)tap_rand(&st) : (unsigned char)"context "[i % 8];
        unsigned char *z, *out;
        size_t zl, ol;
        int ok = blob_compress(in, N, &z, &zl, err, sizeof err) == 0 &&
                 blob_decompress(z, zl, N, &out, &ol, err, sizeof err) == 0;
        tap_ok(ok && ol == N && !memcmp(out, in, N), "blob round trip (%zu -> %zu bytes)",
               (size_t)N, zl);
        if (ok)
            free(out);
        tap_ok(zl >= 5 && ZSTD_getFrameContentSize(z, zl) == N && (z[4] & 0x04),
               "one frame with content size and checksum");
        out = (unsigned char *)(uintptr_t)1;
        tap_ok(blob_decompress(z, zl, N - 1, &out, &ol, err, sizeof err) == -1 && !out &&
               strstr(err, "content size 10000 exceeds the limit 9999"), "max_len: %s", err);
        int accepted = 0;
        for (size_t l = 0; l < zl; l++) {
            unsigned char *cut = malloc(l ? l : 1);
            memcpy(cut, z, l);
            out = (unsigned char *)(uintptr_t)1;
            if (blob_decompress(cut, l, N, &out, &ol, err, sizeof err) == 0) {
                accepted++;
                free(out);
            } else if (out) {
                accepted++;
            }
            free(cut);
        }
        tap_ok(accepted == 0, "every truncation 0..%zu is refused", zl - 1);
        unsigned char *more = malloc(zl + 1);
        memcpy(more, z, zl);
        more[zl] = 0;
        tap_ok(blob_decompress(more, zl + 1, N, &out, &ol, err, sizeof err) == -1 &&
               strstr(err, "blob: 1 bytes after the zstd frame"), "trailing byte: %s", err);
        more[zl - 1] ^= 0x10;
        tap_ok(blob_decompress(more, zl, N, &out, &ol, err, sizeof err) == -1 &&
               strstr(err, "checksum"), "a flipped checksum byte: %s", err);
        free(more);
        free(z);

        size_t fl;
        unsigned char *f = frame_of(in, N, 1, 0, &fl);
        tap_ok(blob_decompress(f, fl, N, &out, &ol, err, sizeof err) == -1 &&
               strstr(err, "without its content size"), "no content size: %s", err);
        free(f);
        tap_ok(blob_decompress(in, N, N, &out, &ol, err, sizeof err) == -1 &&
               strstr(err, "blob: not a zstd frame") &&
               blob_decompress(NULL, 0, N, &out, &ol, err, sizeof err) == -1,
               "not a frame: %s", err);

        ok = blob_compress(NULL, 0, &z, &zl, err, sizeof err) == 0 &&
             blob_decompress(z, zl, 0, &out, &ol, err, sizeof err) == 0;
        tap_ok(ok && ol == 0 && out != NULL, "empty blob round trips (%zu bytes)", zl);
        if (ok) {
            free(out);
            free(z);
        }
        free(in);
    }

    return tap_done();
}

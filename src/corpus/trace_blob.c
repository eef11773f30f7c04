/*
 * trace_blob.c - zstd-compressed traces and blobs (see trace_blob.h).
 */
#include "trace_blob.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "air/layout.h"
#include "util/le.h"

#define LEVEL 3
/* Values converted to little-endian per compression call: 4 MiB. */
#define CHUNK_VALUES ((size_t)1 << 19)

static void set_err(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
    if (!err || err_len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

static int rows_valid(uint64_t rows)
{
    return rows != 0 && (rows & (rows - 1)) == 0 && rows <= TRACE_BLOB_MAX_ROWS;
}

/* A compression context with the format's parameters and, when known,
 * the content size (which then goes into the frame header). */
static ZSTD_CCtx *make_cctx(size_t content_size, const char *who, char *err, size_t err_len)
{
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    if (!cc) {
        set_err(err, err_len, "%s: out of memory", who);
        return NULL;
    }
    size_t r = ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, LEVEL);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setPledgedSrcSize(cc, content_size);
    if (ZSTD_isError(r)) {
        set_err(err, err_len, "%s: zstd: %s", who, ZSTD_getErrorName(r));
        ZSTD_freeCCtx(cc);
        return NULL;
    }
    return cc;
}

int trace_blob_encode(const felt_t *cols, uint64_t rows, unsigned char **out, size_t *out_len,
                      char *err, size_t err_len)
{
    static const char who[] = "trace blob";
    *out = NULL;
    *out_len = 0;
    if (!rows_valid(rows)) {
        set_err(err, err_len, "%s: %" PRIu64 " rows, not a power of two in 1..2^32", who, rows);
        return -1;
    }
    const uint64_t nvals64 = rows * TRACE_NUM_COLUMNS; /* <= 72 * 2^32: no overflow */
    if (nvals64 > SIZE_MAX / 8) {
        set_err(err, err_len, "%s: %" PRIu64 " rows do not fit in memory here", who, rows);
        return -1;
    }
    const size_t nvals = (size_t)nvals64;
    ZSTD_CCtx *cc = make_cctx(nvals * 8, who, err, err_len);
    if (!cc)
        return -1;
    const size_t step = nvals < CHUNK_VALUES ? nvals : CHUNK_VALUES;
    unsigned char *chunk = malloc(step * 8);
    const size_t slack = ZSTD_CStreamOutSize();
    size_t cap = TRACE_BLOB_HEADER + slack, used = TRACE_BLOB_HEADER;
    unsigned char *buf = malloc(cap);
    if (!chunk || !buf) {
        set_err(err, err_len, "%s: out of memory", who);
        goto fail;
    }
    memcpy(buf, TRACE_BLOB_MAGIC, 8);
    le_put32(buf + 8, TRACE_NUM_COLUMNS);
    le_put64(buf + 12, rows);

    for (size_t off = 0; off < nvals;) {
        const size_t n = nvals - off < step ? nvals - off : step;
        int big = 0;
        for (size_t i = 0; i < n; i++) {
            big |= cols[off + i] >= FELT_P;
            le_put64(chunk + 8 * i, cols[off + i]);
        }
        if (big) {
            size_t i = 0;
            while (cols[off + i] < FELT_P)
                i++;
            set_err(err, err_len, "%s: value at row %" PRIu64 " column %" PRIu64 " is not below p",
                    who, (uint64_t)(off + i) % rows, (uint64_t)(off + i) / rows);
            goto fail;
        }
        off += n;
        const ZSTD_EndDirective mode = off == nvals ? ZSTD_e_end : ZSTD_e_continue;
        ZSTD_inBuffer in = { chunk, n * 8, 0 };
        for (;;) {
            if (cap - used < slack) {
                /* Doubling keeps the copies amortised O(output). */
                if (cap > SIZE_MAX / 2) {
                    set_err(err, err_len, "%s: output too large", who);
                    goto fail;
                }
                unsigned char *nb = realloc(buf, cap * 2);
                if (!nb) {
                    set_err(err, err_len, "%s: out of memory", who);
                    goto fail;
                }
                buf = nb;
                cap *= 2;
            }
            ZSTD_outBuffer ob = { buf + used, cap - used, 0 };
            const size_t left = ZSTD_compressStream2(cc, &ob, &in, mode);
            if (ZSTD_isError(left)) {
                set_err(err, err_len, "%s: zstd: %s", who, ZSTD_getErrorName(left));
                goto fail;
            }
            used += ob.pos;
            if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
                break;
        }
    }
    free(chunk);
    ZSTD_freeCCtx(cc);
    unsigned char *fit = realloc(buf, used);
    *out = fit ? fit : buf;
    *out_len = used;
    return 0;

fail:
    free(chunk);
    free(buf);
    ZSTD_freeCCtx(cc);
    return -1;
}

/* Check that src[0..n) starts with a zstd frame (not a skippable one) that
 * records its content size and carries a content checksum; the content
 * size goes to *size. */
static int frame_header(const unsigned char *src, size_t n, uint64_t *size, const char *who,
                        char *err, size_t err_len)
{
    static const unsigned char magic[4] = { 0x28, 0xB5, 0x2F, 0xFD };
    if (n < 4 || memcmp(src, magic, 4)) {
        set_err(err, err_len, "%s: not a zstd frame", who);
        return -1;
    }
    const unsigned long long cs = ZSTD_getFrameContentSize(src, n);
    if (cs == ZSTD_CONTENTSIZE_ERROR) {
        set_err(err, err_len, "%s: zstd: truncated or invalid frame header", who);
        return -1;
    }
    if (cs == ZSTD_CONTENTSIZE_UNKNOWN) {
        set_err(err, err_len, "%s: zstd frame without its content size", who);
        return -1;
    }
    /* Frame_Header_Descriptor (RFC 8878 3.1.1.1.1) bit 2: Content_Checksum_flag.
       Without the checksum a corrupted frame could decode to wrong data. */
    if (!(src[4] & 0x04)) {
        set_err(err, err_len, "%s: zstd frame without a content checksum", who);
        return -1;
    }
    *size = cs;
    return 0;
}

/* Decompress the one frame src[0..n) into dst, which it must fill exactly
 * (cap bytes): streaming, so that the output never exceeds cap. */
static int decompress_exact(const unsigned char *src, size_t n, unsigned char *dst, size_t cap,
                            const char *who, char *err, size_t err_len)
{
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    if (!dc) {
        set_err(err, err_len, "%s: out of memory", who);
        return -1;
    }
    ZSTD_inBuffer in = { src, n, 0 };
    ZSTD_outBuffer ob = { dst, cap, 0 };
    int rc = -1;
    for (;;) {
        const size_t in0 = in.pos, out0 = ob.pos;
        const size_t r = ZSTD_decompressStream(dc, &ob, &in);
        if (ZSTD_isError(r)) {
            set_err(err, err_len, "%s: zstd: %s", who, ZSTD_getErrorName(r));
            goto done;
        }
        if (r == 0)
            break; /* frame complete, checksum verified */
        if (in.pos == in0 && ob.pos == out0) {
            /* Stuck: it wants input there is not, or room there is not. */
            if (ob.pos == ob.size && in.pos < in.size)
                set_err(err, err_len, "%s: decompressed more than %zu bytes", who, cap);
            else
                set_err(err, err_len, "%s: zstd: truncated frame", who);
            goto done;
        }
    }
    if (in.pos != in.size)
        set_err(err, err_len, "%s: %zu bytes after the zstd frame", who, in.size - in.pos);
    else if (ob.pos != cap)
        set_err(err, err_len, "%s: decompressed %zu bytes, expected %zu", who, ob.pos, cap);
    else
        rc = 0;
done:
    ZSTD_freeDCtx(dc);
    return rc;
}

int trace_blob_decode(const unsigned char *blob, size_t len, uint64_t expect_rows, felt_t **cols,
                      char *err, size_t err_len)
{
    static const char who[] = "trace blob";
    *cols = NULL;
    if (len < TRACE_BLOB_HEADER) {
        set_err(err, err_len, "%s: %zu bytes, shorter than its %d-byte header", who, len,
                TRACE_BLOB_HEADER);
        return -1;
    }
    if (memcmp(blob, TRACE_BLOB_MAGIC, 8)) {
        set_err(err, err_len, "%s: bad magic", who);
        return -1;
    }
    const uint32_t width = le_get32(blob + 8);
    const uint64_t rows = le_get64(blob + 12);
    if (width != TRACE_NUM_COLUMNS) {
        set_err(err, err_len, "%s: width %" PRIu32 ", expected %d", who, width, TRACE_NUM_COLUMNS);
        return -1;
    }
    if (rows != expect_rows) {
        set_err(err, err_len, "%s: %" PRIu64 " rows, expected %" PRIu64, who, rows, expect_rows);
        return -1;
    }
    if (!rows_valid(rows)) {
        set_err(err, err_len, "%s: %" PRIu64 " rows, not a power of two in 1..2^32", who, rows);
        return -1;
    }
    const uint64_t raw64 = rows * TRACE_NUM_COLUMNS * 8; /* <= 576 * 2^32: no overflow */
    if (raw64 > SIZE_MAX) {
        set_err(err, err_len, "%s: %" PRIu64 " rows do not fit in memory here", who, rows);
        return -1;
    }
    const unsigned char *frame = blob + TRACE_BLOB_HEADER;
    const size_t flen = len - TRACE_BLOB_HEADER;
    uint64_t cs;
    if (frame_header(frame, flen, &cs, who, err, err_len) != 0)
        return -1;
    /* Checked before allocating: a small forged blob cannot make us
       allocate anything but what its own header (and the caller) agree on. */
    if (cs != raw64) {
        set_err(err, err_len, "%s: zstd frame content size %" PRIu64 " bytes, expected %" PRIu64,
                who, cs, raw64);
        return -1;
    }
    const size_t raw = (size_t)raw64, nvals = raw / 8;
    unsigned char *bytes = malloc(raw);
    if (!bytes) {
        set_err(err, err_len, "%s: out of memory for %" PRIu64 " rows", who, rows);
        return -1;
    }
    if (decompress_exact(frame, flen, bytes, raw, who, err, err_len) != 0) {
        free(bytes);
        return -1;
    }
    /* Little-endian to host order in place (a no-op load/store on LE hosts),
       and every value must be canonical. */
    felt_t *v = (felt_t *)(void *)bytes;
    int big = 0;
    for (size_t i = 0; i < nvals; i++) {
        const uint64_t x = le_get64(bytes + 8 * i);
        big |= x >= FELT_P;
        v[i] = x;
    }
    if (big) {
        size_t i = 0;
        while (v[i] < FELT_P)
            i++;
        set_err(err, err_len, "%s: value at row %" PRIu64 " column %" PRIu64 " is not below p",
                who, (uint64_t)i % rows, (uint64_t)i / rows);
        free(bytes);
        return -1;
    }
    *cols = v;
    return 0;
}

int blob_compress(const unsigned char *in, size_t len, unsigned char **out, size_t *out_len,
                  char *err, size_t err_len)
{
    static const char who[] = "blob";
    *out = NULL;
    *out_len = 0;
    const size_t bound = ZSTD_compressBound(len);
    if (ZSTD_isError(bound)) {
        set_err(err, err_len, "%s: %zu bytes: too large for zstd", who, len);
        return -1;
    }
    ZSTD_CCtx *cc = make_cctx(len, who, err, err_len);
    if (!cc)
        return -1;
    unsigned char *buf = malloc(bound);
    if (!buf) {
        set_err(err, err_len, "%s: out of memory", who);
        ZSTD_freeCCtx(cc);
        return -1;
    }
    /* A non-NULL source even for 0 bytes: zstd is given a valid pointer. */
    const size_t n = ZSTD_compress2(cc, buf, bound, len ? (const void *)in : (const void *)"", len);
    ZSTD_freeCCtx(cc);
    if (ZSTD_isError(n)) {
        set_err(err, err_len, "%s: zstd: %s", who, ZSTD_getErrorName(n));
        free(buf);
        return -1;
    }
    unsigned char *fit = realloc(buf, n);
    *out = fit ? fit : buf;
    *out_len = n;
    return 0;
}

int blob_decompress(const unsigned char *in, size_t len, size_t max_len, unsigned char **out,
                    size_t *out_len, char *err, size_t err_len)
{
    static const char who[] = "blob";
    *out = NULL;
    *out_len = 0;
    uint64_t cs;
    if (frame_header(in, len, &cs, who, err, err_len) != 0)
        return -1;
    if (cs > max_len) {
        set_err(err, err_len, "%s: content size %" PRIu64 " exceeds the limit %zu", who, cs,
                max_len);
        return -1;
    }
    const size_t n = (size_t)cs;
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) {
        set_err(err, err_len, "%s: out of memory for %zu bytes", who, n);
        return -1;
    }
    if (decompress_exact(in, len, buf, n, who, err, err_len) != 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    *out_len = n;
    return 0;
}

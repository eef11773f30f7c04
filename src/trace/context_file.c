/*
 * context_file.c - reading and writing fragment-context files
 * (context_file.h, spec/fragment-context.md).
 */
#include "context_file.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "io/file.h"

#define BLOCK_BYTES 72
#define CONT_BYTES 8
#define OVF_BYTES 16
#define RECORD_MIN_BYTES 272 /* a record with no entries */
#define END_EXTRA_BYTES 32   /* the end record's h[0..4] */

uint64_t context_file_checksum(const unsigned char *buf, size_t len)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < len; i++) {
        h ^= buf[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* ------------------------------------------------------------------ */
/* Writing: a small buffered writer that keeps the running checksum.   */

typedef struct {
    FILE *out;
    unsigned char buf[1 << 16];
    size_t n;
    uint64_t sum;
    int failed;
} writer_t;

static void w_flush(writer_t *w)
{
    if (w->n && fwrite(w->buf, 1, w->n, w->out) != w->n)
        w->failed = 1;
    w->n = 0;
}

static void w_bytes(writer_t *w, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        if (w->n == sizeof w->buf)
            w_flush(w);
        w->sum = (w->sum ^ b[i]) * UINT64_C(0x100000001b3);
        w->buf[w->n++] = b[i];
    }
}

static void w_u32(writer_t *w, uint32_t v)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    w_bytes(w, b, 4);
}

static void w_u64(writer_t *w, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    w_bytes(w, b, 8);
}

static void w_u64s(writer_t *w, const uint64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        w_u64(w, v[i]);
}

static void write_ctx(writer_t *w, const fragment_ctx_t *c, int is_end)
{
    w_u64(w, c->clk);
    w_u64(w, c->ctx);
    w_u64s(w, c->fn_hash.v, 4);
    w_u64s(w, c->s, STACK_TOP);
    w_u32(w, c->n_ovf);
    w_u32(w, c->base);
    w_u32(w, c->buf_top);
    w_u32(w, c->n_kept);
    for (uint32_t i = 0; i < c->n_kept; i++) {
        w_u64(w, c->ovf[i].value);
        w_u64(w, c->ovf[i].clk);
    }
    w_u32(w, (uint32_t)c->n_conts);
    for (size_t i = 0; i < c->n_conts; i++) {
        w_u32(w, c->conts[i].kind);
        w_u32(w, c->conts[i].node);
    }
    w_u32(w, (uint32_t)c->n_blocks);
    for (size_t i = 0; i < c->n_blocks; i++) {
        const block_entry_t *e = &c->blocks[i];
        w_u32(w, e->node);
        w_u32(w, (uint32_t)(e->is_loop_body | e->loop_entered << 1 | e->is_call << 2 |
                            e->is_syscall << 3));
        w_u64(w, e->addr);
        w_u64(w, e->parent);
        w_u64(w, e->saved_ctx);
        w_u64s(w, e->saved_fn_hash.v, 4);
        w_u32(w, e->saved_base);
        w_u32(w, 0);
    }
    w_u32(w, c->span.node);
    w_u32(w, c->span.batch);
    w_u32(w, c->span.op);
    w_u32(w, c->span.group);
    w_u64(w, c->span.group_count);
    w_u64(w, c->span.ops_left);
    w_u64(w, 1 + c->chiplets.hasher_rows); /* the next hasher row's address */
    w_u64(w, c->chiplets.bitwise_ops);
    w_u64(w, c->chiplets.mem_accesses);
    w_u64(w, c->chiplets.kernel_accesses);
    if (is_end)
        w_u64s(w, c->last_h, 4);
    w_u64(w, c->replay.n);
    w_u64s(w, c->replay.vals, c->replay.n);
}

/* Bytes of one record as write_ctx writes it. */
static uint64_t record_bytes(const fragment_ctx_t *c, int is_end)
{
    return RECORD_MIN_BYTES + OVF_BYTES * (uint64_t)c->n_kept + CONT_BYTES * (uint64_t)c->n_conts +
           BLOCK_BYTES * (uint64_t)c->n_blocks + 8 * (uint64_t)c->replay.n +
           (is_end ? END_EXTRA_BYTES : 0);
}

uint64_t context_file_size(const fragment_set_t *set)
{
    uint64_t n = CONTEXT_HEADER_BYTES + 8 + record_bytes(&set->end, 1);
    for (size_t k = 0; k < set->n; k++)
        n += record_bytes(&set->frags[k], 0);
    return n;
}

int context_file_write(const fragment_set_t *set, FILE *out)
{
    const uint64_t size = context_file_size(set);
    if (set->n > CONTEXT_FILE_MAX_FRAGMENTS || size > CONTEXT_FILE_MAX_BYTES)
        return -1;
    writer_t *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    w->out = out;
    w->sum = UINT64_C(0xcbf29ce484222325);
    w_bytes(w, CONTEXT_FILE_MAGIC, 8);
    w_u32(w, CONTEXT_FILE_VERSION);
    w_u32(w, (uint32_t)set->n);
    w_u64(w, size);
    w_u64s(w, set->program_hash.v, 4);
    w_u64(w, set->fragment_len);
    for (size_t k = 0; k < set->n; k++)
        write_ctx(w, &set->frags[k], 0);
    write_ctx(w, &set->end, 1);
    const uint64_t sum = w->sum;
    w_u64(w, sum);
    w_flush(w);
    const int rc = w->failed ? -1 : 0;
    free(w);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Reading: every read is bounds-checked; the first failure sticks.    */

typedef struct {
    const unsigned char *buf;
    size_t len, pos;
    char *err;
    size_t err_len;
    int failed;
} reader_t;

static void r_fail(reader_t *r, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = 1;
    int n = snprintf(r->err, r->err_len, "byte %zu: ", r->pos);
    if (n < 0 || (size_t)n >= r->err_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + n, r->err_len - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Whether n more bytes are present; fails with `what` if not. */
static int r_need(reader_t *r, uint64_t n, const char *what)
{
    if (r->failed)
        return 0;
    if (n > r->len - r->pos) {
        r_fail(r, "the file ends inside %s (%llu bytes needed, %zu left)", what,
               (unsigned long long)n, r->len - r->pos);
        return 0;
    }
    return 1;
}

static uint64_t r_uint(reader_t *r, int bytes, const char *what)
{
    if (!r_need(r, (uint64_t)bytes, what))
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)r->buf[r->pos + (size_t)i] << (8 * i);
    r->pos += (size_t)bytes;
    return v;
}

#define R32(r, what) ((uint32_t)r_uint((r), 4, (what)))
#define R64(r, what) r_uint((r), 8, (what))

/* A count of items of `size` bytes each that must fit in the rest of the
 * file (so that a corrupted count cannot cause a huge allocation). */
static uint64_t r_count(reader_t *r, int bytes, uint64_t size, const char *what)
{
    const size_t at = r->pos;
    const uint64_t n = r_uint(r, bytes, what);
    if (!r->failed && n > (r->len - r->pos) / size) {
        r->pos = at;
        r_fail(r, "%s: %llu entries of %llu bytes do not fit in the %zu bytes left", what,
               (unsigned long long)n, (unsigned long long)size, r->len - r->pos - (size_t)bytes);
        return 0;
    }
    return n;
}

static void *r_alloc(reader_t *r, uint64_t n, size_t elem)
{
    if (r->failed)
        return NULL;
    void *p = calloc(n ? n : 1, elem);
    if (!p)
        r_fail(r, "out of memory");
    return p;
}

static void read_ctx(reader_t *r, fragment_ctx_t *c, int is_end)
{
    c->clk = R64(r, "a context's clk");
    c->ctx = R64(r, "a context's ctx");
    for (int i = 0; i < 4; i++)
        c->fn_hash.v[i] = R64(r, "a context's fn_hash");
    for (int i = 0; i < STACK_TOP; i++)
        c->s[i] = R64(r, "a context's stack");
    c->n_ovf = R32(r, "the overflow table");
    c->base = R32(r, "the overflow table");
    c->buf_top = R32(r, "the overflow table");
    c->n_kept = (uint32_t)r_count(r, 4, OVF_BYTES, "the overflow entries");
    c->ovf = r_alloc(r, c->n_kept, sizeof *c->ovf);
    for (uint32_t i = 0; c->ovf && i < c->n_kept; i++) {
        c->ovf[i].value = R64(r, "an overflow entry");
        c->ovf[i].clk = R64(r, "an overflow entry");
    }
    c->n_conts = r_count(r, 4, CONT_BYTES, "the continuation stack");
    c->conts = r_alloc(r, c->n_conts, sizeof *c->conts);
    for (size_t i = 0; c->conts && i < c->n_conts; i++) {
        const uint32_t kind = R32(r, "a continuation");
        c->conts[i].kind = kind > 255 ? 255 : (uint8_t)kind; /* 255: rejected by validation */
        c->conts[i].node = R32(r, "a continuation");
    }
    c->n_blocks = r_count(r, 4, BLOCK_BYTES, "the block stack");
    c->blocks = r_alloc(r, c->n_blocks, sizeof *c->blocks);
    for (size_t i = 0; c->blocks && i < c->n_blocks; i++) {
        block_entry_t *e = &c->blocks[i];
        e->node = R32(r, "a block-stack entry");
        const uint32_t flags = R32(r, "a block-stack entry");
        if (!r->failed && flags > 15) {
            r_fail(r, "block-stack entry flags %u: only bits 0-3 are defined", flags);
            return;
        }
        e->is_loop_body = flags & 1;
        e->loop_entered = flags >> 1 & 1;
        e->is_call = flags >> 2 & 1;
        e->is_syscall = flags >> 3 & 1;
        e->addr = R64(r, "a block-stack entry");
        e->parent = R64(r, "a block-stack entry");
        e->saved_ctx = R64(r, "a block-stack entry");
        for (int k = 0; k < 4; k++)
            e->saved_fn_hash.v[k] = R64(r, "a block-stack entry");
        e->saved_base = R32(r, "a block-stack entry");
        if (R32(r, "a block-stack entry") != 0 && !r->failed) {
            r_fail(r, "a block-stack entry's reserved word is not 0");
            return;
        }
    }
    c->span.node = R32(r, "the basic-block state");
    c->span.batch = R32(r, "the basic-block state");
    c->span.op = R32(r, "the basic-block state");
    c->span.group = R32(r, "the basic-block state");
    c->span.group_count = R64(r, "the basic-block state");
    c->span.ops_left = R64(r, "the basic-block state");
    const uint64_t next_hasher_row = R64(r, "the chiplet counters");
    if (!r->failed && next_hasher_row == 0) {
        r->pos -= 8;
        r_fail(r, "the next hasher row is 0; hasher rows are numbered from 1");
        return;
    }
    c->chiplets.hasher_rows = next_hasher_row - 1;
    c->chiplets.bitwise_ops = R64(r, "the chiplet counters");
    c->chiplets.mem_accesses = R64(r, "the chiplet counters");
    c->chiplets.kernel_accesses = R64(r, "the chiplet counters");
    for (int i = 0; is_end && i < 4; i++)
        c->last_h[i] = R64(r, "the last row's h");
    c->replay.n = r_count(r, 8, 8, "the replay");
    c->replay.vals = r_alloc(r, c->replay.n, sizeof *c->replay.vals);
    c->replay.cap = c->replay.vals ? c->replay.n : 0;
    for (size_t i = 0; c->replay.vals && i < c->replay.n; i++)
        c->replay.vals[i] = R64(r, "the replay");
    if (!c->replay.vals)
        c->replay.n = 0;
    if (!c->ovf)
        c->n_kept = 0;
    if (!c->conts)
        c->n_conts = 0;
    if (!c->blocks)
        c->n_blocks = 0;
}

static uint64_t le64(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static uint32_t le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

int context_file_header(const unsigned char *hdr, size_t len, context_header_t *h, char *err,
                        size_t err_len)
{
    if (len < 8 || memcmp(hdr, CONTEXT_FILE_MAGIC, 8) != 0) {
        snprintf(err, err_len, "byte 0: not a fragment-context file (no '%s' magic)",
                 CONTEXT_FILE_MAGIC);
        return -1;
    }
    if (len < CONTEXT_HEADER_BYTES) {
        snprintf(err, err_len, "byte %zu: the file ends inside the %d-byte header", len,
                 CONTEXT_HEADER_BYTES);
        return -1;
    }
    const uint32_t version = le32(hdr + 8);
    if (version != CONTEXT_FILE_VERSION) {
        snprintf(err, err_len, "byte 8: format version %u; this fragtrace reads version %u%s",
                 version, CONTEXT_FILE_VERSION,
                 version == 1 ? " (rewrite the file with 'fragtrace contexts')" : "");
        return -1;
    }
    h->n = le32(hdr + 12);
    h->file_len = le64(hdr + 16);
    for (int i = 0; i < 4; i++)
        h->program_hash.v[i] = le64(hdr + 24 + 8 * i);
    h->fragment_len = le64(hdr + 56);
    if (h->n > CONTEXT_FILE_MAX_FRAGMENTS) {
        snprintf(err, err_len, "byte 12: %u fragment contexts; at most %u are allowed", h->n,
                 (unsigned)CONTEXT_FILE_MAX_FRAGMENTS);
        return -1;
    }
    /* Every record takes at least RECORD_MIN_BYTES. */
    const uint64_t least = CONTEXT_HEADER_BYTES + (uint64_t)(h->n + 1) * RECORD_MIN_BYTES +
                           END_EXTRA_BYTES + 8;
    if (h->file_len < least || h->file_len > CONTEXT_FILE_MAX_BYTES) {
        snprintf(err, err_len, "byte 16: a file length of %llu bytes is impossible for %u "
                 "contexts (from %llu to %llu bytes)", (unsigned long long)h->file_len, h->n,
                 (unsigned long long)least, (unsigned long long)CONTEXT_FILE_MAX_BYTES);
        return -1;
    }
    if (h->fragment_len < 1 || h->fragment_len > CONTEXT_FILE_MAX_FRAGMENT_LEN) {
        snprintf(err, err_len, "byte 56: fragment length %llu is not from 1 to 2^32",
                 (unsigned long long)h->fragment_len);
        return -1;
    }
    return 0;
}

int context_file_parse(const unsigned char *buf, size_t len, int check_sum, fragment_set_t *set,
                       char *err, size_t err_len)
{
    memset(set, 0, sizeof *set);
    context_header_t h;
    if (context_file_header(buf, len, &h, err, err_len) != 0)
        return -1;
    if (h.file_len != len) {
        snprintf(err, err_len, "byte %zu: the header announces %llu bytes, the file has %zu",
                 len < h.file_len ? len : (size_t)h.file_len, (unsigned long long)h.file_len,
                 len);
        return -1;
    }
    reader_t r = { buf, len, CONTEXT_HEADER_BYTES, err, err_len, 0 };
    if (check_sum) {
        if (context_file_checksum(buf, len - 8) != le64(buf + len - 8)) {
            snprintf(err, err_len, "byte %zu: checksum mismatch: the file is truncated or "
                     "corrupted", len - 8);
            return -1;
        }
    }
    r.len = len - 8; /* the checksum is not part of the records */
    set->program_hash = h.program_hash;
    set->fragment_len = h.fragment_len;
    set->frags = r_alloc(&r, h.n, sizeof *set->frags);
    if (set->frags)
        set->n = set->cap = h.n;
    for (size_t k = 0; !r.failed && k < set->n; k++)
        read_ctx(&r, &set->frags[k], 0);
    if (!r.failed)
        read_ctx(&r, &set->end, 1);
    if (!r.failed && r.pos != r.len)
        r_fail(&r, "%zu bytes after the end state", r.len - r.pos);
    return r.failed ? -1 : 0;
}

int context_file_read(const char *path, int check_sum, fragment_set_t *set, char *err,
                      size_t err_len)
{
    memset(set, 0, sizeof *set);
    char msg[512];
    FILE *f = file_open_read(path, msg, sizeof msg);
    if (!f) {
        snprintf(err, err_len, "%s", msg);
        return -1;
    }
    unsigned char hdr[CONTEXT_HEADER_BYTES];
    const size_t got = fread(hdr, 1, sizeof hdr, f);
    context_header_t h;
    int rc = -1;
    unsigned char *buf = NULL;
    struct stat sb;
    if (ferror(f)) {
        snprintf(err, err_len, "%s: read error: %s", path, strerror(errno));
    } else if (context_file_header(hdr, got, &h, msg, sizeof msg) != 0) {
        snprintf(err, err_len, "%s: %s", path, msg);
    } else if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) &&
               (uint64_t)sb.st_size != h.file_len) {
        /* A regular file's size is known: no need to read to find out. */
        snprintf(err, err_len, "%s: byte %llu: the header announces %llu bytes, the file has "
                 "%llu", path, (unsigned long long)(h.file_len < (uint64_t)sb.st_size
                                                    ? h.file_len : (uint64_t)sb.st_size),
                 (unsigned long long)h.file_len, (unsigned long long)sb.st_size);
    } else if (!(buf = malloc((size_t)h.file_len))) {
        snprintf(err, err_len, "%s: out of memory for %llu bytes", path,
                 (unsigned long long)h.file_len);
    } else {
        memcpy(buf, hdr, sizeof hdr);
        const size_t want = (size_t)h.file_len - sizeof hdr;
        const size_t rest = fread(buf + sizeof hdr, 1, want, f);
        if (ferror(f))
            snprintf(err, err_len, "%s: read error: %s", path, strerror(errno));
        else if (rest != want)
            snprintf(err, err_len, "%s: byte %zu: the file ends; the header announces %llu "
                     "bytes", path, sizeof hdr + rest, (unsigned long long)h.file_len);
        else if (fgetc(f) != EOF)
            snprintf(err, err_len, "%s: byte %llu: more bytes than the header announces", path,
                     (unsigned long long)h.file_len);
        else if (context_file_parse(buf, (size_t)h.file_len, check_sum, set, msg, sizeof msg) != 0)
            snprintf(err, err_len, "%s: %s", path, msg);
        else
            rc = 0;
    }
    free(buf);
    fclose(f);
    return rc;
}

/*
 * context_file.c - reading and writing fragment-context files
 * (context_file.h, spec/fragment-context.md). A record's scalar fields are
 * written and read by walking fragment_fields[]; the arenas, the overflow
 * window and the replay are handled once each.
 */
#include "context_file.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "io/file.h"
#include "util/checksum.h"
#include "util/le.h"

#define CONT_BYTES 12        /* continuation-arena entry: below, kind, node */
#define BLOCK_BYTES 72       /* block-arena entry */
#define OVF_BYTES 16         /* overflow entry: value, clk tag */
#define STACKS_BYTES 16      /* a record's two stacks: top reference and depth each */
#define MEMORY_BYTES 24      /* memory access: op, addr, ctx, clk (4 bytes each), the element;
                                a word access has 3 more values (24 bytes) */
#define KERNEL_BYTES 40      /* kernel-ROM access: clk, procedure digest */
#define RANGE_BYTES 10       /* range-check entry: 16-bit value, multiplicity */
#define CHIPLET_MIN_BYTES 20 /* the chiplet section's three counts */

uint64_t context_file_checksum(const unsigned char *buf, size_t len)
{
    return checksum(buf, len);
}

/* Bytes of a record's scalar fields (fragment_fields[]). */
static uint64_t scalar_bytes(int is_end)
{
    uint64_t n = 0;
    for (size_t i = 0; i < fragment_n_fields; i++)
        if (!fragment_fields[i].end_only || is_end)
            n += (uint64_t)fragment_fields[i].width * fragment_fields[i].count;
    return n;
}

/* A record with no overflow entry and no replayed value. */
static uint64_t record_min_bytes(int is_end)
{
    return scalar_bytes(is_end) + 4 + STACKS_BYTES + 8;
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
    w->sum = checksum_update(w->sum, w->buf, w->n);
    if (w->n && fwrite(w->buf, 1, w->n, w->out) != w->n)
        w->failed = 1;
    w->n = 0;
}

/* One little-endian number of `bytes` bytes. */
static void w_uint(writer_t *w, uint64_t v, unsigned bytes)
{
    if (sizeof w->buf - w->n < bytes)
        w_flush(w);
    le_put(w->buf + w->n, v, bytes);
    w->n += bytes;
}

#define W32(w, v) w_uint((w), (v), 4)
#define W64(w, v) w_uint((w), (v), 8)

static void w_u64s(writer_t *w, const uint64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        W64(w, v[i]);
}

static void write_arenas(writer_t *w, const fragment_set_t *set)
{
    W32(w, (uint32_t)set->conts.n);
    for (size_t i = 0; i < set->conts.n; i++) {
        const cont_t *c = &((const cont_t *)set->conts.entries)[i];
        W32(w, set->conts.links[i].below);
        W32(w, c->kind);
        W32(w, c->node);
    }
    W32(w, (uint32_t)set->blocks.n);
    for (size_t i = 0; i < set->blocks.n; i++) {
        const block_entry_t *e = &((const block_entry_t *)set->blocks.entries)[i];
        W32(w, set->blocks.links[i].below);
        W32(w, e->node);
        W32(w, (uint32_t)(e->is_loop_body | e->loop_entered << 1 | e->is_call << 2 |
                          e->is_syscall << 3));
        W64(w, e->addr);
        W64(w, e->parent);
        W64(w, e->saved_ctx);
        w_u64s(w, e->saved_fn_hash.v, 4);
        W32(w, e->saved_base);
    }
}

static void write_ctx(writer_t *w, const fragment_ctx_t *c, int is_end)
{
    for (size_t i = 0; i < fragment_n_fields; i++) {
        const fragment_field_t *fd = &fragment_fields[i];
        for (unsigned k = 0; (!fd->end_only || is_end) && k < fd->count; k++)
            w_uint(w, fragment_field_get(c, fd, k), fd->width);
    }
    W32(w, c->n_kept);
    for (uint32_t i = 0; i < c->n_kept; i++) {
        W64(w, c->ovf[i].value);
        W64(w, c->ovf[i].clk);
    }
    W32(w, c->cont_top);
    W32(w, c->n_conts);
    W32(w, c->block_top);
    W32(w, c->n_blocks);
    W64(w, c->replay.n);
    w_u64s(w, c->replay.vals, c->replay.n);
}

/* The chiplet section: the log's memory and kernel-ROM accesses, in
 * execution order, then the range checks' non-zero multiplicities by value. */
static uint32_t range_entries(const chiplet_log_t *log)
{
    uint32_t n = 0;
    for (uint32_t v = 0; log->range_counts && v < RANGE_TABLE_SIZE; v++)
        n += log->range_counts[v] != 0;
    return n;
}

static void write_chiplets(writer_t *w, const chiplet_log_t *log)
{
    W64(w, log->memory.n);
    for (size_t i = 0; i < log->memory.n; i++) {
        const chiplet_request_t *r = &log->memory.r[i];
        W32(w, r->memory.op);
        W32(w, r->memory.addr);
        W32(w, (uint32_t)r->memory.ctx);
        W32(w, (uint32_t)r->clk);
        w_u64s(w, r->memory.value, memory_op_is_word(r->memory.op) ? 4 : 1);
    }
    W64(w, log->kernel.n);
    for (size_t i = 0; i < log->kernel.n; i++) {
        W64(w, log->kernel.r[i].clk);
        w_u64s(w, log->kernel.r[i].kernel.proc.v, 4);
    }
    W32(w, range_entries(log));
    for (uint32_t v = 0; log->range_counts && v < RANGE_TABLE_SIZE; v++)
        if (log->range_counts[v]) {
            w_uint(w, v, 2);
            W64(w, log->range_counts[v]);
        }
}

static uint64_t chiplet_bytes(const chiplet_log_t *log)
{
    uint64_t words = 0;
    for (size_t i = 0; i < log->memory.n; i++)
        words += memory_op_is_word(log->memory.r[i].memory.op);
    return CHIPLET_MIN_BYTES + MEMORY_BYTES * (uint64_t)log->memory.n + 24 * words +
           KERNEL_BYTES * (uint64_t)log->kernel.n + RANGE_BYTES * (uint64_t)range_entries(log);
}

/* Bytes of one record as write_ctx writes it. */
static uint64_t record_bytes(const fragment_ctx_t *c, int is_end)
{
    return record_min_bytes(is_end) + OVF_BYTES * (uint64_t)c->n_kept + 8 * (uint64_t)c->replay.n;
}

uint64_t context_file_size(const fragment_set_t *set)
{
    uint64_t n = CONTEXT_HEADER_BYTES + 4 + CONT_BYTES * (uint64_t)set->conts.n + 4 +
                 BLOCK_BYTES * (uint64_t)set->blocks.n + record_bytes(&set->end, 1) +
                 chiplet_bytes(&set->log) + 8;
    for (size_t k = 0; k < set->n; k++)
        n += record_bytes(&set->frags[k], 0);
    return n;
}

int context_file_write(const fragment_set_t *set, FILE *out)
{
    const uint64_t size = context_file_size(set);
    if (set->n > CONTEXT_FILE_MAX_FRAGMENTS || size > CONTEXT_FILE_MAX_BYTES ||
        set->conts.n > FRAGMENT_ARENA_MAX || set->blocks.n > FRAGMENT_ARENA_MAX)
        return -1;
    writer_t *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    w->out = out;
    w->sum = CHECKSUM_INIT;
    memcpy(w->buf, CONTEXT_FILE_MAGIC, 8);
    w->n = 8;
    W32(w, CONTEXT_FILE_VERSION);
    W32(w, (uint32_t)set->n);
    W64(w, size);
    w_u64s(w, set->program_hash.v, 4);
    W64(w, set->fragment_len);
    write_arenas(w, set);
    for (size_t k = 0; k < set->n; k++)
        write_ctx(w, &set->frags[k], 0);
    write_ctx(w, &set->end, 1);
    write_chiplets(w, &set->log);
    w_flush(w);
    W64(w, w->sum);
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

/* Fail at byte `at` (the start of what is wrong). */
static void r_fail_at(reader_t *r, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void r_fail_at(reader_t *r, size_t at, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = 1;
    int n = snprintf(r->err, r->err_len, "byte %zu: ", at);
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
        r_fail_at(r, r->pos, "the file ends inside %s (%llu bytes needed, %zu left)", what,
                  (unsigned long long)n, r->len - r->pos);
        return 0;
    }
    return 1;
}

static uint64_t r_uint(reader_t *r, unsigned bytes, const char *what)
{
    if (!r_need(r, bytes, what))
        return 0;
    const uint64_t v = le_get(r->buf + r->pos, bytes);
    r->pos += bytes;
    return v;
}

#define R32(r, what) ((uint32_t)r_uint((r), 4, (what)))
#define R64(r, what) r_uint((r), 8, (what))

/* A count of items of `size` bytes each that must fit in the rest of the
 * file (so that a corrupted count cannot cause a huge allocation). */
static uint64_t r_count(reader_t *r, unsigned bytes, uint64_t size, const char *what)
{
    const size_t at = r->pos;
    const uint64_t n = r_uint(r, bytes, what);
    if (!r->failed && n > (r->len - r->pos) / size) {
        r_fail_at(r, at, "%s: %llu entries of %llu bytes do not fit in the %zu bytes left", what,
                  (unsigned long long)n, (unsigned long long)size, r->len - r->pos);
        return 0;
    }
    return n;
}

static int felts_canonical(const felt_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] >= FELT_P)
            return 0;
    return 1;
}

static void *r_alloc(reader_t *r, uint64_t n, size_t elem)
{
    if (r->failed)
        return NULL;
    void *p = calloc(n ? n : 1, elem);
    if (!p)
        r_fail_at(r, r->pos, "out of memory");
    return p;
}

/* An arena entry's link: `below` must name an earlier entry (or none), so
 * that every chain ends and has the depth the entry gets here. */
static void r_link(reader_t *r, stack_arena_t *a, size_t i, const char *what)
{
    const size_t at = r->pos;
    const uint32_t below = R32(r, what);
    if (r->failed)
        return;
    if (below > i) {
        r_fail_at(r, at, "%s %zu links to entry %u: not an earlier entry", what, i, below - 1);
        return;
    }
    a->links[i].below = below;
    a->links[i].depth = (below ? a->links[below - 1].depth : 0) + 1;
}

/* An arena's count and its arrays, allocated only once the count fits
 * the bytes left (entry_bytes each). 0, or -1 (r failed). */
static int read_arena_count(reader_t *r, stack_arena_t *a, uint64_t entry_bytes, size_t elem,
                            const char *what)
{
    a->n = r_count(r, 4, entry_bytes, what);
    a->entries = r_alloc(r, a->n, elem);
    a->links = r_alloc(r, a->n, sizeof *a->links);
    if (!a->entries || !a->links) {
        a->n = 0;
        return -1;
    }
    a->cap_entries = a->cap_links = a->n;
    return 0;
}

static void read_arenas(reader_t *r, fragment_set_t *set)
{
    stack_arena_t *a = &set->conts;
    if (read_arena_count(r, a, CONT_BYTES, sizeof(cont_t), "the continuation arena") != 0)
        return;
    for (size_t i = 0; !r->failed && i < a->n; i++) {
        cont_t *c = &((cont_t *)a->entries)[i];
        r_link(r, a, i, "continuation-arena entry");
        const size_t at = r->pos;
        const uint32_t kind = R32(r, "a continuation-arena entry");
        if (!r->failed && kind > K_RESPAN) {
            r_fail_at(r, at, "continuation kind %u: only 0 to %d are defined", kind, K_RESPAN);
            return;
        }
        c->kind = (uint8_t)kind;
        c->node = R32(r, "a continuation-arena entry");
    }
    a = &set->blocks;
    if (read_arena_count(r, a, BLOCK_BYTES, sizeof(block_entry_t), "the block arena") != 0)
        return;
    for (size_t i = 0; !r->failed && i < a->n; i++) {
        block_entry_t *e = &((block_entry_t *)a->entries)[i];
        r_link(r, a, i, "block-arena entry");
        e->node = R32(r, "a block-arena entry");
        const size_t at = r->pos;
        const uint32_t flags = R32(r, "a block-arena entry");
        if (!r->failed && flags > 15) {
            r_fail_at(r, at, "block-arena entry flags %u: only bits 0-3 are defined", flags);
            return;
        }
        e->is_loop_body = flags & 1;
        e->loop_entered = flags >> 1 & 1;
        e->is_call = flags >> 2 & 1;
        e->is_syscall = flags >> 3 & 1;
        e->addr = R64(r, "a block-arena entry");
        e->parent = R64(r, "a block-arena entry");
        e->saved_ctx = R64(r, "a block-arena entry");
        for (int k = 0; k < 4; k++)
            e->saved_fn_hash.v[k] = R64(r, "a block-arena entry");
        e->saved_base = R32(r, "a block-arena entry");
    }
}

/* A record's stack: its top must be an arena entry (or none) whose chain
 * is as deep as the record says. */
static void r_stack(reader_t *r, const stack_arena_t *a, uint32_t *top, uint32_t *depth,
                    const char *what)
{
    const size_t at = r->pos;
    *top = R32(r, what);
    *depth = R32(r, what);
    if (r->failed)
        return;
    if (*top > a->n) {
        r_fail_at(r, at, "%s: top entry %u is not in the arena of %zu entries", what, *top - 1,
                  a->n);
        return;
    }
    const uint32_t chain = *top ? a->links[*top - 1].depth : 0;
    if (*depth != chain)
        r_fail_at(r, at + 4, "%s: depth %u does not match the %u entries of its chain", what,
                  *depth, chain);
}

static void read_ctx(reader_t *r, const fragment_set_t *set, fragment_ctx_t *c, int is_end)
{
    for (size_t i = 0; i < fragment_n_fields; i++) {
        const fragment_field_t *fd = &fragment_fields[i];
        for (unsigned k = 0; (!fd->end_only || is_end) && k < fd->count; k++)
            fragment_field_set(c, fd, k, r_uint(r, fd->width, fd->name));
    }
    c->n_kept = (uint32_t)r_count(r, 4, OVF_BYTES, "the overflow entries");
    if (c->n_kept) {
        c->ovf = r_alloc(r, c->n_kept, sizeof *c->ovf);
        for (uint32_t i = 0; c->ovf && i < c->n_kept; i++) {
            c->ovf[i].value = R64(r, "an overflow entry");
            c->ovf[i].clk = R64(r, "an overflow entry");
        }
        if (!c->ovf)
            c->n_kept = 0;
    }
    r_stack(r, &set->conts, &c->cont_top, &c->n_conts, "the continuation stack");
    r_stack(r, &set->blocks, &c->block_top, &c->n_blocks, "the block stack");
    const uint64_t n = r_count(r, 8, 8, "the replay");
    if (n) {
        c->replay.vals = r_alloc(r, n, sizeof *c->replay.vals);
        if (c->replay.vals) {
            c->replay.n = c->replay.cap = n;
            for (size_t i = 0; i < n; i++)
                c->replay.vals[i] = R64(r, "the replay");
        }
    }
}

/* The chiplet section (write_chiplets). Values are checked here as far as
 * the file alone can tell; fragment_set_validate checks them against the
 * program and the end state. */
static void read_chiplets(reader_t *r, chiplet_log_t *log)
{
    chiplet_log_init(log, CHIPLET_LOG_GLOBAL);
    const uint64_t n_mem = r_count(r, 8, MEMORY_BYTES, "the memory accesses");
    log->memory.r = r_alloc(r, n_mem, sizeof *log->memory.r);
    if (log->memory.r)
        log->memory.n = log->memory.cap = (size_t)n_mem;
    for (size_t i = 0; !r->failed && i < log->memory.n; i++) {
        chiplet_request_t *q = &log->memory.r[i];
        const size_t at = r->pos;
        q->kind = CHIPLET_MEMORY;
        const uint32_t op = R32(r, "a memory access");
        q->memory.addr = R32(r, "a memory access");
        q->memory.ctx = R32(r, "a memory access");
        q->clk = R32(r, "a memory access");
        const int n_values = op <= MEM_WRITE_WORD && memory_op_is_word((uint8_t)op) ? 4 : 1;
        for (int k = 0; k < n_values; k++)
            q->memory.value[k] = R64(r, "a memory access");
        q->memory.op = (uint8_t)op;
        if (!r->failed && (op > MEM_WRITE_WORD || !felts_canonical(q->memory.value, 4)))
            r_fail_at(r, at, "memory access %zu: a value is out of range", i);
    }
    const uint64_t n_kernel = r_count(r, 8, KERNEL_BYTES, "the kernel-ROM accesses");
    log->kernel.r = r_alloc(r, n_kernel, sizeof *log->kernel.r);
    if (log->kernel.r)
        log->kernel.n = log->kernel.cap = (size_t)n_kernel;
    for (size_t i = 0; !r->failed && i < log->kernel.n; i++) {
        chiplet_request_t *q = &log->kernel.r[i];
        const size_t at = r->pos;
        q->kind = CHIPLET_KERNEL_ROM;
        q->clk = R64(r, "a kernel-ROM access");
        for (int k = 0; k < 4; k++)
            q->kernel.proc.v[k] = R64(r, "a kernel-ROM access");
        if (!r->failed && !felts_canonical(q->kernel.proc.v, 4))
            r_fail_at(r, at, "kernel-ROM access %zu: the digest is not canonical", i);
    }
    const size_t at = r->pos;
    const uint64_t n_range = r_count(r, 4, RANGE_BYTES, "the range checks");
    if (!r->failed && n_range > RANGE_TABLE_SIZE)
        r_fail_at(r, at, "%llu range-check entries; at most %u values exist",
                  (unsigned long long)n_range, (unsigned)RANGE_TABLE_SIZE);
    if (!r->failed && n_range)
        log->range_counts = r_alloc(r, RANGE_TABLE_SIZE, sizeof *log->range_counts);
    long prev = -1;
    for (uint64_t i = 0; !r->failed && i < n_range; i++) {
        const size_t e_at = r->pos;
        const uint32_t v = (uint32_t)r_uint(r, 2, "a range-check entry");
        const uint64_t m = R64(r, "a range-check entry");
        if (!r->failed && ((long)v <= prev || m == 0 || m > UINT32_MAX))
            r_fail_at(r, e_at, "range-check entry %llu: values must increase and multiplicities "
                      "be from 1 to 2^32 - 1", (unsigned long long)i);
        else if (!r->failed)
            log->range_counts[v] = (uint32_t)m;
        prev = (long)v;
    }
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
    const uint32_t version = le_get32(hdr + 8);
    if (version != CONTEXT_FILE_VERSION) {
        snprintf(err, err_len, "byte 8: format version %u; this fragtrace reads version %u%s",
                 version, CONTEXT_FILE_VERSION,
                 version >= 1 && version < CONTEXT_FILE_VERSION
                     ? " (rewrite the file with 'fragtrace contexts')"
                     : "");
        return -1;
    }
    h->n = le_get32(hdr + 12);
    h->file_len = le_get64(hdr + 16);
    for (int i = 0; i < 4; i++)
        h->program_hash.v[i] = le_get64(hdr + 24 + 8 * i);
    h->fragment_len = le_get64(hdr + 56);
    if (h->n > CONTEXT_FILE_MAX_FRAGMENTS) {
        snprintf(err, err_len, "byte 12: %u fragment contexts; at most %u are allowed", h->n,
                 (unsigned)CONTEXT_FILE_MAX_FRAGMENTS);
        return -1;
    }
    /* Two empty arenas, n + 1 records of the least size, the checksum. */
    const uint64_t least = CONTEXT_HEADER_BYTES + 4 + 4 + (uint64_t)h->n * record_min_bytes(0) +
                           record_min_bytes(1) + CHIPLET_MIN_BYTES + 8;
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
    if (check_sum && checksum(buf, len - 8) != le_get64(buf + len - 8)) {
        snprintf(err, err_len, "byte %zu: checksum mismatch: the file is truncated or "
                 "corrupted", len - 8);
        return -1;
    }
    /* The checksum is not part of the body. */
    reader_t r = { buf, len - 8, CONTEXT_HEADER_BYTES, err, err_len, 0 };
    set->program_hash = h.program_hash;
    set->fragment_len = h.fragment_len;
    read_arenas(&r, set);
    set->frags = r_alloc(&r, h.n, sizeof *set->frags);
    if (set->frags)
        set->n = set->cap = h.n;
    for (size_t k = 0; !r.failed && k < set->n; k++)
        read_ctx(&r, set, &set->frags[k], 0);
    if (!r.failed)
        read_ctx(&r, set, &set->end, 1);
    if (!r.failed)
        read_chiplets(&r, &set->log);
    if (!r.failed && r.pos != r.len)
        r_fail_at(&r, r.pos, "%zu bytes after the chiplet section", r.len - r.pos);
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

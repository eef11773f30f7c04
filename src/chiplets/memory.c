/*
 * memory.c - the rows of the memory chiplet (memory.h,
 * spec/chiplet-memory.md).
 */
#include "chiplets/memory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t memory_chiplet_len(size_t n_accesses)
{
    return (uint64_t)n_accesses;
}

/* Sort key of one access: the chiplet's order is ctx, word, clk, and the
 * execution order (seq) among accesses of one word in one cycle. */
typedef struct {
    uint64_t ctx;
    uint64_t clk;
    uint32_t word_addr;
    size_t seq;              /* index of the request in reqs */
} access_key_t;

static int key_cmp(const void *pa, const void *pb)
{
    const access_key_t *a = pa, *b = pb;
    if (a->ctx != b->ctx)
        return a->ctx < b->ctx ? -1 : 1;
    if (a->word_addr != b->word_addr)
        return a->word_addr < b->word_addr ? -1 : 1;
    if (a->clk != b->clk)
        return a->clk < b->clk ? -1 : 1;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    return 0;
}

/* Sort the keys into the chiplet's order. Requests come in execution
 * order, so clocks normally never decrease: then a stable radix sort on
 * (ctx, word) alone keeps each word's accesses in clock order, in 4 passes
 * of 16 bits over a 62-bit key (ctx < 2^32, word address / 4 < 2^30),
 * skipping passes whose digit is the same in all keys. Otherwise (never
 * from the executor) a comparison sort on the full key. Returns 0, or -1
 * out of memory. */
static size_t digit(const access_key_t *k, unsigned shift)
{
    const uint64_t key = (k->ctx << 30) | ((uint64_t)k->word_addr >> 2);
    return (size_t)((key >> shift) & 0xFFFF);
}

static int sort_keys(access_key_t *keys, size_t count)
{
    int clk_ordered = 1;
    for (size_t i = 1; i < count && clk_ordered; i++)
        clk_ordered = keys[i].clk >= keys[i - 1].clk;
    if (!clk_ordered) {
        qsort(keys, count, sizeof *keys, key_cmp);
        return 0;
    }
    access_key_t *tmp = malloc(count * sizeof *tmp);
    size_t *hist = malloc(65536 * sizeof *hist);
    if (!tmp || !hist) {
        free(tmp);
        free(hist);
        return -1;
    }
    access_key_t *src = keys, *dst = tmp;
    for (unsigned shift = 0; shift < 64; shift += 16) {
        memset(hist, 0, 65536 * sizeof *hist);
        for (size_t i = 0; i < count; i++)
            hist[digit(&src[i], shift)]++;
        if (hist[digit(&src[0], shift)] == count)
            continue; /* one digit value: the pass would not move anything */
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            const size_t h = hist[d];
            hist[d] = sum;
            sum += h;
        }
        for (size_t i = 0; i < count; i++)
            dst[hist[digit(&src[i], shift)]++] = src[i];
        access_key_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != keys)
        memcpy(keys, src, count * sizeof *keys);
    free(tmp);
    free(hist);
    return 0;
}

static const char *op_name(uint8_t op)
{
    switch (op) {
    case MEM_READ_ELEMENT: return "element read";
    case MEM_WRITE_ELEMENT: return "element write";
    case MEM_READ_WORD: return "word read";
    case MEM_WRITE_WORD: return "word write";
    default: return "unknown access";
    }
}

void memory_rows_free(memory_rows_t *m)
{
    free(m->rows);
    m->rows = NULL;
    m->n = 0;
}

int memory_rows_sort(const chiplet_request_t *reqs, size_t n, memory_rows_t *out, char *err,
                     size_t err_len)
{
    out->rows = NULL;
    out->n = 0;
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += reqs[i].kind == CHIPLET_MEMORY;
    if (count == 0)
        return 0;

    access_key_t *keys = malloc(count * sizeof *keys);
    memory_row_t *rows = malloc(count * sizeof *rows);
    if (!keys || !rows) {
        free(keys);
        free(rows);
        snprintf(err, err_len, "memory chiplet: out of memory (%zu accesses)", count);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const chiplet_request_t *r = &reqs[i];
        if (r->kind != CHIPLET_MEMORY)
            continue;
        const uint8_t op = r->memory.op;
        if (op > MEM_WRITE_WORD) {
            snprintf(err, err_len, "memory chiplet: request %zu (clk %llu) has unknown operation %u",
                     i, (unsigned long long)r->clk, (unsigned)op);
            goto fail;
        }
        if (r->memory.ctx > UINT32_MAX) {
            snprintf(err, err_len, "memory chiplet: request %zu (clk %llu): context id %llu is "
                     "not below 2^32", i, (unsigned long long)r->clk,
                     (unsigned long long)r->memory.ctx);
            goto fail;
        }
        if ((op == MEM_READ_WORD || op == MEM_WRITE_WORD) && (r->memory.addr & 3u) != 0) {
            snprintf(err, err_len, "memory chiplet: request %zu (clk %llu): %s at unaligned "
                     "address %u", i, (unsigned long long)r->clk, op_name(op), r->memory.addr);
            goto fail;
        }
        keys[k].ctx = r->memory.ctx;
        keys[k].clk = r->clk;
        keys[k].word_addr = r->memory.addr & ~3u;
        keys[k].seq = i;
        k++;
    }
    if (sort_keys(keys, count) != 0) {
        snprintf(err, err_len, "memory chiplet: out of memory (%zu accesses)", count);
        goto fail;
    }

    /* Walk each (ctx, word) group in order, carrying the word's contents:
       a new group starts from zeros; a read keeps the word, an element
       write replaces one element, a word write replaces all four. */
    felt_t cur[4] = { 0, 0, 0, 0 };
    uint64_t last_clk = 0;
    int last_was_write = 0;
    for (size_t j = 0; j < count; j++) {
        const access_key_t *key = &keys[j];
        const chiplet_request_t *r = &reqs[key->seq];
        const int new_group = j == 0 || keys[j - 1].ctx != key->ctx ||
                              keys[j - 1].word_addr != key->word_addr;
        if (new_group) {
            memset(cur, 0, sizeof cur);
        }
        const uint8_t op = r->memory.op;
        const int is_write = op == MEM_WRITE_ELEMENT || op == MEM_WRITE_WORD;
        const int is_word = op == MEM_READ_WORD || op == MEM_WRITE_WORD;
        const unsigned idx = is_word ? 0u : (unsigned)(r->memory.addr & 3u);
        if (!new_group && last_clk == key->clk && (is_write || last_was_write)) {
            snprintf(err, err_len, "memory chiplet: ctx %llu, word %u accessed more than once in "
                     "cycle %llu with a write (%s)", (unsigned long long)key->ctx, key->word_addr,
                     (unsigned long long)key->clk, op_name(op));
            goto fail;
        }
        switch (op) {
        case MEM_WRITE_ELEMENT:
            cur[idx] = r->memory.value[0];
            break;
        case MEM_WRITE_WORD:
            memcpy(cur, r->memory.value, sizeof cur);
            break;
        case MEM_READ_ELEMENT:
            if (r->memory.value[0] != cur[idx]) {
                snprintf(err, err_len, "memory chiplet: element read of ctx %llu, address %u at "
                         "clk %llu reports %llu, memory holds %llu", (unsigned long long)key->ctx,
                         r->memory.addr, (unsigned long long)key->clk,
                         (unsigned long long)r->memory.value[0], (unsigned long long)cur[idx]);
                goto fail;
            }
            break;
        default: /* MEM_READ_WORD */
            if (memcmp(r->memory.value, cur, sizeof cur) != 0) {
                snprintf(err, err_len, "memory chiplet: word read of ctx %llu, address %u at clk "
                         "%llu reports a word the memory does not hold",
                         (unsigned long long)key->ctx, r->memory.addr,
                         (unsigned long long)key->clk);
                goto fail;
            }
            break;
        }
        memory_row_t *row = &rows[j];
        row->ctx = key->ctx;
        row->clk = key->clk;
        row->word_addr = key->word_addr;
        row->is_read = (uint8_t)!is_write;
        row->is_word = (uint8_t)is_word;
        row->idx = (uint8_t)idx;
        memcpy(row->word, cur, sizeof cur);
        last_clk = key->clk;
        last_was_write = is_write;
    }
    free(keys);
    out->rows = rows;
    out->n = count;
    return 0;

fail:
    free(keys);
    free(rows);
    return -1;
}

/* The delta row j checks against row j - 1 (1 on the first row), and
 * whether both lie in the same context and word (1 on the first row). */
static uint64_t row_delta(const memory_rows_t *m, size_t j, int *same)
{
    const memory_row_t *r = &m->rows[j];
    if (j == 0) {
        *same = 1;
        return 1;
    }
    const memory_row_t *p = &m->rows[j - 1];
    *same = 0;
    if (p->ctx != r->ctx)
        return r->ctx - p->ctx;
    if (p->word_addr != r->word_addr)
        return (uint64_t)(r->word_addr - p->word_addr);
    *same = 1;
    return r->clk - p->clk;
}

void memory_rows_count_range(const memory_rows_t *m, uint32_t *range_counts)
{
    for (size_t j = 0; j < m->n; j++) {
        int same;
        const uint64_t d = row_delta(m, j, &same);
        range_counts[d & 0xFFFF]++;
        range_counts[(d >> 16) & 0xFFFF]++;
    }
}

/* Rows are inverted in chunks of this many with one field inversion. */
#define INV_CHUNK 64

void memory_rows_fill(const memory_rows_t *m, size_t first, size_t count, felt_t *cols,
                      uint64_t len, uint64_t row0, uint32_t *range_counts)
{
    felt_t *const c = cols + (size_t)TRACE_CHIPLETS_OFFSET * len;
#define CELL(k, row) c[(size_t)(k) * len + (row)]
    for (size_t base = 0; base < count; base += INV_CHUNK) {
        const size_t chunk = count - base < INV_CHUNK ? count - base : INV_CHUNK;
        felt_t delta[INV_CHUNK], prefix[INV_CHUNK];
        felt_t acc = 1;
        for (size_t i = 0; i < chunk; i++) {
            const size_t j = first + base + i;
            const memory_row_t *r = &m->rows[j];
            const uint64_t t = row0 + j;
            int same;
            const uint64_t d = row_delta(m, j, &same);
            const uint16_t lo = (uint16_t)(d & 0xFFFF), hi = (uint16_t)((d >> 16) & 0xFFFF);
            CELL(0, t) = 1;
            CELL(1, t) = 1;
            CELL(2, t) = 0;
            CELL(MEMORY_COL_IS_READ, t) = r->is_read;
            CELL(MEMORY_COL_IS_WORD, t) = r->is_word;
            CELL(MEMORY_COL_CTX, t) = r->ctx;
            CELL(MEMORY_COL_WORD_ADDR, t) = r->word_addr;
            CELL(MEMORY_COL_IDX0, t) = r->idx & 1u;
            CELL(MEMORY_COL_IDX1, t) = (unsigned)r->idx >> 1;
            CELL(MEMORY_COL_CLK, t) = felt_from_u64(r->clk);
            for (int e = 0; e < 4; e++)
                CELL(MEMORY_COL_VALUES + e, t) = r->word[e];
            CELL(MEMORY_COL_D0, t) = lo;
            CELL(MEMORY_COL_D1, t) = hi;
            CELL(MEMORY_COL_SAME_CTX_WORD, t) = (felt_t)same;
            CELL(MEMORY_COL_UNUSED, t) = 0;
            CELL(MEMORY_COL_UNUSED + 1, t) = 0;
            if (range_counts) {
                range_counts[lo]++;
                range_counts[hi]++;
            }
            /* Montgomery's trick: prefix[i] is the product of the non-zero
               deltas before row i. */
            delta[i] = felt_from_u64(d);
            prefix[i] = acc;
            if (delta[i] != 0)
                acc = felt_mul(acc, delta[i]);
        }
        felt_t inv_acc = 1;
        (void)felt_inv(acc, &inv_acc); /* acc is a product of non-zero felts */
        for (size_t i = chunk; i-- > 0;) {
            const uint64_t t = row0 + first + base + i;
            if (delta[i] == 0) {
                CELL(MEMORY_COL_D_INV, t) = 0;
                continue;
            }
            CELL(MEMORY_COL_D_INV, t) = felt_mul(inv_acc, prefix[i]);
            inv_acc = felt_mul(inv_acc, delta[i]);
        }
    }
#undef CELL
}

int memory_chiplet_fill(const chiplet_request_t *reqs, size_t n, felt_t *cols, uint64_t len,
                        uint64_t row0, uint32_t *range_counts, char *err, size_t err_len)
{
    memory_rows_t m;
    if (memory_rows_sort(reqs, n, &m, err, err_len) != 0)
        return -1;
    if (row0 > len || m.n > len - row0) {
        snprintf(err, err_len, "memory chiplet: %zu rows from row %llu do not fit in a trace of "
                 "%llu rows", m.n, (unsigned long long)row0, (unsigned long long)len);
        memory_rows_free(&m);
        return -1;
    }
    memory_rows_fill(&m, 0, m.n, cols, len, row0, range_counts);
    memory_rows_free(&m);
    return 0;
}

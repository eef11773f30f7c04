/*
 * stack.c - the chiplets' stacking order, the trace length and the padding
 * rows (spec/chiplets.md, "Stacking").
 */
#include "chiplets/stack.h"

#include "air/layout.h"

/* a + b into *out; -1 if it wraps. */
static int add_rows(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a > UINT64_MAX - b)
        return -1;
    *out = a + b;
    return 0;
}

int chiplets_layout_init(chiplets_layout_t *l, uint64_t hasher_rows, uint64_t bitwise_ops,
                         uint64_t mem_accesses, uint64_t ace_rows, uint64_t kernel_rom_rows)
{
    if (bitwise_ops > UINT64_MAX / 8)
        return -1;
    l->hasher_rows = hasher_rows;
    l->bitwise_rows = 8 * bitwise_ops;
    l->memory_rows = mem_accesses;
    l->ace_rows = ace_rows;
    l->kernel_rom_rows = kernel_rom_rows;
    l->hasher_start = 0;
    l->bitwise_start = hasher_rows;
    uint64_t end;
    if (add_rows(l->bitwise_start, l->bitwise_rows, &l->memory_start) != 0 ||
        add_rows(l->memory_start, l->memory_rows, &l->ace_start) != 0 ||
        add_rows(l->ace_start, l->ace_rows, &l->kernel_rom_start) != 0 ||
        add_rows(l->kernel_rom_start, l->kernel_rom_rows, &l->padding_start) != 0 ||
        add_rows(l->padding_start, 1, &end) != 0)
        return -1;
    return 0;
}

int chiplets_layout_from_counts(chiplets_layout_t *l, const chiplet_counts_t *c,
                                uint64_t n_kernel_procs, uint64_t ace_rows)
{
    uint64_t kernel_rows;
    if (add_rows(n_kernel_procs, c->kernel_accesses, &kernel_rows) != 0)
        return -1;
    return chiplets_layout_init(l, c->hasher_rows, c->bitwise_ops, c->mem_accesses, ace_rows,
                                kernel_rows);
}

uint64_t chiplets_len(const chiplets_layout_t *l)
{
    return l->padding_start + 1;
}

uint64_t chiplets_main_trace_len(uint64_t core_len, uint64_t range_len, uint64_t chiplets_len)
{
    uint64_t need = core_len;
    if (range_len > need)
        need = range_len;
    if (chiplets_len > need)
        need = chiplets_len;
    if (need > (UINT64_C(1) << 63) - TRACE_NUM_RAND_ROWS)
        return 0;
    need += TRACE_NUM_RAND_ROWS;
    uint64_t len = TRACE_MIN_LEN;
    while (len < need)
        len <<= 1;
    return len;
}

int chiplets_fill_padding(const chiplets_layout_t *l, felt_t *cols, uint64_t len, uint64_t from,
                          uint64_t to)
{
    if (len < TRACE_NUM_RAND_ROWS || chiplets_len(l) > len - TRACE_NUM_RAND_ROWS)
        return -1;
    const uint64_t end = len - TRACE_NUM_RAND_ROWS;
    if (from < l->padding_start)
        from = l->padding_start;
    if (to > end)
        to = end;
    if (from >= to)
        return 0;
    for (int k = 0; k < TRACE_CHIPLETS_WIDTH; k++) {
        felt_t *col = cols + (uint64_t)TRACE_COL_CHIPLET(k) * len;
        const felt_t v = k < CHIPLET_NUM_SELECTORS ? 1 : 0;
        for (uint64_t row = from; row < to; row++)
            col[row] = v;
    }
    return 0;
}

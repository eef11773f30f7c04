/*
 * stack.c - the chiplets' stacking order, the trace length and the padding
 * rows (spec/chiplets.md, "Stacking").
 */
#include "chiplets/stack.h"

#include "air/layout.h"

/* Does a + b fit in 64 bits? */
/*@ assigns \nothing;
    ensures \result != 0 <==> a + b <= UINT64_MAX;
*/
static int rows_fit(uint64_t a, uint64_t b)
{
    return a <= UINT64_MAX - b;
}

/* The starts are computed first and stored only when every one fits: on
 * -1, *l is left alone. */
int chiplets_layout_init(chiplets_layout_t *l, uint64_t hasher_rows, uint64_t bitwise_ops,
                         uint64_t mem_accesses, uint64_t ace_rows, uint64_t kernel_rom_rows)
{
    if (bitwise_ops > UINT64_MAX / 8)
        return -1;
    const uint64_t bitwise_rows = 8 * bitwise_ops;
    if (!rows_fit(hasher_rows, bitwise_rows))
        return -1;
    const uint64_t memory_start = hasher_rows + bitwise_rows;
    if (!rows_fit(memory_start, mem_accesses))
        return -1;
    const uint64_t ace_start = memory_start + mem_accesses;
    if (!rows_fit(ace_start, ace_rows))
        return -1;
    const uint64_t kernel_rom_start = ace_start + ace_rows;
    if (!rows_fit(kernel_rom_start, kernel_rom_rows))
        return -1;
    const uint64_t padding_start = kernel_rom_start + kernel_rom_rows;
    if (!rows_fit(padding_start, 1)) /* the padding row that is always there */
        return -1;
    l->hasher_rows = hasher_rows;
    l->bitwise_rows = bitwise_rows;
    l->memory_rows = mem_accesses;
    l->ace_rows = ace_rows;
    l->kernel_rom_rows = kernel_rom_rows;
    l->hasher_start = 0;
    l->bitwise_start = hasher_rows;
    l->memory_start = memory_start;
    l->ace_start = ace_start;
    l->kernel_rom_start = kernel_rom_start;
    l->padding_start = padding_start;
    return 0;
}

int chiplets_layout_from_counts(chiplets_layout_t *l, const chiplet_counts_t *c,
                                uint64_t n_kernel_procs, uint64_t ace_rows)
{
    if (!rows_fit(n_kernel_procs, c->kernel_accesses))
        return -1;
    return chiplets_layout_init(l, c->hasher_rows, c->bitwise_ops, c->mem_accesses, ace_rows,
                                n_kernel_procs + c->kernel_accesses);
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
    //@ ghost int k = 6;
    //@ assert pow2(1) == 2 && pow2(2) == 4 && pow2(3) == 8 && pow2(4) == 16;
    //@ assert pow2(5) == 32 && pow2(6) == 64;
    /*@ loop invariant 6 <= k <= 63 && len == pow2(k);
        loop invariant TRACE_MIN_LEN <= len;
        loop invariant len == TRACE_MIN_LEN || len / 2 < need;
        loop assigns len, k;
        loop variant need - len;
    */
    while (len < need) {
        //@ assert len <= 4611686018427387904;
        len <<= 1;
        //@ ghost k = k + 1;
    }
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
    /*@ loop invariant 0 <= k <= TRACE_CHIPLETS_WIDTH;
        loop invariant \forall integer c, r; 0 <= c < k && from <= r < to ==>
                         cols[(TRACE_CHIPLETS_OFFSET + c) * len + r] ==
                           (c < CHIPLET_NUM_SELECTORS ? 1 : 0);
        loop invariant \forall integer c, r; 0 <= c < TRACE_CHIPLETS_WIDTH && 0 <= r < len &&
                         !(c < k && from <= r < to) ==>
                         cols[(TRACE_CHIPLETS_OFFSET + c) * len + r] ==
                           \at(cols[(TRACE_CHIPLETS_OFFSET + c) * len + r], Pre);
        loop assigns k, cols[TRACE_CHIPLETS_OFFSET * len ..
                             (TRACE_CHIPLETS_OFFSET + TRACE_CHIPLETS_WIDTH) * len - 1];
        loop variant TRACE_CHIPLETS_WIDTH - k;
    */
    for (int k = 0; k < TRACE_CHIPLETS_WIDTH; k++) {
        felt_t *col = cols + (uint64_t)TRACE_COL_CHIPLET(k) * len;
        const felt_t v = k < CHIPLET_NUM_SELECTORS ? 1 : 0;
        //@ assert col == cols + (TRACE_CHIPLETS_OFFSET + k) * len;

        /*@ loop invariant from <= row <= to;
            loop invariant \forall integer r; from <= r < row ==> col[r] == v;
            loop assigns row, col[from .. to - 1];
            loop variant to - row;
        */
        for (uint64_t row = from; row < to; row++)
            col[row] = v;
        /* The other columns' cells lie outside this column's run. */
        /*@ assert \forall integer c; 0 <= c < k ==>
                     (TRACE_CHIPLETS_OFFSET + c) * len + len <= (TRACE_CHIPLETS_OFFSET + k) * len;
        */
        /*@ assert \forall integer c; k < c < TRACE_CHIPLETS_WIDTH ==>
                     (TRACE_CHIPLETS_OFFSET + k) * len + len <= (TRACE_CHIPLETS_OFFSET + c) * len;
        */
        /*@ assert \forall integer c, r; 0 <= c < TRACE_CHIPLETS_WIDTH && c != k && 0 <= r < len ==>
                     cols[(TRACE_CHIPLETS_OFFSET + c) * len + r] ==
                       \at(cols[(TRACE_CHIPLETS_OFFSET + c) * len + r], LoopCurrent);
        */
        /*@ assert \forall integer r; 0 <= r < len && !(from <= r < to) ==>
                     cols[(TRACE_CHIPLETS_OFFSET + k) * len + r] ==
                       \at(cols[(TRACE_CHIPLETS_OFFSET + k) * len + r], LoopCurrent);
        */
        /*@ assert \forall integer r; from <= r < to ==>
                     cols[(TRACE_CHIPLETS_OFFSET + k) * len + r] == v;
        */
    }
    return 0;
}

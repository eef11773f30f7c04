/*
 * kernel_rom.c - the kernel ROM chiplet's rows (spec/chiplets.md, "Kernel ROM").
 */
#include "chiplets/kernel_rom.h"

#include "air/layout.h"

/* Chiplet column k of a kernel ROM row. */
enum {
    KR_SELECTORS = 4,  /* columns 0-3 are 1, column 4 is 0 */
    KR_S_FIRST = 5,
    KR_DIGEST = 6,     /* 4 columns */
    KR_USED = 10       /* columns 10-19 are 0 */
};

/* Index of digest d in the sorted kernel, or -1. */
static int kernel_index(const mast_forest_t *f, word_t d)
{
    uint32_t lo = 0, hi = f->n_kernel;
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        const int c = word_cmp_bytes(f->kernel[mid], d);
        if (c == 0)
            return (int)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

uint64_t kernel_rom_len(const mast_forest_t *f, const chiplet_request_t *reqs, size_t n)
{
    uint64_t rows = f->n_kernel;
    for (size_t i = 0; i < n; i++)
        rows += reqs[i].kind == CHIPLET_KERNEL_ROM;
    return rows;
}

/* One kernel ROM row. */
static void put_row(felt_t *const *col, uint64_t row, word_t digest, int first)
{
    for (int k = 0; k < KR_SELECTORS; k++)
        col[k][row] = 1;
    col[KR_SELECTORS][row] = 0;
    col[KR_S_FIRST][row] = (felt_t)first;
    for (int j = 0; j < 4; j++)
        col[KR_DIGEST + j][row] = digest.v[j];
    for (int k = KR_USED; k < TRACE_CHIPLETS_WIDTH; k++)
        col[k][row] = 0;
}

int kernel_rom_fill(const mast_forest_t *f, const chiplet_request_t *reqs, size_t n, felt_t *cols,
                    uint64_t len, uint64_t row0)
{
    if (f->n_kernel > KERNEL_MAX_PROCS)
        return -1;
    uint64_t calls[KERNEL_MAX_PROCS] = { 0 };
    for (size_t i = 0; i < n; i++) {
        if (reqs[i].kind != CHIPLET_KERNEL_ROM)
            continue;
        const int k = kernel_index(f, reqs[i].kernel.proc);
        if (k < 0)
            return -1;
        calls[k]++;
    }
    const uint64_t rows = kernel_rom_len(f, reqs, n);
    if (row0 > len || rows > len - row0)
        return -1;

    felt_t *col[TRACE_CHIPLETS_WIDTH];
    for (int k = 0; k < TRACE_CHIPLETS_WIDTH; k++)
        col[k] = cols + (uint64_t)TRACE_COL_CHIPLET(k) * len;

    uint64_t row = row0;
    for (uint32_t p = 0; p < f->n_kernel; p++) {
        put_row(col, row++, f->kernel[p], 1);
        for (uint64_t c = 0; c < calls[p]; c++)
            put_row(col, row++, f->kernel[p], 0);
    }
    return 0;
}

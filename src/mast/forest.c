/*
 * forest.c - MAST forest storage, look-ups and digest helpers (forest.h).
 */
#include "forest.h"

#include <stdlib.h>
#include <string.h>

void mast_forest_init(mast_forest_t *f)
{
    memset(f, 0, sizeof *f);
}

void mast_forest_free(mast_forest_t *f)
{
    for (uint32_t i = 0; i < f->n_procs; i++)
        free(f->procs[i].name);
    free(f->procs);
    free(f->nodes);
    free(f->ops);
    free(f->batches);
    memset(f, 0, sizeof *f);
}

int word_eq(word_t a, word_t b)
{
    return a.v[0] == b.v[0] && a.v[1] == b.v[1] && a.v[2] == b.v[2] && a.v[3] == b.v[3];
}

int word_cmp_bytes(word_t a, word_t b)
{
    for (int k = 0; k < RPO_DIGEST_LEN; k++)
        for (int byte = 0; byte < 8; byte++) {
            const unsigned x = (unsigned)(a.v[k] >> (8 * byte)) & 0xFF;
            const unsigned y = (unsigned)(b.v[k] >> (8 * byte)) & 0xFF;
            if (x != y)
                return x < y ? -1 : 1;
        }
    return 0;
}

long mast_find_proc(const mast_forest_t *f, word_t digest, int with_library)
{
    for (uint32_t i = 0; i < f->n_procs; i++)
        if (f->procs[i].kind != PROC_LIBRARY && word_eq(f->nodes[f->procs[i].node].digest, digest))
            return (long)i;
    if (with_library)
        for (uint32_t i = 0; i < f->n_procs; i++)
            if (f->procs[i].kind == PROC_LIBRARY &&
                word_eq(f->nodes[f->procs[i].node].digest, digest))
                return (long)i;
    return -1;
}

long mast_proc_of_node(const mast_forest_t *f, uint32_t node)
{
    for (uint32_t i = 0; i < f->n_procs; i++)
        if (f->procs[i].node == node)
            return (long)i;
    return -1;
}

int mast_kernel_contains(const mast_forest_t *f, word_t digest)
{
    for (uint32_t i = 0; i < f->n_kernel; i++)
        if (word_eq(f->kernel[i], digest))
            return 1;
    return 0;
}

void word_to_hex(word_t w, char buf[67])
{
    static const char digits[] = "0123456789abcdef";
    buf[0] = '0';
    buf[1] = 'x';
    size_t n = 2;
    for (int k = 0; k < RPO_DIGEST_LEN; k++)
        for (int byte = 0; byte < 8; byte++) {
            const unsigned b = (unsigned)(w.v[k] >> (8 * byte)) & 0xFF;
            buf[n++] = digits[b >> 4];
            buf[n++] = digits[b & 15];
        }
    buf[n] = '\0';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int word_from_hex(const char *s, size_t len, word_t *out)
{
    if (len != 66 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return -1;
    for (int k = 0; k < RPO_DIGEST_LEN; k++) {
        uint64_t v = 0;
        for (int byte = 0; byte < 8; byte++) {
            const int hi = hex_digit(s[2 + 16 * k + 2 * byte]);
            const int lo = hex_digit(s[3 + 16 * k + 2 * byte]);
            if (hi < 0 || lo < 0)
                return -1;
            v |= (uint64_t)(hi * 16 + lo) << (8 * byte);
        }
        if (v >= FELT_P)
            return -1;
        out->v[k] = v;
    }
    return 0;
}

word_t mast_block_digest(const op_batch_t *batches, uint32_t n_batches)
{
    /* hash_elements over 8 * n_batches felts, absorbed one batch (one full
       rate) at a time; the length is a multiple of 8, so state[0] = 0 and
       no padding permutation follows. */
    felt_t state[RPO_WIDTH] = { 0 };
    for (uint32_t b = 0; b < n_batches; b++) {
        for (int g = 0; g < BATCH_GROUPS; g++)
            state[RPO_RATE_START + g] = batches[b].groups[g];
        rpo_permute(state);
    }
    word_t w;
    for (int k = 0; k < RPO_DIGEST_LEN; k++)
        w.v[k] = state[RPO_RATE_START + k];
    return w;
}

/*
 * memory.c - see memory.h.
 */
#include "memory.h"

#include <stdlib.h>

void memory_init(vm_memory_t *m)
{
    m->keys = NULL;
    m->values = NULL;
    m->cap = 0;
    m->used = 0;
    m->accesses = 0;
}

void memory_free(vm_memory_t *m)
{
    free(m->keys);
    free(m->values);
    memory_init(m);
}

static size_t slot_of(uint64_t key, size_t cap)
{
    key ^= key >> 33;
    key *= UINT64_C(0xff51afd7ed558ccd);
    key ^= key >> 33;
    return (size_t)key & (cap - 1);
}

felt_t memory_read(const vm_memory_t *m, uint64_t ctx, uint32_t addr)
{
    if (m->cap == 0)
        return 0;
    const uint64_t key = (ctx << 32 | addr) + 1;
    for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == key)
            return m->values[i];
        if (m->keys[i] == 0)
            return 0;
    }
}

static int grow(vm_memory_t *m)
{
    const size_t nc = m->cap ? m->cap * 2 : 1024;
    uint64_t *nk = calloc(nc, sizeof *nk);
    felt_t *nv = malloc(nc * sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] == 0)
            continue;
        size_t j = slot_of(m->keys[i], nc);
        while (nk[j] != 0)
            j = (j + 1) & (nc - 1);
        nk[j] = m->keys[i];
        nv[j] = m->values[i];
    }
    free(m->keys);
    free(m->values);
    m->keys = nk;
    m->values = nv;
    m->cap = nc;
    return 0;
}

int memory_write(vm_memory_t *m, uint64_t ctx, uint32_t addr, felt_t v)
{
    if ((m->used + 1) * 2 > m->cap && grow(m) != 0)
        return -1;
    const uint64_t key = (ctx << 32 | addr) + 1;
    size_t i = slot_of(key, m->cap);
    while (m->keys[i] != 0 && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (m->keys[i] == 0) {
        m->keys[i] = key;
        m->used++;
    }
    m->values[i] = v;
    return 0;
}

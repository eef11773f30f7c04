/*
 * memory.h - the VM's random-access memory: one felt per (context, element
 * address), addresses below 2^32, unwritten cells read as 0.
 * (processor/src/fast/memory.rs at v0.19.0; spec/operations.md section 7.)
 *
 * An open-addressing hash table keyed by ctx * 2^32 + addr.
 */
#ifndef FRAGTRACE_EXEC_MEMORY_H
#define FRAGTRACE_EXEC_MEMORY_H

#include <stddef.h>
#include <stdint.h>
#include "field/felt.h"

typedef struct {
    uint64_t *keys;     /* key + 1 (0 marks an empty slot) */
    felt_t *values;
    size_t cap;         /* a power of two */
    size_t used;
    uint64_t accesses;  /* element or word reads and writes (memory-chiplet rows) */
} vm_memory_t;

void memory_init(vm_memory_t *m);
void memory_free(vm_memory_t *m);

/* Read a cell (0 if never written). */
felt_t memory_read(const vm_memory_t *m, uint64_t ctx, uint32_t addr);

/* Write a cell; returns 0 or -1 when out of memory. */
int memory_write(vm_memory_t *m, uint64_t ctx, uint32_t addr, felt_t v);

#endif

/*
 * version.h - fragtrace's own version, printed by `fragtrace --version` and
 * recorded as the provenance of the cases fragtrace computes (spec/corpus.md).
 */
#ifndef FRAGTRACE_VERSION_H
#define FRAGTRACE_VERSION_H

#define FRAGTRACE_VERSION "0.13.0"
/* The upstream release whose traces fragtrace reproduces. */
#define FRAGTRACE_VM_VERSION "miden-vm v0.19.0"

#endif

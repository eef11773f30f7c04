/*
 * felt.c - the translation unit that carries the field's proofs.
 *
 * The arithmetic itself is static inline in felt.h (it is on every hot path);
 * `make verify` runs WP over this file, which sees those definitions.
 */
#include "felt.h"
#include "ext2.h"

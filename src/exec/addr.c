/*
 * addr.c - the translation unit that carries the proof of addr.h.
 */
#include "addr.h"

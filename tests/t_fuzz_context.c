/*
 * t_fuzz_context.c - replays the context fuzz harness's seeds and regressions
 * (fuzz/context.c; tests/fuzz_replay.h).
 */
#define FUZZ_NAME "context"
#include "../fuzz/context.c"
#include "fuzz_replay.h"

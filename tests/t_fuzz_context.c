/*
 * t_fuzz_context.c - replays the context fuzz harness's seeds and regressions
 * (fuzz/context.c; tests/fuzz_replay.h).
 */
#define FUZZ_NAME "context"
#define FUZZ_SEEDS 15        /* files in fuzz/corpus/context/ */
#define FUZZ_REGRESSIONS 0  /* files in fuzz/regressions/context/ */
#include "../fuzz/context.c"
#include "fuzz_replay.h"

/*
 * t_fuzz_boundary.c - replays the boundary fuzz harness's seeds and regressions
 * (fuzz/boundary.c; tests/fuzz_replay.h).
 */
#define FUZZ_NAME "boundary"
#define FUZZ_SEEDS 40        /* files in fuzz/corpus/boundary/ */
#define FUZZ_REGRESSIONS 1  /* files in fuzz/regressions/boundary/ */
#include "../fuzz/boundary.c"
#include "fuzz_replay.h"

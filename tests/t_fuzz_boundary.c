/*
 * t_fuzz_boundary.c - replays the boundary fuzz harness's seeds and regressions
 * (fuzz/boundary.c; tests/fuzz_replay.h).
 */
#define FUZZ_NAME "boundary"
#include "../fuzz/boundary.c"
#include "fuzz_replay.h"

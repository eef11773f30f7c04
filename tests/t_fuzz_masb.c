/*
 * t_fuzz_masb.c - replays the masb fuzz harness's seeds and regressions
 * (fuzz/masb.c; tests/fuzz_replay.h).
 */
#define FUZZ_NAME "masb"
#define FUZZ_SEEDS 20       /* files in fuzz/corpus/masb/ */
#define FUZZ_REGRESSIONS 0  /* files in fuzz/regressions/masb/ */
#include "../fuzz/masb.c"
#include "fuzz_replay.h"

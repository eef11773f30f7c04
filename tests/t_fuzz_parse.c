/*
 * t_fuzz_parse.c - replays the parse fuzz harness's seeds and regressions
 * (fuzz/parse.c; tests/fuzz_replay.h).
 */
#define FUZZ_NAME "parse"
#define FUZZ_SEEDS 13        /* files in fuzz/corpus/parse/ */
#define FUZZ_REGRESSIONS 0  /* files in fuzz/regressions/parse/ */
#include "../fuzz/parse.c"
#include "fuzz_replay.h"

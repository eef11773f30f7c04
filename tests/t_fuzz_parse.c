/*
 * t_fuzz_parse.c - replays the parse fuzz harness's seeds and regressions
 * (fuzz/parse.c; tests/fuzz_replay.h).
 */
#define FUZZ_NAME "parse"
#include "../fuzz/parse.c"
#include "fuzz_replay.h"

/*
 * harness.h - what every fuzz harness in fuzz/ provides. The same harness
 * source is linked into an AFL++ persistent-mode binary (fuzz/afl_driver.c,
 * `make fuzz`) and into a TAP test that replays its seed corpus and
 * regression inputs without AFL (tests/fuzz_replay.h, `make test`).
 *
 * fuzz_init runs once, before AFL forks or the replay starts (loads fixed
 * inputs); fuzz_one must leave no state behind between calls, and calls
 * abort() when it finds a bug (a mismatch); bad input is not a bug.
 */
#ifndef FRAGTRACE_FUZZ_HARNESS_H
#define FRAGTRACE_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

void fuzz_init(void);
void fuzz_one(const uint8_t *data, size_t len);

#endif

/*
 * fuzz_replay.h - a TAP test that replays a fuzz harness's seed corpus
 * (fuzz/corpus/NAME/) and regression inputs (fuzz/regressions/NAME/, every
 * finding minimised) through the harness compiled without AFL. A harness
 * aborts on a bug, so any finding fails the test; sanitizer builds check
 * memory and races on the same inputs. Include after defining FUZZ_NAME
 * and the harness source.
 */
#include <dirent.h>

#include "tap.h"
#include "shared_vectors.h"

/* Replay every file of dir; returns how many, or -1 if dir is absent or a
 * file cannot be read. */
static int replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len;
        char *buf = slurp_file(path, &len);
        if (!buf) {
            tap_diag("%s: cannot read", path);
            closedir(d);
            return -1;
        }
        fuzz_one((const uint8_t *)buf, len);
        free(buf);
        n++;
    }
    closedir(d);
    return n;
}

int main(void)
{
    tap_plan(2);
    fuzz_init();
    /* Exactly the committed inputs (FUZZ_SEEDS, FUZZ_REGRESSIONS): a lost
       or unreadable file fails. */
    const int seeds = replay_dir("fuzz/corpus/" FUZZ_NAME);
    tap_ok(seeds == FUZZ_SEEDS, "%s harness: %d seed inputs replayed without a finding (%d "
           "expected)", FUZZ_NAME, seeds, FUZZ_SEEDS);
    const int regressions = replay_dir("fuzz/regressions/" FUZZ_NAME);
    tap_ok(regressions == FUZZ_REGRESSIONS, "%s harness: %d regression inputs replayed without "
           "a finding (%d expected)", FUZZ_NAME, regressions, FUZZ_REGRESSIONS);
    return tap_done();
}

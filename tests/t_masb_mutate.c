/*
 * t_masb_mutate.c - every shipped file of vectors/masb-v0.19.0 (each
 * program.masb and kernel.mast), damaged: cut at every length, and every
 * byte flipped three ways (xor 0x01, 0x80, 0xFF). Each damaged file goes
 * in-process through what the masb fuzz harness does (fuzz/masb.c,
 * masb_fuzz_case): the reader, and when it reads, writing it again and
 * reading that back, then a run bounded to MUTATE_MAX_CYCLES cycles with
 * the vector's stack inputs and advice stack (its advice map is not
 * loaded); a program runs with its kernel.mast as --lib, a damaged
 * kernel.mast as the --lib of its sound program. Each must be refused
 * with "FILE: byte N: ..." (exit 2 in the CLI) or run within the bound:
 * the harness aborts on a finding, and a crash or sanitizer report ends
 * the test. Every cut must be refused.
 *
 * A second pass takes the same flips with the node digests resealed (the
 * digest each node hashes to written into its record, as the harness
 * does), so that a flipped operation or child index is run rather than
 * refused for its digest: every file but arx_mix (too slow: each reseal
 * hashes its large blocks again). The outcomes are counted per file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "../fuzz/masb.c"
#include "shared_vectors.h"
#include "tap.h"

#define MUTATE_MAX_CYCLES 1024
#define MUTATE_MAX_THREADS 4
/* Files up to this size get three flips of every byte. A larger one
 * (arx_mix, 13 kB, of which 12.8 kB are the operations of a few large
 * basic blocks: every flip there that still parses costs the hashing of
 * those blocks, ~3 ms) gets three flips of every byte outside its
 * basic-block data (the first 64 bytes, the node records, the sections
 * after them, kernel and entrypoint) and, inside it, one flip of every
 * MUTATE_STRIDE-th byte, the three patterns in turn: about 10 s of CPU
 * (the whole test about 30 s of CPU, 15 s on two idle cores). */
#define MUTATE_EVERY_FLIP_BYTES 4096
#define MUTATE_STRIDE 3
#define MUTATE_FILES (MASB_CASES + 1) /* each program.masb, and syscall_kernel/kernel.mast */

static const uint8_t flips[3] = { 0x01, 0x80, 0xFF };

static struct timespec now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t;
}

static double seconds_since(struct timespec t0)
{
    const struct timespec t = now();
    return (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
}

/* The quoted decimal strings of the JSON array at "key" as felts into
 * out[0..max); returns how many (0 if absent). */
static size_t json_felts(const char *json, const char *key, felt_t *out, size_t max)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = json ? strstr(json, pat) : NULL;
    if (!p || !(p = strchr(p + strlen(pat), '[')))
        return 0;
    const char *end = strchr(p, ']');
    size_t n = 0;
    while (end && n < max && (p = strchr(p + 1, '"')) && p < end) {
        out[n++] = strtoull(p + 1, NULL, 10);
        p = strchr(p + 1, '"');
        if (!p)
            break;
    }
    return n;
}

typedef struct {
    unsigned long cuts, flips;
    unsigned long cut_outcome[MASB_OUTCOMES], flip_outcome[MASB_OUTCOMES];
    masb_outcome_t whole;
} counts_t;

/* One worker's share of a file's mutations: those whose number is
 * `first` modulo `step` (cuts 0..len-1, then the flips). */
typedef struct {
    uint32_t at;
    uint8_t mask;
} flip_t;

typedef struct {
    const unsigned char *b;
    size_t len;
    const masb_case_t *c;
    unsigned first, step;
    const flip_t *flips;
    size_t n_flips;
    counts_t k;
} worker_t;

static void *work(void *arg)
{
    worker_t *w = arg;
    const size_t len = w->len, n_flips = w->n_flips;
    unsigned char *m = malloc(len ? len : 1);
    memcpy(m, w->b, len);
    for (size_t i = w->first; i < len + n_flips; i += w->step) {
        if (i < len && w->c->reseal)
            continue; /* a cut is refused before any digest is checked */
        if (i < len) {
            w->k.cut_outcome[masb_fuzz_case(w->b, i, w->c)]++;
            w->k.cuts++;
            continue;
        }
        const size_t at = w->flips[i - len].at;
        m[at] = w->b[at] ^ w->flips[i - len].mask;
        w->k.flip_outcome[masb_fuzz_case(m, len, w->c)]++;
        w->k.flips++;
        m[at] = w->b[at];
    }
    free(m);
    return NULL;
}

static unsigned n_workers(void)
{
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus < 1 ? 1 : cpus > MUTATE_MAX_THREADS ? MUTATE_MAX_THREADS : (unsigned)cpus;
}

static void mutate_file(const char *label, const unsigned char *b, size_t len,
                        const masb_case_t *c, counts_t *k)
{
    if (c->reseal && len > MUTATE_EVERY_FLIP_BYTES) {
        memset(k, 0, sizeof *k);
        return;
    }
    const struct timespec t0 = now();
    memset(k, 0, sizeof *k);
    k->whole = masb_fuzz_case(b, len, c);
    /* the flips: [dense_end, sparse_end) is the basic-block data of a
       large file, where every MUTATE_STRIDE-th byte gets one flip */
    size_t sparse_from = len, sparse_end = len;
    if (len > MUTATE_EVERY_FLIP_BYTES) {
        char err[1024];
        mast_forest_t f;
        mast_advice_map_t map = { NULL, NULL, 0 };
        mast_forest_init(&f);
        if (masb_read("layout", c->kind == MASB_LIBRARY && c->host ? c->host : b,
                      c->kind == MASB_LIBRARY && c->host ? c->host_len : len, MASB_PROGRAM, 0,
                      &f, &map, err, sizeof err) == 0 && !(c->kind == MASB_LIBRARY && c->host)) {
            const size_t after = (c->kind == MASB_PROGRAM ? 5 + 32 * (size_t)f.n_kernel : 0) +
                                 f.file.tail_len + 40 * (size_t)f.file.n_nodes;
            if (after + 64 < len)
                sparse_from = 64, sparse_end = len - after;
        }
        mast_forest_free(&f);
        mast_advice_map_free(&map);
    }
    flip_t *fl = malloc(3 * (len ? len : 1) * sizeof *fl);
    size_t n_fl = 0;
    for (size_t i = 0; i < len; i++) {
        if (i < sparse_from || i >= sparse_end) {
            for (int j = 0; j < 3; j++)
                fl[n_fl++] = (flip_t){ (uint32_t)i, flips[j] };
        } else if ((i - sparse_from) % MUTATE_STRIDE == 0) {
            fl[n_fl++] = (flip_t){ (uint32_t)i, flips[(i - sparse_from) / MUTATE_STRIDE % 3] };
        }
    }
    const int every_flip = n_fl == 3 * len;
    worker_t w[MUTATE_MAX_THREADS];
    pthread_t th[MUTATE_MAX_THREADS];
    const unsigned nw = n_workers();
    for (unsigned t = 0; t < nw; t++) {
        w[t] = (worker_t){ b, len, c, t, nw, fl, n_fl, { 0 } };
        if (pthread_create(&th[t], NULL, work, &w[t]) != 0)
            work(&w[t]), th[t] = 0;
    }
    for (unsigned t = 0; t < nw; t++) {
        if (th[t])
            pthread_join(th[t], NULL);
        k->cuts += w[t].k.cuts;
        k->flips += w[t].k.flips;
        for (int o = 0; o < MASB_OUTCOMES; o++) {
            k->cut_outcome[o] += w[t].k.cut_outcome[o];
            k->flip_outcome[o] += w[t].k.flip_outcome[o];
        }
    }
    free(fl);
    char text[512], how[200];
    if (every_flip)
        snprintf(how, sizeof how, "xor 0x01, 0x80, 0xFF of every byte");
    else
        snprintf(how, sizeof how, "xor 0x01, 0x80, 0xFF of every byte but those of the "
                 "basic-block data, bytes %zu to %zu: one of every %d, in turn", sparse_from,
                 sparse_end - 1, MUTATE_STRIDE);
    int t = snprintf(text, sizeof text, "%lu flips (%s):", k->flips, how);
    for (int o = 0; o < MASB_OUTCOMES; o++)
        t += snprintf(text + t, sizeof text - (size_t)t, "%s %lu %s", o ? "," : "",
                      k->flip_outcome[o], masb_outcome_names[o]);
    if (c->reseal)
        tap_ok(k->whole != MASB_REJECTED && k->cuts == 0 && k->flips == n_fl,
               "%s (%zu bytes), digests resealed: %s (%.1f s)", label, len, text,
               seconds_since(t0));
    else
        tap_ok(k->whole != MASB_REJECTED && k->cut_outcome[MASB_REJECTED] == k->cuts &&
               k->cuts == len && k->flips == n_fl,
               "%s (%zu bytes, as it is: %s): all %lu cuts refused; %s (%.1f s)", label, len,
               masb_outcome_names[k->whole], k->cuts, text, seconds_since(t0));
}

int main(void)
{
    char vec_dir[1024], path[1400];
    snprintf(vec_dir, sizeof vec_dir, "%s/vectors/masb-v0.19.0", shared_dir());
    snprintf(path, sizeof path, "%s/index.json", vec_dir);
    char *index = slurp_file(path, NULL);
    if (!index)
        shared_vectors_absent_all(path);
    const struct timespec t0 = now();
    int files = 0;
    unsigned long total[2][MASB_OUTCOMES] = { { 0 } }, mutations[2] = { 0, 0 };
    for (const char *p = index; (p = strstr(p, "\"name\"")) != NULL;) {
        p = strchr(p + 6, '"');
        const char *q = p ? strchr(p + 1, '"') : NULL;
        if (!q)
            break;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(q - p - 1), p + 1);
        p = q + 1;
        snprintf(path, sizeof path, "%s/%s/meta.json", vec_dir, name);
        char *meta = slurp_file(path, NULL);
        snprintf(path, sizeof path, "%s/%s/program.inputs", vec_dir, name);
        char *inputs = slurp_file(path, NULL);
        felt_t stack[16], advice[256];
        masb_case_t c = {
            .kind = MASB_PROGRAM,
            .stack = stack,
            .n_stack = (uint32_t)json_felts(meta, "stack_inputs", stack, 16),
            .advice = advice,
            .n_advice = json_felts(inputs, "advice_stack", advice, 256),
            .max_cycles = MUTATE_MAX_CYCLES,
        };
        snprintf(path, sizeof path, "%s/%s/kernel.mast", vec_dir, name);
        size_t klen = 0;
        unsigned char *kb = (unsigned char *)slurp_file(path, &klen);
        c.lib = kb; /* a program runs with its kernel library, as t_masb runs it */
        c.lib_len = klen;
        size_t len = 0;
        snprintf(path, sizeof path, "%s/%s/program.masb", vec_dir, name);
        unsigned char *b = (unsigned char *)slurp_file(path, &len);
        counts_t k;
        char label[200];
        for (int reseal = 0; reseal < 2; reseal++) {
            c.reseal = reseal;
            if (!meta || !b) {
                if (!reseal)
                    tap_ok(0, "%s: cannot read its meta.json or program.masb", name);
                break;
            }
            snprintf(label, sizeof label, "%s/program.masb", name);
            mutate_file(label, b, len, &c, &k);
            files += !reseal;
            for (int o = 0; o < MASB_OUTCOMES; o++)
                total[reseal][o] += k.flip_outcome[o] + k.cut_outcome[o];
            mutations[reseal] += k.cuts + k.flips;
            if (!kb)
                continue;
            masb_case_t lc = c;
            lc.kind = MASB_LIBRARY;
            lc.lib = NULL;
            lc.host = b;
            lc.host_len = len;
            snprintf(label, sizeof label, "%s/kernel.mast (the --lib of its program.masb)", name);
            mutate_file(label, kb, klen, &lc, &k);
            files += !reseal;
            for (int o = 0; o < MASB_OUTCOMES; o++)
                total[reseal][o] += k.flip_outcome[o] + k.cut_outcome[o];
            mutations[reseal] += k.cuts + k.flips;
        }
        free(kb);
        free(b);
        free(meta);
        free(inputs);
    }
    free(index);
    const double secs = seconds_since(t0);
    tap_ok(files == MUTATE_FILES, "%d files damaged (pinned: %d)", files, MUTATE_FILES);
    for (int r = 0; r < 2; r++)
        tap_diag("%s%lu damaged files (max %d cycles each): %lu refused, %lu not run, %lu ran to "
                 "the end, %lu failed, %lu stopped at the cycle limit",
                 r ? "digests resealed: " : "", mutations[r], MUTATE_MAX_CYCLES,
                 total[r][MASB_REJECTED], total[r][MASB_NOT_RUN], total[r][MASB_RAN_OK],
                 total[r][MASB_RAN_FAILED], total[r][MASB_CYCLE_LIMIT]);
    tap_diag("%.1f s on %u threads", secs, n_workers());
    tap_plan(tap_count);
    return tap_done();
}

/*
 * tap.h - a tiny TAP producer for fragtrace's test programs.
 *
 * Plan first, then one ok/not ok line per check, '#' lines for
 * diagnostics; tap_done() gives the exit status. The counters are file
 * statics: each test is one single-threaded program, one TAP stream.
 */
#ifndef FRAGTRACE_TESTS_TAP_H
#define FRAGTRACE_TESTS_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count;
static int tap_failures;

static void tap_plan(int n) { printf("1..%d\n", n); fflush(stdout); }

static void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void tap_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("# ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
}

static int tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3), unused));
static int tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_count++;
    if (!cond)
        tap_failures++;
    printf("%sok %d - ", cond ? "" : "not ", tap_count);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
    va_end(ap);
    return cond;
}

/* Equality of two 64-bit values, with got/expected (decimal and hex) on failure. */
static int tap_is_u64(uint64_t got, uint64_t want, const char *name) __attribute__((unused));
static int tap_is_u64(uint64_t got, uint64_t want, const char *name)
{
    if (!tap_ok(got == want, "%s", name)) {
        tap_diag("     got: %" PRIu64 " (0x%016" PRIx64 ")", got, got);
        tap_diag("expected: %" PRIu64 " (0x%016" PRIx64 ")", want, want);
        return 0;
    }
    return 1;
}

/* One check skipped: "ok N # SKIP why" (counts as passed; use only where a
 * skip is allowed, see shared_vectors_absent). */
static void tap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void tap_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_count++;
    printf("ok %d # SKIP ", tap_count);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
    va_end(ap);
}

static void tap_skip_all(const char *why) __attribute__((unused));
static void tap_skip_all(const char *why)
{
    printf("1..0 # SKIP %s\n", why);
    exit(0);
}

static int tap_done(void)
{
    if (tap_failures)
        tap_diag("%d of %d checks failed", tap_failures, tap_count);
    return tap_failures ? 1 : 0;
}

/* Seed for property tests: FRAGTRACE_SEED from the environment if set, else
 * a fixed default; always printed so that a failure can be replayed. */
static uint64_t tap_seed(void) __attribute__((unused));
static uint64_t tap_seed(void)
{
    const char *s = getenv("FRAGTRACE_SEED");
    uint64_t seed = s ? strtoull(s, NULL, 0) : UINT64_C(0x5eed0f1e1d);
    tap_diag("seed %" PRIu64 " (set FRAGTRACE_SEED to replay)", seed);
    return seed;
}

/* splitmix64: a small, good-enough generator for property tests. */
static uint64_t tap_rand(uint64_t *state) __attribute__((unused));
static uint64_t tap_rand(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

#endif

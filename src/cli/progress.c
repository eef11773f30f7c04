/*
 * progress.c - see progress.h.
 */
#include "progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "trace/fragment.h"

/* Refresh interval: a few times a second is readable and costs nothing. */
#define REFRESH_SECONDS 0.25
/* The clock is read once per this many updates (recording reports every
   fragment, which at --fragment 1 is every cycle). */
#define CALLS_PER_CLOCK_READ 256u

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

void progress_init(progress_t *p, const char *cmd, int quiet)
{
    p->enabled = !quiet && isatty(STDERR_FILENO);
    p->cmd = cmd;
    p->shown = 0;
    p->calls = 0;
    p->phase = -1;
    p->last_shown = 0;
    clock_gettime(CLOCK_MONOTONIC, &p->start);
}

void progress_update(progress_t *p, int phase, const char *what, uint64_t done, uint64_t total,
                     const char *unit)
{
    if (!p || !p->enabled)
        return;
    if (phase != p->phase) {
        p->phase = phase;
        p->last_shown = 0;
        p->calls = 0;
        clock_gettime(CLOCK_MONOTONIC, &p->start);
        return;
    }
    if (++p->calls < CALLS_PER_CLOCK_READ && total == 0)
        return;
    p->calls = 0;
    const double t = seconds_since(&p->start);
    if (t - p->last_shown < REFRESH_SECONDS)
        return;
    p->last_shown = t;
    const double rate = t > 0 ? (double)done / t : 0;
    if (total)
        fprintf(stderr, "\r%s: %s: %llu/%llu %s, %.3g %s/s, %.1f s\033[K", p->cmd, what,
                (unsigned long long)done, (unsigned long long)total, unit, rate, unit, t);
    else
        fprintf(stderr, "\r%s: %s: %llu %s, %.3g M %s/s, %.1f s\033[K", p->cmd, what,
                (unsigned long long)done, unit, rate / 1e6, unit, t);
    fflush(stderr);
    p->shown = 1;
}

void progress_clear(progress_t *p)
{
    if (!p)
        return;
    if (p->enabled && p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->shown = 0;
    p->phase = -1;
}

void progress_fragment(void *ctx, int phase, uint64_t done, uint64_t total)
{
    progress_t *p = ctx;
    if (phase == FRAGMENT_PHASE_RECORD)
        progress_update(p, phase, "recording", done, 0, "cycles");
    else
        progress_update(p, phase, "building", done, total, "fragments");
}

void progress_line(progress_t *p, const char *fmt, ...)
{
    if (!p || !p->enabled)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "\r%s: ", p->cmd);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\033[K", stderr);
    fflush(stderr);
    p->shown = 1;
}

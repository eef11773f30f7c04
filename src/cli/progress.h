/*
 * progress.h - a progress line on a terminal for long commands (trace,
 * check, contexts, bench): what is done of how much, the rate and the time
 * so far, on stderr, refreshed at most four times a second and erased when
 * the work ends. Silent when stderr is not a terminal or with --quiet, so
 * logs and pipes never see it.
 */
#ifndef FRAGTRACE_CLI_PROGRESS_H
#define FRAGTRACE_CLI_PROGRESS_H

#include <stdint.h>
#include <time.h>

typedef struct {
    int enabled;
    const char *cmd;
    struct timespec start;     /* of the current phase */
    double last_shown;         /* seconds into the phase of the last line */
    int shown;                 /* a line is on the screen */
    unsigned calls;            /* updates since the clock was last read */
    int phase;
} progress_t;

/* Enabled when stderr is a terminal and quiet is 0. */
void progress_init(progress_t *p, const char *cmd, int quiet);

/* done of total (total 0: unknown) units in phase `what`; the rate is
 * done per second since the phase began. Cheap when nothing is shown. */
void progress_update(progress_t *p, int phase, const char *what, uint64_t done, uint64_t total,
                     const char *unit);

/* Erase the line (before anything else is printed). p may be NULL in
 * progress_update, progress_clear and progress_fragment: nothing shown. */
void progress_clear(progress_t *p);

/* Show one status line (formatted like printf) in place of the last, when
 * enabled; for progress that is not one counter. */
void progress_line(progress_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A fragment_progress_fn (trace/fragment.h) whose ctx is a progress_t. */
void progress_fragment(void *ctx, int phase, uint64_t done, uint64_t total);

#endif

/*
 * program_header.h - read the machine-readable header lines of the
 * programs in vectors/programs/ ("# stack: v,v,...", "# advice: ...",
 * "# inputs: FILE").
 */
#ifndef FRAGTRACE_TESTS_PROGRAM_HEADER_H
#define FRAGTRACE_TESTS_PROGRAM_HEADER_H

#include <stdio.h>
#include <string.h>

/* The value of the "# KEY:" line of text, or "" if absent. */
static inline void program_header(const char *text, const char *key, char *out, size_t len)
{
    char pat[32];
    snprintf(pat, sizeof pat, "# %s:", key);
    out[0] = '\0';
    const char *p = strstr(text, pat);
    if (!p || (p != text && p[-1] != '\n'))
        return;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    size_t n = strcspn(p, "\n");
    if (n >= len)
        n = len - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

/* The "# inputs: FILE" line as a path in dir ("" if absent). */
static inline void program_header_inputs(const char *text, const char *dir, char *out, size_t len)
{
    char file[1024];
    program_header(text, "inputs", file, sizeof file);
    if (file[0])
        snprintf(out, len, "%s/%s", dir, file);
    else
        out[0] = '\0';
}

#endif

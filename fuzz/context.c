/*
 * context.c - fuzz harness (c): mutated fragment-context files fed to the
 * reader, the validator and the parallel builder. The first input byte
 * picks one of a few programs from vectors/programs/ (loaded once); the
 * rest is a context file for it. The harness sets the header's file length
 * to the input's and reseals the trailing checksum (util/checksum.h), so
 * that mutations reach the checks behind them. Any input must be rejected
 * with a message or built; a crash, hang or sanitizer report is the bug.
 * Seeds (fuzz/corpus/context/) are valid files; `make fuzz-seeds` rewrites
 * them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "mast/parse.h"
#include "trace/context_file.h"
#include "util/checksum.h"
#include "util/le.h"

const char *const fuzz_context_programs[] = {
    "vectors/programs/call_overflow.masm",
    "vectors/programs/memory_stream_pipe.masm",
    "vectors/programs/dyncall_nested.masm",
    "vectors/programs/loop_advice_flags.masm",
    "vectors/programs/merkle_paths.masm", /* replayed Merkle paths (built without a store) */
};
#define N_PROGRAMS (sizeof fuzz_context_programs / sizeof fuzz_context_programs[0])

/* The parsed programs: set up once by fuzz_init and only read afterwards. */
static mast_forest_t forests[N_PROGRAMS];
static int loaded[N_PROGRAMS];

void fuzz_init(void)
{
    char err[512];
    for (size_t i = 0; i < N_PROGRAMS; i++) {
        mast_forest_init(&forests[i]);
        loaded[i] = mast_parse_file(fuzz_context_programs[i], &forests[i], err, sizeof err) == 0;
        if (!loaded[i])
            fprintf(stderr, "context harness: %s (run from the repository root)\n", err);
    }
}

void fuzz_one(const uint8_t *data, size_t len)
{
    if (len < 1 || !loaded[data[0] % N_PROGRAMS])
        return;
    const mast_forest_t *f = &forests[data[0] % N_PROGRAMS];
    fragment_set_t set;
    char err[512] = "";
    main_trace_t t = { NULL, 0 };
    /* The announced file length and the checksum are set right, so that
       mutations reach the records behind them. */
    const size_t n = len - 1;
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf)
        return;
    memcpy(buf, data + 1, n);
    if (n >= CONTEXT_HEADER_BYTES + 8) {
        le_put64(buf + 16, n);
        le_put64(buf + n - 8, checksum(buf, n - 8));
    }
    if (context_file_parse(buf, n, 1, &set, err, sizeof err) == 0 &&
        fragment_build_trace(f, "fuzz.masm", &set, 2, &t, err, sizeof err) == 0)
        main_trace_free(&t);
    else if (err[0] == '\0')
        abort(); /* a rejection must say why */
    fragment_set_free(&set);
    free(buf);
}

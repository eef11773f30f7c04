/*
 * parse.c - fuzz harness (b): program text -> MAST forest. Any input is
 * either rejected with a message that names FILE:LINE:COL (or FILE) or
 * parsed; a parsed program, printed back by mast_format and parsed again,
 * must give the same program hash (what `fragtrace fmt` relies on).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "mast/parse.h"
#include "mast/print.h"

void fuzz_init(void)
{
}

void fuzz_one(const uint8_t *data, size_t len)
{
    mast_forest_t f, g;
    char err[512];
    mast_forest_init(&f);
    if (mast_parse("fuzz.masm", (const char *)data, len, &f, err, sizeof err) != 0) {
        if (strncmp(err, "fuzz.masm", 9) != 0)
            abort(); /* an error that does not name the input */
        return;
    }
    size_t n;
    char *text = mast_format(&f, &n);
    if (!text) {
        mast_forest_free(&f);
        return; /* out of memory */
    }
    mast_forest_init(&g);
    if (mast_parse("fmt.masm", text, n, &g, err, sizeof err) != 0) {
        fprintf(stderr, "formatted program does not parse: %s\n", err);
        abort();
    }
    if (!word_eq(mast_program_hash(&f), mast_program_hash(&g)))
        abort(); /* printing changed the program */
    free(text);
    mast_forest_free(&g);
    mast_forest_free(&f);
}

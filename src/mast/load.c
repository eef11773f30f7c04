/*
 * load.c - program files by their content (load.h).
 *
 * A binary file starts with the magic MAST\0 (masb.h: a NUL byte among the
 * first 8 bytes also counts, so that a damaged magic is reported as such
 * and not as bad program text); anything else is program text.
 */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>

#include "io/file.h"
#include "mast/parse.h"

/* The larger of the two formats' limits. */
#define LOAD_MAX_BYTES (PROGRAM_MAX_BYTES > MASB_MAX_BYTES ? PROGRAM_MAX_BYTES : MASB_MAX_BYTES)

static void release(mast_forest_t *f, mast_advice_map_t *adv)
{
    mast_forest_free(f);
    mast_advice_map_free(adv);
}

int mast_load_file(const char *path, mast_forest_t *f, mast_advice_map_t *adv, char *err,
                   size_t err_len)
{
    size_t len;
    char *data = file_read_all(path, LOAD_MAX_BYTES, &len, err, err_len);
    if (!data) {
        release(f, adv);
        return -1;
    }
    int rc;
    if (masb_is_binary((const unsigned char *)data, len)) {
        rc = masb_read(path, (const unsigned char *)data, len, MASB_PROGRAM, 0, f, adv, err,
                       err_len);
        if (rc == 0)
            mast_forest_resolve_externals(f);
    } else {
        rc = mast_parse(path, data, len, f, err, err_len); /* frees f on error */
    }
    free(data);
    if (rc != 0)
        release(f, adv);
    return rc;
}

int mast_load_library(const char *path, unsigned lib_index, mast_forest_t *f,
                      mast_advice_map_t *adv, char *err, size_t err_len)
{
    size_t len;
    char *data = file_read_all(path, MASB_MAX_BYTES, &len, err, err_len);
    if (!data) {
        release(f, adv);
        return -1;
    }
    int rc;
    if (!masb_is_binary((const unsigned char *)data, len)) {
        snprintf(err, err_len, "%s: not a MAST forest (a .mast library starts with the magic "
                 "MAST\\0)", path);
        rc = -1;
    } else {
        rc = masb_read(path, (const unsigned char *)data, len, MASB_LIBRARY, lib_index, f, adv,
                       err, err_len);
    }
    free(data);
    if (rc != 0) {
        release(f, adv);
        return -1;
    }
    mast_forest_resolve_externals(f);
    return 0;
}

/*
 * t_trace_text.c - the canonical trace text: byte for byte upstream's
 * trace.csv files and main_trace_write_csv, and its SHA-256 equal to
 * sha256sum's.
 */
#include "tap.h"
#include "shared_vectors.h"
#include "tmpdir.h"

#include "io/trace_csv.h"
#include "trace/trace.h"
#include "trace/trace_text.h"
#include "util/sha256.h"

static test_dir_t dir;

/* sha256sum of the file at path into out; 0 or -1. */
static int sha256sum(const char *path, char out[65])
{
    char cmd[1200], line[1200];
    snprintf(cmd, sizeof cmd, "sha256sum '%s'", path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    const int ok = fgets(line, sizeof line, p) && strlen(line) >= 64;
    pclose(p);
    if (!ok)
        return -1;
    memcpy(out, line, 64);
    out[64] = '\0';
    return 0;
}

/* The whole text of a column-major trace, row by row; malloc'd. */
static char *text_of(const felt_t *cols, uint64_t len, size_t *n)
{
    char *t = malloc((size_t)len * TRACE_TEXT_ROW_MAX);
    size_t k = 0;
    for (uint64_t r = 0; r < len; r++) {
        const size_t m = trace_text_row(cols, len, r, t + k);
        if (m == 0 || m > TRACE_TEXT_ROW_MAX)
            abort(); /* would already have overrun */
        k += m;
    }
    *n = k;
    return t;
}

/* Check a trace against what main_trace_write_csv writes: the rows'
 * concatenation byte for byte, and trace_text_sha256 against sha256sum of
 * the file. Two checks. */
static void against_writer(const char *name, felt_t *cols, uint64_t len)
{
    char path[600];
    test_dir_file(&dir, name, path, sizeof path);
    main_trace_t t = { cols, len };
    FILE *f = fopen(path, "wb");
    const int wrote = f && main_trace_write_csv(&t, f) == 0;
    if (f && fclose(f) != 0)
        printf("Bail out! cannot write %s\n", path), exit(1);
    size_t flen = 0, tlen = 0;
    char *file = wrote ? slurp_file(path, &flen) : NULL;
    char *text = text_of(cols, len, &tlen);
    if (!tap_ok(file && flen == tlen && !memcmp(file, text, tlen),
                "%s: rows = main_trace_write_csv output (%zu bytes)", name, flen)) {
        for (size_t i = 0; file && i < flen && i < tlen; i++)
            if (file[i] != text[i]) {
                tap_diag("first difference at byte %zu", i);
                break;
            }
    }
    char want[65], got[65];
    trace_text_sha256(cols, len, got);
    if (!tap_ok(sha256sum(path, want) == 0 && !strcmp(got, want),
                "%s: trace_text_sha256 = sha256sum of the CSV", name))
        tap_diag("got %s", got);
    free(file);
    free(text);
}

int main(void)
{
    char probe[600];
    case_path(probe, sizeof probe, 1, "trace.csv");
    FILE *pf = fopen(probe, "rb");
    const int have = pf != NULL;
    if (pf)
        fclose(pf);
    /* Per upstream case: sha256 and bytes; then the count; 3 writer traces. */
    tap_plan((have ? 2 * UPSTREAM_CASES + 1 : 1) + 2 * 3 + 1);
    test_dir_make(&dir);
    char err[512];

    if (!have) {
        shared_vectors_absent(probe);
    } else {
        int found = 0;
        for (int k = 1; k <= UPSTREAM_CASES; k++) {
            char path[600];
            case_path(path, sizeof path, k, "trace.csv");
            csv_trace_t ct;
            if (trace_csv_read(path, TRACE_NUM_COLUMNS, &ct, err, sizeof err) != 0) {
                tap_ok(0, "case %02d: %s", k, err);
                tap_ok(0, "case %02d: text", k);
                continue;
            }
            found++;
            const uint64_t len = ct.rows;
            felt_t *cols = malloc((size_t)len * TRACE_NUM_COLUMNS * sizeof *cols);
            for (uint64_t r = 0; r < len; r++)
                for (int c = 0; c < TRACE_NUM_COLUMNS; c++)
                    cols[(uint64_t)c * len + r] = ct.cells[r * TRACE_NUM_COLUMNS + (uint64_t)c];
            trace_csv_free(&ct);
            char want[65], got[65];
            trace_text_sha256(cols, len, got);
            if (!tap_ok(sha256sum(path, want) == 0 && !strcmp(got, want),
                        "case %02d: trace_text_sha256 = sha256sum of trace.csv (%" PRIu64 " rows)",
                        k, len))
                tap_diag("got %s, sha256sum %s", got, want);
            size_t flen = 0, tlen = 0;
            char *file = slurp_file(path, &flen);
            char *text = text_of(cols, len, &tlen);
            tap_ok(file && flen == tlen && !memcmp(file, text, tlen),
                   "case %02d: the rows reproduce trace.csv byte for byte", k);
            free(file);
            free(text);
            free(cols);
        }
        tap_ok(found == UPSTREAM_CASES, "read %d of %d upstream traces", found, UPSTREAM_CASES);
    }

    /* Hand-made traces: the edge values, every digit count 1..20, and
     * random felts; against main_trace_write_csv. */
    {
        static const felt_t edge[] = {
            0, 1, 9, 10, 99, 100, FELT_P - 1, FELT_2_32, FELT_2_32 - 1, FELT_2_32 + 1, FELT_EPS,
            UINT64_C(9999999999999999999), UINT64_C(10000000000000000000), FELT_P - 2,
        };
        const size_t n_edge = sizeof edge / sizeof edge[0];
        uint64_t st = tap_seed();
        const uint64_t len = 64;
        felt_t *cols = malloc(len * TRACE_NUM_COLUMNS * sizeof *cols);
        for (uint64_t i = 0; i < len * TRACE_NUM_COLUMNS; i++) {
            const uint64_t k = i % 40;
            if (k < n_edge)
                cols[i] = edge[(i / 40 + k) % n_edge];
            else if (k < n_edge + 20) {
                /* 10^(d-1) .. 10^d - 1 for d = 1..20 (10^19.. only below p) */
                uint64_t lo = 1;
                for (uint64_t d = 0; d < k - n_edge; d++)
                    lo *= 10;
                const uint64_t span = k - n_edge == 19 ? FELT_P - lo : lo * 9;
                cols[i] = lo + tap_rand(&st) % span;
            } else {
                cols[i] = tap_rand(&st) % FELT_P;
            }
        }
        cols[0] = 0, cols[1] = 1, cols[2] = 9, cols[3] = 10, cols[4] = FELT_P - 1;
        cols[5] = FELT_2_32;
        against_writer("edges64.csv", cols, len);
        free(cols);

        /* Every value 20 digits: ~1.5 KB a row, so 1024 rows cross the
           64 KiB buffer of trace_text_sha256 many times at odd offsets. */
        const uint64_t big = 1024;
        cols = malloc(big * TRACE_NUM_COLUMNS * sizeof *cols);
        for (uint64_t i = 0; i < big * TRACE_NUM_COLUMNS; i++)
            cols[i] = FELT_P - 1 - tap_rand(&st) % 1000000;
        against_writer("wide1024.csv", cols, big);
        /* All zeros: the shortest possible rows (144 bytes). */
        memset(cols, 0, big * TRACE_NUM_COLUMNS * sizeof *cols);
        against_writer("zeros1024.csv", cols, big);
        free(cols);
    }

    /* trace_text_row writes only its line: the bytes after it are untouched. */
    {
        felt_t cols[TRACE_NUM_COLUMNS];
        for (int c = 0; c < TRACE_NUM_COLUMNS; c++)
            cols[c] = FELT_P - 1;
        char buf[TRACE_TEXT_ROW_MAX + 16];
        memset(buf, 'x', sizeof buf);
        const size_t n = trace_text_row(cols, 1, 0, buf);
        int tail = 1;
        for (size_t i = n; i < sizeof buf; i++)
            tail &= buf[i] == 'x';
        tap_ok(n == TRACE_NUM_COLUMNS * 21 && n <= TRACE_TEXT_ROW_MAX && buf[n - 1] == '\n' && tail,
               "a row of p-1 is %zu bytes, within TRACE_TEXT_ROW_MAX, nothing written past it", n);
    }

    test_dir_remove(&dir);
    return tap_done();
}

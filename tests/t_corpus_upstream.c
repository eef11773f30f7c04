/*
 * t_corpus_upstream.c - upstream's vectors in the corpus (spec/corpus.md,
 * import-upstream) and out again (spec/vectors-format.md):
 *   - the 27 traces of miden-v0.19.0 become cases miden-case_01..27 with
 *     provenance "miden-vm v0.19.0", their whole upstream trace stored;
 *   - the masb-v0.19.0 vectors become masb-NAME cases (expected trace hash,
 *     or the expected error kind), all but the pinned deferred ones
 *     (shared_vectors.h masb_deferred), which are skipped with a note;
 *   - corpus verify passes on every one of them (parallel, from stored
 *     contexts, sequential);
 *   - the export passes the Python consumer (vectors/verify_export.py) and
 *     fragtrace conform.
 * Fails (does not skip) without ../shared in CI.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_cmd.h"
#include "shared_vectors.h"
#include "tap.h"
#include "tmpdir.h"

/* Lines of text holding needle. */
static int count_lines(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; p && *p;) {
        const char *eol = strchr(p, '\n');
        const size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)(len < 1000 ? len : 1000), p);
        n += strstr(line, needle) != NULL;
        p = eol ? eol + 1 : NULL;
    }
    return n;
}

int main(void)
{
    char vec[1024], masb[1024];
    snprintf(vec, sizeof vec, "%s/vectors/miden-v0.19.0", shared_dir());
    snprintf(masb, sizeof masb, "%s/vectors/masb-v0.19.0", shared_dir());
    char probe[1100];
    snprintf(probe, sizeof probe, "%s/cases.json", vec);
    FILE *f = fopen(probe, "r");
    if (!f)
        shared_vectors_absent_all(probe);
    else
        fclose(f);
    tap_plan(12);
    test_dir_t d;
    test_dir_make(&d);
    char db[700], out[700];
    test_dir_file(&d, "c.db", db, sizeof db);
    test_dir_file(&d, "export", out, sizeof out);

    const char *init[] = { "corpus", "init", "--db", db, NULL };
    run_result_t r = run_fragtrace(init);
    tap_ok(r.status == 0, "corpus init");
    run_free(&r);

    const char *imp[] = { "corpus", "import-upstream", "--db", db, "--vectors", vec, "--masb",
                          masb, NULL };
    r = run_fragtrace(imp);
    tap_ok(r.status == 0 && !strstr(r.err, "warning"),
           "import-upstream: exit 0, no case where fragtrace differs from upstream");
    if (r.status != 0 || strstr(r.err, "warning"))
        tap_diag("%s%s", r.out, r.err);
    int skipped_ok = 1;
    for (int i = 0; i < MASB_DEFERRED; i++) {
        char note[200];
        snprintf(note, sizeof note, "skipped masb-%s", masb_deferred[i].name);
        skipped_ok &= strstr(r.out, note) != NULL;
    }
    tap_ok(skipped_ok && count_lines(r.out, "skipped") == MASB_DEFERRED,
           "exactly the %d pinned deferred masb vector(s) skipped, with a note", MASB_DEFERRED);
    run_free(&r);

    const char *list[] = { "corpus", "list", "--db", db, NULL };
    r = run_fragtrace(list);
    const int upstream = count_lines(r.out, "miden-vm v0.19.0");
    int miden = 0;
    for (int i = 1; i <= 27; i++) {
        char line_start[64];
        snprintf(line_start, sizeof line_start, "miden-case_%02d ", i);
        miden += count_lines(r.out, line_start) == 1;
    }
    tap_ok(r.status == 0 && miden == 27 && count_lines(r.out, "miden-case_") == 27,
           "the 27 upstream traces are cases miden-case_01..27 (%d found)", miden);
    tap_ok(upstream == 27 + MASB_CASES - MASB_DEFERRED,
           "all %d cases carry provenance miden-vm v0.19.0 (%d)",
           27 + MASB_CASES - MASB_DEFERRED, upstream);
    tap_ok(count_lines(r.out, "masb-assert_fail ") == 1 &&
           count_lines(r.out, " error ") == 2, "the two failing masb vectors are error cases");
    run_free(&r);

    const char *show[] = { "corpus", "show", "--db", db, "miden-case_11", NULL };
    r = run_fragtrace(show);
    tap_ok(r.status == 0 && strstr(r.out, "provenance: miden-vm v0.19.0") &&
           strstr(r.out, "trace stored: yes") && strstr(r.out, "stack outputs: 3 2 1 0"),
           "show miden-case_11: upstream's stack outputs, trace stored");
    run_free(&r);

    const char *ver[] = { "corpus", "verify", "--db", db, "--quiet", NULL };
    r = run_fragtrace(ver);
    tap_ok(r.status == 0 && count_lines(r.out, "FAILED") == 0 &&
           count_lines(r.out, "ok miden-case_") == 27,
           "corpus verify: every upstream case passes all three builds");
    if (r.status != 0)
        tap_diag("%s%s", r.out, r.err);
    run_free(&r);

    const char *exp[] = { "export", "--db", db, "--out", out, NULL };
    r = run_fragtrace(exp);
    tap_ok(r.status == 0, "export");
    run_free(&r);

    char cmd[2000];
    snprintf(cmd, sizeof cmd, "python3 vectors/verify_export.py '%s' > '%s/py.txt' 2>&1", out,
             d.path);
    const int py = system(cmd);
    char py_out[800];
    test_dir_file(&d, "py.txt", py_out, sizeof py_out);
    char *text = slurp_file(py_out, NULL);
    tap_ok(py == 0 && text && count_lines(text, "ok miden-case_") == 27,
           "the Python consumer verifies the export (every file's SHA-256, every trace)");
    if (py != 0)
        tap_diag("python3 exit %d: %s", py, text ? text : "");
    free(text);

    const char *conf[] = { "conform", out, NULL };
    r = run_fragtrace(conf);
    tap_ok(r.status == 0 && count_lines(r.out, "not ok") == 0 &&
           strncmp(r.out, "1..", 3) == 0, "fragtrace conform passes on the export (TAP)");
    if (r.status != 0)
        tap_diag("%s%s", r.out, r.err);
    run_free(&r);

    /* the expected values are upstream's: a changed stored output fails */
    char sql[1200];
    snprintf(sql, sizeof sql, "sqlite3 '%s' \"UPDATE cases SET stack_outputs = "
             "'4,2,1,0,0,0,0,0,0,0,0,0,0,0,0,0' WHERE name = 'miden-case_11'\"", db);
    const int upd = system(sql);
    const char *ver1[] = { "corpus", "verify", "--db", db, "--quiet", "--filter",
                           "miden-case_1?", NULL };
    r = run_fragtrace(ver1);
    tap_ok(upd == 0 && r.status == 1 && count_lines(r.out, "FAILED miden-case_11:") == 1 &&
           count_lines(r.out, "FAILED") == 1 && strstr(r.out, "expected 4, got 3"),
           "verify compares with the stored upstream values (a changed output fails only "
           "that case)");
    run_free(&r);
    test_dir_remove(&d);
    return tap_done();
}

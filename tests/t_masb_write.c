/*
 * t_masb_write.c - writing upstream's binary MAST (mast/masb_write.h) and
 * `fragtrace compile`:
 *   - every program.masb and kernel.mast of vectors/masb-v0.19.0, read and
 *     written again, gives the same bytes (through the API, and for the
 *     programs through `compile -o` into the test's directory);
 *   - every text program of this repository (vectors/programs) and of the
 *     upstream set (vectors/miden-v0.19.0/programs), compiled, reads back
 *     to the same program hash (`fragtrace hash` of both), the same nodes,
 *     digests and kernel, and writes again to the same bytes; a few run to
 *     the same output from the text and from the .masb; for four vectors,
 *     `fmt` of the .masb compiled again gives upstream's bytes;
 *   - --lib's check of external nodes; refused writes; compile's usage
 *     errors and an output it cannot write.
 * Absent shared vectors are a skip, or a failure under CI /
 * FRAGTRACE_REQUIRE_VECTORS=1 (shared_vectors.h).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mast/load.h"
#include "mast/masb.h"
#include "mast/masb_write.h"
#include "run_cmd.h"
#include "shared_vectors.h"
#include "tap.h"
#include "tmpdir.h"

static test_dir_t tmp;
static char vec_dir[1024];

/* Read path into an empty forest as the given kind (no externals
 * resolved); 0 or -1 with the message in diagnostics. */
static int read_kind(const char *path, masb_kind_t kind, mast_forest_t *f)
{
    size_t len;
    char *buf = slurp_file(path, &len);
    char err[1024];
    mast_advice_map_t adv = { NULL, NULL, 0 };
    mast_forest_init(f);
    if (!buf) {
        tap_diag("%s: cannot read", path);
        return -1;
    }
    const int rc = masb_read(path, (const unsigned char *)buf, len, kind, 0, f, &adv, err,
                             sizeof err);
    if (rc != 0) {
        tap_diag("%s", err);
        mast_forest_free(f);
    }
    mast_advice_map_free(&adv);
    free(buf);
    return rc;
}

/* Whether file and data[0..len) hold the same bytes; the first difference
 * goes to the diagnostics. */
static int same_bytes(const char *path, const unsigned char *data, size_t len)
{
    size_t flen;
    char *file = slurp_file(path, &flen);
    if (!file)
        return 0;
    size_t i = 0;
    while (i < flen && i < len && (unsigned char)file[i] == data[i])
        i++;
    const int same = i == flen && i == len;
    if (!same)
        tap_diag("%s: %zu bytes, written %zu; first difference at byte %zu", path, flen, len, i);
    free(file);
    return same;
}

static int same_files(const char *a, const char *b)
{
    size_t n;
    char *data = slurp_file(b, &n);
    if (!data)
        return 0;
    const int same = same_bytes(a, (const unsigned char *)data, n);
    free(data);
    return same;
}

/* ---- upstream's files, read and written again --------------------------- */

static void round_trip_file(const char *path, masb_kind_t kind, const char *name)
{
    const char *what = kind == MASB_PROGRAM ? "program.masb" : "kernel.mast";
    mast_forest_t f;
    unsigned char *out = NULL;
    size_t len = 0;
    char err[1024];
    int ok = read_kind(path, kind, &f) == 0;
    if (ok && masb_write(&f, kind, MASB_WRITE_OWN, &out, &len, err, sizeof err) != 0) {
        tap_diag("%s", err);
        ok = 0;
    }
    tap_ok(ok && same_bytes(path, out, len), "%s/%s: read and written: the same bytes (API)",
           name, what);
    free(out);
    if (ok)
        mast_forest_free(&f);
}

/* Through mast_load_file, then with the vector's kernel library appended:
 * the program's own bytes come out either way. */
static void round_trip_loaded(const char *masb, const char *mast, const char *name)
{
    mast_forest_t f;
    mast_advice_map_t adv = { NULL, NULL, 0 };
    char err[1024];
    unsigned char *out = NULL;
    size_t len = 0;
    mast_forest_init(&f);
    int ok = mast_load_file(masb, &f, &adv, err, sizeof err) == 0;
    if (!ok)
        tap_diag("%s", err);
    if (ok && mast) {
        ok = mast_load_library(mast, 0, &f, &adv, err, sizeof err) == 0;
        if (!ok)
            tap_diag("%s", err);
    }
    if (ok && masb_write(&f, MASB_PROGRAM, MASB_WRITE_OWN, &out, &len, err, sizeof err) != 0) {
        tap_diag("%s", err);
        ok = 0;
    }
    tap_ok(ok && same_bytes(masb, out, len), "%s: loaded%s and written: the same bytes", name,
           mast ? " with its kernel library" : "");
    free(out);
    mast_advice_map_free(&adv);
    if (ok)
        mast_forest_free(&f);
}

static void round_trip_cli(const char *masb, const char *name)
{
    char out[1200];
    snprintf(out, sizeof out, "%s/%s.masb", tmp.path, name);
    const char *args[] = { "compile", masb, "-o", out, NULL };
    run_result_t r = run_fragtrace(args);
    tap_ok(r.status == 0 && r.out[0] == '\0' && r.err[0] == '\0' && same_files(masb, out),
           "%s: fragtrace compile program.masb -o: the same bytes", name);
    if (r.status != 0)
        tap_diag("exit %d: %s", r.status, r.err);
    run_free(&r);
}

/* The vectors of index.json; returns how many. */
static int check_upstream_files(void)
{
    char index_path[1200];
    snprintf(index_path, sizeof index_path, "%s/index.json", vec_dir);
    char *index = slurp_file(index_path, NULL);
    if (!index) {
        shared_vectors_absent(index_path);
        return -1;
    }
    int found = 0, libs = 0;
    for (const char *p = index; (p = strstr(p, "\"name\"")) != NULL;) {
        p = strchr(p + 6, '"');
        const char *q = p ? strchr(p + 1, '"') : NULL;
        if (!q)
            break;
        char name[128], masb[1400], mast[1400];
        snprintf(name, sizeof name, "%.*s", (int)(q - p - 1), p + 1);
        snprintf(masb, sizeof masb, "%s/%s/program.masb", vec_dir, name);
        snprintf(mast, sizeof mast, "%s/%s/kernel.mast", vec_dir, name);
        found++;
        round_trip_file(masb, MASB_PROGRAM, name);
        round_trip_cli(masb, name);
        FILE *k = fopen(mast, "rb");
        if (k) {
            fclose(k);
            libs++;
            round_trip_file(mast, MASB_LIBRARY, name);
            round_trip_loaded(masb, NULL, name);
            round_trip_loaded(masb, mast, name);
        }
        p = q + 1;
    }
    free(index);
    tap_ok(found == MASB_CASES, "index.json lists %d vectors (pinned: %d)", found, MASB_CASES);
    tap_ok(libs == 1, "one vector has a kernel.mast (found %d)", libs);
    return found;
}

/* ---- text programs, compiled -------------------------------------------- */

/* `fragtrace hash` of a file: its stdout, or "" on failure. */
static void hash_of(const char *path, char *buf, size_t len)
{
    const char *args[] = { "hash", path, NULL };
    run_result_t r = run_fragtrace(args);
    snprintf(buf, len, "%s", r.status == 0 ? r.out : "");
    run_free(&r);
}

/* In-process: the text's forest written, read back: the same nodes (kind,
 * children, digest), kernel and entry; writing what was read gives the
 * same bytes again. */
static int api_text_round_trip(const char *path)
{
    mast_forest_t a, b;
    mast_advice_map_t adv = { NULL, NULL, 0 };
    char err[1024];
    unsigned char *out = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    mast_forest_init(&a);
    if (mast_load_file(path, &a, &adv, err, sizeof err) != 0) {
        tap_diag("%s", err);
        return 0;
    }
    int ok = masb_write(&a, MASB_PROGRAM, MASB_WRITE_OWN, &out, &len, err, sizeof err) == 0;
    if (!ok)
        tap_diag("%s: %s", path, err);
    mast_forest_init(&b);
    if (ok && masb_read(path, out, len, MASB_PROGRAM, 0, &b, &adv, err, sizeof err) != 0) {
        tap_diag("read back: %s", err);
        ok = 0;
    }
    if (ok) {
        ok = a.n_nodes == b.n_nodes && a.entry == b.entry && a.n_kernel == b.n_kernel &&
             word_eq(mast_program_hash(&a), mast_program_hash(&b));
        for (uint32_t i = 0; ok && i < a.n_nodes; i++) {
            const mast_node_t *x = &a.nodes[i], *y = &b.nodes[i];
            const int kids = x->kind != NODE_BLOCK && x->kind != NODE_EXTERNAL &&
                             x->kind != NODE_DYN && x->kind != NODE_DYNCALL;
            ok = x->kind == y->kind && word_eq(x->digest, y->digest) &&
                 (!kids || (x->child[0] == y->child[0] &&
                            ((x->kind != NODE_JOIN && x->kind != NODE_SPLIT) ||
                             x->child[1] == y->child[1])));
            if (!ok)
                tap_diag("node %u differs after the round trip", i);
        }
        for (uint32_t i = 0; ok && i < a.n_kernel; i++)
            ok = word_eq(a.kernel[i], b.kernel[i]);
    }
    if (ok && masb_write(&b, MASB_PROGRAM, MASB_WRITE_OWN, &again, &len2, err, sizeof err) != 0)
        ok = 0;
    if (ok && (len2 != len || memcmp(out, again, len) != 0)) {
        tap_diag("written again: %zu bytes, then %zu, not the same", len, len2);
        ok = 0;
    }
    free(out);
    free(again);
    mast_advice_map_free(&adv);
    mast_forest_free(&a);
    mast_forest_free(&b);
    return ok;
}

static int ends_with(const char *s, const char *suffix)
{
    const size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* The programs run from text and from their .masb: small ones with stack
 * inputs in their header, covering calls, syscalls, externals and dyn. */
static const char *const run_also[] = {
    "syscall_simple", "syscall_from_call", "dyncall_library", "external_by_name",
    "calls_nested", "dyn_forest", "block_multi_batch", "kernel_caller",
};

/* The "# stack: ..." header of a program text, or "". */
static void stack_header(const char *path, char *buf, size_t len)
{
    char *text = slurp_file(path, NULL);
    buf[0] = '\0';
    const char *p = text ? strstr(text, "# stack:") : NULL;
    if (p) {
        p += 8;
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, "\r\n");
        while (n && p[n - 1] == ' ')
            n--;
        snprintf(buf, len, "%.*s", (int)n, p);
    }
    free(text);
}

static void run_both(const char *text, const char *masb, const char *name)
{
    char stack[1024];
    stack_header(text, stack, sizeof stack);
    const char *a1[] = { "run", text, stack[0] ? "--stack" : NULL, stack, NULL };
    const char *a2[] = { "run", masb, stack[0] ? "--stack" : NULL, stack, NULL };
    run_result_t r1 = run_fragtrace(a1), r2 = run_fragtrace(a2);
    tap_ok(r1.status == 0 && r2.status == 0 && !strcmp(r1.out, r2.out),
           "%s: fragtrace run gives the same output from the text and from the .masb", name);
    if (r1.status != 0 || r2.status != 0 || strcmp(r1.out, r2.out))
        tap_diag("text: exit %d %s%s; masb: exit %d %s%s", r1.status, r1.out, r1.err, r2.status,
                 r2.out, r2.err);
    run_free(&r1);
    run_free(&r2);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.masm of dir; returns how many. */
static int check_text_dir(const char *dir, const char *set)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256)
        if (ends_with(e->d_name, ".masm"))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_names);
    for (int i = 0; i < n; i++) {
        char text[1400], masb[1400], base[256], h1[256], h2[256];
        snprintf(base, sizeof base, "%.*s", (int)(strlen(names[i]) - 5), names[i]);
        snprintf(text, sizeof text, "%s/%s", dir, names[i]);
        snprintf(masb, sizeof masb, "%s/%s-%s.masb", tmp.path, set, base);
        const char *args[] = { "compile", text, "-o", masb, NULL };
        run_result_t r = run_fragtrace(args);
        if (!tap_ok(r.status == 0 && r.err[0] == '\0', "%s/%s: compiles", set, base))
            tap_diag("exit %d: %s", r.status, r.err);
        run_free(&r);
        hash_of(text, h1, sizeof h1);
        hash_of(masb, h2, sizeof h2);
        tap_ok(h1[0] && !strcmp(h1, h2), "%s/%s: the .masb has the program hash of the text",
               set, base);
        tap_ok(api_text_round_trip(text), "%s/%s: read back: same nodes, digests, kernel; "
               "written again: same bytes", set, base);
        for (size_t k = 0; k < sizeof run_also / sizeof run_also[0]; k++)
            if (!strcmp(set, "own") && !strcmp(base, run_also[k]))
                run_both(text, masb, base);
        free(names[i]);
    }
    return n;
}

/* Counts and blocks whose usize encodings take 2 and 3 bytes: a basic
 * block of 20 000 operations (its op count and the block data length). */
static void check_large_block(void)
{
    const size_t n_ops = 20000;
    char *text = malloc(n_ops * 13 + 64);
    size_t k = (size_t)sprintf(text, "begin basic_block");
    for (size_t i = 0; i < n_ops; i++)
        k += (size_t)sprintf(text + k, i % 3 ? " swap" : " push(%zu)", i);
    k += (size_t)sprintf(text + k, " end end\n");
    char path[1200], masb[1200], h1[256], h2[256];
    test_dir_write(&tmp, "large.masm", text, k, path, sizeof path);
    free(text);
    test_dir_file(&tmp, "large.masb", masb, sizeof masb);
    const char *args[] = { "compile", path, "-o", masb, NULL };
    run_result_t r = run_fragtrace(args);
    run_free(&r);
    hash_of(path, h1, sizeof h1);
    hash_of(masb, h2, sizeof h2);
    tap_ok(h1[0] && !strcmp(h1, h2), "a basic block of 20000 operations: same program hash");
    tap_ok(api_text_round_trip(path), "a basic block of 20000 operations: same nodes and bytes");
}

/* The text path against upstream's writer: for the vectors whose forest
 * the text format gives back in upstream's node order (one root whose
 * nodes fmt prints children first in file order; no error messages),
 * `fmt` of the .masb compiled again is upstream's file byte for byte. */
static void check_fmt_compile(void)
{
    static const char *const same_layout[] = {
        "advice_inputs", "hash_ops", "merkle_store_ops", "u32_overflow",
    };
    for (size_t k = 0; k < sizeof same_layout / sizeof same_layout[0]; k++) {
        char masb[1200], text[1200], out[1200], name[160];
        snprintf(masb, sizeof masb, "%s/%s/program.masb", vec_dir, same_layout[k]);
        snprintf(name, sizeof name, "%s.fmt.masm", same_layout[k]);
        const char *a1[] = { "fmt", masb, NULL };
        run_result_t r = run_fragtrace(a1);
        if (r.status != 0) {
            shared_vectors_absent(masb);
            run_free(&r);
            continue;
        }
        test_dir_write(&tmp, name, r.out, strlen(r.out), text, sizeof text);
        run_free(&r);
        snprintf(name, sizeof name, "%s.fmt.masb", same_layout[k]);
        test_dir_file(&tmp, name, out, sizeof out);
        const char *a2[] = { "compile", text, "-o", out, NULL };
        r = run_fragtrace(a2);
        tap_ok(r.status == 0 && same_files(masb, out), "%s: fmt, then compile of the text: "
               "upstream's bytes", same_layout[k]);
        run_free(&r);
    }
}

/* ---- refusals and errors ------------------------------------------------ */

static void check_errors(void)
{
    char text[1200], out[1200], nodir[1200], keep[1200];
    const char prog[] = "begin basic_block push(1) add end end\n";
    test_dir_write(&tmp, "p.masm", prog, sizeof prog - 1, text, sizeof text);
    test_dir_file(&tmp, "p.masb", out, sizeof out);
    test_dir_file(&tmp, "no-such-dir/p.masb", nodir, sizeof nodir);

    const char *a1[] = { "compile", text, NULL };
    run_result_t r = run_fragtrace(a1);
    tap_ok(r.status == 2 && strstr(r.err, "missing -o"), "compile without -o: exit 2");
    run_free(&r);
    const char *a2[] = { "compile", text, "-o", NULL };
    r = run_fragtrace(a2);
    tap_ok(r.status == 2 && strstr(r.err, "-o needs a value"), "compile -o without a value: exit 2");
    run_free(&r);
    const char *a3[] = { "compile", text, "-o", nodir, NULL };
    r = run_fragtrace(a3);
    tap_ok(r.status == 2 && strstr(r.err, "no-such-dir") && r.out[0] == '\0',
           "compile -o into a directory that does not exist: exit 2 with a message");
    run_free(&r);
    char file_as_dir[1300];
    snprintf(file_as_dir, sizeof file_as_dir, "%s/x.masb", text);
    const char *a4[] = { "compile", text, "-o", file_as_dir, NULL };
    r = run_fragtrace(a4);
    tap_ok((r.status == 2 || r.status == 1) && strstr(r.err, "x.masb"),
           "compile -o under a regular file: refused with a message (exit %d)", r.status);
    run_free(&r);
    const char *a5[] = { "compile", "-o", out, NULL };
    r = run_fragtrace(a5);
    tap_ok(r.status == 2 && strstr(r.err, "missing FILE"), "compile without FILE: exit 2");
    run_free(&r);
    const char *a6[] = { "compile", text, "-o", out, "--format", "mast", NULL };
    r = run_fragtrace(a6);
    tap_ok(r.status == 2 && strstr(r.err, "unknown option"), "compile --format: unknown, exit 2");
    run_free(&r);
    const char *a7[] = { "compile", text, "-o", out, "-o", out, NULL };
    r = run_fragtrace(a7);
    tap_ok(r.status == 2 && strstr(r.err, "twice"), "compile -o twice: exit 2");
    run_free(&r);
    const char *a8[] = { "compile", "--help", NULL };
    r = run_fragtrace(a8);
    tap_ok(r.status == 0 && strstr(r.out, "usage: fragtrace compile"), "compile --help");
    run_free(&r);

    /* A bad program leaves an existing output as it was. */
    const char bad[] = "begin basic_block nosuchop end end\n";
    char badpath[1200];
    test_dir_write(&tmp, "bad.masm", bad, sizeof bad - 1, badpath, sizeof badpath);
    test_dir_write(&tmp, "keep.masb", "old", 3, keep, sizeof keep);
    const char *a9[] = { "compile", badpath, "-o", keep, NULL };
    r = run_fragtrace(a9);
    size_t klen = 0;
    char *kept = slurp_file(keep, &klen);
    tap_ok(r.status == 2 && strstr(r.err, "bad.masm") && kept && klen == 3 && !memcmp(kept, "old", 3),
           "compile of a bad program: exit 2, the existing output untouched");
    free(kept);
    run_free(&r);

    /* Output to standard output ("-") is the same bytes as to a file. */
    const char *a10[] = { "compile", text, "-o", out, NULL };
    r = run_fragtrace(a10);
    run_free(&r);
    const char *a11[] = { "compile", text, "-o", "-", NULL };
    r = run_fragtrace(a11);
    size_t flen = 0;
    char *file = slurp_file(out, &flen);
    tap_ok(r.status == 0 && file && flen > 8 && !memcmp(r.out, file, flen) &&
           !memcmp(file, "MAST\0\0\0\0", 8), "compile -o -: the same bytes on standard output");
    free(file);
    run_free(&r);

    /* API refusals: a library written as a program, an entry outside the
       nodes written. */
    mast_forest_t f;
    mast_advice_map_t adv = { NULL, NULL, 0 };
    char err[1024];
    unsigned char *bytes = NULL;
    size_t len;
    mast_forest_init(&f);
    if (mast_load_file(text, &f, &adv, err, sizeof err) == 0) {
        tap_ok(masb_write(&f, MASB_PROGRAM, f.entry, &bytes, &len, err, sizeof err) == -1 &&
               !bytes && strstr(err, "entry"), "API: an entry outside the nodes written is refused");
        tap_ok(masb_write(&f, MASB_PROGRAM, f.n_nodes + 1, &bytes, &len, err, sizeof err) == -1,
               "API: more nodes than the forest has is refused");
        mast_forest_free(&f);
    } else {
        tap_ok(0, "%s", err);
    }
}

static void check_libs(void)
{
    char masb[1200], mast[1200], out[1200], ext[1200];
    snprintf(masb, sizeof masb, "%s/syscall_kernel/program.masb", vec_dir);
    snprintf(mast, sizeof mast, "%s/syscall_kernel/kernel.mast", vec_dir);
    test_dir_file(&tmp, "lib.masb", out, sizeof out);
    FILE *k = fopen(mast, "rb");
    if (!k) {
        shared_vectors_absent(mast);
        return;
    }
    fclose(k);
    const char *a1[] = { "compile", masb, "-o", out, "--lib", mast, NULL };
    run_result_t r = run_fragtrace(a1);
    tap_ok(r.status == 0 && same_files(masb, out),
           "syscall_kernel with --lib kernel.mast: externals resolve; the same bytes");
    run_free(&r);
    const char *a2[] = { "compile", mast, "-o", out, NULL };
    r = run_fragtrace(a2);
    tap_ok(r.status == 2 && strstr(r.err, "library"), "compile of a .mast: exit 2 (no entrypoint)");
    run_free(&r);
    const char prog[] =
        "begin join basic_block swap end external.0x"
        "0100000000000000020000000000000003000000000000000400000000000000 end end\n";
    test_dir_write(&tmp, "ext.masm", prog, sizeof prog - 1, ext, sizeof ext);
    const char *a3[] = { "compile", ext, "-o", out, "--lib", mast, NULL };
    r = run_fragtrace(a3);
    tap_ok(r.status == 2 && strstr(r.err, "names no procedure"),
           "--lib: an external that names no procedure: exit 2");
    run_free(&r);
    const char *a4[] = { "compile", ext, "-o", out, NULL };
    r = run_fragtrace(a4);
    tap_ok(r.status == 0, "without --lib an unresolved external is written (resolved at run time)");
    run_free(&r);

    mast_forest_t f;
    unsigned char *bytes = NULL;
    size_t len;
    char err[1024];
    if (read_kind(mast, MASB_LIBRARY, &f) == 0) {
        tap_ok(masb_write(&f, MASB_PROGRAM, MASB_WRITE_OWN, &bytes, &len, err, sizeof err) == -1 &&
               strstr(err, "library"), "API: a library forest written as a program is refused");
        mast_forest_free(&f);
    } else {
        tap_ok(0, "%s: read", mast);
    }
}

int main(void)
{
    snprintf(vec_dir, sizeof vec_dir, "%s/vectors/masb-v0.19.0", shared_dir());
    test_dir_make(&tmp);

    check_upstream_files();

    const int own = check_text_dir("vectors/programs", "own");
    tap_ok(own == OWN_PROGRAMS, "vectors/programs: %d programs (pinned: %d)", own, OWN_PROGRAMS);
    char up[1200];
    snprintf(up, sizeof up, "%s/vectors/miden-v0.19.0/programs", shared_dir());
    const int ups = check_text_dir(up, "upstream");
    if (ups < 0)
        shared_vectors_absent(up);
    else
        tap_ok(ups == UPSTREAM_PROGRAMS, "%s: %d programs (pinned: %d)", up, ups,
               UPSTREAM_PROGRAMS);

    check_fmt_compile();
    check_large_block();
    check_errors();
    check_libs();

    test_dir_remove(&tmp);
    tap_plan(tap_count);
    return tap_done();
}

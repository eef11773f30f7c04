/*
 * t_export.c - `fragtrace export` and `fragtrace import`
 * (spec/vectors-format.md) on a small corpus built with `fragtrace corpus`:
 *
 *   - export, import into an empty corpus, export again: byte-identical
 *     directories (diff -r), and the same `corpus list`;
 *   - the standard-library Python consumer vectors/verify_export.py passes
 *     on the export and fails (exit 1) when one trace.csv value changed
 *     (python3 is required: the test fails without it);
 *   - import refuses (exit 2, nothing on stdout, the corpus unchanged) a
 *     truncated trace.csv, a truncated manifest.json, an unknown key at the
 *     top level and in a case, format_version 2, a listed file missing, an
 *     unlisted file, a changed trace value;
 *   - export refuses a non-empty DIR and leaves nothing behind; --max-rows 0
 *     exports no trace files and still round-trips; --filter selects;
 *   - manifest_parse (the reader's library API) on the exported manifest and
 *     on edited copies of it; the JSON writer's two layouts and escaping.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "run_cmd.h"
#include "tmpdir.h"
#include "corpus/manifest.h"
#include "io/json_write.h"

#define N_CASES 6   /* cases in the corpus built below */

static test_dir_t D;

/* d/name in a buffer that stays valid for the whole test (paths are kept
 * across many calls). */
static const char *P(const char *name)
{
    static char bufs[256][1024];
    static int next;
    if (next == 256) {
        printf("Bail out! too many paths\n");
        exit(1);
    }
    char *b = bufs[next++];
    return test_dir_file(&D, name, b, sizeof bufs[0]);
}

/* Run fragtrace; the result is freed by the caller. */
#define FT(...) run_fragtrace((const char *const[]){ __VA_ARGS__, NULL })

/* Run a program (PATH lookup) with stdout+stderr into *out; its exit
 * status, 127 when it cannot be run. */
static int run_prog(const char *const *argv, char **out)
{
    FILE *f = tmpfile();
    if (!f)
        abort();
    fflush(stdout);
    const pid_t pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0) {
        dup2(fileno(f), 1);
        dup2(fileno(f), 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    char *text = slurp_stream(f);
    fclose(f);
    if (out)
        *out = text;
    else
        free(text);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = slurp_stream(f);
    fclose(f);
    if (len)
        *len = strlen(text);
    return text;
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        printf("Bail out! cannot write %s\n", path);
        exit(1);
    }
}

/* Replace the first `from` in the file with `to`; 0, or -1 if absent. */
static int edit_file(const char *path, const char *from, const char *to)
{
    size_t len;
    char *text = read_file(path, &len);
    char *at = text ? strstr(text, from) : NULL;
    if (!at) {
        free(text);
        return -1;
    }
    const size_t head = (size_t)(at - text), nf = strlen(from), nt = strlen(to);
    char *out = malloc(len - nf + nt + 1);
    memcpy(out, text, head);
    memcpy(out + head, to, nt);
    memcpy(out + head + nt, at + nf, len - head - nf);
    write_file(path, out, len - nf + nt);
    free(out);
    free(text);
    return 0;
}

static void truncate_file(const char *path, double keep)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        printf("Bail out! cannot read %s\n", path);
        exit(1);
    }
    write_file(path, text, (size_t)((double)len * keep));
    free(text);
}

/* Copy the tree src to dst (directories and regular files). */
static void copy_tree(const char *src, const char *dst)
{
    struct stat sb;
    if (lstat(src, &sb) != 0) {
        printf("Bail out! cannot stat %s\n", src);
        exit(1);
    }
    if (!S_ISDIR(sb.st_mode)) {
        size_t len;
        FILE *f = fopen(src, "rb");
        char *data = NULL;
        if (f) {
            fseek(f, 0, SEEK_END);
            len = (size_t)ftell(f);
            rewind(f);
            data = malloc(len + 1);
            if (!data || fread(data, 1, len, f) != len) {
                printf("Bail out! cannot read %s\n", src);
                exit(1);
            }
            fclose(f);
        }
        if (!data) {
            printf("Bail out! cannot read %s\n", src);
            exit(1);
        }
        write_file(dst, data, len);
        free(data);
        return;
    }
    if (mkdir(dst, 0700) != 0) {
        printf("Bail out! cannot make %s\n", dst);
        exit(1);
    }
    DIR *d = opendir(src);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char s[1024], t[1024];
        snprintf(s, sizeof s, "%s/%s", src, e->d_name);
        snprintf(t, sizeof t, "%s/%s", dst, e->d_name);
        copy_tree(s, t);
    }
    if (d)
        closedir(d);
}

/* `corpus list --db DB` output (the corpus's cases), malloc'd. */
static char *corpus_list(const char *db)
{
    run_result_t r = FT("corpus", "list", "--db", db);
    char *out = strdup(r.status == 0 ? r.out : "(list failed)");
    run_free(&r);
    return out;
}

/* Does any entry of the test directory start with prefix? */
static int leftover(const char *prefix)
{
    DIR *d = opendir(D.path);
    struct dirent *e;
    int found = 0;
    while (d && (e = readdir(d)) != NULL)
        found |= !strncmp(e->d_name, prefix, strlen(prefix));
    if (d)
        closedir(d);
    return found;
}

static int count_lines(const char *s, const char *prefix)
{
    int n = 0;
    for (const char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        n += !strncmp(l, prefix, strlen(prefix));
    return n;
}

/* A copy of the export e1 named name, damaged by the caller; then import
 * into db must fail with exit 2 naming `want`, nothing on stdout, the
 * corpus unchanged. */
static void refused(const char *what, const char *dir, const char *db, const char *want)
{
    char *before = corpus_list(db);
    run_result_t r = FT("import", "--db", db, dir);
    char *after = corpus_list(db);
    tap_ok(r.status == 2 && r.out[0] == '\0' && strstr(r.err, want) && !strcmp(before, after),
           "import refuses %s (exit 2, corpus unchanged)", what);
    if (r.status != 2 || !strstr(r.err, want) || strcmp(before, after))
        tap_diag("exit %d, stderr: %s want: %s", r.status, r.err, want);
    free(before);
    free(after);
    run_free(&r);
}

static const char *damaged(const char *name)
{
    const char *dst = P(name);
    copy_tree(P("e1"), dst);
    return dst;
}


/* manifest_parse on text with the first `from` replaced by `to` must fail
 * with want in the message. */
static void manifest_rejects(const char *text, const char *from, const char *to,
                             const char *want, const char *what)
{
    const char *at = strstr(text, from);
    if (!at) {
        tap_ok(0, "manifest_parse refuses %s (edit not applicable)", what);
        return;
    }
    const size_t len = strlen(text), head = (size_t)(at - text);
    const size_t nf = strlen(from), nt = strlen(to);
    char *t = malloc(len - nf + nt + 1);
    memcpy(t, text, head);
    memcpy(t + head, to, nt);
    memcpy(t + head + nt, at + nf, len - head - nf + 1);
    manifest_t m;
    char err[2048] = "";
    const int rc = manifest_parse("D", "D/manifest.json", t, strlen(t), &m, err, sizeof err);
    tap_ok(rc != 0 && strstr(err, want) && !strncmp(err, "D/manifest.json:", 16),
           "manifest_parse refuses %s", what);
    if (rc == 0)
        manifest_free(&m);
    else if (!strstr(err, want))
        tap_diag("got: %s", err);
    free(t);
}

static void test_manifest_api(const char *dir)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    char *text = read_file(path, NULL);
    manifest_t m;
    char err[2048];
    int good = text && manifest_read(dir, &m, err, sizeof err) == 0;
    if (good) {
        int seen = 0;
        for (size_t i = 0; i < m.n_cases; i++) {
            const manifest_case_t *c = &m.cases[i];
            if (!strcmp(c->name, "adv"))
                seen += !strcmp(c->advice_map, "{\"0x0100000000000000000000000000000000000000000"
                                "000000000000000000000\":[1],\"0x0200000000000000000000000000000"
                                "000000000000000000000000000000000\":[7,8]}") &&
                        !strcmp(c->operand_stack, "[\"500\",\"1\",\"2\",\"3\",\"4\"]") &&
                        c->merkle_store == NULL && c->ok && c->has_trace_file;
            if (!strcmp(c->name, "split_fails"))
                seen += !c->ok && !strcmp(c->error_kind, "output_stack_overflow") &&
                        !c->has_trace_file && manifest_find_file(c, "trace.csv") < 0;
            if (!strcmp(c->name, "split_true-f8"))
                seen += c->n_tags == 2 && !strcmp(c->tags[1], "split") && c->fragment_size == 8;
        }
        manifest_data_t d;
        size_t k = 0;
        while (k < m.n_cases && strcmp(m.cases[k].name, "call_simple"))
            k++;
        const int checked = k < m.n_cases &&
                            manifest_check_case(&m, k, &d, err, sizeof err) == 0;
        good = m.n_cases == N_CASES && seen == 3 && checked && d.trace && d.masb &&
               d.contexts && manifest_check_dir(&m, err, sizeof err) == 0;
        if (checked)
            manifest_data_free(&d);
        manifest_free(&m);
    }
    tap_ok(good, "manifest_read, manifest_check_dir, manifest_check_case on the export");
    if (!good)
        tap_diag("%s", err);
    if (!text)
        text = strdup("{}");
    manifest_rejects(text, "\"fragment_size\": ", "\"fragment_size\": 4, \"fragment_size\": ",
                     "duplicate key \"fragment_size\" in a case", "a duplicate key");
    manifest_rejects(text, "\"0x0100", "\"0X0100", "advice_map key", "an advice-map key in 0X");
    manifest_rejects(text, "\"0x0200000000000000000000000000000000000000000000000000000000000000\"",
                     "\"0x0100000000000000000000000000000000000000000000000000000000000000\"",
                     "appears twice", "an advice-map key given twice");
    manifest_rejects(text, "\"trace_rows\": 64", "\"trace_rows\": 96", "power of two",
                     "trace_rows 96");
    manifest_rejects(text, "\"merkle_store\": null", "\"merkle_store\": [{\"merkle_tree\": []}]",
                     "merkle_store: merkle_tree: a Merkle tree needs at least 2 leaves",
                     "a Merkle store whose tree has no leaves");
    manifest_rejects(text, "\"500\"", "\"0500\"", "not a field element",
                     "a felt with a leading zero");
    manifest_rejects(text, "\"trace_file\": \"trace.csv\"", "\"trace_file\": null",
                     "\"files\" lists trace.csv", "trace.csv listed with trace_file null");
    manifest_rejects(text, "\"clk\",", "\"clock\",", "column 0 must be \"clk\"",
                     "a renamed column");
    manifest_rejects(text, "\"inputs.json\": ", "\"inputs.json5\": ", "unknown file",
                     "an unknown file name in files");
    manifest_rejects(text, "\"vm\": \"miden-vm v0.19.0\"", "\"vm\": \"miden-vm v0.20.0\"",
                     "\"vm\"", "another VM");
    manifest_rejects(text, "\"output_stack_overflow\"", "\"none\"", "error_kind",
                     "error kind none");
    manifest_rejects(text, "\"libraries\": []", "\"libraries\": [\"lib0.mast\"]",
                     "lacks lib0.mast", "a library not in files");
    free(text);
}

static void test_json_writer(void)
{
    json_writer_t w;
    char err[128];
    const char *want_compact = "{\"a\":[1,\"q\\\"b\\\\n\\n\\u0001\\t\"],\"b\":{},\"c\":null}";
    const char *want_pretty = "{\n  \"a\": [\n    1,\n    \"q\\\"b\\\\n\\n\\u0001\\t\"\n  ],\n"
                              "  \"b\": {},\n  \"c\": null\n}\n";
    for (int indent = 0; indent <= 2; indent += 2) {
        json_writer_init_buffer(&w, indent);
        json_w_begin_object(&w);
        json_w_key(&w, "a");
        json_w_begin_array(&w);
        json_w_uint(&w, 1);
        json_w_string(&w, "q\"b\\n\n\001\t");
        json_w_end_array(&w);
        json_w_key(&w, "b");
        json_w_begin_object(&w);
        json_w_end_object(&w);
        json_w_key(&w, "c");
        json_w_null(&w);
        json_w_end_object(&w);
        const int rc = json_writer_finish(&w, err, sizeof err);
        char *out = json_writer_take(&w, NULL);
        tap_ok(rc == 0 && out && !strcmp(out, indent ? want_pretty : want_compact),
               "json writer: %s layout and escaping", indent ? "pretty" : "compact");
        if (out && strcmp(out, indent ? want_pretty : want_compact))
            tap_diag("got: %s", out);
        free(out);
    }
    json_writer_init_buffer(&w, 2);
    json_w_string(&w, "bad \xff utf-8");
    tap_ok(json_writer_finish(&w, err, sizeof err) != 0 && strstr(err, "UTF-8"),
           "json writer refuses a string that is not UTF-8");
    json_writer_free(&w);
    json_writer_init_buffer(&w, 2);
    json_w_begin_object(&w);
    json_w_uint(&w, 3);
    json_w_end_object(&w);
    tap_ok(json_writer_finish(&w, err, sizeof err) != 0, "json writer refuses a member without "
           "a key");
    json_writer_free(&w);
}

int main(void)
{
    tap_plan(53);
    test_dir_make(&D);
    run_result_t r;
    char buf[4096];

    /* python3 is part of the contract: its absence is a failure, not a skip. */
    const int py = run_prog((const char *const[]){ "python3", "--version", NULL }, NULL);
    tap_ok(py == 0, "python3 is available (needed for vectors/verify_export.py)");

    /* The corpus: ok cases with and without inputs, an advice map, tags,
     * two fragment sizes, a failing case. */
    const char *db = P("a.db");
    write_file(P("adv.inputs"),
               "{\"operand_stack\": [\"500\",\"1\",\"2\",\"3\",\"4\"], \"advice_stack\": [\"5\","
               "\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\",\"4294967295\",\"4294967296\","
               "\"20\",\"30\",\"40\",\"18446744069414584320\"], \"advice_map\": {"
               "\"0x0200000000000000000000000000000000000000000000000000000000000000\": [7, 8],"
               "\"0x0100000000000000000000000000000000000000000000000000000000000000\": [1]}}",
               strlen("{\"operand_stack\": [\"500\",\"1\",\"2\",\"3\",\"4\"], \"advice_stack\": "
                      "[\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\",\"4294967295\","
                      "\"4294967296\",\"20\",\"30\",\"40\",\"18446744069414584320\"], "
                      "\"advice_map\": {\"0x02000000000000000000000000000000000000000000000000"
                      "00000000000000\": [7, 8],\"0x010000000000000000000000000000000000000000"
                      "0000000000000000000000\": [1]}}"));
    int built = 1;
    run_result_t a[6];
    a[0] = FT("corpus", "init", "--db", db);
    a[1] = FT("corpus", "add", "--db", db, "vectors/programs/split_true.masm", "--name",
              "split_true", "--stack", "6,10,1", "--tags", "control,split", "--fragment", "8",
              "--fragment", "32");
    a[2] = FT("corpus", "add", "--db", db, "vectors/programs/call_simple.masm", "--name",
              "call_simple", "--stack", "1,7");
    a[3] = FT("corpus", "add", "--db", db, "vectors/programs/ops_advice.masm", "--name", "adv",
              "--inputs", P("adv.inputs"), "--fragment", "16");
    a[4] = FT("corpus", "add", "--db", db, "vectors/programs/split_true.masm", "--name",
              "split_fails", "--program-name", "split_plain");   /* no inputs: fails */
    a[5] = FT("corpus", "add", "--db", db, "vectors/programs/loop_flags.masm", "--name",
              "loop_flags", "--stack", "0,1,1,1", "--tags", "loops");
    for (int i = 0; i < 6; i++) {
        if (a[i].status != 0) {
            built = 0;
            tap_diag("corpus step %d: exit %d: %s", i, a[i].status, a[i].err);
        }
        run_free(&a[i]);
    }
    char *list_a = corpus_list(db);
    tap_ok(built && count_lines(list_a, "") == N_CASES + 2,
           "a corpus of %d cases built with fragtrace corpus", N_CASES);
    if (!built)
        tap_diag("%s", list_a);

    /* export -> import -> export */
    r = FT("export", "--db", db, "--out", P("e1"));
    snprintf(buf, sizeof buf, "export: %d cases to %s (", N_CASES, P("e1"));
    tap_ok(r.status == 0 && !strncmp(r.out, buf, strlen(buf)) && strstr(r.out, " trace files, ")
           && r.err[0] == '\0', "export writes the directory and one summary line");
    if (r.status != 0)
        tap_diag("exit %d: %s%s", r.status, r.out, r.err);
    run_free(&r);
    tap_ok(!leftover("e1.tmp-"), "no temporary directory is left behind");

    char *py_out = NULL;
    int rc = run_prog((const char *const[]){ "python3", "vectors/verify_export.py", P("e1"),
                                             NULL }, &py_out);
    tap_ok(rc == 0 && count_lines(py_out, "ok ") == N_CASES,
           "the Python consumer passes every case of the export");
    if (rc != 0)
        tap_diag("exit %d: %s", rc, py_out);
    free(py_out);

    const char *db2 = P("b.db");
    r = FT("corpus", "init", "--db", db2);
    run_free(&r);
    r = FT("import", "--db", db2, P("e1"));
    snprintf(buf, sizeof buf, "import: %d cases from %s into %s\n", N_CASES, P("e1"), db2);
    tap_ok(r.status == 0 && !strcmp(r.out, buf), "import adds every case");
    if (r.status != 0 || strcmp(r.out, buf))
        tap_diag("exit %d: %s%s", r.status, r.out, r.err);
    run_free(&r);
    char *list_b = corpus_list(db2);
    tap_ok(!strcmp(list_a, list_b), "the imported corpus lists the same cases");

    r = FT("export", "--db", db2, "--out", P("e2"));
    run_free(&r);
    char *diff_out = NULL;
    rc = run_prog((const char *const[]){ "diff", "-r", P("e1"), P("e2"), NULL }, &diff_out);
    tap_ok(rc == 0, "export, import, export: byte-identical (diff -r)");
    if (rc != 0)
        tap_diag("%s", diff_out);
    free(diff_out);

    r = FT("corpus", "verify", "--db", db2, "--quiet");
    tap_ok(r.status == 0, "the imported corpus verifies (corpus verify)");
    if (r.status != 0)
        tap_diag("%s%s", r.out, r.err);
    run_free(&r);

    /* importing again: every name is taken, a database refusal (exit 1) */
    char *before = corpus_list(db2);
    r = FT("import", "--db", db2, P("e1"));
    char *after = corpus_list(db2);
    tap_ok(r.status == 1 && strstr(r.err, "already in the corpus") && !strcmp(before, after) &&
           r.out[0] == '\0', "importing cases already in the corpus: exit 1, corpus unchanged");
    free(before);
    free(after);
    run_free(&r);

    /* The damaged exports go into a corpus with one unrelated case, to see
     * that it stays exactly as it was. */
    const char *db3 = P("c.db");
    r = FT("corpus", "init", "--db", db3);
    run_free(&r);
    r = FT("corpus", "add", "--db", db3, "vectors/programs/split_false.masm", "--name", "zz_other",
           "--stack", "6,10,0");
    tap_ok(r.status == 0, "a corpus with one other case");
    run_free(&r);

    const char *d = damaged("m_trunc_trace");
    snprintf(buf, sizeof buf, "%s/cases/split_true-f8/trace.csv", d);
    truncate_file(buf, 0.5);
    char want[1200];
    snprintf(want, sizeof want, "%s: SHA-256 differs from the manifest (truncated or changed)",
             buf);
    refused("a truncated trace.csv (after two good cases)", d, db3, want);

    d = damaged("m_trunc_manifest");
    snprintf(buf, sizeof buf, "%s/manifest.json", d);
    truncate_file(buf, 0.6);
    refused("a truncated manifest.json", d, db3, "manifest.json:");

    d = damaged("m_top_key");
    snprintf(buf, sizeof buf, "%s/manifest.json", d);
    edit_file(buf, "{\n", "{\n  \"extra_field\": 1,\n");
    snprintf(want, sizeof want, "%s:2:3: unknown key \"extra_field\" in the manifest", buf);
    refused("an unknown key at the top level", d, db3, want);

    d = damaged("m_case_key");
    snprintf(buf, sizeof buf, "%s/manifest.json", d);
    edit_file(buf, "      \"fragment_size\": ",
              "      \"new_field\": true,\n      \"fragment_size\": ");
    refused("an unknown key in a case", d, db3, "unknown key \"new_field\" in a case");

    d = damaged("m_version");
    snprintf(buf, sizeof buf, "%s/manifest.json", d);
    edit_file(buf, "\"format_version\": 1", "\"format_version\": 2");
    snprintf(want, sizeof want, "%s:3:21: format_version 2 is newer than this fragtrace reads "
             "(1)", buf);
    refused("format_version 2", d, db3, want);

    d = damaged("m_version0");
    snprintf(buf, sizeof buf, "%s/manifest.json", d);
    edit_file(buf, "\"format_version\": 1", "\"format_version\": \"1\"");
    refused("format_version \"1\" (a string)", d, db3, "format_version\" must be the integer 1");

    d = damaged("m_missing");
    snprintf(buf, sizeof buf, "%s/cases/call_simple/contexts.ftctx", d);
    unlink(buf);
    snprintf(want, sizeof want, "%s: listed in the manifest but missing", buf);
    refused("a listed file that is missing", d, db3, want);

    d = damaged("m_extra");
    snprintf(buf, sizeof buf, "%s/cases/adv/notes.txt", d);
    write_file(buf, "hello\n", 6);
    snprintf(want, sizeof want, "%s: not listed in the manifest", buf);
    refused("an unlisted file in a case folder", d, db3, want);

    d = damaged("m_extra_top");
    snprintf(buf, sizeof buf, "%s/README", d);
    write_file(buf, "hello\n", 6);
    refused("an unlisted file beside manifest.json", d, db3, "README: not part of");

    d = damaged("m_inputs");
    snprintf(buf, sizeof buf, "%s/cases/adv/inputs.json", d);
    edit_file(buf, "\"500\"", "\"501\"");
    refused("inputs.json changed", d, db3, "adv/inputs.json: SHA-256 differs");

    /* one trace value changed (same length): the consumer and import see it */
    d = damaged("m_value");
    snprintf(buf, sizeof buf, "%s/cases/call_simple/trace.csv", d);
    tap_ok(edit_file(buf, "\n1,", "\n2,") == 0, "changed one value of call_simple's trace.csv");
    py_out = NULL;
    rc = run_prog((const char *const[]){ "python3", "vectors/verify_export.py", d, NULL },
                  &py_out);
    tap_ok(rc == 1 && strstr(py_out, "FAIL call_simple") &&
           count_lines(py_out, "ok ") == N_CASES - 1,
           "the Python consumer fails (exit 1) on the changed trace, the other cases pass");
    if (rc != 1)
        tap_diag("exit %d: %s", rc, py_out);
    free(py_out);
    refused("a changed trace value", d, db3, "call_simple/trace.csv: SHA-256 differs");

    d = damaged("m_py_manifest");
    snprintf(buf, sizeof buf, "%s/manifest.json", d);
    truncate_file(buf, 0.5);
    rc = run_prog((const char *const[]){ "python3", "vectors/verify_export.py", d, NULL }, NULL);
    tap_ok(rc == 2, "the Python consumer exits 2 on a malformed manifest");

    /* export into a non-empty directory: refused, untouched, nothing left */
    mkdir(P("full"), 0700);
    write_file(P("full/keep.txt"), "keep\n", 5);
    r = FT("export", "--db", db, "--out", P("full"));
    snprintf(want, sizeof want, "%s: exists and is not empty", P("full"));
    char *kept = read_file(P("full/keep.txt"), NULL);
    tap_ok(r.status == 2 && strstr(r.err, want) && r.out[0] == '\0' && kept &&
           !strcmp(kept, "keep\n") && !leftover("full.tmp-"),
           "export refuses a non-empty directory and leaves it as it was");
    free(kept);
    run_free(&r);

    /* an existing empty directory is fine */
    mkdir(P("empty"), 0700);
    r = FT("export", "--db", db, "--out", P("empty"));
    run_free(&r);
    rc = run_prog((const char *const[]){ "diff", "-r", P("e1"), P("empty"), NULL }, NULL);
    tap_ok(rc == 0, "export into an existing empty directory");

    /* --max-rows 0: no trace files, hashes only; still round-trips */
    r = FT("export", "--db", db, "--out", P("e_norows"), "--max-rows", "0");
    snprintf(want, sizeof want, "export: %d cases to %s (0 trace files, ", N_CASES,
             P("e_norows"));
    tap_ok(r.status == 0 && !strncmp(r.out, want, strlen(want)), "--max-rows 0 writes no trace");
    run_free(&r);
    snprintf(buf, sizeof buf, "%s/manifest.json", P("e_norows"));
    char *m = read_file(buf, NULL);
    tap_ok(m && strstr(m, "\"trace_file\": null") && !strstr(m, "\"trace_file\": \"trace.csv\""),
           "the manifest says trace_file null and keeps trace_sha256");
    free(m);
    rc = run_prog((const char *const[]){ "python3", "vectors/verify_export.py", P("e_norows"),
                                         NULL }, NULL);
    tap_ok(rc == 0, "the Python consumer passes an export without traces");
    const char *db4 = P("d.db");
    r = FT("corpus", "init", "--db", db4);
    run_free(&r);
    r = FT("import", "--db", db4, P("e_norows"));
    tap_ok(r.status == 0, "an export without traces imports");
    run_free(&r);
    r = FT("export", "--db", db4, "--out", P("e_norows2"));
    run_free(&r);
    rc = run_prog((const char *const[]){ "diff", "-r", P("e_norows"), P("e_norows2"), NULL },
                  NULL);
    tap_ok(rc == 0, "and re-exports byte-identically");

    /* --filter on export (by tag) and on import (by name) */
    r = FT("export", "--db", db, "--out", P("e_split"), "--filter", "split");
    snprintf(want, sizeof want, "export: 2 cases to %s (", P("e_split"));
    tap_ok(r.status == 0 && !strncmp(r.out, want, strlen(want)),
           "export --filter selects by tag (2 cases tagged split)");
    run_free(&r);
    const char *db5 = P("e.db");
    r = FT("corpus", "init", "--db", db5);
    run_free(&r);
    r = FT("import", "--db", db5, P("e1"), "--filter", "call_*", "--filter", "adv");
    snprintf(want, sizeof want, "import: 2 cases from %s into %s\n", P("e1"), db5);
    tap_ok(r.status == 0 && !strcmp(r.out, want), "import --filter selects by name");
    run_free(&r);

    /* usage */
    r = FT("export", "--db", db);
    tap_ok(r.status == 2 && strstr(r.err, "--out DIR is required"),
           "export without --out: exit 2");
    run_free(&r);
    r = FT("import", "--db", db5, P("nowhere"));
    tap_ok(r.status == 2 && strstr(r.err, "nowhere/manifest.json"),
           "import of a missing directory: exit 2 naming manifest.json");
    run_free(&r);

    test_manifest_api(P("e1"));
    test_json_writer();

    free(list_a);
    free(list_b);
    test_dir_remove(&D);
    return tap_done();
}

/*
 * export.c - see export.h; the format is spec/vectors-format.md.
 *
 * Each case is loaded, its files written into cases/NAME (hashed as they
 * are written) and its manifest entry appended to manifest.json, which is
 * streamed: only one case is in memory at a time.
 */
#include "export.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "air/layout.h"
#include "corpus/manifest.h"
#include "field/felt_text.h"
#include "io/json.h"
#include "io/json_write.h"
#include "trace/trace_text.h"
#include "util/sha256.h"
#include "version.h"

/* One export in progress. */
typedef struct {
    const char *out;          /* DIR as given (for messages) */
    char *tmp;                /* DIR.tmp-XXXXXX */
    export_stats_t *st;
    uint64_t max_rows;
    char *err;
    size_t err_len;
    /* the current case's files, in the order written */
    manifest_file_t files[MANIFEST_MAX_FILES];
    size_t n_files;
} exp_t;

static int fail(exp_t *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(exp_t *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err, e->err_len, fmt, ap);
    va_end(ap);
    return code;
}

int export_filter_match(const char *name, const char *tags, const char *const *patterns,
                        size_t n)
{
    if (n == 0)
        return 1;
    for (size_t i = 0; i < n; i++) {
        if (fnmatch(patterns[i], name, 0) == 0)
            return 1;
        for (const char *t = tags; t && *t;) {
            const size_t len = strcspn(t, ",");
            char *tag = strndup(t, len);
            const int hit = tag && fnmatch(patterns[i], tag, 0) == 0;
            free(tag);
            if (hit)
                return 1;
            t += len + (t[len] == ',');
        }
    }
    return 0;
}

/* Remove path and everything under it (links removed, never followed). */
static void rm_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (!S_ISDIR(sb.st_mode)) {
        unlink(path);
        return;
    }
    DIR *d = opendir(path);
    struct dirent *ent;
    while (d && (ent = readdir(d)) != NULL) {
        if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
            continue;
        const size_t n = strlen(path) + strlen(ent->d_name) + 2;
        char *sub = malloc(n);
        if (!sub)
            continue;
        snprintf(sub, n, "%s/%s", path, ent->d_name);
        rm_tree(sub);
        free(sub);
    }
    if (d)
        closedir(d);
    rmdir(path);
}

/* cases/NAME/file under the temporary directory (tmp) or as the user will
 * see it (for messages). */
static void case_path(const exp_t *e, int tmp, const char *name, const char *file, char *buf,
                      size_t len)
{
    snprintf(buf, len, "%s/cases/%s%s%s", tmp ? e->tmp : e->out, name, file ? "/" : "",
             file ? file : "");
}

static void add_file(exp_t *e, const char *name, const char hex[65])
{
    manifest_file_t *f = &e->files[e->n_files++];
    snprintf(f->name, sizeof f->name, "%s", name);
    memcpy(f->sha256, hex, 65);
}

/* Write one file of the case; 0 or 1. */
static int write_file(exp_t *e, const char *cname, const char *file, const void *data, size_t len)
{
    char path[4400], shown[4400];
    case_path(e, 1, cname, file, path, sizeof path);
    case_path(e, 0, cname, file, shown, sizeof shown);
    FILE *f = fopen(path, "wb");
    if (!f)
        return fail(e, 1, "%s: cannot create: %s", shown, strerror(errno));
    const int bad = (len && fwrite(data, 1, len, f) != len);
    const int err_no = errno;
    if (fclose(f) != 0 || bad)
        return fail(e, 1, "%s: write error: %s", shown, strerror(bad ? err_no : errno));
    char hex[65];
    sha256_buffer_hex(data, len, hex);
    add_file(e, file, hex);
    e->st->bytes += len;
    return 0;
}

/* trace.csv: the canonical trace text, hashed as it is written. */
static int write_trace(exp_t *e, const corpus_case_t *k)
{
    char path[4400], shown[4400];
    case_path(e, 1, k->name, "trace.csv", path, sizeof path);
    case_path(e, 0, k->name, "trace.csv", shown, sizeof shown);
    FILE *f = fopen(path, "wb");
    if (!f)
        return fail(e, 1, "%s: cannot create: %s", shown, strerror(errno));
    setvbuf(f, NULL, _IOFBF, (size_t)1 << 20);
    char row[TRACE_TEXT_ROW_MAX];
    sha256_ctx_t h;
    sha256_init(&h);
    int bad = 0;
    uint64_t bytes = 0;
    for (uint64_t r = 0; r < k->trace_rows && !bad; r++) {
        const size_t n = trace_text_row(k->trace, k->trace_rows, r, row);
        sha256_update(&h, row, n);
        bad = fwrite(row, 1, n, f) != n;
        bytes += n;
    }
    const int err_no = errno;
    if (fclose(f) != 0 || bad)
        return fail(e, 1, "%s: write error: %s", shown, strerror(bad ? err_no : errno));
    uint8_t dig[32];
    char hex[65];
    sha256_final(&h, dig);
    sha256_hex(dig, hex);
    /* corpus_load_case checked the stored trace against trace_sha256 with
       the same text: a difference here is a bug, not bad data. */
    if (strcmp(hex, k->trace_sha256))
        return fail(e, 1, "%s: the written text hashes to %s, not to the case's trace_sha256 %s",
                    shown, hex, k->trace_sha256);
    add_file(e, "trace.csv", hex);
    e->st->bytes += bytes;
    e->st->trace_files++;
    return 0;
}

/* The inputs object of the export from the corpus's four texts (ms NULL:
 * null), laid out as json_writer's indent says; NULL with why set. */
static char *inputs_text(const char *os, const char *as, const char *am, const char *ms,
                         int indent, size_t *len, char *why, size_t why_len)
{
    const char *src[4] = { os, as, am, ms ? ms : "null" };
    static const char *const keys[4] = { "operand_stack", "advice_stack", "advice_map",
                                         "merkle_store" };
    json_value_t *v[4] = { NULL, NULL, NULL, NULL };
    char *text = NULL;
    for (int i = 0; i < 4; i++)
        if (!(v[i] = json_parse(src[i], strlen(src[i]), why, why_len)))
            goto out;
    json_writer_t w;
    json_writer_init_buffer(&w, indent);
    json_w_begin_object(&w);
    for (int i = 0; i < 4; i++) {
        json_w_key(&w, keys[i]);
        json_w_value(&w, v[i]);
    }
    json_w_end_object(&w);
    if (json_writer_finish(&w, why, why_len) == 0)
        text = json_writer_take(&w, len);
    json_writer_free(&w);
    if (!text)
        snprintf(why, why_len, "out of memory");
out:
    for (int i = 0; i < 4; i++)
        json_free(v[i]);
    return text;
}

/* The case's inputs: *text is inputs.json and *tree its parsed object (for
 * the manifest). The corpus texts are checked and canonicalised exactly as
 * import reads them, so that what is exported imports again and re-exports
 * to the same bytes. */
static int inputs_json(exp_t *e, const corpus_case_t *k, json_value_t **tree, char **text,
                       size_t *text_len)
{
    char why[512];
    *tree = NULL;
    *text = NULL;
    if (!k->operand_stack || !k->advice_stack || !k->advice_map)
        return fail(e, 1, "case %s: the corpus has no inputs for it", k->name);
    size_t len;
    char *flat = inputs_text(k->operand_stack, k->advice_stack, k->advice_map, k->merkle_store,
                             0, &len, why, sizeof why);
    if (!flat)
        return fail(e, 1, "case %s: the corpus's inputs are malformed: %s", k->name, why);
    json_value_t *v = json_parse(flat, len, why, sizeof why);
    free(flat);
    char *cos = NULL, *cas = NULL, *cam = NULL, *cms = NULL;
    const int rc = v ? manifest_inputs_canon(v, "inputs", &cos, &cas, &cam, &cms, why,
                                             sizeof why) : -1;
    json_free(v);
    if (rc != 0)
        return fail(e, 1, "case %s: the corpus's inputs cannot be exported: %s", k->name, why);
    *text = inputs_text(cos, cas, cam, cms, 2, text_len, why, sizeof why);
    free(cos);
    free(cas);
    free(cam);
    free(cms);
    if (*text && !(*tree = json_parse(*text, *text_len, why, sizeof why))) {
        free(*text);
        *text = NULL;
    }
    if (!*text)
        return fail(e, 1, "case %s: inputs: %s", k->name, why);
    return 0;
}

static void write_conventions(json_writer_t *w)
{
    static const char *const conv[][2] = {
        { "operand_stack", "stack inputs, last element on top (upstream StackInputs)" },
        { "stack_outputs", "16 values, top first" },
        { "advice_stack", "first element popped first" },
        { "field_elements", "canonical decimal strings (no sign, no leading zeros, below p)" },
        { "digests", "4 field elements in word order; as hex, each element as 8 little-endian "
                     "bytes" },
        { "trace_text", "one line per row: the 72 values in column order as canonical decimals "
                        "separated by ',', every line ending in '\\n'; trace_sha256 is the "
                        "SHA-256 of exactly this text, the content of trace.csv" },
        { "files", "every file of cases/NAME with the lowercase hex SHA-256 of its bytes" },
    };
    json_w_begin_object(w);
    for (size_t i = 0; i < sizeof conv / sizeof conv[0]; i++) {
        json_w_key(w, conv[i][0]);
        json_w_string(w, conv[i][1]);
    }
    json_w_end_object(w);
}

static void write_header(json_writer_t *w)
{
    json_w_begin_object(w);
    json_w_key(w, "format");
    json_w_string(w, MANIFEST_FORMAT);
    json_w_key(w, "format_version");
    json_w_uint(w, MANIFEST_FORMAT_VERSION);
    json_w_key(w, "vm");
    json_w_string(w, FRAGTRACE_VM_VERSION);
    json_w_key(w, "generator");
    json_w_string(w, "fragtrace " FRAGTRACE_VERSION);
    json_w_key(w, "field_modulus");
    json_w_string(w, MANIFEST_FIELD_MODULUS);
    json_w_key(w, "trace_width");
    json_w_uint(w, TRACE_NUM_COLUMNS);
    json_w_key(w, "columns");
    json_w_begin_array(w);
    for (int c = 0; c < TRACE_NUM_COLUMNS; c++)
        json_w_string(w, trace_column_name(c));
    json_w_end_array(w);
    json_w_key(w, "conventions");
    write_conventions(w);
    json_w_key(w, "cases");
    json_w_begin_array(w);
}

/* The manifest entry of case k (its files already written). */
static void write_entry(json_writer_t *w, const exp_t *e, const corpus_case_t *k,
                        const json_value_t *inputs)
{
    json_w_begin_object(w);
    json_w_key(w, "name");
    json_w_string(w, k->name);
    json_w_key(w, "program");
    json_w_string(w, k->program);
    json_w_key(w, "tags");
    json_w_begin_array(w);
    for (const char *t = k->tags ? k->tags : ""; *t;) {
        const size_t n = strcspn(t, ",");
        if (n)
            json_w_string_n(w, t, n);
        t += n + (t[n] == ',');
    }
    json_w_end_array(w);
    json_w_key(w, "provenance");
    json_w_string(w, k->provenance);
    json_w_key(w, "program_hash");
    json_w_begin_array(w);
    for (int i = 0; i < 4; i++)
        json_w_felt(w, k->program_hash.v[i]);
    json_w_end_array(w);
    json_w_key(w, "program_text");
    if (k->text)
        json_w_string(w, k->text);
    else
        json_w_null(w);
    json_w_key(w, "files");
    json_w_begin_object(w);
    for (size_t i = 0; i < e->n_files; i++) {
        json_w_key(w, e->files[i].name);
        json_w_string(w, e->files[i].sha256);
    }
    json_w_end_object(w);
    json_w_key(w, "libraries");
    json_w_begin_array(w);
    for (unsigned i = 0; i < k->n_libs; i++) {
        char lib[MANIFEST_FILE_NAME_MAX];
        snprintf(lib, sizeof lib, "lib%u.mast", i % 100u);   /* i < CORPUS_MAX_LIBS */
        json_w_string(w, lib);
    }
    json_w_end_array(w);
    json_w_key(w, "inputs");
    json_w_value(w, inputs);
    json_w_key(w, "fragment_size");
    json_w_uint(w, k->fragment_size);
    json_w_key(w, "expected");
    json_w_begin_object(w);
    json_w_key(w, "outcome");
    if (k->ok) {
        json_w_string(w, "ok");
        json_w_key(w, "stack_outputs");
        json_w_begin_array(w);
        for (int i = 0; i < CORPUS_STACK_OUTPUTS; i++)
            json_w_felt(w, k->stack_outputs[i]);
        json_w_end_array(w);
        json_w_key(w, "cycles");
        json_w_uint(w, k->cycles);
        json_w_key(w, "trace_rows");
        json_w_uint(w, k->trace_rows);
        json_w_key(w, "trace_sha256");
        json_w_string(w, k->trace_sha256);
        json_w_key(w, "trace_file");
        int has_trace = 0;
        for (size_t i = 0; i < e->n_files; i++)
            has_trace |= !strcmp(e->files[i].name, "trace.csv");
        if (has_trace)
            json_w_string(w, "trace.csv");
        else
            json_w_null(w);
    } else {
        json_w_string(w, "error");
        json_w_key(w, "error_kind");
        json_w_string(w, k->error_kind);
        json_w_key(w, "clk");
        if (k->has_error_clk)
            json_w_uint(w, k->error_clk);
        else
            json_w_null(w);
    }
    json_w_end_object(w);
    json_w_end_object(w);
}

/* Export one case: its folder, its files, its manifest entry. 0 or 1. */
static int export_case(exp_t *e, corpus_t *c, const char *name, json_writer_t *w)
{
    corpus_case_t k;
    char path[4400], why[512];
    const int lr = corpus_load_case(c, name, 1, &k, e->err, e->err_len);
    if (lr != 0)
        return lr < 0 ? 1 : fail(e, 1, "%s: case %s vanished during the export",
                                 corpus_path(c), name);
    e->n_files = 0;
    json_value_t *inputs = NULL;
    char *inputs_text = NULL;
    size_t inputs_len = 0;
    int rc = 1;
    case_path(e, 1, name, NULL, path, sizeof path);
    if (mkdir(path, 0777) != 0) {
        case_path(e, 0, name, NULL, path, sizeof path);
        fail(e, 1, "%s: cannot create: %s", path, strerror(errno));
        goto out;
    }
    if (k.text && write_file(e, name, "program.txt", k.text, strlen(k.text)) != 0)
        goto out;
    if (k.masb && write_file(e, name, "program.masb", k.masb, k.masb_len) != 0)
        goto out;
    if (k.source && write_file(e, name, "source.masm", k.source, strlen(k.source)) != 0)
        goto out;
    for (unsigned i = 0; i < k.n_libs; i++) {
        char lib[MANIFEST_FILE_NAME_MAX];
        snprintf(lib, sizeof lib, "lib%u.mast", i % 100u);   /* i < CORPUS_MAX_LIBS */
        if (write_file(e, name, lib, k.libs[i], k.lib_len[i]) != 0)
            goto out;
    }
    if (inputs_json(e, &k, &inputs, &inputs_text, &inputs_len) != 0 ||
        write_file(e, name, "inputs.json", inputs_text, inputs_len) != 0)
        goto out;
    if (k.ok && k.trace_stored && k.trace && k.trace_rows <= e->max_rows &&
        write_trace(e, &k) != 0)
        goto out;
    if (k.contexts && write_file(e, name, "contexts.ftctx", k.contexts, k.contexts_len) != 0)
        goto out;
    write_entry(w, e, &k, inputs);
    if (w->error) {
        /* e.g. program text that is not UTF-8: JSON cannot carry it */
        snprintf(why, sizeof why, "%s", w->error);
        fail(e, 1, "case %s: cannot be written to manifest.json: %s", name, why);
        goto out;
    }
    rc = 0;
out:
    json_free(inputs);
    free(inputs_text);
    corpus_case_free(&k);
    return rc;
}

/* DIR must not exist, or be an empty directory. 0 or 2. */
static int check_target(exp_t *e, const char *dir)
{
    struct stat sb;
    if (lstat(dir, &sb) != 0) {
        if (errno == ENOENT)
            return 0;
        return fail(e, 2, "%s: %s", dir, strerror(errno));
    }
    if (!S_ISDIR(sb.st_mode))
        return fail(e, 2, "%s: exists and is not a directory", dir);
    DIR *d = opendir(dir);
    if (!d)
        return fail(e, 2, "%s: cannot open: %s", dir, strerror(errno));
    struct dirent *ent;
    int empty = 1;
    while (empty && (ent = readdir(d)) != NULL)
        empty = !strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..");
    closedir(d);
    return empty ? 0 : fail(e, 2, "%s: exists and is not empty", dir);
}

int export_corpus(corpus_t *c, const char *out_dir, const export_opts_t *o, export_stats_t *st,
                  char *err, size_t err_len)
{
    exp_t e = { .out = out_dir, .st = st, .max_rows = o->max_rows, .err = err, .err_len = err_len };
    memset(st, 0, sizeof *st);
    if (!*out_dir)
        return fail(&e, 2, "the output directory name is empty");
    /* DIR/ and DIR are the same directory; the temporary sibling needs the bare name. */
    size_t n = strlen(out_dir);
    while (n > 1 && out_dir[n - 1] == '/')
        n--;
    /* Paths inside the export are built in fixed buffers of 4400 bytes. */
    if (n > 3800)
        return fail(&e, 2, "%.*s...: the directory name is too long", 64, out_dir);
    char *dir = strndup(out_dir, n);
    char *tmp = malloc(n + 16);
    char **names = NULL;
    size_t n_names = 0;
    FILE *mf = NULL;
    int rc = 1;
    json_writer_t w;
    json_writer_init_file(&w, NULL, 2);
    if (!dir || !tmp) {
        fail(&e, 1, "out of memory");
        goto out;
    }
    if ((rc = check_target(&e, dir)) != 0)
        goto out;
    snprintf(tmp, n + 16, "%s.tmp-XXXXXX", dir);
    if (!mkdtemp(tmp)) {
        rc = fail(&e, 2, "%s: cannot create a directory beside it: %s", dir, strerror(errno));
        free(tmp);
        tmp = NULL;
        goto out;
    }
    e.tmp = tmp;
    rc = 1;
    if (corpus_case_names(c, &names, &n_names, err, err_len) != 0)
        goto out;
    char path[4400];
    snprintf(path, sizeof path, "%s/cases", tmp);
    if (mkdir(path, 0777) != 0) {
        fail(&e, 1, "%s/cases: cannot create: %s", dir, strerror(errno));
        goto out;
    }
    snprintf(path, sizeof path, "%s/manifest.json", tmp);
    if (!(mf = fopen(path, "wb"))) {
        fail(&e, 1, "%s/manifest.json: cannot create: %s", dir, strerror(errno));
        goto out;
    }
    json_writer_init_file(&w, mf, 2);
    write_header(&w);
    /* Select first (a case's tags come with its metadata), so that the
       progress line knows the total. */
    for (size_t i = 0; i < n_names && o->n_filters; i++) {
        corpus_case_t k;
        const int lr = corpus_load_case(c, names[i], 0, &k, err, err_len);
        if (lr != 0) {
            if (lr > 0)
                fail(&e, 1, "%s: case %s vanished during the export", corpus_path(c), names[i]);
            goto out;
        }
        if (!export_filter_match(k.name, k.tags, o->filters, o->n_filters)) {
            free(names[i]);
            names[i] = NULL;
        }
        corpus_case_free(&k);
    }
    size_t total = 0, done = 0;
    for (size_t i = 0; i < n_names; i++)
        total += names[i] != NULL;
    for (size_t i = 0; i < n_names; i++) {
        if (!names[i])
            continue;
        if (export_case(&e, c, names[i], &w) != 0)
            goto out;
        st->cases++;
        if (o->progress)
            o->progress(o->progress_ctx, ++done, total);
    }
    json_w_end_array(&w);
    json_w_end_object(&w);
    char why[128];
    if (json_writer_finish(&w, why, sizeof why) != 0 || fflush(mf) != 0) {
        fail(&e, 1, "%s/manifest.json: %s", dir, w.error ? why : strerror(errno));
        goto out;
    }
    const long size = ftell(mf);
    const int closed = fclose(mf);
    mf = NULL;
    if (closed != 0 || size < 0) {
        fail(&e, 1, "%s/manifest.json: write error: %s", dir, strerror(errno));
        goto out;
    }
    st->bytes += (uint64_t)size;
    /* mkdtemp made the directory 0700; give it the mode mkdir would have. */
    const mode_t mask = umask(0);
    umask(mask);
    if (chmod(tmp, 0777 & ~mask) != 0 || rename(tmp, dir) != 0) {
        const int en = errno;
        rc = (en == ENOTEMPTY || en == EEXIST) ? 2 : 1;
        fail(&e, rc, "%s: %s", dir, rc == 2 ? "exists and is not empty" : strerror(en));
        goto out;
    }
    free(tmp);
    tmp = NULL;
    rc = 0;
out:
    if (mf)
        fclose(mf);
    if (tmp) {
        if (e.tmp)
            rm_tree(tmp);
        free(tmp);
    }
    corpus_names_free(names, n_names);
    free(dir);
    return rc;
}

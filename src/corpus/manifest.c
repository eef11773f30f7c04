/*
 * manifest.c - see manifest.h; the format is spec/vectors-format.md.
 */
#include "manifest.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "air/layout.h"
#include "exec/vm.h"
#include "field/felt_text.h"
#include "io/file.h"
#include "io/json_write.h"
#include "io/merkle_inputs.h"
#include "io/trace_csv.h"
#include "trace/trace_text.h"
#include "util/sha256.h"
#include "version.h"

/* Largest case file read into memory (.masb, libraries, contexts, ...). */
#define CASE_FILE_MAX ((size_t)UINT32_MAX)

/* Where messages go and which file they name. */
typedef struct {
    const char *path;
    char *err;
    size_t err_len;
} ctx_t;

static int at_err(const ctx_t *x, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int at_err(const ctx_t *x, int line, int col, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(x->err, x->err_len, "%s:%d:%d: %s", x->path, line, col, msg);
    return -1;
}

/* A file-level message: "PATH: message". */
static int file_err(char *err, size_t err_len, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int file_err(char *err, size_t err_len, const char *path, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, err_len, "%s: %s", path, msg);
    return -1;
}

/* A member name or string fit for a message: at most 64 bytes, anything
 * but printable ASCII shown as '?'. */
static const char *shown(const char *s, size_t n, char buf[72])
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < 64; i++)
        buf[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (n > 64) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = '\0';
    return buf;
}

static char *join_path(const char *a, const char *b)
{
    const size_t na = strlen(a), nb = strlen(b);
    char *p = malloc(na + nb + 2);
    if (p) {
        memcpy(p, a, na);
        p[na] = '/';
        memcpy(p + na + 1, b, nb + 1);
    }
    return p;
}

/* ---- values ------------------------------------------------------------------ */

/* Every member of obj is one of keys[0..n) and appears once; every one of
 * keys is present. what names the object in messages ("a case"). */
static int check_members(const ctx_t *x, const json_value_t *obj, const char *what,
                         const char *const *keys, size_t n)
{
    char b[72];
    for (size_t i = 0; i < obj->n; i++) {
        const json_key_t *ki = &obj->key_info[i];
        for (size_t j = 0; j < i; j++)
            if (obj->key_info[j].len == ki->len && !memcmp(obj->keys[j], obj->keys[i], ki->len))
                return at_err(x, ki->line, ki->col, "duplicate key \"%s\" in %s",
                              shown(obj->keys[i], ki->len, b), what);
        int known = 0;
        for (size_t k = 0; k < n && !known; k++)
            known = json_key_is(obj, i, keys[k]);
        if (!known)
            return at_err(x, ki->line, ki->col, "unknown key \"%s\" in %s (written by a newer "
                          "fragtrace?)", shown(obj->keys[i], ki->len, b), what);
    }
    for (size_t k = 0; k < n; k++)
        if (!json_get(obj, keys[k]))
            return at_err(x, obj->line, obj->col, "%s lacks \"%s\"", what, keys[k]);
    return 0;
}

static int no_nul(const json_value_t *v) { return strlen(v->text) == v->len; }

/* Member key of obj as a string (no NUL bytes in it). */
static int get_string(const ctx_t *x, const json_value_t *obj, const char *key, int nullable,
                      const char **out)
{
    const json_value_t *v = json_get(obj, key);
    if (nullable && v->kind == JSON_NULL) {
        *out = NULL;
        return 0;
    }
    if (v->kind != JSON_STRING || !no_nul(v))
        return at_err(x, v->line, v->col, "\"%s\" must be a string%s, not %s", key,
                      nullable ? " or null" : "", v->kind == JSON_STRING ? "one holding NUL"
                      : json_kind_name(v->kind));
    *out = v->text;
    return 0;
}

/* A JSON integer (digits only) in [lo, hi]. */
static int get_uint(const ctx_t *x, const json_value_t *v, const char *key, uint64_t lo,
                    uint64_t hi, uint64_t *out)
{
    felt_t n;
    if (json_felt(v, &n) != 0 || n < lo || n > hi) {
        if (hi >= FELT_P - 1)
            return at_err(x, v->line, v->col, "\"%s\" must be an integer from %llu to p - 1",
                          key, (unsigned long long)lo);
        return at_err(x, v->line, v->col, "\"%s\" must be an integer from %llu to %llu", key,
                      (unsigned long long)lo, (unsigned long long)hi);
    }
    *out = n;
    return 0;
}

/* A canonical field element as a JSON string: digits, no leading zero, < p. */
static int felt_string(const json_value_t *v, felt_t *out)
{
    felt_t tmp;
    if (v->kind != JSON_STRING || (v->len > 1 && v->text[0] == '0'))
        return -1;
    return felt_parse_dec(v->text, v->len, out ? out : &tmp) == 0 ? 0 : -1;
}

/* A field element as a JSON integer (advice-map values, as upstream's
 * InputFile has them): canonical decimal digits, below p. */
static int felt_number(const json_value_t *v, felt_t *out)
{
    felt_t tmp;
    if (v->kind != JSON_NUMBER || (v->len > 1 && v->text[0] == '0'))
        return -1;
    return felt_parse_dec(v->text, v->len, out ? out : &tmp) == 0 ? 0 : -1;
}

/* An array of field-element strings: exactly n items (exact) or at most n. */
static int get_felts(const ctx_t *x, const json_value_t *a, const char *key, size_t n, int exact,
                     felt_t *out)
{
    if (a->kind != JSON_ARRAY || (exact ? a->n != n : a->n > n))
        return at_err(x, a->line, a->col, "\"%s\" must be an array of %s%zu field elements "
                      "(decimal strings)", key, exact ? "" : "at most ", n);
    for (size_t i = 0; i < a->n; i++)
        if (felt_string(a->items[i], out ? &out[i] : NULL) != 0)
            return at_err(x, a->items[i]->line, a->items[i]->col, "\"%s\" item %zu is not a "
                          "field element (a canonical decimal string below p)", key, i);
    return 0;
}

static int is_hex64(const char *s, size_t len)
{
    if (len != 64)
        return 0;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int get_sha(const ctx_t *x, const json_value_t *v, const char *key, char out[65])
{
    if (v->kind != JSON_STRING || !is_hex64(v->text, v->len))
        return at_err(x, v->line, v->col, "\"%s\" must be a SHA-256 as 64 lowercase hex digits",
                      key);
    memcpy(out, v->text, 65);
    return 0;
}

static char *dup_or_oom(const ctx_t *x, const char *s, int *failed)
{
    char *d = strdup(s);
    if (!d && !*failed) {
        snprintf(x->err, x->err_len, "%s: out of memory", x->path);
        *failed = 1;
    }
    return d;
}

/* ---- inputs ------------------------------------------------------------------- */

typedef struct {
    const char *key;
    const json_value_t *val;
} map_entry_t;

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const map_entry_t *)a)->key, ((const map_entry_t *)b)->key);
}

static void write_felt_array(json_writer_t *w, const json_value_t *a)
{
    json_w_begin_array(w);
    for (size_t i = 0; i < a->n; i++)
        json_w_string_n(w, a->items[i]->text, a->items[i]->len);
    json_w_end_array(w);
}

/* The compact text of what w holds, or NULL (out of memory). */
static char *take_compact(json_writer_t *w)
{
    char why[64];
    if (json_writer_finish(w, why, sizeof why) != 0) {
        json_writer_free(w);
        return NULL;
    }
    return json_writer_take(w, NULL);
}

int manifest_inputs_canon(const json_value_t *v, const char *path, char **operand_stack,
                          char **advice_stack, char **advice_map, char **merkle_store, char *err,
                          size_t err_len)
{
    static const char *const keys[] = { "operand_stack", "advice_stack", "advice_map",
                                        "merkle_store" };
    const ctx_t cx = { path, err, err_len }, *x = &cx;
    *operand_stack = *advice_stack = *advice_map = *merkle_store = NULL;
    if (v->kind != JSON_OBJECT)
        return at_err(x, v->line, v->col, "the inputs must be an object, not %s",
                      json_kind_name(v->kind));
    if (check_members(x, v, "the inputs", keys, 4) != 0)
        return -1;
    const json_value_t *os = json_get(v, "operand_stack"), *as = json_get(v, "advice_stack");
    const json_value_t *am = json_get(v, "advice_map"), *ms = json_get(v, "merkle_store");
    if (get_felts(x, os, "operand_stack", 16, 0, NULL) != 0 ||
        get_felts(x, as, "advice_stack", SIZE_MAX, 0, NULL) != 0)
        return -1;
    if (am->kind != JSON_OBJECT)
        return at_err(x, am->line, am->col, "\"advice_map\" must be an object");
    char b[72];
    for (size_t i = 0; i < am->n; i++) {
        const json_key_t *ki = &am->key_info[i];
        const char *k = am->keys[i];
        if (ki->len != 66 || k[0] != '0' || k[1] != 'x' || !is_hex64(k + 2, 64))
            return at_err(x, ki->line, ki->col, "advice_map key \"%s\" is not 0x and 64 "
                          "lowercase hex digits", shown(k, ki->len, b));
        const json_value_t *vals = am->items[i];
        if (vals->kind != JSON_ARRAY)
            return at_err(x, vals->line, vals->col, "advice_map value must be an array of "
                          "integers");
        for (size_t j = 0; j < vals->n; j++)
            if (felt_number(vals->items[j], NULL) != 0)
                return at_err(x, vals->items[j]->line, vals->items[j]->col, "advice_map value "
                              "item %zu is not a field element (a JSON integer below p)", j);
    }
    map_entry_t *ent = malloc((am->n ? am->n : 1) * sizeof *ent);
    if (!ent)
        return file_err(err, err_len, path, "out of memory");
    for (size_t i = 0; i < am->n; i++)
        ent[i] = (map_entry_t){ am->keys[i], am->items[i] };
    qsort(ent, am->n, sizeof *ent, cmp_entry);
    for (size_t i = 1; i < am->n; i++)
        if (!strcmp(ent[i].key, ent[i - 1].key)) {
            at_err(x, ent[i].val->line, ent[i].val->col, "advice_map key %s appears twice",
                   ent[i].key);
            free(ent);
            return -1;
        }
    /* upstream's InputFile form (io/merkle_inputs.h), its trees built to
       check them; kept as the compact text, NULL for null or [] */
    merkle_data_t *md = NULL;
    size_t n_md = 0;
    int mline = 0, mcol = 0;
    char mwhy[512];
    if (merkle_inputs_read(ms, NULL, &md, &n_md, &mline, &mcol, mwhy, sizeof mwhy) != 0) {
        free(ent);
        return at_err(x, mline, mcol, "merkle_store: %s", mwhy);
    }
    char *ms_text = n_md ? merkle_inputs_json(md, n_md) : NULL;
    merkle_data_free(md, n_md);
    if (n_md && !ms_text) {
        free(ent);
        return file_err(err, err_len, path, "out of memory");
    }
    json_writer_t w;
    json_writer_init_buffer(&w, 0);
    write_felt_array(&w, os);
    *operand_stack = take_compact(&w);
    json_writer_init_buffer(&w, 0);
    write_felt_array(&w, as);
    *advice_stack = take_compact(&w);
    json_writer_init_buffer(&w, 0);
    /* The corpus keeps advice-map values as JSON numbers, as upstream's
       InputFile has them (spec/corpus.md); they are canonical felts here. */
    json_w_begin_object(&w);
    for (size_t i = 0; i < am->n; i++) {
        json_w_key(&w, ent[i].key);
        json_w_begin_array(&w);
        for (size_t j = 0; j < ent[i].val->n; j++) {
            felt_t f;
            felt_number(ent[i].val->items[j], &f);
            json_w_uint(&w, f);
        }
        json_w_end_array(&w);
    }
    json_w_end_object(&w);
    *advice_map = take_compact(&w);
    free(ent);
    if (!*operand_stack || !*advice_stack || !*advice_map) {
        free(*operand_stack);
        free(*advice_stack);
        free(*advice_map);
        free(ms_text);
        *operand_stack = *advice_stack = *advice_map = NULL;
        return file_err(err, err_len, path, "out of memory");
    }
    *merkle_store = ms_text;
    return 0;
}

/* ---- a case ------------------------------------------------------------------- */

/* Which case file a name is: 0 not one; 1 a fixed name; 2 libK.mast (K in
 * *lib, canonical decimal below CORPUS_MAX_LIBS). */
static int file_kind(const char *s, size_t len, unsigned *lib)
{
    static const char *const fixed[] = { "program.txt", "program.masb", "source.masm",
                                         "inputs.json", "trace.csv", "contexts.ftctx" };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (len == strlen(fixed[i]) && !memcmp(s, fixed[i], len))
            return 1;
    if (len < 9 || len > 10 || memcmp(s, "lib", 3) || memcmp(s + len - 5, ".mast", 5))
        return 0;
    unsigned k = 0;
    for (size_t i = 3; i < len - 5; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        k = k * 10 + (unsigned)(s[i] - '0');
    }
    if ((len == 10 && s[3] == '0') || k >= CORPUS_MAX_LIBS)
        return 0;
    *lib = k;
    return 2;
}

int manifest_find_file(const manifest_case_t *c, const char *name)
{
    for (size_t i = 0; i < c->n_files; i++)
        if (!strcmp(c->files[i].name, name))
            return (int)i;
    return -1;
}

static int parse_expected(const ctx_t *x, const json_value_t *e, manifest_case_t *k, int *failed)
{
    static const char *const ok_keys[] = { "outcome", "stack_outputs", "cycles", "trace_rows",
                                           "trace_sha256", "trace_file" };
    static const char *const err_keys[] = { "outcome", "error_kind", "clk" };
    if (e->kind != JSON_OBJECT)
        return at_err(x, e->line, e->col, "\"expected\" must be an object");
    const json_value_t *o = json_get(e, "outcome");
    if (!o)
        return at_err(x, e->line, e->col, "\"expected\" lacks \"outcome\"");
    if (o->kind != JSON_STRING || (strcmp(o->text, "ok") && strcmp(o->text, "error")))
        return at_err(x, o->line, o->col, "\"outcome\" must be \"ok\" or \"error\"");
    k->ok = !strcmp(o->text, "ok");
    if (k->ok) {
        if (check_members(x, e, "\"expected\"", ok_keys, 6) != 0 ||
            get_felts(x, json_get(e, "stack_outputs"), "stack_outputs", CORPUS_STACK_OUTPUTS, 1,
                      k->stack_outputs) != 0 ||
            get_uint(x, json_get(e, "cycles"), "cycles", 0, UINT64_C(1) << 32, &k->cycles) != 0)
            return -1;
        const json_value_t *r = json_get(e, "trace_rows");
        if (get_uint(x, r, "trace_rows", 64, UINT64_C(1) << 32, &k->trace_rows) != 0)
            return -1;
        if (k->trace_rows & (k->trace_rows - 1))
            return at_err(x, r->line, r->col, "\"trace_rows\" must be a power of two");
        if (get_sha(x, json_get(e, "trace_sha256"), "trace_sha256", k->trace_sha256) != 0)
            return -1;
        const json_value_t *f = json_get(e, "trace_file");
        if (f->kind != JSON_NULL && (f->kind != JSON_STRING || strcmp(f->text, "trace.csv") ||
                                     !no_nul(f)))
            return at_err(x, f->line, f->col, "\"trace_file\" must be \"trace.csv\" or null");
        k->has_trace_file = f->kind == JSON_STRING;
        return 0;
    }
    if (check_members(x, e, "\"expected\"", err_keys, 3) != 0)
        return -1;
    const json_value_t *ek = json_get(e, "error_kind"), *clk = json_get(e, "clk");
    exec_error_kind_t kind;
    if (ek->kind != JSON_STRING || !no_nul(ek) || exec_error_kind_parse(ek->text, &kind) != 0 ||
        kind == XERR_NONE)
        return at_err(x, ek->line, ek->col, "\"error_kind\" must be the name of an error kind "
                      "(failed_assertion, not_u32, ...)");
    if (clk->kind != JSON_NULL) {
        if (get_uint(x, clk, "clk", 0, FELT_P - 1, &k->error_clk) != 0)
            return -1;
        k->has_error_clk = 1;
    }
    k->error_kind = dup_or_oom(x, ek->text, failed);
    return *failed ? -1 : 0;
}

static int parse_files(const ctx_t *x, const json_value_t *f, manifest_case_t *k)
{
    char b[72];
    if (f->kind != JSON_OBJECT)
        return at_err(x, f->line, f->col, "\"files\" must be an object");
    for (size_t i = 0; i < f->n; i++) {
        const json_key_t *ki = &f->key_info[i];
        unsigned lib;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(f->keys[j], f->keys[i]))
                return at_err(x, ki->line, ki->col, "duplicate key \"%s\" in \"files\"",
                              shown(f->keys[i], ki->len, b));
        if (strlen(f->keys[i]) != ki->len || !file_kind(f->keys[i], ki->len, &lib))
            return at_err(x, ki->line, ki->col, "unknown file \"%s\" in \"files\" (written by a "
                          "newer fragtrace?)", shown(f->keys[i], ki->len, b));
        const json_value_t *h = f->items[i];
        if (h->kind != JSON_STRING || !is_hex64(h->text, h->len))
            return at_err(x, h->line, h->col, "the SHA-256 of %s must be 64 lowercase hex digits",
                          f->keys[i]);
        /* The names are distinct known names: never more than MANIFEST_MAX_FILES. */
        manifest_file_t *mf = &k->files[k->n_files++];
        memcpy(mf->name, f->keys[i], ki->len + 1);
        memcpy(mf->sha256, h->text, 65);
    }
    return 0;
}

static int parse_libraries(const ctx_t *x, const json_value_t *a, const json_value_t *files,
                           manifest_case_t *k)
{
    if (a->kind != JSON_ARRAY || a->n > CORPUS_MAX_LIBS)
        return at_err(x, a->line, a->col, "\"libraries\" must be an array of at most %d file "
                      "names", CORPUS_MAX_LIBS);
    for (size_t i = 0; i < a->n; i++) {
        char want[MANIFEST_FILE_NAME_MAX];
        snprintf(want, sizeof want, "lib%u.mast", (unsigned)i % 100u);
        const json_value_t *s = a->items[i];
        if (s->kind != JSON_STRING || strcmp(s->text, want) || !no_nul(s))
            return at_err(x, s->line, s->col, "\"libraries\" item %zu must be \"%s\"", i, want);
        if (manifest_find_file(k, want) < 0)
            return at_err(x, files->line, files->col, "\"files\" lacks %s (in \"libraries\")",
                          want);
    }
    k->n_libs = (unsigned)a->n;
    for (size_t i = 0; i < k->n_files; i++) {
        unsigned lib;
        if (file_kind(k->files[i].name, strlen(k->files[i].name), &lib) == 2 && lib >= k->n_libs)
            return at_err(x, files->line, files->col, "\"files\" lists %s, which \"libraries\" "
                          "does not", k->files[i].name);
    }
    return 0;
}

static int parse_case(const ctx_t *x, const json_value_t *c, manifest_case_t *k)
{
    static const char *const keys[] = { "name", "program", "tags", "provenance", "program_hash",
                                        "program_text", "files", "libraries", "inputs",
                                        "fragment_size", "expected" };
    int failed = 0;
    if (c->kind != JSON_OBJECT)
        return at_err(x, c->line, c->col, "a case must be an object, not %s",
                      json_kind_name(c->kind));
    k->line = c->line;
    k->col = c->col;
    if (check_members(x, c, "a case", keys, sizeof keys / sizeof keys[0]) != 0)
        return -1;
    const char *name, *program, *prov, *text;
    const json_value_t *nv = json_get(c, "name"), *pv = json_get(c, "program");
    if (get_string(x, c, "name", 0, &name) != 0)
        return -1;
    if (!corpus_name_ok(name))
        return at_err(x, nv->line, nv->col, "case name \"%s\" is not 1 to %d characters of "
                      "A-Z a-z 0-9 _ - . (not starting with '.')", name, CORPUS_NAME_MAX);
    if (get_string(x, c, "program", 0, &program) != 0)
        return -1;
    if (!corpus_name_ok(program))
        return at_err(x, pv->line, pv->col, "program name \"%s\" is not valid", program);
    k->name = dup_or_oom(x, name, &failed);
    k->program = dup_or_oom(x, program, &failed);
    if (failed)
        return -1;

    const json_value_t *tags = json_get(c, "tags");
    if (tags->kind != JSON_ARRAY)
        return at_err(x, tags->line, tags->col, "\"tags\" must be an array of strings");
    k->tags = calloc(tags->n ? tags->n : 1, sizeof *k->tags);
    if (!k->tags)
        return at_err(x, tags->line, tags->col, "out of memory");
    for (size_t i = 0; i < tags->n; i++) {
        const json_value_t *t = tags->items[i];
        int bad = t->kind != JSON_STRING || t->len == 0;
        for (size_t j = 0; !bad && j < t->len; j++)
            bad = (unsigned char)t->text[j] < 0x20 || t->text[j] == ',';
        if (bad)
            return at_err(x, t->line, t->col, "a tag must be a non-empty string without ',' or "
                          "control characters");
        k->tags[k->n_tags++] = dup_or_oom(x, t->text, &failed);
        if (failed)
            return -1;
    }

    const json_value_t *pr = json_get(c, "provenance");
    if (get_string(x, c, "provenance", 0, &prov) != 0)
        return -1;
    if (strcmp(prov, FRAGTRACE_VM_VERSION) && (strncmp(prov, "fragtrace ", 10) || !prov[10]))
        return at_err(x, pr->line, pr->col, "\"provenance\" must be \"%s\" or \"fragtrace "
                      "VERSION\"", FRAGTRACE_VM_VERSION);
    k->provenance = dup_or_oom(x, prov, &failed);
    if (failed)
        return -1;

    if (get_felts(x, json_get(c, "program_hash"), "program_hash", 4, 1, k->program_hash.v) != 0)
        return -1;
    if (get_string(x, c, "program_text", 1, &text) != 0)
        return -1;
    if (text && !(k->program_text = dup_or_oom(x, text, &failed)))
        return -1;

    const json_value_t *files = json_get(c, "files");
    if (parse_files(x, files, k) != 0 ||
        parse_libraries(x, json_get(c, "libraries"), files, k) != 0)
        return -1;
    if (manifest_inputs_canon(json_get(c, "inputs"), x->path, &k->operand_stack,
                              &k->advice_stack, &k->advice_map, &k->merkle_store, x->err,
                              x->err_len) != 0)
        return -1;
    if (get_uint(x, json_get(c, "fragment_size"), "fragment_size", 1, UINT64_C(1) << 32,
                 &k->fragment_size) != 0)
        return -1;
    if (parse_expected(x, json_get(c, "expected"), k, &failed) != 0)
        return -1;

    /* What files says must agree with the rest of the case. */
    const int txt = manifest_find_file(k, "program.txt") >= 0;
    const int trace = manifest_find_file(k, "trace.csv");
    if (manifest_find_file(k, "inputs.json") < 0)
        return at_err(x, files->line, files->col, "\"files\" lacks inputs.json");
    if (txt != (k->program_text != NULL))
        return at_err(x, files->line, files->col, txt ? "\"files\" lists program.txt but "
                      "\"program_text\" is null" : "\"program_text\" is a string but \"files\" "
                      "lacks program.txt");
    if (!txt && manifest_find_file(k, "program.masb") < 0)
        return at_err(x, files->line, files->col, "\"files\" lists neither program.txt nor "
                      "program.masb");
    if ((trace >= 0) != k->has_trace_file)
        return at_err(x, files->line, files->col, trace >= 0 ? "\"files\" lists trace.csv but "
                      "\"expected\" has no \"trace_file\"" : "\"expected\".\"trace_file\" is "
                      "trace.csv but \"files\" lacks it");
    if (trace >= 0 && strcmp(k->files[trace].sha256, k->trace_sha256))
        return at_err(x, files->line, files->col, "the SHA-256 of trace.csv differs from "
                      "\"trace_sha256\" (trace.csv is the canonical trace text)");
    return 0;
}

/* ---- the manifest ------------------------------------------------------------- */

static void case_free(manifest_case_t *k)
{
    free(k->name);
    free(k->program);
    for (size_t i = 0; i < k->n_tags; i++)
        free(k->tags[i]);
    free(k->tags);
    free(k->provenance);
    free(k->program_text);
    free(k->operand_stack);
    free(k->advice_stack);
    free(k->advice_map);
    free(k->merkle_store);
    free(k->error_kind);
}

void manifest_free(manifest_t *m)
{
    for (size_t i = 0; i < m->n_cases; i++)
        case_free(&m->cases[i]);
    free(m->cases);
    free(m->dir);
    free(m->path);
    free(m->generator);
    memset(m, 0, sizeof *m);
}

typedef struct {
    const char *name;
    size_t index;
} name_ref_t;

static int cmp_name_ref(const void *a, const void *b)
{
    const name_ref_t *x = a, *y = b;
    const int c = strcmp(x->name, y->name);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int parse_top(const ctx_t *x, const json_value_t *root, manifest_t *m)
{
    static const char *const keys[] = { "format", "format_version", "vm", "generator",
                                        "field_modulus", "trace_width", "columns",
                                        "conventions", "cases" };
    if (root->kind != JSON_OBJECT)
        return at_err(x, root->line, root->col, "the manifest must be a JSON object");
    /* format and its version first: a newer format may differ in anything else. */
    const json_value_t *f = json_get(root, "format"), *fv = json_get(root, "format_version");
    if (!f || f->kind != JSON_STRING || strcmp(f->text, MANIFEST_FORMAT) || !no_nul(f))
        return at_err(x, f ? f->line : root->line, f ? f->col : root->col, "\"format\" must be "
                      "\"%s\" (not a fragtrace vectors manifest)", MANIFEST_FORMAT);
    if (!fv)
        return at_err(x, root->line, root->col, "the manifest lacks \"format_version\"");
    /* JSON forbids leading zeros, so a digits-only number other than "0"
       and "1" is a larger integer: a later version of the format. */
    const int digits = fv->kind == JSON_NUMBER && strspn(fv->text, "0123456789") == fv->len;
    if (digits && strcmp(fv->text, "0") && strcmp(fv->text, "1"))
        return at_err(x, fv->line, fv->col, "format_version %s is newer than this fragtrace "
                      "reads (%d)", fv->text, MANIFEST_FORMAT_VERSION);
    if (!digits || strcmp(fv->text, "1"))
        return at_err(x, fv->line, fv->col, "\"format_version\" must be the integer %d",
                      MANIFEST_FORMAT_VERSION);
    if (check_members(x, root, "the manifest", keys, sizeof keys / sizeof keys[0]) != 0)
        return -1;

    const char *s;
    const json_value_t *v = json_get(root, "vm");
    if (get_string(x, root, "vm", 0, &s) != 0)
        return -1;
    if (strcmp(s, FRAGTRACE_VM_VERSION))
        return at_err(x, v->line, v->col, "\"vm\" is \"%s\"; this fragtrace reproduces %s", s,
                      FRAGTRACE_VM_VERSION);
    v = json_get(root, "generator");
    if (get_string(x, root, "generator", 0, &s) != 0)
        return -1;
    if (strncmp(s, "fragtrace ", 10) || !s[10])
        return at_err(x, v->line, v->col, "\"generator\" must be \"fragtrace VERSION\"");
    if (!(m->generator = strdup(s)))
        return at_err(x, v->line, v->col, "out of memory");
    v = json_get(root, "field_modulus");
    if (v->kind != JSON_STRING || strcmp(v->text, MANIFEST_FIELD_MODULUS) || !no_nul(v))
        return at_err(x, v->line, v->col, "\"field_modulus\" must be \"%s\"",
                      MANIFEST_FIELD_MODULUS);
    uint64_t width;
    if (get_uint(x, json_get(root, "trace_width"), "trace_width", TRACE_NUM_COLUMNS,
                 TRACE_NUM_COLUMNS, &width) != 0)
        return -1;
    v = json_get(root, "columns");
    if (v->kind != JSON_ARRAY || v->n != TRACE_NUM_COLUMNS)
        return at_err(x, v->line, v->col, "\"columns\" must be an array of the %d column names",
                      TRACE_NUM_COLUMNS);
    for (int c = 0; c < TRACE_NUM_COLUMNS; c++) {
        const json_value_t *n = v->items[c];
        if (n->kind != JSON_STRING || strcmp(n->text, trace_column_name(c)) || !no_nul(n))
            return at_err(x, n->line, n->col, "column %d must be \"%s\"", c,
                          trace_column_name(c));
    }
    v = json_get(root, "conventions");
    if (v->kind != JSON_OBJECT)
        return at_err(x, v->line, v->col, "\"conventions\" must be an object of strings");
    for (size_t i = 0; i < v->n; i++) {
        char b[72];
        for (size_t j = 0; j < i; j++)
            if (v->key_info[j].len == v->key_info[i].len &&
                !memcmp(v->keys[j], v->keys[i], v->key_info[i].len))
                return at_err(x, v->key_info[i].line, v->key_info[i].col, "duplicate key \"%s\" "
                              "in \"conventions\"", shown(v->keys[i], v->key_info[i].len, b));
        if (v->items[i]->kind != JSON_STRING)
            return at_err(x, v->items[i]->line, v->items[i]->col, "\"conventions\" values must "
                          "be strings");
    }

    v = json_get(root, "cases");
    if (v->kind != JSON_ARRAY)
        return at_err(x, v->line, v->col, "\"cases\" must be an array");
    m->cases = calloc(v->n ? v->n : 1, sizeof *m->cases);
    if (!m->cases)
        return at_err(x, v->line, v->col, "out of memory");
    for (size_t i = 0; i < v->n; i++) {
        m->n_cases = i + 1;   /* case i is freed with the rest even when half filled */
        if (parse_case(x, v->items[i], &m->cases[i]) != 0)
            return -1;
    }
    name_ref_t *refs = malloc((m->n_cases ? m->n_cases : 1) * sizeof *refs);
    if (!refs)
        return at_err(x, v->line, v->col, "out of memory");
    for (size_t i = 0; i < m->n_cases; i++)
        refs[i] = (name_ref_t){ m->cases[i].name, i };
    qsort(refs, m->n_cases, sizeof *refs, cmp_name_ref);
    for (size_t i = 1; i < m->n_cases; i++)
        if (!strcmp(refs[i].name, refs[i - 1].name)) {
            const manifest_case_t *a = &m->cases[refs[i - 1].index];
            const manifest_case_t *b = &m->cases[refs[i].index];
            free(refs);
            return at_err(x, b->line, b->col, "case name \"%s\" appears twice (also at %d:%d)",
                          b->name, a->line, a->col);
        }
    free(refs);
    return 0;
}

int manifest_parse(const char *dir, const char *path, const char *text, size_t len, manifest_t *m,
                   char *err, size_t err_len)
{
    memset(m, 0, sizeof *m);
    const ctx_t x = { path, err, err_len };
    char why[512];
    json_value_t *root = json_parse(text, len, why, sizeof why);
    if (!root) {
        snprintf(err, err_len, "%s:%s", path, why);
        return -1;
    }
    /* "DIR/" names the same directory as "DIR"; messages read better without "//". */
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    m->dir = strndup(dir, n);
    m->path = strdup(path);
    int rc = (!m->dir || !m->path) ? file_err(err, err_len, path, "out of memory")
                                   : parse_top(&x, root, m);
    json_free(root);
    if (rc != 0)
        manifest_free(m);
    return rc;
}

int manifest_read(const char *dir, manifest_t *m, char *err, size_t err_len)
{
    memset(m, 0, sizeof *m);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    char *bare = strndup(dir, n);
    char *path = bare ? join_path(bare, "manifest.json") : NULL;
    free(bare);
    if (!path)
        return file_err(err, err_len, dir, "out of memory");
    size_t len;
    char *text = file_read_all(path, MANIFEST_MAX_BYTES, &len, err, err_len);
    int rc = -1;
    if (text)
        rc = manifest_parse(dir, path, text, len, m, err, err_len);
    free(text);
    free(path);
    return rc;
}

/* ---- the files ------------------------------------------------------------------ */

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int manifest_check_dir(const manifest_t *m, char *err, size_t err_len)
{
    char *cases = join_path(m->dir, "cases");
    const char **names = malloc((m->n_cases ? m->n_cases : 1) * sizeof *names);
    int rc = -1;
    DIR *d = NULL;
    struct dirent *e;
    struct stat sb;
    if (!cases || !names) {
        file_err(err, err_len, m->dir, "out of memory");
        goto out;
    }
    if (!(d = opendir(m->dir))) {
        file_err(err, err_len, m->dir, "cannot open: %s", strerror(errno));
        goto out;
    }
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            !strcmp(e->d_name, "manifest.json"))
            continue;
        if (strcmp(e->d_name, "cases")) {
            snprintf(err, err_len, "%s/%s: not part of a vectors directory (only manifest.json "
                     "and cases/ are)", m->dir, e->d_name);
            goto out;
        }
    }
    closedir(d);
    d = NULL;
    if (lstat(cases, &sb) != 0) {
        if (errno == ENOENT && m->n_cases == 0)
            rc = 0;
        else
            file_err(err, err_len, cases, "%s", errno == ENOENT ? "missing" : strerror(errno));
        goto out;
    }
    if (!S_ISDIR(sb.st_mode)) {
        file_err(err, err_len, cases, "not a directory");
        goto out;
    }
    for (size_t i = 0; i < m->n_cases; i++)
        names[i] = m->cases[i].name;
    qsort(names, m->n_cases, sizeof *names, cmp_str_ptr);
    if (!(d = opendir(cases))) {
        file_err(err, err_len, cases, "cannot open: %s", strerror(errno));
        goto out;
    }
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, ".."))
            continue;
        if (!bsearch(&n, names, m->n_cases, sizeof *names, cmp_str_ptr)) {
            snprintf(err, err_len, "%s/%s: not a case of the manifest", cases, n);
            goto out;
        }
    }
    for (size_t i = 0; i < m->n_cases; i++) {
        char *p = join_path(cases, m->cases[i].name);
        const int st = p ? lstat(p, &sb) : -1;
        const int bad = !p || st != 0 || !S_ISDIR(sb.st_mode);
        if (bad)
            snprintf(err, err_len, "%s/%s: %s", cases, m->cases[i].name,
                     !p ? "out of memory" : st != 0 ? "missing (the manifest lists the case)"
                                                    : "not a directory");
        free(p);
        if (bad)
            goto out;
    }
    rc = 0;
out:
    if (d)
        closedir(d);
    free(names);
    free(cases);
    return rc;
}

void manifest_data_free(manifest_data_t *d)
{
    free(d->masb);
    free(d->source);
    for (unsigned i = 0; i < CORPUS_MAX_LIBS; i++)
        free(d->libs[i]);
    free(d->contexts);
    free(d->trace);
    memset(d, 0, sizeof *d);
}

/* SHA-256 of a whole file, streamed. */
static int hash_file(const char *path, char hex[65], char *err, size_t err_len)
{
    FILE *f = file_open_read(path, err, err_len);
    if (!f)
        return -1;
    enum { CHUNK = 1 << 16 };
    unsigned char *buf = malloc(CHUNK);
    if (!buf) {
        fclose(f);
        return file_err(err, err_len, path, "out of memory");
    }
    sha256_ctx_t c;
    sha256_init(&c);
    size_t got;
    while ((got = fread(buf, 1, CHUNK, f)) > 0)
        sha256_update(&c, buf, got);
    const int bad = ferror(f);
    free(buf);
    fclose(f);
    if (bad)
        return file_err(err, err_len, path, "read error");
    uint8_t dig[32];
    sha256_final(&c, dig);
    sha256_hex(dig, hex);
    return 0;
}

/* trace.csv: 72 columns, trace_rows rows, hashing to trace_sha256; *cols
 * the trace column-major (when cols is non-NULL). */
static int check_trace(const char *path, const manifest_case_t *k, felt_t **cols, char *err,
                       size_t err_len)
{
    csv_trace_t t;
    if (trace_csv_read(path, TRACE_NUM_COLUMNS, &t, err, err_len) != 0)
        return -1;
    if (t.rows != k->trace_rows) {
        file_err(err, err_len, path, "%zu rows, the manifest's trace_rows is %llu", t.rows,
                 (unsigned long long)k->trace_rows);
        trace_csv_free(&t);
        return -1;
    }
    felt_t *c = malloc(t.rows * TRACE_NUM_COLUMNS * sizeof *c);
    if (!c) {
        trace_csv_free(&t);
        return file_err(err, err_len, path, "out of memory");
    }
    for (size_t r = 0; r < t.rows; r++)
        for (size_t j = 0; j < TRACE_NUM_COLUMNS; j++)
            c[j * t.rows + r] = t.cells[r * TRACE_NUM_COLUMNS + j];
    trace_csv_free(&t);
    char hex[65];
    trace_text_sha256(c, k->trace_rows, hex);
    if (strcmp(hex, k->trace_sha256)) {
        free(c);
        return file_err(err, err_len, path, "the trace's canonical text hashes to %s, not to "
                        "trace_sha256 %s", hex, k->trace_sha256);
    }
    if (cols)
        *cols = c;
    else
        free(c);
    return 0;
}

/* The case folder holds nothing unlisted, and only regular files. */
static int check_listing(const char *folder, const manifest_case_t *k, char *err, size_t err_len)
{
    DIR *d = opendir(folder);
    if (!d)
        return file_err(err, err_len, folder, "cannot open: %s", strerror(errno));
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (manifest_find_file(k, e->d_name) < 0) {
            snprintf(err, err_len, "%s/%s: not listed in the manifest", folder, e->d_name);
            rc = -1;
        }
    }
    closedir(d);
    return rc;
}

int manifest_check_case(const manifest_t *m, size_t i, manifest_data_t *data, char *err,
                        size_t err_len)
{
    const manifest_case_t *k = &m->cases[i];
    char folder[4096], path[4200];
    if (data)
        memset(data, 0, sizeof *data);
    if ((size_t)snprintf(folder, sizeof folder, "%s/cases/%s", m->dir, k->name) >= sizeof folder)
        return file_err(err, err_len, m->dir, "path too long");
    if (check_listing(folder, k, err, err_len) != 0)
        return -1;
    manifest_data_t tmp;
    manifest_data_t *d = data ? data : &tmp;
    memset(d, 0, sizeof *d);
    int rc = -1;
    for (size_t f = 0; f < k->n_files; f++) {
        const char *name = k->files[f].name;
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", folder, name);
        if (lstat(path, &sb) != 0) {
            file_err(err, err_len, path, "%s", errno == ENOENT ? "listed in the manifest but "
                     "missing" : strerror(errno));
            goto out;
        }
        if (!S_ISREG(sb.st_mode)) {
            file_err(err, err_len, path, "not a regular file");
            goto out;
        }
        char hex[65];
        unsigned char *bytes = NULL;
        size_t len = 0;
        unsigned lib = 0;
        const int kind = file_kind(name, strlen(name), &lib);
        /* trace.csv is hashed as a stream (it can be large); the rest is read whole. */
        if (!strcmp(name, "trace.csv")) {
            if (hash_file(path, hex, err, err_len) != 0)
                goto out;
        } else {
            bytes = (unsigned char *)file_read_all(path, CASE_FILE_MAX, &len, err, err_len);
            if (!bytes)
                goto out;
            sha256_buffer_hex(bytes, len, hex);
        }
        if (strcmp(hex, k->files[f].sha256)) {
            free(bytes);
            file_err(err, err_len, path, "SHA-256 differs from the manifest (truncated or "
                     "changed)");
            goto out;
        }
        if (!strcmp(name, "program.txt")) {
            const int same = len == strlen(k->program_text) && !memcmp(bytes, k->program_text, len);
            free(bytes);
            if (!same) {
                file_err(err, err_len, path, "differs from the case's program_text in the "
                         "manifest");
                goto out;
            }
        } else if (!strcmp(name, "inputs.json")) {
            char why[512];
            json_value_t *v = json_parse((const char *)bytes, len, why, sizeof why);
            free(bytes);
            char *os, *as, *am, *ms;
            if (!v) {
                snprintf(err, err_len, "%s:%s", path, why);
                goto out;
            }
            const int bad = manifest_inputs_canon(v, path, &os, &as, &am, &ms, err, err_len);
            json_free(v);
            if (bad)
                goto out;
            const int same = !strcmp(os, k->operand_stack) && !strcmp(as, k->advice_stack) &&
                             !strcmp(am, k->advice_map);
            free(os);
            free(as);
            free(am);
            free(ms);
            if (!same) {
                file_err(err, err_len, path, "differs from the case's inputs in the manifest");
                goto out;
            }
        } else if (!strcmp(name, "trace.csv")) {
            if (check_trace(path, k, data ? &d->trace : NULL, err, err_len) != 0)
                goto out;
        } else if (!data) {
            free(bytes);
        } else if (!strcmp(name, "program.masb")) {
            d->masb = bytes, d->masb_len = len;
        } else if (!strcmp(name, "source.masm")) {
            if (memchr(bytes, '\0', len)) {
                free(bytes);
                file_err(err, err_len, path, "holds a NUL byte (MASM source is text)");
                goto out;
            }
            d->source = (char *)bytes;   /* file_read_all NUL-terminates */
        } else if (!strcmp(name, "contexts.ftctx")) {
            d->contexts = bytes, d->contexts_len = len;
        } else if (kind == 2) {
            d->libs[lib] = bytes, d->lib_len[lib] = len;
        } else {
            free(bytes);
        }
    }
    rc = 0;
out:
    if (rc != 0 || !data)
        manifest_data_free(d);
    return rc;
}

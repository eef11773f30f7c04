/*
 * case_run.c - running one corpus case (case_run.h).
 */
#include "case_run.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "air/layout.h"
#include "exec/exec.h"
#include "field/felt_text.h"
#include "io/json.h"
#include "io/merkle_inputs.h"
#include "mast/forest.h"
#include "trace/context_file.h"
#include "trace/fragment.h"

static void set_err(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

/* ---- files ---------------------------------------------------------------- */

static int write_file(const char *path, const void *data, size_t len, char *err, size_t err_len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        set_err(err, err_len, "%s: cannot write: %s", path, strerror(errno ? errno : EIO));
        if (f)
            fclose(f);
        return -1;
    }
    return 0;
}

int case_files_write(const corpus_case_t *k, case_files_t *cf, char *err, size_t err_len)
{
    memset(cf, 0, sizeof *cf);
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    if ((size_t)snprintf(cf->dir, sizeof cf->dir, "%s/fragtrace-case-XXXXXX", tmp)
        >= sizeof cf->dir || !mkdtemp(cf->dir)) {
        set_err(err, err_len, "case %s: cannot make a temporary folder in %s: %s", k->name, tmp,
                strerror(errno));
        cf->dir[0] = 0;
        return -1;
    }
    /* The program file is named after the case, so run errors name it.
       (The folder is copied first: cf->dir and the paths share one struct,
       which snprintf's restrict parameters must not see.) */
    char dir[sizeof cf->dir];
    memcpy(dir, cf->dir, sizeof dir);
    if (k->text) {
        snprintf(cf->program, sizeof cf->program, "%s/%s.masm", dir, k->name);
        if (write_file(cf->program, k->text, strlen(k->text), err, err_len) != 0)
            goto fail;
    } else {
        snprintf(cf->program, sizeof cf->program, "%s/%s.masb", dir, k->name);
        if (write_file(cf->program, k->masb, k->masb_len, err, err_len) != 0)
            goto fail;
    }
    for (unsigned i = 0; i < k->n_libs; i++) {
        snprintf(cf->libs[i], sizeof cf->libs[i], "%s/lib%u.mast", dir, i);
        cf->n_libs = i + 1;
        if (write_file(cf->libs[i], k->libs[i], k->lib_len[i], err, err_len) != 0)
            goto fail;
    }
    return 0;
fail:
    case_files_remove(cf);
    return -1;
}

void case_files_remove(case_files_t *cf)
{
    if (!cf->dir[0])
        return;
    if (cf->program[0])
        unlink(cf->program);
    for (unsigned i = 0; i < cf->n_libs; i++)
        unlink(cf->libs[i]);
    rmdir(cf->dir);
    cf->dir[0] = 0;
}

/* ---- inputs ---------------------------------------------------------------- */

/* A JSON array of decimal strings into a felt list. */
static int felts_from_json(const json_value_t *v, felt_list_t *out)
{
    if (!v || v->kind != JSON_ARRAY)
        return -1;
    out->n = 0;
    out->v = v->n ? malloc(v->n * sizeof *out->v) : NULL;
    if (v->n && !out->v)
        return -1;
    for (size_t i = 0; i < v->n; i++)
        if (v->items[i]->kind != JSON_STRING ||
            felt_parse_dec(v->items[i]->text, v->items[i]->len, &out->v[i]) != 0) {
            free(out->v);
            out->v = NULL;
            return -1;
        }
    out->n = v->n;
    return 0;
}

/* A JSON integer (advice map values) that is a canonical felt. */
static int felt_from_number(const json_value_t *v, felt_t *out)
{
    uint64_t x;
    if (json_u64(v, &x) != 0 || x >= FELT_P)
        return -1;
    *out = x;
    return 0;
}

int case_inputs_to_args(const corpus_case_t *k, exec_args_t *a, char *err, size_t err_len)
{
    char why[256];
    json_value_t *st = json_parse(k->operand_stack, strlen(k->operand_stack), why, sizeof why);
    json_value_t *ad = json_parse(k->advice_stack, strlen(k->advice_stack), why, sizeof why);
    json_value_t *map = json_parse(k->advice_map, strlen(k->advice_map), why, sizeof why);
    const char *bad = NULL;
    if (felts_from_json(st, &a->stack) != 0 || a->stack.n > STACK_TOP)
        bad = "operand_stack";
    else if (felts_from_json(ad, &a->advice) != 0)
        bad = "advice_stack";
    else if (!map || map->kind != JSON_OBJECT)
        bad = "advice_map";
    if (!bad && map->n) {
        a->map_keys = calloc(map->n, sizeof *a->map_keys);
        a->map_values = calloc(map->n, sizeof *a->map_values);
        if (!a->map_keys || !a->map_values)
            bad = "advice_map (out of memory)";
        for (size_t i = 0; !bad && i < map->n; i++) {
            const json_value_t *vals = map->items[i];
            const char *key = map->keys[i];
            if (word_from_hex(key, strlen(key), &a->map_keys[i]) != 0 ||
                vals->kind != JSON_ARRAY) {
                bad = "advice_map";
                break;
            }
            a->n_map = i + 1;
            felt_list_t *l = &a->map_values[i];
            l->v = vals->n ? malloc(vals->n * sizeof *l->v) : NULL;
            if (vals->n && !l->v) {
                bad = "advice_map (out of memory)";
                break;
            }
            for (size_t j = 0; j < vals->n && !bad; j++)
                if (felt_from_number(vals->items[j], &l->v[j]) != 0)
                    bad = "advice_map";
            l->n = bad ? 0 : vals->n;
        }
    }
    json_free(st);
    json_free(ad);
    json_free(map);
    /* the Merkle store: its entries as the .inputs file gives them, built once */
    if (!bad && k->merkle_store) {
        json_value_t *ms = json_parse(k->merkle_store, strlen(k->merkle_store), why, sizeof why);
        int line, col;
        a->merkle_store = ms ? malloc(sizeof *a->merkle_store) : NULL;
        if (a->merkle_store)
            merkle_store_init(a->merkle_store);
        if (!a->merkle_store || merkle_inputs_read(ms, a->merkle_store, &a->merkle, &a->n_merkle,
                                                   &line, &col, why, sizeof why) != 0)
            bad = "merkle_store";
        json_free(ms);
    }
    if (bad) {
        set_err(err, err_len, "case %s: stored inputs: %s is malformed", k->name, bad);
        exec_args_free(a);
        return -1;
    }
    return 0;
}

/* Append to a growing string; -1 when out of memory. */
typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} strbuf_t;

static void sb_add(strbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(strbuf_t *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        const int w = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (w < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && b->n + (size_t)w < b->cap) {
            b->n += (size_t)w;
            return;
        }
        const size_t cap = (b->cap + (size_t)w + 64) * 2;
        char *g = realloc(b->s, cap);
        if (!g) {
            b->oom = 1;
            return;
        }
        b->s = g;
        b->cap = cap;
    }
}

static char *felts_json(const felt_t *v, size_t n, int quoted)
{
    strbuf_t b = { NULL, 0, 0, 0 };
    sb_add(&b, "[");
    for (size_t i = 0; i < n; i++)
        sb_add(&b, quoted ? "%s\"%" PRIu64 "\"" : "%s%" PRIu64, i ? "," : "", v[i]);
    sb_add(&b, "]");
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

typedef struct {
    char hex[67];
    const felt_list_t *values;
} map_entry_t;

static int map_entry_cmp(const void *x, const void *y)
{
    return strcmp(((const map_entry_t *)x)->hex, ((const map_entry_t *)y)->hex);
}

int case_inputs_from_args(const exec_args_t *a, corpus_case_t *k)
{
    k->operand_stack = felts_json(a->stack.v, a->stack.n, 1);
    k->advice_stack = felts_json(a->advice.v, a->advice.n, 1);
    map_entry_t *e = a->n_map ? calloc(a->n_map, sizeof *e) : NULL;
    strbuf_t b = { NULL, 0, 0, a->n_map && !e };
    for (size_t i = 0; e && i < a->n_map; i++) {
        word_to_hex(a->map_keys[i], e[i].hex);
        e[i].values = &a->map_values[i];
    }
    if (e)
        qsort(e, a->n_map, sizeof *e, map_entry_cmp);
    sb_add(&b, "{");
    for (size_t i = 0; e && i < a->n_map; i++) {
        char *vals = felts_json(e[i].values->v, e[i].values->n, 0);
        if (!vals)
            b.oom = 1;
        sb_add(&b, "%s\"%s\":%s", i ? "," : "", e[i].hex, vals ? vals : "");
        free(vals);
    }
    sb_add(&b, "}");
    free(e);
    if (b.oom) {
        free(b.s);
        b.s = NULL;
    }
    k->advice_map = b.s;
    /* NULL when there is none (absent, null or an empty list alike) */
    k->merkle_store = a->n_merkle ? merkle_inputs_json(a->merkle, a->n_merkle) : NULL;
    return k->operand_stack && k->advice_stack && k->advice_map &&
           (k->merkle_store || !a->n_merkle) ? 0 : -1;
}

/* ---- builds ---------------------------------------------------------------- */

void case_result_free(case_result_t *r)
{
    if (r->trace.cols)
        main_trace_free(&r->trace);
    free(r->contexts);
    memset(r, 0, sizeof *r);
}

static void failed(case_result_t *r, const vm_t *vm)
{
    r->ok = 0;
    r->kind = vm->err.kind;
    r->clk = vm->err.clk;
    vm_format_error(vm, r->message, sizeof r->message);
    if (r->trace.cols)
        main_trace_free(&r->trace);
    r->trace.cols = NULL;
}

static int contexts_bytes(const fragment_set_t *set, case_result_t *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return -1;
    const int bad = context_file_write(set, f) != 0;
    if (fclose(f) != 0 || bad) {
        free(buf);
        return -1;
    }
    r->contexts = (unsigned char *)buf;
    r->contexts_len = len;
    return 0;
}

int case_build(const exec_args_t *a, case_build_t how, uint64_t fragment, unsigned threads,
               const unsigned char *contexts, size_t contexts_len, int want_contexts,
               case_result_t *r, char *err, size_t err_len)
{
    memset(r, 0, sizeof *r);
    exec_args_t copy = *a;
    mast_forest_t f;
    vm_t *vm = program_prepare("corpus", &copy, &f);
    if (!vm) {
        set_err(err, err_len, "%s: cannot load the program (see the message above)", a->file);
        return -1;
    }
    int rc = 0;
    if (how == CASE_BUILD_SEQUENTIAL) {
        if (trace_build_sequential(vm, &r->trace) != 0)
            failed(r, vm);
        else
            r->ok = 1;
    } else if (how == CASE_BUILD_PARALLEL) {
        fragment_set_t set;
        char why[512] = "";
        if (fragment_record(vm, fragment, &set) != 0) {
            failed(r, vm);
        } else if (want_contexts && contexts_bytes(&set, r) != 0) {
            set_err(err, err_len, "%s: out of memory writing the fragment contexts", a->file);
            rc = -1;
        } else if (fragment_build_trace(vm->f, vm->file, &set, threads, &r->trace, why,
                                        sizeof why) != 0) {
            set_err(err, err_len, "%s: the parallel build failed: %s", a->file, why);
            rc = -1;
        } else {
            r->ok = 1;
        }
        fragment_set_free(&set);
    } else {
        fragment_set_t set;
        char why[512] = "";
        if (context_file_parse(contexts, contexts_len, 1, &set, why, sizeof why) != 0) {
            set_err(err, err_len, "stored fragment contexts: %s", why);
            rc = -1;
        } else {
            if (fragment_set_validate(vm->f, &set, why, sizeof why) != 0 ||
                fragment_build_trace(vm->f, vm->file, &set, threads, &r->trace, why,
                                     sizeof why) != 0) {
                set_err(err, err_len, "stored fragment contexts: %s", why);
                rc = -1;
            } else {
                r->ok = 1;
            }
            fragment_set_free(&set);
        }
    }
    if (rc == 0 && r->ok && how != CASE_BUILD_FROM_CONTEXTS) {
        r->have_outputs = 1;
        vm_outputs(vm, r->outputs);
        r->cycles = vm->clk;
    }
    if (rc != 0)
        case_result_free(r);
    program_release(vm, &f);
    return rc;
}

int case_trace_diff(const felt_t *want, const felt_t *got, uint64_t len, char *buf, size_t n)
{
    for (uint64_t r = 0; r < len; r++)
        for (int c = 0; c < TRACE_NUM_COLUMNS; c++) {
            const uint64_t at = (uint64_t)c * len + r;
            if (want[at] != got[at]) {
                snprintf(buf, n, "trace row %" PRIu64 "%s, column %d (%s): expected %" PRIu64
                         ", got %" PRIu64, r, r + 1 == len ? " (the random row)" : "", c,
                         trace_column_name(c), want[at], got[at]);
                return 1;
            }
        }
    return 0;
}

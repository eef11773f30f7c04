/*
 * json_write.c - see json_write.h.
 */
#include "json_write.h"

#include <stdlib.h>
#include <string.h>

#include "field/felt_text.h"
#include "io/json.h"
#include "util/grow.h"

static void fail(json_writer_t *w, const char *why)
{
    if (!w->error)
        w->error = why;
}

static void emit(json_writer_t *w, const char *s, size_t n)
{
    if (w->error || n == 0)
        return;
    if (w->f) {
        if (fwrite(s, 1, n, w->f) != n)
            fail(w, "write error");
        return;
    }
    /* +1 keeps room for the NUL that json_writer_take hands out. */
    if (n > SIZE_MAX - w->len - 1 ||
        grow_array((void **)&w->buf, &w->cap, w->len + n + 1, 1, 256) != 0) {
        fail(w, "out of memory");
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void emit_str(json_writer_t *w, const char *s) { emit(w, s, strlen(s)); }

static void newline_indent(json_writer_t *w, int depth)
{
    static const char spaces[] = "                                ";
    emit(w, "\n", 1);
    for (long n = (long)depth * w->indent; n > 0; n -= (long)(sizeof spaces - 1))
        emit(w, spaces, n < (long)(sizeof spaces - 1) ? (size_t)n : sizeof spaces - 1);
}

void json_writer_init_file(json_writer_t *w, FILE *f, int indent)
{
    memset(w, 0, sizeof *w);
    w->f = f;
    w->indent = indent > 0 ? indent : 0;
}

void json_writer_init_buffer(json_writer_t *w, int indent)
{
    json_writer_init_file(w, NULL, indent);
}

/* Before any value (or key): the separator and line break its position
 * needs. Values right after a key stay on the key's line. */
static void before_item(json_writer_t *w, int is_key)
{
    if (w->error)
        return;
    if (w->depth == 0) {
        if (w->top || is_key)
            fail(w, is_key ? "key outside an object" : "more than one top-level value");
        w->top = 1;
        return;
    }
    const int d = w->depth - 1;
    if (w->is_obj[d] && !is_key && !w->after_key) {
        fail(w, "object member without a key");
        return;
    }
    if (w->after_key) {
        if (is_key)
            fail(w, "key after key");
        w->after_key = 0;
        return;
    }
    if (is_key && !w->is_obj[d]) {
        fail(w, "key inside an array");
        return;
    }
    if (w->items[d])
        emit(w, ",", 1);
    w->items[d] = 1;
    if (w->indent)
        newline_indent(w, w->depth);
}

static void begin(json_writer_t *w, int obj)
{
    before_item(w, 0);
    if (w->error)
        return;
    if (w->depth >= JSON_MAX_DEPTH) {
        fail(w, "nesting too deep");
        return;
    }
    emit(w, obj ? "{" : "[", 1);
    w->is_obj[w->depth] = (unsigned char)obj;
    w->items[w->depth] = 0;
    w->depth++;
}

static void end(json_writer_t *w, int obj)
{
    if (w->error)
        return;
    if (w->depth == 0 || w->is_obj[w->depth - 1] != obj || w->after_key) {
        fail(w, "unbalanced container");
        return;
    }
    w->depth--;
    if (w->items[w->depth] && w->indent)
        newline_indent(w, w->depth);
    emit(w, obj ? "}" : "]", 1);
}

void json_w_begin_object(json_writer_t *w) { begin(w, 1); }
void json_w_end_object(json_writer_t *w) { end(w, 1); }
void json_w_begin_array(json_writer_t *w) { begin(w, 0); }
void json_w_end_array(json_writer_t *w) { end(w, 0); }

static void quoted(json_writer_t *w, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    /* Check first so that a bad string leaves no partial output behind. */
    for (size_t i = 0; i < n;) {
        const size_t k = json_utf8_len(u + i, n - i);
        if (k == 0) {
            fail(w, "string is not valid UTF-8");
            return;
        }
        i += k;
    }
    emit(w, "\"", 1);
    size_t run = 0;   /* start of the bytes not yet written */
    for (size_t i = 0; i < n; i++) {
        const unsigned char c = u[i];
        char esc[8];
        const char *e = NULL;
        switch (c) {
        case '"': e = "\\\""; break;
        case '\\': e = "\\\\"; break;
        case '\b': e = "\\b"; break;
        case '\f': e = "\\f"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        case '\t': e = "\\t"; break;
        default:
            if (c < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", c);
                e = esc;
            }
        }
        if (e) {
            emit(w, s + run, i - run);
            emit_str(w, e);
            run = i + 1;
        }
    }
    emit(w, s + run, n - run);
    emit(w, "\"", 1);
}

void json_w_key(json_writer_t *w, const char *key)
{
    before_item(w, 1);
    if (w->error)
        return;
    quoted(w, key, strlen(key));
    emit(w, w->indent ? ": " : ":", w->indent ? 2 : 1);
    w->after_key = 1;
}

void json_w_string_n(json_writer_t *w, const char *s, size_t n)
{
    before_item(w, 0);
    if (!w->error)
        quoted(w, s, n);
}

void json_w_string(json_writer_t *w, const char *s) { json_w_string_n(w, s, strlen(s)); }

void json_w_uint(json_writer_t *w, uint64_t v)
{
    char buf[24];
    before_item(w, 0);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    emit_str(w, buf);
}

void json_w_felt(json_writer_t *w, felt_t v)
{
    char buf[FELT_DEC_MAX];
    const size_t n = felt_format_dec(v, buf);
    json_w_string_n(w, buf, n);
}

void json_w_null(json_writer_t *w)
{
    before_item(w, 0);
    emit(w, "null", 4);
}

void json_w_bool(json_writer_t *w, int v)
{
    before_item(w, 0);
    emit_str(w, v ? "true" : "false");
}

void json_w_value(json_writer_t *w, const json_value_t *v)
{
    if (w->error)
        return;
    switch (v->kind) {
    case JSON_NULL: json_w_null(w); break;
    case JSON_FALSE: json_w_bool(w, 0); break;
    case JSON_TRUE: json_w_bool(w, 1); break;
    case JSON_NUMBER:
        before_item(w, 0);
        emit(w, v->text, v->len);
        break;
    case JSON_STRING: json_w_string_n(w, v->text, v->len); break;
    case JSON_ARRAY:
        json_w_begin_array(w);
        for (size_t i = 0; i < v->n; i++)
            json_w_value(w, v->items[i]);
        json_w_end_array(w);
        break;
    case JSON_OBJECT:
        json_w_begin_object(w);
        for (size_t i = 0; i < v->n && !w->error; i++) {
            /* A name holding "\u0000" cannot go through json_w_key's C string. */
            before_item(w, 1);
            if (w->error)
                break;
            quoted(w, v->keys[i], v->key_info[i].len);
            emit(w, w->indent ? ": " : ":", w->indent ? 2 : 1);
            w->after_key = 1;
            json_w_value(w, v->items[i]);
        }
        json_w_end_object(w);
        break;
    }
}

int json_writer_finish(json_writer_t *w, char *err, size_t err_len)
{
    if (!w->error && (w->depth != 0 || w->after_key))
        fail(w, "unclosed container");
    if (!w->error && !w->top)
        fail(w, "no value written");
    if (!w->error && w->indent)
        emit(w, "\n", 1);
    if (w->error) {
        snprintf(err, err_len, "%s", w->error);
        return -1;
    }
    return 0;
}

char *json_writer_take(json_writer_t *w, size_t *len)
{
    if (w->error || w->f) {
        json_writer_free(w);
        return NULL;
    }
    char *b = w->buf;
    if (!b)
        b = calloc(1, 1);
    if (len)
        *len = w->len;
    w->buf = NULL;
    w->len = w->cap = 0;
    return b;
}

void json_writer_free(json_writer_t *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

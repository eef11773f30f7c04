/*
 * json.c - see json.h. Recursive descent with an explicit depth limit.
 */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field/felt_text.h"
#include "util/grow.h"

typedef struct {
    const char *s;
    size_t len, pos;
    int line, col;
    char *err;
    size_t err_len;
    int failed;
} parser_t;

static void fail(parser_t *p, const char *msg)
{
    if (!p->failed)
        snprintf(p->err, p->err_len, "%d:%d: %s", p->line, p->col, msg);
    p->failed = 1;
}

static int peek(const parser_t *p) { return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1; }

static void advance(parser_t *p)
{
    if (p->pos >= p->len)
        return;
    if (p->s[p->pos] == '\n') {
        p->line++;
        p->col = 1;
    } else {
        p->col++;
    }
    p->pos++;
}

static void skip_ws(parser_t *p)
{
    for (int c = peek(p); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = peek(p))
        advance(p);
}

static json_value_t *new_value(parser_t *p, json_kind_t kind)
{
    json_value_t *v = calloc(1, sizeof *v);
    if (!v) {
        fail(p, "out of memory");
        return NULL;
    }
    v->kind = kind;
    v->line = p->line;
    v->col = p->col;
    return v;
}

void json_free(json_value_t *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        json_free(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->key_info);
    free(v->text);
    free(v);
}

static int literal(parser_t *p, const char *word)
{
    const size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        advance(p);
    return 1;
}

static int hex4(parser_t *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        const int c = peek(p);
        unsigned d;
        if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
        else { fail(p, "expected 4 hex digits after \\u"); return -1; }
        v = v * 16 + d;
        advance(p);
    }
    *out = v;
    return 0;
}

/* Parse a string (at its opening quote) into a malloc'd UTF-8 buffer. */
static char *parse_string(parser_t *p, size_t *out_len)
{
    advance(p); /* opening quote */
    size_t cap = 16, n = 0;
    char *buf = malloc(cap);
    if (!buf) { fail(p, "out of memory"); return NULL; }
    for (;;) {
        /* Room for the longest character (4 bytes of UTF-8) and a '\0'. */
        if (grow_array((void **)&buf, &cap, n + 5, 1, 16) != 0) {
            free(buf);
            fail(p, "out of memory");
            return NULL;
        }
        const int c = peek(p);
        if (c < 0) { fail(p, "unterminated string"); free(buf); return NULL; }
        if (c == '"') { advance(p); break; }
        if (c < 0x20) { fail(p, "control character in string"); free(buf); return NULL; }
        if (c != '\\') { buf[n++] = (char)c; advance(p); continue; }
        advance(p);
        const int e = peek(p);
        unsigned cp;
        switch (e) {
        case '"': case '\\': case '/': buf[n++] = (char)e; advance(p); continue;
        case 'b': buf[n++] = '\b'; advance(p); continue;
        case 'f': buf[n++] = '\f'; advance(p); continue;
        case 'n': buf[n++] = '\n'; advance(p); continue;
        case 'r': buf[n++] = '\r'; advance(p); continue;
        case 't': buf[n++] = '\t'; advance(p); continue;
        case 'u':
            advance(p);
            if (hex4(p, &cp) != 0) { free(buf); return NULL; }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (!literal(p, "\\u") || hex4(p, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF) {
                    fail(p, "unpaired surrogate in \\u escape");
                    free(buf);
                    return NULL;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail(p, "unpaired surrogate in \\u escape");
                free(buf);
                return NULL;
            }
            if (cp < 0x80) {
                buf[n++] = (char)cp;
            } else if (cp < 0x800) {
                buf[n++] = (char)(0xC0 | (cp >> 6));
                buf[n++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                buf[n++] = (char)(0xE0 | (cp >> 12));
                buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                buf[n++] = (char)(0x80 | (cp & 0x3F));
            } else {
                buf[n++] = (char)(0xF0 | (cp >> 18));
                buf[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                buf[n++] = (char)(0x80 | (cp & 0x3F));
            }
            continue;
        default:
            fail(p, "invalid escape in string");
            free(buf);
            return NULL;
        }
    }
    buf[n] = '\0';
    *out_len = n;
    return buf;
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

static json_value_t *parse_number(parser_t *p)
{
    json_value_t *v = new_value(p, JSON_NUMBER);
    if (!v)
        return NULL;
    const size_t start = p->pos;
    if (peek(p) == '-')
        advance(p);
    if (peek(p) == '0') {
        advance(p);
    } else if (is_digit(peek(p))) {
        while (is_digit(peek(p)))
            advance(p);
    } else {
        fail(p, "invalid number");
        json_free(v);
        return NULL;
    }
    if (peek(p) == '.') {
        advance(p);
        if (!is_digit(peek(p))) { fail(p, "invalid number: digit expected after '.'"); json_free(v); return NULL; }
        while (is_digit(peek(p)))
            advance(p);
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        advance(p);
        if (peek(p) == '+' || peek(p) == '-')
            advance(p);
        if (!is_digit(peek(p))) { fail(p, "invalid number: digit expected in exponent"); json_free(v); return NULL; }
        while (is_digit(peek(p)))
            advance(p);
    }
    v->len = p->pos - start;
    v->text = malloc(v->len + 1);
    if (!v->text) { fail(p, "out of memory"); json_free(v); return NULL; }
    memcpy(v->text, p->s + start, v->len);
    v->text[v->len] = '\0';
    return v;
}

static json_value_t *parse_value(parser_t *p, int depth);

static int push_item(parser_t *p, json_value_t *v, json_value_t *item, char *key,
                     json_key_t info, size_t *cap)
{
    /* items, keys and key_info (objects) share the capacity *cap: each
       grows from it to the same new capacity. */
    size_t cap_items = *cap, cap_keys = *cap, cap_info = *cap;
    if (grow_array((void **)&v->items, &cap_items, v->n + 1, sizeof *v->items, 4) != 0 ||
        (v->kind == JSON_OBJECT &&
         (grow_array((void **)&v->keys, &cap_keys, v->n + 1, sizeof *v->keys, 4) != 0 ||
          grow_array((void **)&v->key_info, &cap_info, v->n + 1, sizeof *v->key_info, 4) != 0))) {
        fail(p, "out of memory");
        return -1;
    }
    *cap = cap_items;
    v->items[v->n] = item;
    if (v->kind == JSON_OBJECT) {
        v->keys[v->n] = key;
        v->key_info[v->n] = info;
    }
    v->n++;
    return 0;
}

static json_value_t *parse_container(parser_t *p, int depth, json_kind_t kind)
{
    const char close = kind == JSON_ARRAY ? ']' : '}';
    json_value_t *v = new_value(p, kind);
    if (!v)
        return NULL;
    advance(p);
    size_t cap = 0;
    skip_ws(p);
    if (peek(p) == close) {
        advance(p);
        return v;
    }
    for (;;) {
        char *key = NULL;
        json_key_t info = { 0, 0, 0 };
        skip_ws(p);
        if (kind == JSON_OBJECT) {
            if (peek(p) != '"') { fail(p, "expected a member name in quotes"); json_free(v); return NULL; }
            info.line = p->line;
            info.col = p->col;
            key = parse_string(p, &info.len);
            if (!key) { json_free(v); return NULL; }
            skip_ws(p);
            if (peek(p) != ':') { fail(p, "expected ':' after member name"); free(key); json_free(v); return NULL; }
            advance(p);
        }
        json_value_t *item = parse_value(p, depth + 1);
        if (!item || push_item(p, v, item, key, info, &cap) != 0) {
            json_free(item);
            free(key);
            json_free(v);
            return NULL;
        }
        skip_ws(p);
        if (peek(p) == ',') { advance(p); continue; }
        if (peek(p) == close) { advance(p); return v; }
        fail(p, kind == JSON_ARRAY ? "expected ',' or ']' in array" : "expected ',' or '}' in object");
        json_free(v);
        return NULL;
    }
}

static json_value_t *parse_value(parser_t *p, int depth)
{
    if (depth > JSON_MAX_DEPTH) {
        fail(p, "nesting deeper than 64 levels");
        return NULL;
    }
    skip_ws(p);
    const int c = peek(p);
    json_value_t *v;
    switch (c) {
    case '{': return parse_container(p, depth, JSON_OBJECT);
    case '[': return parse_container(p, depth, JSON_ARRAY);
    case '"':
        v = new_value(p, JSON_STRING);
        if (v && !(v->text = parse_string(p, &v->len))) { json_free(v); return NULL; }
        return v;
    case 't': case 'f': case 'n': {
        const json_kind_t k = c == 't' ? JSON_TRUE : c == 'f' ? JSON_FALSE : JSON_NULL;
        v = new_value(p, k);
        if (v && !literal(p, c == 't' ? "true" : c == 'f' ? "false" : "null")) {
            fail(p, "invalid literal");
            json_free(v);
            return NULL;
        }
        return v;
    }
    case -1: fail(p, "unexpected end of input"); return NULL;
    default:
        if (c == '-' || is_digit(c))
            return parse_number(p);
        fail(p, "unexpected character");
        return NULL;
    }
}

/* Length of the well-formed UTF-8 sequence at s[0..n) (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0. */
size_t json_utf8_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (s[0] >= 0xC2 && s[0] <= 0xDF) len = 2;
    else if (s[0] == 0xE0) len = 3, lo = 0xA0;
    else if (s[0] >= 0xE1 && s[0] <= 0xEC) len = 3;
    else if (s[0] == 0xED) len = 3, hi = 0x9F;
    else if (s[0] >= 0xEE && s[0] <= 0xEF) len = 3;
    else if (s[0] == 0xF0) len = 4, lo = 0x90;
    else if (s[0] >= 0xF1 && s[0] <= 0xF3) len = 4;
    else if (s[0] == 0xF4) len = 4, hi = 0x8F;
    else return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

/* JSON text is UTF-8 (RFC 8259 section 8.1); upstream reads .inputs files
 * with read_to_string, which rejects anything else. A NUL byte is refused
 * here too. */
static int check_utf8(const char *text, size_t len, char *err, size_t err_len)
{
    int line = 1, col = 1;
    for (size_t i = 0; i < len;) {
        const size_t k = json_utf8_len((const unsigned char *)text + i, len - i);
        if (text[i] == '\0') {
            /* Never valid outside a string either; and it would cut C strings short. */
            snprintf(err, err_len, "%d:%d: NUL byte in JSON text", line, col);
            return -1;
        }
        if (k == 0) {
            snprintf(err, err_len, "%d:%d: invalid UTF-8 (byte 0x%02X)", line, col,
                     (unsigned char)text[i]);
            return -1;
        }
        if (text[i] == '\n')
            line++, col = 1;
        else
            col += (int)k;
        i += k;
    }
    return 0;
}

json_value_t *json_parse(const char *text, size_t len, char *err, size_t err_len)
{
    parser_t p = { text, len, 0, 1, 1, err, err_len, 0 };
    if (check_utf8(text, len, err, err_len) != 0)
        return NULL;
    json_value_t *root = parse_value(&p, 0);
    if (!root)
        return NULL;
    skip_ws(&p);
    if (p.pos != p.len) {
        fail(&p, "unexpected text after the JSON value");
        json_free(root);
        return NULL;
    }
    return root;
}

const json_value_t *json_get(const json_value_t *obj, const char *key)
{
    if (!obj || obj->kind != JSON_OBJECT)
        return NULL;
    const json_value_t *found = NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (json_key_is(obj, i, key))
            found = obj->items[i];
    return found;
}

int json_key_is(const json_value_t *obj, size_t i, const char *key)
{
    if (!obj || obj->kind != JSON_OBJECT || i >= obj->n)
        return 0;
    const size_t len = obj->key_info[i].len;
    return len == strlen(key) && !memcmp(obj->keys[i], key, len);
}

int json_felt(const json_value_t *v, felt_t *out)
{
    if (!v || v->kind != JSON_NUMBER)
        return FELT_PARSE_EMPTY;
    return felt_parse_dec(v->text, v->len, out);
}

/* A JSON number that serde_json hands to a u64: an integer literal without
 * sign, fraction or exponent that fits 64 bits. */
int json_u64(const json_value_t *v, uint64_t *out)
{
    if (v->kind != JSON_NUMBER || v->len == 0 || v->len > 20)
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < v->len; i++) {
        const unsigned d = (unsigned)(v->text[i] - '0');
        if (d > 9 || x > (UINT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *out = x;
    return 0;
}

const char *json_kind_name(json_kind_t k)
{
    static const char *const names[] = { "null", "false", "true", "number", "string", "array", "object" };
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

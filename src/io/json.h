/*
 * json.h - a small strict JSON reader (RFC 8259) for vector metadata and
 * upstream .inputs files.
 *
 * Numbers are kept as their text so that 64-bit field elements are never
 * squeezed through a double. The text must be UTF-8 (as serde_json's
 * from_str requires). Errors carry "LINE:COL: message"; columns count bytes.
 */
#ifndef FRAGTRACE_IO_JSON_H
#define FRAGTRACE_IO_JSON_H

#include <stddef.h>
#include "field/felt.h"

/* Nesting deeper than this is rejected rather than risking the C stack. */
#define JSON_MAX_DEPTH 64

typedef enum {
    JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT
} json_kind_t;

/* A member name of an object: where its opening quote is, and its decoded
 * length (a name may hold "\u0000", so strlen is not enough). */
typedef struct {
    int line, col;
    size_t len;
} json_key_t;

typedef struct json_value json_value_t;
struct json_value {
    json_kind_t kind;
    int line, col;          /* where the value starts (1-based) */
    char *text;             /* JSON_NUMBER: the number's text; JSON_STRING: decoded UTF-8 */
    size_t len;             /* length of text */
    size_t n;               /* JSON_ARRAY / JSON_OBJECT: number of items */
    json_value_t **items;   /* the items (object member values) */
    char **keys;            /* JSON_OBJECT: the member names (NUL-terminated) */
    json_key_t *key_info;   /* JSON_OBJECT: where each member name is, its length */
};

/* Parse text[0..len). Returns the root or NULL with "LINE:COL: message"
 * in err. Free with json_free. */
json_value_t *json_parse(const char *text, size_t len, char *err, size_t err_len);
void json_free(json_value_t *v);

/* Member of an object by name (the last one if repeated), or NULL. */
const json_value_t *json_get(const json_value_t *obj, const char *key);

/* Whether member i of obj is named exactly key. */
int json_key_is(const json_value_t *obj, size_t i, const char *key);

/* A JSON number that is a canonical felt: digits only (no sign, fraction or
 * exponent) and < p. Returns 0, or a felt_parse_status. */
int json_felt(const json_value_t *v, felt_t *out);

/* A JSON integer as serde_json reads a u64 (upstream's advice-map values):
 * digits only, no sign, fraction or exponent, at most 2^64 - 1. 0, or -1. */
int json_u64(const json_value_t *v, uint64_t *out);

const char *json_kind_name(json_kind_t k);

/* Bytes of the well-formed UTF-8 sequence starting s[0] (n > 0 bytes
 * available): 1 to 4, or 0 when it is not well formed (overlong, a
 * surrogate, beyond U+10FFFF, truncated). */
size_t json_utf8_len(const unsigned char *s, size_t n);

#endif

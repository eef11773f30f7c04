/*
 * merkle_inputs.c - the merkle_store field of an .inputs file (see
 * merkle_inputs.h).
 */
#include "io/merkle_inputs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/file.h"
#include "io/json_write.h"
#include "mast/forest.h"

typedef struct {
    int *line, *col;
    char *err;
    size_t err_len;
} where_t;

static int at(const where_t *w, const json_value_t *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int at(const where_t *w, const json_value_t *v, const char *fmt, ...)
{
    *w->line = v->line;
    *w->col = v->col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err, w->err_len, fmt, ap);
    va_end(ap);
    return -1;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* InputFile::parse_word: the "0x" prefix, then exactly 32 bytes of hex
 * (the hex crate: an odd length, then a length other than 64 digits, then
 * a non-hex character), then each 8-byte little-endian element below p. */
static int leaf_word(const where_t *w, const char *kind, const json_value_t *v, word_t *out)
{
    if (v->kind != JSON_STRING)
        return at(w, v, "%s: a leaf must be a word in hex (a string \"0x...\"), not %s", kind,
                  json_kind_name(v->kind));
    const char *s = v->text;
    const size_t len = v->len;
    if (len < 2 || s[0] != '0' || s[1] != 'x')
        return at(w, v, "%s: leaf \"%.80s\" does not start with 0x", kind, s);
    const size_t digits = len - 2;
    if (digits % 2)
        return at(w, v, "%s: leaf \"%.80s\" has an odd number of hex digits", kind, s);
    if (digits != 64)
        return at(w, v, "%s: leaf \"%.80s\" has %zu hex digits, not 64", kind, s, digits);
    for (size_t j = 2; j < len; j++)
        if (hex_digit(s[j]) < 0)
            return at(w, v, "%s: leaf \"%.80s\": character %zu is not a hex digit", kind, s,
                      j + 1);
    for (int k = 0; k < 4; k++) {
        uint64_t x = 0;
        for (int b = 0; b < 8; b++) {
            const char *h = s + 2 + 16 * k + 2 * b;
            x |= (uint64_t)(hex_digit(h[0]) * 16 + hex_digit(h[1])) << (8 * b);
        }
        if (x >= FELT_P)
            return at(w, v, "%s: leaf \"%s\": element %d (hex digits %d-%d, little-endian) is "
                      "%llu, not below the field modulus 18446744069414584321", kind, s, k,
                      1 + 16 * k, 16 + 16 * k, (unsigned long long)x);
        out->v[k] = x;
    }
    return 0;
}

static int number(const where_t *w, const char *kind, const char *what, const json_value_t *v,
                  uint64_t max, uint64_t *out)
{
    uint64_t x;
    if (json_u64(v, &x) != 0 || x > max)
        return at(w, v, "%s: %s must be a whole number from 0 to %llu, not %s%s", kind, what,
                  (unsigned long long)max, v->kind == JSON_NUMBER ? "" : "a ",
                  v->kind == JSON_NUMBER ? v->text : json_kind_name(v->kind));
    *out = x;
    return 0;
}

static int pair(const where_t *w, const char *kind, const char *what, const json_value_t *v)
{
    if (v->kind != JSON_ARRAY)
        return at(w, v, "%s: %s must be an array of 2 elements, not %s", kind, what,
                  json_kind_name(v->kind));
    if (v->n != 2)
        return at(w, v, "%s: %s must be an array of 2 elements, not %zu", kind, what, v->n);
    return 0;
}

/* One entry: {"KIND": [...]}. */
static int read_entry(const where_t *w, const json_value_t *e, merkle_data_t *d)
{
    static const char *const names[3] = { "merkle_tree", "sparse_merkle_tree",
                                          "partial_merkle_tree" };
    if (e->kind != JSON_OBJECT || e->n != 1)
        return at(w, e, "merkle_store: an entry must be an object with one key (merkle_tree, "
                  "sparse_merkle_tree or partial_merkle_tree), not %s", e->kind == JSON_OBJECT ?
                  (e->n ? "an object with several keys" : "an empty object") :
                  json_kind_name(e->kind));
    int k = 0;
    while (k < 3 && !json_key_is(e, 0, names[k]))
        k++;
    if (k == 3) {
        const json_key_t *ki = &e->key_info[0];
        *w->line = ki->line;
        *w->col = ki->col;
        snprintf(w->err, w->err_len, "merkle_store: unknown entry kind \"%.80s\" (expected "
                 "merkle_tree, sparse_merkle_tree or partial_merkle_tree)", e->keys[0]);
        return -1;
    }
    d->kind = (merkle_data_kind_t)k;
    const char *kind = names[k];
    const json_value_t *l = e->items[0];
    if (l->kind != JSON_ARRAY)
        return at(w, l, "%s must be an array, not %s", kind, json_kind_name(l->kind));
    d->leaves = calloc(l->n ? l->n : 1, sizeof *d->leaves);
    if (!d->leaves)
        return at(w, l, "out of memory");
    for (size_t i = 0; i < l->n; i++) {
        const json_value_t *x = l->items[i];
        merkle_leaf_t *leaf = &d->leaves[i];
        d->n = i + 1;
        if (d->kind == MERKLE_DATA_TREE) {
            if (leaf_word(w, kind, x, &leaf->value) != 0)
                return -1;
            continue;
        }
        if (pair(w, kind, "an entry", x) != 0)
            return -1;
        if (d->kind == MERKLE_DATA_SPARSE) {
            if (number(w, kind, "an index", x->items[0], UINT64_MAX, &leaf->index) != 0)
                return -1;
        } else {
            const json_value_t *pos = x->items[0];
            uint64_t depth;
            if (pair(w, kind, "a position [depth, index]", pos) != 0 ||
                number(w, kind, "a depth", pos->items[0], 255, &depth) != 0 ||
                number(w, kind, "an index", pos->items[1], UINT64_MAX, &leaf->index) != 0)
                return -1;
            leaf->depth = (uint8_t)depth;
        }
        if (leaf_word(w, kind, x->items[1], &leaf->value) != 0)
            return -1;
    }
    return 0;
}

int merkle_inputs_read(const json_value_t *v, merkle_store_t *store, merkle_data_t **data,
                       size_t *n, int *line, int *col, char *err, size_t err_len)
{
    const where_t w = { line, col, err, err_len };
    *data = NULL;
    *n = 0;
    if (v->kind == JSON_NULL)
        return 0;
    if (v->kind != JSON_ARRAY)
        return at(&w, v, "merkle_store must be an array, not %s", json_kind_name(v->kind));
    merkle_data_t *d = calloc(v->n ? v->n : 1, sizeof *d);
    if (!d)
        return at(&w, v, "out of memory");
    size_t m = 0;
    int rc = 0;
    /* serde first reads every value, then the trees are built in order */
    for (size_t i = 0; i < v->n && rc == 0; i++) {
        m = i + 1;
        rc = read_entry(&w, v->items[i], &d[i]);
    }
    merkle_store_t scratch;
    merkle_store_init(&scratch);
    for (size_t i = 0; i < v->n && rc == 0; i++) {
        word_t root;
        size_t bad;
        char why[400];
        if (merkle_store_add_data(store ? store : &scratch, &d[i], &root, &bad, why,
                                  sizeof why) != 0) {
            const json_value_t *e = v->items[i], *l = e->items[0];
            rc = at(&w, bad < l->n ? l->items[bad] : l, "%s: %s", merkle_data_kind_name(d[i].kind),
                    why);
        }
    }
    merkle_store_free(&scratch);
    if (rc != 0) {
        merkle_data_free(d, m);
        return -1;
    }
    *data = d;
    *n = v->n;
    return 0;
}

char *merkle_inputs_json(const merkle_data_t *data, size_t n)
{
    json_writer_t w;
    json_writer_init_buffer(&w, 0);
    json_w_begin_array(&w);
    for (size_t i = 0; i < n; i++) {
        const merkle_data_t *d = &data[i];
        json_w_begin_object(&w);
        json_w_key(&w, merkle_data_kind_name(d->kind));
        json_w_begin_array(&w);
        for (size_t j = 0; j < d->n; j++) {
            const merkle_leaf_t *l = &d->leaves[j];
            char hex[67];
            word_to_hex(l->value, hex);
            if (d->kind != MERKLE_DATA_TREE) {
                json_w_begin_array(&w);
                if (d->kind == MERKLE_DATA_PARTIAL) {
                    json_w_begin_array(&w);
                    json_w_uint(&w, l->depth);
                    json_w_uint(&w, l->index);
                    json_w_end_array(&w);
                } else {
                    json_w_uint(&w, l->index);
                }
            }
            json_w_string(&w, hex);
            if (d->kind != MERKLE_DATA_TREE)
                json_w_end_array(&w);
        }
        json_w_end_array(&w);
        json_w_end_object(&w);
    }
    json_w_end_array(&w);
    char err[128];
    if (json_writer_finish(&w, err, sizeof err) != 0) {
        json_writer_free(&w);
        return NULL;
    }
    return json_writer_take(&w, NULL);
}

int merkle_inputs_load_file(const char *path, merkle_store_t *store, char *err, size_t err_len)
{
    size_t len;
    char why[512];
    char *text = file_read_all(path, (size_t)1 << 26, &len, err, err_len);
    if (!text)
        return -1;
    json_value_t *root = json_parse(text, len, why, sizeof why);
    free(text);
    if (!root) {
        snprintf(err, err_len, "%s:%s", path, why);
        return -1;
    }
    const json_value_t *v = root->kind == JSON_OBJECT ? json_get(root, "merkle_store") : NULL;
    merkle_data_t *data = NULL;
    size_t n = 0;
    int line = 0, col = 0, rc = 0;
    if (v && merkle_inputs_read(v, store, &data, &n, &line, &col, why, sizeof why) != 0) {
        snprintf(err, err_len, "%s:%d:%d: %s", path, line, col, why);
        rc = -1;
    }
    merkle_data_free(data, n);
    json_free(root);
    return rc;
}

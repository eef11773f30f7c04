/*
 * t_json.c - the JSON reader: values, felts, and positioned errors.
 */
#include "tap.h"
#include "io/json.h"

struct bad { const char *text; const char *message; };
static const struct bad bad[] = {
    { "", "1:1: unexpected end of input" },
    { "[1,]", "1:4: unexpected character" },
    { "{\"a\" 1}", "1:6: expected ':'" },
    { "{\"a\":1,}", "1:8: expected a member name" },
    { "[1 2]", "1:4: expected ',' or ']'" },
    { "\"abc", "unterminated string" },
    { "\"a\\qb\"", "invalid escape" },
    { "\"\\ud800\"", "unpaired surrogate" },
    { "01", "1:2: unexpected text after" },
    { "1.", "digit expected after '.'" },
    { "1e", "digit expected in exponent" },
    { "tru", "invalid literal" },
    { "[1]\n  x", "2:3: unexpected text after" },
    { "\"a\tb\"", "control character" },
};
#define N_BAD (int)(sizeof bad / sizeof bad[0])

int main(void)
{
    tap_plan(6 + N_BAD);
    char err[256];
    const char *doc = "{\"operand_stack\": [\"1\", 2], \"n\": 18446744069414584320,"
                      " \"big\": 18446744069414584321, \"neg\": -1, \"s\": \"\\u00e9\\n\","
                      " \"t\": [true, false, null], \"e\": {}}";
    json_value_t *v = json_parse(doc, strlen(doc), err, sizeof err);
    tap_ok(v && v->kind == JSON_OBJECT && v->n == 7, "parses an object with 7 members");
    felt_t f = 0;
    tap_ok(json_felt(json_get(v, "n"), &f) == 0 && f == FELT_P - 1, "p-1 read exactly as a felt");
    tap_ok(json_felt(json_get(v, "big"), &f) != 0 && json_felt(json_get(v, "neg"), &f) != 0,
           "p and -1 are not felts");
    const json_value_t *s = json_get(v, "s");
    tap_ok(s && s->kind == JSON_STRING && !strcmp(s->text, "\xc3\xa9\n"), "escapes decode to UTF-8");
    const json_value_t *t = json_get(v, "t");
    tap_ok(t && t->n == 3 && t->items[0]->kind == JSON_TRUE && t->items[2]->kind == JSON_NULL,
           "literals");
    json_free(v);

    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    v = json_parse(deep, sizeof deep, err, sizeof err);
    tap_ok(!v && strstr(err, "nesting deeper than 64"), "nesting limit: %s", err);

    for (int i = 0; i < N_BAD; i++) {
        err[0] = '\0';
        v = json_parse(bad[i].text, strlen(bad[i].text), err, sizeof err);
        if (!tap_ok(!v && strstr(err, bad[i].message), "rejects %s", bad[i].message))
            tap_diag("error was: %s", err);
        json_free(v);
    }
    return tap_done();
}

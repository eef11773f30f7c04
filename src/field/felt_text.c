/*
 * felt_text.c - canonical decimal text for felts (see felt_text.h).
 */
#include "felt_text.h"

int felt_parse_dec(const char *s, size_t len, felt_t *out)
{
    if (len == 0)
        return FELT_PARSE_EMPTY;
    felt_t v = 0;
    for (size_t i = 0; i < len; i++) {
        const char c = s[i];
        if (c < '0' || c > '9')
            return FELT_PARSE_NOT_DIGIT;
        const felt_t d = (felt_t)(c - '0');
        /* v * 10 + d must stay < p; checking before multiplying keeps
           the arithmetic inside 64 bits. */
        if (v > (FELT_P - 1 - d) / 10)
            return FELT_PARSE_TOO_BIG;
        v = v * 10 + d;
    }
    *out = v;
    return FELT_PARSE_OK;
}

const char *felt_parse_message(int status)
{
    switch (status) {
    case FELT_PARSE_OK: return "ok";
    case FELT_PARSE_EMPTY: return "empty value (expected a decimal field element)";
    case FELT_PARSE_NOT_DIGIT: return "not a decimal number (only digits 0-9 are allowed)";
    case FELT_PARSE_TOO_BIG: return "value is not below the field modulus 18446744069414584321";
    default: return "unknown error";
    }
}

size_t felt_format_dec(felt_t a, char buf[FELT_DEC_MAX])
{
    char tmp[FELT_DEC_MAX];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + a % 10);
        a /= 10;
    } while (a != 0);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

/*
 * felt_list.c - see felt_list.h.
 */
#include "felt_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field/felt_text.h"

int felt_list_parse(const char *text, const char *what, felt_list_t *out,
                    char *err, size_t err_len)
{
    out->v = NULL;
    out->n = 0;
    const size_t len = strlen(text);
    if (len == 0)
        return 0;
    size_t count = 1;
    for (size_t i = 0; i < len; i++)
        count += text[i] == ',';
    if (count > FELT_LIST_MAX) {
        snprintf(err, err_len, "%s: too many elements (%zu; at most %zu)", what, count,
                 FELT_LIST_MAX);
        return -1;
    }
    felt_t *v = malloc(count * sizeof *v);
    if (v == NULL) {
        snprintf(err, err_len, "%s: out of memory", what);
        return -1;
    }
    size_t start = 0, k = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] != ',')
            continue;
        const int st = felt_parse_dec(text + start, i - start, &v[k]);
        if (st != 0) {
            snprintf(err, err_len, "%s: element %zu (at character %zu, \"%.*s\"): %s", what,
                     k + 1, start + 1, (int)((i - start) > 24 ? 24 : (i - start)),
                     text + start, felt_parse_message(st));
            free(v);
            return -1;
        }
        k++;
        start = i + 1;
    }
    out->v = v;
    out->n = k;
    return 0;
}

void felt_list_free(felt_list_t *list)
{
    free(list->v);
    list->v = NULL;
    list->n = 0;
}

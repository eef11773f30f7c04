/*
 * json_write.h - a small deterministic JSON writer, to a FILE* or to a
 * growable buffer.
 *
 * Two layouts:
 *   - indent > 0 ("pretty"): every array item and object member on a line of
 *     its own, indented `indent` spaces per level; "key": value with one
 *     space after the colon; empty containers as [] and {}; no trailing
 *     spaces. With indent 2 this is byte for byte what Python's
 *     json.dumps(v, indent=2, ensure_ascii=False) writes.
 *   - indent 0 ("compact"): no whitespace at all, e.g. ["1","2"] and
 *     {"k":["1"]} (the inputs texts of a corpus, spec/corpus.md).
 *
 * Strings must be UTF-8; they are written as UTF-8 with only '"', '\\' and
 * the control characters escaped (\b \f \n \r \t, the others as \u00xx).
 *
 * Errors are sticky: the first failure (a write error, out of memory,
 * invalid UTF-8, misuse such as a value where a key is due) is kept and
 * every later call does nothing; json_writer_finish reports it.
 */
#ifndef FRAGTRACE_IO_JSON_WRITE_H
#define FRAGTRACE_IO_JSON_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "field/felt.h"
#include "io/json.h"

typedef struct {
    FILE *f;                    /* destination, or NULL: the buffer below */
    char *buf;                  /* the buffer (NUL-terminated while no error) */
    size_t len, cap;
    int indent;                 /* spaces per level; 0 compact */
    int depth;                  /* open containers */
    unsigned char items[JSON_MAX_DEPTH];   /* per open container: items written so far (0/1) */
    unsigned char is_obj[JSON_MAX_DEPTH];  /* per open container: an object */
    int top;                    /* the top-level value has begun */
    int after_key;              /* a key was written: its value comes next */
    const char *error;          /* the first failure (static string), or NULL */
} json_writer_t;

/* Start writing to f / to a fresh buffer. */
void json_writer_init_file(json_writer_t *w, FILE *f, int indent);
void json_writer_init_buffer(json_writer_t *w, int indent);

/* End of the document: checks every container is closed and, when pretty,
 * writes the final '\n'. 0, or -1 with the reason in err (the FILE is not
 * closed or flushed here). */
int json_writer_finish(json_writer_t *w, char *err, size_t err_len);

/* Buffer writers: take the text (NUL-terminated, malloc'd; *len without
 * the NUL) and leave the writer empty; NULL after an error. */
char *json_writer_take(json_writer_t *w, size_t *len);

/* Free a buffer writer's buffer (after an error, or instead of take). */
void json_writer_free(json_writer_t *w);

void json_w_begin_object(json_writer_t *w);
void json_w_end_object(json_writer_t *w);
void json_w_begin_array(json_writer_t *w);
void json_w_end_array(json_writer_t *w);

/* The next member's name (inside an object, before each value). */
void json_w_key(json_writer_t *w, const char *key);

void json_w_string(json_writer_t *w, const char *s);
void json_w_string_n(json_writer_t *w, const char *s, size_t n);
void json_w_uint(json_writer_t *w, uint64_t v);
/* A field element as a canonical decimal string, e.g. "42". */
void json_w_felt(json_writer_t *w, felt_t v);
void json_w_null(json_writer_t *w);
void json_w_bool(json_writer_t *w, int v);

/* Write a parsed value (json.h) as it is: objects keep their member order,
 * numbers their text. */
void json_w_value(json_writer_t *w, const json_value_t *v);

#endif

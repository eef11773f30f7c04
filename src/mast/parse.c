/*
 * parse.c - the program text parser (see parse.h).
 *
 * A hand-written tokenizer and recursive descent over nodes, with the
 * nesting depth bounded by PROGRAM_MAX_DEPTH. Every node's digest is
 * computed as soon as its children exist.
 */
#include "parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field/felt_text.h"
#include "io/file.h"
#include "util/grow.h"

/* ------------------------------------------------------------------ */
/* Tokens                                                              */

typedef struct {
    const char *s;    /* start in the text; NULL at end of input */
    size_t len;
    uint32_t line, col;
} token_t;

typedef struct {
    const char *file;
    const char *text;
    size_t len, pos;
    uint32_t line, col;
    token_t tok;          /* current token */
    mast_forest_t *f;
    char *err;
    size_t err_len;
    int failed;
    int has_entry;
    word_t dyn_digest[2]; /* of dyn and dyncall, hashed on first use */
    int have_dyn_digest[2];
} parser_t;

static void fail_at(parser_t *p, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail_at(parser_t *p, uint32_t line, uint32_t col, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = 1;
    int n = snprintf(p->err, p->err_len, "%s:%u:%u: ", p->file, line, col);
    if (n < 0 || (size_t)n >= p->err_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->err_len - (size_t)n, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Input text in messages                                              */

/* Room for `max` bytes of input shown by show_text: at most 4 characters
 * per input byte ("\xNN"; "\u{feff}" takes 8 for 3), "..." and the NUL. */
#define SHOWN_SIZE(max) (4 * (max) + 4)
#define TOKEN_SHOWN 40                        /* bytes of a token a message shows */
#define QUOTE_SIZE (SHOWN_SIZE(TOKEN_SHOWN) + 2) /* tok_quote: with the quotes */

/* Code points that are valid UTF-8 but print as nothing or rearrange the
 * line around them: C1 controls, the byte-order mark and Unicode's
 * zero-width, separator and bidirectional format characters. */
static int invisible(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x61C || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF;
}

/* Length of the well-formed UTF-8 sequence at s[0..len) (the rules of
 * check_encoding) and its code point, or 0 if it is not one. */
static size_t utf8_char(const unsigned char *s, size_t len, unsigned *cp)
{
    const unsigned c = s[0];
    size_t n;
    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xC2 && c <= 0xDF) { n = 2; *cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; *cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; *cp = c & 0x07; }
    else return 0;
    if (n > len)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[k] & 0x3F);
    }
    if ((n == 3 && (*cp < 0x800 || (*cp >= 0xD800 && *cp <= 0xDFFF))) ||
        (n == 4 && (*cp < 0x10000 || *cp > 0x10FFFF)))
        return 0;
    return n;
}

/* Input text for a message, so that the terminal sees what is there and
 * never a control byte (spec/program-format.md, "Errors"): at most max
 * bytes of s[0..len), cut before a character that does not fit, then "..."
 * if cut and `ellipsis`. Escaped: '\' as \\; tab, line feed, carriage
 * return as \t \n \r; other C0 controls, DEL and bytes that are not UTF-8
 * as \xNN; invisible code points (see invisible) as \u{XXXX}. buf holds
 * SHOWN_SIZE(max) bytes. */
static const char *show_text(const char *s, size_t len, size_t max, int ellipsis, char *buf,
                             size_t buf_len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, o = 0;
    while (i < len) {
        unsigned cp;
        size_t n = utf8_char(u + i, len - i, &cp);
        if (i + (n ? n : 1) > max)
            break;
        char esc[12];
        int e = 0;
        if (n == 0) {
            e = snprintf(esc, sizeof esc, "\\x%c%c", hex[u[i] >> 4], hex[u[i] & 15]);
            n = 1;
        } else if (cp == '\\') {
            e = snprintf(esc, sizeof esc, "\\\\");
        } else if (cp == '\t' || cp == '\n' || cp == '\r') {
            e = snprintf(esc, sizeof esc, "\\%c", cp == '\t' ? 't' : cp == '\n' ? 'n' : 'r');
        } else if (cp < 0x20 || cp == 0x7F) {
            e = snprintf(esc, sizeof esc, "\\x%c%c", hex[cp >> 4], hex[cp & 15]);
        } else if (invisible(cp)) {
            e = snprintf(esc, sizeof esc, "\\u{%x}", cp);
        }
        const size_t w = e > 0 ? (size_t)e : n;
        if (o + w + 4 > buf_len)
            break; /* a buffer smaller than SHOWN_SIZE(max): shorter text */
        memcpy(buf + o, e > 0 ? esc : s + i, w);
        o += w;
        i += n;
    }
    if (i < len && ellipsis && o + 4 <= buf_len) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

/* Quote a token for a message, shortened if long; buf holds QUOTE_SIZE. */
static const char *tok_quote(const token_t *t, char *buf, size_t len)
{
    if (!t->s) {
        snprintf(buf, len, "end of file");
        return buf;
    }
    char shown[SHOWN_SIZE(TOKEN_SHOWN)];
    snprintf(buf, len, "'%s'", show_text(t->s, t->len, TOKEN_SHOWN, 1, shown, sizeof shown));
    return buf;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static void step(parser_t *p)
{
    if (p->text[p->pos] == '\n') {
        p->line++;
        p->col = 1;
    } else if (((unsigned char)p->text[p->pos] & 0xC0) != 0x80) {
        p->col++; /* columns count characters, not UTF-8 continuation bytes */
    }
    p->pos++;
}

/* Advance to the next token. A token runs to the next white space, except
 * that a '(' opens a parenthesised part that may hold spaces (decorators
 * such as `asmOp(locaddr.0, 4)`). */
static void next(parser_t *p)
{
    for (;;) {
        while (p->pos < p->len && is_space(p->text[p->pos]))
            step(p);
        if (p->pos < p->len && p->text[p->pos] == '#') {
            while (p->pos < p->len && p->text[p->pos] != '\n')
                step(p);
            continue;
        }
        break;
    }
    if (p->pos >= p->len) {
        p->tok.s = NULL;
        p->tok.len = 0;
        p->tok.line = p->line;
        p->tok.col = p->col;
        return;
    }
    p->tok.s = p->text + p->pos;
    p->tok.line = p->line;
    p->tok.col = p->col;
    const size_t start = p->pos;
    int depth = 0;
    while (p->pos < p->len) {
        const char c = p->text[p->pos];
        if (depth == 0 && (is_space(c) || c == '#'))
            break;
        if (c == '(')
            depth++;
        else if (c == ')' && depth > 0)
            depth--;
        else if (c == '\n')
            break; /* an unclosed '(' ends at the line's end */
        step(p);
    }
    p->tok.len = p->pos - start;
}

static int tok_is(const parser_t *p, const char *word)
{
    const size_t n = strlen(word);
    return p->tok.s && p->tok.len == n && memcmp(p->tok.s, word, n) == 0;
}

static int tok_starts(const parser_t *p, const char *prefix)
{
    const size_t n = strlen(prefix);
    return p->tok.s && p->tok.len >= n && memcmp(p->tok.s, prefix, n) == 0;
}

/* Decorators print in upstream's MAST display but take no cycle and do not
 * enter any digest: they are accepted and dropped. */
static int tok_is_decorator(const parser_t *p)
{
    return (tok_starts(p, "trace(") || tok_starts(p, "debug(") || tok_starts(p, "asmOp(")) &&
           p->tok.s[p->tok.len - 1] == ')';
}

static void skip_decorators(parser_t *p)
{
    while (!p->failed && tok_is_decorator(p))
        next(p);
}

/* ------------------------------------------------------------------ */
/* Forest building                                                     */

/* grow_array for the forest's 32-bit capacities. They are powers of two
 * (from 64): one for more than 2^31 elements would not fit in 32 bits, and
 * up to 2^31 the new capacity does (it is below 2 * need). */
static int grow(parser_t *p, void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need > *cap && need > UINT32_MAX / 2 + 1) {
        fail_at(p, p->tok.line, p->tok.col, "program too large");
        return -1;
    }
    size_t nc = *cap;
    if (grow_array(arr, &nc, need, elem, 64) != 0) {
        fail_at(p, p->tok.line, p->tok.col, "out of memory");
        return -1;
    }
    *cap = (uint32_t)nc;
    return 0;
}

/* Report a failed node creation (forest.h: MAST_ADD_*) at the current
 * token; returns -1. */
static long node_failed(parser_t *p, long rc)
{
    if (rc == MAST_ADD_TOO_MANY)
        fail_at(p, p->tok.line, p->tok.col, "program too large");
    else if (rc == MAST_ADD_BAD_BLOCK)
        fail_at(p, p->tok.line, p->tok.col, "internal error: batching failed");
    else
        fail_at(p, p->tok.line, p->tok.col, "out of memory");
    return -1;
}

static long control_node(parser_t *p, node_kind_t kind, uint32_t a, uint32_t b, uint32_t line,
                         uint32_t col)
{
    const long id = mast_forest_add_control(p->f, kind, a, b, line, col);
    return id < 0 ? node_failed(p, id) : id;
}

static long leaf_node(parser_t *p, node_kind_t kind, word_t digest, uint32_t line, uint32_t col)
{
    const long id = mast_forest_add_leaf(p->f, kind, digest, line, col);
    return id < 0 ? node_failed(p, id) : id;
}

/* ------------------------------------------------------------------ */
/* Basic blocks                                                        */

/* Parse "name" or "name(value)" as one basic-block operation. */
static int parse_op(parser_t *p, op_t *out)
{
    const token_t t = p->tok;
    char q[QUOTE_SIZE];
    size_t name_len = t.len;
    const char *paren = memchr(t.s, '(', t.len);
    if (paren)
        name_len = (size_t)(paren - t.s);
    const op_info_t *info = op_by_name(t.s, (unsigned)name_len);
    if (!info) {
        if (tok_is(p, "begin") || tok_is(p, "join") || tok_is(p, "if.true") ||
            tok_is(p, "while.true") || tok_is(p, "basic_block") || tok_is(p, "dyn") ||
            tok_is(p, "dyncall") || tok_starts(p, "call.") || tok_starts(p, "syscall.") ||
            tok_starts(p, "external.") || tok_is(p, "else")) {
            fail_at(p, t.line, t.col, "%s is not an operation: a basic_block holds only "
                    "operations (missing 'end'?)", tok_quote(&t, q, sizeof q));
        } else {
            char shown[SHOWN_SIZE(TOKEN_SHOWN)];
            fail_at(p, t.line, t.col, "unknown operation '%s'",
                    show_text(t.s, name_len, TOKEN_SHOWN, 0, shown, sizeof shown));
        }
        return -1;
    }
    out->opcode = info->opcode;
    out->imm = 0;
    out->line = t.line;
    out->col = t.col;
    if (!paren) {
        if (info->imm == IMM_PUSH) {
            fail_at(p, t.line, t.col, "push needs a value: push(N) with N a field element");
            return -1;
        }
        return 0; /* error codes default to 0 */
    }
    if (info->imm == IMM_NONE) {
        fail_at(p, t.line, t.col, "operation '%s' takes no value", info->name);
        return -1;
    }
    if (t.s[t.len - 1] != ')') {
        fail_at(p, t.line, t.col, "missing ')' after the value of '%s'", info->name);
        return -1;
    }
    const char *v = paren + 1;
    const size_t vlen = (size_t)(t.s + t.len - 1 - v);
    const int st = felt_parse_dec(v, vlen, &out->imm);
    if (st != 0) {
        fail_at(p, t.line, (uint32_t)(t.col + (v - t.s)), "value of '%s': %s", info->name,
                felt_parse_message(st));
        return -1;
    }
    return 0;
}

static long parse_block(parser_t *p, uint32_t line, uint32_t col)
{
    op_t *raw = NULL;
    uint32_t n_raw = 0, cap_raw = 0;
    long id = -1;
    next(p);
    for (;;) {
        skip_decorators(p);
        if (p->failed)
            goto out;
        if (!p->tok.s) {
            fail_at(p, line, col, "basic_block is missing its 'end'");
            goto out;
        }
        if (tok_is(p, "end"))
            break;
        if (grow(p, (void **)&raw, &cap_raw, n_raw + 1, sizeof *raw) != 0)
            goto out;
        if (parse_op(p, &raw[n_raw]) != 0)
            goto out;
        n_raw++;
        next(p);
    }
    if (n_raw == 0) {
        fail_at(p, line, col, "empty basic_block: it needs at least one operation");
        goto out;
    }
    id = mast_forest_add_block(p->f, raw, n_raw, line, col);
    if (id < 0) {
        id = node_failed(p, id);
        goto out;
    }
    next(p); /* past 'end' */
out:
    free(raw);
    return p->failed ? -1 : id;
}

/* ------------------------------------------------------------------ */
/* References: call.REF, syscall.REF, external.REF                     */

/* Resolve REF to a digest and, when it names a procedure of this program,
 * that procedure (-1 otherwise). */
static int resolve_ref(parser_t *p, const char *ref, size_t len, word_t *digest, long *proc)
{
    const token_t t = p->tok;
    const uint32_t col = (uint32_t)(t.col + (ref - t.s));
    if (len == 0) {
        fail_at(p, t.line, col, "missing procedure name or digest after '.'");
        return -1;
    }
    if (len >= 2 && ref[0] == '0' && (ref[1] == 'x' || ref[1] == 'X')) {
        if (word_from_hex(ref, len, digest) != 0) {
            fail_at(p, t.line, col, "malformed digest: expected 0x and 64 hex digits, each "
                    "element (8 little-endian bytes) below the field modulus");
            return -1;
        }
        *proc = mast_find_proc(p->f, *digest, 1);
        return 0;
    }
    *proc = mast_find_proc_named(p->f, ref, len);
    if (*proc < 0) {
        char shown[SHOWN_SIZE(60)];
        fail_at(p, t.line, col, "unknown procedure '%s' (procedures must be defined before use)",
                show_text(ref, len, 60, 0, shown, sizeof shown));
        return -1;
    }
    *digest = p->f->nodes[p->f->procs[*proc].node].digest;
    return 0;
}

/* The node a call or syscall targets: the procedure's root when it is in
 * the program forest, else an external node for the digest. */
static long callee_node(parser_t *p, word_t digest, long proc, uint32_t line, uint32_t col)
{
    if (proc >= 0 && p->f->procs[proc].kind != PROC_LIBRARY)
        return (long)p->f->procs[proc].node;
    return leaf_node(p, NODE_EXTERNAL, digest, line, col);
}

/* ------------------------------------------------------------------ */
/* Nodes                                                               */

static long parse_node(parser_t *p, int depth);

static int expect_end(parser_t *p, const char *what, uint32_t line, uint32_t col)
{
    skip_decorators(p);
    if (p->failed)
        return -1;
    if (!tok_is(p, "end")) {
        char q[QUOTE_SIZE];
        fail_at(p, p->tok.line, p->tok.col, "expected 'end' closing the %s at %u:%u, found %s",
                what, line, col, tok_quote(&p->tok, q, sizeof q));
        return -1;
    }
    next(p);
    return 0;
}

static long parse_node(parser_t *p, int depth)
{
    char q[QUOTE_SIZE];
    skip_decorators(p);
    if (p->failed)
        return -1;
    const token_t t = p->tok;
    if (depth > PROGRAM_MAX_DEPTH) {
        fail_at(p, t.line, t.col, "nesting deeper than %d levels", PROGRAM_MAX_DEPTH);
        return -1;
    }
    if (!t.s) {
        fail_at(p, t.line, t.col, "unexpected end of file: a node was expected");
        return -1;
    }
    long id = -1, a, b;
    if (tok_is(p, "basic_block")) {
        id = parse_block(p, t.line, t.col);
    } else if (tok_is(p, "join")) {
        next(p);
        if ((a = parse_node(p, depth + 1)) < 0 || (b = parse_node(p, depth + 1)) < 0 ||
            expect_end(p, "join", t.line, t.col) != 0)
            return -1;
        id = control_node(p, NODE_JOIN, (uint32_t)a, (uint32_t)b, t.line, t.col);
    } else if (tok_is(p, "if.true")) {
        next(p);
        if ((a = parse_node(p, depth + 1)) < 0)
            return -1;
        skip_decorators(p);
        if (!tok_is(p, "else")) {
            fail_at(p, p->tok.line, p->tok.col, "expected 'else' in the if.true at %u:%u, found %s",
                    t.line, t.col, tok_quote(&p->tok, q, sizeof q));
            return -1;
        }
        next(p);
        if ((b = parse_node(p, depth + 1)) < 0 || expect_end(p, "if.true", t.line, t.col) != 0)
            return -1;
        id = control_node(p, NODE_SPLIT, (uint32_t)a, (uint32_t)b, t.line, t.col);
    } else if (tok_is(p, "while.true")) {
        next(p);
        if ((a = parse_node(p, depth + 1)) < 0 || expect_end(p, "while.true", t.line, t.col) != 0)
            return -1;
        id = control_node(p, NODE_LOOP, (uint32_t)a, 0, t.line, t.col);
    } else if (tok_is(p, "dyn") || tok_is(p, "dyncall")) {
        const int call = tok_is(p, "dyncall");
        /* Both digests are constants, merge_in_domain of two zero words:
           hashed once per parse, not once per node. */
        if (!p->have_dyn_digest[call]) {
            p->dyn_digest[call] = mast_dyn_digest(call);
            p->have_dyn_digest[call] = 1;
        }
        id = leaf_node(p, call ? NODE_DYNCALL : NODE_DYN, p->dyn_digest[call], t.line, t.col);
        next(p);
    } else if (tok_starts(p, "call.") || tok_starts(p, "syscall.") || tok_starts(p, "external.")) {
        const int sys = tok_starts(p, "syscall."), ext = tok_starts(p, "external.");
        const size_t plen = sys ? 8 : ext ? 9 : 5;
        word_t digest;
        long proc;
        if (resolve_ref(p, t.s + plen, t.len - plen, &digest, &proc) != 0)
            return -1;
        if (sys && !mast_kernel_contains(p->f, digest)) {
            char shown[SHOWN_SIZE(66)];
            fail_at(p, t.line, t.col, "syscall target %s is not a kernel procedure (define it "
                    "with kernel.NAME)", show_text(t.s + plen, t.len - plen, 66, 0, shown,
                                                   sizeof shown));
            return -1;
        }
        if (ext) {
            id = leaf_node(p, NODE_EXTERNAL, digest, t.line, t.col);
        } else {
            const long callee = callee_node(p, digest, proc, t.line, t.col);
            if (callee < 0)
                return -1;
            id = control_node(p, sys ? NODE_SYSCALL : NODE_CALL, (uint32_t)callee, 0, t.line,
                              t.col);
        }
        next(p);
    } else if (tok_is(p, "end")) {
        fail_at(p, t.line, t.col, "expected a node, found 'end' (empty body?)");
        return -1;
    } else {
        const char *paren = memchr(t.s, '(', t.len);
        if (op_by_name(t.s, (unsigned)(paren ? (size_t)(paren - t.s) : t.len)))
            fail_at(p, t.line, t.col, "operation %s outside a basic_block",
                    tok_quote(&t, q, sizeof q));
        else
            fail_at(p, t.line, t.col, "expected a node (basic_block, join, if.true, while.true, "
                    "call.REF, syscall.REF, external.REF, dyn, dyncall), found %s",
                    tok_quote(&t, q, sizeof q));
        return -1;
    }
    if (id < 0)
        return -1;
    skip_decorators(p); /* after_exit decorators */
    return p->failed ? -1 : id;
}

/* ------------------------------------------------------------------ */
/* Top level                                                           */

static int valid_name(const char *s, size_t len)
{
    if (len == 0 || len > PROGRAM_MAX_NAME)
        return 0;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < len; i++) {
        const char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '$' || c == '-' || c == ':'))
            return 0;
    }
    return 1;
}

static int add_kernel_digest(parser_t *p, word_t d, const token_t *t)
{
    mast_forest_t *f = p->f;
    if (mast_kernel_contains(f, d)) {
        fail_at(p, t->line, t->col, "kernel procedure has the same digest as an earlier kernel "
                "procedure (upstream rejects duplicated kernel procedures)");
        return -1;
    }
    if (f->n_kernel >= KERNEL_MAX_PROCS) {
        fail_at(p, t->line, t->col, "more than %d kernel procedures", KERNEL_MAX_PROCS);
        return -1;
    }
    /* Keep the kernel sorted by the digests' bytes, as upstream does. */
    uint32_t i = f->n_kernel;
    while (i > 0 && word_cmp_bytes(f->kernel[i - 1], d) > 0) {
        f->kernel[i] = f->kernel[i - 1];
        i--;
    }
    f->kernel[i] = d;
    f->n_kernel++;
    return 0;
}

static int parse_proc(parser_t *p, proc_kind_t kind, size_t prefix)
{
    const token_t t = p->tok;
    const char *name = t.s + prefix;
    const size_t len = t.len - prefix;
    char shown[SHOWN_SIZE(PROGRAM_MAX_NAME)];
    if (!valid_name(name, len)) {
        fail_at(p, t.line, (uint32_t)(t.col + prefix), "invalid procedure name '%s' (letters, "
                "digits, '_', '$', '-', ':'; starting with a letter or '_'; at most %d characters)",
                show_text(name, len, 60, 0, shown, sizeof shown), PROGRAM_MAX_NAME);
        return -1;
    }
    const long dup = mast_find_proc_named(p->f, name, len);
    if (dup >= 0) {
        fail_at(p, t.line, (uint32_t)(t.col + prefix), "procedure '%s' is already defined at "
                "%u:%u", show_text(name, len, PROGRAM_MAX_NAME, 0, shown, sizeof shown),
                p->f->procs[dup].line, p->f->procs[dup].col);
        return -1;
    }
    next(p);
    const long node = parse_node(p, 1);
    if (node < 0 || expect_end(p, "procedure", t.line, t.col) != 0)
        return -1;
    mast_forest_t *f = p->f;
    if (kind == PROC_KERNEL && add_kernel_digest(p, f->nodes[node].digest, &t) != 0)
        return -1;
    const long added = mast_forest_add_proc(f, name, len, (uint32_t)node, kind, t.line, t.col);
    if (added == MAST_ADD_TOO_MANY) {
        fail_at(p, p->tok.line, p->tok.col, "program too large");
        return -1;
    }
    if (added < 0) {
        fail_at(p, t.line, t.col, "out of memory");
        return -1;
    }
    return 0;
}

/* Reject NUL bytes and invalid UTF-8 before tokenizing, naming the spot. */
static int check_encoding(parser_t *p)
{
    uint32_t line = 1, col = 1;
    const unsigned char *s = (const unsigned char *)p->text;
    for (size_t i = 0; i < p->len;) {
        const unsigned c = s[i];
        size_t n = 1;
        if (c == 0) {
            fail_at(p, line, col, "NUL byte in program text");
            return -1;
        }
        if (c >= 0x80) {
            unsigned cp;
            if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
            else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
            else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
            else { fail_at(p, line, col, "invalid UTF-8 byte 0x%02x", c); return -1; }
            if (i + n > p->len) { fail_at(p, line, col, "truncated UTF-8 sequence"); return -1; }
            for (size_t k = 1; k < n; k++) {
                if ((s[i + k] & 0xC0) != 0x80) {
                    fail_at(p, line, col, "invalid UTF-8 sequence");
                    return -1;
                }
                cp = (cp << 6) | (s[i + k] & 0x3F);
            }
            if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
                (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
                fail_at(p, line, col, "invalid UTF-8 sequence (overlong or surrogate)");
                return -1;
            }
        }
        if (c == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        i += n;
    }
    return 0;
}

int mast_parse(const char *file, const char *text, size_t len, mast_forest_t *f, char *err,
               size_t err_len)
{
    parser_t p = { 0 };
    p.file = file;
    p.text = text;
    p.len = len;
    p.line = 1;
    p.col = 1;
    p.f = f;
    p.err = err;
    p.err_len = err_len;
    if (len > PROGRAM_MAX_BYTES) {
        snprintf(err, err_len, "%s: program text larger than the limit of %zu bytes", file,
                 PROGRAM_MAX_BYTES);
        return -1;
    }
    if (check_encoding(&p) != 0)
        goto fail;
    mast_forest_salt_index(f, text, len);
    next(&p);
    while (!p.failed && p.tok.s) {
        const token_t t = p.tok;
        char q[QUOTE_SIZE];
        if (tok_starts(&p, "proc.")) {
            parse_proc(&p, PROC_PLAIN, 5);
        } else if (tok_starts(&p, "kernel.")) {
            parse_proc(&p, PROC_KERNEL, 7);
        } else if (tok_starts(&p, "library.")) {
            parse_proc(&p, PROC_LIBRARY, 8);
        } else if (tok_is(&p, "begin")) {
            if (p.has_entry) {
                fail_at(&p, t.line, t.col, "a second 'begin': a program has one entry");
                break;
            }
            next(&p);
            const long node = parse_node(&p, 1);
            if (node < 0 || expect_end(&p, "begin", t.line, t.col) != 0)
                break;
            f->entry = (uint32_t)node;
            p.has_entry = 1;
        } else if (tok_is(&p, "end")) {
            fail_at(&p, t.line, t.col, "unexpected 'end': no block is open");
        } else {
            fail_at(&p, t.line, t.col, "expected 'begin', 'proc.NAME', 'kernel.NAME' or "
                    "'library.NAME' at top level, found %s", tok_quote(&t, q, sizeof q));
        }
    }
    if (!p.failed && !p.has_entry)
        snprintf(err, err_len, "%s: no program entry: expected 'begin NODE end'", file), p.failed = 1;
    if (!p.failed) {
        mast_forest_resolve_externals(f);
        return 0;
    }
fail:
    mast_forest_free(f);
    return -1;
}

int mast_parse_file(const char *path, mast_forest_t *f, char *err, size_t err_len)
{
    size_t len;
    char *text = file_read_all(path, PROGRAM_MAX_BYTES, &len, err, err_len);
    if (!text) {
        mast_forest_free(f);
        return -1;
    }
    const int rc = mast_parse(path, text, len, f, err, err_len);
    free(text);
    return rc;
}

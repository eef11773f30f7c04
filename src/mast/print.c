/*
 * print.c - canonical program text (see print.h).
 */
#include "print.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"

#define LINE_WIDTH 80
#define INDENT 4

typedef struct {
    char *buf;
    size_t len, cap;
    int oom;
} sbuf_t;

static void put(sbuf_t *s, const char *text, size_t n)
{
    if (s->oom)
        return;
    if (grow_array((void **)&s->buf, &s->cap, s->len + n + 1, 1, 1024) != 0) {
        s->oom = 1;
        return;
    }
    memcpy(s->buf + s->len, text, n);
    s->len += n;
    s->buf[s->len] = '\0';
}

static void puts_(sbuf_t *s, const char *text) { put(s, text, strlen(text)); }

static void indent(sbuf_t *s, int level)
{
    for (int i = 0; i < level * INDENT; i++)
        put(s, " ", 1);
}

/* An operation as upstream displays it: name, and (value) for push and the
 * error-code ops (always printed, also 0). */
static size_t op_text(const op_t *op, char *buf, size_t len)
{
    const op_info_t *info = op_by_code(op->opcode);
    if (info->imm == IMM_NONE)
        return (size_t)snprintf(buf, len, "%s", info->name);
    return (size_t)snprintf(buf, len, "%s(%llu)", info->name, (unsigned long long)op->imm);
}

/* How a call, syscall or external names its target: the name of one of
 * this program's procedures that is that node or has that digest, else the
 * digest in hex. Only procedures defined before the one being printed
 * (procs[0 .. limit); all of them for the entry) may be named, as in the
 * text read back: an external that is a procedure's whole body has that
 * procedure's digest, and a later procedure may have it too. */
static void target_text(const mast_forest_t *f, uint32_t node, uint32_t limit, char *buf,
                        size_t len)
{
    long proc = mast_proc_of_node(f, node);
    if (proc >= (long)limit)
        proc = -1;
    if (proc < 0 && f->nodes[node].kind == NODE_EXTERNAL)
        proc = mast_find_proc_before(f, f->nodes[node].digest, 1, limit);
    if (proc >= 0) {
        snprintf(buf, len, "%s", f->procs[proc].name);
    } else {
        char hex[67];
        word_to_hex(f->nodes[node].digest, hex);
        snprintf(buf, len, "%s", hex);
    }
}

/* The NOOPs batching inserted into a block (the last op of each group whose
 * padding flag is set), found for ops visited in increasing order. Batches
 * follow each other in the block and groups within a batch, so the cursor
 * only moves forward: one pass over the groups for one pass over the ops,
 * where searching each op's batch afresh made printing quadratic. */
typedef struct {
    const op_batch_t *batch, *end;
    int group;
} padding_cursor_t;

static void padding_start(padding_cursor_t *c, const mast_forest_t *f, const mast_node_t *n)
{
    c->batch = &f->batches[n->batches_start];
    c->end = c->batch + n->n_batches;
    c->group = 0;
}

/* Whether op i of the block is an inserted NOOP; i grows from call to call. */
static int padding_at(padding_cursor_t *c, uint32_t i)
{
    while (c->batch < c->end && i >= c->batch->first_op + c->batch->num_ops) {
        c->batch++;
        c->group = 0;
    }
    if (c->batch == c->end || i < c->batch->first_op)
        return 0;
    const op_batch_t *b = c->batch;
    const uint32_t at = i - b->first_op; /* within the batch */
    while (c->group < b->num_groups && at >= b->indptr[c->group + 1])
        c->group++;
    if (c->group == b->num_groups)
        return 0;
    const int g = c->group;
    return b->padding[g] && b->indptr[g + 1] > b->indptr[g] && at == b->indptr[g + 1] - 1u;
}

/* Print node id at the given level inside procedure `limit` (f->n_procs:
 * the entry). */
static void print_node(sbuf_t *s, const mast_forest_t *f, uint32_t id, int level, uint32_t limit)
{
    const mast_node_t *n = &f->nodes[id];
    char text[PROGRAM_MAX_NAME + 80];
    switch (n->kind) {
    case NODE_BLOCK: {
        /* Only the operations as written: the NOOPs batching inserted are
           implied (printing them would make them real ops on re-parsing,
           and batching would pad again: same digest, one more cycle). */
        padding_cursor_t pad;
        size_t width = (size_t)(level * INDENT) + strlen("basic_block") + strlen(" end");
        padding_start(&pad, f, n);
        for (uint32_t i = 0; i < n->n_ops && width <= LINE_WIDTH; i++)
            if (!padding_at(&pad, i))
                width += 1 + op_text(&f->ops[n->ops_start + i], text, sizeof text);
        const int one_line = width <= LINE_WIDTH;
        puts_(s, "basic_block");
        padding_start(&pad, f, n);
        for (uint32_t i = 0; i < n->n_ops; i++) {
            if (padding_at(&pad, i))
                continue;
            if (one_line) {
                puts_(s, " ");
            } else {
                puts_(s, "\n");
                indent(s, level + 1);
            }
            op_text(&f->ops[n->ops_start + i], text, sizeof text);
            puts_(s, text);
        }
        if (one_line) {
            puts_(s, " end");
        } else {
            puts_(s, "\n");
            indent(s, level);
            puts_(s, "end");
        }
        return;
    }
    case NODE_JOIN:
    case NODE_SPLIT:
    case NODE_LOOP:
        puts_(s, n->kind == NODE_JOIN ? "join\n" : n->kind == NODE_SPLIT ? "if.true\n" : "while.true\n");
        indent(s, level + 1);
        print_node(s, f, n->child[0], level + 1, limit);
        puts_(s, "\n");
        if (n->kind != NODE_LOOP) {
            if (n->kind == NODE_SPLIT) {
                indent(s, level);
                puts_(s, "else\n");
            }
            indent(s, level + 1);
            print_node(s, f, n->child[1], level + 1, limit);
            puts_(s, "\n");
        }
        indent(s, level);
        puts_(s, "end");
        return;
    case NODE_CALL:
    case NODE_SYSCALL:
        puts_(s, n->kind == NODE_CALL ? "call." : "syscall.");
        target_text(f, n->child[0], limit, text, sizeof text);
        puts_(s, text);
        return;
    case NODE_EXTERNAL:
        puts_(s, "external.");
        target_text(f, id, limit, text, sizeof text);
        puts_(s, text);
        return;
    case NODE_DYN:
        puts_(s, "dyn");
        return;
    case NODE_DYNCALL:
        puts_(s, "dyncall");
        return;
    }
}

char *mast_format(const mast_forest_t *f, size_t *len)
{
    sbuf_t s = { 0 };
    static const char *const kind_word[] = { "proc.", "kernel.", "library." };
    for (uint32_t i = 0; i < f->n_procs; i++) {
        puts_(&s, kind_word[f->procs[i].kind]);
        puts_(&s, f->procs[i].name);
        puts_(&s, "\n");
        indent(&s, 1);
        print_node(&s, f, f->procs[i].node, 1, i);
        puts_(&s, "\nend\n\n");
    }
    puts_(&s, "begin\n");
    indent(&s, 1);
    print_node(&s, f, f->entry, 1, f->n_procs);
    puts_(&s, "\nend\n");
    if (s.oom) {
        free(s.buf);
        return NULL;
    }
    if (len)
        *len = s.len;
    return s.buf;
}

/*
 * t_batch.c - basic-block batching against upstream's snapshot cases
 * (miden-vm v0.19.0, core/src/mast/node/basic_block_node/tests.rs,
 * batch_ops_1..9, expected batches from the batch_ops_N.snap files in
 * core/src/mast/node/basic_block_node/snapshots/).
 */
#include "tap.h"
#include "mast/parse.h"
#include "mast/print.h"

typedef struct {
    int num_groups;
    uint64_t groups[8];
    int indptr[9];
    int padding[8];
    const char *ops; /* the batch's ops, padding NOOPs included */
} want_batch_t;

typedef struct {
    const char *name;
    const char *input;
    int n_batches;
    want_batch_t batches[2];
} batch_case_t;

static const batch_case_t cases[] = {
    { "batch_ops_1", "add", 1, {
        { 1, { 34u, 0u, 0u, 0u, 0u, 0u, 0u, 0u }, { 0, 1, 0, 0, 0, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0, 0, 0, 0 }, "add" } } },
    { "batch_ops_2", "add mul", 1, {
        { 1, { 4514u, 0u, 0u, 0u, 0u, 0u, 0u, 0u }, { 0, 2, 0, 0, 0, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0, 0, 0, 0 }, "add mul" } } },
    { "batch_ops_3", "add push(12345678)", 1, {
        { 2, { 11682u, 12345678u, 0u, 0u, 0u, 0u, 0u, 0u }, { 0, 3, 3, 0, 0, 0, 0, 0, 0 }, { 1, 0, 0, 0, 0, 0, 0, 0 }, "add push(12345678) noop" } } },
    { "batch_ops_4", "push(1) push(2) push(3) push(4) push(5) push(6) push(7) add", 1, {
        { 8, { 19543672004996571u, 1u, 2u, 3u, 4u, 5u, 6u, 7u }, { 0, 8, 8, 8, 8, 8, 8, 8, 8 }, { 0, 0, 0, 0, 0, 0, 0, 0 }, "push(1) push(2) push(3) push(4) push(5) push(6) push(7) add" } } },
    { "batch_ops_5", "add mul push(1) push(2) push(3) push(4) push(5) push(6) add push(7)", 2, {
        { 8, { 2501590016639553954u, 1u, 2u, 3u, 4u, 5u, 6u, 0u }, { 0, 9, 9, 9, 9, 9, 9, 9, 10 }, { 0, 0, 0, 0, 0, 0, 0, 1 }, "add mul push(1) push(2) push(3) push(4) push(5) push(6) add noop" },
        { 2, { 91u, 7u, 0u, 0u, 0u, 0u, 0u, 0u }, { 0, 2, 2, 0, 0, 0, 0, 0, 0 }, { 1, 0, 0, 0, 0, 0, 0, 0 }, "push(7) noop" } } },
    { "batch_ops_6", "add mul add push(7) add add push(11) mul mul add", 1, {
        { 4, { 2542120439479046562u, 7u, 11u, 34u, 0u, 0u, 0u, 0u }, { 0, 9, 9, 9, 10, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0, 0, 0, 0 }, "add mul add push(7) add add push(11) mul mul add" } } },
    { "batch_ops_7", "add mul add add add mul mul add push(11)", 1, {
        { 4, { 19295441833726370u, 91u, 11u, 0u, 0u, 0u, 0u, 0u }, { 0, 8, 10, 10, 11, 0, 0, 0, 0 }, { 0, 1, 0, 1, 0, 0, 0, 0 }, "add mul add add add mul mul add push(11) noop noop" } } },
    { "batch_ops_8", "add mul add add add mul mul push(1) push(2)", 1, {
        { 4, { 51383589178741154u, 1u, 91u, 2u, 0u, 0u, 0u, 0u }, { 0, 9, 9, 11, 11, 0, 0, 0, 0 }, { 1, 0, 1, 0, 0, 0, 0, 0 }, "add mul add add add mul mul push(1) noop push(2) noop" } } },
    { "batch_ops_9", "add mul push(1) push(2) push(3) push(4) push(5) add mul add mul add mul add mul add mul push(6) pad", 2, {
        { 8, { 2541559463332467106u, 1u, 2u, 3u, 4u, 5u, 19853993742733730u, 0u }, { 0, 9, 9, 9, 9, 9, 9, 17, 18 }, { 0, 0, 0, 0, 0, 0, 0, 1 }, "add mul push(1) push(2) push(3) push(4) push(5) add mul add mul add mul add mul add mul noop" },
        { 2, { 6235u, 6u, 0u, 0u, 0u, 0u, 0u, 0u }, { 0, 2, 2, 0, 0, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0, 0, 0, 0 }, "push(6) pad" } } },
};
#define N_CASES (int)(sizeof cases / sizeof cases[0])

/* The ops of one batch as text, like the snapshot lists them. */
static void batch_ops_text(const mast_forest_t *f, const op_batch_t *b, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < b->num_ops && n < len; i++) {
        const op_t *op = &f->ops[f->nodes[f->entry].ops_start + b->first_op + i];
        const op_info_t *info = op_by_code(op->opcode);
        if (info->imm == IMM_PUSH)
            n += (size_t)snprintf(buf + n, len - n, "%s%s(%llu)", i ? " " : "", info->name,
                                  (unsigned long long)op->imm);
        else
            n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "", info->name);
    }
}

static int check_case(const batch_case_t *c)
{
    char text[1024], err[512], got_ops[1024];
    snprintf(text, sizeof text, "begin basic_block %s end end", c->input);
    mast_forest_t f;
    mast_forest_init(&f);
    if (mast_parse(c->name, text, strlen(text), &f, err, sizeof err) != 0) {
        tap_diag("%s: parse failed: %s", c->name, err);
        return 0;
    }
    const mast_node_t *n = &f.nodes[f.entry];
    int ok = n->kind == NODE_BLOCK && (int)n->n_batches == c->n_batches;
    if (!ok)
        tap_diag("%s: %u batches, expected %d", c->name, n->n_batches, c->n_batches);
    for (int b = 0; ok && b < c->n_batches; b++) {
        const op_batch_t *got = &f.batches[n->batches_start + b];
        const want_batch_t *w = &c->batches[b];
        if (got->num_groups != w->num_groups) {
            tap_diag("%s batch %d: num_groups %d, expected %d", c->name, b, got->num_groups,
                     w->num_groups);
            ok = 0;
        }
        for (int g = 0; g < 8; g++) {
            if (got->groups[g] != w->groups[g] || got->padding[g] != w->padding[g]) {
                tap_diag("%s batch %d group %d: value %" PRIu64 " padding %d, expected %" PRIu64
                         " padding %d", c->name, b, g, got->groups[g], got->padding[g],
                         w->groups[g], w->padding[g]);
                ok = 0;
            }
        }
        for (int g = 0; g < 9; g++)
            if (got->indptr[g] != w->indptr[g]) {
                tap_diag("%s batch %d: indptr[%d] = %d, expected %d", c->name, b, g,
                         got->indptr[g], w->indptr[g]);
                ok = 0;
            }
        batch_ops_text(&f, got, got_ops, sizeof got_ops);
        if (strcmp(got_ops, w->ops) != 0) {
            tap_diag("%s batch %d ops:\n#      got: %s\n# expected: %s", c->name, b, got_ops,
                     w->ops);
            ok = 0;
        }
    }
    mast_forest_free(&f);
    return ok;
}

int main(void)
{
    tap_plan(N_CASES + 3);
    for (int i = 0; i < N_CASES; i++)
        tap_ok(check_case(&cases[i]), "%s: batches match upstream's snapshot", cases[i].name);

    /* Boundaries the snapshots do not cover: 72 ops fill one batch exactly,
       the 73rd opens a second; a push can never be a group's 9th op. */
    char text[4096], err[512];
    size_t n = (size_t)snprintf(text, sizeof text, "begin basic_block");
    for (int i = 0; i < 73; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, " swap");
    snprintf(text + n, sizeof text - n, " end end");
    mast_forest_t f;
    mast_forest_init(&f);
    tap_ok(mast_parse("t", text, strlen(text), &f, err, sizeof err) == 0 &&
           f.nodes[f.entry].n_batches == 2 && f.batches[0].num_ops == 72 &&
           f.batches[1].num_ops == 1 && f.batches[1].num_groups == 1,
           "73 swaps: a full batch of 72 ops, then a batch of one");
    mast_forest_free(&f);

    snprintf(text, sizeof text, "begin basic_block swap swap swap swap swap swap swap swap push(5) "
             "end end");
    mast_forest_init(&f);
    const int rc = mast_parse("t", text, strlen(text), &f, err, sizeof err);
    tap_ok(rc == 0 && f.batches[0].indptr[1] == 8 && f.ops[8].opcode == OP_PUSH &&
           f.batches[0].groups[1] == OP_PUSH && f.batches[0].groups[2] == 5,
           "a push that would be the 9th op of a group opens the next group");
    mast_forest_free(&f);

    /* Every group of every batch holds at most 9 ops and no group ends in a push. */
    uint64_t st = tap_seed();
    int bad = 0;
    for (int trial = 0; trial < 2000 && !bad; trial++) {
        n = (size_t)snprintf(text, sizeof text, "begin basic_block");
        const int len = 1 + (int)(tap_rand(&st) % 150);
        for (int i = 0; i < len; i++)
            n += (size_t)snprintf(text + n, sizeof text - n, tap_rand(&st) % 3 ? " add" : " push(9)");
        snprintf(text + n, sizeof text - n, " end end");
        mast_forest_init(&f);
        if (mast_parse("t", text, strlen(text), &f, err, sizeof err) != 0) {
            bad = 1;
            break;
        }
        for (uint32_t b = 0; b < f.n_batches; b++) {
            const op_batch_t *ob = &f.batches[b];
            const int pow2 = ob->num_groups == 1 || ob->num_groups == 2 || ob->num_groups == 4 ||
                             ob->num_groups == 8;
            if (!pow2 || (b + 1 < f.n_batches && ob->num_groups != 8))
                bad = 1;
            for (int g = 0; g < ob->num_groups; g++) {
                const int cnt = ob->indptr[g + 1] - ob->indptr[g];
                if (cnt > 9 || cnt < 0)
                    bad = 1;
                if (cnt > 0 && f.ops[ob->first_op + ob->indptr[g + 1] - 1].opcode == OP_PUSH)
                    bad = 1;
            }
        }
        mast_forest_free(&f);
    }
    tap_ok(!bad, "2000 random blocks: power-of-two group counts, <= 9 ops per group, no group "
           "ends in a push");
    return tap_done();
}

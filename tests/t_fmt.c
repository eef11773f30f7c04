/*
 * t_fmt.c - parse -> print -> parse gives the same forest and digest, and
 * printing is idempotent, for every program in vectors/programs/ and in the
 * shared vector sets. The number of programs found in each directory must
 * be the pinned one (shared_vectors.h); absent shared vectors fail in CI
 * (shared_vectors_absent).
 */
#include <dirent.h>

#include "tap.h"
#include "shared_vectors.h"
#include "mast/parse.h"
#include "mast/print.h"

/* Same forest: same nodes (kind, children, digest, ops), procedures and kernel. */
static int same_forest(const mast_forest_t *a, const mast_forest_t *b, char *why, size_t len)
{
    if (a->n_nodes != b->n_nodes || a->n_procs != b->n_procs || a->n_kernel != b->n_kernel ||
        a->entry != b->entry || a->n_ops != b->n_ops || a->n_batches != b->n_batches) {
        snprintf(why, len, "shape differs (%u/%u nodes, %u/%u procs, %u/%u ops)", a->n_nodes,
                 b->n_nodes, a->n_procs, b->n_procs, a->n_ops, b->n_ops);
        return 0;
    }
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        const mast_node_t *x = &a->nodes[i], *y = &b->nodes[i];
        if (x->kind != y->kind || !word_eq(x->digest, y->digest) || x->child[0] != y->child[0] ||
            x->child[1] != y->child[1] || x->n_ops != y->n_ops || x->n_batches != y->n_batches) {
            snprintf(why, len, "node %u differs", i);
            return 0;
        }
    }
    for (uint32_t i = 0; i < a->n_ops; i++)
        if (a->ops[i].opcode != b->ops[i].opcode || a->ops[i].imm != b->ops[i].imm) {
            snprintf(why, len, "op %u differs", i);
            return 0;
        }
    for (uint32_t i = 0; i < a->n_procs; i++)
        if (strcmp(a->procs[i].name, b->procs[i].name) || a->procs[i].kind != b->procs[i].kind ||
            a->procs[i].node != b->procs[i].node) {
            snprintf(why, len, "procedure %u differs", i);
            return 0;
        }
    for (uint32_t i = 0; i < a->n_kernel; i++)
        if (!word_eq(a->kernel[i], b->kernel[i])) {
            snprintf(why, len, "kernel entry %u differs", i);
            return 0;
        }
    return 1;
}

static int round_trip(const char *path, char *why, size_t len)
{
    mast_forest_t f1, f2, f3;
    mast_forest_init(&f1);
    mast_forest_init(&f2);
    mast_forest_init(&f3);
    if (mast_parse_file(path, &f1, why, len) != 0)
        return 0;
    size_t n1, n2;
    char *t1 = mast_format(&f1, &n1);
    int ok = 0;
    if (mast_parse("printed", t1, n1, &f2, why, len) == 0) {
        char *t2 = mast_format(&f2, &n2);
        ok = same_forest(&f1, &f2, why, len) &&
             word_eq(mast_program_hash(&f1), mast_program_hash(&f2));
        if (ok && (n1 != n2 || memcmp(t1, t2, n1) != 0)) {
            snprintf(why, len, "printing the reparsed forest gives different text");
            ok = 0;
        }
        free(t2);
        mast_forest_free(&f2);
    }
    free(t1);
    mast_forest_free(&f1);
    return ok;
}

/* Round-trip every .masm file of dir; returns files checked, -1 if absent. */
static int check_dir(const char *dir, int *bad)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    int n = 0;
    char path[1024], why[1024];
    while ((e = readdir(d)) != NULL) {
        const size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".masm") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (!round_trip(path, why, sizeof why)) {
            (*bad)++;
            tap_diag("%s: %s", path, why);
        }
        n++;
    }
    closedir(d);
    return n;
}

int main(void)
{
    tap_plan(4);
    int bad = 0;
    const int own = check_dir("vectors/programs", &bad);
    tap_ok(own == OWN_PROGRAMS && bad == 0,
           "vectors/programs: %d programs round-trip (%d failed; %d found, %d expected)",
           own - bad, bad, own, OWN_PROGRAMS);

    char dir[1024];
    const char *sub[] = { "vectors/miden-v0.19.0/programs", "vectors/oracle-v0.19.0/ops/programs" };
    const int expected[] = { UPSTREAM_PROGRAMS, ORACLE_PROGRAMS };
    for (int i = 0; i < 2; i++) {
        snprintf(dir, sizeof dir, "%s/%s", shared_dir(), sub[i]);
        bad = 0;
        const int n = check_dir(dir, &bad);
        if (n < 0)
            shared_vectors_absent(dir);
        else
            tap_ok(n == expected[i] && bad == 0,
                   "%s: %d programs round-trip (%d failed; %d found, %d expected)", sub[i],
                   n - bad, bad, n, expected[i]);
    }

    /* The printed form of a small program, exactly. */
    const char *src = "proc.f basic_block swap end end\n"
                      "# a comment\nbegin join basic_block push(42) end trace(3) call.f end end";
    mast_forest_t f;
    mast_forest_init(&f);
    char err[256];
    const int rc = mast_parse("t", src, strlen(src), &f, err, sizeof err);
    char *text = rc == 0 ? mast_format(&f, NULL) : NULL;
    const char *want = "proc.f\n    basic_block swap end\nend\n\n"
                       "begin\n    join\n        basic_block push(42) end\n"
                       "        call.f\n    end\nend\n";
    if (!tap_ok(text && !strcmp(text, want), "canonical form of a small program"))
        tap_diag("got:\n%s", text ? text : err);
    free(text);
    mast_forest_free(&f);
    return tap_done();
}

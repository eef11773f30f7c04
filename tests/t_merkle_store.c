/*
 * t_merkle_store.c - the advice provider's Merkle store (exec/merkle_store.h)
 * and what uses it (spec/operations.md sections 8.1 and 10).
 *
 * The store against values computed here with rpo_merge alone: the
 * empty-subtree roots (against constants of miden-crypto v0.18.0's
 * EMPTY_SUBTREES), the roots of a merkle_tree, a depth-64
 * sparse_merkle_tree and a partial_merkle_tree, paths, updates (the old
 * tree stays), merges and lookup failures. The roots of the shared
 * vectors' .inputs files against the roots their programs push (the
 * oracle's mpverify case, the masb merkle_store_ops vector). The
 * operations: errors (store lookup, path verification, node index, depth
 * 0) fail with exit 1 naming the clk; a context whose replayed path is
 * changed is refused; `check --all-fragments` on the oracle programs and
 * on a short program with two depth-64 updates (2048 hasher rows from 15
 * cycles); and a corpus case with a Merkle store round-trips through
 * corpus add, verify, export, conform and import.
 */
#include "tap.h"
#include "run_cmd.h"
#include "shared_vectors.h"
#include "tmpdir.h"
#include "exec/merkle_store.h"
#include "io/json.h"
#include "io/merkle_inputs.h"
#include "mast/parse.h"
#include "trace/fragment.h"

static word_t W(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    return (word_t){ { a, b, c, d } };
}

static int same(word_t a, word_t b)
{
    return !memcmp(&a, &b, sizeof a);
}

static void words_text(word_t w, char *buf, size_t len)
{
    snprintf(buf, len, "[%llu, %llu, %llu, %llu]", (unsigned long long)w.v[0],
             (unsigned long long)w.v[1], (unsigned long long)w.v[2], (unsigned long long)w.v[3]);
}

/* push(w0) push(w1) push(w2) push(w3): the word w at position 0. */
static int push_word(char *p, size_t len, word_t w)
{
    return snprintf(p, len, "push(%llu) push(%llu) push(%llu) push(%llu) ",
                    (unsigned long long)w.v[0], (unsigned long long)w.v[1],
                    (unsigned long long)w.v[2], (unsigned long long)w.v[3]);
}

/* ------------------------------------------------------------------ */
/* The store                                                           */

static void check_empty_roots(void)
{
    merkle_store_t s;
    merkle_store_init(&s);
    word_t e = W(0, 0, 0, 0);
    int chain = same(merkle_store_empty_root(&s, 0), e);
    for (unsigned k = 1; k < MERKLE_EMPTY_ROOTS; k++) {
        e = rpo_merge(e, e);
        chain &= same(merkle_store_empty_root(&s, k), e);
    }
    /* EMPTY_SUBTREES[254], [191] and [0]: E(1), E(64), E(255) */
    const int consts =
        same(merkle_store_empty_root(&s, 1), W(8635338869442206704u, 11671305615285950885u,
                                              15253023094703789604u, 7398108415970215319u)) &&
        same(merkle_store_empty_root(&s, 64), W(15321474589252129342u, 17373224439259377994u,
                                               15071539326562317628u, 3312677166725950353u)) &&
        same(merkle_store_empty_root(&s, 255), W(17167041025187024324u, 4400885916042396520u,
                                                180962442427460263u, 1081753009405638580u));
    /* an empty subtree of any height is in a new store: its nodes lead to zeros */
    word_t node, missing, path[64];
    const int found =
        merkle_store_get_path(&s, merkle_store_empty_root(&s, 64), 64, UINT64_C(0xdeadbeef12345),
                              &node, path, &missing) == MERKLE_OK &&
        same(node, W(0, 0, 0, 0)) && same(path[0], W(0, 0, 0, 0)) &&
        same(path[63], merkle_store_empty_root(&s, 63)) &&
        merkle_store_find(&s, merkle_store_empty_root(&s, 255)) != NULL &&
        merkle_store_find(&s, W(0, 0, 0, 0)) == NULL;
    tap_ok(chain && consts && found, "empty-subtree roots: E(k+1) = merge(E(k), E(k)), E(1), "
           "E(64), E(255) as miden-crypto's constants; a new store holds E(1)..E(255), and a "
           "path into E(64) is E(0)..E(63)");
    merkle_store_free(&s);
}

/* merkle_tree of 8 leaves: root, paths of every leaf, updates. */
static void check_tree(void)
{
    merkle_store_t s;
    merkle_store_init(&s);
    merkle_leaf_t leaves[8];
    word_t node[16];
    for (int k = 0; k < 8; k++) {
        leaves[k] = (merkle_leaf_t){ 0, 0, W((uint64_t)k + 1, 1000 * ((uint64_t)k + 1),
                                             FELT_P - 2 - (uint64_t)k, UINT64_C(1) << 32 | k) };
        node[8 + k] = leaves[k].value;
    }
    for (int i = 7; i >= 1; i--)
        node[i] = rpo_merge(node[2 * i], node[2 * i + 1]);
    const merkle_data_t d = { MERKLE_DATA_TREE, leaves, 8 };
    word_t root, missing, got, path[3];
    size_t bad;
    char err[200];
    int ok = merkle_store_add_data(&s, &d, &root, &bad, err, sizeof err) == 0 &&
             same(root, node[1]);
    for (int k = 0; ok && k < 8; k++) {
        ok = merkle_store_get_path(&s, root, 3, (uint64_t)k, &got, path, &missing) == MERKLE_OK &&
             same(got, node[8 + k]) && same(path[0], node[(8 + k) ^ 1]) &&
             same(path[1], node[((8 + k) >> 1) ^ 1]) && same(path[2], node[((8 + k) >> 2) ^ 1]) &&
             same(merkle_path_root(got, (uint64_t)k, path, 3), root);
    }
    for (int i = 1; ok && i < 8; i++) {
        const merkle_node_t *n = merkle_store_find(&s, node[i]);
        ok = n && same(n->left, node[2 * i]) && same(n->right, node[2 * i + 1]);
    }
    /* This is the oracle mpverify case's tree: leaves [k+1, 1000(k+1), p-2-k, 2^32+k]. */
    const word_t oracle_root = W(7157095094337389643u, 6302304439955914779u,
                                 4641251383596129097u, 10247861093399179332u);
    tap_ok(ok && same(root, oracle_root), "merkle_tree of 8 leaves: root (the oracle mpverify "
           "case's), every inner node with its children, every leaf's path bottom up");

    /* set_node: the new root is the path's root of the new value; both trees stay */
    const size_t before = s.n;
    word_t new_root, same_root, p2[3], p3[3];
    const word_t v = W(5, 6, 7, 8);
    ok = merkle_store_set_node(&s, root, 3, 5, v, path, &new_root, &missing) == MERKLE_OK &&
         same(new_root, merkle_path_root(v, 5, path, 3)) && s.n == before + 3 &&
         merkle_store_get_node(&s, new_root, 3, 5, &got, &missing) == MERKLE_OK && same(got, v) &&
         merkle_store_get_node(&s, root, 3, 5, &got, &missing) == MERKLE_OK &&
         same(got, node[13]) &&
         merkle_store_get_path(&s, new_root, 3, 4, &got, p2, &missing) == MERKLE_OK &&
         same(got, node[12]) && same(p2[0], v) &&
         merkle_store_set_node(&s, new_root, 3, 5, v, p3, &same_root, &missing) == MERKLE_OK &&
         same(same_root, new_root) && s.n == before + 3;
    /* an inner node as the value: the subtree under it is reachable from the new root */
    word_t sub_root;
    ok = ok && merkle_store_set_node(&s, root, 2, 0, node[3], path, &sub_root, &missing) ==
                   MERKLE_OK &&
         merkle_store_get_node(&s, sub_root, 4, 2, &got, &missing) == MERKLE_OK &&
         same(got, node[14]);
    tap_ok(ok, "set_node: the new root is the new value's path root, 3 new nodes, the old tree "
           "stays; the same value again adds nothing; a subtree as the value is reachable");

    /* failures */
    word_t m1, m2, deep[64];
    const word_t unknown = W(1, 2, 3, 4);
    ok = merkle_store_get_path(&s, unknown, 3, 0, &got, path, &m1) == MERKLE_ROOT_NOT_IN_STORE &&
         same(m1, unknown) &&
         merkle_store_get_node(&s, root, 4, 3, &got, &m2) == MERKLE_NODE_NOT_IN_STORE &&
         same(m2, node[9]) &&
         merkle_store_set_node(&s, root, 5, 0, v, deep, &new_root, &m2) ==
             MERKLE_NODE_NOT_IN_STORE &&
         merkle_store_get_node(&s, root, 0, 0, &got, &m2) == MERKLE_OK && same(got, root) &&
         merkle_store_get_node(&s, node[8], 0, 0, &got, &m2) == MERKLE_ROOT_NOT_IN_STORE;
    tap_ok(ok, "lookups fail naming the digest: a root not in the store, a path that runs past "
           "a leaf (the leaf is named); depth 0 is the root itself, which must be a node");

    /* merge_roots */
    word_t parent;
    ok = merkle_store_merge_roots(&s, root, new_root, &parent) == MERKLE_OK &&
         same(parent, rpo_merge(root, new_root)) &&
         merkle_store_get_node(&s, parent, 4, 8 + 5, &got, &missing) == MERKLE_OK && same(got, v) &&
         merkle_store_get_node(&s, parent, 4, 5, &got, &missing) == MERKLE_OK && same(got, node[13]);
    tap_ok(ok, "merge_roots: merge(l, r) with children l and r; both trees below it");
    merkle_store_free(&s);
}

/* sparse_merkle_tree (depth 64) and partial_merkle_tree against explicit merges. */
static void check_sparse_partial(void)
{
    merkle_store_t s;
    merkle_store_init(&s);
    const uint64_t i1 = 1, i2 = UINT64_MAX;
    const word_t a = W(11, 12, 13, 14), b = W(21, 22, 23, 24);
    merkle_leaf_t sl[3] = { { i2, 0, b }, { 77, 0, W(0, 0, 0, 0) }, { i1, 0, a } };
    const merkle_data_t sd = { MERKLE_DATA_SPARSE, sl, 3 };
    /* explicit: the paths of 1 (leftmost subtree) and 2^64 - 1 (rightmost) meet only at the root */
    word_t ha = a, hb = b;
    for (unsigned h = 0; h < 63; h++) {
        const word_t e = merkle_store_empty_root(&s, h);
        ha = h == 0 ? rpo_merge(e, ha) : rpo_merge(ha, e);
        hb = rpo_merge(e, hb);
    }
    const word_t want = rpo_merge(ha, hb);
    word_t root, got, missing, path[64];
    size_t bad;
    char err[200];
    int ok = merkle_store_add_data(&s, &sd, &root, &bad, err, sizeof err) == 0 && same(root, want) &&
             s.n == 2 * 64 - 1 && merkle_store_get_path(&s, root, 64, i1, &got, path, &missing) == MERKLE_OK &&
             same(got, a) && same(merkle_path_root(a, i1, path, 64), root) &&
             merkle_store_get_node(&s, root, 64, 77, &got, &missing) == MERKLE_OK &&
             same(got, W(0, 0, 0, 0));
    const merkle_data_t one = { MERKLE_DATA_SPARSE, sl + 1, 1 };
    word_t empty_root;
    ok = ok && merkle_store_add_data(&s, &one, &empty_root, &bad, err, sizeof err) == 0 &&
         same(empty_root, merkle_store_empty_root(&s, 64));
    /* The masb merkle_store_ops vector's sparse tree ([8101..] at 1, [8201..] at 2) and the
       root its program pushes. */
    merkle_leaf_t ml[2] = { { 1, 0, W(8101, 8102, 8103, 8104) }, { 2, 0, W(8201, 8202, 8203, 8204) } };
    const merkle_data_t md = { MERKLE_DATA_SPARSE, ml, 2 };
    word_t mroot;
    ok = ok && merkle_store_add_data(&s, &md, &mroot, &bad, err, sizeof err) == 0 &&
         same(mroot, W(6481487837294396753u, 7569704416829398527u, 9910997775342871666u,
                       7343276265648762033u));
    char t1[100], t2[100];
    words_text(root, t1, sizeof t1);
    words_text(want, t2, sizeof t2);
    tap_ok(ok, "sparse_merkle_tree: leaves at 1 and 2^64 - 1 (a zero leaf is empty): root %s "
           "(explicit %s), 127 inner nodes, paths; no leaves: E(64); the masb vector's root", t1,
           t2);

    /* partial: (2,0), (2,1), (1,1) -> root merge(merge(x, y), z); (0,0) given: nothing above */
    merkle_store_t p;
    merkle_store_init(&p);
    const word_t x = W(9001, 9002, 9003, 9004), y = W(9101, 9102, 9103, 9104),
                 z = W(9201, 9202, 9203, 9204);
    merkle_leaf_t pl[3] = { { 0, 2, x }, { 1, 2, y }, { 1, 1, z } };
    const merkle_data_t pd = { MERKLE_DATA_PARTIAL, pl, 3 };
    ok = merkle_store_add_data(&p, &pd, &root, &bad, err, sizeof err) == 0 &&
         same(root, rpo_merge(rpo_merge(x, y), z)) && p.n == 2 &&
         merkle_store_get_node(&p, root, 2, 1, &got, &missing) == MERKLE_OK && same(got, y);
    merkle_leaf_t ql[4] = { { 0, 1, x }, { 1, 1, y }, { 0, 0, z }, { 0, 1, z } };
    const merkle_data_t qd = { MERKLE_DATA_PARTIAL, ql, 4 };
    const size_t n0 = p.n;
    ok = ok && merkle_store_add_data(&p, &qd, &root, &bad, err, sizeof err) == 0 &&
         same(root, z) && p.n == n0;
    merkle_leaf_t rl[2] = { { 0, 2, x }, { 3, 2, y } };
    const merkle_data_t rd = { MERKLE_DATA_PARTIAL, rl, 2 };
    ok = ok && merkle_store_add_data(&p, &rd, &root, &bad, err, sizeof err) != 0 && bad == 0 &&
         strstr(err, "lacks node (depth 2, index 1)");
    tap_ok(ok, "partial_merkle_tree: the root of (2,0), (2,1), (1,1) is merge(merge(x, y), z), 2 "
           "inner nodes; a given root is kept (no inner node); a missing sibling is named");
    merkle_store_free(&p);
    merkle_store_free(&s);
}

/* The shared vectors' .inputs: the roots their programs push are in the store. */
static void check_shared_inputs(void)
{
    struct {
        const char *file;
        word_t root;
        unsigned depth;
        uint64_t index;
        word_t leaf;
    } v[] = {
        { "vectors/oracle-v0.19.0/ops/programs/mpverify.inputs",
          W(7157095094337389643u, 6302304439955914779u, 4641251383596129097u,
            10247861093399179332u), 3, 7, W(8, 8000, 18446744069414584312u, 4294967303u) },
        { "vectors/masb-v0.19.0/merkle_store_ops/program.inputs",
          W(11307447932961925519u, 4497154367966398764u, 12407797128876426434u,
            3457580671336279183u), 2, 2, W(7201, 7202, 7203, 7204) },
        { "vectors/masb-v0.19.0/merkle_store_ops/program.inputs",
          W(6481487837294396753u, 7569704416829398527u, 9910997775342871666u,
            7343276265648762033u), 64, 1, W(8101, 8102, 8103, 8104) },
    };
    int ok = 1, absent = 0;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char path[1200], err[1400];
        snprintf(path, sizeof path, "%s/%s", shared_dir(), v[i].file);
        FILE *f = fopen(path, "r");
        if (!f) {
            absent = 1;
            continue;
        }
        fclose(f);
        merkle_store_t s;
        merkle_store_init(&s);
        word_t got, missing;
        if (merkle_inputs_load_file(path, &s, err, sizeof err) != 0 ||
            merkle_store_get_node(&s, v[i].root, v[i].depth, v[i].index, &got, &missing) !=
                MERKLE_OK ||
            !same(got, v[i].leaf)) {
            tap_diag("%s: %s", path, err);
            ok = 0;
        }
        merkle_store_free(&s);
    }
    if (absent)
        shared_vectors_absent("the .inputs files of the oracle and masb vectors");
    else
        tap_ok(ok, "the .inputs files of the oracle mpverify case and the masb merkle_store_ops "
               "vector give the roots their programs push, with the leaves they read");
}

/* ------------------------------------------------------------------ */
/* The operations                                                      */

typedef struct {
    test_dir_t dir;
    char inputs[700];
    word_t root;        /* the 4-leaf tree's root */
    word_t leaf[4];
} ops_ctx_t;

/* `fragtrace CMD PROGRAM --inputs` on program text; the result. */
static run_result_t run_program(ops_ctx_t *c, const char *cmd, const char *text,
                                const char *extra)
{
    static int n;
    char name[32], path[700];
    snprintf(name, sizeof name, "p%d.masm", n++);
    test_dir_write(&c->dir, name, text, strlen(text), path, sizeof path);
    const char *args[] = { cmd, path, "--inputs", c->inputs, extra, NULL };
    return run_fragtrace(args);
}

/* One failing program: exit status, and stderr holding every piece. */
static void fails(ops_ctx_t *c, const char *text, int status, const char *const *want,
                  const char *what)
{
    run_result_t r = run_program(c, "run", text, NULL);
    int ok = r.status == status && r.out[0] == '\0';
    for (int i = 0; want[i]; i++)
        ok &= strstr(r.err, want[i]) != NULL;
    if (!tap_ok(ok, "%s: exit %d, %s", what, status, want[0]))
        tap_diag("exit %d: %s", r.status, r.err);
    run_free(&r);
}

static void check_errors(ops_ctx_t *c)
{
    char prog[4096], *p;
    size_t left;
#define BEGIN() (p = prog, left = sizeof prog, \
                 p += snprintf(p, left, "begin basic_block "), left = sizeof prog - (size_t)(p - prog))
#define ADD(...) (p += snprintf(p, left, __VA_ARGS__), left = sizeof prog - (size_t)(p - prog))
#define WORD(w) (p += push_word(p, left, (w)), left = sizeof prog - (size_t)(p - prog))
    const char *tail = "drop drop drop drop drop drop drop drop drop drop";

    /* 1: mpverify of a root the store does not have (clk 13: the SPAN row, 10 pushes and two
       padding NOOPs of the batching, since each push's value takes an op group) */
    BEGIN();
    WORD(W(1, 2, 3, 4));
    ADD("push(1) push(2) ");
    WORD(c->leaf[1]);
    ADD("mpverify(9) %s end end", tail);
    const char *w1[] = { "clk 13: 'mpverify(9)': Merkle store lookup failed: root "
                         "0x0100000000000000020000000000000003000000000000000400000000000000 is "
                         "not in the store", NULL };
    fails(c, prog, 1, w1, "mpverify, root not in the store");

    /* 2: mpverify of the wrong value: path verification with the error code */
    BEGIN();
    WORD(c->root);
    ADD("push(1) push(2) ");
    WORD(c->leaf[2]);
    ADD("mpverify(9) %s end end", tail);
    const char *w2[] = { "clk 13: 'mpverify(9)': Merkle path verification failed: value ",
                         "at depth 2, index 1 does not lead to root", "(error code 9)", NULL };
    fails(c, prog, 1, w2, "mpverify, a value not at the index");

    /* 3: mrupdate with the wrong old value: error code 0 */
    BEGIN();
    WORD(W(5, 5, 5, 5));
    WORD(c->root);
    ADD("push(1) push(2) ");
    WORD(c->leaf[0]);
    ADD("mrupdate %s drop drop drop drop end end", tail);
    const char *w3[] = { "clk 17: 'mrupdate': Merkle path verification failed", "(error code 0)",
                         NULL };
    fails(c, prog, 1, w3, "mrupdate, an old value not at the index");

    /* 4: a path that runs past the leaves */
    BEGIN();
    WORD(c->root);
    ADD("push(1) push(3) ");
    WORD(c->leaf[0]);
    ADD("mpverify(0) %s end end", tail);
    const char *w4[] = { "clk 13: 'mpverify(0)': Merkle store lookup failed: node ",
                         "on the path to (depth 3, index 1) under root", NULL };
    fails(c, prog, 1, w4, "mpverify deeper than the tree");

    /* 5: a node index that is none: depth 65, and index >= 2^depth */
    BEGIN();
    WORD(c->root);
    ADD("push(0) push(65) ");
    WORD(c->leaf[0]);
    ADD("mpverify(0) %s end end", tail);
    const char *w5[] = { "clk 13: 'mpverify(0)': invalid Merkle tree node index: depth 65, "
                         "index 0", NULL };
    fails(c, prog, 1, w5, "mpverify at depth 65");
    BEGIN();
    WORD(c->root);
    ADD("push(4) push(2) ");
    WORD(c->leaf[0]);
    ADD("mrupdate %s end end", tail);
    const char *w6[] = { "clk 13: 'mrupdate': invalid Merkle tree node index: depth 2, index 4",
                         NULL };
    fails(c, prog, 1, w6, "mrupdate at index 4 of depth 2");

    /* 6: mrupdate of a root the store does not have */
    BEGIN();
    WORD(W(5, 5, 5, 5));
    WORD(W(1, 2, 3, 4));
    ADD("push(1) push(2) ");
    WORD(c->leaf[1]);
    ADD("mrupdate %s drop drop drop drop end end", tail);
    const char *w7[] = { "clk 17: 'mrupdate': Merkle store update failed: root ", NULL };
    fails(c, prog, 1, w7, "mrupdate, root not in the store");

    /* 7: merkle_node_to_stack of a root the store does not have, and at depth 70 */
    BEGIN();
    WORD(W(1, 2, 3, 4));
    ADD("push(0) push(1) push(6873007751276594108) emit drop %s", "drop drop drop drop drop drop "
        "end end");
    const char *w8[] = { "clk 8: 'emit': Merkle store lookup failed: root ", NULL };
    fails(c, prog, 1, w8, "merkle_node_to_stack, root not in the store");
    BEGIN();
    WORD(c->root);
    ADD("push(0) push(70) push(6873007751276594108) emit drop %s", "drop drop drop drop drop "
        "drop end end");
    const char *w9[] = { "clk 8: 'emit': invalid Merkle tree node index: depth 70", NULL };
    fails(c, prog, 1, w9, "merkle_node_to_stack at depth 70");

    /* 8: depth 0 (the node is the root): upstream's trace builder cannot trace it */
    BEGIN();
    WORD(c->root);
    ADD("push(0) push(0) ");
    WORD(c->root);
    ADD("mpverify(0) %s end end", tail);
    const char *w10[] = { "clk 13: 'mpverify(0)': a Merkle path of depth 0", "not supported",
                          NULL };
    fails(c, prog, 1, w10, "mpverify at depth 0");

    /* 9: merkle_node_to_stack at depth 0 gives the root; mpverify of a leaf read that way */
    BEGIN();
    WORD(c->root);
    ADD("push(0) push(0) push(6873007751276594108) emit drop drop drop pad pad pad pad "
        "advpopw ");
    for (int j = 3; j >= 0; j--)
        ADD("push(%llu) eq assert(0) ", (unsigned long long)c->root.v[j]);
    WORD(c->root);
    ADD("push(3) push(2) push(6873007751276594108) emit drop pad pad pad pad advpopw mpverify(0) ");
    ADD("drop drop drop drop drop drop drop drop drop drop drop drop drop drop end end");
    run_result_t r = run_program(c, "run", prog, NULL);
    if (!tap_ok(r.status == 0, "merkle_node_to_stack at depth 0 pushes the root (element 0 on "
                "top of the advice stack), at depth 2 the leaf mpverify then checks"))
        tap_diag("exit %d: %s%s", r.status, r.out, r.err);
    run_free(&r);
#undef BEGIN
#undef ADD
#undef WORD
}

/* A replayed path changed in the contexts is refused when the fragment is built. */
static void check_replay(ops_ctx_t *c)
{
    char prog[2048], path[700], err[512];
    int n = snprintf(prog, sizeof prog, "begin basic_block ");
    n += push_word(prog + n, sizeof prog - (size_t)n, c->root);
    n += snprintf(prog + n, sizeof prog - (size_t)n, "push(3) push(2) ");
    n += push_word(prog + n, sizeof prog - (size_t)n, c->leaf[3]);
    snprintf(prog + n, sizeof prog - (size_t)n, "mpverify(0) drop drop drop drop drop drop drop "
             "drop drop drop end end");
    test_dir_write(&c->dir, "replay.masm", prog, strlen(prog), path, sizeof path);
    mast_forest_t f;
    mast_forest_init(&f);
    vm_t *vm = malloc(sizeof *vm);
    int ok = mast_parse_file(path, &f, err, sizeof err) == 0 && vm &&
             vm_init(vm, &f, path, NULL, 0, NULL, 0) == 0 &&
             merkle_inputs_load_file(c->inputs, &vm->adv.store, err, sizeof err) == 0;
    fragment_set_t set;
    memset(&set, 0, sizeof set);
    ok = ok && fragment_record(vm, 4, &set) == 0;
    /* the fragment that reads the path: 2 siblings, 8 felts */
    size_t k = 0;
    while (ok && k < set.n && set.frags[k].replay.n == 0)
        k++;
    ok = ok && k < set.n && set.frags[k].replay.n == 8;
    main_trace_t t = { NULL, 0 };
    int built = ok && fragment_build_trace(&f, path, &set, 1, &t, err, sizeof err) == 0;
    main_trace_free(&t);
    int refused = 0;
    if (ok) {
        set.frags[k].replay.vals[5] ^= 1;
        refused = fragment_build_trace(&f, path, &set, 1, &t, err, sizeof err) != 0 &&
                  strstr(err, "replayed Merkle path does not lead to the root") != NULL;
        if (!refused)
            tap_diag("build: %s", err);
    }
    tap_ok(ok && built && refused, "contexts: the fragment with mpverify replays its 2 siblings "
           "(8 felts); one changed, its build is refused (the path no longer leads to the root)");
    fragment_set_free(&set);
    if (vm)
        vm_free(vm);
    free(vm);
    mast_forest_free(&f);
}

/* Two depth-64 updates in a short program: 2048 hasher rows from 15 cycles. */
static void check_deep_updates(ops_ctx_t *c)
{
    merkle_store_t s;
    merkle_store_init(&s);
    const uint64_t idx = UINT64_C(0x8000000000000003);
    merkle_leaf_t l = { idx, 0, W(3, 1, 4, 1) };
    const merkle_data_t d = { MERKLE_DATA_SPARSE, &l, 1 };
    word_t root, r1, r2, path[64], missing;
    size_t bad;
    char err[256];
    merkle_store_add_data(&s, &d, &root, &bad, err, sizeof err);
    merkle_store_set_node(&s, root, 64, idx, W(5, 9, 2, 6), path, &r1, &missing);
    merkle_store_set_node(&s, r1, 64, idx, W(5, 3, 5, 8), path, &r2, &missing);
    char inputs[600], ipath[700];
    snprintf(inputs, sizeof inputs, "{\"operand_stack\": [], \"merkle_store\": [{\"sparse_merkle_"
             "tree\": [[%llu, \"0x0300000000000000010000000000000004000000000000000100000000000000"
             "\"]]}]}", (unsigned long long)idx);
    test_dir_write(&c->dir, "deep.inputs", inputs, strlen(inputs), ipath, sizeof ipath);
    /* the first update, its operands dropped; the second on the new root */
    char prog[2048];
    int n = snprintf(prog, sizeof prog, "begin basic_block ");
    n += push_word(prog + n, sizeof prog - (size_t)n, W(5, 9, 2, 6));
    n += push_word(prog + n, sizeof prog - (size_t)n, root);
    n += snprintf(prog + n, sizeof prog - (size_t)n, "push(%llu) push(64) ",
                  (unsigned long long)idx);
    n += push_word(prog + n, sizeof prog - (size_t)n, W(3, 1, 4, 1));
    n += snprintf(prog + n, sizeof prog - (size_t)n, "mrupdate drop drop drop drop drop drop drop "
                  "drop drop drop drop drop drop drop ");
    n += push_word(prog + n, sizeof prog - (size_t)n, W(5, 3, 5, 8));
    n += push_word(prog + n, sizeof prog - (size_t)n, r1);
    n += snprintf(prog + n, sizeof prog - (size_t)n, "push(%llu) push(64) ",
                  (unsigned long long)idx);
    n += push_word(prog + n, sizeof prog - (size_t)n, W(5, 9, 2, 6));
    n += snprintf(prog + n, sizeof prog - (size_t)n, "mrupdate ");
    for (int j = 3; j >= 0; j--)
        n += snprintf(prog + n, sizeof prog - (size_t)n, "push(%llu) eq assert(0) ",
                      (unsigned long long)r2.v[j]);
    snprintf(prog + n, sizeof prog - (size_t)n, "drop drop drop drop drop drop drop drop drop "
             "drop end end");
    char ppath[700];
    test_dir_write(&c->dir, "deep.masm", prog, strlen(prog), ppath, sizeof ppath);
    const char *args[] = { "check", ppath, "--inputs", ipath, "--all-fragments", NULL };
    run_result_t r = run_fragtrace(args);
    if (!tap_ok(r.status == 0 && strstr(r.out, "identical (4096 rows"), "two depth-64 mrupdates "
                "(2048 hasher rows) in a program of under 80 cycles: the new roots as computed "
                "here, check --all-fragments identical at every length"))
        tap_diag("exit %d: %s%s", r.status, r.out, r.err);
    run_free(&r);
    merkle_store_free(&s);
}

/* check --all-fragments on the oracle cases that use the Merkle store. */
static void check_oracle_fragments(void)
{
    static const char *const cases[] = { "mpverify", "mrupdate", "emit" };
    int ok = 1;
    char dir[1100], probe[1200];
    snprintf(dir, sizeof dir, "%s/vectors/oracle-v0.19.0/ops/programs", shared_dir());
    snprintf(probe, sizeof probe, "%s/mpverify.masm", dir);
    FILE *f = fopen(probe, "r");
    if (!f) {
        shared_vectors_absent(probe);
        return;
    }
    fclose(f);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char prog[1300], inputs[1300];
        snprintf(prog, sizeof prog, "%s/%s.masm", dir, cases[i]);
        snprintf(inputs, sizeof inputs, "%s/%s.inputs", dir, cases[i]);
        const char *args[] = { "check", prog, "--inputs", inputs, "--all-fragments", NULL };
        run_result_t r = run_fragtrace(args);
        if (r.status != 0 || !strstr(r.out, "identical")) {
            tap_diag("%s: exit %d: %s%s", cases[i], r.status, r.out, r.err);
            ok = 0;
        }
        run_free(&r);
    }
    tap_ok(ok, "check --all-fragments: the oracle mpverify, mrupdate and emit programs build "
           "identically from contexts at every fragment length");
}

/* A corpus case with a Merkle store: add, verify, export, conform, import. */
static void check_corpus(ops_ctx_t *c)
{
    char db[700], db2[700], out[700];
    test_dir_file(&c->dir, "c.db", db, sizeof db);
    test_dir_file(&c->dir, "d.db", db2, sizeof db2);
    test_dir_file(&c->dir, "export", out, sizeof out);
    const char *prog = "vectors/programs/merkle_paths.masm";
    const char *inputs = "vectors/programs/merkle_paths.inputs";
    const char *init[] = { "corpus", "init", "--db", db, NULL };
    const char *init2[] = { "corpus", "init", "--db", db2, NULL };
    const char *add[] = { "corpus", "add", "--db", db, prog, "--inputs", inputs, "--fragment",
                          "9", NULL };
    const char *show[] = { "corpus", "show", "--db", db, "merkle_paths", NULL };
    const char *verify[] = { "corpus", "verify", "--db", db, NULL };
    const char *exp[] = { "export", "--db", db, "--out", out, "--quiet", NULL };
    const char *conf[] = { "conform", out, NULL };
    const char *imp[] = { "import", "--db", db2, out, NULL };
    const char *verify2[] = { "corpus", "verify", "--db", db2, NULL };
    const char *const *steps[] = { init, init2, add, show, verify, exp, conf, imp, verify2 };
    int ok = 1;
    for (size_t i = 0; ok && i < sizeof steps / sizeof steps[0]; i++) {
        run_result_t r = run_fragtrace(steps[i]);
        ok = r.status == 0;
        if (steps[i] == show)
            ok &= strstr(r.out, "merkle store: [{\"merkle_tree\":[\"0x0100000000000000e803") !=
                      NULL &&
                  strstr(r.out, "{\"sparse_merkle_tree\":[[5,\"0x0b") != NULL &&
                  strstr(r.out, "{\"partial_merkle_tree\":[[[2,0],\"0x29") != NULL;
        if (steps[i] == verify || steps[i] == verify2)
            ok &= strstr(r.out, "1 passed, 0 failed") != NULL;
        if (!ok)
            tap_diag("%s: exit %d: %s%s", steps[i][0], r.status, r.out, r.err);
        run_free(&r);
    }
    tap_ok(ok, "corpus: merkle_paths with its inputs file is added (the Merkle store kept as "
           "compact JSON), verifies, exports, conforms and imports into another corpus that "
           "verifies");
}

int main(void)
{
    tap_plan(23);
    check_empty_roots();
    check_tree();
    check_sparse_partial();
    check_shared_inputs();

    ops_ctx_t c;
    memset(&c, 0, sizeof c);
    test_dir_make(&c.dir);
    /* a 4-leaf tree */
    merkle_leaf_t l[4];
    char text[2048];
    int n = snprintf(text, sizeof text, "{\"operand_stack\": [], \"merkle_store\": [{\"merkle_tree"
                     "\": [");
    for (int k = 0; k < 4; k++) {
        c.leaf[k] = W(100 + (uint64_t)k, 200, 300, 400);
        l[k] = (merkle_leaf_t){ 0, 0, c.leaf[k] };
        char hex[67];
        word_to_hex(c.leaf[k], hex);
        n += snprintf(text + n, sizeof text - (size_t)n, "%s\"%s\"", k ? ", " : "", hex);
    }
    snprintf(text + n, sizeof text - (size_t)n, "]}]}");
    test_dir_write(&c.dir, "tree.inputs", text, strlen(text), c.inputs, sizeof c.inputs);
    merkle_store_t s;
    merkle_store_init(&s);
    size_t bad;
    char err[128];
    const merkle_data_t d = { MERKLE_DATA_TREE, l, 4 };
    merkle_store_add_data(&s, &d, &c.root, &bad, err, sizeof err);
    merkle_store_free(&s);

    check_errors(&c);
    check_replay(&c);
    check_deep_updates(&c);
    check_oracle_fragments();
    check_corpus(&c);
    test_dir_remove(&c.dir);
    return tap_done();
}

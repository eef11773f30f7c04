/*
 * t_inputs.c - the .inputs file as upstream's InputFile reads it (serde,
 * spec/inputs-and-errors.md section 1): what is required, what is
 * ignored, what is rejected (exit 2, one line naming FILE:LINE:COL), and a
 * value given both on the command line and in the file (exit 2, naming
 * both). Every .inputs file of the shared vectors must still load.
 */
#include <dirent.h>
#include <sys/stat.h>

#include "tap.h"
#include "run_cmd.h"
#include "shared_vectors.h"
#include "tmpdir.h"

/* The word [1, 2, 3, 4] as an advice-map key, and spellings of others. */
#define KEY_1234 "0x0100000000000000020000000000000003000000000000000400000000000000"
#define KEY_A_LOWER "0x0a00000000000000020000000000000003000000000000000400000000000000"
#define KEY_A_UPPER "0x0A00000000000000020000000000000003000000000000000400000000000000"
/* Merkle leaves: [1, 0, 0, 0], the zero word, and [1, 0, 0, 2^64 - 1]. */
#define LEAF_1 "0x0100000000000000000000000000000000000000000000000000000000000000"
#define LEAF_1_DIGITS "0100000000000000000000000000000000000000000000000000000000000000"
#define LEAF_0 "0x0000000000000000000000000000000000000000000000000000000000000000"
#define LEAF_BIG "0x010000000000000000000000000000000000000000000000ffffffffffffffff"
/* Element 3 is 2^64 - 1 >= p; every character is a hex digit. */
#define KEY_BIG_ELEMENT "0x010000000000000002000000000000000300000000000000ffffffffffffffff"

/* Programs (fragtrace text format). SWAP: touches nothing but the stack.
 * ADVICE: pops one advice value on top of the operand stack. MAP: looks
 * the word [s4, s3, s2, s1] up with the map_value_to_stack_n event and
 * pops the count and the first value: the outputs begin "value count". */
static const char *const SWAP = "begin basic_block swap end end";
static const char *const ADVICE = "begin basic_block advpop movup2 drop end end";
static const char *const MAP =
    "begin basic_block push(7354377147644073171) emit drop advpop advpop movup2 drop movup2 drop "
    "end end";

typedef struct {
    test_dir_t dir;
    char swap[600], advice[600], map[600];
    int n_files;
} ctx_t;

/* Write text to a new file of the test directory; its path into path. */
static const char *write_inputs(ctx_t *c, const char *text, size_t len, char *path, size_t n)
{
    char name[32];
    snprintf(name, sizeof name, "f%d.inputs", c->n_files++);
    return test_dir_write(&c->dir, name, text, len, path, n);
}

/* Run `fragtrace run PROGRAM --inputs FILE [extra...]`. */
static run_result_t run_with(const char *program, const char *inputs, const char *x1,
                             const char *x2)
{
    const char *args[8] = { "run", program, "--inputs", inputs, x1, x2, NULL };
    if (!x1)
        args[4] = NULL;
    return run_fragtrace(args);
}

/* One line on stderr, nothing on stdout. */
static int one_line(const run_result_t *r)
{
    const char *nl = strchr(r->err, '\n');
    return r->out[0] == '\0' && nl && nl[1] == '\0';
}

/* The file is accepted and the outputs begin with want. */
static void accepts(ctx_t *c, const char *program, const char *text, const char *want,
                    const char *what)
{
    char path[700];
    write_inputs(c, text, strlen(text), path, sizeof path);
    run_result_t r = run_with(program, path, NULL, NULL);
    if (!tap_ok(r.status == 0 && !strncmp(r.out, want, strlen(want)), "accepted: %s", what))
        tap_diag("exit %d, stdout '%.60s', stderr: %s", r.status, r.out, r.err);
    run_free(&r);
}

/* The file is rejected with exit 2 and "PATH:where: ...want...". */
static void rejects(ctx_t *c, const char *text, const char *where, const char *want,
                    const char *what)
{
    char path[700], at[800];
    write_inputs(c, text, strlen(text), path, sizeof path);
    run_result_t r = run_with(c->swap, path, NULL, NULL);
    snprintf(at, sizeof at, "%s:%s: ", path, where);
    const char *p = strstr(r.err, at);
    if (!tap_ok(r.status == 2 && one_line(&r) && p && strstr(p, want), "rejected: %s", what))
        tap_diag("exit %d, want '%s...%s', stderr: %s", r.status, at, want, r.err);
    run_free(&r);
}

/* The .inputs files under dir (recursively, a few levels deep) into list. */
static void find_inputs(const char *dir, int depth, char list[][512], int *n, int max)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(sub, &sb) != 0)
            continue;
        const size_t len = strlen(e->d_name);
        if (S_ISDIR(sb.st_mode) && depth < 5)
            find_inputs(sub, depth + 1, list, n, max);
        else if (S_ISREG(sb.st_mode) && len > 7 && !strcmp(e->d_name + len - 7, ".inputs") &&
                 *n < max)
            snprintf(list[(*n)++], 512, "%s", sub);
    }
    if (d)
        closedir(d);
}

/* Every .inputs file of the shared vectors loads, the ones with Merkle
 * data too. */
static void shared_files(ctx_t *c)
{
    static char list[64][512];
    char dir[512];
    int n = 0, merkle = 0, ok = 1;
    snprintf(dir, sizeof dir, "%s/vectors", shared_dir());
    find_inputs(dir, 0, list, &n, 64);
    for (int i = 0; i < n; i++) {
        char *text = slurp_file(list[i], &(size_t){ 0 });
        const int has_store = text && strstr(text, "\"merkle_store\"") &&
                              !strstr(text, "\"merkle_store\": []");
        free(text);
        run_result_t r = run_with(c->swap, list[i], NULL, NULL);
        const int good = r.status == 0;
        if (!good) {
            tap_diag("%s: exit %d: %s", list[i], r.status, r.err);
            ok = 0;
        }
        merkle += has_store;
        run_free(&r);
    }
    if (n == 0) {
        shared_vectors_absent(dir);
        return;
    }
    /* The shared vectors hold 5 .inputs files, 4 of them with Merkle data. */
    tap_ok(ok && n == 5 && merkle == 4, "the %d .inputs files of the shared vectors load (%d "
           "with Merkle data; 5 and 4 expected)", n, merkle);
}

int main(void)
{
    tap_plan(53);
    ctx_t c;
    memset(&c, 0, sizeof c);
    test_dir_make(&c.dir);
    test_dir_write(&c.dir, "swap.masm", SWAP, strlen(SWAP), c.swap, sizeof c.swap);
    test_dir_write(&c.dir, "advice.masm", ADVICE, strlen(ADVICE), c.advice, sizeof c.advice);
    test_dir_write(&c.dir, "map.masm", MAP, strlen(MAP), c.map, sizeof c.map);

    /* What upstream accepts. */
    accepts(&c, c.swap, "{\"operand_stack\": []}", "0 0 0 0", "{\"operand_stack\": []}, the "
            "smallest file");
    accepts(&c, c.swap, "{\"note\": 1, \"operand_stack\": [\"5\"], \"note\": [true, {}]}",
            "0 5 0", "unknown fields are ignored, even repeated");
    accepts(&c, c.swap, "{\"operand_stack\": [], \"advice_stack\": null, \"advice_map\": null, "
            "\"merkle_store\": null}", "0 0 0", "null optional fields mean none");
    accepts(&c, c.swap, "{\"operand_stack\": [], \"merkle_store\": []}", "0 0 0",
            "an empty merkle_store");
    accepts(&c, c.advice, "[[\"7\"], [\"9\", \"1\"], null, null]", "9 7 0",
            "serde's array form: the four fields in order");
    accepts(&c, c.swap, "{\"operand_stack\": [\"+5\", \"07\"]}", "5 7 0",
            "stack strings as Rust's u64 parser reads them (\"+5\", \"07\")");
    accepts(&c, c.map, "{\"operand_stack\": [\"1\", \"2\", \"3\", \"4\"], \"advice_map\": {\""
            KEY_1234 "\": [18446744069414584321], \"" KEY_1234 "\": [9]}}", "9 1 2 1",
            "a repeated advice_map key keeps the last value (the overridden one is never a felt)");
    accepts(&c, c.map, "{\"operand_stack\": [\"10\", \"2\", \"3\", \"4\"], \"advice_map\": {\""
            KEY_A_UPPER "\": [6, 5], \"" KEY_A_LOWER "\": [6, 5]}}", "6 2 2 10",
            "two spellings of one key word with the same values");

    /* The structure serde rejects. */
    rejects(&c, "{}", "1:1", "missing field operand_stack", "{} (operand_stack is required)");
    rejects(&c, " {\"advice_stack\": [\"1\"]}", "1:2", "missing field operand_stack",
            "a file without operand_stack");
    rejects(&c, "{\"operand_stack\": null}", "1:19", "operand_stack must be an array",
            "operand_stack null");
    rejects(&c, "{\"operand_stack\": [],\n \"operand_stack\": [\"1\"]}", "2:2",
            "duplicate field operand_stack (first at 1:2)", "a duplicated operand_stack");
    rejects(&c, "{\"operand_stack\": [], \"advice_stack\": null,\n\"advice_stack\": null}", "2:1",
            "duplicate field advice_stack", "a duplicated optional field, even null");
    rejects(&c, "{\"operand_stack\": [], \"advice_map\": {},\n  \"advice_map\": {}}", "2:3",
            "duplicate field advice_map", "a duplicated advice_map");
    rejects(&c, "[[], null, null]", "1:1", "exactly 4 elements", "the array form with 3 elements");
    rejects(&c, "[[], null, null, null, 5]", "1:24", "exactly 4 elements",
            "the array form with 5 elements");
    rejects(&c, "\n\"x\"", "2:1", "expected a JSON object", "a string instead of an object");
    rejects(&c, "{\"operand_stack\": [\"1\",\n  2]}", "2:3", "must be a decimal string",
            "a number in operand_stack");
    rejects(&c, "{\"operand_stack\": [], \"advice_stack\": \"1\"}", "1:39",
            "advice_stack must be an array", "advice_stack a string");
    rejects(&c, "{\"operand_stack\": [], \"advice_map\": [1]}", "1:37",
            "advice_map must be an object", "advice_map an array");
    rejects(&c, "{\"operand_stack\": [], \"advice_map\": {\"" KEY_1234 "\": [1.0]}}", "1:109",
            "1.0 is not a whole number", "an advice_map value with a fraction");
    rejects(&c, "{\"operand_stack\": [], \"advice_map\": {\"" KEY_1234 "\": [2, -0]}}", "1:112",
            "-0 is not a whole number", "an advice_map value -0");
    rejects(&c, "{\"operand_stack\": [], \"advice_map\": {\"" KEY_1234 "\": [\"5\"]}}", "1:109",
            "a string is not a whole number", "an advice_map value in quotes");
    rejects(&c, "{\"operand_stack\": [], \"merkle_store\": \"x\"}", "1:39",
            "merkle_store must be an array", "merkle_store a string");
    rejects(&c, "{\"operand_stack\": [\n\"\xc3\x28\"]}", "2:2", "invalid UTF-8",
            "a file that is not UTF-8");
    rejects(&c, "{\"operand_stack\": [], \"merkle_store\": [\n{\"tree\": []}]}", "2:2",
            "unknown entry kind \"tree\"", "a merkle_store entry of an unknown kind");
    rejects(&c, "{\"operand_stack\": [], \"merkle_store\": [\n{\"merkle_tree\": [], "
            "\"partial_merkle_tree\": []}]}", "2:1", "an object with several keys",
            "a merkle_store entry with two kinds");
    rejects(&c, "{\"operand_stack\": [], \"merkle_store\": [{\"sparse_merkle_tree\": [\n[\"1\", \""
            LEAF_1 "\"]]}]}", "2:2", "an index must be a whole number",
            "a sparse_merkle_tree index in quotes");
    rejects(&c, "{\"operand_stack\": [], \"merkle_store\": [{\"partial_merkle_tree\": [\n[[256, 0], "
            "\"" LEAF_1 "\"]]}]}", "2:3", "a depth must be a whole number from 0 to 255",
            "a partial_merkle_tree depth that is no u8");

    /* The values upstream rejects after reading. */
    rejects(&c, "{\"operand_stack\": [\"18446744069414584321\"]}", "1:20",
            "not below the field modulus", "an operand_stack value >= p");
    rejects(&c, "{\"operand_stack\": [\"\", \"1\"]}", "1:20", "empty value",
            "an empty operand_stack string");
    rejects(&c, "{\"operand_stack\": [\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\","
            "\"10\",\"11\",\"12\",\"13\",\"14\",\"15\",\"16\"]}", "1:19", "at most 16",
            "17 operand_stack values");
    rejects(&c, "{\"operand_stack\": [], \"advice_stack\": [\"1\", \"-1\"]}", "1:45",
            "not a decimal number", "an advice_stack value -1");
    rejects(&c, "{\"operand_stack\": [], \"advice_map\": {\n\"" KEY_BIG_ELEMENT "\": [1]}}", "2:1",
            "element 3 (hex digits 49-64, little-endian) is 18446744073709551615, not below the "
            "field modulus", "an advice_map key element >= p is named as such");
    rejects(&c, "{\"operand_stack\": [], \"advice_map\": {\"0X0100000000000000020000000000000003"
            "000000000000000400000000000000\": [1]}}", "1:38", "does not start with 0x",
            "an advice_map key with 0X");
    rejects(&c, "{\"operand_stack\": [], \"advice_map\": {\"0x01\": [1]}}", "1:38",
            "is 4 bytes long, not 66", "a short advice_map key");
    rejects(&c, "{\"operand_stack\": [], \"advice_map\": {\"0x0g00000000000000020000000000000003"
            "000000000000000400000000000000\": [1]}}", "1:38", "character 4 is not a hex digit",
            "an advice_map key with a non-hex character");
    rejects(&c, "{\"operand_stack\": [], \"advice_map\": {\"" KEY_1234
            "\": [1, 18446744069414584321]}}", "1:112",
            "advice_map value 18446744069414584321 is not below the field modulus",
            "an advice_map value >= p");
    rejects(&c, "{\"operand_stack\": [], \"advice_map\": {\"" KEY_A_UPPER "\": [1],\n\"" KEY_A_LOWER
            "\": [2]}}", "2:1", "and the one at 1:38 are the same word with different values",
            "two spellings of one key word with different values");

    /* Merkle data upstream rejects after reading (InputFile::parse_word,
       MerkleTree::new, SimpleSmt::with_leaves, NodeIndex::new,
       PartialMerkleTree::with_leaves), located at the leaf or the list. */
    rejects(&c, "{\"operand_stack\": [], \"merkle_store\": [{\"merkle_tree\": [\n\"1x"
            LEAF_1_DIGITS "\", \"" LEAF_1 "\"]}]}", "2:1", "does not start with 0x",
            "a Merkle leaf without 0x");
    rejects(&c, "{\"operand_stack\": [], \"merkle_store\": [{\"merkle_tree\": [\"" LEAF_1 "\",\n\""
            LEAF_BIG "\"]}]}", "2:1", "element 3 (hex digits 49-64, little-endian) is "
            "18446744073709551615, not below the field modulus", "a Merkle leaf element >= p");
    rejects(&c, "{\"operand_stack\": [], \"merkle_store\": [{\"merkle_tree\": [\n\"0x012\"]}]}",
            "2:1", "odd number of hex digits", "a Merkle leaf with 3 hex digits");
    rejects(&c, "{\"operand_stack\": [], \"merkle_store\": [{\"merkle_tree\":\n[\"" LEAF_1 "\", \""
            LEAF_1 "\", \"" LEAF_1 "\"]}]}", "2:1", "must be a power of two (got 3)",
            "a merkle_tree of 3 leaves");
    rejects(&c, "{\"operand_stack\": [], \"merkle_store\": [{\"merkle_tree\":\n[\"" LEAF_1
            "\"]}]}", "2:1", "at least 2 leaves", "a merkle_tree of 1 leaf");
    rejects(&c, "{\"operand_stack\": [], \"merkle_store\": [{\"sparse_merkle_tree\": [[7, \"" LEAF_1
            "\"],\n[7, \"" LEAF_0 "\"]]}]}", "2:1", "index 7 of the sparse Merkle tree is given "
            "twice", "a sparse_merkle_tree index given twice (the second time as empty)");
    rejects(&c, "{\"operand_stack\": [], \"merkle_store\": [{\"partial_merkle_tree\": [\n[[65, 0], "
            "\"" LEAF_1 "\"]]}]}", "2:1", "(depth 65, index 0) is not a node index",
            "a partial_merkle_tree node deeper than 64");
    rejects(&c, "{\"operand_stack\": [], \"merkle_store\": [{\"partial_merkle_tree\": [\n[[2, 4], "
            "\"" LEAF_1 "\"]]}]}", "2:1", "(depth 2, index 4) is not a node index",
            "a partial_merkle_tree index not below 2^depth");
    rejects(&c, "{\"operand_stack\": [], \"merkle_store\": [{\"partial_merkle_tree\": [[[2, 0], \""
            LEAF_1 "\"],\n[[2, 2], \"" LEAF_1 "\"], [[2, 1], \"" LEAF_1 "\"]]}]}", "2:1",
            "lacks node (depth 2, index 3), the sibling of (depth 2, index 2)",
            "a partial_merkle_tree node without its sibling");
    accepts(&c, c.swap, "{\"operand_stack\": [\"3\"], \"merkle_store\": [{\"merkle_tree\": [\""
            LEAF_1 "\", \"" LEAF_0 "\"]}, {\"sparse_merkle_tree\": [[18446744073709551615, \"" LEAF_1
            "\"], [0, \"" LEAF_0 "\"]]}, {\"partial_merkle_tree\": [[[1, 0], \"" LEAF_1 "\"], "
            "[[1, 1], \"" LEAF_1 "\"], [[0, 0], \"" LEAF_0 "\"]]}]}", "0 3 0",
            "a merkle_store with each kind of tree (sparse index 2^64 - 1, a given root)");

    /* A value given twice: on the command line and in the file. */
    char path[700];
    const char *both = "{\"operand_stack\": [\"1\"],\n \"advice_stack\": [\"2\"]}";
    write_inputs(&c, both, strlen(both), path, sizeof path);
    char want[800];
    run_result_t r = run_with(c.swap, path, "--stack", "1,2,3");
    snprintf(want, sizeof want, "by --stack and by %s:1:2 (operand_stack)", path);
    if (!tap_ok(r.status == 2 && one_line(&r) && strstr(r.err, want),
                "--stack and the file's operand_stack: exit 2 naming both"))
        tap_diag("exit %d, stderr: %s", r.status, r.err);
    run_free(&r);
    const char *adv = "{\"operand_stack\": [],\n \"advice_stack\": [\"2\"]}";
    write_inputs(&c, adv, strlen(adv), path, sizeof path);
    r = run_with(c.advice, path, "--advice-stack", "3");
    snprintf(want, sizeof want, "by --advice-stack and by %s:2:2 (advice_stack)", path);
    if (!tap_ok(r.status == 2 && one_line(&r) && strstr(r.err, want),
                "--advice-stack and the file's advice_stack: exit 2 naming both"))
        tap_diag("exit %d, stderr: %s", r.status, r.err);
    run_free(&r);
    const char *none = "{\"operand_stack\": [\"4\"], \"advice_stack\": null}";
    write_inputs(&c, none, strlen(none), path, sizeof path);
    r = run_with(c.advice, path, "--advice-stack", "3");
    if (!tap_ok(r.status == 0 && !strncmp(r.out, "3 4 0", 5),
                "--advice-stack with a file whose advice_stack is null: the option's values"))
        tap_diag("exit %d, stdout '%.40s', stderr: %s", r.status, r.out, r.err);
    run_free(&r);

    shared_files(&c);
    test_dir_remove(&c.dir);
    return tap_done();
}

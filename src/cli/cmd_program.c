/*
 * cmd_program.c - `fragtrace hash FILE [--hex]`, `fragtrace fmt FILE` and
 * `fragtrace compile FILE -o OUT [--lib LIB.mast]...`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "io/output.h"
#include "mast/load.h"
#include "mast/masb_write.h"
#include "mast/print.h"
#include "program_args.h"

/* Load FILE (program text or a .masb, told by its first bytes) or print
 * the loader's one-line message. The advice map of a .masb plays no part
 * in the hash or the printed form. */
static int load(const char *path, mast_forest_t *f)
{
    char err[1024];
    mast_advice_map_t map = { NULL, NULL, 0 };
    mast_forest_init(f);
    if (mast_load_file(path, f, &map, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    mast_advice_map_free(&map);
    return 0;
}

int cmd_hash(int argc, char **argv)
{
    const char *file = NULL;
    int hex = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--hex")) {
            hex = 1;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            puts("usage: fragtrace hash FILE [--hex]\n"
                 "Prints the program hash (the MAST root digest) of FILE (program text or an\n"
                 "upstream .masb, told by its first bytes) as four decimal field elements\n"
                 "separated by single spaces, or with --hex as 0x + 64 hex digits.");
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_error("hash", "unknown option '%s'", argv[i]);
            return EXIT_USAGE;
        } else if (file) {
            cli_error("hash", "expected one FILE (got '%s' and '%s')", file, argv[i]);
            return EXIT_USAGE;
        } else {
            file = argv[i];
        }
    }
    if (!file) {
        cli_error("hash", "missing FILE (try 'fragtrace hash --help')");
        return EXIT_USAGE;
    }
    mast_forest_t f;
    if (load(file, &f) != 0)
        return EXIT_USAGE;
    const word_t h = mast_program_hash(&f);
    if (hex) {
        char buf[67];
        word_to_hex(h, buf);
        puts(buf);
    } else {
        printf("%llu %llu %llu %llu\n", (unsigned long long)h.v[0], (unsigned long long)h.v[1],
               (unsigned long long)h.v[2], (unsigned long long)h.v[3]);
    }
    mast_forest_free(&f);
    return 0;
}

int cmd_fmt(int argc, char **argv)
{
    if (cli_help(argc, argv, "usage: fragtrace fmt FILE\n"
                 "Prints FILE (program text or a .masb, whose procedure roots are named pN) in\n"
                 "canonical form: procedures in definition order, then the entry;\n"
                 "4 spaces per level; a basic block on one line when it fits in 80 columns;\n"
                 "operations as written (the NOOPs batching inserts stay implied); decorators\n"
                 "and comments dropped."))
        return 0;
    if (argc != 2) {
        cli_error("fmt", "expected exactly one FILE (try 'fragtrace fmt --help')");
        return EXIT_USAGE;
    }
    mast_forest_t f;
    if (load(argv[1], &f) != 0)
        return EXIT_USAGE;
    size_t len;
    char *text = mast_format(&f, &len);
    mast_forest_free(&f);
    if (!text) {
        cli_error("fmt", "out of memory");
        return 1;
    }
    fwrite(text, 1, len, stdout);
    free(text);
    return 0;
}

static const char compile_usage[] =
    "usage: fragtrace compile FILE -o OUT [--lib LIB.mast]...\n"
    "Writes the program in FILE (program text or a .masb, told by its first bytes) to OUT\n"
    "as upstream's serialized Program (.masb: Program::to_bytes() of miden-vm v0.19.0):\n"
    "the MAST forest, the kernel, the entrypoint. A .masb is written again byte for byte.\n"
    "Program text becomes a forest with its nodes in definition order, its proc., kernel.\n"
    "and library. procedures as procedure roots (then the entry), no advice map, no\n"
    "error messages and no decorators. OUT '-' is standard output; another OUT is\n"
    "replaced only once it is complete.\n"
    "--lib LIB.mast (repeatable, at most 16): check that every external node of FILE names\n"
    "a procedure of FILE or of a library, as run would need; the libraries are not written.\n"
    "spec/masb-format.md, \"Writing\", describes what is written.";

int cmd_compile(int argc, char **argv)
{
    const char *file = NULL, *out = NULL;
    const char *libs[EXEC_MAX_LIBS];
    unsigned n_libs = 0;
    if (cli_help(argc, argv, compile_usage))
        return 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-o") || !strcmp(a, "--lib")) {
            if (i + 1 >= argc) {
                cli_error("compile", "%s needs a value", a);
                return EXIT_USAGE;
            }
            const char *v = argv[++i];
            if (a[1] == 'o') {
                if (out) {
                    cli_error("compile", "-o given twice");
                    return EXIT_USAGE;
                }
                if (!v[0]) {
                    cli_error("compile", "-o: the path is empty");
                    return EXIT_USAGE;
                }
                out = v;
            } else {
                if (n_libs == EXEC_MAX_LIBS) {
                    cli_error("compile", "--lib: at most %d libraries", EXEC_MAX_LIBS);
                    return EXIT_USAGE;
                }
                libs[n_libs++] = v;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error("compile", "unknown option '%s' (try 'fragtrace compile --help')", a);
            return EXIT_USAGE;
        } else if (file) {
            cli_error("compile", "expected one FILE (got '%s' and '%s')", file, a);
            return EXIT_USAGE;
        } else {
            file = a;
        }
    }
    if (!file) {
        cli_error("compile", "missing FILE (try 'fragtrace compile --help')");
        return EXIT_USAGE;
    }
    if (!out) {
        cli_error("compile", "missing -o OUT (where to write the .masb)");
        return EXIT_USAGE;
    }
    mast_forest_t f;
    if (load(file, &f) != 0)
        return EXIT_USAGE;
    /* The program's own nodes; a library's come after them. */
    const uint32_t own = f.file.kept ? f.file.n_nodes : f.n_nodes;
    char err[1024];
    for (unsigned k = 0; k < n_libs; k++) {
        mast_advice_map_t map = { NULL, NULL, 0 };
        if (mast_load_library(libs[k], k, &f, &map, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            return EXIT_USAGE; /* f is freed */
        }
        mast_advice_map_free(&map);
    }
    for (uint32_t i = 0; n_libs && i < own; i++) {
        if (f.nodes[i].kind == NODE_EXTERNAL && f.nodes[i].child[0] == MAST_NO_NODE) {
            char hex[67];
            word_to_hex(f.nodes[i].digest, hex);
            cli_error("compile", "%s: node %u: external %s names no procedure of the program "
                      "or of the libraries", file, i, hex);
            mast_forest_free(&f);
            return EXIT_USAGE;
        }
    }
    unsigned char *bytes;
    size_t len;
    const int rc = masb_write(&f, MASB_PROGRAM, own, &bytes, &len, err, sizeof err);
    mast_forest_free(&f);
    if (rc != 0) {
        cli_error("compile", "%s: %s", file, err);
        return EXIT_USAGE;
    }
    output_t o;
    if (output_open(&o, out, err, sizeof err) != 0) {
        cli_error("compile", "%s", err);
        free(bytes);
        return EXIT_USAGE;
    }
    const int bad = fwrite(bytes, 1, len, o.f) != len;
    free(bytes);
    if (bad) {
        cli_error("compile", "%s: write failed", o.to_stdout ? "standard output" : out);
        output_abort(&o);
        return 1;
    }
    if (output_commit(&o, err, sizeof err) != 0) {
        cli_error("compile", "%s", err);
        return 1;
    }
    return 0;
}

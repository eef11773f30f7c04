/*
 * cmd_program.c - `fragtrace hash FILE [--hex]` and `fragtrace fmt FILE`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mast/load.h"
#include "mast/print.h"

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

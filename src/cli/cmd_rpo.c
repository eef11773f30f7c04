/*
 * cmd_rpo.c - `fragtrace rpo ELEMENTS`: hash_elements of a felt list.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "io/felt_list.h"
#include "hash/rpo.h"

int cmd_rpo(int argc, char **argv)
{
    if (cli_help(argc, argv, "usage: fragtrace rpo ELEMENTS\n"
                 "Prints the RPO256 hash_elements digest (miden-crypto 0.18) of ELEMENTS, a\n"
                 "comma-separated list of decimal field elements (\"\" is the empty list),\n"
                 "as four decimal field elements separated by single spaces."))
        return 0;
    if (argc != 2) {
        cli_error("rpo", "expected exactly one argument ELEMENTS (try 'fragtrace rpo --help')");
        return EXIT_USAGE;
    }
    felt_list_t in;
    char err[256];
    if (felt_list_parse(argv[1], "ELEMENTS", &in, err, sizeof err) != 0) {
        cli_error("rpo", "%s", err);
        return EXIT_USAGE;
    }
    const word_t d = rpo_hash_elements(in.v, in.n);
    felt_list_free(&in);
    printf("%llu %llu %llu %llu\n", (unsigned long long)d.v[0], (unsigned long long)d.v[1],
           (unsigned long long)d.v[2], (unsigned long long)d.v[3]);
    return 0;
}

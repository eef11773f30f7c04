/*
 * main.c - fragtrace entry point: dispatches to a subcommand.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "version.h"

static const char usage[] =
    "usage: fragtrace COMMAND [ARGS]\n"
    "\n"
    "fragtrace is a C reference implementation of Miden VM v0.19.0 trace generation.\n"
    "\n"
    "commands:\n"
    "  rpo ELEMENTS     print the RPO256 hash_elements digest of a comma-separated list\n"
    "                   of decimal field elements, as four decimal elements\n"
    "  hash FILE [--hex]\n"
    "                   print the program hash (MAST root digest) of FILE\n"
    "  fmt FILE         print FILE in canonical form\n"
    "  compile FILE -o OUT [--lib LIB.mast]...\n"
    "                   write FILE as upstream's serialized Program (.masb)\n"
    "  run FILE [--stack V,..] [--advice-stack V,..] [--inputs F] [--max-cycles N]\n"
    "      [--lib LIB.mast]...\n"
    "                   run FILE; print the 16 stack outputs, cycles, program hash\n"
    "  trace FILE [inputs] [--sequential | --fragment N] [--threads T] [-o OUT]\n"
    "        [--format csv|bin] [--quiet]   write the main trace (72 columns)\n"
    "  trace FILE --from-contexts CTX [--threads T] [-o OUT] [--format csv|bin]\n"
    "                   build the trace from saved fragment contexts\n"
    "  contexts FILE [inputs] [--fragment N] -o CTX\n"
    "                   run once and save the fragment contexts\n"
    "  bench FILE [inputs] [--fragment N]\n"
    "                   speed of the executors and builders, and the write ceiling\n"
    "  check FILE [inputs] [--fragment N | --all-fragments] [--threads T]\n"
    "                   parallel (fragment) build == sequential build?\n"
    "  conform [--vectors DIR]\n"
    "                   check fragtrace against upstream's vectors (default\n"
    "                   ../shared/vectors/miden-v0.19.0), one line per case\n"
    "  conform DIR [--impl TEMPLATE] [--jobs N] [--filter P]... [--timeout S]\n"
    "                   run an exported vector directory through fragtrace or another\n"
    "                   implementation; TAP on stdout (spec/conform.md)\n"
    "  corpus init|add|list|show|verify --db DB ...\n"
    "                   the SQLite corpus of cases (spec/corpus.md)\n"
    "  export --db DB --out DIR [--max-rows N] [--filter P]...\n"
    "                   write the corpus as portable vectors (spec/vectors-format.md)\n"
    "  import --db DB DIR [--filter P]...\n"
    "                   add the cases of an exported directory to the corpus\n"
    "  help             print this text\n"
    "  --version        print fragtrace's version and the VM release it follows\n"
    "\n"
    "FILE is program text or a program upstream compiled (.masb), told by its first\n"
    "bytes. [inputs] is --stack V,.. --advice-stack V,.. --inputs F; every command that\n"
    "runs FILE also takes --max-cycles N and --lib LIB.mast (repeatable): a host library,\n"
    "an upstream MAST forest whose procedures resolve FILE's externals, dyn and syscalls.\n"
    "'fragtrace COMMAND --help' describes a command.\n"
    "\n"
    "Exit status: 0 success, 1 program failure or mismatch, 2 bad usage or input.\n"
    "Field elements are canonical decimals below p = 18446744069414584321.\n";

/* Whatever a command printed must have reached standard output: a full
 * disk, a closed descriptor or a reader that went away is a failure (exit
 * 1), reported once, unless the command already failed. */
static int finish_stdout(const char *cmd, int status)
{
    errno = 0;
    const int bad = fflush(stdout) != 0 || ferror(stdout);
    if (bad && status == 0) {
        cli_error(cmd, "cannot write to standard output: %s", strerror(errno ? errno : EIO));
        return 1;
    }
    return status;
}


struct command {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
    { "rpo", cmd_rpo },
    { "conform", cmd_conform },
    { "hash", cmd_hash },
    { "fmt", cmd_fmt },
    { "compile", cmd_compile },
    { "run", cmd_run },
    { "trace", cmd_trace },
    { "check", cmd_check },
    { "contexts", cmd_contexts },
    { "bench", cmd_bench },
    { "corpus", cmd_corpus },
    { "export", cmd_export },
    { "import", cmd_import },
};

int main(int argc, char **argv)
{
    /* A file-size limit (ulimit -f) makes a write fail with EFBIG, reported
       like a full disk, instead of killing the process half-way. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h")) {
        fputs(usage, stdout);
        return finish_stdout(name, 0);
    }
    if (!strcmp(name, "--version")) {
        printf("fragtrace %s (%s)\n", FRAGTRACE_VERSION, FRAGTRACE_VM_VERSION);
        return finish_stdout(name, 0);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(name, commands[i].name))
            return finish_stdout(name, commands[i].run(argc - 1, argv + 1));
    fprintf(stderr, "fragtrace: unknown command '%s' (try 'fragtrace --help')\n", name);
    return EXIT_USAGE;
}

/*
 * cli.h - the fragtrace command line: one function per subcommand.
 *
 * Exit statuses: 0 success; 1 the program failed or outputs differ;
 * 2 bad usage or malformed input. Errors are one line on stderr, and
 * nothing is written to stdout on error.
 */
#ifndef FRAGTRACE_CLI_CLI_H
#define FRAGTRACE_CLI_CLI_H

#include <stddef.h>

#define EXIT_USAGE 2

int cmd_rpo(int argc, char **argv);
int cmd_conform(int argc, char **argv);
int cmd_hash(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_contexts(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_corpus(int argc, char **argv);   /* cmd_corpus.c */
int cmd_export(int argc, char **argv);   /* cmd_export.c */
int cmd_import(int argc, char **argv);   /* cmd_export.c */

/* `fragtrace CMD --help` (or -h): print usage on stdout and return 1;
 * otherwise 0. */
int cli_help(int argc, char **argv, const char *usage);

/* s[0..len) for a message into buf (n >= 8 bytes): printable ASCII kept,
 * anything else '?', long texts cut short with "...". Returns buf. */
const char *cli_printable(const char *s, size_t len, char *buf, size_t n);

/* Print "fragtrace: <cmd>: <message>\n" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif

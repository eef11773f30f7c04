/*
 * t_token_escape.c - parse errors that quote the input show control
 * characters, invisible code points and a byte-order mark escaped
 * (spec/program-format.md, "Errors"), so that the terminal never receives
 * a control byte, and cut a long token before a character, never inside it.
 */
#include "tap.h"
#include "run_cmd.h"
#include "tmpdir.h"

typedef struct {
    const char *what;
    const char *text;
    const char *want; /* stderr after "FILE:" */
} escape_case_t;

#define NODES "expected a node (basic_block, join, if.true, while.true, call.REF, syscall.REF, " \
              "external.REF, dyn, dyncall), found "
#define NAME_RULE " (letters, digits, '_', '$', '-', ':'; starting with a letter or '_'; " \
                  "at most 255 characters)"
#define A39 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define X41 "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" \
            "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
#define E40 "\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01" \
            "\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01" \
            "\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01"

static const escape_case_t cases[] = {
    { "a byte-order mark starting the file is part of the first token",
      "\xef\xbb\xbf" "begin dyn end",
      "1:1: expected 'begin', 'proc.NAME', 'kernel.NAME' or 'library.NAME' at top level, "
      "found '\\u{feff}begin'" },
    { "a byte-order mark ending an op name", "begin basic_block swap\xef\xbb\xbf end end",
      "1:19: unknown operation 'swap\\u{feff}'" },
    { "SOH in an op name", "begin basic_block sw\x01" "ap end end",
      "1:19: unknown operation 'sw\\x01ap'" },
    { "ESC sequences in an op name", "begin basic_block \x1b[2J\x1b[31mred end end",
      "1:19: unknown operation '\\x1b[2J\\x1b[31mred'" },
    { "DEL in an op name", "begin basic_block a\x7f" "b end end",
      "1:19: unknown operation 'a\\x7fb'" },
    { "a control byte before '('", "begin basic_block x\x02(1) end end",
      "1:19: unknown operation 'x\\x02'" },
    { "BEL as a node", "begin \x07 end", "1:7: " NODES "'\\x07'" },
    { "tab inside parentheses (part of the token)", "begin foo(a\tb) end",
      "1:7: " NODES "'foo(a\\tb)'" },
    { "carriage return inside parentheses", "begin foo(a\rb) end", "1:7: " NODES "'foo(a\\rb)'" },
    { "a backslash is doubled", "begin basic_block a\\x01 end end",
      "1:19: unknown operation 'a\\\\x01'" },
    { "C1 control CSI in a reference", "begin call.x\xc2\x9b" "2Jy end",
      "1:12: unknown procedure 'x\\u{9b}2Jy' (procedures must be defined before use)" },
    { "right-to-left override in a procedure name", "proc.a\xe2\x80\xae" "b dyn end begin dyn end",
      "1:6: invalid procedure name 'a\\u{202e}b'" NAME_RULE },
    { "zero-width space in an external reference", "begin external.\xe2\x80\x8b" "f end",
      "1:16: unknown procedure '\\u{200b}f' (procedures must be defined before use)" },
    { "printable UTF-8 as written", "begin basic_block caf\xc3\xa9 end end",
      "1:19: unknown operation 'caf\xc3\xa9'" },
    { "a long token cut before a 2-byte character, not inside it",
      "begin " A39 "\xc3\xa9xyz end", "1:7: " NODES "'" A39 "...'" },
    { "a long op name cut before a 2-byte character", "begin basic_block " A39 "\xc3\xa9 end end",
      "1:19: unknown operation '" A39 "'" },
    { "40 escaped bytes, then '...' (the cut counts input bytes)", "begin " X41 " end",
      "1:7: " NODES "'" E40 "...'" },
};
#define N_CASES (int)(sizeof cases / sizeof cases[0])

/* No C0 control but the final line feed, no DEL, no C1 control (UTF-8
 * C2 80..C2 9F), no byte-order mark, no bidirectional override. */
static int terminal_safe(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    const size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if ((u[i] < 0x20 && !(u[i] == '\n' && i + 1 == n)) || u[i] == 0x7f)
            return 0;
        if (u[i] == 0xc2 && i + 1 < n && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
            return 0;
        if (i + 2 < n && ((u[i] == 0xef && u[i + 1] == 0xbb && u[i + 2] == 0xbf) ||
                          (u[i] == 0xe2 && u[i + 1] == 0x80 && u[i + 2] >= 0x8b)))
            return 0;
    }
    return 1;
}

int main(void)
{
    tap_plan(N_CASES);
    test_dir_t dir;
    test_dir_make(&dir);
    char path[600];
    for (int i = 0; i < N_CASES; i++) {
        test_dir_write(&dir, "p.masm", cases[i].text, strlen(cases[i].text), path, sizeof path);
        run_result_t r = run_fragtrace((const char *[]){ "hash", path, NULL });
        char want[1024];
        snprintf(want, sizeof want, "%s:%s\n", path, cases[i].want);
        const int ok = r.status == 2 && r.out[0] == '\0' && !strcmp(r.err, want) &&
                       terminal_safe(r.err);
        if (!tap_ok(ok, "%s", cases[i].what)) {
            tap_diag("status %d, stderr: %s", r.status, r.err);
            tap_diag("expected: %s", want);
        }
        run_free(&r);
    }
    test_dir_remove(&dir);
    return tap_done();
}

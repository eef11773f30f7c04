/*
 * t_parse_errors.c - malformed programs: each gives exit status 2, nothing
 * on stdout, and one line on stderr "FILE:LINE:COL: message" (or
 * "FILE: message" where no position applies).
 */
#include "tap.h"
#include "run_cmd.h"
#include "tmpdir.h"

typedef struct {
    const char *text;
    size_t len;       /* 0: strlen(text) */
    const char *want; /* expected stderr after "FILE:" */
} bad_program_t;

#define P(t, w) { t, 0, w }

static const bad_program_t cases[] = {
    P("", " no program entry: expected 'begin NODE end'"),
    P("# only a comment\n", " no program entry"),
    P("begin basic_block swap end", "1:27: expected 'end' closing the begin at 1:1, found end of file"),
    P("begin\n  basic_block swap\n", "2:3: basic_block is missing its 'end'"),
    P("begin basic_block swap end end end", "1:32: unexpected 'end': no block is open"),
    P("end", "1:1: unexpected 'end': no block is open"),
    P("begin basic_block end end", "1:7: empty basic_block: it needs at least one operation"),
    P("begin basic_block trace(1) end end", "1:7: empty basic_block"),
    P("begin basic_block swapp end end", "1:19: unknown operation 'swapp'"),
    P("begin basic_block SWAP end end", "1:19: unknown operation 'SWAP'"),
    P("begin basic_block push end end", "1:19: push needs a value: push(N) with N a field element"),
    P("begin basic_block push() end end", "1:24: value of 'push': empty value"),
    P("begin basic_block push(18446744069414584321) end end",
      "1:24: value of 'push': value is not below the field modulus"),
    P("begin basic_block push(99999999999999999999999) end end", "1:24: value of 'push': value is not below the field modulus"),
    P("begin basic_block push(-1) end end", "1:24: value of 'push': not a decimal number"),
    P("begin basic_block push(0x10) end end", "1:24: value of 'push': not a decimal number"),
    P("begin basic_block push(1 end end", "1:19: missing ')' after the value of 'push'"),
    P("begin basic_block swap(1) end end", "1:19: operation 'swap' takes no value"),
    P("begin basic_block emit(5) end end", "1:19: operation 'emit' takes no value"),
    P("begin basic_block assert(18446744069414584321) end end", "1:26: value of 'assert': value is not below"),
    P("begin swap end", "1:7: operation 'swap' outside a basic_block"),
    P("begin foo end", "1:7: expected a node (basic_block, join, if.true, while.true, call.REF, "
                       "syscall.REF, external.REF, dyn, dyncall), found 'foo'"),
    P("begin end", "1:7: expected a node, found 'end' (empty body?)"),
    P("begin join basic_block swap end end end", "1:33: expected a node, found 'end'"),
    P("begin join basic_block swap end basic_block swap end basic_block swap end end end",
      "1:54: expected 'end' closing the join at 1:7, found 'basic_block'"),
    P("begin if.true basic_block swap end basic_block swap end end end",
      "1:36: expected 'else' in the if.true at 1:7, found 'basic_block'"),
    P("begin if.true basic_block swap end else end end", "1:41: expected a node, found 'end'"),
    P("begin while.true end end", "1:18: expected a node, found 'end'"),
    P("begin basic_block swap join end end", "1:24: 'join' is not an operation: a basic_block holds "
                                            "only operations (missing 'end'?)"),
    P("begin call.nowhere end", "1:12: unknown procedure 'nowhere' (procedures must be defined before use)"),
    P("begin external.nowhere end", "1:16: unknown procedure 'nowhere'"),
    P("begin call. end", "1:12: missing procedure name or digest after '.'"),
    P("begin call.0x1234 end", "1:12: malformed digest: expected 0x and 64 hex digits"),
    P("begin call.0xzz00000000000000000000000000000000000000000000000000000000000000 end",
      "1:12: malformed digest"),
    P("begin external.0xffffffffffffffff000000000000000000000000000000000000000000000000 end",
      "1:16: malformed digest: expected 0x and 64 hex digits, each element (8 little-endian bytes) "
      "below the field modulus"),
    P("proc.f basic_block swap end end\nbegin syscall.f end",
      "2:7: syscall target f is not a kernel procedure (define it with kernel.NAME)"),
    P("begin syscall.0x2eecbc4feca29798d5d84f95bd43c70ae59bee91db81192ca35793e4d1487090 end",
      "1:7: syscall target 0x2eecbc4feca29798d5d84f95bd43c70ae59bee91db81192ca35793e4d1487090 is "
      "not a kernel procedure"),
    P("proc.f basic_block swap end end\nproc.f basic_block drop end end\nbegin call.f end",
      "2:6: procedure 'f' is already defined at 1:1"),
    P("kernel.k basic_block swap end end\nkernel.k2 basic_block swap end end\nbegin syscall.k end",
      "2:1: kernel procedure has the same digest as an earlier kernel procedure"),
    P("proc.9lives basic_block swap end end begin call.9lives end",
      "1:6: invalid procedure name '9lives'"),
    P("proc. basic_block swap end end begin dyn end", "1:6: invalid procedure name ''"),
    P("proc.f basic_block swap end\nbegin call.f end", "2:1: expected 'end' closing the procedure at "
                                                       "1:1, found 'begin'"),
    P("begin dyn end\nbegin dyn end", "2:1: a second 'begin': a program has one entry"),
    P("basic_block swap end", "1:1: expected 'begin', 'proc.NAME', 'kernel.NAME' or 'library.NAME' at "
                              "top level, found 'basic_block'"),
    P("begin call.later end\nproc.later basic_block swap end end", "1:12: unknown procedure 'later'"),
    { "begin basic_block swap\0 end end", 31, "1:23: NUL byte in program text" },
    P("begin basic_block swap \xff end end", "1:24: invalid UTF-8 byte 0xff"),
    P("# caf\xc3\xa9\nbegin basic_block \xc3\xa9 end end", "2:19: unknown operation"),
    P("begin basic_block swap \xe2\x82 end end", "1:24: invalid UTF-8 sequence"),
    P("begin basic_block \xed\xa0\x80 end end", "1:19: invalid UTF-8 sequence (overlong or surrogate)"),
    P("begin\n  basic_block\n    swap\n    dup16\n  end\nend", "4:5: unknown operation 'dup16'"),
};
#define N_CASES (int)(sizeof cases / sizeof cases[0])

int main(void)
{
    tap_plan(N_CASES + 3);
    test_dir_t dir;
    test_dir_make(&dir);
    char path[600];
    test_dir_file(&dir, "p.masm", path, sizeof path);
    for (int i = 0; i < N_CASES; i++) {
        FILE *f = fopen(path, "wb");
        const size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
        fwrite(cases[i].text, 1, len, f);
        fclose(f);
        run_result_t r = run_fragtrace((const char *[]){ "hash", path, NULL });
        char want[1024];
        snprintf(want, sizeof want, "%s:%s", path, cases[i].want);
        const char *nl = strchr(r.err, '\n');
        const int ok = r.status == 2 && r.out[0] == '\0' && strncmp(r.err, want, strlen(want)) == 0
                       && nl && nl[1] == '\0';
        if (!tap_ok(ok, "malformed program %d: %s", i + 1, cases[i].want))
            tap_diag("status %d, stdout '%s', stderr: %s", r.status, r.out, r.err);
        run_free(&r);
    }

    run_result_t r = run_fragtrace((const char *[]){ "hash", "/nonexistent/p.masm", NULL });
    tap_ok(r.status == 2 && r.out[0] == '\0' &&
           !strcmp(r.err, "/nonexistent/p.masm: cannot open: No such file or directory\n"),
           "missing file: 'FILE: cannot open: ...', exit 2");
    run_free(&r);

    /* Nesting deeper than the documented limit (256). */
    FILE *f = fopen(path, "w");
    fputs("begin\n", f);
    for (int i = 0; i < 300; i++)
        fputs("join ", f);
    fputs("\n", f);
    fclose(f);
    r = run_fragtrace((const char *[]){ "hash", path, NULL });
    tap_ok(r.status == 2 && strstr(r.err, ": nesting deeper than 256 levels"),
           "nesting deeper than 256 levels is refused (%.*s)", (int)strcspn(r.err, "\n"), r.err);
    run_free(&r);

    /* Larger than the documented size limit (16 MiB). */
    f = fopen(path, "w");
    fputs("begin basic_block", f);
    for (int i = 0; i < (17 << 20) / 8; i++)
        fputs(" swap   ", f);
    fclose(f);
    r = run_fragtrace((const char *[]){ "hash", path, NULL });
    tap_ok(r.status == 2 && strstr(r.err, ": larger than the limit of 16777216 bytes"),
           "a file over 16 MiB is refused");
    run_free(&r);
    test_dir_remove(&dir);
    return tap_done();
}

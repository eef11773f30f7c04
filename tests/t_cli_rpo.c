/*
 * t_cli_rpo.c - `fragtrace rpo`: output format, and errors for bad input.
 */
#include "tap.h"
#include "run_cmd.h"
#include "rpo_vectors.h"

struct bad_case {
    const char *arg;
    const char *message; /* a part of the expected stderr line */
};

static const struct bad_case bad[] = {
    { "abc", "element 1 (at character 1, \"abc\"): not a decimal number" },
    { "1,,2", "element 2 (at character 3, \"\"): empty value" },
    { "1,2,", "element 3 (at character 5, \"\"): empty value" },
    { "18446744069414584321", "element 1 (at character 1, \"18446744069414584321\"): value is "
                              "not below the field modulus" },
    { "99999999999999999999999999", "not below the field modulus" },
    { "-1", "not a decimal number" },
    { " 1", "not a decimal number" },
    { "1, 2", "element 2 (at character 3, \" 2\")" },
    { "0x10", "not a decimal number" },
};
#define N_BAD (int)(sizeof bad / sizeof bad[0])

int main(void)
{
    tap_plan(5 + 2 * N_BAD + 1);
    /* Every upstream hash_elements vector through the CLI. */
    int good = 0;
    char arg[256], want[128];
    for (int i = 0; i < RPO_VECTORS; i++) {
        size_t n = 0;
        for (int k = 0; k <= i; k++)
            n += (size_t)snprintf(arg + n, sizeof arg - n, "%s%d", k ? "," : "", k);
        snprintf(want, sizeof want, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
                 rpo_expected[i][0], rpo_expected[i][1], rpo_expected[i][2], rpo_expected[i][3]);
        run_result_t v = run_fragtrace((const char *[]){ "rpo", arg, NULL });
        if (v.status == 0 && !strcmp(v.out, want))
            good++;
        else
            tap_diag("rpo %s: got '%s', expected '%s'", arg, v.out, want);
        run_free(&v);
    }
    tap_ok(good == RPO_VECTORS, "rpo prints upstream's digest for all %d/%d vectors", good,
           RPO_VECTORS);

    run_result_t r = run_fragtrace((const char *[]){ "rpo", "0", NULL });
    tap_ok(r.status == 0 && !strcmp(r.out, "18126731724905382595 7388557040857728717 "
                                           "14290750514634285295 7852282086160480146\n"),
           "rpo 0 prints upstream's digest of [0]");
    if (r.status != 0)
        tap_diag("status %d, stderr: %s", r.status, r.err);
    run_free(&r);

    r = run_fragtrace((const char *[]){ "rpo", "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18",
                                        NULL });
    tap_ok(r.status == 0 && !strcmp(r.out, "13205273108219124830 2524898486192849221 "
                                           "14618764355375283547 10615614265042186874\n"),
           "rpo 0..18 prints upstream's digest");
    run_free(&r);

    r = run_fragtrace((const char *[]){ "rpo", "", NULL });
    tap_ok(r.status == 0 && !strcmp(r.out, "0 0 0 0\n"), "rpo \"\" hashes the empty list");
    run_free(&r);

    r = run_fragtrace((const char *[]){ "rpo", NULL });
    tap_ok(r.status == 2 && r.out[0] == '\0' && strstr(r.err, "expected exactly one argument"),
           "rpo without ELEMENTS: usage error, exit 2");
    run_free(&r);

    r = run_fragtrace((const char *[]){ "frobnicate", NULL });
    tap_ok(r.status == 2 && strstr(r.err, "unknown command 'frobnicate'"),
           "unknown command: exit 2");
    run_free(&r);

    for (int i = 0; i < N_BAD; i++) {
        r = run_fragtrace((const char *[]){ "rpo", bad[i].arg, NULL });
        tap_ok(r.status == 2 && r.out[0] == '\0', "rpo '%s': exit 2, nothing on stdout",
               bad[i].arg);
        const char *nl = strchr(r.err, '\n');
        if (!tap_ok(strstr(r.err, bad[i].message) && strncmp(r.err, "fragtrace: rpo: ", 16) == 0 &&
                    nl && nl[1] == '\0', "rpo '%s': one-line message naming the element",
                    bad[i].arg))
            tap_diag("stderr: %s", r.err);
        run_free(&r);
    }
    return tap_done();
}

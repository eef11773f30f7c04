/*
 * t_program_hash.c - `fragtrace hash` against the program hashes the Rust
 * VM recorded: the 27 upstream cases and the 80 per-operation oracle cases,
 * plus digests upstream states outright. Absent vectors fail in CI
 * (shared_vectors_absent); a malformed cases.json fails everywhere.
 */
#include "tap.h"
#include "run_cmd.h"
#include "tmpdir.h"
#include "shared_vectors.h"
#include "io/json.h"

/* Check every case of a cases.json: `fragtrace hash DIR/PROGRAM` must print
 * its program_hash. Returns the number of cases checked, -1 if the file
 * cannot be read (absent), -2 if it is malformed. */
static int check_cases(const char *dir, int *bad)
{
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s/cases.json", dir);
    size_t len;
    char *text = slurp_file(path, &len);
    if (!text)
        return -1;
    json_value_t *root = json_parse(text, len, err, sizeof err);
    free(text);
    if (!root || root->kind != JSON_ARRAY) {
        tap_diag("%s: %s", path, root ? "not an array" : err);
        json_free(root);
        return -2;
    }
    int n = 0;
    for (size_t i = 0; i < root->n; i++) {
        const json_value_t *c = root->items[i];
        const json_value_t *prog = json_get(c, "program"), *hash = json_get(c, "program_hash");
        if (!prog || prog->kind != JSON_STRING || !hash || hash->kind != JSON_ARRAY || hash->n != 4) {
            (*bad)++;
            continue;
        }
        char want[128];
        size_t w = 0;
        for (int k = 0; k < 4; k++)
            w += (size_t)snprintf(want + w, sizeof want - w, "%s%s", k ? " " : "",
                                  hash->items[k]->text);
        snprintf(want + w, sizeof want - w, "\n");
        snprintf(path, sizeof path, "%s/%s", dir, prog->text);
        run_result_t r = run_fragtrace((const char *[]){ "hash", path, NULL });
        if (r.status != 0 || strcmp(r.out, want) != 0) {
            (*bad)++;
            tap_diag("%s: got '%.*s' (status %d, %s), expected %s", path, (int)strcspn(r.out, "\n"),
                     r.out, r.status, r.err, want);
        }
        run_free(&r);
        n++;
    }
    json_free(root);
    return n;
}

int main(void)
{
    tap_plan(5);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/vectors/miden-v0.19.0", shared_dir());
    int bad = 0;
    int n = check_cases(dir, &bad);
    if (n == -1)
        shared_vectors_absent(dir);
    else if (n == -2)
        tap_ok(0, "%s/cases.json is an array of cases", dir);
    else
        tap_ok(n == UPSTREAM_CASES && bad == 0,
               "program_hash of %d/%d upstream cases reproduced (%d cases found)", n - bad,
               UPSTREAM_CASES, n);

    snprintf(dir, sizeof dir, "%s/vectors/oracle-v0.19.0/ops", shared_dir());
    bad = 0;
    n = check_cases(dir, &bad);
    if (n == -1)
        shared_vectors_absent(dir);
    else if (n == -2)
        tap_ok(0, "%s/cases.json is an array of cases", dir);
    else
        tap_ok(n == ORACLE_CASES && bad == 0,
               "program_hash of %d/%d per-operation oracle cases reproduced (%d cases found)",
               n - bad, ORACLE_CASES, n);

    /* The vectors README states these two block digests. */
    test_dir_t tmp;
    test_dir_make(&tmp);
    char path[600];
    test_dir_file(&tmp, "p.masm", path, sizeof path);
    FILE *f = fopen(path, "w");
    fputs("begin basic_block swap end end\n", f);
    fclose(f);
    run_result_t r = run_fragtrace((const char *[]){ "hash", path, NULL });
    tap_ok(r.status == 0 && !strcmp(r.out, "10995436151082118190 776663942277617877 "
                                           "3177713792132750309 10407898805173442467\n"),
           "basic_block swap end");
    run_free(&r);
    r = run_fragtrace((const char *[]){ "hash", "--hex", path, NULL });
    tap_ok(r.status == 0 &&
           !strcmp(r.out, "0x2eecbc4feca29798d5d84f95bd43c70ae59bee91db81192ca35793e4d1487090\n"),
           "--hex prints 0x and 64 hex digits, little-endian per element");
    run_free(&r);
    f = fopen(path, "w");
    fputs("begin basic_block swap swap end end\n", f);
    fclose(f);
    r = run_fragtrace((const char *[]){ "hash", path, NULL });
    tap_ok(r.status == 0 && !strcmp(r.out, "9552974201798903089 993192251238261044 "
                                           "1885027269046469428 8558115384207742312\n"),
           "basic_block swap swap end");
    run_free(&r);
    test_dir_remove(&tmp);
    return tap_done();
}

/*
 * t_rpo.c - RPO256 against miden-crypto's published vectors, and the random
 * coin against the last (random) row of the real VM's traces.
 */
#include "tap.h"
#include "shared_vectors.h"
#include "hash/rpo.h"

#include "rpo_vectors.h"

static int word_eq(word_t a, const uint64_t b[4])
{
    return a.v[0] == b[0] && a.v[1] == b[1] && a.v[2] == b[2] && a.v[3] == b[3];
}

int main(void)
{
    tap_plan(19 + 5 + 1 + 1);
    felt_t elems[19];
    for (int i = 0; i < 19; i++)
        elems[i] = (felt_t)i;
    for (int i = 0; i < 19; i++) {
        const word_t d = rpo_hash_elements(elems, (size_t)i + 1);
        if (!tap_ok(word_eq(d, rpo_expected[i]), "hash_elements([0..%d]) matches upstream", i))
            tap_diag("got %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64, d.v[0], d.v[1], d.v[2],
                     d.v[3]);
    }

    const uint64_t zero[4] = { 0, 0, 0, 0 };
    tap_ok(word_eq(rpo_hash_elements(NULL, 0), zero), "hash_elements([]) = [0, 0, 0, 0]");
    const word_t w0 = { { 0, 1, 2, 3 } }, w1 = { { 4, 5, 6, 7 } };
    tap_ok(word_eq(rpo_merge(w0, w1), rpo_expected[7]), "merge([0..4], [4..8]) = hash_elements([0..8])");
    const word_t m0 = rpo_merge_in_domain(w0, w1, 0), m1 = rpo_merge_in_domain(w0, w1, 1);
    tap_ok(word_eq(m0, rpo_expected[7]) && !word_eq(m1, rpo_expected[7]),
           "merge_in_domain: domain 0 is merge, domain 1 differs");
    const felt_t two[3] = { 5, 9, 0 };
    tap_ok(!word_eq(rpo_hash_elements(two, 2), rpo_hash_elements(two, 3).v),
           "hash_elements([a, b]) != hash_elements([a, b, 0])");
    /* The inverse S-box's addition chain against square-and-multiply, and
       that it inverts x^7: edge values, then a pseudo-random walk. */
    int sbox_bad = 0;
    const felt_t edges[] = { 0, 1, 2, FELT_P - 1, FELT_P - 2, 0xFFFFFFFF, 0x100000000 };
    uint64_t rnd = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 20000; i++) {
        felt_t x;
        if (i < (int)(sizeof edges / sizeof edges[0]))
            x = edges[i];
        else {
            rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
            x = rnd % FELT_P;
        }
        const felt_t y = rpo_sbox_inv(x);
        const felt_t y7 = felt_exp(y, 7);
        if (y != felt_exp(x, RPO_INV_ALPHA) || y7 != x) {
            if (!sbox_bad)
                tap_diag("x = %" PRIu64 ": chain %" PRIu64 ", felt_exp %" PRIu64, x, y,
                         felt_exp(x, RPO_INV_ALPHA));
            sbox_bad++;
        }
    }
    tap_ok(sbox_bad == 0, "inverse S-box chain = x^INV_ALPHA and inverts x^7 (20000 values)");
    felt_t s[RPO_WIDTH] = { 0 };
    rpo_permute(s);
    tap_ok(s[4] == 8635338869442206704u && s[0] == 5096858464874356363u,
           "permutation of the zero state (state[0], state[4])");

    /* The random last row of each upstream trace: column c holds draw c of
       a coin seeded with the program hash. */
    int checked = 0, good = 0;
    char path[512], err[1024];
    for (int k = 1; k <= UPSTREAM_CASES; k++) {
        case_path(path, sizeof path, k, "meta.json");
        char *meta = slurp_file(path, NULL);
        if (!meta)
            continue;
        uint64_t hash[4];
        ref_trace_t t;
        case_path(path, sizeof path, k, "trace.csv");
        if (json_u64_array(meta, "program_hash", hash, 4) != 4 ||
            ref_trace_load(path, &t, err, sizeof err) != 0) {
            tap_diag("case %d: cannot read meta.json or trace.csv", k);
            free(meta);
            checked++;
            continue;
        }
        rpo_coin_t coin;
        const word_t seed = { { hash[0], hash[1], hash[2], hash[3] } };
        rpo_coin_init(&coin, seed);
        int row_ok = 1;
        for (int c = 0; c < TRACE_COLUMNS; c++) {
            const felt_t d = rpo_coin_draw(&coin);
            if (d != t.v[(t.rows - 1) * TRACE_COLUMNS + c] && row_ok) {
                tap_diag("case %d: last row, column %d: got %" PRIu64 ", expected %" PRIu64, k, c,
                         d, t.v[(t.rows - 1) * TRACE_COLUMNS + c]);
                row_ok = 0;
            }
        }
        good += row_ok;
        checked++;
        free(t.v);
        free(meta);
    }
    if (checked == 0)
        shared_vectors_absent("vectors/miden-v0.19.0");
    else
        tap_ok(checked == UPSTREAM_CASES && good == checked,
               "random coin reproduces the last row of %d/%d upstream traces", good,
               UPSTREAM_CASES);
    return tap_done();
}

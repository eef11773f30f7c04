/*
 * t_ext2.c - the quadratic extension F_p[x]/(x^2 - x + 2).
 */
#include "tap.h"
#include "field/ext2.h"

typedef unsigned __int128 u128;
#define P128 ((u128)FELT_P)

/* Reference product straight from the definition, in 128-bit integers. */
static ext2_t ref_mul(ext2_t a, ext2_t b)
{
    const u128 a0b0 = (u128)a.c0 * b.c0 % P128, a1b1 = (u128)a.c1 * b.c1 % P128;
    const u128 a0b1 = (u128)a.c0 * b.c1 % P128, a1b0 = (u128)a.c1 * b.c0 % P128;
    ext2_t r;
    r.c0 = (felt_t)((a0b0 + 2 * (P128 - a1b1)) % P128);
    r.c1 = (felt_t)((a0b1 + a1b0 + a1b1) % P128);
    return r;
}

static ext2_t mk(felt_t c0, felt_t c1) { ext2_t r = { c0, c1 }; return r; }

int main(void)
{
    tap_plan(8);
    uint64_t st = tap_seed();
    const felt_t M = FELT_P;

    /* winterfell math/src/field/f64/tests.rs (quad_mul, quad_conjugate). */
    tap_ok(ext2_eq(ext2_mul(mk(3, 1), mk(4, 2)), mk(8, 12)), "(3 + x)(4 + 2x) = 8 + 12x");
    tap_ok(ext2_eq(ext2_mul(mk(3, M - 1), mk(M - 3, 5)), mk(1, 13)), "upstream quad_mul vector 2");
    tap_ok(ext2_eq(ext2_mul(mk(3, M - 1), mk(10, M - 2)), mk(26, UINT64_C(18446744069414584307))),
           "upstream quad_mul vector 3");
    tap_ok(ext2_eq(ext2_conj(mk(M - 1, 3)), mk(2, UINT64_C(18446744069414584318))) &&
           ext2_eq(ext2_conj(mk(4, 7)), mk(11, UINT64_C(18446744069414584314))),
           "upstream quad_conjugate vectors");

    long bad = 0;
    for (long k = 0; k < 1000000; k++) {
        const ext2_t a = mk(felt_from_u64(tap_rand(&st)), felt_from_u64(tap_rand(&st)));
        const ext2_t b = mk(felt_from_u64(tap_rand(&st)), felt_from_u64(tap_rand(&st)));
        bad += !ext2_eq(ext2_mul(a, b), ref_mul(a, b));
    }
    tap_ok(bad == 0, "mul matches the definition on 10^6 random pairs (%ld wrong)", bad);

    bad = 0;
    for (long k = 0; k < 100000; k++) {
        const ext2_t a = mk(felt_from_u64(tap_rand(&st)), felt_from_u64(tap_rand(&st)));
        ext2_t inv = mk(0, 0);
        bad += ext2_inv(a, &inv) != 0 || !ext2_eq(ext2_mul(a, inv), mk(1, 0));
        bad += !ext2_eq(ext2_sub(ext2_add(a, inv), inv), a);
        bad += !ext2_eq(ext2_add(a, ext2_neg(a)), mk(0, 0));
    }
    tap_ok(bad == 0, "inverse, add/sub and neg on 10^5 random elements (%ld wrong)", bad);
    ext2_t out = mk(5, 5);
    tap_ok(ext2_inv(mk(0, 0), &out) == -1 && ext2_eq(out, mk(5, 5)), "inv(0) is an error");
    tap_ok(ext2_eq(ext2_mul(mk(0, 1), mk(0, 1)), mk(M - 2, 1)), "x * x = x - 2");
    return tap_done();
}

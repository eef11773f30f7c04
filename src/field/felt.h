/*
 * felt.h - the Goldilocks prime field, p = 2^64 - 2^32 + 1.
 *
 * Every felt_t handed to or returned by these functions is canonical
 * (< FELT_P). The arithmetic is written so that no unsigned operation ever
 * wraps: WP checks that (-warn-unsigned-overflow), and the contracts state
 * each result against the mathematical definition (integer arithmetic mod p).
 *
 * The functions are static inline because they sit on every hot path
 * (executor, RPO permutation); WP proves them in src/field/felt.c.
 *
 * One exception to "the build runs the proved code": felt_mul. WP proves
 * felt_mul_ref, which multiplies 32-bit limbs (WP cannot reason about
 * unsigned __int128); the build's felt_mul takes the 128-bit product in one
 * machine multiply and reduces it with the proved felt_reduce_wide. Under
 * Frama-C (__FRAMAC__) felt_mul is felt_mul_ref, so every proof that calls
 * felt_mul uses the same contract; tests/t_felt_mul.c checks that the two
 * agree (spec/field.md).
 *
 * Upstream facts: winterfell math crate, math/src/field/f64/mod.rs.
 */
#ifndef FRAGTRACE_FIELD_FELT_H
#define FRAGTRACE_FIELD_FELT_H

#include <stdint.h>

typedef uint64_t felt_t;

/* The field modulus, 2^64 - 2^32 + 1. */
#define FELT_P UINT64_C(0xFFFFFFFF00000001)
/* 2^64 mod p = 2^32 - 1 (upstream calls it EPSILON). */
#define FELT_EPS UINT64_C(0xFFFFFFFF)
/* 2^32, the radix of the 32-bit limbs used by felt_mul_wide. */
#define FELT_2_32 UINT64_C(0x100000000)

/*@ logic integer P = 18446744069414584321;
    logic integer EPS = 4294967295;
    logic integer R32 = 4294967296;
    logic integer R64 = 18446744073709551616;

    predicate canonical(integer x) = 0 <= x < P;

    // Division of a non-negative integer by the constant P has one
    // remainder in [0, P). (ACSL's % truncates, hence x >= 0.)
    lemma mod_unique:
      \forall integer x, q, r;
        x >= 0 && 0 <= r < P && x == q * P + r ==> x % P == r;
    // The same fact with every variable in the conclusion, so that provers
    // can instantiate it from the term alone.
    lemma mod_multiple_plus:
      \forall integer q, r; q >= 0 && 0 <= r < P ==> (q * P + r) % P == r;
*/

/* Reduce any 64-bit value into the field. */
/*@ assigns \nothing;
    ensures canonical(\result);
    ensures \result == x % P;
*/
static inline felt_t felt_from_u64(uint64_t x)
{
    if (x >= FELT_P) {
        /*@ assert x - P < P; */
        /*@ assert x == 1 * P + (x - P); */
        return x - FELT_P;
    }
    /*@ assert x == 0 * P + x; */
    return x;
}

/*@ requires canonical(a) && canonical(b);
    assigns \nothing;
    ensures canonical(\result);
    ensures \result == (a + b) % P;
*/
static inline felt_t felt_add(felt_t a, felt_t b)
{
    /* t = p - b never wraps (b < p); a >= t exactly when a + b >= p. */
    const felt_t t = FELT_P - b;
    if (a >= t) {
        /*@ assert a + b == 1 * P + (a - t); */
        return a - t;
    }
    /*@ assert a + b == 0 * P + (a + b); */
    return a + b;
}

/*@ requires canonical(a) && canonical(b);
    assigns \nothing;
    ensures canonical(\result);
    ensures \result == (a - b + P) % P;
*/
static inline felt_t felt_sub(felt_t a, felt_t b)
{
    if (a >= b) {
        /*@ assert a - b + P == 1 * P + (a - b); */
        return a - b;
    }
    /* b > a, so p - b + a < p and nothing wraps. */
    /*@ assert a - b + P == 0 * P + (a + (P - b)); */
    return a + (FELT_P - b);
}

/*@ requires canonical(a);
    assigns \nothing;
    ensures canonical(\result);
    ensures \result == (P - a) % P;
*/
static inline felt_t felt_neg(felt_t a)
{
    if (a == 0) {
        /*@ assert P - a == 1 * P + 0; */
        return 0;
    }
    /*@ assert P - a == 0 * P + (P - a); */
    return FELT_P - a;
}

/* The exact 128-bit product of two 64-bit values, as two 64-bit halves. */
typedef struct {
    uint64_t hi;
    uint64_t lo;
} felt_wide_t;

/*@ assigns \nothing;
    ensures \result.hi * R64 + \result.lo == a * b;
*/
static inline felt_wide_t felt_mul_wide(uint64_t a, uint64_t b)
{
    /* Schoolbook multiplication on 32-bit limbs; every partial sum is
       bounded below 2^64, so nothing wraps (and WP can check that). */
    const uint64_t a0 = a % FELT_2_32, a1 = a / FELT_2_32;
    const uint64_t b0 = b % FELT_2_32, b1 = b / FELT_2_32;
    /*@ assert a0 <= EPS && a1 <= EPS && b0 <= EPS && b1 <= EPS; */
    /*@ assert a == a1 * R32 + a0 && b == b1 * R32 + b0; */
    const uint64_t p00 = a0 * b0;
    const uint64_t p01 = a0 * b1;
    const uint64_t p10 = a1 * b0;
    const uint64_t p11 = a1 * b1;
    /*@ assert p00 <= EPS * EPS && p01 <= EPS * EPS && p10 <= EPS * EPS && p11 <= EPS * EPS; */
    const uint64_t t = p10 + p00 / FELT_2_32;
    const uint64_t u = p01 + t % FELT_2_32;
    felt_wide_t w;
    w.hi = p11 + t / FELT_2_32 + u / FELT_2_32;
    w.lo = (u % FELT_2_32) * FELT_2_32 + p00 % FELT_2_32;
    /*@ assert p00 == (p00 / R32) * R32 + p00 % R32; */
    /*@ assert t == (t / R32) * R32 + t % R32; */
    /*@ assert u == (u / R32) * R32 + u % R32; */
    /*@ assert a * b == p11 * R64 + (p01 + p10) * R32 + p00; */
    return w;
}

/* Reduce a 128-bit value hi * 2^64 + lo modulo p.
 * With hi = hh * 2^32 + hl: 2^64 = 2^32 - 1 and 2^96 = -1 (mod p), so the
 * value is lo - hh + hl * (2^32 - 1) (mod p); the quotient is
 * hh * (2^32 + 1) + hl because (2^32 + 1) * p = 2^96 + 1. */
/*@ assigns \nothing;
    ensures canonical(\result);
    ensures \result == (w.hi * R64 + w.lo) % P;
*/
static inline felt_t felt_reduce_wide(felt_wide_t w)
{
    const uint64_t hh = w.hi / FELT_2_32;
    const uint64_t hl = w.hi % FELT_2_32;
    /*@ assert w.hi == hh * R32 + hl && hh <= EPS && hl <= EPS; */
    /* The three steps below are felt_from_u64, felt_sub and felt_add
       written out, so that every fact WP carries along the way is linear
       (the callees' "% P" postconditions swamp the provers here). */
    /* ga, gb, gc count the multiples of p each step removed or added. */
    /*@ ghost int ga = 0, gb = 0, gc = 0; */
    uint64_t lo = w.lo;
    if (lo >= FELT_P) {
        lo -= FELT_P;
        /*@ ghost ga = 1; */
    }
    uint64_t s;
    if (lo >= hh) {
        s = lo - hh;
    } else {
        s = lo + (FELT_P - hh);
        /*@ ghost gb = 1; */
    }
    const uint64_t hl_eps = hl * FELT_EPS; /* <= (2^32-1)^2 < p */
    /*@ assert hl_eps == hl * EPS && hl_eps <= EPS * EPS; */
    const uint64_t t = FELT_P - hl_eps;
    uint64_t r;
    if (s >= t) {
        r = s - t;
        /*@ ghost gc = 1; */
    } else {
        r = s + hl_eps;
    }
    /*@ assert w.lo - hh + hl * EPS == r + P * (ga - gb + gc); */
    /*@ assert w.hi * R64 + w.lo ==
          (w.lo - hh + hl * EPS) + P * (hh * (R32 + 1) + hl); */
    /*@ assert w.hi * R64 + w.lo ==
          (ga - gb + gc + hh * (R32 + 1) + hl) * P + r; */
    /*@ assert gb == 1 ==> hh >= 1; */
    /*@ assert ga - gb + gc + hh * (R32 + 1) + hl >= 0; */
    /*@ assert ((ga - gb + gc + hh * (R32 + 1) + hl) * P + r) % P == r; */
    return r;
}

/* The reference multiply: the limb product reduced, both proved. */
/*@ requires canonical(a) && canonical(b);
    assigns \nothing;
    ensures canonical(\result);
    ensures \result == (a * b) % P;
*/
static inline felt_t felt_mul_ref(felt_t a, felt_t b)
{
    return felt_reduce_wide(felt_mul_wide(a, b));
}

/* FELT_MUL_U128 is 1 when felt_mul takes the 128-bit product in one machine
 * multiply (GCC and Clang's unsigned __int128); 0 under Frama-C and on a
 * compiler without that type, where felt_mul is felt_mul_ref. */
#if !defined(__FRAMAC__) && defined(__SIZEOF_INT128__)
#define FELT_MUL_U128 1
__extension__ typedef unsigned __int128 felt_u128_t;
#else
#define FELT_MUL_U128 0
#endif

/* The multiply every caller uses. The contract is proved for felt_mul_ref,
 * which is this function's body under Frama-C. In the build the body is
 * one 64 x 64 -> 128-bit multiply followed by the same proved
 * felt_reduce_wide (31 x86-64 instructions out of line with GCC 12 -O2,
 * against 52 for felt_mul_ref's four limb products); only the product is
 * outside the proof, and tests/t_felt_mul.c checks the whole against
 * felt_mul_ref. */
/*@ requires canonical(a) && canonical(b);
    assigns \nothing;
    ensures canonical(\result);
    ensures \result == (a * b) % P;
*/
static inline felt_t felt_mul(felt_t a, felt_t b)
{
#if FELT_MUL_U128
    const felt_u128_t x = (felt_u128_t)a * b;
    const felt_wide_t w = { (uint64_t)(x >> 64), (uint64_t)x };
    return felt_reduce_wide(w);
#else
    return felt_mul_ref(a, b);
#endif
}

/*@ requires canonical(a);
    assigns \nothing;
    ensures canonical(\result);
    ensures \result == (a * a) % P;
*/
static inline felt_t felt_square(felt_t a)
{
    return felt_mul(a, a);
}

/* a^e by square-and-multiply over the bits of e. */
/*@ requires canonical(a);
    assigns \nothing;
    ensures canonical(\result);
*/
static inline felt_t felt_exp(felt_t a, uint64_t e)
{
    felt_t result = 1, base = a;
    /*@ loop invariant canonical(result) && canonical(base);
        loop assigns result, base, e;
        loop variant e;
    */
    while (e != 0) {
        if (e % 2 == 1)
            result = felt_mul(result, base);
        base = felt_square(base);
        e /= 2;
    }
    return result;
}

/* a^(2^k): k squarings. */
/*@ requires canonical(a);
    assigns \nothing;
    ensures canonical(\result);
*/
static inline felt_t felt_square_n(felt_t a, unsigned k)
{
    /*@ loop invariant canonical(a);
        loop assigns a, k;
        loop variant k;
    */
    while (k > 0) {
        a = felt_square(a);
        k--;
    }
    return a;
}

/* Multiplicative inverse, a^(p-2). Zero has none: returns -1 and leaves
 * *out untouched; otherwise writes the inverse and returns 0. */
/*@ requires \valid(out) && canonical(a);
    assigns *out;
    behavior zero:
      assumes a == 0;
      assigns \nothing;
      ensures \result == -1;
    behavior nonzero:
      assumes a != 0;
      assigns *out;
      ensures \result == 0 && canonical(*out);
    complete behaviors;
    disjoint behaviors;
*/
static inline int felt_inv(felt_t a, felt_t *out)
{
    if (a == 0)
        return -1;
    /* a^(p-2) by an addition chain: with e_n = a^(2^n - 1),
       p - 2 = (2^31 - 1) * 2^33 + (2^32 - 1), so a^(p-2) = e31^(2^33) * e32;
       64 squarings and 10 multiplications instead of felt_exp's 63 + 62. */
    const felt_t e1 = a;
    const felt_t e2 = felt_mul(felt_square(e1), e1);
    const felt_t e4 = felt_mul(felt_square_n(e2, 2), e2);
    const felt_t e8 = felt_mul(felt_square_n(e4, 4), e4);
    const felt_t e16 = felt_mul(felt_square_n(e8, 8), e8);
    const felt_t e24 = felt_mul(felt_square_n(e16, 8), e8);
    const felt_t e28 = felt_mul(felt_square_n(e24, 4), e4);
    const felt_t e30 = felt_mul(felt_square_n(e28, 2), e2);
    const felt_t e31 = felt_mul(felt_square(e30), e1);
    const felt_t e32 = felt_mul(felt_square(e31), e1);
    *out = felt_mul(felt_square_n(e31, 33), e32);
    return 0;
}

/* Upstream's u32 checks and the executor treat a felt as an integer in
 * [0, p); these name the common tests. */
/*@ assigns \nothing; ensures \result <==> x < R32; */
static inline int felt_is_u32(felt_t x) { return x < FELT_2_32; }

#endif

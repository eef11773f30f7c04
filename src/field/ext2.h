/*
 * ext2.h - the quadratic extension F_p[x] / (x^2 - x + 2).
 *
 * An element is c0 + c1 * x with both coefficients canonical felts; c0 is
 * the constant term. With x^2 = x - 2:
 *   (a0 + a1 x)(b0 + b1 x) = (a0 b0 - 2 a1 b1) + (a0 b1 + a1 b0 + a1 b1) x.
 * The VM uses it for ext2mul, FRI folding (frie2f4) and the Horner ops.
 *
 * Upstream facts: winterfell math crate 0.13, math/src/field/f64/mod.rs
 * (ExtensibleField<2>) and math/src/field/extensions/quadratic.rs.
 */
#ifndef FRAGTRACE_FIELD_EXT2_H
#define FRAGTRACE_FIELD_EXT2_H

#include "felt.h"

typedef struct {
    felt_t c0; /* constant term */
    felt_t c1; /* coefficient of x */
} ext2_t;

/*@ predicate ext2_canonical(ext2_t a) = canonical(a.c0) && canonical(a.c1); */

/*@ requires ext2_canonical(a) && ext2_canonical(b);
    assigns \nothing;
    ensures ext2_canonical(\result);
    ensures \result.c0 == (a.c0 + b.c0) % P && \result.c1 == (a.c1 + b.c1) % P;
*/
static inline ext2_t ext2_add(ext2_t a, ext2_t b)
{
    ext2_t r = { felt_add(a.c0, b.c0), felt_add(a.c1, b.c1) };
    return r;
}

/*@ requires ext2_canonical(a) && ext2_canonical(b);
    assigns \nothing;
    ensures ext2_canonical(\result);
    ensures \result.c0 == (a.c0 - b.c0 + P) % P && \result.c1 == (a.c1 - b.c1 + P) % P;
*/
static inline ext2_t ext2_sub(ext2_t a, ext2_t b)
{
    ext2_t r = { felt_sub(a.c0, b.c0), felt_sub(a.c1, b.c1) };
    return r;
}

/*@ requires ext2_canonical(a);
    assigns \nothing;
    ensures ext2_canonical(\result);
*/
static inline ext2_t ext2_neg(ext2_t a)
{
    ext2_t r = { felt_neg(a.c0), felt_neg(a.c1) };
    return r;
}

/*@ requires ext2_canonical(a) && ext2_canonical(b);
    assigns \nothing;
    ensures ext2_canonical(\result);
*/
static inline ext2_t ext2_mul(ext2_t a, ext2_t b)
{
    const felt_t t = felt_mul(a.c0, b.c0);
    const felt_t u = felt_mul(a.c1, b.c1);
    const felt_t v = felt_mul(felt_add(a.c0, a.c1), felt_add(b.c0, b.c1));
    ext2_t r;
    r.c0 = felt_sub(t, felt_add(u, u));
    r.c1 = felt_sub(v, t); /* = a0 b1 + a1 b0 + a1 b1 */
    return r;
}

/*@ requires ext2_canonical(a) && canonical(b);
    assigns \nothing;
    ensures ext2_canonical(\result);
*/
static inline ext2_t ext2_mul_base(ext2_t a, felt_t b)
{
    ext2_t r = { felt_mul(a.c0, b), felt_mul(a.c1, b) };
    return r;
}

/* The other root of x^2 - x + 2 is 1 - x, so conj(c0 + c1 x) = (c0 + c1) - c1 x,
 * and a * conj(a) lies in the base field. */
/*@ requires ext2_canonical(a);
    assigns \nothing;
    ensures ext2_canonical(\result);
*/
static inline ext2_t ext2_conj(ext2_t a)
{
    ext2_t r = { felt_add(a.c0, a.c1), felt_neg(a.c1) };
    return r;
}

/* Inverse; zero has none: returns -1 and leaves *out untouched. */
/*@ requires \valid(out) && ext2_canonical(a);
    assigns *out;
    ensures \result == 0 ==> ext2_canonical(*out);
    ensures \result == 0 || \result == -1;
*/
static inline int ext2_inv(ext2_t a, ext2_t *out)
{
    const ext2_t n = ext2_conj(a);
    const felt_t norm = ext2_mul(a, n).c0;
    felt_t inv_norm;
    if (felt_inv(norm, &inv_norm) != 0)
        return -1; /* the norm vanishes only at zero: x^2 - x + 2 is irreducible */
    out->c0 = felt_mul(n.c0, inv_norm);
    out->c1 = felt_mul(n.c1, inv_norm);
    return 0;
}

/*@ assigns \nothing; ensures \result <==> (a.c0 == b.c0 && a.c1 == b.c1); */
static inline int ext2_eq(ext2_t a, ext2_t b) { return a.c0 == b.c0 && a.c1 == b.c1; }

#endif

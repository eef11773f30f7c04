/*
 * t_field.c - the Goldilocks field against a plain 128-bit reference.
 */
#include "tap.h"
#include "field/felt.h"
#include "field/felt_text.h"

#define RANDOM_OPS 1000000

typedef unsigned __int128 u128;
static const u128 P128 = (u128)FELT_P;

static felt_t ref_add(felt_t a, felt_t b) { return (felt_t)(((u128)a + b) % P128); }
static felt_t ref_sub(felt_t a, felt_t b) { return (felt_t)(((u128)a + P128 - b) % P128); }
static felt_t ref_neg(felt_t a) { return (felt_t)((P128 - a) % P128); }
static felt_t ref_mul(felt_t a, felt_t b) { return (felt_t)(((u128)a * b) % P128); }
static felt_t ref_exp(felt_t a, uint64_t e)
{
    felt_t r = 1;
    while (e) {
        if (e & 1)
            r = ref_mul(r, a);
        a = ref_mul(a, a);
        e >>= 1;
    }
    return r;
}

/* Random canonical felts, biased towards the edges where reductions happen. */
static felt_t rand_felt(uint64_t *st)
{
    const uint64_t r = tap_rand(st);
    switch (r % 8) {
    case 0: return r % 4;                         /* 0..3 */
    case 1: return FELT_P - 1 - (r >> 8) % 4;     /* p-4..p-1 */
    case 2: return FELT_EPS - 2 + (r >> 8) % 4;   /* around 2^32 */
    default: return felt_from_u64(r);
    }
}

static const felt_t edges[] = { 0, 1, 2, FELT_EPS, FELT_2_32, UINT64_C(1) << 63,
                                FELT_P - 2, FELT_P - 1 };
#define N_EDGES (sizeof edges / sizeof edges[0])

typedef felt_t (*binop)(felt_t, felt_t);

static void check_binop(const char *name, binop f, binop ref, uint64_t *st)
{
    long bad = 0;
    felt_t ba = 0, bb = 0;
    for (size_t i = 0; i < N_EDGES; i++)
        for (size_t j = 0; j < N_EDGES; j++)
            if (f(edges[i], edges[j]) != ref(edges[i], edges[j]) && bad++ == 0)
                ba = edges[i], bb = edges[j];
    for (long k = 0; k < RANDOM_OPS; k++) {
        const felt_t a = rand_felt(st), b = rand_felt(st);
        const felt_t r = f(a, b);
        if ((r != ref(a, b) || r >= FELT_P) && bad++ == 0)
            ba = a, bb = b;
    }
    if (!tap_ok(bad == 0, "%s: %d edge pairs and %d random pairs match the 128-bit reference",
                name, (int)(N_EDGES * N_EDGES), RANDOM_OPS))
        tap_diag("%ld mismatches; first: a=%" PRIu64 " b=%" PRIu64 " got %" PRIu64
                 " expected %" PRIu64, bad, ba, bb, f(ba, bb), ref(ba, bb));
}

static felt_t add_(felt_t a, felt_t b) { return felt_add(a, b); }
static felt_t sub_(felt_t a, felt_t b) { return felt_sub(a, b); }
static felt_t mul_(felt_t a, felt_t b) { return felt_mul(a, b); }
static felt_t neg_(felt_t a, felt_t b) { (void)b; return felt_neg(a); }
static felt_t refneg_(felt_t a, felt_t b) { (void)b; return ref_neg(a); }

int main(void)
{
    tap_plan(21);
    uint64_t st = tap_seed();

    check_binop("add", add_, ref_add, &st);
    check_binop("sub", sub_, ref_sub, &st);
    check_binop("mul", mul_, ref_mul, &st);
    check_binop("neg", neg_, refneg_, &st);

    /* The reduction alone, on arbitrary 128-bit values (felt_mul only ever
       feeds it products of canonical values). */
    long bad = 0;
    for (long k = 0; k < RANDOM_OPS; k++) {
        const felt_wide_t w = { tap_rand(&st), tap_rand(&st) };
        const u128 x = ((u128)w.hi << 64) | w.lo;
        bad += felt_reduce_wide(w) != (felt_t)(x % P128);
        const uint64_t a = tap_rand(&st), b = tap_rand(&st);
        const felt_wide_t m = felt_mul_wide(a, b);
        bad += (((u128)m.hi << 64) | m.lo) != (u128)a * b;
    }
    tap_ok(bad == 0, "mul_wide and reduce_wide: %d random 128-bit values (%ld wrong)", RANDOM_OPS,
           bad);

    bad = 0;
    for (long k = 0; k < RANDOM_OPS; k++) {
        const uint64_t x = tap_rand(&st) | (k % 3 == 0 ? UINT64_C(0xFFFFFFFF00000000) : 0);
        bad += felt_from_u64(x) != (felt_t)((u128)x % P128);
    }
    tap_ok(bad == 0, "from_u64 reduces %d random u64 values (%ld wrong)", RANDOM_OPS, bad);
    tap_is_u64(felt_from_u64(UINT64_MAX), FELT_EPS - 1, "from_u64(2^64 - 1) = 2^32 - 2");
    tap_is_u64(felt_from_u64(FELT_P), 0, "from_u64(p) = 0");

    bad = 0;
    for (long k = 0; k < RANDOM_OPS / 10; k++) {
        const felt_t a = rand_felt(&st);
        const uint64_t e = tap_rand(&st) >> (k % 64);
        bad += felt_exp(a, e) != ref_exp(a, e);
    }
    tap_ok(bad == 0, "exp: %d random (base, exponent) pairs (%ld wrong)", RANDOM_OPS / 10, bad);
    tap_is_u64(felt_exp(0, 0), 1, "exp(0, 0) = 1");
    tap_is_u64(felt_exp(7, FELT_P - 1), 1, "Fermat: 7^(p-1) = 1");

    bad = 0;
    for (long k = 0; k < RANDOM_OPS / 10; k++) {
        felt_t a = rand_felt(&st), inv = 0;
        if (a == 0)
            a = 1;
        bad += felt_inv(a, &inv) != 0 || felt_mul(a, inv) != 1;
    }
    tap_ok(bad == 0, "inv: a * inv(a) = 1 for %d random nonzero a (%ld wrong)", RANDOM_OPS / 10,
           bad);
    felt_t untouched = 42;
    tap_ok(felt_inv(0, &untouched) == -1 && untouched == 42,
           "inv(0) is an error and writes nothing");
    felt_t inv_pm1 = 0;
    tap_ok(felt_inv(FELT_P - 1, &inv_pm1) == 0 && inv_pm1 == FELT_P - 1, "inv(p-1) = p-1");

    /* Decimal text. */
    felt_t v = 0;
    tap_ok(felt_parse_dec("18446744069414584320", 20, &v) == FELT_PARSE_OK && v == FELT_P - 1,
           "parse p-1");
    tap_ok(felt_parse_dec("18446744069414584321", 20, &v) == FELT_PARSE_TOO_BIG,
           "parse p is rejected (values >= p are not reduced)");
    tap_ok(felt_parse_dec("99999999999999999999999", 23, &v) == FELT_PARSE_TOO_BIG,
           "parse a 23-digit number is rejected without overflow");
    tap_ok(felt_parse_dec("", 0, &v) == FELT_PARSE_EMPTY && felt_parse_dec("-1", 2, &v) ==
           FELT_PARSE_NOT_DIGIT && felt_parse_dec("1 ", 2, &v) == FELT_PARSE_NOT_DIGIT,
           "parse rejects empty, signed and padded text");
    bad = 0;
    for (long k = 0; k < RANDOM_OPS / 10; k++) {
        const felt_t a = rand_felt(&st);
        char buf[FELT_DEC_MAX];
        const size_t n = felt_format_dec(a, buf);
        char ref[32];
        snprintf(ref, sizeof ref, "%" PRIu64, a);
        felt_t back = 0;
        bad += strcmp(buf, ref) != 0 || felt_parse_dec(buf, n, &back) != 0 || back != a;
    }
    tap_ok(bad == 0, "format/parse round trip on %d random felts (%ld wrong)", RANDOM_OPS / 10,
           bad);
    tap_ok(felt_is_u32(FELT_EPS) && !felt_is_u32(FELT_2_32), "is_u32 boundary at 2^32");
    tap_is_u64(felt_mul(FELT_2_32, FELT_2_32), FELT_EPS, "2^64 = 2^32 - 1 (mod p)");
    return tap_done();
}

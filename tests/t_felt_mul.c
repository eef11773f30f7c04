/*
 * t_felt_mul.c - the build's felt_mul (one 128-bit product, then the proved
 * felt_reduce_wide) against the proved reference felt_mul_ref (32-bit limb
 * products), which is what Frama-C sees as felt_mul (src/field/felt.h).
 *
 * Every pair of an edge set (0, 1, 2, p-1, p-2, 2^32-1, 2^32, 2^32+1, 2^63,
 * 2^48, values near multiples of 2^32), then random pairs: both results
 * equal and canonical. A plain 128-bit remainder checks the edge pairs and
 * the first random pairs independently of either.
 */
#include "tap.h"
#include "field/felt.h"

/* 10^7 random pairs take about 0.2 s at -O2, and about as long under
 * ASan + UBSan (the field code has no memory access or signed arithmetic
 * for them to instrument), so every build checks all of them. */
#define RANDOM_PAIRS 10000000L
/* How many of the random pairs are also checked by a 128-bit remainder. */
#define DIVIDED_PAIRS 100000L

__extension__ typedef unsigned __int128 u128;

static felt_t mul_mod(felt_t a, felt_t b) { return (felt_t)(((u128)a * b) % FELT_P); }

/* The edge set: k * 2^32 + d for d in -2..2 and k near the ends of the
 * 32-bit range and at the bits that reach the reduction's branches
 * (2^16 * 2^32 = 2^48, whose square is 2^96; 2^31 * 2^32 = 2^63), kept when
 * canonical. k = 2^32 - 1 gives p - 3 .. p - 1, since p - 1 = 2^64 - 2^32. */
#define MAX_EDGES 128
static felt_t edges[MAX_EDGES];
static size_t n_edges;

static void add_edge(felt_t v)
{
    for (size_t i = 0; i < n_edges; i++)
        if (edges[i] == v)
            return;
    if (n_edges < MAX_EDGES)
        edges[n_edges++] = v;
}

static void make_edges(void)
{
    static const uint64_t ks[] = { 0, 1, 2, 3, 0xFFFF, 0x10000, 0x10001, 0x7FFFFFFF, 0x80000000,
                                   0x80000001, 0xFFFFFFFD, 0xFFFFFFFE, 0xFFFFFFFF };
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
        for (int d = -2; d <= 2; d++) {
            const uint64_t base = ks[i] * FELT_2_32;
            if (d < 0 && base < (uint64_t)-d)
                continue;
            const uint64_t v = base + (uint64_t)(int64_t)d;
            if (v < FELT_P)
                add_edge(v);
        }
    add_edge(FELT_P - 1);
    add_edge(FELT_P - 2);
    add_edge(UINT64_C(1) << 63);
    add_edge(UINT64_C(1) << 48);
    add_edge(FELT_EPS);
    add_edge(FELT_2_32 + 1);
}

/* Random canonical felts: half uniform, half near the edges. */
static felt_t rand_felt(uint64_t *st)
{
    const uint64_t r = tap_rand(st);
    switch (r % 8) {
    case 0: return (r >> 8) % 4;                                  /* 0..3 */
    case 1: return FELT_P - 1 - (r >> 8) % 4;                     /* p-4..p-1 */
    case 2: {                                                     /* k 2^32 + d */
        const uint64_t k = (r >> 8) % FELT_2_32;
        const uint64_t v = k * FELT_2_32 + (r >> 40) % 5;
        return v >= 2 ? felt_from_u64(v - 2) : v;
    }
    case 3: return edges[(r >> 8) % n_edges];
    default: return felt_from_u64(r);
    }
}

int main(void)
{
    make_edges();
    tap_plan(6);
    tap_diag("felt_mul: %s", FELT_MUL_U128 ? "one unsigned __int128 product + felt_reduce_wide"
                                           : "felt_mul_ref (no unsigned __int128)");
    uint64_t st = tap_seed();

    /* 1. The edge pairs: both multiplies and a 128-bit remainder agree. */
    long bad = 0, noncanon = 0;
    felt_t ba = 0, bb = 0;
    for (size_t i = 0; i < n_edges; i++)
        for (size_t j = 0; j < n_edges; j++) {
            const felt_t a = edges[i], b = edges[j];
            const felt_t f = felt_mul(a, b), r = felt_mul_ref(a, b);
            noncanon += f >= FELT_P || r >= FELT_P;
            if ((f != r || f != mul_mod(a, b)) && bad++ == 0)
                ba = a, bb = b;
        }
    if (!tap_ok(bad == 0, "felt_mul = felt_mul_ref = (a b) mod p on all %zu x %zu edge pairs",
                n_edges, n_edges))
        tap_diag("%ld wrong; first a = %" PRIu64 ", b = %" PRIu64 ": felt_mul %" PRIu64
                 ", felt_mul_ref %" PRIu64 ", expected %" PRIu64,
                 bad, ba, bb, felt_mul(ba, bb), felt_mul_ref(ba, bb), mul_mod(ba, bb));
    tap_ok(noncanon == 0, "edge products canonical (%ld not)", noncanon);

    /* 2. Squares of the edges (felt_square goes through felt_mul). */
    bad = 0;
    for (size_t i = 0; i < n_edges; i++)
        bad += felt_square(edges[i]) != felt_mul_ref(edges[i], edges[i]);
    tap_ok(bad == 0, "felt_square = felt_mul_ref(a, a) on the edges (%ld wrong)", bad);

    /* 3. Random pairs. */
    long divided_bad = 0;
    bad = 0, noncanon = 0;
    for (long k = 0; k < RANDOM_PAIRS; k++) {
        const felt_t a = rand_felt(&st), b = rand_felt(&st);
        const felt_t f = felt_mul(a, b), r = felt_mul_ref(a, b);
        noncanon += f >= FELT_P || r >= FELT_P;
        if (f != r && bad++ == 0)
            ba = a, bb = b;
        if (k < DIVIDED_PAIRS)
            divided_bad += f != mul_mod(a, b);
    }
    if (!tap_ok(bad == 0, "felt_mul = felt_mul_ref on %ld random pairs", RANDOM_PAIRS))
        tap_diag("%ld differ; first a = %" PRIu64 ", b = %" PRIu64 ": felt_mul %" PRIu64
                 ", felt_mul_ref %" PRIu64, bad, ba, bb, felt_mul(ba, bb), felt_mul_ref(ba, bb));
    tap_ok(noncanon == 0, "random products canonical (%ld not)", noncanon);
    tap_ok(divided_bad == 0, "felt_mul = (a b) mod p by 128-bit division on the first %ld pairs "
           "(%ld wrong)", DIVIDED_PAIRS, divided_bad);
    return tap_done();
}

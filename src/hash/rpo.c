/*
 * rpo.c - RPO256 permutation, sponge and random coin (see rpo.h).
 */
#include "rpo.h"

/* state = MDS * state, MDS[i][j] = rpo_mds_row[(j - i) mod 12]. */
/*@ requires \valid(state + (0 .. 11)) && state_canonical(state);
    requires constants_canonical;
    assigns state[0 .. 11];
    ensures state_canonical(state);
*/
static void apply_mds(felt_t state[RPO_WIDTH])
{
    felt_t out[RPO_WIDTH];
    /*@ loop invariant 0 <= i <= 12;
        loop invariant \forall integer k; 0 <= k < i ==> canonical(out[k]);
        loop assigns i, out[0 .. 11];
        loop variant 12 - i;
    */
    for (int i = 0; i < RPO_WIDTH; i++) {
        felt_t acc = 0;
        /*@ loop invariant 0 <= j <= 12 && canonical(acc);
            loop assigns j, acc;
            loop variant 12 - j;
        */
        for (int j = 0; j < RPO_WIDTH; j++)
            acc = felt_add(acc, felt_mul(rpo_mds_row[(j - i + RPO_WIDTH) % RPO_WIDTH], state[j]));
        out[i] = acc;
    }
    /*@ loop invariant 0 <= i <= 12;
        loop invariant \forall integer k; 0 <= k < i ==> state[k] == out[k];
        loop assigns i, state[0 .. 11];
        loop variant 12 - i;
    */
    for (int i = 0; i < RPO_WIDTH; i++)
        state[i] = out[i];
}

/*@ requires canonical(x);
    assigns \nothing;
    ensures canonical(\result);
*/
static felt_t sbox(felt_t x)
{
    const felt_t x2 = felt_square(x);
    const felt_t x4 = felt_square(x2);
    const felt_t x3 = felt_mul(x2, x);
    return felt_mul(x3, x4);
}

/* x^INV_ALPHA (x^(1/7)) by an addition chain of 72 multiplications instead
 * of square-and-multiply's 63 squarings and 40 multiplications. INV_ALPHA =
 * 10540996611094048183 = 4 * (2 * e7 + e6) + 7 with
 *   e3 = 36 (x^4 -> x^32 * x^4), e4 = e3 * (2^6 + 1), e5 = e4 * (2^12 + 1),
 *   e6 = e5 * 2^6 + e3, e7 = e6 * (2^31 + 1);
 * t_rpo checks it against felt_exp and upstream's permutation vectors. */
/*@ requires canonical(x);
    assigns \nothing;
    ensures canonical(\result);
*/
static felt_t sbox_inv(felt_t x)
{
    const felt_t x2 = felt_square(x);
    const felt_t x4 = felt_square(x2);
    const felt_t t3 = felt_mul(felt_square_n(x4, 3), x4);
    const felt_t t4 = felt_mul(felt_square_n(t3, 6), t3);
    const felt_t t5 = felt_mul(felt_square_n(t4, 12), t4);
    const felt_t t6 = felt_mul(felt_square_n(t5, 6), t3);
    const felt_t t7 = felt_mul(felt_square_n(t6, 31), t6);
    const felt_t a = felt_square_n(felt_mul(felt_square(t7), t6), 2);
    const felt_t b = felt_mul(felt_mul(x2, x4), x);
    return felt_mul(a, b);
}

felt_t rpo_sbox_inv(felt_t x) { return sbox_inv(x); }

void rpo_permute(felt_t state[RPO_WIDTH])
{
    /*@ loop invariant 0 <= r <= 7 && state_canonical(state);
        loop assigns r, state[0 .. 11];
        loop variant 7 - r;
    */
    for (int r = 0; r < RPO_ROUNDS; r++) {
        apply_mds(state);
        /*@ loop invariant 0 <= i <= 12 && state_canonical(state);
            loop assigns i, state[0 .. 11];
            loop variant 12 - i;
        */
        for (int i = 0; i < RPO_WIDTH; i++)
            state[i] = sbox(felt_add(state[i], rpo_ark1[r][i]));
        apply_mds(state);
        /*@ loop invariant 0 <= i <= 12 && state_canonical(state);
            loop assigns i, state[0 .. 11];
            loop variant 12 - i;
        */
        for (int i = 0; i < RPO_WIDTH; i++)
            state[i] = sbox_inv(felt_add(state[i], rpo_ark2[r][i]));
    }
}

/*@ requires \valid_read(state + (0 .. 11)) && state_canonical(state);
    assigns \nothing;
    ensures word_canonical(\result);
*/
static word_t digest_of(const felt_t state[RPO_WIDTH])
{
    word_t w;
    /*@ loop invariant 0 <= k <= 4;
        loop invariant \forall integer m; 0 <= m < k ==> canonical(w.v[m]);
        loop assigns k, w;
        loop variant 4 - k;
    */
    for (int k = 0; k < RPO_DIGEST_LEN; k++)
        w.v[k] = state[RPO_RATE_START + k];
    return w;
}

word_t rpo_hash_elements(const felt_t *elems, size_t n)
{
    felt_t state[RPO_WIDTH] = { 0 };
    /* The sponge absorbs in overwrite mode; n mod 8 in state[0] separates
       inputs that differ only in trailing zeros. */
    state[0] = (felt_t)(n % RPO_RATE);
    size_t pos = 0;
    /*@ loop invariant 0 <= i <= n && 0 <= pos < 8 && pos == i % 8;
        loop invariant state_canonical(&state[0]);
        loop assigns i, pos, state[0 .. 11];
        loop variant n - i;
    */
    for (size_t i = 0; i < n; i++) {
        state[RPO_RATE_START + pos] = elems[i];
        pos++;
        if (pos == RPO_RATE) {
            rpo_permute(state);
            pos = 0;
        }
    }
    if (pos > 0) {
        /*@ loop invariant pos <= j <= 8 && state_canonical(&state[0]);
            loop assigns j, state[4 .. 11];
            loop variant 8 - j;
        */
        for (size_t j = pos; j < RPO_RATE; j++)
            state[RPO_RATE_START + j] = 0;
        rpo_permute(state);
    }
    return digest_of(state);
}

word_t rpo_merge_in_domain(word_t a, word_t b, felt_t domain)
{
    felt_t state[RPO_WIDTH] = { 0 };
    state[1] = domain;
    /*@ loop invariant 0 <= k <= 4 && state_canonical(&state[0]);
        loop assigns k, state[4 .. 11];
        loop variant 4 - k;
    */
    for (int k = 0; k < RPO_DIGEST_LEN; k++) {
        state[RPO_RATE_START + k] = a.v[k];
        state[RPO_RATE_START + RPO_DIGEST_LEN + k] = b.v[k];
    }
    rpo_permute(state);
    return digest_of(state);
}

word_t rpo_merge(word_t a, word_t b)
{
    return rpo_merge_in_domain(a, b, 0);
}

void rpo_coin_init(rpo_coin_t *coin, word_t seed)
{
    /*@ loop invariant 0 <= i <= 12;
        loop invariant \forall integer k; 0 <= k < i ==> coin->state[k] == 0;
        loop assigns i, coin->state[0 .. 11];
        loop variant 12 - i;
    */
    for (int i = 0; i < RPO_WIDTH; i++)
        coin->state[i] = 0;
    /*@ loop invariant 0 <= k <= 4 && state_canonical(&coin->state[0]);
        loop assigns k, coin->state[4 .. 7];
        loop variant 4 - k;
    */
    for (int k = 0; k < RPO_DIGEST_LEN; k++)
        coin->state[RPO_RATE_START + k] = seed.v[k];
    rpo_permute(coin->state);
    coin->next = RPO_RATE_START;
}

felt_t rpo_coin_draw(rpo_coin_t *coin)
{
    if (coin->next == RPO_WIDTH) {
        rpo_permute(coin->state);
        coin->next = RPO_RATE_START;
    }
    return coin->state[coin->next++];
}

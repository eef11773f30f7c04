/*
 * rpo.h - the RPO256 permutation and sponge of miden-crypto 0.18.
 *
 * State: 12 felts. Capacity = state[0..4), rate = state[4..12), digest =
 * state[4..8). Seven identical rounds; each is MDS, add ARK1, x^7, MDS,
 * add ARK2, x^(1/7). spec/hash.md states the padding rules of the sponge.
 *
 * Upstream facts: miden-crypto v0.18.0,
 *   miden-crypto/src/hash/algebraic_sponge/mod.rs (sponge rules)
 *   miden-crypto/src/hash/algebraic_sponge/rescue/rpo/mod.rs (round)
 *   miden-crypto/src/rand/rpo.rs (RpoRandomCoin)
 */
#ifndef FRAGTRACE_HASH_RPO_H
#define FRAGTRACE_HASH_RPO_H

#include <stddef.h>
#include "field/felt.h"

#define RPO_WIDTH 12        /* state width in felts */
#define RPO_CAPACITY 4      /* state[0..4) */
#define RPO_RATE 8          /* state[4..12) */
#define RPO_RATE_START 4
#define RPO_DIGEST_LEN 4    /* state[4..8) */
#define RPO_ROUNDS 7
/* 7 * RPO_INV_ALPHA = 1 mod (p - 1), so x -> x^RPO_INV_ALPHA undoes x^7. */
#define RPO_INV_ALPHA UINT64_C(10540996611094048183)

/* A digest (upstream: Word): four felts, element k is state[4 + k]. */
typedef struct {
    felt_t v[RPO_DIGEST_LEN];
} word_t;

extern const felt_t rpo_mds_row[RPO_WIDTH];
extern const felt_t rpo_ark1[RPO_ROUNDS][RPO_WIDTH];
extern const felt_t rpo_ark2[RPO_ROUNDS][RPO_WIDTH];

/*@ predicate state_canonical(felt_t *s) =
      \forall integer i; 0 <= i < 12 ==> canonical(s[i]);
    predicate word_canonical(word_t w) =
      \forall integer i; 0 <= i < 4 ==> canonical(w.v[i]);
    predicate constants_canonical =
      (\forall integer i; 0 <= i < 12 ==> canonical(rpo_mds_row[i])) &&
      (\forall integer r, i; 0 <= r < 7 && 0 <= i < 12 ==>
         canonical(rpo_ark1[r][i]) && canonical(rpo_ark2[r][i]));
*/

/* Apply the permutation in place. */
/*@ requires \valid(state + (0 .. RPO_WIDTH - 1)) && state_canonical(state);
    requires constants_canonical;
    assigns state[0 .. RPO_WIDTH - 1];
    ensures state_canonical(state);
*/
void rpo_permute(felt_t state[RPO_WIDTH]);

/* The inverse S-box x^(1/7) as the permutation computes it (an addition
 * chain); exposed so that a test can compare it with felt_exp. */
/*@ requires canonical(x);
    assigns \nothing;
    ensures canonical(\result);
*/
felt_t rpo_sbox_inv(felt_t x);

/* hash_elements: the digest of n canonical felts. */
/*@ requires n == 0 || \valid_read(elems + (0 .. n - 1));
    requires \forall integer i; 0 <= i < n ==> canonical(elems[i]);
    requires constants_canonical;
    assigns \nothing;
    ensures word_canonical(\result);
*/
word_t rpo_hash_elements(const felt_t *elems, size_t n);

/* merge_in_domain: the digest of two digests, with the domain in state[1];
 * domain 0 is plain merge. */
/*@ requires word_canonical(a) && word_canonical(b) && canonical(domain);
    requires constants_canonical;
    assigns \nothing;
    ensures word_canonical(\result);
*/
word_t rpo_merge_in_domain(word_t a, word_t b, felt_t domain);

/*@ requires word_canonical(a) && word_canonical(b);
    requires constants_canonical;
    assigns \nothing;
    ensures word_canonical(\result);
*/
word_t rpo_merge(word_t a, word_t b);

/* RpoRandomCoin: seeded with a word, it outputs state[4..12) of successive
 * permutations of its own state. The VM's random last trace row is drawn
 * from a coin seeded with the program hash. */
typedef struct {
    felt_t state[RPO_WIDTH];
    unsigned next; /* index in state of the next output, 4..12 */
} rpo_coin_t;

/*@ predicate coin_ok(rpo_coin_t *c) =
      state_canonical(&c->state[0]) && 4 <= c->next <= 12;
*/

/*@ requires \valid(coin) && word_canonical(seed) && constants_canonical;
    assigns *coin;
    ensures coin_ok(coin);
*/
void rpo_coin_init(rpo_coin_t *coin, word_t seed);

/*@ requires \valid(coin) && coin_ok(coin) && constants_canonical;
    assigns *coin;
    ensures coin_ok(coin) && canonical(\result);
*/
felt_t rpo_coin_draw(rpo_coin_t *coin);

#endif

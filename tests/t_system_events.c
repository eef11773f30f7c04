/*
 * t_system_events.c - the 16 system events of v0.19.0 (core/src/sys_events.rs;
 * handlers in processor/src/operations/sys_ops/sys_event_handlers.rs;
 * spec/operations.md section 8), one check per event, and an event id that
 * is no system event (upstream's DefaultHost has no handler for it).
 *
 * Each program pushes the event's arguments, emits the event (`push(id) emit
 * drop`, as the v0.19 assembler expands `emit.event`), drops the arguments,
 * pops what the handler left on the advice stack with advpop and drops as
 * many zeros from below, so that it ends 16 deep with the popped values on
 * top. `fragtrace run` prints the 16 outputs top first; the first ones are
 * compared with values derived from upstream's semantics. Map keys are
 * upstream's own test vectors: merge(A, B) of two words and hash_elements of
 * 16 elements are miden-crypto's hash_elements([0..8)) and
 * hash_elements([0..16)) (tests/rpo_vectors.h); merge_in_domain with the
 * JOIN domain is the MAST digest of (join (block swap) (block swap swap)),
 * whose block digests are the A and B used. Every program is also built in
 * fragments of every length (`check --all-fragments`): the fragment
 * builders do not run events, they replay the advice values popped.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "run_cmd.h"
#include "tmpdir.h"
#include "rpo_vectors.h"
#include "field/ext2.h"
#include "exec/advice.h"
#include "exec/exec.h"
#include "mast/parse.h"

/* Event ids (spec/operations.md section 8). */
#define EV_MERKLE_NODE_MERGE "7243907139105902342"
#define EV_MERKLE_NODE_TO_STACK "6873007751276594108"
#define EV_MAP_VALUE_TO_STACK "17843484659000820118"
#define EV_MAP_VALUE_TO_STACK_N "7354377147644073171"
#define EV_HAS_MAP_KEY "5642583036089175977"
#define EV_EXT2_INV "9660728691489438960"
#define EV_U32_CLZ "1503707361178382932"
#define EV_U32_CTZ "10656887096526143429"
#define EV_U32_CLO "12846584985739176048"
#define EV_U32_CTO "6773574803673468616"
#define EV_ILOG2 "7444351342957461231"
#define EV_MEM_TO_MAP "5768534446586058686"
#define EV_HDWORD_TO_MAP "5988159172915333521"
#define EV_HDWORD_TO_MAP_WITH_DOMAIN "6143777601072385586"
#define EV_HQWORD_TO_MAP "11723176702659679401"
#define EV_HPERM_TO_MAP "6190830263511605775"

#define EMIT(id) " push(" id ") emit drop "
#define DROP4 " drop drop drop drop "
#define DROP8 DROP4 DROP4
#define POP1 " advpop swap drop "
#define POP2 " advpop advpop movup2 drop movup2 drop "
#define POP3 " advpop advpop advpop movup3 drop movup3 drop movup3 drop "
#define POP4 " advpop advpop advpop advpop movup4 drop movup4 drop movup4 drop movup4 drop "
#define POP8                                                                              \
    " advpop advpop advpop advpop advpop advpop advpop advpop movup8 drop movup8 drop "   \
    "movup8 drop movup8 drop movup8 drop movup8 drop movup8 drop movup8 drop "
/* The words A = [0, 1, 2, 3] at s8..s5 and B = [4, 5, 6, 7] at s4..s1 when
   the event id is pushed: K(5) = A, K(1) = B. */
#define PUSH_0_TO_7 " push(0) push(1) push(2) push(3) push(4) push(5) push(6) push(7) "
/* merge([0,1,2,3], [4,5,6,7]) = hash_elements([0..8)) (rpo_expected[7], 8 elements),
   pushed as a key word K(1): element 0 deepest. */
#define PUSH_KEY_0_7                                                                       \
    " push(2242391899857912644) push(12689382052053305418) push(235236990017815546) "    \
    "push(5046143039268215739) "
/* hash_elements([0..16)) (rpo_expected[15], 16 elements) */
#define PUSH_KEY_0_15                                                                      \
    " push(4935426252518736883) push(12584230452580950419) push(8762518969632303998) "   \
    "push(18159875708229758073) "
/* The MAST digests of `basic_block swap end` (A), `basic_block swap swap end`
   (B), and of their join: merge_in_domain(A, B, 87), JOIN's opcode. */
#define PUSH_SWAP_A                                                                        \
    " push(10995436151082118190) push(776663942277617877) push(3177713792132750309) "    \
    "push(10407898805173442467) "
#define PUSH_SWAP_B                                                                        \
    " push(9552974201798903089) push(993192251238261044) push(1885027269046469428) "     \
    "push(8558115384207742312) "
#define PUSH_JOIN_KEY                                                                      \
    " push(6891651385436288073) push(4818233469950217846) push(13151796620788752762) "   \
    "push(9987151470405403532) "

typedef struct {
    const char *name;
    const char *body;     /* the basic block's operations */
    int n;                /* outputs checked (top first) */
    uint64_t want[8];
} event_case_t;

static const event_case_t cases[] = {
    /* Merkle store: merge two nodes, then read a child back from the merged root */
    { "merkle_node_merge: the node merge(L, R) (L = K(5), R = K(1)) has R as child 1",
      PUSH_0_TO_7 EMIT(EV_MERKLE_NODE_MERGE) DROP8
      PUSH_KEY_0_7 " push(1) push(1) " EMIT(EV_MERKLE_NODE_TO_STACK) DROP4 " drop drop " POP4,
      4, { 7, 6, 5, 4 } },
    { "merkle_node_to_stack: depth s1 = 1, index s2 = 0 under root K(3): L, element 0 "
      "popped first",
      PUSH_0_TO_7 EMIT(EV_MERKLE_NODE_MERGE) DROP8
      PUSH_KEY_0_7 " push(0) push(1) " EMIT(EV_MERKLE_NODE_TO_STACK) DROP4 " drop drop " POP4,
      4, { 3, 2, 1, 0 } },
    /* advice map: values inserted by hdword_to_map under merge(A, B) */
    { "map_value_to_stack: the values of key K(1), value[0] popped first",
      PUSH_0_TO_7 EMIT(EV_HDWORD_TO_MAP) DROP8
      PUSH_KEY_0_7 EMIT(EV_MAP_VALUE_TO_STACK) DROP4 POP8,
      8, { 7, 6, 5, 4, 3, 2, 1, 0 } },
    { "map_value_to_stack_n: the number of values popped first, then value[0], ...",
      PUSH_0_TO_7 EMIT(EV_HDWORD_TO_MAP) DROP8
      PUSH_KEY_0_7 EMIT(EV_MAP_VALUE_TO_STACK_N) DROP4 POP8,
      8, { 6, 5, 4, 3, 2, 1, 0, 8 } },
    { "has_map_key: 0 for an absent key, 1 for a present one",
      " push(1) push(2) push(3) push(4) " EMIT(EV_HAS_MAP_KEY) DROP4
      PUSH_0_TO_7 EMIT(EV_HDWORD_TO_MAP) DROP8
      PUSH_KEY_0_7 EMIT(EV_HAS_MAP_KEY) DROP4 POP2,
      2, { 0, 1 } },
    /* the checked values: b = a^-1 for a = (s2, s1) = (3, 5), b.c0 popped first */
    { "ext2_inv: (s2, s1) = (3, 5): b.c0 popped first, b.c1 second, a * b = 1",
      " push(3) push(5) " EMIT(EV_EXT2_INV) " drop drop " POP2, 0, { 0 } },
    { "u32_clz: 65535 has 16 leading zeros", " push(65535) " EMIT(EV_U32_CLZ) " drop " POP1,
      1, { 16 } },
    { "u32_ctz: 2^31 has 31 trailing zeros, 0 has 32",
      " push(2147483648) " EMIT(EV_U32_CTZ) " drop push(0) " EMIT(EV_U32_CTZ) " drop " POP2,
      2, { 31, 32 } },
    { "u32_clo: 0xffff0000 has 16 leading ones", " push(4294901760) " EMIT(EV_U32_CLO) " drop " POP1,
      1, { 16 } },
    { "u32_cto: 2^32 - 1 has 32 trailing ones, 0 none",
      " push(4294967295) " EMIT(EV_U32_CTO) " drop push(0) " EMIT(EV_U32_CTO) " drop " POP2,
      2, { 32, 0 } },
    { "ilog2: floor(log2) of p - 1 is 63, of 1 is 0, of 1024 is 10",
      " push(18446744069414584320) " EMIT(EV_ILOG2) " drop push(1) " EMIT(EV_ILOG2)
      " drop push(1024) " EMIT(EV_ILOG2) " drop " POP3,
      3, { 63, 0, 10 } },
    { "mem_to_map: key K(1) -> mem[s5 .. s6) of the current context",
      " push(11) push(100) mstore drop push(12) push(101) mstore drop push(13) push(102) "
      "mstore drop push(103) push(100) push(1) push(2) push(3) push(4) " EMIT(EV_MEM_TO_MAP)
      DROP4 " drop drop push(1) push(2) push(3) push(4) " EMIT(EV_MAP_VALUE_TO_STACK_N) DROP4 POP4,
      4, { 13, 12, 11, 3 } },
    { "hdword_to_map: key merge(A, B) (upstream hash_elements([0..8))), value A || B",
      PUSH_0_TO_7 EMIT(EV_HDWORD_TO_MAP) DROP8
      PUSH_KEY_0_7 EMIT(EV_MAP_VALUE_TO_STACK_N) DROP4 POP1,
      1, { 8 } },
    { "hdword_to_map_with_domain: domain s9 = 87 (JOIN): the key is the join's MAST digest",
      " push(87) " PUSH_SWAP_A PUSH_SWAP_B EMIT(EV_HDWORD_TO_MAP_WITH_DOMAIN) DROP8 " drop "
      PUSH_JOIN_KEY EMIT(EV_MAP_VALUE_TO_STACK) DROP4 POP4,
      4, { 10407898805173442467u, 3177713792132750309u, 776663942277617877u,
           10995436151082118190u } },
    { "hqword_to_map: key hash_elements(A || B || C || D) (upstream hash_elements([0..16)))",
      PUSH_0_TO_7 " push(8) push(9) push(10) push(11) push(12) push(13) push(14) push(15) "
      EMIT(EV_HQWORD_TO_MAP) DROP8 DROP8
      PUSH_KEY_0_15 EMIT(EV_MAP_VALUE_TO_STACK_N) DROP4 POP8,
      8, { 6, 5, 4, 3, 2, 1, 0, 16 } },
    { "hperm_to_map: key = permute(s12..s1)[4..8) (capacity 0: merge(A, B)), value the rate",
      PUSH_0_TO_7 EMIT(EV_HPERM_TO_MAP) DROP8
      PUSH_KEY_0_7 EMIT(EV_MAP_VALUE_TO_STACK) DROP4 POP8,
      8, { 7, 6, 5, 4, 3, 2, 1, 0 } },
};
#define N_CASES (int)(sizeof cases / sizeof cases[0])

/* The first n of the 16 outputs on stdout's first line. */
static int parse_outputs(const char *out, uint64_t *v, int n)
{
    for (int i = 0; i < n; i++) {
        char *end;
        v[i] = strtoull(out, &end, 10);
        if (end == out)
            return -1;
        out = end;
    }
    return 0;
}

/* A host that handles every other event by pushing its id + 1 onto the
   advice stack (what a host's on_event returning an advice mutation does). */
static int push_id_host(vm_t *vm, felt_t id, void *arg)
{
    (*(int *)arg)++;
    return advice_push(&vm->adv, id + 1);
}

/* Runs `push(5) emit drop advpop swap drop` in-process with the given host
   handler; 0 with the top output in *top, or -1 with the error kind. */
static int run_with_host(int (*host)(vm_t *, felt_t, void *), void *arg, felt_t *top,
                         exec_error_kind_t *kind)
{
    static const char text[] = "begin basic_block push(5) emit drop advpop swap drop end end";
    char err[256];
    mast_forest_t f;
    mast_forest_init(&f);
    if (mast_parse("t", text, strlen(text), &f, err, sizeof err) != 0)
        return -2;
    vm_t *vm = malloc(sizeof *vm);
    const felt_t adv[1] = { 99 };
    int rc = -2;
    if (vm && vm_init(vm, &f, "t", NULL, 0, adv, 1) == 0) {
        vm->host_event = host;
        vm->host_event_arg = arg;
        rc = vm_run(vm, NULL);
        felt_t out[STACK_TOP];
        vm_outputs(vm, out);
        *top = out[0];
        *kind = vm->err.kind;
        vm_free(vm);
    }
    free(vm);
    mast_forest_free(&f);
    return rc;
}

static int write_program(const char *path, const char *body)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "begin\n    basic_block\n        %s\n    end\nend\n", body);
    return fclose(f);
}

int main(void)
{
    tap_plan(N_CASES + 2);
    test_dir_t dir;
    test_dir_make(&dir);
    char path[600];
    test_dir_file(&dir, "ev.masm", path, sizeof path);
    for (int i = 0; i < N_CASES; i++) {
        const event_case_t *c = &cases[i];
        write_program(path, c->body);
        const char *args[] = { "run", path, NULL };
        run_result_t r = run_fragtrace(args);
        uint64_t got[16] = { 0 };
        const int want_n = c->n ? c->n : 2;
        int ok = r.status == 0 && parse_outputs(r.out, got, want_n) == 0;
        if (ok && c->n) {
            for (int k = 0; k < c->n; k++)
                ok &= got[k] == c->want[k];
        } else if (ok) {
            /* ext2_inv: s0 = b.c1 (popped second), s1 = b.c0; (3 + 5u) * b = 1 */
            const ext2_t a = { 3, 5 }, b = { got[1], got[0] };
            const ext2_t prod = ext2_mul(a, b);
            ok = prod.c0 == 1 && prod.c1 == 0;
        }
        const char *cargs[] = { "check", path, "--all-fragments", NULL };
        run_result_t rc = run_fragtrace(cargs);
        const int check_ok = rc.status == 0;
        if (!tap_ok(ok && check_ok, "%s", c->name)) {
            tap_diag("run: status %d, stdout: %s stderr: %s", r.status, r.out, r.err);
            tap_diag("check --all-fragments: status %d, stderr: %s", rc.status, rc.err);
        }
        run_free(&r);
        run_free(&rc);
    }

    /* An id that is no system event goes to the host; upstream's DefaultHost
       has no handler registered for it and fails (EventError, "no event
       handler registered"; processor/src/host/default.rs), and so does
       fragtrace. */
    write_program(path, " push(5) emit drop ");
    const char *args[] = { "run", path, NULL };
    run_result_t r = run_fragtrace(args);
    if (!tap_ok(r.status == 1 && r.out[0] == '\0' &&
                    strstr(r.err, "'emit': no event handler registered for event id 5"),
                "an unknown event id fails as with upstream's DefaultHost"))
        tap_diag("status %d, stderr: %s", r.status, r.err);
    run_free(&r);

    /* The host hook (vm_t.host_event): absent, the event fails (XERR_EVENT);
       a host handler runs for ids that are no system event only, and what
       it pushes is popped. */
    felt_t top = 0;
    exec_error_kind_t kind = 0;
    int calls = 0;
    const int none = run_with_host(NULL, NULL, &top, &kind);
    const int none_kind = kind == XERR_EVENT;
    const int with = run_with_host(push_id_host, &calls, &top, &kind);
    if (!tap_ok(none == -1 && none_kind && with == 0 && top == 6 && calls == 1,
                "host hook: none fails with XERR_EVENT; a handler's advice push is popped"))
        tap_diag("without: %d (kind ok %d); with: %d, top %" PRIu64 ", %d calls", none,
                 none_kind, with, top, calls);
    test_dir_remove(&dir);
    return tap_done();
}

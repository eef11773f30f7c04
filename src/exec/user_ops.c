/*
 * user_ops.c - basic-block operations (see user_ops.h).
 */
#include "user_ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/addr.h"
#include "exec/circuit_op.h"
#include "exec/merkle_ops.h"
#include "field/ext2.h"
#include "hash/rpo.h"

#define U32 (UINT64_C(1) << 32)

/* The op as displayed, for messages. */
static void op_display(const op_t *op, char *buf, size_t len)
{
    const op_info_t *info = op_by_code(op->opcode);
    if (info->imm == IMM_NONE)
        snprintf(buf, len, "%s", info->name);
    else
        snprintf(buf, len, "%s(%llu)", info->name, (unsigned long long)op->imm);
}

#define FAIL(kind, ...)                                                                  \
    do {                                                                                 \
        char name_[48];                                                                  \
        op_display(op, name_, sizeof name_);                                             \
        vm_fail(vm, kind, op->line, op->col, name_, __VA_ARGS__);                         \
        return -1;                                                                       \
    } while (0)

/* A helper register k that holds the inverse of a (0 for 0). Only rows
 * read it, so with no row assembled (rows = 0, a compile-time constant in
 * each copy of execute) it is skipped; in row mode the value itself is
 * stored and marked in vm->row_inverses, and the inversion happens when
 * the row is emitted, or, for a sink that batches them, once per tile. */
#define helper_inv(vm, k, a) (rows ? ((vm)->row_inverses |= 1u << (k), (a)) : 0)

static void limbs(uint64_t lo, uint64_t hi, felt_t h[6])
{
    h[0] = lo & 0xFFFF;
    h[1] = lo >> 16;
    h[2] = hi & 0xFFFF;
    h[3] = hi >> 16;
}

/* Write the word w (w[0] deepest) at stack position i. */
static void write_word(felt_t *s, int i, const felt_t w[4])
{
    s[i] = w[3];
    s[i + 1] = w[2];
    s[i + 2] = w[1];
    s[i + 3] = w[0];
}

static int check_addr(vm_t *vm, const op_t *op, felt_t a, int word)
{
    const int rc = mem_addr_check(a, word);
    if (rc == ADDR_OUT_OF_BOUNDS)
        FAIL(XERR_MEMORY_ADDRESS, "memory address %llu is not below 2^32", (unsigned long long)a);
    if (rc == ADDR_UNALIGNED)
        FAIL(XERR_MEMORY_ALIGNMENT, "word access at address %llu in context %llu is not "
             "word-aligned (a multiple of 4)", (unsigned long long)a, (unsigned long long)vm->ctx);
    return 0;
}

static int mem_write(vm_t *vm, const op_t *op, uint32_t a, felt_t v)
{
    (void)op;
    return vm_mem_write(vm, a, v);
}

static __attribute__((noinline, cold)) int push_failed(vm_t *vm, const op_t *op)
{
    FAIL(XERR_STACK_OVERFLOW, "stack overflow: the operand stack buffer of %d slots is full",
         STACK_BUF_SIZE);
}

static inline __attribute__((always_inline)) int push(vm_t *vm, const op_t *op, felt_t v)
{
    if (__builtin_expect(opstack_push(&vm->stack, v, vm->clk) != 0, 0))
        return push_failed(vm, op);
    return 0;
}

/* u32 operands: every one of s[0..n) must be below 2^32 (checked in order). */
static int check_u32(vm_t *vm, const op_t *op, int n, felt_t code)
{
    char bad[160] = "";
    size_t used = 0;
    int count = 0;
    for (int i = 0; i < n; i++)
        if (OPSTACK_S(&vm->stack)[i] >= U32) {
            used += (size_t)snprintf(bad + used, sizeof bad - used, "%s%llu (s%d)", count ? ", " : "",
                                     (unsigned long long)OPSTACK_S(&vm->stack)[i], i);
            count++;
            if (used >= sizeof bad)
                break;
        }
    if (count)
        FAIL(XERR_NOT_U32, "operand%s not a u32 value (below 2^32): %s (error code %llu)",
             count > 1 ? "s" : "", bad, (unsigned long long)code);
    return 0;
}

static int check_binary(vm_t *vm, const op_t *op, int n)
{
    for (int i = 0; i < n; i++)
        if (OPSTACK_S(&vm->stack)[i] > 1)
            FAIL(XERR_NOT_BINARY, "s%d = %llu is not a binary value (0 or 1)", i,
                 (unsigned long long)OPSTACK_S(&vm->stack)[i]);
    return 0;
}

/* Stack element i, reading below s15 into the current context's overflow
 * entries (0 past them). */
static felt_t stack_at(const opstack_t *st, uint32_t i)
{
    if (i < STACK_TOP)
        return OPSTACK_S(st)[i];
    const uint32_t k = i - STACK_TOP;
    return k < st->n_ovf - st->base ? st->ovf[st->n_ovf - 1 - k].value : 0;
}

/* K(i) = W(i) = [s_{i+3}, s_{i+2}, s_{i+1}, s_i]. */
static word_t stack_word(const opstack_t *st, uint32_t i)
{
    const word_t w = { { stack_at(st, i + 3), stack_at(st, i + 2), stack_at(st, i + 1),
                         stack_at(st, i) } };
    return w;
}

static int advice_push_or_fail(vm_t *vm, const op_t *op, felt_t v)
{
    if (advice_push(&vm->adv, v) != 0)
        FAIL(XERR_OUT_OF_MEMORY, "out of memory");
    return 0;
}

static int map_insert(vm_t *vm, const op_t *op, word_t key, const felt_t *v, size_t n)
{
    const int rc = advice_map_insert(&vm->adv, key, v, n);
    if (rc == -2) {
        char hex[67];
        word_to_hex(key, hex);
        FAIL(XERR_ADVICE_MAP_KEY, "advice map key %s is already present with other values", hex);
    }
    if (rc != 0)
        FAIL(XERR_OUT_OF_MEMORY, "out of memory");
    return 0;
}

/* The system events of v0.19.0 (core/src/sys_events.rs; handlers in
 * processor/src/operations/sys_ops/sys_event_handlers.rs; spec/operations.md
 * section 8). They change only the advice provider. */
enum {
    EV_MERKLE_NODE_MERGE = 0, EV_MERKLE_NODE_TO_STACK, EV_MAP_VALUE_TO_STACK,
    EV_MAP_VALUE_TO_STACK_N, EV_HAS_MAP_KEY, EV_EXT2_INV, EV_U32_CLZ, EV_U32_CTZ, EV_U32_CLO,
    EV_U32_CTO, EV_ILOG2, EV_MEM_TO_MAP, EV_HDWORD_TO_MAP, EV_HDWORD_TO_MAP_WITH_DOMAIN,
    EV_HQWORD_TO_MAP, EV_HPERM_TO_MAP, EV_COUNT
};
static const felt_t system_events[EV_COUNT] = {
    UINT64_C(7243907139105902342), UINT64_C(6873007751276594108), UINT64_C(17843484659000820118),
    UINT64_C(7354377147644073171), UINT64_C(5642583036089175977), UINT64_C(9660728691489438960),
    UINT64_C(1503707361178382932), UINT64_C(10656887096526143429), UINT64_C(12846584985739176048),
    UINT64_C(6773574803673468616), UINT64_C(7444351342957461231), UINT64_C(5768534446586058686),
    UINT64_C(5988159172915333521), UINT64_C(6143777601072385586), UINT64_C(11723176702659679401),
    UINT64_C(6190830263511605775),
};

static int count_bits(uint32_t v, int leading, int ones)
{
    int n = 0;
    for (int i = 0; i < 32; i++) {
        const int bit = leading ? (v >> (31 - i)) & 1 : (v >> i) & 1;
        if (bit != ones)
            break;
        n++;
    }
    return n;
}

static int system_event(vm_t *vm, const op_t *op)
{
    /* Events touch only the advice provider; a fragment builder replays the
       values they produced when they are popped. */
    if (vm->replay)
        return 0;
    const opstack_t *st = &vm->stack;
    int ev = -1;
    for (int i = 0; i < EV_COUNT; i++)
        if (OPSTACK_S(st)[0] == system_events[i])
            ev = i;
    if (ev < 0) {
        /* Not a system event: the host's (upstream op_emit: host.on_event) */
        if (vm->host_event)
            return vm->host_event(vm, OPSTACK_S(st)[0], vm->host_event_arg);
        FAIL(XERR_EVENT, "no event handler registered for event id %llu",
             (unsigned long long)OPSTACK_S(st)[0]);
    }
    const word_t k1 = stack_word(st, 1);
    const advice_entry_t *entry;
    felt_t values[16];
    switch (ev) {
    case EV_MAP_VALUE_TO_STACK:
    case EV_MAP_VALUE_TO_STACK_N:
        entry = advice_map_get(&vm->adv, k1);
        if (!entry) {
            char hex[67];
            word_to_hex(k1, hex);
            FAIL(XERR_ADVICE_MAP_KEY, "advice map has no key %s", hex);
        }
        for (size_t j = entry->n; j > 0; j--)
            if (advice_push_or_fail(vm, op, entry->values[j - 1]) != 0)
                return -1;
        if (ev == EV_MAP_VALUE_TO_STACK_N)
            return advice_push_or_fail(vm, op, entry->n);
        return 0;
    case EV_HAS_MAP_KEY:
        return advice_push_or_fail(vm, op, advice_map_get(&vm->adv, k1) != NULL);
    case EV_EXT2_INV: {
        const ext2_t a = { OPSTACK_S(st)[2], OPSTACK_S(st)[1] };
        ext2_t b;
        if (ext2_inv(a, &b) != 0)
            FAIL(XERR_DIVIDE_BY_ZERO, "ext2_inv of zero");
        return advice_push_or_fail(vm, op, b.c1) || advice_push_or_fail(vm, op, b.c0) ? -1 : 0;
    }
    case EV_U32_CLZ: case EV_U32_CTZ: case EV_U32_CLO: case EV_U32_CTO:
        if (OPSTACK_S(st)[1] >= U32)
            FAIL(XERR_NOT_U32, "operand not a u32 value (below 2^32): %llu (s1) (error code 0)",
                 (unsigned long long)OPSTACK_S(st)[1]);
        return advice_push_or_fail(vm, op, (felt_t)count_bits((uint32_t)OPSTACK_S(st)[1],
                                   ev == EV_U32_CLZ || ev == EV_U32_CLO,
                                   ev == EV_U32_CLO || ev == EV_U32_CTO));
    case EV_ILOG2: {
        felt_t v = OPSTACK_S(st)[1];
        if (v == 0)
            FAIL(XERR_LOG_ARGUMENT_ZERO, "ilog2 of zero");
        felt_t lg = 0;
        while (v >>= 1)
            lg++;
        return advice_push_or_fail(vm, op, lg);
    }
    case EV_MEM_TO_MAP: {
        const felt_t start = OPSTACK_S(st)[5], end = OPSTACK_S(st)[6];
        if (start >= U32 || end >= U32)
            FAIL(XERR_MEMORY_ADDRESS, "memory range [%llu, %llu) is not below 2^32",
                 (unsigned long long)start, (unsigned long long)end);
        if (start > end)
            FAIL(XERR_MEMORY_ADDRESS, "invalid memory range [%llu, %llu)",
                 (unsigned long long)start, (unsigned long long)end);
        felt_t *v = malloc((size_t)(end - start + 1) * sizeof *v);
        if (!v)
            FAIL(XERR_OUT_OF_MEMORY, "out of memory");
        for (felt_t a = start; a < end; a++)
            v[a - start] = memory_read(&vm->mem, vm->ctx, (uint32_t)a);
        const int rc = map_insert(vm, op, k1, v, (size_t)(end - start));
        free(v);
        return rc;
    }
    case EV_HDWORD_TO_MAP:
    case EV_HDWORD_TO_MAP_WITH_DOMAIN: {
        const word_t a = stack_word(st, 5);
        const felt_t domain = ev == EV_HDWORD_TO_MAP ? 0 : OPSTACK_S(st)[9];
        for (int j = 0; j < 4; j++) {
            values[j] = a.v[j];
            values[4 + j] = k1.v[j];
        }
        return map_insert(vm, op, rpo_merge_in_domain(a, k1, domain), values, 8);
    }
    case EV_HQWORD_TO_MAP: {
        const word_t w[4] = { stack_word(st, 13), stack_word(st, 9), stack_word(st, 5), k1 };
        for (int q = 0; q < 4; q++)
            for (int j = 0; j < 4; j++)
                values[4 * q + j] = w[q].v[j];
        return map_insert(vm, op, rpo_hash_elements(values, 16), values, 16);
    }
    case EV_HPERM_TO_MAP: {
        felt_t state[RPO_WIDTH];
        for (int j = 0; j < RPO_WIDTH; j++)
            state[j] = stack_at(st, (uint32_t)(12 - j));
        for (int j = 0; j < 8; j++)
            values[j] = state[4 + j];
        rpo_permute(state);
        const word_t key = { { state[4], state[5], state[6], state[7] } };
        return map_insert(vm, op, key, values, 8);
    }
    default: /* EV_MERKLE_NODE_MERGE, EV_MERKLE_NODE_TO_STACK: the Merkle store */
        return merkle_event(vm, op, ev == EV_MERKLE_NODE_MERGE);
    }
}

/* ---- frie2f4 and horner_eval_* (spec/operations.md section 10; upstream
 * processor/src/processor/operations/fri_ops.rs and crypto_ops.rs, helper
 * values as processor/src/parallel/mod.rs builds them) ---- */

/* tau^-k for k = 0..3, tau the generator of the order-4 subgroup: the factor
 * that turns the power of the domain generator into the point of domain
 * segment k. */
static const felt_t fri_tau_inv_pow[4] = {
    1, UINT64_C(18446462594437873665), UINT64_C(18446744069414584320),
    UINT64_C(281474976710656),
};
#define FRI_DOMAIN_OFFSET 7                        /* the field's generator */
#define FELT_HALF UINT64_C(9223372034707292161)    /* 1/2 */

/* One folding step by 2: (a + b + (a - b) * e) / 2. */
static ext2_t fri_fold2(ext2_t a, ext2_t b, ext2_t e)
{
    const ext2_t sum = ext2_add(ext2_add(a, b), ext2_mul(ext2_sub(a, b), e));
    return ext2_mul_base(sum, FELT_HALF);
}

/* frie2f4: folds the four query values (s7,s6), (s5,s4), (s3,s2), (s1,s0)
 * into one, after checking that the one of domain segment s9 is the
 * previous layer's result (s12,s11); depth -1. */
static int fri_ext2fold4(vm_t *vm, const op_t *op, felt_t h[6])
{
    opstack_t *st = &vm->stack;
    felt_t *s = OPSTACK_S(st);
    ext2_t q[4];
    for (int k = 0; k < 4; k++) {
        q[k].c0 = s[7 - 2 * k];
        q[k].c1 = s[6 - 2 * k];
    }
    const felt_t f_pos = s[8], seg = s[9], poe = s[10], layer_ptr = s[15];
    const ext2_t prev = { s[12], s[11] }, alpha = { s[14], s[13] };
    if (seg > 3)
        FAIL(XERR_FRI_DOMAIN_SEGMENT, "FRI domain segment s9 = %llu is not below 4",
             (unsigned long long)seg);
    if (!ext2_eq(q[seg], prev))
        FAIL(XERR_FRI_LAYER_FOLDING, "FRI layer folding mismatch: the previous value "
             "(%llu, %llu) differs from query value %llu (%llu, %llu)",
             (unsigned long long)prev.c0, (unsigned long long)prev.c1, (unsigned long long)seg,
             (unsigned long long)q[seg].c0, (unsigned long long)q[seg].c1);
    const felt_t tau = fri_tau_inv_pow[seg];
    const felt_t x = felt_mul(felt_mul(poe, tau), FRI_DOMAIN_OFFSET);
    felt_t x_inv = 0;                   /* 0 stays 0, as upstream's inv */
    (void)felt_inv(x, &x_inv);
    const ext2_t ev = ext2_mul_base(alpha, x_inv);
    const ext2_t es = ext2_mul(ev, ev);
    const ext2_t t0 = fri_fold2(q[0], q[2], ev);
    const ext2_t t1 = fri_fold2(q[1], q[3], ext2_mul_base(ev, fri_tau_inv_pow[1]));
    const ext2_t folded = fri_fold2(t0, t1, es);
    const felt_t poe2 = felt_square(poe);
    h[0] = ev.c0;
    h[1] = ev.c1;
    h[2] = es.c0;
    h[3] = es.c1;
    h[4] = x;
    h[5] = x_inv;
    opstack_pop(st);                    /* s15' is the old s16 */
    s = OPSTACK_S(st);
    s[0] = t0.c1;
    s[1] = t0.c0;
    s[2] = t1.c1;
    s[3] = t1.c0;
    for (int k = 0; k < 4; k++)         /* one-hot: s7' for segment 0 ... s4' for 3 */
        s[7 - k] = seg == (felt_t)k;
    s[8] = poe2;
    s[9] = tau;
    s[10] = felt_add(layer_ptr, 8);
    s[11] = felt_square(poe2);
    s[12] = f_pos;
    s[13] = folded.c1;
    s[14] = folded.c0;
    return 0;
}

/* horner_eval_base / horner_eval_ext: eight base-field (or four extension)
 * Horner steps on the accumulator (s15, s14) at the point alpha read, with
 * the rest of its word, from the word at address s13. The highest-degree
 * coefficient is the deepest: s7 (base) or (s7, s6) (ext). */
static int horner_eval(vm_t *vm, const op_t *op, felt_t h[6], int ext)
{
    felt_t *s = OPSTACK_S(&vm->stack);
    felt_t w[4];
    if (check_addr(vm, op, s[13], 1) != 0)
        return -1;
    const uint32_t a = (uint32_t)s[13];
    for (int i = 0; i < 4; i++)
        if (vm_mem_read(vm, a + (uint32_t)i, &w[i]) != 0)
            return -1;
    if (vm_request_memory(vm, MEM_READ_WORD, a, w) != 0)
        return -1;
    const ext2_t alpha = { w[0], w[1] };
    ext2_t acc = { s[15], s[14] }, tmp;
    if (!ext) {
        for (int i = 7; i >= 4; i--)
            acc = ext2_add(ext2_mul(acc, alpha), (ext2_t){ s[i], 0 });
        tmp = acc;
        for (int i = 3; i >= 0; i--)
            acc = ext2_add(ext2_mul(acc, alpha), (ext2_t){ s[i], 0 });
    } else {
        /* coefficient k is (s_{2k+1}, s_{2k}) */
        for (int k = 3; k >= 2; k--)
            acc = ext2_add(ext2_mul(acc, alpha), (ext2_t){ s[2 * k + 1], s[2 * k] });
        tmp = acc;
        for (int k = 1; k >= 0; k--)
            acc = ext2_add(ext2_mul(acc, alpha), (ext2_t){ s[2 * k + 1], s[2 * k] });
    }
    s[15] = acc.c0;
    s[14] = acc.c1;
    h[0] = w[0];
    h[1] = w[1];
    h[2] = w[2];
    h[3] = w[3];
    h[4] = tmp.c0;
    h[5] = tmp.c1;
    return 0;
}

/* One operation; inlined into both the row-mode entry point and the
 * fast-mode batch loop, so that the batch loop is one dense switch. */
static inline __attribute__((always_inline)) int execute(vm_t *vm, const op_t *op,
                                                         uint32_t op_index, felt_t h[6],
                                                         const int rows)
{
/* s[i] is s_i of the current window: re-read after every push and pop. */
#define s OPSTACK_S(st)
    opstack_t *st = &vm->stack;
    felt_t t, w[4], w2[4];
    uint64_t a64, r64;
    switch (op->opcode) {
    /* ---- system ---- */
    case OP_NOOP:
        return 0;
    case OP_ASSERT:
        if (s[0] != 1)
            FAIL(XERR_FAILED_ASSERTION, "assertion failed: s0 = %llu, not 1 (error code %llu)",
                 (unsigned long long)s[0], (unsigned long long)op->imm);
        opstack_pop(st);
        return 0;
    case OP_SDEPTH:
        return push(vm, op, opstack_depth(st));
    case OP_CALLER:
        write_word(s, 0, vm->fn_hash.v);
        return 0;
    case OP_CLK:
        return push(vm, op, vm->clk);
    case OP_EMIT:
        return system_event(vm, op);

    /* ---- field ---- */
    case OP_ADD:
        t = opstack_pop(st);
        s[0] = felt_add(s[0], t);
        return 0;
    case OP_NEG:
        s[0] = felt_neg(s[0]);
        return 0;
    case OP_MUL:
        t = opstack_pop(st);
        s[0] = felt_mul(s[0], t);
        return 0;
    case OP_INV:
        if (felt_inv(s[0], &t) != 0)
            FAIL(XERR_DIVIDE_BY_ZERO, "inverse of zero");
        s[0] = t;
        return 0;
    case OP_INCR:
        s[0] = felt_add(s[0], 1);
        return 0;
    case OP_AND:
    case OP_OR:
        if (check_binary(vm, op, 2) != 0)
            return -1;
        t = opstack_pop(st);
        s[0] = op->opcode == OP_AND ? (s[0] & t) : (s[0] | t);
        return 0;
    case OP_NOT:
        if (check_binary(vm, op, 1) != 0)
            return -1;
        s[0] = 1 - s[0];
        return 0;
    case OP_EQ:
        h[0] = helper_inv(vm, 0, felt_sub(s[0], s[1]));
        t = opstack_pop(st);
        s[0] = s[0] == t;
        return 0;
    case OP_EQZ:
        h[0] = helper_inv(vm, 0, s[0]);
        s[0] = s[0] == 0;
        return 0;
    case OP_EXPACC: {
        const felt_t base = s[1], acc = s[2], e = s[3];
        const felt_t factor = (e & 1) ? base : 1;
        h[0] = factor;
        s[0] = e & 1;
        s[1] = felt_square(base);
        s[2] = felt_mul(acc, factor);
        s[3] = e >> 1;
        return 0;
    }
    case OP_EXT2MUL: {
        const ext2_t a = { s[3], s[2] }, b = { s[1], s[0] };
        const ext2_t c = ext2_mul(a, b);
        s[3] = c.c0;
        s[2] = c.c1;
        return 0;
    }

    /* ---- u32 ---- */
    case OP_U32SPLIT:
        a64 = s[0];
        s[0] = a64 & 0xFFFFFFFF;
        limbs(a64 & 0xFFFFFFFF, a64 >> 32, h);
        h[4] = helper_inv(vm, 4, felt_sub(0xFFFFFFFF, a64 >> 32));
        if (vm_request_range(vm, h) != 0)
            return -1;
        return push(vm, op, a64 >> 32);
    case OP_U32ADD:
        if (check_u32(vm, op, 2, 0) != 0)
            return -1;
        r64 = s[0] + s[1];
        limbs(r64 & 0xFFFFFFFF, r64 >> 32, h);
        s[1] = r64 & 0xFFFFFFFF;
        s[0] = r64 >> 32;
        return vm_request_range(vm, h);
    case OP_U32ADD3:
        if (check_u32(vm, op, 3, 0) != 0)
            return -1;
        r64 = s[0] + s[1] + s[2];
        limbs(r64 & 0xFFFFFFFF, r64 >> 32, h);
        opstack_pop(st);
        s[1] = r64 & 0xFFFFFFFF;
        s[0] = r64 >> 32;
        return vm_request_range(vm, h);
    case OP_U32SUB:
        if (check_u32(vm, op, 2, op_index) != 0)
            return -1;
        r64 = s[1] - s[0];
        s[1] = r64 & 0xFFFFFFFF;
        s[0] = r64 >> 63;
        h[0] = s[1] & 0xFFFF;
        h[1] = s[1] >> 16;
        h[2] = h[3] = 0; /* upstream checks the limbs of (difference, 0) */
        return vm_request_range(vm, h);
    case OP_U32MUL:
    case OP_U32MADD:
        if (check_u32(vm, op, op->opcode == OP_U32MADD ? 3 : 2, 0) != 0)
            return -1;
        r64 = s[0] * s[1] + (op->opcode == OP_U32MADD ? s[2] : 0);
        limbs(r64 & 0xFFFFFFFF, r64 >> 32, h);
        h[4] = helper_inv(vm, 4, felt_sub(0xFFFFFFFF, r64 >> 32));
        if (op->opcode == OP_U32MADD)
            opstack_pop(st);
        s[1] = r64 & 0xFFFFFFFF;
        s[0] = r64 >> 32;
        return vm_request_range(vm, h);
    case OP_U32DIV: {
        if (check_u32(vm, op, 2, 0) != 0)
            return -1;
        const uint64_t d = s[0], n = s[1];
        if (d == 0)
            FAIL(XERR_DIVIDE_BY_ZERO, "u32 division by zero");
        const uint64_t q = n / d, r = n % d;
        limbs(n - q, d - r - 1, h);
        s[0] = r;
        s[1] = q;
        return vm_request_range(vm, h);
    }
    case OP_U32AND:
    case OP_U32XOR:
        if (check_u32(vm, op, 2, 0) != 0)
            return -1;
        if (vm_request_bitwise(vm, op->opcode == OP_U32XOR, (uint32_t)s[1], (uint32_t)s[0]) != 0)
            return -1;
        t = opstack_pop(st);
        s[0] = op->opcode == OP_U32AND ? (s[0] & t) : (s[0] ^ t);
        return 0;
    case OP_U32ASSERT2:
        if (check_u32(vm, op, 2, op->imm) != 0)
            return -1;
        limbs(s[1], s[0], h);
        return vm_request_range(vm, h);

    /* ---- stack manipulation ---- */
    case OP_PAD:
        return push(vm, op, 0);
    case OP_DROP:
        opstack_pop(st);
        return 0;
    case OP_DUP0: case OP_DUP1: case OP_DUP2: case OP_DUP3: case OP_DUP4: case OP_DUP5:
    case OP_DUP6: case OP_DUP7:
        return push(vm, op, s[op->opcode - OP_DUP0]);
    case OP_DUP9:
        return push(vm, op, s[9]);
    case OP_DUP11:
        return push(vm, op, s[11]);
    case OP_DUP13:
        return push(vm, op, s[13]);
    case OP_DUP15:
        return push(vm, op, s[15]);
    case OP_SWAP:
        t = s[0];
        s[0] = s[1];
        s[1] = t;
        return 0;
    case OP_SWAPW:
    case OP_SWAPW2:
    case OP_SWAPW3: {
        const int n = op->opcode == OP_SWAPW ? 1 : op->opcode == OP_SWAPW2 ? 2 : 3;
        for (int i = 0; i < 4; i++) {
            t = s[i];
            s[i] = s[4 * n + i];
            s[4 * n + i] = t;
        }
        return 0;
    }
    case OP_SWAPDW:
        for (int i = 0; i < 8; i++) {
            t = s[i];
            s[i] = s[8 + i];
            s[8 + i] = t;
        }
        return 0;
    case OP_CSWAP:
    case OP_CSWAPW: {
        if (check_binary(vm, op, 1) != 0)
            return -1;
        const felt_t c = opstack_pop(st);
        const int width = op->opcode == OP_CSWAP ? 1 : 4;
        if (c == 1)
            for (int i = 0; i < width; i++) {
                t = s[i];
                s[i] = s[width + i];
                s[width + i] = t;
            }
        return 0;
    }

    /* ---- input / output ---- */
    case OP_PUSH:
        return push(vm, op, op->imm);
    case OP_ADVPOP: {
        const int rc = vm_adv_pop(vm, &t);
        if (rc > 0)
            FAIL(XERR_ADVICE_STACK_EMPTY, "the advice stack is empty");
        return rc < 0 ? -1 : push(vm, op, t);
    }
    case OP_ADVPOPW:
        if (!vm_adv_available(vm, 4))
            FAIL(XERR_ADVICE_STACK_EMPTY, "the advice stack holds %zu elements; advpopw needs 4",
                 vm->adv.n);
        for (int i = 0; i < 4; i++)
            if (vm_adv_pop(vm, &w[i]) != 0)
                return -1;
        write_word(s, 0, w);
        return 0;
    case OP_MLOAD:
        if (check_addr(vm, op, s[0], 0) != 0 || vm_mem_read(vm, (uint32_t)s[0], &t) != 0 ||
            vm_request_memory(vm, MEM_READ_ELEMENT, (uint32_t)s[0], &t) != 0)
            return -1;
        s[0] = t;
        return 0;
    case OP_MSTORE: {
        if (check_addr(vm, op, s[0], 0) != 0)
            return -1;
        const uint32_t a = (uint32_t)opstack_pop(st);
        if (vm_request_memory(vm, MEM_WRITE_ELEMENT, a, &s[0]) != 0)
            return -1;
        return mem_write(vm, op, a, s[0]);
    }
    case OP_MLOADW: {
        if (check_addr(vm, op, s[0], 1) != 0)
            return -1;
        const uint32_t a = (uint32_t)opstack_pop(st);
        for (int i = 0; i < 4; i++)
            if (vm_mem_read(vm, a + (uint32_t)i, &w[i]) != 0)
                return -1;
        if (vm_request_memory(vm, MEM_READ_WORD, a, w) != 0)
            return -1;
        write_word(s, 0, w);
        return 0;
    }
    case OP_MSTOREW: {
        if (check_addr(vm, op, s[0], 1) != 0)
            return -1;
        const uint32_t a = (uint32_t)s[0];
        const felt_t word[4] = { s[4], s[3], s[2], s[1] };
        opstack_pop(st);
        if (vm_request_memory(vm, MEM_WRITE_WORD, a, word) != 0)
            return -1;
        for (int i = 0; i < 4; i++)
            if (mem_write(vm, op, a + (uint32_t)i, word[i]) != 0)
                return -1;
        return 0;
    }
    case OP_MSTREAM:
    case OP_PIPE: {
        const felt_t a = s[12];
        if (op->opcode == OP_PIPE) {
            if (!vm_adv_available(vm, 8))
                FAIL(XERR_ADVICE_STACK_EMPTY, "the advice stack holds %zu elements; pipe needs 8",
                     vm->adv.n);
        }
        if (check_addr(vm, op, a, 1) != 0 || check_addr(vm, op, felt_add(a, 4), 1) != 0)
            return -1;
        if (op->opcode == OP_PIPE) {
            for (int i = 0; i < 4; i++)
                if (vm_adv_pop(vm, &w[i]) != 0)
                    return -1;
            for (int i = 0; i < 4; i++)
                if (vm_adv_pop(vm, &w2[i]) != 0)
                    return -1;
            for (int i = 0; i < 4; i++)
                if (mem_write(vm, op, (uint32_t)a + (uint32_t)i, w[i]) != 0 ||
                    mem_write(vm, op, (uint32_t)a + 4u + (uint32_t)i, w2[i]) != 0)
                    return -1;
        } else {
            for (int i = 0; i < 4; i++)
                if (vm_mem_read(vm, (uint32_t)a + (uint32_t)i, &w[i]) != 0)
                    return -1;
            for (int i = 0; i < 4; i++)
                if (vm_mem_read(vm, (uint32_t)a + 4u + (uint32_t)i, &w2[i]) != 0)
                    return -1;
        }
        const memory_op_t mop = op->opcode == OP_PIPE ? MEM_WRITE_WORD : MEM_READ_WORD;
        if (vm_request_memory(vm, mop, (uint32_t)a, w) != 0 ||
            vm_request_memory(vm, mop, (uint32_t)a + 4u, w2) != 0)
            return -1;
        write_word(s, 0, w2);
        write_word(s, 4, w);
        s[12] = felt_add(a, 8);
        return 0;
    }

    /* ---- cryptographic operations ---- */
    case OP_HPERM: {
        /* st[j] = s_{11-j}: capacity s11..s8, rate s7..s0 */
        felt_t state[RPO_WIDTH];
        for (int j = 0; j < RPO_WIDTH; j++)
            state[j] = s[11 - j];
        if (vm_request_hasher(vm, HASH_PERMUTATION, 0, 8, state, &h[0]) != 0)
            return -1;
        rpo_permute(state);
        for (int j = 0; j < RPO_WIDTH; j++)
            s[11 - j] = state[j];
        return 0;
    }
    case OP_LOG_PRECOMPILE: {
        /* [COMM, TAG, PAD] -> [R1, R0, CAP_NEXT]: like HPERM, but the
           capacity is the transcript state CAP_PREV instead of s11..s8 (the
           PAD word is overwritten). [CAP_NEXT, R0, R1] = perm([CAP_PREV, TAG,
           COMM]); CAP_NEXT becomes the transcript state. Helpers: h0 the
           hasher address, h1..h4 CAP_PREV[0..3], h5 0 (upstream
           processor/src/processor/operations/crypto_ops.rs; spec/operations.md). */
        felt_t state[RPO_WIDTH];
        for (int j = 0; j < 4; j++)
            state[j] = vm->pc_transcript.v[j];
        for (int j = 4; j < RPO_WIDTH; j++)
            state[j] = s[11 - j];
        if (vm_request_hasher(vm, HASH_PERMUTATION, 0, 8, state, &h[0]) != 0)
            return -1;
        for (int j = 0; j < 4; j++)
            h[1 + j] = vm->pc_transcript.v[j];
        rpo_permute(state);
        for (int j = 0; j < 4; j++)
            vm->pc_transcript.v[j] = state[j];
        for (int j = 0; j < RPO_WIDTH; j++)
            s[11 - j] = state[j];
        return 0;
    }
    /* ---- movupN / movdnN: rotate the top N+1 elements ---- */
#define MOVUP(n)                                                                         \
    t = s[n];                                                                            \
    for (int i_ = (n); i_ > 0; i_--)                                                     \
        s[i_] = s[i_ - 1];                                                               \
    s[0] = t;                                                                            \
    return 0
#define MOVDN(n)                                                                         \
    t = s[0];                                                                            \
    for (int i_ = 0; i_ < (n); i_++)                                                     \
        s[i_] = s[i_ + 1];                                                               \
    s[n] = t;                                                                            \
    return 0
    case OP_MOVUP2: MOVUP(2);
    case OP_MOVUP3: MOVUP(3);
    case OP_MOVUP4: MOVUP(4);
    case OP_MOVUP5: MOVUP(5);
    case OP_MOVUP6: MOVUP(6);
    case OP_MOVUP7: MOVUP(7);
    case OP_MOVUP8: MOVUP(8);
    case OP_MOVDN2: MOVDN(2);
    case OP_MOVDN3: MOVDN(3);
    case OP_MOVDN4: MOVDN(4);
    case OP_MOVDN5: MOVDN(5);
    case OP_MOVDN6: MOVDN(6);
    case OP_MOVDN7: MOVDN(7);
    case OP_MOVDN8: MOVDN(8);
#undef MOVUP
#undef MOVDN
    case OP_FRIE2F4:
        return fri_ext2fold4(vm, op, h);
    case OP_HORNER_BASE:
    case OP_HORNER_EXT:
        return horner_eval(vm, op, h, op->opcode == OP_HORNER_EXT);
    /* ---- the crypto issue ---- */
    case OP_MPVERIFY:
    case OP_MRUPDATE:
        return merkle_op_execute(vm, op, h);
    case OP_EVAL_CIRCUIT:
        return eval_circuit_execute(vm, op);
    default:
        break;
    }
    FAIL(XERR_NOT_SUPPORTED, "unknown operation code %u", op->opcode);
#undef s
}

/* Row mode and fast mode are two copies of the one body (rows = 1 / 0). */
int user_op_execute(vm_t *vm, const op_t *op, uint32_t op_index, felt_t h[6])
{
    return execute(vm, op, op_index, h, 1);
}

int user_op_execute_fast(vm_t *vm, const op_t *op, uint32_t op_index, felt_t h[6])
{
    return execute(vm, op, op_index, h, 0);
}

int user_ops_run(vm_t *vm, const op_t *ops, uint32_t n, uint32_t first)
{
    felt_t helpers[6];
    for (uint32_t j = 0; j < n; j++) {
        if (execute(vm, &ops[j], first + j, helpers, 0) != 0)
            return -1;
        vm->clk++;
    }
    return 0;
}

/*
 * boundary.c - fuzz harness (a): parallel == sequential at every fragment
 * boundary. The input bytes are a data source from which a well-formed
 * program is generated (every node kind: basic blocks long enough for
 * several batches, JOIN, SPLIT, LOOP, CALL, SYSCALL, DYN, DYNCALL, EXTERNAL;
 * procedures that call each other; memory and advice use; MPVERIFY and
 * MRUPDATE in the empty trees of the Merkle store; LOG_PRECOMPILE, the
 * Horner operations, FRIE2F4 and EVAL_CIRCUIT on the stack at hand), with stack
 * inputs, an advice stack, a fragment length (small ones favoured) and a
 * thread count. The harness aborts if the trace built from fragment
 * contexts (directly, and after a trip through the context file format)
 * differs from the sequential trace, or if the two runs disagree on an
 * error (kind and clk).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "mast/parse.h"
#include "trace/context_file.h"
#include "trace/fragment.h"

#define FUZZ_MAX_CYCLES 8192   /* keeps one execution short; the limit itself is tested */
#define MAX_DEPTH 5
#define MAX_PROCS 4

/* The input as a source of choices; 0 once it is used up, so that
 * generation then takes the simplest option and ends. */
typedef struct {
    const uint8_t *p;
    size_t n, i;
} source_t;

static unsigned take(source_t *s, unsigned range)
{
    if (range <= 1)
        return 0;
    unsigned v = 0;
    for (unsigned r = range - 1; r; r >>= 8)
        v = v << 8 | (s->i < s->n ? s->p[s->i++] : 0);
    return v % range;
}

static uint64_t take_felt(source_t *s)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | (s->i < s->n ? s->p[s->i++] : 0);
    return v % UINT64_C(0xFFFFFFFF00000001);
}

typedef struct {
    char text[96 * 1024];
    size_t len;
    int full;
    int n_procs;              /* proc.p0 .. */
    int has_kernel, has_library;
    word_t digests[MAX_PROCS + 1]; /* procs, then the library procedure */
    int have_digests;
} gen_t;

static void emit(gen_t *g, const char *fmt, ...)
{
    if (g->full)
        return;
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(g->text + g->len, sizeof g->text - g->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof g->text - g->len - 1024)
        g->full = 1; /* stop growing; the 1 KiB reserve closes what is open */
    else
        g->len += (size_t)n;
}

/* Merkle paths in the empty trees every Merkle store holds: root E(d) (the
 * empty-subtree root of height d), any index below 2^d, the zero word as
 * the node; MRUPDATE then adds the updated tree. Stack depth unchanged. */
#define RISKY_MPVERIFY_EMPTY "<mpverify in an empty tree>"
#define RISKY_MRUPDATE_EMPTY "<mrupdate in an empty tree>"
static word_t empty_root[65];

/* Operations that succeed on any stack of small values, and operations that
 * fail on some values (inverse of 0, u32 ops, binary operands): those are
 * picked rarely, so that most programs run to the end, and when they fail,
 * both builders must fail alike. */
static const char *const safe_ops[] = {
    "noop", "add", "mul", "neg", "incr", "eqz", "eq", "swap", "swapw", "swapw2", "swapdw",
    "drop", "pad", "dup0", "dup1", "dup3", "dup7", "dup15", "movup2", "movdn3", "movup8",
    "movdn8", "u32split", "sdepth", "clk", "hperm", "advpop", "advpopw", "expacc", "ext2mul",
};
static const char *const risky_ops[] = {
    "inv", "u32add", "u32and", "u32xor", "u32mul", "u32madd", "cswap", "not", "and", "u32assert2",
    "mpverify(3)", "mrupdate", RISKY_MPVERIFY_EMPTY, RISKY_MRUPDATE_EMPTY,
};
static const char *const crypto_ops[] = {
    "log_precompile", "horner_eval_base", "horner_eval_ext", "frie2f4", "eval_circuit",
    ("push(0) push(0) push(0) push(0) push(0) push(0) push(0) push(0) push(0) push(0) "
     "horner_eval_base"),
    "push(4) push(1) push(2) eval_circuit",
};
#define N_CRYPTO (sizeof crypto_ops / sizeof crypto_ops[0])
#define N_SAFE (sizeof safe_ops / sizeof safe_ops[0])
#define N_RISKY (sizeof risky_ops / sizeof risky_ops[0])

static void gen_ops(gen_t *g, source_t *s)
{
    unsigned n = 1 + take(s, 24);
    if (take(s, 8) == 0)
        n += take(s, 160); /* several batches: RESPAN rows */
    emit(g, "basic_block");
    for (unsigned i = 0; i < n && !g->full; i++) {
        const unsigned k = take(s, N_SAFE + 9);
        if (k < N_SAFE)
            emit(g, " %s", safe_ops[k]);
        else if (k == N_SAFE) {
            const unsigned v = take(s, 16);
            /* v = 15: an operation of the crypto issue on whatever the
               stack holds (most fail their checks; both builders must
               fail alike); 1..14: push(0); 0: a risky operation */
            const char *op = v == 15 ? crypto_ops[take(s, N_CRYPTO)]
                           : v ? "push(0)" : risky_ops[take(s, N_RISKY)];
            const int upd = !strcmp(op, RISKY_MRUPDATE_EMPTY);
            if (upd || !strcmp(op, RISKY_MPVERIFY_EMPTY)) {
                const unsigned d = 1 + take(s, 64);
                const uint64_t index = take_felt(s) >> (64 - d);
                if (upd) /* the new value */
                    emit(g, " push(%u) push(0) push(%u) push(0)", take(s, 300), take(s, 2));
                const word_t r = empty_root[d];
                emit(g, " push(%llu) push(%llu) push(%llu) push(%llu) push(%llu) push(%u) pad pad "
                        "pad pad %s drop drop drop drop drop drop drop drop drop drop%s",
                     (unsigned long long)r.v[0], (unsigned long long)r.v[1],
                     (unsigned long long)r.v[2], (unsigned long long)r.v[3],
                     (unsigned long long)index, d, upd ? "mrupdate" : "mpverify(0)",
                     upd ? " drop drop drop drop" : "");
            } else {
                emit(g, " %s", op);
            }
        }
        else if (k < N_SAFE + 4)
            emit(g, " push(%llu)",
                 (unsigned long long)(take(s, 16) ? take(s, 300) : take_felt(s)));
        else if (k == N_SAFE + 4)
            emit(g, " push(%u) mstore", take(s, 64));
        else if (k == N_SAFE + 5)
            emit(g, " push(%u) mload", take(s, 64));
        else if (k == N_SAFE + 6)
            emit(g, " push(%u) mstorew", 4 * take(s, 16));
        else if (k == N_SAFE + 7)
            emit(g, " push(%u) mloadw", 4 * take(s, 16));
        else
            emit(g, " push(%u) swap drop", take(s, 2)); /* a flag-like value */
    }
    emit(g, " end\n");
}

/* Drop (or pad) until the stack is 16 deep: calls must return that way and
 * the program must end that way. A loop of its own. */
static void gen_cleanup(gen_t *g)
{
    emit(g, "join\nbasic_block sdepth push(16) eq not end\n"
            "while.true\nbasic_block drop sdepth push(16) eq not end\nend\nend\n");
}

static void gen_node(gen_t *g, source_t *s, int depth, int max_proc)
{
    if (g->full) {
        emit(g, "basic_block noop end\n");
        return;
    }
    const unsigned kind = depth >= MAX_DEPTH ? 0 : take(s, 12);
    switch (kind) {
    case 3:
    case 4:
        emit(g, "join\n");
        gen_node(g, s, depth + 1, max_proc);
        gen_node(g, s, depth + 1, max_proc);
        emit(g, "end\n");
        return;
    case 5:
        emit(g, "join\nbasic_block push(%u) end\nif.true\n", take(s, 2));
        gen_node(g, s, depth + 1, max_proc);
        emit(g, "else\n");
        gen_node(g, s, depth + 1, max_proc);
        emit(g, "end\nend\n");
        return;
    case 6: /* a loop driven by the advice stack */
        emit(g, "join\nbasic_block advpop end\nwhile.true\njoin\n");
        gen_node(g, s, depth + 1, max_proc);
        emit(g, "basic_block advpop end\nend\nend\nend\n");
        return;
    case 7:
        if (max_proc > 0) {
            emit(g, "call.p%u\n", take(s, (unsigned)max_proc));
            return;
        }
        break;
    case 8:
        if (g->has_kernel) {
            emit(g, "syscall.k0\n");
            return;
        }
        break;
    case 9:
    case 10:
        if (g->have_digests && g->n_procs + g->has_library > 0) {
            /* DYN or DYNCALL: the callee's digest goes to memory first. */
            const unsigned t = take(s, (unsigned)(g->n_procs + g->has_library));
            const word_t d = g->digests[(int)t < g->n_procs ? t : MAX_PROCS];
            const unsigned a = 64 + 4 * take(s, 8);
            emit(g, "join\nbasic_block push(%llu) push(%llu) push(%llu) push(%llu) push(%u) "
                    "mstorew drop drop drop drop push(%u) end\n%s\nend\n",
                 (unsigned long long)d.v[0], (unsigned long long)d.v[1],
                 (unsigned long long)d.v[2], (unsigned long long)d.v[3], a, a,
                 kind == 9 ? "dyn" : "dyncall");
            return;
        }
        break;
    case 11:
        if (g->has_library) {
            emit(g, "external.l0\n");
            return;
        }
        break;
    default:
        break;
    }
    gen_ops(g, s);
}

/* The procedures: library l0, kernel k0, p0..p(n-1); p_i calls only p_j, j < i. */
static void gen_procs(gen_t *g, source_t *s)
{
    g->has_library = take(s, 2);
    g->has_kernel = take(s, 2);
    g->n_procs = (int)take(s, MAX_PROCS + 1);
    /* The library and kernel procedures: one basic block each. */
    const struct { int present; const char *header; } leaves[] = {
        { g->has_library, "library.l0" }, { g->has_kernel, "kernel.k0" },
    };
    for (size_t i = 0; i < sizeof leaves / sizeof leaves[0]; i++) {
        if (!leaves[i].present)
            continue;
        emit(g, "%s\njoin\n", leaves[i].header);
        gen_ops(g, s);
        gen_cleanup(g);
        emit(g, "end\nend\n");
    }
    for (int i = 0; i < g->n_procs; i++) {
        emit(g, "proc.p%d\njoin\n", i);
        gen_node(g, s, 2, i);
        gen_cleanup(g);
        emit(g, "end\nend\n");
    }
}

/* Digests of the generated procedures, from a first parse with a trivial root. */
static int find_digests(gen_t *g)
{
    const size_t keep = g->len;
    emit(g, "begin\nbasic_block noop end\nend\n");
    mast_forest_t f;
    char err[512];
    mast_forest_init(&f);
    const int rc = mast_parse("fuzz.masm", g->text, g->len, &f, err, sizeof err);
    g->len = keep;
    g->text[keep] = '\0';
    if (rc != 0)
        return -1;
    for (uint32_t i = 0; i < f.n_procs; i++) {
        const char *name = f.procs[i].name;
        int slot = -1;
        if (name[0] == 'p')
            slot = atoi(name + 1);
        else if (!strcmp(name, "l0"))
            slot = MAX_PROCS;
        if (slot >= 0 && slot <= MAX_PROCS)
            g->digests[slot] = f.nodes[f.procs[i].node].digest;
    }
    g->have_digests = 1;
    mast_forest_free(&f);
    return 0;
}

/* 1 if equal; else reports the first difference on stderr. */
static int traces_equal(const main_trace_t *a, const main_trace_t *b)
{
    if (a->len != b->len) {
        fprintf(stderr, "trace lengths %llu and %llu\n", (unsigned long long)a->len,
                (unsigned long long)b->len);
        return 0;
    }
    for (uint64_t r = 0; r < a->len; r++)
        for (int c = 0; c < TRACE_NUM_COLUMNS; c++)
            if (a->cols[(uint64_t)c * a->len + r] != b->cols[(uint64_t)c * b->len + r]) {
                fprintf(stderr, "first difference at row %llu, column %d: %llu, %llu\n",
                        (unsigned long long)r, c,
                        (unsigned long long)a->cols[(uint64_t)c * a->len + r],
                        (unsigned long long)b->cols[(uint64_t)c * b->len + r]);
                return 0;
            }
    return 1;
}

static vm_t *new_vm(const mast_forest_t *f, const felt_t *st, uint32_t n_st, const felt_t *adv,
                    size_t n_adv)
{
    vm_t *vm = malloc(sizeof *vm);
    if (!vm || vm_init(vm, f, "fuzz.masm", st, n_st, adv, n_adv) != 0) {
        free(vm);
        return NULL;
    }
    vm->max_cycles = FUZZ_MAX_CYCLES;
    return vm;
}

static void drop_vm(vm_t *vm)
{
    if (vm) {
        vm_free(vm);
        free(vm);
    }
}

/* The decoded inputs, as `fragtrace` options. */
typedef struct {
    felt_t stack[STACK_TOP], advice[64];
    uint32_t n_stack;
    size_t n_advice;
} inputs_t;

static void print_list(const char *opt, const felt_t *v, size_t n)
{
    fprintf(stderr, " %s ", opt);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%s%llu", i ? "," : "", (unsigned long long)v[i]);
}

static void describe(const gen_t *g, const inputs_t *in, uint64_t n, unsigned threads)
{
    fprintf(stderr, "%s--- fragtrace check FILE", g->text);
    if (in->n_stack)
        print_list("--stack", in->stack, in->n_stack);
    if (in->n_advice)
        print_list("--advice-stack", in->advice, in->n_advice);
    fprintf(stderr, " --max-cycles %d --fragment %llu --threads %u\n", FUZZ_MAX_CYCLES,
            (unsigned long long)n, threads);
}

static void mismatch(const char *what, const gen_t *g, const inputs_t *in, uint64_t n,
                     unsigned threads)
{
    fprintf(stderr, "boundary: %s\n", what);
    describe(g, in, n, threads);
    abort();
}

/* Contexts -> file bytes -> contexts -> trace; 0 if it built. */
static int via_file(const mast_forest_t *f, const fragment_set_t *set, unsigned threads,
                    main_trace_t *out, char *err, size_t err_len)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return -1;
    const int wrc = context_file_write(set, m);
    fclose(m);
    fragment_set_t back;
    snprintf(err, err_len, "writing the context file failed");
    int rc = wrc == 0 ? context_file_parse((unsigned char *)buf, len, 1, &back, err, err_len)
                      : -1;
    if (wrc == 0 && rc == 0)
        rc = fragment_build_trace(f, "fuzz.masm", &back, threads, out, err, err_len);
    if (wrc == 0)
        fragment_set_free(&back);
    free(buf);
    return rc;
}

void fuzz_init(void)
{
    empty_root[0] = (word_t){ { 0, 0, 0, 0 } };
    for (int k = 1; k <= 64; k++)
        empty_root[k] = rpo_merge(empty_root[k - 1], empty_root[k - 1]);
}

void fuzz_one(const uint8_t *data, size_t len)
{
    source_t s = { data, len, 0 };
    static gen_t g; /* large; rewritten from scratch on every call */
    memset(&g, 0, sizeof g);
    inputs_t in;
    felt_t *stack = in.stack, *advice = in.advice;
    const uint32_t n_stack = in.n_stack = take(&s, STACK_TOP + 1);
    for (uint32_t i = 0; i < n_stack; i++)
        stack[i] = take(&s, 16) ? take(&s, 50) : take_felt(&s);
    const size_t n_advice = in.n_advice = take(&s, 65);
    for (size_t i = 0; i < n_advice; i++) {
        const unsigned k = take(&s, 32);
        advice[i] = k < 24 ? 1 : k < 31 ? 0 : take_felt(&s);
    }
    const unsigned b = take(&s, 256);
    const uint64_t n = b < 160 ? 1 + b % 8 : b < 232 ? 1 + take(&s, 64) : 1 + take(&s, 65536);
    const unsigned threads = 1 + take(&s, 4);

    gen_procs(&g, &s);
    if (find_digests(&g) != 0)
        mismatch("a generated procedure section does not parse", &g, &in, n, threads);
    emit(&g, "begin\njoin\n");
    gen_node(&g, &s, 0, g.n_procs);
    gen_cleanup(&g);
    emit(&g, "end\nend\n");

    mast_forest_t f;
    char err[512];
    mast_forest_init(&f);
    if (mast_parse("fuzz.masm", g.text, g.len, &f, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        mismatch("a generated program does not parse", &g, &in, n, threads);
    }
    vm_t *seq_vm = new_vm(&f, stack, n_stack, advice, n_advice);
    vm_t *rec_vm = new_vm(&f, stack, n_stack, advice, n_advice);
    if (!seq_vm || !rec_vm)
        abort();
    main_trace_t seq, par = { NULL, 0 }, filed = { NULL, 0 };
    const int seq_rc = trace_build_sequential(seq_vm, &seq);
    fragment_set_t set;
    const int rec_rc = fragment_record(rec_vm, n, &set);
    if (seq_rc != rec_rc)
        mismatch("one run failed, the other did not", &g, &in, n, threads);
    if (seq_rc != 0) {
        if (seq_vm->err.kind != rec_vm->err.kind || seq_vm->err.clk != rec_vm->err.clk)
            mismatch("the runs fail differently", &g, &in, n, threads);
    } else {
        if (fragment_build_trace(&f, "fuzz.masm", &set, threads, &par, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            mismatch("the fragment build failed", &g, &in, n, threads);
        }
        if (!traces_equal(&seq, &par))
            mismatch("parallel trace differs from the sequential one", &g, &in, n, threads);
        if (via_file(&f, &set, threads, &filed, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            mismatch("the build through the context file failed", &g, &in, n, threads);
        }
        if (!traces_equal(&seq, &filed))
            mismatch("the trace built through the context file differs", &g, &in, n, threads);
        main_trace_free(&seq);
    }
    if (getenv("FUZZ_VERBOSE")) { /* show what an input decodes to */
        char msg[512] = "ok";
        if (seq_rc != 0)
            vm_format_error(seq_vm, msg, sizeof msg);
        describe(&g, &in, n, threads);
        fprintf(stderr, "--- %llu rows: %s\n", (unsigned long long)seq_vm->clk, msg);
    }
    main_trace_free(&par);
    main_trace_free(&filed);
    fragment_set_free(&set);
    drop_vm(seq_vm);
    drop_vm(rec_vm);
    mast_forest_free(&f);
}

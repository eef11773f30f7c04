/*
 * masb.c - fuzz harness (d): mutated upstream binary MAST files (a program
 * `.masb` or a library `.mast`) fed to the reader (mast/masb.h) and, when
 * they read, to a bounded run.
 *
 * Input: byte 0 picks the mode and the stack inputs, byte 1 the fragment
 * length and the thread count, the rest is the file:
 *   byte 0  bits 0-3  the stack (and advice) inputs of fuzz_masb_programs[i % N]
 *           bits 4-6  library mode: which procedure root runs as the entry
 *           bit 7     0: the file is a program (.masb); 1: a library (.mast)
 *   byte 1  bits 0-3  fragment length (masb_fragments[])
 *           bits 4-5  threads - 1
 *           bit 6     0: node digests that do not match are resealed (the
 *                     computed digest written into the record, the file
 *                     read again), so that mutations of operations and
 *                     node records reach the run, as fuzz/context.c
 *                     reseals its checksum; 1: refused as they are
 *
 * Properties (abort = finding):
 *   - a file the reader refuses is refused with "fuzz.masb: byte N: ..."
 *     (after resealing digests, when byte 1 asks for it: the file is then
 *     read as it would be if its digests were right);
 *   - a file it reads is written again (mast/masb_write.h) and that output
 *     reads back to the same nodes, digests, kernel and entry, and writes
 *     again to the same bytes (the canonical form is a fixed point);
 *   - the program runs for at most MASB_FUZZ_MAX_CYCLES cycles, and the
 *     trace built from fragment contexts equals the sequential one, or both
 *     runs fail alike (error kind and clk), as fuzz/boundary.c checks.
 * Never a crash, hang or sanitizer report.
 *
 * masb_fuzz_case is also what tests/t_masb_mutate.c calls for every
 * truncation and byte flip of the shipped vectors (with a host program
 * for a mutated kernel library, as `fragtrace run --lib` loads it).
 * Seeds (fuzz/corpus/masb/): `make fuzz-seeds` compiles the programs of
 * fuzz_masb_programs with `fragtrace compile` (fuzz/make_masb_seeds.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "exec/exec.h"
#include "io/felt_list.h"
#include "mast/masb.h"
#include "mast/masb_write.h"
#include "trace/fragment.h"
#include "trace/trace.h"

#define MASB_FUZZ_MAX_CYCLES 4096 /* keeps one execution short */
#define MASB_FUZZ_FILE "fuzz.masb"

typedef enum {
    MASB_REJECTED,      /* the reader (or the advice map merge) refused the file */
    MASB_NOT_RUN,       /* read; nothing to run (a library without procedures) */
    MASB_RAN_OK,        /* ran to the end */
    MASB_RAN_FAILED,    /* the program failed (an execution error) */
    MASB_CYCLE_LIMIT,   /* stopped at the cycle limit */
    MASB_OUTCOMES
} masb_outcome_t;

static const char *const masb_outcome_names[MASB_OUTCOMES] __attribute__((unused)) = {
    "rejected", "not run", "ran to the end", "program failed", "cycle limit",
};

typedef struct {
    masb_kind_t kind;
    /* MASB_LIBRARY: the program (.masb bytes, trusted) the library is added
       to, as `fragtrace run HOST --lib FILE`; NULL: the library is read on
       its own and its procedure root root_pick % (procedures) runs. */
    const unsigned char *host;
    size_t host_len;
    unsigned root_pick;
    /* MASB_PROGRAM: a library (.mast bytes, trusted) added after the
       program, as `fragtrace run FILE --lib LIB`; NULL: none. */
    const unsigned char *lib;
    size_t lib_len;
    const felt_t *stack;
    uint32_t n_stack;
    const felt_t *advice;
    size_t n_advice;
    uint64_t max_cycles;
    uint64_t fragment;  /* 0: only a bounded vm_run; else also the parallel == sequential check */
    unsigned threads;
    /* 1: a node whose stated digest is not the one computed gets the
       computed one and the file is read again (up to MASB_RESEALS times),
       so that mutations of operations and structure reach the run. */
    int reseal;
} masb_case_t;

static void masb_fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "masb harness: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static int masb_traces_equal(const main_trace_t *a, const main_trace_t *b)
{
    if (a->len != b->len)
        return 0;
    for (int c = 0; c < TRACE_NUM_COLUMNS; c++)
        if (memcmp(a->cols + (uint64_t)c * a->len, b->cols + (uint64_t)c * b->len,
                   a->len * sizeof *a->cols) != 0)
            return 0;
    return 1;
}

/* Written again, read back, written again: same forest, same bytes. */
static void masb_round_trip(const mast_forest_t *f, masb_kind_t kind)
{
    char err[1024];
    unsigned char *y = NULL, *z = NULL;
    size_t ylen = 0, zlen = 0;
    if (masb_write(f, kind, MASB_WRITE_OWN, &y, &ylen, err, sizeof err) != 0)
        masb_fuzz_fail("a file that reads cannot be written again", err);
    mast_forest_t g;
    mast_advice_map_t adv = { NULL, NULL, 0 };
    mast_forest_init(&g);
    if (masb_read("rewritten.masb", y, ylen, kind, 0, &g, &adv, err, sizeof err) != 0)
        masb_fuzz_fail("the file written again does not read", err);
    if (g.n_nodes != f->n_nodes || g.n_kernel != f->n_kernel ||
        (kind == MASB_PROGRAM && g.entry != f->entry) ||
        memcmp(g.kernel, f->kernel, f->n_kernel * sizeof *f->kernel) != 0)
        masb_fuzz_fail("the file written again reads to another forest (nodes, kernel, entry)",
                       NULL);
    for (uint32_t i = 0; i < f->n_nodes; i++)
        if (g.nodes[i].kind != f->nodes[i].kind ||
            memcmp(&g.nodes[i].digest, &f->nodes[i].digest, sizeof(word_t)) != 0)
            masb_fuzz_fail("a node of the file written again differs", NULL);
    if (masb_write(&g, kind, MASB_WRITE_OWN, &z, &zlen, err, sizeof err) != 0)
        masb_fuzz_fail("the file written again cannot be written a second time", err);
    if (zlen != ylen || memcmp(y, z, ylen) != 0)
        masb_fuzz_fail("writing the file written again gives other bytes", NULL);
    free(y);
    free(z);
    mast_advice_map_free(&adv);
    mast_forest_free(&g);
}

static vm_t *masb_new_vm(const mast_forest_t *f, const masb_case_t *c,
                         const mast_advice_map_t *map)
{
    vm_t *vm = malloc(sizeof *vm);
    if (!vm || vm_init(vm, f, MASB_FUZZ_FILE, c->stack, c->n_stack, c->advice, c->n_advice) != 0)
        masb_fuzz_fail("vm_init failed", NULL);
    vm->max_cycles = c->max_cycles;
    for (size_t i = 0; i < map->n; i++)
        if (advice_map_insert(&vm->adv, map->keys[i], map->values[i].v, map->values[i].n) != 0) {
            vm_free(vm);
            free(vm);
            return NULL; /* a key twice with other values: refused, as program_prepare does */
        }
    return vm;
}

static void masb_drop_vm(vm_t *vm)
{
    if (vm) {
        vm_free(vm);
        free(vm);
    }
}

static masb_outcome_t masb_error_outcome(const vm_t *vm)
{
    char msg[1024] = "";
    vm_format_error(vm, msg, sizeof msg);
    if (vm->err.kind == XERR_NONE || msg[0] == '\0')
        masb_fuzz_fail("a failed run has no error", NULL);
    return vm->err.kind == XERR_CYCLE_LIMIT ? MASB_CYCLE_LIMIT : MASB_RAN_FAILED;
}

/* A refusal for a node digest ("FILE: byte N: node I (...): the file gives
 * digest X, but the node hashes to 0x<64 hex digits>"): the record's digest
 * at byte N of buf is made the computed one. 0 if it was one. */
static int masb_reseal(const char *err, unsigned char *buf, size_t len)
{
    const char *h = strstr(err, "hashes to 0x");
    size_t at;
    if (!h || sscanf(err, MASB_FUZZ_FILE ": byte %zu:", &at) != 1 || at > len || len - at < 32)
        return -1;
    h += strlen("hashes to 0x");
    for (size_t i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(h + 2 * i, "%2x", &v) != 1)
            return -1;
        buf[at + i] = (unsigned char)v;
    }
    return 0;
}

#define MASB_RESEALS 64 /* digests resealed per input at most */

/* Read buf[0..len) as c says and run it; aborts on a finding. */
static masb_outcome_t masb_fuzz_case(const unsigned char *buf, size_t len, const masb_case_t *c)
{
    char err[1024] = "";
    mast_forest_t f;
    mast_advice_map_t map = { NULL, NULL, 0 };
    unsigned char *resealed = NULL;
    for (int tries = 0;; tries++) {
        mast_forest_init(&f);
        if (c->kind == MASB_LIBRARY && c->host &&
            masb_read("host.masb", c->host, c->host_len, MASB_PROGRAM, 0, &f, &map, err,
                      sizeof err) != 0)
            masb_fuzz_fail("the host program does not read", err);
        if (masb_read(MASB_FUZZ_FILE, resealed ? resealed : buf, len, c->kind, 0, &f, &map, err,
                      sizeof err) == 0)
            break;
        static const char prefix[] = MASB_FUZZ_FILE ": byte ";
        if (strncmp(err, prefix, sizeof prefix - 1) != 0)
            masb_fuzz_fail("a refusal does not name the byte", err);
        mast_forest_free(&f);
        mast_advice_map_free(&map);
        if (c->reseal && tries < MASB_RESEALS && !resealed && (resealed = malloc(len)) != NULL)
            memcpy(resealed, buf, len);
        if (!c->reseal || tries >= MASB_RESEALS || !resealed ||
            masb_reseal(err, resealed, len) != 0) {
            free(resealed);
            return MASB_REJECTED;
        }
    }
    free(resealed);
    if (!(c->kind == MASB_LIBRARY && c->host))
        masb_round_trip(&f, c->kind);
    if (c->kind == MASB_PROGRAM && c->lib &&
        masb_read("lib.mast", c->lib, c->lib_len, MASB_LIBRARY, 0, &f, &map, err, sizeof err)
            != 0) {
        /* the library is sound: only a limit the two forests together pass */
        if (strncmp(err, "lib.mast: byte ", 15) != 0)
            masb_fuzz_fail("a refusal does not name the byte", err);
        mast_forest_free(&f);
        mast_advice_map_free(&map);
        return MASB_REJECTED;
    }
    mast_forest_resolve_externals(&f);
    masb_outcome_t out = MASB_NOT_RUN;
    if (c->kind == MASB_LIBRARY && !c->host) {
        if (f.n_procs == 0)
            goto done;
        f.entry = f.procs[c->root_pick % f.n_procs].node;
    }
    vm_t *seq_vm = masb_new_vm(&f, c, &map);
    if (!seq_vm) {
        out = MASB_REJECTED;
        goto done;
    }
    if (c->fragment == 0) {
        out = vm_run(seq_vm, NULL) == 0 ? MASB_RAN_OK : masb_error_outcome(seq_vm);
        masb_drop_vm(seq_vm);
        goto done;
    }
    vm_t *rec_vm = masb_new_vm(&f, c, &map);
    main_trace_t seq = { NULL, 0 }, par = { NULL, 0 };
    fragment_set_t set;
    const int seq_rc = trace_build_sequential(seq_vm, &seq);
    const int rec_rc = fragment_record(rec_vm, c->fragment, &set);
    if (seq_rc != rec_rc)
        masb_fuzz_fail("one run failed, the other did not", NULL);
    if (seq_rc != 0) {
        if (seq_vm->err.kind != rec_vm->err.kind || seq_vm->err.clk != rec_vm->err.clk)
            masb_fuzz_fail("the runs fail differently", NULL);
        out = masb_error_outcome(seq_vm);
    } else {
        if (fragment_build_trace(&f, MASB_FUZZ_FILE, &set, c->threads, &par, err, sizeof err)
            != 0)
            masb_fuzz_fail("the fragment build failed", err);
        if (!masb_traces_equal(&seq, &par))
            masb_fuzz_fail("the parallel trace differs from the sequential one", NULL);
        out = MASB_RAN_OK;
    }
    main_trace_free(&seq);
    main_trace_free(&par);
    fragment_set_free(&set);
    masb_drop_vm(seq_vm);
    masb_drop_vm(rec_vm);
done:
    mast_forest_free(&f);
    mast_advice_map_free(&map);
    return out;
}

/* ------------------------------------------------------------------ */
/* The AFL++ entry (harness.h)                                         */

/* The programs the seeds are compiled from (fuzz/make_masb_seeds.sh, same
 * order): byte 0 of an input names one, whose "# stack:" and "# advice:"
 * lines are the run's inputs (read by fuzz_init from vectors/programs/). */
const char *const fuzz_masb_programs[] = {
    "call_simple", "calls_nested", "dyn_computed", "dyncall_nested", "dyncall_library",
    "external_hex", "kernel_caller", "syscall_from_call", "loop_advice_flags",
    "memory_stream_pipe", "u32_arith", "hperm_clk", "block_multi_batch", "loop_with_split",
    "ops_advice", "field_arith",
};
#define MASB_N_PROGRAMS (sizeof fuzz_masb_programs / sizeof fuzz_masb_programs[0])

static const uint64_t masb_fragments[16] = { 1, 2, 3, 4, 5, 7, 8, 13, 16, 31, 64, 100, 256,
                                             1000, 4096, 65536 };

static felt_list_t masb_stacks[MASB_N_PROGRAMS], masb_advice[MASB_N_PROGRAMS];

/* The value of the line "# KEY: ..." of text into out (empty if none). */
static void masb_header_list(const char *text, const char *key, felt_list_t *out)
{
    char pat[32], err[256];
    snprintf(pat, sizeof pat, "\n# %s:", key);
    const char *p = strstr(text, pat);
    out->v = NULL;
    out->n = 0;
    if (!p)
        return;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    char line[2048];
    size_t n = strcspn(p, "\n");
    if (n >= sizeof line)
        n = sizeof line - 1;
    memcpy(line, p, n);
    line[n] = '\0';
    if (felt_list_parse(line, key, out, err, sizeof err) != 0) {
        fprintf(stderr, "masb harness: %s\n", err);
        out->v = NULL;
        out->n = 0;
    }
}

void fuzz_init(void)
{
    for (size_t i = 0; i < MASB_N_PROGRAMS; i++) {
        char path[256];
        snprintf(path, sizeof path, "vectors/programs/%s.masm", fuzz_masb_programs[i]);
        FILE *in = fopen(path, "rb");
        char text[16384];
        const size_t n = in ? fread(text + 1, 1, sizeof text - 2, in) : 0;
        if (in)
            fclose(in);
        else
            fprintf(stderr, "masb harness: cannot read %s (run from the repository root)\n",
                    path);
        text[0] = '\n';
        text[n + 1] = '\0';
        masb_header_list(text, "stack", &masb_stacks[i]);
        masb_header_list(text, "advice", &masb_advice[i]);
    }
}

void fuzz_one(const uint8_t *data, size_t len)
{
    if (len < 2)
        return;
    const unsigned sel = data[0], par = data[1];
    const size_t p = (sel & 15) % MASB_N_PROGRAMS;
    const masb_case_t c = {
        .kind = sel & 0x80 ? MASB_LIBRARY : MASB_PROGRAM,
        .root_pick = (sel >> 4) & 7,
        .stack = masb_stacks[p].v,
        .n_stack = (uint32_t)masb_stacks[p].n,
        .advice = masb_advice[p].v,
        .n_advice = masb_advice[p].n,
        .max_cycles = MASB_FUZZ_MAX_CYCLES,
        .fragment = masb_fragments[par & 15],
        .threads = 1 + ((par >> 4) & 3),
        .reseal = !(par & 0x40),
    };
    masb_fuzz_case(data + 2, len - 2, &c);
}

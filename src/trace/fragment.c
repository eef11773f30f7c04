/*
 * fragment.c - fragment contexts and the parallel builder (fragment.h).
 */
#include "fragment.h"
#include "util/grow.h"

#include <pthread.h>
#include <stddef.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/user_ops.h"
#include "chiplets/ace.h"
#include "chiplets/bitwise.h"
#include "chiplets/hasher.h"
#include "trace/assembly.h"
#include "trace/partition.h"
#include "trace/row_writer.h"

/* ------------------------------------------------------------------ */
/* The field table                                                     */

/* Each scalar field of a context: message name, member of fragment_ctx_t,
 * member of vm_t it mirrors, element width and count, validation class,
 * end state only. The file holds them in this order (spec/fragment-context.md). */
#define FRAGMENT_FIELDS(X)                                                                    \
    X("clk", clk, clk, 8, 1, FIELD_U64, 0)                                                    \
    X("ctx", ctx, ctx, 8, 1, FIELD_FELT, 0)                                                   \
    X("fn_hash", fn_hash, fn_hash, 8, 4, FIELD_FELT, 0)                                       \
    X("s", s, stack.win, 8, STACK_TOP, FIELD_FELT, 0) /* the window: vm_field */              \
    X("the overflow table's size", n_ovf, stack.n_ovf, 4, 1, FIELD_OVF, 0)                    \
    X("the overflow table's context base", base, stack.base, 4, 1, FIELD_OVF, 0)              \
    X("the stack buffer index", buf_top, stack.buf_top, 4, 1, FIELD_BUF_TOP, 0)               \
    X("the basic block's node", span.node, span.node, 4, 1, FIELD_NODE, 0)                    \
    X("the basic block's batch", span.batch, span.batch, 4, 1, FIELD_U64, 0)                  \
    X("the basic block's next op", span.op, span.op, 4, 1, FIELD_U64, 0)                      \
    X("the basic block's group slot", span.group, span.group, 4, 1, FIELD_U64, 0)             \
    X("the basic block's group count", span.group_count, span.group_count, 8, 1, FIELD_FELT, 0) \
    X("the basic block's opcodes left", span.ops_left, span.ops_left, 8, 1, FIELD_U64, 0)     \
    X("the hasher rows", chiplets.hasher_rows, chiplets.hasher_rows, 8, 1, FIELD_HASHER, 0)   \
    X("the bitwise requests", chiplets.bitwise_ops, chiplets.bitwise_ops, 8, 1, FIELD_COUNTER, 0) \
    X("the memory accesses", chiplets.mem_accesses, chiplets.mem_accesses, 8, 1, FIELD_COUNTER, 0) \
    X("the kernel-ROM accesses", chiplets.kernel_accesses, chiplets.kernel_accesses, 8, 1,     \
      FIELD_COUNTER, 0)                                                                       \
    X("the ACE rows", chiplets.ace_rows, chiplets.ace_rows, 8, 1, FIELD_COUNTER, 0)            \
    X("the precompile transcript", pc_transcript, pc_transcript, 8, 4, FIELD_FELT, 0)         \
    X("the last row's h", last_h, last_h, 8, 4, FIELD_FELT, 1)

#define FIELD_ENTRY(name, cm, vmm, w, k, cls, end) \
    { name, offsetof(fragment_ctx_t, cm), offsetof(vm_t, vmm), w, k, cls, end },
const fragment_field_t fragment_fields[] = { FRAGMENT_FIELDS(FIELD_ENTRY) };
const size_t fragment_n_fields = sizeof fragment_fields / sizeof fragment_fields[0];

/* A field is copied between context and VM as width * count bytes: the
 * context's member must be exactly that big, the VM's at least (the
 * operand stack's window holds s0..s15 somewhere in its buffer: vm_field). */
#define FIELD_SIZE_CHECK(name, cm, vmm, w, k, cls, end)                                        \
    _Static_assert(sizeof(((fragment_ctx_t *)0)->cm) == (w) * (k) &&                         \
                       sizeof(((vm_t *)0)->vmm) >= (w) * (k) && ((w) == 4 || (w) == 8),       \
                   "field '" name "': width * count must fit both members");
FRAGMENT_FIELDS(FIELD_SIZE_CHECK)

/* Where field fd lives in vm: its member, except s0..s15, which are
 * wherever the operand stack's window is now. */
static unsigned char *vm_field(const vm_t *vm, const fragment_field_t *fd)
{
    if (fd->vm_off == offsetof(vm_t, stack.win))
        return (unsigned char *)OPSTACK_S(&vm->stack);
    return (unsigned char *)vm + fd->vm_off;
}

uint64_t fragment_field_get(const fragment_ctx_t *c, const fragment_field_t *fd, unsigned i)
{
    const unsigned char *p = (const unsigned char *)c + fd->ctx_off + (size_t)i * fd->width;
    if (fd->width == 4) {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

void fragment_field_set(fragment_ctx_t *c, const fragment_field_t *fd, unsigned i, uint64_t v)
{
    unsigned char *p = (unsigned char *)c + fd->ctx_off + (size_t)i * fd->width;
    if (fd->width == 4) {
        const uint32_t v32 = (uint32_t)v;
        memcpy(p, &v32, 4);
    } else {
        memcpy(p, &v, 8);
    }
}

/* Whether v is a value of class cls for forest f. */
static int field_value_ok(uint8_t cls, uint64_t v, const mast_forest_t *f)
{
    switch (cls) {
    case FIELD_FELT: return v < FELT_P;
    case FIELD_COUNTER: return v <= UINT32_MAX + UINT64_C(1);
    case FIELD_HASHER: return v < UINT32_MAX;
    case FIELD_OVF: return v <= STACK_OVF_MAX;
    case FIELD_BUF_TOP: return v >= STACK_TOP && v < STACK_BUF_SIZE;
    case FIELD_NODE: return v < f->n_nodes;
    default: return 1;
    }
}

/* "name" or "name[i]" for element i of fd. */
static void field_name(const fragment_field_t *fd, unsigned i, char *buf, size_t len)
{
    if (fd->count > 1)
        snprintf(buf, len, "%s[%u]", fd->name, i);
    else
        snprintf(buf, len, "%s", fd->name);
}

static int field_held(const fragment_field_t *fd, int is_end)
{
    return !fd->end_only || is_end;
}

/* ------------------------------------------------------------------ */
/* Stack arenas and the VM's stacks                                    */

/* One of the VM's two stacks (continuations, blocks), seen generically:
 * array, size, capacity, low-water mark (vm.h), entry size. */
typedef struct {
    void **arr;
    size_t *n, *cap, *kept;
    size_t elem;
} vm_stack_t;

static vm_stack_t vm_conts(vm_t *vm)
{
    return (vm_stack_t){ (void **)&vm->conts, &vm->n_conts, &vm->cap_conts, &vm->conts_kept,
                         sizeof *vm->conts };
}

static vm_stack_t vm_blocks(vm_t *vm)
{
    return (vm_stack_t){ (void **)&vm->blocks, &vm->n_blocks, &vm->cap_blocks, &vm->blocks_kept,
                         sizeof *vm->blocks };
}

/* The arena reference of each position of a VM stack below its mark:
 * position i holds that arena entry, and positions below it that entry's
 * chain. Kept by the recorder and by each builder thread. */
typedef struct {
    uint32_t *at;
    size_t cap;
} stack_refs_t;

static void arena_free(stack_arena_t *a)
{
    free(a->entries);
    free(a->links);
    memset(a, 0, sizeof *a);
}

static int arena_reserve(stack_arena_t *a, size_t elem, size_t need)
{
    return grow_array(&a->entries, &a->cap_entries, need, elem, 256) != 0 ||
                   grow_array((void **)&a->links, &a->cap_links, need, sizeof *a->links, 256) != 0
               ? -1
               : 0;
}

/* Recording: add the entries of v pushed since the last snapshot (those at
 * or above its mark) to arena a, each linked to the entry below it; name
 * the stack by its top's reference and depth and set the mark. 0, or -1
 * (out of memory or the arena is full). */
static int arena_share(stack_arena_t *a, vm_stack_t v, stack_refs_t *refs, uint32_t *top,
                       uint32_t *depth)
{
    const size_t n = *v.n;
    const size_t from = *v.kept < n ? *v.kept : n;
    if (n > FRAGMENT_ARENA_MAX || n - from > FRAGMENT_ARENA_MAX - a->n ||
        grow_array((void **)&refs->at, &refs->cap, n, sizeof *refs->at, 64) != 0 ||
        arena_reserve(a, v.elem, a->n + (n - from)) != 0)
        return -1;
    const unsigned char *src = *v.arr;
    for (size_t i = from; i < n; i++) {
        memcpy((unsigned char *)a->entries + a->n * v.elem, src + i * v.elem, v.elem);
        a->links[a->n].below = i ? refs->at[i - 1] : 0;
        a->links[a->n].depth = (uint32_t)(i + 1);
        refs->at[i] = (uint32_t)++a->n;
    }
    *top = n ? refs->at[n - 1] : 0;
    *depth = (uint32_t)n;
    *v.kept = n;
    return 0;
}

/* Building: make v the stack of `depth` entries whose top is reference top
 * of arena a. Walking down from the top, a position below v's mark that
 * already holds the same reference ends the walk: it and everything under
 * it are already there. Sets the mark. 0, or -1 (out of memory, or a
 * reference a validated set cannot have). */
static int arena_load(const stack_arena_t *a, vm_stack_t v, stack_refs_t *refs, uint32_t top,
                      uint32_t depth)
{
    const size_t kept = *v.kept;
    *v.kept = 0; /* until the stack is whole again */
    if (grow_array(v.arr, v.cap, depth, v.elem, 64) != 0 ||
        grow_array((void **)&refs->at, &refs->cap, depth, sizeof *refs->at, 64) != 0)
        return -1;
    uint32_t at = top;
    for (size_t i = depth; i-- > 0;) {
        if (i < kept && refs->at[i] == at)
            break;
        if (at == 0 || at > a->n)
            return -1;
        memcpy((unsigned char *)*v.arr + i * v.elem,
               (const unsigned char *)a->entries + (size_t)(at - 1) * v.elem, v.elem);
        refs->at[i] = at;
        at = a->links[at - 1].below;
    }
    *v.n = depth;
    *v.kept = depth;
    return 0;
}

/* The chain check of one stack: 0 if v holds exactly the stack (top,
 * depth) of arena a, else 1 with the position (from the bottom) that
 * differs in *pos. Below v's mark an equal reference means the very same
 * entries (entries are immutable and their depth is their position), so
 * only the part the fragment changed is compared entry by entry. */
static int arena_differs(const stack_arena_t *a, vm_stack_t v, const stack_refs_t *refs,
                         uint32_t top, uint32_t depth,
                         int (*same)(const void *, const void *), size_t *pos)
{
    *pos = depth;
    if (*v.n != depth)
        return 1;
    uint32_t at = top;
    for (size_t i = depth; i-- > 0;) {
        if (i < *v.kept && refs->at[i] == at)
            return 0;
        *pos = i;
        if (at == 0 || at > a->n ||
            !same((const unsigned char *)*v.arr + i * v.elem,
                  (const unsigned char *)a->entries + (size_t)(at - 1) * v.elem))
            return 1;
        at = a->links[at - 1].below;
    }
    return 0;
}

/* arena_differs for one of the VM's stacks, saying where in what. */
static int stack_differs(const stack_arena_t *a, vm_stack_t v, const stack_refs_t *refs,
                         uint32_t top, uint32_t depth, int (*same)(const void *, const void *),
                         const char *name, char *what, size_t len)
{
    size_t pos;
    if (!arena_differs(a, v, refs, top, depth, same, &pos))
        return 0;
    if (*v.n != depth)
        snprintf(what, len, "%s's depth (%zu, not %u)", name, *v.n, depth);
    else
        snprintf(what, len, "%s at depth %zu", name, pos);
    return 1;
}

/* Field by field: both types have padding. */
static int cont_same(const void *x, const void *y)
{
    const cont_t *a = x, *b = y;
    return a->kind == b->kind && a->node == b->node;
}

static int block_same(const void *x, const void *y)
{
    const block_entry_t *a = x, *b = y;
    return a->node == b->node && a->addr == b->addr && a->parent == b->parent &&
           a->is_loop_body == b->is_loop_body && a->loop_entered == b->loop_entered &&
           a->is_call == b->is_call && a->is_syscall == b->is_syscall &&
           a->saved_ctx == b->saved_ctx && word_eq(a->saved_fn_hash, b->saved_fn_hash) &&
           a->saved_base == b->saved_base;
}

/* ------------------------------------------------------------------ */
/* Recording                                                           */

static void ctx_free(fragment_ctx_t *c)
{
    free(c->ovf);
    replay_free(&c->replay);
}

void fragment_set_free(fragment_set_t *set)
{
    for (size_t i = 0; i < set->n; i++)
        ctx_free(&set->frags[i]);
    ctx_free(&set->end);
    free(set->frags);
    arena_free(&set->conts);
    arena_free(&set->blocks);
    chiplet_log_free(&set->log);
    memset(set, 0, sizeof *set);
}

typedef struct {
    fragment_set_t *set;
    fragment_progress_fn progress;
    void *progress_ctx;
    stack_refs_t conts, blocks; /* arena references of the VM's stack positions */
} recording_t;

/* Snapshot vm's state into c, keeping the overflow entries `rows` rows can
 * reach (rows = 0: the end state). Returns 0 or -1 (out of memory). */
static int snapshot(recording_t *rec, vm_t *vm, uint64_t rows, fragment_ctx_t *c)
{
    memset(c, 0, sizeof *c);
    /* h[0..4] of the previous row (end_only): only the end state needs them
       (HALT rows copy them), and only there does a fast run know them. */
    for (size_t i = 0; i < fragment_n_fields; i++) {
        const fragment_field_t *fd = &fragment_fields[i];
        if (field_held(fd, rows == 0))
            memcpy((unsigned char *)c + fd->ctx_off, vm_field(vm, fd),
                   (size_t)fd->width * fd->count);
    }
    c->n_kept = fragment_window(c->n_ovf, rows);
    if (c->n_kept) {
        c->ovf = malloc(c->n_kept * sizeof *c->ovf);
        if (!c->ovf)
            return -1;
        memcpy(c->ovf, vm->stack.ovf + (c->n_ovf - c->n_kept), c->n_kept * sizeof *c->ovf);
    }
    fragment_set_t *set = rec->set;
    return arena_share(&set->conts, vm_conts(vm), &rec->conts, &c->cont_top, &c->n_conts) ||
                   arena_share(&set->blocks, vm_blocks(vm), &rec->blocks, &c->block_top,
                               &c->n_blocks)
               ? -1
               : 0;
}

/* The recording tracer's boundary: snapshot the state before row vm->clk. */
static int capture(void *arg, vm_t *vm)
{
    recording_t *rec = arg;
    fragment_set_t *set = rec->set;
    if (rec->progress)
        rec->progress(rec->progress_ctx, FRAGMENT_PHASE_RECORD, vm->clk, 0);
    if (grow_array((void **)&set->frags, &set->cap, set->n + 1, sizeof *set->frags, 16) != 0)
        return -1;
    fragment_ctx_t *c = &set->frags[set->n++];
    return snapshot(rec, vm, set->fragment_len, c);
}

/* The recording tracer's external values: they belong to the fragment
 * recorded last (none precede the first boundary, at clk 0). */
static int keep_external(void *arg, felt_t v)
{
    const recording_t *rec = arg;
    return replay_append(&rec->set->frags[rec->set->n - 1].replay, v);
}

/* The recording tracer's chiplet requests: the set's log keeps those the
 * whole run's chiplets need (chiplets/log.h). */
static int keep_chiplet(void *arg, const chiplet_request_t *r)
{
    const recording_t *rec = arg;
    return chiplet_log_sink(&rec->set->log, r);
}

int fragment_record(vm_t *vm, uint64_t fragment_len, fragment_set_t *set)
{
    return fragment_record_progress(vm, fragment_len, set, NULL, NULL);
}

int fragment_record_progress(vm_t *vm, uint64_t fragment_len, fragment_set_t *set,
                             fragment_progress_fn progress, void *progress_ctx)
{
    memset(set, 0, sizeof *set);
    set->program_hash = mast_program_hash(vm->f);
    set->fragment_len = fragment_len;
    chiplet_log_init(&set->log, CHIPLET_LOG_GLOBAL);
    recording_t rec = { set, progress, progress_ctx, { NULL, 0 }, { NULL, 0 } };
    /* Nothing of vm's stacks is in the (empty) arenas yet. */
    vm->conts_kept = vm->blocks_kept = 0;
    const vm_tracer_t tracer = { .ctx = &rec, .fragment_len = fragment_len, .boundary = capture,
                                 .external = keep_external, .chiplet = keep_chiplet,
                                 .chiplet_kinds = CHIPLET_LOG_GLOBAL_KINDS };
    int rc = vm_run(vm, &tracer);
    if (rc == 0 && snapshot(&rec, vm, 0, &set->end) != 0) {
        vm_fail(vm, XERR_OUT_OF_MEMORY, 0, 0, "fragment",
                "out of memory recording the end state");
        rc = -1;
    }
    free(rec.conts.at);
    free(rec.blocks.at);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */

static int felts_ok(const felt_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] >= FELT_P)
            return 0;
    return 1;
}

static const char *cont_problem(const void *e, const mast_forest_t *f)
{
    const cont_t *c = e;
    return c->kind > K_RESPAN || c->node >= f->n_nodes ? "it names no node of the program"
                                                         : NULL;
}

static const char *block_problem(const void *x, const mast_forest_t *f)
{
    const block_entry_t *e = x;
    if (e->node >= f->n_nodes)
        return "it names no node of the program";
    if (e->addr >= FELT_P || e->parent >= FELT_P || e->saved_ctx >= FELT_P ||
        !felts_ok(e->saved_fn_hash.v, 4) || e->saved_base > STACK_OVF_MAX ||
        e->is_loop_body > 1 || e->loop_entered > 1 || e->is_call > 1 || e->is_syscall > 1)
        return "a value is out of range";
    return NULL;
}

/* Arena a (entries of elem bytes): links strictly backwards, each depth one
 * more than the entry below, entries usable. 0, or -1 with what in err. */
static int arena_check(const stack_arena_t *a, size_t elem, const char *what,
                       const mast_forest_t *f,
                       const char *(*entry_problem)(const void *, const mast_forest_t *),
                       char *err, size_t err_len)
{
    if (a->n > FRAGMENT_ARENA_MAX) {
        snprintf(err, err_len, "the %s arena has %zu entries; at most %zu are allowed", what,
                 a->n, FRAGMENT_ARENA_MAX);
        return -1;
    }
    for (size_t i = 0; i < a->n; i++) {
        const arena_link_t *l = &a->links[i];
        const char *why = NULL;
        if (l->below > i)
            why = "its link does not point to an earlier entry";
        else if ((uint64_t)l->depth != (l->below ? (uint64_t)a->links[l->below - 1].depth : 0) + 1)
            why = "its depth is not one more than the entry below it";
        else
            why = entry_problem((const unsigned char *)a->entries + i * elem, f);
        if (why) {
            snprintf(err, err_len, "%s arena entry %zu: %s", what, i, why);
            return -1;
        }
    }
    return 0;
}

/* The depth of the stack whose top is ref in a (ref checked). */
static int stack_ref_ok(const stack_arena_t *a, uint32_t ref, uint32_t depth)
{
    return ref <= a->n && depth == (ref ? a->links[ref - 1].depth : 0);
}

/* One context against the forest and the (checked) arenas: 0 if it is
 * usable, else -1 with what is wrong in why. */
static int ctx_problem(const mast_forest_t *f, const fragment_set_t *set, const fragment_ctx_t *c,
                       uint64_t window, int is_end, char *why, size_t len)
{
    for (size_t i = 0; i < fragment_n_fields; i++) {
        const fragment_field_t *fd = &fragment_fields[i];
        for (unsigned k = 0; field_held(fd, is_end) && k < fd->count; k++) {
            const uint64_t v = fragment_field_get(c, fd, k);
            if (!field_value_ok(fd->cls, v, f)) {
                char name[80];
                field_name(fd, k, name, sizeof name);
                snprintf(why, len, "%s is out of range (%llu)", name, (unsigned long long)v);
                return -1;
            }
        }
    }
    const char *w = NULL;
    if (c->base > c->n_ovf)
        w = "the overflow table's context base is above its size";
    else if (c->n_kept != fragment_window(c->n_ovf, window))
        w = "it does not hold the overflow entries the fragment can reach";
    for (uint32_t i = 0; !w && c->ovf && i < c->n_kept; i++)
        if (c->ovf[i].value >= FELT_P || c->ovf[i].clk >= FELT_P)
            w = "an overflow entry is out of range";
    if (!w && !stack_ref_ok(&set->conts, c->cont_top, c->n_conts))
        w = "its continuation stack is not a chain of the arena of that depth";
    if (!w && !stack_ref_ok(&set->blocks, c->block_top, c->n_blocks))
        w = "its block stack is not a chain of the arena of that depth";
    if (!w && !felts_ok(c->replay.vals, c->replay.n))
        w = "a replayed value is out of range";
    if (w)
        snprintf(why, len, "%s", w);
    return w ? -1 : 0;
}

typedef struct {
    stack_refs_t conts, blocks;
} vm_refs_t;

static void refs_free(vm_refs_t *r)
{
    free(r->conts.at);
    free(r->blocks.at);
}

static int state_mismatch(const vm_t *vm, const fragment_set_t *set, const fragment_ctx_t *c,
                          int is_end, uint32_t floor, const vm_refs_t *refs, char *what,
                          size_t len);

/* Fragment 0 must be the state vm_init starts every run in; only its stack
 * is input. Compared by the chain check's own comparison. 0, or -1 with
 * what differs (or "out of memory") in why. */
static int start_problem(const mast_forest_t *f, const fragment_set_t *set,
                         const fragment_ctx_t *c, char *why, size_t len)
{
    felt_t inputs[STACK_TOP];
    for (int i = 0; i < STACK_TOP; i++)
        inputs[i] = c->s[STACK_TOP - 1 - i]; /* listed last-on-top */
    vm_t *vm = malloc(sizeof *vm);
    if (!vm || vm_init(vm, f, "", inputs, STACK_TOP, NULL, 0) != 0) {
        if (vm)
            vm_free(vm);
        free(vm);
        snprintf(why, len, "out of memory checking the start state");
        return -1;
    }
    vm_refs_t refs = { { NULL, 0 }, { NULL, 0 } };
    vm->conts_kept = vm->blocks_kept = 0; /* compare every entry */
    char what[96];
    const int rc = state_mismatch(vm, set, c, 0, 0, &refs, what, sizeof what);
    if (rc != 0)
        snprintf(why, len, "it is not the state a run starts in: it differs in %s", what);
    vm_free(vm);
    free(vm);
    return rc;
}

/* The chiplet log against the program and the end state: as many
 * accesses as the end state counts, in clock order within the run, word
 * accesses aligned, kernel procedures of the program's kernel, at most four
 * range checks per row. 0, or -1 with the first problem in err. */
static int chiplet_log_problem(const mast_forest_t *f, const fragment_set_t *set, char *err,
                               size_t err_len)
{
    const chiplet_log_t *log = &set->log;
    const chiplet_counts_t *c = &set->end.chiplets;
    if (log->memory.n != c->mem_accesses || log->kernel.n != c->kernel_accesses) {
        snprintf(err, err_len, "chiplet section: %zu memory and %zu kernel-ROM accesses; the end "
                 "state counts %llu and %llu", log->memory.n, log->kernel.n,
                 (unsigned long long)c->mem_accesses, (unsigned long long)c->kernel_accesses);
        return -1;
    }
    if (c->ace_rows > log->memory.n) {
        /* every ACE row reads memory once (a READ word or an instruction) */
        snprintf(err, err_len, "chiplet section: %zu memory accesses; the end state counts %llu "
                 "ACE rows, more than one per access", log->memory.n,
                 (unsigned long long)c->ace_rows);
        return -1;
    }
    uint64_t prev = 0;
    for (size_t i = 0; i < log->memory.n; i++) {
        const chiplet_request_t *r = &log->memory.r[i];
        const int word = r->memory.op == MEM_READ_WORD || r->memory.op == MEM_WRITE_WORD;
        if (r->clk >= set->end.clk || r->clk < prev || (word && r->memory.addr % 4 != 0)) {
            snprintf(err, err_len, "chiplet section: memory access %zu (clk %llu) is out of order, "
                     "past the end or unaligned", i, (unsigned long long)r->clk);
            return -1;
        }
        prev = r->clk;
    }
    prev = 0;
    for (size_t i = 0; i < log->kernel.n; i++) {
        const chiplet_request_t *r = &log->kernel.r[i];
        if (r->clk >= set->end.clk || r->clk < prev || !mast_kernel_contains(f, r->kernel.proc)) {
            snprintf(err, err_len, "chiplet section: kernel-ROM access %zu (clk %llu) is out of "
                     "order, past the end or not of the program's kernel", i,
                     (unsigned long long)r->clk);
            return -1;
        }
        prev = r->clk;
    }
    uint64_t checks = 0;
    for (uint32_t v = 0; log->range_counts && v < RANGE_TABLE_SIZE; v++) {
        if (log->range_counts[v] > 4 * set->end.clk - checks) {
            snprintf(err, err_len, "chiplet section: more range checks than 4 per row of the "
                     "program's %llu rows", (unsigned long long)set->end.clk);
            return -1;
        }
        checks += log->range_counts[v];
    }
    return 0;
}

int fragment_set_validate(const mast_forest_t *f, const fragment_set_t *set, char *err,
                          size_t err_len)
{
    const word_t h = mast_program_hash(f);
    if (!word_eq(h, set->program_hash)) {
        char want[67], got[67];
        word_to_hex(h, want);
        word_to_hex(set->program_hash, got);
        snprintf(err, err_len, "the contexts belong to the program with hash %s, not %s", got,
                 want);
        return -1;
    }
    const uint64_t n = set->fragment_len, rows = set->end.clk;
    if (n < 1 || rows < 1 || rows > MAX_CYCLES_DEFAULT)
        snprintf(err, err_len, "fragment length %llu or program length %llu is out of range",
                 (unsigned long long)n, (unsigned long long)rows);
    else if (set->n != (rows - 1) / n + 1)
        snprintf(err, err_len, "%zu fragment contexts for %llu rows of %llu; expected %llu",
                 set->n, (unsigned long long)rows, (unsigned long long)n,
                 (unsigned long long)((rows - 1) / n + 1));
    else
        err[0] = '\0';
    if (err[0])
        return -1;
    /* The arenas first: the contexts' checks follow their links. */
    if (arena_check(&set->conts, sizeof(cont_t), "continuation", f, cont_problem, err,
                    err_len) != 0 ||
        arena_check(&set->blocks, sizeof(block_entry_t), "block-stack", f, block_problem, err,
                    err_len) != 0)
        return -1;
    for (size_t k = 0; k <= set->n; k++) {
        const int is_end = k == set->n;
        const fragment_ctx_t *c = is_end ? &set->end : &set->frags[k];
        char why[256] = "";
        int bad = ctx_problem(f, set, c, is_end ? 0 : n, is_end, why, sizeof why) != 0;
        if (!bad && !is_end && c->clk != k * n) {
            snprintf(why, sizeof why, "its clk is not the fragment's first row");
            bad = 1;
        }
        if (!bad && k == 0)
            bad = start_problem(f, set, c, why, sizeof why) != 0;
        if (!bad && is_end && (c->n_conts != 0 || c->n_blocks != 0 || c->replay.n != 0)) {
            snprintf(why, sizeof why, "the end state still has work or values to replay");
            bad = 1;
        }
        if (bad) {
            if (!is_end)
                snprintf(err, err_len, "fragment %zu (clk %llu): %s", k,
                         (unsigned long long)c->clk, why);
            else
                snprintf(err, err_len, "end state (clk %llu): %s", (unsigned long long)c->clk,
                         why);
            return -1;
        }
    }
    return chiplet_log_problem(f, set, err, err_len);
}

/* ------------------------------------------------------------------ */
/* Building                                                            */

/* A worker's row sink: rows are collected column-major in a small tile and
 * written column by column (trace_write_column_run), only inside the
 * current fragment's rows [lo, hi). The helper inverses of the tile's rows
 * (EQ, EQZ, U32SPLIT, U32MUL, U32MADD) arrive uninverted and are inverted
 * together when the tile is flushed: one field inversion per tile. */
#define TILE_ROWS 64
#define TILE_MAX_INVERSES (TILE_ROWS * 6)

typedef struct {
    felt_t *cols;
    uint64_t len;
    /* Chiplet rows met while building: hasher and bitwise rows are written
       in place; memory requests are checked against the set's log. */
    const mast_forest_t *f;
    const trace_plan_t *plan;
    const chiplet_log_t *log;
    vm_t *vm;
    uint32_t *range_counts;   /* the range checks this worker met (NULL until the first) */
    hasher_memo_t memo;       /* blocks this worker hashed into the buffer already */
    uint64_t lo, hi;          /* the fragment's rows */
    uint64_t first;           /* row of the tile's first entry */
    uint32_t n;               /* rows in the tile */
    uint32_t n_inv;           /* cells of the tile awaiting inversion */
    felt_t *inv_cell[TILE_MAX_INVERSES];
    felt_t inv_prefix[TILE_MAX_INVERSES];
    felt_t tile[TRACE_CORE_WIDTH][TILE_ROWS];
} tile_sink_t;

/* Montgomery's trick: with prefix products p_i = a_0 ... a_i (zero cells
 * skipped: their inverse is 0), one inversion of p_last gives each
 * a_i^-1 = p_(i-1) * (a_0 ... a_i)^-1, walking back. */
static void tile_invert(tile_sink_t *ts)
{
    felt_t acc = 1;
    for (uint32_t i = 0; i < ts->n_inv; i++) {
        ts->inv_prefix[i] = acc;
        if (*ts->inv_cell[i] != 0)
            acc = felt_mul(acc, *ts->inv_cell[i]);
    }
    felt_t inv = 0;
    felt_inv(acc, &inv); /* acc is a product of non-zero elements: non-zero */
    for (uint32_t i = ts->n_inv; i-- > 0;) {
        const felt_t a = *ts->inv_cell[i];
        if (a == 0)
            continue;
        *ts->inv_cell[i] = felt_mul(inv, ts->inv_prefix[i]);
        inv = felt_mul(inv, a);
    }
    ts->n_inv = 0;
}

static void tile_flush(tile_sink_t *ts)
{
    if (ts->n_inv)
        tile_invert(ts);
    for (uint32_t c = 0; ts->n > 0 && c < TRACE_CORE_WIDTH; c++)
        trace_write_column_run(ts->cols, ts->len, TRACE_NUM_COLUMNS, c, ts->first, ts->n, ts->tile[c]);
    ts->n = 0;
}

/* row_sink_fn: the next row of the fragment, which must be the row after
 * the previous one and inside the fragment. */
static int tile_sink(void *arg, const felt_t row[TRACE_CORE_WIDTH], unsigned pending_inverses)
{
    tile_sink_t *ts = arg;
    const uint64_t r = row[TRACE_COL_CLK];
    if (r < ts->lo || r >= ts->hi || r >= ts->len - 1 || (ts->n > 0 && r != ts->first + ts->n))
        return -1;
    if (ts->n == 0)
        ts->first = r;
    for (int c = 0; c < TRACE_CORE_WIDTH; c++)
        ts->tile[c][ts->n] = row[c];
    for (int k = 0; pending_inverses && k < 6; k++)
        if (pending_inverses & (1u << k))
            ts->inv_cell[ts->n_inv++] = &ts->tile[TRACE_COL_USER_OP_HELPERS + k][ts->n];
    if (++ts->n == TILE_ROWS)
        tile_flush(ts);
    return 0;
}

/* Whether two memory requests are the same access (clk, op, ctx, address
 * and the values read or written). */
static int same_access(const chiplet_request_t *a, const chiplet_request_t *b)
{
    const int n = memory_op_is_word(a->memory.op) ? 4 : 1;
    if (a->clk != b->clk || a->memory.op != b->memory.op || a->memory.ctx != b->memory.ctx ||
        a->memory.addr != b->memory.addr)
        return 0;
    for (int i = 0; i < n; i++)
        if (a->memory.value[i] != b->memory.value[i])
            return 0;
    return 1;
}

/* vm_tracer_t.chiplet of a fragment builder. The executor has counted the
 * request already, so it is number count - 1 of its kind. */
static int tile_chiplet(void *arg, const chiplet_request_t *r)
{
    tile_sink_t *ts = arg;
    const chiplets_layout_t *l = &ts->plan->chip;
    char msg[256];
    switch (r->kind) {
    case CHIPLET_HASHER:
        if (r->hasher.addr < 1 || r->hasher.addr - 1 + r->hasher.rows > l->hasher_rows) {
            vm_fail(ts->vm, XERR_CONTEXT, 0, 0, "hasher", "hasher rows %llu.. lie outside the "
                    "%llu hasher rows of the end state", (unsigned long long)r->hasher.addr,
                    (unsigned long long)l->hasher_rows);
            return -1;
        }
        if (hasher_chiplet_fill_memo(ts->f, &ts->memo, r, 0, 1, ts->cols, ts->len, msg,
                                     sizeof msg) != 0) {
            vm_fail(ts->vm, XERR_CONTEXT, 0, 0, "hasher", "%s", msg);
            return -1;
        }
        return 0;
    case CHIPLET_BITWISE: {
        const uint64_t k = ts->vm->chiplets.bitwise_ops - 1;
        if (k >= l->bitwise_rows / 8 ||
            bitwise_chiplet_fill(r, 0, 1, ts->cols, ts->len, l->bitwise_start + 8 * k) != 0) {
            vm_fail(ts->vm, XERR_CONTEXT, 0, 0, "bitwise", "bitwise request %llu lies outside "
                    "the %llu of the end state", (unsigned long long)k,
                    (unsigned long long)(l->bitwise_rows / 8));
            return -1;
        }
        return 0;
    }
    case CHIPLET_MEMORY: {
        const uint64_t k = ts->vm->chiplets.mem_accesses - 1;
        if (k >= ts->log->memory.n || !same_access(&ts->log->memory.r[k], r)) {
            vm_fail(ts->vm, XERR_CONTEXT, 0, 0, "memory", "memory access %llu (clk %llu, address "
                    "%u) differs from the chiplet section's", (unsigned long long)k,
                    (unsigned long long)r->clk, r->memory.addr);
            return -1;
        }
        return 0;
    }
    case CHIPLET_KERNEL_ROM: {
        const uint64_t k = ts->vm->chiplets.kernel_accesses - 1;
        if (k >= ts->log->kernel.n || ts->log->kernel.r[k].clk != r->clk ||
            !word_eq(ts->log->kernel.r[k].kernel.proc, r->kernel.proc)) {
            vm_fail(ts->vm, XERR_CONTEXT, 0, 0, "syscall", "kernel-ROM access %llu (clk %llu) "
                    "differs from the chiplet section's", (unsigned long long)k,
                    (unsigned long long)r->clk);
            return -1;
        }
        return 0;
    }
    case CHIPLET_ACE: {
        /* The evaluation's rows follow those of the evaluations before it
           (the context's ACE row count). */
        const uint64_t rows = ace_eval_rows(r->ace.eval);
        const uint64_t end = ts->vm->chiplets.ace_rows;
        if (end < rows || end > l->ace_rows ||
            ace_eval_fill(r->ace.eval, ts->cols, ts->len, l->ace_start + (end - rows)) != 0) {
            vm_fail(ts->vm, XERR_CONTEXT, 0, 0, "eval_circuit", "ACE rows %llu.. lie outside the "
                    "%llu ACE rows of the end state", (unsigned long long)(end - rows),
                    (unsigned long long)l->ace_rows);
            return -1;
        }
        return 0;
    }
    case CHIPLET_RANGE:
        /* Summed over all workers and compared with the log's table once
           every fragment is built. */
        return range_counts_take(&ts->range_counts, r);
    default:
        return -1;
    }
}

/* Load a validated fragment context of set into vm (initialised by vm_init
 * for the same forest; refs: what this vm's stacks were loaded from so
 * far). Overflow entries below the kept window are never reached. */
static int load_context(vm_t *vm, const fragment_set_t *set, const fragment_ctx_t *c,
                        replay_t *replay, vm_refs_t *refs)
{
    if (c->n_ovf > STACK_OVF_MAX || c->n_kept > c->n_ovf || c->base > c->n_ovf ||
        c->buf_top < STACK_TOP || c->buf_top >= STACK_BUF_SIZE)
        return -1;
    for (size_t i = 0; i < fragment_n_fields; i++) {
        const fragment_field_t *fd = &fragment_fields[i];
        memcpy(vm_field(vm, fd), (const unsigned char *)c + fd->ctx_off,
               (size_t)fd->width * fd->count);
    }
    if (c->n_kept)
        memcpy(vm->stack.ovf + (c->n_ovf - c->n_kept), c->ovf, c->n_kept * sizeof *c->ovf);
    if (arena_load(&set->conts, vm_conts(vm), &refs->conts, c->cont_top, c->n_conts) != 0 ||
        arena_load(&set->blocks, vm_blocks(vm), &refs->blocks, c->block_top, c->n_blocks) != 0)
        return -1;
    *replay = c->replay;
    replay->pos = 0;
    vm->replay = replay;
    vm->done = 0;
    memset(&vm->err, 0, sizeof vm->err);
    return 0;
}

/* Whether vm's state after a fragment differs from context c (the next
 * context, or the end state): 0, or 1 with the part that differs in what.
 * Overflow entries are compared where both are known: c's window, above
 * the entries the fragment itself was not given (below `floor`). */
static int state_mismatch(const vm_t *vm, const fragment_set_t *set, const fragment_ctx_t *c,
                          int is_end, uint32_t floor, const vm_refs_t *refs, char *what,
                          size_t len)
{
    for (size_t i = 0; i < fragment_n_fields; i++) {
        const fragment_field_t *fd = &fragment_fields[i];
        for (unsigned k = 0; field_held(fd, is_end) && k < fd->count; k++) {
            const size_t at = (size_t)k * fd->width;
            if (memcmp(vm_field(vm, fd) + at,
                       (const unsigned char *)c + fd->ctx_off + at, fd->width) != 0) {
                field_name(fd, k, what, len);
                return 1;
            }
        }
    }
    for (uint32_t i = c->n_ovf - c->n_kept; i < c->n_ovf; i++) {
        const ovf_entry_t *a = &vm->stack.ovf[i], *b = &c->ovf[i - (c->n_ovf - c->n_kept)];
        if (i >= floor && (a->value != b->value || a->clk != b->clk)) {
            snprintf(what, len, "overflow entry %u", i);
            return 1;
        }
    }
    /* The stacks' views need a non-const vm; they are only read here. */
    vm_t *v = (vm_t *)vm;
    return stack_differs(&set->conts, vm_conts(v), &refs->conts, c->cont_top, c->n_conts,
                         cont_same, "the continuation stack", what, len) ||
           stack_differs(&set->blocks, vm_blocks(v), &refs->blocks, c->block_top, c->n_blocks,
                         block_same, "the block stack", what, len);
}

/* HALT rows are filled by the pool too, in chunks of this many rows. */
#define HALT_CHUNK (UINT64_C(1) << 16)

typedef struct {
    const mast_forest_t *f;
    const char *file;
    const fragment_set_t *set;
    struct {
        felt_t *cols;
        uint64_t len;
    } sink;                   /* the trace buffer */
    size_t next;              /* next job: fragments 0..n-1, HALT chunks, chiplet tasks */
    size_t n_jobs;
    size_t halt_jobs;
    const trace_plan_t *plan;
    uint64_t halt_from;       /* the HALT rows [halt_from, len - 1) */
    felt_t halt[TRACE_CORE_WIDTH];  /* their columns (clk set per row) */
    pthread_mutex_t lock;
    pthread_cond_t worker_done; /* signalled as each worker leaves */
    unsigned running;           /* workers not finished yet */
    int failed;
    char err[512];
    uint32_t *range_counts;     /* the range checks all fragments met (under lock) */
} build_job_t;

static void worker_leaves(build_job_t *job)
{
    pthread_mutex_lock(&job->lock);
    job->running--;
    pthread_cond_signal(&job->worker_done);
    pthread_mutex_unlock(&job->lock);
}

static void *build_worker(void *arg)
{
    build_job_t *job = arg;
    vm_t *vm = malloc(sizeof *vm);
    tile_sink_t *ts = malloc(sizeof *ts);
    if (!vm || !ts || vm_init(vm, job->f, job->file, NULL, 0, NULL, 0) != 0) {
        pthread_mutex_lock(&job->lock);
        job->failed = 1;
        snprintf(job->err, sizeof job->err, "out of memory starting a builder thread");
        pthread_mutex_unlock(&job->lock);
        free(vm);
        free(ts);
        worker_leaves(job);
        return NULL;
    }
    /* The worker's stacks come from the set's arenas: nothing loaded yet. */
    vm_refs_t refs = { { NULL, 0 }, { NULL, 0 } };
    vm->conts_kept = vm->blocks_kept = 0;
    ts->cols = job->sink.cols;
    ts->len = job->sink.len;
    ts->f = job->f;
    ts->plan = job->plan;
    ts->log = &job->set->log;
    ts->vm = vm;
    ts->range_counts = NULL;
    hasher_memo_init(&ts->memo);
    for (;;) {
        pthread_mutex_lock(&job->lock);
        const size_t k = job->next++;
        const int stop = job->failed || k >= job->n_jobs;
        pthread_mutex_unlock(&job->lock);
        if (stop)
            break;
        if (k >= job->set->n + job->halt_jobs) { /* a part of the chiplets */
            char msg[400];
            if (trace_plan_run_task(job->plan, job->f, &job->set->log,
                                    k - job->set->n - job->halt_jobs, job->sink.cols,
                                    job->sink.len, msg, sizeof msg) != 0) {
                pthread_mutex_lock(&job->lock);
                if (!job->failed) {
                    job->failed = 1;
                    snprintf(job->err, sizeof job->err, "chiplets: %s", msg);
                }
                pthread_mutex_unlock(&job->lock);
                break;
            }
            continue;
        }
        if (k >= job->set->n) { /* a chunk of HALT rows */
            const uint64_t from = job->halt_from + (k - job->set->n) * HALT_CHUNK;
            const uint64_t to = from + HALT_CHUNK < job->sink.len - 1 ? from + HALT_CHUNK
                                                                      : job->sink.len - 1;
            trace_fill_halt(job->sink.cols, job->sink.len, from, to, job->halt);
            continue;
        }
        const fragment_ctx_t *c = &job->set->frags[k];
        replay_t replay;
        uint64_t start, end;
        int rc = fragment_rows(k, job->set->fragment_len, job->set->end.clk, &start, &end);
        if (rc == 0 && c->clk != start)
            rc = -1; /* the context is not the one for fragment k */
        if (rc == 0)
            rc = load_context(vm, job->set, c, &replay, &refs);
        if (rc == 0) {
            vm->stop_clk = end;
            ts->lo = start;
            ts->hi = end;
            ts->n = 0;
            ts->n_inv = 0;
            const vm_tracer_t tracer = { .ctx = ts, .row = tile_sink, .defer_inverses = 1,
                                          .chiplet = tile_chiplet };
            rc = vm_run(vm, &tracer);
            tile_flush(ts);
            /* A context must give exactly its fragment's rows and use up
               its replay exactly. */
            if (rc == 0 && (vm->clk != end || replay.pos != replay.n))
                rc = -1;
        }
        char differs[128] = "";
        if (rc == 0) {
            const fragment_ctx_t *next = k + 1 < job->set->n ? &job->set->frags[k + 1]
                                                              : &job->set->end;
            if (state_mismatch(vm, job->set, next, k + 1 == job->set->n, c->n_ovf - c->n_kept,
                               &refs, differs, sizeof differs))
                rc = -1;
        }
        if (rc != 0) {
            pthread_mutex_lock(&job->lock);
            if (!job->failed) {
                job->failed = 1;
                char msg[400];
                vm_format_error(vm, msg, sizeof msg);
                if (differs[0])
                    snprintf(job->err, sizeof job->err, "fragment %zu (clk %llu) ends in a state "
                             "that differs from the next context in %s", k,
                             (unsigned long long)c->clk, differs);
                else
                    snprintf(job->err, sizeof job->err, "fragment %zu (clk %llu): %s", k,
                             (unsigned long long)c->clk,
                             vm->err.kind != XERR_NONE ? msg
                                                       : "context does not match the program");
            }
            pthread_mutex_unlock(&job->lock);
            break;
        }
    }
    vm->replay = NULL;
    vm_free(vm);
    free(vm);
    if (ts->range_counts) {
        pthread_mutex_lock(&job->lock);
        if (!job->range_counts)
            job->range_counts = calloc(RANGE_TABLE_SIZE, sizeof *job->range_counts);
        if (!job->range_counts && !job->failed) {
            job->failed = 1;
            snprintf(job->err, sizeof job->err, "out of memory summing the range checks");
        }
        for (uint32_t v = 0; job->range_counts && v < RANGE_TABLE_SIZE; v++)
            job->range_counts[v] += ts->range_counts[v];
        pthread_mutex_unlock(&job->lock);
        free(ts->range_counts);
    }
    hasher_memo_free(&ts->memo);
    free(ts);
    refs_free(&refs);
    worker_leaves(job);
    return NULL;
}

int fragment_build_trace(const mast_forest_t *f, const char *file, const fragment_set_t *set,
                         unsigned threads, main_trace_t *out, char *err, size_t err_len)
{
    return fragment_build_trace_progress(f, file, set, threads, out, err, err_len, NULL, NULL);
}

/* Wait for the workers, reporting progress every quarter second. */
static void wait_for_workers(build_job_t *job, fragment_progress_fn progress, void *progress_ctx)
{
    pthread_mutex_lock(&job->lock);
    while (job->running > 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 250000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&job->worker_done, &job->lock, &until);
        if (progress && job->running > 0) {
            const uint64_t n = job->set->n;
            const uint64_t taken = job->next < n ? job->next : n;
            pthread_mutex_unlock(&job->lock);
            progress(progress_ctx, FRAGMENT_PHASE_BUILD, taken, n);
            pthread_mutex_lock(&job->lock);
        }
    }
    pthread_mutex_unlock(&job->lock);
}

/* The builder; with reuse, out's buffer is kept when it has the length
 * needed (and freed otherwise). */
static int build_trace(const mast_forest_t *f, const char *file, const fragment_set_t *set,
                       unsigned threads, main_trace_t *out, int reuse, char *err, size_t err_len,
                       fragment_progress_fn progress, void *progress_ctx)
{
    main_trace_t old = { NULL, 0 };
    if (reuse)
        old = *out;
    out->cols = NULL;
    out->len = 0;
    if (fragment_set_validate(f, set, err, err_len) != 0) {
        main_trace_free(&old);
        return -1;
    }
    /* The end state gives the trace length and the HALT rows. */
    vm_t *end_vm = malloc(sizeof *end_vm);
    replay_t no_replay;
    if (!end_vm || vm_init(end_vm, f, file, NULL, 0, NULL, 0) != 0) {
        if (end_vm)
            vm_free(end_vm);
        free(end_vm);
        snprintf(err, err_len, "out of memory for the end state");
        main_trace_free(&old);
        return -1;
    }
    vm_refs_t end_refs = { { NULL, 0 }, { NULL, 0 } };
    end_vm->conts_kept = end_vm->blocks_kept = 0;
    const int loaded = load_context(end_vm, set, &set->end, &no_replay, &end_refs);
    refs_free(&end_refs);
    if (loaded != 0) {
        snprintf(err, err_len, "end state (clk %llu): it does not fit the VM (overflow table "
                 "or out of memory)", (unsigned long long)set->end.clk);
        vm_free(end_vm);
        free(end_vm);
        main_trace_free(&old);
        return -1;
    }
    end_vm->replay = NULL;
    trace_plan_t plan;
    char why[400];
    if (trace_plan_make(f, set->end.clk, &set->end.chiplets, &set->log, &plan, why,
                        sizeof why) != 0) {
        snprintf(err, err_len, "end state (clk %llu): %s", (unsigned long long)set->end.clk, why);
        vm_free(end_vm);
        free(end_vm);
        main_trace_free(&old);
        return -1;
    }
    const uint64_t len = plan.len;
    /* A row adds at most 32 chiplet rows (8 hasher rows per batch or
       permutation, 8 bitwise rows, a few memory accesses), or, in a program
       with MPVERIFY / MRUPDATE, 8 / 16 hasher rows per level of a path of
       depth at most 64; the range checker's table is at most 2^16 + 2^5
       rows; a larger claim is a corrupted end state, refused before the
       trace is allocated. */
    const uint64_t rows = set->end.clk;
    uint64_t per_row = 32;
    for (uint32_t i = 0; i < f->n_ops; i++)
        if (f->ops[i].opcode == OP_MRUPDATE)
            per_row = 16 * 64;
        else if (f->ops[i].opcode == OP_MPVERIFY && per_row < 8 * 64)
            per_row = 8 * 64;
    /* EVAL_CIRCUIT makes any number of memory rows and ACE rows in one
       row, but one memory access per ACE row: the chiplet section's memory
       accesses (bytes of the file) bound both. */
    uint64_t circuit_rows = 0;
    for (uint32_t i = 0; i < f->n_ops && !circuit_rows; i++)
        if (f->ops[i].opcode == OP_EVAL_CIRCUIT)
            circuit_rows = 2 * (uint64_t)set->log.memory.n;
    felt_t *cols = NULL;
    if (old.cols && old.len == len) {
        /* Every core cell is written below; the other columns must be 0. */
        cols = old.cols;
        memset(cols + (uint64_t)TRACE_CORE_WIDTH * len, 0,
               (size_t)(TRACE_NUM_COLUMNS - TRACE_CORE_WIDTH) * len * sizeof *cols);
    } else {
        main_trace_free(&old);
    }
    if (!cols) {
        if (len > TRACE_MAX_LEN || len / 2 > per_row * rows + 512 + plan.range_rows + circuit_rows)
            snprintf(err, err_len, "end state (clk %llu): a trace of %llu rows is too long for "
                     "the program", (unsigned long long)rows, (unsigned long long)len);
        else if (!(cols = trace_cols_alloc(len)))
            snprintf(err, err_len, "out of memory for a trace of %llu rows",
                     (unsigned long long)len);
    }
    if (!cols) {
        trace_plan_free(&plan);
        vm_free(end_vm);
        free(end_vm);
        return -1;
    }
    build_job_t job;
    memset(&job, 0, sizeof job);
    job.f = f;
    job.file = file;
    job.set = set;
    job.sink.cols = cols;
    job.sink.len = len;
    job.halt_from = rows < len - 1 ? rows : len - 1;
    vm_halt_row(end_vm, job.halt_from, job.halt);
    job.halt_jobs = (len - 1 - job.halt_from + HALT_CHUNK - 1) / HALT_CHUNK;
    job.plan = &plan;
    job.n_jobs = set->n + job.halt_jobs + trace_plan_tasks(&plan);
    pthread_mutex_init(&job.lock, NULL);
    pthread_cond_init(&job.worker_done, NULL);
    if (threads < 1)
        threads = 1;
    if (threads > 256)
        threads = 256;
    pthread_t tid[256];
    unsigned started = 0;
    /* Without progress to report, the calling thread is one of the workers:
       a 1-thread build starts no thread (thread starts were most of the
       system time of the test suite's many small builds). */
    const unsigned spawn = progress ? threads : threads - 1;
    job.running = threads;
    for (unsigned t = 0; t < spawn; t++)
        if (pthread_create(&tid[t], NULL, build_worker, &job) == 0)
            started++;
    pthread_mutex_lock(&job.lock);
    job.running -= spawn - started; /* those that never started */
    pthread_mutex_unlock(&job.lock);
    if (!progress) {
        build_worker(&job);
    } else if (started == 0) {
        job.running = 1;
        build_worker(&job);
    }
    wait_for_workers(&job, progress, progress_ctx);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    pthread_cond_destroy(&job.worker_done);
    pthread_mutex_destroy(&job.lock);
    trace_plan_free(&plan);
    /* The range checks the fragments made must be the chiplet section's,
       which the range checker's columns were built from. */
    for (uint32_t v = 0; !job.failed && v < RANGE_TABLE_SIZE; v++) {
        const uint32_t met = job.range_counts ? job.range_counts[v] : 0;
        const uint32_t kept = set->log.range_counts ? set->log.range_counts[v] : 0;
        if (met != kept) {
            job.failed = 1;
            snprintf(job.err, sizeof job.err, "the fragments range-check the value %u %u times; "
                     "the chiplet section says %u", v, met, kept);
        }
    }
    free(job.range_counts);
    if (job.failed) {
        snprintf(err, err_len, "%s", job.err);
        trace_cols_free(cols, len);
        vm_free(end_vm);
        free(end_vm);
        return -1;
    }
    trace_random_row(f, cols, len);
    vm_free(end_vm);
    free(end_vm);
    out->cols = cols;
    out->len = len;
    return 0;
}

int fragment_build_trace_progress(const mast_forest_t *f, const char *file,
                                  const fragment_set_t *set, unsigned threads, main_trace_t *out,
                                  char *err, size_t err_len, fragment_progress_fn progress,
                                  void *progress_ctx)
{
    return build_trace(f, file, set, threads, out, 0, err, err_len, progress, progress_ctx);
}

int fragment_build_trace_reuse(const mast_forest_t *f, const char *file, const fragment_set_t *set,
                               unsigned threads, main_trace_t *out, char *err, size_t err_len)
{
    return build_trace(f, file, set, threads, out, 1, err, err_len, NULL, NULL);
}

/*
 * t_context_arena.c - contexts share what they have in common
 * (spec/fragment-context.md, format version 3): the continuation and block
 * stacks live in parent-linked arenas shared by the whole set, so a deep
 * call chain recorded at every cycle gives a small file (version 2 wrote
 * every stack whole into every context: 722 MB for the chain below); the
 * trace built from it equals the sequential one; versions 1 and 2 are
 * refused with a message saying what to do; the reader refuses malformed
 * arenas by byte offset; and the chain check still sees a corrupted shared
 * entry.
 */
#include <sys/resource.h>
#include <time.h>

#include "tap.h"
#include "run_cmd.h"
#include "shared_vectors.h"
#include "tmpdir.h"
#include "mast/parse.h"
#include "trace/context_file.h"
#include "util/checksum.h"
#include "util/le.h"

/* A chain of `depth` procedures, each calling the next (a CALL node opens a
 * context, so every level adds to the block and continuation stacks); the
 * last one does one NOOP. */
static char *chain_program(int depth, size_t *len)
{
    const size_t cap = (size_t)depth * 40 + 100;
    char *t = malloc(cap);
    size_t n = (size_t)snprintf(t, cap, "proc.p%d basic_block noop end end\n", depth);
    for (int i = depth - 1; i >= 1; i--)
        n += (size_t)snprintf(t + n, cap - n, "proc.p%d call.p%d end\n", i, i + 1);
    n += (size_t)snprintf(t + n, cap - n, "begin call.p1 end\n");
    *len = n;
    return t;
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* Whether two files have the same bytes (read in pieces: traces are big). */
static int files_equal(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    static unsigned char x[1 << 16], y[1 << 16];
    while (same) {
        const size_t na = fread(x, 1, sizeof x, fa), nb = fread(y, 1, sizeof y, fb);
        same = na == nb && memcmp(x, y, na) == 0;
        if (na == 0 || na < sizeof x)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Contexts of the chain of `depth` at fragment length n written by the CLI,
 * the trace built from them compared with the sequential one. Returns the
 * context file's size, -1 if a command failed; *same: the traces are equal. */
static long chain_through_cli(test_dir_t *dir, int depth, const char *n, int *same,
                              double *seconds, long *peak_kb)
{
    char prog[600], ctx[600], par[600], seq[600], name[64];
    size_t len;
    char *text = chain_program(depth, &len);
    snprintf(name, sizeof name, "chain%d.masm", depth);
    test_dir_write(dir, name, text, len, prog, sizeof prog);
    free(text);
    test_dir_file(dir, "chain.ctx", ctx, sizeof ctx);
    test_dir_file(dir, "par.bin", par, sizeof par);
    test_dir_file(dir, "seq.bin", seq, sizeof seq);
    const double t0 = now();
    const char *w[] = { "contexts", prog, "--fragment", n, "-o", ctx, "--quiet", NULL };
    const char *p[] = { "trace", prog, "--from-contexts", ctx, "--format", "bin", "-o", par,
                        "--quiet", NULL };
    const char *s[] = { "trace", prog, "--sequential", "--format", "bin", "-o", seq, "--quiet",
                        NULL };
    long size = -1;
    *same = 0;
    run_result_t r = run_fragtrace(w);
    /* The peak of the children so far: the contexts run's when it is the
       first one. */
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    *peak_kb = ru.ru_maxrss;
    if (r.status == 0)
        size = file_size(ctx);
    else
        tap_diag("contexts: exit %d: %s", r.status, r.err);
    run_free(&r);
    if (size >= 0) {
        r = run_fragtrace(p);
        run_result_t q = run_fragtrace(s);
        *same = r.status == 0 && q.status == 0 && files_equal(par, seq);
        if (!*same)
            tap_diag("trace: exit %d (%s), sequential: exit %d (%s)", r.status, r.err, q.status,
                     q.err);
        run_free(&r);
        run_free(&q);
    }
    *seconds = now() - t0;
    remove(par);
    remove(seq);
    return size;
}

/* Record the chain of `depth` at fragment length n in this process. */
static int record_chain(int depth, uint64_t n, mast_forest_t *f, fragment_set_t *set)
{
    size_t len;
    char *text = chain_program(depth, &len);
    char err[512];
    mast_forest_init(f);
    int rc = mast_parse("chain.masm", text, len, f, err, sizeof err);
    free(text);
    if (rc != 0) {
        tap_diag("%s", err);
        memset(set, 0, sizeof *set);
        return -1;
    }
    vm_t *vm = malloc(sizeof *vm);
    rc = vm && vm_init(vm, f, "chain.masm", NULL, 0, NULL, 0) == 0 ? fragment_record(vm, n, set)
                                                                    : -1;
    if (vm) {
        vm_free(vm);
        free(vm);
    }
    return rc;
}

/* The set written to memory. */
static unsigned char *to_bytes(const fragment_set_t *set, size_t *len)
{
    char *buf = NULL;
    *len = 0;
    FILE *m = open_memstream(&buf, len);
    if (!m || context_file_write(set, m) != 0)
        *len = 0;
    if (m)
        fclose(m);
    return (unsigned char *)buf;
}

/* Parse (checksum checked) and build; 0, or -1 with the message in err. */
static int parse_and_build(const mast_forest_t *f, const unsigned char *buf, size_t len,
                           char *err, size_t err_len)
{
    fragment_set_t set;
    main_trace_t t = { NULL, 0 };
    int rc = context_file_parse(buf, len, 1, &set, err, err_len);
    if (rc == 0)
        rc = fragment_build_trace(f, "chain.masm", &set, 1, &t, err, err_len);
    main_trace_free(&t);
    fragment_set_free(&set);
    return rc;
}

static void reseal(unsigned char *buf, size_t len)
{
    le_put64(buf + len - 8, checksum(buf, len - 8));
}

/* Bytes of a fragment record's scalar fields. */
static size_t scalar_bytes(void)
{
    size_t n = 0;
    for (size_t i = 0; i < fragment_n_fields; i++)
        if (!fragment_fields[i].end_only)
            n += (size_t)fragment_fields[i].width * fragment_fields[i].count;
    return n;
}

int main(void)
{
    tap_plan(8);
    test_dir_t dir;
    test_dir_make(&dir);

    /* 1-2: the 3,000-deep chain (a 75 KB program) at every cycle, through
       the CLI; the contexts run is this test's first child. */
    int same;
    double secs;
    long peak_kb;
    const long size = chain_through_cli(&dir, 3000, "1", &same, &secs, &peak_kb);
    tap_ok(size > 0 && size < 10 * 1000 * 1000,
           "3,000-deep call chain at --fragment 1: a context file of %ld bytes (under 10 MB; "
           "version 2 wrote 722 MB using 785 MB of memory); fragtrace contexts used %ld MB",
           size, peak_kb / 1024);
    tap_ok(same, "its trace --from-contexts equals trace --sequential byte for byte (%.1f s)",
           secs);

    /* 3: the 20,000-deep chain at fragment length 7 (about 4.0 MB with
       version 5's records: the precompile transcript and the ACE row count
       added 40 bytes to each). */
    const long size20 = chain_through_cli(&dir, 20000, "7", &same, &secs, &peak_kb);
    tap_ok(size20 > 0 && size20 < 4500 * 1000 && same,
           "20,000-deep call chain at --fragment 7: %ld bytes (under 4.5 MB), trace equal to the "
           "sequential one (%.1f s)", size20, secs);

    /* 4: in this process, the arenas grow with pushes, not with contexts
       times depth. */
    mast_forest_t f;
    fragment_set_t set;
    int ok = record_chain(3000, 1, &f, &set) == 0;
    uint64_t total_depth = 0, deepest = 0;
    for (size_t k = 0; ok && k <= set.n; k++) {
        const fragment_ctx_t *c = k < set.n ? &set.frags[k] : &set.end;
        total_depth += (uint64_t)c->n_conts + c->n_blocks;
        if (c->n_blocks > deepest)
            deepest = c->n_blocks;
    }
    const uint64_t arena = set.conts.n + set.blocks.n;
    tap_ok(ok && deepest > 3000 && arena <= 3 * set.end.clk && arena * 100 < total_depth,
           "arenas of %zu continuation and %zu block entries for %zu contexts holding %llu stack "
           "entries in all (block stacks up to %llu deep)", set.conts.n, set.blocks.n, set.n + 1,
           (unsigned long long)total_depth, (unsigned long long)deepest);
    fragment_set_free(&set);
    mast_forest_free(&f);

    /* 5: versions 1 and 2 are refused, saying how to get a version 3 file. */
    {
        char ctx[600], prog[600];
        size_t len, plen;
        char *text = chain_program(20, &plen);
        test_dir_write(&dir, "small.masm", text, plen, prog, sizeof prog);
        free(text);
        test_dir_file(&dir, "small.ctx", ctx, sizeof ctx);
        const char *w[] = { "contexts", prog, "--fragment", "4", "-o", ctx, NULL };
        run_result_t r = run_fragtrace(w);
        run_free(&r);
        unsigned char *buf = (unsigned char *)slurp_file(ctx, &len);
        ok = buf && len > CONTEXT_HEADER_BYTES && le_get32(buf + 8) == CONTEXT_FILE_VERSION;
        for (uint32_t v = 1; ok && v < CONTEXT_FILE_VERSION; v++) {
            char old[600], name[32], want[32];
            snprintf(name, sizeof name, "v%u.ctx", v);
            le_put32(buf + 8, v);
            reseal(buf, len);
            test_dir_write(&dir, name, buf, len, old, sizeof old);
            const char *t[] = { "trace", prog, "--from-contexts", old, NULL };
            r = run_fragtrace(t);
            snprintf(want, sizeof want, "byte 8: format version %u", v);
            ok = r.status == 2 && r.out[0] == '\0' && strstr(r.err, want) &&
                 strstr(r.err, "this fragtrace reads version") && strstr(r.err, "rewrite the file with 'fragtrace "
                                                          "contexts'");
            if (!ok)
                tap_diag("version %u: exit %d: %s", v, r.status, r.err);
            run_free(&r);
        }
        tap_ok(ok, "files of every earlier version (1 to %u) are refused (exit 2) with 'rewrite "
               "the file with 'fragtrace contexts''", CONTEXT_FILE_VERSION - 1);
        free(buf);
    }

    /* 6-8: malformed arenas and stack references (checksum resealed, so
       only the reader's checks or the chain check can refuse them). */
    ok = record_chain(20, 1, &f, &set) == 0;
    size_t len = 0;
    unsigned char *good = ok ? to_bytes(&set, &len) : NULL;
    char err[512] = "";
    ok = good && len > 0 && parse_and_build(&f, good, len, err, sizeof err) == 0;
    if (!ok)
        tap_diag("the chain of 20 does not build: %s", err);
    unsigned char *bad = malloc(len ? len : 1);
    {
        /* Layout (spec/fragment-context.md): header, continuation arena
           (u32 count, 12 bytes each: below, kind, node), block arena (u32
           count, 72 bytes each: below first), then the records; fragment 0
           holds no overflow entry, so its continuation stack's top and
           depth follow its scalar fields and K = 0. */
        const size_t a = ok ? le_get32(good + 64) : 0;
        const size_t blocks_at = 64 + 4 + 12 * a;
        const size_t b = ok ? le_get32(good + blocks_at) : 0;
        const size_t rec0 = blocks_at + 4 + 72 * b;
        const size_t top_at = rec0 + scalar_bytes() + 4;
        int links = ok && a > 2 && b > 2, refs = links;
        /* A link to itself: a cycle. */
        char want[128];
        if (links) {
            memcpy(bad, good, len);
            le_put32(bad + 64 + 4 + 12 * 2, 3); /* entry 2 names entry 2 */
            reseal(bad, len);
            snprintf(want, sizeof want, "byte %zu: continuation-arena entry 2 links to entry 2",
                     (size_t)(64 + 4 + 24));
            links = parse_and_build(&f, bad, len, err, sizeof err) != 0 && strstr(err, want);
            if (!links)
                tap_diag("self link: %s (want %s)", err, want);
        }
        if (links) {
            memcpy(bad, good, len);
            le_put32(bad + blocks_at + 4 + 72, (uint32_t)b + 1); /* a later entry */
            reseal(bad, len);
            snprintf(want, sizeof want, "byte %zu: block-arena entry 1 links to entry %zu",
                     blocks_at + 4 + 72, b);
            links = parse_and_build(&f, bad, len, err, sizeof err) != 0 && strstr(err, want) &&
                    strstr(err, "not an earlier entry");
            if (!links)
                tap_diag("forward link: %s (want %s)", err, want);
        }
        tap_ok(links, "arena links that do not point strictly backwards are refused with their "
               "byte offset");
        if (refs) {
            memcpy(bad, good, len);
            le_put32(bad + top_at, (uint32_t)a + 1);
            reseal(bad, len);
            snprintf(want, sizeof want, "byte %zu: the continuation stack: top entry %zu is not "
                     "in the arena", top_at, a);
            refs = parse_and_build(&f, bad, len, err, sizeof err) != 0 && strstr(err, want);
            if (!refs)
                tap_diag("top: %s (want %s)", err, want);
        }
        if (refs) {
            memcpy(bad, good, len);
            le_put32(bad + top_at + 4, 2); /* fragment 0 has 1 continuation */
            reseal(bad, len);
            snprintf(want, sizeof want, "byte %zu: the continuation stack: depth 2 does not "
                     "match the 1 entries of its chain", top_at + 4);
            refs = parse_and_build(&f, bad, len, err, sizeof err) != 0 && strstr(err, want);
            if (!refs)
                tap_diag("depth: %s (want %s)", err, want);
        }
        tap_ok(refs, "a stack top outside the arena and a depth that is not its chain's are "
               "refused with their byte offset");
    }
    /* A shared entry changed in memory (the file stays well formed): the
       chain check of the fragment that pushed it sees it. */
    {
        int cont_seen = 0, block_seen = 0;
        if (ok) {
            cont_t *c = &((cont_t *)set.conts.entries)[set.conts.n / 2];
            const cont_t saved = *c;
            c->node = c->node ? c->node - 1 : c->node + 1;
            size_t l;
            unsigned char *buf = to_bytes(&set, &l);
            cont_seen = buf && parse_and_build(&f, buf, l, err, sizeof err) != 0 &&
                        strstr(err, "differs from the next context in the continuation stack");
            if (!cont_seen)
                tap_diag("continuation: %s", err);
            free(buf);
            *c = saved;
            block_entry_t *e = &((block_entry_t *)set.blocks.entries)[set.blocks.n / 2];
            e->addr += 8;
            buf = to_bytes(&set, &l);
            block_seen = buf && parse_and_build(&f, buf, l, err, sizeof err) != 0 &&
                         strstr(err, "differs from the next context in the block stack");
            if (!block_seen)
                tap_diag("block: %s", err);
            free(buf);
        }
        tap_ok(cont_seen && block_seen, "a changed continuation-arena entry and a changed "
               "block-arena entry fail the chain check, naming the stack");
    }
    free(bad);
    free(good);
    fragment_set_free(&set);
    mast_forest_free(&f);
    test_dir_remove(&dir);
    return tap_done();
}

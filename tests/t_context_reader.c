/*
 * t_context_reader.c - `--from-contexts` reads a context file safely: the
 * 64-byte header is checked first and then exactly the bytes it announces
 * are read (spec/fragment-context.md), so endless or random streams are
 * refused at once; every malformed file, whether the reader or the chain
 * check catches it, exits 2 with the file and byte named.
 */
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "tap.h"
#include "run_cmd.h"
#include "shared_vectors.h"
#include "tmpdir.h"
#include "mast/parse.h"
#include "trace/context_file.h"
#include "util/le.h"

#define PROGRAM "vectors/programs/call_overflow.masm"

static run_result_t from_contexts(const char *ctx)
{
    const char *args[] = { "trace", PROGRAM, "--from-contexts", ctx, NULL };
    const run_opts_t o = { RUN_STDOUT_CAPTURE, NULL, 20 };
    return run_fragtrace_opts(args, &o);
}

/* Exit 2, nothing on stdout, and every word of want in the message. */
static int refused(const char *ctx, const char *want1, const char *want2, const char *what)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run_result_t r = from_contexts(ctx);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    const int ok = r.status == 2 && r.out[0] == '\0' && strstr(r.err, want1) &&
                   (!want2 || strstr(r.err, want2));
    tap_ok(ok, "%s: exit 2 naming '%s'%s%s (%.0f ms)", what, want1, want2 ? " and " : "",
           want2 ? want2 : "", ms);
    if (!ok)
        tap_diag("exit %d: %s", r.status, r.err);
    run_free(&r);
    return ok;
}

/* Swap the stack references (top and depth of both stacks) of x and y. */
static void swap_stacks(fragment_ctx_t *x, fragment_ctx_t *y)
{
    const fragment_ctx_t t = *x;
    x->cont_top = y->cont_top;
    x->n_conts = y->n_conts;
    x->block_top = y->block_top;
    x->n_blocks = y->n_blocks;
    y->cont_top = t.cont_top;
    y->n_conts = t.n_conts;
    y->block_top = t.block_top;
    y->n_blocks = t.n_blocks;
}

int main(void)
{
    tap_plan(11);
    test_dir_t dir;
    test_dir_make(&dir);
    char ctx[600], p[600];
    test_dir_file(&dir, "good.ctx", ctx, sizeof ctx);
    const char *w[] = { "contexts", PROGRAM, "--fragment", "3", "-o", ctx, NULL };
    run_result_t r = run_fragtrace(w);
    size_t len = 0;
    unsigned char *good = (unsigned char *)slurp_file(ctx, &len);
    tap_ok(r.status == 0 && good && len > 200, "a context file is written (%zu bytes)", len);
    run_free(&r);
    if (!good) {
        test_dir_remove(&dir);
        return tap_done();
    }

    /* Endless and random streams are refused after the header. */
    refused("/dev/zero", "/dev/zero", "byte 0", "/dev/zero");
    refused("/dev/urandom", "/dev/urandom", "byte 0", "/dev/urandom");

    /* A directory says so. */
    refused(dir.path, "is a directory", NULL, "a directory");

    /* Truncated, and with bytes after the announced end. */
    test_dir_write(&dir, "short.ctx", good, len - 1, p, sizeof p);
    refused(p, "short.ctx", "announces", "a truncated file");
    unsigned char *longer = calloc(len + 100, 1);
    memcpy(longer, good, len);
    test_dir_write(&dir, "long.ctx", longer, len + 100, p, sizeof p);
    refused(p, "long.ctx", "announces", "a file with trailing bytes");
    free(longer);

    /* A valid file followed by endless zeros, through a FIFO: the reader
       stops where the header says the file ends. */
    test_dir_file(&dir, "stream", p, sizeof p);
    int ok = mkfifo(p, 0600) == 0;
    fflush(stdout);
    const pid_t writer = ok ? fork() : -1;
    if (writer == 0) {
        signal(SIGPIPE, SIG_IGN);
        FILE *f = fopen(p, "wb");
        static const unsigned char zeros[4096];
        if (f && fwrite(good, 1, len, f) == len)
            for (int i = 0; i < (1 << 18) && fwrite(zeros, 1, sizeof zeros, f) == sizeof zeros; i++)
                ;
        _exit(0);
    }
    if (writer > 0) {
        refused(p, "more bytes than the header announces", NULL, "a FIFO: a file then zeros");
        kill(writer, SIGKILL);
        waitpid(writer, NULL, 0);
    } else {
        tap_ok(0, "a FIFO: a file then zeros (cannot make the FIFO)");
    }

    /* Header fields announcing impossible sizes are refused before any
       allocation. */
    unsigned char *bad = malloc(len);
    memcpy(bad, good, len);
    le_put64(bad + 16, UINT64_C(1) << 40);
    test_dir_write(&dir, "huge-length.ctx", bad, len, p, sizeof p);
    refused(p, "byte 16", "impossible", "a 2^40-byte file length");
    memcpy(bad, good, len);
    le_put32(bad + 12, UINT32_C(1) << 30);
    test_dir_write(&dir, "many-fragments.ctx", bad, len, p, sizeof p);
    refused(p, "byte 12", "at most", "2^30 fragments");
    free(bad);

    /* Spliced: every record well formed and checksummed, the program the
       same, but the fragments come from two runs with different inputs, so
       only the chain check can refuse it: exit 2 as for the reader. */
    {
        char a_path[600], b_path[600];
        test_dir_file(&dir, "a.ctx", a_path, sizeof a_path);
        test_dir_file(&dir, "b.ctx", b_path, sizeof b_path);
        const char *wa[] = { "contexts", PROGRAM, "--fragment", "3", "--stack", "1,2,3", "-o",
                             a_path, NULL };
        const char *wb[] = { "contexts", PROGRAM, "--fragment", "3", "--stack", "4,5,6", "-o",
                             b_path, NULL };
        run_result_t ra = run_fragtrace(wa), rb = run_fragtrace(wb);
        fragment_set_t sa, sb;
        char err[512];
        int made = ra.status == 0 && rb.status == 0 &&
                   context_file_read(a_path, 1, &sa, err, sizeof err) == 0 &&
                   context_file_read(b_path, 1, &sb, err, sizeof err) == 0 && sa.n == sb.n &&
                   sa.n > 4;
        run_free(&ra);
        run_free(&rb);
        if (made) {
            /* Swap fragment 2 of a with b's. Its stacks are references
               into its own set's arenas: those stay (the two runs take
               the same path, so the stacks are the same anyway). */
            fragment_ctx_t t = sa.frags[2];
            sa.frags[2] = sb.frags[2];
            sb.frags[2] = t;
            swap_stacks(&sa.frags[2], &sb.frags[2]);
            test_dir_file(&dir, "spliced.ctx", p, sizeof p);
            FILE *f = fopen(p, "wb");
            made = f && context_file_write(&sa, f) == 0;
            if (f)
                fclose(f);
            fragment_set_free(&sa);
            fragment_set_free(&sb);
        } else {
            tap_diag("%s", err);
        }
        if (made)
            refused(p, "spliced.ctx", "differs from the next context", "a spliced file");
        else
            tap_ok(0, "a spliced file (could not be made)");
    }

    /* A corrupted byte (the checksum catches it): exit 2 too. */
    good[len / 2] ^= 0x40;
    test_dir_write(&dir, "flipped.ctx", good, len, p, sizeof p);
    refused(p, "flipped.ctx", "checksum", "a corrupted byte");

    free(good);
    test_dir_remove(&dir);
    return tap_done();
}

/*
 * cmd_exec.c - `fragtrace run` and `fragtrace trace`: execute a program.
 *
 *   fragtrace run FILE [--stack V,..] [--advice-stack V,..] [--inputs F] [--max-cycles N]
 *   fragtrace trace FILE [inputs] [--sequential | --fragment N] [--threads T]
 *                  [-o OUT] [--format csv|bin] [--result RES]
 *   fragtrace trace FILE --from-contexts CTX [--threads T] [-o OUT] [--format csv|bin]
 *   fragtrace contexts FILE [inputs] [--fragment N] -o CTX
 *   fragtrace check FILE [inputs] [--fragment N | --all-fragments] [--threads T]
 *
 * Errors: bad usage or input, exit 2; the program fails, exit 1 with one
 * line "FILE:LINE:COL: clk N: 'op': message"; nothing on stdout and no
 * output file left behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "air/layout.h"
#include "io/felt_list.h"
#include "exec/exec.h"
#include "field/felt_text.h"
#include "io/file.h"
#include "io/output.h"
#include "io/json.h"
#include "io/json_write.h"
#include "mast/parse.h"
#include "trace/context_file.h"
#include "trace/fragment.h"
#include "trace/trace.h"

#include "program_args.h"
#include "progress.h"

/* The failed program's one-line error on stderr. */
static void print_vm_error(const vm_t *vm)
{
    char msg[1024];
    vm_format_error(vm, msg, sizeof msg);
    fprintf(stderr, "%s\n", msg);
}

static void print_outputs(const vm_t *vm, FILE *out)
{
    felt_t o[STACK_TOP];
    vm_outputs(vm, o);
    for (int i = 0; i < STACK_TOP; i++)
        fprintf(out, "%s%llu", i ? " " : "", (unsigned long long)o[i]);
    fputc('\n', out);
}

int cmd_run(int argc, char **argv)
{
    if (cli_help(argc, argv, "usage: fragtrace run FILE [--stack V,..] [--advice-stack V,..] [--inputs F]\n"
                 "                     [--max-cycles N] [--lib LIB.mast]...\n"
                 "Runs FILE and prints the 16 stack outputs (top first), then 'cycles: N' and\n"
                 "'program hash: H'. FILE is program text (spec/program-format.md) or a program\n"
                 "upstream compiled (.masb, spec/masb-format.md), told by its first bytes.\n"
                 "--stack lists at most 16 values, the last on top;\n"
                 "--advice-stack lists values popped first-to-last; --inputs reads an upstream\n"
                 ".inputs JSON file (operand_stack, advice_stack, advice_map). Default\n"
                 "--max-cycles is 2^29. --lib (repeatable; also for trace, check, contexts,\n"
                 "bench) adds a host library, an upstream MAST forest (.mast): its procedures\n"
                 "are what external nodes, dyn, dyncall and syscall targets the program does\n"
                 "not hold resolve to; its advice map joins the program's."))
        return 0;
    exec_args_t a;
    mast_forest_t f;
    vm_t *vm = program_open("run", argc, argv, 0, &a, &f);
    if (!vm)
        return EXIT_USAGE;
    int status = 0;
    if (vm_run(vm, NULL) != 0) {
        print_vm_error(vm);
        status = 1;
    } else {
        print_outputs(vm, stdout);
        const word_t h = mast_program_hash(&f);
        printf("cycles: %llu\nprogram hash: %llu %llu %llu %llu\n", (unsigned long long)vm->clk,
               (unsigned long long)h.v[0], (unsigned long long)h.v[1], (unsigned long long)h.v[2],
               (unsigned long long)h.v[3]);
    }
    program_release(vm, &f);
    exec_args_free(&a);
    return status;
}

/* Write through writer to path (stdout if NULL or "-") the safe way of
 * io/output.h. Returns 0, 1 (the write failed) or EXIT_USAGE (cannot
 * open). */
static int write_output(const char *cmd, const char *path, int (*writer)(const void *, FILE *),
                        const void *arg)
{
    output_t o;
    char err[OUTPUT_PATH_MAX + 256];
    if (output_open(&o, path, err, sizeof err) != 0) {
        cli_error(cmd, "%s", err);
        return EXIT_USAGE;
    }
    if (writer(arg, o.f) != 0) {
        cli_error(cmd, "%s: write failed", o.to_stdout ? "standard output" : path);
        output_abort(&o);
        return 1;
    }
    if (output_commit(&o, err, sizeof err) != 0) {
        cli_error(cmd, "%s", err);
        return 1;
    }
    return 0;
}

typedef struct {
    const main_trace_t *t;
    int binary;
} trace_output_t;

static int write_trace(const void *arg, FILE *out)
{
    const trace_output_t *o = arg;
    return o->binary ? main_trace_write_bin(o->t, out) : main_trace_write_csv(o->t, out);
}

/* What `trace --result` reports (spec/conform.md): the outcome of the run
 * as conform compares it. */
typedef struct {
    const vm_t *vm;
    int ok;                 /* the program ran and its trace was built */
    uint64_t rows;          /* the trace's rows, when ok */
    const char *message;    /* the error line, when not ok */
} trace_result_t;

static int write_result(const void *arg, FILE *out)
{
    const trace_result_t *r = arg;
    json_writer_t w;
    char err[256];
    json_writer_init_file(&w, out, 2);
    json_w_begin_object(&w);
    json_w_key(&w, "outcome");
    if (r->ok) {
        felt_t o[STACK_TOP];
        vm_outputs(r->vm, o);
        json_w_string(&w, "ok");
        json_w_key(&w, "stack_outputs");
        json_w_begin_array(&w);
        for (int i = 0; i < STACK_TOP; i++)
            json_w_felt(&w, o[i]);
        json_w_end_array(&w);
        json_w_key(&w, "cycles");
        json_w_uint(&w, r->vm->clk);
        json_w_key(&w, "trace_rows");
        json_w_uint(&w, r->rows);
    } else {
        json_w_string(&w, "error");
        json_w_key(&w, "error_kind");
        json_w_string(&w, exec_error_kind_name(r->vm->err.kind));
        json_w_key(&w, "clk");
        json_w_uint(&w, r->vm->err.clk);
        json_w_key(&w, "message");
        /* The message quotes program text, which may hold any byte: keep
           printable ASCII so that the JSON stays valid UTF-8. */
        char msg[1024];
        size_t n = 0;
        for (const char *p = r->message; *p && n + 1 < sizeof msg; p++)
            msg[n++] = (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ? *p : '?';
        msg[n] = '\0';
        json_w_string(&w, msg);
    }
    json_w_end_object(&w);
    return json_writer_finish(&w, err, sizeof err) != 0 || ferror(out) ? -1 : 0;
}

/* --result's folder must exist before the program runs, so that a typo
 * costs no run (write_output still reports any later failure). */
static int check_result_path(const exec_args_t *a)
{
    if (!a->result)
        return 0;
    if (!strcmp(a->result, "-")) {
        if (!a->out || !strcmp(a->out, "-")) {
            cli_error("trace", "--result - and the trace would both go to standard output "
                      "(give -o OUT)");
            return -1;
        }
        return 0;
    }
    char dir[4096];
    const char *slash = strrchr(a->result, '/');
    struct stat sb;
    if (strlen(a->result) >= sizeof dir) {
        cli_error("trace", "--result: the path is too long");
        return -1;
    }
    if (!slash)
        strcpy(dir, ".");
    else if (slash == a->result)
        strcpy(dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - a->result), a->result);
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        cli_error("trace", "--result %s: no such folder '%s'", a->result, dir);
        return -1;
    }
    if (slash && slash[1] == '\0') {
        cli_error("trace", "--result %s: a folder, not a file", a->result);
        return -1;
    }
    return 0;
}

static int write_contexts(const void *arg, FILE *out)
{
    return context_file_write(arg, out);
}

/* Read and validate a context file for the program in f. 0, or -1 after
 * printing the error. */
static int load_contexts(const char *cmd, const char *path, const mast_forest_t *f,
                         fragment_set_t *set)
{
    char err[1024];
    int rc = context_file_read(path, 1, set, err, sizeof err);
    if (rc != 0) {
        cli_error(cmd, "%s", err);
    } else if ((rc = fragment_set_validate(f, set, err, sizeof err)) != 0) {
        cli_error(cmd, "%s: %s", path, err);
    }
    if (rc != 0)
        fragment_set_free(set);
    return rc;
}

/* Build the trace sequentially (fragment == 0) or from fragment contexts
 * of that length with a.threads threads. */
static int build(vm_t *vm, const exec_args_t *a, uint64_t fragment, main_trace_t *t, char *msg,
                 size_t len, progress_t *pg)
{
    if (fragment == 0) {
        if (trace_build_sequential(vm, t) == 0)
            return 0;
    } else {
        fragment_set_t set;
        const int rc = fragment_record_progress(vm, fragment, &set, progress_fragment, pg);
        int brc = -1;
        char err[512] = "";
        if (rc == 0)
            brc = fragment_build_trace_progress(vm->f, vm->file, &set, a->threads, t, err,
                                                sizeof err, progress_fragment, pg);
        progress_clear(pg);
        fragment_set_free(&set);
        if (rc == 0 && brc == 0)
            return 0;
        if (rc == 0) {
            snprintf(msg, len, "fragtrace: trace: %s", err);
            return -1;
        }
    }
    /* Every failure of the executor and the builders sets vm->err. */
    vm_format_error(vm, msg, len);
    return -1;
}

/* Build both ways for one fragment length; print the first difference. */
static int check_one(const exec_args_t *a, uint64_t fragment, const main_trace_t *seq, int *diff,
                     progress_t *pg)
{
    mast_forest_t f;
    exec_args_t copy = *a;
    vm_t *vm = program_prepare("check", &copy, &f);
    if (!vm)
        return -1;
    main_trace_t par;
    char msg[1024];
    int rc = build(vm, a, fragment, &par, msg, sizeof msg, a->all_fragments ? NULL : pg);
    if (rc != 0) {
        fprintf(stderr, "%s\n", msg);
    } else {
        *diff = 0;
        if (par.len != seq->len) {
            printf("fragment %llu: %llu rows, sequential %llu\n", (unsigned long long)fragment,
                   (unsigned long long)par.len, (unsigned long long)seq->len);
            *diff = 1;
        }
        for (uint64_t r = 0; !*diff && r < par.len; r++)
            for (int c = 0; c < TRACE_NUM_COLUMNS; c++)
                if (par.cols[(uint64_t)c * par.len + r] != seq->cols[(uint64_t)c * seq->len + r]) {
                    printf("fragment %llu: first difference at row %llu, column %d (%s): "
                           "parallel %llu, sequential %llu\n", (unsigned long long)fragment,
                           (unsigned long long)r, c, trace_column_name(c),
                           (unsigned long long)par.cols[(uint64_t)c * par.len + r],
                           (unsigned long long)seq->cols[(uint64_t)c * seq->len + r]);
                    *diff = 1;
                    break;
                }
        main_trace_free(&par);
    }
    program_release(vm, &f);
    return rc;
}

int cmd_check(int argc, char **argv)
{
    if (cli_help(argc, argv, "usage: fragtrace check FILE [inputs] [--fragment N | --all-fragments] [--threads T]\n"
                 "                       [--max-cycles N] [--quiet]\n"
                 "Builds the trace sequentially and from fragment contexts (length N, default\n"
                 "4096; --all-fragments: every N from 1 to the number of program rows) and\n"
                 "prints 'identical', or the first differing row and column (exit 1). On a\n"
                 "terminal a progress line shows on stderr (not with --quiet)."))
        return 0;
    exec_args_t a;
    mast_forest_t f;
    vm_t *vm = program_open("check", argc, argv, 1, &a, &f);
    if (!vm)
        return EXIT_USAGE;
    main_trace_t seq;
    char msg[1024];
    int status = 0;
    progress_t pg;
    progress_init(&pg, "check", a.quiet);
    if (build(vm, &a, 0, &seq, msg, sizeof msg, &pg) != 0) {
        fprintf(stderr, "%s\n", msg);
        status = 1;
    } else {
        const uint64_t rows = vm->clk;
        const uint64_t first = a.all_fragments ? 1 : a.fragment;
        const uint64_t last = a.all_fragments ? (rows > 0 ? rows : 1) : a.fragment;
        int diff = 0;
        for (uint64_t n = first; n <= last && !diff && status == 0; n++) {
            if (a.all_fragments)
                progress_update(&pg, 2, "fragment lengths", n - 1, last, "lengths");
            if (check_one(&a, n, &seq, &diff, &pg) != 0)
                status = 1;
        }
        progress_clear(&pg);
        if (status == 0 && !diff && a.all_fragments)
            printf("identical (%llu rows; fragment lengths %llu to %llu)\n",
                   (unsigned long long)seq.len, (unsigned long long)first,
                   (unsigned long long)last);
        else if (status == 0 && !diff)
            printf("identical (%llu rows; fragment length %llu)\n", (unsigned long long)seq.len,
                   (unsigned long long)first);
        if (diff)
            status = 1;
        main_trace_free(&seq);
    }
    program_release(vm, &f);
    exec_args_free(&a);
    return status;
}

int cmd_trace(int argc, char **argv)
{
    if (cli_help(argc, argv, "usage: fragtrace trace FILE [inputs] [--sequential | --fragment N] [--threads T]\n"
                 "                       [--max-cycles N] [-o OUT] [--format csv|bin] [--quiet]\n"
                 "                       [--result RES]\n"
                 "       fragtrace trace FILE --from-contexts CTX [--threads T] [-o OUT]\n"
                 "                       [--format csv|bin] [--quiet]\n"
                 "Builds the main trace of FILE (inputs as for 'fragtrace run'): by default from\n"
                 "fragment contexts of N = 4096 cycles with T = online CPUs threads, or\n"
                 "sequentially; both give the same trace. --from-contexts builds it from a file\n"
                 "that 'fragtrace contexts' wrote for FILE, without running the program. Writes it\n"
                 "to OUT (default or '-': stdout; a temporary file renamed over OUT when complete,\n"
                 "spec/trace-format.md): csv is the vectors' format (72 canonical decimals\n"
                 "per row, no header); bin is spec/trace-format.md. All 72 columns: core,\n"
                 "range checker, chiplets (spec/chiplets.md), padding, random last row.\n"
                 "--result RES also writes the outcome as JSON (written like OUT): {\"outcome\":\n"
                 "\"ok\", \"stack_outputs\": [16, top first], \"cycles\": N, \"trace_rows\": R} or,\n"
                 "when the program fails (exit 1), {\"outcome\": \"error\", \"error_kind\": K,\n"
                 "\"clk\": N, \"message\": the error line} (spec/conform.md)."))
        return 0;
    exec_args_t a;
    mast_forest_t f;
    vm_t *vm = program_open("trace", argc, argv, 1, &a, &f);
    if (!vm)
        return EXIT_USAGE;
    if (check_result_path(&a) != 0) {
        program_release(vm, &f);
        exec_args_free(&a);
        return EXIT_USAGE;
    }
    int status = 0;
    main_trace_t t;
    char msg[1024];
    int built;
    if (a.from_contexts) {
        fragment_set_t set;
        if (load_contexts("trace", a.from_contexts, vm->f, &set) != 0) {
            program_release(vm, &f);
            exec_args_free(&a);
            return EXIT_USAGE;
        }
        char err[512];
        progress_t pg;
        progress_init(&pg, "trace", a.quiet);
        built = fragment_build_trace_progress(vm->f, a.file, &set, a.threads, &t, err, sizeof err,
                                              progress_fragment, &pg);
        progress_clear(&pg);
        if (built != 0)
            snprintf(msg, sizeof msg, "fragtrace: trace: %s: %s", a.from_contexts, err);
        fragment_set_free(&set);
    } else {
        progress_t pg;
        progress_init(&pg, "trace", a.quiet);
        built = build(vm, &a, a.sequential ? 0 : a.fragment, &t, msg, sizeof msg, &pg);
    }
    if (built != 0) {
        fprintf(stderr, "%s\n", msg);
        /* Contexts that validate but do not chain up are malformed input,
           as when the reader refuses them; a program that fails is 1. */
        status = a.from_contexts ? EXIT_USAGE : 1;
        if (a.result) {
            /* The run's error is the outcome; failing to write it is worse
               than the program failing. */
            const int rc = write_output("trace", a.result, write_result,
                                        &(trace_result_t){ vm, 0, 0, msg });
            if (rc != 0)
                status = rc;
        }
    } else {
        status = write_output("trace", a.out, write_trace, &(trace_output_t){ &t, a.binary });
        if (status == 0 && a.result)
            status = write_output("trace", a.result, write_result,
                                  &(trace_result_t){ vm, 1, t.len, NULL });
        main_trace_free(&t);
    }
    program_release(vm, &f);
    exec_args_free(&a);
    return status;
}

int cmd_contexts(int argc, char **argv)
{
    if (cli_help(argc, argv, "usage: fragtrace contexts FILE [inputs] [--fragment N] [--max-cycles N] -o CTX\n"
                 "                          [--quiet]\n"
                 "Runs FILE (inputs as for 'fragtrace run') once, recording a fragment context\n"
                 "every N cycles (default 4096), and writes them to CTX in the format of\n"
                 "spec/fragment-context.md; 'fragtrace trace FILE --from-contexts CTX' builds the\n"
                 "trace from them."))
        return 0;
    exec_args_t a;
    mast_forest_t f;
    vm_t *vm = program_open("contexts", argc, argv, 1, &a, &f);
    if (!vm)
        return EXIT_USAGE;
    int status = 0;
    if (!a.out) { /* the other options are checked by program_open */
        cli_error("contexts", "expected -o CTX (use -o - for standard output)");
        status = EXIT_USAGE;
    } else {
        fragment_set_t set;
        progress_t pg;
        progress_init(&pg, "contexts", a.quiet);
        const int rc = fragment_record_progress(vm, a.fragment, &set, progress_fragment, &pg);
        progress_clear(&pg);
        if (rc != 0) {
            print_vm_error(vm);
            status = 1;
        } else {
            status = write_output("contexts", a.out, write_contexts, &set);
        }
        fragment_set_free(&set);
    }
    program_release(vm, &f);
    exec_args_free(&a);
    return status;
}

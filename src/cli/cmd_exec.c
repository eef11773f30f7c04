/*
 * cmd_exec.c - `fragtrace run` and `fragtrace trace`: execute a program.
 *
 *   fragtrace run FILE [--stack V,..] [--advice-stack V,..] [--inputs F] [--max-cycles N]
 *   fragtrace trace FILE [inputs] [--sequential | --fragment N] [--threads T]
 *                  [-o OUT] [--format csv|bin]
 *   fragtrace trace FILE --from-contexts CTX [--threads T] [-o OUT] [--format csv|bin]
 *   fragtrace contexts FILE [inputs] [--fragment N] -o CTX
 *   fragtrace check FILE [inputs] [--fragment N | --all-fragments] [--threads T]
 *
 * Errors: bad usage or input, exit 2; the program fails, exit 1 with one
 * line "FILE:LINE:COL: clk N: 'op': message"; nothing on stdout and no
 * output file left behind.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "io/felt_list.h"
#include "exec/exec.h"
#include "field/felt_text.h"
#include "io/file.h"
#include "io/json.h"
#include "mast/parse.h"
#include "trace/context_file.h"
#include "trace/fragment.h"
#include "trace/trace.h"

typedef struct {
    const char *file;
    felt_list_t stack, advice;
    const char *inputs;
    uint64_t max_cycles;
    int sequential;
    uint64_t fragment;
    unsigned threads;
    int all_fragments;
    const char *out;
    int binary;
    const char *from_contexts;
    int has_inputs;          /* --stack, --advice-stack or --inputs was given */
    /* advice map from --inputs */
    word_t *map_keys;
    felt_list_t *map_values;
    size_t n_map;
} exec_args_t;

static void args_free(exec_args_t *a)
{
    felt_list_free(&a->stack);
    felt_list_free(&a->advice);
    for (size_t i = 0; i < a->n_map; i++)
        felt_list_free(&a->map_values[i]);
    free(a->map_keys);
    free(a->map_values);
}

/* A stack string of an .inputs file: decimal u64 as Rust parses it (an
 * optional '+', leading zeros allowed), then below p. */
static int inputs_felt(const json_value_t *v, felt_t *out)
{
    if (!v || v->kind != JSON_STRING)
        return -1;
    const char *s = v->text;
    size_t n = v->len;
    if (n > 0 && s[0] == '+')
        s++, n--;
    return felt_parse_dec(s, n, out) == 0 ? 0 : -1;
}

static int load_inputs(const char *cmd, exec_args_t *a)
{
    char err[1024];
    size_t len;
    char *text = file_read_all(a->inputs, (size_t)1 << 26, &len, err, sizeof err);
    if (!text) {
        cli_error(cmd, "%s", err);
        return -1;
    }
    json_value_t *root = json_parse(text, len, err, sizeof err);
    free(text);
    if (!root) {
        cli_error(cmd, "%s:%s", a->inputs, err);
        return -1;
    }
    int rc = -1;
    const json_value_t *st = json_get(root, "operand_stack");
    const json_value_t *adv = json_get(root, "advice_stack");
    const json_value_t *map = json_get(root, "advice_map");
    if (root->kind != JSON_OBJECT) {
        cli_error(cmd, "%s:1:1: expected a JSON object", a->inputs);
        goto out;
    }
    const json_value_t *lists[2] = { st, adv };
    felt_list_t *dst[2] = { &a->stack, &a->advice };
    for (int k = 0; k < 2; k++) {
        const json_value_t *l = lists[k];
        if (!l)
            continue;
        if (l->kind != JSON_ARRAY) {
            cli_error(cmd, "%s:%d:%d: %s must be an array of decimal strings", a->inputs, l->line,
                      l->col, k ? "advice_stack" : "operand_stack");
            goto out;
        }
        felt_list_free(dst[k]);
        dst[k]->v = malloc((l->n ? l->n : 1) * sizeof(felt_t));
        dst[k]->n = l->n;
        for (size_t i = 0; i < l->n; i++)
            if (inputs_felt(l->items[i], &dst[k]->v[i]) != 0) {
                cli_error(cmd, "%s:%d:%d: not a field element in a decimal string",
                          a->inputs, l->items[i]->line, l->items[i]->col);
                goto out;
            }
    }
    if (map) {
        if (map->kind != JSON_OBJECT) {
            cli_error(cmd, "%s:%d:%d: advice_map must be an object", a->inputs, map->line, map->col);
            goto out;
        }
        a->map_keys = calloc(map->n ? map->n : 1, sizeof *a->map_keys);
        a->map_values = calloc(map->n ? map->n : 1, sizeof *a->map_values);
        for (size_t i = 0; i < map->n; i++) {
            const json_value_t *vals = map->items[i];
            if (word_from_hex(map->keys[i], strlen(map->keys[i]), &a->map_keys[i]) != 0) {
                cli_error(cmd, "%s:%d:%d: advice_map key '%s' is not 0x and 64 hex digits",
                          a->inputs, vals->line, vals->col, map->keys[i]);
                goto out;
            }
            a->n_map = i + 1;
            if (vals->kind != JSON_ARRAY) {
                cli_error(cmd, "%s:%d:%d: advice_map values must be an array of numbers",
                          a->inputs, vals->line, vals->col);
                goto out;
            }
            a->map_values[i].v = malloc((vals->n ? vals->n : 1) * sizeof(felt_t));
            a->map_values[i].n = vals->n;
            for (size_t j = 0; j < vals->n; j++)
                if (json_felt(vals->items[j], &a->map_values[i].v[j]) != 0) {
                    cli_error(cmd, "%s:%d:%d: advice_map value is not a field element",
                              a->inputs, vals->items[j]->line, vals->items[j]->col);
                    goto out;
                }
        }
    }
    if (json_get(root, "merkle_store")) {
        cli_error(cmd, "%s: merkle_store is not yet supported (it comes with the crypto "
                  "operations)", a->inputs);
        goto out;
    }
    rc = 0;
out:
    json_free(root);
    return rc;
}

static int parse_args(const char *cmd, int argc, char **argv, exec_args_t *a, int is_trace)
{
    char err[512];
    memset(a, 0, sizeof *a);
    a->max_cycles = MAX_CYCLES_DEFAULT;
    a->fragment = 4096;
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    a->threads = cpus > 0 ? (unsigned)cpus : 1;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const int has_val = i + 1 < argc;
        if ((!strcmp(o, "--stack") || !strcmp(o, "--advice-stack")) && has_val) {
            a->has_inputs = 1;
            felt_list_t *l = !strcmp(o, "--stack") ? &a->stack : &a->advice;
            felt_list_free(l);
            if (felt_list_parse(argv[++i], o + 2, l, err, sizeof err) != 0) {
                cli_error(cmd, "%s", err);
                return -1;
            }
        } else if (!strcmp(o, "--inputs") && has_val) {
            a->has_inputs = 1;
            a->inputs = argv[++i];
        } else if (is_trace && !strcmp(o, "--from-contexts") && has_val) {
            a->from_contexts = argv[++i];
        } else if (!strcmp(o, "--max-cycles") && has_val) {
            felt_t v;
            const char *t = argv[++i];
            if (felt_parse_dec(t, strlen(t), &v) != 0 || v < 64 || v > MAX_CYCLES_DEFAULT) {
                cli_error(cmd, "--max-cycles: expected a whole number from 64 to 2^29, got '%s'", t);
                return -1;
            }
            a->max_cycles = v;
        } else if (is_trace && !strcmp(o, "--sequential")) {
            a->sequential = 1;
        } else if (is_trace && (!strcmp(o, "--fragment") || !strcmp(o, "--threads")) && has_val) {
            felt_t v;
            const char *t = argv[++i];
            const int frag = !strcmp(o, "--fragment");
            if (felt_parse_dec(t, strlen(t), &v) != 0 || v < 1 || (frag && v > (UINT64_C(1) << 32)) ||
                (!frag && v > 256)) {
                cli_error(cmd, "%s: expected a whole number from 1 to %s, got '%s'", o,
                          frag ? "2^32" : "256", t);
                return -1;
            }
            if (frag)
                a->fragment = v;
            else
                a->threads = (unsigned)v;
        } else if (is_trace && !strcmp(o, "--all-fragments")) {
            a->all_fragments = 1;
        } else if (is_trace && !strcmp(o, "-o") && has_val) {
            a->out = argv[++i];
        } else if (is_trace && !strcmp(o, "--format") && has_val) {
            const char *f = argv[++i];
            if (!strcmp(f, "csv")) {
                a->binary = 0;
            } else if (!strcmp(f, "bin")) {
                a->binary = 1;
            } else {
                cli_error(cmd, "--format: expected csv or bin, got '%s'", f);
                return -1;
            }
        } else if (o[0] == '-' && o[1] != '\0') {
            cli_error(cmd, "unknown or incomplete option '%s' (try 'fragtrace %s --help')", o, cmd);
            return -1;
        } else if (a->file) {
            cli_error(cmd, "expected one FILE (got '%s' and '%s')", a->file, o);
            return -1;
        } else {
            a->file = o;
        }
    }
    if (!a->file) {
        cli_error(cmd, "missing FILE (try 'fragtrace %s --help')", cmd);
        return -1;
    }
    if (a->from_contexts && (a->has_inputs || a->sequential)) {
        cli_error(cmd, "--from-contexts builds from the contexts alone: it takes no inputs and "
                  "no --sequential");
        return -1;
    }
    if (a->inputs && load_inputs(cmd, a) != 0)
        return -1;
    if (a->stack.n > STACK_TOP) {
        cli_error(cmd, "at most 16 stack inputs are allowed (got %zu)", a->stack.n);
        return -1;
    }
    return 0;
}

/* Parse the program and prepare the VM; returns NULL after printing an error. */
static vm_t *prepare(const char *cmd, exec_args_t *a, mast_forest_t *f)
{
    char err[1024];
    mast_forest_init(f);
    if (mast_parse_file(a->file, f, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    vm_t *vm = malloc(sizeof *vm);
    if (!vm || vm_init(vm, f, a->file, a->stack.v, (uint32_t)a->stack.n, a->advice.v,
                       a->advice.n) != 0) {
        cli_error(cmd, "out of memory");
        if (vm)
            vm_free(vm);
        free(vm);
        mast_forest_free(f);
        return NULL;
    }
    vm->max_cycles = a->max_cycles;
    for (size_t i = 0; i < a->n_map; i++)
        if (advice_map_insert(&vm->adv, a->map_keys[i], a->map_values[i].v, a->map_values[i].n)
            != 0) {
            cli_error(cmd, "%s: advice_map: a key is given twice with different values", a->inputs);
            vm_free(vm);
            free(vm);
            mast_forest_free(f);
            return NULL;
        }
    return vm;
}

/* Release what prepare() made. */
static void release(vm_t *vm, mast_forest_t *f)
{
    vm_free(vm);
    free(vm);
    mast_forest_free(f);
}

/* Parse the command's arguments and program and prepare the VM; NULL after
 * printing the error (a is then already freed). */
static vm_t *open_program(const char *cmd, int argc, char **argv, int is_trace, exec_args_t *a,
                          mast_forest_t *f)
{
    vm_t *vm = NULL;
    if (parse_args(cmd, argc, argv, a, is_trace) == 0)
        vm = prepare(cmd, a, f);
    if (!vm)
        args_free(a);
    return vm;
}

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
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        puts("usage: fragtrace run FILE [--stack V,..] [--advice-stack V,..] [--inputs F]\n"
             "                     [--max-cycles N]\n"
             "Runs FILE and prints the 16 stack outputs (top first), then 'cycles: N' and\n"
             "'program hash: H'. --stack lists at most 16 values, the last on top;\n"
             "--advice-stack lists values popped first-to-last; --inputs reads an upstream\n"
             ".inputs JSON file (operand_stack, advice_stack, advice_map). Default\n"
             "--max-cycles is 2^29.");
        return 0;
    }
    exec_args_t a;
    mast_forest_t f;
    vm_t *vm = open_program("run", argc, argv, 0, &a, &f);
    if (!vm)
        return EXIT_USAGE;
    int status = 0;
    if (vm_run(vm, NULL, NULL) != 0) {
        print_vm_error(vm);
        status = 1;
    } else {
        print_outputs(vm, stdout);
        const word_t h = mast_program_hash(&f);
        printf("cycles: %llu\nprogram hash: %llu %llu %llu %llu\n", (unsigned long long)vm->clk,
               (unsigned long long)h.v[0], (unsigned long long)h.v[1], (unsigned long long)h.v[2],
               (unsigned long long)h.v[3]);
    }
    release(vm, &f);
    args_free(&a);
    return status;
}

/* Write through writer to path (stdout if NULL). A regular file is written
 * to a temporary name and renamed, so that a failed write leaves no
 * half-written output; a device or pipe (e.g. /dev/null) is written
 * directly. Returns 0, 1 (write failed) or EXIT_USAGE (cannot open). */
static int write_output(const char *cmd, const char *path, int (*writer)(const void *, FILE *),
                        const void *arg)
{
    char tmp[4096];
    FILE *out = stdout;
    struct stat sb;
    const int direct = path && stat(path, &sb) == 0 && !S_ISREG(sb.st_mode);
    if (path && direct) {
        out = fopen(path, "wb");
        if (!out) {
            cli_error(cmd, "%s: cannot open: %s", path, strerror(errno));
            return EXIT_USAGE;
        }
    } else if (path) {
        snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
        out = fopen(tmp, "wb");
        if (!out) {
            cli_error(cmd, "%s: cannot create: %s", tmp, strerror(errno));
            return EXIT_USAGE;
        }
    }
    const int wrc = writer(arg, out);
    const int crc = path ? fclose(out) : fflush(out);
    if (wrc != 0 || crc != 0) {
        cli_error(cmd, "%s: write failed", path ? path : "stdout");
        if (path && !direct)
            remove(tmp);
        return 1;
    }
    if (path && !direct && rename(tmp, path) != 0) {
        cli_error(cmd, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
        remove(tmp);
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

static int write_contexts(const void *arg, FILE *out)
{
    return context_file_write(arg, out);
}

/* Read and validate a context file for the program in f. 0, or -1 after
 * printing the error. */
static int load_contexts(const char *cmd, const char *path, const mast_forest_t *f,
                         fragment_set_t *set)
{
    size_t len;
    char err[1024];
    /* Contexts of a 2^29-cycle program at N = 1 are large; the limit only
       guards against reading a device or a runaway file. */
    unsigned char *buf = (unsigned char *)file_read_all(path, (size_t)1 << 36, &len, err, sizeof err);
    memset(set, 0, sizeof *set);
    if (!buf) {
        cli_error(cmd, "%s", err);
        return -1;
    }
    int rc = context_file_parse(buf, len, 1, set, err, sizeof err);
    free(buf);
    if (rc == 0)
        rc = fragment_set_validate(f, set, err, sizeof err);
    if (rc != 0) {
        cli_error(cmd, "%s: %s", path, err);
        fragment_set_free(set);
    }
    return rc;
}

/* Build the trace sequentially (fragment == 0) or from fragment contexts
 * of that length with a.threads threads. */
static int build(vm_t *vm, const exec_args_t *a, uint64_t fragment, main_trace_t *t, char *msg,
                 size_t len)
{
    if (fragment == 0) {
        if (trace_build_sequential(vm, t) == 0)
            return 0;
    } else {
        fragment_set_t set;
        const int rc = fragment_record(vm, fragment, &set);
        int brc = -1;
        char err[512] = "";
        if (rc == 0)
            brc = fragment_build_trace(vm->f, vm->file, &set, a->threads, t, err, sizeof err);
        fragment_set_free(&set);
        if (rc == 0 && brc == 0)
            return 0;
        if (rc == 0) {
            snprintf(msg, len, "fragtrace: trace: %s", err);
            return -1;
        }
    }
    if (vm->err.kind != XERR_NONE)
        vm_format_error(vm, msg, len);
    else
        snprintf(msg, len, "fragtrace: trace: out of memory");
    return -1;
}

static const char *const core_col_names[CORE_WIDTH] = {
    "clk", "ctx", "fn_hash[0]", "fn_hash[1]", "fn_hash[2]", "fn_hash[3]", "addr",
    "op_bits[0]", "op_bits[1]", "op_bits[2]", "op_bits[3]", "op_bits[4]", "op_bits[5]",
    "op_bits[6]", "h[0]", "h[1]", "h[2]", "h[3]", "h[4]", "h[5]", "h[6]", "h[7]", "in_span",
    "group_count", "op_index", "batch_flags[0]", "batch_flags[1]", "batch_flags[2]",
    "op_bits_extra[0]", "op_bits_extra[1]", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8",
    "s9", "s10", "s11", "s12", "s13", "s14", "s15", "b0", "b1", "stack_h0",
};

static const char *col_name(int c)
{
    return c < CORE_WIDTH ? core_col_names[c] : c < 51 ? "range checker" : c < 71 ? "chiplets"
                                                                                : "padding";
}

/* Build both ways for one fragment length; print the first difference. */
static int check_one(const exec_args_t *a, uint64_t fragment, const main_trace_t *seq, int *diff)
{
    mast_forest_t f;
    exec_args_t copy = *a;
    vm_t *vm = prepare("check", &copy, &f);
    if (!vm)
        return -1;
    main_trace_t par;
    char msg[1024];
    int rc = build(vm, a, fragment, &par, msg, sizeof msg);
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
            for (int c = 0; c < TRACE_WIDTH; c++)
                if (par.cols[(uint64_t)c * par.len + r] != seq->cols[(uint64_t)c * seq->len + r]) {
                    printf("fragment %llu: first difference at row %llu, column %d (%s): "
                           "parallel %llu, sequential %llu\n", (unsigned long long)fragment,
                           (unsigned long long)r, c, col_name(c),
                           (unsigned long long)par.cols[(uint64_t)c * par.len + r],
                           (unsigned long long)seq->cols[(uint64_t)c * seq->len + r]);
                    *diff = 1;
                    break;
                }
        main_trace_free(&par);
    }
    release(vm, &f);
    return rc;
}

int cmd_check(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        puts("usage: fragtrace check FILE [inputs] [--fragment N | --all-fragments] [--threads T]\n"
             "Builds the trace sequentially and from fragment contexts (length N, default\n"
             "4096; --all-fragments: every N from 1 to the number of program rows) and\n"
             "prints 'identical', or the first differing row and column (exit 1).");
        return 0;
    }
    exec_args_t a;
    mast_forest_t f;
    vm_t *vm = open_program("check", argc, argv, 1, &a, &f);
    if (!vm)
        return EXIT_USAGE;
    main_trace_t seq;
    char msg[1024];
    int status = 0;
    if (build(vm, &a, 0, &seq, msg, sizeof msg) != 0) {
        fprintf(stderr, "%s\n", msg);
        status = 1;
    } else {
        const uint64_t rows = vm->clk;
        const uint64_t first = a.all_fragments ? 1 : a.fragment;
        const uint64_t last = a.all_fragments ? (rows > 0 ? rows : 1) : a.fragment;
        int diff = 0;
        for (uint64_t n = first; n <= last && !diff && status == 0; n++)
            if (check_one(&a, n, &seq, &diff) != 0)
                status = 1;
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
    release(vm, &f);
    args_free(&a);
    return status;
}

int cmd_trace(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        puts("usage: fragtrace trace FILE [inputs] [--sequential | --fragment N] [--threads T]\n"
             "                       [-o OUT] [--format csv|bin]\n"
             "       fragtrace trace FILE --from-contexts CTX [--threads T] [-o OUT]\n"
             "                       [--format csv|bin]\n"
             "Builds the main trace of FILE (inputs as for 'fragtrace run'): by default from\n"
             "fragment contexts of N = 4096 cycles with T = online CPUs threads, or\n"
             "sequentially; both give the same trace. --from-contexts builds it from a file\n"
             "that 'fragtrace contexts' wrote for FILE, without running the program. Writes it\n"
             "to OUT (default stdout): csv is the vectors' format (72 canonical decimals\n"
             "per row, no header); bin is spec/trace-format.md. Columns 49-71 (range\n"
             "checker, chiplets) are zero until the chiplets are implemented.");
        return 0;
    }
    exec_args_t a;
    mast_forest_t f;
    vm_t *vm = open_program("trace", argc, argv, 1, &a, &f);
    if (!vm)
        return EXIT_USAGE;
    int status = 0;
    main_trace_t t;
    char msg[1024];
    int built;
    if (a.from_contexts) {
        fragment_set_t set;
        if (load_contexts("trace", a.from_contexts, vm->f, &set) != 0) {
            release(vm, &f);
            args_free(&a);
            return EXIT_USAGE;
        }
        char err[512];
        built = fragment_build_trace(vm->f, a.file, &set, a.threads, &t, err, sizeof err);
        if (built != 0)
            snprintf(msg, sizeof msg, "fragtrace: trace: %s: %s", a.from_contexts, err);
        fragment_set_free(&set);
    } else {
        built = build(vm, &a, a.sequential ? 0 : a.fragment, &t, msg, sizeof msg);
    }
    if (built != 0) {
        fprintf(stderr, "%s\n", msg);
        status = 1;
    } else {
        status = write_output("trace", a.out, write_trace, &(trace_output_t){ &t, a.binary });
        main_trace_free(&t);
    }
    release(vm, &f);
    args_free(&a);
    return status;
}

int cmd_contexts(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        puts("usage: fragtrace contexts FILE [inputs] [--fragment N] -o CTX\n"
             "Runs FILE (inputs as for 'fragtrace run') once, recording a fragment context\n"
             "every N cycles (default 4096), and writes them to CTX in the format of\n"
             "spec/fragment-context.md; 'fragtrace trace FILE --from-contexts CTX' builds the\n"
             "trace from them.");
        return 0;
    }
    exec_args_t a;
    mast_forest_t f;
    vm_t *vm = open_program("contexts", argc, argv, 1, &a, &f);
    if (!vm)
        return EXIT_USAGE;
    int status = 0;
    if (!a.out || a.from_contexts || a.sequential || a.all_fragments) {
        cli_error("contexts", "expected -o CTX, and none of --from-contexts, --sequential, "
                  "--all-fragments");
        status = EXIT_USAGE;
    } else {
        fragment_set_t set;
        if (fragment_record(vm, a.fragment, &set) != 0) {
            print_vm_error(vm);
            status = 1;
        } else {
            status = write_output("contexts", a.out, write_contexts, &set);
        }
        fragment_set_free(&set);
    }
    release(vm, &f);
    args_free(&a);
    return status;
}

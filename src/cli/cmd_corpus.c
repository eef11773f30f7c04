/*
 * cmd_corpus.c - `fragtrace corpus init|add|list|show|verify --db DB ...`:
 * the SQLite corpus of cases (spec/corpus.md).
 *
 * add runs the program once sequentially (the expected outcome) and once per
 * fragment size from freshly recorded fragment contexts, which must agree
 * with the sequential build before anything is written; verify rebuilds
 * every case in parallel, from its stored contexts and sequentially, and
 * compares each with the stored expectation.
 */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "air/layout.h"
#include "case_run.h"
#include "corpus_stage.h"
#include "cli.h"
#include "corpus/corpus.h"
#include "io/file.h"
#include "mast/load.h"
#include "mast/masb.h"
#include "mast/masb_write.h"
#include "progress.h"
#include "trace/trace_text.h"
#include "version.h"

/* Expected traces up to this many rows are stored (compressed); larger ones
 * only by their hash, which verify checks after rebuilding them. */
#define STORE_ROWS_DEFAULT (UINT64_C(1) << 16)
#define MAX_FILTERS 16

static const char usage[] =
    "usage: fragtrace corpus init --db DB\n"
    "       fragtrace corpus add --db DB FILE [--name NAME] [--program-name P] [--tags T,..]\n"
    "                            [--fragment N]... [--stack V,..] [--advice-stack V,..]\n"
    "                            [--inputs F] [--lib LIB.mast]... [--source SRC.masm]\n"
    "                            [--max-cycles N] [--store-rows N] [--threads T]\n"
    "       fragtrace corpus list --db DB [--filter PATTERN]...\n"
    "       fragtrace corpus show --db DB NAME\n"
    "       fragtrace corpus import-upstream --db DB [--vectors DIR] [--masb DIR]\n"
    "       fragtrace corpus verify --db DB [--filter PATTERN]... [--threads T]\n"
    "                            [--no-sequential] [--quiet]\n"
    "The corpus of programs, inputs, cases, expected traces and fragment contexts\n"
    "(spec/corpus.md). init creates DB. add runs FILE (program text or .masb) on the\n"
    "inputs, sequentially for the expected outcome and from fragment contexts of each\n"
    "--fragment N (default 4096; one case per N, named NAME or NAME-fN), and adds the\n"
    "cases with provenance 'fragtrace " FRAGTRACE_VERSION "'; the expected trace is stored\n"
    "when it has at most --store-rows rows (default 65536), else its SHA-256 only.\n"
    "import-upstream adds upstream's vectors (miden-v0.19.0's cases.json and traces,\n"
    "masb-v0.19.0's compiled programs) with the Rust VM's results as the expectation.\n"
    "list prints one line per case; show one case in full. verify checks the database,\n"
    "then rebuilds every case (parallel, from its stored contexts, sequential) and\n"
    "compares outcome, stack outputs, trace length and trace with the expectation.\n"
    "--filter selects cases whose name or a tag matches the shell pattern.\n"
    "Exit 0 success; 1 a case failed verification or a database failure; 2 bad usage\n"
    "or a corpus that cannot be read.\n";

/* ---- shared option parsing -------------------------------------------------- */

typedef struct {
    const char *db;
    const char *filters[MAX_FILTERS];
    unsigned n_filters;
    unsigned threads;
    int quiet, no_sequential;
} common_opts_t;

static int whole(const char *opt, const char *t, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    errno = 0;
    const unsigned long long v = strtoull(t, &end, 10);
    if (!*t || *end || errno || t[0] == '-' || v < lo || v > hi) {
        cli_error(CMD, "%s: '%s' is not a whole number from %llu to %llu", opt, t,
                  (unsigned long long)lo, (unsigned long long)hi);
        return -1;
    }
    *out = v;
    return 0;
}

static unsigned default_threads(void)
{
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus < 1 ? 1 : cpus > 256 ? 256 : (unsigned)cpus;
}

/* Does the case match one of the filters (or are there none)? */
static int selected(const common_opts_t *o, const char *name, const char *tags)
{
    if (o->n_filters == 0)
        return 1;
    for (unsigned i = 0; i < o->n_filters; i++) {
        if (fnmatch(o->filters[i], name, 0) == 0)
            return 1;
        const char *t = tags;
        while (t && *t) {
            const char *comma = strchr(t, ',');
            const size_t n = comma ? (size_t)(comma - t) : strlen(t);
            char tag[256];
            if (n < sizeof tag) {
                memcpy(tag, t, n);
                tag[n] = 0;
                if (fnmatch(o->filters[i], tag, 0) == 0)
                    return 1;
            }
            t = comma ? comma + 1 : NULL;
        }
    }
    return 0;
}

static int open_db(const char *db, unsigned flags, corpus_t **c)
{
    char err[2048];
    if (!db) {
        cli_error(CMD, "missing --db DB (try 'fragtrace corpus --help')");
        return EXIT_USAGE;
    }
    if (corpus_open(db, flags, c, err, sizeof err) != 0) {
        cli_error(CMD, "%s", err);
        return EXIT_USAGE;
    }
    return 0;
}

/* ---- init ------------------------------------------------------------------- */

static int corpus_init(int argc, char **argv)
{
    const char *db = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else {
            cli_error(CMD, "init: unknown argument '%s'", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (!db) {
        cli_error(CMD, "init: missing --db DB");
        return EXIT_USAGE;
    }
    struct stat sb;
    if (stat(db, &sb) == 0) {
        cli_error(CMD, "init: %s: exists (init makes a new corpus; remove the file first)", db);
        return EXIT_USAGE;
    }
    corpus_t *c;
    const int rc = open_db(db, CORPUS_CREATE, &c);
    if (rc)
        return rc;
    corpus_close(c);
    printf("corpus: created %s (schema version %d)\n", db, CORPUS_SCHEMA_VERSION);
    return 0;
}

/* ---- add -------------------------------------------------------------------- */

/* The default name: the file's base name without its extension. */
static void base_name(const char *path, char *out, size_t n)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    snprintf(out, n, "%s", b);
    char *dot = strrchr(out, '.');
    if (dot && dot != out)
        *dot = 0;
}

static int corpus_add(int argc, char **argv)
{
    const char *db = NULL, *name = NULL, *pname = NULL, *tags = "", *source = NULL;
    uint64_t store_rows = STORE_ROWS_DEFAULT, threads64 = 0;
    add_request_t q;
    memset(&q, 0, sizeof q);
    /* the options program_open reads, passed through */
    char *pass[64];
    int n_pass = 0;
    pass[n_pass++] = "corpus add";
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const int has = i + 1 < argc;
        if (!strcmp(o, "--db") && has) {
            db = argv[++i];
        } else if (!strcmp(o, "--name") && has) {
            name = argv[++i];
        } else if (!strcmp(o, "--program-name") && has) {
            pname = argv[++i];
        } else if (!strcmp(o, "--tags") && has) {
            tags = argv[++i];
        } else if (!strcmp(o, "--source") && has) {
            source = argv[++i];
        } else if (!strcmp(o, "--fragment") && has) {
            if (q.n_frag == MAX_FRAGMENTS) {
                cli_error(CMD, "add: at most %d --fragment", MAX_FRAGMENTS);
                return EXIT_USAGE;
            }
            if (whole("--fragment", argv[++i], 1, UINT64_C(1) << 32, &q.fragments[q.n_frag]) != 0)
                return EXIT_USAGE;
            for (unsigned k = 0; k < q.n_frag; k++)
                if (q.fragments[k] == q.fragments[q.n_frag]) {
                    cli_error(CMD, "add: --fragment %s given twice", argv[i]);
                    return EXIT_USAGE;
                }
            q.n_frag++;
        } else if (!strcmp(o, "--store-rows") && has) {
            if (whole("--store-rows", argv[++i], 0, UINT64_C(1) << 32, &store_rows) != 0)
                return EXIT_USAGE;
        } else if (!strcmp(o, "--threads") && has) {
            if (whole("--threads", argv[++i], 1, 256, &threads64) != 0)
                return EXIT_USAGE;
        } else if ((!strcmp(o, "--stack") || !strcmp(o, "--advice-stack") ||
                    !strcmp(o, "--inputs") || !strcmp(o, "--lib") ||
                    !strcmp(o, "--max-cycles")) && has) {
            if (n_pass + 2 >= (int)(sizeof pass / sizeof pass[0])) {
                cli_error(CMD, "add: too many options");
                return EXIT_USAGE;
            }
            pass[n_pass++] = argv[i];
            pass[n_pass++] = argv[++i];
        } else if (o[0] == '-' && o[1]) {
            cli_error(CMD, "add: unknown option or missing value '%s' (try 'fragtrace corpus "
                      "--help')", o);
            return EXIT_USAGE;
        } else {
            if (n_pass + 1 >= (int)(sizeof pass / sizeof pass[0])) {
                cli_error(CMD, "add: too many arguments");
                return EXIT_USAGE;
            }
            pass[n_pass++] = argv[i];
        }
    }
    if (!db) {
        cli_error(CMD, "add: missing --db DB");
        return EXIT_USAGE;
    }
    if (q.n_frag == 0)
        q.fragments[q.n_frag++] = 4096;
    pass[n_pass] = NULL;
    mast_forest_t f;
    vm_t *vm = program_open("corpus add", n_pass, pass, 0, &q.a, &f);
    if (!vm)
        return EXIT_USAGE;
    program_release(vm, &f);
    q.a.threads = threads64 ? (unsigned)threads64 : default_threads();
    char def[CORPUS_NAME_MAX * 4];
    base_name(q.a.file, def, sizeof def);
    q.case_base = name ? name : def;
    q.program = pname ? pname : def;
    q.tags = tags;
    q.source = source;
    q.store_rows = store_rows;
    int status = EXIT_USAGE;
    if (!corpus_name_ok(q.case_base) || strlen(q.case_base) + 12 > CORPUS_NAME_MAX)
        cli_error(CMD, "add: case name '%s' must be 1 to %d characters of A-Z a-z 0-9 _ - . "
                  "(not starting with '.'); give --name", q.case_base, CORPUS_NAME_MAX - 12);
    else if (!corpus_name_ok(q.program))
        cli_error(CMD, "add: program name '%s' is not valid; give --program-name", q.program);
    else
        status = add_all(db, &q, 1);
    exec_args_free(&q.a);
    return status;
}

/* ---- list / show ------------------------------------------------------------ */

static int parse_common(const char *sub, int argc, char **argv, common_opts_t *o,
                        const char **name)
{
    memset(o, 0, sizeof *o);
    o->threads = default_threads();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const int has = i + 1 < argc;
        uint64_t t;
        if (!strcmp(a, "--db") && has) {
            o->db = argv[++i];
        } else if (!strcmp(a, "--filter") && has && strcmp(sub, "show")) {
            if (o->n_filters == MAX_FILTERS) {
                cli_error(CMD, "%s: at most %d --filter", sub, MAX_FILTERS);
                return -1;
            }
            o->filters[o->n_filters++] = argv[++i];
        } else if (!strcmp(a, "--threads") && has && !strcmp(sub, "verify")) {
            if (whole("--threads", argv[++i], 1, 256, &t) != 0)
                return -1;
            o->threads = (unsigned)t;
        } else if (!strcmp(a, "--quiet") && !strcmp(sub, "verify")) {
            o->quiet = 1;
        } else if (!strcmp(a, "--no-sequential") && !strcmp(sub, "verify")) {
            o->no_sequential = 1;
        } else if (name && a[0] != '-' && !**name) {
            *name = a;
        } else {
            cli_error(CMD, "%s: unknown argument '%s' (try 'fragtrace corpus --help')", sub, a);
            return -1;
        }
    }
    if (!o->db) {
        cli_error(CMD, "%s: missing --db DB", sub);
        return -1;
    }
    return 0;
}

static int corpus_list(int argc, char **argv)
{
    common_opts_t o;
    if (parse_common("list", argc, argv, &o, NULL) != 0)
        return EXIT_USAGE;
    corpus_t *c;
    int status = open_db(o.db, CORPUS_READ, &c);
    if (status)
        return status;
    char **names;
    size_t n;
    char err[2048];
    if (corpus_case_names(c, &names, &n, err, sizeof err) != 0) {
        cli_error(CMD, "list: %s", err);
        corpus_close(c);
        return EXIT_USAGE;
    }
    size_t shown = 0;
    for (size_t i = 0; i < n && status == 0; i++) {
        corpus_case_t k;
        if (corpus_load_case(c, names[i], 0, &k, err, sizeof err) != 0) {
            cli_error(CMD, "list: %s", err);
            status = EXIT_USAGE;
            break;
        }
        if (selected(&o, k.name, k.tags)) {
            if (shown++ == 0)
                printf("%-32s %-24s %9s %-7s %9s %s\n", "case", "program", "fragment",
                       "outcome", "rows", "provenance");
            char rows[32];
            snprintf(rows, sizeof rows, "%" PRIu64, k.trace_rows);
            printf("%-32s %-24s %9" PRIu64 " %-7s %9s %s\n", k.name, k.program, k.fragment_size,
                   k.ok ? "ok" : "error", k.ok ? rows : "-", k.provenance);
        }
        corpus_case_free(&k);
    }
    if (status == 0)
        printf("%zu case%s\n", shown, shown == 1 ? "" : "s");
    corpus_names_free(names, n);
    corpus_close(c);
    return status;
}

static int corpus_show(int argc, char **argv)
{
    common_opts_t o;
    const char *name = "";
    if (parse_common("show", argc, argv, &o, &name) != 0)
        return EXIT_USAGE;
    if (!*name) {
        cli_error(CMD, "show: missing the case NAME");
        return EXIT_USAGE;
    }
    corpus_t *c;
    int status = open_db(o.db, CORPUS_READ, &c);
    if (status)
        return status;
    corpus_case_t k;
    char err[2048];
    const int rc = corpus_load_case(c, name, 1, &k, err, sizeof err);
    corpus_close(c);
    if (rc != 0) {
        if (rc > 0)
            cli_error(CMD, "show: %s: no case called %s", o.db, name);
        else
            cli_error(CMD, "show: %s", err);
        return rc > 0 ? 1 : EXIT_USAGE;
    }
    printf("case: %s\nprogram: %s\ntags: %s\nprovenance: %s\n", k.name, k.program, k.tags,
           k.provenance);
    printf("program hash: %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
           k.program_hash.v[0], k.program_hash.v[1], k.program_hash.v[2], k.program_hash.v[3]);
    printf("forms: %s%s%s; host libraries: %u\n", k.text ? "text" : "",
           k.text && k.masb ? ", " : "", k.masb ? ".masb" : "", k.n_libs);
    printf("operand stack: %s\nadvice stack: %s\nadvice map: %s\nmerkle store: %s\n",
           k.operand_stack, k.advice_stack, k.advice_map, k.merkle_store ? k.merkle_store : "none");
    printf("fragment size: %" PRIu64 "\n", k.fragment_size);
    if (k.ok) {
        printf("expected: ok\nstack outputs:");
        for (int i = 0; i < CORPUS_STACK_OUTPUTS; i++)
            printf(" %" PRIu64, k.stack_outputs[i]);
        printf("\ncycles: %" PRIu64 "\ntrace rows: %" PRIu64 "\ntrace sha256: %s\n"
               "trace stored: %s\n", k.cycles, k.trace_rows, k.trace_sha256,
               k.trace_stored ? "yes" : "no (hash only)");
    } else {
        printf("expected: error %s", k.error_kind);
        if (k.has_error_clk)
            printf(" at clk %" PRIu64, k.error_clk);
        putchar('\n');
    }
    printf("fragment contexts: %zu bytes\n", k.contexts ? k.contexts_len : (size_t)0);
    if (k.text)
        printf("program text:\n%s%s", k.text,
               k.text[0] && k.text[strlen(k.text) - 1] == '\n' ? "" : "\n");
    corpus_case_free(&k);
    return 0;
}

/* ---- verify ----------------------------------------------------------------- */

typedef struct {
    char provenance[64];
    size_t cases, passed, failed;
    uint64_t rows;
    double seconds;
} group_t;

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Check one build against the case's expectation; "" when it matches.
 * reference: a trace equal to the expected one, or NULL to hash r's. */
static void check_build(const corpus_case_t *k, const case_result_t *r, const felt_t *reference,
                        char *why, size_t n)
{
    why[0] = 0;
    if (!k->ok) {
        if (r->ok)
            snprintf(why, n, "ran to the end; expected %s%s", k->error_kind,
                     k->has_error_clk ? " (with its clk)" : "");
        else if (strcmp(exec_error_kind_name(r->kind), k->error_kind))
            snprintf(why, n, "failed with %s, expected %s (%s)", exec_error_kind_name(r->kind),
                     k->error_kind, r->message);
        else if (k->has_error_clk && r->clk != k->error_clk)
            snprintf(why, n, "failed at clk %" PRIu64 ", expected clk %" PRIu64, r->clk,
                     k->error_clk);
        return;
    }
    if (!r->ok) {
        snprintf(why, n, "execution failed: %s", r->message);
        return;
    }
    if (r->have_outputs) {
        for (int i = 0; i < CORPUS_STACK_OUTPUTS; i++)
            if (r->outputs[i] != k->stack_outputs[i]) {
                snprintf(why, n, "stack outputs: position %d (top first): expected %" PRIu64
                         ", got %" PRIu64, i, k->stack_outputs[i], r->outputs[i]);
                return;
            }
        if (r->cycles != k->cycles) {
            snprintf(why, n, "cycles: expected %" PRIu64 ", got %" PRIu64, k->cycles, r->cycles);
            return;
        }
    }
    if (r->trace.len != k->trace_rows) {
        snprintf(why, n, "trace length: expected %" PRIu64 " rows, got %" PRIu64, k->trace_rows,
                 r->trace.len);
        return;
    }
    /* Equal cell by cell to a trace known to hash to trace_sha256 (the
       stored one, checked when loaded, or an earlier build of this case,
       hashed): no need to hash again. */
    if (reference) {
        case_trace_diff(reference, r->trace.cols, k->trace_rows, why, n);
        return;
    }
    char hex[65];
    trace_text_sha256(r->trace.cols, r->trace.len, hex);
    if (strcmp(hex, k->trace_sha256))
        snprintf(why, n, "trace SHA-256: expected %s, got %s", k->trace_sha256, hex);
}

/* Verify one loaded case: 0 pass, 1 fail (line printed). */
static int verify_case(const common_opts_t *o, const corpus_case_t *k, uint64_t *rows,
                       progress_t *pg)
{
    case_files_t cf;
    exec_args_t a;
    char err[2048], why[1536];
    memset(&a, 0, sizeof a);
    if (case_files_write(k, &cf, err, sizeof err) != 0) {
        progress_clear(pg);
        printf("FAILED %s: %s\n", k->name, err);
        return 1;
    }
    int fail = 0;
    if (case_inputs_to_args(k, &a, err, sizeof err) != 0) {
        progress_clear(pg);
        printf("FAILED %s: %s\n", k->name, err);
        case_files_remove(&cf);
        return 1;
    }
    a.file = cf.program;
    for (unsigned i = 0; i < cf.n_libs; i++)
        a.libs[i] = cf.libs[i];
    a.n_libs = cf.n_libs;
    a.max_cycles = MAX_CYCLES_DEFAULT;
    a.threads = o->threads;
    static const char *const build_names[] = { "sequential", "parallel", "stored contexts" };
    const case_build_t order[] = { CASE_BUILD_PARALLEL, CASE_BUILD_FROM_CONTEXTS,
                                   CASE_BUILD_SEQUENTIAL };
    char done_builds[128] = "";
    case_result_t first;
    memset(&first, 0, sizeof first);
    for (size_t b = 0; b < sizeof order / sizeof order[0] && !fail; b++) {
        const case_build_t how = order[b];
        if (how == CASE_BUILD_FROM_CONTEXTS && !k->contexts)
            continue;
        if (how == CASE_BUILD_SEQUENTIAL && o->no_sequential)
            continue;
        case_result_t r;
        if (case_build(&a, how, k->fragment_size, o->threads, k->contexts, k->contexts_len, 0,
                       &r, err, sizeof err) != 0) {
            progress_clear(pg);
            printf("FAILED %s: %s build: %s\n", k->name, build_names[how], err);
            fail = 1;
            break;
        }
        check_build(k, &r, k->trace ? k->trace : first.trace.cols, why, sizeof why);
        if (why[0]) {
            progress_clear(pg);
            printf("FAILED %s: %s build: %s\n", k->name, build_names[how], why);
            fail = 1;
        } else if (r.ok) {
            *rows += r.trace.len;
        }
        if (!k->trace && r.ok && !first.trace.cols && !fail)
            first = r; /* the reference for the next builds */
        else
            case_result_free(&r);
        snprintf(done_builds + strlen(done_builds), sizeof done_builds - strlen(done_builds),
                 "%s%s", done_builds[0] ? ", " : "", build_names[how]);
    }
    progress_clear(pg);
    if (!fail) {
        if (k->ok)
            printf("ok %s (%" PRIu64 " rows, fragment size %" PRIu64 "; %s)\n", k->name,
                   k->trace_rows, k->fragment_size, done_builds);
        else
            printf("ok %s (fails as expected: %s; %s)\n", k->name, k->error_kind, done_builds);
    }
    case_result_free(&first);
    exec_args_free(&a);
    case_files_remove(&cf);
    return fail;
}

static int corpus_verify(int argc, char **argv)
{
    common_opts_t o;
    if (parse_common("verify", argc, argv, &o, NULL) != 0)
        return EXIT_USAGE;
    corpus_t *c;
    int status = open_db(o.db, CORPUS_READ, &c);
    if (status)
        return status;
    char err[2048];
    char **names = NULL;
    size_t n = 0;
    if (corpus_check(c, err, sizeof err) != 0 ||
        corpus_case_names(c, &names, &n, err, sizeof err) != 0) {
        cli_error(CMD, "verify: %s", err);
        corpus_close(c);
        return EXIT_USAGE;
    }
    /* which cases: the filters need the tags */
    size_t total = 0;
    char *pick = calloc(n ? n : 1, 1);
    for (size_t i = 0; pick && i < n; i++) {
        corpus_case_t k;
        if (corpus_load_case(c, names[i], 0, &k, err, sizeof err) != 0) {
            printf("FAILED %s: %s\n", names[i], err);
            pick[i] = 2;
            total++;
            continue;
        }
        if (selected(&o, k.name, k.tags)) {
            pick[i] = 1;
            total++;
        }
        corpus_case_free(&k);
    }
    if (!pick || total == 0) {
        cli_error(CMD, "verify: %s", pick ? "no case selected" : "out of memory");
        free(pick);
        corpus_names_free(names, n);
        corpus_close(c);
        return pick ? 1 : EXIT_USAGE;
    }
    progress_t pg;
    progress_init(&pg, "corpus verify", o.quiet);
    group_t groups[16];
    size_t n_groups = 0, done_cases = 0, passed = 0, failed = 0;
    uint64_t all_rows = 0;
    const double t0 = now_seconds();
    for (size_t i = 0; i < n; i++) {
        if (!pick[i])
            continue;
        if (pick[i] == 2) {
            failed++;
            done_cases++;
            continue;
        }
        corpus_case_t k;
        const double t1 = now_seconds();
        uint64_t rows = 0;
        int fail;
        const double so_far = now_seconds() - t0;
        progress_line(&pg, "%zu/%zu cases, %.3g M rows/s; %s", done_cases, total,
                      so_far > 0 ? (double)all_rows / so_far / 1e6 : 0.0, names[i]);
        if (corpus_load_case(c, names[i], 1, &k, err, sizeof err) != 0) {
            progress_clear(&pg);
            printf("FAILED %s: %s\n", names[i], err);
            fail = 1;
            memset(&k, 0, sizeof k);
        } else {
            fail = verify_case(&o, &k, &rows, &pg);
        }
        fflush(stdout);
        const char *prov = k.provenance ? k.provenance : "(unreadable)";
        size_t g = 0;
        while (g < n_groups && strcmp(groups[g].provenance, prov))
            g++;
        if (g == n_groups && n_groups < sizeof groups / sizeof groups[0]) {
            memset(&groups[g], 0, sizeof groups[g]);
            snprintf(groups[g].provenance, sizeof groups[g].provenance, "%s", prov);
            n_groups++;
        }
        if (g < n_groups) {
            groups[g].cases++;
            groups[g].passed += !fail;
            groups[g].failed += fail;
            groups[g].rows += rows;
            groups[g].seconds += now_seconds() - t1;
        }
        passed += !fail;
        failed += fail;
        all_rows += rows;
        done_cases++;
        corpus_case_free(&k);
    }
    progress_clear(&pg);
    const double secs = now_seconds() - t0;
    printf("\n%-24s %6s %6s %6s %12s %12s\n", "provenance", "cases", "passed", "failed",
           "rows built", "rows/s");
    for (size_t g = 0; g < n_groups; g++)
        printf("%-24s %6zu %6zu %6zu %12" PRIu64 " %12.0f\n", groups[g].provenance,
               groups[g].cases, groups[g].passed, groups[g].failed, groups[g].rows,
               groups[g].seconds > 0 ? (double)groups[g].rows / groups[g].seconds : 0.0);
    printf("%-24s %6zu %6zu %6zu %12" PRIu64 " %12.0f\n", "all", total, passed, failed,
           all_rows, secs > 0 ? (double)all_rows / secs : 0.0);
    printf("corpus verify: %zu cases, %zu passed, %zu failed in %.1f s (builds per case: "
           "parallel, from stored contexts%s)\n", total, passed, failed, secs,
           o.no_sequential ? "" : ", sequential");
    free(pick);
    corpus_names_free(names, n);
    corpus_close(c);
    return failed ? 1 : 0;
}

int cmd_corpus(int argc, char **argv)
{
    if (cli_help(argc, argv, usage))
        return 0;
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "init"))
        return corpus_init(argc - 1, argv + 1);
    if (!strcmp(sub, "add"))
        return corpus_add(argc - 1, argv + 1);
    if (!strcmp(sub, "list"))
        return corpus_list(argc - 1, argv + 1);
    if (!strcmp(sub, "show"))
        return corpus_show(argc - 1, argv + 1);
    if (!strcmp(sub, "verify"))
        return corpus_verify(argc - 1, argv + 1);
    if (!strcmp(sub, "import-upstream"))
        return corpus_import_upstream(argc - 1, argv + 1);
    cli_error(CMD, "unknown subcommand '%s' (init, add, list, show, verify, import-upstream)", sub);
    return EXIT_USAGE;
}

/*
 * program_args.c - options and program opening shared by run, trace,
 * check, contexts and bench (program_args.h).
 *
 * Each command accepts only its own options (command_options below); an
 * option given twice, an option that does not apply, and two options that
 * contradict each other are usage errors rather than silently ignored.
 *
 * The .inputs file follows upstream's InputFile (miden-vm v0.19.0
 * miden-vm/src/internal.rs, read with serde_json): see
 * spec/inputs-and-errors.md section 1 for every rule checked here.
 */
#include "program_args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "field/felt_text.h"
#include "io/file.h"
#include "io/json.h"
#include "io/merkle_inputs.h"
#include "mast/load.h"

/* ---- options ----------------------------------------------------------- */

enum {
    OPT_STACK = 1u << 0,
    OPT_ADVICE_STACK = 1u << 1,
    OPT_INPUTS = 1u << 2,
    OPT_MAX_CYCLES = 1u << 3,
    OPT_SEQUENTIAL = 1u << 4,
    OPT_FRAGMENT = 1u << 5,
    OPT_THREADS = 1u << 6,
    OPT_ALL_FRAGMENTS = 1u << 7,
    OPT_OUT = 1u << 8,
    OPT_FORMAT = 1u << 9,
    OPT_FROM_CONTEXTS = 1u << 10,
    OPT_QUIET = 1u << 11,
    OPT_LIB = 1u << 12,
    OPT_RESULT = 1u << 13,
};

/* Options that may be given more than once. */
#define OPT_REPEATABLE OPT_LIB

/* What every command that executes the program takes: its inputs and the
 * cycle limit. */
#define OPT_PROGRAM (OPT_STACK | OPT_ADVICE_STACK | OPT_INPUTS | OPT_MAX_CYCLES | OPT_LIB)

typedef struct {
    const char *name;
    unsigned bit;
    int has_value;
} option_t;

static const option_t options[] = {
    { "--stack", OPT_STACK, 1 },
    { "--advice-stack", OPT_ADVICE_STACK, 1 },
    { "--inputs", OPT_INPUTS, 1 },
    { "--max-cycles", OPT_MAX_CYCLES, 1 },
    { "--sequential", OPT_SEQUENTIAL, 0 },
    { "--fragment", OPT_FRAGMENT, 1 },
    { "--threads", OPT_THREADS, 1 },
    { "--all-fragments", OPT_ALL_FRAGMENTS, 0 },
    { "-o", OPT_OUT, 1 },
    { "--format", OPT_FORMAT, 1 },
    { "--from-contexts", OPT_FROM_CONTEXTS, 1 },
    { "--quiet", OPT_QUIET, 0 },
    { "--lib", OPT_LIB, 1 },
    { "--result", OPT_RESULT, 1 },
};
#define N_OPTIONS (sizeof options / sizeof options[0])

/* The options of each command, as its --help text lists them (--quiet:
 * the progress line of the long commands, progress.h). */
typedef struct {
    const char *cmd;
    unsigned allowed;
} command_options_t;

static const command_options_t command_options[] = {
    { "run", OPT_PROGRAM },
    { "trace", OPT_PROGRAM | OPT_SEQUENTIAL | OPT_FRAGMENT | OPT_THREADS | OPT_OUT | OPT_FORMAT |
                   OPT_FROM_CONTEXTS | OPT_QUIET | OPT_RESULT },
    { "contexts", OPT_PROGRAM | OPT_FRAGMENT | OPT_OUT | OPT_QUIET },
    { "check", OPT_PROGRAM | OPT_FRAGMENT | OPT_ALL_FRAGMENTS | OPT_THREADS | OPT_QUIET },
    { "bench", OPT_PROGRAM | OPT_FRAGMENT | OPT_QUIET },
};

/* Pairs of options that contradict each other. */
#define NO_INPUTS "--from-contexts builds from the contexts alone and takes no inputs"
static const struct {
    unsigned a, b;
    const char *why;
} option_conflicts[] = {
    { OPT_FROM_CONTEXTS, OPT_STACK, NO_INPUTS },
    { OPT_FROM_CONTEXTS, OPT_ADVICE_STACK, NO_INPUTS },
    { OPT_FROM_CONTEXTS, OPT_INPUTS, NO_INPUTS },
    { OPT_FROM_CONTEXTS, OPT_MAX_CYCLES, "--from-contexts does not run the program" },
    { OPT_FROM_CONTEXTS, OPT_SEQUENTIAL, "--from-contexts builds from the contexts in parallel" },
    { OPT_FROM_CONTEXTS, OPT_FRAGMENT, "the contexts hold their own fragment length" },
    { OPT_SEQUENTIAL, OPT_FRAGMENT, "the sequential build uses no fragments" },
    { OPT_SEQUENTIAL, OPT_THREADS, "the sequential build runs on one thread" },
    { OPT_ALL_FRAGMENTS, OPT_FRAGMENT, "--all-fragments checks every fragment length" },
    { OPT_FROM_CONTEXTS, OPT_RESULT, "--from-contexts does not run the program, so there is no "
      "outcome to report" },
};

static const char *option_name(unsigned bit)
{
    for (size_t k = 0; k < N_OPTIONS; k++)
        if (options[k].bit == bit)
            return options[k].name;
    return "?";
}

/* The options cmd accepts; a command this table does not know (a future
 * caller) gets run's options, or all of them when is_trace. */
static unsigned allowed_options(const char *cmd, int is_trace)
{
    for (size_t k = 0; k < sizeof command_options / sizeof command_options[0]; k++)
        if (!strcmp(command_options[k].cmd, cmd))
            return command_options[k].allowed;
    unsigned all = 0;
    for (size_t k = 0; k < N_OPTIONS; k++)
        all |= options[k].bit;
    return is_trace ? all : OPT_PROGRAM;
}

void exec_args_free(exec_args_t *a)
{
    felt_list_free(&a->stack);
    felt_list_free(&a->advice);
    for (size_t i = 0; i < a->n_map; i++)
        felt_list_free(&a->map_values[i]);
    free(a->map_keys);
    free(a->map_values);
    a->map_keys = NULL;
    a->map_values = NULL;
    a->n_map = 0;
    merkle_data_free(a->merkle, a->n_merkle);
    a->merkle = NULL;
    a->n_merkle = 0;
    if (a->merkle_store)
        merkle_store_free(a->merkle_store);
    free(a->merkle_store);
    a->merkle_store = NULL;
}

/* ---- the .inputs file -------------------------------------------------- */

/* The fields of upstream's InputFile, in declaration order (which is also
 * the order of its array form). */
enum { F_OPERAND_STACK, F_ADVICE_STACK, F_ADVICE_MAP, F_MERKLE_STORE, N_FIELDS };
static const char *const field_names[N_FIELDS] = {
    "operand_stack", "advice_stack", "advice_map", "merkle_store",
};

typedef struct {
    const char *cmd, *path;
    const json_value_t *root;
    int given[N_FIELDS];             /* the field is in the file (possibly null) */
    const json_value_t *v[N_FIELDS]; /* its value; NULL when absent or null */
    int line[N_FIELDS], col[N_FIELDS]; /* where the field is named */
} inputs_file_t;

/* "fragtrace: CMD: PATH:LINE:COL: message" */
static int inputs_error(const inputs_file_t *in, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int inputs_error(const inputs_file_t *in, int line, int col, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_error(in->cmd, "%s:%d:%d: %s", in->path, line, col, msg);
    return -1;
}

/* serde's part: the type of field k's value, as InputFile declares it.
 * null stands for an absent Option field. */
static int check_field_type(inputs_file_t *in, int k, const json_value_t *v)
{
    const char *name = field_names[k];
    if (v->kind == JSON_NULL && k != F_OPERAND_STACK)
        return 0;
    switch (k) {
    case F_OPERAND_STACK:
    case F_ADVICE_STACK:
        if (v->kind != JSON_ARRAY)
            return inputs_error(in, v->line, v->col, "%s must be an array of decimal strings, "
                                "not %s", name, json_kind_name(v->kind));
        for (size_t i = 0; i < v->n; i++)
            if (v->items[i]->kind != JSON_STRING)
                return inputs_error(in, v->items[i]->line, v->items[i]->col,
                                    "%s: a value must be a decimal string (in quotes), not %s",
                                    name, json_kind_name(v->items[i]->kind));
        break;
    case F_ADVICE_MAP:
        if (v->kind != JSON_OBJECT)
            return inputs_error(in, v->line, v->col, "advice_map must be an object (key: array "
                                "of numbers), not %s", json_kind_name(v->kind));
        for (size_t i = 0; i < v->n; i++) {
            const json_value_t *vals = v->items[i];
            if (vals->kind != JSON_ARRAY)
                return inputs_error(in, vals->line, vals->col, "advice_map: a value must be an "
                                    "array of numbers, not %s", json_kind_name(vals->kind));
            for (size_t j = 0; j < vals->n; j++) {
                const json_value_t *e = vals->items[j];
                uint64_t x;
                if (json_u64(e, &x) != 0)
                    return inputs_error(in, e->line, e->col, "advice_map: %s%s is not a whole "
                                        "number from 0 to 2^64 - 1", e->kind == JSON_NUMBER ?
                                        "" : "a ", e->kind == JSON_NUMBER ? e->text :
                                        json_kind_name(e->kind));
            }
        }
        break;
    default:
        if (v->kind != JSON_ARRAY)
            return inputs_error(in, v->line, v->col, "merkle_store must be an array, not %s",
                                json_kind_name(v->kind));
        break;
    }
    return 0;
}

/* Find the fields: the object form (unknown fields ignored, a field given
 * twice rejected) or serde's array form of exactly four elements. */
static int find_fields(inputs_file_t *in)
{
    const json_value_t *root = in->root;
    if (root->kind == JSON_OBJECT) {
        for (size_t i = 0; i < root->n; i++) {
            int k = 0;
            while (k < N_FIELDS && !json_key_is(root, i, field_names[k]))
                k++;
            if (k == N_FIELDS)
                continue;
            const json_key_t *at = &root->key_info[i];
            if (in->given[k])
                return inputs_error(in, at->line, at->col, "duplicate field %s (first at %d:%d)",
                                    field_names[k], in->line[k], in->col[k]);
            in->given[k] = 1;
            in->line[k] = at->line;
            in->col[k] = at->col;
            if (check_field_type(in, k, root->items[i]) != 0)
                return -1;
            in->v[k] = root->items[i]->kind == JSON_NULL ? NULL : root->items[i];
        }
        if (!in->given[F_OPERAND_STACK])
            return inputs_error(in, root->line, root->col, "missing field operand_stack "
                                "(upstream's InputFile requires it; [] is the empty stack)");
        return 0;
    }
    if (root->kind == JSON_ARRAY) {
        for (size_t k = 0; k < root->n && k < N_FIELDS; k++) {
            const json_value_t *v = root->items[k];
            if (check_field_type(in, (int)k, v) != 0)
                return -1;
            in->given[k] = 1;
            in->line[k] = v->line;
            in->col[k] = v->col;
            in->v[k] = v->kind == JSON_NULL ? NULL : v;
        }
        if (root->n != N_FIELDS) {
            const json_value_t *at = root->n > N_FIELDS ? root->items[N_FIELDS] : root;
            return inputs_error(in, at->line, at->col, "an inputs array has exactly 4 elements "
                                "(operand_stack, advice_stack, advice_map, merkle_store), not "
                                "%zu", root->n);
        }
        return 0;
    }
    return inputs_error(in, root->line, root->col, "expected a JSON object with operand_stack, "
                        "not %s", json_kind_name(root->kind));
}

/* A stack string: decimal u64 as Rust's str::parse::<u64> reads it (an
 * optional '+', leading zeros allowed), then a felt below p. */
static int stack_list(inputs_file_t *in, int k, felt_list_t *out)
{
    const json_value_t *l = in->v[k];
    if (!l)
        return 0;
    felt_list_free(out);
    out->v = malloc((l->n ? l->n : 1) * sizeof *out->v);
    if (!out->v)
        return inputs_error(in, l->line, l->col, "out of memory");
    for (size_t i = 0; i < l->n; i++) {
        const json_value_t *e = l->items[i];
        const char *s = e->text;
        size_t n = e->len;
        if (n > 0 && s[0] == '+')
            s++, n--;
        const int st = felt_parse_dec(s, n, &out->v[i]);
        if (st != 0) {
            char buf[96];
            return inputs_error(in, e->line, e->col, "%s: \"%s\": %s", field_names[k],
                                cli_printable(e->text, e->len, buf, sizeof buf),
                                felt_parse_message(st));
        }
        out->n = i + 1;
    }
    return 0;
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* An advice-map key as miden-crypto's TryFrom<&str> for Word reads it: the
 * length (66 bytes) first, then the "0x" prefix, then every hex digit,
 * then each 8-byte little-endian element below p. */
static int map_key(inputs_file_t *in, size_t i, word_t *out)
{
    const json_value_t *map = in->v[F_ADVICE_MAP];
    const char *s = map->keys[i];
    const size_t len = map->key_info[i].len;
    const int line = map->key_info[i].line, col = map->key_info[i].col;
    char buf[96];
    const char *shown = cli_printable(s, len, buf, sizeof buf);
    if (len != 66)
        return inputs_error(in, line, col, "advice_map key \"%s\" is %zu bytes long, not 66 "
                            "(0x and 64 hex digits)", shown, len);
    if (s[0] != '0' || s[1] != 'x')
        return inputs_error(in, line, col, "advice_map key \"%s\" does not start with 0x", shown);
    for (size_t j = 2; j < len; j++)
        if (hex_value(s[j]) < 0)
            return inputs_error(in, line, col, "advice_map key \"%s\": character %zu is not a "
                                "hex digit", shown, j + 1);
    for (int k = 0; k < 4; k++) {
        uint64_t v = 0;
        for (int byte = 0; byte < 8; byte++) {
            const char *h = s + 2 + 16 * k + 2 * byte;
            v |= (uint64_t)(hex_value(h[0]) * 16 + hex_value(h[1])) << (8 * byte);
        }
        if (v >= FELT_P)
            return inputs_error(in, line, col, "advice_map key \"%s\": element %d (hex digits "
                                "%d-%d, little-endian) is %llu, not below the field modulus "
                                "18446744069414584321", shown, k, 1 + 16 * k, 16 + 16 * k,
                                (unsigned long long)v);
        out->v[k] = v;
    }
    return 0;
}

/* Sorting advice-map members by key string, then by position. */
typedef struct {
    const char *key;
    size_t len, member;
} key_ref_t;

static int key_ref_cmp(const void *x, const void *y)
{
    const key_ref_t *a = x, *b = y;
    const size_t n = a->len < b->len ? a->len : b->len;
    const int c = memcmp(a->key, b->key, n);
    if (c != 0)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return a->member < b->member ? -1 : a->member > b->member;
}

static int same_key(const key_ref_t *a, const key_ref_t *b)
{
    return a->len == b->len && !memcmp(a->key, b->key, a->len);
}

/* Sorting parsed entries by word, then by slot. */
typedef struct {
    word_t w;
    size_t slot;
} word_ref_t;

static int word_ref_cmp(const void *x, const void *y)
{
    const word_ref_t *a = x, *b = y;
    for (int k = 0; k < 4; k++)
        if (a->w.v[k] != b->w.v[k])
            return a->w.v[k] < b->w.v[k] ? -1 : 1;
    return a->slot < b->slot ? -1 : a->slot > b->slot;
}

static int same_values(const felt_list_t *a, const felt_list_t *b)
{
    return a->n == b->n && (a->n == 0 || !memcmp(a->v, b->v, a->n * sizeof *a->v));
}

/* The advice map. Upstream's HashMap<String, Vec<u64>> keeps the last of
 * members with the same key string (serde inserts in order); keys are then
 * turned into words, and two spellings of one word (hex case) collapse in
 * a BTreeMap in HashMap order, which is random: fragtrace rejects them
 * when their values differ and keeps one when they agree. */
static int advice_map(inputs_file_t *in, exec_args_t *a)
{
    const json_value_t *map = in->v[F_ADVICE_MAP];
    if (!map || map->n == 0)
        return 0;
    const size_t n = map->n;
    int rc = -1;
    key_ref_t *refs = malloc(n * sizeof *refs);
    unsigned char *keep = malloc(n);
    size_t *member_of = malloc(n * sizeof *member_of);
    word_ref_t *words = malloc(n * sizeof *words);
    a->map_keys = calloc(n, sizeof *a->map_keys);
    a->map_values = calloc(n, sizeof *a->map_values);
    if (!refs || !keep || !member_of || !words || !a->map_keys || !a->map_values) {
        inputs_error(in, map->line, map->col, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        refs[i] = (key_ref_t){ map->keys[i], map->key_info[i].len, i };
    qsort(refs, n, sizeof *refs, key_ref_cmp);
    /* The last member of each run of equal key strings is the one kept. */
    for (size_t i = 0; i < n; i++)
        keep[refs[i].member] = i + 1 == n || !same_key(&refs[i], &refs[i + 1]);
    for (size_t i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        const size_t slot = a->n_map;
        word_t w;
        if (map_key(in, i, &w) != 0)
            goto out;
        const json_value_t *vals = map->items[i];
        felt_list_t *l = &a->map_values[slot];
        l->v = malloc((vals->n ? vals->n : 1) * sizeof *l->v);
        a->map_keys[slot] = w;
        member_of[slot] = i;
        a->n_map = slot + 1;
        if (!l->v) {
            inputs_error(in, vals->line, vals->col, "out of memory");
            goto out;
        }
        for (size_t j = 0; j < vals->n; j++) {
            const json_value_t *e = vals->items[j];
            uint64_t x = 0;
            json_u64(e, &x); /* checked with the types */
            if (x >= FELT_P) {
                inputs_error(in, e->line, e->col, "advice_map value %s is not below the field "
                             "modulus 18446744069414584321", e->text);
                goto out;
            }
            l->v[j] = x;
            l->n = j + 1;
        }
    }
    for (size_t s = 0; s < a->n_map; s++)
        words[s] = (word_ref_t){ a->map_keys[s], s };
    qsort(words, a->n_map, sizeof *words, word_ref_cmp);
    for (size_t s = 0; s < n; s++)
        keep[s] = 1;
    for (size_t i = 1; i < a->n_map; i++) {
        if (memcmp(&words[i].w, &words[i - 1].w, sizeof(word_t)) != 0)
            continue;
        const size_t first = words[i - 1].slot, later = words[i].slot;
        if (!same_values(&a->map_values[first], &a->map_values[later])) {
            const json_key_t *k1 = &map->key_info[member_of[first]];
            const json_key_t *k2 = &map->key_info[member_of[later]];
            inputs_error(in, k2->line, k2->col, "advice_map: this key and the one at %d:%d are "
                         "the same word with different values", k1->line, k1->col);
            goto out;
        }
        keep[later] = 0;
        words[i].slot = first; /* a third spelling compares with the kept one */
    }
    size_t m = 0;
    for (size_t s = 0; s < a->n_map; s++) {
        if (!keep[s]) {
            felt_list_free(&a->map_values[s]);
            continue;
        }
        a->map_keys[m] = a->map_keys[s];
        a->map_values[m++] = a->map_values[s];
    }
    a->n_map = m;
    rc = 0;
out:
    free(refs);
    free(keep);
    free(member_of);
    free(words);
    return rc;
}

/* The merkle_store: its entries, and their trees' inner nodes in a store
 * that program_prepare copies into each VM's advice provider. */
static int merkle_store_input(inputs_file_t *in, const json_value_t *v, exec_args_t *a)
{
    char err[512];
    int line = 0, col = 0;
    a->merkle_store = malloc(sizeof *a->merkle_store);
    if (!a->merkle_store)
        return inputs_error(in, v->line, v->col, "out of memory");
    merkle_store_init(a->merkle_store);
    if (merkle_inputs_read(v, a->merkle_store, &a->merkle, &a->n_merkle, &line, &col, err,
                           sizeof err) != 0)
        return inputs_error(in, line, col, "%s", err);
    return 0;
}

/* Read a->inputs. given: the options on the command line, so that a value
 * given both there and in the file is reported with both sources. */
static int load_inputs(const char *cmd, exec_args_t *a, unsigned given)
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
    inputs_file_t in;
    memset(&in, 0, sizeof in);
    in.cmd = cmd;
    in.path = a->inputs;
    in.root = root;
    int rc = find_fields(&in);
    if (rc == 0 && (given & OPT_STACK)) {
        cli_error(cmd, "the operand stack is given twice: by --stack and by %s:%d:%d "
                  "(operand_stack)", a->inputs, in.line[F_OPERAND_STACK], in.col[F_OPERAND_STACK]);
        rc = -1;
    }
    if (rc == 0 && (given & OPT_ADVICE_STACK) && in.v[F_ADVICE_STACK]) {
        cli_error(cmd, "the advice stack is given twice: by --advice-stack and by %s:%d:%d "
                  "(advice_stack)", a->inputs, in.line[F_ADVICE_STACK], in.col[F_ADVICE_STACK]);
        rc = -1;
    }
    if (rc == 0)
        rc = stack_list(&in, F_OPERAND_STACK, &a->stack);
    if (rc == 0 && a->stack.n > STACK_TOP) {
        const json_value_t *l = in.v[F_OPERAND_STACK];
        rc = inputs_error(&in, l->line, l->col, "operand_stack has %zu values; at most 16 are "
                          "allowed", a->stack.n);
    }
    if (rc == 0)
        rc = stack_list(&in, F_ADVICE_STACK, &a->advice);
    if (rc == 0)
        rc = advice_map(&in, a);
    const json_value_t *store = in.v[F_MERKLE_STORE];
    if (rc == 0 && store && store->n > 0)
        rc = merkle_store_input(&in, store, a);
    json_free(root);
    return rc;
}

/* ---- the command line -------------------------------------------------- */

/* A whole number from lo to hi, or -1 after printing the error. */
static int whole_number(const char *cmd, const char *opt, const char *t, uint64_t lo, uint64_t hi,
                        const char *hi_text, uint64_t *out)
{
    felt_t v;
    if (felt_parse_dec(t, strlen(t), &v) != 0 || v < lo || v > hi) {
        cli_error(cmd, "%s: expected a whole number from %llu to %s, got '%s'", opt,
                  (unsigned long long)lo, hi_text, t);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_args(const char *cmd, int argc, char **argv, exec_args_t *a, unsigned allowed)
{
    char err[512];
    memset(a, 0, sizeof *a);
    a->max_cycles = MAX_CYCLES_DEFAULT;
    a->fragment = 4096;
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    a->threads = cpus > 0 ? (unsigned)cpus : 1;
    unsigned given = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const option_t *opt = NULL;
        for (size_t k = 0; k < N_OPTIONS && !opt; k++)
            if (!strcmp(o, options[k].name))
                opt = &options[k];
        if (!opt && o[0] == '-' && o[1] != '\0') {
            cli_error(cmd, "unknown option '%s' (try 'fragtrace %s --help')", o, cmd);
            return -1;
        }
        if (!opt) {
            if (a->file) {
                cli_error(cmd, "expected one FILE (got '%s' and '%s')", a->file, o);
                return -1;
            }
            a->file = o;
            continue;
        }
        if (!(allowed & opt->bit)) {
            cli_error(cmd, "%s does not apply to %s (try 'fragtrace %s --help')", o, cmd, cmd);
            return -1;
        }
        if ((given & opt->bit) && !(opt->bit & OPT_REPEATABLE)) {
            cli_error(cmd, "%s is given twice", o);
            return -1;
        }
        given |= opt->bit;
        if (opt->has_value && i + 1 >= argc) {
            cli_error(cmd, "%s needs a value (try 'fragtrace %s --help')", o, cmd);
            return -1;
        }
        const char *val = opt->has_value ? argv[++i] : NULL;
        uint64_t n;
        switch (opt->bit) {
        case OPT_STACK:
        case OPT_ADVICE_STACK:
            a->has_inputs = 1;
            if (felt_list_parse(val, o + 2, opt->bit == OPT_STACK ? &a->stack : &a->advice, err,
                                sizeof err) != 0) {
                cli_error(cmd, "%s", err);
                return -1;
            }
            break;
        case OPT_LIB:
            if (!*val) {
                cli_error(cmd, "%s: the path is empty", o);
                return -1;
            }
            if (a->n_libs >= EXEC_MAX_LIBS) {
                cli_error(cmd, "--lib: at most %d libraries", EXEC_MAX_LIBS);
                return -1;
            }
            a->libs[a->n_libs++] = val;
            break;
        case OPT_INPUTS:
        case OPT_OUT:
        case OPT_FROM_CONTEXTS:
        case OPT_RESULT:
            if (!*val) {
                cli_error(cmd, "%s: the path is empty", o);
                return -1;
            }
            if (opt->bit == OPT_INPUTS)
                a->has_inputs = 1, a->inputs = val;
            else if (opt->bit == OPT_OUT)
                a->out = val;
            else if (opt->bit == OPT_RESULT)
                a->result = val;
            else
                a->from_contexts = val;
            break;
        case OPT_MAX_CYCLES:
            if (whole_number(cmd, o, val, 64, MAX_CYCLES_DEFAULT, "2^29", &a->max_cycles) != 0)
                return -1;
            break;
        case OPT_FRAGMENT:
            if (whole_number(cmd, o, val, 1, UINT64_C(1) << 32, "2^32", &a->fragment) != 0)
                return -1;
            break;
        case OPT_THREADS:
            if (whole_number(cmd, o, val, 1, 256, "256", &n) != 0)
                return -1;
            a->threads = (unsigned)n;
            break;
        case OPT_SEQUENTIAL:
            a->sequential = 1;
            break;
        case OPT_ALL_FRAGMENTS:
            a->all_fragments = 1;
            break;
        case OPT_QUIET:
            a->quiet = 1;
            break;
        default: /* OPT_FORMAT */
            if (!strcmp(val, "csv") || !strcmp(val, "bin")) {
                a->binary = !strcmp(val, "bin");
            } else {
                cli_error(cmd, "--format: expected csv or bin, got '%s'", val);
                return -1;
            }
            break;
        }
    }
    if (!a->file) {
        cli_error(cmd, "missing FILE (try 'fragtrace %s --help')", cmd);
        return -1;
    }
    for (size_t k = 0; k < sizeof option_conflicts / sizeof option_conflicts[0]; k++)
        if ((given & option_conflicts[k].a) && (given & option_conflicts[k].b)) {
            cli_error(cmd, "%s and %s cannot be given together: %s",
                      option_name(option_conflicts[k].a), option_name(option_conflicts[k].b),
                      option_conflicts[k].why);
            return -1;
        }
    if (a->stack.n > STACK_TOP) {
        cli_error(cmd, "--stack: at most 16 stack inputs are allowed (got %zu)", a->stack.n);
        return -1;
    }
    if (a->inputs && load_inputs(cmd, a, given) != 0)
        return -1;
    return 0;
}

/* ---- the program --------------------------------------------------------- */

/* Load the program and its libraries and prepare the VM; returns NULL
 * after printing an error. */
vm_t *program_prepare(const char *cmd, exec_args_t *a, mast_forest_t *f)
{
    char err[1024];
    mast_advice_map_t map = { NULL, NULL, 0 };
    mast_forest_init(f);
    if (mast_load_file(a->file, f, &map, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    for (unsigned i = 0; i < a->n_libs; i++)
        if (mast_load_library(a->libs[i], i, f, &map, err, sizeof err) != 0) {
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
        mast_advice_map_free(&map);
        return NULL;
    }
    vm->max_cycles = a->max_cycles;
    /* The inputs file's advice map, then the one the program and its
       libraries carry (upstream extends the advice provider's map with the
       program's): load_inputs leaves one entry per word, so a conflict is a
       key of the files that --inputs gives with other values. */
    const char *conflict = NULL;
    for (size_t i = 0; i < a->n_map && !conflict; i++)
        if (advice_map_insert(&vm->adv, a->map_keys[i], a->map_values[i].v, a->map_values[i].n)
            != 0)
            conflict = a->inputs;
    for (size_t i = 0; i < map.n && !conflict; i++)
        if (advice_map_insert(&vm->adv, map.keys[i], map.values[i].v, map.values[i].n) != 0)
            conflict = a->file;
    mast_advice_map_free(&map);
    const int oom = !conflict && a->merkle_store &&
                    merkle_store_extend(&vm->adv.store, a->merkle_store) != 0;
    if (conflict || oom) {
        if (oom)
            cli_error(cmd, "out of memory");
        else
            cli_error(cmd, "%s: advice_map: a key is given twice with different values",
                      conflict);
        vm_free(vm);
        free(vm);
        mast_forest_free(f);
        return NULL;
    }
    return vm;
}

/* Release what program_prepare() made. */
void program_release(vm_t *vm, mast_forest_t *f)
{
    vm_free(vm);
    free(vm);
    mast_forest_free(f);
}

/* Parse the command's arguments and program and prepare the VM; NULL after
 * printing the error (a is then already freed). */
vm_t *program_open(const char *cmd, int argc, char **argv, int is_trace, exec_args_t *a,
                   mast_forest_t *f)
{
    vm_t *vm = NULL;
    if (parse_args(cmd, argc, argv, a, allowed_options(cmd, is_trace)) == 0)
        vm = program_prepare(cmd, a, f);
    if (!vm)
        exec_args_free(a);
    return vm;
}

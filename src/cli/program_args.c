/*
 * program_args.c - options and program opening shared by run, trace,
 * check, contexts and bench (program_args.h).
 */
#include "program_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "field/felt_text.h"
#include "io/file.h"
#include "io/json.h"
#include "mast/parse.h"

void exec_args_free(exec_args_t *a)
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
vm_t *program_prepare(const char *cmd, exec_args_t *a, mast_forest_t *f)
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
    if (parse_args(cmd, argc, argv, a, is_trace) == 0)
        vm = program_prepare(cmd, a, f);
    if (!vm)
        exec_args_free(a);
    return vm;
}


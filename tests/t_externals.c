/*
 * t_externals.c - EXTERNAL nodes are resolved once, when the forest is
 * built: each keeps the node it stands for, a missing digest keeps no node
 * and fails only when executed.
 */
#include "tap.h"
#include "exec/exec.h"
#include "exec/vm.h"
#include "mast/parse.h"

/* The first EXTERNAL node of the forest, or MAST_NO_NODE. */
static uint32_t first_external(const mast_forest_t *f)
{
    for (uint32_t i = 0; i < f->n_nodes; i++)
        if (f->nodes[i].kind == NODE_EXTERNAL)
            return i;
    return MAST_NO_NODE;
}

static int parse(const char *text, mast_forest_t *f)
{
    char err[256];
    mast_forest_init(f);
    if (mast_parse("t", text, strlen(text), f, err, sizeof err) != 0) {
        tap_diag("%s", err);
        return -1;
    }
    return 0;
}

/* Run TEXT in fast mode; the exit status of vm_run and s0 afterwards. */
static int run(const mast_forest_t *f, felt_t *s0, char *msg, size_t msg_len)
{
    vm_t *vm = malloc(sizeof *vm);
    if (!vm)
        return -2;
    vm_init(vm, f, "t", NULL, 0, NULL, 0);
    const int rc = vm_run(vm, NULL);
    if (rc != 0)
        vm_format_error(vm, msg, msg_len);
    else
        *s0 = OPSTACK_S(&vm->stack)[0];
    vm_free(vm);
    free(vm);
    return rc;
}

int main(void)
{
    tap_plan(7);
    mast_forest_t f;
    char msg[512] = "";
    felt_t s0 = 0;

    /* A library procedure reached through external: resolved to its root. */
    if (parse("library.seven basic_block push(7) swap drop end end "
              "begin join basic_block pad drop end external.seven end end", &f) == 0) {
        const uint32_t ext = first_external(&f);
        const long lib = mast_find_proc_named(&f, "seven", 5);
        tap_ok(ext != MAST_NO_NODE && lib >= 0 && f.nodes[ext].child[0] == f.procs[lib].node,
               "external.seven resolved to the library procedure's root when parsed");
        const int rc = run(&f, &s0, msg, sizeof msg);
        tap_ok(rc == 0 && s0 == 7, "and runs it (s0 = %llu) %s",
               (unsigned long long)s0, msg);
        mast_forest_free(&f);
    } else {
        tap_ok(0, "parse library program");
        tap_ok(0, "run library program");
    }

    /* A digest no procedure has: no node, and no error while not executed. */
    const char *missing = "begin join basic_block push(0) end if.true external."
                          "0x0100000000000000000000000000000000000000000000000000000000000000"
                          " else basic_block push(5) swap drop "
                          "end end end end";
    if (parse(missing, &f) == 0) {
        const uint32_t ext = first_external(&f);
        tap_ok(ext != MAST_NO_NODE && f.nodes[ext].child[0] == MAST_NO_NODE,
               "a missing digest resolves to no node");
        const int rc = run(&f, &s0, msg, sizeof msg);
        tap_ok(rc == 0 && s0 == 5,
               "an external never executed is no error (s0 = %llu) %s", (unsigned long long)s0, msg);
        mast_forest_free(&f);
    } else {
        tap_ok(0, "parse missing program");
        tap_ok(0, "run missing program");
    }

    /* Executed, it fails with the digest named and the clock cycle. */
    const char *reached = "begin join basic_block push(1) end if.true external."
                          "0x0100000000000000000000000000000000000000000000000000000000000000"
                          " else basic_block "
                          "push(5) swap drop end end end end";
    if (parse(reached, &f) == 0) {
        const int rc = run(&f, &s0, msg, sizeof msg);
        tap_ok(rc != 0, "an executed missing external fails");
        tap_ok(strstr(msg, "'external': no procedure with digest 0x01000000") != NULL &&
                   strstr(msg, "clk ") != NULL,
               "naming the digest and the clock cycle: %s", msg);
        mast_forest_free(&f);
    } else {
        tap_ok(0, "parse reached program");
        tap_ok(0, "run reached program");
    }

    /* The entry's own digest resolves to the entry (mast_resolve_digest). */
    if (parse("begin basic_block push(3) end end", &f) == 0) {
        tap_ok(mast_resolve_digest(&f, mast_program_hash(&f)) == (long)f.entry,
               "the program hash resolves to the entry");
        mast_forest_free(&f);
    } else {
        tap_ok(0, "parse entry program");
    }
    return tap_done();
}

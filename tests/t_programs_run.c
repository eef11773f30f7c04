/*
 * t_programs_run.c - every program in vectors/programs/ runs to completion
 * with the inputs its header gives (`# stack:`, `# advice:`); the programs
 * check their own results with assert. Programs that use an operation of
 * the crypto issue are skipped and counted.
 */
#include <dirent.h>

#include "tap.h"
#include "program_header.h"
#include "run_cmd.h"

static const char *const deferred_ops[] = {
    "mpverify", "mrupdate", "frie2f4", "horner_eval_base", "horner_eval_ext",
    "eval_circuit", "log_precompile", "emit",
};


static int uses_deferred(const char *text)
{
    for (size_t k = 0; k < sizeof deferred_ops / sizeof deferred_ops[0]; k++) {
        const char *p = text;
        const size_t l = strlen(deferred_ops[k]);
        while ((p = strstr(p, deferred_ops[k])) != NULL) {
            const int starts = p == text || p[-1] == ' ' || p[-1] == '\n';
            const int ends = p[l] == ' ' || p[l] == '\n' || p[l] == '(';
            /* skip comment lines */
            const char *line = p;
            while (line > text && line[-1] != '\n')
                line--;
            if (starts && ends && *line != '#')
                return 1;
            p += l;
        }
    }
    return 0;
}

int main(void)
{
    tap_plan(1);
    DIR *d = opendir("vectors/programs");
    if (!d) {
        tap_ok(0, "vectors/programs is missing");
        return tap_done();
    }
    struct dirent *e;
    int ran = 0, good = 0, skipped = 0;
    char path[512], stack[4096], advice[8192];
    while ((e = readdir(d)) != NULL) {
        const size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".masm") != 0)
            continue;
        snprintf(path, sizeof path, "vectors/programs/%s", e->d_name);
        FILE *f = fopen(path, "r");
        char text[1 << 16];
        const size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
        if (uses_deferred(text)) {
            skipped++;
            tap_diag("skipped (uses an operation of the crypto issue): %s", e->d_name);
            continue;
        }
        program_header(text, "stack", stack, sizeof stack);
        program_header(text, "advice", advice, sizeof advice);
        const char *args[8];
        int k = 0;
        args[k++] = "run";
        args[k++] = path;
        if (stack[0]) { args[k++] = "--stack"; args[k++] = stack; }
        if (advice[0]) { args[k++] = "--advice-stack"; args[k++] = advice; }
        args[k] = NULL;
        run_result_t r = run_fragtrace(args);
        ran++;
        if (r.status == 0)
            good++;
        else
            tap_diag("%s: exit %d: %s", e->d_name, r.status, r.err);
        run_free(&r);
    }
    closedir(d);
    tap_ok(ran >= 40 && good == ran, "%d/%d programs run to completion (%d skipped)", good, ran,
           skipped);
    return tap_done();
}

/*
 * t_programs_run.c - every program in vectors/programs/ (OWN_PROGRAMS of
 * them, pinned in shared_vectors.h) runs to completion with the inputs its
 * header gives (`# stack:`, `# advice:`, `# inputs:`); the programs check their own
 * results with assert. None is skipped: none uses an operation of the
 * crypto issue.
 */
#include <dirent.h>

#include "tap.h"
#include "program_header.h"
#include "run_cmd.h"
#include "shared_vectors.h"

int main(void)
{
    tap_plan(1);
    DIR *d = opendir("vectors/programs");
    if (!d) {
        tap_ok(0, "vectors/programs is missing");
        return tap_done();
    }
    struct dirent *e;
    int found = 0, good = 0;
    char path[512], stack[4096], advice[8192], inputs[1024];
    while ((e = readdir(d)) != NULL) {
        const size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".masm") != 0)
            continue;
        snprintf(path, sizeof path, "vectors/programs/%s", e->d_name);
        found++;
        char *text = slurp_file(path, NULL);
        if (!text) {
            tap_diag("%s: cannot read", path);
            continue;
        }
        program_header(text, "stack", stack, sizeof stack);
        program_header(text, "advice", advice, sizeof advice);
        program_header_inputs(text, "vectors/programs", inputs, sizeof inputs);
        const char *args[10];
        int k = 0;
        args[k++] = "run";
        args[k++] = path;
        if (stack[0]) { args[k++] = "--stack"; args[k++] = stack; }
        if (advice[0]) { args[k++] = "--advice-stack"; args[k++] = advice; }
        if (inputs[0]) { args[k++] = "--inputs"; args[k++] = inputs; }
        args[k] = NULL;
        free(text);
        run_result_t r = run_fragtrace(args);
        if (r.status == 0)
            good++;
        else
            tap_diag("%s: exit %d: %s", e->d_name, r.status, r.err);
        run_free(&r);
    }
    closedir(d);
    tap_ok(found == OWN_PROGRAMS && good == found,
           "%d/%d programs run to completion (%d found, %d expected)", good, OWN_PROGRAMS, found,
           OWN_PROGRAMS);
    return tap_done();
}

/*
 * t_trace_csv.c - the CSV trace reader: a good file, and positioned errors.
 */
#include "tap.h"
#include <unistd.h>

#include "io/trace_csv.h"
#include "tmpdir.h"

/* The test's own directory (tmpdir.h), made in main. */
static test_dir_t dir;

static const char *write_tmp(const char *content)
{
    static char path[600];
    return test_dir_write(&dir, "t.csv", content, strlen(content), path, sizeof path);
}

struct bad { const char *text; const char *message; };
static const struct bad bad[] = {
    { "1,2,3\n4,5\n", ":2: 2 columns, expected 3" },
    { "1,2,3\n4,5,6,7\n", ":2:7: more than 3 columns" },
    { "1,2,3", ":1:6: last line does not end in a newline" },
    { "1,x,3\n", ":1:3: column 1: not a decimal number" },
    { "1,,3\n", ":1:3: column 1: empty value" },
    { "1,2,18446744069414584321\n", ":1:5: column 2: value is not below" },
    { "", ": empty trace" },
};
#define N_BAD (int)(sizeof bad / sizeof bad[0])

int main(void)
{
    tap_plan(3 + N_BAD);
    test_dir_make(&dir);
    char err[512];
    csv_trace_t t;
    const char *path = write_tmp("1,2,3\n18446744069414584320,0,7\n");
    tap_ok(trace_csv_read(path, 3, &t, err, sizeof err) == 0 && t.rows == 2 &&
           t.cells[3] == FELT_P - 1 && t.cells[5] == 7, "reads a 2x3 trace");
    trace_csv_free(&t);
    tap_ok(trace_csv_read("/nonexistent/x.csv", 3, &t, err, sizeof err) == -1 &&
           strstr(err, "/nonexistent/x.csv: cannot open"), "missing file names the path");
    path = write_tmp("1,2,3\n");
    tap_ok(trace_csv_read(path, 4, &t, err, sizeof err) == -1 && strstr(err, "3 columns, expected 4"),
           "width is checked");
    for (int i = 0; i < N_BAD; i++) {
        path = write_tmp(bad[i].text);
        const int rc = trace_csv_read(path, 3, &t, err, sizeof err);
        if (!tap_ok(rc == -1 && strstr(err, bad[i].message) && t.cells == NULL, "rejects: %s",
                    bad[i].message))
            tap_diag("error was: %s", err);
    }
    test_dir_remove(&dir);
    return tap_done();
}

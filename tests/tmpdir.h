/*
 * tmpdir.h - a private temporary directory for one test program.
 *
 * Tests are guests on the machine: every file they write lives in a
 * directory made with mkdtemp under $TMPDIR (else /tmp) and removed,
 * with everything in it, when the test ends.
 */
#ifndef FRAGTRACE_TESTS_TMPDIR_H
#define FRAGTRACE_TESTS_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char path[512];
} test_dir_t;

/* Make the directory; aborts the test if it cannot (nothing to test then). */
static void test_dir_make(test_dir_t *d) __attribute__((unused));
static void test_dir_make(test_dir_t *d)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    snprintf(d->path, sizeof d->path, "%s/fragtrace-test-XXXXXX", base);
    if (!mkdtemp(d->path)) {
        printf("Bail out! cannot make a temporary directory under %s\n", base);
        exit(1);
    }
}

/* d->path + "/" + name into buf. */
static const char *test_dir_file(const test_dir_t *d, const char *name, char *buf, size_t len)
    __attribute__((unused));
static const char *test_dir_file(const test_dir_t *d, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", d->path, name);
    return buf;
}

/* Write n bytes of data to the file name in d; its path goes to buf.
 * Aborts the test if it cannot. */
static const char *test_dir_write(const test_dir_t *d, const char *name, const void *data,
                                  size_t n, char *buf, size_t len) __attribute__((unused));
static const char *test_dir_write(const test_dir_t *d, const char *name, const void *data,
                                  size_t n, char *buf, size_t len)
{
    test_dir_file(d, name, buf, len);
    FILE *f = fopen(buf, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        printf("Bail out! cannot write %s\n", buf);
        exit(1);
    }
    return buf;
}

/* Remove path and, for a directory, what is in it (links are removed,
 * never followed). */
static void test_rm_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *dir = opendir(path);
        struct dirent *e;
        while (dir && (e = readdir(dir)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[1024];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            test_rm_tree(sub);
        }
        if (dir)
            closedir(dir);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void test_dir_remove(test_dir_t *d) __attribute__((unused));
static void test_dir_remove(test_dir_t *d)
{
    test_rm_tree(d->path);
}

#endif

/*
 * t_sha256.c - SHA-256: the FIPS 180-4 / NIST examples, incremental
 * updates against one shot, and agreement with the sha256sum program.
 */
#include "tap.h"
#include "tmpdir.h"
#include "util/sha256.h"

static test_dir_t dir;

/* The sha256sum of each of n files (paths[i]), by one run of the program;
 * returns how many digests were read. */
static int sha256sum_files(char paths[][600], int n, char (*out)[65])
{
    size_t cap = 64;
    for (int i = 0; i < n; i++)
        cap += strlen(paths[i]) + 3;
    char *cmd = malloc(cap);
    if (!cmd)
        return 0;
    size_t k = (size_t)snprintf(cmd, cap, "sha256sum");
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(cmd + k, cap - k, " '%s'", paths[i]);
    FILE *p = popen(cmd, "r");
    free(cmd);
    if (!p)
        return 0;
    int got = 0;
    char line[1200];
    while (got < n && fgets(line, sizeof line, p)) {
        if (strlen(line) < 64)
            break;
        memcpy(out[got], line, 64);
        out[got][64] = '\0';
        got++;
    }
    pclose(p);
    return got;
}

int main(void)
{
    tap_plan(4 + 2 + 2 + 1);
    test_dir_make(&dir);
    char hex[65];

    static const struct { const char *msg, *want; } fips[] = {
        { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
    };
    for (int i = 0; i < 3; i++) {
        sha256_buffer_hex(fips[i].msg, strlen(fips[i].msg), hex);
        if (!tap_ok(!strcmp(hex, fips[i].want), "FIPS vector \"%.16s\"%s", fips[i].msg,
                    strlen(fips[i].msg) > 16 ? "..." : ""))
            tap_diag("got %s", hex);
    }
    /* One million 'a', fed in uneven pieces. */
    {
        char a[1024]; /* pieces are at most 1003 bytes */
        memset(a, 'a', sizeof a);
        sha256_ctx_t c;
        uint8_t d[32];
        sha256_init(&c);
        size_t left = 1000000, piece = 1;
        while (left > 0) {
            const size_t n = piece < left ? piece : left;
            sha256_update(&c, a, n);
            left -= n;
            piece = piece % 997 + 7;
        }
        sha256_final(&c, d);
        sha256_hex(d, hex);
        if (!tap_ok(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
                    "one million 'a'"))
            tap_diag("got %s", hex);
    }

    /* Incremental: a 130-byte message split in two at every offset, and fed
     * byte by byte, against the one-shot digest. */
    {
        uint8_t msg[130];
        uint64_t st = tap_seed();
        for (size_t i = 0; i < sizeof msg; i++)
            msg[i] = (uint8_t)tap_rand(&st);
        char one[65];
        sha256_buffer_hex(msg, sizeof msg, one);
        int bad = 0;
        for (size_t k = 0; k <= sizeof msg; k++) {
            sha256_ctx_t c;
            uint8_t d[32];
            sha256_init(&c);
            sha256_update(&c, msg, k);
            sha256_update(&c, msg + k, sizeof msg - k);
            sha256_final(&c, d);
            sha256_hex(d, hex);
            if (strcmp(hex, one)) {
                if (!bad)
                    tap_diag("split at %zu: %s, one shot %s", k, hex, one);
                bad++;
            }
        }
        tap_ok(bad == 0, "update split at every offset 0..130 = one shot (%d differ)", bad);
        sha256_ctx_t c;
        uint8_t d[32];
        sha256_init(&c);
        for (size_t i = 0; i < sizeof msg; i++)
            sha256_update(&c, msg + i, 1);
        sha256_update(&c, msg, 0);
        sha256_final(&c, d);
        sha256_hex(d, hex);
        tap_ok(!strcmp(hex, one), "byte-by-byte updates = one shot");
    }

    /* sha256sum: a random 100000-byte file, and every length 0..130 (the
     * padding's one- and two-block cases). */
    {
        enum { BIG = 100000, NLEN = 131 };
        unsigned char *big = malloc(BIG);
        uint64_t st = 42;
        for (size_t i = 0; i < BIG; i++)
            big[i] = (unsigned char)(tap_rand(&st) >> 7);
        static char paths[NLEN + 1][600];
        static char want[NLEN + 1][65];
        test_dir_write(&dir, "big.bin", big, BIG, paths[0], sizeof paths[0]);
        for (int n = 0; n < NLEN; n++) {
            char name[32];
            snprintf(name, sizeof name, "len%d.bin", n);
            test_dir_write(&dir, name, big + 1000, (size_t)n, paths[n + 1], sizeof paths[n + 1]);
        }
        const int got = sha256sum_files(paths, NLEN + 1, want);
        if (got != NLEN + 1) {
            tap_ok(0, "sha256sum ran (read %d of %d digests)", got, NLEN + 1);
            tap_ok(0, "sha256sum of lengths 0..130");
        } else {
            sha256_buffer_hex(big, BIG, hex);
            if (!tap_ok(!strcmp(hex, want[0]), "random 100000-byte file = sha256sum"))
                tap_diag("got %s, sha256sum %s", hex, want[0]);
            int bad = 0;
            for (int n = 0; n < NLEN; n++) {
                sha256_buffer_hex(big + 1000, (size_t)n, hex);
                if (strcmp(hex, want[n + 1])) {
                    if (!bad)
                        tap_diag("length %d: %s, sha256sum %s", n, hex, want[n + 1]);
                    bad++;
                }
            }
            tap_ok(bad == 0, "every length 0..130 = sha256sum (%d differ)", bad);
        }
        free(big);
    }

    /* The context is reusable after sha256_init. */
    {
        sha256_ctx_t c;
        uint8_t d[32];
        sha256_init(&c);
        sha256_update(&c, "junk", 4);
        sha256_final(&c, d);
        sha256_init(&c);
        sha256_update(&c, "abc", 3);
        sha256_final(&c, d);
        sha256_hex(d, hex);
        tap_ok(!strcmp(hex, fips[1].want), "sha256_init resets a used context");
    }

    test_dir_remove(&dir);
    return tap_done();
}

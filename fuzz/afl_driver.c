/*
 * afl_driver.c - AFL++ persistent-mode entry point for a harness
 * (harness.h). Built with afl-clang-fast by `make fuzz`; threads are only
 * started inside fuzz_one, after __AFL_INIT.
 */
#include <unistd.h>

#include "harness.h"

__AFL_FUZZ_INIT();

int main(void)
{
    fuzz_init();
    __AFL_INIT();
    const unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(10000)) {
        const size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
        fuzz_one(buf, len);
    }
    return 0;
}

/* fuzz_common.h - shared helpers for the libFuzzer targets in tests/fuzz/.
 *
 * Built with clang -fsanitize=fuzzer,address,undefined against the glibc
 * -dev packages (see tests/fuzz/run.sh).  Invariant violations call
 * FUZZ_ASSERT, which prints the reason and aborts so libFuzzer saves the
 * input as a crash.
 */
#ifndef SBC_FUZZ_COMMON_H
#define SBC_FUZZ_COMMON_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(cond, ...)                                                   \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "FUZZ INVARIANT FAILED %s:%d: %s: ", __FILE__,        \
                    __LINE__, #cond);                                            \
            fprintf(stderr, __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                 \
            abort();                                                             \
        }                                                                        \
    } while (0)

/* A NUL-terminated copy of data[0..n) (embedded NULs end the string). */
static inline char *fuzz_cstr(const uint8_t *data, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, data, n);
    s[n] = 0;
    return s;
}

/* A tiny cursor over the input for structured harnesses. */
typedef struct fuzz_in {
    const uint8_t *p;
    size_t n;
} fuzz_in;

static inline unsigned fuzz_byte(fuzz_in *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

#endif

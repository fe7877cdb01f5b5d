/* unit.h - a tiny unit-test framework.  Each file in tests/unit/ defines
 *   TEST(name) { CHECK(cond); CHECK_STR(a, b); ... }
 * and the tests register themselves (constructor); unit_main.c runs them all
 * (or those whose name contains argv[1]) and prints "ok"/"FAIL" lines and a
 * final "N passed, N failed". */
#ifndef SBC_UNIT_H
#define SBC_UNIT_H
#include <stdio.h>
#include <string.h>

typedef void (*unit_fn)(void);
void unit_register(const char *name, unit_fn fn);
extern int unit_failed_checks;

#define TEST(name) \
    static void test_##name(void); \
    __attribute__((constructor)) static void reg_##name(void) { unit_register(#name, test_##name); } \
    static void test_##name(void)

#define CHECK(c) do { if (!(c)) { unit_failed_checks++; \
    fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
    if (!a_ || !b_ || strcmp(a_, b_)) { unit_failed_checks++; \
    fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } } while (0)
#define CHECK_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
    if (a_ != b_) { unit_failed_checks++; \
    fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, b_); } } while (0)

/* A fresh temporary directory for the test (removed at exit by the runner). */
const char *unit_tmpdir(void);

#endif

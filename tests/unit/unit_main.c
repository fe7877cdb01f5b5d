#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "base/io.h"
#include "unit.h"

static struct { const char *name; unit_fn fn; } tests[512];
static int ntests;
int unit_failed_checks;
static char tmpdir[256];

void unit_register(const char *name, unit_fn fn)
{
    if (ntests < (int)(sizeof tests / sizeof tests[0]))
        { tests[ntests].name = name; tests[ntests++].fn = fn; }
}

const char *unit_tmpdir(void)
{
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "%s/sbc-unit-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            exit(2);
        }
    }
    return tmpdir;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (int i = 0; i < ntests; i++) {
        if (argc > 1 && !strstr(tests[i].name, argv[1]))
            continue;
        int before = unit_failed_checks;
        tests[i].fn();
        if (unit_failed_checks == before) {
            passed++;
            printf("ok %s\n", tests[i].name);
        } else {
            failed++;
            printf("FAIL %s\n", tests[i].name);
        }
        fflush(stdout);
    }
    if (tmpdir[0])
        sbc_rm_rf(AT_FDCWD, tmpdir, NULL);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

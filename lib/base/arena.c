/* arena.c - a pre-faulted bump arena in front of malloc (see arena.h). */
#include "base/arena.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#ifdef SBC_ARENA
void *__real_malloc(size_t n);
void __real_free(void *p);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);

static char *a_base;
static size_t a_size, a_off; /* a_off: atomic, may run past a_size */

int sbc_arena_init(size_t size)
{
    if (a_base)
        return 0;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    a_size = size;
    __atomic_store_n(&a_base, (char *)p, __ATOMIC_RELEASE);
    return 0;
}

size_t sbc_arena_used(void)
{
    size_t o = __atomic_load_n(&a_off, __ATOMIC_RELAXED);
    return o < a_size ? o : a_size;
}

static int in_arena(const void *p)
{
    const char *b = __atomic_load_n(&a_base, __ATOMIC_ACQUIRE);
    return b && (const char *)p >= b && (const char *)p < b + a_size;
}

/* n bytes from the arena behind a 16-byte header holding n; NULL when it
 * has no room (then the caller asks musl). */
static void *a_alloc(size_t n)
{
    char *b = __atomic_load_n(&a_base, __ATOMIC_ACQUIRE);
    if (!b || n > a_size)
        return NULL;
    size_t need = ((n + 15) & ~(size_t)15) + 16;
    size_t off = __atomic_fetch_add(&a_off, need, __ATOMIC_RELAXED);
    if (off > a_size || need > a_size - off)
        return NULL;
    memcpy(b + off, &n, sizeof n);
    return b + off + 16;
}

void *__wrap_malloc(size_t n)
{
    void *p = a_alloc(n);
    return p ? p : __real_malloc(n);
}

void __wrap_free(void *p)
{
    if (p && !in_arena(p))
        __real_free(p);
}

void *__wrap_calloc(size_t n, size_t m)
{
    if (m && n > SIZE_MAX / m)
        return __real_calloc(n, m); /* fails as it should */
    void *p = a_alloc(n * m); /* never handed out before: still zero */
    return p ? p : __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
    if (!p || !in_arena(p))
        return p ? __real_realloc(p, n) : __wrap_malloc(n);
    size_t old;
    memcpy(&old, (char *)p - 16, sizeof old);
    if (n <= old)
        return p;
    void *q = __wrap_malloc(n);
    if (q)
        memcpy(q, p, old);
    return q;
}
#else
int sbc_arena_init(size_t size)
{
    (void)size;
    return 0;
}

size_t sbc_arena_used(void)
{
    return 0;
}
#endif

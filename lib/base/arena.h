/* arena.h - a pre-faulted bump arena in front of malloc.
 *
 * On this kind of machine (a PVM guest) a page fault costs about 12 us, as
 * much as a dozen syscalls, and musl's malloc spreads a short command's
 * allocations over many freshly mapped pages (and unmaps them again).  A
 * short-lived applet therefore takes its first allocations from one region
 * mapped with MAP_POPULATE (no fault per page): bump allocation, 16-byte
 * aligned, free is a no-op inside it.  When the region is used up (or was
 * never set up: long-lived processes such as the monitor, which must stay
 * small), malloc is musl's.  The static build links with
 * -Wl,--wrap=malloc,--wrap=free,--wrap=calloc,--wrap=realloc; elsewhere
 * (glibc, sanitizers) sbc_arena_init does nothing.
 */
#ifndef SBC_ARENA_H
#define SBC_ARENA_H
#include <stddef.h>

#define SBC_ARENA_SIZE (128 << 10)

/* Set up the arena with size bytes (once; 0 when it is in use). */
int sbc_arena_init(size_t size);
/* Bytes handed out from it so far (for tests and --debug). */
size_t sbc_arena_used(void);

#endif

/* exeseal.c - re-execute from a sealed memfd copy (see exeseal.h). */
#include "runtime/exeseal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#define MM_MAP 14      /* PR_SET_MM_MAP */
#define MM_MAP_SIZE 15 /* PR_SET_MM_MAP_SIZE */
/* struct prctl_mm_map (linux/prctl.h) */
struct mm_map {
    uint64_t start_code, end_code, start_data, end_data, start_brk, brk, start_stack;
    uint64_t arg_start, arg_end, env_start, env_end, auxv;
    uint32_t auxv_size, exe_fd;
};
#define ATTR_RDONLY 0x00000001ULL /* MOUNT_ATTR_RDONLY */
#define ATTR_NODEV 0x00000004ULL  /* MOUNT_ATTR_NODEV */

static int host_fd = -1;

/* fd is protected: a sealed memfd, or a file on a read-only mount (no
 * open for writing, truncate or chmod goes through it: EROFS). */
static int fd_sealed(int fd)
{
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals >= 0 && (seals & SEALS) == SEALS)
        return 1;
    struct statvfs sv;
    return fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

int sbc_exe_is_sealed(void)
{
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int r = fd_sealed(fd);
    close(fd);
    return r;
}

/* The binary opened through a detached clone of its mount, made
 * read-only: attached nowhere (no mount event, nothing to unmount; it goes
 * with its last user), and the host's own inode, so no copy and a shared
 * page cache.  -1 where the kernel (< 5.12) or our privileges do not
 * allow it. */
static int ro_clone(void)
{
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0)
        return -1;
    struct { unsigned long long set, clr, prop, userns; } a = {ATTR_RDONLY | ATTR_NODEV, 0, 0, 0};
    int fd = -1;
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &a, sizeof a) == 0) {
        /* open_tree gives an O_PATH fd: open it for real (mmap, prctl) */
        char p[40];
        snprintf(p, sizeof p, "/proc/self/fd/%d", tree);
        fd = open(p, O_RDONLY | O_CLOEXEC);
    }
    close(tree);
    if (fd >= 0 && !fd_sealed(fd)) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Map every page of this executable's image from fd (the same bytes
 * through another mount): read-only segments straight from the file, the
 * writable one (its data modified since) moved to an anonymous copy.
 * Nothing here may write a global between the copy and the move. */
static int remap_image(int fd)
{
    const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
    size_t n = ph ? getauxval(AT_PHNUM) : 0;
    uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE), bias = 0;
    int have_bias = 0;
    for (size_t i = 0; i < n; i++)
        if (ph[i].p_type == PT_PHDR)
            bias = (uintptr_t)ph - ph[i].p_vaddr, have_bias = 1;
    for (size_t i = 0; !have_bias && i < n; i++)
        if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0) /* headers first, as linkers lay them out */
            bias = (uintptr_t)ph - sizeof(ElfW(Ehdr)) - ph[i].p_vaddr, have_bias = 1;
    int headers = 0; /* the ELF header where the first page says it is */
    for (size_t i = 0; ph && have_bias && i < n; i++)
        if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0)
            headers = !memcmp((const void *)(bias + ph[i].p_vaddr), ELFMAG, SELFMAG);
    if (!headers)
        return errno = ENOEXEC, -1;
    for (size_t i = 0; i < n; i++) {
        if (ph[i].p_type != PT_LOAD || !ph[i].p_filesz)
            continue;
        uintptr_t start = (bias + ph[i].p_vaddr) & ~(pg - 1);
        uintptr_t end = (bias + ph[i].p_vaddr + ph[i].p_filesz + pg - 1) & ~(pg - 1);
        size_t len = end - start;
        int prot = (ph[i].p_flags & PF_R ? PROT_READ : 0) | (ph[i].p_flags & PF_W ? PROT_WRITE : 0) |
                   (ph[i].p_flags & PF_X ? PROT_EXEC : 0);
        if (!(ph[i].p_flags & PF_W)) {
            if (mmap((void *)start, len, prot, MAP_PRIVATE | MAP_FIXED, fd, (off_t)(ph[i].p_offset & ~(pg - 1))) == MAP_FAILED)
                return -1;
            continue;
        }
        void *tmp = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (tmp == MAP_FAILED)
            return -1;
        /* the copy by the kernel: the segment holds globals a sanitizer's
         * memcpy would refuse to read across */
        struct iovec dst = {tmp, len}, src = {(void *)start, len};
        if (syscall(SYS_process_vm_readv, getpid(), &dst, 1UL, &src, 1UL, 0UL) != (long)len)
            return -1;
        if (mremap(tmp, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)start) == MAP_FAILED)
            return -1;
    }
    /* what the loader had made read-only after relocating stays so */
    for (size_t i = 0; i < n; i++)
        if (ph[i].p_type == PT_GNU_RELRO) {
            uintptr_t start = (bias + ph[i].p_vaddr) & ~(pg - 1);
            uintptr_t end = (bias + ph[i].p_vaddr + ph[i].p_memsz) & ~(pg - 1);
            if (end > start)
                mprotect((void *)start, end - start, PROT_READ);
        }
    return 0;
}

/* PR_SET_MM_MAP (CRIU's call) can switch /proc/self/exe with CAP_SYS_ADMIN
 * or CAP_CHECKPOINT_RESTORE in our user namespace, where PR_SET_MM_EXE_FILE
 * wants CAP_SYS_RESOURCE of the host's; it needs the kernel's
 * CONFIG_CHECKPOINT_RESTORE, which MM_MAP_SIZE tells. */
static int can_switch_exe(void)
{
    struct { unsigned version; int pid; } h = {0x20080522, 0}; /* _LINUX_CAPABILITY_VERSION_3 */
    struct { uint32_t eff, perm, inh; } d[2] = {{0}};
    unsigned size = 0;
    return syscall(SYS_capget, &h, d) == 0 &&
           ((d[0].eff & (1u << 21)) || (d[1].eff & (1u << (40 - 32)))) && /* CAP_SYS_ADMIN, CAP_CHECKPOINT_RESTORE */
           prctl(PR_SET_MM, MM_MAP_SIZE, &size, 0, 0) == 0 && size == sizeof(struct mm_map);
}

/* The map of this process as the kernel has it (proc(5): fields 26-28 and
 * 45-51 of /proc/self/stat), to hand back unchanged with a new exe_fd. */
static int current_map(struct mm_map *m)
{
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return errno = EIO, -1;
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold anything */
    if (!p)
        return errno = EIO, -1;
    uint64_t f[52] = {0};
    int i = 3; /* p + 2 is field 3 */
    for (p += 2; *p && i < 52; i++) {
        f[i] = strtoull(p, &p, 10);
        while (*p == ' ')
            p++;
        if (*p && (*p < '0' || *p > '9') && *p != '-')
            p = strchr(p, ' ') ? strchr(p, ' ') + 1 : p + strlen(p); /* field 3, the state */
    }
    if (i < 52)
        return errno = EIO, -1;
    *m = (struct mm_map){.start_code = f[26], .end_code = f[27], .start_stack = f[28],
                         .start_data = f[45], .end_data = f[46], .start_brk = f[47],
                         .brk = (uint64_t)syscall(SYS_brk, 0), .arg_start = f[48], .arg_end = f[49],
                         .env_start = f[50], .env_end = f[51]};
    return 0;
}

/* Switch this process to the binary on fd: 0 done, 1 the kernel said no
 * (the caller copies instead; nothing is lost), -1 error. */
static int detach(int fd, sbc_err *e)
{
    struct mm_map m;
    if (current_map(&m) < 0)
        return 1;
    if (remap_image(fd) < 0) /* a half-changed map: no way back */
        return sbc_err_sys(e, "seal the sbc binary: map it from its read-only mount");
    m.exe_fd = (uint32_t)fd;
    if (prctl(PR_SET_MM, MM_MAP, &m, sizeof m, 0) < 0 || !sbc_exe_is_sealed())
        return 1; /* the same bytes stay mapped, from another mount */
    return 0;
}

/* In the sealed image: take the host binary's fd handed over in
 * SBC_EXE_FD (close-on-exec from now on, and out of the environment). */
static void adopt_host_fd(void)
{
    const char *v = getenv("SBC_EXE_FD");
    if (!v)
        return;
    char *end;
    long fd = strtol(v, &end, 10);
    struct stat st;
    if (*end == 0 && fd >= 3 && fd < 1024 && fstat((int)fd, &st) == 0 && S_ISREG(st.st_mode) &&
        fcntl((int)fd, F_SETFD, FD_CLOEXEC) == 0)
        host_fd = (int)fd;
    unsetenv("SBC_EXE_FD");
}

int sbc_exe_host_fd(void)
{
    return host_fd;
}

/* A sealed in-memory copy of the binary open on src (-1 with e). */
static int sealed_copy(int src, sbc_err *e)
{
    struct stat st;
    if (fstat(src, &st) < 0)
        return sbc_err_sys(e, "seal the sbc binary: stat /proc/self/exe");
    /* MFD_EXEC: executable even where vm.memfd_noexec=1 makes memfds
     * non-executable by default (older kernels reject the flag) */
    int mfd = (int)syscall(SYS_memfd_create, "sbc", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (mfd < 0 && errno == EINVAL)
        mfd = (int)syscall(SYS_memfd_create, "sbc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0)
        return sbc_err_sys(e, "seal the sbc binary: memfd_create");
    /* the copy, in the kernel; the size is set first (one allocation) */
    off_t off = 0;
    int rc = ftruncate(mfd, st.st_size);
    while (rc == 0 && off < st.st_size) {
        ssize_t n = sendfile(mfd, src, &off, (size_t)(st.st_size - off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = -1, errno = n < 0 ? errno : EIO;
    }
    if (rc == 0 && fcntl(mfd, F_ADD_SEALS, SEALS | F_SEAL_EXEC) < 0 &&
        (errno != EINVAL || fcntl(mfd, F_ADD_SEALS, SEALS) < 0))
        rc = -1;
    if (rc < 0) {
        int err = errno;
        close(mfd);
        errno = err;
        return sbc_err_sys(e, "seal the sbc binary");
    }
    return mfd;
}

/* The sealed copy the container's init is to switch to (deferred seal). */
static int pending = -1;
static int defer_wanted;

/* Deferring is for an ordinary user's run and start (whose containers'
 * inits are roots of their user namespaces) on a kernel with PR_SET_MM_MAP. */
static int defer_ok(void)
{
    unsigned size = 0;
    return defer_wanted && geteuid() != 0 && !getenv("SBC_SEAL_COPY") &&
           prctl(PR_SET_MM, MM_MAP_SIZE, &size, 0, 0) == 0 && size == sizeof(struct mm_map);
}

void sbc_exe_seal_defer(void)
{
    defer_wanted = 1;
}

int sbc_exe_seal_here(sbc_err *e)
{
    if (pending < 0 || geteuid() != 0)
        return 0; /* (an ordinary user's copy can only be switched to by the init) */
    int r = detach(pending, e);
    if (r < 0)
        return -1;
    if (r > 0)
        return sbc_err_set(e, SBC_EXIT_FAIL, "seal the sbc binary: PR_SET_MM_MAP refused");
    close(pending);
    pending = -1;
    return 0;
}

int sbc_exe_seal_child(sbc_err *e)
{
    if (pending < 0)
        return 0;
    int r = detach(pending, e);
    if (r == 0)
        return 0;
    return r < 0 ? -1 : sbc_err_set(e, SBC_EXIT_FAIL, "seal the sbc binary: the container's init could not switch "
                                                      "to the sealed copy (PR_SET_MM_MAP refused)");
}

int sbc_exe_seal(char *const *argv, char *const *envp, sbc_err *e)
{
    int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (src < 0)
        return sbc_err_sys(e, "seal the sbc binary: open /proc/self/exe");
    if (fd_sealed(src)) {
        close(src);
        adopt_host_fd();
        return 0;
    }
    /* the cheap way, no exec: this process switches to the read-only
     * mount before it forks anything, so every child inherits it */
    int ro = getenv("SBC_SEAL_COPY") || !can_switch_exe() ? -1 : ro_clone(); /* (the variable: tests of the fallback) */
    if (ro >= 0 && defer_wanted) {
        /* run and start: the container's init switches as its first act,
         * while this process sets its cgroup up (the remap costs ~0.4 ms
         * here); this one switches before its clone only when the init is
         * born where others can see it (sbc_exe_seal_here) */
        close(src);
        pending = ro;
        return 0;
    }
    if (ro >= 0) {
        int r = detach(ro, e);
        close(ro);
        if (r <= 0) {
            close(src);
            return r;
        }
    }
    int mfd = sealed_copy(src, e);
    if (mfd < 0) {
        close(src);
        return -1;
    }
    /* rootless run/start: no exec here; the container's init switches to
     * the copy as its first act (sbc_exe_seal_child), where it is root of
     * its user namespace and so may (the processes a container can see
     * are that init and what it forks; this one stays on the host side) */
    if (defer_ok()) {
        pending = mfd;
        host_fd = src;
        return 0;
    }
    /* the host binary goes along as an fd (SBC_EXE_FD), for the detached
     * monitor only: a host process no container sees, which so shares the
     * page cache instead of keeping a copy per container */
    int n = 0;
    while (envp[n])
        n++;
    char **env = malloc(((size_t)n + 2) * sizeof *env), fdvar[32];
    int keep = fcntl(src, F_DUPFD, 3), k = 0;
    close(src);
    if (!env) {
        close(mfd);
        if (keep >= 0)
            close(keep);
        return sbc_err_sys(e, "seal the sbc binary");
    }
    for (int i = 0; i < n; i++)
        if (strncmp(envp[i], "SBC_EXE_FD=", 11))
            env[k++] = envp[i];
    if (keep >= 0) {
        snprintf(fdvar, sizeof fdvar, "SBC_EXE_FD=%d", keep);
        env[k++] = fdvar;
    }
    env[k] = NULL;
    syscall(SYS_execveat, mfd, "", argv, env, AT_EMPTY_PATH);
    int err = errno;
    free(env);
    if (keep >= 0)
        close(keep);
    close(mfd);
    errno = err;
    return sbc_err_sys(e, "seal the sbc binary: execute the sealed copy%s",
                       err == EACCES ? " (vm.memfd_noexec=2?)" : "");
}

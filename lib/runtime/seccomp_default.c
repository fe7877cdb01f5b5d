/* seccomp_default.c - Docker's default seccomp profile as sbc's own table.
 *
 * Written from the facts of moby/profiles seccomp/default.json (2026-06,
 * see ../shared/notes/security.md §2.1): default ERRNO(EPERM), the x86_64
 * family with x86 and x32 (aarch64 with arm), an allow-list, and the
 * conditional rules below.  Names a given libseccomp does not know are
 * skipped when the filter is compiled (they fall to the default action),
 * exactly as Docker does.  Grouped by what the calls do, not in moby's order.
 */
#include "runtime/seccomp.h"

#include <linux/capability.h>

#define N(a) (uint16_t)(sizeof a / sizeof a[0])
#define CAP(c) (1ULL << (c))

/* Allowed for everyone. */
static const char *const allow[] = {
    /* files: paths, descriptors, reads and writes */
    "access", "faccessat", "faccessat2", "chdir", "fchdir", "getcwd",
    "chmod", "fchmod", "fchmodat", "fchmodat2",
    "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32",
    "open", "openat", "openat2", "creat", "close", "close_range",
    "read", "readv", "pread64", "preadv", "preadv2",
    "write", "writev", "pwrite64", "pwritev", "pwritev2",
    "lseek", "_llseek", "dup", "dup2", "dup3", "fcntl", "fcntl64", "flock",
    "fsync", "fdatasync", "sync", "syncfs", "sync_file_range",
    "fallocate", "fadvise64", "fadvise64_64", "readahead",
    "truncate", "truncate64", "ftruncate", "ftruncate64",
    "stat", "stat64", "lstat", "lstat64", "fstat", "fstat64", "fstatat64", "newfstatat", "statx",
    "statfs", "statfs64", "fstatfs", "fstatfs64", "getdents", "getdents64",
    "link", "linkat", "symlink", "symlinkat", "unlink", "unlinkat",
    "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir", "mknod", "mknodat",
    "readlink", "readlinkat", "umask",
    "utime", "utimes", "utimensat", "utimensat_time64", "futimesat",
    "copy_file_range", "sendfile", "sendfile64", "splice", "tee", "vmsplice",
    "name_to_handle_at", "statmount", "listmount",
    /* extended attributes */
    "getxattr", "lgetxattr", "fgetxattr", "getxattrat",
    "setxattr", "lsetxattr", "fsetxattr", "setxattrat",
    "listxattr", "llistxattr", "flistxattr", "listxattrat",
    "removexattr", "lremovexattr", "fremovexattr", "removexattrat",
    /* waiting for descriptors and events */
    "inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "fanotify_mark",
    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old",
    "epoll_wait", "epoll_wait_old", "epoll_pwait", "epoll_pwait2",
    "poll", "ppoll", "ppoll_time64", "select", "_newselect", "pselect6", "pselect6_time64",
    "eventfd", "eventfd2", "signalfd", "signalfd4", "pipe", "pipe2",
    "timerfd_create", "timerfd_settime", "timerfd_settime64", "timerfd_gettime", "timerfd_gettime64",
    /* ioctl and POSIX AIO (io_setup..., not io_uring) */
    "ioctl", "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents",
    "io_pgetevents", "io_pgetevents_time64",
    /* memory */
    "brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync",
    "mlock", "mlock2", "mlockall", "munlock", "munlockall", "remap_file_pages", "membarrier",
    "memfd_create", "memfd_secret", "pkey_alloc", "pkey_free", "pkey_mprotect",
    "map_shadow_stack", "mseal", "cachestat",
    /* processes */
    "execve", "execveat", "exit", "exit_group", "fork", "vfork", "wait4", "waitid", "waitpid",
    "kill", "tkill", "tgkill", "pidfd_open", "pidfd_send_signal", "process_mrelease",
    "getpid", "getppid", "gettid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid",
    "getpriority", "setpriority", "ioprio_get", "ioprio_set",
    "prctl", "prlimit64", "getrlimit", "setrlimit", "ugetrlimit", "getrusage", "times",
    "set_tid_address", "set_robust_list", "get_robust_list", "rseq", "restart_syscall",
    "get_thread_area", "set_thread_area", "seccomp", "capget", "capset",
    "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
    "uname", "sysinfo", "getcpu", "getrandom", "uretprobe", "riscv_hwprobe",
    /* credentials */
    "getuid", "getuid32", "geteuid", "geteuid32", "getgid", "getgid32", "getegid", "getegid32",
    "getresuid", "getresuid32", "getresgid", "getresgid32", "getgroups", "getgroups32",
    "setuid", "setuid32", "setgid", "setgid32", "setreuid", "setreuid32", "setregid", "setregid32",
    "setresuid", "setresuid32", "setresgid", "setresgid32",
    "setfsuid", "setfsuid32", "setfsgid", "setfsgid32", "setgroups", "setgroups32",
    /* signals */
    "rt_sigaction", "rt_sigprocmask", "rt_sigpending", "rt_sigqueueinfo", "rt_sigreturn",
    "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
    "sigaltstack", "sigprocmask", "sigreturn", "pause", "alarm",
    /* time (reading it; setting it needs CAP_SYS_TIME below) */
    "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64",
    "clock_nanosleep", "clock_nanosleep_time64", "clock_adjtime", "clock_adjtime64", "adjtimex",
    "gettimeofday", "time", "nanosleep", "getitimer", "setitimer",
    "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64",
    "timer_settime", "timer_settime64",
    /* futexes */
    "futex", "futex_time64", "futex_waitv", "futex_wait", "futex_wake", "futex_requeue",
    /* scheduling */
    "sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getattr", "sched_setattr",
    "sched_getparam", "sched_setparam", "sched_getscheduler", "sched_setscheduler",
    "sched_get_priority_max", "sched_get_priority_min",
    "sched_rr_get_interval", "sched_rr_get_interval_time64",
    /* System V and POSIX IPC */
    "ipc", "msgctl", "msgget", "msgrcv", "msgsnd", "semctl", "semget", "semop", "semtimedop",
    "semtimedop_time64", "shmat", "shmctl", "shmdt", "shmget",
    "mq_open", "mq_unlink", "mq_notify", "mq_getsetattr", "mq_timedreceive",
    "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64",
    /* sockets (socket itself has argument rules below) */
    "accept", "accept4", "bind", "connect", "listen", "getpeername", "getsockname",
    "getsockopt", "setsockopt", "shutdown", "socketpair", "socketcall",
    "send", "sendto", "sendmsg", "sendmmsg", "recv", "recvfrom", "recvmsg", "recvmmsg",
    "recvmmsg_time64",
};

static const char *const ptrace_48[] = {"process_vm_readv", "process_vm_writev", "ptrace"};
static const char *const s_socket[] = {"socket"};
static const char *const s_personality[] = {"personality"};
static const char *const s_arch_prctl[] = {"arch_prctl"};
static const char *const s_modify_ldt[] = {"modify_ldt"};
static const char *const arm_extra[] = {"arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2",
                                        "breakpoint", "cacheflush", "set_tls"};
static const char *const ppc_extra[] = {"sync_file_range2", "swapcontext"};
static const char *const s390_extra[] = {"s390_pci_mmio_read", "s390_pci_mmio_write",
                                         "s390_runtime_instr"};
static const char *const riscv_extra[] = {"riscv_flush_icache"};
static const char *const s_open_by_handle[] = {"open_by_handle_at"};
/* what CAP_SYS_ADMIN opens: namespaces, mounts, and the rest of the
 * kernel's "admin" surface */
static const char *const sys_admin[] = {
    "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
    "lookup_dcookie", "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr",
    "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open",
    "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog",
    "umount", "umount2", "unshare",
};
static const char *const s_clone[] = {"clone"};
static const char *const s_clone3[] = {"clone3"};
static const char *const sys_boot[] = {"reboot"};
static const char *const sys_chroot[] = {"chroot"};
static const char *const sys_module[] = {"init_module", "finit_module", "delete_module"};
static const char *const sys_pacct[] = {"acct"};
static const char *const sys_ptrace[] = {"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv",
                                         "process_vm_writev", "ptrace"};
static const char *const sys_rawio[] = {"iopl", "ioperm"};
static const char *const sys_time[] = {"settimeofday", "stime", "clock_settime", "clock_settime64"};
static const char *const sys_tty[] = {"vhangup"};
static const char *const sys_nice[] = {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"};
static const char *const cap_syslog[] = {"syslog"};
static const char *const cap_bpf[] = {"bpf"};
static const char *const cap_perfmon[] = {"perf_event_open"};

#define GA_AMD64 SBC_GOARCH_AMD64
#define GA_X86 SBC_GOARCH_X86
#define GA_X32 SBC_GOARCH_X32
#define GA_ARM SBC_GOARCH_ARM
#define GA_ARM64 SBC_GOARCH_ARM64
#define GA_PPC64LE SBC_GOARCH_PPC64LE
#define GA_S390 SBC_GOARCH_S390
#define GA_S390X SBC_GOARCH_S390X
#define GA_RISCV64 SBC_GOARCH_RISCV64

#define ALLOW SBC_SCMP_ACT_ALLOW
#define RULE(list, ...) {.names = list, .nnames = N(list), .errno_ret = -1, __VA_ARGS__}
#define ARG0(o, v) .nargs = 1, .args = {{.index = 0, .op = SBC_SCMP_CMP_##o, .value = (v)}}
/* the namespace flags clone must not carry without CAP_SYS_ADMIN:
 * NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET = 0x7E020000 */
#define NS_FLAGS 0x7E020000ULL

static const sbc_seccomp_rule rules[] = {
    RULE(allow, .action = ALLOW),
    RULE(ptrace_48, .action = ALLOW, .inc_kernel = 4 << 16 | 8),
    /* every address family but AF_ALG (38) and AF_VSOCK (40) */
    RULE(s_socket, .action = ALLOW, ARG0(LT, 38)),
    RULE(s_socket, .action = ALLOW, ARG0(EQ, 39)),
    RULE(s_socket, .action = ALLOW, ARG0(GT, 40)),
    /* PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the query */
    RULE(s_personality, .action = ALLOW, ARG0(EQ, 0)),
    RULE(s_personality, .action = ALLOW, ARG0(EQ, 8)),
    RULE(s_personality, .action = ALLOW, ARG0(EQ, 0x20000)),
    RULE(s_personality, .action = ALLOW, ARG0(EQ, 0x20008)),
    RULE(s_personality, .action = ALLOW, ARG0(EQ, 0xffffffff)),
    RULE(ppc_extra, .action = ALLOW, .inc_arches = GA_PPC64LE),
    RULE(arm_extra, .action = ALLOW, .inc_arches = GA_ARM | GA_ARM64),
    RULE(s_arch_prctl, .action = ALLOW, .inc_arches = GA_AMD64 | GA_X32),
    RULE(s_modify_ldt, .action = ALLOW, .inc_arches = GA_AMD64 | GA_X32 | GA_X86),
    RULE(s390_extra, .action = ALLOW, .inc_arches = GA_S390 | GA_S390X),
    RULE(riscv_extra, .action = ALLOW, .inc_arches = GA_RISCV64),
    RULE(s_open_by_handle, .action = ALLOW, .inc_caps = CAP(CAP_DAC_READ_SEARCH)),
    RULE(sys_admin, .action = ALLOW, .inc_caps = CAP(CAP_SYS_ADMIN)),
    /* clone without namespace flags (s390 passes the flags second) */
    RULE(s_clone, .action = ALLOW, .nargs = 1,
         .args = {{.index = 0, .op = SBC_SCMP_CMP_MASKED_EQ, .value = NS_FLAGS, .value2 = 0}},
         .exc_caps = CAP(CAP_SYS_ADMIN), .exc_arches = GA_S390 | GA_S390X),
    RULE(s_clone, .action = ALLOW, .nargs = 1,
         .args = {{.index = 1, .op = SBC_SCMP_CMP_MASKED_EQ, .value = NS_FLAGS, .value2 = 0}},
         .inc_arches = GA_S390 | GA_S390X, .exc_caps = CAP(CAP_SYS_ADMIN)),
    /* clone3 cannot be filtered on its flags (they are in memory): ENOSYS,
     * so libcs fall back to clone */
    {.names = s_clone3, .nnames = 1, .action = SBC_SCMP_ACT_ERRNO, .errno_ret = 38,
     .exc_caps = CAP(CAP_SYS_ADMIN)},
    RULE(sys_boot, .action = ALLOW, .inc_caps = CAP(CAP_SYS_BOOT)),
    RULE(sys_chroot, .action = ALLOW, .inc_caps = CAP(CAP_SYS_CHROOT)),
    RULE(sys_module, .action = ALLOW, .inc_caps = CAP(CAP_SYS_MODULE)),
    RULE(sys_pacct, .action = ALLOW, .inc_caps = CAP(CAP_SYS_PACCT)),
    RULE(sys_ptrace, .action = ALLOW, .inc_caps = CAP(CAP_SYS_PTRACE)),
    RULE(sys_rawio, .action = ALLOW, .inc_caps = CAP(CAP_SYS_RAWIO)),
    RULE(sys_time, .action = ALLOW, .inc_caps = CAP(CAP_SYS_TIME)),
    RULE(sys_tty, .action = ALLOW, .inc_caps = CAP(CAP_SYS_TTY_CONFIG)),
    RULE(sys_nice, .action = ALLOW, .inc_caps = CAP(CAP_SYS_NICE)),
    RULE(cap_syslog, .action = ALLOW, .inc_caps = CAP(CAP_SYSLOG)),
    RULE(cap_bpf, .action = ALLOW, .inc_caps = CAP(39 /* CAP_BPF */)),
    RULE(cap_perfmon, .action = ALLOW, .inc_caps = CAP(38 /* CAP_PERFMON */)),
};

static const sbc_seccomp_profile profile = {
    .default_action = SBC_SCMP_ACT_ERRNO,
    .default_errno = 1, /* EPERM */
    .arches = 0,        /* the native family: x86_64 + x86 + x32, aarch64 + arm */
    .rules = rules,
    .nrules = sizeof rules / sizeof rules[0],
};

const sbc_seccomp_profile *sbc_seccomp_default(void)
{
    return &profile;
}

/* floor.c - the floor for bench/start: the least a container start can do.
 * clone(pid|mnt|uts|ipc|net) -> cgroup (v1 memory+pids or v2) -> overlay of
 * LOWER with upper/work on tmpfs -> pivot_root -> /proc -> exec CMD.
 *   floor LOWERDIR SCRATCH CMD...    (exits with CMD's status)
 * Build: musl-gcc -static -O2 -o build/floor bench/floor.c */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *m) { perror(m); _exit(125); }

static void put(const char *p, const char *v)
{
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) { if (write(fd, v, strlen(v)) < 0) {} close(fd); }
}

int main(int argc, char **argv)
{
    if (argc < 4) { fprintf(stderr, "usage: floor LOWER SCRATCH CMD...\n"); return 125; }
    char up[4096], wk[4096], mnt[4096], cg[256], pid[32], opt[8192];
    snprintf(up, sizeof up, "%s/u", argv[2]); snprintf(wk, sizeof wk, "%s/w", argv[2]);
    snprintf(mnt, sizeof mnt, "%s/m", argv[2]);
    mkdir(argv[2], 0700); mkdir(up, 0755); mkdir(wk, 0700); mkdir(mnt, 0755);
    int sync[2];
    if (pipe2(sync, O_CLOEXEC) < 0) die("pipe");
    long c = syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0);
    if (c < 0) die("clone");
    if (c == 0) {
        char b;
        close(sync[1]);
        if (read(sync[0], &b, 1) < 0) die("read");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die("private");
        snprintf(opt, sizeof opt, "lowerdir=%s,upperdir=%s,workdir=%s", argv[1], up, wk);
        if (mount("overlay", mnt, "overlay", 0, opt) < 0) die("overlay");
        if (chdir(mnt) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0) die("pivot");
        mkdir("/proc", 0555); /* a layer may not have it (sbc makes it too) */
        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) die("proc");
        execv(argv[3], argv + 3);
        die("exec");
    }
    snprintf(pid, sizeof pid, "%ld", c);
    const char *ctl[] = {"memory", "pids"};
    for (int i = 0; i < 2; i++) {
        snprintf(cg, sizeof cg, "/sys/fs/cgroup/%s/floor-%d", ctl[i], (int)getpid());
        mkdir(cg, 0755); strcat(cg, "/cgroup.procs"); put(cg, pid);
    }
    if (write(sync[1], "g", 1) < 0) die("write");
    int st;
    waitpid((pid_t)c, &st, 0);
    for (int i = 0; i < 2; i++) {
        snprintf(cg, sizeof cg, "/sys/fs/cgroup/%s/floor-%d", ctl[i], (int)getpid());
        rmdir(cg);
    }
    rmdir(mnt);
    char cmd[8300];
    snprintf(cmd, sizeof cmd, "%s/w/work", argv[2]); rmdir(cmd); rmdir(wk);
    snprintf(cmd, sizeof cmd, "%s/u/proc", argv[2]); rmdir(cmd); rmdir(up); rmdir(argv[2]);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* test_devices.c - device rules, the v1 writes, the eBPF program (loaded by
 * the kernel and run against real opens in scratch cgroups when root). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/magic.h>

#include "runtime/cgroup.h"
#include "runtime/devices.h"
#include "unit.h"

#define SKIP(name, ...) do { printf("SKIP %s: ", name); printf(__VA_ARGS__); printf("\n"); } while (0)

/* a char device root can open on this host: the console tty1 (c 4:1) */
#define DENIED_DEV "/dev/tty1"
#define DENIED_MAJ 4
#define DENIED_MIN 1

TEST(devices_v1_lines_docker_default)
{
    sbc_dev_write w[32];
    sbc_err e = {0};
    int n = sbc_dev_v1_plan(sbc_dev_default, sbc_dev_ndefault, w, 32, &e);
    static const char *const want[][2] = {
        {"devices.deny", "a"},
        {"devices.allow", "c *:* m"},
        {"devices.allow", "b *:* m"},
        {"devices.allow", "c 1:3 rwm"},
        {"devices.allow", "c 1:5 rwm"},
        {"devices.allow", "c 1:7 rwm"},
        {"devices.allow", "c 1:8 rwm"},
        {"devices.allow", "c 1:9 rwm"},
        {"devices.allow", "c 5:0 rwm"},
        {"devices.allow", "c 5:1 rwm"},
        {"devices.allow", "c 5:2 rwm"},
        {"devices.allow", "c 136:* rwm"},
    };
    CHECK_INT(n, (int)(sizeof want / sizeof *want));
    for (int i = 0; i < n && i < (int)(sizeof want / sizeof *want); i++) {
        CHECK_STR(w[i].file, want[i][0]);
        CHECK_STR(w[i].line, want[i][1]);
    }
    /* --privileged: everything */
    n = sbc_dev_v1_plan(&sbc_dev_privileged, 1, w, 32, &e);
    CHECK_INT(n, 1);
    CHECK_STR(w[0].file, "devices.allow");
    CHECK_STR(w[0].line, "a");
    /* an "a" rule narrower than all-rwm is never written as "a" (v1 would
     * read it as every device): split into b and c */
    sbc_dev_rule r[3] = {sbc_dev_default[0], {.allow = 1, .type = 'a', .major = SBC_DEV_ANY, .minor = SBC_DEV_ANY,
                         .access = SBC_DEV_M}, {.allow = 1, .type = 'a', .major = 7, .minor = 0, .access = SBC_DEV_R}};
    n = sbc_dev_v1_plan(r, 3, w, 32, &e);
    CHECK_INT(n, 5);
    if (n == 5) {
        CHECK_STR(w[1].line, "b *:* m");
        CHECK_STR(w[2].line, "c *:* m");
        CHECK_STR(w[3].line, "b 7:0 r");
        CHECK_STR(w[4].line, "c 7:0 r");
    }
    /* a default-allow list: deny lines */
    sbc_dev_rule d[2] = {sbc_dev_privileged, {.allow = 0, .type = 'b', .major = 8, .minor = SBC_DEV_ANY, .access = SBC_DEV_R | SBC_DEV_W}};
    n = sbc_dev_v1_plan(d, 2, w, 32, &e);
    CHECK_INT(n, 2);
    CHECK_STR(w[1].file, "devices.deny");
    CHECK_STR(w[1].line, "b 8:* rw");
}

TEST(devices_policy_decisions)
{
    sbc_dev_state s0, *st = &s0;
    sbc_err e = {0};
    CHECK_INT(sbc_dev_reduce(sbc_dev_default, sbc_dev_ndefault, st, &e), 0);
    CHECK(!st->allow_default);
    CHECK(sbc_dev_check(st, 'c', 1, 3, SBC_DEV_R | SBC_DEV_W));
    CHECK(sbc_dev_check(st, 'c', 136, 7, SBC_DEV_RWM));
    CHECK(!sbc_dev_check(st, 'c', DENIED_MAJ, DENIED_MIN, SBC_DEV_R));
    CHECK(sbc_dev_check(st, 'c', DENIED_MAJ, DENIED_MIN, SBC_DEV_M));   /* mknod: yes */
    CHECK(!sbc_dev_check(st, 'c', DENIED_MAJ, DENIED_MIN, SBC_DEV_M | SBC_DEV_R));
    CHECK(sbc_dev_check(st, 'b', 8, 0, SBC_DEV_M));
    CHECK(!sbc_dev_check(st, 'b', 8, 0, SBC_DEV_R));
    CHECK(!sbc_dev_check(st, 'c', 10, 229, SBC_DEV_R | SBC_DEV_W));     /* fuse */
    /* --device /dev/tty1 appended after the defaults opens it */
    sbc_dev_rule r[32];
    memcpy(r, sbc_dev_default, (size_t)sbc_dev_ndefault * sizeof *r);
    r[sbc_dev_ndefault] = (sbc_dev_rule){.allow = 1, .type = 'c', .major = DENIED_MAJ, .minor = DENIED_MIN, .access = SBC_DEV_R};
    sbc_dev_state_free(st);
    CHECK_INT(sbc_dev_reduce(r, sbc_dev_ndefault + 1, st, &e), 0);
    CHECK(sbc_dev_check(st, 'c', DENIED_MAJ, DENIED_MIN, SBC_DEV_R));
    CHECK(!sbc_dev_check(st, 'c', DENIED_MAJ, DENIED_MIN, SBC_DEV_W));
    /* a later deny removes the exact exception (v1 semantics) */
    r[sbc_dev_ndefault + 1] = (sbc_dev_rule){.allow = 0, .type = 'c', .major = 1, .minor = 3, .access = SBC_DEV_W};
    sbc_dev_state_free(st);
    CHECK_INT(sbc_dev_reduce(r, sbc_dev_ndefault + 2, st, &e), 0);
    CHECK(sbc_dev_check(st, 'c', 1, 3, SBC_DEV_R));
    CHECK(!sbc_dev_check(st, 'c', 1, 3, SBC_DEV_W));
    sbc_dev_state_free(st);
    CHECK_INT(sbc_dev_reduce(&sbc_dev_privileged, 1, st, &e), 0);
    CHECK(sbc_dev_check(st, 'b', 8, 0, SBC_DEV_RWM));
    sbc_dev_state_free(st);
    /* invalid rules are refused */
    sbc_dev_rule bad = {.allow = 1, .type = 'x', .major = 1, .minor = 1, .access = 1};
    CHECK_INT(sbc_dev_reduce(&bad, 1, st, &e), -1);
    CHECK(st->ex == NULL);
}

TEST(devices_rule_syntax)
{
    sbc_dev_rule r;
    sbc_err e = {0};
    char b[64];
    unsigned a;
    CHECK_INT(sbc_dev_rule_parse("c 1:3 rwm", 1, &r, &e), 0);
    CHECK(r.type == 'c' && r.major == 1 && r.minor == 3 && r.access == SBC_DEV_RWM && r.allow);
    CHECK_INT(sbc_dev_rule_parse("b *:* m", 0, &r, &e), 0);
    sbc_dev_rule_str(&r, b, sizeof b);
    CHECK_STR(b, "b *:* m");
    CHECK(!r.allow);
    CHECK_INT(sbc_dev_rule_parse("c 189:*", 1, &r, &e), 0);
    CHECK(r.minor == SBC_DEV_ANY && r.access == SBC_DEV_RWM);
    CHECK_INT(sbc_dev_rule_parse("a", 1, &r, &e), 0);
    CHECK_INT(sbc_dev_rule_parse("c 1:3 rwx", 1, &r, &e), -1);
    CHECK(strstr(e.msg, "invalid device cgroup rule 'c 1:3 rwx'") != NULL);
    CHECK_INT(sbc_dev_rule_parse("c 1-3 r", 1, &r, &e), -1);
    CHECK_INT(sbc_dev_rule_parse("c 99999999999:1 r", 1, &r, &e), -1);
    CHECK_INT(sbc_dev_parse_access("rw", &a), 0);
    CHECK_INT(a, SBC_DEV_R | SBC_DEV_W);
    CHECK_INT(sbc_dev_parse_access("rr", &a), -1);
    CHECK_INT(sbc_dev_parse_access("", &a), -1);
}

TEST(devices_flag_parse)
{
    sbc_dev_rule r;
    sbc_dev_node n = {0};
    sbc_err e = {0};
    struct stat st;
    CHECK_INT(stat("/dev/null", &st), 0);
    CHECK_INT(sbc_device_parse("/dev/null", &r, &n, &e), 0);
    CHECK(r.allow && r.type == 'c' && r.major == 1 && r.minor == 3 && r.access == SBC_DEV_RWM);
    CHECK_STR(n.path, "/dev/null");
    CHECK(n.type == 'c' && n.major == 1 && n.minor == 3 && n.mode == (st.st_mode & 07777) && n.uid == st.st_uid);
    sbc_dev_node_free(&n);
    CHECK_INT(sbc_device_parse("/dev/null:r", &r, &n, &e), 0);
    CHECK(r.access == SBC_DEV_R);
    CHECK_STR(n.path, "/dev/null");
    sbc_dev_node_free(&n);
    CHECK_INT(sbc_device_parse("/dev/null:/dev/mynull", &r, &n, &e), 0);
    CHECK_STR(n.path, "/dev/mynull");
    CHECK(r.access == SBC_DEV_RWM);
    sbc_dev_node_free(&n);
    CHECK_INT(sbc_device_parse("/dev/null:/dev/mynull:wm", &r, &n, &e), 0);
    CHECK(r.access == (SBC_DEV_W | SBC_DEV_M));
    sbc_dev_node_free(&n);
    /* the errors, one line each */
    CHECK_INT(sbc_device_parse("/dev/nonexistent-sbc", &r, &n, &e), -1);
    CHECK_STR(e.msg, "device /dev/nonexistent-sbc: No such file or directory");
    CHECK_INT(sbc_device_parse("/etc/passwd", &r, &n, &e), -1);
    CHECK_STR(e.msg, "device /etc/passwd: not a character or block device");
    CHECK_INT(sbc_device_parse("/dev/null:/dev/x:rwx", &r, &n, &e), -1);
    CHECK_STR(e.msg, "invalid device '/dev/null:/dev/x:rwx': bad permissions 'rwx' (a subset of rwm)");
    CHECK_INT(sbc_device_parse("/dev/null:rwx", &r, &n, &e), -1);
    CHECK(strstr(e.msg, "neither a container path nor permissions") != NULL);
    CHECK_INT(sbc_device_parse("/dev/null:dev/x:r", &r, &n, &e), -1);
    CHECK(strstr(e.msg, "is not absolute") != NULL);
    CHECK_INT(sbc_device_parse("/dev/null:/a:r:x", &r, &n, &e), -1);
    CHECK_INT(sbc_device_parse(":/dev/x", &r, &n, &e), -1);
    CHECK(n.path == NULL);
}

TEST(devices_json_roundtrip)
{
    sbc_err e = {0};
    cJSON *j = sbc_dev_rules_to_json(sbc_dev_default, sbc_dev_ndefault);
    char *s = cJSON_PrintUnformatted(j);
    CHECK(strstr(s, "{\"allow\":false,\"type\":\"a\",\"access\":\"rwm\"}") == s + 1);
    CHECK(strstr(s, "{\"allow\":true,\"type\":\"c\",\"major\":136,\"access\":\"rwm\"}") != NULL);
    sbc_dev_rule *r;
    int n;
    CHECK_INT(sbc_dev_rules_from_json(j, &r, &n, &e), 0);
    CHECK_INT(n, sbc_dev_ndefault);
    CHECK(n == sbc_dev_ndefault && !memcmp(r, sbc_dev_default, (size_t)n * sizeof *r));
    free(r);
    free(s);
    cJSON_Delete(j);
    /* OCI defaults: type a, wildcards, rwm; -1 as a wildcard too */
    j = cJSON_Parse("[{\"allow\":false},{\"allow\":true,\"type\":\"c\",\"major\":-1,\"minor\":5,\"access\":\"r\"}]");
    CHECK_INT(sbc_dev_rules_from_json(j, &r, &n, &e), 0);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK(r[0].type == 'a' && r[0].major == SBC_DEV_ANY && r[0].access == SBC_DEV_RWM && !r[0].allow);
        CHECK(r[1].major == SBC_DEV_ANY && r[1].minor == 5 && r[1].access == SBC_DEV_R);
    }
    free(r);
    cJSON_Delete(j);
    j = cJSON_Parse("[{\"allow\":true,\"type\":\"q\"}]");
    CHECK_INT(sbc_dev_rules_from_json(j, &r, &n, &e), -1);
    cJSON_Delete(j);
    sbc_dev_node nd = {.path = "/dev/tty1", .type = 'c', .major = 4, .minor = 1, .mode = 0620, .uid = 0, .gid = 5};
    j = sbc_dev_nodes_to_json(&nd, 1);
    sbc_dev_node *v;
    CHECK_INT(sbc_dev_nodes_from_json(j, &v, &n, &e), 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_STR(v[0].path, "/dev/tty1");
        CHECK(v[0].type == 'c' && v[0].major == 4 && v[0].minor == 1 && v[0].mode == 0620 && v[0].gid == 5);
        sbc_dev_node_free(&v[0]);
    }
    free(v);
    cJSON_Delete(j);
}

TEST(devices_node_make)
{
    if (geteuid() != 0) {
        SKIP("devices_node_make", "not root (mknod)");
        return;
    }
    char root[512];
    snprintf(root, sizeof root, "%s/noderoot", unit_tmpdir());
    CHECK_INT(mkdir(root, 0755), 0);
    int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    sbc_err e = {0};
    sbc_dev_node n = {.path = "/dev/snd/ctl", .type = 'c', .major = 1, .minor = 3, .mode = 0640, .uid = 1, .gid = 2};
    CHECK_INT(sbc_dev_node_make(rfd, &n, 0, &e), 0);
    struct stat st;
    char p[600];
    snprintf(p, sizeof p, "%s/dev/snd/ctl", root);
    CHECK_INT(lstat(p, &st), 0);
    CHECK(S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3);
    CHECK_INT(st.st_mode & 07777, 0640);
    CHECK(st.st_uid == 1 && st.st_gid == 2);
    /* an existing file is replaced; a symlinked parent is not followed */
    n.minor = 5;
    CHECK_INT(sbc_dev_node_make(rfd, &n, 0, &e), 0);
    CHECK(lstat(p, &st) == 0 && minor(st.st_rdev) == 5);
    snprintf(p, sizeof p, "%s/link", root);
    CHECK_INT(symlink("/tmp", p), 0);
    sbc_dev_node l = {.path = "/link/x", .type = 'c', .major = 1, .minor = 3, .mode = 0600};
    CHECK_INT(sbc_dev_node_make(rfd, &l, 0, &e), -1);
    CHECK(access("/tmp/x", F_OK) < 0 || errno != 0);
    sbc_dev_node dd = {.path = "/dev/../x", .type = 'c', .major = 1, .minor = 3, .mode = 0600};
    CHECK_INT(sbc_dev_node_make(rfd, &dd, 0, &e), -1);
    close(rfd);
}

/* ---- the kernel ------------------------------------------------------------ */

static int bpf_usable(const char *test)
{
    sbc_err e = {0};
    int fd = sbc_dev_bpf_load(&sbc_dev_privileged, 1, &e);
    if (fd >= 0) {
        close(fd);
        return 1;
    }
    if (e.errnum == ENOSYS || e.errnum == EPERM) {
        SKIP(test, "bpf(2) unavailable: %s", e.msg);
        return 0;
    }
    return 1; /* let the test fail on it */
}

TEST(devices_bpf_program_loads)
{
    if (!bpf_usable("devices_bpf_program_loads"))
        return;
    sbc_err e = {0};
    struct bpf_insn p[256];
    int n = sbc_dev_bpf_gen(sbc_dev_default, sbc_dev_ndefault, p, 256, &e);
    /* 6 head + 11 exceptions + 2 tail; the m-only ones carry an access test */
    CHECK(n > 8 && n < 120);
    CHECK(p[n - 1].code == (BPF_JMP | BPF_EXIT));
    CHECK(p[n - 2].imm == 0); /* default deny */
    int fd = sbc_dev_bpf_load(sbc_dev_default, sbc_dev_ndefault, &e);
    if (fd < 0)
        fprintf(stderr, "  %s\n", e.msg);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    /* privileged, a default-allow list with deny exceptions, and 'a' splits */
    sbc_dev_rule d[4] = {sbc_dev_privileged,
                         {.allow = 0, .type = 'b', .major = 8, .minor = SBC_DEV_ANY, .access = SBC_DEV_R | SBC_DEV_W},
                         {.allow = 0, .type = 'a', .major = 4, .minor = 1, .access = SBC_DEV_RWM},
                         {.allow = 0, .type = 'c', .major = SBC_DEV_ANY, .minor = SBC_DEV_ANY, .access = SBC_DEV_M}};
    for (int k = 1; k <= 4; k++) {
        fd = sbc_dev_bpf_load(d, k, &e);
        if (fd < 0)
            fprintf(stderr, "  %d rules: %s\n", k, e.msg);
        CHECK(fd >= 0);
        if (fd >= 0)
            close(fd);
    }
    /* too small a buffer is an error, not an overflow */
    CHECK_INT(sbc_dev_bpf_gen(sbc_dev_default, sbc_dev_ndefault, p, 10, &e), -1);
}

static int put_pid(const char *dir, pid_t pid)
{
    char p[512], v[32];
    snprintf(p, sizeof p, "%s/cgroup.procs", dir);
    snprintf(v, sizeof v, "%d", (int)pid);
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = write(fd, v, strlen(v)) == (ssize_t)strlen(v) ? 0 : -1;
    close(fd);
    return rc;
}

/* In a child moved into cgdir: mknod a node of DENIED_DEV's numbers in the
 * scratch dir (when mk), then open path; 0 when the open worked, else its
 * errno (the mknod's errno + 100 when that failed). */
static int probe(const char *cgdir, const char *path, int mk)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (cgdir && put_pid(cgdir, getpid()) < 0)
            _exit(99);
        if (mk) {
            unlink(path);
            if (mknod(path, S_IFCHR | 0600, makedev(DENIED_MAJ, DENIED_MIN)) < 0)
                _exit(100 + errno);
        }
        int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        _exit(fd >= 0 ? 0 : errno);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

static int rm_cgroup(const char *dir)
{
    for (int i = 0; i < 100; i++) {
        if (rmdir(dir) == 0 || errno == ENOENT)
            return 0;
        usleep(10000);
    }
    return -1;
}

TEST(devices_bpf_in_a_v2_cgroup)
{
    const char *base = "/sys/fs/cgroup/unified";
    struct statfs sf;
    if (statfs(base, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC) {
        base = "/sys/fs/cgroup";
        if (statfs(base, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC) {
            SKIP("devices_bpf_in_a_v2_cgroup", "no cgroup v2 tree");
            return;
        }
    }
    if (geteuid() != 0 || access(DENIED_DEV, R_OK) < 0) {
        SKIP("devices_bpf_in_a_v2_cgroup", "not root, or no %s", DENIED_DEV);
        return;
    }
    if (!bpf_usable("devices_bpf_in_a_v2_cgroup"))
        return;
    char cg[256], node[512];
    snprintf(cg, sizeof cg, "%s/sbc-unit-dev-%d", base, (int)getpid());
    snprintf(node, sizeof node, "%s/tty1-v2", unit_tmpdir());
    if (mkdir(cg, 0755) < 0) {
        CHECK(0);
        perror(cg);
        return;
    }
    sbc_err e = {0};
    /* control: without a program the host device opens from the cgroup */
    CHECK_INT(probe(cg, DENIED_DEV, 0), 0);
    CHECK_INT(sbc_dev_bpf_apply(cg, sbc_dev_default, sbc_dev_ndefault, &e), 0);
    CHECK_INT(sbc_dev_bpf_count(cg), 1);
    CHECK_INT(probe(cg, "/dev/null", 0), 0);
    CHECK_INT(probe(cg, DENIED_DEV, 0), EPERM);
    CHECK_INT(probe(cg, node, 1), EPERM); /* mknod allowed, open refused */
    CHECK_INT(probe(NULL, node, 0), 0);   /* the node itself is fine outside */
    /* replaced (not stacked) by a program that allows it: --device */
    sbc_dev_rule r[32];
    memcpy(r, sbc_dev_default, (size_t)sbc_dev_ndefault * sizeof *r);
    r[sbc_dev_ndefault] = (sbc_dev_rule){.allow = 1, .type = 'c', .major = DENIED_MAJ, .minor = DENIED_MIN, .access = SBC_DEV_R};
    CHECK_INT(sbc_dev_bpf_apply(cg, r, sbc_dev_ndefault + 1, &e), 0);
    CHECK_INT(sbc_dev_bpf_count(cg), 1);
    CHECK_INT(probe(cg, DENIED_DEV, 0), 0);
    CHECK_INT(probe(cg, "/dev/null", 0), 0);
    CHECK_INT(probe(cg, "/dev/tty2", 0), EPERM);
    CHECK_INT(rm_cgroup(cg), 0);
    unlink(node);
}

TEST(devices_v1_cgroup)
{
    const char *base = "/sys/fs/cgroup/devices";
    struct statfs sf;
    if (statfs(base, &sf) < 0 || sf.f_type != CGROUP_SUPER_MAGIC) {
        SKIP("devices_v1_cgroup", "no v1 devices hierarchy");
        return;
    }
    if (geteuid() != 0 || access(DENIED_DEV, R_OK) < 0) {
        SKIP("devices_v1_cgroup", "not root, or no %s", DENIED_DEV);
        return;
    }
    char cg[256], node[512], p[300];
    snprintf(cg, sizeof cg, "%s/sbc-unit-dev-%d", base, (int)getpid());
    snprintf(node, sizeof node, "%s/tty1-v1", unit_tmpdir());
    if (mkdir(cg, 0755) < 0) {
        CHECK(0);
        perror(cg);
        return;
    }
    sbc_err e = {0};
    CHECK_INT(probe(cg, DENIED_DEV, 0), 0); /* control */
    CHECK_INT(sbc_dev_v1_apply(cg, sbc_dev_default, sbc_dev_ndefault, &e), 0);
    snprintf(p, sizeof p, "%s/devices.list", cg);
    FILE *f = fopen(p, "r");
    char list[1024] = "";
    if (f) {
        size_t n = fread(list, 1, sizeof list - 1, f);
        list[n] = 0;
        fclose(f);
    }
    CHECK(strstr(list, "c 1:3 rwm\n") && strstr(list, "c *:* m\n") && strstr(list, "c 136:* rwm\n") &&
          !strstr(list, "a *:* rwm"));
    CHECK_INT(probe(cg, "/dev/null", 0), 0);
    CHECK_INT(probe(cg, DENIED_DEV, 0), EPERM);
    CHECK_INT(probe(cg, node, 1), EPERM);
    CHECK_INT(probe(NULL, node, 0), 0);
    CHECK_INT(rm_cgroup(cg), 0);
    /* the control case: the same list plus the device */
    CHECK_INT(mkdir(cg, 0755), 0);
    sbc_dev_rule r[32];
    memcpy(r, sbc_dev_default, (size_t)sbc_dev_ndefault * sizeof *r);
    r[sbc_dev_ndefault] = (sbc_dev_rule){.allow = 1, .type = 'c', .major = DENIED_MAJ, .minor = DENIED_MIN, .access = SBC_DEV_R};
    CHECK_INT(sbc_dev_v1_apply(cg, r, sbc_dev_ndefault + 1, &e), 0);
    CHECK_INT(probe(cg, DENIED_DEV, 0), 0);
    CHECK_INT(probe(cg, "/dev/tty2", 0), EPERM);
    CHECK_INT(rm_cgroup(cg), 0);
    unlink(node);
}

/* Through sbc_cgroup_create/enter/destroy: the rules land wherever this
 * host enforces them (v1 devices hierarchy or eBPF), before the process is in. */
TEST(devices_cgroup_create_enforces)
{
    if (geteuid() != 0 || sbc_cgroup_mode() == SBC_CG_NONE || access(DENIED_DEV, R_OK) < 0) {
        SKIP("devices_cgroup_create_enforces", "not root, no cgroups or no %s", DENIED_DEV);
        return;
    }
    if (!strncmp(sbc_cgroup_devices_how(), "none", 4)) {
        SKIP("devices_cgroup_create_enforces", "no device control here: %s", sbc_cgroup_devices_how());
        return;
    }
    char name[64];
    snprintf(name, sizeof name, "sbc-unit-devp-%d/c", (int)getpid());
    sbc_cg_limits lim = {.devices = sbc_dev_default, .ndevices = sbc_dev_ndefault};
    sbc_err e = {0};
    CHECK_INT(sbc_cgroup_create(name, &lim, &e), 0);
    if (e.code)
        fprintf(stderr, "  %s\n", e.msg);
    int sv[2];
    CHECK_INT(pipe(sv), 0);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(sv[1]);
        if (read(sv[0], &c, 1) != 1)
            _exit(98);
        int a = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int b = open(DENIED_DEV, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        _exit(a < 0 ? 97 : b >= 0 ? 0 : errno);
    }
    close(sv[0]);
    CHECK_INT(sbc_cgroup_enter(name, pid, &e), 0);
    CHECK_INT(write(sv[1], "g", 1), 1);
    close(sv[1]);
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == EPERM);
    CHECK_INT(sbc_cgroup_destroy(name, &e), 0);
    /* the parent made here goes too (sbc's own "sbc" parent stays by design) */
    static const char *const h[] = {"pids", "memory", "cpu", "devices", "unified", ""};
    for (size_t i = 0; i < sizeof h / sizeof *h; i++) {
        char p[256];
        snprintf(p, sizeof p, "/sys/fs/cgroup/%s%ssbc-unit-devp-%d", h[i], *h[i] ? "/" : "", (int)getpid());
        if (access(p, F_OK) == 0)
            CHECK_INT(rm_cgroup(p), 0);
    }
}

TEST(devices_host_nodes)
{
    sbc_dev_node *v;
    int n;
    sbc_err e = {0};
    CHECK_INT(sbc_dev_nodes_host("/dev", &v, &n, &e), 0);
    int null = 0, pts = 0, console = 0;
    for (int i = 0; i < n; i++) {
        if (!strcmp(v[i].path, "/dev/null") && v[i].type == 'c' && v[i].major == 1 && v[i].minor == 3)
            null = 1;
        if (!strncmp(v[i].path, "/dev/pts/", 9) || !strncmp(v[i].path, "/dev/shm/", 9))
            pts = 1;
        if (!strcmp(v[i].path, "/dev/console"))
            console = 1;
        sbc_dev_node_free(&v[i]);
    }
    free(v);
    CHECK(n > 3 && null && !pts && !console);
    CHECK_INT(sbc_dev_nodes_host("/nonexistent-sbc", &v, &n, &e), -1);
}

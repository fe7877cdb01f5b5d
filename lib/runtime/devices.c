/* devices.c - device access control (see devices.h). */
#include "runtime/devices.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/mount.h>
#include <linux/bpf.h>

#include "base/io.h"

#define ANY SBC_DEV_ANY
#define RULE(a, t, maj, min, acc) {.allow = (a), .type = (t), .access = (acc), .major = (maj), .minor = (min)}

const sbc_dev_rule sbc_dev_default[] = {
    RULE(0, 'a', ANY, ANY, SBC_DEV_RWM),
    RULE(1, 'c', ANY, ANY, SBC_DEV_M),  /* mknod of any node, not its use */
    RULE(1, 'b', ANY, ANY, SBC_DEV_M),
    RULE(1, 'c', 1, 3, SBC_DEV_RWM),    /* null */
    RULE(1, 'c', 1, 5, SBC_DEV_RWM),    /* zero */
    RULE(1, 'c', 1, 7, SBC_DEV_RWM),    /* full */
    RULE(1, 'c', 1, 8, SBC_DEV_RWM),    /* random */
    RULE(1, 'c', 1, 9, SBC_DEV_RWM),    /* urandom */
    RULE(1, 'c', 5, 0, SBC_DEV_RWM),    /* tty */
    RULE(1, 'c', 5, 1, SBC_DEV_RWM),    /* console */
    RULE(1, 'c', 5, 2, SBC_DEV_RWM),    /* ptmx */
    RULE(1, 'c', 136, ANY, SBC_DEV_RWM), /* pts */
    RULE(0, 'c', 10, 229, SBC_DEV_RWM), /* fuse, as Docker */
};
const int sbc_dev_ndefault = sizeof sbc_dev_default / sizeof *sbc_dev_default;
const sbc_dev_rule sbc_dev_privileged = RULE(1, 'a', ANY, ANY, SBC_DEV_RWM);

/* ---- the model ---------------------------------------------------------- */

int sbc_dev_parse_access(const char *s, unsigned *acc)
{
    unsigned a = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        unsigned bit = *s == 'r' ? SBC_DEV_R : *s == 'w' ? SBC_DEV_W : *s == 'm' ? SBC_DEV_M : 0;
        if (!bit || (a & bit))
            return -1;
        a |= bit;
    }
    *acc = a;
    return 0;
}

static int num_ok(long long v)
{
    /* the eBPF program compares with 32-bit signed immediates; Linux device
     * numbers have 12 (major) and 20 (minor) bits */
    return v == ANY || (v >= 0 && v <= INT32_MAX);
}

static int rule_ok(const sbc_dev_rule *r)
{
    return (r->type == 'a' || r->type == 'b' || r->type == 'c') && num_ok(r->major) &&
           num_ok(r->minor) && !(r->access & ~(unsigned)SBC_DEV_RWM);
}

/* "*" or a number into *v; the end in *end. */
static int parse_num(const char *s, long long *v, const char **end)
{
    if (*s == '*') {
        *v = ANY;
        *end = s + 1;
        return 0;
    }
    if (*s < '0' || *s > '9')
        return -1;
    char *e;
    errno = 0;
    unsigned long long n = strtoull(s, &e, 10);
    if (errno || n > INT32_MAX)
        return -1;
    *v = (long long)n;
    *end = e;
    return 0;
}

int sbc_dev_rule_parse(const char *s, int allow, sbc_dev_rule *r, sbc_err *e)
{
    const char *p = s;
    sbc_dev_rule t = {.allow = allow, .major = ANY, .minor = ANY, .access = SBC_DEV_RWM};
    if (!s || (*s != 'a' && *s != 'b' && *s != 'c'))
        goto bad;
    t.type = *p++;
    if (t.type == 'a' && !*p) {
        *r = t;
        return 0;
    }
    if (*p++ != ' ' || parse_num(p, &t.major, &p) < 0 || *p++ != ':' || parse_num(p, &t.minor, &p) < 0)
        goto bad;
    if (*p == ' ' && sbc_dev_parse_access(p + 1, &t.access) < 0)
        goto bad;
    if (*p && *p != ' ')
        goto bad;
    *r = t;
    return 0;
bad:
    return sbc_err_set(e, SBC_EXIT_FAIL, "invalid device cgroup rule '%s' (TYPE MAJOR:MINOR [rwm], e.g. 'c 1:3 rwm')",
                       s ? s : "");
}

void sbc_dev_rule_str(const sbc_dev_rule *r, char *buf, size_t cap)
{
    char maj[24] = "*", min[24] = "*", acc[4];
    int n = 0;
    if (r->major != ANY)
        snprintf(maj, sizeof maj, "%lld", r->major);
    if (r->minor != ANY)
        snprintf(min, sizeof min, "%lld", r->minor);
    if (r->access & SBC_DEV_R)
        acc[n++] = 'r';
    if (r->access & SBC_DEV_W)
        acc[n++] = 'w';
    if (r->access & SBC_DEV_M)
        acc[n++] = 'm';
    acc[n] = 0;
    snprintf(buf, cap, "%c %s:%s %s", r->type, maj, min, acc);
}

/* Docker's rule: HOST[:CONTAINER][:PERMS]; a 2-part form is HOST:PERMS when
 * the second part is a valid mode. */
int sbc_device_parse(const char *arg, sbc_dev_rule *rule, sbc_dev_node *node, sbc_err *e)
{
    char *v = sbc_xstrdup(arg), *parts[3] = {0};
    int np = 0, rc = -1;
    unsigned acc = SBC_DEV_RWM;
    for (char *s = v, *c; np < 3; s = c + 1) {
        parts[np++] = s;
        if (!(c = strchr(s, ':')))
            break;
        *c = 0;
        if (np == 3) {
            sbc_err_set(e, SBC_EXIT_FAIL, "invalid device '%s' (HOST[:CONTAINER][:rwm])", arg);
            goto out;
        }
    }
    const char *host = parts[0], *dst = NULL, *perms = NULL;
    if (np == 3) {
        dst = parts[1];
        perms = parts[2];
    } else if (np == 2) {
        if (sbc_dev_parse_access(parts[1], &acc) == 0)
            perms = parts[1];
        else if (parts[1][0] == '/')
            dst = parts[1];
        else {
            sbc_err_set(e, SBC_EXIT_FAIL, "invalid device '%s': '%s' is neither a container path nor permissions (a subset of rwm)",
                        arg, parts[1]);
            goto out;
        }
    }
    if (!*host) {
        sbc_err_set(e, SBC_EXIT_FAIL, "invalid device '%s': no host path", arg);
        goto out;
    }
    if (perms && sbc_dev_parse_access(perms, &acc) < 0) {
        sbc_err_set(e, SBC_EXIT_FAIL, "invalid device '%s': bad permissions '%s' (a subset of rwm)", arg, perms);
        goto out;
    }
    if (!dst || !*dst)
        dst = host;
    if (dst[0] != '/') {
        sbc_err_set(e, SBC_EXIT_FAIL, "invalid device '%s': the container path '%s' is not absolute", arg, dst);
        goto out;
    }
    struct stat st;
    if (stat(host, &st) < 0) {
        sbc_err_sys(e, "device %s", host);
        goto out;
    }
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
        sbc_err_set(e, SBC_EXIT_FAIL, "device %s: not a character or block device", host);
        goto out;
    }
    char type = S_ISCHR(st.st_mode) ? 'c' : 'b';
    *rule = (sbc_dev_rule)RULE(1, type, (long long)major(st.st_rdev), (long long)minor(st.st_rdev), acc);
    *node = (sbc_dev_node){.path = sbc_xstrdup(dst), .type = type, .major = rule->major, .minor = rule->minor,
                           .mode = st.st_mode & 07777, .uid = st.st_uid, .gid = st.st_gid};
    rc = 0;
out:
    free(v);
    return rc;
}

void sbc_dev_node_free(sbc_dev_node *n)
{
    free(n->path);
    n->path = NULL;
}

/* ---- the v1 reduction ----------------------------------------------------- */

static void ex_rm(sbc_dev_state *st, const sbc_dev_rule *x)
{
    for (int i = 0; i < st->nex; i++) {
        sbc_dev_rule *w = &st->ex[i];
        if (w->type != x->type || w->major != x->major || w->minor != x->minor)
            continue;
        w->access &= ~x->access;
        if (!w->access)
            memmove(w, w + 1, (size_t)(--st->nex - i) * sizeof *w), i--;
    }
}

/* room for it: each rule adds at most two exceptions (sbc_dev_reduce) */
static void ex_add(sbc_dev_state *st, const sbc_dev_rule *x)
{
    for (int i = 0; i < st->nex; i++) {
        sbc_dev_rule *w = &st->ex[i];
        if (w->type == x->type && w->major == x->major && w->minor == x->minor) {
            w->access |= x->access;
            return;
        }
    }
    st->ex[st->nex++] = *x;
}

void sbc_dev_state_free(sbc_dev_state *st)
{
    free(st->ex);
    st->ex = NULL;
    st->nex = 0;
}

int sbc_dev_reduce(const sbc_dev_rule *r, int n, sbc_dev_state *st, sbc_err *e)
{
    /* a fresh cgroup below one that allows everything */
    st->allow_default = 1;
    st->nex = 0;
    st->ex = NULL;
    if (n < 0 || n > SBC_DEV_MAXRULES)
        return sbc_err_set(e, SBC_EXIT_FAIL, "too many device rules (%d, at most %d)", n, SBC_DEV_MAXRULES);
    st->ex = sbc_xcalloc((size_t)(2 * n + 1), sizeof *st->ex);
    for (int i = 0; i < n; i++) {
        if (!rule_ok(&r[i])) {
            char b[64];
            sbc_dev_rule_str(&r[i], b, sizeof b);
            sbc_dev_state_free(st);
            return sbc_err_set(e, SBC_EXIT_FAIL, "invalid device rule '%s'", b);
        }
        if (!r[i].access)
            continue;
        if (r[i].type == 'a' && r[i].major == ANY && r[i].minor == ANY && r[i].access == SBC_DEV_RWM) {
            st->allow_default = r[i].allow;
            st->nex = 0;
            continue;
        }
        /* v1 reads any "a ..." as all devices: split the narrower ones */
        static const char both[] = "bc";
        const char *types = r[i].type == 'a' ? both : &r[i].type;
        int nt = r[i].type == 'a' ? 2 : 1;
        for (int t = 0; t < nt; t++) {
            sbc_dev_rule x = r[i];
            x.type = types[t];
            x.allow = !st->allow_default;
            if (r[i].allow == st->allow_default)
                ex_rm(st, &x);
            else
                ex_add(st, &x);
        }
    }
    return 0;
}

static int ex_match(const sbc_dev_rule *x, char type, long long major, long long minor)
{
    return x->type == type && (x->major == ANY || x->major == major) && (x->minor == ANY || x->minor == minor);
}

int sbc_dev_check(const sbc_dev_state *st, char type, long long major, long long minor, unsigned access)
{
    for (int i = 0; i < st->nex; i++) {
        const sbc_dev_rule *x = &st->ex[i];
        if (!ex_match(x, type, major, minor))
            continue;
        if (st->allow_default && (access & x->access))
            return 0; /* a deny exception matches partially */
        if (!st->allow_default && !(access & ~x->access))
            return 1; /* an allow exception covers all of it */
    }
    return st->allow_default;
}

/* ---- v1 ------------------------------------------------------------------ */

int sbc_dev_v1_plan(const sbc_dev_rule *r, int n, sbc_dev_write *w, int cap, sbc_err *e)
{
    sbc_dev_state st;
    if (sbc_dev_reduce(r, n, &st, e) < 0)
        return -1;
    int k = -1;
    if (st.nex + 1 > cap) {
        sbc_err_set(e, SBC_EXIT_FAIL, "too many device rules");
        goto out;
    }
    const char *def = st.allow_default ? "devices.allow" : "devices.deny";
    const char *other = st.allow_default ? "devices.deny" : "devices.allow";
    w[0].file = def;
    strcpy(w[0].line, "a");
    for (k = 1; k <= st.nex; k++) {
        w[k].file = other;
        sbc_dev_rule_str(&st.ex[k - 1], w[k].line, sizeof w[k].line);
    }
out:
    sbc_dev_state_free(&st);
    return k;
}

int sbc_dev_v1_apply(const char *dir, const sbc_dev_rule *r, int n, sbc_err *e)
{
    if (n < 0 || n > SBC_DEV_MAXRULES)
        return sbc_err_set(e, SBC_EXIT_FAIL, "too many device rules (%d, at most %d)", n, SBC_DEV_MAXRULES);
    sbc_dev_write *w = sbc_xcalloc((size_t)(2 * n + 2), sizeof *w);
    int k = sbc_dev_v1_plan(r, n, w, 2 * n + 2, e), rc = k < 0 ? -1 : 0;
    /* each file opened once, one rule per write() (the kernel parses each
     * write on its own): two opens rather than one per rule */
    int fd[2] = {-1, -1};
    char p[PATH_MAX];
    for (int i = 0; i < k && rc == 0; i++) {
        int which = strcmp(w[i].file, "devices.allow") == 0;
        snprintf(p, sizeof p, "%s/%s", dir, w[i].file);
        if (fd[which] < 0 && (fd[which] = open(p, O_WRONLY | O_CLOEXEC)) < 0)
            rc = sbc_err_sys(e, "cgroup: open %s", p);
        else if (write(fd[which], w[i].line, strlen(w[i].line)) != (ssize_t)strlen(w[i].line))
            rc = sbc_err_sys(e, "cgroup: write '%s' to %s", w[i].line, p);
    }
    for (int i = 0; i < 2; i++)
        if (fd[i] >= 0)
            close(fd[i]);
    free(w);
    return rc;
}

/* ---- v2: the eBPF program -------------------------------------------------
 *
 * Registers: r1 = struct bpf_cgroup_dev_ctx *; r2 = device type
 * (BPF_DEVCG_DEV_*), r3 = access (BPF_DEVCG_ACC_*), r4 = major, r5 = minor,
 * r0 scratch and verdict.  One block per exception, each a run of
 * "jump to the next block unless it matches" and "r0 = verdict; exit"; the
 * default verdict last.  Every jump goes forward, so no loop and nothing
 * unreachable for the verifier. */

#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(d, s, o)     INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define MOV32_X(d, s)      INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV32_K(d, i)      INSN(BPF_ALU | BPF_MOV | BPF_K, d, 0, 0, i)
#define AND32_K(d, i)      INSN(BPF_ALU | BPF_AND | BPF_K, d, 0, 0, i)
#define RSH32_K(d, i)      INSN(BPF_ALU | BPF_RSH | BPF_K, d, 0, 0, i)
#define JNE_K(d, i)        INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, 0, i) /* offset patched */
#define JEQ_K(d, i)        INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, 0, i)
#define EXIT()             INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

enum { R0, R1, R2, R3, R4, R5 };

static int bpf_access(unsigned a)
{
    return ((a & SBC_DEV_R) ? BPF_DEVCG_ACC_READ : 0) | ((a & SBC_DEV_W) ? BPF_DEVCG_ACC_WRITE : 0) |
           ((a & SBC_DEV_M) ? BPF_DEVCG_ACC_MKNOD : 0);
}

#define ALL_ACC (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

/* Emit one exception's block at out[*k]; -1 when out is full. */
static int gen_block(const sbc_dev_rule *x, int allow_default, struct bpf_insn *out, int cap, int *k)
{
    struct bpf_insn b[10];
    int n = 0, acc = bpf_access(x->access);
    b[n++] = JNE_K(R2, x->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
    if (acc != ALL_ACC) {
        b[n++] = MOV32_X(R0, R3);
        if (allow_default) {
            /* a deny exception: it matches when the request has one of its bits */
            b[n++] = AND32_K(R0, acc);
            b[n++] = JEQ_K(R0, 0);
        } else {
            /* an allow exception: it matches when it covers all requested bits */
            b[n++] = AND32_K(R0, ALL_ACC & ~acc);
            b[n++] = JNE_K(R0, 0);
        }
    }
    if (x->major != ANY)
        b[n++] = JNE_K(R4, (int32_t)x->major);
    if (x->minor != ANY)
        b[n++] = JNE_K(R5, (int32_t)x->minor);
    b[n++] = MOV32_K(R0, allow_default ? 0 : 1);
    b[n++] = EXIT();
    if (*k + n > cap)
        return -1;
    for (int i = 0; i < n; i++) {
        if (BPF_CLASS(b[i].code) == BPF_JMP && BPF_OP(b[i].code) != BPF_EXIT)
            b[i].off = (int16_t)(n - (i + 1)); /* to the next block */
        out[(*k)++] = b[i];
    }
    return 0;
}

int sbc_dev_bpf_gen(const sbc_dev_rule *r, int n, struct bpf_insn *out, int cap, sbc_err *e)
{
    sbc_dev_state st;
    int k = 0;
    if (sbc_dev_reduce(r, n, &st, e) < 0)
        return -1;
    const struct bpf_insn head[] = {
        LDX_W(R2, R1, offsetof(struct bpf_cgroup_dev_ctx, access_type)),
        MOV32_X(R3, R2),
        RSH32_K(R3, 16),
        AND32_K(R2, 0xffff),
        LDX_W(R4, R1, offsetof(struct bpf_cgroup_dev_ctx, major)),
        LDX_W(R5, R1, offsetof(struct bpf_cgroup_dev_ctx, minor)),
    };
    int nh = (int)(sizeof head / sizeof *head);
    if (cap < nh + 2)
        goto full;
    for (; k < nh; k++)
        out[k] = head[k];
    for (int i = 0; i < st.nex; i++)
        if (gen_block(&st.ex[i], st.allow_default, out, cap - 2, &k) < 0)
            goto full;
    out[k++] = MOV32_K(R0, st.allow_default);
    out[k++] = EXIT();
    sbc_dev_state_free(&st);
    return k;
full:
    sbc_dev_state_free(&st);
    return sbc_err_set(e, SBC_EXIT_FAIL, "device program: more than %d instructions", cap);
}

static long sys_bpf(int cmd, union bpf_attr *a)
{
    return syscall(SYS_bpf, cmd, a, sizeof *a);
}

int sbc_dev_bpf_load(const sbc_dev_rule *r, int n, sbc_err *e)
{
    if (n < 0 || n > SBC_DEV_MAXRULES)
        return sbc_err_set(e, SBC_EXIT_FAIL, "too many device rules (%d, at most %d)", n, SBC_DEV_MAXRULES);
    struct bpf_insn *p = sbc_xcalloc((size_t)SBC_DEV_BPF_INSNS(n), sizeof *p);
    int k = sbc_dev_bpf_gen(r, n, p, SBC_DEV_BPF_INSNS(n), e), fd = -1;
    if (k < 0)
        goto out;
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = (uint64_t)(uintptr_t)p;
    a.insn_cnt = (uint32_t)k;
    /* no helper is called, so no GPL-only one: sbc's own licence will do */
    a.license = (uint64_t)(uintptr_t)"Apache-2.0";
    fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
    if (fd >= 0)
        goto out;
    int err = errno;
    if (err == EINVAL || err == EACCES) {
        /* the verifier said no: once more with its log, for the message */
        size_t lsz = 16384;
        char *log = calloc(1, lsz);
        if (log) {
            a.log_buf = (uint64_t)(uintptr_t)log;
            a.log_size = (uint32_t)lsz;
            a.log_level = 1;
            if (sys_bpf(BPF_PROG_LOAD, &a) < 0) {
                size_t l = strlen(log);
                while (l && log[l - 1] == '\n')
                    log[--l] = 0;
                char *last = strrchr(log, '\n');
                errno = err;
                sbc_err_sys(e, "load the device program (%d instructions)%s%s", k, l ? ": verifier: " : "",
                            l ? (last ? last + 1 : log) : "");
                free(log);
                goto out;
            }
        }
        free(log);
    }
    errno = err;
    sbc_err_sys(e, "load the device program (bpf BPF_PROG_LOAD)");
out:
    free(p);
    return fd;
}

/* The ids of the device programs attached to cgfd itself; the count or -1. */
static int query(int cgfd, uint32_t *ids, uint32_t cap)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.query.target_fd = (uint32_t)cgfd;
    a.query.attach_type = BPF_CGROUP_DEVICE;
    a.query.prog_ids = (uint64_t)(uintptr_t)ids;
    a.query.prog_cnt = cap;
    if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
        return -1;
    return (int)(a.query.prog_cnt < cap ? a.query.prog_cnt : cap);
}

int sbc_dev_bpf_attach(int cgfd, int prog, sbc_err *e)
{
    uint32_t old[64];
    int nold = query(cgfd, old, 64);
    if (nold < 0)
        nold = 0; /* old kernels lack the query; then nothing of ours is there */
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.target_fd = (uint32_t)cgfd;
    a.attach_bpf_fd = (uint32_t)prog;
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = BPF_F_ALLOW_MULTI;
    if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
        return sbc_err_sys(e, "attach the device program (bpf BPF_PROG_ATTACH)");
    for (int i = 0; i < nold; i++) {
        memset(&a, 0, sizeof a);
        a.prog_id = old[i];
        int fd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
        if (fd < 0) {
            if (errno == ENOENT)
                continue; /* gone meanwhile */
            return sbc_err_sys(e, "replace the device program: get program %u", old[i]);
        }
        memset(&a, 0, sizeof a);
        a.target_fd = (uint32_t)cgfd;
        a.attach_bpf_fd = (uint32_t)fd;
        a.attach_type = BPF_CGROUP_DEVICE;
        long rc = sys_bpf(BPF_PROG_DETACH, &a);
        int err = errno;
        close(fd);
        if (rc < 0 && err != ENOENT) {
            errno = err;
            return sbc_err_sys(e, "replace the device program: detach program %u", old[i]);
        }
    }
    return 0;
}

int sbc_dev_bpf_apply(const char *dir, const sbc_dev_rule *r, int n, sbc_err *e)
{
    int cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg < 0)
        return sbc_err_sys(e, "cgroup: open %s", dir);
    int prog = sbc_dev_bpf_load(r, n, e), rc = -1;
    if (prog >= 0) {
        rc = sbc_dev_bpf_attach(cg, prog, e);
        if (rc < 0)
            sbc_err_wrap(e, "%s", dir);
        close(prog); /* the attachment holds it; rmdir of the cgroup frees it */
    }
    close(cg);
    return rc;
}

int sbc_dev_bpf_count(const char *dir)
{
    int cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg < 0)
        return -1;
    uint32_t ids[64];
    int n = query(cg, ids, 64);
    close(cg);
    return n;
}

/* ---- OCI JSON ------------------------------------------------------------- */

/* A major/minor: absent, null or -1 is the wildcard. */
static int json_num(const cJSON *o, const char *key, long long *v)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!x || cJSON_IsNull(x)) {
        *v = ANY;
        return 0;
    }
    if (!cJSON_IsNumber(x) || x->valuedouble != (double)(long long)x->valuedouble)
        return -1;
    *v = (long long)x->valuedouble;
    return *v == -1 ? (*v = ANY, 0) : num_ok(*v) ? 0 : -1;
}

int sbc_dev_rules_from_json(const cJSON *arr, sbc_dev_rule **out, int *n, sbc_err *e)
{
    *out = NULL;
    *n = 0;
    if (!arr || cJSON_IsNull(arr))
        return 0;
    if (!cJSON_IsArray(arr))
        return sbc_err_set(e, SBC_EXIT_FAIL, "linux.resources.devices: not an array");
    int cnt = cJSON_GetArraySize(arr), i = 0;
    sbc_dev_rule *v = sbc_xcalloc((size_t)cnt + 1, sizeof *v);
    const cJSON *o;
    cJSON_ArrayForEach(o, arr) {
        const cJSON *al = cJSON_GetObjectItemCaseSensitive(o, "allow");
        const cJSON *ty = cJSON_GetObjectItemCaseSensitive(o, "type");
        const cJSON *ac = cJSON_GetObjectItemCaseSensitive(o, "access");
        sbc_dev_rule *r = &v[i];
        r->allow = cJSON_IsTrue(al);
        r->type = 'a';
        r->access = SBC_DEV_RWM;
        if (!cJSON_IsBool(al) ||
            (ty && !cJSON_IsNull(ty) && (!cJSON_IsString(ty) || strlen(ty->valuestring) != 1)) ||
            (ac && !cJSON_IsNull(ac) && !cJSON_IsString(ac)))
            goto bad;
        if (ty && cJSON_IsString(ty))
            r->type = ty->valuestring[0];
        if (ac && cJSON_IsString(ac) && *ac->valuestring && sbc_dev_parse_access(ac->valuestring, &r->access) < 0)
            goto bad;
        if (json_num(o, "major", &r->major) < 0 || json_num(o, "minor", &r->minor) < 0 || !rule_ok(r))
            goto bad;
        i++;
    }
    *out = v;
    *n = i;
    return 0;
bad:
    free(v);
    return sbc_err_set(e, SBC_EXIT_FAIL, "linux.resources.devices[%d]: invalid rule", i);
}

cJSON *sbc_dev_rules_to_json(const sbc_dev_rule *r, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        char t[2] = {r[i].type, 0}, b[64];
        cJSON_AddBoolToObject(o, "allow", r[i].allow);
        cJSON_AddStringToObject(o, "type", t);
        if (r[i].major != ANY)
            cJSON_AddNumberToObject(o, "major", (double)r[i].major);
        if (r[i].minor != ANY)
            cJSON_AddNumberToObject(o, "minor", (double)r[i].minor);
        sbc_dev_rule_str(&r[i], b, sizeof b);
        cJSON_AddStringToObject(o, "access", strrchr(b, ' ') + 1);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static int json_u32(const cJSON *o, const char *key, unsigned def, unsigned *v)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!x || cJSON_IsNull(x)) {
        *v = def;
        return 0;
    }
    if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble > 4294967295.0 ||
        x->valuedouble != (double)(long long)x->valuedouble)
        return -1;
    *v = (unsigned)x->valuedouble;
    return 0;
}

int sbc_dev_nodes_from_json(const cJSON *arr, sbc_dev_node **out, int *n, sbc_err *e)
{
    *out = NULL;
    *n = 0;
    if (!arr || cJSON_IsNull(arr))
        return 0;
    if (!cJSON_IsArray(arr))
        return sbc_err_set(e, SBC_EXIT_FAIL, "linux.devices: not an array");
    int cnt = cJSON_GetArraySize(arr), i = 0;
    sbc_dev_node *v = sbc_xcalloc((size_t)cnt + 1, sizeof *v);
    const cJSON *o;
    cJSON_ArrayForEach(o, arr) {
        const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "path"));
        const char *ty = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "type"));
        sbc_dev_node *d = &v[i];
        unsigned maj, min;
        int fifo = ty && !strcmp(ty, "p"); /* (a FIFO has no numbers) */
        if (!path || path[0] != '/' || !ty || strlen(ty) != 1 || !strchr("bcup", ty[0]) ||
            json_u32(o, "major", fifo ? 0 : UINT_MAX, &maj) < 0 || json_u32(o, "minor", fifo ? 0 : UINT_MAX, &min) < 0 ||
            maj == UINT_MAX || min == UINT_MAX || json_u32(o, "fileMode", 0666, &d->mode) < 0 ||
            json_u32(o, "uid", 0, &d->uid) < 0 || json_u32(o, "gid", 0, &d->gid) < 0) {
            for (int j = 0; j < i; j++)
                free(v[j].path);
            free(v);
            return sbc_err_set(e, SBC_EXIT_FAIL, "linux.devices[%d]: invalid device", i);
        }
        d->type = ty[0] == 'b' || ty[0] == 'p' ? ty[0] : 'c';
        d->major = maj;
        d->minor = min;
        d->mode &= 07777;
        d->path = sbc_xstrdup(path);
        i++;
    }
    *out = v;
    *n = i;
    return 0;
}

cJSON *sbc_dev_nodes_to_json(const sbc_dev_node *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        char t[2] = {v[i].type, 0};
        cJSON_AddStringToObject(o, "path", v[i].path);
        cJSON_AddStringToObject(o, "type", t);
        cJSON_AddNumberToObject(o, "major", (double)v[i].major);
        cJSON_AddNumberToObject(o, "minor", (double)v[i].minor);
        cJSON_AddNumberToObject(o, "fileMode", v[i].mode);
        cJSON_AddNumberToObject(o, "uid", v[i].uid);
        cJSON_AddNumberToObject(o, "gid", v[i].gid);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* ---- nodes ---------------------------------------------------------------- */

struct nodes {
    sbc_dev_node *v;
    int n, cap;
};

static int walk(int dfd, const char *path, int depth, struct nodes *acc, sbc_err *e)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return sbc_err_sys(e, "read %s", path);
    }
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        const char *nm = de->d_name;
        struct stat st;
        if (nm[0] == '.' || fstatat(dirfd(d), nm, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue; /* ., .., .udev, .lxc; gone meanwhile */
        char *p = sbc_xasprintf("%s/%s", path, nm);
        if (S_ISDIR(st.st_mode)) {
            int top = depth == 0;
            if (depth < 8 && !(top && (!strcmp(nm, "pts") || !strcmp(nm, "shm") || !strcmp(nm, "mqueue") ||
                                       !strcmp(nm, "fd")))) {
                int sub = openat(dirfd(d), nm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub >= 0)
                    rc = walk(sub, p, depth + 1, acc, e);
            }
        } else if ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && !(depth == 0 && !strcmp(nm, "console"))) {
            if (acc->n == acc->cap) {
                acc->cap = acc->cap ? 2 * acc->cap : 64;
                acc->v = sbc_xrealloc(acc->v, (size_t)acc->cap * sizeof *acc->v);
            }
            acc->v[acc->n++] = (sbc_dev_node){.path = p, .type = S_ISCHR(st.st_mode) ? 'c' : 'b',
                                              .major = major(st.st_rdev), .minor = minor(st.st_rdev),
                                              .mode = st.st_mode & 07777, .uid = st.st_uid, .gid = st.st_gid};
            p = NULL;
        }
        free(p);
    }
    closedir(d);
    return rc;
}

int sbc_dev_nodes_host(const char *dir, sbc_dev_node **out, int *n, sbc_err *e)
{
    struct nodes acc = {0};
    *out = NULL;
    *n = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return sbc_err_sys(e, "open %s", dir);
    if (walk(fd, dir, 0, &acc, e) < 0) {
        for (int i = 0; i < acc.n; i++)
            free(acc.v[i].path);
        free(acc.v);
        return -1;
    }
    *out = acc.v;
    *n = acc.n;
    return 0;
}

/* In a user namespace no node can be made: the host's node at the same
 * path is bound on an empty file instead (podman's and runc's way), when it
 * is the device asked for. */
static int is_node(const char *path, const sbc_dev_node *n)
{
    struct stat st;
    return lstat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) &&
           (S_ISBLK(st.st_mode) ? 'b' : 'c') == n->type && major(st.st_rdev) == (unsigned)n->major &&
           minor(st.st_rdev) == (unsigned)n->minor;
}

/* The host's node for n: at the same path, else the first of /dev and its
 * subdirs (--device HOST:CTR gives the container's path only). */
static int host_node(const sbc_dev_node *n, char *out, size_t on)
{
    if (is_node(n->path, n)) {
        snprintf(out, on, "%s", n->path);
        return 0;
    }
    const char *dirs[] = {"/dev", NULL};
    DIR *d = opendir(dirs[0]);
    struct dirent *de;
    int found = -1;
    while (d && found < 0 && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(out, on, "/dev/%s", de->d_name);
        if (is_node(out, n)) {
            found = 0;
        } else if (de->d_type == DT_DIR) {
            DIR *sd = opendir(out);
            struct dirent *se;
            char sub[PATH_MAX];
            while (sd && found < 0 && (se = readdir(sd)))
                if (se->d_name[0] != '.' && snprintf(sub, sizeof sub, "%s/%s", out, se->d_name) < (int)sizeof sub &&
                    is_node(sub, n)) {
                    snprintf(out, on, "%s", sub);
                    found = 0;
                }
            if (sd)
                closedir(sd);
        }
    }
    if (d)
        closedir(d);
    return found;
}

static int bind_host_node(int dfd, const char *comp, const sbc_dev_node *n, sbc_err *e)
{
    char host[PATH_MAX];
    if (host_node(n, host, sizeof host) < 0)
        return sbc_err_set(e, SBC_EXIT_FAIL, "device %s: in a user namespace only a host node can be bound, and the "
                           "host has no %c %lld:%lld", n->path, n->type, (long long)n->major, (long long)n->minor);
    struct stat st;
    if (fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) &&
        (S_ISBLK(st.st_mode) ? 'b' : 'c') == n->type && major(st.st_rdev) == (unsigned)n->major &&
        minor(st.st_rdev) == (unsigned)n->minor)
        return 0; /* there already (the default nodes are bound so) */
    if (fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode) && unlinkat(dfd, comp, 0) < 0)
        return sbc_err_sys(e, "device %s: replace what is there", n->path); /* (e.g. the ptmx symlink) */
    int f = openat(dfd, comp, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    int t = f < 0 ? -1 : (int)syscall(SYS_open_tree, AT_FDCWD, host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    int rc = t < 0 ? -1
                   : (int)syscall(SYS_move_mount, t, "", f, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
    if (rc < 0)
        sbc_err_sys(e, "device %s: bind the host's node", n->path);
    if (t >= 0)
        close(t);
    if (f >= 0)
        close(f);
    return rc;
}

int sbc_dev_node_make(int rootfd, const sbc_dev_node *n, int from_host, sbc_err *e)
{
    char *p = sbc_xstrdup(n->path), *save = NULL;
    int dfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3), rc = -1;
    char *comp = strtok_r(p, "/", &save), *next;
    if (dfd < 0 || !comp) {
        sbc_err_set(e, SBC_EXIT_FAIL, "device %s: invalid path", n->path);
        goto out;
    }
    for (; (next = strtok_r(NULL, "/", &save)); comp = next) {
        if (!strcmp(comp, ".") || !strcmp(comp, "..")) {
            sbc_err_set(e, SBC_EXIT_FAIL, "device %s: '.' or '..' in the path", n->path);
            goto out;
        }
        if (mkdirat(dfd, comp, 0755) < 0 && errno != EEXIST) {
            sbc_err_sys(e, "device %s: mkdir %s", n->path, comp);
            goto out;
        }
        /* one component, O_NOFOLLOW: a symlink in the image is not followed */
        int d = openat(dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (d < 0) {
            sbc_err_sys(e, "device %s: open %s", n->path, comp);
            goto out;
        }
        close(dfd);
        dfd = d;
    }
    if (!strcmp(comp, ".") || !strcmp(comp, "..")) {
        sbc_err_set(e, SBC_EXIT_FAIL, "device %s: '.' or '..' in the path", n->path);
        goto out;
    }
    if (from_host && n->type != 'p') {
        rc = bind_host_node(dfd, comp, n, e);
        goto out;
    }
    mode_t m = (n->type == 'b' ? S_IFBLK : n->type == 'p' ? S_IFIFO : S_IFCHR) | (n->mode & 07777);
    dev_t dev = makedev((unsigned)n->major, (unsigned)n->minor);
    struct stat st;
    if (mknodat(dfd, comp, m, dev) < 0) {
        if (errno != EEXIST || fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode) ||
            unlinkat(dfd, comp, 0) < 0 || mknodat(dfd, comp, m, dev) < 0) {
            sbc_err_sys(e, "device %s: mknod", n->path);
            goto out;
        }
    }
    /* after the umask; the node is new and no container process runs yet */
    if (fchownat(dfd, comp, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0 || fchmodat(dfd, comp, n->mode & 07777, 0) < 0) {
        sbc_err_sys(e, "device %s: set owner and mode", n->path);
        goto out;
    }
    rc = 0;
out:
    if (dfd >= 0)
        close(dfd);
    free(p);
    return rc;
}

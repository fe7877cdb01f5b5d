/* devices.h - device access control: the rule model, Docker's default policy,
 * --device, and the two kernel back ends (v1 devices cgroup, v2 eBPF).
 *
 * Rules have OCI `linux.resources.devices` semantics: an ordered list of
 * {allow, type a|b|c, major, minor (-1 = any), access "rwm"} applied like
 * writes to a v1 cgroup's devices.allow / devices.deny.  Both back ends are
 * driven from one reduction of that list to what the v1 kernel keeps (a
 * default, allow or deny, plus exceptions; sbc_dev_reduce), so a container
 * gets the same answers on v1, hybrid and v2:
 *   - v1: sbc_dev_v1_plan renders the writes ("a" to devices.deny, then one
 *     devices.allow line per exception), sbc_dev_v1_apply writes them;
 *   - v2: sbc_dev_bpf_gen emits a BPF_PROG_TYPE_CGROUP_DEVICE program from the
 *     same state, sbc_dev_bpf_apply loads it (raw bpf(2)) and attaches it to
 *     a cgroup with BPF_F_ALLOW_MULTI, replacing sbc's earlier program there.
 * Device nodes to create in the container (OCI `linux.devices`) are
 * sbc_dev_node; `--device HOST[:CONTAINER][:PERMS]` gives one rule and one node.
 */
#ifndef SBC_DEVICES_H
#define SBC_DEVICES_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include "base/err.h"

#define SBC_DEV_ANY (-1LL) /* major or minor wildcard ("*") */
enum { SBC_DEV_R = 1, SBC_DEV_W = 2, SBC_DEV_M = 4, SBC_DEV_RWM = 7 };

typedef struct sbc_dev_rule {
    int allow;              /* 1 allow, 0 deny */
    char type;              /* 'a' (any), 'b' or 'c' */
    unsigned access;        /* SBC_DEV_R|W|M */
    long long major, minor; /* SBC_DEV_ANY or 0..2^32-1 */
} sbc_dev_rule;

typedef struct sbc_dev_node {
    char *path;             /* absolute, in the container (malloc'd) */
    char type;              /* 'b', 'c' or 'p' (a FIFO, OCI's) */
    long long major, minor;
    unsigned mode;          /* permission bits, e.g. 0660 */
    unsigned uid, gid;
} sbc_dev_node;

/* Docker's default policy: deny all; c *:* m and b *:* m (mknod of any node,
 * not its use); c 1:3 1:5 1:7 1:8 1:9 5:0 5:1 5:2 136:* rwm; deny c 10:229
 * (fuse).  sbc_dev_privileged: allow a *:* rwm (--privileged). */
extern const sbc_dev_rule sbc_dev_default[];
extern const int sbc_dev_ndefault;
extern const sbc_dev_rule sbc_dev_privileged;

/* "rwm" subsets (non-empty, no repeats) into *acc; -1 when invalid. */
int sbc_dev_parse_access(const char *s, unsigned *acc);
/* One rule in the v1 syntax "TYPE MAJ:MIN ACCESS" ("c 1:3 rwm", "b *:* m",
 * "a"), as --device-cgroup-rule takes it; allow says which list. */
int sbc_dev_rule_parse(const char *s, int allow, sbc_dev_rule *r, sbc_err *e);
/* Render r in the v1 syntax into buf ("c 1:3 rwm", "a *:* rwm"). */
void sbc_dev_rule_str(const sbc_dev_rule *r, char *buf, size_t cap);

/* --device HOST[:CONTAINER][:PERMS]: stat HOST (symlinks followed), which
 * must be a char or block device; CONTAINER (absolute, default HOST) and
 * PERMS (subset of rwm, default rwm) as Docker splits them.  Fills the allow
 * rule and the node (node->path malloc'd; uid, gid and mode from HOST). */
int sbc_device_parse(const char *arg, sbc_dev_rule *rule, sbc_dev_node *node, sbc_err *e);
void sbc_dev_node_free(sbc_dev_node *n);

/* What the v1 kernel keeps of an ordered rule list: the default and the
 * exceptions (only 'b'/'c' types; an 'a' rule that is not "all devices, rwm"
 * is split in a 'b' and a 'c' one).  Exceptions with the same type and
 * numbers merge their access like the kernel's.  At most SBC_DEV_MAXRULES
 * rules; st->ex malloc'd (sbc_dev_state_free). */
#define SBC_DEV_MAXRULES 1024
typedef struct sbc_dev_state {
    int allow_default;      /* 1: everything not excepted is allowed */
    int nex;
    sbc_dev_rule *ex;       /* .allow = !allow_default; at most 2n */
} sbc_dev_state;
int sbc_dev_reduce(const sbc_dev_rule *r, int n, sbc_dev_state *st, sbc_err *e);
void sbc_dev_state_free(sbc_dev_state *st);
/* Whether the policy st allows access (one SBC_DEV_* bit or more) to
 * type major:minor: the kernel's v1 decision, used by the tests. */
int sbc_dev_check(const sbc_dev_state *st, char type, long long major, long long minor, unsigned access);

/* ---- v1 devices cgroup ---- */
typedef struct sbc_dev_write {
    const char *file;       /* "devices.allow" or "devices.deny" */
    char line[64];          /* "a", "c 1:3 rwm", "b *:* m" */
} sbc_dev_write;
/* The writes that give a fresh v1 devices cgroup the policy of r: first "a"
 * to devices.deny (or devices.allow for an allow-all default), then one line
 * per exception to the other file (at most 2n + 1 in all).  Returns the
 * number, -1 on error. */
int sbc_dev_v1_plan(const sbc_dev_rule *r, int n, sbc_dev_write *w, int cap, sbc_err *e);
/* Do them in dir (a leaf of the devices hierarchy, no tasks yet). */
int sbc_dev_v1_apply(const char *dir, const sbc_dev_rule *r, int n, sbc_err *e);

/* ---- v2 eBPF ---- */
/* Emit the BPF_PROG_TYPE_CGROUP_DEVICE program for r into out (struct
 * bpf_insn, 8 bytes each; at most SBC_DEV_BPF_INSNS(n)); the instruction
 * count, -1 when cap is too small or the rules are invalid. */
#define SBC_DEV_BPF_INSNS(n) (8 + 8 * 2 * (n))
struct bpf_insn;
int sbc_dev_bpf_gen(const sbc_dev_rule *r, int n, struct bpf_insn *out, int cap, sbc_err *e);
/* Load it (BPF_PROG_LOAD); a CLOEXEC program fd or -1 (e->errnum ENOSYS or
 * EPERM when the kernel offers no bpf(2) to us). */
int sbc_dev_bpf_load(const sbc_dev_rule *r, int n, sbc_err *e);
/* Attach prog to the cgroup directory fd cgfd as its device program
 * (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI: programs of the ancestors still
 * run, so the host's own policy stays and ours can only narrow it).  The
 * programs attached there before are detached after the new one is in, so
 * an update never leaves a moment without one. */
int sbc_dev_bpf_attach(int cgfd, int prog, sbc_err *e);
/* Load and attach to the cgroup directory dir. */
int sbc_dev_bpf_apply(const char *dir, const sbc_dev_rule *r, int n, sbc_err *e);
/* The number of device programs attached to dir (BPF_PROG_QUERY), -1 on error. */
int sbc_dev_bpf_count(const char *dir);

/* ---- OCI JSON ---- */
/* linux.resources.devices <-> rules ({"allow":true,"type":"c","major":1,
 * "minor":3,"access":"rwm"}; type absent = "a", numbers absent = any, access
 * absent = "rwm"). *out malloc'd. */
int sbc_dev_rules_from_json(const cJSON *arr, sbc_dev_rule **out, int *n, sbc_err *e);
cJSON *sbc_dev_rules_to_json(const sbc_dev_rule *r, int n);
/* linux.devices <-> nodes ({"path","type","major","minor","fileMode","uid","gid"}). */
int sbc_dev_nodes_from_json(const cJSON *arr, sbc_dev_node **out, int *n, sbc_err *e);
cJSON *sbc_dev_nodes_to_json(const sbc_dev_node *v, int n);

/* --privileged: every char and block device under the host's dir (/dev),
 * as Docker gives a privileged container; not pts/, shm/, mqueue/, fd/,
 * console or dot-directories.  Paths as on the host; *out malloc'd (free
 * each with sbc_dev_node_free). */
int sbc_dev_nodes_host(const char *dir, sbc_dev_node **out, int *n, sbc_err *e);

/* Create node n below the container's root (rootfd, before pivot_root):
 * parents made as directories (0755), no symlink followed, an existing
 * non-directory at the path replaced; mode, uid, gid applied. */
int sbc_dev_node_make(int rootfd, const sbc_dev_node *n, int from_host, sbc_err *e);

#endif

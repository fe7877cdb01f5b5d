/* seccomp_compact.c - a small program with the behaviour of a big one.
 *
 * libseccomp's program for Docker's default profile is ~1300 instructions
 * (three ABIs: x86_64, x32, i386).  Loading it costs the start of every
 * container ~0.5 ms more than a small one: the kernel checks and JITs every
 * instruction and builds its per-syscall action cache by emulating the
 * filter for each syscall number of each ABI.  sbc_seccomp_compact derives
 * an equivalent program from libseccomp's output itself, so libseccomp stays
 * the authority on what the profile means:
 *   - the full program is run (a cBPF interpreter) for every architecture it
 *     names and every number where its action can change (each constant it
 *     compares with and the next; a one-bit test of the number, x32's, makes
 *     two halves): a number whose path never loads an argument has one
 *     constant action up to the next such number;
 *   - a number whose path loads one gets a copy of the instructions the full
 *     program can reach from that load with this architecture and number
 *     known (its argument rules, e.g. clone's namespace flags, socket's
 *     families, personality's values), jump offsets recomputed;
 *   - the result: the architecture dispatch, then per architecture a binary
 *     search over the ranges of equal action (O(log n) per call) whose
 *     leaves return or run such a copy.
 * The result is then checked against the full program on every number of
 * the sampled domains, numbers in the gaps, the architectures plus unknown
 * ones, and argument values around every constant the full program compares
 * with; any difference (or an instruction this code does not model) is an
 * error and the caller keeps the full program. */
#include "runtime/seccomp.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <linux/seccomp.h>

#include "base/io.h"

#define OFF_NR offsetof(struct seccomp_data, nr)
#define OFF_ARCH offsetof(struct seccomp_data, arch)
#define X32_BASE 0x40000000u
#define DOMAIN 4096u
#define BAD 0xffffffffu /* not a seccomp action: an unmodelled program */

uint32_t sbc_bpf_run(const struct sock_filter *f, unsigned n, const struct seccomp_data *d)
{
    uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = {0};
    for (unsigned pc = 0; pc < n; pc++) {
        const struct sock_filter *i = &f[pc];
        switch (i->code) {
        case BPF_LD | BPF_W | BPF_ABS:
            if (i->k > sizeof *d - 4 || (i->k & 3))
                return BAD;
            memcpy(&A, (const char *)d + i->k, 4);
            break;
        case BPF_LD | BPF_IMM: A = i->k; break;
        case BPF_LD | BPF_MEM: A = M[i->k % BPF_MEMWORDS]; break;
        case BPF_ST: M[i->k % BPF_MEMWORDS] = A; break;
        case BPF_MISC | BPF_TAX: X = A; break;
        case BPF_ALU | BPF_LSH | BPF_X: A = X < 32 ? A << X : 0; break;
        case BPF_ALU | BPF_RSH | BPF_K: A = i->k < 32 ? A >> i->k : 0; break;
        case BPF_ALU | BPF_AND | BPF_K: A &= i->k; break;
        case BPF_ALU | BPF_OR | BPF_K: A |= i->k; break;
        case BPF_JMP | BPF_JA: pc += i->k; break;
        case BPF_JMP | BPF_JEQ | BPF_K: pc += A == i->k ? i->jt : i->jf; break;
        case BPF_JMP | BPF_JGT | BPF_K: pc += A > i->k ? i->jt : i->jf; break;
        case BPF_JMP | BPF_JGE | BPF_K: pc += A >= i->k ? i->jt : i->jf; break;
        case BPF_JMP | BPF_JSET | BPF_K: pc += (A & i->k) ? i->jt : i->jf; break;
        case BPF_RET | BPF_K: return i->k;
        default: return BAD;
        }
    }
    return BAD;
}

/* The action for arch and nr when the path loads no argument; else *argpc
 * gets the pc of the first load of one and the result is 0. */
static uint32_t classify(const struct sock_filter *f, unsigned n, uint32_t arch, uint32_t nr, unsigned *argpc)
{
    uint32_t A = 0;
    *argpc = 0;
    for (unsigned pc = 0; pc < n; pc++) {
        const struct sock_filter *i = &f[pc];
        switch (i->code) {
        case BPF_LD | BPF_W | BPF_ABS:
            if (i->k == OFF_NR)
                A = nr;
            else if (i->k == OFF_ARCH)
                A = arch;
            else {
                *argpc = pc;
                return 0;
            }
            break;
        case BPF_ALU | BPF_AND | BPF_K: A &= i->k; break;
        case BPF_ALU | BPF_OR | BPF_K: A |= i->k; break;
        case BPF_JMP | BPF_JA: pc += i->k; break;
        case BPF_JMP | BPF_JEQ | BPF_K: pc += A == i->k ? i->jt : i->jf; break;
        case BPF_JMP | BPF_JGT | BPF_K: pc += A > i->k ? i->jt : i->jf; break;
        case BPF_JMP | BPF_JGE | BPF_K: pc += A >= i->k ? i->jt : i->jf; break;
        case BPF_JMP | BPF_JSET | BPF_K: pc += (A & i->k) ? i->jt : i->jf; break;
        case BPF_RET | BPF_K: return i->k;
        default: return BAD;
        }
    }
    return BAD;
}

typedef struct code {
    struct sock_filter *v;
    unsigned n, cap;
    int bad;
} code;

static void put(code *c, uint16_t op, uint8_t jt, uint8_t jf, uint32_t k)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->v = sbc_xrealloc(c->v, c->cap * sizeof *c->v);
    }
    c->v[c->n++] = (struct sock_filter){op, jt, jf, k};
}

static void append(code *c, const code *d)
{
    for (unsigned i = 0; i < d->n; i++)
        put(c, d->v[i].code, d->v[i].jt, d->v[i].jf, d->v[i].k);
    c->bad |= d->bad;
}

/* The instructions of f reachable from pc p with arch and nr known, copied
 * in order with their jumps retargeted (a branch decided by a known value
 * points both ways at the branch taken). */
static void slice(const struct sock_filter *f, unsigned n, unsigned p, uint32_t arch, uint32_t nr, code *out)
{
    /* per pc: reached, and A known (value) or not */
    unsigned char *reach = calloc(n, 1), *known = calloc(n, 1);
    uint32_t *val = calloc(n, sizeof *val);
    int *idx = calloc(n, sizeof *idx);
    if (!reach || !known || !val || !idx)
        abort();
#define REACH(s, kn, v)                                                   \
    do {                                                                  \
        unsigned s_ = (s);                                                \
        if (s_ >= n) {                                                    \
            out->bad = 1;                                                 \
        } else if (!reach[s_]) {                                          \
            reach[s_] = 1, known[s_] = (kn), val[s_] = (v);               \
        } else if (known[s_] && (!(kn) || val[s_] != (v))) {              \
            known[s_] = 0;                                                \
        }                                                                 \
    } while (0)
    reach[p] = 1;
    for (unsigned pc = p; pc < n; pc++) {
        if (!reach[pc])
            continue;
        const struct sock_filter *i = &f[pc];
        int kn = known[pc];
        uint32_t A = val[pc];
        switch (i->code) {
        case BPF_LD | BPF_W | BPF_ABS:
            kn = i->k == OFF_NR || i->k == OFF_ARCH;
            A = i->k == OFF_NR ? nr : arch;
            REACH(pc + 1, kn, A);
            break;
        case BPF_ALU | BPF_AND | BPF_K: REACH(pc + 1, kn, A & i->k); break;
        case BPF_ALU | BPF_OR | BPF_K: REACH(pc + 1, kn, A | i->k); break;
        case BPF_JMP | BPF_JA: REACH(pc + 1 + i->k, kn, A); break;
        case BPF_JMP | BPF_JEQ | BPF_K:
        case BPF_JMP | BPF_JGT | BPF_K:
        case BPF_JMP | BPF_JGE | BPF_K:
        case BPF_JMP | BPF_JSET | BPF_K: {
            int t = 0;
            uint16_t op = BPF_OP(i->code);
            if (kn)
                t = op == BPF_JEQ ? A == i->k : op == BPF_JGT ? A > i->k : op == BPF_JGE ? A >= i->k : (A & i->k) != 0;
            if (!kn || t)
                REACH(pc + 1 + i->jt, kn, A);
            if (!kn || !t)
                REACH(pc + 1 + i->jf, kn, A);
            break;
        }
        case BPF_RET | BPF_K: break;
        default: out->bad = 1; break;
        }
    }
#undef REACH
    int m = 0;
    for (unsigned pc = p; pc < n; pc++)
        idx[pc] = reach[pc] ? m++ : -1;
    for (unsigned pc = p; pc < n && !out->bad; pc++) {
        if (!reach[pc])
            continue;
        struct sock_filter i = f[pc];
        int self = idx[pc];
        if (i.code == (BPF_JMP | BPF_JA)) {
            i.k = (uint32_t)(idx[pc + 1 + i.k] - self - 1);
        } else if (BPF_CLASS(i.code) == BPF_JMP) {
            int t = idx[pc + 1 + i.jt], e = idx[pc + 1 + i.jf];
            if (t < 0)
                t = e;
            if (e < 0)
                e = t;
            i.jt = (uint8_t)(t - self - 1);
            i.jf = (uint8_t)(e - self - 1);
        }
        put(out, i.code, i.jt, i.jf, i.k);
    }
    free(reach);
    free(known);
    free(val);
    free(idx);
}

/* One range of syscall numbers [start, next start) with one action, or one
 * number with argument rules (argpc != 0). */
typedef struct seg {
    uint32_t start, action;
    unsigned argpc;
} seg;

static void tree(const struct sock_filter *f, unsigned n, uint32_t arch, const seg *s, int lo, int hi, code *out)
{
    if (hi - lo == 1) {
        if (s[lo].argpc)
            slice(f, n, s[lo].argpc, arch, s[lo].start, out);
        else
            put(out, BPF_RET | BPF_K, 0, 0, s[lo].action);
        return;
    }
    int mid = lo + (hi - lo) / 2;
    code l = {0}, r = {0};
    tree(f, n, arch, s, lo, mid, &l);
    tree(f, n, arch, s, mid, hi, &r);
    if (l.n <= 255) {
        put(out, BPF_JMP | BPF_JGE | BPF_K, (uint8_t)l.n, 0, s[mid].start);
    } else {
        put(out, BPF_JMP | BPF_JGE | BPF_K, 0, 1, s[mid].start);
        put(out, BPF_JMP | BPF_JA, 0, 0, l.n);
    }
    append(out, &l);
    append(out, &r);
    free(l.v);
    free(r.v);
}

/* The action of number nr in the sorted segments s[0..ns). */
static const seg *seg_of(const seg *s, int ns, uint32_t nr)
{
    int lo = 0, hi = ns; /* s[0].start <= nr */
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (s[mid].start <= nr)
            lo = mid;
        else
            hi = mid;
    }
    return &s[lo];
}

/* The block search of bitmap(): its size, then its code; leaves (ld M[0];
 * jset) jump to "ret a1" at pc ret1 (and "ret a0" right after). */
static unsigned bm_size(unsigned lo, unsigned hi)
{
    if (hi - lo == 1)
        return 2;
    unsigned mid = lo + (hi - lo) / 2, l = bm_size(lo, mid);
    return 1 + (l > 255) + l + bm_size(mid, hi);
}

static void bm_emit(const uint32_t *mask, uint32_t blk0, unsigned lo, unsigned hi, unsigned ret1, code *c)
{
    if (hi - lo == 1) {
        put(c, BPF_LD | BPF_MEM, 0, 0, 0);
        unsigned jt = ret1 - c->n - 1;
        put(c, BPF_JMP | BPF_JSET | BPF_K, (uint8_t)jt, (uint8_t)(jt + 1), mask[lo]);
        return;
    }
    unsigned mid = lo + (hi - lo) / 2, l = bm_size(lo, mid);
    if (l <= 255) {
        put(c, BPF_JMP | BPF_JGE | BPF_K, (uint8_t)l, 0, blk0 + mid);
    } else {
        put(c, BPF_JMP | BPF_JGE | BPF_K, 0, 1, blk0 + mid);
        put(c, BPF_JMP | BPF_JA, 0, 0, l);
    }
    bm_emit(mask, blk0, lo, mid, ret1, c);
    bm_emit(mask, blk0, mid, hi, ret1, c);
}

/* The same as tree() for the numbers of one half, smaller when most low
 * numbers have one of two actions (allowed or not, Docker's list with its
 * holes): a bitmap per 32 numbers tested with JSET.  [base, base + w):
 *   specials (the numbers there with other actions or argument rules): JEQ
 *   each to its code; nr >= base + w: the range tree; else M[0] = 1 << (nr &
 *   31), then a search over nr >> 5 whose leaves test M[0] against the
 *   block's bits and jump to the shared "ret A1" / "ret A0".
 * Returns 0 when it does not apply. */
static int bitmap(const struct sock_filter *f, unsigned n, uint32_t arch, const seg *s, int ns, code *out)
{
    uint32_t base = s[0].start, w = 0;
    /* w: up to the last segment that starts below base + 4096, in blocks */
    for (int i = 0; i < ns; i++)
        if (s[i].start - base < 4096 && s[i].start - base >= w)
            w = s[i].start - base + 1;
    w = (w + 31) & ~31u;
    if (w < 64 || base & 31)
        return 0;
    /* the two most common constant actions in the window */
    uint32_t a1 = 0, a0 = 0;
    unsigned c1 = 0, c0 = 0;
    for (int i = 0; i < ns && s[i].start - base < w; i++) {
        if (s[i].argpc)
            continue;
        uint32_t act = s[i].action;
        unsigned cnt = 0;
        for (int j = 0; j < ns && s[j].start - base < w; j++) {
            uint32_t end = j + 1 < ns && s[j + 1].start - base < w ? s[j + 1].start : base + w;
            if (!s[j].argpc && s[j].action == act)
                cnt += end - s[j].start;
        }
        if (cnt > c1 && act != a1) {
            if (act != a0)
                a0 = a1, c0 = c1;
            a1 = act, c1 = cnt;
        } else if (cnt > c0 && act != a1) {
            a0 = act, c0 = cnt;
        }
    }
    if (!c1)
        return 0;
    unsigned nblk = w / 32;
    uint32_t *mask = calloc(nblk, sizeof *mask);
    uint32_t *spec = calloc(w, sizeof *spec);
    if (!mask || !spec)
        abort();
    unsigned nspec = 0;
    for (uint32_t i = 0; i < w; i++) {
        const seg *g = seg_of(s, ns, base + i);
        if (g->argpc || (g->action != a1 && g->action != a0))
            spec[nspec++] = base + i;
        else if (g->action == a1)
            mask[i / 32] |= 1u << (i % 32);
    }
    code sc[64], rest = {0};
    if (nspec > 64) {
        free(mask);
        free(spec);
        return 0;
    }
    for (unsigned i = 0; i < nspec; i++) {
        const seg *g = seg_of(s, ns, spec[i]);
        memset(&sc[i], 0, sizeof sc[i]);
        if (g->argpc)
            slice(f, n, g->argpc, arch, spec[i], &sc[i]);
        else
            put(&sc[i], BPF_RET | BPF_K, 0, 0, g->action);
    }
    /* the numbers from base + w on: the segments from there */
    seg *r = calloc((size_t)ns + 1, sizeof *r);
    if (!r)
        abort();
    int nr_ = 0;
    const seg *g0 = seg_of(s, ns, base + w);
    r[nr_++] = (seg){.start = base + w, .action = g0->action, .argpc = g0->argpc};
    for (int i = 0; i < ns; i++)
        if (s[i].start > base + w)
            r[nr_++] = s[i];
    if (g0->argpc) { /* a number with argument rules starts the rest: unusual */
        free(r);
        free(mask);
        free(spec);
        for (unsigned i = 0; i < nspec; i++)
            free(sc[i].v);
        return 0;
    }
    tree(f, n, arch, r, 0, nr_, &rest);
    free(r);
    /* the layout: specials (JEQ + JA each), JGE + JA to the rest, the bit
     * (8), the block search, its two returns, the specials' code, the rest */
    unsigned tsize = bm_size(0, nblk);
    if (tsize > 250) {
        free(mask);
        free(spec);
        for (unsigned i = 0; i < nspec; i++)
            free(sc[i].v);
        free(rest.v);
        return 0;
    }
    unsigned head = 2 * nspec + 2 + 8, at = head + tsize + 2;
    code c = {0};
    for (unsigned i = 0; i < nspec; i++) {
        put(&c, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, spec[i]);
        put(&c, BPF_JMP | BPF_JA, 0, 0, at - c.n - 1);
        at += sc[i].n;
    }
    put(&c, BPF_JMP | BPF_JGE | BPF_K, 0, 1, base + w);
    put(&c, BPF_JMP | BPF_JA, 0, 0, at - c.n - 1);
    put(&c, BPF_ALU | BPF_AND | BPF_K, 0, 0, 31);
    put(&c, BPF_MISC | BPF_TAX, 0, 0, 0);
    put(&c, BPF_LD | BPF_IMM, 0, 0, 1);
    put(&c, BPF_ALU | BPF_LSH | BPF_X, 0, 0, 0);
    put(&c, BPF_ST, 0, 0, 0);
    put(&c, BPF_LD | BPF_W | BPF_ABS, 0, 0, OFF_NR);
    put(&c, BPF_ALU | BPF_RSH | BPF_K, 0, 0, 5);
    put(&c, BPF_MISC | BPF_TAX, 0, 0, 0); /* pad to 8: keeps A */
    bm_emit(mask, base / 32, 0, nblk, head + tsize, &c);
    put(&c, BPF_RET | BPF_K, 0, 0, a1);
    put(&c, BPF_RET | BPF_K, 0, 0, a0);
    for (unsigned i = 0; i < nspec; i++) {
        append(&c, &sc[i]);
        free(sc[i].v);
    }
    append(&c, &rest);
    free(rest.v);
    free(mask);
    free(spec);
    append(out, &c);
    free(c.v);
    return 1;
}

/* The sampled numbers: 0..DOMAIN-1 and X32_BASE..X32_BASE+DOMAIN-1. */
static uint32_t sample(unsigned i)
{
    return i < DOMAIN ? i : X32_BASE + (i - DOMAIN);
}

static int same(const struct sock_filter *a, unsigned na, const struct sock_filter *b, unsigned nb,
                const struct seccomp_data *d)
{
    uint32_t x = sbc_bpf_run(a, na, d);
    return x != BAD && x == sbc_bpf_run(b, nb, d);
}

/* Every comparison constant of f (and its neighbours) as argument values. */
static int arg_values(const struct sock_filter *f, unsigned n, uint64_t *v, int cap)
{
    int m = 0;
    static const uint64_t fixed[] = {0, 1, 0xffffffffull, 0x100000000ull, 0xffffffffffffffffull,
                                     0x8000000000000000ull, 0x7fffffffull, 0x80000000ull};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed && m < cap; i++)
        v[m++] = fixed[i];
    for (int b = 0; b < 64 && m < cap; b++)
        v[m++] = 1ull << b;
    for (unsigned pc = 0; pc < n; pc++) {
        if (BPF_CLASS(f[pc].code) != BPF_JMP && BPF_CLASS(f[pc].code) != BPF_ALU)
            continue;
        uint64_t k = f[pc].k;
        uint64_t c[] = {k, k - 1, k + 1, ~k & 0xffffffffull, k << 32, (k << 32) | k, (k << 32) | (k + 1)};
        for (size_t j = 0; j < sizeof c / sizeof *c && m < cap; j++)
            v[m++] = c[j];
    }
    return m;
}

/* The check: c decides as f does on every sampled number of every
 * architecture (and two unknown ones), and where f looks at arguments, for
 * each argument set to values around every constant f holds. */
static int verify(const struct sock_filter *f, unsigned n, const code *c, const uint32_t *arches, int narch,
                  sbc_err *e)
{
    unsigned argpc;
    uint64_t vals[512];
    int nv = arg_values(f, n, vals, 512);
    uint32_t archs[10];
    int na = 0;
    for (int a = 0; a < narch; a++)
        archs[na++] = arches[a];
    archs[na++] = 0;
    archs[na++] = 0xc00000b7; /* AUDIT_ARCH_AARCH64, or any other */
    static const uint32_t gaps[] = {DOMAIN, DOMAIN + 1, 0x10000, 0x3fffffff, X32_BASE + DOMAIN,
                                    0x7fffffff, 0x80000000, 0xbfffffff, 0xfffffffe, 0xffffffff};
    for (int a = 0; a < na; a++) {
        for (unsigned i = 0; i < 2 * DOMAIN + sizeof gaps / sizeof *gaps; i++) {
            uint32_t nr = i < 2 * DOMAIN ? sample(i) : gaps[i - 2 * DOMAIN];
            struct seccomp_data d = {.nr = (int)nr, .arch = archs[a]};
            int dyn = i < 2 * DOMAIN && a < narch && classify(f, n, archs[a], nr, &argpc) == 0 && argpc;
            int ok = same(f, n, c->v, c->n, &d);
            for (int x = 0; ok && dyn && x < 6; x++)
                for (int y = 0; ok && y < nv; y++) {
                    memset(d.args, 0, sizeof d.args);
                    d.args[x] = vals[y];
                    ok = same(f, n, c->v, c->n, &d);
                }
            if (!ok) {
                return sbc_err_set(e, SBC_EXIT_FAIL, "seccomp compact: differs from the full program at arch 0x%x nr %u",
                                   archs[a], nr);
            }
        }
    }
    return 0;
}

int sbc_seccomp_compact(const sbc_seccomp_prog *full, sbc_seccomp_prog *out, sbc_err *e)
{
    const struct sock_filter *f = full->insns;
    unsigned n = full->len;
    uint32_t arches[8];
    int narch = 0;
    memset(out, 0, sizeof *out);
    /* the architectures: the constants compared right after loading arch */
    for (unsigned pc = 0; pc + 1 < n; pc++) {
        if (f[pc].code != (BPF_LD | BPF_W | BPF_ABS) || f[pc].k != OFF_ARCH)
            continue;
        for (unsigned q = pc + 1; q < n && BPF_CLASS(f[q].code) == BPF_JMP; q++) {
            if (f[q].code != (BPF_JMP | BPF_JEQ | BPF_K))
                continue;
            int have = 0;
            for (int i = 0; i < narch; i++)
                have |= arches[i] == f[q].k;
            if (!have) {
                if (narch == 8)
                    return sbc_err_set(e, SBC_EXIT_FAIL, "seccomp compact: too many architectures");
                arches[narch++] = f[q].k;
            }
        }
    }
    if (!narch)
        return sbc_err_set(e, SBC_EXIT_FAIL, "seccomp compact: no architecture check found");
    /* an architecture the program does not name: one action whatever the
     * number (checked over the sample) */
    unsigned argpc;
    uint32_t other = classify(f, n, 0, 0, &argpc);
    for (unsigned i = 0; i < 2 * DOMAIN; i += 97)
        if (classify(f, n, 0, sample(i), &argpc) != other || argpc || other == BAD)
            return sbc_err_set(e, SBC_EXIT_FAIL, "seccomp compact: unknown architectures do not get one action");
    /* the numbers where an action can change: every constant the program
     * compares with, and the one after it; a single-bit test of the number
     * (x32's 0x40000000) splits the numbers in two halves, each searched on
     * its own */
    uint32_t bit = 0;
    unsigned nk = 0;
    uint32_t *ks = sbc_xcalloc(4 * (size_t)n + 8, sizeof *ks);
    for (unsigned pc = 0; pc < n; pc++) {
        if (BPF_CLASS(f[pc].code) != BPF_JMP || BPF_OP(f[pc].code) == BPF_JA)
            continue;
        uint32_t k = f[pc].k;
        if (BPF_OP(f[pc].code) == BPF_JSET) {
            if (pc > 0 && f[pc - 1].code == (BPF_LD | BPF_W | BPF_ABS) && f[pc - 1].k == OFF_NR) {
                if ((k & (k - 1)) || (bit && bit != k)) {
                    free(ks);
                    return sbc_err_set(e, SBC_EXIT_FAIL, "seccomp compact: the number is tested for more than one bit");
                }
                bit = k;
            }
            continue;
        }
        ks[nk++] = k;
        ks[nk++] = k + 1;
    }
    ks[nk++] = 0;
    ks[nk++] = 0x80000000u;
    ks[nk++] = 0x40000000u;
    ks[nk++] = 0xc0000000u;
    code c = {0}, blocks[8];
    seg *s = sbc_xcalloc((size_t)nk + 1, sizeof *s);
    memset(blocks, 0, sizeof blocks);
    for (int a = 0; a < narch; a++) {
        put(&blocks[a], BPF_LD | BPF_W | BPF_ABS, 0, 0, OFF_NR);
        code half[2] = {{0}, {0}};
        for (int h = 0; h < (bit ? 2 : 1); h++) {
            /* the sorted breakpoints of this half (bit clear, then set) */
            uint32_t *v = sbc_xcalloc((size_t)nk + 2, sizeof *v);
            unsigned nv = 0;
            v[nv++] = h ? bit : 0;
            for (unsigned i = 0; i < nk; i++)
                if (!bit || !!(ks[i] & bit) == h)
                    v[nv++] = ks[i];
            for (unsigned i = 1; i < nv; i++) /* insertion sort, unique */
                for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
                    uint32_t t = v[j];
                    v[j] = v[j - 1];
                    v[j - 1] = t;
                }
            int ns = 0;
            for (unsigned i = 0; i < nv; i++) {
                if (i && v[i] == v[i - 1])
                    continue;
                uint32_t act = classify(f, n, arches[a], v[i], &argpc);
                if (act == BAD && !argpc) {
                    free(v);
                    free(s);
                    free(ks);
                    return sbc_err_set(e, SBC_EXIT_FAIL, "seccomp compact: unmodelled instruction");
                }
                if (ns && !argpc && !s[ns - 1].argpc && s[ns - 1].action == act)
                    continue;
                s[ns++] = (seg){.start = v[i], .action = act, .argpc = argpc};
            }
            free(v);
            code bm = {0};
            tree(f, n, arches[a], s, 0, ns, &half[h]);
            if (bitmap(f, n, arches[a], s, ns, &bm) && bm.n < half[h].n && !bm.bad) {
                free(half[h].v);
                half[h] = bm;
            } else {
                free(bm.v);
            }
        }
        if (bit) {
            put(&blocks[a], BPF_JMP | BPF_JSET | BPF_K, 0, 1, bit);
            put(&blocks[a], BPF_JMP | BPF_JA, 0, 0, half[0].n);
        }
        append(&blocks[a], &half[0]);
        append(&blocks[a], &half[1]);
        free(half[0].v);
        free(half[1].v);
    }
    free(s);
    free(ks);
    /* ld arch; per arch: jeq a (jt 0, jf 1); ja block; then ret other */
    put(&c, BPF_LD | BPF_W | BPF_ABS, 0, 0, OFF_ARCH);
    unsigned at = 1 + 2 * (unsigned)narch + 1; /* the first block */
    for (int a = 0; a < narch; a++) {
        put(&c, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, arches[a]);
        put(&c, BPF_JMP | BPF_JA, 0, 0, at - c.n - 1);
        at += blocks[a].n;
    }
    put(&c, BPF_RET | BPF_K, 0, 0, other);
    for (int a = 0; a < narch; a++) {
        append(&c, &blocks[a]);
        free(blocks[a].v);
    }
    if (c.bad || c.n > BPF_MAXINSNS) {
        free(c.v);
        return sbc_err_set(e, SBC_EXIT_FAIL, "seccomp compact: cannot express the program");
    }
    if (verify(f, n, &c, arches, narch, e) < 0) {
        free(c.v);
        return -1;
    }
    out->insns = c.v;
    out->len = (unsigned short)c.n;
    out->flags = full->flags;
    out->owned = 1;
    return 0;
}

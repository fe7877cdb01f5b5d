/* ipam.c - CIDRs, subnet choice, the locked lease file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "base/io.h"
#include "net/ipam.h"

int sbc_ip_parse(const char *s, uint32_t *ip)
{
    struct in_addr a;
    if (!s || inet_pton(AF_INET, s, &a) != 1)
        return -1;
    *ip = ntohl(a.s_addr);
    return 0;
}

char *sbc_ip_fmt(uint32_t ip, char buf[16])
{
    snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
    return buf;
}

static uint32_t pmask(int len) { return len ? 0xffffffffu << (32 - len) : 0; }

int sbc_cidr_parse(const char *s, sbc_prefix *p, int loose)
{
    char ip[32];
    const char *sl = s ? strchr(s, '/') : NULL;
    if (!sl || sl - s >= (long)sizeof ip || !sl[1] || strlen(sl + 1) > 2)
        return -1;
    memcpy(ip, s, (size_t)(sl - s));
    ip[sl - s] = 0;
    char *end;
    long len = strtol(sl + 1, &end, 10);
    if (*end || len < 0 || len > 32 || sbc_ip_parse(ip, &p->addr) < 0)
        return -1;
    p->len = (int)len;
    if ((p->addr & ~pmask(p->len)) && !loose)
        return -1;
    return 0;
}

int sbc_prefix_overlap(sbc_prefix a, sbc_prefix b)
{
    int l = a.len < b.len ? a.len : b.len;
    return ((a.addr ^ b.addr) & pmask(l)) == 0;
}

int sbc_prefix_contains(sbc_prefix p, uint32_t ip) { return ((p.addr ^ ip) & pmask(p.len)) == 0; }

static int free_of(const sbc_prefix *used, int n, sbc_prefix c)
{
    for (int i = 0; i < n; i++)
        if (sbc_prefix_overlap(used[i], c))
            return 0;
    return 1;
}

int sbc_subnet_pick(const sbc_prefix *used, int n, sbc_prefix *out)
{
    sbc_prefix c;
    for (uint32_t x = 17; x <= 31; x++) {
        c = (sbc_prefix){(172u << 24) | (x << 16), 16};
        if (free_of(used, n, c))
            goto found;
    }
    for (uint32_t x = 200; x <= 254; x++) {
        c = (sbc_prefix){(10u << 24) | (x << 16), 16};
        if (free_of(used, n, c))
            goto found;
    }
    for (uint32_t x = 0; x <= 255; x++) {
        c = (sbc_prefix){(192u << 24) | (168u << 16) | (x << 8), 24};
        if (free_of(used, n, c))
            goto found;
    }
    return -1;
found:
    *out = c;
    return 0;
}

/* ---- lease file ---- */
static void lease_free(sbc_lease *x)
{
    free(x->cid);
    free(x->state_dir);
    free(x->ports);
}

void sbc_lease_add(sbc_leases *l, uint32_t ip, const char *cid, const char *state_dir, const char *ports)
{
    l->v = sbc_xrealloc(l->v, sizeof *l->v * (size_t)(l->n + 1));
    sbc_lease *x = &l->v[l->n++];
    x->ip = ip;
    x->cid = sbc_xstrdup(cid);
    x->state_dir = sbc_xstrdup(state_dir);
    x->ports = sbc_xstrdup(ports && *ports ? ports : "-");
}

void sbc_lease_del(sbc_leases *l, int i)
{
    lease_free(&l->v[i]);
    memmove(&l->v[i], &l->v[i + 1], sizeof *l->v * (size_t)(l->n - i - 1));
    l->n--;
}

static void parse_leases(sbc_leases *l, char *text)
{
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[4], *s2 = NULL;
        int nf = 0;
        for (char *t = strtok_r(line, " ", &s2); t && nf < 4; t = strtok_r(NULL, " ", &s2))
            f[nf++] = t;
        uint32_t ip;
        if (nf != 4 || sbc_ip_parse(f[0], &ip) < 0 || f[2][0] != '/')
            continue; /* a damaged line is ignored */
        sbc_lease_add(l, ip, f[1], f[2], f[3]);
    }
}

int sbc_leases_open(sbc_leases *l, const char *dir, sbc_err *e)
{
    memset(l, 0, sizeof *l);
    l->fd = -1;
    if (sbc_mkdir_p(dir, 0700, e) < 0)
        return -1;
    char *p = sbc_xasprintf("%s/leases.lock", dir);
    l->fd = sbc_lock_path(AT_FDCWD, p, e);
    free(p);
    if (l->fd < 0)
        return -1;
    l->dir = sbc_xstrdup(dir);
    p = sbc_xasprintf("%s/leases", dir);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    free(p);
    if (fd >= 0) {
        sbc_buf b = {0};
        char chunk[4096];
        ssize_t n;
        while ((n = sbc_read_full(fd, chunk, sizeof chunk)) > 0) {
            sbc_buf_add(&b, chunk, (size_t)n);
            if (n < (ssize_t)sizeof chunk)
                break;
        }
        close(fd);
        if (b.data)
            parse_leases(l, b.data);
        sbc_buf_free(&b);
    } else if (errno != ENOENT) {
        sbc_err_sys(e, "read %s/leases", dir);
        sbc_leases_close(l);
        return -1;
    }
    return 0;
}

int sbc_leases_save(sbc_leases *l, sbc_err *e)
{
    sbc_buf b = {0};
    char ip[16];
    for (int i = 0; i < l->n; i++)
        sbc_buf_printf(&b, "%s %s %s %s\n", sbc_ip_fmt(l->v[i].ip, ip), l->v[i].cid, l->v[i].state_dir,
                       l->v[i].ports);
    /* scratch (no fsync): a lease is as durable as the state dir it names,
     * and start-up latency matters more */
    char *dst = sbc_xasprintf("%s/leases", l->dir);
    int r = sbc_write_atomic_scratch(AT_FDCWD, dst, b.data ? b.data : "", b.len, 0600, e);
    free(dst);
    sbc_buf_free(&b);
    return r;
}

void sbc_leases_close(sbc_leases *l)
{
    for (int i = 0; i < l->n; i++)
        lease_free(&l->v[i]);
    free(l->v);
    free(l->dir);
    if (l->fd >= 0)
        close(l->fd); /* releases the lock */
    memset(l, 0, sizeof *l);
    l->fd = -1;
}

int sbc_lease_live(const sbc_lease *x)
{
    struct stat st;
    return stat(x->state_dir, &st) == 0 && S_ISDIR(st.st_mode);
}

int sbc_lease_find(const sbc_leases *l, const char *cid)
{
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].cid, cid))
            return i;
    return -1;
}

static int taken(const sbc_leases *l, uint32_t ip, int reclaim)
{
    for (int i = 0; i < l->n; i++)
        if (l->v[i].ip == ip && (!reclaim || sbc_lease_live(&l->v[i])))
            return 1;
    return 0;
}

int sbc_lease_pick(const sbc_leases *l, sbc_prefix net, uint32_t gw, uint32_t want, int reclaim,
                   uint32_t *out, sbc_err *e)
{
    uint32_t first = net.addr + 1, last = net.addr | ~pmask(net.len);
    if (net.len < 31)
        last--; /* broadcast */
    char a[16], b[16];
    if (want) {
        if (!sbc_prefix_contains(net, want) || want < first || want > last)
            return sbc_err_set(e, SBC_EXIT_FAIL, "address %s is not a host address of %s/%d",
                               sbc_ip_fmt(want, a), sbc_ip_fmt(net.addr, b), net.len);
        if (want == gw)
            return sbc_err_set(e, SBC_EXIT_FAIL, "address %s is the network's gateway", sbc_ip_fmt(want, a));
        if (taken(l, want, reclaim))
            return sbc_err_set(e, SBC_EXIT_FAIL, "address %s is already in use", sbc_ip_fmt(want, a));
        *out = want;
        return 0;
    }
    for (uint32_t ip = first; ip <= last && ip >= first; ip++) {
        if (ip == gw || taken(l, ip, reclaim))
            continue;
        *out = ip;
        return 0;
    }
    return sbc_err_set(e, SBC_EXIT_FAIL, "no free address left in %s/%d", sbc_ip_fmt(net.addr, b), net.len);
}

/* names.c - names within a user network: every attached container's hosts
 * file (state_dir/hosts, bind-mounted on /etc/hosts) has a line per other
 * member, "IP\tNAME ALIAS... CID12\t# net NETWORK", under the network's
 * leases lock.  The files are edited in place (same inode), so the bind
 * mounts see each change; a reader may see a file being rewritten for a
 * moment.  The default network keeps Docker's behaviour: no names. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/io.h"
#include "base/json.h"
#include "net/ipam.h"
#include "net/netint.h"

/* The line of the member whose net.json is j, or NULL. */
static char *member_line(const cJSON *j, const char *net)
{
    const char *ip = sbc_json_str(j, "ip"), *name = sbc_json_str(j, "name"), *cid = sbc_json_str(j, "cid");
    if (!ip || !cid)
        return NULL;
    sbc_buf b = {0};
    sbc_buf_printf(&b, "%s\t", ip);
    if (name && *name)
        sbc_buf_printf(&b, "%s ", name);
    const cJSON *it;
    cJSON_ArrayForEach(it, sbc_json_arr(j, "aliases")) if (cJSON_IsString(it))
        sbc_buf_printf(&b, "%s ", it->valuestring);
    sbc_buf_printf(&b, "%.12s\t# net %s\n", cid, net);
    return b.data;
}

/* Rewrite dir/hosts in place without the line of ip on net, then with add
 * (may be NULL).  A missing file is left missing. */
static void hosts_edit(const char *dir, const char *net, const char *ip, const char *add)
{
    char *p = sbc_xasprintf("%s/hosts", dir), *mark = sbc_xasprintf("\t# net %s\n", net);
    int fd = open(p, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    sbc_err e = {0};
    size_t n = 0, il = strlen(ip), ml = strlen(mark);
    char *t = fd < 0 ? NULL : sbc_read_whole_fd(fd, p, 1 << 20, &n, &e);
    if (t) {
        sbc_buf out = {0};
        for (char *l = t, *nl; *l; l = nl + 1) {
            if (!(nl = strchr(l, '\n')))
                nl = l + strlen(l) - 1;
            size_t len = (size_t)(nl - l + 1);
            if (!(len > il + ml && !strncmp(l, ip, il) && l[il] == '\t' && !strncmp(nl + 1 - ml, mark, ml)))
                sbc_buf_add(&out, l, len);
        }
        if (add)
            sbc_buf_adds(&out, add);
        if (pwrite(fd, out.data ? out.data : "", out.len, 0) != (ssize_t)out.len || ftruncate(fd, (off_t)out.len) < 0)
            SBC_DEBUG("hosts of %s: %s", dir, strerror(errno));
        sbc_buf_free(&out);
    }
    free(t);
    if (fd >= 0)
        close(fd);
    free(p);
    free(mark);
}

static cJSON *net_json_of(const char *dir, const char *file)
{
    char *p = sbc_xasprintf("%s/%s", dir, file);
    sbc_err e = {0};
    cJSON *j = sbc_json_read(AT_FDCWD, p, &e);
    free(p);
    return j;
}

/* (a member's record: net.json, or net-NET.json when it was connected later) */
static cJSON *record_of(const char *dir, const char *net)
{
    char *f = sbc_xasprintf("net-%s.json", net);
    cJSON *j = net_json_of(dir, f);
    free(f);
    if (!j)
        j = net_json_of(dir, "net.json");
    return j;
}

void net_names_join(const sbc_netconf *c, const char *cid, const char *state_dir, const char *file)
{
    sbc_leases l;
    sbc_err e = {0};
    cJSON *me = net_json_of(state_dir, file);
    char *mine = me ? member_line(me, c->name) : NULL;
    if (mine && sbc_leases_open(&l, c->dir, &e) == 0) {
        for (int i = 0; i < l.n; i++) {
            if (!strcmp(l.v[i].cid, cid) || !sbc_lease_live(&l.v[i]))
                continue;
            cJSON *j = record_of(l.v[i].state_dir, c->name);
            char *line = j && !strcmp(sbc_json_str(j, "cid") ? sbc_json_str(j, "cid") : "", l.v[i].cid)
                             ? member_line(j, c->name) : NULL;
            if (line) {
                hosts_edit(state_dir, c->name, sbc_json_str(j, "ip"), line);
                hosts_edit(l.v[i].state_dir, c->name, sbc_json_str(me, "ip"), mine);
            }
            free(line);
            cJSON_Delete(j);
        }
        sbc_leases_close(&l);
    }
    free(mine);
    cJSON_Delete(me);
}

void net_names_leave(const sbc_leases *l, const char *net, const char *ip)
{
    for (int i = 0; i < l->n; i++)
        if (sbc_lease_live(&l->v[i]))
            hosts_edit(l->v[i].state_dir, net, ip, NULL);
}

/* ps.c - sbc-ps: list containers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "applets.h"
#include "runtime/container.h"
#include "runtime/health.h"
#include "runtime/lifecycle.h"
#include "runtime/prune.h"
#include "base/digest.h"
#include "base/io.h"
#include "base/json.h"
#include "base/time.h"
#include "net/net.h"
#include "listfmt.h"
#include "opt.h"
#include "image/store.h"

const char ps_usage[] =
    "Usage: sbc-ps [-a] [-q] [-s] [--no-trunc] [-f KEY=VALUE]... [--format FORMAT]\n"
    "\n"
    "List running containers (-a: all).\n"
    "\n"
    "Options:\n"
    "  -a, --all           show all containers, not only running ones\n"
    "  -q, --quiet         only IDs\n"
    "  -s, --size          the SIZE column: the bytes the container wrote (its\n"
    "                      files) and with its image's (\"2B (virtual 1.2MB)\");\n"
    "                      implied by a --format naming .Size\n"
    "      --no-trunc      full IDs and commands\n"
    "  -f, --filter KEY=VALUE  only the containers that match: name= (a\n"
    "                      substring of the name), id= (a prefix), status=\n"
    "                      (created|running|paused|exited|...), label=KEY[=VALUE],\n"
    "                      ancestor=IMAGE, network=, volume= (a mount's source\n"
    "                      or destination), health=starting|healthy|unhealthy|none;\n"
    "                      the same key ORs, different keys AND\n"
    "      --format FORMAT json: one JSON object per line; else a Go template:\n"
    "                      {{.ID}} {{.Image}} {{.Command}} {{.CreatedAt}}\n"
    "                      {{.RunningFor}} {{.Ports}} {{.Status}} {{.Names}}\n"
    "                      {{.Labels}} {{.Mounts}} {{.Networks}} {{.State}}\n"
    "                      {{.Size}}, {{json .X}}, {{index .Labels \"k\"}},\n"
    "                      {{.Label \"k\"}}, {{if}}/{{range}}; 'table ...' adds\n"
    "                      a header\n";

/* "3 minutes" from the state's time until now (one that does not parse
 * counts from 1970, as it always did) */
static void since(const char *when, time_t now, char *d, size_t n)
{
    struct timespec t;
    sbc_time_parse(when, &t);
    sbc_human_duration((long long)now - t.tv_sec, d, n);
}

static void status_text(const sbc_container *c, time_t now, char *out, size_t n)
{
    const sbc_ctr_state *s = &c->state;
    char d[64];
    if (s->status == SBC_CTR_RUNNING) {
        since(s->started, now, d, sizeof d);
        int h = sbc_health_status(c), p = sbc_container_paused(c);
        snprintf(out, n, "Up %s%s%s%s%s", d, p ? " (Paused)" : "", !p && h ? " (" : "",
                 p || !h ? "" : h == SBC_HEALTH_STARTING ? "health: starting" : sbc_health_name(h), !p && h ? ")" : "");
    } else if (s->status == SBC_CTR_EXITED) {
        since(s->finished, now, d, sizeof d);
        snprintf(out, n, "%s (%d) %s ago", s->restarting ? "Restarting" : "Exited", s->exit_code, d);
    } else {
        snprintf(out, n, "Created");
    }
}

static void command_text(const sbc_container *c, char *out, size_t n)
{
    sbc_buf b = {0};
    sbc_buf_adds(&b, sbc_json_str(c->config, "Path") ? sbc_json_str(c->config, "Path") : "");
    const cJSON *it;
    cJSON_ArrayForEach(it, sbc_json_arr(c->config, "Args"))
        if (cJSON_IsString(it))
            sbc_buf_printf(&b, " %s", it->valuestring);
    snprintf(out, n, "%s", b.data ? b.data : "");
    sbc_buf_free(&b);
}

static const char *const ps_titles[] = {
    "ID", "CONTAINER ID", "Image", "IMAGE", "Command", "COMMAND", "CreatedAt", "CREATED AT",
    "RunningFor", "CREATED", "Ports", "PORTS", "Status", "STATUS", "Names", "NAMES", "Labels", "LABELS",
    "Mounts", "MOUNTS", "Networks", "NETWORKS", "State", "STATE", "Size", "SIZE", NULL};

/* Docker's ps row for ct (the listing's JSON, and what templates see) */
static cJSON *ps_row(const sbc_container *ct, time_t now, int idw, const char *ports, const char *size)
{
    char status[96], cmd[4096], created[64], d[64], idb[SBC_HEX_SIZE];
    status_text(ct, now, status, sizeof status);
    command_text(ct, cmd, sizeof cmd);
    struct timespec cr;
    sbc_time_parse(sbc_json_str(ct->config, "Created"), &cr);
    sbc_human_duration((long long)now - cr.tv_sec, d, sizeof d);
    snprintf(created, sizeof created, "%s ago", d);
    cJSON *j = cJSON_CreateObject();
    snprintf(idb, sizeof idb, "%.*s", idw, ct->id);
    cJSON_AddStringToObject(j, "ID", idb);
    sbc_json_add_str(j, "Image", sbc_json_str(ct->config, "Image"));
    cJSON_AddStringToObject(j, "Command", cmd);
    sbc_json_add_str(j, "CreatedAt", sbc_json_str(ct->config, "Created"));
    cJSON_AddStringToObject(j, "RunningFor", created);
    cJSON_AddStringToObject(j, "State", sbc_container_paused(ct)                          ? "paused"
                                        : ct->state.restarting && ct->state.status != SBC_CTR_RUNNING ? "restarting"
                                                                                                     : sbc_ctr_status_str(ct->state.status));
    cJSON_AddStringToObject(j, "Status", status);
    cJSON_AddStringToObject(j, "Ports", ports);
    cJSON_AddStringToObject(j, "Names", sbc_container_name(ct));
    sbc_fmt_labels(j, sbc_json_obj(sbc_json_obj(ct->config, "Config"), "Labels"));
    sbc_buf b = {0};
    const cJSON *m;
    cJSON_ArrayForEach(m, sbc_json_arr(ct->config, "Mounts")) if (sbc_json_str(m, "Source"))
        sbc_buf_printf(&b, "%s%s", b.len ? "," : "", sbc_json_str(m, "Source"));
    cJSON_AddStringToObject(j, "Mounts", b.len ? b.data : "");
    sbc_buf_free(&b);
    const char *net = sbc_json_str(sbc_json_obj(ct->config, "HostConfig"), "NetworkMode");
    cJSON_AddStringToObject(j, "Networks", net ? net : "");
    cJSON_AddStringToObject(j, "Size", size);
    return j;
}

static const char *const ps_filter_keys[] = {"name", "id", "status", "label", "ancestor", "network", "volume", "health", NULL};

static int ps_match(const char *key, const char *val, void *ctx)
{
    const sbc_container *ct = ctx;
    const cJSON *cf = ct->config;
    if (!strcmp(key, "name"))
        return strstr(sbc_container_name(ct), val) != NULL;
    if (!strcmp(key, "id"))
        return !strncmp(ct->id, val, strlen(val));
    if (!strcmp(key, "status"))
        return !strcmp(ct->state.restarting ? "restarting" : sbc_ctr_status_str(ct->state.status), val);
    if (!strcmp(key, "health"))
        return !strcmp(sbc_health_name(sbc_health_status(ct)), val);
    if (!strcmp(key, "label"))
        return sbc_filter_label(sbc_json_obj(sbc_json_obj(cf, "Config"), "Labels"), val);
    if (!strcmp(key, "network")) {
        const char *net = sbc_json_str(sbc_json_obj(cf, "HostConfig"), "NetworkMode");
        return net && !strcmp(net, val);
    }
    if (!strcmp(key, "volume")) {
        const cJSON *m;
        cJSON_ArrayForEach(m, sbc_json_arr(cf, "Mounts")) {
            const char *src = sbc_json_str(m, "Source"), *dst = sbc_json_str(m, "Destination");
            if ((src && !strcmp(src, val)) || (dst && !strcmp(dst, val)))
                return 1;
        }
        return 0;
    }
    /* ancestor: the image as named (busybox = busybox:latest) or its ID */
    const char *img = sbc_json_str(cf, "Image"), *iid = sbc_json_str(cf, "ImageID");
    size_t vl = strlen(val);
    size_t il = img ? strlen(img) : 0;
    if (img && (!strcmp(img, val) || (!strncmp(img, val, vl) && !strcmp(img + vl, ":latest")) ||
                (!strncmp(val, img, il) && !strcmp(val + il, ":latest"))))
        return 1;
    const char *hex = !strncmp(val, "sha256:", 7) ? val + 7 : val;
    return iid && strlen(hex) >= 4 && !strncmp(sbc_digest_hex(iid), hex, strlen(hex));
}

static void ps_table(const sbc_container *ct, const cJSON *row, int notrunc)
{
    const char *cmd = sbc_json_str(row, "Command");
    char q[4096];
    if (!notrunc && strlen(cmd) > 19)
        snprintf(q, sizeof q, "\"%.19s…\"", cmd);
    else
        snprintf(q, sizeof q, "\"%s\"", cmd);
    const char *image = sbc_json_str(row, "Image");
    const char *size = sbc_json_str(row, "Size");
    int sz = strcmp(size, "N/A") != 0; /* -s: a SIZE column after NAMES */
    printf("%s%s   %-20s %-22s %-15s %-25s %-20s %-*s%s\n", sbc_json_str(row, "ID"), "", image ? image : "", q,
           sbc_json_str(row, "RunningFor"), sbc_json_str(row, "Status"), sbc_json_str(row, "Ports"), sz ? 20 : 0,
           sbc_container_name(ct), sz ? size : "");
}

int ps_main(int argc, char **argv)
{
    enum { O_NOTRUNC = 256, O_FORMAT, O_FILTER = 'f' };
    static const sbc_option opts[] = {
        {"all", 'a', SBC_OPT_NOARG, 'a'}, {"quiet", 'q', SBC_OPT_NOARG, 'q'},
        {"no-trunc", 0, SBC_OPT_NOARG, O_NOTRUNC}, {"format", 0, SBC_OPT_ARG, O_FORMAT},
        {"filter", 'f', SBC_OPT_ARG, O_FILTER}, {"size", 's', SBC_OPT_NOARG, 's'}, {0}};
    sbc_opts o;
    int c, all = 0, quiet = 0, notrunc = 0, size = 0;
    const char *format = NULL;
    sbc_filters flt = {0};
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case 'a': all = sbc_opt_bool(&o); break;
        case 'q': quiet = sbc_opt_bool(&o); break;
        case 's': size = sbc_opt_bool(&o); break;
        case O_NOTRUNC: notrunc = sbc_opt_bool(&o); break;
        case O_FORMAT: format = sbc_fmt_arg(o.arg); break;
        case O_FILTER: sbc_filter_add(&flt, o.arg, ps_filter_keys); break;
        }
    }
    sbc_opt_operands(&o, 0, 0);
    static const char *const states[] = {"created", "restarting", "running", "removing", "paused", "exited", "dead"};
    for (int i = 0; i < flt.n; i++) {
        int ok = strcmp(flt.key[i], "status") != 0, hl = !strcmp(flt.key[i], "health");
        for (size_t k = 0; !ok && k < sizeof states / sizeof *states; k++)
            ok = !strcmp(flt.val[i], states[k]);
        for (int k = 0; hl && k < 4; k++)
            hl = strcmp(flt.val[i], sbc_health_name(k)) != 0;
        if (!ok || hl)
            sbc_filter_invalid(flt.key[i], (int)strlen(flt.key[i]), flt.val[i]);
    }
    all |= sbc_filter_get(&flt, "status") != NULL; /* as Docker: status= looks at all */
    sbc_fmt fm;
    sbc_fmt_init(&fm, quiet ? NULL : format, ps_titles);
    sbc_err e = {0};
    sbc_store st;
    if (sbc_store_open(&st, &e) < 0)
        return sbc_err_print(&e);
    /* only what the listing shows */
    static const char *const keep[] = {"Path", "Args", "Image", "ImageID", "Created", "Name", "Config",
                                       "HostConfig", "Mounts", NULL};
    sbc_container *cs;
    int n, rc = sbc_container_list_all(st.root, all, keep, &cs, &n, &e);
    if (rc < 0)
        return sbc_err_print(&e);
    size |= format && strstr(format, ".Size"); /* as Docker's CLI */
    time_t now = time(NULL);
    int idw = notrunc ? SBC_HEX_LEN : 12;
    if (!quiet && !format)
        printf("%-12s   %-20s %-22s %-15s %-25s %-20s %-*s%s\n", "CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
               "STATUS", "PORTS", size ? 20 : 0, "NAMES", size ? "SIZE" : "");
    for (int i = 0; i < n && rc == 0; i++) {
        sbc_container *ct = &cs[i];
        if (!sbc_filter_match(&flt, ps_match, ct))
            continue;
        if (quiet) {
            printf("%.*s\n", idw, ct->id);
            continue;
        }
        /* a stopped container's network is released: no ports, as Docker */
        char *ports = ct->state.status == SBC_CTR_RUNNING ? sbc_net_ports_string(ct->dir) : sbc_xstrdup("");
        char sz[64] = "N/A", rw[16], vi[16];
        if (size) {
            long long r, v;
            sbc_container_sizes(&st, ct, &r, &v);
            sbc_human_size(r, rw, sizeof rw), sbc_human_size(v, vi, sizeof vi);
            snprintf(sz, sizeof sz, "%s (virtual %s)", rw, vi);
        }
        cJSON *row = ps_row(ct, now, idw, ports, sz);
        if (format)
            rc = sbc_fmt_row(&fm, row, &e);
        else
            ps_table(ct, row, notrunc);
        cJSON_Delete(row);
        free(ports);
    }
    sbc_containers_free(cs, n);
    sbc_store_close(&st);
    sbc_filters_free(&flt);
    if (rc < 0) {
        sbc_fmt_free(&fm);
        return sbc_err_print(&e);
    }
    sbc_fmt_end(&fm);
    return 0;
}

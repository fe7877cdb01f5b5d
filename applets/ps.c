/* ps.c - sbc-ps: list containers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "applets.h"
#include "runtime/container.h"
#include "runtime/lifecycle.h"
#include "base/digest.h"
#include "base/io.h"
#include "base/json.h"
#include "base/time.h"
#include "net/net.h"
#include "opt.h"
#include "image/store.h"

const char ps_usage[] =
    "Usage: sbc-ps [-a] [-q] [--no-trunc] [--format json]\n"
    "\n"
    "List running containers (-a: all).\n"
    "\n"
    "Options:\n"
    "  -a, --all           show all containers, not only running ones\n"
    "  -q, --quiet         only IDs\n"
    "      --no-trunc      full IDs and commands\n"
    "      --format json   one JSON object per line\n";

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
        snprintf(out, n, "Up %s%s", d, sbc_container_paused(c) ? " (Paused)" : "");
    } else if (s->status == SBC_CTR_EXITED) {
        since(s->finished, now, d, sizeof d);
        snprintf(out, n, "Exited (%d) %s ago", s->exit_code, d);
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

int ps_main(int argc, char **argv)
{
    enum { O_NOTRUNC = 256, O_FORMAT };
    static const sbc_option opts[] = {
        {"all", 'a', SBC_OPT_NOARG, 'a'}, {"quiet", 'q', SBC_OPT_NOARG, 'q'},
        {"no-trunc", 0, SBC_OPT_NOARG, O_NOTRUNC}, {"format", 0, SBC_OPT_ARG, O_FORMAT}, {0}};
    sbc_opts o;
    int c, all = 0, quiet = 0, notrunc = 0, json = 0;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case 'a': all = sbc_opt_bool(&o); break;
        case 'q': quiet = sbc_opt_bool(&o); break;
        case O_NOTRUNC: notrunc = sbc_opt_bool(&o); break;
        case O_FORMAT:
            if (strcmp(o.arg, "json") && strcmp(o.arg, "{{json .}}"))
                sbc_usage_error("--format: only json is supported");
            json = 1;
            break;
        }
    }
    sbc_opt_operands(&o, 0, 0);
    sbc_err e = {0};
    sbc_store st;
    if (sbc_store_open(&st, &e) < 0)
        return sbc_err_print(&e);
    /* only what the listing shows */
    static const char *const keep[] = {"Path", "Args", "Image", "Created", "Name", NULL};
    sbc_container *cs;
    int n, rc = sbc_container_list_all(st.root, all, keep, &cs, &n, &e);
    sbc_store_close(&st);
    if (rc < 0)
        return sbc_err_print(&e);
    time_t now = time(NULL);
    int idw = notrunc ? SBC_HEX_LEN : 12;
    if (!quiet && !json)
        printf("%-12s   %-20s %-22s %-15s %-25s %-20s %s\n", "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS",
               "PORTS", "NAMES");
    for (int i = 0; i < n; i++) {
        sbc_container *ct = &cs[i];
        char status[96], cmd[4096], created[64], d[64];
        status_text(ct, now, status, sizeof status);
        command_text(ct, cmd, sizeof cmd);
        struct timespec cr;
        sbc_time_parse(sbc_json_str(ct->config, "Created"), &cr);
        sbc_human_duration((long long)now - cr.tv_sec, d, sizeof d);
        snprintf(created, sizeof created, "%s ago", d);
        const char *image = sbc_json_str(ct->config, "Image");
        /* a stopped container's network is released: no ports, as Docker */
        char *ports = !quiet && ct->state.status == SBC_CTR_RUNNING ? sbc_net_ports_string(ct->dir) : sbc_xstrdup("");
        if (quiet) {
            printf("%.*s\n", idw, ct->id);
        } else if (json) {
            cJSON *j = cJSON_CreateObject();
            char idb[SBC_HEX_SIZE];
            snprintf(idb, sizeof idb, "%.*s", idw, ct->id);
            cJSON_AddStringToObject(j, "ID", idb);
            sbc_json_add_str(j, "Image", image);
            cJSON_AddStringToObject(j, "Command", cmd);
            sbc_json_add_str(j, "CreatedAt", sbc_json_str(ct->config, "Created"));
            cJSON_AddStringToObject(j, "RunningFor", created);
            cJSON_AddStringToObject(j, "State", sbc_container_paused(ct) ? "paused" : sbc_ctr_status_str(ct->state.status));
            cJSON_AddStringToObject(j, "Status", status);
            cJSON_AddStringToObject(j, "Ports", ports);
            cJSON_AddStringToObject(j, "Names", sbc_container_name(ct));
            char *s = cJSON_PrintUnformatted(j);
            printf("%s\n", s);
            cJSON_free(s);
            cJSON_Delete(j);
        } else {
            char q[4096];
            if (!notrunc && strlen(cmd) > 19)
                snprintf(q, sizeof q, "\"%.19s…\"", cmd);
            else
                snprintf(q, sizeof q, "\"%s\"", cmd);
            printf("%.*s%s   %-20s %-22s %-15s %-25s %-20s %s\n", idw, ct->id, "",
                   image ? image : "", q, created, status, ports, sbc_container_name(ct));
        }
        free(ports);
    }
    sbc_containers_free(cs, n);
    return 0;
}

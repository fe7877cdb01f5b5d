/* restart.c - restart policies (restart.h). */
#include "runtime/restart.h"

#include <stdlib.h>
#include <string.h>

int sbc_restart_parse(const char *s, int *policy, int *max)
{
    *max = 0;
    if (!s || !*s || !strcmp(s, "no")) {
        *policy = SBC_RESTART_NO;
    } else if (!strcmp(s, "always")) {
        *policy = SBC_RESTART_ALWAYS;
    } else if (!strcmp(s, "unless-stopped")) {
        *policy = SBC_RESTART_UNLESS_STOPPED;
    } else if (!strncmp(s, "on-failure", 10) && (!s[10] || s[10] == ':')) {
        *policy = SBC_RESTART_ON_FAILURE;
        if (s[10] == ':') {
            char *end;
            long n = strtol(s + 11, &end, 10);
            if (!s[11] || *end || n < 0 || n > 1000000)
                return -1;
            *max = (int)n;
        }
    } else {
        return -1;
    }
    return 0;
}

const char *sbc_restart_name(int policy)
{
    static const char *const names[] = {"", "on-failure", "always", "unless-stopped"};
    return policy >= 0 && policy < 4 ? names[policy] : "";
}

int sbc_restart_due(int policy, int max, int code, const sbc_ctr_state *st, int boot)
{
    if (st->manual_stop && !(boot && policy == SBC_RESTART_ALWAYS))
        return 0;
    switch (policy) {
    case SBC_RESTART_ALWAYS:
    case SBC_RESTART_UNLESS_STOPPED:
        return 1;
    case SBC_RESTART_ON_FAILURE:
        return code != 0 && (max == 0 || st->restart_count < max);
    default:
        return 0;
    }
}

int sbc_restart_mark_stopped(sbc_container *c, sbc_err *e)
{
    if (sbc_container_lock(c, e) < 0)
        return -1;
    sbc_ctr_state st;
    int rc = sbc_ctr_state_read(c->dir, &st, e);
    if (rc == 0 && !st.manual_stop) {
        st.manual_stop = 1;
        st.restarting = 0;
        rc = sbc_ctr_state_write(c->dir, &st, e);
        c->state = st;
    }
    sbc_container_unlock(c);
    return rc;
}

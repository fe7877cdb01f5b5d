/* each.c - not an applet: sbc_container_each, the CONTAINER... loop of
 * stop, kill, rm, start, wait, logs and exec (see applets.h). */
#include "applets.h"

#include "base/err.h"
#include "image/store.h"
#include "runtime/container.h"

int sbc_container_each(char *const *refs, int n, sbc_container_fn fn, void *arg)
{
    sbc_err e = {0};
    sbc_store st;
    if (sbc_store_open(&st, &e) < 0)
        return sbc_err_print(&e);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        sbc_container ct = {.lockfd = -1}; /* freeable even if open fails early */
        int r = sbc_container_open(st.root, refs[i], &ct, &e) < 0 ? -1 : fn(st.root, refs[i], &ct, arg, &e);
        if (r)
            rc = r < 0 ? sbc_err_print(&e) : r;
        sbc_container_free(&ct);
    }
    sbc_store_close(&st);
    return rc;
}

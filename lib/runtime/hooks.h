/* hooks.h - OCI hooks (config.json "hooks"): prestart, createRuntime,
 * createContainer, startContainer, poststart, poststop; each a list of
 * {path, args, env, timeout}.  A hook gets the container's state JSON on
 * stdin and the caller's stdout and stderr; path is executed literally with
 * args as its argv (args[0] may differ from path, as Docker's is). */
#ifndef SBC_HOOKS_H
#define SBC_HOOKS_H
#include <cjson/cJSON.h>
#include "base/err.h"

/* Check the hooks object: known kinds only, absolute paths, strings in
 * args and env, a positive timeout. */
int sbc_hooks_check(const cJSON *hooks, sbc_err *e);
/* Run the hooks of kind in order; with nspidfd >= 0 each first joins that
 * process's namespaces nsflags (CLONE_NEW*).  -1 at the first that cannot
 * run, exits non-zero or outlives its timeout (killed), e naming it. */
int sbc_hooks_run(const cJSON *hooks, const char *kind, const char *state, int nspidfd, int nsflags,
                  sbc_err *e);

/* poststart and poststop: every hook runs, a failure is no reason to stop
 * (the spec: warn and go on); the first failure is in w, returns -1 then. */
int sbc_hooks_run_all(const cJSON *hooks, const char *kind, const char *state, sbc_err *w);

#endif

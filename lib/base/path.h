/* path.h - names that come from archives, made safe to use below a root. */
#ifndef SBC_PATH_H
#define SBC_PATH_H
#include <stddef.h>

/* Normalise an archive's member name (a layer's tar entry, a member of a
 * docker-save or OCI archive, a link target joined to its directory) into a
 * name relative to the archive's root, lexically: repeated "/" and "."
 * components are dropped, a leading "/" is the root (as Docker takes it),
 * ".." removes the component before it.  out gets "" for the root itself
 * (callers that need a member reject it).  0, or -1 with errno EXDEV when a
 * ".." climbs above the root ("../x", "a/../../x", "/.."), ENAMETOOLONG when
 * the result does not fit in outsz bytes.  The one normaliser of layer
 * extraction and archive loading: both rely on it for "nothing escapes". */
int sbc_path_norm(const char *in, char *out, size_t outsz);

#endif

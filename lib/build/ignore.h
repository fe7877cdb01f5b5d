/* ignore.h - .dockerignore: which files of a build context stay out.
 *
 * Docker's semantics (moby's patternmatcher and ignorefile packages):
 *  - the text is read line by line (a UTF-8 BOM at the start and a '\r'
 *    before each '\n' are dropped); a line whose first byte is '#' is a
 *    comment; the rest is trimmed of white space, a leading '!' makes it
 *    an exception (re-include), the pattern is cleaned like Go's
 *    filepath.Clean ("./a/../b" is "b", "a//b/" is "a/b") and a leading
 *    '/' is dropped: patterns are relative to the context root.  Empty
 *    patterns are ignored; a lone "!" is an error.
 *  - syntax of Go's filepath.Match: '*' any run of non-'/' characters,
 *    '?' one non-'/' character, "[a-z]" / "[^a-z]" classes of runes ("^"
 *    negates; as in Go a class may match '/'), '\' escapes the next
 *    character; plus moby's "**": at the end of a pattern (after an
 *    optional '/') anything at all, elsewhere any run of whole directories
 *    including none ("**\/x" matches "x" and "a/b/x").  A pattern Go would
 *    refuse (unterminated or empty class, trailing '\') is an error
 *    ".dockerignore:LINE: bad pattern \"P\"".
 *  - a path is excluded when the LAST pattern that matches the path itself
 *    or one of its parent directories is not an exception.
 * Bounds: at most SBC_IGNORE_MAX_PATTERNS patterns and lines of at most
 * SBC_IGNORE_MAX_LINE bytes (longer input is an error, not truncated).
 * Matching is O(path length x pattern length) per pattern, never
 * exponential.
 */
#ifndef SBC_BUILD_IGNORE_H
#define SBC_BUILD_IGNORE_H
#include <stddef.h>

#include "base/err.h"

#define SBC_IGNORE_MAX_PATTERNS 10000
#define SBC_IGNORE_MAX_LINE 4096

typedef struct sbc_ignore sbc_ignore;

/* Parse the text of a .dockerignore (len bytes; a NUL byte ends the
 * pattern of its line).  NULL and e set on a
 * bad pattern or a bound exceeded.  An empty text gives a matcher that
 * excludes nothing. */
sbc_ignore *sbc_ignore_parse(const char *text, size_t len, sbc_err *e);

/* 1 when relpath (relative to the context root, '/'-separated; cleaned
 * here, so "./a//b" is "a/b") is excluded, 0 when it is kept. */
int sbc_ignore_match(const sbc_ignore *ig, const char *relpath);

/* For the walker, on a directory sbc_ignore_match excluded: 1 when some
 * exception could still re-include a path below reldir (the walker must
 * descend and ask sbc_ignore_match for each entry), 0 when everything
 * below stays excluded (skip the directory).  It may answer 1 when no
 * path below is in fact re-included, never 0 when one is. */
int sbc_ignore_may_descend(const sbc_ignore *ig, const char *reldir);

/* Go's filepath.Match of one path element: 1 when name matches pattern,
 * 0 when not, -1 for a bad pattern (COPY's globs, element by element). */
int sbc_glob_match(const char *pattern, const char *name);

/* The number of patterns kept (for tests and --debug). */
size_t sbc_ignore_count(const sbc_ignore *ig);

void sbc_ignore_free(sbc_ignore *ig);

#endif

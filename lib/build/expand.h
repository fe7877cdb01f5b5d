/* expand.h - Docker's variable substitution and word processing for the
 * instructions that take it (ADD COPY ENV EXPOSE FROM LABEL STOPSIGNAL
 * USER VOLUME WORKDIR; not RUN CMD ENTRYPOINT, whose shell expands).
 *
 *   $VAR ${VAR}            the value, or "" when unset
 *   ${VAR:-word} ${VAR-word}   word when VAR is unset or empty / unset
 *   ${VAR:+word} ${VAR+word}   word when VAR is set and non-empty / set
 *   ${VAR:?msg}  ${VAR?msg}    an error when VAR is unset or empty / unset
 *   'text'                 literal (no expansion, no escapes)
 *   "text"                 expansion; the escape char escapes only " $ and
 *                          itself there (else it is kept)
 *   ESC c (unquoted)       c literally (an ESC at the end is dropped)
 *   $ not followed by a name or {  a literal $
 * The word in ${VAR:-word} is processed the same way (nesting is capped).
 * Quotes are removed.  A value substituted outside quotes is split at
 * blanks by sbc_expand_words; quoted text and escaped blanks are not.
 */
#ifndef SBC_BUILD_EXPAND_H
#define SBC_BUILD_EXPAND_H
#include <stddef.h>

#include "base/err.h"

/* name -> its value, or NULL when unset. */
typedef const char *(*sbc_expand_lookup)(const char *name, void *arg);

/* s processed as one word (no splitting).  A malloc'd string, or NULL + e
 * (an unterminated quote or ${, a bad modifier, ${VAR?msg}). */
char *sbc_expand_word(const char *s, char esc, sbc_expand_lookup fn, void *arg, sbc_err *e);

/* s processed and split into words: *words (malloc'd, NULL-terminated,
 * free each and the array) and *n.  0, or -1 + e. */
int sbc_expand_words(const char *s, char esc, sbc_expand_lookup fn, void *arg,
                     char ***words, size_t *n, sbc_err *e);

#endif

/* docgen.h - bash completion, man pages and completion's names, all made
 * from what the binary holds (the applet table, each usage text, the
 * store), so they cannot drift from the commands. */
#ifndef SBC_DOCGEN_H
#define SBC_DOCGEN_H
#include <stdio.h>

/* sbc --completion SHELL: the script (bash only); -1 for another shell. */
int sbc_completion_print(FILE *f, const char *shell);
/* sbc --man NAME: a man(7) page of applet NAME, or of "sbc" itself (whose
 * usage is multi_usage); -1 for an unknown name. */
int sbc_man_print(FILE *f, const char *name, const char *multi_usage);
/* sbc --complete KIND: containers, images, networks or volumes, one name a
 * line (nothing when the store is missing); -1 for an unknown kind. */
int sbc_complete_names(FILE *f, const char *kind);

#endif

#!/bin/bash
# 52-escape-remap: the escape suite (46-escape) again with every container
# in a remapped user namespace (issue 13): each attack must still fail.
ESCAPE_USERNS=remap
. "$(dirname "$0")/46-escape.sh"

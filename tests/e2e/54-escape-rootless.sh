#!/bin/bash
# 54-escape-rootless: the escape suite (46-escape) again with every container
# run by an ordinary user the suite makes (issue 13): each attack must still
# fail; the controls that need the host's root run as root.
ESCAPE_USERNS=rootless
. "$(dirname "$0")/46-escape.sh"

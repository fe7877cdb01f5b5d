# bench/cgparents.sh - sourced by the benches: sbc keeps its empty "sbc"
# cgroup parents (as Docker keeps "docker"); a bench removes the ones it made.
#   cg_parents_note     at the start
#   cg_parents_restore  in the EXIT trap
cg_parents_note() { SBC_CG_BEFORE=$(ls -d /sys/fs/cgroup/*/sbc /sys/fs/cgroup/sbc 2>/dev/null | tr '\n' ' '); }
cg_parents_restore() {
  local d
  for d in /sys/fs/cgroup/*/sbc /sys/fs/cgroup/sbc; do
    [ -d "$d" ] && [[ " ${SBC_CG_BEFORE:-} " != *" $d "* ]] && rmdir "$d" 2>/dev/null
  done
  return 0
}

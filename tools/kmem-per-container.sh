#!/usr/bin/env bash
#
# kmem-per-container.sh - the kernel memory a runtime's running containers hold, per container.
#
# USAGE (root)
#   tools/kmem-per-container.sh [-n N] [-r ROUNDS] BUNDLE RUNTIME [RUNTIME ...]
#   e.g.  tools/kmem-per-container.sh /tmp/bundle out/skiff /usr/sbin/runc /usr/bin/crun
#
#   BUNDLE's process should stay up (e.g. `sleep 1000`). For each round and runtime (the order alternates between
#   rounds): wait 5 s, read /proc/meminfo, start N (default 50) detached containers, wait 1.5 s, read again, delete
#   them, then print per container:
#     kernel   growth of SUnreclaim + KernelStack + PageTables + Percpu + AnonPages (what the containers hold)
#     used     growth of free(1)'s used (MemTotal - MemFree - Buffers - Cached - SReclaimable), as compare.sh's
#              "system memory" row reads it
#     pcp      growth of the pages in the per-CPU free lists (/proc/zoneinfo "count:"), which "used" counts too
#     pending  kernel memory still to be freed right after the N deletes returned (the kernel tears namespaces,
#              cgroups and zombies down in the next second or two)
#   The 5 s wait lets the previous runtime's pending memory go first; "used" minus "pcp" is about "kernel".
#   Like compare.sh, it runs in a private mount namespace with an empty tmpfs over /sys/fs/cgroup/unified on a
#   cgroup v1 hybrid host (crun refuses hybrid mode); the host's mounts are not changed.
set -uo pipefail

N=50 ROUNDS=3
while getopts n:r: o; do
  case $o in n) N=$OPTARG ;; r) ROUNDS=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
(($# >= 2)) || { echo "usage: $0 [-n N] [-r ROUNDS] BUNDLE RUNTIME..." >&2; exit 2; }
if [[ -z ${KMEM_IN_NS:-} ]]; then
  export KMEM_IN_NS=1
  exec unshare --mount --propagation private -- "$0" -n "$N" -r "$ROUNDS" "$@"
fi
if mountpoint -q /sys/fs/cgroup/unified; then
  umount /sys/fs/cgroup/unified
  mount -t tmpfs -o mode=755,size=64m kmem-scratch /sys/fs/cgroup/unified
fi
BUNDLE=$1
shift
WORK=$(mktemp -d /tmp/kmem.XXXXXX)
trap 'rm -rf -- "$WORK"' EXIT

kernel() { awk '/^(SUnreclaim|KernelStack|PageTables|Percpu|AnonPages):/ { s += $2 } END { print s }' /proc/meminfo; }
used() {
  awk '/^MemTotal:/ { t = $2 } /^MemFree:/ { f = $2 } /^Buffers:/ { b = $2 } /^Cached:/ { c = $2 }
       /^SReclaimable:/ { r = $2 } END { print t - f - b - c - r }' /proc/meminfo
}
pcp() { awk '$1 == "count:" { n += $2 } END { print n * 4 }' /proc/zoneinfo; }

for ((r = 0; r < ROUNDS; r++)); do
  order=("$@")
  if ((r % 2)); then order=(); for ((i = $# - 1; i >= 0; i--)); do order+=("${@:i+1:1}"); done; fi
  for rt in "${order[@]}"; do
    root=$WORK/$(basename "$rt")
    mkdir -p "$root"
    sleep 5
    k0=$(kernel) u0=$(used) p0=$(pcp)
    for ((i = 0; i < N; i++)); do
      "$rt" --root "$root" run -d -b "$BUNDLE" "kmem-$i" </dev/null >/dev/null || echo "$rt: run -d kmem-$i failed" >&2
    done
    sleep 1.5
    k1=$(kernel) u1=$(used) p1=$(pcp)
    for ((i = 0; i < N; i++)); do "$rt" --root "$root" delete -f "kmem-$i" >/dev/null 2>&1; done
    k2=$(kernel)
    printf '%-8s kernel %5d  used %5d  pcp %5d  pending %5d  KiB per container\n' "$(basename "$rt")" \
      $(((k1 - k0) / N)) $(((u1 - u0) / N)) $(((p1 - p0) / N)) $(((k2 - k0) / N))
  done
done

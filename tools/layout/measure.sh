#!/usr/bin/env bash
# tools/layout/measure.sh BINARY SCENARIO OUT: which pages of BINARY the calls of SCENARIO (see workload.sh) touch. BINARY runs from a small ext4
# image on a loop device whose read-ahead is off, mounted in a private mount namespace: a page gets into the page
# cache only when a process faults on it (the kernel's fault-around maps pages already cached, it reads none), so
# the cached pages afterwards are exactly the touched ones (`skiff init` runs the same file through its clone).
# OUT gets one page number per line. Needs root, jq, gcc, busybox-static; leaves nothing behind.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=$(realpath "$1")
scenario=$2
out=$(realpath -m "$3")
work=$(mktemp -d /var/tmp/skiff-layout.XXXXXX)
loop=
cleanup() {
    [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
gcc -O2 -o "$work/resident" "$here/resident.c"
"$repo/examples/make-busybox-bundle.sh" "$work/bundle" "$bin" >/dev/null
cp "$work/bundle/config.json" "$work/bundle/config.base.json"
mkdir "$work/mnt" "$work/state"
truncate -s 64M "$work/img"
mkfs.ext4 -q -F "$work/img"
loop=$(losetup -f --show "$work/img")
echo 0 > "/sys/block/$(basename "$loop")/queue/read_ahead_kb"
unshare -m --propagation private bash ${LAYOUT_TRACE:+-x} "$here/workload.sh" "$loop" "$work" "$bin" "$out" "$scenario"
echo "measure.sh: $scenario: $(wc -l < "$out") pages of $(( ($(stat -c %s "$bin") + 4095) / 4096 )) touched" >&2

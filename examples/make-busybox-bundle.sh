#!/usr/bin/env bash
# Builds an OCI bundle from busybox-static: DIR/rootfs and DIR/config.json.
#   examples/make-busybox-bundle.sh [DIR] [RUNTIME]   (defaults: examples/busybox, out/skiff)
# config.json is `RUNTIME spec` with terminal off and a command that greets and prints its capabilities.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here/busybox}
runtime=${2:-$here/../out/skiff}
busybox=/bin/busybox

if ! "$busybox" --list-full >/dev/null 2>&1 || ldd "$busybox" >/dev/null 2>&1; then
    echo "$busybox is missing or not static: apt-get install busybox-static" >&2
    exit 1
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rootfs=$dir/rootfs
rm -rf "$rootfs.tmp"
mkdir -p "$rootfs.tmp"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,proc,sys,dev,root,mnt,run,var}
chmod 1777 "$rootfs.tmp/tmp"
install -m 0755 "$busybox" "$rootfs.tmp/bin/busybox"
"$busybox" --list-full | while read -r applet; do
    [ "$applet" = bin/busybox ] && continue
    case $applet in */*) ;; *) continue ;; esac
    mkdir -p "$rootfs.tmp/$(dirname "$applet")"
    ln -sf /bin/busybox "$rootfs.tmp/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$rootfs.tmp/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' > "$rootfs.tmp/etc/group"
rm -rf "$rootfs"
mv "$rootfs.tmp" "$rootfs"

rm -f "$dir/config.json"
if ! "$runtime" spec --bundle "$dir" || [ ! -s "$dir/config.json" ]; then
    echo "'$runtime spec' did not write $dir/config.json" >&2
    exit 1
fi
tmp=$(mktemp)
jq '.process.terminal = false
    | .process.args = ["sh", "-c", "echo hello from skiff; cat /proc/self/status | grep ^Cap"]' \
    "$dir/config.json" > "$tmp"
mv "$tmp" "$dir/config.json"
echo "bundle ready: $dir"

#!/bin/sh
# Builds the Debian rootfs SystemdTests boot systemd from (as PID 1 of a skiff container):
# debootstrap bookworm, minbase plus systemd and dbus, from the Debian mirror apt is configured with.
# Usage: make-rootfs.sh [DIR]   (default /var/tmp/skiff-systemd-rootfs; ~250 MB, a few minutes)
set -eu
dir=${1:-/var/tmp/skiff-systemd-rootfs}
[ -e "$dir/.complete" ] && exit 0
command -v debootstrap >/dev/null || apt-get install -y debootstrap
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
rm -rf "$dir.tmp"
debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus bookworm "$dir.tmp" "${mirror:-http://deb.debian.org/debian}"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
touch "$dir/.complete"

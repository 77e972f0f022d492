#!/usr/bin/env bash
# tools/layout/make-layout.sh: measures which code the usual calls run and writes src/Skiff.Cli/layout/
# managed.order (ILC's method order) and native.ld (a linker script for the native code), so that the code a call
# runs sits together in the binary. Builds a symbol build of the current sources with the current layout, runs
# the scenarios of workload.sh with it (measure.sh: each touched page, exactly), and puts first the methods and
# native sections on the pages of `lifecycle`, then `ops`, then `misc`. Run it after larger code changes (names
# that are gone are ignored, new code lands after the measured one); running it twice settles the layout.
# Needs root (a loop device, a private mount namespace, containers), gcc, jq, busybox-static, python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
layout=$repo/src/Skiff.Cli/layout
tmp=$(mktemp -d /var/tmp/skiff-layout-build.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dotnet publish "$repo/src/Skiff.Cli" -c Release -o "$tmp/out" -p:StripSymbols=false \
    -p:IntermediateOutputPath="$tmp/obj/" -p:SkiffLinkMap="$tmp/skiff.map" >"$tmp/build.log" 2>&1 ||
    { tail -n 20 "$tmp/build.log" >&2; exit 1; }
scenarios=(lifecycle ops misc)
for s in "${scenarios[@]}"; do
    "$here/measure.sh" "$tmp/out/skiff" "$s" "$tmp/pages.$s"
done
pages=("${scenarios[@]/#/$tmp/pages.}")
python3 "$here/order.py" "$tmp/out/skiff" "${pages[@]}" > "$tmp/managed.order"
python3 "$here/native.py" "$tmp/out/skiff" "$tmp/skiff.map" "${pages[@]}" > "$tmp/native.ld"
mkdir -p "$layout"
mv "$tmp/managed.order" "$tmp/native.ld" "$layout/"
echo "make-layout.sh: wrote $layout/managed.order and $layout/native.ld; rebuild out/skiff (./build.sh)" >&2

#!/usr/bin/env bash
# tools/layout/make-layout.sh: measures which code the usual calls run and writes src/Skiff.Cli/layout/
# managed.order (ILC's method order) and native.ld (a linker script for the native code), so that the code a call
# runs sits together in the binary. Builds a symbol build of the current sources with the current layout, runs
# the scenarios of workload.sh with it (measure.sh: each touched page, exactly), and puts first the methods and
# native sections on the pages of `lifecycle`, then `ops`, then `misc`; of the lifecycle's methods, those a perf
# profile of it (sample.sh, sampled.py) saw running come first of all. Run it after larger code changes (names
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
# the methods the lifecycle spends time in (perf, when installed): first of all, densest
first=()
if command -v perf >/dev/null; then
    "$repo/examples/make-busybox-bundle.sh" "$tmp/bundle" "$tmp/out/skiff" >/dev/null
    cp "$tmp/bundle/config.json" "$tmp/bundle/config.base.json"
    perf record -q -F 30000 -o "$tmp/perf.data" -- bash "$here/sample.sh" "$tmp/out/skiff" "$tmp" 40 2>/dev/null
    python3 "$here/sampled.py" "$tmp/out/skiff" "$tmp/perf.data" > "$tmp/sampled"
    first=(--first "$tmp/sampled")
fi
python3 "$here/order.py" "${first[@]}" "$tmp/out/skiff" "${pages[@]}" > "$tmp/managed.order"
python3 "$here/native.py" "$tmp/out/skiff" "$tmp/skiff.map" "${pages[@]}" > "$tmp/native.ld"
mkdir -p "$layout"
mv "$tmp/managed.order" "$tmp/native.ld" "$layout/"
echo "make-layout.sh: wrote $layout/managed.order and $layout/native.ld; rebuild out/skiff (./build.sh)" >&2

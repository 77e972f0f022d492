#!/usr/bin/env bash
# Builds skiff (out/skiff) and runs the example busybox container.
# For a fresh Debian 12 machine, as root; the .NET 10 SDK must already be installed (see README).
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [ "$(id -u)" != 0 ]; then
    echo "build.sh: run as root (it installs packages and runs a container)" >&2
    exit 1
fi

# Build and run-time dependencies, installed only when missing.
missing=()
for pkg in busybox-static jq libseccomp-dev gcc libc6-dev; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "build.sh: installing ${missing[*]}"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
if ! command -v dotnet >/dev/null; then
    echo "build.sh: the .NET 10 SDK (dotnet) is required to build skiff; see README.md" >&2
    exit 1
fi

dotnet publish src/Skiff.Cli -c Release -o out
echo "build.sh: built $(pwd)/out/skiff"

examples/make-busybox-bundle.sh examples/busybox out/skiff
out/skiff run -b examples/busybox "example-$$"

#!/usr/bin/env bash
# Runs the unit tests, the integration tests (as root) and the .NET package's tests, writing TRX files to
# $RESULTS_DIR (default TestResults/), and ends with one line: "Tests: N passed, N failed, N skipped".
# The integration tests run SKIFF_RUNTIME (default: out/skiff, published here when missing or older than
# the sources); SKIFF_RUNTIME=/usr/sbin/runc runs them against runc, the oracle.
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results=${RESULTS_DIR:-TestResults}
rm -rf "$results"
mkdir -p "$results"

if [ -z "${SKIFF_RUNTIME:-}" ]; then
    if [ ! -x out/skiff ] || [ -n "$(find src native Directory.Build.props Directory.Packages.props \
            -newer out/skiff -type f 2>/dev/null | head -n 1)" ]; then
        echo "test.sh: publishing out/skiff"
        dotnet publish src/Skiff.Cli -c Release -o out || echo "test.sh: publish failed; the integration tests will fail" >&2
    fi
fi

dotnet test tests/Skiff.UnitTests --logger "trx;LogFileName=unit.trx" --results-directory "$results"
dotnet test tests/Skiff.IntegrationTests --logger "trx;LogFileName=integration.trx" --results-directory "$results" \
    --blame-hang-timeout 5m --blame-hang-dump-type none

# The .NET library (package Skiff): pack src/Skiff with out/skiff inside into the local feed .build/feed, then
# test the packed package (tests/Skiff.PackageTests restores it into .build/packages, emptied first so this
# run's package is the one tested) and run the example app that uses it (counted as one test). The package
# carries skiff itself (its `shim`), so this part runs only for skiff, not with SKIFF_RUNTIME=runc.
package_tests=0 example_passed=0 example_failed=0 out=""
if [ -z "${SKIFF_RUNTIME:-}" ]; then
    package_tests=1
    rm -rf .build/feed .build/packages/skiff
    if dotnet pack src/Skiff -c Release -o .build/feed; then
        dotnet test tests/Skiff.PackageTests --logger "trx;LogFileName=package.trx" --results-directory "$results" \
            --blame-hang-timeout 5m --blame-hang-dump-type none
        # the example: a shell snippet in a busybox rootfs with a memory limit and a timeout
        if examples/make-busybox-bundle.sh examples/busybox out/skiff >/dev/null &&
            out=$(dotnet run --project examples/dotnet-sandbox -- examples/busybox/rootfs 'echo hello from $(hostname)' \
                --memory 64 --timeout 60) && echo "$out" &&
            printf '%s\n' "$out" | grep -q '^hello from dotnet-' && printf '%s\n' "$out" | grep -q '^\[exit code 0\]$'; then
            example_passed=1
        else
            echo "test.sh: the example examples/dotnet-sandbox failed: $out" >&2
            example_failed=1
        fi
    else
        echo "test.sh: dotnet pack src/Skiff failed; the package tests are not run" >&2
    fi
fi

# The test host is ended by the runner before its exit handlers run: drop the run's empty scratch dirs.
find /tmp/skiff-it /run/skiff-it /run/skiff-pkgtest -mindepth 1 -maxdepth 1 -type d -empty -delete 2>/dev/null

count() { # outcome -> number of test results with it, over all TRX files
    cat "$results"/*.trx 2>/dev/null | grep -o "<UnitTestResult [^>]*outcome=\"$1\"" | wc -l
}
passed=$(($(count Passed) + example_passed))
failed=$(($(count Failed) + example_failed))
skipped=$(count NotExecuted)
# A test host that crashed or a project that did not build leaves no (or a partial) TRX: count it as a failure.
trxs="unit integration"
[ "$package_tests" = 1 ] && trxs="$trxs package"
for trx in $trxs; do
    [ -f "$results/$trx.trx" ] || { echo "test.sh: no results for the $trx tests" >&2; failed=$((failed + 1)); }
done
status=0
if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then
    status=1
fi
echo "Tests: $passed passed, $failed failed, $skipped skipped"
exit $status

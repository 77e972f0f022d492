#!/usr/bin/env bash
# Runs the unit tests and the integration tests (as root), writing TRX files to $RESULTS_DIR (default
# TestResults/), and ends with one line: "Tests: N passed, N failed, N skipped".
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

# The test host is ended by the runner before its exit handlers run: drop the run's empty scratch dirs.
find /tmp/skiff-it /run/skiff-it -mindepth 1 -maxdepth 1 -type d -empty -delete 2>/dev/null

count() { # outcome -> number of test results with it, over all TRX files
    cat "$results"/*.trx 2>/dev/null | grep -o "<UnitTestResult [^>]*outcome=\"$1\"" | wc -l
}
passed=$(count Passed)
failed=$(count Failed)
skipped=$(count NotExecuted)
# A test host that crashed or a project that did not build leaves no (or a partial) TRX: count it as a failure.
for trx in unit integration; do
    [ -f "$results/$trx.trx" ] || { echo "test.sh: no results for the $trx tests" >&2; failed=$((failed + 1)); }
done
status=0
if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then
    status=1
fi
echo "Tests: $passed passed, $failed failed, $skipped skipped"
exit $status

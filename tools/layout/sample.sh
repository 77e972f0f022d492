#!/usr/bin/env bash
# Part of tools/layout/make-layout.sh: runs the container lifecycle (as workload.sh's `lifecycle`) ROUNDS times with
# BINARY, under `perf record` by the caller, so that the functions these calls spend time in can be listed.
set -euo pipefail
bin=$1 work=$2 rounds=${3:-40}
B=$work/bundle
R=(--root "$work/sample-state")
cfg() { jq "$1" "$B/config.base.json" > "$B/config.json"; }
trap '"$bin" "${R[@]}" list -q 2>/dev/null | while read -r id; do "$bin" "${R[@]}" delete --force "$id"; done' EXIT
for i in $(seq "$rounds"); do
    cfg '.process.args = ["true"]'
    "$bin" "${R[@]}" run -b "$B" "r$i" >/dev/null
    cfg '.process.args = ["sleep", "1000"]'
    "$bin" "${R[@]}" create -b "$B" "c$i"
    "$bin" "${R[@]}" state "c$i" >/dev/null
    "$bin" "${R[@]}" start "c$i"
    "$bin" "${R[@]}" exec "c$i" true
    "$bin" "${R[@]}" list >/dev/null
    "$bin" "${R[@]}" run -d -b "$B" "d$i" >/dev/null
    "$bin" "${R[@]}" delete --force "c$i"
    "$bin" "${R[@]}" delete --force "d$i"
done

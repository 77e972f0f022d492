#!/usr/bin/env bash
# Part of tools/layout/measure.sh, run in a private mount namespace: mounts the read-ahead-free file system,
# copies BINARY there, remounts it (an empty page cache), runs the calls of SCENARIO with that copy, and writes
# the page numbers of the copy that are in the page cache (each page a process touched, and only those) to OUT.
#   lifecycle  what every container goes through: run, create/start/state/delete, run -d, delete --force, exec,
#              with and without a seccomp profile, a user and rlimits (as Docker and Podman configure them)
#   ops        the other calls on running containers and the common refusals
#   misc       --version, --help, spec, features
set -euo pipefail
loop=$1 work=$2 bin=$3 out=$4 scenario=$5
mnt=$work/mnt
mount "$loop" "$mnt"
cp "$bin" "$mnt/skiff"
umount "$mnt"
mount "$loop" "$mnt"
S=$mnt/skiff
R=(--root "$work/state")
B=$work/bundle
cfg() { jq "$1" "$B/config.base.json" > "$B/config.json"; }
# whatever happens, no container outlives the script
trap '"$S" "${R[@]}" list -q 2>/dev/null | while read -r id; do "$S" "${R[@]}" delete --force "$id"; done' EXIT
docker_like='.process.user = {"uid": 65534, "gid": 65534}
  | .process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]
  | .linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [{"names": ["read", "write", "exit", "exit_group", "execve", "brk", "mmap", "arch_prctl",
        "set_tid_address", "rt_sigaction", "rt_sigprocmask", "getpid", "close", "fstat", "newfstatat", "openat",
        "prctl", "capget", "capset", "setuid", "setgid", "setgroups", "getuid", "getgid", "fcntl", "futex",
        "set_robust_list", "rseq", "prlimit64", "mprotect", "munmap", "getrandom", "readlink", "uname",
        "statfs", "ioctl", "getcwd", "chdir", "fchdir", "poll", "sched_getaffinity", "sigaltstack",
        "rt_sigreturn", "pread64", "access", "faccessat2", "dup2", "dup3", "lseek", "getdents64", "nanosleep",
        "clock_nanosleep", "wait4", "kill"], "action": "SCMP_ACT_ALLOW"}]}'

case $scenario in
lifecycle)
    cfg '.process.args = ["true"]'
    "$S" "${R[@]}" run -b "$B" run1 >/dev/null
    cfg '.process.args = ["sh", "-c", "echo out; echo err >&2; exit 3"]'
    "$S" "${R[@]}" run -b "$B" run2 >/dev/null 2>&1 || true
    cfg '.process.args = ["sleep", "1000"]'
    "$S" "${R[@]}" create -b "$B" --pid-file "$work/pid" c1
    "$S" "${R[@]}" state c1 >/dev/null
    "$S" "${R[@]}" start c1
    "$S" "${R[@]}" exec c1 true
    "$S" "${R[@]}" run -d -b "$B" c2 >/dev/null
    "$S" "${R[@]}" kill c1 KILL
    for i in $(seq 100); do [ "$("$S" "${R[@]}" state c1 | jq -r .status)" = stopped ] && break; sleep 0.05; done
    "$S" "${R[@]}" delete c1
    "$S" "${R[@]}" delete --force c2
    cfg ".process.args = [\"sleep\", \"1000\"] | $docker_like"
    "$S" "${R[@]}" run -d -b "$B" c3 >/dev/null
    "$S" "${R[@]}" exec c3 true
    "$S" "${R[@]}" delete --force c3
    ;;
ops)
    cfg '.process.args = ["sleep", "1000"]'
    "$S" "${R[@]}" run -d -b "$B" c1 >/dev/null
    "$S" "${R[@]}" exec c1 sh -c 'echo hi' >/dev/null
    "$S" "${R[@]}" exec -d c1 sleep 1
    "$S" "${R[@]}" ps c1 >/dev/null
    "$S" "${R[@]}" list >/dev/null
    "$S" "${R[@]}" list -q >/dev/null
    "$S" "${R[@]}" --log-format json state c1 >/dev/null
    "$S" "${R[@]}" events --stats c1 >/dev/null
    "$S" "${R[@]}" pause c1
    "$S" "${R[@]}" resume c1
    "$S" "${R[@]}" update --pids-limit 100 c1
    "$S" "${R[@]}" kill c1
    "$S" "${R[@]}" delete --force c1
    "$S" "${R[@]}" state missing >/dev/null 2>&1 || true
    "$S" "${R[@]}" run -b "$B" 'bad/id' >/dev/null 2>&1 || true
    echo '{"ociVersion": "1.0.2", "process": {"args": ["true"]}}' > "$B/config.json"
    "$S" "${R[@]}" run -b "$B" bad1 >/dev/null 2>&1 || true
    ;;
misc)
    "$S" --version >/dev/null
    "$S" --help >/dev/null
    "$S" spec --bundle "$work" >/dev/null
    "$S" features >/dev/null
    ;;
*)
    echo "workload.sh: unknown scenario $scenario" >&2
    exit 2
    ;;
esac

trap - EXIT
"$work/resident" "$S" > "$out"
umount "$mnt"

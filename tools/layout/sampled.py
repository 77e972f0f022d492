#!/usr/bin/env python3
"""tools/layout/sampled.py BINARY PERFDATA: the functions of BINARY (a symbol build) that `perf record` samples in
PERFDATA fell into, in skiff's processes: one name per line. The code a call spends time in, exactly, though not
all of it (what runs only for a moment may be missed); make-layout.sh puts these first."""
import bisect, subprocess, sys

binary, data = sys.argv[1], sys.argv[2]
syms = []
for line in subprocess.run(["nm", "-S", "-n", "--defined-only", binary], capture_output=True, text=True, check=True).stdout.splitlines():
    f = line.split()
    if len(f) == 4 and f[2] in "tTwW":
        syms.append((int(f[0], 16), int(f[1], 16), f[3]))
addrs = [s[0] for s in syms]
hit = set()
out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip"], capture_output=True, text=True, check=True).stdout
for line in out.splitlines():
    f = line.split()
    if len(f) < 2 or not f[0].startswith("skiff"):
        continue
    try:
        ip = int(f[-1], 16)
    except ValueError:
        continue
    i = bisect.bisect_right(addrs, ip) - 1
    if i >= 0 and ip < syms[i][0] + max(syms[i][1], 1):
        hit.add(syms[i][2])
print("\n".join(sorted(hit)))
print(f"{len(hit)} functions sampled", file=sys.stderr)

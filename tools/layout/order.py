#!/usr/bin/env python3
"""tools/layout/order.py [--first NAMES] BINARY PAGES... : ILC's --order file (one managed method symbol per line) for BINARY, a
symbol build: first the methods on the pages the first PAGES file lists (tools/layout/measure.sh's output for
BINARY), then those of the next file not listed yet, and so on; each group in BINARY's address order, so that what
runs together stays together. With --first, the methods NAMES lists (tools/layout/sampled.py: those a
profile saw running) that lie on the first file's pages come before all of them. Methods no scenario touches
follow in ILC's own order. A summary goes to stderr."""
import subprocess, sys


def loads(binary):
    segs = []
    for line in subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            segs.append((int(f[1], 16), int(f[2], 16), int(f[4], 16)))  # file offset, vaddr, file size
    return segs


def touched(segs, pagefile):
    """The virtual page numbers of the file pages PAGEFILE lists."""
    pages = set()
    for line in open(pagefile):
        off = int(line) * 4096
        for o, v, sz in segs:
            if o <= off < o + sz:
                pages.add((v + off - o) // 4096)
    return pages


def on(pages, addr, size):
    return any(p in pages for p in range(addr // 4096, (addr + max(size, 1) - 1) // 4096 + 1))


def main():
    args = sys.argv[1:]
    first_names = set()
    if args and args[0] == "--first":
        first_names = {line.strip() for line in open(args[1]) if line.strip()}
        args = args[2:]
    binary, pagefiles = args[0], args[1:]
    segs = loads(binary)
    syms, start, stop = [], None, None
    for line in subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] == "__start___managedcode": start = int(f[0], 16)
        if len(f) == 3 and f[2] == "__stop___managedcode": stop = int(f[0], 16)
        if len(f) == 4 and f[2] in "tT":
            syms.append((int(f[0], 16), int(f[1], 16), f[3]))
    managed = sorted((a, s, n) for a, s, n in syms if start <= a < stop)
    seen, total = set(), 0
    if first_names:
        # the sampled methods of the first scenario's pages, before the rest of them
        pages = touched(segs, pagefiles[0])
        group = [(a, s, n) for a, s, n in managed if n in first_names and on(pages, a, s)]
        total += sum(s for a, s, n in group)
        print(f"sampled: {len(group)} methods first, {sum(s for a, s, n in group) // 1024} KiB", file=sys.stderr)
        for a, s, n in group:
            seen.add(n)
            print(n)
    for pf in pagefiles:
        pages = touched(segs, pf)
        group = [(a, s, n) for a, s, n in managed if n not in seen and on(pages, a, s)]
        size = sum(s for a, s, n in group)
        total += size
        print(f"{pf}: {len(group)} more methods, {size // 1024} KiB", file=sys.stderr)
        for a, s, n in group:
            seen.add(n)
            print(n)
    print(f"{len(seen)} of {len(managed)} managed methods first ({total // 1024} of {(stop - start) // 1024} KiB)", file=sys.stderr)



if __name__ == "__main__":
    main()

"""ratios.py results.txt: medians per workload and contender, and tmimport's ratios.

For every workload it prints the median ns/op, B/op and allocs/op of each contender
over the rounds in results.txt, then tmimport's median divided by each peer's (below
1.0 means tmimport is faster or smaller), and the range of the per-round ns/op ratios
(a round runs every contender once, so a round's ratio compares neighbours in time).
Then the same ratios from BenchmarkPaired, where the contenders alternate op by op:
the median over the rounds and their range.
"""
import re
import statistics
import sys

line = re.compile(r"^Benchmark(\w+)/lib=([\w-]+)-\d+\s+\d+\s+([\d.]+) ns/op\s+(\d+) B/op\s+(\d+) allocs/op")
samples = {}  # (workload, lib) -> list of (ns, B, allocs), in round order
for text in open(sys.argv[1]):
    m = line.match(text)
    if m:
        w, lib = m.group(1), m.group(2)
        samples.setdefault((w, lib), []).append(tuple(float(x) for x in m.group(3, 4, 5)))

peers = ["dataloadgen", "graph-gophers"]
for w in ["CacheHit", "Goroutines", "LoadMany"]:
    print(f"{w}:")
    med = {}
    for lib in ["tmimport"] + peers:
        s = samples.get((w, lib), [])
        if not s:
            continue
        med[lib] = [statistics.median(x[k] for x in s) for k in range(3)]
        print(f"  {lib:14} n={len(s):2}  {med[lib][0]:12.1f} ns/op  {med[lib][1]:9.0f} B/op  {med[lib][2]:6.0f} allocs/op")
    for p in peers:
        if "tmimport" not in med or p not in med:
            continue
        t, q = med["tmimport"], med[p]
        rounds = [a[0] / b[0] for a, b in zip(samples[(w, "tmimport")], samples[(w, p)])]
        b_ratio = f"{t[1] / q[1]:.2f}x" if q[1] else ("0 vs 0 B" if t[1] == 0 else "n/a")
        print(f"  tmimport / {p:14} ns/op {t[0] / q[0]:.2f}x (rounds {min(rounds):.2f}-{max(rounds):.2f}x)  B/op {b_ratio}")

paired = re.compile(r"^BenchmarkPaired/workload=([\w-]+)-\d+\s+\d+\s+(.*)$")
ratios = {}  # (workload, peer) -> per-round ratios
for text in open(sys.argv[1]):
    m = paired.match(text)
    if m:
        fields = m.group(2).split()
        for value, unit in zip(fields[::2], fields[1::2]):
            if unit.startswith("tmimport/"):
                ratios.setdefault((m.group(1), unit[len("tmimport/"):]), []).append(float(value))
if ratios:
    print("Paired (op by op), tmimport's time over the peer's:")
    for w in ["cache-hit", "goroutines", "loadmany"]:
        for p in peers:
            r = ratios.get((w, p))
            if r:
                print(f"  {w:10} / {p:14} {statistics.median(r):.2f}x (rounds {min(r):.2f}-{max(r):.2f}x, n={len(r)})")

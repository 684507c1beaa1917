"""Summarises bench/volumes raw lines ("variant round workload ms") as a Markdown table, best of the
rounds per variant, with podman's options as the reference column.

    summary.py RAW BIG_MIB FILES BERTH_OPTIONS PODMAN_OPTIONS
"""
import collections
import sys

raw, big, files, bopts, popts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
best = collections.defaultdict(dict)
for line in open(raw):
    v, _, name, ms = line.split()
    ms = int(ms)
    best[name][v] = min(ms, best[name].get(v, ms))
present = {v for d in best.values() for v in d}
msizes = sorted((v for v in present if v[0] == "m" and v[1:].isdigit()), key=lambda v: int(v[1:]))
variants = [v for v in ["berth", "podman"] + msizes + ["mmap", "loose", "virtiofs"] if v in present]
others = [v for v in variants if v != "podman"]
print("Berth: `%s`; podman: `%s`; mN: Berth's with msize=N. Best of the rounds, ms (bulk: MiB/s)." % (bopts, popts))
print()
print("| workload | " + " | ".join(variants + ["podman / %s" % v for v in others]) + " |")
print("|---|" + "---|" * (len(variants) + len(others)))
labels = {"write_1g": "write %d MiB" % big, "read_1g": "read %d MiB" % big,
          "create": "create %d x 1 KiB" % files, "stat": "stat each", "read": "cat each",
          "read8k": "head each (8 KiB reads)", "walk": "find \\| xargs stat"}
for name in labels:
    if name not in best:
        continue
    d = best[name]
    cell = lambda v: ("%d (%.0f MiB/s)" % (d[v], big * 1000 / d[v]) if name.endswith("_1g") else str(d[v])) if v in d else "-"
    ratio = lambda v: "%.2fx" % (d["podman"] / d[v]) if v in d and "podman" in d else "-"
    print("| %s | %s |" % (labels[name], " | ".join([cell(v) for v in variants] + [ratio(v) for v in others])))

#!/usr/bin/env python3
"""plot.py: draw web/bench/peers.png from build/web/bench/peers.json (written by
web/bench/peers.js): per data set, queries per second against recall@10 for
each library's sweep of search effort. Needs python3-matplotlib.

    python3 web/bench/plot.py [peers.json] [out.png]
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "web", "bench", "peers.json")
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "web", "bench", "peers.png")
with open(src) as f:
    res = json.load(f)

NAMES = {"ruvectorWasm": "@ruvector/wasm", "hnswlib": "hnswlib-wasm", "voy": "voy-search", "edgevec": "EdgeVec"}
sets = list(res["sets"].items())
fig, axes = plt.subplots(1, len(sets), figsize=(6 * len(sets), 4.5), squeeze=False)
for ax, (key, s) in zip(axes[0], sets):
    m = s["meta"]
    for lib, r in s["libs"].items():
        if "error" in r:
            continue
        runs = [("ruvector SIMD", r["simd"]), ("ruvector plain", r["plain"])] if lib == "ruvector" else [(NAMES[lib], r)]
        for name, x in runs:
            pts = x["points"]
            ax.plot([p["recall"] for p in pts], [p["qps"] for p in pts], marker="o", label=name)
    ax.axvline(0.95, color="grey", linestyle=":", linewidth=1)
    ax.set_yscale("log")
    ax.set_xlabel("recall@10")
    ax.set_ylabel("queries per second (one at a time, awaited)")
    ax.set_title(f"{key}: {m['n']:,} x {m['dim']} ({m['metric']}), {m['nq']} queries")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
fig.suptitle(f"Browser vector libraries in headless Chromium ({res['date'][:10]}, {res['cpus']} CPUs, load {res['load'][0]:.1f})")
fig.tight_layout()
fig.savefig(out, dpi=90)
print(f"written: {out}")

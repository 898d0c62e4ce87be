#!/usr/bin/python3
"""compare.py: data generator and report writer for the peer benchmark.

bench/run.sh runs ruvector, hnswlib and FAISS side by side and collects
their JSON lines; this file does the two jobs that are easier in Python:

  compare.py generate DIR [--n 50000 --dim 128 --nq 1000 --gt-k 100 --seed 42]
      Writes DIR/{base.fvecs,query.fvecs,groundtruth.ivecs}: seeded Gaussian
      clusters (closer to real embeddings than uniform noise, whose
      neighbours are all nearly equidistant), with exact L2 ground truth by
      numpy brute force in float64, ties to the lower id. Used when the
      shared real data sets are absent, so that every engine still runs.

  compare.py report RAW.jsonl --out DIR [--targets 0.90,0.95,0.99]
      Reads the runner's raw lines, merges repeats, and prints and writes
      DIR/summary.md (per data set: recall/QPS per ef per engine, QPS each
      engine reaches at each recall target with the ruvector/peer ratio,
      build time and memory), DIR/results.csv (every raw row) and, where
      matplotlib is installed, DIR/<dataset>.png (recall vs QPS).

Merging repeats (the machine is shared and noisy; noise only ever slows a
run down): per data set, engine and ef, QPS, p50 and p99 come from the
repeat with the best QPS; recall is the mean over repeats (multi-threaded
builds differ slightly); build_s is the fastest repeat; bytes_per_vector the
smallest. The QPS spread over repeats is kept to show the noise.

QPS at a recall target is interpolated linearly between the two ef points
whose recalls bracket it. When the smallest ef already reaches the target,
that point's QPS is a lower bound (marked ">="); a target that no ef reaches
is "not reached".

Standard library and numpy only (matplotlib optional); run with
/usr/bin/python3 so Debian's packages are used.
"""
import argparse
import csv
import json
import os
import sys
from collections import OrderedDict, defaultdict

ENGINE_ORDER = ["ruvector", "hnswlib", "faiss"]
CSV_FIELDS = ["dataset", "metric", "engine", "rep", "ef", "recall", "qps", "p50_us", "p99_us",
              "build_s", "threads", "bytes_per_vector", "batch_qps"]


# ---------------------------------------------------------------- generate

def write_vecs(path, arr):
    """Write rows of a 2-d float32 or int32 array as .fvecs / .ivecs."""
    import numpy as np
    rows, dim = arr.shape
    out = np.empty((rows, dim + 1), dtype="<i4")
    out[:, 0] = dim
    out[:, 1:] = arr.astype(arr.dtype.newbyteorder("<"), copy=False).view("<i4")
    tmp = path + ".tmp"
    out.tofile(tmp)
    os.replace(tmp, path)


def exact_l2_topk(base, queries, k):
    """Ids of the k nearest base rows to each query by squared L2, computed in
    float64, nearest first, ties to the lower id."""
    import numpy as np
    b = base.astype(np.float64)
    bn = (b * b).sum(axis=1)
    out = np.empty((queries.shape[0], k), dtype=np.int32)
    for s in range(0, queries.shape[0], 256):
        q = queries[s:s + 256].astype(np.float64)
        d = bn[None, :] - 2.0 * (q @ b.T) + (q * q).sum(axis=1)[:, None]
        # take a few more than k so that ties at the boundary sort by id
        cand = np.argpartition(d, min(k + 8, d.shape[1] - 1), axis=1)[:, :k + 8]
        for i in range(q.shape[0]):
            c = cand[i]
            order = np.lexsort((c, d[i, c]))
            out[s + i] = c[order[:k]]
    return out


def cmd_generate(a):
    import numpy as np
    rng = np.random.default_rng(a.seed)
    clusters = a.n // 100 + 1
    centres = rng.standard_normal((clusters, a.dim), dtype=np.float32) * 2.0
    total = a.n + a.nq
    pick = rng.integers(0, clusters, size=total)
    data = centres[pick] + rng.standard_normal((total, a.dim), dtype=np.float32)
    base, queries = data[:a.n], data[a.n:]
    os.makedirs(a.dir, exist_ok=True)
    gt = exact_l2_topk(base, queries, min(a.gt_k, a.n))
    write_vecs(os.path.join(a.dir, "base.fvecs"), base)
    write_vecs(os.path.join(a.dir, "query.fvecs"), queries)
    write_vecs(os.path.join(a.dir, "groundtruth.ivecs"), gt)
    print("compare.py: wrote %s: %d base, %d queries, dim %d, ground truth top-%d"
          % (a.dir, a.n, a.nq, a.dim, gt.shape[1]), file=sys.stderr)
    return 0


# ---------------------------------------------------------------- report

def load_raw(path):
    """Split the runner's lines into meta, per-dataset info, engine-run
    statuses and result rows."""
    meta, datasets, runs, rows = {}, OrderedDict(), [], []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                d = json.loads(line)
            except ValueError:
                print("compare.py: %s:%d: not JSON, skipped" % (path, n), file=sys.stderr)
                continue
            if "meta" in d:
                meta.update(d["meta"])
            elif "dataset_info" in d:
                datasets[d["dataset_info"]["name"]] = d["dataset_info"]
            elif "status" in d:
                runs.append(d)
            elif "ef" in d and "qps" in d and d.get("phase", "build") == "build" and "mode" not in d:
                # (ruvector's --exact and --delete-fraction lines are not part of the sweep)
                rows.append(d)
    return meta, datasets, runs, rows


def fvecs_shape(path):
    """(rows, dim) of a .vecs file from its size and first word, or None."""
    try:
        with open(path, "rb") as f:
            dim = int.from_bytes(f.read(4), "little")
        size = os.path.getsize(path)
        return (size // (4 + 4 * dim), dim) if dim > 0 else None
    except OSError:
        return None


def merge(rows):
    """Merge repeats: {(dataset, engine): [point per ef, in ef order]}."""
    by = defaultdict(list)
    for r in rows:
        by[(r["dataset"], r["engine"], int(r["ef"]))].append(r)
    curves = defaultdict(list)
    for (ds, eng, ef), rs in sorted(by.items(), key=lambda kv: kv[0][2]):
        best = max(rs, key=lambda r: r["qps"])
        p = {
            "ef": ef,
            "recall": sum(r["recall"] for r in rs) / len(rs),
            "qps": best["qps"],
            "qps_min": min(r["qps"] for r in rs),
            "p50_us": best["p50_us"],
            "p99_us": best["p99_us"],
            "build_s": min(r["build_s"] for r in rs),
            "bytes_per_vector": min(r["bytes_per_vector"] for r in rs),
            "threads": best.get("threads"),
            "reps": len({r.get("rep") for r in rs}),
        }
        if all("batch_qps" in r for r in rs):
            p["batch_qps"] = max(r["batch_qps"] for r in rs)
        curves[(ds, eng)].append(p)
    return curves


def qps_at(points, target, key="qps"):
    """(qps, lower_bound) at a recall target on a curve in ef order, or None
    when no point reaches it."""
    for i, p in enumerate(points):
        if p["recall"] >= target:
            if i == 0:
                return p[key], True
            lo = points[i - 1]
            span = p["recall"] - lo["recall"]
            f = (target - lo["recall"]) / span if span > 0 else 1.0
            return lo[key] + f * (p[key] - lo[key]), False
    return None


def fmt_qps(v):
    if v is None:
        return "not reached"
    q, lower = v
    return (">=" if lower else "") + "%.0f" % q


def fmt_ratio(a, b):
    """ruvector/peer as 'N.NNx'; '*' when either side is a lower bound."""
    if a is None or b is None or b[0] <= 0:
        return "n/a"
    return "%.2fx%s" % (a[0] / b[0], "*" if (a[1] or b[1]) else "")


def md_table(header, rows, align=None):
    """A markdown table padded to line up in a terminal too."""
    cells = [header] + [[str(c) for c in r] for r in rows]
    w = [max(len(r[i]) for r in cells) for i in range(len(header))]
    align = align or ["l"] + ["r"] * (len(header) - 1)

    def line(r):
        return "| " + " | ".join(c.rjust(w[i]) if align[i] == "r" else c.ljust(w[i])
                                 for i, c in enumerate(r)) + " |"
    sep = "|" + "|".join(("-" * (w[i] + 1) + ":") if align[i] == "r" else ("-" * (w[i] + 2))
                         for i in range(len(header))) + "|"
    return "\n".join([line(cells[0]), sep] + [line(r) for r in cells[1:]])


def last_line(path):
    """The last non-empty line of a log, shortened, for the summary."""
    try:
        with open(path, errors="replace") as f:
            lines = [l.strip() for l in f if l.strip()]
    except (OSError, TypeError):
        return ""
    return lines[-1][:200].replace("`", "'") if lines else ""


def engines_of(curves, ds):
    found = [e for (d, e) in curves if d == ds]
    return [e for e in ENGINE_ORDER if e in found] + sorted(e for e in found if e not in ENGINE_ORDER)


def dataset_section(ds, info, curves, runs, targets):
    out = []
    engines = engines_of(curves, ds)
    desc = info.get("metric", "?")
    shape = fvecs_shape(info["base"]) if info.get("base") else None
    if shape:
        desc += ", %d base vectors, dim %d" % shape
    q = fvecs_shape(info["query"]) if info.get("query") else None
    if q:
        desc += ", %d queries" % q[0]
    out.append("## %s\n\n%s\n" % (ds, desc))

    failed = [r for r in runs if r["dataset"] == ds and r["status"] != "ok"]
    for r in failed:
        tail = last_line(r.get("log"))
        out.append("**%s run %s failed** (%s after %.1f s; log: `%s`)%s\n" % (
            r["engine"], r.get("rep"), ("timed out, exit %s" if r["status"] == "timeout" else "exit %s") % r.get("rc"),
            r.get("wall_s", 0), r.get("log", "?"), (": `%s`" % tail) if tail else ""))
    if not engines:
        out.append("No results.\n")
        return "\n".join(out)

    # recall / QPS per ef
    efs = sorted({p["ef"] for e in engines for p in curves[(ds, e)]})
    header = ["ef"]
    for e in engines:
        header += ["%s recall" % e, "%s QPS" % e, "%s p50 us" % e]
        if any("batch_qps" in p for p in curves[(ds, e)]):
            header += ["%s batch QPS" % e]
    rows = []
    for ef in efs:
        row = [ef]
        for e in engines:
            p = next((p for p in curves[(ds, e)] if p["ef"] == ef), None)
            has_batch = any("batch_qps" in x for x in curves[(ds, e)])
            if p is None:
                row += ["-", "-", "-"] + (["-"] if has_batch else [])
                continue
            spread = "" if p["qps_min"] >= p["qps"] else " (%.0f)" % p["qps_min"]
            row += ["%.4f" % p["recall"], "%.0f%s" % (p["qps"], spread), "%.1f" % p["p50_us"]]
            if has_batch:
                row += ["%.0f" % p.get("batch_qps", float("nan"))]
        rows.append(row)
    out.append("Recall@k and single-thread QPS per ef (best repeat; the slowest repeat's QPS in "
               "parentheses):\n")
    out.append(md_table(header, rows) + "\n")

    # QPS at recall targets
    series = [(e, e, "qps") for e in engines]
    series += [(e, e + " batch", "batch_qps") for e in engines
               if all("batch_qps" in p for p in curves[(ds, e)])]
    rv = "ruvector" if "ruvector" in engines else None
    header = ["recall"] + ["%s QPS" % label for _, label, _ in series]
    if rv:
        header += ["ruvector/%s" % label for e, label, _ in series if e != rv]
    rows = []
    for t in targets:
        vals = {label: qps_at(curves[(ds, e)], t, key) for e, label, key in series}
        row = ["%.2f" % t] + [fmt_qps(vals[label]) for _, label, _ in series]
        if rv:
            row += [fmt_ratio(vals[rv], vals[label]) for e, label, _ in series if e != rv]
        rows.append(row)
    out.append("QPS at recall targets (linear between the bracketing ef points; ratio > 1 means "
               "ruvector is faster; `*`: one side is a lower bound, its smallest ef already "
               "passed the target; \"batch\" is one single-threaded batch call, not one query at "
               "a time):\n")
    out.append(md_table(header, rows) + "\n")

    # build time and memory
    header = ["engine", "build s", "ruvector/engine build time", "bytes/vector", "threads", "repeats"]
    rows = []
    rv_build = curves[(ds, rv)][0]["build_s"] if rv else None
    for e in engines:
        p0 = curves[(ds, e)][0]
        ratio = "%.2fx" % (rv_build / p0["build_s"]) if rv_build and p0["build_s"] > 0 else "n/a"
        rows.append([e, "%.2f" % p0["build_s"], ratio, "%.0f" % p0["bytes_per_vector"],
                     p0.get("threads", "?"), max(p["reps"] for p in curves[(ds, e)])])
    out.append("Build (fastest repeat; ratio < 1 means ruvector builds faster) and memory "
               "(ruvector: its allocator's accounting; peers: resident-memory growth over the "
               "build):\n")
    out.append(md_table(header, rows) + "\n")
    return "\n".join(out)


def plot(ds, curves, path):
    """recall (x) vs QPS (y, log) per engine; skipped without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for e in engines_of(curves, ds):
        pts = curves[(ds, e)]
        line, = ax.plot([p["recall"] for p in pts], [p["qps"] for p in pts], marker="o", label=e)
        if all("batch_qps" in p for p in pts):
            ax.plot([p["recall"] for p in pts], [p["batch_qps"] for p in pts], marker=".",
                    linestyle=":", color=line.get_color(), label=e + " (batch call)")
    ax.set_yscale("log")
    ax.set_xlabel("recall@k")
    ax.set_ylabel("queries per second, one thread")
    ax.set_title(ds)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path + ".tmp", dpi=100, format="png")
    plt.close(fig)
    os.replace(path + ".tmp", path)
    return True


def atomic_write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def cmd_report(a):
    targets = [float(t) for t in a.targets.split(",") if t]
    meta, datasets, runs, rows = load_raw(a.raw)
    curves = merge(rows)
    for r in rows:  # datasets seen only in result rows still get a section
        datasets.setdefault(r["dataset"], {"name": r["dataset"], "metric": r.get("metric", "?")})
    for r in runs:
        datasets.setdefault(r["dataset"], {"name": r["dataset"], "metric": r.get("metric", "?")})

    head = ["# ruvector vs. hnswlib vs. FAISS (HNSW)\n"]
    m = meta
    if m:
        head.append("Run %s on %s (%s cores), git %s%s; %s threads for the build, one for search; "
                    "M=%s, ef_construction=%s, k=%s, ef %s; %s repeat(s) per engine, engines "
                    "alternating%s.%s\n" % (
                        m.get("date", "?"), m.get("cpu", "?"), m.get("cores", "?"),
                        m.get("commit", "?"),
                        (" plus uncommitted changes (diff checksum %s)" % m.get("diff_cksum", "?"))
                        if m.get("dirty") else "",
                        m.get("threads", "?"), m.get("m", "?"), m.get("ef_construction", "?"),
                        m.get("k", "?"), m.get("ef", "?"), m.get("repeat", "?"),
                        " (--quick)" if m.get("quick") else "",
                        (" Wall time %.0f s." % m["wall_s"]) if "wall_s" in m else ""))
        if m.get("loadavg_start") or m.get("loadavg_end"):
            head.append("Load average at start / end: %s / %s. The machine is shared: compare "
                        "ratios within this run, not absolute numbers across runs.\n"
                        % (m.get("loadavg_start", "?"), m.get("loadavg_end", "?")))
        if m.get("notes"):
            head.append("Notes: %s\n" % m["notes"])
    head.append("How this is measured, and the caveats: see bench/README.md.\n")

    sections = []
    for ds, info in datasets.items():
        sections.append(dataset_section(ds, info, curves, runs, targets))
        if not a.no_plot and any(d == ds for d, _ in curves):
            png = os.path.join(a.out, ds + ".png")
            if plot(ds, curves, png):
                sections.append("![%s recall vs QPS](%s)\n" % (ds, ds + ".png"))
    text = "\n".join(head) + "\n" + "\n".join(sections)

    os.makedirs(a.out, exist_ok=True)
    atomic_write(os.path.join(a.out, "summary.md"), text)
    with open(os.path.join(a.out, "results.csv.tmp"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)
    os.replace(os.path.join(a.out, "results.csv.tmp"), os.path.join(a.out, "results.csv"))
    print(text)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="write a seeded clustered data set with exact L2 ground truth")
    g.add_argument("dir")
    g.add_argument("--n", type=int, default=50000)
    g.add_argument("--dim", type=int, default=128)
    g.add_argument("--nq", type=int, default=1000)
    g.add_argument("--gt-k", type=int, default=100)
    g.add_argument("--seed", type=int, default=42)
    r = sub.add_parser("report", help="merge the runner's raw JSON lines into tables")
    r.add_argument("raw")
    r.add_argument("--out", required=True)
    r.add_argument("--targets", default="0.90,0.95,0.99")
    r.add_argument("--no-plot", action="store_true")
    a = ap.parse_args()
    if a.cmd == "generate":
        if a.n < 1 or a.dim < 1 or a.nq < 1 or a.gt_k < 1:
            ap.error("--n, --dim, --nq and --gt-k must be positive")
        return cmd_generate(a)
    return cmd_report(a)


if __name__ == "__main__":
    sys.exit(main())

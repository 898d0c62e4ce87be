#!/usr/bin/python3
"""compare.py: data generator and report writer for the peer benchmark.

bench/run.sh runs every engine side by side and collects their JSON lines;
this file does the jobs that are easier in Python:

  compare.py generate DIR [--n 50000 --dim 128 --nq 1000 --gt-k 100 --seed 42]
                          [--metric l2|ip|cosine] [--kind gaussian|embedding]
      Writes DIR/{base.fvecs,query.fvecs,groundtruth.ivecs} with exact ground
      truth by numpy brute force in float64, ties to the lower id.
      gaussian: seeded Gaussian clusters (n/100 + 1 centres, unit noise).
      embedding: unit vectors shaped like text embeddings (gen_embedding_like:
      topics of very unequal sizes, low-rank variation within a topic, a
      little noise, normalised); the 100,000 x 384 cosine set of the full run.

  compare.py subset SRC DIR --n N [--nq 1000 --metric l2]
      The first N base vectors and NQ queries of SRC, with the exact ground
      truth recomputed over those N (the --quick data set).

  compare.py report RAW.jsonl --out DIR [--targets 0.90,0.95,0.99]
      Reads the runner's raw lines, merges repeats, and prints and writes
      DIR/summary.md (per data set: QPS at each recall target, build, peak
      memory, every ef point; the per-call overhead; the agent-memory
      workload; the caveats), DIR/results.csv (every raw row),
      DIR/results.json (the merged figures), DIR/README-snippet.md (the
      README's Speed section) and, with matplotlib, DIR/<dataset>.png.

  compare.py readme SNIPPET README.md [--image-dir DIR]
      Replaces what lies between the <!-- bench:begin --> and
      <!-- bench:end --> lines of README.md with SNIPPET (image links
      rewritten to point into DIR, relative to README.md).

Merging repeats (the machine is shared and noisy; noise only ever slows a
run down): per data set, engine and ef, QPS, p50 and p99 come from the
repeat with the best QPS; recall is the mean over repeats (multi-threaded
builds differ slightly); build_s is the fastest repeat; bytes_per_vector and
peak RSS the smallest. The QPS spread over repeats is kept to show the noise.

QPS at a recall target is interpolated linearly between the two ef points
whose recalls bracket it. When the smallest ef already reaches the target,
that point's QPS is a lower bound (marked ">="); a target that no ef reaches
is "not reached". The best peer at a target is the peer (any engine that is
not this repository's) with the highest QPS there, one query at a time.

Standard library and numpy only (matplotlib optional); run with
/usr/bin/python3 so Debian's packages are used.
"""
import argparse
import csv
import json
import os
import re
import sys
from collections import OrderedDict, defaultdict

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


def exact_topk(base, queries, k, metric="l2"):
    """Ids of the k nearest base rows to each query, computed in float64,
    nearest first, ties to the lower id. metric: l2 (squared L2), ip (largest
    inner product) or cosine (largest cosine; rows are normalised first)."""
    import numpy as np
    b = base.astype(np.float64)
    if metric == "cosine":
        b /= np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-300)
    bn = (b * b).sum(axis=1) if metric == "l2" else None
    out = np.empty((queries.shape[0], k), dtype=np.int32)
    for s in range(0, queries.shape[0], 128):
        q = queries[s:s + 128].astype(np.float64)
        if metric == "cosine":
            q /= np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-300)
        if metric == "l2":
            d = bn[None, :] - 2.0 * (q @ b.T) + (q * q).sum(axis=1)[:, None]
        else:
            d = -(q @ b.T)
        # take a few more than k so that ties at the boundary sort by id
        m = min(k + 8, d.shape[1] - 1)
        cand = np.argpartition(d, m, axis=1)[:, :m + 1] if m > 0 else np.zeros((d.shape[0], 1), dtype=np.int64)
        for i in range(q.shape[0]):
            c = cand[i]
            order = np.lexsort((c, d[i, c]))
            out[s + i] = c[order[:k]]
    return out


def exact_l2_topk(base, queries, k):
    return exact_topk(base, queries, k, "l2")


def gen_gaussian(rng, n, dim):
    """Seeded Gaussian clusters: n/100 + 1 centres, unit noise (the old
    synthetic set, kept for the fallback L2 data)."""
    import numpy as np
    clusters = n // 100 + 1
    centres = rng.standard_normal((clusters, dim), dtype=np.float32) * 2.0
    pick = rng.integers(0, clusters, size=n)
    return centres[pick] + rng.standard_normal((n, dim), dtype=np.float32)


def gen_embedding_like(rng, n, dim, clusters=1000, rank=64, spread=0.8, noise=0.35):
    """Unit vectors shaped like text embeddings: topics (cluster centres,
    random unit directions) of very unequal sizes (log-normal weights), each
    point its topic's centre plus a variation drawn from a low-rank subspace
    of that topic (rank dimensions: an intrinsic dimension well below dim,
    as embeddings have) plus a little isotropic noise, then normalised.
    Queries are drawn the same way (new points, not base rows)."""
    import numpy as np
    centres = rng.standard_normal((clusters, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    basis = rng.standard_normal((clusters, rank, dim)).astype(np.float32) / np.float32(np.sqrt(dim))
    w = rng.lognormal(0.0, 1.0, clusters)
    pick = rng.choice(clusters, size=n, p=w / w.sum())
    out = np.empty((n, dim), dtype=np.float32)
    for s in range(0, n, 8192):
        p = pick[s:s + 8192]
        z = rng.standard_normal((len(p), rank)).astype(np.float32) * np.float32(spread / np.sqrt(rank) * np.sqrt(dim))
        x = centres[p] + np.einsum("nr,nrd->nd", z, basis[p]) / np.float32(np.sqrt(dim))
        x += rng.standard_normal((len(p), dim)).astype(np.float32) * np.float32(noise / np.sqrt(dim))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[s:s + 8192] = x
    return out


def cmd_generate(a):
    import numpy as np
    rng = np.random.default_rng(a.seed)
    total = a.n + a.nq
    if a.kind == "embedding":
        data = gen_embedding_like(rng, total, a.dim)
    else:
        data = gen_gaussian(rng, total, a.dim)
    base, queries = data[:a.n], data[a.n:]
    os.makedirs(a.dir, exist_ok=True)
    gt = exact_topk(base, queries, min(a.gt_k, a.n), a.metric)
    write_vecs(os.path.join(a.dir, "base.fvecs"), base)
    write_vecs(os.path.join(a.dir, "query.fvecs"), queries)
    write_vecs(os.path.join(a.dir, "groundtruth.ivecs"), gt)
    print("compare.py: wrote %s: %d base, %d queries, dim %d, %s data, exact %s ground truth top-%d"
          % (a.dir, a.n, a.nq, a.dim, a.kind, a.metric, gt.shape[1]), file=sys.stderr)
    return 0


def read_vecs(path, dtype):
    import numpy as np
    raw = np.fromfile(path, dtype="<i4")
    dim = int(raw[0])
    return np.ascontiguousarray(raw.reshape(-1, dim + 1)[:, 1:]).view(dtype)


def cmd_subset(a):
    """The first N base vectors and first NQ queries of a data set, with the
    exact ground truth recomputed over those N (for --quick and the tiny
    index)."""
    base = read_vecs(os.path.join(a.src, "base.fvecs"), "<f4")[:a.n]
    queries = read_vecs(os.path.join(a.src, "query.fvecs"), "<f4")[:a.nq]
    os.makedirs(a.dir, exist_ok=True)
    gt = exact_topk(base, queries, min(a.gt_k, base.shape[0]), a.metric)
    write_vecs(os.path.join(a.dir, "base.fvecs"), base)
    write_vecs(os.path.join(a.dir, "query.fvecs"), queries)
    write_vecs(os.path.join(a.dir, "groundtruth.ivecs"), gt)
    print("compare.py: wrote %s: first %d base and %d queries of %s, exact %s ground truth top-%d"
          % (a.dir, base.shape[0], queries.shape[0], a.src, a.metric, gt.shape[1]), file=sys.stderr)
    return 0


# ---------------------------------------------------------------- report

# Every engine the runner knows: name -> (label, ours, what it is and its caveats).
ENGINES = OrderedDict([
    ("ruvector", ("ruvector (C)", True,
                  "the CLI, `ruvector bench`: rv_insert_batch on the build threads, then rv_search "
                  "one query at a time; string ids copied out inside the timed call")),
    ("ruvector-node", ("ruvector (Node)", True,
                       "this repository's Node package, `Collection.search` awaited one query at a "
                       "time: every query is a Promise round trip through the addon")),
    ("ruvector-node-nolane", ("ruvector (Node, no lane)", True,
                              "the same with RUVECTOR_LANE=0: each search is plain napi async work on "
                              "libuv's pool instead of the package's spinning low-latency lane")),
    ("ruvector-node-vectordb", ("ruvector (Node VectorDB)", True,
                                "this repository's Node package, `VectorDB.search` (0.3.2's surface: "
                                "results carry vectors and metadata)")),
    ("ruvector-int8", ("ruvector int8", True,
                       "`ruvector bench --quant int8`: the graph walk reads one byte per dimension; the "
                       "ef best candidates are re-ranked with the float32 vectors (the CLI's default), "
                       "which stay in memory here (bytes/vector counts them; a persistent collection "
                       "keeps them in its mapped segment file: the notes column)")),
    ("ruvector-pq", ("ruvector PQ", True,
                     "`ruvector bench --quant pq:d/4`: d/4-byte codes (as FAISS IVFPQ), then float32 "
                     "re-ranking of the ef best, as for int8")),
    ("ruvector-binary", ("ruvector binary", True,
                         "`ruvector bench --quant binary`: one bit per dimension, then float32 "
                         "re-ranking of the ef best, as for int8")),
    ("ruvector-filter", ("ruvector filtered", True,
                         "`ruvector bench --filter-labels 10`: filtered queries, recall against the "
                         "filtered exact neighbours; a different workload, not in the peer ratios")),
    ("hnswlib", ("hnswlib (C++)", False,
                 "Debian libhnswlib-dev through a C++ driver compiled -march=native (its best build here)")),
    ("faiss-hnsw", ("FAISS HNSWFlat", False,
                    "Debian python3-faiss 1.7.3, a generic build without AVX2; one Python-to-C++ call "
                    "per query (search_c on prepared buffers); its batch figure is in summary.md only")),
    ("faiss-hnswsq8", ("FAISS HNSWSQ8", False,
                       "IndexHNSWSQ: the same graph over 8-bit scalar-quantised vectors (4x smaller), "
                       "ranked by quantised distances with no re-ranking; same Debian build")),
    ("faiss-ivfpq", ("FAISS IVFPQ", False,
                     "IndexIVFPQ, nlist = 4*sqrt(n), d/4 one-byte PQ codes (16x smaller than float32); "
                     "swept over nprobe, not ef; FAISS does not re-rank IVFPQ results by default, so "
                     "its recall levels off below 1; no graph, so M and ef_construction do not apply")),
    ("usearch", ("usearch (npm)", False,
                 "npm usearch 2.26.2; its JS API has no ef setter, so the index is built once, saved and "
                 "loaded into a new Index per ef (expansion_search is a constructor option); its search "
                 "is synchronous (no Promise)")),
    ("hnswlib-node", ("hnswlib-node (npm)", False,
                      "npm hnswlib-node 3.0.0; builds on one thread (its API adds one point per call) and "
                      "takes plain Arrays only (base rows converted inside the build loop, queries "
                      "before the clock); synchronous search")),
    ("ruvector@0.3.2", ("ruvector 0.3.2 (npm)", False,
                        "the published npm package; it ignores per-query efSearch, so every ef is a fresh "
                        "build in its own process (hnswConfig.efSearch), over a shorter ef list and one "
                        "round only; it takes no thread count (cpu/wall shows what it used); it always "
                        "persists (redb; its file here on /dev/shm, not counted in its RSS); results "
                        "carry vectors and metadata")),
])
ALIASES = {"faiss": "faiss-hnsw"}
CSV_FIELDS = ["workload", "dataset", "metric", "engine", "rep", "ef", "param", "recall", "qps", "p50_us",
              "p99_us", "build_s", "build_cpu_s", "threads", "bytes_per_vector", "max_rss_kb",
              "batch_qps", "rows", "queries", "k", "version"]
# Engine-specific fields kept through the merge (FAISS IVFPQ/SQ8, ruvector's
# quantization modes, ruvector 0.3.2's storage file).
EXTRA_FIELDS = ("nlist", "pq_m", "code_bytes", "train_s", "file_bytes_per_vector", "storage_dir", "quant",
                "code_bytes_per_vector", "bytes_per_vector_mapped", "blas", "scan_qps", "filter_labels",
                "selectivity")
OVERHEAD_NATIVE = {"ruvector-node": "ruvector", "ruvector-node-nolane": "ruvector", "ruvector-node-vectordb": "ruvector",
                   "hnswlib-node": "hnswlib"}


def label(e):
    return ENGINES.get(e, (e, False, ""))[0]


def is_ours(e):
    return ENGINES.get(e, (e, e.startswith("ruvector") and e != "ruvector@0.3.2", ""))[1]


def in_ratios(e):
    """Engines compared at equal recall (not the filtered workload)."""
    return e != "ruvector-filter"


# (dataset, engine) -> QPS of ruvector's brute-force filtered scan (load_raw)
scan_qps = {}


def load_raw(path):
    """Split the runner's lines into meta, data set info, process statuses and
    result rows of the three workloads."""
    meta, datasets, runs = {}, OrderedDict(), []
    rows = {"sweep": [], "overhead": [], "agent-memory": []}
    scan_qps.clear()
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
            if "engine" in d:
                d["engine"] = ALIASES.get(d["engine"], d["engine"])
            if "meta" in d:
                meta.update(d["meta"])
            elif "dataset_info" in d:
                datasets[d["dataset_info"]["name"]] = d["dataset_info"]
            elif "status" in d:
                runs.append(d)
            elif d.get("workload") == "agent-memory" and "qps" in d:
                rows["agent-memory"].append(d)
            elif d.get("engine") == "ruvector-filter" and "qps" in d:
                # the filtered workload: its curve is the "filtered" lines; the
                # brute-force filtered scan ("filtered_exact") becomes a note;
                # its unfiltered lines repeat plain ruvector's and are dropped
                if d.get("mode") == "filtered_exact":
                    scan_qps[(d.get("dataset"), d.get("engine"))] = d["qps"]
                elif d.get("mode") == "filtered":
                    rows["sweep"].append(d)
            elif "ef" in d and "qps" in d and d.get("phase", "build") == "build" and d.get("mode") != "exact":
                # (ruvector's --exact and --delete-fraction lines are not part of the sweep)
                rows["overhead" if d.get("workload") == "overhead" else "sweep"].append(d)
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
        fastest_build = min(rs, key=lambda r: r.get("build_s", 0))
        p = {
            "ef": ef,
            "recall": sum(r["recall"] for r in rs) / len(rs),
            "qps": best["qps"],
            "qps_min": min(r["qps"] for r in rs),
            "p50_us": best["p50_us"],
            "p99_us": best["p99_us"],
            "build_s": fastest_build.get("build_s"),
            "build_cpu_s": fastest_build.get("build_cpu_s"),
            "bytes_per_vector": min(r.get("bytes_per_vector", 0) for r in rs),
            "threads": best.get("threads"),
            "reps": len({r.get("rep") for r in rs}),
            "param": best.get("param", "ef"),
            "version": best.get("version"),
        }
        rss = [r["max_rss_kb"] for r in rs if r.get("max_rss_kb")]
        if rss:
            p["max_rss_kb"] = min(rss)
        if all("batch_qps" in r for r in rs):
            p["batch_qps"] = max(r["batch_qps"] for r in rs)
        for x in EXTRA_FIELDS:
            if x in best:
                p[x] = best[x]
        if (ds, eng) in scan_qps:
            p["scan_qps"] = scan_qps[(ds, eng)]
        curves[(ds, eng)].append(p)
    return curves


def engine_summary(points):
    """Build, threads and memory of one engine on one data set."""
    b = min(points, key=lambda p: p["build_s"] if p["build_s"] is not None else 1e30)
    rss = [p["max_rss_kb"] for p in points if p.get("max_rss_kb")]
    s = {"build_s": b["build_s"], "build_cpu_s": b.get("build_cpu_s"), "threads": b.get("threads"),
         "bytes_per_vector": min(p["bytes_per_vector"] for p in points),
         "max_rss_mib": (max(rss) / 1024.0) if rss else None,
         "max_recall": max(p["recall"] for p in points), "reps": max(p["reps"] for p in points),
         "param": points[0].get("param", "ef"), "version": points[0].get("version")}
    for x in EXTRA_FIELDS:
        if x in points[0]:
            s[x] = points[0][x]
    return s


def engine_notes(s):
    """What one engine's summary says beyond the common columns."""
    n = []
    if "nlist" in s:
        n.append("nlist %d, %d-byte codes" % (s["nlist"], s.get("pq_m", 0)))
    elif "code_bytes" in s:
        n.append("%d-byte codes" % s["code_bytes"])
    if "code_bytes_per_vector" in s:
        n.append("%.0f B/vec of codes; %.0f B/vec with the float32 vectors in a mapped file"
                 % (s.get("code_bytes_per_vector", 0), s.get("bytes_per_vector_mapped", 0)))
    if "file_bytes_per_vector" in s:
        n.append("redb file %.0f B/vec" % s["file_bytes_per_vector"])
    if "scan_qps" in s:
        n.append("%s labels (selectivity %s): brute-force filtered scan %.0f QPS"
                 % (s.get("filter_labels", "?"), s.get("selectivity", "?"), s["scan_qps"]))
    return "; ".join(n)


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
    return (">=" if lower else "") + "{:,.0f}".format(q)


def fmt_ratio(a, b):
    """a/b as 'N.NNx'; '*' when either side is a lower bound."""
    if a is None or b is None or b[0] <= 0:
        return "n/a"
    return "%.2fx%s" % (a[0] / b[0], "*" if (a[1] or b[1]) else "")


def fmt_num(v, f="%.1f"):
    return "-" if v is None else f % v


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
    return lines[-1][:200].replace("`", "'").replace("|", "/") if lines else ""


def engines_of(curves, ds):
    found = [e for (d, e) in curves if d == ds]
    return [e for e in ENGINES if e in found] + sorted(e for e in found if e not in ENGINES)


def best_peer(curves, ds, target):
    """(engine, (qps, lower)) of the fastest peer at a recall target, or None."""
    best = None
    for e in engines_of(curves, ds):
        if is_ours(e):
            continue
        v = qps_at(curves[(ds, e)], target)
        if v is not None and (best is None or v[0] > best[1][0]):
            best = (e, v)
    return best


def threads_text(s):
    t = s.get("threads")
    t = "?" if t is None else str(t)
    if s.get("build_cpu_s") and s.get("build_s"):
        t += " (%.1f)" % (s["build_cpu_s"] / s["build_s"])
    return t


def failures(runs, ds):
    out = []
    for r in runs:
        if r.get("dataset") != ds or r["status"] in ("ok", "absent"):
            continue
        tail = last_line(r.get("log"))
        out.append("**%s%s failed** (%s after %.1f s; log: `%s`)%s" % (
            r["engine"], (" rep %s" % r["rep"]) if r.get("rep") else "",
            ("timed out, exit %s" if r["status"] == "timeout" else "exit %s") % r.get("rc"),
            r.get("wall_s", 0), r.get("log", "?"), (": `%s`" % tail) if tail else ""))
    return out


def dataset_desc(ds, info):
    desc = info.get("metric", "?")
    shape = fvecs_shape(info["base"]) if info.get("base") else None
    if shape:
        desc += ", {:,} base vectors, dim {}".format(*shape)
    q = fvecs_shape(info["query"]) if info.get("query") else None
    if q:
        desc += ", {:,} queries".format(q[0])
    return desc


def dataset_section(ds, info, curves, runs, targets):
    out = ["## %s\n\n%s\n" % (ds, dataset_desc(ds, info))]
    out += [f + "\n" for f in failures(runs, ds)]
    engines = engines_of(curves, ds)
    if not engines:
        out.append("No results.\n")
        return "\n".join(out)

    # speed at the recall targets, with build and memory
    header = ["engine"] + ["QPS @%.2f" % t for t in targets] + \
        ["max recall", "build s", "threads (cpu/wall)", "peak RSS MiB", "bytes/vector", "notes"]
    rows = []
    for e in engines:
        pts = curves[(ds, e)]
        s = engine_summary(pts)
        rows.append([label(e)] + [fmt_qps(qps_at(pts, t)) for t in targets] +
                    ["%.4f" % s["max_recall"], fmt_num(s["build_s"], "%.2f"), threads_text(s),
                     fmt_num(s["max_rss_mib"], "%.0f"), "%.0f" % s["bytes_per_vector"], engine_notes(s)])
    out.append("QPS at each recall@k target, one query at a time on one thread (linear between the "
               "bracketing ef points; `>=`: the smallest ef already passed it), the highest recall "
               "reached, the build (fastest repeat; threads asked for, and CPU time / wall time over "
               "the build where the driver measures it), the peak resident memory of the whole "
               "process (wait4's ru_maxrss: data set, runtime and index) and the index's bytes per "
               "vector (ruvector: its allocator's accounting; peers: resident-memory growth over "
               "the build):\n")
    out.append(md_table(header, rows) + "\n")

    # ratios against the best peer
    ours = [e for e in engines if is_ours(e) and in_ratios(e)]
    if ours:
        header = ["recall", "best peer", "its QPS"] + ["%s / best" % label(e) for e in ours]
        rows = []
        for t in targets:
            bp = best_peer(curves, ds, t)
            rows.append(["%.2f" % t, label(bp[0]) if bp else "none reaches it", fmt_qps(bp[1]) if bp else "-"] +
                        [fmt_ratio(qps_at(curves[(ds, e)], t), bp[1] if bp else None) for e in ours])
        out.append("Against the best peer at each target (above 1: ruvector is faster; `*`: a lower "
                   "bound is involved):\n")
        out.append(md_table(header, rows) + "\n")

    # every point
    header = ["engine", "ef", "recall", "QPS (slowest repeat)", "p50 us", "p99 us"]
    rows = []
    for e in engines:
        for p in curves[(ds, e)]:
            spread = "" if p["qps_min"] >= p["qps"] else " (%s)" % "{:,.0f}".format(p["qps_min"])
            qps = "{:,.0f}".format(p["qps"]) + spread
            if "batch_qps" in p:
                qps += "; batch {:,.0f}".format(p["batch_qps"])
            rows.append([label(e), ("nprobe %d" % p["ef"]) if p.get("param") == "nprobe" else p["ef"],
                         "%.4f" % p["recall"], qps, "%.1f" % p["p50_us"], "%.1f" % p["p99_us"]])
    out.append("Every point (best repeat; the slowest repeat's QPS in parentheses; FAISS's \"batch\" is "
               "one single-threaded batch call over all queries, its best case, not one query at a "
               "time):\n")
    out.append(md_table(header, rows, ["l", "r", "r", "r", "r", "r"]) + "\n")
    return "\n".join(out)


STYLE = {  # engine -> (colour, marker, linestyle, width)
    "ruvector": ("#d62728", "o", "-", 2.6), "ruvector-node": ("#ff7f0e", "o", "-", 2.0),
    "ruvector-node-nolane": ("#ff7f0e", "o", ":", 1.6),
    "ruvector-node-vectordb": ("#ffbb78", "o", "-", 1.5), "ruvector-int8": ("#e377c2", "D", "-", 1.6),
    "ruvector-pq": ("#8c564b", "D", "-", 1.6), "ruvector-binary": ("#7f7f7f", "D", "-", 1.6),
    "hnswlib": ("#1f77b4", "s", "--", 1.4), "faiss-hnsw": ("#2ca02c", "^", "--", 1.4),
    "faiss-hnswsq8": ("#98df8a", "^", ":", 1.4), "faiss-ivfpq": ("#17becf", "v", ":", 1.4),
    "usearch": ("#9467bd", "P", "--", 1.4), "hnswlib-node": ("#aec7e8", "s", ":", 1.4),
    "ruvector@0.3.2": ("#bcbd22", "X", "--", 1.4),
}


def plot(ds, curves, path, subtitle):
    """recall (x) vs QPS (y, log) per engine; False without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(7.2, 4.8))
    xmin, hidden = 1.0, []
    for e in engines_of(curves, ds):
        if not in_ratios(e):
            continue
        pts = curves[(ds, e)]
        c, mk, ls, lw = STYLE.get(e, (None, "o", "-", 1.2))
        lab = label(e) + (" (nprobe)" if pts[0].get("param") == "nprobe" else "")
        ax.plot([p["recall"] for p in pts], [p["qps"] for p in pts], marker=mk, linestyle=ls, linewidth=lw,
                color=c, markersize=4, label=lab)
        xmin = min(xmin, min(p["recall"] for p in pts))
        if max(p["recall"] for p in pts) < 0.5:
            hidden.append(label(e))
    ax.set_yscale("log")
    ax.set_xlim(max(0.5, xmin - 0.02), 1.002)
    ax.set_xlabel("recall@10" + ("  (off the plot, recall < 0.5: %s)" % ", ".join(hidden) if hidden else ""))
    ax.set_ylabel("queries per second, one thread, one at a time")
    ax.set_title("%s\n%s" % (ds, subtitle), fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(path + ".tmp", dpi=100, format="png")
    plt.close(fig)
    os.replace(path + ".tmp", path)
    return True


def overhead_section(rows, runs, info):
    """Per-call cost of every binding on the tiny index against the C CLI."""
    if not rows:
        return None, []
    by = defaultdict(list)
    for r in rows:
        by[r["engine"]].append(r)
    best = {e: {"p50": min(r["p50_us"] for r in rs), "mean": min(1e6 / r["qps"] for r in rs),
                "recall": sum(r["recall"] for r in rs) / len(rs), "reps": len(rs)} for e, rs in by.items()}
    cli = best.get("ruvector")
    order = [e for e in ENGINES if e in best] + sorted(e for e in best if e not in ENGINES)
    header = ["binding", "us/call p50", "us/call mean", "p50 - C CLI", "mean - C CLI", "p50 - own native core",
              "recall@1"]
    table, out = [], []
    for e in order:
        b = best[e]
        nat = best.get(OVERHEAD_NATIVE.get(e, ""))
        table.append([label(e), "%.2f" % b["p50"], "%.2f" % b["mean"],
                      ("%+.2f" % (b["p50"] - cli["p50"])) if cli else "-",
                      ("%+.2f" % (b["mean"] - cli["mean"])) if cli else "-",
                      ("%+.2f (vs %s)" % (b["p50"] - nat["p50"], label(OVERHEAD_NATIVE[e]))) if nat else "-",
                      "%.3f" % b["recall"]])
        out.append({"engine": e, **b})
    shape = fvecs_shape(info["base"]) if info and info.get("base") else None
    q = fvecs_shape(info["query"]) if info and info.get("query") else None
    text = ["## Per-call overhead of each binding\n",
            ("A tiny index (%s vectors of dim %s, L2, %s queries), k=1, ef=16: the search itself takes a "
             "few microseconds, so the time per call is mostly what the binding costs. Best of %d "
             "repeats. \"- C CLI\" subtracts the C CLI's time per call (ruvector's own loop, no "
             "binding); it also carries the difference between the engines' searches, small here "
             "but not zero. \"- own native core\" compares a binding with the same engine's native "
             "driver.\n") % ("{:,}".format(shape[0]) if shape else "?", shape[1] if shape else "?",
                             "{:,}".format(q[0]) if q else "?", max(b["reps"] for b in best.values())),
            md_table(header, table) + "\n"]
    text += [f + "\n" for f in failures(runs, info["name"] if info else "")]
    return "\n".join(text), out


def agent_section(rows, runs, info):
    if not rows and not any(r.get("dataset") == "agent-memory" for r in runs):
        return None, []
    by = OrderedDict((r["engine"], r) for r in rows)
    base = by.get("agentdb")
    header = ["engine", "rows", "insert s", "queries", "QPS", "p50 ms", "p99 ms", "recall@10", "x agentdb"]
    table, out = [], []
    names = {"agentdb": "agentdb 1.6.1 ReflexionMemory.retrieveRelevant",
             "ruvector-agentdb": "ruvector's agentdb layer, same calls",
             "ruvector-exact": "ruvector Collection, exact (Node)",
             "ruvector-hnsw": "ruvector Collection, HNSW ef 64 (Node)"}
    for e, r in by.items():
        table.append([names.get(e, e), "{:,}".format(r["rows"]), "%.2f" % r["build_s"], r["queries"],
                      "{:,.1f}".format(r["qps"]), "%.3f" % (r["p50_us"] / 1000), "%.3f" % (r["p99_us"] / 1000),
                      "%.4f" % r["recall"], ("%.0fx" % (r["qps"] / base["qps"])) if base and e != "agentdb" else "-"])
        out.append(r)
    src = (info or {}).get("source", "?")
    text = ["## Agent memory: agentdb 1.6.1 against ruvector\n",
            ("An agent's episodic memory: 10,000 episodes, each with a %s-d embedding (rows of `%s`; "
             "an embedder hands the engines these vectors, no model runs), and \"which past episodes "
             "are most like this task?\" queries, k=10, one at a time, in one Node process per "
             "engine. agentdb stores each episode with `storeEpisode` (sql.js, in memory, with its "
             "schema) and answers with `retrieveRelevant`, which loads every episode row and its "
             "embedding, computes cosine in JS and sorts; it also returns the episode rows, while "
             "the ruvector Collection rows return ids and distances only (the agentdb-compatible "
             "layer is the like-for-like comparison).\n") % (rows[0]["dim"] if rows else "?", src),
            md_table(header, table) + "\n"]
    for r in runs:
        if r.get("dataset") == "agent-memory" and r["status"] == "absent":
            text.append("%s: not measured: %s.\n" % (r["engine"], r.get("note", "absent")))
    text += [f + "\n" for f in failures(runs, "agent-memory")]
    return "\n".join(text), out


def run_line(m):
    if not m:
        return ""
    return ("Run %s on %s (%s cores, %s GiB), git %s%s; Node %s, FAISS %s (BLAS: %s), hnswlib %s; %s threads for "
            "the build, one for search; M=%s, ef_construction=%s, k=%s, ef %s (IVFPQ nprobe %s; "
            "ruvector 0.3.2 ef %s); %s repeat(s) per engine, engines alternating%s.%s" % (
                fmt_date(m.get("date")), m.get("cpu", "?"), m.get("cores", "?"), m.get("mem_gib", "?"),
                m.get("commit", "?"),
                (" plus uncommitted changes (diff checksum %s)" % m.get("diff_cksum", "?")) if m.get("dirty") else "",
                m.get("node", "?"), m.get("faiss", "?"), m.get("blas", "?"), m.get("hnswlib_deb", "?"),
                m.get("threads", "?"), m.get("m", "?"), m.get("ef_construction", "?"), m.get("k", "?"),
                m.get("ef", "?"), m.get("nprobe", "?"), m.get("rebuild_ef", "?"), m.get("repeat", "?"),
                " (--quick)" if m.get("quick") else "",
                (" Wall time %s." % fmt_duration(m["wall_s"])) if "wall_s" in m else ""))


def fmt_date(d):
    """20261124T065824Z -> 2026-11-24 06:58 UTC."""
    mo = re.match(r"(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)\d\dZ$", d or "")
    return "%s-%s-%s %s:%s UTC" % mo.groups() if mo else (d or "?")


def fmt_duration(s):
    s = int(s)
    return "%d min %02d s" % (s // 60, s % 60) if s >= 60 else "%d s" % s


def caveats(meta, engines_seen):
    out = ["The machine is a shared 2-core VM: absolute QPS moves by tens of percent between runs; "
           "compare within one run. Load average at start / end: %s / %s." % (
               meta.get("loadavg_start", "?"), meta.get("loadavg_end", "?")),
           "Same M is not the same graph: ruvector prunes neighbours with prune_alpha 1.1 and "
           "renumbers the graph after bulk loads; hnswlib, FAISS and usearch use HNSW's heuristic. "
           "Compare at equal recall, not at equal ef.",
           "ruvector picks its SIMD kernels at run time (here: %s); hnswlib is compiled "
           "-march=native; FAISS is Debian's generic build (no AVX2), so its numbers are \"FAISS as "
           "Debian ships it\"; usearch ships its own run-time-dispatched kernels." % meta.get("ruvector_isa", "?"),
           "Peak RSS is the whole process: the data set as the driver read it, the runtime (Python "
           "with numpy, or Node with V8), and the index. Bytes per vector is the index alone, by "
           "each engine's own measure (see the per-engine notes).",
           "Node engines await (ruvector) or call (usearch, hnswlib-node: synchronous, blocking the "
           "event loop) one query at a time; an awaited call pays a Promise round trip that a "
           "synchronous one does not."]
    modes = [e for e in ("ruvector-int8", "ruvector-pq", "ruvector-binary", "ruvector-filter") if e in engines_seen]
    if meta.get("quant_modes") or modes:
        out.append("Quantization / filter modes measured: %s." % (meta.get("quant_modes") or " ".join(modes)))
    else:
        out.append("ruvector's quantization modes and filtered search are not in this run: the CLI did "
                   "not offer them yet (the runner detects `--quant` and `--filter-labels` in `ruvector "
                   "bench --help` and runs them when they land).")
    if meta.get("agentdb_layer") == "absent":
        out.append("ruvector's agentdb-compatible layer did not exist in node/ when this ran; the "
                   "agent-memory rows measure ruvector's collection directly.")
    if meta.get("notes"):
        out.append(meta["notes"])
    eng = [e for e in ENGINES if e in engines_seen]
    return out + ["**%s**: %s." % (label(e), ENGINES[e][2]) for e in eng]


def readme_snippet(meta, datasets, curves, targets, overhead_text, agent_text, engines_seen, plots):
    sweep = [ds for ds, info in datasets.items() if info.get("role", "sweep") == "sweep"
             and any(d == ds for d, _ in curves)]
    out = ["<!-- generated by bench/compare.py from bench/results/raw.jsonl; do not edit by hand -->\n",
           "**Measured** %s\n" % run_line(meta).replace("Run ", "", 1)]
    # headline: ruvector against the best peer at each target
    ours = [e for e in ("ruvector", "ruvector-node", "ruvector-node-nolane") if any((ds, e) in curves for ds in sweep)]
    header = ["data set", "recall@10"] + ["%s QPS" % label(e) for e in ours] + ["best peer", "its QPS"] + \
        ["%s / best peer" % label(e) for e in ours]
    rows = []
    for ds in sweep:
        for t in targets:
            bp = best_peer(curves, ds, t)
            vals = [qps_at(curves[(ds, e)], t) if (ds, e) in curves else None for e in ours]
            rows.append([ds, "%.2f" % t] + [fmt_qps(v) for v in vals] +
                        [label(bp[0]) if bp else "none reaches it", fmt_qps(bp[1]) if bp else "-"] +
                        [fmt_ratio(v, bp[1] if bp else None) for v in vals])
    out.append("QPS at recall@10 = 0.90, 0.95 and 0.99 (one query at a time, one thread; interpolated "
               "between measured ef points; `>=` / `*`: the smallest ef already passed the target, so "
               "the figure is a lower bound), and the ratio to the fastest peer at that recall. Peers: "
               "%s.\n" % ", ".join(label(e) for e in ENGINES if e in engines_seen and not is_ours(e)))
    out.append(md_table(header, rows) + "\n")
    # build and memory per engine and data set
    header = ["engine"] + sweep
    rows = []
    for e in [e for e in ENGINES if e in engines_seen] + sorted(e for e in engines_seen if e not in ENGINES):
        row = [label(e)]
        for ds in sweep:
            if (ds, e) not in curves:
                row.append("-")
                continue
            s = engine_summary(curves[(ds, e)])
            row.append("%s s, %s thr, %s MiB, %.0f B/vec" % (fmt_num(s["build_s"], "%.1f"), threads_text(s),
                                                              fmt_num(s["max_rss_mib"], "%.0f"),
                                                              s["bytes_per_vector"]))
        rows.append(row)
    out.append("Build time (threads asked for; CPU time / wall time in parentheses where measured), "
               "peak RSS of the whole process, and the index's bytes per vector:\n")
    out.append(md_table(header, rows, ["l"] + ["r"] * len(sweep)) + "\n")
    for ds, png in plots:
        out.append("![%s: recall against QPS](%s)\n" % (ds, png))
    if overhead_text:
        out.append(overhead_text.replace("## ", "### ", 1))
    if agent_text:
        out.append(agent_text.replace("## ", "### ", 1))
    out.append("### Caveats\n")
    out.append("\n".join("- " + c for c in caveats(meta, engines_seen)) + "\n")
    out.append("Every ef point, failures and logs: [bench/results/summary.md](bench/results/summary.md); "
               "raw lines: `bench/results/raw.jsonl`.\n")
    return "\n".join(out)


def atomic_write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def cmd_report(a):
    targets = [float(t) for t in a.targets.split(",") if t]
    meta, datasets, runs, rows = load_raw(a.raw)
    curves = merge(rows["sweep"])
    for r in rows["sweep"]:  # data sets seen only in result rows still get a section
        datasets.setdefault(r["dataset"], {"name": r["dataset"], "metric": r.get("metric", "?")})
    engines_seen = {e for _, e in curves}
    os.makedirs(a.out, exist_ok=True)

    head = ["# ruvector against its peers\n", run_line(meta) + "\n",
            "How this is measured: bench/README.md. Caveats: at the end.\n"]
    sections, plots = [], []
    subtitle = "%s, %s cores, %s" % (meta.get("cpu", "?"), meta.get("cores", "?"), fmt_date(meta.get("date")))
    for ds, info in datasets.items():
        if info.get("role", "sweep") != "sweep":
            continue
        sections.append(dataset_section(ds, info, curves, runs, targets))
        if not a.no_plot and any(d == ds for d, _ in curves):
            png = ds + ".png"
            if plot(ds, curves, os.path.join(a.out, png), subtitle):
                sections.append("![%s recall vs QPS](%s)\n" % (ds, png))
                plots.append((ds, png))
    oinfo = next((i for i in datasets.values() if i.get("role") == "overhead"), None)
    overhead_text, overhead = overhead_section(rows["overhead"], runs, oinfo)
    ainfo = next((i for i in datasets.values() if i.get("role") == "agent"), None)
    agent_text, agent = agent_section(rows["agent-memory"], runs, ainfo)
    tail = [t for t in (overhead_text, agent_text) if t]
    tail.append("## Caveats\n\n" + "\n".join("- " + c for c in caveats(meta, engines_seen)) + "\n")
    text = "\n".join(head) + "\n" + "\n".join(sections) + "\n" + "\n".join(tail)
    atomic_write(os.path.join(a.out, "summary.md"), text)
    atomic_write(os.path.join(a.out, "README-snippet.md"),
                 readme_snippet(meta, datasets, curves, targets, overhead_text, agent_text, engines_seen, plots))

    with open(os.path.join(a.out, "results.csv.tmp"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS, extrasaction="ignore")
        w.writeheader()
        for wl in ("sweep", "overhead", "agent-memory"):
            for r in rows[wl]:
                w.writerow(dict(r, workload=wl))
    os.replace(os.path.join(a.out, "results.csv.tmp"), os.path.join(a.out, "results.csv"))

    summary = {"meta": meta, "targets": targets, "datasets": {}, "overhead": overhead, "agent_memory": agent,
               "failures": [r for r in runs if r["status"] not in ("ok",)]}
    for ds, info in datasets.items():
        if info.get("role", "sweep") != "sweep":
            continue
        d = {"info": info, "engines": {}}
        for e in engines_of(curves, ds):
            pts = curves[(ds, e)]
            d["engines"][e] = {"summary": engine_summary(pts), "points": pts,
                               "qps_at": {"%.2f" % t: qps_at(pts, t) for t in targets}}
        d["best_peer"] = {"%.2f" % t: best_peer(curves, ds, t) for t in targets}
        summary["datasets"][ds] = d
    atomic_write(os.path.join(a.out, "results.json"), json.dumps(summary, indent=1, sort_keys=True) + "\n")
    print(text)
    return 0


BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def cmd_readme(a):
    """Put SNIPPET between the bench markers of README.md (or in place of a
    line reading BENCH_TABLE), image links pointing into --image-dir."""
    with open(a.snippet) as f:
        snip = f.read().strip("\n")
    rel = os.path.relpath(a.image_dir, os.path.dirname(os.path.abspath(a.readme)) or ".")
    snip = re.sub(r"\]\(([^)/]+\.png)\)", lambda mo: "](%s/%s)" % (rel, mo.group(1)), snip)
    snip = snip.replace("](bench/results/summary.md)", "](%s/summary.md)" % rel)
    with open(a.readme) as f:
        text = f.read()
    block = "%s\n%s\n%s" % (BEGIN, snip, END)
    if BEGIN in text and END in text:
        i, j = text.index(BEGIN), text.index(END) + len(END)
        text = text[:i] + block + text[j:]
    elif re.search(r"(?m)^BENCH_TABLE$", text):
        text = re.sub(r"(?m)^BENCH_TABLE$", lambda mo: block, text, count=1)
    else:
        print("compare.py: %s has neither the bench markers nor a BENCH_TABLE line" % a.readme, file=sys.stderr)
        return 1
    atomic_write(a.readme, text)
    print("compare.py: updated %s from %s" % (a.readme, a.snippet), file=sys.stderr)
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
    g.add_argument("--metric", default="l2", choices=["l2", "ip", "cosine"],
                   help="metric of the ground truth")
    g.add_argument("--kind", default="gaussian", choices=["gaussian", "embedding"],
                   help="gaussian: unit-noise clusters; embedding: normalised, clustered, low-rank")
    sb = sub.add_parser("subset", help="first N base vectors and NQ queries, exact ground truth recomputed")
    sb.add_argument("src")
    sb.add_argument("dir")
    sb.add_argument("--n", type=int, required=True)
    sb.add_argument("--nq", type=int, default=1000)
    sb.add_argument("--gt-k", type=int, default=100)
    sb.add_argument("--metric", default="l2", choices=["l2", "ip", "cosine"])
    r = sub.add_parser("report", help="merge the runner's raw JSON lines into tables")
    r.add_argument("raw")
    r.add_argument("--out", required=True)
    r.add_argument("--targets", default="0.90,0.95,0.99")
    r.add_argument("--no-plot", action="store_true")
    rd = sub.add_parser("readme", help="put the README snippet between README.md's bench markers")
    rd.add_argument("snippet")
    rd.add_argument("readme")
    rd.add_argument("--image-dir", default="bench/results")
    a = ap.parse_args()
    if a.cmd == "generate":
        if a.n < 1 or a.dim < 1 or a.nq < 1 or a.gt_k < 1:
            ap.error("--n, --dim, --nq and --gt-k must be positive")
        return cmd_generate(a)
    if a.cmd == "subset":
        if a.n < 1 or a.nq < 1 or a.gt_k < 1:
            ap.error("--n, --nq and --gt-k must be positive")
        return cmd_subset(a)
    if a.cmd == "readme":
        return cmd_readme(a)
    return cmd_report(a)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""faiss_bench.py: the FAISS peers for ruvector's benchmark.

Same contract and output as `ruvector bench --json` and hnswlib_bench: build
one FAISS index with T OpenMP threads, then for each ef run every query one
at a time on one thread and print one JSON line:
  {"ef":..,"recall":..,"qps":..,"p50_us":..,"p99_us":..,"build_s":..,
   "threads":..,"bytes_per_vector":..,"batch_qps":..,"build_cpu_s":..}

--index picks the index:
- hnswflat (default): IndexHNSWFlat(d, M): float32 vectors, HNSW graph.
- hnswsq8: IndexHNSWSQ(d, QT_8bit, M): the same graph over 8-bit scalar
  quantised vectors (one byte per dimension, 4x smaller than float32); it is
  trained (per-dimension ranges) on the base vectors first, and the
  distances it ranks by are the quantised ones (no re-ranking).
- ivfpq: IndexIVFPQ(flat quantiser, d, nlist, pq_m, 8): nlist = 4*sqrt(n)
  inverted lists, each vector a pq_m-byte product-quantisation code. pq_m =
  d/4, so the code is 16x smaller than the float32 vector. There is no graph,
  so M and ef_construction do not apply; the values given to --ef are
  nprobe (lists visited per query) and rows carry "param":"nprobe". FAISS's
  IndexIVFPQ ranks by the PQ-approximated distances and does not re-rank
  with the original vectors by default (that needs IndexRefineFlat, which
  keeps the float32 vectors again), so its recall levels off below 1;
  reported as such. Cosine data is normalised and searched with L2, which
  ranks unit vectors exactly as cosine does (and is IVFPQ's usual setting).
  Training (k-means for the lists, then the PQ codebooks on residuals) is in
  build_s; train_s is reported too.

Why it looks the way it does:
- Metric: l2 is IndexHNSWFlat(dim, M); ip passes METRIC_INNER_PRODUCT;
  cosine normalises base and queries, then inner product (as FAISS's own
  docs and hnswlib's Python "cosine" space do).
- One query at a time goes through the index's SWIG entry point `search_c`
  with the query row and the result buffers prepared before the clock
  starts. The public `index.search()` wrapper would add argument checks and
  two numpy allocations to every call; that is Python overhead, not FAISS.
  What remains is one Python->C++ call per query (a few microseconds) plus
  FAISS's own per-call setup (its HNSW search allocates and clears a
  visited table of n bytes on every call). `--wrapper` times the public
  `index.search()` instead, to show the difference.
- batch_qps is one single-threaded `index.search()` over all queries:
  FAISS's best case, where the per-call costs above are paid once. It is an
  extra field, not comparable to the other engines' one-at-a-time qps.
- bytes_per_vector is the growth of resident memory (/proc/self/statm) over
  the build divided by n, as in hnswlib_bench, after malloc_trim() so that
  freed training buffers do not count. IndexHNSWFlat holds a float32 copy
  of every vector plus the graph; IndexHNSWSQ one byte per dimension plus the
  graph; IndexIVFPQ the codes, an 8-byte id per vector, the centroids and,
  under L2, a precomputed table of nlist x pq_m x 256 floats (which on small
  sets can outweigh the codes).
- recall is recall@k against the first k ground-truth ids, as in the others.
- As in the other drivers, the first ef gets one untimed warm-up pass.

- build_cpu_s is the process's CPU time over the build (all threads).
- "blas" names the BLAS library FAISS runs on (its k-means training, and so
  IVFPQ's build time, depends on it; its one-query searches do not).

usage: /usr/bin/python3 bench/peers/faiss_bench.py --base B --query Q --gt G
           --metric l2|ip|cosine --m 16 --ef-construction 200
           --ef 10,20,... --threads T --k 10 [--index hnswflat|hnswsq8|ivfpq]
           [--json] [--wrapper]
(--json is accepted for symmetry with `ruvector bench`; output is always JSON.)
"""
import argparse
import ctypes
import json
import os
import sys
import time

# FAISS parallelises with OpenMP itself; an OpenMP OpenBLAS underneath
# (Debian's libopenblas0-openmp) would start its own threads inside FAISS's
# parallel regions and oversubscribe the cores: measured here, IVFPQ training
# took 4x longer and single-query search was 1.6x slower than with one BLAS
# thread. Set before numpy and faiss load the BLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

try:
    import faiss  # noqa: E402
except ImportError as e:  # reported by the runner as a failed engine
    sys.exit("faiss_bench: cannot import faiss (Debian package python3-faiss): %s" % e)


def read_vecs(path, dtype):
    """Read an fvecs/ivecs file: per row an int32 dimension, then that many
    4-byte values. Returns a C-contiguous (rows, dim) array of dtype."""
    raw = np.fromfile(path, dtype="<i4")
    if raw.size == 0:
        raise ValueError("%s: empty" % path)
    dim = int(raw[0])
    if dim <= 0 or raw.size % (dim + 1):
        raise ValueError("%s: not a .vecs file (dimension %d, %d words)" % (path, dim, raw.size))
    rows = raw.reshape(-1, dim + 1)
    if not np.all(rows[:, 0] == dim):
        raise ValueError("%s: rows of differing dimension" % path)
    return np.ascontiguousarray(rows[:, 1:].view(dtype))


def rss_bytes():
    """Resident memory. First hands freed heap back to the system
    (malloc_trim), so that temporaries already freed (training buffers, the
    copies made while reading) do not count as the index's memory."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def blas_name():
    """The BLAS this process loaded (from /proc/self/maps), e.g. openblas-openmp."""
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1]
                if "/libblas.so" in p or "/libopenblas" in p:
                    return os.path.basename(os.path.dirname(os.path.realpath(p)))
    except OSError:
        pass
    return "?"


def recall_at_k(labels, truth, k):
    """Share of the first k true neighbours found among the k results."""
    hits = (labels[:, :k, None] == truth[:, None, :k]).any(axis=2)
    return float(hits.sum()) / float(truth.shape[0] * k)


def main():
    ap = argparse.ArgumentParser(description="FAISS peers for ruvector bench")
    ap.add_argument("--base", required=True)
    ap.add_argument("--query", required=True)
    ap.add_argument("--gt", required=True)
    ap.add_argument("--metric", default="l2", choices=["l2", "ip", "cosine"])
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=200)
    ap.add_argument("--ef", default="10,20,40,80,160,320")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--json", action="store_true", help="accepted; output is always JSON lines")
    ap.add_argument("--index", default="hnswflat", choices=["hnswflat", "hnswsq8", "ivfpq"])
    ap.add_argument("--wrapper", action="store_true",
                    help="time the public index.search() per query instead of search_c")
    a = ap.parse_args()
    efs = [int(x) for x in a.ef.split(",") if x]
    if not efs or min(efs) < 1 or a.k < 1 or a.threads < 1:
        sys.exit("faiss_bench: bad --ef, --k or --threads")

    try:
        xb = read_vecs(a.base, "<f4")
        xq = read_vecs(a.query, "<f4")
        gt = read_vecs(a.gt, "<i4")
    except (OSError, ValueError) as e:
        sys.exit("faiss_bench: cannot read the data files: %s" % e)
    n, dim = xb.shape
    nq = xq.shape[0]
    if xq.shape[1] != dim or gt.shape[0] < nq or gt.shape[1] < a.k:
        sys.exit("faiss_bench: data files do not match (dim %d/%d, gt %s, %d queries, k %d)"
                 % (dim, xq.shape[1], gt.shape, nq, a.k))
    gt = gt[:nq]

    if a.metric == "cosine":
        for x in (xb, xq):
            norms = np.linalg.norm(x, axis=1, keepdims=True)
            x /= np.where(norms > 0, norms, 1)
    metric = faiss.METRIC_L2 if a.metric == "l2" else faiss.METRIC_INNER_PRODUCT

    # ---- build on T threads ----
    faiss.omp_set_num_threads(a.threads)
    extra = {}
    rss0 = rss_bytes()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    if a.index == "ivfpq":
        nlist = max(1, int(round(4 * np.sqrt(n))))
        pq_m = dim // 4
        while dim % pq_m:  # PQ needs d divisible by pq_m; keep the code at most d/4 bytes
            pq_m -= 1
        # cosine: unit vectors under L2 rank as under cosine (see above)
        ivf_metric = faiss.METRIC_INNER_PRODUCT if a.metric == "ip" else faiss.METRIC_L2
        quantizer = faiss.IndexFlatIP(dim) if ivf_metric == faiss.METRIC_INNER_PRODUCT else faiss.IndexFlatL2(dim)
        index = faiss.IndexIVFPQ(quantizer, dim, nlist, pq_m, 8, ivf_metric)
        index.train(xb)
        train_s = time.perf_counter() - t0
        index.add(xb)
        extra = {"param": "nprobe", "nlist": nlist, "pq_m": pq_m, "code_bytes": int(index.code_size),
                 "train_s": round(train_s, 3), "rerank": False}
    elif a.index == "hnswsq8":
        index = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, a.m, metric)
        index.hnsw.efConstruction = a.ef_construction
        index.train(xb)
        extra = {"train_s": round(time.perf_counter() - t0, 3), "code_bytes": dim}  # one byte per dimension
        index.add(xb)
    else:
        index = faiss.IndexHNSWFlat(dim, a.m, metric)
        index.hnsw.efConstruction = a.ef_construction
        index.add(xb)
    build_s = time.perf_counter() - t0
    build_cpu_s = time.process_time() - cpu0
    bpv = (rss_bytes() - rss0) / n
    # ---- search on one thread ----
    faiss.omp_set_num_threads(1)
    k = a.k
    labels = np.empty((nq, k), dtype=np.int64)
    dist1 = np.empty((1, k), dtype=np.float32)
    lab1 = np.empty((1, k), dtype=np.int64)
    dptr, lptr = faiss.swig_ptr(dist1), faiss.swig_ptr(lab1)
    qptrs = [faiss.swig_ptr(xq[q]) for q in range(nq)]  # rows of a C-contiguous array
    rows = [xq[q:q + 1] for q in range(nq)]             # 1-row views for --wrapper
    search_c = index.search_c
    clock = time.perf_counter
    lat = np.empty(nq, dtype=np.float64)

    def sweep():
        """Every query alone; per-query latency in lat, ids in labels."""
        if a.wrapper:
            for q in range(nq):
                t = clock()
                _, lab = index.search(rows[q], k)
                lat[q] = clock() - t
                labels[q] = lab[0]
        else:
            for q in range(nq):
                t = clock()
                search_c(1, qptrs[q], k, dptr, lptr)
                lat[q] = clock() - t
                labels[q] = lab1[0]

    for i, ef in enumerate(efs):
        if a.index == "ivfpq":
            index.nprobe = ef
        else:
            index.hnsw.efSearch = ef
        if i == 0:
            sweep()  # untimed warm-up pass, as the other drivers do
        sweep()
        total = float(lat.sum())
        rec = recall_at_k(labels, gt, k)
        s = np.sort(lat) * 1e6
        t = clock()
        index.search(xq, k)  # one single-threaded batch call: FAISS's best case
        batch_s = clock() - t
        print(json.dumps({
            "ef": ef, "recall": round(rec, 4), "qps": round(nq / total, 1),
            "p50_us": round(float(s[nq // 2]), 1), "p99_us": round(float(s[int((nq - 1) * 0.99)]), 1),
            "build_s": round(build_s, 3), "threads": a.threads, "bytes_per_vector": round(bpv, 1),
            "batch_qps": round(nq / batch_s, 1), "build_cpu_s": round(build_cpu_s, 3),
            "version": faiss.__version__, "blas": blas_name(), **extra,
        }, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Write the extension tests' vectors as COPY text: DIR/base.tsv, DIR/query.tsv.

usage: make_data.py DIR N_BASE N_QUERY

The first N_BASE base vectors and N_QUERY queries of SIFT
(../shared/data/sift-wp-100k-128-l2, relative to the repository root) when it
is there; otherwise the same number of 128-d vectors drawn around 64 random
centres (seeded), so the tests run without the shared data.
"""
import lzma
import os
import random
import struct
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
# ../shared beside the repository, or RUVECTOR_SHARED (a worktree's).
SHARED = os.environ.get("RUVECTOR_SHARED") or os.path.join(ROOT, "..", "shared")
SIFT = os.path.join(SHARED, "data", "sift-wp-100k-128-l2")


def fvecs(path, n):
    with lzma.open(path, "rb") as f:
        for _ in range(n):
            head = f.read(4)
            if len(head) < 4:
                return
            (d,) = struct.unpack("<i", head)
            yield struct.unpack("<%df" % d, f.read(4 * d))


def generated(n, seed):
    rng = random.Random(seed)
    centres = [[rng.uniform(0, 100) for _ in range(128)] for _ in range(64)]
    for _ in range(n):
        c = rng.choice(centres)
        yield [x + rng.gauss(0, 12) for x in c]


def write(path, rows):
    with open(path, "w") as out:
        for i, v in enumerate(rows):
            out.write("%d\t[%s]\n" % (i, ",".join("%g" % x for x in v)))


def main():
    d, nb, nq = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    base = os.path.join(SIFT, "base.fvecs.xz")
    if os.path.exists(base):
        write(os.path.join(d, "base.tsv"), fvecs(base, nb))
        write(os.path.join(d, "query.tsv"), fvecs(os.path.join(SIFT, "query.fvecs.xz"), nq))
        print("data: SIFT subset, %d base, %d queries" % (nb, nq))
    else:
        write(os.path.join(d, "base.tsv"), generated(nb, 1))
        write(os.path.join(d, "query.tsv"), generated(nq, 2))
        print("data: generated (no ../shared), %d base, %d queries" % (nb, nq))


main()

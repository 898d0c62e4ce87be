#!/bin/sh
# demo.sh: the main job, `make demo`. Builds ruvector, loads the SIFT
# benchmark set (100,000 real 128-d SIFT descriptors, 1,000 queries and
# their exact neighbours) from ../shared/data beside the repository, builds
# an HNSW index on all cores, and prints recall@10 and QPS at several ef,
# next to the exact (brute-force) scan: its recall of 1 checks the ground
# truth, and its speed is what the index is measured against.
#
# Without ../shared/data it generates a seeded clustered set of the same
# shape instead (ground truth then by exact search).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh build
make -s all
DATA=../shared/data
SET=sift-wp-100k-128-l2
THREADS=$(nproc 2>/dev/null || echo 2)
if [ -d "$DATA/$SET" ]; then
	command -v xz >/dev/null 2>&1 || sh scripts/install-deps.sh test
	mkdir -p build/data
	# unpack once; the script skips files already there
	"$DATA/unpack" build/data >/dev/null
	D=build/data/$SET
	echo "ruvector demo: $SET (real SIFT descriptors), M=16, ef_construction=200, $THREADS build threads"
	exec build/ruvector bench --base "$D/base.fvecs" --query "$D/query.fvecs" --gt "$D/groundtruth.ivecs" \
		--metric l2 --m 16 --ef-construction 200 --ef 10,20,40,80,160 --threads "$THREADS" --k 10 --exact
else
	echo "ruvector demo: $DATA not found; using a generated, seeded set of 100,000 x 128 (clustered)"
	exec build/ruvector bench --generate 100000x128 --queries 1000 --metric l2 --m 16 --ef-construction 200 \
		--ef 10,20,40,80,160 --threads "$THREADS" --k 10 --exact
fi

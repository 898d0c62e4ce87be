#!/bin/sh
# storage.sh: the storage benchmarks of issue #3 (bench/storage_bench.c):
# insert throughput at each durability setting, open time and memory of a
# 1M x 128 collection, and recovery time of a 64 MiB log. Results as JSON
# lines in bench/results/storage.jsonl. The 1M collection is built once
# into build/bench-storage/ (a few minutes) and reused.
#   sh bench/storage.sh [--quick]
set -eu
cd "$(dirname "$0")/.."
make -s lib
mkdir -p build/bench-storage bench/results
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -o build/bench-storage/storage_bench \
	bench/storage_bench.c build/libruvector.a -lm -pthread
B=build/bench-storage/storage_bench
OUT=bench/results/storage.jsonl
N=1000000
SYNC_N=3000
MIB=64
if [ "${1:-}" = "--quick" ]; then N=100000; SYNC_N=600; MIB=8; fi
: > "$OUT"
$B sync build/bench-storage --n "$SYNC_N" --dim 128 | tee -a "$OUT"
$B recovery build/bench-storage --mib "$MIB" --dim 128 | tee -a "$OUT"
$B open build/bench-storage --n "$N" --dim 128 | tee -a "$OUT"
echo "storage.sh: results in $OUT"

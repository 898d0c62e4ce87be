#!/bin/sh
# server/bench/run.sh (make bench-server): `ruvector serve` under wrk.
#
# Loads SIFT 100k (../shared/data, unpacked into build/data/; without it,
# 100,000 generated 128-d vectors) into a database with the CLI, serves it,
# and measures Qdrant searches (limit 10, hnsw_ef 64) with wrk and
# server/bench/search.lua at 1, 8 and 64 connections: QPS, p50, p99. The
# same 1,000 queries run in-process (`ruvector search`, one thread, the
# same database and ef) for the ratio. Then overload: 4x the 64 connections
# (256) against the default search cap (one search per CPU): the mix of
# 200 and 503 answers, their p99, and resident memory before and after.
#
#   BENCH_SECS=5   seconds per wrk run
set -eu
cd "$(dirname "$0")/../.."
secs=${BENCH_SECS:-5}
cli=build/ruvector
work=build/bench-server
mkdir -p "$work"
data=build/data/sift-wp-100k-128-l2
# ../shared beside the repository (RV_SHARED overrides: a worktree elsewhere)
shared=${RV_SHARED:-../shared}
if [ ! -f "$data/base.fvecs" ] && [ -x "$shared/data/unpack" ]; then
	"$shared/data/unpack" build/data >/dev/null
fi
if [ -f "$data/base.fvecs" ]; then
	base=$data/base.fvecs query=$data/query.fvecs label="SIFT 100k (sift-wp-100k-128-l2)"
else
	base=$work/base.fvecs query=$work/query.fvecs label="100,000 generated 128-d vectors (no ../shared)"
	[ -f "$base" ] || python3 - "$base" "$query" <<'PY'
import random, struct, sys
random.seed(1)
for path, n in ((sys.argv[1], 100000), (sys.argv[2], 1000)):
    with open(path, 'wb') as f:
        for _ in range(n):
            f.write(struct.pack('<i', 128) + struct.pack('<128f', *(random.random() * 255 for _ in range(128))))
PY
fi
# the queries as Qdrant search bodies, one per line
python3 - "$query" "$work/bodies.jsonl" <<'PY'
import struct, sys
with open(sys.argv[1], 'rb') as f, open(sys.argv[2], 'w') as out:
    while True:
        h = f.read(4)
        if not h:
            break
        d = struct.unpack('<i', h)[0]
        v = struct.unpack('<%df' % d, f.read(4 * d))
        out.write('{"vector":[%s],"limit":10,"params":{"hnsw_ef":64}}\n' % ','.join('%g' % x for x in v))
PY
db=$work/db
if [ "$(cat "$db/.built" 2>/dev/null)" != "$label" ]; then
	rm -rf "$db"
	echo "== building the database: $label"
	$cli create "$db" sift --dim 128 --metric l2 >/dev/null
	t0=$(date +%s.%N)
	$cli import "$db" sift "$base" --durability off --quiet
	$cli compact "$db" sift >/dev/null
	echo "   import: $(echo "$(date +%s.%N) - $t0" | bc) s"
	echo "$label" >"$db/.built"
fi
echo "== $label, limit 10, hnsw_ef 64; $(nproc) CPUs; ${secs} s per run"
echo "== in-process (ruvector search, 1 thread, 1,000 queries)"
t0=$(date +%s.%N)
$cli search "$db" sift --query "$query" --queries 1 -k 10 --ef 64 >/dev/null
t1=$(date +%s.%N)
$cli search "$db" sift --query "$query" --queries 1000 -k 10 --ef 64 >/dev/null
t2=$(date +%s.%N)
inproc=$(echo "999 / (($t2 - $t1) - ($t1 - $t0))" | bc -l)
printf '   %.0f QPS (%.3f ms per query)\n' "$inproc" "$(echo "1000 / $inproc" | bc -l)"

port_file=$work/port
rm -f "$port_file"
$cli serve "$db" --port 0 --port-file "$port_file" --quiet 2>"$work/server.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT INT TERM
while [ ! -f "$port_file" ]; do sleep 0.1; done
port=$(cat "$port_file")
url=http://127.0.0.1:$port/collections/sift/points/search
rss() { curl -s "http://127.0.0.1:$port/metrics" | sed -n 's/^process_resident_memory_bytes //p'; }
run() {
	conns=$1 threads=$2
	wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 10s -s server/bench/search.lua "$url" -- "$work/bodies.jsonl" | tail -1
}
# warm the pages of the mapped segment
wrk -t1 -c4 -d2s -s server/bench/search.lua "$url" -- "$work/bodies.jsonl" >/dev/null
for c in 1 8 64; do
	t=2
	[ "$c" = 1 ] && t=1
	r=$(run "$c" "$t")
	echo "== HTTP, $c connection(s): $r"
	qps=$(echo "$r" | sed 's/.*"ok_qps":\([0-9.]*\).*/\1/')
	printf '   HTTP / in-process: %.2f\n' "$(echo "$qps / $inproc" | bc -l)"
done
before=$(rss)
r=$(run 256 2)
after=$(rss)
echo "== overload, 256 connections (4x 64): $r"
echo "   resident memory: $((before / 1048576)) MiB before, $((after / 1048576)) MiB after"
kill -TERM $pid
wait $pid && echo "== server stopped cleanly (exit 0)"
trap - EXIT INT TERM

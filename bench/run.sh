#!/bin/sh
# bench/run.sh: ruvector, hnswlib and FAISS side by side, in one run.
#
#   sh bench/run.sh [--quick] [--datasets a,b] [--threads 2] [--m 16]
#                   [--ef-construction 200] [--ef 10,20,40,80,160,320] [--k 10]
#                   [--repeat 2] [--engines ruvector,hnswlib,faiss]
#                   [--data DIR] [--out DIR] [--timeout SECONDS]
#
# For each data set (a directory holding base.fvecs, query.fvecs and
# groundtruth.ivecs; the metric comes from its name: -l2, -ip, -cos), each
# engine builds an HNSW index with the same M, ef_construction and threads,
# then answers every query one at a time on one thread for each ef (the
# contract of `ruvector bench --json`, which the peer drivers in bench/peers/
# copy). Every engine runs in its own process; one that fails or times out
# is recorded and the others go on.
#
# The machine is shared and noisy, so each engine runs --repeat times, the
# engines taking turns (and the order rotating each round) so that a slow
# spell does not land on one engine only; the report keeps the best QPS per
# ef. Only ratios measured within one run mean much.
#
# Data: --data DIR if given; otherwise ../shared/data (beside the repo) is
# unpacked into build/data; otherwise a synthetic clustered set is generated
# (bench/compare.py generate) so that every engine still runs.
#
# Output: raw JSON lines, results.csv and summary.md under bench/results/
# (bench/results/quick/ for --quick), and the tables on stdout. Per-process
# logs, and copies of the binaries measured, go to build/bench-logs/<time>/.
# Run from anywhere; paths are relative to the repository root.
# shellcheck disable=SC2086  # lists in plain variables are split on purpose
set -u
cd "$(dirname "$0")/.." || exit 1

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
threads=2 m=16 efc=200 ef=10,20,40,80,160,320 k=10 repeat=2
quick=0 datasets="" data="" out="" tmo=3600 engines=ruvector,hnswlib,faiss
ef_set=0 repeat_set=0
KNOWN="sift-wp-100k-128-l2 fashion-mnist-60k-784-l2 words-384-cos-50k"

usage() { sed -n '4,7p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "bench/run.sh: $*" >&2; exit 2; }
say() { echo "bench/run.sh: $*" >&2; }
num() { case $2 in ''|*[!0-9]*) die "$1 takes a positive integer, not '$2'";; esac
        [ "$2" -gt 0 ] || die "$1 takes a positive integer, not '$2'"; }

while [ $# -gt 0 ]; do
	opt=$1 val=
	case $opt in
	--*=*) val=${opt#*=} opt=${opt%%=*} ;;
	--quick|-h|--help) ;;
	--*) [ $# -ge 2 ] || die "$opt needs a value"; val=$2; shift ;;
	esac
	shift
	case $opt in
	--quick) quick=1 ;;
	--datasets) datasets=$(echo "$val" | tr ',' ' ') ;;
	--threads) num "$opt" "$val"; threads=$val ;;
	--m) num "$opt" "$val"; m=$val ;;
	--ef-construction) num "$opt" "$val"; efc=$val ;;
	--ef) case $val in ''|*[!0-9,]*) die "--ef takes a list like 10,20,40";; esac; ef=$val ef_set=1 ;;
	--k) num "$opt" "$val"; k=$val ;;
	--repeat) num "$opt" "$val"; repeat=$val repeat_set=1 ;;
	--engines) engines=$val ;;
	--data) data=$val ;;
	--out) out=$val ;;
	--timeout) num "$opt" "$val"; tmo=$val ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown option '$opt'" ;;
	esac
done
if [ $quick = 1 ]; then
	[ $ef_set = 1 ] || ef=10,20,40,80,160
	[ $repeat_set = 1 ] || repeat=1
	: "${out:=bench/results/quick}"
fi
: "${out:=bench/results}"
engines=$(echo "$engines" | tr ',' ' ')
for e in $engines; do
	case $e in ruvector|hnswlib|faiss) ;; *) die "unknown engine '$e' (ruvector, hnswlib, faiss)" ;; esac
done
t_start=$(date +%s)

# ---- build what the engines need ----
stamp=$(date -u +%Y%m%dT%H%M%SZ)
logs=build/bench-logs/$stamp
mkdir -p "$logs/bin" "$out" || die "cannot create $logs or $out"
say "building ruvector (make -s)"
rv_ok=1
make -s >&2 || { rv_ok=0; say "make failed; ruvector runs will fail, the peers still run"; }
# The state of the tree that was built, before anything else can change it.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=false diff=
if [ -n "$(git status --porcelain -- src include cli Makefile bench/peers 2>/dev/null)" ]; then
	dirty=true
	diff=$(git diff HEAD -- src include cli Makefile bench/peers 2>/dev/null | cksum | cut -d' ' -f1)
fi
needs() { case " $engines " in *" $1 "*) return 0;; esac; return 1; }
if needs hnswlib && { [ ! -x build/peers/hnswlib_bench ] ||
                      [ -n "$(find bench/peers/hnswlib_bench.cpp -newer build/peers/hnswlib_bench)" ]; }; then
	say "building the hnswlib driver"
	mkdir -p build/peers
	# hnswlib picks its SIMD at compile time: -march=native is its best build here.
	g++ -O3 -march=native -std=c++17 -pthread -w \
		-o build/peers/hnswlib_bench bench/peers/hnswlib_bench.cpp >&2 ||
		rm -f build/peers/hnswlib_bench  # never measure a stale driver
	[ -x build/peers/hnswlib_bench ] ||
		say "cannot build the hnswlib driver (needs Debian libhnswlib-dev); hnswlib runs will fail"
fi
# Run copies, so that a rebuild in this tree during a long run (another make,
# a test run) cannot swap the binary between repeats.
[ $rv_ok = 1 ] && cp build/ruvector "$logs/bin/ruvector"  # never a stale one after a failed make
cp build/peers/hnswlib_bench "$logs/bin/hnswlib_bench" 2>/dev/null
cp bench/peers/faiss_bench.py "$logs/bin/faiss_bench.py"

# ---- data ----
notes=""
if [ -z "$data" ]; then
	if [ -d ../shared/data ] && sh ../shared/data/unpack build/data >&2; then
		data=build/data
	else
		[ -d ../shared/data ] && say "unpacking ../shared/data failed; using generated data"
		data=build/data-synthetic
		notes="no real data sets (../shared/data absent): a synthetic clustered set was generated"
		if [ ! -s $data/synthetic-50k-128-l2/groundtruth.ivecs ]; then
			say "generating $data/synthetic-50k-128-l2 (numpy, exact ground truth)"
			"$PY" bench/compare.py generate $data/synthetic-50k-128-l2 --n 50000 --dim 128 \
				--nq 1000 || die "cannot generate data"
		fi
	fi
fi
[ -d "$data" ] || die "no data directory '$data'"
if [ -z "$datasets" ]; then
	for d in $KNOWN; do [ -s "$data/$d/base.fvecs" ] && datasets="$datasets $d"; done
	for p in "$data"/*/base.fvecs; do
		[ -s "$p" ] || continue
		d=$(basename "$(dirname "$p")")
		case " $datasets " in *" $d "*) ;; *) datasets="$datasets $d" ;; esac
	done
	[ $quick = 1 ] && set -- $datasets && datasets=${1:-}
fi
set -- $datasets
[ $# -gt 0 ] || die "no data sets in $data"

metric_of() {
	case -$1- in
	*-l2-*|*-euclidean-*) echo l2 ;;
	*-ip-*|*-dot-*) echo ip ;;
	*-cos-*|*-cosine-*|*-angular-*) echo cosine ;;
	*) say "cannot tell the metric of '$1' from its name; using l2"; echo l2 ;;
	esac
}

# ---- run ----
raw=$out/raw.jsonl
tmp=$raw.tmp
: > "$tmp"
cpu=$(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo 2>/dev/null | head -1 | tr -d '\\"')
isa=$("$logs/bin/ruvector" version 2>/dev/null | sed -n 's/^isa: //p')
printf '{"meta":{"date":"%s","commit":"%s","dirty":%s,"diff_cksum":"%s","cpu":"%s","cores":%s,"ruvector_isa":"%s","threads":%s,"m":%s,"ef_construction":%s,"ef":"%s","k":%s,"repeat":%s,"quick":%s,"data":"%s","loadavg_start":"%s","notes":"%s"}}\n' \
	"$stamp" "$commit" $dirty "$diff" "${cpu:-unknown}" "$(nproc 2>/dev/null || echo 0)" "${isa:-unknown}" \
	"$threads" "$m" "$efc" "$ef" "$k" "$repeat" "$([ $quick = 1 ] && echo true || echo false)" \
	"$data" "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" "$notes" >> "$tmp"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# run_engine ENGINE DATASET METRIC REP: one process, its lines tagged into $tmp.
run_engine() {
	e=$1 ds=$2 metric=$3 rep=$4 dir=$data/$2
	set -- --base "$dir/base.fvecs" --query "$dir/query.fvecs" --gt "$dir/groundtruth.ivecs" \
		--metric "$metric" --m "$m" --ef-construction "$efc" --ef "$ef" --threads "$threads" --k "$k"
	case $e in
	ruvector) set -- "$logs/bin/ruvector" bench "$@" --json ;;
	hnswlib) set -- "$logs/bin/hnswlib_bench" "$@" ;;
	faiss) set -- "$PY" "$logs/bin/faiss_bench.py" "$@" ;;
	esac
	log=$logs/$ds.$e.$rep
	printf '%s\n' "$*" > "$log.cmd"
	t0=$(now_ms)
	timeout "$tmo" "$@" > "$log.out" 2> "$log.err"
	rc=$?
	wall=$(( $(now_ms) - t0 ))
	status=ok
	[ $rc = 0 ] || status=failed
	[ $rc = 124 ] && status=timeout
	[ $rc = 0 ] && ! grep -q '^{' "$log.out" && status=failed  # exit 0 but nothing measured
	grep '^{' "$log.out" |
		sed "s/^{/{\"engine\":\"$e\",\"dataset\":\"$ds\",\"metric\":\"$metric\",\"rep\":$rep,/" >> "$tmp"
	printf '{"status":"%s","engine":"%s","dataset":"%s","metric":"%s","rep":%s,"rc":%s,"wall_s":%s.%03d,"log":"%s"}\n' \
		$status "$e" "$ds" "$metric" "$rep" $rc $((wall / 1000)) $((wall % 1000)) "$log.err" >> "$tmp"
	say "  $ds rep $rep/$repeat $e: $status in $((wall / 1000)).$(( (wall % 1000) / 100 )) s$(
		[ $status = ok ] || echo " (rc $rc; see $log.err)")"
}

say "data sets:$(printf ' %s' $datasets); engines: $engines; threads $threads, M $m," \
	"ef_construction $efc, ef $ef, k $k, $repeat repeat(s); logs in $logs"
for ds in $datasets; do
	if [ ! -s "$data/$ds/base.fvecs" ] || [ ! -s "$data/$ds/query.fvecs" ] ||
	   [ ! -s "$data/$ds/groundtruth.ivecs" ]; then
		say "skipping $ds: no base.fvecs, query.fvecs and groundtruth.ivecs in $data/$ds"
		continue
	fi
	metric=$(metric_of "$ds")
	printf '{"dataset_info":{"name":"%s","metric":"%s","base":"%s","query":"%s"}}\n' \
		"$ds" "$metric" "$data/$ds/base.fvecs" "$data/$ds/query.fvecs" >> "$tmp"
	r=1
	while [ $r -le "$repeat" ]; do
		# rotate the order each round: round 1 a b c, round 2 b c a, ...
		order=$engines i=1
		while [ $i -lt $r ]; do
			set -- $order; first=$1; shift; order="$* $first"; i=$((i + 1))
		done
		for e in $order; do run_engine "$e" "$ds" "$metric" "$r"; done
		r=$((r + 1))
	done
done

t_end=$(date +%s)
printf '{"meta":{"wall_s":%s,"loadavg_end":"%s"}}\n' $((t_end - t_start)) \
	"$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" >> "$tmp"
mv "$tmp" "$raw"
say "raw results in $raw; total $((t_end - t_start)) s"
"$PY" bench/compare.py report "$raw" --out "$out"

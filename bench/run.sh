#!/bin/sh
# bench/run.sh: ruvector against every peer, side by side, in one run.
#
#   sh bench/run.sh [--quick] [--datasets a,b] [--engines e1,e2] [--repeat 2]
#                   [--threads 2] [--m 16] [--ef-construction 200] [--k 10]
#                   [--ef 10,20,40,80,160,320] [--nprobe 1,2,4,...] [--rebuild-ef 10,20,...]
#                   [--no-overhead] [--no-agent] [--no-install] [--update-readme]
#                   [--data DIR] [--out DIR] [--timeout SECONDS] [--cli PATH] [--head]
#
# Four parts, every engine in its own process (bench/peers/), so that one
# that fails or times out is recorded and the others go on:
#
#  1. The ANN sweep. For each data set (a directory holding base.fvecs,
#     query.fvecs and groundtruth.ivecs; the metric comes from its name:
#     -l2, -ip, -cos), each engine builds its index with the same M,
#     ef_construction and build threads, then answers every query one at a
#     time on one thread for each ef (FAISS IVFPQ: each nprobe). Engines:
#       ruvector         the C CLI, `ruvector bench --json`
#       ruvector-node    this repository's Node package (Collection API)
#       ruvector-node-nolane  the same with its low-latency search lane off
#       hnswlib          Debian libhnswlib-dev through a C++ driver (-march=native)
#       faiss-hnsw       FAISS IndexHNSWFlat (Debian python3-faiss)
#       faiss-hnswsq8    FAISS IndexHNSWSQ, 8-bit scalar quantiser
#       faiss-ivfpq      FAISS IndexIVFPQ, nlist 4*sqrt(n), d/4-byte codes (nprobe sweep)
#       usearch          npm usearch@2.26.2
#       hnswlib-node     npm hnswlib-node@3.0.0
#       ruvector@0.3.2   npm ruvector@0.3.2 (ignores per-query ef: one build per
#                        ef, each its own process, over --rebuild-ef)
#     and, when `ruvector bench --help` offers them, ruvector-int8,
#     ruvector-pq (pq:d/4), ruvector-binary (--quant) and ruvector-filter
#     (--filter-labels 10).
#  2. Per-call overhead: every binding on a tiny index (5,000 x 32, k=1,
#     one ef), time per call against the C CLI's.
#  3. Agent memory: agentdb@1.6.1's ReflexionMemory.retrieveRelevant over
#     10,000 episodes of 384-d vectors against the same queries through
#     ruvector's collection (exact and HNSW), and ruvector's agentdb layer
#     when the Node package has one.
#  4. The report (bench/compare.py): tables, CSV, JSON, plots, and the
#     README snippet (README.md's Speed section with --update-readme).
#
# The machine is shared and noisy, so the sweep runs each engine --repeat
# times, taking turns (the order rotating each round), and the report keeps
# the best QPS per ef. Engines that rebuild per ef run one round only.
#
# Data: --data DIR if given; otherwise ../shared/data (beside the repo) is
# unpacked into build/data. A seeded, normalised, clustered 100,000 x 384
# cosine set is generated into build/data-synthetic (exact ground truth by
# numpy brute force; cached). --quick runs one small set instead: the first
# 20,000 SIFT vectors with ground truth recomputed (or a generated set when
# ../shared/data is absent).
#
# Installs what it needs, idempotently: Debian packages through
# scripts/install-deps.sh bench, npm peers by name and pinned version into
# build/npm-peers/bench (bench/npm-peers.sh); --no-install skips both.
#
# Output: bench/results/ (bench/results/quick/ for --quick): raw.jsonl,
# results.csv, results.json, summary.md, README-snippet.md, <dataset>.png.
# Per-process command lines, output and peak memory go to
# build/bench-logs/<time>/, with copies of the binaries and of the Node
# package measured. Run from anywhere; paths are relative to the repo root.
# shellcheck disable=SC2086  # lists in plain variables are split on purpose
set -u
cd "$(dirname "$0")/.." || exit 1

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
threads=2 m=16 efc=200 ef=10,20,40,80,160,320 k=10 repeat=2
nprobe=1,2,4,8,16,32,64,128,256 rebuild_ef=20,40,80,160
quick=0 datasets="" data="" out="" tmo=3600 engines="" cli="" head=0
ef_set=0 repeat_set=0 nprobe_set=0 rebuild_set=0
do_overhead=1 do_agent=1 do_install=1 update_readme=0
KNOWN="sift-wp-100k-128-l2 fashion-mnist-60k-784-l2 words-384-cos-50k"
SYNTH=synthetic-100k-384-cos
ALL_ENGINES="ruvector ruvector-node ruvector-node-nolane hnswlib faiss-hnsw faiss-hnswsq8 faiss-ivfpq usearch hnswlib-node ruvector@0.3.2"
QUANT_ENGINES="ruvector-int8 ruvector-pq ruvector-binary ruvector-filter"
OVERHEAD_ENGINES="ruvector ruvector-node ruvector-node-nolane ruvector-node-vectordb hnswlib faiss-hnsw usearch hnswlib-node ruvector@0.3.2"
NPM_PEERS="usearch@2.26.2 hnswlib-node@3.0.0 ruvector@0.3.2"
AGENTDB=agentdb@1.6.1
PEERS=build/npm-peers/bench

usage() { sed -n '4,8p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "bench/run.sh: $*" >&2; exit 2; }
say() { echo "bench/run.sh: $*" >&2; }
num() { case $2 in ''|*[!0-9]*) die "$1 takes a positive integer, not '$2'";; esac
        [ "$2" -gt 0 ] || die "$1 takes a positive integer, not '$2'"; }
list() { case $2 in ''|*[!0-9,]*) die "$1 takes a list like 10,20,40, not '$2'";; esac; }

while [ $# -gt 0 ]; do
	opt=$1 val=
	case $opt in
	--*=*) val=${opt#*=} opt=${opt%%=*} ;;
	--quick|--no-overhead|--no-agent|--no-install|--update-readme|--head|-h|--help) ;;
	--*) [ $# -ge 2 ] || die "$opt needs a value"; val=$2; shift ;;
	esac
	shift
	case $opt in
	--quick) quick=1 ;;
	--datasets) datasets=$(echo "$val" | tr ',' ' ') ;;
	--threads) num "$opt" "$val"; threads=$val ;;
	--m) num "$opt" "$val"; m=$val ;;
	--ef-construction) num "$opt" "$val"; efc=$val ;;
	--ef) list "$opt" "$val"; ef=$val ef_set=1 ;;
	--nprobe) list "$opt" "$val"; nprobe=$val nprobe_set=1 ;;
	--rebuild-ef) list "$opt" "$val"; rebuild_ef=$val rebuild_set=1 ;;
	--k) num "$opt" "$val"; k=$val ;;
	--repeat) num "$opt" "$val"; repeat=$val repeat_set=1 ;;
	--engines) engines=$(echo "$val" | tr ',' ' ') ;;
	--data) data=$val ;;
	--out) out=$val ;;
	--timeout) num "$opt" "$val"; tmo=$val ;;
	--cli) cli=$val ;;
	--head) head=1 ;;
	--no-overhead) do_overhead=0 ;;
	--no-agent) do_agent=0 ;;
	--no-install) do_install=0 ;;
	--update-readme) update_readme=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown option '$opt'" ;;
	esac
done
if [ $quick = 1 ]; then
	[ $ef_set = 1 ] || ef=10,20,40,80,160
	[ $nprobe_set = 1 ] || nprobe=1,4,16,64
	[ $rebuild_set = 1 ] || rebuild_ef=20,80
	[ $repeat_set = 1 ] || repeat=1
	: "${out:=bench/results/quick}"
fi
: "${out:=bench/results}"
engines_given=1
if [ -z "$engines" ]; then engines=$ALL_ENGINES engines_given=0; fi
e2=
for e in $engines; do
	case $e in
	faiss) e=faiss-hnsw ;;  # the old name
	ruvector|ruvector-node|ruvector-node-nolane|ruvector-node-vectordb|hnswlib|faiss-hnsw|faiss-hnswsq8|faiss-ivfpq|usearch|hnswlib-node|ruvector@0.3.2) ;;
	ruvector-int8|ruvector-pq|ruvector-binary|ruvector-filter) ;;
	*) die "unknown engine '$e' ($ALL_ENGINES ruvector-node-vectordb $QUANT_ENGINES)" ;;
	esac
	e2="$e2 $e"
done
engines=$e2
t_start=$(date +%s)
needs() { case " $engines " in *" $1 "*) return 0;; esac; return 1; }

# ---- dependencies, builds and copies of what is measured ----
stamp=$(date -u +%Y%m%dT%H%M%SZ)
logs=build/bench-logs/$stamp
bin=$logs/bin
mkdir -p "$bin" "$out" || die "cannot create $logs or $out"
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
if [ $do_install = 1 ]; then
	sh scripts/install-deps.sh build bench >&2 ||
		say "installing Debian packages failed; the engines that need them will fail, the others run"
	# FAISS trains IVFPQ (k-means) on BLAS. Debian's default libblas.so.3 is
	# the reference BLAS, 4-20x slower there; FAISS is meant to run on an
	# optimised one (its pip and conda builds bundle OpenBLAS or MKL).
	# libopenblas0-openmp becomes libblas.so.3 through Debian's alternatives
	# (faiss_bench.py keeps it to one thread under FAISS's own OpenMP). This
	# belongs in the bench group of scripts/install-deps.sh.
	if ! installed libopenblas0-openmp && ! installed libopenblas0-pthread && installed python3-faiss; then
		sudo=
		[ "$(id -u)" = 0 ] || sudo=sudo
		say "installing libopenblas0-openmp (an optimised BLAS for FAISS's training)"
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends libopenblas0-openmp >&2 ||
			say "could not install libopenblas0-openmp; FAISS trains on the reference BLAS (slower IVFPQ builds)"
	fi
fi
# What is measured: the working tree (default), or with --head the last
# commit, exported into build/bench-head (so that uncommitted work in the
# tree, one's own or others', does not end up in the numbers).
root=.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ $head = 1 ]; then
	root=build/bench-head
	say "exporting git $commit into $root (--head)"
	rm -rf "$root" && mkdir -p "$root" && git archive --format=tar HEAD | tar -xf - -C "$root" ||
		die "cannot export HEAD into $root"
fi
rv_ok=1
if [ -n "$cli" ]; then
	say "measuring the CLI $cli (--cli: no build)"
	[ -x "$cli" ] || { rv_ok=0; say "--cli $cli is not an executable; ruvector runs will fail"; }
else
	say "building ruvector (make -C $root -s)"
	make -C "$root" -s >&2 || { rv_ok=0; say "make failed; ruvector runs will fail, the peers still run"; }
	cli=$root/build/ruvector
fi
# The state of the tree that was built, before anything else can change it.
dirty=false diff=
if [ $head = 0 ] &&
   [ -n "$(git status --porcelain -- src include cli node/src node/lib node/binding.gyp Makefile bench/peers 2>/dev/null)" ]; then
	dirty=true
	diff=$(git diff HEAD -- src include cli node/src node/lib node/binding.gyp Makefile bench/peers 2>/dev/null | cksum | cut -d' ' -f1)
fi
if { needs hnswlib || [ $do_overhead = 1 ]; } &&
   { [ ! -x build/peers/hnswlib_bench ] ||
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
# a test run) cannot swap a binary between repeats.
[ $rv_ok = 1 ] && cp "$cli" "$bin/ruvector"  # never a stale one after a failed make
cp build/peers/hnswlib_bench "$bin/hnswlib_bench" 2>/dev/null
cp bench/peers/faiss_bench.py bench/peers/npm_bench.js bench/peers/agent_bench.mjs bench/peers/rusage.py "$bin/"

# This repository's Node package: built in place (node/scripts/build.js:
# offline, incremental, what `npm install` there runs), then copied with its
# addon, so that a rebuild in node/ during the run cannot swap it.
node_ok=0
nd=$root/node
if command -v node >/dev/null 2>&1 && [ -f $nd/scripts/build.js ]; then
	say "building the Node package ($nd/scripts/build.js)"
	if node $nd/scripts/build.js >&2 && [ -f $nd/build/Release/ruvector.node ]; then
		mkdir -p "$bin/node-pkg/build/Release"
		cp -R $nd/package.json $nd/index.js $nd/lib "$bin/node-pkg/" &&
			cp $nd/build/Release/ruvector.node "$bin/node-pkg/build/Release/" && node_ok=1
		[ -f $nd/index.mjs ] && cp $nd/index.mjs "$bin/node-pkg/"
		# the package's own dependencies (the agentdb layer's better-sqlite3), by link
		[ -d node/node_modules ] && ln -s "$(cd node/node_modules && pwd)" "$bin/node-pkg/node_modules"
	fi
	[ $node_ok = 1 ] || say "building the Node package failed; its runs will fail, the others go on"
else
	say "no node (or no node/ package); the Node engines will fail, the others run"
fi
agent_layer=absent
for f in lib/agentdb/index.js lib/agentdb/index.mjs lib/agentdb.js lib/agentdb.mjs; do
	[ -f "$bin/node-pkg/$f" ] && agent_layer=present
done
[ -f "$bin/node-pkg/package.json" ] && grep -q '"./agentdb"' "$bin/node-pkg/package.json" && agent_layer=present

# npm peers, by name and pinned version (bench/npm-peers.sh: idempotent).
want=
for p in $NPM_PEERS; do
	case $p in ruvector@*) n=$p ;; *) n=${p%@*} ;; esac  # engine names: usearch, hnswlib-node, ruvector@0.3.2
	{ needs "$n" || [ $do_overhead = 1 ]; } && want="$want $p"
done
[ $do_agent = 1 ] && want="$want $AGENTDB"
if [ -n "$want" ]; then
	if [ $do_install = 1 ] && command -v npm >/dev/null 2>&1; then
		sh bench/npm-peers.sh "$PEERS" $want ||
			say "some npm peers did not install; their runs will fail, the others go on"
	elif [ $do_install = 1 ]; then
		say "no npm: the npm peers cannot be installed; their runs will fail"
	fi
fi

# Quantization and filtered search in the CLI, as they land: detected from
# `ruvector bench --help`, so this runner needs no change when they do.
cli_help=$("$bin/ruvector" bench --help 2>&1)
cli_has() { printf '%s\n' "$cli_help" | grep -q -- "$1"; }
quant_found=
if [ $engines_given = 0 ] && [ $rv_ok = 1 ]; then
	if cli_has '--quant'; then
		cli_has 'int8' && quant_found="$quant_found ruvector-int8"
		cli_has 'pq' && quant_found="$quant_found ruvector-pq"
		cli_has 'binary' && quant_found="$quant_found ruvector-binary"
	fi
	cli_has '--filter-labels' && quant_found="$quant_found ruvector-filter"
	engines="$engines$quant_found"
fi
if [ $engines_given = 1 ]; then
	say "quantization / filter modes: not detected (--engines given)"
else
	say "quantization / filter modes in the CLI:${quant_found:- none yet}"
fi

# ---- data ----
notes=""
gen() {  # gen DIR ARGS...: generate a data set unless already there with these ARGS
	d=$1; shift
	if [ ! -s "$d/groundtruth.ivecs" ] || [ "$(cat "$d/.args" 2>/dev/null)" != "$*" ]; then
		say "generating $d ($*)"
		rm -rf "$d"
		"$PY" bench/compare.py "$@" && echo "$*" > "$d/.args" || { say "cannot generate $d"; rm -rf "$d"; return 1; }
	fi
}
have_real=0
if [ -z "$data" ]; then
	if [ -d ../shared/data ] && sh ../shared/data/unpack build/data >&2; then
		data=build/data have_real=1
	else
		[ -d ../shared/data ] && say "unpacking ../shared/data failed; using generated data only"
		data=build/data-synthetic
		notes="no real data sets (../shared/data absent): generated sets only"
		mkdir -p "$data"
	fi
fi
[ -d "$data" ] || die "no data directory '$data'"
derived=build/data-derived
ds_dir() {  # the directory of a data set by name
	for r in "$data" build/data-synthetic "$derived"; do
		[ -s "$r/$1/base.fvecs" ] && { echo "$r/$1"; return 0; }
	done
	echo "$data/$1"
}
if [ -z "$datasets" ]; then
	if [ $quick = 1 ]; then
		if [ -s "$data/sift-wp-100k-128-l2/base.fvecs" ]; then
			gen $derived/sift-wp-20k-128-l2 subset "$data/sift-wp-100k-128-l2" $derived/sift-wp-20k-128-l2 \
				--n 20000 --nq 1000 --metric l2 && datasets=sift-wp-20k-128-l2
		else
			gen $derived/synthetic-20k-384-cos generate $derived/synthetic-20k-384-cos --n 20000 --dim 384 \
				--nq 200 --metric cosine --kind embedding && datasets=synthetic-20k-384-cos
		fi
	else
		for d in $KNOWN; do [ -s "$data/$d/base.fvecs" ] && datasets="$datasets $d"; done
		if [ $have_real = 0 ]; then  # an L2 set too, so that the L2 paths still run
			gen build/data-synthetic/synthetic-50k-128-l2 generate build/data-synthetic/synthetic-50k-128-l2 \
				--n 50000 --dim 128 --nq 1000
		fi
		gen build/data-synthetic/$SYNTH generate build/data-synthetic/$SYNTH --n 100000 --dim 384 \
			--nq 1000 --metric cosine --kind embedding
		for p in "$data"/*/base.fvecs build/data-synthetic/$SYNTH/base.fvecs; do
			[ -s "$p" ] || continue
			d=$(basename "$(dirname "$p")")
			case " $datasets " in *" $d "*) ;; *) datasets="$datasets $d" ;; esac
		done
	fi
fi
set -- $datasets
[ $# -gt 0 ] || die "no data sets"
tiny=tiny-5k-32-l2
[ $do_overhead = 1 ] && { gen $derived/$tiny generate $derived/$tiny --n 5000 --dim 32 --nq 2000 --gt-k 10 ||
	do_overhead=0; }

metric_of() {
	case -$1- in
	*-l2-*|*-euclidean-*) echo l2 ;;
	*-ip-*|*-dot-*) echo ip ;;
	*-cos-*|*-cosine-*|*-angular-*) echo cosine ;;
	*) say "cannot tell the metric of '$1' from its name; using l2"; echo l2 ;;
	esac
}
dim_of() { od -An -tu4 -N4 "$1" | tr -d ' '; }

# ---- run ----
raw=$out/raw.jsonl
tmp=$raw.tmp
: > "$tmp"
cpu=$(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo 2>/dev/null | head -1 | tr -d '\\"')
isa=$("$bin/ruvector" version 2>/dev/null | sed -n 's/^isa: //p')
mem=$(awk '/^MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo 2>/dev/null)
nodev=$(node --version 2>/dev/null)
faissv=$("$PY" -c 'import faiss; print(faiss.__version__)' 2>/dev/null)
hnswv=$(dpkg-query -W -f='${Version}' libhnswlib-dev 2>/dev/null)
blas=$(basename "$(dirname "$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo ?/?)")")
printf '{"meta":{"date":"%s","commit":"%s","dirty":%s,"diff_cksum":"%s","cpu":"%s","cores":%s,"mem_gib":"%s","ruvector_isa":"%s","node":"%s","faiss":"%s","blas":"%s","hnswlib_deb":"%s","threads":%s,"m":%s,"ef_construction":%s,"ef":"%s","nprobe":"%s","rebuild_ef":"%s","k":%s,"repeat":%s,"quick":%s,"data":"%s","quant_modes":"%s","agentdb_layer":"%s","loadavg_start":"%s","notes":"%s"}}\n' \
	"$stamp" "$commit" $dirty "$diff" "${cpu:-unknown}" "$(nproc 2>/dev/null || echo 0)" "$mem" "${isa:-unknown}" \
	"$nodev" "$faissv" "$blas" "$hnswv" "$threads" "$m" "$efc" "$ef" "$nprobe" "$rebuild_ef" "$k" "$repeat" \
	"$([ $quick = 1 ] && echo true || echo false)" "$data" "$(echo $quant_found)" "$agent_layer" \
	"$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" "$notes" >> "$tmp"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# run_proc TAG ENGINE DATASET METRIC REP LOG CMD...: one process under
# rusage.py (time limit, peak RSS); its JSON lines go to $tmp tagged with
# TAG (a JSON prefix), engine, data set, repeat and the process's peak RSS.
run_proc() {
	tag=$1 e=$2 ds=$3 metric=$4 rep=$5 log=$6
	shift 6
	printf '%s\n' "$*" > "$log.cmd"
	t0=$(now_ms)
	"$PY" "$bin/rusage.py" --out "$log.rusage" --timeout "$tmo" -- "$@" > "$log.out" 2> "$log.err"
	rc=$?
	wall=$(( $(now_ms) - t0 ))
	rss=$(sed -n 's/.*"max_rss_kb": *\([0-9]*\).*/\1/p' "$log.rusage" 2>/dev/null)
	cpus=$(sed -n 's/.*"user_s": *\([0-9.]*\), *"sys_s": *\([0-9.]*\).*/\1 \2/p' "$log.rusage" 2>/dev/null |
		awk '{printf "%.3f", $1 + $2}')
	status=ok
	[ $rc = 0 ] || status=failed
	[ $rc = 124 ] && status=timeout
	[ $rc = 0 ] && ! grep -q '^{' "$log.out" && status=failed  # exit 0 but nothing measured
	grep '^{' "$log.out" | sed "s/^{/{$tag\"engine\":\"$e\",\"dataset\":\"$ds\",\"metric\":\"$metric\",\"rep\":$rep,\"max_rss_kb\":${rss:-null},/" >> "$tmp"
	printf '{%s"status":"%s","engine":"%s","dataset":"%s","metric":"%s","rep":%s,"rc":%s,"wall_s":%s.%03d,"max_rss_kb":%s,"cpu_s":%s,"log":"%s"}\n' \
		"$tag" $status "$e" "$ds" "$metric" "$rep" $rc $((wall / 1000)) $((wall % 1000)) "${rss:-null}" \
		"${cpus:-null}" "$log.err" >> "$tmp"
	say "  $ds rep $rep $e: $status in $((wall / 1000)).$(( (wall % 1000) / 100 )) s, peak RSS $(( ${rss:-0} / 1024 )) MiB$(
		[ $status = ok ] || echo " (rc $rc; see $log.err)")"
}

# engine_cmd ENGINE DIR METRIC EFS K: the command line of one engine process.
engine_cmd() {
	e=$1 dir=$2 metric=$3 efs=$4 kk=$5
	set -- --base "$dir/base.fvecs" --query "$dir/query.fvecs" --gt "$dir/groundtruth.ivecs" \
		--metric "$metric" --m "$m" --ef-construction "$efc" --ef "$efs" --threads "$threads" --k "$kk"
	npm="node --expose-gc $bin/npm_bench.js --peers $PEERS --node-pkg $bin/node-pkg --engine"
	case $e in
	ruvector) echo "$bin/ruvector bench $* --json" ;;
	ruvector-int8) echo "$bin/ruvector bench $* --json --quant int8" ;;
	ruvector-pq) echo "$bin/ruvector bench $* --json --quant pq:$(( $(dim_of "$dir/base.fvecs") / 4 ))" ;;
	ruvector-binary) echo "$bin/ruvector bench $* --json --quant binary" ;;
	ruvector-filter) echo "$bin/ruvector bench $* --json --filter-labels 10" ;;
	hnswlib) echo "$bin/hnswlib_bench $*" ;;
	faiss-hnsw) echo "$PY $bin/faiss_bench.py $* --index hnswflat" ;;
	faiss-hnswsq8) echo "$PY $bin/faiss_bench.py $* --index hnswsq8" ;;
	faiss-ivfpq) echo "$PY $bin/faiss_bench.py $* --index ivfpq" ;;
	*) echo "$npm $e $*" ;;
	esac
}

# run_engine ENGINE DATASET METRIC REP: the sweep of one engine (one
# process; one per ef for engines that rebuild per ef).
run_engine() {
	e=$1 ds=$2 metric=$3 rep=$4 dir=$(ds_dir "$2")
	lg=$logs/$ds.$(echo "$e" | tr '@' '_').$rep
	case $e in
	faiss-ivfpq) run_proc "" "$e" "$ds" "$metric" "$rep" "$lg" $(engine_cmd "$e" "$dir" "$metric" "$nprobe" "$k") ;;
	ruvector@0.3.2)
		for x in $(echo "$rebuild_ef" | tr ',' ' '); do
			run_proc "" "$e" "$ds" "$metric" "$rep" "$lg.ef$x" $(engine_cmd "$e" "$dir" "$metric" "$x" "$k")
		done ;;
	*) run_proc "" "$e" "$ds" "$metric" "$rep" "$lg" $(engine_cmd "$e" "$dir" "$metric" "$ef" "$k") ;;
	esac
}
rebuilds() { [ "$1" = ruvector@0.3.2 ]; }

say "data sets:$(printf ' %s' $datasets); engines:$engines; threads $threads, M $m," \
	"ef_construction $efc, ef $ef, nprobe $nprobe, rebuild ef $rebuild_ef, k $k, $repeat repeat(s); logs in $logs"
for ds in $datasets; do
	dir=$(ds_dir "$ds")
	if [ ! -s "$dir/base.fvecs" ] || [ ! -s "$dir/query.fvecs" ] || [ ! -s "$dir/groundtruth.ivecs" ]; then
		say "skipping $ds: no base.fvecs, query.fvecs and groundtruth.ivecs in $dir"
		continue
	fi
	metric=$(metric_of "$ds")
	printf '{"dataset_info":{"name":"%s","metric":"%s","base":"%s","query":"%s","role":"sweep"}}\n' \
		"$ds" "$metric" "$dir/base.fvecs" "$dir/query.fvecs" >> "$tmp"
	r=1
	while [ $r -le "$repeat" ]; do
		# rotate the order each round: round 1 a b c, round 2 b c a, ...
		order=$engines i=1
		while [ $i -lt $r ]; do
			set -- $order; first=$1; shift; order="$* $first"; i=$((i + 1))
		done
		for e in $order; do
			[ $r -gt 1 ] && rebuilds "$e" && continue
			run_engine "$e" "$ds" "$metric" "$r"
		done
		r=$((r + 1))
	done
done

# ---- per-call overhead on a tiny index ----
if [ $do_overhead = 1 ]; then
	dir=$derived/$tiny
	printf '{"dataset_info":{"name":"%s","metric":"l2","base":"%s","query":"%s","role":"overhead","ef":16,"k":1}}\n' \
		"$tiny" "$dir/base.fvecs" "$dir/query.fvecs" >> "$tmp"
	say "per-call overhead: $tiny, k 1, ef 16"
	orep=3
	[ $quick = 1 ] && orep=1
	r=1
	while [ $r -le $orep ]; do
		order=$OVERHEAD_ENGINES i=1
		while [ $i -lt $r ]; do
			set -- $order; first=$1; shift; order="$* $first"; i=$((i + 1))
		done
		for e in $order; do
			run_proc '"workload":"overhead",' "$e" "$tiny" l2 "$r" "$logs/$tiny.$(echo "$e" | tr '@' '_').$r" \
				$(engine_cmd "$e" "$dir" l2 16 1)
		done
		r=$((r + 1))
	done
fi

# ---- agent memory ----
if [ $do_agent = 1 ]; then
	adir=$(ds_dir words-384-cos-50k)
	[ -s "$adir/base.fvecs" ] || adir=$(ds_dir $SYNTH)
	if [ ! -s "$adir/base.fvecs" ]; then
		gen $derived/synthetic-20k-384-cos generate $derived/synthetic-20k-384-cos --n 20000 --dim 384 \
			--nq 200 --metric cosine --kind embedding
		adir=$derived/synthetic-20k-384-cos
	fi
	ads=$(basename "$adir")
	aq=200 aq_agentdb=200
	[ $quick = 1 ] && aq_agentdb=20
	printf '{"dataset_info":{"name":"agent-memory","metric":"cosine","base":"%s","query":"%s","role":"agent","source":"%s"}}\n' \
		"$adir/base.fvecs" "$adir/query.fvecs" "$ads" >> "$tmp"
	say "agent memory: 10,000 rows of $ads"
	for e in agentdb ruvector-exact ruvector-hnsw ruvector-agentdb; do
		q=$aq
		[ $e = agentdb ] && q=$aq_agentdb
		if [ $e = ruvector-agentdb ] && [ $agent_layer = absent ]; then
			printf '{"workload":"agent-memory","status":"absent","engine":"%s","dataset":"agent-memory","rep":1,"note":"no agentdb layer in node/ when this ran"}\n' "$e" >> "$tmp"
			say "  agent-memory $e: absent (no node/lib/agentdb or ruvector/agentdb export yet)"
			continue
		fi
		run_proc '"workload":"agent-memory",' "$e" agent-memory cosine 1 "$logs/agent-memory.$e" \
			node --expose-gc "$bin/agent_bench.mjs" --engine "$e" --peers "$PEERS" --node-pkg "$bin/node-pkg" \
			--base "$adir/base.fvecs" --query "$adir/query.fvecs" --rows 10000 --queries "$q" --k 10 --ef 64
	done
fi

t_end=$(date +%s)
printf '{"meta":{"wall_s":%s,"loadavg_end":"%s"}}\n' $((t_end - t_start)) \
	"$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" >> "$tmp"
mv "$tmp" "$raw"
say "raw results in $raw; total $((t_end - t_start)) s"
"$PY" bench/compare.py report "$raw" --out "$out" || exit 1
if [ $update_readme = 1 ]; then
	"$PY" bench/compare.py readme "$out/README-snippet.md" README.md --image-dir "$out"
fi

#!/bin/sh
# tests/fuzz/run.sh [seconds [target...]]: build the libFuzzer targets with
# clang (AddressSanitizer + UndefinedBehaviorSanitizer; the core compiled
# with -fsanitize=fuzzer-no-link,address,undefined) into build/fuzz/, then
# run each target for `seconds` (default 45) on a copy of its seed corpus,
# so runs never change the committed one. Fails on any crash, sanitizer
# report, leak, timeout (10 s per input) or out-of-memory (2 GiB); the input
# that caused it is kept as build/fuzz/artifacts/fuzz_TARGET-crash-* (replay
# it with build/fuzz/fuzz_TARGET FILE). Naming targets runs only those.
#
#   fuzz_segment   the segment loader (input: a seg-*.rvs file)
#   fuzz_wal       log replay (input: a wal-*.log file)
#   fuzz_hyper     log replay seeded with hyperedge frames, then the hypergraph's reads
#                  and writes (input: a wal-*.log file)
#   fuzz_filter    the JSON filter and payload parsers, filtered searches (input: JSON text)
#   fuzz_manifest  the record files: a collection's MANIFEST, DB/CATALOG, DB/RUVECTOR
#                  (input: a byte choosing the file, then the file)
#   fuzz_vecs      the fvecs/ivecs reader, and importing and searching what it read
#                  (input: an .fvecs/.ivecs file)
#   fuzz_tokenize  the text tokenizer, the BM25 index, text and hybrid search
#                  (input: text, one document per line)
#   fuzz_records   the JSON Lines and .npy readers of import (input: a file)
#   fuzz_server    the REST server's router and request bodies (server/; input:
#                  a request line, then the body)
#
# `make fuzz` (CI) runs every target for 45 s: eight targets, about 7 minutes
# with the build. `make fuzz-long FUZZ_SECS=N` runs this with FUZZ_LONG=1:
# every target for N seconds (default 1800), then a table of each target's
# executions, CPU seconds and findings, and the CPU-hours in all; it goes
# on to the next target after a finding, so one run reports them all.
#
# Needs clang and its runtimes (Debian: clang, libclang-rt-14-dev; see
# scripts/install-deps.sh, group test). CLANG=... picks another clang.
set -eu
cd "$(dirname "$0")/../.."

# The targets, each with the longest input it is given (the formats of
# files run to megabytes; a record file is under a kilobyte, and text
# longer than a few pages adds nothing but time per input).
TARGETS="segment:1048576 wal:1048576 hyper:1048576 filter:1048576 manifest:4096 vecs:1048576 tokenize:65536 records:1048576 server:65536"

secs=${1:-45}
[ $# -gt 0 ] && shift
if [ $# -gt 0 ]; then
	chosen=""
	for want in "$@"; do
		found=""
		for tl in $TARGETS; do
			[ "${tl%%:*}" = "${want#fuzz_}" ] && found=$tl
		done
		[ -n "$found" ] || { echo "fuzz: no target $want (targets: $TARGETS)" >&2; exit 2; }
		chosen="$chosen $found"
	done
	TARGETS=$chosen
fi
CLANG=${CLANG:-clang}
out=build/fuzz

command -v "$CLANG" >/dev/null 2>&1 || { echo "fuzz: $CLANG not found (sh scripts/install-deps.sh test)" >&2; exit 1; }
echo "== fuzz: building into $out/"
make -s CC="$CLANG" SANITIZE=fuzzer-no-link,address,undefined BUILD=$out $out/libruvector.a
flags="-std=c11 -O1 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Iinclude -D_POSIX_C_SOURCE=200809L -pthread"
flags="$flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
for tl in $TARGETS; do
	t=${tl%%:*}
	# fuzz_server links the server's files below its libmicrohttpd shell
	extra=""
	[ "$t" = server ] && extra=$(ls server/*.c | grep -v '/http\.c$')
	# shellcheck disable=SC2086
	$CLANG $flags -o $out/fuzz_$t tests/fuzz/fuzz_$t.c $extra $out/libruvector.a -lm
done

# Scratch space for the working corpora and the targets' databases; tmpfs
# where there is one (opening a torn log cuts and syncs it: cheap there).
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
fi
TMPDIR=${TMPDIR:-/tmp}
export TMPDIR
work=$(mktemp -d "$TMPDIR/rv-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p $out/artifacts

# The figure libFuzzer prints last: "stat::NAME: VALUE".
stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }
# CPU seconds (user + system) of this shell's children that have ended:
# `times` prints the shell's own, then its children's, as "XmY.YYs XmY.YYs".
# Run in this shell (a subshell would report its own children), so through
# a file.
cpu_children() {
	times >"$work/times"
	tail -1 "$work/times" | tr 'ms' '  ' | awk '{ print $1 * 60 + $2 + $3 * 60 + $4 }'
}

long=${FUZZ_LONG:-0}
failed=""
report=""
total_cpu=0
for tl in $TARGETS; do
	t=${tl%%:*}
	maxlen=${tl#*:}
	cp -R tests/fuzz/corpus/$t "$work/$t"
	echo "== fuzz_$t: ${secs}s, $(ls tests/fuzz/corpus/$t | wc -l) seeds"
	cpu_children >"$work/cpu0"
	touch "$work/stamp"
	if [ "$long" = 1 ]; then
		# keep going after a finding (each kept as an artifact); the
		# sanitizers stop at the first report of an input, as always
		set -- -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1
	else
		set --
	fi
	rc=0
	UBSAN_OPTIONS=print_stacktrace=1 $out/fuzz_$t -max_total_time="$secs" -max_len="$maxlen" \
		-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$out/artifacts/fuzz_$t-" \
		"$@" "$work/$t" >"$work/$t.log" 2>&1 || rc=$?
	cpu_children >"$work/cpu1"
	cpu=$(awk -v a="$(cat "$work/cpu0")" -v b="$(cat "$work/cpu1")" 'BEGIN { printf "%.0f", b - a }')
	total_cpu=$((total_cpu + cpu))
	if [ "$long" = 1 ]; then
		# -fork prints a line per job ended, "#RUNS: cov: ... oom/timeout/crash: A/B/C ...": the
		# last one has the executions; the findings are the inputs it kept (the line may lag)
		execs=$(grep -E '^#[0-9]+: cov:' "$work/$t.log" | tail -1 | sed -n 's/^#\([0-9]*\):.*/\1/p')
		finds=$(find $out/artifacts -name "fuzz_$t-*" -newer "$work/stamp" | wc -l)
		report="$report$(printf '%-15s %14s %10s %9s' "fuzz_$t" "${execs:-?}" "$cpu" "$finds")
"
		[ "$finds" = 0 ] && [ $rc = 0 ] || failed="$failed fuzz_$t"
		tail -3 "$work/$t.log" | sed 's/^/   /'
		continue
	fi
	if [ $rc = 0 ]; then
		grep -E '^(Done|stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb))' \
			"$work/$t.log" | sed 's/^/   /'
		echo "   corpus: $(ls "$work/$t" | wc -l) inputs (seeds and what the run added); CPU ${cpu} s"
	else
		echo "FAIL fuzz_$t; the end of its output:"
		tail -60 "$work/$t.log" | sed 's/^/    /'
		failed="$failed fuzz_$t"
	fi
done
if [ "$long" = 1 ]; then
	echo "== fuzz-long: ${secs}s per target"
	printf '%-15s %14s %10s %9s\n' target executions CPU-s findings
	printf '%s' "$report"
	awk -v s="$total_cpu" 'BEGIN { printf "total: %d CPU-seconds = %.2f CPU-hours\n", s, s / 3600 }'
fi
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed (inputs in $out/artifacts/)"
	exit 1
fi
echo "fuzz: no finding in ${secs}s per target"

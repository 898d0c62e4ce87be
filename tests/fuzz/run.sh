#!/bin/sh
# tests/fuzz/run.sh [seconds]: build the libFuzzer targets with clang
# (AddressSanitizer + UndefinedBehaviorSanitizer; the core compiled with
# -fsanitize=fuzzer-no-link,address,undefined) into build/fuzz/, then run
# each target for `seconds` (default 60) on a copy of its seed corpus, so
# runs never change the committed one. Fails on any crash, sanitizer
# report, leak, timeout (10 s per input) or out-of-memory (2 GiB); the input
# that caused it is kept as build/fuzz/artifacts/fuzz_TARGET-crash-* (replay
# it with build/fuzz/fuzz_TARGET FILE).
#
#   fuzz_segment  the segment loader (input: a seg-*.rvs file)
#   fuzz_wal      log replay (input: a wal-*.log file)
#   fuzz_filter   the JSON filter and payload parsers, filtered searches (input: JSON text)
#   fuzz_records  the JSON Lines and .npy readers of import (input: a file)
#
# Needs clang and its runtimes (Debian: clang, libclang-rt-14-dev; see
# scripts/install-deps.sh, group test). CLANG=... picks another clang.
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-60}
CLANG=${CLANG:-clang}
out=build/fuzz

command -v "$CLANG" >/dev/null 2>&1 || { echo "fuzz: $CLANG not found (sh scripts/install-deps.sh test)" >&2; exit 1; }
echo "== fuzz: building into $out/"
make -s CC="$CLANG" SANITIZE=fuzzer-no-link,address,undefined BUILD=$out $out/libruvector.a
flags="-std=c11 -O1 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Iinclude -D_POSIX_C_SOURCE=200809L -pthread"
flags="$flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
for t in segment wal filter records; do
	# shellcheck disable=SC2086
	$CLANG $flags -o $out/fuzz_$t tests/fuzz/fuzz_$t.c $out/libruvector.a -lm
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

failed=""
for t in segment wal filter records; do
	cp -R tests/fuzz/corpus/$t "$work/$t"
	echo "== fuzz_$t: ${secs}s, $(ls tests/fuzz/corpus/$t | wc -l) seeds"
	if UBSAN_OPTIONS=print_stacktrace=1 $out/fuzz_$t -max_total_time="$secs" -max_len=1048576 \
		-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$out/artifacts/fuzz_$t-" \
		"$work/$t" >"$work/$t.log" 2>&1; then
		grep -E '^(Done|stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb))' \
			"$work/$t.log" | sed 's/^/   /'
		echo "   corpus: $(ls "$work/$t" | wc -l) inputs (seeds and what the run added)"
	else
		echo "FAIL fuzz_$t; the end of its output:"
		tail -60 "$work/$t.log" | sed 's/^/    /'
		failed="$failed fuzz_$t"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed (inputs in $out/artifacts/)"
	exit 1
fi
echo "fuzz: no crash in ${secs}s per target"

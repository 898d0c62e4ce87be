#!/bin/sh
# wasm-test.sh: build the ruvector core for WebAssembly with emscripten and
# run the tests under node. `make wasm-test` runs this.
#
# Two builds, because WebAssembly has no run-time feature probe (a module
# with SIMD instructions does not even load where SIMD is missing):
#   build/wasm/simd/   -msimd128: f32_wasm.c is compiled in, and the
#                      "wasm-simd128" kernels must be tested and selected;
#   build/wasm/plain/  no SIMD: only the "serial" kernels exist.
# In each: the core (the Makefile's CORE_SRC) as libruvector.a, then
#   tests/test_kernels.c      every compiled kernel against the serial one;
#   tests/test_collection.c   the collection API (when the file exists);
#   scripts/wasm_smoke.c      the selected ISA, the single-threaded
#                             rv_parallel_for fallback, HNSW vs exact search.
#
# The target is single-threaded wasm (no -pthread): pthread_create fails
# there and rv_parallel_for() runs the work on the calling thread.
# Same warnings as the Makefile, -Werror included. Every run rebuilds from
# scratch, so it is idempotent; it exits non-zero if any step fails.
#
# Needs: emcc (Debian package emscripten), node (nodejs), GNU make.
# Environment: EMCC (default emcc), NODE (default node), NODE_PATH (default
# Debian's /usr/share/nodejs, where Debian's emscripten finds its modules).
# Flag and file lists are space-separated words on purpose (no paths with
# spaces in this repository), and $(...) in single quotes is for make or a
# child sh to expand:
# shellcheck disable=SC2086,SC2016
set -eu

cd "$(dirname "$0")/.."
OUT=build/wasm
EMCC=${EMCC:-emcc}
NODE=${NODE:-node}
NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
export NODE_PATH
JOBS=$(nproc 2>/dev/null || echo 2)

say() { printf '%s\n' "$*"; }
die() { printf 'wasm-test: %s\n' "$*" >&2; exit 1; }
need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found: install the Debian package '$2' (scripts/install-deps.sh installs it)"
}
need "$EMCC" emscripten
need "$NODE" nodejs
need make make

START=$(date +%s)

# The core source list, taken from the Makefile so the two never drift apart.
# (MAKEFLAGS cleared: under `make -jN wasm-test` the parent's jobserver is
# not ours to use.)
CORE_SRC=$(MAKEFLAGS='' MFLAGS='' MAKELEVEL='' make -s --no-print-directory -f Makefile \
	--eval='rv-print-core-src: ; @echo $(CORE_SRC)' rv-print-core-src) ||
	die "could not read CORE_SRC from the Makefile"
[ -n "$CORE_SRC" ] || die "the Makefile's CORE_SRC is empty"

WARN="-std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes"
CPPFLAGS_W="-Iinclude -D_POSIX_C_SOURCE=200809L"
# -sENVIRONMENT=node and -sWASM_ASYNC_COMPILATION=0: emcc 3.1.6's loader
# otherwise calls fetch() on a file path, which Node 18+ has and rejects.
# -sNODERAWFS=1: the tests see the real file system and working directory,
# as natively. -sEXIT_RUNTIME=1: main's return value is node's exit status.
LINKFLAGS="-sENVIRONMENT=node -sWASM_ASYNC_COMPILATION=0 -sALLOW_MEMORY_GROWTH=1 -sNODERAWFS=1 -sEXIT_RUNTIME=1"

mkdir -p "$OUT"
say "== wasm-test: $("$EMCC" --version | head -n 1)"
say "   node $("$NODE" --version); outputs in $OUT/"

# Known portability problem (see the note printed below): src/util/alloc.h
# poisons malloc/free/... with macros; a file that includes <stdlib.h> after
# it gets glibc's "extern void free(...)" rewritten harmlessly, but musl's
# (emscripten's) "void free(void *)" becomes a void variable, a hard error.
# Probe for exactly that, and only then pre-include <stdlib.h> and
# <string.h> so they are read before the poison. Once alloc.h includes them
# itself the probe passes and no workaround is applied.
PREINCLUDE=""
cat > "$OUT/probe_alloc_order.c" <<'EOF'
#include "../../src/util/alloc.h"
#include <stdlib.h>
#include <string.h>
int rv_probe(void);
int rv_probe(void) { return 0; }
EOF
if ! "$EMCC" $CPPFLAGS_W $WARN -fsyntax-only "$OUT/probe_alloc_order.c" 2>/dev/null; then
	PREINCLUDE="-include stdlib.h -include string.h"
	say "   NOTE: a libc header included after src/util/alloc.h does not compile"
	say "         with emscripten's musl (the malloc/free poison macros turn its"
	say "         prototypes into void variables); working around it with:"
	say "         $PREINCLUDE"
fi

RESULTS=""
FAILED=0
record() { # status variant what
	RESULTS="$RESULTS$1 $2 $3
"
	[ "$1" = PASS ] || FAILED=1
}

# run_test variant js_file expect_regex reject_regex [args]
run_test() {
	v=$1 js=$2 expect=$3 reject=$4
	shift 4
	name=$(basename "$js" .js)
	log=${js%.js}.log
	rt0=$(date +%s)
	say "-- [$v] node $js $*"
	rc=0
	"$NODE" "$js" "$@" > "$log" 2>&1 || rc=$?
	sed 's/^/     /' "$log"
	status=PASS
	if [ "$rc" -ne 0 ]; then
		say "   [$v] $name exited with status $rc"
		status=FAIL
	fi
	if [ -n "$expect" ] && ! grep -Eq "$expect" "$log"; then
		say "   [$v] $name: output lacks /$expect/"
		status=FAIL
	fi
	if [ -n "$reject" ] && grep -Eq "$reject" "$log"; then
		say "   [$v] $name: output has /$reject/, which this build must not"
		status=FAIL
	fi
	record "$status" "$v" "$name (ran in $(( $(date +%s) - rt0 ))s)"
}

# build_variant variant extra_cflags
build_variant() {
	v=$1 xflags=$2
	dir=$OUT/$v
	bt0=$(date +%s)
	say ""
	say "== [$v] compiling the core with: $EMCC -O2 $xflags"
	rm -rf "$dir"
	mkdir -p "$dir/obj"
	# One emcc per source file, $JOBS at a time.
	export EMCC dir
	CFLAGS_ALL="-O2 $xflags $PREINCLUDE $CPPFLAGS_W $WARN"
	export CFLAGS_ALL
	if ! printf '%s\n' $CORE_SRC | xargs -P "$JOBS" -n 1 sh -c '
		o="$dir/obj/${1%.c}.o"
		mkdir -p "${o%/*}"
		$EMCC $CFLAGS_ALL -c "$1" -o "$o" || { echo "   emcc failed on $1" >&2; exit 255; }
	' sh; then
		record FAIL "$v" "core does not compile"
		return 0
	fi
	objs=$(printf '%s\n' $CORE_SRC | sed "s|^\(.*\)\.c\$|$dir/obj/\1.o|")
	emar rcs "$dir/libruvector.a" $objs
	say "   [$v] $dir/libruvector.a: $(printf '%s\n' $CORE_SRC | wc -l) sources ($(( $(date +%s) - bt0 ))s)"

	progs="tests/test_kernels.c"
	[ -f tests/test_collection.c ] && progs="$progs tests/test_collection.c"
	progs="$progs scripts/wasm_smoke.c"
	for src in $progs; do
		prog=$(basename "$src" .c)
		say "-- [$v] linking $dir/$prog.js"
		if ! "$EMCC" $CFLAGS_ALL $LINKFLAGS "$src" "$dir/libruvector.a" -lm -o "$dir/$prog.js"; then
			record FAIL "$v" "$prog does not compile"
			continue
		fi
		case "$prog:$v" in
		test_kernels:simd)
			run_test "$v" "$dir/$prog.js" '^  testing wasm-simd128 kernels$' '' ;;
		test_kernels:plain)
			run_test "$v" "$dir/$prog.js" '^  testing serial kernels$' 'wasm-simd128' ;;
		wasm_smoke:simd)
			run_test "$v" "$dir/$prog.js" 'kernels: wasm-simd128$' '' wasm-simd128 ;;
		wasm_smoke:plain)
			run_test "$v" "$dir/$prog.js" 'kernels: serial$' '' serial ;;
		*)
			run_test "$v" "$dir/$prog.js" '' '' ;;
		esac
	done
	say "   [$v] done in $(( $(date +%s) - bt0 ))s"
}

build_variant simd -msimd128
build_variant plain ""

say ""
say "== wasm-test summary ($(( $(date +%s) - START ))s)"
printf '%s' "$RESULTS" | sed 's/^/   /'
if [ "$FAILED" -ne 0 ]; then
	say "wasm-test: FAILED"
	exit 1
fi
say "wasm-test: all passed"

#!/bin/sh
# cross-test.sh: build the ruvector core for arm64 (AArch64, NEON) with the
# Debian cross compiler and run the tests under qemu user-mode emulation.
# `make cross-test` runs this.
#
# In build/aarch64/: the core (the Makefile's CORE_SRC) as libruvector.a,
# compiled with the Makefile's flags (-Werror included), then
#   tests/test_kernels.c      every compiled kernel against the serial one;
#                             the "neon" kernels must be among them;
#   tests/test_collection.c   the collection API (when the file exists);
#   scripts/wasm_smoke.c      end-to-end check; "neon" must be selected.
# Every run rebuilds from scratch, so it is idempotent; it exits non-zero if
# any step fails.
#
# Needs: aarch64-linux-gnu-gcc (Debian package gcc-aarch64-linux-gnu, which
# brings the arm64 libc into /usr/aarch64-linux-gnu), qemu-aarch64
# (qemu-user), GNU make.
# Environment: CROSS_CC (default aarch64-linux-gnu-gcc), QEMU (default
# qemu-aarch64), AARCH64_SYSROOT (default Debian's /usr/aarch64-linux-gnu).
# Flag and file lists are space-separated words on purpose (no paths with
# spaces in this repository), and $(...) in single quotes is for make or a
# child sh to expand:
# shellcheck disable=SC2086,SC2016
set -eu

cd "$(dirname "$0")/.."
OUT=build/aarch64
CROSS_CC=${CROSS_CC:-aarch64-linux-gnu-gcc}
QEMU=${QEMU:-qemu-aarch64}
AARCH64_SYSROOT=${AARCH64_SYSROOT:-/usr/aarch64-linux-gnu}
JOBS=$(nproc 2>/dev/null || echo 2)

say() { printf '%s\n' "$*"; }
die() { printf 'cross-test: %s\n' "$*" >&2; exit 1; }
need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found: install the Debian package '$2' (scripts/install-deps.sh installs it)"
}
need "$CROSS_CC" gcc-aarch64-linux-gnu
need "$QEMU" qemu-user
need make make
[ -d "$AARCH64_SYSROOT/lib" ] ||
	die "no arm64 libc in $AARCH64_SYSROOT: install the Debian package 'libc6-dev-arm64-cross' (comes with gcc-aarch64-linux-gnu)"

START=$(date +%s)

# The core source list, taken from the Makefile so the two never drift apart.
# (MAKEFLAGS cleared: under `make -jN cross-test` the parent's jobserver is
# not ours to use.)
CORE_SRC=$(MAKEFLAGS='' MFLAGS='' MAKELEVEL='' make -s --no-print-directory -f Makefile \
	--eval='rv-print-core-src: ; @echo $(CORE_SRC)' rv-print-core-src) ||
	die "could not read CORE_SRC from the Makefile"
[ -n "$CORE_SRC" ] || die "the Makefile's CORE_SRC is empty"

# The Makefile's flags, unchanged.
CFLAGS_ALL="-O2 -g -Iinclude -D_POSIX_C_SOURCE=200809L -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -fPIC -pthread"

say "== cross-test: $("$CROSS_CC" --version | head -n 1)"
say "   $("$QEMU" --version | head -n 1); outputs in $OUT/"

RESULTS=""
FAILED=0
record() { # status what
	RESULTS="$RESULTS$1 $2
"
	[ "$1" = PASS ] || FAILED=1
}

# run_test binary expect_regex [args]
run_test() {
	bin=$1 expect=$2
	shift 2
	name=$(basename "$bin")
	log=$bin.log
	rt0=$(date +%s)
	say "-- $QEMU -L $AARCH64_SYSROOT $bin $*"
	rc=0
	"$QEMU" -L "$AARCH64_SYSROOT" "$bin" "$@" > "$log" 2>&1 || rc=$?
	sed 's/^/     /' "$log"
	status=PASS
	if [ "$rc" -ne 0 ]; then
		say "   $name exited with status $rc"
		status=FAIL
	fi
	if [ -n "$expect" ] && ! grep -Eq "$expect" "$log"; then
		say "   $name: output lacks /$expect/"
		status=FAIL
	fi
	record "$status" "$name (ran in $(( $(date +%s) - rt0 ))s)"
}

bt0=$(date +%s)
say ""
say "== compiling the core with: $CROSS_CC $CFLAGS_ALL"
rm -rf "$OUT"
mkdir -p "$OUT/obj"
export CROSS_CC CFLAGS_ALL OUT
if printf '%s\n' $CORE_SRC | xargs -P "$JOBS" -n 1 sh -c '
	o="$OUT/obj/${1%.c}.o"
	mkdir -p "${o%/*}"
	$CROSS_CC $CFLAGS_ALL -c "$1" -o "$o" || { echo "   $CROSS_CC failed on $1" >&2; exit 255; }
' sh; then
	objs=$(printf '%s\n' $CORE_SRC | sed "s|^\(.*\)\.c\$|$OUT/obj/\1.o|")
	AR=$("$CROSS_CC" -print-prog-name=ar)
	"$AR" rcs "$OUT/libruvector.a" $objs
	say "   $OUT/libruvector.a: $(printf '%s\n' $CORE_SRC | wc -l) sources ($(( $(date +%s) - bt0 ))s)"

	progs="tests/test_kernels.c"
	[ -f tests/test_collection.c ] && progs="$progs tests/test_collection.c"
	progs="$progs scripts/wasm_smoke.c"
	for src in $progs; do
		prog=$(basename "$src" .c)
		say "-- linking $OUT/$prog"
		if ! "$CROSS_CC" $CFLAGS_ALL -o "$OUT/$prog" "$src" "$OUT/libruvector.a" -pthread -lm; then
			record FAIL "$prog does not compile"
			continue
		fi
		case "$prog" in
		test_kernels) run_test "$OUT/$prog" '^  testing neon kernels$' ;;
		wasm_smoke) run_test "$OUT/$prog" 'kernels: neon$' neon ;;
		*) run_test "$OUT/$prog" '' ;;
		esac
	done
else
	record FAIL "core does not compile"
fi

say ""
say "== cross-test summary ($(( $(date +%s) - START ))s)"
printf '%s' "$RESULTS" | sed 's/^/   /'
if [ "$FAILED" -ne 0 ]; then
	say "cross-test: FAILED"
	exit 1
fi
say "cross-test: all passed"

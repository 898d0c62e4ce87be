#!/bin/sh
# Runs the node --test suite against an AddressSanitizer build of the addon
# (build-asan/, made by scripts/build.js with RUVECTOR_SANITIZE=address),
# loaded into the stock node through LD_PRELOAD of libasan.
#
# Node itself is not built with ASan, so leak checking of the whole process
# would report Node's own allocations; instead LeakSanitizer runs at exit and
# this script fails if any report has a frame in our addon (build-asan/; the
# differential test also loads ruvector 0.3.2's own ruvector.node, which leaks),
# while any memory error (overflow, use after free) in our code aborts the run.
# Slow (about 3x); not part of `make test`.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
RUVECTOR_SANITIZE=address node scripts/build.js
addon="$here/build-asan/build/Release/ruvector.node"
libasan=$(cc -print-file-name=libasan.so)
log=$(mktemp)
status=0
LD_PRELOAD="$libasan" RUVECTOR_ADDON="$addon" \
ASAN_OPTIONS="detect_leaks=1:exitcode=0:log_path=$log.asan:abort_on_error=1:allocator_may_return_null=1" \
	node --expose-gc --test test/*.test.js >"$log" 2>&1 || status=$?
tail -n 12 "$log"
if [ "$status" -ne 0 ]; then
	echo "asan.sh: the test suite failed under ASan (status $status); log: $log" >&2
	exit 1
fi
if cat "$log".asan* 2>/dev/null | grep -q "build-asan/"; then
	echo "asan.sh: AddressSanitizer reports involving ruvector.node:" >&2
	cat "$log".asan* | grep -B2 -A25 "build-asan/" | head -80 >&2
	exit 1
fi
if cat "$log".asan* 2>/dev/null | grep -q "ERROR: AddressSanitizer"; then
	echo "asan.sh: AddressSanitizer errors (outside the addon?):" >&2
	cat "$log".asan* | grep -A20 "ERROR: AddressSanitizer" | head -60 >&2
	exit 1
fi
echo "asan.sh: no AddressSanitizer error or leak in the addon"
rm -f "$log" "$log".asan*

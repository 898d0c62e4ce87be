#!/bin/sh
# build.sh: build the browser package's two WebAssembly modules with
# emscripten, as ES modules the worker imports:
#
#   node/browser/dist/simd/ruvector.mjs + .wasm    -msimd128 (wasm-simd128 kernels)
#   node/browser/dist/plain/ruvector.mjs + .wasm   no SIMD (serial kernels)
#
# They go into the Node package (node/browser/, its `browser` export), which
# is what users install; the C and this script stay in web/.
#
# Each is the core (the Makefile's CORE_SRC, unchanged), the shell
# web/src/rv_web.c (flat functions over include/ruvector.h) and the file
# backend web/src/vfs_web.c + vfs_web.lib.js. node/browser/worker.js picks
# one at load (node/browser/features.js). Objects go to build/web/<variant>/; every run
# rebuilds, so it is idempotent. Exits non-zero on any failure.
#
#   sh web/build.sh            both variants
#   sh web/build.sh plain      one
#   sh web/build.sh threads    the pthreads build (-pthread, SIMD; dist/threads/,
#                              also ruvector.worker.js): only for pages that are
#                              cross-origin isolated (COOP/COEP headers), and
#                              only with wasm: 'threads'; not built by default
#
# Needs emcc (Debian package emscripten; scripts/install-deps.sh browser).
# NODE_PATH defaults to Debian's /usr/share/nodejs, where its emscripten
# finds its modules.
# shellcheck disable=SC2086
set -eu

cd "$(dirname "$0")/.."
EMCC=${EMCC:-emcc}
NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
export NODE_PATH
JOBS=${JOBS:-2}
command -v "$EMCC" >/dev/null 2>&1 ||
	{ echo "web/build.sh: '$EMCC' not found: sh scripts/install-deps.sh browser" >&2; exit 1; }

CORE_SRC=$(MAKEFLAGS='' MFLAGS='' MAKELEVEL='' make -s --no-print-directory -f Makefile \
	--eval='rv-print-core-src: ; @echo $(CORE_SRC)' rv-print-core-src)
[ -n "$CORE_SRC" ] || { echo "web/build.sh: could not read CORE_SRC from the Makefile" >&2; exit 1; }

WARN="-std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes"
# src/util/alloc.h poisons malloc/free with macros, which turns musl's
# prototypes into errors when <stdlib.h> comes after it (see
# scripts/wasm-test.sh): read those headers first.
CPP="-Iinclude -D_POSIX_C_SOURCE=200809L -include stdlib.h -include string.h"
# MODULARIZE + EXPORT_ES6: a factory the worker imports and calls once.
# ENVIRONMENT=worker: it runs only in the dedicated worker. FILESYSTEM=0:
# no emscripten file system; files go through the core's VFS (vfs_web.c).
# Memory grows to the browser's limit; running out is RV_ENOMEM from the
# call that hit it (ABORTING_MALLOC=0: malloc returns NULL, as the core
# expects, instead of aborting the module).
LINK="-sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createRuvector -sENVIRONMENT=worker \
	-sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sABORTING_MALLOC=0 -sFILESYSTEM=0 \
	-sEXPORTED_FUNCTIONS=_malloc,_free \
	-sEXPORTED_RUNTIME_METHODS=UTF8ToString,stringToUTF8,lengthBytesUTF8 \
	--js-library web/src/vfs_web.lib.js"

build() { # variant extra_cflags [extra_link]
	v=$1 x=$2 xl=${3:-}
	obj=build/web/$v
	out=node/browser/dist/$v
	t0=$(date +%s)
	rm -rf "$obj" "$out"
	mkdir -p "$obj" "$out"
	export EMCC obj
	CFLAGS_ALL="-O3 $x $CPP $WARN"
	export CFLAGS_ALL
	printf '%s\n' $CORE_SRC web/src/rv_web.c web/src/vfs_web.c | xargs -P "$JOBS" -n 1 sh -c '
		o="$obj/$(echo "${1%.c}" | tr / _).o"
		$EMCC $CFLAGS_ALL -c "$1" -o "$o" || { echo "web/build.sh: emcc failed on $1" >&2; exit 255; }
	' sh
	"$EMCC" $CFLAGS_ALL $LINK $xl "$obj"/*.o -lm -o "$out/ruvector.mjs"
	echo "web/build.sh: $out/ruvector.mjs + .wasm ($(wc -c < "$out/ruvector.wasm") bytes wasm, $(( $(date +%s) - t0 ))s)"
}

variants=${*:-simd plain}
for v in $variants; do
	case "$v" in
	simd) build simd -msimd128 ;;
	plain) build plain "" ;;
	# opt-in: for cross-origin-isolated pages (SharedArrayBuffer); the
	# core's thread pool on real threads, four web workers made at load
	threads) build threads "-msimd128 -pthread" "-sPTHREAD_POOL_SIZE=4 -Wno-pthreads-mem-growth" ;;
	*) echo "web/build.sh: unknown variant '$v' (simd, plain, threads)" >&2; exit 2 ;;
	esac
done

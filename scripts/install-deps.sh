#!/bin/sh
# install-deps.sh: install the Debian packages the project needs, only those
# missing, so it is quick and harmless to run again.
#
#   sh scripts/install-deps.sh [group...]
#
# Groups (default: build test):
#   build   compiler, make and libmicrohttpd (the HTTP server of
#           `ruvector serve` is part of the CLI): what `make` needs
#   test    what `make test` needs beyond that: python3 (and numpy, which
#           writes the .npy files of tests/test_cli_io.sh; scipy, the
#           independent minimum spanning tree of tests/test_cli_inspect.sh;
#           matplotlib, the PNG of `ruvector inspect --png`) for the CLI checks,
#           emscripten + node (WebAssembly build), the arm64 cross compiler +
#           qemu (NEON build), xz (unpacking the benchmark data), clang and
#           its runtimes (libFuzzer, sanitizers) for `make fuzz`,
#           PostgreSQL 15 and its server headers (PGXS) for the extension
#           in pg/
#   bench   the peers of `make bench`: hnswlib (C++ headers), FAISS and numpy
#           for Python, matplotlib for the plots, wrk for the server's load
#           benchmark
#   browser what `make browser-test` needs: emscripten and node (the
#           WebAssembly builds), Debian's chromium, and then the npm
#           packages of web/package.json in web/node_modules (npm ci, only
#           when one is missing): playwright-core, which drives chromium and
#           downloads no browser, and esbuild, the bundler check.
#           npm itself is not installed here: it comes with node, and
#           Debian's npm package conflicts with an upstream nodejs
#   all     every group
#
# Needs root (or sudo) only when something is missing.
set -eu

groups="${*:-build test}"
[ "$groups" = "all" ] && groups="build test bench browser"

pkgs=""
for g in $groups; do
	case "$g" in
	build) pkgs="$pkgs gcc g++ make libc6-dev pkg-config libmicrohttpd-dev" ;;
	test) pkgs="$pkgs python3 python3-numpy python3-scipy python3-matplotlib xz-utils emscripten nodejs gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user clang libclang-rt-14-dev postgresql-15 postgresql-server-dev-15 libpq-dev libipc-run-perl" ;;
	bench) pkgs="$pkgs libhnswlib-dev python3-numpy python3-faiss python3-matplotlib xz-utils g++ wrk" ;;
	browser) pkgs="$pkgs emscripten nodejs chromium" ;;
	*) echo "install-deps: unknown group '$g' (build, test, bench, browser, all)" >&2; exit 2 ;;
	esac
done

missing=""
for p in $pkgs; do
	# "install ok installed" only for a package that is fully installed
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		case " $missing " in *" $p "*) ;; *) missing="$missing $p" ;; esac
	fi
done

# The browser group's npm package, after the Debian packages (npm among them).
npm_deps() {
	case " $groups " in *" browser "*) ;; *) return 0 ;; esac
	web=$(cd "$(dirname "$0")/.." && pwd)/web
	if [ -f "$web/node_modules/playwright-core/package.json" ] && [ -f "$web/node_modules/esbuild/package.json" ]; then
		echo "install-deps: playwright-core and esbuild present (web/node_modules)"
		return 0
	fi
	command -v npm >/dev/null 2>&1 || { echo "install-deps: npm not found (it comes with node)" >&2; exit 1; }
	echo "install-deps: installing playwright-core and esbuild into web/node_modules"
	(cd "$web" && npm ci --no-audit --no-fund)
}

if [ -z "$missing" ]; then
	echo "install-deps: all packages present ($groups)"
	npm_deps
	exit 0
fi

echo "install-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root to install:$missing" >&2; exit 1; }
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them once, then install.
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
npm_deps
echo "install-deps: done"

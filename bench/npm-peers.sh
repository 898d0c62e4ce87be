#!/bin/sh
# bench/npm-peers.sh: install the benchmark's npm peers, by package name and
# pinned version, each into its own folder, idempotently.
#
#   sh bench/npm-peers.sh DIR SPEC...      e.g. build/npm-peers/bench usearch@2.26.2
#
# Each SPEC (name@version) goes to DIR/SPEC/node_modules/NAME. A folder that
# holds a marker from a successful install and load check is left alone, so
# a second run costs nothing; a failed install is removed and reported, and
# the other specs go on (exit status: the number of failures).
#
# agentdb@1.6.1 is installed as the compat notes say: `--ignore-scripts`
# (a plain install fails offline: a transitive dependency, sharp, downloads
# libvips), then `npm rebuild better-sqlite3 hnswlib-node`, which compiles
# the two addons it needs with node-gyp against the Node headers installed
# beside node (npm_config_nodedir; /usr for Debian's nodejs).
# Nothing is committed: DIR is under build/.
set -u
dir=${1:?usage: npm-peers.sh DIR SPEC...}
shift
mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || exit 1
if [ -z "${npm_config_nodedir:-}" ]; then
	prefix=$(dirname "$(dirname "$(command -v node)")")
	[ -f "$prefix/include/node/node_api.h" ] && export npm_config_nodedir="$prefix"
fi
fail=0
for spec in "$@"; do
	name=${spec%@*}
	d=$dir/$spec
	[ -f "$d/.installed" ] && continue
	echo "npm-peers: installing $spec into $d" >&2
	rm -rf "$d"
	mkdir -p "$d"
	# A package.json of its own, so npm installs here and not in a parent
	# project, and nothing is saved anywhere else.
	printf '{"name":"bench-peer","private":true}\n' > "$d/package.json"
	ok=1
	case $name in
	agentdb)
		npm install --prefix "$d" --no-save --no-audit --no-fund --ignore-scripts "$spec" >&2 &&
			npm rebuild --prefix "$d" better-sqlite3 hnswlib-node >&2 || ok=0 ;;
	*)
		npm install --prefix "$d" --no-save --no-audit --no-fund "$spec" >&2 || ok=0 ;;
	esac
	# Check that it loads (native addons included) before marking it done.
	if [ $ok = 1 ]; then
		case $name in
		agentdb) check="import('$d/node_modules/agentdb/dist/index.js').then(m => { if (!m.ReflexionMemory) process.exit(1); })" ;;
		*) check="require('$d/node_modules/$name')" ;;
		esac
		(cd "$d" && node -e "$check") >&2 || ok=0
	fi
	if [ $ok = 1 ]; then
		printf '%s\n' "$spec" > "$d/.installed"
	else
		echo "npm-peers: installing $spec failed; its runs will fail, the others go on" >&2
		rm -rf "$d"
		fail=$((fail + 1))
	fi
done
exit $fail

# Sourced by the extension's test scripts: a private PostgreSQL install tree
# with the extension in it, a scratch directory, and a way to run commands
# as a user PostgreSQL accepts.
#
# PostgreSQL finds its share and lib directories relative to the postgres
# binary, so a copy of Debian's bin/ beside links to its share/ and lib/,
# plus `make install DESTDIR=`, is a complete installation that nothing
# outside $RV_TMP knows about: the system's directories and clusters are
# never touched (PostgreSQL's own `make check` relocates the same way).
# PostgreSQL refuses to run as root; as root, servers and clients run as
# the `postgres` user (runuser), which must be able to read the tree.
set -eu
PG_CONFIG=${PG_CONFIG:-pg_config}
RV_PG_DIR=$(cd "$(dirname "$0")/.." && pwd)
RV_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ruvector-pg.XXXXXX")
chmod 755 "$RV_TMP"
trap '[ -n "${RV_KEEP:-}" ] || rm -rf "$RV_TMP"' EXIT

rv_install() {
	inst="$RV_TMP/inst"
	make -s -C "$RV_PG_DIR" install DESTDIR="$inst" >/dev/null
	bindir=$($PG_CONFIG --bindir)
	sharedir=$($PG_CONFIG --sharedir)
	pkglibdir=$($PG_CONFIG --pkglibdir)
	mkdir -p "$inst$bindir" "$inst$sharedir/extension" "$inst$pkglibdir"
	cp -a "$bindir/." "$inst$bindir/"
	for f in "$sharedir"/*; do
		[ "$(basename "$f")" = extension ] || ln -sfn "$f" "$inst$sharedir/"
	done
	for f in "$sharedir"/extension/*; do
		[ -e "$inst$sharedir/extension/$(basename "$f")" ] || ln -s "$f" "$inst$sharedir/extension/"
	done
	for f in "$pkglibdir"/*; do
		[ -e "$inst$pkglibdir/$(basename "$f")" ] || ln -s "$f" "$inst$pkglibdir/"
	done
	RV_BINDIR="$inst$bindir"
	RV_PGXS_DIR=$(dirname "$(dirname "$(dirname "$($PG_CONFIG --pgxs)")")")
	export RV_BINDIR RV_PGXS_DIR
}

# Run a command as a user PostgreSQL accepts, in the environment given.
rv_as_pg() {
	if [ "$(id -u)" = 0 ]; then
		chown -R postgres "$RV_TMP"
		runuser -u postgres -- env "$@"
	else
		env "$@"
	fi
}

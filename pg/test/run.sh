#!/bin/sh
# The extension's suites on temporary servers of a private install tree
# (env.sh):
#   sh pg/test/run.sh regress   pg_regress: pg/sql against pg/expected
#   sh pg/test/run.sh tap       TAP: pg/t/*.pl with PostgreSQL::Test::Cluster
. "$(dirname "$0")/env.sh"
rv_install
case "${1:-regress}" in
regress)
	mkdir -p "$RV_TMP/data" "$RV_TMP/out"
	python3 "$RV_PG_DIR/test/make_data.py" "$RV_TMP/data" 10000 100
	tests=$(sed -n 's/^REGRESS = //p' "$RV_PG_DIR/Makefile")
	if ! rv_as_pg RUVECTOR_DATA="$RV_TMP/data" PATH="$RV_BINDIR:$PATH" \
		"$RV_PGXS_DIR/src/test/regress/pg_regress" --temp-instance="$RV_TMP/instance" \
		--bindir="$RV_BINDIR" --inputdir="$RV_PG_DIR" --outputdir="$RV_TMP/out" \
		--dbname=ruvector_regress $tests; then
		cat "$RV_TMP/out/regression.diffs" 2>/dev/null | head -200
		exit 1
	fi
	;;
tap)
	mkdir -p "$RV_TMP/tap"
	cp -r "$RV_PG_DIR/t" "$RV_TMP/tap/t"
	if ! (cd "$RV_TMP/tap" && rv_as_pg PATH="$RV_BINDIR:$PATH" TESTDIR="$RV_TMP/tap" \
		PERL5LIB="$RV_PGXS_DIR/src/test/perl:$RV_PG_DIR/t" PG_REGRESS="$RV_PGXS_DIR/src/test/regress/pg_regress" \
		RV_CLUSTER_DIR="$RV_PG_DIR/cluster" \
		prove ${PROVE_FLAGS:--v} t/*.pl); then
		for f in "$RV_TMP"/tap/tmp_check/log/*; do
			echo "==== $f"
			tail -40 "$f"
		done
		exit 1
	fi
	;;
*)
	echo "usage: run.sh regress|tap" >&2
	exit 2
	;;
esac

#!/bin/sh
# The extension's pg_regress suite (pg/sql, pg/expected) on a temporary
# instance of a private install tree (env.sh). Usage: sh pg/test/run.sh regress
. "$(dirname "$0")/env.sh"
rv_install
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

#!/bin/sh
# prepare.sh: cut the demo's data from the shared word vectors: the first
# 10,000 of ../shared/data/words-384-cos-50k/base.fvecs.xz (beside the
# repository) into build/web/demo/words.fvecs. Without them the demo
# generates vectors instead. RV_SHARED_DATA overrides ../shared/data.
# Idempotent.
set -eu
cd "$(dirname "$0")/../.."
SRC=${RV_SHARED_DATA:-../shared/data}/words-384-cos-50k/base.fvecs.xz
OUT=build/web/demo/words.fvecs
if [ -s "$OUT" ]; then
	echo "prepare: $OUT is there"
	exit 0
fi
if [ ! -f "$SRC" ]; then
	echo "prepare: $SRC not found; the demo will generate its vectors"
	exit 0
fi
mkdir -p "$(dirname "$OUT")"
# 10,000 records of 4 + 384 * 4 bytes
xz -dc "$SRC" | head -c $((10000 * 1540)) > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "prepare: wrote $OUT"

#!/bin/sh
# test_cli_calib.sh: calibrated retrieval from the outside: `calibrate`
# (conformal and target recall), `search --conformal` / `--calibrated`,
# the calibration in `info --json` after reopening, `bench --conformal` and
# `bench --target-recall` lines (the fields the issue names, coverage near
# 1 - alpha, held-out recall at the target), and clear errors.
#
#   sh tests/test_cli_calib.sh path/to/ruvector
set -u
CLI=${1:-build/ruvector}
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
checks=0
ok() { checks=$((checks + 1)); echo "ok   $1"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $1"; }
expect() {
	want=$1 name=$2
	shift 2
	"$@" > "$TMP/out" 2> "$TMP/err"
	got=$?
	if [ "$got" = "$want" ]; then ok "$name (exit $got)"; else bad "$name: exit $got, want $want"; sed 's/^/    /' "$TMP/err" | head -5; fi
}
contains() {
	if grep -q -- "$2" "$1"; then ok "$3"; else bad "$3: no '$2' in:"; sed 's/^/    /' "$1" | head -5; fi
}
# json FILE EXPR: evaluate a Python expression over the JSON object j on the
# file's last line; prints the value
json() {
	"$PY" -c "import json,sys; j=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print($2)" "$1"
}
check() { # check PYBOOL NAME (PYBOOL printed by json)
	if [ "$1" = "True" ]; then ok "$2"; else bad "$2 ($1)"; fi
}

# clustered vectors: 4000 base, 600 queries from the same distribution
"$PY" - "$TMP" <<'EOF'
import struct, sys, random
random.seed(5)
d, k = 16, 30
cent = [[random.gauss(0, 1.5) for _ in range(d)] for _ in range(k)]
def row():
    c = random.choice(cent)
    return [x + random.gauss(0, 1) for x in c]
for name, n in (("base", 4000), ("q", 600)):
    with open(sys.argv[1] + "/" + name + ".fvecs", "wb") as f:
        for _ in range(n):
            f.write(struct.pack("<i", d) + struct.pack("<%df" % d, *row()))
EOF
DB="$TMP/db"
expect 0 "create" "$CLI" create "$DB" c --dim 16
expect 0 "import" "$CLI" import "$DB" c "$TMP/base.fvecs"

expect 1 "search --conformal before calibrating" "$CLI" search "$DB" c --query "$TMP/q.fvecs" --conformal
contains "$TMP/err" "no conformal calibration" "says what is missing"
expect 2 "calibrate needs one mode" "$CLI" calibrate "$DB" c --queries "$TMP/q.fvecs"
expect 2 "calibrate: alpha out of range" "$CLI" calibrate "$DB" c --queries "$TMP/q.fvecs" --alpha 1.5
expect 1 "calibrate: cap below k" "$CLI" calibrate "$DB" c --queries "$TMP/q.fvecs" --alpha 0.1 --cap 5
contains "$TMP/err" "cap" "the message names cap"

expect 0 "calibrate --alpha" "$CLI" calibrate "$DB" c --queries "$TMP/q.fvecs" --alpha 0.1 --cap 50 --json
check "$(json "$TMP/out" "j['conformal']['alpha'] > 0.099 and j['conformal']['n'] == 600 and j['conformal']['cap'] == 50")" "calibration stored as asked"
expect 0 "calibrate --target-recall" "$CLI" calibrate "$DB" c --queries "$TMP/q.fvecs" --target-recall 0.9 --json
check "$(json "$TMP/out" "j['target_recall']['ef'] >= 10 and 'conformal' in j")" "both calibrations kept"
expect 0 "info --json after reopening" "$CLI" info "$DB" --json
check "$(json "$TMP/out" "j['collections'][0]['calibration']['target_recall']['target'] > 0.89 and j['collections'][0]['calibration']['conformal']['cap'] == 50")" "info shows the calibrations"
expect 0 "search --conformal" "$CLI" search "$DB" c --query "$TMP/q.fvecs" --queries 20 --conformal
n=$(wc -l < "$TMP/out")
if [ "$n" -ge 20 ] && [ "$n" -le 1000 ]; then ok "conformal sets: $n hits for 20 queries"; else bad "conformal sets: $n lines"; fi
expect 2 "--conformal with --ef" "$CLI" search "$DB" c --query "$TMP/q.fvecs" --conformal --ef 40
expect 0 "search --calibrated" "$CLI" search "$DB" c --query "$TMP/q.fvecs" --queries 3 --calibrated
same_lines=$(wc -l < "$TMP/out")
if [ "$same_lines" = 30 ]; then ok "calibrated search: k hits per query"; else bad "calibrated search: $same_lines lines"; fi
expect 0 "check after calibrating" "$CLI" check "$DB"

# bench: the lines the issue names
expect 0 "bench --conformal" "$CLI" bench --base "$TMP/base.fvecs" --query "$TMP/q.fvecs" --metric l2 --conformal 0.1 --calibration 300 --splits 50 --json
check "$(json "$TMP/out" "all(x in j for x in ('alpha','coverage','mean_set_size','threshold'))")" "bench --conformal fields"
check "$(json "$TMP/out" "0.85 <= j['coverage'] <= 0.96 and j['coverage_min'] >= 0.8")" "bench coverage near 1 - alpha"
expect 0 "bench --target-recall" "$CLI" bench --base "$TMP/base.fvecs" --query "$TMP/q.fvecs" --metric l2 --target-recall 0.95 --json
check "$(json "$TMP/out" "all(x in j for x in ('target_recall','ef','recall')) and j['recall'] >= 0.94")" "bench --target-recall fields and recall"
expect 2 "bench: both modes at once" "$CLI" bench --base "$TMP/base.fvecs" --query "$TMP/q.fvecs" --conformal 0.1 --target-recall 0.9

echo "$checks checks, $fails failed"
[ "$fails" = 0 ]

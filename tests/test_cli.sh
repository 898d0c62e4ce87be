#!/bin/sh
# test_cli.sh: the ruvector command-line tool from the outside: exit
# statuses, the bench JSON contract, and clear errors for bad input.
#
#   sh tests/test_cli.sh path/to/ruvector
set -u
CLI=${1:-build/ruvector}
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
checks=0

ok() { checks=$((checks + 1)); echo "ok   $1"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $1"; }

# expect STATUS NAME CMD...: run, capture output, check the exit status
expect() {
	want=$1 name=$2
	shift 2
	"$@" > "$TMP/out" 2> "$TMP/err"
	got=$?
	if [ "$got" = "$want" ]; then ok "$name (exit $got)"; else bad "$name: exit $got, want $want"; sed 's/^/    /' "$TMP/err" | head -5; fi
}
# contains FILE TEXT NAME
contains() {
	if grep -q -- "$2" "$1"; then ok "$3"; else bad "$3: no '$2' in:"; sed 's/^/    /' "$1" | head -5; fi
}

# write an fvecs file: python expression for the rows
fvecs() { # path rows dim [dim-of-row-2]
	"$PY" - "$@" <<'EOF'
import struct, sys, random
path, rows, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
odd = int(sys.argv[4]) if len(sys.argv) > 4 else dim
random.seed(rows * 31 + dim)
with open(path, "wb") as f:
    for r in range(rows):
        d = odd if r == 2 else dim
        f.write(struct.pack("<i", d))
        f.write(struct.pack("<%df" % d, *[random.uniform(-1, 1) for _ in range(d)]))
EOF
}

expect 0 "version" "$CLI" version
contains "$TMP/out" "isa: " "version names the instruction set"
RUVECTOR_ISA=serial "$CLI" version > "$TMP/out" 2>&1
contains "$TMP/out" "isa: serial" "RUVECTOR_ISA limits the instruction set"
expect 0 "help" "$CLI" --help
expect 2 "no command" "$CLI"
expect 2 "unknown command" "$CLI" frobnicate
contains "$TMP/err" "unknown command 'frobnicate'" "unknown command is named"

# the bench contract on generated data
expect 0 "bench json" "$CLI" bench --generate 4000x24 --queries 100 --ef 10,40 --k 10 --threads 2 --json --exact --delete-fraction 0.1
cp "$TMP/out" "$TMP/bench.json"
if "$PY" - "$TMP/bench.json" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
need = ["ef", "recall", "qps", "p50_us", "p99_us", "build_s", "threads", "bytes_per_vector"]
build = [l for l in lines if "phase" not in l and "mode" not in l]
exact = [l for l in lines if l.get("mode") == "exact"]
after = [l for l in lines if l.get("phase") == "after_delete"]
assert [l["ef"] for l in build] == [10, 40], build
for l in build + exact + after:
    for k in need:
        assert k in l, (k, l)
    assert l["qps"] > 0 and l["p99_us"] >= l["p50_us"] > 0 and l["bytes_per_vector"] > 24 * 4, l
    assert l["threads"] == 2, l
assert build[1]["recall"] >= 0.9, build
assert build[1]["recall"] >= build[0]["recall"] - 0.02, build
assert exact and exact[0]["recall"] == 1.0, exact
assert after and all(l["deleted_returned"] == 0 for l in after), after
assert any(l.get("phase") == "delete" and l["check_ok"] for l in lines), lines
EOF
then ok "bench JSON lines carry every contract field, exact recall is 1"; else bad "bench JSON contract"; cat "$TMP/bench.json"; fi

expect 0 "bench table" "$CLI" bench --generate 2000x16 --queries 50 --ef 20 --threads 1
contains "$TMP/out" "recall" "table has a header"

# bench on files, with ground truth computed by the tool
fvecs "$TMP/base.fvecs" 1500 12
fvecs "$TMP/q.fvecs" 30 12
expect 0 "bench on fvecs files" "$CLI" bench --base "$TMP/base.fvecs" --query "$TMP/q.fvecs" --ef 30 --json --threads 2

# bad input: each a clear message and exit 1, or exit 2 for usage
expect 1 "missing file" "$CLI" bench --base "$TMP/nope.fvecs" --query "$TMP/q.fvecs"
contains "$TMP/err" "cannot open" "missing file is named"
head -c 1000 "$TMP/base.fvecs" > "$TMP/trunc.fvecs"
expect 1 "truncated fvecs" "$CLI" bench --base "$TMP/trunc.fvecs" --query "$TMP/q.fvecs"
contains "$TMP/err" "truncated" "truncation is reported"
fvecs "$TMP/mixed.fvecs" 10 12 13
expect 1 "disagreeing dimension headers" "$CLI" bench --base "$TMP/mixed.fvecs" --query "$TMP/q.fvecs"
contains "$TMP/err" "vector 2 has dimension 13" "the disagreeing vector is named"
fvecs "$TMP/q8.fvecs" 30 8
expect 1 "query dimension differs" "$CLI" bench --base "$TMP/base.fvecs" --query "$TMP/q8.fvecs"
contains "$TMP/err" "dimension 8" "the dimension mismatch is named"
expect 2 "unknown option" "$CLI" bench --generate 100x4 --bogus
expect 2 "bad ef list" "$CLI" bench --generate 100x4 --ef 10,x
expect 2 "bad metric" "$CLI" bench --generate 100x4 --metric hamming
expect 2 "m out of range" "$CLI" bench --generate 100x4 --m 1
expect 2 "no data" "$CLI" bench

echo "$checks checks, $fails failed"
[ "$fails" = 0 ]

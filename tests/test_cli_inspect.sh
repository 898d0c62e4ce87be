#!/bin/sh
# test_cli_inspect.sh: `ruvector inspect` from the outside: the --json
# fields the issue names; H0 equal to an independent minimum spanning tree
# (scipy.sparse.csgraph.minimum_spanning_tree, Debian python3-scipy) over
# the same sample, read back with `export`; planted duplicates found; the
# PNG drawn (python3-matplotlib); clear errors.
#
#   sh tests/test_cli_inspect.sh path/to/ruvector
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

# 3000 clustered vectors of 24 dims, then 25 exact copies of earlier rows
"$PY" - "$TMP/base.fvecs" <<'EOF'
import struct, sys, random
random.seed(9)
d = 24
cent = [[random.gauss(0, 2) for _ in range(d)] for _ in range(20)]
rows = []
for _ in range(3000):
    c = random.choice(cent)
    rows.append([x + random.gauss(0, 1) for x in c])
rows += [list(rows[i * 11]) for i in range(25)]
with open(sys.argv[1], "wb") as f:
    for r in rows:
        f.write(struct.pack("<i", d) + struct.pack("<%df" % d, *r))
EOF
DB="$TMP/db"
expect 0 "create" "$CLI" create "$DB" c --dim 24
expect 0 "import" "$CLI" import "$DB" c "$TMP/base.fvecs"
expect 0 "export" "$CLI" export "$DB" c "$TMP/all.jsonl"

expect 0 "inspect --json --ids (whole collection)" "$CLI" inspect "$DB" c --sample 4096 --json --ids
cp "$TMP/out" "$TMP/all.json"
expect 0 "inspect --json (a sample of 800)" "$CLI" inspect "$DB" c --sample 800 --seed 5 --json --ids
cp "$TMP/out" "$TMP/s800.json"
if "$PY" - "$TMP/all.json" "$TMP/s800.json" "$TMP/all.jsonl" > "$TMP/py.out" 2>&1 <<'EOF'
import json, sys
import numpy as np
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import pdist, squareform
full, part = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
vec = {}
for line in open(sys.argv[3]):
    r = json.loads(line)
    vec[r["id"]] = r["vector"]
for key in ("sample", "intrinsic_dimension", "hubness", "duplicates", "h0"):
    assert key in full, key
assert full["sample"] == 3025, full["sample"]
assert full["duplicates"]["exact_pairs"] == 25, full["duplicates"]
assert full["duplicates"]["vectors"] == 50, full["duplicates"]
for rep in (full, part):
    x = np.array([vec[i] for i in rep["sample_ids"]], dtype=np.float64)
    dm = squareform(pdist(x))
    # scipy reads a 0 (and anything within 1e-8 of it) as "no edge":
    # duplicates get a stand-in length far below any real one here,
    # counted back as 0
    dm[dm == 0] = 1e-6
    np.fill_diagonal(dm, 0)
    m = minimum_spanning_tree(dm).toarray()
    deaths = np.sort(m[m > 0])
    deaths[deaths < 1e-5] = 0
    ours = np.array(rep["h0"])
    assert len(ours) == len(deaths) == rep["sample"] - 1, (len(ours), len(deaths))
    err = np.max(np.abs(ours - deaths) / np.maximum(deaths, 1e-9))
    assert err < 1e-4, err
    print("sample", rep["sample"], "max relative difference %.2g" % err, "zero deaths", int(np.sum(deaths == 0)))
EOF
then ok "H0 equals scipy's minimum spanning tree; duplicates found"; sed 's/^/    /' "$TMP/py.out"
else bad "scipy comparison"; sed 's/^/    /' "$TMP/py.out" | tail -5; fi

expect 0 "inspect (text)" "$CLI" inspect "$DB" c --sample 500
if grep -q "intrinsic dimension" "$TMP/out" && grep -q "H0 death times" "$TMP/out"; then ok "text summary"; else bad "text summary"; fi
if "$PY" -c "import matplotlib" 2>/dev/null; then
	RUVECTOR_PYTHON=$PY expect 0 "inspect --png" "$CLI" inspect "$DB" c --sample 300 --png "$TMP/r.png"
	if [ -s "$TMP/r.png" ] && head -c 4 "$TMP/r.png" | grep -q PNG; then ok "a PNG was written"; else bad "no PNG"; fi
else
	bad "python3-matplotlib is missing (sh scripts/install-deps.sh test)"
fi
expect 2 "--sample out of range" "$CLI" inspect "$DB" c --sample 2
expect 1 "a missing collection" "$CLI" inspect "$DB" nope
echo "$checks checks, $fails failed"
[ "$fails" = 0 ]

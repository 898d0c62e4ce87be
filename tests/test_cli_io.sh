#!/bin/sh
# test_cli_io.sh: records in and out of the CLI: `import` of JSON Lines and
# NumPy .npy files beside fvecs, and `export` to JSON Lines and fvecs.
#
#   - export -> import of a collection with nested payloads gives the same
#     ids, vectors, payloads and search results (and the export holds what
#     was imported, checked against the source data, not only against
#     itself);
#   - a .npy written by numpy (format versions 1.0, 2.0, 3.0) imports with
#     the same vectors as the fvecs of the same data;
#   - bad input (a bad JSON Lines line, another .npy dtype or shape, a
#     truncated file) fails with exit 1 and a message naming the line or
#     what is wrong, and inserts nothing.
#
#   sh tests/test_cli_io.sh path/to/ruvector
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
# contains FILE TEXT NAME (TEXT is a fixed string)
contains() {
	if grep -q -F -- "$2" "$1"; then ok "$3"; else bad "$3: no '$2' in:"; sed 's/^/    /' "$1" | head -5; fi
}
# same VALUE WANT NAME
same() {
	if [ "$1" = "$2" ]; then ok "$3"; else bad "$3: got '$1', want '$2'"; fi
}
# same_file A B NAME: identical and not empty
same_file() {
	if [ -s "$1" ] && cmp -s "$1" "$2"; then ok "$3"; else bad "$3: $1 and $2 differ (or are empty)"; diff "$1" "$2" | head -6 | sed 's/^/    /'; fi
}
count() { "$CLI" count "$DB" "$1" 2> /dev/null; }

if ! "$PY" -c 'import numpy' 2> /dev/null; then
	echo "FAIL python3-numpy is needed (apt-get install python3-numpy)"
	exit 1
fi

DB=$TMP/db
DIM=8

# ---- the source data: records with nested payloads ----
# 300 records: string ids (some with quotes, backslashes, non-ASCII),
# integer ids, payloads nested up to the bound (16), arrays of objects,
# big integers, and records without payload; plus a query file.
"$PY" - "$TMP" "$DIM" <<'EOF'
import json, random, struct, sys
tmp, dim = sys.argv[1], int(sys.argv[2])
random.seed(11)
def deep(n):  # an object nested n levels (the payload itself is level 1)
    v = {"leaf": n}
    for i in range(n - 1):
        v = {"l%d" % i: v}
    return v
recs = []
for i in range(300):
    if i % 10 == 3:
        rid = 100000 + i                        # an integer id
    elif i == 7:
        rid = 'quo"te\\back\u00e9\u4e2d'         # escapes and UTF-8
    else:
        rid = "doc-%d" % i
    r = {"id": rid, "vector": [random.uniform(-1, 1) for _ in range(dim)]}
    if i % 4 != 0:
        r["payload"] = {
            "i": i, "big": 2**53 - i, "ratio": i / 7.0, "ok": i % 2 == 0, "none": None,
            "meta": {"author": {"name": "a%d" % (i % 5)}, "tags": ["t%d" % (i % 3), "x"],
                     "scores": [1, 2.5, -i], "items": [{"k": j, "v": [j, {"w": "z"}]} for j in range(i % 3)]},
        }
    if i == 5:
        r["payload"] = deep(16)                 # exactly the bound
    recs.append(r)
with open(tmp + "/src.jsonl", "w") as f:
    for j, r in enumerate(recs):
        if j == 50:
            f.write("\n   \n")                  # blank lines are skipped
        f.write(json.dumps(r, ensure_ascii=(j % 2 == 0)) + "\n")
json.dump(recs, open(tmp + "/src.json", "w"))
with open(tmp + "/q.fvecs", "wb") as f:
    for _ in range(20):
        f.write(struct.pack("<i", dim) + struct.pack("<%df" % dim, *[random.uniform(-1, 1) for _ in range(dim)]))
EOF

"$CLI" create "$DB" src --dim $DIM > /dev/null 2>&1 || bad "create src"
expect 0 "import JSON Lines" "$CLI" import "$DB" src "$TMP/src.jsonl" --batch 128
same "$(tr '\n' ' ' < "$TMP/out")" "acked 128 acked 256 acked 300 " "one 'acked N' line per batch of records"
same "$(count src)" 300 "count after the JSON Lines import"

# ---- export, then import into a new collection ----
expect 0 "export to JSON Lines" "$CLI" export "$DB" src "$TMP/out.jsonl"
contains "$TMP/err" "exported 300 records" "export reports what it wrote"
# the export holds the source records: ids as given (integers as their
# digits), float32 vectors exactly, payloads equal as JSON, none where none
"$PY" - "$TMP" > "$TMP/cmp" 2>&1 <<'EOF'
import json, struct, sys
tmp = sys.argv[1]
f32 = lambda x: struct.unpack("<f", struct.pack("<f", x))[0]
want = {str(r["id"]): r for r in json.load(open(tmp + "/src.json"))}
got = [json.loads(l) for l in open(tmp + "/out.jsonl")]
errs = []
if len(got) != len(want):
    errs.append("%d records exported, %d imported" % (len(got), len(want)))
for g in got:
    w = want.get(g["id"])
    if w is None:
        errs.append("unknown id %r" % g["id"]); continue
    # %.9g reads back to the same float32
    if [f32(x) for x in g["vector"]] != [f32(x) for x in w["vector"]]:
        errs.append("vector of %r differs" % g["id"])
    if g.get("payload") != w.get("payload"):
        errs.append("payload of %r: %r != %r" % (g["id"], g.get("payload"), w.get("payload")))
    if set(g) - {"id", "vector", "payload"}:
        errs.append("extra members in %r" % g)
print("\n".join(errs[:5]) if errs else "equal")
EOF
same "$(cat "$TMP/cmp")" "equal" "the export holds the imported ids, vectors and payloads"
grep -q '"payload"' "$TMP/out.jsonl" && ! grep -q '"payload":{}' "$TMP/out.jsonl"
same $? 0 "records without payload are written without one"

"$CLI" create "$DB" dst --dim $DIM > /dev/null 2>&1 || bad "create dst"
expect 0 "import the export" "$CLI" import "$DB" dst "$TMP/out.jsonl" --quiet
same "$(count dst)" 300 "count after the round trip"
expect 0 "export the copy" "$CLI" export "$DB" dst "$TMP/out2.jsonl" --quiet
sort "$TMP/out.jsonl" > "$TMP/a.sorted"
sort "$TMP/out2.jsonl" > "$TMP/b.sorted"
same_file "$TMP/a.sorted" "$TMP/b.sorted" "export -> import -> export gives the same records"
for mode in "" "--exact"; do
	"$CLI" search "$DB" src --query "$TMP/q.fvecs" -k 10 --payload $mode > "$TMP/s1" 2>&1
	"$CLI" search "$DB" dst --query "$TMP/q.fvecs" -k 10 --payload $mode > "$TMP/s2" 2>&1
	same_file "$TMP/s1" "$TMP/s2" "search ${mode:-(graph)} --payload: the same hits and payloads after the round trip"
done
same "$(wc -l < "$TMP/s1" | tr -d ' ')" 200 "20 queries x 10 hits"
F='{"meta.items":{"$elemMatch":{"k":1}},"meta.author.name":{"$in":["a1","a2"]}}'
"$CLI" search "$DB" src --query "$TMP/q.fvecs" -k 5 --filter "$F" --payload > "$TMP/f1" 2>&1
"$CLI" search "$DB" dst --query "$TMP/q.fvecs" -k 5 --filter "$F" --payload > "$TMP/f2" 2>&1
same_file "$TMP/f1" "$TMP/f2" "a filter on nested paths finds the same records after the round trip"
"$CLI" payload "$DB" dst 5 > /dev/null 2>&1 && bad "id 5 should not exist" || ok "the string id doc-5 is not renumbered"
expect 0 "a payload nested to the bound comes back" "$CLI" payload "$DB" dst doc-5
contains "$TMP/out" '"leaf":16' "the 16-level payload is whole"
expect 0 "an integer id is kept as its digits" "$CLI" payload "$DB" dst 100003
contains "$TMP/out" '"i":3' "the integer id's payload"

# export to stdout, and to fvecs
"$CLI" export "$DB" src - --quiet > "$TMP/stdout.jsonl" 2> "$TMP/err"
same_file "$TMP/stdout.jsonl" "$TMP/out.jsonl" "export to '-' writes the same JSON Lines to stdout"
expect 0 "export to fvecs" "$CLI" export "$DB" src "$TMP/out.fvecs" --quiet
"$PY" - "$TMP" > "$TMP/cmp" 2>&1 <<'EOF'
import json, struct, sys
tmp = sys.argv[1]
data = open(tmp + "/out.fvecs", "rb").read()
vecs = []
while data:
    d = struct.unpack("<i", data[:4])[0]
    vecs.append(list(struct.unpack("<%df" % d, data[4:4 + 4 * d])))
    data = data[4 + 4 * d:]
f32 = lambda x: struct.unpack("<f", struct.pack("<f", x))[0]
want = [[f32(x) for x in json.loads(l)["vector"]] for l in open(tmp + "/out.jsonl")]
print("equal" if vecs == want else "differ: %d vs %d rows" % (len(vecs), len(want)))
EOF
same "$(cat "$TMP/cmp")" "equal" "the fvecs export holds the same vectors in the same order"

# ---- .npy ----
"$PY" - "$TMP" "$DIM" <<'EOF'
import sys, struct
import numpy as np
from numpy.lib import format as npf
tmp, dim = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(5)
a = rng.standard_normal((200, dim)).astype("<f4")
np.save(tmp + "/base.npy", a)                                  # version 1.0
for v in ((2, 0), (3, 0)):
    with open(tmp + "/base_v%d.npy" % v[0], "wb") as f:
        npf.write_array(f, a, version=v)
with open(tmp + "/base.fvecs", "wb") as f:
    for row in a:
        f.write(struct.pack("<i", dim) + row.tobytes())
np.save(tmp + "/f64.npy", a.astype("<f8"))
np.save(tmp + "/i32.npy", (a * 100).astype("<i4"))
np.save(tmp + "/be.npy", a.astype(">f4"))
np.save(tmp + "/3d.npy", a.reshape(20, 10, dim))
np.save(tmp + "/1d.npy", a[0])
np.save(tmp + "/fortran.npy", np.asfortranarray(a))
np.save(tmp + "/dim5.npy", a[:, :5].copy())
raw = open(tmp + "/base.npy", "rb").read()
open(tmp + "/trunc.npy", "wb").write(raw[:-3])
open(tmp + "/long.npy", "wb").write(raw + b"\0\0\0\0")
open(tmp + "/notnpy.npy", "wb").write(b"NUMPY? no" + raw[9:])
nan = a.copy(); nan[17, 3] = np.nan
np.save(tmp + "/nan.npy", nan)
EOF
"$CLI" create "$DB" fv --dim $DIM > /dev/null 2>&1
expect 0 "import the fvecs" "$CLI" import "$DB" fv "$TMP/base.fvecs" --quiet
"$CLI" search "$DB" fv --query "$TMP/q.fvecs" -k 10 > "$TMP/sfv" 2>&1
"$CLI" export "$DB" fv "$TMP/fv.jsonl" --quiet 2> /dev/null
for v in "" _v2 _v3; do
	"$CLI" create "$DB" np$v --dim $DIM > /dev/null 2>&1
	expect 0 "import a numpy .npy${v:+ ($v)}" "$CLI" import "$DB" np$v "$TMP/base$v.npy" --batch 64
	same "$(tail -1 "$TMP/out")" "acked 200" "acked counts the .npy rows${v:+ ($v)}"
	"$CLI" search "$DB" np$v --query "$TMP/q.fvecs" -k 10 > "$TMP/snp" 2>&1
	same_file "$TMP/snp" "$TMP/sfv" "the .npy${v:+ ($v)} gives the same search results as the fvecs of the same data"
	"$CLI" export "$DB" np$v "$TMP/np.jsonl" --quiet 2> /dev/null
	same_file "$TMP/np.jsonl" "$TMP/fv.jsonl" "the .npy${v:+ ($v)} holds the same ids and vectors as the fvecs"
done
expect 0 "import a .npy with --format and another name" "$CLI" import "$DB" fv "$TMP/base.npy" --format npy --start 1000 --quiet
same "$(count fv)" 400 "the rows of the second import get ids from --start"

# ---- bad .npy files: exit 1, the reason, nothing inserted ----
bad_npy() { # FILE TEXT NAME
	expect 1 "$3" "$CLI" import "$DB" np "$TMP/$1"
	contains "$TMP/err" "$2" "$3: says '$2'"
}
bad_npy f64.npy "dtype '<f8' (float64)" "a float64 .npy"
bad_npy i32.npy "dtype '<i4' (int32)" "an int32 .npy"
bad_npy be.npy "big-endian float32" "a big-endian float32 .npy"
bad_npy 3d.npy "shape (20, 10, 8) has 3 dimensions" "a 3-D .npy"
bad_npy 1d.npy "shape (8,) has 1 dimension" "a 1-D .npy"
bad_npy fortran.npy "fortran_order is True" "a Fortran-order .npy"
bad_npy trunc.npy "truncated" "a truncated .npy"
bad_npy long.npy "4 bytes after the data" "an .npy with bytes after its data"
bad_npy notnpy.npy "not a NumPy .npy file" "a file that is not .npy"
bad_npy nan.npy "row 17: component 3 is nan" "an .npy with a NaN"
bad_npy dim5.npy "has dimension 5 but collection np has dimension 8" "an .npy of another dimension"
same "$(count np)" 200 "bad .npy files inserted nothing"

# ---- bad JSON Lines: exit 1, the line and what, nothing inserted ----
# good_line ID: a valid record line
good_line() { printf '{"id":"%s","vector":[1,2,3,4,5,6,7,8],"payload":{"a":1}}\n' "$1"; }
# bad_jsonl NAME LINE TEXT CONTENT: a file of good lines with CONTENT as line 3
bad_jsonl() {
	{ good_line new1; good_line new2; printf '%s\n' "$4"; good_line new4; } > "$TMP/bad.jsonl"
	expect 1 "$1" "$CLI" import "$DB" dst "$TMP/bad.jsonl"
	contains "$TMP/err" "line $2: $3" "$1: names line $2 and says '$3'"
}
V8='[1,2,3,4,5,6,7,8]'
bad_jsonl "a wrong dimension" 3 '"vector" has 7 numbers; expected 8' '{"id":"x","vector":[1,2,3,4,5,6,7]}'
bad_jsonl "NaN as a string" 3 '"vector"[2] is a string, not a number' '{"id":"x","vector":[1,2,"NaN",4,5,6,7,8]}'
bad_jsonl "a bare NaN" 3 "JSON: " '{"id":"x","vector":[1,2,NaN,4,5,6,7,8]}'
bad_jsonl "a missing vector" 3 'no "vector"' '{"id":"x","payload":{"a":1}}'
bad_jsonl "a missing id" 3 'no "id"' '{"vector":'"$V8"'}'
bad_jsonl "a vector that is not an array" 3 '"vector" is a string' '{"id":"x","vector":"1,2"}'
bad_jsonl "a number beyond float32" 3 '"vector"[0] = 1e+39 is beyond float32' '{"id":"x","vector":[1e39,2,3,4,5,6,7,8]}'
bad_jsonl "a non-object payload" 3 '"payload" is an array; it must be an object' '{"id":"x","vector":'"$V8"',"payload":[1,2]}'
bad_jsonl "a string payload" 3 '"payload" is a string' '{"id":"x","vector":'"$V8"',"payload":"{}"}'
DEEP=$("$PY" -c 'import json
v = {"leaf": 1}
for i in range(16): v = {"l%d" % i: v}
print(json.dumps({"id": "x", "vector": [1] * 8, "payload": v}))')
bad_jsonl "a payload deeper than 16" 3 'payload field "l15.l14.l13.l12.l11.l10.l9.l8.l7.l6.l5.l4.l3.l2.l1.l0" nests deeper than 16 levels' "$DEEP"
bad_jsonl "bad JSON" 3 'JSON: ' '{"id":"x","vector":[1,2,3,4,5,6,7,8],}'
bad_jsonl "a line that is not an object" 3 'a record must be a JSON object, not an array' "$V8"
bad_jsonl "an unknown member" 3 'unknown member "paylaod"' '{"id":"x","vector":'"$V8"',"paylaod":{}}'
bad_jsonl "a negative integer id" 3 '"id" -4 is not a non-negative integer' '{"id":-4,"vector":'"$V8"'}'
bad_jsonl "a fractional id" 3 '"id" 1.5 is not a non-negative integer' '{"id":1.5,"vector":'"$V8"'}'
bad_jsonl "an empty id" 3 '"id" is empty' '{"id":"","vector":'"$V8"'}'
bad_jsonl "an id repeated in the file" 3 'id "new1" repeats line 1' '{"id":"new1","vector":'"$V8"'}'
bad_jsonl "an id the collection has" 3 'id "doc-1" exists in collection dst' '{"id":"doc-1","vector":'"$V8"'}'
same "$(count dst)" 300 "bad JSON Lines files inserted nothing"
{ good_line z1; printf '{"id":"z2","vector":[1,2,3]}\n'; } > "$TMP/dim3.jsonl"
expect 1 "JSON Lines of another dimension than the collection" "$CLI" import "$DB" dst "$TMP/dim3.jsonl"
contains "$TMP/err" 'line 2: "vector" has 3 numbers; expected 8' "a dimension that changes names its line"
: > "$TMP/empty.jsonl"
expect 1 "an empty JSON Lines file" "$CLI" import "$DB" dst "$TMP/empty.jsonl"
contains "$TMP/err" "no records" "an empty file says so"
same "$(count dst)" 300 "still nothing inserted"

# ---- the command line ----
good_line y1 > "$TMP/rec.txt"
expect 1 "a file of another name is read as fvecs (as import always did)" "$CLI" import "$DB" dst "$TMP/rec.txt"
contains "$TMP/err" "not an fvecs file?" "the error says it is not fvecs"
expect 0 "--format jsonl reads it" "$CLI" import "$DB" dst "$TMP/rec.txt" --format jsonl --quiet
same "$(count dst)" 301 "the --format import inserted its record"
expect 2 "--start with JSON Lines" "$CLI" import "$DB" dst "$TMP/out.jsonl" --start 5
expect 2 "an unknown --format" "$CLI" import "$DB" dst "$TMP/out.jsonl" --format csv
expect 2 "export to .npy" "$CLI" export "$DB" dst "$TMP/x.npy"
expect 2 "export to a name that does not say its format" "$CLI" export "$DB" dst "$TMP/x.txt"
contains "$TMP/err" "give --format" "the error asks for --format"
expect 0 "export --format jsonl to any name" "$CLI" export "$DB" dst "$TMP/x.txt" --format jsonl --quiet
same "$(wc -l < "$TMP/x.txt" | tr -d ' ')" 301 "it wrote every record"
expect 1 "export of a missing collection" "$CLI" export "$DB" nope "$TMP/x.jsonl"
if [ -e "$TMP/x.jsonl" ]; then bad "a failed export leaves no file"; else ok "a failed export leaves no file"; fi
expect 0 "export --help" "$CLI" export --help
contains "$TMP/out" "JSON Lines" "export --help describes the format"
expect 0 "import --help" "$CLI" import --help
contains "$TMP/out" ".npy" "import --help names .npy"

# ---- export after deletions: the holes are skipped ----
expect 0 "delete three records" "$CLI" delete "$DB" dst doc-1 100003 y1 --durability off
"$CLI" export "$DB" dst - --quiet > "$TMP/after.jsonl" 2> "$TMP/err"
same "$(wc -l < "$TMP/after.jsonl" | tr -d ' ') $(count dst)" "298 298" "export after deletions writes every live record"
if grep -q -e '"id":"doc-1"' -e '"id":"100003"' -e '"id":"y1"' "$TMP/after.jsonl"; then bad "deleted records exported"; else ok "deleted records are not exported"; fi

echo "$checks checks, $fails failed"
[ "$fails" -eq 0 ]

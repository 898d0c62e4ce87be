#!/bin/sh
# test_cli_db.sh: the CLI's database commands from the outside (create,
# import, count, search, delete, compact, check, backup, info): output
# formats, exit statuses, clear errors for bad input, a corrupted segment,
# and a second writer while an import runs.
#
#   sh tests/test_cli_db.sh path/to/ruvector
set -u
CLI=${1:-build/ruvector}
PY=/usr/bin/python3
TMP=$(mktemp -d)
BG=
trap 'if [ -n "$BG" ]; then kill "$BG" 2>/dev/null; fi; rm -rf "$TMP"' EXIT
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
# contains FILE TEXT NAME (TEXT is a grep regex)
contains() {
	if grep -q -- "$2" "$1"; then ok "$3"; else bad "$3: no '$2' in:"; sed 's/^/    /' "$1" | head -5; fi
}
# same VALUE WANT NAME
same() {
	if [ "$1" = "$2" ]; then ok "$3"; else bad "$3: got '$1', want '$2'"; fi
}

# fvecs PATH ROWS DIM [SEED]: a file of uniform random vectors
fvecs() {
	"$PY" - "$@" <<'EOF'
import struct, sys, random
path, rows, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(int(sys.argv[4]) if len(sys.argv) > 4 else rows * 31 + dim)
with open(path, "wb") as f:
    for r in range(rows):
        f.write(struct.pack("<i", dim))
        f.write(struct.pack("<%df" % dim, *[random.uniform(-1, 1) for _ in range(dim)]))
EOF
}
# rows SRC DST FIRST N: copy rows FIRST..FIRST+N-1 of an fvecs file
rows() {
	"$PY" - "$@" <<'EOF'
import struct, sys
src, dst, first, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = open(src, "rb").read()
dim = struct.unpack("<i", data[:4])[0]
rec = 4 + 4 * dim
open(dst, "wb").write(data[first * rec:(first + n) * rec])
EOF
}
# info_field FILE COLLECTION FIELD: a value from `info --json` output
info_field() {
	"$PY" - "$@" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print([c for c in d["collections"] if c["name"] == sys.argv[2]][0][sys.argv[3]])
EOF
}
# flip_vector SEGMENT: xor a byte inside the vector section (kind 2) of a
# segment file with 0x10 (section table: 32 entries of 48 bytes at 64)
flip_vector() {
	"$PY" - "$@" <<'EOF'
import struct, sys
with open(sys.argv[1], "r+b") as f:
    hdr = f.read(4096)
    for i in range(32):
        kind, _, off, length = struct.unpack_from("<IIQQ", hdr, 64 + 48 * i)
        if kind == 2:
            break
    else:
        sys.exit("no vector section")
    f.seek(off + length // 2)
    b = f.read(1)
    f.seek(off + length // 2)
    f.write(bytes([b[0] ^ 0x10]))
EOF
}

DB=$TMP/db
fvecs "$TMP/base.fvecs" 3000 16
fvecs "$TMP/extra.fvecs" 5 16 7
fvecs "$TMP/q8.fvecs" 3 8
rows "$TMP/base.fvecs" "$TMP/q.fvecs" 10 5   # base rows 10..14

# --help for every command; usage errors are exit 2
for c in create import count search delete compact check backup info; do
	expect 0 "$c --help" "$CLI" $c --help
	contains "$TMP/out" "usage: ruvector $c" "$c --help prints its usage"
	expect 2 "$c with no arguments" "$CLI" $c
done
expect 2 "create without --dim" "$CLI" create "$DB" docs
contains "$TMP/err" "dim is required" "the missing --dim is named"
expect 2 "create with a bad metric" "$CLI" create "$DB" docs --dim 16 --metric hamming
expect 2 "create with --m out of range" "$CLI" create "$DB" docs --dim 16 --m 1
expect 2 "unknown option" "$CLI" count "$DB" docs --bogus
expect 2 "bad --durability" "$CLI" import "$DB" docs "$TMP/base.fvecs" --durability sometimes
if [ -e "$DB" ]; then bad "usage errors created the database"; else ok "usage errors touch nothing"; fi

# create
expect 0 "create (makes the database directory)" "$CLI" create "$DB" docs --dim 16 --metric l2 --m 12 --ef-construction 100
contains "$TMP/out" "created collection docs" "create says what it made"
expect 1 "create an existing collection" "$CLI" create "$DB" docs --dim 16
contains "$TMP/err" "already exists" "the existing collection is named"
expect 1 "collection name with '/'" "$CLI" create "$DB" a/b --dim 4
contains "$TMP/err" "'/'" "the '/' is named"
expect 1 "collection name '..'" "$CLI" create "$DB" .. --dim 4
contains "$TMP/err" "starts with '.'" "the '..' is refused"
expect 1 "collection name with a control character" "$CLI" create "$DB" "$(printf 'a\tb')" --dim 4
contains "$TMP/err" "control character" "the control character is named"
mkdir "$TMP/plain"
echo "someone else's" > "$TMP/plain/notes.txt"
expect 1 "create in a directory that is not a database" "$CLI" create "$TMP/plain" docs --dim 4
contains "$TMP/err" "not a ruvector database" "the non-database is named"

# import, acked lines, count
expect 0 "import" "$CLI" import "$DB" docs "$TMP/base.fvecs" --batch 1000
same "$(tr '\n' ' ' < "$TMP/out")" "acked 1000 acked 2000 acked 3000 " "one 'acked N' line per batch, the last N = vectors imported"
contains "$TMP/err" "vectors/s" "import reports its rate on stderr"
expect 0 "count" "$CLI" count "$DB" docs
same "$(cat "$TMP/out")" 3000 "count after import"
expect 0 "import appends (ids continue from the count)" "$CLI" import "$DB" docs "$TMP/extra.fvecs" --durability normal
same "$(tail -1 "$TMP/out")" "acked 5" "acked counts this import's vectors"
"$CLI" count "$DB" docs > "$TMP/out" 2>&1
same "$(cat "$TMP/out")" 3005 "count after the second import"

# bad imports insert nothing
head -c 1000 "$TMP/base.fvecs" > "$TMP/trunc.fvecs"
expect 1 "import a truncated file" "$CLI" import "$DB" docs "$TMP/trunc.fvecs"
contains "$TMP/err" "truncated" "the truncation is reported"
expect 1 "import a file of the wrong dimension" "$CLI" import "$DB" docs "$TMP/q8.fvecs"
contains "$TMP/err" "dimension 8 but collection docs has dimension 16" "the dimension mismatch is named"
expect 1 "import a missing file" "$CLI" import "$DB" docs "$TMP/nope.fvecs"
contains "$TMP/err" "cannot open" "the missing file is named"
expect 1 "import into a missing collection" "$CLI" import "$DB" nope "$TMP/base.fvecs"
contains "$TMP/err" 'no collection "nope"' "the missing collection is named"
"$CLI" count "$DB" docs > "$TMP/out" 2>&1
same "$(cat "$TMP/out")" 3005 "failed imports inserted nothing"

# search: <query index> <rank> <id> <distance>
expect 0 "search" "$CLI" search "$DB" docs --query "$TMP/q.fvecs" -k 10
if "$PY" - "$TMP/out" <<'EOF'
import sys
lines = [l.split() for l in open(sys.argv[1])]
assert len(lines) == 50 and all(len(l) == 4 for l in lines), lines[:3]
for q in range(5):
    hits = [l for l in lines if int(l[0]) == q]
    assert [int(l[1]) for l in hits] == list(range(1, 11)), hits
    assert hits[0][2] == str(10 + q) and float(hits[0][3]) == 0.0, hits[0]
    d = [float(l[3]) for l in hits]
    assert d == sorted(d), d
EOF
then ok "each stored vector finds its own id first at distance 0, 10 ranked hits per query"; else bad "search output"; head -5 "$TMP/out"; fi
expect 0 "search --k --ef --exact" "$CLI" search "$DB" docs --query "$TMP/extra.fvecs" --k 1 --ef 32 --exact
same "$(head -1 "$TMP/out")" "0 1 3000 0" "appended rows got ids from 3000"
expect 2 "search without --query" "$CLI" search "$DB" docs -k 10
expect 2 "search with k = 0" "$CLI" search "$DB" docs --query "$TMP/q.fvecs" -k 0
expect 1 "search with queries of the wrong dimension" "$CLI" search "$DB" docs --query "$TMP/q8.fvecs"
contains "$TMP/err" "dimension 8 but collection docs has dimension 16" "the query dimension mismatch is named"

# databases and collections that are not there
expect 1 "count in a missing database" "$CLI" count "$TMP/none" docs
contains "$TMP/err" "no database" "the missing database is named"
expect 1 "count in a directory that is not a database" "$CLI" count "$TMP/plain" docs
contains "$TMP/err" "not a ruvector database" "the directory is named as not a database"
echo hello > "$TMP/file"
expect 1 "count in a file" "$CLI" count "$TMP/file" docs
expect 1 "count a missing collection" "$CLI" count "$DB" nope
contains "$TMP/err" 'no collection "nope"' "the missing collection is named"
expect 1 "count with a bad collection name" "$CLI" count "$DB" ../docs
contains "$TMP/err" "starts with '.'" "the bad name is refused"

# delete
expect 0 "delete" "$CLI" delete "$DB" docs 0 1 2
contains "$TMP/out" "deleted 3" "delete says how many"
"$CLI" count "$DB" docs > "$TMP/out" 2>&1
same "$(cat "$TMP/out")" 3002 "count after delete"
expect 1 "delete an unknown id" "$CLI" delete "$DB" docs 5 nope
contains "$TMP/err" '"nope"' "the unknown id is named"
"$CLI" count "$DB" docs > "$TMP/out" 2>&1
same "$(cat "$TMP/out")" 3002 "a failed delete deletes nothing"
rows "$TMP/base.fvecs" "$TMP/q5.fvecs" 5 1
"$CLI" search "$DB" docs --query "$TMP/q5.fvecs" -k 1 > "$TMP/out" 2>&1
same "$(cat "$TMP/out")" "0 1 5 0" "id 5 survived the failed delete"
rows "$TMP/base.fvecs" "$TMP/q0.fvecs" 0 1
"$CLI" search "$DB" docs --query "$TMP/q0.fvecs" -k 5 --exact > "$TMP/out" 2>&1
if [ -n "$(awk '$3 == "0"' "$TMP/out")" ] || [ "$(wc -l < "$TMP/out")" != 5 ]; then bad "deleted id 0 still found"; else ok "a deleted id is not found"; fi

# compact shrinks the segment
expect 0 "compact (first checkpoint)" "$CLI" compact "$DB" docs
contains "$TMP/out" "^after: *segment [0-9]* bytes" "compact prints the segment size after"
"$CLI" info "$DB" --json > "$TMP/info1.json" 2>&1
seg1=$(info_field "$TMP/info1.json" docs segment_bytes)
"$CLI" delete "$DB" docs $(seq 1000 2999) > /dev/null 2>&1
expect 0 "compact after deleting two thirds" "$CLI" compact "$DB" docs
contains "$TMP/out" "^before: *segment $seg1 bytes" "compact prints the segment size before"
"$CLI" info "$DB" --json > "$TMP/info2.json" 2>&1
seg2=$(info_field "$TMP/info2.json" docs segment_bytes)
if [ "$seg1" -gt 0 ] && [ "$seg2" -gt 0 ] && [ $((seg2 * 2)) -lt "$seg1" ]; then ok "compaction shrank the segment ($seg1 -> $seg2 bytes)"; else bad "segment $seg1 -> $seg2 bytes"; fi
same "$(info_field "$TMP/info2.json" docs count)" 1002 "info counts the survivors"
"$CLI" search "$DB" docs --query "$TMP/q.fvecs" -k 1 > "$TMP/out" 2>&1
same "$(cut -d' ' -f3,4 "$TMP/out" | tr '\n' ' ')" "10 0 11 0 12 0 13 0 14 0 " "survivors still find themselves after compaction"

# info
"$CLI" create "$DB" other --dim 4 --metric cosine > /dev/null 2>&1
expect 0 "info" "$CLI" info "$DB"
contains "$TMP/out" "2 collections" "info counts the collections"
contains "$TMP/out" "^docs  *1002  *16 l2 " "info lists name, count, dim, metric"
contains "$TMP/out" "^other  *0  *4 cosine " "info lists an empty collection"
contains "$TMP/out" "format" "info shows the format version"
expect 0 "info --json" "$CLI" info "$DB" --json
if "$PY" - "$TMP/out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
cs = {c["name"]: c for c in d["collections"]}
assert set(cs) == {"docs", "other"}, cs
for c in cs.values():
    for k in ["count", "dim", "metric", "generation", "segment_bytes", "log_bytes", "format_version"]:
        assert k in c, (k, c)
    assert c["format_version"] == 4 and c["generation"] >= 1, c
assert cs["docs"]["count"] == 1002 and cs["docs"]["dim"] == 16 and cs["docs"]["metric"] == "l2"
assert cs["docs"]["generation"] == 3 and cs["docs"]["segment_bytes"] > 0
assert cs["other"]["metric"] == "cosine" and cs["other"]["segment_bytes"] == 0
EOF
then ok "info --json has every field"; else bad "info --json"; cat "$TMP/out"; fi

# check and backup
expect 0 "check a clean database" "$CLI" check "$DB"
same "$(cat "$TMP/out")" ok "check prints ok"
expect 0 "backup" "$CLI" backup "$DB" "$TMP/copy"
expect 0 "check the backup" "$CLI" check "$TMP/copy"
"$CLI" count "$TMP/copy" docs > "$TMP/out" 2>&1
same "$(cat "$TMP/out")" 1002 "the backup holds every vector"
expect 1 "backup into an existing directory" "$CLI" backup "$DB" "$TMP/copy"
contains "$TMP/err" "already exists" "the existing destination is named"
expect 1 "check a missing database" "$CLI" check "$TMP/none"

# a flipped byte in a segment's vector data: open does not read it, check does
seg=$(ls "$TMP/copy/docs/"seg-*.rvs)
flip_vector "$seg"
expect 1 "check finds a flipped byte in a segment" "$CLI" check "$TMP/copy"
contains "$TMP/err" "$(basename "$seg"): byte [0-9]" "the message names the file and an offset"

# a database written by a newer format version
cp -r "$DB" "$TMP/newer"
"$PY" -c "
import sys
with open(sys.argv[1], 'r+b') as f:
    f.seek(8); f.write(bytes([9, 0, 0, 0]))" "$TMP/newer/RUVECTOR"
expect 1 "a newer format version" "$CLI" count "$TMP/newer" docs
contains "$TMP/err" "format version 9" "the newer version is named"
expect 1 "check a newer format version" "$CLI" check "$TMP/newer"

# a second writer while an import runs; readers go on
fvecs "$TMP/big.fvecs" 20000 32
"$CLI" create "$DB" big --dim 32 > /dev/null 2>&1
"$CLI" import "$DB" big "$TMP/big.fvecs" --batch 100 --quiet > "$TMP/bg.out" 2> "$TMP/bg.err" &
BG=$!
i=0
while ! grep -q acked "$TMP/bg.out" 2> /dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
if kill -0 "$BG" 2> /dev/null; then ok "the first 'acked' arrives while the import runs"; else bad "the import ended before the second writer could try (too fast?)"; fi
expect 1 "a second writer is refused" "$CLI" delete "$DB" docs 5
contains "$TMP/err" "lock" "the refusal names the lock"
expect 1 "a second import is refused" "$CLI" import "$DB" docs "$TMP/extra.fvecs"
expect 0 "count works during the import" "$CLI" count "$DB" big
n=$(cat "$TMP/out")
if [ "$n" -ge 100 ] && [ "$n" -le 20000 ]; then ok "count during the import sees a prefix ($n)"; else bad "count during the import: '$n'"; fi
expect 0 "search works during the import" "$CLI" search "$DB" docs --query "$TMP/q.fvecs" -k 1
if kill -0 "$BG" 2> /dev/null; then ok "the import was still running after the second writer"; else bad "the import ended early; the lock checks above may be void"; fi
wait "$BG"
st=$?
BG=
same "$st" 0 "the background import succeeded"
same "$(tail -1 "$TMP/bg.out")" "acked 20000" "its last acked line is the vector count"
same "$(wc -l < "$TMP/bg.out" | tr -d ' ')" 200 "one acked line per batch of 100"
"$CLI" count "$DB" big > "$TMP/out" 2>&1
same "$(cat "$TMP/out")" 20000 "every acked vector is there"
expect 0 "a writer succeeds once the import is done" "$CLI" delete "$DB" docs 5
expect 0 "check after everything" "$CLI" check "$DB"

# quantization: --quant at create, trained at --quant-train, shown by info
expect 2 "create with a bad --quant" "$CLI" create "$DB" q --dim 16 --quant int4
contains "$TMP/err" "none, int8, pq:M, binary or binary-itq" "the accepted --quant values are listed"
expect 1 "pq whose subspaces do not divide the dimension" "$CLI" create "$DB" q --dim 16 --quant pq:5
contains "$TMP/err" "divide" "the subspace count is the reason"
expect 1 "quantization with l1" "$CLI" create "$DB" q --dim 16 --metric l1 --quant int8
contains "$TMP/err" "l1" "l1 is named"
expect 0 "create --quant int8" "$CLI" create "$DB" q --dim 16 --quant int8 --quant-train 500
contains "$TMP/out" "quant int8" "create says int8"
expect 0 "create --quant pq:4" "$CLI" create "$DB" qp --dim 16 --quant pq:4 --quant-train 1000
rows "$TMP/base.fvecs" "$TMP/b400.fvecs" 0 400
expect 0 "import below --quant-train" "$CLI" import "$DB" q "$TMP/b400.fvecs"
expect 0 "info" "$CLI" info "$DB"
contains "$TMP/out" "^q  *400  *16 l2  *int8\* " "info marks int8 untrained (*)"
expect 0 "import past --quant-train" "$CLI" import "$DB" q "$TMP/base.fvecs"
expect 0 "import into pq" "$CLI" import "$DB" qp "$TMP/base.fvecs"
expect 0 "info --json" "$CLI" info "$DB" --json
if "$PY" - "$TMP/out" <<'EOF'
import json, sys
cs = {c["name"]: c for c in json.load(open(sys.argv[1]))["collections"]}
q, qp, docs = cs["q"], cs["qp"], cs["docs"]
assert q["quant"] == "int8" and q["quant_trained"] is True and q["count"] == 3400, q
assert qp["quant"] == "pq:4" and qp["quant_trained"] is True, qp
assert docs["quant"] == "none" and docs["quant_trained"] is False and docs["code_bytes"] == 0, docs
# int8: a byte per dimension and the norm, 16 + 8 bytes a vector (plus the codebook)
assert 3400 * 24 <= q["code_bytes"] < 3400 * 24 * 2 + 4096, q
# pq:4: 8 bytes a vector (codes are padded to 8) and a 16 KiB codebook
assert 3000 * 8 + 16384 <= qp["code_bytes"] < q["code_bytes"], (qp, q)
EOF
then ok "info --json shows the quantizers, trained, and their code sizes"; else bad "info --json quant fields"; cat "$TMP/out"; fi
expect 0 "search a quantized collection" "$CLI" search "$DB" q --query "$TMP/q.fvecs" -k 1
same "$(cut -d' ' -f3,4 "$TMP/out" | tr '\n' ' ')" "10 0 11 0 12 0 13 0 14 0 " "quantized search finds each vector first, at its exact distance"
expect 0 "search pq" "$CLI" search "$DB" qp --query "$TMP/q.fvecs" -k 1
same "$(cut -d' ' -f3,4 "$TMP/out" | tr '\n' ' ')" "10 0 11 0 12 0 13 0 14 0 " "pq search re-ranks to the exact distance"
expect 0 "check with quantized collections" "$CLI" check "$DB"

# ---- payloads, indexes, filters, text search (issue #5) ----
expect 0 "create a collection for payloads" "$CLI" create "$DB" pl --dim 4 --metric l2
fvecs "$TMP/p.fvecs" 6 4 77
expect 0 "import 6 vectors" "$CLI" import "$DB" pl "$TMP/p.fvecs" --quiet
expect 0 "set a payload" "$CLI" payload "$DB" pl 0 '{"tag":"a","n":1,"body":"the quick brown fox"}'
expect 0 "set another" "$CLI" payload "$DB" pl 1 '{"tag":"b","n":2,"body":"quick quick dog"}'
expect 0 "and another" "$CLI" payload "$DB" pl 2 '{"tag":"a","n":3,"tags":["x","y"]}'
expect 0 "read a payload" "$CLI" payload "$DB" pl 1
same "$(cat "$TMP/out")" '{"body":"quick quick dog","n":2,"tag":"b"}' "payload prints the stored JSON, keys sorted"
expect 0 "a record without payload" "$CLI" payload "$DB" pl 5
same "$(cat "$TMP/out")" '{}' "no payload prints {}"
expect 1 "a payload with an empty nested field name is refused" "$CLI" payload "$DB" pl 3 '{"o":{"":1}}'
contains "$TMP/err" 'payload field name "o." must be' "the error names the field by its path"
expect 0 "a nested payload" "$CLI" payload "$DB" pl 3 '{"o":{"x":[1,{"y":"z"}]}}'
expect 0 "filter by a path through an array" "$CLI" search "$DB" pl --query "$TMP/p.fvecs" --queries 1 --exact -k 10 --filter '{"o.x.y":"z"}'
same "$(cut -d' ' -f3 "$TMP/out")" "3" "the path reaches the nested field"
expect 1 "payload of a missing id" "$CLI" payload "$DB" pl 99
contains "$TMP/err" 'no record with id "99"' "the error names the id"
expect 0 "keyword index" "$CLI" index "$DB" pl tag keyword
expect 0 "numeric index" "$CLI" index "$DB" pl n numeric
expect 0 "text index" "$CLI" index "$DB" pl body text
expect 1 "a second text field is refused" "$CLI" index "$DB" pl other text
contains "$TMP/err" 'already has a text index' "the error says why"
expect 2 "an unknown index kind" "$CLI" index "$DB" pl tag fuzzy
rows "$TMP/p.fvecs" "$TMP/p0.fvecs" 0 1
expect 0 "filtered search" "$CLI" search "$DB" pl --query "$TMP/p0.fvecs" -k 6 --filter '{"tag":"a"}' --payload
same "$(cut -d' ' -f3 "$TMP/out" | sort | tr '\n' ' ')" "0 2 " "the filter keeps tag a only"
contains "$TMP/out" '"tags":\["x","y"\]' "--payload prints each hit's payload"
expect 0 "range filter" "$CLI" search "$DB" pl --query "$TMP/p0.fvecs" -k 6 --filter '{"n":{"$gte":2,"$lt":3}}'
same "$(cut -d' ' -f3 "$TMP/out" | tr '\n' ' ')" "1 " "a numeric range"
expect 0 "filter with no match" "$CLI" search "$DB" pl --query "$TMP/p0.fvecs" -k 6 --filter '{"tag":"zzz"}'
same "$(wc -l < "$TMP/out" | tr -d ' ')" "0" "no match, no lines"
expect 1 "an unknown filter operator" "$CLI" search "$DB" pl --query "$TMP/p0.fvecs" --filter '{"n":{"$regex":"x"}}'
contains "$TMP/err" 'unknown operator "$regex"' "the error names the operator"
expect 1 "a filter type mismatch" "$CLI" search "$DB" pl --query "$TMP/p0.fvecs" --filter '{"n":{"$gt":[1]}}'
contains "$TMP/err" 'n.$gt' "the error names the path"
expect 0 "mmr with lambda 1" "$CLI" search "$DB" pl --query "$TMP/p0.fvecs" -k 4 --mmr 1
cp "$TMP/out" "$TMP/mmr1"
expect 0 "plain search" "$CLI" search "$DB" pl --query "$TMP/p0.fvecs" -k 4
same "$(cut -d' ' -f3 "$TMP/mmr1" | tr '\n' ' ')" "$(cut -d' ' -f3 "$TMP/out" | tr '\n' ' ')" "MMR at lambda 1 is the plain order"
expect 0 "text search" "$CLI" text-search "$DB" pl "QUICK"
same "$(cut -d' ' -f2 "$TMP/out" | tr '\n' ' ')" "1 0 " "BM25 ranks two 'quick's above one"
expect 0 "text search with a filter" "$CLI" text-search "$DB" pl quick --filter '{"tag":"a"}'
same "$(cut -d' ' -f2 "$TMP/out" | tr '\n' ' ')" "0 " "the filter applies to text search"
expect 0 "drop the numeric index" "$CLI" index "$DB" pl n numeric --drop
expect 1 "drop it again" "$CLI" index "$DB" pl n numeric --drop
contains "$TMP/err" 'no numeric index on "n"' "the error names the missing index"
expect 0 "range filter without the index" "$CLI" search "$DB" pl --query "$TMP/p0.fvecs" -k 6 --filter '{"n":{"$gte":2,"$lt":3}}'
same "$(cut -d' ' -f3 "$TMP/out" | tr '\n' ' ')" "1 " "the same answer without the index"
expect 0 "check with payloads" "$CLI" check "$DB"
expect 0 "compact with payloads" "$CLI" compact "$DB" pl
expect 0 "payload after compact" "$CLI" payload "$DB" pl 2
same "$(cat "$TMP/out")" '{"n":3,"tag":"a","tags":["x","y"]}' "payloads follow their records through compaction"
expect 0 "bench --filter-labels" "$CLI" bench --generate 3000x16 --queries 50 --ef 32 --filter-labels 10 --json
if "$PY" - "$TMP/out" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
ex = [l for l in lines if l.get("mode") == "filtered_exact"]
fl = [l for l in lines if l.get("mode") == "filtered"]
assert len(ex) == 1 and ex[0]["recall"] == 1.0 and ex[0]["short"] == 0, ex
assert len(fl) == 1 and fl[0]["filter_labels"] == 10 and fl[0]["selectivity"] == 0.1, fl
assert fl[0]["recall"] >= 0.9 and fl[0]["short"] == 0 and fl[0]["wrong_label"] == 0, fl
EOF
then ok "bench --filter-labels reports filtered recall against its own filtered truth"; else bad "bench --filter-labels output"; cat "$TMP/out"; fi

mkdir "$TMP/emptydir"
expect 0 "create in an existing empty directory" "$CLI" create "$TMP/emptydir" c --dim 4
mkdir "$TMP/fulldir"; echo x > "$TMP/fulldir/notes.txt"
expect 1 "create in a non-empty directory that is not a database" "$CLI" create "$TMP/fulldir" c --dim 4
contains "$TMP/err" 'not empty' "the error says the directory is not empty"

echo "$checks checks, $fails failed"
[ "$fails" = 0 ]

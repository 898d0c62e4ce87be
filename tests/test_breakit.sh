#!/bin/sh
# test_breakit.sh: the CLI break-it cases of issue #19 ("No silent loss"),
# each scripted as a hostile user ran it, so that they keep passing.
#
#   sh tests/test_breakit.sh path/to/ruvector [CASE...]
#
# One function per case, named case_<item>_<what>, each on a fresh
# database under $TMP; the list at the bottom runs them in order (give
# case names to run only those). To add a case: write a case_ function
# with a comment saying what the issue reported and what must happen now,
# and add its name to CASES. Helpers: expect (exit status), contains
# (output), same (values), fvecs (a random vector file).
set -u
CLI=${1:-build/ruvector}
[ $# -gt 0 ] && shift
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
checks=0

ok() { checks=$((checks + 1)); echo "ok   $1"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $1"; }

# expect STATUS NAME CMD...: run, capture stdout/stderr in $TMP/out and
# $TMP/err, check the exit status
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
# flip FILE OFFSET: flip the lowest bit of one byte (OFFSET < 0: from the end)
flip() {
	"$PY" - "$@" <<'EOF'
import os, sys
path, off = sys.argv[1], int(sys.argv[2])
if off < 0:
    off += os.path.getsize(path)
with open(path, "r+b") as f:
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 1]))
EOF
}
size() { wc -c < "$1" | tr -d ' '; }
# three imports of 100 vectors, one log frame each (acked 100, 200, 300)
three_batches() {
	"$CLI" create "$1" A --dim 8 > /dev/null 2>&1
	fvecs "$TMP/v300.fvecs" 300 8
	"$PY" - "$TMP/v300.fvecs" "$TMP" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read(); rec = 36
for i in range(3):
    open("%s/b%d.fvecs" % (sys.argv[2], i), "wb").write(d[i * 100 * rec:(i + 1) * 100 * rec])
EOF
	for i in 0 1 2; do "$CLI" import "$1" A "$TMP/b$i.fvecs" --batch 100 --quiet > /dev/null; done
}

# Item 1: one flipped bit 40 bytes before the end of the log. The issue:
# count printed 200 (exit 0), search and info said nothing, the next import
# cut the frame for good and check then said ok. Now: every reader, the
# next writer and check fail naming the log and the byte; nothing is cut;
# repair says what it would drop and drops it only with --yes.
case_1_damaged_last_frame() {
	DB=$TMP/flip
	three_batches "$DB"
	LOG=$DB/A/wal-000001.log
	before=$(size "$LOG")
	flip "$LOG" -40
	expect 1 "count on a damaged last frame" "$CLI" count "$DB" A
	contains "$TMP/err" "wal-000001.log: byte [0-9]*:" "count names the log and the byte"
	contains "$TMP/err" "repair" "count says how to repair"
	expect 1 "search on a damaged last frame" "$CLI" search "$DB" A --query "$TMP/b0.fvecs" -k 1
	contains "$TMP/err" "wal-000001.log: byte" "search names the log and the byte"
	expect 1 "info on a damaged last frame" "$CLI" info "$DB"
	contains "$TMP/err" "wal-000001.log: byte" "info names the log and the byte"
	expect 1 "import after a damaged last frame" "$CLI" import "$DB" A "$TMP/b0.fvecs" --quiet
	contains "$TMP/err" "wal-000001.log: byte" "import names the log and the byte"
	same "$(size "$LOG")" "$before" "nothing cut the damaged log"
	expect 1 "check on a damaged last frame" "$CLI" check "$DB"
	contains "$TMP/err" "wal-000001.log: byte" "check names the log and the byte"
	expect 1 "repair without --yes only reports" "$CLI" repair "$DB" A
	contains "$TMP/out" "1 frame (0 intact) holding 100 vectors" "repair says it drops 1 frame of 100 vectors"
	contains "$TMP/out" "--yes" "repair says how to go ahead"
	same "$(size "$LOG")" "$before" "repair without --yes cut nothing"
	expect 0 "repair --yes" "$CLI" repair "$DB" A --yes
	contains "$TMP/out" "dropped" "repair --yes says what it dropped"
	expect 0 "check after repair" "$CLI" check "$DB"
	expect 0 "count after repair" "$CLI" count "$DB" A
	same "$(cat "$TMP/out")" "200" "the 200 vectors before the damage remain"
	expect 0 "repair of a sound log" "$CLI" repair "$DB" A
	contains "$TMP/out" "nothing to repair" "a sound log needs no repair"
}

# Item 1: damage before the last frame (a flipped bit in the first frame)
# was already refused; it still is, by the same rule and message.
case_1_damaged_middle_frame() {
	DB=$TMP/mid
	three_batches "$DB"
	flip "$DB/A/wal-000001.log" 200
	expect 1 "count on a damaged first frame" "$CLI" count "$DB" A
	contains "$TMP/err" "wal-000001.log: byte 64:" "the damage is at the first frame, byte 64"
	expect 1 "check on a damaged first frame" "$CLI" check "$DB"
}

# Item 1, the opposite case: kill -9 during import's first batch leaves a
# partial frame that was never acknowledged. The issue: count 0 (right) but
# check exited 1 ("invalid frame after 0 valid ones"). Now it is a torn
# write by the rule: count 0, check ok, and the next import appends.
case_1_torn_first_batch() {
	DB=$TMP/torn
	"$CLI" create "$DB" A --dim 8 > /dev/null 2>&1
	fvecs "$TMP/v2000.fvecs" 2000 8
	"$CLI" import "$DB" A "$TMP/v2000.fvecs" --quiet > /dev/null
	# the import's one frame, as a kill -9 mid-write leaves it: cut at a page
	"$PY" - "$DB/A/wal-000001.log" <<'EOF'
import os, sys
os.truncate(sys.argv[1], 64 + 4096 * 2)
EOF
	expect 0 "check after a torn first batch" "$CLI" check "$DB"
	expect 0 "count after a torn first batch" "$CLI" count "$DB" A
	same "$(cat "$TMP/out")" "0" "the unacknowledged batch is not there"
	expect 0 "import after a torn first batch" "$CLI" import "$DB" A "$TMP/v2000.fvecs" --quiet
	expect 0 "check after the next import" "$CLI" check "$DB"
	expect 0 "count after the next import" "$CLI" count "$DB" A
	same "$(cat "$TMP/out")" "2000" "the next import's vectors are there"
}

# Item 1, for real: kill -9 an import at a random moment, a few times;
# whatever the moment, check passes and count is a multiple of the batch.
case_1_kill_during_import() {
	DB=$TMP/kill
	"$CLI" create "$DB" A --dim 16 > /dev/null 2>&1
	fvecs "$TMP/v20k.fvecs" 20000 16
	for delay in 0.05 0.2 0.4; do
		"$CLI" import "$DB" A "$TMP/v20k.fvecs" --batch 5000 --quiet > /dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2> /dev/null
		wait "$pid" 2> /dev/null
		expect 0 "check after kill -9 at ${delay}s" "$CLI" check "$DB"
		expect 0 "count after kill -9 at ${delay}s" "$CLI" count "$DB" A
		n=$(cat "$TMP/out")
		same "$((n % 5000))" "0" "count $n is whole batches"
	done
}

# Item 2: rm DB/A/MANIFEST. The issue: check said ok, count said no such
# collection, create A succeeded and removed the segment and log. Now check
# and info report the collection as damaged, count says so, and create
# refuses, leaving the files.
case_2_missing_manifest() {
	DB=$TMP/man
	three_batches "$DB"
	"$CLI" create "$DB" B --dim 8 > /dev/null 2>&1
	rm "$DB/A/MANIFEST"
	LOG=$DB/A/wal-000001.log
	before=$(size "$LOG")
	expect 1 "check with a missing MANIFEST" "$CLI" check "$DB"
	contains "$TMP/err" "A/MANIFEST is missing" "check names the missing MANIFEST"
	expect 1 "info with a missing MANIFEST" "$CLI" info "$DB"
	contains "$TMP/err" "\"A\" is damaged" "info reports the damaged collection"
	contains "$TMP/out" "^B " "info still lists the sound collection"
	expect 1 "count on a collection without MANIFEST" "$CLI" count "$DB" A
	contains "$TMP/err" "damaged" "count says damaged, not no such collection"
	expect 1 "create over a damaged collection" "$CLI" create "$DB" A --dim 8
	contains "$TMP/err" "does not replace it" "create refuses"
	same "$(size "$LOG")" "$before" "create left the log as it was"
}

# Item 2: a collection's directory deleted, or replaced by a file. The
# issue: check said ok.
case_2_missing_directory() {
	DB=$TMP/dir
	"$CLI" create "$DB" A --dim 8 > /dev/null 2>&1
	"$CLI" create "$DB" B --dim 8 > /dev/null 2>&1
	rm -rf "$DB/A"
	expect 1 "check with a deleted collection directory" "$CLI" check "$DB"
	contains "$TMP/err" "directory .*A is missing" "check names the missing directory"
	expect 1 "count on a deleted collection directory" "$CLI" count "$DB" A
	contains "$TMP/err" "damaged" "count says damaged"
	: > "$DB/A"
	expect 1 "check with a collection directory replaced by a file" "$CLI" check "$DB"
	contains "$TMP/err" "not a directory" "check says it is not a directory"
	expect 1 "info with a collection directory replaced by a file" "$CLI" info "$DB"
}

# Item 5: the same 2,000 x 32 file imported twice into a --threads 1
# collection, kill -9 right after the second import's last ack; after
# replay check must pass (the issue saw unreachable slots at 20,000 x 32).
case_5_duplicate_vectors_replayed() {
	DB=$TMP/dup
	"$CLI" create "$DB" A --dim 32 --threads 1 > /dev/null 2>&1
	fvecs "$TMP/v2k32.fvecs" 2000 32
	"$CLI" import "$DB" A "$TMP/v2k32.fvecs" --batch 500 --quiet > /dev/null
	"$PY" - "$CLI" "$DB" "$TMP/v2k32.fvecs" <<'EOF'
import os, signal, subprocess, sys
p = subprocess.Popen([sys.argv[1], "import", sys.argv[2], "A", sys.argv[3], "--batch", "500", "--quiet"],
                     stdout=subprocess.PIPE)
for line in p.stdout:
    if line.strip() == b"acked 2000":
        os.kill(p.pid, signal.SIGKILL)
        break
p.wait()
EOF
	expect 0 "check after replaying duplicate vectors" "$CLI" check "$DB"
	expect 0 "count after replaying duplicate vectors" "$CLI" count "$DB" A
	same "$(cat "$TMP/out")" "4000" "both imports are there"
}

# Item 6: a flipped bit in a block of the segment's vectors. The issue:
# search answered from it; only check noticed. Now the first search that
# reads the block fails naming the segment and the byte; check fails too.
case_6_damaged_vector_block() {
	DB=$TMP/vec
	"$CLI" create "$DB" A --dim 8 > /dev/null 2>&1
	fvecs "$TMP/v3000.fvecs" 3000 8
	"$CLI" import "$DB" A "$TMP/v3000.fvecs" --quiet > /dev/null
	"$CLI" compact "$DB" A > /dev/null 2>&1
	SEG=$(ls "$DB"/A/seg-*.rvs)
	expect 0 "search before the damage" "$CLI" search "$DB" A --query "$TMP/v3000.fvecs" --queries 2 -k 3 --exact
	# section 2 (vectors): the header's entries at 64, 48 bytes each
	"$PY" - "$SEG" <<'EOF2'
import struct, sys
p = sys.argv[1]
h = open(p, "rb").read(4096)
for i in range(32):
    kind, _, off, length = struct.unpack_from("<IIQQ", h, 64 + 48 * i)
    if kind == 2:
        with open(p, "r+b") as f:
            f.seek(off + 70000); b = f.read(1); f.seek(off + 70000); f.write(bytes([b[0] ^ 0x40]))
EOF2
	expect 1 "search over a damaged vector block" "$CLI" search "$DB" A --query "$TMP/v3000.fvecs" --queries 2 -k 3 --exact
	contains "$TMP/err" "seg-[0-9]*.rvs: byte [0-9]*: a block of vectors fails its checksum" "search names the segment and the byte"
	expect 1 "check over a damaged vector block" "$CLI" check "$DB"
	contains "$TMP/err" "seg-[0-9]*.rvs" "check names the segment"
}

# Item 8: a failed `create --quant pq:3` (3 does not divide the dimension)
# left an empty database directory behind. Now the options are checked
# before anything is made.
case_8_failed_create_leaves_nothing() {
	expect 1 "create with pq:3 on dimension 4" "$CLI" create "$TMP/pqdb" A --dim 4 --quant pq:3
	contains "$TMP/err" "pq:3: the number of subspaces must divide the dimension 4" "create names the quantizer's problem"
	if [ -e "$TMP/pqdb" ]; then bad "the failed create left $TMP/pqdb"; else ok "the failed create made no directory"; fi
}

# Item 8: an fvecs path that is a directory read as "truncated at byte 0".
case_8_fvecs_directory() {
	DB=$TMP/dirdb
	"$CLI" create "$DB" A --dim 4 > /dev/null
	mkdir "$TMP/vdir"
	expect 1 "import of a directory" "$CLI" import "$DB" A "$TMP/vdir"
	contains "$TMP/err" "vdir: is a directory, not an fvecs file" "import says it is a directory"
	expect 1 "search with a directory as the query file" "$CLI" search "$DB" A --query "$TMP/vdir"
	contains "$TMP/err" "vdir: is a directory" "search says it is a directory"
}

# Item 8: usage printed twice for an extra argument (search, create,
# import, payload...). Every command now reports a usage error once.
case_8_usage_once() {
	DB=$TMP/usedb
	"$CLI" create "$DB" A --dim 4 > /dev/null
	for args in "search $DB A extra --query q" "create $DB B --dim 4 extra" "import $DB A f extra" \
		"payload $DB A 1 {} extra" "count $DB A extra" "compact $DB A extra" "text-search $DB A t extra" \
		"search $DB A --query q -k zero" "create $DB B --dim" "bench --generate 10x4 --ef 0"; do
		# shellcheck disable=SC2086
		expect 2 "ruvector $args" "$CLI" $args
		same "$(grep -c '^usage:' "$TMP/err")" 1 "ruvector $args prints the usage once"
	done
	expect 2 "an unknown option" "$CLI" search "$DB" A --query q --bogus
	contains "$TMP/err" "ruvector search: unknown option '--bogus'" "the unknown option is named"
	expect 2 "a bad number" "$CLI" search "$DB" A --query q -k zero
	contains "$TMP/err" "ruvector search: -k must be an integer in 1..[0-9]*, not 'zero'" "the bad value is named"
	expect 0 "ids after -- may start with -" "$CLI" count "$DB" -- A
}

CASES="case_1_damaged_last_frame case_1_damaged_middle_frame case_1_torn_first_batch case_1_kill_during_import
case_2_missing_manifest case_2_missing_directory case_5_duplicate_vectors_replayed case_6_damaged_vector_block
case_8_failed_create_leaves_nothing case_8_fvecs_directory case_8_usage_once"
[ $# -gt 0 ] && CASES="$*"
for c in $CASES; do
	echo "# $c"
	$c
done
echo "$checks checks, $fails failed"
[ "$fails" = 0 ]

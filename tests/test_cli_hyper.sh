#!/bin/sh
# test_cli_hyper.sh: the CLI's hypergraph commands from the outside
# (hyperedge, hyper-search, khop, path, hyper-buckets): output formats,
# exit statuses, clear errors for bad input (unknown member, NaN, too many
# members), the delete rule through `delete`, and `check` afterwards.
#
#   sh tests/test_cli_hyper.sh path/to/ruvector
set -u
CLI=${1:-build/ruvector}
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
same() {
	if [ "$1" = "$2" ]; then ok "$3"; else bad "$3: got '$1', want '$2'"; fi
}

DB=$TMP/db
expect 0 "create" "$CLI" create "$DB" g --dim 3
i=0
: > "$TMP/recs.jsonl"
for id in deploy migration flush cache outage; do
	i=$((i + 1))
	echo "{\"id\": \"$id\", \"vector\": [$i, 1, 0]}" >> "$TMP/recs.jsonl"
done
expect 0 "import records" "$CLI" import "$DB" g "$TMP/recs.jsonl"

# 2024-03-01T00:00Z = 1709251200000; 2024-03-04 (Monday) = 1709510400000
expect 0 "write an ordered hyperedge" "$CLI" hyperedge "$DB" g f1 migration flush deploy --ordered \
	--desc "the deploy failed because the migration and the cache flush ran together" \
	--confidence 0.9 --from 1709251200000 --payload '{"kind":"cause"}' --embedding 1,0,0
expect 0 "write a second" "$CLI" hyperedge "$DB" g f2 deploy outage --confidence 0.5 --from 1709510400000 \
	--to 1709596800000 --embedding 0,1,0
expect 0 "print it" "$CLI" hyperedge "$DB" g f1
contains "$TMP/out" '"members":\["migration","flush","deploy"\],"ordered":true' "members in order"
contains "$TMP/out" '"payload":{"kind":"cause"}' "payload as JSON"

expect 1 "unknown member" "$CLI" hyperedge "$DB" g f3 deploy nobody
contains "$TMP/err" 'member "nobody" is no record' "the message names the member"
expect 1 "NaN embedding" "$CLI" hyperedge "$DB" g f3 deploy flush --embedding 1,nan,0
contains "$TMP/err" 'NaN' "the message says NaN"
many=$(seq 0 256 | sed 's/^/m/' | tr '\n' ' ')
# shellcheck disable=SC2086
expect 1 "257 members" "$CLI" hyperedge "$DB" g f3 $many
contains "$TMP/err" '257 members' "the message gives the count"
expect 1 "existing id without --upsert" "$CLI" hyperedge "$DB" g f1 deploy flush
expect 2 "bad confidence" "$CLI" hyperedge "$DB" g f3 deploy flush --confidence 2

expect 0 "search at a time" "$CLI" hyper-search "$DB" g --query 1,0.1,0 -k 5 --at 1709550000000
same "$(cut -d' ' -f2 "$TMP/out" | tr '\n' ' ')" "f1 f2 " "both valid on 2024-03-04"
expect 0 "search later: f2 expired" "$CLI" hyper-search "$DB" g --query 0,1,0 -k 5 --at 1709600000000
same "$(cut -d' ' -f2 "$TMP/out" | tr '\n' ' ')" "f1 " "expired f2 left out"
expect 0 "search with a filter" "$CLI" hyper-search "$DB" g --query 0,1,0 -k 5 --any --filter '{"kind":"cause"}'
same "$(cut -d' ' -f2 "$TMP/out" | tr '\n' ' ')" "f1 " "the filter applies"

expect 0 "khop" "$CLI" khop "$DB" g migration -k 2
# equal confidence: the shorter id first
same "$(cut -d' ' -f1,2 "$TMP/out" | tr '\n' ' ')" "1 flush 1 deploy 2 outage " "hops in order"
expect 0 "khop with a fan-out cap" "$CLI" khop "$DB" g migration -k 2 --fanout 1
# deploy, left out at hop 1 by the cap, is reached at hop 2 through flush
same "$(cut -d' ' -f1,2 "$TMP/out" | tr '\n' ' ')" "1 flush 2 deploy " "capped hop"
expect 0 "path" "$CLI" path "$DB" g migration outage
same "$(cut -d' ' -f2,4 "$TMP/out" | tr '\n' ' ')" "migration - deploy f1 outage f2 " "path and hyperedges"
contains "$TMP/out" '^2 outage 0.4499' "product of confidences (0.9 x 0.5)"
expect 1 "path from nobody" "$CLI" path "$DB" g nobody outage

expect 0 "buckets by week" "$CLI" hyper-buckets "$DB" g 1709251200000 1710000000000 week
same "$(sed -n 1p "$TMP/out")" "1708905600000 2024-02-26 1" "ISO week from Monday 26 Feb"
same "$(sed -n 2p "$TMP/out")" "1709510400000 2024-03-04 1" "next week"
expect 0 "buckets by month" "$CLI" hyper-buckets "$DB" g 1706745600000 1711929600000 month
same "$(cut -d' ' -f2,3 "$TMP/out" | tr '\n' ' ')" "2024-02-01 0 2024-03-01 2 " "calendar months"
expect 2 "unknown unit" "$CLI" hyper-buckets "$DB" g 0 1 year

# the delete rule: a member leaves f1 (3 -> 2), then f1 goes with the next
expect 0 "delete a member record" "$CLI" delete "$DB" g flush
expect 0 "f1 keeps two" "$CLI" hyperedge "$DB" g f1
contains "$TMP/out" '"members":\["migration","deploy"\]' "f1 lost flush"
expect 0 "delete another" "$CLI" delete "$DB" g migration
expect 1 "f1 is gone" "$CLI" hyperedge "$DB" g f1
expect 0 "delete f2" "$CLI" hyperedge "$DB" g f2 --delete
expect 1 "f2 is gone" "$CLI" hyperedge "$DB" g f2
expect 0 "check" "$CLI" check "$DB"

echo "$checks checks, $fails failed"
[ "$fails" = 0 ]

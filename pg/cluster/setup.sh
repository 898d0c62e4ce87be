#!/bin/sh
# ruvector cluster kit: create a sharded table in one go.
#
#   sh setup.sh TABLE DIM COORDINATOR SHARD...
#
# COORDINATOR and each SHARD are libpq connection strings ("host=10.0.0.1
# port=5432 dbname=app user=app"); a SHARD may name a primary and its
# standbys ("host=10.0.0.2,10.0.0.3 port=5432,5432 dbname=app"). The
# coordinator connects to shards with the same strings. Environment:
# M and EFC (index options, default 16 and 64), REMOTE_USER (the role the
# coordinator uses on the shards, default the coordinator's current user),
# REMOTE_PASSWORD (needed unless that role is a superuser).
set -eu
[ $# -ge 4 ] || { echo "usage: setup.sh TABLE DIM COORDINATOR SHARD..." >&2; exit 2; }
kit=$(cd "$(dirname "$0")" && pwd)
tbl=$1 dim=$2 coord=$3
shift 3
i=0
arr=""
for shard in "$@"; do
	psql -X -q -d "$shard" -v part="${tbl}_p$i" -v dim="$dim" -v m="${M:-16}" -v efc="${EFC:-64}" -f "$kit/shard.sql"
	esc=$(printf '%s' "$shard" | sed "s/'/''/g")
	arr="$arr${arr:+, }'$esc'"
	i=$((i + 1))
done
psql -X -q -d "$coord" -f "$kit/coordinator.sql"
user=${REMOTE_USER:+"'$(printf '%s' "$REMOTE_USER" | sed "s/'/''/g")'"}
pass=${REMOTE_PASSWORD:+"'$(printf '%s' "$REMOTE_PASSWORD" | sed "s/'/''/g")'"}
psql -X -q -d "$coord" -v ON_ERROR_STOP=1 \
	-c "CALL ruvector_cluster_create('$tbl', $dim, ARRAY[$arr]${user:+, remote_user => $user}${pass:+, remote_password => $pass})"
echo "setup.sh: $tbl ($dim dimensions) on $i shards"

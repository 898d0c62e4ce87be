#!/bin/sh
# make bench-pg: ruvector's ruhnsw beside pgvector 0.8.6's hnsw on the same
# PostgreSQL 15 server, data and SQL session (pg/README.md has the figures).
#
#   sh pg/bench/run.sh [N_BASE [N_QUERY]]     defaults 100000 200
#
# Data: the first N_BASE vectors of sift-wp-100k-128-l2 and N_QUERY of its
# queries from ../shared (RUVECTOR_SHARED overrides), or generated ones.
# pgvector is built from ../shared/peers/pgvector-0.8.6.tar.gz into the same
# private install tree; without it only ruvector runs. Both indexes use
# m = 16, ef_construction = 64, one build process (no parallel workers),
# shared_buffers large enough to hold both. Ground truth is exact search in
# SQL (a sequential scan). Recall@10 and QPS (queries run one after another
# in one session) for each ef_search, then the same with a 10%-selective
# WHERE (pgvector with hnsw.iterative_scan = relaxed_order).
. "$(dirname "$0")/../test/env.sh"
nb=${1:-100000}
nq=${2:-200}
rv_install
shared=${RUVECTOR_SHARED:-$RV_PG_DIR/../../shared}
tarball="$shared/peers/pgvector-0.8.6.tar.gz"
have_pgv=0
if [ -f "$tarball" ]; then
	tar xzf "$tarball" -C "$RV_TMP"
	make -s -C "$RV_TMP/pgvector-0.8.6" PG_CONFIG="$PG_CONFIG" OPTFLAGS= with_llvm=no >/dev/null
	make -s -C "$RV_TMP/pgvector-0.8.6" PG_CONFIG="$PG_CONFIG" with_llvm=no install DESTDIR="$RV_TMP/inst" >/dev/null
	have_pgv=1
fi
mkdir -p "$RV_TMP/data"
python3 "$RV_PG_DIR/test/make_data.py" "$RV_TMP/data" "$nb" "$nq"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rv_as_pg PATH="$RV_BINDIR:$PATH" initdb -D "$RV_TMP/db" -A trust >/dev/null
cat >>"$RV_TMP/db/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$RV_TMP'
shared_buffers = 1GB
maintenance_work_mem = 1GB
max_parallel_maintenance_workers = 0
max_parallel_workers_per_gather = 0
jit = off
CONF
rv_as_pg PATH="$RV_BINDIR:$PATH" pg_ctl -D "$RV_TMP/db" -l "$RV_TMP/db.log" -w start >/dev/null
trap 'rv_as_pg PATH="$RV_BINDIR:$PATH" pg_ctl -D "$RV_TMP/db" -m immediate stop >/dev/null 2>&1; [ -n "${RV_KEEP:-}" ] || rm -rf "$RV_TMP"' EXIT
rv_as_pg PATH="$RV_BINDIR:$PATH" psql -X -q -h "$RV_TMP" -p "$port" -d postgres -v ON_ERROR_STOP=1 \
	-v datadir="$RV_TMP/data" -v pgv="$have_pgv" -f "$RV_PG_DIR/bench/bench.sql"

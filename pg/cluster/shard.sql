-- ruvector cluster kit: one shard's part of a sharded table.
-- psql variables: part (the partition's table name), dim, m, efc.
--   psql "host=... port=... dbname=..." -v part=items_p0 -v dim=128 -v m=16 -v efc=64 -f shard.sql
\set ON_ERROR_STOP on
CREATE EXTENSION IF NOT EXISTS ruvector;
CREATE TABLE :"part" (id bigint PRIMARY KEY, embedding ruvector(:dim));
CREATE INDEX ON :"part" USING ruhnsw (embedding ruvector_l2_ops) WITH (m = :m, ef_construction = :efc);

-- The benchmark's one SQL session (run.sh). psql variables: datadir, pgv.
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION ruvector;
\if :pgv
CREATE EXTENSION vector;
\endif
SELECT :'datadir' || '/base.tsv' AS base_file, :'datadir' || '/query.tsv' AS query_file \gset
CREATE TABLE rv (id int, v ruvector(128));
CREATE TABLE rq (qid int, v ruvector(128));
COPY rv FROM :'base_file';
COPY rq FROM :'query_file';
ALTER TABLE rv SET (autovacuum_enabled = off);

-- exact answers, plain and with the 10%-selective filter
CREATE TABLE gt AS SELECT rq.qid, x.id FROM rq CROSS JOIN LATERAL
	(SELECT id FROM rv ORDER BY v <-> rq.v, id LIMIT 10) x;
CREATE TABLE gtf AS SELECT rq.qid, x.id FROM rq CROSS JOIN LATERAL
	(SELECT id FROM rv WHERE id % 10 = 7 ORDER BY v <-> rq.v, id LIMIT 10) x;

CREATE TABLE results (engine text, what text, ef int, recall float8, qps float8);
CREATE TABLE builds (engine text, seconds float8, bytes bigint);

-- Time one sweep point: every query once, in this session; recall@10 from
-- the answers. sql returns (qid, id) for all queries.
CREATE FUNCTION bench_point(engine text, what text, guc text, ef int, sql text, truth text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; secs float8; nq int; hit int;
BEGIN
	PERFORM set_config(guc, ef::text, false);
	DROP TABLE IF EXISTS got;
	t0 := clock_timestamp();
	EXECUTE 'CREATE TEMP TABLE got AS ' || sql;
	secs := extract(epoch FROM clock_timestamp() - t0);
	SELECT count(DISTINCT qid) INTO nq FROM got;
	EXECUTE format('SELECT count(*) FROM got JOIN %I USING (qid, id)', truth) INTO hit;
	INSERT INTO results VALUES (engine, what, ef, hit / (nq * 10.0), nq / secs);
END $$;

CREATE FUNCTION bench_build(engine text, sql text, idx text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz;
BEGIN
	t0 := clock_timestamp();
	EXECUTE sql;
	INSERT INTO builds VALUES (engine, extract(epoch FROM clock_timestamp() - t0), pg_relation_size(idx));
END $$;

SET enable_seqscan = off;
SELECT bench_build('ruvector', 'CREATE INDEX rv_idx ON rv USING ruhnsw (v) WITH (m = 16, ef_construction = 64)', 'rv_idx');
SELECT bench_point('ruvector', 'plain', 'ruvector.ef_search', ef,
	'SELECT rq.qid, x.id FROM rq CROSS JOIN LATERAL (SELECT id FROM rv ORDER BY v <-> rq.v LIMIT 10) x', 'gt')
	FROM unnest(ARRAY[10, 20, 40, 80, 160]) ef;
SELECT bench_point('ruvector', 'where 10%', 'ruvector.ef_search', ef,
	'SELECT rq.qid, x.id FROM rq CROSS JOIN LATERAL (SELECT id FROM rv WHERE id % 10 = 7 ORDER BY v <-> rq.v LIMIT 10) x', 'gtf')
	FROM unnest(ARRAY[40, 80, 160]) ef;
SELECT bench_build('ruvector int8', 'CREATE INDEX rv_i8 ON rv USING ruhnsw (v) WITH (m = 16, ef_construction = 64, codes = ''int8'')', 'rv_i8');
DROP INDEX rv_idx;
SELECT bench_point('ruvector int8', 'plain', 'ruvector.ef_search', ef,
	'SELECT rq.qid, x.id FROM rq CROSS JOIN LATERAL (SELECT id FROM rv ORDER BY v <-> rq.v LIMIT 10) x', 'gt')
	FROM unnest(ARRAY[20, 40, 80, 160]) ef;
DROP INDEX rv_i8;

\if :pgv
CREATE TABLE pv (id int, v vector(128));
CREATE TABLE pq (qid int, v vector(128));
INSERT INTO pv SELECT id, v::text::vector FROM rv;
INSERT INTO pq SELECT qid, v::text::vector FROM rq;
ALTER TABLE pv SET (autovacuum_enabled = off);
SELECT bench_build('pgvector', 'CREATE INDEX pv_idx ON pv USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64)', 'pv_idx');
SELECT bench_point('pgvector', 'plain', 'hnsw.ef_search', ef,
	'SELECT pq.qid, x.id FROM pq CROSS JOIN LATERAL (SELECT id FROM pv ORDER BY v <-> pq.v LIMIT 10) x', 'gt')
	FROM unnest(ARRAY[10, 20, 40, 80, 160]) ef;
SET hnsw.iterative_scan = relaxed_order;
SELECT bench_point('pgvector', 'where 10%', 'hnsw.ef_search', ef,
	'SELECT pq.qid, x.id FROM pq CROSS JOIN LATERAL (SELECT id FROM pv WHERE id % 10 = 7 ORDER BY v <-> pq.v LIMIT 10) x', 'gtf')
	FROM unnest(ARRAY[40, 80, 160]) ef;
\endif

\echo
\echo builds (one process, m = 16, ef_construction = 64)
SELECT engine, round(seconds::numeric, 1) AS build_s, pg_size_pretty(bytes) AS index_size FROM builds;
\echo queries (one session, recall@10 against exact search)
SELECT engine, what, ef, round(recall::numeric, 4) AS recall, round(qps::numeric, 0) AS qps FROM results ORDER BY engine, what, ef;

-- recall@10 of ruhnsw against exact search: 10,000 SIFT vectors (or
-- generated ones without ../shared), 100 queries, for L2; then after
-- deleting a tenth, VACUUM and inserting them back.
\getenv datadir RUVECTOR_DATA
SELECT :'datadir' || '/base.tsv' AS base_file, :'datadir' || '/query.tsv' AS query_file \gset
CREATE TABLE sift (id int, v ruvector(128));
CREATE TABLE q (qid int, v ruvector(128));
COPY sift FROM :'base_file';
COPY q FROM :'query_file';
SELECT count(*) FROM sift;

-- exact answers, by a sequential scan
CREATE TABLE truth AS SELECT q.qid, x.id FROM q CROSS JOIN LATERAL
	(SELECT id FROM sift ORDER BY v <-> q.v, id LIMIT 10) x;

-- build on 9,000 rows, insert the last 1,000 through aminsert
CREATE TABLE later AS SELECT * FROM sift WHERE id >= 9000;
DELETE FROM sift WHERE id >= 9000;
CREATE INDEX sift_idx ON sift USING ruhnsw (v ruvector_l2_ops) WITH (m = 16, ef_construction = 64);
INSERT INTO sift SELECT * FROM later;
SET ruvector.ef_search = 64;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT q.qid, x.id FROM q CROSS JOIN LATERAL (SELECT id FROM sift ORDER BY v <-> q.v LIMIT 10) x;
CREATE TABLE approx AS SELECT q.qid, x.id FROM q CROSS JOIN LATERAL
	(SELECT id FROM sift ORDER BY v <-> q.v LIMIT 10) x;
SELECT count(*) = 1000 AS all_rows, (SELECT count(*) FROM approx a JOIN truth t USING (qid, id)) / 1000.0 >= 0.95 AS recall_ok
	FROM approx;
SELECT bad_links, entry_ok, unreachable FROM ruhnsw_check('sift_idx');

-- delete a tenth, VACUUM (repair), insert them back: recall holds
CREATE TABLE gone AS SELECT * FROM sift WHERE id % 10 = 3;
DELETE FROM sift WHERE id % 10 = 3;
VACUUM sift;
-- A repair may strand a few nodes (their every in-link pointed at deleted
-- ones): at most 1% here.
SELECT deleted = 1000 AS marked, bad_links, entry_ok, unreachable * 100 <= nodes - deleted AS mostly_reachable
	FROM ruhnsw_check('sift_idx');
DROP TABLE approx;
CREATE TABLE approx AS SELECT q.qid, x.id FROM q CROSS JOIN LATERAL
	(SELECT id FROM sift ORDER BY v <-> q.v LIMIT 10) x;
CREATE TABLE truth2 AS SELECT q.qid, x.id FROM q CROSS JOIN LATERAL
	(SELECT id FROM sift ORDER BY v <-> q.v, id LIMIT 10) x WHERE false;
SET enable_seqscan = on; SET enable_indexscan = off;
INSERT INTO truth2 SELECT q.qid, x.id FROM q CROSS JOIN LATERAL
	(SELECT id FROM sift ORDER BY v <-> q.v, id LIMIT 10) x;
SET enable_seqscan = off; SET enable_indexscan = on;
SELECT (SELECT count(*) FROM approx a JOIN truth2 t USING (qid, id)) / 1000.0 >= 0.95 AS recall_after_delete_ok;
INSERT INTO sift SELECT * FROM gone;
DROP TABLE approx;
CREATE TABLE approx AS SELECT q.qid, x.id FROM q CROSS JOIN LATERAL
	(SELECT id FROM sift ORDER BY v <-> q.v LIMIT 10) x;
SELECT (SELECT count(*) FROM approx a JOIN truth t USING (qid, id)) / 1000.0 >= 0.95 AS recall_after_reinsert_ok;

-- a 10%-selective WHERE still returns 10 rows per query, and they are the
-- exact ones mostly
CREATE TABLE approx_w AS SELECT q.qid, x.id FROM q CROSS JOIN LATERAL
	(SELECT id FROM sift WHERE id % 10 = 7 ORDER BY v <-> q.v LIMIT 10) x;
SET enable_indexscan = off; SET enable_seqscan = on;
CREATE TABLE truth_w AS SELECT q.qid, x.id FROM q CROSS JOIN LATERAL
	(SELECT id FROM sift WHERE id % 10 = 7 ORDER BY v <-> q.v, id LIMIT 10) x;
SELECT (SELECT count(*) FROM approx_w) = 1000 AS all_rows,
	(SELECT count(*) FROM approx_w a JOIN truth_w t USING (qid, id)) / 1000.0 >= 0.90 AS filtered_recall_ok;

-- int8 codes (the core's scalar quantizer, trained at build): under half
-- the index size, the same recall bar
SET enable_seqscan = off; SET enable_indexscan = on;
CREATE INDEX sift_i8 ON sift USING ruhnsw (v) WITH (codes = 'int8');
SELECT pg_relation_size('sift_i8') * 2 < pg_relation_size('sift_idx') AS smaller;
DROP INDEX sift_idx;
EXPLAIN (COSTS OFF) SELECT id FROM sift ORDER BY v <-> (SELECT v FROM q LIMIT 1) LIMIT 10;
DROP TABLE approx;
CREATE TABLE approx AS SELECT q.qid, x.id FROM q CROSS JOIN LATERAL
	(SELECT id FROM sift ORDER BY v <-> q.v LIMIT 10) x;
SELECT (SELECT count(*) FROM approx a JOIN truth t USING (qid, id)) / 1000.0 >= 0.95 AS int8_recall_ok;
-- inserts after the build are encoded with the trained ranges
DELETE FROM sift WHERE id % 10 = 5;
VACUUM sift;
INSERT INTO sift SELECT id + 100000, v FROM later;
SELECT bad_links, entry_ok FROM ruhnsw_check('sift_i8');

-- The ruhnsw access method: options, plans, every operator class, inserts
-- after the build, ordered scans under a WHERE, errors, VACUUM.
SET enable_seqscan = off;
CREATE TABLE items (id int PRIMARY KEY, v ruvector(3));
INSERT INTO items VALUES (1, '[1,1,1]'), (2, '[2,2,2]'), (3, '[1,1,2]'), (4, '[9,9,9]'), (5, NULL);

CREATE INDEX items_l2 ON items USING ruhnsw (v ruvector_l2_ops) WITH (m = 4, ef_construction = 10);
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[1,1,1]' LIMIT 3;
SELECT id FROM items ORDER BY v <-> '[1,1,1]' LIMIT 3;
-- more rows than the scan's first beam: the iterative scan finds them all
SET ruvector.ef_search = 1;
SELECT id FROM items ORDER BY v <-> '[1,1,1]' LIMIT 10;
SELECT id FROM items WHERE id >= 4 ORDER BY v <-> '[1,1,1]' LIMIT 2;
RESET ruvector.ef_search;
SHOW ruvector.ef_search;
-- inserts after the build
INSERT INTO items VALUES (6, '[1,1,1.1]'), (7, '[8,8,8]');
SELECT id FROM items ORDER BY v <-> '[1,1,1]' LIMIT 3;
-- a query of the wrong dimension
SELECT id FROM items ORDER BY v <-> '[1,1]' LIMIT 3;
-- NULL query: every row still comes back
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> NULL LIMIT 10) s;
-- deletes and VACUUM
DELETE FROM items WHERE id IN (1, 6);
VACUUM items;
SELECT id FROM items ORDER BY v <-> '[1,1,1]' LIMIT 3;
SELECT nodes, deleted, bad_links, entry_ok, unreachable FROM ruhnsw_check('items_l2');
DROP INDEX items_l2;

-- inner product and cosine
CREATE INDEX items_ip ON items USING ruhnsw (v ruvector_ip_ops);
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <#> '[1,1,1]' LIMIT 2;
SELECT id FROM items ORDER BY v <#> '[1,1,1]' LIMIT 2;
CREATE INDEX items_cos ON items USING ruhnsw (v ruvector_cosine_ops);
SELECT id FROM items ORDER BY v <=> '[1,1,2]' LIMIT 1;

-- options and columns it refuses
CREATE INDEX ON items USING ruhnsw (v) WITH (m = 1);
CREATE INDEX ON items USING ruhnsw (v) WITH (ef_construction = 2);
CREATE INDEX ON items USING ruhnsw (v) WITH (nope = 2);
CREATE TABLE nodim (v ruvector);
CREATE INDEX ON nodim USING ruhnsw (v);
INSERT INTO items VALUES (8, '[1,NaN,1]');
-- an empty table, then rows
CREATE TABLE e (v ruvector(2));
CREATE INDEX e_idx ON e USING ruhnsw (v);
SELECT * FROM e ORDER BY v <-> '[0,0]' LIMIT 1;
INSERT INTO e SELECT ARRAY[i, i]::real[] FROM generate_series(1, 50) i;
SELECT v FROM e ORDER BY v <-> '[0,0]' LIMIT 3;
-- (a new node's links can push an old one out of every row: a few may end
-- up unreachable; the check counts them)
SELECT nodes, deleted, bad_links, entry_ok, unreachable * 20 <= nodes AS mostly_reachable FROM ruhnsw_check('e_idx');
-- int8 codes: the option's values, and training needs rows
CREATE INDEX ON items USING ruhnsw (v) WITH (codes = 'int16');
CREATE TABLE e8 (v ruvector(2));
CREATE INDEX ON e8 USING ruhnsw (v) WITH (codes = 'int8');
INSERT INTO e8 SELECT ARRAY[i, -i]::real[] FROM generate_series(1, 100) i;
CREATE INDEX e8_idx ON e8 USING ruhnsw (v) WITH (codes = 'int8');
INSERT INTO e8 VALUES ('[1000,1000]');
SELECT v FROM e8 ORDER BY v <-> '[3,-3]' LIMIT 3;
SELECT nodes, bad_links, entry_ok, unreachable * 20 <= nodes AS mostly_reachable FROM ruhnsw_check('e8_idx');

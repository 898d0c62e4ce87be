-- The ruvector type: text and binary I/O, typmod, casts, operators, errors.
CREATE EXTENSION ruvector;

SELECT '[1,2,3]'::ruvector;
SELECT ' [ 1.5 , -2e3,0.25 ] '::ruvector;
SELECT '[]'::ruvector;
SELECT '[1,2'::ruvector;
SELECT '[1,,2]'::ruvector;
SELECT '[1,2]x'::ruvector;
SELECT '1,2'::ruvector;
SELECT '[NaN,1]'::ruvector;
SELECT '[1,Infinity]'::ruvector;
SELECT '[1e39]'::ruvector;
SELECT '[1,2,3]'::ruvector(3);
SELECT '[1,2,3]'::ruvector(2);
SELECT '[1]'::ruvector(0);
SELECT '[1]'::ruvector(16001);
SELECT ruvector_dims('[1,2,3,4]');

-- typmod on a column
CREATE TABLE t (v ruvector(3));
INSERT INTO t VALUES ('[1,2,3]');
INSERT INTO t VALUES ('[1,2]');
INSERT INTO t VALUES (NULL);
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'v';

-- casts from arrays
SELECT ARRAY[1.5, 2, 3]::real[]::ruvector;
SELECT ARRAY[1, 2, 3]::int[]::ruvector(3);
SELECT ARRAY[1.25, 2]::double precision[]::ruvector;
SELECT ARRAY[1.5, 2]::numeric[]::ruvector;
SELECT ARRAY[1, NULL]::real[]::ruvector;
SELECT ARRAY['NaN']::real[]::ruvector;
SELECT ARRAY[1, 2]::real[]::ruvector(3);
SELECT ARRAY[[1, 2], [3, 4]]::real[]::ruvector;
SELECT '[1,2,3]'::ruvector::real[];
INSERT INTO t VALUES (ARRAY[4, 5, 6]::real[]);
SELECT * FROM t ORDER BY v <-> '[0,0,0]';

-- binary I/O round trip
CREATE TABLE b AS SELECT ruvector_send('[1,-2.5,3e-7]') AS bytes;
SELECT bytes FROM b;
\getenv datadir RUVECTOR_DATA
SELECT :'datadir' || '/type.bin' AS bin_file \gset
CREATE TABLE r1 AS SELECT i, ARRAY[i * 0.1, -i / 3.0, 1e-7 * i]::real[]::ruvector(3) AS v FROM generate_series(1, 5) i;
COPY r1 TO :'bin_file' WITH (FORMAT binary);
CREATE TABLE r2 (i int, v ruvector(3));
COPY r2 FROM :'bin_file' WITH (FORMAT binary);
SELECT count(*) AS same FROM r1 JOIN r2 USING (i) WHERE r1.v <-> r2.v = 0 AND r1.v::text = r2.v::text;
-- text round trip is exact (shortest form that reads back to the same float)
SELECT count(*) AS exact FROM r1 WHERE v::text::ruvector <-> v = 0;
CREATE TABLE r3 (i int, v ruvector(2));
COPY r3 FROM :'bin_file' WITH (FORMAT binary);

-- operators
SELECT '[0,0]'::ruvector <-> '[3,4]';
SELECT '[1,2]'::ruvector <#> '[3,4]';
SELECT round(('[1,0]'::ruvector <=> '[0,1]')::numeric, 6), round(('[1,1]'::ruvector <=> '[2,2]')::numeric, 6);
SELECT '[0,0]'::ruvector <=> '[1,1]';
SELECT '[1,2]'::ruvector <+> '[4,-2]';
SELECT l2_distance('[1,1]', '[1,1]'), negative_inner_product('[1,2]', '[3,4]'),
       cosine_distance('[1,0]', '[-1,0]'), l1_distance('[0]', '[-7]');
SELECT '[1,2]'::ruvector <-> '[1,2,3]';

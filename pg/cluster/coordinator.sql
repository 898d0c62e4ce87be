-- ruvector cluster kit: the coordinator's procedures. Load once per
-- coordinator database (psql -f coordinator.sql); needs the extensions
-- postgres_fdw and ruvector there.
\set ON_ERROR_STOP on
CREATE EXTENSION IF NOT EXISTS postgres_fdw;
CREATE EXTENSION IF NOT EXISTS ruvector;

-- ruvector_cluster_create(tbl, dim, shards [, remote_user, remote_password]):
-- a table tbl (id bigint, embedding ruvector(dim)) hash-partitioned on id
-- into one foreign partition per shard. shards[i] is a libpq connection
-- string of keyword=value pairs (host, port, dbname, ...); host and port may
-- list a primary and its standbys ('host=a,b port=5432,5432'), which libpq
-- tries in order. Each shard must already hold the table tbl_p<i-1> (shard.sql).
-- Each server gets extensions 'ruvector' (so ruvector operators and
-- constants are shipped to the shard instead of the shard's rows to the
-- coordinator), async_capable 'true' (shards scanned concurrently) and
-- batch_size '100' (inserts sent in batches).
CREATE OR REPLACE PROCEDURE ruvector_cluster_create(tbl text, dim integer, shards text[],
	remote_user text DEFAULT current_user, remote_password text DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
	n integer := coalesce(array_length(shards, 1), 0);
	srv text;
	opts text;
BEGIN
	IF n = 0 THEN
		RAISE EXCEPTION 'ruvector_cluster_create: no shards given';
	END IF;
	EXECUTE format('CREATE TABLE %I (id bigint NOT NULL, embedding ruvector(%s)) PARTITION BY HASH (id)', tbl, dim);
	FOR i IN 1..n LOOP
		srv := format('%s_shard%s', tbl, i - 1);
		SELECT string_agg(format('%I %L', split_part(kv, '=', 1), substr(kv, strpos(kv, '=') + 1)), ', ')
			INTO opts FROM regexp_split_to_table(trim(shards[i]), '\s+') AS kv;
		IF opts IS NULL OR position('=' IN shards[i]) = 0 THEN
			RAISE EXCEPTION 'ruvector_cluster_create: shard % is not a keyword=value connection string: "%"', i, shards[i];
		END IF;
		EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER postgres_fdw OPTIONS (%s, extensions %L, async_capable %L, batch_size %L)',
			srv, opts, 'ruvector', 'true', '100');
		EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (user %L%s)', srv, remote_user,
			CASE WHEN remote_password IS NULL THEN '' ELSE format(', password %L', remote_password) END);
		EXECUTE format('CREATE FOREIGN TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS %s, REMAINDER %s) SERVER %I OPTIONS (table_name %L)',
			format('%s_p%s', tbl, i - 1), tbl, n, i - 1, srv, format('%s_p%s', tbl, i - 1));
	END LOOP;
END $$;

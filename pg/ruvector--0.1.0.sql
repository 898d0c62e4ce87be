-- ruvector 0.1.0: the type, its operators, the ruhnsw access method.
\echo Use "CREATE EXTENSION ruvector" to load this file. \quit

CREATE TYPE ruvector;

CREATE FUNCTION ruvector_in(cstring, oid, integer) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_out(ruvector) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_typmod_in(cstring[]) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_typmod_out(integer) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_recv(internal, oid, integer) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_send(ruvector) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE ruvector (
	INPUT = ruvector_in,
	OUTPUT = ruvector_out,
	TYPMOD_IN = ruvector_typmod_in,
	TYPMOD_OUT = ruvector_typmod_out,
	RECEIVE = ruvector_recv,
	SEND = ruvector_send,
	STORAGE = external
);

-- casts
CREATE FUNCTION ruvector(ruvector, integer, boolean) RETURNS ruvector
	AS 'MODULE_PATHNAME', 'ruvector_cast' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_ruvector(real[], integer, boolean) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_ruvector(double precision[], integer, boolean) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_ruvector(integer[], integer, boolean) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_ruvector(numeric[], integer, boolean) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_to_float4(ruvector, integer, boolean) RETURNS real[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (ruvector AS ruvector) WITH FUNCTION ruvector(ruvector, integer, boolean) AS IMPLICIT;
CREATE CAST (real[] AS ruvector) WITH FUNCTION array_to_ruvector(real[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (double precision[] AS ruvector) WITH FUNCTION array_to_ruvector(double precision[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (integer[] AS ruvector) WITH FUNCTION array_to_ruvector(integer[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (numeric[] AS ruvector) WITH FUNCTION array_to_ruvector(numeric[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (ruvector AS real[]) WITH FUNCTION ruvector_to_float4(ruvector, integer, boolean) AS IMPLICIT;

-- functions and operators
CREATE FUNCTION ruvector_dims(ruvector) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l2_distance(ruvector, ruvector) RETURNS double precision
	AS 'MODULE_PATHNAME', 'ruvector_l2_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION negative_inner_product(ruvector, ruvector) RETURNS double precision
	AS 'MODULE_PATHNAME', 'ruvector_negative_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cosine_distance(ruvector, ruvector) RETURNS double precision
	AS 'MODULE_PATHNAME', 'ruvector_cosine_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l1_distance(ruvector, ruvector) RETURNS double precision
	AS 'MODULE_PATHNAME', 'ruvector_l1_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR <-> (LEFTARG = ruvector, RIGHTARG = ruvector, FUNCTION = l2_distance, COMMUTATOR = '<->');
CREATE OPERATOR <#> (LEFTARG = ruvector, RIGHTARG = ruvector, FUNCTION = negative_inner_product, COMMUTATOR = '<#>');
CREATE OPERATOR <=> (LEFTARG = ruvector, RIGHTARG = ruvector, FUNCTION = cosine_distance, COMMUTATOR = '<=>');
CREATE OPERATOR <+> (LEFTARG = ruvector, RIGHTARG = ruvector, FUNCTION = l1_distance, COMMUTATOR = '<+>');

-- the access method
CREATE FUNCTION ruhnsw_handler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME' LANGUAGE C;
CREATE ACCESS METHOD ruhnsw TYPE INDEX HANDLER ruhnsw_handler;
COMMENT ON ACCESS METHOD ruhnsw IS 'HNSW graph index over the ruvector core';

CREATE FUNCTION ruhnsw_metric_l2(internal) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhnsw_metric_ip(internal) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhnsw_metric_cosine(internal) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR CLASS ruvector_l2_ops DEFAULT FOR TYPE ruvector USING ruhnsw AS
	OPERATOR 1 <-> (ruvector, ruvector) FOR ORDER BY float_ops,
	FUNCTION 1 ruhnsw_metric_l2(internal);
CREATE OPERATOR CLASS ruvector_ip_ops FOR TYPE ruvector USING ruhnsw AS
	OPERATOR 1 <#> (ruvector, ruvector) FOR ORDER BY float_ops,
	FUNCTION 1 ruhnsw_metric_ip(internal);
CREATE OPERATOR CLASS ruvector_cosine_ops FOR TYPE ruvector USING ruhnsw AS
	OPERATOR 1 <=> (ruvector, ruvector) FOR ORDER BY float_ops,
	FUNCTION 1 ruhnsw_metric_cosine(internal);

-- ruhnsw_check(index): the graph checker (vacuum.c).
CREATE FUNCTION ruhnsw_check(index regclass, OUT nodes bigint, OUT deleted bigint, OUT links bigint,
	OUT bad_links bigint, OUT entry_ok boolean, OUT unreachable bigint)
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;

-- ruvector_topk(table, query, k [, ef]): the k nearest rows of a table whose
-- partitions may be foreign tables on shard servers; every shard searches at
-- once with LIMIT k and ruvector.ef_search = ef, and the answers are merged
-- (topk.c). ef defaults to greatest(ruvector.ef_search, k).
CREATE FUNCTION ruvector_topk(tbl regclass, query ruvector, k integer, ef integer DEFAULT NULL,
	id_column text DEFAULT 'id', vector_column text DEFAULT 'embedding', op text DEFAULT '<->')
	RETURNS TABLE (id bigint, distance double precision)
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE CALLED ON NULL INPUT;

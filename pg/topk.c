/*
 * topk.c: ruvector_topk(table, query, k [, ef]): the nearest k rows of a
 * table whose partitions live on shard servers, asking every shard at once
 * with the LIMIT and the search width pushed down, then merging.
 *
 * Why not a plain ORDER BY on the partitioned table. Through postgres_fdw,
 * PostgreSQL 15 pushes the ORDER BY of a query on a hash-partitioned table
 * to each shard but not the LIMIT, and it never forwards a setting such as
 * ruvector.ef_search: a shard then searches with its own width, and an
 * index scan without a LIMIT returns every row. So this function talks to
 * the shards itself, over libpq, using what postgres_fdw already knows: the
 * foreign server's connection options and the user mapping.
 *
 * Per call: for each leaf partition, a foreign one gets one query on a
 * connection (cached per server for the session, as postgres_fdw does):
 *     SET ruvector.ef_search = <ef>; SELECT id, vec <op> q FROM t
 *     ORDER BY vec <op> q LIMIT k
 * sent to every shard before any answer is read, so the shards search
 * concurrently; a local partition runs the same query through SPI. The
 * answers are merged by distance and the first k returned.
 *
 * ef defaults to the caller's ruvector.ef_search, raised to k: a shard's
 * scan would widen itself for k anyway (scan.c), but one search of width k
 * is cheaper than several narrower ones.
 *
 * Failures. A shard that cannot be reached, or whose query fails, fails the
 * whole call with an error naming the server and libpq's message: never a
 * silent partial answer. A cached connection that broke since its last use
 * (its server restarted, or failed over) is opened again once; the server's
 * `host` and `port` may list a primary and its standbys (libpq multi-host),
 * and libpq then connects to the first one that answers.
 */
#include "ruvector_pg.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "commands/defrem.h"
#include "mb/pg_wchar.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "libpq-fe.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

typedef struct TopkRow {
	double dist;
	int64 id;
} TopkRow;

/* One cached connection per foreign server (and user). */
typedef struct ShardConn {
	Oid server;
	Oid user;
	PGconn *conn;
	struct ShardConn *next;
} ShardConn;

static ShardConn *conns; /* TopMemoryContext */

/* postgres_fdw's own options, which libpq does not know. */
static bool fdw_only(const char *k)
{
	static const char *const skip[] = {"extensions", "async_capable", "fetch_size", "use_remote_estimate",
	                                   "updatable", "truncatable", "fdw_startup_cost", "fdw_tuple_cost",
	                                   "batch_size", "keep_connections", "parallel_commit", "password_required",
	                                   NULL};
	for (int i = 0; skip[i]; i++)
		if (strcmp(k, skip[i]) == 0)
			return true;
	return false;
}

static PGconn *shard_connect(ForeignServer *srv, UserMapping *um)
{
	int n = list_length(srv->options) + list_length(um->options) + 2;
	const char **keys = palloc0(sizeof(char *) * (n + 1));
	const char **vals = palloc0(sizeof(char *) * (n + 1));
	int i = 0;
	bool has_password = false;
	ListCell *lc;
	foreach (lc, srv->options) {
		DefElem *d = lfirst(lc);
		if (fdw_only(d->defname))
			continue;
		keys[i] = d->defname;
		vals[i++] = defGetString(d);
	}
	foreach (lc, um->options) {
		DefElem *d = lfirst(lc);
		if (fdw_only(d->defname))
			continue;
		if (strcmp(d->defname, "password") == 0)
			has_password = true;
		keys[i] = d->defname;
		vals[i++] = defGetString(d);
	}
	/* As postgres_fdw: only a superuser may connect without a password
	 * (it would connect as the server's OS user otherwise). */
	if (!superuser() && !has_password)
		ereport(ERROR, (errcode(ERRCODE_S_R_E_PROHIBITED_SQL_STATEMENT_ATTEMPTED),
		                errmsg("ruvector_topk: a password is required to reach server \"%s\"", srv->servername),
		                errhint("Add a password to the user mapping, as postgres_fdw requires.")));
	keys[i] = "fallback_application_name";
	vals[i++] = "ruvector_topk";
	keys[i] = "client_encoding";
	vals[i++] = GetDatabaseEncodingName();
	PGconn *c = PQconnectdbParams(keys, vals, false);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		char *msg = pstrdup(c ? PQerrorMessage(c) : "out of memory");
		if (c)
			PQfinish(c);
		ereport(ERROR, (errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
		                errmsg("ruvector_topk: cannot reach shard server \"%s\"", srv->servername),
		                errdetail_internal("%s", msg)));
	}
	return c;
}

static ShardConn *shard_conn(Oid server, Oid user, bool fresh)
{
	ShardConn *s;
	for (s = conns; s; s = s->next)
		if (s->server == server && s->user == user)
			break;
	if (!s) {
		s = MemoryContextAllocZero(TopMemoryContext, sizeof *s);
		s->server = server;
		s->user = user;
		s->next = conns;
		conns = s;
	}
	if (s->conn && (fresh || PQstatus(s->conn) != CONNECTION_OK)) {
		PQfinish(s->conn);
		s->conn = NULL;
	}
	if (!s->conn)
		s->conn = shard_connect(GetForeignServer(server), GetUserMapping(user, server));
	return s;
}

static const char *check_op(text *op)
{
	char *o = text_to_cstring(op);
	if (strcmp(o, "<->") && strcmp(o, "<#>") && strcmp(o, "<=>") && strcmp(o, "<+>"))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("ruvector_topk: unknown operator \"%s\"", o),
		                errhint("Use <->, <#>, <=> or <+>.")));
	return o;
}

/* The query one partition runs, on the shard's own names. */
static char *part_query(const char *schema, const char *table, const char *idcol, const char *veccol,
                        const char *op, const char *qlit, int k)
{
	return psprintf("SELECT %s::bigint, %s %s %s::ruvector FROM %s.%s ORDER BY %s %s %s::ruvector LIMIT %d",
	                quote_identifier(idcol), quote_identifier(veccol), op, qlit, quote_identifier(schema),
	                quote_identifier(table), quote_identifier(veccol), op, qlit, k);
}

static int row_cmp(const void *a, const void *b)
{
	const TopkRow *x = a, *y = b;
	if (x->dist != y->dist)
		return x->dist < y->dist ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

typedef struct Part {
	Oid relid;
	bool foreign;
	ShardConn *sc;
	char *sql;       /* the SELECT */
	char *server;    /* for messages */
} Part;

static void add_row(TopkRow **rows, int *n, int *cap, int64 id, double d)
{
	if (*n == *cap) {
		*cap *= 2;
		*rows = repalloc(*rows, sizeof(TopkRow) * *cap);
	}
	(*rows)[*n].id = id;
	(*rows)[*n].dist = d;
	(*n)++;
}

/* Send the part's query; false when the connection is broken. */
static bool part_send(Part *p, int ef)
{
	char *sql = psprintf("SET ruvector.ef_search = %d; %s", ef, p->sql);
	return PQsendQuery(p->sc->conn, sql) == 1;
}

/* Read the part's answers into rows; NULL, or libpq's message on failure. */
static char *part_collect(Part *p, TopkRow **rows, int *n, int *cap)
{
	char *err = NULL;
	PGresult *r;
	while ((r = PQgetResult(p->sc->conn)) != NULL) {
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_TUPLES_OK) {
			for (int i = 0; i < PQntuples(r); i++)
				add_row(rows, n, cap, strtoll(PQgetvalue(r, i, 0), NULL, 10), strtod(PQgetvalue(r, i, 1), NULL));
		} else if (st != PGRES_COMMAND_OK && !err) {
			err = pstrdup(PQresultErrorMessage(r));
		}
		PQclear(r);
	}
	if (!err && PQstatus(p->sc->conn) != CONNECTION_OK)
		err = pstrdup(PQerrorMessage(p->sc->conn));
	return err;
}

PG_FUNCTION_INFO_V1(ruvector_topk);
Datum ruvector_topk(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
		                errmsg("ruvector_topk: table, query and k must not be null")));
	Oid rel = PG_GETARG_OID(0);
	RvVector *q = PG_GETARG_RVVECTOR_P(1);
	int k = PG_GETARG_INT32(2);
	int ef = PG_ARGISNULL(3) ? Max(rv_ef_search, k) : PG_GETARG_INT32(3);
	const char *idcol = PG_ARGISNULL(4) ? "id" : text_to_cstring(PG_GETARG_TEXT_PP(4));
	const char *veccol = PG_ARGISNULL(5) ? "embedding" : text_to_cstring(PG_GETARG_TEXT_PP(5));
	const char *op = PG_ARGISNULL(6) ? "<->" : check_op(PG_GETARG_TEXT_PP(6));
	if (k < 1 || k > 100000)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("ruvector_topk: k must be between 1 and 100000, not %d", k)));
	if (ef < 1 || ef > 10000)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("ruvector_topk: ef must be between 1 and 10000, not %d", ef)));

	InitMaterializedSRF(fcinfo, 0);
	ReturnSetInfo *rsi = (ReturnSetInfo *)fcinfo->resultinfo;
	char *qtext = DatumGetCString(DirectFunctionCall1(ruvector_out, PointerGetDatum(q)));
	char *qlit = quote_literal_cstr(qtext);

	/* The leaves: the table itself when it is not partitioned. */
	List *all = find_all_inheritors(rel, AccessShareLock, NULL);
	int np = 0;
	Part *parts = palloc0(sizeof(Part) * list_length(all));
	ListCell *lc;
	foreach (lc, all) {
		Oid r = lfirst_oid(lc);
		char kind = get_rel_relkind(r);
		if (kind != RELKIND_RELATION && kind != RELKIND_FOREIGN_TABLE)
			continue;
		Part *p = &parts[np++];
		p->relid = r;
		if (kind == RELKIND_FOREIGN_TABLE) {
			ForeignTable *ft = GetForeignTable(r);
			const char *schema = get_namespace_name(get_rel_namespace(r)), *table = get_rel_name(r);
			ListCell *oc;
			foreach (oc, ft->options) {
				DefElem *d = lfirst(oc);
				if (strcmp(d->defname, "schema_name") == 0)
					schema = defGetString(d);
				else if (strcmp(d->defname, "table_name") == 0)
					table = defGetString(d);
			}
			p->foreign = true;
			p->server = GetForeignServer(ft->serverid)->servername;
			p->sc = shard_conn(ft->serverid, GetUserId(), false);
			p->sql = part_query(schema, table, idcol, veccol, op, qlit, k);
		} else {
			p->sql = part_query(get_namespace_name(get_rel_namespace(r)), get_rel_name(r), idcol, veccol, op, qlit,
			                    k);
		}
	}

	/* Every shard starts searching before any answer is read. A send that
	 * fails finds a broken cached connection: open it again once. */
	for (int i = 0; i < np; i++)
		if (parts[i].foreign && !part_send(&parts[i], ef)) {
			parts[i].sc = shard_conn(parts[i].sc->server, parts[i].sc->user, true);
			if (!part_send(&parts[i], ef))
				ereport(ERROR, (errcode(ERRCODE_CONNECTION_FAILURE),
				                errmsg("ruvector_topk: shard server \"%s\" failed", parts[i].server),
				                errdetail_internal("%s", PQerrorMessage(parts[i].sc->conn))));
		}

	int n = 0, cap = 64;
	TopkRow *rows = palloc(sizeof(TopkRow) * cap);
	char *first_err = NULL;
	const char *err_server = NULL;
	for (int i = 0; i < np; i++) {
		if (!parts[i].foreign)
			continue;
		int before = n;
		char *volatile err = part_collect(&parts[i], &rows, &n, &cap);
		if (err && PQstatus(parts[i].sc->conn) != CONNECTION_OK) {
			/* The connection died (a restart, a failover): once more on a
			 * new one, which libpq points at whichever host answers. */
			n = before;
			MemoryContext mc = CurrentMemoryContext;
			PG_TRY();
			{
				parts[i].sc = shard_conn(parts[i].sc->server, parts[i].sc->user, true);
				err = NULL;
			}
			PG_CATCH();
			{
				/* no host answers: report the first failure */
				MemoryContextSwitchTo(mc);
				FlushErrorState();
			}
			PG_END_TRY();
			if (!err) {
				if (!part_send(&parts[i], ef))
					err = pstrdup(PQerrorMessage(parts[i].sc->conn));
				else
					err = part_collect(&parts[i], &rows, &n, &cap);
			}
		}
		if (err && !first_err) {
			first_err = err;
			err_server = parts[i].server;
		}
		CHECK_FOR_INTERRUPTS();
	}
	if (first_err)
		ereport(ERROR, (errcode(ERRCODE_CONNECTION_FAILURE),
		                errmsg("ruvector_topk: shard server \"%s\" failed", err_server),
		                errdetail_internal("%s", first_err)));

	/* Local partitions: the same query, here. */
	bool spi = false;
	for (int i = 0; i < np; i++) {
		if (parts[i].foreign)
			continue;
		if (!spi) {
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "ruvector_topk: SPI_connect failed");
			spi = true;
			char *set = psprintf("SELECT set_config('ruvector.ef_search', '%d', true)", ef);
			SPI_execute(set, false, 0);
		}
		if (SPI_execute(parts[i].sql, true, k) != SPI_OK_SELECT)
			elog(ERROR, "ruvector_topk: local query failed");
		for (uint64 r = 0; r < SPI_processed; r++) {
			bool n1, n2;
			Datum id = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &n1);
			Datum d = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &n2);
			if (!n1 && !n2) {
				MemoryContext old = MemoryContextSwitchTo(rsi->econtext->ecxt_per_query_memory);
				add_row(&rows, &n, &cap, DatumGetInt64(id), DatumGetFloat8(d));
				MemoryContextSwitchTo(old);
			}
		}
	}
	if (spi)
		SPI_finish();

	qsort(rows, n, sizeof *rows, row_cmp);
	for (int i = 0; i < n && i < k; i++) {
		Datum v[2] = {Int64GetDatum(rows[i].id), Float8GetDatum(rows[i].dist)};
		bool nulls[2] = {false, false};
		tuplestore_putvalues(rsi->setResult, rsi->setDesc, v, nulls);
	}
	return (Datum)0;
}

/*
 * registry.c: the collections the server has open, by name.
 *
 * Every collection of the database is opened at start (replaying its log:
 * /readyz answers 503 until that is done) and stays open until it is
 * deleted or the server stops. The table is small and searched linearly;
 * callers hold srv.lock (shared to look up, exclusive to add or drop), so
 * nothing here locks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static srv_coll *entry_new(const char *name, rv_collection *c)
{
	srv_coll *sc = calloc(1, sizeof *sc);
	if (!sc)
		return NULL;
	snprintf(sc->name, sizeof sc->name, "%s", name);
	sc->c = c;
	rv_collection_options(c, &sc->opts);
	pthread_mutex_init(&sc->edit, NULL);
	/* payload_schema starts from the indexes the collection has; the core
	 * keeps kinds, not Qdrant's types, so a numeric index shows as float */
	rv_index_desc d[16];
	size_t n = rv_list_indexes(c, d, sizeof d / sizeof d[0]);
	for (size_t i = 0; i < n && i < sizeof d / sizeof d[0]; i++)
		srv_registry_note_index(sc, d[i].key,
		                        d[i].kind == RV_INDEX_NUMERIC ? "float" : d[i].kind == RV_INDEX_TEXT ? "text" : "keyword");
	return sc;
}

static void entry_free(srv_coll *sc)
{
	while (sc->schema) {
		srv_index *x = sc->schema;
		sc->schema = x->next;
		free(x->field);
		free(x);
	}
	pthread_mutex_destroy(&sc->edit);
	free(sc);
}

int srv_registry_add(srv *s, const char *name, rv_collection *c)
{
	if (s->ncolls == SRV_MAX_COLLECTIONS)
		return RV_ENOMEM;
	srv_coll *sc = entry_new(name, c);
	if (!sc)
		return RV_ENOMEM;
	s->colls[s->ncolls++] = sc;
	return RV_OK;
}

int srv_registry_open(srv *s)
{
	size_t need = 0;
	int n = rv_db_list_collections(s->db, NULL, 0, &need);
	char *names = NULL;
	if (n == RV_ERANGE) {
		if (!(names = malloc(need)))
			return RV_ENOMEM;
		n = rv_db_list_collections(s->db, names, need, &need);
	}
	int rc = n < 0 ? n : RV_OK;
	const char *p = names;
	for (int i = 0; rc == RV_OK && i < n; i++, p += strlen(p) + 1) {
		rv_collection *c;
		rc = rv_db_open_collection(s->db, p, &c);
		if (rc != RV_OK)
			fprintf(stderr, "ruvector serve: cannot open collection %s: %s\n", p, rv_db_errmsg(s->db));
		else if ((rc = srv_registry_add(s, p, c)) != RV_OK)
			rv_collection_free(c);
	}
	free(names);
	return rc;
}

void srv_registry_close(srv *s)
{
	for (size_t i = 0; i < s->ncolls; i++) {
		/* Fold each log into its segment so the next start opens fast. */
		int rc = rv_checkpoint(s->colls[i]->c);
		if (rc != RV_OK)
			fprintf(stderr, "ruvector serve: checkpoint of %s failed: %s\n", s->colls[i]->name,
			        rv_errmsg(s->colls[i]->c));
		rv_collection_free(s->colls[i]->c);
		entry_free(s->colls[i]);
	}
	s->ncolls = 0;
}

srv_coll *srv_registry_find(srv *s, const char *name)
{
	for (size_t i = 0; i < s->ncolls; i++)
		if (!strcmp(s->colls[i]->name, name))
			return s->colls[i];
	return NULL;
}

int srv_registry_drop(srv *s, const char *name)
{
	for (size_t i = 0; i < s->ncolls; i++)
		if (!strcmp(s->colls[i]->name, name)) {
			srv_coll *sc = s->colls[i];
			rv_collection_free(sc->c);
			entry_free(sc);
			s->colls[i] = s->colls[--s->ncolls];
			return rv_db_drop_collection(s->db, name);
		}
	return RV_ENOTFOUND;
}

void srv_registry_note_index(srv_coll *sc, const char *field, const char *type)
{
	pthread_mutex_lock(&sc->edit);
	srv_index *x;
	for (x = sc->schema; x; x = x->next)
		if (!strcmp(x->field, field))
			break;
	if (!x && (x = calloc(1, sizeof *x)) && !(x->field = strdup(field))) {
		free(x);
		x = NULL;
	} else if (x && !x->type) {
		x->next = sc->schema;
		sc->schema = x;
	}
	if (x)
		x->type = type;
	pthread_mutex_unlock(&sc->edit);
}

int srv_registry_forget_index(srv_coll *sc, const char *field)
{
	pthread_mutex_lock(&sc->edit);
	int found = 0;
	for (srv_index **pp = &sc->schema; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->field, field)) {
			srv_index *x = *pp;
			*pp = x->next;
			free(x->field);
			free(x);
			found = 1;
			break;
		}
	pthread_mutex_unlock(&sc->edit);
	return found;
}

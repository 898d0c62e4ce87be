/*
 * snapshots.c: Qdrant's collection snapshots over the backup machinery.
 *
 *   POST   /collections/{c}/snapshots               create
 *   GET    /collections/{c}/snapshots               list
 *   GET    /collections/{c}/snapshots/{name}        download
 *   DELETE /collections/{c}/snapshots/{name}        delete
 *   PUT    /collections/{c}/snapshots/recover       recover from {"location": "file://..." | name}
 *   POST   /collections/{c}/snapshots/upload        recover from an uploaded archive
 *                                                   (multipart field "snapshot", or the raw body)
 *
 * A snapshot is a tar (ustar) archive of rv_db_backup()'s copy of the
 * database: consistent while writers go on, every acknowledged write in
 * it. Snapshots live beside the database, in DB.snapshots/COLLECTION/.
 *
 * Recovery never trusts the archive. It is unpacked into a fresh directory
 * under DB.snapshots/ (mkdtemp), entry by entry: only regular files and
 * directories, names of at most two components of [A-Za-z0-9._-] (so no
 * "..", no absolute path, no link), each file created with O_EXCL |
 * O_NOFOLLOW, every header checksum checked and every size bounded by the
 * archive's length. The copy is then opened as a database, read-only,
 * like any other: a damaged one fails its checksums there. The collection
 * of the same name (or the only one) is copied record by record through
 * the public API into a new collection that replaces the target, so the
 * live database's files are only ever written by the core. Payload
 * indexes are not carried over (the API cannot list them): create them
 * again after a recovery.
 *
 * Snapshot names from requests must be plain names ending in ".snapshot";
 * anything with a '/' or ".." is 400 before any file is touched.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* ---- names and directories ---- */

/* out = a + sep + b, or "" when it does not fit (then every later open
 * fails and says so); a helper rather than snprintf so that the lengths
 * need no proof to the compiler. */
static void join(char *out, size_t size, const char *a, const char *sep, const char *b)
{
	size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
	if (la + ls + lb + 1 > size) {
		out[0] = '\0';
		return;
	}
	memcpy(out, a, la);
	memcpy(out + la, sep, ls);
	memcpy(out + la + ls, b, lb + 1);
}

static bool plain_name(const char *s, size_t n)
{
	if (n == 0 || n > 200 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return false;
	}
	return strstr(s, "..") == NULL || (size_t)(strstr(s, "..") - s) >= n;
}

static bool snapshot_name_ok(const char *name)
{
	size_t n = strlen(name);
	return plain_name(name, n) && n > 9 && !strcmp(name + n - 9, ".snapshot");
}

static int mkdirs(const char *path)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void coll_dir(srv *s, const char *coll, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", s->snap_dir, coll);
}

/* ---- tar ---- */

static void octal(char *field, size_t width, unsigned long long v)
{
	snprintf(field, width, "%0*llo", (int)width - 1, v);
}

static unsigned checksum(const unsigned char *h)
{
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum;
}

static int tar_header(FILE *out, const char *name, char type, unsigned long long size)
{
	unsigned char h[512];
	memset(h, 0, sizeof h);
	if (strlen(name) >= 100)
		return -1;
	memcpy(h, name, strlen(name));
	octal((char *)h + 100, 8, type == '5' ? 0755 : 0644);
	octal((char *)h + 108, 8, 0);
	octal((char *)h + 116, 8, 0);
	octal((char *)h + 124, 12, size);
	octal((char *)h + 136, 12, (unsigned long long)time(NULL));
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	snprintf((char *)h + 148, 8, "%06o", checksum(h));
	h[155] = ' ';
	return fwrite(h, 1, 512, out) == 512 ? 0 : -1;
}

static int tar_file(FILE *out, const char *path, const char *name)
{
	FILE *in = fopen(path, "rb");
	if (!in)
		return -1;
	struct stat st;
	int rc = fstat(fileno(in), &st) ? -1 : tar_header(out, name, '0', (unsigned long long)st.st_size);
	char buf[65536];
	unsigned long long total = 0;
	size_t n;
	while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0) {
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
		total += n;
	}
	fclose(in);
	static const char zeros[512];
	if (rc == 0 && total != (unsigned long long)st.st_size)
		rc = -1;
	if (rc == 0 && total % 512 && fwrite(zeros, 1, 512 - total % 512, out) != 512 - total % 512)
		rc = -1;
	return rc;
}

/* Archive the backup directory dir (files, and directories of files). */
static int tar_dir(FILE *out, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4400];
		join(path, sizeof path, dir, "/", e->d_name);
		struct stat st;
		if (lstat(path, &st))
			rc = -1;
		else if (S_ISREG(st.st_mode))
			rc = tar_file(out, path, e->d_name);
		else if (S_ISDIR(st.st_mode)) {
			char name[300];
			join(name, sizeof name, e->d_name, "/", "");
			rc = tar_header(out, name, '5', 0);
			DIR *sub = rc ? NULL : opendir(path);
			struct dirent *f;
			while (sub && rc == 0 && (f = readdir(sub))) {
				if (f->d_name[0] == '.')
					continue;
				char fpath[4800];
				join(fpath, sizeof fpath, path, "/", f->d_name);
				join(name, sizeof name, e->d_name, "/", f->d_name);
				if (!lstat(fpath, &st) && S_ISREG(st.st_mode))
					rc = tar_file(out, fpath, name);
			}
			if (sub)
				closedir(sub);
		}
	}
	closedir(d);
	static const char zeros[1024];
	if (rc == 0 && fwrite(zeros, 1, 1024, out) != 1024)
		rc = -1;
	return rc;
}

/* Unpack an archive held in memory into the empty directory dest. */
static int untar(const unsigned char *a, size_t len, const char *dest, char *why, size_t ws)
{
	size_t off = 0;
	while (off + 512 <= len) {
		const unsigned char *h = a + off;
		bool zero = true;
		for (int i = 0; i < 512 && zero; i++)
			zero = h[i] == 0;
		if (zero)
			return 0;
		char field[13];
		memcpy(field, h + 148, 8);
		field[8] = '\0';
		if (strtoul(field, NULL, 8) != checksum(h) || memcmp(h + 257, "ustar", 5)) {
			snprintf(why, ws, "byte %zu: not a tar header (checksum or magic)", off);
			return -1;
		}
		memcpy(field, h + 124, 12);
		field[12] = '\0';
		char *end;
		unsigned long long size = strtoull(field, &end, 8);
		char name[101];
		memcpy(name, h, 100);
		name[100] = '\0';
		char type = (char)h[156];
		off += 512;
		if (h[345] != 0) {
			snprintf(why, ws, "entry \"%s\": prefixed names are not accepted", name);
			return -1;
		}
		if (size > len - off) {
			snprintf(why, ws, "entry \"%s\": %llu bytes, past the end of the archive", name, size);
			return -1;
		}
		/* one or two plain components; a directory ends with '/' */
		size_t n = strlen(name);
		if (type == '5' && n && name[n - 1] == '/')
			name[--n] = '\0';
		char *slash = strchr(name, '/');
		bool ok = slash ? plain_name(name, (size_t)(slash - name)) && plain_name(slash + 1, strlen(slash + 1)) &&
		                       !strchr(slash + 1, '/')
		                : plain_name(name, n);
		if (!ok || (type == '5' && slash)) {
			snprintf(why, ws, "entry \"%.100s\": not a plain name inside the archive", name);
			return -1;
		}
		char path[4400];
		join(path, sizeof path, dest, "/", name);
		if (type == '5') {
			if (mkdir(path, 0755) && errno != EEXIST) {
				snprintf(why, ws, "cannot create %s: %s", name, strerror(errno));
				return -1;
			}
		} else if (type == '0' || type == '\0') {
			int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (fd < 0) {
				snprintf(why, ws, "cannot create %s: %s", name, strerror(errno));
				return -1;
			}
			size_t done = 0;
			while (done < size) {
				ssize_t w = write(fd, a + off + done, size - done);
				if (w <= 0) {
					close(fd);
					snprintf(why, ws, "cannot write %s: %s", name, strerror(errno));
					return -1;
				}
				done += (size_t)w;
			}
			close(fd);
		} else {
			snprintf(why, ws, "entry \"%s\": type '%c' (only files and directories are accepted)", name, type);
			return -1;
		}
		off += (size + 511) / 512 * 512;
	}
	snprintf(why, ws, "the archive ends without its end marker");
	return -1;
}

/* ---- endpoints ---- */

static void describe(rv_strbuf *b, const char *dir, const char *name, bool first)
{
	char path[4400];
	join(path, sizeof path, dir, "/", name);
	struct stat st;
	if (stat(path, &st))
		return;
	char ts[32];
	struct tm tm;
	gmtime_r(&st.st_mtime, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	rv_strbuf_printf(b, "%s{\"name\":\"%s\",\"creation_time\":\"%s\",\"size\":%lld,\"checksum\":null}", first ? "" : ",",
	                 name, ts, (long long)st.st_size);
}

int h_snap_create(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)q, (void)arg;
	char dir[4200], tmp[4300], name[128], path[4400], part[4500];
	coll_dir(s, sc->name, dir, sizeof dir);
	if (mkdirs(dir))
		return srv_error(r, 500, "cannot create %s: %s", dir, strerror(errno));
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(name, sizeof name, "%s-%lld%03ld.snapshot", sc->name, (long long)now.tv_sec, now.tv_nsec / 1000000);
	join(tmp, sizeof tmp, dir, "/.backup-", name);
	join(path, sizeof path, dir, "/", name);
	join(part, sizeof part, path, "", ".part");
	rm_tree(tmp);
	int rc = rv_db_backup(s->db, tmp);
	if (rc != RV_OK) {
		rm_tree(tmp);
		return srv_rv_error(r, rc, rv_db_errmsg(s->db));
	}
	FILE *out = fopen(part, "wb");
	int e = out ? tar_dir(out, tmp) : -1;
	if (out && (fflush(out) || fsync(fileno(out))))
		e = -1;
	if (out && fclose(out))
		e = -1;
	rm_tree(tmp);
	if (e || rename(part, path)) {
		unlink(part);
		return srv_error(r, 500, "cannot write the snapshot %s: %s", path, strerror(errno));
	}
	describe(&r->out, dir, name, true);
	return 200;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int h_snap_list(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)q, (void)arg;
	char dir[4200];
	coll_dir(s, sc->name, dir, sizeof dir);
	rv_strbuf_append(&r->out, "[", 1);
	DIR *d = opendir(dir);
	char *names[1024];
	size_t n = 0;
	struct dirent *e;
	while (d && n < 1024 && (e = readdir(d)))
		if (snapshot_name_ok(e->d_name) && (names[n] = strdup(e->d_name)))
			n++;
	if (d)
		closedir(d);
	qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		describe(&r->out, dir, names[i], i == 0);
		free(names[i]);
	}
	rv_strbuf_append(&r->out, "]", 1);
	return 200;
}

int h_snap_get(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *name)
{
	(void)q;
	if (!snapshot_name_ok(name))
		return srv_error(r, 400, "Wrong input: \"%.100s\" is not a snapshot name", name);
	char dir[4200], path[4400];
	coll_dir(s, sc->name, dir, sizeof dir);
	join(path, sizeof path, dir, "/", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return srv_error(r, 404, "Not found: Snapshot %s not found", name);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		rv_strbuf_append(&r->out, buf, n);
	fclose(f);
	r->content_type = "application/octet-stream";
	r->disposition_name = name;
	return 200;
}

int h_snap_delete(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *name)
{
	if (!snapshot_name_ok(name))
		return srv_error(r, 400, "Wrong input: \"%.100s\" is not a snapshot name", name);
	char dir[4200], path[4400];
	coll_dir(s, sc->name, dir, sizeof dir);
	join(path, sizeof path, dir, "/", name);
	(void)q;
	if (unlink(path))
		return srv_error(r, 404, "Not found: Snapshot %s not found", name);
	rv_strbuf_append(&r->out, "true", 4);
	return 200;
}

/* Copy collection from (in the unpacked database) into a new collection
 * named target of s, replacing one that exists. */
static int restore(srv *s, srv_resp *r, const char *unpacked, const char *target)
{
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = RV_DB_READONLY;
	rv_db *src;
	int rc = rv_db_open(unpacked, &o, &src);
	if (rc != RV_OK)
		return srv_error(r, 400, "Wrong input: the snapshot is not a database: %s", rv_errmsg(NULL));
	char names[70 * 64];
	size_t need;
	int n = rv_db_list_collections(src, names, sizeof names, &need);
	const char *pick = NULL, *p = names;
	for (int i = 0; i < n; i++, p += strlen(p) + 1)
		if (!strcmp(p, target) || n == 1)
			pick = p;
	rv_collection *from = NULL, *to = NULL;
	int status = 200;
	if (!pick)
		status = srv_error(r, 400, "Wrong input: the snapshot holds %d collections and none is named %s", n, target);
	else if ((rc = rv_db_open_collection(src, pick, &from)) != RV_OK)
		status = srv_error(r, 400, "Wrong input: the snapshot's collection %s: %s", pick, rv_db_errmsg(src));
	rv_options opts;
	if (status == 200) {
		rv_collection_options(from, &opts);
		if (srv_registry_find(s, target) && (rc = srv_registry_drop(s, target)) != RV_OK)
			status = srv_rv_error(r, rc, rv_db_errmsg(s->db));
	}
	if (status == 200 && (rc = rv_db_create_collection(s->db, target, &opts, &to)) != RV_OK)
		status = srv_rv_error(r, rc, rv_db_errmsg(s->db));
	/* the records, a page of ids at a time */
	char *idbuf = malloc(4096); /* at most 2048 ids: each takes at least 2 bytes */
	float *vecs = malloc((size_t)opts.dim * 2048 * sizeof(float));
	const char *ids[2048];
	char *pays[2048];
	uint64_t cursor = 0;
	if (status == 200 && (!idbuf || !vecs))
		status = srv_error(r, 503, "out of memory");
	while (status == 200) {
		int got = rv_list_ids(from, &cursor, idbuf, 4096);
		if (got <= 0)
			break;
		if (got > 2048)
			got = 2048; /* cannot happen (see idbuf) */
		const char *id = idbuf;
		int k = 0;
		for (int i = 0; i < got && rc == RV_OK; i++, id += strlen(id) + 1) {
			ids[k] = id;
			if ((rc = rv_get(from, id, vecs + (size_t)k * opts.dim, opts.dim)) == RV_OK &&
			    (pays[k] = srv_payload_text(from, id, &rc)))
				k++;
		}
		if (rc == RV_OK)
			rc = rv_insert_batch_payload(to, (size_t)k, ids, vecs, opts.dim, (const char *const *)pays, 0);
		for (int i = 0; i < k; i++)
			free(pays[i]);
		if (rc != RV_OK)
			status = srv_rv_error(r, rc, rv_errmsg(to));
	}
	free(idbuf);
	free(vecs);
	rv_db_close(src);
	if (status == 200 && (rc = srv_registry_add(s, target, to)) != RV_OK)
		status = srv_error(r, 503, "too many collections open");
	else if (status != 200 && to) {
		rv_collection_free(to);
		rv_db_drop_collection(s->db, target);
	}
	return status;
}

/* Unpack archive bytes and restore from them. */
static int recover_bytes(srv *s, srv_resp *r, const unsigned char *a, size_t len, const char *target)
{
	char tmpl[4300];
	if (mkdirs(s->snap_dir))
		return srv_error(r, 500, "cannot create %s: %s", s->snap_dir, strerror(errno));
	join(tmpl, sizeof tmpl, s->snap_dir, "/", ".recover-XXXXXX");
	if (!mkdtemp(tmpl))
		return srv_error(r, 500, "cannot create a directory in %s: %s", s->snap_dir, strerror(errno));
	char why[300];
	int status;
	if (untar(a, len, tmpl, why, sizeof why))
		status = srv_error(r, 400, "Wrong input: the snapshot archive: %s", why);
	else
		status = restore(s, r, tmpl, target);
	rm_tree(tmpl);
	if (status == 200)
		rv_strbuf_append(&r->out, "true", 4);
	return status;
}

static int read_file(const char *path, rv_strbuf *b)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		rv_strbuf_append(b, buf, n);
	fclose(f);
	return b->failed ? -1 : 0;
}

int h_snap_recover(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *target)
{
	(void)sc;
	rv_json *body;
	if (srv_body(q, r, false, &body))
		return r->status;
	const rv_json *loc = rv_json_get(body, "location");
	int status;
	if (!loc || loc->type != RV_JSON_STRING)
		status = srv_error(r, 400, "Wrong input: \"location\" must be a string");
	else {
		/* file:// locations and bare names, only of this server's snapshots */
		const char *l = loc->str;
		char prefix[4300];
		snprintf(prefix, sizeof prefix, "file://%s/", s->snap_dir);
		const char *rel = !strncmp(l, prefix, strlen(prefix)) ? l + strlen(prefix) : NULL;
		char coll[RV_NAME_MAX + 1] = "", name[256] = "";
		if (rel) {
			const char *slash = strchr(rel, '/');
			if (slash && (size_t)(slash - rel) <= RV_NAME_MAX) {
				memcpy(coll, rel, (size_t)(slash - rel));
				coll[slash - rel] = '\0';
				snprintf(name, sizeof name, "%s", slash + 1);
			}
		} else if (!strchr(l, '/')) {
			snprintf(coll, sizeof coll, "%s", target);
			snprintf(name, sizeof name, "%s", l);
		}
		if (!*coll || !plain_name(coll, strlen(coll)) || !snapshot_name_ok(name))
			status = srv_error(r, 400,
			                   "Wrong input: location must name a snapshot of this server (file://%s/COLLECTION/NAME "
			                   "or NAME); upload other archives to /collections/%s/snapshots/upload",
			                   s->snap_dir, target);
		else {
			char path[4600];
			char cdir[4200];
			join(cdir, sizeof cdir, s->snap_dir, "/", coll);
			join(path, sizeof path, cdir, "/", name);
			rv_strbuf a = {0};
			if (read_file(path, &a))
				status = srv_error(r, 404, "Not found: Snapshot %s not found", name);
			else
				status = recover_bytes(s, r, (const unsigned char *)a.buf, a.len, target);
			rv_strbuf_free(&a);
		}
	}
	rv_json_free(body);
	return status;
}

int h_snap_upload(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *target)
{
	(void)sc;
	const unsigned char *a = (const unsigned char *)q->body;
	size_t len = q->body_len;
	const char *ct = q->content_type;
	const char *bd = ct ? strstr(ct, "boundary=") : NULL;
	if (ct && !strncmp(ct, "multipart/form-data", 19)) {
		/* the first part's content: after its blank line, up to the next boundary */
		if (!bd || !a)
			return srv_error(r, 400, "Wrong input: multipart body without a boundary");
		char delim[200];
		bd += 9;
		size_t bl = strcspn(bd, ";");
		if (*bd == '"')
			bd++, bl = strcspn(bd, "\"");
		if (bl == 0 || bl > 150)
			return srv_error(r, 400, "Wrong input: bad multipart boundary");
		snprintf(delim, sizeof delim, "\r\n--%.*s", (int)bl, bd);
		const unsigned char *start = memmem(a, len, "\r\n\r\n", 4);
		if (!start)
			return srv_error(r, 400, "Wrong input: multipart part without headers");
		start += 4;
		const unsigned char *stop = memmem(start, len - (size_t)(start - a), delim, strlen(delim));
		if (!stop)
			return srv_error(r, 400, "Wrong input: multipart body without its closing boundary");
		a = start;
		len = (size_t)(stop - start);
	}
	if (!a || len == 0)
		return srv_error(r, 400, "Wrong input: no snapshot uploaded");
	return recover_bytes(s, r, a, len, target);
}

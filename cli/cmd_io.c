/*
 * cmd_io.c: the commands that move records between files and a
 * collection.
 *
 *   ruvector import DB COLL FILE [--format fvecs|jsonl|npy] [--batch N] [--start N]
 *   ruvector export DB COLL FILE [--format jsonl|fvecs]
 *
 * The file's format comes from --format or its extension (.fvecs, .jsonl
 * or .ndjson, .npy; import reads other names as fvecs, as it always has,
 * and export asks for --format). JSON Lines carry whole records (id, vector, payload),
 * so export then import gives back the same collection; fvecs and .npy
 * carry vectors only, and import numbers their rows.
 *
 * import reads and checks the whole file before it touches the database
 * (the readers are the library's: rv_read_vecs, rv_read_npy,
 * rv_read_jsonl), so a bad line inserts nothing; then it writes one insert
 * batch per --batch records; each returns once its log frame is as durable
 * as the database's durability promises, so the line "acked N" printed
 * after it is a promise that the first N records of the file survive a
 * crash. export opens the database read-only and walks rv_list_ids(), so
 * it runs while another process writes and sees the state as of its open.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef enum file_format { FMT_NONE = 0, FMT_FVECS, FMT_JSONL, FMT_NPY } file_format;

static const char *format_name(file_format f)
{
	return f == FMT_FVECS ? "fvecs" : f == FMT_JSONL ? "jsonl" : f == FMT_NPY ? "npy" : "?";
}

static bool parse_format(const char *v, void *out, char *why, size_t why_size)
{
	file_format *f = out;
	if (!strcmp(v, "fvecs"))
		*f = FMT_FVECS;
	else if (!strcmp(v, "jsonl") || !strcmp(v, "ndjson"))
		*f = FMT_JSONL;
	else if (!strcmp(v, "npy"))
		*f = FMT_NPY;
	else {
		snprintf(why, why_size, "must be fvecs, jsonl or npy");
		return false;
	}
	return true;
}

/* The format a file name's extension says (case aside), or FMT_NONE. */
static file_format format_of(const char *path)
{
	static const struct {
		const char *ext;
		file_format f;
	} exts[] = {{".fvecs", FMT_FVECS}, {".jsonl", FMT_JSONL}, {".ndjson", FMT_JSONL}, {".npy", FMT_NPY}};
	size_t n = strlen(path);
	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
		size_t e = strlen(exts[i].ext);
		if (n <= e)
			continue;
		size_t j = 0;
		while (j < e && (path[n - e + j] | 0x20) == exts[i].ext[j])
			j++;
		if (j == e)
			return exts[i].f;
	}
	return FMT_NONE;
}

/* ---- import ---- */

static const char import_usage[] =
	"usage: ruvector import DB COLL FILE [--format fvecs|jsonl|npy] [--batch 10000]\n"
	"                      [--start N] [--durability full|normal|off] [--quiet]\n"
	"\n"
	"Inserts the records of FILE into the collection COLL, --batch records per\n"
	"atomic batch. The format is --format, or FILE's extension: .jsonl or .ndjson\n"
	"(JSON Lines), .npy, and fvecs for any other name.\n"
	"\n"
	"JSON Lines: one record per line, an object with \"id\" (a string, or a\n"
	"non-negative integer, which becomes the string of its digits), \"vector\"\n"
	"(an array of numbers, the collection's dimension) and, optionally,\n"
	"\"payload\" (a JSON object: the record's payload, nested objects and arrays\n"
	"allowed). Blank lines are skipped. This is what 'ruvector export' writes.\n"
	"Ids are kept as given; they must be new to the collection and distinct.\n"
	"\n"
	"fvecs and .npy (a 2-D float32 matrix, '<f4', C order, as numpy.save writes\n"
	"it) hold vectors only: row r of the file (counting from 0) gets the id\n"
	"START + r in decimal, where START is the collection's vector count before the\n"
	"import (so repeated imports append), or --start N. After deletions the count\n"
	"is below the highest id, so give --start to avoid ids that exist (an existing\n"
	"id fails its batch, which is then not inserted).\n"
	"\n"
	"The whole file is read and checked first: a bad line (JSON Lines: the error\n"
	"names the line and what is wrong), a truncated file, another .npy dtype or\n"
	"shape, a non-finite value or a wrong dimension inserts nothing.\n"
	"\n"
	"After each batch it prints 'acked N' on stdout (N: records of this import\n"
	"stored so far), once they are as durable as --durability promises:\n"
	"  full (default)  synced to disk: survives kill -9 and power loss\n"
	"  normal          survives kill -9; synced within 100 ms\n"
	"  off             survives kill -9; synced only by checkpoints\n"
	"Progress and the rate go to stderr (--quiet: only errors).\n";

typedef struct progress {
	bool tty, quiet;
	double t0, last;
} progress;

static void progress_show(progress *p, size_t done, size_t total, bool final)
{
	double t = now_s();
	if (p->quiet || (!final && t - p->last < 1.0))
		return;
	p->last = t;
	double secs = t - p->t0, rate = secs > 0 ? (double)done / secs : 0;
	fprintf(stderr, "%s%zu/%zu vectors (%.0f%%), %.0f vectors/s%s", p->tty ? "\r" : "", done, total,
	        total ? 100.0 * (double)done / (double)total : 100.0, rate, p->tty && !final ? "" : "\n");
}

/* What import inserts: rows*dim floats, and for JSON Lines the records'
 * ids, payloads and lines (rec NULL otherwise: ids are numbered). */
typedef struct import_data {
	void *buf;         /* fvecs, npy: the vectors (rv_free_buffer) */
	rv_records *rec;   /* jsonl */
	const float *vecs;
	size_t rows, dim;
} import_data;

static void import_data_free(import_data *d)
{
	rv_free_buffer(d->buf);
	rv_records_free(d->rec);
}

/* Read and check FILE whole. EXIT_OK or EXIT_FAIL (message printed). */
static int import_read(const char *cmd, const char *file, file_format fmt, import_data *d)
{
	memset(d, 0, sizeof *d);
	int rc = fmt == FMT_JSONL ? rv_read_jsonl(file, 0, &d->rec)
	         : fmt == FMT_NPY ? rv_read_npy(file, 0, &d->buf, &d->rows, &d->dim)
	                          : rv_read_vecs(file, 0, 0, &d->buf, &d->rows, &d->dim);
	if (rc != RV_OK)
		return cli_fail(cmd, "%s", rv_errmsg(NULL));
	if (d->rec) {
		d->vecs = d->rec->vectors;
		d->rows = d->rec->n;
		d->dim = d->rec->dim;
	} else {
		d->vecs = d->buf;
		/* The JSON Lines reader checks its numbers; binary files can hold
		 * NaN and infinities, which would fail a batch half-way. */
		for (size_t i = 0; i < d->rows * d->dim; i++)
			if (!isfinite(d->vecs[i])) {
				cli_fail(cmd, "%s: row %zu: component %zu is %g; vectors must be finite (nothing was imported)",
				         file, i / d->dim, i % d->dim, (double)d->vecs[i]);
				import_data_free(d);
				return EXIT_FAIL;
			}
	}
	if (d->rows == 0) {
		cli_fail(cmd, "%s: no records in the file; nothing to import", file);
		import_data_free(d);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* JSON Lines ids must be new: checked before the first batch, so that an
 * id that exists fails the import whole rather than one batch of it. */
static int check_new_ids(const char *cmd, rv_collection *c, const char *name, const char *file, const rv_records *r)
{
	float *tmp = malloc(r->dim * sizeof *tmp);
	if (!tmp)
		return cli_fail(cmd, "out of memory");
	int status = EXIT_OK;
	for (size_t i = 0; i < r->n && status == EXIT_OK; i++)
		if (rv_get(c, r->ids[i], tmp, r->dim) == RV_OK)
			status = cli_fail(cmd, "%s: line %zu: id \"%s\" exists in collection %s; nothing was imported", file,
			                  r->lines[i], r->ids[i], name);
	free(tmp);
	return status;
}

int cmd_import(int argc, char **argv)
{
	const char *cmd = "import", *pos[3];
	int npos = 0;
	bool quiet = false, have_start = false;
	rv_durability dur = RV_SYNC_FULL;
	file_format fmt = FMT_NONE;
	uint64_t batch = 10000, start = 0;
	const cli_opt opts[] = {
		CLI_DURABILITY(dur),
		CLI_FN("--format", fmt, parse_format),
		CLI_U64("--batch", batch, 1, 10000000),
		{.name = "--start", .kind = OPT_U64, .out = &start, .min = 0, .max = UINT64_MAX / 2, .given = &have_start},
		CLI_FLAG("--quiet", quiet),
		CLI_END,
	};
	const cli_spec spec = {cmd, import_usage, opts, 3, 3, "give a database, a collection and a file"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	const char *dbpath = pos[0], *name = pos[1], *file = pos[2];
	/* Other names are read as fvecs, as import always did. */
	if (fmt == FMT_NONE && (fmt = format_of(file)) == FMT_NONE)
		fmt = FMT_FVECS;
	if (fmt == FMT_JSONL && have_start)
		return cli_usage_error(cmd, import_usage, "--start numbers the rows of fvecs and npy files; JSON Lines "
		                                          "records have their own ids");

	/* The file is read and validated whole before the database is touched:
	 * a bad line, a truncated file or disagreeing headers insert nothing. */
	import_data d;
	if (import_read(cmd, file, fmt, &d) != EXIT_OK)
		return EXIT_FAIL;
	const float *vecs = d.vecs;
	size_t rows = d.rows, dim = d.dim;

	rv_db *db;
	rv_collection *c;
	int status = EXIT_FAIL;
	char *idtext = NULL;
	const char **ids = NULL;
	if (db_open(cmd, dbpath, 0, dur, &db) != EXIT_OK) {
		import_data_free(&d);
		return EXIT_FAIL;
	}
	if (db_open_coll(cmd, db, name, &c) != EXIT_OK)
		goto out;
	rv_options o;
	rv_collection_options(c, &o);
	if (dim != o.dim) {
		cli_fail(cmd, "%s has dimension %zu but collection %s has dimension %u", file, dim, name, o.dim);
		goto out;
	}
	if (d.rec && check_new_ids(cmd, c, name, file, d.rec) != EXIT_OK)
		goto out;
	size_t before = rv_count(c);
	if (!have_start)
		start = before;
	size_t per = rows < batch ? rows : (size_t)batch;
	enum { ID_TEXT = 24 }; /* a uint64 in decimal and its NUL */
	if (!d.rec) {
		idtext = malloc(per * ID_TEXT);
		ids = malloc(per * sizeof *ids);
		if (!idtext || !ids) {
			cli_fail(cmd, "out of memory for a batch of %zu", per);
			goto out;
		}
	}
	(void)rv_reserve(c, before + rows); /* optional: growth also works */

	progress pr = {isatty(STDERR_FILENO) == 1, quiet, now_s(), now_s()};
	size_t done = 0;
	while (done < rows) {
		size_t nb = rows - done < per ? rows - done : per;
		const char *const *bids;
		const char *const *bpay = NULL;
		if (d.rec) {
			bids = (const char *const *)d.rec->ids + done;
			bpay = (const char *const *)d.rec->payloads + done;
		} else {
			for (size_t j = 0; j < nb; j++) {
				char *t = idtext + j * ID_TEXT;
				snprintf(t, ID_TEXT, "%llu", (unsigned long long)(start + done + j));
				ids[j] = t;
			}
			bids = ids;
		}
		if (rv_insert_batch_payload(c, nb, bids, vecs + done * dim, dim, bpay, 0) != RV_OK) {
			if (pr.tty && !quiet)
				fputc('\n', stderr);
			if (d.rec)
				cli_fail(cmd, "records on lines %zu..%zu of %s: %s; the first %zu records were stored",
				         d.rec->lines[done], d.rec->lines[done + nb - 1], file, rv_errmsg(c), done);
			else
				cli_fail(cmd, "rows %zu..%zu of %s (ids %llu..%llu): %s; the first %zu rows were stored", done,
				         done + nb - 1, file, (unsigned long long)(start + done),
				         (unsigned long long)(start + done + nb - 1), rv_errmsg(c), done);
			goto out;
		}
		done += nb;
		printf("acked %zu\n", done);
		fflush(stdout);
		progress_show(&pr, done, rows, false);
	}
	progress_show(&pr, done, rows, true);
	if (!quiet) {
		fprintf(stderr, "imported %zu %s from %s into %s", rows, d.rec ? "records" : "vectors", format_name(fmt),
		        name);
		if (!d.rec)
			fprintf(stderr, " (ids %llu..%llu)", (unsigned long long)start, (unsigned long long)(start + rows - 1));
		fprintf(stderr, " in %.2f s; it now holds %zu\n", now_s() - pr.t0, rv_count(c));
	}
	status = EXIT_OK;
out:
	free(idtext);
	free(ids);
	import_data_free(&d);
	return db_close(cmd, db, status);
}

/* ---- export ---- */

static const char export_usage[] =
	"usage: ruvector export DB COLL FILE [--format jsonl|fvecs] [--quiet]\n"
	"\n"
	"Writes every record of the collection COLL to FILE ('-': stdout). The format\n"
	"is --format, or FILE's extension (.jsonl or .ndjson, .fvecs; stdout: jsonl).\n"
	"\n"
	"JSON Lines: one record per line,\n"
	"  {\"id\":\"...\",\"vector\":[...],\"payload\":{...}}\n"
	"with the payload left out when the record has none. Vectors are written with\n"
	"9 significant digits, which read back to the same float32, so 'ruvector\n"
	"import' of the file into an empty collection gives the same ids, vectors and\n"
	"payloads. (Under the cosine metric the stored vectors are normalised and the\n"
	"originals come back from the stored norm, equal up to float rounding.)\n"
	"fvecs holds the vectors only, in the same order; ids and payloads are lost.\n"
	"\n"
	"Opens DB read-only: it works while another process writes, and writes what\n"
	"was there when it began. Records come in storage order (unspecified). A\n"
	"summary goes to stderr (--quiet: only errors).\n";

/* s as a JSON string literal. Ids are UTF-8 (the library checks), so only
 * quotes, backslashes and control characters need escapes. */
static void put_json_string(FILE *f, const char *s)
{
	putc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			putc(*p, f);
	}
	putc('"', f);
}

static void put_le32(FILE *f, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
	                      (unsigned char)(v >> 24)};
	fwrite(b, 1, 4, f);
}

/* One record to f. EXIT_OK or EXIT_FAIL (message printed). */
static int export_one(const char *cmd, rv_collection *c, FILE *f, file_format fmt, const char *id, float *vec,
                      size_t dim)
{
	if (rv_get(c, id, vec, dim) != RV_OK)
		return cli_fail(cmd, "%s", rv_errmsg(c));
	if (fmt == FMT_FVECS) {
		put_le32(f, (uint32_t)dim);
		for (size_t j = 0; j < dim; j++) {
			uint32_t w;
			memcpy(&w, &vec[j], 4);
			put_le32(f, w);
		}
		return EXIT_OK;
	}
	fputs("{\"id\":", f);
	put_json_string(f, id);
	fputs(",\"vector\":[", f);
	for (size_t j = 0; j < dim; j++)
		fprintf(f, "%s%.9g", j ? "," : "", (double)vec[j]);
	putc(']', f);
	char *payload = coll_payload_json(c, id);
	if (!payload)
		return cli_fail(cmd, "the payload of \"%s\": %s", id, rv_errmsg(c)[0] ? rv_errmsg(c) : "out of memory");
	if (strcmp(payload, "{}") != 0)
		fprintf(f, ",\"payload\":%s", payload);
	free(payload);
	fputs("}\n", f);
	return EXIT_OK;
}

int cmd_export(int argc, char **argv)
{
	const char *cmd = "export", *pos[3];
	int npos = 0;
	bool quiet = false;
	file_format fmt = FMT_NONE;
	const cli_opt opts[] = {CLI_FN("--format", fmt, parse_format), CLI_FLAG("--quiet", quiet), CLI_END};
	const cli_spec spec = {cmd, export_usage, opts, 3, 3, "give a database, a collection and a file"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	const char *file = pos[2];
	bool to_stdout = !strcmp(file, "-");
	if (fmt == FMT_NONE)
		fmt = to_stdout ? FMT_JSONL : format_of(file);
	if (fmt == FMT_NONE)
		return cli_usage_error(cmd, export_usage,
		                       "cannot tell the format of '%s' from its name; give --format jsonl or fvecs", file);
	if (fmt == FMT_NPY)
		return cli_usage_error(cmd, export_usage, "export writes jsonl or fvecs, not npy");
	rv_db *db;
	rv_collection *c;
	if (db_open(cmd, pos[0], RV_DB_READONLY, RV_SYNC_FULL, &db) != EXIT_OK)
		return EXIT_FAIL;
	if (db_open_coll(cmd, db, pos[1], &c) != EXIT_OK)
		return db_close(cmd, db, EXIT_FAIL);
	rv_options o;
	rv_collection_options(c, &o);
	size_t dim = o.dim, bufsize = 1 << 16, written = 0;
	float *vec = malloc(dim * sizeof *vec);
	char *idbuf = malloc(bufsize);
	FILE *f = to_stdout ? stdout : fopen(file, "wb");
	int status = EXIT_FAIL;
	if (!vec || !idbuf) {
		cli_fail(cmd, "out of memory");
		goto out;
	}
	if (!f) {
		cli_fail(cmd, "%s: cannot create: %s", file, strerror(errno));
		goto out;
	}
	uint64_t cursor = 0;
	for (;;) {
		int n = rv_list_ids(c, &cursor, idbuf, bufsize);
		if (n < 0) {
			cli_fail(cmd, "%s", rv_errmsg(c));
			goto out;
		}
		if (n == 0)
			break;
		const char *id = idbuf;
		for (int i = 0; i < n; i++, id += strlen(id) + 1) {
			if (export_one(cmd, c, f, fmt, id, vec, dim) != EXIT_OK)
				goto out;
			written++;
		}
		if (ferror(f)) {
			cli_fail(cmd, "%s: write error: %s", file, strerror(errno));
			goto out;
		}
	}
	/* A read-only handle sees no writes, so the listing is exact. */
	if (written != rv_count(c)) {
		cli_fail(cmd, "listed %zu records but the collection holds %zu", written, rv_count(c));
		goto out;
	}
	if (fflush(f) != 0 || ferror(f)) {
		cli_fail(cmd, "%s: write error: %s", file, strerror(errno));
		goto out;
	}
	status = EXIT_OK;
	if (!quiet)
		fprintf(stderr, "exported %zu records of %s to %s (%s)\n", written, pos[1], to_stdout ? "stdout" : file,
		        format_name(fmt));
out:
	if (f && !to_stdout && fclose(f) != 0 && status == EXIT_OK)
		status = cli_fail(cmd, "%s: write error: %s", file, strerror(errno));
	if (f && !to_stdout && status != EXIT_OK)
		remove(file); /* a partial export must not pass for a whole one */
	free(vec);
	free(idbuf);
	return db_close(cmd, db, status);
}

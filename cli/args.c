/*
 * args.c: the command line of every ruvector command, parsed by one table.
 *
 * A command describes its options (name, kind, where the value goes, the
 * range a number must lie in) and how many positional arguments it takes in
 * a cli_spec; cli_parse() walks argv once and handles for all of them what
 * each command used to do by hand: --help, "--" before positionals that
 * start with '-', a missing or malformed value, an unknown option, one
 * positional too many or too few. Every usage error is reported the same
 * way, once:
 *
 *   ruvector CMD: <what was wrong, naming the option or argument>
 *   <the command's synopsis>
 *   run 'ruvector CMD --help' for more.
 *
 * and the command returns EXIT_USAGE without touching any database.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "ruvector %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return EXIT_FAIL;
}

int cli_synopsis(const char *cmd, const char *usage)
{
	const char *end = strstr(usage, "\n\n");
	fprintf(stderr, "%.*s\nrun 'ruvector %s --help' for more.\n", end ? (int)(end - usage) : (int)strlen(usage),
	        usage, cmd);
	return EXIT_USAGE;
}

int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "ruvector %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return cli_synopsis(cmd, usage);
}

/* ---- values ---- */

static bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || s[0] == '+' || s[0] == ' ' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		return false;
	*out = v;
	return true;
}

bool cli_parse_durability(const char *v, void *out, char *why, size_t why_size)
{
	rv_durability *d = out;
	if (!strcmp(v, "full"))
		*d = RV_SYNC_FULL;
	else if (!strcmp(v, "normal"))
		*d = RV_SYNC_NORMAL;
	else if (!strcmp(v, "off"))
		*d = RV_SYNC_OFF;
	else {
		snprintf(why, why_size, "must be full, normal or off");
		return false;
	}
	return true;
}

bool cli_parse_metric(const char *v, void *out, char *why, size_t why_size)
{
	if (rv_metric_parse(v, out) == RV_OK)
		return true;
	snprintf(why, why_size, "must be l2, ip, cosine or l1");
	return false;
}

/* One option's value into its output; false with the reason in why. */
static bool set_value(const cli_opt *o, const char *v, char *why, size_t why_size)
{
	switch (o->kind) {
	case OPT_STRING: *(const char **)o->out = v; return true;
	case OPT_U64:
		if (parse_u64(v, o->min, o->max, o->out))
			return true;
		snprintf(why, why_size, "must be an integer in %" PRIu64 "..%" PRIu64, o->min, o->max);
		return false;
	case OPT_DOUBLE:
		if (parse_double(v, o->dmin, o->dmax, o->out))
			return true;
		snprintf(why, why_size, "must be a number in %g..%g", o->dmin, o->dmax);
		return false;
	case OPT_CUSTOM: return o->parse(v, o->out, why, why_size);
	case OPT_FLAG: break;
	}
	*(bool *)o->out = true;
	return true;
}

static const cli_opt *find_opt(const cli_spec *s, const char *a)
{
	for (const cli_opt *o = s->opts; o && o->name; o++)
		if (!strcmp(a, o->name) || (o->alias && !strcmp(a, o->alias)))
			return o;
	return NULL;
}

int cli_parse(const cli_spec *s, int argc, char **argv, const char **pos, int *npos)
{
	bool opts_done = false;
	*npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (opts_done || a[0] != '-' || a[1] == '\0') {
			if (s->max_pos >= 0 && *npos >= s->max_pos)
				return cli_usage_error(s->cmd, s->usage, "unexpected argument '%s'", a);
			pos[(*npos)++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			opts_done = true;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(s->usage, stdout);
			return EXIT_OK;
		}
		const cli_opt *o = find_opt(s, a);
		if (!o)
			return cli_usage_error(s->cmd, s->usage, "unknown option '%s'", a);
		const char *v = NULL;
		if (o->kind != OPT_FLAG) {
			if (i + 1 >= argc)
				return cli_usage_error(s->cmd, s->usage, "%s needs a value", a);
			v = argv[++i];
		}
		char why[160] = "";
		if (!set_value(o, v, why, sizeof why))
			return cli_usage_error(s->cmd, s->usage, "%s %s, not '%s'", a, why, v);
		if (o->given)
			*o->given = true;
	}
	if (*npos < s->min_pos)
		return cli_usage_error(s->cmd, s->usage, "%s", s->missing);
	return CLI_GO_ON;
}

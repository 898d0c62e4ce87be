/*
 * type.c: the ruvector type, its casts and its distance operators.
 *
 * A value is a varlena of a 16-bit dimension and that many float32s (the
 * layout pgvector users know, so dumps and drivers carry over). Text form
 * '[1,2,3]'; binary form the dimension (int16), a zero int16, then the
 * floats in network order. The typmod is the dimension, checked on input
 * and on every cast. NaN and infinities are refused everywhere, so no
 * distance is ever NaN.
 *
 * The distances call the core's kernels (src/kernels), chosen once per
 * backend by CPUID; <-> is the Euclidean distance (the root of the core's
 * squared L2), <#> the negative inner product, <=> 1 - cosine, <+> L1.
 */
#include "ruvector_pg.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "../src/kernels/kernels.h"

RvVector *rv_vector_new(int dim)
{
	Size sz = RV_VECTOR_SIZE(dim);
	RvVector *v = palloc0(sz);
	SET_VARSIZE(v, sz);
	v->dim = (int16)dim;
	return v;
}

static void check_dim(int dim, int32 typmod)
{
	if (dim < 1)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("ruvector must have at least 1 dimension")));
	if (dim > RV_MAX_DIM)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
		                errmsg("ruvector cannot have more than %d dimensions", RV_MAX_DIM)));
	if (typmod != -1 && dim != typmod)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("expected %d dimensions, not %d", typmod, dim)));
}

void rv_vector_check(const float *x, int dim, int32 typmod)
{
	check_dim(dim, typmod);
	for (int i = 0; i < dim; i++) {
		if (isnan(x[i]))
			ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
			                errmsg("NaN not allowed in ruvector (element %d)", i + 1)));
		if (isinf(x[i]))
			ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
			                errmsg("infinite value not allowed in ruvector (element %d)", i + 1)));
	}
}

PG_FUNCTION_INFO_V1(ruvector_in);
Datum ruvector_in(PG_FUNCTION_ARGS)
{
	char *s = PG_GETARG_CSTRING(0);
	int32 typmod = PG_GETARG_INT32(2);
	const char *p = s;
	int n = 0, cap = 16;
	float *x = palloc(sizeof(float) * cap);

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (*p != '[')
		ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
		                errmsg("invalid input syntax for type ruvector: \"%s\"", s),
		                errdetail("Vector contents must start with \"[\".")));
	p++;
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (*p != ']') {
		for (;;) {
			char *end;
			if (n == RV_MAX_DIM)
				check_dim(n + 1, -1);
			errno = 0;
			float f = strtof(p, &end);
			if (end == p)
				ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				                errmsg("invalid input syntax for type ruvector: \"%s\"", s)));
			if (errno == ERANGE && isinf(f))
				ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				                errmsg("\"%.*s\" is out of range for type ruvector", (int)(end - p), p)));
			if (n == cap) {
				cap *= 2;
				x = repalloc(x, sizeof(float) * cap);
			}
			x[n++] = f;
			p = end;
			while (*p == ' ' || *p == '\t' || *p == '\n')
				p++;
			if (*p == ',') {
				p++;
				continue;
			}
			if (*p == ']')
				break;
			ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			                errmsg("invalid input syntax for type ruvector: \"%s\"", s)));
		}
	}
	p++;
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (*p != '\0')
		ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
		                errmsg("invalid input syntax for type ruvector: \"%s\"", s),
		                errdetail("Junk after closing right bracket.")));
	rv_vector_check(x, n, typmod);
	RvVector *v = rv_vector_new(n);
	memcpy(v->x, x, sizeof(float) * n);
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(ruvector_out);
Datum ruvector_out(PG_FUNCTION_ARGS)
{
	RvVector *v = PG_GETARG_RVVECTOR_P(0);
	StringInfoData buf;
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (int i = 0; i < v->dim; i++) {
		char tmp[32];
		if (i)
			appendStringInfoChar(&buf, ',');
		/* float_to_shortest_decimal: the shortest text that reads back
		 * to the same float, as float4out does. */
		float_to_shortest_decimal_buf(v->x[i], tmp);
		appendStringInfoString(&buf, tmp);
	}
	appendStringInfoChar(&buf, ']');
	PG_RETURN_CSTRING(buf.data);
}

PG_FUNCTION_INFO_V1(ruvector_typmod_in);
Datum ruvector_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType *ta = PG_GETARG_ARRAYTYPE_P(0);
	int n;
	int32 *tl = ArrayGetIntegerTypmods(ta, &n);
	if (n != 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid type modifier")));
	if (tl[0] < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("dimensions for type ruvector must be at least 1")));
	if (tl[0] > RV_MAX_DIM)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("dimensions for type ruvector cannot exceed %d", RV_MAX_DIM)));
	PG_RETURN_INT32(tl[0]);
}

PG_FUNCTION_INFO_V1(ruvector_typmod_out);
Datum ruvector_typmod_out(PG_FUNCTION_ARGS)
{
	int32 typmod = PG_GETARG_INT32(0);
	PG_RETURN_CSTRING(typmod < 0 ? pstrdup("") : psprintf("(%d)", typmod));
}

PG_FUNCTION_INFO_V1(ruvector_recv);
Datum ruvector_recv(PG_FUNCTION_ARGS)
{
	StringInfo buf = (StringInfo)PG_GETARG_POINTER(0);
	int32 typmod = PG_GETARG_INT32(2);
	int dim = pq_getmsgint(buf, 2);
	int unused = pq_getmsgint(buf, 2);
	if (unused != 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
		                errmsg("ruvector: the reserved field must be zero, not %d", unused)));
	check_dim(dim, typmod);
	RvVector *v = rv_vector_new(dim);
	for (int i = 0; i < dim; i++)
		v->x[i] = pq_getmsgfloat4(buf);
	rv_vector_check(v->x, dim, typmod);
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(ruvector_send);
Datum ruvector_send(PG_FUNCTION_ARGS)
{
	RvVector *v = PG_GETARG_RVVECTOR_P(0);
	StringInfoData buf;
	pq_begintypsend(&buf);
	pq_sendint(&buf, v->dim, 2);
	pq_sendint(&buf, 0, 2);
	for (int i = 0; i < v->dim; i++)
		pq_sendfloat4(&buf, v->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ruvector(ruvector, typmod, explicit): the length coercion. */
PG_FUNCTION_INFO_V1(ruvector_cast);
Datum ruvector_cast(PG_FUNCTION_ARGS)
{
	RvVector *v = PG_GETARG_RVVECTOR_P(0);
	check_dim(v->dim, PG_GETARG_INT32(1));
	PG_RETURN_POINTER(v);
}

/* real[], double precision[], integer[] and numeric[] to ruvector. */
PG_FUNCTION_INFO_V1(array_to_ruvector);
Datum array_to_ruvector(PG_FUNCTION_ARGS)
{
	ArrayType *a = PG_GETARG_ARRAYTYPE_P(0);
	int32 typmod = PG_GETARG_INT32(1);
	Oid et = ARR_ELEMTYPE(a);
	int16 len;
	bool byval;
	char align;
	Datum *elems;
	bool *nulls;
	int n;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("array must be 1-D")));
	get_typlenbyvalalign(et, &len, &byval, &align);
	deconstruct_array(a, et, len, byval, align, &elems, &nulls, &n);
	check_dim(n, typmod);
	RvVector *v = rv_vector_new(n);
	for (int i = 0; i < n; i++) {
		if (nulls[i])
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			                errmsg("array must not contain nulls (element %d)", i + 1)));
		switch (et) {
		case FLOAT4OID: v->x[i] = DatumGetFloat4(elems[i]); break;
		case FLOAT8OID: v->x[i] = (float)DatumGetFloat8(elems[i]); break;
		case INT4OID: v->x[i] = (float)DatumGetInt32(elems[i]); break;
		case NUMERICOID:
			v->x[i] = DatumGetFloat4(DirectFunctionCall1(numeric_float4, elems[i]));
			break;
		default:
			ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("unsupported array element type")));
		}
	}
	rv_vector_check(v->x, n, typmod);
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(ruvector_to_float4);
Datum ruvector_to_float4(PG_FUNCTION_ARGS)
{
	RvVector *v = PG_GETARG_RVVECTOR_P(0);
	Datum *d = palloc(sizeof(Datum) * v->dim);
	for (int i = 0; i < v->dim; i++)
		d[i] = Float4GetDatum(v->x[i]);
	PG_RETURN_POINTER(construct_array(d, v->dim, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(ruvector_dims);
Datum ruvector_dims(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_RVVECTOR_P(0)->dim);
}

static void same_dims(const RvVector *a, const RvVector *b)
{
	if (a->dim != b->dim)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("different ruvector dimensions %d and %d", a->dim, b->dim)));
}

PG_FUNCTION_INFO_V1(ruvector_l2_distance);
Datum ruvector_l2_distance(PG_FUNCTION_ARGS)
{
	RvVector *a = PG_GETARG_RVVECTOR_P(0), *b = PG_GETARG_RVVECTOR_P(1);
	same_dims(a, b);
	PG_RETURN_FLOAT8(sqrt((double)rv_kernels_active()->l2sq(a->x, b->x, a->dim)));
}

PG_FUNCTION_INFO_V1(ruvector_negative_inner_product);
Datum ruvector_negative_inner_product(PG_FUNCTION_ARGS)
{
	RvVector *a = PG_GETARG_RVVECTOR_P(0), *b = PG_GETARG_RVVECTOR_P(1);
	same_dims(a, b);
	PG_RETURN_FLOAT8(-(double)rv_kernels_active()->dot(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(ruvector_cosine_distance);
Datum ruvector_cosine_distance(PG_FUNCTION_ARGS)
{
	RvVector *a = PG_GETARG_RVVECTOR_P(0), *b = PG_GETARG_RVVECTOR_P(1);
	same_dims(a, b);
	PG_RETURN_FLOAT8((double)rv_kernels_active()->cosine(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(ruvector_l1_distance);
Datum ruvector_l1_distance(PG_FUNCTION_ARGS)
{
	RvVector *a = PG_GETARG_RVVECTOR_P(0), *b = PG_GETARG_RVVECTOR_P(1);
	same_dims(a, b);
	PG_RETURN_FLOAT8((double)rv_kernels_active()->l1(a->x, b->x, a->dim));
}

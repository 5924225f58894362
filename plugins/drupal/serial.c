/*
 * plugins/drupal/serial.c: PHP's serialize() format, as Drupal stores values in its database
 * ({variable} in 7; {key_value}, {config} in 8+).
 *
 *   d_ser_truthy   what PHP's `if ($value)` makes of a stored value (maintenance mode)
 *   d_ser_value    serialize() of a value settings.php leaves behind (Drupal 7's hash salt)
 *   d_ser_rewrite  the same data with some strings replaced and every length recomputed (paths
 *                  after a rename): a serialized string's length is its byte count, so any
 *                  edit that does not recompute it breaks unserialize() and the value is lost.
 *
 * The grammar (PHP's var_unserializer): N; b:0; i:-12; d:0.5; s:3:"abc"; a:N:{key value ...}
 * O:len:"Class":N:{name value ...} C:len:"Class":len:{payload} E:len:"Enum:Case"; r:N; R:N;
 * Nothing here trusts the data: every length is checked against the buffer and nesting is
 * bounded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drupal.h"
#include "phpeval.h"

#define MAX_DEPTH 64

/* ---- truthiness ------------------------------------------------------------------------- */

int d_ser_truthy(const char *s, size_t n, int *out)
{
	struct tf_unser u;
	struct tf_uval v, end;

	tf_unser_init(&u, s, n);
	if (tf_unser_next(&u, &v) != 1)
		return -1;
	switch (v.kind) {
	case TF_UNSER_INT:
	case TF_UNSER_BOOL: *out = v.i != 0; break;
	case TF_UNSER_NULL: *out = 0; break;
	case TF_UNSER_STR: *out = v.n > 0 && !(v.n == 1 && v.s[0] == '0'); break;
	case TF_UNSER_FLOAT: {
		char num[72];

		if (tf_copy(num, sizeof num, v.s, v.n) != 0)
			return -1;
		*out = strtod(num, NULL) != 0.0;
		break;
	}
	case TF_UNSER_ARRAY:
		*out = v.i > 0;
		if (tf_unser_skip(&u, &v) != 0)
			return -1;
		break;
	default: return -1;
	}
	return tf_unser_next(&u, &end) == 0 ? 0 : -1;
}

/* ---- serialize() of an evaluated value -------------------------------------------------- */

static int ser(const struct pv *v, struct d_buf *out, int depth)
{
	if (v == NULL || depth > MAX_DEPTH)
		return -1;
	switch (v->kind) {
	case V_NULL: d_buf_adds(out, "N;"); return 0;
	case V_BOOL: d_buf_printf(out, "b:%d;", v->i ? 1 : 0); return 0;
	case V_INT: d_buf_printf(out, "i:%lld;", (long long)v->i); return 0;
	case V_STR:
		d_buf_printf(out, "s:%zu:\"", v->n);
		d_buf_add(out, v->s, v->n);
		d_buf_adds(out, "\";");
		return 0;
	case V_ARRAY:
		if (v->partial)
			return -1;
		d_buf_printf(out, "a:%zu:{", v->nitems);
		for (size_t i = 0; i < v->nitems; i++) {
			const struct pv_item *it = &v->items[i];

			if (it->skey_set) {
				d_buf_printf(out, "s:%zu:\"", strlen(it->skey));
				d_buf_adds(out, it->skey);
				d_buf_adds(out, "\";");
			} else {
				d_buf_printf(out, "i:%lld;", (long long)it->ikey);
			}
			if (ser(it->val, out, depth + 1) != 0)
				return -1;
		}
		d_buf_adds(out, "}");
		return 0;
	default:
		/* V_FLOAT keeps the source text (a hex or octal literal, 1e3), not PHP's value;
		 * V_UNKNOWN is unknown. */
		return -1;
	}
}

int d_ser_value(const struct pv *v, struct d_buf *out)
{
	return ser(v, out, 0);
}

/* ---- rewriting strings ------------------------------------------------------------------ */

struct rw {
	const char *p, *end;
	d_ser_map_fn fn;
	void *arg;
	struct d_buf *out;
	int changed;
};

/* An unsigned decimal number ending at `stop` (consumed). */
static int rw_count(struct rw *r, char stop, size_t *n)
{
	size_t v = 0;
	int digits = 0;

	while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
		if (++digits > 18)
			return -1;
		v = v * 10 + (size_t)(*r->p++ - '0');
	}
	if (digits == 0 || r->p >= r->end || *r->p != stop)
		return -1;
	r->p++;
	*n = v;
	return 0;
}

/* `"<n bytes>"` at r->p: sets *s to the bytes and moves past the closing quote. */
static int rw_quoted(struct rw *r, size_t n, const char **s)
{
	if (r->p >= r->end || *r->p != '"' || n > (size_t)(r->end - r->p) - 1 ||
	    (size_t)(r->end - r->p) - 1 - n < 1 || r->p[1 + n] != '"')
		return -1;
	*s = r->p + 1;
	r->p += n + 2;
	return 0;
}

static int rw_value(struct rw *r, int is_key, int depth);

/* `N:{` pairs `}` of an array or object: keys are copied, values rewritten. */
static int rw_pairs(struct rw *r, int depth)
{
	size_t n;

	if (rw_count(r, ':', &n) != 0 || r->p >= r->end || *r->p != '{')
		return -1;
	r->p++;
	if (n > (size_t)(r->end - r->p) / 4) /* each pair takes at least "i:0;N;" */
		return -1;
	d_buf_printf(r->out, "%zu:{", n);
	for (size_t i = 0; i < n; i++)
		if (rw_value(r, 1, depth + 1) != 0 || rw_value(r, 0, depth + 1) != 0)
			return -1;
	if (r->p >= r->end || *r->p != '}')
		return -1;
	r->p++;
	d_buf_add(r->out, "}", 1);
	return 0;
}

static int rw_value(struct rw *r, int is_key, int depth)
{
	const char *s;
	size_t n, m;
	char tag;

	if (depth > MAX_DEPTH || r->end - r->p < 2)
		return -1;
	tag = r->p[0];
	if (is_key && tag != 'i' && tag != 's')
		return -1;
	if (tag == 'N') {
		if (r->p[1] != ';')
			return -1;
		r->p += 2;
		d_buf_add(r->out, "N;", 2);
		return 0;
	}
	if (r->p[1] != ':')
		return -1;
	switch (tag) {
	case 'b':
	case 'i':
	case 'd':
	case 'r':
	case 'R': {
		const char *start = r->p;

		r->p += 2;
		while (r->p < r->end && *r->p != ';') {
			char c = *r->p;

			if (!((c >= '0' && c <= '9') || c == '-' || c == '+' ||
			      (tag == 'd' && (c == '.' || c == 'e' || c == 'E' || c == 'I' ||
			                      c == 'N' || c == 'F' || c == 'A'))))
				return -1;
			if (++r->p - start > 80)
				return -1;
		}
		if (r->p >= r->end || r->p == start + 2)
			return -1;
		r->p++;
		d_buf_add(r->out, start, (size_t)(r->p - start));
		return 0;
	}
	case 's':
		r->p += 2;
		if (rw_count(r, ':', &n) != 0 || rw_quoted(r, n, &s) != 0 || r->p >= r->end ||
		    *r->p != ';')
			return -1;
		r->p++;
		if (!is_key) {
			struct d_buf repl = {NULL, 0, 0, 0};
			int mapped = r->fn(r->arg, s, n, &repl);

			if (repl.nomem) {
				d_buf_free(&repl);
				r->out->nomem = 1;
				return -1;
			}
			if (mapped) {
				d_buf_printf(r->out, "s:%zu:\"", repl.n);
				d_buf_add(r->out, repl.p ? repl.p : "", repl.n);
				d_buf_add(r->out, "\";", 2);
				d_buf_free(&repl);
				r->changed = 1;
				return 0;
			}
			d_buf_free(&repl);
		}
		d_buf_printf(r->out, "s:%zu:\"", n);
		d_buf_add(r->out, s, n);
		d_buf_add(r->out, "\";", 2);
		return 0;
	case 'E': /* an enum case: copied */
		r->p += 2;
		if (rw_count(r, ':', &n) != 0 || rw_quoted(r, n, &s) != 0 || r->p >= r->end ||
		    *r->p != ';')
			return -1;
		r->p++;
		d_buf_printf(r->out, "E:%zu:\"", n);
		d_buf_add(r->out, s, n);
		d_buf_add(r->out, "\";", 2);
		return 0;
	case 'a':
		r->p += 2;
		d_buf_add(r->out, "a:", 2);
		return rw_pairs(r, depth);
	case 'O':
		r->p += 2;
		if (rw_count(r, ':', &n) != 0 || rw_quoted(r, n, &s) != 0 || r->p >= r->end ||
		    *r->p != ':')
			return -1;
		r->p++;
		d_buf_printf(r->out, "O:%zu:\"", n);
		d_buf_add(r->out, s, n);
		d_buf_add(r->out, "\":", 2);
		return rw_pairs(r, depth);
	case 'C': /* custom serialization: the payload's format is the class's own: copied */
		r->p += 2;
		if (rw_count(r, ':', &n) != 0 || rw_quoted(r, n, &s) != 0 || r->p >= r->end ||
		    *r->p != ':')
			return -1;
		r->p++;
		d_buf_printf(r->out, "C:%zu:\"", n);
		d_buf_add(r->out, s, n);
		d_buf_add(r->out, "\":", 2);
		if (rw_count(r, ':', &m) != 0 || r->p >= r->end || *r->p != '{' ||
		    m > (size_t)(r->end - r->p) - 1 || (size_t)(r->end - r->p) - 1 - m < 1 ||
		    r->p[1 + m] != '}')
			return -1;
		d_buf_printf(r->out, "%zu:", m);
		d_buf_add(r->out, r->p, m + 2);
		r->p += m + 2;
		return 0;
	default: return -1;
	}
}

int d_ser_rewrite(const char *in, size_t n, d_ser_map_fn fn, void *arg, struct d_buf *out)
{
	struct rw r = {in, in + n, fn, arg, out, 0};

	if (rw_value(&r, 0, 0) != 0 || r.p != r.end || out->nomem)
		return -1;
	return r.changed;
}

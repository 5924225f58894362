/*
 * plugins/drupal/phpeval.c: a site's settings.php evaluated without running PHP.
 *
 * settings.php is a program; what drover needs from it is the value a few variables hold at
 * its end: $databases (credentials and table prefix), $conf['file_public_path'] (7),
 * $settings['file_public_path'] (8+) and $base_url (7). This file walks the PHP with the
 * tokenizer and evaluates the statements that can set them:
 *   - assignments `$var = expr;`, `$var['a']['b'] = expr;`, `$var['a'][] = expr;`, `.=` and
 *     the null-coalescing assignment, in file order, so that a later assignment overrides an
 *     earlier one exactly as in PHP;
 *   - expressions made of literals (strings, numbers, true/false/null), array(...) and [...],
 *     concatenation, variables already known, DRUPAL_ROOT, __DIR__, __FILE__, dirname() and
 *     conf_path(), and "$var" interpolation of known strings;
 *   - include/require of a path it can compute, most often
 *     `include $app_root . '/' . $site_path . '/settings.local.php';` (8+), with $app_root the
 *     platform root and $site_path the site directory, as DrupalKernel sets them.
 * Anything else (getenv(), function calls, arithmetic) gives an "unknown" value that remembers
 * its line: it only matters if a value drover needs ends up unknown, and then settings_read
 * says which line to simplify. Conditions are not evaluated: code inside if/else runs as if
 * every branch were taken in order, and a warning says so when $databases is set there.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drupal.h"
#include "phpeval.h"

#define MAX_NODES    200000 /* a settings.php has a few hundred values */
#define MAX_INCLUDES 8      /* nested include depth */
#define MAX_NEST     64     /* nested expressions */

struct var {
	char *name;
	struct pv *val;
	int uncertain; /* set inside a condition, or touched by a statement not evaluated */
};

struct d_env {
	struct drover_ctx *ctx;
	int rootfd;
	char root[TF_PATH_MAX]; /* normalized, no trailing slash */
	const char *site_dir;
	struct var *vars;
	size_t nvars, cap;
	struct d_strv files; /* every file read, relative to the root when inside it */
	size_t nodes;
	int failed; /* DROVER_E_NOMEM or DROVER_E_RANGE: evaluation stopped */
	int warned_cond;
	int all_uncertain; /* an include or a construct could have changed any variable */
};

/* One file being evaluated. */
struct ev {
	struct d_env *env;
	struct tf_php lx;
	struct tf_tok t; /* the current token */
	int file;        /* index into env->files */
	const char *abs; /* the file's absolute path, for __FILE__ and __DIR__ */
	int incl;        /* include depth */
	long braces;     /* block depth */
	int cond_next;   /* the next statement is the body of an if/else/loop without braces */
	int nest;        /* expression nesting */
};

static struct pv pv_oom = {V_UNKNOWN, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, "(out of memory)"};

/* ---- values ----------------------------------------------------------------------------- */

static struct pv *pv_new(struct d_env *env, int kind, const struct ev *at)
{
	struct pv *v;

	if (env->failed)
		return &pv_oom;
	if (++env->nodes > MAX_NODES) {
		env->failed = DROVER_E_RANGE;
		return &pv_oom;
	}
	v = calloc(1, sizeof *v);
	if (v == NULL) {
		env->failed = DROVER_E_NOMEM;
		return &pv_oom;
	}
	v->kind = kind;
	if (at != NULL) {
		v->line = at->t.line;
		v->file = at->file;
	}
	return v;
}

static void pv_free(struct pv *v)
{
	if (v == NULL || v == &pv_oom)
		return;
	for (size_t i = 0; i < v->nitems; i++) {
		free(v->items[i].skey);
		pv_free(v->items[i].val);
	}
	free(v->items);
	free(v->s);
	free(v);
}

static struct pv *unknown(struct ev *ev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static struct pv *unknown(struct ev *ev, const char *fmt, ...)
{
	struct pv *v = pv_new(ev->env, V_UNKNOWN, ev);
	va_list ap;

	if (v == &pv_oom)
		return v;
	va_start(ap, fmt);
	(void)vsnprintf(v->why, sizeof v->why, fmt, ap);
	va_end(ap);
	return v;
}

static struct pv *str_value(struct ev *ev, const char *s, size_t n)
{
	struct pv *v = pv_new(ev->env, V_STR, ev);

	if (v == &pv_oom)
		return v;
	v->s = d_strndup(s, n);
	if (v->s == NULL) {
		ev->env->failed = DROVER_E_NOMEM;
		free(v);
		return &pv_oom;
	}
	v->n = n;
	return v;
}

static struct pv *pv_copy(struct d_env *env, const struct pv *src)
{
	struct pv *v;

	if (src == &pv_oom || env->failed)
		return &pv_oom;
	v = pv_new(env, src->kind, NULL);
	if (v == &pv_oom)
		return v;
	v->partial = src->partial;
	v->i = src->i;
	v->line = src->line;
	v->file = src->file;
	v->next = src->next;
	memcpy(v->why, src->why, sizeof v->why);
	if (src->s != NULL) {
		v->s = d_strndup(src->s, src->n);
		v->n = src->n;
		if (v->s == NULL)
			goto nomem;
	}
	if (src->nitems > 0) {
		v->items = calloc(src->nitems, sizeof *v->items);
		if (v->items == NULL)
			goto nomem;
		v->cap = src->nitems;
		for (size_t i = 0; i < src->nitems; i++) {
			struct pv_item *d = &v->items[i];
			const struct pv_item *s = &src->items[i];

			d->skey_set = s->skey_set;
			d->ikey = s->ikey;
			if (s->skey != NULL &&
			    (d->skey = d_strndup(s->skey, strlen(s->skey))) == NULL)
				goto nomem;
			d->val = pv_copy(env, s->val);
			v->nitems++;
			if (d->val == &pv_oom)
				break;
		}
	}
	return v;
nomem:
	env->failed = DROVER_E_NOMEM;
	pv_free(v);
	return &pv_oom;
}

/* A PHP array key from a value, with PHP's conversions ("12" -> 12, true -> 1, null -> "").
 * Returns 0, or -1 when the key is not known. */
static int to_key(const struct pv *k, int *is_str, int64_t *ik, const char **sk, size_t *skn)
{
	*is_str = 0;
	switch (k->kind) {
	case V_INT:
	case V_BOOL: *ik = k->i; return 0;
	case V_NULL:
		*is_str = 1;
		*sk = "";
		*skn = 0;
		return 0;
	case V_FLOAT: *ik = strtoll(k->s, NULL, 10); return 0;
	case V_STR: {
		/* Canonical decimal integers become integer keys. */
		const char *s = k->s;
		size_t n = k->n, i = (n > 0 && s[0] == '-') ? 1 : 0;
		int canonical =
		    n > i && n - i <= 18 && !(s[i] == '0' && n - i > 1) && !(s[i] == '0' && i == 1);

		for (size_t j = i; canonical && j < n; j++)
			canonical = s[j] >= '0' && s[j] <= '9';
		if (canonical) {
			*ik = strtoll(s, NULL, 10);
			return 0;
		}
		*is_str = 1;
		*sk = s;
		*skn = n;
		return 0;
	}
	default: return -1;
	}
}

static struct pv_item *find_item(const struct pv *a, int is_str, int64_t ik, const char *sk,
                                 size_t skn)
{
	for (size_t i = 0; i < a->nitems; i++) {
		struct pv_item *it = &a->items[i];

		if (it->skey_set != is_str)
			continue;
		if (is_str ? (strlen(it->skey) == skn && memcmp(it->skey, sk, skn) == 0)
		           : it->ikey == ik)
			return it;
	}
	return NULL;
}

/* The slot for a key in array a, created (holding NULL) if missing. NULL when out of memory. */
static struct pv_item *slot(struct d_env *env, struct pv *a, int is_str, int64_t ik, const char *sk,
                            size_t skn)
{
	struct pv_item *it = find_item(a, is_str, ik, sk, skn);

	if (it != NULL || a == &pv_oom)
		return it;
	if (a->nitems == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		struct pv_item *v = realloc(a->items, cap * sizeof *v);

		if (v == NULL) {
			env->failed = DROVER_E_NOMEM;
			return NULL;
		}
		a->items = v;
		a->cap = cap;
	}
	it = &a->items[a->nitems];
	memset(it, 0, sizeof *it);
	it->skey_set = is_str;
	it->ikey = ik;
	if (is_str && (it->skey = d_strndup(sk, skn)) == NULL) {
		env->failed = DROVER_E_NOMEM;
		return NULL;
	}
	if (!is_str && ik >= a->next)
		a->next = ik + 1;
	a->nitems++;
	return it;
}

/* a[key] = val (val is consumed). */
static void array_set(struct d_env *env, struct pv *a, const struct pv *key, struct pv *val)
{
	const char *sk = NULL;
	size_t skn = 0;
	int64_t ik = 0;
	int is_str;
	struct pv_item *it;

	if (a == &pv_oom) {
		pv_free(val);
		return;
	}
	if (key == NULL) {
		ik = a->next;
		is_str = 0;
	} else if (to_key(key, &is_str, &ik, &sk, &skn) != 0) {
		a->partial = 1; /* some key holds something, we cannot say which */
		pv_free(val);
		return;
	}
	it = slot(env, a, is_str, ik, sk, skn);
	if (it == NULL) {
		pv_free(val);
		return;
	}
	pv_free(it->val);
	it->val = val;
}

/* a[key], or NULL if a has no such key (and is known to have none). */
const struct pv *d_php_get(const struct pv *a, const char *key)
{
	struct pv k = {V_STR, 0, 0, (char *)(uintptr_t)key, strlen(key), NULL, 0, 0, 0, 0, 0, ""};
	const char *sk = NULL;
	size_t skn = 0;
	int64_t ik = 0;
	int is_str;
	const struct pv_item *it;

	if (a == NULL || a->kind != V_ARRAY)
		return NULL;
	(void)to_key(&k, &is_str, &ik, &sk, &skn);
	it = find_item(a, is_str, ik, sk, skn);
	return it ? it->val : NULL;
}

/* Text of a scalar the way PHP converts it to a string; 0, or -1 if it has none. */
int d_php_text(const struct pv *v, char *buf, size_t size, const char **s, size_t *n)
{
	switch (v->kind) {
	case V_STR:
	case V_FLOAT:
		*s = v->s;
		*n = v->n;
		return 0;
	case V_INT: {
		int k = snprintf(buf, size, "%lld", (long long)v->i);

		*s = buf;
		*n = (k > 0 && (size_t)k < size) ? (size_t)k : 0;
		return 0;
	}
	case V_BOOL:
		*s = v->i ? "1" : "";
		*n = v->i ? 1 : 0;
		return 0;
	case V_NULL:
		*s = "";
		*n = 0;
		return 0;
	default: return -1;
	}
}

/* ---- the environment -------------------------------------------------------------------- */

static struct var *var_find(struct d_env *env, const char *name, size_t n)
{
	for (size_t i = 0; i < env->nvars; i++)
		if (strlen(env->vars[i].name) == n && memcmp(env->vars[i].name, name, n) == 0)
			return &env->vars[i];
	return NULL;
}

static struct var *var_get(struct d_env *env, const char *name, size_t n)
{
	struct var *v = var_find(env, name, n);

	if (v != NULL)
		return v;
	if (env->nvars == env->cap) {
		size_t cap = env->cap ? env->cap * 2 : 16;
		struct var *nv = realloc(env->vars, cap * sizeof *nv);

		if (nv == NULL) {
			env->failed = DROVER_E_NOMEM;
			return NULL;
		}
		env->vars = nv;
		env->cap = cap;
	}
	v = &env->vars[env->nvars];
	v->name = d_strndup(name, n);
	if (v->name == NULL) {
		env->failed = DROVER_E_NOMEM;
		return NULL;
	}
	v->val = NULL;
	v->uncertain = 0;
	env->nvars++;
	return v;
}

static void var_set_str(struct d_env *env, const char *name, const char *s)
{
	struct var *v = var_get(env, name, strlen(name));
	struct pv *val;

	if (v == NULL)
		return;
	val = pv_new(env, V_STR, NULL);
	if (val == &pv_oom)
		return;
	val->s = d_strndup(s, strlen(s));
	val->n = strlen(s);
	if (val->s == NULL) {
		env->failed = DROVER_E_NOMEM;
		free(val);
		return;
	}
	v->val = val;
}

void d_env_free(struct d_env *env)
{
	if (env == NULL)
		return;
	for (size_t i = 0; i < env->nvars; i++) {
		free(env->vars[i].name);
		pv_free(env->vars[i].val);
	}
	free(env->vars);
	d_strv_free(&env->files);
	free(env);
}

/* ---- tokens ----------------------------------------------------------------------------- */

static void next(struct ev *ev)
{
	tf_php_next(&ev->lx, &ev->t);
}

static int is_op(const struct ev *ev, const char *op)
{
	return tf_tok_op(&ev->t, op);
}

static int at_end_of_expr(const struct ev *ev)
{
	return ev->t.kind == TF_TOK_EOF || is_op(ev, ";") || is_op(ev, ",") || is_op(ev, ")") ||
	       is_op(ev, "]") || is_op(ev, "=>") || is_op(ev, "}");
}

/* Skip tokens up to the end of the current expression, keeping brackets balanced. */
static void skip_expr(struct ev *ev)
{
	long depth = 0;

	while (ev->t.kind != TF_TOK_EOF) {
		if (depth == 0 && at_end_of_expr(ev))
			return;
		if (is_op(ev, "(") || is_op(ev, "[") || is_op(ev, "{"))
			depth++;
		else if (is_op(ev, ")") || is_op(ev, "]") || is_op(ev, "}"))
			depth--;
		next(ev);
	}
}

/* Skip a balanced group starting at the current opening token. */
static void skip_group(struct ev *ev)
{
	long depth = 0;

	do {
		if (is_op(ev, "(") || is_op(ev, "[") || is_op(ev, "{"))
			depth++;
		else if (is_op(ev, ")") || is_op(ev, "]") || is_op(ev, "}"))
			depth--;
		next(ev);
	} while (depth > 0 && ev->t.kind != TF_TOK_EOF);
}

/* ---- expressions ------------------------------------------------------------------------ */

static struct pv *expr(struct ev *ev);

/* A growing byte buffer. */
struct sb {
	char *p;
	size_t n, cap;
	int nomem;
};

static void sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->nomem)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->n + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->nomem = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_addc(struct sb *b, char c)
{
	sb_add(b, &c, 1);
}

/* "$name", "{$name}" or "${name}" at s[*i] inside a double-quoted string: appends the value of
 * a known scalar variable and moves *i to the last byte used. 0, or -1 if it cannot be known
 * (array elements, properties, unknown variables). */
static int interpolate(struct ev *ev, const char *s, size_t n, size_t *i, struct sb *out)
{
	size_t j = *i + 1, start, end;
	int braced = 0;
	const struct var *var;
	char num[32];
	const char *text;
	size_t tn;

	if (s[*i] == '{') { /* {$name} */
		braced = 1;
		j = *i + 2;
	} else if (j < n && s[j] == '{') { /* ${name} */
		braced = 1;
		j++;
	}
	start = j;
	while (j < n && tf_php_identc((unsigned char)s[j]))
		j++;
	end = j;
	if (end == start)
		return -1;
	if (braced) {
		if (j >= n || s[j] != '}')
			return -1;
	} else if (j < n && (s[j] == '[' || (s[j] == '-' && j + 1 < n && s[j + 1] == '>'))) {
		return -1;
	} else {
		j--;
	}
	var = var_find(ev->env, s + start, end - start);
	if (var == NULL || var->val == NULL ||
	    d_php_text(var->val, num, sizeof num, &text, &tn) != 0)
		return -1;
	sb_add(out, text, tn);
	*i = j;
	return 0;
}

/* The value of a string token: single-quoted, double-quoted (escapes and "$var"), heredoc
 * (read like double-quoted) or backticks (a shell command: unknown). */
static struct pv *string_value(struct ev *ev)
{
	const struct tf_tok *t = &ev->t;
	char q = t->s[-1]; /* the opening quote; '\n' ends a heredoc's opening line */
	struct sb out = {NULL, 0, 0, 0};
	struct pv *v;

	if (q == '`')
		return unknown(ev, "a shell command in backticks");
	sb_add(&out, "", 0);
	for (size_t i = 0; i < t->n; i++) {
		char c = t->s[i];

		if (q == '\'') {
			if (c == '\\' && i + 1 < t->n &&
			    (t->s[i + 1] == '\\' || t->s[i + 1] == '\''))
				c = t->s[++i];
			sb_addc(&out, c);
			continue;
		}
		if ((c == '$' && i + 1 < t->n &&
		     (tf_php_identc((unsigned char)t->s[i + 1]) || t->s[i + 1] == '{')) ||
		    (c == '{' && i + 1 < t->n && t->s[i + 1] == '$')) {
			if (interpolate(ev, t->s, t->n, &i, &out) != 0) {
				free(out.p);
				return unknown(ev, "a \"...$variable...\" string");
			}
			continue;
		}
		if (c == '\\' && i + 1 < t->n) {
			char e = t->s[i + 1];
			int h;

			switch (e) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'v': c = '\v'; break;
			case 'f': c = '\f'; break;
			case 'e': c = '\x1b'; break;
			case '\\':
			case '$':
			case '"': c = e; break;
			case 'x':
				if (i + 2 >= t->n || (h = tfj_hex(t->s[i + 2])) < 0) {
					sb_addc(&out, c);
					continue;
				}
				i += 2;
				if (i + 1 < t->n && tfj_hex(t->s[i + 1]) >= 0)
					h = h * 16 + tfj_hex(t->s[++i]);
				sb_addc(&out, (char)h);
				continue;
			default:
				if (e >= '0' && e <= '7') {
					int oct = 0;

					for (int k = 0; k < 3 && i + 1 < t->n &&
					                t->s[i + 1] >= '0' && t->s[i + 1] <= '7';
					     k++)
						oct = oct * 8 + (t->s[++i] - '0');
					sb_addc(&out, (char)oct);
					continue;
				}
				sb_addc(&out, c); /* an unknown escape keeps its backslash */
				continue;
			}
			i++;
		}
		sb_addc(&out, c);
	}
	if (out.nomem) {
		free(out.p);
		ev->env->failed = DROVER_E_NOMEM;
		return &pv_oom;
	}
	v = str_value(ev, out.p, out.n);
	free(out.p);
	return v;
}

static struct pv *number_value(struct ev *ev, int negative)
{
	const struct tf_tok *t = &ev->t;
	char buf[64];
	size_t o = 0;
	int digits_only = 1;
	struct pv *v;

	if (t->n >= sizeof buf - 1)
		return unknown(ev, "a number too long to read");
	if (negative)
		buf[o++] = '-';
	for (size_t i = 0; i < t->n; i++) {
		if (t->s[i] == '_') /* PHP 7.4 digit separator */
			continue;
		if (t->s[i] < '0' || t->s[i] > '9')
			digits_only = 0;
		buf[o++] = t->s[i];
	}
	buf[o] = '\0';
	/* Decimal integers are what settings hold (ports); a leading 0 would be octal and any
	 * other form (hex, floats) stays text. */
	if (digits_only && o - (size_t)negative <= 18 &&
	    !(buf[negative] == '0' && o - (size_t)negative > 1)) {
		v = pv_new(ev->env, V_INT, ev);
		if (v != &pv_oom)
			v->i = strtoll(buf, NULL, 10);
		return v;
	}
	v = str_value(ev, buf, o);
	if (v != &pv_oom)
		v->kind = V_FLOAT;
	return v;
}

/* PHP's dirname(), `levels` times. */
static struct pv *dirname_value(struct ev *ev, const char *path, int64_t levels)
{
	char buf[TF_PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof buf)
		return unknown(ev, "dirname() of a path too long");
	memcpy(buf, path, n + 1);
	while (levels-- > 0) {
		while (n > 1 && buf[n - 1] == '/')
			n--;
		while (n > 0 && buf[n - 1] != '/')
			n--;
		while (n > 1 && buf[n - 1] == '/')
			n--;
		if (n == 0) {
			buf[0] = '.';
			n = 1;
		}
		buf[n] = '\0';
	}
	return str_value(ev, buf, n);
}

static struct pv *array_literal(struct ev *ev, const char *close);

/* base[key], consuming both. */
static struct pv *element(struct ev *ev, struct pv *base, struct pv *key)
{
	const char *sk = NULL;
	size_t skn = 0;
	int64_t ik = 0;
	int is_str;
	const struct pv_item *it;
	struct pv *v;

	if (base->kind == V_UNKNOWN) {
		pv_free(key);
		return base;
	}
	if (base->kind != V_ARRAY || to_key(key, &is_str, &ik, &sk, &skn) != 0) {
		v = unknown(ev, base->kind != V_ARRAY ? "an offset into a non-array"
		                                      : "an element with an unknown key");
	} else if ((it = find_item(base, is_str, ik, sk, skn)) != NULL) {
		v = pv_copy(ev->env, it->val);
	} else if (base->partial) {
		v = unknown(ev, "an element drover cannot know");
	} else {
		v = pv_new(ev->env, V_NULL, ev); /* PHP: undefined index gives null */
	}
	pv_free(key);
	pv_free(base);
	return v;
}

static struct pv *variable_value(struct ev *ev)
{
	const struct var *var = var_find(ev->env, ev->t.s, ev->t.n);
	struct pv *v;

	if (var == NULL || var->val == NULL)
		v = unknown(ev, "$%.*s, which is not set before",
		            (int)(ev->t.n > 40 ? 40 : ev->t.n), ev->t.s);
	else
		v = pv_copy(ev->env, var->val);
	next(ev);
	while (is_op(ev, "[") && !ev->env->failed) {
		struct pv *k;

		next(ev);
		if (is_op(ev, "]")) {
			pv_free(v);
			return unknown(ev, "reading $x[]");
		}
		k = expr(ev);
		if (!is_op(ev, "]")) {
			pv_free(k);
			pv_free(v);
			return unknown(ev, "an unfinished [..]");
		}
		next(ev);
		v = element(ev, v, k);
	}
	return v;
}

static struct pv *primary(struct ev *ev)
{
	const struct tf_tok *t = &ev->t;
	struct pv *v;

	switch (t->kind) {
	case TF_TOK_STRING:
		v = string_value(ev);
		next(ev);
		return v;
	case TF_TOK_NUMBER:
		v = number_value(ev, 0);
		next(ev);
		return v;
	case TF_TOK_VAR: return variable_value(ev);
	case TF_TOK_IDENT:
		if (tf_tok_word(t, "true") || tf_tok_word(t, "false")) {
			v = pv_new(ev->env, V_BOOL, ev);
			if (v != &pv_oom)
				v->i = tf_tok_word(t, "true");
			next(ev);
			return v;
		}
		if (tf_tok_word(t, "null")) {
			v = pv_new(ev->env, V_NULL, ev);
			next(ev);
			return v;
		}
		if (tf_tok_word(t, "array")) {
			next(ev);
			if (is_op(ev, "("))
				return array_literal(ev, ")");
			return unknown(ev, "the word array");
		}
		if (tf_tok_ident(t, "DRUPAL_ROOT")) {
			v = str_value(ev, ev->env->root, strlen(ev->env->root));
			next(ev);
			return v;
		}
		if (tf_tok_ident(t, "__DIR__") || tf_tok_ident(t, "__FILE__")) {
			v = tf_tok_ident(t, "__DIR__") ? dirname_value(ev, ev->abs, 1)
			                               : str_value(ev, ev->abs, strlen(ev->abs));
			next(ev);
			return v;
		}
		if (tf_tok_word(t, "dirname") || tf_tok_word(t, "conf_path")) {
			int is_dirname = tf_tok_word(t, "dirname");
			struct pv *arg = NULL, *levels = NULL;

			next(ev);
			if (!is_op(ev, "("))
				return unknown(ev, "a constant named like a function");
			next(ev);
			if (!is_op(ev, ")")) {
				arg = expr(ev);
				if (is_op(ev, ",")) {
					next(ev);
					levels = expr(ev);
				}
			}
			if (!is_op(ev, ")")) {
				pv_free(arg);
				pv_free(levels);
				return unknown(ev, "an unfinished call");
			}
			next(ev);
			if (!is_dirname)
				v = str_value(ev, ev->env->site_dir, strlen(ev->env->site_dir));
			else if (arg == NULL || arg->kind != V_STR ||
			         (levels != NULL &&
			          (levels->kind != V_INT || levels->i < 1 || levels->i > 64)))
				v = unknown(ev, "dirname() of something drover cannot know");
			else
				v = dirname_value(ev, arg->s, levels ? levels->i : 1);
			pv_free(arg);
			pv_free(levels);
			return v;
		}
		{
			char name[48];

			(void)tf_printable(name, sizeof name, t->s, t->n);
			next(ev);
			if (is_op(ev, "(")) {
				skip_group(ev);
				return unknown(ev, "%s()", name);
			}
			return unknown(ev, "the constant %s", name);
		}
	default: break;
	}
	if (is_op(ev, "[")) {
		return array_literal(ev, "]");
	}
	if (is_op(ev, "(")) {
		next(ev);
		v = expr(ev);
		if (!is_op(ev, ")")) {
			pv_free(v);
			return unknown(ev, "an unfinished (..)");
		}
		next(ev);
		return v;
	}
	if (is_op(ev, "-")) {
		next(ev);
		if (ev->t.kind == TF_TOK_NUMBER) {
			v = number_value(ev, 1);
			next(ev);
			return v;
		}
		return unknown(ev, "a negated expression");
	}
	if (is_op(ev, "+") || is_op(ev, "&") || is_op(ev, "@")) {
		next(ev);
		return primary(ev);
	}
	{
		char op[16];

		return unknown(ev, "'%s'", tf_printable(op, sizeof op, t->s, t->n));
	}
}

/* Concatenation of two values, consuming both. */
static struct pv *join(struct ev *ev, struct pv *a, struct pv *b)
{
	char na[32], nb[32];
	const char *sa, *sb2;
	size_t la, lb;
	struct sb out = {NULL, 0, 0, 0};
	struct pv *v;

	if (a->kind == V_UNKNOWN) {
		pv_free(b);
		return a;
	}
	if (b->kind == V_UNKNOWN) {
		pv_free(a);
		return b;
	}
	if (d_php_text(a, na, sizeof na, &sa, &la) != 0 ||
	    d_php_text(b, nb, sizeof nb, &sb2, &lb) != 0) {
		pv_free(a);
		pv_free(b);
		return unknown(ev, "an array used as a string");
	}
	sb_add(&out, sa, la);
	sb_add(&out, sb2, lb);
	if (out.nomem) {
		ev->env->failed = DROVER_E_NOMEM;
		v = &pv_oom;
	} else {
		v = str_value(ev, out.p, out.n);
		if (v != &pv_oom) {
			v->line = a->line;
			v->file = a->file;
		}
	}
	free(out.p);
	pv_free(a);
	pv_free(b);
	return v;
}

static struct pv *expr(struct ev *ev)
{
	struct pv *v;

	if (++ev->nest > MAX_NEST) {
		v = unknown(ev, "an expression nested too deeply");
		skip_expr(ev);
		ev->nest--;
		return v;
	}
	v = primary(ev);
	while (is_op(ev, ".") && !ev->env->failed) {
		next(ev);
		v = join(ev, v, primary(ev));
	}
	if (!at_end_of_expr(ev)) {
		/* An operator drover does not evaluate (?:, ??, +, ...): the whole expression is
		 * unknown. */
		char op[16];
		struct pv *u =
		    unknown(ev, "the operator '%s'", tf_printable(op, sizeof op, ev->t.s, ev->t.n));

		pv_free(v);
		skip_expr(ev);
		v = u;
	}
	ev->nest--;
	return v;
}

/* array(...) or [...]; the current token is the opening one. */
static struct pv *array_literal(struct ev *ev, const char *close)
{
	struct pv *a = pv_new(ev->env, V_ARRAY, ev);

	next(ev);
	while (ev->t.kind != TF_TOK_EOF && !ev->env->failed) {
		struct pv *k, *val;

		if (is_op(ev, close)) {
			next(ev);
			return a;
		}
		if (is_op(ev, "...")) { /* spread: keys we cannot know */
			next(ev);
			pv_free(expr(ev));
			if (a != &pv_oom)
				a->partial = 1;
		} else {
			k = expr(ev);
			if (is_op(ev, "=>")) {
				next(ev);
				if (is_op(ev, "&"))
					next(ev);
				val = expr(ev);
				array_set(ev->env, a, k, val);
				pv_free(k);
			} else {
				array_set(ev->env, a, NULL, k);
			}
		}
		if (is_op(ev, ",")) {
			next(ev);
			continue;
		}
		if (is_op(ev, close)) {
			next(ev);
			return a;
		}
		/* Something we cannot read: give up on the rest of the literal. */
		if (a != &pv_oom)
			a->partial = 1;
		while (ev->t.kind != TF_TOK_EOF && !is_op(ev, close)) {
			if (is_op(ev, "(") || is_op(ev, "[") || is_op(ev, "{"))
				skip_group(ev);
			else
				next(ev);
		}
	}
	if (ev->t.kind != TF_TOK_EOF)
		next(ev);
	return a;
}

/* ---- statements ------------------------------------------------------------------------- */

/* Skip to the end of the statement: past its ';', or up to a '}' that closes the block. */
static void skip_statement(struct ev *ev)
{
	while (ev->t.kind != TF_TOK_EOF) {
		if (is_op(ev, ";")) {
			next(ev);
			return;
		}
		if (is_op(ev, "}"))
			return;
		if (is_op(ev, "(") || is_op(ev, "[") || is_op(ev, "{"))
			skip_group(ev);
		else
			next(ev);
	}
}

size_t d_php_nfiles(const struct d_env *env)
{
	return env->files.n;
}

const char *d_php_file(const struct d_env *env, int file)
{
	return (file >= 0 && (size_t)file < env->files.n) ? env->files.v[file] : "settings.php";
}

static void assignment(struct ev *ev, int cond)
{
	struct d_env *env = ev->env;
	struct pv *keys[16], *val, **slotp;
	size_t nkeys = 0;
	char name[64], op[4];
	unsigned line = ev->t.line;
	struct var *var;

	if (tf_copy(name, sizeof name, ev->t.s, ev->t.n) != 0) {
		skip_statement(ev);
		return;
	}
	next(ev);
	while (is_op(ev, "[") && nkeys < 16 && !env->failed) {
		next(ev);
		if (is_op(ev, "]")) {
			keys[nkeys++] = NULL;
		} else {
			keys[nkeys++] = expr(ev);
			if (!is_op(ev, "]"))
				goto skip;
		}
		next(ev);
	}
	if (env->failed)
		goto skip;
	if (!(is_op(ev, "=") || is_op(ev, ".=") || is_op(ev, "?\?="))) {
		/* $x++, $x->y = .., $f(), compound arithmetic: nothing drover tracks changes,
		 * except that a tracked value may now be anything. */
		if (ev->t.kind == TF_TOK_OP && ev->t.n >= 2 && ev->t.s[ev->t.n - 1] == '=' &&
		    !is_op(ev, "==") && !is_op(ev, "===") && !is_op(ev, "!=") &&
		    !is_op(ev, "!==") && !is_op(ev, "<=") && !is_op(ev, ">=")) {
			op[0] = '\0';
			goto compound;
		}
		goto skip;
	}
	(void)tf_copy(op, sizeof op, ev->t.s, ev->t.n);
compound:
	next(ev);
	if (is_op(ev, "&"))
		next(ev);
	val = expr(ev);
	if (op[0] == '\0') {
		pv_free(val);
		val = unknown(ev, "a compound assignment");
		if (val != &pv_oom)
			val->line = line;
	}
	var = var_get(env, name, strlen(name));
	if (var == NULL) {
		pv_free(val);
		goto skip;
	}
	if (cond)
		var->uncertain = 1;
	if (strcmp(name, "databases") == 0 && cond && !env->warned_cond) {
		env->warned_cond = 1;
		env->ctx->host->log(
		    env->ctx, DROVER_LOG_WARNING,
		    "%s:%u: $databases is set inside a condition, which drover does "
		    "not evaluate; it uses the last assignment in file order",
		    d_php_file(env, ev->file), line);
	}
	/* Walk down the keys, making arrays as PHP does. */
	slotp = &var->val;
	for (size_t i = 0; i < nkeys; i++) {
		struct pv *cur = *slotp;
		struct pv_item *it;
		const char *sk = NULL;
		size_t skn = 0;
		int64_t ik = 0;
		int is_str = 0;

		if (cur == NULL || cur->kind != V_ARRAY) {
			struct pv *arr = pv_new(env, V_ARRAY, ev);

			if (arr == &pv_oom) {
				pv_free(val);
				goto skip;
			}
			/* Writing into an unknown value leaves the rest of it unknown. */
			arr->partial = cur != NULL && cur->kind == V_UNKNOWN;
			arr->line = line;
			arr->file = ev->file;
			pv_free(cur);
			*slotp = cur = arr;
		}
		if (keys[i] == NULL) {
			ik = cur->next;
		} else if (to_key(keys[i], &is_str, &ik, &sk, &skn) != 0) {
			cur->partial = 1;
			pv_free(val);
			goto skip;
		}
		it = slot(env, cur, is_str, ik, sk, skn);
		if (it == NULL) {
			pv_free(val);
			goto skip;
		}
		slotp = &it->val;
	}
	if (strcmp(op, "=") == 0 ||
	    (strcmp(op, "?\?=") == 0 && (*slotp == NULL || (*slotp)->kind == V_NULL))) {
		pv_free(*slotp);
		*slotp = val;
	} else if (strcmp(op, ".=") == 0 && *slotp != NULL) {
		*slotp = join(ev, *slotp, val);
	} else if (strcmp(op, ".=") == 0) {
		*slotp = val;
	} else if (op[0] == '\0') {
		pv_free(*slotp);
		*slotp = val;
	} else {
		pv_free(val); /* a null-coalescing assignment on a value already set */
	}
skip:
	for (size_t i = 0; i < nkeys; i++)
		pv_free(keys[i]);
	skip_statement(ev);
}

static int run_file(struct d_env *env, const char *rel, const char *abs, int incl,
                    const struct tf_buf *b);

static void include(struct ev *ev, int cond)
{
	struct d_env *env = ev->env;
	int once = ev->t.n > 8; /* include_once, require_once */
	unsigned line = ev->t.line;
	char kw[16], joined[TF_PATH_MAX * 2], full[TF_PATH_MAX];
	const char *rel;
	size_t rl = strlen(env->root);
	struct tf_buf b;
	struct pv *v;
	int err_no, rc, n;

	(void)tf_copy(kw, sizeof kw, ev->t.s, ev->t.n);
	next(ev);
	v = expr(ev);
	skip_statement(ev);
	if (v->kind != V_STR) {
		env->all_uncertain = 1;
		if (!env->failed)
			env->ctx->host->log(
			    env->ctx, DROVER_LOG_WARNING,
			    "%s:%u: %s of a path drover cannot compute (%s); settings in "
			    "that file are not read",
			    d_php_file(env, ev->file), line, kw,
			    v->kind == V_UNKNOWN ? v->why : "not a string");
		pv_free(v);
		return;
	}
	/* PHP resolves a relative path against the working directory, Drupal's root. */
	n = v->s[0] == '/' ? snprintf(joined, sizeof joined, "%s", v->s)
	                   : snprintf(joined, sizeof joined, "%s/%s", env->root, v->s);
	pv_free(v);
	if (n < 0 || (size_t)n >= sizeof joined || d_path_normalize(full, sizeof full, joined) != 0)
		return;
	rel = (strncmp(full, env->root, rl) == 0 && full[rl] == '/') ? full + rl + 1 : full;
	if (once)
		for (size_t i = 0; i < env->files.n; i++)
			if (strcmp(env->files.v[i], rel) == 0)
				return;
	if (ev->incl >= MAX_INCLUDES) {
		env->all_uncertain = 1;
		env->ctx->host->log(env->ctx, DROVER_LOG_WARNING,
		                    "%s:%u: includes nested more than %d deep; %s is not read",
		                    d_php_file(env, ev->file), line, MAX_INCLUDES, rel);
		return;
	}
	rc = tf_slurp_at(env->rootfd, rel, &b, &err_no);
	if (rc == DROVER_E_NOMEM) {
		env->failed = rc;
		return;
	}
	if (rc != 0) {
		/* A guarded include of a missing settings.local.php is the common case; it sets
		 * nothing. Any other failure leaves unknown what the file would have set. */
		if (!(rc == DROVER_E_NOTFOUND && cond))
			env->all_uncertain = 1;
		env->ctx->host->log(
		    env->ctx,
		    (rc == DROVER_E_NOTFOUND && cond) ? DROVER_LOG_DEBUG : DROVER_LOG_WARNING,
		    "%s:%u: %s %s: %s; its settings are not read", d_php_file(env, ev->file), line,
		    kw, rel, tf_slurp_why(rc, err_no));
		return;
	}
	(void)run_file(env, rel, full, ev->incl + 1, &b);
	tf_buf_free(&b);
}

/* A statement drover does not evaluate (unset(), a call, foreach (... as &$x)) may change the
 * variables it names: mark them uncertain, and every variable when it uses variable variables
 * or functions that set variables by name. Reads only the tokens; the caller skips them. */
static void mark_touched(struct ev *ev, int header)
{
	struct d_env *env = ev->env;
	struct tf_php lx = ev->lx;
	struct tf_tok t = ev->t, prev = {TF_TOK_EOF, "", 0, 0};
	long depth = 0;

	while (t.kind != TF_TOK_EOF) {
		if (tf_tok_op(&t, "(") || tf_tok_op(&t, "[") || tf_tok_op(&t, "{")) {
			if (tf_tok_op(&t, "{") && tf_tok_op(&prev, "$")) /* ${'name'} */
				env->all_uncertain = 1;
			depth++;
		} else if (tf_tok_op(&t, ")") || tf_tok_op(&t, "]") || tf_tok_op(&t, "}")) {
			if (--depth < 0 || (header && depth == 0))
				return;
		} else if (depth == 0 && !header && tf_tok_op(&t, ";")) {
			return;
		} else if (t.kind == TF_TOK_VAR) {
			struct var *var = var_find(env, t.s, t.n);

			if (var != NULL)
				var->uncertain = 1;
			if (tf_tok_op(&prev, "$"))
				env->all_uncertain = 1;
		} else if (tf_tok_word(&t, "extract") || tf_tok_word(&t, "parse_str") ||
		           tf_tok_word(&t, "eval")) {
			env->all_uncertain = 1;
		}
		prev = t;
		tf_php_next(&lx, &t);
	}
}

/* Skip a function or class definition: up to its body, then the body. */
static void skip_definition(struct ev *ev)
{
	while (ev->t.kind != TF_TOK_EOF && !is_op(ev, "{") && !is_op(ev, ";")) {
		if (is_op(ev, "("))
			skip_group(ev);
		else
			next(ev);
	}
	if (is_op(ev, "{"))
		skip_group(ev);
}

static void run(struct ev *ev)
{
	struct d_env *env = ev->env;

	while (ev->t.kind != TF_TOK_EOF && !env->failed) {
		const struct tf_tok *t = &ev->t;
		int cond = ev->cond_next || ev->braces > 0;

		ev->cond_next = 0;
		if (is_op(ev, ";")) {
			next(ev);
		} else if (is_op(ev, "{")) {
			ev->braces++;
			next(ev);
		} else if (is_op(ev, "}")) {
			if (ev->braces > 0)
				ev->braces--;
			next(ev);
		} else if (is_op(ev, "?") && ev->lx.p < ev->lx.end && *ev->lx.p == '>') {
			/* ?> ... <?php: the text between is output, not code. */
			const char *q = ev->lx.p, *resume;

			while (q + 5 <= ev->lx.end && strncasecmp(q, "<?php", 5) != 0)
				q++;
			resume = q + 5 <= ev->lx.end ? q + 5 : ev->lx.end;
			for (q = ev->lx.p; q < resume; q++)
				if (*q == '\n')
					ev->lx.line++;
			ev->lx.p = resume;
			next(ev);
		} else if (t->kind == TF_TOK_VAR) {
			assignment(ev, cond);
		} else if (tf_tok_word(t, "include") || tf_tok_word(t, "require") ||
		           tf_tok_word(t, "include_once") || tf_tok_word(t, "require_once")) {
			include(ev, cond);
		} else if (tf_tok_word(t, "if") || tf_tok_word(t, "elseif") ||
		           tf_tok_word(t, "while") || tf_tok_word(t, "for") ||
		           tf_tok_word(t, "foreach") || tf_tok_word(t, "switch") ||
		           tf_tok_word(t, "catch") || tf_tok_word(t, "declare")) {
			int declare = tf_tok_word(t, "declare");
			int foreach = tf_tok_word(t, "foreach");

			next(ev);
			if (foreach && is_op(ev, "(")) /* foreach ($a as &$x) can change $a */
				mark_touched(ev, 1);
			if (is_op(ev, "("))
				skip_group(ev);
			if (is_op(ev, ":")) { /* alternative syntax: if (...): ... endif; */
				ev->braces++;
				next(ev);
			} else if (!is_op(ev, "{") && !is_op(ev, ";") && !declare) {
				ev->cond_next = 1;
			}
		} else if (tf_tok_word(t, "else") || tf_tok_word(t, "do") ||
		           tf_tok_word(t, "try") || tf_tok_word(t, "finally")) {
			next(ev);
			if (is_op(ev, ":"))
				next(ev);
			else if (!is_op(ev, "{") && !tf_tok_word(&ev->t, "if"))
				ev->cond_next = 1;
		} else if (tf_tok_word(t, "endif") || tf_tok_word(t, "endwhile") ||
		           tf_tok_word(t, "endfor") || tf_tok_word(t, "endforeach") ||
		           tf_tok_word(t, "endswitch") || tf_tok_word(t, "enddeclare")) {
			if (ev->braces > 0)
				ev->braces--;
			next(ev);
		} else if (tf_tok_word(t, "function") || tf_tok_word(t, "class") ||
		           tf_tok_word(t, "interface") || tf_tok_word(t, "trait") ||
		           tf_tok_word(t, "abstract") || tf_tok_word(t, "final") ||
		           tf_tok_word(t, "enum")) {
			skip_definition(ev);
		} else if (tf_tok_word(t, "return") && ev->braces == 0) {
			return; /* an included file ends here */
		} else {
			mark_touched(ev, 0);
			skip_statement(ev);
		}
	}
}

static int run_file(struct d_env *env, const char *rel, const char *abs, int incl,
                    const struct tf_buf *b)
{
	struct ev ev;
	const char *open = b->data;

	memset(&ev, 0, sizeof ev);
	ev.env = env;
	ev.abs = abs;
	ev.incl = incl;
	if (d_strv_push(&env->files, rel, strlen(rel)) != 0) {
		env->failed = DROVER_E_NOMEM;
		return env->failed;
	}
	ev.file = (int)env->files.n - 1;
	/* Text before the first <?php is output, not code. */
	while (open + 5 <= b->data + b->len && strncasecmp(open, "<?php", 5) != 0)
		open++;
	if (open + 5 > b->data + b->len)
		return 0;
	tf_php_init(&ev.lx, b->data, b->len);
	ev.lx.p = open + 5;
	ev.lx.line = tf_line_at(b->data, (size_t)(open - b->data));
	next(&ev);
	run(&ev);
	return env->failed;
}

int d_settings_eval(struct drover_ctx *ctx, const struct drover_site *site, struct d_env **out,
                    struct d_problem *pb)
{
	char rel[TF_PATH_MAX];
	int n;

	*out = NULL;
	memset(pb, 0, sizeof *pb);
	if (site == NULL || site->root == NULL || site->root[0] == '\0' || site->site_dir == NULL ||
	    site->site_dir[0] == '\0' || site->site_dir[0] == '/') {
		d_problem_set(pb, DROVER_E_INVAL, NULL, 0,
		              "cannot read a site's settings without its platform root and site "
		              "directory (such as sites/default)");
		return pb->code;
	}
	n = snprintf(rel, sizeof rel, "%s/settings.php", site->site_dir);
	if (n < 0 || (size_t)n >= sizeof rel) {
		d_problem_set(pb, DROVER_E_RANGE, NULL, 0, "the site directory name is too long");
		return pb->code;
	}
	return d_php_eval_file(ctx, site, rel, out, pb);
}

int d_php_eval_file(struct drover_ctx *ctx, const struct drover_site *site, const char *rel,
                    struct d_env **out, struct d_problem *pb)
{
	return d_php_eval_data(ctx, site, rel, NULL, 0, out, pb);
}

int d_php_eval_data(struct drover_ctx *ctx, const struct drover_site *site, const char *rel,
                    const char *data, size_t len, struct d_env **out, struct d_problem *pb)
{
	char abs[TF_PATH_MAX * 2];
	struct d_env *env;
	struct tf_buf b;
	int rc, err_no, n;

	*out = NULL;
	memset(pb, 0, sizeof *pb);
	if (site == NULL || site->root == NULL || site->root[0] == '\0' || site->site_dir == NULL ||
	    site->site_dir[0] == '/') {
		d_problem_set(pb, DROVER_E_INVAL, NULL, 0,
		              "cannot read a site's PHP files without its platform root");
		return pb->code;
	}
	env = calloc(1, sizeof *env);
	if (env == NULL) {
		d_problem_set(pb, DROVER_E_NOMEM, rel, 0, "out of memory reading %s", rel);
		return pb->code;
	}
	env->ctx = ctx;
	env->site_dir = site->site_dir;
	if (d_path_normalize(env->root, sizeof env->root, site->root) != 0) {
		free(env);
		d_problem_set(pb, DROVER_E_RANGE, NULL, 0, "the platform path is too long");
		return pb->code;
	}
	env->rootfd = open(env->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (env->rootfd < 0) {
		rc = (errno == ENOENT || errno == ENOTDIR) ? DROVER_E_NOTFOUND : DROVER_E_IO;
		d_problem_set(pb, rc, NULL, 0, "cannot open the platform directory %s: %s",
		              env->root, strerror(errno));
		free(env);
		return rc;
	}
	/* What DrupalKernel gives settings.php (8+); harmless for 7. */
	var_set_str(env, "app_root", env->root);
	var_set_str(env, "site_path", site->site_dir);
	if (data != NULL) {
		b.data = (char *)(uintptr_t)data; /* read only; not freed below */
		b.len = len;
		rc = 0;
	} else {
		rc = tf_slurp_at(env->rootfd, rel, &b, &err_no);
	}
	if (rc == DROVER_E_NOTFOUND) {
		d_problem_set(pb, rc, rel, 0,
		              "cannot read the site's settings: there is no %s; check the site "
		              "directory, or install the site first",
		              rel);
	} else if (rc != 0) {
		d_problem_set(pb, rc, rel, 0, "cannot read %s: %s", rel, tf_slurp_why(rc, err_no));
	} else {
		n = rel[0] == '/' ? snprintf(abs, sizeof abs, "%s", rel)
		                  : snprintf(abs, sizeof abs, "%s/%s", env->root, rel);
		rc = run_file(env, rel, (n > 0 && (size_t)n < sizeof abs) ? abs : rel, 0, &b);
		if (data == NULL)
			tf_buf_free(&b);
		if (rc == DROVER_E_NOMEM)
			d_problem_set(pb, rc, rel, 0, "out of memory reading %s", rel);
		else if (rc != 0)
			d_problem_set(pb, rc, rel, 0,
			              "%s (with its includes) holds more values than drover reads "
			              "(%d); simplify it",
			              rel, MAX_NODES);
	}
	close(env->rootfd);
	env->rootfd = -1;
	if (rc != 0) {
		d_env_free(env);
		return rc;
	}
	*out = env;
	return 0;
}

int d_php_var_certain(const struct d_env *env, const char *name)
{
	if (env->all_uncertain)
		return 0;
	for (size_t i = 0; i < env->nvars; i++)
		if (strcmp(env->vars[i].name, name) == 0)
			return !env->vars[i].uncertain;
	return 1; /* never set, never touched */
}

const struct pv *d_php_var(const struct d_env *env, const char *name)
{
	for (size_t i = 0; i < env->nvars; i++)
		if (strcmp(env->vars[i].name, name) == 0)
			return env->vars[i].val;
	return NULL;
}

struct drover_ctx *d_php_ctx(const struct d_env *env)
{
	return env->ctx;
}

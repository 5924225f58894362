/*
 * plugins/drupal/phpcode.c: the update functions an extension's code ships, read with the PHP
 * tokenizer so that commented-out functions and text in strings do not count.
 *
 * Checked against the Drupal sources:
 *   - hook_update_N: drupal_get_schema_versions() (7, includes/install.inc) and
 *     UpdateHookRegistry::getAvailableUpdates() (8+) match every defined function against
 *     /^(?P<module>.+)_update_(?P<version>\d+)$/ and sort the numbers; the code schema is the
 *     highest N. PHP function names are case-insensitive and get_defined_functions() lists
 *     them in lower case.
 *   - post updates: UpdateRegistry (8+, core/lib/Drupal/Core/Update/UpdateRegistry.php) loads
 *     NAME.post_update.php and matches /^(?<extension>.+)_post_update_(?<name>.+)$/; it
 *     records applied ones in key_value (collection post_update, key existing_updates) as the
 *     full function name "extension_post_update_name". On install it also records the keys of
 *     hook_removed_post_updates() (NAME_removed_post_updates()), so a site's list is a subset
 *     of functions plus removed names exactly when its code is not older than its database.
 * Methods of classes are not functions to PHP's function table, so class bodies are skipped.
 */
#include <string.h>
#include <strings.h>

#include "drupal.h"

typedef int (*fn_cb)(void *arg, const struct tf_tok *name);

/* Call cb with the name of every function declared outside a class, interface or trait. */
static int each_function(const char *data, size_t len, fn_cb cb, void *arg)
{
	struct tf_php lx;
	struct tf_tok t, prev = {TF_TOK_EOF, "", 0, 0};
	long depth = 0, class_depth = -1;
	int pending_class = 0, rc;

	tf_php_init(&lx, data, len);
	for (tf_php_next(&lx, &t); t.kind != TF_TOK_EOF; prev = t, tf_php_next(&lx, &t)) {
		if (tf_tok_op(&t, "{")) {
			depth++;
			if (pending_class) {
				class_depth = depth;
				pending_class = 0;
			}
			continue;
		}
		if (tf_tok_op(&t, "}")) {
			if (depth == class_depth)
				class_depth = -1;
			if (depth > 0)
				depth--;
			continue;
		}
		if (class_depth >= 0)
			continue;
		/* `Foo::class` and `$x->class` name no class body. */
		if ((tf_tok_word(&t, "class") || tf_tok_word(&t, "interface") ||
		     tf_tok_word(&t, "trait")) &&
		    !tf_tok_op(&prev, "::") && !tf_tok_op(&prev, "->")) {
			pending_class = 1;
			continue;
		}
		if (!tf_tok_word(&t, "function") || tf_tok_op(&prev, "->") ||
		    tf_tok_op(&prev, "::"))
			continue;
		prev = t;
		tf_php_next(&lx, &t);
		if (tf_tok_op(&t, "&")) {
			prev = t;
			tf_php_next(&lx, &t);
		}
		if (t.kind != TF_TOK_IDENT)
			continue; /* a closure: its body is an ordinary block */
		rc = cb(arg, &t);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- hook_update_N ---------------------------------------------------------------------- */

struct update_n {
	const char *name;
	size_t nlen;
	uint64_t max;
	int found;
};

static int update_n_cb(void *arg, const struct tf_tok *t)
{
	struct update_n *u = arg;
	uint64_t v = 0;
	size_t i = u->nlen + 8, digits = 0;

	if (t->n <= i || strncasecmp(t->s, u->name, u->nlen) != 0 ||
	    strncasecmp(t->s + u->nlen, "_update_", 8) != 0)
		return 0;
	for (; i < t->n; i++) {
		if (t->s[i] < '0' || t->s[i] > '9')
			return 0;
		if (++digits > 19)
			return 0; /* not a number PHP keeps as an integer */
		v = v * 10 + (uint64_t)(t->s[i] - '0');
	}
	if (!u->found || v > u->max)
		u->max = v;
	u->found = 1;
	return 0;
}

void d_php_update_n(const char *data, size_t len, const char *name, uint64_t *max, int *found)
{
	struct update_n u = {name, strlen(name), 0, 0};

	(void)each_function(data, len, update_n_cb, &u);
	*max = u.max;
	*found = u.found;
}

/* ---- post updates ----------------------------------------------------------------------- */

struct post {
	const char *name;
	size_t nlen;
	struct d_strv *sv;
};

static int post_cb(void *arg, const struct tf_tok *t)
{
	static const char mid[] = "_post_update_";
	const size_t mlen = sizeof mid - 1;
	struct post *p = arg;
	char low[256];
	const char *last = NULL;
	size_t i;

	if (t->n >= sizeof low)
		return 0;
	for (i = 0; i < t->n; i++)
		low[i] = (t->s[i] >= 'A' && t->s[i] <= 'Z') ? (char)(t->s[i] - 'A' + 'a') : t->s[i];
	low[t->n] = '\0';
	/* The extension is everything before the last "_post_update_" (the pattern is greedy),
	 * and a name must follow it. */
	for (const char *s = strstr(low, mid); s != NULL; s = strstr(s + 1, mid))
		last = s;
	if (last == NULL || (size_t)(last - low) != p->nlen ||
	    strncasecmp(low, p->name, p->nlen) != 0 || last[mlen] == '\0')
		return 0;
	return d_strv_push(p->sv, low, t->n);
}

/* The keys of the array literal NAME_removed_post_updates() returns. */
static int removed_keys(const char *data, size_t len, const char *name, struct d_strv *sv)
{
	char fname[256];
	struct tf_php body;
	struct tf_tok t, prev;
	unsigned line;
	int n, depth = 0, rc;

	n = snprintf(fname, sizeof fname, "%s_removed_post_updates", name);
	if (n < 0 || (size_t)n >= sizeof fname || !tf_php_function(data, len, fname, &body, &line))
		return 0;
	for (tf_php_next(&body, &t); t.kind != TF_TOK_EOF; tf_php_next(&body, &t))
		if (tf_tok_word(&t, "return"))
			break;
	if (t.kind == TF_TOK_EOF)
		return 0;
	tf_php_next(&body, &t);
	if (tf_tok_word(&t, "array"))
		tf_php_next(&body, &t);
	if (!tf_tok_op(&t, "[") && !tf_tok_op(&t, "("))
		return 0;
	depth = 1;
	prev = t;
	for (tf_php_next(&body, &t); t.kind != TF_TOK_EOF && depth > 0;
	     prev = t, tf_php_next(&body, &t)) {
		if (tf_tok_op(&t, "[") || tf_tok_op(&t, "("))
			depth++;
		else if (tf_tok_op(&t, "]") || tf_tok_op(&t, ")"))
			depth--;
		else if (depth == 1 && tf_tok_op(&t, "=>") && prev.kind == TF_TOK_STRING &&
		         prev.n > 0 && memchr(prev.s, '\\', prev.n) == NULL) {
			rc = d_strv_push(sv, prev.s, prev.n);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

int d_php_post_updates(const char *data, size_t len, const char *name, struct d_strv *sv)
{
	struct post p = {name, strlen(name), sv};
	int rc;

	rc = each_function(data, len, post_cb, &p);
	if (rc == 0)
		rc = removed_keys(data, len, name, sv);
	if (rc == 0)
		d_strv_sort_unique(sv);
	return rc;
}

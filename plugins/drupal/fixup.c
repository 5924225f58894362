/*
 * plugins/drupal/fixup.c: the fixup op: after a rename or a move, paths naming the old site
 * directory (sites/old.example.com/...) or the old platform name the new one, and the old
 * domain in settings.php becomes the new one.
 *
 * Where Drupal stores such paths (checked against the Drupal sources):
 *   Drupal 7   {system}.filename and .owner: where each module, theme and engine lives
 *              (sites/<site>/modules/x/x.module for site-specific ones); a wrong filename makes
 *              drupal_get_filename() miss the module until the next rebuild.
 *              {system}.info: the serialized .info, with theme stylesheets, scripts and the
 *              screenshot as paths.
 *              {registry}.filename and {registry_file}.filename: the class registry's files
 *              (registry_rebuild()).
 *              {menu_router}.include_file: the file a page callback needs.
 *              {variable}: serialized values; file_public_path, file_private_path,
 *              file_temporary_path and theme settings (logo_path, favicon_path) may hold
 *              paths into the site directory.
 *              {file_managed}.uri holds stream wrapper URIs (public://...) that do not name
 *              the directory: unchanged.
 *   Drupal 8+  {config}.data and {key_value}.value: serialized; locale.settings
 *              translation.path, system.file path.temporary (before 8.8), theme logo paths,
 *              state entries listing extension paths. {file_managed}.uri again holds
 *              public:// URIs: unchanged.
 * Serialized values are rewritten with serial.c, which recomputes every string length; a
 * value drover cannot parse (objects with private properties, binary data) is left alone and
 * named in a log line: Drupal rebuilds those (state caches of extension data) on the next cache
 * rebuild. Only strings that start with the old path count, so text that merely mentions it
 * (a block body linking to /sites/old/files/x.png) is content and stays.
 * Plain columns are rewritten with REPLACE(column, old/, new/) where SUBSTR(column, 1, n) is
 * the old prefix: the same SQL on SQLite and MySQL. Afterwards cache_bootstrap (and 8+'s
 * cache_config) are emptied, because they hold copies of what changed.
 *
 * In the site's PHP files (settings.php and what it includes from the site directory, already
 * in the new place): every string literal that starts with the old path is rewritten in place,
 * the rest of the file byte for byte as it was: $conf / $settings file_public_path,
 * file_private_path, the config sync directory (8.x puts it under files/), a SQLite database
 * path. $base_url (7) naming the old domain (or the old URL) gets the new one, and 8+'s
 * $settings['trusted_host_patterns'] get the new domain where they match the old one exactly,
 * or the renamed site would answer "The provided host name is not valid for this server".
 * sites/sites.php belongs to the platform and is the core's business.
 * Running fixup again finds nothing left to change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drupal.h"
#include "phpeval.h"

struct map {
	const char *old_sd, *new_sd;                     /* site directories, relative */
	char old_abs[TF_PATH_MAX], new_abs[TF_PATH_MAX]; /* <root>/<site dir> */
	char old_root[TF_PATH_MAX], new_root[TF_PATH_MAX];
	int roots_differ;
	const char *old_domain, *new_domain;
	const char *old_url, *new_url;
};

static int under_n(const char *s, size_t n, const char *p)
{
	size_t pl = strlen(p);

	return pl > 0 && n >= pl && memcmp(s, p, pl) == 0 && (n == pl || s[pl] == '/');
}

static int literal_safe(const char *s);

/* The new form of a path s[0..n), appended to out: 1, or 0 when it names nothing old. `raw`:
 * s is the body of a PHP string literal, so the new prefix must read the same in one. */
static int map_path(const struct map *m, const char *s, size_t n, int raw, struct d_buf *out)
{
	static const char *none = "";
	const char *from = none, *to = none;

	/* Already new: leave it (running twice changes nothing). */
	if (under_n(s, n, m->new_sd) || under_n(s, n, m->new_abs) ||
	    (m->roots_differ && under_n(s, n, m->new_root)))
		return 0;
	if (under_n(s, n, m->old_sd) && strcmp(m->old_sd, m->new_sd) != 0) {
		from = m->old_sd;
		to = m->new_sd;
	} else if (under_n(s, n, m->old_abs)) {
		from = m->old_abs;
		to = m->new_abs;
	} else if (m->roots_differ && under_n(s, n, m->old_root)) {
		from = m->old_root;
		to = m->new_root;
	} else {
		return 0;
	}
	if (raw && !literal_safe(to))
		return 0;
	d_buf_adds(out, to);
	d_buf_add(out, s + strlen(from), n - strlen(from));
	return 1;
}

static int ser_map(void *arg, const char *s, size_t n, struct d_buf *out)
{
	return map_path(arg, s, n, 0, out);
}

/* ---- the database ----------------------------------------------------------------------- */

struct rows {
	struct d_strv v; /* ncols strings per row */
	uint32_t ncols;
	int nomem;
};

static int rows_cb(void *arg, uint32_t n, const char *const *cols)
{
	struct rows *r = arg;

	if (n < r->ncols)
		return 0;
	for (uint32_t i = 0; i < r->ncols; i++)
		if (d_strv_push(&r->v, cols[i] ? cols[i] : "", cols[i] ? strlen(cols[i]) : 0) !=
		    0) {
			r->nomem = 1;
			return 1;
		}
	return 0;
}

/* Rewrite the serialized column `col` of every row of `table` (keys: `keys`, 1 or 2 columns)
 * that mentions an old path. *changed counts rows written. */
static int fix_serialized(struct d_site *s, const struct map *m, const char *table,
                          const char *const *keys, uint32_t nkeys, const char *col, int *changed)
{
	char name[128], sql[384];
	const char *needles[2] = {m->old_sd, m->old_root};
	struct rows r;
	int rc = d_site_find_table(s, table, name, sizeof name);

	if (rc <= 0)
		return rc;
	rc = 0;
	memset(&r, 0, sizeof r);
	r.ncols = nkeys + 1;
	for (int k = 0; k < (m->roots_differ ? 2 : 1) && rc == 0; k++) {
		const char *params[1] = {needles[k]};

		if (nkeys == 1)
			(void)snprintf(sql, sizeof sql,
			               "SELECT %s, %s FROM %s WHERE INSTR(%s, ?) > 0", keys[0], col,
			               name, col);
		else
			(void)snprintf(sql, sizeof sql,
			               "SELECT %s, %s, %s FROM %s WHERE INSTR(%s, ?) > 0", keys[0],
			               keys[1], col, name, col);
		rc = s->ctx->host->sql_query(s->ctx, s->site->db, sql, params, 1, rows_cb, &r);
	}
	if (rc == 0 && r.nomem)
		rc = s->ctx->host->error(s->ctx, DROVER_E_NOMEM, NULL, "out of memory");
	if (nkeys == 1)
		(void)snprintf(sql, sizeof sql, "UPDATE %s SET %s = ? WHERE %s = ?", name, col,
		               keys[0]);
	else
		(void)snprintf(sql, sizeof sql, "UPDATE %s SET %s = ? WHERE %s = ? AND %s = ?",
		               name, col, keys[0], keys[1]);
	for (size_t i = 0; rc == 0 && i + r.ncols <= r.v.n; i += r.ncols) {
		const char *const *row = (const char *const *)r.v.v + i;
		const char *data = row[nkeys];
		struct d_buf out = {NULL, 0, 0, 0};
		int w = d_ser_rewrite(data, strlen(data), ser_map, (void *)(uintptr_t)m, &out);

		if (out.nomem) {
			rc = s->ctx->host->error(s->ctx, DROVER_E_NOMEM, NULL, "out of memory");
		} else if (w < 0) {
			s->ctx->host->log(
			    s->ctx, DROVER_LOG_INFO,
			    "%s: %s %s%s%s names the old site directory but is not data "
			    "drover can rewrite (objects or binary data); Drupal rebuilds "
			    "it on the next cache rebuild",
			    s->name, name, row[0], nkeys > 1 ? "/" : "", nkeys > 1 ? row[1] : "");
		} else if (w == 1) {
			const char *params[3] = {out.p, row[0], nkeys > 1 ? row[1] : NULL};

			rc = s->ctx->host->sql_exec(s->ctx, s->site->db, sql, params, nkeys + 1);
			if (rc == 0)
				(*changed)++;
		}
		d_buf_free(&out);
	}
	/* A row found by both needles is rewritten once: the second time it is already new. */
	d_strv_free(&r.v);
	return rc;
}

/* REPLACE the old relative prefix by the new one in a plain column. */
static int fix_column(struct d_site *s, const struct map *m, const char *table, const char *col)
{
	char name[128], sql[384], from[TF_PATH_MAX + 1], to[TF_PATH_MAX + 1];
	const char *params[3] = {from, to, from};
	int rc;

	if (strcmp(m->old_sd, m->new_sd) == 0)
		return 0;
	rc = d_site_find_table(s, table, name, sizeof name);
	if (rc <= 0)
		return rc;
	(void)snprintf(from, sizeof from, "%s/", m->old_sd);
	(void)snprintf(to, sizeof to, "%s/", m->new_sd);
	(void)snprintf(sql, sizeof sql,
	               "UPDATE %s SET %s = REPLACE(%s, ?, ?) WHERE SUBSTR(%s, 1, %zu) = ?", name,
	               col, col, col, strlen(from));
	return s->ctx->host->sql_exec(s->ctx, s->site->db, sql, params, 3);
}

static int empty_table(struct d_site *s, const char *table)
{
	char name[128], sql[192];
	int rc = d_site_find_table(s, table, name, sizeof name);

	if (rc <= 0)
		return rc;
	(void)snprintf(sql, sizeof sql, "DELETE FROM %s", name);
	return s->ctx->host->sql_exec(s->ctx, s->site->db, sql, NULL, 0);
}

static int fix_db(struct d_site *s, const struct map *m)
{
	static const char *const k_name[] = {"name"}, *const k_file[] = {"filename"};
	static const char *const k_cfg[] = {"collection", "name"};
	int rc, changed = 0;

	if (s->gen == 7) {
		rc = fix_serialized(s, m, "variable", k_name, 1, "value", &changed);
		/* info first: filename is the row's key. */
		if (rc == 0)
			rc = fix_serialized(s, m, "system", k_file, 1, "info", &changed);
		if (rc == 0)
			rc = fix_column(s, m, "system", "filename");
		if (rc == 0)
			rc = fix_column(s, m, "system", "owner");
		if (rc == 0)
			rc = fix_column(s, m, "registry", "filename");
		if (rc == 0)
			rc = fix_column(s, m, "registry_file", "filename");
		if (rc == 0)
			rc = fix_column(s, m, "menu_router", "include_file");
		if (rc == 0)
			rc = empty_table(s, "cache_bootstrap");
	} else {
		rc = fix_serialized(s, m, "config", k_cfg, 2, "data", &changed);
		if (rc == 0)
			rc = fix_serialized(s, m, "key_value", k_cfg, 2, "value", &changed);
		if (rc == 0 && changed) {
			rc = empty_table(s, "cache_config");
			if (rc == 0)
				rc = empty_table(s, "cache_bootstrap");
		}
	}
	if (rc == 0 && changed)
		s->ctx->host->log(s->ctx, DROVER_LOG_INFO, "%s: rewrote paths in %d stored values",
		                  s->name, changed);
	return rc;
}

/* ---- the site's PHP files --------------------------------------------------------------- */

struct edit {
	size_t off, len;
	char *text;
};

struct edits {
	struct edit v[256];
	size_t n;
	int nomem;
};

static void add_edit(struct edits *e, size_t off, size_t len, const char *text, size_t tn)
{
	if (e->n == sizeof e->v / sizeof e->v[0] || e->nomem)
		return;
	e->v[e->n].text = d_strndup(text, tn);
	if (e->v[e->n].text == NULL) {
		e->nomem = 1;
		return;
	}
	e->v[e->n].off = off;
	e->v[e->n].len = len;
	e->n++;
}

/* Characters that mean the same raw in any PHP string literal. */
static int literal_safe(const char *s)
{
	for (; *s; s++)
		if (*s == '\'' || *s == '"' || *s == '\\' || *s == '$' || (unsigned char)*s < 0x20)
			return 0;
	return 1;
}

/* $base_url = 'http://old.example.com/x': the new URL, or 0. */
static int map_url(const struct map *m, const char *s, size_t n, struct d_buf *out)
{
	const char *host, *end;
	size_t ol;

	if (m->old_url && m->new_url && literal_safe(m->new_url)) {
		ol = strlen(m->old_url);
		while (ol > 0 && m->old_url[ol - 1] == '/')
			ol--;
		if ((n == ol || (n == ol + 1 && s[ol] == '/')) && memcmp(s, m->old_url, ol) == 0) {
			d_buf_adds(out, m->new_url);
			return 1;
		}
	}
	if (!m->old_domain || !m->new_domain || strcmp(m->old_domain, m->new_domain) == 0 ||
	    !literal_safe(m->new_domain))
		return 0;
	host = memchr(s, ':', n);
	if (host == NULL || (size_t)(s + n - host) < 3 || memcmp(host, "://", 3) != 0)
		return 0;
	host += 3;
	for (end = host; end < s + n && *end != '/' && *end != ':'; end++)
		;
	ol = strlen(m->old_domain);
	if ((size_t)(end - host) != ol || strncasecmp(host, m->old_domain, ol) != 0)
		return 0;
	d_buf_add(out, s, (size_t)(host - s));
	d_buf_adds(out, m->new_domain);
	d_buf_add(out, end, (size_t)(s + n - end));
	return 1;
}

/* A domain as a regular expression: dots escaped with `bs` backslashes. */
static void regex_domain(const char *d, int bs, struct d_buf *out)
{
	for (; *d; d++) {
		if (*d == '.')
			d_buf_add(out, "\\\\", (size_t)bs);
		d_buf_add(out, d, 1);
	}
}

/* trusted_host_patterns: the old domain matched exactly ('^old\.example\.com$', or as the
 * end of '^.+\.old\.example\.com$'), in the raw literal, becomes the new one. */
static int map_pattern(const struct map *m, const char *s, size_t n, struct d_buf *out)
{
	int changed = 0;

	if (!m->old_domain || !m->new_domain || strcmp(m->old_domain, m->new_domain) == 0 ||
	    !literal_safe(m->new_domain))
		return 0;
	for (int bs = 1; bs <= 2 && !changed; bs++) {
		struct d_buf from = {NULL, 0, 0, 0}, to = {NULL, 0, 0, 0};
		size_t i = 0;

		regex_domain(m->old_domain, bs, &from);
		regex_domain(m->new_domain, bs, &to);
		out->n = 0;
		while (!from.nomem && from.n > 0 && i < n) {
			if (i + from.n <= n && memcmp(s + i, from.p, from.n) == 0 &&
			    (i == 0 || s[i - 1] == '^' || s[i - 1] == '.') &&
			    (i + from.n == n || s[i + from.n] == '$')) {
				d_buf_add(out, to.p, to.n);
				i += from.n;
				changed = 1;
				continue;
			}
			d_buf_add(out, s + i, 1);
			i++;
		}
		d_buf_free(&from);
		d_buf_free(&to);
	}
	if (!changed)
		out->n = 0;
	return changed;
}

/* The edits one PHP file needs. */
static void scan_php(const struct map *m, const char *data, size_t len, int gen, struct edits *e)
{
	struct tf_php lx;
	struct tf_tok t, prev = {TF_TOK_EOF, "", 0, 0}, prev2 = prev;
	int in_thp = 0, base_url = 0;
	long depth = 0;
	const char *open = data;

	while (open + 5 <= data + len && strncasecmp(open, "<?php", 5) != 0)
		open++;
	if (open + 5 > data + len)
		return;
	tf_php_init(&lx, data, len);
	lx.p = open + 5;
	for (tf_php_next(&lx, &t); t.kind != TF_TOK_EOF;
	     prev2 = prev, prev = t, tf_php_next(&lx, &t)) {
		char q = t.kind == TF_TOK_STRING ? t.s[-1] : 0;
		struct d_buf out = {NULL, 0, 0, 0};
		int mapped = 0;

		if (tf_tok_op(&t, "(") || tf_tok_op(&t, "["))
			depth++;
		else if (tf_tok_op(&t, ")") || tf_tok_op(&t, "]"))
			depth--;
		else if (tf_tok_op(&t, ";") && depth <= 0)
			in_thp = base_url = 0;
		/* $settings['trusted_host_patterns'] ... ; */
		if (gen >= 8 && t.kind == TF_TOK_STRING && q == '\'' &&
		    tf_tok_str(&t, "trusted_host_patterns") && tf_tok_op(&prev, "[") &&
		    prev2.kind == TF_TOK_VAR && prev2.n == 8 && memcmp(prev2.s, "settings", 8) == 0)
			in_thp = 1;
		if (t.kind == TF_TOK_VAR && t.n == 8 && memcmp(t.s, "base_url", 8) == 0 &&
		    depth <= 0)
			base_url = 1;
		if (t.kind != TF_TOK_STRING || (q != '\'' && q != '"'))
			continue;
		if (in_thp && !tf_tok_str(&t, "trusted_host_patterns"))
			mapped = map_pattern(m, t.s, t.n, &out);
		else if (base_url && tf_tok_op(&prev, "="))
			mapped = map_url(m, t.s, t.n, &out);
		if (!mapped) {
			out.n = 0;
			mapped = map_path(m, t.s, t.n, 1, &out);
		}
		if (mapped && !out.nomem)
			add_edit(e, (size_t)(t.s - data), t.n, out.p, out.n);
		else if (out.nomem)
			e->nomem = 1;
		d_buf_free(&out);
	}
}

static int fix_php_file(struct d_site *s, const struct map *m, const char *rel, int *files)
{
	struct tf_buf b = {NULL, 0};
	struct edits *e;
	struct d_buf text = {NULL, 0, 0, 0};
	size_t at = 0;
	int rc;

	rc = d_file_read(s->ctx, s->site->root, rel, &b);
	if (rc != 0)
		return rc;
	e = calloc(1, sizeof *e);
	if (e == NULL) {
		tf_buf_free(&b);
		return s->ctx->host->error(s->ctx, DROVER_E_NOMEM, rel, "out of memory");
	}
	scan_php(m, b.data, b.len, s->gen, e);
	for (size_t i = 0; i < e->n; i++) {
		d_buf_add(&text, b.data + at, e->v[i].off - at);
		d_buf_adds(&text, e->v[i].text);
		at = e->v[i].off + e->v[i].len;
	}
	d_buf_add(&text, b.data + at, b.len - at);
	if (e->nomem || text.nomem)
		rc = s->ctx->host->error(s->ctx, DROVER_E_NOMEM, rel, "out of memory");
	else if (e->n == sizeof e->v / sizeof e->v[0])
		rc =
		    s->ctx->host->error(s->ctx, DROVER_E_RANGE, rel,
		                        "%s names the old site more than %zu times; drover changed "
		                        "nothing: fix it by hand",
		                        rel, sizeof e->v / sizeof e->v[0]);
	else if (e->n > 0) {
		rc = d_file_replace(s->ctx, s->site->root, rel, text.p, text.n);
		if (rc == 0) {
			(*files)++;
			s->ctx->host->log(s->ctx, DROVER_LOG_INFO, "%s: rewrote %zu values in %s",
			                  s->name, e->n, rel);
		}
	}
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].text);
	free(e);
	d_buf_free(&text);
	tf_buf_free(&b);
	return rc;
}

static int fix_files(struct d_site *s, const struct map *m)
{
	struct d_strv files = {NULL, 0, 0};
	int rc = 0, n = 0;

	if (s->env == NULL)
		return d_problem_fail(s->ctx, s->site->root, &s->pb);
	/* Copy the names: rewriting does not change them, but keep the env untouched. */
	for (size_t i = 0; i < d_php_nfiles(s->env) && rc == 0; i++) {
		const char *f = d_php_file(s->env, (int)i);

		if (f[0] != '/' && d_path_under(f, s->site->site_dir) &&
		    d_strv_push(&files, f, strlen(f)) != 0)
			rc = s->ctx->host->error(s->ctx, DROVER_E_NOMEM, NULL, "out of memory");
	}
	d_strv_sort_unique(&files);
	for (size_t i = 0; i < files.n && rc == 0; i++)
		rc = fix_php_file(s, m, files.v[i], &n);
	d_strv_free(&files);
	return rc;
}

/* ---- the op ----------------------------------------------------------------------------- */

static int dir_ok(const char *sd)
{
	if (sd == NULL || sd[0] == '\0' || sd[0] == '/' || strstr(sd, "..") != NULL)
		return 0;
	for (const char *p = sd; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_' || *p == '/'))
			return 0;
	return 1;
}

int drupal_fixup(struct drover_ctx *ctx, const struct drover_site *site,
                 const struct drover_move *move)
{
	struct d_site s;
	struct map *m;
	int rc;

	if (move == NULL || move->struct_size < sizeof *move)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "fixup called without the move to fix up after");
	if (!dir_ok(move->old_site_dir) || !dir_ok(site ? site->site_dir : NULL))
		return ctx->host->error(ctx, DROVER_E_INVAL, move->old_site_dir,
		                        "fixup: the site directories ('%s', '%s') must be relative "
		                        "paths of letters, digits, '.', '-', '_' and '/'",
		                        move->old_site_dir ? move->old_site_dir : "",
		                        site && site->site_dir ? site->site_dir : "");
	m = calloc(1, sizeof *m);
	if (m == NULL)
		return ctx->host->error(ctx, DROVER_E_NOMEM, NULL, "out of memory");
	rc = d_site_open(ctx, site, "fix up the paths", D_NEED_DB, &s);
	if (rc != 0)
		goto out;
	m->old_sd = move->old_site_dir;
	m->new_sd = site->site_dir;
	if (d_path_normalize(m->new_root, sizeof m->new_root, site->root) != 0 ||
	    d_path_normalize(m->old_root, sizeof m->old_root,
	                     move->old_root && move->old_root[0] ? move->old_root : site->root) !=
	        0 ||
	    m->old_root[0] != '/') {
		rc = ctx->host->error(ctx, DROVER_E_INVAL, move->old_root,
		                      "fixup: the old platform root must be an absolute path");
		goto out;
	}
	m->roots_differ = strcmp(m->old_root, m->new_root) != 0;
	{
		int a = snprintf(m->old_abs, sizeof m->old_abs, "%s/%s", m->old_root, m->old_sd);
		int b = snprintf(m->new_abs, sizeof m->new_abs, "%s/%s", m->new_root, m->new_sd);

		if (a < 0 || (size_t)a >= sizeof m->old_abs || b < 0 ||
		    (size_t)b >= sizeof m->new_abs) {
			rc = ctx->host->error(ctx, DROVER_E_RANGE, site->root,
			                      "fixup: the site's paths are too long");
			goto out;
		}
	}
	m->old_domain = move->old_domain;
	m->new_domain = move->new_domain ? move->new_domain : site->domain;
	m->old_url = move->old_url;
	m->new_url = move->new_url;
	rc = fix_files(&s, m);
	if (rc == 0)
		rc = fix_db(&s, m);
out:
	d_site_close(&s);
	free(m);
	return rc;
}

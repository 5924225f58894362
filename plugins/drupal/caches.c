/*
 * plugins/drupal/caches.c: the cache_tables and cache_clear ops.
 *
 * Which tables hold nothing a backup needs (checked against the Drupal sources):
 *   cache, cache_*   Drupal's cache bins ({cache} and cache_bootstrap, cache_form, cache_page,
 *                    cache_menu, cache_path in 7's system_schema(), one more per module:
 *                    cache_block, cache_field, cache_filter, cache_image, cache_update, and
 *                    contrib's cache_views ...; 8+'s DatabaseBackend creates cache_<bin> on
 *                    first use). Every such table that exists is listed, not only core's.
 *                    Except Drupal 7's cache_form: it holds the state of forms being filled
 *                    in (multi-step forms, AJAX, uploads); drupal_flush_all_caches() never
 *                    empties it ("in-progress form submissions may break"), so neither do we.
 *                    Drupal 8+ keeps form state in key_value_expire, which is data.
 *   sessions         logins; a restored or moved site has its own cookie name anyway
 *                    (derived from the cookie domain), and sessions are private data.
 *   semaphore        locks of requests running when the backup was made.
 * Kept: cachetags (8+: invalidation counters; tiny, and resetting them could make entries
 * that an external cache backend still holds look valid again), flood (brute-force login
 * protection: emptying it would lift blocks), watchdog (logs are not a cache), and the
 * queue, batch and key_value_expire tables (work and state in progress).
 *
 * cache_clear empties the cache tables (not sessions or semaphore: that would log everyone
 * out and break running requests), and removes the generated files Drupal rebuilds:
 * aggregated CSS and JavaScript (files/css, files/js) and, on 8+, compiled Twig templates
 * (files/php). Drupal 7 also forgets which aggregates it built and which JavaScript it parsed
 * for translation (the variables drupal_css_cache_files, drupal_js_cache_files and
 * javascript_parsed, as drupal_clear_css_cache() and drupal_clear_js_cache() do) and gets a
 * new css_js_query_string, as _drupal_flush_css_js() does, so browsers fetch the new files.
 * Drupal itself keeps aggregates for 30 days because pages cached elsewhere (a proxy, a CDN)
 * may still link to them; drover removes them because after a move or a rename they name the
 * old site directory. Pages in such external caches then miss their CSS until they expire.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drupal.h"

/* What Drupal core creates, for a call without a database. */
static const char *const core7[] = {
    "cache",       "cache_block", "cache_bootstrap", "cache_field", "cache_filter",
    "cache_image", "cache_menu",  "cache_page",      "cache_path",  "cache_update",
    NULL};
static const char *const core8[] = {"cache_bootstrap",
                                    "cache_config",
                                    "cache_container",
                                    "cache_data",
                                    "cache_default",
                                    "cache_discovery",
                                    "cache_dynamic_page_cache",
                                    "cache_entity",
                                    "cache_menu",
                                    "cache_page",
                                    "cache_render",
                                    "cache_toolbar",
                                    NULL};
static const char *const transient[] = {"sessions", "semaphore", NULL};

static int is_cache(const struct d_site *s, const char *name)
{
	if (s->gen == 7 && strcmp(name, "cache_form") == 0)
		return 0;
	return strcmp(name, "cache") == 0 || strncmp(name, "cache_", 6) == 0;
}

static int push(struct d_site *s, struct d_strv *out, const char *name)
{
	if (d_strv_push(out, name, strlen(name)) != 0)
		return s->ctx->host->error(s->ctx, DROVER_E_NOMEM, NULL, "out of memory");
	return 0;
}

/* From the database: every table that is "<its prefix><a cache table's name>". */
static int from_db(struct d_site *s, int with_transient, struct d_strv *out)
{
	struct d_strv all = {NULL, 0, 0};
	char prefixed[128], own[128];
	size_t plen;
	int rc;

	rc = d_site_table(s, "cache", prefixed, sizeof prefixed);
	if (rc != 0)
		return rc;
	plen = strlen(prefixed) - strlen("cache"); /* the default prefix */
	rc = d_tables(s->ctx, s->site, &all);
	for (size_t i = 0; rc == 0 && i < all.n; i++) {
		const char *t = all.v[i], *rest = t + plen;
		int take;

		if (strncmp(t, prefixed, plen) != 0)
			continue;
		take = is_cache(s, rest);
		for (int k = 0; !take && with_transient && transient[k]; k++)
			take = strcmp(rest, transient[k]) == 0;
		if (!take)
			continue;
		/* A per-table prefix in settings.php may give this name another one. */
		rc = d_site_table(s, rest, own, sizeof own);
		if (rc == 0 && strcmp(own, t) == 0)
			rc = push(s, out, t);
	}
	d_strv_free(&all);
	return rc;
}

int d_cache_tables(struct d_site *s, int with_transient, struct d_strv *out)
{
	char name[128];
	int rc = 0;

	if (s->site->db != NULL && s->site->db_driver != NULL)
		rc = from_db(s, with_transient, out);
	else {
		for (const char *const *t = s->gen == 7 ? core7 : core8; rc == 0 && *t; t++)
			if ((rc = d_site_table(s, *t, name, sizeof name)) == 0)
				rc = push(s, out, name);
		for (int k = 0; rc == 0 && with_transient && transient[k]; k++)
			if ((rc = d_site_table(s, transient[k], name, sizeof name)) == 0)
				rc = push(s, out, name);
	}
	if (rc == 0)
		d_strv_sort_unique(out);
	return rc;
}

int drupal_cache_tables(struct drover_ctx *ctx, const struct drover_site *site, drover_name_cb cb,
                        void *arg)
{
	struct d_strv names = {NULL, 0, 0};
	struct d_site s;
	int rc;

	if (cb == NULL)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "cache_tables called without a callback");
	rc = d_site_open(ctx, site, "list the cache tables", 0, &s);
	if (rc == 0)
		rc = d_cache_tables(&s, 1, &names);
	for (size_t i = 0; rc == 0 && i < names.n; i++)
		rc = cb(arg, names.v[i]);
	d_strv_free(&names);
	d_site_close(&s);
	return rc;
}

/* ---- cache_clear ------------------------------------------------------------------------ */

/* Drupal 7: forget the aggregates and parsed JavaScript, and change the query string. */
static int d7_variables(struct d_site *s)
{
	static const char *const forget[] = {"drupal_css_cache_files", "drupal_js_cache_files",
	                                     "javascript_parsed", NULL};
	char table[128], sql[192], value[64], base36[16];
	const char *params[2];
	unsigned long long t = (unsigned long long)time(NULL);
	size_t n = 0;
	int rc = d_site_find_table(s, "variable", table, sizeof table);

	if (rc <= 0)
		return rc;
	rc = 0;
	(void)snprintf(sql, sizeof sql, "DELETE FROM %s WHERE name = ?", table);
	for (int i = 0; rc == 0 && forget[i]; i++) {
		params[0] = forget[i];
		rc = s->ctx->host->sql_exec(s->ctx, s->site->db, sql, params, 1);
	}
	/* base_convert(REQUEST_TIME, 10, 36), stored serialized. */
	do {
		base36[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[t % 36];
		t /= 36;
	} while (t > 0 && n < sizeof base36 - 1);
	for (size_t i = 0; i < n / 2; i++) {
		char c = base36[i];

		base36[i] = base36[n - 1 - i];
		base36[n - 1 - i] = c;
	}
	base36[n] = '\0';
	(void)snprintf(value, sizeof value, "s:%zu:\"%s\";", n, base36);
	params[0] = "css_js_query_string";
	params[1] = value;
	if (rc == 0)
		rc = s->ctx->host->sql_exec(s->ctx, s->site->db, sql, params, 1);
	(void)snprintf(sql, sizeof sql, "INSERT INTO %s (name, value) VALUES (?, ?)", table);
	if (rc == 0)
		rc = s->ctx->host->sql_exec(s->ctx, s->site->db, sql, params, 2);
	return rc;
}

int drupal_cache_clear(struct drover_ctx *ctx, const struct drover_site *site)
{
	static const char *const dirs7[] = {"css", "js", NULL};
	static const char *const dirs8[] = {"css", "js", "php", NULL};
	struct d_strv tables = {NULL, 0, 0};
	char sql[192], dir[TF_PATH_MAX * 2];
	struct d_files f;
	struct d_site s;
	uint64_t removed, total = 0;
	int rc;

	rc = d_site_open(ctx, site, "clear the caches", D_NEED_DB, &s);
	if (rc == 0 && s.gen == 7)
		rc = d7_variables(&s);
	if (rc == 0)
		rc = d_cache_tables(&s, 0, &tables);
	for (size_t i = 0; rc == 0 && i < tables.n; i++) {
		(void)snprintf(sql, sizeof sql, "DELETE FROM %s", tables.v[i]);
		rc = ctx->host->sql_exec(ctx, site->db, sql, NULL, 0);
	}
	if (rc == 0)
		rc = d_files_get(&s, &f);
	for (const char *const *d = s.gen == 7 ? dirs7 : dirs8; rc == 0 && *d; d++) {
		(void)snprintf(dir, sizeof dir, "%s/%s", f.pub, *d);
		rc = d_tree_remove(ctx, site->root, dir, &removed);
		total += removed;
	}
	if (rc == 0)
		ctx->host->log(ctx, DROVER_LOG_INFO,
		               "%s: emptied %zu cache tables and removed %llu generated files",
		               s.name, tables.n, (unsigned long long)total);
	d_strv_free(&tables);
	d_site_close(&s);
	return rc;
}

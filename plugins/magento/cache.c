/*
 * plugins/magento/cache.c: cache_tables and cache_clear.
 *
 * cache_tables names the tables whose rows a backup need not keep (their structure is always
 * dumped): what Magento rebuilds by itself or what only means something to visitors of the
 * moment. With the table prefix from the settings file; tables a site does not have are
 * skipped by the core.
 *
 * cache_clear empties Magento's file caches and its database cache tables, which is what
 * "Flush Magento Cache" / `bin/magento cache:flush` do with the default backends. After a move
 * this is not optional: Magento 1's config cache holds the merged local.xml, old database
 * credentials included. generated/ (Magento 2 code generation) is left alone: it belongs to the
 * platform's code and setup:upgrade --keep-generated keeps it on purpose. A cache backend
 * drover cannot reach (Redis, memcached) is named in a warning.
 */
#include <string.h>

#include "magento.h"

/* Magento 1 / OpenMage. Chosen and left out:
 *   core_cache, core_cache_tag   the database cache backend (<cache><backend>database)
 *   core_session                 database sessions (<session_save>db)
 *   log_url, log_url_info, log_visitor, log_visitor_info, log_visitor_online
 *                                the visitor log, which Mage_Log's own cleaning empties after
 *                                "Save Log, Days"; nothing else reads old rows
 *   not log_customer             "Last Logged In" of the admin customer view reads it
 *   not log_summary*             log_summary_type holds rows the installer wrote
 *   not index_process_event      pending index events: without them an index stays stale
 *   not catalogsearch_result     with catalogsearch_query.is_processed = 1 Magento reads
 *                                results only from here: an empty table makes those searches
 *                                return nothing until the search index is rebuilt
 */
static const char *const m1_tables[] = {
    "core_cache",  "core_cache_tag",   "core_session",       "log_url", "log_url_info",
    "log_visitor", "log_visitor_info", "log_visitor_online", NULL,
};

/* Magento 2. Chosen and left out:
 *   cache, cache_tag             the database cache backend
 *   session                      database sessions ('session' => ['save' => 'db'])
 *   not search_query             search terms with their popularity and redirects: content
 *   not report_event             the source rows of the "most viewed" and similar reports
 *                                and of recently viewed/compared widgets, not a cache: they
 *                                would be lost, not rebuilt
 */
static const char *const m2_tables[] = {"cache", "cache_tag", "session", NULL};

int mg_cache_tables(struct drover_ctx *ctx, const struct drover_site *site, drover_name_cb cb,
                    void *arg)
{
	const char *const *t;
	char table[128];
	struct mg_site ms;
	int rc;

	if (cb == NULL)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "cache_tables called without a callback");
	rc = mg_site_open(ctx, site, "list the site's cache tables", MG_SETTINGS, &ms);
	if (rc != 0)
		return rc;
	for (t = ms.gen == 1 ? m1_tables : m2_tables; rc == 0 && *t != NULL; t++) {
		rc = mg_table(ctx, &ms, *t, table, sizeof table);
		if (rc == 0)
			rc = cb(arg, table);
	}
	mg_site_close(&ms);
	return rc;
}

/* --- cache_clear ------------------------------------------------------------------------------ */

/* Backends whose data lives in what cache_clear empties: files under var/ or the database. */
static int backend_reached(const char *backend)
{
	static const char *const known[] = {
	    "",
	    "file",
	    "files",
	    "database",
	    "db",
	    "Cm_Cache_Backend_File",
	    "Zend_Cache_Backend_File",
	    "Mage_Cache_Backend_File",
	    "Magento\\Framework\\Cache\\Backend\\Database",
	    "Varien_Cache_Backend_Database",
	    NULL,
	};

	for (const char *const *k = known; *k != NULL; k++)
		if (strcasecmp(backend, *k) == 0)
			return 1;
	return 0;
}

/* `which` names the cache: "the Magento cache", "the cache frontend 'page_cache'". */
static void warn_backend(struct drover_ctx *ctx, const char *rel, unsigned line, const char *which,
                         const char *backend, int gen)
{
	char shown[96];

	mg_warn(ctx, 0, rel, line, "%s uses the backend '%s', which drover cannot clear; %s", which,
	        tf_printable(shown, sizeof shown, backend, strlen(backend)),
	        gen == 1 ? "flush it in the admin (System > Cache Management > Flush Cache Storage)"
	                 : "run `bin/magento cache:flush` in the platform");
}

/* <global><cache><backend> and <global><full_page_cache><backend> of local.xml. */
static void m1_backends(struct drover_ctx *ctx, const struct tf_buf *b)
{
	static const char *const which[] = {"cache", "full_page_cache"};
	static const char *const label[] = {"the Magento cache", "the full page cache"};
	struct tf_xml_doc doc;

	if (tf_xml_parse(b->data, b->len, &doc) == 0) {
		const struct tf_xml_node *global = tf_xml_child(doc.root, "global");

		for (size_t i = 0; i < 2; i++) {
			const struct tf_xml_node *n =
			    tf_xml_child(tf_xml_child(global, which[i]), "backend");
			char backend[256];

			if (n != NULL && tf_xml_text(n, backend, sizeof backend) == 0 &&
			    !backend_reached(backend))
				warn_backend(ctx, M1_LOCAL_XML, n->line, label[i], backend, 1);
		}
	}
	if (doc.strs != NULL)
		explicit_bzero(doc.strs, doc.nstrs);
	tf_xml_free(&doc);
}

/* 'cache' => ['frontend' => ['default' => ['backend' => ...], 'page_cache' => [...]]]. */
static void m2_backends(struct drover_ctx *ctx, const struct tf_buf *b)
{
	struct tf_php top, cache, frontend, fe, v;
	struct tf_php_array a;
	struct tf_tok key, t;

	if (!tf_php_return_value(b->data, b->len, &top) ||
	    tf_php_array_get(top, "cache", &cache, NULL) != 1 ||
	    tf_php_array_get(cache, "frontend", &frontend, NULL) != 1 ||
	    !tf_php_array_open(frontend, &a))
		return;
	while (tf_php_array_next(&a, &key, &fe) == 1) {
		char backend[256], name[64], which[96];

		if (key.kind != TF_TOK_STRING || tf_php_array_get(fe, "backend", &v, NULL) != 1 ||
		    tf_php_scalar(v, backend, sizeof backend, &t) != TF_PHP_STRING ||
		    backend_reached(backend))
			continue;
		if (tf_copy(name, sizeof name, key.s, key.n) != 0 ||
		    mg_fmt(which, sizeof which, "the cache frontend '%s'", name) != 0)
			continue;
		warn_backend(ctx, M2_ENV_PHP, t.line, which, backend, 2);
	}
}

int mg_cache_clear(struct drover_ctx *ctx, const struct drover_site *site)
{
	static const char *const m1_dirs[] = {"var/cache", "var/full_page_cache", NULL};
	static const char *const m2_dirs[] = {"var/cache", "var/page_cache", NULL};
	/* Tags first: in MySQL core_cache_tag refers to core_cache. */
	static const char *const m1_db[] = {"core_cache_tag", "core_cache", NULL};
	static const char *const m2_db[] = {"cache_tag", "cache", NULL};
	const char *const *p;
	unsigned long removed, total = 0;
	char table[128], sql[160];
	struct mg_site ms;
	int rc, yes;

	rc = mg_site_open(ctx, site, "clear the caches", MG_SETTINGS | MG_KEEP_TEXT, &ms);
	if (rc != 0)
		return rc;
	for (p = ms.gen == 1 ? m1_dirs : m2_dirs; rc == 0 && *p != NULL; p++) {
		rc = mg_empty_dir(ctx, &ms.r, *p, &removed);
		total += removed;
	}
	if (rc != 0)
		goto out;
	if (site->db == NULL) {
		ctx->host->log(ctx, DROVER_LOG_DEBUG,
		               "%s: no database attached: the cache tables were not emptied",
		               mg_domain(site));
	} else {
		rc = mg_need_db(ctx, site, "clear the caches");
		for (p = ms.gen == 1 ? m1_db : m2_db; rc == 0 && *p != NULL; p++) {
			rc = mg_table(ctx, &ms, *p, table, sizeof table);
			if (rc == 0)
				rc = mg_table_exists(ctx, site, table, &yes);
			if (rc != 0 || !yes)
				continue;
			if (mg_fmt(sql, sizeof sql, "DELETE FROM %s", table) != 0)
				rc = ctx->host->error(ctx, DROVER_E_RANGE, table,
				                      "table name too long");
			else
				rc = ctx->host->sql_exec(ctx, site->db, sql, NULL, 0);
		}
		if (rc != 0)
			goto out;
	}
	if (ms.gen == 1)
		m1_backends(ctx, &ms.text);
	else
		m2_backends(ctx, &ms.text);
	ctx->host->log(ctx, DROVER_LOG_DEBUG, "%s: caches cleared (%lu files and directories)",
	               mg_domain(site), total);
out:
	mg_site_close(&ms);
	return rc;
}

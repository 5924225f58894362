/*
 * plugins/drupal/sitedb.c: what the ops on one site share: the site checked and opened (which
 * Drupal its platform runs, what its settings.php says), and the names of its tables.
 *
 * Table names get the site's table prefix, read from its settings.php (drover_site does not
 * carry it) and checked to be a plain identifier before it goes into SQL. Drupal keeps the
 * prefixed tables of a SQLite site in a separate attached file (Drupal 7's and 8+'s SQLite
 * driver), which drover does not open, so a prefix on SQLite is refused.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drupal.h"

static int mysql(const struct drover_site *site)
{
	return site->db_driver != NULL && strcmp(site->db_driver, "mysql") == 0;
}

int d_table_name(struct drover_ctx *ctx, const struct drover_site *site, const struct d_env *env,
                 const char *table, char *buf, size_t size)
{
	char prefix[128];
	struct d_problem pb;
	int n;

	memset(&pb, 0, sizeof pb);
	prefix[0] = '\0';
	if (env != NULL && d_settings_prefix(env, table, prefix, sizeof prefix, &pb) != 0) {
		ctx->host->log(ctx, DROVER_LOG_WARNING, "%s:%u: %s; drover assumes no table prefix",
		               pb.file, pb.line, pb.msg);
		prefix[0] = '\0';
	}
	n = snprintf(buf, size, "%s%s", prefix, table);
	if (n < 0 || (size_t)n >= size || !d_ident_ok(buf))
		return ctx->host->error(
		    ctx, DROVER_E_INVAL, site->site_dir,
		    "the table prefix '%s' in %s/settings.php is not a plain "
		    "name of letters, digits and '_' (cross-database prefixes are "
		    "not supported); drover cannot use the site's tables",
		    prefix, site->site_dir);
	if (prefix[0] != '\0' && !mysql(site))
		return ctx->host->error(
		    ctx, DROVER_E_NOTSUP, site->site_dir,
		    "the site uses the table prefix '%s' on SQLite, where Drupal "
		    "keeps prefixed tables in a separate attached file; drover "
		    "reads unprefixed SQLite databases only",
		    prefix);
	return 0;
}

static int found_cb(void *arg, uint32_t n, const char *const *cols)
{
	(void)n;
	(void)cols;
	*(int *)arg = 1;
	return 0;
}

int d_table_exists(struct drover_ctx *ctx, const struct drover_site *site, const char *table,
                   int *exists)
{
	const char *params[1] = {table};
	const char *sql = mysql(site)
	                      ? "SELECT table_name FROM information_schema.tables "
	                        "WHERE table_schema = DATABASE() AND table_name = ?"
	                      : "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?";

	*exists = 0;
	return ctx->host->sql_query(ctx, site->db, sql, params, 1, found_cb, exists);
}

struct names {
	struct d_strv *sv;
	int nomem;
};

static int name_cb(void *arg, uint32_t n, const char *const *cols)
{
	struct names *nm = arg;

	if (n < 1 || cols[0] == NULL)
		return 0;
	if (d_strv_push(nm->sv, cols[0], strlen(cols[0])) != 0) {
		nm->nomem = 1;
		return 1;
	}
	return 0;
}

int d_tables(struct drover_ctx *ctx, const struct drover_site *site, struct d_strv *out)
{
	struct names nm = {out, 0};
	const char *sql = mysql(site) ? "SELECT table_name FROM information_schema.tables "
	                                "WHERE table_schema = DATABASE()"
	                              : "SELECT name FROM sqlite_master WHERE type = 'table'";
	int rc = ctx->host->sql_query(ctx, site->db, sql, NULL, 0, name_cb, &nm);

	if (nm.nomem)
		return ctx->host->error(ctx, DROVER_E_NOMEM, NULL,
		                        "out of memory listing the site's tables");
	if (rc == 0)
		d_strv_sort_unique(out);
	return rc;
}

/* ---- the site an op works on ------------------------------------------------------------ */

int d_site_open(struct drover_ctx *ctx, const struct drover_site *site, const char *doing,
                unsigned need, struct d_site *s)
{
	struct drover_probe probe;
	struct tf_root r;
	int rc;

	memset(s, 0, sizeof *s);
	s->ctx = ctx;
	s->site = site;
	if (site == NULL || site->root == NULL || site->root[0] != '/' || site->site_dir == NULL ||
	    site->site_dir[0] == '\0' || site->site_dir[0] == '/' ||
	    strstr(site->site_dir, "..") != NULL)
		return ctx->host->error(
		    ctx, DROVER_E_INVAL, site ? site->root : NULL,
		    "cannot %s: the call names no platform root (an absolute "
		    "path) and site directory (such as sites/default) inside it",
		    doing);
	s->name = (site->domain && site->domain[0]) ? site->domain : site->site_dir;
	if ((need & D_NEED_DB) && (site->db == NULL || site->db_driver == NULL))
		return ctx->host->error(ctx, DROVER_E_INVAL, s->name,
		                        "cannot %s of %s: no database is attached to the call; "
		                        "register the site's database first",
		                        doing, s->name);
	/* A staging copy of the site's files (a restore) names the platform's code apart. */
	rc = tf_root_open(ctx,
	                  site->struct_size >= offsetof(struct drover_site, code_root) +
	                                           sizeof(site->code_root) &&
	                          site->code_root
	                      ? site->code_root
	                      : site->root,
	                  &r);
	if (rc != 0)
		return rc;
	memset(&probe, 0, sizeof probe);
	probe.struct_size = (uint32_t)sizeof probe;
	rc = drupal_identify(ctx, &r, &probe);
	tf_root_close(&r);
	if (rc == DROVER_E_NOTMINE)
		return ctx->host->error(ctx, DROVER_E_NOTMINE, site->root,
		                        "cannot %s of %s: %s is not a Drupal platform; check the "
		                        "site's platform",
		                        doing, s->name, site->root);
	if (rc != 0)
		return rc;
	s->gen = (int)probe.generation;
	rc = d_settings_eval(ctx, site, &s->env, &s->pb);
	if (rc == 0)
		return 0;
	s->env = NULL;
	if ((need & D_NEED_SETTINGS) || rc == DROVER_E_NOMEM)
		return d_problem_fail(ctx, site->root, &s->pb);
	ctx->host->log(ctx, DROVER_LOG_DEBUG, "%s: %s", s->name, s->pb.msg);
	return 0;
}

void d_site_close(struct d_site *s)
{
	d_env_free(s->env);
	s->env = NULL;
}

int d_site_table(struct d_site *s, const char *table, char *buf, size_t size)
{
	return d_table_name(s->ctx, s->site, s->env, table, buf, size);
}

int d_site_find_table(struct d_site *s, const char *table, char *buf, size_t size)
{
	int exists = 0, rc = d_site_table(s, table, buf, size);

	if (rc == 0)
		rc = d_table_exists(s->ctx, s->site, buf, &exists);
	return rc != 0 ? rc : exists;
}

/*
 * plugins/drupal/maint.c: the maintenance op.
 *
 * Where Drupal keeps the switch (checked against the Drupal sources):
 *   Drupal 7   {variable} 'maintenance_mode', serialized; _menu_site_is_offline() tests
 *              variable_get('maintenance_mode', 0) for truth. The settings form stores the
 *              checkbox value (i:1; / i:0;), which drover writes too. variable_initialize()
 *              serves all variables from cache_bootstrap cid 'variables', so that row is
 *              deleted (what variable_set() does through cache_clear_all()), and cache_page
 *              is emptied: cached pages would keep being served to anonymous visitors.
 *              $conf['maintenance_mode'] in settings.php overrides the database.
 *   Drupal 8+  {key_value} collection 'state', name 'system.maintenance_mode', serialized
 *              (MaintenanceMode::applies() tests state->get() for truth; drush maint:set
 *              stores a boolean, b:1; / b:0;, as drover does). Since 10.3 State is a
 *              CacheCollector over cache_bootstrap with the cid 'state' (10.3: when
 *              $settings['state_cache'] is TRUE; 11: always), so that row is deleted;
 *              cache_page is emptied because the page cache middleware answers anonymous
 *              requests before the maintenance mode subscriber runs.
 * The statements are plain DELETE and INSERT, the same on SQLite and MySQL. A site that keeps
 * its caches outside the database (memcache, Redis) gets a warning: drover cannot reach them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drupal.h"
#include "phpeval.h"

struct value {
	int found;
	char *text;
};

static int value_cb(void *arg, uint32_t n, const char *const *cols)
{
	struct value *v = arg;

	if (n < 1 || cols[0] == NULL || v->found)
		return 0;
	v->text = d_strndup(cols[0], strlen(cols[0]));
	v->found = v->text != NULL ? 1 : -1;
	return 0;
}

/* The table that holds the switch, which must exist. */
static int switch_table(struct d_site *s, char *table, size_t size)
{
	const char *want = s->gen == 7 ? "variable" : "key_value";
	int rc = d_site_find_table(s, want, table, size);

	if (rc == 0)
		return s->ctx->host->error(
		    s->ctx, DROVER_E_NOTFOUND, want,
		    "the database of %s has no table '%s', which every Drupal %s site has; check "
		    "the database attached to the site and the table prefix in its settings.php",
		    s->name, table, s->gen == 7 ? "7" : "8 or later");
	return rc < 0 ? rc : 0;
}

/* $conf['maintenance_mode'] in settings.php (7): 1 when it forces a state (*forced). */
static int forced7(struct d_site *s, int *forced, unsigned *line, const char **file)
{
	const struct pv *v;
	char num[32];
	const char *t;
	size_t n;

	if (s->gen != 7 || s->env == NULL)
		return 0;
	v = d_php_get(d_php_var(s->env, "conf"), "maintenance_mode");
	if (v == NULL)
		return 0;
	*line = v->line;
	*file = d_php_file(s->env, v->file);
	if (v->kind == V_ARRAY) {
		*forced = v->nitems > 0;
		return 1;
	}
	if (d_php_text(v, num, sizeof num, &t, &n) != 0) {
		s->ctx->host->log(
		    s->ctx, DROVER_LOG_WARNING,
		    "%s:%u: $conf['maintenance_mode'] is set by %s, which drover cannot "
		    "evaluate; it reports the database's state",
		    *file, *line, v->why);
		return 0;
	}
	*forced =
	    n > 0 && !(n == 1 && t[0] == '0') && !(v->kind == V_FLOAT && strtod(v->s, NULL) == 0.0);
	return 1;
}

int d_maint_state(struct d_site *s, int32_t *state)
{
	char table[128], sql[192];
	const char *p7[1] = {"maintenance_mode"};
	const char *p8[2] = {"state", "system.maintenance_mode"};
	struct value v = {0, NULL};
	const char *file = "";
	unsigned line = 0;
	int rc, on = 0, forced = 0;

	rc = switch_table(s, table, sizeof table);
	if (rc != 0)
		return rc;
	if (s->gen == 7)
		(void)snprintf(sql, sizeof sql, "SELECT value FROM %s WHERE name = ?", table);
	else
		(void)snprintf(sql, sizeof sql,
		               "SELECT value FROM %s WHERE collection = ? AND name = ?", table);
	rc = s->ctx->host->sql_query(s->ctx, s->site->db, sql, s->gen == 7 ? p7 : p8,
	                             s->gen == 7 ? 1 : 2, value_cb, &v);
	if (rc == 0 && v.found < 0)
		rc = s->ctx->host->error(s->ctx, DROVER_E_NOMEM, NULL, "out of memory");
	if (rc == 0 && v.found > 0 && d_ser_truthy(v.text, strlen(v.text), &on) != 0)
		rc = s->ctx->host->error(
		    s->ctx, DROVER_E_CORRUPT, table,
		    "the maintenance mode stored in %s for %s is not a PHP-serialized value "
		    "('%.40s'); "
		    "switch maintenance mode off and on again with drover to repair it",
		    table, s->name, v.text);
	free(v.text);
	if (rc != 0)
		return rc;
	if (forced7(s, &forced, &line, &file))
		on = forced;
	*state = on ? 1 : 0;
	return 0;
}

/* A cache backend other than the database: its copies of the switch are out of reach. */
static void warn_external_cache(struct d_site *s)
{
	const struct pv *v = NULL;

	if (s->env == NULL)
		return;
	if (s->gen == 7) {
		v = d_php_get(d_php_var(s->env, "conf"), "cache_backends");
		if (v == NULL)
			v = d_php_get(d_php_var(s->env, "conf"), "cache_default_class");
	} else {
		v = d_php_get(d_php_var(s->env, "settings"), "cache");
	}
	if (v != NULL && v->kind != V_NULL)
		s->ctx->host->log(
		    s->ctx, DROVER_LOG_WARNING,
		    "%s:%u: the site keeps caches outside its database; drover purged "
		    "only the database's, so clear that cache backend too (drush cr) "
		    "or the change shows only when its entries expire",
		    d_php_file(s->env, v->file), v->line);
}

static int set_state(struct d_site *s, int on)
{
	char table[128], sql[256];
	const char *p7[2] = {"maintenance_mode", on ? "i:1;" : "i:0;"};
	const char *p8[3] = {"state", "system.maintenance_mode", on ? "b:1;" : "b:0;"};
	const char *cid[1] = {s->gen == 7 ? "variables" : "state"};
	int rc = switch_table(s, table, sizeof table);

	if (rc != 0)
		return rc;
	/* DELETE then INSERT: an upsert is spelled differently on SQLite and MySQL. */
	if (s->gen == 7) {
		(void)snprintf(sql, sizeof sql, "DELETE FROM %s WHERE name = ?", table);
		rc = s->ctx->host->sql_exec(s->ctx, s->site->db, sql, p7, 1);
		(void)snprintf(sql, sizeof sql, "INSERT INTO %s (name, value) VALUES (?, ?)",
		               table);
		if (rc == 0)
			rc = s->ctx->host->sql_exec(s->ctx, s->site->db, sql, p7, 2);
	} else {
		(void)snprintf(sql, sizeof sql, "DELETE FROM %s WHERE collection = ? AND name = ?",
		               table);
		rc = s->ctx->host->sql_exec(s->ctx, s->site->db, sql, p8, 2);
		(void)snprintf(sql, sizeof sql,
		               "INSERT INTO %s (collection, name, value) VALUES (?, ?, ?)", table);
		if (rc == 0)
			rc = s->ctx->host->sql_exec(s->ctx, s->site->db, sql, p8, 3);
	}
	if (rc != 0)
		return rc;
	/* The cached copies. */
	rc = d_site_find_table(s, "cache_bootstrap", table, sizeof table);
	if (rc > 0) {
		(void)snprintf(sql, sizeof sql, "DELETE FROM %s WHERE cid = ?", table);
		rc = s->ctx->host->sql_exec(s->ctx, s->site->db, sql, cid, 1);
	}
	if (rc < 0)
		return rc;
	rc = d_site_find_table(s, "cache_page", table, sizeof table);
	if (rc > 0) {
		(void)snprintf(sql, sizeof sql, "DELETE FROM %s", table);
		rc = s->ctx->host->sql_exec(s->ctx, s->site->db, sql, NULL, 0);
	}
	if (rc < 0)
		return rc;
	warn_external_cache(s);
	return 0;
}

int drupal_maintenance(struct drover_ctx *ctx, const struct drover_site *site, int32_t action,
                       int32_t *state)
{
	struct d_site s;
	int32_t now = 0;
	int rc;

	if (action != DROVER_MAINT_STATUS && action != DROVER_MAINT_ON &&
	    action != DROVER_MAINT_OFF)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "maintenance called with the unknown action %d",
		                        (int)action);
	rc = d_site_open(ctx, site,
	                 action == DROVER_MAINT_STATUS ? "read the maintenance mode"
	                                               : "switch the maintenance mode",
	                 D_NEED_DB, &s);
	if (rc == 0 && action != DROVER_MAINT_STATUS)
		rc = set_state(&s, action == DROVER_MAINT_ON);
	if (rc == 0)
		rc = d_maint_state(&s, &now);
	if (rc == 0 && action != DROVER_MAINT_STATUS && now != (action == DROVER_MAINT_ON)) {
		const char *file = "settings.php";
		unsigned line = 0;
		int forced = 0;

		(void)forced7(&s, &forced, &line, &file);
		rc = ctx->host->error(ctx, DROVER_E_FAIL, file,
		                      "cannot switch maintenance mode %s for %s: %s:%u sets "
		                      "$conf['maintenance_mode'], which overrides the database; "
		                      "remove that line",
		                      action == DROVER_MAINT_ON ? "on" : "off", s.name, file, line);
	}
	if (rc == 0 && state != NULL)
		*state = now;
	d_site_close(&s);
	return rc;
}

/*
 * plugins/drupal/schema.c: the site_schema op: what a site's database says is installed.
 *
 * Checked against the Drupal sources:
 *   Drupal 7   table {system} (name, type, filename, status, schema_version): status 1 is
 *              enabled; schema_version -1 is SCHEMA_UNINSTALLED and 0 is SCHEMA_INSTALLED, a
 *              module installed when it had no hook_update_N (includes/install.inc). The
 *              installation profile is a row of type 'module' whose filename ends in .profile;
 *              it is reported as type "profile", as packages does.
 *   Drupal 8+  key_value collection 'system.schema' holds serialize(int) per installed module
 *              (UpdateHookRegistry; a module installed without updates gets 8000,
 *              \Drupal::CORE_MINIMUM_SCHEMA_VERSION, and uninstalling deletes the key);
 *              key_value collection 'post_update' key 'existing_updates' holds the applied
 *              post updates as a serialized list of "extension_post_update_name"
 *              (UpdateRegistry); config '' / 'core.extension' holds serialize(array('module'
 *              => array(name => weight), 'theme' => array(...), 'profile' => name)).
 * Schema versions are reported as stored ("0", "8000"); "" only for an uninstalled module.
 * A code schema of "" (no update functions) matches both 0 and 8000.
 *
 * Table names get the site's table prefix, read from its settings.php (sitedb.c).
 */
#include <stdlib.h>
#include <string.h>

#include "drupal.h"

struct row {
	char *name;
	const char *type;
	char schema[24];
	int32_t status;
	struct d_strv updates;
};

struct rows {
	struct row *v;
	size_t n, cap;
	int nomem;
};

static struct row *row_get(struct rows *rs, const char *name, size_t n, int create)
{
	struct row *r;

	for (size_t i = 0; i < rs->n; i++)
		if (strlen(rs->v[i].name) == n && memcmp(rs->v[i].name, name, n) == 0)
			return &rs->v[i];
	if (!create)
		return NULL;
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 128;
		struct row *v = realloc(rs->v, cap * sizeof *v);

		if (v == NULL) {
			rs->nomem = 1;
			return NULL;
		}
		rs->v = v;
		rs->cap = cap;
	}
	r = &rs->v[rs->n];
	memset(r, 0, sizeof *r);
	r->name = d_strndup(name, n);
	if (r->name == NULL) {
		rs->nomem = 1;
		return NULL;
	}
	r->type = "";
	r->status = DROVER_SCHEMA_UNINSTALLED;
	rs->n++;
	return r;
}

static void rows_free(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->v[i].name);
		d_strv_free(&rs->v[i].updates);
	}
	free(rs->v);
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->name, ((const struct row *)b)->name);
}

/* ---- SQL helpers ------------------------------------------------------------------------ */

static int need_table(struct drover_ctx *ctx, const struct drover_site *site, const char *table,
                      int gen)
{
	int exists, rc = d_table_exists(ctx, site, table, &exists);

	if (rc != 0)
		return rc;
	if (!exists)
		return ctx->host->error(
		    ctx, DROVER_E_NOTFOUND, table,
		    "the site database of %s has no table '%s': is this a Drupal %s database? "
		    "Check "
		    "the database attached to the site and the table prefix in its settings.php",
		    site->domain ? site->domain : site->site_dir, table,
		    gen == 7 ? "7" : "8 or later");
	return 0;
}

/* ---- Drupal 7 --------------------------------------------------------------------------- */

struct d7_ctx {
	struct drover_ctx *ctx;
	drover_schema_cb cb;
	void *arg;
	const char *table;
};

static int int_col(const char *s, long *out)
{
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	*out = strtol(s, &end, 10);
	return *end == '\0' ? 0 : -1;
}

static int d7_row(void *arg, uint32_t n, const char *const *cols)
{
	struct d7_ctx *c = arg;
	struct drover_schema_row row;
	char schema[24];
	long status, version;
	size_t fl;

	if (n < 5 || cols[1] == NULL || cols[1][0] == '\0' || int_col(cols[3], &status) != 0 ||
	    int_col(cols[4], &version) != 0) {
		c->ctx->host->log(
		    c->ctx, DROVER_LOG_WARNING,
		    "table %s: a row for '%s' has no usable status or schema_version; "
		    "skipped",
		    c->table, (n > 1 && cols[1]) ? cols[1] : "?");
		return 0;
	}
	memset(&row, 0, sizeof row);
	row.struct_size = (uint32_t)sizeof row;
	row.name = cols[1];
	row.type = cols[2] ? cols[2] : "";
	fl = cols[0] ? strlen(cols[0]) : 0;
	if (fl > 8 && strcmp(cols[0] + fl - 8, ".profile") == 0)
		row.type = "profile";
	if (status == 1)
		row.status = DROVER_SCHEMA_ENABLED;
	else if (version >= 0)
		row.status = DROVER_SCHEMA_DISABLED;
	else
		row.status = DROVER_SCHEMA_UNINSTALLED;
	schema[0] = '\0';
	if (version >= 0)
		(void)snprintf(schema, sizeof schema, "%ld", version);
	row.schema = schema;
	return c->cb(c->arg, &row);
}

static int schema_d7(struct drover_ctx *ctx, const struct drover_site *site,
                     const struct d_env *env, drover_schema_cb cb, void *arg)
{
	char table[128], sql[256];
	struct d7_ctx c = {ctx, cb, arg, table};
	int rc;

	rc = d_table_name(ctx, site, env, "system", table, sizeof table);
	if (rc == 0)
		rc = need_table(ctx, site, table, 7);
	if (rc != 0)
		return rc;
	(void)snprintf(sql, sizeof sql,
	               "SELECT filename, name, type, status, schema_version FROM %s "
	               "ORDER BY name, type, filename",
	               table);
	return ctx->host->sql_query(ctx, site->db, sql, NULL, 0, d7_row, &c);
}

/* ---- Drupal 8+ -------------------------------------------------------------------------- */

struct d8_ctx {
	struct drover_ctx *ctx;
	struct rows *rs;
	const char *table;
	int failed; /* DROVER_E_* recorded */
	int seen;
};

static int d8_corrupt(struct d8_ctx *c, const char *what, const struct tf_unser *u)
{
	c->failed = c->ctx->host->error(c->ctx, DROVER_E_CORRUPT, c->table,
	                                "%s in table %s is not the PHP-serialized value Drupal "
	                                "writes (%s at byte %zu); the database is damaged",
	                                what, c->table, u->why ? u->why : "unexpected value",
	                                (size_t)(u->p - u->start));
	return 1;
}

/* config core.extension: installed modules and themes, and the profile. */
static int d8_extension(void *arg, uint32_t n, const char *const *cols)
{
	struct d8_ctx *c = arg;
	struct tf_unser u;
	struct tf_uval v, k;
	char profile[256] = "";
	int64_t pairs;

	c->seen = 1;
	tf_unser_init(&u, (n > 0 && cols[0]) ? cols[0] : "",
	              (n > 0 && cols[0]) ? strlen(cols[0]) : 0);
	if (tf_unser_next(&u, &v) != 1 || v.kind != TF_UNSER_ARRAY)
		return d8_corrupt(c, "config core.extension", &u);
	for (pairs = v.i; pairs > 0; pairs--) {
		int is_module, is_theme, is_profile;

		if (tf_unser_next(&u, &k) != 1 || tf_unser_next(&u, &v) != 1)
			return d8_corrupt(c, "config core.extension", &u);
		is_module = k.kind == TF_UNSER_STR && k.n == 6 && memcmp(k.s, "module", 6) == 0;
		is_theme = k.kind == TF_UNSER_STR && k.n == 5 && memcmp(k.s, "theme", 5) == 0;
		is_profile = k.kind == TF_UNSER_STR && k.n == 7 && memcmp(k.s, "profile", 7) == 0;
		if (is_profile && v.kind == TF_UNSER_STR && v.n < sizeof profile) {
			memcpy(profile, v.s, v.n);
			profile[v.n] = '\0';
			continue;
		}
		if (!(is_module || is_theme) || v.kind != TF_UNSER_ARRAY) {
			if (tf_unser_skip(&u, &v) != 0)
				return d8_corrupt(c, "config core.extension", &u);
			continue;
		}
		for (int64_t m = v.i; m > 0; m--) {
			struct tf_uval name, weight;
			struct row *r;

			if (tf_unser_next(&u, &name) != 1 || tf_unser_next(&u, &weight) != 1 ||
			    name.kind != TF_UNSER_STR || tf_unser_skip(&u, &weight) != 0)
				return d8_corrupt(c, "config core.extension", &u);
			r = row_get(c->rs, name.s, name.n, 1);
			if (r == NULL)
				return 1;
			r->type = is_theme ? "theme" : "module";
			r->status = DROVER_SCHEMA_ENABLED;
		}
		if (tf_unser_next(&u, &v) != 1 || v.kind != TF_UNSER_END)
			return d8_corrupt(c, "config core.extension", &u);
	}
	if (tf_unser_next(&u, &v) != 1 || v.kind != TF_UNSER_END || tf_unser_next(&u, &v) != 0)
		return d8_corrupt(c, "config core.extension", &u);
	if (profile[0] != '\0') {
		struct row *r = row_get(c->rs, profile, strlen(profile), 0);

		if (r != NULL)
			r->type = "profile";
	}
	return 0;
}

/* key_value system.schema: one module's installed schema. */
static int d8_schema(void *arg, uint32_t n, const char *const *cols)
{
	struct d8_ctx *c = arg;
	struct tf_unser u;
	struct tf_uval v, end;
	struct row *r;

	if (n < 2 || cols[0] == NULL || cols[0][0] == '\0' || cols[1] == NULL)
		return 0;
	tf_unser_init(&u, cols[1], strlen(cols[1]));
	if (tf_unser_next(&u, &v) != 1 || v.kind != TF_UNSER_INT || tf_unser_next(&u, &end) != 0) {
		c->ctx->host->log(
		    c->ctx, DROVER_LOG_WARNING,
		    "table %s: the schema version of '%s' is not a serialized integer; "
		    "skipped",
		    c->table, cols[0]);
		return 0;
	}
	r = row_get(c->rs, cols[0], strlen(cols[0]), 1);
	if (r == NULL)
		return 1;
	if (v.i >= 0)
		(void)snprintf(r->schema, sizeof r->schema, "%lld", (long long)v.i);
	if (r->status != DROVER_SCHEMA_ENABLED) {
		/* Uninstalling deletes the key, so this is an interrupted uninstall or a
		 * hand-edited database. */
		if (v.i >= 0) {
			r->status = DROVER_SCHEMA_DISABLED;
			r->type = "module";
			c->ctx->host->log(
			    c->ctx, DROVER_LOG_WARNING,
			    "module '%s' has schema %lld in %s but is not installed in "
			    "core.extension (an interrupted uninstall?); reported as "
			    "disabled",
			    cols[0], (long long)v.i, c->table);
		}
	}
	return 0;
}

/* key_value post_update existing_updates: the applied post updates. */
static int d8_post(void *arg, uint32_t n, const char *const *cols)
{
	static const char mid[] = "_post_update_";
	struct d8_ctx *c = arg;
	struct tf_unser u;
	struct tf_uval v, k;
	int64_t pairs;

	if (n < 1 || cols[0] == NULL)
		return 0;
	tf_unser_init(&u, cols[0], strlen(cols[0]));
	if (tf_unser_next(&u, &v) != 1 || v.kind != TF_UNSER_ARRAY)
		return d8_corrupt(c, "key_value post_update existing_updates", &u);
	for (pairs = v.i; pairs > 0; pairs--) {
		const char *last = NULL;
		struct row *r;

		if (tf_unser_next(&u, &k) != 1 || tf_unser_next(&u, &v) != 1 ||
		    v.kind != TF_UNSER_STR)
			return d8_corrupt(c, "key_value post_update existing_updates", &u);
		/* The extension is everything before the last "_post_update_". */
		for (size_t i = 0; i + sizeof mid - 1 <= v.n; i++)
			if (memcmp(v.s + i, mid, sizeof mid - 1) == 0)
				last = v.s + i;
		if (last == NULL || last == v.s || memchr(v.s, '\0', v.n) != NULL)
			continue;
		r = row_get(c->rs, v.s, (size_t)(last - v.s), 0);
		if (r == NULL) {
			c->ctx->host->log(c->ctx, DROVER_LOG_DEBUG,
			                  "post update %.*s belongs to no installed extension",
			                  (int)v.n, v.s);
			r = row_get(c->rs, v.s, (size_t)(last - v.s), 1);
			if (r == NULL)
				return 1;
		}
		if (d_strv_push(&r->updates, v.s, v.n) != 0) {
			c->rs->nomem = 1;
			return 1;
		}
	}
	if (tf_unser_next(&u, &v) != 1 || v.kind != TF_UNSER_END || tf_unser_next(&u, &v) != 0)
		return d8_corrupt(c, "key_value post_update existing_updates", &u);
	return 0;
}

static int schema_d8(struct drover_ctx *ctx, const struct drover_site *site,
                     const struct d_env *env, drover_schema_cb cb, void *arg)
{
	char kv[128], config[128], sql[256];
	struct rows rs = {NULL, 0, 0, 0};
	struct d8_ctx c = {ctx, &rs, config, 0, 0};
	const char *p_ext[2] = {"", "core.extension"};
	const char *p_schema[1] = {"system.schema"};
	const char *p_post[2] = {"post_update", "existing_updates"};
	int rc;

	rc = d_table_name(ctx, site, env, "key_value", kv, sizeof kv);
	if (rc == 0)
		rc = d_table_name(ctx, site, env, "config", config, sizeof config);
	if (rc == 0)
		rc = need_table(ctx, site, kv, 8);
	if (rc == 0)
		rc = need_table(ctx, site, config, 8);
	if (rc != 0)
		return rc;
	(void)snprintf(sql, sizeof sql, "SELECT data FROM %s WHERE collection = ? AND name = ?",
	               config);
	rc = ctx->host->sql_query(ctx, site->db, sql, p_ext, 2, d8_extension, &c);
	if (rc == 0 && !c.seen)
		rc = ctx->host->error(
		    ctx, DROVER_E_NOTFOUND, config,
		    "table %s has no core.extension configuration, which every "
		    "installed Drupal 8+ site has; the site is not installed or its "
		    "database is damaged",
		    config);
	c.table = kv;
	if (rc == 0) {
		(void)snprintf(sql, sizeof sql, "SELECT name, value FROM %s WHERE collection = ?",
		               kv);
		rc = ctx->host->sql_query(ctx, site->db, sql, p_schema, 1, d8_schema, &c);
	}
	if (rc == 0) {
		(void)snprintf(sql, sizeof sql,
		               "SELECT value FROM %s WHERE collection = ? AND name = ?", kv);
		rc = ctx->host->sql_query(ctx, site->db, sql, p_post, 2, d8_post, &c);
	}
	if (rs.nomem)
		rc =
		    ctx->host->error(ctx, DROVER_E_NOMEM, NULL, "out of memory reading the schema");
	else if (c.failed)
		rc = c.failed;
	if (rc == 0) {
		qsort(rs.v, rs.n, sizeof *rs.v, cmp_row);
		for (size_t i = 0; i < rs.n && rc == 0; i++) {
			struct drover_schema_row row;

			d_strv_sort_unique(&rs.v[i].updates);
			memset(&row, 0, sizeof row);
			row.struct_size = (uint32_t)sizeof row;
			row.status = rs.v[i].status;
			row.name = rs.v[i].name;
			row.type = rs.v[i].type;
			row.schema = rs.v[i].schema;
			row.updates = (const char *const *)rs.v[i].updates.v;
			row.n_updates = (uint32_t)rs.v[i].updates.n;
			rc = cb(arg, &row);
		}
	}
	rows_free(&rs);
	return rc;
}

int drupal_site_schema(struct drover_ctx *ctx, const struct drover_site *site, drover_schema_cb cb,
                       void *arg)
{
	struct drover_probe probe;
	struct d_problem pb;
	struct d_env *env = NULL;
	struct tf_root r;
	int rc;

	if (site == NULL || cb == NULL)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "site_schema called without a site or a callback");
	if (site->db == NULL || site->db_driver == NULL)
		return ctx->host->error(
		    ctx, DROVER_E_INVAL, site->domain,
		    "site %s has no database attached; attach one before reading "
		    "its schema",
		    site->domain ? site->domain : site->site_dir);
	rc = tf_root_open(ctx, site->root, &r);
	if (rc != 0)
		return rc;
	memset(&probe, 0, sizeof probe);
	probe.struct_size = (uint32_t)sizeof probe;
	rc = drupal_identify(ctx, &r, &probe);
	tf_root_close(&r);
	if (rc == DROVER_E_NOTMINE)
		return ctx->host->error(ctx, DROVER_E_NOTMINE, site->root,
		                        "%s is not a Drupal platform, so drover cannot tell which "
		                        "tables hold the schema of %s; check the site's platform",
		                        site->root, site->domain ? site->domain : site->site_dir);
	if (rc != 0)
		return rc;
	/* The table prefix lives in settings.php. Without one, assume none: a wrong guess shows
	 * up as a missing table below. */
	if (d_settings_eval(ctx, site, &env, &pb) != 0) {
		if (pb.code == DROVER_E_NOMEM)
			return d_problem_fail(ctx, site->root, &pb);
		ctx->host->log(ctx, DROVER_LOG_WARNING, "%s; drover assumes no table prefix",
		               pb.msg);
		env = NULL;
	}
	rc = probe.generation == 7 ? schema_d7(ctx, site, env, cb, arg)
	                           : schema_d8(ctx, site, env, cb, arg);
	d_env_free(env);
	return rc;
}

/*
 * plugins/magento/schema.c: site_schema, the schema installed in a Magento site's database.
 *
 * The tables (checked in magento-lts and magento/magento2):
 *   Magento 1  core_resource (code, version, data_version): one row per setup resource, created
 *              by Mage_Core's install script; data_version exists since 1.4.
 *              Mage_Core_Model_Resource_Setup::applyUpdates() and applyDataUpdates() bring both
 *              columns to the <version> of the module the resource's <setup><module> names.
 *   Magento 2  setup_module (module, schema_version, data_version): one row per module with a
 *              setup_version; since 2.3 also patch_list (patch_id, patch_name), one row per
 *              applied patch, named by its class (PatchHistory::fixPatch(get_class($patch))).
 *
 * The rows we stream, so that the core can set them beside the packages by name:
 *   - one row per module, named as its package. Magento 1 resources are mapped to modules
 *     through the platform's own config.xml files (site->root is the site's platform). A
 *     resource no module of the platform declares (its code is gone) gets a row of its own,
 *     named by its resource code, with type "".
 *   - schema: the lowest, by version_compare(), of all the module's versions and data versions
 *     (NULL and empty ones left out): Magento raises each of them to the module's code version,
 *     so the row equals the package's schema exactly when no schema or data update is pending,
 *     is lower while one is, and is higher when the code was downgraded under the site.
 *   - updates: Magento 1, the module's resource codes that core_resource holds (a package's
 *     resource missing here was never installed); Magento 2, the module's applied patches in
 *     the order they were applied. A patch belongs to the module whose namespace starts its
 *     class: the part before "\Setup\Patch\" (how PatchReader builds the name), or else its
 *     first two parts, '\' read as '_': "Magento\Catalog\Setup\Patch\Data\X" -> Magento_Catalog.
 *     A module with patches but no setup_module row (declarative schema only) gets a row with
 *     schema "".
 *   - status: Magento 1, DISABLED for modules the platform does not load (inactive, or local
 *     ones while local modules are disabled) and for resources no module of the platform
 *     declares (a module whose code is gone: Magento runs nothing of it), else ENABLED; Magento 2, DISABLED for modules
 *     app/etc/config.php does not enable, else ENABLED (also when there is no config.php).
 * Rows come sorted by name.
 *
 * The table prefix comes from the site's settings and must be [A-Za-z0-9_]*: identifiers cannot
 * be bound. Tables are looked up before they are queried, so that a missing one gets its own
 * message: in sqlite_master for SQLite, in information_schema for MySQL.
 */
#include <stdlib.h>
#include <string.h>

#include "magento.h"

/* --- rows ------------------------------------------------------------------------------------ */

struct row {
	char *name;
	const char *type;
	int32_t status;
	char *schema; /* NULL until a version is seen */
	struct tf_names updates;
};

struct rows {
	struct row *v;
	size_t n, cap;
};

static void rows_free(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->v[i].name);
		free(rs->v[i].schema);
		tf_names_free(&rs->v[i].updates);
	}
	free(rs->v);
	memset(rs, 0, sizeof *rs);
}

/* The row named `name`, added (in name order) if new; NULL when out of memory. */
static struct row *rows_get(struct rows *rs, const char *name)
{
	size_t lo = 0, hi = rs->n;
	struct row *rw;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(rs->v[mid].name, name);

		if (c == 0)
			return &rs->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (rs->n == rs->cap) {
		size_t ncap = rs->cap ? rs->cap * 2 : 64;
		struct row *nv = realloc(rs->v, ncap * sizeof *nv);

		if (nv == NULL)
			return NULL;
		rs->v = nv;
		rs->cap = ncap;
	}
	memmove(&rs->v[lo + 1], &rs->v[lo], (rs->n - lo) * sizeof *rs->v);
	rw = &rs->v[lo];
	memset(rw, 0, sizeof *rw);
	rw->name = mg_strndup(name, strlen(name));
	if (rw->name == NULL) {
		memmove(&rs->v[lo], &rs->v[lo + 1], (rs->n - lo) * sizeof *rs->v);
		return NULL;
	}
	rw->type = "module";
	rw->status = DROVER_SCHEMA_ENABLED;
	rs->n++;
	return rw;
}

/* Lower the row's schema to `version` if that is lower (NULL and "" are no version). */
static int row_lower(struct row *rw, const char *version)
{
	char *copy;

	if (version == NULL || version[0] == '\0' ||
	    (rw->schema != NULL && tf_version_cmp(version, rw->schema) >= 0))
		return 0;
	copy = mg_strndup(version, strlen(version));
	if (copy == NULL)
		return -1;
	free(rw->schema);
	rw->schema = copy;
	return 0;
}

static int rows_emit(const struct rows *rs, drover_schema_cb cb, void *arg)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct row *rw = &rs->v[i];
		struct drover_schema_row out;
		int rc;

		memset(&out, 0, sizeof out);
		out.struct_size = (uint32_t)sizeof out;
		out.status = rw->status;
		out.name = rw->name;
		out.type = rw->type;
		out.schema = rw->schema ? rw->schema : "";
		out.updates = (const char *const *)rw->updates.v;
		out.n_updates = (uint32_t)rw->updates.n;
		rc = cb(arg, &out);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* --- the database ----------------------------------------------------------------------------- */

static int is_mysql(const struct drover_site *site)
{
	return strcmp(site->db_driver, "mysql") == 0;
}

static int found_cb(void *arg, uint32_t n, const char *const *cols)
{
	(void)n;
	(void)cols;
	*(int *)arg = 1;
	return 0;
}

static int column_exists(struct drover_ctx *ctx, const struct drover_site *site, const char *table,
                         const char *column, int *yes)
{
	const char *params[] = {table, column};

	*yes = 0;
	return ctx->host->sql_query(ctx, site->db,
	                            is_mysql(site)
	                                ? "SELECT 1 FROM information_schema.columns WHERE "
	                                  "table_schema = DATABASE() AND table_name = ? AND "
	                                  "column_name = ?"
	                                : "SELECT 1 FROM pragma_table_info(?) WHERE name = ?",
	                            params, 2, found_cb, yes);
}

/* A table the site must have: *table gets its prefixed name. */
static int need_table(struct drover_ctx *ctx, const struct drover_site *site, const char *prefix,
                      const char *name, int gen, char *table, size_t size)
{
	int rc, yes;

	if (mg_fmt(table, size, "%s%s", prefix, name) != 0)
		return ctx->host->error(ctx, DROVER_E_RANGE, name, "table name too long");
	rc = mg_table_exists(ctx, site, table, &yes);
	if (rc != 0 || yes)
		return rc;
	return ctx->host->error(
	    ctx, DROVER_E_NOTFOUND, table,
	    "site database of %s has no table '%s': is this a Magento %d database? Check the "
	    "database name and table prefix in %s",
	    site->domain ? site->domain : "the site", table, gen,
	    gen == 1 ? M1_LOCAL_XML : M2_ENV_PHP);
}

struct query {
	struct drover_ctx *ctx;
	struct rows *rows;
	const struct tf_names *res, *mod; /* M1: resource code -> module */
	const char *loaded;               /* M1: per resource, its module is loaded */
};

static int nomem(struct drover_ctx *ctx)
{
	return ctx->host->error(ctx, DROVER_E_NOMEM, NULL, "out of memory reading the site schema");
}

/* --- Magento 1 -------------------------------------------------------------------------------- */

struct m1_map {
	struct tf_names res, mod;
	char *loaded;
	size_t cap;
};

static int map_module(void *arg, const struct m1_module *m)
{
	struct m1_map *map = arg;

	for (uint32_t i = 0; i < m->n_resources; i++) {
		if (tf_names_find(&map->res, m->resources[i]) >= 0)
			continue; /* the first module that claims a resource keeps it */
		if (map->res.n == map->cap) {
			size_t ncap = map->cap ? map->cap * 2 : 128;
			char *nv = realloc(map->loaded, ncap);

			if (nv == NULL)
				return DROVER_E_NOMEM;
			map->loaded = nv;
			map->cap = ncap;
		}
		if (tf_names_add(&map->res, m->resources[i], strlen(m->resources[i])) != 0)
			return DROVER_E_NOMEM;
		if (tf_names_add(&map->mod, m->name, strlen(m->name)) != 0) {
			free(map->res.v[--map->res.n]);
			return DROVER_E_NOMEM;
		}
		map->loaded[map->res.n - 1] = (char)m->loaded;
	}
	return 0;
}

static int m1_resource(void *arg, uint32_t n, const char *const *cols)
{
	struct query *q = arg;
	struct row *rw;
	long i;

	if (n < 2 || cols[0] == NULL)
		return 0;
	i = tf_names_find(q->res, cols[0]);
	rw = rows_get(q->rows, i >= 0 ? q->mod->v[i] : cols[0]);
	if (rw == NULL)
		return nomem(q->ctx);
	if (i < 0 || !q->loaded[i])
		rw->status = DROVER_SCHEMA_DISABLED;
	if (i < 0)
		rw->type = "";
	if (row_lower(rw, cols[1]) != 0 || (n > 2 && row_lower(rw, cols[2]) != 0) ||
	    tf_names_add(&rw->updates, cols[0], strlen(cols[0])) != 0)
		return nomem(q->ctx);
	return 0;
}

static int m1_schema(struct drover_ctx *ctx, const struct tf_root *r,
                     const struct drover_site *site, const char *prefix, struct rows *rows)
{
	char table[128], sql[256];
	struct m1_map map;
	struct query q;
	int rc, data;

	memset(&map, 0, sizeof map);
	rc = need_table(ctx, site, prefix, "core_resource", 1, table, sizeof table);
	if (rc == 0)
		rc = column_exists(ctx, site, table, "data_version", &data);
	if (rc != 0)
		return rc;
	rc = m1_modules(ctx, r, 1, map_module, &map);
	if (rc == DROVER_E_NOMEM)
		rc = nomem(ctx);
	if (rc != 0)
		goto out;
	/* Before 1.4 the table has no data_version. */
	if (mg_fmt(sql, sizeof sql, "SELECT code, version%s FROM %s ORDER BY code",
	           data ? ", data_version" : "", table) != 0) {
		rc = ctx->host->error(ctx, DROVER_E_RANGE, table, "table name too long");
		goto out;
	}
	q.ctx = ctx;
	q.rows = rows;
	q.res = &map.res;
	q.mod = &map.mod;
	q.loaded = map.loaded;
	rc = ctx->host->sql_query(ctx, site->db, sql, NULL, 0, m1_resource, &q);
out:
	tf_names_free(&map.res);
	tf_names_free(&map.mod);
	free(map.loaded);
	return rc;
}

/* --- Magento 2 -------------------------------------------------------------------------------- */

static int m2_module_row(void *arg, uint32_t n, const char *const *cols)
{
	struct query *q = arg;
	struct row *rw;

	if (n < 3 || cols[0] == NULL)
		return 0;
	rw = rows_get(q->rows, cols[0]);
	if (rw == NULL || row_lower(rw, cols[1]) != 0 || row_lower(rw, cols[2]) != 0)
		return nomem(q->ctx);
	return 0;
}

/* The module a patch class belongs to (see the top of the file). -1 if none can be told. */
static int patch_module(const char *patch, char *out, size_t size)
{
	const char *p = patch[0] == '\\' ? patch + 1 : patch;
	const char *end = strstr(p, "\\Setup\\Patch\\");
	size_t len;

	if (end == NULL) {
		const char *first = strchr(p, '\\');

		if (first == NULL)
			return -1;
		end = strchr(first + 1, '\\');
		if (end == NULL)
			end = p + strlen(p);
	}
	len = (size_t)(end - p);
	if (len == 0 || len >= size)
		return -1;
	for (size_t i = 0; i < len; i++)
		out[i] = p[i] == '\\' ? '_' : p[i];
	out[len] = '\0';
	return 0;
}

static int m2_patch_row(void *arg, uint32_t n, const char *const *cols)
{
	struct query *q = arg;
	char module[256];
	struct row *rw;

	if (n < 1 || cols[0] == NULL)
		return 0;
	if (patch_module(cols[0], module, sizeof module) != 0) {
		q->ctx->host->log(q->ctx, DROVER_LOG_DEBUG,
		                  "patch_list: cannot tell the module of patch '%.200s'; left out",
		                  cols[0]);
		return 0;
	}
	rw = rows_get(q->rows, module);
	if (rw == NULL || tf_names_add(&rw->updates, cols[0], strlen(cols[0])) != 0)
		return nomem(q->ctx);
	return 0;
}

static int m2_schema(struct drover_ctx *ctx, const struct tf_root *r,
                     const struct drover_site *site, const char *prefix, struct rows *rows)
{
	char table[128], sql[256];
	struct m2_flags flags;
	struct query q;
	int rc, yes;

	memset(&q, 0, sizeof q);
	q.ctx = ctx;
	q.rows = rows;
	rc = need_table(ctx, site, prefix, "setup_module", 2, table, sizeof table);
	if (rc != 0)
		return rc;
	if (mg_fmt(sql, sizeof sql,
	           "SELECT module, schema_version, data_version FROM %s ORDER BY module",
	           table) != 0)
		return ctx->host->error(ctx, DROVER_E_RANGE, table, "table name too long");
	rc = ctx->host->sql_query(ctx, site->db, sql, NULL, 0, m2_module_row, &q);
	if (rc != 0)
		return rc;
	/* patch_list comes with 2.3; an older site simply has no patches. */
	if (mg_fmt(table, sizeof table, "%spatch_list", prefix) != 0)
		return ctx->host->error(ctx, DROVER_E_RANGE, prefix, "table prefix too long");
	rc = mg_table_exists(ctx, site, table, &yes);
	if (rc != 0)
		return rc;
	if (yes) {
		if (mg_fmt(sql, sizeof sql, "SELECT patch_name FROM %s ORDER BY patch_id", table) !=
		    0)
			return ctx->host->error(ctx, DROVER_E_RANGE, table, "table name too long");
		rc = ctx->host->sql_query(ctx, site->db, sql, NULL, 0, m2_patch_row, &q);
		if (rc != 0)
			return rc;
	}
	rc = m2_flags_read(ctx, r, 1, &flags);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < rows->n; i++)
		if (m2_flag(&flags, rows->v[i].name) == 0)
			rows->v[i].status = DROVER_SCHEMA_DISABLED;
	m2_flags_free(&flags);
	return 0;
}

/* --- the op ----------------------------------------------------------------------------------- */

int mg_site_schema(struct drover_ctx *ctx, const struct drover_site *site, drover_schema_cb cb,
                   void *arg)
{
	struct mg_site ms;
	struct rows rows;
	int rc;

	if (site == NULL || site->root == NULL || cb == NULL)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "site_schema called without a site or a callback");
	rc = mg_need_db(ctx, site, "read the schema");
	if (rc != 0)
		return rc;
	rc = mg_site_open(ctx, site, "read the site schema", MG_SETTINGS, &ms);
	if (rc != 0)
		return rc;
	memset(&rows, 0, sizeof rows);
	rc = ms.gen == 1 ? m1_schema(ctx, &ms.r, site, ms.s.prefix, &rows)
	                 : m2_schema(ctx, &ms.r, site, ms.s.prefix, &rows);
	if (rc == 0)
		rc = rows_emit(&rows, cb, arg);
	rows_free(&rows);
	mg_site_close(&ms);
	return rc;
}

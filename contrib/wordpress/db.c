/*
 * db.c: what the WordPress adapter reads and changes in a site's database, through the core's
 * SQL functions (host->sql_query, host->sql_exec), never a client of its own.
 *
 * Installed schema: WordPress records one number for the whole database, the `db_version`
 * option, which wp_upgrade() raises to the code's $wp_db_version; plugins keep no schema version
 * WordPress knows of. So the schema rows are the core with db_version, the active plugins
 * (`active_plugins`, a serialized array of "dir/main.php") and the active theme and its parent
 * (`stylesheet`, `template`), all enabled.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wordpress.h"

static int need_db(struct drover_ctx *ctx, const struct drover_site *site, const char *what)
{
	if (site->db)
		return 0;
	return ctx->host->error(ctx, DROVER_E_INVAL, site->domain,
	                        "%s needs the site's database, and none is attached", what);
}

int wp_prefix(struct drover_ctx *ctx, const struct drover_site *site, char *out, size_t size)
{
	struct drover_settings st;
	int rc;

	memset(&st, 0, sizeof(st));
	st.struct_size = sizeof(st);
	if ((rc = wp_settings_read(ctx, site, &st)) != 0)
		return rc;
	memset(st.password, 0, sizeof(st.password));
	if (wp_copy(out, size, st.prefix) != 0)
		return ctx->host->error(ctx, DROVER_E_RANGE, site->domain, "table prefix too long");
	return 0;
}

struct one {
	char *out;
	size_t size;
	int found;
};

static int one_row(void *arg, uint32_t n, const char *const *cols)
{
	struct one *o = arg;

	if (n >= 1 && !o->found) {
		o->found = 1;
		(void)wp_copy(o->out, o->size, cols[0] ? cols[0] : "");
	}
	return 0;
}

int wp_option(struct drover_ctx *ctx, const struct drover_site *site, const char *prefix,
              const char *name, char *out, size_t size, int *found)
{
	char sql[256];
	struct one o = {out, size, 0};
	const char *params[] = {name};
	int rc;

	out[0] = '\0';
	(void)wp_fmt(sql, sizeof(sql), "SELECT option_value FROM %soptions WHERE option_name = ?",
	             prefix);
	rc = ctx->host->sql_query(ctx, site->db, sql, params, 1, one_row, &o);
	if (found)
		*found = o.found;
	return rc;
}

/* --- site_schema ------------------------------------------------------------------------------- */

struct rows {
	drover_schema_cb cb;
	void *arg;
};

static int row(struct rows *r, const char *name, const char *type, const char *schema)
{
	struct drover_schema_row x;

	memset(&x, 0, sizeof(x));
	x.struct_size = sizeof(x);
	x.status = DROVER_SCHEMA_ENABLED;
	x.name = name;
	x.type = type;
	x.schema = schema;
	return r->cb(r->arg, &x);
}

static int plugin_row(void *arg, const char *s, size_t n)
{
	char name[256];
	const char *slash = memchr(s, '/', n);
	size_t k = slash ? (size_t)(slash - s) : n;

	/* "akismet/akismet.php" is the plugin akismet; "hello.php" is the plugin hello. */
	if (!slash && k > 4 && strncmp(s + k - 4, ".php", 4) == 0)
		k -= 4;
	if (k == 0 || k >= sizeof(name))
		return 0;
	memcpy(name, s, k);
	name[k] = '\0';
	return row(arg, name, "module", "");
}

int wp_site_schema(struct drover_ctx *ctx, const struct drover_site *site, drover_schema_cb cb,
                   void *arg)
{
	char prefix[64], value[65536], style[256] = "";
	struct rows r = {cb, arg};
	int rc, found;

	if (!cb)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "site_schema called without a callback");
	if ((rc = need_db(ctx, site, "site_schema")) != 0 ||
	    (rc = wp_prefix(ctx, site, prefix, sizeof(prefix))) != 0)
		return rc;
	if ((rc = wp_option(ctx, site, prefix, "db_version", value, sizeof(value), &found)) != 0)
		return rc;
	if (!found || strspn(value, "0123456789") != strlen(value) || !value[0])
		return ctx->host->error(
		    ctx, DROVER_E_PARSE, site->domain,
		    "the %soptions table has no numeric db_version: the database "
		    "is not an installed WordPress site's",
		    prefix);
	rc = row(&r, "wordpress", "core", value);
	if (rc == 0)
		rc = wp_option(ctx, site, prefix, "active_plugins", value, sizeof(value), &found);
	if (rc == 0 && found && value[0]) {
		rc = wp_unserialize_strings(value, plugin_row, &r);
		if (rc == -1)
			rc =
			    ctx->host->error(ctx, DROVER_E_PARSE, site->domain,
			                     "the active_plugins option is not a serialized array");
	}
	/* The active theme (stylesheet) and its parent (template), which is itself when it has
	 * none. */
	for (int i = 0; rc == 0 && i < 2; i++) {
		rc = wp_option(ctx, site, prefix, i == 0 ? "stylesheet" : "template", value,
		               sizeof(value), &found);
		if (rc == 0 && found && value[0] && strcmp(value, style) != 0)
			rc = row(&r, value, "theme", "");
		if (i == 0)
			(void)wp_copy(style, sizeof(style), found ? value : "");
	}
	return rc;
}

/* --- cache_clear ------------------------------------------------------------------------------- */

int wp_cache_clear(struct drover_ctx *ctx, const struct drover_site *site)
{
	char prefix[64], sql[256], path[WP_PATH_MAX];
	const char *patterns[] = {"!_transient!_%", "!_site!_transient!_%"};
	int rc;

	if ((rc = need_db(ctx, site, "cache_clear")) != 0 ||
	    (rc = wp_prefix(ctx, site, prefix, sizeof(prefix))) != 0)
		return rc;
	/* Transients (and their timeouts) are WordPress's database cache: all of them may go,
	 * WordPress recomputes what it needs. */
	(void)wp_fmt(sql, sizeof(sql),
	             "DELETE FROM %soptions WHERE option_name LIKE ? ESCAPE '!' OR option_name "
	             "LIKE ? ESCAPE '!'",
	             prefix);
	if ((rc = ctx->host->sql_exec(ctx, site->db, sql, patterns, 2)) != 0)
		return rc;
	/* A persistent object cache (the wp-content/object-cache.php drop-in: Redis, Memcached)
	 * is flushed by WordPress itself, through the runner. */
	if (wp_join(path, sizeof(path), wp_code_root(site), "wp-content/object-cache.php") == 0 &&
	    wp_is_file(path))
		return wp_php_run(ctx, site, "cache");
	return 0;
}

/* --- fixup ------------------------------------------------------------------------------------- */

static int set_option(struct drover_ctx *ctx, const struct drover_site *site, const char *prefix,
                      const char *name, const char *value)
{
	char sql[256];
	const char *params[] = {value, name};

	(void)wp_fmt(sql, sizeof(sql),
	             "UPDATE %soptions SET option_value = ? WHERE option_name = ?", prefix);
	return ctx->host->sql_exec(ctx, site->db, sql, params, 2);
}

/* REPLACE(from, to) in the posts' content and GUIDs: links to the site's own pages and media.
 * Serialized values (postmeta, options) are left alone: their string lengths would break. */
static int replace_posts(struct drover_ctx *ctx, const struct drover_site *site, const char *prefix,
                         const char *from, const char *to)
{
	char sql[512];
	const char *params[] = {from, to, from, to};

	(void)wp_fmt(sql, sizeof(sql),
	             "UPDATE %sposts SET post_content = REPLACE(post_content, ?, ?), guid = "
	             "REPLACE(guid, ?, ?)",
	             prefix);
	return ctx->host->sql_exec(ctx, site->db, sql, params, 4);
}

int wp_fixup(struct drover_ctx *ctx, const struct drover_site *site, const struct drover_move *move)
{
	static const char *url_options[] = {"siteurl", "home", "upload_url_path"};
	char prefix[64], value[4096], fixed[4400], from[600], to[600];
	int rc, found, renamed;

	if (!move)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL, "fixup called without a move");
	if ((rc = need_db(ctx, site, "fixup")) != 0 ||
	    (rc = wp_prefix(ctx, site, prefix, sizeof(prefix))) != 0)
		return rc;
	renamed =
	    move->old_domain && move->new_domain && strcmp(move->old_domain, move->new_domain);
	if (renamed) {
		if ((rc = wp_settings_urls(ctx, site, move->old_domain, move->new_domain)) != 0)
			return rc;
		for (size_t i = 0; i < sizeof(url_options) / sizeof(url_options[0]); i++) {
			rc = wp_option(ctx, site, prefix, url_options[i], value, sizeof(value),
			               &found);
			if (rc == 0 && found &&
			    wp_swap_host(value, move->old_domain, move->new_domain, fixed,
			                 sizeof(fixed)) == 0) {
				rc = set_option(ctx, site, prefix, url_options[i], fixed);
				ctx->host->log(ctx, DROVER_LOG_INFO, "%s: %s %s -> %s",
				               site->domain, url_options[i], value, fixed);
			}
			if (rc)
				return rc;
		}
		(void)wp_fmt(from, sizeof(from), "//%s/", move->old_domain);
		(void)wp_fmt(to, sizeof(to), "//%s/", move->new_domain);
		if ((rc = replace_posts(ctx, site, prefix, from, to)) != 0)
			return rc;
	}
	/* Media URLs carry the site directory (UPLOADS = sites/<domain>/uploads). */
	if (move->old_site_dir && move->new_site_dir && move->old_site_dir[0] &&
	    move->new_site_dir[0] && strcmp(move->old_site_dir, move->new_site_dir) != 0) {
		(void)wp_fmt(from, sizeof(from), "/%s/", move->old_site_dir);
		(void)wp_fmt(to, sizeof(to), "/%s/", move->new_site_dir);
		if ((rc = replace_posts(ctx, site, prefix, from, to)) != 0)
			return rc;
	}
	/* upload_path, when set, may be absolute (sites of WordPress before 3.5 have it). */
	if (move->old_root && move->new_root && strcmp(move->old_root, move->new_root) != 0) {
		size_t k = strlen(move->old_root);
		rc = wp_option(ctx, site, prefix, "upload_path", value, sizeof(value), &found);
		if (rc == 0 && found && strncmp(value, move->old_root, k) == 0 &&
		    (value[k] == '/' || !value[k]) &&
		    wp_fmt(fixed, sizeof(fixed), "%s%s", move->new_root, value + k) == 0)
			rc = set_option(ctx, site, prefix, "upload_path", fixed);
		if (rc)
			return rc;
	}
	return 0;
}

/* --- health ------------------------------------------------------------------------------------ */

static int check(drover_check_cb cb, void *arg, int32_t status, const char *name, const char *msg)
{
	struct drover_check c;

	memset(&c, 0, sizeof(c));
	c.struct_size = sizeof(c);
	c.status = status;
	c.name = name;
	c.message = msg;
	return cb(arg, &c);
}

int wp_health(struct drover_ctx *ctx, const struct drover_site *site, drover_check_cb cb, void *arg)
{
	char msg[1200], version[64], dbv[32], value[1024], path[WP_PATH_MAX], *src;
	struct drover_settings st;
	struct wp_site ws;
	size_t len;
	int rc, found, state = 0;

	if (!cb)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "health called without a callback");
	if ((rc = wp_site_locate(ctx, site, &ws)) != 0)
		return rc;
	memset(&st, 0, sizeof(st));
	st.struct_size = sizeof(st);
	if (wp_settings_read(ctx, site, &st) != 0) {
		/* The read's own words (what host->error recorded) go into the check; health
		 * itself succeeds, so the core does not report them again. */
		(void)wp_fmt(msg, sizeof(msg), "%s: %s", ws.settings,
		             ctx->err && ctx->err->message[0] ? ctx->err->message
		                                              : "cannot read the settings");
		return check(cb, arg, DROVER_CHECK_FAILED, "settings", msg);
	}
	memset(st.password, 0, sizeof(st.password));
	(void)wp_fmt(msg, sizeof(msg), "database %s on %s", st.database,
	             st.host[0] ? st.host : "localhost");
	if ((rc = check(cb, arg, DROVER_CHECK_OK, "settings", msg)) != 0)
		return rc;

	if (site->db &&
	    wp_versions(ctx, wp_code_root(site), version, sizeof(version), dbv, sizeof(dbv)) == 0) {
		int32_t s = DROVER_CHECK_OK;
		if (wp_option(ctx, site, st.prefix, "db_version", value, sizeof(value), &found) !=
		        0 ||
		    !found) {
			s = DROVER_CHECK_FAILED;
			(void)wp_fmt(msg, sizeof(msg), "no db_version in %soptions: not installed?",
			             st.prefix);
		} else if (strtoull(value, NULL, 10) < strtoull(dbv, NULL, 10)) {
			s = DROVER_CHECK_WARNING;
			(void)wp_fmt(
			    msg, sizeof(msg),
			    "database updates pending: db_version %s, WordPress %s expects %s "
			    "(a migrate runs wp_upgrade())",
			    value, version, dbv);
		} else if (strtoull(value, NULL, 10) > strtoull(dbv, NULL, 10)) {
			s = DROVER_CHECK_FAILED;
			(void)wp_fmt(
			    msg, sizeof(msg),
			    "the database (db_version %s) is newer than WordPress %s (%s): the "
			    "code was downgraded under the site",
			    value, version, dbv);
		} else {
			(void)wp_fmt(msg, sizeof(msg), "db_version %s, as WordPress %s expects",
			             value, version);
		}
		if ((rc = check(cb, arg, s, "schema", msg)) != 0)
			return rc;
		for (int i = 0; i < 2; i++) {
			const char *opt = i ? "home" : "siteurl";
			if (wp_option(ctx, site, st.prefix, opt, value, sizeof(value), &found) != 0)
				continue;
			s = found && wp_url_host_is(value, site->domain) ? DROVER_CHECK_OK
			                                                 : DROVER_CHECK_WARNING;
			(void)wp_fmt(msg, sizeof(msg), "%s is %s%s", opt, found ? value : "unset",
			             s ? ": its host is not the site's domain" : "");
			if ((rc = check(cb, arg, s, opt, msg)) != 0)
				return rc;
		}
	}
	if (!ws.single) {
		int32_t s = DROVER_CHECK_WARNING;
		if (wp_join(path, sizeof(path), wp_code_root(site), "wp-config.php") == 0 &&
		    wp_read(ctx, path, WP_FILE_MAX, &src, &len) == 0) {
			if (strstr(src, "DEBIAN_FILE") && strstr(src, "/sites/"))
				s = DROVER_CHECK_OK;
			free(src);
		}
		(void)wp_fmt(
		    msg, sizeof(msg),
		    s ? "the platform's wp-config.php does not send requests to "
		        "sites/<host>/wp-config.php with DEBIAN_FILE set: %s is not served "
		        "(see the adapter's README)"
		      : "the platform's wp-config.php serves %s from its directory",
		    site->domain);
		if ((rc = check(cb, arg, s, "dispatcher", msg)) != 0)
			return rc;
		s = strncmp(st.files_path, site->site_dir, strlen(site->site_dir)) == 0 &&
		            st.files_path[strlen(site->site_dir)] == '/'
		        ? DROVER_CHECK_OK
		        : DROVER_CHECK_WARNING;
		(void)wp_fmt(msg, sizeof(msg), "media in %s%s", st.files_path,
		             s ? ": outside the site directory, so not backed up or moved with it "
		                 "(set UPLOADS to <site dir>/uploads)"
		               : "");
		if ((rc = check(cb, arg, s, "uploads", msg)) != 0)
			return rc;
	}
	if (wp_maintenance(ctx, site, DROVER_MAINT_STATUS, &state) == 0)
		rc = check(cb, arg, state ? DROVER_CHECK_WARNING : DROVER_CHECK_OK, "maintenance",
		           state ? "the site is in maintenance mode" : "off");
	return rc;
}

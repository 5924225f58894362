/*
 * site.c: a WordPress site's settings file, its own paths and its maintenance mode.
 *
 * Settings. A site in sites/<domain>/ keeps them in sites/<domain>/wp-config.php, a host config
 * file in the format of Debian's /etc/wordpress/config-<host>.php: DB_NAME, DB_USER,
 * DB_PASSWORD, DB_HOST, the keys and salts, $table_prefix, UPLOADS. The platform's own
 * wp-config.php is Debian's dispatcher with its config path pointed at sites/ (README.md). A
 * platform that runs one site keeps them in its wp-config.php, as upstream WordPress does. The
 * file is PHP: it is read with php.c's scanner, and written back by replacing exactly the values
 * drover owns (the database credentials; UPLOADS when the site directory was renamed), so every
 * other line, the salts first of all, stays as it was.
 *
 * Maintenance. WordPress's own switch is ABSPATH/.maintenance, a PHP file that sets $upgrading
 * and is included on every request (wp_is_maintenance_mode()); it is per platform. For a platform
 * of many sites, the adapter writes a .maintenance that decides per request: a site is in
 * maintenance while its sites/<domain>/.maintenance flag exists (the dispatcher tells which site
 * a request is for through DEBIAN_FILE). For a single-site platform, .maintenance itself is the
 * switch, with $upgrading = time() so that it does not expire after WordPress's ten minutes.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wordpress.h"

static const char router_php[] =
    "<?php\n"
    "/* Written by the " WP_MARK ": per-site maintenance mode for a platform that\n"
    " * serves its sites from sites/<domain>/. WordPress includes this file on every request\n"
    " * (wp_is_maintenance_mode()); a site is in maintenance while sites/<domain>/.maintenance\n"
    " * exists. DEBIAN_FILE, set by the dispatcher in wp-config.php, is the site's settings file.\n"
    " * Harmless while no site has the flag; `drover` keeps it in place. */\n"
    "$upgrading = 0;\n"
    "if (defined('DEBIAN_FILE') && is_file(dirname(DEBIAN_FILE) . '/.maintenance'))\n"
    "\t$upgrading = time();\n";

static const char single_php[] =
    "<?php\n"
    "/* Written by the " WP_MARK ": the site is in maintenance while this file exists.\n"
    " * time(), not a fixed stamp, so that WordPress does not end it after ten minutes. */\n"
    "$upgrading = time();\n";

int wp_site_locate(struct drover_ctx *ctx, const struct drover_site *site, struct wp_site *ws)
{
	const char *sd = site->site_dir ? site->site_dir : "";
	char rel[WP_PATH_MAX];

	memset(ws, 0, sizeof(*ws));
	ws->single = sd[0] == '\0';
	if (sd[0] == '/' || strstr(sd, "..") || (!ws->single && strncmp(sd, "sites/", 6) != 0) ||
	    (!ws->single && strchr(sd + 6, '/')))
		return ctx->host->error(ctx, DROVER_E_INVAL, sd,
		                        "a WordPress site directory is sites/<domain> (or \"\" for "
		                        "a platform that runs one site in its wp-config.php)");
	if (ws->single) {
		if (wp_join(ws->settings, sizeof(ws->settings), site->root, "wp-config.php") ||
		    wp_join(ws->flag, sizeof(ws->flag), site->root, ".maintenance"))
			goto long_path;
		return 0;
	}
	if (wp_fmt(rel, sizeof(rel), "%s/wp-config.php", sd) ||
	    wp_join(ws->settings, sizeof(ws->settings), site->root, rel) ||
	    wp_fmt(rel, sizeof(rel), "%s/.maintenance", sd) ||
	    wp_join(ws->flag, sizeof(ws->flag), site->root, rel) ||
	    wp_join(ws->router, sizeof(ws->router), site->root, ".maintenance"))
		goto long_path;
	return 0;
long_path:
	return ctx->host->error(ctx, DROVER_E_RANGE, site->root, "path too long");
}

/* Reads the settings file of a located site. */
static int read_settings(struct drover_ctx *ctx, const struct wp_site *ws, char **src, size_t *len)
{
	int rc = wp_read(ctx, ws->settings, WP_FILE_MAX, src, len);

	if (rc == DROVER_E_NOTFOUND)
		return ctx->host->error(ctx, DROVER_E_NOTFOUND, ws->settings,
		                        ws->single
		                            ? "no wp-config.php: not an installed WordPress site"
		                            : "no settings file: a site in sites/<domain> keeps "
		                              "its settings (DB_NAME, DB_USER, ...) there");
	return rc;
}

/* A define that must be a literal: 1 with its text, 0 if absent, an error if not a literal. */
static int literal(struct drover_ctx *ctx, const struct wp_site *ws, const char *src, size_t len,
                   const char *name, char *out, size_t size)
{
	struct wp_val v;

	if (!wp_php_define(src, len, name, &v))
		return 0;
	if (!v.literal || wp_copy(out, size, v.text) != 0)
		return ctx->host->error(ctx, DROVER_E_PARSE, ws->settings,
		                        "%s is set to %.80s, which is not a plain string: drover "
		                        "reads settings without running PHP; write it as a quoted "
		                        "value",
		                        name, v.text);
	return 1;
}

int wp_settings_read(struct drover_ctx *ctx, const struct drover_site *site,
                     struct drover_settings *out)
{
	char host[256], *src, *colon;
	struct wp_site ws;
	struct wp_val v;
	size_t len;
	int rc;

	if ((rc = wp_site_locate(ctx, site, &ws)) != 0 ||
	    (rc = read_settings(ctx, &ws, &src, &len)))
		return rc;
	(void)wp_copy(out->driver, sizeof(out->driver), "mysql");
	rc = literal(ctx, &ws, src, len, "DB_NAME", out->database, sizeof(out->database));
	if (rc == 0)
		rc = ctx->host->error(
		    ctx, DROVER_E_PARSE, ws.settings,
		    ws.single && strstr(src, "DEBIAN_FILE")
		        ? "this wp-config.php is Debian's host dispatcher, not a site's settings: "
		          "import each site with --site-dir sites/<domain>"
		        : "no define('DB_NAME', '...'): the site's database is not named");
	if (rc < 0)
		goto out;
	/* Debian's dispatcher supplies DB_USER 'wordpress' and DB_HOST 'localhost' when a host file
	 * leaves them out; upstream wp-config.php always has them. */
	(void)wp_copy(out->username, sizeof(out->username), "wordpress");
	(void)wp_copy(host, sizeof(host), "localhost");
	out->password[0] = '\0';
	if ((rc = literal(ctx, &ws, src, len, "DB_USER", out->username, sizeof(out->username))) <
	        0 ||
	    (rc = literal(ctx, &ws, src, len, "DB_PASSWORD", out->password,
	                  sizeof(out->password))) < 0 ||
	    (rc = literal(ctx, &ws, src, len, "DB_HOST", host, sizeof(host))) < 0)
		goto out;
	/* DB_HOST is host, host:port or host:/path/to/socket (wpdb::parse_db_host()). */
	out->port = 0;
	colon = host[0] == '[' ? NULL : strrchr(host, ':');
	if (colon && colon[1] != '/' && strspn(colon + 1, "0123456789") == strlen(colon + 1) &&
	    colon[1]) {
		out->port = (uint32_t)strtoul(colon + 1, NULL, 10);
		*colon = '\0';
	} else if (colon && colon[1] == '/') {
		*colon = '\0'; /* a socket: the db server's configuration names it */
	}
	(void)wp_copy(out->host, sizeof(out->host), host);
	(void)wp_copy(out->prefix, sizeof(out->prefix), "wp_");
	if (wp_php_assign(src, len, "table_prefix", &v)) {
		if (!v.literal || !v.text[0] ||
		    strspn(v.text,
		           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
		        strlen(v.text) ||
		    wp_copy(out->prefix, sizeof(out->prefix), v.text) != 0) {
			rc = ctx->host->error(
			    ctx, DROVER_E_PARSE, ws.settings,
			    "$table_prefix is %.80s: it must be a quoted name of "
			    "letters, digits and '_' (WordPress refuses others too)",
			    v.text);
			goto out;
		}
	}
	(void)wp_copy(out->files_path, sizeof(out->files_path), "wp-content/uploads");
	if ((rc = literal(ctx, &ws, src, len, "UPLOADS", out->files_path,
	                  sizeof(out->files_path))) < 0)
		goto out;
	out->base_url[0] = '\0';
	if ((rc = literal(ctx, &ws, src, len, "WP_HOME", out->base_url, sizeof(out->base_url))) < 0)
		goto out;
	rc = 0;
out:
	memset(src, 0, len);
	free(src);
	return rc;
}

/* One change to a settings file: define(name) gets value; `add` inserts it when missing. */
struct edit {
	const char *name;
	const char *value;
	int add;
	struct wp_val at;
	int found;
};

static int by_start(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;
	return x->at.start < y->at.start ? -1 : x->at.start > y->at.start;
}

/* Applies the edits to src, the settings file of ws as read, writes the result back atomically
 * and frees (after wiping) src. */
static int rewrite(struct drover_ctx *ctx, const struct wp_site *ws, char *src, size_t len,
                   struct edit *e, size_t n)
{
	struct wp_str out = {0};
	char *open;
	size_t pos = 0, head;
	int rc, changed = 0;

	for (size_t i = 0; i < n; i++)
		e[i].found = wp_php_define(src, len, e[i].name, &e[i].at);
	qsort(e, n, sizeof(*e), by_start);
	/* New defines go right after the opening tag's line. */
	open = strstr(src, "<?php");
	if (!open) {
		memset(src, 0, len);
		free(src);
		return ctx->host->error(ctx, DROVER_E_PARSE, ws->settings,
		                        "no <?php tag: this is not a PHP settings file");
	}
	head = (size_t)(open - src) + 5;
	while (head < len && src[head] != '\n')
		head++;
	if (head < len)
		head++;
	wp_str_add(&out, src, head);
	pos = head;
	for (size_t i = 0; i < n; i++)
		if (!e[i].found && e[i].add) {
			wp_str_cat(&out, "define('");
			wp_str_cat(&out, e[i].name);
			wp_str_cat(&out, "', ");
			wp_php_quote(&out, e[i].value);
			wp_str_cat(&out, "); /* added by the " WP_MARK " */\n");
			changed = 1;
		}
	for (size_t i = 0; i < n; i++) {
		if (!e[i].found)
			continue;
		if (e[i].at.start < pos) { /* before the insertion point: cannot happen in PHP */
			wp_str_free(&out);
			memset(src, 0, len);
			free(src);
			return ctx->host->error(
			    ctx, DROVER_E_PARSE, ws->settings,
			    "%s is defined on the <?php line itself: put it on a "
			    "line of its own",
			    e[i].name);
		}
		wp_str_add(&out, src + pos, e[i].at.start - pos);
		wp_php_quote(&out, e[i].value);
		pos = e[i].at.end;
		changed |= !e[i].at.literal || strcmp(e[i].at.text, e[i].value) != 0;
	}
	wp_str_add(&out, src + pos, len - pos);
	memset(src, 0, len);
	free(src);
	if (out.failed) {
		wp_str_free(&out);
		return ctx->host->error(ctx, DROVER_E_NOMEM, ws->settings, "out of memory");
	}
	rc = changed ? wp_write(ctx, ws->settings, out.p, out.n, 0640) : 0;
	memset(out.p, 0, out.n);
	wp_str_free(&out);
	return rc;
}

int wp_settings_write(struct drover_ctx *ctx, const struct drover_site *site,
                      const struct drover_settings *in)
{
	char host[300], uploads[WP_PATH_MAX], *src;
	struct edit e[5];
	struct wp_site ws;
	struct wp_val v;
	size_t n = 0, len;
	int rc;

	if ((rc = wp_site_locate(ctx, site, &ws)) != 0)
		return rc;
	if (strcmp(in->driver, "mysql") != 0)
		return ctx->host->error(
		    ctx, DROVER_E_NOTSUP, ws.settings,
		    "WordPress runs on MySQL or MariaDB only, not on %s: give the "
		    "site a mysql db server",
		    in->driver);
	if (wp_fmt(host, sizeof(host), in->port ? "%s:%u" : "%s",
	           in->host[0] ? in->host : "localhost", in->port) != 0)
		return ctx->host->error(ctx, DROVER_E_RANGE, ws.settings, "database host too long");
	e[n++] = (struct edit){"DB_NAME", in->database, 1, {0}, 0};
	e[n++] = (struct edit){"DB_USER", in->username, 1, {0}, 0};
	e[n++] = (struct edit){"DB_PASSWORD", in->password, 1, {0}, 0};
	e[n++] = (struct edit){"DB_HOST", host, 1, {0}, 0};
	if ((rc = read_settings(ctx, &ws, &src, &len)) != 0)
		return rc;
	/* A site whose directory was renamed (sites/old -> sites/new) keeps its media in the new
	 * one: UPLOADS = 'sites/old/...' follows. */
	if (!ws.single && wp_php_define(src, len, "UPLOADS", &v) && v.literal &&
	    strncmp(v.text, "sites/", 6) == 0) {
		const char *base = site->site_dir + 6, *seg = v.text + 6, *slash = strchr(seg, '/');
		size_t k = slash ? (size_t)(slash - seg) : strlen(seg);
		if ((k != strlen(base) || strncmp(seg, base, k) != 0) &&
		    wp_fmt(uploads, sizeof(uploads), "%s%s", site->site_dir, seg + k) == 0)
			e[n++] = (struct edit){"UPLOADS", uploads, 0, {0}, 0};
	}
	return rewrite(ctx, &ws, src, len, e, n);
}

int wp_settings_urls(struct drover_ctx *ctx, const struct drover_site *site, const char *old_domain,
                     const char *new_domain)
{
	static const char *names[] = {"WP_HOME", "WP_SITEURL"};
	char urls[2][WP_VALUE_MAX + 256], *src;
	struct edit e[2];
	struct wp_site ws;
	struct wp_val v;
	size_t n = 0, len;
	int rc;

	if ((rc = wp_site_locate(ctx, site, &ws)) != 0 ||
	    (rc = read_settings(ctx, &ws, &src, &len)) != 0)
		return rc;
	for (size_t i = 0; i < 2; i++)
		if (wp_php_define(src, len, names[i], &v) && v.literal &&
		    wp_swap_host(v.text, old_domain, new_domain, urls[n], sizeof(urls[n])) == 0) {
			e[n] = (struct edit){names[i], urls[n], 0, {0}, 0};
			n++;
		}
	if (n)
		return rewrite(ctx, &ws, src, len, e, n);
	free(src);
	return 0;
}

int wp_site_paths(struct drover_ctx *ctx, const struct drover_site *site, drover_path_cb cb,
                  void *arg)
{
	struct drover_settings st;
	char rel[WP_PATH_MAX];
	struct wp_site ws;
	int rc;

	if (!cb)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "site_paths called without a callback");
	if ((rc = wp_site_locate(ctx, site, &ws)) != 0)
		return rc;
	if (!ws.single) {
		/* Everything of the site is in its directory: settings, media, anything else the
		 * operator put there. The maintenance flag is state the pipelines set and clear: a
		 * backup taken during maintenance must not bring the site back in maintenance. */
		if ((rc = cb(arg, site->site_dir, DROVER_PATH_OWN)) != 0)
			return rc;
		(void)wp_fmt(rel, sizeof(rel), "%s/.maintenance", site->site_dir);
		return cb(arg, rel, DROVER_PATH_EXCLUDE);
	}
	memset(&st, 0, sizeof(st));
	st.struct_size = sizeof(st);
	if ((rc = wp_settings_read(ctx, site, &st)) != 0)
		return rc;
	memset(st.password, 0, sizeof(st.password));
	if ((rc = cb(arg, "wp-config.php", DROVER_PATH_OWN)) != 0)
		return rc;
	if (st.files_path[0] == '/' || strstr(st.files_path, "..")) {
		ctx->host->log(ctx, DROVER_LOG_WARNING,
		               "%s: UPLOADS '%s' is outside the platform: not backed up or moved",
		               ws.settings, st.files_path);
		return 0;
	}
	return cb(arg, st.files_path, DROVER_PATH_OWN);
}

/* 1 if path holds a file this adapter wrote, 0 if another, -1 if none. */
static int ours(struct drover_ctx *ctx, const char *path)
{
	char *src;
	size_t len;
	int r;

	if (wp_read(ctx, path, WP_FILE_MAX, &src, &len) != 0)
		return -1;
	r = strstr(src, WP_MARK) != NULL;
	free(src);
	return r;
}

int wp_maintenance(struct drover_ctx *ctx, const struct drover_site *site, int32_t action,
                   int32_t *state)
{
	struct wp_site ws;
	int rc, mine;

	if ((rc = wp_site_locate(ctx, site, &ws)) != 0)
		return rc;
	if (action != DROVER_MAINT_STATUS && action != DROVER_MAINT_ON &&
	    action != DROVER_MAINT_OFF)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL, "unknown maintenance action %d",
		                        (int)action);
	if (ws.single) {
		mine = ours(ctx, ws.flag);
		if (action == DROVER_MAINT_ON && mine < 0 &&
		    (rc = wp_write(ctx, ws.flag, single_php, sizeof(single_php) - 1, 0644)) != 0)
			return rc;
		if (action == DROVER_MAINT_OFF && mine == 0)
			return ctx->host->error(
			    ctx, DROVER_E_REFUSED, ws.flag,
			    "a .maintenance that drover did not write (WordPress's updater writes "
			    "one "
			    "while it updates): let that finish, or remove the file by hand");
		if (action == DROVER_MAINT_OFF && (rc = wp_unlink(ctx, ws.flag)) != 0)
			return rc;
		*state = wp_is_file(ws.flag);
		return 0;
	}
	if (action == DROVER_MAINT_ON) {
		mine = ours(ctx, ws.router);
		if (mine == 0)
			return ctx->host->error(
			    ctx, DROVER_E_REFUSED, ws.router,
			    "a .maintenance that drover did not write puts the whole platform in "
			    "maintenance (WordPress's updater writes one while it updates): let "
			    "that "
			    "finish, or remove the file by hand");
		if (mine < 0 &&
		    (rc = wp_write(ctx, ws.router, router_php, sizeof(router_php) - 1, 0644)) != 0)
			return rc;
		if (!wp_is_file(ws.flag)) {
			char line[96];
			(void)wp_fmt(line, sizeof(line),
			             "maintenance since %lld, by the " WP_MARK "\n",
			             (long long)time(NULL));
			if ((rc = wp_write(ctx, ws.flag, line, strlen(line), 0644)) != 0)
				return rc;
		}
	} else if (action == DROVER_MAINT_OFF) {
		if ((rc = wp_unlink(ctx, ws.flag)) != 0)
			return rc;
	}
	*state = wp_is_file(ws.flag);
	return 0;
}

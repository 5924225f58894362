/*
 * wordpress.c: the WordPress adapter's descriptor, probe and package list.
 *
 * A platform is a WordPress tree: wp-includes/version.php sets $wp_version (the release) and
 * $wp_db_version (the database schema the code expects; wp_upgrade() brings a site's
 * `db_version` option up to it). Its packages are the core, the plugins (wp-content/plugins:
 * a directory whose top-level PHP file carries a `Plugin Name:` header, or such a single file),
 * the must-use plugins (wp-content/mu-plugins) and the themes (wp-content/themes/<dir>/style.css
 * with a `Theme Name:` header), each with its `Version:` header, read the way WordPress's
 * get_file_data() reads them. Plugins are reported with drover's word for them, type "module".
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wordpress.h"

#define WP_VERSION_FILE "wp-includes/version.php"

const char *wp_code_root(const struct drover_site *site)
{
	if (site->struct_size >=
	        offsetof(struct drover_site, code_root) + sizeof(site->code_root) &&
	    site->code_root)
		return site->code_root;
	return site->root;
}

int wp_versions(struct drover_ctx *ctx, const char *root, char *version, size_t vsize,
                char *db_version, size_t dsize)
{
	char path[WP_PATH_MAX], *src;
	struct wp_val v;
	size_t len;
	int rc;

	if (wp_join(path, sizeof(path), root, WP_VERSION_FILE) != 0)
		return DROVER_E_NOTMINE;
	if ((rc = wp_read(ctx, path, WP_FILE_MAX, &src, &len)) != 0)
		return rc;
	rc = 0;
	if (!wp_php_assign(src, len, "wp_version", &v) || !v.literal || !v.text[0] ||
	    wp_copy(version, vsize, v.text) != 0)
		rc = ctx->host->error(ctx, DROVER_E_PARSE, path,
		                      "no $wp_version = '<release>'; line: this is not a WordPress "
		                      "release's version.php, or it was edited");
	else if (!wp_php_assign(src, len, "wp_db_version", &v) || !v.literal ||
	         strspn(v.text, "0123456789") != strlen(v.text) || !v.text[0] ||
	         wp_copy(db_version, dsize, v.text) != 0)
		rc = ctx->host->error(ctx, DROVER_E_PARSE, path,
		                      "no $wp_db_version = <number>; line: this is not a WordPress "
		                      "release's version.php, or it was edited");
	free(src);
	return rc;
}

#define FITS(out, field) \
	((size_t)(out)->struct_size >= offsetof(struct drover_probe, field) + sizeof((out)->field))

static int wp_probe(struct drover_ctx *ctx, const char *root, struct drover_probe *out)
{
	char path[WP_PATH_MAX], version[64], dbv[32];
	int rc;

	if (wp_join(path, sizeof(path), root, WP_VERSION_FILE) != 0 || !wp_is_file(path))
		return DROVER_E_NOTMINE;
	/* wp-load.php and wp-settings.php too: a lone version.php is not a tree to run sites on. */
	if (wp_join(path, sizeof(path), root, "wp-settings.php") != 0 || !wp_is_file(path) ||
	    wp_join(path, sizeof(path), root, "wp-load.php") != 0 || !wp_is_file(path))
		return DROVER_E_NOTMINE;
	if ((rc = wp_versions(ctx, root, version, sizeof(version), dbv, sizeof(dbv))) != 0)
		return rc == DROVER_E_NOTFOUND ? DROVER_E_NOTMINE : rc;
	if (FITS(out, generation))
		out->generation = (uint32_t)strtoul(version, NULL, 10);
	if (FITS(out, cms))
		(void)wp_copy(out->cms, sizeof(out->cms), "wordpress");
	if (FITS(out, distribution))
		(void)wp_copy(out->distribution, sizeof(out->distribution), "wordpress");
	if (FITS(out, core_version))
		(void)wp_copy(out->core_version, sizeof(out->core_version), version);
	/* Every WordPress release upgrades a site of any earlier one in place (wp_upgrade()):
	 * one line for all of them. */
	if (FITS(out, line))
		out->line = 1;
	ctx->host->log(ctx, DROVER_LOG_DEBUG, "WordPress %s (db %s) at %s", version, dbv, root);
	return 0;
}

/* --- packages ------------------------------------------------------------------------------- */

struct walk {
	struct drover_ctx *ctx;
	const char *root;
	drover_package_cb cb;
	void *arg;
};

static int emit(struct walk *w, const char *name, const char *type, const char *version,
                const char *schema, const char *path, uint32_t flags)
{
	struct drover_package p;

	memset(&p, 0, sizeof(p));
	p.struct_size = sizeof(p);
	p.flags = flags;
	p.name = name;
	p.type = type;
	p.version = version;
	p.schema = schema;
	p.path = path;
	return w->cb(w->arg, &p);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of a directory, sorted (so the list is the same on every run), without dot
 * files. *names is malloc'd; NULL with n = 0 if the directory does not exist. */
static int list_dir(struct drover_ctx *ctx, const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT || errno == ENOTDIR
		           ? 0
		           : ctx->host->error(ctx, DROVER_E_IO, dir, "cannot list: %s",
		                              strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			char **v = realloc(*names, (cap ? cap * 2 : 32) * sizeof(*v));
			if (!v)
				break;
			*names = v;
			cap = cap ? cap * 2 : 32;
		}
		if (((*names)[*n] = strdup(de->d_name)) == NULL)
			break;
		(*n)++;
	}
	closedir(d);
	if (de != NULL) {
		for (size_t i = 0; i < *n; i++)
			free((*names)[i]);
		free(*names);
		*names = NULL;
		*n = 0;
		return ctx->host->error(ctx, DROVER_E_NOMEM, dir, "out of memory listing it");
	}
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_names);
	return 0;
}

static void free_list(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The `key` header of a file and its Version header, from its first 8 kB as WordPress reads
 * them: 1 if the file has the `key` header. A file that cannot be read is logged and skipped
 * (one bad plugin never fails the platform, and no error is recorded for it). */
static int headers(struct drover_ctx *ctx, const char *path, const char *key, char *version,
                   size_t vsize)
{
	char head[WP_HEAD_MAX + 1], name[256];
	long len;
	int has;

	version[0] = '\0';
	if ((len = wp_read_head(path, head, sizeof(head))) < 0) {
		ctx->host->log(ctx, DROVER_LOG_WARNING, "%s: cannot read it; skipped", path);
		return 0;
	}
	has = wp_header(head, (size_t)len, key, name, sizeof(name)) && name[0];
	if (has)
		(void)wp_header(head, (size_t)len, "Version", version, vsize);
	return has;
}

/* wp-content/plugins (single files with a Plugin Name header, and directories with such a main
 * file) or wp-content/mu-plugins (mu: every top-level PHP file, loaded whatever its header). */
static int plugins(struct walk *w, const char *rel, int mu)
{
	char dir[WP_PATH_MAX], path[WP_PATH_MAX], prel[WP_PATH_MAX], version[128], name[256];
	char **names, **files;
	size_t n, nf;
	int rc;

	if (wp_join(dir, sizeof(dir), w->root, rel) != 0)
		return 0;
	if ((rc = list_dir(w->ctx, dir, &names, &n)) != 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (wp_fmt(path, sizeof(path), "%s/%s", dir, names[i]) != 0)
			continue;
		if (wp_is_file(path) && ends_with(names[i], ".php")) {
			if (!headers(w->ctx, path, "Plugin Name", version, sizeof(version)) && !mu)
				continue; /* index.php and friends */
			(void)wp_fmt(name, sizeof(name), "%.*s", (int)(strlen(names[i]) - 4),
			             names[i]);
			(void)wp_fmt(prel, sizeof(prel), "%s/%s", rel, names[i]);
			rc = emit(w, name, "module", version, "", prel, 0);
		} else if (wp_is_dir(path) && !mu) {
			/* The first top-level PHP file with a Plugin Name header is the main one. */
			int found = 0;
			if ((rc = list_dir(w->ctx, path, &files, &nf)) != 0)
				break;
			for (size_t j = 0; !found && j < nf; j++) {
				char file[WP_PATH_MAX];
				if (!ends_with(files[j], ".php") ||
				    wp_fmt(file, sizeof(file), "%s/%s", path, files[j]) != 0 ||
				    !wp_is_file(file))
					continue;
				found =
				    headers(w->ctx, file, "Plugin Name", version, sizeof(version));
			}
			free_list(files, nf);
			if (!found) {
				w->ctx->host->log(
				    w->ctx, DROVER_LOG_WARNING,
				    "%s: no PHP file with a Plugin Name header; skipped", path);
				continue;
			}
			(void)wp_fmt(prel, sizeof(prel), "%s/%s", rel, names[i]);
			rc = emit(w, names[i], "module", version, "", prel, 0);
		}
	}
	free_list(names, n);
	return rc;
}

static int themes(struct walk *w)
{
	char dir[WP_PATH_MAX], path[WP_PATH_MAX], prel[WP_PATH_MAX], version[128];
	char **names;
	size_t n;
	int rc;

	if (wp_join(dir, sizeof(dir), w->root, "wp-content/themes") != 0)
		return 0;
	if ((rc = list_dir(w->ctx, dir, &names, &n)) != 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (wp_fmt(path, sizeof(path), "%s/%s/style.css", dir, names[i]) != 0 ||
		    !wp_is_file(path))
			continue;
		if (!headers(w->ctx, path, "Theme Name", version, sizeof(version))) {
			w->ctx->host->log(w->ctx, DROVER_LOG_WARNING,
			                  "%s: no Theme Name header; skipped", path);
			continue;
		}
		(void)wp_fmt(prel, sizeof(prel), "wp-content/themes/%s", names[i]);
		rc = emit(w, names[i], "theme", version, "", prel, 0);
	}
	free_list(names, n);
	return rc;
}

static int wp_packages(struct drover_ctx *ctx, const char *root, drover_package_cb cb, void *arg)
{
	struct walk w = {ctx, root, cb, arg};
	char version[64], dbv[32];
	int rc;

	if (!cb)
		return ctx->host->error(ctx, DROVER_E_INVAL, root,
		                        "packages called without a callback");
	rc = wp_versions(ctx, root, version, sizeof(version), dbv, sizeof(dbv));
	if (rc == DROVER_E_NOTFOUND)
		return ctx->host->error(ctx, DROVER_E_NOTFOUND, root,
		                        "no " WP_VERSION_FILE ": not a WordPress platform");
	if (rc == 0)
		rc = emit(&w, "wordpress", "core", version, dbv, "wp-includes", DROVER_PKG_CORE);
	if (rc == 0)
		rc = plugins(&w, "wp-content/plugins", 0);
	if (rc == 0)
		rc = plugins(&w, "wp-content/mu-plugins", 1);
	if (rc == 0)
		rc = themes(&w);
	return rc;
}

static const struct drover_option options[] = {
    {WP_OPT_UPDATE_COMMAND, DROVER_OPT_STRING, 0, 0, 0, "",
     "command that applies a site's pending database updates instead of the built-in "
     "wp_upgrade() runner; split on spaces, {root} and {site} replaced, run in the platform "
     "root (e.g. \"wp core update-db --path={root} --url={site}\")"},
    {WP_OPT_PHP, DROVER_OPT_STRING, 0, 0, 0, "php",
     "the PHP command-line binary the built-in runner uses (looked up in PATH)"},
    {WP_OPT_TIMEOUT, DROVER_OPT_INT, 0, 1, 86400, "1800",
     "seconds an update or cache flush may run before it is killed"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const struct drover_ops ops = {
    DROVER_OPS_INIT,
    .probe = wp_probe,
    .packages = wp_packages,
    .settings_read = wp_settings_read,
    .settings_write = wp_settings_write,
    .site_schema = wp_site_schema,
    .site_paths = wp_site_paths,
    .maintenance = wp_maintenance,
    .update_run = wp_update_run,
    .cache_clear = wp_cache_clear,
    .fixup = wp_fixup,
    .health = wp_health,
};

/* No cache_tables: WordPress keeps its caches as rows of the options table (transients), which
 * cache_clear deletes, not as tables a backup could leave empty. */
DROVER_ADAPTER_DEFINE(wordpress, .version = PACKAGE_VERSION, .vendor = "drover project",
                      .license = "GPL-2.0-or-later",
                      .description = "WordPress platforms (Debian's package or upstream) and "
                                     "their sites",
                      .caps = DROVER_CAP_PACKAGES | DROVER_CAP_SETTINGS_READ |
                              DROVER_CAP_SETTINGS_WRITE | DROVER_CAP_SITE_SCHEMA |
                              DROVER_CAP_SITE_PATHS | DROVER_CAP_MAINTENANCE | DROVER_CAP_UPDATE |
                              DROVER_CAP_CACHE_CLEAR | DROVER_CAP_FIXUP | DROVER_CAP_HEALTH |
                              DROVER_CAP_MULTISITE,
                      .ops = &ops, .options = options);

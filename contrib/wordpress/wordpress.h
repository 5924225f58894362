/*
 * wordpress.h: the WordPress adapter's internal interface. The adapter is a vendor project of its
 * own: it builds with nothing but drover's installed SDK (<drover/drover.h>), never with drover's
 * sources.
 *
 * Layout it manages (README.md explains why):
 *   <root>/wp-includes/version.php   the platform: $wp_version, $wp_db_version
 *   <root>/wp-content/{plugins,mu-plugins,themes}   the platform's packages
 *   <root>/wp-config.php             Debian's host dispatcher, pointed at sites/
 *   <root>/sites/<domain>/wp-config.php   one site's settings (Debian's config-<host>.php format)
 *   <root>/sites/<domain>/uploads/   its media (UPLOADS = 'sites/<domain>/uploads')
 *   <root>/sites/<domain>/.maintenance   its maintenance flag, read by <root>/.maintenance
 * or, for a platform that runs one site (site directory ""), the stock single-site layout:
 *   <root>/wp-config.php defining DB_NAME, media in wp-content/uploads, <root>/.maintenance.
 */
#ifndef WORDPRESS_H
#define WORDPRESS_H

#include <stddef.h>
#include <stdint.h>

#include <drover/drover.h>

#define WP_PATH_MAX  4096
#define WP_FILE_MAX  (4u << 20) /* settings and version files are small: refuse bigger ones */
#define WP_HEAD_MAX  8192       /* WordPress reads plugin and theme headers from the first 8 kB */
#define WP_VALUE_MAX 1024

#define WP_OPT_UPDATE_COMMAND "update_command"
#define WP_OPT_PHP            "php"
#define WP_OPT_TIMEOUT        "timeout"

/* Every string the adapter writes into a PHP file or a log names itself with this. */
#define WP_MARK "drover wordpress adapter"

/* --- util.c ------------------------------------------------------------------------------------ */
int wp_fmt(char *buf, size_t size, const char *fmt, ...) DROVER_PRINTF(3, 4);
int wp_copy(char *buf, size_t size, const char *s);
/* root + "/" + rel, checked for length. */
int wp_join(char *buf, size_t size, const char *root, const char *rel);
int wp_is_file(const char *path);
int wp_is_dir(const char *path);
/* Reads a whole regular file (at most max bytes) into malloc'd, NUL-terminated *out. Returns 0,
 * DROVER_E_NOTFOUND without recording an error when it does not exist, or a recorded error. */
int wp_read(struct drover_ctx *ctx, const char *path, size_t max, char **out, size_t *len);
/* Writes data to path through a temporary file in the same directory: fsync, rename, fsync of
 * the directory. mode is used when the file is new; an existing file keeps its mode. */
int wp_write(struct drover_ctx *ctx, const char *path, const char *data, size_t len, unsigned mode);
/* The first `size - 1` bytes of a regular file, NUL-terminated, into buf: the length, or -1 if it
 * cannot be read (nothing recorded: callers log and skip). */
long wp_read_head(const char *path, char *buf, size_t size);
/* Removes path if present (0 when absent), and fsyncs its directory. */
int wp_unlink(struct drover_ctx *ctx, const char *path);
/* Whether the URL's host is domain (case-insensitive). */
int wp_url_host_is(const char *url, const char *domain);
/* url with its host old_domain replaced by new_domain into out: 0, or -1 if the host differs. */
int wp_swap_host(const char *url, const char *old_domain, const char *new_domain, char *out,
                 size_t size);

/* A growing string. */
struct wp_str {
	char *p;
	size_t n, cap;
	int failed;
};
void wp_str_add(struct wp_str *s, const char *p, size_t n);
void wp_str_cat(struct wp_str *s, const char *p);
void wp_str_free(struct wp_str *s);

/* --- php.c: the little of PHP the adapter reads -------------------------------------------------- */
struct wp_val {
	size_t start, end; /* the value expression's bytes in the source */
	int literal;       /* 1: a plain string, number or boolean, decoded into text */
	char text[WP_VALUE_MAX];
};
/* define('NAME', value) in a PHP file: 1 found (the first, which is the one PHP keeps), 0 not. */
int wp_php_define(const char *src, size_t len, const char *name, struct wp_val *out);
/* `$name = value;`: 1 found (the last assignment, the one in effect), 0 not. */
int wp_php_assign(const char *src, size_t len, const char *name, struct wp_val *out);
/* A PHP single-quoted literal of s, appended to out. */
void wp_php_quote(struct wp_str *out, const char *s);
/* Plugin and theme headers: `Name: value` in a file's first 8 kB, WordPress's get_file_data(). */
int wp_header(const char *src, size_t len, const char *name, char *out, size_t size);
/* The strings of a serialized PHP value (active_plugins): cb for each s:N:"..." in order. */
int wp_unserialize_strings(const char *src, int (*cb)(void *arg, const char *s, size_t n),
                           void *arg);

/* --- site.c ------------------------------------------------------------------------------------ */
/* Where a site's things are, relative to its root. */
struct wp_site {
	const char *root;           /* site->root */
	char settings[WP_PATH_MAX]; /* absolute settings file */
	char flag[WP_PATH_MAX];     /* absolute maintenance flag */
	char router[WP_PATH_MAX];   /* absolute <root>/.maintenance ("" for single-site) */
	int single;                 /* 1: the single-site layout (site_dir "") */
};
int wp_site_locate(struct drover_ctx *ctx, const struct drover_site *site, struct wp_site *ws);
int wp_settings_read(struct drover_ctx *ctx, const struct drover_site *site,
                     struct drover_settings *out);
int wp_settings_write(struct drover_ctx *ctx, const struct drover_site *site,
                      const struct drover_settings *in);
int wp_site_paths(struct drover_ctx *ctx, const struct drover_site *site, drover_path_cb cb,
                  void *arg);
int wp_maintenance(struct drover_ctx *ctx, const struct drover_site *site, int32_t action,
                   int32_t *state);
/* Rewrites the host of WP_HOME and WP_SITEURL in the site's settings file, if they are set. */
int wp_settings_urls(struct drover_ctx *ctx, const struct drover_site *site, const char *old_domain,
                     const char *new_domain);

/* --- db.c -------------------------------------------------------------------------------------- */
int wp_site_schema(struct drover_ctx *ctx, const struct drover_site *site, drover_schema_cb cb,
                   void *arg);
int wp_cache_clear(struct drover_ctx *ctx, const struct drover_site *site);
int wp_fixup(struct drover_ctx *ctx, const struct drover_site *site,
             const struct drover_move *move);
int wp_health(struct drover_ctx *ctx, const struct drover_site *site, drover_check_cb cb,
              void *arg);
/* The site's table prefix (from its settings), checked to be a plain identifier. */
int wp_prefix(struct drover_ctx *ctx, const struct drover_site *site, char *out, size_t size);
/* One option's value ("" if unset): 0, or an error. */
int wp_option(struct drover_ctx *ctx, const struct drover_site *site, const char *prefix,
              const char *name, char *out, size_t size, int *found);

/* --- run.c ------------------------------------------------------------------------------------- */
int wp_update_run(struct drover_ctx *ctx, const struct drover_site *site);
/* Runs the PHP runner in `mode` ("update" or "cache") for the site. */
int wp_php_run(struct drover_ctx *ctx, const struct drover_site *site, const char *mode);

/* --- wordpress.c ------------------------------------------------------------------------------- */
/* The platform's code version ($wp_version) and database version ($wp_db_version). */
int wp_versions(struct drover_ctx *ctx, const char *root, char *version, size_t vsize,
                char *db_version, size_t dsize);
/* The platform's code: site->code_root when set (a restore's staging), else site->root. */
const char *wp_code_root(const struct drover_site *site);

#endif

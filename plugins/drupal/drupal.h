/*
 * plugins/drupal/drupal.h: what the files of the Drupal adapter share.
 *
 * The adapter is one shared object built from several files with -fvisibility=hidden, so the
 * functions declared here are visible inside drupal.so only; its one exported symbol is still
 * the descriptor made in drupal.c.
 *
 *   drupal.c    probe, the ops table and the descriptor
 *   util.c      problems (errors kept for later), string vectors
 *   info.c      Drupal 7 .info and Drupal 8+ .info.yml readers
 *   phpcode.c   update functions in .install and .post_update.php files
 *   scan.c      the packages op: search order, overrides
 *   versions.c  release versions from Composer's installed.json
 *   phpeval.c   settings.php evaluated without running PHP (phpeval.h: its values)
 *   settings.c  what settings_read and site_schema take from it: credentials, prefix, paths
 *   schema.c    the site_schema op
 *   sitedb.c    what the ops on a site share: the site opened (generation, settings), table
 *               names with the prefix, the tables of its database
 *   serial.c    PHP's serialize() format: truthiness, writing, rewriting strings inside
 *   sha256.c    SHA-256, for the hash salt Drupal 7 derives from $databases
 *   files.c     reading and atomically replacing a file, removing a directory tree
 *   paths.c     the site_paths op, and where a site keeps its files
 *   caches.c    the cache_tables and cache_clear ops
 *   maint.c     the maintenance op
 *   setwrite.c  the settings_write op: a marked block appended to settings.php
 *   update.c    the update_run op (drush, our Drupal 7 runner d7-update.php, or a command)
 *   fixup.c     the fixup op: paths and URLs after a rename or move
 *   health.c    the health op
 */
#ifndef DROVER_PLUGINS_DRUPAL_H
#define DROVER_PLUGINS_DRUPAL_H

#include <stddef.h>
#include <stdint.h>

#include <drover/drover.h>

#include "textfile.h"

/* ---- drupal.c ---------------------------------------------------------------------------- */

/* Which Drupal the open root holds: fills out (generation, core version) like the probe op.
 * DROVER_E_NOTMINE (not recorded) if the tree is not Drupal, another recorded error if it is
 * Drupal but damaged. */
int drupal_identify(struct drover_ctx *ctx, const struct tf_root *r, struct drover_probe *out);

/* ---- util.c ------------------------------------------------------------------------------ */

/* A problem found in a file, kept until the op decides whether it fails the call
 * (host->error) or is only worth a warning (host->log). */
struct d_problem {
	int code;        /* DROVER_E_*; 0 = none */
	unsigned line;   /* 0 = the whole file */
	char file[1024]; /* relative to the platform root (or absolute when outside it) */
	char msg[768];   /* one line: what is wrong and what to do */
};

void d_problem_set(struct d_problem *pb, int code, const char *file, unsigned line, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));

/* Record pb with host->error, naming "<root>/<file>:<line>" as where. Returns pb->code. */
int d_problem_fail(struct drover_ctx *ctx, const char *root, const struct d_problem *pb);

/* A growing vector of malloc'd strings. */
struct d_strv {
	char **v;
	size_t n, cap;
};

char *d_strndup(const char *s, size_t n);
/* Push a copy of s[0..n); 0 or DROVER_E_NOMEM. */
int d_strv_push(struct d_strv *sv, const char *s, size_t n);
/* Sort bytewise and drop duplicates. */
void d_strv_sort_unique(struct d_strv *sv);
void d_strv_free(struct d_strv *sv);

/* A growing byte buffer; after a failed allocation `nomem` is set and adds do nothing. p is
 * NUL-terminated whenever it is not NULL. */
struct d_buf {
	char *p;
	size_t n, cap;
	int nomem;
};

void d_buf_add(struct d_buf *b, const char *s, size_t n);
void d_buf_adds(struct d_buf *b, const char *s);
void d_buf_printf(struct d_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s[0..n) as a PHP single-quoted literal: quotes around, \ and \' escaped. */
void d_buf_php_str(struct d_buf *b, const char *s, size_t n);
void d_buf_free(struct d_buf *b);

/* 1 if s is path or path/... (a path at or below `path`). */
int d_path_under(const char *s, const char *path);

/* Lexically normalize a path ("a/./b/../c" -> "a/c"); symbolic links are not resolved.
 * 0, or -1 if it does not fit. */
int d_path_normalize(char *out, size_t size, const char *in);

/* 1 if s is a table name safe to put into SQL: [A-Za-z0-9_]{1,64} (db.h's rule). */
int d_ident_ok(const char *s);

/* 1 if s[0..n) is an extension name Drupal accepts (a PHP function name). */
int d_name_ok(const char *s, size_t n);

/* ---- info.c ------------------------------------------------------------------------------ */

/* What drover needs from one .info / .info.yml file. */
struct d_info {
	char version[128]; /* after VERSION is replaced by the core version */
	char type[16];     /* .info.yml only: module, theme, profile, theme_engine */
	char core[32];     /* .info only: "7.x" */
	int version_set, type_set, core_set, name_set;
	int keys;       /* assignments read (Drupal 7 skips a module whose .info has none) */
	int hidden;     /* PHP's !empty() of the value: what Drupal tests */
	int hidden_set; /* PHP's isset(): present and not null */
};

/* Parse a Drupal 7 .info file the way drupal_parse_info_format() reads it. Returns 0, or
 * DROVER_E_PARSE with pb filled (line and what is wrong; pb->file is left to the caller).
 * `note` (may be NULL) gets a problem that Drupal tolerates but that is worth a warning. */
int d7_info_parse(const char *data, size_t len, const char *core_version, struct d_info *out,
                  struct d_problem *pb, struct d_problem *note);

/* Parse a Drupal 8+ .info.yml file (the YAML that info files use). Same returns. */
int d8_info_parse(const char *data, size_t len, const char *core_version, struct d_info *out,
                  struct d_problem *pb);

/* ---- phpcode.c --------------------------------------------------------------------------- */

/* The highest N of the functions NAME_update_N declared in PHP source (outside classes,
 * comments and strings). *found is 0 when there is none. */
void d_php_update_n(const char *data, size_t len, const char *name, uint64_t *max, int *found);

/* The post-update names a NAME.post_update.php ships, as Drupal records them once applied
 * ("name_post_update_what", lower case): each NAME_post_update_X function and each key of the
 * array NAME_removed_post_updates() returns. Pushed into sv; 0 or DROVER_E_NOMEM. */
int d_php_post_updates(const char *data, size_t len, const char *name, struct d_strv *sv);

/* ---- versions.c -------------------------------------------------------------------------- */

struct d_versions; /* release versions Composer recorded, by install directory */

/* Read vendor/composer/installed.json next to the root or one level up (a Composer project's
 * web/ docroot). Returns 0 with *out NULL when there is none or it cannot be used (warned), or
 * DROVER_E_NOMEM. */
int d_versions_load(struct drover_ctx *ctx, const struct tf_root *r, struct d_versions **out);
/* The version of the Composer package that installed the directory `path` (relative to the
 * root), or NULL. */
const char *d_versions_find(const struct d_versions *v, const char *path);
void d_versions_free(struct d_versions *v);

/* ---- scan.c ------------------------------------------------------------------------------ */

int drupal_packages(struct drover_ctx *ctx, const char *root, drover_package_cb cb, void *arg);

/* ---- phpeval.c --------------------------------------------------------------------------- */

struct d_env; /* the variables a settings.php leaves behind, as far as they can be known */

/* Evaluate <root>/<site_dir>/settings.php and the files it includes. Returns 0 with *out set;
 * DROVER_E_NOTFOUND if there is no settings.php; DROVER_E_IO, DROVER_E_NOMEM; pb says why.
 * Conditions are not evaluated: every assignment counts, in file order (warned about for
 * $databases). */
int d_settings_eval(struct drover_ctx *ctx, const struct drover_site *site, struct d_env **out,
                    struct d_problem *pb);
/* Evaluate another PHP file of the platform the same way: `rel` is relative to the root
 * (sites/sites.php, or a settings.php written beside the real one). $app_root and $site_path
 * are set as for the site's settings.php. Same returns as d_settings_eval. */
int d_php_eval_file(struct drover_ctx *ctx, const struct drover_site *site, const char *rel,
                    struct d_env **out, struct d_problem *pb);
/* The same for text in memory that stands for the file `rel` (its includes are read from
 * disk): what a rewritten settings.php would leave behind, before it is written. */
int d_php_eval_data(struct drover_ctx *ctx, const struct drover_site *site, const char *rel,
                    const char *data, size_t len, struct d_env **out, struct d_problem *pb);
void d_env_free(struct d_env *env);

/* ---- settings.c -------------------------------------------------------------------------- */

/* The table prefix Drupal uses for `table` on the default connection (a string prefix, or the
 * per-table / 'default' entry of an array prefix). 0, or DROVER_E_PARSE / DROVER_E_RANGE with pb
 * filled. */
int d_settings_prefix(const struct d_env *env, const char *table, char *buf, size_t size,
                      struct d_problem *pb);

/* The whole drover_settings settings_read returns, from evaluated variables. */
int d_settings_fill(const struct d_env *env, const struct drover_site *site,
                    struct drover_settings *s, struct d_problem *pb);

int drupal_settings_read(struct drover_ctx *ctx, const struct drover_site *site,
                         struct drover_settings *out);

/* ---- schema.c ---------------------------------------------------------------------------- */

int drupal_site_schema(struct drover_ctx *ctx, const struct drover_site *site, drover_schema_cb cb,
                       void *arg);

/* ---- sitedb.c ---------------------------------------------------------------------------- */

/* "<prefix><table>" for the site's default connection (env may be NULL: no prefix), checked to
 * be a plain identifier; a prefix on SQLite is refused. 0 or a recorded error. */
int d_table_name(struct drover_ctx *ctx, const struct drover_site *site, const struct d_env *env,
                 const char *table, char *buf, size_t size);
/* Whether the (prefixed) table exists in site->db. */
int d_table_exists(struct drover_ctx *ctx, const struct drover_site *site, const char *table,
                   int *exists);
/* Every table of site->db, sorted. */
int d_tables(struct drover_ctx *ctx, const struct drover_site *site, struct d_strv *out);

/* A site an op works on. */
struct d_site {
	struct drover_ctx *ctx;
	const struct drover_site *site;
	const char *name;    /* the domain, or the site directory: for messages */
	int gen;             /* 7, or the major version 8 .. 12 */
	struct d_env *env;   /* settings.php evaluated; NULL when it could not be read */
	struct d_problem pb; /* why env is NULL */
};

#define D_NEED_DB       1u /* the op needs site->db */
#define D_NEED_SETTINGS 2u /* the op fails when settings.php cannot be evaluated */

/* Check the site, identify its platform and evaluate its settings.php. `doing` completes
 * "cannot <doing>" in messages. 0 or a recorded error; d_site_close() in any case. */
int d_site_open(struct drover_ctx *ctx, const struct drover_site *site, const char *doing,
                unsigned need, struct d_site *s);
void d_site_close(struct d_site *s);
/* d_table_name() with the site's prefix. */
int d_site_table(struct d_site *s, const char *table, char *buf, size_t size);
/* The prefixed table when it exists: 1 (name in buf), 0 when it does not, or an error. */
int d_site_find_table(struct d_site *s, const char *table, char *buf, size_t size);

/* ---- serial.c ---------------------------------------------------------------------------- */

struct pv;

/* PHP's truth value of a serialized value ("i:1;", "b:0;", "s:1:\"0\";"). 0, or -1 if the
 * data is not one serialized value. */
int d_ser_truthy(const char *s, size_t n, int *out);
/* PHP's serialize() of an evaluated value. 0, or -1 if the value holds anything drover does
 * not know exactly (unknown parts, floats). */
int d_ser_value(const struct pv *v, struct d_buf *out);
/* A string value's replacement: append the new text to out and return 1, or return 0 to keep
 * it. */
typedef int (*d_ser_map_fn)(void *arg, const char *s, size_t n, struct d_buf *out);
/* Copy serialized data to out with each string value (not array keys, not class names)
 * passed through fn, lengths recomputed. Returns 1 if something changed, 0 if not, -1 if the
 * data is malformed (out is then meaningless). Objects are walked like arrays; custom
 * serialization (C:) and references are copied unchanged. */
int d_ser_rewrite(const char *in, size_t n, d_ser_map_fn fn, void *arg, struct d_buf *out);

/* ---- sha256.c ---------------------------------------------------------------------------- */

/* PHP's hash('sha256', data): 64 lower-case hex digits and a NUL. */
void d_sha256_hex(const void *data, size_t len, char out[65]);

/* ---- files.c ----------------------------------------------------------------------------- */

/* Read root/rel whole into b (NUL-terminated). 0 or a recorded error (DROVER_E_NOTFOUND when
 * missing). */
int d_file_read(struct drover_ctx *ctx, const char *root, const char *rel, struct tf_buf *b);
/* Replace root/rel with data: a new file beside it with the old one's mode (and owner, where
 * allowed), written, fsynced and renamed over it, then the directory fsynced. A symbolic link
 * is followed: its target is replaced. A read-only directory we own is made writable for the
 * rename and then restored (Drupal 8+ makes site directories read-only). */
int d_file_replace(struct drover_ctx *ctx, const char *root, const char *rel, const char *data,
                   size_t len);
/* Remove the directory tree root/rel (not following symbolic links); a missing one is fine.
 * *removed counts the entries removed. */
int d_tree_remove(struct drover_ctx *ctx, const char *root, const char *rel, uint64_t *removed);

/* ---- paths.c ----------------------------------------------------------------------------- */

/* Where a site keeps its files, relative to the root when inside it, else absolute; "" when not
 * configured. */
struct d_files {
	char pub[TF_PATH_MAX];  /* public files: always set */
	char priv[TF_PATH_MAX]; /* private files */
	char temp[TF_PATH_MAX]; /* temporary files */
};
int d_files_get(struct d_site *s, struct d_files *f);

int drupal_site_paths(struct drover_ctx *ctx, const struct drover_site *site, drover_path_cb cb,
                      void *arg);

/* ---- caches.c ---------------------------------------------------------------------------- */

/* The site's cache tables as they exist (prefixed), sorted, with sessions and semaphore when
 * with_transient is set; with no database, the ones Drupal core creates. */
int d_cache_tables(struct d_site *s, int with_transient, struct d_strv *out);
int drupal_cache_tables(struct drover_ctx *ctx, const struct drover_site *site, drover_name_cb cb,
                        void *arg);
int drupal_cache_clear(struct drover_ctx *ctx, const struct drover_site *site);

/* ---- maint.c ----------------------------------------------------------------------------- */

/* The maintenance state stored in the database (and forced by settings.php for Drupal 7). */
int d_maint_state(struct d_site *s, int32_t *state);
int drupal_maintenance(struct drover_ctx *ctx, const struct drover_site *site, int32_t action,
                       int32_t *state);

/* ---- setwrite.c, update.c, fixup.c, health.c --------------------------------------------- */

int drupal_settings_write(struct drover_ctx *ctx, const struct drover_site *site,
                          const struct drover_settings *in);
int drupal_update_run(struct drover_ctx *ctx, const struct drover_site *site);
extern const struct drover_option drupal_options[];
int drupal_fixup(struct drover_ctx *ctx, const struct drover_site *site,
                 const struct drover_move *move);
int drupal_health(struct drover_ctx *ctx, const struct drover_site *site, drover_check_cb cb,
                  void *arg);

#endif /* DROVER_PLUGINS_DRUPAL_H */

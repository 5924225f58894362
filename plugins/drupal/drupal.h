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
void d_env_free(struct d_env *env);

/* ---- settings.c -------------------------------------------------------------------------- */

/* The table prefix Drupal uses for `table` on the default connection (a string prefix, or the
 * per-table / 'default' entry of an array prefix). 0, or DROVER_E_PARSE / DROVER_E_RANGE with pb
 * filled. */
int d_settings_prefix(const struct d_env *env, const char *table, char *buf, size_t size,
                      struct d_problem *pb);

int drupal_settings_read(struct drover_ctx *ctx, const struct drover_site *site,
                         struct drover_settings *out);

/* ---- schema.c ---------------------------------------------------------------------------- */

int drupal_site_schema(struct drover_ctx *ctx, const struct drover_site *site, drover_schema_cb cb,
                       void *arg);

#endif /* DROVER_PLUGINS_DRUPAL_H */

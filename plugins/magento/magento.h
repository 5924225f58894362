/*
 * plugins/magento/magento.h: what the files of the Magento adapter share. Nothing declared here
 * leaves the shared object: adapters are built with -fvisibility=hidden and export only their
 * descriptor.
 *
 *   magento.c      probe, the generation of a tree, the ops table and the descriptor
 *   m1_modules.c   Magento 1 / OpenMage modules: declarations, config.xml, packages
 *   m2_modules.c   Magento 2 modules: module.xml, Composer, app/etc/config.php, packages
 *   settings.c     settings_read: app/etc/local.xml and app/etc/env.php
 *   settings_write.c  settings_write: new credentials into those files, nothing else changed
 *   schema.c       site_schema: core_resource, setup_module and patch_list
 *   site.c         what the site ops share: opening a site, table names, files replaced
 *                  atomically, directories emptied
 *   paths.c        site_paths: the files a site owns and what backups leave out
 *   cache.c        cache_tables and cache_clear
 *   maintenance.c  maintenance: maintenance.flag, var/.maintenance.flag
 *   update.c       update_run: the built-in updaters or a configured command
 *   fixup.c        fixup: base URLs in core_config_data after a move
 *   health.c       health: settings, database, maintenance, var/
 *   m1-update.php  the PHP runner update.c runs for Magento 1 (installed as data)
 */
#ifndef DROVER_MAGENTO_H
#define DROVER_MAGENTO_H

#include <stdint.h>

#include <drover/drover.h>

#include "textfile.h"

/* Files, relative to the platform root. */
#define M1_MAGE        "app/Mage.php"
#define M1_LOCAL_XML   "app/etc/local.xml"
#define M1_MODULES_DIR "app/etc/modules"
#define M1_CORE_CONFIG "app/code/core/Mage/Core/Model/Config.php"
#define M2_BIN         "bin/magento"
#define M2_ENV_PHP     "app/etc/env.php"
#define M2_CONFIG_PHP  "app/etc/config.php"
#define M2_INSTALLED   "vendor/composer/installed.json"
#define M1_MAINT_FLAG  "maintenance.flag"
#define M2_MAINT_FLAG  "var/.maintenance.flag"
#define M1_COMPILER    "includes/config.php"

/* Keys of the adapter's option table (magento.c). */
#define MG_OPT_UPDATE_COMMAND "update_command"
#define MG_OPT_PHP            "php"
#define MG_OPT_TIMEOUT        "timeout"
#define MG_OPT_M1_RUNNER      "m1_runner"

/* Where `make install` puts m1-update.php; the Makefile passes $(pkgdatadir)/magento. */
#ifndef MG_DATADIR
#define MG_DATADIR "/usr/local/share/drover/magento"
#endif
#define MG_M1_RUNNER MG_DATADIR "/m1-update.php"

/* Public files directories (relative to the root), as the installers create them. */
#define M1_FILES_PATH "media"
#define M2_FILES_PATH "pub/media"

/* Room for a path inside the platform. */
#define MG_REL_MAX 1024

/* ---------------------------------------------------------------------------------------------
 * magento.c
 */

/* Which Magento `r` is: *gen = 1 or 2. DROVER_E_NOTMINE (nothing recorded) if neither; another
 * code if the tree cannot be looked at. Cheaper than probe: reads no version. */
int mg_generation(struct drover_ctx *ctx, const struct tf_root *r, int *gen);

/* Open the platform root for an op other than probe and tell its generation. A tree that is not
 * Magento is an error here (recorded, naming `what` the caller wanted to do). Close with
 * tf_root_close(). */
int mg_open(struct drover_ctx *ctx, const char *root, const char *what, struct tf_root *r,
            int *gen);

/* The error mg_open records for a tree that is not Magento. */
int mg_not_magento(struct drover_ctx *ctx, const char *root, const char *what);

/* A problem with one package's files that does not stop the enumeration: logged as one
 * "<rel>:<line>: ..." warning (line 0 leaves it out), or at debug level when `quiet` (site_schema
 * reads the same files and need not repeat what packages already said). */
void mg_warn(struct drover_ctx *ctx, int quiet, const char *rel, unsigned line, const char *fmt,
             ...) DROVER_PRINTF(5, 6);

/* Read a file of one package: 0 (b filled), DROVER_E_NOTMINE if it does not exist, 1 if it is
 * not a regular file or too large to be one (warned with mg_warn: skip the package), or another
 * code (recorded) when the platform cannot be read. */
int mg_read_pkg(struct drover_ctx *ctx, const struct tf_root *r, int quiet, const char *rel,
                struct tf_buf *b);

/* "<a>/<b>" (or printf-style) into buf; 0, or -1 when it does not fit. */
int mg_fmt(char *buf, size_t size, const char *fmt, ...) DROVER_PRINTF(3, 4);

/* A copy of s, NUL-terminated, from malloc; NULL when out of memory. */
char *mg_strndup(const char *s, size_t n);

/* 1 if s is a non-empty [A-Za-z0-9_]+ shorter than `max` bytes (module and pool names,
 * table prefixes). */
int mg_word_ok(const char *s, size_t max);

/* ---------------------------------------------------------------------------------------------
 * m1_modules.c
 */

/* A Magento 1 module as the platform declares it (borrowed for the callback). */
struct m1_module {
	const char *name;      /* "Mage_Core" */
	const char *code_pool; /* "core", "community", "local" */
	const char *path;      /* "app/code/core/Mage/Core" */
	const char *version;   /* <modules><Name><version> of its etc/config.xml; "" if none */
	int active;            /* <active> is true as Magento reads it */
	int loaded;            /* Magento loads its config: active, and not in the local pool
	                        * while app/etc/local.xml disables local modules */
	const char *const *resources; /* setup resources whose <setup><module> is this module */
	uint32_t n_resources;
};
typedef int (*m1_module_fn)(void *arg, const struct m1_module *m);

/* Every declared module, in Magento's declaration load order. Malformed files are reported
 * with mg_warn() and their modules skipped. A non-zero callback result stops and is returned. */
int m1_modules(struct drover_ctx *ctx, const struct tf_root *r, int quiet, m1_module_fn fn,
               void *arg);

int m1_packages(struct drover_ctx *ctx, const struct tf_root *r, drover_package_cb cb, void *arg);

/* ---------------------------------------------------------------------------------------------
 * m2_modules.c
 */

/* The 'modules' => [...] map of app/etc/config.php. */
struct m2_flags {
	int present; /* 0: no usable config.php (not installed): nothing is known */
	struct tf_names names;
	int *on;
};

int m2_flags_read(struct drover_ctx *ctx, const struct tf_root *r, int quiet, struct m2_flags *f);
void m2_flags_free(struct m2_flags *f);

/* 1 enabled, 0 disabled (listed as 0 or not listed), -1 unknown (no config.php). */
int m2_flag(const struct m2_flags *f, const char *module);

int m2_packages(struct drover_ctx *ctx, const struct tf_root *r, drover_package_cb cb, void *arg);

/* ---------------------------------------------------------------------------------------------
 * settings.c
 */

/* The settings of the one site of platform `r` into a whole struct (zeroed by the caller). */
int mg_settings(struct drover_ctx *ctx, const struct tf_root *r, int gen,
                struct drover_settings *s);

/* The same in two steps: read the settings file's text (a missing file is DROVER_E_NOTFOUND,
 * recorded), then parse a text into s. Free the text with mg_settings_text_free(), which
 * clears it first: it holds the password. */
int mg_settings_text(struct drover_ctx *ctx, const struct tf_root *r, int gen, struct tf_buf *b);
int mg_settings_parse(struct drover_ctx *ctx, const struct tf_root *r, int gen,
                      const struct tf_buf *b, struct drover_settings *s);
void mg_settings_text_free(struct tf_buf *b);

int mg_settings_read(struct drover_ctx *ctx, const struct drover_site *site,
                     struct drover_settings *out);

/* ---------------------------------------------------------------------------------------------
 * schema.c
 */

int mg_site_schema(struct drover_ctx *ctx, const struct drover_site *site, drover_schema_cb cb,
                   void *arg);

/* ---------------------------------------------------------------------------------------------
 * site.c
 */

/* A site being worked on: its platform root, generation and (when asked for) settings. */
struct mg_site {
	const struct drover_site *site;
	struct tf_root r;
	int gen;
	int have_settings;
	struct drover_settings s; /* cleared by mg_site_close: it holds the password */
	struct tf_buf text;       /* with MG_KEEP_TEXT: the settings file as read; cleared too */
};

#define MG_SETTINGS  1 /* read the settings file */
#define MG_KEEP_TEXT 2 /* and keep its text in ms->text */

/* The site's domain for messages: never NULL. */
const char *mg_domain(const struct drover_site *site);

/* Check `site`, open its platform and tell the generation; with MG_SETTINGS in `flags`, also
 * read the settings file and check the table prefix (it goes into SQL). `what` says what the
 * caller wanted to do ("clear the caches"). Close with mg_site_close() when 0 was returned.
 * `site->root` may also be a site's own files without the platform, as restore stages them
 * from a backup: then the settings file there (app/etc/env.php or local.xml) tells the
 * generation. */
int mg_site_open(struct drover_ctx *ctx, const struct drover_site *site, const char *what,
                 unsigned flags, struct mg_site *ms);
void mg_site_close(struct mg_site *ms);

/* The site must have a database attached (site->db, a known driver). */
int mg_need_db(struct drover_ctx *ctx, const struct drover_site *site, const char *what);

/* "<prefix><name>" into buf (the prefix was checked by mg_site_open). */
int mg_table(struct drover_ctx *ctx, const struct mg_site *ms, const char *name, char *buf,
             size_t size);

/* Is `table` in the site's database? (sqlite_master or information_schema) */
int mg_table_exists(struct drover_ctx *ctx, const struct drover_site *site, const char *table,
                    int *yes);

/* Replace the file `rel` of the platform with `len` bytes: a new file next to it with the same
 * mode (and owner, where allowed), fsync'd, renamed over it, the directory fsync'd. A symbolic
 * link is refused, not replaced. */
int mg_replace_file(struct drover_ctx *ctx, const struct tf_root *r, const char *rel,
                    const char *data, size_t len);
/* The same without recording the failure: its code, and the message in msg. */
int mg_replace_file_quiet(const struct tf_root *r, const char *rel, const char *data, size_t len,
                          char *msg, size_t msg_size);

/* Remove everything inside directory `rel` (the directory stays). A missing directory is
 * nothing to do. `rel` itself may be a symbolic link, as Magento follows it; nothing below it
 * is followed: links inside are removed as links. *removed counts the entries removed. */
int mg_empty_dir(struct drover_ctx *ctx, const struct tf_root *r, const char *rel,
                 unsigned long *removed);

/* ---------------------------------------------------------------------------------------------
 * The ops, one file each (see the top of this file)
 */

int mg_settings_write(struct drover_ctx *ctx, const struct drover_site *site,
                      const struct drover_settings *in);
int mg_site_paths(struct drover_ctx *ctx, const struct drover_site *site, drover_path_cb cb,
                  void *arg);
int mg_cache_tables(struct drover_ctx *ctx, const struct drover_site *site, drover_name_cb cb,
                    void *arg);
int mg_cache_clear(struct drover_ctx *ctx, const struct drover_site *site);
int mg_maintenance(struct drover_ctx *ctx, const struct drover_site *site, int32_t action,
                   int32_t *state);
int mg_update_run(struct drover_ctx *ctx, const struct drover_site *site);
int mg_fixup(struct drover_ctx *ctx, const struct drover_site *site,
             const struct drover_move *move);
int mg_health(struct drover_ctx *ctx, const struct drover_site *site, drover_check_cb cb,
              void *arg);

/* maintenance.c: is the flag there? (*on 1 or 0) */
int mg_maintenance_state(struct drover_ctx *ctx, const struct mg_site *ms, int32_t *on);

#endif /* DROVER_MAGENTO_H */

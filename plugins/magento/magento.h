/*
 * plugins/magento/magento.h: what the files of the Magento adapter share. Nothing declared here
 * leaves the shared object: adapters are built with -fvisibility=hidden and export only their
 * descriptor.
 *
 *   magento.c      probe, the generation of a tree, the ops table and the descriptor
 *   m1_modules.c   Magento 1 / OpenMage modules: declarations, config.xml, packages
 *   m2_modules.c   Magento 2 modules: module.xml, Composer, app/etc/config.php, packages
 *   settings.c     settings_read: app/etc/local.xml and app/etc/env.php
 *   schema.c       site_schema: core_resource, setup_module and patch_list
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

int mg_settings_read(struct drover_ctx *ctx, const struct drover_site *site,
                     struct drover_settings *out);

/* ---------------------------------------------------------------------------------------------
 * schema.c
 */

int mg_site_schema(struct drover_ctx *ctx, const struct drover_site *site, drover_schema_cb cb,
                   void *arg);

#endif /* DROVER_MAGENTO_H */

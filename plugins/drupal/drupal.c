/*
 * plugins/drupal/drupal.c: the Drupal adapter (Drupal 7 and Drupal 8 and later).
 *
 * A Drupal platform is one codebase that hosts many sites (sites/<name>/settings.php), hence
 * DROVER_CAP_MULTISITE. This file holds the probe, the ops table and the descriptor; the other
 * ops live in the files drupal.h lists, the options (update_command, drush, php, d7_runner,
 * timeout) in update.c.
 *
 * How a tree is recognised (checked against the Drupal sources):
 *   Drupal 8+  core/lib/Drupal.php declares the class constant `const VERSION = '10.3.1';`
 *              (also '8.9.20', '11.0.0-rc1', '11.4-dev', '12.0-dev' on development branches).
 *              The generation is the leading number of that version.
 *   Drupal 7   includes/bootstrap.inc calls `define('VERSION', '7.103');` ('7.105-dev' on
 *              development snapshots) and modules/field/field.module exists. Field API entered
 *              core in 7, so the pair tells Drupal 7 apart from Drupal 6 (whose VERSION lives in
 *              modules/system/system.module) and from other PHP software that happens to define
 *              a VERSION constant in an includes/bootstrap.inc.
 * The files are read as text; PHP is never run. The root is the directory holding index.php
 * (for a Composer project, its web/ directory).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <drover/drover.h>

#include "drupal.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.1.0"
#endif

#define D8_VERSION_FILE "core/lib/Drupal.php"
#define D7_VERSION_FILE "includes/bootstrap.inc"
#define D7_FIELD_MODULE "modules/field/field.module"

/* The literal of `const VERSION = '...'` (optionally typed: `const string VERSION`). Returns 1
 * with the value token, 0 if there is no such constant, -1 if VERSION is not set to a literal
 * (then *val holds the token that is there instead). */
static int find_const_version(const struct tf_buf *b, struct tf_tok *val)
{
	struct tf_php lx;
	struct tf_tok t;

	tf_php_init(&lx, b->data, b->len);
	for (tf_php_next(&lx, &t); t.kind != TF_TOK_EOF; tf_php_next(&lx, &t)) {
		if (!tf_tok_word(&t, "const"))
			continue;
		tf_php_next(&lx, &t);
		if (t.kind == TF_TOK_IDENT && !tf_tok_ident(&t, "VERSION")) {
			struct tf_php peek = lx;
			struct tf_tok name;

			tf_php_next(&peek, &name); /* a type: `const string VERSION` */
			if (!tf_tok_ident(&name, "VERSION"))
				continue;
			lx = peek;
			t = name;
		}
		if (!tf_tok_ident(&t, "VERSION"))
			continue;
		tf_php_next(&lx, &t);
		if (!tf_tok_op(&t, "="))
			continue;
		tf_php_next(&lx, val);
		return val->kind == TF_TOK_STRING ? 1 : -1;
	}
	return 0;
}

/* The literal of `define('VERSION', '...')`. Same returns as find_const_version. */
static int find_define_version(const struct tf_buf *b, struct tf_tok *val)
{
	struct tf_php lx;
	struct tf_tok t;

	tf_php_init(&lx, b->data, b->len);
	for (tf_php_next(&lx, &t); t.kind != TF_TOK_EOF; tf_php_next(&lx, &t)) {
		if (!tf_tok_word(&t, "define"))
			continue;
		tf_php_next(&lx, &t);
		if (!tf_tok_op(&t, "("))
			continue;
		tf_php_next(&lx, &t);
		if (!tf_tok_str(&t, "VERSION"))
			continue;
		tf_php_next(&lx, &t);
		if (!tf_tok_op(&t, ","))
			continue;
		tf_php_next(&lx, val);
		return val->kind == TF_TOK_STRING ? 1 : -1;
	}
	return 0;
}

/* Read the VERSION literal of `rel` with `find` into version. `decl` shows the declaration we
 * look for, `remedy` what to do when it is not usable. Returns 0, DROVER_E_NOTMINE if the file is
 * missing (host->error not called), or a recorded error. */
static int read_version(struct drover_ctx *ctx, const struct tf_root *r, const char *rel,
                        int (*find)(const struct tf_buf *, struct tf_tok *), const char *decl,
                        const char *remedy, char *version, size_t size, unsigned *line)
{
	char where[TF_PATH_MAX], shown[48];
	struct tf_buf b;
	struct tf_tok val = {TF_TOK_EOF, "", 0, 0};
	int rc, found;

	rc = tf_read(ctx, r, rel, &b);
	if (rc != 0)
		return rc;
	found = find(&b, &val);
	if (found == 0)
		rc = ctx->host->error(
		    ctx, DROVER_E_PARSE, tf_where(where, sizeof where, r->path, rel, 0),
		    "cannot read the Drupal core version: %s has no %s, so the file "
		    "is damaged or not Drupal's; %s",
		    rel, decl, remedy);
	else if (found < 0)
		rc = ctx->host->error(
		    ctx, DROVER_E_PARSE, tf_where(where, sizeof where, r->path, rel, val.line),
		    "cannot read the Drupal core version: VERSION in %s is set to an "
		    "expression starting with '%s', not to a quoted version; %s",
		    rel, tf_printable(shown, sizeof shown, val.s, val.n), remedy);
	else if (!tf_version_ok(val.s, val.n) || tf_copy(version, size, val.s, val.n) != 0)
		rc = ctx->host->error(ctx, DROVER_E_PARSE,
		                      tf_where(where, sizeof where, r->path, rel, val.line),
		                      "cannot read the Drupal core version: VERSION in %s is '%s', "
		                      "not a version such as '10.3.1' or '7.103'; %s",
		                      rel, tf_printable(shown, sizeof shown, val.s, val.n), remedy);
	*line = val.line;
	tf_buf_free(&b);
	return rc;
}

/* The probe result, with the line: Drupal 8 and later upgrade in place (line 8), Drupal 7 does
 * not upgrade to them (line 7). */
static int fill(struct drover_ctx *ctx, struct drover_probe *out, uint32_t generation,
                const char *version)
{
	int rc = tf_probe_fill(ctx, out, "drupal", "drupal", generation, version);

	if (rc == 0 && out->struct_size >= offsetof(struct drover_probe, line) + sizeof(out->line))
		out->line = generation >= 8 ? 8 : 7;
	return rc;
}

static int probe_d8(struct drover_ctx *ctx, const struct tf_root *r, struct drover_probe *out)
{
	char where[TF_PATH_MAX], version[64];
	unsigned line = 0;
	int rc, major;

	rc = read_version(ctx, r, D8_VERSION_FILE, find_const_version, "`const VERSION = '...'`",
	                  "restore core/ from the Drupal release this platform was built from",
	                  version, sizeof version, &line);
	if (rc != 0)
		return rc; /* DROVER_E_NOTMINE when there is no core/lib/Drupal.php */
	major = tf_version_major(version);
	if (major < 8)
		return ctx->host->error(
		    ctx, DROVER_E_PARSE,
		    tf_where(where, sizeof where, r->path, D8_VERSION_FILE, line),
		    "cannot tell the Drupal generation: " D8_VERSION_FILE " says version %s, but "
		    "that file exists only in Drupal 8 and later; restore core/ from the Drupal "
		    "release this platform was built from",
		    version);
	return fill(ctx, out, (uint32_t)major, version);
}

static int probe_d7(struct drover_ctx *ctx, const struct tf_root *r, struct drover_probe *out)
{
	char where[TF_PATH_MAX], version[64];
	unsigned line = 0;
	int rc, kind;

	/* Both markers must be there before the tree counts as Drupal 7. */
	rc = tf_kind(ctx, r, D7_FIELD_MODULE, &kind);
	if (rc != 0)
		return rc;
	if (kind != TF_FILE)
		return DROVER_E_NOTMINE;
	rc = tf_kind(ctx, r, D7_VERSION_FILE, &kind);
	if (rc != 0)
		return rc;
	if (kind != TF_FILE)
		return DROVER_E_NOTMINE;
	rc = read_version(ctx, r, D7_VERSION_FILE, find_define_version, "define('VERSION', '...')",
	                  "restore it from the Drupal 7 release this platform was built from",
	                  version, sizeof version, &line);
	if (rc == DROVER_E_NOTMINE) /* removed between the check and the read */
		return ctx->host->error(
		    ctx, DROVER_E_IO, tf_where(where, sizeof where, r->path, D7_VERSION_FILE, 0),
		    D7_VERSION_FILE " disappeared while the platform was probed; "
		                    "try again when nothing is changing the tree");
	if (rc != 0)
		return rc;
	if (tf_version_major(version) != 7)
		return ctx->host->error(
		    ctx, DROVER_E_PARSE,
		    tf_where(where, sizeof where, r->path, D7_VERSION_FILE, line),
		    "cannot tell the Drupal generation: " D7_VERSION_FILE " says version %s, but "
		    "the tree has " D7_FIELD_MODULE ", which only Drupal 7 ships; the core files "
		    "come from different releases: restore them from one Drupal 7 release",
		    version);
	return fill(ctx, out, 7, version);
}

/* Drupal 8+ first: its marker is one unambiguous file. */
static const tf_probe_fn probes[] = {probe_d8, probe_d7, NULL};

int drupal_identify(struct drover_ctx *ctx, const struct tf_root *r, struct drover_probe *out)
{
	int rc = DROVER_E_NOTMINE;

	for (const tf_probe_fn *p = probes; *p && rc == DROVER_E_NOTMINE; p++)
		rc = (*p)(ctx, r, out);
	return rc;
}

static int drupal_probe(struct drover_ctx *ctx, const char *root, struct drover_probe *out)
{
	return tf_probe_each(ctx, root, out, probes);
}

static const struct drover_ops ops = {
    DROVER_OPS_INIT,
    .probe = drupal_probe,
    .packages = drupal_packages,
    .settings_read = drupal_settings_read,
    .settings_write = drupal_settings_write,
    .site_schema = drupal_site_schema,
    .site_paths = drupal_site_paths,
    .cache_tables = drupal_cache_tables,
    .maintenance = drupal_maintenance,
    .update_run = drupal_update_run,
    .cache_clear = drupal_cache_clear,
    .fixup = drupal_fixup,
    .health = drupal_health,
};

DROVER_ADAPTER_DEFINE(drupal, .version = PACKAGE_VERSION, .vendor = "drover project",
                      .license = "GPL-2.0-or-later",
                      .description = "Drupal 7 and Drupal 8 and later (8 to 11, 12-dev)",
                      .caps = DROVER_CAP_MULTISITE | DROVER_CAP_PACKAGES |
                              DROVER_CAP_SETTINGS_READ | DROVER_CAP_SETTINGS_WRITE |
                              DROVER_CAP_SITE_SCHEMA | DROVER_CAP_SITE_PATHS |
                              DROVER_CAP_CACHE_TABLES | DROVER_CAP_MAINTENANCE | DROVER_CAP_UPDATE |
                              DROVER_CAP_CACHE_CLEAR | DROVER_CAP_FIXUP | DROVER_CAP_HEALTH,
                      .ops = &ops, .options = drupal_options);

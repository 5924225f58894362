/*
 * t_drupal.c: the Drupal adapter's ops: packages, settings_read and site_schema on hand-made
 * trees, then site_paths, cache_tables, settings_write, maintenance, cache_clear, update_run,
 * fixup and health on platforms and SQLite site databases made by drover-fixture.
 *
 * No Drupal codebase can live in this repository, so the platforms here are hand-made test
 * doubles: small trees holding only the files the adapter reads (bootstrap.inc / Drupal.php,
 * .info / .info.yml, .install, .post_update.php, settings.php, installed.json), each written in
 * Drupal's own format. The site databases are SQLite doubles of Drupal's tables with Drupal's
 * column names and types ({system} for 7; {key_value} and {config} for 8+) holding values in
 * the formats Drupal writes (PHP-serialized integers, arrays and strings).
 *
 * update_run cannot run Drupal here (no PHP), so it is tested with update_command set to a
 * small Python updater this program writes at run time, which applies to the real test SQLite
 * database what running the updates would (Drupal 7: {system}.schema_version raised; 8+: the
 * key_value system.schema value), and with stand-ins for drush and php that record how they
 * were called.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapter_harness.h"

static struct harness h;
static const char *tmp;

/* ---- helpers ---------------------------------------------------------------------------- */

static void put(const char *root, const char *rel, const char *text)
{
	harness_write(root, rel, text);
}

static const char *mkroot(const char *name)
{
	static char bufs[8][4096];
	static int next;
	char *root = bufs[next++ % 8];

	snprintf(root, 4096, "%s/%s", tmp, name);
	if (path_mkdirs(root, 0755) != 0)
		exit(99);
	return root;
}

/* stderr, where the host writes log lines, captured around one call. */
static int saved_fd = -1;
static char cap_path[4200], cap_buf[65536];

static void cap_begin(void)
{
	int fd;

	fflush(stderr);
	saved_fd = dup(2);
	fd = open(cap_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (saved_fd < 0 || fd < 0 || dup2(fd, 2) < 0)
		exit(99);
	close(fd);
}

static const char *cap_end(void)
{
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	f = fopen(cap_path, "r");
	n = f ? fread(cap_buf, 1, sizeof cap_buf - 1, f) : 0;
	if (f)
		fclose(f);
	cap_buf[n] = '\0';
	return cap_buf;
}

/* One package as delivered, copied out of the callback. */
struct pk {
	char name[64], type[16], version[64], schema[24], path[256], site[64], updates[512];
	uint32_t flags;
};

struct pkgs {
	struct pk v[256];
	int n;
	int stop_after; /* return 42 after this many; 0 = never */
};

static int collect(void *arg, const struct drover_package *p)
{
	struct pkgs *g = arg;
	struct pk *k;

	if (g->n >= 256)
		return -1;
	k = &g->v[g->n++];
	memset(k, 0, sizeof *k);
	snprintf(k->name, sizeof k->name, "%s", p->name);
	snprintf(k->type, sizeof k->type, "%s", p->type);
	snprintf(k->version, sizeof k->version, "%s", p->version);
	snprintf(k->schema, sizeof k->schema, "%s", p->schema);
	snprintf(k->path, sizeof k->path, "%s", p->path);
	snprintf(k->site, sizeof k->site, "%s", p->site ? p->site : "");
	for (uint32_t i = 0; i < p->n_updates; i++) {
		size_t l = strlen(k->updates);

		snprintf(k->updates + l, sizeof k->updates - l, "%s%s", i ? "," : "",
		         p->updates[i]);
	}
	k->flags = p->flags;
	if (p->struct_size != sizeof *p)
		return -2;
	return (g->stop_after && g->n >= g->stop_after) ? 42 : 0;
}

static int list(const char *root, struct pkgs *g, const char **log)
{
	int rc;

	memset(g->v, 0, sizeof g->v);
	g->n = 0;
	cap_begin();
	rc = harness_ops(&h)->packages(harness_ctx(&h), root, collect, g);
	*log = cap_end();
	return rc;
}

/* The package called name at path (path NULL: the first one called name). */
static const struct pk *find(const struct pkgs *g, const char *name, const char *path)
{
	for (int i = 0; i < g->n; i++)
		if (strcmp(g->v[i].name, name) == 0 && (!path || strcmp(g->v[i].path, path) == 0))
			return &g->v[i];
	return NULL;
}

static int count(const struct pkgs *g, const char *name)
{
	int n = 0;

	for (int i = 0; i < g->n; i++)
		n += strcmp(g->v[i].name, name) == 0;
	return n;
}

#define CHECK_PKG(g, name, path, type_, version_, schema_, flags_)                        \
	do {                                                                              \
		const struct pk *p_ = find(g, name, path);                                \
		if (!ok(p_ != NULL, "%s is listed (%s)", name, path ? path : "any path")) \
			break;                                                            \
		is_str(p_->type, type_, "%s: type", name);                                \
		is_str(p_->version, version_, "%s: version", name);                       \
		is_str(p_->schema, schema_, "%s: code schema", name);                     \
		is_int(p_->flags, flags_, "%s: flags", name);                             \
	} while (0)

/* ---- Drupal 7 packages ------------------------------------------------------------------ */

#define D7_BOOT "<?php\n/**\n * The current system version.\n */\ndefine('VERSION', '7.103');\n"
#define CORE7   "core = 7.x\n"

static void d7_platform(const char *r)
{
	put(r, "includes/bootstrap.inc", D7_BOOT);
	put(r, "index.php", "<?php\n");
	/* Core modules: `version = VERSION` is the constant; the packaging script appends the
	 * release, and the later key wins. */
	put(r, "modules/field/field.module", "<?php\n");
	put(r, "modules/field/field.info",
	    "name = Field\ndescription = Field API to add fields to entities like nodes and "
	    "users.\npackage = Core\nversion = VERSION\n" CORE7 "files[] = field.module\n"
	    "dependencies[] = field_sql_storage\nrequired = TRUE\n"
	    "\n; Information added by Drupal.org packaging script on 2024-12-04\n"
	    "version = \"7.103\"\nproject = \"drupal\"\ndatestamp = \"1733324608\"\n");
	put(r, "modules/field/field.install",
	    "<?php\n/**\n * Implements hook_update_N().\n */\nfunction field_update_7001() {\n}\n"
	    "function field_update_7002() {\n  $s = 'function field_update_7999() {}';\n}\n"
	    "// function field_update_7998() {}\n/*\nfunction field_update_7997() {\n}\n*/\n"
	    "# function field_update_7996() {}\n"
	    "class FieldThing {\n  function field_update_7995() {}\n}\n"
	    "function field_update_7002_helper() {}\nfunction FIELD_UPDATE_7003() {}\n");
	/* No version at all: a core module gets the core version. */
	put(r, "modules/block/block.module", "<?php\n");
	put(r, "modules/block/block.info", "name = Block\n" CORE7);
	/* A module without .info is not a module; a .info without .module neither. */
	put(r, "modules/noinfo/noinfo.module", "<?php\n");
	put(r, "modules/nomodule/nomodule.info", "name = X\n" CORE7);
	/* Test modules are modules in Drupal 7, hidden. */
	put(r, "modules/simpletest/tests/sys_test.module", "<?php\n");
	put(r, "modules/simpletest/tests/sys_test.info",
	    "name = Sys test\npackage = Testing\n" CORE7 "hidden = TRUE\n");
	put(r, "modules/simpletest/tests/shown_test.module", "<?php\n");
	put(r, "modules/simpletest/tests/shown_test.info",
	    "name = Shown\n" CORE7 "hidden = FALSE\n");
	/* Themes, an engine, profiles. */
	put(r, "themes/bartik/bartik.info",
	    "name = Bartik\nversion = VERSION\n" CORE7
	    "regions[header] = Header\nstylesheets[all][] = a.css\n");
	put(r, "themes/toplevel.info", "name = Not a theme: min depth 1\n" CORE7);
	put(r, "themes/engines/phptemplate/phptemplate.engine", "<?php\n");
	put(r, "profiles/standard/standard.profile", "<?php\n");
	put(r, "profiles/standard/standard.info",
	    "name = Standard\n" CORE7 "dependencies[] = block\n");
	put(r, "profiles/standard/standard.install",
	    "<?php\nfunction standard_install() {}\nfunction standard_update_7000() {}\n");
	put(r, "profiles/acme/acme.profile", "<?php\n");
	put(r, "profiles/acme/acme.info",
	    "name = Acme\n" CORE7 "hidden = FALSE\n"
	    "version = \"7.x-2.0\"\n");
	put(r, "profiles/acme/modules/acme_feature/acme_feature.module", "<?php\n");
	put(r, "profiles/acme/modules/acme_feature/acme_feature.info", "name = F\n" CORE7);
	/* A profile's copy of a core module only applies to its sites: both are listed. */
	put(r, "profiles/acme/modules/block/block.module", "<?php\n");
	put(r, "profiles/acme/modules/block/block.info",
	    "name = Block\n" CORE7 "version = \"7.x-9.0\"\n");
	/* Contributed modules. */
	put(r, "sites/all/modules/views/views.module", "<?php\n");
	put(r, "sites/all/modules/views/views.info",
	    "name = Views\n"
	    "description = \"Create \\\"views\\\" ; of content = lists\"\n"
	    "core = 7.x\n"
	    "dependencies[] = ctools\n"
	    "  files[] = includes/view.inc\n"
	    "; version = 7.x-3.0\n"
	    "version = 7.x-3.x-dev\n"
	    "\n"
	    "; Information added by Drupal.org packaging script on 2020-01-01\n"
	    "version = \"7.x-3.24\"\n"
	    "project = \"views\"\n");
	put(r, "sites/all/modules/views/views.install",
	    "<?php\nfunction views_install() {}\nfunction views_update_7301() {}\n"
	    "function views_update_7300() {}\nfunction views_update_6001() {}\n"
	    "$x = <<<EOT\nfunction views_update_7399() {}\nEOT;\n");
	/* A single-quoted value keeps its text; later scalars replace earlier arrays. */
	put(r, "sites/all/modules/ctools/ctools.module", "<?php\n");
	put(r, "sites/all/modules/ctools/ctools.info",
	    "name = 'Chaos tools'\r\ncore = 7.x\r\nversion = '7.x-1.21'\r\n");
	/* A core module copied to sites/all overrides core for every site. */
	put(r, "sites/all/modules/field/field.module", "<?php\n");
	put(r, "sites/all/modules/field/field.info",
	    "name = Field fork\n" CORE7 "version = 7.x-1.0-fork\n");
	/* ... unless it was written for another core: Drupal keeps core's copy. */
	put(r, "sites/all/modules/old/block/block.module", "<?php\n");
	put(r, "sites/all/modules/old/block/block.info", "name = Block\ncore = 6.x\n");
	/* Malformed files: warned about and skipped, the rest still streams. */
	put(r, "sites/all/modules/broken/broken.module", "<?php\n");
	put(r, "sites/all/modules/broken/broken.info", "name = \"Broken\n" CORE7);
	put(r, "sites/all/modules/garbage/garbage.module", "<?php\n");
	put(r, "sites/all/modules/garbage/garbage.info",
	    "name = Garbage\nthis line is odd\n" CORE7);
	/* Quirks Drupal reads without complaint: text after a closing quote keeps the quotes
	 * (7's own taxonomy_test.info has one), and an empty value takes the next line. */
	put(r, "sites/all/modules/quirk/quirk.module", "<?php\n");
	put(r, "sites/all/modules/quirk/quirk.info",
	    "name = Quirk\ndescription = \"Tests functions\".\nversion = \"7.x-1.0\" beta\n"
	    "core = 7.x\n");
	put(r, "sites/all/modules/quirk/quirk2.module", "<?php\n");
	put(r, "sites/all/modules/quirk/quirk2.info", "name = Quirk 2\npackage =\ncore = 7.x\n");
	/* Two copies in one search directory: the shallower wins. */
	put(r, "sites/all/modules/dupe/dupe.module", "<?php\n");
	put(r, "sites/all/modules/dupe/dupe.info", "name = D\n" CORE7 "version = 1\n");
	put(r, "sites/all/modules/dupe/sub/dupe.module", "<?php\n");
	put(r, "sites/all/modules/dupe/sub/dupe.info", "name = D\n" CORE7 "version = 2\n");
	/* Skipped directories. */
	put(r, "sites/all/modules/CVS/cvsmod/cvsmod.module", "<?php\n");
	put(r, "sites/all/modules/CVS/cvsmod/cvsmod.info", "name = C\n" CORE7);
	put(r, "sites/all/modules/.git/gitmod/gitmod.module", "<?php\n");
	put(r, "sites/all/modules/.git/gitmod/gitmod.info", "name = G\n" CORE7);
	put(r, "sites/all/modules/node_modules/npm/npm.module", "<?php\n");
	put(r, "sites/all/modules/node_modules/npm/npm.info", "name = N\n" CORE7);
	/* A theme in sites/all, and a site-specific copy of views for one site. */
	put(r, "sites/all/themes/zen/zen.info", "name = Zen\n" CORE7 "version = \"7.x-5.6\"\n");
	put(r, "sites/example.com/settings.php", "<?php\n");
	put(r, "sites/example.com/modules/views/views.module", "<?php\n");
	put(r, "sites/example.com/modules/views/views.info",
	    "name = Views\n" CORE7 "version = \"7.x-3.25\"\n");
	put(r, "sites/example.com/modules/views/views.install",
	    "<?php\nfunction views_update_7302() {}\n");
	put(r, "sites/default/default.settings.php", "<?php\n");
}

static void test_d7_packages(void)
{
	const char *r = mkroot("d7"), *log;
	char path[4200], target[4200];
	struct pkgs g = {.stop_after = 0};
	int rc;

	d7_platform(r);
	/* A symbolic link to a shared module directory is followed; one back up is a loop. */
	put(tmp, "shared/linked/linked.module", "<?php\n");
	put(tmp, "shared/linked/linked.info", "name = Linked\n" CORE7);
	snprintf(target, sizeof target, "%s/shared/linked", tmp);
	snprintf(path, sizeof path, "%s/sites/all/modules/linked", r);
	if (symlink(target, path) != 0)
		exit(99);
	snprintf(path, sizeof path, "%s/sites/all/modules/views/loop", r);
	if (symlink("..", path) != 0)
		exit(99);

	rc = list(r, &g, &log);
	is_int(rc, 0, "d7: packages succeeds");
	CHECK_PKG(&g, "block", "modules/block", "module", "7.103", "0", DROVER_PKG_CORE);
	CHECK_PKG(&g, "block", "profiles/acme/modules/block", "module", "7.x-9.0", "0", 0);
	ok(find(&g, "block", "sites/all/modules/old/block") == NULL,
	   "d7: a later copy for core 6.x does not replace core's block");
	CHECK_PKG(&g, "field", "sites/all/modules/field", "module", "7.x-1.0-fork", "0", 0);
	ok(find(&g, "field", "modules/field") == NULL,
	   "d7: core's field, overridden by sites/all for every site, is not listed");
	CHECK_PKG(&g, "sys_test", NULL, "module", "7.103", "0",
	          DROVER_PKG_CORE | DROVER_PKG_HIDDEN);
	CHECK_PKG(&g, "shown_test", NULL, "module", "7.103", "0", DROVER_PKG_CORE);
	CHECK_PKG(&g, "bartik", "themes/bartik", "theme", "7.103", "", DROVER_PKG_CORE);
	CHECK_PKG(&g, "phptemplate", "themes/engines/phptemplate", "theme_engine", "7.103", "",
	          DROVER_PKG_CORE);
	CHECK_PKG(&g, "standard", "profiles/standard", "profile", "7.103", "7000",
	          DROVER_PKG_CORE | DROVER_PKG_HIDDEN);
	CHECK_PKG(&g, "acme", "profiles/acme", "profile", "7.x-2.0", "0", 0);
	CHECK_PKG(&g, "acme_feature", NULL, "module", "", "0", 0);
	CHECK_PKG(&g, "views", "sites/all/modules/views", "module", "7.x-3.24", "7301", 0);
	CHECK_PKG(&g, "views", "sites/example.com/modules/views", "module", "7.x-3.25", "7302",
	          DROVER_PKG_SITE_SPECIFIC);
	{
		const struct pk *p = find(&g, "views", "sites/example.com/modules/views");

		is_str(p ? p->site : NULL, "sites/example.com", "d7: a site copy names its site");
		p = find(&g, "views", "sites/all/modules/views");
		is_str(p ? p->site : NULL, "", "d7: a shared copy names no site");
	}
	CHECK_PKG(&g, "ctools", NULL, "module", "7.x-1.21", "0", 0);
	CHECK_PKG(&g, "quirk", NULL, "module", "\"7.x-1.0\" beta", "0", 0);
	like(log, "quirk.info:3: text follows the closing quote of 'version'",
	     "d7: text after a quote in a value drover reads is warned about");
	ok(strstr(log, "quirk.info:2:") == NULL, "d7: but not in a description");
	CHECK_PKG(&g, "quirk2", NULL, "module", "", "0", 0);
	like(log, "quirk2.info:2: 'package' has no value on its line",
	     "d7: an empty value that swallows `core = ...` is warned about");
	CHECK_PKG(&g, "zen", NULL, "theme", "7.x-5.6", "", 0);
	CHECK_PKG(&g, "linked", "sites/all/modules/linked", "module", "", "0", 0);
	CHECK_PKG(&g, "dupe", "sites/all/modules/dupe", "module", "1", "0", 0);
	is_int(count(&g, "dupe"), 1, "d7: one of two same-place duplicates is listed");
	like(log, "dupe", "d7: the duplicate is warned about");
	ok(!find(&g, "noinfo", NULL) && !find(&g, "nomodule", NULL) && !find(&g, "toplevel", NULL),
	   "d7: a .module without .info, an .info without .module and a theme at depth 0 are not "
	   "packages");
	ok(!find(&g, "cvsmod", NULL) && !find(&g, "gitmod", NULL) && !find(&g, "npm", NULL),
	   "d7: CVS, hidden and node_modules directories are skipped");
	ok(!find(&g, "broken", NULL) && !find(&g, "garbage", NULL),
	   "d7: malformed .info files are skipped");
	like(log, "sites/all/modules/broken/broken.info:1: ", "d7: warning names file and line");
	like(log, "never closed", "d7: the unterminated quote is explained");
	like(log, "sites/all/modules/garbage/garbage.info:2: ", "d7: the bad line is named");
	like(log, "symbolic link", "d7: the link loop is warned about");
	is_int(g.n, 18, "d7: 18 packages in all");
	/* Emission order: core first, then profiles, sites/all, the site. */
	ok(g.n > 0 && (g.v[0].flags & DROVER_PKG_CORE) &&
	       (g.v[g.n - 1].flags & DROVER_PKG_SITE_SPECIFIC),
	   "d7: core packages come first and site-specific ones last");

	/* Field's schema comes from the highest real update function. */
	{
		const char *f = mkroot("d7-schema");

		put(f, "includes/bootstrap.inc", D7_BOOT);
		put(f, "modules/field/field.module", "<?php\n");
		put(f, "modules/field/field.info", "name = Field\n" CORE7);
		put(f, "modules/field/field.install",
		    "<?php\nfunction field_update_7001() {}\n"
		    "function field_update_7002() {\n"
		    "  $s = 'function field_update_7999() {}';\n}\n"
		    "// function field_update_7998() {}\n"
		    "/*\nfunction field_update_7997() {\n}\n*/\n"
		    "# function field_update_7996() {}\n"
		    "class T {\n  function field_update_7995() {}\n}\n"
		    "function field_update_7002_helper() {}\n"
		    "function FIELD_UPDATE_7003() {}\n");
		rc = list(f, &g, &log);
		CHECK_PKG(&g, "field", NULL, "module", "7.103", "7003", DROVER_PKG_CORE);
	}

	/* A callback's non-zero value stops the listing and comes back unchanged. */
	g.stop_after = 2;
	rc = list(r, &g, &log);
	is_int(rc, 42, "d7: a callback's 42 stops the listing and is returned");
	is_int(g.n, 2, "d7: no package after the stop");
}

/* ---- Drupal 8+ packages ----------------------------------------------------------------- */

#define D10_DRUPAL "<?php\nnamespace Drupal;\nclass Drupal {\n  const VERSION = '10.3.1';\n}\n"

static void d10_platform(const char *r)
{
	put(r, "core/lib/Drupal.php", D10_DRUPAL);
	put(r, "core/modules/node/node.info.yml",
	    "name: Node\ntype: module\ndescription: 'Allows content to be submitted.'\n"
	    "package: Core\nversion: VERSION\nconfigure: entity.node_type.collection\n"
	    "dependencies:\n  - drupal:text\n");
	put(r, "core/modules/node/node.install",
	    "<?php\nfunction node_update_10001() {}\n/** function node_update_10099() */\n"
	    "function node_update_8001() {}\n");
	put(r, "core/modules/node/node.post_update.php",
	    "<?php\n\n/**\n * Implements hook_removed_post_updates().\n */\n"
	    "function node_removed_post_updates() {\n  return [\n"
	    "    'node_post_update_configure_status_field_widget' => '9.0.0',\n"
	    "    'node_post_update_node_revision_views_data' => '9.0.0',\n  ];\n}\n\n"
	    "function node_post_update_Set_Type() {}\n"
	    "// function node_post_update_commented() {}\n"
	    "function node_post_update_glossary_view_published() {\n}\n");
	/* Test modules stay out, as at Drupal's run time; config/ only for the config module. */
	put(r, "core/modules/node/tests/modules/node_test/node_test.info.yml",
	    "name: Node test\ntype: module\npackage: Testing\n");
	put(r, "core/modules/config/config.info.yml",
	    "name: Configuration Manager\ntype: module\n"
	    "version: VERSION\n");
	put(r, "core/modules/node/config/optional/x.info.yml", "name: X\ntype: module\n");
	put(r, "core/modules/node/src/y.info.yml", "name: Y\ntype: module\n");
	put(r, "core/themes/olivero/olivero.info.yml",
	    "name: Olivero\ntype: theme\nbase theme: false\nversion: VERSION\n"
	    "libraries:\n  - olivero/global-styling\nregions:\n  header: Header\n");
	put(r, "core/themes/olivero/olivero.post_update.php",
	    "<?php\nfunction olivero_post_update_add_olivero_primary_color() {}\n");
	put(r, "core/themes/engines/twig/twig.info.yml",
	    "name: Twig\ntype: theme_engine\nversion: VERSION\n");
	put(r, "core/profiles/standard/standard.info.yml",
	    "name: Standard\ntype: profile\ndescription: 'Install with commonly used features.'\n"
	    "version: VERSION\ninstall:\n  - node\n");
	put(r, "core/profiles/standard/standard.install",
	    "<?php\nfunction standard_install() {}\n");
	put(r, "core/profiles/demo_umami/demo_umami.info.yml",
	    "name: Umami\ntype: profile\nversion: VERSION\nhidden: false\n");
	put(r, "core/profiles/demo_umami/modules/demo_umami_content/demo_umami_content.info.yml",
	    "name: 'Umami content'\ntype: module\nversion: VERSION\n");
	/* Contributed and custom extensions at the root. */
	put(r, "modules/contrib/token/token.info.yml",
	    "name: Token\ntype: module\ncore_version_requirement: ^9.2 || ^10\n"
	    "\n# Information added by Drupal.org packaging script on 2023-06-21\n"
	    "version: '8.x-1.13'\nproject: 'token'\ndatestamp: 1687338823\n");
	put(r, "modules/contrib/token/token.install", "<?php\nfunction token_update_8001() {}\n");
	put(r, "modules/contrib/webform/webform.info.yml",
	    "name: Webform\ntype: module\ncore_version_requirement: ^10\n");
	put(r, "modules/contrib/webform/modules/webform_ui/webform_ui.info.yml",
	    "name: 'Webform UI'\ntype: module\ncore_version_requirement: ^10\n");
	put(r, "modules/custom/mymod/mymod.info.yml",
	    "# comment\n---\nname: \"My \\\"module\\\"\"\ntype: \"module\" # trailing\n"
	    "description: >\n  Folded text\n  over lines.\ncore_version_requirement: ^10\n"
	    "hidden: true\n");
	put(r, "modules/custom/mymod/mymod.install",
	    "<?php\nfunction mymod_update_9001() {}\nfunction mymod_update_9101() {}\n");
	put(r, "modules/custom/mymod/mymod.post_update.php",
	    "<?php\nfunction mymod_post_update_b() {}\nfunction mymod_post_update_a() {}\n"
	    "function other_post_update_c() {}\n");
	put(r, "modules/custom/notype/notype.info.yml", "name: No type\n");
	put(r, "modules/custom/badyaml/badyaml.info.yml",
	    "name: 'Bad\ntype: module\ndescription: x\n");
	put(r, "modules/custom/dupkey/dupkey.info.yml",
	    "name: Dup\ntype: module\nversion: 1.0\nversion: 2.0\n");
	put(r, "modules/custom/tabbed/tabbed.info.yml",
	    "name: T\ntype: module\ndependencies:\n"
	    "\t- node\n");
	put(r, "modules/custom/noname/noname.info.yml", "type: module\n");
	put(r, "modules/custom/flow/flow.info.yml",
	    "name: Flow\ntype: module\ndependencies: [\n  'drupal:node',\n  \"drupal:user\"\n]\n"
	    "version: '2.x-dev'\n");
	put(r, "themes/contrib/gin/gin.info.yml", "name: Gin\ntype: theme\nversion: '8.x-3.0'\n");
	/* A sequence may start at its key's column (8.9's own test modules do this). */
	put(r, "modules/custom/compact/compact.info.yml",
	    "name: Compact\ntype: module\ndependencies:\n- drupal:node\n- 'drupal:user'\n"
	    "version: '1.0'\n");
	/* Site-specific, and the site-wide copy of the same module. */
	put(r, "sites/default/settings.php", "<?php\n");
	put(r, "sites/default/modules/mymod/mymod.info.yml",
	    "name: Mine\ntype: module\nversion: 9.9\n");
	/* Composer 2: install paths relative to vendor/composer. */
	put(r, "vendor/composer/installed.json",
	    "{\n    \"packages\": [\n        {\n            \"name\": \"drupal/core\",\n"
	    "            \"version\": \"10.3.1\",\n            \"type\": \"drupal-core\",\n"
	    "            \"extra\": {\"drupal-scaffold\": {\"file-mapping\": {}}},\n"
	    "            \"install-path\": \"../../core\"\n        },\n"
	    "        {\"name\": \"drupal/token\", \"version\": \"1.15.0\", \"version_normalized\": "
	    "\"1.15.0.0\", \"type\": \"drupal-module\", \"install-path\": "
	    "\"../../modules/contrib/token\"},\n"
	    "        {\"name\": \"drupal/webform\", \"version\": \"6.2.2\", "
	    "\"install-path\": \"../../modules/contrib/webform\"},\n"
	    "        {\"name\": \"drupal/core-recommended\", \"version\": \"10.3.1\", "
	    "\"type\": \"metapackage\", \"install-path\": null},\n"
	    "        {\"name\": \"symfony/yaml\", \"version\": \"v6.4.8\", "
	    "\"install-path\": \"../symfony/yaml\"}\n    ],\n"
	    "    \"dev\": true,\n    \"dev-package-names\": []\n}\n");
}

static void test_d10_packages(void)
{
	const char *r = mkroot("d10"), *log;
	struct pkgs g = {.stop_after = 0};
	const struct pk *p;
	int rc;

	d10_platform(r);
	rc = list(r, &g, &log);
	is_int(rc, 0, "d10: packages succeeds");
	CHECK_PKG(&g, "node", "core/modules/node", "module", "10.3.1", "10001", DROVER_PKG_CORE);
	p = find(&g, "node", NULL);
	is_str(p ? p->updates : NULL,
	       "node_post_update_configure_status_field_widget,"
	       "node_post_update_glossary_view_published,"
	       "node_post_update_node_revision_views_data,node_post_update_set_type",
	       "d10: node's post updates: functions (lower case) and removed ones, sorted");
	CHECK_PKG(&g, "config", NULL, "module", "10.3.1", "8000", DROVER_PKG_CORE);
	ok(!find(&g, "node_test", NULL) && !find(&g, "x", NULL) && !find(&g, "y", NULL),
	   "d10: tests/, config/ below a module and src/ are not searched");
	CHECK_PKG(&g, "olivero", NULL, "theme", "10.3.1", "", DROVER_PKG_CORE);
	p = find(&g, "olivero", NULL);
	is_str(p ? p->updates : NULL, "olivero_post_update_add_olivero_primary_color",
	       "d10: themes ship post updates too");
	CHECK_PKG(&g, "twig", NULL, "theme_engine", "10.3.1", "", DROVER_PKG_CORE);
	CHECK_PKG(&g, "standard", NULL, "profile", "10.3.1", "8000",
	          DROVER_PKG_CORE | DROVER_PKG_HIDDEN);
	CHECK_PKG(&g, "demo_umami", NULL, "profile", "10.3.1", "8000", DROVER_PKG_CORE);
	CHECK_PKG(&g, "demo_umami_content", NULL, "module", "10.3.1", "8000", DROVER_PKG_CORE);
	CHECK_PKG(&g, "token", NULL, "module", "1.15.0", "8001", 0);
	CHECK_PKG(&g, "webform", NULL, "module", "6.2.2", "8000", 0);
	CHECK_PKG(&g, "webform_ui", NULL, "module", "6.2.2", "8000", 0);
	CHECK_PKG(&g, "mymod", "modules/custom/mymod", "module", "", "9101", DROVER_PKG_HIDDEN);
	p = find(&g, "mymod", "modules/custom/mymod");
	is_str(p ? p->updates : NULL, "mymod_post_update_a,mymod_post_update_b",
	       "d10: another extension's post update in the file is not mymod's");
	CHECK_PKG(&g, "mymod", "sites/default/modules/mymod", "module", "9.9", "8000",
	          DROVER_PKG_SITE_SPECIFIC);
	CHECK_PKG(&g, "flow", NULL, "module", "2.x-dev", "8000", 0);
	CHECK_PKG(&g, "gin", NULL, "theme", "8.x-3.0", "", 0);
	CHECK_PKG(&g, "compact", NULL, "module", "1.0", "8000", 0);
	ok(!find(&g, "notype", NULL), "d10: an info file without type is no extension");
	ok(!find(&g, "badyaml", NULL) && !find(&g, "dupkey", NULL) && !find(&g, "tabbed", NULL) &&
	       !find(&g, "noname", NULL),
	   "d10: malformed info files are skipped");
	like(log, "modules/custom/badyaml/badyaml.info.yml:1: ", "d10: the bad quote's line");
	like(log, "modules/custom/dupkey/dupkey.info.yml:4: ", "d10: the duplicate key's line");
	like(log, "appears twice", "d10: duplicate keys are explained");
	like(log, "modules/custom/tabbed/tabbed.info.yml:4: ", "d10: tab indentation's line");
	like(log, "noname.info.yml: no 'name'", "d10: a missing name is explained");
	is_int(g.n, 15, "d10: 15 packages in all");
}

static void test_d10_composer(void)
{
	const char *proj = mkroot("d10proj"), *log;
	char r[4200];
	struct pkgs g = {.stop_after = 0};
	int rc;

	/* drupal/recommended-project: vendor/ next to web/; Composer 1's flat array. */
	snprintf(r, sizeof r, "%s/web", proj);
	put(r, "core/lib/Drupal.php", D10_DRUPAL);
	put(r, "core/modules/node/node.info.yml", "name: Node\ntype: module\nversion: VERSION\n");
	put(r, "modules/contrib/pathauto/pathauto.info.yml",
	    "name: Pathauto\ntype: module\nversion: '8.x-1.8'\n");
	put(r, "modules/contrib/pathauto/modules/pathauto_sub/pathauto_sub.info.yml",
	    "name: Sub\ntype: module\n");
	put(r, "modules/custom/solo/solo.info.yml", "name: Solo\ntype: module\n");
	put(proj, "vendor/composer/installed.json",
	    "[\n  {\"name\": \"drupal/core\", \"version\": \"10.3.0\"},\n"
	    "  {\"name\": \"drupal/pathauto\", \"version\": \"1.12.0\", \"type\": "
	    "\"drupal-module\"}\n]\n");
	rc = list(r, &g, &log);
	is_int(rc, 0, "composer 1: packages succeeds");
	CHECK_PKG(&g, "node", NULL, "module", "10.3.0", "8000", DROVER_PKG_CORE);
	CHECK_PKG(&g, "pathauto", NULL, "module", "1.12.0", "8000", 0);
	CHECK_PKG(&g, "pathauto_sub", NULL, "module", "1.12.0", "8000", 0);
	CHECK_PKG(&g, "solo", NULL, "module", "", "8000", 0);

	/* A damaged installed.json: warned about, versions fall back to the info files. */
	put(proj, "vendor/composer/installed.json", "{\"packages\": [ {\"name\": ");
	rc = list(r, &g, &log);
	is_int(rc, 0, "broken installed.json: packages still succeeds");
	CHECK_PKG(&g, "pathauto", NULL, "module", "8.x-1.8", "8000", 0);
	like(log, "installed.json:1: malformed JSON", "broken installed.json is warned about");
}

static void test_not_drupal(void)
{
	const char *r = mkroot("notdrupal"), *log;
	struct pkgs g = {.stop_after = 0};
	int rc;

	put(r, "index.php", "<?php\n");
	rc = list(r, &g, &log);
	is_int(rc, DROVER_E_NOTMINE, "packages on a non-Drupal tree fails");
	like(h.err.message, "not a Drupal platform", "and says so: %s", h.err.message);
}

/* ---- settings_read ---------------------------------------------------------------------- */

static int read_settings(const char *root, const char *site_dir, struct drover_settings *out,
                         const char **log)
{
	struct drover_site site;
	uint32_t size = out->struct_size ? out->struct_size : (uint32_t)sizeof *out;
	int rc;

	memset(out, 0, sizeof *out);
	out->struct_size = size;
	memset(&site, 0, sizeof site);
	site.struct_size = sizeof site;
	site.domain = "example.com";
	site.root = root;
	site.site_dir = site_dir;
	cap_begin();
	rc = harness_ops(&h)->settings_read(harness_ctx(&h), &site, out);
	*log = cap_end();
	return rc;
}

static void test_settings(void)
{
	const char *r = mkroot("settings"), *log;
	struct drover_settings s;
	int rc;

	put(r, "includes/bootstrap.inc", D7_BOOT);
	/* Drupal 7's installer: nested array(), then hand edits below it. */
	put(r, "sites/d7/settings.php",
	    "<?php\n\n/**\n * $databases['default']['default'] = array('database' => 'doc');\n */\n"
	    "$databases = array();\n$update_free_access = FALSE;\n"
	    "$databases = array (\n  'default' => \n  array (\n    'default' => \n    array (\n"
	    "      'database' => 'd7db',\n      'username' => 'd7user',\n"
	    "      'password' => 'old',\n      'host' => 'localhost',\n      'port' => '',\n"
	    "      'driver' => 'mysql',\n      'prefix' => '',\n    ),\n  ),\n);\n"
	    "$databases['default']['default']['password'] = 'pa\\'ss\\\\word';\n"
	    "$drupal_hash_salt = 'salt';\n$base_url = 'http://example.com';  // no trailing /\n"
	    "ini_set('session.gc_probability', 1);\n"
	    "$conf['file_public_path'] = conf_path() . '/pub';\n");
	rc = read_settings(r, "sites/d7", &s, &log);
	is_int(rc, 0, "d7 settings: read");
	is_str(s.driver, "mysql", "d7 settings: driver");
	is_str(s.database, "d7db", "d7 settings: database");
	is_str(s.username, "d7user", "d7 settings: username");
	is_str(s.password, "pa'ss\\word", "d7 settings: a later assignment overrides the password");
	is_str(s.host, "localhost", "d7 settings: host");
	is_int(s.port, 0, "d7 settings: '' port is the default");
	is_str(s.prefix, "", "d7 settings: no prefix");
	is_str(s.files_path, "sites/d7/pub", "d7 settings: $conf['file_public_path']");
	is_str(s.base_url, "http://example.com", "d7 settings: $base_url");

	/* Drupal 8+: short arrays, settings.local.php included at the end. */
	put(r, "sites/d10/settings.php",
	    "<?php\n\ndeclare(strict_types=1);\n$databases = [];\n"
	    "$settings['hash_salt'] = 'x';\n"
	    "$databases['default']['default'] = [\n  'database' => 'd10db',\n"
	    "  'username' => 'u',\n  'password' => 'p',\n  'prefix' => 'x_',\n"
	    "  'host' => 'db.internal',\n  'port' => 3306,\n"
	    "  'namespace' => 'Drupal\\\\mysql\\\\Driver\\\\Database\\\\mysql',\n"
	    "  'driver' => 'mysql',\n"
	    "  'autoload' => 'core/modules/mysql/src/Driver/Database/mysql/',\n];\n"
	    "$settings['config_sync_directory'] = '../config/sync';\n"
	    "$settings['file_public_path'] = \"$site_path/files-public\";\n"
	    "if (file_exists($app_root . '/' . $site_path . '/settings.local.php')) {\n"
	    "  include $app_root . '/' . $site_path . '/settings.local.php';\n}\n"
	    "if (file_exists(__DIR__ . '/settings.missing.php')) {\n"
	    "  include __DIR__ . '/settings.missing.php';\n}\n");
	put(r, "sites/d10/settings.local.php",
	    "<?php\n$databases['default']['default']['host'] = '127.0.0.1';\n"
	    "$databases['default']['default']['port'] = '3307';\n");
	rc = read_settings(r, "sites/d10", &s, &log);
	is_int(rc, 0, "d10 settings: read");
	is_str(s.database, "d10db", "d10 settings: database");
	is_str(s.host, "127.0.0.1", "d10 settings: settings.local.php overrides the host");
	is_int(s.port, 3307, "d10 settings: and the port, given as a string");
	is_str(s.prefix, "x_", "d10 settings: string prefix");
	is_str(s.files_path, "sites/d10/files-public", "d10 settings: interpolated files path");
	is_str(log, "", "d10 settings: a missing guarded include is no warning");

	/* Array prefix, default files path, integer port. */
	put(r, "sites/pfx/settings.php",
	    "<?php\n$databases['default']['default'] = array('driver' => 'mysql',\n"
	    "  'database' => 'db', 'username' => 'u', 'password' => 'p', 'host' => 'h',\n"
	    "  'port' => 3306, 'prefix' => array('default' => 'main_', 'users' => 'shared_'));\n");
	rc = read_settings(r, "sites/pfx", &s, &log);
	is_int(rc, 0, "array prefix: read");
	is_str(s.prefix, "main_", "array prefix: 'default' entry");
	is_int(s.port, 3306, "array prefix: integer port");
	is_str(s.files_path, "sites/pfx/files", "default files path is <site>/files");

	/* SQLite. */
	put(r, "sites/lite/settings.php",
	    "<?php\n$databases['default']['default'] = array(\n  'driver' => 'sqlite',\n"
	    "  'database' => 'sites/lite/files/.ht.sqlite',\n);\n");
	rc = read_settings(r, "sites/lite", &s, &log);
	is_int(rc, 0, "sqlite: read");
	is_str(s.driver, "sqlite", "sqlite: driver");
	is_str(s.database, "sites/lite/files/.ht.sqlite", "sqlite: database file relative to root");
	is_str(s.host, "", "sqlite: no host");

	/* Only what lies within the caller's struct_size is written. */
	memset(&s, 0, sizeof s);
	s.struct_size = (uint32_t)offsetof(struct drover_settings, prefix);
	memcpy(s.prefix, "untouched", 10);
	{
		struct drover_site site = {sizeof site, 0, "x", r, "sites/pfx", NULL, NULL, NULL};
		struct drover_settings *o = &s;

		rc = harness_ops(&h)->settings_read(harness_ctx(&h), &site, o);
		is_int(rc, 0, "short struct: read");
		is_str(s.prefix, "untouched",
		       "short struct: fields beyond struct_size are untouched");
		is_str(s.host, "h", "short struct: fields within are written");
	}

	/* Errors. */
	s.struct_size = 0;
	rc = read_settings(r, "sites/none", &s, &log);
	is_int(rc, DROVER_E_NOTFOUND, "missing settings.php: not found");
	like(h.err.message, "sites/none/settings.php", "missing settings.php: named (%s)",
	     h.err.message);
	put(r, "sites/nodb/settings.php", "<?php\n$databases = array();\n$conf['x'] = 1;\n");
	rc = read_settings(r, "sites/nodb", &s, &log);
	is_int(rc, DROVER_E_PARSE, "empty $databases: parse error");
	like(h.err.message, "sites/nodb/settings.php", "empty $databases: file named (%s)",
	     h.err.message);
	put(r, "sites/nodb2/settings.php", "<?php\n$settings['hash_salt'] = 'x';\n");
	rc = read_settings(r, "sites/nodb2", &s, &log);
	is_int(rc, DROVER_E_PARSE, "no $databases: parse error");
	like(h.err.message, "no $databases", "no $databases: said (%s)", h.err.message);
	put(r, "sites/env/settings.php",
	    "<?php\n$databases['default']['default'] = [\n  'driver' => 'mysql',\n"
	    "  'database' => 'db',\n  'password' => getenv('DB_PASSWORD'),\n];\n");
	rc = read_settings(r, "sites/env", &s, &log);
	is_int(rc, DROVER_E_PARSE, "getenv() password: parse error");
	like(h.err.where, "sites/env/settings.php:5", "getenv() password: line named (%s)",
	     h.err.where);
	like(h.err.message, "getenv()", "getenv() password: the expression named (%s)",
	     h.err.message);
	put(r, "sites/pg/settings.php",
	    "<?php\n$databases['default']['default'] = ['driver' => 'pgsql', 'database' => "
	    "'x'];\n");
	rc = read_settings(r, "sites/pg", &s, &log);
	is_int(rc, DROVER_E_NOTSUP, "pgsql: not supported");
	put(r, "sites/cond/settings.php",
	    "<?php\nif (getenv('PROD')) {\n  $databases['default']['default'] = ['driver' => "
	    "'mysql', 'database' => 'prod'];\n}\nelse {\n  $databases['default']['default'] = "
	    "['driver' => 'mysql', 'database' => 'dev'];\n}\n");
	rc = read_settings(r, "sites/cond", &s, &log);
	is_int(rc, 0, "conditional $databases: read");
	is_str(s.database, "dev", "conditional $databases: the last assignment wins");
	like(log, "sites/cond/settings.php:3: $databases is set inside a condition",
	     "conditional $databases: warned about");
}

/* ---- site_schema ------------------------------------------------------------------------ */

struct rowv {
	char name[64], type[16], schema[24], updates[512];
	int32_t status;
};

struct rowsv {
	struct rowv v[64];
	int n;
};

static int collect_row(void *arg, const struct drover_schema_row *row)
{
	struct rowsv *g = arg;
	struct rowv *k;

	if (g->n >= 64)
		return -1;
	k = &g->v[g->n++];
	memset(k, 0, sizeof *k);
	snprintf(k->name, sizeof k->name, "%s", row->name);
	snprintf(k->type, sizeof k->type, "%s", row->type);
	snprintf(k->schema, sizeof k->schema, "%s", row->schema);
	k->status = row->status;
	for (uint32_t i = 0; i < row->n_updates; i++) {
		size_t l = strlen(k->updates);

		snprintf(k->updates + l, sizeof k->updates - l, "%s%s", i ? "," : "",
		         row->updates[i]);
	}
	return 0;
}

static const struct rowv *row_find(const struct rowsv *g, const char *name)
{
	for (int i = 0; i < g->n; i++)
		if (strcmp(g->v[i].name, name) == 0)
			return &g->v[i];
	return NULL;
}

static int schema(const char *root, const char *site_dir, struct drover_db *db, struct rowsv *g,
                  const char **log)
{
	struct drover_site site;
	int rc;

	memset(&site, 0, sizeof site);
	site.struct_size = sizeof site;
	site.domain = "example.com";
	site.root = root;
	site.site_dir = site_dir;
	site.db_driver = "sqlite";
	site.db = db;
	g->n = 0;
	cap_begin();
	rc = harness_ops(&h)->site_schema(harness_ctx(&h), &site, collect_row, g);
	*log = cap_end();
	return rc;
}

#define CHECK_ROW(g, name, type_, status_, schema_)                        \
	do {                                                               \
		const struct rowv *r_ = row_find(g, name);                 \
		if (!ok(r_ != NULL, "%s has a schema row", name))          \
			break;                                             \
		is_str(r_->type, type_, "%s: type", name);                 \
		is_int(r_->status, status_, "%s: status", name);           \
		is_str(r_->schema, schema_, "%s: installed schema", name); \
	} while (0)

/* Drupal 7's {system}, as system_schema() defines it (SQLite types as Drupal's SQLite driver
 * creates them). */
#define D7_SYSTEM                                                                            \
	"CREATE TABLE system (filename VARCHAR(255) NOT NULL DEFAULT '', name VARCHAR(255) " \
	"NOT NULL DEFAULT '', type VARCHAR(12) NOT NULL DEFAULT '', owner VARCHAR(255) NOT " \
	"NULL DEFAULT '', status INTEGER NOT NULL DEFAULT 0, bootstrap INTEGER NOT NULL "    \
	"DEFAULT 0, schema_version INTEGER NOT NULL DEFAULT -1, weight INTEGER NOT NULL "    \
	"DEFAULT 0, info BLOB DEFAULT NULL, PRIMARY KEY (filename));\n"

static void test_schema_d7(void)
{
	const char *r = mkroot("schema7"), *log;
	char dbp[4200];
	struct drover_db *db;
	struct rowsv g;
	int rc;

	put(r, "includes/bootstrap.inc", D7_BOOT);
	put(r, "modules/field/field.module", "<?php\n");
	put(r, "sites/default/settings.php",
	    "<?php\n$databases['default']['default'] = array('driver' => 'sqlite', "
	    "'database' => 'sites/default/files/.ht.sqlite', 'prefix' => '');\n");
	snprintf(dbp, sizeof dbp, "%s/d7.sqlite", tmp);
	db = harness_sqlite(
	    dbp, D7_SYSTEM
	    "INSERT INTO system VALUES ('modules/node/node.module', 'node', 'module', '', 1, 0, "
	    "7016, 0, NULL);\n"
	    "INSERT INTO system VALUES ('modules/block/block.module', 'block', 'module', '', 0, 0, "
	    "7009, -5, NULL);\n"
	    "INSERT INTO system VALUES ('modules/forum/forum.module', 'forum', 'module', '', 0, 0, "
	    "-1, 0, NULL);\n"
	    "INSERT INTO system VALUES ('sites/all/modules/plain/plain.module', 'plain', 'module', "
	    "'', 1, 0, 0, 0, NULL);\n"
	    "INSERT INTO system VALUES ('themes/bartik/bartik.info', 'bartik', 'theme', "
	    "'themes/engines/phptemplate/phptemplate.engine', 1, 0, -1, 0, NULL);\n"
	    "INSERT INTO system VALUES ('themes/garland/garland.info', 'garland', 'theme', "
	    "'themes/engines/phptemplate/phptemplate.engine', 0, 0, -1, 0, NULL);\n"
	    "INSERT INTO system VALUES ('profiles/standard/standard.profile', 'standard', "
	    "'module', '', 1, 0, 7000, 1000, NULL);\n");
	rc = schema(r, "sites/default", db, &g, &log);
	is_int(rc, 0, "d7 schema: read");
	CHECK_ROW(&g, "node", "module", DROVER_SCHEMA_ENABLED, "7016");
	CHECK_ROW(&g, "block", "module", DROVER_SCHEMA_DISABLED, "7009");
	CHECK_ROW(&g, "forum", "module", DROVER_SCHEMA_UNINSTALLED, "");
	CHECK_ROW(&g, "plain", "module", DROVER_SCHEMA_ENABLED, "0");
	CHECK_ROW(&g, "bartik", "theme", DROVER_SCHEMA_ENABLED, "");
	CHECK_ROW(&g, "garland", "theme", DROVER_SCHEMA_UNINSTALLED, "");
	CHECK_ROW(&g, "standard", "profile", DROVER_SCHEMA_ENABLED, "7000");
	is_int(g.n, 7, "d7 schema: one row per system row");
	db_close(db);

	/* An 8+ database under a 7 platform: no {system}. */
	db = harness_sqlite(dbp, "CREATE TABLE key_value (collection VARCHAR(128) NOT NULL, "
	                         "name VARCHAR(128) NOT NULL, value BLOB NOT NULL);\n");
	rc = schema(r, "sites/default", db, &g, &log);
	is_int(rc, DROVER_E_NOTFOUND, "d7 schema: no system table");
	like(h.err.message, "no table 'system'", "d7 schema: says which table (%s)", h.err.message);
	db_close(db);

	/* A prefix on SQLite: Drupal keeps those tables in another file. */
	put(r, "sites/pfx/settings.php",
	    "<?php\n$databases['default']['default'] = array('driver' => 'sqlite', "
	    "'database' => 'x.sqlite', 'prefix' => 'p_');\n");
	db = harness_sqlite(dbp, D7_SYSTEM);
	rc = schema(r, "sites/pfx", db, &g, &log);
	is_int(rc, DROVER_E_NOTSUP, "d7 schema: a prefixed SQLite database is refused");
	like(h.err.message, "'p_'", "d7 schema: the prefix is named (%s)", h.err.message);
	db_close(db);
}

/* Drupal 8+'s {key_value} and {config} (system_schema() / DatabaseStorage::schemaDefinition()
 * as the SQLite driver creates them). */
#define D8_TABLES                                                                                 \
	"CREATE TABLE key_value (collection VARCHAR(128) NOT NULL DEFAULT '', name VARCHAR(128) " \
	"NOT NULL DEFAULT '', value BLOB NOT NULL, PRIMARY KEY (collection, name));\n"            \
	"CREATE TABLE config (collection VARCHAR(255) NOT NULL DEFAULT '', name VARCHAR(255) "    \
	"NOT NULL DEFAULT '', data BLOB DEFAULT NULL, PRIMARY KEY (collection, name));\n"

static void test_schema_d8(void)
{
	const char *r = mkroot("schema10"), *log;
	char dbp[4200];
	struct drover_db *db;
	struct rowsv g;
	int rc;

	put(r, "core/lib/Drupal.php", D10_DRUPAL);
	put(r, "sites/default/settings.php",
	    "<?php\n$databases['default']['default'] = ['driver' => 'sqlite', "
	    "'database' => 'sites/default/files/.ht.sqlite'];\n");
	snprintf(dbp, sizeof dbp, "%s/d10.sqlite", tmp);
	db = harness_sqlite(
	    dbp, D8_TABLES
	    "INSERT INTO config VALUES ('', 'core.extension', 'a:3:{s:6:\"module\";a:4:{"
	    "s:4:\"node\";i:0;s:6:\"system\";i:0;s:5:\"mymod\";i:0;s:8:\"standard\";i:1000;}"
	    "s:5:\"theme\";a:2:{s:7:\"olivero\";i:0;s:5:\"claro\";i:0;}"
	    "s:7:\"profile\";s:8:\"standard\";}');\n"
	    "INSERT INTO config VALUES ('', 'system.site', 'a:1:{s:4:\"name\";s:1:\"x\";}');\n"
	    "INSERT INTO key_value VALUES ('system.schema', 'node', 'i:10001;');\n"
	    "INSERT INTO key_value VALUES ('system.schema', 'system', 'i:10300;');\n"
	    "INSERT INTO key_value VALUES ('system.schema', 'mymod', 'i:8000;');\n"
	    "INSERT INTO key_value VALUES ('system.schema', 'standard', 'i:8000;');\n"
	    "INSERT INTO key_value VALUES ('system.schema', 'leftover', 'i:8001;');\n"
	    "INSERT INTO key_value VALUES ('state', 'system.maintenance_mode', 'b:0;');\n"
	    "INSERT INTO key_value VALUES ('post_update', 'existing_updates', 'a:4:{"
	    "i:0;s:25:\"node_post_update_set_type\";i:1;s:28:\"system_post_update_add_thing\";"
	    "i:2;s:45:\"olivero_post_update_add_olivero_primary_color\";"
	    "i:3;s:24:\"node_post_update_another\";}');\n");
	rc = schema(r, "sites/default", db, &g, &log);
	is_int(rc, 0, "d10 schema: read");
	if (rc != 0)
		diag("%s: %s", h.err.where, h.err.message);
	CHECK_ROW(&g, "node", "module", DROVER_SCHEMA_ENABLED, "10001");
	CHECK_ROW(&g, "system", "module", DROVER_SCHEMA_ENABLED, "10300");
	CHECK_ROW(&g, "mymod", "module", DROVER_SCHEMA_ENABLED, "8000");
	CHECK_ROW(&g, "standard", "profile", DROVER_SCHEMA_ENABLED, "8000");
	CHECK_ROW(&g, "olivero", "theme", DROVER_SCHEMA_ENABLED, "");
	CHECK_ROW(&g, "claro", "theme", DROVER_SCHEMA_ENABLED, "");
	CHECK_ROW(&g, "leftover", "module", DROVER_SCHEMA_DISABLED, "8001");
	like(log, "leftover", "d10 schema: a schema without core.extension entry is warned about");
	{
		const struct rowv *n = row_find(&g, "node"), *t = row_find(&g, "olivero");

		is_str(n ? n->updates : NULL, "node_post_update_another,node_post_update_set_type",
		       "d10 schema: applied post updates attach to their module");
		is_str(t ? t->updates : NULL, "olivero_post_update_add_olivero_primary_color",
		       "d10 schema: and to themes");
	}
	is_int(g.n, 7, "d10 schema: seven rows");
	ok(g.n == 7 && strcmp(g.v[0].name, "claro") == 0 && strcmp(g.v[6].name, "system") == 0,
	   "d10 schema: rows sorted by name");
	db_close(db);

	/* Damaged serialized data is an error, not a guess. */
	db = harness_sqlite(dbp, D8_TABLES "INSERT INTO config VALUES ('', 'core.extension', "
	                                   "'a:1:{s:6:\"module\";a:1:{s:40:\"node\";i:0;}}');\n");
	rc = schema(r, "sites/default", db, &g, &log);
	is_int(rc, DROVER_E_CORRUPT, "d10 schema: a string longer than its data is refused");
	db_close(db);

	/* An array count larger than the data is refused before anything is allocated. */
	db = harness_sqlite(dbp, D8_TABLES "INSERT INTO config VALUES ('', 'core.extension', "
	                                   "'a:1:{s:6:\"module\";a:0:{}}');\n"
	                                   "INSERT INTO key_value VALUES ('post_update', "
	                                   "'existing_updates', 'a:99999999:{i:0;s:1:\"x\";}');\n");
	rc = schema(r, "sites/default", db, &g, &log);
	is_int(rc, DROVER_E_CORRUPT, "d10 schema: an array count beyond the data is refused");
	like(h.err.message, "existing_updates", "d10 schema: says which value (%s)", h.err.message);
	db_close(db);

	/* A Drupal 7 database under a 10 platform. */
	db = harness_sqlite(dbp, D7_SYSTEM);
	rc = schema(r, "sites/default", db, &g, &log);
	is_int(rc, DROVER_E_NOTFOUND, "d10 schema: no key_value table");
	like(h.err.message, "no table 'key_value'", "d10 schema: says which (%s)", h.err.message);
	db_close(db);
}

/* ==== the ops that change a site ===========================================================
 *
 * Platforms and sites come from tests/fixtures/gen/drover-fixture (real Drupal 7 and 10 trees
 * and SQLite databases with Drupal's tables), changed here where a test needs more.
 */

static const char *src_file(const char *rel)
{
	static char abs[8][PATH_MAX];
	static int next;
	char buf[4096], *out = abs[next++ % 8];
	const char *top = getenv("top_srcdir"), *f = __FILE__;
	const char *end = strstr(f, "tests/unit/t_drupal.c");

	if (top != NULL && top[0] != '\0')
		snprintf(buf, sizeof buf, "%s/%s", top, rel);
	else
		snprintf(buf, sizeof buf, "%.*s%s", end ? (int)(end - f) : 0, f, rel);
	if (realpath(buf, out) == NULL) {
		printf("Bail out! %s not found: set top_srcdir or run from the build directory\n",
		       buf);
		exit(99);
	}
	return out;
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[16384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		printf("Bail out! command failed: %s\n", cmd);
		exit(99);
	}
}

/* The output of a shell command, trailing newlines removed. */
static const char *shout(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *shout(const char *fmt, ...)
{
	static char out[4][16384];
	static int next;
	char cmd[16384], *o = out[next++ % 4];
	size_t n;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (!f) {
		printf("Bail out! %s\n", cmd);
		exit(99);
	}
	n = fread(o, 1, sizeof out[0] - 1, f);
	o[n] = '\0';
	pclose(f);
	while (n > 0 && o[n - 1] == '\n')
		o[--n] = '\0';
	return o;
}

/* One query through the sqlite3 shell, rows joined by '\n', columns by '|'. The SQL goes
 * through a file: serialized values are full of quotes. */
static const char *sql1(const char *dbpath, const char *query)
{
	char path[4200];

	snprintf(path, sizeof path, "%s/query.sql", tmp);
	put(tmp, "query.sql", query);
	return shout("sqlite3 '%s' < '%s'", dbpath, path);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		if (len)
			*len = (size_t)n;
	}
	return buf;
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; p && (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* A Drupal platform and one site from drover-fixture, the site database at `db` (absolute).
 * Returns the platform root. */
static const char *fixture(const char *name, const char *cms, const char *domain,
                           const char *site_dir, const char *db, const char *extra)
{
	static char roots[16][4096];
	static int next;
	char *r = roots[next++ % 16];
	const char *gen = src_file("tests/fixtures/gen/drover-fixture");

	snprintf(r, 4096, "%s/%s", tmp, name);
	sh("rm -rf '%s' && python3 '%s' platform --cms %s --out '%s' --modules 2 --seed 5 %s "
	   ">/dev/null",
	   r, gen, cms, r, extra ? extra : "");
	sh("python3 '%s' site --platform '%s' --cms %s --domain %s --site-dir %s --db sqlite:'%s' "
	   "--seed 5 >/dev/null",
	   gen, r, cms, domain, site_dir, db);
	return r;
}

static struct drover_db *open_db(const char *path)
{
	struct drover_error err;
	struct db_params p;
	struct drover_db *db = NULL;

	memset(&p, 0, sizeof p);
	snprintf(p.driver, sizeof p.driver, "%s", DB_DRIVER_SQLITE);
	snprintf(p.database, sizeof p.database, "%s", path);
	err_clear(&err);
	if (db_open(&p, 0, &db, &err) != 0) {
		printf("Bail out! db_open %s: %s\n", path, err.message);
		exit(99);
	}
	return db;
}

static struct drover_site site_of(const char *domain, const char *root, const char *site_dir,
                                  struct drover_db *db)
{
	struct drover_site s;

	memset(&s, 0, sizeof s);
	s.struct_size = sizeof s;
	s.domain = domain;
	s.root = root;
	s.site_dir = site_dir;
	s.db_driver = db ? "sqlite" : NULL;
	s.db = db;
	return s;
}

/* adapters: { drupal: { <body> } } for the adapter's option reads. */
static int cfg_loaded;

static void set_options(const char *body)
{
	struct drover_error err;
	char text[8192], path[4200];

	if (cfg_loaded)
		cfg_free(&h.cfg);
	memset(&h.cfg, 0, sizeof h.cfg);
	snprintf(text, sizeof text,
	         "data_dir = \"%s/data\";\nadapters = {\n  drupal = {\n%s\n  };\n};\n", tmp, body);
	put(tmp, "drover.cfg", text);
	snprintf(path, sizeof path, "%s/drover.cfg", tmp);
	err_clear(&err);
	if (cfg_load(&h.cfg, path, &err) != 0) {
		printf("Bail out! %s: %s\n", path, err.message);
		exit(99);
	}
	cfg_loaded = 1;
	if (cfg_check_adapter(&h.cfg, "drupal", h.ad->desc->options, &err) != 0) {
		printf("Bail out! the options do not validate: %s\n", err.message);
		exit(99);
	}
}

static void mode_of(const char *path, unsigned *mode)
{
	struct stat st;

	*mode = stat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0;
}

/* ---- caps and options ------------------------------------------------------------------- */

static void test_caps(void)
{
	const uint64_t all = DROVER_CAP_MULTISITE | DROVER_CAP_PACKAGES | DROVER_CAP_SETTINGS_READ |
	                     DROVER_CAP_SETTINGS_WRITE | DROVER_CAP_SITE_SCHEMA |
	                     DROVER_CAP_SITE_PATHS | DROVER_CAP_CACHE_TABLES |
	                     DROVER_CAP_MAINTENANCE | DROVER_CAP_UPDATE | DROVER_CAP_CACHE_CLEAR |
	                     DROVER_CAP_FIXUP | DROVER_CAP_HEALTH;
	const struct drover_option *o = h.ad->desc->options;
	int n = 0;

	is_int(h.ad->desc->caps, all, "drupal sets every cap bit of ABI 1.0");
	for (; o && o->key; o++)
		n++;
	is_int(n, 5, "five options: update_command, drush, php, d7_runner, timeout");
}

/* ---- site_paths ------------------------------------------------------------------------- */

struct pathv {
	char path[64][512];
	uint32_t flags[64];
	int n;
};

static int collect_path(void *arg, const char *path, uint32_t flags)
{
	struct pathv *p = arg;

	if (p->n >= 64)
		return -1;
	snprintf(p->path[p->n], sizeof p->path[0], "%s", path);
	p->flags[p->n++] = flags;
	return 0;
}

static int paths(const struct drover_site *site, struct pathv *p, const char **log)
{
	int rc;

	memset(p, 0, sizeof *p);
	cap_begin();
	rc = harness_ops(&h)->site_paths(harness_ctx(&h), site, collect_path, p);
	*log = cap_end();
	return rc;
}

/* "flags" of path, or -1 if not listed. */
static long path_flags(const struct pathv *p, const char *path)
{
	for (int i = 0; i < p->n; i++)
		if (strcmp(p->path[i], path) == 0)
			return p->flags[i];
	return -1;
}

static void test_site_paths(void)
{
	char dbp[4200], sql[4400];
	const char *r, *log;
	struct drover_site s;
	struct drover_db *db;
	struct pathv p;
	int rc;

	/* Drupal 7, the SQLite database inside the files directory (where the installer puts it). */
	snprintf(dbp, sizeof dbp, "%s/paths7/sites/example.com/files/.ht.sqlite", tmp);
	r = fixture("paths7", "drupal7", "example.com", "example.com", dbp, NULL);
	s = site_of("example.com", r, "sites/example.com", NULL);
	rc = paths(&s, &p, &log);
	is_int(rc, 0, "d7 paths: listed");
	is_int(path_flags(&p, "sites/example.com"), DROVER_PATH_OWN,
	       "d7 paths: the site directory");
	is_int(p.n > 0 ? p.flags[0] : 0, DROVER_PATH_OWN, "d7 paths: owned paths come first");
	is_int(path_flags(&p, "sites/example.com/files/css"), DROVER_PATH_EXCLUDE,
	       "d7 paths: aggregated CSS left out");
	is_int(path_flags(&p, "sites/example.com/files/js"), DROVER_PATH_EXCLUDE,
	       "d7 paths: aggregated JS left out");
	is_int(path_flags(&p, "sites/example.com/files/styles"), DROVER_PATH_EXCLUDE,
	       "d7 paths: image derivatives left out");
	is_int(path_flags(&p, "sites/example.com/files/tmp"), DROVER_PATH_EXCLUDE,
	       "d7 paths: files/tmp left out");
	is_int(path_flags(&p, "sites/example.com/files/languages"), -1,
	       "d7 paths: JS translations kept (7 rebuilds them only when flagged)");
	is_int(path_flags(&p, "sites/example.com/files/php"), -1, "d7 paths: no files/php on 7");
	is_int(path_flags(&p, "sites/example.com/files/.ht.sqlite"), DROVER_PATH_DATABASE,
	       "d7 paths: the SQLite database in the files directory is the database driver's");
	is_int(path_flags(&p, "sites/example.com/files/.ht.sqlite-wal"), DROVER_PATH_DATABASE,
	       "d7 paths: with its -wal");
	is_int(path_flags(&p, "sites/example.com/files/.ht.sqlite-shm"), DROVER_PATH_DATABASE,
	       "d7 paths: -shm");
	is_int(path_flags(&p, "sites/example.com/files/.ht.sqlite-journal"), DROVER_PATH_DATABASE,
	       "d7 paths: and -journal");
	is_int(p.n, 9, "d7 paths: nine entries without a database attached");

	/* With the database: the private and temporary paths in {variable}. */
	db = open_db(dbp);
	snprintf(sql, sizeof sql,
	         "INSERT INTO variable VALUES ('file_private_path', 's:7:\"private\";');"
	         "INSERT INTO variable VALUES ('file_temporary_path', "
	         "'s:21:\"sites/example.com/tmp\";');");
	sql1(dbp, sql);
	s = site_of("example.com", r, "sites/example.com", db);
	rc = paths(&s, &p, &log);
	is_int(rc, 0, "d7 paths with the database: listed");
	is_int(
	    path_flags(&p, "private"), DROVER_PATH_OWN,
	    "d7 paths: a private directory outside the site directory, inside the root, is owned");
	is_int(path_flags(&p, "sites/example.com/tmp"), DROVER_PATH_EXCLUDE,
	       "d7 paths: the configured temporary directory inside the site is left out");
	/* settings.php wins over {variable}; another site's directory is never claimed. */
	put(r, "sites/example.com/settings.php",
	    shout("cat '%s/sites/example.com/settings.php'; printf '%%s\\n' "
	          "\"\\$conf['file_private_path'] = 'sites/default/private';\"",
	          r));
	rc = paths(&s, &p, &log);
	is_int(path_flags(&p, "sites/default/private"), -1,
	       "d7 paths: a private directory in another site's directory is not claimed");
	like(log, "sites/default/private is not backed up or moved",
	     "d7 paths: and that is warned about");
	is_int(path_flags(&p, "private"), -1, "d7 paths: $conf overrides {variable}");
	db_close(db);

	/* Drupal 10: PHP storage and JS translations are generated too; a private directory
	 * outside the platform is warned about; an absolute one inside is made relative. */
	snprintf(dbp, sizeof dbp, "%s/paths10.sqlite", tmp);
	r = fixture("paths10", "drupal10", "www.example.org", "default", dbp, NULL);
	s = site_of("www.example.org", r, "sites/default", NULL);
	put(r, "sites/default/settings.php",
	    shout("cat '%s/sites/default/settings.php'; printf '%%s\\n' "
	          "\"\\$settings['file_private_path'] = '../private';\" "
	          "\"\\$settings['file_temp_path'] = '/tmp';\"",
	          r));
	rc = paths(&s, &p, &log);
	is_int(rc, 0, "d10 paths: listed");
	is_int(path_flags(&p, "sites/default/files/php"), DROVER_PATH_EXCLUDE,
	       "d10 paths: compiled Twig left out");
	is_int(path_flags(&p, "sites/default/files/languages"), DROVER_PATH_EXCLUDE,
	       "d10 paths: JS translations left out (rebuilt when missing)");
	is_int(path_flags(&p, "sites/default/files/translations"), -1,
	       "d10 paths: downloaded translations kept");
	is_int(path_flags(&p, "/tmp"), -1,
	       "d10 paths: a temporary directory outside is not listed");
	like(log, "outside the platform", "d10 paths: a private directory outside is warned about");
	is_int(path_flags(&p, tmp), -1, "d10 paths: nothing outside the root is listed");
	put(r, "sites/default/settings.php",
	    shout("cat '%s/sites/default/settings.php'; printf '%%s\\n' "
	          "\"\\$settings['file_private_path'] = '%s/private';\" "
	          "\"\\$settings['file_public_path'] = 'files';\"",
	          r, r));
	rc = paths(&s, &p, &log);
	is_int(path_flags(&p, "private"), DROVER_PATH_OWN,
	       "d10 paths: an absolute private path inside the root is owned, relative");
	is_int(path_flags(&p, "files"), DROVER_PATH_OWN,
	       "d10 paths: a public directory at the root is owned");
	is_int(path_flags(&p, "files/css"), DROVER_PATH_EXCLUDE,
	       "d10 paths: and its generated parts left out");
	is_int(path_flags(&p, "sites/default/files/css"), -1,
	       "d10 paths: not the default's, which is not the files directory then");
}

/* ---- cache_tables ----------------------------------------------------------------------- */

struct namev {
	char v[64][128];
	int n;
};

static int collect_name(void *arg, const char *name)
{
	struct namev *nv = arg;

	if (nv->n >= 64)
		return -1;
	snprintf(nv->v[nv->n++], sizeof nv->v[0], "%s", name);
	return 0;
}

static const char *names_joined(const struct namev *nv)
{
	static char out[8192];
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < nv->n && o < sizeof out; i++)
		o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", i ? "," : "", nv->v[i]);
	return out;
}

static int cache_tables(const struct drover_site *s, struct namev *nv)
{
	memset(nv, 0, sizeof *nv);
	return harness_ops(&h)->cache_tables(harness_ctx(&h), s, collect_name, nv);
}

static void test_cache_tables(void)
{
	char dbp[4200];
	const char *r;
	struct drover_site s;
	struct drover_db *db;
	struct namev nv;
	int rc;

	snprintf(dbp, sizeof dbp, "%s/ct7.sqlite", tmp);
	r = fixture("ct7", "drupal7", "example.com", "default", dbp, NULL);
	sql1(dbp, "CREATE TABLE cache_views (cid VARCHAR(255) NOT NULL DEFAULT '' PRIMARY KEY, "
	          "data BLOB); CREATE TABLE semaphore (name VARCHAR(255) PRIMARY KEY, value "
	          "VARCHAR(255), expire DOUBLE); CREATE TABLE flood (fid INTEGER PRIMARY KEY); "
	          "CREATE TABLE watchdog (wid INTEGER PRIMARY KEY); CREATE TABLE cachex (a INT);");
	db = open_db(dbp);
	s = site_of("example.com", r, "sites/default", db);
	rc = cache_tables(&s, &nv);
	is_int(rc, 0, "d7 cache tables: listed from the database");
	is_str(names_joined(&nv), "cache,cache_bootstrap,cache_page,cache_views,semaphore,sessions",
	       "d7 cache tables: every cache table but cache_form, with sessions and semaphore");
	db_close(db);
	s = site_of("example.com", r, "sites/default", NULL);
	rc = cache_tables(&s, &nv);
	is_int(rc, 0, "d7 cache tables without a database: listed");
	is_str(names_joined(&nv),
	       "cache,cache_block,cache_bootstrap,cache_field,cache_filter,cache_image,cache_menu,"
	       "cache_page,cache_path,cache_update,semaphore,sessions",
	       "d7 cache tables without a database: core's");

	snprintf(dbp, sizeof dbp, "%s/ct10.sqlite", tmp);
	r = fixture("ct10", "drupal10", "www.example.org", "default", dbp, NULL);
	sql1(dbp, "CREATE TABLE cachetags (tag VARCHAR(255) PRIMARY KEY, invalidations INT); "
	          "CREATE TABLE cache_form (cid VARCHAR(255) PRIMARY KEY); CREATE TABLE semaphore "
	          "(name VARCHAR(255) PRIMARY KEY); CREATE TABLE flood (fid INTEGER PRIMARY KEY);");
	db = open_db(dbp);
	s = site_of("www.example.org", r, "sites/default", db);
	rc = cache_tables(&s, &nv);
	is_int(rc, 0, "d10 cache tables: listed");
	is_str(names_joined(&nv),
	       "cache_bootstrap,cache_config,cache_data,cache_default,cache_form,cache_render,"
	       "semaphore,sessions",
	       "d10 cache tables: cache_* (not cachetags, not flood), sessions, semaphore");
	db_close(db);
}

/* ---- settings_write --------------------------------------------------------------------- */

static int write_settings(const struct drover_site *s, const char *driver, const char *database,
                          const char *user, const char *pass, const char *host, uint32_t port,
                          const char **log)
{
	struct drover_settings in;
	int rc;

	memset(&in, 0, sizeof in);
	in.struct_size = sizeof in;
	snprintf(in.driver, sizeof in.driver, "%s", driver);
	snprintf(in.database, sizeof in.database, "%s", database);
	snprintf(in.username, sizeof in.username, "%s", user);
	snprintf(in.password, sizeof in.password, "%s", pass);
	snprintf(in.host, sizeof in.host, "%s", host);
	in.port = port;
	cap_begin();
	rc = harness_ops(&h)->settings_write(harness_ctx(&h), s, &in);
	*log = cap_end();
	return rc;
}

static int read_back(const struct drover_site *s, struct drover_settings *out)
{
	memset(out, 0, sizeof *out);
	out->struct_size = sizeof *out;
	return harness_ops(&h)->settings_read(harness_ctx(&h), s, out);
}

/* sha256(serialize($databases)) as PHP computes it, from the serialized text. */
static const char *php_sha256(const char *serialized)
{
	return shout("printf '%%s' '%s' | sha256sum | cut -d' ' -f1", serialized);
}

static void test_settings_write(void)
{
	char dbp[4200], path[4200], target[4200], *before, *after, *again;
	const char *r, *log;
	struct drover_settings got;
	struct drover_site s;
	size_t blen, alen;
	unsigned mode;
	int rc;

	/* Drupal 7 from the generator: credentials with quotes and backslashes. */
	snprintf(dbp, sizeof dbp, "%s/sw7.sqlite", tmp);
	r = fixture("sw7", "drupal7", "example.com", "example.com", dbp, NULL);
	s = site_of("example.com", r, "sites/example.com", NULL);
	snprintf(path, sizeof path, "%s/sites/example.com/settings.php", r);
	before = slurp(path, &blen);
	rc = write_settings(&s, "mysql", "d7_new", "u'ser", "p'a\\ss\\'\"$x{y}", "db.internal",
	                    3307, &log);
	is_int(rc, 0, "d7 write: written");
	if (rc != 0)
		diag("%s: %s", h.err.where, h.err.message);
	rc = read_back(&s, &got);
	is_int(rc, 0, "d7 write: read back");
	is_str(got.driver, "mysql", "d7 write: driver");
	is_str(got.database, "d7_new", "d7 write: database");
	is_str(got.username, "u'ser", "d7 write: a quote in the user survives");
	is_str(got.password, "p'a\\ss\\'\"$x{y}",
	       "d7 write: quotes, backslashes, $ in the password");
	is_str(got.host, "db.internal", "d7 write: host");
	is_int(got.port, 3307, "d7 write: port");
	is_str(got.prefix, "", "d7 write: the prefix is kept");
	after = slurp(path, &alen);
	ok(after && before && alen > blen && memcmp(after, before, blen) == 0,
	   "d7 write: every byte of the old file is still there, in front");
	like(after, "// drover: database credentials", "d7 write: the block is marked");
	ok(after && strstr(after, "// drover: hash salt") == NULL,
	   "d7 write: a set hash salt is left alone");
	rc = write_settings(&s, "mysql", "d7_third", "u", "x", "localhost", 0, &log);
	is_int(rc, 0, "d7 write again: written");
	again = slurp(path, NULL);
	is_int(count_of(again, "// drover: database credentials"), 1,
	       "d7 write again: one block, the old one replaced");
	ok(again && memcmp(again, before, blen) == 0 && strlen(again) > blen &&
	       strncmp(again + blen, "\n// drover: database credentials", 32) == 0,
	   "d7 write again: the old file, a blank line, the block");
	rc = read_back(&s, &got);
	is_str(got.database, "d7_third", "d7 write again: the new database");
	is_int(got.port, 0, "d7 write again: port 0 is written as ''");
	mode_of(path, &mode);
	is_int(mode, 0644, "d7 write: the mode is kept");
	free(before);
	free(after);
	free(again);

	/* An empty salt Drupal derives from literal $databases: drover writes that same salt. */
	put(r, "sites/example.com/settings.php",
	    "<?php\n$databases = array('default' => array('default' => array(\n"
	    "  'driver' => 'mysql', 'database' => 'd7', 'username' => 'u', 'password' => 'p',\n"
	    "  'host' => 'localhost', 'port' => 3306, 'prefix' => '')));\n"
	    "$drupal_hash_salt = '';\n");
	rc = write_settings(&s, "mysql", "d7b", "u2", "p2", "localhost", 0, &log);
	is_int(rc, 0, "d7 empty salt: written");
	after = slurp(path, NULL);
	{
		const char *want = php_sha256(
		    "a:1:{s:7:\"default\";a:1:{s:7:\"default\";a:7:{s:6:\"driver\";s:5:\"mysql\";"
		    "s:8:\"database\";s:2:\"d7\";s:8:\"username\";s:1:\"u\";s:8:\"password\";"
		    "s:1:\"p\";s:4:\"host\";s:9:\"localhost\";s:4:\"port\";i:3306;s:6:\"prefix\";"
		    "s:0:\"\";}}}");
		char line[200];

		snprintf(line, sizeof line, "$drupal_hash_salt = '%s';", want);
		ok(strlen(want) == 64, "d7 empty salt: sha256sum ran");
		like(after, line,
		     "d7 empty salt: the salt is hash('sha256', serialize($databases))");
	}
	ok(strstr(log, "random") == NULL, "d7 empty salt: no warning when derived (%s)", log);
	free(after);
	/* Writing again keeps that salt (it is no longer empty). */
	rc = write_settings(&s, "mysql", "d7c", "u3", "p3", "localhost", 0, &log);
	after = slurp(path, NULL);
	is_int(count_of(after, "$drupal_hash_salt = '"), 2, "d7 salt: set once, kept afterwards");
	free(after);

	/* A $databases drover cannot know exactly: a random salt and a warning. */
	put(r, "sites/example.com/settings.php",
	    "<?php\n$databases['default']['default'] = array('driver' => 'mysql', 'database' => "
	    "'d7', 'username' => 'u', 'host' => 'h');\n"
	    "$databases['default']['default']['password'] = getenv('DB_PASS');\n");
	rc = write_settings(&s, "mysql", "d7b", "u2", "p2", "localhost", 0, &log);
	is_int(rc, 0, "d7 unknown $databases: written");
	like(log, "random salt", "d7 unknown $databases: the new random salt is warned about");
	like(log, "password reset", "d7 unknown $databases: and what stops working");
	after = slurp(path, NULL);
	{
		const char *p = after ? strstr(after, "$drupal_hash_salt = '") : NULL;
		size_t n = 0;

		if (p) {
			p += strlen("$drupal_hash_salt = '");
			while (p[n] && p[n] != '\'')
				n++;
		}
		is_int(n, 43, "d7 random salt: 43 characters, like drupal_random_key()");
	}
	free(after);
	/* unset() makes $databases uncertain too. */
	put(r, "sites/example.com/settings.php",
	    "<?php\n$databases['default']['default'] = array('driver' => 'mysql', 'database' => "
	    "'d7', 'extra' => 1);\nunset($databases['default']['default']['extra']);\n");
	rc = write_settings(&s, "mysql", "d7b", "u2", "p2", "localhost", 0, &log);
	like(log, "random salt", "d7 unset(): not derived");

	/* A file that ends outside PHP: the block opens PHP again, nothing is printed. */
	put(r, "sites/example.com/settings.php",
	    "<?php\n$databases['default']['default'] = array('driver' => 'sqlite', 'database' => "
	    "'x.sqlite');\n$drupal_hash_salt = 'salt';\n?>\n");
	rc = write_settings(&s, "mysql", "closed", "u", "p", "h", 0, &log);
	is_int(rc, 0, "closing ?>: written");
	after = slurp(path, NULL);
	like(after, "?>\n<?php // drover: database credentials",
	     "closing ?>: the block starts right after it with <?php");
	rc = read_back(&s, &got);
	is_str(got.database, "closed", "closing ?>: read back");
	rc = write_settings(&s, "mysql", "closed2", "u", "p", "h", 0, &log);
	again = slurp(path, NULL);
	is_int(count_of(again, "<?php"), 2, "closing ?>: rewritten, still one <?php of ours");
	free(after);
	free(again);

	/* Refusals leave the file as it was. */
	before = slurp(path, NULL);
	rc = write_settings(&s, "mysql", "x", "u", "line\nbreak", "h", 0, &log);
	is_int(rc, DROVER_E_INVAL, "a control character in the password is refused");
	like(h.err.message, "control character", "and said (%s)", h.err.message);
	rc = write_settings(&s, "pgsql", "x", "u", "p", "h", 0, &log);
	is_int(rc, DROVER_E_INVAL, "a driver other than mysql/sqlite is refused");
	after = slurp(path, NULL);
	is_str(after, before, "refusals leave settings.php untouched");
	free(before);
	free(after);
	put(r, "sites/example.com/settings.php",
	    "<?php\n$databases = [];\n// drover: database credentials (written by drover; "
	    "replaces earlier values)\n$databases['default']['default']['driver'] = 'mysql';\n");
	rc = write_settings(&s, "mysql", "x", "u", "p", "h", 0, &log);
	is_int(rc, DROVER_E_PARSE, "a block without its end line is refused");
	like(h.err.message, "settings.php:3", "and its line named (%s)", h.err.message);

	/* Drupal 10 from the generator, read-only as Drupal makes it, through a link; the
	 * driver changes from sqlite to mysql and back. */
	snprintf(dbp, sizeof dbp, "%s/sw10.sqlite", tmp);
	r = fixture("sw10", "drupal10", "www.example.org", "default", dbp, NULL);
	s = site_of("www.example.org", r, "sites/default", NULL);
	snprintf(path, sizeof path, "%s/sites/default/settings.php", r);
	snprintf(target, sizeof target, "%s/shared-settings.php", tmp);
	sh("mv '%s' '%s' && ln -s '%s' '%s' && chmod 0444 '%s' && chmod 0555 '%s/sites/default'",
	   path, target, target, path, target, r);
	before = slurp(target, &blen);
	rc = write_settings(&s, "mysql", "d10", "drupal", "s3cr'et", "127.0.0.1", 3306, &log);
	is_int(rc, 0, "d10 write: written");
	if (rc != 0)
		diag("%s: %s", h.err.where, h.err.message);
	rc = read_back(&s, &got);
	is_str(got.driver, "mysql", "d10 write: driver switched to mysql");
	is_str(got.password, "s3cr'et", "d10 write: password");
	after = slurp(target, NULL);
	like(after, "['namespace'] = 'Drupal\\\\mysql\\\\Driver\\\\Database\\\\mysql';",
	     "d10 write: core's sqlite namespace switched to mysql's");
	like(after, "['autoload'] = 'core/modules/mysql/src/Driver/Database/mysql/';",
	     "d10 write: and the autoload directory");
	ok(after && before && memcmp(after, before, blen) == 0,
	   "d10 write: the old text is kept in front");
	is_int(count_of(after, "hash_salt"), count_of(before, "hash_salt"),
	       "d10 write: the hash salt is not touched");
	{
		struct stat st;

		ok(lstat(path, &st) == 0 && S_ISLNK(st.st_mode),
		   "d10 write: the link is still a link");
	}
	mode_of(target, &mode);
	is_int(mode, 0444, "d10 write: the file is still read-only");
	snprintf(dbp, sizeof dbp, "%s/sites/default", r);
	mode_of(dbp, &mode);
	is_int(mode, 0555, "d10 write: the site directory is still read-only");
	free(after);
	rc = write_settings(&s, "sqlite", "sites/default/files/.ht.sqlite", "", "", "", 0, &log);
	is_int(rc, 0, "d10 write back to sqlite: written");
	after = slurp(target, NULL);
	is_int(count_of(after, "['namespace']"), 0,
	       "d10 write back to sqlite: the driver is the old one, no namespace line needed");
	rc = read_back(&s, &got);
	is_str(got.driver, "sqlite", "d10 write back to sqlite: read back");
	free(after);
	free(before);
	sh("chmod 0755 '%s/sites/default'", r);

	/* A contributed driver's namespace is not guessed; replicas are refused. */
	put(r, "sites/default/settings.php",
	    "<?php\n$databases['default']['default'] = ['driver' => 'sqlite', 'database' => "
	    "'x', 'namespace' => 'Drupal\\\\turbo\\\\Driver'];\n$settings['hash_salt'] = 'x';\n");
	rc = write_settings(&s, "mysql", "x", "u", "p", "h", 0, &log);
	is_int(rc, DROVER_E_NOTSUP, "d10: a contributed driver's namespace is refused");
	like(h.err.message, "'namespace'", "d10: and named (%s)", h.err.message);
	put(r, "sites/default/settings.php",
	    "<?php\n$databases['default']['default'] = [['driver' => 'mysql', 'database' => "
	    "'a'], ['driver' => 'mysql', 'database' => 'b']];\n");
	rc = write_settings(&s, "mysql", "x", "u", "p", "h", 0, &log);
	is_int(rc, DROVER_E_NOTSUP, "d10: a list of replicas is refused");
	like(h.err.message, "replicas", "d10: and said (%s)", h.err.message);
}

/* ---- maintenance ------------------------------------------------------------------------ */

static int maint(const struct drover_site *s, int32_t action, int32_t *state)
{
	*state = -1;
	return harness_ops(&h)->maintenance(harness_ctx(&h), s, action, state);
}

static void test_maintenance(void)
{
	char dbp[4200];
	const char *r;
	struct drover_site s;
	struct drover_db *db;
	int32_t st;
	int rc;

	snprintf(dbp, sizeof dbp, "%s/m7.sqlite", tmp);
	r = fixture("m7", "drupal7", "example.com", "default", dbp, NULL);
	sql1(dbp, "INSERT INTO cache_page VALUES ('http://example.com/', 'page', 0, 0, 0);");
	db = open_db(dbp);
	s = site_of("example.com", r, "sites/default", db);
	rc = maint(&s, DROVER_MAINT_STATUS, &st);
	is_int(rc, 0, "d7 maintenance status: read");
	is_int(st, 0, "d7 maintenance status: off");
	rc = maint(&s, DROVER_MAINT_ON, &st);
	is_int(rc, 0, "d7 maintenance on: done");
	is_int(st, 1, "d7 maintenance on: on");
	is_str(sql1(dbp, "SELECT value FROM variable WHERE name = 'maintenance_mode'"), "i:1;",
	       "d7 maintenance on: {variable} maintenance_mode = i:1;");
	is_str(sql1(dbp, "SELECT count(*) FROM cache_bootstrap WHERE cid = 'variables'"), "0",
	       "d7 maintenance on: the cached variables are gone");
	is_str(sql1(dbp, "SELECT count(*) FROM cache_bootstrap"), "1",
	       "d7 maintenance on: the rest of cache_bootstrap stays");
	is_str(sql1(dbp, "SELECT count(*) FROM cache_page"), "0",
	       "d7 maintenance on: cached pages are gone");
	rc = maint(&s, DROVER_MAINT_ON, &st);
	is_int(rc, 0, "d7 maintenance on again: done");
	is_str(sql1(dbp, "SELECT count(*) || value FROM variable WHERE name = 'maintenance_mode'"),
	       "1i:1;", "d7 maintenance on again: one row, still on");
	rc = maint(&s, DROVER_MAINT_OFF, &st);
	is_int(rc | st, 0, "d7 maintenance off: off");
	is_str(sql1(dbp, "SELECT value FROM variable WHERE name = 'maintenance_mode'"), "i:0;",
	       "d7 maintenance off: i:0;");
	rc = maint(&s, DROVER_MAINT_OFF, &st);
	is_int(rc | st, 0, "d7 maintenance off again: off");
	sql1(dbp, "UPDATE variable SET value = 'b:1;' WHERE name = 'maintenance_mode'");
	rc = maint(&s, DROVER_MAINT_STATUS, &st);
	is_int(st, 1, "d7 maintenance status: b:1; (update.php's value) is on");
	sql1(dbp, "UPDATE variable SET value = 's:1:\"0\";' WHERE name = 'maintenance_mode'");
	rc = maint(&s, DROVER_MAINT_STATUS, &st);
	is_int(st, 0, "d7 maintenance status: \"0\" is off, as in PHP");
	sql1(dbp, "UPDATE variable SET value = 'i:1' WHERE name = 'maintenance_mode'");
	rc = maint(&s, DROVER_MAINT_STATUS, &st);
	is_int(rc, DROVER_E_CORRUPT, "d7 maintenance status: a damaged value is an error");
	/* settings.php's $conf wins over the database. */
	put(r, "sites/default/settings.php",
	    shout("cat '%s/sites/default/settings.php'; printf '%%s\\n' "
	          "\"\\$conf['maintenance_mode'] = 1;\"",
	          r));
	rc = maint(&s, DROVER_MAINT_OFF, &st);
	is_int(rc, DROVER_E_FAIL, "d7 maintenance off: refused when settings.php forces it on");
	like(h.err.message, "$conf['maintenance_mode']", "d7: says which line to remove (%s)",
	     h.err.message);
	db_close(db);
	s = site_of("example.com", r, "sites/default", NULL);
	rc = maint(&s, DROVER_MAINT_ON, &st);
	is_int(rc, DROVER_E_INVAL, "maintenance without a database: refused");

	snprintf(dbp, sizeof dbp, "%s/m10.sqlite", tmp);
	r = fixture("m10", "drupal10", "www.example.org", "default", dbp, NULL);
	sql1(dbp, "CREATE TABLE cache_page (cid VARCHAR(255) PRIMARY KEY, data BLOB);"
	          "INSERT INTO cache_page VALUES ('p', 'x');"
	          "INSERT INTO cache_bootstrap (cid, data, expire, created, serialized, tags, "
	          "checksum) VALUES ('state', 'a:0:{}', -1, 0, 1, '', '0');");
	db = open_db(dbp);
	s = site_of("www.example.org", r, "sites/default", db);
	rc = maint(&s, DROVER_MAINT_STATUS, &st);
	is_int(rc | st, 0, "d10 maintenance status: off");
	rc = maint(&s, DROVER_MAINT_ON, &st);
	is_int(rc, 0, "d10 maintenance on: done");
	is_int(st, 1, "d10 maintenance on: on");
	is_str(sql1(dbp, "SELECT value FROM key_value WHERE collection = 'state' AND name = "
	                 "'system.maintenance_mode'"),
	       "b:1;", "d10 maintenance on: state system.maintenance_mode = b:1;");
	is_str(sql1(dbp, "SELECT count(*) FROM cache_bootstrap WHERE cid = 'state'"), "0",
	       "d10 maintenance on: the state cache (10.3+) is gone");
	is_str(sql1(dbp, "SELECT count(*) FROM cache_page"), "0",
	       "d10 maintenance on: cached pages are gone");
	rc = maint(&s, DROVER_MAINT_ON, &st);
	is_str(sql1(dbp, "SELECT count(*) FROM key_value WHERE name = 'system.maintenance_mode'"),
	       "1", "d10 maintenance on again: one row");
	rc = maint(&s, DROVER_MAINT_OFF, &st);
	is_int(rc | st, 0, "d10 maintenance off: off");
	is_str(sql1(dbp, "SELECT value FROM key_value WHERE name = 'system.maintenance_mode'"),
	       "b:0;", "d10 maintenance off: b:0;");
	sql1(dbp, "UPDATE key_value SET value = 'i:1;' WHERE name = 'system.maintenance_mode'");
	rc = maint(&s, DROVER_MAINT_STATUS, &st);
	is_int(st, 1, "d10 maintenance status: i:1; (the settings form's value) is on");
	rc = maint(&s, 7, &st);
	is_int(rc, DROVER_E_INVAL, "an unknown action is refused");
	db_close(db);
}

/* ---- cache_clear ------------------------------------------------------------------------ */

static void test_cache_clear(void)
{
	char dbp[4200], path[4200];
	const char *r;
	struct drover_site s;
	struct drover_db *db;
	struct stat st;
	int rc;

	snprintf(dbp, sizeof dbp, "%s/cc7.sqlite", tmp);
	r = fixture("cc7", "drupal7", "example.com", "default", dbp, NULL);
	sql1(dbp, "INSERT INTO cache_form VALUES ('form_1', 'x', 0, 0, 0);"
	          "INSERT INTO cache_page VALUES ('p', 'x', 0, 0, 0);"
	          "INSERT INTO sessions VALUES (1, 'sid', '', 'h', 0, 0, 'x');"
	          "INSERT INTO variable VALUES ('drupal_css_cache_files', 'a:0:{}');"
	          "INSERT INTO variable VALUES ('css_js_query_string', 's:6:\"abcdef\";');");
	put(r, "sites/default/files/css/css_x.css", "a{}");
	put(r, "sites/default/files/js/js_x.js", "x");
	put(r, "sites/default/files/styles/thumbnail/public/a.png", "png");
	put(r, "sites/default/files/a.png", "png");
	db = open_db(dbp);
	s = site_of("example.com", r, "sites/default", db);
	rc = harness_ops(&h)->cache_clear(harness_ctx(&h), &s);
	is_int(rc, 0, "d7 cache clear: done");
	is_str(sql1(dbp, "SELECT (SELECT count(*) FROM cache) + (SELECT count(*) FROM "
	                 "cache_bootstrap) + (SELECT count(*) FROM cache_page)"),
	       "0", "d7 cache clear: the cache tables are empty");
	is_str(sql1(dbp, "SELECT count(*) FROM cache_form"), "1",
	       "d7 cache clear: cache_form is kept, as drupal_flush_all_caches() keeps it");
	is_str(sql1(dbp, "SELECT count(*) FROM sessions"), "1", "d7 cache clear: sessions kept");
	is_str(sql1(dbp, "SELECT count(*) FROM variable WHERE name = 'drupal_css_cache_files'"),
	       "0", "d7 cache clear: the list of aggregates is forgotten");
	{
		const char *v = sql1(dbp, "SELECT value FROM variable WHERE name = "
		                          "'css_js_query_string'");

		ok(strncmp(v, "s:6:\"", 5) == 0 && strcmp(v, "s:6:\"abcdef\";") != 0,
		   "d7 cache clear: a new css_js_query_string (%s)", v);
	}
	snprintf(path, sizeof path, "%s/sites/default/files/css", r);
	ok(stat(path, &st) != 0, "d7 cache clear: files/css removed");
	snprintf(path, sizeof path, "%s/sites/default/files/js", r);
	ok(stat(path, &st) != 0, "d7 cache clear: files/js removed");
	snprintf(path, sizeof path, "%s/sites/default/files/styles/thumbnail/public/a.png", r);
	ok(stat(path, &st) == 0, "d7 cache clear: image derivatives kept");
	snprintf(path, sizeof path, "%s/sites/default/files/a.png", r);
	ok(stat(path, &st) == 0, "d7 cache clear: uploaded files kept");
	rc = harness_ops(&h)->cache_clear(harness_ctx(&h), &s);
	is_int(rc, 0, "d7 cache clear again: done");
	db_close(db);

	snprintf(dbp, sizeof dbp, "%s/cc10.sqlite", tmp);
	r = fixture("cc10", "drupal10", "www.example.org", "default", dbp, NULL);
	sql1(dbp, "CREATE TABLE cachetags (tag VARCHAR(255) PRIMARY KEY, invalidations INT);"
	          "INSERT INTO cachetags VALUES ('node:1', 3);");
	put(r, "sites/default/files/php/twig/abc/x.php", "<?php");
	put(r, "sites/default/files/css/css_x.css", "a{}");
	db = open_db(dbp);
	s = site_of("www.example.org", r, "sites/default", db);
	rc = harness_ops(&h)->cache_clear(harness_ctx(&h), &s);
	is_int(rc, 0, "d10 cache clear: done");
	is_str(sql1(dbp, "SELECT (SELECT count(*) FROM cache_config) + (SELECT count(*) FROM "
	                 "cache_data) + (SELECT count(*) FROM cache_render)"),
	       "0", "d10 cache clear: the cache bins are empty");
	is_str(sql1(dbp, "SELECT invalidations FROM cachetags"), "3",
	       "d10 cache clear: cachetags kept");
	snprintf(path, sizeof path, "%s/sites/default/files/php", r);
	ok(stat(path, &st) != 0, "d10 cache clear: compiled Twig removed");
	snprintf(path, sizeof path, "%s/sites/default/files/css", r);
	ok(stat(path, &st) != 0, "d10 cache clear: aggregates removed");
	db_close(db);
	s = site_of("www.example.org", r, "sites/default", NULL);
	rc = harness_ops(&h)->cache_clear(harness_ctx(&h), &s);
	is_int(rc, DROVER_E_INVAL, "cache clear without a database: refused");
}

/* ---- update_run ------------------------------------------------------------------------- */

static int update(const struct drover_site *s, const char **log)
{
	int rc;

	cap_begin();
	rc = harness_ops(&h)->update_run(harness_ctx(&h), s);
	*log = cap_end();
	return rc;
}

/* update() with an empty PATH: no drush, whatever this machine has installed. */
static int update_without_path(const struct drover_site *s, const char **log)
{
	char *saved = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin"), nobin[4200];
	int rc;

	snprintf(nobin, sizeof nobin, "%s/nobin", tmp);
	setenv("PATH", nobin, 1);
	rc = update(s, log);
	setenv("PATH", saved, 1);
	free(saved);
	return rc;
}

static void test_update(void)
{
	char dbp[4200], py[4200], opt[16384], args[4200];
	const char *r, *log, *fake;
	struct drover_site s;
	int rc;

	/* A stand-in for drush / update.php: applies to the real SQLite database what running
	 * the updates would (Drupal 7: {system}.schema_version raised to the code's; 8+: the
	 * key_value system.schema value), and records its arguments and environment. */
	snprintf(py, sizeof py, "%s/updater.py", tmp);
	put(tmp, "updater.py",
	    "import os, sqlite3, sys\n"
	    "root, site, site_dir, db, gen = sys.argv[1:6]\n"
	    "open(os.path.join(os.path.dirname(db), 'updater.args'), 'w').write(\n"
	    "    ' '.join(sys.argv[1:4]) + ' ' + os.environ.get('DROVER_SITE', '') + ' ' +\n"
	    "    os.environ.get('DROVER_SITE_DIR', '') + ' ' + os.getcwd())\n"
	    "c = sqlite3.connect(db)\n"
	    "if gen == '7':\n"
	    "    c.execute(\"UPDATE system SET schema_version = 7399 WHERE name = 'node'\")\n"
	    "else:\n"
	    "    c.execute(\"UPDATE key_value SET value = 'i:10999;' WHERE collection = "
	    "'system.schema' AND name = 'node'\")\n"
	    "c.commit()\n"
	    "print('updated')\n");
	snprintf(dbp, sizeof dbp, "%s/up7.sqlite", tmp);
	r = fixture("up7", "drupal7", "example.com", "example.com", dbp, NULL);
	s = site_of("example.com", r, "sites/example.com", NULL);
	snprintf(opt, sizeof opt,
	         "    update_command = \"python3 %s {root} {site} {site_dir} %s 7\";", py, dbp);
	set_options(opt);
	ok(strcmp(sql1(dbp, "SELECT schema_version FROM system WHERE name = 'node'"), "7399") != 0,
	   "d7 update: node's schema is another before");
	rc = update(&s, &log);
	is_int(rc, 0, "d7 update with update_command: done");
	if (rc != 0)
		diag("%s: %s", h.err.where, h.err.message);
	is_str(sql1(dbp, "SELECT schema_version FROM system WHERE name = 'node'"), "7399",
	       "d7 update: the command changed {system}.schema_version in the site database");
	snprintf(args, sizeof args, "%s/updater.args", tmp);
	{
		char *a = slurp(args, NULL), want[8192];

		snprintf(want, sizeof want,
		         "%s example.com sites/example.com example.com "
		         "sites/example.com %s",
		         r, r);
		is_str(a, want,
		       "d7 update: placeholders replaced, DROVER_SITE(_DIR) set, cwd root");
		free(a);
	}
	/* A failing command: its first line of output in the error. */
	put(tmp, "fail.sh",
	    "echo\necho 'PDOException: SQLSTATE[42S02] no such table' >&2\n"
	    "echo second line\nexit 3\n");
	snprintf(opt, sizeof opt, "    update_command = \"sh %s/fail.sh\";", tmp);
	set_options(opt);
	rc = update(&s, &log);
	is_int(rc, DROVER_E_EXEC, "a failing update command: DROVER_E_EXEC");
	like(h.err.message, "PDOException: SQLSTATE[42S02] no such table",
	     "a failing update command: its first line is in the message (%s)", h.err.message);
	like(h.err.message, "exit status 3", "a failing update command: and its exit status");
	set_options("    update_command = \"sleep 5\";\n    timeout = 1;");
	rc = update(&s, &log);
	is_int(rc, DROVER_E_TIMEOUT, "an update command past the timeout is stopped");

	/* Drupal 7 without drush: drover's runner, run by adapters.drupal.php. */
	put(tmp, "fakephp.sh", "#!/bin/sh\nprintf '%s ' \"$@\" > \"${0%/*}/php.args\"\n");
	snprintf(opt, sizeof opt, "    php = \"%s/fakephp.sh\";\n    d7_runner = \"%s\";", tmp,
	         src_file("plugins/drupal/d7-update.php"));
	sh("chmod +x '%s/fakephp.sh' && mkdir -p '%s/nobin'", tmp, tmp);
	set_options(opt);
	rc = update_without_path(&s, &log);
	is_int(rc, 0, "d7 update without drush: the runner ran");
	{
		char *a, want[8192];

		snprintf(args, sizeof args, "%s/php.args", tmp);
		a = slurp(args, NULL);
		snprintf(want, sizeof want, "%s %s sites/example.com example.com ",
		         src_file("plugins/drupal/d7-update.php"), r);
		is_str(a, want, "d7 update without drush: php d7-update.php ROOT SITE_DIR DOMAIN");
		free(a);
	}
	snprintf(opt, sizeof opt, "    php = \"%s/fakephp.sh\";\n    d7_runner = \"%s/none.php\";",
	         tmp, tmp);
	set_options(opt);
	rc = update_without_path(&s, &log);
	is_int(rc, DROVER_E_NOTSUP, "d7 update: a missing runner is said");
	like(h.err.message, "none.php", "d7 update: and named (%s)", h.err.message);
	snprintf(opt, sizeof opt, "    php = \"no-such-php\";\n    d7_runner = \"%s\";",
	         src_file("plugins/drupal/d7-update.php"));
	set_options(opt);
	rc = update_without_path(&s, &log);
	is_int(rc, DROVER_E_NOTSUP, "d7 update: no PHP binary is said before anything runs");
	like(h.err.message, "php-cli", "d7 update: with what to install (%s)", h.err.message);

	/* The site's own drush: updatedb, with the domain when sites.php maps it. */
	fake = "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$(dirname \"$0\")/drush.log\"\n";
	put(r, "vendor/bin/drush", fake);
	sh("chmod +x '%s/vendor/bin/drush'", r);
	set_options("");
	rc = update(&s, &log);
	is_int(rc, 0, "d7 update with vendor/bin/drush: done");
	snprintf(args, sizeof args, "%s/vendor/bin/drush.log", r);
	{
		char *a = slurp(args, NULL), want[8192];

		snprintf(want, sizeof want, "-r %s -l example.com updatedb -y\n", r);
		is_str(a, want, "d7 drush: drush -r ROOT -l DOMAIN updatedb -y, nothing else");
		free(a);
	}

	/* Drupal 10: updatedb, then cache rebuild; the directory's name when the domain would
	 * not find it. */
	snprintf(dbp, sizeof dbp, "%s/up10.sqlite", tmp);
	r = fixture("up10", "drupal10", "www.example.org", "default", dbp, NULL);
	s = site_of("www.example.org", r, "sites/default", NULL);
	rc = update(&s, &log);
	is_int(rc, DROVER_E_NOTSUP, "d10 update without drush: not supported");
	like(h.err.message, "composer require drush/drush", "d10 update: says what to do (%s)",
	     h.err.message);
	put(tmp, "proj10/vendor/bin/drush", fake);
	sh("chmod +x '%s/proj10/vendor/bin/drush' && mv '%s' '%s/proj10/web'", tmp, r, tmp);
	snprintf(args, sizeof args, "%s/proj10/web", tmp);
	s = site_of("www.example.org", args, "sites/default", NULL);
	rc = update(&s, &log);
	is_int(rc, 0, "d10 update with the project's vendor/bin/drush (web/ docroot): done");
	{
		char path[4200], *a, want[16384];

		snprintf(path, sizeof path, "%s/proj10/vendor/bin/drush.log", tmp);
		a = slurp(path, NULL);
		snprintf(want, sizeof want, "-r %s -l default updatedb -y\n-r %s -l default cr\n",
		         args, args);
		is_str(a, want, "d10 drush: updatedb -y, then cr, -l with the directory's name");
		free(a);
	}
	snprintf(opt, sizeof opt,
	         "    update_command = \"python3 %s {root} {site} {site_dir} %s 10\";", py, dbp);
	set_options(opt);
	rc = update(&s, &log);
	is_int(rc, 0, "d10 update with update_command: done");
	is_str(sql1(dbp, "SELECT value FROM key_value WHERE collection = 'system.schema' AND "
	                 "name = 'node'"),
	       "i:10999;", "d10 update: the command changed key_value system.schema");
	set_options("");
}

/* drover's Drupal 7 runner under real PHP, on a test double of the Drupal 7 API it calls:
 * functions in the files Drupal keeps them in (update_extra_requirements() in update.php,
 * which the runner does not load, called from update.inc), a multi-pass update, a failing
 * one and one that depends on it. */
static void test_d7_runner(void)
{
	char dbp[4200], opt[8192];
	const char *r, *php = shout("command -v php || true"), *log, *out;
	struct drover_site s;
	int rc;

	if (!php[0]) {
		ok(1, "# SKIP no php: the Drupal 7 runner under PHP");
		return;
	}
	snprintf(dbp, sizeof dbp, "%s/run7.sqlite", tmp);
	r = fixture("run7", "drupal7", "example.com", "example.com", dbp, NULL);
	put(r, "includes/bootstrap.inc",
	    "<?php\n"
	    "define('VERSION', '7.103');\n"
	    "define('DRUPAL_BOOTSTRAP_LANGUAGE', 6);\n"
	    "define('DRUPAL_BOOTSTRAP_FULL', 7);\n"
	    "function &drupal_static($name, $default = NULL) {\n"
	    "  static $data = array();\n"
	    "  if (!array_key_exists($name, $data)) {\n"
	    "    $data[$name] = $default;\n"
	    "  }\n"
	    "  return $data[$name];\n"
	    "}\n"
	    "function drupal_bootstrap($phase) {\n"
	    "  if (drupal_static('conf_path') !== 'sites/example.com') {\n"
	    "    fwrite(STDERR, \"conf_path is not the site's directory\\n\");\n"
	    "    exit(3);\n"
	    "  }\n"
	    "}\n"
	    "function variable_get($name, $default = NULL) {\n"
	    "  return isset($GLOBALS['conf'][$name]) ? $GLOBALS['conf'][$name] : $default;\n"
	    "}\n"
	    "function variable_set($name, $value) {\n"
	    "  $GLOBALS['conf'][$name] = $value;\n"
	    "}\n"
	    "function variable_del($name) {\n"
	    "  unset($GLOBALS['conf'][$name]);\n"
	    "}\n");
	put(r, "includes/update.inc",
	    "<?php\n"
	    "class DrupalUpdateException extends Exception {}\n"
	    "function update_prepare_d7_bootstrap() {\n"
	    "  update_extra_requirements(array());\n"
	    "}\n"
	    "function update_fix_d7_requirements() {}\n"
	    "function update_fix_compatibility() {}\n"
	    "function update_get_update_list() {\n"
	    "  return array('probe' => array('start' => 7001));\n"
	    "}\n"
	    "function update_resolve_dependencies($start) {\n"
	    "  $updates = array();\n"
	    "  foreach (array(7001, 7002, 7003) as $n) {\n"
	    "    $updates['probe_update_' . $n] = array('module' => 'probe', 'number' => $n,\n"
	    "      'allowed' => TRUE, 'reverse_paths' => $n == 7003 ? array('probe_update_7002' "
	    "=> 1) : array());\n"
	    "  }\n"
	    "  return $updates;\n"
	    "}\n"
	    "function update_do_one($module, $number, $dependency_map, &$context) {\n"
	    "  $function = $module . '_update_' . $number;\n"
	    "  $aborted = isset($context['results']['#abort']) ? $context['results']['#abort'] : "
	    "array();\n"
	    "  if (array_intersect($aborted, array_merge($dependency_map, array($function)))) {\n"
	    "    return;\n"
	    "  }\n"
	    "  $ret = array();\n"
	    "  try {\n"
	    "    $ret['query'] = $function($context['sandbox']);\n"
	    "  }\n"
	    "  catch (Exception $e) {\n"
	    "    $ret['#abort'] = array('query' => get_class($e) . ': ' . $e->getMessage());\n"
	    "    $context['results']['#abort'][] = $function;\n"
	    "  }\n"
	    "  if (isset($context['sandbox']['#finished'])) {\n"
	    "    $context['finished'] = $context['sandbox']['#finished'];\n"
	    "    unset($context['sandbox']['#finished']);\n"
	    "  }\n"
	    "  $context['results'][$module][$number] = $ret;\n"
	    "  if ($context['finished'] == 1 && !isset($ret['#abort'])) {\n"
	    "    drupal_set_installed_schema_version($module, $number);\n"
	    "  }\n"
	    "}\n"
	    "function probe_update_7001(&$sandbox) {\n"
	    "  $sandbox['pass'] = isset($sandbox['pass']) ? $sandbox['pass'] + 1 : 1;\n"
	    "  $sandbox['#finished'] = $sandbox['pass'] / 3;\n"
	    "  if ($sandbox['pass'] == 3) {\n"
	    "    drupal_set_message('probe_update_7001 ran in 3 passes');\n"
	    "  }\n"
	    "}\n"
	    "function probe_update_7002() {\n"
	    "  throw new DrupalUpdateException('no probe table');\n"
	    "}\n"
	    "function probe_update_7003() {\n"
	    "}\n");
	put(r, "includes/common.inc",
	    "<?php\n"
	    "define('REQUIREMENT_ERROR', 2);\n"
	    "function drupal_maintenance_theme() {}\n"
	    "function module_invoke_all($hook) {\n"
	    "  return array();\n"
	    "}\n"
	    "function drupal_requirements_severity(&$requirements) {\n"
	    "  return 0;\n"
	    "}\n"
	    "function drupal_flush_all_caches() {}\n"
	    "function drupal_set_message($message, $type = 'status') {\n"
	    "  $GLOBALS['messages'][$type][] = $message;\n"
	    "}\n"
	    "function drupal_get_messages() {\n"
	    "  $messages = isset($GLOBALS['messages']) ? $GLOBALS['messages'] : array();\n"
	    "  $GLOBALS['messages'] = array();\n"
	    "  return $messages;\n"
	    "}\n");
	put(r, "includes/install.inc",
	    "<?php\n"
	    "function drupal_load_updates() {}\n"
	    "function drupal_set_installed_schema_version($module, $number) {\n"
	    "  drupal_set_message(\"$module at schema $number\");\n"
	    "}\n");
	put(r, "includes/file.inc", "<?php\n");
	put(r, "includes/entity.inc", "<?php\n");
	put(r, "includes/unicode.inc", "<?php\n");

	out =
	    shout("cd '%s' && '%s' '%s' '%s' sites/example.com example.com 2>&1; echo \"exit $?\"",
	          r, php, src_file("plugins/drupal/d7-update.php"), r);
	is_str(out,
	       "probe_update_7002 failed: DrupalUpdateException: no probe table\n"
	       "probe_update_7003 not run: an update it depends on failed\n"
	       "status: probe at schema 7000\n"
	       "status: probe_update_7001 ran in 3 passes\n"
	       "status: probe at schema 7001\n"
	       "probe_update_7001 done\n"
	       "exit 1",
	       "d7 runner: a multi-pass update runs to the end, the failure comes first, exit 1");

	s = site_of("example.com", r, "sites/example.com", NULL);
	snprintf(opt, sizeof opt, "    php = \"%s\";\n    d7_runner = \"%s\";", php,
	         src_file("plugins/drupal/d7-update.php"));
	set_options(opt);
	rc = update_without_path(&s, &log);
	is_int(rc, DROVER_E_EXEC, "d7 runner through update_run: the failure fails the op");
	like(h.err.message,
	     "failed (exit status 1): probe_update_7002 failed: DrupalUpdateException",
	     "d7 runner: the message names the failed update (%s)", h.err.message);
	set_options("");
}

/* ---- fixup ------------------------------------------------------------------------------ */

static int fixup(const struct drover_site *s, const struct drover_move *m, const char **log)
{
	int rc;

	cap_begin();
	rc = harness_ops(&h)->fixup(harness_ctx(&h), s, m);
	*log = cap_end();
	return rc;
}

static const char *ser_str(const char *s)
{
	static char out[4][1024];
	static int next;
	char *o = out[next++ % 4];

	snprintf(o, sizeof out[0], "s:%zu:\"%s\";", strlen(s), s);
	return o;
}

static void test_fixup(void)
{
	char dbp[4200], q[8192], *dump1, *dump2, *set1, *set2, path[4200], oldroot[4200];
	const char *r, *log;
	struct drover_move m;
	struct drover_site s;
	struct drover_db *db;
	int rc;

	/* Drupal 7: sites/old.example.com renamed to sites/new.example.com. */
	snprintf(dbp, sizeof dbp, "%s/fx7.sqlite", tmp);
	r = fixture("fx7", "drupal7", "old.example.com", "old.example.com", dbp,
	            "--site-module old.example.com:mysite:7.x-1.0:7100");
	snprintf(q, sizeof q,
	         "INSERT INTO variable VALUES ('file_public_path', '%s');"
	         "INSERT INTO variable VALUES ('theme_bartik_settings', 'a:3:{s:9:\"logo_path\";%s"
	         "s:11:\"toggle_logo\";i:1;s:12:\"favicon_path\";%s}');"
	         "INSERT INTO variable VALUES ('file_temporary_path', 's:4:\"/tmp\";');"
	         "INSERT INTO variable VALUES ('near_miss', '%s');"
	         "CREATE TABLE registry (name VARCHAR(255), type VARCHAR(9), filename "
	         "VARCHAR(255), module VARCHAR(255), weight INT, PRIMARY KEY (name, type));"
	         "INSERT INTO registry VALUES ('MySiteThing', 'class', "
	         "'sites/old.example.com/modules/mysite/mysite.inc', 'mysite', 0);"
	         "INSERT INTO registry VALUES ('Other', 'class', 'modules/node/node.module', "
	         "'node', 0);"
	         "CREATE TABLE registry_file (filename VARCHAR(255) PRIMARY KEY, hash "
	         "VARCHAR(64));"
	         "INSERT INTO registry_file VALUES ('sites/old.example.com/modules/mysite/"
	         "mysite.inc', 'abc');"
	         "CREATE TABLE menu_router (path VARCHAR(255) PRIMARY KEY, include_file TEXT);"
	         "INSERT INTO menu_router VALUES ('mysite', 'sites/old.example.com/modules/mysite/"
	         "mysite.pages.inc');",
	         ser_str("sites/old.example.com/files"),
	         ser_str("sites/old.example.com/files/logo.png"), ser_str("public://favicon.ico"),
	         ser_str("sites/old.example.comx/files"));
	sql1(dbp, q);
	put(r, "sites/old.example.com/settings.php",
	    shout("cat '%s/sites/old.example.com/settings.php'; printf '%%s\\n' "
	          "\"\\$conf['file_public_path'] = 'sites/old.example.com/files';\" "
	          "\"\\$base_url = 'http://old.example.com/drupal';\" "
	          "\"\\$other = \\\"sites/old.example.com/x\\\";\" "
	          "\"\\$keep = 'see sites/old.example.com';\"",
	          r));
	sh("mv '%s/sites/old.example.com' '%s/sites/new.example.com'", r, r);
	db = open_db(dbp);
	s = site_of("new.example.com", r, "sites/new.example.com", db);
	memset(&m, 0, sizeof m);
	m.struct_size = sizeof m;
	m.old_domain = "old.example.com";
	m.new_domain = "new.example.com";
	m.old_root = m.new_root = r;
	m.old_site_dir = "sites/old.example.com";
	m.new_site_dir = "sites/new.example.com";
	rc = fixup(&s, &m, &log);
	is_int(rc, 0, "d7 fixup: done");
	if (rc != 0)
		diag("%s: %s", h.err.where, h.err.message);
	is_str(sql1(dbp, "SELECT value FROM variable WHERE name = 'file_public_path'"),
	       ser_str("sites/new.example.com/files"),
	       "d7 fixup: file_public_path rewritten with its length recomputed");
	snprintf(q, sizeof q,
	         "a:3:{s:9:\"logo_path\";%ss:11:\"toggle_logo\";i:1;"
	         "s:12:\"favicon_path\";%s}",
	         ser_str("sites/new.example.com/files/logo.png"), ser_str("public://favicon.ico"));
	is_str(sql1(dbp, "SELECT value FROM variable WHERE name = 'theme_bartik_settings'"), q,
	       "d7 fixup: a path inside a serialized array, lengths valid, the rest unchanged");
	is_str(sql1(dbp, "SELECT value FROM variable WHERE name = 'near_miss'"),
	       ser_str("sites/old.example.comx/files"),
	       "d7 fixup: a directory that only starts like the old one is left alone");
	is_str(sql1(dbp, "SELECT filename FROM system WHERE name = 'mysite'"),
	       "sites/new.example.com/modules/mysite/mysite.module",
	       "d7 fixup: {system}.filename of the site's module");
	is_str(sql1(dbp, "SELECT count(*) FROM system WHERE filename LIKE 'sites/old%'"), "0",
	       "d7 fixup: no {system} row names the old directory");
	is_str(sql1(dbp, "SELECT filename FROM registry WHERE name = 'MySiteThing'"),
	       "sites/new.example.com/modules/mysite/mysite.inc", "d7 fixup: {registry}");
	is_str(sql1(dbp, "SELECT filename FROM registry WHERE name = 'Other'"),
	       "modules/node/node.module", "d7 fixup: other registry rows untouched");
	is_str(sql1(dbp, "SELECT filename FROM registry_file"),
	       "sites/new.example.com/modules/mysite/mysite.inc", "d7 fixup: {registry_file}");
	is_str(sql1(dbp, "SELECT include_file FROM menu_router"),
	       "sites/new.example.com/modules/mysite/mysite.pages.inc",
	       "d7 fixup: {menu_router}.include_file");
	is_str(sql1(dbp, "SELECT count(*) FROM cache_bootstrap"), "0",
	       "d7 fixup: cache_bootstrap, which caches what changed, is emptied");
	snprintf(path, sizeof path, "%s/sites/new.example.com/settings.php", r);
	set1 = slurp(path, NULL);
	like(set1, "$conf['file_public_path'] = 'sites/new.example.com/files';",
	     "d7 fixup: $conf['file_public_path'] in settings.php");
	like(set1, "$base_url = 'http://new.example.com/drupal';", "d7 fixup: $base_url");
	like(set1, "$other = \"sites/new.example.com/x\";", "d7 fixup: double-quoted literals too");
	like(set1, "$keep = 'see sites/old.example.com';",
	     "d7 fixup: text that only mentions the old path is left alone");
	like(set1, "$drupal_hash_salt = '", "d7 fixup: the rest of settings.php is kept");
	/* Again: nothing changes. */
	dump1 = strdup(shout("sqlite3 '%s' .dump | md5sum", dbp));
	rc = fixup(&s, &m, &log);
	is_int(rc, 0, "d7 fixup again: done");
	dump2 = strdup(shout("sqlite3 '%s' .dump | md5sum", dbp));
	is_str(dump2, dump1, "d7 fixup again: the database is unchanged");
	set2 = slurp(path, NULL);
	is_str(set2, set1, "d7 fixup again: settings.php is unchanged");
	free(dump1);
	free(dump2);
	free(set1);
	free(set2);
	db_close(db);

	/* Drupal 10 moved to another platform directory and renamed. */
	snprintf(dbp, sizeof dbp, "%s/fx10.sqlite", tmp);
	r = fixture("fx10", "drupal10", "old.example.org", "old.example.org", dbp, NULL);
	snprintf(oldroot, sizeof oldroot, "%s", r);
	snprintf(q, sizeof q,
	         "INSERT INTO config VALUES ('', 'locale.settings', 'a:1:{s:11:\"translation\";"
	         "a:2:{s:4:\"path\";%ss:10:\"use_source\";s:16:\"remote_and_local\";}}');"
	         "INSERT INTO config VALUES ('', 'system.file', 'a:1:{s:4:\"path\";a:1:{s:9:"
	         "\"temporary\";%s}}');"
	         "INSERT INTO key_value VALUES ('state', 'system.theme.files', 'a:1:{s:4:\"mine\";"
	         "%s}');"
	         "INSERT INTO key_value VALUES ('state', 'opaque', 'O:8:\"stdClass\":1:{s:1:\"p\";"
	         "%s}');"
	         "INSERT INTO cache_config (cid, data, expire, created, serialized, tags, "
	         "checksum) VALUES ('locale.settings', 'x', -1, 0, 1, '', '0');",
	         ser_str("sites/old.example.org/files/translations"),
	         ser_str(shout("printf '%%s' '%s/sites/old.example.org/tmp'", r)),
	         ser_str("sites/old.example.org/themes/mine/mine.info.yml"),
	         ser_str("sites/old.example.org/files/x"));
	sql1(dbp, q);
	put(r, "sites/old.example.org/settings.php",
	    shout("cat '%s/sites/old.example.org/settings.php'; printf '%%s\\n' "
	          "\"\\$settings['trusted_host_patterns'] = ['^old\\\\.example\\\\.org\\$', "
	          "'^www\\\\.old\\\\.example\\\\.org\\$', '^notold\\\\.example\\\\.org\\$'];\" "
	          "\"\\$settings['file_private_path'] = '%s/private';\"",
	          r, r));
	snprintf(path, sizeof path, "%s/fx10-moved", tmp);
	sh("rm -rf '%s' && mv '%s' '%s' && mv '%s/sites/old.example.org' "
	   "'%s/sites/new.example.org'",
	   path, r, path, path, path);
	db = open_db(dbp);
	s = site_of("new.example.org", path, "sites/new.example.org", db);
	memset(&m, 0, sizeof m);
	m.struct_size = sizeof m;
	m.old_domain = "old.example.org";
	m.new_domain = "new.example.org";
	m.old_root = oldroot;
	m.new_root = path;
	m.old_site_dir = "sites/old.example.org";
	m.new_site_dir = "sites/new.example.org";
	rc = fixup(&s, &m, &log);
	is_int(rc, 0, "d10 fixup: done");
	if (rc != 0)
		diag("%s: %s", h.err.where, h.err.message);
	snprintf(q, sizeof q,
	         "a:1:{s:11:\"translation\";a:2:{s:4:\"path\";%ss:10:\"use_source\";"
	         "s:16:\"remote_and_local\";}}",
	         ser_str("sites/new.example.org/files/translations"));
	is_str(sql1(dbp, "SELECT data FROM config WHERE name = 'locale.settings'"), q,
	       "d10 fixup: config locale.settings translation.path");
	snprintf(q, sizeof q, "%s/sites/new.example.org/tmp", path);
	{
		char want[4400];

		snprintf(want, sizeof want, "a:1:{s:4:\"path\";a:1:{s:9:\"temporary\";%s}}",
		         ser_str(q));
		is_str(sql1(dbp, "SELECT data FROM config WHERE name = 'system.file'"), want,
		       "d10 fixup: an absolute path into the old platform names the new one");
	}
	snprintf(q, sizeof q, "a:1:{s:4:\"mine\";%s}",
	         ser_str("sites/new.example.org/themes/mine/mine.info.yml"));
	is_str(sql1(dbp, "SELECT value FROM key_value WHERE name = 'system.theme.files'"), q,
	       "d10 fixup: key_value state");
	snprintf(q, sizeof q, "O:8:\"stdClass\":1:{s:1:\"p\";%s}",
	         ser_str("sites/new.example.org/files/x"));
	is_str(sql1(dbp, "SELECT value FROM key_value WHERE name = 'opaque'"), q,
	       "d10 fixup: public properties of an object too");
	is_str(sql1(dbp, "SELECT count(*) FROM cache_config"), "0",
	       "d10 fixup: the cached config is dropped");
	{
		char sp[4400], want[8192];

		snprintf(sp, sizeof sp, "%s/sites/new.example.org/settings.php", path);
		set1 = slurp(sp, NULL);
		like(set1,
		     "'^new\\.example\\.org$', '^www\\.new\\.example\\.org$', "
		     "'^notold\\.example\\.org$'",
		     "d10 fixup: trusted_host_patterns follow the domain, exact matches only");
		like(set1, "'config_sync_directory'] = 'sites/new.example.org/files/config_",
		     "d10 fixup: the config sync directory");
		snprintf(want, sizeof want, "$settings['file_private_path'] = '%s/private';", path);
		like(set1, want, "d10 fixup: an absolute path into the old platform");
		rc = fixup(&s, &m, &log);
		set2 = slurp(sp, NULL);
		is_int(rc, 0, "d10 fixup again: done");
		is_str(set2, set1, "d10 fixup again: settings.php unchanged");
		free(set1);
		free(set2);
	}
	db_close(db);
}

/* ---- health ----------------------------------------------------------------------------- */

struct checkv {
	char name[16][32], msg[16][512];
	int32_t status[16];
	int n;
};

static int collect_check(void *arg, const struct drover_check *c)
{
	struct checkv *v = arg;

	if (v->n >= 16)
		return -1;
	snprintf(v->name[v->n], sizeof v->name[0], "%s", c->name);
	snprintf(v->msg[v->n], sizeof v->msg[0], "%s", c->message);
	v->status[v->n++] = c->status;
	return 0;
}

static int health(const struct drover_site *s, struct checkv *v)
{
	memset(v, 0, sizeof *v);
	return harness_ops(&h)->health(harness_ctx(&h), s, collect_check, v);
}

static long check_status(const struct checkv *v, const char *name)
{
	for (int i = 0; i < v->n; i++)
		if (strcmp(v->name[i], name) == 0)
			return v->status[i];
	return -1;
}

static void test_health(void)
{
	char dbp[4200];
	const char *r;
	struct drover_site s;
	struct drover_db *db;
	struct checkv v;
	int32_t st;
	int rc;

	snprintf(dbp, sizeof dbp, "%s/h7.sqlite", tmp);
	r = fixture("h7", "drupal7", "example.com", "default", dbp, NULL);
	db = open_db(dbp);
	s = site_of("example.com", r, "sites/default", db);
	rc = health(&s, &v);
	is_int(rc, 0, "d7 health: checked");
	is_int(check_status(&v, "settings"), DROVER_CHECK_OK, "d7 health: settings");
	is_int(check_status(&v, "hash_salt"), DROVER_CHECK_OK, "d7 health: hash salt");
	is_int(check_status(&v, "database"), DROVER_CHECK_OK, "d7 health: database");
	is_int(check_status(&v, "maintenance"), DROVER_CHECK_OK, "d7 health: online");
	is_int(check_status(&v, "files"), DROVER_CHECK_OK, "d7 health: files writable");
	is_int(check_status(&v, "private_files"), -1, "d7 health: no private files configured");
	(void)maint(&s, DROVER_MAINT_ON, &st);
	sh("rm -rf '%s/sites/default/files'", r);
	rc = health(&s, &v);
	is_int(check_status(&v, "maintenance"), DROVER_CHECK_WARNING,
	       "d7 health: maintenance mode is a warning");
	is_int(check_status(&v, "files"), DROVER_CHECK_FAILED, "d7 health: a missing files dir");
	sql1(dbp, "DROP TABLE variable");
	rc = health(&s, &v);
	is_int(rc, 0, "d7 health with a broken database: still a report");
	is_int(check_status(&v, "database"), DROVER_CHECK_FAILED,
	       "d7 health: a missing {variable} fails the database check");
	is_int(h.err.code, 0, "d7 health: a failed check records no error for the call");
	db_close(db);

	snprintf(dbp, sizeof dbp, "%s/h10.sqlite", tmp);
	r = fixture("h10", "drupal10", "www.example.org", "default", dbp, NULL);
	put(r, "sites/default/settings.php",
	    shout("cat '%s/sites/default/settings.php'; printf '%%s\\n' "
	          "\"\\$settings['hash_salt'] = '';\"",
	          r));
	s = site_of("www.example.org", r, "sites/default", NULL);
	rc = health(&s, &v);
	is_int(rc, 0, "d10 health: checked");
	is_int(check_status(&v, "hash_salt"), DROVER_CHECK_FAILED,
	       "d10 health: an empty $settings['hash_salt'] fails");
	is_int(check_status(&v, "database"), DROVER_CHECK_WARNING,
	       "d10 health: no database attached is a warning");
	is_int(check_status(&v, "maintenance"), -1, "d10 health: maintenance needs the database");
	is_int(check_status(&v, "files"), DROVER_CHECK_OK, "d10 health: files");
}

int main(void)
{
	char cmd[4300];

	tmp = tap_tmpdir();
	snprintf(cap_path, sizeof cap_path, "%s/stderr.txt", tmp);
	harness_load(&h, "drupal");
	ok((h.ad->desc->caps &
	    (DROVER_CAP_PACKAGES | DROVER_CAP_SETTINGS_READ | DROVER_CAP_SITE_SCHEMA)) ==
	       (DROVER_CAP_PACKAGES | DROVER_CAP_SETTINGS_READ | DROVER_CAP_SITE_SCHEMA),
	   "drupal sets the packages, settings_read and site_schema caps");
	test_d7_packages();
	test_d10_packages();
	test_d10_composer();
	test_not_drupal();
	test_settings();
	test_schema_d7();
	test_schema_d8();
	test_caps();
	test_site_paths();
	test_cache_tables();
	test_settings_write();
	test_maintenance();
	test_cache_clear();
	test_update();
	test_d7_runner();
	test_fixup();
	test_health();
	if (cfg_loaded)
		cfg_free(&h.cfg);
	harness_free(&h);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		diag("could not remove %s", tmp);
	return done_testing();
}

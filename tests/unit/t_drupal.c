/*
 * t_drupal.c: the Drupal adapter's packages, settings_read and site_schema ops.
 *
 * No Drupal codebase can live in this repository, so the platforms here are hand-made test
 * doubles: small trees holding only the files the adapter reads (bootstrap.inc / Drupal.php,
 * .info / .info.yml, .install, .post_update.php, settings.php, installed.json), each written in
 * Drupal's own format. The site databases are SQLite doubles of Drupal's tables with Drupal's
 * column names and types ({system} for 7; {key_value} and {config} for 8+) holding values in
 * the formats Drupal writes (PHP-serialized integers, arrays and strings).
 */
#include <fcntl.h>
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
		struct drover_site site = {sizeof site, 0, "x", r, "sites/pfx", NULL, NULL};
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
	harness_free(&h);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		diag("could not remove %s", tmp);
	return done_testing();
}

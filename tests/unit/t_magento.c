/*
 * t_magento.c: the Magento adapter's ops, called as the core calls them (adapter_harness.h).
 *
 * No Magento codebase can live in this repository, so every platform here is a hand-made test
 * double: a tree holding only the files the adapter reads (module declarations in
 * app/etc/modules, config.xml, module.xml, registration.php, installed.json, config.php,
 * local.xml, env.php),
 * written in Magento's own formats. Site databases are SQLite files holding test doubles of the
 * real tables with their real column names (core_resource, setup_module, patch_list). Warnings
 * the adapter logs go to stderr; the tests capture them to check that malformed files are
 * reported with their file and line and then skipped.
 *
 * The ops that change a site (settings_write, maintenance, cache_clear, update_run, fixup) and
 * health also run on trees and SQLite site databases made by tests/fixtures/gen/drover-fixture
 * (Magento 1.9, OpenMage 20 and Magento 2.4 test doubles). PHP is not needed: update_run is
 * tested with update_command set to a small updater this program writes into its temporary
 * directory, and the built-in updaters with a stand-in for the php binary that records how it
 * was called.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapter_harness.h"

/* --- collecting what the ops stream ---------------------------------------------------------- */

#define MAX_ITEMS 32

struct pkg {
	char name[128], type[32], version[64], schema[64], path[256], updates[1024];
	uint32_t flags;
	int site_null;
};

struct pkgs {
	struct pkg v[MAX_ITEMS];
	size_t n;
	int calls, stop_after;
};

static void join(char *buf, size_t size, const char *const *v, uint32_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < n && used < size; i++) {
		int w = snprintf(buf + used, size - used, "%s%s", i ? "," : "", v[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static int collect_pkg(void *arg, const struct drover_package *p)
{
	struct pkgs *ps = arg;

	ps->calls++;
	if (ps->n < MAX_ITEMS) {
		struct pkg *o = &ps->v[ps->n++];

		snprintf(o->name, sizeof o->name, "%s", p->name);
		snprintf(o->type, sizeof o->type, "%s", p->type);
		snprintf(o->version, sizeof o->version, "%s", p->version);
		snprintf(o->schema, sizeof o->schema, "%s", p->schema);
		snprintf(o->path, sizeof o->path, "%s", p->path);
		join(o->updates, sizeof o->updates, p->updates, p->n_updates);
		o->flags = p->flags;
		o->site_null = p->site == NULL;
	}
	return ps->stop_after && ps->calls >= ps->stop_after ? 42 : 0;
}

static const struct pkg *find_pkg(const struct pkgs *ps, const char *name)
{
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].name, name) == 0)
			return &ps->v[i];
	return NULL;
}

static void check_pkg(const struct pkgs *ps, const char *name, uint32_t flags, const char *version,
                      const char *schema, const char *path, const char *updates)
{
	const struct pkg *p = find_pkg(ps, name);

	if (!ok(p != NULL, "%s is reported", name))
		return;
	is_int(p->flags, flags, "%s: flags", name);
	is_str(p->type, "module", "%s: type", name);
	is_str(p->version, version, "%s: version", name);
	is_str(p->schema, schema, "%s: schema", name);
	is_str(p->path, path, "%s: path", name);
	is_str(p->updates, updates, "%s: updates", name);
	ok(p->site_null, "%s: not site-specific", name);
}

struct row {
	char name[128], type[32], schema[64], updates[1024];
	int status;
};

struct rows {
	struct row v[MAX_ITEMS];
	size_t n;
	int calls, stop_after;
};

static int collect_row(void *arg, const struct drover_schema_row *r)
{
	struct rows *rs = arg;

	rs->calls++;
	if (rs->n < MAX_ITEMS) {
		struct row *o = &rs->v[rs->n++];

		snprintf(o->name, sizeof o->name, "%s", r->name);
		snprintf(o->type, sizeof o->type, "%s", r->type);
		snprintf(o->schema, sizeof o->schema, "%s", r->schema);
		join(o->updates, sizeof o->updates, r->updates, r->n_updates);
		o->status = r->status;
	}
	return rs->stop_after && rs->calls >= rs->stop_after ? 7 : 0;
}

static void check_row(const struct rows *rs, size_t i, const char *name, const char *type,
                      int status, const char *schema, const char *updates)
{
	if (!ok(i < rs->n, "row %zu (%s) is there", i, name))
		return;
	is_str(rs->v[i].name, name, "row %zu: name", i);
	is_str(rs->v[i].type, type, "row %zu (%s): type", i, name);
	is_int(rs->v[i].status, status, "row %zu (%s): status", i, name);
	is_str(rs->v[i].schema, schema, "row %zu (%s): schema", i, name);
	is_str(rs->v[i].updates, updates, "row %zu (%s): updates", i, name);
}

/* --- capturing warnings (the host logs to stderr) ------------------------------------------- */

static FILE *cap_file;
static int cap_saved = -1;
static char cap_text[16384];

static void capture_start(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	cap_saved = dup(2);
	if (!cap_file || cap_saved < 0 || dup2(fileno(cap_file), 2) < 0) {
		printf("Bail out! cannot capture stderr\n");
		exit(99);
	}
}

static const char *capture_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(cap_saved, 2);
	close(cap_saved);
	rewind(cap_file);
	n = fread(cap_text, 1, sizeof cap_text - 1, cap_file);
	cap_text[n] = '\0';
	fclose(cap_file);
	return cap_text;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* --- trees ----------------------------------------------------------------------------------- */

static char base[4096];

static const char *tree(const char *name)
{
	static char root[8][4096];
	static int next;
	char *r = root[next++ % 8];

	if (path_join(r, 4096, base, name) != 0 || path_mkdirs(r, 0755) != 0)
		exit(99);
	return r;
}

#define put harness_write

#define XML_HEAD "<?xml version=\"1.0\"?>\n"

/* A module declaration file: body goes inside <modules>. */
#define DECL(body)                                                                           \
	XML_HEAD                                                                             \
	"<!--\n/**\n * Magento\n * @category Mage\n */\n-->\n<config>\n    <modules>\n" body \
	"    </modules>\n</config>\n"
#define MOD(name, active, pool)                                                                    \
	"        <" name ">\n            <active>" active "</active>\n            <codePool>" pool \
	"</codePool>\n        </" name ">\n"

/* A module's etc/config.xml: a version and setup resources (body inside <resources>). */
#define CONFIG_XML(name, version, resources)                                                 \
	XML_HEAD                                                                             \
	"<config>\n    <modules>\n        <" name ">\n            <version>" version         \
	"</version>\n        </" name ">\n    </modules>\n    <global>\n        <models/>\n" \
	"        <resources>\n" resources "        </resources>\n    </global>\n</config>\n"
#define SETUP(res, module)                                                                    \
	"            <" res ">\n                <setup>\n                    <module>" module \
	"</module>\n                    <class>Mage_Core_Model_Resource_Setup</class>\n"      \
	"                </setup>\n            </" res ">\n"
#define READ_RES(res)                                                                    \
	"            <" res ">\n                <connection>\n                    <use>" \
	"core_read</use>\n                </connection>\n            </" res ">\n"

#define MAGE_PHP_STOCK                                                                            \
	"<?php\nfinal class Mage\n{\n    public static function getVersionInfo()\n    {\n"        \
	"        return array(\n            'major' => '1', 'minor' => '9', 'revision' => '4',\n" \
	"            'patch' => '5', 'stability' => '', 'number' => '',\n        );\n    }\n}\n"

/* Magento 1.9's Mage_Core_Model_Config, reduced to what matters here: no MAGE_MODULES. */
#define CORE_CONFIG_STOCK                                                                    \
	"<?php\nclass Mage_Core_Model_Config extends Mage_Core_Model_Config_Base\n{\n"       \
	"    protected function _getDeclaredModuleFiles()\n    {\n"                          \
	"        // Mage_All.xml, then Mage_*.xml, then the rest\n        return array();\n" \
	"    }\n}\n"

/* The stock Magento 1.9 layout: declarations in load-order traps, several per file. */
static void make_m1(const char *root)
{
	put(root, "app/Mage.php", MAGE_PHP_STOCK);
	put(root, "app/code/core/Mage/Core/Model/Config.php", CORE_CONFIG_STOCK);
	put(root, "app/etc/modules/Mage_All.xml",
	    DECL(MOD("Mage_Core", "true", "core") MOD("Mage_Eav", "true", "core")
	             MOD("Mage_Catalog", "true", "core") MOD("Mage_Paypal", "false", "core")));
	/* Sorts before Mage_All.xml but loads after it: Mage_Paypal ends up active. */
	put(root, "app/etc/modules/Mage_Aaa.xml",
	    DECL("        <Mage_Paypal>\n            <active>true</active>\n"
	         "        </Mage_Paypal>\n"));
	put(root, "app/etc/modules/Mage_Api.xml", DECL(MOD("Mage_Api", "true", "core")));
	/* Sorts first, loads after every Mage_* file: Mage_Eav ends up inactive. */
	put(root, "app/etc/modules/Aaa_Disable.xml",
	    DECL("        <Mage_Eav>\n            <active>false</active>\n        </Mage_Eav>\n"));
	put(root, "app/etc/modules/Acme_Widget.xml",
	    DECL(MOD("Acme_Widget", "true", "community") MOD("Acme_Old", "false", "local")
	             MOD("Acme_Broken", "true", "community") MOD("Acme_Local", "true", "local")
	                 MOD("Acme_Gone", "false", "community")
	                     MOD("Acme_Missing", "true", "community")));
	put(root, "app/etc/modules/Bad_Decl.xml",
	    XML_HEAD "<config>\n    <modules>\n        <Bad_Decl>\n"
	             "            <active>true</active>\n    </modules>\n</config>\n");
	put(root, "app/etc/modules/Zz_Override.xml",
	    DECL("        <Mage_Api>\n            <active>false</active>\n        </Mage_Api>\n"));
	put(root, "app/etc/modules/README.txt", "not a declaration\n");
	put(root, "app/etc/modules/.Hidden.xml", DECL(MOD("Hidden_Module", "true", "local")));

	put(root, "app/code/core/Mage/Core/etc/config.xml",
	    CONFIG_XML("Mage_Core", "1.6.0.2",
	               SETUP("core_setup", "Mage_Core") READ_RES("core_read")));
	put(root, "app/code/core/Mage/Eav/etc/config.xml",
	    CONFIG_XML("Mage_Eav", "1.6.0.1", SETUP("eav_setup", "Mage_Eav")));
	put(root, "app/code/core/Mage/Catalog/etc/config.xml",
	    CONFIG_XML("Mage_Catalog", "1.6.0.0.19.1.6",
	               SETUP("catalog_setup", "Mage_Catalog") READ_RES("catalog_read")
	                   SETUP("catalog_extra_setup", "Mage_Catalog")));
	put(root, "app/code/core/Mage/Paypal/etc/config.xml",
	    CONFIG_XML("Mage_Paypal", "1.6.0.6", SETUP("paypal_setup", "Mage_Paypal")));
	put(root, "app/code/core/Mage/Api/etc/config.xml",
	    CONFIG_XML("Mage_Api", "1.6.0.1", SETUP("api_setup", "Mage_Api")));
	/* CDATA, a comment, and a resource of another module that must not be claimed. */
	put(root, "app/code/community/Acme/Widget/etc/config.xml",
	    XML_HEAD
	    "<config>\n  <modules>\n    <Acme_Widget>\n      <!-- bumped -->\n"
	    "      <version><![CDATA[0.2.1]]></version>\n    </Acme_Widget>\n"
	    "  </modules>\n  <global>\n    <resources>\n" SETUP("acme_widget_setup", "Acme_Widget")
	        SETUP("other_setup", "Acme_Other") "    </resources>\n  </global>\n</config>\n");
	put(root, "app/code/local/Acme/Old/etc/config.xml",
	    CONFIG_XML("Acme_Old", "1.0.0", SETUP("acme_old_setup", "Acme_Old")));
	put(root, "app/code/community/Acme/Broken/etc/config.xml",
	    XML_HEAD "<config>\n  <modules>\n    <Acme_Broken>\n      <version>1.0</versoin>\n"
	             "    </Acme_Broken>\n  </modules>\n</config>\n");
	put(root, "app/code/local/Acme/Local/etc/config.xml",
	    CONFIG_XML("Acme_Local", "3.0.0", ""));
	/* As the installer writes it: every value in CDATA. */
	put(root, "app/etc/local.xml",
	    XML_HEAD "<config>\n    <global>\n        <install>\n"
	             "            <date><![CDATA[Thu, 01 Feb 2024 10:00:00 +0000]]></date>\n"
	             "        </install>\n        <crypt>\n"
	             "            <key><![CDATA[0123456789abcdef]]></key>\n        </crypt>\n"
	             "        <disable_local_modules>true</disable_local_modules>\n"
	             "        <resources>\n            <db>\n"
	             "                <table_prefix><![CDATA[mg_]]></table_prefix>\n"
	             "            </db>\n            <default_setup>\n"
	             "                <connection>\n"
	             "                    <host><![CDATA[localhost]]></host>\n"
	             "                    <username><![CDATA[mage]]></username>\n"
	             "                    <password><![CDATA[p&ss<w>rd]]></password>\n"
	             "                    <dbname><![CDATA[magento1]]></dbname>\n"
	             "                    <initStatements><![CDATA[SET NAMES utf8]]>"
	             "</initStatements>\n"
	             "                    <model><![CDATA[mysql4]]></model>\n"
	             "                    <type><![CDATA[pdo_mysql]]></type>\n"
	             "                    <pdoType><![CDATA[]]></pdoType>\n"
	             "                    <active>1</active>\n"
	             "                </connection>\n            </default_setup>\n"
	             "        </resources>\n"
	             "        <session_save><![CDATA[files]]></session_save>\n"
	             "    </global>\n</config>\n");
}

/* OpenMage 20.x after Mage_All.xml was split: MAGE_MODULES gives the first files' order. */
static void make_openmage(const char *root)
{
	put(root, "app/Mage.php",
	    "<?php\nfinal class Mage\n{\n"
	    "    public static function getOpenMageVersionInfo(): array\n    {\n"
	    "        return ['major' => '20', 'minor' => '10', 'patch' => '2', 'stability' => '',\n"
	    "                'number' => ''];\n    }\n}\n");
	put(root, "app/code/core/Mage/Core/Model/Config.php",
	    "<?php\n/**\n * @package Mage_Core\n */\n"
	    "class Mage_Core_Model_Config extends Mage_Core_Model_Config_Base\n{\n"
	    "    public const MAGE_MODULES = [\n"
	    "        'Mage_Core' => 0,\n        'Mage_Page' => 1, # listed before Mage_Eav\n"
	    "        'Mage_Eav' => 2,\n    ];\n\n"
	    "    protected function _getDeclaredModuleFiles()\n    {\n"
	    "        foreach ($moduleFiles as $moduleFile) {\n"
	    "            if (array_key_exists($name, self::MAGE_MODULES)) {\n"
	    "                $collect['mage'][self::MAGE_MODULES[$name]] = $moduleFile;\n"
	    "            }\n        }\n    }\n}\n");
	put(root, "app/etc/modules/Mage_Core.xml", DECL(MOD("Mage_Core", "true", "core")));
	put(root, "app/etc/modules/Mage_Page.xml", DECL(MOD("Mage_Page", "true", "core")));
	/* Loads after Mage_Page.xml (MAGE_MODULES order), though it sorts before it. */
	put(root, "app/etc/modules/Mage_Eav.xml",
	    DECL(MOD("Mage_Eav", "true", "core") "        <Mage_Page>\n"
	                                         "            <active>false</active>\n"
	                                         "        </Mage_Page>\n"));
	/* Emptied by OpenMage, edited here: now loads after the listed files. */
	put(root, "app/etc/modules/Mage_All.xml",
	    DECL("        <Mage_Eav>\n            <active>false</active>\n        </Mage_Eav>\n"));
	put(root, "app/etc/modules/Mage_Csp.xml", DECL(MOD("Mage_Csp", "true", "core")));
	put(root, "app/code/core/Mage/Core/etc/config.xml",
	    CONFIG_XML("Mage_Core", "1.6.0.12", SETUP("core_setup", "Mage_Core")));
	put(root, "app/code/core/Mage/Page/etc/config.xml", CONFIG_XML("Mage_Page", "1.6.0.0", ""));
	put(root, "app/code/core/Mage/Eav/etc/config.xml",
	    CONFIG_XML("Mage_Eav", "1.6.1.3", SETUP("eav_setup", "Mage_Eav")));
	put(root, "app/code/core/Mage/Csp/etc/config.xml", CONFIG_XML("Mage_Csp", "1.0.0", ""));
}

#define PKG_JSON(name, version, files, path)                                                  \
	"        {\n            \"name\": \"" name "\",\n            \"version\": \"" version \
	"\",\n            \"type\": \"magento2-module\",\n"                                   \
	"            \"autoload\": {\"files\": [" files "], \"psr-4\": {}},\n"                \
	"            \"install-path\": \"" path "\"\n        }"
#define MODULE_XML(open)                                                                   \
	XML_HEAD                                                                           \
	"<config xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "                 \
	"xsi:noNamespaceSchemaLocation=\"urn:magento:framework:Module/etc/module.xsd\">\n" \
	"    " open "\n        <sequence>\n            <module name=\"Magento_Store\"/>\n" \
	"        </sequence>\n    </module>\n</config>\n"
#define REG(name)                                                           \
	"<?php\nuse Magento\\Framework\\Component\\ComponentRegistrar;\n\n" \
	"ComponentRegistrar::register(ComponentRegistrar::MODULE, '" name "', __DIR__);\n"
#define PATCH "<?php\nnamespace X;\nclass P {}\n"

/* Composer 2's installed.json: a module in a subdirectory, a broken one, one installed outside
 * the platform, a library, two core modules and a Composer 1 entry without install-path. */
/* clang-format off */
#define M2_INSTALLED_JSON                                                                         \
	"{\n    \"packages\": [\n"                                                                \
	PKG_JSON("acme/module-tools", "1.2.0", "\"src/registration.php\"",                        \
	         "../acme/module-tools") ",\n"                                                    \
	PKG_JSON("broken/module-bad", "0.1.0", "\"registration.php\"",                            \
	         "../broken/module-bad") ",\n"                                                    \
	PKG_JSON("evil/module-escape", "6.6.6", "\"registration.php\"",                           \
	         "../../../../../../etc") ",\n"                                                   \
	PKG_JSON("magento/framework", "103.0.7", "\"registration.php\"",                          \
	         "../magento/framework") ",\n"                                                    \
	PKG_JSON("magento/module-catalog", "104.0.7", "\"functions.php\", \"registration.php\"",  \
	         "../magento/module-catalog") ",\n"                                               \
	PKG_JSON("magento/module-store", "101.2.7", "\"registration.php\"",                       \
	         "../magento/module-store") ",\n"                                                 \
	"        {\"name\": \"old/module-legacy\", \"version\": \"2.0.0\",\n"                     \
	"         \"autoload\": {\"files\": [\"registration.php\"]}}\n"                           \
	"    ],\n    \"dev\": true,\n    \"dev-package-names\": []\n}\n"
/* clang-format on */

/* A Composer-installed Magento 2.4 with modules in vendor/ and app/code. */
static void make_m2(const char *root)
{
	put(root, "bin/magento", "#!/usr/bin/env php\n<?php\n");
	put(root, "app/etc/di.xml", "<config/>\n");
	put(root, "vendor/composer/installed.json", M2_INSTALLED_JSON);
	put(root, "vendor/acme/module-tools/src/registration.php", REG("Acme_Tools"));
	put(root, "vendor/acme/module-tools/src/etc/module.xml",
	    MODULE_XML("<module name=\"Acme_Tools\" setup_version=\"1.0.3\">"));
	put(root, "vendor/acme/module-tools/src/Setup/Patch/Data/Seed.php", PATCH);
	put(root, "vendor/broken/module-bad/registration.php", REG("Broken_Bad"));
	put(root, "vendor/broken/module-bad/etc/module.xml",
	    XML_HEAD "<config>\n    <module name=\"Broken_Bad\" setup_version=\"1.0\">\n"
	             "    <sequence>\n</config>\n");
	put(root, "vendor/magento/framework/registration.php", "<?php\n");
	put(root, "vendor/magento/module-catalog/registration.php", REG("Magento_Catalog"));
	put(root, "vendor/magento/module-catalog/etc/module.xml",
	    MODULE_XML("<module name=\"Magento_Catalog\">"));
	put(root, "vendor/magento/module-catalog/Setup/Patch/Schema/EnableSegmentation.php", PATCH);
	put(root, "vendor/magento/module-catalog/Setup/Patch/Data/UpdateDefaultAttributeValue.php",
	    PATCH);
	put(root, "vendor/magento/module-catalog/Setup/Patch/Data/InstallDefaultCategories.php",
	    PATCH);
	put(root, "vendor/magento/module-catalog/Setup/Patch/Data/README.md", "notes\n");
	put(root, "vendor/magento/module-store/registration.php", REG("Magento_Store"));
	put(root, "vendor/magento/module-store/etc/module.xml",
	    MODULE_XML("<module name='Magento_Store' setup_version='2.1.1'>"));
	put(root, "vendor/magento/module-store/Setup/Patch/Data/CreateDefaultStores.php", PATCH);
	put(root, "vendor/old/module-legacy/registration.php", REG("Old_Legacy"));
	put(root, "vendor/old/module-legacy/etc/module.xml",
	    MODULE_XML("<module name=\"Old_Legacy\" setup_version=\"2.0.0\">"));
	put(root, "app/code/Acme/Local/registration.php", REG("Acme_Local"));
	put(root, "app/code/Acme/Local/etc/module.xml",
	    MODULE_XML("<module name=\"Acme_Local\" setup_version=\"0.0.1\">"));
	put(root, "app/code/Acme/Local/composer.json",
	    "{\"name\": \"acme/module-local\", \"version\": \"0.0.1\", \"type\": "
	    "\"magento2-module\"}\n");
	put(root, "app/code/Acme/NoReg/etc/module.xml",
	    MODULE_XML("<module name=\"Acme_NoReg\" setup_version=\"1.0.0\">"));
	put(root, "app/code/Magento/Store/registration.php", REG("Magento_Store"));
	put(root, "app/code/Magento/Store/etc/module.xml",
	    MODULE_XML("<module name=\"Magento_Store\" setup_version=\"2.1.1\">"));
	put(root, "app/etc/config.php",
	    "<?php\nreturn [\n    'modules' => [\n        'Magento_Store' => 1,\n"
	    "        'Magento_Catalog' => 1,\n        'Acme_Tools' => 0,\n"
	    "        'Acme_Local' => 1,\n    ],\n    'scopes' => [\n        'websites' => [],\n"
	    "    ],\n];\n");
	put(root, "app/etc/env.php",
	    "<?php\nreturn [\n    'backend' => [\n        'frontName' => 'admin_x1'\n    ],\n"
	    "    'db' => [\n        'table_prefix' => '',\n        'connection' => [\n"
	    "            'default' => [\n                'host' => 'localhost',\n"
	    "                'dbname' => 'magento2',\n                'username' => 'magento',\n"
	    "                'password' => 'it\\'s \"secret\"',\n"
	    "                'model' => 'mysql4',\n                'engine' => 'innodb',\n"
	    "                'initStatements' => 'SET NAMES utf8;',\n"
	    "                'active' => '1',\n                'driver_options' => [\n"
	    "                    1014 => false\n                ]\n            ]\n        ]\n"
	    "    ],\n    'crypt' => [\n        'key' => 'abc' // the install key\n    ],\n];\n");
}

/* A Magento 2.2 whose vendor/ was copied by hand: no installed.json, no config.php yet. */
static void make_m2_plain(const char *root)
{
	put(root, "bin/magento", "#!/usr/bin/env php\n<?php\n");
	put(root, "app/etc/di.xml", "<config/>\n");
	put(root, "vendor/acme/module-x/registration.php", REG("Acme_X"));
	put(root, "vendor/acme/module-x/etc/module.xml",
	    MODULE_XML("<module name=\"Acme_X\" setup_version=\"3.1.0\">"));
	put(root, "vendor/acme/module-x/composer.json",
	    "{\"name\": \"acme/module-x\", \"version\": \"3.1.0\"}\n");
	put(root, "app/etc/env.php",
	    "<?php\n/* written by hand */\nreturn array(\n    'db' => array(\n"
	    "        'table_prefix' => 'm2_',\n        'connection' => array(\n"
	    "            'default' => array(\n                'host' => '127.0.0.1:3307',\n"
	    "                'dbname' => \"shop\",\n                'username' => 'shop',\n"
	    "                'password' => \"pa\\$\\$word\\t!\",\n"
	    "                'active' => '1',\n            ),\n        ),\n    ),\n);\n");
}

/* --- the tests ------------------------------------------------------------------------------- */

static struct harness h;

static int packages(const char *root, struct pkgs *ps, const char **log)
{
	int rc;

	memset(ps, 0, sizeof *ps);
	capture_start();
	rc = harness_ops(&h)->packages(harness_ctx(&h), root, collect_pkg, ps);
	*log = capture_end();
	return rc;
}

static void expect_error(const char *what, int rc, int want, const char *where, const char *message)
{
	is_int(rc, want, "%s: %s", what, drover_strerror(want));
	like(h.err.where, where, "%s: the error names %s (%s)", what, where, h.err.where);
	like(h.err.message, message, "%s: message: %s", what, h.err.message);
}

static void test_caps(void)
{
	uint64_t caps = h.ad->desc->caps;

	ok(caps == (DROVER_CAP_KNOWN_V1_0 & ~DROVER_CAP_MULTISITE), "caps: every op of ABI 1.0");
	ok(!(caps & DROVER_CAP_MULTISITE), "a Magento platform hosts one site: no multisite cap");
}

static void test_m1_packages(void)
{
	const char *root = tree("m1"), *log;
	struct pkgs ps;
	int rc;

	make_m1(root);
	rc = packages(root, &ps, &log);
	is_int(rc, 0, "m1: packages succeeds despite malformed files");
	is_int(ps.n, 10, "m1: ten modules reported");
	check_pkg(&ps, "Mage_Core", DROVER_PKG_CORE, "1.6.0.2", "1.6.0.2",
	          "app/code/core/Mage/Core", "core_setup");
	check_pkg(&ps, "Mage_Eav", DROVER_PKG_CORE | DROVER_PKG_DISABLED, "1.6.0.1", "1.6.0.1",
	          "app/code/core/Mage/Eav", "eav_setup");
	check_pkg(&ps, "Mage_Catalog", DROVER_PKG_CORE, "1.6.0.0.19.1.6", "1.6.0.0.19.1.6",
	          "app/code/core/Mage/Catalog", "catalog_setup,catalog_extra_setup");
	check_pkg(&ps, "Mage_Paypal", DROVER_PKG_CORE, "1.6.0.6", "1.6.0.6",
	          "app/code/core/Mage/Paypal", "paypal_setup");
	check_pkg(&ps, "Mage_Api", DROVER_PKG_CORE | DROVER_PKG_DISABLED, "1.6.0.1", "1.6.0.1",
	          "app/code/core/Mage/Api", "api_setup");
	check_pkg(&ps, "Acme_Widget", 0, "0.2.1", "0.2.1", "app/code/community/Acme/Widget",
	          "acme_widget_setup");
	check_pkg(&ps, "Acme_Old", DROVER_PKG_DISABLED, "1.0.0", "1.0.0", "app/code/local/Acme/Old",
	          "acme_old_setup");
	check_pkg(&ps, "Acme_Local", DROVER_PKG_DISABLED, "3.0.0", "3.0.0",
	          "app/code/local/Acme/Local", "");
	/* Declared, switched off, code removed: normal, and reported as it is. */
	check_pkg(&ps, "Acme_Gone", DROVER_PKG_DISABLED, "", "", "app/code/community/Acme/Gone",
	          "");
	/* Declared active without code: Magento runs without it; reported and warned about. */
	check_pkg(&ps, "Acme_Missing", 0, "", "", "app/code/community/Acme/Missing", "");
	ok(ps.n > 0 && strcmp(ps.v[0].name, "Mage_Core") == 0 &&
	       strcmp(ps.v[ps.n - 1].name, "Acme_Missing") == 0,
	   "m1: modules come in declaration load order");
	ok(find_pkg(&ps, "Acme_Broken") == NULL, "m1: module with malformed config.xml skipped");
	ok(find_pkg(&ps, "Bad_Decl") == NULL, "m1: modules of a malformed declaration skipped");
	ok(find_pkg(&ps, "Hidden_Module") == NULL, "m1: hidden files are not declarations");
	is_int(count(log, "warning:"), 3, "m1: three warnings");
	like(log,
	     "app/etc/modules/Acme_Widget.xml:30: module Acme_Missing is active but "
	     "app/code/community/Acme/Missing/etc/config.xml is missing",
	     "m1: an active module without code is warned about");
	like(log, "app/code/community/Acme/Broken/etc/config.xml:5: ",
	     "m1: warning names config.xml and its line");
	like(log, "app/etc/modules/Bad_Decl.xml:6: ", "m1: warning names the declaration file");
	like(log, "</modules> closes <Bad_Decl>", "m1: warning says what is wrong");

	memset(&ps, 0, sizeof ps);
	ps.stop_after = 3;
	capture_start();
	rc = harness_ops(&h)->packages(harness_ctx(&h), root, collect_pkg, &ps);
	(void)capture_end();
	is_int(rc, 42, "m1: a callback's non-zero result stops and is returned");
	is_int(ps.calls, 3, "m1: no call after the stop");
}

static void test_openmage_packages(void)
{
	const char *root = tree("openmage"), *log;
	struct drover_probe pr = {.struct_size = sizeof pr};
	struct pkgs ps;
	int rc;

	make_openmage(root);
	rc = harness_ops(&h)->probe(harness_ctx(&h), root, &pr);
	ok(rc == 0 && strcmp(pr.distribution, "openmage") == 0, "openmage: probed as OpenMage");
	rc = packages(root, &ps, &log);
	is_int(rc, 0, "openmage: packages succeeds");
	is_int(ps.n, 4, "openmage: four modules");
	check_pkg(&ps, "Mage_Core", DROVER_PKG_CORE, "1.6.0.12", "1.6.0.12",
	          "app/code/core/Mage/Core", "core_setup");
	/* MAGE_MODULES order: Mage_Eav.xml after Mage_Page.xml switches Mage_Page off. */
	check_pkg(&ps, "Mage_Page", DROVER_PKG_CORE | DROVER_PKG_DISABLED, "1.6.0.0", "1.6.0.0",
	          "app/code/core/Mage/Page", "");
	/* Mage_All.xml is no longer first: its override wins. */
	check_pkg(&ps, "Mage_Eav", DROVER_PKG_CORE | DROVER_PKG_DISABLED, "1.6.1.3", "1.6.1.3",
	          "app/code/core/Mage/Eav", "eav_setup");
	check_pkg(&ps, "Mage_Csp", DROVER_PKG_CORE, "1.0.0", "1.0.0", "app/code/core/Mage/Csp", "");
	is_int(count(log, "warning:"), 0, "openmage: no warnings");
}

static void test_m2_packages(void)
{
	const char *root = tree("m2"), *log;
	struct pkgs ps;
	int rc;

	make_m2(root);
	rc = packages(root, &ps, &log);
	is_int(rc, 0, "m2: packages succeeds despite a malformed module.xml");
	is_int(ps.n, 5, "m2: five modules");
	check_pkg(&ps, "Acme_Tools", DROVER_PKG_DISABLED, "1.2.0", "1.0.3",
	          "vendor/acme/module-tools/src", "Acme\\Tools\\Setup\\Patch\\Data\\Seed");
	check_pkg(&ps, "Magento_Catalog", DROVER_PKG_CORE, "104.0.7", "",
	          "vendor/magento/module-catalog",
	          "Magento\\Catalog\\Setup\\Patch\\Schema\\EnableSegmentation,"
	          "Magento\\Catalog\\Setup\\Patch\\Data\\InstallDefaultCategories,"
	          "Magento\\Catalog\\Setup\\Patch\\Data\\UpdateDefaultAttributeValue");
	check_pkg(&ps, "Magento_Store", DROVER_PKG_CORE, "101.2.7", "2.1.1",
	          "vendor/magento/module-store",
	          "Magento\\Store\\Setup\\Patch\\Data\\CreateDefaultStores");
	check_pkg(&ps, "Old_Legacy", DROVER_PKG_DISABLED, "2.0.0", "2.0.0",
	          "vendor/old/module-legacy", "");
	check_pkg(&ps, "Acme_Local", 0, "0.0.1", "0.0.1", "app/code/Acme/Local", "");
	ok(ps.n == 5 && strcmp(ps.v[4].name, "Acme_Local") == 0,
	   "m2: vendor modules first, then app/code");
	ok(find_pkg(&ps, "Acme_NoReg") == NULL, "m2: a module without registration.php is not one");
	is_int(count(log, "warning:"), 3, "m2: three warnings");
	like(log, "vendor/broken/module-bad/etc/module.xml:5: ",
	     "m2: malformed module.xml named with its line");
	like(log,
	     "vendor/composer/installed.json:17: package evil/module-escape is installed outside",
	     "m2: a package outside the platform is refused");
	like(log, "module Magento_Store is also in vendor/magento/module-store",
	     "m2: a module registered twice is reported");

	memset(&ps, 0, sizeof ps);
	ps.stop_after = 2;
	capture_start();
	rc = harness_ops(&h)->packages(harness_ctx(&h), root, collect_pkg, &ps);
	(void)capture_end();
	is_int(rc, 42, "m2: a callback's non-zero result stops and is returned");
	is_int(ps.calls, 2, "m2: no call after the stop");

	root = tree("not-magento");
	put(root, "index.php", "<?php\n");
	memset(&ps, 0, sizeof ps);
	rc = harness_ops(&h)->packages(harness_ctx(&h), root, collect_pkg, &ps);
	expect_error("packages of a tree that is not Magento", rc, DROVER_E_INVAL, "not-magento",
	             "is not a Magento platform");

	root = tree("m2-badconfig");
	put(root, "bin/magento", "");
	put(root, "lib/internal/Magento/Framework/registration.php", "<?php\n");
	put(root, "app/code/Acme/One/registration.php", REG("Acme_One"));
	put(root, "app/code/Acme/One/etc/module.xml", MODULE_XML("<module name=\"Acme_One\">"));
	put(root, "app/etc/config.php", "<?php\nreturn [\n    'modules' => load_modules(),\n];\n");
	rc = packages(root, &ps, &log);
	ok(rc == 0 && ps.n == 1 && ps.v[0].flags == 0,
	   "m2 with an unreadable config.php: modules reported, none flagged disabled");
	like(log, "app/etc/config.php:2: 'modules' is not an array literal",
	     "m2 with an unreadable config.php: warned with its line");

	root = tree("m2-plain");
	make_m2_plain(root);
	rc = packages(root, &ps, &log);
	is_int(rc, 0, "m2 without installed.json: packages succeeds");
	is_int(ps.n, 1, "m2 without installed.json: vendor/ is scanned");
	check_pkg(&ps, "Acme_X", 0, "3.1.0", "3.1.0", "vendor/acme/module-x", "");
}

/* --- settings_read ---------------------------------------------------------------------------- */

static int settings(const char *root, struct drover_settings *s)
{
	struct drover_site site = {
	    .struct_size = sizeof site, .domain = "shop.example", .root = root, .site_dir = ""};

	memset(s, 0, sizeof *s);
	s->struct_size = sizeof *s;
	return harness_ops(&h)->settings_read(harness_ctx(&h), &site, s);
}

static void check_settings(const char *what, const struct drover_settings *s, const char *host,
                           uint32_t port, const char *db, const char *user, const char *pass,
                           const char *prefix, const char *files)
{
	is_str(s->driver, "mysql", "%s: driver", what);
	is_str(s->host, host, "%s: host", what);
	is_int(s->port, port, "%s: port", what);
	is_str(s->database, db, "%s: database", what);
	is_str(s->username, user, "%s: username", what);
	is_str(s->password, pass, "%s: password", what);
	is_str(s->prefix, prefix, "%s: prefix", what);
	is_str(s->files_path, files, "%s: files path", what);
	is_str(s->base_url, "", "%s: no base URL in the settings file", what);
}

#define LOCAL_XML(resources)                                                                 \
	XML_HEAD                                                                             \
	"<config>\n  <global>\n    <crypt><key>k</key></crypt>\n    <resources>\n" resources \
	"    </resources>\n  </global>\n</config>\n"

static void test_settings(void)
{
	struct drover_settings s;
	const char *root;
	int rc;

	rc = settings(tree("m1"), &s);
	is_int(rc, 0, "local.xml in CDATA: read");
	check_settings("local.xml in CDATA", &s, "localhost", 0, "magento1", "mage", "p&ss<w>rd",
	               "mg_", "media");

	root = tree("m1-plain");
	put(root, "app/Mage.php", MAGE_PHP_STOCK);
	put(root, "app/etc/local.xml",
	    LOCAL_XML("      <db><table_prefix></table_prefix></db>\n"
	              "      <default_setup>\n        <connection>\n"
	              "          <host>db.example.com:3307</host>\n"
	              "          <username>shop</username>\n"
	              "          <password>a&amp;b&#x41;&#66;&lt;</password>\n"
	              "          <dbname>shop_live</dbname>\n"
	              "          <type>pdo_mysql</type>\n        </connection>\n"
	              "      </default_setup>\n"));
	rc = settings(root, &s);
	is_int(rc, 0, "local.xml in plain text: read");
	check_settings("local.xml in plain text", &s, "db.example.com", 3307, "shop_live", "shop",
	               "a&bAB<", "", "media");

	root = tree("m1-socket");
	put(root, "app/Mage.php", MAGE_PHP_STOCK);
	put(root, "app/etc/local.xml",
	    LOCAL_XML("      <default_setup><connection>\n"
	              "        <host><![CDATA[/var/run/mysqld/mysqld.sock]]></host>\n"
	              "        <username><![CDATA[root]]></username><password></password>\n"
	              "        <dbname><![CDATA[m1]]></dbname><port>3308</port>\n"
	              "      </connection></default_setup>\n"));
	rc = settings(root, &s);
	is_int(rc, 0, "local.xml with a socket: read");
	check_settings("local.xml with a socket", &s, "/var/run/mysqld/mysqld.sock", 3308, "m1",
	               "root", "", "", "media");

	root = tree("m1-nolocal");
	put(root, "app/Mage.php", MAGE_PHP_STOCK);
	rc = settings(root, &s);
	expect_error("no local.xml", rc, DROVER_E_NOTFOUND, "m1-nolocal/app/etc/local.xml",
	             "app/etc/local.xml does not exist");

	root = tree("m1-noconn");
	put(root, "app/Mage.php", MAGE_PHP_STOCK);
	put(root, "app/etc/local.xml",
	    LOCAL_XML("      <db><table_prefix/></db>\n      <default_read>\n"
	              "        <connection><use>default_setup</use></connection>\n"
	              "      </default_read>\n"));
	rc = settings(root, &s);
	expect_error("local.xml without a connection", rc, DROVER_E_PARSE, "app/etc/local.xml:5",
	             "has no <global><resources><default_setup><connection>");

	root = tree("m1-badxml");
	put(root, "app/Mage.php", MAGE_PHP_STOCK);
	put(root, "app/etc/local.xml",
	    LOCAL_XML("      <default_setup><connection>\n"
	              "        <host>localhost</host>\n        <password>a & b</password>\n"
	              "      </connection></default_setup>\n"));
	rc = settings(root, &s);
	expect_error("malformed local.xml", rc, DROVER_E_PARSE, "app/etc/local.xml:8",
	             "not well-formed XML");

	rc = settings(tree("m2"), &s);
	is_int(rc, 0, "env.php with []: read");
	check_settings("env.php with []", &s, "localhost", 0, "magento2", "magento",
	               "it's \"secret\"", "", "pub/media");

	rc = settings(tree("m2-plain"), &s);
	is_int(rc, 0, "env.php with array(): read");
	check_settings("env.php with array()", &s, "127.0.0.1", 3307, "shop", "shop", "pa$$word\t!",
	               "m2_", "pub/media");

	root = tree("m2-noenv");
	put(root, "bin/magento", "");
	put(root, "app/etc/di.xml", "<config/>\n");
	rc = settings(root, &s);
	expect_error("no env.php", rc, DROVER_E_NOTFOUND, "m2-noenv/app/etc/env.php",
	             "app/etc/env.php does not exist");

	root = tree("m2-nodefault");
	put(root, "bin/magento", "");
	put(root, "app/etc/di.xml", "<config/>\n");
	put(root, "app/etc/env.php",
	    "<?php\nreturn [\n    'db' => [\n        'connection' => [\n"
	    "            'indexer' => ['host' => 'localhost', 'dbname' => 'x'],\n"
	    "        ],\n    ],\n];\n");
	rc = settings(root, &s);
	expect_error("env.php without a default connection", rc, DROVER_E_PARSE,
	             "app/etc/env.php:4", "no 'default' array");

	root = tree("m2-expr");
	put(root, "bin/magento", "");
	put(root, "app/etc/di.xml", "<config/>\n");
	put(root, "app/etc/env.php",
	    "<?php\nreturn ['db' => ['connection' => ['default' => [\n"
	    "    'host' => 'localhost', 'dbname' => 'x',\n"
	    "    'password' => getenv('DB_PASSWORD'),\n]]]];\n");
	rc = settings(root, &s);
	expect_error("env.php with a computed password", rc, DROVER_E_PARSE, "app/etc/env.php:4",
	             "not a plain value");

	/* An older core's smaller struct: nothing is written past its struct_size. */
	{
		struct drover_site site = {.struct_size = sizeof site, .root = tree("m2")};

		memset(&s, 0, sizeof s);
		s.struct_size = (uint32_t)offsetof(struct drover_settings, password);
		memcpy(s.password, "KEEP", 5);
		rc = harness_ops(&h)->settings_read(harness_ctx(&h), &site, &s);
		ok(rc == 0 && strcmp(s.username, "magento") == 0 &&
		       strcmp(s.password, "KEEP") == 0 &&
		       s.struct_size == offsetof(struct drover_settings, password),
		   "settings_read honours the caller's struct_size");
	}
}

/* --- site_schema ------------------------------------------------------------------------------ */

static int schema(const char *root, struct drover_db *db, struct rows *rs)
{
	struct drover_site site = {.struct_size = sizeof site,
	                           .domain = "shop.example",
	                           .root = root,
	                           .site_dir = "",
	                           .db_driver = "sqlite",
	                           .db = db};

	memset(rs, 0, sizeof *rs);
	return harness_ops(&h)->site_schema(harness_ctx(&h), &site, collect_row, rs);
}

#define CORE_RESOURCE                                                                      \
	"CREATE TABLE mg_core_resource (code varchar(50) NOT NULL PRIMARY KEY, version "   \
	"varchar(50), data_version varchar(50));\n"                                        \
	"INSERT INTO mg_core_resource VALUES ('core_setup', '1.6.0.2', '1.6.0.2'), "       \
	"('eav_setup', '1.6.0.1', '1.6.0.0'), ('catalog_setup', '1.6.0.0.19.1.6', "        \
	"'1.6.0.0.19.1.6'), ('catalog_extra_setup', '1.6.0.0.19.1.5', '1.6.0.0.19.1.5'), " \
	"('api_setup', '1.6.0.1', '1.6.0.1'), ('acme_widget_setup', '0.2.1', NULL), "      \
	"('acme_old_setup', '1.0.0', '1.0.0'), ('gone_setup', '2.0', '2.0');\n"

static void test_m1_schema(void)
{
	char path[4096];
	const char *root = tree("m1");
	struct drover_db *db;
	struct rows rs;
	int rc;

	if (path_join(path, sizeof path, base, "m1.sqlite") != 0)
		exit(99);
	db = harness_sqlite(path, CORE_RESOURCE);
	rc = schema(root, db, &rs);
	is_int(rc, 0, "m1 schema: read");
	is_int(rs.n, 7, "m1 schema: one row per module, and one for an unknown resource");
	check_row(&rs, 0, "Acme_Old", "module", DROVER_SCHEMA_DISABLED, "1.0.0", "acme_old_setup");
	check_row(&rs, 1, "Acme_Widget", "module", DROVER_SCHEMA_ENABLED, "0.2.1",
	          "acme_widget_setup");
	check_row(&rs, 2, "Mage_Api", "module", DROVER_SCHEMA_DISABLED, "1.6.0.1", "api_setup");
	check_row(&rs, 3, "Mage_Catalog", "module", DROVER_SCHEMA_ENABLED, "1.6.0.0.19.1.5",
	          "catalog_extra_setup,catalog_setup");
	check_row(&rs, 4, "Mage_Core", "module", DROVER_SCHEMA_ENABLED, "1.6.0.2", "core_setup");
	check_row(&rs, 5, "Mage_Eav", "module", DROVER_SCHEMA_DISABLED, "1.6.0.0", "eav_setup");
	/* No module of the platform declares gone_setup: Magento runs nothing of it. */
	check_row(&rs, 6, "gone_setup", "", DROVER_SCHEMA_DISABLED, "2.0", "gone_setup");

	{
		struct drover_site site = {.struct_size = sizeof site,
		                           .domain = "shop.example",
		                           .root = root,
		                           .db_driver = "sqlite",
		                           .db = db};

		memset(&rs, 0, sizeof rs);
		rs.stop_after = 2;
		rc = harness_ops(&h)->site_schema(harness_ctx(&h), &site, collect_row, &rs);
		ok(rc == 7 && rs.calls == 2,
		   "m1 schema: a callback's result stops and is returned");
	}
	db_close(db);

	/* Magento before 1.4: core_resource has no data_version. */
	db =
	    harness_sqlite(path, "CREATE TABLE mg_core_resource (code varchar(50) PRIMARY KEY, "
	                         "version varchar(50));\n"
	                         "INSERT INTO mg_core_resource VALUES ('core_setup', '0.8.26');\n");
	rc = schema(root, db, &rs);
	ok(rc == 0 && rs.n == 1, "m1 schema without data_version: read");
	check_row(&rs, 0, "Mage_Core", "module", DROVER_SCHEMA_ENABLED, "0.8.26", "core_setup");
	db_close(db);

	db = harness_sqlite(path, "CREATE TABLE setup_module (module varchar(50));\n");
	rc = schema(root, db, &rs);
	expect_error("m1 schema without core_resource", rc, DROVER_E_NOTFOUND, "mg_core_resource",
	             "has no table 'mg_core_resource': is this a Magento 1 database?");
	db_close(db);

	{
		struct drover_site site = {
		    .struct_size = sizeof site, .domain = "shop.example", .root = root};

		rc = harness_ops(&h)->site_schema(harness_ctx(&h), &site, collect_row, &rs);
		is_int(rc, DROVER_E_INVAL, "site_schema without a database is refused");
	}
}

#define SETUP_MODULE(prefix)                                                             \
	"CREATE TABLE " prefix "setup_module (module varchar(50) NOT NULL PRIMARY KEY, " \
	"schema_version varchar(50), data_version varchar(50));\n"
#define PATCH_LIST                                                                         \
	"CREATE TABLE patch_list (patch_id integer PRIMARY KEY AUTOINCREMENT, patch_name " \
	"varchar(1024) NOT NULL);\n"

static void test_m2_schema(void)
{
	char path[4096];
	struct drover_db *db;
	struct rows rs;
	int rc;

	if (path_join(path, sizeof path, base, "m2.sqlite") != 0)
		exit(99);
	db = harness_sqlite(
	    path, SETUP_MODULE("") PATCH_LIST
	    "INSERT INTO setup_module VALUES ('Magento_Store', '2.1.1', '2.1.1'), "
	    "('Acme_Tools', '1.0.3', '1.0.2'), ('Old_Legacy', '2.0.0', NULL);\n"
	    "INSERT INTO patch_list (patch_name) VALUES "
	    "('Magento\\Store\\Setup\\Patch\\Data\\CreateDefaultStores'), "
	    "('Magento\\Catalog\\Setup\\Patch\\Schema\\EnableSegmentation'), "
	    "('Magento\\Catalog\\Setup\\Patch\\Data\\InstallDefaultCategories'), "
	    "('Acme\\Tools\\Setup\\Patch\\Data\\Seed'), ('Vendor\\Thing\\LegacyAlias');\n");
	rc = schema(tree("m2"), db, &rs);
	is_int(rc, 0, "m2 schema: read");
	is_int(rs.n, 5, "m2 schema: setup_module rows and modules with patches only");
	check_row(&rs, 0, "Acme_Tools", "module", DROVER_SCHEMA_DISABLED, "1.0.2",
	          "Acme\\Tools\\Setup\\Patch\\Data\\Seed");
	check_row(&rs, 1, "Magento_Catalog", "module", DROVER_SCHEMA_ENABLED, "",
	          "Magento\\Catalog\\Setup\\Patch\\Schema\\EnableSegmentation,"
	          "Magento\\Catalog\\Setup\\Patch\\Data\\InstallDefaultCategories");
	check_row(&rs, 2, "Magento_Store", "module", DROVER_SCHEMA_ENABLED, "2.1.1",
	          "Magento\\Store\\Setup\\Patch\\Data\\CreateDefaultStores");
	check_row(&rs, 3, "Old_Legacy", "module", DROVER_SCHEMA_DISABLED, "2.0.0", "");
	check_row(&rs, 4, "Vendor_Thing", "module", DROVER_SCHEMA_DISABLED, "",
	          "Vendor\\Thing\\LegacyAlias");
	db_close(db);

	/* Magento 2.2: no patch_list yet; table prefix from env.php; no config.php. */
	db = harness_sqlite(path, SETUP_MODULE("m2_") "INSERT INTO m2_setup_module VALUES "
	                                              "('Acme_X', '3.1.0', '3.1.0');\n");
	rc = schema(tree("m2-plain"), db, &rs);
	ok(rc == 0 && rs.n == 1, "m2 schema without patch_list, with a prefix: read");
	check_row(&rs, 0, "Acme_X", "module", DROVER_SCHEMA_ENABLED, "3.1.0", "");
	db_close(db);

	db = harness_sqlite(path, CORE_RESOURCE);
	rc = schema(tree("m2"), db, &rs);
	expect_error("m2 schema without setup_module", rc, DROVER_E_NOTFOUND, "setup_module",
	             "has no table 'setup_module': is this a Magento 2 database?");
	db_close(db);
}

/* --- helpers for the ops that change a site ---------------------------------------------------- */

/* A file of the source tree: from $top_srcdir under `make check`, else next to this file's
 * source (the build directory is the current directory when run by hand). */
static const char *src_file(const char *rel)
{
	static char abs[PATH_MAX];
	char buf[4096];
	const char *top = getenv("top_srcdir"), *f = __FILE__;
	const char *end = strstr(f, "tests/unit/t_magento.c");

	if (top != NULL && top[0] != '\0')
		snprintf(buf, sizeof buf, "%s/%s", top, rel);
	else
		snprintf(buf, sizeof buf, "%.*s%s", end ? (int)(end - f) : 0, f, rel);
	if (realpath(buf, abs) == NULL) {
		printf("Bail out! %s not found: set top_srcdir or run from the build directory\n",
		       buf);
		exit(99);
	}
	return abs;
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		printf("Bail out! command failed: %s\n", cmd);
		exit(99);
	}
}

static int shell_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int shell_ok(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd) == 0;
}

/* A path under the temporary directory (a few at a time). */
static const char *tmp_path(const char *rel)
{
	static char bufs[32][4096];
	static int next;
	char *b = bufs[next++ % 32];

	if (snprintf(b, 4096, "%s/%s", base, rel) >= 4096)
		exit(99);
	return b;
}

/* A platform and its site from drover-fixture: `cms` magento1, openmage or magento2; the site
 * database is <name>.sqlite in the temporary directory. Returns the platform root. */
static const char *fixture(const char *name, const char *cms, const char *site_args)
{
	static char root[16][4096];
	static int next;
	char *r = root[next++ % 16];
	const char *gen = src_file("tests/fixtures/gen/drover-fixture");

	if (snprintf(r, 4096, "%s/%s", base, name) >= 4096)
		exit(99);
	sh("python3 '%s' platform --cms %s --out '%s' --modules 2 --seed 11 >/dev/null", gen, cms,
	   r);
	sh("python3 '%s' site --platform '%s' --cms %s --domain shop.example --db "
	   "sqlite:'%s/%s.sqlite' "
	   "--seed 11 %s >/dev/null",
	   gen, r, cms, base, name, site_args);
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

/* One value from the sqlite3 shell ("" if none). */
static const char *sql1(const char *dbpath, const char *query)
{
	static char out[4096];
	char cmd[8192];
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof cmd, "sqlite3 '%s' \"%s\"", dbpath, query);
	f = popen(cmd, "r");
	if (!f) {
		printf("Bail out! %s\n", cmd);
		exit(99);
	}
	n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	pclose(f);
	while (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	return out;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		exit(99);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static struct drover_site site_of(const char *root, struct drover_db *db)
{
	struct drover_site s = {.struct_size = sizeof s,
	                        .domain = "shop.example",
	                        .root = root,
	                        .site_dir = "",
	                        .db_driver = db ? "sqlite" : NULL,
	                        .db = db};

	return s;
}

/* Load a configuration with `adapters: { magento: { <body> } }` for the adapter's reads. */
static int cfg_loaded;

static void set_options(const char *body)
{
	struct drover_error err;
	char text[8192];
	const char *path = tmp_path("drover.cfg");

	if (cfg_loaded)
		cfg_free(&h.cfg);
	memset(&h.cfg, 0, sizeof h.cfg);
	snprintf(text, sizeof text,
	         "data_dir = \"%s/data\";\nadapters = {\n  magento = {\n%s\n  };\n};\n", base,
	         body);
	harness_write(base, "drover.cfg", text);
	err_clear(&err);
	if (cfg_load(&h.cfg, path, &err) != 0) {
		printf("Bail out! %s: %s\n", path, err.message);
		exit(99);
	}
	cfg_loaded = 1;
}

/* --- probe: the line ----------------------------------------------------------------------------- */

static void test_probe_line(const char *m2fx)
{
	const struct {
		const char *name, *root;
		uint32_t line;
	} cases[] = {{"m1", tree("m1"), 1}, {"openmage", tree("openmage"), 1}, {"m2", m2fx, 2}};

	for (size_t i = 0; i < 3; i++) {
		struct drover_probe pr = {.struct_size = sizeof pr};
		int rc = harness_ops(&h)->probe(harness_ctx(&h), cases[i].root, &pr);

		ok(rc == 0 && pr.line == cases[i].line && pr.generation == cases[i].line,
		   "probe %s: line %u", cases[i].name, cases[i].line);
	}
	{
		struct drover_probe pr = {.struct_size = offsetof(struct drover_probe, line)};

		pr.line = 99;
		ok(harness_ops(&h)->probe(harness_ctx(&h), m2fx, &pr) == 0 && pr.line == 99,
		   "probe: an older core's struct without line is not written past its end");
	}
}

/* --- site_paths --------------------------------------------------------------------------------- */

struct plist {
	char text[2048];
	char own[16][64];
	size_t n_own;
	int bad_exclude, calls, stop_after;
};

static int collect_path(void *arg, const char *path, uint32_t flags)
{
	struct plist *l = arg;
	size_t n = strlen(l->text);

	l->calls++;
	snprintf(l->text + n, sizeof l->text - n, "%s%s:%s", n ? " " : "", path,
	         flags == DROVER_PATH_OWN       ? "own"
	         : flags == DROVER_PATH_EXCLUDE ? "ex"
	                                        : "?");
	if (flags == DROVER_PATH_OWN && l->n_own < 16)
		snprintf(l->own[l->n_own++], 64, "%s", path);
	if (flags == DROVER_PATH_EXCLUDE) {
		int inside = 0;

		for (size_t i = 0; i < l->n_own; i++)
			if (strncmp(path, l->own[i], strlen(l->own[i])) == 0 &&
			    path[strlen(l->own[i])] == '/')
				inside = 1;
		l->bad_exclude += !inside;
	}
	return l->stop_after && l->calls >= l->stop_after ? 5 : 0;
}

static void test_site_paths(void)
{
	static const char m1_want[] =
	    "app/etc/local.xml:own media:own media/catalog/product/cache:ex media/css:ex "
	    "media/css_secure:ex media/js:ex media/captcha:ex var:own var/cache:ex "
	    "var/full_page_cache:ex var/session:ex var/locks:ex var/tmp:ex";
	static const char m2_want[] =
	    "app/etc/env.php:own pub/media:own "
	    "pub/media/catalog/product/cache:ex var:own var/cache:ex var/page_cache:ex "
	    "var/session:ex var/view_preprocessed:ex var/generation:ex var/di:ex var/tmp:ex "
	    "var/.maintenance.flag:ex";
	static const char *const trees[] = {"m1", "openmage", "m2"};
	struct plist l;
	int rc;

	for (size_t i = 0; i < 3; i++) {
		struct drover_site site = site_of(tree(trees[i]), NULL);

		memset(&l, 0, sizeof l);
		rc = harness_ops(&h)->site_paths(harness_ctx(&h), &site, collect_path, &l);
		is_int(rc, 0, "site_paths %s: listed", trees[i]);
		is_str(l.text, i < 2 ? m1_want : m2_want, "site_paths %s: paths and flags",
		       trees[i]);
		is_int(l.bad_exclude, 0, "site_paths %s: every exclusion is inside an owned path",
		       trees[i]);
		ok(strstr(l.text, "config.php") == NULL,
		   "site_paths %s: app/etc/config.php is the code's", trees[i]);
		ok(strstr(l.text, "generated") == NULL && strstr(l.text, "pub/static") == NULL &&
		       strstr(l.text, "maintenance.flag:own") == NULL,
		   "site_paths %s: no generated/, pub/static or maintenance flag owned", trees[i]);
	}
	{
		struct drover_site site = site_of(tree("m2"), NULL);

		memset(&l, 0, sizeof l);
		l.stop_after = 2;
		rc = harness_ops(&h)->site_paths(harness_ctx(&h), &site, collect_path, &l);
		ok(rc == 5 && l.calls == 2,
		   "site_paths: a callback's result stops and is returned");
	}
	{
		struct drover_site site = site_of(tree("not-magento"), NULL);

		memset(&l, 0, sizeof l);
		rc = harness_ops(&h)->site_paths(harness_ctx(&h), &site, collect_path, &l);
		expect_error("site_paths of a tree that is not Magento", rc, DROVER_E_INVAL,
		             "not-magento", "is not a Magento platform");
	}
}

/* --- cache_tables ------------------------------------------------------------------------------- */

static int collect_name(void *arg, const char *name)
{
	char *buf = arg;
	size_t n = strlen(buf);

	snprintf(buf + n, 1024 - n, "%s%s", n ? "," : "", name);
	return 0;
}

static void test_cache_tables(const char *om)
{
	static const struct {
		const char *tree, *want;
	} cases[] = {
	    {"m1", "mg_core_cache,mg_core_cache_tag,mg_core_session,mg_log_url,mg_log_url_info,"
	           "mg_log_visitor,mg_log_visitor_info,mg_log_visitor_online"},
	    {"m2", "cache,cache_tag,session"},
	    {"m2-plain", "m2_cache,m2_cache_tag,m2_session"},
	};
	char names[1024];
	int rc;

	for (size_t i = 0; i < 3; i++) {
		struct drover_site site = site_of(tree(cases[i].tree), NULL);

		names[0] = '\0';
		rc = harness_ops(&h)->cache_tables(harness_ctx(&h), &site, collect_name, names);
		ok(rc == 0, "cache_tables %s: listed", cases[i].tree);
		is_str(names, cases[i].want, "cache_tables %s: with the table prefix",
		       cases[i].tree);
	}
	{
		struct drover_site site = site_of(om, NULL);

		names[0] = '\0';
		rc = harness_ops(&h)->cache_tables(harness_ctx(&h), &site, collect_name, names);
		ok(rc == 0 && strncmp(names, "om_core_cache,om_core_cache_tag,", 32) == 0,
		   "cache_tables openmage: om_ prefix (%s)", names);
		ok(strstr(names, "catalogsearch") == NULL && strstr(names, "index_process") == NULL,
		   "cache_tables: search results and index events are kept");
	}
	{
		struct drover_site site = site_of(tree("m1-nolocal"), NULL);

		names[0] = '\0';
		rc = harness_ops(&h)->cache_tables(harness_ctx(&h), &site, collect_name, names);
		expect_error("cache_tables without local.xml", rc, DROVER_E_NOTFOUND,
		             "app/etc/local.xml", "does not exist");
	}
}

/* --- settings_write ----------------------------------------------------------------------------- */

/* The text with every credential value replaced by '#': what must stay byte-identical. XML:
 * between <name> and </name> (or <name/>); PHP: from after "'name' =>" to the end of the
 * line. */
static char *mask(const char *text, int xml)
{
	static const char *const names[] = {"host", "username", "password", "dbname", "port"};
	size_t size = 2 * strlen(text) + 64, o = 0;
	char *out = malloc(size);
	const char *p = text;

	while (*p && o + 32 < size) {
		int skip = 0;

		for (size_t i = 0; i < 5 && !skip; i++) {
			char open[32], close[32], empty[32];
			const char *end;

			snprintf(open, sizeof open, xml ? "<%s>" : "'%s' =>", names[i]);
			snprintf(close, sizeof close, xml ? "</%s>" : "\n", names[i]);
			snprintf(empty, sizeof empty, "<%s/>", names[i]);
			if (strncmp(p, open, strlen(open)) == 0 &&
			    (end = strstr(p + strlen(open), close)) != NULL) {
				o += (size_t)snprintf(out + o, size - o, "%s#", open);
				p = end;
				skip = 1;
			} else if (xml && strncmp(p, empty, strlen(empty)) == 0) {
				o += (size_t)snprintf(out + o, size - o, "<%s>#</%s>", names[i],
				                      names[i]);
				p += strlen(empty);
				skip = 1;
			}
		}
		if (!skip)
			out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

static int write_settings(const char *root, const char *host, uint32_t port, const char *db,
                          const char *user, const char *pass)
{
	struct drover_site site = site_of(root, NULL);
	struct drover_settings s;

	memset(&s, 0, sizeof s);
	s.struct_size = sizeof s;
	snprintf(s.driver, sizeof s.driver, "mysql");
	snprintf(s.host, sizeof s.host, "%s", host);
	s.port = port;
	snprintf(s.database, sizeof s.database, "%s", db);
	snprintf(s.username, sizeof s.username, "%s", user);
	snprintf(s.password, sizeof s.password, "%s", pass);
	snprintf(s.prefix, sizeof s.prefix, "ignored_");
	return harness_ops(&h)->settings_write(harness_ctx(&h), &site, &s);
}

#define HARD_PASSWORD "it's \"q\" ]]> & <b> \\ $x end"

/* Write new credentials into a copy of `from`, read them back, and compare the rest. */
static void round_trip(const char *what, const char *from, const char *rel, const char *prefix,
                       mode_t mode)
{
	char copy[64], path[4096], *before, *after, *mb, *ma;
	const char *root;
	struct drover_settings s;
	struct stat st;
	int rc, xml = strstr(rel, ".xml") != NULL;

	snprintf(copy, sizeof copy, "sw-%s", what);
	root = tmp_path(copy);
	sh("rm -rf '%s' && cp -a '%s' '%s'", root, from, root);
	snprintf(path, sizeof path, "%s/%s", root, rel);
	chmod(path, mode);
	before = slurp(path);
	rc = write_settings(root, "db.internal", 3307, "new_db", "new_user", HARD_PASSWORD);
	is_int(rc, 0, "settings_write %s: written", what);
	rc = settings(root, &s);
	is_int(rc, 0, "settings_write %s: read back", what);
	check_settings(what, &s, "db.internal", 3307, "new_db", "new_user", HARD_PASSWORD, prefix,
	               xml ? "media" : "pub/media");
	after = slurp(path);
	mb = mask(before, xml);
	ma = mask(after, xml);
	if (!ok(strcmp(mb, ma) == 0, "settings_write %s: only the credential values changed", what))
		diag("before:\n%s\nafter:\n%s", before, after);
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == mode, "settings_write %s: mode %o kept",
	   what, (unsigned)mode);
	ok(shell_ok("test -z \"$(ls -A '%s/app/etc' | grep drover)\"", root),
	   "settings_write %s: no temporary file left", what);
	free(before);
	free(after);
	free(mb);
	free(ma);
}

static void test_settings_write(const char *om, const char *m2fx)
{
	struct drover_settings s;
	const char *root;
	char *text;
	int rc;

	round_trip("m1-cdata", tree("m1"), "app/etc/local.xml", "mg_", 0640);
	round_trip("m1-plain", tree("m1-plain"), "app/etc/local.xml", "", 0644);
	round_trip("openmage-fixture", om, "app/etc/local.xml", "om_", 0600);
	round_trip("m2-brackets", tree("m2"), "app/etc/env.php", "", 0640);
	round_trip("m2-array", tree("m2-plain"), "app/etc/env.php", "m2_", 0644);
	round_trip("m2-fixture", m2fx, "app/etc/env.php", "", 0660);

	/* The exact text: CDATA kept, "]]>" split, plain text escaped, crypt key untouched. */
	text = slurp(tmp_path("sw-m1-cdata/app/etc/local.xml"));
	like(text, "<password><![CDATA[it's \"q\" ]]]]><![CDATA[> & <b> \\ $x end]]></password>",
	     "settings_write m1: the password in CDATA, \"]]>\" split");
	like(text, "<host><![CDATA[db.internal:3307]]></host>",
	     "settings_write m1: host:port in <host>, as the installer writes it");
	like(text, "<key><![CDATA[0123456789abcdef]]></key>", "settings_write m1: crypt key kept");
	free(text);
	text = slurp(tmp_path("sw-m1-plain/app/etc/local.xml"));
	like(text, "<password>it's \"q\" ]]&gt; &amp; &lt;b&gt; \\ $x end</password>",
	     "settings_write m1: a plain-text password stays plain text, escaped");
	free(text);
	text = slurp(tmp_path("sw-m2-brackets/app/etc/env.php"));
	like(text, "'password' => 'it\\'s \"q\" ]]> & <b> \\\\ $x end',",
	     "settings_write m2: a single-quoted PHP string, ' and \\ escaped");
	like(text, "'host' => 'db.internal:3307',", "settings_write m2: the port inside 'host'");
	like(text, "'key' => 'abc' // the install key", "settings_write m2: crypt key kept");
	free(text);
	text = slurp(tmp_path("sw-m2-array/app/etc/env.php"));
	like(text, "'dbname' => 'new_db',", "settings_write m2: a double-quoted value rewritten");
	free(text);

	/* A separate <port> gets the port; a socket path keeps the host whole. */
	root = tmp_path("sw-m1-socket");
	sh("rm -rf '%s' && cp -a '%s' '%s'", root, tree("m1-socket"), root);
	rc = write_settings(root, "db2", 3310, "m1", "root", "");
	ok(rc == 0 && settings(root, &s) == 0 && strcmp(s.host, "db2") == 0 && s.port == 3310,
	   "settings_write m1: a separate <port> element gets the port");
	text = slurp(tmp_path("sw-m1-socket/app/etc/local.xml"));
	like(text, "<port>3310</port>", "settings_write m1: <port> written");
	free(text);
	rc = write_settings(root, "/run/mysqld/mysqld.sock", 0, "m1", "root", "");
	ok(rc == 0 && settings(root, &s) == 0 && strcmp(s.host, "/run/mysqld/mysqld.sock") == 0 &&
	       s.port == 0,
	   "settings_write m1: a socket path, the port emptied");

	/* Missing <username>/<password> are added after <host>. */
	root = tree("sw-m1-missing");
	put(root, "app/Mage.php", MAGE_PHP_STOCK);
	put(root, "app/etc/local.xml",
	    LOCAL_XML("      <default_setup>\n        <connection>\n"
	              "          <host>localhost</host>\n          <dbname>x</dbname>\n"
	              "        </connection>\n      </default_setup>\n"));
	rc = write_settings(root, "h", 0, "y", "u", "p&");
	ok(rc == 0 && settings(root, &s) == 0 && strcmp(s.username, "u") == 0 &&
	       strcmp(s.password, "p&") == 0 && strcmp(s.database, "y") == 0,
	   "settings_write m1: missing <username> and <password> added");
	text = slurp(tmp_path("sw-m1-missing/app/etc/local.xml"));
	like(text, "<host>h</host>\n          <username>u</username>\n          <password>",
	     "settings_write m1: added after <host>, indented like it");
	free(text);

	/* env.php: a 'port' entry (which Magento 2 refuses) becomes null; IPv6 gets brackets;
	 * a missing 'password' is added first. */
	root = tree("sw-m2-port");
	put(root, "bin/magento", "");
	put(root, "app/etc/di.xml", "<config/>\n");
	put(root, "app/etc/env.php",
	    "<?php\nreturn ['db' => ['connection' => ['default' => [\n"
	    "    'host' => 'localhost',\n    'port' => '3306',\n    'dbname' => 'x',\n"
	    "    'username' => 'u',\n]]]];\n");
	rc = write_settings(root, "::1", 3307, "y", "u", "secret");
	if (rc != 0)
		diag("%s", h.err.message);
	ok(rc == 0 && settings(root, &s) == 0 && strcmp(s.host, "::1") == 0 && s.port == 3307 &&
	       strcmp(s.password, "secret") == 0,
	   "settings_write m2: IPv6 host with port, password added");
	text = slurp(tmp_path("sw-m2-port/app/etc/env.php"));
	like(text, "'password' => 'secret',\n    'host' => '[::1]:3307',\n    'port' => null,",
	     "settings_write m2: '[::1]:3307', 'port' => null, 'password' first");
	free(text);

	/* Restore reads and writes the settings in a staging directory holding only the site's
	 * own files (no app/Mage.php, no bin/magento): the settings file tells the generation. */
	root = tree("sw-staged-m1/files");
	sh("mkdir -p '%s/app/etc' '%s/media' && cp '%s/app/etc/local.xml' '%s/app/etc/'", root,
	   root, tree("m1"), root);
	rc = write_settings(root, "db3", 0, "restored", "r", "pw");
	ok(rc == 0 && settings(root, &s) == 0 && strcmp(s.database, "restored") == 0 &&
	       strcmp(s.prefix, "mg_") == 0 && strcmp(s.files_path, "media") == 0,
	   "settings_write and settings_read on staged Magento 1 files");
	root = tree("sw-staged-m2/files");
	sh("mkdir -p '%s/app/etc' && cp '%s/app/etc/env.php' '%s/app/etc/config.php' '%s/app/etc/'",
	   root, tree("m2"), tree("m2"), root);
	rc = write_settings(root, "db3", 0, "restored", "r", "pw");
	ok(rc == 0 && settings(root, &s) == 0 && strcmp(s.database, "restored") == 0 &&
	       strcmp(s.files_path, "pub/media") == 0,
	   "settings_write and settings_read on staged Magento 2 files");

	/* Refusals: nothing is written. */
	root = tmp_path("sw-m2-brackets");
	text = slurp(tmp_path("sw-m2-brackets/app/etc/env.php"));
	rc = write_settings(root, "db", 0, "x", "u", "line\nbreak");
	expect_error("settings_write with a newline in the password", rc, DROVER_E_INVAL,
	             "shop.example", "not UTF-8 text without control characters");
	rc = write_settings(root, "db", 0, "", "u", "p");
	expect_error("settings_write without a database name", rc, DROVER_E_INVAL, "shop.example",
	             "the new database name is empty");
	rc = write_settings(root, "db:3306", 3307, "x", "u", "p");
	expect_error("settings_write with two ports", rc, DROVER_E_INVAL, "shop.example",
	             "already names a port");
	rc = write_settings(root, "db", 0, "x", "u", "\xff\xfe");
	is_int(rc, DROVER_E_INVAL, "settings_write refuses a password that is not UTF-8");
	{
		char *now = slurp(tmp_path("sw-m2-brackets/app/etc/env.php"));

		is_str(now, text, "settings_write: refused writes leave the file as it was");
		free(now);
	}
	free(text);
	{
		struct drover_site site = site_of(root, NULL);

		memset(&s, 0, sizeof s);
		s.struct_size = offsetof(struct drover_settings, host);
		rc = harness_ops(&h)->settings_write(harness_ctx(&h), &site, &s);
		is_int(rc, DROVER_E_INVAL, "settings_write: a struct without host is refused");
	}
	root = tree("sw-m1-link");
	put(root, "app/Mage.php", MAGE_PHP_STOCK);
	sh("mkdir -p '%s/app/etc' && cp '%s/app/etc/local.xml' '%s/shared-local.xml' && "
	   "ln -s ../../shared-local.xml '%s/app/etc/local.xml'",
	   root, tree("m1-plain"), root, root);
	rc = write_settings(root, "db", 0, "x", "u", "p");
	expect_error("settings_write of a symbolic link", rc, DROVER_E_REFUSED,
	             "sw-m1-link/app/etc/local.xml", "is a symbolic link");
}

/* --- maintenance ------------------------------------------------------------------------------- */

static int maint(const char *root, int32_t action, int32_t *state)
{
	struct drover_site site = site_of(root, NULL);

	*state = -1;
	return harness_ops(&h)->maintenance(harness_ctx(&h), &site, action, state);
}

static void test_maintenance(const char *om)
{
	static const char *const names[] = {"m1", "openmage", "m2"};
	const char *roots[] = {tree("m1"), om, tree("m2")};
	const char *flags[] = {"maintenance.flag", "maintenance.flag", "var/.maintenance.flag"};
	int32_t st;

	sh("rm -rf '%s/var'", roots[2]);
	for (size_t i = 0; i < 3; i++) {
		char flag[4096];

		snprintf(flag, sizeof flag, "%s/%s", roots[i], flags[i]);
		ok(maint(roots[i], DROVER_MAINT_STATUS, &st) == 0 && st == 0,
		   "maintenance %s: off at first", names[i]);
		ok(maint(roots[i], DROVER_MAINT_ON, &st) == 0 && st == 1 && exists(flag),
		   "maintenance %s: on creates %s", names[i], flags[i]);
		ok(maint(roots[i], DROVER_MAINT_ON, &st) == 0 && st == 1,
		   "maintenance %s: on again is fine", names[i]);
		ok(maint(roots[i], DROVER_MAINT_STATUS, &st) == 0 && st == 1,
		   "maintenance %s: status says on", names[i]);
		ok(maint(roots[i], DROVER_MAINT_OFF, &st) == 0 && st == 0 && !exists(flag),
		   "maintenance %s: off removes the flag", names[i]);
		ok(maint(roots[i], DROVER_MAINT_OFF, &st) == 0 && st == 0,
		   "maintenance %s: off again is fine", names[i]);
	}
	is_int(maint(roots[0], 7, &st), DROVER_E_INVAL,
	       "maintenance: an unknown action is refused");
	{
		struct drover_site site = site_of(roots[0], NULL);

		ok(harness_ops(&h)->maintenance(harness_ctx(&h), &site, DROVER_MAINT_STATUS,
		                                NULL) == 0,
		   "maintenance: state may be NULL");
	}
}

/* --- cache_clear ------------------------------------------------------------------------------- */

static void test_cache_clear(void)
{
	const char *root = fixture("cc-m1", "magento1", "--prefix mage_"), *log;
	const char *dbpath = tmp_path("cc-m1.sqlite");
	struct drover_db *db = open_db(dbpath);
	struct drover_site site = site_of(root, db);
	char p[4096];
	int rc;

	put(root, "var/cache/mage--a/mage---abc_CONFIG_GLOBAL", "cached");
	put(root, "var/cache/mage--b/mage---def", "cached");
	put(root, "var/full_page_cache/x/y", "page");
	put(root, "var/session/sess_1", "session");
	put(root, "var/log/system.log", "log");
	put(root, "media/catalog/product/a.jpg", "jpg");
	put(root, "outside.txt", "keep me");
	snprintf(p, sizeof p, "ln -s ../../outside.txt '%s/var/cache/link'", root);
	sh("%s", p);
	ok(strcmp(sql1(dbpath, "SELECT count(*) FROM mage_core_cache"), "1") == 0 &&
	       strcmp(sql1(dbpath, "SELECT count(*) FROM mage_core_cache_tag"), "1") == 0,
	   "cache_clear m1: the fixture has cache rows");
	capture_start();
	rc = harness_ops(&h)->cache_clear(harness_ctx(&h), &site);
	log = capture_end();
	is_int(rc, 0, "cache_clear m1: cleared");
	snprintf(p, sizeof p, "%s/var/cache", root);
	ok(exists(p), "cache_clear m1: var/cache itself stays");
	ok(shell_ok("test -z \"$(find '%s/var/cache' '%s/var/full_page_cache' -mindepth 1)\"", root,
	            root),
	   "cache_clear m1: var/cache and var/full_page_cache are empty");
	snprintf(p, sizeof p, "%s/var/session/sess_1", root);
	ok(exists(p), "cache_clear m1: sessions stay");
	snprintf(p, sizeof p, "%s/var/log/system.log", root);
	ok(exists(p), "cache_clear m1: logs stay");
	snprintf(p, sizeof p, "%s/outside.txt", root);
	ok(exists(p), "cache_clear m1: a link inside the cache is removed, not followed");
	is_str(sql1(dbpath, "SELECT count(*) FROM mage_core_cache"), "0",
	       "cache_clear m1: core_cache emptied (with the prefix)");
	is_str(sql1(dbpath, "SELECT count(*) FROM mage_core_cache_tag"), "0",
	       "cache_clear m1: core_cache_tag emptied");
	is_str(sql1(dbpath, "SELECT count(*) FROM mage_core_config_data"), "5",
	       "cache_clear m1: other tables untouched");
	is_int(count(log, "warning:"), 0, "cache_clear m1: no warnings with the default backends");
	rc = harness_ops(&h)->cache_clear(harness_ctx(&h), &site);
	is_int(rc, 0, "cache_clear m1: again, on empty caches");
	db_close(db);

	/* A Redis backend is beyond drover's reach: said so. */
	snprintf(p, sizeof p,
	         "sed -i 's|<session_save>|<cache><backend>Cm_Cache_Backend_Redis</backend></cache>"
	         "<session_save>|' '%s/app/etc/local.xml'",
	         root);
	sh("%s", p);
	site.db = NULL;
	site.db_driver = NULL;
	capture_start();
	rc = harness_ops(&h)->cache_clear(harness_ctx(&h), &site);
	log = capture_end();
	is_int(rc, 0, "cache_clear m1 without a database: files only");
	like(log,
	     "the Magento cache uses the backend 'Cm_Cache_Backend_Redis', which drover cannot",
	     "cache_clear m1: a Redis backend is named in a warning");

	root = fixture("cc-m2", "magento2", "");
	dbpath = tmp_path("cc-m2.sqlite");
	db = open_db(dbpath);
	site = site_of(root, db);
	put(root, "var/cache/mage--1/x", "c");
	put(root, "var/page_cache/mage--2/y", "c");
	put(root, "var/view_preprocessed/pub/static/a.css", "css");
	put(root, "generated/code/Magento/Foo/Interceptor.php", "<?php\n");
	put(root, "pub/static/frontend/x.js", "js");
	rc = harness_ops(&h)->cache_clear(harness_ctx(&h), &site);
	is_int(rc, 0, "cache_clear m2: cleared");
	ok(shell_ok("test -z \"$(find '%s/var/cache' '%s/var/page_cache' -mindepth 1)\"", root,
	            root),
	   "cache_clear m2: var/cache and var/page_cache are empty");
	snprintf(p, sizeof p, "%s/generated/code/Magento/Foo/Interceptor.php", root);
	ok(exists(p), "cache_clear m2: generated/ is not touched");
	snprintf(p, sizeof p, "%s/pub/static/frontend/x.js", root);
	ok(exists(p), "cache_clear m2: pub/static is not touched");
	is_str(sql1(dbpath, "SELECT count(*) FROM cache"), "0", "cache_clear m2: cache emptied");
	is_str(sql1(dbpath, "SELECT count(*) FROM cache_tag"), "0",
	       "cache_clear m2: cache_tag emptied");
	ok(strcmp(sql1(dbpath, "SELECT count(*) > 0 FROM setup_module"), "1") == 0,
	   "cache_clear m2: setup_module untouched");
	db_close(db);
}

/* --- update_run --------------------------------------------------------------------------------- */

/* A stand-in for Magento's updaters, written into the temporary directory: it does to the site
 * database what setup:upgrade or Magento 1's applyAllUpdates() + applyAllDataUpdates() do to
 * the version tables, reading the versions from the platform's code: every setup resource of
 * every config.xml (1) or every module.xml with a setup_version (2) gets the code's version.
 * It also records how it was called. Arguments: root site database prefix log. */
static const char fake_update_py[] =
    "import glob, os, re, sqlite3, sys\n"
    "root, site, db, prefix, log = sys.argv[1:6]\n"
    "prefix = '' if prefix == '-' else prefix\n"
    "with open(log, 'a') as f:\n"
    "    f.write('%s|%s|%s|%s|%s\\n' % (root, site, os.getcwd(),\n"
    "            os.environ.get('DROVER_SITE_ROOT'), os.environ.get('DROVER_SITE')))\n"
    "con = sqlite3.connect(db)\n"
    "n = 0\n"
    "if os.path.exists(os.path.join(root, 'app/Mage.php')):\n"
    "    for cfg in glob.glob(os.path.join(root, 'app/code/*/*/*/etc/config.xml')):\n"
    "        t = open(cfg).read()\n"
    "        v = re.search(r'<modules>\\s*<\\w+>\\s*<version>([^<]+)</version>', t)\n"
    "        if not v:\n"
    "            continue\n"
    "        for res in re.findall(r'<(\\w+)>\\s*<setup>', t):\n"
    "            con.execute('INSERT OR REPLACE INTO %score_resource (code, version, '\n"
    "                        'data_version) VALUES (?, ?, ?)' % prefix, (res, v.group(1),\n"
    "                        v.group(1)))\n"
    "            n += 1\n"
    "else:\n"
    "    for mx in glob.glob(os.path.join(root, '**/etc/module.xml'), recursive=True):\n"
    "        m = re.search(r'<module name=\"(\\w+)\" setup_version=\"([^\"]+)\"',\n"
    "                      open(mx).read())\n"
    "        if m:\n"
    "            con.execute('INSERT OR REPLACE INTO %ssetup_module (module, schema_version, '\n"
    "                        'data_version) VALUES (?, ?, ?)' % prefix, (m.group(1),\n"
    "                        m.group(2), m.group(2)))\n"
    "            n += 1\n"
    "con.commit()\n"
    "print('fake update: %d versions set' % n)\n";

/* The package schema of each module against the site's schema row: "" when all agree, else
 * the first that differs. */
static const char *pending(const char *root, struct drover_db *db)
{
	static char out[512];
	struct pkgs ps;
	struct rows rs;
	const char *log;

	out[0] = '\0';
	if (packages(root, &ps, &log) != 0 || schema(root, db, &rs) != 0)
		return "cannot list";
	for (size_t i = 0; i < rs.n && !out[0]; i++) {
		const struct pkg *p = find_pkg(&ps, rs.v[i].name);

		if (p != NULL && p->schema[0] && strcmp(p->schema, rs.v[i].schema) != 0)
			snprintf(out, sizeof out, "%s: code %s, site %s", p->name, p->schema,
			         rs.v[i].schema);
	}
	return out;
}

static int update(const char *root, struct drover_db *db)
{
	struct drover_site site = site_of(root, db);

	return harness_ops(&h)->update_run(harness_ctx(&h), &site);
}

static void test_update_run(void)
{
	const char *m1 = fixture("up-m1", "magento1",
	                         "--prefix mage_ --schema Mage_Core:1.6.0.1 "
	                         "--schema catalog_setup:1.6.0.0.19.1.1");
	const char *om = fixture("up-om", "openmage", "--schema Mage_Eav:1.6.0.0");
	const char *m2 = fixture("up-m2", "magento2", "--schema Magento_Store:2.0.1");
	struct drover_db *db;
	char opt[16384], py[4096], calls[4096], *text;
	int rc;

	snprintf(py, sizeof py, "%s", tmp_path("fake-update.py"));
	snprintf(calls, sizeof calls, "%s", tmp_path("update-calls.log"));
	harness_write(base, "fake-update.py", fake_update_py);
	{
		static const struct {
			const char *name, *prefix;
		} cases[] = {{"up-m1", "mage_"}, {"up-om", "-"}, {"up-m2", "-"}};
		const char *roots[] = {m1, om, m2};

		for (size_t i = 0; i < 3; i++) {
			char dbname[64], want[4096];

			snprintf(dbname, sizeof dbname, "%s.sqlite", cases[i].name);
			db = open_db(tmp_path(dbname));
			ok(pending(roots[i], db)[0] != '\0',
			   "update_run %s: updates are pending before (%s)", cases[i].name,
			   pending(roots[i], db));
			if (snprintf(opt, sizeof opt,
			             "update_command = \"python3 %s {root} {site} %s %s %s\";", py,
			             tmp_path(dbname), cases[i].prefix, calls) >= (int)sizeof opt)
				exit(99);
			set_options(opt);
			remove(calls);
			rc = update(roots[i], db);
			is_int(rc, 0, "update_run %s: the configured command ran", cases[i].name);
			is_str(pending(roots[i], db), "",
			       "update_run %s: every module's schema now equals its code's",
			       cases[i].name);
			text = slurp(calls);
			snprintf(want, sizeof want, "%s|shop.example|%s|%s|shop.example\n",
			         roots[i], roots[i], roots[i]);
			is_str(text, want,
			       "update_run %s: {root} and {site} replaced, run in the root, "
			       "DROVER_SITE_ROOT and DROVER_SITE set",
			       cases[i].name);
			free(text);
			db_close(db);
		}
	}

	/* A failing command: DROVER_E_EXEC with its first line, the password redacted. */
	harness_write(base, "fail.sh",
	              "echo\necho \"SQLSTATE[28000]: Access denied for drover using password "
	              "$(sed -n 's/.*<password><!\\[CDATA\\[\\(.*\\)\\]\\]>.*/\\1/p' "
	              "app/etc/local.xml)\"\necho second line\nexit 3\n");
	snprintf(opt, sizeof opt, "update_command = \"sh %s\";", tmp_path("fail.sh"));
	set_options(opt);
	db = open_db(tmp_path("up-om.sqlite"));
	rc = update(om, db);
	expect_error("update_run with a failing command", rc, DROVER_E_EXEC, "up-om", "`sh ");
	like(h.err.message,
	     "exited with status 3: SQLSTATE[28000]: Access denied for drover "
	     "using password *****; fix the cause",
	     "update_run: the first line of the output, the password redacted");

	snprintf(opt, sizeof opt, "update_command = \"sleep 5\";\n    timeout = 1;");
	set_options(opt);
	rc = update(om, db);
	is_int(rc, DROVER_E_TIMEOUT, "update_run: a command that runs too long is stopped");

	/* The built-in updaters, with a stand-in for php that records its arguments. */
	harness_write(base, "fake-php",
	              "#!/bin/sh\n"
	              "echo \"$PWD|$*\" >> \"$(dirname \"$0\")/php-calls.log\"\n"
	              "if [ -f includes/config.php ]; then grep COMPILER_INCLUDE_PATH "
	              "includes/config.php >> \"$(dirname \"$0\")/php-calls.log\"; fi\n"
	              "exit 0\n");
	chmod(tmp_path("fake-php"), 0755);
	snprintf(opt, sizeof opt, "php = \"%s\";\n    m1_runner = \"%s\";", tmp_path("fake-php"),
	         src_file("plugins/magento/m1-update.php"));
	set_options(opt);
	remove(tmp_path("php-calls.log"));
	rc = update(m2, NULL);
	is_int(rc, 0, "update_run m2 built in: ran");
	text = slurp(tmp_path("php-calls.log"));
	{
		char want[8192];

		snprintf(want, sizeof want,
		         "%s|bin/magento setup:upgrade --keep-generated --no-interaction\n"
		         "%s|bin/magento cache:flush --no-interaction\n",
		         m2, m2);
		is_str(text, want,
		       "update_run m2 built in: setup:upgrade --keep-generated, then cache:flush, "
		       "in the root");
	}
	free(text);

	/* Magento 1: the runner, with the stock compiler switched off around it. */
	{
		static const char compiler[] =
		    "<?php\n/**\n * Magento\n */\n\ndefine('COMPILER_INCLUDE_PATH', "
		    "dirname(__FILE__).DIRECTORY_SEPARATOR.'src');\n"
		    "#define('COMPILER_COLLECT_PATH', "
		    "dirname(__FILE__).DIRECTORY_SEPARATOR.'stat');\n";
		char want[8192], path[4096];
		struct stat st;

		put(om, "includes/config.php", compiler);
		snprintf(path, sizeof path, "%s/includes/config.php", om);
		chmod(path, 0664);
		remove(tmp_path("php-calls.log"));
		rc = update(om, db);
		is_int(rc, 0, "update_run m1 built in: ran");
		text = slurp(tmp_path("php-calls.log"));
		snprintf(want, sizeof want,
		         "%s|%s %s\n#define('COMPILER_INCLUDE_PATH', "
		         "dirname(__FILE__).DIRECTORY_SEPARATOR.'src');\n",
		         om, src_file("plugins/magento/m1-update.php"), om);
		is_str(text, want,
		       "update_run m1 built in: php m1-update.php <root>, compiler commented out "
		       "meanwhile");
		free(text);
		text = slurp(path);
		is_str(text, compiler, "update_run m1: includes/config.php restored byte for byte");
		ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0664,
		   "update_run m1: includes/config.php keeps its mode");
		free(text);
	}
	text = slurp(src_file("plugins/magento/m1-update.php"));
	ok(strstr(text, "Mage::app('admin', 'store', array('global_ban_use_cache' => true));") &&
	       strstr(text, "Mage::getConfig()->reinit();") &&
	       strstr(text, "Mage_Core_Model_Resource_Setup::applyAllUpdates();") &&
	       strstr(text, "Mage_Core_Model_Resource_Setup::applyAllDataUpdates();"),
	   "m1-update.php boots Mage without caches, reinits config, applies schema then data");
	free(text);

	snprintf(opt, sizeof opt, "php = \"%s\";\n    m1_runner = \"/nonexistent/m1-update.php\";",
	         tmp_path("fake-php"));
	set_options(opt);
	rc = update(om, db);
	expect_error("update_run m1 without the runner", rc, DROVER_E_NOTFOUND,
	             "/nonexistent/m1-update.php", "reinstall drover, or set");
	set_options("php = \"/nonexistent/php\";");
	rc = update(m2, NULL);
	is_int(rc, DROVER_E_EXEC, "update_run: a php that cannot run is DROVER_E_EXEC");
	db_close(db);
	set_options("");
}

/* --- fixup -------------------------------------------------------------------------------------- */

static int fixup(const char *root, struct drover_db *db, const char *old_domain,
                 const char *new_domain, const char *old_url, const char *new_url)
{
	struct drover_site site = site_of(root, db);
	struct drover_move mv = {.struct_size = sizeof mv,
	                         .old_domain = old_domain,
	                         .new_domain = new_domain,
	                         .old_root = root,
	                         .new_root = root,
	                         .old_site_dir = "",
	                         .new_site_dir = "",
	                         .old_url = old_url,
	                         .new_url = new_url};

	return harness_ops(&h)->fixup(harness_ctx(&h), &site, &mv);
}

static const char *cfg_value(const char *dbpath, const char *table, int id)
{
	char q[256];

	snprintf(q, sizeof q, "SELECT value FROM %s WHERE config_id = %d", table, id);
	return sql1(dbpath, q);
}

static void test_fixup(void)
{
	const char *root = fixture("fx-m2", "magento2", ""), *dbpath = tmp_path("fx-m2.sqlite");
	const char *log;
	struct drover_db *db;
	int rc;

	sh("sqlite3 '%s' \"INSERT INTO core_config_data (config_id, scope, scope_id, path, value) "
	   "VALUES (10, 'default', 0, 'web/secure/base_link_url', "
	   "'https://www.shop.example/shop/'), "
	   "(11, 'default', 0, 'web/unsecure/base_media_url', 'http://cdn.other.com/media/'), "
	   "(12, 'default', 0, 'web/unsecure/base_static_url', '{{unsecure_base_url}}static/'), "
	   "(13, 'default', 0, 'web/cookie/cookie_domain', '.shop.example'), "
	   "(14, 'stores', 1, 'web/unsecure/base_url', 'http://SHOP.example:8080/de/'), "
	   "(15, 'default', 0, 'general/store_information/name', 'shop.example'), "
	   "(16, 'websites', 2, 'web/unsecure/base_url', 'http://other.example/')\"",
	   dbpath);
	db = open_db(dbpath);
	rc = fixup(root, db, "shop.example", "new.example", NULL, NULL);
	is_int(rc, 0, "fixup m2: done");
	is_str(cfg_value(dbpath, "core_config_data", 1), "http://new.example/",
	       "fixup m2: web/unsecure/base_url on the new host");
	is_str(cfg_value(dbpath, "core_config_data", 2), "http://new.example/",
	       "fixup m2: web/secure/base_url on the new host");
	is_str(cfg_value(dbpath, "core_config_data", 10), "https://www.new.example/shop/",
	       "fixup m2: base_link_url, www. and path kept");
	is_str(cfg_value(dbpath, "core_config_data", 11), "http://cdn.other.com/media/",
	       "fixup m2: a URL on another host is left alone");
	is_str(cfg_value(dbpath, "core_config_data", 12), "{{unsecure_base_url}}static/",
	       "fixup m2: placeholders are left alone");
	is_str(cfg_value(dbpath, "core_config_data", 13), ".new.example",
	       "fixup m2: the cookie domain follows");
	is_str(cfg_value(dbpath, "core_config_data", 14), "http://new.example:8080/de/",
	       "fixup m2: a store's URL, port and path kept");
	is_str(cfg_value(dbpath, "core_config_data", 15), "shop.example",
	       "fixup m2: rows outside web/ are not touched");
	is_str(cfg_value(dbpath, "core_config_data", 16), "http://other.example/",
	       "fixup m2: another website's domain is not touched");

	/* With URLs: scheme and path may change too. */
	rc = fixup(root, db, "new.example", "secure.example", "http://new.example/",
	           "https://secure.example/shop");
	is_int(rc, 0, "fixup m2 with URLs: done");
	is_str(cfg_value(dbpath, "core_config_data", 1), "https://secure.example/shop/",
	       "fixup m2 with URLs: the old URL's prefix replaced");
	is_str(cfg_value(dbpath, "core_config_data", 10), "https://www.secure.example/shop/",
	       "fixup m2 with URLs: other URLs on the old host get the new host");
	rc = fixup(root, db, "secure.example", "secure.example", NULL, NULL);
	is_int(rc, 0, "fixup: an unchanged domain is nothing to do");

	/* A base URL in env.php overrides the database: warned about. */
	sh("sed -i \"s|^return \\[|return [\\n    'system' => ['default' => ['web' => ['unsecure' "
	   "=> "
	   "['base_url' => 'http://secure.example/']]]],|\" '%s/app/etc/env.php'",
	   root);
	capture_start();
	rc = fixup(root, db, "secure.example", "third.example", NULL, NULL);
	log = capture_end();
	is_int(rc, 0, "fixup m2 with a base URL in env.php: done");
	like(log, "app/etc/env.php:3: sets web/unsecure/base_url, which overrides core_config_data",
	     "fixup m2: a base URL in env.php is named in a warning");
	db_close(db);

	root = fixture("fx-m1", "magento1", "--prefix mg1_");
	dbpath = tmp_path("fx-m1.sqlite");
	db = open_db(dbpath);
	rc = fixup(root, db, "shop.example", "neu.example", NULL, NULL);
	is_int(rc, 0, "fixup m1: done");
	is_str(cfg_value(dbpath, "mg1_core_config_data", 1), "http://neu.example/",
	       "fixup m1: base URL rewritten, with the table prefix");
	is_str(cfg_value(dbpath, "mg1_core_config_data", 2), "http://neu.example/",
	       "fixup m1: secure base URL rewritten");
	rc = fixup(root, NULL, "shop.example", "neu.example", NULL, NULL);
	is_int(rc, DROVER_E_INVAL, "fixup without a database is refused");
	rc = fixup(root, db, "shop.example", "bad host/", NULL, NULL);
	is_int(rc, DROVER_E_INVAL, "fixup refuses a new domain that is not a host name");
	db_close(db);
}

/* --- health ------------------------------------------------------------------------------------- */

struct checks {
	char text[2048];
	int calls, stop_after;
};

static int collect_check(void *arg, const struct drover_check *c)
{
	static const char *const st[] = {"ok", "warning", "failed"};
	struct checks *cs = arg;
	size_t n = strlen(cs->text);

	cs->calls++;
	snprintf(cs->text + n, sizeof cs->text - n, "%s=%s: %s\n", c->name,
	         c->status >= 0 && c->status <= 2 ? st[c->status] : "?", c->message);
	return cs->stop_after && cs->calls >= cs->stop_after ? 9 : 0;
}

static int health(const char *root, struct drover_db *db, struct checks *cs)
{
	struct drover_site site = site_of(root, db);

	memset(cs, 0, sizeof *cs);
	return harness_ops(&h)->health(harness_ctx(&h), &site, collect_check, cs);
}

static void test_health(void)
{
	const char *root = fixture("he-m1", "magento1", "--prefix p_");
	const char *dbpath = tmp_path("he-m1.sqlite");
	struct drover_db *db = open_db(dbpath);
	struct checks cs;
	int32_t st;
	int rc;

	put(root, "var/log/system.log", "");
	rc = health(root, db, &cs);
	is_int(rc, 0, "health m1: checked");
	is_str(cs.text,
	       "settings=ok: app/etc/local.xml: database he-m1 on localhost\n"
	       "database=ok: the database he-m1 answers and has p_core_resource\n"
	       "maintenance=ok: maintenance mode is off\n"
	       "var=ok: var/ is writable\n",
	       "health m1: four checks, all fine");
	(void)maint(root, DROVER_MAINT_ON, &st);
	rc = health(root, NULL, &cs);
	like(cs.text, "database=warning: not checked: no database is attached",
	     "health: no database is a warning");
	like(cs.text, "maintenance=warning: maintenance mode is on (maintenance.flag exists)",
	     "health: maintenance on is a warning");
	(void)maint(root, DROVER_MAINT_OFF, &st);
	db_close(db);

	db = harness_sqlite(tmp_path("he-empty.sqlite"), "CREATE TABLE x (y int);\n");
	rc = health(root, db, &cs);
	like(cs.text, "database=failed: the database he-m1 has no table p_core_resource",
	     "health: a database without Magento's tables fails");
	db_close(db);

	sh("rm -rf '%s/var' && touch '%s/var'", root, root);
	sh("sed -i 's|</connection>|</connectio>|' '%s/app/etc/local.xml'", root);
	rc = health(root, NULL, &cs);
	is_int(rc, 0, "health of a broken site: still 0");
	like(cs.text,
	     "settings=failed: cannot read the site's database settings: "
	     "app/etc/local.xml is not well-formed XML",
	     "health: an unreadable local.xml fails, with the reader's reason");
	like(cs.text, "database=warning: not checked: the settings file cannot be read",
	     "health: the database is then not checked");
	like(cs.text, "var=failed: var/ is not a directory", "health: var/ must be a directory");

	root = fixture("he-m2", "magento2", "");
	db = open_db(tmp_path("he-m2.sqlite"));
	rc = health(root, db, &cs);
	like(cs.text, "database=ok: the database he-m2 answers and has setup_module",
	     "health m2: setup_module found");
	like(cs.text, "var=warning: var/ does not exist", "health m2: a missing var/ is a warning");
	memset(&cs, 0, sizeof cs);
	cs.stop_after = 2;
	{
		struct drover_site site = site_of(root, db);

		rc = harness_ops(&h)->health(harness_ctx(&h), &site, collect_check, &cs);
	}
	ok(rc == 9 && cs.calls == 2, "health: a callback's result stops and is returned");
	db_close(db);
}

int main(void)
{
	char cmd[4200];

	snprintf(base, sizeof base, "%s", tap_tmpdir());
	harness_load(&h, "magento");
	test_caps();
	test_m1_packages();
	test_openmage_packages();
	test_m2_packages();
	test_settings();
	test_m1_schema();
	test_m2_schema();
	{
		/* Fixture sites shared by several tests (the trees above are hand-made). */
		const char *om = fixture("om", "openmage", "--prefix om_");
		const char *m2fx = fixture("m2fx", "magento2", "");

		test_probe_line(m2fx);
		test_site_paths();
		test_cache_tables(om);
		test_settings_write(om, m2fx);
		test_maintenance(om);
	}
	test_cache_clear();
	test_update_run();
	test_fixup();
	test_health();
	if (cfg_loaded)
		cfg_free(&h.cfg);
	harness_free(&h);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	if (system(cmd) != 0)
		diag("could not remove %s", base);
	return done_testing();
}

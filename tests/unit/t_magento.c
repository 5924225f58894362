/*
 * t_magento.c: the Magento adapter's packages, settings_read and site_schema ops, called as the
 * core calls them (adapter_harness.h).
 *
 * No Magento codebase can live in this repository, so every platform here is a hand-made test
 * double: a tree holding only the files the adapter reads (module declarations in
 * app/etc/modules, config.xml, module.xml, registration.php, installed.json, config.php,
 * local.xml, env.php),
 * written in Magento's own formats. Site databases are SQLite files holding test doubles of the
 * real tables with their real column names (core_resource, setup_module, patch_list). Warnings
 * the adapter logs go to stderr; the tests capture them to check that malformed files are
 * reported with their file and line and then skipped.
 */
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

	ok(caps == (DROVER_CAP_PACKAGES | DROVER_CAP_SETTINGS_READ | DROVER_CAP_SITE_SCHEMA),
	   "caps: packages, settings_read, site_schema");
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
	check_row(&rs, 6, "gone_setup", "", DROVER_SCHEMA_ENABLED, "2.0", "gone_setup");

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
	harness_free(&h);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	if (system(cmd) != 0)
		diag("could not remove %s", base);
	return done_testing();
}

/*
 * t_probe.c: the shipped adapters' probe op on small hand-made trees, one per CMS generation.
 * No Drupal or Magento codebase can live in this repository, so each tree holds only the files a
 * probe reads, written in the CMS's own format (test doubles for the real codebases). Larger
 * generated platforms come with the fixture generators.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "error.h"
#include "host.h"
#include "loader.h"
#include "tap.h"
#include "util.h"

struct file {
	const char *path, *text;
};

struct tree {
	const char *name;
	struct file files[3];
	int want_drupal, want_magento; /* expected return of each adapter's probe */
	const char *cms, *dist;
	unsigned gen;
	const char *version;
};

#define D7_BOOT "<?php\n/**\n * The current system version.\n */\ndefine('VERSION', '7.103');\n"
#define D8(v)                                                                                      \
	"<?php\nnamespace Drupal;\n/**\n * const VERSION = '0.0.1'; (a decoy in a comment)\n */\n" \
	"class Drupal {\n  const VERSION = '" v "';\n}\n"
#define M1_INFO(body) "<?php\nfinal class Mage\n{\n" body "}\n"
#define M1_STOCK                                                                           \
	"    public static function getVersionInfo()\n    {\n        return array(\n"      \
	"            'major' => '1', 'minor' => '9', 'revision' => '4', 'patch' => '5',\n" \
	"            'stability' => '', 'number' => '',\n        );\n    }\n"
#define OM_INFO                                                                                  \
	"    public static function getOpenMageVersionInfo(): array\n    {\n"                    \
	"        return ['major' => '20', 'minor' => '0', 'patch' => '16', 'stability' => '',\n" \
	"                'number' => ''];\n    }\n"
#define M2_LOCK                                                                                    \
	"{\n  \"packages\": [\n    {\"name\": \"magento/framework\", \"version\": \"103.0.7\"},\n" \
	"    {\"name\": \"magento/product-community-edition\", \"version\": \"2.4.7\"}\n  ]\n}\n"

static const struct tree trees[] = {
    {"d7",
     {{"includes/bootstrap.inc", D7_BOOT}, {"modules/field/field.module", "<?php\n"}},
     0,
     DROVER_E_NOTMINE,
     "drupal",
     "drupal",
     7,
     "7.103"},
    {"d10",
     {{"core/lib/Drupal.php", D8("10.3.1")}},
     0,
     DROVER_E_NOTMINE,
     "drupal",
     "drupal",
     10,
     "10.3.1"},
    {"d11dev",
     {{"core/lib/Drupal.php", D8("11.1-dev")}},
     0,
     DROVER_E_NOTMINE,
     "drupal",
     "drupal",
     11,
     "11.1-dev"},
    {"d7-noversion",
     {{"includes/bootstrap.inc", "<?php\ndefine('DRUPAL_CORE_COMPATIBILITY', '7.x');\n"},
      {"modules/field/field.module", "<?php\n"}},
     DROVER_E_PARSE,
     DROVER_E_NOTMINE,
     NULL,
     NULL,
     0,
     NULL},
    {"d6",
     {{"includes/bootstrap.inc", "<?php\n"}, {"modules/system/system.module", "<?php\n"}},
     DROVER_E_NOTMINE,
     DROVER_E_NOTMINE,
     NULL,
     NULL,
     0,
     NULL},
    {"m1",
     {{"app/Mage.php", M1_INFO(M1_STOCK)}},
     DROVER_E_NOTMINE,
     0,
     "magento",
     "magento",
     1,
     "1.9.4.5"},
    {"openmage",
     {{"app/Mage.php", M1_INFO(M1_STOCK OM_INFO)}},
     DROVER_E_NOTMINE,
     0,
     "magento",
     "openmage",
     1,
     "20.0.16"},
    {"m1-noversion",
     {{"app/Mage.php", M1_INFO("    public static function getEdition() { return 'x'; }\n")}},
     DROVER_E_NOTMINE,
     DROVER_E_PARSE,
     NULL,
     NULL,
     0,
     NULL},
    {"m2",
     {{"bin/magento", "#!/usr/bin/env php\n"},
      {"app/etc/di.xml", "<config/>\n"},
      {"composer.lock", M2_LOCK}},
     DROVER_E_NOTMINE,
     0,
     "magento",
     "magento",
     2,
     "2.4.7"},
    {"empty", {{NULL, NULL}}, DROVER_E_NOTMINE, DROVER_E_NOTMINE, NULL, NULL, 0, NULL},
    {"wordpress",
     {{"wp-includes/version.php", "<?php\n$wp_version = '6.6.1';\n"}},
     DROVER_E_NOTMINE,
     DROVER_E_NOTMINE,
     NULL,
     NULL,
     0,
     NULL},
};

static void make_tree(const char *base, const struct tree *t, char *root, size_t size)
{
	char path[4096], *slash;

	if (path_join(root, size, base, t->name) != 0 || path_mkdirs(root, 0755) != 0)
		exit(99);
	for (size_t i = 0; i < ARRAY_LEN(t->files) && t->files[i].path; i++) {
		FILE *f;
		if (path_join(path, sizeof(path), root, t->files[i].path) != 0)
			exit(99);
		slash = strrchr(path, '/');
		*slash = '\0';
		if (path_mkdirs(path, 0755) != 0)
			exit(99);
		*slash = '/';
		f = fopen(path, "w");
		if (!f || fputs(t->files[i].text, f) < 0 || fclose(f) != 0)
			exit(99);
	}
}

static void probe(const struct ldr_entry *e, const struct tree *t, const char *root, int want)
{
	struct drover_probe out;
	struct drover_error err;
	struct drover_ctx ctx;
	int rc;

	memset(&out, 0, sizeof(out));
	out.struct_size = sizeof(out);
	err_clear(&err);
	host_ctx_init(&ctx, e, &err);
	rc = e->desc->ops->probe(&ctx, root, &out);
	is_int(rc, want, "%s probes %s: %s", e->name, t->name, drover_strerror(want));
	if (rc == 0 && want == 0) {
		is_str(out.cms, t->cms, "%s: cms", t->name);
		is_str(out.distribution, t->dist, "%s: distribution", t->name);
		is_int(out.generation, t->gen, "%s: generation", t->name);
		is_str(out.core_version, t->version, "%s: core version", t->name);
	}
	if (want == DROVER_E_NOTMINE)
		is_int(err.code, 0, "%s on %s: not-mine records no error", e->name, t->name);
	else if (want < 0)
		ok(err.code == want && err.message[0] && strstr(err.where, t->name),
		   "%s on %s: the error names the file (%s: %s)", e->name, t->name, err.where,
		   err.message);
}

int main(void)
{
	const char *shipped = getenv("SHIPPED_ADAPTERS"), *dir = tap_tmpdir();
	char path[4096], root[4096];
	struct drover_error err;
	const struct ldr_entry *drupal, *magento;
	struct ldr l;
	struct cfg c;

	if (!shipped) {
		printf("Bail out! SHIPPED_ADAPTERS is not set: run through make check\n");
		return 99;
	}
	err_clear(&err);
	memset(&c, 0, sizeof(c));
	memset(&l, 0, sizeof(l));
	snprintf(path, sizeof(path), "%s/drupal.so", shipped);
	ldr_load_file(&l, &c, path, &err);
	snprintf(path, sizeof(path), "%s/magento.so", shipped);
	ldr_load_file(&l, &c, path, &err);
	drupal = ldr_find(&l, "drupal");
	magento = ldr_find(&l, "magento");
	if (!ok(drupal && magento, "both shipped adapters load")) {
		for (size_t i = 0; i < l.n; i++)
			diag("%s: %s", l.v[i].path, l.v[i].reason);
		return done_testing();
	}
	for (size_t i = 0; i < ARRAY_LEN(trees); i++) {
		make_tree(dir, &trees[i], root, sizeof(root));
		probe(drupal, &trees[i], root, trees[i].want_drupal);
		probe(magento, &trees[i], root, trees[i].want_magento);
	}
	snprintf(root, sizeof(root), "%s/no-such-dir", dir);
	ok(drupal->desc->ops->probe != NULL, "probe is set");
	{
		struct drover_probe out = {.struct_size = sizeof(out)};
		struct drover_ctx ctx;
		err_clear(&err);
		host_ctx_init(&ctx, drupal, &err);
		ok(drupal->desc->ops->probe(&ctx, root, &out) < 0 && err.message[0],
		   "a missing root is an error with a message: %s", err.message);
	}
	ldr_unload(&l);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}

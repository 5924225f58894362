/*
 * plugins/magento/m2_modules.c: the modules of a Magento 2 platform.
 *
 * What Magento 2 does (read in magento/magento2; never copied):
 *   - A module is a directory with registration.php, which calls ComponentRegistrar::register(
 *     MODULE, 'Vendor_Module', __DIR__), and etc/module.xml, <config><module name="Vendor_Module"
 *     setup_version="2.0.1">. setup_version is optional since 2.3 (declarative schema and
 *     patches). ModuleList\Loader takes the first <module> of each module.xml.
 *   - The registration.php files that run: Composer's autoload "files" of each installed package
 *     (vendor/composer/installed.json: "autoload": {"files": ["registration.php"]}), then
 *     app/etc/NonComposerComponentRegistration.php, which globs the patterns of
 *     app/etc/registration_globlist.php; for modules that is app/code/<Vendor>/<Module>/ (the
 *     other patterns register themes, languages, libraries and setup). A module registered twice
 *     makes ComponentRegistrar throw "already defined".
 *   - app/etc/config.php 'modules' => ['Magento_Store' => 1, 'Foo_Bar' => 0]: ModuleList::has()
 *     is !empty($config['modules'][$name]), so a 0 and a module not listed are both disabled.
 *   - PatchReader globs the .php files of each module's Setup/Patch/Data and Setup/Patch/Schema
 *     and names each class str_replace('_', '\\', $module) . '\\Setup\\Patch\\<Type>\\' . base
 *     name; PatchApplier stores get_class() of each applied patch in patch_list.patch_name: the
 *     same string, without a leading backslash. Schema patches run before data patches.
 *
 * As drover packages: one per module, type "module", named as in module.xml; version the
 * Composer package's version ("" for an app/code module whose composer.json has none); schema
 * the setup_version ("" without one); path the module's directory; .updates its patch classes
 * (schema patches, then data patches, each in glob order); DROVER_PKG_CORE for Magento_*
 * modules; DROVER_PKG_DISABLED for modules config.php does not enable (no such flag when the
 * platform has no config.php yet: nothing is enabled or disabled before installation). Vendor
 * modules come first, as Composer's autoloader registers them before app/code; a second module
 * of the same name is skipped with a warning. Without installed.json (a hand-copied vendor/),
 * vendor/<vendor>/<package>/ directories with registration.php and etc/module.xml are taken,
 * with the version of their composer.json.
 */
#include <stdlib.h>
#include <string.h>

#include "magento.h"

/* --- app/etc/config.php ---------------------------------------------------------------------- */

void m2_flags_free(struct m2_flags *f)
{
	tf_names_free(&f->names);
	free(f->on);
	memset(f, 0, sizeof *f);
}

/* PHP's !empty() of a constant value. */
static int php_nonempty(int kind, const char *text)
{
	switch (kind) {
	case TF_PHP_STRING: return text[0] != '\0' && strcmp(text, "0") != 0;
	case TF_PHP_NUMBER: return strtod(text, NULL) != 0.0;
	case TF_PHP_CONST: return strcasecmp(text, "true") == 0;
	default: return 1; /* an array or an expression: not something config.php holds */
	}
}

int m2_flags_read(struct drover_ctx *ctx, const struct tf_root *r, int quiet, struct m2_flags *f)
{
	struct tf_php value, mods;
	struct tf_php_array a;
	struct tf_tok key;
	struct tf_buf b;
	size_t cap = 0;
	unsigned line = 0;
	int rc, got;

	memset(f, 0, sizeof *f);
	rc = mg_read_pkg(ctx, r, quiet, M2_CONFIG_PHP, &b);
	if (rc == DROVER_E_NOTMINE || rc == 1)
		return 0; /* not installed yet: nothing is enabled or disabled */
	if (rc != 0)
		return rc;
	if (!tf_php_return_value(b.data, b.len, &value)) {
		mg_warn(
		    ctx, quiet, M2_CONFIG_PHP, 0,
		    "returns no array; cannot tell which modules are enabled: restore it or run "
		    "`bin/magento module:enable --all`");
		goto out;
	}
	got = tf_php_array_get(value, "modules", &mods, &line);
	if (got <= 0 || !tf_php_array_open(mods, &a)) {
		mg_warn(ctx, quiet, M2_CONFIG_PHP, line,
		        "%s; cannot tell which modules are enabled: restore it or run `bin/magento "
		        "module:enable --all`",
		        got < 0    ? "does not return an array literal"
		        : got == 0 ? "has no 'modules' entry"
		                   : "'modules' is not an array literal");
		goto out;
	}
	while ((got = tf_php_array_next(&a, &key, &value)) == 1) {
		char text[64];
		struct tf_tok t;
		int kind;

		if (key.kind != TF_TOK_STRING)
			continue;
		kind = tf_php_scalar(value, text, sizeof text, &t);
		if (f->names.n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			int *nv = realloc(f->on, ncap * sizeof *nv);

			if (nv == NULL)
				goto nomem;
			f->on = nv;
			cap = ncap;
		}
		if (tf_names_add(&f->names, key.s, key.n) != 0)
			goto nomem;
		f->on[f->names.n - 1] = php_nonempty(kind, kind > 0 ? text : "");
	}
	if (got < 0) {
		mg_warn(ctx, quiet, M2_CONFIG_PHP, a.line,
		        "the 'modules' array is malformed; cannot tell which modules are enabled: "
		        "restore the file");
		m2_flags_free(f);
		goto out;
	}
	f->present = 1;
out:
	tf_buf_free(&b);
	return 0;
nomem:
	tf_buf_free(&b);
	m2_flags_free(f);
	return ctx->host->error(ctx, DROVER_E_NOMEM, M2_CONFIG_PHP, "out of memory reading %s",
	                        M2_CONFIG_PHP);
}

int m2_flag(const struct m2_flags *f, const char *module)
{
	if (!f->present)
		return -1;
	/* From the end: of duplicate keys PHP keeps the last. */
	for (size_t i = f->names.n; i-- > 0;)
		if (strcmp(f->names.v[i], module) == 0)
			return f->on[i] != 0;
	return 0;
}

/* --- finding modules -------------------------------------------------------------------------- */

struct walk {
	struct drover_ctx *ctx;
	const struct tf_root *r;
	drover_package_cb cb;
	void *arg;
	struct m2_flags flags;
	struct tf_names seen, seen_at; /* reported module names, and their directories */
	const char *json;              /* installed.json's text, for line numbers */
	int rc;                        /* what stopped the walk inside the JSON reader */
};

/* Normalise a relative path: "vendor/composer/../magento/x" -> "vendor/magento/x". -1 if it is
 * absolute, leaves the platform, or does not fit. */
static int rel_norm(char *out, size_t size, const char *path)
{
	size_t n = 0;

	if (size == 0 || path[0] == '/')
		return -1;
	out[0] = '\0';
	while (*path) {
		size_t len = strcspn(path, "/");

		if (len == 0 || (len == 1 && path[0] == '.')) {
			/* nothing */
		} else if (len == 2 && path[0] == '.' && path[1] == '.') {
			if (n == 0)
				return -1;
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--; /* the '/' before the removed part */
			out[n] = '\0';
		} else {
			if (n + (n > 0) + len + 1 > size)
				return -1;
			if (n > 0)
				out[n++] = '/';
			memcpy(out + n, path, len);
			n += len;
			out[n] = '\0';
		}
		path += len;
		if (*path == '/')
			path++;
	}
	return n > 0 ? 0 : -1;
}

/* Patch classes of one type ("Schema", "Data") of module `name` in `dir`, appended to out. */
static int add_patches(struct walk *w, const char *dir, const char *name, const char *type,
                       struct tf_names *out)
{
	char rel[MG_REL_MAX], ns[128], cls[512];
	struct tf_names files;
	int rc;

	if (mg_fmt(rel, sizeof rel, "%s/Setup/Patch/%s", dir, type) != 0)
		return 0;
	rc = tf_dir_names(w->ctx, w->r, rel, TF_WANT_FILE, &files);
	if (rc == DROVER_E_NOTMINE)
		return 0;
	if (rc != 0)
		return rc;
	/* The namespace PatchReader derives from the module name: '_' becomes '\'. */
	memcpy(ns, name, strlen(name) + 1); /* fits: names are checked to be short */
	for (char *c = ns; *c; c++)
		if (*c == '_')
			*c = '\\';
	for (size_t i = 0; i < files.n && rc == 0; i++) {
		size_t n = strlen(files.v[i]);

		if (n <= 4 || strcmp(files.v[i] + n - 4, ".php") != 0)
			continue;
		if (mg_fmt(cls, sizeof cls, "%s\\Setup\\Patch\\%s\\%.*s", ns, type, (int)(n - 4),
		           files.v[i]) != 0)
			continue;
		if (tf_names_add(out, cls, strlen(cls)) != 0)
			rc = w->ctx->host->error(w->ctx, DROVER_E_NOMEM, rel, "out of memory");
	}
	tf_names_free(&files);
	return rc;
}

/* The "version" of <dir>/composer.json, "" if it has none. */
static void composer_version(struct walk *w, const char *dir, char *version, size_t size)
{
	char rel[MG_REL_MAX];
	struct tfj_root_info ri;
	struct tf_buf b;
	size_t off = 0;

	version[0] = '\0';
	if (mg_fmt(rel, sizeof rel, "%s/composer.json", dir) != 0 ||
	    mg_read_pkg(w->ctx, w->r, 0, rel, &b) != 0)
		return;
	if (tf_json_root_info(b.data, b.len, &ri, &off) != 0)
		mg_warn(w->ctx, 0, rel, tf_line_at(b.data, off),
		        "not valid JSON; the module's version is left empty");
	else if (tf_copy(version, size, ri.version, strlen(ri.version)) != 0)
		version[0] = '\0';
	tf_buf_free(&b);
}

/* Report the module in directory `dir` if there is one. `version` is the Composer package's,
 * or NULL to read the directory's composer.json. 0 to go on, or a code to return. */
static int module_at(struct walk *w, const char *dir, const char *version)
{
	struct drover_ctx *ctx = w->ctx;
	char rel[MG_REL_MAX], own_version[128], shown[64];
	const struct tf_xml_node *mod;
	const char *name, *setup;
	struct tf_names patches;
	struct drover_package p;
	struct tf_xml_doc doc;
	struct tf_buf b;
	long dup;
	int rc, flag;

	memset(&patches, 0, sizeof patches);
	if (mg_fmt(rel, sizeof rel, "%s/etc/module.xml", dir) != 0)
		return 0;
	rc = mg_read_pkg(ctx, w->r, 0, rel, &b);
	if (rc == DROVER_E_NOTMINE || rc == 1)
		return 0; /* a theme, language pack or library registers itself too */
	if (rc != 0)
		return rc;
	if (tf_xml_parse(b.data, b.len, &doc) != 0) {
		mg_warn(ctx, 0, rel, doc.err_line,
		        "not well-formed XML (%s); the module is skipped: fix or reinstall it",
		        doc.err);
		goto out;
	}
	mod = strcmp(doc.root->name, "config") == 0 ? tf_xml_child(doc.root, "module") : NULL;
	name = tf_xml_attr(mod, "name");
	setup = tf_xml_attr(mod, "setup_version");
	if (name == NULL || !mg_word_ok(name, 100)) {
		mg_warn(ctx, 0, rel, mod ? mod->line : doc.root->line,
		        "%s; the module is skipped: fix or reinstall it",
		        mod == NULL    ? "no <config><module> element"
		        : name == NULL ? "<module> has no name attribute"
		                       : "the module name is not Vendor_Module");
		goto out;
	}
	if (setup == NULL)
		setup = ""; /* declarative schema only (2.3+) */
	if (setup[0] != '\0' && !tf_version_ok(setup, strlen(setup))) {
		mg_warn(
		    ctx, 0, rel, mod->line,
		    "setup_version of %s is '%s', not a version; the module is skipped: fix the "
		    "file",
		    name, tf_printable(shown, sizeof shown, setup, strlen(setup)));
		goto out;
	}
	dup = tf_names_find(&w->seen, name);
	if (dup >= 0) {
		mg_warn(ctx, 0, rel, mod->line,
		        "module %s is also in %s; Magento refuses a module registered twice "
		        "(\"already defined\"): remove one copy. This one is skipped",
		        name, w->seen_at.v[dup]);
		goto out;
	}
	if (version == NULL) {
		composer_version(w, dir, own_version, sizeof own_version);
		version = own_version;
	}
	rc = add_patches(w, dir, name, "Schema", &patches);
	if (rc == 0)
		rc = add_patches(w, dir, name, "Data", &patches);
	if (rc == 0 && (tf_names_add(&w->seen, name, strlen(name)) != 0 ||
	                tf_names_add(&w->seen_at, dir, strlen(dir)) != 0))
		rc = ctx->host->error(ctx, DROVER_E_NOMEM, rel, "out of memory");
	if (rc != 0)
		goto out;
	flag = m2_flag(&w->flags, name);
	memset(&p, 0, sizeof p);
	p.struct_size = (uint32_t)sizeof p;
	p.flags = (strncmp(name, "Magento_", 8) == 0 ? DROVER_PKG_CORE : 0) |
	          (flag == 0 ? DROVER_PKG_DISABLED : 0);
	p.name = name;
	p.type = "module";
	p.version = version;
	p.schema = setup;
	p.path = dir;
	p.site = NULL;
	p.updates = (const char *const *)patches.v;
	p.n_updates = (uint32_t)patches.n;
	rc = w->cb(w->arg, &p);
out:
	tf_names_free(&patches);
	tf_xml_free(&doc);
	tf_buf_free(&b);
	return rc;
}

/* One package of installed.json: each of its autoloaded registration.php files may be a module. */
static int on_package(void *arg, const struct tf_json_pkg *pkg)
{
	struct walk *w = arg;
	char joined[MG_REL_MAX * 2], base[MG_REL_MAX], dir[MG_REL_MAX];

	for (unsigned i = 0; i < pkg->nfiles; i++) {
		const char *f = pkg->files[i], *slash = strrchr(f, '/');
		const char *file = slash ? slash + 1 : f;
		int rc;

		if (strcmp(file, "registration.php") != 0)
			continue;
		/* Composer 2 says where it put the package, relative to vendor/composer; Composer 1
		 * always used vendor/<name>. */
		if ((pkg->install_path[0] != '\0'
		         ? mg_fmt(joined, sizeof joined, "vendor/composer/%s", pkg->install_path)
		         : mg_fmt(joined, sizeof joined, "vendor/%s", pkg->name)) != 0 ||
		    rel_norm(base, sizeof base, joined) != 0 ||
		    mg_fmt(joined, sizeof joined, "%s/%.*s", base, (int)(file - f), f) != 0 ||
		    rel_norm(dir, sizeof dir, joined) != 0) {
			mg_warn(w->ctx, 0, M2_INSTALLED, tf_line_at(w->json, pkg->offset),
			        "package %s is installed outside the platform (%s); its module is "
			        "skipped",
			        pkg->name, pkg->install_path);
			continue;
		}
		rc = module_at(w, dir, pkg->version);
		if (rc != 0) {
			w->rc = rc;
			return 1; /* stop: w->rc says why */
		}
	}
	return 0;
}

/* Modules in <top>/<a>/<b> directories that have registration.php; their versions come from
 * their own composer.json. */
static int scan_two_levels(struct walk *w, const char *top)
{
	struct tf_names outer;
	int rc;

	rc = tf_dir_names(w->ctx, w->r, top, TF_WANT_DIR, &outer);
	if (rc == DROVER_E_NOTMINE)
		return 0;
	for (size_t i = 0; i < outer.n && rc == 0; i++) {
		char rel[MG_REL_MAX];
		struct tf_names inner;

		if (mg_fmt(rel, sizeof rel, "%s/%s", top, outer.v[i]) != 0)
			continue;
		rc = tf_dir_names(w->ctx, w->r, rel, TF_WANT_DIR, &inner);
		if (rc == DROVER_E_NOTMINE) {
			rc = 0;
			continue;
		}
		for (size_t j = 0; j < inner.n && rc == 0; j++) {
			char dir[MG_REL_MAX], reg[MG_REL_MAX];
			int kind;

			if (mg_fmt(dir, sizeof dir, "%s/%s", rel, inner.v[j]) != 0 ||
			    mg_fmt(reg, sizeof reg, "%s/registration.php", dir) != 0)
				continue;
			rc = tf_kind(w->ctx, w->r, reg, &kind);
			if (rc == 0 && kind == TF_FILE)
				rc = module_at(w, dir, NULL);
		}
		tf_names_free(&inner);
	}
	tf_names_free(&outer);
	return rc;
}

int m2_packages(struct drover_ctx *ctx, const struct tf_root *r, drover_package_cb cb, void *arg)
{
	struct walk w;
	struct tf_buf b;
	size_t off = 0;
	int rc;

	memset(&w, 0, sizeof w);
	w.ctx = ctx;
	w.r = r;
	w.cb = cb;
	w.arg = arg;
	rc = m2_flags_read(ctx, r, 0, &w.flags);
	if (rc != 0)
		return rc;
	rc = mg_read_pkg(ctx, r, 0, M2_INSTALLED, &b);
	if (rc == 0) {
		w.json = b.data;
		rc = tf_json_packages(b.data, b.len, on_package, &w, &off);
		if (rc == -1) {
			mg_warn(ctx, 0, M2_INSTALLED, tf_line_at(b.data, off),
			        "not valid JSON; looking for modules in vendor/ instead: run "
			        "`composer install` to restore it");
			rc = DROVER_E_NOTMINE;
		} else if (rc == 1) {
			rc = w.rc;
		}
		tf_buf_free(&b);
	} else if (rc == 1) {
		rc = DROVER_E_NOTMINE;
	}
	/* No usable installed.json: take what vendor/ holds. */
	if (rc == DROVER_E_NOTMINE)
		rc = scan_two_levels(&w, "vendor");
	if (rc == 0)
		rc = scan_two_levels(&w, "app/code");
	tf_names_free(&w.seen);
	tf_names_free(&w.seen_at);
	m2_flags_free(&w.flags);
	return rc;
}

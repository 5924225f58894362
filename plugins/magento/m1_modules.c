/*
 * plugins/magento/m1_modules.c: the modules of a Magento 1 / OpenMage platform.
 *
 * What Magento does (read in OpenMage/magento-lts: Mage_Core_Model_Config, its Element and
 * Resource_Setup classes, Varien_Simplexml_Element::extend; never copied):
 *   - _getDeclaredModuleFiles() takes every .xml file of app/etc/modules in glob order.
 *     Magento 1.x and OpenMage before 19.4.18 / 20.0.16 put Mage_All.xml first, then the other
 *     Mage_*.xml, then the rest. Later OpenMage releases split Mage_All.xml into one file per
 *     core module and put the files named in the constant Mage_Core_Model_Config::MAGE_MODULES
 *     first, in the order of its values, then all others (Mage_All.xml among them) in glob
 *     order. We read that constant from the platform's own Config.php, so each platform gets
 *     its own code's order.
 *   - _loadDeclaredModules() merges the files in that order, a later file's leaf values
 *     replacing earlier ones: a later <active> or <codePool> of a module wins (that is how a
 *     local app/etc/modules/Zz_Custom.xml switches a core module off).
 *   - loadModulesConfiguration() loads etc/config.xml of each module whose <active> passes
 *     Mage_Core_Model_Config_Element::is('active') (anything but "", "0", "false" or "off", in
 *     any case, untrimmed), from app/code/<codePool>/<uc_words(Name, '/')>; modules of the local
 *     pool are left out when <global><disable_local_modules> is "true" or "1" (we read it from
 *     app/etc/local.xml, where installers put it).
 *   - Mage_Core_Model_Resource_Setup::applyAllUpdates() runs each child of <global><resources>
 *     that has a <setup>; its <setup><module> names the module whose <version> the resource's
 *     core_resource.version and .data_version are brought to.
 *
 * As drover packages: one per declared module, type "module", version and schema both the
 * module's <version> (Magento 1 has no other per-module version), path
 * app/code/<pool>/<Vendor>/<Name>, .updates the codes of the setup resources that name the
 * module (the keys of core_resource, so site_schema's rows can be matched), DROVER_PKG_CORE for
 * the core pool and DROVER_PKG_DISABLED for modules Magento does not load. Setup resources
 * declared in another module's config.xml are not followed. Themes (app/design, skin) carry no
 * schema and are not reported.
 */
#include <stdlib.h>
#include <string.h>

#include "magento.h"

/* One module as the declaration files say, merged in load order. */
struct decl {
	char *name;
	char *pool;       /* the last <codePool>, NULL if none */
	char *active;     /* the last <active>, NULL if none */
	const char *file; /* the last file that declared it (a name in the listing) */
	unsigned line;
};

struct decls {
	struct decl *v;
	size_t n, cap;
};

static void decls_free(struct decls *ds)
{
	for (size_t i = 0; i < ds->n; i++) {
		free(ds->v[i].name);
		free(ds->v[i].pool);
		free(ds->v[i].active);
	}
	free(ds->v);
	memset(ds, 0, sizeof *ds);
}

static struct decl *decl_get(struct decls *ds, const char *name)
{
	struct decl *d;

	for (size_t i = 0; i < ds->n; i++)
		if (strcmp(ds->v[i].name, name) == 0)
			return &ds->v[i];
	if (ds->n == ds->cap) {
		size_t ncap = ds->cap ? ds->cap * 2 : 64;
		struct decl *nv = realloc(ds->v, ncap * sizeof *nv);

		if (nv == NULL)
			return NULL;
		ds->v = nv;
		ds->cap = ncap;
	}
	d = &ds->v[ds->n];
	memset(d, 0, sizeof *d);
	d->name = mg_strndup(name, strlen(name));
	if (d->name == NULL)
		return NULL;
	ds->n++;
	return d;
}

/* Replace *slot with the text of leaf element n. */
static int set_text(char **slot, const struct tf_xml_node *n)
{
	char text[256];
	char *copy;

	if (tf_xml_text(n, text, sizeof text) != 0)
		text[0] = '\0'; /* too long to be a pool or a flag: treated as empty */
	copy = mg_strndup(text, strlen(text));
	if (copy == NULL)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

/* Merge the <modules> of one declaration file. -1 when out of memory. */
static int decl_merge(struct decls *ds, const char *file, const struct tf_xml_node *root)
{
	for (const struct tf_xml_node *mods = tf_xml_child(root, "modules"); mods;
	     mods = tf_xml_next_same(mods))
		for (const struct tf_xml_node *m = mods->first; m; m = m->next) {
			struct decl *d;

			if (m->name == NULL)
				continue;
			d = decl_get(ds, m->name);
			if (d == NULL)
				return -1;
			d->file = file;
			d->line = m->line;
			for (const struct tf_xml_node *c = m->first; c; c = c->next) {
				if (c->name == NULL || tf_xml_has_children(c))
					continue;
				if (strcmp(c->name, "active") == 0 && set_text(&d->active, c) != 0)
					return -1;
				if (strcmp(c->name, "codePool") == 0 && set_text(&d->pool, c) != 0)
					return -1;
			}
		}
	return 0;
}

/* Mage_Core_Model_Config_Element::is('active'). */
static int is_true(const char *s)
{
	return s != NULL && s[0] != '\0' && strcmp(s, "0") != 0 && strcasecmp(s, "false") != 0 &&
	       strcasecmp(s, "off") != 0;
}

/* --- load order -------------------------------------------------------------------------- */

struct listed {
	char *name;
	long index;
	size_t pos;
};

static int listed_cmp(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;

	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The module names of Mage_Core_Model_Config::MAGE_MODULES in the order of their values, when the
 * platform's Config.php has that constant (*found = 1). */
static int mage_modules(struct drover_ctx *ctx, const struct tf_root *r, int quiet,
                        struct tf_names *out, int *found)
{
	struct listed *v = NULL;
	size_t n = 0, cap = 0;
	struct tf_buf b;
	struct tf_php lx;
	struct tf_tok t;
	int rc;

	*found = 0;
	memset(out, 0, sizeof *out);
	rc = mg_read_pkg(ctx, r, quiet, M1_CORE_CONFIG, &b);
	if (rc == DROVER_E_NOTMINE || rc == 1)
		return 0; /* no such code: the stock order */
	if (rc != 0)
		return rc;
	tf_php_init(&lx, b.data, b.len);
	for (tf_php_next(&lx, &t); t.kind != TF_TOK_EOF; tf_php_next(&lx, &t)) {
		struct tf_php_array a;
		struct tf_php val;
		struct tf_tok key, eq;

		if (!tf_tok_ident(&t, "MAGE_MODULES"))
			continue;
		tf_php_next(&lx, &eq);
		if (!tf_tok_op(&eq, "=") || !tf_php_array_open(lx, &a))
			continue; /* a use of the constant, not its definition */
		while (tf_php_array_next(&a, &key, &val) == 1) {
			char num[24];
			struct tf_tok vt;

			if (key.kind != TF_TOK_STRING ||
			    tf_php_scalar(val, num, sizeof num, &vt) != TF_PHP_NUMBER)
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct listed *nv = realloc(v, ncap * sizeof *nv);

				if (nv == NULL)
					goto nomem;
				v = nv;
				cap = ncap;
			}
			v[n].name = mg_strndup(key.s, key.n);
			if (v[n].name == NULL)
				goto nomem;
			v[n].index = strtol(num, NULL, 10);
			v[n].pos = n;
			n++;
		}
		*found = 1;
		break;
	}
	if (n > 1)
		qsort(v, n, sizeof *v, listed_cmp);
	for (size_t i = 0; i < n; i++)
		if (tf_names_add(out, v[i].name, strlen(v[i].name)) != 0)
			goto nomem;
	rc = 0;
	goto out;
nomem:
	rc = ctx->host->error(ctx, DROVER_E_NOMEM, M1_CORE_CONFIG, "out of memory reading %s",
	                      M1_CORE_CONFIG);
	tf_names_free(out);
out:
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	tf_buf_free(&b);
	return rc;
}

/* Put the declaration files (sorted, "X.xml") in Magento's load order: order[i] indexes files. */
static int load_order(struct drover_ctx *ctx, const struct tf_root *r, int quiet,
                      const struct tf_names *files, size_t *order)
{
	struct tf_names listed;
	char *used;
	size_t k = 0;
	int rc, found;

	rc = mage_modules(ctx, r, quiet, &listed, &found);
	if (rc != 0)
		return rc;
	used = calloc(files->n ? files->n : 1, 1);
	if (used == NULL) {
		tf_names_free(&listed);
		return ctx->host->error(ctx, DROVER_E_NOMEM, NULL, "out of memory");
	}
	/* The files' names without ".xml" are what the code compares. */
	if (found) {
		for (size_t i = 0; i < listed.n; i++)
			for (size_t j = 0; j < files->n; j++)
				if (!used[j] && strlen(files->v[j]) == strlen(listed.v[i]) + 4 &&
				    strncmp(files->v[j], listed.v[i], strlen(listed.v[i])) == 0) {
					used[j] = 1;
					order[k++] = j;
				}
	} else {
		for (size_t j = 0; j < files->n; j++)
			if (strcmp(files->v[j], "Mage_All.xml") == 0) {
				used[j] = 1;
				order[k++] = j;
			}
		for (size_t j = 0; j < files->n; j++)
			if (!used[j] && strncmp(files->v[j], "Mage_", 5) == 0) {
				used[j] = 1;
				order[k++] = j;
			}
	}
	for (size_t j = 0; j < files->n; j++)
		if (!used[j])
			order[k++] = j;
	free(used);
	tf_names_free(&listed);
	return 0;
}

/* --- one module's code ----------------------------------------------------------------------- */

/* uc_words(name, '/'): "Mage_Core" -> "Mage/Core", "foo_bar" -> "Foo/Bar". */
static void module_dir(const char *name, char *out)
{
	int start = 1;

	for (; *name; name++, out++) {
		char c = *name;

		if (c == '_') {
			*out = '/';
			start = 1;
			continue;
		}
		*out = (start && c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
		start = 0;
	}
	*out = '\0';
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 &&
	       (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	memmove(s, s + i, n - i + 1);
}

struct code {
	char version[64];
	struct tf_names resources;
	int found; /* etc/config.xml was there */
};

/* Read <path>/etc/config.xml for module `name`. 0 (code filled, found or not), 1 when the file is
 * malformed (warned: skip the module), or an error. */
static int read_code(struct drover_ctx *ctx, const struct tf_root *r, int quiet, const char *name,
                     const char *path, struct code *code)
{
	char rel[MG_REL_MAX], text[256];
	struct tf_xml_doc doc;
	struct tf_buf b;
	int rc;

	memset(code, 0, sizeof *code);
	if (mg_fmt(rel, sizeof rel, "%s/etc/config.xml", path) != 0)
		return ctx->host->error(ctx, DROVER_E_RANGE, path, "path too long: %s", path);
	rc = mg_read_pkg(ctx, r, quiet, rel, &b);
	if (rc == DROVER_E_NOTMINE)
		return 0;
	if (rc != 0)
		return rc;
	code->found = 1;
	if (tf_xml_parse(b.data, b.len, &doc) != 0) {
		mg_warn(ctx, quiet, rel, doc.err_line,
		        "not well-formed XML (%s); module %s is skipped: fix or reinstall it",
		        doc.err, name);
		rc = 1;
		goto out;
	}
	for (const struct tf_xml_node *mods = tf_xml_child(doc.root, "modules"); mods;
	     mods = tf_xml_next_same(mods))
		for (const struct tf_xml_node *m = tf_xml_child(mods, name); m;
		     m = tf_xml_next_same(m))
			for (const struct tf_xml_node *v = tf_xml_child(m, "version"); v;
			     v = tf_xml_next_same(v)) {
				if (tf_xml_has_children(v))
					continue;
				if (tf_xml_text(v, text, sizeof text) != 0)
					text[0] = '\0';
				trim(text);
				if (text[0] != '\0' && !tf_version_ok(text, strlen(text))) {
					char shown[48];

					mg_warn(
					    ctx, quiet, rel, v->line,
					    "<version> of module %s is '%s', not a version; the "
					    "module is skipped: fix the file",
					    name,
					    tf_printable(shown, sizeof shown, text, strlen(text)));
					rc = 1;
					goto out;
				}
				memcpy(code->version, text, strlen(text) + 1); /* fits: checked */
			}
	for (const struct tf_xml_node *g = tf_xml_child(doc.root, "global"); g;
	     g = tf_xml_next_same(g))
		for (const struct tf_xml_node *res = tf_xml_child(g, "resources"); res;
		     res = tf_xml_next_same(res))
			for (const struct tf_xml_node *c = res->first; c; c = c->next) {
				const struct tf_xml_node *mod =
				    tf_xml_child(tf_xml_child(c, "setup"), "module");

				if (c->name == NULL || mod == NULL ||
				    tf_xml_text(mod, text, sizeof text) != 0 ||
				    strcmp(text, name) != 0 ||
				    tf_names_find(&code->resources, c->name) >= 0)
					continue;
				if (tf_names_add(&code->resources, c->name, strlen(c->name)) != 0) {
					rc = ctx->host->error(ctx, DROVER_E_NOMEM, rel,
					                      "out of memory reading %s", rel);
					goto out;
				}
			}
out:
	tf_xml_free(&doc);
	tf_buf_free(&b);
	if (rc != 0)
		tf_names_free(&code->resources);
	return rc;
}

/* 1 if app/etc/local.xml disables the local code pool. */
static int local_pool_off(struct drover_ctx *ctx, const struct tf_root *r, int quiet)
{
	struct tf_xml_doc doc;
	struct tf_buf b;
	char text[16];
	int off = 0;

	if (mg_read_pkg(ctx, r, quiet, M1_LOCAL_XML, &b) != 0)
		return 0; /* not installed yet, or unreadable: settings_read will say */
	if (tf_xml_parse(b.data, b.len, &doc) == 0 &&
	    tf_xml_text(tf_xml_path(doc.root, "global/disable_local_modules"), text, sizeof text) ==
	        0)
		off = strcmp(text, "true") == 0 || strcmp(text, "1") == 0;
	tf_xml_free(&doc);
	tf_buf_free(&b);
	return off;
}

/* --- the declared modules ------------------------------------------------------------------ */

/* Report one declared module. 0 to go on (reported or skipped with a warning), else a code to
 * return. */
static int one_module(struct drover_ctx *ctx, const struct tf_root *r, int quiet, int local_off,
                      const struct decl *d, m1_module_fn fn, void *arg)
{
	char decl_rel[MG_REL_MAX], path[MG_REL_MAX], dir[256];
	struct m1_module m;
	struct code code;
	int rc;

	if (mg_fmt(decl_rel, sizeof decl_rel, M1_MODULES_DIR "/%s", d->file) != 0)
		decl_rel[0] = '\0';
	if (!mg_word_ok(d->name, sizeof dir)) {
		mg_warn(ctx, quiet, decl_rel, d->line,
		        "'%.60s' is not a module name (letters, digits and '_'); skipped", d->name);
		return 0;
	}
	if (d->pool == NULL || !mg_word_ok(d->pool, 64)) {
		mg_warn(ctx, quiet, decl_rel, d->line,
		        "module %s has %s <codePool>; it is skipped: declare it as core, "
		        "community or local",
		        d->name, d->pool == NULL ? "no" : "an invalid");
		return 0;
	}
	module_dir(d->name, dir);
	if (mg_fmt(path, sizeof path, "app/code/%s/%s", d->pool, dir) != 0)
		return 0; /* cannot happen: both parts are short words */
	rc = read_code(ctx, r, quiet, d->name, path, &code);
	if (rc == 1)
		return 0;
	if (rc != 0)
		return rc;
	memset(&m, 0, sizeof m);
	m.name = d->name;
	m.code_pool = d->pool;
	m.path = path;
	m.version = code.version;
	m.active = is_true(d->active);
	m.loaded = m.active && !(local_off && strcmp(d->pool, "local") == 0);
	m.resources = (const char *const *)code.resources.v;
	m.n_resources = (uint32_t)code.resources.n;
	if (!code.found && m.loaded)
		mg_warn(
		    ctx, quiet, decl_rel, d->line,
		    "module %s is active but %s/etc/config.xml is missing; reinstall the module "
		    "or set <active>false</active>",
		    d->name, path);
	rc = fn(arg, &m);
	tf_names_free(&code.resources);
	return rc;
}

int m1_modules(struct drover_ctx *ctx, const struct tf_root *r, int quiet, m1_module_fn fn,
               void *arg)
{
	struct tf_names all, files;
	struct decls ds;
	size_t *order = NULL;
	int rc, local_off;

	memset(&ds, 0, sizeof ds);
	memset(&files, 0, sizeof files);
	rc = tf_dir_names(ctx, r, M1_MODULES_DIR, TF_WANT_FILE, &all);
	if (rc == DROVER_E_NOTMINE) {
		mg_warn(ctx, quiet, M1_MODULES_DIR, 0,
		        "missing: the platform declares no modules; restore it from the release "
		        "the platform was built from");
		return 0;
	}
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < all.n; i++) {
		size_t n = strlen(all.v[i]);

		/* glob('*.xml'): a name, then ".xml" exactly. */
		if (n > 4 && strcmp(all.v[i] + n - 4, ".xml") == 0 &&
		    tf_names_add(&files, all.v[i], n) != 0) {
			rc = ctx->host->error(ctx, DROVER_E_NOMEM, NULL, "out of memory");
			goto out;
		}
	}
	order = malloc((files.n ? files.n : 1) * sizeof *order);
	if (order == NULL) {
		rc = ctx->host->error(ctx, DROVER_E_NOMEM, NULL, "out of memory");
		goto out;
	}
	rc = load_order(ctx, r, quiet, &files, order);
	if (rc != 0)
		goto out;
	for (size_t i = 0; i < files.n; i++) {
		const char *file = files.v[order[i]];
		char rel[MG_REL_MAX];
		struct tf_xml_doc doc;
		struct tf_buf b;

		if (mg_fmt(rel, sizeof rel, M1_MODULES_DIR "/%s", file) != 0)
			continue;
		rc = mg_read_pkg(ctx, r, quiet, rel, &b);
		if (rc == DROVER_E_NOTMINE || rc == 1) {
			rc = 0;
			continue;
		}
		if (rc != 0)
			goto out;
		if (tf_xml_parse(b.data, b.len, &doc) != 0)
			mg_warn(
			    ctx, quiet, rel, doc.err_line,
			    "not well-formed XML (%s); the modules it declares are skipped: fix "
			    "the file",
			    doc.err);
		else if (decl_merge(&ds, file, doc.root) != 0)
			rc = ctx->host->error(ctx, DROVER_E_NOMEM, rel, "out of memory reading %s",
			                      rel);
		tf_xml_free(&doc);
		tf_buf_free(&b);
		if (rc != 0)
			goto out;
	}
	local_off = local_pool_off(ctx, r, quiet);
	for (size_t i = 0; i < ds.n && rc == 0; i++)
		rc = one_module(ctx, r, quiet, local_off, &ds.v[i], fn, arg);
out:
	free(order);
	decls_free(&ds);
	tf_names_free(&files);
	tf_names_free(&all);
	return rc;
}

/* --- packages -------------------------------------------------------------------------------- */

struct pkg_walk {
	drover_package_cb cb;
	void *arg;
};

static int module_to_package(void *arg, const struct m1_module *m)
{
	struct pkg_walk *w = arg;
	struct drover_package p;

	memset(&p, 0, sizeof p);
	p.struct_size = (uint32_t)sizeof p;
	p.flags = (strcmp(m->code_pool, "core") == 0 ? DROVER_PKG_CORE : 0) |
	          (m->loaded ? 0 : DROVER_PKG_DISABLED);
	p.name = m->name;
	p.type = "module";
	p.version = m->version;
	p.schema = m->version;
	p.path = m->path;
	p.site = NULL;
	p.updates = m->resources;
	p.n_updates = m->n_resources;
	return w->cb(w->arg, &p);
}

int m1_packages(struct drover_ctx *ctx, const struct tf_root *r, drover_package_cb cb, void *arg)
{
	struct pkg_walk w = {cb, arg};

	return m1_modules(ctx, r, 0, module_to_package, &w);
}

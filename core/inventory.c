/* inventory.c: platforms and sites, read through the adapters and recorded in the registry. */
#include "inventory.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "error.h"
#include "host.h"
#include "tree.h"
#include "util.h"
#include "version.h"

/* ---- small things ----------------------------------------------------------------------------- */

void inv_notes_free(struct inv_notes *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	memset(n, 0, sizeof(*n));
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A call into an adapter: a fresh context whose errors land in a->err. */
static struct drover_ctx *call(struct app *a, const struct ldr_entry *ad, struct drover_ctx *ctx)
{
	host_ctx_init(ctx, ad, &a->err);
	return ctx;
}

int inv_registry(struct app *a, struct reg **out)
{
	int rc;

	if (!a->reg) {
		if ((rc = app_config(a)) != 0)
			return rc;
		if ((rc = reg_open(a->cfg.registry, &a->reg, &a->err)) != 0)
			return rc;
	}
	*out = a->reg;
	return 0;
}

static void loaded_names(const struct ldr *l, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		if (!l->v[i].loaded)
			continue;
		(void)str_fmt(buf + used, size - used, "%s%s", used ? ", " : "", l->v[i].name);
		used = strlen(buf);
	}
	if (!used)
		(void)str_copy(buf, size, "none");
}

int inv_adapter(struct app *a, const struct reg_platform *p, const struct ldr_entry **out)
{
	char names[256];
	int rc;

	if ((rc = app_adapters(a, 0)) != 0)
		return rc;
	*out = ldr_find(&a->ldr, p->adapter);
	if (*out)
		return 0;
	loaded_names(&a->ldr, names, sizeof(names));
	return err_set(&a->err, DROVER_E_NOTFOUND, p->name,
	               "platform %s needs the adapter '%s', which is not loaded (loaded: %s): "
	               "install it or check 'drover plugins'",
	               p->name, p->adapter, names);
}

static int valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max || !isalnum((unsigned char)s[0]))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
			return 0;
	return 1;
}

/* ---- scanning --------------------------------------------------------------------------------- */

struct scan_ctx {
	struct app *a;
	struct reg *reg;
	int64_t platform_id;
	uint64_t n;
	char *updates;
	size_t updates_cap;
};

/* Join names with newlines into s->updates. */
static int join_updates(struct scan_ctx *s, const char *const *v, uint32_t n)
{
	size_t need = 1;

	for (uint32_t i = 0; i < n; i++)
		need += strlen(v[i] ? v[i] : "") + 1;
	if (need > s->updates_cap) {
		char *nb = realloc(s->updates, need);
		if (!nb)
			return DROVER_E_NOMEM;
		s->updates = nb;
		s->updates_cap = need;
	}
	s->updates[0] = '\0';
	for (size_t i = 0, used = 0; i < n; i++) {
		size_t k = strlen(v[i] ? v[i] : "");
		if (used)
			s->updates[used++] = '\n';
		memcpy(s->updates + used, v[i] ? v[i] : "", k + 1);
		used += k;
	}
	return 0;
}

static int on_package(void *arg, const struct drover_package *pkg)
{
	struct scan_ctx *s = arg;
	struct reg_package k;

	memset(&k, 0, sizeof(k));
	if (!pkg || !pkg->name || !pkg->name[0])
		return err_set(&s->a->err, DROVER_E_INVAL, NULL,
		               "the adapter sent a package without "
		               "a name");
	if (str_copy(k.name, sizeof(k.name), pkg->name) ||
	    str_copy(k.type, sizeof(k.type), pkg->type ? pkg->type : "module") ||
	    str_copy(k.version, sizeof(k.version), pkg->version ? pkg->version : "") ||
	    str_copy(k.schema, sizeof(k.schema), pkg->schema ? pkg->schema : "") ||
	    str_copy(k.path, sizeof(k.path), pkg->path ? pkg->path : "") ||
	    str_copy(k.site_dir, sizeof(k.site_dir), pkg->site ? pkg->site : "")) {
		log_msg(DROVER_LOG_WARNING, "package %.64s: a field is too long: skipped",
		        pkg->name);
		return 0;
	}
	if (!k.type[0])
		(void)str_copy(k.type, sizeof(k.type), "module");
	k.flags = pkg->flags;
	if (join_updates(s, pkg->updates, pkg->updates ? pkg->n_updates : 0) != 0)
		return err_set(&s->a->err, DROVER_E_NOMEM, NULL, "out of memory");
	k.updates = s->updates;
	s->n++;
	return reg_package_add(s->reg, s->platform_id, &k, &s->a->err);
}

static int probe(struct app *a, const struct ldr_entry *ad, const char *root,
                 struct drover_probe *out)
{
	struct drover_ctx ctx;

	memset(out, 0, sizeof(*out));
	out->struct_size = sizeof(*out);
	return ad->desc->ops->probe(call(a, ad, &ctx), root, out);
}

static void probe_into(struct reg_platform *p, const struct drover_probe *pr)
{
	(void)str_copy(p->cms, sizeof(p->cms), pr->cms[0] ? pr->cms : p->adapter);
	(void)str_copy(p->distribution, sizeof(p->distribution),
	               pr->distribution[0] ? pr->distribution : pr->cms);
	(void)str_copy(p->core_version, sizeof(p->core_version), pr->core_version);
	p->generation = (int)pr->generation;
	p->line = (int)(pr->line ? pr->line : pr->generation);
}

/*
 * What a platform's stamp leaves out: what its registered sites write while they serve. Each
 * site's public files directory (its settings' files_path: uploads) and what its adapter leaves
 * out of backups (DROVER_PATH_EXCLUDE: caches, sessions, aggregated CSS and JS). None of it is
 * code, and on a live platform it changes all day: stamped, it made every compare and preflight
 * rescan a busy platform. Site-specific code (sites/<site>/modules) is still stamped. A site
 * whose settings or paths cannot be read is simply not left out: a rescan too many is harmless.
 */
struct skips {
	char **v;
	size_t n, cap;
};

static int skip_add(struct skips *k, const char *rel)
{
	char **v;

	if (!rel || !rel[0] || rel[0] == '/' || strstr(rel, ".."))
		return 0;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 16;
		if (!(v = realloc(k->v, cap * sizeof(*v))))
			return DROVER_E_NOMEM;
		k->v = v;
		k->cap = cap;
	}
	if (!(k->v[k->n] = strdup(rel)))
		return DROVER_E_NOMEM;
	/* "sites/x/files/" and "sites/x/files" are one path to the walk. */
	for (size_t len = strlen(k->v[k->n]); len > 1 && k->v[k->n][len - 1] == '/'; len--)
		k->v[k->n][len - 1] = '\0';
	k->n++;
	return 0;
}

static void skips_free(struct skips *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i]);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

static int skip_path(void *arg, const char *path, uint32_t flags)
{
	return (flags & DROVER_PATH_EXCLUDE) ? skip_add(arg, path) : 0;
}

static int platform_stamp(struct app *a, struct reg *reg, const struct reg_platform *p,
                          const struct ldr_entry *ad, char out[TREE_STAMP_MAX], uint64_t *files)
{
	struct drover_error scratch;
	struct reg_site_list l = {0};
	struct skips k = {0};
	int rc = 0;

	err_clear(&scratch);
	if (p->id && reg_site_foreach(reg, p->id, reg_site_list_add, &l, &scratch) != 0)
		l.n = 0; /* nothing left out */
	for (size_t i = 0; rc != DROVER_E_NOMEM && i < l.n; i++) {
		struct drover_site site = {.struct_size = sizeof(site),
		                           .domain = l.v[i].domain,
		                           .root = p->path,
		                           .site_dir = l.v[i].site_dir};
		struct drover_settings st;
		struct drover_ctx ctx;

		memset(&st, 0, sizeof(st));
		st.struct_size = sizeof(st);
		host_ctx_init(&ctx, ad, &scratch);
		if ((ad->desc->caps & DROVER_CAP_SETTINGS_READ) &&
		    ad->desc->ops->settings_read(&ctx, &site, &st) == 0 &&
		    strcmp(st.files_path, l.v[i].site_dir) != 0)
			rc = skip_add(&k, st.files_path);
		memset(st.password, 0, sizeof(st.password));
		host_ctx_init(&ctx, ad, &scratch);
		if (rc != DROVER_E_NOMEM && (ad->desc->caps & DROVER_CAP_SITE_PATHS))
			rc = ad->desc->ops->site_paths(&ctx, &site, skip_path, &k);
	}
	free(l.v);
	if (rc == DROVER_E_NOMEM) {
		skips_free(&k);
		return err_set(&a->err, rc, p->path, "out of memory");
	}
	rc = tree_stamp_skip(p->path, (const char *const *)k.v, k.n, out, files, &a->err);
	skips_free(&k);
	return rc;
}

/* Probe again and record every package, inside the caller's transaction. */
static int scan_into(struct app *a, struct reg *reg, struct reg_platform *p,
                     const struct ldr_entry *ad, struct inv_scan *scan)
{
	struct scan_ctx s = {a, reg, p->id, 0, NULL, 0};
	struct host_capture cap;
	struct drover_probe pr;
	struct drover_ctx ctx;
	double t0 = now_seconds();
	int rc;

	/* Stamp first: a change made while we read shows as a change next time. */
	if ((rc = platform_stamp(a, reg, p, ad, p->tree_stamp, &scan->files)) != 0)
		return rc;
	rc = probe(a, ad, p->path, &pr);
	if (rc == DROVER_E_NOTMINE)
		return err_set(
		    &a->err, DROVER_E_REFUSED, p->path,
		    "platform %s no longer looks like a %s tree to the %s adapter: was the "
		    "directory replaced? Fix it, or remove the platform",
		    p->name, p->cms, ad->name);
	if (rc)
		return rc;
	probe_into(p, &pr);
	if ((rc = reg_platform_set_scan(reg, p, &a->err)) != 0)
		return rc;
	if (!(ad->desc->caps & DROVER_CAP_PACKAGES)) {
		log_msg(DROVER_LOG_INFO,
		        "adapter %s cannot list packages: platform %s has none recorded", ad->name,
		        p->name);
	} else {
		host_capture_start(&cap);
		rc = ad->desc->ops->packages(call(a, ad, &ctx), p->path, on_package, &s);
		host_capture_stop();
		scan->notes.v = cap.lines;
		scan->notes.n = cap.n;
	}
	free(s.updates);
	scan->packages = s.n;
	scan->rescanned = 1;
	scan->seconds = now_seconds() - t0;
	if (rc && !a->err.code)
		err_set(&a->err, rc, p->path, "listing packages failed: %s", drover_strerror(rc));
	return rc;
}

int inv_platform_add(struct app *a, const char *name, const char *path, const char *type,
                     struct reg_platform *out, struct inv_scan *scan)
{
	const struct ldr_entry *claimed = NULL;
	char root[PATH_MAX], names[256];
	struct reg_platform other;
	struct drover_probe pr, first;
	struct drover_error probe_err;
	struct stat st;
	struct reg *reg;
	int rc, tried = 0;

	memset(out, 0, sizeof(*out));
	memset(scan, 0, sizeof(*scan));
	err_clear(&probe_err);
	if (!valid_name(name, sizeof(out->name)))
		return err_set(
		    &a->err, DROVER_E_INVAL, name,
		    "a platform name is letters, digits, '.', '_' and '-', starting with a "
		    "letter or digit (e.g. drupal-7.103)");
	if (!realpath(path, root) || stat(root, &st) != 0)
		return err_set(&a->err, DROVER_E_NOTFOUND, path, "cannot use it as a platform: %s",
		               strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(
		    &a->err, DROVER_E_INVAL, root,
		    "not a directory: give the CMS's docroot (the directory with index.php)");
	if ((rc = app_adapters(a, 0)) != 0 || (rc = inv_registry(a, &reg)) != 0)
		return rc;
	if (reg_platform_get(reg, name, &other, &a->err) == 0)
		return err_set(&a->err, DROVER_E_EXISTS, name,
		               "a platform named %s already exists (%s): choose another name", name,
		               other.path);
	err_clear(&a->err);
	for (size_t i = 0; i < a->ldr.n; i++) {
		const struct ldr_entry *ad = &a->ldr.v[i];
		if (!ad->loaded || (type && strcmp(type, ad->name) != 0))
			continue;
		tried++;
		rc = probe(a, ad, root, &pr);
		if (rc == 0) {
			if (claimed)
				return err_set(
				    &a->err, DROVER_E_INVAL, root,
				    "both the %s and the %s adapter claim this tree: give "
				    "--type to choose",
				    claimed->name, ad->name);
			claimed = ad;
			first = pr;
		} else if (rc != DROVER_E_NOTMINE && !probe_err.code) {
			probe_err = a->err; /* the tree is this CMS's, but broken: worth telling */
		}
		err_clear(&a->err);
	}
	if (!claimed) {
		loaded_names(&a->ldr, names, sizeof(names));
		if (probe_err.code) {
			a->err = probe_err;
			return probe_err.code;
		}
		if (type && !tried)
			return err_set(&a->err, DROVER_E_NOTFOUND, type,
			               "no adapter named %s is loaded (loaded: %s)", type, names);
		return err_set(&a->err, DROVER_E_INVAL, root,
		               "no adapter recognises this tree (tried: %s): give the docroot of a "
		               "Drupal or Magento codebase",
		               type ? type : names);
	}
	(void)str_copy(out->name, sizeof(out->name), name);
	(void)str_copy(out->path, sizeof(out->path), root);
	(void)str_copy(out->adapter, sizeof(out->adapter), claimed->name);
	probe_into(out, &first);
	if ((rc = reg_begin(reg, &a->err)) != 0)
		return rc;
	{
		char abi[16];
		ldr_abi_string(claimed->desc->abi_major, claimed->desc->abi_minor, abi,
		               sizeof(abi));
		rc = reg_adapter_upsert(reg, claimed->name, claimed->desc->version, abi,
		                        claimed->path, claimed->desc->caps, &a->err);
	}
	if (rc == 0 && (rc = reg_platform_add(reg, out, &a->err)) != 0 &&
	    strstr(a->err.message, "UNIQUE") && strstr(a->err.message, "path")) {
		err_reset(&a->err, DROVER_E_EXISTS, root,
		          "this directory is already a platform: see 'drover platform list'");
		rc = DROVER_E_EXISTS;
	}
	if (rc == 0)
		rc = scan_into(a, reg, out, claimed, scan);
	if (rc == 0)
		rc = reg_commit(reg, &a->err);
	if (rc) {
		reg_rollback(reg, NULL);
		inv_notes_free(&scan->notes);
	}
	return rc;
}

int inv_platform_refresh(struct app *a, struct reg_platform *p, int force, struct inv_scan *scan)
{
	const struct ldr_entry *ad;
	char stamp[TREE_STAMP_MAX];
	struct reg *reg;
	double t0 = now_seconds();
	int rc;

	memset(scan, 0, sizeof(*scan));
	if ((rc = inv_adapter(a, p, &ad)) != 0 || (rc = inv_registry(a, &reg)) != 0)
		return rc;
	if (!force) {
		if ((rc = platform_stamp(a, reg, p, ad, stamp, &scan->files)) != 0)
			return rc;
		if (strcmp(stamp, p->tree_stamp) == 0) {
			scan->seconds = now_seconds() - t0;
			return 0;
		}
	}
	if ((rc = reg_begin(reg, &a->err)) != 0)
		return rc;
	rc = scan_into(a, reg, p, ad, scan);
	if (rc == 0)
		rc = reg_commit(reg, &a->err);
	if (rc)
		reg_rollback(reg, NULL);
	return rc;
}

/* ---- sites ------------------------------------------------------------------------------------ */

void inv_site_schema_free(struct inv_site_schema *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].updates);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int inv_schema_row_cb(void *arg, const struct drover_schema_row *row)
{
	struct inv_site_schema *s = arg;
	struct inv_site_pkg *k;
	size_t need = 1;

	if (!row || !row->name || !row->name[0])
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct inv_site_pkg *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return DROVER_E_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	k = &s->v[s->n];
	memset(k, 0, sizeof(*k));
	(void)str_copy(k->name, sizeof(k->name), row->name);
	(void)str_copy(k->type, sizeof(k->type), row->type ? row->type : "");
	(void)str_copy(k->schema, sizeof(k->schema), row->schema ? row->schema : "");
	k->status = row->status;
	for (uint32_t i = 0; row->updates && i < row->n_updates; i++)
		need += strlen(row->updates[i] ? row->updates[i] : "") + 1;
	k->updates = calloc(1, need);
	if (!k->updates)
		return DROVER_E_NOMEM;
	for (uint32_t i = 0, used = 0; row->updates && i < row->n_updates; i++) {
		const char *u = row->updates[i] ? row->updates[i] : "";
		size_t n = strlen(u);
		if (used)
			k->updates[used++] = '\n';
		memcpy(k->updates + used, u, n + 1);
		used += (uint32_t)n;
	}
	s->n++;
	return 0;
}

static int need_cap(struct app *a, const struct ldr_entry *ad, uint64_t cap, const char *what)
{
	if (ad->desc->caps & cap)
		return 0;
	return err_set(&a->err, DROVER_E_NOTSUP, ad->name,
	               "the %s adapter cannot %s (not supported by this adapter version)", ad->name,
	               what);
}

static int read_settings(struct app *a, const struct ldr_entry *ad, const char *domain,
                         const char *root, const char *site_dir, struct drover_settings *st)
{
	struct drover_site site = {
	    .struct_size = sizeof(site), .domain = domain, .root = root, .site_dir = site_dir};
	struct drover_ctx ctx;
	int rc;

	if ((rc = need_cap(a, ad, DROVER_CAP_SETTINGS_READ, "read a site's settings")) != 0)
		return rc;
	memset(st, 0, sizeof(*st));
	st->struct_size = sizeof(*st);
	return ad->desc->ops->settings_read(call(a, ad, &ctx), &site, st);
}

/* Where the database of a site lives, from its settings and the db server it is on. */
static int db_params_from(struct app *a, const struct cfg_db_server *srv,
                          const struct drover_settings *st, const char *root, struct db_params *p)
{
	memset(p, 0, sizeof(*p));
	if (strcmp(srv->driver, "sqlite") == 0) {
		(void)str_copy(p->driver, sizeof(p->driver), DB_DRIVER_SQLITE);
		if (strcmp(st->driver, "sqlite") == 0) {
			/* Drupal keeps the path relative to its root. */
			if (st->database[0] == '/'
			        ? str_copy(p->database, sizeof(p->database), st->database)
			        : path_join(p->database, sizeof(p->database), root, st->database))
				return err_set(&a->err, DROVER_E_RANGE, st->database,
				               "path too long");
		} else if (!db_ident_ok(st->database) || !st->database[0]) {
			return err_set(
			    &a->err, DROVER_E_INVAL, st->database,
			    "database name is not a plain name, so it cannot be a file on db "
			    "server %s",
			    srv->name);
		} else if (str_fmt(p->database, sizeof(p->database), "%s/%s.sqlite", srv->directory,
		                   st->database)) {
			return err_set(&a->err, DROVER_E_RANGE, srv->directory, "path too long");
		}
		return 0;
	}
	if (strcmp(st->driver, "mysql") != 0)
		return err_set(
		    &a->err, DROVER_E_INVAL, srv->name,
		    "the site's settings use the %s driver, but db server %s is MySQL: give "
		    "--db-server with a %s server",
		    st->driver, srv->name, st->driver);
	(void)str_copy(p->driver, sizeof(p->driver), DB_DRIVER_MYSQL);
	(void)str_copy(p->database, sizeof(p->database), st->database);
	(void)str_copy(p->user, sizeof(p->user), st->username);
	(void)str_copy(p->password, sizeof(p->password), st->password);
	/* The site's host when it names one, the server's socket when the site says localhost; a
	 * host with a '/' is a socket path (adapters report Magento's "host" that way). */
	if (strchr(st->host, '/') != NULL) {
		(void)str_copy(p->socket, sizeof(p->socket), st->host);
		(void)str_copy(p->host, sizeof(p->host), "localhost");
		p->port = 0;
		return 0;
	}
	if ((!st->host[0] || strcmp(st->host, "localhost") == 0) && srv->socket[0])
		(void)str_copy(p->socket, sizeof(p->socket), srv->socket);
	(void)str_copy(p->host, sizeof(p->host), st->host[0] ? st->host : srv->host);
	p->port = st->port ? (int)st->port : srv->port;
	return 0;
}

int inv_site_db_params(struct app *a, const struct reg_site *s, const struct ldr_entry *ad,
                       const struct reg_platform *p, struct db_params *out)
{
	const struct cfg_db_server *srv = cfg_db_server(&a->cfg, s->db_server);
	struct drover_settings st;
	int rc;

	if (!srv)
		return err_set(&a->err, DROVER_E_CONFIG, s->domain,
		               "site %s is on db server '%s', which the configuration no longer "
		               "defines: add it under db_servers",
		               s->domain, s->db_server);
	if ((rc = read_settings(a, ad, s->domain, p->path, s->site_dir, &st)) != 0)
		return rc;
	rc = db_params_from(a, srv, &st, p->path, out);
	memset(&st, 0, sizeof(st)); /* the password goes no further than db_params */
	return rc;
}

static int read_schema(struct app *a, const struct ldr_entry *ad, const char *domain,
                       const char *root, const char *site_dir, const struct db_params *dp,
                       struct inv_site_schema *schema)
{
	struct drover_db *db = NULL;
	struct drover_ctx ctx;
	int rc;

	memset(schema, 0, sizeof(*schema));
	if ((rc = need_cap(a, ad, DROVER_CAP_SITE_SCHEMA, "read a site's installed schema")) != 0)
		return rc;
	if ((rc = db_open(dp, DB_READONLY, &db, &a->err)) != 0)
		return rc;
	{
		struct drover_site site = {.struct_size = sizeof(site),
		                           .domain = domain,
		                           .root = root,
		                           .site_dir = site_dir,
		                           .db_driver = db_driver(db),
		                           .db = db};
		rc =
		    ad->desc->ops->site_schema(call(a, ad, &ctx), &site, inv_schema_row_cb, schema);
	}
	db_close(db);
	if (rc && !a->err.code)
		err_set(&a->err, rc, domain, "reading the site's schema failed: %s",
		        drover_strerror(rc));
	if (rc)
		inv_site_schema_free(schema);
	return rc;
}

static int record_schema(struct app *a, struct reg *reg, int64_t site_id,
                         const struct inv_site_schema *schema)
{
	int rc = reg_site_schema_clear(reg, site_id, &a->err);

	for (size_t i = 0; rc == 0 && i < schema->n; i++) {
		const struct inv_site_pkg *k = &schema->v[i];
		struct reg_site_package rp;
		memset(&rp, 0, sizeof(rp));
		(void)str_copy(rp.name, sizeof(rp.name), k->name);
		(void)str_copy(rp.type, sizeof(rp.type), k->type);
		(void)str_copy(rp.schema, sizeof(rp.schema), k->schema);
		rp.status = k->status;
		rp.updates = k->updates;
		rc = reg_site_package_add(reg, site_id, &rp, &a->err);
	}
	return rc ? rc : reg_site_set_verified(reg, site_id, &a->err);
}

/* The site directory to use for a new site of platform p. */
static int pick_site_dir(struct app *a, const struct ldr_entry *ad, const struct reg_platform *p,
                         const char *domain, const char *given, char *out, size_t size)
{
	char path[PATH_MAX];
	struct stat st;

	if (given)
		return str_copy(out, size, given) == 0
		           ? 0
		           : err_set(&a->err, DROVER_E_RANGE, given, "site directory too long");
	if (!(ad->desc->caps & DROVER_CAP_MULTISITE)) {
		if (p->n_sites > 0)
			return err_set(
			    &a->err, DROVER_E_REFUSED, p->name,
			    "platform %s already hosts a site, and a %s platform hosts only "
			    "one: give each site its own platform",
			    p->name, p->cms);
		out[0] = '\0';
		return 0;
	}
	/* Multisite platforms keep each site in sites/<domain>. sites/default is never guessed:
	 * it could be another site's, and importing it under this domain would be wrong. */
	(void)str_fmt(out, size, "sites/%s", domain);
	if (path_join(path, sizeof(path), p->path, out) == 0 && stat(path, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		return 0;
	return err_set(&a->err, DROVER_E_NOTFOUND, p->path,
	               "there is no sites/%s on platform %s: give --site-dir (sites/default for a "
	               "single-site platform)",
	               domain, p->name);
}

int inv_site_import(struct app *a, const char *domain, const char *platform, const char *db_server,
                    const char *site_dir, struct reg_site *out)
{
	const struct cfg_db_server *srv;
	const struct ldr_entry *ad;
	struct inv_site_schema schema;
	struct drover_settings st;
	struct reg_platform p;
	struct db_params dp;
	struct reg_site other;
	struct reg *reg;
	int64_t srv_id;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!valid_name(domain, sizeof(out->domain)) || !strchr(domain, '.'))
		return err_set(&a->err, DROVER_E_INVAL, domain,
		               "a site is named by its domain (letters, digits, '.', '-'), e.g. "
		               "www.example.com");
	if ((rc = inv_registry(a, &reg)) != 0)
		return rc;
	if (reg_site_get(reg, domain, &other, &a->err) == 0)
		return err_set(&a->err, DROVER_E_EXISTS, domain,
		               "site %s is already registered (platform %s)", domain,
		               other.platform);
	err_clear(&a->err);
	if ((rc = reg_platform_get(reg, platform, &p, &a->err)) != 0)
		return rc == DROVER_E_NOTFOUND
		           ? err_set(&a->err, DROVER_E_NOTFOUND, platform,
		                     "no platform named %s: see 'drover platform list'", platform)
		           : rc;
	if ((rc = inv_adapter(a, &p, &ad)) != 0)
		return rc;
	(void)str_copy(out->domain, sizeof(out->domain), domain);
	out->platform_id = p.id;
	(void)str_copy(out->platform, sizeof(out->platform), p.name);
	if ((rc = pick_site_dir(a, ad, &p, domain, site_dir, out->site_dir,
	                        sizeof(out->site_dir))) != 0)
		return rc;
	if ((rc = read_settings(a, ad, domain, p.path, out->site_dir, &st)) != 0)
		return rc;
	if (!db_server) /* a SQLite site goes on a SQLite server: the default, or "local" */
		db_server = strcmp(st.driver, "sqlite") == 0 &&
		                    strcmp(cfg_db_server(&a->cfg, a->cfg.default_db_server)->driver,
		                           "sqlite") != 0
		                ? "local"
		                : a->cfg.default_db_server;
	srv = cfg_db_server(&a->cfg, db_server);
	if (!srv)
		return err_set(
		    &a->err, DROVER_E_NOTFOUND, db_server,
		    "no db server named %s in the configuration: see 'drover config show'",
		    db_server);
	rc = db_params_from(a, srv, &st, p.path, &dp);
	/* A MySQL site on a SQLite server would be the file <directory>/<name>.sqlite: when there
	 * is none, the site is on a MySQL server that was not named. */
	if (rc == 0 && strcmp(srv->driver, "sqlite") == 0 && strcmp(st.driver, "sqlite") != 0 &&
	    access(dp.database, F_OK) != 0)
		rc = err_set(&a->err, DROVER_E_NOTFOUND, domain,
		             "the site's database is %s database %s, but db server %s is SQLite "
		             "(and has no %s): give --db-server with the %s server it is on, or "
		             "set default_db_server",
		             st.driver, st.database, srv->name, dp.database, st.driver);
	(void)str_copy(out->db_user, sizeof(out->db_user), st.username);
	memset(&st, 0, sizeof(st));
	if (rc)
		return rc;
	(void)str_copy(out->db_server, sizeof(out->db_server), srv->name);
	(void)str_copy(out->db_name, sizeof(out->db_name), dp.database);
	rc = read_schema(a, ad, domain, p.path, out->site_dir, &dp, &schema);
	memset(&dp, 0, sizeof(dp));
	if (rc)
		return rc;
	rc = reg_begin(reg, &a->err);
	if (rc == 0)
		rc = reg_db_server_ensure(reg, srv->name, srv->driver,
		                          strcmp(srv->driver, "sqlite") == 0 ? srv->directory
		                          : srv->socket[0]                   ? srv->socket
		                                                             : srv->host,
		                          &srv_id, &a->err);
	if (rc == 0)
		rc = reg_site_add(reg, out, &a->err);
	if (rc && strstr(a->err.message, "UNIQUE")) {
		err_reset(
		    &a->err, DROVER_E_EXISTS, domain,
		    "another site already uses %s of platform %s or database %s: each site needs "
		    "its own directory and database",
		    out->site_dir[0] ? out->site_dir : "the root", p.name, out->db_name);
		rc = DROVER_E_EXISTS;
	}
	if (rc == 0)
		rc = record_schema(a, reg, out->id, &schema);
	if (rc == 0)
		rc = reg_commit(reg, &a->err);
	if (rc)
		reg_rollback(reg, NULL);
	inv_site_schema_free(&schema);
	return rc;
}

int inv_site_verify(struct app *a, const struct reg_site *s, struct inv_site_schema *schema)
{
	const struct ldr_entry *ad;
	struct reg_platform p;
	struct db_params dp;
	struct reg *reg;
	int rc;

	memset(schema, 0, sizeof(*schema));
	if ((rc = inv_registry(a, &reg)) != 0 ||
	    (rc = reg_platform_get_id(reg, s->platform_id, &p, &a->err)) != 0 ||
	    (rc = inv_adapter(a, &p, &ad)) != 0 ||
	    (rc = inv_site_db_params(a, s, ad, &p, &dp)) != 0)
		return rc;
	rc = read_schema(a, ad, s->domain, p.path, s->site_dir, &dp, schema);
	memset(&dp, 0, sizeof(dp));
	if (rc)
		return rc;
	rc = reg_begin(reg, &a->err);
	if (rc == 0)
		rc = record_schema(a, reg, s->id, schema);
	if (rc == 0)
		rc = reg_commit(reg, &a->err);
	if (rc) {
		reg_rollback(reg, NULL);
		inv_site_schema_free(schema);
	}
	return rc;
}

/* ---- diagnoses -------------------------------------------------------------------------------- */

void inv_diags_free(struct inv_diags *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static struct inv_diag *add_diag(struct inv_diags *d, int kind, int error, const char *name)
{
	struct inv_diag *g;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct inv_diag *v = realloc(d->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		d->v = v;
		d->cap = cap;
	}
	g = &d->v[d->n++];
	memset(g, 0, sizeof(*g));
	g->kind = kind;
	g->error = error;
	(void)str_copy(g->name, sizeof(g->name), name);
	return g;
}

static int collect_pkg(void *arg, const struct reg_package *k)
{
	struct inv_pkgs *p = arg;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct reg_package *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return DROVER_E_NOMEM;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n] = *k;
	p->v[p->n].updates = str_dup(k->updates ? k->updates : "");
	if (!p->v[p->n].updates)
		return DROVER_E_NOMEM;
	p->n++;
	return 0;
}

static int pkg_order(const void *x, const void *y)
{
	const struct reg_package *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	return c ? c : strcmp(a->site_dir, b->site_dir);
}

int inv_pkgs_load(struct app *a, int64_t platform_id, struct inv_pkgs *out)
{
	struct reg *reg;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = inv_registry(a, &reg)) != 0)
		return rc;
	if ((rc = reg_package_foreach(reg, platform_id, collect_pkg, out, &a->err)) != 0) {
		inv_pkgs_free(out);
		return rc == DROVER_E_NOMEM ? err_set(&a->err, rc, NULL, "out of memory") : rc;
	}
	if (out->n) /* qsort's pointer must not be NULL, even for nothing */
		qsort(out->v, out->n, sizeof(*out->v), pkg_order);
	return 0;
}

void inv_pkgs_free(struct inv_pkgs *p)
{
	for (size_t i = 0; i < p->n; i++)
		free((char *)(uintptr_t)p->v[i].updates);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

const struct reg_package *inv_pkgs_find(const struct inv_pkgs *p, const char *name,
                                        const char *site_base)
{
	const struct reg_package *shared = NULL;
	size_t lo = 0, hi = p->n;

	while (lo < hi) { /* first entry with this name */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(p->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < p->n && strcmp(p->v[i].name, name) == 0; i++) {
		if (p->v[i].site_dir[0] == '\0')
			shared = &p->v[i];
		else if (site_base && strcmp(p->v[i].site_dir, site_base) == 0)
			return &p->v[i];
	}
	return shared;
}

/* Named updates of the code that the site has not applied. */
static size_t missing_updates(const char *code, const char *applied)
{
	size_t n = 0;

	for (const char *p = code; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		int found = 0;
		for (const char *q = applied; q && *q && !found;) {
			const char *ql = strchr(q, '\n');
			size_t qn = ql ? (size_t)(ql - q) : strlen(q);
			found = qn == len && memcmp(p, q, len) == 0;
			q = ql ? ql + 1 : NULL;
		}
		n += len && !found;
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

struct diag_ctx {
	struct inv_diags *d;
	const struct inv_pkgs *pk;
	const char *site_base;
	const struct reg_platform *p;
	int rc;
};

static int diag_one(void *arg, const struct reg_site_package *sp)
{
	struct diag_ctx *c = arg;
	const struct reg_package *code;
	struct inv_diag *g;
	size_t missing;
	int cmp;

	if (sp->status == DROVER_SCHEMA_UNINSTALLED)
		return 0;
	code = inv_pkgs_find(c->pk, sp->name, c->site_base);
	if (!code) {
		if (sp->status != DROVER_SCHEMA_ENABLED)
			return 0;
		g = add_diag(c->d, DIAG_MISSING, 1, sp->name);
		if (!g)
			return DROVER_E_NOMEM;
		(void)str_copy(g->site_schema, sizeof(g->site_schema), sp->schema);
		(void)str_fmt(
		    g->message, sizeof(g->message),
		    "%s is enabled on the site but its code is missing from platform %s: put "
		    "it back, or disable it on the site",
		    sp->name, c->p->name);
		return 0;
	}
	cmp = vers_cmp(sp->schema, code->schema);
	missing = missing_updates(code->updates, sp->updates);
	if (cmp > 0) {
		g = add_diag(c->d, DIAG_DOWNGRADED, 1, sp->name);
		if (!g)
			return DROVER_E_NOMEM;
		(void)str_copy(g->site_schema, sizeof(g->site_schema), sp->schema);
		(void)str_copy(g->code_schema, sizeof(g->code_schema), code->schema);
		(void)str_fmt(
		    g->message, sizeof(g->message),
		    "%s was downgraded in place: the site's schema is %s but the code on "
		    "platform %s is at %s; put back a release of %s with schema %s or newer "
		    "(%s), or migrate the site to a platform that has one",
		    sp->name, sp->schema, c->p->name, code->schema[0] ? code->schema : "none",
		    sp->name, sp->schema, code->path);
	} else if (sp->status == DROVER_SCHEMA_ENABLED && (cmp < 0 || missing)) {
		g = add_diag(c->d, DIAG_PENDING, 0, sp->name);
		if (!g)
			return DROVER_E_NOMEM;
		(void)str_copy(g->site_schema, sizeof(g->site_schema), sp->schema);
		(void)str_copy(g->code_schema, sizeof(g->code_schema), code->schema);
		if (cmp < 0)
			(void)str_fmt(
			    g->message, sizeof(g->message),
			    "%s has pending updates: the site is at schema %s, the code at %s%s",
			    sp->name, sp->schema[0] ? sp->schema : "none", code->schema,
			    missing ? ", and named updates are waiting" : "");
		else
			(void)str_fmt(g->message, sizeof(g->message),
			              "%s has %zu named update%s (post-updates or patches) waiting",
			              sp->name, missing, missing == 1 ? "" : "s");
	}
	return 0;
}

int inv_diagnose(struct app *a, const struct reg_site *s, struct inv_diags *out)
{
	struct inv_pkgs pk;
	struct reg_platform p;
	struct diag_ctx c;
	struct reg *reg;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = inv_registry(a, &reg)) != 0 ||
	    (rc = reg_platform_get_id(reg, s->platform_id, &p, &a->err)) != 0)
		return rc;
	if ((rc = inv_pkgs_load(a, p.id, &pk)) != 0)
		return rc;
	c = (struct diag_ctx){out, &pk, s->site_dir, &p, 0};
	rc = reg_site_package_foreach(reg, s->id, diag_one, &c, &a->err);
	for (size_t i = 0; rc == 0 && i < pk.n; i++) {
		struct inv_diag *g;
		if (!pk.v[i].site_dir[0] || strcmp(pk.v[i].site_dir, c.site_base) != 0)
			continue;
		g = add_diag(out, DIAG_SITE_SPECIFIC, 0, pk.v[i].name);
		if (!g) {
			rc = DROVER_E_NOMEM;
			break;
		}
		(void)str_copy(g->code_schema, sizeof(g->code_schema), pk.v[i].schema);
		(void)str_fmt(
		    g->message, sizeof(g->message),
		    "%s lives in the site's own directory (%s): it moves with the site and a "
		    "migrate can never upgrade it; move it to the platform to have it upgraded",
		    pk.v[i].name, pk.v[i].path);
	}
	inv_pkgs_free(&pk);
	if (rc == DROVER_E_NOMEM)
		err_set(&a->err, rc, s->domain, "out of memory");
	return rc;
}

/* The database a site's settings name, on its db server. */
static int open_from_settings(struct app *a, const struct cfg_db_server *srv,
                              const struct drover_settings *st, const char *root,
                              struct drover_db **db)
{
	struct db_params dp;
	int rc = db_params_from(a, srv, st, root, &dp);

	if (rc == 0)
		rc = db_open(&dp, 0, db, &a->err);
	memset(&dp, 0, sizeof(dp));
	return rc;
}

static int first_col(void *arg, uint32_t n, const char *const *cols)
{
	if (n > 0 && cols[0])
		(void)str_copy(arg, 256, cols[0]);
	return 1;
}

int inv_site_db_shared(struct app *a, const struct ldr_entry *ad, const struct reg_site *s,
                       const char *root)
{
	const struct cfg_db_server *srv = cfg_db_server(&a->cfg, s->db_server);
	const char *params[2];
	struct drover_settings st;
	struct drover_db *db = NULL;
	char other[256] = "";
	int rc;

	if (!srv || strcmp(srv->driver, "mysql") != 0 ||
	    !(ad->desc->caps & DROVER_CAP_SETTINGS_READ))
		return 0;
	if (read_settings(a, ad, s->domain, root, s->site_dir, &st) != 0 || !st.prefix[0]) {
		err_clear(&a->err); /* unreadable settings fail the steps that need them */
		return 0;
	}
	rc = open_from_settings(a, srv, &st, root, &db);
	memset(st.password, 0, sizeof(st.password));
	if (rc != 0)
		return rc;
	params[0] = params[1] = st.prefix;
	rc = db_query(db,
	              "SELECT table_name FROM information_schema.tables WHERE table_schema = "
	              "DATABASE() AND LEFT(table_name, CHAR_LENGTH(?)) <> ? LIMIT 1",
	              params, 2, first_col, other, &a->err);
	db_close(db);
	if (rc < 0)
		return rc;
	if (other[0])
		return err_set(
		    &a->err, DROVER_E_REFUSED, st.database,
		    "database %s also holds %s, which is not %s's (its tables start with "
		    "%s): drover moves and drops a site's whole database and would take "
		    "the other tables with it; give the site a database of its own first",
		    st.database, other, s->domain, st.prefix);
	return 0;
}

int inv_site_open(struct app *a, const struct ldr_entry *ad, const char *domain, const char *root,
                  const char *site_dir, const char *server, struct drover_db **db)
{
	const struct cfg_db_server *srv = cfg_db_server(&a->cfg, server);
	struct drover_settings st;
	int rc;

	*db = NULL;
	if (!srv)
		return err_set(&a->err, DROVER_E_CONFIG, server,
		               "db server '%s' is not in the configuration", server);
	if ((rc = read_settings(a, ad, domain, root, site_dir, &st)) != 0)
		return rc;
	rc = open_from_settings(a, srv, &st, root, db);
	memset(&st, 0, sizeof(st));
	return rc;
}

int inv_adapter_named(struct app *a, const char *name, const struct ldr_entry **out)
{
	struct reg_platform p;

	memset(&p, 0, sizeof(p));
	(void)str_copy(p.adapter, sizeof(p.adapter), name);
	(void)str_copy(p.name, sizeof(p.name), name);
	return inv_adapter(a, &p, out);
}

/* compare.c: which platforms can a site move to, and what would change, package by package. */
#include "compare.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"
#include "version.h"

/* One platform as this run knows it: refreshed at most once, packages loaded once. */
struct cmp_entry {
	struct reg_platform p;
	struct inv_pkgs pk;
	int loaded;
	const struct ldr_entry *ad;
};

struct cmp_cache {
	struct cmp_entry *v;
	size_t n;
};

const char *cmp_verdict_name(int verdict)
{
	static const char *const names[] = {"unchanged", "upgrade", "warning", "error"};

	return verdict >= 0 && verdict <= CMP_ERROR ? names[verdict] : "?";
}

static int add_platform(void *arg, const struct reg_platform *p)
{
	struct cmp_cache *c = arg;
	struct cmp_entry *v = realloc(c->v, (c->n + 1) * sizeof(*v));

	if (!v)
		return DROVER_E_NOMEM;
	c->v = v;
	memset(&v[c->n], 0, sizeof(v[c->n]));
	v[c->n++].p = *p;
	return 0;
}

void cmp_cache_free(struct cmp_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		inv_pkgs_free(&c->v[i].pk);
	free(c->v);
	free(c);
}

static int cache_get(struct app *a, struct cmp_cache **cache)
{
	struct reg *reg;
	int rc;

	if (*cache)
		return 0;
	if ((rc = inv_registry(a, &reg)) != 0)
		return rc;
	*cache = calloc(1, sizeof(**cache));
	if (!*cache)
		return err_set(&a->err, DROVER_E_NOMEM, NULL, "out of memory");
	rc = reg_platform_foreach(reg, add_platform, *cache, &a->err);
	return rc == DROVER_E_NOMEM ? err_set(&a->err, rc, NULL, "out of memory") : rc;
}

/* The platform fresh (rescanned if its tree changed) with its packages. */
static int entry_load(struct app *a, struct cmp_entry *e)
{
	struct inv_scan scan;
	int rc;

	if (e->loaded)
		return 0;
	if ((rc = inv_adapter(a, &e->p, &e->ad)) != 0)
		return rc;
	rc = inv_platform_refresh(a, &e->p, 0, &scan);
	for (size_t i = 0; i < scan.notes.n; i++)
		log_msg(DROVER_LOG_WARNING, "platform %s: %s", e->p.name, scan.notes.v[i]);
	inv_notes_free(&scan.notes);
	if (rc)
		return rc;
	if (scan.rescanned)
		log_msg(DROVER_LOG_INFO, "platform %s changed since its last scan: rescanned",
		        e->p.name);
	if ((rc = inv_pkgs_load(a, e->p.id, &e->pk)) != 0)
		return rc;
	e->loaded = 1;
	return 0;
}

static struct cmp_entry *entry_by_id(struct cmp_cache *c, int64_t id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].p.id == id)
			return &c->v[i];
	return NULL;
}

static struct cmp_pkg *add_pkg(struct cmp_target *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct cmp_pkg *v = realloc(t->pk, cap * sizeof(*v));
		if (!v)
			return NULL;
		t->pk = v;
		t->cap = cap;
	}
	memset(&t->pk[t->n], 0, sizeof(t->pk[t->n]));
	return &t->pk[t->n++];
}

static void block(struct cmp_target *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void block(struct cmp_target *t, const char *fmt, ...)
{
	va_list ap;

	t->eligible = 0;
	if (t->n_reasons >= CMP_MAX_REASONS)
		return;
	va_start(ap, fmt);
	(void)str_vfmt(t->reasons[t->n_reasons++], sizeof(t->reasons[0]), fmt, ap);
	va_end(ap);
}

/* Named updates the target's code ships that the site has not applied: any? */
static int has_new_updates(const char *code, const char *applied)
{
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
		if (len && !found)
			return 1;
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

struct pkg_ctx {
	struct cmp_target *t;
	const struct cmp_entry *from, *to;
	const char *site_base;
	int rc;
};

const char *cmp_pkg_message(const struct cmp_pkg *p, char *buf, size_t size)
{
	const char *off = p->enabled ? "" : " (disabled on the site)";

	switch (p->why) {
	case CMP_WHY_SITE_SPECIFIC:
		(void)str_copy(buf, size,
		               "lives in the site's directory: moves with it, not upgraded");
		break;
	case CMP_WHY_MISSING:
		(void)str_copy(buf, size,
		               p->enabled ? "missing on the target: to be disabled by the update"
		                          : "missing on the target (disabled on the site)");
		break;
	case CMP_WHY_SCHEMA_DOWN:
		(void)str_fmt(buf, size,
		              "schema would go down: the site is at %s, the target's code at %s%s",
		              p->site_schema, p->to_schema[0] ? p->to_schema : "none", off);
		break;
	case CMP_WHY_VERSION_DOWN:
		(void)str_fmt(buf, size, "version would go down: %s -> %s%s", p->from_version,
		              p->to_version, off);
		break;
	case CMP_WHY_UPDATES:
		(void)str_fmt(buf, size, "updates will run: schema %s -> %s",
		              p->site_schema[0] ? p->site_schema : "none", p->to_schema);
		break;
	default: buf[0] = '\0';
	}
	return buf;
}

static int compare_pkg(struct pkg_ctx *c, const struct reg_site_package *sp)
{
	const struct reg_package *src, *dst;
	struct cmp_pkg *k;

	if (sp->status == DROVER_SCHEMA_UNINSTALLED)
		return 0;
	src = inv_pkgs_find(&c->from->pk, sp->name, c->site_base);
	k = add_pkg(c->t);
	if (!k)
		return DROVER_E_NOMEM;
	k->name = sp->name;
	k->site_schema = sp->schema;
	k->enabled = sp->status == DROVER_SCHEMA_ENABLED;
	k->from_version = src ? src->version : "";
	k->to_version = k->to_schema = "";
	if (src && src->site_dir[0]) {
		/* Its code is in the site's own directory: it comes along, unchanged. */
		k->to_version = src->version;
		k->to_schema = src->schema;
		k->why = CMP_WHY_SITE_SPECIFIC;
		k->verdict = CMP_UNCHANGED;
	} else if (!(dst = inv_pkgs_find(&c->to->pk, sp->name, NULL))) {
		k->why = CMP_WHY_MISSING;
		k->verdict = k->enabled ? CMP_WARNING : CMP_UNCHANGED;
	} else {
		int schema = vers_cmp(dst->schema, sp->schema);
		int version_down = src && src->version[0] && dst->version[0] &&
		                   strcmp(src->version, dst->version) != 0 &&
		                   vers_cmp(dst->version, src->version) < 0;
		k->to_version = dst->version;
		k->to_schema = dst->schema;
		if (schema < 0 || version_down) {
			k->why = schema < 0 ? CMP_WHY_SCHEMA_DOWN : CMP_WHY_VERSION_DOWN;
			k->verdict = k->enabled ? CMP_ERROR : CMP_WARNING;
		} else if (schema > 0 || has_new_updates(dst->updates, sp->updates)) {
			k->why = CMP_WHY_UPDATES;
			k->verdict = k->enabled ? CMP_UPGRADE : CMP_UNCHANGED;
		} else {
			k->verdict = CMP_UNCHANGED;
		}
	}
	c->t->counts[k->verdict]++;
	return 0;
}

/* The site's installed packages, read once per site for every target. */
struct site_pkgs {
	struct reg_site_package *v;
	size_t n, cap;
};

static int collect_site_pkg(void *arg, const struct reg_site_package *k)
{
	struct site_pkgs *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct reg_site_package *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return DROVER_E_NOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = *k;
	if (!(l->v[l->n].updates = str_dup(k->updates ? k->updates : "")))
		return DROVER_E_NOMEM;
	l->n++;
	return 0;
}

static void site_pkgs_free(struct site_pkgs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free((char *)(uintptr_t)l->v[i].updates);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int compare_one(struct app *a, const struct reg_site *s, const struct site_pkgs *sp,
                       struct cmp_entry *from, struct cmp_entry *to, struct cmp_target *t)
{
	struct pkg_ctx c = {t, from, to, s->site_dir, 0};
	int rc = 0;

	memset(t, 0, sizeof(*t));
	t->p = to->p;
	t->eligible = 1;
	if (strcmp(to->p.adapter, from->p.adapter) != 0) {
		block(t,
		      "platform %s is %s, the site is %s: a site moves only between platforms of "
		      "one CMS",
		      to->p.name, to->p.cms, from->p.cms);
		return 0;
	}
	if (to->p.line != from->p.line) {
		block(t,
		      "%s %s -> %s %s is a major core change: drover moves sites within one major "
		      "line; use a content migration (e.g. Drupal's Migrate API, Magento's Data "
		      "Migration Tool) to build a new site instead",
		      from->p.distribution, from->p.core_version, to->p.distribution,
		      to->p.core_version);
		return 0;
	}
	if ((rc = entry_load(a, to)) != 0)
		return rc;
	t->p = to->p;
	if (vers_cmp(to->p.core_version, from->p.core_version) < 0)
		block(t, "core would go down: %s -> %s", from->p.core_version, to->p.core_version);
	if (!(to->ad->desc->caps & DROVER_CAP_MULTISITE) && to->p.n_sites > 0)
		block(t, "platform %s already hosts a site, and a %s platform hosts only one",
		      to->p.name, to->p.cms);
	for (size_t i = 0; rc == 0 && i < sp->n; i++)
		rc = compare_pkg(&c, &sp->v[i]);
	if (rc == DROVER_E_NOMEM)
		return err_set(&a->err, rc, s->domain, "out of memory");
	if (rc)
		return rc;
	if (t->counts[CMP_ERROR])
		block(t, "%zu enabled package%s would go down (see below)", t->counts[CMP_ERROR],
		      t->counts[CMP_ERROR] == 1 ? "" : "s");
	return 0;
}

int cmp_site(struct app *a, const struct reg_site *s, const char *to, int fresh_schema,
             struct cmp_cache **cache, struct cmp_result *out)
{
	struct site_pkgs sp = {0};
	struct cmp_entry *from;
	struct reg *reg;
	int rc, found = 0;

	memset(out, 0, sizeof(*out));
	out->site = *s;
	if ((rc = cache_get(a, cache)) != 0)
		return rc;
	from = entry_by_id(*cache, s->platform_id);
	if (!from)
		return err_set(&a->err, DROVER_E_CORRUPT, s->domain,
		               "the site's platform is missing");
	if ((rc = entry_load(a, from)) != 0)
		return rc;
	out->from = from->p;
	if (fresh_schema) {
		struct inv_site_schema schema;
		if ((rc = inv_site_verify(a, s, &schema)) != 0)
			return rc;
		inv_site_schema_free(&schema);
		out->schema_fresh = 1;
	}
	out->t = calloc((*cache)->n ? (*cache)->n : 1, sizeof(*out->t));
	if (!out->t)
		return err_set(&a->err, DROVER_E_NOMEM, NULL, "out of memory");
	if ((rc = inv_registry(a, &reg)) != 0 ||
	    (rc = reg_site_package_foreach(reg, s->id, collect_site_pkg, &sp, &a->err)) != 0) {
		site_pkgs_free(&sp);
		return rc == DROVER_E_NOMEM ? err_set(&a->err, rc, s->domain, "out of memory") : rc;
	}
	for (size_t i = 0; i < (*cache)->n; i++) {
		struct cmp_entry *e = &(*cache)->v[i];
		if (to ? strcmp(e->p.name, to) != 0
		       : (e->p.id == from->p.id || strcmp(e->p.adapter, from->p.adapter) != 0))
			continue;
		found = 1;
		if (e->p.id == from->p.id) {
			site_pkgs_free(&sp);
			return err_set(&a->err, DROVER_E_INVAL, to,
			               "site %s is already on platform %s", s->domain, to);
		}
		if ((rc = compare_one(a, s, &sp, from, e, &out->t[out->n])) != 0) {
			free(out->t[out->n].pk);
			site_pkgs_free(&sp);
			return rc;
		}
		out->n++;
	}
	out->pkgs = sp.v; /* the result's cmp_pkg point into it */
	out->n_pkgs = sp.n;
	if (to && !found)
		return err_set(&a->err, DROVER_E_NOTFOUND, to,
		               "no platform named %s: see 'drover platform list'", to);
	return 0;
}

void cmp_result_free(struct cmp_result *r)
{
	struct site_pkgs sp = {r->pkgs, r->n_pkgs, r->n_pkgs};

	for (size_t i = 0; i < r->n; i++)
		free(r->t[i].pk);
	free(r->t);
	site_pkgs_free(&sp);
	memset(r, 0, sizeof(*r));
}

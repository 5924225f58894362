/* compare.c: drover compare DOMAIN|--all [--to PLATFORM]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "compare.h"
#include "error.h"
#include "json.h"
#include "util.h"

static void json_result(struct jw *j, const struct cmp_result *r)
{
	char msg[512];

	jw_obj_begin(j);
	jw_kstr(j, "site", r->site.domain);
	jw_kstr(j, "platform", r->from.name);
	jw_kstr(j, "core_version", r->from.core_version);
	jw_kbool(j, "schema_fresh", r->schema_fresh);
	jw_key(j, "candidates");
	jw_arr_begin(j);
	for (size_t i = 0; i < r->n; i++) {
		const struct cmp_target *t = &r->t[i];
		jw_obj_begin(j);
		jw_kstr(j, "platform", t->p.name);
		jw_kstr(j, "core_version", t->p.core_version);
		jw_kbool(j, "eligible", t->eligible);
		jw_key(j, "blocked_by");
		jw_arr_begin(j);
		for (size_t k = 0; k < t->n_reasons; k++)
			jw_str(j, t->reasons[k]);
		jw_arr_end(j);
		jw_key(j, "counts");
		jw_obj_begin(j);
		for (int v = CMP_UNCHANGED; v <= CMP_ERROR; v++)
			jw_kint(j, cmp_verdict_name(v), (int64_t)t->counts[v]);
		jw_obj_end(j);
		jw_key(j, "packages");
		jw_arr_begin(j);
		for (size_t k = 0; k < t->n; k++) {
			const struct cmp_pkg *p = &t->pk[k];
			jw_obj_begin(j);
			jw_kstr(j, "name", p->name);
			jw_kstr(j, "verdict", cmp_verdict_name(p->verdict));
			jw_kstr(j, "from_version", p->from_version);
			jw_kstr(j, "to_version", p->to_version);
			jw_kstr(j, "site_schema", p->site_schema);
			jw_kstr(j, "to_schema", p->to_schema);
			jw_kstr(j, "message", cmp_pkg_message(p, msg, sizeof(msg)));
			jw_obj_end(j);
		}
		jw_arr_end(j);
		jw_obj_end(j);
	}
	jw_arr_end(j);
	jw_obj_end(j);
}

static void text_result(const struct cmp_result *r, int details)
{
	char msg[512];

	printf("%s on %s (%s %s)%s\n", r->site.domain, r->from.name, r->from.distribution,
	       r->from.core_version, r->schema_fresh ? "" : ", schema as last verified");
	if (r->n == 0)
		printf("  no other platform of this CMS\n");
	for (size_t i = 0; i < r->n; i++) {
		const struct cmp_target *t = &r->t[i];
		printf("  %-24s %-9s %zu upgrade%s, %zu warning%s, %zu error%s\n", t->p.name,
		       t->eligible ? "eligible" : "BLOCKED", t->counts[CMP_UPGRADE],
		       t->counts[CMP_UPGRADE] == 1 ? "" : "s", t->counts[CMP_WARNING],
		       t->counts[CMP_WARNING] == 1 ? "" : "s", t->counts[CMP_ERROR],
		       t->counts[CMP_ERROR] == 1 ? "" : "s");
		for (size_t k = 0; k < t->n_reasons; k++)
			printf("      blocked: %s\n", t->reasons[k]);
		for (size_t k = 0; details && k < t->n; k++) {
			const struct cmp_pkg *p = &t->pk[k];
			if (p->verdict == CMP_UNCHANGED)
				continue;
			printf("      %-8s %-28s %s\n", cmp_verdict_name(p->verdict), p->name,
			       cmp_pkg_message(p, msg, sizeof(msg)));
		}
	}
}

static int run(struct app *a, int argc, char **argv)
{
	const char *domain = NULL, *to = NULL;
	struct cmp_cache *cache = NULL;
	struct reg_site_list l = {0};
	struct reg *reg;
	struct jw j;
	int all = 0, rc, status = EXIT_DONE, blocked = 0;

	for (int i = 1; i < argc; i++) {
		if ((rc = cmd_opt_value("compare", argc, argv, &i, "--to", &to)) != 0) {
			if (rc < 0)
				return EXIT_USAGE;
		} else if (cmd_opt_flag(argv, i, "--all")) {
			all = 1;
		} else if (argv[i][0] == '-') {
			return app_usage("compare", "unknown option '%s'", argv[i]);
		} else if (!domain) {
			domain = argv[i];
		} else {
			return app_usage("compare", "unexpected argument '%s'", argv[i]);
		}
	}
	if (!!all == !!domain)
		return app_usage("compare", "give a site DOMAIN or --all");
	if (inv_registry(a, &reg) != 0)
		return app_fail(a);
	if (all) {
		rc = reg_site_foreach(reg, 0, reg_site_list_add, &l, &a->err);
	} else {
		struct reg_site s;
		rc = reg_site_get(reg, domain, &s, &a->err);
		if (rc == DROVER_E_NOTFOUND)
			err_set(&a->err, rc, domain, "no site named %s: see 'drover site list'",
			        domain);
		if (rc == 0)
			rc = reg_site_list_add(&l, &s);
	}
	if (rc) {
		free(l.v);
		return app_fail(a);
	}
	if (a->json) {
		jw_init(&j, stdout);
		if (all)
			jw_arr_begin(&j);
	}
	for (size_t i = 0; i < l.n; i++) {
		struct cmp_result r;
		/* One site: read its schema now. All sites: as verified, or it would take minutes. */
		err_clear(&a->err);
		if (cmp_site(a, &l.v[i], to, !all, &cache, &r) != 0) {
			status = app_fail(a);
			cmp_result_free(&r);
			if (!all)
				break;
			continue;
		}
		for (size_t k = 0; k < r.n; k++)
			blocked += !r.t[k].eligible;
		if (a->json)
			json_result(&j, &r);
		else
			text_result(&r, !all || to);
		cmp_result_free(&r);
	}
	if (a->json) {
		if (all)
			jw_arr_end(&j);
		jw_end(&j);
	}
	cmp_cache_free(cache);
	free(l.v);
	/* Asked about one target that is blocked: the answer is a refusal, for scripts. */
	if (status == EXIT_DONE && to && blocked)
		status = EXIT_REFUSED;
	return status;
}

const struct cmd cmd_compare = {
    .name = "compare",
    .run = run,
    .usage = "drover compare DOMAIN|--all [--to PLATFORM] [--json]",
    .summary = "which platforms a site can move to, and what would change",
    .help = "For every other platform of the site's CMS (or only --to PLATFORM): eligible or\n"
            "blocked and why, and per package: error (an enabled package whose schema or\n"
            "version would go down), warning (missing on the target: the update must disable\n"
            "it, as Drupal 7 to 9.0 and Magento do; a migrate fails and rolls back if it is\n"
            "still enabled after the update, as Drupal 9.1 and later leave it), upgrade\n"
            "(updates will run) or unchanged. A change of major core (Drupal 7 to 8+,\n"
            "Magento 1 to 2) is blocked: that needs a content migration. Platforms whose\n"
            "trees changed since their last scan are rescanned first; one site's schema is\n"
            "read from its database first (--all uses the schema as last verified).\n"
            "Exit 3 when --to names a platform the site cannot move to.\n",
};

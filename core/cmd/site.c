/* site.c: drover site import|list|show|verify. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "error.h"
#include "inventory.h"
#include "json.h"
#include "util.h"

static const char *status_name(int status)
{
	return status == DROVER_SCHEMA_ENABLED    ? "enabled"
	       : status == DROVER_SCHEMA_DISABLED ? "disabled"
	                                          : "uninstalled";
}

static const char *diag_name(int kind)
{
	switch (kind) {
	case DIAG_PENDING: return "pending";
	case DIAG_DOWNGRADED: return "downgraded";
	case DIAG_SITE_SPECIFIC: return "site_specific";
	default: return "missing";
	}
}

static void json_site_head(struct jw *j, const struct reg_site *s)
{
	jw_kstr(j, "domain", s->domain);
	jw_kstr(j, "platform", s->platform);
	jw_kstr(j, "site_dir", s->site_dir);
	jw_kstr(j, "db_server", s->db_server);
	jw_kstr(j, "database", s->db_name);
	jw_kstr(j, "status", s->status);
	jw_kint(j, "verified_at", s->verified_at);
}

static void json_diags(struct jw *j, const struct inv_diags *d)
{
	jw_key(j, "diagnoses");
	jw_arr_begin(j);
	for (size_t i = 0; i < d->n; i++) {
		jw_obj_begin(j);
		jw_kstr(j, "kind", diag_name(d->v[i].kind));
		jw_kstr(j, "severity", d->v[i].error ? "error" : "warning");
		jw_kstr(j, "package", d->v[i].name);
		jw_kstr(j, "site_schema", d->v[i].site_schema);
		jw_kstr(j, "code_schema", d->v[i].code_schema);
		jw_kstr(j, "message", d->v[i].message);
		jw_obj_end(j);
	}
	jw_arr_end(j);
}

static void text_diags(const struct inv_diags *d)
{
	size_t errors = 0;

	for (size_t i = 0; i < d->n; i++) {
		errors += d->v[i].error != 0;
		printf("  %-8s %s\n", d->v[i].error ? "error:" : "note:", d->v[i].message);
	}
	if (d->n == 0)
		printf("  every package is at its code's schema\n");
	else if (errors)
		printf("  %zu error%s\n", errors, errors == 1 ? "" : "s");
}

static int import(struct app *a, int argc, char **argv)
{
	const char *domain = NULL, *platform = NULL, *db_server = NULL, *site_dir = NULL;
	struct reg_site s;
	int rc;

	for (int i = 2; i < argc; i++) {
		if ((rc = cmd_opt_value("site", argc, argv, &i, "--platform", &platform)) ||
		    (rc = cmd_opt_value("site", argc, argv, &i, "--db-server", &db_server)) ||
		    (rc = cmd_opt_value("site", argc, argv, &i, "--site-dir", &site_dir))) {
			if (rc < 0)
				return EXIT_USAGE;
		} else if (argv[i][0] == '-') {
			return app_usage("site", "unknown option '%s'", argv[i]);
		} else if (!domain) {
			domain = argv[i];
		} else {
			return app_usage("site", "unexpected argument '%s'", argv[i]);
		}
	}
	if (!domain || !platform)
		return app_usage("site", "import needs a DOMAIN and --platform NAME");
	if (inv_site_import(a, domain, platform, db_server, site_dir, &s) != 0)
		return app_fail(a);
	if (a->json) {
		struct jw j;
		jw_init(&j, stdout);
		jw_obj_begin(&j);
		json_site_head(&j, &s);
		jw_obj_end(&j);
		jw_end(&j);
	} else if (!a->quiet) {
		printf("site %s imported: platform %s, %s, database %s on %s\n", s.domain,
		       s.platform, s.site_dir[0] ? s.site_dir : "(platform root)", s.db_name,
		       s.db_server);
	}
	return EXIT_DONE;
}

static int list(struct app *a, int argc, char **argv)
{
	struct reg_site_list l = {0};
	struct reg *reg;
	char when[32];

	if (argc > 2)
		return app_usage("site", "list takes no arguments");
	if (inv_registry(a, &reg) != 0 ||
	    reg_site_foreach(reg, 0, reg_site_list_add, &l, &a->err) != 0) {
		free(l.v);
		return app_fail(a);
	}
	if (a->json) {
		struct jw j;
		jw_init(&j, stdout);
		jw_arr_begin(&j);
		for (size_t i = 0; i < l.n; i++) {
			jw_obj_begin(&j);
			json_site_head(&j, &l.v[i]);
			jw_obj_end(&j);
		}
		jw_arr_end(&j);
		jw_end(&j);
	} else if (l.n == 0) {
		printf(
		    "no sites yet: import one with 'drover site import DOMAIN --platform NAME'\n");
	} else {
		printf("%-32s %-24s %-10s %s\n", "DOMAIN", "PLATFORM", "DB SERVER", "VERIFIED");
		for (size_t i = 0; i < l.n; i++)
			printf("%-32s %-24s %-10s %s\n", l.v[i].domain, l.v[i].platform,
			       l.v[i].db_server, cmd_time(l.v[i].verified_at, when, sizeof(when)));
	}
	free(l.v);
	return EXIT_DONE;
}

static int get_site(struct app *a, const char *domain, struct reg_site *s)
{
	struct reg *reg;
	int rc;

	if ((rc = inv_registry(a, &reg)) != 0)
		return rc;
	rc = reg_site_get(reg, domain, s, &a->err);
	if (rc == DROVER_E_NOTFOUND)
		err_set(&a->err, rc, domain, "no site named %s: see 'drover site list'", domain);
	return rc;
}

struct pkg_print {
	struct jw *j;
};

static int print_pkg(void *arg, const struct reg_site_package *k)
{
	struct pkg_print *pp = arg;

	if (pp->j) {
		jw_obj_begin(pp->j);
		jw_kstr(pp->j, "name", k->name);
		jw_kstr(pp->j, "type", k->type);
		jw_kstr(pp->j, "status", status_name(k->status));
		jw_kstr(pp->j, "schema", k->schema);
		jw_obj_end(pp->j);
	} else {
		printf("  %-32s %-12s %-12s %s\n", k->name, k->type[0] ? k->type : "-",
		       status_name(k->status), k->schema[0] ? k->schema : "-");
	}
	return 0;
}

/* show and verify print the same report; verify reads the database first. */
static int report(struct app *a, int argc, char **argv, int verify)
{
	struct inv_diags d;
	struct reg_site s;
	struct reg *reg;
	char when[32];
	int rc, errors = 0;

	if (argc != 3 || argv[2][0] == '-')
		return app_usage("site", "%s needs one site DOMAIN", argv[1]);
	if (get_site(a, argv[2], &s) != 0)
		return app_fail(a);
	if (verify) {
		struct inv_site_schema schema;
		if (inv_site_verify(a, &s, &schema) != 0)
			return app_fail(a);
		inv_site_schema_free(&schema);
		if (get_site(a, argv[2], &s) != 0)
			return app_fail(a);
	}
	if (inv_diagnose(a, &s, &d) != 0 || inv_registry(a, &reg) != 0)
		return app_fail(a);
	for (size_t i = 0; i < d.n; i++)
		errors += d.v[i].error != 0;
	if (a->json) {
		struct jw j;
		struct pkg_print pp = {&j};
		jw_init(&j, stdout);
		jw_obj_begin(&j);
		json_site_head(&j, &s);
		jw_key(&j, "packages");
		jw_arr_begin(&j);
		rc = reg_site_package_foreach(reg, s.id, print_pkg, &pp, &a->err);
		jw_arr_end(&j);
		json_diags(&j, &d);
		jw_obj_end(&j);
		jw_end(&j);
	} else {
		struct pkg_print pp = {NULL};
		printf("site %s\n  platform:  %s (%s)\n  database:  %s on %s\n  verified:  %s\n\n",
		       s.domain, s.platform, s.site_dir[0] ? s.site_dir : "platform root",
		       s.db_name, s.db_server, cmd_time(s.verified_at, when, sizeof(when)));
		if (!verify) {
			printf("  %-32s %-12s %-12s %s\n", "PACKAGE", "TYPE", "STATUS", "SCHEMA");
			rc = reg_site_package_foreach(reg, s.id, print_pkg, &pp, &a->err);
			printf("\n");
		} else {
			rc = 0;
		}
		printf("diagnoses:\n");
		text_diags(&d);
	}
	inv_diags_free(&d);
	if (rc)
		return app_fail(a);
	/* verify is a check: errors (a downgrade, missing code) make it fail for scripts. */
	return verify && errors ? EXIT_FAILED : EXIT_DONE;
}

static int verify_all(struct app *a)
{
	struct reg_site_list l = {0};
	struct reg *reg;
	int failed = 0;

	if (inv_registry(a, &reg) != 0 ||
	    reg_site_foreach(reg, 0, reg_site_list_add, &l, &a->err) != 0) {
		free(l.v);
		return app_fail(a);
	}
	for (size_t i = 0; i < l.n; i++) {
		char *argv[] = {"site", "verify", l.v[i].domain, NULL};
		err_clear(&a->err);
		if (report(a, 3, argv, 1) != EXIT_DONE)
			failed = 1;
		if (!a->json && i + 1 < l.n)
			printf("\n");
	}
	free(l.v);
	return failed ? EXIT_FAILED : EXIT_DONE;
}

static int run(struct app *a, int argc, char **argv)
{
	if (argc < 2)
		return app_usage("site", "say what to do: import, list, show or verify");
	if (strcmp(argv[1], "import") == 0)
		return import(a, argc, argv);
	if (strcmp(argv[1], "list") == 0)
		return list(a, argc, argv);
	if (strcmp(argv[1], "show") == 0)
		return report(a, argc, argv, 0);
	if (strcmp(argv[1], "verify") == 0) {
		if (argc == 3 && strcmp(argv[2], "--all") == 0)
			return verify_all(a);
		return report(a, argc, argv, 1);
	}
	return app_usage("site", "unknown subcommand '%s' (import, list, show, verify)", argv[1]);
}

const struct cmd cmd_site = {
    .name = "site",
    .run = run,
    .usage = "drover site import DOMAIN --platform NAME [--db-server NAME] [--site-dir DIR] | "
             "list | show DOMAIN | verify DOMAIN|--all",
    .summary = "register sites and read their installed schema",
    .help = "import   read the site's settings (database credentials) through its platform's\n"
            "         adapter, read its installed schema from its database, and record it\n"
            "list     the sites, with their platform and when they were last verified\n"
            "show     one site's installed packages and diagnoses, as last verified\n"
            "verify   read the installed schema again and diagnose: pending updates, a schema\n"
            "         above its code (a module downgraded in place), site-specific modules,\n"
            "         enabled modules missing from the platform; exits 1 on an error\n",
};

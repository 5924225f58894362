/* platform.c: drover platform add|verify|list|show|remove. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "error.h"
#include "inventory.h"
#include "json.h"
#include "util.h"

static void print_notes(struct app *a, const struct reg_platform *p, const struct inv_scan *s)
{
	for (size_t i = 0; i < s->notes.n; i++)
		if (!a->quiet)
			fprintf(stderr, "drover: warning: platform %s: %s\n", p->name,
			        s->notes.v[i]);
}

static void json_scan(struct jw *j, const struct reg_platform *p, const struct inv_scan *s)
{
	jw_obj_begin(j);
	jw_kstr(j, "name", p->name);
	jw_kstr(j, "path", p->path);
	jw_kstr(j, "adapter", p->adapter);
	jw_kstr(j, "cms", p->cms);
	jw_kstr(j, "distribution", p->distribution);
	jw_kint(j, "generation", p->generation);
	jw_kstr(j, "core_version", p->core_version);
	jw_kbool(j, "rescanned", s->rescanned);
	jw_kint(j, "files", (int64_t)s->files);
	jw_kint(j, "packages", (int64_t)s->packages);
	jw_kint(j, "milliseconds", (int64_t)(s->seconds * 1000.0 + 0.5));
	jw_key(j, "warnings");
	jw_arr_begin(j);
	for (size_t i = 0; i < s->notes.n; i++)
		jw_str(j, s->notes.v[i]);
	jw_arr_end(j);
	jw_obj_end(j);
}

static void text_scan(const char *verb, const struct reg_platform *p, const struct inv_scan *s)
{
	printf("platform %s %s: %s %s (%s) at %s\n  %llu packages, %llu files, %.3f s%s\n", p->name,
	       verb, p->distribution, p->core_version, p->adapter, p->path,
	       (unsigned long long)s->packages, (unsigned long long)s->files, s->seconds,
	       s->notes.n ? ", warnings above" : "");
}

static int add(struct app *a, int argc, char **argv)
{
	const char *pos[2] = {NULL, NULL}, *type = NULL;
	struct reg_platform p;
	struct inv_scan scan;
	int n = 0, rc;

	for (int i = 2; i < argc; i++) {
		if ((rc = cmd_opt_value("platform", argc, argv, &i, "--type", &type)) != 0) {
			if (rc < 0)
				return EXIT_USAGE;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return app_usage("platform", "unknown option '%s'", argv[i]);
		} else if (n < 2) {
			pos[n++] = argv[i];
		} else {
			return app_usage("platform", "unexpected argument '%s'", argv[i]);
		}
	}
	if (n < 2)
		return app_usage("platform", "add needs a NAME and a PATH");
	if (inv_platform_add(a, pos[0], pos[1], type, &p, &scan) != 0)
		return app_fail(a);
	print_notes(a, &p, &scan);
	if (a->json) {
		struct jw j;
		jw_init(&j, stdout);
		json_scan(&j, &p, &scan);
		jw_end(&j);
	} else if (!a->quiet) {
		text_scan("added", &p, &scan);
	}
	inv_notes_free(&scan.notes);
	return EXIT_DONE;
}

struct plist {
	struct reg_platform *v;
	size_t n;
};

static int collect(void *arg, const struct reg_platform *p)
{
	struct plist *l = arg;
	struct reg_platform *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return DROVER_E_NOMEM;
	l->v = v;
	l->v[l->n++] = *p;
	return 0;
}

/* The named platform, or every platform with --all. */
static int select_platforms(struct app *a, int argc, char **argv, struct plist *l)
{
	struct reg *reg;
	int all = 0, rc;
	const char *name = NULL;

	memset(l, 0, sizeof(*l));
	for (int i = 2; i < argc; i++) {
		if (cmd_opt_flag(argv, i, "--all"))
			all = 1;
		else if (argv[i][0] == '-')
			return app_usage("platform", "unknown option '%s'", argv[i]);
		else if (!name)
			name = argv[i];
		else
			return app_usage("platform", "unexpected argument '%s'", argv[i]);
	}
	if (!!all == !!name)
		return app_usage("platform", "%s needs a platform NAME or --all", argv[1]);
	if ((rc = inv_registry(a, &reg)) != 0)
		return app_fail(a);
	if (all) {
		rc = reg_platform_foreach(reg, collect, l, &a->err);
	} else {
		struct reg_platform p;
		rc = reg_platform_get(reg, name, &p, &a->err);
		if (rc == DROVER_E_NOTFOUND)
			rc = err_set(&a->err, DROVER_E_NOTFOUND, name,
			             "no platform named %s: see 'drover platform list'", name);
		if (rc == 0)
			rc = collect(l, &p);
	}
	if (rc == DROVER_E_NOMEM)
		err_set(&a->err, rc, NULL, "out of memory");
	return rc ? app_fail(a) : 0;
}

static int verify(struct app *a, int argc, char **argv)
{
	struct plist l;
	struct jw j;
	int rc = select_platforms(a, argc, argv, &l), failed = 0;

	if (rc)
		return rc;
	if (a->json) {
		jw_init(&j, stdout);
		jw_arr_begin(&j);
	}
	for (size_t i = 0; i < l.n; i++) {
		struct inv_scan scan;
		err_clear(&a->err);
		if (inv_platform_refresh(a, &l.v[i], 1, &scan) != 0) {
			app_fail(a);
			failed = 1;
			continue;
		}
		print_notes(a, &l.v[i], &scan);
		if (a->json)
			json_scan(&j, &l.v[i], &scan);
		else if (!a->quiet)
			text_scan("verified", &l.v[i], &scan);
		inv_notes_free(&scan.notes);
	}
	if (a->json) {
		jw_arr_end(&j);
		jw_end(&j);
	}
	free(l.v);
	return failed ? EXIT_FAILED : EXIT_DONE;
}

static int list(struct app *a, int argc, char **argv)
{
	struct plist l = {0};
	struct reg *reg;
	int rc;

	if (argc > 2)
		return app_usage("platform", "list takes no arguments");
	if (inv_registry(a, &reg) != 0)
		return app_fail(a);
	if ((rc = reg_platform_foreach(reg, collect, &l, &a->err)) != 0) {
		free(l.v);
		return app_fail(a);
	}
	if (a->json) {
		struct jw j;
		jw_init(&j, stdout);
		jw_arr_begin(&j);
		for (size_t i = 0; i < l.n; i++) {
			const struct reg_platform *p = &l.v[i];
			jw_obj_begin(&j);
			jw_kstr(&j, "name", p->name);
			jw_kstr(&j, "adapter", p->adapter);
			jw_kstr(&j, "distribution", p->distribution);
			jw_kstr(&j, "core_version", p->core_version);
			jw_kint(&j, "sites", p->n_sites);
			jw_kstr(&j, "path", p->path);
			jw_obj_end(&j);
		}
		jw_arr_end(&j);
		jw_end(&j);
	} else if (l.n == 0) {
		printf("no platforms yet: add one with 'drover platform add NAME PATH'\n");
	} else {
		printf("%-24s %-10s %-12s %5s  %s\n", "NAME", "CMS", "CORE", "SITES", "PATH");
		for (size_t i = 0; i < l.n; i++)
			printf("%-24s %-10s %-12s %5lld  %s\n", l.v[i].name, l.v[i].distribution,
			       l.v[i].core_version, (long long)l.v[i].n_sites, l.v[i].path);
	}
	free(l.v);
	return EXIT_DONE;
}

static const char *origin(const struct reg_package *k)
{
	if (k->site_dir[0])
		return "site";
	return (k->flags & DROVER_PKG_CORE) ? "core" : "contrib";
}

static int show(struct app *a, int argc, char **argv)
{
	struct inv_pkgs pk;
	struct plist l;
	char when[32];
	int rc;

	if (argc != 3 || argv[2][0] == '-')
		return app_usage("platform", "show needs one platform NAME");
	if ((rc = select_platforms(a, argc, argv, &l)) != 0)
		return rc;
	if (inv_pkgs_load(a, l.v[0].id, &pk) != 0) {
		free(l.v);
		return app_fail(a);
	}
	if (a->json) {
		struct jw j;
		const struct reg_platform *p = &l.v[0];
		jw_init(&j, stdout);
		jw_obj_begin(&j);
		jw_kstr(&j, "name", p->name);
		jw_kstr(&j, "path", p->path);
		jw_kstr(&j, "adapter", p->adapter);
		jw_kstr(&j, "distribution", p->distribution);
		jw_kint(&j, "generation", p->generation);
		jw_kstr(&j, "core_version", p->core_version);
		jw_kint(&j, "sites", p->n_sites);
		jw_kint(&j, "scanned_at", p->scanned_at);
		jw_key(&j, "packages");
		jw_arr_begin(&j);
		for (size_t i = 0; i < pk.n; i++) {
			const struct reg_package *k = &pk.v[i];
			jw_obj_begin(&j);
			jw_kstr(&j, "name", k->name);
			jw_kstr(&j, "type", k->type);
			jw_kstr(&j, "version", k->version);
			jw_kstr(&j, "schema", k->schema);
			jw_kstr(&j, "path", k->path);
			jw_kstr(&j, "origin", origin(k));
			jw_kbool(&j, "site_specific", k->site_dir[0] != '\0');
			jw_kstr(&j, "site", k->site_dir[0] ? k->site_dir : NULL);
			jw_kbool(&j, "disabled", (k->flags & DROVER_PKG_DISABLED) != 0);
			jw_obj_end(&j);
		}
		jw_arr_end(&j);
		jw_obj_end(&j);
		jw_end(&j);
	} else {
		const struct reg_platform *p = &l.v[0];
		printf(
		    "platform %s: %s %s (adapter %s)\n  path:    %s\n  sites:   %lld\n  scanned: "
		    "%s\n  packages: %zu\n\n",
		    p->name, p->distribution, p->core_version, p->adapter, p->path,
		    (long long)p->n_sites, cmd_time(p->scanned_at, when, sizeof(when)), pk.n);
		printf("%-32s %-12s %-18s %-10s %-8s %s\n", "NAME", "TYPE", "VERSION", "SCHEMA",
		       "ORIGIN", "PATH");
		for (size_t i = 0; i < pk.n; i++) {
			const struct reg_package *k = &pk.v[i];
			printf("%-32s %-12s %-18s %-10s %-8s %s%s%s%s\n", k->name, k->type,
			       k->version[0] ? k->version : "-", k->schema[0] ? k->schema : "-",
			       origin(k), k->path, k->site_dir[0] ? "  [site-specific: " : "",
			       k->site_dir, k->site_dir[0] ? "]" : "");
		}
	}
	inv_pkgs_free(&pk);
	free(l.v);
	return EXIT_DONE;
}

static int remove_platform(struct app *a, int argc, char **argv)
{
	struct reg *reg;

	if (argc != 3 || argv[2][0] == '-')
		return app_usage("platform", "remove needs one platform NAME");
	if (inv_registry(a, &reg) != 0)
		return app_fail(a);
	if (reg_platform_remove(reg, argv[2], &a->err) != 0) {
		if (a->err.code == DROVER_E_NOTFOUND && !a->err.message[0])
			err_set(&a->err, DROVER_E_NOTFOUND, argv[2], "no platform named %s",
			        argv[2]);
		return app_fail(a);
	}
	if (!a->quiet && !a->json)
		printf("platform %s removed from the registry (its files were not touched)\n",
		       argv[2]);
	return EXIT_DONE;
}

static int run(struct app *a, int argc, char **argv)
{
	if (argc < 2)
		return app_usage("platform", "say what to do: add, verify, list, show or remove");
	if (strcmp(argv[1], "add") == 0)
		return add(a, argc, argv);
	if (strcmp(argv[1], "verify") == 0)
		return verify(a, argc, argv);
	if (strcmp(argv[1], "list") == 0)
		return list(a, argc, argv);
	if (strcmp(argv[1], "show") == 0)
		return show(a, argc, argv);
	if (strcmp(argv[1], "remove") == 0)
		return remove_platform(a, argc, argv);
	return app_usage("platform", "unknown subcommand '%s' (add, verify, list, show, remove)",
	                 argv[1]);
}

const struct cmd cmd_platform = {
    .name = "platform",
    .run = run,
    .usage = "drover platform add NAME PATH [--type ADAPTER] | verify NAME|--all | list | show "
             "NAME | remove NAME",
    .summary = "register, scan and list codebases (platforms)",
    .help = "add      probe PATH with every adapter (or only --type), record it and list its\n"
            "         packages: name, type, version, code schema version, path\n"
            "verify   rescan one platform or all of them\n"
            "list     the platforms, with their CMS, core version and number of sites\n"
            "show     one platform's packages; site-specific ones are marked\n"
            "remove   forget a platform (refused while sites live on it); files are untouched\n"
            "\nA platform whose tree changed since its last scan is rescanned before any\n"
            "comparison, so an answer is never stale.\n",
};

/* adapter.c: drover adapter check: the conformance kit (core/conformance.c) on one adapter file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "conformance.h"
#include "error.h"
#include "json.h"
#include "util.h"

#define CMD "adapter"

static const char *const status_word[] = {"ok", "FAIL", "skip"};
static const char *const status_json[] = {"ok", "fail", "skip"};

struct out {
	struct app *a;
	/* --json: the clauses, kept until the end */
	struct {
		int status;
		char *name, *detail;
	} * v;
	size_t n, cap;
	int nomem;
};

static void report(void *arg, const struct cf_clause *c)
{
	struct out *o = arg;

	if (!o->a->json) {
		if (!o->a->quiet || c->status == CF_FAIL)
			printf("%s %s: %s\n", status_word[c->status], c->name, c->detail);
		fflush(stdout); /* a crash in the next call leaves the verdicts so far */
		return;
	}
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 32;
		void *v = realloc(o->v, cap * sizeof(*o->v));
		if (!v) {
			o->nomem = 1;
			return;
		}
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n].status = c->status;
	o->v[o->n].name = str_dup(c->name);
	o->v[o->n].detail = str_dup(c->detail);
	if (!o->v[o->n].name || !o->v[o->n].detail)
		o->nomem = 1;
	o->n++;
}

static void print_json(const struct out *o)
{
	struct jw j;

	jw_init(&j, stdout);
	jw_arr_begin(&j);
	for (size_t i = 0; i < o->n; i++) {
		jw_obj_begin(&j);
		jw_kstr(&j, "clause", o->v[i].name);
		jw_kstr(&j, "status", status_json[o->v[i].status]);
		jw_kstr(&j, "detail", o->v[i].detail);
		jw_obj_end(&j);
	}
	jw_arr_end(&j);
	jw_end(&j);
}

static void out_free(struct out *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->v[i].name);
		free(o->v[i].detail);
	}
	free(o->v);
}

static int check(struct app *a, int argc, char **argv)
{
	struct cf_opts opts;
	struct cf_totals t;
	struct out out;
	struct stat sb;
	int rc;

	memset(&opts, 0, sizeof(opts));
	for (int i = 2; i < argc; i++) {
		if ((rc = cmd_opt_value(CMD, argc, argv, &i, "--root", &opts.root)) != 0 ||
		    (rc = cmd_opt_value(CMD, argc, argv, &i, "--site-dir", &opts.site_dir)) != 0 ||
		    (rc = cmd_opt_value(CMD, argc, argv, &i, "--site", &opts.site)) != 0 ||
		    (rc = cmd_opt_value(CMD, argc, argv, &i, "--db-server", &opts.db_server)) !=
		        0) {
			if (rc < 0)
				return EXIT_USAGE;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return app_usage(CMD, "unknown option '%s'", argv[i]);
		} else if (!opts.path) {
			opts.path = argv[i];
		} else {
			return app_usage(CMD, "unexpected argument '%s'", argv[i]);
		}
	}
	if (!opts.path)
		return app_usage(CMD, "check needs the adapter file (PATH.so)");
	if (stat(opts.path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return app_usage(CMD, "%s is not an adapter file", opts.path);
	if (opts.site && !opts.root)
		return app_usage(CMD, "--site needs --root, the platform the site lives on");
	if ((opts.site_dir || opts.db_server) && !opts.site)
		return app_usage(CMD, "--site-dir and --db-server need --site");
	if (opts.root && (stat(opts.root, &sb) != 0 || !S_ISDIR(sb.st_mode)))
		return app_usage(CMD, "--root %s is not a directory", opts.root);
	if (app_config(a) != 0)
		return app_fail(a);

	memset(&out, 0, sizeof(out));
	out.a = a;
	rc = cf_check(a, &opts, report, &out, &t);
	if (rc == 0 && out.nomem)
		rc = err_set(&a->err, DROVER_E_NOMEM, NULL, "out of memory");
	if (rc != 0) {
		out_free(&out);
		return app_fail(a);
	}
	if (a->json)
		print_json(&out);
	else if (!a->quiet)
		printf("%s: %u passed, %u failed, %u skipped\n", path_base(opts.path), t.pass,
		       t.fail, t.skip);
	out_free(&out);
	return t.fail ? EXIT_FAILED : EXIT_DONE;
}

static int run(struct app *a, int argc, char **argv)
{
	if (argc < 2)
		return app_usage(CMD, "say what to do: check");
	if (strcmp(argv[1], "check") == 0)
		return check(a, argc, argv);
	return app_usage(CMD, "unknown subcommand '%s' (check)", argv[1]);
}

const struct cmd cmd_adapter = {
    .name = "adapter",
    .run = run,
    .usage = "drover adapter check PATH.so [--root DIR --site DOMAIN [--site-dir DIR] "
             "[--db-server NAME]] [--json]",
    .summary = "run the adapter contract against an adapter file (conformance kit)",
    .help = "check loads PATH.so through the loader's checks and runs the contract of\n"
            "<drover/adapter.h> against it, one line per clause (ok, FAIL or skip):\n"
            "  load, descriptor, options      the loader's checks; reserved fields, ops and\n"
            "                                 cap bits agree; the option table\n"
            "  probe                          DROVER_E_NOTMINE, with no error, on an empty\n"
            "                                 tree and on fake trees of other CMSs; with\n"
            "                                 --root: 0, filled, never past struct_size\n"
            "  packages, site_schema,         stream valid items and stop at once when the\n"
            "  site_paths, cache_tables,      callback returns DROVER_E_STOP\n"
            "  health\n"
            "  settings_read, maintenance,    on the site (--site): maintenance round trip\n"
            "  cache_clear, fixup             (ON and OFF twice; the mode is put back as it\n"
            "                                 was), caches cleared twice, a no-op fixup\n"
            "  update_run                     returns an error when the update fails: run with\n"
            "                                 the adapter's update_command set to `false`, or\n"
            "                                 on an empty tree; the site's real updates never run\n"
            "  silent, no leaked descriptors, over every call: nothing on stdout or stderr,\n"
            "  errors carry a message         the same descriptors open, a message with\n"
            "                                 every error\n"
            "A clause whose op's cap bit is clear, or that needs --root or --site, is\n"
            "skipped. The site's database is opened from its settings on --db-server (default:\n"
            "as 'drover site import' picks it); --site-dir defaults to sites/DOMAIN for\n"
            "multisite adapters. Exit status: 0 every clause passed, 1 one failed, 2 bad usage.\n",
};

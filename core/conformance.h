/*
 * conformance.h: the adapter conformance kit behind `drover adapter check`. It loads one adapter
 * file and runs the contract of <drover/adapter.h> against it, clause by clause: the loader's
 * checks, the descriptor and option table, probe on empty and foreign trees (and, given a
 * platform, on its own), every op whose cap bit is set (given a site, on that site), and for
 * every call: nothing written to stdout or stderr, no file descriptor leaked, and every error
 * returned with a message.
 */
#ifndef DROVER_CONFORMANCE_H
#define DROVER_CONFORMANCE_H

#include "app.h"

/* What to check. Strings are borrowed for the call. */
struct cf_opts {
	const char *path;      /* the adapter's .so */
	const char *root;      /* a platform of the adapter's CMS (absolute or relative), or NULL */
	const char *site;      /* the domain of a site on root, or NULL; needs root */
	const char *site_dir;  /* the site's directory in root; NULL: sites/DOMAIN for an adapter
	                        * with DROVER_CAP_MULTISITE, "" for one without */
	const char *db_server; /* the db server of the site's database; NULL: as `site import`
	                        * picks it */
};

#define CF_PASS 0
#define CF_FAIL 1
#define CF_SKIP 2 /* could not run: the cap bit is clear, or it needs --root or --site */

/* One clause's verdict; borrowed for the report call. */
struct cf_clause {
	int status;         /* CF_PASS, CF_FAIL or CF_SKIP */
	const char *name;   /* "probe: empty tree" */
	const char *detail; /* one line: what was seen, or why it failed */
};
typedef void (*cf_report_fn)(void *arg, const struct cf_clause *c);

struct cf_totals {
	unsigned pass, fail, skip;
};

/*
 * Run the kit. Each clause goes to `report` as soon as it is decided, in a fixed order. With a
 * site, the kit switches the site's maintenance mode on and off (and puts it back as it was),
 * clears its caches and runs the no-op fixup; it never runs the site's real updates: update_run
 * runs with the adapter's update_command option pointed at `false`, or on an empty tree when
 * the adapter has no such option. Returns 0 when the kit ran (failures are counted in *t), or
 * a negative code with a->err set when it could not (configuration, temporary directory).
 */
int cf_check(struct app *a, const struct cf_opts *o, cf_report_fn report, void *arg,
             struct cf_totals *t);

#endif

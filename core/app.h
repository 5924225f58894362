/* app.h: what one run of the drover command holds: options, configuration, adapters. */
#ifndef DROVER_APP_H
#define DROVER_APP_H

#include <drover/status.h>

#include "config.h"
#include "loader.h"
#include "registry.h"

/* Exit codes (DESIGN.md, "The command line"). */
#define EXIT_DONE    0
#define EXIT_FAILED  1 /* the task failed (and was rolled back) */
#define EXIT_USAGE   2 /* bad usage or configuration */
#define EXIT_REFUSED 3 /* refused by preflight */

struct jw;

struct app {
	/* global options */
	const char *config_path;
	int json, quiet, verbose, yes;
	/* loaded on demand */
	struct cfg cfg;
	int have_cfg;
	struct ldr ldr;
	int have_ldr;
	struct reg *reg; /* opened on demand by inv_registry() */
	struct drover_error err;
	/* With --json: an array a batch command is writing, which results go into as elements
	 * (NULL: each result is a document of its own). */
	struct jw *json_into;
};

/* Load the configuration once; 0 or an error in a->err. */
int app_config(struct app *a);

/* Load configuration and adapters once, and validate each adapter's settings. Rejected adapters
 * are logged as warnings unless `quiet_rejects` (for commands that list them anyway). */
int app_adapters(struct app *a, int quiet_rejects);

/* Print a->err (one line) and return the exit code its status maps to. */
int app_fail(struct app *a);

/* Usage error: print "drover CMD: message; see 'drover help CMD'" and return EXIT_USAGE. */
int app_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void app_free(struct app *a);

#endif

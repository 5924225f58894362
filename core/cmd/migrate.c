/* migrate.c: drover migrate | rename | clone | delete | rollback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "error.h"
#include "inventory.h"
#include "json.h"
#include "migrate.h"
#include "util.h"

static void result_fields(struct jw *j, const struct mig_result *r)
{
	jw_kint(j, "task", r->task_id);
	jw_kstr(j, "site", r->domain);
	jw_kstr(j, "platform", r->platform);
	jw_kstr(j, "database", r->database);
	jw_kint(j, "backup", r->backup_id);
	jw_kstr(j, "backup_path", r->backup_path);
	jw_kint(j, "disabled", (int64_t)r->disabled);
}

static void report(struct app *a, const char *what, const struct mig_result *r)
{
	if (a->json) {
		struct jw j;
		jw_init(&j, stdout);
		jw_obj_begin(&j);
		result_fields(&j, r);
		jw_obj_end(&j);
		jw_end(&j);
	} else if (!a->quiet) {
		printf("%s: %s on platform %s (task %lld; backup %lld kept: %s)\n", what, r->domain,
		       r->platform, (long long)r->task_id, (long long)r->backup_id, r->backup_path);
	}
}

/* After a failed task: the error, and where the story is. */
static int failed(struct app *a, const struct mig_result *r)
{
	int code = app_fail(a);

	/* Once its task has begun, a failure is a failed task, rolled back, whatever its error
	 * (a missing file, a path the target already has); a preflight refusal stays 3. */
	if (r->task_id && code == EXIT_USAGE)
		code = EXIT_FAILED;
	if (r->task_id && code == EXIT_FAILED && !a->quiet)
		fprintf(stderr, "drover: task %lld was rolled back; see 'drover task show %lld'\n",
		        (long long)r->task_id, (long long)r->task_id);
	return code;
}

/* Options shared by the moving commands. */
struct opts {
	const char *pos[2];
	int n;
	const char *to, *rename, *platform, *from;
	unsigned flags;
};

static int parse(const char *cmd, int argc, char **argv, struct opts *o)
{
	int rc;

	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		if ((rc = cmd_opt_value(cmd, argc, argv, &i, "--to", &o->to)) ||
		    (rc = cmd_opt_value(cmd, argc, argv, &i, "--rename", &o->rename)) ||
		    (rc = cmd_opt_value(cmd, argc, argv, &i, "--platform", &o->platform)) ||
		    (strcmp(cmd, "migrate") == 0 &&
		     (rc = cmd_opt_value(cmd, argc, argv, &i, "--all-from", &o->from)))) {
			if (rc < 0)
				return EXIT_USAGE;
		} else if (cmd_opt_flag(argv, i, "--strict")) {
			o->flags |= MIG_STRICT;
		} else if (cmd_opt_flag(argv, i, "--dry-run")) {
			o->flags |= MIG_DRY_RUN;
		} else if (cmd_opt_flag(argv, i, "--force")) {
			o->flags |= MIG_FORCE;
		} else if (argv[i][0] == '-') {
			return app_usage(cmd, "unknown option '%s'", argv[i]);
		} else if (o->n < 2) {
			o->pos[o->n++] = argv[i];
		} else {
			return app_usage(cmd, "unexpected argument '%s'", argv[i]);
		}
	}
	return 0;
}

/*
 * migrate --all-from FROM --to TO: every site of FROM, one after the other, each its own task.
 * A site that fails is rolled back (its task says why) and the next one goes on; the exit code
 * is the worst outcome: 1 if any failed, else 3 if any was refused, else 0.
 */
static int migrate_all(struct app *a, const char *from, const struct opts *o)
{
	size_t done = 0, refused = 0, bad = 0;
	struct reg_site_list l = {0};
	struct reg_platform p;
	struct reg *reg;
	struct jw j;

	if (inv_registry(a, &reg) != 0)
		return app_fail(a);
	if (reg_platform_get(reg, from, &p, &a->err) == DROVER_E_NOTFOUND) {
		err_set(&a->err, DROVER_E_NOTFOUND, from,
		        "no platform named %s: see 'drover platform list'", from);
		return app_fail(a);
	}
	if (a->err.code || reg_site_foreach(reg, p.id, reg_site_list_add, &l, &a->err) != 0) {
		free(l.v);
		return app_fail(a);
	}
	if (a->json) {
		jw_init(&j, stdout);
		jw_arr_begin(&j);
		a->json_into = &j; /* --dry-run: each plan is an element */
	}
	for (size_t i = 0; i < l.n; i++) {
		struct mig_result r;
		int code = EXIT_DONE;

		err_clear(&a->err);
		memset(&r, 0, sizeof(r));
		if (mig_migrate(a, l.v[i].domain, o->to, NULL, o->flags, &r) != 0) {
			code = failed(a, &r) == EXIT_REFUSED ? EXIT_REFUSED : EXIT_FAILED;
			refused += code == EXIT_REFUSED;
			bad += code == EXIT_FAILED;
		} else {
			done++;
		}
		if (a->json && !r.planned) {
			jw_obj_begin(&j);
			jw_kstr(&j, "result",
			        code == EXIT_DONE
			            ? (o->flags & MIG_DRY_RUN ? "eligible" : "migrated")
			        : code == EXIT_REFUSED ? "refused"
			                               : "failed");
			(void)str_copy(r.domain, sizeof(r.domain), l.v[i].domain);
			result_fields(&j, &r);
			jw_kstr(&j, "error", code == EXIT_DONE ? NULL : a->err.message);
			jw_obj_end(&j);
		} else if (code == EXIT_DONE && !(o->flags & MIG_DRY_RUN)) {
			report(a, "migrated", &r);
		}
	}
	if (a->json) {
		a->json_into = NULL;
		jw_arr_end(&j);
		jw_end(&j);
	} else if (!a->quiet) {
		printf("%s -> %s: %zu site%s %s, %zu refused, %zu failed\n", from, o->to, done,
		       done == 1 ? "" : "s", o->flags & MIG_DRY_RUN ? "eligible" : "migrated",
		       refused, bad);
	}
	free(l.v);
	return bad ? EXIT_FAILED : refused ? EXIT_REFUSED : EXIT_DONE;
}

static int migrate_run(struct app *a, int argc, char **argv)
{
	struct mig_result r;
	struct opts o;
	int rc = parse("migrate", argc, argv, &o);

	if (rc)
		return rc;
	if (o.from) {
		if (o.n != 0 || !o.to || o.rename)
			return app_usage("migrate",
			                 "--all-from PLATFORM takes --to PLATFORM and no site "
			                 "DOMAIN or --rename");
		return migrate_all(a, o.from, &o);
	}
	if (o.n != 1 || !o.to)
		return app_usage("migrate", "give a site DOMAIN and --to PLATFORM");
	if (mig_migrate(a, o.pos[0], o.to, o.rename, o.flags, &r) != 0)
		return failed(a, &r);
	if (!(o.flags & MIG_DRY_RUN))
		report(a, "migrated", &r);
	return EXIT_DONE;
}

static int rename_run(struct app *a, int argc, char **argv)
{
	struct mig_result r;
	struct opts o;
	int rc = parse("rename", argc, argv, &o);

	if (rc)
		return rc;
	if (o.n != 2)
		return app_usage("rename", "give the site DOMAIN and its NEWDOMAIN");
	if (mig_rename(a, o.pos[0], o.pos[1], o.flags, &r) != 0)
		return failed(a, &r);
	if (!(o.flags & MIG_DRY_RUN))
		report(a, "renamed", &r);
	return EXIT_DONE;
}

static int clone_run(struct app *a, int argc, char **argv)
{
	struct mig_result r;
	struct opts o;
	int rc = parse("clone", argc, argv, &o);

	if (rc)
		return rc;
	if (o.n != 2)
		return app_usage("clone", "give the site DOMAIN and the clone's NEWDOMAIN");
	if (mig_clone(a, o.pos[0], o.pos[1], o.platform, o.flags, &r) != 0)
		return failed(a, &r);
	if (!(o.flags & MIG_DRY_RUN))
		report(a, "cloned", &r);
	return EXIT_DONE;
}

static int delete_run(struct app *a, int argc, char **argv)
{
	struct mig_result r;
	struct opts o;
	int rc = parse("delete", argc, argv, &o);

	if (rc)
		return rc;
	if (o.n != 1)
		return app_usage("delete", "give one site DOMAIN");
	if (!a->yes && isatty(0)) {
		char answer[16];
		fprintf(stderr,
		        "delete %s, its files and its database (a backup is taken first)? "
		        "[y/N] ",
		        o.pos[0]);
		if (!fgets(answer, sizeof(answer), stdin) || (answer[0] != 'y' && answer[0] != 'Y'))
			return app_usage("delete", "not confirmed");
	}
	if (mig_delete(a, o.pos[0], &r) != 0)
		return failed(a, &r);
	if (!a->quiet && !a->json)
		printf("deleted %s (task %lld; backup %lld kept: %s)\n", o.pos[0],
		       (long long)r.task_id, (long long)r.backup_id, r.backup_path);
	else if (a->json)
		report(a, "deleted", &r);
	return EXIT_DONE;
}

static int rollback_run(struct app *a, int argc, char **argv)
{
	struct mig_result r;
	int64_t id;

	if (argc != 2 || str_to_i64(argv[1], &id) != 0)
		return app_usage("rollback", "give the TASK id of a migrate");
	if (mig_rollback(a, id, &r) != 0)
		return app_fail(a);
	if (!a->quiet && !a->json)
		printf("rolled back task %lld: %s is on platform %s again (from backup %lld)\n",
		       (long long)id, r.domain, r.platform, (long long)r.backup_id);
	else if (a->json)
		report(a, "rolled back", &r);
	return EXIT_DONE;
}

const struct cmd cmd_migrate = {
    .name = "migrate",
    .run = migrate_run,
    .usage = "drover migrate DOMAIN --to PLATFORM [--rename NEWDOMAIN] [--strict] [--dry-run]\n"
             "       drover migrate --all-from PLATFORM --to PLATFORM [--strict] [--dry-run]",
    .summary = "move a site to another platform (the upgrade path), all or nothing",
    .help = "Steps, each journaled and undone in reverse on failure: preflight (rescan,\n"
            "compare, refuse errors and major core changes; --strict refuses warnings),\n"
            "maintenance on, backup (kept), a new database, the files through a staging\n"
            "directory, import and new credentials, updates, fix-ups and cache clear,\n"
            "post-verify (every package at the target's schema; --strict fails on modules\n"
            "the move disabled), then the switch (the point of no return): the new copy\n"
            "online (a site in maintenance mode before stays in it), the registry moved,\n"
            "the old copy and database removed.\n"
            "--dry-run prints the plan and the compare verdict and changes nothing.\n"
            "--all-from PLATFORM migrates every site of PLATFORM, one after the other, each\n"
            "its own task: a site that fails is rolled back and the next one goes on. A\n"
            "summary line ends the run (--json: one object per site, with its result and\n"
            "error); the exit code is 1 if any site failed, else 3 if any was refused.\n",
};

const struct cmd cmd_rename = {
    .name = "rename",
    .run = rename_run,
    .usage = "drover rename DOMAIN NEWDOMAIN [--dry-run]",
    .summary = "give a site a new domain on its platform (its site directory moves too)",
    .help = "A migrate to the same platform under a new name: the site directory becomes\n"
            "sites/NEWDOMAIN, paths stored in the database follow (the adapter's fix-ups).\n",
};

const struct cmd cmd_clone = {
    .name = "clone",
    .run = clone_run,
    .usage = "drover clone DOMAIN NEWDOMAIN [--platform P --force] [--dry-run]",
    .summary = "copy a site under a new domain; the source stays untouched and online",
    .help = "A clone onto another platform skips a migrate's checks and is refused unless\n"
            "--force: clone in place, then migrate the clone.\n",
};

const struct cmd cmd_delete = {
    .name = "delete",
    .run = delete_run,
    .usage = "drover delete DOMAIN [--yes]",
    .summary = "remove a site, its files and its database, after a backup",
    .help = "",
};

const struct cmd cmd_rollback = {
    .name = "rollback",
    .run = rollback_run,
    .usage = "drover rollback TASK",
    .summary = "undo a migrate that succeeded but is not wanted: restore its kept backup",
    .help = "The backup a migrate took is put back onto the platform the site came from; the\n"
            "migrated copy is removed.\n",
};

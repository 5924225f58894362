/* migrate.c: drover migrate | rename | clone | delete | rollback. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "error.h"
#include "json.h"
#include "migrate.h"
#include "util.h"

static void report(struct app *a, const char *what, const struct mig_result *r)
{
	if (a->json) {
		struct jw j;
		jw_init(&j, stdout);
		jw_obj_begin(&j);
		jw_kint(&j, "task", r->task_id);
		jw_kstr(&j, "site", r->domain);
		jw_kstr(&j, "platform", r->platform);
		jw_kstr(&j, "database", r->database);
		jw_kint(&j, "backup", r->backup_id);
		jw_kstr(&j, "backup_path", r->backup_path);
		jw_kint(&j, "disabled", (int64_t)r->disabled);
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

	if (r->task_id && code == EXIT_FAILED && !a->quiet)
		fprintf(stderr, "drover: task %lld was rolled back; see 'drover task show %lld'\n",
		        (long long)r->task_id, (long long)r->task_id);
	return code;
}

/* Options shared by the moving commands. */
struct opts {
	const char *pos[2];
	int n;
	const char *to, *rename, *platform;
	unsigned flags;
};

static int parse(const char *cmd, int argc, char **argv, struct opts *o)
{
	int rc;

	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		if ((rc = cmd_opt_value(cmd, argc, argv, &i, "--to", &o->to)) ||
		    (rc = cmd_opt_value(cmd, argc, argv, &i, "--rename", &o->rename)) ||
		    (rc = cmd_opt_value(cmd, argc, argv, &i, "--platform", &o->platform))) {
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

static int migrate_run(struct app *a, int argc, char **argv)
{
	struct mig_result r;
	struct opts o;
	int rc = parse("migrate", argc, argv, &o);

	if (rc)
		return rc;
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
    .usage = "drover migrate DOMAIN --to PLATFORM [--rename NEWDOMAIN] [--strict] [--dry-run]",
    .summary = "move a site to another platform (the upgrade path), all or nothing",
    .help = "Steps, each journaled and undone in reverse on failure: preflight (rescan,\n"
            "compare, refuse errors and major core changes; --strict refuses warnings),\n"
            "maintenance on, backup (kept), a new database, the files through a staging\n"
            "directory, import and new credentials, updates, fix-ups and cache clear,\n"
            "post-verify (every package at the target's schema; --strict fails on modules\n"
            "the move disabled), then the switch (the point of no return): the new copy\n"
            "online (a site in maintenance mode before stays in it), the registry moved,\n"
            "the old copy and database removed.\n"
            "--dry-run prints the plan and the compare verdict and changes nothing.\n",
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

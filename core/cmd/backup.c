/* backup.c: drover backup DOMAIN | backup verify ID|FILE; drover backups [DOMAIN] | prune. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup.h"
#include "restore.h"
#include "inventory.h"
#include "cmd.h"
#include "error.h"
#include "json.h"
#include "util.h"

static void json_backup(struct jw *j, const struct reg_backup *b)
{
	jw_obj_begin(j);
	jw_kint(j, "id", b->id);
	jw_kstr(j, "site", b->site_domain);
	jw_kstr(j, "platform", b->platform_name);
	jw_kstr(j, "path", b->path);
	jw_kstr(j, "format", b->format);
	jw_kint(j, "size", (int64_t)b->size);
	jw_kstr(j, "sha256", b->sha256);
	jw_kint(j, "created_at", b->created_at);
	jw_kint(j, "verified_at", b->verified_at);
	jw_kint(j, "task", b->task_id);
	jw_obj_end(j);
}

static int create(struct app *a, int argc, char **argv)
{
	const char *domain = NULL, *format = NULL;
	struct bk_result r;
	int rc;

	for (int i = 1; i < argc; i++) {
		if ((rc = cmd_opt_value("backup", argc, argv, &i, "--format", &format)) != 0) {
			if (rc < 0)
				return EXIT_USAGE;
		} else if (argv[i][0] == '-') {
			return app_usage("backup", "unknown option '%s'", argv[i]);
		} else if (!domain) {
			domain = argv[i];
		} else {
			return app_usage("backup", "unexpected argument '%s'", argv[i]);
		}
	}
	if (!domain)
		return app_usage("backup", "give a site DOMAIN (or: backup verify ID|FILE)");
	if (app_config(a) != 0 || bk_create(a, domain, format, 0, &r) != 0)
		return app_fail(a);
	if (a->json) {
		struct jw j;
		jw_init(&j, stdout);
		json_backup(&j, &r.b);
		jw_end(&j);
	} else if (!a->quiet) {
		printf("backup %lld of %s: %s\n  %.1f MiB (database %.1f MiB, %llu members), "
		       "sha256 %s\n",
		       (long long)r.b.id, r.b.site_domain, r.b.path, (double)r.b.size / 1048576.0,
		       (double)r.db_bytes / 1048576.0, (unsigned long long)r.files, r.b.sha256);
	}
	return EXIT_DONE;
}

static int verify(struct app *a, int argc, char **argv)
{
	struct bk_manifest m;
	struct reg_backup b;
	struct reg *reg;
	char sha[ARC_SHA256_HEX];
	int in_catalog;

	if (argc != 3 || argv[2][0] == '-')
		return app_usage("backup", "verify needs one backup ID or FILE");
	if (app_config(a) != 0 || bk_resolve(a, argv[2], &b, &in_catalog) != 0)
		return app_fail(a);
	/* One read: every member against the manifest, and the whole file (which covers the
	 * manifest too) against the checksum the catalog recorded. */
	if (bk_read(a, b.path, NULL, &m) != 0)
		return app_fail(a);
	(void)str_copy(sha, sizeof(sha), m.archive_sha256);
	if (in_catalog && strcmp(sha, b.sha256) != 0) {
		err_set(
		    &a->err, DROVER_E_CORRUPT, b.path,
		    "the file's SHA-256 is not the one recorded when it was made: it was changed "
		    "or damaged");
		bk_manifest_free(&m);
		return app_fail(a);
	}
	if (in_catalog && inv_registry(a, &reg) == 0)
		reg_backup_set_verified(reg, b.id, &a->err);
	if (a->json) {
		struct jw j;
		jw_init(&j, stdout);
		jw_obj_begin(&j);
		jw_kbool(&j, "valid", 1);
		jw_kstr(&j, "path", b.path);
		jw_kstr(&j, "site", m.domain);
		jw_kstr(&j, "platform", m.platform);
		jw_kstr(&j, "created", m.created);
		jw_kint(&j, "members", (int64_t)m.n_members);
		jw_kstr(&j, "sha256", sha);
		jw_obj_end(&j);
		jw_end(&j);
	} else if (!a->quiet) {
		printf("backup %s is good: %s from platform %s (%s %s), made %s, %zu members "
		       "checked\n",
		       b.path, m.domain, m.platform, m.distribution, m.core_version, m.created,
		       m.n_members);
	}
	bk_manifest_free(&m);
	return EXIT_DONE;
}

static int backup_run(struct app *a, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return verify(a, argc, argv);
	return create(a, argc, argv);
}

struct list_ctx {
	struct app *a;
	struct jw *j;
	size_t n;
};

static int list_one(void *arg, const struct reg_backup *b)
{
	struct list_ctx *c = arg;
	char when[32], checked[32];

	c->n++;
	if (c->j) {
		json_backup(c->j, b);
		return 0;
	}
	if (c->n == 1)
		printf("%6s  %-28s %-17s %9s  %-17s %s\n", "ID", "SITE", "MADE", "SIZE", "VERIFIED",
		       "PATH");
	printf("%6lld  %-28s %-17s %8.1fM  %-17s %s\n", (long long)b->id, b->site_domain,
	       cmd_time(b->created_at, when, sizeof(when)), (double)b->size / 1048576.0,
	       cmd_time(b->verified_at, checked, sizeof(checked)), b->path);
	return 0;
}

static int backups_run(struct app *a, int argc, char **argv)
{
	struct list_ctx c = {a, NULL, 0};
	const char *domain = NULL;
	struct reg *reg;
	struct jw j;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "prune") == 0) {
		int dry = argc == 3 && strcmp(argv[2], "--dry-run") == 0, removed;
		if (argc > 3 || (argc == 3 && !dry))
			return app_usage("backups", "prune takes only --dry-run");
		if (app_config(a) != 0 || bk_prune(a, dry, &removed) != 0)
			return app_fail(a);
		if (!a->quiet && !a->json)
			printf("%d backup%s %s\n", removed, removed == 1 ? "" : "s",
			       dry ? "would be removed" : "removed");
		return EXIT_DONE;
	}
	if (argc > 2)
		return app_usage("backups", "unexpected argument '%s'", argv[2]);
	if (argc == 2)
		domain = argv[1];
	if (inv_registry(a, &reg) != 0)
		return app_fail(a);
	if (a->json) {
		jw_init(&j, stdout);
		jw_arr_begin(&j);
		c.j = &j;
	}
	rc = reg_backup_foreach(reg, domain, list_one, &c, &a->err);
	if (a->json) {
		jw_arr_end(&j);
		jw_end(&j);
	} else if (rc == 0 && c.n == 0) {
		printf("no backups%s%s yet: make one with 'drover backup DOMAIN'\n",
		       domain ? " of " : "", domain ? domain : "");
	}
	return rc ? app_fail(a) : EXIT_DONE;
}

static int restore_run(struct app *a, int argc, char **argv)
{
	const char *domain = NULL, *which = NULL, *platform = NULL;
	struct rs_result r;
	int rc;

	for (int i = 1; i < argc; i++) {
		if ((rc = cmd_opt_value("restore", argc, argv, &i, "--platform", &platform)) != 0) {
			if (rc < 0)
				return EXIT_USAGE;
		} else if (argv[i][0] == '-') {
			return app_usage("restore", "unknown option '%s'", argv[i]);
		} else if (!domain) {
			domain = argv[i];
		} else if (!which) {
			which = argv[i];
		} else {
			return app_usage("restore", "unexpected argument '%s'", argv[i]);
		}
	}
	if (!domain)
		return app_usage("restore",
		                 "give a site DOMAIN, and a backup ID or FILE if not its "
		                 "newest");
	if (app_adapters(a, 0) != 0 || rs_restore(a, domain, which, platform, &r) != 0)
		return app_fail(a);
	if (a->json) {
		struct jw j;
		jw_init(&j, stdout);
		jw_obj_begin(&j);
		jw_kstr(&j, "site", domain);
		jw_kstr(&j, "platform", r.platform);
		jw_kstr(&j, "database", r.database);
		jw_kint(&j, "backup", r.b.id);
		jw_kstr(&j, "path", r.b.path);
		jw_obj_end(&j);
		jw_end(&j);
	} else if (!a->quiet) {
		printf("site %s restored from %s onto platform %s (database %s)\n", domain,
		       r.b.path, r.platform, r.database);
	}
	return EXIT_DONE;
}

const struct cmd cmd_restore = {
    .name = "restore",
    .run = restore_run,
    .usage = "drover restore DOMAIN [ID|FILE] [--platform NAME]",
    .summary = "put a site back from a backup, exactly where it was",
    .help = "Restores onto the platform recorded in the backup's manifest unless --platform\n"
            "names another. Every checksum is checked before anything is touched; the files\n"
            "are extracted into a staging directory inside the platform, the dump is loaded\n"
            "into a new database, the site's settings get the new credentials, and then the\n"
            "site's paths are swapped in (an atomic exchange where the filesystem has one).\n"
            "The old database and files are removed only after all of that succeeded; on any\n"
            "failure the site is exactly as before. The site need not be registered: a bare\n"
            "archive restores a site that was lost (disaster recovery).\n",
};

const struct cmd cmd_backup = {
    .name = "backup",
    .run = backup_run,
    .usage = "drover backup DOMAIN [--format zst|gz] | backup verify ID|FILE",
    .summary = "back a site up into one verified archive, or check one",
    .help = "A backup is one archive (.tar.zst by default, mode 0600): the database dump\n"
            "(SQLite: a consistent copy; MySQL: mariadb-dump, cache tables structure-only),\n"
            "the site's own files as its adapter lists them (caches and sessions left out),\n"
            "and a manifest with the size and SHA-256 of every member. It is written under a\n"
            "temporary name, synced and renamed, then listed in the catalog.\n"
            "verify reads the whole archive back: the file's checksum against the catalog,\n"
            "every member against the manifest, and the dump's completeness.\n",
};

const struct cmd cmd_backups = {
    .name = "backups",
    .run = backups_run,
    .usage = "drover backups [DOMAIN] [--json] | backups prune [--dry-run]",
    .summary = "list the backup catalog, or apply the retention rules",
    .help = "prune keeps, per site, the newest keep_last backups and the newest of each of the\n"
            "last keep_daily days, keep_weekly weeks and keep_monthly months (configuration\n"
            "group backups), and never the newest verified backup of a site.\n",
};

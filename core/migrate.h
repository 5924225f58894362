/* migrate.h: moving a site (migrate, rename, clone) and deleting one, through the journal. */
#ifndef DROVER_MIGRATE_H
#define DROVER_MIGRATE_H

#include "app.h"
#include "journal.h"
#include "restore.h"

#define MIG_STRICT  1u /* refuse warnings, fail on modules disabled by the move */
#define MIG_DRY_RUN 2u /* print the plan and the verdict, change nothing */
#define MIG_FORCE   4u /* clone straight onto another platform */

/* What a move did. */
struct mig_result {
	int64_t task_id;
	int64_t backup_id;
	char backup_path[PATH_MAX];
	char domain[256], platform[REG_NAME_MAX], database[PATH_MAX];
	size_t upgrades, disabled;
	int planned; /* --dry-run: the plan was printed */
};

/* migrate DOMAIN --to PLATFORM [--rename NEW]: the upgrade path. */
int mig_migrate(struct app *a, const char *domain, const char *to, const char *new_domain,
                unsigned flags, struct mig_result *out);
/* rename DOMAIN NEW: the same platform, a new name. */
int mig_rename(struct app *a, const char *domain, const char *new_domain, unsigned flags,
               struct mig_result *out);
/* clone DOMAIN NEW [--platform P]: a copy; the source stays untouched and online. */
int mig_clone(struct app *a, const char *domain, const char *new_domain, const char *platform,
              unsigned flags, struct mig_result *out);
/* delete DOMAIN: a backup first, then the site, its files and its database. */
int mig_delete(struct app *a, const char *domain, struct mig_result *out);
/* rollback TASK: put a migrated site back from the backup that migrate kept. */
int mig_rollback(struct app *a, int64_t task_id, struct mig_result *out);

/* restore (restore.h's rs_restore): journaled like the moves. */
int mig_restore(struct app *a, const char *domain, const char *id_or_file, const char *platform,
                struct rs_result *out);

extern const struct jpipeline migrate_pipeline, rename_pipeline, clone_pipeline, delete_pipeline,
    restore_pipeline;

#endif

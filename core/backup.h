/* backup.h: one verified archive per site: create, verify, prune, and read back for restore. */
#ifndef DROVER_BACKUP_H
#define DROVER_BACKUP_H

#include <stdint.h>

#include "app.h"
#include "arc.h"
#include "registry.h"

#define BK_FORMAT_VERSION 1
#define BK_MANIFEST       "manifest.json"

/* What a backup run reports. */
struct bk_result {
	struct reg_backup b;
	uint64_t files, file_bytes, db_bytes;
	double seconds;
};

/* Progress on a terminal: bytes done, rate, ETA; nothing when stderr is not a terminal. */
struct bk_progress;

/* Back up site `domain` now; format NULL = configured. task_id 0 = not part of a task. */
int bk_create(struct app *a, const char *domain, const char *format, int64_t task_id,
              struct bk_result *out);

/* The manifest of a backup, parsed. */
struct bk_manifest {
	char domain[256], site_dir[256];
	char platform[REG_NAME_MAX], platform_path[PATH_MAX], adapter[64], cms[32];
	char distribution[32], core_version[64];
	char db_driver[16], db_server[64];
	char created[32];
	struct arc_member *members; /* as recorded: name, type, size, sha256 */
	size_t n_members;
	char **files; /* owned paths, relative to the platform root */
	size_t n_files;
	char archive_sha256[ARC_SHA256_HEX]; /* of the whole file, as it was read */
};
void bk_manifest_free(struct bk_manifest *m);

/*
 * Read a backup (a catalog id, or a file) completely: every member's checksum against the
 * manifest, no member missing or extra, the dump complete. staging NULL: only read (verify);
 * else extract into staging (an empty directory) too. The manifest is returned in *m.
 */
int bk_read(struct app *a, const char *path, const char *staging, struct bk_manifest *m);

/* Resolve "ID" or "FILE" to a catalog entry (file: looked up by path, or none). */
int bk_resolve(struct app *a, const char *id_or_file, struct reg_backup *out, int *in_catalog);

/* Apply the configured retention; never removes a site's newest verified (or newest) backup.
 * *removed gets the count. dry_run: only say. */
int bk_prune(struct app *a, int dry_run, int *removed);

/* Remove what killed backups left: work directories and partial archives whose process is gone
 * (their names carry its pid). Run by recover. *removed gets the count. */
int bk_sweep(struct app *a, int *removed);

#endif

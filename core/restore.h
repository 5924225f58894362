/* restore.h: putting a backup back, all or nothing. */
#ifndef DROVER_RESTORE_H
#define DROVER_RESTORE_H

#include <limits.h>

#include "app.h"
#include "registry.h"

struct rs_result {
	struct reg_backup b;
	char platform[REG_NAME_MAX];
	char database[PATH_MAX];
};

/*
 * Restore site `domain` from a backup (catalog id or file; NULL = its newest) onto `platform`
 * (NULL = the one in the manifest). The site need not be registered (disaster recovery). On any
 * failure the site is exactly as it was and nothing new is left behind.
 */
int rs_restore(struct app *a, const char *domain, const char *id_or_file, const char *platform,
               struct rs_result *out);

/* The newest catalogued backup of a site. */
int rs_newest(struct app *a, const char *domain, struct reg_backup *out);

/* A fresh database (and user) name for a site: d_<domain>_<hex time>. */
int rs_db_name(const char *domain, char *out, size_t size);

#endif

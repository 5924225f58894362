/*
 * restore.c: putting a backup back. The work is a journaled pipeline (migrate.c, "restore"):
 * check the whole archive, a new database, stage, import, swap each site path in with an
 * atomic exchange, then switch the registry (the point of no return) and let the old database
 * and files go. Here: choosing the backup and naming databases.
 */
#include "restore.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "migrate.h"
#include "db.h"
#include "error.h"
#include "host.h"
#include "inventory.h"
#include "util.h"

/* A new database name for a site: its domain as an identifier, and when. */
int rs_db_name(const char *domain, char *out, size_t size)
{
	char base[40];
	size_t n = 0;
	time_t now = time(NULL);

	for (const char *p = domain; *p && n < sizeof(base) - 1; p++)
		base[n++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ? *p
		                   : (*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a'
		                                              : '_');
	base[n] = '\0';
	/* The time, and 16 random bits: two moves of one site in a second get two names. */
	{
		unsigned short r = 0;
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (read(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
				r = (unsigned short)getpid();
			close(fd);
		}
		return str_fmt(out, size, "d_%s_%lx%04x", base, (unsigned long)now, r);
	}
}

int rs_restore(struct app *a, const char *domain, const char *id_or_file, const char *platform,
               struct rs_result *out)
{
	return mig_restore(a, domain, id_or_file, platform, out);
}

struct newest {
	struct reg_backup *b;
	int found;
};

static int take_first(void *arg, const struct reg_backup *b)
{
	struct newest *n = arg;

	*n->b = *b;
	n->found = 1;
	return DROVER_E_STOP;
}

int rs_newest(struct app *a, const char *domain, struct reg_backup *out)
{
	struct newest n = {out, 0};
	struct reg *reg;
	int rc;

	if ((rc = inv_registry(a, &reg)) != 0 ||
	    (rc = reg_backup_foreach(reg, domain, take_first, &n, &a->err)) != 0)
		return rc;
	if (!n.found)
		return err_set(&a->err, DROVER_E_NOTFOUND, domain,
		               "no backup of %s in the catalog: give a backup FILE", domain);
	return 0;
}

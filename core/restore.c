/*
 * restore.c: put a backup back, on the platform its manifest names unless told otherwise.
 *
 * Order, so that any failure leaves the site exactly as it was: read and check the whole archive
 * into a staging directory inside the target platform (same filesystem); create a new database
 * and load the dump; write the new credentials into the staged settings; then swap each of the
 * site's paths with its staged copy (an atomic exchange where the filesystem has one) and record
 * the move in the registry. Only after all of that succeeded are the old database and the old
 * files removed. Until the swap nothing live was touched; a failing swap is swapped back.
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
#include "db.h"
#include "error.h"
#include "host.h"
#include "inventory.h"
#include "util.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* 32 hex characters from the kernel's random source: a site database password. */
static int random_hex(char *out, size_t n, struct drover_error *err)
{
	unsigned char raw[32];
	static const char digits[] = "0123456789abcdef";
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t want = (n - 1) / 2 > sizeof(raw) ? sizeof(raw) : (n - 1) / 2;

	if (fd < 0 || read(fd, raw, want) != (ssize_t)want) {
		if (fd >= 0)
			close(fd);
		return err_set(err, DROVER_E_IO, "/dev/urandom", "cannot read random bytes");
	}
	close(fd);
	for (size_t i = 0; i < want; i++) {
		out[2 * i] = digits[raw[i] >> 4];
		out[2 * i + 1] = digits[raw[i] & 15];
	}
	out[2 * want] = '\0';
	return 0;
}

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

/* Swap a live path with its staged copy; the staged place then holds the old one. */
static int swap_in(const char *live, const char *staged, int *exchanged, struct drover_error *err)
{
	struct stat st;

	*exchanged = 0;
	if (lstat(live, &st) == 0) {
		if (renameat2(AT_FDCWD, staged, AT_FDCWD, live, RENAME_EXCHANGE) == 0) {
			*exchanged = 1;
			return 0;
		}
		if (errno != EINVAL && errno != ENOSYS)
			return err_set(err, DROVER_E_IO, live,
			               "cannot swap in the restored copy: %s", strerror(errno));
		/* No atomic exchange here: move the old aside first, then the new in. */
		{
			char aside[PATH_MAX];
			if (str_fmt(aside, sizeof(aside), "%s.drover-old", staged) != 0)
				return err_set(err, DROVER_E_RANGE, live, "path too long");
			if (rename(live, aside) != 0)
				return err_set(err, DROVER_E_IO, live, "cannot move aside: %s",
				               strerror(errno));
			if (rename(staged, live) != 0) {
				int e = errno;
				(void)rename(aside, live);
				return err_set(err, DROVER_E_IO, live,
				               "cannot move the restored copy in: %s", strerror(e));
			}
			if (rename(aside, staged) != 0)
				return err_set(err, DROVER_E_IO, staged,
				               "cannot keep the old copy: %s", strerror(errno));
			*exchanged = 1;
			return 0;
		}
	}
	{
		char parent[PATH_MAX], *slash;
		(void)str_copy(parent, sizeof(parent), live);
		slash = strrchr(parent, '/');
		if (slash) {
			*slash = '\0';
			if (path_mkdirs(parent, 0755) != 0)
				return err_set(err, DROVER_E_IO, parent, "cannot create: %s",
				               strerror(errno));
		}
	}
	if (rename(staged, live) != 0)
		return err_set(err, DROVER_E_IO, live, "cannot move the restored copy in: %s",
		               strerror(errno));
	return 0;
}

/* Undo swap_in. */
static void swap_out(const char *live, const char *staged, int exchanged)
{
	if (exchanged)
		(void)renameat2(AT_FDCWD, staged, AT_FDCWD, live, RENAME_EXCHANGE);
	else
		(void)rename(live, staged);
}

/* Is `p` inside an owned path listed before it (then it moved with that one)? */
static int nested(char **files, size_t i)
{
	for (size_t j = 0; j < i; j++) {
		size_t k = strlen(files[j]);
		if (strncmp(files[i], files[j], k) == 0 && (files[i][k] == '/' || !files[i][k]))
			return 1;
	}
	return 0;
}

static int write_settings(struct app *a, const struct ldr_entry *ad, const char *domain,
                          const char *root, const char *site_dir, const struct db_params *dp)
{
	struct drover_site site = {
	    .struct_size = sizeof(site), .domain = domain, .root = root, .site_dir = site_dir};
	struct drover_settings st;
	struct drover_ctx ctx;
	int rc;

	if (!(ad->desc->caps & DROVER_CAP_SETTINGS_WRITE))
		return err_set(
		    &a->err, DROVER_E_NOTSUP, ad->name,
		    "the %s adapter cannot write a site's settings: restore is not supported "
		    "by this adapter version",
		    ad->name);
	memset(&st, 0, sizeof(st));
	st.struct_size = sizeof(st);
	/* Read what the staged settings say, change only the credentials. */
	host_ctx_init(&ctx, ad, &a->err);
	if ((rc = ad->desc->ops->settings_read(&ctx, &site, &st)) != 0)
		return rc;
	(void)str_copy(st.driver, sizeof(st.driver),
	               strcmp(dp->driver, DB_DRIVER_SQLITE) == 0 && strcmp(st.driver, "sqlite") == 0
	                   ? "sqlite"
	                   : st.driver);
	if (strcmp(st.driver, "sqlite") == 0 || strcmp(dp->driver, DB_DRIVER_MYSQL) == 0)
		(void)str_copy(st.database, sizeof(st.database), dp->database);
	else /* a MySQL-speaking site on drover's SQLite server: the name maps to <name>.sqlite */
		(void)str_copy(st.database, sizeof(st.database), path_base(dp->database));
	if (strcmp(st.driver, "sqlite") != 0 && str_endswith(st.database, ".sqlite"))
		st.database[strlen(st.database) - 7] = '\0';
	if (strcmp(dp->driver, DB_DRIVER_MYSQL) == 0) {
		(void)str_copy(st.username, sizeof(st.username), dp->user);
		(void)str_copy(st.password, sizeof(st.password), dp->password);
		(void)str_copy(st.host, sizeof(st.host),
		               dp->socket[0] || !dp->host[0] ? "localhost" : dp->host);
		st.port = dp->socket[0] ? 0 : (uint32_t)dp->port;
	}
	host_ctx_init(&ctx, ad, &a->err);
	rc = ad->desc->ops->settings_write(&ctx, &site, &st);
	memset(&st, 0, sizeof(st));
	return rc;
}

int rs_restore(struct app *a, const char *domain, const char *id_or_file, const char *platform,
               struct rs_result *out)
{
	char staging[PATH_MAX] = "", files_root[PATH_MAX], dbdir[PATH_MAX], live[PATH_MAX],
	     staged[PATH_MAX], dbname[64], password[33];
	const struct cfg_db_server *srv;
	const struct ldr_entry *ad;
	struct bk_manifest m = {0};
	struct reg_platform p;
	struct reg_backup b;
	struct reg_site s, old;
	struct db_params dp, olddb;
	struct db_admin admin;
	struct reg *reg;
	int rc, in_catalog, had_site, created_db = 0, registered = 0;
	size_t swapped = 0;
	int *exchanged = NULL;

	memset(out, 0, sizeof(*out));
	memset(&olddb, 0, sizeof(olddb));
	memset(&dp, 0, sizeof(dp));
	memset(&admin, 0, sizeof(admin));
	if ((rc = inv_registry(a, &reg)) != 0)
		return rc;
	had_site = reg_site_get(reg, domain, &old, &a->err) == 0;
	err_clear(&a->err);
	if (id_or_file) {
		if ((rc = bk_resolve(a, id_or_file, &b, &in_catalog)) != 0)
			return rc;
	} else if ((rc = rs_newest(a, domain, &b)) != 0) {
		return rc;
	}
	/* Check the whole archive before anything: a bad one is refused with nothing touched. */
	if ((rc = bk_read(a, b.path, NULL, &m)) != 0)
		return rc;
	if (strcasecmp(m.domain, domain) != 0) {
		rc = err_set(&a->err, DROVER_E_INVAL, b.path,
		             "this is a backup of %s, not of %s: give the right site or backup",
		             m.domain, domain);
		goto out;
	}
	if ((rc = reg_platform_get(reg, platform ? platform : m.platform, &p, &a->err)) != 0) {
		rc = err_set(&a->err, DROVER_E_NOTFOUND, platform ? platform : m.platform,
		             "platform %s is not registered: add it (drover platform add %s %s) or "
		             "give --platform",
		             platform ? platform : m.platform, platform ? platform : m.platform,
		             platform ? "PATH" : m.platform_path);
		goto out;
	}
	if ((rc = inv_adapter(a, &p, &ad)) != 0)
		goto out;
	if (strcmp(p.adapter, m.adapter) != 0) {
		rc = err_set(&a->err, DROVER_E_REFUSED, p.name,
		             "platform %s is %s, the backup is of a %s site: restore it onto a %s "
		             "platform",
		             p.name, p.cms, m.cms, m.cms);
		goto out;
	}
	if (!had_site || old.platform_id != p.id) {
		int hosted = 0;
		if (!(ad->desc->caps & DROVER_CAP_MULTISITE) && p.n_sites > 0)
			hosted = 1;
		if (hosted) {
			rc = err_set(
			    &a->err, DROVER_E_REFUSED, p.name,
			    "platform %s already hosts a site, and a %s platform hosts only one",
			    p.name, p.cms);
			goto out;
		}
	}
	/* Where the database goes: the site's server, else the backup's, else the default. */
	srv = cfg_db_server(&a->cfg, had_site ? old.db_server : m.db_server);
	if (!srv)
		srv = cfg_db_server(&a->cfg, a->cfg.default_db_server);
	if ((rc = db_admin_from_cfg(srv, &admin, &a->err)) != 0)
		goto out;
	if (str_fmt(staging, sizeof(staging), "%s/.drover-restore-XXXXXX", p.path) != 0 ||
	    !mkdtemp(staging)) {
		rc = err_set(&a->err, DROVER_E_IO, p.path, "cannot create a staging directory: %s",
		             strerror(errno));
		staging[0] = '\0';
		goto out;
	}
	bk_manifest_free(&m);
	if ((rc = bk_read(a, b.path, staging, &m)) != 0)
		goto out;
	if (path_join(files_root, sizeof(files_root), staging, "files") ||
	    path_join(dbdir, sizeof(dbdir), staging, "database")) {
		rc = err_set(&a->err, DROVER_E_RANGE, staging, "path too long");
		goto out;
	}
	/* A new database, loaded from the dump; the old one stays until the end. */
	if ((rc = rs_db_name(domain, dbname, sizeof(dbname))) != 0 ||
	    (rc = random_hex(password, sizeof(password), &a->err)) != 0) {
		if (!a->err.code)
			err_set(&a->err, rc, domain, "cannot name the new database");
		goto out;
	}
	if ((rc = db_create(&admin, dbname, dbname, password, &dp, &a->err)) != 0)
		goto out;
	created_db = 1;
	if ((rc = db_load(&dp, dbdir, &a->err)) != 0)
		goto out;
	if ((rc = write_settings(a, ad, domain, files_root, m.site_dir, &dp)) != 0)
		goto out;
	/* The swap: from here on live paths change, each one undone if a later one fails. */
	exchanged = calloc(m.n_files ? m.n_files : 1, sizeof(*exchanged));
	if (!exchanged) {
		rc = err_set(&a->err, DROVER_E_NOMEM, domain, "out of memory");
		goto out;
	}
	for (swapped = 0; swapped < m.n_files; swapped++) {
		struct stat st;
		if (nested(m.files, swapped))
			continue;
		if (path_join(live, sizeof(live), p.path, m.files[swapped]) ||
		    path_join(staged, sizeof(staged), files_root, m.files[swapped])) {
			rc = err_set(&a->err, DROVER_E_RANGE, m.files[swapped], "path too long");
			break;
		}
		if (lstat(staged, &st) != 0)
			continue; /* the site had not created it when it was backed up */
		if ((rc = swap_in(live, staged, &exchanged[swapped], &a->err)) != 0)
			break;
	}
	if (rc == 0) {
		memset(&s, 0, sizeof(s));
		if (had_site)
			s = old;
		(void)str_copy(s.domain, sizeof(s.domain), domain);
		s.platform_id = p.id;
		(void)str_copy(s.site_dir, sizeof(s.site_dir), m.site_dir);
		(void)str_copy(s.db_server, sizeof(s.db_server), srv->name);
		(void)str_copy(s.db_name, sizeof(s.db_name), dp.database);
		(void)str_copy(s.db_user, sizeof(s.db_user), dp.user);
		rc = reg_begin(reg, &a->err);
		if (rc == 0) {
			int64_t srv_id;
			rc = reg_db_server_ensure(reg, srv->name, srv->driver,
			                          srv->directory[0] ? srv->directory : srv->host,
			                          &srv_id, &a->err);
		}
		if (rc == 0)
			rc = had_site ? reg_site_update(reg, &s, &a->err)
			              : reg_site_add(reg, &s, &a->err);
		if (rc == 0)
			rc = reg_commit(reg, &a->err);
		if (rc)
			reg_rollback(reg, NULL);
		registered = rc == 0;
	}
	if (rc) {
		while (swapped-- > 0) {
			if (nested(m.files, swapped) ||
			    path_join(live, sizeof(live), p.path, m.files[swapped]) ||
			    path_join(staged, sizeof(staged), files_root, m.files[swapped]))
				continue;
			swap_out(live, staged, exchanged[swapped]);
		}
		goto out;
	}
	/* A backup taken by a migrate or delete was taken in maintenance mode: a restored site is
	 * meant to be online. */
	if (ad->desc->caps & DROVER_CAP_MAINTENANCE) {
		struct drover_db *db = NULL;
		if (db_open(&dp, 0, &db, &a->err) == 0) {
			struct drover_site site = {.struct_size = sizeof(site),
			                           .domain = domain,
			                           .root = p.path,
			                           .site_dir = m.site_dir,
			                           .db_driver = db_driver(db),
			                           .db = db};
			struct drover_ctx ctx;
			int32_t state;
			host_ctx_init(&ctx, ad, &a->err);
			if (ad->desc->ops->maintenance(&ctx, &site, DROVER_MAINT_OFF, &state) != 0)
				log_msg(DROVER_LOG_WARNING,
				        "%s: could not leave maintenance mode: %s", domain,
				        a->err.message);
			db_close(db);
		}
		err_clear(&a->err);
	}
	/* Done: the site runs from the restored copy. Now the old database and files go. */
	out->b = b;
	(void)str_copy(out->platform, sizeof(out->platform), p.name);
	(void)str_copy(out->database, sizeof(out->database), dp.database);
	if (had_site) {
		struct reg_platform oldp;
		const struct cfg_db_server *osrv = cfg_db_server(&a->cfg, old.db_server);
		struct db_admin oa;
		if (osrv && db_admin_from_cfg(osrv, &oa, &a->err) == 0) {
			memset(&olddb, 0, sizeof(olddb));
			(void)str_copy(olddb.driver, sizeof(olddb.driver), osrv->driver);
			(void)str_copy(olddb.database, sizeof(olddb.database), old.db_name);
			(void)str_copy(olddb.user, sizeof(olddb.user), old.db_user);
			if (strcmp(old.db_name, dp.database) != 0 &&
			    db_drop(&oa, &olddb, &a->err) != 0) {
				log_msg(DROVER_LOG_WARNING,
				        "the old database %s of %s could not be dropped: %s",
				        old.db_name, domain, a->err.message);
				err_clear(&a->err);
			}
		}
		err_clear(&a->err);
		/* Restored onto another platform: the copy on the old one is not the site any more. */
		if (old.platform_id != p.id &&
		    reg_platform_get_id(reg, old.platform_id, &oldp, &a->err) == 0) {
			for (size_t i = 0; i < m.n_files; i++) {
				if (nested(m.files, i) ||
				    path_join(live, sizeof(live), oldp.path, m.files[i]))
					continue;
				if (path_remove_tree(live) != 0)
					log_msg(DROVER_LOG_WARNING,
					        "could not remove the old copy %s: %s", live,
					        strerror(errno));
			}
		}
		err_clear(&a->err);
	}
	rc = 0;
out:
	if (rc && created_db && !registered)
		(void)db_drop(&admin, &dp, NULL);
	if (staging[0] && path_remove_tree(staging) != 0)
		log_msg(DROVER_LOG_WARNING, "could not remove the staging directory %s: %s",
		        staging, strerror(errno));
	memset(password, 0, sizeof(password));
	memset(&dp.password, 0, sizeof(dp.password));
	memset(&admin.password, 0, sizeof(admin.password));
	free(exchanged);
	bk_manifest_free(&m);
	return rc;
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

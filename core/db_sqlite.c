/* db_sqlite.c: site databases in SQLite files. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db_driver.h"
#include "error.h"
#include "util.h"

static int fail(sqlite3 *h, const char *what, struct drover_error *err)
{
	const char *file = h ? sqlite3_db_filename(h, "main") : NULL;

	return err_set(err, DROVER_E_DB, file && *file ? file : NULL, "%s: %s", what,
	               h ? sqlite3_errmsg(h) : "cannot allocate a connection");
}

static int s_open(const struct db_params *p, unsigned flags, void **conn, struct drover_error *err)
{
	int oflags = (flags & DB_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	sqlite3 *h = NULL;
	struct stat st;

	/* Never create a site database by opening it: a typo must not make an empty site. */
	if (stat(p->database, &st) != 0)
		return err_set(err, errno == ENOENT ? DROVER_E_NOTFOUND : DROVER_E_IO, p->database,
		               "cannot open the site database: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_set(err, DROVER_E_INVAL, p->database, "the site database is not a file");
	if (sqlite3_open_v2(p->database, &h, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		int rc = fail(h, "cannot open the site database", err);
		sqlite3_close(h);
		return rc;
	}
	sqlite3_busy_timeout(h, 5000);
	sqlite3_extended_result_codes(h, 1);
	/* Rollback still works (the journal is in memory); only the syncs wait for s_sync. */
	if ((flags & DB_SCRATCH) &&
	    sqlite3_exec(h, "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF", NULL, NULL,
	                 NULL) != SQLITE_OK) {
		int rc = fail(h, "cannot open the site database", err);
		sqlite3_close(h);
		return rc;
	}
	*conn = h;
	return 0;
}

static int s_sync(void *conn, struct drover_error *err)
{
	const char *path = sqlite3_db_filename(conn, "main");
	int fd = path && path[0] ? open(path, O_RDONLY | O_CLOEXEC) : -1, rc = 0;

	if (fd < 0 || fsync(fd) != 0)
		rc = err_set(err, DROVER_E_IO, path ? path : "", "cannot sync the database: %s",
		             strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

static void s_close(void *conn)
{
	sqlite3_close(conn);
}

static int prepare(sqlite3 *h, const char *sql, const char *const *params, uint32_t n,
                   sqlite3_stmt **st, struct drover_error *err)
{
	const char *tail = NULL;

	if (sqlite3_prepare_v2(h, sql, -1, st, &tail) != SQLITE_OK)
		return fail(h, "cannot prepare SQL", err);
	if (tail && strspn(tail, " \t\r\n;") != strlen(tail)) {
		sqlite3_finalize(*st);
		return err_set(err, DROVER_E_INVAL, NULL, "one SQL statement per call: '%.60s'",
		               sql);
	}
	if ((uint32_t)sqlite3_bind_parameter_count(*st) != n) {
		sqlite3_finalize(*st);
		return err_set(err, DROVER_E_INVAL, NULL,
		               "SQL has %d placeholders, %u values given",
		               sqlite3_bind_parameter_count(*st), (unsigned)n);
	}
	for (uint32_t i = 0; i < n; i++) {
		int rc = params[i]
		             ? sqlite3_bind_text(*st, (int)i + 1, params[i], -1, SQLITE_STATIC)
		             : sqlite3_bind_null(*st, (int)i + 1);
		if (rc != SQLITE_OK) {
			sqlite3_finalize(*st);
			return fail(h, "cannot bind a value", err);
		}
	}
	return 0;
}

static int s_query(void *conn, const char *sql, const char *const *params, uint32_t n,
                   drover_row_cb cb, void *arg, struct drover_error *err)
{
	const char *cols[64];
	sqlite3 *h = conn;
	sqlite3_stmt *st;
	int rc, step;

	if ((rc = prepare(h, sql, params, n, &st, err)) != 0)
		return rc;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int nc = sqlite3_column_count(st);
		if (nc > 64)
			nc = 64;
		for (int i = 0; i < nc; i++)
			cols[i] = (const char *)sqlite3_column_text(st, i);
		if (cb && (rc = cb(arg, (uint32_t)nc, cols)) != 0) {
			sqlite3_finalize(st);
			return rc;
		}
	}
	if (step != SQLITE_DONE) {
		rc = fail(h, "SQL failed", err);
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	return 0;
}

static int s_exec(void *conn, const char *sql, const char *const *params, uint32_t n,
                  struct drover_error *err)
{
	return s_query(conn, sql, params, n, NULL, NULL, err);
}

static int count_cb(void *arg, uint32_t n, const char *const *cols)
{
	*(int *)arg = 1;
	return 0;
}

static int s_table_exists(void *conn, const char *table, struct drover_error *err)
{
	const char *params[] = {table};
	int found = 0, rc = s_query(conn,
	                            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
	                            "name = ?",
	                            params, 1, count_cb, &found, err);

	return rc ? rc : found;
}

/* Copy database `from` into a new file `to` with the online backup API: consistent even while
 * the site writes, unlike copying the file (and its -wal). */
static int copy_db(const char *from, const char *to, int durable, struct drover_error *err)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b;
	struct stat st;
	int rc = 0, step;

	/* An empty file is a database db_create reserved; anything else is someone's data. */
	if (stat(to, &st) == 0 && st.st_size > 0)
		return err_set(err, DROVER_E_EXISTS, to, "the database file already exists");
	if (sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		rc = fail(src, "cannot open the database", err);
		goto out;
	}
	sqlite3_busy_timeout(src, 5000);
	if (sqlite3_open_v2(to, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		rc = fail(dst, "cannot create the copy", err);
		goto out;
	}
	/* A dump is a scratch file until the archive holds it: no journal, no syncs (a crash
	 * fails the whole backup anyway). A restored database is synced once, at the end. */
	sqlite3_exec(dst,
	             durable ? "PRAGMA journal_mode=OFF; PRAGMA synchronous=NORMAL"
	                     : "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF",
	             NULL, NULL, NULL);
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		rc = fail(dst, "cannot start the copy", err);
		goto out;
	}
	while ((step = sqlite3_backup_step(b, 4096)) == SQLITE_OK || step == SQLITE_BUSY ||
	       step == SQLITE_LOCKED)
		if (step != SQLITE_OK)
			sqlite3_sleep(20);
	sqlite3_backup_finish(b);
	if (step != SQLITE_DONE)
		rc = err_set(err, DROVER_E_DB, from, "copying the database failed: %s",
		             sqlite3_errstr(step));
out:
	sqlite3_close(dst);
	sqlite3_close(src);
	if (rc && stat(to, &st) == 0 && st.st_size > 0)
		(void)truncate(to, 0); /* back to the reserved, empty state */
	return rc;
}

static int s_dump(const struct db_params *p, const char *dir, const char *const *skip, size_t n,
                  uint64_t *bytes, struct drover_error *err)
{
	char to[PATH_MAX];
	sqlite3 *h = NULL;
	struct stat st;
	int rc;

	if (path_join(to, sizeof(to), dir, "site.sqlite") != 0)
		return err_set(err, DROVER_E_RANGE, dir, "path too long");
	if ((rc = copy_db(p->database, to, 0, err)) != 0)
		return rc;
	/* Cache data is not worth keeping: empty those tables in the copy. secure_delete zeroes
	 * the freed pages, so they compress to nothing without a VACUUM rewriting the file. */
	if (n > 0) {
		if (sqlite3_open_v2(to, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
			rc = fail(h, "cannot open the copy", err);
		} else {
			sqlite3_exec(h,
			             "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
			             "PRAGMA secure_delete=ON",
			             NULL, NULL, NULL);
			for (size_t i = 0; rc == 0 && i < n; i++) {
				char sql[128];
				int found = 0;
				const char *params[] = {skip[i]};
				rc = s_query(
				    h,
				    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
				    params, 1, count_cb, &found, err);
				if (rc == 0 && found &&
				    str_fmt(sql, sizeof(sql), "DELETE FROM \"%s\"", skip[i]) == 0)
					rc = s_exec(h, sql, NULL, 0, err);
			}
		}
		sqlite3_close(h);
	}
	if (rc == 0 && stat(to, &st) == 0)
		*bytes = (uint64_t)st.st_size;
	if (rc)
		unlink(to);
	return rc;
}

static int s_load(const struct db_params *p, const char *dir, struct drover_error *err)
{
	char from[PATH_MAX];
	struct stat st;
	int fd;

	if (path_join(from, sizeof(from), dir, "site.sqlite") != 0)
		return err_set(err, DROVER_E_RANGE, dir, "path too long");
	/* The dump is a complete database file we own: on one filesystem it simply moves into
	 * the place db_create reserved (an empty file), synced first. */
	if (stat(p->database, &st) == 0 && st.st_size == 0 &&
	    (fd = open(from, O_RDONLY | O_CLOEXEC)) >= 0) {
		int synced = fsync(fd) == 0;
		close(fd);
		if (synced && rename(from, p->database) == 0)
			return 0;
	}
	return copy_db(from, p->database, 1, err);
}

static int s_create(const struct db_admin *a, const char *name, const char *user,
                    const char *password, struct db_params *out, struct drover_error *err)
{
	struct stat st;
	int fd;

	(void)str_copy(out->driver, sizeof(out->driver), DB_DRIVER_SQLITE);
	if (str_fmt(out->database, sizeof(out->database), "%s/%s.sqlite", a->directory, name) != 0)
		return err_set(err, DROVER_E_RANGE, a->directory, "path too long");
	if (stat(out->database, &st) == 0)
		return err_set(err, DROVER_E_EXISTS, out->database,
		               "database %s already exists on db server %s", name, a->name);
	if (path_mkdirs(a->directory, 0700) != 0)
		return err_set(err, DROVER_E_IO, a->directory, "cannot create the directory: %s",
		               strerror(errno));
	/* Reserve the name with an empty file, as a server reserves it with CREATE DATABASE. */
	fd = open(out->database, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(err, errno == EEXIST ? DROVER_E_EXISTS : DROVER_E_IO, out->database,
		               "cannot create the database: %s", strerror(errno));
	close(fd);
	return 0;
}

static int s_drop(const struct db_admin *a, const struct db_params *p, struct drover_error *err)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (str_fmt(path, sizeof(path), "%s%s", p->database, suffixes[i]) == 0 &&
		    unlink(path) != 0 && errno != ENOENT)
			return err_set(err, DROVER_E_IO, path, "cannot remove: %s",
			               strerror(errno));
	return 0;
}

static int s_exists(const struct db_admin *a, const char *name, struct drover_error *err)
{
	char path[PATH_MAX];
	struct stat st;

	if (str_fmt(path, sizeof(path), "%s/%s.sqlite", a->directory, name) != 0)
		return err_set(err, DROVER_E_RANGE, a->directory, "path too long");
	return stat(path, &st) == 0;
}

const struct db_driver db_sqlite_driver = {
    .name = DB_DRIVER_SQLITE,
    .open = s_open,
    .close = s_close,
    .sync = s_sync,
    .exec = s_exec,
    .query = s_query,
    .table_exists = s_table_exists,
    .dump = s_dump,
    .load = s_load,
    .create = s_create,
    .drop = s_drop,
    .exists = s_exists,
};

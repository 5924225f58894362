/* db_sqlite.c: site databases in SQLite files. */
#include <errno.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include "db_driver.h"
#include "error.h"

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
	*conn = h;
	return 0;
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

const struct db_driver db_sqlite_driver = {
    .name = DB_DRIVER_SQLITE,
    .open = s_open,
    .close = s_close,
    .exec = s_exec,
    .query = s_query,
    .table_exists = s_table_exists,
};

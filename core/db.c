/* db.c: one interface over the site database drivers. */
#include "db.h"

#include <stdlib.h>
#include <string.h>

#include "db_driver.h"
#include "error.h"

struct drover_db {
	const struct db_driver *drv;
	void *conn;
};

int db_open(const struct db_params *p, unsigned flags, struct drover_db **out,
            struct drover_error *err)
{
	const struct db_driver *drv;
	struct drover_db *db;
	int rc;

	*out = NULL;
	if (strcmp(p->driver, DB_DRIVER_SQLITE) == 0)
		drv = &db_sqlite_driver;
	else if (strcmp(p->driver, DB_DRIVER_MYSQL) == 0)
		drv = &db_mysql_driver;
	else
		return err_set(err, DROVER_E_INVAL, p->database,
		               "database driver '%s' is not supported (sqlite, mysql)", p->driver);
	db = calloc(1, sizeof(*db));
	if (!db)
		return err_set(err, DROVER_E_NOMEM, p->database, "out of memory");
	db->drv = drv;
	if ((rc = drv->open(p, flags, &db->conn, err)) != 0) {
		free(db);
		return rc;
	}
	*out = db;
	return 0;
}

void db_close(struct drover_db *db)
{
	if (!db)
		return;
	db->drv->close(db->conn);
	free(db);
}

const char *db_driver(const struct drover_db *db)
{
	return db->drv->name;
}

int db_exec(struct drover_db *db, const char *sql, const char *const *params, uint32_t nparams,
            struct drover_error *err)
{
	return db->drv->exec(db->conn, sql, params, nparams, err);
}

int db_query(struct drover_db *db, const char *sql, const char *const *params, uint32_t nparams,
             drover_row_cb cb, void *arg, struct drover_error *err)
{
	return db->drv->query(db->conn, sql, params, nparams, cb, arg, err);
}

int db_table_exists(struct drover_db *db, const char *table, struct drover_error *err)
{
	if (!db_ident_ok(table))
		return err_set(err, DROVER_E_INVAL, table, "not a valid table name");
	return db->drv->table_exists(db->conn, table, err);
}

int db_ident_ok(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_') ||
		    n >= 64)
			return 0;
	return 1;
}

/* db.c: one interface over the site database drivers. */
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db_driver.h"
#include "error.h"
#include "util.h"

struct drover_db {
	const struct db_driver *drv;
	void *conn;
};

static const struct db_driver *driver_for(const char *name, const char *what,
                                          struct drover_error *err)
{
	if (strcmp(name, DB_DRIVER_SQLITE) == 0)
		return &db_sqlite_driver;
	if (strcmp(name, DB_DRIVER_MYSQL) == 0)
		return &db_mysql_driver;
	err_set(err, DROVER_E_INVAL, what, "database driver '%s' is not supported (sqlite, mysql)",
	        name);
	return NULL;
}

int db_open(const struct db_params *p, unsigned flags, struct drover_db **out,
            struct drover_error *err)
{
	const struct db_driver *drv = driver_for(p->driver, p->database, err);
	struct drover_db *db;
	int rc;

	*out = NULL;
	if (!drv)
		return err->code;
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

int db_sync(struct drover_db *db, struct drover_error *err)
{
	return db->drv->sync ? db->drv->sync(db->conn, err) : 0;
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

int db_dump(const struct db_params *p, const char *dir, const char *const *data_skip, size_t n_skip,
            uint64_t *bytes, struct drover_error *err)
{
	const struct db_driver *drv = driver_for(p->driver, p->database, err);

	for (size_t i = 0; i < n_skip; i++)
		if (!db_ident_ok(data_skip[i]))
			return err_set(err, DROVER_E_INVAL, data_skip[i], "not a valid table name");
	*bytes = 0;
	return drv ? drv->dump(p, dir, data_skip, n_skip, bytes, err) : err->code;
}

int db_load(const struct db_params *p, const char *dir, struct drover_error *err)
{
	const struct db_driver *drv = driver_for(p->driver, p->database, err);

	return drv ? drv->load(p, dir, err) : err->code;
}

int db_admin_from_cfg(const struct cfg_db_server *srv, struct db_admin *out,
                      struct drover_error *err)
{
	memset(out, 0, sizeof(*out));
	(void)str_copy(out->name, sizeof(out->name), srv->name);
	(void)str_copy(out->driver, sizeof(out->driver), srv->driver);
	(void)str_copy(out->directory, sizeof(out->directory), srv->directory);
	(void)str_copy(out->host, sizeof(out->host), srv->host);
	(void)str_copy(out->socket, sizeof(out->socket), srv->socket);
	(void)str_copy(out->user, sizeof(out->user), srv->user);
	out->port = srv->port;
	if (srv->password_file[0]) {
		FILE *f = fopen(srv->password_file, "r");
		size_t n;
		if (!f)
			return err_set(err, DROVER_E_IO, srv->password_file,
			               "cannot read the password of db server %s: %s", srv->name,
			               strerror(errno));
		n = fread(out->password, 1, sizeof(out->password) - 1, f);
		fclose(f);
		out->password[n] = '\0';
		out->password[strcspn(out->password, "\r\n")] = '\0'; /* one line */
	}
	return 0;
}

static const struct db_driver *admin_driver(const struct db_admin *a, struct drover_error *err)
{
	return driver_for(a->driver, a->name, err);
}

int db_create(const struct db_admin *a, const char *name, const char *user, const char *password,
              struct db_params *out, struct drover_error *err)
{
	const struct db_driver *drv = admin_driver(a, err);

	memset(out, 0, sizeof(*out));
	if (!db_ident_ok(name) || !name[0] || !db_ident_ok(user))
		return err_set(err, DROVER_E_INVAL, name,
		               "database and user names are letters, digits and '_' (at most 64)");
	return drv ? drv->create(a, name, user, password, out, err) : err->code;
}

int db_drop(const struct db_admin *a, const struct db_params *p, struct drover_error *err)
{
	const struct db_driver *drv = admin_driver(a, err);

	return drv ? drv->drop(a, p, err) : err->code;
}

int db_exists(const struct db_admin *a, const char *name, struct drover_error *err)
{
	const struct db_driver *drv = admin_driver(a, err);

	if (!db_ident_ok(name) || !name[0])
		return err_set(err, DROVER_E_INVAL, name, "not a valid database name");
	return drv ? drv->exists(a, name, err) : err->code;
}

/* db_driver.h: what a site database driver provides to db.c. Internal to the core. */
#ifndef DROVER_DB_DRIVER_H
#define DROVER_DB_DRIVER_H

#include "db.h"

struct db_driver {
	const char *name;
	int (*open)(const struct db_params *p, unsigned flags, void **conn,
	            struct drover_error *err);
	void (*close)(void *conn);
	int (*sync)(void *conn, struct drover_error *err); /* NULL: the server's business */
	int (*exec)(void *conn, const char *sql, const char *const *params, uint32_t n,
	            struct drover_error *err);
	int (*query)(void *conn, const char *sql, const char *const *params, uint32_t n,
	             drover_row_cb cb, void *arg, struct drover_error *err);
	int (*table_exists)(void *conn, const char *table, struct drover_error *err);
	/* whole databases (see db.h) */
	int (*dump)(const struct db_params *p, const char *dir, const char *const *skip, size_t n,
	            uint64_t *bytes, struct drover_error *err);
	int (*load)(const struct db_params *p, const char *dir, struct drover_error *err);
	int (*create)(const struct db_admin *a, const char *name, const char *user,
	              const char *password, struct db_params *out, struct drover_error *err);
	int (*drop)(const struct db_admin *a, const struct db_params *p, struct drover_error *err);
	int (*exists)(const struct db_admin *a, const char *name, struct drover_error *err);
};

extern const struct db_driver db_sqlite_driver;
extern const struct db_driver db_mysql_driver;

#endif

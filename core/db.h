/*
 * db.h: site databases behind one interface, for SQLite files and MySQL/MariaDB servers.
 * db_sqlite.c and db_mysql.c are the drivers; db.c dispatches. Adapters reach this through
 * host->sql_exec / host->sql_query with the struct drover_db * the core puts in drover_site.
 *
 * SQL: one statement per call, `?` placeholders bound as text (NULL param = SQL NULL), rows
 * handed to the callback as text (NULL for SQL NULL). Identifiers (table names with a prefix)
 * cannot be bound: callers check them with db_ident_ok() before putting them in SQL.
 */
#ifndef DROVER_DB_H
#define DROVER_DB_H

#include <limits.h>
#include <stdint.h>

#include <drover/adapter.h>

#define DB_DRIVER_SQLITE "sqlite"
#define DB_DRIVER_MYSQL  "mysql"

/* Where a site database is and how to log in. */
struct db_params {
	char driver[16];         /* DB_DRIVER_SQLITE or DB_DRIVER_MYSQL */
	char database[PATH_MAX]; /* sqlite: the file; mysql: the database name */
	char host[256];          /* mysql */
	int port;                /* mysql; 0 = 3306 */
	char socket[PATH_MAX];   /* mysql; "" = TCP */
	char user[128];          /* mysql */
	char password[256];      /* mysql; never logged */
};

#define DB_READONLY 1u /* sqlite: open read-only; mysql: no effect */

/* Open a site database; DROVER_E_NOTFOUND if a sqlite file does not exist (never created
 * here), DROVER_E_DB with the server's message otherwise. */
int db_open(const struct db_params *p, unsigned flags, struct drover_db **out,
            struct drover_error *err);
void db_close(struct drover_db *db);

/* "sqlite" or "mysql". */
const char *db_driver(const struct drover_db *db);

int db_exec(struct drover_db *db, const char *sql, const char *const *params, uint32_t nparams,
            struct drover_error *err);

/* Rows to cb; a non-zero return from cb stops and is returned unchanged. */
int db_query(struct drover_db *db, const char *sql, const char *const *params, uint32_t nparams,
             drover_row_cb cb, void *arg, struct drover_error *err);

/* 1 if the table exists in the database. */
int db_table_exists(struct drover_db *db, const char *table, struct drover_error *err);

/* 1 if s is a safe SQL identifier part: [A-Za-z0-9_]{0,64}. */
int db_ident_ok(const char *s);

#endif

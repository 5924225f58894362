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
/* sqlite: no journal file and no syncs while open, db_sync() once at the end: for a database
 * nothing uses yet, which a crash leaves to the undo that drops it; mysql: no effect */
#define DB_SCRATCH 2u

/* Open a site database; DROVER_E_NOTFOUND if a sqlite file does not exist (never created
 * here), DROVER_E_DB with the server's message otherwise. */
int db_open(const struct db_params *p, unsigned flags, struct drover_db **out,
            struct drover_error *err);
void db_close(struct drover_db *db);
/* Everything written so far on disk (a DB_SCRATCH database before it is used). */
int db_sync(struct drover_db *db, struct drover_error *err);

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

/* ---- whole databases: dump, load, create, drop ------------------------------------------------ */

/*
 * Dump the database into the directory `dir` (which must exist and be empty). SQLite: a
 * consistent copy made with the online backup API (site.sqlite), the tables in `data_skip`
 * emptied in the copy. MySQL: `mariadb-dump --single-transaction --quick --routines --triggers
 * --hex-blob` of everything but `data_skip` (dump.sql), and the structure of `data_skip`
 * (structure.sql); a dump that fails or lacks its completion line fails. Credentials go to the
 * tool in an option file on a descriptor. *bytes gets the size written.
 */
int db_dump(const struct db_params *p, const char *dir, const char *const *data_skip, size_t n_skip,
            uint64_t *bytes, struct drover_error *err);

/* Load a dump directory made by db_dump into the (new, empty) database p. */
int db_load(const struct db_params *p, const char *dir, struct drover_error *err);

/* How to administer a db server: from the configuration (password read from password_file). */
struct db_admin {
	char driver[16];
	char directory[PATH_MAX]; /* sqlite */
	char host[256];
	int port;
	char socket[PATH_MAX];
	char user[128];
	char password[256];
	char name[64]; /* the server's name, for messages */
};
struct cfg_db_server;
int db_admin_from_cfg(const struct cfg_db_server *srv, struct db_admin *out,
                      struct drover_error *err);

/*
 * Create a new, empty database `name` (and, for MySQL, user `user` with `password` allowed on it
 * only) and fill *out to reach it as that user. DROVER_E_EXISTS if it already exists: never
 * reuse. SQLite: the file <directory>/<name>.sqlite is created by db_load, so this only checks.
 */
int db_create(const struct db_admin *a, const char *name, const char *user, const char *password,
              struct db_params *out, struct drover_error *err);
/* Drop the database (and MySQL user) that p names. Missing is not an error. */
int db_drop(const struct db_admin *a, const struct db_params *p, struct drover_error *err);
/* 1 if the database exists, 0 if not. */
int db_exists(const struct db_admin *a, const char *name, struct drover_error *err);

#endif

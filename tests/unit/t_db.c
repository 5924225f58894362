/*
 * t_db.c: the site database interface on a real SQLite file and, when $MYSQL_SOCKET names a
 * running server (tests/cli/t_db.sh starts a private MariaDB), on real MariaDB: the same
 * statements, the same answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "error.h"
#include "tap.h"
#include "util.h"

struct rows {
	int n;
	char first[256];
	int nulls;
};

static int collect(void *arg, uint32_t n, const char *const *cols)
{
	struct rows *r = arg;

	if (r->n++ == 0 && n > 0 && cols[0])
		snprintf(r->first, sizeof(r->first), "%s", cols[0]);
	for (uint32_t i = 0; i < n; i++)
		r->nulls += cols[i] == NULL;
	return 0;
}

static int stop_after_one(void *arg, uint32_t n, const char *const *cols)
{
	(*(int *)arg)++;
	return DROVER_E_STOP;
}

static void suite(const char *label, struct drover_db *db)
{
	struct drover_error err;
	struct rows r;
	const char *p2[] = {"views", "7301"};
	const char *quote[] = {"o'brien\"; DROP TABLE system; --", "1"};
	const char *pnull[] = {"nullmod", NULL};
	int calls = 0;

	err_clear(&err);
	is_int(db_exec(db,
	               "CREATE TABLE system (name VARCHAR(255) NOT NULL, schema_version "
	               "VARCHAR(20))",
	               NULL, 0, &err),
	       0, "%s: create a table", label);
	is_int(db_table_exists(db, "system", &err), 1, "%s: the table exists", label);
	is_int(db_table_exists(db, "nosuch", &err), 0, "%s: another does not", label);
	is_int(db_exec(db, "INSERT INTO system (name, schema_version) VALUES (?, ?)", p2, 2, &err),
	       0, "%s: insert with parameters", label);
	is_int(
	    db_exec(db, "INSERT INTO system (name, schema_version) VALUES (?, ?)", quote, 2, &err),
	    0, "%s: quotes in a parameter are data", label);
	is_int(
	    db_exec(db, "INSERT INTO system (name, schema_version) VALUES (?, ?)", pnull, 2, &err),
	    0, "%s: a NULL parameter", label);
	memset(&r, 0, sizeof(r));
	is_int(db_query(db, "SELECT name, schema_version FROM system WHERE name = ?", p2, 1,
	                collect, &r, &err),
	       0, "%s: query with a parameter", label);
	ok(r.n == 1 && strcmp(r.first, "views") == 0, "%s: one row, the right one", label);
	memset(&r, 0, sizeof(r));
	db_query(db, "SELECT name FROM system WHERE name = ?", quote, 1, collect, &r, &err);
	is_str(r.first, quote[0], "%s: the quoted value round-trips", label);
	memset(&r, 0, sizeof(r));
	db_query(db, "SELECT schema_version FROM system WHERE name = 'nullmod'", NULL, 0, collect,
	         &r, &err);
	is_int(r.nulls, 1, "%s: SQL NULL comes back as NULL", label);
	is_int(db_query(db, "SELECT name FROM system", NULL, 0, stop_after_one, &calls, &err),
	       DROVER_E_STOP, "%s: a callback's return stops the query and is returned", label);
	is_int(calls, 1, "%s: after one row", label);
	err_clear(&err);
	ok(db_query(db, "SELECT nope FROM system", NULL, 0, collect, &r, &err) == DROVER_E_DB &&
	       err.message[0],
	   "%s: bad SQL is DROVER_E_DB with the server's message: %s", label, err.message);
	err_clear(&err);
	is_int(db_exec(db, "INSERT INTO system (name) VALUES (?)", NULL, 0, &err), DROVER_E_INVAL,
	       "%s: a placeholder without a value is refused", label);
	ok(db_ident_ok("cache_bootstrap") && db_ident_ok("") && !db_ident_ok("a;b") &&
	       !db_ident_ok("a b"),
	   "%s: identifier check", label);
	memset(&r, 0, sizeof(r));
	db_query(db, "SELECT COUNT(*) FROM system", NULL, 0, collect, &r, &err);
	is_str(r.first, "3", "%s: numbers come back as text", label);
}

int main(void)
{
	const char *dir = tap_tmpdir(), *sock = getenv("MYSQL_SOCKET");
	struct drover_error err;
	struct db_params p;
	struct drover_db *db;
	char path[4096];
	FILE *f;

	memset(&p, 0, sizeof(p));
	snprintf(p.driver, sizeof(p.driver), "%s", DB_DRIVER_SQLITE);
	snprintf(p.database, sizeof(p.database), "%s/site.sqlite", dir);
	err_clear(&err);
	is_int(db_open(&p, 0, &db, &err), DROVER_E_NOTFOUND,
	       "sqlite: a missing file is NOTFOUND, never created");
	ok(access(p.database, F_OK) != 0, "sqlite: and no file appeared");
	f = fopen(p.database, "w");
	if (f)
		fclose(f);
	err_clear(&err);
	if (!ok(db_open(&p, 0, &db, &err) == 0, "sqlite: open an (empty) database file"))
		diag("%s", err.message);
	else {
		is_str(db_driver(db), "sqlite", "sqlite: driver name");
		suite("sqlite", db);
		db_close(db);
	}
	snprintf(path, sizeof(path), "%s", p.database);

	snprintf(p.driver, sizeof(p.driver), "%s", "postgres");
	err_clear(&err);
	is_int(db_open(&p, 0, &db, &err), DROVER_E_INVAL, "an unknown driver is refused");

	if (sock && *sock) {
		memset(&p, 0, sizeof(p));
		snprintf(p.driver, sizeof(p.driver), "%s", DB_DRIVER_MYSQL);
		snprintf(p.socket, sizeof(p.socket), "%s", sock);
		snprintf(p.user, sizeof(p.user), "%s", "drover_test");
		snprintf(p.password, sizeof(p.password), "%s", "t3st-pass");
		snprintf(p.database, sizeof(p.database), "%s", "drover_t_db");
		err_clear(&err);
		if (!ok(db_open(&p, 0, &db, &err) == 0, "mysql: connect over the socket"))
			diag("%s", err.message);
		else {
			is_str(db_driver(db), "mysql", "mysql: driver name");
			suite("mysql", db);
			db_close(db);
		}
		snprintf(p.password, sizeof(p.password), "%s", "wrong");
		err_clear(&err);
		ok(db_open(&p, 0, &db, &err) == DROVER_E_DB &&
		       strstr(err.message, "Access denied") && !strstr(err.message, "wrong"),
		   "mysql: a wrong password is refused, and not shown: %s", err.message);
		snprintf(p.password, sizeof(p.password), "%s", "t3st-pass");
		snprintf(p.database, sizeof(p.database), "%s", "no_such_db");
		err_clear(&err);
		ok(db_open(&p, 0, &db, &err) < 0 && err.message[0],
		   "mysql: a missing database is an error: %s", err.message);
	} else {
		diag("MYSQL_SOCKET not set: the MariaDB half runs from tests/cli/t_db.sh");
	}
	unlink(path);
	rmdir(dir);
	return done_testing();
}

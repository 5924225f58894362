/*
 * t_db.c: the site database interface on a real SQLite file and, when $MYSQL_SOCKET names a
 * running server (tests/cli/t_db.sh starts a private MariaDB), on real MariaDB: the same
 * statements, the same answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static int rows_in(struct drover_db *db, const char *table)
{
	struct drover_error err;
	struct rows r;
	char sql[128];

	memset(&r, 0, sizeof(r));
	err_clear(&err);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	if (db_query(db, sql, NULL, 0, collect, &r, &err) != 0)
		return -1;
	return atoi(r.first);
}

/* Whole databases on one server: create, fill, dump (cache data skipped), load into a second
 * new database, compare, drop both. */
static void whole(const char *label, const struct db_admin *a, const char *tmp)
{
	const char *skip[] = {"cache_page", "no_such_table"};
	struct drover_error err;
	struct db_params p1, p2;
	struct drover_db *db;
	char dir[4096];
	uint64_t bytes = 0;
	int rc;

	err_clear(&err);
	rc = db_create(a, "drover_whole_a", "drover_wa", "pw'\"x\\y", &p1, &err);
	if (!ok(rc == 0, "%s: create a database and user", label)) {
		diag("%s", err.message);
		return;
	}
	err_clear(&err);
	is_int(db_create(a, "drover_whole_a", "drover_wa", "x", &p2, &err), DROVER_E_EXISTS,
	       "%s: an existing database is never reused", label);
	is_int(db_exists(a, "drover_whole_a", &err), 1, "%s: it exists", label);
	err_clear(&err);
	if (!ok(db_open(&p1, 0, &db, &err) == 0, "%s: open it as the new user", label)) {
		diag("%s", err.message);
		return;
	}
	db_exec(db, "CREATE TABLE node (nid INTEGER, title VARCHAR(255))", NULL, 0, &err);
	db_exec(db, "INSERT INTO node VALUES (1, 'Hello'), (2, 'Wörld \"quoted\"')", NULL, 0, &err);
	db_exec(db, "CREATE TABLE cache_page (cid VARCHAR(255), data BLOB)", NULL, 0, &err);
	db_exec(db, "INSERT INTO cache_page VALUES ('a', 'xxxx'), ('b', 'yyyy')", NULL, 0, &err);
	is_int(err.code, 0, "%s: filled", label);
	db_close(db);

	snprintf(dir, sizeof(dir), "%s/dump-%s", tmp, label);
	mkdir(dir, 0700);
	err_clear(&err);
	rc = db_dump(&p1, dir, skip, 2, &bytes, &err);
	if (!ok(rc == 0 && bytes > 0, "%s: dump (%llu bytes)", label, (unsigned long long)bytes))
		diag("%s", err.message);
	err_clear(&err);
	is_int(db_create(a, "drover_whole_b", "drover_wb", "second-pw", &p2, &err), 0,
	       "%s: create a second database", label);
	err_clear(&err);
	rc = db_load(&p2, dir, &err);
	if (!ok(rc == 0, "%s: load the dump into it", label))
		diag("%s", err.message);
	err_clear(&err);
	if (db_open(&p2, 0, &db, &err) == 0) {
		struct rows r;
		memset(&r, 0, sizeof(r));
		is_int(rows_in(db, "node"), 2, "%s: the rows came back", label);
		db_query(db, "SELECT title FROM node WHERE nid = 2", NULL, 0, collect, &r, &err);
		is_str(r.first, "Wörld \"quoted\"", "%s: byte for byte", label);
		is_int(rows_in(db, "cache_page"), 0, "%s: cache data was left out", label);
		is_int(db_table_exists(db, "cache_page", &err), 1, "%s: but its table is there",
		       label);
		db_close(db);
	} else {
		ok(0, "%s: open the loaded database: %s", label, err.message);
	}
	err_clear(&err);
	is_int(db_drop(a, &p1, &err), 0, "%s: drop the first", label);
	is_int(db_drop(a, &p2, &err), 0, "%s: drop the second", label);
	is_int(db_exists(a, "drover_whole_a", &err), 0, "%s: gone", label);
	is_int(db_drop(a, &p1, &err), 0, "%s: dropping twice is fine", label);
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

	/* DB_SCRATCH: no journal file, no syncs; rollback still works; db_sync makes it durable. */
	err_clear(&err);
	if (!ok(db_open(&p, DB_SCRATCH, &db, &err) == 0, "sqlite: open as scratch"))
		diag("%s", err.message);
	else {
		char journal[4200];
		struct stat st;
		struct rows r;
		snprintf(journal, sizeof(journal), "%s-journal", p.database);
		ok(db_exec(db, "BEGIN", NULL, 0, &err) == 0 &&
		       db_exec(db, "CREATE TABLE scratch (v INTEGER)", NULL, 0, &err) == 0 &&
		       db_exec(db, "INSERT INTO scratch (v) VALUES (1)", NULL, 0, &err) == 0,
		   "sqlite scratch: writes in a transaction");
		ok(stat(journal, &st) != 0, "sqlite scratch: no journal file");
		ok(db_exec(db, "ROLLBACK", NULL, 0, &err) == 0 &&
		       db_table_exists(db, "scratch", &err) == 0,
		   "sqlite scratch: a rollback undoes them");
		ok(db_exec(db, "CREATE TABLE scratch (v INTEGER)", NULL, 0, &err) == 0 &&
		       db_exec(db, "INSERT INTO scratch (v) VALUES (7)", NULL, 0, &err) == 0,
		   "sqlite scratch: writes outside a transaction");
		is_int(db_sync(db, &err), 0, "sqlite scratch: db_sync");
		db_close(db);
		memset(&r, 0, sizeof(r));
		err_clear(&err);
		ok(db_open(&p, DB_READONLY, &db, &err) == 0 &&
		       db_query(db, "SELECT v FROM scratch", NULL, 0, collect, &r, &err) == 0 &&
		       r.n == 1 && strcmp(r.first, "7") == 0,
		   "sqlite scratch: what was written is there once reopened");
		db_close(db);
	}

	{
		struct db_admin a;
		memset(&a, 0, sizeof(a));
		snprintf(a.driver, sizeof(a.driver), "%s", "sqlite");
		snprintf(a.name, sizeof(a.name), "%s", "local");
		snprintf(a.directory, sizeof(a.directory), "%s/dbs", dir);
		whole("sqlite", &a, dir);
	}
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
		{
			struct db_admin a;
			memset(&a, 0, sizeof(a));
			snprintf(a.driver, sizeof(a.driver), "%s", "mysql");
			snprintf(a.name, sizeof(a.name), "%s", "test");
			snprintf(a.socket, sizeof(a.socket), "%s", sock);
			snprintf(a.user, sizeof(a.user), "%s", getenv("MYSQL_ADMIN_USER"));
			whole("mysql", &a, dir);
		}
	} else {
		diag("MYSQL_SOCKET not set: the MariaDB half runs from tests/cli/t_db.sh");
	}
	unlink(path);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}

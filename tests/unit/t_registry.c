/* t_registry.c: the registry: creation, migrations, refusals, adapters, transactions. */
#include "registry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "error.h"
#include "tap.h"
#include "util.h"

static const char *tmp;

/* ---- helpers: the test inspects the file with its own connection ---------------------------- */

static void tpath(char *buf, size_t size, const char *name)
{
	if (path_join(buf, size, tmp, name) != 0) {
		fprintf(stderr, "path too long: %s/%s\n", tmp, name);
		exit(99);
	}
}

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "sqlite3_open %s: %s\n", path, sqlite3_errmsg(db));
		exit(99);
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* SQLite result code of running `sql` (a constant of this test). */
static int raw_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK)
		diag("  sqlite: %s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
	return rc;
}

/* The first column of the first row as an integer, or -999 on error. */
static long long raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -999;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		diag("  sqlite: %s: %s", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return v;
}

static void raw_text(sqlite3 *db, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *st = NULL;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		(void)str_copy(buf, size, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static int table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
	                       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) == SQLITE_OK)
		found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static long long raw_version(const char *path)
{
	sqlite3 *db = raw_open(path);
	long long v = raw_int(db, "PRAGMA user_version");

	sqlite3_close(db);
	return v;
}

/* The whole file, malloc'd; *len its size. NULL if it cannot be read. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = buf ? (size_t)n : 0;
	}
	fclose(f);
	return buf;
}

static void spew(const char *path, const unsigned char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(99);
	}
}

/* Does the file still hold exactly `want`? */
static int unchanged(const char *path, const unsigned char *want, size_t want_len)
{
	size_t len;
	unsigned char *got = slurp(path, &len);
	int same = got && len == want_len && memcmp(got, want, len) == 0;

	free(got);
	return same;
}

/* Deterministic junk, so a failure can be reproduced. */
static void junk(unsigned char *buf, size_t len, uint32_t seed)
{
	uint32_t x = seed ? seed : 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
}

static int one_line(const struct drover_error *e)
{
	return strchr(e->message, '\n') == NULL;
}

/* Open and close with reg_open_at; the version reached, or the error code. */
static int make_registry(const char *path, int version)
{
	struct drover_error err = {0};
	struct reg *r = NULL;
	int rc = reg_open_at(path, version, &r, &err);

	if (rc != 0) {
		diag("  make_registry %s: %s", path, err.message);
		return rc;
	}
	rc = reg_schema_version(r);
	reg_close(r);
	return rc;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static const char *const v1_tables[] = {"adapters", "db_servers", "platforms",
                                        "packages", "sites",      "site_packages"};
static const char *const v2_tables[] = {"tasks", "task_steps", "backups", "site_locks"};

static void test_create(void)
{
	struct drover_error err = {0};
	struct reg *r = NULL;
	char dir[512], sub[512], path[512], mode[32];
	struct stat st;
	sqlite3 *db;
	int rc, all;

	tpath(dir, sizeof(dir), "new");
	if (path_join(sub, sizeof(sub), dir, "sub") != 0 ||
	    path_join(path, sizeof(path), sub, "registry.db") != 0)
		exit(99);
	umask(022); /* the registry's modes must not depend on it */
	rc = reg_open(path, &r, &err);
	is_int(rc, 0, "create: reg_open makes a new registry");
	if (rc != 0) {
		diag("  %s", err.message);
		return;
	}
	is_int(reg_schema_version(r), REG_SCHEMA_VERSION, "create: at the current schema version");
	is_str(reg_path(r), path, "create: reg_path is the path given");
	ok(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0700, "create: new directory is 0700");
	ok(stat(sub, &st) == 0 && (st.st_mode & 07777) == 0700, "create: nested directory is 0700");
	memset(&st, 0, sizeof(st));
	rc = stat(path, &st);
	ok(rc == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600,
	   "create: file is 0600 (got %o)", (unsigned)(st.st_mode & 07777));

	db = raw_open(path);
	is_int(raw_int(db, "PRAGMA user_version"), REG_SCHEMA_VERSION, "create: user_version");
	is_int(raw_int(db, "PRAGMA application_id"), REG_APPLICATION_ID, "create: application_id");
	raw_text(db, "PRAGMA journal_mode", mode, sizeof(mode));
	is_str(mode, "wal", "create: journal_mode is wal (persistent in the file)");
	all = 1;
	for (size_t i = 0; i < ARRAY_LEN(v1_tables); i++)
		all &= table_exists(db, v1_tables[i]);
	for (size_t i = 0; i < ARRAY_LEN(v2_tables); i++)
		all &= table_exists(db, v2_tables[i]);
	ok(all, "create: every v1 and v2 table exists");
	is_int(raw_int(db, "SELECT count(*) FROM pragma_foreign_key_list('sites')"), 2,
	       "create: sites has its two foreign keys");
	sqlite3_close(db);
	reg_close(r);

	/* Reopening changes nothing. */
	memset(&err, 0, sizeof(err));
	rc = reg_open(path, &r, &err);
	is_int(rc, 0, "reopen: reg_open on an existing registry");
	if (rc == 0) {
		is_int(reg_schema_version(r), REG_SCHEMA_VERSION, "reopen: same version");
		reg_close(r);
	}
	db = raw_open(path);
	is_int(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"),
	       ARRAY_LEN(v1_tables) + ARRAY_LEN(v2_tables), "reopen: no table added or dropped");
	sqlite3_close(db);
	is_int(make_registry(path, 1), REG_SCHEMA_VERSION,
	       "reopen: reg_open_at below the current version never downgrades");
}

/* reg_adapter_* must see the foreign keys: its connection has them on. */
static void test_foreign_keys(void)
{
	struct drover_error err = {0};
	struct reg *r = NULL;
	char path[512];
	sqlite3 *db;
	int rc;

	tpath(path, sizeof(path), "fk.db");
	rc = reg_open(path, &r, &err);
	is_int(rc, 0, "fk: reg_open");
	if (rc != 0)
		return;
	is_int(reg_adapter_upsert(r, "fxa", "1.0.0", "1.0", "/x/fxa.so", 1, &err), 0,
	       "fk: upsert adapter");

	db = raw_open(path);
	is_int(raw_exec(db, "PRAGMA foreign_keys=ON"), SQLITE_OK, "fk: test connection has fks");
	is_int(raw_exec(db, "INSERT INTO db_servers (id, name, driver, location)"
	                    " VALUES (1, 'local', 'sqlite', '/srv/db');"
	                    "INSERT INTO platforms (id, name, path, adapter, cms, generation)"
	                    " VALUES (1, 'd7', '/srv/d7', 'fxa', 'drupal', 7);"
	                    "INSERT INTO sites (domain, platform_id, db_server_id, db_name)"
	                    " VALUES ('example.com', 1, 1, 'example');"),
	       SQLITE_OK, "fk: platform with a site inserted");
	is_int(raw_exec(db, "DELETE FROM platforms WHERE id = 1") & 0xff, SQLITE_CONSTRAINT,
	       "fk: deleting a platform that has a site is refused (RESTRICT)");
	is_int(raw_exec(db, "INSERT INTO platforms (name, path, adapter, cms, generation)"
	                    " VALUES ('x', '/srv/x', 'nosuch', 'drupal', 7)") &
	           0xff,
	       SQLITE_CONSTRAINT, "fk: a platform of an unknown adapter is refused");
	is_int(raw_exec(db,
	                "INSERT INTO sites (domain, platform_id, db_server_id, db_name, site_dir)"
	                " VALUES ('EXAMPLE.com', 1, 1, 'other', 'sites/other')") &
	           0xff,
	       SQLITE_CONSTRAINT, "fk: domains are unique without regard to case");
	like(sqlite3_errmsg(db), "sites.domain", "fk: ... by the domain's UNIQUE");
	is_int(raw_exec(db, "INSERT INTO db_servers (name, driver, location)"
	                    " VALUES ('pg', 'postgres', 'x')") &
	           0xff,
	       SQLITE_CONSTRAINT, "fk: db server driver is checked");

	/* Through the registry's own connection. */
	rc = reg_adapter_delete(r, "fxa", &err);
	is_int(rc, DROVER_E_DB, "fk: reg_adapter_delete of an adapter in use is refused");
	like(err.message, "FOREIGN KEY", "fk: ... by the foreign key");
	like(err.message, path, "fk: ... and the message names the registry");
	ok(one_line(&err), "fk: ... in one line");

	/* Cascades and SET NULL. */
	is_int(raw_exec(db,
	                "INSERT INTO site_packages (site_id, name, status) VALUES (1, 'node', 1);"
	                "INSERT INTO tasks (id, kind, site_domain, site_id) "
	                " VALUES (1, 'delete', 'example.com', 1);"
	                "DELETE FROM sites WHERE id = 1;"),
	       SQLITE_OK, "fk: delete a site with packages and a task");
	is_int(raw_int(db, "SELECT count(*) FROM site_packages"), 0,
	       "fk: its packages went with it");
	is_int(raw_int(db, "SELECT count(*) FROM tasks WHERE id = 1 AND site_id IS NULL"
	                   " AND site_domain = 'example.com'"),
	       1, "fk: its task stays, site_id NULL, domain kept");
	is_int(raw_exec(db, "INSERT INTO task_steps (task_id, seq, name, state)"
	                    " VALUES (1, 0, 'x', 'sleeping')") &
	           0xff,
	       SQLITE_CONSTRAINT, "fk: step state is checked");
	sqlite3_close(db);

	memset(&err, 0, sizeof(err));
	is_int(reg_adapter_delete(r, "nosuch", &err), DROVER_E_NOTFOUND,
	       "fk: deleting an unknown adapter is NOTFOUND");
	reg_close(r);
}

static void test_upgrade(void)
{
	struct drover_error err = {0};
	struct reg *r = NULL;
	char path[512];
	sqlite3 *db;
	int rc, all;

	tpath(path, sizeof(path), "old.db");
	is_int(make_registry(path, 1), 1, "upgrade: reg_open_at(1) makes a version 1 registry");
	db = raw_open(path);
	is_int(raw_int(db, "PRAGMA user_version"), 1, "upgrade: its user_version is 1");
	ok(table_exists(db, "sites") && !table_exists(db, "tasks"),
	   "upgrade: it has v1 tables and no v2 table");
	is_int(raw_exec(db, "PRAGMA foreign_keys=ON;"
	                    "INSERT INTO adapters (name, version, abi, path, caps, seen_at)"
	                    " VALUES ('drupal', '1.2.3', '1.0', '/p/drupal.so', 7, 100);"
	                    "INSERT INTO db_servers (id, name, driver, location)"
	                    " VALUES (1, 'local', 'sqlite', '/srv/db');"
	                    "INSERT INTO platforms (id, name, path, adapter, cms, generation)"
	                    " VALUES (1, 'drupal-7.103', '/srv/d7', 'drupal', 'drupal', 7);"
	                    "INSERT INTO packages (platform_id, name, type, version, schema, path)"
	                    " VALUES (1, 'node', 'module', '7.103', '7016', 'modules/node');"
	                    "INSERT INTO sites (id, domain, platform_id, db_server_id, db_name)"
	                    " VALUES (1, 'a.example', 1, 1, 'a');"
	                    "INSERT INTO site_packages (site_id, name, type, status, schema)"
	                    " VALUES (1, 'node', 'module', 1, '7016');"),
	       SQLITE_OK, "upgrade: rows inserted into every v1 table");
	sqlite3_close(db);

	rc = reg_open(path, &r, &err);
	is_int(rc, 0, "upgrade: reg_open upgrades it");
	if (rc != 0) {
		diag("  %s", err.message);
		return;
	}
	is_int(reg_schema_version(r), 2, "upgrade: now at version 2");
	reg_close(r);

	db = raw_open(path);
	is_int(raw_int(db, "PRAGMA user_version"), 2, "upgrade: user_version 2 in the file");
	is_int(raw_int(db,
	               "SELECT (SELECT count(*) FROM adapters) + (SELECT count(*) FROM db_servers)"
	               " + (SELECT count(*) FROM platforms) + (SELECT count(*) FROM packages)"
	               " + (SELECT count(*) FROM sites) + (SELECT count(*) FROM site_packages)"),
	       6, "upgrade: the v1 rows are all there");
	is_int(raw_int(db, "SELECT caps FROM adapters WHERE name = 'drupal' AND seen_at = 100"), 7,
	       "upgrade: ... unchanged");
	all = 1;
	for (size_t i = 0; i < ARRAY_LEN(v2_tables); i++)
		all &= table_exists(db, v2_tables[i]);
	ok(all, "upgrade: the v2 tables exist");
	is_int(raw_exec(db, "PRAGMA foreign_keys=ON;"
	                    "INSERT INTO tasks (id, kind, site_domain, site_id, pid)"
	                    " VALUES (1, 'backup', 'a.example', 1, 42);"
	                    "INSERT INTO task_steps (task_id, seq, name) VALUES (1, 0, 'dump');"
	                    "INSERT INTO site_locks (site_domain, task_id, pid)"
	                    " VALUES ('a.example', 1, 42);"),
	       SQLITE_OK, "upgrade: the journal tables work against the old rows");
	is_int(raw_exec(db, "INSERT INTO site_locks (site_domain, task_id, pid)"
	                    " VALUES ('A.EXAMPLE', 1, 43)") &
	           0xff,
	       SQLITE_CONSTRAINT, "upgrade: one lock per site, whatever the case of the domain");
	sqlite3_close(db);
}

static void test_newer(void)
{
	struct drover_error err = {0};
	struct reg *r = (struct reg *)&err; /* must come back NULL */
	unsigned char *before;
	char path[512];
	size_t len;
	sqlite3 *db;
	int rc;

	tpath(path, sizeof(path), "newer.db");
	is_int(make_registry(path, REG_SCHEMA_VERSION), REG_SCHEMA_VERSION, "newer: make registry");
	db = raw_open(path);
	raw_exec(db, "PRAGMA user_version = 99");
	sqlite3_close(db);
	before = slurp(path, &len);
	ok(before && len > 0, "newer: snapshot of the file");

	rc = reg_open(path, &r, &err);
	is_int(rc, DROVER_E_ABI, "newer: user_version 99 is refused with DROVER_E_ABI");
	ok(r == NULL, "newer: no handle");
	like(err.message, "newer", "newer: the message says a newer drover wrote it");
	like(err.message, "99", "newer: ... names its version");
	like(err.message, path, "newer: ... names the file");
	like(err.message, "upgrade drover", "newer: ... says what to do");
	ok(one_line(&err), "newer: ... in one line");
	diag("  %s", err.message);
	ok(unchanged(path, before, len), "newer: the file is byte for byte unchanged");
	free(before);
}

static void test_random_bytes(void)
{
	struct drover_error err = {0};
	struct reg *r = NULL;
	unsigned char data[16384];
	char path[512];

	tpath(path, sizeof(path), "random.db");
	junk(data, sizeof(data), 12345);
	spew(path, data, sizeof(data));
	is_int(reg_open(path, &r, &err), DROVER_E_CORRUPT, "random: random bytes are CORRUPT");
	ok(r == NULL, "random: no handle");
	like(err.message, path, "random: the message names the file");
	like(err.message, "not a database", "random: ... gives SQLite's reason");
	like(err.message, "untouched", "random: ... says it was left untouched");
	like(err.message, "backup", "random: ... and to restore it from a backup");
	ok(one_line(&err), "random: ... in one line");
	diag("  %s", err.message);
	ok(unchanged(path, data, sizeof(data)), "random: the file is byte for byte unchanged");
}

static int add_adapters(struct reg *r, int n)
{
	struct drover_error err = {0};
	char name[64], so[256];
	int rc = reg_begin(r, &err);

	for (int i = 0; rc == 0 && i < n; i++) {
		(void)str_fmt(name, sizeof(name), "adapter%04d", i);
		(void)str_fmt(so, sizeof(so), "/usr/lib/drover/adapters/a/long/path/%s.so%0100d",
		              name, i);
		rc = reg_adapter_upsert(r, name, "1.0.0", "1.0", so, (uint64_t)i, &err);
	}
	if (rc == 0)
		rc = reg_commit(r, &err);
	if (rc != 0)
		diag("  add_adapters: %s", err.message);
	return rc;
}

static void test_garbage_pages(void)
{
	struct drover_error err = {0};
	struct reg *r = NULL;
	unsigned char *data;
	char path[512], wal[520];
	size_t len, page = 4096;
	int rc;

	tpath(path, sizeof(path), "pages.db");
	rc = reg_open(path, &r, &err);
	is_int(rc, 0, "pages: make a registry");
	if (rc != 0)
		return;
	is_int(add_adapters(r, 300), 0, "pages: fill it over many pages");
	reg_close(r);
	(void)str_fmt(wal, sizeof(wal), "%s-wal", path);
	ok(access(wal, F_OK) != 0, "pages: closing checkpointed the WAL into the file");

	data = slurp(path, &len);
	ok(data && len >= 8 * page, "pages: the file has %zu pages", len / page);
	if (!data || len < 8 * page) {
		free(data);
		return;
	}
	/* Keep page 1 (header and schema root) and the last page; junk the middle. */
	junk(data + page, len - 2 * page, 777);
	spew(path, data, len);

	memset(&err, 0, sizeof(err));
	rc = reg_open(path, &r, &err);
	is_int(rc, DROVER_E_CORRUPT, "pages: a valid header over junk pages is CORRUPT");
	ok(r == NULL, "pages: no handle");
	like(err.message, path, "pages: the message names the file");
	like(err.message, "untouched", "pages: ... says it was left untouched");
	ok(one_line(&err), "pages: ... in one line");
	diag("  %s", err.message);
	ok(unchanged(path, data, len), "pages: the file is byte for byte unchanged");
	free(data);
}

static void test_foreign(void)
{
	struct drover_error err = {0};
	struct reg *r = NULL;
	unsigned char *before;
	char path[512];
	size_t len;
	sqlite3 *db;
	int rc;

	tpath(path, sizeof(path), "foreign.db");
	db = raw_open(path);
	raw_exec(db, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);"
	             "INSERT INTO customers (name) VALUES ('alice');");
	sqlite3_close(db);
	before = slurp(path, &len);
	rc = reg_open(path, &r, &err);
	ok(rc == DROVER_E_INVAL || rc == DROVER_E_CORRUPT,
	   "foreign: someone else's database (user_version 0) is refused (%d)", rc);
	ok(r == NULL, "foreign: no handle");
	like(err.message, "not a drover registry", "foreign: the message says what it is");
	like(err.message, path, "foreign: ... names the file");
	ok(one_line(&err), "foreign: ... in one line");
	diag("  %s", err.message);
	ok(unchanged(path, before, len), "foreign: the file is byte for byte unchanged");
	free(before);

	/* Another application's id, even with no tables. */
	tpath(path, sizeof(path), "foreign-id.db");
	db = raw_open(path);
	raw_exec(db, "PRAGMA application_id = 1234");
	sqlite3_close(db);
	before = slurp(path, &len);
	memset(&err, 0, sizeof(err));
	rc = reg_open(path, &r, &err);
	ok(rc == DROVER_E_INVAL || rc == DROVER_E_CORRUPT,
	   "foreign: a database with another application_id is refused (%d)", rc);
	like(err.message, "application_id", "foreign: ... and the message says why");
	ok(unchanged(path, before, len), "foreign: ... unchanged");
	free(before);

	/* A version but no id: not ours either, and not "newer". */
	tpath(path, sizeof(path), "foreign-ver.db");
	db = raw_open(path);
	raw_exec(db, "PRAGMA user_version = 5");
	sqlite3_close(db);
	before = slurp(path, &len);
	memset(&err, 0, sizeof(err));
	rc = reg_open(path, &r, &err);
	ok(rc == DROVER_E_INVAL || rc == DROVER_E_CORRUPT,
	   "foreign: user_version without our application_id is refused (%d)", rc);
	ok(unchanged(path, before, len), "foreign: ... unchanged");
	free(before);
}

static void test_empty_file(void)
{
	char path[512];
	struct stat st;

	tpath(path, sizeof(path), "empty.db");
	spew(path, (const unsigned char *)"", 0);
	chmod(path, 0644);
	is_int(make_registry(path, REG_SCHEMA_VERSION), REG_SCHEMA_VERSION,
	       "empty: a zero-length file becomes a new registry");
	is_int(raw_version(path), REG_SCHEMA_VERSION, "empty: ... at the current version");
	memset(&st, 0, sizeof(st));
	(void)stat(path, &st);
	is_int(st.st_mode & 07777, 0600, "empty: ... with mode 0600");
}

static void test_failed_migration(void)
{
	struct drover_error err = {0};
	struct reg *r = NULL;
	char path[512];
	sqlite3 *db;
	int rc;

	tpath(path, sizeof(path), "conflict.db");
	is_int(make_registry(path, 1), 1, "migration: make a version 1 registry");
	/* backups is created after tasks and task_steps: those must be rolled back too. */
	db = raw_open(path);
	is_int(raw_exec(db, "CREATE TABLE backups (x)"), SQLITE_OK,
	       "migration: a table in the way of version 2");
	sqlite3_close(db);

	rc = reg_open(path, &r, &err);
	is_int(rc, DROVER_E_DB, "migration: the failing step is DROVER_E_DB");
	ok(r == NULL, "migration: no handle");
	like(err.message, "migration to schema version 2", "migration: the message names the step");
	like(err.message, "backups already exists", "migration: ... gives SQLite's reason");
	like(err.message, "still at version 1", "migration: ... says where the registry is");
	ok(one_line(&err), "migration: ... in one line");
	diag("  %s", err.message);

	db = raw_open(path);
	is_int(raw_int(db, "PRAGMA user_version"), 1, "migration: user_version is still 1");
	ok(!table_exists(db, "tasks") && !table_exists(db, "task_steps"),
	   "migration: the step's earlier tables were rolled back");
	ok(table_exists(db, "sites"), "migration: the version 1 tables are intact");
	raw_exec(db, "DROP TABLE backups");
	sqlite3_close(db);
	is_int(make_registry(path, REG_SCHEMA_VERSION), REG_SCHEMA_VERSION,
	       "migration: once the obstacle is gone it migrates");
}

struct seen {
	int n;
	char names[4][32];
	char versions[4][32];
	char paths[4][64];
	uint64_t caps[4];
	int stop_after; /* return DROVER_E_STOP after this many, 0 = never */
	int fail_with;
};

static int collect(void *arg, const char *name, const char *version, const char *abi,
                   const char *path, uint64_t caps)
{
	struct seen *s = arg;

	(void)abi;
	if (s->fail_with)
		return s->fail_with;
	if (s->n < 4) {
		(void)str_copy(s->names[s->n], sizeof(s->names[0]), name);
		(void)str_copy(s->versions[s->n], sizeof(s->versions[0]), version);
		(void)str_copy(s->paths[s->n], sizeof(s->paths[0]), path);
		s->caps[s->n] = caps;
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after ? DROVER_E_STOP : 0;
}

static void test_adapters(void)
{
	struct drover_error err = {0};
	struct reg *r = NULL;
	struct seen s;
	char path[512];
	uint64_t big = UINT64_C(1) << 63 | 5;
	int rc;

	tpath(path, sizeof(path), "adapters.db");
	rc = reg_open(path, &r, &err);
	is_int(rc, 0, "adapters: reg_open");
	if (rc != 0)
		return;
	is_int(reg_adapter_upsert(r, "magento", "0.9", "1.0", "/lib/magento.so", 3, &err), 0,
	       "adapters: upsert magento");
	is_int(reg_adapter_upsert(r, "drupal", "1.0", "1.0", NULL, 1, &err), 0,
	       "adapters: upsert drupal (preloaded, no path)");
	is_int(reg_adapter_upsert(r, "magento", "1.1", "1.2", "/lib2/magento.so", big, &err), 0,
	       "adapters: upsert magento again");

	memset(&s, 0, sizeof(s));
	is_int(reg_adapter_foreach(r, collect, &s, &err), 0, "adapters: foreach");
	is_int(s.n, 2, "adapters: two adapters, the second upsert updated the row");
	is_str(s.names[0], "drupal", "adapters: in name order");
	is_str(s.paths[0], "", "adapters: a preloaded adapter has path ''");
	is_str(s.names[1], "magento", "adapters: magento second");
	is_str(s.versions[1], "1.1", "adapters: the version was updated");
	is_str(s.paths[1], "/lib2/magento.so", "adapters: the path was updated");
	ok(s.caps[1] == big, "adapters: caps with bit 63 round-trip");

	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	is_int(reg_adapter_foreach(r, collect, &s, &err), 0, "adapters: DROVER_E_STOP is success");
	is_int(s.n, 1, "adapters: ... and stops the walk");
	memset(&s, 0, sizeof(s));
	s.fail_with = DROVER_E_PARSE;
	is_int(reg_adapter_foreach(r, collect, &s, &err), DROVER_E_PARSE,
	       "adapters: a callback's error is returned as is");
	is_int(err.code, 0, "adapters: ... without touching err");

	is_int(reg_adapter_upsert(r, "", "1", "1.0", NULL, 0, &err), DROVER_E_INVAL,
	       "adapters: an empty name is INVAL");
	memset(&err, 0, sizeof(err));
	is_int(reg_adapter_upsert(r, "x", "1", "1", NULL, 0, &err), DROVER_E_INVAL,
	       "adapters: an abi that is not MAJOR.MINOR is INVAL");
	memset(&err, 0, sizeof(err));
	is_int(reg_adapter_upsert(r, "x'); DROP TABLE adapters; --", "1", "1.0", NULL, 0, &err), 0,
	       "adapters: a name with SQL in it is only a name");
	is_int(reg_adapter_delete(r, "x'); DROP TABLE adapters; --", &err), 0,
	       "adapters: ... and can be deleted");
	is_int(reg_adapter_delete(r, "magento", &err), 0, "adapters: delete magento");
	memset(&s, 0, sizeof(s));
	reg_adapter_foreach(r, collect, &s, &err);
	is_int(s.n, 1, "adapters: one left");
	reg_close(r);

	/* It persisted. */
	memset(&err, 0, sizeof(err));
	rc = reg_open(path, &r, &err);
	memset(&s, 0, sizeof(s));
	if (rc == 0) {
		reg_adapter_foreach(r, collect, &s, &err);
		reg_close(r);
	}
	ok(s.n == 1 && strcmp(s.names[0], "drupal") == 0, "adapters: the rows survive a reopen");
}

static void test_transactions(void)
{
	struct drover_error err = {0};
	struct reg *r = NULL;
	struct seen s;
	char path[512];
	int rc;

	tpath(path, sizeof(path), "tx.db");
	rc = reg_open(path, &r, &err);
	is_int(rc, 0, "tx: reg_open");
	if (rc != 0)
		return;
	is_int(reg_rollback(r, &err), 0, "tx: rollback with no transaction is a no-op");
	is_int(reg_begin(r, &err), 0, "tx: begin");
	reg_adapter_upsert(r, "gone", "1", "1.0", NULL, 0, &err);
	is_int(reg_rollback(r, &err), 0, "tx: rollback");
	is_int(reg_begin(r, &err), 0, "tx: begin");
	reg_adapter_upsert(r, "kept", "1", "1.0", NULL, 0, &err);
	is_int(reg_commit(r, &err), 0, "tx: commit");
	memset(&s, 0, sizeof(s));
	reg_adapter_foreach(r, collect, &s, &err);
	ok(s.n == 1 && strcmp(s.names[0], "kept") == 0, "tx: only the committed row is there");
	is_int(reg_commit(r, &err), DROVER_E_DB, "tx: commit with no transaction is DROVER_E_DB");
	like(err.message, path, "tx: ... naming the registry");
	reg_close(r);
}

static void test_bad_paths(void)
{
	struct drover_error err = {0};
	struct reg *r = NULL;
	char file[512], path[600];
	sqlite3 *db;
	int rc;

	tpath(file, sizeof(file), "plainfile");
	spew(file, (const unsigned char *)"x", 1);
	(void)str_fmt(path, sizeof(path), "%s/sub/registry.db", file);
	rc = reg_open(path, &r, &err);
	is_int(rc, DROVER_E_IO, "paths: a directory that cannot be created is DROVER_E_IO");
	like(err.message, "cannot create the registry directory", "paths: the message says what");
	like(err.message, strerror(ENOTDIR), "paths: ... and why (strerror)");
	like(err.message, file, "paths: ... and where");
	ok(one_line(&err), "paths: ... in one line");
	diag("  %s", err.message);

	memset(&err, 0, sizeof(err));
	is_int(reg_open(tmp, &r, &err), DROVER_E_INVAL, "paths: a directory as registry is INVAL");
	like(err.message, "not a regular file", "paths: ... and the message says so");

	memset(&err, 0, sizeof(err));
	is_int(reg_open_at(file, 0, &r, &err), DROVER_E_INVAL, "paths: target version 0 is INVAL");
	memset(&err, 0, sizeof(err));
	is_int(reg_open_at(file, REG_SCHEMA_VERSION + 1, &r, &err), DROVER_E_INVAL,
	       "paths: a target version past this drover is INVAL");

	if (geteuid() == 0) {
		for (int i = 0; i < 8; i++)
			ok(1, "# SKIP permissions: root may read and write any file");
		return;
	}
	tpath(path, sizeof(path), "unreadable.db");
	is_int(make_registry(path, REG_SCHEMA_VERSION), REG_SCHEMA_VERSION, "perm: make registry");
	chmod(path, 0);
	memset(&err, 0, sizeof(err));
	is_int(reg_open(path, &r, &err), DROVER_E_PERM, "perm: an unreadable registry is PERM");
	like(err.message, strerror(EACCES), "perm: ... with strerror");
	diag("  %s", err.message);
	chmod(path, 0600);

	tpath(file, sizeof(file), "locked");
	(void)path_mkdirs(file, 0700);
	(void)str_fmt(path, sizeof(path), "%s/sub/registry.db", file);
	chmod(file, 0500);
	memset(&err, 0, sizeof(err));
	is_int(reg_open(path, &r, &err), DROVER_E_PERM,
	       "perm: a directory that may not be created is PERM");
	like(err.message, strerror(EACCES), "perm: ... with strerror");
	diag("  %s", err.message);

	/* The file is writable, its directory is not: SQLite could not make its -wal. */
	chmod(file, 0700);
	(void)str_fmt(path, sizeof(path), "%s/registry.db", file);
	(void)make_registry(path, REG_SCHEMA_VERSION);
	chmod(file, 0500);
	memset(&err, 0, sizeof(err));
	is_int(reg_open(path, &r, &err), DROVER_E_PERM,
	       "perm: a registry in a read-only directory is PERM");
	like(err.message, "-wal", "perm: ... and the message says why the directory matters");
	diag("  %s", err.message);
	chmod(file, 0700);

	/* A read-only file of a newer drover: the version is the news, not the mode. */
	db = raw_open(path);
	raw_exec(db, "PRAGMA user_version = 99");
	sqlite3_close(db);
	chmod(path, 0400);
	memset(&err, 0, sizeof(err));
	is_int(reg_open(path, &r, &err), DROVER_E_ABI, "perm: a read-only newer registry is ABI");
	chmod(path, 0600);
}

/* Several drovers opening one new registry at once: one migrates, the others wait and find it
 * done (the version is read again under the write lock). */
static void test_concurrent_create(void)
{
	enum { N = 6 };
	char path[512];
	pid_t pids[N];
	int status, good = 0;

	tpath(path, sizeof(path), "race/registry.db");
	fflush(stdout); /* or each child flushes a copy of the TAP buffer at exit */
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int v = make_registry(path, REG_SCHEMA_VERSION);

			fflush(stdout); /* its diag, if any */
			_exit(v == REG_SCHEMA_VERSION ? 0 : 1);
		}
	}
	for (int i = 0; i < N; i++)
		if (pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			good++;
	is_int(good, N, "race: %d processes creating one registry all succeed", N);
	is_int(raw_version(path), REG_SCHEMA_VERSION, "race: ... and it is at the current version");
}

int main(void)
{
	tmp = tap_tmpdir();
	diag("working in %s", tmp);
	test_create();
	test_foreign_keys();
	test_upgrade();
	test_newer();
	test_random_bytes();
	test_garbage_pages();
	test_foreign();
	test_empty_file();
	test_failed_migration();
	test_adapters();
	test_transactions();
	test_bad_paths();
	test_concurrent_create();
	return done_testing();
}

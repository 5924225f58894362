/* db_mysql.c: site databases on MySQL/MariaDB servers, through the MariaDB client library. */
#include <limits.h>
#include <mysql.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "db_driver.h"
#include "error.h"
#include "run.h"
#include "util.h"

#define MAX_COLS 64

struct conn {
	MYSQL *h;
	char name[256]; /* "user@host/db" for messages; never the password */
};

static int fail(struct conn *c, const char *what, const char *detail, struct drover_error *err)
{
	return err_set(err, DROVER_E_DB, c->name, "%s: %s", what, detail);
}

static int m_open(const struct db_params *p, unsigned flags, void **out, struct drover_error *err)
{
	unsigned timeout = 10;
	struct conn *c = calloc(1, sizeof(*c));
	const char *host = p->socket[0] ? "localhost" : (p->host[0] ? p->host : "localhost");

	if (!c)
		return err_set(err, DROVER_E_NOMEM, p->database, "out of memory");
	(void)str_fmt(c->name, sizeof(c->name), "%s@%s/%s", p->user,
	              p->socket[0] ? p->socket : host, p->database);
	c->h = mysql_init(NULL);
	if (!c->h) {
		free(c);
		return err_set(err, DROVER_E_NOMEM, p->database, "cannot start the MariaDB client");
	}
	mysql_options(c->h, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(c->h, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* No option files: what drover was told is all that counts. */
	if (!mysql_real_connect(c->h, host, p->user, p->password[0] ? p->password : NULL,
	                        p->database[0] ? p->database : NULL,
	                        (unsigned)(p->port ? p->port : 3306),
	                        p->socket[0] ? p->socket : NULL, 0)) {
		int code = mysql_errno(c->h);
		int rc = err_set(err, code == 1049 ? DROVER_E_NOTFOUND : DROVER_E_DB, c->name,
		                 "cannot connect to the site database: %s%s", mysql_error(c->h),
		                 code == 1045 ? " (check the user and password)" : "");
		mysql_close(c->h);
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

static void m_close(void *conn)
{
	struct conn *c = conn;

	if (!c)
		return;
	mysql_close(c->h);
	free(c);
}

/* Prepare and execute with text parameters; the statement is left ready to fetch. */
static int run(struct conn *c, const char *sql, const char *const *params, uint32_t n,
               MYSQL_STMT **out, struct drover_error *err)
{
	MYSQL_BIND *b = NULL;
	MYSQL_STMT *st = mysql_stmt_init(c->h);
	unsigned long *lens = NULL;
	my_bool *nulls = NULL;
	int rc = 0;

	if (!st)
		return fail(c, "cannot prepare SQL", mysql_error(c->h), err);
	if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
		rc = fail(c, "cannot prepare SQL", mysql_stmt_error(st), err);
		goto out;
	}
	if (mysql_stmt_param_count(st) != n) {
		rc = err_set(err, DROVER_E_INVAL, c->name,
		             "SQL has %lu placeholders, %u values given",
		             (unsigned long)mysql_stmt_param_count(st), (unsigned)n);
		goto out;
	}
	if (n) {
		b = calloc(n, sizeof(*b));
		lens = calloc(n, sizeof(*lens));
		nulls = calloc(n, sizeof(*nulls));
		if (!b || !lens || !nulls) {
			rc = err_set(err, DROVER_E_NOMEM, c->name, "out of memory");
			goto out;
		}
		for (uint32_t i = 0; i < n; i++) {
			nulls[i] = params[i] == NULL;
			lens[i] = params[i] ? strlen(params[i]) : 0;
			b[i].buffer_type = MYSQL_TYPE_STRING;
			b[i].buffer = (void *)(uintptr_t)params[i];
			b[i].buffer_length = lens[i];
			b[i].length = &lens[i];
			b[i].is_null = &nulls[i];
		}
		if (mysql_stmt_bind_param(st, b) != 0) {
			rc = fail(c, "cannot bind a value", mysql_stmt_error(st), err);
			goto out;
		}
	}
	if (mysql_stmt_execute(st) != 0) {
		rc = fail(c, "SQL failed", mysql_stmt_error(st), err);
		goto out;
	}
out:
	free(nulls);
	free(lens);
	free(b);
	if (rc) {
		mysql_stmt_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

static int m_query(void *conn, const char *sql, const char *const *params, uint32_t n,
                   drover_row_cb cb, void *arg, struct drover_error *err)
{
	struct conn *c = conn;
	MYSQL_BIND rb[MAX_COLS], col;
	unsigned long lens[MAX_COLS];
	my_bool nulls[MAX_COLS];
	char *bufs[MAX_COLS] = {0};
	size_t caps[MAX_COLS] = {0};
	const char *cols[MAX_COLS];
	MYSQL_STMT *st = NULL;
	MYSQL_RES *meta;
	unsigned nc;
	int rc, f;

	if ((rc = run(c, sql, params, n, &st, err)) != 0)
		return rc;
	meta = mysql_stmt_result_metadata(st);
	if (!meta) { /* a statement without a result set */
		mysql_stmt_close(st);
		return 0;
	}
	nc = mysql_num_fields(meta);
	mysql_free_result(meta);
	if (nc > MAX_COLS)
		nc = MAX_COLS;
	memset(rb, 0, sizeof(rb));
	for (unsigned i = 0; i < nc; i++) {
		rb[i].buffer_type = MYSQL_TYPE_STRING;
		rb[i].length = &lens[i];
		rb[i].is_null = &nulls[i];
	}
	/* Buffer the whole result, so a callback may run its own queries on this connection. */
	if (mysql_stmt_bind_result(st, rb) != 0 || mysql_stmt_store_result(st) != 0) {
		rc = fail(c, "cannot read the result", mysql_stmt_error(st), err);
		goto out;
	}
	while ((f = mysql_stmt_fetch(st)) == 0 || f == MYSQL_DATA_TRUNCATED) {
		for (unsigned i = 0; i < nc; i++) {
			if (nulls[i]) {
				cols[i] = NULL;
				continue;
			}
			if (caps[i] < lens[i] + 1) {
				char *nb = realloc(bufs[i], lens[i] + 1);
				if (!nb) {
					rc = err_set(err, DROVER_E_NOMEM, c->name, "out of memory");
					goto out;
				}
				bufs[i] = nb;
				caps[i] = lens[i] + 1;
			}
			memset(&col, 0, sizeof(col));
			col.buffer_type = MYSQL_TYPE_STRING;
			col.buffer = bufs[i];
			col.buffer_length = lens[i];
			if (lens[i] && mysql_stmt_fetch_column(st, &col, i, 0) != 0) {
				rc = fail(c, "cannot read a column", mysql_stmt_error(st), err);
				goto out;
			}
			bufs[i][lens[i]] = '\0';
			cols[i] = bufs[i];
		}
		if (cb && (rc = cb(arg, nc, cols)) != 0)
			goto out;
	}
	if (f != MYSQL_NO_DATA)
		rc = fail(c, "cannot read the result", mysql_stmt_error(st), err);
out:
	for (unsigned i = 0; i < nc; i++)
		free(bufs[i]);
	mysql_stmt_close(st);
	return rc;
}

static int m_exec(void *conn, const char *sql, const char *const *params, uint32_t n,
                  struct drover_error *err)
{
	return m_query(conn, sql, params, n, NULL, NULL, err);
}

static int found_cb(void *arg, uint32_t n, const char *const *cols)
{
	*(int *)arg = 1;
	return 0;
}

static int m_table_exists(void *conn, const char *table, struct drover_error *err)
{
	const char *params[] = {table};
	int found = 0, rc = m_query(conn,
	                            "SELECT 1 FROM information_schema.tables WHERE table_schema = "
	                            "DATABASE() AND table_name = ?",
	                            params, 1, found_cb, &found, err);

	return rc ? rc : found;
}

/* ---- whole databases --------------------------------------------------------------------------- */

/* An option file for the client tools, with the password quoted: it travels on a descriptor. */
static int option_file(const char *user, const char *password, const char *host, int port,
                       const char *socket, char *buf, size_t size)
{
	size_t used;

	if (str_fmt(buf, size, "[client]\nuser=%s\n", user) != 0)
		return DROVER_E_RANGE;
	used = strlen(buf);
	if (password[0]) {
		if (used + 12 + 2 * strlen(password) >= size)
			return DROVER_E_RANGE;
		memcpy(buf + used, "password=\"", 10);
		used += 10;
		for (const char *p = password; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf[used++] = '\\';
			buf[used++] = *p;
		}
		buf[used++] = '"';
		buf[used++] = '\n';
		buf[used] = '\0';
	}
	if (socket[0])
		return str_fmt(buf + used, size - used, "socket=%s\n", socket);
	return str_fmt(buf + used, size - used, "host=%s\nport=%d\n", host[0] ? host : "localhost",
	               port ? port : 3306);
}

/* Run a client tool (mariadb-dump / mariadb), falling back to the mysql* names. */
static int client_tool(const char *tool, const char *fallback, const char **argv,
                       const char *secret, const char *password, const char *in, const char *out,
                       struct drover_error *err)
{
	const char *redact[] = {password[0] ? password : NULL, NULL};
	struct drover_cmd cmd = {.struct_size = sizeof(cmd),
	                         .timeout_ms = 0,
	                         .argv = argv,
	                         .secret = secret,
	                         .redact = redact,
	                         .stdin_path = in,
	                         .stdout_path = out};
	struct drover_cmd_result res;
	struct drover_error e2;
	int rc;

	argv[0] = tool;
	err_clear(&e2);
	rc = run_cmd(&cmd, &res, &e2);
	if (rc == DROVER_E_EXEC && strstr(e2.message, "No such file")) {
		run_result_free(&res);
		if (out)
			unlink(out);
		argv[0] = fallback;
		err_clear(&e2);
		rc = run_cmd(&cmd, &res, &e2);
	}
	if (rc) {
		err_set(err, rc, e2.where, "%s", e2.message);
	} else if (res.exit_status != 0) {
		/* The tool's own words, first line: "Got error: 1045: Access denied ...". */
		char *nl = res.output ? strchr(res.output, '\n') : NULL;
		if (nl)
			*nl = '\0';
		rc = err_set(err, DROVER_E_EXEC, argv[0], "%s failed (exit %d): %s", argv[0],
		             res.exit_status,
		             res.output && res.output[0] ? res.output : "no message");
	}
	run_result_free(&res);
	return rc;
}

/* Does the dump end with the tool's completion line? A dump cut short does not. */
static int dump_complete(const char *path)
{
	char tail[256];
	FILE *f = fopen(path, "r");
	long size;
	size_t n;

	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, size > (long)sizeof(tail) - 1 ? size - (long)sizeof(tail) + 1 : 0, SEEK_SET);
	n = fread(tail, 1, sizeof(tail) - 1, f);
	fclose(f);
	tail[n] = '\0';
	return strstr(tail, "-- Dump completed") != NULL;
}

static int m_dump(const struct db_params *p, const char *dir, const char *const *skip, size_t n,
                  uint64_t *bytes, struct drover_error *err)
{
	char secret[1024], out[PATH_MAX], out2[PATH_MAX];
	const char **argv = calloc(n + 16, sizeof(*argv));
	char(*ignore)[200] = calloc(n ? n : 1, sizeof(*ignore));
	const char **present = calloc(n + 1, sizeof(*present));
	size_t k = 0, np = 0;
	struct drover_db *db = NULL;
	struct stat st;
	int rc = 0;

	if (!argv || !ignore || !present) {
		rc = err_set(err, DROVER_E_NOMEM, p->database, "out of memory");
		goto out;
	}
	if (option_file(p->user, p->password, p->host, p->port, p->socket, secret,
	                sizeof(secret)) != 0 ||
	    path_join(out, sizeof(out), dir, "dump.sql") ||
	    path_join(out2, sizeof(out2), dir, "structure.sql")) {
		rc = err_set(err, DROVER_E_RANGE, p->database, "credentials or path too long");
		goto out;
	}
	/* Only tables that exist can be named to the tool. */
	if ((rc = db_open(p, 0, &db, err)) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		int e = db_table_exists(db, skip[i], err);
		if (e < 0) {
			rc = e;
			goto out;
		}
		if (e)
			present[np++] = skip[i];
	}
	argv[k++] = "mariadb-dump";
	argv[k++] = "--defaults-file=/dev/fd/3";
	argv[k++] = "--single-transaction";
	argv[k++] = "--quick";
	argv[k++] = "--routines";
	argv[k++] = "--triggers";
	argv[k++] = "--hex-blob";
	argv[k++] = "--default-character-set=utf8mb4";
	for (size_t i = 0; i < np; i++) {
		(void)str_fmt(ignore[i], sizeof(ignore[i]), "--ignore-table=%s.%s", p->database,
		              present[i]);
		argv[k++] = ignore[i];
	}
	argv[k++] = p->database;
	argv[k] = NULL;
	if ((rc = client_tool("mariadb-dump", "mysqldump", argv, secret, p->password, NULL, out,
	                      err)) != 0)
		goto out;
	if (!dump_complete(out)) {
		rc =
		    err_set(err, DROVER_E_CORRUPT, out,
		            "the dump of %s has no completion line: it was cut short", p->database);
		goto out;
	}
	if (np) {
		k = 0;
		argv[k++] = "mariadb-dump";
		argv[k++] = "--defaults-file=/dev/fd/3";
		argv[k++] = "--no-data";
		argv[k++] = "--skip-triggers";
		argv[k++] = p->database;
		for (size_t i = 0; i < np; i++)
			argv[k++] = present[i];
		argv[k] = NULL;
		if ((rc = client_tool("mariadb-dump", "mysqldump", argv, secret, p->password, NULL,
		                      out2, err)) != 0)
			goto out;
		if (!dump_complete(out2)) {
			rc = err_set(err, DROVER_E_CORRUPT, out2,
			             "the structure dump was cut short");
			goto out;
		}
	}
	if (stat(out, &st) == 0)
		*bytes += (uint64_t)st.st_size;
	if (np && stat(out2, &st) == 0)
		*bytes += (uint64_t)st.st_size;
out:
	if (rc) {
		unlink(out);
		unlink(out2);
	}
	memset(secret, 0, sizeof(secret));
	db_close(db);
	free(present);
	free(ignore);
	free(argv);
	return rc;
}

static int m_load(const struct db_params *p, const char *dir, struct drover_error *err)
{
	static const char *const files[] = {"structure.sql", "dump.sql"};
	char secret[1024], path[PATH_MAX];
	const char *argv[] = {"mariadb", "--defaults-file=/dev/fd/3", "--binary-mode", p->database,
	                      NULL};
	struct stat st;
	int rc = 0;

	if (option_file(p->user, p->password, p->host, p->port, p->socket, secret, sizeof(secret)))
		return err_set(err, DROVER_E_RANGE, p->database, "credentials too long");
	for (size_t i = 0; rc == 0 && i < 2; i++) {
		if (path_join(path, sizeof(path), dir, files[i]) != 0)
			rc = err_set(err, DROVER_E_RANGE, dir, "path too long");
		else if (stat(path, &st) == 0)
			rc = client_tool("mariadb", "mysql", argv, secret, p->password, path, NULL,
			                 err);
		else if (i == 1)
			rc = err_set(err, DROVER_E_NOTFOUND, path, "the dump is missing");
	}
	memset(secret, 0, sizeof(secret));
	return rc;
}

/* A connection as the server's administrator. */
static int admin_connect(const struct db_admin *a, struct conn **out, struct drover_error *err)
{
	struct db_params p;
	int rc;

	memset(&p, 0, sizeof(p));
	(void)str_copy(p.driver, sizeof(p.driver), DB_DRIVER_MYSQL);
	(void)str_copy(p.host, sizeof(p.host), a->host);
	(void)str_copy(p.socket, sizeof(p.socket), a->socket);
	(void)str_copy(p.user, sizeof(p.user), a->user);
	(void)str_copy(p.password, sizeof(p.password), a->password);
	p.port = a->port;
	rc = m_open(&p, 0, (void **)out, err);
	memset(&p, 0, sizeof(p));
	return rc;
}

/* The host part of a site user: local when the server is, anywhere otherwise. */
static const char *user_host(const struct db_admin *a)
{
	return a->socket[0] || !a->host[0] || strcmp(a->host, "localhost") == 0 ? "localhost" : "%";
}

static int admin_sql(struct conn *c, const char *sql, struct drover_error *err)
{
	if (mysql_real_query(c->h, sql, strlen(sql)) != 0)
		return fail(c, "administration failed", mysql_error(c->h), err);
	return 0;
}

static int m_exists_conn(struct conn *c, const char *name, struct drover_error *err)
{
	const char *params[] = {name};
	int found = 0,
	    rc = m_query(c, "SELECT 1 FROM information_schema.schemata WHERE schema_name = ?",
	                 params, 1, found_cb, &found, err);

	return rc ? rc : found;
}

static int m_exists(const struct db_admin *a, const char *name, struct drover_error *err)
{
	struct conn *c;
	int rc = admin_connect(a, &c, err);

	if (rc)
		return rc;
	rc = m_exists_conn(c, name, err);
	m_close(c);
	return rc;
}

static int m_create(const struct db_admin *a, const char *name, const char *user,
                    const char *password, struct db_params *out, struct drover_error *err)
{
	char sql[1024], esc[520];
	struct conn *c;
	int rc = admin_connect(a, &c, err);

	if (rc)
		return rc;
	if ((rc = m_exists_conn(c, name, err)) != 0) {
		if (rc > 0)
			rc = err_set(err, DROVER_E_EXISTS, name,
			             "database %s already exists on db server %s", name, a->name);
		goto out;
	}
	if (strlen(password) >= 256) {
		rc = err_set(err, DROVER_E_RANGE, name, "password too long");
		goto out;
	}
	mysql_real_escape_string(c->h, esc, password, strlen(password));
	/* Names were checked to be [A-Za-z0-9_]: safe between backquotes and quotes. */
	if ((rc = str_fmt(sql, sizeof(sql), "CREATE DATABASE `%s` CHARACTER SET utf8mb4", name)) ||
	    (rc = admin_sql(c, sql, err)))
		goto out;
	if ((rc = str_fmt(sql, sizeof(sql), "CREATE USER '%s'@'%s' IDENTIFIED BY '%s'", user,
	                  user_host(a), esc)) ||
	    (rc = admin_sql(c, sql, err)) ||
	    (rc = str_fmt(sql, sizeof(sql), "GRANT ALL PRIVILEGES ON `%s`.* TO '%s'@'%s'", name,
	                  user, user_host(a))) ||
	    (rc = admin_sql(c, sql, err))) {
		(void)str_fmt(sql, sizeof(sql), "DROP DATABASE IF EXISTS `%s`", name);
		(void)admin_sql(c, sql, NULL);
		goto out;
	}
	(void)str_copy(out->driver, sizeof(out->driver), DB_DRIVER_MYSQL);
	(void)str_copy(out->database, sizeof(out->database), name);
	(void)str_copy(out->user, sizeof(out->user), user);
	(void)str_copy(out->password, sizeof(out->password), password);
	(void)str_copy(out->host, sizeof(out->host), a->host);
	(void)str_copy(out->socket, sizeof(out->socket), a->socket);
	out->port = a->port;
out:
	memset(sql, 0, sizeof(sql));
	memset(esc, 0, sizeof(esc));
	m_close(c);
	return rc;
}

static int m_drop(const struct db_admin *a, const struct db_params *p, struct drover_error *err)
{
	char sql[512];
	struct conn *c;
	int rc = admin_connect(a, &c, err);

	if (rc)
		return rc;
	if (!db_ident_ok(p->database) || !db_ident_ok(p->user)) {
		rc = err_set(err, DROVER_E_INVAL, p->database, "not a database drover created");
	} else if ((rc = str_fmt(sql, sizeof(sql), "DROP DATABASE IF EXISTS `%s`", p->database)) ==
	               0 &&
	           (rc = admin_sql(c, sql, err)) == 0 && p->user[0]) {
		(void)str_fmt(sql, sizeof(sql), "DROP USER IF EXISTS '%s'@'%s'", p->user,
		              user_host(a));
		rc = admin_sql(c, sql, err);
	}
	m_close(c);
	return rc;
}

const struct db_driver db_mysql_driver = {
    .name = DB_DRIVER_MYSQL,
    .open = m_open,
    .close = m_close,
    .exec = m_exec,
    .query = m_query,
    .table_exists = m_table_exists,
    .dump = m_dump,
    .load = m_load,
    .create = m_create,
    .drop = m_drop,
    .exists = m_exists,
};

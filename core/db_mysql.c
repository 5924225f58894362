/* db_mysql.c: site databases on MySQL/MariaDB servers, through the MariaDB client library. */
#include <mysql.h>
#include <stdlib.h>
#include <string.h>

#include "db_driver.h"
#include "error.h"
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

const struct db_driver db_mysql_driver = {
    .name = DB_DRIVER_MYSQL,
    .open = m_open,
    .close = m_close,
    .exec = m_exec,
    .query = m_query,
    .table_exists = m_table_exists,
};

/* db_mysql.c: site databases on MySQL/MariaDB servers. */
#include "db_driver.h"
#include "error.h"

/* The client library is wired in with the MariaDB test harness; until then the driver says so. */
static int m_open(const struct db_params *p, unsigned flags, void **conn, struct drover_error *err)
{
	return err_set(err, DROVER_E_NOTSUP, p->database,
	               "MySQL/MariaDB site databases are not supported by this build yet");
}

static void m_close(void *conn)
{
}

static int m_exec(void *conn, const char *sql, const char *const *params, uint32_t n,
                  struct drover_error *err)
{
	return err_set(err, DROVER_E_NOTSUP, NULL, "MySQL/MariaDB is not supported yet");
}

static int m_query(void *conn, const char *sql, const char *const *params, uint32_t n,
                   drover_row_cb cb, void *arg, struct drover_error *err)
{
	return m_exec(conn, sql, params, n, err);
}

static int m_table_exists(void *conn, const char *table, struct drover_error *err)
{
	return m_exec(conn, NULL, NULL, 0, err);
}

const struct db_driver db_mysql_driver = {
    .name = DB_DRIVER_MYSQL,
    .open = m_open,
    .close = m_close,
    .exec = m_exec,
    .query = m_query,
    .table_exists = m_table_exists,
};

#!/bin/sh
# t_db.sh: the site database interface (tests/unit/t_db) on SQLite and on a private MariaDB
# server that this test starts in a temporary directory and stops again.
set -u
: "${top_builddir:?run through make check}"
. "$top_srcdir/tests/lib/mariadb.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/drover-db-XXXXXX")
trap 'mariadb_stop; rm -rf "$T"' EXIT
mariadb_start "$T/mysql"
mariadb_sql "CREATE DATABASE drover_t_db; CREATE USER drover_test@localhost IDENTIFIED BY 't3st-pass';
GRANT ALL ON drover_t_db.* TO drover_test@localhost;"
MYSQL_SOCKET="$MYSQL_SOCKET" MYSQL_ADMIN_USER=$(id -un) "$top_builddir/tests/unit/t_db"

# mariadb.sh: a private MariaDB server for one test, in a temporary directory, on a unix socket
# only (no TCP port), started and stopped by the test itself. Sourced by tests.
#
#   mariadb_start DIR   -> sets MYSQL_SOCKET, MYSQL_DEFAULTS (an option file for the root user)
#   mariadb_sql SQL...  -> runs SQL as root
#   mariadb_stop        -> shuts it down (also done by the EXIT trap the caller sets)

mariadb_start() {
	MYSQL_DIR=$1
	mkdir -p "$MYSQL_DIR/data" "$MYSQL_DIR/tmp"
	MYSQL_SOCKET="$MYSQL_DIR/mysqld.sock"
	MYSQL_DEFAULTS="$MYSQL_DIR/root.cnf"
	user=$(id -un)
	mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
	if [ ! -x "$mariadbd" ] || ! command -v mariadb-install-db >/dev/null; then
		echo "Bail out! mariadb-server is not installed: run tools/deps"
		exit 99
	fi
	mariadb-install-db --no-defaults --datadir="$MYSQL_DIR/data" --user="$user" \
		--auth-root-authentication-method=socket --skip-test-db >"$MYSQL_DIR/install.log" 2>&1 || {
		echo "Bail out! mariadb-install-db failed: $(tail -3 "$MYSQL_DIR/install.log" | tr '\n' ' ')"
		exit 99
	}
	"$mariadbd" --no-defaults --datadir="$MYSQL_DIR/data" --socket="$MYSQL_SOCKET" \
		--skip-networking --pid-file="$MYSQL_DIR/mysqld.pid" --tmpdir="$MYSQL_DIR/tmp" \
		--user="$user" --innodb-buffer-pool-size=64M --log-error="$MYSQL_DIR/error.log" \
		--skip-log-bin >/dev/null 2>&1 &
	MYSQL_PID=$!
	printf '[client]\nuser=%s\nsocket=%s\n' "$user" "$MYSQL_SOCKET" >"$MYSQL_DEFAULTS"
	chmod 600 "$MYSQL_DEFAULTS"
	i=0
	until mariadb-admin --defaults-file="$MYSQL_DEFAULTS" ping >/dev/null 2>&1; do
		i=$((i + 1))
		if [ "$i" -gt 300 ] || ! kill -0 "$MYSQL_PID" 2>/dev/null; then
			echo "Bail out! MariaDB did not start: $(tail -3 "$MYSQL_DIR/error.log" | tr '\n' ' ')"
			exit 99
		fi
		sleep 0.1
	done
	export MYSQL_SOCKET MYSQL_DEFAULTS
}

mariadb_sql() {
	mariadb --defaults-file="$MYSQL_DEFAULTS" -N -B -e "$*"
}

mariadb_stop() {
	[ -n "${MYSQL_PID:-}" ] || return 0
	mariadb-admin --defaults-file="$MYSQL_DEFAULTS" shutdown >/dev/null 2>&1 || kill "$MYSQL_PID" 2>/dev/null
	wait "$MYSQL_PID" 2>/dev/null
	MYSQL_PID=
}

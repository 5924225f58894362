#!/bin/sh
# t_wordpress.sh: a third CMS through an adapter built out of tree, against the real thing.
#
# 1. drover is installed into a staging directory (make install DESTDIR=...), and the WordPress
#    adapter (contrib/wordpress, a vendor-style project of its own) is built from a copy with
#    nothing but that installed SDK: autoreconf with the installed drover-sdk.m4, configure
#    --with-drover-sdk, make, and its own make check. The installed drover runs everything below.
# 2. Debian's wordpress package (tools/deps installs it, with php-cli, php-mysql and MariaDB) is
#    the codebase: two platforms are made from /usr/share/wordpress (its translations left out),
#    their wp-config.php being Debian's dispatcher pointed at sites/ (contrib/wordpress/README.md).
#    A real site is installed by WordPress's own wp_install() through PHP, on a private MariaDB
#    this test starts, with a post and an upload.
# 3. Through drover: verify, adapter check, compare, backup, backup verify, restore, migrate
#    (with db_version set back and an index dropped, so that WordPress's own wp_upgrade() runs
#    and is seen to have run), maintenance seen over HTTP during an interrupted migrate, rename,
#    clone, delete; after each, the site answers a real HTTP request (PHP's built-in server) with
#    its front page. Then the failpoint walk of t_faults.sh over migrate (every step, before and
#    after, error and kill).
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/lib/mariadb.sh"
SERVERS=""
trap 'for p in $SERVERS; do kill "$p" 2>/dev/null; done; mariadb_stop; rm -rf "$T"' EXIT

WP=/usr/share/wordpress
[ -f "$WP/wp-includes/version.php" ] || { echo "Bail out! Debian's wordpress package is not installed: run tools/deps"; exit 99; }
command -v php >/dev/null && php -r 'exit(extension_loaded("mysqli") ? 0 : 1);' ||
	{ echo "Bail out! php-cli with mysqli (php-mysql) is not installed: run tools/deps"; exit 99; }
command -v autoreconf >/dev/null && command -v pkg-config >/dev/null ||
	{ echo "Bail out! autoconf, automake, libtool and pkg-config are needed: run tools/deps"; exit 99; }
mariadb_start "$T/mysql"

# ---- 1. install drover into a stage; build the adapter from the installed SDK alone ----------
unset MAKEFLAGS MFLAGS MAKELEVEL
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
STAGE="$T/stage"
make -C "$top_builddir" install DESTDIR="$STAGE" >"$T/install.log" 2>&1
ok $? "make install DESTDIR=... stages drover and its SDK"
SDK="$STAGE$prefix"
DROVER="$SDK/bin/drover"
export DROVER
cp -R "$top_srcdir/contrib/wordpress" "$T/adapter" && chmod -R u+w "$T/adapter" && mkdir -p "$T/adapter/m4"
(
	cd "$T/adapter" &&
		ACLOCAL_PATH="$SDK/share/aclocal" autoreconf -fi &&
		./configure --with-drover-sdk="$SDK" --enable-werror ${CC:+"CC=$CC"} &&
		make
) >"$T/adapter.log" 2>&1
ok $? "contrib/wordpress builds with the installed SDK alone (autoreconf, configure, make)"
[ -f "$T/adapter/.libs/wordpress.so" ] || { sed 's/^/#   /' "$T/adapter.log" | tail -30; echo "Bail out! the adapter did not build"; exit 1; }
MODULES="$T/adapter/.libs"
nm -D --defined-only "$MODULES/wordpress.so" | awk '{print $NF}' >"$T/syms"
lines "$T/syms" 1 "wordpress.so exports one symbol"
has "$T/syms" wordpress_LTX_drover_adapter "and it is wordpress_LTX_drover_adapter"
(cd "$T/adapter" && make check) >"$T/check.log" 2>&1
ok $? "the adapter's own make check passes against the installed drover"

# ---- 2. platforms from Debian's WordPress, a private MariaDB, a real site ---------------------
printf '#!/bin/sh\nexec php -d mysqli.default_socket=%s "$@"\n' "$MYSQL_SOCKET" >"$T/php"
chmod +x "$T/php"
DATA_DIR="$T/data" CFG="$T/drover.cfg" DB_TAG=wp SITE_DB_DIRS="" MYSQL_DEFAULTS_FILE=$MYSQL_DEFAULTS
export DATA_DIR CFG DB_TAG SITE_DB_DIRS MYSQL_DEFAULTS_FILE
cat >"$CFG" <<CFG
data_dir = "$DATA_DIR";
builtin_plugins = false;
plugin_dirs = [ "$MODULES" ];
db_servers: {
  maria: { driver = "mysql"; socket = "$MYSQL_SOCKET"; user = "$(id -un)"; };
};
default_db_server = "maria";
adapters: { wordpress: { php = "$T/php"; }; };
CFG
# Only after lib_sites.sh's settings: it reads CFG, DATA_DIR and the rest when it runs.
. "$top_srcdir/tests/cli/lib_sites.sh"
fd() { "$DROVER" --config "$CFG" "$@"; }

P="$T/p"
mkdir -p "$P/wpa"
tar -C "$WP" -ch --exclude=./wp-content/languages . | tar -C "$P/wpa" -x
sed -i -e "s|'/etc/wordpress/config-'\.\(.*\)\.'\.php'|__DIR__.'/sites/'.\1.'/wp-config.php'|" \
	-e 's|"/etc/wordpress/config-default.php"|__DIR__."/sites/default/wp-config.php"|g' \
	-e "s|'/var/lib/wordpress/wp-content'|__DIR__.'/wp-content'|" "$P/wpa/wp-config.php"
grep -q "__DIR__.'/sites/'" "$P/wpa/wp-config.php"
ok $? "Debian's dispatcher in wp-config.php points at sites/"
cp -a "$P/wpa" "$P/wpb"
code_db=$(sed -n "s/^\$wp_db_version = \([0-9]*\);.*/\1/p" "$WP/wp-includes/version.php")
code_version=$(sed -n "s/^\$wp_version = '\(.*\)';.*/\1/p" "$WP/wp-includes/version.php")

dom=wp.example.com
mariadb_sql "CREATE DATABASE wpsite; CREATE USER wpsite@localhost IDENTIFIED BY 'pw-wpsite';
GRANT ALL ON wpsite.* TO wpsite@localhost;"
mkdir -p "$P/wpa/sites/$dom/uploads/2026/11"
cat >"$P/wpa/sites/$dom/wp-config.php" <<EOF
<?php
/* $dom: a host config file in the format of Debian's /etc/wordpress/config-<host>.php. */
define('DB_NAME', 'wpsite');
define('DB_USER', 'wpsite');
define('DB_PASSWORD', 'pw-wpsite');
define('DB_HOST', 'localhost');
define('DB_CHARSET', 'utf8mb4');
define('AUTH_KEY', 'test-auth-key-$dom');
define('SECURE_AUTH_KEY', 'test-secure-auth-key');
define('UPLOADS', 'sites/$dom/uploads');
define('DISABLE_WP_CRON', true); // the test compares databases: no cron writes in between
\$table_prefix = 'wp_';
EOF
head -c 4000 /dev/urandom >"$P/wpa/sites/$dom/uploads/2026/11/photo.jpg"
cp "$P/wpa/sites/$dom/uploads/2026/11/photo.jpg" "$T/photo.jpg"
cat >"$T/install.php" <<'EOF'
<?php
list(, $root, $host) = $argv;
$_SERVER['HTTP_HOST'] = $host;
$_SERVER['REQUEST_URI'] = '/';
define('WP_INSTALLING', true);
require $root . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$r = wp_install("Blog of $host", 'admin', 'admin@example.com', true, '', 'secret-pass');
update_option('siteurl', "http://$host");
update_option('home', "http://$host");
$id = wp_insert_post(['post_title' => 'Hello from drover', 'post_status' => 'publish',
	'post_content' => "<img src=\"http://$host/sites/$host/uploads/2026/11/photo.jpg\">"]);
echo "installed: user {$r['user_id']}, post $id, db_version ", get_option('db_version'), "\n";
EOF
"$T/php" "$T/install.php" "$P/wpa" "$dom" >"$T/inst.out" 2>"$T/inst.err"
has "$T/inst.out" "db_version $code_db" "WordPress's wp_install() made the site (db_version $code_db)"

# PHP's built-in web server, one per platform; http HOST PLATFORM -> status, body in $T/body
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
serve() { # NAME: serve platform NAME on a free port, PORT_<NAME>
	port=$(free_port)
	# opcache.revalidate_freq=0: a restore rewrites sites/<domain>/wp-config.php in place, and
	# with PHP's default of 2 s the opcache would serve the old credentials meanwhile (the
	# adapter's README tells operators the same).
	"$T/php" -d opcache.revalidate_freq=0 -S "127.0.0.1:$port" -t "$P/$1" >"$T/server-$1.log" 2>&1 &
	SERVERS="$SERVERS $!"
	eval "PORT_$1=$port"
	i=0
	until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "Bail out! php -S did not start: $(cat "$T/server-$1.log")"; exit 1; }
		sleep 0.1
	done
}
serve wpa
serve wpb
http() { # HOST PLATFORM
	eval "port=\$PORT_$2"
	python3 - "$1" "$port" "$T/body" <<'EOF'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[2]), timeout=60)
c.request("GET", "/", headers={"Host": sys.argv[1]})
r = c.getresponse()
open(sys.argv[3], "wb").write(r.read())
print(r.status)
EOF
}
answers() { # HOST PLATFORM STATUS DESCRIPTION: the front page answers STATUS (200: with the post)
	got=$(http "$1" "$2")
	if [ "$3" = 200 ]; then
		[ "$got" = 200 ] && grep -q "Hello from drover" "$T/body"
	else
		[ "$got" = "$3" ]
	fi
	ok $? "$4 (HTTP $got from $2)"
	[ "$got" = "$3" ] || head -c 600 "$T/body" | sed 's/^/#   /'
}
answers "$dom" wpa 200 "the new site serves its front page"

# ---- 3. drover, through the out-of-tree adapter --------------------------------------------------
run --config "$CFG" --json plugins
has "$T/out" '"wordpress"' "the installed drover loads the out-of-tree adapter"
has "$T/out" '"rejected": []' "and rejects nothing"
run --config "$CFG" platform add wpa "$P/wpa"
is_rc 0 "platform add wpa"
has "$T/out" "wordpress $code_version" "probe: WordPress $code_version from version.php"
run --config "$CFG" platform add wpb "$P/wpb"
is_rc 0 "platform add wpb"
run --config "$CFG" --json platform show wpa
has "$T/out" '"akismet"' "packages: Debian's bundled plugin akismet"
has "$T/out" '"twentytwentythree"' "packages: the bundled theme"
has "$T/out" "\"$code_db\"" "packages: the core's schema is \$wp_db_version"

run --config "$CFG" site import "$dom" --platform wpa
is_rc 0 "site import $dom (settings read from sites/$dom/wp-config.php)"
run --config "$CFG" site verify "$dom"
is_rc 0 "site verify"
has "$T/out" "every package is at its code's schema" "verify: db_version is the code's"

run --config "$CFG" adapter check "$MODULES/wordpress.so" --root "$P/wpa" --site "$dom"
is_rc 0 "drover adapter check passes the adapter on the real site"
grep -q '^FAIL' "$T/out" && sed 's/^/#   /' "$T/out"
has "$T/out" "ok maintenance:" "adapter check: the maintenance round trip"
answers "$dom" wpa 200 "after adapter check, the site is online"

run --config "$CFG" compare "$dom" --to wpb
is_rc 0 "compare"
has "$T/out" "eligible" "compare: wpb is eligible"

# backup, verify, restore after damage
run --config "$CFG" backup "$dom"
is_rc 0 "backup"
bid=$(fd --json backups "$dom" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(max(b["id"] for b in (d if isinstance(d, list) else d["backups"])))')
run --config "$CFG" backup verify "$bid"
is_rc 0 "backup verify"
has "$T/out" "is good" "backup verify: every checksum and the dump"
mariadb_sql "UPDATE wpsite.wp_posts SET post_title = 'Damaged' WHERE post_title = 'Hello from drover'"
rm "$P/wpa/sites/$dom/uploads/2026/11/photo.jpg"
http "$dom" wpa >/dev/null
! grep -q "Hello from drover" "$T/body"
ok $? "the damaged site no longer shows the post"
run --config "$CFG" restore "$dom" "$bid"
is_rc 0 "restore"
cmp -s "$T/photo.jpg" "$P/wpa/sites/$dom/uploads/2026/11/photo.jpg"
ok $? "restore: the upload is back, byte for byte"
answers "$dom" wpa 200 "after restore, the front page shows the post again"

# migrate, with an update for WordPress to run
db=$(fd --json site show "$dom" | python3 -c 'import json,sys; print(json.load(sys.stdin)["database"])')
mariadb_sql "UPDATE $db.wp_options SET option_value = '51917' WHERE option_name = 'db_version';
ALTER TABLE $db.wp_posts DROP INDEX post_author;"
run --config "$CFG" site verify "$dom"
has "$T/out" "pending updates" "verify: db_version 51917 is behind the code"
run --config "$CFG" migrate "$dom" --to wpb
is_rc 0 "migrate to wpb"
db2=$(fd --json site show "$dom" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["database"], d["platform"])')
set -- $db2
[ "$2" = wpb ] && [ "$1" != "$db" ]
ok $? "the site is on wpb, in a new database"
[ "$(mariadb_sql "SELECT option_value FROM $1.wp_options WHERE option_name = 'db_version'")" = "$code_db" ]
ok $? "wp_upgrade() ran: db_version is $code_db again"
[ -n "$(mariadb_sql "SHOW INDEX FROM $1.wp_posts WHERE Key_name = 'post_author'")" ]
ok $? "wp_upgrade() ran: dbDelta put back the dropped index"
tid=$(fd --json tasks | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
run --config "$CFG" task show "$tid"
has "$T/out" "51917 -> $code_db" "the task's log has WordPress's db_version change"
[ -z "$(mariadb_sql "SHOW DATABASES LIKE '$db'")" ] && [ ! -e "$P/wpa/sites/$dom" ]
ok $? "the old database and sites/$dom on wpa are gone"
answers "$dom" wpb 200 "after migrate, wpb serves the site"
answers "$dom" wpa 404 "and wpa no longer does"

# maintenance, seen by a visitor: a migrate killed during its updates
DROVER_FAILPOINT=migrate.update.before=kill "$DROVER" --config "$CFG" migrate "$dom" --to wpa >"$T/out" 2>"$T/err"
rc=$?
is_rc 137 "a migrate killed before its updates"
answers "$dom" wpb 503 "meanwhile visitors get WordPress's maintenance page"
run --config "$CFG" recover
is_rc 0 "recover"
answers "$dom" wpb 200 "after recover, the site is online again where it was"

# rename
new=wp-renamed.example.com
run --config "$CFG" rename "$dom" "$new"
is_rc 0 "rename to $new"
answers "$new" wpb 200 "the renamed site answers on its new name"
answers "$dom" wpb 404 "and not on the old one"
ndb=$(fd --json site show "$new" | python3 -c 'import json,sys; print(json.load(sys.stdin)["database"])')
[ "$(mariadb_sql "SELECT option_value FROM $ndb.wp_options WHERE option_name IN ('home', 'siteurl')" | sort -u)" = "http://$new" ]
ok $? "fixup: siteurl and home are http://$new"
mariadb_sql "SELECT post_content FROM $ndb.wp_posts WHERE post_title = 'Hello from drover'" >"$T/post"
has "$T/post" "http://$new/sites/$new/uploads/2026/11/photo.jpg" "fixup: the post's media link follows the site"
cmp -s "$T/photo.jpg" "$P/wpb/sites/$new/uploads/2026/11/photo.jpg"
ok $? "the upload moved with the site directory"
grep -q "'sites/$new/uploads'" "$P/wpb/sites/$new/wp-config.php"
ok $? "UPLOADS follows the site directory"
grep -q "test-auth-key-$dom" "$P/wpb/sites/$new/wp-config.php"
ok $? "the settings keep their keys and salts"
dom=$new

# clone, delete
cln=wp-clone.example.com
run --config "$CFG" clone "$dom" "$cln"
is_rc 0 "clone to $cln"
answers "$cln" wpb 200 "the clone answers"
answers "$dom" wpb 200 "and the source still does"
cdb=$(fd --json site show "$cln" | python3 -c 'import json,sys; print(json.load(sys.stdin)["database"])')
run --config "$CFG" delete "$cln" --yes
is_rc 0 "delete the clone"
answers "$cln" wpb 404 "the deleted clone no longer answers"
[ -z "$(mariadb_sql "SHOW DATABASES LIKE '$cdb'")" ] && [ ! -e "$P/wpb/sites/$cln" ]
ok $? "its database and directory are gone"
fd backups "$cln" >"$T/out" 2>&1
has "$T/out" "$cln" "the backup the delete made is kept"
answers "$dom" wpb 200 "the source site is untouched"

# ---- the failpoint walk over migrate ----------------------------------------------------------
fg=wp here=wpb there=wpa multi=1 alt=wp-walk.example.com W="$T/walk" res="$T/walk/res"
mkdir -p "$W"
: >"$res"
"$STATE" snap "$W/state.json"
fault_pipeline migrate "$MOVE_STEPS"
n=0
while IFS= read -r line; do
	case $line in
	"ok "*) ok 0 "${line#ok }"; n=$((n + 1)) ;;
	"not ok "*) ok 1 "${line#not ok }"; n=$((n + 1)) ;;
	*) echo "$line" ;;
	esac
done <"$res"
[ "$n" -eq "$(fault_cases "$MOVE_STEPS")" ]
ok $? "every failpoint of migrate was walked ($n)"
s=$(fd --json site show "$dom" | python3 -c 'import json,sys; print(json.load(sys.stdin)["platform"])')
answers "$dom" "$s" 200 "after the walk, the site answers on $s"

done_testing

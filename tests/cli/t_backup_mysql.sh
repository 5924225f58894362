#!/bin/sh
# t_backup_mysql.sh: backup and restore of a Drupal 7 and a Magento 1 site whose databases live on
# MariaDB (a private server this test starts and stops): every file and every row come back, into
# a NEW database with a NEW user, the old database dropped (its user kept: drover did not create it), cache tables structure-only; and no
# password ever shows in a process's command line or environment or in drover's output. Platforms
# and sites come from tests/fixtures/gen/drover-fixture (test doubles of real codebases).
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/lib/mariadb.sh"
trap 'mariadb_stop; rm -rf "$T"' EXIT
mariadb_start "$T/mysql"

GEN="$top_srcdir/tests/fixtures/gen/drover-fixture"
cat >"$T/drover.cfg" <<CFG
data_dir = "$T/data";
builtin_plugins = false;
plugin_dirs = [ "$SHIPPED_ADAPTERS" ];
db_servers: {
  maria: { driver = "mysql"; socket = "$MYSQL_SOCKET"; user = "$(id -un)"; };
};
default_db_server = "maria";
CFG
# Every drover run of this test, its stdout and stderr kept in $T/all.out for the secrets check.
: >"$T/all.out"
run_d() {
	run --config "$T/drover.cfg" "$@"
	cat "$T/out" "$T/err" >>"$T/all.out"
}
d() {
	"$DROVER" --config "$T/drover.cfg" "$@" >"$T/d.out" 2>&1
	r=$?
	cat "$T/d.out" >>"$T/all.out"
	cat "$T/d.out"
	return $r
}
err1() { head -1 "$T/err"; }
sql() { mariadb_sql "$@"; }

# procwatch: while drover runs, the command line and environment of drover and of every process
# it starts (mariadb-dump, mariadb), sampled every millisecond or so, into $T/procs. Only drover's
# process tree (found once, then followed through /proc/PID/task/TID/children): other tests may
# run their own servers and clients meanwhile.
procwatch_start() {
	rm -f "$T/procwatch.stop"
	python3 - "$T/procs.part" "$T/procwatch.stop" "$T/drover.cfg" <<'PY' &
import os, sys, time
out, stop, mark = sys.argv[1], sys.argv[2], sys.argv[3].encode()
seen = set()
def read(pid, what):
    try:
        with open("/proc/%s/%s" % (pid, what), "rb") as fh:
            return fh.read()
    except OSError:
        return None
def find_drover():
    # One walk of /proc: the drover process (its command line names the test's config).
    for p in os.listdir("/proc"):
        if p.isdigit():
            cmd = read(p, "cmdline") or b""
            if mark in cmd and b"python" not in cmd:
                return p
    return None
def tree(root):
    # drover and its descendants, through /proc/PID/task/TID/children: a few small reads, so
    # that a short-lived client is sampled even when the machine is busy.
    todo, ours = [root], []
    while todo:
        p = todo.pop()
        ours.append(p)
        try:
            tids = os.listdir("/proc/%s/task" % p)
        except OSError:
            continue
        for t in tids:
            kids = read(p, "task/%s/children" % t)
            if kids:
                todo.extend(k.decode() for k in kids.split())
    return ours
top = None
while not os.path.exists(stop):
    if top is None or not os.path.exists("/proc/%s" % top):
        top = find_drover()
    for p in tree(top) if top else []:
        for f in ("cmdline", "environ"):
            v = read(p, f)
            if v:
                seen.add(f.encode() + b": " + v.replace(b"\0", b" "))
    time.sleep(0.0005)
with open(out, "ab") as fh:
    fh.write(b"\n".join(sorted(seen)) + b"\n")
PY
	PROCWATCH=$!
	sleep 0.2
}
procwatch_stop() {
	touch "$T/procwatch.stop"
	wait "$PROCWATCH" 2>/dev/null
	cat "$T/procs.part" >>"$T/procs"
	rm -f "$T/procs.part"
}
: >"$T/procs"

# mydump DB [CACHE_TABLE...]: the logical content of a database, one row per line, sorted, without
# the rows of the cache tables (their data is not backed up, by design) and AUTO_INCREMENT
# counters.
mydump() {
	db=$1
	shift
	mariadb-dump --defaults-file="$MYSQL_DEFAULTS" --skip-dump-date --skip-comments \
		--skip-extended-insert --hex-blob "$db" | sed 's/ AUTO_INCREMENT=[0-9]*//' >"$T/mydump"
	for t in "$@"; do
		grep -v "^INSERT INTO \`$t\` " "$T/mydump" >"$T/mydump.1"
		mv "$T/mydump.1" "$T/mydump"
	done
	LC_ALL=C sort "$T/mydump"
}
myrows() { # myrows DB TABLE: its rows, or "none" when there is no such table
	if [ "$(sql "SELECT count(*) FROM information_schema.tables WHERE table_schema = '$1' AND table_name = '$2'")" = 1 ]; then
		sql "SELECT count(*) FROM \`$1\`.\`$2\`"
	else
		echo none
	fi
}
databases() { sql "SHOW DATABASES"; }
users() { sql "SELECT user FROM mysql.user"; }
site_db() { "$DROVER" --config "$T/drover.cfg" site show "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["database"])'; }

# --- the sites -----------------------------------------------------------------------------------

D7PW="d7-Pa55'w0rd"
M1PW="m1.Secr3t-pass"
sql "CREATE USER d7site@localhost IDENTIFIED BY 'd7-Pa55''w0rd'; GRANT ALL ON d7site.* TO d7site@localhost;
CREATE USER m1site@localhost IDENTIFIED BY '$M1PW'; GRANT ALL ON m1shop.* TO m1site@localhost;"
"$GEN" platform --cms drupal7 --out "$T/p/d7" --modules 3 --seed 51 >/dev/null
"$GEN" site --platform "$T/p/d7" --cms drupal7 --domain www.example.org --site-dir www.example.org \
	--db mysql:d7site --db-user d7site --db-password "$D7PW" --mysql-defaults "$MYSQL_DEFAULTS" \
	--rows 2000 >/dev/null
"$GEN" platform --cms magento1 --out "$T/p/m1" --modules 3 --seed 52 >/dev/null
# The Magento site reaches the server through its socket path: Magento takes a host with a '/'
# as a unix socket, and "localhost" would mean the client library's default socket instead.
"$GEN" site --platform "$T/p/m1" --cms magento1 --domain shop.example.org --db mysql:m1shop \
	--db-user m1site --db-password "$M1PW" --db-host "$MYSQL_SOCKET" \
	--mysql-defaults "$MYSQL_DEFAULTS" --rows 2000 >/dev/null
d platform add d7 "$T/p/d7" >/dev/null && d platform add m1 "$T/p/m1" >/dev/null &&
	d site import www.example.org --platform d7 >/dev/null &&
	d site import shop.example.org --platform m1 >/dev/null || echo "Bail out! could not set up the sites"

S=sites/www.example.org
f="$T/p/d7/$S/files"
mkdir -p "$f/field/image/2024" "$f/css" "$f/styles/thumbnail/public"
head -c 3000 /dev/urandom >"$f/a.jpg"
head -c 2000 /dev/urandom >"$f/my photo.png"
head -c 1000 /dev/urandom >"$f/field/image/2024/deep.jpg"
echo "body{}" >"$f/css/css_x.css"
head -c 500 /dev/urandom >"$f/styles/thumbnail/public/a.jpg"
mkdir -p "$T/p/m1/media/wysiwyg" "$T/p/m1/media/catalog/product/a/b" \
	"$T/p/m1/media/catalog/product/cache/1" "$T/p/m1/var/report" "$T/p/m1/var/cache/mage--1"
head -c 3000 /dev/urandom >"$T/p/m1/media/wysiwyg/banner.jpg"
head -c 2000 /dev/urandom >"$T/p/m1/media/catalog/product/a/b/ab 1.jpg"
echo "report" >"$T/p/m1/var/report/123456789"
head -c 300 /dev/urandom >"$T/p/m1/media/catalog/product/cache/1/ab.jpg"
echo "cached config" >"$T/p/m1/var/cache/mage--1/mage---config"
D7_SKIP="^$S/settings\\.php\$|^$S/files/(css|js|styles|tmp)(/|\$)"
D7_CACHE="$S/files/css/css_x.css $S/files/styles/thumbnail/public/a.jpg"
M1_SKIP='^app/etc/local\.xml$|^media/(catalog/product/cache|css|css_secure|js|captcha)(/|$)|^var/(cache|full_page_cache|session|locks|tmp)(/|$)'
M1_CACHE="media/catalog/product/cache/1/ab.jpg var/cache/mage--1/mage---config"
# Restore switches Drupal's maintenance mode off by writing the variable: have it recorded as off
# before the backup, so that the rows compare equal.
sql "REPLACE INTO d7site.variable (name, value) VALUES ('maintenance_mode', 'i:0;');
INSERT INTO d7site.sessions (uid, sid, hostname, timestamp, session) VALUES (1, 'sid1', '::1', 1, 'x');
INSERT INTO d7site.cache (cid, data, expire, created, serialized) VALUES ('c1', 'x', 0, 1, 0);
INSERT INTO m1shop.core_cache (id, data) VALUES ('c1', 'x');"

roundtrip() { # roundtrip d7|m1 DOMAIN OLD_DB OLD_USER OLD_PASSWORD
	cms=$1 dom=$2 olddb=$3 olduser=$4 oldpw=$5 root="$T/p/$1"
	if [ "$cms" = d7 ]; then
		own=$S skip=$D7_SKIP cachefiles=$D7_CACHE sf=$S/settings.php
	else
		own="app/etc/local.xml media var" skip=$M1_SKIP cachefiles=$M1_CACHE sf=app/etc/local.xml
	fi
	[ "$(site_db "$dom")" = "$olddb" ]
	ok $? "$cms: the site's database is $olddb on maria"

	procwatch_start
	run_d backup "$dom" --json
	procwatch_stop
	is_rc 0 "$cms: backup $dom"
	id=$(json_get "$T/out" 'd["id"]')
	path=$(json_get "$T/out" 'd["path"]')
	[ "$(stat -c %a "$path")" = 600 ]
	ok $? "$cms: the archive has mode 0600"
	run_d backup verify "$id"
	is_rc 0 "$cms: backup verify $id"
	tar -tf "$path" >"$T/members"
	has "$T/members" "database/dump.sql" "$cms: the archive has the dump"
	has "$T/members" "database/structure.sql" "$cms: and the cache tables' structure"
	tar -xOf "$path" manifest.json >"$T/manifest.json"
	caches=$(json_get "$T/manifest.json" '" ".join(d["database"]["structure_only"])')
	ok 0 "$cms: structure-only tables: $caches"
	tar -xOf "$path" database/dump.sql >"$T/dump.sql"
	tar -xOf "$path" database/structure.sql >"$T/structure.sql"
	tail -1 "$T/dump.sql" >"$T/tail"
	has "$T/tail" "-- Dump completed" "$cms: the dump is complete"
	r=0
	for t in $caches; do
		[ "$(myrows "$olddb" "$t")" = none ] && continue
		grep -q "^INSERT INTO \`$t\`" "$T/dump.sql" "$T/structure.sql" && r=1 && diag "rows of $t dumped"
		grep -q "^CREATE TABLE \`$t\`" "$T/structure.sql" || { r=1; diag "no CREATE TABLE $t in structure.sql"; }
	done
	ok $r "$cms: cache tables are dumped structure-only (no rows, their CREATE TABLE kept)"
	r=0
	for t in $([ "$cms" = d7 ] && echo "node users system variable" ||
		echo "core_resource core_config_data catalog_product_entity"); do
		n=$(grep -c "^INSERT INTO \`$t\` " "$T/dump.sql" || true)
		[ "$n" -gt 0 ] || { r=1; diag "no rows of $t in the dump"; }
	done
	ok $r "$cms: the content tables' rows are in the dump"
	cached=0
	for t in $caches; do
		n=$(myrows "$olddb" "$t")
		[ "$n" = none ] || cached=$((cached + n))
	done
	[ "$cached" -gt 0 ]
	ok $? "$cms: (the live cache tables hold $cached rows)"

	tree_snap "$root" "$skip" $own >"$T/$cms.files.before"
	mydump "$olddb" $caches >"$T/$cms.db.before"
	# The damage.
	if [ "$cms" = d7 ]; then
		rm -rf "$root/$S/files/a.jpg" "$root/$S/files/field"
		echo junk >"$root/$S/files/junk"
		sql "UPDATE d7site.users SET name = 'hacked'; DELETE FROM d7site.node;
			UPDATE d7site.variable SET value = 'i:1;' WHERE name = 'maintenance_mode'"
	else
		rm -rf "$root/media/wysiwyg" "$root/var/report"
		echo junk >"$root/media/junk"
		touch "$root/maintenance.flag"
		sql "UPDATE m1shop.core_config_data SET value = 'http://evil.example/';
			DELETE FROM m1shop.catalog_product_entity_text;"
	fi

	procwatch_start
	run_d restore "$dom" --json
	procwatch_stop
	is_rc 0 "$cms: restore $dom"
	newdb=$(json_get "$T/out" 'd["database"]')
	diag "$cms: restored into database $newdb"
	[ -n "$newdb" ] && [ "$newdb" != "$olddb" ] && [ "$(site_db "$dom")" = "$newdb" ]
	ok $? "$cms: into a new database, which the registry has"
	databases >"$T/dbs"
	grep -qx "$newdb" "$T/dbs"
	ok $? "$cms: SHOW DATABASES has the new one"
	! grep -qx "$olddb" "$T/dbs"
	ok $? "$cms: and not the old one ($olddb)"
	users >"$T/users"
	newuser=$(if [ "$cms" = d7 ]; then
		sed -n "s/^\\\$databases\\['default'\\]\\['default'\\]\\['username'\\] = '\\(.*\\)';/\\1/p" "$root/$sf" | tail -1
	else
		sed -n 's/.*<username><!\[CDATA\[\(.*\)\]\]><\/username>.*/\1/p' "$root/$sf"
	fi)
	newpw=$(if [ "$cms" = d7 ]; then
		sed -n "s/^\\\$databases\\['default'\\]\\['default'\\]\\['password'\\] = '\\(.*\\)';/\\1/p" "$root/$sf" | tail -1
	else
		sed -n 's/.*<password><!\[CDATA\[\(.*\)\]\]><\/password>.*/\1/p' "$root/$sf"
	fi)
	[ -n "$newuser" ] && [ "$newuser" != "$olduser" ] && grep -qx "$newuser" "$T/users"
	ok $? "$cms: the settings name a new user ($newuser), which the server has"
	grep -qx "$olduser" "$T/users"
	ok $? "$cms: the old user ($olduser), which drover did not create, is kept (it may hold other databases)"
	[ "$(sql "SELECT count(*) FROM information_schema.schema_privileges WHERE grantee = '''$newuser''@''localhost''' AND table_schema = '$newdb'")" -gt 0 ]
	ok $? "$cms: the new user has privileges on the new database"
	[ ${#newpw} -ge 16 ] && [ "$newpw" != "$oldpw" ]
	ok $? "$cms: with a new password of ${#newpw} characters"
	[ -n "$newpw" ] && [ "$(mariadb --no-defaults --socket="$MYSQL_SOCKET" -u "$newuser" -p"$newpw" \
		-N -B -e "SELECT CURRENT_USER()" "$newdb" 2>&1)" = "$newuser@localhost" ]
	ok $? "$cms: which logs in to it"
	case $cms in
	d7)
		sed -n '/^\/\/ drover: database credentials/,/^\/\/ drover: end of database credentials/p' \
			"$root/$sf" >"$T/block"
		has "$T/block" "['database'] = '$newdb'" "$cms: settings.php ends with a block naming the new database"
		;;
	m1)
		has "$root/$sf" "<dbname><![CDATA[$newdb]]></dbname>" "$cms: local.xml names the new database"
		hasnt "$root/$sf" "$oldpw" "$cms: and no longer has the old password"
		has "$root/$sf" "<host><![CDATA[$MYSQL_SOCKET]]></host>" \
			"$cms: and still the socket path as its host, the db server's socket"
		;;
	esac

	tree_snap "$root" "$skip" $own >"$T/$cms.files.after"
	same "$T/$cms.files.before" "$T/$cms.files.after" "$cms: every file the site owns is back, byte for byte"
	r=0
	for c in $cachefiles; do [ -e "$root/$c" ] && r=1 && diag "still there: $c"; done
	ok $r "$cms: the cache files are not restored"
	mydump "$newdb" $caches >"$T/$cms.db.after"
	same "$T/$cms.db.before" "$T/$cms.db.after" \
		"$cms: the database is logically identical (every table, every row but cache data)"
	r=0
	for t in $caches; do
		n=$(myrows "$newdb" "$t")
		if grep -q "^CREATE TABLE \`$t\`" "$T/structure.sql"; then
			[ "$n" = 0 ] || { r=1; diag "$t: $n rows"; }
		else
			[ "$n" = none ] || { r=1; diag "$t: exists though it was not dumped"; }
		fi
	done
	ok $r "$cms: cache tables restored structure-only: they exist and are empty"
	if [ "$cms" = d7 ]; then
		[ "$(sql "SELECT value FROM \`$newdb\`.variable WHERE name = 'maintenance_mode'")" = "i:0;" ]
	else
		[ ! -e "$root/maintenance.flag" ]
	fi
	ok $? "$cms: maintenance mode is off"
	run_d site verify "$dom"
	is_rc 0 "$cms: site verify passes"
	ls -a "$root" >"$T/rootlist"
	hasnt "$T/rootlist" ".drover-restore-" "$cms: no staging directory left"

	# Secrets: the old and the new password, in every process seen and every line drover wrote.
	for pw in "$oldpw" "$newpw"; do
		[ -n "$pw" ] || continue
		hasnt "$T/procs" "$pw" "$cms: a password ($(echo "$pw" | cut -c1-3)...) is in no process's command line or environment"
		hasnt "$T/all.out" "$pw" "$cms: nor in drover's output"
	done
}

roundtrip d7 www.example.org d7site d7site "$D7PW"
roundtrip m1 shop.example.org m1shop m1site "$M1PW"

grep -c "mariadb-dump" "$T/procs" >"$T/n" || true
[ "$(cat "$T/n")" -gt 0 ]
ok $? "the process watch saw mariadb-dump run ($(cat "$T/n") samples)"
grep -Ec "^cmdline: (/[^ ]*/)?mariadb " "$T/procs" >"$T/n" || true
diag "and the mariadb client $(cat "$T/n") times"
grep -E "mariadb-dump|^cmdline: (/[^ ]*/)?mariadb " "$T/procs" | grep -v -- "--defaults-file=/dev/fd/" >"$T/nofd" || true
lines "$T/nofd" 0 "the clients drover runs read their credentials from a file descriptor"

# A dump cut short is refused, and nothing changes.
d backup shop.example.org >/dev/null
path=$(json_get /dev/stdin 'd[0]["path"]' <<EOF
$("$DROVER" --config "$T/drover.cfg" backups shop.example.org --json)
EOF
)
# The archive made again with the dump's first half, its manifest entry updated to match, so
# that only the dump's completeness check can tell.
mkdir -p "$T/cut"
tar -xf "$path" -C "$T/cut"
python3 - "$T/cut" <<'PY'
import hashlib, json, os, sys
os.chdir(sys.argv[1])
data = open("database/dump.sql", "rb").read()
data = data[: len(data) // 2]
open("database/dump.sql", "wb").write(data)
m = json.load(open("manifest.json"))
for e in m["members"]:
    if e["name"] == "database/dump.sql":
        e["size"], e["sha256"] = len(data), hashlib.sha256(data).hexdigest()
json.dump(m, open("manifest.json", "w"))
PY
(cd "$T/cut" && tar -cf "$T/cut.tar" database files manifest.json)
databases >"$T/dbs.before"
users >"$T/users.before"
run_d restore shop.example.org "$T/cut.tar"
[ "$rc" -ne 0 ]
ok $? "restore of an archive whose dump was cut short is refused (exit $rc)"
lines "$T/err" 1 "in one line"
has "$T/err" "incomplete" "saying the dump is incomplete: $(err1)"
run_d backup verify "$T/cut.tar"
[ "$rc" -ne 0 ]
ok $? "backup verify refuses it too (exit $rc)"
databases >"$T/dbs.after"
users >"$T/users.after"
same "$T/dbs.before" "$T/dbs.after" "no database was created or dropped"
same "$T/users.before" "$T/users.after" "no user was created or dropped"

done_testing

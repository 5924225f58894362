#!/bin/sh
# t_inventory_mysql.sh: sites whose databases live on MariaDB (a private server this test starts
# and stops): import, verify, diagnoses, compare, and wrong credentials. Platform trees and site
# databases come from tests/fixtures/gen/drover-fixture (test doubles of real codebases).
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
run_d() { run --config "$T/drover.cfg" "$@"; }

mariadb_sql "CREATE USER d7site@localhost IDENTIFIED BY 's3cret''pw'; GRANT ALL ON d7site.* TO d7site@localhost;
CREATE USER m1site@localhost IDENTIFIED BY 'm1-pass'; GRANT ALL ON m1shop.* TO m1site@localhost;"

"$GEN" platform --cms drupal7 --out "$T/p/d7" --modules 4 --seed 5 --module views:7.x-3.20:7301 >/dev/null
"$GEN" platform --cms drupal7 --out "$T/p/d7new" --modules 4 --seed 5 --module views:7.x-3.24:7302 >/dev/null
"$GEN" site --platform "$T/p/d7" --cms drupal7 --domain www.example.org --site-dir www.example.org \
	--db mysql:d7site --db-user d7site --db-password "s3cret'pw" --mysql-defaults "$MYSQL_DEFAULTS" \
	--schema views:7300 >/dev/null
run_d platform add d7 "$T/p/d7"
is_rc 0 "platform add"
run_d platform add d7new "$T/p/d7new"
run_d site import www.example.org --platform d7
is_rc 0 "site import of a Drupal 7 site on MariaDB"
has "$T/out" "database d7site on maria" "its database is on the MariaDB server"
run_d site verify www.example.org
is_rc 0 "verify reads the installed schema from MariaDB"
has "$T/out" "views has pending updates: the site is at schema 7300, the code at 7301" \
	"and diagnoses pending updates"
run_d compare www.example.org --to d7new --json
is_rc 0 "compare against another platform"
[ "$(json_get "$T/out" "[p['verdict'] for p in d['candidates'][0]['packages'] if p['name']=='views'][0]")" = "upgrade" ]
ok $? "views: upgrade"

"$GEN" platform --cms magento1 --out "$T/p/m1" --modules 3 --seed 6 >/dev/null
"$GEN" site --platform "$T/p/m1" --cms magento1 --domain shop.example.org --db mysql:m1shop \
	--db-user m1site --db-password m1-pass --mysql-defaults "$MYSQL_DEFAULTS" >/dev/null
run_d platform add m1 "$T/p/m1"
run_d site import shop.example.org --platform m1
is_rc 0 "site import of a Magento 1 site on MariaDB"
run_d site verify shop.example.org
is_rc 0 "verify it"

# Wrong credentials: one clear line, and the registry keeps what it had.
sed -i "s/m1-pass/wrong-pass/" "$T/p/m1/app/etc/local.xml"
run_d site verify shop.example.org
is_rc 1 "verify with a wrong password fails"
lines "$T/err" 1 "in one line"
has "$T/err" "Access denied" "with the server's reason"
hasnt "$T/err" "wrong-pass" "and without the password"
"$GEN" platform --cms drupal7 --out "$T/p/d7b" --modules 2 --seed 7 >/dev/null
"$GEN" site --platform "$T/p/d7b" --cms drupal7 --domain bad.example.org --site-dir bad.example.org \
	--db mysql:d7site --db-user d7site --db-password nope >/dev/null 2>&1
run_d platform add d7b "$T/p/d7b"
run_d site import bad.example.org --platform d7b
[ "$rc" -ne 0 ]
ok $? "import with wrong credentials is refused"
run_d site list --json
[ "$(json_get "$T/out" 'len(d)')" = "2" ]
ok $? "and records nothing"

# A prefixed site whose database also holds another application's table: moving, restoring or
# deleting the site replaces or drops its whole database, so each is refused before anything is
# done, naming the table; without the other table, delete goes ahead.
mariadb_sql "CREATE USER pfx@localhost IDENTIFIED BY 'pfx-pass'; GRANT ALL ON shared.* TO pfx@localhost;"
"$GEN" site --platform "$T/p/d7" --cms drupal7 --domain pfx.example.org --site-dir pfx.example.org \
	--db mysql:shared --db-user pfx --db-password pfx-pass --prefix pf_ \
	--mysql-defaults "$MYSQL_DEFAULTS" >/dev/null
mariadb_sql "CREATE TABLE shared.wiki_pages (id INT PRIMARY KEY, body TEXT);
INSERT INTO shared.wiki_pages VALUES (1, 'not drover''s');"
run_d site import pfx.example.org --platform d7
is_rc 0 "import a site with table prefix pf_ in a shared database"
run_d migrate pfx.example.org --to d7new --dry-run
is_rc 3 "migrate --dry-run says it would be refused"
run_d migrate pfx.example.org --to d7new
is_rc 3 "migrate is refused"
has "$T/err" "database shared also holds wiki_pages, which is not pfx.example.org's" "naming the other table"
run_d delete pfx.example.org --yes
is_rc 3 "so is delete"
run_d backup pfx.example.org
is_rc 0 "a backup is made (it reads, it drops nothing)"
run_d restore pfx.example.org
is_rc 3 "restore is refused too"
has "$T/err" "also holds wiki_pages" "for the same reason"
[ "$(mariadb_sql "SELECT body FROM shared.wiki_pages" | tail -1)" = "not drover's" ]
ok $? "the other application's table is untouched"
[ -f "$T/p/d7/sites/pfx.example.org/settings.php" ]
ok $? "and so is the site"
mariadb_sql "DROP TABLE shared.wiki_pages"
run_d delete pfx.example.org --yes
is_rc 0 "with the database the site's alone, delete goes ahead"

done_testing

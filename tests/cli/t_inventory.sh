#!/bin/sh
# t_inventory.sh: platforms, sites, verify and compare on generated Drupal and Magento trees
# (tests/fixtures/gen/drover-fixture: test doubles of real codebases, with real file formats
# and real SQLite site databases), through the command line.
. "$top_srcdir/tests/cli/lib.sh"

GEN="$top_srcdir/tests/fixtures/gen/drover-fixture"
cat >"$T/drover.cfg" <<CFG
data_dir = "$T/data";
builtin_plugins = false;
plugin_dirs = [ "$SHIPPED_ADAPTERS" ];
CFG
d() { "$DROVER" --config "$T/drover.cfg" "$@"; }
run_d() { run --config "$T/drover.cfg" "$@"; }

# --- platforms ---------------------------------------------------------------------------------
"$GEN" platform --cms drupal7 --core-version 7.101 --out "$T/p/d7a" --modules 5 --seed 1 \
	--module views:7.x-3.20:7301 --module ctools:7.x-1.15:7100 --module legacy:7.x-1.0:7000 \
	>"$T/d7a.json"
"$GEN" platform --cms drupal7 --out "$T/p/d7m" --modules 2 --seed 4 --module broken:7.x-1.0:7000 \
	--malformed broken >"$T/d7m.json"
"$GEN" platform --cms drupal7 --core-version 7.103 --out "$T/p/d7b" --modules 5 --seed 1 \
	--module views:7.x-3.24:7302 --module ctools:7.x-1.19:7100 >"$T/d7b.json"
"$GEN" platform --cms drupal7 --core-version 7.103 --out "$T/p/d7old" --modules 5 --seed 1 \
	--module views:7.x-3.10:7205 --module ctools:7.x-1.15:7100 --module legacy:7.x-1.0:7000 \
	>/dev/null
"$GEN" platform --cms drupal10 --out "$T/p/d10" --modules 3 --seed 1 >/dev/null
"$GEN" platform --cms magento1 --out "$T/p/m1a" --modules 3 --seed 2 >/dev/null
"$GEN" platform --cms openmage --out "$T/p/om" --modules 3 --seed 2 >/dev/null
"$GEN" platform --cms magento2 --out "$T/p/m2" --modules 3 --seed 2 >/dev/null

run_d platform add d7m "$T/p/d7m"
is_rc 0 "a platform with a malformed .info is still added"
broken=$(json_get "$T/d7m.json" 'd["malformed"][0]')
has "$T/err" "$broken" "the malformed .info is named with file and line ($broken)"
run_d platform show d7m --json
json_ok "$T/out" "platform show --json is JSON"
want=$(json_get "$T/d7m.json" 'len(d["packages"]) - len(d["malformed"])')
got=$(json_get "$T/out" 'len(d["packages"])')
[ "$got" = "$want" ]
ok $? "every package but the broken one is recorded ($got of $want)"
run_d platform add d7a "$T/p/d7a"
is_rc 0 "platform add of a Drupal 7 tree"
has "$T/out" "drupal 7.101" "its core version is read"
run_d platform show d7a --json
want=$(json_get "$T/d7a.json" 'len(d["packages"])')
[ "$(json_get "$T/out" 'len(d["packages"])')" = "$want" ]
ok $? "every generated package is recorded ($want)"
[ "$(json_get "$T/out" '[p["schema"] for p in d["packages"] if p["name"]=="views"][0]')" = "7301" ]
ok $? "views has its code schema from views.install"
[ "$(json_get "$T/out" '[p["version"] for p in d["packages"] if p["name"]=="views"][0]')" = "7.x-3.20" ]
ok $? "and its version from the packaging lines"
for p in d7b d7old d10 m1a om m2; do
	run_d platform add "$p" "$T/p/$p"
	is_rc 0 "platform add $p"
done
run_d platform list
has "$T/out" "openmage" "list shows OpenMage as its own distribution"

# Bad input: one line, non-zero exit, nothing recorded.
run_d platform add nope "$T/p/does-not-exist"
is_rc 2 "a missing path"
lines "$T/err" 1 "one line"
mkdir -p "$T/p/empty"
run_d platform add empty "$T/p/empty"
is_rc 2 "a tree no adapter claims"
has "$T/err" "no adapter recognises this tree" "says so"
run_d platform add d7a "$T/p/d7b"
is_rc 2 "a name taken"
run_d platform add again "$T/p/d7a"
is_rc 2 "a path already registered"
run_d platform add x "$T/p/d7a" --type wordpress
is_rc 2 "an adapter that is not loaded"
[ "$(d platform list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = "8" ]
ok $? "the registry holds the 8 good platforms and nothing else"

# --- sites -------------------------------------------------------------------------------------
"$GEN" site --platform "$T/p/d7a" --cms drupal7 --domain www.example.com \
	--site-dir www.example.com --db "sqlite:$T/db/example.sqlite" >/dev/null
run_d site import www.example.com --platform d7a
is_rc 0 "site import of a Drupal 7 site on SQLite"
run_d site verify www.example.com
is_rc 0 "a site in step with its code verifies"
has "$T/out" "every package is at its code's schema" "and says so"

# pending updates, a downgrade in place, and a site-specific module
"$GEN" platform --cms drupal7 --core-version 7.101 --out "$T/p/d7c" --modules 3 --seed 3 \
	--module views:7.x-3.20:7301 --site-module shop.example.com:shopmod:7.x-1.0:7001 >/dev/null
d platform add d7c "$T/p/d7c" >/dev/null 2>&1
"$GEN" site --platform "$T/p/d7c" --cms drupal7 --domain shop.example.com \
	--site-dir shop.example.com --db "sqlite:$T/db/shop.sqlite" --schema views:7299 \
	--schema system:7099 >/dev/null
run_d site import shop.example.com --platform d7c
is_rc 0 "import a site with a module downgraded in place"
run_d site verify shop.example.com
is_rc 1 "verify fails on a downgrade"
has "$T/out" "system was downgraded in place: the site's schema is 7099 but the code on platform d7c is at" \
	"names the module and both numbers"
has "$T/out" "put back a release of system with schema 7099 or newer" "and the repair"
has "$T/out" "views has pending updates: the site is at schema 7299, the code at 7301" "pending updates"
has "$T/out" "shopmod lives in the site's own directory" "site-specific module"
run_d site verify shop.example.com --json
json_ok "$T/out" "site verify --json is JSON"

# a module enabled on the site whose code is gone from the platform
rm -rf "$T/p/d7c/sites/all/modules/views"
d platform verify d7c >/dev/null 2>&1
run_d site verify shop.example.com
has "$T/out" "views is enabled on the site but its code is missing from platform d7c" \
	"an enabled module missing from the platform"

# bad site input
run_d site import nosuch.example.com --platform nope
is_rc 2 "import onto an unknown platform"
run_d site import nosuch.example.com --platform d7a
is_rc 2 "import of a site with no directory"
has "$T/err" "there is no sites/nosuch.example.com on platform d7a" "names what is missing"
mkdir -p "$T/p/d7b/sites/nosettings.example.com"
run_d site import nosettings.example.com --platform d7b
is_rc 2 "a site without settings.php"
lines "$T/err" 1 "one line"
"$GEN" site --platform "$T/p/d7b" --cms drupal7 --domain notables.example.com \
	--site-dir notables.example.com --db "sqlite:$T/db/notables.sqlite" --missing-table system \
	>/dev/null
run_d site import notables.example.com --platform d7b
[ "$rc" -ne 0 ]
ok $? "a database without the CMS's tables is refused"
has "$T/err" "system" "naming the missing table"
mkdir -p "$T/p/d7b/sites/mysql.example.com"
cat >"$T/p/d7b/sites/mysql.example.com/settings.php" <<'EOF2'
<?php
$databases['default']['default'] = array('driver' => 'mysql', 'database' => 'd7site',
  'username' => 'd7site', 'password' => 'secret', 'host' => 'localhost');
EOF2
run_d site import mysql.example.com --platform d7b
is_rc 2 "a MySQL site with only the SQLite db server configured"
lines "$T/err" 1 "one line"
has "$T/err" "the site's database is mysql database d7site, but db server local is SQLite" \
	"says where it looked"
has "$T/err" "give --db-server with the mysql server it is on" "and what to do"
run_d site list --json
[ "$(json_get "$T/out" 'len(d)')" = "2" ]
ok $? "refused imports recorded nothing"

# --- compare -----------------------------------------------------------------------------------
run_d compare www.example.com --json
is_rc 0 "compare"
json_ok "$T/out" "compare --json is JSON"
cand() { json_get "$T/out" "[c for c in d['candidates'] if c['platform']=='$1'][0]$2"; }
[ "$(cand d7b '["eligible"]')" = "True" ]
ok $? "a newer Drupal 7 platform is eligible"
[ "$(cand d7b '["packages"]' | python3 -c 'import sys,ast; print([p["verdict"] for p in ast.literal_eval(sys.stdin.read()) if p["name"]=="views"][0])')" = "upgrade" ]
ok $? "views: upgrade (7301 -> 7302)"
[ "$(json_get "$T/out" "[p['verdict'] for c in d['candidates'] if c['platform']=='d7b' for p in c['packages'] if p['name']=='legacy'][0]")" = "warning" ]
ok $? "a module missing on the target: warning"
[ "$(json_get "$T/out" "[p['verdict'] for c in d['candidates'] if c['platform']=='d7old' for p in c['packages'] if p['name']=='views'][0]")" = "error" ]
ok $? "a module whose schema would go down: error"
[ "$(cand d7old '["eligible"]')" = "False" ]
ok $? "which blocks that platform"
[ "$(cand d10 '["eligible"]')" = "False" ]
ok $? "Drupal 10 is blocked for a Drupal 7 site"
cand d10 '["blocked_by"][0]' >"$T/reason"
has "$T/reason" "major core change" "as a major core change"
has "$T/reason" "content migration" "pointing to a content migration"
json_get "$T/out" "[c['platform'] for c in d['candidates']]" >"$T/cands"
hasnt "$T/cands" "m1a" "platforms of another CMS are not candidates"
run_d compare www.example.com --to d7old
is_rc 3 "compare --to a blocked platform exits 3"
run_d compare www.example.com --to d7b
is_rc 0 "compare --to an eligible one exits 0"
has "$T/out" "upgrade" "and shows the upgrades"

# A stale answer is never given: change the target's code, compare again.
printf '\nfunction views_update_7309(&$sandbox) {\n}\n' >>"$T/p/d7b/sites/all/modules/views/views.install"
run_d compare www.example.com --to d7b --json
[ "$(json_get "$T/out" "[p['to_schema'] for p in d['candidates'][0]['packages'] if p['name']=='views'][0]")" = "7309" ]
ok $? "a platform changed since its last scan is rescanned before comparing"

# What a site writes while it serves is not a change of its platform's code: uploads (the
# settings' files directory) and what the adapter leaves out of backups (aggregated CSS) are
# left out of the platform's stamp. Site-specific code is not.
d compare www.example.com >/dev/null 2>&1
mkdir -p "$T/p/d7a/sites/www.example.com/files/css" "$T/p/d7a/sites/www.example.com/files/2024"
echo upload >"$T/p/d7a/sites/www.example.com/files/2024/photo.txt"
echo 'body{}' >"$T/p/d7a/sites/www.example.com/files/css/css_x.css"
run_d compare www.example.com
is_rc 0 "compare after an upload and a CSS aggregate"
hasnt "$T/err" "d7a changed since its last scan" "does not rescan the site's platform for them"
mkdir -p "$T/p/d7a/sites/www.example.com/modules/mine"
printf 'name = Mine\ncore = 7.x\n' >"$T/p/d7a/sites/www.example.com/modules/mine/mine.info"
printf '<?php\n' >"$T/p/d7a/sites/www.example.com/modules/mine/mine.module"
run_d compare www.example.com
has "$T/err" "d7a changed since its last scan" "a module added to the site's directory is a change"
run_d platform show d7a --json
json_get "$T/out" "[p['name'] for p in d['packages']]" >"$T/pk"
has "$T/pk" "'mine'" "found by the rescan"
rm -r "$T/p/d7a/sites/www.example.com/modules/mine"
d compare www.example.com >/dev/null 2>&1

# --- Magento -----------------------------------------------------------------------------------
"$GEN" site --platform "$T/p/m1a" --cms magento1 --domain shop1.example.com \
	--db "sqlite:$T/data/databases/shop1.sqlite" >/dev/null
run_d site import shop1.example.com --platform m1a
is_rc 0 "import a Magento 1 site (its database on drover's SQLite server)"
run_d site verify shop1.example.com
is_rc 0 "verify it"
"$GEN" platform --cms magento1 --out "$T/p/m1b" --modules 3 --seed 2 >/dev/null
d platform add m1b "$T/p/m1b" >/dev/null 2>&1
run_d compare shop1.example.com --json
[ "$(cand m1b '["eligible"]')" = "True" ]
ok $? "an empty Magento 1 platform is eligible"
[ "$(json_get "$T/out" "any('major core change' in r for c in d['candidates'] if c['platform']=='om' for r in c['blocked_by'])")" = "False" ]
ok $? "OpenMage is on the Magento 1 line: no major core change"
[ "$(cand m2 '["eligible"]')" = "False" ]
ok $? "Magento 2 is blocked for a Magento 1 site"
"$GEN" site --platform "$T/p/m1b" --cms magento1 --domain shop2.example.com \
	--db "sqlite:$T/data/databases/shop2.sqlite" >/dev/null
d site import shop2.example.com --platform m1b >/dev/null 2>&1
run_d compare shop1.example.com --to m1b
is_rc 3 "a Magento platform that already hosts a site is refused"
has "$T/out" "already hosts a site" "and says why"
run_d site import shop3.example.com --platform m1b
is_rc 3 "a second site on one Magento platform is refused at import"

# --- platform remove ---------------------------------------------------------------------------
run_d platform remove d7a
is_rc 3 "a platform with sites cannot be removed"
has "$T/err" "still hosts 1 site" "says how many"
run_d platform remove d10
is_rc 0 "an empty one can"

done_testing

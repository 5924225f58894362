#!/bin/sh
# t_migrate.sh: migrate, rename, clone, delete and rollback through the command line, on SQLite
# sites of generated platforms (tests/fixtures/gen/drover-fixture) for Drupal 7, Drupal 10,
# OpenMage and Magento 2; updates run by tests/fixtures/update-runner (a test double of drush
# and setup:upgrade, configured as each adapter's update_command). Also: --dry-run, each
# refusal (exit 3, one line), and a second task on a busy site.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/lib_sites.sh"

sites_config "$T/drover.cfg" "$T/data"
CFG="$T/drover.cfg" DATA_DIR="$T/data" SITE_DB_DIRS="$T/db" MYSQL_DEFAULTS_FILE="" DB_TAG=""
export CFG DATA_DIR SITE_DB_DIRS MYSQL_DEFAULTS_FILE DB_TAG
d() { "$DROVER" --config "$CFG" "$@"; }
run_d() { run --config "$CFG" "$@"; }
mkdir -p "$T/db" "$T/data/databases"

# sql DB QUERY: rows, columns joined by '|'
sql() {
	python3 -c 'import sqlite3,sys
for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print("|".join(str(c) for c in r))' "$1" "$2"
}
sha() { sha256sum <"$1" | cut -d' ' -f1; }
db_of() { d site list --json | python3 -c 'import json,sys; print([s["database"] for s in json.load(sys.stdin) if s["domain"]==sys.argv[1]][0])' "$1"; }
platform_of() { d site list --json | python3 -c 'import json,sys; print(([s["platform"] for s in json.load(sys.stdin) if s["domain"]==sys.argv[1]]+["(none)"])[0])' "$1"; }
schema_of() { # DOMAIN PACKAGE: the schema `site show` records
	d site show "$1" --json | python3 -c 'import json,sys; print([p["schema"] for p in json.load(sys.stdin)["packages"] if p["name"]==sys.argv[1]][0])' "$2"
}
last_task() { d tasks --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])'; }
state_check() { # MODE DESCRIPTION [check options]: the whole state against $T/before.json
	m=$1 desc=$2
	shift 2
	"$STATE" check "$m" "$T/before.json" "$T/after.json" "$@" >"$T/why"
	ok $? "$desc"
	cat "$T/why"
}
snap() { "$STATE" snap "$T/before.json"; }
steps_done() { # TASK STEPS...: task show lists exactly these steps, all done
	t=$1
	shift
	d task show "$t" --json >"$T/task.json"
	got=$(json_get "$T/task.json" '" ".join(s["name"] + ":" + s["state"] for s in d["steps"])')
	want=$(for s in "$@"; do printf '%s:done ' "$s"; done)
	[ "$got " = "$want" ]
	ok $? "task show $t: every step done ($*)"
	[ "$got " = "$want" ] || diag "got: $got"
}
MOVE="preflight maintenance backup create_db place_files import update verify switch cleanup"

# --- platforms and sites -----------------------------------------------------------------------
"$GEN" platform --cms drupal7 --core-version 7.101 --out "$T/p/d7a" --modules 3 --seed 1 \
	--module views:7.x-3.20:7301 --module ctools:7.x-1.15:7100 --module legacy:7.x-1.0:7000 >/dev/null
"$GEN" platform --cms drupal7 --core-version 7.103 --out "$T/p/d7b" --modules 3 --seed 1 \
	--module views:7.x-3.24:7302 --module ctools:7.x-1.19:7100 --module legacy:7.x-1.0:7000 >/dev/null
cp -a "$T/p/d7b" "$T/p/d7c" # the same code, empty: for clone --force and the busy site
"$GEN" platform --cms drupal7 --core-version 7.103 --out "$T/p/d7nolegacy" --modules 3 --seed 1 \
	--module views:7.x-3.24:7302 --module ctools:7.x-1.19:7100 >/dev/null
"$GEN" platform --cms drupal7 --core-version 7.103 --out "$T/p/d7old" --modules 3 --seed 1 \
	--module views:7.x-3.10:7205 --module ctools:7.x-1.15:7100 --module legacy:7.x-1.0:7000 >/dev/null
"$GEN" platform --cms drupal10 --out "$T/p/d10x" --modules 3 --seed 1 >/dev/null
for p in d7a d7b d7c d7nolegacy d7old d10x; do
	d platform add $p "$T/p/$p" >/dev/null 2>&1
done
"$GEN" site --platform "$T/p/d7a" --cms drupal7 --domain www.example.com --site-dir www.example.com \
	--db "sqlite:$T/db/www.sqlite" --rows 3 >/dev/null
site_content "$T/p/d7a" drupal7 sites/www.example.com
run_d site import www.example.com --platform d7a
is_rc 0 "a Drupal 7 site on d7a"
photo=$(sha "$T/p/d7a/sites/www.example.com/files/images/2024/photo.jpg")

# --- --dry-run ---------------------------------------------------------------------------------
snap
run_d migrate www.example.com --to d7b --dry-run
is_rc 0 "migrate --dry-run"
has "$T/out" "migrate www.example.com: d7a -> d7b (sites/www.example.com)" "prints the plan"
has "$T/out" "10. cleanup" "with every step"
has "$T/out" "verdict: eligible" "and the verdict"
has "$T/out" "views" "naming the upgrade"
state_check unchanged "and changes nothing (registry, journal, files, databases)"
run_d migrate www.example.com --to d7old --dry-run
is_rc 3 "--dry-run onto a platform that would downgrade a module"
has "$T/out" "verdict: BLOCKED" "says BLOCKED"
state_check unchanged "and changes nothing"

# --- refusals: exit 3, one line, the site where it was -----------------------------------------
refused() { # DESCRIPTION TEXT
	is_rc 3 "$1"
	diag "$(cat "$T/err")"
	lines "$T/err" 1 "in one line"
	has "$T/err" "$2" "saying why"
	"$STATE" check rolled_back "$T/before.json" "$T/after.json" >"$T/why"
	ok $? "the site is where it was, untouched (the task was rolled back)"
	cat "$T/why"
	cp "$T/after.json" "$T/before.json"
}
run_d migrate www.example.com --to d7old
refused "a schema downgrade on the target is refused" \
	"views: schema would go down: the site is at 7301, the target's code at 7205"
has "$T/err" "refused: www.example.com cannot move to platform d7old" "naming the site and platform"
run_d migrate www.example.com --to d10x
refused "a major core change (Drupal 7 -> 10) is refused" "major core change"
run_d migrate www.example.com --to d7nolegacy --strict
refused "--strict refuses a warning (a module missing on the target)" \
	"would be disabled on d7nolegacy (legacy: missing on the target"
has "$T/err" "--strict" "and says --strict did"
mkdir "$T/p/d7b/sites/www.example.com"
snap
run_d migrate www.example.com --to d7b --dry-run
is_rc 3 "--dry-run onto a platform that already has the site directory"
run_d migrate www.example.com --to d7b
refused "a target that already has the site directory is refused before the backup" \
	"refused: platform d7b already has sites/www.example.com: another site's?"
rmdir "$T/p/d7b/sites/www.example.com"

# --- an update that fails: the task is rolled back, the runner's words in the one line ---------
sed 's|--cms drupal |--cms drupal --fail views_update_7302:_the_views_display_table_is_missing |' \
	"$CFG" >"$T/fail.cfg"
snap
run --config "$T/fail.cfg" migrate www.example.com --to d7b
is_rc 1 "a migrate whose updates fail"
has "$T/err" "views_update_7302:_the_views_display_table_is_missing" "says what the update run said"
has "$T/err" "was rolled back" "and that the task was rolled back"
state_check rolled_back "the site is where it was, online, nothing left behind"
d task show "$(last_task)" >"$T/show"
has "$T/show" "ran update-runner: exit 1; its output:" "the task log keeps the update run's exit status"
has "$T/show" "| update-runner: views_update_7302:_the_views_display_table_is_missing" "and its output"

# --- migrate, Drupal 7 -> 7 --------------------------------------------------------------------
snap
run_d migrate www.example.com --to d7b
is_rc 0 "migrate a Drupal 7 site to a platform with newer module code"
tid=$(last_task)
has "$T/out" "migrated: www.example.com on platform d7b (task $tid; backup" "and says so"
state_check moved "the new state is whole: files moved byte for byte, the database copied, nothing left behind" \
	--domain www.example.com --platform d7b --kind migrate
[ "$(schema_of www.example.com views)" = 7302 ]
ok $? "site show: views at 7302 (the registry recorded the migrated database)"
run_d site verify www.example.com
is_rc 0 "site verify afterwards"
has "$T/out" "every package is at its code's schema" "no pending updates"
db=$(db_of www.example.com)
[ "$(platform_of www.example.com)" = d7b ] && [ "$db" != "$T/db/www.sqlite" ] && [ -f "$db" ]
ok $? "registered on d7b with a new database ($db)"
m=$(sql "$db" "SELECT value FROM variable WHERE name = 'maintenance_mode'")
[ -z "$m" ] || [ "$m" = "i:0;" ]
ok $? "back online (maintenance_mode: ${m:-absent})"
[ ! -e "$T/p/d7a/sites/www.example.com" ]
ok $? "the old site directory is gone"
[ ! -e "$T/db/www.sqlite" ]
ok $? "the old database is gone"
[ "$(sha "$T/p/d7b/sites/www.example.com/files/images/2024/photo.jpg")" = "$photo" ]
ok $? "an upload arrived byte for byte"
d backups --json >"$T/b.json"
bid=$(json_get "$T/b.json" "[b['id'] for b in d if b['task'] == $tid][0]")
bpath=$(json_get "$T/b.json" "[b['path'] for b in d if b['task'] == $tid][0]")
[ -f "$bpath" ]
ok $? "the backup is kept ($bpath)"
run_d backups www.example.com
has "$T/out" "$bpath" "and listed by backups"
run_d backup verify "$bid"
is_rc 0 "and verifies"
d tasks --json >"$T/t.json"
[ "$(json_get "$T/t.json" "[t['state'] for t in d if t['id'] == $tid][0]")" = "done" ]
ok $? "tasks: task $tid done"
# shellcheck disable=SC2086 # one argument per step
steps_done "$tid" $MOVE

# --- rollback ----------------------------------------------------------------------------------
run_d rollback "$tid"
is_rc 0 "rollback of the migrate"
[ "$(platform_of www.example.com)" = d7a ]
ok $? "the site is on d7a again"
[ -f "$T/p/d7a/sites/www.example.com/settings.php" ] && [ ! -e "$T/p/d7b/sites/www.example.com" ]
ok $? "its files are back on d7a, gone from d7b"
[ "$(sha "$T/p/d7a/sites/www.example.com/files/images/2024/photo.jpg")" = "$photo" ]
ok $? "byte for byte"
[ "$(schema_of www.example.com views)" = 7301 ]
ok $? "views at 7301 again, from the kept backup"
run_d site verify www.example.com
is_rc 0 "and it verifies"
m=$(sql "$(db_of www.example.com)" "SELECT value FROM variable WHERE name = 'maintenance_mode'")
[ -z "$m" ] || [ "$m" = "i:0;" ]
ok $? "online"
run_d backups www.example.com --json
[ "$(json_get "$T/out" "[b['path'] for b in d if b['id'] == $bid][0]")" = "$bpath" ]
ok $? "the backup stays in the catalog"
run_d migrate www.example.com --to d7b
is_rc 0 "migrate again"

# --- rename ------------------------------------------------------------------------------------
snap
run_d rename www.example.com new.example.com
is_rc 0 "rename"
has "$T/out" "renamed: new.example.com on platform d7b" "says so"
run_d site list --json
[ "$(json_get "$T/out" "sorted(s['domain'] for s in d)")" = "['new.example.com']" ]
ok $? "the registry knows it as new.example.com only"
[ -f "$T/p/d7b/sites/new.example.com/settings.php" ] && [ ! -e "$T/p/d7b/sites/www.example.com" ]
ok $? "sites/www.example.com became sites/new.example.com"
state_check moved "the new state is whole" --domain www.example.com --to-domain new.example.com --kind rename
run_d site verify new.example.com
is_rc 0 "it verifies under its new name"

# A site in maintenance mode before a move is in it afterwards, as an undo would leave it.
python3 -c 'import sqlite3,sys
c = sqlite3.connect(sys.argv[1])
c.execute("INSERT OR REPLACE INTO variable (name, value) VALUES (?, ?)", ("maintenance_mode", sys.argv[2]))
c.commit()' "$(db_of new.example.com)" 'i:1;'
run_d rename new.example.com held.example.com
is_rc 0 "rename a site in maintenance mode"
m=$(sql "$(db_of held.example.com)" "SELECT value FROM variable WHERE name = 'maintenance_mode'")
[ "$m" = "i:1;" ]
ok $? "it is still in maintenance mode (maintenance_mode: ${m:-absent})"
python3 -c 'import sqlite3,sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE variable SET value = ? WHERE name = ?", (sys.argv[2], "maintenance_mode"))
c.commit()' "$(db_of held.example.com)" 'i:0;'
run_d rename held.example.com new.example.com
is_rc 0 "and renamed back, online"

# --- clone -------------------------------------------------------------------------------------
snap
run_d clone new.example.com copy.example.com
is_rc 0 "clone in place"
state_check cloned "the source is untouched and online, the clone registered and whole" \
	--domain new.example.com --to-domain copy.example.com --kind clone
m=$(sql "$(db_of new.example.com)" "SELECT value FROM variable WHERE name = 'maintenance_mode'")
[ -z "$m" ] || [ "$m" = "i:0;" ]
ok $? "the source stayed online"
run_d site verify copy.example.com
is_rc 0 "the clone verifies"
[ "$(platform_of copy.example.com)" = d7b ]
ok $? "on the same platform"
snap
run_d clone new.example.com far.example.com --platform d7c
is_rc 3 "a clone onto another platform is refused without --force"
lines "$T/err" 1 "in one line"
has "$T/err" "--force" "naming --force"
state_check unchanged "nothing changed"
run_d clone new.example.com far.example.com --platform d7c --force
is_rc 0 "allowed with --force"
[ "$(platform_of far.example.com)" = d7c ]
ok $? "the clone is on d7c"
run_d site verify far.example.com
is_rc 0 "and verifies"

# --- delete ------------------------------------------------------------------------------------
snap
cdb=$(db_of copy.example.com)
run_d delete copy.example.com --yes
is_rc 0 "delete"
tid=$(last_task)
run_d backups copy.example.com --json
[ "$(json_get "$T/out" "len([b for b in d if b['task'] == $tid])")" = 1 ]
ok $? "a backup first, listed in backups"
run_d backup verify "$(json_get "$T/out" "[b['id'] for b in d if b['task'] == $tid][0]")"
is_rc 0 "which verifies"
[ ! -e "$T/p/d7b/sites/copy.example.com" ] && [ ! -e "$cdb" ]
ok $? "its files and database are gone"
[ "$(platform_of copy.example.com)" = "(none)" ]
ok $? "it is gone from site list"
state_check deleted "nothing else changed" --domain copy.example.com --kind delete
steps_done "$tid" preflight maintenance backup forget cleanup

# --- OpenMage ----------------------------------------------------------------------------------
"$GEN" platform --cms openmage --out "$T/p/oma" --modules 3 --seed 2 --module Acme_Blog:1.2.0:1.2.0 >/dev/null
cp -a "$T/p/oma" "$T/p/omc"
"$GEN" platform --cms openmage --out "$T/p/omb" --modules 3 --seed 2 --module Acme_Blog:1.3.0:1.3.0 >/dev/null
for p in oma omb omc; do d platform add $p "$T/p/$p" >/dev/null 2>&1; done
"$GEN" site --platform "$T/p/oma" --cms openmage --domain shop.example.com \
	--db "sqlite:$T/data/databases/shop.sqlite" --rows 2 >/dev/null
site_content "$T/p/oma" openmage
"$GEN" site --platform "$T/p/omc" --cms openmage --domain other.example.com \
	--db "sqlite:$T/data/databases/other.sqlite" >/dev/null
d site import shop.example.com --platform oma >/dev/null 2>&1
d site import other.example.com --platform omc >/dev/null 2>&1
snap
run_d migrate shop.example.com --to omc
is_rc 3 "a Magento platform already hosting a site is refused"
lines "$T/err" 1 "in one line"
has "$T/err" "already hosts a site" "saying why"
state_check unchanged "nothing changed"
run_d rename shop.example.com shop2.example.com
[ "$rc" -ne 0 ]
ok $? "renaming a Magento site in place is refused (exit $rc): one site per platform"
has "$T/err" "migrate it with --rename to an empty platform" "pointing to migrate --rename"
snap
run_d migrate shop.example.com --to omb
is_rc 0 "migrate an OpenMage site to a platform with a newer module"
tid=$(last_task)
state_check moved "the new state is whole" --domain shop.example.com --platform omb --kind migrate
[ ! -e "$T/p/omb/maintenance.flag" ] && [ ! -e "$T/p/oma/maintenance.flag" ]
ok $? "maintenance.flag is absent afterwards"
[ "$(schema_of shop.example.com Acme_Blog)" = 1.3.0 ]
ok $? "site show: Acme_Blog at 1.3.0"
run_d site verify shop.example.com
is_rc 0 "site verify: no pending updates"
[ ! -e "$T/p/oma/app/etc/local.xml" ] && [ ! -e "$T/p/oma/media" ] && [ -f "$T/p/omb/app/etc/local.xml" ]
ok $? "the old copy is gone from oma"
# shellcheck disable=SC2086 # one argument per step
steps_done "$tid" $MOVE
run_d rollback "$tid"
is_rc 0 "rollback"
[ "$(platform_of shop.example.com)" = oma ] && [ "$(schema_of shop.example.com Acme_Blog)" = 1.2.0 ] &&
	[ ! -e "$T/p/omb/app/etc/local.xml" ] && [ ! -e "$T/p/oma/maintenance.flag" ]
ok $? "the site is on oma again, at 1.2.0, online, gone from omb"
# Every OpenMage release ships media/ and var/ with its code (their .htaccess, a logo): the site's
# copies replace them, what only the platform has stays, and a rollback puts them back as they were.
mkdir -p "$T/p/omb/media/dhl" "$T/p/omb/var"
printf 'Deny from all\n' >"$T/p/omb/var/.htaccess"
printf 'Options -Indexes\n' >"$T/p/omb/media/.htaccess"
head -c 500 /dev/urandom >"$T/p/omb/media/dhl/logo.jpg"
(cd "$T/p/omb" && find media var -type f | sort | xargs sha256sum) >"$T/shipped.sum"
DROVER_FAILPOINT=migrate.update.before=error "$DROVER" --config "$CFG" migrate shop.example.com \
	--to omb >/dev/null 2>&1
[ $? -eq 1 ]
ok $? "a migrate onto a platform that ships media/ and var/ fails at the update (a failpoint)"
(cd "$T/p/omb" && find media var -type f | sort | xargs sha256sum) | cmp -s - "$T/shipped.sum" &&
	[ -z "$(find "$T/p/omb" -maxdepth 1 -name '.drover-*')" ] && [ ! -e "$T/p/omb/app/etc/local.xml" ]
ok $? "and the rollback puts the platform's own media/ and var/ back, byte for byte"
run_d migrate shop.example.com --to omb
is_rc 0 "the migrate succeeds"
[ -f "$T/p/omb/media/catalog/product/a/b/shoe.jpg" ] && [ -f "$T/p/omb/var/log/system.log" ] &&
	[ "$(cat "$T/p/omb/media/.htaccess")" = "Options -Indexes" ]
ok $? "the site's files are in place, and the platform's .htaccess where the site had none"
[ -f "$T/p/omb/media/dhl/logo.jpg" ] && [ -f "$T/p/omb/var/.htaccess" ] &&
	[ -z "$(find "$T/p/omb" -maxdepth 1 -name '.drover-*')" ]
ok $? "with every file only the platform had, and nothing set aside left behind"
run_d rollback "$(last_task)"
is_rc 0 "rollback"
# Without update_command a Magento 1 move runs m1-update.php; when it is missing, the task fails
# like any other (exit 1, rolled back), though the error is "not found".
cat >"$T/norunner.cfg" <<CFG
data_dir = "$T/data";
builtin_plugins = false;
plugin_dirs = [ "$SHIPPED_ADAPTERS" ];
adapters: { magento: { m1_runner = "$T/no-such-m1-update.php"; }; };
CFG
snap
run --config "$T/norunner.cfg" migrate shop.example.com --to omb
is_rc 1 "a missing Magento 1 update runner fails the migrate"
has "$T/err" "update runner $T/no-such-m1-update.php is missing" "naming the runner"
has "$T/err" "was rolled back" "and saying the task was rolled back"
state_check rolled_back "the site is where it was"

# --- Drupal 10 -> 10: drush is absent, update_command runs the updates --------------------------
"$GEN" platform --cms drupal10 --out "$T/p/d10a" --modules 3 --seed 3 --module acme_tools:1.0.0:10100 >/dev/null
"$GEN" platform --cms drupal10 --out "$T/p/d10b" --modules 3 --seed 3 --module acme_tools:1.1.0:10102 >/dev/null
for p in d10a d10b; do d platform add $p "$T/p/$p" >/dev/null 2>&1; done
"$GEN" site --platform "$T/p/d10a" --cms drupal10 --domain d10.example.com --site-dir d10.example.com \
	--db "sqlite:$T/db/d10.sqlite" --rows 2 >/dev/null
site_content "$T/p/d10a" drupal10 sites/d10.example.com
d site import d10.example.com --platform d10a >/dev/null 2>&1
# Without update_command there is nothing to run Drupal 10's updates with: the move fails.
cat >"$T/nodrush.cfg" <<CFG
data_dir = "$T/data";
builtin_plugins = false;
plugin_dirs = [ "$SHIPPED_ADAPTERS" ];
CFG
snap
run --config "$T/nodrush.cfg" migrate d10.example.com --to d10b
is_rc 1 "without drush or update_command a Drupal 10 migrate fails"
has "$T/err" "vendor/bin/drush" "saying drush is missing"
has "$T/err" "update_command" "and what to set"
state_check rolled_back "and is rolled back: the site is where it was"
snap
run_d migrate d10.example.com --to d10b
is_rc 0 "with update_command, migrate a Drupal 10 site"
state_check moved "the new state is whole" --domain d10.example.com --platform d10b --kind migrate
[ "$(schema_of d10.example.com acme_tools)" = 10102 ]
ok $? "site show: acme_tools at 10102"
run_d site verify d10.example.com
is_rc 0 "site verify: no pending updates"
m=$(sql "$(db_of d10.example.com)" "SELECT value FROM key_value WHERE collection = 'state' AND name = 'system.maintenance_mode'")
[ -z "$m" ] || [ "$m" = "b:0;" ]
ok $? "online (system.maintenance_mode: ${m:-absent})"

# --- Magento 2 -> 2 ----------------------------------------------------------------------------
"$GEN" platform --cms magento2 --out "$T/p/m2a" --modules 3 --seed 4 --module Acme_Blog:1.0.0:2.0.1 >/dev/null
"$GEN" platform --cms magento2 --out "$T/p/m2b" --modules 3 --seed 4 --module Acme_Blog:1.0.1:2.0.2 >/dev/null
for p in m2a m2b; do d platform add $p "$T/p/$p" >/dev/null 2>&1; done
"$GEN" site --platform "$T/p/m2a" --cms magento2 --domain m2.example.com \
	--db "sqlite:$T/data/databases/m2.sqlite" --rows 2 >/dev/null
site_content "$T/p/m2a" magento2
d site import m2.example.com --platform m2a >/dev/null 2>&1
snap
run_d migrate m2.example.com --to m2b
is_rc 0 "migrate a Magento 2 site"
state_check moved "the new state is whole" --domain m2.example.com --platform m2b --kind migrate
[ "$(schema_of m2.example.com Acme_Blog)" = 2.0.2 ]
ok $? "site show: Acme_Blog at 2.0.2"
run_d site verify m2.example.com
is_rc 0 "site verify: no pending updates"
[ ! -e "$T/p/m2b/var/.maintenance.flag" ] && [ ! -e "$T/p/m2a/var" ] && [ ! -e "$T/p/m2a/app/etc/env.php" ]
ok $? "online, and the old copy is gone"

# --- a busy site -------------------------------------------------------------------------------
"$GEN" site --platform "$T/p/d7b" --cms drupal7 --domain busy.example.com --site-dir busy.example.com \
	--db "sqlite:$T/db/busy.sqlite" >/dev/null
d site import busy.example.com --platform d7b >/dev/null 2>&1
DROVER_FAILPOINT=migrate.update.before=kill "$DROVER" --config "$CFG" migrate busy.example.com --to d7c \
	>"$T/out" 2>"$T/err"
rc=$?
is_rc 137 "a migrate killed in the middle (failpoint migrate.update.before=kill)"
killed=$(last_task)
d tasks --json >"$T/t.json"
[ "$(json_get "$T/t.json" "[t['state'] for t in d if t['id'] == $killed][0]")" = running ]
ok $? "leaves its task running in the journal, holding the site"
run_d migrate busy.example.com --to d7c
is_rc 0 "the next migrate of the site"
has "$T/err" "recovered 1 interrupted task first" "recovers the dead one first"
d tasks --json >"$T/t.json"
[ "$(json_get "$T/t.json" "[t['state'] for t in d if t['id'] == $killed][0]")" = rolled_back ]
ok $? "which is rolled back"
[ "$(platform_of busy.example.com)" = d7c ]
ok $? "and then proceeds: the site is on d7c"

# A live holder: a migrate whose update runner waits until released.
sed "s|--cms drupal |--cms drupal --hold $T/hold |" "$CFG" >"$T/hold.cfg"
"$DROVER" --config "$T/hold.cfg" migrate busy.example.com --to d7b >"$T/bg.out" 2>"$T/bg.err" &
bg=$!
i=0
while [ ! -e "$T/hold/started" ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -e "$T/hold/started" ]
ok $? "a migrate is running (its update runner waits)"
holder=$(last_task)
run_d migrate busy.example.com --to d7b
[ "$rc" -ne 0 ]
ok $? "a second migrate of the busy site is refused (exit $rc)"
lines "$T/err" 1 "in one line"
has "$T/err" "busy: task $holder" "naming the task that holds it"
diag "$(cat "$T/err")"
run_d delete busy.example.com --yes
[ "$rc" -ne 0 ] && grep -qF "busy: task $holder" "$T/err"
ok $? "so is a delete"
run_d recover
has "$T/out" "0 interrupted tasks settled" "recover leaves a live task alone"
touch "$T/hold/release"
wait $bg
bgrc=$?
[ $bgrc -eq 0 ]
ok $? "once released, the first migrate completes"
[ $bgrc -eq 0 ] || sed 's/^/#   /' "$T/bg.err"
[ "$(platform_of busy.example.com)" = d7b ]
ok $? "the site is on d7b"

# --- modules missing on the target --------------------------------------------------------------
# compare calls them warnings, "to be disabled by the update": Drupal 7 to 9.0 disable them in
# update.php's update_fix_compatibility() (the update runner double does too), Magento loads no
# module the platform does not declare. Drupal 9.1 and later keep them: the migrate must fail at
# verify and roll back, not leave a site whose `site verify` reports an error.
"$GEN" site --platform "$T/p/d7a" --cms drupal7 --domain gone.example.com --site-dir gone.example.com \
	--db "sqlite:$T/db/gone.sqlite" >/dev/null
d site import gone.example.com --platform d7a >/dev/null 2>&1
[ "$(sql "$T/db/gone.sqlite" "SELECT status FROM system WHERE name = 'legacy'")" = 1 ]
ok $? "Drupal 7: legacy is enabled on gone.example.com"
run_d migrate gone.example.com --to d7nolegacy
is_rc 0 "Drupal 7: a migrate to a platform without legacy"
has "$T/err" "legacy was enabled before the move and is not now" "names the module it disabled"
[ "$(sql "$(db_of gone.example.com)" "SELECT status FROM system WHERE name = 'legacy'")" = 0 ]
ok $? "legacy is disabled in the new database (system.status 0)"
run_d site verify gone.example.com
is_rc 0 "site verify afterwards"
hasnt "$T/out" "error:" "with no error"

"$GEN" platform --cms drupal8 --out "$T/p/d8a" --modules 2 --seed 5 --module acme_tools:1.0.0:8100 >/dev/null
"$GEN" platform --cms drupal8 --out "$T/p/d8b" --modules 2 --seed 5 >/dev/null
for p in d8a d8b; do d platform add $p "$T/p/$p" >/dev/null 2>&1; done
"$GEN" site --platform "$T/p/d8a" --cms drupal8 --domain d8.example.com --site-dir d8.example.com \
	--db "sqlite:$T/db/d8.sqlite" >/dev/null
d site import d8.example.com --platform d8a >/dev/null 2>&1
ext() { sql "$1" "SELECT data FROM config WHERE collection = '' AND name = 'core.extension'"; }
ext "$T/db/d8.sqlite" | grep -q '"acme_tools"'
ok $? "Drupal 8.9: acme_tools is in core.extension"
run_d migrate d8.example.com --to d8b
is_rc 0 "Drupal 8.9: a migrate to a platform without acme_tools"
has "$T/err" "acme_tools was enabled before the move and is not now" "names the module"
! ext "$(db_of d8.example.com)" | grep -q '"acme_tools"'
ok $? "the update took it out of core.extension"
run_d site verify d8.example.com
is_rc 0 "site verify afterwards"
hasnt "$T/out" "error:" "with no error"

"$GEN" platform --cms drupal10 --out "$T/p/d10none" --modules 3 --seed 3 >/dev/null
d platform add d10none "$T/p/d10none" >/dev/null 2>&1
run_d compare d10.example.com --to d10none
has "$T/out" "missing on the target: to be disabled by the update" "Drupal 10: compare warns of acme_tools"
snap
run_d migrate d10.example.com --to d10none
is_rc 1 "Drupal 10: the migrate fails (Drupal 9.1 and later keep a missing module enabled)"
has "$T/err" "acme_tools is still enabled but not on platform d10none" "naming the module"
has "$T/err" "was rolled back" "and saying the task was rolled back"
state_check rolled_back "the site is where it was, online, nothing left behind"

"$GEN" platform --cms openmage --out "$T/p/omnone" --modules 3 --seed 2 >/dev/null
d platform add omnone "$T/p/omnone" >/dev/null 2>&1
run_d migrate shop.example.com --to omnone
is_rc 0 "OpenMage: a migrate to a platform without Acme_Blog"
has "$T/err" "Acme_Blog was enabled before the move and is not now" "names the module"
run_d site verify shop.example.com
is_rc 0 "site verify afterwards"
hasnt "$T/out" "error:" "with no error (Magento runs nothing of a module it does not declare)"

# --- migrate --all-from: every site of a platform, each its own task -----------------------------
"$GEN" platform --cms drupal7 --core-version 7.101 --out "$T/p/bf" --modules 3 --seed 1 \
	--module views:7.x-3.20:7301 --module ctools:7.x-1.15:7100 >/dev/null
"$GEN" platform --cms drupal7 --core-version 7.103 --out "$T/p/bt" --modules 3 --seed 1 \
	--module views:7.x-3.24:7302 --module ctools:7.x-1.19:7100 >/dev/null
for p in bf bt; do d platform add $p "$T/p/$p" >/dev/null 2>&1; done
for s in b1 b2 b3; do
	extra=
	[ $s = b2 ] && extra="--schema views:7303"
	# shellcheck disable=SC2086 # the option and its value
	"$GEN" site --platform "$T/p/bf" --cms drupal7 --domain $s.example.com --site-dir $s.example.com \
		--db "sqlite:$T/db/$s.sqlite" $extra >/dev/null
	d site import $s.example.com --platform bf >/dev/null 2>&1
done
run_d migrate --all-from bf b1.example.com --to bt
is_rc 2 "--all-from with a site DOMAIN is a usage error"
run_d migrate --all-from nosuch --to bt
is_rc 2 "--all-from an unknown platform"
has "$T/err" "no platform named nosuch" "says so"
snap
run_d migrate --all-from bf --to bt --dry-run --json
is_rc 3 "--all-from --dry-run: exit 3, one site would be refused"
json_get "$T/out" '" ".join("%s:%s" % (p["site"], p["eligible"]) for p in d)' >"$T/plans"
[ "$(cat "$T/plans")" = "b1.example.com:True b2.example.com:False b3.example.com:True" ]
ok $? "--json: one plan per site, with its verdict ($(cat "$T/plans"))"
state_check unchanged "and changes nothing"
run_d migrate --all-from bf --to bt
is_rc 3 "--all-from: exit 3 when a site was refused and none failed"
has "$T/out" "bf -> bt: 2 sites migrated, 1 refused, 0 failed" "a summary line"
has "$T/err" "b2.example.com cannot move to platform bt" "the refusal, in its one line"
[ "$(platform_of b1.example.com) $(platform_of b2.example.com) $(platform_of b3.example.com)" = "bt bf bt" ]
ok $? "b1 and b3 moved to bt, b2 stayed on bf, each its own task"
run_d site verify b3.example.com
is_rc 0 "a moved site verifies"
[ "$(schema_of b3.example.com views)" = 7302 ]
ok $? "with its updates run (views at 7302)"

done_testing

#!/bin/sh
# t_adapter_check.sh: `drover adapter check`, the conformance kit. The shipped adapters pass it,
# bare and on generated platforms and SQLite sites (tests/fixtures/gen/drover-fixture); fixture
# adapters that break one clause each (tests/fixtures/adapters/fixture.c) fail that clause and
# no other.
. "$top_srcdir/tests/cli/lib.sh"

GEN="$top_srcdir/tests/fixtures/gen/drover-fixture"
cat >"$T/drover.cfg" <<CFG
data_dir = "$T/data";
builtin_plugins = false;
adapters: { drupal: { update_command = "false"; }; };
CFG
chk() { run --config "$T/drover.cfg" adapter check "$@"; }

# only_fail CLAUSE DESCRIPTION: exactly one FAIL line, and it is CLAUSE's.
only_fail() {
	[ "$(grep -c '^FAIL' "$T/out")" -eq 1 ] && grep -q "^FAIL $1: " "$T/out"
	st=$?
	ok $st "$2"
	[ $st -eq 0 ] || sed 's/^/#   /' "$T/out"
}

# all_pass DESCRIPTION: no FAIL line, and every line is a verdict or the summary.
all_pass() {
	! grep -q '^FAIL' "$T/out" && ! grep -vqE '^(ok|FAIL|skip) [a-z_ :]+: |^[a-z]+\.so: ' "$T/out"
	st=$?
	ok $st "$1"
	[ $st -eq 0 ] || sed 's/^/#   /' "$T/out"
}

# --- usage -------------------------------------------------------------------------------------
run adapter
is_rc 2 "adapter without a subcommand"
run adapter frob
is_rc 2 "an unknown subcommand"
run adapter check
is_rc 2 "check without a file"
run adapter check "$T/nope.so"
is_rc 2 "a file that is not there"
run adapter check "$SHIPPED_ADAPTERS/drupal.so" "$SHIPPED_ADAPTERS/magento.so"
is_rc 2 "two files"
run adapter check "$SHIPPED_ADAPTERS/drupal.so" --site www.example.com
is_rc 2 "--site without --root"
run adapter check "$SHIPPED_ADAPTERS/drupal.so" --root "$T/nope"
is_rc 2 "--root that is not a directory"
run adapter check "$SHIPPED_ADAPTERS/drupal.so" --bogus
is_rc 2 "an unknown option"
has "$T/err" "unknown option '--bogus'" "names it"

# --- the shipped adapters, bare ----------------------------------------------------------------
for ad in drupal magento; do
	chk "$SHIPPED_ADAPTERS/$ad.so"
	is_rc 0 "$ad passes without --root"
	all_pass "$ad: no clause fails"
	has "$T/out" "ok probe: empty tree: DROVER_E_NOTMINE, no error recorded" "$ad: empty tree"
	has "$T/out" "ok probe: foreign trees: DROVER_E_NOTMINE on wordpress" "$ad: foreign trees"
	has "$T/out" "ok update_run: reports the failure on an empty tree" "$ad: update_run"
	has "$T/out" "ok silent:" "$ad: silent"
	has "$T/out" "ok no leaked descriptors:" "$ad: no leaked descriptors"
	has "$T/out" "ok errors carry a message:" "$ad: errors carry a message"
	has "$T/out" "skip maintenance: needs --root and --site" "$ad: site clauses skipped"
	[ ! -s "$T/err" ]
	ok $? "$ad: nothing on stderr"
done
has "$T/out" "(not probed on its own CMS: magento1, magento2)" "magento is not probed on Magento"

chk "$SHIPPED_ADAPTERS/drupal.so" --json
is_rc 0 "--json"
json_ok "$T/out" "is one JSON document"
[ "$(json_get "$T/out" 'sorted(set(k for c in d for k in c))')" = "['clause', 'detail', 'status']" ]
ok $? "an array of {clause, status, detail}"
[ "$(json_get "$T/out" '[c["status"] for c in d if c["clause"]=="load"][0]')" = "ok" ]
ok $? "load is ok"
[ "$(json_get "$T/out" 'sum(c["status"]=="fail" for c in d)')" = "0" ]
ok $? "nothing fails"

# --- the shipped adapters on sites -------------------------------------------------------------
"$GEN" platform --cms drupal7 --out "$T/p/d7" --modules 3 --seed 1 \
	--site-module www.example.com:shopmod:7.x-1.0:7001 >/dev/null
"$GEN" site --platform "$T/p/d7" --cms drupal7 --domain www.example.com \
	--site-dir www.example.com --db "sqlite:$T/db/d7.sqlite" >/dev/null
"$GEN" platform --cms drupal10 --out "$T/p/d10" --modules 3 --seed 1 >/dev/null
"$GEN" site --platform "$T/p/d10" --cms drupal10 --domain d10.example.com \
	--site-dir d10.example.com --db "sqlite:$T/db/d10.sqlite" >/dev/null
"$GEN" platform --cms magento1 --out "$T/p/m1" --modules 3 --seed 2 >/dev/null
"$GEN" site --platform "$T/p/m1" --cms magento1 --domain shop1.example.com \
	--db "sqlite:$T/data/databases/shop1.sqlite" >/dev/null
"$GEN" platform --cms openmage --out "$T/p/om" --modules 3 --seed 2 >/dev/null
"$GEN" site --platform "$T/p/om" --cms openmage --domain om.example.com \
	--db "sqlite:$T/data/databases/om.sqlite" >/dev/null
"$GEN" platform --cms magento2 --out "$T/p/m2" --modules 3 --seed 2 >/dev/null
"$GEN" site --platform "$T/p/m2" --cms magento2 --domain shop2.example.com \
	--db "sqlite:$T/data/databases/shop2.sqlite" >/dev/null

for s in drupal:d7:www.example.com drupal:d10:d10.example.com magento:m1:shop1.example.com \
	magento:om:om.example.com magento:m2:shop2.example.com; do
	ad=${s%%:*} rest=${s#*:}
	p=${rest%%:*} domain=${rest#*:}
	chk "$SHIPPED_ADAPTERS/$ad.so" --root "$T/p/$p" --site "$domain"
	is_rc 0 "$ad passes on $p with site $domain"
	all_pass "$ad on $p: no clause fails"
	[ "$(grep -c '^skip' "$T/out")" -eq 0 ]
	ok $? "$ad on $p: every clause ran"
	has "$T/out" "ok maintenance: STATUS, ON, ON again, STATUS, OFF, OFF again, STATUS behave; the site was off and is again" \
		"$ad on $p: maintenance round trip"
	has "$T/out" "ok update_run: reports the failure on site $domain with update_command = false: -10" \
		"$ad on $p: update_run fails with DROVER_E_EXEC when the command fails"
done

# The maintenance mode is put back as it was: on stays on.
touch "$T/p/m1/maintenance.flag"
chk "$SHIPPED_ADAPTERS/magento.so" --root "$T/p/m1" --site shop1.example.com
is_rc 0 "magento passes on a site in maintenance"
has "$T/out" "the site was on and is again" "says so"
[ -f "$T/p/m1/maintenance.flag" ]
ok $? "and the site is still in maintenance"
sqlite3 "$T/db/d7.sqlite" "INSERT OR REPLACE INTO variable (name, value) VALUES ('maintenance_mode', 'i:1;')"
chk "$SHIPPED_ADAPTERS/drupal.so" --root "$T/p/d7" --site www.example.com
is_rc 0 "drupal passes on a site in maintenance"
has "$T/out" "the site was on and is again" "says so"
[ "$(sqlite3 "$T/db/d7.sqlite" "SELECT value FROM variable WHERE name = 'maintenance_mode'")" = "i:1;" ]
ok $? "and the Drupal 7 site is still in maintenance"

# A site that is not there: one usage line.
chk "$SHIPPED_ADAPTERS/drupal.so" --root "$T/p/d7" --site nosuch.example.com
is_rc 2 "a Drupal site without a directory"
has "$T/err" "give --site-dir" "says what to give"

# --- fixture adapters: one fault each, caught by its clause ------------------------------------
mkdir -p "$T/fx"
: >"$T/fx/fixture.tree"
chk "$FIXTURE_ADAPTERS/fxconform.so"
is_rc 0 "the conforming fixture passes bare"
chk "$FIXTURE_ADAPTERS/fxconform.so" --root "$T/fx" --site fx.example.com
is_rc 0 "and on its tree"
all_pass "no clause fails"
has "$T/out" "ok packages: stops when asked" "its enumerations stop"
has "$T/out" "skip settings_read: not claimed: DROVER_CAP_SETTINGS_READ is clear" \
	"an op whose cap bit is clear is skipped"

fault() { # fault CASE CLAUSE TEXT
	chk "$FIXTURE_ADAPTERS/$1.so" --root "$T/fx" --site fx.example.com
	is_rc 1 "$1 fails"
	only_fail "$2" "$1: only '$2' fails"
	has "$T/out" "$3" "$1: $3"
}
fault fxprints "silent" "probe (empty tree) wrote 48 bytes to stdout (\"fixture: probing"
fault fxleakfd "no leaked descriptors" "probe (empty tree) left open fd"
fault fxnostop "packages: stops when asked" "was called 3 times"
fault fxnomsg "errors carry a message" "packages (empty tree) returned -5 (not found) without a message"
fault fxmaintidem "maintenance" "ON again returned -13 (already exists)"
[ ! -f "$T/fx/fixture.maint" ]
ok $? "fxmaintidem: its maintenance mode was put back off"
run --config "$T/drover.cfg" --quiet adapter check "$FIXTURE_ADAPTERS/fxnostop.so" --root "$T/fx" \
	--site fx.example.com
lines "$T/out" 1 "--quiet prints only the failed clause"

chk "$FIXTURE_ADAPTERS/badmagic.so"
is_rc 1 "an adapter the loader rejects fails"
has "$T/out" "FAIL load: bad magic 0xdeadbeef" "on the load clause, with the loader's reason"
chk "$FIXTURE_ADAPTERS/capnoop.so"
is_rc 1 "a cap bit without its op"
has "$T/out" "FAIL load: sets the cap bit for 'maintenance' but ops.maintenance is NULL" \
	"is the loader's rejection too"

done_testing

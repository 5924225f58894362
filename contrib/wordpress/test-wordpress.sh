#!/bin/sh
# test-wordpress.sh: drover loads the adapter just built, recognises a WordPress-shaped tree with
# it, and its conformance kit passes the adapter's descriptor and probe clauses. `make check` runs
# it with DROVER and MODULE_DIR. The tree is a test double of a WordPress release (three files
# with the lines the adapter reads); the whole pipeline against Debian's real WordPress, PHP and
# MariaDB is drover's own tests/cli/t_wordpress.sh.
set -u

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
[ -n "${DROVER:-}" ] && [ -x "$DROVER" ] ||
	fail "no drover command (DROVER='${DROVER:-}'): run configure with DROVER=/path/to/drover"
[ -f "$MODULE_DIR/wordpress.so" ] || fail "$MODULE_DIR/wordpress.so is not built: run make first"

T=$(mktemp -d "${TMPDIR:-/tmp}/wordpress-test.XXXXXX") || fail "cannot make a temporary directory"
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM

cat >"$T/drover.cfg" <<CFG
builtin_plugins = false;
plugin_dirs = [ "$MODULE_DIR" ];
data_dir = "$T/data";
CFG
drover() { "$DROVER" --config "$T/drover.cfg" "$@" >"$T/out" 2>"$T/err"; }

drover --json plugins || fail "drover plugins failed: $(cat "$T/err")"
grep -q '"name": *"wordpress"' "$T/out" || fail "wordpress is not loaded: $(cat "$T/out")"
grep -q '"rejected": *\[ *\]' "$T/out" || fail "an adapter was rejected: $(cat "$T/out")"
echo "PASS: drover loads wordpress.so"

mkdir -p "$T/wp/wp-includes" "$T/wp/wp-content/plugins/hello-dolly" "$T/wp/wp-content/themes/plain"
printf "<?php\n\$wp_version = '6.4.2';\n\$wp_db_version = 56657;\n" >"$T/wp/wp-includes/version.php"
printf '<?php\n' >"$T/wp/wp-settings.php"
printf '<?php\n' >"$T/wp/wp-load.php"
printf '<?php\n/*\n * Plugin Name: Hello Dolly\n * Version: 1.7.2\n */\n' \
	>"$T/wp/wp-content/plugins/hello-dolly/hello.php"
printf '/*\nTheme Name: Plain\nVersion: 2.0\n*/\n' >"$T/wp/wp-content/themes/plain/style.css"
drover platform add wp "$T/wp" || fail "platform add failed: $(cat "$T/err")"
drover --json platform show wp || fail "platform show failed: $(cat "$T/err")"
for want in '"core_version": *"6.4.2"' '"hello-dolly"' '"1.7.2"' '"plain"' '"56657"'; do
	grep -q "$want" "$T/out" || fail "platform show lacks $want: $(cat "$T/out")"
done
echo "PASS: probe and packages read version.php and the plugin and theme headers"

"$DROVER" --config "$T/drover.cfg" adapter check "$MODULE_DIR/wordpress.so" --root "$T/wp" \
	>"$T/check" 2>&1 || fail "drover adapter check failed: $(cat "$T/check")"
grep -q '^ok probe: own tree' "$T/check" || fail "no probe clause passed: $(cat "$T/check")"
echo "PASS: drover adapter check passes it"

#!/bin/sh
# test-skeleton.sh: drover loads the adapter just built, and probes trees with it.
# `make check` runs it with DROVER (the drover command, found by configure) and MODULE_DIR (the
# directory libtool built the module in). Exit 0: passed; anything else: failed, with the reason.
set -u

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
[ -n "${DROVER:-}" ] && [ -x "$DROVER" ] ||
	fail "no drover command (DROVER='${DROVER:-}'): run configure with DROVER=/path/to/drover"
[ -f "$MODULE_DIR/skeleton.so" ] || fail "$MODULE_DIR/skeleton.so is not built: run make first"

T=$(mktemp -d "${TMPDIR:-/tmp}/skeleton-test.XXXXXX") || fail "cannot make a temporary directory"
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM

# A configuration that loads only this module, and keeps drover's registry in $T.
cat >"$T/drover.cfg" <<CFG
builtin_plugins = false;
plugin_dirs = [ "$MODULE_DIR" ];
data_dir = "$T/data";
CFG
drover() { "$DROVER" --config "$T/drover.cfg" "$@" >"$T/out" 2>"$T/err"; }

# 1. It loads: `drover plugins` names it, and rejects nothing (a rejection says why).
drover --json plugins || fail "drover plugins failed: $(cat "$T/err")"
grep -q '"name": *"skeleton"' "$T/out" ||
	fail "skeleton is not loaded: $(drover plugins; cat "$T/out")"
grep -q '"rejected": *\[ *\]' "$T/out" || fail "an adapter was rejected: $(drover plugins; cat "$T/out")"
echo "PASS: drover loads skeleton.so"

# 2. A tree with the marker is recognised, with its version.
mkdir -p "$T/mine" "$T/other" "$T/bad"
printf '# a skeleton platform\nversion=1.2.3\n' >"$T/mine/skeleton.txt"
drover platform add mine "$T/mine" || fail "platform add of a skeleton tree failed: $(cat "$T/err")"
drover --json platform show mine || fail "platform show failed: $(cat "$T/err")"
grep -q '"core_version": *"1.2.3"' "$T/out" || fail "the probe did not report 1.2.3: $(cat "$T/out")"
echo "PASS: probe recognises a tree with skeleton.txt"

# 3. A tree without it is not ours: refused, and not blamed on the marker.
drover platform add other "$T/other" && fail "a tree without skeleton.txt was accepted"
grep -q 'skeleton\.txt' "$T/err" && fail "probe reported an error for a tree that is not its own: $(cat "$T/err")"
echo "PASS: probe says NOTMINE for other trees"

# 4. A marker without a valid version is ours but broken: one line naming the file and line.
printf 'name=x\nversion=1.x\n' >"$T/bad/skeleton.txt"
drover platform add bad "$T/bad" && fail "a tree with a malformed skeleton.txt was accepted"
grep -q "$T/bad/skeleton.txt:2: version '1.x'" "$T/err" ||
	fail "the parse error does not name the file and line: $(cat "$T/err")"
echo "PASS: a malformed marker is reported with file and line"

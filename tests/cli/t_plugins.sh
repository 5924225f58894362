#!/bin/sh
# t_plugins.sh: adapter loading through `drover plugins`, one real fixture .so per rejection rule
# (tests/fixtures/adapters/fixture.c). Each case sits beside a good adapter, which must still load.
. "$top_srcdir/tests/cli/lib.sh"

# cfg FILE DIR...: a configuration that loads only from the given directories.
cfg() {
	f=$1
	shift
	{
		echo "builtin_plugins = false;"
		printf 'plugin_dirs = ['
		sep=""
		for d in "$@"; do
			printf '%s "%s"' "$sep" "$d"
			sep=","
		done
		echo " ];"
	} >"$f"
}

# The shipped adapters.
cfg "$T/shipped.cfg" "$SHIPPED_ADAPTERS"
run --config "$T/shipped.cfg" plugins --json
is_rc 0 "plugins with the shipped adapters"
json_ok "$T/out" "plugins --json is JSON"
[ "$(json_get "$T/out" '" ".join(sorted(a["name"] for a in d["loaded"]))')" = "drupal magento" ]
ok $? "drupal and magento are loaded"
[ "$(json_get "$T/out" 'len(d["rejected"])')" = "0" ]
ok $? "nothing is rejected"
[ "$(json_get "$T/out" '[a["abi"] for a in d["loaded"]][0]')" = "1.0" ]
ok $? "ABI shown"
run --config "$T/shipped.cfg" plugins
is_rc 0 "plugins as text"
has "$T/out" "2 adapters loaded" "text lists the count"
has "$T/out" "$SHIPPED_ADAPTERS/drupal.so" "and the path"

# reject CASE EXPECTED-TEXT: CASE.so beside fxgood.so in a fresh directory.
reject() {
	d="$T/case-$1"
	mkdir -p "$d"
	cp "$FIXTURE_ADAPTERS/fxgood.so" "$d/"
	[ -f "$FIXTURE_ADAPTERS/$1.so" ] && cp "$FIXTURE_ADAPTERS/$1.so" "$d/"
	[ -n "${3:-}" ] && eval "$3"
	cfg "$d.cfg" "$d"
	run --config "$d.cfg" plugins --json
	is_rc 0 "$1: plugins still lists"
	reason=$(json_get "$T/out" '[r["reason"] for r in d["rejected"] if r["name"]=="'"$1"'"][0]' 2>/dev/null)
	case "$reason" in
	*"$2"*) ok 0 "$1: rejected: $2" ;;
	*) ok 1 "$1: rejected: $2"; diag "reason: $reason"; sed 's/^/#   /' "$T/out" ;;
	esac
	[ "$(json_get "$T/out" '" ".join(a["name"] for a in d["loaded"])')" = "fxgood" ]
	ok $? "$1: the good adapter beside it still loads"
	# Any other command warns about it in one line on stderr, and goes on.
	run --config "$d.cfg" config check
	is_rc 0 "$1: other commands go on"
	[ "$(grep -c "rejected" "$T/err")" -eq 1 ]
	ok $? "$1: and warn in one line"
}

# In the order the loader checks.
reject world "is world-writable" 'cp "$d/fxgood.so" "$d/world.so"; chmod 0666 "$d/world.so"'
reject group "is group-writable" 'cp "$d/fxgood.so" "$d/group.so"; chmod 0664 "$d/group.so"'
reject broken "cannot be loaded" 'echo "not an ELF file" >"$d/broken.so"'
reject not-ident "is not a C identifier" 'cp "$d/fxgood.so" "$d/not-ident.so"'
reject nosym "exports no symbol nosym_LTX_drover_adapter"
reject renamed "exports no symbol renamed_LTX_drover_adapter" 'cp "$d/fxgood.so" "$d/renamed.so"'
reject badmagic "bad magic 0xdeadbeef"
reject abimajor "built for ABI 2.0, this drover speaks 1.0: rebuild against drover-sdk 1.x"
reject abiminor "built for ABI 1.7, this drover speaks 1.0: upgrade drover"
reject badsize "descriptor is"
reject badopssize "ops table is 24 bytes"
reject noversion "required field 'version' is not set"
reject noops "required field 'ops' is not set"
reject noprobe "required op 'probe' is not set"
reject capnoop "cap bit for 'maintenance' but ops.maintenance is NULL"
reject badoption "bad option table: option 'timeout' has min > max"
reject misnamed "declares name 'somethingelse' but the file is misnamed.so"
reject futurecaps "sets cap bits 0x10000000000 unknown to ABI 1.0"
reject initfail "init failed: /opt/fixture/license.key: license file missing"

# Duplicate names: the first directory wins, the second copy is rejected.
mkdir -p "$T/dup1" "$T/dup2"
cp "$FIXTURE_ADAPTERS/fxgood.so" "$T/dup1/"
cp "$FIXTURE_ADAPTERS/fxgood.so" "$T/dup2/"
cfg "$T/dup.cfg" "$T/dup1" "$T/dup2"
run --config "$T/dup.cfg" plugins
is_rc 0 "duplicate: plugins lists"
has "$T/out" "$T/dup2/fxgood.so: duplicate adapter name 'fxgood', already loaded from $T/dup1/fxgood.so" \
	"duplicate: the second copy is rejected, naming the first"

# Environment variables never add adapter directories.
mkdir -p "$T/envdir"
cp "$FIXTURE_ADAPTERS/fxgood.so" "$T/envdir/"
echo "builtin_plugins = false;" >"$T/none.cfg"
LTDL_LIBRARY_PATH="$T/envdir" LD_LIBRARY_PATH="$T/envdir" DROVER_PLUGIN_DIR="$T/envdir" \
	"$DROVER" --config "$T/none.cfg" plugins --json >"$T/out" 2>"$T/err"
[ "$(json_get "$T/out" 'len(d["loaded"]) + len(d["rejected"])')" = "0" ]
ok $? "environment variables add no adapter directory"

# A configured directory that does not exist is a warning, not a failure.
cfg "$T/missing.cfg" "$T/no-such-dir"
run --config "$T/missing.cfg" plugins
is_rc 0 "a missing adapter directory"
has "$T/err" "adapter directory $T/no-such-dir ($T/missing.cfg:2): No such file or directory" \
	"is named with its file and line"

done_testing

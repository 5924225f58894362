#!/bin/sh
# installcheck.sh: the SDK, checked the way a vendor uses it. Run by `make installcheck` (and so by
# `make distcheck`, after its install into a scratch prefix) with the installed places in SDK_*;
# with a DESTDIR, those places are the staged ones.
#
#   1. the headers, drover-sdk.pc, drover-sdk.m4 and the skeleton are installed, and the .pc file
#      relocates with pkg-config --define-variable=prefix=...;
#   2. the installed skeleton, copied to a scratch directory, builds with nothing but the installed
#      SDK: ACLOCAL_PATH=<aclocal dir> autoreconf -fi, configure (PKG_CONFIG_PATH, or
#      --with-drover-sdk for a staged install), make; it installs into a DESTDIR of its own;
#   3. the module exports exactly skeleton_LTX_drover_adapter;
#   4. the installed drover, with builtin_plugins = false and plugin_dirs = [ <its .libs> ], loads
#      it (drover plugins --json), and the skeleton's own `make check` and `make distcheck` pass;
#   5. the WordPress adapter (contrib/wordpress, SDK_WORDPRESS) builds the same way, warning-free,
#      exports one symbol, and its own `make check` passes against the installed drover.
#
# Nothing is written under the prefix (distcheck checks that uninstall leaves it empty), and
# autoreconf never writes into the SDK's aclocal directory.
set -u

fail() {
	echo "installcheck: FAIL: $*" >&2
	exit 1
}
say() { echo "installcheck: $*"; }
# run LOG CMD...: run quietly; on failure show the log and stop.
run() {
	log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		sed 's/^/  | /' "$log" >&2
		fail "$* failed (in $PWD)"
	fi
}

for v in SDK_PREFIX SDK_INCLUDEDIR SDK_PCDIR SDK_ACLOCALDIR SDK_SKELETON SDK_PLUGINDIR SDK_DROVER \
	SDK_ABI SDK_WORDPRESS PKG_CONFIG MAKE; do
	eval "[ -n \"\${$v:-}\" ]" || fail "$v is not set: run this through make installcheck"
done
DESTDIR=${DESTDIR:-}
SDK_PREFIX_RELATIVE=${SDK_PREFIX_RELATIVE:-yes}
# The skeleton is its own project, built as a vendor would: nothing of this make leaks into it.
unset MAKEFLAGS MFLAGS MAKELEVEL
command -v python3 >/dev/null 2>&1 || fail "python3 is needed to read drover's JSON: install it"

T=$(mktemp -d "${TMPDIR:-/tmp}/drover-sdk-check.XXXXXX") || fail "cannot make a temporary directory"
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM

# --- 1. the installed files ----------------------------------------------------------------------
for f in "$SDK_INCLUDEDIR/drover.h" "$SDK_INCLUDEDIR/adapter.h" "$SDK_INCLUDEDIR/status.h" \
	"$SDK_PCDIR/drover-sdk.pc" "$SDK_ACLOCALDIR/drover-sdk.m4" "$SDK_SKELETON/configure.ac" \
	"$SDK_SKELETON/Makefile.am" "$SDK_SKELETON/skeleton.c" "$SDK_SKELETON/README.md" \
	"$SDK_SKELETON/test-skeleton.sh" "$SDK_DROVER"; do
	[ -f "$f" ] || fail "$f is not installed"
done
say "headers, drover-sdk.pc, drover-sdk.m4, skeleton and drover are installed"

pc() { PKG_CONFIG_PATH="$SDK_PCDIR" $PKG_CONFIG --define-variable=prefix="$SDK_PREFIX" "$@" drover-sdk; }
if [ "$SDK_PREFIX_RELATIVE" = yes ]; then
	got=$(pc --variable=plugindir) || fail "pkg-config cannot read $SDK_PCDIR/drover-sdk.pc"
	[ "$got" = "$SDK_PLUGINDIR" ] || fail "drover-sdk.pc: plugindir is '$got', drover loads from '$SDK_PLUGINDIR'"
	got=$(pc --cflags)
	# Cflags: -I<includedir>/drover-<major>, the directory holding drover/*.h.
	[ "$(echo $got)" = "-I${SDK_INCLUDEDIR%/drover}" ] ||
		fail "drover-sdk.pc: Cflags are '$got', the headers are in '$SDK_INCLUDEDIR'"
	got=$(pc --variable=abi_major).$(pc --variable=abi_minor)
	[ "$got" = "$SDK_ABI" ] || fail "drover-sdk.pc: ABI '$got', the headers define $SDK_ABI"
	got=$(pc --variable=skeleton)
	[ "$got" = "$SDK_SKELETON" ] || fail "drover-sdk.pc: skeleton is '$got', installed in '$SDK_SKELETON'"
	say "drover-sdk.pc: ABI $SDK_ABI, plugindir, Cflags and skeleton relocate with --define-variable=prefix"
else
	say "NOTE: libdir, includedir or docdir lie outside the prefix: pkg-config relocation not checked"
fi

# --- 2. the skeleton, built with nothing but the installed SDK -----------------------------------
cp -R "$SDK_SKELETON" "$T/skeleton" || fail "cannot copy $SDK_SKELETON"
chmod -R u+w "$T/skeleton"
cd "$T/skeleton" || fail "cannot enter $T/skeleton"
# The installed skeleton carries the macro in m4/ (so that a vendor's copy needs no -I); take it
# out, so that the one installed for aclocal is the one checked.
[ -f m4/drover-sdk.m4 ] || fail "the installed skeleton has no m4/drover-sdk.m4"
rm -f m4/drover-sdk.m4
# ACLOCAL_PATH, not -I: aclocal --install copies macros found there into the project's m4/ (the
# first -I directory, which must never be the SDK's own), so the vendor's tarball carries them.
say "ACLOCAL_PATH=$SDK_ACLOCALDIR autoreconf -fi"
ls -A "$SDK_ACLOCALDIR" >"$T/aclocal.before"
ACLOCAL_PATH="$SDK_ACLOCALDIR${ACLOCAL_PATH:+:$ACLOCAL_PATH}"
export ACLOCAL_PATH
run "$T/autoreconf.log" autoreconf -fi
cmp -s m4/drover-sdk.m4 "$SDK_ACLOCALDIR/drover-sdk.m4" ||
	fail "aclocal --install did not copy $SDK_ACLOCALDIR/drover-sdk.m4 into the skeleton's m4/"
ls -A "$SDK_ACLOCALDIR" | cmp -s - "$T/aclocal.before" ||
	fail "autoreconf wrote into $SDK_ACLOCALDIR: $(ls -A "$SDK_ACLOCALDIR" | tr '\n' ' ')"

if [ -z "$DESTDIR" ]; then
	# Installed into a prefix: the .pc file is right as it is; pkg-config only needs to find it.
	say "./configure PKG_CONFIG_PATH=$SDK_PCDIR"
	PKG_CONFIG_PATH="$SDK_PCDIR${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
	export PKG_CONFIG_PATH
	set -- ${CC:+"CC=$CC"}
	distcheck_flags=
elif [ "$SDK_PREFIX_RELATIVE" = yes ]; then
	# Staged: read the .pc file with prefix redefined to the staged one.
	say "./configure --with-drover-sdk=$SDK_PREFIX"
	set -- --with-drover-sdk="$SDK_PREFIX" ${CC:+"CC=$CC"}
	distcheck_flags="--with-drover-sdk=$SDK_PREFIX"
else
	# Staged, and not relocatable: give every result by hand.
	say "./configure DROVER_CFLAGS=... --with-drover-plugindir=$SDK_PLUGINDIR DROVER=$SDK_DROVER"
	PKG_CONFIG_PATH="$SDK_PCDIR${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
	export PKG_CONFIG_PATH
	set -- "DROVER_CFLAGS=-I${SDK_INCLUDEDIR%/drover}" DROVER_LIBS= \
		--with-drover-plugindir="$SDK_PLUGINDIR" DROVER="$SDK_DROVER" ${CC:+"CC=$CC"}
	distcheck_flags="DROVER_CFLAGS=-I${SDK_INCLUDEDIR%/drover} DROVER=$SDK_DROVER"
fi
run "$T/configure.log" ./configure "$@"
got=$(sed -n 's/^drover_plugindir = //p' Makefile)
[ "$got" = "$SDK_PLUGINDIR" ] || fail "configure chose drover_plugindir '$got', drover loads from '$SDK_PLUGINDIR'"
got=$(sed -n 's/^DROVER = //p' Makefile)
[ "$got" = "$SDK_DROVER" ] || fail "configure found the drover command '$got', installed is '$SDK_DROVER'"
say "make"
run "$T/make.log" $MAKE
[ -f .libs/skeleton.so ] || fail "make built no .libs/skeleton.so"
run "$T/install.log" $MAKE install DESTDIR="$T/dest"
[ -f "$T/dest$SDK_PLUGINDIR/skeleton.so" ] ||
	fail "make install put no skeleton.so into \$DESTDIR$SDK_PLUGINDIR"
say "built; make install puts skeleton.so into \$DESTDIR$SDK_PLUGINDIR"

# --- 3. one exported symbol ----------------------------------------------------------------------
for so in .libs/skeleton.so "$T/dest$SDK_PLUGINDIR/skeleton.so"; do
	syms=$(nm -D --defined-only "$so" | awk '{print $NF}') || fail "nm cannot read $so"
	[ "$syms" = skeleton_LTX_drover_adapter ] ||
		fail "$so exports '$(echo $syms)', not exactly skeleton_LTX_drover_adapter"
done
say "skeleton.so exports exactly skeleton_LTX_drover_adapter"

# --- 4. the installed drover loads it -------------------------------------------------------------
cat >"$T/drover.cfg" <<EOF
builtin_plugins = false;
plugin_dirs = [ "$T/skeleton/.libs" ];
data_dir = "$T/data";
EOF
"$SDK_DROVER" --config "$T/drover.cfg" --json plugins >"$T/plugins.json" 2>"$T/plugins.err" ||
	fail "$SDK_DROVER plugins failed: $(cat "$T/plugins.err")"
python3 - "$T/plugins.json" "$T/skeleton/.libs/skeleton.so" "$SDK_ABI" <<'EOF' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
loaded = [a for a in d["loaded"] if a["name"] == "skeleton"]
if d["rejected"] or len(loaded) != 1:
    sys.exit("installcheck: FAIL: drover plugins: loaded %s, rejected %s"
             % ([a["name"] for a in d["loaded"]], d["rejected"]))
a = loaded[0]
if a["path"] != sys.argv[2] or a["abi"] != sys.argv[3] or a["caps"]:
    sys.exit("installcheck: FAIL: drover plugins shows skeleton as %s" % a)
EOF
say "drover plugins --json: skeleton loaded (ABI $SDK_ABI, no caps), nothing rejected"

run "$T/check.log" $MAKE check
grep -E '^(PASS|FAIL): ' test-skeleton.log | sed 's/^/  /'
say "the skeleton's make check passes"
# shellcheck disable=SC2086 # several flags in one variable, on purpose
run "$T/distcheck.log" $MAKE distcheck ${distcheck_flags:+DISTCHECK_CONFIGURE_FLAGS="$distcheck_flags"}
say "the skeleton's make distcheck passes"

# --- 5. the WordPress adapter, the same way ---------------------------------------------------------
cp -R "$SDK_WORDPRESS" "$T/wordpress" || fail "cannot copy $SDK_WORDPRESS"
chmod -R u+w "$T/wordpress"
mkdir -p "$T/wordpress/m4"
cd "$T/wordpress" || fail "cannot enter $T/wordpress"
run "$T/wp-autoreconf.log" autoreconf -fi
run "$T/wp-configure.log" ./configure "$@" --enable-werror
run "$T/wp-make.log" $MAKE
syms=$(nm -D --defined-only .libs/wordpress.so | awk '{print $NF}') || fail "nm cannot read wordpress.so"
[ "$syms" = wordpress_LTX_drover_adapter ] ||
	fail "wordpress.so exports '$(echo $syms)', not exactly wordpress_LTX_drover_adapter"
run "$T/wp-check.log" $MAKE check
grep -E '^(PASS|FAIL): ' test-wordpress.log | sed 's/^/  /'
say "the WordPress adapter builds with the installed SDK alone, and its make check passes"
say "ok: a vendor can build an adapter with the installed SDK alone"

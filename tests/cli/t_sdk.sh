#!/bin/sh
# t_sdk.sh: the SDK in the build tree. The skeleton adapter (sdk/skeleton/skeleton.c, built by
# `make check` with the project's warnings) exports one symbol and passes its own test with this
# drover; drover-sdk.pc relocates with --define-variable=prefix. Building the skeleton against
# the installed SDK is `make installcheck` (sdk/installcheck.sh), which `make distcheck` runs.
. "$top_srcdir/tests/cli/lib.sh"

SKELETON="$top_builddir/tests/sdk/.libs"
PC="$top_builddir/sdk/drover-sdk.pc"

nm -D --defined-only "$SKELETON/skeleton.so" | awk '{print $NF}' >"$T/syms"
lines "$T/syms" 1 "skeleton.so exports exactly one symbol"
has "$T/syms" "skeleton_LTX_drover_adapter" "and it is skeleton_LTX_drover_adapter"

# The skeleton's own `make check` script, run against this drover.
DROVER="$DROVER" MODULE_DIR="$SKELETON" sh "$top_srcdir/sdk/skeleton/test-skeleton.sh" >"$T/sk" 2>&1
ok $? "sdk/skeleton/test-skeleton.sh passes"
sed 's/^/#   /' "$T/sk"

# drover-sdk.pc: every path follows ${prefix}; the ABI is the headers' one.
pcv() { PKG_CONFIG_PATH="${PC%/*}" pkg-config --define-variable=prefix=/staged "$@" drover-sdk; }
major=$(sed -n 's/^#define DROVER_ABI_MAJOR \([0-9]*\)$/\1/p' "$top_srcdir/include/drover/adapter.h")
minor=$(sed -n 's/^#define DROVER_ABI_MINOR \([0-9]*\)$/\1/p' "$top_srcdir/include/drover/adapter.h")
[ "$(pcv --variable=abi_major).$(pcv --variable=abi_minor)" = "$major.$minor" ]
ok $? "drover-sdk.pc names ABI $major.$minor"
case $(pcv --variable=plugindir) in /staged/*/drover) ok 0 "plugindir follows the prefix" ;;
*) ok 1 "plugindir follows the prefix"; diag "got $(pcv --variable=plugindir)" ;; esac
case $(pcv --cflags) in "-I/staged/"*"/drover-$major"*) ok 0 "Cflags: the versioned include directory" ;;
*) ok 1 "Cflags: the versioned include directory"; diag "got $(pcv --cflags)" ;; esac
[ -z "$(pcv --libs)" ]
ok $? "no Libs: an adapter links nothing of drover"

done_testing

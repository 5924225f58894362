# lib.sh: TAP helpers for the command-line tests. Sourced; expects $DROVER and friends from
# `make check` (tests/Makefile.inc).
set -u
: "${DROVER:?run through make check}"
T=$(mktemp -d "${TMPDIR:-/tmp}/drover-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
# Hermetic: no system or user configuration leaks into a test.
export HOME="$T/home" XDG_DATA_HOME="$T/xdg"
mkdir -p "$HOME"
unset DROVER_CONFIG

tap_n=0
tap_failed=0

ok() { # ok STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

diag() { printf '# %s\n' "$@"; }

# run ARGS...: run drover; $rc, $T/out and $T/err hold the result.
run() {
	"$DROVER" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

is_rc() { # is_rc WANT DESCRIPTION
	[ "$rc" -eq "$1" ]
	ok $? "$2 (exit $1)"
	[ "$rc" -eq "$1" ] || { diag "got exit $rc"; sed 's/^/#   err: /' "$T/err"; }
}

has() { # has FILE TEXT DESCRIPTION: FILE contains TEXT (fixed string)
	grep -qF -- "$2" "$1"
	ok $? "$3"
	grep -qF -- "$2" "$1" || { diag "'$2' not in $(basename "$1"):"; sed 's/^/#   /' "$1"; }
}

hasnt() { # hasnt FILE TEXT DESCRIPTION
	! grep -qF -- "$2" "$1"
	ok $? "$3"
}

lines() { # lines FILE N DESCRIPTION: FILE has exactly N lines
	n=$(wc -l <"$1")
	[ "$n" -eq "$2" ]
	ok $? "$3"
	[ "$n" -eq "$2" ] || { diag "got $n lines:"; sed 's/^/#   /' "$1"; }
}

json_ok() { # json_ok FILE DESCRIPTION: FILE is one valid JSON document
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>"$T/json.err"
	ok $? "$2"
}

# json_get FILE EXPR: print a Python expression over the document `d`.
json_get() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

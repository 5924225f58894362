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

same() { # same FILE1 FILE2 DESCRIPTION: the two files are byte-identical (else the diff, cut)
	cmp -s "$1" "$2"
	ok $? "$3"
	cmp -s "$1" "$2" || diff "$1" "$2" | head -20 | sed 's/^/#   /'
}

# tree_snap ROOT SKIP_ERE PATH...: every directory, file (SHA-256) and symlink (its target) under the
# PATHs, relative to ROOT, sorted; paths that match the extended regular expression SKIP_ERE
# are left out (read by Python's re, which agrees with ERE on ^ $ ( | ) [ ] . * + ? and \.).
tree_snap() {
	python3 - "$@" <<'PY'
import hashlib, os, re, sys
root, skip = sys.argv[1], re.compile(sys.argv[2])
out = []
def one(rel):
    if skip.search(rel):
        return
    full = os.path.join(root, rel)
    if os.path.islink(full):
        out.append((rel, "link %s -> %s" % (rel, os.readlink(full))))
    elif os.path.isdir(full):
        out.append((rel, "dir %s" % rel))
        for name in os.listdir(full):
            one(os.path.join(rel, name))
    elif os.path.isfile(full):
        with open(full, "rb") as f:
            out.append((rel, "file %s %s" % (hashlib.sha256(f.read()).hexdigest(), rel)))
for rel in sys.argv[3:]:
    if os.path.lexists(os.path.join(root, rel)):
        one(rel)
for rel, line in sorted(out):
    print(line)
PY
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

#!/bin/sh
# t_config.sh: where the configuration comes from, what `config show` prints, and how bad
# configuration reads on the command line. Every kind of bad input is walked in tests/unit/t_config.c.
. "$top_srcdir/tests/cli/lib.sh"

# Embedded defaults: no --config, no $DROVER_CONFIG. If a system file exists on this machine,
# it is what drover must read instead.
run config show --json
is_rc 0 "config show with no configuration file"
json_ok "$T/out" "config show --json is JSON"
sys=$("$DROVER" version --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["system_config"])')
if [ -e "$sys" ]; then
	[ "$(json_get "$T/out" 'd["source"]["file"]')" = "$sys" ]
	ok $? "the system configuration $sys is read when it exists"
else
	[ "$(json_get "$T/out" 'd["source"]["kind"]')" = "embedded defaults" ]
	ok $? "embedded defaults are used"
	[ "$(json_get "$T/out" 'd["data_dir"]')" = "$XDG_DATA_HOME/drover" ]
	ok $? "data under \$XDG_DATA_HOME/drover"
	[ "$(json_get "$T/out" 'd["registry"]')" = "$XDG_DATA_HOME/drover/registry.sqlite" ]
	ok $? "registry under it"
	[ "$(json_get "$T/out" 'd["db_servers"]["local"]["driver"]')" = "sqlite" ]
	ok $? "an embedded sqlite db server"
	XDG_DATA_HOME= "$DROVER" config show --json >"$T/out" 2>"$T/err"
	[ "$(json_get "$T/out" 'd["data_dir"]')" = "$HOME/.local/share/drover" ]
	ok $? "without \$XDG_DATA_HOME: ~/.local/share/drover"
	run config show
	is_rc 0 "config show as text"
	has "$T/out" "# embedded defaults" "text says where settings come from"
	# The text output is itself a configuration drover accepts.
	cp "$T/out" "$T/roundtrip.cfg"
	run --config "$T/roundtrip.cfg" config check
	is_rc 0 "config show output is a valid configuration"
fi

# --config, $DROVER_CONFIG, and which wins.
cat >"$T/a.cfg" <<CFG
data_dir = "$T/a";
builtin_plugins = false;
CFG
cat >"$T/b.cfg" <<CFG
data_dir = "$T/b";
builtin_plugins = false;
CFG
DROVER_CONFIG="$T/a.cfg" "$DROVER" config show --json >"$T/out"
[ "$(json_get "$T/out" 'd["data_dir"]')" = "$T/a" ]
ok $? "\$DROVER_CONFIG is read"
DROVER_CONFIG="$T/a.cfg" "$DROVER" --config "$T/b.cfg" config show --json >"$T/out"
[ "$(json_get "$T/out" 'd["data_dir"]')" = "$T/b" ]
ok $? "--config wins over \$DROVER_CONFIG"
DROVER_CONFIG="$T/nope.cfg" "$DROVER" config show >"$T/out" 2>"$T/err"
rc=$?
is_rc 2 "a missing \$DROVER_CONFIG file"
has "$T/err" "$T/nope.cfg: cannot read the configuration: No such file or directory (named by \$DROVER_CONFIG)" \
	"names the file and where it was named"

# Bad configuration: exit 2, one line, file and line.
bad() { # bad DESCRIPTION TEXT-IN-ERROR  (configuration in $T/bad.cfg)
	run --config "$T/bad.cfg" config check
	is_rc 2 "$1"
	lines "$T/err" 1 "$1: one line"
	has "$T/err" "$2" "$1: says '$2'"
}
printf 'builtin_plugins = false;\nregsitry = "/x";\n' >"$T/bad.cfg"
bad "a typo" "$T/bad.cfg:2: unknown key 'regsitry'"
printf 'backups: {\n  zstd_level = 42;\n};\n' >"$T/bad.cfg"
bad "out of range" "$T/bad.cfg:2: 'backups.zstd_level' = 42 is out of range"
printf 'builtin_plugins = false;\ndata_dir = ;\n' >"$T/bad.cfg"
bad "a syntax error" "$T/bad.cfg:2: syntax error"
printf 'builtin_plugins = false;\nadapters: {\n  wordpres: { };\n};\n' >"$T/bad.cfg"
bad "settings for an adapter that is not loaded" "$T/bad.cfg:3: settings for adapter 'wordpres'"

# Adapter settings are checked against the adapter's own option table, secrets masked in show.
mkdir -p "$T/ad"
cp "$FIXTURE_ADAPTERS/fxopts.so" "$T/ad/"
cat >"$T/ad.cfg" <<CFG
builtin_plugins = false;
plugin_dirs = [ "$T/ad" ];
adapters: {
  fxopts: {
    timeout = 60;
    token = "hunter2-secret";
  };
};
CFG
run --config "$T/ad.cfg" config show
is_rc 0 "config show with adapter settings"
has "$T/out" "timeout = 60;" "a set adapter option is shown"
has "$T/out" 'binary = "/usr/bin/true";  # default' "a default is shown as one"
has "$T/out" 'token = "********";' "a secret is masked"
hasnt "$T/out" "hunter2" "and never printed"
run --config "$T/ad.cfg" config show --json
hasnt "$T/out" "hunter2" "nor in JSON"
sed 's/timeout = 60/timeout = 99999/' "$T/ad.cfg" >"$T/ad2.cfg"
run --config "$T/ad2.cfg" config check
is_rc 2 "an adapter setting out of range"
has "$T/err" "$T/ad2.cfg:5: 'adapters.fxopts.timeout' = 99999 is out of range" "is named with file and line"
sed 's/timeout = 60/timeot = 60/' "$T/ad.cfg" >"$T/ad3.cfg"
run --config "$T/ad3.cfg" config check
is_rc 2 "an unknown adapter setting"
has "$T/err" "unknown key 'adapters.fxopts.timeot': adapter fxopts knows only: binary, timeout, enabled, token" \
	"lists what the adapter knows"

done_testing

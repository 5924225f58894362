#!/bin/sh
# t_cli.sh: the command line itself: dispatch, help, global options, exit codes.
. "$top_srcdir/tests/cli/lib.sh"

run
is_rc 2 "no command is a usage error"
has "$T/err" "no command given" "and says so on stderr"

run help
is_rc 0 "help"
for c in help version plugins config; do
	has "$T/out" "  $c " "help lists $c"
done
has "$T/out" "exit codes" "help explains exit codes"

run help plugins
is_rc 0 "help plugins"
has "$T/out" "usage: drover plugins [--json]" "help plugins shows its usage"
cp "$T/out" "$T/help-plugins"
run plugins --help
cmp -s "$T/out" "$T/help-plugins"
ok $? "'plugins --help' is 'help plugins'"

run help nosuch
is_rc 2 "help for an unknown command"
run nosuch
is_rc 2 "an unknown command"
lines "$T/err" 1 "one line of error"
has "$T/err" "'nosuch' is not a drover command" "naming the command"

run version
is_rc 0 "version"
has "$T/out" "adapter ABI 1.0" "version names the ABI"
run --version
is_rc 0 "--version"
run version --json
is_rc 0 "version --json"
json_ok "$T/out" "version --json is JSON"
[ "$(json_get "$T/out" 'd["abi"]')" = "1.0" ]
ok $? "with the ABI"
run --json version
is_rc 0 "global options may come before the command"
json_ok "$T/out" "and still apply"

run version extra
is_rc 2 "an extra argument"
has "$T/err" "unexpected argument 'extra'" "is named"
run --quiet --verbose version
is_rc 2 "--quiet with --verbose"
run --config
is_rc 2 "--config without a file"
run --config= version
is_rc 2 "--config= with an empty file"
run config
is_rc 2 "config without a subcommand"
run config frob
is_rc 2 "config with an unknown subcommand"
has "$T/err" "unknown subcommand 'frob'" "is named"

# `--` ends the global options: what follows is an argument, even if it looks like one.
run help -- --json
is_rc 2 "after --, --json is an argument"

done_testing

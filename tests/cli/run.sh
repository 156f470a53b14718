#!/bin/sh
# The CLI tests: every tests/cli/test_*.sh defines shell functions test_*, run
# against the binary in $SMSAUDIT. Each test function runs in a subshell, in a
# fresh temporary directory with its own HOME, so that tests neither disturb
# one another nor the person running them, and can run side by side.
#
#   SMSAUDIT=build/smsaudit tests/cli/run.sh     every test, one after another;
#                                                last line "cli: N passed, N failed"
#   tests/cli/run.sh --list                      "FILE FUNCTION" for every test
#   SMSAUDIT=... tests/cli/run.sh --one FILE FUNCTION
#                                                one test; its log on stdout,
#                                                exit status 0 when it passed
#
# scripts/run-tests (make check) uses --list and --one to run them in parallel.
set -u
here=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$here/../.." && pwd)
export ROOT

list() {
	for file in "$here"/test_*.sh; do
		sed -n 's/^\(test_[A-Za-z0-9_]*\)() *{.*/\1/p' "$file" | sed "s/^/$(basename "$file" .sh) /"
	done
}

# one FILE FUNCTION: status 0 when the test recorded no failure.
one() {
	TMPD=$(mktemp -d) && HOME=$(mktemp -d) || return 4
	export TMPD HOME
	unset XDG_CONFIG_HOME
	( . "$here/lib.sh"; . "$here/$1.sh"; cd "$TMPD" && "$2"; exit "$T_FAILED" )
	status=$?
	rm -rf "$TMPD" "$HOME"
	return "$status"
}

binary() {
	: "${SMSAUDIT:?set SMSAUDIT to the smsaudit binary}"
	SMSAUDIT=$(cd "$(dirname "$SMSAUDIT")" && pwd)/$(basename "$SMSAUDIT")
	export SMSAUDIT
}

case "${1:-}" in
--list)
	list
	exit 0
	;;
--one)
	[ $# = 3 ] || { echo "usage: $0 --one FILE FUNCTION" >&2; exit 2; }
	binary
	one "$2" "$3" 2>&1
	exit
	;;
esac

binary
passed=0
failed=0
log=$(mktemp)
# Shared set-ups, made once for this run (repo_helpers.sh, fixture).
fixtures=$(mktemp -d)
SMSAUDIT_FIXTURES=${SMSAUDIT_FIXTURES:-$fixtures}
export SMSAUDIT_FIXTURES
trap 'rm -f "$log" "$log.list"; rm -rf "$fixtures"' EXIT
list >"$log.list"
while read -r file t; do
	if one "$file" "$t" </dev/null >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "  ok   $file $t"
	else
		failed=$((failed + 1))
		echo "  FAIL $file $t"
		sed 's/^/  /' "$log"
	fi
done <"$log.list"
rm -f "$log.list"
echo "cli: $passed passed, $failed failed"
[ "$failed" = 0 ]

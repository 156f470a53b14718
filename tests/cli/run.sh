#!/bin/sh
# Run every tests/cli/test_*.sh against the binary in $SMSAUDIT and print
# "N passed, N failed". Each test function gets a fresh temporary directory.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${SMSAUDIT:?set SMSAUDIT to the smsaudit binary}"
SMSAUDIT=$(cd "$(dirname "$SMSAUDIT")" && pwd)/$(basename "$SMSAUDIT")
export SMSAUDIT
ROOT=$(cd "$here/../.." && pwd)
export ROOT
passed=0
failed=0
for file in "$here"/test_*.sh; do
	tests=$(sed -n 's/^\(test_[A-Za-z0-9_]*\)() *{.*/\1/p' "$file")
	for t in $tests; do
		TMPD=$(mktemp -d)
		export TMPD
		# Each test runs in a subshell so that one cannot disturb another.
		( . "$here/lib.sh"; . "$file"; cd "$TMPD" && "$t"; exit "$T_FAILED" ) >"$TMPD.log" 2>&1
		status=$?
		if [ "$status" = 0 ]; then
			passed=$((passed + 1))
			echo "  ok   $(basename "$file" .sh) $t"
		else
			failed=$((failed + 1))
			echo "  FAIL $(basename "$file" .sh) $t"
			sed 's/^/  /' "$TMPD.log"
		fi
		rm -rf "$TMPD" "$TMPD.log"
	done
done
echo "cli: $passed passed, $failed failed"
[ "$failed" = 0 ]

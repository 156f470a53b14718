# Tiny harness for CLI tests: each test is a shell function named test_*;
# assertions record failures and the runner counts them.
#
#   run ARGS...              run smsaudit; sets $rc, $out (stdout file), $err (stderr file)
#   expect_rc N              exit code
#   expect_out TEXT          stdout contains TEXT (fixed string)
#   expect_err TEXT          stderr contains TEXT
#   expect_no_out TEXT       stdout does not contain TEXT
#   expect_err_one_line      stderr is exactly one line (our error promise)
#   expect_out_lines N       stdout has exactly N lines
#   fail MESSAGE             record a failure

T_FAILED=0

# Each test has its own user configuration (pins, the cache key): nothing
# leaks from one test to another or from the person running the tests.
if [ -n "${TMPD:-}" ]; then
	SMSAUDIT_CONFIG="$TMPD/config"
	export SMSAUDIT_CONFIG
fi

fail() {
	printf '    FAIL: %s\n' "$*"
	T_FAILED=1
}

run() {
	out="$TMPD/out"
	err="$TMPD/err"
	"$SMSAUDIT" "$@" >"$out" 2>"$err"
	rc=$?
	LAST_CMD="smsaudit $*"
	if grep -q -E 'Sanitizer|runtime error:' "$err"; then
		fail "sanitizer report from: $LAST_CMD"
		sed 's/^/      /' "$err" | head -20
	fi
}

expect_rc() {
	[ "$rc" = "$1" ] || { fail "$LAST_CMD: exit $rc, expected $1"; sed 's/^/      stderr: /' "$err" | head -5; }
}

expect_out() {
	grep -q -F -- "$1" "$out" || { fail "$LAST_CMD: stdout lacks '$1'"; head -5 "$out" | sed 's/^/      stdout: /'; }
}

expect_no_out() {
	! grep -q -F -- "$1" "$out" || fail "$LAST_CMD: stdout unexpectedly has '$1'"
}

expect_err() {
	grep -q -F -- "$1" "$err" || { fail "$LAST_CMD: stderr lacks '$1'"; head -5 "$err" | sed 's/^/      stderr: /'; }
}

expect_err_one_line() {
	n=$(wc -l <"$err")
	[ "$n" = 1 ] || { fail "$LAST_CMD: stderr has $n lines, expected one"; head -5 "$err" | sed 's/^/      stderr: /'; }
}

expect_out_lines() {
	n=$(wc -l <"$out")
	[ "$n" = "$1" ] || fail "$LAST_CMD: stdout has $n lines, expected $1"
}

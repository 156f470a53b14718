# The command table, help, version, exit codes for usage errors.

test_version() {
	run --version
	expect_rc 0
	expect_out "smsaudit 0."
	run version
	expect_rc 0
	expect_out "smsaudit 0."
}

test_help_lists_commands() {
	run help
	expect_rc 0
	expect_out "catalogue"
	expect_out "exit codes:"
	run --help
	expect_rc 0
	expect_out "COMMAND"
}

test_every_command_has_help_with_example() {
	cmds=$("$SMSAUDIT" help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\)  .*/\1/p')
	[ -n "$cmds" ] || fail "help lists no commands"
	for c in $cmds; do
		run "$c" --help
		expect_rc 0
		expect_out "usage: smsaudit $c"
		expect_out "example"
		run help "$c"
		expect_rc 0
		expect_out "usage: smsaudit $c"
		# Numbers a help names are printed from the library's constants.
		expect_no_out "{status-"
	done
}

# status's help says the window status computes with (SMSAUDIT_STATUS_WINDOW_DAYS,
# three windows ahead), the same numbers its output prints.
test_status_help_says_what_status_does() {
	run status --help
	expect_rc 0
	expect_out "deadlines overdue or due within"
	expect_out "30 days, evidence expiring within 30, 60 and 90 days"
	expect_out "stop being satisfied within 90 days"
	expect_out "'evidence list --expiring 90"
	run evidence list --help
	expect_out "so --expiring 90"
	expect_no_out "{status-"
}

test_no_command_is_usage_error() {
	run
	expect_rc 2
	expect_err "no command given"
}

test_unknown_command() {
	run frobnicate
	expect_rc 2
	expect_err_one_line
	expect_err "unknown command 'frobnicate'"
	run catalog list
	expect_rc 2
	expect_err "did you mean 'catalogue'"
}

test_unknown_global_option() {
	run --frob catalogue list
	expect_rc 2
	expect_err "unknown option '--frob'"
}

test_bad_format() {
	run --format yaml catalogue list
	expect_rc 2
	expect_err "--format takes text, csv, json, xml or xlsx"
	run catalogue list --format yaml
	expect_rc 2
	expect_err_one_line
}

test_help_for_unknown_command() {
	run help frobnicate
	expect_rc 2
	expect_err "unknown command 'frobnicate'"
}

test_no_colour_when_piped_or_no_color() {
	run catalogue list --tree
	expect_rc 0
	if grep -q "$(printf '\033')" "$out"; then fail "colour codes in piped output"; fi
}

test_write_error_is_reported() {
	if [ -w /dev/full ]; then
		"$SMSAUDIT" catalogue list >/dev/full 2>"$TMPD/err"
		rc=$?
		[ "$rc" = 4 ] || fail "writing to a full device: exit $rc, expected 4"
		grep -q "cannot write output" "$TMPD/err" || fail "no message for a failed write"
	fi
}

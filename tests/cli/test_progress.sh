# Progress on long work: one self-updating line on standard error, only on a
# terminal (run under a pseudo-terminal with util-linux's `script`), never in
# CI, never when the output is for programs and goes elsewhere.
. "$ROOT/tests/cli/repo_helpers.sh"

# many_files N: N small files in $TMPD/many
many_files() {
	mkdir -p "$TMPD/many"
	i=1
	while [ "$i" -le "$1" ]; do
		echo "file $i" >"$TMPD/many/f$i.txt"
		i=$((i + 1))
	done
}

# on_tty COMMAND: run it with a terminal for stdout and stderr; the terminal's
# bytes in $TMPD/tty.out. SMSAUDIT_PROGRESS=1 shows the line from the start,
# so that a quick test machine still sees it.
on_tty() {
	script -qec "$1" /dev/null >"$TMPD/tty.out" 2>&1 </dev/null
}

test_progress_on_a_terminal() {
	make_repo || return
	many_files 40
	on_tty "SMSAUDIT_PROGRESS=1 CI= '$SMSAUDIT' --as ben@example.org evidence add $TMPD/many/*.txt --control 8.6.1 --kind record --title Many"
	grep -q "adding files: [0-9]*/40 ([0-9]*%), [0-9]*/s" "$TMPD/tty.out" || { fail "no progress line on a terminal"; head -c 300 "$TMPD/tty.out"; }
	grep -q "40 files added" "$TMPD/tty.out" || fail "the command's own output is missing"
	# The line is erased when the work ends: the last thing on it is the erase.
	grep -q "$(printf '\r\033\\[K')" "$TMPD/tty.out" || fail "the progress line is not erased"
	on_tty "SMSAUDIT_PROGRESS=1 CI= '$SMSAUDIT' verify --no-cache"
	grep -q "checking records: " "$TMPD/tty.out" || fail "no progress while verifying"
	grep -q "verify ok" "$TMPD/tty.out" || fail "verify's own output is missing"
}

test_no_progress_elsewhere() {
	make_repo || return
	many_files 20
	# Not a terminal.
	SMSAUDIT_PROGRESS=1 CI= "$SMSAUDIT" --as ben@example.org evidence add "$TMPD"/many/f1*.txt --control 8.6.1 \
		--kind record --title Many >"$TMPD/o" 2>"$TMPD/e" || fail "evidence add failed"
	grep -q "adding files" "$TMPD/e" && fail "progress on a pipe"
	grep -q "$(printf '\r')" "$TMPD/e" && fail "carriage returns on a pipe"
	# CI set, on a terminal.
	on_tty "SMSAUDIT_PROGRESS=1 CI=true '$SMSAUDIT' --as ben@example.org evidence add $TMPD/many/f2*.txt --control 8.6.1 --kind record --title More"
	grep -q "adding files" "$TMPD/tty.out" && fail "progress with CI set"
	# Output for programs going to a file, standard error on a terminal.
	on_tty "SMSAUDIT_PROGRESS=1 CI= '$SMSAUDIT' --format json verify --no-cache >'$TMPD/v.json'"
	grep -q "checking records" "$TMPD/tty.out" && fail "progress while --format json goes to a file"
	grep -q '"problems": 0' "$TMPD/v.json" || fail "verify's JSON is missing"
	# SMSAUDIT_PROGRESS=0 on a terminal.
	on_tty "SMSAUDIT_PROGRESS=0 CI= '$SMSAUDIT' verify --no-cache"
	grep -q "checking records" "$TMPD/tty.out" && fail "progress with SMSAUDIT_PROGRESS=0"
	return 0
}

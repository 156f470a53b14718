# A team on one repository: concurrent steps on one finding made offline on
# two clones, a rebase of unsealed work, and three clones syncing in different
# orders through a real git server (git daemon on loopback, with the hook).
. "$ROOT/tests/cli/ledger_helpers.sh"

# team_repo: the organisation's repository with Ida (internal auditor) and Pat
# (process owner and internal auditor), one evidence file ($EV) and a minor
# nonconformity against it (NC-...-001, raised by Ida); served as a bare copy
# in $TMPD/server.git and cloned to $TMPD/a.git and $TMPD/b.git (not with
# "alone": then $SMSAUDIT_REPO only).
team_repo() {
	make_repo || return 1
	add_people "" "Ida Ng:ida@example.org:internal-auditor" "Pat Lee:pat@example.org:process-owner,internal-auditor" || return 1
	add_ev EV "" ben@example.org "RFC log" || return 1
	SMSAUDIT_NOW= run --as ida@example.org finding raise --source internal-audit --grade minor --clause 8.5.1.2 \
		--statement "Changes without risk assessment" --evidence "$EV"
	expect_rc 0
	NC=$(sed -n 's/^Raised \(NC-[0-9]*-[0-9]*\) .*/\1/p' "$out")
	[ -n "$NC" ] || { fail "no finding number"; return 1; }
	[ "${1:-}" = alone ] && return 0
	git clone -q --bare "$SMSAUDIT_REPO" "$TMPD/server.git" || { fail "git clone --bare"; return 1; }
	for c in a b; do
		run clone "$TMPD/server.git" "$TMPD/$c.git"
		expect_rc 0
	done
}

# in CLONE ARGS...: run smsaudit on a clone.
on() {
	c=$1
	shift
	SMSAUDIT_REPO="$TMPD/$c.git" run "$@"
}

synced() {
	on "$1" sync
	[ "$rc" = 0 ] || { fail "sync of $1: exit $rc: $(cat "$err")"; sed 's/^/      /' "$out" | head -5; return 1; }
}

same_main() {
	n=$(for r in "$@"; do git --git-dir="$TMPD/$r.git" rev-parse main; done | sort -u | wc -l)
	[ "$n" = 1 ] || fail "$* do not end on one main"
}

# since EPOCH-SECONDS OFFSET: that time moved by OFFSET seconds, as SMSAUDIT_NOW wants it.
since() {
	date -u -d "@$(($1 + $2))" +%Y-%m-%dT%H:%M:%SZ
}

verified() {
	for c in "$@"; do
		on "$c" verify
		[ "$rc" = 0 ] || { fail "verify of $c: exit $rc"; sed 's/^/      /' "$out" "$err" | head -8; }
	done
}

test_concurrent_steps_are_kept_and_settled() {
	team_repo || return
	on a --as ben@example.org finding cause "$NC" --method 5-whys --text "No risk field on the form"
	expect_rc 0
	on b --as ada@example.org finding correct "$NC" --text "The three changes were assessed"
	expect_rc 0
	# The pin is of the repository: on this machine, b has not got what a's
	# verify accepted, and says why that may be.
	verified a
	on b verify
	expect_rc 1
	expect_out "or this clone is behind another clone of the repository verified here: run smsaudit sync"
	synced a && synced b && synced a || return
	same_main a b server
	verified a b
	# Both steps stand: neither signer saw the other's, and both are allowed.
	on b finding show "$NC"
	expect_out "cause"
	expect_out "correction"
	expect_out "Concurrent steps to settle"
	expect_no_out "Kept without effect"
	on b status
	expect_out "Concurrent steps to settle: 1 finding"
	expect_out "$NC"
	on b --format json finding show "$NC"
	[ "$(grep -c '"id"' "$out")" -ge 2 ] || fail "json lists no concurrent steps"
	grep -q '"concurrent": \[' "$out" || fail "json has no concurrent list"
	# Any next step comes after both: a note settles it, on every clone after a sync.
	on a --as ada@example.org finding note "$NC" --text "Both stand"
	expect_rc 0
	expect_out "Note recorded for"
	on a finding show "$NC"
	expect_no_out "Concurrent steps to settle"
	synced a && synced b || return
	on b status
	expect_no_out "Concurrent steps"
	verified a b
}

# Two auditors close one observation in the same second on two clones: the
# first in the ledger's order closes it, the other is kept without effect,
# and verify passes everywhere.
test_concurrent_close_in_one_second() {
	team_repo || return
	SMSAUDIT_REPO="$TMPD/a.git" SMSAUDIT_NOW= run --as ida@example.org finding raise --source internal-audit \
		--grade observation --clause 8.5.1.2 --statement "The CAB minutes are terse"
	expect_rc 0
	OBS=$(sed -n 's/^Raised \(OBS-[0-9]*-[0-9]*\) .*/\1/p' "$out")
	synced a && synced b || return
	now=$(iso 1)
	SMSAUDIT_NOW=$now on a --as ida@example.org finding close "$OBS" --note "Accepted by the CAB chair"
	expect_rc 0
	SMSAUDIT_NOW=$now on b --as pat@example.org finding close "$OBS" --note "Minutes template updated"
	expect_rc 0
	synced a && synced b && synced a || return
	same_main a b server
	verified a b
	on a finding show "$OBS"
	expect_out "Status    closed"
	expect_out "Kept without effect"
	expect_out "is closed; reopen it before recording a closed step"
	expect_out "Concurrent steps to settle"
	# A note is allowed on a closed finding, and settles it.
	on b --as ada@example.org finding note "$OBS" --text "Ida's closing statement stands"
	expect_rc 0
	on b finding show "$OBS"
	expect_no_out "Concurrent steps to settle"
	expect_out "Kept without effect"
	verified b
}

# An insider cannot use "concurrent" to get around a rule: a hand-made step
# that claims to have seen only the raise is judged against that branch.
test_claimed_concurrency_does_not_bypass_rules() {
	team_repo alone || return
	fid=$(record_path finding- | sed 's|.*/\(finding-[^/]*\)\.xml$|\1|')
	[ -n "$fid" ] || { fail "no finding record"; return; }
	# Times from one base: the test must not depend on how fast it runs.
	base=$(date +%s)
	SMSAUDIT_NOW=$(since "$base" 10) run --as ben@example.org finding cause "$NC" --method 5-whys --text "No risk field"
	expect_rc 0
	cause=$(record_path step- | sed 's|.*/\(step-[^/]*\)\.xml$|\1|')
	export SMSAUDIT_NOW
	# Closing a nonconformity with no verification, "after" the raise only.
	SMSAUDIT_NOW=$(since "$base" 20)
	handmade step ida@example.org "  <step><finding>$fid</finding><after>$fid</after><closed><text>Done</text></closed></step>" || return
	verify_fails "cannot be closed without an effectiveness verification"
	g update-ref refs/heads/main main~2
	# After a step that does not exist.
	handmade step ben@example.org "  <step><finding>$fid</finding><after>step-20260101-00000000000000ff</after><correction><text>x</text></correction></step>" || return
	verify_fails "which is not a valid step of $NC signed before it"
	g update-ref refs/heads/main main~2
	# Naming the same step twice.
	handmade step ben@example.org "  <step><finding>$fid</finding><after>$fid</after><after>$fid</after><correction><text>x</text></correction></step>" || return
	verify_fails "names $fid twice"
	g update-ref refs/heads/main main~2
	# Signed before the step it claims to follow (the ledger orders steps by signing time).
	SMSAUDIT_NOW=$(since "$base" 5)
	handmade step ben@example.org "  <step><finding>$fid</finding><after>$cause</after><correction><text>x</text></correction></step>" || return
	SMSAUDIT_NOW=$(since "$base" 30) verify_fails "comes after $cause, which is not a valid step of $NC signed before it"
	unset SMSAUDIT_NOW
}

# Unsealed work rebased onto the server's newer main with stock git: the
# finding cites its evidence by id and digest, so a fresh clone of the
# rebased history verifies.
test_pull_rebase_of_unsealed_work() {
	team_repo || return
	SMSAUDIT_REPO="$TMPD/a.git" add_ev LOCAL "" ben@example.org "Local work" || return
	on a --as ida@example.org finding raise --source internal-audit --grade minor --clause 8.5.1.2 \
		--statement "Cites local evidence" --evidence "$LOCAL"
	expect_rc 0
	num=$(sed -n 's/^Raised \([A-Z]*-[0-9]*-[0-9]*\) .*/\1/p' "$out")
	on a --as ben@example.org finding correct "$num" --text "Corrected"
	expect_rc 0
	SMSAUDIT_REPO="$TMPD/b.git" add_ev OTHER "" ada@example.org "Other work" || return
	synced b || return
	old=$(git --git-dir="$TMPD/a.git" rev-parse main)
	git -C "$TMPD/a.git" worktree add -q "$TMPD/wt" main 2>/dev/null || { fail "git worktree add"; return; }
	(cd "$TMPD/wt" && git pull -q --rebase "$TMPD/server.git" main) >"$TMPD/rebase.out" 2>&1 ||
		{ fail "git pull --rebase: $(cat "$TMPD/rebase.out")"; return; }
	[ "$(git --git-dir="$TMPD/a.git" rev-parse main)" != "$old" ] || { fail "nothing was rebased"; return; }
	git -C "$TMPD/a.git" worktree remove --force "$TMPD/wt"
	verified a
	synced a || return
	run clone "$TMPD/server.git" "$TMPD/c.git"
	expect_rc 0
	expect_out "verify ok"
	on c finding show "$num"
	expect_out "correction"
	expect_out "$LOCAL"
}

# ---- a real server: git daemon on loopback, the hook installed ----

# start_daemon: serve $TMPD over git:// with receive-pack; DAEMON_URL is the base.
start_daemon() {
	for try in 1 2 3 4 5; do
		port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
		git daemon --reuseaddr --listen=127.0.0.1 --port="$port" --base-path="$TMPD" --export-all \
			--enable=receive-pack --informative-errors "$TMPD" >"$TMPD/daemon.log" 2>&1 &
		DAEMON_PID=$!
		i=0
		while [ $i -lt 40 ]; do
			if git ls-remote "git://127.0.0.1:$port/server.git" >/dev/null 2>&1; then
				DAEMON_URL="git://127.0.0.1:$port"
				return 0
			fi
			kill -0 "$DAEMON_PID" 2>/dev/null || break
			sleep 0.05
			i=$((i + 1))
		done
		kill "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	done
	fail "git daemon did not start: $(cat "$TMPD/daemon.log")"
	return 1
}

stop_daemon() {
	kill "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
}

test_three_clones_through_git_daemon() {
	make_repo || return
	add_people "" "Ida Ng:ida@example.org:internal-auditor" || return
	git clone -q --bare "$SMSAUDIT_REPO" "$TMPD/server.git" || { fail "git clone --bare"; return; }
	run hook install "$TMPD/server.git"
	expect_rc 0
	start_daemon || return
	for c in a b c; do
		run clone "$DAEMON_URL/server.git" "$TMPD/$c.git"
		expect_rc 0
	done
	# Offline work on each clone: evidence, a finding taken two steps further
	# on two clones, an SMS change.
	SMSAUDIT_REPO="$TMPD/a.git" add_ev A1 "" ben@example.org "From A" || { stop_daemon; return; }
	on a --as ida@example.org finding raise --source internal-audit --grade minor --clause 8.5.1.2 \
		--statement "Raised on A" --evidence "$A1"
	synced a || { stop_daemon; return; }
	synced b && synced c || { stop_daemon; return; }
	num=$(SMSAUDIT_REPO="$TMPD/c.git" "$SMSAUDIT" finding list --format csv | sed -n '2s/,.*//p')
	on b --as ben@example.org finding cause "$num" --method 5-whys --text "Cause from B"
	on c --as ada@example.org finding correct "$num" --text "Correction from C"
	on c --as ada@example.org sms set-cycle --internal-audit-months 6
	expect_rc 0
	on a --as ada@example.org sms set-cycle --surveillances 2
	expect_rc 0
	SMSAUDIT_REPO="$TMPD/b.git" add_ev B1 "" ben@example.org "From B" || { stop_daemon; return; }
	# Sync in the order c, b, a, then once more each so all have everything.
	for c in c b a c b; do synced $c || { stop_daemon; return; }; done
	same_main a b c server
	verified a b c
	on a finding show "$num"
	expect_out "Cause from B"
	expect_out "Correction from C"
	# The post-receive hook pinned the server's main after each push, so a
	# push is judged from the checkpoint: a verify there has nothing new.
	SMSAUDIT_REPO="$TMPD/server.git" run --format json verify
	expect_rc 0
	expect_out '"replay": "since-checkpoint"'
	expect_out '"commits_judged": 0'
	# A forged push through the server: a record taken out with stock git.
	git clone -q "$DAEMON_URL/server.git" "$TMPD/w" || { fail "git clone"; stop_daemon; return; }
	victim=$(cd "$TMPD/w" && git ls-files records | grep '/ev-.*\.xml$' | head -1)
	(cd "$TMPD/w" && git rm -q "$victim" && git commit -qm tidy && git push -q origin HEAD:main) >"$TMPD/push.out" 2>&1 &&
		fail "the server took a commit that removes a record"
	grep -q "removed by commit" "$TMPD/push.out" || { fail "the pusher is not told why"; cat "$TMPD/push.out"; }
	# A rewritten main.
	(cd "$TMPD/w" && git reset -q --hard HEAD~2 && git push -q --force origin HEAD:main) >"$TMPD/push.out" 2>&1 &&
		fail "the server took a rewritten main"
	same_main a b c server
	stop_daemon
}

# A clone made with stock git has a work tree: --repo takes it (or its .git,
# the same repository), every write brings the work tree up to date, so an
# ordinary commit there takes nothing back, and sync works from it.
test_work_tree_clone() {
	make_repo || return
	git clone -q --bare "$SMSAUDIT_REPO" "$TMPD/server.git" || { fail "git clone --bare"; return; }
	git clone -q "$TMPD/server.git" "$TMPD/wt" || { fail "git clone"; return; }
	export SMSAUDIT_REPO="$TMPD/wt"
	run verify
	expect_rc 0
	add_ev W "" ben@example.org "From the work tree" || return
	[ -z "$(git -C "$TMPD/wt" status --porcelain)" ] || { fail "the work tree lags behind main:"; git -C "$TMPD/wt" status --short | head -5; }
	w_path=$(SMSAUDIT_REPO="$TMPD/wt/.git" record_path "$W")
	[ -f "$TMPD/wt/$w_path" ] || fail "the new record is not in the work tree"
	# The same repository through its .git: the pin holds, no new trust prompt.
	SMSAUDIT_REPO="$TMPD/wt/.git" run verify
	expect_rc 0
	expect_no_out "compare it with"
	# An ordinary commit in the work tree keeps every record.
	echo "meeting notes" >"$TMPD/wt/notes.txt"
	(cd "$TMPD/wt" && git add notes.txt && git commit -qm notes) || { fail "git commit"; return; }
	git -C "$TMPD/wt" cat-file -e "main:$w_path" || fail "an ordinary commit in the work tree dropped $w_path"
	git -C "$TMPD/wt" reset -q --hard HEAD~1
	run sync
	expect_rc 0
	git --git-dir="$TMPD/server.git" cat-file -e "main:$w_path" || fail "sync from the work tree did not push $w_path"
}

# Two people change the SMS description offline: each signs a whole new
# version, and after the sync both changes are in force; a value both changed
# is the later version's, and status and sms show say so.
test_sms_changed_on_two_clones_keeps_both() {
	team_repo || return
	on a --as ada@example.org sms set-cycle --internal-audit-months 6
	expect_rc 0
	on b --as ada@example.org sms set-cycle --surveillances 3
	expect_rc 0
	synced a && synced b && synced a || return
	same_main a b server
	verified a b
	for c in a b; do
		on $c --format json sms show
		expect_out '"internal_audit_months": 6'
		expect_out '"surveillances": 3'
		expect_out '"merged_concurrent_versions": "yes"'
		expect_out '"changed_on_both": ""'
	done
	on a status
	expect_out "SMS description: merged from versions changed concurrently on two clones"
	# The same value changed on both: the later version's stands, and is named.
	on a --as ada@example.org sms set-cycle --internal-audit-months 9
	expect_rc 0
	SMSAUDIT_NOW=$(iso 5) on b --as ada@example.org sms set-cycle --internal-audit-months 12
	expect_rc 0
	synced a && synced b && synced a || return
	verified a b
	on a --format json sms show
	expect_out '"internal_audit_months": 12'
	expect_out '"surveillances": 3'
	expect_out '"changed_on_both": "internal-audit-months"'
	# A version made from the merged one replaces it: nothing concurrent any more.
	SMSAUDIT_NOW=$(iso 10) on a --as ada@example.org sms set-cycle --internal-audit-months 10
	expect_rc 0
	on a --format json sms show
	expect_out '"internal_audit_months": 10'
	expect_out '"surveillances": 3'
	expect_out '"merged_concurrent_versions": "no"'
}

# Work signed on one clone before a date and merged after it counts at that
# date, whichever clone made the merge: --at does not follow only the first
# parent.
test_at_a_date_counts_work_merged_later() {
	export SMSAUDIT_NOW=2026-06-01T09:00:00Z
	make_repo || return
	git clone -q --bare "$SMSAUDIT_REPO" "$TMPD/server.git" || { fail "git clone --bare"; return; }
	for c in a b; do
		run clone "$TMPD/server.git" "$TMPD/$c.git"
		expect_rc 0
	done
	SMSAUDIT_NOW=2026-06-02T09:00:00Z
	SMSAUDIT_REPO="$TMPD/b.git" add_ev FROM_B "" ben@example.org "Signed on B" || return
	SMSAUDIT_NOW=2026-06-05T09:00:00Z
	SMSAUDIT_REPO="$TMPD/a.git" add_ev FROM_A "" ben@example.org "Signed on A" || return
	synced a || return
	# B merges on the 10th: A's commit is B's main's second parent.
	SMSAUDIT_NOW=2026-06-10T09:00:00Z
	synced b || return
	SMSAUDIT_NOW=2026-06-11T09:00:00Z
	synced a || return
	same_main a b server
	for c in a b; do
		on $c evidence list --at 2026-06-07 --format csv
		expect_rc 0
		expect_out "$FROM_A"
		expect_out "$FROM_B"
		# Nothing signed after the date counts.
		on $c evidence list --at 2026-06-03 --format csv
		expect_out "$FROM_B"
		expect_no_out "$FROM_A"
	done
	unset SMSAUDIT_NOW
}

# cold_equals_warm CLONE COMMAND...: the command's output from the state index
# (read, or continued by the commits since) is the output with no index at all.
cold_equals_warm() {
	c=$1
	shift
	on "$c" "$@"
	cp "$out" "$TMPD/warm.out"
	rm -f "$TMPD/$c.git"/smsaudit-cache/state-*
	on "$c" "$@"
	cmp -s "$out" "$TMPD/warm.out" || { fail "$c: $* from the state index differs from the whole history's"; diff "$TMPD/warm.out" "$out" | head -6; }
}

# Work merged in from another clone (signed earlier than work made here after
# the index was written) and the index continued across syncs: every reader
# shows what the whole history shows.
test_state_index_across_syncs() {
	team_repo || return
	for c in a b; do
		on $c status
		expect_rc 0
	done
	SMSAUDIT_REPO="$TMPD/b.git" add_ev EB "" ben@example.org "From b" || return
	SMSAUDIT_REPO="$TMPD/a.git" add_ev EA "" ben@example.org "From a" || return
	on a --as ada@example.org finding correct "$NC" --text "Risk assessed for the open changes"
	expect_rc 0
	on a evidence list
	expect_out "From a"
	synced b && synced a && synced b || return
	same_main a b server
	for c in a b; do
		cold_equals_warm $c evidence list
		cold_equals_warm $c finding show "$NC"
		cold_equals_warm $c status
	done
	on a evidence list
	expect_out "From a"
	expect_out "From b"
	verified a b
}

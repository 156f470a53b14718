# A team shares one repository through a git server (here a bare repository
# on this machine, reached by path and by file://): clones, offline work,
# sync in any order, and what sync must refuse.
. "$ROOT/tests/cli/ledger_helpers.sh"

# server: the organisation's repository (make_repo), served as a bare copy in
# $TMPD/server.git; two clones of it, $TMPD/a.git and $TMPD/b.git.
server() {
	make_repo || return 1
	git clone -q --bare "$SMSAUDIT_REPO" "$TMPD/server.git" || { fail "git clone --bare"; return 1; }
	run clone "$TMPD/server.git" "$TMPD/a.git"
	expect_rc 0
	expect_out "verify ok"
	run clone "file://$TMPD/server.git" "$TMPD/b.git"
	expect_rc 0
}

mains() {
	for r in a b server; do git --git-dir="$TMPD/$r.git" rev-parse main; done | sort -u | wc -l
}

test_two_clones_converge() {
	server || return
	SMSAUDIT_REPO="$TMPD/a.git" add_ev one "" ben@example.org "From A" || return
	SMSAUDIT_REPO="$TMPD/b.git" add_ev two "" ada@example.org "From B" || return
	SMSAUDIT_REPO="$TMPD/a.git" run sync
	expect_rc 0
	expect_out "pushed this clone's work"
	SMSAUDIT_REPO="$TMPD/b.git" run sync
	expect_rc 0
	expect_out "merged both, verified, pushed"
	SMSAUDIT_REPO="$TMPD/a.git" run sync
	expect_rc 0
	expect_out "fast forward"
	[ "$(mains)" = 1 ] || fail "the clones and the server do not end on one main"
	for r in a b; do
		SMSAUDIT_REPO="$TMPD/$r.git" run verify
		expect_rc 0
		SMSAUDIT_REPO="$TMPD/$r.git" run evidence list
		expect_out "$one"
		expect_out "$two"
	done
	SMSAUDIT_REPO="$TMPD/a.git" run sync
	expect_out "already up to date"
}

# Someone rewrites the server's main (a forced push back over a commit).
test_rewritten_server_is_refused() {
	server || return
	SMSAUDIT_REPO="$TMPD/a.git" add_ev one "" ben@example.org "From A" || return
	SMSAUDIT_REPO="$TMPD/a.git" run sync
	expect_rc 0
	git --git-dir="$TMPD/server.git" update-ref refs/heads/main "$(git --git-dir="$TMPD/server.git" rev-parse main~1)"
	before=$(git --git-dir="$TMPD/a.git" rev-parse main)
	SMSAUDIT_REPO="$TMPD/a.git" run sync
	expect_rc 1
	expect_err "the server's main was rewritten"
	expect_err_one_line
	[ "$(git --git-dir="$TMPD/a.git" rev-parse main)" = "$before" ] || fail "main moved"
}

# Someone pushes a commit that takes a record out: sync takes nothing in,
# names the problem, and pushes nothing.
test_forged_commit_on_the_server_is_not_taken() {
	server || return
	SMSAUDIT_REPO="$TMPD/a.git" add_ev one "" ben@example.org "From A" || return
	SMSAUDIT_REPO="$TMPD/a.git" run sync
	expect_rc 0
	path=$(SMSAUDIT_REPO="$TMPD/server.git" record_path ev-)
	SMSAUDIT_REPO="$TMPD/server.git" tamper_rm "$path"
	SMSAUDIT_REPO="$TMPD/b.git" add_ev two "" ada@example.org "From B" || return
	before=$(git --git-dir="$TMPD/b.git" rev-parse main)
	server_main=$(git --git-dir="$TMPD/server.git" rev-parse main)
	SMSAUDIT_REPO="$TMPD/b.git" run sync
	expect_rc 1
	expect_line "FAIL $path:" "removed by commit"
	expect_err "main was not moved and nothing was pushed"
	[ "$(git --git-dir="$TMPD/b.git" rev-parse main)" = "$before" ] || fail "main moved"
	[ "$(git --git-dir="$TMPD/server.git" rev-parse main)" = "$server_main" ] || fail "something was pushed"
}

test_clone_refusals() {
	make_repo || return
	run clone "$TMPD/nowhere.git" "$TMPD/c.git"
	expect_rc 4
	expect_err "cannot clone"
	expect_err_one_line
	[ ! -e "$TMPD/c.git" ] || fail "a half clone was left behind"
	mkdir "$TMPD/taken.git"
	run clone "$SMSAUDIT_REPO" "$TMPD/taken.git"
	expect_rc 3
	expect_err "already exists"
	run sync
	expect_rc 3
	expect_err "no remote 'origin'"
}

# A server with the hook refuses, before git takes anything, what sync would
# refuse: a commit that takes a record out, a rewritten main, a deleted tag;
# it takes a clone's honest sync.
test_server_hook() {
	server || return
	run hook install "$TMPD/server.git"
	expect_rc 0
	[ -x "$TMPD/server.git/hooks/pre-receive" ] || { fail "no executable pre-receive hook"; return; }
	SMSAUDIT_REPO="$TMPD/a.git" add_ev one "" ben@example.org "From A" || return
	SMSAUDIT_REPO="$TMPD/a.git" run sync
	expect_rc 0
	# A work tree clone with stock git, a record removed, pushed.
	git clone -q "$TMPD/server.git" "$TMPD/w" || { fail "git clone"; return; }
	victim=$(cd "$TMPD/w" && git ls-files records | grep '/ev-.*\.xml$' | head -1)
	(cd "$TMPD/w" && git rm -q "$victim" && git commit -qm tidy && git push -q origin HEAD:main) >"$TMPD/push.out" 2>&1 &&
		fail "the server took a commit that removes a record"
	grep -q "removed by commit" "$TMPD/push.out" || { fail "the pusher is not told why"; cat "$TMPD/push.out"; }
	# main moved back (a forced push).
	(cd "$TMPD/w" && git reset -q --hard HEAD~2 && git push -q --force origin HEAD:main) >"$TMPD/push.out" 2>&1 &&
		fail "the server took a rewritten main"
	grep -q "does not continue it" "$TMPD/push.out" || { fail "no reason for the refused rewrite"; cat "$TMPD/push.out"; }
	# An audit tag deleted.
	git --git-dir="$TMPD/server.git" tag audit/audit-20260101-0000000000000001 main
	(cd "$TMPD/w" && git push -q origin :refs/tags/audit/audit-20260101-0000000000000001) >"$TMPD/push.out" 2>&1 &&
		fail "the server let an audit tag be deleted"
	grep -q "deleting it is refused" "$TMPD/push.out" || { fail "no reason for the refused deletion"; cat "$TMPD/push.out"; }
	# An honest sync still goes through.
	SMSAUDIT_REPO="$TMPD/b.git" add_ev two "" ada@example.org "From B" || return
	SMSAUDIT_REPO="$TMPD/b.git" run sync
	expect_rc 0
	expect_out "merged both, verified, pushed"
	[ -x "$TMPD/server.git/hooks/post-receive" ] || fail "no executable post-receive hook"
}

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

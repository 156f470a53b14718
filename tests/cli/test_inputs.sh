# Every door holds: special files never block, private keys and files from
# outside the import folder stay out, and refusals name the value and the rule.
. "$ROOT/tests/cli/repo_helpers.sh"

# guarded ARGS...: run smsaudit as `run` does, but under a 5 s guard, so that
# a command waiting on a FIFO fails the test instead of hanging it.
guarded() {
	out="$TMPD/out"
	err="$TMPD/err"
	timeout 5 "$SMSAUDIT" "$@" >"$out" 2>"$err" </dev/null
	rc=$?
	LAST_CMD="smsaudit $*"
	[ "$rc" != 124 ] || fail "$LAST_CMD blocked until killed after 5 s"
	if grep -q -E 'Sanitizer|runtime error:' "$err"; then
		fail "sanitizer report from: $LAST_CMD"
		sed 's/^/      /' "$err" | head -20
	fi
}

# no_door RC TEXT ARGS...: refused promptly with one line, the repository unchanged.
no_door() {
	want_rc=$1 want=$2
	shift 2
	head_before=$(git --git-dir="$SMSAUDIT_REPO" rev-parse main)
	guarded "$@"
	expect_rc "$want_rc"
	expect_err "$want"
	expect_err_one_line
	[ "$(git --git-dir="$SMSAUDIT_REPO" rev-parse main)" = "$head_before" ] || fail "$LAST_CMD changed main"
}

test_fifos_never_block() {
	make_repo || return
	mkfifo "$TMPD/f.xml"
	echo ok >"$TMPD/ok.txt"
	ev="--control 5.2.1 --kind policy --title T"
	no_door 4 "f.xml: a FIFO, not a regular file" --catalogue "$TMPD/f.xml" catalogue info
	no_door 4 "f.xml: a FIFO, not a regular file" catalogue validate "$TMPD/f.xml"
	no_door 4 "f.xml: a FIFO, not a regular file" catalogue show 8.6.1 --overlay "$TMPD/f.xml"
	no_door 4 "f.xml: a FIFO, not a regular file" --key "$TMPD/f.xml" evidence add "$TMPD/ok.txt" $ev
	SMSAUDIT_KEY="$TMPD/f.xml" no_door 4 "f.xml: a FIFO, not a regular file" evidence add "$TMPD/ok.txt" $ev
	# A key in the keys folder that is a FIFO.
	mkfifo "$TMPD/keys/fifo@example.org.key"
	no_door 4 "fifo@example.org.key: a FIFO, not a regular file" --as fifo@example.org \
		evidence add "$TMPD/ok.txt" $ev
	rm "$TMPD/keys/fifo@example.org.key"
	no_door 4 "f.xml: a FIFO, not a regular file" --as ada@example.org sms set-grades "$TMPD/f.xml"
	no_door 3 "f.xml: a FIFO, not a regular file" --as ben@example.org evidence add "$TMPD/f.xml" $ev
	# init with a FIFO as the organisation's CA certificate or key.
	guarded init "$TMPD/new.git" --org O --scope S --name N --email n@example.org \
		--ca "$TMPD/f.xml" --ca-key "$TMPD/f.xml"
	expect_rc 4
	expect_err "f.xml: a FIFO, not a regular file"
	[ ! -e "$TMPD/new.git" ] || fail "init left a repository behind"
	expect_verify_ok
}

test_fifos_in_a_pack_never_block() {
	make_repo || return
	add_people "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "Eve Cole:eve@cb.example:external-auditor" || return
	echo "Policy" >"$TMPD/policy.txt"
	run --as ben@example.org evidence add "$TMPD/policy.txt" --control 5.2.1 --kind policy --title "SM policy"
	expect_rc 0
	run --as ada@example.org audit plan --type stage1 --dates 2099-01-05..2099-01-06 --body CB --lead eve@cb.example
	expect_rc 0
	audit=$(sed -n 's/.* audit \(audit-[0-9a-f-]*\) .*/\1/p' "$out")
	mkfifo "$TMPD/def.xml"
	no_door 4 "def.xml: a FIFO, not a regular file" --as ada@example.org pack "$audit" -o "$TMPD/p0" --definition "$TMPD/def.xml"
	[ ! -e "$TMPD/p0" ] || fail "pack left a folder behind"
	run --as ada@example.org pack "$audit" -o "$TMPD/pack"
	expect_rc 0
	rec=$(cd "$TMPD/pack" && ls records/*/*/*/ev-*.xml | head -1)
	for f in "$rec" manifest.xml manifest.xml.p7s trust/ca.pem SHA256SUMS; do
		rm -rf "$TMPD/t"
		cp -r "$TMPD/pack" "$TMPD/t"
		rm "$TMPD/t/$f"
		mkfifo "$TMPD/t/$f"
		guarded verify-pack "$TMPD/t"
		[ "$rc" = 1 ] || [ "$rc" = 4 ] || fail "verify-pack with a FIFO as $f: exit $rc"
		grep -q -F "$f" "$out" "$err" || fail "verify-pack does not name $f"
	done
	rm -rf "$TMPD/t"
	cp -r "$TMPD/pack" "$TMPD/t"
	rm "$TMPD/t/$rec"
	mkfifo "$TMPD/t/$rec"
	guarded verify-pack "$TMPD/t"
	expect_rc 1
	expect_out "FAIL $rec: a FIFO, not a regular file"
}

# The checkpoint: after a clean verify of main, the next verify judges only
# the commits since. Each test first verifies cleanly (so a checkpoint is
# pinned), then does what an insider can with stock git and openssl, or with
# the tool and their own key; verify must fail exactly as a verify of the
# whole history does. The legitimate cases are judged since the checkpoint
# and count what the whole replay counts.
. "$ROOT/tests/cli/ledger_helpers.sh"

# checkpoint: a clean verify of main, pinned.
checkpoint() {
	run verify
	expect_rc 0
	expect_out "; pinned"
}

# The summary line of verify without its "how" (what it counted, at which commit).
summary() {
	sed -n 's/^verify ok: \(.*problems\).*/\1/p' "$out"
}

test_judges_only_new_commits() {
	ledger_repo || return
	run verify
	expect_rc 0
	expect_no_out "since the checkpoint"
	add_ev one "" ben@example.org "One" || return
	add_ev two "" ben@example.org "Two" || return
	run verify
	expect_rc 0
	expect_out "verify ok: 6 records, 4 evidence files (4 content digests checked)"
	expect_out "2 new commits judged since the checkpoint; pinned"
	since=$(summary)
	# The whole replay counts the same.
	run verify --no-cache
	expect_rc 0
	expect_no_out "since the checkpoint"
	[ "$(summary)" = "$since" ] || fail "since the checkpoint: '$since'; whole history: '$(summary)'"
	# Nothing new: nothing to judge, the same counts.
	run verify --format json
	expect_rc 0
	expect_out '"replay": "since-checkpoint"'
	expect_out '"commits_judged": 0'
	expect_out '"records": 6'
	expect_verify_ok
}

# A self-assessment is judged since the checkpoint too.
test_assessment_since_checkpoint() {
	ledger_repo || return
	checkpoint
	run --as ada@example.org assess 8.6.1 --result conformant --note "checked"
	expect_rc 0
	run verify
	expect_rc 0
	expect_out "1 new commit judged since the checkpoint"
}

# A record signed by a key no grant knows, added after the checkpoint.
test_forged_record_after_checkpoint() {
	ledger_repo || return
	checkpoint
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMPD/keys/mallory@example.org.key" \
		-out "$TMPD/mallory.pem" -days 30 -subj "/CN=Mallory/emailAddress=mallory@example.org" 2>/dev/null ||
		{ fail "openssl req"; return; }
	now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	day=$(echo "$now" | cut -c1-10)
	full="ev-$(echo "$day" | tr -d -)-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<record xmlns="urn:smsaudit:record:1" id="%s" version="1">\n  <made-at>%s</made-at>\n  <made-by>mallory@example.org</made-by>\n%s\n</record>\n' \
		"$full" "$now" "$(evidence_body Forged "$EV1_SHA" 16)" >"$TMPD/forged.xml"
	fixed_openssl "$now" cms -sign -binary -outform DER -in "$TMPD/forged.xml" -signer "$TMPD/mallory.pem" \
		-inkey "$TMPD/keys/mallory@example.org.key" -out "$TMPD/forged.p7s" 2>/dev/null || { fail "openssl cms"; return; }
	path="records/$(echo "$day" | cut -c1-7 | tr - /)/$(echo "$full" | sed 's/.*-\(..\)[0-9a-f]*$/\1/')/$full.xml"
	plant "$path" "$TMPD/forged.xml" "$path.p7s" "$TMPD/forged.p7s"
	run verify
	expect_rc 1
	expect_line "FAIL $path.p7s:" "$full"
	expect_out "verify failed"
	expect_no_out "since the checkpoint"
}

# Revoked before the checkpoint, the person signs after it with the clock set back.
test_revoked_signer_after_checkpoint() {
	ledger_repo "$(iso $((-10 * DAY)))" || return
	SMSAUDIT_NOW=$(iso $((-5 * DAY))) run --as ada@example.org person revoke ben@example.org --reason "left"
	expect_rc 0
	rev=$(sed -n 's/.*(\(revoke-[0-9a-f-]*\)).*/\1/p' "$out")
	checkpoint
	add_ev late "$(iso $((-7 * DAY)))" ben@example.org "Backdated" || return
	run verify
	expect_rc 1
	expect_line "FAIL $(record_path "$late"):" "$late" "after their certificate was revoked" "$rev"
	expect_no_out "$EV1"
}

# Ben's key replaced before the checkpoint; his old key signs after it.
test_replaced_key_after_checkpoint() {
	ledger_repo "$(iso $((-10 * DAY)))" || return
	mv "$TMPD/keys/ben@example.org.key" "$TMPD/ben-old.key"
	SMSAUDIT_NOW=$(iso $((-5 * DAY))) run --as ada@example.org person add --name "Ben Ortiz" --email ben@example.org \
		--role process-owner
	expect_rc 0
	regrant=$(sed -n 's/.*(\(person-[0-9a-f-]*\)).*/\1/p' "$out")
	checkpoint
	echo "old key" >"$TMPD/old.txt"
	SMSAUDIT_NOW=$(iso $((-1 * DAY))) run --key "$TMPD/ben-old.key" evidence add "$TMPD/old.txt" --control 8.6.1 \
		--kind record --title "Old key"
	expect_rc 0
	late=$(sed -n 's/^\(ev-[0-9a-f-]*\) .*/\1/p' "$out")
	run verify
	expect_rc 1
	expect_line "FAIL $(record_path "$late"):" "$late" "a later grant replaced" "$regrant"
}

# A viewer may sign nothing; granted before the checkpoint, they sign evidence after it.
test_new_record_needing_another_role() {
	ledger_repo || return
	add_people "" "Val Viewer:val@example.org:viewer" || return
	checkpoint
	handmade ev val@example.org "$(evidence_body "By a viewer" "$EV1_SHA" 16)" || return
	run verify
	expect_rc 1
	expect_line "FAIL $(record_path "$HAND"):" "$HAND" "needs one of"
}

# Changing or removing what the checkpoint vouched for.
test_changed_after_checkpoint() {
	ledger_repo || return
	checkpoint
	echo "other bytes" >"$TMPD/other.xml"
	tamper_put "$EV1_PATH" "$TMPD/other.xml"
	verify_fails "$EV1_PATH" "changed by commit"
}

test_removed_after_checkpoint() {
	ledger_repo || return
	checkpoint
	tamper_rm "$EV2_PATH"
	verify_fails "$EV2_PATH" "removed by commit"
}

# main moved back over a commit the checkpoint holds, and on again.
test_history_rewritten_after_checkpoint() {
	ledger_repo || return
	checkpoint
	g update-ref refs/heads/main "$(g rev-parse main~1)"
	add_ev other "" ben@example.org "Other" || return
	run verify
	expect_rc 1
	expect_line "$EV2" "no longer in main's history"
}

# A new record whose content is not there.
test_new_record_without_content() {
	ledger_repo || return
	checkpoint
	handmade ev ben@example.org "$(evidence_body "No content" "$(printf 'x' | sha256sum | cut -c1-64)" 1 x.txt)" || return
	verify_fails "$(record_path "$HAND")" "is missing"
}

# New evidence naming content that came before the checkpoint is fine (the
# same bytes filed again after the first record was withdrawn or superseded).
test_new_record_naming_older_content() {
	ledger_repo || return
	checkpoint
	handmade ev ben@example.org "$(evidence_body "Again" "$EV1_SHA" 16)" || return
	run verify
	expect_rc 0
	# handmade commits the record, then its signature
	expect_out "2 new commits judged since the checkpoint"
}

# New content that no new record names.
test_planted_content_after_checkpoint() {
	ledger_repo || return
	checkpoint
	echo "stray" >"$TMPD/stray.txt"
	sha=$(sha256sum "$TMPD/stray.txt" | cut -c1-64)
	plant "content/$(printf %.2s "$sha")/$sha" "$TMPD/stray.txt"
	verify_fails "content/$(printf %.2s "$sha")/$sha" "no evidence record names this content"
}

# A checkpoint pinned without content digests vouches for none: the next verify
# with digests replays everything, and finds the content that does not match.
test_checkpoint_without_content_digests() {
	ledger_repo || return
	echo "not the incidents" >"$TMPD/wrong.txt"
	sha=$(printf 'y' | sha256sum | cut -c1-64)
	handmade ev ben@example.org "$(evidence_body "Wrong bytes" "$sha" 18 w.txt)" || return
	plant "content/$(printf %.2s "$sha")/$sha" "$TMPD/wrong.txt"
	run verify --no-content
	expect_rc 0
	expect_out "; pinned"
	run verify
	expect_rc 1
	expect_out "does not match its SHA-256"
	expect_no_out "since the checkpoint"
}

# Work branched before the checkpoint and merged after it: the whole history judges it.
test_older_branch_merged_after_checkpoint() {
	ledger_repo || return
	git clone -q --bare "$SMSAUDIT_REPO" "$TMPD/laptop.git" || { fail "clone --bare"; return; }
	SMSAUDIT_REPO="$TMPD/laptop.git" add_ev away "" ben@example.org "Offline" || return
	add_ev home "" ada@example.org "Online" || return
	checkpoint
	git clone -q "$SMSAUDIT_REPO" "$TMPD/work" || { fail "clone"; return; }
	(cd "$TMPD/work" && git pull -q --no-rebase --no-edit "$TMPD/laptop.git" main >/dev/null 2>&1 &&
		git push -q origin HEAD:main) || { fail "merge and push"; return; }
	run verify
	expect_rc 0
	expect_no_out "since the checkpoint"
	expect_out "; pinned"
	run verify
	expect_rc 0
	expect_out "0 new commits judged since the checkpoint"
}

# Damage to an object the checkpoint vouched for is found by the whole replay.
test_damage_before_checkpoint_found_by_no_cache() {
	ledger_repo || return
	checkpoint
	for f in "$TMPD"/ev.git/objects/pack/*.pack; do
		chmod u+w "$f"
		truncate -s 40 "$f"
	done
	run verify --no-cache
	expect_rc 1
	said "damaged"
}

# The ledger: what an insider with write access to the repository can do with
# stock git and openssl (or with the tool and their own key, clock set back)
# against a repository the tool made. Each attack fails verify naming the
# path, record or commit and the rule; the legitimate cases stay valid.
. "$ROOT/tests/cli/ledger_helpers.sh"

# ---- nothing added is ever changed or taken out ----

test_removed_record_and_content() {
	ledger_repo || return
	tamper_rm "$EV1_PATH"
	c=$(g rev-parse main)
	run verify
	expect_rc 1
	expect_line "FAIL $EV1_PATH:" "removed by commit $(short "$c")"
	expect_out "verify failed"
	content="content/$(printf %.2s "$EV1_SHA")/$EV1_SHA"
	tamper_rm "$content"
	run verify
	expect_rc 1
	expect_line "FAIL $content:" "removed by commit $(short "$(g rev-parse main)")"
	# Taking the signature alone out is a removal too.
	tamper_rm "$EV2_PATH.p7s"
	verify_fails "$EV2_PATH.p7s" "removed by commit"
}

test_changed_in_place() {
	ledger_repo || return
	# A record and a content file, each replaced by other
	# bytes at the same path.
	repo_cat "$EV1_PATH" | sed 's/<title>[^<]*</<title>Something else</' >"$TMPD/rec.xml"
	tamper_put "$EV1_PATH" "$TMPD/rec.xml"
	c1=$(g rev-parse main)
	verify_fails
	expect_line "FAIL $EV1_PATH:" "changed by commit $(short "$c1")"
	content="content/$(printf %.2s "$EV1_SHA")/$EV1_SHA"
	echo "forged" >"$TMPD/forged"
	tamper_put "$content" "$TMPD/forged"
	c2=$(g rev-parse main)
	run verify
	expect_rc 1
	expect_line "FAIL $EV1_PATH:" "changed by commit $(short "$c1")"
	expect_line "FAIL $content:" "changed by commit $(short "$c2")"
}

# The trust anchor replaced in place by another CA: the repository no longer
# opens as the one its description names, so verify and every reader refuse
# it before any replay (exit 3, the path and the rule named); nothing is
# accepted under the new anchor.
test_changed_trust_anchor_in_place() {
	ledger_repo || return
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMPD/evil.key" \
		-subj "/CN=Evil CA" -days 30 -out "$TMPD/evil.pem" 2>/dev/null || { fail "openssl req"; return; }
	tamper_put trust/ca.pem "$TMPD/evil.pem"
	c=$(g rev-parse main)
	# The repository no longer opens: its anchor is not the one smsaudit.xml
	# (fixed by the first commit) names. Refused as bad data before any replay.
	run verify
	expect_rc 3
	expect_err "trust/ca.pem is not the trust anchor named in smsaudit.xml"
	expect_err_one_line
	: "$c"
}

# ---- every path has a place, every content file a record ----

# The history cache (smsaudit-cache/history) is keyed by the user's secret:
# rewriting what it says about a commit, even keeping its length, is not believed.
test_edited_history_cache_not_believed() {
	ledger_repo || return
	echo "not evidence" >"$TMPD/junk"
	plant notes.txt "$TMPD/junk"
	run verify
	expect_rc 1
	expect_line "FAIL notes.txt:" "no record accounts for it"
	cache="$SMSAUDIT_REPO/smsaudit-cache/history"
	[ -s "$cache" ] || { fail "verify kept no history cache"; return; }
	# Turn the planted path into a record-looking one of the same length, and
	# recompute a plain SHA-256 trailer as an attacker without the key would.
	sed 's|notes\.txt|records/x|' "$cache" >"$TMPD/h" && head -c -64 "$TMPD/h" >"$TMPD/h2"
	sha256sum "$TMPD/h2" | cut -c1-64 | tr -d '\n' >>"$TMPD/h2"
	cp "$TMPD/h2" "$cache"
	run verify
	expect_rc 1
	expect_line "FAIL notes.txt:" "no record accounts for it"
	# And with everything walked again from scratch.
	run verify --no-cache
	expect_rc 1
	expect_line "FAIL notes.txt:" "no record accounts for it"
}

test_planted_files() {
	ledger_repo || return
	echo "not evidence" >"$TMPD/junk"
	printf '#!/bin/sh\necho hi\n' >"$TMPD/run.sh"
	plant notes.txt "$TMPD/junk" tools/run.sh "$TMPD/run.sh" smsaudit-cache/x "$TMPD/junk"
	c=$(g rev-parse main)
	run verify
	expect_rc 1
	for p in notes.txt tools/run.sh smsaudit-cache/x; do
		expect_line "FAIL $p:" "no record accounts for it" "$(short "$c")"
	done
	expect_out "verify failed"
}

test_planted_content_no_record_names() {
	ledger_repo || return
	# Content at a perfectly valid content path: its name is its digest.
	echo "a document nobody signed" >"$TMPD/doc.txt"
	sha=$(sha256sum "$TMPD/doc.txt" | cut -c1-64)
	content="content/$(printf %.2s "$sha")/$sha"
	tamper_put "$content" "$TMPD/doc.txt"
	run verify
	expect_rc 1
	expect_line "FAIL $content:" "no evidence record names this content"
	expect_no_out "FAIL $EV1_PATH"
	# The evidence itself is untouched and still counts.
	run evidence list
	expect_out "$EV1"
}

# ---- one history ----

test_second_root_merged() {
	ledger_repo || return
	# A root commit of its own (with main's very files, so that the merge
	# adds nothing a tree check could see), merged into main.
	tree=$(g rev-parse 'main^{tree}')
	root=$(echo "another beginning" | g commit-tree "$tree")
	merge=$(echo "merge" | g commit-tree "$tree" -p main -p "$root")
	g update-ref refs/heads/main "$merge"
	run verify
	expect_rc 1
	expect_line "$(short "$root")" "starts a second history"
	expect_out "verify failed"
}

# ---- authority: who may sign, judged at the commit that added the record ----

# A second repository made by the same creator email, earlier, under its own
# CA: its genesis grant and its CA (as an extra anchor) slipped into the real
# repository by a later commit.
test_second_genesis_under_another_ca() {
	ledger_repo || return
	first=$(g log --reverse --format=%ct main | head -1)
	before=$(date -u -d "@$((first - 2 * DAY))" +%Y-%m-%dT%H:%M:%SZ)
	SMSAUDIT_NOW=$before SMSAUDIT_KEYS="$TMPD/keys2" SMSAUDIT_CONFIG="$TMPD/config2" SMSAUDIT_REPO="$TMPD/other.git" \
		"$SMSAUDIT" init "$TMPD/other.git" --org "Example Services Ltd" --scope "Managed hosting" \
		--service Hosting --site Leeds --name "Ada Quinn" --email ada@example.org >"$TMPD/init2.out" 2>&1 ||
		{ fail "second init: $(cat "$TMPD/init2.out")"; return; }
	o() { git --git-dir="$TMPD/other.git" "$@"; }
	grant=$(o ls-tree -r --name-only main records | grep '/person-.*\.xml$')
	gid=$(basename "$grant" .xml)
	o show "main:$grant" >"$TMPD/g.xml"
	o show "main:$grant.p7s" >"$TMPD/g.p7s"
	o show main:trust/ca.pem >"$TMPD/ca2.pem"
	o show main:trust/ca.pem.p7s >"$TMPD/ca2.pem.p7s"
	fp=$(openssl x509 -in "$TMPD/ca2.pem" -outform DER | sha256sum | cut -c1-64)
	[ "$fp" = "$(init_anchor "$TMPD/init2.out")" ] || fail "openssl fingerprint $fp differs from init's"
	plant "$grant" "$TMPD/g.xml" "$grant.p7s" "$TMPD/g.p7s" \
		"trust/anchors/$fp.pem" "$TMPD/ca2.pem" "trust/anchors/$fp.pem.p7s" "$TMPD/ca2.pem.p7s"
	run verify
	expect_rc 1
	expect_line "FAIL $grant:" "$gid" "no person record grants"
	expect_out "verify failed"
	# Whatever the forged Ada signs with her second key counts for nothing.
	SMSAUDIT_KEYS="$TMPD/keys2" run --as ada@example.org person add --name "Mal Lory" --email mal@example.org \
		--role quality-manager
	run verify
	expect_rc 1
}

# The revoked person still has their key: they sign with the clock set back
# before the revocation, in a commit after it.
test_revoked_signer_backdates() {
	ledger_repo "$(iso $((-10 * DAY)))" || return
	run_at=$(iso $((-5 * DAY)))
	SMSAUDIT_NOW=$run_at run --as ada@example.org person revoke ben@example.org --reason "left the company"
	expect_rc 0
	rev=$(sed -n 's/.*(\(revoke-[0-9a-f-]*\)).*/\1/p' "$out")
	add_ev late "$(iso $((-7 * DAY)))" ben@example.org "Backdated" || return
	path=$(record_path "$late")
	run verify
	expect_rc 1
	expect_line "FAIL $path:" "$late" "after their certificate was revoked" "$rev"
	# Ben's records from before the revocation stay valid.
	expect_no_out "$EV1"
	expect_no_out "$EV2"
}

# Ben is given a new key and certificate; his old key signs a backdated record.
test_replaced_key_signs_backdated() {
	ledger_repo "$(iso $((-10 * DAY)))" || return
	mv "$TMPD/keys/ben@example.org.key" "$TMPD/ben-old.key"
	SMSAUDIT_NOW=$(iso $((-5 * DAY))) run --as ada@example.org person add --name "Ben Ortiz" --email ben@example.org \
		--role process-owner
	expect_rc 0
	regrant=$(sed -n 's/.*(\(person-[0-9a-f-]*\)).*/\1/p' "$out")
	[ -f "$TMPD/keys/ben@example.org.key" ] || { fail "no new key for Ben"; return; }
	cmp -s "$TMPD/keys/ben@example.org.key" "$TMPD/ben-old.key" && { fail "Ben's key was not replaced"; return; }
	echo "old key" >"$TMPD/old.txt"
	SMSAUDIT_NOW=$(iso $((-7 * DAY))) run --key "$TMPD/ben-old.key" evidence add "$TMPD/old.txt" --control 8.6.1 \
		--kind record --title "Old key"
	expect_rc 0
	late=$(sed -n 's/^\(ev-[0-9a-f-]*\) .*/\1/p' "$out")
	path=$(record_path "$late")
	run verify
	expect_rc 1
	expect_line "FAIL $path:" "$late" "a later grant replaced" "$regrant"
	# The new key signs fine, and the old key's earlier records stand.
	add_ev fresh "" ben@example.org "New key" || return
	run verify
	expect_no_out "$fresh"
	expect_no_out "$EV1"
}

# ---- time ----

test_signed_in_the_future() {
	ledger_repo || return
	add_ev ahead "$(iso $((3 * DAY)))" ben@example.org "Ahead" || return
	path=$(record_path "$ahead")
	run verify
	expect_rc 1
	expect_line "FAIL $path:" "$ahead" "in the future of this verifier's clock"
	# A verifier whose clock has caught up accepts it.
	expect_verify_ok "$(iso $((4 * DAY)))"
}

test_signed_after_its_commit() {
	ledger_repo || return
	GIT_COMMITTER_DATE="@$(($(date +%s) - 3600)) +0000"
	export GIT_COMMITTER_DATE
	handmade ev ben@example.org "$(evidence_body "Hand made" "$EV1_SHA" 16)" || return
	unset GIT_COMMITTER_DATE
	path=$(record_path "$HAND")
	run verify
	expect_rc 1
	expect_line "FAIL $path:" "$HAND" "after the commit that added it"
}

# ---- the pin outside the repository ----

test_anchor_pinned_by_init() {
	make_repo || return
	anchor=$(repo_cat trust/ca.pem | openssl x509 -outform DER | sha256sum | cut -c1-64)
	# The whole repository rebuilt at the same path by someone else (their own
	# keys and configuration), same names and emails, under a new anchor.
	rm -rf "$TMPD/ev.git"
	SMSAUDIT_KEYS="$TMPD/evil-keys" SMSAUDIT_CONFIG="$TMPD/evil-config" "$SMSAUDIT" init "$TMPD/ev.git" \
		--org "Example Services Ltd" --scope "Managed hosting" --service Hosting --site Leeds \
		--name "Ada Quinn" --email ada@example.org >"$TMPD/evil.out" 2>&1 || { fail "init: $(cat "$TMPD/evil.out")"; return; }
	SMSAUDIT_KEYS="$TMPD/evil-keys" SMSAUDIT_CONFIG="$TMPD/evil-config" "$SMSAUDIT" --as ada@example.org person add \
		--name "Ben Ortiz" --email ben@example.org --role process-owner >/dev/null 2>&1 || { fail "person add"; return; }
	evil=$(init_anchor "$TMPD/evil.out")
	[ -n "$evil" ] && [ "$evil" != "$anchor" ] || { fail "rebuilt repository has anchor '$evil' (was '$anchor')"; return; }
	# In its own world the rebuilt repository is sound.
	SMSAUDIT_CONFIG="$TMPD/evil-config" "$SMSAUDIT" verify >/dev/null 2>&1 || fail "the rebuilt repository fails in its maker's configuration"
	run verify
	expect_rc 1
	expect_out "pinned"
	expect_out "trust anchor: $evil"
	expect_out "verify failed"
	# A failed verify pins nothing: asked again, the answer is the same.
	run verify
	expect_rc 1
	expect_out "pinned"
}

test_anchor_pinned_by_verify() {
	ledger_repo || return
	# A configuration that never saw init: the first verify pins.
	export SMSAUDIT_CONFIG="$TMPD/auditor-config"
	run verify
	expect_rc 0
	anchor=$(sed -n 's/^trust anchor: *\([0-9a-f]\{64\}\).*/\1/p' "$out")
	[ ${#anchor} = 64 ] || fail "verify did not print the trust anchor: $(head -3 "$out")"
	rm -rf "$TMPD/ev.git"
	SMSAUDIT_KEYS="$TMPD/evil-keys" SMSAUDIT_CONFIG="$TMPD/evil-config" "$SMSAUDIT" init "$TMPD/ev.git" \
		--org "Example Services Ltd" --scope "Managed hosting" --service Hosting --site Leeds \
		--name "Ada Quinn" --email ada@example.org >/dev/null 2>&1 || { fail "init"; return; }
	run verify
	expect_rc 1
	expect_out "pinned"
	expect_out "$anchor"
}

test_verify_anchor_option() {
	make_repo >"$TMPD/mk.out" || return
	# make_repo hides init's output: read the anchor back from the repository.
	anchor=$(repo_cat trust/ca.pem | openssl x509 -outform DER | sha256sum | cut -c1-64)
	run verify
	expect_rc 0
	expect_out "trust anchor: $anchor"
	run verify --format json
	expect_rc 0
	expect_out "\"anchor\": \"$anchor\""
	run verify --anchor "$(printf '%064d' 0)"
	expect_rc 1
	said "trust anchor"
	# An auditor with a fresh configuration who was given the fingerprint.
	SMSAUDIT_CONFIG="$TMPD/fresh-config" run verify --anchor "$anchor"
	expect_rc 0
	expect_out "trust anchor: $anchor"
	SMSAUDIT_CONFIG="$TMPD/fresh-config2" run verify --anchor "$(echo "$anchor" | tr '0-9a-f' '1-9a-f0')"
	expect_rc 1
	said "trust anchor"
}

# After a successful verify, history is rewritten without the commit that
# added a record (and without the record in every later tree).
test_history_rewritten_without_a_record() {
	ledger_repo || return
	expect_verify_ok
	add_ev third "" ada@example.org "Third" || return
	run verify
	expect_rc 0
	c1=$(g log --format=%H -1 --diff-filter=A -- "$EV1_PATH" main)
	[ -n "$c1" ] || { fail "no commit added $EV1_PATH"; return; }
	root=$(g rev-list --max-parents=0 main)
	rewrite_main "$c1" drop
	g cat-file -e "main:$EV1_PATH" 2>/dev/null && { fail "rewrite kept $EV1_PATH"; return; }
	[ "$(g rev-list --max-parents=0 main)" = "$root" ] || { fail "the rewrite changed the first commit"; return; }
	run verify
	expect_rc 1
	expect_line "$EV1" "no longer in main's history"
	expect_no_out "$EV2:"
}

# The same, with the whole history rebuilt from its first commit on (same
# anchor, same files but the dropped record): the repository at this path is
# still the one verified before.
test_history_rebuilt_from_the_root_without_a_record() {
	ledger_repo || return
	run verify
	expect_rc 0
	c1=$(g log --format=%H -1 --diff-filter=A -- "$EV1_PATH" main)
	root=$(g rev-list --max-parents=0 main)
	rewrite_main "$c1" drop
	rewrite_main "$root"
	[ "$(g rev-list --max-parents=0 main)" != "$root" ] || { fail "the first commit was not rebuilt"; return; }
	run verify
	expect_rc 1
	expect_line "$EV1" "no longer in main's history"
}

test_reset_main_back_over_a_record() {
	ledger_repo || return
	run verify
	expect_rc 0
	g update-ref refs/heads/main main~1
	run verify
	expect_rc 1
	expect_line "$EV2" "no longer in main's history"
	# Readers say so too, before anyone relies on what they show.
	run evidence list
	expect_rc 0
	expect_err "does not match what this machine verified before"
	expect_err "$EV2"
	expect_err_one_line
}

# A local rebase that keeps every record (two independent commits swapped)
# rewrites every commit id after the swap and stays valid.
test_rebase_keeping_every_record() {
	ledger_repo || return
	add_ev third "" ada@example.org "Third" || return
	run verify
	expect_rc 0
	git clone -q "$SMSAUDIT_REPO" "$TMPD/work" || { fail "clone"; return; }
	(cd "$TMPD/work" && GIT_SEQUENCE_EDITOR="sed -i '1{h;d};2G'" git rebase -q -i HEAD~3 >/dev/null 2>&1 &&
		git push -q --force origin HEAD:main) || { fail "rebase"; return; }
	[ "$(g rev-parse main)" = "$(git -C "$TMPD/work" rev-parse HEAD)" ] || fail "push did not move main"
	[ "$(g log --format=%s -3 main | sed -n 3p)" = "evidence add: Changes (8.5.1.2)" ] ||
		fail "the rebase did not swap the commits: $(g log --format=%s -3 main | tr '\n' '|')"
	run verify
	expect_rc 0
	expect_out "verify ok"
}

# ---- checkpoints ----

test_sealed_pack_tag_left_behind() {
	ledger_repo || return
	pack_ready || return
	run --as ada@example.org pack "$AUDIT" -o "$TMPD/pack"
	expect_rc 0
	tagged=$(g rev-parse "refs/tags/audit/$AUDIT" 2>/dev/null)
	[ -n "$tagged" ] || { fail "no tag audit/$AUDIT"; return; }
	run verify
	expect_rc 0
	# Every record kept, every commit after the first rebuilt: the tag's
	# commit is no longer an ancestor of main.
	rewrite_main "$(g rev-list --reverse main | sed -n 2p)"
	g merge-base --is-ancestor "$tagged" main && { fail "the tagged commit is still in main"; return; }
	run verify
	expect_rc 1
	expect_line "$AUDIT" "not in main's history"
	expect_out "verify failed"
}

# ---- the verification cache ----

# Someone edits the cache of an evidence title and recomputes the trailer as
# a plain SHA-256 (which is all an attacker without the user's key can do):
# nothing the tool shows believes it.
test_edited_cache_not_believed() {
	make_repo || return
	add_ev pol "" ben@example.org "Incidents" --valid-until "$(iso $((20 * DAY)) | cut -c1-10)" || return
	run evidence list
	expect_rc 0
	expect_out "Incidents"
	run status
	expect_rc 0
	expect_out "Incidents"
	n=0
	for f in "$TMPD"/ev.git/smsaudit-cache/*; do
		[ -f "$f" ] || continue
		LC_ALL=C grep -q -a Incidents "$f" || continue
		size=$(wc -c <"$f")
		head -c $((size - 64)) "$f" | LC_ALL=C sed 's/Incidents/Forgeries/g' >"$TMPD/body"
		[ "$(wc -c <"$TMPD/body")" = $((size - 64)) ] || { fail "the edit changed the cache's size"; return; }
		sum=$(sha256sum "$TMPD/body" | cut -c1-64)
		{ cat "$TMPD/body"; printf '%s' "$sum"; } >"$f"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || { fail "no cache file holds the title"; ls -la "$TMPD/ev.git/smsaudit-cache" 2>&1 | sed 's/^/      /'; return; }
	run evidence list
	expect_rc 0
	expect_out "Incidents"
	expect_no_out "Forgeries"
	run gap --explain 8.6.1
	expect_rc 0
	expect_out "Incidents"
	expect_no_out "Forgeries"
	run status
	expect_rc 0
	expect_out "Incidents"
	expect_no_out "Forgeries"
	expect_verify_ok
}

# ---- pack refuses a repository that fails verify ----

test_pack_refuses_failing_repository() {
	ledger_repo || return
	pack_ready || return
	echo junk >"$TMPD/junk"
	tamper_put notes.txt "$TMPD/junk"
	before=$(commits)
	tags=$(g for-each-ref --format='%(refname) %(objectname)' refs/tags/audit)
	run --as ada@example.org pack "$AUDIT" -o "$TMPD/pack"
	expect_rc 1
	expect_err "fails verification"
	expect_err_one_line
	expect_commits "$before"
	[ "$(g for-each-ref --format='%(refname) %(objectname)' refs/tags/audit)" = "$tags" ] || fail "an audit tag moved"
	[ ! -e "$TMPD/pack" ] || fail "a pack folder was left"
	ls "$TMPD" | grep -q partial && fail "a partial folder was left"
}

# ---- damage ----

test_damaged_pack_file() {
	ledger_repo || return
	head=$(g rev-parse main)
	pack=""
	for idx in "$TMPD"/ev.git/objects/pack/*.idx; do
		git show-index <"$idx" | grep -q " $head" && pack=${idx%.idx}.pack
	done
	[ -n "$pack" ] || { fail "no pack holds the head commit"; return; }
	size=$(wc -c <"$pack")
	chmod u+w "$pack"
	truncate -s $((size / 2)) "$pack"
	run verify
	expect_rc 1
	said "damaged"
	run evidence list
	[ "$rc" != 0 ] || fail "evidence list on a damaged repository exited 0"
	expect_err "damaged"
	expect_err "verify"
	expect_err_one_line
}

# Garbage written over one record's object inside its pack (the record of the
# first evidence: the head commit and trees stay readable).
test_corrupted_pack_bytes() {
	ledger_repo || return
	blob=$(g rev-parse "main:$EV1_PATH")
	pack="" off=""
	for idx in "$TMPD"/ev.git/objects/pack/*.idx; do
		o=$(git show-index <"$idx" | awk -v b="$blob" '$2 == b { print $1 }')
		[ -n "$o" ] && pack=${idx%.idx}.pack off=$o
	done
	[ -n "$pack" ] || { fail "no pack holds $blob"; return; }
	chmod u+w "$pack"
	head -c 24 /dev/zero | tr '\0' '\377' | dd of="$pack" bs=1 seek=$((off + 6)) conv=notrunc 2>/dev/null
	run verify
	expect_rc 1
	expect_line "$EV1_PATH" "damaged"
	run evidence list
	[ "$rc" != 0 ] || fail "evidence list on a damaged repository exited 0"
	expect_err "damaged"
	expect_err "verify"
	expect_err_one_line
}

test_missing_loose_object() {
	ledger_repo || return
	# Stock git housekeeping: every object unpacked into a loose one.
	mkdir "$TMPD/packs"
	mv "$TMPD"/ev.git/objects/pack/* "$TMPD/packs/"
	for p in "$TMPD"/packs/*.pack; do g unpack-objects -q <"$p" || { fail "unpack-objects"; return; }; done
	expect_verify_ok
	tree=$(g rev-parse 'main^{tree}')
	rm -f "$TMPD/ev.git/objects/$(printf %.2s "$tree")/${tree#??}"
	run verify
	expect_rc 1
	said "damaged"
	said "$tree"
	run evidence list
	[ "$rc" != 0 ] || fail "evidence list on a damaged repository exited 0"
	expect_err "damaged"
	expect_err "verify"
	expect_err_one_line
}

# A folder object written with stock plumbing (hash-object --literally, which
# checks nothing) holding an entry whose name has a slash: to a walk that
# trusted names, "zz/planted.xml" would look like a file inside a folder zz/
# that no tree has. It is a damaged tree, named, and nothing is accepted.
test_tree_entry_with_slash_is_damage() {
	ledger_repo || return
	root=$(g rev-parse 'main^{tree}')
	blob=$(echo planted | g hash-object -w --stdin)
	bin_oid() { for h in $(echo "$1" | sed "s/../& /g"); do printf "\\$(printf %03o "0x$h")"; done; }
	{ g cat-file tree "$root"; printf '100644 zz/planted.xml\000'; bin_oid "$blob"; } >"$TMPD/tree.raw"
	bad=$(g hash-object -t tree --literally -w "$TMPD/tree.raw")
	c=$(GIT_AUTHOR_NAME=M GIT_AUTHOR_EMAIL=m@x GIT_COMMITTER_NAME=M GIT_COMMITTER_EMAIL=m@x \
		git --git-dir="$SMSAUDIT_REPO" commit-tree "$bad" -p main -m tamper)
	g update-ref refs/heads/main "$c"
	run verify
	expect_rc 1
	said "damaged"
	said "$bad"
	said "malformed"
	run evidence list
	[ "$rc" != 0 ] || fail "evidence list on a damaged repository exited 0"
	expect_err "damaged"
	expect_err_one_line
}

# ---- what stays valid ----

test_records_before_revocation_stay_valid() {
	ledger_repo "$(iso $((-10 * DAY)))" || return
	SMSAUDIT_NOW=$(iso $((-5 * DAY))) run --as ada@example.org person revoke ben@example.org --reason "left the company"
	expect_rc 0
	# A revocation effective from before it was recorded, but after Cy's record.
	SMSAUDIT_NOW=$(iso $((-4 * DAY))) run --as ada@example.org person add --name "Cy Dorn" --email cy@example.org \
		--role process-owner
	expect_rc 0
	add_ev cys "$(iso $((-4 * DAY + 3600)))" cy@example.org "By Cy" || return
	SMSAUDIT_NOW=$(iso $((-3 * DAY))) run --as ada@example.org person revoke cy@example.org --reason "moved" \
		--effective "$(iso $((-3 * DAY - 3600)))"
	expect_rc 0
	expect_verify_ok
	run evidence list
	expect_out "$EV1"
	expect_out "$EV2"
	expect_out "$cys"
	expect_no_out "INVALID"
	# And after another week of work by others.
	add_ev later "" ada@example.org "Later" || return
	expect_verify_ok
}

test_offline_work_merged() {
	ledger_repo || return
	expect_verify_ok
	git clone -q --bare "$SMSAUDIT_REPO" "$TMPD/laptop.git" || { fail "clone --bare"; return; }
	SMSAUDIT_REPO="$TMPD/laptop.git" add_ev away "" ben@example.org "Offline" || return
	SMSAUDIT_REPO="$TMPD/laptop.git" run verify
	expect_rc 0
	add_ev home "" ada@example.org "Online" || return
	git clone -q "$SMSAUDIT_REPO" "$TMPD/work" || { fail "clone"; return; }
	(cd "$TMPD/work" && git pull -q --no-rebase --no-edit "$TMPD/laptop.git" main >/dev/null 2>&1 &&
		git push -q origin HEAD:main) || { fail "merge and push"; return; }
	[ "$(g rev-list --count --merges main)" = 1 ] || fail "main has no merge commit"
	run verify
	expect_rc 0
	expect_out "verify ok"
	run evidence list
	expect_out "$away"
	expect_out "$home"
	expect_verify_ok
}

test_grant_validity_ended_after_signing() {
	T0=$(iso $((-30 * DAY)))
	export SMSAUDIT_NOW="$T0"
	make_repo || return
	SMSAUDIT_NOW=$T0 run --as ada@example.org person add --name "Tess Vale" --email tess@example.org \
		--role process-owner --valid-until "$(iso $((-10 * DAY)) | cut -c1-10)"
	unset SMSAUDIT_NOW
	expect_rc 0
	add_ev early "$(iso $((-20 * DAY)))" tess@example.org "Signed in time" || return
	expect_verify_ok
	run evidence list
	expect_out "$early"
	expect_no_out "INVALID"
}

# ---- the SMS description changes through signed records, never in place ----

test_sms_description_changes_by_record() {
	ledger_repo || return
	before=$(g rev-parse main:smsaudit.xml)
	run --as ada@example.org sms set-cycle --internal-audit-months 24
	expect_rc 0
	[ "$(g rev-parse main:smsaudit.xml)" = "$before" ] || fail "smsaudit.xml was edited in place"
	g ls-tree -r --name-only main records | grep -q '/sms-[0-9a-f-]*\.xml$' || fail "no sms record was committed"
	run sms show --format json
	expect_out '"internal_audit_months": 24'
	expect_verify_ok
	# The record verifies with stock openssl like any other.
	rec=$(g ls-tree -r --name-only main records | grep '/sms-[0-9a-f-]*\.xml$' | head -1)
	g show "main:$rec" >"$TMPD/sms.xml"
	g show "main:$rec.p7s" >"$TMPD/sms.p7s"
	g show main:trust/ca.pem >"$TMPD/ca.pem"
	openssl cms -verify -binary -inform DER -in "$TMPD/sms.p7s" -content "$TMPD/sms.xml" -CAfile "$TMPD/ca.pem" \
		-out /dev/null 2>/dev/null || fail "openssl cms -verify refused the sms record"
}

test_sms_description_edited_in_place() {
	ledger_repo || return
	g show main:smsaudit.xml | sed 's|<organisation>[^<]*<|<organisation>Someone Else Ltd<|' >"$TMPD/sms.xml"
	tamper_put smsaudit.xml "$TMPD/sms.xml"
	c=$(g rev-parse main)
	run verify
	expect_rc 1
	expect_line "FAIL smsaudit.xml:" "changed by commit $(short "$c")"
}

test_sms_record_by_a_process_owner() {
	ledger_repo || return
	body=$(g show main:smsaudit.xml | sed '1d' | sed 's|<organisation>[^<]*<|<organisation>Taken Over Ltd<|')
	handmade sms ben@example.org "$body" || return
	run verify
	expect_rc 1
	expect_line "$HAND" "sms record signed by ben@example.org" "needs one of: quality-manager"
}

# A quality manager's record may not change who created the repository.
test_sms_record_changing_identity() {
	ledger_repo || return
	body=$(g show main:smsaudit.xml | sed '1d' | sed 's|<created-by>[^<]*<|<created-by>mallory@example.org<|')
	handmade sms ada@example.org "$body" || return
	run verify
	expect_rc 1
	expect_line "$HAND" "changes created-by"
}

test_sms_changed_offline_in_two_clones_merges() {
	ledger_repo || return
	git clone -q --bare "$SMSAUDIT_REPO" "$TMPD/laptop.git" || { fail "clone --bare"; return; }
	SMSAUDIT_REPO="$TMPD/laptop.git" run --as ada@example.org sms set-cycle --internal-audit-months 24
	expect_rc 0
	SMSAUDIT_NOW=$(iso 60) run --as ada@example.org sms set-cycle --internal-audit-months 18
	expect_rc 0
	git clone -q "$SMSAUDIT_REPO" "$TMPD/work" || { fail "clone"; return; }
	(cd "$TMPD/work" && git pull -q --no-rebase --no-edit "$TMPD/laptop.git" main >/dev/null 2>&1 &&
		git push -q origin HEAD:main) || { fail "the two changes did not merge without a conflict"; return; }
	SMSAUDIT_NOW=$(iso 120) run verify
	expect_rc 0
	# Both records are kept; the one later in the history's order is in force.
	n=$(g ls-tree -r --name-only main records | grep -c '/sms-[0-9a-f-]*\.xml$')
	[ "$n" = 2 ] || fail "expected both sms records, found $n"
	SMSAUDIT_NOW=$(iso 120) run sms show --format json
	grep -q '"internal_audit_months": 18' "$out" || grep -q '"internal_audit_months": 24' "$out" ||
		fail "sms show shows neither change"
}

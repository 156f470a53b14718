# Trusted time: RFC 3161 tokens from a time-stamping authority on loopback
# (stock `openssl ts -reply` behind tests/tsa-server), over the records each
# commit adds. The attacks are what someone with write access and their own
# TSA, or a record backdated past the tolerance, would try.
. "$ROOT/tests/cli/ledger_helpers.sh"

TSA_SERVER=$(dirname "$SMSAUDIT")/tests/tsa-server
# Room for a TSA on a loaded machine (each answer is an `openssl ts -reply`
# process); a TSA that is down closes the connection at once (stop_tsa).
SMSAUDIT_TSA_TIMEOUT=20
export SMSAUDIT_TSA_TIMEOUT

# make_tsa DIR: a CA, a TSA certificate under it and the `openssl ts`
# configuration for them (scripts/local-tsa).
make_tsa() {
	"$ROOT/scripts/local-tsa" "$1" "Test TSA" || { fail "make_tsa $1"; return 1; }
}

# start_tsa DIR [PORT]: serve DIR's TSA on loopback; TSA_URL is its address.
start_tsa() {
	rm -f "$1/port"
	"$TSA_SERVER" "$1" ${2:-} &
	TSA_PID=$!
	trap 'kill $TSA_PID 2>/dev/null' EXIT
	i=0
	while [ ! -s "$1/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$1/port" ] || { fail "tsa-server did not start"; return 1; }
	TSA_PORT=$(cat "$1/port")
	TSA_URL="http://127.0.0.1:$TSA_PORT/"
}

# The TSA goes down (answers nothing) and comes back.
stop_tsa() {
	: >"$TMPD/tsa/refuse"
}

resume_tsa() {
	rm -f "$TMPD/tsa/refuse"
}

# tsa_repo [WHEN [OPTIONS]]: a repository with Ada and Ben, and the TSA in
# $TMPD/tsa configured, all with the clock at WHEN.
tsa_repo() {
	when=${1:-}
	[ $# -gt 0 ] && shift
	make_tsa "$TMPD/tsa" && start_tsa "$TMPD/tsa" || return 1
	SMSAUDIT_NOW=$when make_repo || return 1
	SMSAUDIT_NOW=$when run --as ada@example.org tsa add --url "$TSA_URL" --ca "$TMPD/tsa/ca.pem" "$@"
	expect_rc 0
	expect_out "Time-stamping authority added"
}

# stamp_list ID RECORD SIGNATURE-SHA256: a stamp's list as the tool writes it, by hand.
stamp_list() {
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<stamp xmlns="urn:smsaudit:stamp:1" id="%s">\n  <record id="%s" signature-sha256="%s"/>\n</stamp>\n' \
		"$1" "$2" "$3"
}

# The first stamp list at main, and its token.
first_stamp() {
	STAMP=$(g ls-tree -r --name-only main stamps | grep '\.xml$' | head -1)
	[ -n "$STAMP" ] || { fail "no stamp at main"; return 1; }
	g show "main:$STAMP" >"$TMPD/stamp.xml"
	g show "main:$STAMP.tsr" >"$TMPD/stamp.tsr"
}

test_records_are_time_stamped() {
	tsa_repo || return
	add_ev one "" ben@example.org "One" || return
	first_stamp || return
	grep -q "$one" "$TMPD/stamp.xml" || fail "the stamp does not list $one"
	# The auditor's check, with nothing but stock openssl.
	openssl ts -verify -data "$TMPD/stamp.xml" -in "$TMPD/stamp.tsr" -CAfile "$TMPD/tsa/ca.pem" >"$TMPD/ts.out" 2>&1
	grep -q "Verification: OK" "$TMPD/ts.out" || { fail "openssl ts -verify:"; sed 's/^/      /' "$TMPD/ts.out"; }
	run verify
	expect_rc 0
	expect_out "verify ok"
	# Stamped commits are judged since the checkpoint like any other.
	add_ev two "" ben@example.org "Two" || return
	run verify
	expect_rc 0
	expect_out "1 new commit judged since the checkpoint"
	# A verifier days later: the token keeps the record in time.
	run verify --no-cache
	expect_rc 0
	SMSAUDIT_NOW=$(iso $((10 * DAY))) run verify --no-cache
	expect_rc 0
}

test_tsa_down_then_stamp() {
	tsa_repo || return
	stop_tsa
	add_ev late "" ben@example.org "Offline" || return
	grep -q "committed without a time-stamp" "$TMPD/add.out" || fail "no warning that the commit is not time-stamped"
	# Within the tolerance, waiting for a token is fine.
	run verify
	expect_rc 0
	run --as ada@example.org stamp
	expect_rc 4
	expect_err "cannot reach the time-stamping authority"
	resume_tsa
	# The one record, and the grants from before the TSA, still within the tolerance.
	run --as ada@example.org stamp
	expect_rc 0
	expect_out "Time-stamped 3 records"
	run --as ada@example.org stamp
	expect_out "Nothing to time-stamp"
	SMSAUDIT_NOW=$(iso $((10 * DAY))) run verify --no-cache
	expect_rc 0
}

test_no_token_past_the_tolerance() {
	tsa_repo "" --tolerance 24 || return
	stop_tsa
	add_ev late "" ben@example.org "Never stamped" || return
	SMSAUDIT_NOW=$(iso $((2 * DAY))) run verify --no-cache
	expect_rc 1
	expect_line "FAIL $(record_path "$late"):" "$late" "still not time-stamped after 24 hours"
}

test_backdated_past_the_tolerance() {
	tsa_repo "$(iso $((-10 * DAY)))" || return
	add_ev back "$(iso $((-5 * DAY)))" ben@example.org "Backdated" || return
	run verify
	expect_rc 1
	expect_line "FAIL $(record_path "$back"):" "$back" "time-stamped only at" "more than the 72 hours"
}

# A stamp whose token comes from a TSA nobody configured.
test_token_from_another_tsa() {
	tsa_repo || return
	add_ev one "" ben@example.org "One" || return
	first_stamp || return
	run verify # a checkpoint: what follows is judged since it
	expect_rc 0
	make_tsa "$TMPD/rogue" || return
	sed "s/stamp-[0-9]*-[0-9a-f]*/stamp-$(date -u +%Y%m%d)-00000000000000aa/" "$TMPD/stamp.xml" >"$TMPD/rogue.xml"
	(cd "$TMPD/rogue" && openssl ts -query -data "$TMPD/rogue.xml" -sha256 -cert -out q.tsq 2>/dev/null &&
		openssl ts -reply -config tsa.cnf -queryfile q.tsq -out r.tsr >/dev/null 2>&1) || { fail "rogue token"; return; }
	path="stamps/$(date -u +%Y/%m)/00/stamp-$(date -u +%Y%m%d)-00000000000000aa.xml"
	plant "$path" "$TMPD/rogue.xml" "$path.tsr" "$TMPD/rogue/r.tsr"
	verify_fails "$path.tsr" "does not verify against any time-stamping authority"
}

# A token taken from one stamp and put beside another list.
test_token_replayed_beside_another_list() {
	tsa_repo || return
	add_ev one "" ben@example.org "One" || return
	first_stamp || return
	run verify # a checkpoint: what follows is judged since it
	expect_rc 0
	add_ev two "" ben@example.org "Two" || return
	sig=$(g show "main:$(record_path "$two").p7s" | sha256sum | cut -c1-64)
	id="stamp-$(date -u +%Y%m%d)-00000000000000bb"
	stamp_list "$id" "$two" "$sig" >"$TMPD/other.xml"
	path="stamps/$(date -u +%Y/%m)/00/$id.xml"
	plant "$path" "$TMPD/other.xml" "$path.tsr" "$TMPD/stamp.tsr"
	verify_fails "$path.tsr" "message imprint mismatch"
}

# A stamp naming a record with another signature than the repository's.
test_stamp_of_another_signature() {
	tsa_repo || return
	add_ev one "" ben@example.org "One" || return
	run verify # a checkpoint: what follows is judged since it
	expect_rc 0
	id="stamp-$(date -u +%Y%m%d)-00000000000000cc"
	stamp_list "$id" "$one" "$(printf x | sha256sum | cut -c1-64)" >"$TMPD/other.xml"
	(cd "$TMPD/tsa" && openssl ts -query -data "$TMPD/other.xml" -sha256 -cert -out q.tsq 2>/dev/null &&
		openssl ts -reply -config tsa.cnf -queryfile q.tsq -out r.tsr >/dev/null 2>&1) || { fail "token"; return; }
	path="stamps/$(date -u +%Y/%m)/00/$id.xml"
	plant "$path" "$TMPD/other.xml" "$path.tsr" "$TMPD/tsa/r.tsr"
	verify_fails "$path" "stamps another signature of $one"
}

test_tsa_add_refusals() {
	make_tsa "$TMPD/tsa" && start_tsa "$TMPD/tsa" && make_repo || return
	stop_tsa
	run --as ben@example.org tsa add --url "$TSA_URL" --ca "$TMPD/tsa/ca.pem" --no-check
	expect_rc 3
	expect_err "only a quality manager"
	run --as ada@example.org tsa add --url "$TSA_URL" --ca "$TMPD/tsa/ca.pem"
	expect_rc 4
	expect_err "cannot reach the time-stamping authority"
	run --as ada@example.org tsa add --url https://tsa.example/ --ca "$TMPD/tsa/ca.pem" --no-check
	expect_rc 3
	run --as ada@example.org tsa add --url http://127.0.0.1:1/ --ca "$TMPD/tsa/ca.pem" --tolerance 0
	expect_rc 2
	expect_commits 2
}

# What people see: both times on a record, and what waits for a token.
test_show_and_status() {
	tsa_repo || return
	add_ev one "" ben@example.org "One" || return
	run evidence show "$one"
	expect_rc 0
	expect_out "Time-stamped:"
	run evidence show "$one" --format json
	expect_out '"stamped_at": "'
	stop_tsa
	add_ev two "" ben@example.org "Two" || return
	run status
	expect_rc 0
	expect_out "Waiting for a time-stamp token: 1 record"
	run evidence show "$two"
	expect_no_out "Time-stamped:"
}

# A sealed pack carries a token over its manifest; verify-pack says when it
# was sealed at the latest, and fails when the token is missing or another.
test_pack_seal_token() {
	tsa_repo || return
	add_ev one "" ben@example.org "One" || return
	pack_ready || return
	# stage 2: its evidence index lists records
	run --as ada@example.org audit plan --type stage2 --dates 2099-02-05..2099-02-06 --body CB --lead eve@cb.example
	expect_rc 0
	AUDIT=$(sed -n 's/.* audit \(audit-[0-9a-f-]*\) .*/\1/p' "$out")
	run --as ada@example.org pack "$AUDIT" -o "$TMPD/pack"
	expect_rc 0
	[ -f "$TMPD/pack/manifest.xml.tsr" ] || { fail "no manifest.xml.tsr in the pack"; return; }
	[ -n "$(ls "$TMPD/pack/stamps" 2>/dev/null)" ] || fail "the pack carries no stamps/"
	openssl ts -verify -data "$TMPD/pack/manifest.xml" -in "$TMPD/pack/manifest.xml.tsr" \
		-CAfile "$TMPD/tsa/ca.pem" >"$TMPD/ts.out" 2>&1
	grep -q "Verification: OK" "$TMPD/ts.out" || { fail "openssl ts -verify of the manifest:"; cat "$TMPD/ts.out"; }
	run verify-pack "$TMPD/pack"
	expect_rc 0
	expect_out "Sealed no later than"
	# The evidence index gives both times.
	pdftotext -layout "$TMPD/pack/pack.pdf" - 2>/dev/null | tr -s ' \n' ' ' | grep -q "(TSA $(date -u +%Y-%m-%d)" ||
		fail "the evidence index does not show the time-stamp"
	# Another token (over other bytes) in its place.
	first_stamp || return
	cp "$TMPD/stamp.tsr" "$TMPD/pack/manifest.xml.tsr"
	run verify-pack "$TMPD/pack"
	expect_rc 1
	expect_out "FAIL manifest.xml.tsr"
	expect_out "message imprint mismatch"
	rm "$TMPD/pack/manifest.xml.tsr"
	run verify-pack "$TMPD/pack"
	expect_rc 1
	expect_out "FAIL manifest.xml.tsr: missing"
}

# With the TSA down a pack is not sealed: nothing written, no seal.
test_pack_not_sealed_without_token() {
	tsa_repo || return
	add_ev one "" ben@example.org "One" || return
	pack_ready || return
	stop_tsa
	before=$(commits)
	run --as ada@example.org pack "$AUDIT" -o "$TMPD/pack"
	expect_rc 4
	expect_err "not sealed: the manifest needs a time-stamp token"
	[ ! -e "$TMPD/pack" ] || fail "a pack folder was left behind"
	expect_commits "$before"
}

# Ben works offline on a clone that never sees his revocation, with his clock
# set before it. Commit order cannot tell (his branch does not descend from
# the revocation); the token can: it is later than the revocation.
test_revoked_signer_offline_with_token() {
	tsa_repo "$(iso $((-DAY)))" || return
	git clone -q --bare "$SMSAUDIT_REPO" "$TMPD/laptop.git" || { fail "clone --bare"; return; }
	run --as ada@example.org person revoke ben@example.org --reason "left the company"
	expect_rc 0
	SMSAUDIT_REPO="$TMPD/laptop.git" add_ev away "$(iso -3600)" ben@example.org "Offline" || return
	git clone -q "$SMSAUDIT_REPO" "$TMPD/work" || { fail "clone"; return; }
	(cd "$TMPD/work" && git pull -q --no-rebase --no-edit "$TMPD/laptop.git" main >/dev/null 2>&1 &&
		git push -q origin HEAD:main) || { fail "merge and push"; return; }
	run verify
	expect_rc 1
	expect_line "FAIL $(record_path "$away"):" "$away" "after ben@example.org's certificate was revoked"
}

# A day of work in real time: evidence, a finding through its steps, an audit
# and a sealed pack, every record and the seal with a token that stock openssl
# accepts.
test_a_day_of_work() {
	tsa_repo || return
	add_people "" "Ida Park:ida@example.org:internal-auditor" "Eve Cole:eve@cb.example:external-auditor" || return
	add_ev one "" ben@example.org "Incident export" || return
	run --as ida@example.org finding raise --source internal-audit --grade minor --clause 8.6.1 \
		--statement "2 of 10 incidents were closed without a resolution note" --evidence "$one"
	expect_rc 0
	nc=$(sed -n 's/^Raised \([A-Z]*-[0-9]*-[0-9]*\) .*/\1/p' "$out")
	run --as ben@example.org finding correct "$nc" --text "The 2 incidents were given their notes"
	expect_rc 0
	run --as ben@example.org finding cause "$nc" --method 5-whys --text "The form does not ask for the note"
	expect_rc 0
	run --as ben@example.org finding plan "$nc" --action "Make the note mandatory" --owner ben@example.org \
		--due 2099-12-31
	expect_rc 0
	run --as ben@example.org finding implement "$nc" --action A1 --note "Mandatory since today"
	expect_rc 0
	run --as ida@example.org finding verify "$nc" --effective --note "10 incidents sampled, all with notes"
	expect_rc 0
	run --as ida@example.org finding close "$nc" --note "Closed"
	expect_rc 0
	run --as ada@example.org audit plan --type stage1 --dates 2099-01-05..2099-01-06 --body CB --lead eve@cb.example
	expect_rc 0
	audit=$(sed -n 's/.* audit \(audit-[0-9a-f-]*\) .*/\1/p' "$out")
	run --as ada@example.org pack "$audit" -o "$TMPD/pack"
	expect_rc 0
	run verify
	expect_rc 0
	run verify-pack "$TMPD/pack"
	expect_rc 0
	expect_out "Sealed no later than"
	# Every record since the TSA was configured is in a stamp; each stamp checks out with stock openssl.
	g ls-tree -r --name-only main stamps | grep '\.xml$' >"$TMPD/stamps"
	: >"$TMPD/listed"
	while read -r st; do
		g show "main:$st" >"$TMPD/s.xml"
		g show "main:$st.tsr" >"$TMPD/s.tsr"
		openssl ts -verify -data "$TMPD/s.xml" -in "$TMPD/s.tsr" -CAfile "$TMPD/tsa/ca.pem" 2>/dev/null |
			grep -q "Verification: OK" || fail "openssl ts -verify refused $st"
		sed -n 's/.*<record id="\([^"]*\)".*/\1/p' "$TMPD/s.xml" >>"$TMPD/listed"
	done <"$TMPD/stamps"
	tsa_commit=$(g log --format=%H -1 main -- trust/tsa)
	g log --format=%H "$tsa_commit..main" | while read -r c; do
		g diff-tree --no-commit-id --root -r --name-only --diff-filter=A "$c" | sed -n 's|^records/.*/\([^/]*\)\.xml$|\1|p'
	done >"$TMPD/added"
	[ -s "$TMPD/added" ] || fail "no records added after the TSA"
	while read -r id; do
		grep -qx "$id" "$TMPD/listed" || fail "record $id has no time-stamp"
	done <"$TMPD/added"
}

# Ben's old key, replaced on main while his laptop clone never saw it, signs
# offline with the clock set back: the token is later than the replacement.
test_replaced_key_offline_with_token() {
	tsa_repo "$(iso $((-DAY)))" || return
	git clone -q --bare "$SMSAUDIT_REPO" "$TMPD/laptop.git" || { fail "clone --bare"; return; }
	cp "$TMPD/keys/ben@example.org.key" "$TMPD/ben-old.key"
	rm "$TMPD/keys/ben@example.org.key"
	run --as ada@example.org person add --name "Ben Ortiz" --email ben@example.org --role process-owner
	expect_rc 0
	echo "old key, offline" >"$TMPD/old.txt"
	SMSAUDIT_REPO="$TMPD/laptop.git" SMSAUDIT_NOW=$(iso -3600) run --key "$TMPD/ben-old.key" evidence add \
		"$TMPD/old.txt" --control 8.6.1 --kind record --title "Old key"
	expect_rc 0
	late=$(sed -n 's/^\(ev-[0-9a-f-]*\) .*/\1/p' "$out")
	git clone -q "$SMSAUDIT_REPO" "$TMPD/work" || { fail "clone"; return; }
	(cd "$TMPD/work" && git pull -q --no-rebase --no-edit "$TMPD/laptop.git" main >/dev/null 2>&1 &&
		git push -q origin HEAD:main) || { fail "merge and push"; return; }
	run verify
	expect_rc 1
	expect_line "$late" "after a later grant replaced ben@example.org's certificate"
}

# Enough stamps to be checked on every core: all accepted, and one whose list
# was swapped for another still found.
test_many_stamps() {
	tsa_repo || return
	i=1
	while [ $i -le 18 ]; do
		add_ev "e$i" "" ben@example.org "Record $i" || return
		i=$((i + 1))
	done
	[ "$(g ls-tree -r --name-only main stamps | grep -c '\.xml$')" -ge 18 ] || fail "fewer than 18 stamps"
	run verify --no-cache
	expect_rc 0
	expect_out "verify ok: 20 records"
	first_stamp || return
	id="stamp-$(date -u +%Y%m%d)-00000000000000dd"
	sed "s/stamp-[0-9]*-[0-9a-f]*/$id/" "$TMPD/stamp.xml" >"$TMPD/swapped.xml"
	path="stamps/$(date -u +%Y/%m)/00/$id.xml"
	plant "$path" "$TMPD/swapped.xml" "$path.tsr" "$TMPD/stamp.tsr"
	run verify --no-cache
	expect_rc 1
	expect_line "FAIL $path.tsr:" "message imprint mismatch"
}

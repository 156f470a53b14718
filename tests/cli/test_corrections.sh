# Checks at the door and corrections: what a command refuses before it
# writes anything, the one id resolver every command shares, and mistakes
# put right with signed records (never by editing git), each with its reason,
# which readers apply at their as-of date. Each test builds one repository
# and runs all its cases on it.
. "$ROOT/tests/cli/repo_helpers.sh"

corr_repo() {
	fixture corr_repo corr_repo_afresh COLUMNS
}

corr_repo_afresh() {
	export COLUMNS=250
	SMSAUDIT_NOW=2026-01-05T09:00:00Z make_repo --site York || return 1
	add_people 2026-01-05T09:05:00Z "Ida Ng:ida@example.org:internal-auditor" \
		"Eve Cole:eve@cb.example:external-auditor" || return 1
}

# ok WHEN ARGS...: the command succeeds.
ok() {
	at "$@"
	[ "$rc" = 0 ] || fail "smsaudit $*: exit $rc: $(cat "$err")"
}

audit_id() {
	sed -n 's/.* audit \(audit-[0-9a-f-]*\) .*/\1/p' "$out"
}

test_checks_at_the_door() {
	corr_repo || return
	P="--as ada@example.org audit plan --body CB"
	# Unknown people, the wrong role, unknown sites and services: one line, nothing written.
	refused "--lead zed@cb.example is not a person of this repository" \
		2026-02-01T09:00:00Z $P --type stage1 --dates 2026-03-02..2026-03-03 --lead zed@cb.example
	refused "--lead ida@example.org does not hold the role external-auditor that the lead of a stage1 audit needs" \
		2026-02-01T09:00:00Z $P --type stage1 --dates 2026-03-02..2026-03-03 --lead ida@example.org
	refused "--lead eve@cb.example does not hold the role internal-auditor that the lead of an internal audit needs" \
		2026-02-01T09:00:00Z $P --type internal --dates 2026-03-02..2026-03-03 --lead eve@cb.example
	refused "--team nobody@example.org is not a person of this repository" \
		2026-02-01T09:00:00Z $P --type stage1 --dates 2026-03-02..2026-03-03 --lead eve@cb.example \
		--team nobody@example.org
	refused "--site 'Leds' is not one of the SMS's sites" \
		2026-02-01T09:00:00Z $P --type stage1 --dates 2026-03-02..2026-03-03 --lead eve@cb.example --site Leds
	refused "--service 'Hostng' is not one of the SMS's services" \
		2026-02-01T09:00:00Z $P --type stage1 --dates 2026-03-02..2026-03-03 --lead eve@cb.example --service Hostng
	ok 2026-02-01T09:00:00Z $P --type stage1 --dates 2026-03-02..2026-03-03 --lead eve@cb.example --site York
	s1=$(audit_id)
	# The same audit twice (overlapping days) is refused; internal audits of another scope are not.
	refused "a stage1 audit is already planned on 2026-03-02..2026-03-03 ($s1); reschedule or cancel that one" \
		2026-02-01T10:00:00Z $P --type stage1 --dates 2026-03-03..2026-03-04 --lead eve@cb.example
	ok 2026-02-01T10:00:00Z $P --type internal --dates 2026-02-10..2026-02-10 --lead ida@example.org --clause 8.5
	ia=$(audit_id)
	refused "an internal audit is already planned on 2026-02-10..2026-02-10 ($ia)" \
		2026-02-01T11:00:00Z $P --type internal --dates 2026-02-10..2026-02-11 --lead ida@example.org --clause 8.5
	ok 2026-02-01T11:00:00Z $P --type internal --dates 2026-02-10..2026-02-10 --lead ida@example.org --clause 8.6

	# One resolver: any unique prefix of 4 characters or more, in every command.
	short=$(printf %.18s "$s1")
	ok 2026-03-02T09:00:00Z --as eve@cb.example audit start "$short"
	run audit show "$short" --format csv
	expect_out "id,$s1"
	ok 2026-03-03T10:00:00Z --as eve@cb.example finding raise --source stage1 --audit "$short" --grade minor \
		--clause 8.5.1.2 --statement "Short ids name the audit everywhere"
	run finding show NC-2026-001 --format csv
	expect_out "$s1"
	fid=$(sed -n 's/^id,\(finding-[0-9a-f-]*\)$/\1/p' "$out")
	run finding show "$(printf %.20s "$fid")" --format csv
	expect_out "id,$fid"
	refused "--audit: audit 'audit-' is ambiguous: it starts 3 ids" \
		2026-03-03T11:00:00Z --as eve@cb.example finding raise --source stage1 --audit audit- --grade minor \
		--clause 8.5.1.2 --statement x
	refused "audit 'aud' is too short: give at least 4 characters of its id" \
		2026-03-03T11:00:00Z --as eve@cb.example audit conclude aud --dates 2026-03-02..2026-03-03 \
		--recommendation none --summary x
	refused "evidence 'ev-1999' does not exist (smsaudit evidence list shows them)" \
		2026-03-03T11:00:00Z --as ada@example.org evidence withdraw ev-1999 --reason x

	# CSV import: ';' as spreadsheets in many locales save it, detected or given; missing files named.
	mkdir -p "$TMPD/csv"
	echo "policy text" >"$TMPD/csv/policy.txt"
	echo "plan text" >"$TMPD/csv/plan.txt"
	printf 'file;controls;kind;title\npolicy.txt;5.2.1;policy;"Policy; signed"\n' >"$TMPD/csv/semi.csv"
	n0=$(commits)
	at 2026-03-04T09:00:00Z --as ada@example.org evidence import "$TMPD/csv/semi.csv"
	expect_rc 0
	expect_out "Imported 1 evidence file from"
	run evidence list
	expect_out "Policy; signed"
	printf 'file\tcontrols\tkind\ttitle\nplan.txt\t6.3\tplan\tPlan\n' >"$TMPD/csv/tab.csv"
	ok 2026-03-04T09:01:00Z --as ada@example.org evidence import "$TMPD/csv/tab.csv" --delimiter tab
	printf 'file,controls,kind,title\nabsent.pdf,5.2.1,policy,Gone\n' >"$TMPD/csv/miss.csv"
	at 2026-03-04T09:02:00Z --as ada@example.org evidence import "$TMPD/csv/miss.csv"
	expect_rc 4
	expect_err "miss.csv:2: file 'absent.pdf' does not exist (looked for $TMPD/csv/absent.pdf)"
	expect_err_one_line
	at 2026-03-04T09:02:00Z --as ada@example.org evidence import "$TMPD/csv/miss.csv" --delimiter '|'
	expect_rc 2
	expect_err "--delimiter: expected ',', ';' or tab, not '|'"
	expect_commits $((n0 + 2))

	# Counts meet nouns in the singular too.
	run verify
	expect_out "problems"
	expect_verify_ok 2026-03-05T00:00:00Z
}

test_audit_cancel_and_reschedule() {
	corr_repo || return
	P="--as ada@example.org audit plan --body CB --lead eve@cb.example"
	ok 2026-02-01T09:00:00Z $P --type stage1 --dates 2026-03-02..2026-03-03
	s1=$(audit_id)
	ok 2026-02-01T09:10:00Z $P --type stage2 --dates 2026-04-06..2026-04-08
	s2=$(audit_id)
	ok 2026-02-01T09:20:00Z $P --type surveillance --dates 2027-03-01..2027-03-01
	sv=$(audit_id)

	# Reschedule: the plan stays, the new dates count from then on.
	at 2026-02-10T09:00:00Z --as ada@example.org audit reschedule "$s2" --dates 2026-04-13..2026-04-15
	expect_rc 2
	expect_err "--reason is required"
	refused "audit $s2 is rescheduled by a quality manager; eve@cb.example is not one" \
		2026-02-10T09:00:00Z --as eve@cb.example audit reschedule "$s2" --dates 2026-04-13..2026-04-15 --reason x
	refused "stage 2 planned to start 2026-03-03, before stage 1 ($s1) has ended (2026-03-03)" \
		2026-02-10T09:00:00Z --as ada@example.org audit reschedule "$s2" --dates 2026-03-03..2026-03-04 --reason x
	ok 2026-02-10T09:00:00Z --as ada@example.org audit reschedule "$s2" --dates 2026-04-13..2026-04-15 \
		--reason "Lead auditor ill"
	run audit show "$s2"
	expect_out "Planned    2026-04-06..2026-04-08 by ada@example.org"
	expect_out "Moved to   2026-04-13..2026-04-15 by ada@example.org: Lead auditor ill"
	run audit list --format csv
	expect_out "$s2,stage2,planned,2026-04-13..2026-04-15"
	# As of the day before, the old dates were in effect.
	run audit list --format csv --at 2026-02-09
	expect_out "$s2,stage2,planned,2026-04-06..2026-04-08"
	# The history says what happened and why.
	git --git-dir="$SMSAUDIT_REPO" log -1 --format=%s main >"$TMPD/subject"
	grep -q "audit reschedule: $s2 (stage2, to 2026-04-13..2026-04-15: Lead auditor ill)" "$TMPD/subject" ||
		fail "commit subject: $(cat "$TMPD/subject")"

	# Cancel: listed apart as cancelled; nothing further happens to it.
	ok 2026-02-11T09:00:00Z --as ada@example.org audit cancel "$sv" --reason "Planned in the wrong year"
	run audit list --format csv
	expect_out "$sv,surveillance,cancelled,"
	run audit list --format csv --at 2026-02-10
	expect_out "$sv,surveillance,planned,"
	run audit show "$sv"
	expect_out "Cancelled  by ada@example.org: Planned in the wrong year"
	# A calendar that had the audit takes it out: same UID, CANCELLED, a higher SEQUENCE.
	run calendar
	expect_rc 0
	awk -v id="$sv" '/^BEGIN:VEVENT/ { e = "" } { e = e $0 "\n" } /^END:VEVENT/ && index(e, "UID:" id) { print e }' \
		"$out" | tr -d '\r' >"$TMPD/ev.ics"
	grep -q "^STATUS:CANCELLED" "$TMPD/ev.ics" || fail "the cancelled audit is not CANCELLED in the calendar: $(cat "$TMPD/ev.ics")"
	grep -q "^SEQUENCE:[1-9]" "$TMPD/ev.ics" || fail "the cancelled audit's SEQUENCE did not grow"
	refused "starts audit $sv, which was cancelled" 2027-03-01T09:00:00Z --as eve@cb.example audit start "$sv"
	refused "cancels audit $sv, which was cancelled" 2026-02-12T09:00:00Z --as ada@example.org audit cancel "$sv" \
		--reason again
	refused "names audit $sv, which was cancelled" 2026-02-12T09:00:00Z --as eve@cb.example finding raise \
		--source surveillance --audit "$sv" --grade minor --clause 8.6.1 --statement "From a cancelled audit"
	# A cancelled audit no longer blocks the same one planned again.
	ok 2026-02-12T09:00:00Z $P --type surveillance --dates 2027-03-01..2027-03-01
	ok 2026-03-02T09:00:00Z --as eve@cb.example audit start "$s1"
	refused "audit $s1 has started" 2026-03-02T10:00:00Z --as ada@example.org audit reschedule "$s1" \
		--dates 2026-03-09..2026-03-10 --reason late
	ok 2026-03-03T17:00:00Z --as eve@cb.example audit conclude "$s1" --dates 2026-03-02..2026-03-03 \
		--recommendation none --summary "Ready"
	refused "audit $s1 is already concluded" 2026-03-04T09:00:00Z --as ada@example.org audit cancel "$s1" \
		--reason late
	expect_verify_ok 2026-03-05T00:00:00Z

	# An insider with git and openssl: a cancellation signed by an auditor, and
	# a rescheduling of a concluded audit, are refused by verify.
	SMSAUDIT_NOW=2026-03-05T09:00:00Z handmade audit ida@example.org "  <audit>
    <cancelled audit=\"$s2\">
      <reason>not mine to cancel</reason>
    </cancelled>
  </audit>" || return
	SMSAUDIT_NOW=2026-03-05T09:00:01Z handmade audit ada@example.org "  <audit>
    <rescheduled audit=\"$s1\">
      <planned from=\"2026-05-01\" to=\"2026-05-02\"/>
      <reason>rewrite history</reason>
    </rescheduled>
  </audit>" || return
	SMSAUDIT_NOW=2026-03-06T00:00:00Z run verify
	expect_rc 1
	expect_out "audit $s2 is cancelled by a quality manager; ida@example.org is not one"
	expect_out "audit $s1 is already concluded"
	SMSAUDIT_NOW=2026-03-06T00:00:00Z run audit list --format csv
	expect_out "$s2,stage2,planned,2026-04-13..2026-04-15"
	expect_out "$s1,stage1,concluded,2026-03-02..2026-03-03"
}

test_sms_change() {
	corr_repo || return
	S="--as ada@example.org sms change"
	at 2026-02-01T09:00:00Z $S --add-site Leeds2
	expect_rc 2
	expect_err "--reason is required"
	refused "nothing to change" 2026-02-01T09:00:00Z $S --reason x
	refused "--remove-site 'Paris' is not one of the SMS's sites" 2026-02-01T09:00:00Z $S --remove-site Paris --reason x
	refused "--add-service 'Hosting' is one of the SMS's services already" \
		2026-02-01T09:00:00Z $S --add-service Hosting --reason x
	refused "ben@example.org may not change the SMS description" \
		2026-02-01T09:00:00Z --as ben@example.org sms change --add-site Paris --reason x
	# A site not in the SMS cannot be audited; once added, it can.
	refused "--site 'Paris' is not one of the SMS's sites" 2026-02-01T09:00:00Z --as ada@example.org audit plan \
		--type stage1 --dates 2026-03-02..2026-03-03 --body CB --lead eve@cb.example --site Paris
	ok 2026-02-02T09:00:00Z $S --add-site Paris --remove-site York --add-service Backup \
		--scope "Managed hosting and backup" --org "Example Services Group" --cb "Example Certification Ltd" \
		--minor-plan-days 45 --reason "Paris office opened; York closed"
	ok 2026-02-03T09:00:00Z --as ada@example.org audit plan --type stage1 --dates 2026-03-02..2026-03-03 --body CB \
		--lead eve@cb.example --site Paris
	run sms show --format csv
	expect_out "organisation,Example Services Group"
	expect_out "scope,Managed hosting and backup"
	expect_out "sites,Leeds Paris"
	expect_no_out "sites,Leeds York"
	expect_out "services,Hosting Backup"
	expect_out "certification_body,Example Certification Ltd"
	expect_out "minor_plan_days,45"
	expect_out "last_change_reason,Paris office opened; York closed"
	# Every reader names the organisation as the description in force says.
	run status
	expect_out "Example Services Group"
	run gap --at 2026-02-01
	expect_out "Example Services Ltd"
	# As of the day before, the description of that day.
	run sms show --format csv --at 2026-02-01
	expect_out "organisation,Example Services Ltd"
	expect_out "sites,Leeds York"
	expect_no_out "Paris"
	expect_out "minor_plan_days,30"
	expect_no_out "last_change_reason,P"
	# The next change does not inherit the reason of this one.
	ok 2026-02-04T09:00:00Z --as ada@example.org sms set-cycle --surveillances 2
	run sms show --format csv
	expect_no_out "last_change_reason,P"
	git --git-dir="$SMSAUDIT_REPO" log --format=%s main | grep -q "^sms change: Paris office opened; York closed$" ||
		fail "no 'sms change' commit in the history"
	expect_verify_ok 2026-02-05T00:00:00Z
}

test_evidence_amend() {
	corr_repo || return
	echo "policy v1" >"$TMPD/policy.txt"
	ok 2026-02-01T09:00:00Z --as ben@example.org evidence add "$TMPD/policy.txt" --control 5.2.1 --kind plan \
		--title "Servce policy" --valid-until 2026-03-01
	ev=$(sed -n 's/^\(ev-[0-9a-f-]*\) .*/\1/p' "$out")
	blobs=$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r main content | wc -l)
	run gap --explain 5.2.1
	expect_out "missing: no policy evidence linked to 5.2.1"
	A="--as ben@example.org evidence amend $ev"
	at 2026-02-02T09:00:00Z $A --title x
	expect_rc 2
	expect_err "--reason is required"
	refused "nothing to amend" 2026-02-02T09:00:00Z $A --reason x
	refused "unknown clause '5.9'" 2026-02-02T09:00:00Z $A --control 5.9 --reason x
	refused "valid-until 2025-01-01 is before the period it covers" 2026-02-02T09:00:00Z $A \
		--period 2026-01-01..2026-01-31 --valid-until 2025-01-01 --reason x
	refused "eve@cb.example may not sign an evidence record" \
		2026-02-02T09:00:00Z --as eve@cb.example evidence amend "$ev" --title x --reason x
	ok 2026-02-02T09:00:00Z $A --title "Service policy" --kind policy --valid-until none --reason "Typo and wrong kind"
	new=$(sed -n 's/^\(ev-[0-9a-f-]*\) amends .*/\1/p' "$out")
	# The content is the same file: no new content was stored.
	[ "$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r main content | wc -l)" = "$blobs" ] || fail "content stored again"
	run evidence show "$new" --format csv
	expect_out "title,Service policy"
	expect_out "kind,policy"
	run evidence show "$ev"
	expect_out "Status:        superseded by $new: Typo and wrong kind"
	run gap --explain 5.2.1
	expect_out "$new \"Service policy\""
	expect_out "the one expected item satisfied"
	# As of the day before, the record as it was.
	run gap --explain 5.2.1 --at 2026-02-01
	expect_out "missing: no policy evidence linked to 5.2.1"
	run evidence list --at 2026-02-01 --format csv
	expect_out "$ev,plan"
	refused "evidence $ev is already superseded by $new" 2026-02-03T09:00:00Z $A --title y --reason again
	git --git-dir="$SMSAUDIT_REPO" log -1 --format=%s main | grep -q "^evidence amend: $ev by $new (Typo and wrong kind)$" ||
		fail "no 'evidence amend' commit"
	expect_verify_ok 2026-02-04T00:00:00Z
}

test_finding_withdraw() {
	corr_repo || return
	ok 2026-02-01T09:00:00Z --as ida@example.org finding raise --source internal-audit --grade minor \
		--clause 8.5.1.2 --statement "Raised against the wrong clause"
	ok 2026-02-01T09:10:00Z --as eve@cb.example finding raise --source stage1 --grade minor --clause 8.6.1 \
		--statement "A concern of the body"
	run gap --explain 8.5.1.2
	expect_out "minor nonconformity NC-2026-001 is open"
	refused "NC-2026-001 is withdrawn by an internal auditor or a quality manager; ben@example.org is not one" \
		2026-02-02T09:00:00Z --as ben@example.org finding withdraw NC-2026-001 --reason x
	refused "NC-2026-002 is withdrawn by an external auditor (the certification body's finding); ada@example.org is not one" \
		2026-02-02T09:00:00Z --as ada@example.org finding withdraw NC-2026-002 --reason x
	at 2026-02-02T09:00:00Z --as ada@example.org finding withdraw NC-2026-001
	expect_rc 2
	expect_err "--reason is required"
	ok 2026-02-02T09:00:00Z --as ada@example.org finding withdraw nc-2026-001 --reason "Wrong clause; raised again as NC-2026-003"
	run finding show NC-2026-001
	expect_out "Status    withdrawn 2026-02-02 by ada@example.org: Wrong clause; raised again as NC-2026-003"
	expect_no_out "Deadlines"
	run gap --explain 8.5.1.2
	expect_no_out "NC-2026-001"
	run gap --explain 8.5.1.2 --at 2026-02-01
	expect_out "minor nonconformity NC-2026-001 is open"
	run finding list
	expect_out "NC-2026-001 withdrawn 2026-02-02 by ada@example.org: Wrong clause"
	run finding export
	expect_out "NC-2026-001,"
	expect_out ",withdrawn,"
	run finding list --open --format csv
	expect_no_out "NC-2026-001"
	run status --format csv
	expect_out "NC-2026-002"
	expect_no_out "NC-2026-001"
	refused "correction step for NC-2026-001, which was withdrawn" \
		2026-02-03T09:00:00Z --as ben@example.org finding correct NC-2026-001 --text x
	# Numbers stay: the next finding is NC-2026-003.
	ok 2026-02-03T09:00:00Z --as ida@example.org finding raise --source internal-audit --grade minor \
		--clause 8.5.1.3 --statement "The right clause"
	expect_out "NC-2026-003"
	ok 2026-02-03T09:10:00Z --as eve@cb.example finding withdraw NC-2026-002 --reason "Resolved at the meeting"
	expect_verify_ok 2026-02-04T00:00:00Z
	# An insider: a withdrawal of the body's finding signed by the organisation's
	# quality manager, made with openssl and git plumbing, is refused by verify.
	ok 2026-02-04T09:00:00Z --as eve@cb.example finding raise --source stage1 --grade minor --clause 8.6.2 \
		--statement "Another concern"
	f4=$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main records | sed -n 's|.*/\(finding-[0-9a-f-]*\)\.xml$|\1|p' |
		while read -r id; do repo_cat "$(record_path "$id")" | grep -q "Another concern" && echo "$id"; done)
	SMSAUDIT_NOW=2026-02-05T09:00:00Z handmade step ada@example.org "  <step>
    <finding>$f4</finding>
    <withdrawn>
      <text>we would rather not have it</text>
    </withdrawn>
  </step>" || return
	SMSAUDIT_NOW=2026-02-06T00:00:00Z run verify
	expect_rc 1
	expect_out "NC-2026-004 is withdrawn by an external auditor (the certification body's finding); ada@example.org is not one"
	SMSAUDIT_NOW=2026-02-06T00:00:00Z run finding show NC-2026-004 --format csv
	expect_out "status,open"
}

test_certificate_record() {
	corr_repo || return
	C="--as ada@example.org certificate record --number ITSM-0042 --body ExCert --scope-statement Hosting"
	run certificate show
	expect_out "No certificate is recorded"
	refused "--expires 2026-04-01 is not after --issued 2026-04-01" 2026-04-02T09:00:00Z $C --issued 2026-04-01 \
		--expires 2026-04-01
	refused "--issued 2026-05-01 is in the future" 2026-04-02T09:00:00Z $C --issued 2026-05-01 --expires 2029-04-30
	refused "ben@example.org may not record the certificate" 2026-04-02T09:00:00Z --as ben@example.org certificate \
		record --number X --body B --scope-statement S --issued 2026-04-01 --expires 2029-03-31
	at 2026-04-02T09:00:00Z $C --issued 2026-02-30 --expires 2029-03-31
	expect_rc 2
	expect_err "February 2026 has 28 days"
	ok 2026-04-02T09:00:00Z $C --issued 2026-04-01 --expires 2029-03-31
	run certificate show --format csv
	expect_out "number,ITSM-0042"
	expect_out "expires,2029-03-31"
	# The cycle takes its dates from the certificate.
	run sms show --format csv
	expect_out "certification_decision,2026-04-01"
	expect_out "certificate_expiry,2029-03-31"
	run cycle --format csv
	expect_out "2029-03-31"
	refused "the certificate ITSM-0042 (cert-" 2026-04-02T09:30:00Z --as ada@example.org sms set-cycle \
		--decision 2026-04-01
	# status shows it, and warns from 180 days before the expiry.
	run status --at 2026-06-01
	expect_out "Certificate: ITSM-0042 by ExCert, issued 2026-04-01, expires 2029-03-31"
	expect_no_out "WARNING"
	SMSAUDIT_NOW=2028-12-01T09:00:00Z run status --at 2028-12-01
	expect_out "WARNING: expires in 120 days"
	SMSAUDIT_NOW=2029-04-02T09:00:00Z run status --at 2029-04-02 --format csv
	expect_out "certificate.days_left,-2"
	expect_out "certificate.warning,true"
	# The pack's cover states it.
	ok 2026-04-02T10:00:00Z --as ada@example.org audit plan --type surveillance --dates 2027-03-01..2027-03-02 \
		--body ExCert --lead eve@cb.example
	sv=$(audit_id)
	ok 2026-04-02T11:00:00Z --as ada@example.org pack "$sv" -o "$TMPD/pack"
	pdftotext -layout "$TMPD/pack/pack.pdf" - 2>/dev/null | tr -s ' ' >"$TMPD/pack.txt"
	grep -q "Certificate ITSM-0042, issued 2026-04-01 by ExCert, expires 2029-03-31" "$TMPD/pack.txt" ||
		fail "the pack's cover does not state the certificate: $(grep -i certif "$TMPD/pack.txt" | head -3)"
	# As of the day before it was recorded, there was none.
	run certificate show --at 2026-04-01
	expect_out "No certificate is recorded"
	# A new certificate (a scope extension reissues it) is in force from then on.
	ok 2027-06-01T09:00:00Z $C --number ITSM-0042-R1 --issued 2027-05-30 --expires 2030-05-29
	SMSAUDIT_NOW=2027-06-02T00:00:00Z run certificate show --format csv
	expect_out "number,ITSM-0042-R1"
	run certificate show --format csv --at 2027-05-31
	expect_out "number,ITSM-0042"
	expect_no_out "R1"
	expect_verify_ok 2027-06-02T00:00:00Z
	# An insider: a certificate record signed by a process owner, made with
	# openssl and committed with git plumbing, is refused by verify and ignored.
	SMSAUDIT_NOW=2026-04-03T09:00:00Z handmade cert ben@example.org "  <certificate>
    <number>FORGED</number>
    <body>Nobody</body>
    <scope-statement>Everything</scope-statement>
    <issued>2026-04-03</issued>
    <expires>2040-01-01</expires>
  </certificate>" || return
	SMSAUDIT_NOW=2027-06-03T00:00:00Z run verify
	expect_rc 1
	expect_out "certificate record signed by ben@example.org (roles: process-owner); it needs one of"
	SMSAUDIT_NOW=2027-06-03T00:00:00Z run certificate show --format csv
	expect_out "number,ITSM-0042-R1"
}

test_sms_history_lists_the_changes_of_the_organisation() {
	corr_repo || return
	ok 2026-02-02T09:00:00Z --as ada@example.org sms change --add-site Paris --remove-site York --cb "ExCert" \
		--reason "Paris opened; York closed"
	ok 2026-02-03T09:00:00Z --as ada@example.org sms change --minor-plan-days 45 --reason "Body's rule"
	ok 2026-02-04T09:00:00Z --as ada@example.org person revoke ida@example.org --reason "Left the company"
	run sms history --format csv --at 2026-02-05
	expect_out "sites,added Paris; removed York,ada@example.org,Paris opened; York closed"
	expect_out "certification body,\"ExCert, was none\""
	expect_out "deadline policy,\"major verified within 90 days and 6 months of stage 2, minor planned within 45 days (was 90, 6, 30)\",ada@example.org,Body's rule"
	expect_out "person,ida@example.org revoked,ada@example.org,Left the company"
	expect_out "person,Eve Cole <eve@cb.example> granted external-auditor"
	# Since a date: only what came after it; at a date: only what came before.
	run sms history --format csv --since 2026-02-03 --at 2026-02-05
	expect_no_out "added Paris"
	expect_out "minor planned within 45 days"
	run sms history --format csv --at 2026-02-02
	expect_out "added Paris"
	expect_no_out "45 days"
}

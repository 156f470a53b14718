# Findings and corrective actions through the command line: whole life cycles
# for each grade, deadlines at chosen dates, the register field by field, and
# every rule broken on purpose (refused when recorded, caught by verify when
# written by hand).
. "$ROOT/tests/cli/repo_helpers.sh"

# Ada (quality manager), Ben (process owner), Ida (internal auditor), Eve
# (external auditor), Pat (process owner and internal auditor), and one record
# of change management, so 8.5.1.2 is conformant on evidence alone.
finding_repo() {
	fixture finding_repo finding_repo_afresh COLUMNS EV
}

finding_repo_afresh() {
	export COLUMNS=250
	SMSAUDIT_NOW=2026-01-05T09:00:00Z make_repo || return 1
	add_people 2026-01-05T09:05:00Z "Ida Ng:ida@example.org:internal-auditor" \
		"Eve Cole:eve@cb.example:external-auditor" \
		"Pat Lee:pat@example.org:process-owner,internal-auditor" || return 1
	echo "RFC log" >"$TMPD/rfc.txt"
	SMSAUDIT_NOW=2026-01-06T09:00:00Z "$SMSAUDIT" --as ben@example.org evidence add "$TMPD/rfc.txt" --control 8.5.1.2 \
		--kind record --title "RFC log January" --period 2026-01-01..2026-01-05 >"$TMPD/ev.out" 2>&1 ||
		{ fail "evidence add: $(cat "$TMPD/ev.out")"; return 1; }
	EV=$(sed -n 's/^\(ev-[0-9a-f-]*\) .*/\1/p' "$TMPD/ev.out")
}

# ok WHEN ARGS...: a step that must succeed.
ok() {
	at "$@"
	[ "$rc" = 0 ] || { fail "smsaudit $*: exit $rc: $(cat "$err")"; return 1; }
}

# csv_field N < file: field N (1-based) of the second line of a CSV file (quotes honoured).
csv_field() {
	awk -v want="$1" 'NR == 2 {
		n = 1; f = ""; q = 0
		for (i = 1; i <= length($0); i++) {
			c = substr($0, i, 1)
			if (q) { if (c == "\"") { if (substr($0, i + 1, 1) == "\"") { f = f c; i++ } else q = 0 } else f = f c }
			else if (c == "\"") q = 1
			else if (c == ",") { if (n == want) { print f; exit } n++; f = "" }
			else f = f c
		}
		if (n == want) print f
	}'
}

test_minor_life_cycle_deadlines_and_register() {
	finding_repo || return
	ok 2026-02-01T10:00:00Z --as ida@example.org finding raise --source internal-audit --grade minor \
		--clause 8.5.1.2 --statement "3 of 25 sampled changes had no risk assessment" --evidence "$EV" || return
	expect_out "Raised NC-2026-001"
	run gap --at 2026-02-01 --explain 8.5.1.2
	expect_out "8.5.1.2 Change management initiation: partial"
	expect_out "minor nonconformity NC-2026-001 is open (raised 2026-02-01, open)"
	ok 2026-02-02T10:00:00Z --as ben@example.org finding correct NC-2026-001 --text "The 3 changes were assessed" || return
	ok 2026-02-03T10:00:00Z --as ben@example.org finding cause nc-2026-001 --method 5-whys \
		--text "The RFC form has no risk field" || return
	# The plan comes late: due within 30 days of raising (2026-03-03).
	ok 2026-03-10T10:00:00Z --as ben@example.org finding plan NC-2026-001 \
		--action "Add a mandatory risk field to the RFC form" --owner ben@example.org --due 2026-03-31 \
		--action "Brief the CAB" --owner pat@example.org --due 2026-04-15 || return
	expect_out "2 actions"
	ok 2026-03-20T10:00:00Z --as ben@example.org finding implement NC-2026-001 --action A1 --note "Field added" \
		--evidence "$EV" || return
	ok 2026-04-20T10:00:00Z --as pat@example.org finding implement NC-2026-001 --action 2 --note "CAB briefed" || return
	ok 2026-04-25T10:00:00Z --as ida@example.org finding verify NC-2026-001 --effective \
		--note "Sampled 20 changes since: all assessed" || return
	ok 2026-04-26T10:00:00Z --as ida@example.org finding close NC-2026-001 --note "Closed after verification" || return
	expect_verify_ok

	# Deadlines, day by day around each due date.
	run finding list --overdue --at 2026-03-03
	expect_rc 0
	expect_out "No findings match"
	run finding show NC-2026-001 --at 2026-03-03
	expect_out "due-soon  corrective action planned within 30 days"
	run finding list --overdue --at 2026-03-04
	expect_out "NC-2026-001"
	expect_out "2026-03-03 OVERDUE"
	run finding show NC-2026-001 --at 2026-03-04
	expect_out "Status    open"
	expect_out "overdue   corrective action planned within 30 days"
	run finding show NC-2026-001 --at 2026-03-10
	expect_out "Status    planned"
	expect_out "met-late  corrective action planned within 30 days  (met 2026-03-10)"
	run finding show NC-2026-001 --at 2026-04-15
	expect_out "due-soon  A2: Brief the CAB"
	expect_out "met       A1: Add a mandatory risk field to the RFC form  (met 2026-03-20)"
	run finding show NC-2026-001 --at 2026-04-16
	expect_out "overdue   A2: Brief the CAB"
	run status --at 2026-04-16
	expect_out "1 minor"
	expect_out "1 overdue"
	expect_out "NC-2026-001  2026-04-15  OVERDUE"
	run finding show NC-2026-001 --at 2026-04-21
	expect_out "Status    implemented"
	expect_out "met-late  A2: Brief the CAB  (met 2026-04-20)"
	run gap --at 2026-04-25 --explain 8.5.1.2
	expect_out "8.5.1.2 Change management initiation: partial"
	run gap --at 2026-04-26 --explain 8.5.1.2
	expect_out "8.5.1.2 Change management initiation: conformant"
	run finding list --open --at 2026-04-26
	expect_out "No findings match"

	# The whole history, with who signed each step.
	run finding show NC-2026-001
	expect_out "raised        Ida Ng <ida@example.org>"
	expect_out "correction    Ben Ortiz <ben@example.org>"
	expect_out "implemented   Pat Lee <pat@example.org>"
	expect_out "verified      Ida Ng <ida@example.org>"
	expect_out "closed        Ida Ng <ida@example.org>"
	expect_out "A1 (owner ben@example.org, due 2026-03-31): Add a mandatory risk field to the RFC form"

	# The register, field by field.
	run finding export --at 2026-04-30
	expect_rc 0
	expect_out_lines 2
	head -1 "$out" >"$TMPD/header"
	echo "number,id,grade,class,source,audit,clauses,raised_on,raised_by,statement,correction,cause_method,root_cause,actions,actions_open,verification,verified_on,verified_by,status,closed_on,closed_by,age_days,next_due,next_due_what,due_status,overdue,withdrawn_on,withdrawn_by,withdrawn_reason" >"$TMPD/want"
	cmp -s "$TMPD/header" "$TMPD/want" || fail "register header: $(cat "$TMPD/header")"
	id=$(record_path finding- | sed 's|.*/||; s|\.xml$||')
	i=0
	for want in NC-2026-001 "$id" minor minor internal-audit "" 8.5.1.2 2026-02-01 ida@example.org \
		"3 of 25 sampled changes had no risk assessment" "The 3 changes were assessed" 5-whys \
		"The RFC form has no risk field" \
		"A1 Add a mandatory risk field to the RFC form (owner ben@example.org, due 2026-03-31, done 2026-03-20); A2 Brief the CAB (owner pat@example.org, due 2026-04-15, done 2026-04-20)" \
		0 effective 2026-04-25 ida@example.org closed 2026-04-26 ida@example.org 84 "" "" "" 0; do
		i=$((i + 1))
		got=$(csv_field "$i" <"$out")
		[ "$got" = "$want" ] || fail "register field $i: '$got', expected '$want'"
	done
	run finding export --format json --at 2026-04-30
	expect_out '"number": "NC-2026-001"'
	run finding export --format xml --at 2026-04-30
	expect_out "<number>NC-2026-001</number>"
}

test_major_from_stage2_blocks_readiness_until_verified() {
	finding_repo || return
	ok 2026-03-02T10:00:00Z --as eve@cb.example finding raise --source stage2 --grade major --clause 8.5.1.2 \
		--clause 8.5.1.1 --statement "Emergency changes bypass the CAB with no review" || return
	expect_out "Raised NC-2026-001"
	run gap --at 2026-03-02 --explain 8.5.1.2
	expect_out "8.5.1.2 Change management initiation: gap"
	expect_out "major nonconformity NC-2026-001 is open"
	run gap --stage stage2 --at 2026-03-02
	expect_rc 1
	expect_out "[MISS] no open major nonconformity"
	expect_out "open: NC-2026-001"
	ok 2026-03-03T10:00:00Z --as ben@example.org finding correct NC-2026-001 --text "Reviewed the 4 emergency changes" || return
	ok 2026-03-05T10:00:00Z --as ada@example.org finding cause NC-2026-001 --method fishbone --text "No ECAB defined" || return
	ok 2026-03-06T10:00:00Z --as ada@example.org finding plan NC-2026-001 --action "Define and staff an ECAB" \
		--owner pat@example.org --due 2026-04-30 || return
	ok 2026-04-10T10:00:00Z --as pat@example.org finding implement NC-2026-001 --action 1 --note "ECAB in place" || return
	# Pat is an internal auditor too, but implemented the action.
	refused "pat@example.org implemented action A1 of NC-2026-001, so cannot verify its effectiveness (separation of duties)" \
		2026-04-11T10:00:00Z --as pat@example.org finding verify NC-2026-001 --effective --note "works"
	ok 2026-06-05T10:00:00Z --as eve@cb.example finding verify NC-2026-001 --effective --note "ECAB minutes sampled" || return
	ok 2026-06-06T10:00:00Z --as eve@cb.example finding close NC-2026-001 --note "Closed" || return
	expect_verify_ok
	# 90 days from 2026-03-02 is 2026-05-31; 6 months of stage 2 is 2026-09-02.
	run finding show NC-2026-001 --at 2026-05-31
	expect_out "2026-05-31  due-soon  corrective action verified within 90 days"
	expect_out "2026-09-02  pending   verified within 6 months of stage 2 (else a new stage 2)"
	run finding show NC-2026-001 --at 2026-06-01
	expect_out "2026-05-31  overdue   corrective action verified within 90 days"
	run finding list --overdue --at 2026-06-01
	expect_out "NC-2026-001  major  implemented"
	run status --at 2026-06-01
	expect_out "1 major, 0 minor"
	expect_out "NC-2026-001  2026-05-31  OVERDUE"
	expect_out "corrective action verified within 90 days"
	run finding show NC-2026-001 --at 2026-06-06
	expect_out "met-late  corrective action verified within 90 days  (met 2026-06-05)"
	expect_out "met       verified within 6 months of stage 2 (else a new stage 2)  (met 2026-06-05)"
	run gap --stage stage2 --at 2026-06-06
	expect_out "[ok] no open major nonconformity"
	run gap --at 2026-06-06 --explain 8.5.1.2
	expect_out "8.5.1.2 Change management initiation: conformant"
	run finding list --grade major --clause 8.5 --format csv --at 2026-06-06
	expect_out_lines 2
	run finding list --grade minor
	expect_out "No findings match"
}

test_observation_and_ofi_close_with_a_response() {
	finding_repo || return
	ok 2026-02-01T10:00:00Z --as ida@example.org finding raise --source internal-audit --grade observation \
		--clause 8.5.1.2 --statement "Change records could name the requester more clearly" || return
	expect_out "Raised OBS-2026-001"
	ok 2026-02-02T10:00:00Z --as ada@example.org finding raise --source self-identified --grade ofi --clause 9.1 \
		--statement "Dashboards could show trends" || return
	expect_out "Raised OFI-2026-002"
	# Neither lowers the gap status.
	run gap --at 2026-02-02 --explain 8.5.1.2
	expect_out "8.5.1.2 Change management initiation: conformant"
	refused "OFI-2026-002 has no corrective action to verify" \
		2026-02-03T10:00:00Z --as ida@example.org finding verify OFI-2026-002 --effective --note "x"
	ok 2026-02-04T10:00:00Z --as ida@example.org finding close OBS-2026-001 \
		--response "Requester field made mandatory in the tool" || return
	ok 2026-02-05T10:00:00Z --as eve@cb.example finding close OFI-2026-002 --note "Noted; trends planned for Q3" || return
	run finding list
	expect_out "OBS-2026-001  observation  closed"
	expect_out "OFI-2026-002  ofi          closed"
	run finding show OFI-2026-002
	expect_out "Opportunity for improvement (ofi)"
	expect_no_out "Deadlines"
	expect_verify_ok
	# Findings and steps read from the verification cache give the same answers.
	run finding export --no-cache
	cp "$out" "$TMPD/cold"
	run finding export
	run finding export
	cmp -s "$out" "$TMPD/cold" || fail "finding export differs between a cold and a warm cache"
	ls "$SMSAUDIT_REPO"/smsaudit-cache/records-* >/dev/null 2>&1 || fail "no verification cache was written"
}

test_not_effective_goes_back_to_planning_and_reopen_needs_a_new_verification() {
	finding_repo || return
	ok 2026-02-01T10:00:00Z --as ida@example.org finding raise --source internal-audit --grade minor --clause 8.5.1.2 \
		--statement "Risk not assessed" || return
	ok 2026-02-02T10:00:00Z --as ben@example.org finding cause NC-2026-001 --method other --text "Unclear form" || return
	ok 2026-02-03T10:00:00Z --as ben@example.org finding plan NC-2026-001 --action "Reword the form" \
		--owner ben@example.org --due 2026-02-28 || return
	ok 2026-02-10T10:00:00Z --as ben@example.org finding implement NC-2026-001 --action 1 --note "Reworded" || return
	ok 2026-02-20T10:00:00Z --as ida@example.org finding verify NC-2026-001 --not-effective \
		--note "Still 2 of 10 without risk" || return
	expect_out "not effective; plan new actions"
	run finding show NC-2026-001
	expect_out "Status    open (last verification: not effective)"
	refused "its actions were found not effective and no new ones are planned" \
		2026-02-21T10:00:00Z --as ida@example.org finding close NC-2026-001 --note "x"
	refused "the last verification found the actions not effective; plan new actions first" \
		2026-02-21T10:00:00Z --as ida@example.org finding verify NC-2026-001 --effective --note "x"
	ok 2026-02-22T10:00:00Z --as ben@example.org finding plan NC-2026-001 --action "Make the field mandatory" \
		--owner ben@example.org --due 2026-03-15 || return
	ok 2026-03-01T10:00:00Z --as ben@example.org finding implement NC-2026-001 --action A2 --note "Mandatory" || return
	ok 2026-03-05T10:00:00Z --as ida@example.org finding verify NC-2026-001 --effective --note "10 of 10" || return
	ok 2026-03-06T10:00:00Z --as ida@example.org finding close NC-2026-001 --note "Closed" || return
	refused "NC-2026-001 is closed; reopen it before recording a correction step" \
		2026-03-07T10:00:00Z --as ben@example.org finding correct NC-2026-001 --text "x"
	refused "is signed by one of: quality-manager, internal-auditor, external-auditor; ben@example.org is process-owner" \
		2026-03-07T10:00:00Z --as ben@example.org finding reopen NC-2026-001 --reason "x"
	ok 2026-04-01T10:00:00Z --as ada@example.org finding reopen NC-2026-001 --reason "Recurred in March sample" || return
	refused "NC-2026-001 is not closed, so it cannot be reopened" \
		2026-04-01T11:00:00Z --as ida@example.org finding reopen NC-2026-001 --reason "x"
	run finding show NC-2026-001
	expect_out "Status    implemented"
	run gap --explain 8.5.1.2
	expect_out "minor nonconformity NC-2026-001 is open (raised 2026-02-01, implemented)"
	refused "NC-2026-001 cannot be closed without an effectiveness verification" \
		2026-04-02T10:00:00Z --as ida@example.org finding close NC-2026-001 --note "x"
	ok 2026-04-03T10:00:00Z --as eve@cb.example finding verify NC-2026-001 --effective --note "Resampled" || return
	ok 2026-04-04T10:00:00Z --as eve@cb.example finding close NC-2026-001 --note "Closed again" || return
	ok 2026-04-06T10:00:00Z --as ida@example.org finding reopen NC-2026-001 --reason "Again" || return
	expect_verify_ok
}

test_misuse_is_refused_and_nothing_is_written() {
	finding_repo || return
	refused "finding 'NC-2026-099' does not exist" \
		2026-02-01T10:00:00Z --as ben@example.org finding correct NC-2026-099 --text "x"
	refused "--evidence ev-20260101-00000000deadbeef" \
		2026-02-01T10:00:00Z --as ida@example.org finding raise --source internal-audit --grade minor --clause 8.5.1.2 \
		--statement "s" --evidence ev-20260101-00000000deadbeef
	refused "grade 'critical' is not in the grade scale of smsaudit.xml (major, minor, observation, ofi)" \
		2026-02-01T10:00:00Z --as ida@example.org finding raise --source internal-audit --grade critical \
		--clause 8.5.1.2 --statement "s"
	refused "a finding from an internal audit is signed by one of: internal-auditor; ben@example.org is process-owner" \
		2026-02-01T10:00:00Z --as ben@example.org finding raise --source internal-audit --grade minor \
		--clause 8.5.1.2 --statement "s"
	refused "a finding from a certification audit is signed by one of: external-auditor" \
		2026-02-01T10:00:00Z --as ida@example.org finding raise --source surveillance --grade minor \
		--clause 8.5.1.2 --statement "s"
	refused "clause '8.5' is a heading" \
		2026-02-01T10:00:00Z --as ida@example.org finding raise --source internal-audit --grade minor --clause 8.5 \
		--statement "s"
	refused "--clause 12.1" \
		2026-02-01T10:00:00Z --as ida@example.org finding raise --source internal-audit --grade minor --clause 12.1 \
		--statement "s"
	refused "--date: a finding cannot be raised on a future date" \
		2026-02-01T10:00:00Z --as ida@example.org finding raise --source internal-audit --grade minor \
		--clause 8.5.1.2 --statement "s" --date 2026-02-02
	refused "--audit: audit 'audit-20260101-00000000deadbeef' does not exist" \
		2026-02-01T10:00:00Z --as ida@example.org finding raise --source internal-audit --grade minor \
		--clause 8.5.1.2 --statement "s" --audit audit-20260101-00000000deadbeef
	at 2026-02-01T10:00:00Z --as ida@example.org finding raise --source nowhere --grade minor --clause 8.5.1.2 --statement s
	expect_rc 2
	expect_err "unknown source 'nowhere'"

	ok 2026-02-01T10:00:00Z --as ida@example.org finding raise --source internal-audit --grade minor \
		--clause 8.5.1.2 --statement "Risk not assessed" --date 2026-01-30 || return
	refused "NC-2026-001 has no action A1 (no corrective action is planned yet)" \
		2026-02-02T10:00:00Z --as ben@example.org finding implement NC-2026-001 --action 1 --note "done"
	refused "NC-2026-001 plans corrective action before a root cause is recorded" \
		2026-02-02T10:00:00Z --as ben@example.org finding plan NC-2026-001 --action "a" --owner ben@example.org --due 2026-03-01
	ok 2026-02-02T10:00:00Z --as ben@example.org finding cause NC-2026-001 --method 5-whys --text "c" || return
	refused "the plan step of NC-2026-001 is signed by one of: quality-manager, process-owner; ida@example.org is internal-auditor" \
		2026-02-03T10:00:00Z --as ida@example.org finding plan NC-2026-001 --action "a" --owner ben@example.org --due 2026-03-01
	refused "action 1 is due 2026-01-29, before the finding was raised (2026-01-30)" \
		2026-02-03T10:00:00Z --as ben@example.org finding plan NC-2026-001 --action "a" --owner ben@example.org --due 2026-01-29
	refused "action 2 is owned by zed@example.org, who is not a person of this repository" \
		2026-02-03T10:00:00Z --as ben@example.org finding plan NC-2026-001 --action "a" --owner ben@example.org \
		--due 2026-03-01 --action "b" --owner zed@example.org --due 2026-03-01
	at 2026-02-03T10:00:00Z --as ben@example.org finding plan NC-2026-001 --action "a" --due 2026-03-01
	expect_rc 2
	expect_err "needs --owner EMAIL and --due DATE"
	ok 2026-02-03T10:00:00Z --as ben@example.org finding plan NC-2026-001 --action "Add a risk field" \
		--owner pat@example.org --due 2026-03-01 || return
	refused "action A1 is owned by pat@example.org, so ben@example.org cannot sign its implementation" \
		2026-02-04T10:00:00Z --as ben@example.org finding implement NC-2026-001 --action 1 --note "done"
	refused "NC-2026-001 cannot be closed while actions are open (A1)" \
		2026-02-04T10:00:00Z --as ida@example.org finding close NC-2026-001 --note "done"
	refused "NC-2026-001 cannot be verified while actions are open (A1)" \
		2026-02-04T10:00:00Z --as ida@example.org finding verify NC-2026-001 --effective --note "done"
	ok 2026-02-05T10:00:00Z --as pat@example.org finding implement NC-2026-001 --action 1 --note "Added" || return
	refused "action A1 is already implemented" \
		2026-02-06T10:00:00Z --as pat@example.org finding implement NC-2026-001 --action 1 --note "again"
	refused "separation of duties" \
		2026-02-06T10:00:00Z --as pat@example.org finding verify NC-2026-001 --effective --note "fine"
	refused "the closed step of NC-2026-001 is signed by one of: internal-auditor, external-auditor; ben@example.org is process-owner" \
		2026-02-06T10:00:00Z --as ben@example.org finding close NC-2026-001 --note "done"
	refused "NC-2026-001 cannot be closed without an effectiveness verification" \
		2026-02-06T10:00:00Z --as ida@example.org finding close NC-2026-001 --note "done"
	at 2026-02-06T10:00:00Z --as ida@example.org finding verify NC-2026-001 --note "x"
	expect_rc 2
	expect_err "give one of --effective or --not-effective"
	at 2026-02-06T10:00:00Z --as ida@example.org finding close NC-2026-001
	expect_rc 2
	expect_err "--note is required"
	expect_verify_ok
}

test_handmade_records_that_skip_the_gates_are_caught_by_verify() {
	finding_repo || return
	# Each record at its own time on the injected clock: the steps of a finding
	# are ordered by signing time, hand-made ones as much as the tool's.
	nc=NC-2026-001
	ok 2026-01-07T09:00:00Z --as ida@example.org finding raise --source internal-audit --grade minor \
		--clause 8.5.1.2 --statement Risk || return
	ok 2026-01-07T09:01:00Z --as ben@example.org finding cause "$nc" --method 5-whys --text c || return
	fid=$(record_path finding- | sed 's|.*/||; s|\.xml$||')
	at 2026-01-07T09:02:00Z --as ben@example.org finding plan "$nc" --action "Add a risk field" --owner pat@example.org --due 2099-01-01
	expect_rc 0
	plan=$(git --git-dir="$SMSAUDIT_REPO" log -1 --format=%B main | sed -n 's/^Smsaudit-Record: //p')
	expect_verify_ok

	SMSAUDIT_NOW=2026-01-07T10:00:01Z handmade step ida@example.org "  <step>
    <finding>$fid</finding>
    <closed>
      <text>closing with the action open</text>
    </closed>
  </step>" || return
	SMSAUDIT_NOW=2026-01-07T10:00:02Z handmade step ben@example.org "  <step>
    <finding>$fid</finding>
    <closed>
      <text>a process owner closing</text>
    </closed>
  </step>" || return
	SMSAUDIT_NOW=2026-01-07T10:00:03Z handmade step ben@example.org "  <step>
    <finding>finding-20260101-00000000deadbeef</finding>
    <correction>
      <text>for a finding that does not exist</text>
    </correction>
  </step>" || return
	SMSAUDIT_NOW=2026-01-07T10:00:04Z handmade step pat@example.org "  <step>
    <finding>$fid</finding>
    <implemented plan=\"step-20260101-00000000deadbeef\" action=\"1\">
      <text>implemented before it was planned</text>
    </implemented>
  </step>" || return
	SMSAUDIT_NOW=2026-01-07T10:00:05Z handmade step ben@example.org "  <step>
    <finding>$fid</finding>
    <plan>
      <action owner=\"ben@example.org\" due=\"2000-01-01\">
        <description>due before the raise</description>
      </action>
    </plan>
  </step>" || return
	SMSAUDIT_NOW=2026-01-07T10:00:06Z handmade finding ida@example.org "  <finding>
    <source>internal-audit</source>
    <grade>critical</grade>
    <raised-on>2026-01-07</raised-on>
    <clauses>
      <clause>8.5.1.2</clause>
    </clauses>
    <statement>a grade outside the scale</statement>
  </finding>" || return
	SMSAUDIT_NOW=2026-01-07T10:00:07Z handmade finding ida@example.org "  <finding>
    <source>internal-audit</source>
    <grade>minor</grade>
    <raised-on>2026-01-07</raised-on>
    <clauses>
      <clause>8.5.1.2</clause>
    </clauses>
    <statement>citing evidence that does not exist</statement>
    <objective-evidence>
      <evidence id=\"ev-20260101-00000000deadbeef\" commit=\"$(git --git-dir="$SMSAUDIT_REPO" rev-parse main)\" sha256=\"$(printf '%064d' 0)\"/>
    </objective-evidence>
  </finding>" || return
	# Pat implements by hand (allowed: he owns the action), then verifies his own work.
	SMSAUDIT_NOW=2026-01-07T10:00:08Z handmade step pat@example.org "  <step>
    <finding>$fid</finding>
    <implemented plan=\"$plan\" action=\"1\">
      <text>done</text>
    </implemented>
  </step>" || return
	SMSAUDIT_NOW=2026-01-07T10:00:09Z handmade step pat@example.org "  <step>
    <finding>$fid</finding>
    <verified result=\"effective\">
      <text>verifying my own work</text>
    </verified>
  </step>" || return
	run verify
	expect_rc 1
	expect_out "$nc cannot be closed while actions are open (A1)"
	expect_out "the closed step of $nc is signed by one of: internal-auditor, external-auditor; ben@example.org is process-owner"
	expect_out "correction step for finding finding-20260101-00000000deadbeef, which does not exist"
	expect_out "marks action 1 of plan step-20260101-00000000deadbeef implemented, but $nc has no such planned action"
	expect_out "action 1 is due 2000-01-01, before the finding was raised"
	expect_out "grade 'critical' is not in the grade scale"
	expect_out "cites evidence ev-20260101-00000000deadbeef, which does not exist"
	expect_out "pat@example.org implemented action A1 of $nc, so cannot verify its effectiveness (separation of duties)"
	# The refused records count for nothing: the finding is still open, the
	# implementation Pat signed by hand (which breaks no rule) counts.
	run finding show "$fid"
	expect_out "Status    implemented"
}

test_grade_scale_replaced_to_match_a_certification_body() {
	finding_repo || return
	printf '# CB scale\ncat1,major,Category 1 nonconformity\ncat2,minor,Category 2 nonconformity\n\naoc,observation,Area of concern\n' >"$TMPD/scale"
	before=$(commits)
	run --as ben@example.org sms set-grades "$TMPD/scale"
	expect_rc 3
	expect_err "only a quality manager signs it"
	expect_commits "$before"
	ok 2026-02-01T09:00:00Z --as ada@example.org sms set-grades "$TMPD/scale" || return
	expect_out "3 grades"
	expect_commits $((before + 1))
	run sms show
	expect_out "cat1  major        Category 1 nonconformity"
	refused "grade 'major' is not in the grade scale of smsaudit.xml (cat1, cat2, aoc)" \
		2026-02-02T10:00:00Z --as ida@example.org finding raise --source internal-audit --grade major \
		--clause 8.5.1.2 --statement "s"
	ok 2026-02-02T10:00:00Z --as ida@example.org finding raise --source internal-audit --grade cat1 \
		--clause 8.5.1.2 --statement "Emergency changes unreviewed" || return
	expect_out "Raised NC-2026-001"
	run gap --explain 8.5.1.2
	expect_out "major nonconformity NC-2026-001 is open"
	printf 'cat1,minor,Category 1\ncat2,minor,Category 2\n' >"$TMPD/scale2"
	refused "grade cat1 is used by NC-2026-001 as major; its class cannot change to minor" \
		2026-02-03T09:00:00Z --as ada@example.org sms set-grades "$TMPD/scale2"
	printf 'cat2,minor,Category 2\n' >"$TMPD/scale3"
	refused "grade cat1 is used by NC-2026-001; the new scale must keep it" \
		2026-02-03T09:00:00Z --as ada@example.org sms set-grades "$TMPD/scale3"
	printf 'aoc,observation,Area of concern\n' >"$TMPD/scale4"
	refused "the scale has no nonconformity grade" \
		2026-02-03T09:00:00Z --as ada@example.org sms set-grades "$TMPD/scale4"
	printf 'cat1,major,A\ncat2,severe,B\n' >"$TMPD/scale5"
	run --as ada@example.org sms set-grades "$TMPD/scale5"
	expect_rc 3
	expect_err "scale5:2: unknown grade class 'severe'"
	printf 'cat1 major A\n' >"$TMPD/scale6"
	run --as ada@example.org sms set-grades "$TMPD/scale6"
	expect_rc 3
	expect_err "scale6:1: expected 'id,class,label'"
	printf 'cat1,major,A\nCat 2,minor,B\n' >"$TMPD/scale7"
	run --as ada@example.org sms set-grades "$TMPD/scale7"
	expect_rc 3
	expect_err "grade 2: id 'Cat 2' must be 1-32 of a-z, 0-9 and '-'"
	expect_verify_ok
}

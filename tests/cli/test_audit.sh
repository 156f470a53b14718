# Audits through the command line: planned by the quality manager, concluded
# by an auditor on the audit, findings linked to them, and misuse refused.
. "$ROOT/tests/cli/repo_helpers.sh"

audit_repo() {
	fixture audit_repo audit_repo_afresh COLUMNS
}

audit_repo_afresh() {
	export COLUMNS=250
	SMSAUDIT_NOW=2026-01-05T09:00:00Z make_repo || return 1
	add_people 2026-01-05T09:05:00Z "Ida Ng:ida@example.org:internal-auditor" \
		"Eve Cole:eve@cb.example:external-auditor" \
		"Finn Roe:finn@cb.example:external-auditor" || return 1
}

# plan WHEN TYPE DATES [more options]: plan an audit as Ada; sets $AUDIT.
plan() {
	when=$1 type=$2 dates=$3
	shift 3
	at "$when" --as ada@example.org audit plan --type "$type" --dates "$dates" --body "Example Certification Ltd" "$@"
	[ "$rc" = 0 ] || { fail "audit plan $type: $(cat "$err")"; return 1; }
	AUDIT=$(sed -n 's/.* audit \(audit-[0-9a-f-]*\) .*/\1/p' "$out")
}

test_certification_audits_and_their_findings() {
	audit_repo || return
	plan 2026-02-01T09:00:00Z stage1 2026-03-02..2026-03-03 --lead eve@cb.example || return
	s1=$AUDIT
	refused "stage 2 planned to start 2026-03-03, before stage 1 ($s1) has ended (2026-03-03)" \
		2026-02-01T10:00:00Z --as ada@example.org audit plan --type stage2 --dates 2026-03-03..2026-03-05 \
		--body "Example Certification Ltd" --lead eve@cb.example
	plan 2026-02-01T10:00:00Z stage2 2026-04-06..2026-04-08 --lead eve@cb.example --team finn@cb.example \
		--clause 8.5 --clause 8.6 --service Hosting --site Leeds || return
	s2=$AUDIT
	plan 2026-02-01T11:00:00Z surveillance 2027-03-01..2027-03-01 --lead finn@cb.example || return
	surv=$AUDIT
	refused "an audit is planned by a quality manager; ben@example.org is not one" \
		2026-02-01T12:00:00Z --as ben@example.org audit plan --type internal --dates 2026-05-01..2026-05-01 \
		--body "Internal team" --lead ida@example.org
	refused "--clause 12" \
		2026-02-01T12:00:00Z --as ada@example.org audit plan --type internal --dates 2026-05-01..2026-05-01 \
		--body "Internal team" --lead ida@example.org --clause 12
	at 2026-02-01T12:00:00Z --as ada@example.org audit plan --type stage3 --dates 2026-05-01..2026-05-01 --body B --lead x@y
	expect_rc 2
	expect_err "unknown audit type 'stage3'"
	at 2026-02-01T12:00:00Z --as ada@example.org audit plan --type internal --dates 2026-05-02..2026-05-01 --body B --lead x@y
	expect_rc 2
	refused "audit 'audit-20260101-00000000deadbeef' does not exist" \
		2026-03-02T09:00:00Z --as eve@cb.example audit start audit-20260101-00000000deadbeef

	ok_run() { at "$@"; [ "$rc" = 0 ] || fail "smsaudit $*: $(cat "$err")"; }
	ok_run 2026-03-02T09:00:00Z --as eve@cb.example audit start "$s1"
	refused "audit $s1 is already started" 2026-03-02T09:30:00Z --as ada@example.org audit start "$s1"
	refused "ida@example.org is not on audit $s1 (lead eve@cb.example), so cannot conclude it" \
		2026-03-03T17:00:00Z --as ida@example.org audit conclude "$s1" --dates 2026-03-02..2026-03-03 \
		--recommendation none --summary "x"
	refused "is concluded before its last day" \
		2026-03-02T17:00:00Z --as eve@cb.example audit conclude "$s1" --dates 2026-03-02..2026-03-03 \
		--recommendation none --summary "x"
	ok_run 2026-03-03T17:00:00Z --as eve@cb.example audit conclude "$s1" --dates 2026-03-02..2026-03-03 \
		--recommendation none --summary "Ready for stage 2" --concern "Supplier controls (8.2.3) thinly evidenced"
	refused "audit $s1 is already concluded" \
		2026-03-04T17:00:00Z --as eve@cb.example audit conclude "$s1" --dates 2026-03-02..2026-03-03 \
		--recommendation none --summary "again"
	# Finn is on the stage 2 team: he may conclude it.
	ok_run 2026-04-08T17:00:00Z --as finn@cb.example audit conclude "$s2" --dates 2026-04-06..2026-04-08 \
		--recommendation conditional --summary "Recommended once the major is closed"
	# Findings name their audit; the source must match its type.
	refused "a finding from source stage1 cannot come from a stage2 audit ($s2)" \
		2026-04-08T18:00:00Z --as eve@cb.example finding raise --source stage1 --audit "$s2" --grade major \
		--clause 8.5.1.1 --statement "x"
	ok_run 2026-04-10T09:00:00Z --as eve@cb.example finding raise --source stage2 --audit "$s2" --grade major \
		--clause 8.5.1.1 --statement "No emergency change review" --date 2026-04-08
	ok_run 2026-04-10T09:01:00Z --as eve@cb.example finding raise --source stage2 --audit "$s2" --grade minor \
		--clause 8.6.1 --statement "Two incidents without priority" --date 2026-04-08
	# The 6-month limit runs from the stage 2's last day; a minor is verified at the next audit.
	run finding show NC-2026-001 --at 2026-04-10
	expect_out "2026-10-08  pending   verified within 6 months of stage 2 (else a new stage 2)"
	run finding show NC-2026-002 --at 2026-04-10
	expect_out "2027-03-01  pending   implementation verified at the next audit"

	run audit list
	expect_rc 0
	expect_out "$s1  stage1        concluded  2026-03-02..2026-03-03  2026-03-02..2026-03-03"
	expect_out "$surv  surveillance  planned"
	run audit list --type stage2 --format csv
	expect_out_lines 2
	expect_out "conditional"
	run audit show "$s1"
	expect_out "Concern    Supplier controls (8.2.3) thinly evidenced"
	expect_out "Concluded  by eve@cb.example: none"
	run audit show "$(echo "$s2" | cut -c1-20)"
	expect_out "Scope      8.5 8.6; services: Hosting"
	expect_out "Team       finn@cb.example"
	run status --at 2026-04-09
	expect_out "Next audit: surveillance 2027-03-01..2027-03-01 (Example Certification Ltd), $surv"
	run status --at 2026-02-01
	expect_out "Next audit: stage1 2026-03-02..2026-03-03"
	run audit list --at 2026-03-02
	grep -q "^$s1 .*in-progress" "$out" || fail "audit list --at 2026-03-02: $s1 is not in progress"
	grep -q "^$s2 .*planned" "$out" || fail "audit list --at 2026-03-02: $s2 is not planned"
	expect_verify_ok
}

test_internal_audit_concluded_by_an_internal_auditor_only() {
	audit_repo || return
	plan 2026-02-01T09:00:00Z internal 2026-02-10..2026-02-11 --lead ida@example.org --team eve@cb.example \
		--clause 8.5.1.2 || return
	ia=$AUDIT
	refused "an internal audit is concluded by an internal auditor; eve@cb.example is not one" \
		2026-02-11T17:00:00Z --as eve@cb.example audit conclude "$ia" --dates 2026-02-10..2026-02-11 \
		--recommendation none --summary "x"
	at 2026-02-11T17:00:00Z --as ida@example.org audit conclude "$ia" --dates 2026-02-10..2026-02-11 \
		--recommendation none --summary "Two minor findings"
	expect_rc 0
	at 2026-02-12T09:00:00Z --as ida@example.org finding raise --source internal-audit --audit "$ia" --grade minor \
		--clause 8.5.1.2 --statement "RFCs without risk"
	expect_rc 0
	expect_verify_ok
}

test_handmade_audit_records_are_caught_by_verify() {
	audit_repo || return
	# After the audit's dates, each record at its own time on the injected clock.
	at 2026-03-02T09:00:00Z --as ada@example.org audit plan --type stage1 --dates 2026-02-02..2026-02-03 --body CB \
		--lead eve@cb.example
	expect_rc 0
	s1=$(sed -n 's/.* audit \(audit-[0-9a-f-]*\) .*/\1/p' "$out")
	SMSAUDIT_NOW=2026-03-02T10:00:01Z handmade audit ben@example.org "  <audit>
    <plan>
      <type>internal</type>
      <planned from=\"2026-05-01\" to=\"2026-05-01\"/>
      <body>Internal team</body>
      <lead>ida@example.org</lead>
    </plan>
  </audit>" || return
	by_ben=$HAND
	SMSAUDIT_NOW=2026-03-02T10:00:02Z handmade audit ida@example.org "  <audit>
    <concluded audit=\"$s1\">
      <actual from=\"2026-02-02\" to=\"2026-02-03\"/>
      <recommendation>none</recommendation>
      <summary>concluded by someone not on the audit</summary>
    </concluded>
  </audit>" || return
	SMSAUDIT_NOW=2026-03-02T10:00:03Z handmade audit ada@example.org "  <audit>
    <plan>
      <type>stage2</type>
      <planned from=\"2026-02-03\" to=\"2026-02-04\"/>
      <body>CB</body>
      <lead>eve@cb.example</lead>
      <scope>
        <clause>12.1</clause>
      </scope>
    </plan>
  </audit>" || return
	run verify
	expect_rc 1
	expect_out "audit record signed by ben@example.org (roles: process-owner); it needs one of"
	expect_out "ida@example.org is not on audit $s1 (lead eve@cb.example), so cannot conclude it"
	expect_out "the audit's scope names clause '12.1', which is not in the catalogue"
	# Refused records count for nothing: stage 1 is still planned, Ben's audit does not exist.
	run audit list --format csv
	expect_out "$s1,stage1,planned,"
	expect_no_out "$by_ben"
	expect_out_lines 2
}

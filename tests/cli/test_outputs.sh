# Outputs for people who never run the tool: spreadsheets (xlsx), a calendar
# (iCalendar), reminder mails and OSCAL exports, each read back by a real
# consumer (the sheet XML through libxml2's xmllint, libical, the OSCAL XSDs).
. "$ROOT/tests/cli/repo_helpers.sh"

# A small SMS: a policy expiring 2026-03-31 whose title looks like a formula,
# an incident record, a minor nonconformity with an action owned by Ben due
# 2026-03-15, and a stage 1 audit planned for 2026-04-20..21.
outputs_repo() {
	fixture outputs_repo outputs_repo_afresh
}

outputs_repo_afresh() {
	SMSAUDIT_NOW=2026-01-05T09:00:00Z make_repo || return 1
	add_people 2026-01-05T09:10:00Z "Ida Park:ida@example.org:internal-auditor" \
		"Eve Cole:eve@cb.example:external-auditor" || return 1
	printf 'policy\n' >"$TMPD/policy.txt"
	printf 'incidents\n' >"$TMPD/inc.csv"
	SMSAUDIT_NOW=2026-01-06T10:00:00Z "$SMSAUDIT" --as ben@example.org evidence add "$TMPD/policy.txt" \
		--control 5.2.1 --kind policy --title '=HYPERLINK("http://x.example","SM policy")' \
		--valid-until 2026-03-31 >/dev/null 2>"$TMPD/o.err" || { fail "add: $(cat "$TMPD/o.err")"; return 1; }
	SMSAUDIT_NOW=2026-01-06T10:05:00Z "$SMSAUDIT" --as ben@example.org evidence add "$TMPD/inc.csv" \
		--control 8.6.1 --kind record --title "Incident records H2" --period 2025-07-01..2025-12-31 \
		>/dev/null 2>"$TMPD/o.err" || { fail "add: $(cat "$TMPD/o.err")"; return 1; }
	SMSAUDIT_NOW=2026-01-10T10:00:00Z "$SMSAUDIT" --as ida@example.org finding raise --source internal-audit \
		--grade minor --clause 8.6.1 --statement "-2 incidents lacked a review" >/dev/null 2>"$TMPD/o.err" \
		|| { fail "raise: $(cat "$TMPD/o.err")"; return 1; }
	SMSAUDIT_NOW=2026-01-12T10:00:00Z "$SMSAUDIT" --as ben@example.org finding cause NC-2026-001 --method 5-whys \
		--text "No review owner" >/dev/null 2>"$TMPD/o.err" || { fail "cause: $(cat "$TMPD/o.err")"; return 1; }
	SMSAUDIT_NOW=2026-01-12T10:05:00Z "$SMSAUDIT" --as ben@example.org finding plan NC-2026-001 \
		--action "Name a review owner" --owner ben@example.org --due 2026-03-15 >/dev/null 2>"$TMPD/o.err" \
		|| { fail "plan: $(cat "$TMPD/o.err")"; return 1; }
	SMSAUDIT_NOW=2026-01-15T10:00:00Z "$SMSAUDIT" --as ada@example.org audit plan --type stage1 \
		--dates 2026-04-20..2026-04-21 --body "Example Certification Ltd" --lead eve@cb.example --site Leeds \
		>/dev/null 2>"$TMPD/o.err" || { fail "audit plan: $(cat "$TMPD/o.err")"; return 1; }
}

# sheet FILE.xlsx N: unzip sheet N's XML to $TMPD/sheet.xml
sheet() {
	rm -rf "$TMPD/x" && mkdir "$TMPD/x" && (cd "$TMPD/x" && unzip -q "$1") || { fail "$1 is not a zip"; return 1; }
	cp "$TMPD/x/xl/worksheets/sheet$2.xml" "$TMPD/sheet.xml" || { fail "$1 has no sheet $2"; return 1; }
}

# xq XPATH: the string value of XPATH in $TMPD/sheet.xml (namespaces ignored).
xq() {
	xmllint --xpath "string($1)" "$TMPD/sheet.xml" 2>/dev/null
}

expect_eq() {
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

test_xlsx_registers() {
	outputs_repo || return
	export SMSAUDIT_NOW=2026-03-01T09:00:00Z
	run evidence list --format xlsx -o "$TMPD/evidence.xlsx"
	expect_rc 0
	sheet "$TMPD/evidence.xlsx" 1 || return
	xmllint --noout "$TMPD/sheet.xml" || fail "sheet1.xml does not parse"
	# A header row (shared strings, bold), panes frozen under it, an autofilter, widths.
	expect_eq "$(xq "//*[local-name()='pane']/@state")" frozen "frozen pane"
	expect_eq "$(xq "//*[local-name()='pane']/@topLeftCell")" A2 "pane under the header"
	expect_eq "$(xq "//*[local-name()='autoFilter']/@ref")" A1:O3 "autofilter over header and rows"
	expect_eq "$(xq "count(//*[local-name()='col'][@customWidth='1'])")" 15 "column widths"
	expect_eq "$(xq "count(//*[local-name()='f'])")" 0 "no formula anywhere"
	# valid_until (column F) is a real date: a number with a date style, 2026-03-31 = serial 46112.
	row=$(xq "//*[local-name()='c'][*[local-name()='v']='46112']/@r")
	case $row in F[23]) ;; *) fail "no date cell 46112 in column F (got '$row')" ;; esac
	expect_eq "$(xq "//*[local-name()='c'][@r='F1']/@t")" s "header is text"
	# size (column N, after stamped_at) is a number; the formula-like title is a text cell.
	expect_eq "$(xq "//*[local-name()='c'][@r='N2']/@t")" "" "size is a number"
	rm -rf "$TMPD/x" && mkdir "$TMPD/x" && (cd "$TMPD/x" && unzip -q "$TMPD/evidence.xlsx")
	grep -q '=HYPERLINK' "$TMPD/x/xl/sharedStrings.xml" || fail "the title is not a shared (text) string"
	for reg in "finding list" "gap" "cycle plan-surveillance" "audit programme --year 2026"; do
		# shellcheck disable=SC2086
		run $reg --format xlsx -o "$TMPD/reg.xlsx"
		expect_rc 0
		sheet "$TMPD/reg.xlsx" 1 || return
		expect_eq "$(xq "//*[local-name()='pane']/@state")" frozen "$reg: frozen pane"
		[ -n "$(xq "//*[local-name()='autoFilter']/@ref")" ] || fail "$reg: no autofilter"
	done
	# The finding register: raised_on is a date, the statement "-2 ..." text.
	run finding list --format xlsx -o "$TMPD/f.xlsx"
	sheet "$TMPD/f.xlsx" 1 || return
	expect_eq "$(xq "//*[local-name()='c'][@r='H2']/*[local-name()='v']")" 46032 "raised_on 2026-01-10"
	# To standard output when it is not a terminal; refused on other formats.
	run gap --format xlsx
	expect_rc 0
	head -c 2 "$out" | grep -q PK || fail "gap --format xlsx wrote no zip to stdout"
	run gap -o "$TMPD/g.xlsx"
	expect_rc 2
	expect_err "-o FILE goes with --format xlsx"
	[ ! -e "$TMPD/g.xlsx" ] || fail "-o without xlsx wrote a file"
	run evidence list --format xlsx -o "$TMPD/nodir/e.xlsx"
	expect_rc 4
	expect_err_one_line
	expect_err "nodir/e.xlsx"
	ls "$TMPD" | grep -q partial && fail "a partial file was left behind"
	unset SMSAUDIT_NOW
}

# uid_seq FILE UID: the SEQUENCE of the event UID in an .ics file (unfolded).
uid_seq() {
	awk -v uid="UID:$2" '{ sub(/\r$/, "") } $0 == uid { f = 1 } f && /^SEQUENCE:/ { sub(/^SEQUENCE:/, ""); print; exit }' "$1"
}

test_calendar() {
	outputs_repo || return
	export SMSAUDIT_NOW=2026-03-01T09:00:00Z
	run calendar -o "$TMPD/sms.ics"
	expect_rc 0
	expect_err "events written to $TMPD/sms.ics"
	head -1 "$TMPD/sms.ics" | grep -q '^BEGIN:VCALENDAR' || fail "no VCALENDAR"
	grep -q "^UID:finding-.*-a1@[0-9a-f]\{12\}\.smsaudit" "$TMPD/sms.ics" || fail "no event for action A1"
	grep -q '^SUMMARY:stage1 audit (Example Certification Ltd)' "$TMPD/sms.ics" || fail "no audit event"
	grep -q '^DTSTART;VALUE=DATE:20260420' "$TMPD/sms.ics" || fail "the audit does not start on 2026-04-20"
	grep -q '^LOCATION:Leeds' "$TMPD/sms.ics" || fail "the audit has no location"
	grep -q '^SUMMARY:Evidence expires: =HYPERLINK' "$TMPD/sms.ics" || fail "no expiry event"
	grep '^UID:' "$TMPD/sms.ics" | sort >"$TMPD/uids1"
	uid=$(sed -n 's/^UID:\(finding-.*-a1@.*\.smsaudit\).*/\1/p' "$TMPD/sms.ics" | tr -d '\r')
	seq1=$(uid_seq "$TMPD/sms.ics" "$uid")
	# The same repository gives the same events; a step on the finding keeps
	# each event's UID and raises its SEQUENCE.
	run calendar
	expect_rc 0
	grep '^UID:' "$out" | sort | cmp -s - "$TMPD/uids1" || fail "UIDs changed between two runs"
	SMSAUDIT_NOW=2026-03-02T10:00:00Z "$SMSAUDIT" --as ben@example.org finding implement NC-2026-001 --action A1 \
		--note "Owner named" >/dev/null 2>&1 || fail "implement failed"
	SMSAUDIT_NOW=2026-03-03T09:00:00Z run calendar -o "$TMPD/sms2.ics"
	expect_rc 0
	seq2=$(uid_seq "$TMPD/sms2.ics" "$uid")
	[ -n "$seq1" ] && [ -n "$seq2" ] && [ "$seq2" -gt "$seq1" ] || fail "SEQUENCE of $uid: $seq1 then $seq2"
	grep '^UID:' "$TMPD/sms2.ics" | sort | cmp -s - "$TMPD/uids1" || fail "UIDs changed after a step"
	# Nothing half-written.
	run calendar -o "$TMPD/nodir/sms.ics"
	expect_rc 4
	expect_err_one_line
	expect_err "nodir/sms.ics"
	unset SMSAUDIT_NOW
}

test_remind() {
	outputs_repo || return
	add_people 2026-01-20T09:00:00Z "Zoë Ünal:zoe@example.org:process-owner" || return
	printf 'sla\n' >"$TMPD/sla.txt"
	SMSAUDIT_NOW=2026-01-21T10:00:00Z "$SMSAUDIT" --as zoe@example.org evidence add "$TMPD/sla.txt" \
		--control 8.3.3 --kind agreement --title "SLA Hosting" --valid-until 2026-03-20 >/dev/null 2>&1 \
		|| fail "zoe's evidence"
	export SMSAUDIT_NOW=2026-03-01T09:00:00Z
	run remind
	expect_rc 0
	expect_out "Ben Ortiz <ben@example.org>"
	expect_out "NC-2026-001: A1: Name a review owner"
	expect_out "Evidence expires: =HYPERLINK"
	expect_no_out "ida@example.org"
	run remind --days 5
	expect_rc 0
	expect_no_out "NC-2026-001: A1"
	run remind --format csv
	expect_rc 0
	expect_out "person,name,status,date,kind,what,uid"
	expect_out "ben@example.org,Ben Ortiz,due-soon,2026-03-15,deadline"
	# One message per person, for sendmail -t.
	mkdir "$TMPD/outbox"
	run remind --mail --to-dir "$TMPD/outbox"
	expect_rc 0
	ls "$TMPD/outbox" >"$TMPD/outbox.list"
	grep -qx 'ben@example.org.eml' "$TMPD/outbox.list" || fail "no message for Ben: $(cat "$TMPD/outbox.list")"
	grep -qx 'zoe@example.org.eml' "$TMPD/outbox.list" || fail "no message for Zoë"
	grep -q ida "$TMPD/outbox.list" && fail "a message for Ida, who has nothing due"
	m="$TMPD/outbox/ben@example.org.eml"
	grep -qx 'From: Ada Quinn <ada@example.org>' "$m" || fail "From: is not the quality manager"
	grep -qx 'To: Ben Ortiz <ben@example.org>' "$m" || fail "To: is not Ben"
	grep -q '^Subject: \[smsaudit\] Example Services Ltd: 0 overdue, 2 due within 30 days$' "$m" || fail "subject: $(grep ^Subject "$m")"
	grep -qx 'Date: Sun, 01 Mar 2026 09:00:00 +0000' "$m" || fail "date: $(grep ^Date "$m")"
	grep -q '^Message-ID: <remind-20260301-[0-9a-f]*@smsaudit.invalid>$' "$m" || fail "no Message-ID"
	grep -qx 'Content-Type: text/plain; charset=UTF-8' "$m" || fail "no charset"
	# The header ends at the first empty line; every header line is ASCII.
	sed '/^$/q' "$m" | LC_ALL=C grep -q '[^ -~]' && fail "a non-ASCII header in Ben's message"
	z="$TMPD/outbox/zoe@example.org.eml"
	to=$(sed -n 's/^To: =?UTF-8?B?\([^?]*\)?= <zoe@example.org>$/\1/p' "$z")
	[ "$(printf '%s' "$to" | base64 -d)" = "Zoë Ünal" ] || fail "Zoë's name is not RFC 2047 encoded: $(grep ^To "$z")"
	sed '/^$/q' "$z" | LC_ALL=C grep -q '[^ -~]' && fail "a non-ASCII header in Zoë's message"
	grep -q 'Hello Zoë Ünal,' "$z" || fail "the body is not UTF-8"
	# To standard output: an mbox, one From_ line per message.
	run remind --mail --from qm@example.org
	expect_rc 0
	[ "$(grep -c '^From qm@example.org ' "$out")" = 3 ] || fail "expected 3 mbox messages (Ada, Ben, Zoë)"
	run remind --to-dir "$TMPD/outbox"
	expect_rc 2
	expect_err "--to-dir and --from go with --mail"
	run remind --days -1
	expect_rc 2
	run remind --mail --from "x@example.org
Bcc: all@example.org"
	expect_rc 2
	unset SMSAUDIT_NOW
}

# oscal_valid MODEL FILE: valid against the vendored OSCAL 1.2.2 XSD.
oscal_valid() {
	sh "$ROOT/tests/oscal/validate.sh" "$1" "$2" >"$TMPD/xsd.out" 2>&1 || { fail "$2 is not valid OSCAL $1:"; head -5 "$TMPD/xsd.out" | sed 's/^/      /'; }
}

# The UUIDs of a document, in order.
uuids() {
	grep -o 'uuid="[0-9a-f-]*"' "$1"
}

test_oscal_exports() {
	outputs_repo || return
	export SMSAUDIT_NOW=2026-03-01T09:00:00Z
	for m in catalog assessment-results poam; do
		run oscal "$m" -o "$TMPD/$m.xml"
		expect_rc 0
		oscal_valid "$m" "$TMPD/$m.xml"
		grep -q '<oscal-version>1.2.2</oscal-version>' "$TMPD/$m.xml" || fail "$m: no oscal-version 1.2.2"
		# The same repository and date give the same UUIDs, also the next day.
		at=--at=2026-03-01
		[ "$m" = catalog ] && at=
		# shellcheck disable=SC2086
		SMSAUDIT_NOW=2026-03-02T10:00:00Z run oscal "$m" $at
		expect_rc 0
		uuids "$TMPD/$m.xml" >"$TMPD/$m.uuids.tmp"
		uuids "$out" | cmp -s - "$TMPD/$m.uuids.tmp" || fail "$m: UUIDs differ between two runs"
	done
	# The catalogue: clauses as controls with our paraphrase as the statement.
	grep -q '<control id="clause-8.5.1.2" class="clause">' "$TMPD/catalog.xml" || fail "no control for 8.5.1.2"
	grep -q '<part id="clause-8.5.1.2_smt" name="statement">' "$TMPD/catalog.xml" || fail "no statement for 8.5.1.2"
	grep -q 'name="evidence-kind" ns="urn:smsaudit:oscal"' "$TMPD/catalog.xml" || fail "no evidence kinds"
	# Assessment results: the policy cited by path and SHA-256, a finding per clause.
	sha=$(sha256sum "$TMPD/policy.txt" | cut -c1-64)
	grep -q "<relevant-evidence href=\"content/$(echo "$sha" | cut -c1-2)/$sha\">" "$TMPD/assessment-results.xml" \
		|| fail "the policy is not cited by its content path"
	grep -q "name=\"sha256\" ns=\"urn:smsaudit:oscal\" value=\"$sha\"" "$TMPD/assessment-results.xml" || fail "no SHA-256"
	grep -q '<relevant-evidence href="records/' "$TMPD/assessment-results.xml" || fail "no record path"
	[ "$(grep -c '<finding ' "$TMPD/assessment-results.xml")" = 57 ] || fail "expected 57 findings (assessable clauses)"
	grep -q '<status state="satisfied"/>' "$TMPD/assessment-results.xml" || fail "5.2.1 is not satisfied"
	# POA&M: the open minor with its action, planned, due 2026-03-15.
	grep -q '<title>NC-2026-001 (Minor nonconformity)</title>' "$TMPD/poam.xml" || fail "no risk for NC-2026-001"
	grep -q '<response uuid="[0-9a-f-]*" lifecycle="planned">' "$TMPD/poam.xml" || fail "no planned response"
	grep -q '<on-date date="2026-03-15T23:59:59Z"/>' "$TMPD/poam.xml" || fail "no due date for A1"
	# The schemas do catch a broken document (the test is not vacuous).
	sed 's|<oscal-version>1.2.2</oscal-version>||' "$TMPD/poam.xml" >"$TMPD/broken.xml"
	sh "$ROOT/tests/oscal/validate.sh" poam "$TMPD/broken.xml" >/dev/null 2>&1 && fail "a POA&M without oscal-version validates"
	# Errors: one line, nothing written.
	run oscal poam -o "$TMPD/nodir/p.xml"
	expect_rc 4
	expect_err_one_line
	SMSAUDIT_NOW=2026-03-01T09:00:00Z run oscal poam --at 2026-01-09 -o "$TMPD/none.xml"
	expect_rc 3
	expect_err "no finding is open at 2026-01-09"
	expect_err_one_line
	[ ! -e "$TMPD/none.xml" ] || fail "a POA&M was written without items"
	run oscal report
	expect_rc 2
	unset SMSAUDIT_NOW
}

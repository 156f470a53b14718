# assess, gap and status through the command line, as a quality manager calls them.
. "$ROOT/tests/cli/repo_helpers.sh"

# add_ev WHEN CONTROL KIND TITLE [more evidence options]: one file, signed by Ada at WHEN.
add_ev() {
	when=$1 control=$2 kind=$3 title=$4
	shift 4
	f="$TMPD/ev-$(date +%s%N).txt"
	printf '%s %s %s\n' "$control" "$kind" "$title" >"$f"
	SMSAUDIT_NOW=$when "$SMSAUDIT" --as ada@example.org evidence add "$f" --control "$control" --kind "$kind" \
		--title "$title" "$@" >"$TMPD/add.out" 2>&1 || { fail "evidence add failed: $(cat "$TMPD/add.out")"; return 1; }
	sed -n 's/^\(ev-[0-9a-f-]*\) .*/\1/p' "$TMPD/add.out"
}

# A small repository: 9.2 fully covered, 9.3 minutes from a year before, a policy
# valid until 2026-02-15, and a history over three months for the trend.
gap_repo() {
	fixture gap_repo gap_repo_afresh COLUMNS
}

gap_repo_afresh() {
	export COLUMNS=250
	SMSAUDIT_NOW=2025-12-01T09:00:00Z make_repo || return 1
	add_ev 2025-12-05T10:00:00Z 9.2 plan "Internal audit programme 2026" >/dev/null || return 1
	add_ev 2026-01-10T10:00:00Z 9.2 report "Internal audit report Q4" --period 2025-10-01..2025-12-31 >/dev/null || return 1
	add_ev 2026-01-10T11:00:00Z 9.3 record "Management review minutes 2024" --period 2024-11-01..2024-11-30 >/dev/null || return 1
	add_ev 2026-02-03T10:00:00Z 5.2.1 policy "SM policy v2" --valid-until 2026-02-15 >/dev/null || return 1
}

test_assess_and_explain() {
	gap_repo || return
	before=$(commits)
	SMSAUDIT_NOW=2026-02-10T10:00:00Z run --as ben@example.org assess 8.6.2 --result conformant \
		--other-party "Acme Hosting Ltd" --note "Requests fulfilled by Acme under contract C-12"
	expect_rc 0
	expect_out "operated by Acme Hosting Ltd"
	expect_commits $((before + 1))
	run gap --at 2026-02-10 --explain 8.2.3
	expect_rc 0
	expect_out "8.2.3+8.6.2  NOT SATISFIED"
	expect_out "Acme Hosting Ltd, which operates 8.6.2"
	expect_out "missing: no evidence linked to both 8.2.3 and 8.6.2"
	run gap --at 2026-02-10 --explain 8.6.2
	expect_out "Latest self-assessment: conformant"
	expect_out "ben@example.org"
	expect_out "operated by Acme Hosting Ltd: evidence of control over it is expected under 8.2.3"
	expect_out "8.6.2-a  NOT SATISFIED"
	expect_out "a self-assessment alone never makes a clause conformant"
	run gap --at 2026-02-10 --explain 9.2 --format json
	expect_rc 0
	expect_out '"status": "conformant"'
	expect_out '"counts": true'
	expect_verify_ok
}

test_assess_bad_input() {
	gap_repo || return
	SMSAUDIT_NOW=2026-02-01T09:00:00Z "$SMSAUDIT" --as ada@example.org person add --name "Vic Viewer" \
		--email vic@example.org --role viewer >/dev/null 2>&1 || { fail "viewer add failed"; return; }
	before=$(commits)
	run --as vic@example.org assess 8.6.1 --result partial --note "x"
	expect_rc 3
	expect_err "vic@example.org may not sign an assessment record"
	expect_err_one_line
	run --as ben@example.org assess 8.6 --result partial --note "x"
	expect_rc 3
	expect_err "heading"
	expect_err_one_line
	run --as ben@example.org assess 8.6.9 --result partial --note "x"
	expect_rc 3
	expect_err "8.6.9"
	expect_err_one_line
	run --as ben@example.org assess 8.6.1 --result not-applicable --note "x"
	expect_rc 2
	expect_err "no exclusions"
	run --as ben@example.org assess 8.6.1 --result partial
	expect_rc 2
	expect_err "--note is required"
	run --as ben@example.org assess 8.6.1 --result partial --note "   "
	expect_rc 3
	expect_err_one_line
	run --as ben@example.org assess --result partial --note "x"
	expect_rc 2
	expect_commits "$before"
}

test_gap_report_and_stages() {
	gap_repo || return
	run gap --at 2026-02-10
	expect_rc 0
	expect_out "Gap analysis — Example Services Ltd — as of 2026-02-10"
	expect_out "9.2      Internal audit"
	expect_out "Readiness"
	expect_out "Stage 1: NOT READY"
	# 9.3's minutes cover November 2024: more than 12 months before the as-of date.
	run gap --at 2026-02-10 --explain 9.3
	expect_out "too old: covers up to 2024-11-30"
	# The policy counts until its last day, then lapses.
	run gap --at 2026-02-15 --clause 5.2.1 --format csv
	expect_rc 0
	expect_out "clause,title,status,evidence,reasons"
	expect_out "5.2.1,Establishing the service management policy,conformant,ev-"
	run gap --at 2026-02-16 --clause 5.2.1 --format csv
	expect_out "5.2.1,Establishing the service management policy,gap,,"
	expect_out "expired on 2026-02-15"
	# --clause shows that part of the standard only, roll-up included.
	run gap --at 2026-02-10 --clause 9
	expect_out "9   Performance evaluation"
	expect_no_out "Context of the organization"
	# --clause on a heading shows its sub-clauses.
	run gap --at 2026-02-10 --clause 5.2 --format csv
	expect_out_lines 3
	# A stage that is not ready exits 1, with its criteria.
	run gap --at 2026-02-10 --stage stage1
	expect_rc 1
	expect_out "[ok] internal audit planned (9.2-a: programme)"
	expect_out "[MISS] management review performed (9.3-a: minutes)"
	expect_no_out "Stage 2:"
	run gap --at 2026-02-10 --stage stage2 --format json
	expect_rc 1
	expect_out '"stage2": {'
	expect_out '"ready": false'
	expect_out '"requirement": "no open major nonconformity"'
	run gap --at 2026-02-10 --format xml
	expect_rc 0
	expect_out "<gap>"
	xmllint --noout "$out" || fail "gap --format xml is not well-formed"
}

test_gap_bad_input() {
	gap_repo || return
	run gap --at 2026-02-30
	expect_rc 2
	expect_err "--at: 2026-02-30 is not a date: February 2026 has 28 days"
	expect_err_one_line
	run gap --commit 0123456789abcdef0123456789abcdef01234567
	expect_rc 3
	expect_err_one_line
	run gap --commit no-such-branch
	expect_rc 3
	expect_err "no-such-branch"
	run gap --explain 12.1
	expect_rc 3
	expect_err "12.1"
	expect_err_one_line
	run gap --explain 8.5
	expect_rc 3
	expect_err "heading"
	run gap --clause 99
	expect_rc 3
	expect_err "99"
	run gap --stage stage3
	expect_rc 2
	run gap --at 2020-01-01
	expect_rc 3
	expect_err "no commit at or before 2020-01-01"
	run gap --every month
	expect_rc 2
	expect_err "--trend"
	run gap --trend --every year
	expect_rc 2
}

# Evidence whose record no longer verifies is not counted, and the report says so.
test_gap_excludes_evidence_that_fails_verification() {
	gap_repo || return
	run gap --at 2026-02-10 --clause 9.2 --format csv
	expect_out "9.2,Internal audit,conformant"
	rec=$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main records | grep '/ev-.*\.xml$' |
		while read -r p; do repo_cat "$p" | grep -q "<kind>plan</kind>" && echo "$p"; done | head -1)
	[ -n "$rec" ] || { fail "no plan record found"; return; }
	repo_cat "$rec" | sed 's/<title>[^<]*</<title>Forged programme</' >"$TMPD/rec.xml"
	tamper_put "$rec" "$TMPD/rec.xml"
	# The tampering commit is dated now: name it, and judge at the chosen date.
	run gap --commit main --at 2026-02-10 --clause 9.2
	expect_rc 0
	# Two problems: the signature no longer matches, and the commit changed a record.
	expect_out "WARNING: the repository fails verification (2 problems); 1 evidence record is not counted"
	expect_out "9.2     Internal audit  partial"
	expect_out "partial"
	run gap --commit main --at 2026-02-10 --explain 9.2
	expect_out "fails verification"
	expect_out "1 linked evidence record fails verification and is not counted"
	run gap --commit main --at 2026-02-10 --stage stage1 --format json
	expect_out '"problems": 2'
	expect_out '"excluded_evidence": 1'
}

# Readiness over time, each date judged at the commit current then.
test_gap_trend() {
	gap_repo || return
	run gap --trend --from 2025-11-30 --at 2026-02-28 --every month --format csv
	expect_rc 0
	expect_out "date,commit,readiness_percent,conformant,partial,gap,not_assessed,stage1,stage2,problems"
	# No commit yet on 2025-11-30; on 2025-12-30 the programme alone (9.2 partial);
	# on 2026-01-30 9.2 complete and 9.3 stale; on 2026-02-28 the policy had expired.
	expect_out "2025-11-30,,,"
	c1=$(git --git-dir="$SMSAUDIT_REPO" rev-list -1 --before=2025-12-30T23:59:59Z main | cut -c1-12)
	expect_out "2025-12-30,$c1,1,0,1,0,56,not ready,not ready,0"
	c2=$(git --git-dir="$SMSAUDIT_REPO" rev-list -1 --before=2026-01-30T23:59:59Z main | cut -c1-12)
	expect_out "2026-01-30,$c2,2,1,0,1,55,not ready,not ready,0"
	c3=$(git --git-dir="$SMSAUDIT_REPO" rev-list -1 main | cut -c1-12)
	expect_out "2026-02-28,$c3,2,1,0,2,54,not ready,not ready,0"
	expect_out_lines 5
	run gap --trend --from 2026-02-01 --at 2026-02-03 --every day
	expect_rc 0
	expect_out "2026-02-03"
}

test_status_dashboard() {
	gap_repo || return
	run status --at 2026-02-05
	expect_rc 0
	expect_out "SMS status — Example Services Ltd — as of 2026-02-05"
	expect_out "Stage 1    not ready"
	expect_out "Clauses with gaps: 1"
	expect_out "9.3"
	expect_out "Evidence expiring: 1 within 30 days, 0 in 31-60, 0 in 61-90"
	expect_out "2026-02-15"
	expect_out "SM policy v2"
	# the policy expires and the audit report grows too old within 90 days
	expect_out "5.2.1-a  30"
	run status --at 2026-02-05 --format json
	expect_out '"expiring_30": 1'
	expect_out '"item": "5.2.1-a"'
	run status --at tomorrow
	expect_rc 2
	expect_err_one_line
}

# The verification cache speeds analyses up and never changes an answer: a
# damaged cache file is ignored, and a record changed after it was cached is
# judged afresh (its blob is different).
test_cache_never_changes_an_answer() {
	gap_repo || return
	run gap --at 2026-02-10 --format csv
	expect_rc 0
	cp "$out" "$TMPD/first.csv"
	cache=$(ls "$SMSAUDIT_REPO"/smsaudit-cache/records-* 2>/dev/null | head -1)
	[ -n "$cache" ] || { fail "gap wrote no verification cache"; return; }
	[ "$(stat -c %a "$cache")" = 600 ] || fail "cache file is not private (mode $(stat -c %a "$cache"))"
	run gap --at 2026-02-10 --format csv
	cmp -s "$out" "$TMPD/first.csv" || fail "a warm run gave another answer"
	run gap --at 2026-02-10 --format csv --no-cache
	cmp -s "$out" "$TMPD/first.csv" || fail "--no-cache gave another answer"
	# Damaged in the middle, truncated, emptied: ignored and rebuilt. The state
	# index would answer without reading the cache: it goes first each time.
	noindex() { rm -f "$SMSAUDIT_REPO"/smsaudit-cache/state-*; }
	noindex
	size=$(stat -c %s "$cache")
	printf 'XXXX' | dd of="$cache" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
	run gap --at 2026-02-10 --format csv
	expect_rc 0
	cmp -s "$out" "$TMPD/first.csv" || fail "a damaged cache changed the answer"
	head -c 100 "$cache" >"$cache.short" && mv "$cache.short" "$cache"
	noindex
	run gap --at 2026-02-10 --format csv
	cmp -s "$out" "$TMPD/first.csv" || fail "a truncated cache changed the answer"
	: >"$cache"
	noindex
	run gap --at 2026-02-10 --format csv
	cmp -s "$out" "$TMPD/first.csv" || fail "an empty cache changed the answer"
	[ "$(stat -c %s "$cache")" -gt 100 ] || fail "the cache was not rebuilt"
	# A record tampered with after it was cached does not count.
	rec=$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main records | grep '/ev-.*\.xml$' |
		while read -r p; do repo_cat "$p" | grep -q "<kind>report</kind>" && echo "$p"; done | head -1)
	repo_cat "$rec" | sed 's/<title>[^<]*</<title>Forged report</' >"$TMPD/rec.xml"
	tamper_put "$rec" "$TMPD/rec.xml"
	run gap --commit main --at 2026-02-10 --clause 9.2 --format csv
	expect_out "9.2,Internal audit,partial"
	# verify --no-cache checks every signature afresh and keeps no signature cache;
	# verify with the (keyed) cache reaches the same verdict.
	rm -rf "$SMSAUDIT_REPO/smsaudit-cache"
	run verify --no-cache
	expect_rc 1
	cp "$out" "$TMPD/cold.txt"
	ls "$SMSAUDIT_REPO"/smsaudit-cache/records-* >/dev/null 2>&1 && fail "verify --no-cache wrote a signature cache"
	run verify
	expect_rc 1
	run verify
	expect_rc 1
	cmp -s "$out" "$TMPD/cold.txt" || fail "verify from the cache said something else than verify --no-cache"
}

# A record of operation shows its period once the period is over; evidence of a
# period that has not begun is evidence of nothing yet (any kind).
test_gap_period_not_over_is_not_evidence() {
	gap_repo || return
	id=$(add_ev 2026-02-01T10:00:00Z 8.6.1 record "Incidents H1" --period 2026-01-01..2026-06-30) || return
	run gap --at 2026-03-01 --explain 8.6.1
	expect_rc 0
	expect_out "8.6.1-a  NOT SATISFIED"
	expect_out "$id not yet: its period runs until 2026-06-30"
	run gap --at 2026-06-29 --explain 8.6.1
	expect_out "8.6.1-a  NOT SATISFIED"
	# the as-of date is a whole day: the period's last day ends with it
	run gap --at 2026-06-30 --explain 8.6.1
	expect_no_out "8.6.1-a  NOT SATISFIED"
	pid=$(add_ev 2026-02-02T10:00:00Z 6.3 plan "SM plan 2027" --period 2027-01-01..2027-12-31) || return
	run gap --at 2026-03-01 --explain 6.3
	expect_out "$pid not yet: its period starts on 2027-01-01"
	run gap --at 2027-01-01 --explain 6.3
	expect_no_out "not yet"
}

# The certification cycle through the command line: the timeline asserted day
# by day, the surveillance rotation for 1, 2 and 3 surveillances with pins and
# fixed scopes, the internal audit programme, and misuse refused.
. "$ROOT/tests/cli/repo_helpers.sh"

cycle_repo() {
	fixture cycle_repo cycle_repo_afresh COLUMNS
}

cycle_repo_afresh() {
	export COLUMNS=250
	# The cycle runs past 2029: keys valid for ten years.
	SMSAUDIT_NOW=2026-01-05T09:00:00Z make_repo --cert-days 3650 || return 1
	for p in "Ida Ng:ida@example.org:internal-auditor" "Eve Cole:eve@cb.example:external-auditor"; do
		name=${p%%:*} rest=${p#*:}
		SMSAUDIT_NOW=2026-01-05T09:05:00Z "$SMSAUDIT" --as ada@example.org person add --name "$name" \
			--email "${rest%%:*}" --role "${rest#*:}" --cert-days 3650 >/dev/null 2>"$TMPD/p.err" ||
			{ fail "person add: $(cat "$TMPD/p.err")"; return 1; }
	done
}

# plan WHEN TYPE DATES [more options]: plan an audit as Ada; sets $AUDIT.
plan() {
	when=$1 type=$2 dates=$3
	shift 3
	lead=eve@cb.example
	[ "$type" = internal ] && lead=ida@example.org
	at "$when" --as ada@example.org audit plan --type "$type" --dates "$dates" --body "Example Certification Ltd" \
		--lead "$lead" "$@"
	[ "$rc" = 0 ] || { fail "audit plan $type $dates: $(cat "$err")"; return 1; }
	AUDIT=$(sed -n 's/.* audit \(audit-[0-9a-f-]*\) .*/\1/p' "$out")
}

# conclude WHEN AUDIT DATES: conclude as the external lead.
conclude() {
	at "$1" --as eve@cb.example audit conclude "$2" --dates "$3" --recommendation none --summary "Held as planned"
	[ "$rc" = 0 ] || { fail "audit conclude $2: $(cat "$err")"; return 1; }
}

# expect_item DATE WHAT STATUS [DUE]: the cycle's line WHAT has STATUS (and DUE) at DATE.
expect_item() {
	at "$1T12:00:00Z" cycle --format csv
	line=$(grep "^$2," "$out")
	got=$(printf '%s' "$line" | cut -d, -f5)
	[ "$got" = "$3" ] || fail "at $1: '$2' is '$got', expected '$3' ($line)"
	if [ -n "${4:-}" ]; then
		due=$(printf '%s' "$line" | cut -d, -f4)
		[ "$due" = "$4" ] || fail "at $1: '$2' due '$due', expected '$4'"
	fi
}

expect_no_item() {
	at "$1T12:00:00Z" cycle --format csv
	grep -q "^$2," "$out" && fail "at $1: unexpected line '$2': $(grep "^$2," "$out")"
	return 0
}

expect_phase() {
	at "$1T12:00:00Z" cycle --format json
	grep -q "\"phase\": \"$2\"" "$out" || fail "at $1: phase is not $2: $(grep '"phase"' "$out")"
}

test_cycle_timeline_day_by_day() {
	cycle_repo || return
	plan 2026-01-10T09:00:00Z stage1 2026-02-02..2026-02-03 || return
	s1=$AUDIT
	plan 2026-01-10T10:00:00Z stage2 2026-03-02..2026-03-04 || return
	s2=$AUDIT
	expect_item 2026-01-11 "stage 2" planned
	expect_item 2026-01-11 "certification decision" open
	expect_phase 2026-01-11 uncertified
	conclude 2026-02-03T17:00:00Z "$s1" 2026-02-02..2026-02-03 || return
	conclude 2026-03-04T17:00:00Z "$s2" 2026-03-02..2026-03-04 || return
	expect_item 2026-03-05 "stage 2" done
	# Certification within 6 months of stage 2's last day (2026-03-04): due
	# soon from 30 days ahead, overdue the day after.
	expect_item 2026-08-04 "certification decision" open 2026-09-04
	expect_item 2026-08-05 "certification decision" due-soon 2026-09-04
	expect_item 2026-09-04 "certification decision" due-soon
	expect_item 2026-09-05 "certification decision" overdue
	expect_out "a new stage 2 is needed"

	# Misuse of set-cycle: refused, one line, nothing written.
	refused "the certification decision cannot be in the future" 2026-04-01T10:00:00Z \
		--as ada@example.org sms set-cycle --decision 2026-04-02
	refused "the certificate expiry must come after the certification decision" 2026-04-01T10:00:00Z \
		--as ada@example.org sms set-cycle --decision 2026-04-01 --expiry 2026-03-31
	refused "give the certification decision with the expiry" 2026-04-01T10:00:00Z \
		--as ada@example.org sms set-cycle --expiry 2029-03-31
	refused "only a quality manager signs it" 2026-04-01T10:00:00Z \
		--as ida@example.org sms set-cycle --decision 2026-04-01
	at 2026-04-01T10:00:00Z --as ada@example.org sms set-cycle --decision 2026-04-31
	expect_rc 2
	at 2026-04-01T10:00:00Z --as ada@example.org sms set-cycle --surveillances 11
	expect_rc 2

	at 2026-04-01T10:00:00Z --as ada@example.org sms set-cycle --decision 2026-04-01
	expect_rc 0
	at 2026-04-01T11:00:00Z sms show
	expect_out "decided 2026-04-01, certificate expires 2029-03-31"
	expect_phase 2026-04-02 certified
	expect_item 2026-04-02 "certification decision" done
	# Surveillance 1: within 12 months of the decision; due soon 90 days ahead.
	expect_item 2026-12-31 "surveillance 1" open 2027-04-01
	expect_item 2027-01-01 "surveillance 1" due-soon 2027-04-01
	expect_item 2027-04-01 "surveillance 1" due-soon
	expect_item 2027-04-02 "surveillance 1" overdue
	expect_item 2026-04-02 "surveillance 2" open 2028-04-01
	# A surveillance held late is reported, not refused.
	plan 2027-01-10T09:00:00Z surveillance 2027-04-05..2027-04-06 || return
	sv1=$AUDIT
	expect_item 2027-01-11 "surveillance 1" overdue
	expect_out "planned to end after its due date"
	conclude 2027-04-06T17:00:00Z "$sv1" 2027-04-05..2027-04-06 || return
	expect_item 2027-04-07 "surveillance 1" late
	expect_out "concluded after its due date 2027-04-01"
	# Every calendar year but the recertification year needs a surveillance:
	# 2028 has none planned, so it is due soon from 2028-10-02 and overdue in 2029.
	plan 2027-05-01T09:00:00Z surveillance 2027-12-06..2027-12-07 || return
	sv2=$AUDIT
	expect_item 2027-12-01 "surveillance 2" planned 2028-04-01
	conclude 2027-12-07T17:00:00Z "$sv2" 2027-12-06..2027-12-07 || return
	expect_item 2027-12-08 "surveillance 2" done
	expect_no_item 2028-10-01 "surveillance in 2028"
	expect_item 2028-10-02 "surveillance in 2028" due-soon 2028-12-31
	expect_item 2029-01-01 "surveillance in 2028" overdue
	# Recertification: before the expiry (2029-03-31), due soon 6 months ahead.
	expect_item 2028-09-29 recertification open 2029-03-31
	expect_item 2028-09-30 recertification due-soon
	expect_item 2029-03-31 "certificate expiry" info
	expect_phase 2029-03-31 certified
	# Expired: restorable for 6 months, then lapsed.
	expect_item 2029-04-01 recertification overdue
	expect_item 2029-04-01 "certificate expiry" overdue
	expect_item 2029-04-01 "restoration window" due-soon 2029-09-30
	expect_out "restorable until 2029-09-30"
	expect_phase 2029-04-01 restorable
	expect_phase 2029-09-30 restorable
	expect_item 2029-10-01 "restoration window" overdue
	expect_out "lapsed: a new initial audit"
	expect_phase 2029-10-01 lapsed
	# No surveillance may be planned after the expiry.
	refused "after the certificate expires" 2028-01-10T09:00:00Z --as ada@example.org audit plan \
		--type surveillance --dates 2029-05-01..2029-05-01 --body CB --lead eve@cb.example
	# Recertified in time: the expiry is information, and the next step is the new decision.
	plan 2028-06-01T09:00:00Z recertification 2029-02-05..2029-02-07 || return
	re=$AUDIT
	expect_item 2028-10-01 recertification planned
	conclude 2029-02-07T17:00:00Z "$re" 2029-02-05..2029-02-07 || return
	expect_item 2029-04-01 recertification done
	expect_item 2029-04-01 "certificate expiry" info
	expect_out "record the new decision"
	expect_no_item 2029-04-01 "restoration window"
	# The new cycle follows on from the old expiry.
	at 2029-02-20T09:00:00Z --as ada@example.org sms set-cycle --decision 2029-02-20 --expiry 2032-03-31
	expect_rc 0
	expect_item 2029-04-01 "surveillance 1" open 2030-02-20
	expect_item 2029-04-01 "certification decision" done
	at 2029-04-01T12:00:00Z cycle
	expect_out "Certified on 2029-02-20, certificate valid until 2032-03-31"
	# status carries the next deadline of the cycle.
	at 2029-04-01T12:00:00Z status
	expect_out "Cycle: certified until 2032-03-31; next: surveillance 1 due 2030-02-20, open"
	at 2029-04-01T12:00:00Z status --format json
	expect_out '"next_due": "2030-02-20"'
	expect_verify_ok 2029-04-01T12:00:00Z
}

# coverage_check N: the rotation for N surveillances covers every clause,
# every mandatory clause in each surveillance, every other clause in exactly
# one, with shares that differ by at most one.
coverage_check() {
	n=$1
	at 2026-05-01T12:00:00Z cycle plan-surveillance --surveillances "$n" --format csv
	expect_rc 0
	awk -F, -v n="$n" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{
			k = 0
			for (s = 1; s <= n; s++) if ($(col["s" s]) != "") { k++; load[s] += ($(col["mandatory"]) == "false") }
			if ($(col["mandatory"]) == "true" && k != n) { print "mandatory " $1 " in " k " of " n; bad = 1 }
			if ($(col["mandatory"]) == "false" && k != 1) { print "clause " $1 " in " k " surveillances"; bad = 1 }
			rows++
		}
		END {
			min = 1e9; max = 0
			for (s = 1; s <= n; s++) { if (load[s] < min) min = load[s]; if (load[s] > max) max = load[s] }
			if (max - min > 1) { print "unbalanced: " min ".." max; bad = 1 }
			if (rows != 45) { print rows " rows, expected 45"; bad = 1 }
			exit bad
		}' "$out" >"$TMPD/awk.out" || fail "rotation for $n: $(cat "$TMPD/awk.out")"
}

test_rotation_coverage() {
	cycle_repo || return
	at 2026-04-01T10:00:00Z --as ada@example.org sms set-cycle --decision 2026-04-01
	expect_rc 0
	coverage_check 1
	coverage_check 2
	coverage_check 3
	# Every surveillance samples clause-8 processes.
	at 2026-05-01T12:00:00Z cycle plan-surveillance --surveillances 3 --format csv
	for s in 4 5 6; do
		c8=$(awk -F, -v c="$s" 'NR > 1 && $1 ~ /^8\./ && $3 == "false" && $c != ""' "$out" | wc -l)
		[ "$c8" -ge 6 ] || fail "surveillance $((s - 3)) samples $c8 clause-8 processes"
	done
	at 2026-05-01T12:00:00Z cycle plan-surveillance
	expect_out "Internal audits and management review (9.2 9.3)"
	expect_out "Use of marks and references to the certificate"
	expect_out "Every clause is covered."

	# Pins: a clause moves to the surveillance it is pinned to; misuse refused.
	at 2026-05-01T12:00:00Z cycle plan-surveillance --format csv
	grep -q '^8.7.3,.*,false,,x,' "$out" || fail "8.7.3 should start in surveillance 2: $(grep '^8.7.3,' "$out")"
	at 2026-05-02T09:00:00Z --as ada@example.org cycle plan-surveillance --pin 8.7.3=1 --format csv
	expect_rc 0
	grep -q '^8.7.3,.*,false,pin,,' "$out" || fail "8.7.3 not pinned to surveillance 1: $(grep '^8.7.3,' "$out")"
	coverage_check 2
	at 2026-05-02T10:00:00Z sms show
	expect_out "clause 8.7.3 pinned to surveillance 1"
	refused "clause 9.2 is covered at every surveillance" 2026-05-02T11:00:00Z --as ada@example.org \
		cycle plan-surveillance --pin 9.2=1
	refused "11.1" 2026-05-02T11:00:00Z --as ada@example.org cycle plan-surveillance --pin 11.1=1
	refused "clause 8.6.1 is not pinned" 2026-05-02T11:00:00Z --as ada@example.org \
		cycle plan-surveillance --unpin 8.6.1
	refused "only a quality manager signs it" 2026-05-02T11:00:00Z --as ida@example.org \
		cycle plan-surveillance --pin 8.6.1=2
	at 2026-05-02T11:00:00Z --as ada@example.org cycle plan-surveillance --pin 8.6.1
	expect_rc 2
	expect_err "expected CLAUSE=N"
	# A pin to a surveillance the cycle lacks is a warning, and the clause is still covered.
	at 2026-05-02T12:00:00Z --as ada@example.org cycle plan-surveillance --pin 8.6.1=3
	expect_rc 0
	expect_err "warning: clause 8.6.1 is pinned to surveillance 3, but the cycle has 2"
	expect_out "Every clause is covered."
	at 2026-05-02T13:00:00Z --as ada@example.org cycle plan-surveillance --unpin 8.6.1 --unpin 8.7.3
	expect_rc 0
	at 2026-05-02T14:00:00Z sms show
	expect_no_out "pinned to surveillance"

	# A surveillance planned with a scope keeps it: a missing mandatory clause
	# is a warning, and what neither surveillance nor recertification covers is listed.
	plan 2026-06-01T09:00:00Z surveillance 2027-03-01..2027-03-02 --clause 9.2 --clause 9.3 --clause 8.5 || return
	plan 2026-06-01T10:00:00Z surveillance 2028-03-01..2028-03-02 --clause 4 --clause 5 || return
	at 2026-06-02T12:00:00Z cycle plan-surveillance
	expect_rc 0
	expect_out "(scope fixed by its plan)"
	expect_err "leaves out 10.1 Nonconformity and corrective action, which every surveillance covers"
	expect_out "33 clauses that no surveillance nor the recertification covers: 6.1 6.2 6.3 7.1"
	at 2026-06-02T12:00:00Z cycle --format json
	expect_out '"coverage_holes": 33'
	at 2026-06-02T12:00:00Z status
	expect_out "clauses uncovered: 33 by the cycle's audits"
	# The recertification, planned for the whole standard, closes the holes.
	plan 2026-06-03T09:00:00Z recertification 2029-02-05..2029-02-07 || return
	at 2026-06-04T12:00:00Z cycle plan-surveillance
	expect_out "Every clause is covered."
	expect_verify_ok
}

test_internal_audit_programme() {
	cycle_repo || return
	at 2026-02-01T12:00:00Z audit programme --year 2026
	expect_rc 0
	expect_out "No internal audits planned in the window"
	expect_out "45 clauses that no internal audit in the window covers"
	# Two internal audits: one for 4-7 and clause 8, one for 9 and 10.1.
	plan 2026-02-01T13:00:00Z internal 2026-03-10..2026-03-11 --clause 4 --clause 5 --clause 6 --clause 7 --clause 8 || return
	i1=$AUDIT
	plan 2026-02-01T14:00:00Z internal 2026-09-15..2026-09-15 --clause 9 --clause 10.1 || return
	# Next year's audit does not count for 2026.
	plan 2026-02-01T15:00:00Z internal 2027-01-12..2027-01-12 --clause 10.2 || return
	at 2026-02-02T12:00:00Z audit programme --year 2026
	expect_out "$i1"
	expect_out "1 clause that no internal audit in the window covers: 10.2"
	expect_out "--clause 10.2"
	at 2026-02-02T12:00:00Z audit programme --year 2026 --format csv
	grep -q '^8.5.1,Change management,false,x,,true$' "$out" || fail "8.5.1 row: $(grep '^8.5.1,' "$out")"
	grep -q '^10.2,Continual improvement,true,,,false$' "$out" || fail "10.2 row: $(grep '^10.2,' "$out")"
	at 2026-02-02T12:00:00Z audit programme --year 2026 --format json
	expect_out '"uncovered": ['
	expect_out '"holes": 1'
	# A 24-month interval takes in the January 2027 audit.
	at 2026-02-03T09:00:00Z --as ada@example.org sms set-cycle --internal-audit-months 24
	expect_rc 0
	at 2026-02-03T12:00:00Z audit programme --year 2026
	expect_out "2026-01-01..2027-12-31 (every clause audited within 24 months)"
	expect_out "Every clause is covered."
	at 2026-02-03T12:00:00Z audit programme
	expect_rc 2
	expect_err "'audit programme' needs --year YYYY"
	at 2026-02-03T12:00:00Z audit programme --year 26x
	expect_rc 2
	expect_verify_ok
}

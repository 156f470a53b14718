# CSV for spreadsheets: a recorded text that starts like a formula is written
# with a leading ' so that opening the file runs nothing; --raw keeps it.
. "$ROOT/tests/cli/repo_helpers.sh"

F1='=HYPERLINK("http://x","y")'
F1CSV='"=HYPERLINK(""http://x"",""y"")"'
F1SAFE='"'"'"'=HYPERLINK(""http://x"",""y"")"'

# A repository whose texts are formulas: the organisation, people's names,
# an evidence title, a finding's statement, an audit's body and service.
formula_repo() {
	export SMSAUDIT_KEYS="$TMPD/keys" SMSAUDIT_REPO="$TMPD/ev.git" SMSAUDIT_NOW=2026-01-05T09:00:00Z
	"$SMSAUDIT" init "$TMPD/ev.git" --org "$F1" --scope s --service "+cmd" --name "-2+3" --email ada@example.org \
		>/dev/null 2>"$TMPD/e" || { fail "init: $(cat "$TMPD/e")"; return 1; }
	add_people 2026-01-05T09:00:00Z "@SUM(A1):ida@example.org:internal-auditor" "Eve:eve@cb.example:external-auditor" ||
		return 1
	echo x >"$TMPD/f.txt"
	run --as ada@example.org evidence add "$TMPD/f.txt" --control 8.5.1.2 --kind record --title "$F1" \
		--period 2026-01-01..2026-01-04
	expect_rc 0
	EV=$(sed -n 's/^\(ev-[0-9a-f-]*\) .*/\1/p' "$out")
	run --as ida@example.org finding raise --source internal-audit --grade minor --clause 8.5.1.2 --statement "$F1"
	expect_rc 0
	# A tab can start only a multi-line text, such as a correction.
	run --as ada@example.org finding correct NC-2026-001 --text "	=1+1 done"
	expect_rc 0
	run --as ada@example.org audit plan --type stage1 --dates 2026-03-01..2026-03-02 --body "@SUM(A1)" \
		--lead eve@cb.example --service "+cmd"
	expect_rc 0
	AU=$(grep -o 'audit-[0-9]*-[0-9a-f]*' "$out" | head -1)
}

# no_live_formula: no cell of the CSV in $out starts with =, +, @ or a tab
# (cells starting with - are checked one by one: numbers may be negative).
no_live_formula() {
	if grep -q -E '(^|,)"?(=|\+|@|	)' "$out"; then
		fail "$LAST_CMD: a cell starts like a formula:"
		grep -E '(^|,)"?(=|\+|@|	)' "$out" | head -3 | sed 's/^/      /'
	fi
}

test_csv_cells_never_start_a_formula() {
	formula_repo || return
	for cmd in "evidence list" "evidence list --all" "evidence show $EV" "finding list" "finding export" \
		"finding show NC-2026-001" "audit list" "audit show $AU" "person list" "sms show" "status" "gap" \
		"gap --explain 8.5.1.2" "cycle"; do
		# shellcheck disable=SC2086
		run --format csv $cmd
		expect_rc 0
		no_live_formula
	done
	run evidence list --format csv
	expect_out "$F1SAFE"
	expect_no_out "$F1CSV"
	expect_out ",'-2+3,"
	run finding export
	expect_out "$F1SAFE"
	run finding list --format csv
	expect_out "$F1SAFE"
	expect_out ",'	=1+1 done,"
	run audit list --format csv
	expect_out ",'@SUM(A1),"
	run person list --format csv
	expect_out "'-2+3,ada@example.org"
	expect_out "'@SUM(A1),ida@example.org"
	run --format csv sms show
	expect_out "organisation,$F1SAFE"
	# JSON and XML carry the data exactly.
	run evidence list --format json
	expect_out '"title": "=HYPERLINK(\"http://x\",\"y\")"'
	run audit list --format xml
	expect_out "<body>@SUM(A1)</body>"
	# Numbers the tool computes are not text: age_days stays a number.
	run finding export
	expect_out ",0,2026-02-04,"
}

test_csv_raw_keeps_cells_as_recorded() {
	formula_repo || return
	run evidence list --format csv --raw
	expect_rc 0
	expect_out "$F1CSV"
	expect_no_out "'="
	expect_out ",-2+3,"
	# --raw before the command, as a global option, too.
	run --raw finding export
	expect_out "$F1CSV"
	run finding list --raw --format csv
	expect_out "$F1CSV"
	expect_out ",	=1+1 done,"
	run --format csv --raw audit list
	expect_out ",@SUM(A1),"
	run person list --format csv --raw
	expect_out "-2+3,ada@example.org"
	expect_no_out "'"
	run --raw --format csv sms show
	expect_out "organisation,$F1CSV"
}

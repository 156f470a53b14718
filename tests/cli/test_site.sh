# The read-only site: static pages a person without the tool opens from a
# file share, checked in a real browser (headless chromium): every page
# loads, has no script, and every link resolves to a file (and anchor) of
# the site; the evidence copies are the files that were signed.
. "$ROOT/tests/cli/repo_helpers.sh"

# site_repo: evidence on two clauses, a finding taken one step, an audit planned.
site_repo() {
	export SMSAUDIT_NOW=2026-05-04T09:00:00Z
	make_repo || return 1
	add_people 2026-05-04T09:05:00Z "Ida Ng:ida@example.org:internal-auditor" || return 1
	export SMSAUDIT_NOW=2026-05-04T10:00:00Z
	printf 'id,summary\n1,disk full\n' >"$TMPD/incidents.csv"
	printf 'Policy <v3> & "friends"\n' >"$TMPD/policy.txt"
	run --as ben@example.org evidence add "$TMPD/incidents.csv" --control 8.6.1 --kind record --title "Incidents" \
		--period 2026-04-01..2026-04-30
	expect_rc 0
	run --as ida@example.org finding raise --source internal-audit --grade minor --clause 8.6.1 \
		--statement "Two incidents lack a <review> & a record"
	expect_rc 0
	run --as ada@example.org audit plan --type internal --dates 2026-06-01..2026-06-02 --body "Internal audit team" \
		--lead ida@example.org
	expect_rc 0
	export SMSAUDIT_NOW=2026-05-06T10:00:00Z
	run --as ben@example.org finding cause NC-2026-001 --method 5-whys --text "No owner"
	expect_rc 0
	run --as ben@example.org evidence add "$TMPD/policy.txt" --control 5.2.1,5.2.2 --kind policy \
		--title "SM policy <draft> & more"
	expect_rc 0
}

# in_browser FILE: chromium's DOM of FILE in $TMPD/dom.html; the page logs
# nothing to the console (a blocked load or a script error would).
in_browser() {
	HOME="$TMPD" timeout 60 chromium --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 \
		--dump-dom "file://$1" >"$TMPD/dom.html" 2>"$TMPD/chromium.err" || { fail "chromium could not load $1"; return 1; }
	grep -q '</html>' "$TMPD/dom.html" || { fail "chromium gave no page for $1"; return 1; }
	! grep -q ':CONSOLE' "$TMPD/chromium.err" || fail "$1 logs to the console: $(grep ':CONSOLE' "$TMPD/chromium.err" | head -1)"
}

test_site_pages_and_links() {
	site_repo || return
	run site -o "$TMPD/site"
	expect_rc 0
	expect_out "6 pages, 3 evidence files"
	for page in index gap evidence findings audits cycle; do
		f="$TMPD/site/$page.html"
		[ -f "$f" ] || { fail "no $page.html"; continue; }
		in_browser "$f" || continue
		grep -q -i '<script' "$TMPD/dom.html" && fail "$page.html has a script"
		# Every link resolves: to a file of the site, and to an id there when it names one.
		grep -o 'href="[^"]*"' "$TMPD/dom.html" | sed 's/^href="//; s/"$//' >"$TMPD/hrefs"
		[ -s "$TMPD/hrefs" ] || fail "$page.html has no links"
		while IFS= read -r h; do
			file=${h%%#*} anchor=
			case $h in *'#'*) anchor=${h#*#} ;; esac
			[ -n "$file" ] || file="$page.html"
			[ -f "$TMPD/site/$file" ] || { fail "$page.html links to $h, not a file of the site"; continue; }
			[ -z "$anchor" ] || grep -q "id=\"$anchor\"" "$TMPD/site/$file" || fail "$page.html links to $h: no such id"
		done <"$TMPD/hrefs"
	done
	# What each page says, escaped where it must be.
	grep -q 'Readiness' "$TMPD/site/index.html" || fail "index.html has no readiness"
	grep -q 'id="clause-8.6.1"' "$TMPD/site/gap.html" || fail "gap.html lacks clause 8.6.1"
	grep -q 'SM policy &lt;draft&gt; &amp; more' "$TMPD/site/evidence.html" || fail "a title is not escaped"
	grep -q 'Two incidents lack a &lt;review&gt; &amp; a record' "$TMPD/site/findings.html" || fail "a statement is not escaped"
	grep -q '<td>cause</td>' "$TMPD/site/findings.html" || fail "findings.html lacks the history"
	grep -q '<td>internal</td>' "$TMPD/site/audits.html" || fail "audits.html lacks the audit"
	# The copies are the signed files, once per clause they are linked to.
	cmp -s "$TMPD/incidents.csv" "$(ls "$TMPD"/site/evidence/8.6.1/ev-*-incidents.csv)" || fail "the incidents copy differs"
	for c in 5.2.1 5.2.2; do
		cmp -s "$TMPD/policy.txt" "$(ls "$TMPD"/site/evidence/$c/ev-*-policy.txt)" || fail "the policy copy under $c differs"
	done
	# As of an earlier date: only what was signed by then.
	run site -o "$TMPD/early" --at 2026-05-05
	expect_rc 0
	expect_out "1 evidence files"
	grep -q 'Incidents' "$TMPD/early/evidence.html" || fail "the site at 2026-05-05 lacks the incidents"
	grep -q 'SM policy' "$TMPD/early/evidence.html" && fail "the site at 2026-05-05 shows evidence signed on the 6th"
	grep -q '<td>cause</td>' "$TMPD/early/findings.html" && fail "the site at 2026-05-05 shows a step of the 6th"
}

test_site_refusals() {
	site_repo || return
	mkdir "$TMPD/taken" && echo keep >"$TMPD/taken/file"
	run site -o "$TMPD/taken"
	expect_rc 3
	expect_err "exists and is not empty"
	expect_err_one_line
	[ "$(ls "$TMPD/taken")" = file ] || fail "the folder was changed"
	[ -z "$(ls -d "$TMPD"/taken.partial-* 2>/dev/null)" ] || fail "a partial folder was left behind"
	run site
	expect_rc 2
	expect_err "-o DIR is required"
	# An empty folder is taken.
	mkdir "$TMPD/empty"
	run site -o "$TMPD/empty"
	expect_rc 0
	[ -f "$TMPD/empty/index.html" ] || fail "the empty folder did not get the site"
}

# The pack report (pack.pdf): its sections per audit type, checked through
# pdftotext, qpdf and pdfinfo; reproducible bytes; the seal record and the
# audit tag; pack definitions; failing evidence shown as failed; text outside
# Latin-1; a full disk; a changed PDF caught by verify-pack.
. "$ROOT/tests/cli/repo_helpers.sh"

pdf_text() {
	pdftotext -layout "$1" - 2>/dev/null
}

expect_pdf() {
	grep -q -F -- "$2" "$TMPD/$1.txt" || fail "$1 pack.pdf lacks '$2'"
}

# A certification cycle walked through time: stage 1 (with a concern), stage 2,
# the decision, a surveillance and a recertification planned.
cycle_repo() {
	export SMSAUDIT_NOW=2026-01-05
	make_repo || return 1
	add_people 2026-01-05 "Eve Cole:eve@cb.example:external-auditor" || return 1
	echo "Service management policy v3" >"$TMPD/policy.txt"
	printf 'id,summary\n1,disk full\n2,network\n' >"$TMPD/incidents.csv"
	printf 'Müşteri memnuniyeti – İşlem Yönetimi\n' >"$TMPD/tr.txt"
	run --as ben@example.org evidence add "$TMPD/policy.txt" --control 5.2.1 --kind policy --title "SM policy"
	expect_rc 0
	run --as ben@example.org evidence add "$TMPD/incidents.csv" --control 8.6.1 --kind record \
		--title "Incidents" --period 2025-10-01..2025-12-31
	expect_rc 0
	# Turkish, German, Greek and CJK in one title: drawn, or shown as [U+XXXX].
	run --as ben@example.org evidence add "$TMPD/tr.txt" --control 9.1 --kind report \
		--title "İşlem Yönetimi – Änderung – Υπηρεσία – 数据中心"
	expect_rc 0
	for spec in "stage1 2026-02-02..2026-02-03" "stage2 2026-03-02..2026-03-04"; do
		run --as ada@example.org audit plan --type ${spec% *} --dates ${spec#* } --body "Example CB" --lead eve@cb.example
		expect_rc 0
	done
	S1=$("$SMSAUDIT" audit list --type stage1 --format csv | sed -n '2s/,.*//p')
	S2=$("$SMSAUDIT" audit list --type stage2 --format csv | sed -n '2s/,.*//p')
	SMSAUDIT_NOW=2026-02-01 run --as ada@example.org pack "$S1" -o "$TMPD/p-stage1"
	expect_rc 0
	cp "$out" "$TMPD/p-stage1.out"
	SMSAUDIT_NOW=2026-02-03 run --as eve@cb.example audit conclude "$S1" --dates 2026-02-02..2026-02-03 \
		--recommendation none --summary "Ready" --concern "Supplier register incomplete"
	expect_rc 0
	SMSAUDIT_NOW=2026-03-01 run --as ada@example.org pack "$S2" -o "$TMPD/p-stage2"
	expect_rc 0
	cp "$out" "$TMPD/p-stage2.out"
	SMSAUDIT_NOW=2026-03-04 run --as eve@cb.example audit conclude "$S2" --dates 2026-03-02..2026-03-04 \
		--recommendation recommended --summary "Recommended"
	expect_rc 0
	SMSAUDIT_NOW=2026-03-04 run --as eve@cb.example finding raise --source stage2 --audit "$S2" --grade minor \
		--clause 8.6.1 --statement "Incident reviews incomplete"
	expect_rc 0
	SMSAUDIT_NOW=2026-03-20 run --as ada@example.org sms set-cycle --decision 2026-03-20
	expect_rc 0
	export SMSAUDIT_NOW=2026-12-01
	run --as ada@example.org audit plan --type surveillance --dates 2027-03-01..2027-03-02 --body "Example CB" \
		--lead eve@cb.example
	expect_rc 0
	run --as ada@example.org audit plan --type recertification --dates 2028-12-01..2028-12-03 --body "Example CB" \
		--lead eve@cb.example
	expect_rc 0
	SV=$("$SMSAUDIT" audit list --type surveillance --format csv | sed -n '2s/,.*//p')
	RC=$("$SMSAUDIT" audit list --type recertification --format csv | sed -n '2s/,.*//p')
	echo "Management review minutes" >"$TMPD/mr.txt"
	run --as ada@example.org evidence add "$TMPD/mr.txt" --control 9.3 --kind record --title "Management review 2026"
	expect_rc 0
}

# qpdf clean, pdfinfo's page count equal to what pack printed, the footer on every page.
check_pdf() {
	name=$1 dir=$2
	pages=$(sed -n 's/^Report .*, \([0-9]*\) pages$/\1/p' "$dir.out")
	[ -n "$pages" ] || fail "$name: pack printed no page count"
	qpdf --check "$dir/pack.pdf" >"$TMPD/qpdf.out" 2>&1 || { fail "qpdf --check $name"; head -5 "$TMPD/qpdf.out"; }
	grep -q "No syntax or stream encoding errors" "$TMPD/qpdf.out" || fail "qpdf found errors in $name"
	pdfinfo "$dir/pack.pdf" >"$TMPD/info" 2>/dev/null
	grep -q "^Pages: *$pages$" "$TMPD/info" || fail "$name: pdfinfo pages differ from $pages"
	grep -q "^Page size: *595.276 x 841.89 pts (A4)" "$TMPD/info" || fail "$name: not A4"
	pdf_text "$dir/pack.pdf" >"$TMPD/$name.txt"
	# poppler reads every font's ToUnicode map without a warning.
	pdftotext "$dir/pack.pdf" /dev/null 2>"$TMPD/poppler.err"
	[ -s "$TMPD/poppler.err" ] && fail "$name: poppler warns: $(head -1 "$TMPD/poppler.err")"
	sums=$(sha256sum "$dir/SHA256SUMS" | cut -c1-64)
	n=$(grep -c "manifest SHA256SUMS $(echo "$sums" | cut -c1-32)" "$TMPD/$name.txt")
	[ "$n" = "$pages" ] || fail "$name: footer with the SHA256SUMS digest on $n of $pages pages"
	expect_pdf "$name" "page $pages of $pages"
	expect_pdf "$name" "$sums"
	# Cells wrap between words: no id or finding number is split across lines.
	split=$(grep -o -E '(ev|audit)-[0-9]{8}-[0-9a-f]*|(NC|OBS|OFI|OBSERVATION)-[0-9]{4}-[0-9]*' "$TMPD/$name.txt" |
		grep -v -E -- '-[0-9a-f]{16}$|-[0-9]{4}-[0-9]{3,}$' | head -1)
	[ -z "$split" ] || fail "$name: an id is split inside its cell: '$split'"
}

test_pack_report_each_type() {
	cycle_repo || return
	check_pdf stage1 "$TMPD/p-stage1"
	for s in "Stage 1 audit pack" "Contents" "Organisation, scope and services" "Clause status and readiness" \
		"Documented information checklist" "MISSING" "Stage 2 readiness" "NOT READY" \
		"Nonconformity and corrective action register" "Appendix: how to verify this pack" \
		"Example CB" "ISO/IEC 20000-1:2018" "Managed hosting" "Ada Quinn"; do
		expect_pdf stage1 "$s"
	done

	check_pdf stage2 "$TMPD/p-stage2"
	for s in "Stage 2 audit pack" "Stage 1 concerns and how they were closed" "Supplier register incomplete" \
		"Clause by clause" "Process samples for clause 8" "8.6.1 Incident management — population 2, sample 2" \
		"Evidence index"; do
		expect_pdf stage2 "$s"
	done
	# Samples an auditor can reproduce: the incident export's two rows are the
	# population; smsaudit sample --explain draws the same, sha256sum gives each value.
	c2=$(sed -n 's/.*<source-commit>\([0-9a-f]*\)<.*/\1/p' "$TMPD/p-stage2/manifest.xml")
	run sample "$S2" --commit "$c2" --as-of 2026-03-01 --unit 8.6.1 --explain
	expect_rc 0
	expect_out "population 2 (1 record), sample 2"
	id=$(sed -n 's/.*  \(ev-[0-9a-f-]*\)#1$/\1/p' "$out")
	[ -n "$id" ] || fail "sample --explain lists no row of the export"
	v=$(printf '%s\n%s\n%s' "$c2" 8.6.1 "$id#1" | sha256sum | cut -c1-64)
	expect_out "* $v  $id#1"
	expect_pdf stage2 "$id#1"
	expect_pdf stage2 "$(echo "$v" | cut -c1-16)"
	run sample "$S2" --commit "$c2" --as-of 2026-03-01 --unit 9.9
	expect_rc 3
	expect_err_one_line
	# The clause to evidence matrix: each file a link to the file in the pack, each
	# clause a link inside the PDF; bookmarks nest clauses under their section,
	# sections under their part.
	expect_pdf stage2 "Clause to evidence matrix"
	expect_pdf stage2 "evidence/8.6.1/ev-"
	qpdf --qdf --object-streams=disable "$TMPD/p-stage2/pack.pdf" "$TMPD/q.pdf" 2>/dev/null
	grep -a -o '/URI (evidence/[^)]*)' "$TMPD/q.pdf" | sed 's|^/URI (||; s|)$||' >"$TMPD/uris"
	[ -s "$TMPD/uris" ] || fail "the matrix links to no evidence file"
	while IFS= read -r u; do
		[ -f "$TMPD/p-stage2/$u" ] || fail "the PDF links to $u, not a file of the pack"
	done <"$TMPD/uris"
	[ "$(grep -a -c '/Dest [0-9]' "$TMPD/q.pdf")" -gt 20 ] || fail "the matrix has no links inside the PDF"
	qpdf --json --json-key=outlines "$TMPD/p-stage2/pack.pdf" >"$TMPD/outlines.json" 2>/dev/null
	# Part, then section, then clause: qpdf indents each level of kids by 4 more.
	grep -q -E '^      "title": "[0-9]+\.[0-9]' "$TMPD/outlines.json" && fail "a clause bookmark is at the top level"
	grep -q -E '^      "title": "Clause by clause"' "$TMPD/outlines.json" && fail "a section bookmark is at the top level"
	grep -q -E '^      "title": "Part II\. Conformity, clause by clause"' "$TMPD/outlines.json" ||
		fail "no part bookmark at the top level"
	grep -q -E '^          "title": "Clause by clause"' "$TMPD/outlines.json" || fail "no section bookmark under its part"
	grep -q -E '^              "title": "8\.6\.1 Incident management' "$TMPD/outlines.json" ||
		fail "no clause bookmark nested under its section"
	expect_pdf stage2 "Part III. Records, samples and findings"
	# Text outside Latin-1: Turkish, German and Greek drawn; CJK shown by code point
	# (the title wraps in its column: compare with the line breaks taken out).
	pdftotext -raw "$TMPD/p-stage2/pack.pdf" - 2>/dev/null | tr -d '\n ' >"$TMPD/raw.txt"
	grep -q -F "İşlemYönetimi–Änderung–Υπηρεσία–[U+6570][U+636E][U+4E2D][U+5FC3]" "$TMPD/raw.txt" ||
		fail "the Turkish/German/Greek/CJK title is not rendered or visibly replaced"
	grep -q "characters the embedded fonts lack are shown as" "$TMPD/p-stage2.out" || fail "pack did not say so"

	# A change of the organisation between the two audits: the surveillance pack states it.
	SMSAUDIT_NOW=2026-11-02 run --as ada@example.org sms change --add-site Manchester --reason "New data centre"
	expect_rc 0
	run --as ada@example.org pack "$SV" -o "$TMPD/p-surv"
	expect_rc 0
	cp "$out" "$TMPD/p-surv.out"
	check_pdf surv "$TMPD/p-surv"
	tagged=$(git --git-dir="$SMSAUDIT_REPO" rev-parse "refs/tags/audit/$S2")
	for s in "Surveillance audit pack" "Changes since the previous audit" "From commit $(echo "$tagged" | cut -c1-12)" \
		"Management review 2026" "1 added, 0 superseded, 0 withdrawn." "Incident reviews incomplete" \
		"Previous nonconformities and their closure" "Clauses in this visit's rotation" "Surveillance 1 of" \
		"Items examined at every surveillance" "Use of marks" "Audit plan and agenda" "Proposed agenda" \
		"Opening meeting" "closing meeting" "The previous audit and its findings" "Recommendation" \
		"1 finding raised at that audit: 0 closed, 1 not closed." "Changes of the organisation" "Manchester" \
		"New data centre"; do
		expect_pdf surv "$s"
	done

	run --as ada@example.org pack "$RC" -o "$TMPD/p-recert"
	expect_rc 0
	cp "$out" "$TMPD/p-recert.out"
	check_pdf recert "$TMPD/p-recert"
	for s in "Recertification audit pack" "The certification cycle in summary" "Readiness trend" \
		"Findings by grade and year" "Coverage across the cycle" "Clause by clause" "Audit plan and agenda" \
		"the whole standard, clauses 4 to 10" "The previous audit and its findings"; do
		expect_pdf recert "$s"
	done
	for p in p-stage1 p-stage2 p-surv p-recert; do
		run verify-pack "$TMPD/$p"
		expect_rc 0
	done
	# Every fact of every pack type agrees with itself and with gap, finding list
	# and audit list at the pack's commit and date; a pack read against another
	# date is caught.
	for p in p-stage1 p-stage2 p-surv p-recert; do
		"$ROOT/scripts/pack-consistency" "$SMSAUDIT" "$TMPD/$p" >"$TMPD/pc.out" 2>&1 ||
			fail "$p is inconsistent: $(head -3 "$TMPD/pc.out")"
		grep -q "consistent: [1-9][0-9]* facts" "$TMPD/pc.out" || fail "$p: no facts checked"
	done
	rm -rf "$TMPD/t" && cp -r "$TMPD/p-stage2" "$TMPD/t"
	sed -i 's|<as-of>[0-9-]*<|<as-of>2026-12-01<|' "$TMPD/t/manifest.xml"
	"$ROOT/scripts/pack-consistency" "$SMSAUDIT" "$TMPD/t" >"$TMPD/pc.out" 2>&1 && fail "a contradiction went unnoticed"
	grep -q "the pack says" "$TMPD/pc.out" || fail "the contradiction is not named: $(head -2 "$TMPD/pc.out")"
	expect_verify_ok
}

test_pack_seal_tag_reproducible_and_appendix() {
	cycle_repo || return
	# Each sealed pack left a seal record signed by the quality manager and its audit's tag.
	n=$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main records | grep -c '/seal-.*\.xml$')
	[ "$n" = 2 ] || fail "$n seal records, expected 2"
	seal=$(record_path seal-)
	repo_cat "$seal" | grep -q "<manifest-sha256>$(sha256sum "$TMPD/p-stage2/manifest.xml" | cut -c1-64)<" ||
		repo_cat "$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main records | grep '/seal-.*\.xml$' | tail -1)" |
		grep -q "<manifest-sha256>$(sha256sum "$TMPD/p-stage2/manifest.xml" | cut -c1-64)<" ||
		fail "no seal record names the stage 2 manifest's digest"
	git --git-dir="$SMSAUDIT_REPO" rev-parse -q --verify "refs/tags/audit/$S1" >/dev/null || fail "no tag audit/$S1"
	c=$(sed -n 's/.*<source-commit>\([0-9a-f]*\)<.*/\1/p' "$TMPD/p-stage2/manifest.xml")
	[ "$(git --git-dir="$SMSAUDIT_REPO" rev-parse "refs/tags/audit/$S2")" = "$c" ] || fail "tag audit/$S2 is not the source commit"

	# A draft neither seals nor tags, says DRAFT on every page and in its manifest,
	# and verify-pack reports it as a draft (exit 1 unless --allow-draft).
	before=$(commits)
	run --as ada@example.org pack "$S2" -o "$TMPD/d1" --commit "$c" --as-of 2026-03-01 --draft
	expect_rc 0
	expect_out "Draft             not sealed"
	[ "$(commits)" = "$before" ] || fail "a draft committed something"
	pages=$(pdfinfo "$TMPD/d1/pack.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
	pdf_text "$TMPD/d1/pack.pdf" >"$TMPD/d1.txt"
	n=$(grep -c "DRAFT — NOT SEALED" "$TMPD/d1.txt")
	[ "$n" -ge "$pages" ] || fail "DRAFT on $n lines of a $pages-page draft"
	grep -q "DRAFT" "$TMPD/s2.txt" 2>/dev/null && fail "a sealed pack says DRAFT"
	grep -q "<draft>" "$TMPD/d1/manifest.xml" || fail "the draft's manifest does not say so"
	grep -q "<draft>" "$TMPD/p-stage2/manifest.xml" && fail "a sealed manifest says draft"
	run verify-pack "$TMPD/d1"
	expect_rc 1
	expect_out "DRAFT manifest.xml: this pack is a draft"
	expect_out "verify-pack failed:"
	run verify-pack "$TMPD/d1" --allow-draft
	expect_rc 0
	expect_out "verify-pack ok:"
	expect_out "DRAFT pack"

	# pack --reproduce: the sealed pack rebuilt from its commit and date, nothing
	# signed or sealed, every file byte-identical but the signature; a changed
	# file is named.
	before=$(commits)
	run pack --reproduce "$TMPD/p-stage2"
	expect_rc 0
	expect_out "reproduce ok:"
	expect_out "byte-identical"
	[ "$(commits)" = "$before" ] || fail "pack --reproduce committed something"
	rm -rf "$TMPD/t" && cp -r "$TMPD/p-stage2" "$TMPD/t"
	printf '%%%% appended\n' >>"$TMPD/t/pack.pdf"
	echo x >"$TMPD/t/extra.txt"
	run pack --reproduce "$TMPD/t"
	expect_rc 1
	expect_out "DIFFERS pack.pdf: differs from the rebuilt file"
	expect_out "DIFFERS extra.txt"
	expect_out "2 files differ"
	run pack --reproduce "$TMPD/t" -o "$TMPD/x"
	expect_rc 2
	expect_err_one_line
	run pack --reproduce "$TMPD/nothing-here"
	expect_rc 4
	expect_err "nothing-here"
	expect_err_one_line
	SOURCE_DATE_EPOCH=1772323200 run --as ada@example.org pack "$S2" -o "$TMPD/d2" --commit "$c" --as-of 2026-03-01 --draft
	expect_rc 0
	pdfinfo "$TMPD/d2/pack.pdf" 2>/dev/null | grep -q "^CreationDate: .*2026 UTC" || fail "no creation date"
	pdfinfo "$TMPD/d2/pack.pdf" 2>/dev/null | grep -q "Mar  1 00:00:00 2026" || fail "SOURCE_DATE_EPOCH not honoured"

	# The appendix: every command line of reports/verify-pack.sh is in the PDF's
	# text whole, on one line, with this pack's fingerprint; those lines, taken
	# from the PDF in its order, run in the pack folder and succeed, smsaudit's
	# verify-pack and the stock tools alike. docs/verifying.md shows the same file.
	pdf_text "$TMPD/p-stage2/pack.pdf" >"$TMPD/s2.txt"
	anchor=$(openssl x509 -in "$TMPD/p-stage2/trust/ca.pem" -outform DER | sha256sum | cut -c1-64)
	pdftotext -raw "$TMPD/p-stage2/pack.pdf" - 2>/dev/null | sed -n '/^Appendix: how to verify this pack$/,$p' |
		sed 's/^ *//' >"$TMPD/appendix.txt"
	grep -v '^#' "$ROOT/reports/verify-pack.sh" | grep -v '^$' | sed "s/{anchor}/$anchor/; s/^ *//" >"$TMPD/want.txt"
	[ "$(wc -l <"$TMPD/want.txt")" -gt 10 ] || fail "reports/verify-pack.sh has too few commands"
	while IFS= read -r want; do
		grep -q -x -F -- "$want" "$TMPD/appendix.txt" || fail "the appendix lacks, whole on one line: $want"
	done <"$TMPD/want.txt"
	grep -x -F -f "$TMPD/want.txt" "$TMPD/appendix.txt" >"$TMPD/commands.sh"
	(cd "$TMPD/p-stage2" && PATH="$(dirname "$SMSAUDIT"):$PATH" TMPDIR="$TMPD" sh -e "$TMPD/commands.sh") \
		>"$TMPD/commands.out" 2>&1 || fail "the appendix's commands failed: $(tail -3 "$TMPD/commands.out")"
	grep -q "verify-pack ok:" "$TMPD/commands.out" || fail "the appendix's verify-pack did not run"
	grep -q "CMS Verification successful" "$TMPD/commands.out" || fail "the appendix's cms -verify did not run"
	grep -q ": OK$" "$TMPD/commands.out" || fail "the appendix's content check did not run"
	sed -n '/^<!-- begin reports\/verify-pack.sh/,/^<!-- end reports\/verify-pack.sh/p' "$ROOT/docs/verifying.md" |
		sed '1,2d; $d' | sed '$d' >"$TMPD/doc.txt"
	grep -v '^#:' "$ROOT/reports/verify-pack.sh" | diff - "$TMPD/doc.txt" >/dev/null ||
		fail "docs/verifying.md differs from reports/verify-pack.sh (run scripts/sync-verifying-doc)"
	grep -q "path=\"pack.pdf\" sha256=\"$(sha256sum "$TMPD/p-stage2/pack.pdf" | cut -c1-64)\"" "$TMPD/p-stage2/manifest.xml" ||
		fail "the manifest does not list pack.pdf's digest"
	# Evidence an auditor can open: readable copies under evidence/<clause>/, and
	# index.html, loaded in a real browser (headless Chromium, no network): no
	# script, every link resolves to a file of the pack, one row per copy.
	n=$(find "$TMPD/p-stage2/evidence" -type f | wc -l)
	[ "$n" -gt 0 ] || fail "no evidence/ copies in the pack"
	f=$(find "$TMPD/p-stage2/evidence/8.6.1" -type f | head -1)
	case $f in */evidence/8.6.1/ev-*-incidents.csv) ;; *) fail "unreadable evidence name: $f" ;; esac
	cmp -s "$f" "$TMPD/incidents.csv" || fail "$f is not the incidents file"
	HOME="$TMPD" timeout 60 chromium --headless --no-sandbox --disable-gpu --dump-dom \
		"file://$TMPD/p-stage2/index.html" >"$TMPD/dom.html" 2>/dev/null || fail "chromium could not load index.html"
	grep -q '<h3 id="clause-8.6.1"' "$TMPD/dom.html" || fail "index.html lacks clause 8.6.1"
	grep -q -i '<script' "$TMPD/dom.html" && fail "index.html has a script"
	[ "$(grep -c '<tr class="evidence">' "$TMPD/dom.html")" = "$n" ] || fail "index.html rows differ from the $n copies"
	grep -o 'href="[^"]*"' "$TMPD/dom.html" | sed 's/^href="//; s/"$//' >"$TMPD/hrefs"
	[ "$(wc -l <"$TMPD/hrefs")" -gt "$n" ] || fail "index.html has too few links"
	while IFS= read -r h; do
		[ -f "$TMPD/p-stage2/$h" ] || fail "index.html links to $h, not a file of the pack"
	done <"$TMPD/hrefs"
	grep -q "<h2 id=\"findings\">" "$TMPD/dom.html" || fail "index.html lacks the findings"
	grep -q 'path="index.html"' "$TMPD/p-stage2/manifest.xml" || fail "the manifest does not list index.html"
	# A copy that is not what its record vouches for is caught by verify-pack.
	rm -rf "$TMPD/t" && cp -r "$TMPD/p-stage2" "$TMPD/t"
	g=$(cd "$TMPD/t" && find evidence -type f | head -1)
	mv "$TMPD/t/$g" "$TMPD/t/$(dirname "$g")/ev-20260101-0000000000000000-x.txt"
	sed -i "s|path=\"$g\"|path=\"$(dirname "$g")/ev-20260101-0000000000000000-x.txt\"|" "$TMPD/t/manifest.xml"
	run verify-pack "$TMPD/t"
	expect_rc 1
	expect_out "no evidence record of the pack has this name"

	# A command that no longer works is caught: the same lines on a pack missing a listed file.
	rm -rf "$TMPD/t" && cp -r "$TMPD/p-stage2" "$TMPD/t" && rm "$TMPD/t/smsaudit.xml"
	(cd "$TMPD/t" && PATH="$(dirname "$SMSAUDIT"):$PATH" TMPDIR="$TMPD" sh -e "$TMPD/commands.sh") >/dev/null 2>&1 &&
		fail "the appendix's commands passed a pack missing a file"

	# A changed PDF, a SHA256SUMS that disagrees with the manifest: caught and named.
	rm -rf "$TMPD/t" && cp -r "$TMPD/p-stage2" "$TMPD/t"
	printf '%%%% appended\n' >>"$TMPD/t/pack.pdf"
	run verify-pack "$TMPD/t"
	expect_rc 1
	expect_out "FAIL pack.pdf: content differs from the manifest"
	rm -rf "$TMPD/t" && cp -r "$TMPD/p-stage2" "$TMPD/t"
	sed -i '2d' "$TMPD/t/SHA256SUMS"
	run verify-pack "$TMPD/t"
	expect_rc 1
	expect_out "FAIL SHA256SUMS: line 2 differs from the signed manifest"
	expect_verify_ok
}

test_pack_failed_evidence_definitions_and_full_disk() {
	cycle_repo || return
	# Evidence whose signature fails is listed as FAILED, never as valid.
	ev=$(record_path ev-)
	other=$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main records | grep '/ev-.*\.xml$' | sed -n 2p)
	repo_cat "$other.p7s" >"$TMPD/wrong.p7s"
	good=$(git --git-dir="$SMSAUDIT_REPO" rev-parse main)
	tamper_put "$ev.p7s" "$TMPD/wrong.p7s"
	id=$(basename "$ev" .xml)
	run --as ada@example.org pack "$S2" -o "$TMPD/pf" --draft
	expect_rc 0
	pdf_text "$TMPD/pf/pack.pdf" >"$TMPD/pf.txt"
	grep -q "FAILED" "$TMPD/pf.txt" || fail "the failing record is not shown as FAILED"
	# pdftotext wraps the id inside its column: the row with its first half says FAILED.
	grep "$(echo "$id" | cut -c1-20)" "$TMPD/pf.txt" | grep -q FAILED || fail "$id not marked FAILED in its row"
	run verify-pack "$TMPD/pf"
	expect_rc 1
	expect_out "FAIL $ev.p7s"
	# Sealing such a repository is refused; nothing is written.
	before=$(commits)
	run --as ada@example.org pack "$S2" -o "$TMPD/pf2"
	expect_rc 1
	expect_err "fails verification"
	[ -e "$TMPD/pf2" ] && fail "a refused seal left a folder"
	[ "$(commits)" = "$before" ] || fail "a refused seal committed"
	# Back to the history before the tampering, for what follows.
	git --git-dir="$SMSAUDIT_REPO" update-ref refs/heads/main "$good"

	# A custom definition: only its sections; a broken one refused with file and line, nothing written.
	cat >"$TMPD/mine.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<report xmlns="urn:smsaudit:report:1" version="1" audit-type="stage2">
  <title>Our short stage 2 pack</title>
  <section kind="cover"/>
  <part title="Our part of findings">
    <section kind="findings" title="Open findings only" period="open"/>
  </part>
</report>
XML
	run --as ada@example.org pack "$S2" -o "$TMPD/pc" --definition "$TMPD/mine.xml" --draft
	expect_rc 0
	pdf_text "$TMPD/pc/pack.pdf" >"$TMPD/pc.txt"
	grep -q "Our short stage 2 pack" "$TMPD/pc.txt" || fail "custom title missing"
	grep -q "Open findings only" "$TMPD/pc.txt" || fail "custom section missing"
	grep -q "Our part of findings" "$TMPD/pc.txt" || fail "custom part missing"
	grep -q "Clause by clause" "$TMPD/pc.txt" && fail "a section the definition lacks was rendered"
	sed 's/kind="findings"/kind="horoscope"/' "$TMPD/mine.xml" >"$TMPD/bad.xml"
	run --as ada@example.org pack "$S2" -o "$TMPD/pb" --definition "$TMPD/bad.xml"
	expect_rc 3
	expect_err "$TMPD/bad.xml:6"
	expect_err_one_line
	# A part must hold a section.
	sed 's|^    <section kind="findings".*$||' "$TMPD/mine.xml" >"$TMPD/bad2.xml"
	run --as ada@example.org pack "$S2" -o "$TMPD/pb" --definition "$TMPD/bad2.xml"
	expect_rc 3
	expect_err "$TMPD/bad2.xml:5"
	expect_err_one_line
	[ -e "$TMPD/pb" ] && fail "a refused definition left a folder"
	ls "$TMPD" | grep -q "pb.partial" && fail "a refused definition left a partial folder"
	run --as ada@example.org pack "$S1" -o "$TMPD/pb" --definition "$TMPD/mine.xml"
	expect_rc 3
	expect_err "audit-type is stage2, but the audit is a stage1 audit"

	# A full disk (a file size limit): a clear error, no pack, no partial folder, no seal.
	before=$(commits)
	(trap '' XFSZ; ulimit -f 64; "$SMSAUDIT" --as ada@example.org pack "$S2" -o "$TMPD/pd" >"$TMPD/out" 2>"$TMPD/err")
	rc=$?
	[ "$rc" = 4 ] || fail "full disk: exit $rc, expected 4"
	grep -q "cannot write" "$TMPD/err" || fail "full disk: no 'cannot write' error: $(cat "$TMPD/err")"
	[ -e "$TMPD/pd" ] && fail "a failed pack was left in place"
	ls "$TMPD" | grep -q "pd.partial" && fail "a failed pack left a partial folder"
	[ "$(commits)" = "$before" ] || fail "a failed pack committed a seal"
}

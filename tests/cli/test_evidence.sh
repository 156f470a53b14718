# evidence add/import/list/show/get/supersede/withdraw, bad input, stock tools.
. "$ROOT/tests/cli/repo_helpers.sh"

add_as_ben() {
	"$SMSAUDIT" --as ben@example.org evidence add "$@"
}

test_add_list_show_get() {
	make_repo || return
	echo "Service management policy v3" >"$TMPD/policy.txt"
	printf 'id,summary\n1,disk full\n2,network\n' >"$TMPD/incidents.csv"
	run --as ben@example.org evidence add "$TMPD/policy.txt" "$TMPD/incidents.csv" --control 5.2.1,7.5.4 \
		--kind policy --title "SM documents" --valid-until 2030-12-31 --note "Approved by the board"
	expect_rc 0
	expect_out "2 files added in one commit"
	expect_commits 3
	git --git-dir="$SMSAUDIT_REPO" log -1 --format=%B main | grep -c "^Smsaudit-Record: ev-" | grep -q 2 || fail "commit lists 2 records"
	run evidence list
	expect_rc 0
	expect_out "5.2.1 7.5.4"
	expect_out "SM documents"
	id=$(sed -n 's/^\(ev-[0-9a-f-]*\) .*/\1/p' "$out" | head -1)
	run evidence show "$id"
	expect_rc 0
	expect_out "Collected:"
	expect_out "Ben Ortiz <ben@example.org>"
	expect_out "Approved by the board"
	# A unique prefix is enough.
	run evidence show "$(echo "$id" | cut -c1-16)"
	expect_rc 0
	run evidence get "$id" -o "$TMPD/out.bin"
	expect_rc 0
	expect_out "verified"
	run evidence show "$id" --format json
	sha=$(sed -n 's/.*"sha256": "\([0-9a-f]*\)".*/\1/p' "$out")
	[ "$(sha256sum "$TMPD/out.bin" | cut -c1-64)" = "$sha" ] || fail "extracted file does not match its digest"
	run evidence get "$id" -o "$TMPD/out.bin"
	expect_rc 4
	expect_err "already exists"
	run evidence get "$id" -o "$TMPD/out.bin" --force
	expect_rc 0
	run evidence show ev-20000101-00
	expect_rc 3
	expect_verify_ok
}

test_list_filters() {
	export SMSAUDIT_NOW=2026-01-05T09:00:00Z
	make_repo || return
	echo a >"$TMPD/a.txt"; echo b >"$TMPD/b.txt"; echo c >"$TMPD/c.txt"
	add_as_ben "$TMPD/a.txt" --control 8.6.1 --kind record --title A --period 2026-01-01..2026-03-31 >/dev/null
	add_as_ben "$TMPD/b.txt" --control 8.5.1.1 --kind policy --title B --valid-until 2026-12-20 >/dev/null
	add_as_ben "$TMPD/c.txt" --control 9.2 --kind report --title C --valid-until 2027-06-01 >/dev/null
	run evidence list --control 8 --format csv
	expect_out ",A,"
	expect_out ",B,"
	expect_no_out ",C,"
	run evidence list --control 8.5 --format csv
	expect_no_out ",A,"
	expect_out ",B,"
	run evidence list --kind report --format csv
	expect_out ",C,"
	expect_no_out ",B,"
	run evidence list --expiring 30 --at 2026-12-01 --format csv
	expect_out ",B,"
	expect_no_out ",C,"
	run evidence list --kind memo
	expect_rc 3
	run evidence list --control 8.9
	expect_rc 3
	run evidence list --expiring soon
	expect_rc 2
}

# exp_add WHEN TITLE VALID-UNTIL: a policy for 5.2.1 signed by Ben at WHEN; prints its id.
exp_add() {
	f="$TMPD/$2.txt"
	echo "$2" >"$f"
	SMSAUDIT_NOW=$1 "$SMSAUDIT" --as ben@example.org evidence add "$f" --control 5.2.1 --kind policy --title "$2" \
		--valid-until "$3" >"$TMPD/add.out" 2>&1 || { fail "evidence add $2: $(cat "$TMPD/add.out")"; return 1; }
	sed -n 's/^\(ev-[0-9a-f-]*\) .*/\1/p' "$TMPD/add.out"
}

# A repository whose policies expire around 2026-03-01, seen from that date:
#   EDGE    valid until 2026-03-01 (its last day: 0 days left)     expiring
#   NINETY  valid until 2026-05-30 (90 days after)                 expiring
#   LATER   valid until 2026-05-31 (91 days)                       not
#   GONE    valid until 2026-02-28 (expired the day before)        not
#   WDLATE  valid until 2026-04-15, withdrawn on 2026-03-05        expiring on 2026-03-01
#   WDEARLY valid until 2026-04-20, withdrawn on 2026-02-15        not
#   NEW     valid until 2026-04-01, added on 2026-03-10            not yet
expiring_repo() {
	SMSAUDIT_NOW=2026-01-05T09:00:00Z make_repo || return 1
	EDGE=$(exp_add 2026-01-10T10:00:00Z edge 2026-03-01) || return 1
	NINETY=$(exp_add 2026-01-10T10:01:00Z ninety 2026-05-30) || return 1
	LATER=$(exp_add 2026-01-10T10:02:00Z later 2026-05-31) || return 1
	GONE=$(exp_add 2026-01-10T10:03:00Z gone 2026-02-28) || return 1
	WDLATE=$(exp_add 2026-01-10T10:04:00Z wdlate 2026-04-15) || return 1
	WDEARLY=$(exp_add 2026-01-10T10:05:00Z wdearly 2026-04-20) || return 1
	SMSAUDIT_NOW=2026-02-15T09:00:00Z "$SMSAUDIT" --as ben@example.org evidence withdraw "$WDEARLY" --reason early \
		>/dev/null || { fail "withdraw"; return 1; }
	SMSAUDIT_NOW=2026-03-05T09:00:00Z "$SMSAUDIT" --as ben@example.org evidence withdraw "$WDLATE" --reason late \
		>/dev/null || { fail "withdraw"; return 1; }
	NEW=$(exp_add 2026-03-10T10:00:00Z new 2026-04-01) || return 1
}

# ids FILE: the evidence ids in a file, sorted, one line.
ids() {
	grep -o 'ev-[0-9]\{8\}-[0-9a-f]*' "$1" | sort -u | tr '\n' ' '
}

# evidence list --expiring and status, both as of one date, list the same
# evidence by the same rule, whatever the clock says.
test_expiring_at_a_date_agrees_with_status() {
	expiring_repo || return
	want=$(printf '%s\n' "$EDGE" "$NINETY" "$WDLATE" | sort | tr '\n' ' ')
	for clock in 2026-03-20T00:00:00Z 2031-01-01T00:00:00Z; do
		SMSAUDIT_NOW=$clock run evidence list --expiring 90 --at 2026-03-01 --format csv
		expect_rc 0
		got=$(ids "$out")
		[ "$got" = "$want" ] || fail "evidence list --expiring 90 --at 2026-03-01 (clock $clock): $got, expected $want"
		cp "$out" "$TMPD/list-$clock.csv"
		SMSAUDIT_NOW=$clock run status --at 2026-03-01 --format json
		expect_rc 0
		sed -n '/"expiring": \[/,/\]/p' "$out" >"$TMPD/status-expiring.json"
		got=$(ids "$TMPD/status-expiring.json")
		[ "$got" = "$want" ] || fail "status --at 2026-03-01 (clock $clock) lists $got as expiring, expected $want"
		expect_out '"expiring_30": 1'
		expect_out '"expiring_60": 1'
		expect_out '"expiring_90": 1'
	done
	# The clock is not an input once --at is given: the same bytes.
	cmp -s "$TMPD/list-2026-03-20T00:00:00Z.csv" "$TMPD/list-2031-01-01T00:00:00Z.csv" ||
		fail "evidence list --expiring --at gave another answer under another clock"
	# By valid-until, with the days left: 0 on the last valid day.
	SMSAUDIT_NOW=2031-01-01T00:00:00Z run evidence list --expiring 90 --at 2026-03-01
	expect_rc 0
	expect_out "Evidence expiring within 90 days of 2026-03-01"
	first=$(sed -n 's/^\(ev-[0-9a-f-]*\) .*/\1/p' "$out" | head -1)
	last=$(sed -n 's/^\(ev-[0-9a-f-]*\) .*/\1/p' "$out" | tail -1)
	[ "$first" = "$EDGE" ] && [ "$last" = "$NINETY" ] || fail "not listed by valid-until: $first first, $last last"
	grep -q "^$EDGE .* 2026-03-01  *0  *edge" "$out" || fail "the last valid day is not 0 days left"
	grep -q "^$NINETY .* 2026-05-30  *90  *ninety" "$out" || fail "90 days after is not 90 days left"
	# A shorter horizon is the same rule: only what has at most DAYS days left.
	SMSAUDIT_NOW=2031-01-01T00:00:00Z run evidence list --expiring 0 --at 2026-03-01 --format csv
	[ "$(ids "$out")" = "$EDGE " ] || fail "--expiring 0 --at 2026-03-01: $(ids "$out")"
	SMSAUDIT_NOW=2031-01-01T00:00:00Z run evidence list --expiring 0 --at 2026-03-02 --format csv
	expect_no_out "$EDGE"
	# Without --at the date is today's, by the clock (here the day NINETY ends).
	SMSAUDIT_NOW=2026-05-30T18:00:00Z run evidence list --expiring 0 --format csv
	expect_rc 0
	[ "$(ids "$out")" = "$NINETY " ] || fail "--expiring 0 on 2026-05-30: $(ids "$out")"
}

# --at is a date for evidence as for every analysis; a revision is --commit.
test_evidence_at_is_a_date() {
	expiring_repo || return
	export SMSAUDIT_NOW=2031-01-01T00:00:00Z
	run evidence list --at main
	expect_rc 2
	expect_err "--at: 'main' is not a date (expected YYYY-MM-DD); a revision is --commit REV"
	expect_err_one_line
	# At the end of 2026-03-01 NEW did not exist yet and WDLATE was in force.
	run evidence list --at 2026-03-01 --format csv
	expect_rc 0
	expect_no_out "$NEW"
	expect_out "$WDLATE"
	run evidence show "$NEW" --at 2026-03-01
	expect_rc 3
	run evidence show "$WDLATE" --at 2026-03-01
	expect_rc 0
	expect_out "Status:        active"
	run evidence show "$WDLATE"
	expect_out "Status:        withdrawn"
	run evidence get "$EDGE" -o "$TMPD/edge.out" --at 2026-02-01
	expect_rc 0
	cmp -s "$TMPD/edge.out" "$TMPD/edge.txt" || fail "evidence get --at: not the content added"
	# --commit reads that commit; with --at too, expiring is judged at that date.
	first=$(git --git-dir="$SMSAUDIT_REPO" rev-list --reverse main | sed -n 3p)
	run evidence list --commit "$first" --format csv
	expect_rc 0
	expect_out "$EDGE"
	expect_no_out "$NINETY"
	run evidence list --commit main --at 2026-03-01 --expiring 90 --format csv
	expect_rc 0
	# main has the withdrawal of 2026-03-05, which did not exist on 2026-03-01.
	[ "$(ids "$out")" = "$(printf '%s\n' "$EDGE" "$NINETY" "$WDLATE" | sort | tr '\n' ' ')" ] ||
		fail "--commit main --at 2026-03-01 --expiring 90: $(ids "$out")"
	run evidence list --at 2026-02-30
	expect_rc 2
	run evidence list --commit nosuchrev
	expect_rc 3
	expect_err_one_line
}

# Every bad input: a clear one-line error, a non-zero exit, nothing written.
bad_add() {
	want_rc=$1; want_msg=$2; shift 2
	before=$(commits)
	run --as ben@example.org evidence add "$@"
	expect_rc "$want_rc"
	expect_err "$want_msg"
	expect_err_one_line
	expect_commits "$before"
}

test_bad_files() {
	make_repo || return
	echo ok >"$TMPD/ok.txt"
	: >"$TMPD/empty.txt"
	ln -s "$TMPD/ok.txt" "$TMPD/link.txt"
	mkdir "$TMPD/dir"
	mkfifo "$TMPD/fifo"
	common="--control 5.2.1 --kind policy --title T"
	bad_add 4 "missing.txt: No such file" "$TMPD/missing.txt" $common
	bad_add 3 "is empty" "$TMPD/empty.txt" $common
	bad_add 3 "symbolic link" "$TMPD/link.txt" $common
	bad_add 3 "dir: a directory, not a regular file" "$TMPD/dir" $common
	bad_add 3 "/dev/null: a character device, not a regular file" /dev/null $common
	bad_add 3 "fifo: a FIFO, not a regular file" "$TMPD/fifo" $common
	# One bad file among good ones: nothing of the call is recorded.
	bad_add 3 "is empty" "$TMPD/ok.txt" "$TMPD/empty.txt" $common
	if [ "$(id -u)" != 0 ]; then
		cp "$TMPD/ok.txt" "$TMPD/secret.txt"; chmod 000 "$TMPD/secret.txt"
		bad_add 4 "Permission denied" "$TMPD/secret.txt" $common
	fi
	expect_verify_ok
}

test_bad_fields() {
	make_repo || return
	echo ok >"$TMPD/ok.txt"
	bad_add 3 "unknown clause '8.9'" "$TMPD/ok.txt" --control 8.9 --kind record --title T
	bad_add 3 "clause 8.5 is a heading" "$TMPD/ok.txt" --control 8.5 --kind record --title T
	bad_add 3 "unknown evidence kind 'memo'" "$TMPD/ok.txt" --control 8.6.1 --kind memo --title T
	bad_add 3 "2026-02-30 is not a date: February 2026 has 28 days" "$TMPD/ok.txt" --control 8.6.1 --kind record --title T --valid-until 2026-02-30
	bad_add 3 "ends before it starts" "$TMPD/ok.txt" --control 8.6.1 --kind record --title T --period 2026-06-01..2026-01-01
	bad_add 3 "is not FROM..TO" "$TMPD/ok.txt" --control 8.6.1 --kind record --title T --period 2026-01-01
	bad_add 3 "not usable as a file name" "$TMPD/ok.txt" --control 8.6.1 --kind record --title T --name "../etc/passwd"
	bad_add 3 "--name holds U+0009 (tab) at character 2" "$TMPD/ok.txt" --control 8.6.1 --kind record --title T --name "$(printf 'a\tb')"
	bad_add 3 "title is not valid UTF-8" "$TMPD/ok.txt" --control 8.6.1 --kind record --title "$(printf 'bad\377utf8')"
	bad_add 3 "title holds U+000A (line feed) at character 4" "$TMPD/ok.txt" --control 8.6.1 --kind record --title "$(printf 'two\nlines')"
	bad_add 3 "control 8.6.1 is given twice" "$TMPD/ok.txt" --control 8.6.1,8.6.1 --kind record --title T
	run --as ben@example.org evidence add "$TMPD/ok.txt" --kind record --title T
	expect_rc 2
	# A file whose own name is not valid UTF-8 must be renamed with --name.
	cp "$TMPD/ok.txt" "$TMPD/$(printf 'bad\377name.txt')"
	bad_add 3 "give a name with --name" "$TMPD/$(printf 'bad\377name.txt')" --control 8.6.1 --kind record --title T
	run --as ben@example.org evidence add "$TMPD/$(printf 'bad\377name.txt')" --control 8.6.1 --kind record --title T --name fixed.txt
	expect_rc 0
	expect_verify_ok
}

test_duplicate_content() {
	make_repo || return
	echo same >"$TMPD/a.txt"
	cp "$TMPD/a.txt" "$TMPD/b.txt"
	add_as_ben "$TMPD/a.txt" --control 8.6.1 --kind record --title First >/dev/null || fail "first add"
	id=$("$SMSAUDIT" evidence list --format csv | sed -n '2s/,.*//p')
	bad_add 3 "duplicate content: already recorded as $id (\"First\")" "$TMPD/b.txt" --control 8.6.2 --kind record --title Second
	echo other >"$TMPD/c.txt"
	cp "$TMPD/c.txt" "$TMPD/d.txt"
	bad_add 3 "same content as" "$TMPD/c.txt" "$TMPD/d.txt" --control 8.6.2 --kind record --title Both
	run --as ben@example.org evidence add "$TMPD/b.txt" --control 8.6.2 --kind record --title Second --allow-duplicate
	expect_rc 0
	# Content is stored once.
	n=$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main content | wc -l)
	[ "$n" = 1 ] || fail "content stored $n times"
	expect_verify_ok
}

test_supersede_and_withdraw() {
	make_repo || return
	echo v1 >"$TMPD/v1.txt"; echo v2 >"$TMPD/v2.txt"; echo x >"$TMPD/x.txt"
	add_as_ben "$TMPD/v1.txt" --control 5.2.1 --kind policy --title "Policy v1" >/dev/null
	add_as_ben "$TMPD/v2.txt" --control 5.2.1 --kind policy --title "Policy v2" >/dev/null
	add_as_ben "$TMPD/x.txt" --control 8.6.1 --kind record --title "Wrong file" >/dev/null
	v1=$("$SMSAUDIT" evidence list --format csv | grep "Policy v1" | cut -d, -f1)
	v2=$("$SMSAUDIT" evidence list --format csv | grep "Policy v2" | cut -d, -f1)
	x=$("$SMSAUDIT" evidence list --format csv | grep "Wrong file" | cut -d, -f1)
	run --as ben@example.org evidence supersede "$v1" "$v2" --reason "annual review"
	expect_rc 0
	run --as ben@example.org evidence withdraw "$x" --reason "uploaded by mistake"
	expect_rc 0
	run evidence list
	expect_no_out "Policy v1"
	expect_no_out "Wrong file"
	expect_out "Policy v2"
	run evidence list --all
	expect_out "superseded"
	expect_out "withdrawn"
	run evidence show "$v1"
	expect_out "superseded by $v2"
	before=$(commits)
	run --as ben@example.org evidence withdraw "$x" --reason again
	expect_rc 3
	expect_err "already withdrawn"
	run --as ben@example.org evidence supersede "$v2" "$v2" --reason self
	expect_rc 3
	run --as ben@example.org evidence withdraw ev-20990101-0000000000000000 --reason nothing
	expect_rc 3
	expect_err "evidence 'ev-20990101-0000000000000000' does not exist"
	run --as ben@example.org evidence withdraw "$v2"
	expect_rc 2
	expect_commits "$before"
	# Nothing is deleted: the withdrawn content is still retrievable.
	run evidence get "$x" -o "$TMPD/back.txt"
	expect_rc 0
	expect_verify_ok
}

test_import_csv() {
	make_repo || return
	mkdir "$TMPD/in"
	for i in 1 2 3; do echo "file $i" >"$TMPD/in/f$i.txt"; done
	cat >"$TMPD/in/list.csv" <<EOC
file,controls,kind,title,period_from,period_to,valid_until,note,name
f1.txt,8.6.1;8.6.2,record,"Incidents, Q1",2026-01-01,2026-03-31,,,
f2.txt,5.2.1,policy,Policy,,,2027-01-01,"Board ""approved""",policy.txt
f3.txt,9.2,report,Audit report,,,,,
EOC
	run --as ben@example.org evidence import "$TMPD/in/list.csv"
	expect_rc 0
	expect_out "Imported 3 evidence files"
	expect_commits 3
	run evidence list --format csv
	expect_out '"Incidents, Q1"'
	expect_out "policy.txt"
	expect_verify_ok
}

test_import_errors_write_nothing() {
	make_repo || return
	mkdir "$TMPD/in"
	echo a >"$TMPD/in/a.txt"
	printf 'file,controls,kind,title\na.txt,8.6.1,record,A\nmissing.txt,8.6.1,record,B\n' >"$TMPD/in/l1.csv"
	run --as ben@example.org evidence import "$TMPD/in/l1.csv"
	expect_rc 4
	expect_err "l1.csv:3: "
	expect_err "file 'missing.txt' does not exist (looked for "
	printf 'file,controls,kind,title\na.txt,8.6.1,memo,A\n' >"$TMPD/in/l2.csv"
	run --as ben@example.org evidence import "$TMPD/in/l2.csv"
	expect_rc 3
	expect_err "l2.csv:2: unknown evidence kind 'memo'"
	printf 'file,controls,title\na.txt,8.6.1,A\n' >"$TMPD/in/l3.csv"
	run --as ben@example.org evidence import "$TMPD/in/l3.csv"
	expect_rc 3
	expect_err "must name the column 'kind'"
	printf 'file,controls,kind,title,colour\na.txt,8.6.1,record,A,red\n' >"$TMPD/in/l4.csv"
	run --as ben@example.org evidence import "$TMPD/in/l4.csv"
	expect_rc 3
	expect_err "unknown column 'colour'"
	printf 'file,controls,kind,title\na.txt,8.6.1,record\n' >"$TMPD/in/l5.csv"
	run --as ben@example.org evidence import "$TMPD/in/l5.csv"
	expect_rc 3
	expect_err "l5.csv:2: 3 fields, the header has 4"
	printf 'file,controls,kind,title\na.txt,8.6.1,record,A,2026-01-01\n' >"$TMPD/in/l6.csv"
	printf 'file,controls,kind,title,period_from,period_to\na.txt,8.6.1,record,A,2026-01-01,\n' >"$TMPD/in/l7.csv"
	run --as ben@example.org evidence import "$TMPD/in/l7.csv"
	expect_rc 3
	expect_err "both period_from and period_to"
	expect_commits 2
}

test_stock_tools_verify_a_record() {
	make_repo || return
	echo "Continuity test results" >"$TMPD/bcp.txt"
	add_as_ben "$TMPD/bcp.txt" --control 8.7.2 --kind record --title "BCP test" >/dev/null
	git clone -q "$SMSAUDIT_REPO" "$TMPD/clone" || { fail "git clone"; return; }
	cd "$TMPD/clone" || return
	rec=$(ls records/*/*/*/ev-*.xml | head -1)
	# The exact commands of docs/verifying.md.
	openssl cms -verify -binary -inform DER -in "$rec.p7s" -content "$rec" -CAfile trust/ca.pem -out /dev/null \
		2>"$TMPD/cms.err" || fail "openssl cms -verify: $(cat "$TMPD/cms.err")"
	sha=$(sed -n 's/.*sha256="\([0-9a-f]*\)".*/\1/p' "$rec")
	echo "$sha  content/$(echo "$sha" | cut -c1-2)/$sha" | sha256sum -c --status || fail "sha256sum -c"
	openssl cms -verify -binary -inform DER -in smsaudit.xml.p7s -content smsaudit.xml -CAfile trust/ca.pem \
		-out /dev/null 2>/dev/null || fail "smsaudit.xml signature"
	[ "$(openssl x509 -in trust/ca.pem -outform DER | sha256sum | cut -c1-64)" = \
	  "$(sed -n 's/.*trust-anchor .*fingerprint="\([0-9a-f]*\)".*/\1/p' smsaudit.xml)" ] || fail "anchor fingerprint"
	# One changed byte and stock openssl refuses it too.
	sed 's/BCP test/BCP tost/' "$rec" >"$TMPD/changed.xml"
	if openssl cms -verify -binary -inform DER -in "$rec.p7s" -content "$TMPD/changed.xml" -CAfile trust/ca.pem \
		-out /dev/null 2>/dev/null; then fail "openssl accepted a changed record"; fi
}

# Content over 8 MiB is streamed into a loose object in one pass (stored where
# it does not compress): stock git accepts the repository, the content reads
# back byte for byte, its text is compressed, and key material deep inside
# such a file, wherever it meets a read boundary, is refused with nothing left
# in the object folder.
test_big_file_one_pass() {
	make_repo || return
	{ head -c 5000000 /dev/urandom; seq 1 1500000; head -c 3000000 /dev/urandom; } >"$TMPD/big.bin"
	size=$(stat -c %s "$TMPD/big.bin")
	run --as ben@example.org evidence add "$TMPD/big.bin" --control 8.6.1 --kind record --title "Big export"
	expect_rc 0
	git --git-dir="$SMSAUDIT_REPO" fsck --full --strict >/dev/null 2>&1 || fail "git fsck --full --strict"
	blob=$(git --git-dir="$SMSAUDIT_REPO" hash-object "$TMPD/big.bin")
	obj="$SMSAUDIT_REPO/objects/$(echo "$blob" | cut -c1-2)/$(echo "$blob" | cut -c3-)"
	[ -f "$obj" ] || fail "no loose object $blob"
	# 8 MB of random bytes stored, 10.9 MB of text compressed.
	[ "$(stat -c %s "$obj")" -lt $((8000000 + (size - 8000000) / 3)) ] || fail "text not compressed: $(stat -c %s "$obj") bytes"
	[ "$(stat -c %s "$obj")" -gt 8000000 ] || fail "object smaller than its random bytes"
	run evidence list
	id=$(sed -n 's/^\(ev-[0-9a-f-]*\) .*Big export.*/\1/p' "$out" | head -1)
	run evidence get "$id" -o "$TMPD/back.bin"
	expect_rc 0
	cmp -s "$TMPD/big.bin" "$TMPD/back.bin" || fail "evidence get: not the bytes added"
	expect_verify_ok
	objects=$(find "$SMSAUDIT_REPO/objects" -type f | wc -l)
	for at in 30 20 5; do
		{ head -c $((9 * 1048576 - at - 1)) /dev/urandom; echo; cat "$TMPD/keys/ben@example.org.key"; echo end; } \
			>"$TMPD/leak.bin"
		run --as ben@example.org evidence add "$TMPD/leak.bin" --control 8.6.1 --kind record --title "Leak"
		expect_rc 3
		expect_err "leak.bin: holds a PEM private key"
	done
	[ "$(find "$SMSAUDIT_REPO/objects" -type f | wc -l)" = "$objects" ] || fail "a refused file left objects behind"
	expect_commits 3
}

# ingest_run DIR JOBS ARGS...: evidence add (in the current folder) into a copy
# of the test repository at DIR with SMSAUDIT_JOBS=JOBS; stdout and stderr in
# DIR.out, DIR.err.
ingest_run() {
	dir=$1 jobs=$2
	shift 2
	rm -rf "$dir" && cp -a "$TMPD/ev.git" "$dir" || return
	SMSAUDIT_REPO="$dir" SMSAUDIT_CONFIG="$dir.config" SMSAUDIT_JOBS=$jobs \
		"$SMSAUDIT" --as ben@example.org evidence add "$@" >"$dir.out" 2>"$dir.err"
}

# ingest_records DIR: the records of DIR's last commit in the order given, each
# with its own id replaced by ID (ids are random), one line each.
ingest_records() {
	git --git-dir="$1" log -1 --format=%B main | sed -n 's/^Smsaudit-Record: //p' | while read -r id; do
		git --git-dir="$1" show "main:records/$(echo "$id" | cut -c4-7)/$(echo "$id" | cut -c8-9)/$(echo "$id" |
			cut -c13-14)/$id.xml" | sed "s/$id/ID/g" | tr -d '\n'
		echo
	done
}

# Files prepared on two worker threads commit what the sequential loop
# (SMSAUDIT_JOBS=1) commits: the same records in the same order (metadata and
# content digests; only the random ids differ), the same content tree, one
# pack of the files, signatures that smsaudit and stock openssl accept; and a
# bad batch fails on the same file with the same message, committing nothing.
test_parallel_ingest_same_as_sequential() {
	export SMSAUDIT_NOW=2026-02-02T10:00:00Z
	make_repo || return
	mkdir "$TMPD/in"
	i=0
	# 70 files: a batch of 64 or more writes a pack of its own.
	while [ $i -lt 70 ]; do
		n=$(printf '%02d' $i)
		if [ $((i % 3)) = 0 ]; then
			head -c $((1000 + i * 97)) /dev/urandom >"$TMPD/in/f$n.bin"
		else
			seq $i $((i * 50 + 400)) >"$TMPD/in/f$n.txt"
		fi
		i=$((i + 1))
	done
	# One over 8 MiB, stored as a loose object by a worker thread.
	head -c 9000000 /dev/urandom >"$TMPD/in/big.bin"
	cd "$TMPD/in" || return
	for jobs in 1 2; do
		ingest_run "$TMPD/j$jobs.git" $jobs f* big.bin --control 8.6.1,9.1 --kind record --title "Batch" \
			--valid-until 2027-01-31 || { fail "SMSAUDIT_JOBS=$jobs evidence add: $(cat "$TMPD/j$jobs.git.err")"; return; }
		ingest_records "$TMPD/j$jobs.git" >"$TMPD/j$jobs.records"
		SMSAUDIT_REPO="$TMPD/j$jobs.git" SMSAUDIT_CONFIG="$TMPD/j$jobs.git.config" expect_verify_ok
	done
	[ "$(wc -l <"$TMPD/j2.records")" = 71 ] || fail "expected 71 records, got $(wc -l <"$TMPD/j2.records")"
	cmp -s "$TMPD/j1.records" "$TMPD/j2.records" || fail "the parallel ingest committed other records than the sequential one"
	for t in content trust; do
		[ "$(git --git-dir="$TMPD/j1.git" rev-parse main:$t)" = "$(git --git-dir="$TMPD/j2.git" rev-parse main:$t)" ] ||
			fail "the $t tree differs between SMSAUDIT_JOBS=1 and 2"
	done
	# The files' objects, the commit and its trees are in one new pack; a small
	# batch writes one too.
	n=$(($(ls "$TMPD/j2.git/objects/pack/"*.idx | wc -l) - $(ls "$TMPD/ev.git/objects/pack/"*.idx | wc -l)))
	[ "$n" = 1 ] || fail "the ingest wrote $n packs"
	ingest_run "$TMPD/small.git" 2 f0* --control 8.6.1 --kind record --title "Small" || fail "small batch"
	n=$(($(ls "$TMPD/small.git/objects/pack/"*.idx | wc -l) - $(ls "$TMPD/ev.git/objects/pack/"*.idx | wc -l)))
	[ "$n" = 1 ] || fail "a batch of 10 files wrote $n packs"
	git clone -q "$TMPD/j2.git" "$TMPD/clone" || { fail "git clone"; return; }
	for rec in "$TMPD"/clone/records/*/*/*/ev-*.xml; do
		openssl cms -verify -binary -inform DER -in "$rec.p7s" -content "$rec" -CAfile "$TMPD/clone/trust/ca.pem" \
			-out /dev/null 2>"$TMPD/cms.err" || fail "openssl cms -verify $(basename "$rec"): $(cat "$TMPD/cms.err")"
	done
	# The first bad file in the order given is the one reported: a duplicate
	# (f33 = f03) comes before key material (f35), after good files; the
	# batch is big enough for its own pack, which is not left behind.
	cp "$TMPD/in/f03.bin" "$TMPD/in/f33.bin"
	# A key's armour (made here, not written out: no key material sits in the tree).
	k="PRIVATE KEY"
	printf -- '-----BEGIN %s-----\nMIGHAgEA\n-----END %s-----\n' "$k" "$k" >"$TMPD/in/f35.txt"
	for jobs in 1 2; do
		ingest_run "$TMPD/bad$jobs.git" $jobs f* --control 8.6.1 --kind record --title "Bad" && fail "a bad batch was added"
		[ "$(git --git-dir="$TMPD/bad$jobs.git" rev-list --count main)" = 2 ] || fail "a bad batch committed (jobs $jobs)"
		[ "$(ls "$TMPD/bad$jobs.git/objects/pack" | grep -c tmp_)" = 0 ] || fail "a failed ingest left a temporary pack"
	done
	grep -q "f33.bin: same content as f03.bin in this batch" "$TMPD/bad2.git.err" || fail "bad batch: $(cat "$TMPD/bad2.git.err")"
	cmp -s "$TMPD/bad1.git.err" "$TMPD/bad2.git.err" || fail "SMSAUDIT_JOBS=1 and 2 report other errors"
	rm "$TMPD/in/f33.bin"
	for jobs in 1 2; do
		ingest_run "$TMPD/bad$jobs.git" $jobs f* --control 8.6.1 --kind record --title "Bad" && fail "a key was added"
	done
	grep -q "f35.txt: holds" "$TMPD/bad2.git.err" || fail "key batch: $(cat "$TMPD/bad2.git.err")"
	cmp -s "$TMPD/bad1.git.err" "$TMPD/bad2.git.err" || fail "SMSAUDIT_JOBS=1 and 2 report other errors"
	# A value that is not a number of threads is refused, not ignored.
	SMSAUDIT_JOBS=two run status
	expect_rc 2
	expect_err "SMSAUDIT_JOBS: 'two' is not a number of threads"
	expect_err_one_line
}

# import_rows DIR COUNT: COUNT small files f000.txt ... in DIR, each its own
# content, and DIR/l.csv listing them (header on line 1, file i on line i+2).
import_rows() {
	mkdir -p "$1" || return
	i=0
	echo "file,controls,kind,title" >"$1/l.csv"
	while [ "$i" -lt "$2" ]; do
		n=$(printf '%03d' "$i")
		echo "row $n of $2 in $1" >"$1/f$n.txt"
		echo "f$n.txt,8.6.1,record,Row $n" >>"$1/l.csv"
		i=$((i + 1))
	done
}

# An import is read a row at a time while files are prepared on two threads:
# a failure at a row far past the first ones (after the ring of prepared files
# has gone round several times) commits nothing, leaves no pack behind, names
# the CSV's file and line, and is the same whatever the number of threads.
test_streamed_import_failing_late_commits_nothing() {
	make_repo || return
	import_rows "$TMPD/in" 120
	cp "$TMPD/in/l.csv" "$TMPD/in/good.csv"
	packs=$(ls "$SMSAUDIT_REPO/objects/pack" | wc -l)
	check() { # RC MESSAGE: the last import failed so, and changed nothing
		expect_rc "$1"
		expect_err "$2"
		expect_err_one_line
		expect_commits 2
		[ "$(ls "$SMSAUDIT_REPO/objects/pack" | wc -l)" = "$packs" ] || fail "a failed import left a pack behind"
	}
	for jobs in 1 2; do
		export SMSAUDIT_JOBS=$jobs
		# Line 100 (file 98): a kind that does not exist.
		sed '100s/,record,/,memo,/' "$TMPD/in/good.csv" >"$TMPD/in/l.csv"
		run --as ben@example.org evidence import "$TMPD/in/l.csv"
		check 3 "l.csv:100: unknown evidence kind 'memo'"
		# Line 110: a file that is not there.
		sed '110s/^f108.txt/nothere.txt/' "$TMPD/in/good.csv" >"$TMPD/in/l.csv"
		run --as ben@example.org evidence import "$TMPD/in/l.csv"
		check 4 "l.csv:110: file 'nothere.txt' does not exist"
		# Line 121, the last: a field missing.
		sed '121s/,Row 119$//' "$TMPD/in/good.csv" >"$TMPD/in/l.csv"
		run --as ben@example.org evidence import "$TMPD/in/l.csv"
		check 3 "l.csv:121: 3 fields, the header has 4"
		# Line 95: not UTF-8.
		sed '95s/Row/R\xffw/' "$TMPD/in/good.csv" >"$TMPD/in/l.csv"
		run --as ben@example.org evidence import "$TMPD/in/l.csv"
		check 3 "l.csv:95: column 24: byte 0xff is not valid UTF-8"
		# Line 90 holds what line 7 holds: the earlier row is named by its line.
		cp "$TMPD/in/f005.txt" "$TMPD/in/f088.txt"
		run --as ben@example.org evidence import "$TMPD/in/good.csv"
		check 3 "good.csv:90: same content as $TMPD/in/good.csv:7 in this batch"
		echo "row 088 of 120 in $TMPD/in" >"$TMPD/in/f088.txt"
		cp "$TMPD/in/good.csv" "$TMPD/in/l.csv"
		# An unclosed quote reads no further than a row's limit.
		{ cat "$TMPD/in/good.csv"; printf 'f000.txt,8.6.1,record,"open\n'; head -c 1100000 /dev/zero | tr '\0' 'x'; } \
			>"$TMPD/in/l.csv"
		run --as ben@example.org evidence import "$TMPD/in/l.csv"
		check 3 "l.csv:122: a row over 1048576 bytes"
	done
	unset SMSAUDIT_JOBS
	run --as ben@example.org evidence import "$TMPD/in/good.csv" --format json
	expect_rc 0
	[ "$(grep -c '"id": "ev-' "$out")" = 120 ] || fail "json output: $(grep -c '"id": "ev-' "$out") ids, expected 120"
	expect_out "\"file\": \"$TMPD/in/f119.txt\""
	expect_commits 3
	expect_verify_ok
}

# The trees of an import are written by smsaudit, merged with those at head:
# stock git reads them (fsck --strict), and `git ls-tree -r` lists exactly the
# old paths plus each new record, its signature and its content.
test_import_trees_are_what_git_reads() {
	make_repo || return
	import_rows "$TMPD/a" 300
	run --as ben@example.org evidence import "$TMPD/a/l.csv"
	expect_rc 0
	import_rows "$TMPD/b" 700
	# One file of the second batch already recorded: its content is there.
	cp "$TMPD/a/f017.txt" "$TMPD/b/f017.txt"
	run --as ben@example.org evidence import "$TMPD/b/l.csv" --allow-duplicate
	expect_rc 0
	expect_out "Imported 700 evidence files"
	expect_commits 4
	git="git --git-dir=$SMSAUDIT_REPO"
	$git fsck --strict --no-dangling >"$TMPD/fsck.out" 2>&1 || fail "git fsck --strict: $(head -5 "$TMPD/fsck.out")"
	$git ls-tree -r main >"$TMPD/now"
	$git ls-tree -r main~1 >"$TMPD/before"
	# What the commit lists: each record and signature, and each content.
	$git log -1 --format=%B main | sed -n 's/^Smsaudit-Record: //p' >"$TMPD/ids"
	[ "$(wc -l <"$TMPD/ids")" = 700 ] || fail "the commit lists $(wc -l <"$TMPD/ids") records"
	while read -r id; do
		d=records/$(echo "$id" | cut -c4-7)/$(echo "$id" | cut -c8-9)/$(echo "$id" | cut -c13-14)/$id.xml
		echo "$d"
		echo "$d.p7s"
	done <"$TMPD/ids" >"$TMPD/want"
	for f in "$TMPD"/b/f*.txt; do
		s=$(sha256sum "$f" | cut -c1-64)
		echo "content/$(echo "$s" | cut -c1-2)/$s"
	done >>"$TMPD/want"
	cut -f2 "$TMPD/before" >>"$TMPD/want"
	sort -u "$TMPD/want" >"$TMPD/want.sorted"
	cut -f2 "$TMPD/now" | sort >"$TMPD/now.sorted"
	cmp -s "$TMPD/want.sorted" "$TMPD/now.sorted" ||
		fail "ls-tree -r is not the old tree plus the new records: $(diff "$TMPD/want.sorted" "$TMPD/now.sorted" | head -5)"
	# Every blob is what its path says: records by their id, content by its digest.
	cut -f1 "$TMPD/now" | sort -u | grep -vq "^100644 blob " && fail "an entry that is not a plain file"
	s=$(sha256sum "$TMPD/b/f500.txt" | cut -c1-64)
	[ "$($git show "main:content/$(echo "$s" | cut -c1-2)/$s")" = "$(cat "$TMPD/b/f500.txt")" ] || fail "content differs"
	# The objects of each import, its trees and its commit in one pack each.
	[ "$($git count-objects -v | sed -n 's/^count: //p')" = 0 ] || fail "loose objects written"
	run evidence list --format csv
	[ "$(grep -c '^ev-' "$out")" = 1000 ] || fail "evidence list: $(grep -c '^ev-' "$out") records"
	expect_verify_ok
}

# Rows are read as csv_field reads them: a quoted field may span lines (the
# rows after it keep their own line numbers), and a quote inside an unquoted
# field is a character, not the start of a quoted one.
test_import_quotes_and_lines() {
	make_repo || return
	mkdir "$TMPD/in"
	echo a >"$TMPD/in/a.txt"
	echo b >"$TMPD/in/b.txt"
	printf 'file,controls,kind,title,note\na.txt,8.6.1,record,A,"Two\nlines, one ""note"""\nb.txt,8.6.1,record,Board "approved,\nmissing.txt,8.6.1,record,X,\n' \
		>"$TMPD/in/l.csv"
	run --as ben@example.org evidence import "$TMPD/in/l.csv"
	expect_rc 4
	expect_err "l.csv:5: file 'missing.txt' does not exist"
	expect_commits 2
	sed -i '$d' "$TMPD/in/l.csv"
	run --as ben@example.org evidence import "$TMPD/in/l.csv"
	expect_rc 0
	expect_out "Imported 2 evidence files"
	run evidence list --format json
	expect_out 'Board \"approved'
	id=$(sed -n 's/.*"id": "\(ev-[0-9a-f-]*\)".*/\1/p' "$out" | head -2)
	for i in $id; do "$SMSAUDIT" evidence show "$i"; done >"$TMPD/shown"
	grep -q 'lines, one "note"' "$TMPD/shown" || fail "the note spanning two lines: $(cat "$TMPD/shown")"
}

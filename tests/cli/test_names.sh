# Names as people give them: legal names of any length, and names and titles
# that could lie on screen.
. "$ROOT/tests/cli/repo_helpers.sh"

# repeat TEXT N: TEXT N times.
repeat() {
	r=""
	i=0
	while [ "$i" -lt "$2" ]; do r="$r$1"; i=$((i + 1)); done
	printf '%s' "$r"
}

# cert_cn PEM-FILE: the certificate's common name, as UTF-8.
cert_cn() {
	openssl x509 -in "$1" -noout -subject -nameopt utf8,sep_multiline | sed -n 's/^ *CN=//p'
}

# A legal name longer than X.509's 64-character common name is kept whole in
# the records; only the certificate's subject is shortened.
long_names_work() {
	org=$1 qm=$2 person=$3
	export SMSAUDIT_KEYS="$TMPD/keys" SMSAUDIT_REPO="$TMPD/ev.git"
	run init "$TMPD/ev.git" --org "$org" --scope "Managed hosting" --name "$qm" --email ada@example.org
	expect_rc 0
	run --as ada@example.org person add --name "$person" --email ben@example.org --role process-owner
	expect_rc 0
	run person list
	expect_rc 0
	expect_out "$qm"
	expect_out "$person"
	run person list --format csv
	expect_out "$person,ben@example.org"
	run sms show
	expect_rc 0
	expect_out "$org"
	repo_cat smsaudit.xml | grep -q -F "<organisation>$org</organisation>" || fail "smsaudit.xml lacks the full name"
	repo_cat trust/ca.pem >"$TMPD/ca.pem"
	cn=$(cert_cn "$TMPD/ca.pem")
	n=$(printf '%s' "$cn" | wc -m)
	[ "$n" -le 64 ] || fail "CA common name has $n characters: $cn"
	case $cn in *" SMS Evidence CA") ;; *) fail "CA common name '$cn' lost its suffix" ;; esac
	# The shortened name is valid UTF-8 (cut between characters, not inside one).
	printf '%s' "$cn" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1 || fail "CA common name is not valid UTF-8"
	expect_verify_ok
	# Ben's certificate: the email stays the identity, the name is cut.
	p=$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main records | grep '/person-.*\.xml$' | while read -r f; do
		repo_cat "$f" | grep -q "<email>ben@example.org</email>" && echo "$f"; done)
	repo_cat "$p" | grep -q -F "<name>$person</name>" || fail "person record lacks the full name"
	repo_cat "$p" | sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' | sed 's/^ *<certificate>//' >"$TMPD/ben.pem"
	cn=$(cert_cn "$TMPD/ben.pem")
	n=$(printf '%s' "$cn" | wc -m)
	[ "$n" -le 64 ] || fail "person common name has $n characters"
	printf '%s' "$cn" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1 || fail "person common name is not valid UTF-8"
	openssl x509 -in "$TMPD/ben.pem" -noout -ext subjectAltName | grep -q "email:ben@example.org" || fail "SAN lost"
	# Ben can sign with it, and a stock openssl check of his record passes.
	echo policy >"$TMPD/p.txt"
	run --as ben@example.org evidence add "$TMPD/p.txt" --control 5.2.1 --kind policy --title Policy
	expect_rc 0
	e=$(record_path ev-)
	repo_cat "$e" >"$TMPD/r.xml"
	git --git-dir="$SMSAUDIT_REPO" show "main:$e.p7s" >"$TMPD/r.p7s"
	openssl cms -verify -binary -inform DER -content "$TMPD/r.xml" -in "$TMPD/r.p7s" -CAfile "$TMPD/ca.pem" \
		-purpose any -out /dev/null 2>"$TMPD/cms.err" || fail "stock openssl: $(cat "$TMPD/cms.err")"
	expect_verify_ok
}

test_long_names_49_and_70_characters() {
	long_names_work "$(repeat O 45) Ltd" "Ada Quinn" "$(repeat B 70)"
}

test_long_names_120_and_200_characters_non_ascii() {
	# Two-byte characters on both sides of the cut, and a three-byte one.
	long_names_work "$(repeat 'Ö' 60)$(repeat '€x' 29)ab" "$(repeat 'Ž' 100)" "$(repeat 'Ñé' 100)"
}

test_long_email_outside_the_subject() {
	# An address too long for the subject's emailAddress (128) still works:
	# the subjectAltName carries it.
	make_repo || return
	long="$(repeat a 130)@example.org"
	run --as ada@example.org person add --name "Long Mail" --email "$long" --role process-owner
	expect_rc 0
	run person list --format csv
	expect_out "$long"
	expect_verify_ok
}

RLO=$(printf '\342\200\256')   # U+202E right-to-left override
ZWSP=$(printf '\342\200\213')  # U+200B zero width space

# refused_here TEXT ARGS...: exit 3, one line holding TEXT, no commit.
refused_here() {
	text=$1
	shift
	before=$(git --git-dir="$SMSAUDIT_REPO" rev-parse main)
	run "$@"
	expect_rc 3
	expect_err "$text"
	expect_err_one_line
	[ "$(git --git-dir="$SMSAUDIT_REPO" rev-parse main)" = "$before" ] || fail "$LAST_CMD committed"
}

test_names_that_lie_are_refused() {
	make_repo || return
	echo policy >"$TMPD/p.txt"
	refused_here "title holds U+202E (right-to-left override) at character 4" \
		--as ben@example.org evidence add "$TMPD/p.txt" --control 5.2.1 --kind policy --title "abc${RLO}fdp.exe"
	refused_here "title holds U+200B (zero width space) at character 2" \
		--as ben@example.org evidence add "$TMPD/p.txt" --control 5.2.1 --kind policy --title "a${ZWSP}b"
	# A file whose own name hides its extension is refused; --name gives it another.
	cp "$TMPD/p.txt" "$TMPD/rtl${RLO}fdp.exe"
	refused_here "the file name holds U+202E (right-to-left override) at character 4; give a name with --name" \
		--as ben@example.org evidence add "$TMPD/rtl${RLO}fdp.exe" --control 5.2.1 --kind policy --title Policy
	refused_here "--name holds U+202E (right-to-left override) at character 2" \
		--as ben@example.org evidence add "$TMPD/p.txt" --control 5.2.1 --kind policy --title Policy --name "a${RLO}b.txt"
	run --as ben@example.org evidence add "$TMPD/rtl${RLO}fdp.exe" --control 5.2.1 --kind policy --title Policy \
		--name rtl-exe.pdf
	expect_rc 0
	refused_here "--name holds U+202E (right-to-left override) at character 4" \
		--as ada@example.org person add --name "Eve${RLO}Cole" --email eve@example.org --role viewer
	refused_here "--reason holds U+2066 (left-to-right isolate) at character 1" \
		--as ada@example.org person revoke ben@example.org --reason "$(printf '\342\201\246')left"
	# Free text keeps joiners (Persian needs them) but not reordering.
	refused_here "--note holds U+202E (right-to-left override) at character 3" \
		--as ben@example.org assess 8.5.1.2 --result partial --note "ok${RLO}"
	run --as ben@example.org assess 8.5.1.2 --result partial --note "$(printf 'می\342\200\214خواهم')"
	expect_rc 0
	export SMSAUDIT_KEYS="$TMPD/keys2"
	run init "$TMPD/r2.git" --org "Evil${RLO}Corp" --scope s --name N --email n@example.org
	expect_rc 3
	expect_err "--org holds U+202E (right-to-left override) at character 5"
	[ ! -e "$TMPD/r2.git" ] || fail "init left a repository behind"
	run init "$TMPD/r2.git" --org Org --scope "$(printf 'Hosting\033[2J')" --name N --email n@example.org
	expect_rc 3
	expect_err "--scope holds U+001B (escape) at character 8"
	[ ! -e "$TMPD/r2.git" ] || fail "init left a repository behind"
	expect_verify_ok
}

ESC=$(printf '\033')

test_messages_show_control_characters_escaped() {
	make_repo || return
	# An unknown option holding an escape sequence and a newline: one line,
	# nothing the terminal would act on.
	run evidence list "$(printf -- '--x\033[31m\nfoo')"
	expect_rc 2
	expect_err_one_line
	expect_err 'unknown option'
	expect_err '\x1b[31m\x0afoo'
	! grep -q "$ESC" "$err" || fail "raw escape on stderr"
	run "$(printf 'ev\033]0;owned\007idence')" list
	expect_rc 2
	expect_err_one_line
	expect_err '\x1b]0;owned\x07'
	# A path that is not UTF-8 is shown byte by byte.
	run --as ben@example.org evidence add "$(printf '/no/such/\377\033.txt')" --control 5.2.1 --kind policy --title T
	expect_err '\xff\x1b.txt'
	! grep -q "$ESC" "$err" || fail "raw escape on stderr"
}

test_handmade_record_shows_escaped_in_text_exact_in_json() {
	SMSAUDIT_NOW=2026-01-05T09:00:00Z make_repo || return
	# The writers refuse these; a record signed by hand with stock openssl can
	# still hold them (verify does not judge texts), so the tool shows them
	# visibly in text and exactly in JSON.
	RLO=$(printf '\342\200\256') CSI=$(printf '\302\233') DEL=$(printf '\177')
	SMSAUDIT_NOW=2026-01-06T09:00:00Z handmade assess ada@example.org "  <assessment>
    <clause>8.5.1.2</clause>
    <result>partial</result>
    <other-party>Acme${RLO}proC</other-party>
    <note>x${CSI}2J${DEL}y ${RLO}gnp.exe</note>
  </assessment>" || return
	SMSAUDIT_NOW=2026-01-07T09:00:00Z run gap --explain 8.5.1.2
	expect_rc 0
	expect_out 'operated by Acme\u{202e}proC'
	expect_out 'x\u{9b}2J\x7fy \u{202e}gnp.exe'
	for raw in "$RLO" "$CSI" "$DEL"; do
		! grep -q "$raw" "$out" || fail "gap --explain shows a raw control or override"
	done
	SMSAUDIT_NOW=2026-01-07T09:00:00Z run gap --explain 8.5.1.2 --format json
	expect_out "Acme${RLO}proC"
	expect_out "x${CSI}2J${DEL}y"
	# The text table escapes its cells too.
	SMSAUDIT_NOW=2026-01-07T09:00:00Z run gap --at 2026-01-07
	expect_rc 0
	for raw in "$RLO" "$CSI" "$DEL"; do
		! grep -q "$raw" "$out" || fail "gap shows a raw control or override"
	done
}

test_verify_shows_planted_paths_escaped() {
	make_repo || return
	# Anyone who can push can plant a path holding an escape sequence.
	echo x >"$TMPD/x"
	tamper_put "planted$(printf '\033')[2J.txt" "$TMPD/x"
	run verify
	expect_rc 1
	expect_out 'planted\x1b[2J.txt'
	! grep -q "$ESC" "$out" || fail "verify printed a raw escape"
}

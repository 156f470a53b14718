# Every door holds: special files never block, private keys and files from
# outside the import folder stay out, and refusals name the value and the rule.
. "$ROOT/tests/cli/repo_helpers.sh"

# guarded ARGS...: run smsaudit as `run` does, but under a 5 s guard, so that
# a command waiting on a FIFO fails the test instead of hanging it.
guarded() {
	out="$TMPD/out"
	err="$TMPD/err"
	timeout 5 "$SMSAUDIT" "$@" >"$out" 2>"$err" </dev/null
	rc=$?
	LAST_CMD="smsaudit $*"
	[ "$rc" != 124 ] || fail "$LAST_CMD blocked until killed after 5 s"
	if grep -q -E 'Sanitizer|runtime error:' "$err"; then
		fail "sanitizer report from: $LAST_CMD"
		sed 's/^/      /' "$err" | head -20
	fi
}

# no_door RC TEXT ARGS...: refused promptly with one line, the repository unchanged.
no_door() {
	want_rc=$1 want=$2
	shift 2
	head_before=$(git --git-dir="$SMSAUDIT_REPO" rev-parse main)
	guarded "$@"
	expect_rc "$want_rc"
	expect_err "$want"
	expect_err_one_line
	[ "$(git --git-dir="$SMSAUDIT_REPO" rev-parse main)" = "$head_before" ] || fail "$LAST_CMD changed main"
}

test_fifos_never_block() {
	make_repo || return
	mkfifo "$TMPD/f.xml"
	echo ok >"$TMPD/ok.txt"
	ev="--control 5.2.1 --kind policy --title T"
	no_door 4 "f.xml: a FIFO, not a regular file" --catalogue "$TMPD/f.xml" catalogue info
	no_door 4 "f.xml: a FIFO, not a regular file" catalogue validate "$TMPD/f.xml"
	no_door 4 "f.xml: a FIFO, not a regular file" catalogue show 8.6.1 --overlay "$TMPD/f.xml"
	no_door 4 "f.xml: a FIFO, not a regular file" --key "$TMPD/f.xml" evidence add "$TMPD/ok.txt" $ev
	SMSAUDIT_KEY="$TMPD/f.xml" no_door 4 "f.xml: a FIFO, not a regular file" evidence add "$TMPD/ok.txt" $ev
	# A key in the keys folder that is a FIFO.
	mkfifo "$TMPD/keys/fifo@example.org.key"
	no_door 4 "fifo@example.org.key: a FIFO, not a regular file" --as fifo@example.org \
		evidence add "$TMPD/ok.txt" $ev
	rm "$TMPD/keys/fifo@example.org.key"
	# The keys folder itself a FIFO, and the only key in a folder a FIFO.
	mkfifo "$TMPD/keys-fifo"
	no_door 4 "no keys directory $TMPD/keys-fifo (Not a directory)" --keys "$TMPD/keys-fifo" \
		evidence add "$TMPD/ok.txt" $ev
	mkdir "$TMPD/k1"
	mkfifo "$TMPD/k1/only@example.org.key"
	no_door 4 "only@example.org.key: a FIFO, not a regular file" --keys "$TMPD/k1" evidence add "$TMPD/ok.txt" $ev
	no_door 4 "f.xml: a FIFO, not a regular file" --as ada@example.org sms set-grades "$TMPD/f.xml"
	no_door 4 "f.xml: a FIFO, not a regular file" --as ben@example.org evidence import "$TMPD/f.xml"
	no_door 3 "f.xml: a FIFO, not a regular file" --as ben@example.org evidence add "$TMPD/f.xml" $ev
	# A FIFO named in an import CSV.
	mkdir "$TMPD/in"
	mkfifo "$TMPD/in/pipe.txt"
	printf 'file,controls,kind,title\npipe.txt,8.6.1,record,A\n' >"$TMPD/in/l.csv"
	no_door 3 "l.csv:2: " --as ben@example.org evidence import "$TMPD/in/l.csv"
	expect_err "a FIFO, not a regular file"
	# init with a FIFO as the organisation's CA certificate or key.
	guarded init "$TMPD/new.git" --org O --scope S --name N --email n@example.org \
		--ca "$TMPD/f.xml" --ca-key "$TMPD/f.xml"
	expect_rc 4
	expect_err "f.xml: a FIFO, not a regular file"
	[ ! -e "$TMPD/new.git" ] || fail "init left a repository behind"
	expect_verify_ok
	# The user's own cache secret replaced by a FIFO or a dangling link: the
	# caches are skipped, nothing waits, nothing loops.
	for kind in fifo link; do
		rm -f "$SMSAUDIT_CONFIG/cache.key"
		if [ $kind = fifo ]; then mkfifo "$SMSAUDIT_CONFIG/cache.key"; else ln -s "$TMPD/none" "$SMSAUDIT_CONFIG/cache.key"; fi
		guarded verify
		expect_rc 0
		guarded status
		expect_rc 0
	done
}

test_fifos_in_a_pack_never_block() {
	make_repo || return
	add_people "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "Eve Cole:eve@cb.example:external-auditor" || return
	echo "Policy" >"$TMPD/policy.txt"
	run --as ben@example.org evidence add "$TMPD/policy.txt" --control 5.2.1 --kind policy --title "SM policy"
	expect_rc 0
	run --as ada@example.org audit plan --type stage1 --dates 2099-01-05..2099-01-06 --body CB --lead eve@cb.example
	expect_rc 0
	audit=$(sed -n 's/.* audit \(audit-[0-9a-f-]*\) .*/\1/p' "$out")
	mkfifo "$TMPD/def.xml"
	no_door 4 "def.xml: a FIFO, not a regular file" --as ada@example.org pack "$audit" -o "$TMPD/p0" --definition "$TMPD/def.xml"
	[ ! -e "$TMPD/p0" ] || fail "pack left a folder behind"
	run --as ada@example.org pack "$audit" -o "$TMPD/pack"
	expect_rc 0
	rec=$(cd "$TMPD/pack" && ls records/*/*/*/ev-*.xml | head -1)
	for f in "$rec" manifest.xml manifest.xml.p7s trust/ca.pem SHA256SUMS; do
		rm -rf "$TMPD/t"
		cp -r "$TMPD/pack" "$TMPD/t"
		rm "$TMPD/t/$f"
		mkfifo "$TMPD/t/$f"
		guarded verify-pack "$TMPD/t"
		expect_rc 1
		expect_out "FAIL $f: "
		expect_out "a FIFO, not a regular file"
	done
	# The pack folder itself a FIFO.
	mkfifo "$TMPD/fifo-pack"
	guarded verify-pack "$TMPD/fifo-pack"
	expect_rc 4
	expect_err "fifo-pack: a FIFO, not a directory"
	rm -rf "$TMPD/t"
	cp -r "$TMPD/pack" "$TMPD/t"
	rm "$TMPD/t/$rec"
	mkfifo "$TMPD/t/$rec"
	guarded verify-pack "$TMPD/t"
	expect_rc 1
	expect_out "FAIL $rec: a FIFO, not a regular file"
}

# Keys made with stock tools, in every form: each refused as evidence by
# content (whatever the file is called), and accepted with --allow-secret.
test_private_keys_stay_out() {
	make_repo || return
	k=$TMPD/k
	mkdir "$k"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$k/pkcs8.pem" 2>/dev/null || fail "genpkey"
	openssl ec -in "$k/pkcs8.pem" -out "$k/trad.pem" 2>/dev/null || fail "openssl ec"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$k/rsa.pem" 2>/dev/null || fail "genpkey rsa"
	openssl pkey -in "$k/pkcs8.pem" -outform DER -out "$k/pkcs8.der" 2>/dev/null || fail "pkey der"
	openssl ec -in "$k/pkcs8.pem" -outform DER -out "$k/trad.der" 2>/dev/null || fail "ec der"
	openssl pkcs8 -topk8 -in "$k/pkcs8.pem" -passout pass:pw -out "$k/enc.pem" 2>/dev/null || fail "pkcs8 pem"
	openssl pkcs8 -topk8 -in "$k/pkcs8.pem" -passout pass:pw -outform DER -out "$k/enc.der" 2>/dev/null || fail "pkcs8 der"
	openssl req -x509 -key "$k/pkcs8.pem" -subj /CN=x -days 1 -out "$k/cert.pem" 2>/dev/null || fail "req"
	openssl pkcs12 -export -inkey "$k/pkcs8.pem" -in "$k/cert.pem" -passout pass:pw -out "$k/store.p12" 2>/dev/null \
		|| fail "pkcs12"
	# A key pasted into the middle of a longer text file is still a key.
	{ printf 'Runbook\n\nkey for the backup host:\n'; cat "$k/trad.pem"; printf 'end\n'; } >"$k/notes.txt"
	# The tool's own keys, as init left them.
	cp "$TMPD/keys/ada@example.org.key" "$k/ada.txt"
	cp "$TMPD/keys"/ca-*.key "$k/ca.txt"
	set -- pkcs8.pem trad.pem rsa.pem pkcs8.der trad.der enc.pem enc.der store.p12 notes.txt ada.txt ca.txt
	if command -v ssh-keygen >/dev/null 2>&1; then
		ssh-keygen -q -t ed25519 -N '' -f "$k/id_ed25519" >/dev/null 2>&1 || fail "ssh-keygen"
		set -- "$@" id_ed25519
	else
		echo "    (ssh-keygen not installed: the OpenSSH key case is skipped)"
	fi
	for f in "$@"; do
		cp "$k/$f" "$k/renamed-$f.pdf"
		no_door 3 "renamed-$f.pdf: holds " --as ben@example.org evidence add "$k/renamed-$f.pdf" \
			--control 5.2.1 --kind policy --title "Key $f"
		expect_err "(--allow-secret adds it anyway)"
	done
	# A certificate and its public key are not secrets.
	openssl pkey -in "$k/pkcs8.pem" -pubout -out "$k/pub.pem" 2>/dev/null
	run --as ben@example.org evidence add "$k/cert.pem" "$k/pub.pem" --control 5.2.1 --kind policy --title "Public"
	expect_rc 0
	# Refused in an import as well, naming the CSV's line.
	cp "$k/enc.der" "$TMPD/in.bin" 2>/dev/null || true
	mkdir "$TMPD/in"
	cp "$k/enc.der" "$TMPD/in/backup.bin"
	printf 'file,controls,kind,title\nbackup.bin,8.6.1,record,A\n' >"$TMPD/in/l.csv"
	no_door 3 "l.csv:2: holds an encrypted private key" --as ben@example.org evidence import "$TMPD/in/l.csv"
	run --as ben@example.org evidence import "$TMPD/in/l.csv" --allow-secret
	expect_rc 0
	# --allow-secret for the rare legitimate case, every form.
	before=$(commits)
	for f in "$@"; do
		run --as ben@example.org evidence add "$k/renamed-$f.pdf" --control 5.2.1 --kind policy --title "Key $f" \
			--allow-secret --allow-duplicate
		expect_rc 0
	done
	expect_commits $((before + $#))
	expect_verify_ok
}

# An import names files relative to the CSV's folder and cannot reach out of
# it (absolute paths, '..', symbolic links) unless --base names a folder that
# holds them; the CSV itself must be text.
test_import_stays_in_its_folder() {
	make_repo || return
	mkdir -p "$TMPD/in/sub" "$TMPD/outside"
	echo a >"$TMPD/in/a.txt"
	echo s >"$TMPD/in/sub/s.txt"
	echo x >"$TMPD/outside/x.txt"
	ln -s "$TMPD/outside/x.txt" "$TMPD/in/link.txt"
	ln -s "$TMPD/outside" "$TMPD/in/outdir"
	csv() { printf 'file,controls,kind,title\na.txt,8.6.1,record,A\n%s,8.6.1,record,B\n' "$1" >"$TMPD/in/l.csv"; }
	csv /etc/passwd
	no_door 3 "l.csv:3: '/etc/passwd' is an absolute path" --as ben@example.org evidence import "$TMPD/in/l.csv"
	csv ../outside/x.txt
	no_door 3 "l.csv:3: '../outside/x.txt' leaves the CSV's folder" --as ben@example.org evidence import "$TMPD/in/l.csv"
	csv sub/../../outside/x.txt
	no_door 3 "leaves the CSV's folder" --as ben@example.org evidence import "$TMPD/in/l.csv"
	csv outdir/x.txt
	no_door 3 "l.csv:3: 'outdir/x.txt' leaves the CSV's folder" --as ben@example.org evidence import "$TMPD/in/l.csv"
	csv link.txt
	no_door 3 "l.csv:3: 'link.txt' leaves the CSV's folder" --as ben@example.org evidence import "$TMPD/in/l.csv"
	# --base widens the fence to a folder that holds them, and no further.
	csv sub/s.txt
	no_door 3 "l.csv:2: 'a.txt' is outside --base $TMPD/in/sub" --as ben@example.org evidence import "$TMPD/in/l.csv" \
		--base "$TMPD/in/sub"
	csv /etc/passwd
	no_door 3 "'/etc/passwd' is outside --base $TMPD" --as ben@example.org evidence import "$TMPD/in/l.csv" \
		--base "$TMPD"
	no_door 2 "--base: '$TMPD/in/a.txt' is not a folder" --as ben@example.org evidence import "$TMPD/in/l.csv" \
		--base "$TMPD/in/a.txt"
	csv "$TMPD/outside/x.txt"
	run --as ben@example.org evidence import "$TMPD/in/l.csv" --base "$TMPD"
	expect_rc 0
	csv sub/s.txt
	run --as ben@example.org evidence import "$TMPD/in/l.csv" --allow-duplicate
	expect_rc 0
	expect_commits 4
	# A FIFO given as the CSV or named in it.
	mkfifo "$TMPD/in/pipe.txt" "$TMPD/pipe.csv"
	no_door 4 "pipe.csv: a FIFO, not a regular file" --as ben@example.org evidence import "$TMPD/pipe.csv"
	csv pipe.txt
	no_door 3 "l.csv:3: " --as ben@example.org evidence import "$TMPD/in/l.csv" --allow-duplicate
	expect_err "pipe.txt: a FIFO, not a regular file"
	expect_verify_ok
}

test_import_csv_is_text() {
	make_repo || return
	mkdir "$TMPD/in"
	echo a >"$TMPD/in/a.txt"
	echo b >"$TMPD/in/b.txt"
	# A NUL byte used to end the file early: the rows after it were dropped.
	printf 'file,controls,kind,title\na.txt,8.6.1,record,A\nb.txt,8.6.1,record,B\0x\nb.txt,8.6.1,record,C\n' \
		>"$TMPD/in/nul.csv"
	no_door 3 "nul.csv:3: column 21: a NUL byte" --as ben@example.org evidence import "$TMPD/in/nul.csv"
	printf 'file,controls,kind,title\na.txt,8.6.1,record,Caf\303\251 \377\n' >"$TMPD/in/bad.csv"
	no_door 3 "bad.csv:2: column 25: byte 0xff is not valid UTF-8" --as ben@example.org evidence import "$TMPD/in/bad.csv"
	# An overlong encoding of '/' and a lone continuation byte.
	printf 'file,controls,kind,title\na.txt,8.6.1,record,\300\257\n' >"$TMPD/in/over.csv"
	no_door 3 "over.csv:2: column 20: byte 0xc0 is not valid UTF-8" --as ben@example.org evidence import "$TMPD/in/over.csv"
	printf 'file,controls,kind,title\n\200a.txt,8.6.1,record,A\n' >"$TMPD/in/cont.csv"
	no_door 3 "cont.csv:2: column 1: byte 0x80 is not valid UTF-8" --as ben@example.org evidence import "$TMPD/in/cont.csv"
	expect_commits 2
}

# Refusals name the value and the rule it breaks.
test_dates_name_the_rule() {
	make_repo || return
	echo ok >"$TMPD/ok.txt"
	ev="evidence add $TMPD/ok.txt --control 8.6.1 --kind record --title T"
	no_door 3 "2026-02-30 is not a date: February 2026 has 28 days" --as ben@example.org $ev --valid-until 2026-02-30
	no_door 3 "2028-02-30 is not a date: February 2028 has 29 days" --as ben@example.org $ev --valid-until 2028-02-30
	no_door 3 "2026-13-01 is not a date: there is no month 13" --as ben@example.org $ev --valid-until 2026-13-01
	no_door 3 "2026-04-31 is not a date: April 2026 has 30 days" --as ben@example.org $ev --period 2026-04-01..2026-04-31
	no_door 3 "2026-00-10 is not a date: there is no month 0" --as ben@example.org $ev --period 2026-00-10..2026-04-30
	no_door 3 "1969-12-31 is not a date: years run from 1970 to 9999" --as ben@example.org $ev --valid-until 1969-12-31
	no_door 3 "period 2026-06-01..2026-01-01 ends before it starts: 2026-01-01 is before 2026-06-01" \
		--as ben@example.org $ev --period 2026-06-01..2026-01-01
	no_door 3 "'26-1-1' is not a date (expected YYYY-MM-DD)" --as ben@example.org $ev --valid-until 26-1-1
	no_door 2 "--at: 2026-02-29 is not a date: February 2026 has 28 days" gap --at 2026-02-29
	no_door 2 "--at: 2026-13-01 is not a date: there is no month 13" status --at 2026-13-01
}

test_long_texts_name_length_and_limit() {
	make_repo || return
	echo ok >"$TMPD/ok.txt"
	long=$(head -c 100000 /dev/zero | tr '\0' a)
	no_door 3 "title is 100000 characters, at most 500" --as ben@example.org evidence add "$TMPD/ok.txt" \
		--control 8.6.1 --kind record --title "$long"
	no_door 3 "--reason is 100000 characters, at most 500" --as ben@example.org evidence withdraw ev- --reason "$long"
	# Over the limit in bytes, not in characters: both counts are given.
	greek=$(head -c 300 /dev/zero | tr '\0' a | sed 's/a/α/g')
	no_door 3 "title is 600 bytes of UTF-8 (300 characters), at most 500 bytes" --as ben@example.org \
		evidence add "$TMPD/ok.txt" --control 8.6.1 --kind record --title "$greek"
	# Through an import, longer than one argument can be: named with its line.
	mkdir "$TMPD/in"
	echo a >"$TMPD/in/a.txt"
	{ printf 'file,controls,kind,title\na.txt,8.6.1,record,'; head -c 131072 /dev/zero | tr '\0' t; printf '\n'; } \
		>"$TMPD/in/l.csv"
	no_door 3 "l.csv:2: title is 131072 characters, at most 500" --as ben@example.org evidence import "$TMPD/in/l.csv"
	no_door 3 "--note is 100000 characters, at most 20000" --as ben@example.org assess 8.6.1 --result partial \
		--note "$(head -c 100000 /dev/zero | tr '\0' n)"
}

test_bad_clock_is_refused() {
	make_repo || return
	for bad in garbage 2026-02-30T10:00:00Z 2026-01-01T24:00:00Z 2026-01-01T10:00 1700000000; do
		SMSAUDIT_NOW=$bad no_door 2 "SMSAUDIT_NOW: '$bad' is not a time" status
	done
	SMSAUDIT_NOW="$(printf 'x\ny')" no_door 2 "SMSAUDIT_NOW: 'x\\x0ay' is not a time" status
	SMSAUDIT_NOW=2026-01-01 run status
	expect_rc 0
	SMSAUDIT_NOW= run status
	expect_rc 0
}

test_control_characters_in_options_stay_on_one_line() {
	make_repo || return
	nl=$(printf 'a\nb')
	no_door 2 "unknown option '--foo\\x0abar'" "--foo
bar" status
	no_door 2 "unknown option '--foo\\x0abar' for 'evidence list'" evidence list "--foo
bar"
	no_door 2 "unknown option '--x\\x1b[31m'" status "$(printf -- '--x\033[31m')"
	no_door 2 "unknown command 'a\\x0ab'" "$nl"
	no_door 2 "unknown option '--q\\x09z'" gap "$(printf -- '--q\tz')"
}

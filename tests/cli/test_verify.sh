# verify: tampering that must be caught, history, concurrency, interrupted writes.
. "$ROOT/tests/cli/repo_helpers.sh"

with_evidence() {
	make_repo || return 1
	echo "Incident export" >"$TMPD/inc.txt"
	echo "Change records" >"$TMPD/chg.txt"
	"$SMSAUDIT" --as ben@example.org evidence add "$TMPD/inc.txt" --control 8.6.1 --kind record --title Incidents >/dev/null &&
	"$SMSAUDIT" --as ben@example.org evidence add "$TMPD/chg.txt" --control 8.5.1.2 --kind record --title Changes >/dev/null
}

expect_verify_fails() {
	run verify
	expect_rc 1
	for want in "$@"; do expect_out "$want"; done
	expect_out "verify failed"
}

test_changed_content_file() {
	with_evidence || return
	rec=$(record_path ev-)
	sha=$(repo_cat "$rec" | sed -n 's/.*sha256="\([0-9a-f]*\)".*/\1/p')
	echo "forged" >"$TMPD/forged"
	tamper_put "content/$(echo "$sha" | cut -c1-2)/$sha" "$TMPD/forged"
	expect_verify_fails "content does not match its SHA-256"
	# Extracting it fails the digest check and leaves no file behind.
	id=$(basename "$rec" .xml)
	run evidence get "$id" -o "$TMPD/out.txt"
	expect_rc 1
	expect_err "digest mismatch"
	[ ! -e "$TMPD/out.txt" ] || fail "a file that failed its digest check was left behind"
	ls "$TMPD" | grep -q smsaudit- && fail "temporary file left behind"
	# The earlier commit is still fine.
	run verify --at main~1
	expect_rc 0
}

test_removed_content_file() {
	with_evidence || return
	rec=$(record_path ev-)
	sha=$(repo_cat "$rec" | sed -n 's/.*sha256="\([0-9a-f]*\)".*/\1/p')
	tamper_rm "content/$(echo "$sha" | cut -c1-2)/$sha"
	expect_verify_fails "is missing"
}

test_changed_record() {
	with_evidence || return
	rec=$(record_path ev-)
	repo_cat "$rec" | sed 's/<title>[^<]*</<title>Something else</' >"$TMPD/rec.xml"
	tamper_put "$rec" "$TMPD/rec.xml"
	expect_verify_fails "content does not match the signature" "$rec"
	# Such evidence is shown as invalid and counts for nothing.
	run evidence list --all
	expect_out "INVALID"
	expect_err "fail verification"
}

test_swapped_and_missing_signature() {
	with_evidence || return
	a=$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main records | grep '/ev-.*\.xml$' | sed -n 1p)
	b=$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main records | grep '/ev-.*\.xml$' | sed -n 2p)
	repo_cat "$b.p7s" >"$TMPD/other.p7s"
	tamper_put "$a.p7s" "$TMPD/other.p7s"
	expect_verify_fails "$a.p7s"
	tamper_rm "$b.p7s"
	run verify
	expect_rc 1
	expect_out "signature missing"
}

test_record_signed_outside_the_trust_store() {
	with_evidence || return
	# A stranger's CA and certificate, made with stock openssl.
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMPD/sca.key" \
		-subj "/CN=Stranger CA" -days 30 -out "$TMPD/sca.pem" 2>/dev/null
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMPD/s.key" \
		-subj "/CN=Ben Ortiz/emailAddress=ben@example.org" -out "$TMPD/s.csr" 2>/dev/null
	openssl x509 -req -in "$TMPD/s.csr" -CA "$TMPD/sca.pem" -CAkey "$TMPD/sca.key" -CAcreateserial -days 30 \
		-out "$TMPD/s.pem" 2>/dev/null
	rec=$(record_path ev-)
	repo_cat "$rec" >"$TMPD/rec.xml"
	openssl cms -sign -binary -outform DER -nodetach -in "$TMPD/rec.xml" -signer "$TMPD/s.pem" -inkey "$TMPD/s.key" \
		-out "$TMPD/full.p7s" 2>/dev/null
	openssl cms -sign -binary -outform DER -in "$TMPD/rec.xml" -signer "$TMPD/s.pem" -inkey "$TMPD/s.key" \
		-out "$TMPD/rec.p7s" 2>/dev/null
	tamper_put "$rec.p7s" "$TMPD/rec.p7s"
	expect_verify_fails "does not chain to the trust anchor"
}

# A process owner forges a grant making himself quality manager, signed with
# his own (valid) key: the signature verifies, the authority does not.
test_grant_signed_by_someone_not_allowed() {
	SMSAUDIT_NOW=2026-03-02T09:00:00Z
	export SMSAUDIT_NOW
	with_evidence || return
	genesis=$(record_path person-)
	# Ben's certificate from his own grant.
	benrec=$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main records | grep '/person-.*\.xml$' | while read -r p; do
		repo_cat "$p" | grep -q "<email>ben@example.org</email>" && echo "$p"; done | head -1)
	repo_cat "$benrec" | sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' | sed 's/^ *<certificate>//' >"$TMPD/ben.pem"
	repo_cat "$genesis" >"$TMPD/genesis.xml"
	# A second after the rest. openssl stamps the signing time itself and
	# verify insists it equals made-at: its clock is set to made-at as well.
	now=2026-03-02T09:00:01Z
	id="person-20260302-00000000deadbeef"
	path="records/2026/03/00/$id.xml"
	sed -e "s/id=\"person-[0-9a-f-]*\"/id=\"$id\"/" -e "s|<made-by>[^<]*<|<made-by>ben@example.org<|" \
		-e "s|<made-at>[^<]*<|<made-at>$now<|" "$TMPD/genesis.xml" >"$TMPD/grant.xml"
	fixed_openssl "$now" cms -sign -binary -outform DER -in "$TMPD/grant.xml" -signer "$TMPD/ben.pem" \
		-inkey "$TMPD/keys/ben@example.org.key" -out "$TMPD/grant.p7s" 2>/dev/null || { fail "openssl sign"; return; }
	tamper_put "$path" "$TMPD/grant.xml"
	tamper_put "$path.p7s" "$TMPD/grant.p7s"
	run verify
	expect_rc 1
	expect_out "person record signed by ben@example.org (roles: process-owner); it needs one of: quality-manager"
}

test_unexpected_files_and_bad_paths() {
	with_evidence || return
	echo junk >"$TMPD/junk"
	tamper_put "records/2026/01/aa/notes.txt" "$TMPD/junk"
	run verify
	expect_rc 1
	expect_out "unexpected file among the records"
	rec=$(record_path ev-)
	repo_cat "$rec" >"$TMPD/r.xml"
	repo_cat "$rec.p7s" >"$TMPD/r.p7s"
	base=$(basename "$rec")
	tamper_put "records/1999/01/00/$base" "$TMPD/r.xml"
	tamper_put "records/1999/01/00/$base.p7s" "$TMPD/r.p7s"
	run verify
	expect_out "stored at the wrong path"
}

test_verify_formats_and_at() {
	with_evidence || return
	run verify --format json
	expect_rc 0
	expect_out '"problems": 0'
	expect_out '"content_checked": 2'
	run verify --at nosuchrev
	expect_rc 3
	expect_err "no commit 'nosuchrev'"
	run verify --at main~1 --no-content
	expect_rc 0
	expect_out "0 content digests checked"
}

test_two_writers_at_once() {
	make_repo || return
	for w in 1 2; do
		mkdir "$TMPD/w$w"
		for i in 1 2 3 4 5 6 7 8; do echo "writer $w file $i" >"$TMPD/w$w/f$i.txt"; done
	done
	( for i in 1 2 3 4; do "$SMSAUDIT" --as ben@example.org evidence add "$TMPD/w1/f$i.txt" "$TMPD/w1/f$((i + 4)).txt" \
		--control 8.6.1 --kind record --title "W1 $i" >/dev/null 2>>"$TMPD/w1.err" || echo fail >>"$TMPD/w1.err"; done ) &
	( for i in 1 2 3 4; do "$SMSAUDIT" --as ada@example.org evidence add "$TMPD/w2/f$i.txt" "$TMPD/w2/f$((i + 4)).txt" \
		--control 8.6.2 --kind record --title "W2 $i" >/dev/null 2>>"$TMPD/w2.err" || echo fail >>"$TMPD/w2.err"; done ) &
	wait
	[ ! -s "$TMPD/w1.err" ] || fail "writer 1: $(cat "$TMPD/w1.err")"
	[ ! -s "$TMPD/w2.err" ] || fail "writer 2: $(cat "$TMPD/w2.err")"
	expect_commits 10
	n=$("$SMSAUDIT" evidence list --format csv | tail -n +2 | wc -l)
	[ "$n" = 16 ] || fail "$n evidence records, expected 16"
	expect_verify_ok
}

test_killed_writer_leaves_all_or_nothing() {
	make_repo || return
	mkdir "$TMPD/many"
	i=0
	while [ $i -lt 150 ]; do echo "file $i $(date +%N)" >"$TMPD/many/f$i.txt"; i=$((i + 1)); done
	for delay in 0.02 0.05 0.1 0.2 0.4; do
		before=$(commits)
		"$SMSAUDIT" --as ben@example.org evidence add "$TMPD"/many/f*.txt --control 8.6.1 --kind record \
			--title "Batch $delay" --allow-duplicate >/dev/null 2>&1 &
		pid=$!
		# A real wait, not a clock: it picks the moment the writer is killed,
		# from before its first write to (often) after its commit.
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		after=$(commits)
		n=$("$SMSAUDIT" evidence list --format csv | grep -c "Batch $delay")
		if [ "$after" = "$before" ]; then
			[ "$n" = 0 ] || fail "no commit but $n records of batch $delay"
		else
			[ "$n" = 150 ] || fail "batch $delay committed with $n of 150 records"
		fi
		expect_verify_ok
	done
}

# ---- signatures made by hand, as an insider with stock openssl would ----
#
# verify checks the signatures of one shape (the tool's, and plain `openssl
# cms -sign`'s) without CMS_verify once one of them verified in full. These
# tests plant records with signatures that differ from that shape in one
# way each; every one must fail as CMS_verify fails it (tests/unit/test_sign
# compares every changed byte with the full path).

# forged_record: Ben's evidence (EV1's body, several of his records verified
# before it) under a new id made now, in $TMPD/f.xml, to go at $FPATH; Ben's
# certificate in $TMPD/ben.pem; the time in $FNOW.
forged_record() {
	with_evidence || return 1
	for i in 1 2 3; do
		echo "Minutes $i" >"$TMPD/m$i.txt"
		"$SMSAUDIT" --as ben@example.org evidence add "$TMPD/m$i.txt" --control 8.6.1 --kind record \
			--title "Minutes $i" >/dev/null || { fail "evidence add"; return 1; }
	done
	grant=$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main records | grep '/person-.*\.xml$' |
		while read -r p; do repo_cat "$p" | grep -q "<email>ben@example.org</email>" && echo "$p"; done | tail -1)
	repo_cat "$grant" | sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' | sed 's/^ *<certificate>//' >"$TMPD/ben.pem"
	FNOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	day=$(echo "$FNOW" | cut -c1-10)
	full="ev-$(echo "$day" | tr -d -)-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
	repo_cat "$(record_path ev-)" | sed -e "s/id=\"ev-[0-9a-f-]*\"/id=\"$full\"/" \
		-e "s|<made-at>[^<]*<|<made-at>$FNOW<|" >"$TMPD/f.xml"
	FPATH="records/$(echo "$day" | cut -c1-7 | tr - /)/$(echo "$full" | cut -c13-14)/$full.xml"
}

# sign_forged FILE ARGS...: a detached DER signature of FILE by Ben, made at
# $FNOW, into $TMPD/f.p7s; ARGS go to openssl cms -sign.
sign_forged() {
	f=$1
	shift
	fixed_openssl "$FNOW" cms -sign -binary -outform DER -in "$f" -signer "$TMPD/ben.pem" \
		-inkey "$TMPD/keys/ben@example.org.key" -out "$TMPD/f.p7s" "$@" 2>"$TMPD/cms.err" ||
		{ fail "openssl cms -sign: $(cat "$TMPD/cms.err")"; return 1; }
}

plant_forged() {
	tamper_put "$FPATH" "$TMPD/f.xml"
	tamper_put "$FPATH.p7s" "$TMPD/f.p7s"
}

# A byte of FILE at OFFSET replaced by CHAR.
poke() {
	printf '%s' "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

test_hand_signed_record_of_the_tools_shape_verifies() {
	forged_record || return
	sign_forged "$TMPD/f.xml" || return
	plant_forged
	run verify
	expect_rc 0
	expect_out "6 evidence files"
}

test_hand_signature_with_an_extra_signed_attribute() {
	forged_record || return
	# Signed with the attribute, by Ben's key: a valid signature, as before.
	sign_forged "$TMPD/f.xml" -receipt_request_to qm@example.org || return
	openssl cms -cmsout -print -inform DER -in "$TMPD/f.p7s" | grep -q "receiptRequest" ||
		{ fail "no receipt request attribute in the signature"; return; }
	plant_forged
	run verify
	expect_rc 0
	expect_out "6 evidence files"
}

test_hand_signature_with_a_second_signer() {
	forged_record || return
	grant=$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main records | grep '/person-.*\.xml$' |
		while read -r p; do repo_cat "$p" | grep -q "<email>ada@example.org</email>" && echo "$p"; done | tail -1)
	repo_cat "$grant" | sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' | sed 's/^ *<certificate>//' >"$TMPD/ada.pem"
	sign_forged "$TMPD/f.xml" -signer "$TMPD/ada.pem" -inkey "$TMPD/keys/ada@example.org.key" || return
	plant_forged
	expect_verify_fails "$FPATH.p7s" "not a CMS signature with exactly one signer"
}

test_hand_signature_by_a_look_alike_from_another_ca() {
	forged_record || return
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMPD/sca.key" \
		-subj "/CN=Example Services Ltd SMS Evidence CA" -days 30 -out "$TMPD/sca.pem" 2>/dev/null
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectAltName=email:ben@example.org\n' \
		>"$TMPD/s.ext"
	openssl x509 -req -in /dev/stdin -CA "$TMPD/sca.pem" -CAkey "$TMPD/sca.key" -CAcreateserial -days 30 \
		-extfile "$TMPD/s.ext" -out "$TMPD/s.pem" 2>/dev/null <<-CSR
	$(openssl x509 -x509toreq -in "$TMPD/ben.pem" -signkey "$TMPD/keys/ben@example.org.key" 2>/dev/null)
	CSR
	[ -s "$TMPD/s.pem" ] || { fail "no look-alike certificate"; return; }
	# The same subject and the same key as Ben's own certificate.
	[ "$(openssl x509 -noout -subject -in "$TMPD/s.pem")" = "$(openssl x509 -noout -subject -in "$TMPD/ben.pem")" ] ||
		{ fail "the look-alike has another subject"; return; }
	cp "$TMPD/s.pem" "$TMPD/ben.pem"
	sign_forged "$TMPD/f.xml" || return
	plant_forged
	expect_verify_fails "$FPATH.p7s" "does not chain to the trust anchor"
}

test_hand_signature_with_the_signing_time_changed() {
	forged_record || return
	sign_forged "$TMPD/f.xml" || return
	# The UTCTime's content: the seconds' last digit, moved by one.
	at=$(openssl asn1parse -inform DER -in "$TMPD/f.p7s" | sed -n 's/^ *\([0-9]*\):d=[0-9]* *hl=\([0-9]*\) *l= *13 prim: UTCTIME.*/\1 \2/p' | tail -1)
	[ -n "$at" ] || { fail "no signing time in the signature"; return; }
	off=$(( ${at% *} + ${at#* } + 11 ))
	digit=$(dd if="$TMPD/f.p7s" bs=1 skip="$off" count=1 2>/dev/null)
	poke "$TMPD/f.p7s" "$off" "$(( (digit + 1) % 10 ))"
	plant_forged
	expect_verify_fails "$FPATH.p7s" "content does not match the signature"
}

test_hand_signature_over_other_bytes() {
	forged_record || return
	# The messageDigest attribute is of other bytes: the record with one
	# character changed.
	sed 's/<title>/<title>X/' "$TMPD/f.xml" >"$TMPD/other.xml"
	sign_forged "$TMPD/other.xml" || return
	plant_forged
	expect_verify_fails "$FPATH.p7s" "content does not match the signature"
}

test_hand_signature_with_trailing_bytes() {
	forged_record || return
	sign_forged "$TMPD/f.xml" || return
	# Stock openssl reads one DER object and ignores what follows it; so did
	# and does verify: the signature verifies.
	printf 'garbage' >>"$TMPD/f.p7s"
	repo_cat trust/ca.pem >"$TMPD/ca.pem"
	openssl cms -verify -binary -inform DER -in "$TMPD/f.p7s" -content "$TMPD/f.xml" -CAfile "$TMPD/ca.pem" \
		-out /dev/null 2>/dev/null || { fail "stock openssl rejects the trailing bytes"; return; }
	plant_forged
	run verify
	expect_rc 0
	# Cut short instead, it is no signature at all.
	sign_forged "$TMPD/f.xml" || return
	head -c 400 "$TMPD/f.p7s" >"$TMPD/cut.p7s"
	tamper_put "$FPATH.p7s" "$TMPD/cut.p7s"
	run verify
	expect_rc 1
	expect_out "not a CMS signature with exactly one signer"
}

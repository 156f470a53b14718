# init, person, and the repository as stock git sees it.
. "$ROOT/tests/cli/repo_helpers.sh"

test_init_creates_a_clean_git_repository() {
	make_repo || return
	git --git-dir="$TMPD/ev.git" fsck --strict >/dev/null 2>&1 || fail "git fsck --strict"
	git --git-dir="$TMPD/ev.git" log --format=%B main | grep -q "^Smsaudit-Action: init$" || fail "structured message"
	git --git-dir="$TMPD/ev.git" log --format='%an <%ae>' main | grep -q "Ada Quinn <ada@example.org>" || fail "author"
	repo_cat smsaudit.xml | grep -q "<organisation>Example Services Ltd</organisation>" || fail "smsaudit.xml"
	repo_cat catalogue/iso20000-1-2018.xml | cmp -s - "$ROOT/controls/iso20000-1-2018.xml" || fail "pinned catalogue"
	sum=$(sha256sum "$ROOT/controls/iso20000-1-2018.xml" | cut -c1-64)
	repo_cat smsaudit.xml | grep -q "sha256=\"$sum\"" || fail "catalogue digest not pinned"
	# No private key ever enters the repository.
	if git --git-dir="$TMPD/ev.git" grep -q "PRIVATE KEY" main 2>/dev/null; then fail "private key in repository"; fi
	for k in "$TMPD"/keys/*.key; do
		[ "$(stat -c %a "$k")" = 600 ] || fail "$k is not mode 600"
	done
	[ "$(stat -c %a "$TMPD/keys")" = 700 ] || fail "keys dir not 700"
	expect_verify_ok
}

test_init_bad_input_leaves_nothing() {
	export SMSAUDIT_KEYS="$TMPD/keys"
	run init "$TMPD/r.git" --scope s --name N --email n@example.org
	expect_rc 2
	expect_err "init needs --org"
	run init "$TMPD/r.git" --org O --scope s --name N --email not-an-email
	expect_rc 3
	expect_err "'not-an-email' is not an email address"
	mkdir "$TMPD/full" && touch "$TMPD/full/x"
	run init "$TMPD/full" --org O --scope s --name N --email n@example.org
	expect_rc 3
	expect_err "not empty"
	run init "$TMPD/r.git" --org "$(printf 'bad\001org')" --scope s --name N --email n@example.org
	expect_rc 3
	[ ! -e "$TMPD/r.git" ] || fail "a repository was left behind"
	[ -z "$(ls "$TMPD/keys" 2>/dev/null)" ] || fail "keys were left behind: $(ls "$TMPD/keys")"
}

test_person_add_list_and_roles() {
	make_repo || return
	run person list
	expect_rc 0
	expect_out "Ben Ortiz"
	expect_out "process-owner"
	expect_out "quality-manager"
	run person list --format csv
	expect_out "name,email,roles,valid_from,valid_until,status,fingerprint,record"
	# A process owner may not add people; nothing is written.
	before=$(commits)
	run --as ben@example.org person add --name Eve --email eve@example.org --role quality-manager
	expect_rc 3
	expect_err "only a quality manager"
	expect_commits "$before"
	run --as ada@example.org person add --name Eve --email eve@example.org --role chief
	expect_rc 3
	expect_err "unknown role 'chief'"
	expect_verify_ok
}

test_person_revoke_stops_signing() {
	make_repo || return
	echo "policy" >"$TMPD/p.txt"
	run --as ada@example.org person revoke ben@example.org --reason "left the company"
	expect_rc 0
	run --as ben@example.org evidence add "$TMPD/p.txt" --control 5.2.1 --kind policy --title P
	expect_rc 3
	expect_err "revoked"
	run --as ada@example.org person revoke ada@example.org --reason x
	expect_rc 3
	expect_err "cannot revoke your own"
	run --as ada@example.org person revoke nobody@example.org --reason x
	expect_rc 3
	run person list
	expect_out "revoked"
	expect_verify_ok
}

test_key_protection() {
	make_repo || return
	echo "policy" >"$TMPD/p.txt"
	chmod 644 "$TMPD/keys/ben@example.org.key"
	run --as ben@example.org evidence add "$TMPD/p.txt" --control 5.2.1 --kind policy --title P
	expect_rc 4
	expect_err "chmod 600"
	chmod 600 "$TMPD/keys/ben@example.org.key"
	# A key that belongs to nobody in this repository.
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$TMPD/stranger.key" 2>/dev/null
	chmod 600 "$TMPD/stranger.key"
	run --key "$TMPD/stranger.key" evidence add "$TMPD/p.txt" --control 5.2.1 --kind policy --title P
	expect_rc 3
	expect_err "belongs to nobody"
	expect_commits 2
}

test_passphrase_protected_keys() {
	export SMSAUDIT_KEYS="$TMPD/keys" SMSAUDIT_REPO="$TMPD/ev.git"
	SMSAUDIT_PASSPHRASE="s3cret words" "$SMSAUDIT" init "$TMPD/ev.git" --org O --scope S --name "Ada Quinn" \
		--email ada@example.org --passphrase >/dev/null 2>&1 || { fail "init --passphrase"; return; }
	grep -q "ENCRYPTED PRIVATE KEY" "$TMPD/keys/ada@example.org.key" || fail "key not encrypted"
	echo x >"$TMPD/p.txt"
	SMSAUDIT_PASSPHRASE="wrong" run evidence add "$TMPD/p.txt" --control 5.2.1 --kind policy --title P
	expect_rc 3
	expect_err "wrong passphrase"
	SMSAUDIT_PASSPHRASE="s3cret words" run evidence add "$TMPD/p.txt" --control 5.2.1 --kind policy --title P
	expect_rc 0
}

test_expired_certificate() {
	make_repo || return
	echo x >"$TMPD/p.txt"
	SMSAUDIT_NOW=2099-01-01 run --as ben@example.org evidence add "$TMPD/p.txt" --control 5.2.1 --kind policy --title P
	expect_rc 3
	expect_err "expired"
	expect_commits 2
}

test_viewer_cannot_add_evidence() {
	make_repo || return
	"$SMSAUDIT" --as ada@example.org person add --name V --email v@example.org --role viewer >/dev/null || fail "add viewer"
	echo x >"$TMPD/p.txt"
	run --as v@example.org evidence add "$TMPD/p.txt" --control 5.2.1 --kind policy --title P
	expect_rc 3
	expect_err "may not sign an evidence record"
}

test_no_repository() {
	export SMSAUDIT_KEYS="$TMPD/keys"
	unset SMSAUDIT_REPO
	run evidence list
	expect_rc 4
	expect_err "--repo"
	run --repo "$TMPD/nothing" verify
	expect_rc 4
}

# An external auditor's certificate from the certification body's own CA.
make_external_cert() {
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMPD/cbca.key" \
		-subj "/CN=Example CB Auditor CA" -days 3650 -out "$TMPD/cbca.pem" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMPD/dana.key" \
		-subj "/CN=Dana Kim/emailAddress=dana@cb.example" -out "$TMPD/dana.csr" 2>/dev/null
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectAltName=email:dana@cb.example\n' >"$TMPD/dana.ext"
	openssl x509 -req -in "$TMPD/dana.csr" -CA "$TMPD/cbca.pem" -CAkey "$TMPD/cbca.key" -CAcreateserial \
		-days 365 -extfile "$TMPD/dana.ext" -out "$TMPD/dana.pem" 2>/dev/null
	chmod 600 "$TMPD/dana.key"
}

test_external_auditor_certificate() {
	make_repo || return
	make_external_cert
	run --as ada@example.org person add --name "Dana Kim" --email dana@cb.example --role external-auditor \
		--cert "$TMPD/dana.pem"
	expect_rc 3
	expect_err "--issuer"
	expect_commits 2
	run --as ada@example.org person add --name "Dana Kim" --email dana@cb.example --role external-auditor \
		--cert "$TMPD/dana.pem" --issuer "$TMPD/cbca.pem"
	expect_rc 0
	expect_commits 3
	git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main trust/anchors | grep -q '\.pem\.p7s$' || fail "anchor not signed"
	run person list
	expect_out "dana@cb.example"
	expect_out "external-auditor"
	# Her own key identifies her in this repository; she may not add evidence.
	echo x >"$TMPD/x.txt"
	run --key "$TMPD/dana.key" evidence add "$TMPD/x.txt" --control 9.2 --kind report --title X
	expect_rc 3
	expect_err "may not sign an evidence record"
	expect_verify_ok
	# An anchor slipped in without a quality manager's signature is reported.
	anchor=$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main trust/anchors | grep '\.pem$')
	tamper_rm "$anchor.p7s"
	run verify
	expect_rc 1
	expect_out "$anchor.p7s: signature missing"
}

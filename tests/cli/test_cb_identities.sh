# External auditors' identities belong to the certification body: the auditor
# makes their own key and request, the body's CA (made here by stock openssl)
# signs it, and the organisation names that CA as the anchor of the
# external-auditor role only. Then an auditor key the organisation mints is
# refused, the body's CA cannot make anyone who signs grants or evidence, and
# an insider with openssl and git plumbing cannot get around either.
. "$ROOT/tests/cli/repo_helpers.sh"

# no TEXT ARGS...: refused with exit 3 and one line naming the rule, nothing written.
no() {
	text=$1
	shift
	n0=$(commits)
	run "$@"
	expect_rc 3
	expect_err "$text"
	expect_err_one_line
	expect_commits "$n0"
}

# cb_sign CSR OUT EMAIL [CA-PREFIX]: the body signs a request with its CA.
cb_sign() {
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectAltName=email:%s\n' \
		"$3" >"$TMPD/leaf.ext"
	ca=${4:-$TMPD/cb/ca}
	openssl x509 -req -in "$1" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial -days 365 -extfile "$TMPD/leaf.ext" \
		-out "$2" 2>"$TMPD/x509.err" || fail "openssl x509 -req: $(cat "$TMPD/x509.err")"
}

# hand_grant SIGNER NAME EMAIL ROLE CERT: a grant made and signed by hand.
hand_grant() {
	pem=$(cat "$5")
	fp=$(openssl x509 -in "$5" -outform DER | sha256sum | cut -c1-64)
	now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	handmade person "$1" "  <person>
    <name>$2</name>
    <email>$3</email>
    <roles>
      <role>$4</role>
    </roles>
    <valid-from>$now</valid-from>
    <fingerprint>$fp</fingerprint>
    <certificate>$pem</certificate>
  </person>"
}

test_certification_body_issues_its_auditors_keys() {
	export COLUMNS=250
	make_repo || return
	mkdir -p "$TMPD/cb" "$TMPD/eve"
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMPD/cb/ca.key" \
		-subj "/CN=Example CB Auditor CA" -days 3650 -out "$TMPD/cb/ca.pem" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

	# On the auditor's machine: a key that stays there, and a request.
	SMSAUDIT_KEYS="$TMPD/eve/keys" run key request --name "Eve Cole" --email eve@cb.example --csr "$TMPD/eve/eve.csr"
	expect_rc 0
	[ "$(stat -c %a "$TMPD/eve/keys/eve@cb.example.key")" = 600 ] || fail "the auditor's key is not 0600"
	openssl req -in "$TMPD/eve/eve.csr" -noout -verify 2>/dev/null || fail "the request does not verify with openssl"
	openssl req -in "$TMPD/eve/eve.csr" -noout -text | grep -q "email:eve@cb.example" || fail "no email in the request"
	SMSAUDIT_KEYS="$TMPD/eve/keys" run key request --name "Eve Cole" --email eve@cb.example --csr "$TMPD/eve/2.csr"
	expect_rc 3
	expect_err "exists already"
	cb_sign "$TMPD/eve/eve.csr" "$TMPD/eve/eve.pem" eve@cb.example

	# The quality manager names the body's CA: the fingerprint is shown.
	no "ben@example.org may not sign an anchor record" --as ben@example.org anchor add --name "Example CB" \
		--ca "$TMPD/cb/ca.pem"
	no "--ca: not a CA certificate" --as ada@example.org anchor add --name "Example CB" --ca "$TMPD/eve/eve.pem"
	repo_cat trust/ca.pem >"$TMPD/org.pem"
	no "that is the organisation's own CA" --as ada@example.org anchor add --name Us --ca "$TMPD/org.pem"
	run --as ada@example.org anchor add --name "Example CB" --ca "$TMPD/cb/ca.pem"
	expect_rc 0
	fp=$(openssl x509 -in "$TMPD/cb/ca.pem" -outform DER | sha256sum | cut -c1-64)
	expect_out "Fingerprint  $fp"
	run anchor list --format csv
	expect_out "Example CB,external-auditor,$fp,ada@example.org"

	# A key the organisation mints in the auditor's name is refused...
	no "the certificate for eve@cb.example comes from the organisation's CA" --as ada@example.org person add \
		--name "Eve Cole" --email eve@cb.example --role external-auditor
	# ...the body's certificate cannot carry another role...
	no "comes from a certification body's CA, which may hold the external-auditor role only" \
		--as ada@example.org person add --name "Eve Cole" --email eve@cb.example \
		--role external-auditor,process-owner --cert "$TMPD/eve/eve.pem"
	# ...and the body's certificate for the external-auditor role is accepted.
	run --as ada@example.org person add --name "Eve Cole" --email eve@cb.example --role external-auditor \
		--cert "$TMPD/eve/eve.pem"
	expect_rc 0
	# Eve signs with her own key, from her own keys folder.
	E="--keys $TMPD/eve/keys --as eve@cb.example"
	run $E finding raise --source stage1 --grade minor --clause 8.6.1 --statement "Raised with the body's key"
	expect_rc 0
	echo x >"$TMPD/x.txt"
	no "eve@cb.example may not sign an evidence record" $E evidence add "$TMPD/x.txt" --control 9.2 \
		--kind report --title X
	expect_verify_ok

	# The insider's ways round it, with openssl and git plumbing, fail verify:
	# 1. a grant by the quality manager of an organisation-minted auditor key;
	orgkey=$(ls "$TMPD/keys"/ca-*.key)
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMPD/fake.key" \
		-subj "/CN=Eve Cole/emailAddress=eve2@cb.example" -out "$TMPD/fake.csr" 2>/dev/null
	cp "$orgkey" "$TMPD/orgca.key"
	cp "$TMPD/org.pem" "$TMPD/orgca.pem"
	cb_sign "$TMPD/fake.csr" "$TMPD/fake.pem" eve2@cb.example "$TMPD/orgca"
	hand_grant ada@example.org "Eve Cole" eve2@cb.example external-auditor "$TMPD/fake.pem" || return
	fake_grant=$HAND
	# 2. the body's CA making a quality manager;
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMPD/mal.key" \
		-subj "/CN=Mal/emailAddress=mal@cb.example" -out "$TMPD/mal.csr" 2>/dev/null
	cb_sign "$TMPD/mal.csr" "$TMPD/mal.pem" mal@cb.example
	hand_grant ada@example.org Mal mal@cb.example quality-manager "$TMPD/mal.pem" || return
	mal_grant=$HAND
	# 3. the body's auditor signing evidence by hand.
	cp "$TMPD/eve/keys/eve@cb.example.key" "$TMPD/keys/eve@cb.example.key"
	handmade ev eve@cb.example "$(printf '  <evidence>\n    <title>By hand</title>\n    <kind>record</kind>\n    <controls>\n      <control>8.6.1</control>\n    </controls>\n    <content sha256="%s" size="2" media-type="text/plain" name="x.txt"/>\n  </evidence>' "$(sha256sum "$TMPD/x.txt" | cut -c1-64)")" || return
	# 4. an anchor slipped in by a process owner, naming a CA of their own.
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMPD/own.key" \
		-subj "/CN=Own CA" -days 3650 -out "$TMPD/own.pem" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	handmade anchor ben@example.org "  <anchor>
    <name>Own CB</name>
    <roles>
      <role>external-auditor</role>
    </roles>
    <fingerprint>$(openssl x509 -in "$TMPD/own.pem" -outform DER | sha256sum | cut -c1-64)</fingerprint>
    <certificate>$(cat "$TMPD/own.pem")</certificate>
  </anchor>" || return
	run verify
	expect_rc 1
	expect_out "anchor record signed by ben@example.org (roles: process-owner); it needs one of: quality-manager"
	expect_out "$fake_grant: grants eve2@cb.example the external-auditor role with a certificate from the organisation's CA"
	expect_out "$mal_grant: grants mal@cb.example (quality-manager) with a certificate from a certification body's CA"
	expect_out "evidence record signed by eve@cb.example (roles: external-auditor); it needs one of"
	run person list --format csv
	expect_no_out "eve2@cb.example"
	expect_no_out "mal@cb.example"
	run anchor list --format csv
	expect_no_out "Own CB"
}

# Audit packs: sealed by a quality manager, verified offline with smsaudit
# and with stock openssl and sha256sum, and every tamper case caught.
. "$ROOT/tests/cli/repo_helpers.sh"

pack_repo() {
	make_repo || return 1
	add_people "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "Eve Cole:eve@cb.example:external-auditor" || return 1
	echo "Service management policy v3" >"$TMPD/policy.txt"
	printf 'id,summary\n1,disk full\n2,network\n' >"$TMPD/incidents.csv"
	run --as ben@example.org evidence add "$TMPD/policy.txt" --control 5.2.1 --kind policy --title "SM policy"
	expect_rc 0
	run --as ben@example.org evidence add "$TMPD/incidents.csv" --control 8.6.1 --kind record --title "Incidents"
	expect_rc 0
	run --as ada@example.org audit plan --type stage1 --dates 2099-01-05..2099-01-06 --body CB --lead eve@cb.example
	expect_rc 0
	AUDIT=$(sed -n 's/.* audit \(audit-[0-9a-f-]*\) .*/\1/p' "$out")
}

# A fresh copy of the sealed pack to tamper with.
fresh() {
	rm -rf "$TMPD/t"
	cp -r "$TMPD/pack" "$TMPD/t"
}

expect_pack_fails() {
	run verify-pack "$TMPD/t"
	expect_rc 1
	expect_out "$1"
	expect_out "verify-pack failed:"
}

test_pack_sealed_and_verified_offline() {
	pack_repo || return
	run --as ada@example.org pack "$AUDIT" -o "$TMPD/pack"
	expect_rc 0
	expect_out "Pack PACK-stage1-"
	anchor=$(sed -n 's/^Trust anchor *\([0-9a-f]*\).*/\1/p' "$out")
	[ -f "$TMPD/pack/manifest.xml" ] && [ -f "$TMPD/pack/manifest.xml.p7s" ] || fail "manifest or signature missing"
	ls "$TMPD" | grep -q partial && fail "a partial folder was left behind"
	run verify-pack "$TMPD/pack" --anchor "$anchor"
	expect_rc 0
	expect_out "verify-pack ok:"
	expect_out "signed by ada@example.org"
	expect_out "(matches --anchor)"
	run verify-pack "$TMPD/pack" --anchor "$(printf '%064d' 0)"
	expect_rc 1
	expect_out "FAIL trust/ca.pem: its fingerprint $anchor is not the one you were given"

	# Stock tools, as the appendix will say: the manifest's signature, the
	# anchor's fingerprint, then every file's digest.
	(cd "$TMPD/pack" &&
		openssl cms -verify -binary -inform DER -in manifest.xml.p7s -content manifest.xml -CAfile trust/ca.pem \
			-out /dev/null 2>/dev/null) || fail "openssl cms -verify of the manifest failed"
	fp=$(openssl x509 -in "$TMPD/pack/trust/ca.pem" -outform DER | sha256sum | cut -c1-64)
	[ "$fp" = "$anchor" ] || fail "openssl fingerprint $fp differs from $anchor"
	sed -n 's/.*<file path="\([^"]*\)" sha256="\([0-9a-f]*\)".*/\2  \1/p' "$TMPD/pack/manifest.xml" >"$TMPD/sums"
	[ "$(wc -l <"$TMPD/sums")" -gt 10 ] || fail "manifest lists too few files"
	(cd "$TMPD/pack" && sha256sum -c --quiet "$TMPD/sums") || fail "sha256sum -c of the manifest failed"

	# The same commit and date give the same files, byte for byte (sealing
	# committed a seal record after the source commit the manifest names).
	run pack --reproduce "$TMPD/pack"
	expect_rc 0
	expect_out "byte-identical"

	# evidence show and get read a pack folder as they read a repository; none is needed.
	f=$(cd "$TMPD/pack" && find evidence -type f | head -1)
	id=$(basename "$f" | cut -d- -f1-3)
	SMSAUDIT_REPO="$TMPD/nothing" run evidence show "$id" --pack "$TMPD/pack"
	expect_rc 0
	expect_out "$id"
	expect_out "SHA-256:"
	SMSAUDIT_REPO="$TMPD/nothing" run evidence get "$id" --pack "$TMPD/pack" -o "$TMPD/got"
	expect_rc 0
	expect_out "verified"
	cmp -s "$TMPD/got" "$TMPD/pack/$f" || fail "evidence get --pack gave other bytes than $f"
	run evidence get "$id" --pack "$TMPD/pack" --at 2026-01-01 -o "$TMPD/got2"
	expect_rc 2
	rm -rf "$TMPD/t" && cp -r "$TMPD/pack" "$TMPD/t"
	c=$(cd "$TMPD/t" && ls content/*/* | head -1)
	echo tampered >>"$TMPD/t/$c"
	run evidence show "$id" --pack "$TMPD/t"
	expect_rc 1
	expect_err "differs from its manifest"
	expect_err_one_line

	# Tampering, each caught and named.
	fresh
	rec=$(cd "$TMPD/t" && ls records/*/*/*/ev-*.xml | head -1)
	sed 's/<title>[^<]*/&X/' "$TMPD/t/$rec" >"$TMPD/x" && cp "$TMPD/x" "$TMPD/t/$rec"
	cmp -s "$TMPD/x" "$TMPD/pack/$rec" && fail "the record was not edited"
	expect_pack_fails "FAIL $rec: content differs from the manifest"
	fresh
	content=$(cd "$TMPD/t" && ls content/*/* | head -1)
	rm "$TMPD/t/$content"
	expect_pack_fails "FAIL $content: listed in the manifest but missing"
	fresh
	echo "extra" >"$TMPD/t/records/extra.xml"
	expect_pack_fails "FAIL records/extra.xml: not listed in the manifest (added after sealing)"
	fresh
	sed 's/\(<pack>PACK-[a-z0-9]*\)/\1x/' "$TMPD/t/manifest.xml" >"$TMPD/x" && cp "$TMPD/x" "$TMPD/t/manifest.xml"
	expect_pack_fails "FAIL manifest.xml.p7s: does not verify"
	fresh
	rm "$TMPD/t/manifest.xml.p7s"
	expect_pack_fails "FAIL manifest.xml.p7s: missing or unreadable"
	# A replaced trust anchor: the manifest no longer chains to it.
	fresh
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMPD/evil.key" \
		-out "$TMPD/t/trust/ca.pem" -subj "/CN=Evil CA" -days 30 2>/dev/null || fail "openssl req"
	expect_pack_fails "FAIL manifest.xml.p7s: does not verify"
	expect_out "FAIL trust/ca.pem: content differs from the manifest"
	# A content file appended to.
	fresh
	echo "x" >>"$TMPD/t/$content"
	expect_pack_fails "FAIL $content: content differs from the manifest"
	# A quality manager re-seals a pack whose record signature was swapped:
	# the manifest verifies, the record does not.
	fresh
	recs=$(cd "$TMPD/t" && ls records/*/*/*/ev-*.xml)
	r1=$(echo "$recs" | sed -n 1p) r2=$(echo "$recs" | sed -n 2p)
	cp "$TMPD/t/$r2.p7s" "$TMPD/t/$r1.p7s"
	sum=$(sha256sum "$TMPD/t/$r1.p7s" | cut -c1-64) size=$(wc -c <"$TMPD/t/$r1.p7s" | tr -d ' ')
	sed "s|<file path=\"$r1.p7s\" sha256=\"[0-9a-f]*\" size=\"[0-9]*\"|<file path=\"$r1.p7s\" sha256=\"$sum\" size=\"$size\"|" \
		"$TMPD/t/manifest.xml" >"$TMPD/x" && cp "$TMPD/x" "$TMPD/t/manifest.xml"
	grant=$(cd "$TMPD/t" && grep -l "<email>ada@example.org</email>" records/*/*/*/person-*.xml | head -1)
	sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' "$TMPD/t/$grant" | sed 's/^ *<certificate>//' >"$TMPD/ada.pem"
	openssl cms -sign -binary -outform DER -in "$TMPD/t/manifest.xml" -signer "$TMPD/ada.pem" \
		-inkey "$TMPD/keys/ada@example.org.key" -out "$TMPD/t/manifest.xml.p7s" 2>/dev/null || fail "openssl cms -sign"
	expect_pack_fails "FAIL $r1.p7s: signature does not verify"
	expect_no_out "FAIL manifest.xml.p7s"
	expect_verify_ok
}

# The manifest is written and read as a stream (400,000 entries at 100,000
# records): it is checked entry by entry in path order, so a manifest that a
# quality manager re-signs with its entries out of order, listed twice or
# with a DOCTYPE is refused loudly, never half-read as a pass.
resign() {
	grant=$(cd "$TMPD/t" && grep -l "<email>ada@example.org</email>" records/*/*/*/person-*.xml | head -1)
	sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' "$TMPD/t/$grant" | sed 's/^ *<certificate>//' >"$TMPD/ada.pem"
	openssl cms -sign -binary -outform DER -in "$TMPD/t/manifest.xml" -signer "$TMPD/ada.pem" \
		-inkey "$TMPD/keys/ada@example.org.key" -out "$TMPD/t/manifest.xml.p7s" 2>/dev/null || fail "openssl cms -sign"
}

test_pack_streamed_manifest_refusals() {
	pack_repo || return
	run --as ada@example.org pack "$AUDIT" -o "$TMPD/pack"
	expect_rc 0
	# Written as a stream, laid out as the canonical writer lays it out:
	# one entry a line, in path order, each once.
	grep '<file ' "$TMPD/pack/manifest.xml" | sed 's/.*path="\([^"]*\)".*/\1/' >"$TMPD/paths"
	LC_ALL=C sort -u "$TMPD/paths" | cmp -s - "$TMPD/paths" || fail "the manifest's entries are not in path order"
	[ "$(head -1 "$TMPD/paths")" = SHA256SUMS ] || fail "SHA256SUMS is not the first entry"
	grep -qx 'pack.pdf' "$TMPD/paths" || fail "pack.pdf is not listed"
	[ ! -e "$TMPD/pack/manifest.xml.part" ] || fail "the manifest's spool was left in the pack"
	# Two entries swapped, re-signed: the signature holds, the order does not.
	fresh
	awk '/<file path="content\//{n++; if (n==1) {held=$0; next} if (n==2) {print; print held; next}} {print}' \
		"$TMPD/pack/manifest.xml" >"$TMPD/t/manifest.xml"
	cmp -s "$TMPD/t/manifest.xml" "$TMPD/pack/manifest.xml" && fail "the manifest was not reordered"
	resign
	expect_pack_fails "FAIL manifest.xml: manifest.xml:"
	expect_out "is listed out of order"
	expect_no_out "FAIL manifest.xml.p7s"
	# An entry listed twice.
	fresh
	awk '/<file path="records\//{n++; if (n==1) print} {print}' "$TMPD/pack/manifest.xml" >"$TMPD/t/manifest.xml"
	resign
	expect_pack_fails "is listed out of order"
	# A DOCTYPE (where entity bombs live): refused before anything is read.
	fresh
	sed '1a <!DOCTYPE manifest [<!ENTITY x "y">]>' "$TMPD/pack/manifest.xml" >"$TMPD/t/manifest.xml"
	resign
	expect_pack_fails "document type declarations (DOCTYPE, entities) are not allowed"
	# Cut short: the signature fails and the manifest is not well-formed.
	fresh
	head -c 2000 "$TMPD/pack/manifest.xml" >"$TMPD/t/manifest.xml"
	expect_pack_fails "FAIL manifest.xml.p7s: does not verify"
	expect_out "FAIL manifest.xml: "
	# A link among the files, listed or not.
	fresh
	ln -s "../../$(cd "$TMPD/t" && ls content/*/* | head -1)" "$TMPD/t/records/link.xml"
	expect_pack_fails "FAIL records/link.xml: a symbolic link, not a regular file"
	expect_out "FAIL records/link.xml: not listed in the manifest"
	# And the untouched pack still passes.
	rm -rf "$TMPD/t" && cp -r "$TMPD/pack" "$TMPD/t"
	run verify-pack "$TMPD/t"
	expect_rc 0
}

test_pack_refusals() {
	pack_repo || return
	mkdir "$TMPD/full" && echo x >"$TMPD/full/keep"
	run --as ada@example.org pack "$AUDIT" -o "$TMPD/full"
	expect_rc 3
	expect_err "exists and is not empty (--force replaces it)"
	expect_err_one_line
	[ -f "$TMPD/full/keep" ] || fail "the existing folder was touched"
	run --as ada@example.org pack "$AUDIT" -o "$TMPD/full" --force
	expect_rc 0
	[ -f "$TMPD/full/keep" ] && fail "--force kept the old content"
	run verify-pack "$TMPD/full"
	expect_rc 0
	run --as ben@example.org pack "$AUDIT" -o "$TMPD/p2"
	expect_rc 3
	expect_err "only a quality manager signs its manifest"
	[ -e "$TMPD/p2" ] && fail "a refused pack left a folder"
	run --as ada@example.org pack audit-20260101-00000000deadbeef -o "$TMPD/p3"
	expect_rc 3
	expect_err "does not exist"
	run --as ada@example.org pack "$AUDIT"
	expect_rc 2
	expect_err "needs -o DIR"
	# An unwritable parent: a clear error and nothing left behind.
	mkdir "$TMPD/ro" && chmod 555 "$TMPD/ro"
	if [ ! -w "$TMPD/ro" ]; then
		run --as ada@example.org pack "$AUDIT" -o "$TMPD/ro/pack"
		expect_rc 4
		expect_err "cannot create a folder beside it"
		[ -z "$(ls "$TMPD/ro")" ] || fail "something was left in the unwritable folder"
	fi
	chmod 755 "$TMPD/ro"
	run verify-pack "$TMPD/nowhere"
	expect_rc 4
	mkdir "$TMPD/empty"
	run verify-pack "$TMPD/empty"
	expect_rc 1
	expect_out "FAIL manifest.xml: missing or unreadable: this is not a pack"
}

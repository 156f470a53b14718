# smsaudit catalogue list|show|info|validate, and the errors of each.

test_list_shows_all_77() {
	run catalogue list
	expect_rc 0
	expect_out_lines 78   # header + 77 clauses
	expect_out "CLAUSE"
	expect_out "8.5.1.2"
	expect_out "Change management initiation"
	expect_out "10.2"
}

test_list_assessable_and_under() {
	run catalogue list --assessable
	expect_rc 0
	expect_out_lines 58
	expect_no_out "Context of the organization"
	run catalogue list --under 8.5
	expect_rc 0
	expect_out_lines 11   # header, 8.5, 8.5.1 (+3), 8.5.2 (+3), 8.5.3
	expect_no_out "8.6.1"
	run catalogue list --under 8.9
	expect_rc 3
	expect_err "unknown clause '8.9'"
}

test_list_tree() {
	run catalogue list --tree
	expect_rc 0
	expect_out_lines 77
	expect_out "      8.5.1.2 Change management initiation"
	expect_out "4 Context of the organization"
	run catalogue list --tree --format json
	expect_rc 0
	expect_out '"children": ['
}

test_list_csv() {
	run catalogue list --format csv
	expect_rc 0
	expect_out_lines 78
	head -1 "$out" | grep -q '^id,parent,depth,assessable,expected,explicit,title$' || fail "csv header: $(head -1 "$out")"
	expect_out '8.5.1.2,8.5.1,4,true,1,1,Change management initiation'
	# A title with a comma is quoted.
	expect_out '5.3,5,2,true,1,0,"Organizational roles, responsibilities and authorities"'
}

test_list_json_and_xml_parse() {
	run --format json catalogue list
	expect_rc 0
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==77, len(d); assert d[0]["id"]=="4"' "$out" \
			|| fail "JSON does not parse or has the wrong count"
	fi
	run catalogue list --format xml
	expect_rc 0
	xmllint --noout "$out" || fail "XML output is not well-formed"
	n=$(xmllint --xpath 'count(/catalogue/clause)' "$out")
	[ "$n" = 77 ] || fail "XML has $n clauses"
}

test_show_clause() {
	run catalogue show 8.5.1.2
	expect_rc 0
	expect_out "Change management initiation"
	expect_out "Parent:      8.5.1 Change management"
	expect_out "8.5.1.2-a"
	expect_out "explicitly required"
	expect_out "stage 2"
	expect_out "within 12 months"
	run catalogue show 8
	expect_rc 0
	expect_out "Sub-clauses"
	expect_out "8.7        Service assurance"
}

test_show_mappings_and_json() {
	run catalogue show 10.1 --format json
	expect_rc 0
	expect_out '"standard": "iso9001-2015"'
	expect_out '"clause": "10.2"'
	expect_out '"fresh_months": 12'
	run catalogue show 7.6
	expect_out "ISO 9001:2015"
	expect_out "7.1.6"
}

test_show_unknown_clause() {
	run catalogue show 4.7
	expect_rc 3
	expect_err_one_line
	expect_err "unknown clause '4.7'"
	expect_err "4.1 to 4.4"
	run catalogue show
	expect_rc 2
	run catalogue show 4.1 4.2
	expect_rc 2
}

test_info() {
	run catalogue info
	expect_rc 0
	expect_out "ISO/IEC 20000-1:2018"
	expect_out "Amd 1:2024"
	expect_out "77 (57 assessable)"
	expect_out "not included"
	sum=$(sha256sum "$ROOT/controls/iso20000-1-2018.xml" | cut -d' ' -f1)
	expect_out "$sum"
}

test_validate_shipped() {
	run catalogue validate "$ROOT/controls/iso20000-1-2018.xml"
	expect_rc 0
	expect_out "valid catalogue iso20000-1-2018"
	expect_out "77 clauses (57 assessable)"
	run catalogue validate "$ROOT/controls/iso20000-1-2018.xml" --format json
	expect_rc 0
	expect_out '"type": "catalogue"'
}

# Copy the shipped catalogue with one sed edit and expect a data error naming
# the file and line.
broken() {
	sed "$1" "$ROOT/controls/iso20000-1-2018.xml" >"$TMPD/broken.xml"
	cmp -s "$TMPD/broken.xml" "$ROOT/controls/iso20000-1-2018.xml" && fail "sed edit '$1' changed nothing"
	run catalogue validate "$TMPD/broken.xml"
	expect_rc 3
	expect_err_one_line
	expect_err "broken.xml:"
	expect_err "$2"
}

test_validate_rejects_malformed() {
	broken 's|<title>Planning</title>|<title>Planning</titel>|' "mismatch"
}

test_validate_rejects_schema_break() {
	broken 's|kind="scope"|kind="memo"|' "memo"
}

test_validate_rejects_duplicate_id() {
	broken 's|<clause id="4.2" parent="4"|<clause id="4.1" parent="4"|' "duplicate clause id '4.1'"
}

test_validate_rejects_dangling_parent() {
	broken 's|<clause id="8.5.1" parent="8.5"|<clause id="8.5.9" parent="8.5"|' "parent '8.5.1', which is not defined"
}

test_validate_rejects_external_entity() {
	sed 's|<catalogue xmlns|<!DOCTYPE catalogue [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<catalogue xmlns|' \
		"$ROOT/controls/iso20000-1-2018.xml" | sed 's|<title>Leadership</title>|<title>\&x;</title>|' >"$TMPD/xxe.xml"
	run catalogue validate "$TMPD/xxe.xml"
	expect_rc 3
	expect_err "DOCTYPE"
	if grep -q "root:" "$out" "$err"; then fail "file contents leaked"; fi
}

test_validate_rejects_entity_bomb() {
	{
		echo '<?xml version="1.0"?>'
		echo '<!DOCTYPE lolz [<!ENTITY lol "lol">'
		prev=lol
		for i in 1 2 3 4 5 6 7 8 9; do
			printf '<!ENTITY lol%s "' "$i"
			for k in 1 2 3 4 5 6 7 8 9 10; do printf '&%s;' "$prev"; done
			echo '">'
			prev=lol$i
		done
		echo ']><catalogue>&lol9;</catalogue>'
	} >"$TMPD/bomb.xml"
	start=$(date +%s)
	run catalogue validate "$TMPD/bomb.xml"
	expect_rc 3
	expect_err "DOCTYPE"
	[ $(( $(date +%s) - start )) -lt 5 ] || fail "entity bomb took too long to refuse"
}

test_validate_missing_and_wrong_files() {
	run catalogue validate "$TMPD/nope.xml"
	expect_rc 4
	expect_err "nope.xml"
	expect_err_one_line
	run catalogue validate "$TMPD"
	expect_rc 4
	expect_err "directory"
	echo '<something/>' >"$TMPD/other.xml"
	run catalogue validate "$TMPD/other.xml"
	expect_rc 3
	expect_err "neither a catalogue nor an overlay"
	run catalogue validate
	expect_rc 2
}

write_overlay() {
	cat >"$TMPD/overlay.xml" <<EOX
<?xml version="1.0" encoding="UTF-8"?>
<overlay xmlns="urn:smsaudit:catalogue:1" catalogue="iso20000-1-2018">
  <clause-text ref="8.5.1.2">Our licensed wording for change initiation.</clause-text>
  <clause-text ref="$1">Another clause.</clause-text>
</overlay>
EOX
}

test_overlay_validate_and_show() {
	write_overlay 4.1
	run catalogue validate "$TMPD/overlay.xml"
	expect_rc 0
	expect_out "valid overlay for catalogue iso20000-1-2018, text for 2 of 77 clauses"
	run catalogue show 8.5.1.2 --overlay "$TMPD/overlay.xml"
	expect_rc 0
	expect_out "Text:        Our licensed wording for change initiation."
	run catalogue show 4.2 --overlay "$TMPD/overlay.xml"
	expect_rc 0
	expect_out "the overlay has no text for this clause"
}

test_overlay_unknown_clause() {
	write_overlay 4.9
	run catalogue validate "$TMPD/overlay.xml"
	expect_rc 3
	expect_err "overlay.xml:4: clause-text refers to unknown clause '4.9'"
}

test_global_catalogue_option() {
	sed 's|<title>Leadership</title>|<title>Leadership (our edition)</title>|' \
		"$ROOT/controls/iso20000-1-2018.xml" >"$TMPD/cat.xml"
	run --catalogue "$TMPD/cat.xml" catalogue show 5
	expect_rc 0
	expect_out "Leadership (our edition)"
	SMSAUDIT_CATALOGUE="$TMPD/cat.xml" run catalogue show 5
	expect_out "Leadership (our edition)"
	run --catalogue "$TMPD/missing.xml" catalogue list
	expect_rc 4
	expect_err "missing.xml"
}

test_unknown_subcommand_and_option() {
	run catalogue frob
	expect_rc 2
	expect_err "unknown sub-command 'catalogue frob'"
	run catalogue list --frob
	expect_rc 2
	expect_err "unknown option '--frob'"
	run catalogue show 4.1 --tree
	expect_rc 2
	expect_err "does not take --tree"
	run catalogue
	expect_rc 2
	run catalogue list --under
	expect_rc 2
	expect_err "needs a value"
}

# Long life: leftovers of killed runs are removed.
. "$ROOT/tests/cli/repo_helpers.sh"

test_partial_pack_of_dead_writer_removed() {
	make_repo || return
	add_people "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "Eve Cole:eve@cb.example:external-auditor" || return
	echo "Service management policy v3" >"$TMPD/policy.txt"
	run --as ben@example.org evidence add "$TMPD/policy.txt" --control 5.2.1 --kind policy --title "SM policy"
	run --as ada@example.org audit plan --type stage1 --dates 2099-01-05..2099-01-06 --body CB --lead eve@cb.example
	expect_rc 0
	audit=$(sed -n 's/.* audit \(audit-[0-9a-f-]*\) .*/\1/p' "$out")
	# A writer that is gone, this shell (alive), an unnamed one from days ago
	# (written before names carried the process), an unnamed one of today, and
	# a partial folder of another pack.
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	for d in "pack.partial-$dead-AbC123" "pack.partial-$$-DeF456" pack.partial-GhI789 pack.partial-JkL012 \
		other.partial-"$dead"-MnO345; do
		mkdir "$TMPD/$d" && echo x >"$TMPD/$d/pack.pdf"
	done
	touch -d '3 days ago' "$TMPD/pack.partial-GhI789"
	run --as ada@example.org pack "$audit" -o "$TMPD/pack" --draft
	expect_rc 0
	[ -e "$TMPD/pack.partial-$dead-AbC123" ] && fail "the dead writer's partial folder stayed"
	[ -e "$TMPD/pack.partial-GhI789" ] && fail "the old unnamed partial folder stayed"
	[ -e "$TMPD/pack.partial-$$-DeF456" ] || fail "a live writer's partial folder was removed"
	[ -e "$TMPD/pack.partial-JkL012" ] || fail "a young unnamed partial folder was removed"
	[ -e "$TMPD/other.partial-$dead-MnO345" ] || fail "another pack's partial folder was removed"
	[ -f "$TMPD/pack/manifest.xml" ] || fail "no pack"
	[ "$(ls -d "$TMPD"/pack.partial-* | wc -l)" = 2 ] || fail "partial folders: $(ls -d "$TMPD"/pack.partial-*)"
}

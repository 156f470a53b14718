# Long life: a repository of many packs works under a low open-file limit and
# is consolidated by the next write; leftovers of killed runs are removed; a
# stale ref lock is named.
. "$ROOT/tests/cli/repo_helpers.sh"

G() { git --git-dir="$SMSAUDIT_REPO" -c gc.auto=0 "$@"; }

npacks() {
	ls "$SMSAUDIT_REPO/objects/pack" | grep -c '^pack-.*\.pack$'
}

# A repository whose objects are spread over one pack per blob (what years of
# one-pack-per-command writes look like, and more files than `ulimit -n 256`
# allows open): trees and commits in one pack, then every blob in its own,
# written by one `git fast-import` that starts a new pack at each checkpoint.
spread_repo() {
	make_repo || return 1
	mkdir "$TMPD/files"
	i=0
	while [ $i -lt 90 ]; do echo "incident export $i" >"$TMPD/files/f$i.txt"; i=$((i + 1)); done
	run --as ben@example.org evidence add "$TMPD"/files/f*.txt --control 8.6.1 --kind record --title "Exports"
	expect_rc 0
	G cat-file --batch-all-objects --batch-check='%(objectname) %(objecttype)' >"$TMPD/objs"
	git init -q --bare "$TMPD/x.git"
	grep -v ' blob$' "$TMPD/objs" | cut -d' ' -f1 | G pack-objects -q "$TMPD/x.git/objects/pack/pack" >/dev/null
	grep ' blob$' "$TMPD/objs" | cut -d' ' -f1 | G cat-file --batch |
		perl -e 'binmode STDIN; binmode STDOUT;
			while (defined(my $h = <STDIN>)) {
				my (undef, undef, $n) = split " ", $h;
				read(STDIN, my $d, $n) == $n or die "short read";
				read(STDIN, my $nl, 1);
				print "blob\ndata $n\n$d\ncheckpoint\n";
			}' | git --git-dir="$TMPD/x.git" -c fastimport.unpackLimit=0 fast-import --quiet || { fail "fast-import"; return 1; }
	rm -f "$SMSAUDIT_REPO"/objects/pack/pack-*
	mv "$TMPD"/x.git/objects/pack/pack-* "$SMSAUDIT_REPO/objects/pack/"
	n=$(npacks)
	[ "$n" -gt 256 ] || { fail "only $n packs"; return 1; }
	G fsck --strict >/dev/null 2>&1 || { fail "the spread repository fails git fsck"; return 1; }
}

test_many_packs_under_ulimit_256() {
	spread_repo || return
	# Readers keep at most a bounded number of packs open: a cold verify reads
	# every object (it failed with "Too many open files" before).
	(ulimit -n 256 && "$SMSAUDIT" verify >"$TMPD/verify.out" 2>&1) || fail "verify under ulimit -n 256: $(tail -3 "$TMPD/verify.out")"
	grep -q '0 problems' "$TMPD/verify.out" || fail "verify: $(tail -1 "$TMPD/verify.out")"
	(ulimit -n 256 && "$SMSAUDIT" status >"$TMPD/status.out" 2>&1) || fail "status under ulimit -n 256: $(head -3 "$TMPD/status.out")"
	# The next write consolidates: the small packs become one.
	echo "one more" >"$TMPD/one.txt"
	(ulimit -n 256 && "$SMSAUDIT" --as ben@example.org evidence add "$TMPD/one.txt" --control 8.6.1 --kind record \
		--title "One more" >"$TMPD/add.out" 2>&1) || fail "evidence add under ulimit -n 256: $(head -3 "$TMPD/add.out")"
	n=$(npacks)
	[ "$n" -le 50 ] || fail "$n packs after a write, expected at most 50"
	(ulimit -n 256 && "$SMSAUDIT" evidence list --format csv >"$TMPD/list.out" 2>&1) || fail "evidence list"
	[ "$(tail -n +2 "$TMPD/list.out" | wc -l)" = 91 ] || fail "evidence list: $(tail -n +2 "$TMPD/list.out" | wc -l) rows"
	expect_verify_ok
}

# A crash at each step of a consolidation: writers killed at random moments,
# then the states a crash can leave, made by hand: the merged pack beside the
# packs it replaces (killed before removing them), an .idx whose .pack was
# already removed or not yet renamed, a .pack whose .idx was removed, libgit2's
# temporary pack. Every command works in each; the next write merges the
# copies, and removes the leftovers once they are old.
test_crash_states_of_consolidation() {
	spread_repo || return
	pd="$SMSAUDIT_REPO/objects/pack"
	# Writers killed at moments from before their commit to the middle of the
	# consolidation that follows it leave a repository that every command reads
	# and git fsck accepts.
	for delay in 0.05 0.15 0.3; do
		echo "kill $delay" >"$TMPD/k.txt"
		"$SMSAUDIT" --as ben@example.org evidence add "$TMPD/k.txt" --control 8.6.1 --kind record \
			--title "Killed $delay" --allow-duplicate >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		G fsck --strict >/dev/null 2>&1 || fail "git fsck after a kill at $delay s"
		run status
		expect_rc 0
	done
	# A writer killed while it held main's lock leaves the lock file, as git
	# does; the next write names it and says to remove it (test_stale_ref_lock_is_named).
	# Here it is removed as that message says, so the rest tests the packs.
	rm -f "$SMSAUDIT_REPO/refs/heads/main.lock"
	# The states a crash leaves, one by one.
	# The merged pack written, the old ones still there.
	G cat-file --batch-all-objects --batch-check='%(objectname)' | G pack-objects -q "$pd/pack" >"$TMPD/all"
	all=$(cat "$TMPD/all")
	# Two small packs to make orphans of, whatever the kills left (a kill that
	# came after a consolidation can leave a single small pack beside the big one).
	for obj in $(G cat-file --batch-all-objects --batch-check='%(objectname)' | head -2); do
		echo "$obj" | G pack-objects -q "$pd/pack" >/dev/null
	done
	# An orphan .pack (its .idx removed) and an orphan .idx (its .pack removed),
	# both from an hour and a half ago, and a temporary pack being written now.
	one=$(ls "$pd" | grep '\.idx$' | grep -v "$all" | head -1)
	two=$(ls "$pd" | grep '\.idx$' | grep -v "$all" | sed -n 2p)
	[ -n "$one" ] && [ -n "$two" ] || { fail "fewer than two small packs to make orphans of"; return; }
	rm -f "$pd/$one"
	rm -f "$pd/${two%.idx}.pack"
	echo partial >"$pd/pack_git2_Zz09Aa"
	echo partial >"$pd/pack_git2_Yy18Bb"
	touch -d '90 minutes ago' "$pd/${one%.idx}.pack" "$pd/$two" "$pd/pack_git2_Zz09Aa"
	run status
	expect_rc 0
	run verify
	expect_rc 0
	expect_out "0 problems"
	echo "after a crash" >"$TMPD/crash.txt"
	run --as ben@example.org evidence add "$TMPD/crash.txt" --control 8.6.1 --kind record --title "After"
	expect_rc 0
	[ "$(npacks)" -le 50 ] || fail "$(npacks) packs after a write"
	[ -e "$pd/${one%.idx}.pack" ] && fail "the orphan .pack stayed"
	[ -e "$pd/$two" ] && fail "the orphan .idx stayed"
	[ -e "$pd/pack_git2_Zz09Aa" ] && fail "the old temporary pack stayed"
	[ -e "$pd/pack_git2_Yy18Bb" ] || fail "a temporary pack being written was removed"
	rm -f "$pd/pack_git2_Yy18Bb"
	expect_verify_ok
}

# A ref lock left by a killed git blocks every write until someone removes it:
# the message names the file and says what to do.
test_stale_ref_lock_is_named() {
	make_repo || return
	echo "policy" >"$TMPD/p.txt"
	lock="$SMSAUDIT_REPO/refs/heads/main.lock"
	G rev-parse main >"$lock"
	touch -d '10 minutes ago' "$lock"
	before=$(commits)
	run --as ben@example.org evidence add "$TMPD/p.txt" --control 5.2.1 --kind policy --title "Policy"
	expect_rc 4
	expect_err_one_line
	expect_err "refs/heads/main.lock"
	expect_err "remove it and try again"
	expect_commits "$before"
	# A lock that a live writer releases a moment later is waited for.
	rm -f "$lock"
	G rev-parse main >"$lock"
	(sleep 0.3; rm -f "$lock") &
	run --as ben@example.org evidence add "$TMPD/p.txt" --control 5.2.1 --kind policy --title "Policy"
	wait
	expect_rc 0
	expect_commits $((before + 1))
}

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

# 20,000 commits (a busy team's years; made fast with git fast-import, each
# one a change of nothing but history) between two real writes: every command
# still works under `ulimit -n 256`, and verify judges the whole history. The
# sanitizer build, there for memory errors and not for scale, takes 2,000.
test_twenty_thousand_commits_under_ulimit_256() {
	make_repo || return
	n=20000
	case $SMSAUDIT in *asan*) n=2000 ;; esac
	echo "before" >"$TMPD/before.txt"
	run --as ben@example.org evidence add "$TMPD/before.txt" --control 8.6.1 --kind record --title "Before"
	expect_rc 0
	head=$(G rev-parse main)
	when=$(G log -1 --format=%ct main)
	awk -v head="$head" -v when="$when" -v n="$n" 'BEGIN {
		for (i = 1; i <= n; i++) {
			printf "commit refs/heads/main\ncommitter M <m@x> %d +0000\ndata 4\nwork\n", when
			if (i == 1) printf "from %s\n", head
			printf "\n"
		}
	}' | G fast-import --quiet || { fail "fast-import"; return; }
	[ "$(G rev-list --count main)" -gt "$n" ] || { fail "fewer than $n commits"; return; }
	echo "after" >"$TMPD/after.txt"
	(ulimit -n 256 && "$SMSAUDIT" --as ben@example.org evidence add "$TMPD/after.txt" --control 8.6.1 --kind record \
		--title "After" >"$TMPD/add.out" 2>&1) || fail "evidence add under ulimit -n 256: $(head -3 "$TMPD/add.out")"
	(ulimit -n 256 && "$SMSAUDIT" verify --no-cache >"$TMPD/verify.out" 2>&1) || fail "verify under ulimit -n 256"
	grep -q "0 problems" "$TMPD/verify.out" || fail "verify: $(tail -2 "$TMPD/verify.out")"
	(ulimit -n 256 && "$SMSAUDIT" evidence list --format csv >"$TMPD/list.out" 2>&1) || fail "evidence list"
	[ "$(tail -n +2 "$TMPD/list.out" | wc -l)" = 2 ] || fail "evidence list: $(tail -n +2 "$TMPD/list.out" | wc -l) rows"
	for cmd in status "finding list"; do
		# shellcheck disable=SC2086
		(ulimit -n 256 && "$SMSAUDIT" $cmd >"$TMPD/cmd.out" 2>&1) || fail "$cmd under ulimit -n 256: $(tail -3 "$TMPD/cmd.out")"
	done
}

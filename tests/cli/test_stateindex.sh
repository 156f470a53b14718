# The state index (src/lib/stateindex.c): read commands keep the derived state
# of main's tip in <git dir>/smsaudit-cache/state-* and read it back in place.
# It only saves time, so every test holds a reading with the index against
# the same reading without it (--no-cache, or the index removed), byte for
# byte, after what an insider with git plumbing, stock openssl and shell tools
# can do to the file, the repository, the clock or the program.
#
# Whether a run read the index or derived the state again is seen on the
# file: the writer renames a new file into place, so a test keeps a hard link
# to the file (mark) and asks whether the path still names the same inode
# (kept: a hit, or a miss that was not allowed to save) or another one
# (rewritten: a miss that saved). The link also keeps the old inode alive,
# so its number cannot be reused by the new file.
. "$ROOT/tests/cli/ledger_helpers.sh"

TSA_SERVER=$(dirname "$SMSAUDIT")/tests/tsa-server
SMSAUDIT_TSA_TIMEOUT=20
export SMSAUDIT_TSA_TIMEOUT

# index_file: IDX is the one state index of the repository.
index_file() {
	IDX=""
	for f in "$SMSAUDIT_REPO"/smsaudit-cache/state-*; do
		[ -e "$f" ] || continue
		[ -z "$IDX" ] || { fail "more than one state index: $IDX $f"; return 1; }
		IDX=$f
	done
	[ -n "$IDX" ] || { fail "no state index in smsaudit-cache/ after: ${LAST_CMD:-}"; return 1; }
}

# mark: remember the index file as it is now.
mark() {
	index_file || return 1
	ln -f "$IDX" "$TMPD/mark"
}

# is_mark: the index path names the marked file (same device and inode).
is_mark() {
	[ "$(stat -c '%d %i' "$IDX" 2>/dev/null)" = "$(stat -c '%d %i' "$TMPD/mark")" ]
}

# expect_kept WHY / expect_rewritten WHY: the index path names the marked
# file still, or a new one.
expect_kept() {
	is_mark || fail "$LAST_CMD: the index was rewritten ($1)"
}

expect_rewritten() {
	if [ ! -f "$IDX" ] || is_mark; then fail "$LAST_CMD: the index was not rewritten ($1)"; fi
}

# answer NAME ARGS...: run ARGS and keep exit status, stdout and stderr as NAME.
answer() {
	a_name=$1
	shift
	run "$@"
	cp "$out" "$TMPD/$a_name.out" && cp "$err" "$TMPD/$a_name.err" && echo "$rc" >"$TMPD/$a_name.rc"
}

# same A B: two answers are the same, byte for byte.
same() {
	for s in rc out err; do
		cmp -s "$TMPD/$1.$s" "$TMPD/$2.$s" || {
			fail "$LAST_CMD: $1 and $2 differ in $s"
			diff "$TMPD/$1.$s" "$TMPD/$2.$s" | head -10 | sed 's/^/      /'
		}
	done
}

# The HMAC-SHA256 of all but the last 64 bytes of FILE under this user's
# secret, with stock openssl: what the tool writes in those 64 bytes.
mac_of() {
	m_size=$(wc -c <"$1")
	head -c $((m_size - 64)) "$1" |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(od -An -tx1 -v "$SMSAUDIT_CONFIG/cache.key" | tr -d ' \n')" |
		sed 's/.*= *//'
}

expect_mac_ok() {
	[ "$(mac_of "$IDX")" = "$(tail -c 64 "$IDX")" ] || fail "$LAST_CMD: the index's MAC does not check out"
}

# seal FILE: put a valid MAC on FILE, as anyone holding the secret can.
seal() {
	s_size=$(wc -c <"$1")
	s_mac=$(mac_of "$1")
	[ ${#s_mac} = 64 ] || { fail "openssl gave no MAC"; return 1; }
	printf '%s' "$s_mac" | dd of="$1" bs=1 seek=$((s_size - 64)) conv=notrunc 2>/dev/null
}

# The clock for reading: a minute after the real one, fixed for the test, so
# that two runs always judge with the same clock and print the same date.
read_clock() {
	SMSAUDIT_NOW=$(iso 60)
	export SMSAUDIT_NOW
}

# A record's signing time (made-at) in seconds since the epoch.
signed_at() {
	date -u -d "$(repo_cat "$(record_path "$1")" | sed -n 's/.*<made-at>\([^<]*\)<.*/\1/p')" +%s
}

# at_epoch SECONDS: SMSAUDIT_NOW's form of that time.
at_epoch() {
	date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ
}

# ---- the index gives what a derivation gives ----

# warm_repo: evidence, people, an audit and a finding, read with a fixed clock.
warm_repo() {
	ledger_repo || return 1
	pack_ready || return 1
	run --as ada@example.org finding raise --source self-identified --grade minor --clause 8.6.1 \
		--statement "2 of 10 incidents closed without a note" --evidence "$EV1"
	expect_rc 0
	read_clock
}

# warm_equals_cold COMMAND...: each command, in every format, the same with
# the index as without it; the index is made by the first run, private to the
# user, and read by the second (not rewritten). Commands with --no-cache give
# that answer too, and leave the index alone.
warm_equals_cold() {
	for cmd in "$@"; do
		for fmt in text csv json xml; do
			rm -f "$SMSAUDIT_REPO"/smsaudit-cache/state-*
			# shellcheck disable=SC2086
			answer cold --format "$fmt" $cmd
			expect_rc 0
			mark || return 1
			# shellcheck disable=SC2086
			answer warm --format "$fmt" $cmd
			expect_kept "a second $cmd --format $fmt at the same tip"
			same cold warm
			case $cmd in
			status | gap | "finding list")
				# shellcheck disable=SC2086
				answer nocache --format "$fmt" $cmd --no-cache
				same nocache warm
				expect_kept "--no-cache neither reads nor writes it"
				;;
			esac
		done
	done
	[ "$(stat -c %a "$IDX")" = 600 ] || fail "the index has mode $(stat -c %a "$IDX"), not 600"
	[ "$(stat -c %a "$(dirname "$IDX")")" = 700 ] || fail "smsaudit-cache/ has mode $(stat -c %a "$(dirname "$IDX")")"
	expect_mac_ok
}

test_warm_equals_cold_reports() {
	warm_repo || return
	warm_equals_cold status gap "finding list" || return
	run finding list
	expect_out "2 of 10 incidents"
	run status
	expect_out "Open findings: 0 major, 1 minor"
	# The gap at an older commit is no reading of the tip: the tip's index is
	# neither used nor replaced by it.
	mark || return
	answer old gap --commit main~2 --format csv
	expect_kept "a view of an older commit"
	answer oldcold gap --commit main~2 --format csv --no-cache
	same oldcold old
	run gap --format csv
	expect_kept "back at the tip"
}

test_warm_equals_cold_lists() {
	warm_repo || return
	warm_equals_cold "evidence list" "audit list" "person list" calendar || return
	# The answers were about something: the records are there.
	run evidence list
	expect_out "Incidents"
	expect_out "Changes"
	run audit list
	expect_out "$AUDIT"
	run person list
	expect_out "eve@cb.example"
	answer warm evidence show "$EV1" --format json
	rm "$IDX"
	answer cold evidence show "$EV1" --format json
	same cold warm
}

# The SMS description in force is kept in the index by reference, with the
# version merged from changes made on two clones and the elements both
# changed: what sms show, the cycle and the certificate give from it is the
# same warm as cold.
test_warm_equals_cold_sms_and_certificate() {
	ledger_repo || return
	run --as ada@example.org certificate record --number C-1 --body CB --scope-statement "Hosting" \
		--issued "$(iso $((-DAY)) | cut -c1-10)" --expires "$(iso $((900 * DAY)) | cut -c1-10)"
	expect_rc 0
	git clone -q --bare "$SMSAUDIT_REPO" "$TMPD/laptop.git" || { fail "clone --bare"; return; }
	SMSAUDIT_REPO="$TMPD/laptop.git" run --as ada@example.org sms change --reason "laptop" --add-site York \
		--scope "Managed hosting and backup"
	expect_rc 0
	run --as ada@example.org sms change --reason "main" --scope "Managed hosting and support" --add-service Backup
	expect_rc 0
	git clone -q "$SMSAUDIT_REPO" "$TMPD/work" || { fail "clone"; return; }
	(cd "$TMPD/work" && git pull -q --no-rebase --no-edit "$TMPD/laptop.git" main >/dev/null 2>&1 &&
		git push -q origin HEAD:main) || { fail "merge and push"; return; }
	read_clock
	run sms show
	expect_out "York"
	expect_out "Backup"
	expect_out "both changed scope"
	run certificate show
	expect_out "C-1"
	warm_equals_cold "sms show" "sms history" "cycle show" remind "certificate show" || return
}

# ---- a damaged or foreign index is a miss, never an error ----

# damage_then_read WHAT: with IDX damaged, status gives the --no-cache answer
# and writes a good index again, which the next run reads.
damage_then_read() {
	answer damaged status
	expect_rc 0
	same ref damaged
	index_file || return 1
	expect_rewritten "$1"
	expect_mac_ok
	mark || return 1
	answer again status
	same ref again
	expect_kept "a good index after $1"
}

test_damaged_index_is_ignored() {
	ledger_repo || return
	read_clock
	answer ref status --no-cache
	expect_rc 0
	expect_out "Readiness"
	run status
	index_file || return
	size=$(wc -c <"$IDX")
	cp "$IDX" "$TMPD/good"
	# Bytes flipped in the middle of the block.
	rm "$IDX" && cp "$TMPD/good" "$IDX" && ln -f "$IDX" "$TMPD/mark"
	printf 'XXXXXXXX' | dd of="$IDX" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
	cmp -s "$IDX" "$TMPD/good" && { fail "dd changed nothing"; return; }
	damage_then_read "bytes flipped" || return
	# One byte of the MAC itself.
	rm "$IDX" && cp "$TMPD/good" "$IDX" && ln -f "$IDX" "$TMPD/mark"
	tail -c 1 "$IDX" | tr '0-9a-f' 'f0-9a-e' | dd of="$IDX" bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
	damage_then_read "the MAC changed" || return
	# Torn: cut short, or cut in the header.
	head -c $((size - 100)) "$TMPD/good" >"$IDX.t" && mv "$IDX.t" "$IDX" && ln -f "$IDX" "$TMPD/mark"
	damage_then_read "truncated" || return
	head -c 50 "$TMPD/good" >"$IDX.t" && mv "$IDX.t" "$IDX" && ln -f "$IDX" "$TMPD/mark"
	damage_then_read "truncated in the header" || return
	# Longer than its header says.
	cat "$TMPD/good" "$TMPD/good" >"$IDX.t" && mv "$IDX.t" "$IDX" && ln -f "$IDX" "$TMPD/mark"
	damage_then_read "bytes appended" || return
	# Emptied.
	: >"$IDX.t" && mv "$IDX.t" "$IDX" && ln -f "$IDX" "$TMPD/mark"
	damage_then_read "emptied" || return
	# A directory in its place: a miss, and no error for failing to write it.
	rm "$IDX" && mkdir "$IDX"
	answer dir status
	same ref dir
	rmdir "$IDX"
}

# An index with a valid MAC, but of another repository (a clone that moved
# on) copied over this one's: its key names another commit.
test_index_of_another_repository() {
	ledger_repo || return
	read_clock
	git clone -q --bare "$SMSAUDIT_REPO" "$TMPD/other.git" || { fail "clone --bare"; return; }
	SMSAUDIT_REPO="$TMPD/other.git" add_ev other "" ben@example.org "Elsewhere" || return
	SMSAUDIT_REPO="$TMPD/other.git" run evidence list
	expect_out "Elsewhere"
	answer ref evidence list
	expect_no_out "Elsewhere"
	index_file || return
	theirs="$TMPD/other.git/smsaudit-cache/$(basename "$IDX")"
	[ -f "$theirs" ] || { fail "the clone has no index named like this one's"; return; }
	rm "$IDX" && cp "$theirs" "$IDX" && ln -f "$IDX" "$TMPD/mark"
	answer copied evidence list
	expect_rc 0
	same ref copied
	expect_no_out "Elsewhere"
	expect_rewritten "another repository's index"
	expect_mac_ok
}

# The secret is the user's: an index written under another secret (another
# user's, or this user's before cache.key was replaced) fails its MAC.
test_index_of_another_secret() {
	ledger_repo || return
	read_clock
	answer ref status --no-cache
	run status
	mark || return
	expect_mac_ok
	head -c 32 /dev/urandom >"$SMSAUDIT_CONFIG/cache.key.new" && mv "$SMSAUDIT_CONFIG/cache.key.new" "$SMSAUDIT_CONFIG/cache.key"
	[ "$(mac_of "$IDX")" != "$(tail -c 64 "$IDX")" ] || { fail "the new secret gives the same MAC"; return; }
	answer other status
	same ref other
	index_file || return
	expect_rewritten "written under another secret"
	expect_mac_ok
}

# Something at the index's path that is not a file is a miss like any other,
# and never stops a command: a FIFO there (anyone who can write the git
# directory can make one) must not make every read wait for a writer.
test_index_that_is_not_a_file() {
	ledger_repo || return
	read_clock
	answer ref status --no-cache
	run status
	index_file || return
	rm "$IDX" && mkfifo "$IDX"
	timeout 5 "$SMSAUDIT" status >"$TMPD/fifo.out" 2>"$TMPD/fifo.err"
	echo $? >"$TMPD/fifo.rc"
	LAST_CMD="smsaudit status (a FIFO at the index's path)"
	same ref fifo
	rm -f "$IDX"
	# A link to a device: not a regular file.
	ln -s /dev/zero "$IDX"
	answer dev status
	same ref dev
}

# The index is written to <index>.<pid>.tmp and renamed into place. Someone
# who can write the git directory (a shared server repository, or one who
# made smsaudit-cache/ before the user did) can plant a link at that name for
# the pid the user's next command gets: the write must not go through it into
# a file of the user's (here a file standing for ~/.ssh/authorized_keys).
# The pid is known here by planting the link from the shell that then execs
# the command.
test_planted_link_at_the_temporary_name() {
	ledger_repo || return
	read_clock
	answer ref status --no-cache
	run status
	index_file || return
	rm "$IDX"
	echo "precious" >"$TMPD/victim"
	sh -c 'ln -s "$1" "$2.$$.tmp" && exec "$SMSAUDIT" status' sh "$TMPD/victim" "$IDX" \
		>"$TMPD/planted.out" 2>"$TMPD/planted.err"
	echo $? >"$TMPD/planted.rc"
	LAST_CMD="smsaudit status (a link planted at the temporary name)"
	same ref planted
	[ "$(cat "$TMPD/victim")" = precious ] || fail "$LAST_CMD: the file the link named was overwritten"
	[ ! -L "$IDX" ] || fail "$LAST_CMD: the index is now a link to $(readlink "$IDX")"
}

# ---- whoever holds the secret is the user ----

# The MAC is all that guards the index: someone holding this user's secret
# can change what this user's read commands show (as they could edit the
# user's own files), and nothing else. Without the secret an edit is a miss;
# --no-cache and verify judge the repository, never the index.
test_forged_with_the_key() {
	ledger_repo || return
	read_clock
	run evidence list
	expect_out "Incidents"
	index_file || return
	off=$(grep -obUa "Incidents" "$IDX" | head -1 | cut -d: -f1)
	[ -n "$off" ] || { fail "the title is not in the index"; return; }
	cp "$IDX" "$TMPD/good"
	# Edited without the secret: ignored, and written again.
	rm "$IDX" && cp "$TMPD/good" "$IDX" && ln -f "$IDX" "$TMPD/mark"
	printf 'Forgeries' | dd of="$IDX" bs=1 seek="$off" conv=notrunc 2>/dev/null
	run evidence list
	expect_out "Incidents"
	expect_no_out "Forgeries"
	expect_rewritten "an edit without the MAC"
	# Edited and sealed with the secret: read as it is.
	index_file || return
	rm "$IDX" && cp "$TMPD/good" "$IDX"
	printf 'Forgeries' | dd of="$IDX" bs=1 seek="$off" conv=notrunc 2>/dev/null
	seal "$IDX" || return
	ln -f "$IDX" "$TMPD/mark"
	run evidence list
	expect_rc 0
	expect_out "Forgeries"
	expect_no_out "Incidents"
	expect_kept "a sealed index is a hit"
	# The repository is what it was: verify and --no-cache say so, and
	# leave the index as it is.
	run verify
	expect_rc 0
	expect_out "verify ok"
	run gap --explain 8.6.1 --no-cache
	expect_out '"Incidents"'
	expect_no_out "Forgeries"
	expect_kept "--no-cache does not write"
	# A commit that only adds a record extends the index's state (its old
	# records are taken as the index holds them, as the verification cache's
	# are), so the sealed edit lives on in what this user's reads show;
	# verify and --no-cache still judge the repository.
	add_ev three "" ben@example.org "Third" || return
	run evidence list
	expect_out "Third"
	expect_out "Forgeries"
	expect_rewritten "main moved on"
	run gap --explain 8.6.1 --no-cache
	expect_out '"Incidents"'
	expect_no_out "Forgeries"
	run verify
	expect_rc 0
	# Without the index everything is judged again, and the edit is gone.
	rm -f "$IDX"
	run evidence list
	expect_out "Incidents"
	expect_out "Third"
	expect_no_out "Forgeries"
}

# ---- never stale ----

test_not_stale_after_writes_and_plumbing() {
	ledger_repo || return
	read_clock
	run evidence list
	c1=$(g rev-parse main)
	index_file || return
	cp "$IDX" "$TMPD/at-c1"
	# The tool's own write: the next read shows it.
	add_ev three "" ben@example.org "Third" || return
	answer warm evidence list
	expect_out "Third"
	rm "$IDX"
	answer cold evidence list
	same cold warm
	run --as ada@example.org finding raise --source self-identified --grade observation --clause 8.6.1 \
		--statement "Notes are short"
	expect_rc 0
	answer warm finding list
	expect_out "Notes are short"
	answer cold finding list --no-cache
	same cold warm
	# An old index, valid under the secret, put back by someone who kept it:
	# its key names another commit.
	mark || return
	cp "$TMPD/at-c1" "$IDX.t" && mv "$IDX.t" "$IDX" && ln -f "$IDX" "$TMPD/mark"
	answer warm evidence list
	expect_out "Third"
	expect_rewritten "an old index put back"
	answer warm status
	answer cold status --no-cache
	same cold warm
	# main moved back with update-ref: what is at the tip now, warnings included.
	g update-ref refs/heads/main "$c1"
	answer warm status
	answer cold status --no-cache
	same cold warm
	answer warm evidence list
	expect_no_out "Third"
	rm -f "$SMSAUDIT_REPO"/smsaudit-cache/state-*
	answer cold evidence list
	same cold warm
	# A record rewritten and committed with plumbing: the forged record fails,
	# exactly as a derivation says.
	run status
	mark || return
	repo_cat "$EV2_PATH" | sed 's/<title>Changes</<title>Chonges</' >"$TMPD/rec.xml"
	tamper_put "$EV2_PATH" "$TMPD/rec.xml"
	answer warm status
	expect_out "fails verification"
	expect_rewritten "a commit made with plumbing"
	answer cold status --no-cache
	same cold warm
	answer warm evidence list --format csv
	rm -f "$SMSAUDIT_REPO"/smsaudit-cache/state-*
	answer cold evidence list --format csv
	same cold warm
	answer warm gap --explain 8.5.1.2
	answer cold gap --explain 8.5.1.2 --no-cache
	same cold warm
	expect_out "fails verification"
}

# What this machine verified before (its pin) is held against the state a
# reader loads: a state read from the index must warn of a rewritten or
# rewound main exactly as a derived one does, on the run that derives it
# and on the next, which reads it.
test_pin_warnings_from_the_index() {
	ledger_repo || return
	read_clock
	add_ev third "" ada@example.org "Third" || return
	run verify
	expect_rc 0
	run evidence list
	c1=$(g log --format=%H -1 --diff-filter=A -- "$EV1_PATH" main)
	rewrite_main "$c1" drop
	answer first evidence list
	expect_err "does not match what this machine verified before"
	index_file || return
	mark || return
	answer second evidence list
	expect_kept "the second read of the rewritten main"
	same first second
	answer warm status
	answer cold status --no-cache
	same cold warm
	answer warm finding list
	answer cold finding list --no-cache
	same cold warm
	# verify fails on the rewritten main and the pin stays; main is then
	# rewound by one more commit.
	run verify --no-cache
	expect_rc 1
	g update-ref refs/heads/main "$(g rev-parse main~1)"
	answer first status
	expect_err "no longer in main's history"
	answer second status
	same first second
	answer cold status --no-cache
	same cold second
}

# ---- the clock ----

# make_tsa DIR, start_tsa DIR, stop_tsa: as in test_tsa.sh, a TSA on loopback
# (stock `openssl ts -reply`) that can be made not to answer.
make_tsa() {
	"$ROOT/scripts/local-tsa" "$1" "Test TSA" || { fail "make_tsa $1"; return 1; }
}

start_tsa() {
	rm -f "$1/port"
	"$TSA_SERVER" "$1" &
	TSA_PID=$!
	trap 'kill $TSA_PID 2>/dev/null' EXIT
	i=0
	while [ ! -s "$1/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$1/port" ] || { fail "tsa-server did not start"; return 1; }
	TSA_URL="http://127.0.0.1:$(cat "$1/port")/"
}

stop_tsa() {
	: >"$TMPD/tsa/refuse"
}

# A record waits for its token within the TSA's tolerance (24 hours here);
# one second later it is a problem. The index holds for the clock readings
# its judgement holds for: at the last second of the tolerance and at the
# first past it, and with the clock back again, every reading is the
# --no-cache one.
test_clock_window_of_a_waiting_record() {
	make_tsa "$TMPD/tsa" && start_tsa "$TMPD/tsa" || return
	make_repo || return
	run --as ada@example.org tsa add --url "$TSA_URL" --ca "$TMPD/tsa/ca.pem" --tolerance 24
	expect_rc 0
	stop_tsa
	add_ev late "" ben@example.org "Never stamped" || return
	t=$(signed_at "$late")
	last=$(at_epoch $((t + 86400)))
	past=$(at_epoch $((t + 86401)))
	SMSAUDIT_NOW=$(at_epoch $((t + 60)))
	export SMSAUDIT_NOW
	answer warm status
	expect_out "Waiting for a time-stamp token: 1 record"
	mark || return
	answer warm status
	expect_kept "within the window"
	SMSAUDIT_NOW=$last
	answer warm status
	expect_out "Waiting for a time-stamp token: 1 record"
	expect_kept "the last second of the tolerance is inside the window"
	answer cold status --no-cache
	same cold warm
	SMSAUDIT_NOW=$past
	answer warm status
	expect_out "fails verification"
	expect_no_out "Waiting for a time-stamp token"
	answer cold status --no-cache
	same cold warm
	index_file || return
	expect_rewritten "past the tolerance"
	mark || return
	answer warm evidence list
	rm -f "$SMSAUDIT_REPO"/smsaudit-cache/state-*
	answer cold evidence list
	same cold warm
	# The clock back inside the tolerance: the index made past it is no good.
	run status
	mark || return
	SMSAUDIT_NOW=$last
	answer warm status
	expect_out "Waiting for a time-stamp token: 1 record"
	index_file || return
	expect_rewritten "the clock back inside the tolerance"
	answer cold status --no-cache
	same cold warm
}

# A clock set before a record's signing time (it is in the clock's future,
# beyond the 300 s skew allowed) gives the --no-cache answer, and an index is
# not kept for it; at the edge of the skew the index still holds.
test_clock_before_a_record() {
	ledger_repo || return
	t=$(signed_at "$EV2")
	read_clock
	answer ref status
	mark || return
	SMSAUDIT_NOW=$(at_epoch $((t - 300)))
	answer warm status
	expect_kept "at the edge of the skew"
	answer cold status --no-cache
	same cold warm
	expect_no_out "fails verification"
	SMSAUDIT_NOW=$(at_epoch $((t - 301)))
	answer warm status
	expect_out "fails verification"
	answer cold status --no-cache
	same cold warm
	expect_kept "a state with a record in the clock's future is not kept"
	answer warm evidence list --format csv
	rm -f "$SMSAUDIT_REPO"/smsaudit-cache/state-*
	answer cold evidence list --format csv
	same cold warm
	for f in "$SMSAUDIT_REPO"/smsaudit-cache/state-*; do
		[ ! -e "$f" ] || fail "an index was saved with a record in the clock's future"
	done
	# A day back the same.
	SMSAUDIT_NOW=$(iso $((-DAY)))
	answer warm finding list --format json
	answer cold finding list --format json --no-cache
	same cold warm
	# The real clock again: the first answer.
	read_clock
	answer again status
	same ref again
}

# ---- the program ----

# The build is in the key: another binary, or the same one touched (as a
# rebuild or an upgrade in place would), is a miss with the same answer.
test_another_build() {
	ledger_repo || return
	read_clock
	cp "$SMSAUDIT" "$TMPD/smsaudit-copy" || { fail "cannot copy the program"; return; }
	real=$SMSAUDIT
	SMSAUDIT="$TMPD/smsaudit-copy"
	answer ref status --no-cache
	answer first status
	same ref first
	mark || return
	answer again status
	expect_kept "the same build"
	touch -d "2001-02-03 04:05:06" "$TMPD/smsaudit-copy"
	answer touched status
	same ref touched
	expect_rewritten "the program's mtime changed"
	mark || return
	answer again status
	expect_kept "the touched build reads its own index"
	SMSAUDIT=$real
	answer other status
	same ref other
	expect_rewritten "another binary"
}

# ---- writes ----

# A command that commits reads the index but never writes it (an index of
# the tip it builds on would be out of date at once); the next read does.
test_write_commands_do_not_save() {
	ledger_repo || return
	read_clock
	run status
	mark || return
	add_ev three "" ben@example.org "Third" || return
	expect_kept "evidence add"
	run --as ada@example.org finding raise --source self-identified --grade observation --clause 8.6.1 \
		--statement "Notes are short"
	expect_rc 0
	expect_kept "finding raise"
	run --as ada@example.org person add --name "Ida Park" --email ida@example.org --role internal-auditor
	expect_rc 0
	expect_kept "person add"
	# With no index at all, a write makes none.
	rm "$IDX"
	add_ev four "" ben@example.org "Fourth" || return
	[ ! -e "$IDX" ] || fail "evidence add wrote an index"
	answer warm status
	index_file || return
	expect_mac_ok
	answer cold status --no-cache
	same cold warm
	run evidence list
	expect_out "Fourth"
}

# --no-cache before the command: any reader derives afresh, whatever the index
# says, and leaves the index as it is.
test_global_no_cache() {
	ledger_repo || return
	read_clock
	run evidence list
	expect_out "Incidents"
	index_file || return
	off=$(grep -obUa "Incidents" "$IDX" | head -1 | cut -d: -f1)
	[ -n "$off" ] || { fail "the title is not in the index"; return; }
	printf 'Forgeries' | dd of="$IDX" bs=1 seek="$off" conv=notrunc 2>/dev/null
	seal "$IDX" || return
	ln -f "$IDX" "$TMPD/mark"
	run evidence list
	expect_out "Forgeries"
	for c in "evidence list" "audit list" "person list" "calendar"; do
		run --no-cache $c
		expect_rc 0
		expect_no_out "Forgeries"
	done
	run --no-cache evidence list
	expect_out "Incidents"
	expect_kept "--no-cache does not write"
}

# Each sub-command takes its own options and no other: an option of another
# sub-command of the same group is refused (exit 2, one line naming the option
# and the sub-command, nothing written), each sub-command's own options work,
# and --help works for a command and for a sub-command.
. "$ROOT/tests/cli/repo_helpers.sh"

# not_taken SUB-COMMAND OPTION ARGS...: `smsaudit ARGS` is refused because
# 'SUB-COMMAND' (e.g. 'evidence list') does not take OPTION.
not_taken() {
	what=$1 opt=$2
	shift 2
	run "$@"
	expect_rc 2
	expect_err_one_line
	expect_err "'$what' does not take $opt"
	expect_err "see 'smsaudit $what --help'"
	expect_no_out "usage"
}

# ok WHEN ARGS...: must succeed with the clock at WHEN.
ok() {
	at "$@"
	[ "$rc" = 0 ] || { fail "smsaudit $*: exit $rc: $(cat "$err")"; return 1; }
}

# Ada (quality manager), Ben (process owner), Ida (internal auditor), Eve
# (external auditor); one evidence record, $EV.
options_repo() {
	fixture options_repo options_repo_afresh COLUMNS EV
}

options_repo_afresh() {
	export COLUMNS=250
	SMSAUDIT_NOW=2026-01-05T09:00:00Z make_repo || return 1
	add_people 2026-01-05T09:05:00Z "Ida Ng:ida@example.org:internal-auditor" \
		"Eve Cole:eve@cb.example:external-auditor" || return 1
	echo "RFC log" >"$TMPD/rfc.txt"
	ok 2026-01-06T09:00:00Z --as ben@example.org evidence add "$TMPD/rfc.txt" --control 8.5.1.2 \
		--kind record --title "RFC log January" --period 2026-01-01..2026-01-05 || return 1
	EV=$(sed -n 's/^\(ev-[0-9a-f-]*\) .*/\1/p' "$out")
	[ -n "$EV" ] || { fail "no evidence id in: $(cat "$out")"; return 1; }
}

test_options_of_another_sub_command_are_refused() {
	# No repository is needed: the command line is refused before it is opened.
	not_taken "evidence list" --title evidence list --title X
	not_taken "evidence show" --reason evidence show ev-1 --reason r
	not_taken "evidence add" --expiring evidence add f.txt --control 8.1 --kind record --title T --expiring 3
	not_taken "evidence get" --reason evidence get ev-1 -o out --reason r
	not_taken "evidence supersede" --force evidence supersede ev-1 ev-2 --reason r --force
	not_taken "evidence withdraw" --at evidence withdraw ev-1 --reason r --at main
	not_taken "evidence supersede" --commit evidence supersede ev-1 ev-2 --reason r --commit main
	not_taken "evidence import" --title evidence import f.csv --title T
	not_taken "person list" --role person list --role quality-manager
	not_taken "person revoke" --all person revoke ben@example.org --reason r --all
	not_taken "person add" --reason person add --name N --email n@example.org --role viewer --reason r
	not_taken "finding list" --statement finding list --statement s
	not_taken "finding raise" --open finding raise --source incident --grade minor --clause 8.6 --statement s --open
	not_taken "finding close" --effective finding close NC-2026-001 --note n --effective
	not_taken "finding verify" --text finding verify NC-2026-001 --effective --note n --text t
	not_taken "finding show" --grade finding show NC-2026-001 --grade minor
	not_taken "finding export" --due finding export --due 2026-01-01
	not_taken "finding correct" --method finding correct NC-2026-001 --text t --method other
	not_taken "finding reopen" --note finding reopen NC-2026-001 --reason r --note n
	not_taken "audit list" --lead audit list --lead eve@cb.example
	not_taken "audit plan" --year audit plan --type internal --dates 2026-05-01..2026-05-01 --year 2026
	not_taken "audit start" --summary audit start audit-1 --summary s
	not_taken "audit show" --type audit show audit-1 --type stage1
	not_taken "audit programme" --date audit programme --year 2026 --date 2026-01-01
	not_taken "audit conclude" --team audit conclude audit-1 --team x@example.org
	not_taken "catalogue list" --overlay catalogue list --overlay o.xml
	not_taken "catalogue show" --tree catalogue show 4.1 --tree
	not_taken "catalogue info" --under catalogue info --under 8
	not_taken "catalogue validate" --assessable catalogue validate f.xml --assessable
	not_taken "sms show" --decision sms show --decision 2026-01-01
	not_taken "sms set-grades" --expiry sms set-grades g.csv --expiry 2029-01-01
	not_taken "cycle show" --pin cycle show --pin 8.1=1
	# 'cycle' alone is 'cycle show'.
	not_taken "cycle show" --unpin cycle --unpin 8.1
	# The form --opt=value and an option given before the sub-command's arguments.
	not_taken "evidence list" --title evidence list --title=X
	not_taken "person list" --role person list --role=viewer --all
}

test_unknown_and_malformed_options_name_the_sub_command() {
	run evidence list --frob
	expect_rc 2
	expect_err_one_line
	expect_err "unknown option '--frob' for 'evidence list'"
	run finding raise -x
	expect_rc 2
	expect_err_one_line
	expect_err "unknown option '-x' for 'finding raise'"
	run evidence list --all=yes
	expect_rc 2
	expect_err_one_line
	expect_err "option '--all' takes no value"
	run audit list --type
	expect_rc 2
	expect_err_one_line
	expect_err "needs a value"
	run person frob
	expect_rc 2
	expect_err_one_line
	expect_err "unknown sub-command 'person frob'"
	run sms
	expect_rc 2
	expect_err_one_line
	expect_err "needs a sub-command: show, history, change, set-grades, set-cycle"
}

# One repository for several checks (each repository costs a second or two
# under the sanitizers): a refused option writes nothing, the global options
# work after the sub-command, then every option of evidence and person.
test_evidence_and_person_own_options() {
	options_repo || return
	before=$(commits)
	at 2026-01-07T09:00:00Z --as ada@example.org person revoke ben@example.org --reason "left" --all
	expect_rc 2
	expect_err "'person revoke' does not take --all"
	at 2026-01-07T09:00:00Z --as ben@example.org evidence withdraw "$EV" --reason "wrong file" --force
	expect_rc 2
	expect_err "'evidence withdraw' does not take --force"
	expect_commits "$before"
	run evidence list --format csv --repo "$TMPD/ev.git" --keys "$TMPD/keys" --as ben@example.org
	expect_rc 0
	expect_out "id,kind,controls"
	run --format json catalogue info
	expect_rc 0
	expect_out '"sha256"'
	run --no-color --catalogue "$ROOT/controls/iso20000-1-2018.xml" catalogue show 4.1 --format xml
	expect_rc 0
	expect_out "<clause"
	ok 2026-01-07T09:00:00Z evidence show "$EV" --key "$TMPD/keys/ada@example.org.key" || return
	echo "policy v1" >"$TMPD/p1.txt"
	echo "policy v2" >"$TMPD/p2.txt"
	ok 2026-01-07T09:00:00Z --as ben@example.org evidence add "$TMPD/p1.txt" --control 5.2.1 --kind policy \
		--title "Policy v1" --valid-until 2027-01-01 --note "first" --name policy.txt || return
	old=$(sed -n 's/^\(ev-[0-9a-f-]*\) .*/\1/p' "$out")
	ok 2026-01-07T09:10:00Z --as ben@example.org evidence add "$TMPD/rfc.txt" --control 8.5.1.2 --kind record \
		--title "RFC log again" --period 2026-01-01..2026-01-06 --allow-duplicate || return
	printf 'file,controls,kind,title\np2.txt,5.2.1,policy,Policy v2\n' >"$TMPD/import.csv"
	ok 2026-01-07T09:20:00Z --as ben@example.org evidence import "$TMPD/import.csv" --allow-duplicate || return
	expect_out "Imported 1 evidence file"
	new=$(SMSAUDIT_NOW=2026-01-07T09:30:00Z "$SMSAUDIT" evidence list --kind policy --format csv |
		sed -n 's/^\(ev-[0-9a-f-]*\),.*Policy v2.*/\1/p')
	[ -n "$new" ] || { fail "no id for the imported evidence"; return; }
	ok 2026-01-07T09:30:00Z evidence list --control 5.2 --kind policy --expiring 3650 --all --at 2026-01-07 --commit main || return
	expect_out "Policy v1"
	ok 2026-01-07T09:30:00Z evidence show "$old" --commit main || return
	expect_out "Note:          first"
	ok 2026-01-07T09:30:00Z evidence get "$old" -o "$TMPD/got.txt" || return
	ok 2026-01-07T09:30:00Z evidence get "$old" --output "$TMPD/got.txt" --force --at 2026-01-07 || return
	cmp -s "$TMPD/got.txt" "$TMPD/p1.txt" || fail "evidence get: not the content added"
	ok 2026-01-07T09:40:00Z --as ben@example.org evidence supersede "$old" "$new" --reason "v2 replaces v1" || return
	ok 2026-01-07T09:50:00Z --as ben@example.org evidence withdraw "$EV" --reason "wrong month" || return
	ok 2026-01-07T10:00:00Z evidence list --all || return
	expect_out "withdrawn"
	expect_out "superseded"

	ok 2026-01-08T09:00:00Z --as ada@example.org person add --name "Cy Dale" --email cy@example.org \
		--role viewer --valid-until 2027-01-01 --cert-days 400 || return
	ok 2026-01-08T09:10:00Z --as ada@example.org person revoke cy@example.org --reason "left" \
		--effective 2026-01-08T09:10:00Z || return
	ok 2026-01-08T09:20:00Z person list --all || return
	expect_out "cy@example.org"
}

test_finding_own_options() {
	options_repo || return
	ok 2026-02-01T10:00:00Z --as ida@example.org finding raise --source internal-audit --grade minor \
		--clause 8.5.1.2 --clause 8.5.1.3 --statement "2 of 20 changes had no risk assessment" \
		--evidence "$EV" --date 2026-02-01 || return
	expect_out "Raised NC-2026-001"
	ok 2026-02-02T10:00:00Z --as ben@example.org finding correct NC-2026-001 --text "Assessed the two" || return
	ok 2026-02-02T11:00:00Z --as ben@example.org finding cause NC-2026-001 --method 5-whys --text "Optional field" || return
	ok 2026-02-02T12:00:00Z --as ben@example.org finding plan NC-2026-001 --action "Make the field mandatory" \
		--owner ben@example.org --due 2026-03-01 --note "Tool change" || return
	ok 2026-02-10T10:00:00Z --as ben@example.org finding implement NC-2026-001 --action 1 --note "Done" \
		--evidence "$EV" || return
	ok 2026-02-20T10:00:00Z --as ida@example.org finding verify NC-2026-001 --effective --note "Sampled 10" \
		--evidence "$EV" || return
	ok 2026-02-21T10:00:00Z --as ida@example.org finding close NC-2026-001 --note "Closed" || return
	ok 2026-02-22T10:00:00Z --as ida@example.org finding reopen NC-2026-001 --reason "Recurred" || return
	ok 2026-02-23T10:00:00Z finding list --open --grade minor --clause 8.5 --at 2026-02-23 --no-cache || return
	expect_out "NC-2026-001"
	ok 2026-02-23T10:00:00Z finding list --overdue || return
	ok 2026-02-23T10:00:00Z finding show NC-2026-001 --at 2026-02-23 --no-cache || return
	expect_out "NC-2026-001"
	ok 2026-02-23T10:00:00Z finding export --at 2026-02-23 --grade minor --open || return
	expect_out "NC-2026-001"
	ok 2026-02-24T10:00:00Z --as ida@example.org finding raise --source internal-audit --grade observation \
		--clause 8.6.1 --statement "Could be clearer" || return
	ok 2026-02-25T10:00:00Z --as ida@example.org finding close OBS-2026-002 --response "Clarified" || return
}

test_audit_cycle_sms_catalogue_own_options() {
	options_repo || return
	ok 2026-02-01T09:00:00Z --as ada@example.org audit plan --type stage1 --dates 2026-03-02..2026-03-03 \
		--body "Example Certification Ltd" --lead eve@cb.example --team ida@example.org --clause 4 \
		--service Hosting --site Leeds || return
	s1=$(sed -n 's/.* audit \(audit-[0-9a-f-]*\) .*/\1/p' "$out")
	ok 2026-03-02T09:00:00Z --as eve@cb.example audit start "$s1" --date 2026-03-02 || return
	ok 2026-03-03T17:00:00Z --as eve@cb.example audit conclude "$s1" --dates 2026-03-02..2026-03-03 \
		--recommendation none --summary "Ready" --conditions "None" --concern "Supplier controls" || return
	ok 2026-03-04T09:00:00Z audit list --type stage1 --at 2026-03-04 || return
	expect_out "$s1"
	ok 2026-03-04T09:00:00Z audit show "$s1" --at 2026-03-04 || return
	ok 2026-03-04T09:00:00Z audit programme --year 2026 --at 2026-03-04 || return

	ok 2026-04-01T10:00:00Z --as ada@example.org sms set-cycle --decision 2026-04-01 --expiry 2029-03-31 \
		--surveillances 2 --internal-audit-months 12 || return
	printf 'major,major,Major\nminor,minor,Minor\nobservation,observation,Observation\nofi,improvement,OFI\n' \
		>"$TMPD/grades.csv"
	ok 2026-04-01T11:00:00Z --as ada@example.org sms set-grades "$TMPD/grades.csv" || return
	ok 2026-04-01T12:00:00Z sms show || return
	expect_out "2 surveillances per cycle"
	ok 2026-04-02T09:00:00Z cycle --at 2026-04-02 || return
	ok 2026-04-02T09:00:00Z cycle show --at 2026-04-02 || return
	ok 2026-04-02T09:00:00Z cycle plan-surveillance --surveillances 3 --at 2026-04-02 || return
	ok 2026-04-02T10:00:00Z --as ada@example.org cycle plan-surveillance --pin 8.6.1=2 || return
	expect_out "Pinned 8.6.1 to surveillance 2."
	ok 2026-04-02T11:00:00Z --as ada@example.org cycle plan-surveillance --unpin 8.6.1 || return

	run catalogue list --tree --under 8.5
	expect_rc 0
	run catalogue list --assessable
	expect_rc 0
	cat >"$TMPD/overlay.xml" <<EOX
<?xml version="1.0" encoding="UTF-8"?>
<overlay xmlns="urn:smsaudit:catalogue:1" catalogue="iso20000-1-2018">
  <clause-text ref="4.1">Our licensed text of 4.1.</clause-text>
</overlay>
EOX
	run catalogue show 4.1 --overlay "$TMPD/overlay.xml"
	expect_rc 0
	expect_out "Our licensed text of 4.1."
	run catalogue validate "$ROOT/controls/iso20000-1-2018.xml"
	expect_rc 0
	run catalogue info
	expect_rc 0
}

test_help_for_commands_and_sub_commands() {
	for c in evidence person finding audit catalogue sms cycle; do
		run "$c" --help
		expect_rc 0
		expect_out "usage: smsaudit $c"
		expect_out "example"
	done
	run evidence list --help
	expect_rc 0
	expect_out "usage: smsaudit evidence list [--control ID]"
	expect_no_out "smsaudit evidence add FILE"
	run finding raise --help
	expect_rc 0
	expect_out "usage: smsaudit finding raise --source SOURCE"
	expect_out "                             --statement TEXT"
	run person revoke -h
	expect_rc 0
	expect_out "usage: smsaudit person revoke EMAIL --reason TEXT"
	# The options line comes from the table the sub-command is parsed with.
	expect_out "options: --reason, --effective, and the common --format"
	run evidence get --help
	expect_out "options: -o|--output, --force, --at, --commit, --pack, and the common"
	run sms set-grades --help
	expect_out "options: only the common --format, --repo, --keys, --as, --key"
	run cycle plan-surveillance --help
	expect_rc 0
	expect_out "usage: smsaudit cycle plan-surveillance"
	run cycle --help
	expect_rc 0
	expect_out "smsaudit cycle plan-surveillance"
	run help audit programme
	expect_rc 0
	expect_out "usage: smsaudit audit programme --year YYYY"
	run help audit frob
	expect_rc 2
	expect_err_one_line
	expect_err "unknown sub-command 'audit frob'"
	# A group's help is its sub-commands' usage lines, in order, then its text.
	run help sms
	expect_rc 0
	expect_out "usage: smsaudit sms show [--at DATE] [--format F]"
	expect_out "       smsaudit sms set-grades FILE"
	expect_out "       smsaudit sms set-cycle"
}

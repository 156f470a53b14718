# Helpers for the insider tests of test_ledger.sh: everything here is what
# someone with write access to the repository can do with stock git and
# openssl, or with the tool and their own key. Nothing calls the library.
. "$ROOT/tests/cli/repo_helpers.sh"

# Each test keeps the tool's per-user state (pins, the cache key) in its own
# directory, so no pin leaks from one test into another.
SMSAUDIT_CONFIG=${SMSAUDIT_CONFIG:-$TMPD/config}
export SMSAUDIT_CONFIG

# Who commits when the tests use git plumbing.
GIT_AUTHOR_NAME=M GIT_AUTHOR_EMAIL=m@x GIT_COMMITTER_NAME=M GIT_COMMITTER_EMAIL=m@x
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL

g() {
	git --git-dir="$SMSAUDIT_REPO" "$@"
}

# iso OFFSET: the real clock moved by OFFSET seconds, as SMSAUDIT_NOW wants it.
DAY=86400
iso() {
	date -u -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%SZ
}

# The first 12 hex digits of a commit, as messages name it.
short() {
	printf '%.12s' "$1"
}

# ledger_repo [WHEN]: make_repo, then two evidence files by Ben (EV1, EV2 and
# their record paths EV1_PATH, EV2_PATH; EV1_SHA is EV1's content digest).
# WHEN, if given, is the clock for all of it.
ledger_repo() {
	if [ -n "${1:-}" ]; then
		SMSAUDIT_NOW=$1
		export SMSAUDIT_NOW
	fi
	export SMSAUDIT_KEYS="$TMPD/keys" SMSAUDIT_REPO="$TMPD/ev.git"
	fixture ledger_repo ledger_repo_afresh EV1 EV2 EV1_PATH EV2_PATH EV1_SHA
	lr_rc=$?
	unset SMSAUDIT_NOW
	return $lr_rc
}

ledger_repo_afresh() {
	make_repo || return 1
	echo "Incident export" >"$TMPD/inc.txt"
	echo "Change records" >"$TMPD/chg.txt"
	"$SMSAUDIT" --as ben@example.org evidence add "$TMPD/inc.txt" --control 8.6.1 --kind record \
		--title Incidents >"$TMPD/add.out" 2>&1 || { fail "evidence add: $(cat "$TMPD/add.out")"; return 1; }
	EV1=$(sed -n 's/^\(ev-[0-9a-f-]*\) .*/\1/p' "$TMPD/add.out")
	"$SMSAUDIT" --as ben@example.org evidence add "$TMPD/chg.txt" --control 8.5.1.2 --kind record \
		--title Changes >"$TMPD/add.out" 2>&1 || { fail "evidence add: $(cat "$TMPD/add.out")"; return 1; }
	EV2=$(sed -n 's/^\(ev-[0-9a-f-]*\) .*/\1/p' "$TMPD/add.out")
	EV1_PATH=$(record_path "$EV1")
	EV2_PATH=$(record_path "$EV2")
	EV1_SHA=$(repo_cat "$EV1_PATH" | sed -n 's/.*sha256="\([0-9a-f]*\)".*/\1/p')
	[ -n "$EV1" ] && [ -n "$EV2" ] && [ -n "$EV1_PATH" ] && [ -n "$EV2_PATH" ] && [ -n "$EV1_SHA" ] ||
		{ fail "ledger_repo: evidence ids or paths not found"; return 1; }
}

# add_ev ID-VAR WHEN SIGNER TITLE [ARGS...]: one evidence file signed by SIGNER
# with the clock at WHEN ("" for the real clock); its id goes into ID-VAR.
add_ev() {
	var=$1 when=$2 signer=$3 title=$4
	shift 4
	printf '%s %s\n' "$title" "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" >"$TMPD/ev-$title.txt"
	if [ -n "$when" ]; then
		SMSAUDIT_NOW=$when "$SMSAUDIT" --as "$signer" evidence add "$TMPD/ev-$title.txt" --control 8.6.1 \
			--kind record --title "$title" "$@" >"$TMPD/add.out" 2>&1
	else
		"$SMSAUDIT" --as "$signer" evidence add "$TMPD/ev-$title.txt" --control 8.6.1 \
			--kind record --title "$title" "$@" >"$TMPD/add.out" 2>&1
	fi || { fail "evidence add $title as $signer at ${when:-now}: $(cat "$TMPD/add.out")"; return 1; }
	ID=$(sed -n 's/^\(ev-[0-9a-f-]*\) .*/\1/p' "$TMPD/add.out")
	eval "$var=\$ID"
}

# verify_fails TEXT...: verify exits 1, names every TEXT and says it failed.
verify_fails() {
	run verify
	expect_rc 1
	for want in "$@"; do expect_out "$want"; done
	expect_out "verify failed"
}

# A line of stdout that names every one of the given texts (the path, the
# rule and the commit of one problem on one line).
expect_line() {
	pat=$1
	shift
	for w in "$@"; do pat="$pat
$w"; done
	awk -v pats="$pat" 'BEGIN { n = split(pats, p, "\n") }
		{ ok = 1; for (i = 1; i <= n; i++) if (index($0, p[i]) == 0) ok = 0; if (ok) found = 1 }
		END { exit !found }' "$out" ||
		{ fail "$LAST_CMD: no line of stdout names all of: $(echo "$pat" | tr '\n' '|')"; head -8 "$out" | sed 's/^/      stdout: /'; }
}

# said TEXT: stdout or stderr has TEXT.
said() {
	cat "$out" "$err" | grep -q -F -- "$1" ||
		{ fail "$LAST_CMD: neither stdout nor stderr has '$1'"; cat "$out" "$err" | head -8 | sed 's/^/      /'; }
}

# plant PATH FILE [PATH FILE]...: one commit on main adding (or replacing)
# several files, with stock git.
plant() {
	idx="$TMPD/tamper.idx"
	rm -f "$idx"
	GIT_INDEX_FILE="$idx" g read-tree main
	while [ $# -ge 2 ]; do
		oid=$(g hash-object -w "$2")
		GIT_INDEX_FILE="$idx" g update-index --add --cacheinfo "100644,$oid,$1"
		shift 2
	done
	tamper_commit
}

# The paths a commit added.
added_by() {
	g diff-tree --no-commit-id --root -r --name-only --diff-filter=A "$1"
}

# rewrite_main FROM [drop]: rebuild main's (linear) history from commit FROM
# on with commit-tree, as a rebase does: commits before FROM keep their ids;
# FROM and every later commit are made again with the same trees, authors and
# dates under another committer, so their ids change. With "drop", FROM is
# left out and what it added is taken out of every later tree, as a rebase
# dropping it does. FROM may be the root commit: the whole history rebuilt.
rewrite_main() {
	from=$1 drop=${2:-}
	gone=""
	[ -n "$drop" ] && gone=$(added_by "$from")
	parent=$(g rev-parse -q --verify "$from^" 2>/dev/null)
	started=""
	for c in $(g rev-list --reverse --first-parent main); do
		[ "$c" = "$from" ] && started=1
		[ -n "$started" ] || continue
		[ -n "$drop" ] && [ "$c" = "$from" ] && continue
		tree=$(g rev-parse "$c^{tree}")
		if [ -n "$gone" ]; then
			idx="$TMPD/rewrite.idx"
			rm -f "$idx"
			GIT_INDEX_FILE="$idx" g read-tree "$c"
			echo "$gone" | sed 's/^/0 0000000000000000000000000000000000000000\t/' |
				GIT_INDEX_FILE="$idx" g update-index --index-info
			tree=$(GIT_INDEX_FILE="$idx" g write-tree)
		fi
		an=$(g log -1 --format=%an "$c") ae=$(g log -1 --format=%ae "$c")
		ad=$(g log -1 --format=%ad --date=raw "$c") cd=$(g log -1 --format=%cd --date=raw "$c")
		parent=$(g log -1 --format=%B "$c" | GIT_AUTHOR_NAME=$an GIT_AUTHOR_EMAIL=$ae GIT_AUTHOR_DATE=$ad \
			GIT_COMMITTER_NAME=Rewriter GIT_COMMITTER_EMAIL=rewriter@example.org GIT_COMMITTER_DATE=$cd \
			git --git-dir="$SMSAUDIT_REPO" commit-tree "$tree" ${parent:+-p "$parent"})
	done
	g update-ref refs/heads/main "$parent"
}

# The anchor's fingerprint as init printed it.
init_anchor() {
	sed -n 's/.*trust anchor SHA-256 *\([0-9a-f]\{64\}\).*/\1/p' "$1"
}

# A person's certificate from their (latest) grant at main.
person_cert() {
	grant=$(g ls-tree -r --name-only main records | grep '/person-.*\.xml$' | while read -r p; do
		repo_cat "$p" | grep -q "<email>$1</email>" && echo "$p"; done | tail -1)
	repo_cat "$grant" | sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' | sed 's/^ *<certificate>//'
}

# pack_ready: an external auditor and a stage 1 audit to pack ($AUDIT).
pack_ready() {
	add_people "$(iso 0)" "Eve Cole:eve@cb.example:external-auditor" || return 1
	run --as ada@example.org audit plan --type stage1 --dates 2099-01-05..2099-01-06 --body CB --lead eve@cb.example
	expect_rc 0
	AUDIT=$(sed -n 's/.* audit \(audit-[0-9a-f-]*\) .*/\1/p' "$out")
	[ -n "$AUDIT" ] || { fail "no audit id in: $(cat "$out")"; return 1; }
}

# evidence_body TITLE SHA256 SIZE [NAME]: the <evidence> element of a
# hand-made record naming content by its digest (for handmade, or a record
# signed by hand); NAME is the original file name (default inc.txt).
evidence_body() {
	printf '  <evidence>\n    <title>%s</title>\n    <kind>record</kind>\n    <controls>\n      <control>8.6.1</control>\n    </controls>\n    <content sha256="%s" size="%s" media-type="text/plain" name="%s"/>\n  </evidence>' \
		"$1" "$2" "$3" "${4:-inc.txt}"
}

# Helpers for tests that need an evidence repository (sourced by test files).

# A fresh repository in $TMPD/ev.git with Ada (quality manager) and Ben
# (process owner); keys in $TMPD/keys. Extra arguments go to init (and then
# it is made afresh, never copied: see fixture).
make_repo() {
	export SMSAUDIT_KEYS="$TMPD/keys" SMSAUDIT_REPO="$TMPD/ev.git"
	if [ $# -gt 0 ]; then
		make_repo_afresh "$@"
		return
	fi
	fixture make_repo make_repo_afresh
}

make_repo_afresh() {
	"$SMSAUDIT" init "$TMPD/ev.git" --org "Example Services Ltd" --scope "Managed hosting" \
		--service Hosting --site Leeds --name "Ada Quinn" --email ada@example.org "$@" >/dev/null 2>"$TMPD/init.err" \
		|| { fail "init failed: $(cat "$TMPD/init.err")"; return 1; }
	"$SMSAUDIT" --as ada@example.org person add --name "Ben Ortiz" --email ben@example.org \
		--role process-owner >/dev/null 2>"$TMPD/init.err" || { fail "person add failed: $(cat "$TMPD/init.err")"; return 1; }
}

# fixture NAME FUNCTION [VARIABLE...]: what FUNCTION leaves in $TMPD (the
# repository, keys, user configuration, files) and the VARIABLEs it sets
# (exported when set, unset when not: list those it exports too), made
# once per run of make check and binary (scripts/run-tests sets
# SMSAUDIT_FIXTURES), for the clock it is made at (SMSAUDIT_NOW, or the real
# hour), and copied into each test's own $TMPD: the same files the function
# would have made, without its processes. The first test to need one makes it
# (the others wait for it); each test gets a copy of its own, so tests stay
# independent. Without SMSAUDIT_FIXTURES, FUNCTION simply runs.
fixture() {
	fx_name=$1 fx_fn=$2
	shift 2
	if [ -z "${SMSAUDIT_FIXTURES:-}" ]; then
		"$fx_fn"
		return
	fi
	fx_clock=${SMSAUDIT_NOW:-now-$(date -u +%Y%m%d%H)}
	fx="$SMSAUDIT_FIXTURES/$(printf '%s' "$SMSAUDIT" | cksum | cut -d' ' -f1)-$fx_name-$(printf '%s' "$fx_clock" | tr -c 'A-Za-z0-9-' _)"
	mkdir -p "$SMSAUDIT_FIXTURES" || return 1
	# Made under a lock, in a folder of its own, by a subshell: a failure
	# there leaves no fixture, and this test then runs FUNCTION itself and
	# reports the failure as it always did.
	(
		flock 9 || exit 1
		[ -f "$fx/done" ] && exit 0
		rm -rf "$fx" && mkdir -p "$fx/files" || exit 1
		TMPD="$fx/files" SMSAUDIT_CONFIG="$fx/files/config" SMSAUDIT_KEYS="$fx/files/keys" SMSAUDIT_REPO="$fx/files/ev.git"
		export TMPD SMSAUDIT_CONFIG SMSAUDIT_KEYS SMSAUDIT_REPO
		T_FAILED=0
		fx_self=$fx # FUNCTION may use fixtures of its own
		"$fx_fn" >/dev/null 2>&1 && [ "$T_FAILED" = 0 ] || exit 1
		for v in "$@"; do
			if eval "[ -n \"\${$v+set}\" ]"; then
				eval "printf 'export %s=%s\\n' \"\$v\" \"'\$$v'\""
			else
				printf 'unset %s\n' "$v"
			fi
		done >"$fx_self/vars" || exit 1
		realpath "$fx_self/files/ev.git" >"$fx_self/repo-path" && : >"$fx_self/done"
	) 9>"$fx.lock" && [ -f "$fx/done" ] || { "$fx_fn"; return; }
	cp -a "$fx/files/." "$TMPD/" || { fail "cannot copy the fixture $fx_name"; return 1; }
	. "$fx/vars"
	# Every fixture is a repository made by make_repo: its variables, for the copy.
	export SMSAUDIT_KEYS="$TMPD/keys" SMSAUDIT_REPO="$TMPD/ev.git"
	# The user configuration knows the repository by its folder (pin.c):
	# the copy's entry is renamed for the copy's folder.
	fx_old=$(printf '%s' "$(cat "$fx/repo-path")" | sha256sum | cut -c1-40)
	fx_new=$(printf '%s' "$(realpath "$TMPD/ev.git")" | sha256sum | cut -c1-40)
	if [ -f "$TMPD/config/places/$fx_old" ] && [ "$fx_old" != "$fx_new" ]; then
		mv "$TMPD/config/places/$fx_old" "$TMPD/config/places/$fx_new" || { fail "fixture $fx_name: place"; return 1; }
	fi
}

commits() {
	git --git-dir="$SMSAUDIT_REPO" rev-list --count main
}

expect_commits() {
	n=$(commits)
	[ "$n" = "$1" ] || fail "repository has $n commits, expected $1"
}

# expect_verify_ok [NOW]: verify passes (judged with the clock at NOW when the
# test has moved its clock past the real one: records signed in the future of
# the verifier's clock fail).
expect_verify_ok() {
	SMSAUDIT_NOW=${1:-${SMSAUDIT_NOW:-}} "$SMSAUDIT" verify >"$TMPD/verify.out" 2>&1 || { fail "verify failed:"; sed 's/^/      /' "$TMPD/verify.out" | head -10; }
	git --git-dir="$SMSAUDIT_REPO" fsck --strict >/dev/null 2>&1 || fail "git fsck --strict failed"
}

# fixed_openssl WHEN ARGS...: stock openssl with its clock at WHEN
# (YYYY-MM-DDTHH:MM:SSZ), through the test helper tests/cli/fixed_clock.c that
# make tests builds next to the tests (the injected clock, for openssl).
fixed_openssl() {
	fo_when=$1
	shift
	fo_lib=$(dirname "$SMSAUDIT")/tests/fixed-clock.so
	[ -f "$fo_lib" ] || { echo "no $fo_lib: make tests builds it" >&2; return 4; }
	SMSAUDIT_NOW=$fo_when LD_PRELOAD=$fo_lib openssl "$@"
}

# tamper_put PATH FILE: commit FILE's bytes at PATH on main with stock git,
# as anyone with write access to the repository could.
tamper_put() {
	idx="$TMPD/tamper.idx"
	rm -f "$idx"
	oid=$(git --git-dir="$SMSAUDIT_REPO" hash-object -w "$2")
	GIT_INDEX_FILE="$idx" git --git-dir="$SMSAUDIT_REPO" read-tree main
	GIT_INDEX_FILE="$idx" git --git-dir="$SMSAUDIT_REPO" update-index --add --cacheinfo "100644,$oid,$1"
	tamper_commit
}

tamper_rm() {
	idx="$TMPD/tamper.idx"
	rm -f "$idx"
	GIT_INDEX_FILE="$idx" git --git-dir="$SMSAUDIT_REPO" read-tree main
	printf '0 0000000000000000000000000000000000000000\t%s\n' "$1" |
		GIT_INDEX_FILE="$idx" git --git-dir="$SMSAUDIT_REPO" update-index --index-info
	tamper_commit
}

tamper_commit() {
	tree=$(GIT_INDEX_FILE="$idx" git --git-dir="$SMSAUDIT_REPO" write-tree)
	c=$(GIT_AUTHOR_NAME=M GIT_AUTHOR_EMAIL=m@x GIT_COMMITTER_NAME=M GIT_COMMITTER_EMAIL=m@x \
		git --git-dir="$SMSAUDIT_REPO" commit-tree "$tree" -p main -m tamper)
	git --git-dir="$SMSAUDIT_REPO" update-ref refs/heads/main "$c"
}

# show FILE at main
repo_cat() {
	git --git-dir="$SMSAUDIT_REPO" show "main:$1"
}

# The path of the first record whose file name starts with $1 (e.g. ev-).
record_path() {
	git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main records | grep "/$1[^/]*\.xml$" | head -1
}

# add_people WHEN "Name:email:role[,role]"...: grants signed by Ada at WHEN.
add_people() {
	when=$1
	shift
	for p in "$@"; do
		name=${p%%:*} rest=${p#*:}
		email=${rest%%:*} role=${rest#*:}
		SMSAUDIT_NOW=$when "$SMSAUDIT" --as ada@example.org person add --name "$name" --email "$email" \
			--role "$role" >/dev/null 2>"$TMPD/p.err" || { fail "person add $email: $(cat "$TMPD/p.err")"; return 1; }
	done
}

# at WHEN ARGS...: run smsaudit with the clock at WHEN.
at() {
	when=$1
	shift
	SMSAUDIT_NOW=$when run "$@"
}

# refused EXPECTED-TEXT WHEN ARGS...: exit 3, one line naming the rule, nothing written.
refused() {
	text=$1
	shift
	before=$(commits)
	at "$@"
	expect_rc 3
	expect_err "$text"
	expect_err_one_line
	expect_commits "$before"
}

# handmade ID SIGNER BODY: a record written and signed by hand with stock
# openssl and committed with stock git, as anyone holding a key could. It is
# made at SMSAUDIT_NOW, like the tool's own records, or else now.
handmade() {
	id=$1 signer=$2 body=$3
	grant=$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main records | grep '/person-.*\.xml$' | while read -r p; do
		repo_cat "$p" | grep -q "<email>$signer</email>" && echo "$p"; done | tail -1)
	repo_cat "$grant" | sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' | sed 's/^ *<certificate>//' >"$TMPD/signer.pem"
	now=${SMSAUDIT_NOW:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
	case $now in ????-??-??) now=${now}T00:00:00Z ;; esac
	day=$(echo "$now" | cut -c1-10)
	full="$id-$(echo "$day" | tr -d -)-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<record xmlns="urn:smsaudit:record:1" id="%s" version="1">\n  <made-at>%s</made-at>\n  <made-by>%s</made-by>\n%s\n</record>\n' \
		"$full" "$now" "$signer" "$body" >"$TMPD/hand.xml"
	# openssl stamps the signing time itself, from its clock, and verify
	# insists it equals made-at: its clock is set to made-at as well.
	fixed_openssl "$now" cms -sign -binary -outform DER -in "$TMPD/hand.xml" -signer "$TMPD/signer.pem" \
		-inkey "$TMPD/keys/$signer.key" -out "$TMPD/hand.p7s" 2>"$TMPD/cms.err" || { fail "openssl: $(cat "$TMPD/cms.err")"; return 1; }
	path="records/$(echo "$day" | cut -c1-7 | tr - /)/$(echo "$full" | sed 's/.*-\(..\)[0-9a-f]*$/\1/')/$full.xml"
	tamper_put "$path" "$TMPD/hand.xml"
	tamper_put "$path.p7s" "$TMPD/hand.p7s"
	HAND=$full
}

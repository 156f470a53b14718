#!/bin/sh
# Benchmark for verify's history replay (issue: the history is the ledger).
#
#   bench/ledger.sh
#
# The size of one certification cycle: LEDGER_RECORDS evidence records (default
# 100000) over LEDGER_COMMITS commits (default 20000). For development,
# LEDGER_RECORDS=10000 LEDGER_COMMITS=2000 runs in about a minute; the full size
# takes about 15 minutes on 2 cores. Each figure is the median of LEDGER_RUNS
# runs (default 5), with the fastest and slowest. LEDGER_BIN names another
# binary than build/smsaudit; LEDGER_KEEP=1 keeps the fixture for profiling.
#
# The fixture is built at bench time, in a temporary folder removed on exit:
#   1. `init`, `person add`, then one `evidence import` of generated files per
#      month of the cycle (LEDGER_MONTHS, default 36: records are sharded by
#      the month they are signed in, so a cycle's months matter) make every
#      record with the tool itself, each month in its own copy of the
#      two-commit repository;
#   2. `git fast-import` redistributes the same blobs into a new history: the
#      init commit's files, the grant, then about RECORDS / COMMITS evidence
#      records with their signatures and content per commit, every commit dated
#      after the signing times of what it holds. Signatures do not depend on
#      commits, so this history must pass `verify`: checked before timing.
#   3. The peer ("snapshot"): a repository whose history is one commit holding
#      the same final tree (`git commit-tree`, no parent), which is what a
#      single-commit check of the same records costs.
# History and snapshot run in turn (A B A B ...) and the ratio is taken pair by
# pair, which cancels most of a shared machine's drift. Measured:
#   a. cold `verify --no-content` and `verify` (smsaudit-cache/ removed before
#      each run and --no-cache, so no checkpoint is used either; the OS page
#      cache left as it is); target: history <= 1.5x the snapshot.
#   b. peak RSS of every command (GNU time); target: <= 256 MiB for verify.
#   c. `evidence list` and `status` on the unchanged repository (warm caches).
#   d. `verify` with nothing new since the checkpoint the last one pinned;
#      one more commit with one record (`evidence add`, timed as the write
#      latency), then `verify --no-content` and `verify` again (judged since
#      the checkpoint; target: <= 0.3 s).
# Stock git's own walk of the same history (`git log --raw -r`: every commit
# diffed against its parent) is printed for scale.
set -eu
RECORDS=${LEDGER_RECORDS:-100000}
COMMITS=${LEDGER_COMMITS:-20000}
RUNS=${LEDGER_RUNS:-5}
MONTHS=${LEDGER_MONTHS:-36}
. "$(dirname "$0")/lib.sh"
# LEDGER_KEEP=1 keeps the temporary folder (for profiling by hand)
[ -z "${LEDGER_KEEP:-}" ] || { trap - EXIT; echo "keeping $work"; }
# One copy of the binary for the whole run (LEDGER_BIN, else build/smsaudit), so
# that a rebuild while it runs cannot mix two versions in one set of figures.
cp "${LEDGER_BIN:-$bin}" "$work/smsaudit"
bin="$work/smsaudit"
[ "$COMMITS" -ge 3 ] && [ "$RECORDS" -ge $((COMMITS - 2)) ] && [ "$MONTHS" -ge 1 ] && [ "$RECORDS" -ge "$MONTHS" ] ||
	{ echo "need LEDGER_COMMITS >= 3, LEDGER_RECORDS >= LEDGER_COMMITS - 2 and >= LEDGER_MONTHS >= 1" >&2; exit 2; }
export SMSAUDIT_CONFIG="$work/config" SMSAUDIT_KEYS="$work/keys" SMSAUDIT_AS=ada@example.org
src="$work/src.git" hist="$work/history.git" snap="$work/snapshot.git"
git() { command git -c gc.auto=0 "$@"; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
load() { echo "load: $(uptime | sed 's/.*load average: //')"; }
echo "date: $(date -u +%Y-%m-%d), $(git --version), $(pkg-config --modversion libgit2 2>/dev/null | sed 's/^/libgit2 /')"
echo "scale: $RECORDS evidence records over $COMMITS commits, $RUNS runs each"
load

# ---- 1. the records, made by the tool: one import per month ----
t_build=$(now)
# The cycle starts MONTHS + 2 months ago, so that every record is signed in the
# past; certificates last the whole cycle.
T0=$(date -u -d "$(date -u +%Y-%m-01) - $((MONTHS + 2)) months + 9 hours" +%s)
month() { date -u -d "$(iso "$T0") + $1 months" +%s; }
export SMSAUDIT_REPO="$src"
SMSAUDIT_NOW=$(iso "$T0") "$bin" init "$src" --org "Bench Org" --scope "Managed hosting" --service Hosting \
	--site Leeds --name "Ada Quinn" --email ada@example.org --cert-days 3650 >/dev/null
SMSAUDIT_NOW=$(iso $((T0 + 60))) "$bin" person add --name "Ben Ortiz" --email ben@example.org \
	--role process-owner --cert-days 3650 >/dev/null
rm -rf "$src/smsaudit-cache"
# Every expected item of the catalogue (clause, kind), so that records spread
# over the clauses as in a real repository.
"$bin" catalogue list --assessable --format csv | cut -d, -f1 | tail -n +2 | while read -r c; do
	"$bin" catalogue show "$c" --format json | tr -d ' ' | sed -n "s/^\"kind\":\"\([a-z]*\)\".*/$c,\1/p"
done >"$work/items"
# Each month is imported into its own copy of the two-commit repository: an
# import checks every file's content against main, which costs in proportion
# to what main already holds (20,000 files took 9 s into an empty repository
# and 2 to 2.5 min into one holding 20,000 to 80,000). Only the blobs are used.
mkdir "$work/files"
b=0 done_=0
while [ "$b" -lt "$MONTHS" ]; do
	n=$((RECORDS * (b + 1) / MONTHS - done_))
	pf=$(date -u -d "@$(month "$b")" +%Y-%m-01) pt=$(date -u -d "@$(month "$b")" +%Y-%m-28)
	awk -F, -v b="$b" -v n="$n" -v dir="$work/files" -v pf="$pf" -v pt="$pt" '
		{ item[NR - 1] = $1 "," $2 }
		END {
			print "file,controls,kind,title,period_from,period_to"
			for (i = 0; i < n; i++) {
				f = sprintf("%s/b%d-%06d.txt", dir, b, i)
				printf "ledger bench: evidence %d of batch %d\n", i, b > f
				close(f)
				printf "b%d-%06d.txt,%s,Bench evidence %d-%d,%s,%s\n", b, i, item[(b * n + i) % NR], b, i, pf, pt
			}
		}' "$work/items" >"$work/files/batch.csv"
	cp -r "$src" "$work/batch$b.git"
	# signed by the quality manager and the process owner in turn
	as=ada@example.org
	[ $((b % 2)) -eq 1 ] && as=ben@example.org
	SMSAUDIT_REPO="$work/batch$b.git" SMSAUDIT_NOW=$(iso "$(month $((b + 1)))") \
		"$bin" --as "$as" evidence import "$work/files/batch.csv" >/dev/null
	rm -f "$work"/files/*
	done_=$((done_ + n)) b=$((b + 1))
done
t_import=$(now)
echo "fixture: $RECORDS records in $b imports: $(secs "$t_build" "$t_import") s"

# ---- 2. the same blobs as a history of COMMITS commits ----
# For each import: its time, then the paths it added with their blobs.
i=0
while [ "$i" -lt "$b" ]; do
	r="$work/batch$i.git"
	ct=$(git --git-dir="$r" log -1 --format=%ct main)
	git --git-dir="$r" diff-tree -r --no-commit-id --no-renames main^ main | awk -v t="$ct" '{ print t, $4, $6 }'
	i=$((i + 1))
done >"$work/added"   # time blob path
# Both repositories hold the packs of every import (hard links); the history
# adds the pack fast-import writes (its commits and trees), the snapshot the
# trees of its one commit.
git init -q --bare -b main "$hist"
git init -q --bare -b main "$snap"
for r in "$hist" "$snap"; do
	i=0
	while [ "$i" -lt "$b" ]; do
		for p in "$work/batch$i.git"/objects/pack/pack-*; do
			[ -e "$r/objects/pack/${p##*/}" ] || ln "$p" "$r/objects/pack/"
		done
		i=$((i + 1))
	done
done
# The content each evidence record names, read from the records themselves.
awk '$3 ~ /\/ev-[^\/]*\.xml$/ { print $2 }' "$work/added" | git --git-dir="$hist" cat-file --batch |
	sed -n 's/.*<content sha256="\([0-9a-f]*\)".*/\1/p' >"$work/shas"
# One line per evidence record: time, record blob and path, signature blob,
# content blob and path; in signing order (import by import).
awk 'NR == FNR { sha[FNR] = $1; next }
	{ blob[$3] = $2 }
	$3 ~ /\/ev-[^\/]*\.xml$/ { rec[++n] = $3; t[n] = $1 }
	END {
		for (i = 1; i <= n; i++) {
			cp = "content/" substr(sha[i], 1, 2) "/" sha[i]
			if (!(rec[i] ".p7s" in blob) || !(cp in blob)) { print "missing pieces of " rec[i] > "/dev/stderr"; exit 1 }
			print t[i], blob[rec[i]], rec[i], blob[rec[i] ".p7s"], blob[cp], cp
		}
	}' "$work/shas" "$work/added" >"$work/evidence"
[ "$(wc -l <"$work/evidence")" -eq "$RECORDS" ] || { echo "expected $RECORDS evidence records" >&2; exit 1; }
# The stream: the init commit and the grant as they were (their trees, dates
# and messages), then the evidence in COMMITS - 2 commits, each dated after the
# newest signing time it holds (and after the commit before it).
{
	c1=$(git --git-dir="$src" rev-parse main^) c2=$(git --git-dir="$src" rev-parse main)
	for c in "$c1" "$c2"; do
		echo "commit refs/heads/main"
		git --git-dir="$src" log -1 --format='author %an <%ae> %at +0000%ncommitter %cn <%ce> %ct +0000' "$c"
		msg=$(git --git-dir="$src" log -1 --format=%s "$c")
		printf 'data %d\n%s\n' "$(printf %s "$msg" | wc -c)" "$msg"
		if [ "$c" = "$c1" ]; then
			git --git-dir="$src" ls-tree -r "$c"
		else
			git --git-dir="$src" diff-tree -r --no-commit-id --no-renames "$c1" "$c2" | awk '{ print $2, "blob", $4 "\t" $6 }'
		fi | awk -F'\t' '{ split($1, f, " "); print "M", f[1], f[3], $2 }'
		echo
	done
	awk -v n="$RECORDS" -v c="$((COMMITS - 2))" '
		BEGIN { k = 0; last = 0; m = 0 }
		{
			lines[++m] = "M 100644 " $2 " " $3 "\nM 100644 " $4 " " $3 ".p7s\nM 100644 " $5 " " $6
			if ($1 > newest) newest = $1
			if (NR == int((k + 1) * n / c)) {
				when = newest + 600 + k
				if (when <= last) when = last + 1
				last = when
				printf "commit refs/heads/main\nauthor Bench <bench@example.org> %d +0000\ncommitter Bench <bench@example.org> %d +0000\n", when, when
				msg = "evidence: " m " records"
				printf "data %d\n%s\n", length(msg), msg
				for (i = 1; i <= m; i++) print lines[i]
				print ""
				k++; m = 0
			}
		}' "$work/evidence"
} >"$work/stream"
git --git-dir="$hist" fast-import --quiet <"$work/stream"
# The snapshot: the history's last tree as one commit with no parent.
git --git-dir="$hist" ls-tree -r main | GIT_INDEX_FILE="$work/snap.idx" git --git-dir="$snap" update-index --index-info
tree=$(GIT_INDEX_FILE="$work/snap.idx" git --git-dir="$snap" write-tree)
[ "$(git --git-dir="$hist" rev-parse 'main^{tree}')" = "$tree" ] ||
	{ echo "the snapshot's tree differs from the history's" >&2; exit 1; }
last=$(git --git-dir="$hist" log -1 --format=%ct main)
one_commit=$(GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.org GIT_COMMITTER_NAME=Bench \
	GIT_COMMITTER_EMAIL=bench@example.org GIT_AUTHOR_DATE="$last +0000" GIT_COMMITTER_DATE="$last +0000" \
	git --git-dir="$snap" commit-tree "$tree" -m "snapshot of $RECORDS records")
git --git-dir="$snap" update-ref refs/heads/main "$one_commit"
git --git-dir="$snap" repack -d -q # its trees and commit, written loose, into one pack
rm -rf "$src" "$work"/batch*.git "$work/stream" "$work/added" "$work/shas" "$work/snap.idx"
t_fixture=$(now)
echo "fixture: history of $(git --git-dir="$hist" rev-list --count main) commits: $(secs "$t_import" "$t_fixture") s" \
	"(objects: history $(du -sm "$hist/objects" | cut -f1) MiB, snapshot $(du -sm "$snap/objects" | cut -f1) MiB)"

# Both must pass verify before anything is timed.
for r in "$hist" "$snap"; do
	if ! SMSAUDIT_REPO="$r" "$bin" verify >"$work/verify.out" 2>&1; then
		echo "verify FAILED on $(basename "$r"):" >&2
		head -20 "$work/verify.out" >&2
		exit 1
	fi
	echo "$(basename "$r" .git): $(tail -1 "$work/verify.out")"
done

# ---- 3. measurements ----
# one REPO CMD...: run CMD once against REPO; prints "seconds peak-MiB"; stops
# the benchmark if it fails.
one() {
	r=$1
	shift
	t0=$(now)
	if ! SMSAUDIT_REPO=$r /usr/bin/time -f %M -o "$work/rss" "$@" >"$work/out" 2>&1; then
		echo "FAILED on $(basename "$r"): $*" >&2
		head -20 "$work/out" >&2
		exit 1
	fi
	t1=$(now)
	awk -v a="$t0" -v b="$t1" -v m="$(tail -1 "$work/rss")" 'BEGIN { printf "%.3f %d\n", b - a, m / 1024 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%s", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# figures FILE: "median s (min-max), peak MiB" of the "seconds MiB" lines in FILE
figures() {
	printf '%s s (%s-%s), %s MiB' "$(cut -d' ' -f1 "$1" | median)" "$(cut -d' ' -f1 "$1" | sort -n | head -1)" \
		"$(cut -d' ' -f1 "$1" | sort -n | tail -1)" "$(cut -d' ' -f2 "$1" | sort -n | tail -1)"
}
# pair LABEL FN: FN REPO RUN prints one "seconds MiB" line; it runs on the
# history and on the snapshot in turn, RUNS times, and the ratio is the median
# of the ratios of each pair.
pair() {
	: >"$work/h" && : >"$work/s" && : >"$work/q"
	i=1
	while [ "$i" -le "$RUNS" ]; do
		a=$($2 "$hist" "$i")
		s=$($2 "$snap" "$i")
		echo "$a" >>"$work/h" && echo "$s" >>"$work/s"
		echo "${a%% *} ${s%% *}" | awk '{ printf "%.4f\n", $1 / $2 }' >>"$work/q"
		i=$((i + 1))
	done
	echo "$1:"
	echo "    history  $(figures "$work/h")"
	echo "    snapshot $(figures "$work/s")"
	echo "    ratio    $(median <"$work/q" | awk '{ printf "%.2f", $1 }')x (history / snapshot)"
}
# Cold: no cache and no checkpoint (--no-cache replays the whole history and
# reads every object again, whatever an earlier verify pinned).
cold_verify_nc() { rm -rf "$1/smsaudit-cache"; one "$1" "$bin" verify --no-cache --no-content; }
cold_verify() { rm -rf "$1/smsaudit-cache"; one "$1" "$bin" verify --no-cache; }
# Warm: the checkpoint the last clean verify pinned, nothing new since.
warm_verify() { one "$1" "$bin" verify; }
list() { one "$1" "$bin" evidence list; }
status() { one "$1" "$bin" status; }
# add REPO RUN: one evidence record in one more commit, an hour after the last
# commit (timed into REPO's add file)
add() {
	w=$(( $(git --git-dir="$1" log -1 --format=%ct main) + 3600 ))
	echo "ledger bench: one more record, run $2, $(basename "$1"), $w" >"$work/one.txt"
	one "$1" env SMSAUDIT_NOW="$(iso "$w")" "$bin" evidence add "$work/one.txt" --control 8.6.1 --kind record \
		--title "One more record" --period "$pf..$pt" >>"$work/add-$(basename "$1")"
}
add_verify_nc() { add "$1" "$2" && one "$1" "$bin" verify --no-content; }
add_verify() { add "$1" "$2" && one "$1" "$bin" verify; }

load
pair "cold verify --no-content" cold_verify_nc
pair "cold verify" cold_verify
load
pair "evidence list (warm, unchanged)" list
pair "status (warm, unchanged)" status
pair "verify, nothing new since the checkpoint" warm_verify
load
: >"$work/add-history.git" && : >"$work/add-snapshot.git"
pair "verify --no-content after one new commit" add_verify_nc
pair "verify after one new commit" add_verify
echo "evidence add of one file (warm caches):"
echo "    history  $(figures "$work/add-history.git")"
echo "    snapshot $(figures "$work/add-snapshot.git")"
echo "    ratio    $(paste -d' ' "$work/add-history.git" "$work/add-snapshot.git" |
	awk '{ print $1 / $3 }' | median | awk '{ printf "%.2f", $1 }')x (history / snapshot)"
load
# For scale: stock git diffing every commit of the same history against its parent.
: >"$work/g"
i=1
while [ "$i" -le "$RUNS" ]; do
	one "$hist" git --git-dir="$hist" log --raw -r --no-renames --format=%H main >>"$work/g"
	i=$((i + 1))
done
echo "peer: git log --raw -r of the history: $(figures "$work/g")"
load
echo "total: $(secs "$t_build" "$(now)") s"

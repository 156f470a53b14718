#!/bin/sh
# Benchmark for a long-lived repository (issue 17, "Long life"): the latency of
# a write and a read as the history grows to a busy team's years, and what the
# consolidation of packs costs.
#
#   bench/longlife.sh [SCALES]          default: "10 1000 20000" (commits)
#
# For each scale N (records and commits; 20,000 takes a few minutes to build):
#   1. The fixture: N evidence records made by the tool (one `evidence import`,
#      signed by the quality manager), then laid out by `git fast-import` as a
#      history of N commits of one record each, with a checkpoint (a new pack)
#      every LONGLIFE_PER_PACK commits: by default every commit up to 2,000
#      commits, as every version before consolidation left a repository, and
#      every 50 beyond (fast-import slows down with each pack it must search:
#      20,000 one-commit packs take over 20 minutes to make, and no repository
#      written with consolidation ever holds more than 50 packs). The records'
#      blobs stay in the import's pack.
#   2. A `status`, then the first write (`evidence add`) with the tool under
#      test: it rolls the small packs into one, the one-time cost of upgrading
#      such a repository.
#   3. LONGLIFE_RUNS runs (default 7) each of `evidence add` (one small file),
#      `finding raise`, `status` and `status` again (nothing changed since the
#      first: the state index is read): median, fastest and slowest, in ms.
#      Every run is a fresh process; the verification caches are warm, as in use.
#   4. LONGLIFE_MORE (default 60) more `evidence add`s: the slowest of them, with
#      a consolidation among them, and the packs left.
#   5. `status`, `evidence list`, `finding list`, `gap`, `verify --no-cache` and
#      `evidence add` under `ulimit -n 256`.
# LONGLIFE_OLD_BIN=PATH also runs step 3's `status` and `evidence add` (and the
# ulimit check) with that binary (say, one built before consolidation) on a copy
# of the fixture, before any consolidation.
set -eu
SCALES=${1:-"10 1000 20000"}
RUNS=${LONGLIFE_RUNS:-7}
MORE=${LONGLIFE_MORE:-60}
. "$(dirname "$0")/lib.sh"
# One copy of the binaries for the whole run, so that a rebuild meanwhile cannot
# mix versions in one set of figures.
cp "$bin" "$work/smsaudit"
bin="$work/smsaudit"
old=""
if [ -n "${LONGLIFE_OLD_BIN:-}" ]; then
	cp "$LONGLIFE_OLD_BIN" "$work/smsaudit-old"
	old="$work/smsaudit-old"
fi
git() { command git -c gc.auto=0 "$@"; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
ms() { awk "BEGIN{printf \"%.0f\\n\", ($2 - $1) * 1000}"; }
export SMSAUDIT_KEYS="$work/keys" SMSAUDIT_AS=ada@example.org
echo "date: $(date -u +%Y-%m-%d), $(git --version), $(pkg-config --modversion libgit2 2>/dev/null | sed 's/^/libgit2 /')"
echo "disk: $(df -T "$work" | awk 'NR == 2 { print $2 }') ($(df "$work" | awk 'NR == 2 { print $1 }'))"
echo "load: $(uptime | sed 's/.*load average: //')"

npacks() { ls "$1/objects/pack" | grep -c '^pack-.*\.pack$' || true; }

# stats LABEL FILE: median, fastest and slowest of the ms figures in FILE.
stats() {
	sort -n "$2" | awk -v l="$1" '{ a[NR] = $1 } END { printf "  %-28s median %5d ms  (%d .. %d, %d runs)\n", l, a[int((NR + 1) / 2)], a[1], a[NR], NR }'
}

# timed FILE CMD...: run CMD (output discarded), append its time in ms to FILE.
timed() {
	f=$1
	shift
	t0=$(now)
	"$@" >/dev/null 2>"$work/err" || { echo "failed: $*: $(cat "$work/err")" >&2; exit 1; }
	ms "$t0" "$(now)" >>"$f"
}

seq_n=0
add_one() {
	seq_n=$((seq_n + 1))
	echo "longlife bench: one more record $seq_n $(date +%s%N)" >"$work/one.txt"
	"$1" evidence add "$work/one.txt" --control 8.6.1 --kind record --title "One more $seq_n"
}
raise_one() {
	"$1" finding raise --source self-identified --grade observation --clause 8.6.1 \
		--statement "Bench observation $(date +%s%N)"
}

for N in $SCALES; do
	[ "$N" -ge 3 ] || { echo "a scale needs at least 3 commits" >&2; exit 2; }
	echo
	echo "== $N commits"
	rm -rf "$work/s" && mkdir -p "$work/s/files"
	src="$work/s/src.git" batch="$work/s/batch.git" repo="$work/s/ev.git"
	export SMSAUDIT_CONFIG="$work/s/config" SMSAUDIT_REPO="$src"
	t_build=$(now)
	# Signed a day ago, so that every commit can be dated after its record.
	T0=$(($(date +%s) - 86400))
	SMSAUDIT_NOW=$(iso "$T0") "$bin" init "$src" --org "Bench Org" --scope "Managed hosting" --service Hosting \
		--site Leeds --name "Ada Quinn" --email ada@example.org >/dev/null
	rm -rf "$src/smsaudit-cache"
	R=$((N - 1)) # the init commit, then one commit per record
	awk -v n="$R" -v dir="$work/s/files" 'BEGIN {
		print "file,controls,kind,title"
		for (i = 0; i < n; i++) {
			f = sprintf("%s/r%06d.txt", dir, i)
			printf "longlife bench: evidence %d\n", i > f
			close(f)
			printf "r%06d.txt,8.6.1,record,Bench evidence %d\n", i, i
		}
	}' >"$work/s/files/batch.csv"
	cp -r "$src" "$batch"
	SMSAUDIT_REPO="$batch" SMSAUDIT_NOW=$(iso $((T0 + 60))) "$bin" evidence import "$work/s/files/batch.csv" >/dev/null
	rm -rf "$work/s/files"
	# time blob path of every path the import added; one line per record:
	# record blob and path, signature blob, content blob and path.
	git --git-dir="$batch" diff-tree -r --no-commit-id --no-renames main^ main | awk '{ print $4, $6 }' >"$work/s/added"
	awk '$2 ~ /\/ev-[^\/]*\.xml$/ { print $1 }' "$work/s/added" | git --git-dir="$batch" cat-file --batch |
		sed -n 's/.*<content sha256="\([0-9a-f]*\)".*/\1/p' >"$work/s/shas"
	awk 'NR == FNR { sha[FNR] = $1; next }
		{ blob[$2] = $1 }
		$2 ~ /\/ev-[^\/]*\.xml$/ { rec[++n] = $2 }
		END {
			for (i = 1; i <= n; i++) {
				cp = "content/" substr(sha[i], 1, 2) "/" sha[i]
				print blob[rec[i]], rec[i], blob[rec[i] ".p7s"], blob[cp], cp
			}
		}' "$work/s/shas" "$work/s/added" >"$work/s/evidence"
	git init -q --bare -b main "$repo"
	for p in "$batch"/objects/pack/pack-*; do ln "$p" "$repo/objects/pack/"; done
	{
		c1=$(git --git-dir="$src" rev-parse main)
		echo "commit refs/heads/main"
		git --git-dir="$src" log -1 --format='author %an <%ae> %at +0000%ncommitter %cn <%ce> %ct +0000' "$c1"
		msg=$(git --git-dir="$src" log -1 --format=%s "$c1")
		printf 'data %d\n%s\n' "$(printf %s "$msg" | wc -c)" "$msg"
		git --git-dir="$src" ls-tree -r "$c1" | awk -F'\t' '{ split($1, f, " "); print "M", f[1], f[3], $2 }'
		echo
		echo checkpoint
		per=${LONGLIFE_PER_PACK:-$([ "$N" -le 2000 ] && echo 1 || echo 50)}
		awk -v t="$((T0 + 600))" -v per="$per" '{
			when = t + NR
			printf "commit refs/heads/main\nauthor Ada Quinn <ada@example.org> %d +0000\ncommitter Ada Quinn <ada@example.org> %d +0000\n", when, when
			printf "data 19\nevidence: 1 record\n"
			print "M 100644 " $1 " " $2 "\nM 100644 " $3 " " $2 ".p7s\nM 100644 " $4 " " $5
			print ""
			if (NR % per == 0) print "checkpoint"
		}' "$work/s/evidence"
	} | git --git-dir="$repo" -c fastimport.unpackLimit=0 -c core.fsync=none fast-import --quiet
	# The objects of the init commit that fast-import did not write again.
	for p in "$src"/objects/pack/pack-*; do [ -e "$repo/objects/pack/${p##*/}" ] || ln "$p" "$repo/objects/pack/"; done
	rm -rf "$src" "$batch" "$work/s/added" "$work/s/shas" "$work/s/evidence"
	export SMSAUDIT_REPO="$repo"
	echo "fixture: $(git --git-dir="$repo" rev-list --count main) commits, $(npacks "$repo") packs," \
		"$(du -sm "$repo/objects" | cut -f1) MiB, built in $(secs "$t_build" "$(now)") s"
	if [ -n "$old" ]; then
		cp -r "$repo" "$work/s/old.git"
		"$old" verify >/dev/null 2>&1 || true # warm caches and pin, as in use
	fi
	# LONGLIFE_KEEP=DIR keeps a copy of the last fixture, for profiling by hand
	[ -z "${LONGLIFE_KEEP:-}" ] || { rm -rf "$LONGLIFE_KEEP" && cp -r "$work/s" "$LONGLIFE_KEEP" && cp -r "$work/keys" "$LONGLIFE_KEEP/keys"; }
	"$bin" verify >"$work/verify.out" 2>&1 || { echo "the fixture fails verify:" >&2; tail -3 "$work/verify.out" >&2; exit 1; }
	echo "  verify (cold, $(npacks "$repo") packs): ok"

	# 2. a read, then the first write, which consolidates
	: >"$work/t"
	timed "$work/t" "$bin" status
	echo "  status with $(npacks "$repo") packs: $(cat "$work/t") ms"
	: >"$work/t"
	before=$(npacks "$repo")
	timed "$work/t" add_one "$bin"
	echo "  first evidence add: $(cat "$work/t") ms; packs $before -> $(npacks "$repo")"

	# 3. latency
	for what in add status raise again; do
		: >"$work/t.$what"
	done
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		timed "$work/t.add" add_one "$bin"
		timed "$work/t.raise" raise_one "$bin"
		timed "$work/t.status" "$bin" status
		timed "$work/t.again" "$bin" status
		i=$((i + 1))
	done
	stats "evidence add" "$work/t.add"
	stats "finding raise" "$work/t.raise"
	stats "status (after the writes)" "$work/t.status"
	stats "status again (unchanged)" "$work/t.again"
	if [ -n "$old" ]; then
		: >"$work/o.add"
		: >"$work/o.status"
		# The binary before consolidation may fail here (too many open files):
		# that is reported, not fatal.
		i=0
		while [ "$i" -lt "$RUNS" ]; do
			for c in add status; do
				t0=$(now)
				if [ "$c" = add ]; then
					SMSAUDIT_REPO="$work/s/old.git" add_one "$old" >/dev/null 2>"$work/err" && r=0 || r=1
				else
					SMSAUDIT_REPO="$work/s/old.git" "$old" status >/dev/null 2>"$work/err" && r=0 || r=1
				fi
				if [ "$r" = 0 ]; then
					ms "$t0" "$(now)" >>"$work/o.$c"
				else
					echo "  old: $c FAILS: $(head -c 160 "$work/err")"
				fi
			done
			i=$((i + 1))
		done
		[ ! -s "$work/o.add" ] || stats "old: evidence add" "$work/o.add"
		[ ! -s "$work/o.status" ] || stats "old: status" "$work/o.status"
		if (ulimit -n 256 && SMSAUDIT_REPO="$work/s/old.git" "$old" status >/dev/null 2>"$work/err"); then
			echo "  old: status under ulimit -n 256: ok"
		else
			echo "  old: status under ulimit -n 256: FAILS ($(head -c 120 "$work/err"))"
		fi
		rm -rf "$work/s/old.git"
	fi

	# 4. the steady state: more writes, one of them consolidating
	: >"$work/t.more"
	i=0
	while [ "$i" -lt "$MORE" ]; do
		timed "$work/t.more" add_one "$bin"
		i=$((i + 1))
	done
	[ "$MORE" -eq 0 ] || stats "$MORE more evidence adds" "$work/t.more"
	echo "  packs after: $(npacks "$repo") ($(ls -S "$repo"/objects/pack/*.pack | head -1 | xargs du -k | cut -f1) KiB largest)"

	# 5. a low open-file limit: readers, a cold verify, a write
	for c in status "evidence list" "finding list" gap "verify --no-cache" add; do
		t0=$(now)
		if [ "$c" = add ]; then
			(ulimit -n 256 && add_one "$bin" >/dev/null 2>"$work/err") && r=ok || r="FAILS ($(head -c 120 "$work/err"))"
		else
			# shellcheck disable=SC2086
			(ulimit -n 256 && "$bin" $c >/dev/null 2>"$work/err") && r=ok || r="FAILS ($(head -c 120 "$work/err"))"
		fi
		echo "  $c under ulimit -n 256: $r ($(ms "$t0" "$(now)") ms)"
	done
	rm -rf "$work/s"
done

#!/bin/sh
# Benchmark for the gap analysis (issue: gap analysis).
#
#   bench/gap.sh [COUNT] [REPO]
#
# Builds (or reuses, when REPO exists) a repository with COUNT evidence records
# (default 100000) spread over every expected item of the catalogue, added in
# ten imports (ten commits), then times:
#   1. `gap` from cold: no analysis cache (removed first), the OS page cache
#      left as it is. Target: under 10 s.
#   2. `gap` again on the unchanged repository (warm). Target: under 2 s.
#   3. peak memory of both. Target: under 512 MiB.
#   4. `gap` after one more evidence record (the cache is reused for
#      everything but the new record).
# The peer in the same run is `git ls-tree -r main` over the same repository
# (listing every file, which any analysis of the repository has to do at
# least once) and `smsaudit verify --no-content` (the same signature work).
set -eu
COUNT=${1:-100000}
REPO=${2:-}
. "$(dirname "$0")/lib.sh"
[ -n "$REPO" ] || REPO="$work/ev.git"
export SMSAUDIT_KEYS="${REPO%.git}.keys" SMSAUDIT_REPO="$REPO"
# timed LABEL CMD...: wall time and peak RSS of one command
timed() {
	label=$1
	shift
	t0=$(now)
	/usr/bin/time -f "%M" -o "$work/rss" "$@" >/dev/null
	t1=$(now)
	echo "$label: $(secs "$t0" "$t1") s, peak RSS $(($(cat "$work/rss") / 1024)) MiB"
}

if [ ! -d "$REPO" ]; then
	echo "building a repository with $COUNT evidence records in $REPO ..."
	SMSAUDIT_NOW=2026-01-05T09:00:00Z "$bin" init "$REPO" --org "Bench Org" --scope "Benchmark" \
		--name "Bench QM" --email qm@bench.example >/dev/null
	# Every expected item of the catalogue: clause and kind.
	"$bin" catalogue list --assessable --format csv | cut -d, -f1 | tail -n +2 >"$work/clauses"
	for c in $(cat "$work/clauses"); do
		"$bin" catalogue show "$c" --format json | tr -d ' ' | sed -n 's/^"kind":"\([a-z]*\)".*/\1/p' |
			sed "s/^/$c,/"
	done >"$work/items"
	nitems=$(wc -l <"$work/items")
	mkdir "$work/files"
	batch=$((COUNT / 10))
	for b in 0 1 2 3 4 5 6 7 8 9; do
		csv="$work/files/import-$b.csv"
		echo "file,controls,kind,title,period_from,period_to" >"$csv"
		awk -v b="$b" -v n="$batch" -v dir="$work/files" -v ni="$nitems" '
			BEGIN { FS = "," }
			{ clause[NR - 1] = $1; kind[NR - 1] = $2 }
			END {
				for (i = 0; i < n; i++) {
					k = (b * n + i) % ni
					f = sprintf("e%d-%d.txt", b, i)
					printf "evidence %d of batch %d for %s\n", i, b, clause[k] > (dir "/" f)
					close(dir "/" f)
					printf "%s,%s,%s,Bench %s %d,2026-01-01,2026-%02d-28\n", f, clause[k], kind[k], kind[k], i, b + 1
				}
			}' "$work/items" >>"$csv"
		SMSAUDIT_NOW="2026-$(printf %02d $((b + 2)))-01T09:00:00Z" "$bin" evidence import "$csv" >/dev/null
		rm -f "$work"/files/e"$b"-*.txt
		echo "  imported batch $((b + 1))/10"
	done
fi

records=$(git --git-dir="$REPO" ls-tree -r --name-only main records | grep -c '\.xml$')
echo "records: $records"
t0=$(now)
git --git-dir="$REPO" ls-tree -r main >/dev/null
t1=$(now)
lstree=$(secs "$t0" "$t1")
echo "git ls-tree -r main: $lstree s"
timed "smsaudit verify --no-content" "$bin" verify --no-content
rm -rf "$REPO/smsaudit-cache"
timed "smsaudit gap, cold (no cache)" "$bin" gap --at 2026-12-31
timed "smsaudit gap, warm (unchanged repository)" "$bin" gap --at 2026-12-31
echo "one more record $(date +%s%N)" >"$work/one.txt"
SMSAUDIT_NOW=2026-12-01T09:00:00Z "$bin" evidence add "$work/one.txt" --control 8.6.1 --kind record \
	--title "One more" --period 2026-11-01..2026-11-30 >/dev/null
timed "smsaudit gap, after one new record" "$bin" gap --at 2026-12-31

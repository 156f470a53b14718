#!/bin/sh
# Benchmark for audit packs (issue: PDF audit packs).
#
#   bench/pack.sh [COUNT] [REPO]
#
# On a repository with COUNT evidence records (default 10000; built with
# bench/gap.sh when REPO does not exist), plans a stage 2 audit once and times:
#   1. `pack` of the stage 2 pack as a draft (export of every file, SHA256SUMS,
#      the PDF report laid out twice, the signed manifest). Target: under 5 s,
#      peak memory under 256 MiB.
#   2. the peer in the same run: `cp -r` of the pack folder it wrote (creating
#      the same files with no analysis, rendering or signing).
#   3. `verify-pack` of it (--allow-draft: a draft exits 1 otherwise).
# bench/pack.sh 100000 measures the 100,000-record case (about 30 minutes with
# the fixture on 2 cores).
# Each line gives wall time, CPU time (user + system) and peak RSS; the load
# average is printed at the start and the end (other work on the machine
# inflates wall time, not CPU time or memory).
# Run it on a quiet machine and not right after deleting a large folder: file
# creation on a freshly emptied file system is much slower (see RESULTS.md).
set -eu
COUNT=${1:-10000}
REPO=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ -n "$REPO" ] || REPO="$work/ev.git"
export SMSAUDIT_KEYS="${REPO%.git}.keys" SMSAUDIT_REPO="$REPO"
[ -d "$REPO" ] || sh "$here/gap.sh" "$COUNT" "$REPO" >/dev/null
timed() {
	label=$1
	shift
	t0=$(now)
	/usr/bin/time -f "%M %U %S" -o "$work/rss" "$@" >"$work/last" 2>&1
	t1=$(now)
	set -- $(tail -1 "$work/rss")
	echo "$label: $(secs "$t0" "$t1") s (CPU $(awk "BEGIN{printf \"%.1f\", $2 + $3}") s), peak RSS $(($1 / 1024)) MiB"
	LAST=$(secs "$t0" "$t1")
}
export SMSAUDIT_NOW=2026-12-01T09:00:00Z
if ! "$bin" person list --format csv | grep -q "eve@bench.example"; then
	"$bin" --as qm@bench.example person add --name "Eve Cole" --email eve@bench.example --role external-auditor >/dev/null
fi
audit=$("$bin" audit list --type stage2 --format csv | sed -n '2s/,.*//p')
if [ -z "$audit" ]; then
	"$bin" --as qm@bench.example audit plan --type stage2 --dates 2027-01-10..2027-01-12 --body "Bench CB" \
		--lead eve@bench.example >/dev/null
	audit=$("$bin" audit list --type stage2 --format csv | sed -n '2s/,.*//p')
fi
echo "records: $(git --git-dir="$REPO" ls-tree -r --name-only main records | grep -c '\.xml$')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
timed "smsaudit pack (stage 2, draft)" "$bin" --as qm@bench.example pack "$audit" -o "$work/pack" --draft
pack=$LAST
sed -n 's/^Report.*, \([0-9]*\) pages/report: \1 pages/p' "$work/last"
echo "pack.pdf: $(($(wc -c <"$work/pack/pack.pdf") / 1024)) KiB, files: $(find "$work/pack" -type f | wc -l)"
timed "peer: cp -r of the pack" cp -r "$work/pack" "$work/copy"
echo "pack / cp -r: $(ratio "$pack" "$LAST")x"
timed "smsaudit verify-pack" "$bin" verify-pack "$work/pack" --allow-draft
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

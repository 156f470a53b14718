#!/bin/sh
# Benchmark for the reading commands on an unchanged repository (issue 23,
# item 3: at 100,000 records each within 0.2 s and 64 MiB).
#
#   [READ_OLD_BIN=<an older build>] bench/read.sh REPO [RUNS]
#
# REPO is a repository made by bench/gap.sh (its keys beside it in
# REPO-without-.git.keys); it is copied first, so its caches stay as they were.
# For status, gap, evidence list, finding list and audit list, with farm-bench
# (RUNS runs each, default 7, after a warm-up run that writes the caches):
#   1. the command on the unchanged repository, paired with `git ls-tree -r
#      main` of the same repository (what any reader of the tree does at
#      least);
#   2. with READ_OLD_BIN, the same command paired with that build's on a
#      copy of its own (each build keeps its own caches), as the before.
# Output goes to /dev/null inside `sh -c` for both sides of a pair.
set -eu
REPO=${1:?usage: bench/read.sh REPO [RUNS]}
RUNS=${2:-7}
. "$(dirname "$0")/lib.sh"
command -v farm-bench >/dev/null || { echo "farm-bench is needed" >&2; exit 4; }
cp -r "$REPO" "$work/ev.git"
export SMSAUDIT_KEYS="${REPO%.git}.keys" SMSAUDIT_REPO="$work/ev.git"
echo "records: $(git --git-dir="$work/ev.git" ls-tree -r --name-only main records | grep -c '\.xml$')"
peer="sh -c 'exec git --git-dir=$work/ev.git ls-tree -r main >/dev/null'"
for cmd in "status" "gap" "evidence list" "finding list" "audit list"; do
	echo "== smsaudit $cmd (warm) vs git ls-tree -r main"
	farm-bench -n "$RUNS" --timeout 600 --vs "$peer" -- sh -c "exec $bin $cmd >/dev/null"
done
[ -n "${READ_OLD_BIN:-}" ] || exit 0
cp -r "$REPO" "$work/old.git"
for cmd in "status" "gap" "evidence list" "finding list" "audit list"; do
	echo "== smsaudit $cmd (warm) vs the same by $READ_OLD_BIN"
	farm-bench -n "$RUNS" --timeout 600 --vs "sh -c 'exec $READ_OLD_BIN --repo $work/old.git $cmd >/dev/null'" \
		-- sh -c "exec $bin $cmd >/dev/null"
done

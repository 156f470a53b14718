#!/bin/sh
# Benchmark for team sync (issue: a team shares one repository through a git
# server): one clone takes in what another pushed.
#
#   bench/sync.sh [RECORDS]
#
# A server (a bare repository reached by path, so the figures are the tool's
# and not a network's) and two clones, A and B, each verified and pinned.
# A imports RECORDS new evidence files (default 1000, one `evidence import`)
# and syncs them up. Then, SYNC_RUNS times (default 5), pair by pair:
#   sync  a fresh copy of B runs `smsaudit sync`: fetch, fast forward, verify
#         the RECORDS new records since B's checkpoint (signatures, content
#         digests), pin;
#   peer  another copy of B runs stock `git fetch` + `git merge --ff-only`
#         equivalent (`git update-ref` after the fetch) and `openssl cms
#         -verify` of nothing: the transfer alone, what any git client pays.
# Printed: the median of each and their ratio; and, once, A's upward sync of a
# second batch while B is unchanged (push only).
set -eu
RECORDS=${1:-1000}
RUNS=${SYNC_RUNS:-5}
. "$(dirname "$0")/lib.sh"
cp "$bin" "$work/smsaudit"
bin="$work/smsaudit"
export SMSAUDIT_CONFIG="$work/config" SMSAUDIT_KEYS="$work/keys"
git() { command git -c gc.auto=0 "$@"; }
echo "date: $(date -u +%Y-%m-%d), $(git --version), $(pkg-config --modversion libgit2 2>/dev/null | sed 's/^/libgit2 /')"
echo "scale: $RECORDS new records taken in by one sync, $RUNS runs"
echo "load: $(uptime | sed 's/.*load average: //')"

"$bin" init "$work/origin.git" --org "Bench Ltd" --scope Hosting --service Hosting --site Leeds \
	--name "Ada Quinn" --email ada@example.org >/dev/null
git clone -q --bare "$work/origin.git" "$work/server.git"
SMSAUDIT_CONFIG="$work/config-a" "$bin" clone "$work/server.git" "$work/a.git" >/dev/null
"$bin" clone "$work/server.git" "$work/b.git" >/dev/null

# import CLONE N TAG: N generated files in one evidence import on CLONE.
import() {
	dir="$work/files-$3"
	mkdir -p "$dir"
	echo "file,controls,kind,title" >"$dir/batch.csv"
	i=0
	while [ $i -lt "$2" ]; do
		head -c 2048 /dev/urandom >"$dir/f$i.bin"
		echo "f$i.bin,8.6.1,record,$3 $i" >>"$dir/batch.csv"
		i=$((i + 1))
	done
	SMSAUDIT_CONFIG="$work/config-$1" SMSAUDIT_REPO="$work/$1.git" "$bin" --as ada@example.org evidence import "$dir/batch.csv" >/dev/null
}

# A is another person's machine: its pins must not be B's.
t0=$(now)
SMSAUDIT_CONFIG="$work/config-a" SMSAUDIT_REPO="$work/a.git" "$bin" verify >/dev/null
import a "$RECORDS" one
t1=$(now)
SMSAUDIT_CONFIG="$work/config-a" SMSAUDIT_REPO="$work/a.git" "$bin" sync >/dev/null
t2=$(now)
echo "A: import of $RECORDS files $(secs "$t0" "$t1") s; sync up (push) $(secs "$t1" "$t2") s"

: >"$work/t.sync"
: >"$work/t.peer"
r=0
while [ $r -lt "$RUNS" ]; do
	rm -rf "$work/b1.git" "$work/b2.git"
	cp -a "$work/b.git" "$work/b1.git"
	cp -a "$work/b.git" "$work/b2.git"
	# The copies are new places: pin them as B is pinned, checkpoint included.
	SMSAUDIT_REPO="$work/b1.git" "$bin" verify >"$work/verify.out" || { cat "$work/verify.out" >&2; exit 1; }
	s=$(now)
	SMSAUDIT_REPO="$work/b1.git" /usr/bin/time -f "%M" -o "$work/rss" "$bin" sync >"$work/sync.out"
	e=$(now)
	grep -q "fast forward" "$work/sync.out" || { echo "sync did not fast-forward:" >&2; cat "$work/sync.out" >&2; exit 1; }
	secs "$s" "$e" >>"$work/t.sync"
	echo >>"$work/t.sync"
	s=$(now)
	git --git-dir="$work/b2.git" fetch -q "$work/server.git" main
	git --git-dir="$work/b2.git" update-ref refs/heads/main FETCH_HEAD
	e=$(now)
	secs "$s" "$e" >>"$work/t.peer"
	echo >>"$work/t.peer"
	r=$((r + 1))
done
med() { grep . "$1" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ms=$(med "$work/t.sync")
mp=$(med "$work/t.peer")
echo "B: sync taking in $RECORDS records: median $ms s (peak RSS $(($(cat "$work/rss") / 1024)) MiB, last run)"
echo "B: stock git fetch + fast forward of the same: median $mp s"
echo "ratio sync / git: $(ratio "$ms" "$mp")"

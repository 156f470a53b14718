#!/bin/sh
# Ingest and verify of many small files against the stock tools, in pairs.
#
#   bench/ingest.sh [COUNT] [PAIRS] [IMPORT]
#
# 1. `evidence add` of COUNT files of 10 KiB of random bytes (default 10000)
#    into a fresh copy of one initialised repository, paired with the stock
#    pipeline doing the same work: `openssl cms -sign` once per file, then
#    `git add` and `git commit`. Target: at least 40x faster.
# 2. `verify --no-cache` of those COUNT records (signatures, roles, content
#    digests), paired with `openssl cms -verify` run once per record
#    (signatures only). Target: at least 50x faster.
# 3. With IMPORT > 0: peak memory of one `evidence import` of IMPORT files of
#    2 KiB (target: 64 MiB at 100,000).
#
# Each pair runs the two sides one after the other on the same files; the
# ratio of each pair is printed and the median of them is the result, so a
# machine whose speed drifts (other work on it) affects both sides of a pair
# alike. SMSAUDIT_JOBS is passed through (default: the cores).
set -eu
COUNT=${1:-10000}
PAIRS=${2:-3}
IMPORT=${3:-0}
. "$(dirname "$0")/lib.sh"
export SMSAUDIT_KEYS="$work/keys" SMSAUDIT_CONFIG="$work/config"
echo "files: $COUNT x 10 KiB, $PAIRS pairs, load average: $(cut -d' ' -f1-3 /proc/loadavg)"

mkdir "$work/files"
head -c $((COUNT * 10240)) /dev/urandom >"$work/all.bin"
(cd "$work/files" && split -b 10240 -a 5 -d "$work/all.bin" f)
rm "$work/all.bin"
"$bin" init "$work/empty.git" --org "Bench Org" --scope "Benchmark" --name "Bench QM" --email qm@bench.example \
	>/dev/null
key="$work/keys/qm@bench.example.key"
git --git-dir="$work/empty.git" show "main:$(git --git-dir="$work/empty.git" ls-tree -r --name-only main records |
	grep person- | grep -v p7s | head -1)" | sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' |
	sed 's/^ *<certificate>//' >"$work/qm.pem"

# timed FILE CMD...: run CMD, append "wall_seconds peak_kib" to FILE.
timed() {
	f=$1
	shift
	t0=$(now)
	/usr/bin/time -f "%M" -o "$work/rss" "$@" >/dev/null
	t1=$(now)
	echo "$(secs "$t0" "$t1") $(cat "$work/rss")" >>"$f"
}

ours_add() {
	rm -rf "$work/ev.git" "$work/config"
	cp -a "$work/empty.git" "$work/ev.git"
	(cd "$work/files" && export SMSAUDIT_REPO="$work/ev.git" && timed "$work/add.t" "$bin" evidence add f* \
		--control 8.6.1 --kind record --title "Bench record")
}

stock_add() {
	rm -rf "$work/stock"
	mkdir "$work/stock" && git -C "$work/stock" init -q && cp -r "$work/files" "$work/stock/files"
	t0=$(now)
	for f in "$work"/stock/files/f*; do
		openssl cms -sign -binary -outform DER -in "$f" -signer "$work/qm.pem" -inkey "$key" -out "$f.p7s"
	done
	git -C "$work/stock" add files
	git -C "$work/stock" -c user.name=QM -c user.email=qm@bench.example commit -q -m "evidence"
	t1=$(now)
	echo "$(secs "$t0" "$t1")" >>"$work/stock_add.t"
}

ours_verify() {
	(export SMSAUDIT_REPO="$work/ev.git" && timed "$work/verify.t" "$bin" verify --no-cache)
}

stock_verify() {
	t0=$(now)
	for r in "$work"/clone/records/*/*/*/ev-*.xml; do
		openssl cms -verify -binary -inform DER -in "$r.p7s" -content "$r" -CAfile "$work/clone/trust/ca.pem" \
			-out /dev/null 2>/dev/null
	done
	t1=$(now)
	echo "$(secs "$t0" "$t1")" >>"$work/stock_verify.t"
}

# median FILE COLUMN
median() {
	cut -d' ' -f"$2" "$1" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

i=0
while [ $i -lt "$PAIRS" ]; do
	stock_add
	ours_add
	git clone -q "$work/ev.git" "$work/clone.new" && rm -rf "$work/clone" && mv "$work/clone.new" "$work/clone"
	stock_verify
	ours_verify
	i=$((i + 1))
	a=$(tail -1 "$work/add.t" | cut -d' ' -f1) sa=$(tail -1 "$work/stock_add.t")
	v=$(tail -1 "$work/verify.t" | cut -d' ' -f1) sv=$(tail -1 "$work/stock_verify.t")
	echo "pair $i: add $a s vs stock $sa s ($(ratio "$sa" "$a")x); verify $v s vs stock $sv s ($(ratio "$sv" "$v")x)" \
		"load $(cut -d' ' -f1 /proc/loadavg)"
	echo "$(ratio "$sa" "$a")" >>"$work/add.r"
	echo "$(ratio "$sv" "$v")" >>"$work/verify.r"
done
SMSAUDIT_REPO="$work/ev.git" "$bin" verify >/dev/null || { echo "verify of the last repository failed" >&2; exit 1; }
git --git-dir="$work/ev.git" fsck --strict >/dev/null 2>&1 || { echo "git fsck failed" >&2; exit 1; }
echo "evidence add: median $(median "$work/add.t" 1) s, peak RSS $(($(median "$work/add.t" 2) / 1024)) MiB;" \
	"stock $(median "$work/stock_add.t" 1) s; ratio median $(median "$work/add.r" 1)x (target >= 40x)"
echo "verify: median $(median "$work/verify.t" 1) s, peak RSS $(($(median "$work/verify.t" 2) / 1024)) MiB;" \
	"stock $(median "$work/stock_verify.t" 1) s; ratio median $(median "$work/verify.r" 1)x (target >= 50x)"

if [ "$IMPORT" -gt 0 ]; then
	rm -rf "$work/files" "$work/stock" "$work/clone"
	mkdir "$work/imp"
	head -c $((IMPORT * 2048)) /dev/urandom >"$work/all.bin"
	(cd "$work/imp" && split -b 2048 -a 6 -d "$work/all.bin" g)
	rm "$work/all.bin"
	(echo "file,controls,kind,title"; cd "$work/imp" && for f in g*; do echo "$f,8.6.1,record,Import $f"; done) \
		>"$work/imp/import.csv"
	rm -rf "$work/ev.git" "$work/config"
	cp -a "$work/empty.git" "$work/ev.git"
	(export SMSAUDIT_REPO="$work/ev.git" && timed "$work/import.t" "$bin" evidence import "$work/imp/import.csv")
	read -r el rss <"$work/import.t"
	echo "evidence import of $IMPORT files of 2 KiB: $el s, peak RSS $((rss / 1024)) MiB (target <= 64 MiB)"
fi

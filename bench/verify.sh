#!/bin/sh
# verify --no-cache against its peers, in CPU time (user + sys of the whole
# process tree), which a machine shared with other work changes least.
#
#   bench/verify.sh [COUNT] [RUNS] [STOCK]
#
# 1. One `evidence import` of COUNT files of 2 KiB of random bytes (default
#    10000): COUNT evidence records in one commit.
# 2. RUNS times (default 3): `verify --no-cache` (every signature, role and
#    content digest), paired with stock `openssl cms -verify` run once per
#    record on STOCK of them (default 1000; its CPU time is scaled to COUNT).
#    Target: at least 50x the stock loop at 10,000 records.
# 3. The signature floor: COUNT / the ECDSA P-256 verifications a CPU-second
#    (`openssl speed`). Target: a cold replay of 100,000 records within 1.3x
#    of it.
set -eu
COUNT=${1:-10000}
RUNS=${2:-3}
STOCK=${3:-1000}
. "$(dirname "$0")/lib.sh"
export SMSAUDIT_KEYS="$work/keys" SMSAUDIT_CONFIG="$work/config" SMSAUDIT_REPO="$work/ev.git"
echo "records: $COUNT x 2 KiB, $RUNS runs, stock loop on $STOCK; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

"$bin" init "$work/ev.git" --org "Bench Org" --scope "Benchmark" --name "Bench QM" --email qm@bench.example \
	>/dev/null
mkdir "$work/imp"
head -c $((COUNT * 2048)) /dev/urandom >"$work/all.bin"
(cd "$work/imp" && split -b 2048 -a 6 -d "$work/all.bin" g)
rm "$work/all.bin"
(echo "file,controls,kind,title"; cd "$work/imp" && for f in g*; do echo "$f,8.6.1,record,Import $f"; done) \
	>"$work/imp/import.csv"
"$bin" evidence import "$work/imp/import.csv" >/dev/null
rm -rf "$work/imp"
git clone -q "$work/ev.git" "$work/clone"
ls "$work"/clone/records/*/*/*/ev-*.xml | head -n "$STOCK" >"$work/stock.list"
nstock=$(wc -l <"$work/stock.list")

# cpu CMD...: CPU seconds of CMD and its children.
cpu() {
	/usr/bin/time -f "%U %S" -o "$work/t" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
	awk '{ printf "%.2f", $1 + $2 }' "$work/t"
}

i=0
while [ "$i" -lt "$RUNS" ]; do
	i=$((i + 1))
	ours=$(cpu "$bin" verify --no-cache)
	/usr/bin/time -f "%U %S" -o "$work/t" sh -c '
		while read -r r; do
			openssl cms -verify -binary -inform DER -in "$r.p7s" -content "$r" -CAfile "$1" -out /dev/null 2>/dev/null
		done <"$2"' sh "$work/clone/trust/ca.pem" "$work/stock.list"
	stock=$(awk -v n="$nstock" -v c="$COUNT" '{ printf "%.2f", ($1 + $2) * c / n }' "$work/t")
	echo "run $i: verify --no-cache $ours CPU-s; stock loop $stock CPU-s (scaled to $COUNT);" \
		"$(ratio "$stock" "$ours")x; load $(cut -d' ' -f1 /proc/loadavg)"
	echo "$ours" >>"$work/ours"
	echo "$(ratio "$stock" "$ours")" >>"$work/ratios"
done
rate=$(openssl speed -seconds 2 ecdsap256 2>/dev/null | awk '/nistp256/ { print $NF }')
floor=$(awk -v n="$COUNT" -v r="$rate" 'BEGIN { printf "%.2f", n / r }')
med() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "verify --no-cache: median $(med "$work/ours") CPU-s; ratio to the stock loop, median $(med "$work/ratios")x" \
	"(target >= 50x at 10,000)"
echo "signature floor: $COUNT / $rate verifies/s = $floor CPU-s; verify is $(ratio "$(med "$work/ours")" "$floor")x it" \
	"(target <= 1.3x at 100,000)"

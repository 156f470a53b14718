#!/bin/sh
# Benchmark for trusted time (issue: RFC 3161 timestamps).
#
#   bench/tsa.sh [COMMITS]
#
# Two repositories built the same way, one commit with one evidence record at a
# time (COMMITS of them, default 1000): "stamped" has a time-stamping authority
# configured (stock `openssl ts -reply` on loopback behind tests/tsa-server,
# built by `make tests`), "plain" has none. Measured, pair by pair:
#   a. the write latency of `evidence add` of one file (median of the last 20
#      adds of each), stamped against plain: the cost of asking for a token;
#   b. cold `verify --no-cache` of each: the difference is checking COMMITS
#      tokens (signature and chain at the token's time, imprint, the listed
#      signature's SHA-256), given per token and for 10,000.
# The TSA runs on the same 2 cores, so (a) includes the TSA's own work
# (an `openssl ts -reply` process per request), which a real TSA does elsewhere.
set -eu
COMMITS=${1:-1000}
. "$(dirname "$0")/lib.sh"
server="$root/build/tests/tsa-server"
[ -x "$server" ] || { echo "build the tests first: make tests" >&2; exit 4; }
# One copy of the binaries for the whole run: a rebuild meanwhile cannot mix versions.
cp "$bin" "$work/smsaudit" && cp "$server" "$work/tsa-server"
bin="$work/smsaudit" server="$work/tsa-server"
export SMSAUDIT_CONFIG="$work/config" SMSAUDIT_KEYS="$work/keys"
echo "date: $(date -u +%Y-%m-%d), $(openssl version)"
echo "scale: $COMMITS commits of one evidence record each, per repository"

tsa="$work/tsa"
"$root/scripts/local-tsa" "$tsa" "Bench TSA"
"$server" "$tsa" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
i=0
while [ ! -s "$tsa/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
url="http://127.0.0.1:$(cat "$tsa/port")/"

for r in stamped plain; do
	"$bin" init "$work/$r.git" --org "Bench $r" --scope Hosting --service Hosting --site Leeds --name "Ada Q" \
		--email ada@example.org >/dev/null
done
SMSAUDIT_REPO="$work/stamped.git" "$bin" --as ada@example.org tsa add --url "$url" --ca "$tsa/ca.pem" >/dev/null

# one REPO N: evidence add of one new file; prints seconds
one() {
	echo "bench $1 $2 $(date +%s%N)" >"$work/f.txt"
	a=$(now)
	SMSAUDIT_REPO="$work/$1.git" "$bin" --as ada@example.org evidence add "$work/f.txt" --control 8.6.1 \
		--kind record --title "Record $2" >/dev/null
	b=$(now)
	secs "$a" "$b"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
: >"$work/t-stamped" && : >"$work/t-plain"
n=1
start=$(now)
while [ "$n" -le "$COMMITS" ]; do
	s=$(one stamped "$n")
	p=$(one plain "$n")
	if [ "$n" -gt $((COMMITS - 20)) ]; then
		echo "$s" >>"$work/t-stamped"
		echo "$p" >>"$work/t-plain"
	fi
	n=$((n + 1))
done
echo "built both in $(secs "$start" "$(now)") s"
ms=$(median <"$work/t-stamped")
mp=$(median <"$work/t-plain")
echo "evidence add, one file (median of the last 20): stamped $ms s, plain $mp s, ratio $(ratio "$ms" "$mp")x"

# Cold verify of each, three pairs; the figure is the median difference.
: >"$work/d"
for k in 1 2 3; do
	for r in stamped plain; do
		rm -rf "$work/$r.git/smsaudit-cache"
		a=$(now)
		SMSAUDIT_REPO="$work/$r.git" "$bin" verify --no-cache >"$work/v-$r" 2>&1 || { cat "$work/v-$r"; exit 1; }
		b=$(now)
		eval "t_$r=$(secs "$a" "$b")"
	done
	echo "verify --no-cache, pair $k: stamped $t_stamped s, plain $t_plain s"
	awk "BEGIN{print $t_stamped - $t_plain}" >>"$work/d"
done
d=$(median <"$work/d")
echo "checking $COMMITS tokens: $d s (median difference), $(awk "BEGIN{printf \"%.3f\", 1000 * $d / $COMMITS}") ms per token, $(awk "BEGIN{printf \"%.1f\", 10000 * $d / $COMMITS}") s for 10,000"
tail -1 "$work/v-stamped"

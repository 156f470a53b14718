#!/bin/sh
# Benchmark: one big file (issue 23, target 2).
#
#   bench/bigfile.sh [MIB] [RUNS] [KIND]
#
# `evidence add` of one MIB-MiB file (default 1024) into a fresh repository,
# against `openssl dgst -sha256` of the same file. Runs are paired: each run
# times the peer and then smsaudit right after it, so both see the same
# machine (it is shared: other work slows one run and not the next). Each
# pair gives a wall-clock ratio and a CPU ratio (user + system seconds; the
# CPU ratio does not improve with a second core, the wall-clock one does);
# the medians over RUNS (default 3) are the result. Peak RSS is GNU time -v's
# "Maximum resident set size" of `evidence add`.
#
# KIND: random (default: incompressible, the worst case before this writer,
# when zlib deflated every byte), text (CSV-like rows that compress: the case
# that is still deflated), or both.
#
# Targets: wall-clock ratio <= 2 on random content, peak RSS <= 64 MiB. After
# the runs the last repository is checked: git fsck --full, verify, and the
# content read back byte for byte.
set -eu
MIB=${1:-1024}
RUNS=${2:-3}
KIND=${3:-random}
. "$(dirname "$0")/lib.sh"
export SMSAUDIT_KEYS="$work/keys" SMSAUDIT_REPO="$work/big.git"

# gtime OUT CMD...: run CMD under GNU time -v; OUT gets "wall user sys rss_kib".
gtime() {
	o=$1
	shift
	/usr/bin/time -v -o "$o.v" "$@" >/dev/null
	awk -F': ' '
		/Elapsed \(wall clock\)/ { n = split($2, t, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + t[i] }
		/User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident set size/ { m = $2 }
		END { printf "%.2f %.2f %.2f %d\n", w, u, s, m }' "$o.v" >"$o"
}

median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.2f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

make_file() {
	case $1 in
	random) head -c $((MIB * 1048576)) /dev/urandom >"$work/big.bin" ;;
	text) seq -f "%012g,2026-03-01,INC resolved within the agreed service level,priority 2" 1 $((MIB * 16384)) \
		| head -c $((MIB * 1048576)) >"$work/big.bin" ;;
	*) echo "unknown KIND $1 (random, text or both)" >&2; exit 2 ;;
	esac
	cat "$work/big.bin" >/dev/null # in the page cache for both sides
}

one_kind() {
	kind=$1
	make_file "$kind"
	echo "content: $MIB MiB, $kind; $RUNS paired runs (peer first, then smsaudit)"
	: >"$work/wall"
	: >"$work/cpu"
	i=1
	while [ "$i" -le "$RUNS" ]; do
		rm -rf "$SMSAUDIT_REPO"
		"$bin" init "$SMSAUDIT_REPO" --org "Bench Org" --scope "Benchmark" --name "Bench QM" \
			--email qm@bench.example >/dev/null
		load=$(cut -d' ' -f1 /proc/loadavg)
		gtime "$work/peer.t" openssl dgst -sha256 "$work/big.bin"
		gtime "$work/ours.t" "$bin" evidence add "$work/big.bin" --control 8.6.1 --kind record --title "Big"
		read -r pw pu ps pm <"$work/peer.t"
		read -r ow ou os om <"$work/ours.t"
		wr=$(awk "BEGIN{printf \"%.2f\", $ow / $pw}")
		cr=$(awk "BEGIN{printf \"%.2f\", ($ou + $os) / ($pu + $ps)}")
		echo "$wr" >>"$work/wall"
		echo "$cr" >>"$work/cpu"
		echo "  run $i (load $load): openssl dgst -sha256 ${pw} s (cpu $(awk "BEGIN{print $pu + $ps}") s);" \
			"evidence add ${ow} s (cpu $(awk "BEGIN{print $ou + $os}") s, peak RSS $((om / 1024)) MiB);" \
			"ratio ${wr}x wall, ${cr}x cpu"
		i=$((i + 1))
	done
	echo "=> $kind: median ratio $(median <"$work/wall")x wall-clock, $(median <"$work/cpu")x CPU" \
		"(target <= 2x wall on random content, peak RSS <= 64 MiB)"
	obj=$(du -sk "$SMSAUDIT_REPO/objects" | cut -f1)
	echo "   repository objects: $((obj / 1024)) MiB for $MIB MiB of content"
	git --git-dir="$SMSAUDIT_REPO" fsck --full --strict >/dev/null 2>&1 && echo "   git fsck --full --strict: ok" \
		|| { echo "   git fsck --full --strict: FAILED" >&2; exit 1; }
	"$bin" verify >/dev/null && echo "   verify: ok" || { echo "   verify: FAILED" >&2; exit 1; }
	id=$("$bin" evidence list --format csv | awk -F, '$0 ~ /Big/ { print $1; exit }')
	"$bin" evidence get "$id" -o "$work/back.bin" >/dev/null
	cmp -s "$work/big.bin" "$work/back.bin" && echo "   evidence get: byte-identical" \
		|| { echo "   evidence get: content differs" >&2; exit 1; }
	rm -f "$work/back.bin"
}

case $KIND in
both) one_kind random; one_kind text ;;
*) one_kind "$KIND" ;;
esac

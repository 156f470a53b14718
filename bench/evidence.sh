#!/bin/sh
# Benchmarks for the evidence repository (issue: evidence repository).
#
#   bench/evidence.sh [COUNT] [BIG_MIB]
#
# 1. `evidence add` of COUNT files of 10 KiB (default 10000) against the same
#    work with stock tools: `openssl cms -sign` once per file, then `git add`
#    and `git commit`. Target: at least 10x faster.
# 2. `evidence add` of one BIG_MIB file (default 1024): peak memory (target
#    < 64 MiB) and time against `git hash-object -w` on the same file (target
#    within 1.5x). bench/bigfile.sh times the same add against
#    `openssl dgst -sha256`, in paired runs.
# 3. `verify` of the COUNT records against `openssl cms -verify` run once per
#    record. Target: at least 10x faster.
#
# Ratios are measured in one run on one machine, so a busy machine slows both
# sides. Results go to stdout; copy them into bench/RESULTS.md with the machine.
set -eu
COUNT=${1:-10000}
BIG=${2:-1024}
ONLY=${3:-all}   # "big" runs part 2 alone
. "$(dirname "$0")/lib.sh"
export SMSAUDIT_KEYS="$work/keys" SMSAUDIT_REPO="$work/ev.git"
echo "files: $COUNT x 10 KiB"

mkdir "$work/files"
head -c $((COUNT * 10240)) /dev/urandom >"$work/all.bin"
(cd "$work/files" && split -b 10240 -a 5 -d "$work/all.bin" f)
rm "$work/all.bin"

"$bin" init "$work/ev.git" --org "Bench Org" --scope "Benchmark" --name "Bench QM" --email qm@bench.example >/dev/null

if [ "$ONLY" != big ]; then
# --- 1. evidence add, smsaudit ---
t0=$(now)
(cd "$work/files" && "$bin" evidence add f* --control 8.6.1 --kind record --title "Bench record" >/dev/null)
t1=$(now)
ours=$(secs "$t0" "$t1")
echo "smsaudit evidence add: $ours s"

# --- 1. the same with stock tools ---
key="$work/keys/qm@bench.example.key"
git --git-dir="$SMSAUDIT_REPO" show "main:$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main records | grep person- | grep -v p7s | head -1)" \
	| sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' | sed 's/^ *<certificate>//' >"$work/qm.pem"
mkdir "$work/stock" && git -C "$work/stock" init -q && cp -r "$work/files" "$work/stock/files"
t0=$(now)
for f in "$work"/stock/files/f*; do
	openssl cms -sign -binary -outform DER -in "$f" -signer "$work/qm.pem" -inkey "$key" -out "$f.p7s"
done
git -C "$work/stock" add files
git -C "$work/stock" -c user.name=QM -c user.email=qm@bench.example commit -q -m "evidence"
t1=$(now)
stock=$(secs "$t0" "$t1")
echo "stock openssl cms -sign + git add + git commit: $stock s"
echo "=> evidence add is $(ratio "$stock" "$ours")x faster (target >= 10x)"

# --- 3. verify ---
t0=$(now)
"$bin" verify >/dev/null
t1=$(now)
vours=$(secs "$t0" "$t1")
echo "smsaudit verify ($COUNT records + content digests): $vours s"
git clone -q "$SMSAUDIT_REPO" "$work/clone"
t0=$(now)
for r in "$work"/clone/records/*/*/*/ev-*.xml; do
	openssl cms -verify -binary -inform DER -in "$r.p7s" -content "$r" -CAfile "$work/clone/trust/ca.pem" \
		-out /dev/null 2>/dev/null
done
t1=$(now)
vstock=$(secs "$t0" "$t1")
echo "stock openssl cms -verify per record: $vstock s"
echo "=> verify is $(ratio "$vstock" "$vours")x faster (target >= 10x)"
fi

# --- 2. one big file, into a fresh repository so that only the file's size
# counts (a repository with thousands of records maps more pack pages) ---
rm -rf "$work/stock" "$work/clone" "$work/files"
export SMSAUDIT_REPO="$work/big.git"
"$bin" init "$work/big.git" --org "Bench Org" --scope "Benchmark" --name "Bench QM" --email qm@bench.example >/dev/null
head -c $((BIG * 1048576)) /dev/urandom >"$work/big.bin"
/usr/bin/time -f "%M %e" -o "$work/ours.time" "$bin" evidence add "$work/big.bin" --control 8.6.1 --kind record \
	--title "Big" >/dev/null
git init -q --bare "$work/plain.git"
/usr/bin/time -f "%M %e" -o "$work/git.time" git --git-dir="$work/plain.git" hash-object -w "$work/big.bin" >/dev/null
read -r rss el <"$work/ours.time"
read -r grss gel <"$work/git.time"
echo "smsaudit evidence add of $BIG MiB: $el s, peak RSS $((rss / 1024)) MiB (target < 64 MiB)"
echo "git hash-object -w of $BIG MiB: $gel s, peak RSS $((grss / 1024)) MiB"
echo "=> time ratio smsaudit/git = $(ratio "$el" "$gel") (target <= 1.5)"

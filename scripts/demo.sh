#!/bin/sh
# make demo: the catalogue, then an evidence repository for the fictional
# Northwind Managed Services built from examples/northwind, verified with
# smsaudit and with stock openssl. Everything goes to demo-out/ (keys too:
# the demo never touches your own key directory).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-build/smsaudit}
case $bin in /*) ;; *) bin="$root/$bin" ;; esac
out="$root/demo-out"
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B=$(printf '\033[1m'); R=$(printf '\033[0m'); else B=; R=; fi
say() { printf '\n%s== %s%s\n' "$B" "$*" "$R"; }

rm -rf "$out"
mkdir -p "$out"
export SMSAUDIT_KEYS="$out/keys" SMSAUDIT_REPO="$out/northwind.git"
unset SMSAUDIT_AS SMSAUDIT_KEY SMSAUDIT_PASSPHRASE

say "The ISO/IEC 20000-1:2018 control catalogue"
"$bin" catalogue info
say "One clause in detail: 8.5.1.2 Change management initiation"
"$bin" catalogue show 8.5.1.2

say "A new evidence repository for Northwind Managed Services"
"$bin" init "$SMSAUDIT_REPO" --org "Northwind Managed Services" \
	--scope "Managed Hosting and Service Desk for business customers, from Leeds and Porto" \
	--service "Managed Hosting" --service "Service Desk" --site Leeds --site Porto \
	--cb "Example Certification Ltd" --name "Ada Quinn" --email ada@northwind.example

say "People and their roles (each gets a key and a certificate from the organisation's CA)"
"$bin" --as ada@northwind.example person add --name "Ben Ortiz" --email ben@northwind.example --role process-owner
"$bin" --as ada@northwind.example person add --name "Carla Reis" --email carla@northwind.example --role internal-auditor
"$bin" person list

say "Evidence intake from examples/northwind/intake.csv (one signed record per file, one commit)"
"$bin" --as ben@northwind.example evidence import "$root/examples/northwind/intake.csv"
"$bin" evidence list

say "A newer policy supersedes the old one"
sed 's/(v3)/(v4)/' "$root/examples/northwind/sm-policy.md" >"$out/sm-policy-v4.md"
new=$("$bin" --as ada@northwind.example evidence add "$out/sm-policy-v4.md" --control 5.2.1 --kind policy \
	--title "Service management policy v4" --valid-until 2027-12-31 --format csv | sed -n '2s/,.*//p')
old=$("$bin" evidence list --format csv | grep "policy v3" | cut -d, -f1)
"$bin" --as ada@northwind.example evidence supersede "$old" "$new" --reason "annual review"

say "Self-assessments by the process owner"
"$bin" --as ben@northwind.example assess 8.5.1.2 --result partial \
	--note "RFCs are recorded, but a third are not classified yet"
"$bin" --as ben@northwind.example assess 8.6.2 --result conformant --other-party "Acme Hosting Ltd" \
	--note "Service requests are fulfilled by Acme under contract C-12"

say "An internal audit finds a nonconformity; it is corrected, planned, implemented, verified and closed"
rfc=$("$bin" evidence list --control 8.5.1.2 --format csv | sed -n '2s/,.*//p')
"$bin" --as carla@northwind.example finding raise --source internal-audit --grade minor --clause 8.5.1.2 \
	--statement "3 of 25 sampled RFCs (RFC-1043, RFC-1077, RFC-1102) had no risk assessment" --evidence "$rfc"
"$bin" --as ben@northwind.example finding correct NC-$(date -u +%Y)-001 --text "The 3 changes were assessed retrospectively"
"$bin" --as ben@northwind.example finding cause NC-$(date -u +%Y)-001 --method 5-whys \
	--text "The RFC form lets a change be submitted without the risk field"
"$bin" --as ben@northwind.example finding plan NC-$(date -u +%Y)-001 \
	--action "Make the risk field mandatory in the RFC form" --owner ben@northwind.example --due 2099-12-31
"$bin" --as ben@northwind.example finding implement NC-$(date -u +%Y)-001 --action A1 --note "Field mandatory since release 4.2"
"$bin" --as carla@northwind.example finding verify NC-$(date -u +%Y)-001 --effective \
	--note "Sampled 20 RFCs raised since the release: all have a risk assessment"
"$bin" --as carla@northwind.example finding close NC-$(date -u +%Y)-001 --note "Closed after verification"
say "Two more findings stay open"
"$bin" --as carla@northwind.example finding raise --source internal-audit --grade minor --clause 8.6.1 \
	--statement "Major incident reviews are not recorded for 2 of 4 major incidents"
"$bin" --as ben@northwind.example finding cause NC-$(date -u +%Y)-002 --method fishbone \
	--text "No owner for the review step after a major incident"
"$bin" --as ben@northwind.example finding plan NC-$(date -u +%Y)-002 \
	--action "Name the incident manager as review owner" --owner ben@northwind.example --due 2099-12-31
"$bin" --as ada@northwind.example finding raise --source self-identified --grade ofi --clause 9.1 \
	--statement "Service reports could show 12-month trends"
"$bin" finding list
"$bin" finding show NC-$(date -u +%Y)-001

say "Audits: this year's internal audit programme and the certification audits ahead"
"$bin" --as ada@northwind.example person add --name "Eve Cole" --email eve@cb.example --role external-auditor
today=$(date -u +%Y-%m-%d)
"$bin" --as ada@northwind.example audit plan --type internal --dates "$today..$today" --body "Internal audit team" \
	--lead carla@northwind.example --clause 4 --clause 5 --clause 6 --clause 7 --clause 8
"$bin" audit programme --year "$(date -u +%Y)"
stage1=$("$bin" --as ada@northwind.example audit plan --type stage1 \
	--dates "$(date -u -d '+30 days' +%Y-%m-%d)..$(date -u -d '+31 days' +%Y-%m-%d)" \
	--body "Example Certification Ltd" --lead eve@cb.example --site Leeds | tee /dev/stderr |
	sed -n 's/.* audit \(audit-[0-9a-f-]*\) .*/\1/p')
"$bin" --as ada@northwind.example audit plan --type stage2 \
	--dates "$(date -u -d '+60 days' +%Y-%m-%d)..$(date -u -d '+62 days' +%Y-%m-%d)" \
	--body "Example Certification Ltd" --lead eve@cb.example --site Leeds --site Porto
"$bin" audit list
say "The certification cycle: what is due when (the decision follows stage 2)"
"$bin" cycle
say "What each surveillance will cover once certified"
"$bin" cycle plan-surveillance

say "Gap analysis: every clause with its reasons, roll-ups, stage verdicts"
"$bin" gap || true
say "Why one clause is where it is"
"$bin" gap --explain 8.2.3
say "The quality manager's dashboard"
"$bin" status

say "Verification with smsaudit: every record, signature, role and content digest"
"$bin" verify

say "The stage 1 pack (files and signed manifest; the PDF report comes next), verified offline"
"$bin" --as ada@northwind.example pack "$stage1" -o "$out/stage1-pack"
"$bin" verify-pack "$out/stage1-pack"

say "The same repository as stock git sees it"
git --git-dir="$SMSAUDIT_REPO" log --format='%h %an: %s' main
git --git-dir="$SMSAUDIT_REPO" fsck --strict && echo "git fsck --strict: clean"

say "An auditor's check of one record with stock openssl and sha256sum"
rm -rf "$out/clone"
git clone -q "$SMSAUDIT_REPO" "$out/clone"
cd "$out/clone"
rec=$(ls records/*/*/*/ev-*.xml | head -1)
echo "trust anchor: $(openssl x509 -in trust/ca.pem -outform DER | sha256sum | cut -c1-64)"
openssl cms -verify -binary -inform DER -in "$rec.p7s" -content "$rec" -CAfile trust/ca.pem -out /dev/null
sha=$(sed -n 's/.*sha256="\([0-9a-f]*\)".*/\1/p' "$rec")
echo "$sha  content/$(echo "$sha" | cut -c1-2)/$sha" | sha256sum -c

say "Done. The repository is $SMSAUDIT_REPO (keys in $SMSAUDIT_KEYS)."

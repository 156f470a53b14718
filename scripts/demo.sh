#!/bin/sh
# make demo: the catalogue, then an evidence repository for the fictional
# Northwind Managed Services built from examples/northwind, verified with
# smsaudit and with stock openssl. Everything goes to demo-out/ (keys too:
# the demo never touches your own key directory).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-build/smsaudit}
case $bin in /*) ;; *) bin="$root/$bin" ;; esac
# A time-stamping authority on loopback for the trusted-time part (built by make demo).
tsa_server=${2:-$(dirname "$bin")/tests/tsa-server}
case $tsa_server in /*) ;; *) tsa_server="$root/$tsa_server" ;; esac
out="$root/demo-out"
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B=$(printf '\033[1m'); R=$(printf '\033[0m'); else B=; R=; fi
say() { printf '\n%s== %s%s\n' "$B" "$*" "$R"; }

rm -rf "$out"
mkdir -p "$out"
export SMSAUDIT_KEYS="$out/keys" SMSAUDIT_REPO="$out/northwind.git" SMSAUDIT_CONFIG="$out/config"
unset SMSAUDIT_AS SMSAUDIT_KEY SMSAUDIT_PASSPHRASE

# The story starts 400 days ago, so that stage 1 and stage 2 are behind us and
# the first surveillance is coming. SMSAUDIT_NOW sets the clock records are
# signed with; day N is N days after the start.
day() { date -u -d "@$(( $(date -u +%s) - 400 * 86400 + $1 * 86400 ))" +%Y-%m-%d; }
at() { SMSAUDIT_NOW=$(day "$1"); export SMSAUDIT_NOW; }
at 0
Y=$(day 0 | cut -c1-4)

# examples/northwind holds a half-year whose data end on 2026-06-30. Every year
# in it (file names and contents) moves by K whole years, K the largest that
# puts that end before day 0: the records signed on day 0 then cover periods
# that are over, and the documents stay valid through the story.
md0=$(day 0 | cut -c6-)
if [ "$md0" \> "06-30" ]; then K=$((Y - 2026)); else K=$((Y - 2027)); fi
shift_years() { perl -pe "s/(?<![0-9])(20[2-3][0-9])(?![0-9])/\$1+($K)/ge"; }
ex="$out/northwind"
mkdir -p "$ex"
for f in "$root"/examples/northwind/*; do
	shift_years <"$f" >"$ex/$(basename "$f" | shift_years)"
done

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
"$bin" --as ben@northwind.example evidence import "$ex/intake.csv"
"$bin" evidence list

say "A newer policy supersedes the old one"
sed 's/(v3)/(v4)/' "$ex/sm-policy.md" >"$out/sm-policy-v4.md"
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
"$bin" --as ben@northwind.example finding correct NC-$Y-001 --text "The 3 changes were assessed retrospectively"
"$bin" --as ben@northwind.example finding cause NC-$Y-001 --method 5-whys \
	--text "The RFC form lets a change be submitted without the risk field"
"$bin" --as ben@northwind.example finding plan NC-$Y-001 \
	--action "Make the risk field mandatory in the RFC form" --owner ben@northwind.example --due 2099-12-31
"$bin" --as ben@northwind.example finding implement NC-$Y-001 --action A1 --note "Field mandatory since release 4.2"
"$bin" --as carla@northwind.example finding verify NC-$Y-001 --effective \
	--note "Sampled 20 RFCs raised since the release: all have a risk assessment"
"$bin" --as carla@northwind.example finding close NC-$Y-001 --note "Closed after verification"
say "Two more findings stay open"
"$bin" --as carla@northwind.example finding raise --source internal-audit --grade minor --clause 8.6.1 \
	--statement "Major incident reviews are not recorded for 2 of 4 major incidents"
"$bin" --as ben@northwind.example finding cause NC-$Y-002 --method fishbone \
	--text "No owner for the review step after a major incident"
"$bin" --as ben@northwind.example finding plan NC-$Y-002 \
	--action "Name the incident manager as review owner" --owner ben@northwind.example --due 2099-12-31
"$bin" --as ada@northwind.example finding raise --source self-identified --grade ofi --clause 9.1 \
	--statement "Service reports could show 12-month trends"
"$bin" finding list
"$bin" finding show NC-$Y-001

say "Audits: this year's internal audit programme and the certification audits ahead"
"$bin" --as ada@northwind.example person add --name "Eve Cole" --email eve@cb.example --role external-auditor
# Plan an audit, show what was recorded, print its id.
plan() {
	o=$("$bin" --as ada@northwind.example audit plan "$@") || exit 1
	printf '%s\n' "$o" >&2
	printf '%s\n' "$o" | sed -n 's/.* audit \(audit-[0-9a-f-]*\) .*/\1/p'
}
"$bin" --as ada@northwind.example audit plan --type internal --dates "$(day 0)..$(day 0)" --body "Internal audit team" \
	--lead carla@northwind.example --clause 4 --clause 5 --clause 6 --clause 7 --clause 8
"$bin" audit programme --year "$Y"
stage1=$(plan --type stage1 --dates "$(day 30)..$(day 31)" \
	--body "Example Certification Ltd" --lead eve@cb.example --site Leeds)
stage2=$(plan --type stage2 --dates "$(day 60)..$(day 62)" \
	--body "Example Certification Ltd" --lead eve@cb.example --site Leeds --site Porto)
"$bin" audit list
say "The certification cycle before stage 1: what is due when (the decision follows stage 2)"
"$bin" cycle

say "Gap analysis: every clause with its reasons, roll-ups, stage verdicts"
"$bin" gap || true
say "Why one clause is where it is"
"$bin" gap --explain 8.2.3
say "The quality manager's dashboard"
"$bin" status

say "Verification with smsaudit: every record, signature, role and content digest"
"$bin" verify

say "Day 29: the stage 1 pack, sealed by the quality manager (PDF report, SHA256SUMS, signed manifest)"
at 29
mkdir -p "$out/packs"
"$bin" --as ada@northwind.example pack "$stage1" -o "$out/packs/stage1"

say "Day 31: stage 1 concluded with one area of concern, which is then addressed"
at 31
"$bin" --as eve@cb.example audit conclude "$stage1" --dates "$(day 30)..$(day 31)" --recommendation none \
	--summary "Documented SMS in place; ready for stage 2 once the concern is addressed" \
	--concern "Service request records (8.6.2) are not retained for the outsourced desk"
at 40
printf 'request,opened,closed,by\nSR-2201,%s,%s,Acme desk\nSR-2202,%s,%s,Acme desk\n' \
	"$(day 2)" "$(day 3)" "$(day 20)" "$(day 20)" >"$out/service-requests-acme.csv"
sr_log=$("$bin" --as ben@northwind.example evidence add "$out/service-requests-acme.csv" --control 8.6.2 \
	--kind record --title "Service request log, Acme desk, first half" --period "$(day 0)..$(day 38)" \
	--format csv | sed -n '2s/,.*//p')

say "Day 58: the stage 2 pack; day 62: stage 2 concluded, certification recommended"
at 58
"$bin" --as ada@northwind.example pack "$stage2" -o "$out/packs/stage2"
at 62
"$bin" --as eve@cb.example audit conclude "$stage2" --dates "$(day 60)..$(day 62)" --recommendation recommended \
	--summary "SMS implemented and effective; one minor nonconformity on incident reviews"
"$bin" --as eve@cb.example finding raise --source stage2 --audit "$stage2" --grade minor --clause 8.6.1 \
	--statement "Two major-incident reviews lacked the customer impact section"

say "Day 80: the certification body decides; the cycle and the surveillance rotation follow"
at 80
"$bin" --as ada@northwind.example sms set-cycle --decision "$(day 80)"
"$bin" --as ada@northwind.example certificate record --number "ITSM-$Y-0042" --body "Example Certification Ltd" \
	--scope-statement "Managed Hosting and Service Desk for business customers, from Leeds and Porto" \
	--issued "$(day 80)" --expires "$(day 1174)"
"$bin" certificate show
at 300
surv=$(plan --type surveillance --dates "$(day 430)..$(day 431)" \
	--body "Example Certification Ltd" --lead eve@cb.example --site Leeds)
recert=$(plan --type recertification --dates "$(day 1100)..$(day 1102)" \
	--body "Example Certification Ltd" --lead eve@cb.example --site Leeds --site Porto)
"$bin" --as ben@northwind.example finding cause NC-$Y-004 --method 5-whys \
	--text "The review template has no customer impact section"
"$bin" --as ben@northwind.example finding plan NC-$Y-004 --action "Add the customer impact section to the review template" \
	--owner ben@northwind.example --due "$(day 330)"
at 250
say "Day 250: records of operation for the months since stage 2, the surveillance's samples"
printf 'id,opened,priority,service,summary,resolved\nINC-1203,%s,P2,Managed Hosting,Firewall rule error,%s\nINC-1231,%s,P3,Service Desk,Mail delays,%s\n' \
	"$(day 90)" "$(day 90)" "$(day 170)" "$(day 171)" >"$out/incidents-since-stage2.csv"
"$bin" --as ben@northwind.example evidence add "$out/incidents-since-stage2.csv" --control 8.6.1 --kind record \
	--title "Incident records since stage 2" --period "$(day 63)..$(day 245)"
printf 'month,availability target,achieved\n%s,99.9%%,99.95%%\n%s,99.9%%,99.87%%\n' "$(day 120 | cut -c1-7)" "$(day 210 | cut -c1-7)" \
	>"$out/sla-report-hosting.csv"
"$bin" --as ben@northwind.example evidence add "$out/sla-report-hosting.csv" --control 8.3.3 --kind record \
	--title "SLA performance report, Managed Hosting" --period "$(day 63)..$(day 245)"
printf '# Supplier review: Acme Hosting Ltd, %s\n\nService requests fulfilled within target: 96%%. Contract C-12 stays.\n' "$(day 240)" \
	>"$out/supplier-review-acme.md"
"$bin" --as ben@northwind.example evidence add "$out/supplier-review-acme.md" --control 8.2.3 --kind record \
	--title "Supplier review, Acme Hosting Ltd" --period "$(day 240)..$(day 240)"
at 320
printf '# Management review minutes, %s\n\nInputs reviewed: the certification audit, objectives, supplier performance.\n' "$(day 300)" \
	>"$out/mgmt-review-after-certification.md"
"$bin" --as ada@northwind.example evidence add "$out/mgmt-review-after-certification.md" --control 9.3 \
	--kind record --title "Management review minutes, after certification" --period "$(day 300)..$(day 300)"
"$bin" finding list

say "Day 340: mistakes put right with signed records, each with its reason"
at 340
mistake=$("$bin" --as carla@northwind.example finding raise --source internal-audit --grade minor --clause 8.7.1 \
	--statement "Capacity plan not reviewed (raised against the wrong service)" | tee /dev/stderr |
	grep -o 'NC-[0-9]*-[0-9]*' | head -1)
"$bin" --as carla@northwind.example finding withdraw "$mistake" --reason "The plan belongs to a service out of scope"
"$bin" --as ada@northwind.example audit reschedule "$surv" --dates "$(day 437)..$(day 438)" \
	--reason "The body moved the surveillance by a week"
"$bin" --as ada@northwind.example audit plan --type internal --dates "$(day 350)..$(day 350)" \
	--body "Internal audit team" --lead carla@northwind.example --clause 9
wrong=$("$bin" audit list --format csv | grep "$(day 350)" | cut -d, -f1)
"$bin" --as ada@northwind.example audit cancel "$wrong" --reason "Planned twice; clause 9 is in next year's programme"
"$bin" --as ben@northwind.example evidence amend "$sr_log" --title "Service request log, Acme desk, Q1-Q2" \
	--reason "Title named the wrong period"
"$bin" --as ada@northwind.example sms change --add-site Manchester \
	--scope "Managed Hosting and Service Desk for business customers, from Leeds, Porto and Manchester" \
	--reason "Manchester office opened; the scope extension goes to the next surveillance"
"$bin" sms show | head -8
echo "Changes of the organisation since stage 2 (for the surveillance):"
"$bin" sms history --since "$(day 62)"
"$bin" audit list
"$bin" finding list

say "Today: the cycle, with the first surveillance coming"
at 400
"$bin" cycle
"$bin" cycle plan-surveillance

say "Trusted time: a local time-stamping authority (RFC 3161) vouches for today's work"
# Everything above was signed with the story's clock. A TSA's tokens carry the
# real time, and a record may wait at most the tolerance (72 hours) for its
# token, so from here on the clock is the real one.
unset SMSAUDIT_NOW
tsa="$out/tsa"
"$root/scripts/local-tsa" "$tsa" "Demo TSA"
"$tsa_server" "$tsa" &
tsa_pid=$!
trap 'kill $tsa_pid 2>/dev/null' EXIT
i=0
while [ ! -s "$tsa/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
"$bin" --as ada@northwind.example tsa add --url "http://127.0.0.1:$(cat "$tsa/port")/" --ca "$tsa/ca.pem"
echo "Change advisory board minutes, $(date -u +%Y-%m-%d): 4 changes approved, 1 rejected" >"$out/cab-minutes.md"
cab=$("$bin" --as ben@northwind.example evidence add "$out/cab-minutes.md" --control 8.5.1.2 --kind record \
	--title "CAB minutes" --format csv | sed -n '2s/,.*//p')
"$bin" --as carla@northwind.example finding raise --source internal-audit --grade observation --clause 8.5.1.2 \
	--statement "CAB minutes do not name the approver of emergency changes" --evidence "$cab"
"$bin" evidence show "$cab"
stamp=$(git --git-dir="$SMSAUDIT_REPO" ls-tree -r --name-only main stamps | grep '\.xml$' | tail -1)
git --git-dir="$SMSAUDIT_REPO" show "main:$stamp" >"$out/stamp.xml"
git --git-dir="$SMSAUDIT_REPO" show "main:$stamp.tsr" >"$out/stamp.xml.tsr"
echo "An auditor checks the token over $stamp with stock openssl:"
openssl ts -verify -data "$out/stamp.xml" -in "$out/stamp.xml.tsr" -CAfile "$tsa/ca.pem" 2>/dev/null
"$bin" verify | tail -1

say "The certification body's own auditor: key made on his machine, certificate from the body's CA"
cb="$out/cb"
mkdir -p "$cb"
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$cb/ca.key" \
	-subj "/CN=Example Certification Ltd Auditor CA" -days 3650 -out "$cb/ca.pem" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
"$bin" --keys "$out/finn-keys" key request --name "Finn Roe" --email finn@cb.example --csr "$cb/finn.csr"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectAltName=email:finn@cb.example\n' \
	>"$cb/leaf.ext"
openssl x509 -req -in "$cb/finn.csr" -CA "$cb/ca.pem" -CAkey "$cb/ca.key" -CAcreateserial -days 730 \
	-extfile "$cb/leaf.ext" -out "$cb/finn.pem" 2>/dev/null
"$bin" --as ada@northwind.example anchor add --name "Example Certification Ltd" --ca "$cb/ca.pem"
echo "The organisation can no longer mint an external auditor's key:"
"$bin" --as ada@northwind.example person add --name "Gus Lee" --email gus@cb.example --role external-auditor \
	&& exit 1 || true
"$bin" --as ada@northwind.example person add --name "Finn Roe" --email finn@cb.example --role external-auditor \
	--cert "$cb/finn.pem"
"$bin" anchor list

say "Today: the surveillance pack (changes since stage 2 from the audit tags) and the recertification pack"
"$bin" --as ada@northwind.example pack "$surv" -o "$out/packs/surveillance"
"$bin" --as ada@northwind.example pack "$recert" -o "$out/packs/recertification"

say "Outputs for people without the tool: a calendar, reminders, spreadsheets, a read-only site, OSCAL"
o="$out/outputs"
mkdir -p "$o/outbox"
"$bin" calendar -o "$o/sms.ics"
"$bin" remind
"$bin" remind --mail --to-dir "$o/outbox"
echo "--- the reminder mail for Ben (ready for sendmail -t):"
cat "$o/outbox/ben@northwind.example.eml"
"$bin" evidence list --format xlsx -o "$o/evidence.xlsx"
"$bin" finding list --format xlsx -o "$o/findings.xlsx"
"$bin" gap --format xlsx -o "$o/gap.xlsx"
"$bin" cycle plan-surveillance --format xlsx -o "$o/rotation.xlsx"
"$bin" audit programme --year "$(day 400 | cut -c1-4)" --format xlsx -o "$o/programme.xlsx"
rm -rf "$o/site"
"$bin" site -o "$o/site"
for m in catalog assessment-results poam; do
	"$bin" oscal "$m" -o "$o/oscal-$m.xml"
	sh "$root/tests/oscal/validate.sh" "$m" "$o/oscal-$m.xml"
done

say "An external auditor verifies every pack offline"
anchor=$(openssl x509 -in "$out/packs/stage1/trust/ca.pem" -outform DER | sha256sum | cut -c1-64)
for p in stage1 stage2 surveillance recertification; do
	"$bin" verify-pack "$out/packs/$p" --anchor "$anchor"
done
say "Each pack says the same thing wherever it says it, and what gap, finding list and audit list say"
for p in stage1 stage2 surveillance recertification; do
	"$root/scripts/pack-consistency" "$bin" "$out/packs/$p"
done

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

say "An insider with write access deletes a record with git plumbing; verify catches it"
# On a copy: the demo's own repository stays as it was. The copy's folder is
# new to this machine's pin, so first verify it clean (that pins its records).
rm -rf "$out/insider.git"
git clone -q --bare "$SMSAUDIT_REPO" "$out/insider.git"
SMSAUDIT_REPO="$out/insider.git" "$bin" verify --no-content | tail -1
victim=$(git --git-dir="$out/insider.git" ls-tree -r --name-only main records | grep '/ev-.*\.xml$' | head -1)
GIT_INDEX_FILE="$out/insider.idx" git --git-dir="$out/insider.git" read-tree main
GIT_INDEX_FILE="$out/insider.idx" git --git-dir="$out/insider.git" rm -q --cached "$victim" "$victim.p7s"
tree=$(GIT_INDEX_FILE="$out/insider.idx" git --git-dir="$out/insider.git" write-tree)
rm -f "$out/insider.idx"
c=$(echo "tidy up" | git --git-dir="$out/insider.git" commit-tree "$tree" -p main)
git --git-dir="$out/insider.git" update-ref refs/heads/main "$c"
SMSAUDIT_REPO="$out/insider.git" "$bin" verify --no-content && exit 1 || echo "(verify exit status $?: refused, as it must be)"

say "Done."
echo "Repository: $SMSAUDIT_REPO (keys in $SMSAUDIT_KEYS)"
for p in stage1 stage2 surveillance recertification; do
	echo "$p pack: $out/packs/$p/pack.pdf ($(pdfinfo "$out/packs/$p/pack.pdf" 2>/dev/null | sed -n 's/^Pages: *//p') pages)"
done
echo "Calendar: $o/sms.ics; reminder mails: $o/outbox/"
echo "Spreadsheets: $o/evidence.xlsx findings.xlsx gap.xlsx rotation.xlsx programme.xlsx"
echo "Read-only site: $o/site/index.html"
echo "OSCAL 1.2.2: $o/oscal-catalog.xml oscal-assessment-results.xml oscal-poam.xml"

/*
 * smsaudit — command-line entry point. One table of commands, one cmd_*
 * function each (in cmd_*.c); this file parses the global options, dispatches,
 * and turns library errors into one-line messages and documented exit codes.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "cli.h"

static int cmd_help(cli_ctx *ctx, int argc, char **argv);
static int cmd_version(cli_ctx *ctx, int argc, char **argv);

const cli_command cli_commands[] = {
	{ "catalogue", cmd_catalogue, "Browse and check the ISO/IEC 20000-1:2018 control catalogue",
	  "usage: smsaudit catalogue list [--tree] [--assessable] [--under ID] [--format F]\n"
	  "       smsaudit catalogue show ID [--overlay FILE] [--format F]\n"
	  "       smsaudit catalogue info [--format F]\n"
	  "       smsaudit catalogue validate FILE [--format F]\n"
	  "\n"
	  "The catalogue lists clauses 4 to 10 of ISO/IEC 20000-1:2018: their numbers and\n"
	  "headings, our own short paraphrase of each (never the standard's text), the\n"
	  "documented information expected as evidence, and mappings to ISO 9001:2015,\n"
	  "ISO/IEC 27001:2022 and ISO 22301:2019.\n"
	  "\n"
	  "  list        every clause, or only assessable ones (--assessable), or the\n"
	  "              sub-tree under one clause (--under 8.5); --tree indents by depth\n"
	  "  show ID     one clause: title, paraphrase, expected evidence (kind, whether\n"
	  "              the standard requires it explicitly, first audit stage, freshness),\n"
	  "              mappings, parent and children; --overlay adds licensed text\n"
	  "  info        catalogue metadata: standard, edition, amendments, version, SHA-256\n"
	  "  validate    check a catalogue or an overlay file (schema, unique ids, parents,\n"
	  "              depths, evidence on assessable clauses, mapped standards)\n"
	  "\n"
	  "The built-in catalogue is used unless --catalogue FILE (before the command) or\n"
	  "SMSAUDIT_CATALOGUE names another one.\n"
	  "\n"
	  "examples:\n"
	  "  smsaudit catalogue list --tree\n"
	  "  smsaudit catalogue show 8.5.1.2\n"
	  "  smsaudit catalogue list --assessable --format csv > clauses.csv\n"
	  "  smsaudit catalogue validate our-overlay.xml\n" },
	{ "init", cmd_init, "Create an evidence repository for an organisation",
	  "usage: smsaudit init DIR --org NAME --scope TEXT --name NAME --email EMAIL\n"
	  "                [--service NAME]... [--site NAME]... [--cb NAME]\n"
	  "                [--ca CERT --ca-key KEY] [--passphrase] [--cert-days N]\n"
	  "\n"
	  "Creates a git repository (bare) holding smsaudit.xml (the SMS: organisation,\n"
	  "scope, services, sites, certification body, deadline policy), a pinned copy of\n"
	  "the catalogue with its SHA-256, the trust anchor trust/ca.pem, and a signed\n"
	  "grant making you (--name, --email) the first quality manager.\n"
	  "\n"
	  "A new P-256 CA is made unless --ca/--ca-key name an existing corporate CA.\n"
	  "Private keys never enter the repository: they are written with mode 0600 to\n"
	  "the keys directory (--keys DIR, SMSAUDIT_KEYS, or ~/.config/smsaudit/keys).\n"
	  "--passphrase encrypts new keys (asked on the terminal, or SMSAUDIT_PASSPHRASE).\n"
	  "\n"
	  "example:\n"
	  "  smsaudit init evidence.git --org \"Example Services Ltd\" \\\n"
	  "      --scope \"Managed hosting and service desk for business customers\" \\\n"
	  "      --service \"Managed hosting\" --site Leeds --name \"Ada Quinn\" --email ada@example.org\n" },
	{ "person", cmd_person, "Grant, revoke and list the people who sign records",
	  "usage: smsaudit person add --name NAME --email EMAIL --role ROLE[,ROLE]\n"
	  "                           [--cert FILE [--issuer CA.pem]] [--valid-until DATE]\n"
	  "                           [--ca-key FILE] [--passphrase]\n"
	  "       smsaudit person revoke EMAIL --reason TEXT [--effective TIME]\n"
	  "       smsaudit person list [--all]\n"
	  "\n"
	  "Roles: quality-manager, process-owner, internal-auditor, external-auditor, viewer.\n"
	  "Only a quality manager may add or revoke people. 'add' issues a personal\n"
	  "certificate from the organisation's CA (the CA key in the keys directory, or\n"
	  "--ca-key) for a new key written to KEYS/EMAIL.key, or records --cert FILE. A\n"
	  "certificate issued by another CA (an external auditor's) needs --issuer CA.pem:\n"
	  "that CA becomes an extra trust anchor (trust/anchors/), signed by you.\n"
	  "Adding an existing email replaces its roles.\n"
	  "'revoke' ends a certificate: records it signs afterwards do not verify.\n"
	  "Who you are is taken from --key FILE, --as EMAIL, or the only personal key in\n"
	  "the keys directory. The repository is --repo DIR, SMSAUDIT_REPO or '.'.\n"
	  "\n"
	  "examples:\n"
	  "  smsaudit --repo evidence.git person add --name \"Ben Ortiz\" --email ben@example.org \\\n"
	  "      --role process-owner\n"
	  "  smsaudit --repo evidence.git person add --name \"Dana Kim\" --email dana@cb.example \\\n"
	  "      --role external-auditor --cert dana.pem --issuer cb-ca.pem\n"
	  "  smsaudit --repo evidence.git person revoke ben@example.org --reason \"left the company\"\n" },
	{ "evidence", cmd_evidence, "Add, import, list, show, extract, supersede and withdraw evidence",
	  "usage: smsaudit evidence add FILE... --control ID[,ID] --kind KIND --title TEXT\n"
	  "                [--period FROM..TO] [--valid-until DATE] [--note TEXT] [--name NAME]\n"
	  "                [--allow-duplicate]\n"
	  "       smsaudit evidence import FILE.csv [--allow-duplicate]\n"
	  "       smsaudit evidence list [--control ID] [--kind KIND] [--expiring DAYS] [--all] [--at REV]\n"
	  "       smsaudit evidence show ID [--at REV]\n"
	  "       smsaudit evidence get ID -o FILE [--force]\n"
	  "       smsaudit evidence supersede OLD NEW --reason TEXT\n"
	  "       smsaudit evidence withdraw ID --reason TEXT\n"
	  "\n"
	  "'add' streams each file once (SHA-256 and size), stores it content-addressed, and\n"
	  "writes one signed record per file; all files of one call are one commit. KIND is\n"
	  "scope, policy, plan, procedure, register, agreement, record or report. Content that\n"
	  "is already recorded is refused (pointing at the existing record) unless\n"
	  "--allow-duplicate. Nothing is ever deleted: 'withdraw' and 'supersede' add records.\n"
	  "IDs may be shortened to a unique prefix.\n"
	  "\n"
	  "'import' reads a CSV with a header row. Columns: file, controls, kind, title\n"
	  "(required), period_from, period_to, valid_until, note, name (optional). Paths are\n"
	  "relative to the CSV file; several controls are separated by ';' or spaces.\n"
	  "\n"
	  "examples:\n"
	  "  smsaudit evidence add sm-policy.pdf --control 5.2.1 --kind policy \\\n"
	  "      --title \"Service management policy v3\" --valid-until 2027-12-31\n"
	  "  smsaudit evidence add inc-2026-h1.csv --control 8.6.1 --kind record \\\n"
	  "      --title \"Incident records H1\" --period 2026-01-01..2026-06-30\n"
	  "  smsaudit evidence list --expiring 90\n"
	  "  smsaudit evidence get ev-20261121-3fa9 -o policy.pdf\n" },
	{ "verify", cmd_verify, "Replay the whole history: every commit, record, signature, role and file",
	  "usage: smsaudit verify [--at REV] [--no-content] [--no-cache] [--anchor SHA256]\n"
	  "\n"
	  "Replays the history of main (or REV) from its first commit, all parents, in\n"
	  "commit order. Each commit's new records are judged against the grants,\n"
	  "revocations and replaced certificates in effect at that commit, never by the\n"
	  "times the records claim; nothing an earlier commit added may be changed or\n"
	  "removed; every file must be a record, its signature, content an evidence record\n"
	  "names, a trust anchor or the SMS description. Signing times after the commit\n"
	  "that added a record, or ahead of this machine's clock, fail (300 s skew).\n"
	  "Every record is checked against its schema and path, every signature against\n"
	  "the trust anchors, every content file against its SHA-256 and size (skip with\n"
	  "--no-content), findings and audits against their rules.\n"
	  "\n"
	  "Prints the trust anchor's fingerprint and holds it against the pin kept for this\n"
	  "repository in your configuration ($SMSAUDIT_CONFIG, else ~/.config/smsaudit):\n"
	  "init pins the anchor, a clean verify of main pins every record it accepted, and\n"
	  "a later verify fails when the anchor differs, a pinned record is gone from main's\n"
	  "history, or an audit/* tag or pack seal names a commit outside it. --anchor\n"
	  "checks the fingerprint you got from the organisation out of band. Results of\n"
	  "earlier runs are reused from smsaudit-cache/ (protected by a secret in your\n"
	  "configuration); --no-cache walks and checks everything again.\n"
	  "One line per problem, then a summary. Exit status 1 when anything fails,\n"
	  "including a damaged repository (an object that cannot be read).\n"
	  "\n"
	  "example:\n"
	  "  smsaudit --repo evidence.git verify --anchor 3fa9c0...e21b\n" },
	{ "assess", cmd_assess, "Record a signed self-assessment of one clause",
	  "usage: smsaudit assess CLAUSE --result RESULT --note TEXT [--other-party NAME]\n"
	  "\n"
	  "RESULT is conformant, partial, nonconformant or not-assessed. There is no 'not\n"
	  "applicable': ISO/IEC 20000-1 allows no exclusions in clauses 4-10. When another\n"
	  "party (a supplier, an internal group, a customer) operates the process, name it\n"
	  "with --other-party: the gap analysis then expects evidence of your control over\n"
	  "that party under 8.2.3, linked to both 8.2.3 and CLAUSE. Signed by a quality\n"
	  "manager or a process owner. The latest assessment of a clause counts; a\n"
	  "self-assessment can lower a clause's status in the gap analysis, never raise it.\n"
	  "\n"
	  "examples:\n"
	  "  smsaudit assess 8.5.1.2 --result partial --note \"RFCs recorded, not all classified\"\n"
	  "  smsaudit assess 8.6.2 --result conformant --other-party \"Acme Hosting Ltd\" \\\n"
	  "      --note \"Service requests fulfilled by Acme under contract C-12\"\n" },
	{ "gap", cmd_gap, "Gap analysis: the status of every clause, with reasons, and stage readiness",
	  "usage: smsaudit gap [--at DATE] [--commit REV] [--stage stage1|stage2] [--clause ID]\n"
	  "                    [--no-cache]\n"
	  "       smsaudit gap --explain ID [--at DATE] [--commit REV]\n"
	  "       smsaudit gap --trend [--from DATE] [--at DATE] [--every day|week|month|quarter]\n"
	  "\n"
	  "For every assessable clause: conformant, partial, gap or not-assessed, with the\n"
	  "reasons and the evidence ids. Each expected item of the catalogue needs evidence of\n"
	  "its kind linked to the clause that verifies, is not withdrawn or superseded, has not\n"
	  "expired and, for records, covers a recent enough period. Evidence that fails\n"
	  "verification is never counted (a warning says how much). Partial counts half in\n"
	  "the readiness figures. --at evaluates at a date (default today) using the commit\n"
	  "current at the end of that day, or --commit. --stage prints that stage's verdict\n"
	  "and exits 1 when it is not ready. --clause limits the table to a clause and its\n"
	  "sub-clauses. --explain shows every expected item of one clause and why each piece\n"
	  "of evidence counts or not. --trend shows readiness over time, each date evaluated\n"
	  "at the commit that was current then (default from the first commit, monthly).\n"
	  "Signature checks are reused from a local cache in the repository directory\n"
	  "(smsaudit-cache/, never committed); --no-cache checks every signature again.\n"
	  "\n"
	  "examples:\n"
	  "  smsaudit gap\n"
	  "  smsaudit gap --stage stage1 && echo \"ready for stage 1\"\n"
	  "  smsaudit gap --explain 8.5.1.2\n"
	  "  smsaudit gap --trend --from 2026-01-01 --format csv\n" },
	{ "status", cmd_status, "One screen for the quality manager: readiness, gaps, what expires soon",
	  "usage: smsaudit status [--at DATE] [--no-cache]\n"
	  "\n"
	  "Overall readiness with the stage 1 and stage 2 verdicts, the clauses with gaps and\n"
	  "why, evidence expiring in the next 30/60/90 days, and the expected items that stop\n"
	  "being satisfied within 90 days (expiry or records growing too old).\n"
	  "\n"
	  "example:\n"
	  "  smsaudit status\n" },
	{ "finding", cmd_finding, "Raise findings and take them through correction, cause, actions, verification",
	  "usage: smsaudit finding raise --source SOURCE --grade GRADE --clause ID [--clause ID]...\n"
	  "                             --statement TEXT [--evidence ID]... [--date DATE] [--audit ID]\n"
	  "       smsaudit finding correct FINDING --text TEXT\n"
	  "       smsaudit finding cause FINDING --method 5-whys|fishbone|other --text TEXT\n"
	  "       smsaudit finding plan FINDING --action TEXT --owner EMAIL --due DATE [--action ...]...\n"
	  "                             [--note TEXT]\n"
	  "       smsaudit finding implement FINDING --action N --note TEXT [--evidence ID]...\n"
	  "       smsaudit finding verify FINDING --effective|--not-effective --note TEXT [--evidence ID]...\n"
	  "       smsaudit finding close FINDING --note TEXT\n"
	  "       smsaudit finding reopen FINDING --reason TEXT\n"
	  "       smsaudit finding list [--open] [--overdue] [--grade G] [--clause ID] [--at DATE]\n"
	  "       smsaudit finding show FINDING [--at DATE]\n"
	  "       smsaudit finding export [--format csv|json|xml] [--at DATE]\n"
	  "\n"
	  "A finding is a nonconformity (major, minor), an observation or an opportunity\n"
	  "for improvement (ofi); the scale can be replaced in smsaudit.xml. FINDING is its\n"
	  "number (NC-2027-004, shown when raised), its id or a unique id prefix. Every\n"
	  "step is a signed record; the rules are checked here and again by verify:\n"
	  "  raise          an external auditor for stage1, stage2, surveillance and\n"
	  "                 recertification; an internal auditor for internal-audit; an\n"
	  "                 internal auditor or quality manager for complaint, incident,\n"
	  "                 management-review and self-identified\n"
	  "  correct, cause, plan\n"
	  "                 a quality manager or process owner; a nonconformity needs its\n"
	  "                 root cause before a plan; due dates not before the raise date\n"
	  "  implement      the action's owner, one action (A1, A2, ...) at a time\n"
	  "  verify         an auditor who implemented none of the finding's actions, once\n"
	  "                 every action is implemented; --not-effective sends it back to\n"
	  "                 planning\n"
	  "  close          an auditor; no open actions; a nonconformity needs an effective\n"
	  "                 verification (an observation or OFI is closed with its response)\n"
	  "  reopen         an auditor or quality manager; it must be verified again\n"
	  "Deadlines come from smsaudit.xml: a major verified within 90 days (and within 6\n"
	  "months of stage 2, and before a certification decision); a minor planned within\n"
	  "30 days and verified at the next audit; each action by its due date. 'list\n"
	  "--overdue' shows findings with a deadline passed at --at (default today).\n"
	  "'export' writes the register of findings a certification body asks for (CSV by\n"
	  "default).\n"
	  "\n"
	  "examples:\n"
	  "  smsaudit --as ida@example.org finding raise --source internal-audit --grade minor \\\n"
	  "      --clause 8.5.1.2 --statement \"3 of 25 sampled changes had no risk assessment\"\n"
	  "  smsaudit --as ben@example.org finding plan NC-2027-001 --action \"Add risk field to RFC form\" \\\n"
	  "      --owner ben@example.org --due 2027-03-31\n"
	  "  smsaudit finding list --open --overdue\n"
	  "  smsaudit finding export > nc-register.csv\n" },
	{ "audit", cmd_audit, "Plan, start and conclude audits (certification and internal)",
	  "usage: smsaudit audit plan --type TYPE --dates FROM..TO --body NAME --lead EMAIL [--team EMAIL]...\n"
	  "                           [--clause ID]... [--service NAME]... [--site NAME]...\n"
	  "       smsaudit audit start AUDIT [--date DATE]\n"
	  "       smsaudit audit conclude AUDIT --dates FROM..TO --recommendation R --summary TEXT\n"
	  "                           [--conditions TEXT] [--concern TEXT]...\n"
	  "       smsaudit audit list [--type TYPE] [--at DATE]\n"
	  "       smsaudit audit show AUDIT\n"
	  "       smsaudit audit programme --year YYYY [--at DATE]\n"
	  "\n"
	  "TYPE is stage1, stage2, surveillance, recertification, special or internal. A\n"
	  "quality manager plans an audit (its record id is the audit's id; a unique prefix\n"
	  "will do); the quality manager or an auditor on it starts it; its lead or a team\n"
	  "member concludes it: an internal auditor for internal audits, an external\n"
	  "auditor for the others. R is none, recommended, conditional or not-recommended;\n"
	  "--concern records a stage 1 area of concern. Stage 2 cannot be planned to start\n"
	  "before stage 1 ends, nor a surveillance after the certificate expires. Findings\n"
	  "name the audit they came from with 'finding raise --audit ID'; a stage 2's last\n"
	  "day then sets the 6-month limit for its major nonconformities, and the next\n"
	  "planned certification audit the date by which minors are verified.\n"
	  "'programme' lists the internal audits whose first day falls in the year (or\n"
	  "the interval set with 'sms set-cycle --internal-audit-months', starting that\n"
	  "year) and which clauses they cover: every clause-8 process and every\n"
	  "second-level clause of 4-7, 9 and 10 should be audited once in the window;\n"
	  "an internal audit planned without --clause covers the whole standard.\n"
	  "\n"
	  "examples:\n"
	  "  smsaudit --as ada@example.org audit plan --type stage2 --dates 2027-03-08..2027-03-10 \\\n"
	  "      --body \"Example Certification Ltd\" --lead eve@cb.example --clause 8.5\n"
	  "  smsaudit --as eve@cb.example audit conclude audit-20270201-3fa9 --dates 2027-03-08..2027-03-10 \\\n"
	  "      --recommendation conditional --summary \"Recommended once NC-2027-004 is closed\"\n"
	  "  smsaudit audit programme --year 2027\n" },
	{ "cycle", cmd_cycle, "The certification cycle: what is due when, and the surveillance rotation",
	  "usage: smsaudit cycle [show] [--at DATE] [--format F]\n"
	  "       smsaudit cycle plan-surveillance [--surveillances N] [--pin CLAUSE=N]... [--unpin CLAUSE]...\n"
	  "\n"
	  "'show' (the default) prints the current cycle as of a date: the initial audits\n"
	  "and the certification decision (due within 6 months of stage 2's last day),\n"
	  "each surveillance (the n-th due within 12*n months of the decision; at least\n"
	  "one in every calendar year but the recertification year), the\n"
	  "recertification (concluded before the expiry; due soon from 6 months ahead),\n"
	  "the expiry and, once expired, the 6-month restoration window. Each line is\n"
	  "done, late, planned, open, due-soon, overdue or info. Then the coverage of\n"
	  "clauses across the cycle's surveillances (S1, S2, ...) and recertification (R).\n"
	  "Record the decision with 'smsaudit sms set-cycle'.\n"
	  "\n"
	  "'plan-surveillance' shows the rotation: every surveillance covers the mandatory\n"
	  "items (internal audit and management review, actions on nonconformities,\n"
	  "complaints, objectives, improvement, changes, use of marks); the other\n"
	  "clauses (clause-8 processes and the second-level clauses of 4-7, 9, 10) are\n"
	  "spread evenly, in order, over the surveillances. A surveillance planned with\n"
	  "--clause keeps that scope. --pin CLAUSE=N puts a clause in the N-th\n"
	  "surveillance and --unpin takes it back (a quality manager signs the change to\n"
	  "smsaudit.xml); --surveillances N shows the rotation for N surveillances.\n"
	  "Clauses nothing covers are listed.\n"
	  "\n"
	  "examples:\n"
	  "  smsaudit cycle --at 2027-01-15\n"
	  "  smsaudit --as ada@example.org cycle plan-surveillance --pin 8.5.1=1 --pin 8.7.2=2\n" },
	{ "pack", cmd_pack, "Seal an audit pack: PDF report, repository snapshot, signed manifest",
	  "usage: smsaudit pack AUDIT -o DIR [--as-of DATE | --commit REV] [--definition FILE]\n"
	  "                     [--draft] [--force]\n"
	  "\n"
	  "Writes DIR with every file of the repository as it stood at the end of DATE\n"
	  "(default: head, today) or at REV: records and their signatures, evidence\n"
	  "content, the SMS description, the pinned catalogue and trust/ (the trust\n"
	  "anchors); SHA256SUMS (those files in sha256sum's format); pack.pdf, the report\n"
	  "for the audit's type as laid out by reports/<type>.xml (or --definition FILE),\n"
	  "with SHA256SUMS's digest on its cover and every footer; manifest.xml (every\n"
	  "file's SHA-256 and size, pack.pdf included, the source commit, the audit, the\n"
	  "as-of date, the tool) and manifest.xml.p7s, its signature by you (a quality\n"
	  "manager). Sealing commits a seal record with those digests and moves the tag\n"
	  "audit/<audit-id> to the source commit (a surveillance pack's 'changes since\n"
	  "the previous audit' start from that tag); --draft does neither. The pack is\n"
	  "built beside DIR and moved into place only when complete. DIR must not exist\n"
	  "or be empty unless --force. The same commit, audit and as-of date give the\n"
	  "same bytes (the PDF's dates: SOURCE_DATE_EPOCH, else the as-of date), except\n"
	  "manifest.xml.p7s (ECDSA signatures are randomised). Give the auditor the\n"
	  "trust-anchor fingerprint printed at the end through another channel.\n"
	  "\n"
	  "examples:\n"
	  "  smsaudit --as ada@example.org pack audit-20270201-3fa9 -o stage2-pack --as-of 2027-03-01\n"
	  "  smsaudit --as ada@example.org pack audit-20270201-3fa9 -o draft --draft --definition short.xml\n" },
	{ "verify-pack", cmd_verify_pack, "Verify an audit pack offline (for external auditors)",
	  "usage: smsaudit verify-pack DIR [--anchor SHA256]\n"
	  "\n"
	  "Needs nothing but the folder: checks manifest.xml.p7s against trust/ca.pem,\n"
	  "that the signer is a quality manager of the pack, every file's SHA-256 and\n"
	  "size (pack.pdf included), that SHA256SUMS says what the manifest says, that\n"
	  "nothing unlisted was added and nothing listed is missing, and every\n"
	  "record's signature, signer's authority and content digest (the same checks as\n"
	  "'verify'). --anchor compares trust/ca.pem's fingerprint with the one the\n"
	  "organisation gave you. Prints one FAIL line per problem naming the file;\n"
	  "exit 1 on any.\n"
	  "\n"
	  "example:\n"
	  "  smsaudit verify-pack stage2-pack --anchor 3fa9...\n" },
	{ "sms", cmd_sms, "Show the SMS description's policy and grade scale, or replace the scale",
	  "usage: smsaudit sms show [--format F]\n"
	  "       smsaudit sms set-grades FILE\n"
	  "       smsaudit sms set-cycle [--decision DATE [--expiry DATE]] [--surveillances N|default]\n"
	  "                              [--internal-audit-months N]\n"
	  "\n"
	  "smsaudit.xml describes the service management system; it is signed by a\n"
	  "quality manager. 'show' prints its deadline policy and grade scale.\n"
	  "'set-grades' replaces the grade scale for findings to match a certification\n"
	  "body. FILE (or - for stdin) has one grade per line, 'id,class,label', where\n"
	  "class is major, minor (nonconformities), observation or improvement (not\n"
	  "nonconformities); the class sets the rules and deadlines the grade follows.\n"
	  "The scale needs a nonconformity grade, and a grade a finding uses must stay\n"
	  "with its class. The default scale: major, minor, observation, ofi.\n"
	  "'set-cycle' records the certification decision (not in the future) and the\n"
	  "certificate's expiry (default: 3 years less a day after the decision); after\n"
	  "a recertification, record the new decision and expiry. --surveillances sets\n"
	  "how many surveillances a cycle has (default: one a year before the expiry),\n"
	  "--internal-audit-months the interval in which internal audits cover every\n"
	  "clause (default 12).\n"
	  "\n"
	  "example:\n"
	  "  printf 'cat1,major,Category 1 NC\\ncat2,minor,Category 2 NC\\nofi,improvement,OFI\\n' \\\n"
	  "      | smsaudit --as ada@example.org sms set-grades -\n"
	  "  smsaudit --as ada@example.org sms set-cycle --decision 2027-04-20\n" },
	{ "help", cmd_help, "Show help for smsaudit or for one command",
	  "usage: smsaudit help [COMMAND]\n"
	  "\n"
	  "example:\n"
	  "  smsaudit help catalogue\n" },
	{ "version", cmd_version, "Print the version",
	  "usage: smsaudit version\n"
	  "\n"
	  "example:\n"
	  "  smsaudit version\n" },
	{ NULL, NULL, NULL, NULL }
};

static const char main_usage[] =
	"usage: smsaudit [--format text|csv|json|xml] [--catalogue FILE] [--no-color]\n"
	"                COMMAND [ARGS...]\n"
	"       smsaudit --version | --help\n";

static const char exit_codes[] =
	"exit codes: 0 ok; 1 a check failed; 2 usage error; 3 bad input data;\n"
	"            4 environment (missing file, permission, disk)\n";

static int map_error_code(int rc)
{
	switch (rc) {
	case SMSAUDIT_EINVALID:
	case SMSAUDIT_ENOTFOUND:
	case SMSAUDIT_EEXISTS:
		return EXIT_DATA;
	case SMSAUDIT_EUSAGE:
		return EXIT_USAGE;
	case SMSAUDIT_EVERIFY:
	case SMSAUDIT_EDAMAGED:
		return EXIT_CHECK;
	default:
		return EXIT_ENV;
	}
}

int cli_fail(int rc)
{
	const smsaudit_error *e = smsaudit_error_last();
	if (rc == SMSAUDIT_EDAMAGED)
		fprintf(stderr, "smsaudit: %s; the repository is damaged: run 'smsaudit verify'\n",
		        e && e->message[0] ? e->message : "an object cannot be read");
	else
		fprintf(stderr, "smsaudit: %s\n", e && e->message[0] ? e->message : "unexpected error");
	return map_error_code(rc);
}

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("smsaudit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_usage(const char *command, const char *fmt, ...)
{
	va_list ap;
	fputs("smsaudit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'smsaudit %s --help')\n", command);
	return EXIT_USAGE;
}

void cli_print_help(const cli_command *cmd, FILE *f)
{
	fprintf(f, "smsaudit %s - %s\n\n%s", cmd->name, cmd->summary, cmd->help);
}

int cli_parse_format(out_format *out, const char *s)
{
	static const struct { const char *name; out_format f; } fmts[] = {
		{ "text", OUT_TEXT }, { "csv", OUT_CSV }, { "json", OUT_JSON }, { "xml", OUT_XML }
	};
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		if (s && strcmp(s, fmts[i].name) == 0) {
			*out = fmts[i].f;
			return 0;
		}
	return -1;
}

const char *cli_sgr(const cli_ctx *ctx, const char *code)
{
	static const char *const known[][2] = {
		{ "0", "\033[0m" }, { "1", "\033[1m" }, { "2", "\033[2m" },
		{ "31", "\033[31m" }, { "32", "\033[32m" }, { "33", "\033[33m" },
	};
	if (ctx->color)
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strcmp(code, known[i][0]) == 0)
				return known[i][1];
	return "";
}

int cli_load_catalogue(cli_ctx *ctx, smsaudit_catalogue **out)
{
	if (ctx->catalogue_path)
		return smsaudit_catalogue_load_file(out, ctx->catalogue_path);
	return smsaudit_catalogue_load_default(out);
}

const cli_command *cli_find_command(const char *name)
{
	for (const cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void print_overview(FILE *f)
{
	fprintf(f, "smsaudit %s - certification evidence for ISO/IEC 20000-1:2018\n\n%s\ncommands:\n",
	        smsaudit_version(), main_usage);
	for (const cli_command *c = cli_commands; c->name; c++)
		fprintf(f, "  %-12s %s\n", c->name, c->summary);
	fprintf(f, "\nglobal options:\n"
	           "  --format F       output as text (default), csv, json or xml\n"
	           "  --catalogue FILE use this catalogue instead of the built-in one\n"
	           "                   (also: SMSAUDIT_CATALOGUE)\n"
	           "  --no-color       no colour (also: NO_COLOR set to anything)\n"
	           "  --repo DIR       the evidence repository (also: SMSAUDIT_REPO; default .)\n"
	           "  --keys DIR       private keys (also: SMSAUDIT_KEYS; default ~/.config/smsaudit/keys)\n"
	           "  --as EMAIL       sign as this person (key KEYS/EMAIL.key; also: SMSAUDIT_AS)\n"
	           "  --key FILE       sign with this private key (also: SMSAUDIT_KEY)\n"
	           "\nRun 'smsaudit COMMAND --help' for a command's options and an example.\n\n%s",
	        exit_codes);
}

static int cmd_help(cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cli_print_help(cli_find_command("help"), stdout);
		return EXIT_OK;
	}
	if (argc > 1) {
		const cli_command *c = cli_find_command(argv[1]);
		if (!c)
			return cli_error(EXIT_USAGE, "no help for unknown command '%s' (see 'smsaudit help')", argv[1]);
		cli_print_help(c, stdout);
		return EXIT_OK;
	}
	print_overview(stdout);
	return EXIT_OK;
}

static int cmd_version(cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	if (argc > 1) {
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
			cli_print_help(cli_find_command("version"), stdout);
			return EXIT_OK;
		}
		return cli_usage("version", "unexpected argument '%s'", argv[1]);
	}
	printf("smsaudit %s\n", smsaudit_version());
	return EXIT_OK;
}

/* Suggest a command for a typo: the one sharing the longest prefix. */
static const char *nearest_command(const char *name)
{
	const char *best = NULL;
	size_t best_len = 0;
	for (const cli_command *c = cli_commands; c->name; c++) {
		size_t n = 0;
		while (name[n] && c->name[n] && name[n] == c->name[n])
			n++;
		if (n > best_len) {
			best_len = n;
			best = c->name;
		}
	}
	return best_len >= 2 ? best : NULL;
}

static const char *env_or_null(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]; advances *i past the value. */
static int global_value(int argc, char **argv, int *i, const char *name, const char **out)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) != 0 || (a[n] != '\0' && a[n] != '='))
		return 0;
	if (a[n] == '=') {
		*out = a + n + 1;
	} else if (*i + 1 < argc) {
		*out = argv[++*i];
	} else {
		*i = argc;
	}
	return 1;
}

static int run(int argc, char **argv)
{
	cli_ctx ctx = { .format = OUT_TEXT };
	int no_color = getenv("NO_COLOR") != NULL;
	ctx.catalogue_path = env_or_null("SMSAUDIT_CATALOGUE");
	ctx.repo_path = env_or_null("SMSAUDIT_REPO");
	ctx.as_email = env_or_null("SMSAUDIT_AS");
	ctx.key_path = env_or_null("SMSAUDIT_KEY");
	ctx.keys_dir = env_or_null("SMSAUDIT_KEYS");
	if (!ctx.keys_dir) {
		const char *xdg = env_or_null("XDG_CONFIG_HOME"), *home = env_or_null("HOME");
		if (xdg)
			snprintf(ctx.keys_default, sizeof(ctx.keys_default), "%s/smsaudit/keys", xdg);
		else
			snprintf(ctx.keys_default, sizeof(ctx.keys_default), "%s/.config/smsaudit/keys", home ? home : ".");
		ctx.keys_dir = ctx.keys_default;
	}

	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			printf("smsaudit %s\n", smsaudit_version());
			return EXIT_OK;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			print_overview(stdout);
			return EXIT_OK;
		} else if (strcmp(a, "--no-color") == 0) {
			no_color = 1;
		} else if (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0) {
			const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v || cli_parse_format(&ctx.format, v) < 0)
				return cli_error(EXIT_USAGE, "--format takes text, csv, json or xml");
		} else if (global_value(argc, argv, &i, "--repo", &ctx.repo_path) ||
		           global_value(argc, argv, &i, "--keys", &ctx.keys_dir) ||
		           global_value(argc, argv, &i, "--as", &ctx.as_email) ||
		           global_value(argc, argv, &i, "--key", &ctx.key_path)) {
			if (i >= argc)
				return cli_error(EXIT_USAGE, "%s needs a value", argv[argc - 1]);
		} else if (strcmp(a, "--catalogue") == 0 || strncmp(a, "--catalogue=", 12) == 0) {
			const char *v = a[11] == '=' ? a + 12 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v || !*v)
				return cli_error(EXIT_USAGE, "--catalogue needs a file");
			ctx.catalogue_path = v;
		} else {
			fputs(main_usage, stderr);
			return cli_error(EXIT_USAGE, "unknown option '%s' (see 'smsaudit --help')", a);
		}
	}
	if (i >= argc) {
		fputs(main_usage, stderr);
		return cli_error(EXIT_USAGE, "no command given (see 'smsaudit help')");
	}
	ctx.tty = isatty(STDOUT_FILENO);
	ctx.color = ctx.tty && !no_color && ctx.format == OUT_TEXT;

	const cli_command *cmd = cli_find_command(argv[i]);
	if (!cmd) {
		const char *near = nearest_command(argv[i]);
		if (near)
			return cli_error(EXIT_USAGE, "unknown command '%s'; did you mean '%s'? (see 'smsaudit help')",
			                 argv[i], near);
		return cli_error(EXIT_USAGE, "unknown command '%s' (see 'smsaudit help')", argv[i]);
	}
	return cmd->fn(&ctx, argc - i, argv + i);
}

int main(int argc, char **argv)
{
	int rc = run(argc, argv);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* A full disk or closed pipe must not look like success. */
		if (rc == EXIT_OK)
			rc = cli_error(EXIT_ENV, "cannot write output");
	}
	xmlCleanupParser();
	return rc;
}

/* smsaudit pack AUDIT -o DIR | verify-pack DIR */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { O_OUT = 1, O_AS_OF, O_FORCE, O_ANCHOR, O_COMMIT, O_DEFINITION, O_DRAFT, O_REPRODUCE, O_ALLOW_DRAFT };

typedef struct {
	const char *out, *as_of, *anchor, *commit, *definition, *reproduce;
	int force, draft, allow_draft;
} pack_args;

static int on_opt(int id, const char *arg, void *u)
{
	pack_args *a = u;
	switch (id) {
	case O_OUT: a->out = arg; break;
	case O_AS_OF: a->as_of = arg; break;
	case O_FORCE: a->force = 1; break;
	case O_DRAFT: a->draft = 1; break;
	case O_ANCHOR: a->anchor = arg; break;
	case O_COMMIT: a->commit = arg; break;
	case O_DEFINITION: a->definition = arg; break;
	case O_REPRODUCE: a->reproduce = arg; break;
	case O_ALLOW_DRAFT: a->allow_draft = 1; break;
	default: break;
	}
	return -1;
}

const char cmd_pack_help[] =
	"usage: smsaudit pack AUDIT -o DIR [--as-of DATE | --commit REV] [--definition FILE]\n"
	"                     [--draft] [--force]\n"
	"       smsaudit pack --reproduce DIR [--definition FILE]\n"
	"\n"
	"Writes DIR with every file of the repository as it stood at the end of DATE\n"
	"(default: head, today) or at REV: records and their signatures, evidence\n"
	"content, the SMS description, the pinned catalogue and trust/ (the trust\n"
	"anchors); each evidence file again as evidence/<clause>/<id>-<name> and\n"
	"index.html, which lists every clause's evidence with links to those files;\n"
	"SHA256SUMS (those files in sha256sum's format); pack.pdf, the report\n"
	"for the audit's type as laid out by reports/<type>.xml (or --definition FILE),\n"
	"with SHA256SUMS's digest on its cover and every footer; manifest.xml (every\n"
	"file's SHA-256 and size, pack.pdf included, the source commit, the audit, the\n"
	"as-of date, the tool) and manifest.xml.p7s, its signature by you (a quality\n"
	"manager). Sealing commits a seal record with those digests and moves the tag\n"
	"audit/<audit-id> to the source commit (a surveillance pack's 'changes since\n"
	"the previous audit' start from that tag); --draft does neither, and says\n"
	"DRAFT on every page and in the manifest (verify-pack reports it). The pack is\n"
	"built beside DIR and moved into place only when complete. DIR must not exist\n"
	"or be empty unless --force. The same commit, audit and as-of date give the\n"
	"same bytes (the PDF's dates: SOURCE_DATE_EPOCH, else the as-of date), except\n"
	"manifest.xml.p7s (ECDSA signatures are randomised). Give the auditor the\n"
	"trust-anchor fingerprint printed at the end through another channel.\n"
	"\n"
	"--reproduce DIR rebuilds the pack in DIR from this repository at the commit and\n"
	"as-of date its manifest names, in a scratch folder, signing and sealing\n"
	"nothing (no key needed: an auditor with a clone can run it), and compares\n"
	"every file but the manifest's signature and token byte for byte: exit 0 when\n"
	"all are identical, 1 with one DIFFERS line per file otherwise. Give the same\n"
	"--definition and SOURCE_DATE_EPOCH as when the pack was built.\n"
	"\n"
	"examples:\n"
	"  smsaudit --as ada@example.org pack audit-20270201-3fa9 -o stage2-pack --as-of 2027-03-01\n"
	"  smsaudit --as ada@example.org pack audit-20270201-3fa9 -o draft --draft --definition short.xml\n"
	"  smsaudit pack --reproduce stage2-pack\n";

static void on_differs(const char *file, const char *message, void *u)
{
	(void)u;
	printf("DIFFERS %s: %s\n", cli_safe(file), cli_safe(message));
}

/* pack --reproduce DIR: rebuild without sealing, compare byte for byte. */
static int reproduce(cli_ctx *ctx, const pack_args *a)
{
	cli_session s;
	int rc = cli_session_open(ctx, &s, 0);
	if (rc >= 0)
		return rc;
	smsaudit_pack_check chk;
	size_t ndiffer = 0;
	int r = smsaudit_pack_reproduce(&chk, &ndiffer, s.store, a->reproduce, a->definition, on_differs, NULL);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		printf("%s %s: pack %s, audit %s, commit %.12s, as of %s%s: ", ndiffer ? "reproduce failed:" : "reproduce ok:",
		       cli_safe(a->reproduce), cli_safe(chk.pack_id), cli_safe(chk.audit), cli_safe(chk.commit),
		       cli_safe(chk.as_of), chk.draft ? " (a draft)" : "");
		if (ndiffer)
			printf("%zu file%s differ%s\n", ndiffer, ndiffer == 1 ? "" : "s", ndiffer == 1 ? "s" : "");
		else
			printf("all %zu files byte-identical but the manifest's signature\n", chk.nfiles);
		rc = ndiffer ? EXIT_CHECK : EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}


int cmd_pack(cli_ctx *ctx, int argc, char **argv)
{
	static const cli_option opts[] = { { "output", 1, O_OUT, 'o' },
		                               { "as-of", 1, O_AS_OF, 0 },
		                               { "force", 0, O_FORCE, 0 },
		                               { "commit", 1, O_COMMIT, 0 },
		                               { "definition", 1, O_DEFINITION, 0 },
		                               { "draft", 0, O_DRAFT, 0 },
		                               { "reproduce", 1, O_REPRODUCE, 0 },
		                               { NULL, 0, 0, 0 } };
	pack_args a = { NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0 };
	char **pos = NULL;
	int npos = 0;
	int rc = cli_parse(ctx, "pack", argc, argv, opts, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	if (a.reproduce) {
		free(pos);
		if (npos || a.out || a.as_of || a.commit || a.draft || a.force)
			return cli_usage("pack", "--reproduce DIR takes the audit, commit and date from DIR's manifest: "
			                         "give no AUDIT, -o, --as-of, --commit, --draft or --force");
		return reproduce(ctx, &a);
	}
	smsaudit_pack_options o = SMSAUDIT_PACK_OPTIONS_INIT;
	o.audit = npos == 1 ? pos[0] : NULL;
	o.out_dir = a.out;
	o.force = a.force;
	o.commit = a.commit;
	o.definition = a.definition;
	o.no_seal = a.draft;
	if (npos != 1)
		rc = cli_usage("pack", "'pack' needs one audit id");
	else if (!a.out)
		rc = cli_usage("pack", "'pack' needs -o DIR, the folder to write");
	else if (a.as_of && smsaudit_date_parse(&o.as_of, a.as_of) < 0)
		rc = cli_usage("pack", "--as-of: %s", smsaudit_error_last()->message);
	free(pos);
	if (rc >= 0)
		return rc;
	cli_session s;
	if ((rc = cli_session_open(ctx, &s, 1)) >= 0)
		return rc;
	smsaudit_pack_result res;
	int r = smsaudit_pack_build(&res, s.store, s.me, &o);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		printf("Pack %s written to %s: %zu files, %llu bytes, from commit %.12s.\n", res.pack_id, cli_safe(o.out_dir),
		       res.nfiles, (unsigned long long)res.bytes, res.commit);
		printf("Report            %s/pack.pdf, %d pages\n", cli_safe(o.out_dir), res.pages);
		if (res.replaced)
			printf("Note              %zu characters the embedded fonts lack are shown as [U+XXXX]\n", res.replaced);
		printf("Manifest SHA-256  %s\nSHA256SUMS        %s (printed on every page of the report)\n"
		       "Trust anchor      %s (give this fingerprint to the auditor separately)\n",
		       res.manifest_sha256, res.sums_sha256, res.anchor_sha256);
		if (res.seal_id[0])
			printf("Sealed            %s; tag %s -> %.12s\n", res.seal_id, res.tag, res.commit);
		else
			printf("Draft             not sealed: no seal record, no tag\n");
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}

static void on_problem(const char *file, const char *message, void *u)
{
	(void)u;
	/* A pack is a folder from someone else: its names are shown, never obeyed. */
	printf("FAIL %s: %s\n", cli_safe(file), cli_safe(message));
}

const char cmd_verify_pack_help[] =
	"usage: smsaudit verify-pack DIR [--anchor SHA256] [--allow-draft]\n"
	"\n"
	"Needs nothing but the folder: checks manifest.xml.p7s against trust/ca.pem,\n"
	"that the signer is a quality manager of the pack, every file's SHA-256 and\n"
	"size (pack.pdf included), that SHA256SUMS says what the manifest says, that\n"
	"nothing unlisted was added and nothing listed is missing, and every\n"
	"record's signature, signer's authority and content digest (the same checks as\n"
	"'verify'). --anchor compares trust/ca.pem's fingerprint with the one the\n"
	"organisation gave you. When the organisation configured a time-stamping\n"
	"authority, manifest.xml.tsr is its token over the manifest: checked against\n"
	"the pack's trust/tsa/, it says when the pack was sealed at the latest (and\n"
	"the records' own tokens under stamps/ are checked as verify does). Prints\n"
	"one FAIL line per problem naming the file; exit 1 on any. A draft (pack\n"
	"--draft: never sealed, DRAFT on every page) is reported as one and exits 1\n"
	"unless --allow-draft.\n"
	"\n"
	"example:\n"
	"  smsaudit verify-pack stage2-pack --anchor 3fa9...\n";


int cmd_verify_pack(cli_ctx *ctx, int argc, char **argv)
{
	static const cli_option opts[] = { { "anchor", 1, O_ANCHOR, 0 }, { "allow-draft", 0, O_ALLOW_DRAFT, 0 },
		                               { NULL, 0, 0, 0 } };
	pack_args a = { NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0 };
	char **pos = NULL;
	int npos = 0;
	int rc = cli_parse(ctx, "verify-pack", argc, argv, opts, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	if (npos != 1) {
		free(pos);
		return cli_usage("verify-pack", "'verify-pack' needs one pack folder");
	}
	smsaudit_pack_check chk;
	int r = smsaudit_pack_verify(&chk, pos[0], on_problem, NULL);
	if (r < 0) {
		free(pos);
		return cli_fail(r);
	}
	if (a.anchor && strcmp(a.anchor, chk.anchor_sha256) != 0) {
		printf("FAIL trust/ca.pem: its fingerprint %s is not the one you were given (%s)\n", chk.anchor_sha256,
		       a.anchor);
		chk.nproblems++;
	}
	/* A draft verifies as what it is, never as a sealed pack. */
	if (chk.draft)
		printf("DRAFT manifest.xml: this pack is a draft, never sealed: no seal record or audit tag vouches for it%s\n",
		       a.allow_draft ? " (--allow-draft)" : "");
	int draft_fails = chk.draft && !a.allow_draft;
	printf("%s %s: %spack %s, audit %s, commit %.12s, as of %s, %zu file%s, %zu record%s, signed by %s\n",
	       chk.nproblems || draft_fails ? "verify-pack failed:" : "verify-pack ok:", cli_safe(pos[0]),
	       chk.draft ? "DRAFT " : "", cli_safe(chk.pack_id),
	       cli_safe(chk.audit), cli_safe(chk.commit), cli_safe(chk.as_of), chk.nfiles, chk.nfiles == 1 ? "" : "s",
	       chk.nrecords, chk.nrecords == 1 ? "" : "s",
	       cli_safe(chk.signer[0] ? chk.signer : "?"));
	printf("Trust anchor %s%s\n", chk.anchor_sha256,
	       a.anchor ? (strcmp(a.anchor, chk.anchor_sha256) == 0 ? " (matches --anchor)" : "")
	                : " (compare it with the fingerprint the organisation gave you, or pass --anchor)");
	char when[21];
	if (chk.stamped_at) {
		smsaudit_time_format(when, chk.stamped_at);
		printf("Sealed no later than %s, says the time-stamping authority (CA %s)\n", when, chk.tsa);
	} else if (chk.signed_at) {
		smsaudit_time_format(when, chk.signed_at);
		printf("Sealed at %s by the signer's clock; no time-stamp token%s\n", when,
		       chk.tsa_configured ? " (the time-stamping authority did not answer when it was sealed)" : "");
	}
	if (chk.nproblems)
		printf("%zu problem%s\n", chk.nproblems, chk.nproblems == 1 ? "" : "s");
	free(pos);
	return chk.nproblems || draft_fails ? EXIT_CHECK : EXIT_OK;
}

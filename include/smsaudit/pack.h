/*
 * smsaudit — audit packs: a folder an external auditor verifies offline.
 *
 * A pack holds pack.pdf (the report, laid out by the pack definition for the
 * audit's type: see report.h), the repository's files at one commit (records and their
 * signatures, evidence content, the SMS description, the pinned catalogue, the
 * trust anchors), SHA256SUMS (every file but the PDF and the manifest, in
 * sha256sum's format; its digest is printed on every page of the PDF), a
 * manifest listing every file with its SHA-256 and size, the
 * source commit, the audit, the as-of date and the tool, and the manifest's
 * detached signature by a quality manager. Verification needs nothing but the
 * folder: the manifest signature, every digest, nothing unlisted, and every
 * record's signature and authority, checked by the same code as `verify`.
 */
#ifndef SMSAUDIT_PACK_H
#define SMSAUDIT_PACK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common.h"
#include "store.h"

typedef struct {
	const char *audit;     /* the audit's id or a unique prefix */
	const char *out_dir;   /* created; must not exist or be empty unless `force` */
	time_t as_of;          /* the repository as it stood at the end of this day; 0: head, today */
	int force;             /* replace a non-empty out_dir */
	const char *commit;    /* an exact source commit (a revision); overrides as_of's commit */
	const char *definition;/* a pack definition file; NULL: the one shipped for the audit's type */
	int no_seal;           /* a draft: no seal record, no tag; DRAFT on every page and in the manifest */
	/* A sealed pack rebuilt to compare (smsaudit_pack_reproduce): laid out as
	 * sealed by `sealed_by`, but nothing is signed, stamped, committed or tagged;
	 * `signer` may be NULL. */
	int reproduce;
	const char *sealed_by;
} smsaudit_pack_options;

#define SMSAUDIT_PACK_OPTIONS_INIT { NULL, NULL, 0, 0, NULL, NULL, 0, 0, NULL }

typedef struct {
	char pack_id[80];
	char commit[41];
	char manifest_sha256[65];
	char anchor_sha256[65];
	char sums_sha256[65];      /* SHA-256 of SHA256SUMS: the digest on the PDF's cover and footers */
	char pdf_sha256[65];
	size_t nfiles;
	uint64_t bytes;
	char seal_id[SMSAUDIT_ID_MAX];  /* the seal record committed ("" for a draft) */
	char tag[SMSAUDIT_ID_MAX + 8];  /* audit/<audit-id>, now at the source commit */
	int pages;                 /* of pack.pdf */
	size_t replaced;           /* characters shown as [U+XXXX] because no embedded font has them */
} smsaudit_pack_result;

/*
 * Build the pack into a temporary sibling of out_dir and move it into place
 * only when complete, so a failure (disk full, unwritable) never leaves a pack
 * that looks complete. The signer must be a quality manager.
 */
int smsaudit_pack_build(smsaudit_pack_result *out, smsaudit_store *store, smsaudit_identity *signer,
                        const smsaudit_pack_options *o);

typedef struct {
	char pack_id[80];
	char audit[80];
	char commit[41];
	char as_of[11];
	char signer[256];
	char anchor_sha256[65];      /* SHA-256 of trust/ca.pem's DER: compare with the organisation's */
	size_t nfiles;
	size_t nrecords;
	size_t nproblems;
	time_t signed_at;            /* the manifest signature's signing time (the quality manager's clock) */
	int tsa_configured;          /* the pack's repository configures a time-stamping authority */
	time_t stamped_at;           /* sealed no later than this, says the TSA's token (0: no token) */
	char tsa[17];                /* the first 16 hex digits of that TSA's CA fingerprint */
	int draft;                   /* the manifest says the pack is a draft: never sealed */
} smsaudit_pack_check;

/* Called once per problem, naming the file at fault. */
typedef void (*smsaudit_pack_problem_fn)(const char *file, const char *message, void *u);

/*
 * Verify a pack folder offline. Returns 0 when it could be examined (problems
 * are counted in out->nproblems and reported through `fn`), a negative error
 * when the folder cannot be read at all.
 */
int smsaudit_pack_verify(smsaudit_pack_check *out, const char *dir, smsaudit_pack_problem_fn fn, void *u);

/*
 * Rebuild the pack in `dir` from `store` at the source commit and as-of date
 * its manifest names (with `definition`, NULL: the shipped one, as when it
 * was built), in a scratch folder, without signing or sealing anything, and
 * compare every file byte for byte; the manifest's signature and time-stamp
 * token are not compared (ECDSA signatures are randomised). `fn` is called
 * once per file that differs, is missing from either or is extra. The PDF's
 * dates come from SOURCE_DATE_EPOCH or the as-of date, as when it was built.
 * `out` holds the manifest's identity and draft flag; *ndiffer the count.
 */
int smsaudit_pack_reproduce(smsaudit_pack_check *out, size_t *ndiffer, smsaudit_store *store, const char *dir,
                            const char *definition, smsaudit_pack_problem_fn fn, void *u);

/*
 * A pack folder read as a repository (for `evidence show` and `get` on a
 * pack): the files its manifest lists, each digest checked, imported into a
 * scratch repository as one commit, and the state at that commit (records'
 * signatures and signers checked as verify-pack does). A file that differs
 * from the manifest is refused (SMSAUDIT_EVERIFY: run verify-pack). The
 * scratch repository goes with smsaudit_pack_view_free.
 */
typedef struct smsaudit_pack_view smsaudit_pack_view;

int smsaudit_pack_view_open(smsaudit_pack_view **out, const char *dir);
smsaudit_store *smsaudit_pack_view_store(const smsaudit_pack_view *v);
const smsaudit_state *smsaudit_pack_view_state(const smsaudit_pack_view *v);
/* The manifest's as-of date and source commit (40 hex). */
time_t smsaudit_pack_view_as_of(const smsaudit_pack_view *v);
const char *smsaudit_pack_view_commit(const smsaudit_pack_view *v);
void smsaudit_pack_view_free(smsaudit_pack_view *v);

#endif

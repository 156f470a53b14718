/* The state of a store as state.c derives it and stateindex.c keeps it:
 * shared by those two only. */
#ifndef SMSAUDIT_STATE_INTERNAL_H
#define SMSAUDIT_STATE_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "smsaudit/repo.h"
#include "smsaudit/sms.h"
#include "smsaudit/store.h"

/* A record as a state read from the index holds it: what
 * smsaudit_state_record_at gives out, nothing of the derivation. */
typedef struct {
	smsaudit_record *rec;
	const char *path;
	const char *signer_email;   /* NULL: unknown */
	smsaudit_oid blob;
	unsigned signer_roles;
	int valid;
	time_t stamped_at;
	int ledger_valid;           /* valid as the ledger judged it, before the model's rules */
} state_rec;

/* A record while a state is derived. */
typedef struct {
	smsaudit_record *rec;
	const char *path;       /* in the state's path_chunks */
	smsaudit_oid blob, sig_blob;
	int have_sig;
	int content;            /* evidence: CONTENT_* below */
	uint64_t content_size;
	int sig_ok;             /* signature verified, made-at matches */
	int valid;              /* and the signer was allowed */
	int ledger_valid;       /* `valid` when the ledger was done (state_ledger_done) */
	char signer_fp[65];
	const char *signer_email;   /* the granting record's email, once judged */
	unsigned signer_roles;      /* and the roles it granted */
	time_t signed_at;
	size_t commit;          /* index in the history of the commit that added it */
	time_t stamped_at;      /* the earliest time-stamp token that vouches for it, or 0 */
	long stamp_tolerance;   /* and its TSA's tolerance (seconds) */
	int prejudged;          /* accepted by the verify a base comes from: applied, not judged again */
	size_t order;           /* and the order that verify applied it in */
} loaded;

enum { CONTENT_UNCHECKED, CONTENT_OK, CONTENT_MISSING, CONTENT_CHANGED, CONTENT_SIZE, CONTENT_UNREADABLE };

/* The loaded records' paths, copied one after another into big blocks (one
 * allocation per record, 160 bytes in place, cost 15 MB at 100,000 records). */
typedef struct path_chunk {
	struct path_chunk *next;
	size_t used, size;
	char bytes[];
} path_chunk;

struct smsaudit_state {
	pthread_mutex_t lock;   /* problems are added from worker threads */
	path_chunk *paths;      /* the loaded records' paths (only from the loading thread) */
	loaded *recs;
	size_t nrecs, arecs;
	smsaudit_evidence_entry *evidence;
	size_t nevidence;
	smsaudit_person_entry *people;
	size_t npeople;
	smsaudit_problem *problems;
	size_t nproblems, aproblems;
	size_t content_checked;
	size_t cache_hits;
	smsaudit_sms_policy policy;
	smsaudit_history *history;  /* every commit reachable from the one loaded */
	unsigned flags;
	size_t damaged;             /* objects that could not be read */
	smsaudit_oid at;            /* the commit loaded */
	const smsaudit_record *sms; /* the SMS description in force: the latest valid sms record, or NULL */
	char *sms_merged;           /* ... merged with versions made concurrently (NULL: none were) */
	char sms_conflicts[300];    /* elements both changed concurrently, the later version's kept */
	const smsaudit_record *certificate; /* the certificate in force: the latest valid one, or NULL */
	char damage[512];           /* the first such message */
	/* A state loaded since a base (state_load_since): the base's counts and commits. */
	int since;
	smsaudit_oid root, base;
	size_t base_records, base_evidence, base_checked;
	size_t awaiting;            /* records that must still get a time-stamp token (within their tolerance) */
	/* The clock readings for which a derivation holds: it judged a record
	 * against the verifier's clock (signed in its future, waiting for a
	 * time-stamp token) only in a way that stays true while the clock reads
	 * between clock_lo and clock_hi; clock_unsure when a record was in the
	 * clock's future (that changes as the clock moves on). The state index
	 * keeps a state for that window only. */
	time_t clock_lo, clock_hi;
	int clock_unsure;
	/* A state read from the state index (stateindex.c): `index_block` holds
	 * its records, entries and strings; `irecs` stands for `recs`, and the
	 * commits of its history are kept sorted instead of the history. */
	void *index_block;
	state_rec *irecs;
	const smsaudit_oid *commits;
	size_t ncommits;
	const uint32_t *by_id;      /* state_records_by_id */
	size_t nby_id;
	int index_hit;              /* read as it is: nothing to write back */
	/* A state read from the index and extended by the commits since
	 * (stateindex.c): `added` holds the new records; `owned` what was
	 * allocated for the state itself. */
	smsaudit_state *added;
	void *owned[8];
	size_t nowned;
	int owns_problems;          /* `problems` is its own (the model adds to it) */
	/* What the ledger found before the model's rules (state_ledger_done):
	 * an extension starts from it. */
	smsaudit_problem *ledger_problems;
	size_t nledger_problems;
	int owns_ledger_problems;
};



/* What the state gives out of a record while it is derived; `ledger_valid`
 * as the caller knows it. */
static inline state_rec state_rec_of(const loaded *l, int ledger_valid)
{
	state_rec r = { l->rec, l->path, l->signer_email, l->blob, l->signer_roles, l->valid, l->stamped_at,
	                ledger_valid };
	return r;
}

#endif

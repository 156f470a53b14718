/*
 * Deriving the state of a store from its records, and verifying it on the way.
 *
 * Every record's signature is checked against the trust anchor at its signing
 * time; then the records are replayed in time order so that each signer's
 * roles, validity and revocations are judged as they stood when the record was
 * signed. Evidence whose record fails any check is kept in the state but marked
 * invalid, so no analysis can count it by accident.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "internal.h"
#include "smsaudit/stamp.h"
#include "state_internal.h"
#include "store_internal.h"

static void problem(smsaudit_state *st, const char *path, const char *id, const char *fmt, ...)
	SMSAUDIT_PRINTF(4, 5);

static void problem(smsaudit_state *st, const char *path, const char *id, const char *fmt, ...)
{
	pthread_mutex_lock(&st->lock);
	if (st->nproblems == st->aproblems) {
		size_t n = st->aproblems ? st->aproblems * 2 : 16;
		smsaudit_problem *p = realloc(st->problems, n * sizeof(*p));
		if (!p) {
			pthread_mutex_unlock(&st->lock);
			return; /* the count of problems is then a lower bound; the caller still sees failure */
		}
		st->problems = p;
		st->aproblems = n;
	}
	smsaudit_problem *p = &st->problems[st->nproblems++];
	memset(p, 0, sizeof(*p)); /* whole: the state index keeps the bytes */
	snprintf(p->path, sizeof(p->path), "%s", path ? path : "");
	snprintf(p->id, sizeof(p->id), "%s", id ? id : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->message, sizeof(p->message), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&st->lock);
}

/* A copy of `path` that lives as long as the state; NULL when out of memory. */
static const char *state_path(smsaudit_state *st, const char *path)
{
	size_t n = strlen(path) + 1;
	if (!st->paths || st->paths->size - st->paths->used < n) {
		size_t size = n > 60000 ? n : 60000;
		path_chunk *c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = st->paths;
		c->used = 0;
		c->size = size;
		st->paths = c;
	}
	char *p = st->paths->bytes + st->paths->used;
	memcpy(p, path, n);
	st->paths->used += n;
	return p;
}

void smsaudit_state_free(smsaudit_state *st)
{
	if (!st)
		return;
	if (st->owns_ledger_problems)
		free(st->ledger_problems);
	if (st->index_block) {
		/* Records, entries and strings are all in the block, or in the
		 * state that extends it. */
		free(st->index_block);
		for (size_t i = 0; i < st->nowned; i++)
			free(st->owned[i]);
		if (st->owns_problems)
			free(st->problems);
		smsaudit_state_free(st->added);
		pthread_mutex_destroy(&st->lock);
		free(st);
		return;
	}
	for (size_t i = 0; i < st->nrecs; i++)
		smsaudit_record_free(st->recs[i].rec);
	free(st->recs);
	free(st->evidence);
	free(st->people);
	free(st->problems);
	while (st->paths) {
		path_chunk *next = st->paths->next;
		free(st->paths);
		st->paths = next;
	}
	smsaudit_history_free(st->history);
	free(st->sms_merged);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

size_t smsaudit_state_record_count(const smsaudit_state *st) { return st->nrecs; }
size_t smsaudit_state_evidence_count(const smsaudit_state *st) { return st->nevidence; }
size_t smsaudit_state_person_count(const smsaudit_state *st) { return st->npeople; }
size_t smsaudit_state_problem_count(const smsaudit_state *st) { return st->nproblems; }
size_t smsaudit_state_content_checked(const smsaudit_state *st) { return st->content_checked; }
size_t smsaudit_state_cache_hits(const smsaudit_state *st) { return st->cache_hits; }
size_t smsaudit_state_awaiting_stamp(const smsaudit_state *st) { return st->awaiting; }

const smsaudit_evidence_entry *smsaudit_state_evidence_at(const smsaudit_state *st, size_t i)
{
	return i < st->nevidence ? &st->evidence[i] : NULL;
}

void smsaudit_state_record_at(smsaudit_record_entry *out, const smsaudit_state *st, size_t i)
{
	memset(out, 0, sizeof(*out));
	if (i >= st->nrecs)
		return;
	state_rec r = st->irecs ? st->irecs[i] : state_rec_of(&st->recs[i], st->recs[i].ledger_valid);
	out->record = r.rec;
	out->path = r.path;
	out->valid = r.valid;
	out->signer_email = r.signer_email ? r.signer_email : "";
	out->signer_roles = r.signer_roles;
	out->blob = r.blob;
	out->stamped_at = r.stamped_at;
}

const smsaudit_oid *smsaudit_state_commit(const smsaudit_state *st)
{
	return &st->at;
}

const smsaudit_oid *smsaudit_state_root(const smsaudit_state *st)
{
	return st->since || st->index_block ? &st->root : smsaudit_history_commit(st->history, 0);
}

const smsaudit_history *state_history(const smsaudit_state *st)
{
	return st->history;
}

const smsaudit_oid *state_base_commit(const smsaudit_state *st)
{
	return st->since ? &st->base : NULL;
}

void state_totals(const smsaudit_state *st, size_t *records, size_t *evidence, size_t *content_checked,
                  int *content, size_t *awaiting)
{
	*awaiting = st->awaiting;
	*content = (st->flags & SMSAUDIT_STATE_CHECK_CONTENT) != 0;
	*records = st->base_records + st->nrecs;
	*evidence = st->base_evidence + st->nevidence;
	*content_checked = st->base_checked + st->content_checked;
}

static int cmp_oid(const void *a, const void *b)
{
	return memcmp(((const smsaudit_oid *)a)->id, ((const smsaudit_oid *)b)->id, sizeof(((smsaudit_oid *)0)->id));
}

int smsaudit_state_has_commit(const smsaudit_state *st, const smsaudit_oid *commit)
{
	if (st->index_block)
		return st->ncommits && bsearch(commit, st->commits, st->ncommits, sizeof(*commit), cmp_oid) != NULL;
	size_t i;
	int rc = smsaudit_history_find(&i, st->history, commit) == 0;
	smsaudit_error_clear();
	return rc;
}

typedef struct {
	const char *id;
	uint32_t at;
} id_at;

static int cmp_id_at(const void *a, const void *b)
{
	return strcmp(((const id_at *)a)->id, ((const id_at *)b)->id);
}

int state_records_by_id(const uint32_t **out, size_t *n, uint32_t **owned, const smsaudit_state *st)
{
	*owned = NULL;
	if (st->by_id) {
		*out = st->by_id;
		*n = st->nby_id;
		return 0;
	}
	*out = NULL;
	*n = 0;
	id_at *v = malloc((st->nrecs ? st->nrecs : 1) * sizeof(*v));
	uint32_t *pos = malloc((st->nrecs ? st->nrecs : 1) * sizeof(*pos));
	if (!v || !pos || st->nrecs > UINT32_MAX) {
		free(v);
		free(pos);
		return error_oom();
	}
	size_t k = 0;
	for (size_t i = 0; i < st->nrecs; i++) {
		smsaudit_record_entry e;
		smsaudit_state_record_at(&e, st, i);
		if (e.record) {
			v[k].id = e.record->id;
			v[k++].at = (uint32_t)i;
		}
	}
	if (k > 1)
		qsort(v, k, sizeof(*v), cmp_id_at);
	for (size_t i = 0; i < k; i++)
		pos[i] = v[i].at;
	free(v);
	*out = *owned = pos;
	*n = k;
	return 0;
}

const smsaudit_record *smsaudit_state_certificate(const smsaudit_state *st)
{
	return st->certificate;
}

const smsaudit_sms_policy *smsaudit_state_policy(const smsaudit_state *st)
{
	return &st->policy;
}

const smsaudit_person_entry *smsaudit_state_person_at(const smsaudit_state *st, size_t i)
{
	return i < st->npeople ? &st->people[i] : NULL;
}

const smsaudit_problem *smsaudit_state_problem_at(const smsaudit_state *st, size_t i)
{
	return i < st->nproblems ? &st->problems[i] : NULL;
}

static const char *evidence_id_at(const void *set, size_t i)
{
	return ((const smsaudit_evidence_entry *)set)[i].record->id;
}

int smsaudit_state_find_evidence(const smsaudit_evidence_entry **out, const smsaudit_state *st,
                                 const char *id)
{
	*out = NULL;
	size_t i;
	int rc = smsaudit_id_resolve(&i, id, st->evidence, st->nevidence, evidence_id_at, "evidence",
	                             "smsaudit evidence list shows them");
	if (rc == 0)
		*out = &st->evidence[i];
	return rc;
}

/* ---- the ledger: which commit added each path, and what no commit may do ---- */

/* Clock skew tolerated between a record's signing time and the commit that
 * added it, or the verifier's clock. */
#define CLOCK_SKEW 300

typedef struct {
	const char *path;       /* the history's own (smsaudit_repo_history keeps its paths) */
	uint32_t commit;        /* as the history walk numbers commits */
	uint32_t hash;          /* of path, cut short: most probes end without a strcmp */
} added_path;

typedef struct {
	added_path *slots;
	size_t nslots, n;
} path_map;

static void path_map_free(path_map *m)
{
	free(m->slots);
}

/* 1 and the commit that added `path`, or 0. */
static int path_map_get(const path_map *m, const char *path, size_t *commit)
{
	if (!m->nslots)
		return 0;
	size_t h = text_hash(path);
	for (size_t s = h & (m->nslots - 1);; s = (s + 1) & (m->nslots - 1)) {
		if (!m->slots[s].path)
			return 0;
		if (m->slots[s].hash == (uint32_t)h && strcmp(m->slots[s].path, path) == 0) {
			*commit = m->slots[s].commit;
			return 1;
		}
	}
}

/* The first commit to add a path keeps it (two branches may add the same content). */
static int path_map_put(path_map *m, const char *path, size_t commit)
{
	size_t have;
	if (path_map_get(m, path, &have))
		return 0;
	if ((m->n + 1) * 2 > m->nslots) {
		size_t ns = m->nslots ? m->nslots * 2 : 4096;
		added_path *slots = calloc(ns, sizeof(*slots));
		if (!slots)
			return error_oom();
		for (size_t i = 0; i < m->nslots; i++) {
			if (!m->slots[i].path)
				continue;
			size_t s = m->slots[i].hash & (ns - 1); /* the low bits of text_hash: ns < 2^32 */
			while (slots[s].path)
				s = (s + 1) & (ns - 1);
			slots[s] = m->slots[i];
		}
		free(m->slots);
		m->slots = slots;
		m->nslots = ns;
	}
	size_t h = text_hash(path), s = h & (m->nslots - 1);
	while (m->slots[s].path)
		s = (s + 1) & (m->nslots - 1);
	m->slots[s].path = path;
	m->slots[s].commit = (uint32_t)commit;
	m->slots[s].hash = (uint32_t)h;
	m->n++;
	return 0;
}

typedef struct {
	smsaudit_state *st;
	smsaudit_store *store;
	path_map added;
} ledger_ctx;

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

/* Whether a path has a place in an smsaudit repository at all; what is at the
 * place is judged by the record checks (records/, trust/anchors/) and by the
 * content check (content/ must be named by an evidence record). */
static int path_has_a_place(const smsaudit_store *store, const char *path)
{
	if (strcmp(path, SMS_PATH) == 0 || strcmp(path, SMS_PATH ".p7s") == 0 || strcmp(path, CA_PATH) == 0 ||
	    strcmp(path, CA_PATH ".p7s") == 0 || strcmp(path, store->catalogue_path) == 0)
		return 1;
	if (strncmp(path, "records/", 8) == 0 || strncmp(path, ANCHORS_DIR "/", sizeof(ANCHORS_DIR)) == 0 ||
	    strncmp(path, SMSAUDIT_TSA_DIR "/", sizeof(SMSAUDIT_TSA_DIR)) == 0 ||
	    strncmp(path, SMSAUDIT_STAMPS_DIR "/", sizeof(SMSAUDIT_STAMPS_DIR)) == 0)
		return 1;
	/* content/<aa>/<sha256>, aa being the digest's first two digits */
	return strncmp(path, "content/", 8) == 0 && strlen(path) == 8 + 3 + 64 && path[10] == '/' &&
	       strncmp(path + 8, path + 11, 2) == 0 && is_hex(path + 11, 64);
}

static int ledger_change(const smsaudit_history *h, size_t i, const char *path, smsaudit_path_change change,
                         const smsaudit_oid *blob, void *u)
{
	(void)blob;
	ledger_ctx *lc = u;
	char hex[41];
	if (change == SMSAUDIT_PATH_ADDED) {
		if (!path_has_a_place(lc->store, path) && !(lc->st->flags & STATE_PEOPLE_ONLY)) {
			smsaudit_oid_fmt(hex, smsaudit_history_commit(h, i));
			problem(lc->st, path, "", "added in commit %.12s, but no record accounts for it and it has no place in "
			        "an smsaudit repository", hex);
		}
		return path_map_put(&lc->added, path, i);
	}
	if (lc->st->flags & STATE_PEOPLE_ONLY)
		return 0;
	size_t first = 0;
	char was[41] = "an earlier commit";
	if (path_map_get(&lc->added, path, &first)) {
		smsaudit_oid_fmt(was, smsaudit_history_commit(h, first));
		was[12] = '\0';
	}
	smsaudit_oid_fmt(hex, smsaudit_history_commit(h, i));
	if (change == SMSAUDIT_PATH_MODIFIED)
		problem(lc->st, path, "", "changed by commit %.12s after %s added it: what the history holds is never changed",
		        hex, was);
	else
		problem(lc->st, path, "", "removed by commit %.12s (added by %s): nothing is ever taken out of the history",
		        hex, was);
	return 0;
}

/* Walk the history up to `at`: which commit added each path, and every change
 * or removal of what an earlier commit added. */
static int ledger_walk(ledger_ctx *lc, smsaudit_repo *repo, const smsaudit_oid *at)
{
	smsaudit_state *st = lc->st;
	int rc = smsaudit_repo_history(&st->history, repo, at,
	                               st->flags & SMSAUDIT_STATE_NO_HISTORY_CACHE ? SMSAUDIT_HISTORY_NO_CACHE : 0,
	                               ledger_change, lc);
	if (rc < 0)
		return rc;
	const smsaudit_history *h = st->history;
	for (size_t i = 1; i < smsaudit_history_count(h); i++)
		if (smsaudit_history_parent_count(h, i) == 0) {
			char hex[41];
			smsaudit_oid_fmt(hex, smsaudit_history_commit(h, i));
			problem(st, "", "", "commit %.12s starts a second history (it has no parent): only the first commit "
			        "of the repository may", hex);
		}
	return 0;
}

/* ---- collecting ---- */

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* A file and the one beside it that vouches for it (a stamp's token, a TSA
 * configuration's signature). */
typedef struct {
	char path[200];
	smsaudit_oid blob, proof;
	int have_proof;
	size_t commit;          /* that added it */
	smsaudit_tsa tsa;       /* TSA configurations, once read (tsa.url NULL: unusable) */
} signed_file;

/* content/<aa>/<sha256> -> blob, from one walk of content/. */
typedef struct {
	char sha[65];
	smsaudit_oid blob;
	int referenced;         /* by an evidence record */
} content_entry;

typedef struct {
	smsaudit_state *st;
	smsaudit_store *store;
	unsigned flags;
	content_entry *content;
	size_t ncontent, acontent;
	record_cache *cache;    /* NULL unless SMSAUDIT_STATE_USE_CACHE */
	size_t cache_hits;
	const smsaudit_oid *lookup_at;  /* since a base: content not added since is looked up here */
	signed_file *stamps;            /* stamps/…/<id>.xml and the .tsr beside it */
	size_t nstamps, astamps;
	signed_file *tsas;              /* trust/tsa/<fp>.xml and its .p7s */
	size_t ntsas, atsas;
} collect_ctx;

static int content_cb(const char *path, const smsaudit_oid *blob, void *u)
{
	collect_ctx *c = u;
	const char *name = base_name(path);
	if (strlen(name) != 64)
		return 0; /* not content; verify reports nothing here, it is simply never referenced */
	if (c->ncontent == c->acontent) {
		size_t n = c->acontent ? c->acontent * 2 : 1024;
		content_entry *e = realloc(c->content, n * sizeof(*e));
		if (!e)
			return error_oom();
		c->content = e;
		c->acontent = n;
	}
	memcpy(c->content[c->ncontent].sha, name, 65);
	c->content[c->ncontent].blob = *blob;
	c->content[c->ncontent].referenced = 0;
	c->ncontent++;
	return 0;
}

static void note_damage(smsaudit_state *st);

static int push_signed_file(signed_file **v, size_t *n, size_t *alloc, const char *path, const smsaudit_oid *blob)
{
	if (*n == *alloc) {
		size_t na = *alloc ? *alloc * 2 : 16;
		signed_file *r = realloc(*v, na * sizeof(*r));
		if (!r)
			return error_oom();
		*v = r;
		*alloc = na;
	}
	signed_file *f = &(*v)[(*n)++];
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->blob = *blob;
	return 0;
}

/* "<x>.xml" then "<x>.xml<suffix>" (the walk is in path order): pairs. */
static int pair_file(collect_ctx *c, signed_file **v, size_t *n, size_t *alloc, const char *path,
                     const smsaudit_oid *blob, const char *suffix, const char *what)
{
	size_t len = strlen(path), sl = strlen(suffix);
	if (len > 4 + sl && strcmp(path + len - sl, suffix) == 0 && strncmp(path + len - sl - 4, ".xml", 4) == 0) {
		signed_file *prev = *n ? &(*v)[*n - 1] : NULL;
		if (prev && strlen(prev->path) == len - sl && strncmp(prev->path, path, len - sl) == 0 && !prev->have_proof) {
			prev->proof = *blob;
			prev->have_proof = 1;
			return 0;
		}
	} else if (len > 4 && strcmp(path + len - 4, ".xml") == 0 && len < sizeof((*v)->path)) {
		return push_signed_file(v, n, alloc, path, blob);
	}
	problem(c->st, path, "", "unexpected file among the %s", what);
	return 0;
}

static int stamps_cb(const char *path, const smsaudit_oid *blob, void *u)
{
	collect_ctx *c = u;
	return pair_file(c, &c->stamps, &c->nstamps, &c->astamps, path, blob, ".tsr", "time-stamps");
}

static int tsa_cb(const char *path, const smsaudit_oid *blob, void *u)
{
	collect_ctx *c = u;
	return pair_file(c, &c->tsas, &c->ntsas, &c->atsas, path, blob, ".p7s", "time-stamping authorities");
}

static void signed_files_free(signed_file *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		smsaudit_tsa_dispose(&v[i].tsa);
	free(v);
}

/* The TSA configurations (their signatures are judged with the authority, later). */
static void read_tsas(collect_ctx *c)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	for (size_t i = 0; i < c->ntsas; i++) {
		signed_file *f = &c->tsas[i];
		char want[64];
		if (smsaudit_repo_read_blob(&b, c->store->repo, &f->blob) < 0) {
			note_damage(c->st);
			problem(c->st, f->path, "", "cannot read: %s", smsaudit_error_last()->message);
		} else if (smsaudit_tsa_parse(&f->tsa, b.ptr, b.size, f->path) < 0) {
			problem(c->st, f->path, "", "%s", smsaudit_error_last()->message);
		} else if (snprintf(want, sizeof(want), SMSAUDIT_TSA_DIR "/%.16s.xml", f->tsa.ca_fingerprint),
		           strcmp(want, f->path) != 0) {
			problem(c->st, f->path, "", "a time-stamping authority is stored under its CA's fingerprint (%s)", want);
			smsaudit_tsa_dispose(&f->tsa);
		}
	}
	smsaudit_buf_dispose(&b);
	smsaudit_error_clear();
}

static int cmp_loaded_id(const void *a, const void *b)
{
	const loaded *x = *(const loaded *const *)a, *y = *(const loaded *const *)b;
	return strcmp(x->rec->id, y->rec->id);
}

/* One stamp: its token against the configured TSAs, and the records it lists. */
static void stamp_one(collect_ctx *c, smsaudit_repo *repo, const signed_file *f, loaded **index, size_t nindex,
                      smsaudit_buf *xml, smsaudit_buf *tsr)
{
	smsaudit_state *st = c->st;
	char tsr_path[220], want[200];
	snprintf(tsr_path, sizeof(tsr_path), "%s.tsr", f->path);
	smsaudit_stamp_list list;
	if (!f->have_proof) {
		problem(st, f->path, "", "time-stamp token missing (%s)", tsr_path);
		return;
	}
	if (smsaudit_repo_read_blob(xml, repo, &f->blob) < 0 || smsaudit_repo_read_blob(tsr, repo, &f->proof) < 0) {
		note_damage(st);
		problem(st, f->path, "", "cannot read: %s", smsaudit_error_last()->message);
		return;
	}
	if (smsaudit_stamp_parse(&list, xml->ptr, xml->size, f->path) < 0) {
		problem(st, f->path, "", "%s", smsaudit_error_last()->message);
		return;
	}
	if (smsaudit_stamp_path(want, sizeof(want), list.id) < 0 || strcmp(want, f->path) != 0) {
		problem(st, f->path, list.id, "stamp stored at the wrong path (expected %s)", want);
		smsaudit_stamp_dispose(&list);
		return;
	}
	time_t when = 0;
	const smsaudit_tsa *by = NULL;
	char why[600] = "no time-stamping authority is configured in " SMSAUDIT_TSA_DIR;
	for (size_t i = 0; !by && i < c->ntsas; i++) {
		if (!c->tsas[i].tsa.url)
			continue;
		if (smsaudit_tsa_check(&when, tsr->ptr, tsr->size, xml->ptr, xml->size, c->tsas[i].tsa.ca) == 0)
			by = &c->tsas[i].tsa;
		else
			snprintf(why, sizeof(why), "%s", smsaudit_error_last()->message);
	}
	smsaudit_error_clear();
	if (!by) {
		problem(st, tsr_path, list.id, "the time-stamp token does not verify against any time-stamping authority "
		        "of " SMSAUDIT_TSA_DIR " (%s)", why);
		smsaudit_stamp_dispose(&list);
		return;
	}
	for (size_t k = 0; k < list.n; k++) {
		smsaudit_record key_rec;
		loaded key_l, *kp = &key_l;
		snprintf(key_rec.id, sizeof(key_rec.id), "%s", list.entries[k].id);
		key_l.rec = &key_rec;
		loaded **hit = nindex ? bsearch(&kp, index, nindex, sizeof(*index), cmp_loaded_id) : NULL;
		char sha[65];
		uint64_t size;
		if (!hit) {
			problem(st, f->path, list.id, "stamps %s, which is not in the repository", list.entries[k].id);
		} else if (!(*hit)->have_sig || smsaudit_repo_blob_sha256(sha, &size, repo, &(*hit)->sig_blob) < 0) {
			note_damage(st);
			smsaudit_error_clear();
			problem(st, f->path, list.id, "stamps %s, whose signature cannot be read", list.entries[k].id);
		} else if (strcmp(sha, list.entries[k].signature_sha256) != 0) {
			problem(st, f->path, list.id, "stamps another signature of %s than the one in the repository",
			        list.entries[k].id);
		} else {
			pthread_mutex_lock(&st->lock); /* two stamps may list one record */
			if (!(*hit)->stamped_at || when < (*hit)->stamped_at) {
				(*hit)->stamped_at = when;
				(*hit)->stamp_tolerance = by->tolerance;
			}
			pthread_mutex_unlock(&st->lock);
		}
	}
	smsaudit_stamp_dispose(&list);
}

typedef struct {
	collect_ctx *c;
	loaded **index;
	size_t nindex;
	size_t first, step;     /* this worker's stamps: first, first + step, ... */
	smsaudit_repo *repo;    /* its own handle (NULL: the store's, on the calling thread) */
} stamp_worker;

static void *stamp_work(void *arg)
{
	stamp_worker *w = arg;
	smsaudit_buf xml = SMSAUDIT_BUF_INIT, tsr = SMSAUDIT_BUF_INIT;
	smsaudit_repo *repo = w->repo ? w->repo : w->c->store->repo;
	for (size_t i = w->first; i < w->c->nstamps; i += w->step)
		stamp_one(w->c, repo, &w->c->stamps[i], w->index, w->nindex, &xml, &tsr);
	smsaudit_buf_dispose(&xml);
	smsaudit_buf_dispose(&tsr);
	return NULL;
}

/* When each record was time-stamped (before authority: the rules of time use
 * it). A token check is most of a millisecond of OpenSSL's time, so many
 * stamps are spread over the cores, each worker with its own repository
 * handle (libgit2 handles are not shared between threads). */
static void stamp_times(collect_ctx *c)
{
	smsaudit_state *st = c->st;
	if (!c->nstamps)
		return;
	loaded **index = malloc(st->nrecs * sizeof(*index));
	size_t n = 0;
	if (!index) {
		error_oom();
		return;
	}
	for (size_t i = 0; i < st->nrecs; i++)
		if (st->recs[i].rec)
			index[n++] = &st->recs[i];
	if (n > 1)
		qsort(index, n, sizeof(*index), cmp_loaded_id);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nw = c->nstamps < 16 || cores < 2 ? 1 : (size_t)(cores > 8 ? 8 : cores);
	stamp_worker w[8];
	pthread_t tid[8];
	int started[8] = { 0 };
	for (size_t k = 0; k < nw; k++) {
		w[k] = (stamp_worker){ c, index, n, k, nw, NULL };
		if (k > 0 && smsaudit_repo_open(&w[k].repo, smsaudit_repo_path(c->store->repo)) == 0 &&
		    pthread_create(&tid[k], NULL, stamp_work, &w[k]) == 0)
			started[k] = 1;
	}
	stamp_work(&w[0]);
	for (size_t k = 1; k < nw; k++) {
		if (started[k])
			pthread_join(tid[k], NULL);
		else {
			/* no thread: this one does the share */
			smsaudit_error_clear();
			stamp_work(&w[k]);
		}
		smsaudit_repo_free(w[k].repo);
	}
	free(index);
}

static int cmp_content(const void *a, const void *b)
{
	return strcmp(((const content_entry *)a)->sha, ((const content_entry *)b)->sha);
}

static int cmp_sha_content(const void *key, const void *e)
{
	return strcmp(key, ((const content_entry *)e)->sha);
}

static const content_entry *content_find(const collect_ctx *c, const char *sha)
{
	return c->ncontent ? bsearch(sha, c->content, c->ncontent, sizeof(*c->content), cmp_sha_content) : NULL;
}

/* The walk is in path order, so "<id>.xml" comes just before "<id>.xml.p7s":
 * each signature is paired with the record collected last. */
static int collect_cb(const char *path, const smsaudit_oid *blob, void *u)
{
	collect_ctx *c = u;
	smsaudit_state *st = c->st;
	if (ends_with(path, ".xml.p7s")) {
		loaded *prev = st->nrecs ? &st->recs[st->nrecs - 1] : NULL;
		size_t n = strlen(path) - 4;
		if (prev && strlen(prev->path) == n && strncmp(prev->path, path, n) == 0) {
			prev->sig_blob = *blob;
			prev->have_sig = 1;
		} else if (!(c->flags & STATE_PEOPLE_ONLY)) {
			problem(st, path, "", "signature without a record");
		}
		return 0;
	}
	if (!ends_with(path, ".xml")) {
		if (!(c->flags & STATE_PEOPLE_ONLY))
			problem(st, path, "", "unexpected file among the records");
		return 0;
	}
	const char *bn = base_name(path);
	if ((c->flags & STATE_PEOPLE_ONLY) && strncmp(bn, "person-", 7) != 0 && strncmp(bn, "revoke-", 7) != 0 &&
	    strncmp(bn, "sms-", 4) != 0)
		return 0;
	if (st->nrecs == st->arecs) {
		size_t n = st->arecs ? st->arecs * 2 : 256;
		loaded *r = realloc(st->recs, n * sizeof(*r));
		if (!r)
			return error_oom();
		st->recs = r;
		st->arecs = n;
	}
	loaded *l = &st->recs[st->nrecs];
	memset(l, 0, sizeof(*l));
	if (!(l->path = state_path(st, path)))
		return error_oom();
	l->blob = *blob;
	st->nrecs++;
	return 0;
}

static void check_content(collect_ctx *c, smsaudit_repo *repo, loaded *l);

/* An object could not be read (called right after the failing read). */
static void note_damage(smsaudit_state *st)
{
	const smsaudit_error *e = smsaudit_error_last();
	if (!e || e->code != SMSAUDIT_EDAMAGED)
		return;
	pthread_mutex_lock(&st->lock);
	if (!st->damaged++)
		snprintf(st->damage, sizeof(st->damage), "%s", e->message);
	pthread_mutex_unlock(&st->lock);
}

static int at_its_path(smsaudit_state *st, const loaded *l)
{
	char want[160];
	if (smsaudit_record_path(want, sizeof(want), l->rec->id) < 0 || strcmp(want, l->path) != 0) {
		problem(st, l->path, l->rec->id, "record stored at the wrong path (expected %s)", want);
		return 0;
	}
	return 1;
}

/* Parse and check the signature of one record (no authority yet). Returns 1
 * when the signature check came from the cache. */
static int load_one(collect_ctx *c, smsaudit_repo *repo, loaded *l, smsaudit_buf *xml, smsaudit_buf *sig)
{
	smsaudit_state *st = c->st;
	char id_from_name[SMSAUDIT_ID_MAX];
	snprintf(id_from_name, sizeof(id_from_name), "%.*s", (int)(strlen(base_name(l->path)) - 4), base_name(l->path));
	if (c->cache && l->have_sig &&
	    record_cache_get(c->cache, &l->blob, &l->sig_blob, l->signer_fp, &l->signed_at, &l->rec)) {
		if (!at_its_path(st, l))
			return 1;
		l->sig_ok = 1;
		check_content(c, repo, l);
		return 1;
	}
	if (smsaudit_repo_read_blob(xml, repo, &l->blob) < 0) {
		note_damage(st);
		problem(st, l->path, id_from_name, "cannot read: %s", smsaudit_error_last()->message);
		return 0;
	}
	if (smsaudit_record_parse(&l->rec, xml->ptr, xml->size, l->path) < 0) {
		problem(st, l->path, id_from_name, "invalid record: %s", smsaudit_error_last()->message);
		return 0;
	}
	if (!at_its_path(st, l))
		return 0;
	char sig_path[200];
	snprintf(sig_path, sizeof(sig_path), "%s.p7s", l->path);
	if (l->have_sig && smsaudit_repo_read_blob(sig, repo, &l->sig_blob) < 0) {
		note_damage(st);
		problem(st, sig_path, l->rec->id, "cannot read: %s", smsaudit_error_last()->message);
		return 0;
	}
	if (!l->have_sig) {
		problem(st, l->path, l->rec->id, "signature missing (%s)", sig_path);
		return 0;
	}
	smsaudit_cert *signer = NULL;
	if (smsaudit_verify_detached(&signer, &l->signed_at, xml->ptr, xml->size, sig->ptr, sig->size,
	                             c->store->trust) < 0) {
		problem(st, sig_path, l->rec->id, "%s", smsaudit_error_last()->message);
		return 0;
	}
	smsaudit_cert_fingerprint(l->signer_fp, signer);
	smsaudit_cert_free(signer);
	if (l->signed_at != l->rec->made_at) {
		char a[21], b[21];
		smsaudit_time_format(a, l->signed_at);
		smsaudit_time_format(b, l->rec->made_at);
		problem(st, sig_path, l->rec->id, "signed at %s but the record says made-at %s", a, b);
		return 0;
	}
	l->sig_ok = 1;
	if (c->cache)
		record_cache_put(c->cache, &l->blob, &l->sig_blob, l->signer_fp, l->signed_at, l->rec);
	check_content(c, repo, l);
	return 0;
}

/* The content an evidence record vouches for: present, and (if asked) intact. */
static void check_content(collect_ctx *c, smsaudit_repo *repo, loaded *l)
{
	if (l->rec->type != SMSAUDIT_REC_EVIDENCE)
		return;
	const smsaudit_evidence_body *b = &l->rec->evidence;
	const content_entry *ce = content_find(c, b->sha256);
	smsaudit_oid cblob;
	if (ce && strncmp(b->sha256, ce->sha, 64) == 0) {
		cblob = ce->blob;
	} else {
		/* Since a base, only the content added since was walked; what a new
		 * record names may have come before (the same bytes again). */
		char cpath[100];
		snprintf(cpath, sizeof(cpath), "content/%.2s/%s", b->sha256, b->sha256);
		if (!c->lookup_at || smsaudit_repo_path_oid(&cblob, repo, c->lookup_at, cpath) < 0) {
			smsaudit_error_clear();
			l->content = CONTENT_MISSING;
			return;
		}
	}
	if (!(c->flags & SMSAUDIT_STATE_CHECK_CONTENT))
		return;
	char sha[65];
	if (smsaudit_repo_blob_sha256(sha, &l->content_size, repo, &cblob) < 0) {
		note_damage(c->st);
		l->content = CONTENT_UNREADABLE;
	}
	else if (strcmp(sha, b->sha256) != 0)
		l->content = CONTENT_CHANGED;
	else if (l->content_size != b->size)
		l->content = CONTENT_SIZE;
	else
		l->content = CONTENT_OK;
}

/* Every content file is there because an evidence record names it. */
static void account_for_content(collect_ctx *c)
{
	for (size_t i = 0; i < c->st->nrecs; i++) {
		const loaded *l = &c->st->recs[i];
		if (!l->rec || l->rec->type != SMSAUDIT_REC_EVIDENCE)
			continue;
		content_entry *ce = (content_entry *)content_find(c, l->rec->evidence.sha256);
		if (ce)
			ce->referenced = 1;
	}
	for (size_t i = 0; i < c->ncontent; i++)
		if (!c->content[i].referenced) {
			char path[100];
			snprintf(path, sizeof(path), "content/%.2s/%s", c->content[i].sha, c->content[i].sha);
			problem(c->st, path, "", "no evidence record names this content");
		}
}

/* ---- parallel loading ---- */

typedef struct {
	collect_ctx *c;
	size_t next;            /* next record to take, under st->lock */
	int failed;
	pthread_t main;         /* the thread that reports progress */
} pool;

static void *worker(void *arg)
{
	pool *p = arg;
	smsaudit_state *st = p->c->st;
	smsaudit_repo *repo = NULL;
	/* libgit2 repositories are not shared between threads: one each. */
	if (smsaudit_repo_open(&repo, smsaudit_repo_path(p->c->store->repo)) < 0) {
		pthread_mutex_lock(&st->lock);
		p->failed = 1;
		pthread_mutex_unlock(&st->lock);
		return NULL;
	}
	smsaudit_buf xml = SMSAUDIT_BUF_INIT, sig = SMSAUDIT_BUF_INIT;
	size_t hits = 0;
	for (;;) {
		pthread_mutex_lock(&st->lock);
		size_t i = p->next;
		size_t batch = 16;
		p->next = i + batch < st->nrecs ? i + batch : st->nrecs;
		pthread_mutex_unlock(&st->lock);
		if (i >= st->nrecs)
			break;
		for (size_t k = i; k < i + batch && k < st->nrecs; k++)
			hits += (size_t)load_one(p->c, repo, &st->recs[k], &xml, &sig);
		if (pthread_equal(pthread_self(), p->main))
			progress_report("checking records", i, st->nrecs);
	}
	pthread_mutex_lock(&st->lock);
	p->c->cache_hits += hits;
	pthread_mutex_unlock(&st->lock);
	smsaudit_buf_dispose(&xml);
	smsaudit_buf_dispose(&sig);
	smsaudit_repo_free(repo);
	return NULL;
}

static int load_all(collect_ctx *c)
{
	smsaudit_state *st = c->st;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nthreads = cores > 1 ? (size_t)(cores > 8 ? 8 : cores) : 1;
	if (st->nrecs < 64)
		nthreads = 1;
	pool p = { c, 0, 0, pthread_self() };
	pthread_t tids[8];
	size_t started = 0;
	for (size_t t = 1; t < nthreads; t++)
		if (pthread_create(&tids[started], NULL, worker, &p) == 0)
			started++;
	worker(&p); /* this thread works too */
	for (size_t t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	progress_report("checking records", st->nrecs, st->nrecs);
	if (p.failed)
		return error_set(SMSAUDIT_EIO, "%s: cannot open the repository for reading",
		                 smsaudit_repo_path(c->store->repo));
	return 0;
}

static int cmp_loaded(const void *a, const void *b)
{
	const loaded *x = a, *y = b;
	if (!x->rec || !y->rec)
		return (x->rec == NULL) - (y->rec == NULL);
	if (x->rec->made_at != y->rec->made_at)
		return x->rec->made_at < y->rec->made_at ? -1 : 1;
	/* Grants before other records of the same second: a person added and
	 * acting in one second is ordered sensibly. */
	int gx = x->rec->type == SMSAUDIT_REC_PERSON, gy = y->rec->type == SMSAUDIT_REC_PERSON;
	if (gx != gy)
		return gy - gx;
	return strcmp(x->rec->id, y->rec->id);
}

/* The ledger's order: the commit that added a record first, then time. */
static int cmp_ledger(const void *a, const void *b)
{
	const loaded *x = a, *y = b;
	if (x->commit != y->commit)
		return x->commit < y->commit ? -1 : 1;
	if (x->prejudged != y->prejudged)
		return y->prejudged - x->prejudged;
	if (x->prejudged)
		return x->order < y->order ? -1 : x->order > y->order;
	return cmp_loaded(a, b);
}

/* ---- authority ---- */

/*
 * Authority is judged in the ledger's order: a record counts only against the
 * grants, revocations and replacements in effect at the commit that added it
 * (its ancestors, and what came before it in the same commit by time). The
 * time a record claims never moves it before its commit.
 */

typedef struct {
	const smsaudit_record *rec;  /* a grant or a revocation */
	size_t commit;
	time_t revoked_at;           /* grants: 0, or when (the earliest revocation in effect at the tip) */
} authority_entry;

/* For each commit, the set of commits holding authority records that are it
 * or its ancestors: one bit per such commit. */
typedef struct {
	size_t *bit_of;          /* commit -> bit + 1, 0 when it holds no authority record */
	uint64_t *reach;         /* commit -> words of bits */
	size_t words;
} ancestry;

static void ancestry_free(ancestry *a)
{
	free(a->bit_of);
	free(a->reach);
}

static int is_authority(smsaudit_record_type t)
{
	return t == SMSAUDIT_REC_PERSON || t == SMSAUDIT_REC_REVOCATION || t == SMSAUDIT_REC_ANCHOR;
}

static int is_sms(smsaudit_record_type t)
{
	return t == SMSAUDIT_REC_SMS;
}

/* Built for the commits that hold records `holds` says count. */
static int ancestry_build(ancestry *a, const smsaudit_state *st, int (*holds)(smsaudit_record_type))
{
	const smsaudit_history *h = st->history;
	size_t n = smsaudit_history_count(h), bits = 0;
	memset(a, 0, sizeof(*a));
	if (!(a->bit_of = calloc(n ? n : 1, sizeof(*a->bit_of))))
		return error_oom();
	for (size_t i = 0; i < st->nrecs; i++) {
		const loaded *l = &st->recs[i];
		if (l->rec && holds(l->rec->type) && !a->bit_of[l->commit])
			a->bit_of[l->commit] = ++bits;
	}
	a->words = (bits + 63) / 64 + 1;
	if (!(a->reach = calloc(n ? n * a->words : 1, sizeof(*a->reach))))
		return error_oom();
	for (size_t i = 0; i < n; i++) {
		uint64_t *r = &a->reach[i * a->words];
		for (size_t k = 0; k < smsaudit_history_parent_count(h, i); k++) {
			const uint64_t *p = &a->reach[smsaudit_history_parent(h, i, k) * a->words];
			for (size_t w = 0; w < a->words; w++)
				r[w] |= p[w];
		}
		if (a->bit_of[i]) {
			size_t bit = a->bit_of[i] - 1;
			r[bit / 64] |= (uint64_t)1 << (bit % 64);
		}
	}
	return 0;
}

/* 1 if commit `anc` is `c` or one of its ancestors (`anc` holds records the ancestry was built for). */
static int reaches(const ancestry *a, size_t anc, size_t c)
{
	if (!a->bit_of[anc])
		return 0;
	size_t bit = a->bit_of[anc] - 1;
	return (a->reach[c * a->words + bit / 64] >> (bit % 64)) & 1;
}

/* In effect for a record of commit `c` signed at `at`: from an earlier commit
 * it reaches, or from the same commit and made no later than it was signed. */
static int in_effect(const ancestry *a, const authority_entry *e, size_t c, time_t at)
{
	if (e->commit == c)
		return e->rec->made_at <= at;
	return reaches(a, e->commit, c);
}

typedef struct {
	authority_entry *v;
	size_t n;
	ancestry anc;
	int have_genesis;
	time_t now;
	const signed_file *tsas;     /* configured time-stamping authorities, with their commits */
	size_t ntsas;
	smsaudit_trust *org;         /* the organisation's own CA alone (made when first needed) */
} authority_ctx;

static void check_person_record(smsaudit_state *st, smsaudit_store *store, loaded *l)
{
	const smsaudit_person_body *p = &l->rec->person;
	smsaudit_cert *cert = NULL;
	char fp[65] = "", email[256] = "";
	if (smsaudit_cert_from_pem(&cert, p->certificate, strlen(p->certificate), l->path) < 0) {
		problem(st, l->path, l->rec->id, "the person's certificate cannot be read");
		l->valid = 0;
		return;
	}
	smsaudit_cert_fingerprint(fp, cert);
	smsaudit_cert_email(email, sizeof(email), cert);
	if (strcmp(fp, p->fingerprint) != 0) {
		problem(st, l->path, l->rec->id, "fingerprint does not match the certificate in the record");
		l->valid = 0;
	} else if (strcmp(email, p->email) != 0) {
		problem(st, l->path, l->rec->id, "certificate is for '%s', not '%s'", email, p->email);
		l->valid = 0;
	} else if (smsaudit_trust_check_cert(store->trust, cert, l->rec->made_at) < 0) {
		problem(st, l->path, l->rec->id, "%s", smsaudit_error_last()->message);
		l->valid = 0;
	}
	smsaudit_cert_free(cert);
}

static void short_commit(char out[13], const smsaudit_state *st, size_t commit)
{
	char hex[41];
	smsaudit_oid_fmt(hex, smsaudit_history_commit(st->history, commit));
	snprintf(out, 13, "%.12s", hex);
}

/*
 * The time a TSA vouches for, held against the time a record claims: not
 * before it, and not more than the TSA's tolerance after it. Once a TSA is
 * configured (in a commit before the record's), a record without a token
 * fails when its tolerance has run out.
 */
static int stamp_ok(smsaudit_state *st, const authority_ctx *ac, loaded *l)
{
	char when[21], other[21];
	if (l->stamped_at) {
		smsaudit_time_format(when, l->signed_at);
		smsaudit_time_format(other, l->stamped_at);
		if (l->signed_at > l->stamped_at + CLOCK_SKEW) {
			problem(st, l->path, l->rec->id, "signed at %s, after its time-stamp (%s; %d s skew allowed)", when, other,
			        CLOCK_SKEW);
			return 0;
		}
		if (l->stamped_at - l->signed_at > l->stamp_tolerance) {
			problem(st, l->path, l->rec->id, "signed at %s but time-stamped only at %s, more than the %ld hours a "
			        "record may wait for its token: backdated, or held back", when, other, l->stamp_tolerance / 3600);
			return 0;
		}
		return 1;
	}
	long tolerance = 0;
	for (size_t i = 0; i < ac->ntsas; i++)
		if (ac->tsas[i].tsa.url && ac->tsas[i].commit < l->commit &&
		    (!tolerance || ac->tsas[i].tsa.tolerance < tolerance))
			tolerance = ac->tsas[i].tsa.tolerance;
	if (tolerance && ac->now - l->signed_at <= tolerance) {
		st->awaiting++;
		if (l->signed_at + tolerance < st->clock_hi)
			st->clock_hi = l->signed_at + tolerance;
	}
	if (tolerance && ac->now - l->signed_at > tolerance) {
		if (l->signed_at + tolerance + 1 > st->clock_lo)
			st->clock_lo = l->signed_at + tolerance + 1;
		smsaudit_time_format(when, l->signed_at);
		problem(st, l->path, l->rec->id, "signed at %s and still not time-stamped after %ld hours, though a "
		        "time-stamping authority is configured (run `smsaudit stamp` within the tolerance)", when,
		        tolerance / 3600);
		return 0;
	}
	return 1;
}

/* The times a record claims, held against its commit and the verifier's clock. */
static int time_ok(smsaudit_state *st, const authority_ctx *ac, loaded *l)
{
	char when[21], other[21], commit[13];
	if (l->signed_at > ac->now + CLOCK_SKEW) {
		st->clock_unsure = 1;
		smsaudit_time_format(when, l->signed_at);
		smsaudit_time_format(other, ac->now);
		problem(st, l->path, l->rec->id, "signed at %s, in the future of this verifier's clock (%s; %d s skew allowed)",
		        when, other, CLOCK_SKEW);
		return 0;
	}
	if (l->signed_at - CLOCK_SKEW > st->clock_lo)
		st->clock_lo = l->signed_at - CLOCK_SKEW;
	time_t ct = smsaudit_history_time(st->history, l->commit);
	if (!(st->flags & SMSAUDIT_STATE_SNAPSHOT) && l->signed_at > ct + CLOCK_SKEW) {
		smsaudit_time_format(when, l->signed_at);
		smsaudit_time_format(other, ct);
		short_commit(commit, st, l->commit);
		problem(st, l->path, l->rec->id, "signed at %s, after the commit that added it (%s at %s; %d s skew allowed)",
		        when, commit, other, CLOCK_SKEW);
		return 0;
	}
	return stamp_ok(st, ac, l);
}

static int apply_authority(smsaudit_state *st, smsaudit_store *store, loaded *l, authority_ctx *ac, int final);

/* Judge one record's signer against the authority in effect at its commit;
 * apply it if it is a grant or a revocation. Returns 0 when decided, 1 when
 * the signer is not (yet) known and the record should wait for the rest of
 * its commit's second. */
static int judge(smsaudit_state *st, smsaudit_store *store, loaded *l, authority_ctx *ac, int final)
{
	const smsaudit_record *r = l->rec;
	l->valid = 1;
	if (l->prejudged)
		return apply_authority(st, store, l, ac, final);
	/* The latest grant of this certificate in effect. */
	const authority_entry *g = NULL;
	for (size_t i = 0; i < ac->n; i++) {
		const authority_entry *e = &ac->v[i];
		if (e->rec->type == SMSAUDIT_REC_PERSON && strcmp(e->rec->person.fingerprint, l->signer_fp) == 0 &&
		    in_effect(&ac->anc, e, l->commit, l->signed_at))
			g = e;
	}
	int genesis = !ac->have_genesis && l->commit == 0 && r->type == SMSAUDIT_REC_PERSON &&
	              strcmp(r->person.fingerprint, l->signer_fp) == 0 &&
	              (r->person.roles & SMSAUDIT_ROLE_QUALITY_MANAGER) && strcmp(r->person.email, store->created_by) == 0;
	if (!time_ok(st, ac, l)) {
		l->valid = 0;
	} else if (genesis) {
		ac->have_genesis = 1;
		l->signer_email = r->person.email;
		l->signer_roles = r->person.roles;
	} else if (!g) {
		if (!final)
			return 1;
		char commit[13];
		short_commit(commit, st, l->commit);
		problem(st, l->path, r->id, "signed by a certificate that no person record grants in commit %s or before "
		        "(%.16s)", commit, l->signer_fp);
		l->valid = 0;
	} else {
		const smsaudit_person_body *p = &g->rec->person;
		l->signer_email = p->email;
		l->signer_roles = p->roles;
		/* Times and roles are formatted only for a message: at 100,000
		 * records formatting them for every record was a tenth of a load. */
		char when[21], roles[200], commit[13];
		unsigned need = smsaudit_record_signer_roles(r->type);
		const authority_entry *revoked = NULL, *replaced = NULL;
		for (size_t i = 0; i < ac->n; i++) {
			const authority_entry *e = &ac->v[i];
			if (!in_effect(&ac->anc, e, l->commit, l->signed_at))
				continue;
			/* revoked when it claims to be signed, when a TSA saw it, or in an earlier commit */
			if (e->rec->type == SMSAUDIT_REC_REVOCATION && strcmp(e->rec->revocation.fingerprint, l->signer_fp) == 0 &&
			    (l->signed_at >= e->rec->revocation.effective ||
			     (l->stamped_at && l->stamped_at >= e->rec->revocation.effective) ||
			     (e->commit != l->commit && e->rec->revocation.effective <= e->rec->made_at)))
				revoked = e;
			else if (e > g && e->rec->type == SMSAUDIT_REC_PERSON && strcmp(e->rec->person.email, p->email) == 0 &&
			         strcmp(e->rec->person.fingerprint, l->signer_fp) != 0)
				replaced = e;
		}
		int outside = l->signed_at < p->valid_from || (p->valid_until && l->signed_at >= p->valid_until);
		if (revoked || replaced || outside)
			smsaudit_time_format(when, l->signed_at);
		if (revoked) {
			short_commit(commit, st, revoked->commit);
			problem(st, l->path, r->id, "signed by %s at %s, after their certificate was revoked (%s, commit %s)",
			        p->email, when, revoked->rec->id, commit);
			l->valid = 0;
		} else if (replaced) {
			short_commit(commit, st, replaced->commit);
			problem(st, l->path, r->id, "signed by %s at %s with a certificate that a later grant replaced (%s, commit %s)",
			        p->email, when, replaced->rec->id, commit);
			l->valid = 0;
		} else if (outside) {
			problem(st, l->path, r->id, "signed by %s at %s, outside their grant's validity", p->email, when);
			l->valid = 0;
		} else if (!(p->roles & need)) {
			char needs[200];
			smsaudit_roles_format(roles, sizeof(roles), p->roles);
			smsaudit_roles_format(needs, sizeof(needs), need);
			problem(st, l->path, r->id, "%s record signed by %s (roles: %s); it needs one of: %s",
			        smsaudit_record_type_name(r->type), p->email, roles, needs);
			l->valid = 0;
		} else if (strcmp(r->made_by, p->email) != 0) {
			problem(st, l->path, r->id, "made-by says %s but it was signed by %s", r->made_by, p->email);
			l->valid = 0;
		}
	}
	if (!l->valid)
		return 0;
	return apply_authority(st, store, l, ac, final);
}

/* A certification body's anchor record: its certificate is a CA, is the one
 * its fingerprint names, and is not the organisation's own. */
static void check_anchor_record(smsaudit_state *st, smsaudit_store *store, loaded *l)
{
	const smsaudit_anchor_body *a = &l->rec->anchor;
	smsaudit_cert *cert = NULL;
	char fp[65] = "", org[65] = "";
	smsaudit_cert_fingerprint(org, store->ca);
	if (smsaudit_cert_from_pem(&cert, a->certificate, strlen(a->certificate), l->path) < 0) {
		problem(st, l->path, l->rec->id, "the anchor's certificate cannot be read");
		l->valid = 0;
		return;
	}
	smsaudit_cert_fingerprint(fp, cert);
	if (strcmp(fp, a->fingerprint) != 0)
		problem(st, l->path, l->rec->id, "fingerprint does not match the certificate in the record");
	else if (!smsaudit_cert_is_ca(cert))
		problem(st, l->path, l->rec->id, "the anchor of %s is not a CA certificate", a->name);
	else if (strcmp(fp, org) == 0)
		problem(st, l->path, l->rec->id, "names the organisation's own CA as a certification body's");
	else if (a->roles != SMSAUDIT_ROLE_EXTERNAL_AUDITOR)
		problem(st, l->path, l->rec->id, "a certification body's CA is an anchor for the external-auditor role only");
	else
		fp[0] = '\0';
	if (fp[0])
		l->valid = 0;
	smsaudit_cert_free(cert);
}

/*
 * Who may hold the external-auditor role (ISO/IEC 17021-1: the body's
 * auditors are independent of the organisation). A certificate that does not
 * come from the organisation's CA (a certification body's CA) identifies one
 * of the body's auditors and holds the external-auditor role alone, so the
 * body's CA can make nothing that signs grants, evidence or the
 * organisation's steps. Once a quality manager has named a body's CA in an
 * anchor record, in effect for this grant, an external auditor's certificate
 * must come from such a CA: the organisation can no longer mint a key that
 * passes as the body's auditor.
 */
static void check_external_grant(smsaudit_state *st, smsaudit_store *store, loaded *l, authority_ctx *ac)
{
	const smsaudit_person_body *p = &l->rec->person;
	if (!ac->org && (smsaudit_trust_new(&ac->org) < 0 || smsaudit_trust_add(ac->org, store->ca) < 0))
		return;
	smsaudit_cert *cert = NULL;
	if (smsaudit_cert_from_pem(&cert, p->certificate, strlen(p->certificate), l->path) < 0)
		return;   /* check_person_record has said so */
	int from_org = smsaudit_trust_check_cert(ac->org, cert, l->rec->made_at) == 0;
	smsaudit_error_clear();
	smsaudit_cert_free(cert);
	if (!from_org && p->roles != SMSAUDIT_ROLE_EXTERNAL_AUDITOR) {
		char roles[200];
		smsaudit_roles_format(roles, sizeof(roles), p->roles);
		problem(st, l->path, l->rec->id, "grants %s (%s) with a certificate from a certification body's CA, which "
		        "may hold the external-auditor role only", p->email, roles);
		l->valid = 0;
		return;
	}
	if (!from_org || !(p->roles & SMSAUDIT_ROLE_EXTERNAL_AUDITOR))
		return;
	for (size_t i = 0; i < ac->n; i++) {
		const authority_entry *e = &ac->v[i];
		if (e->rec->type == SMSAUDIT_REC_ANCHOR && in_effect(&ac->anc, e, l->commit, l->rec->made_at)) {
			problem(st, l->path, l->rec->id, "grants %s the external-auditor role with a certificate from the "
			        "organisation's CA; since %s named %s's CA (%.16s), external auditors' certificates come "
			        "from a certification body's CA", p->email, e->rec->id, e->rec->anchor.name,
			        e->rec->anchor.fingerprint);
			l->valid = 0;
			return;
		}
	}
}

/* A valid grant, revocation or anchor takes effect (other records change nothing). */
static int apply_authority(smsaudit_state *st, smsaudit_store *store, loaded *l, authority_ctx *ac, int final)
{
	const smsaudit_record *r = l->rec;
	if (r->type == SMSAUDIT_REC_ANCHOR) {
		if (!l->prejudged)
			check_anchor_record(st, store, l);
		if (l->valid)
			ac->v[ac->n++] = (authority_entry){ r, l->commit, 0 };
	} else if (r->type == SMSAUDIT_REC_PERSON) {
		if (!l->prejudged)
			check_person_record(st, store, l);
		if (l->valid && !l->prejudged)
			check_external_grant(st, store, l, ac);
		if (l->valid)
			ac->v[ac->n++] = (authority_entry){ r, l->commit, 0 };
	} else if (r->type == SMSAUDIT_REC_REVOCATION) {
		int found = 0;
		for (size_t k = 0; k < ac->n; k++)
			if (ac->v[k].rec->type == SMSAUDIT_REC_PERSON &&
			    strcmp(ac->v[k].rec->person.fingerprint, r->revocation.fingerprint) == 0 &&
			    in_effect(&ac->anc, &ac->v[k], l->commit, l->signed_at)) {
				found = 1;
				if (!ac->v[k].revoked_at || r->revocation.effective < ac->v[k].revoked_at)
					ac->v[k].revoked_at = r->revocation.effective;
			}
		if (!found) {
			if (!final)
				return 1;
			problem(st, l->path, r->id, "revokes a certificate that no person record grants");
			l->valid = 0;
		} else {
			ac->v[ac->n++] = (authority_entry){ r, l->commit, 0 };
		}
	}
	return 0;
}

static void authority(smsaudit_state *st, smsaudit_store *store, const signed_file *tsas, size_t ntsas)
{
	authority_ctx ac;
	memset(&ac, 0, sizeof(ac));
	ac.now = smsaudit_now();
	ac.tsas = tsas;
	ac.ntsas = ntsas;
	/* A base was accepted with its first grant. */
	ac.have_genesis = st->since;
	ac.v = calloc(st->nrecs ? st->nrecs : 1, sizeof(*ac.v));
	char *done = calloc(st->nrecs ? st->nrecs : 1, 1);
	if (!ac.v || !done || ancestry_build(&ac.anc, st, is_authority) < 0) {
		free(ac.v);
		free(done);
		ancestry_free(&ac.anc);
		error_oom();
		return;
	}
	/* Records are in the ledger's order. Within one commit and one second the
	 * order of ids says nothing about causality, so those records are replayed
	 * until no more can be decided: a grant is applied before the records it
	 * enables. */
	size_t i = 0;
	while (i < st->nrecs) {
		size_t j = i;
		while (j < st->nrecs && st->recs[j].rec && st->recs[i].rec && st->recs[j].commit == st->recs[i].commit &&
		       st->recs[j].rec->made_at == st->recs[i].rec->made_at)
			j++;
		if (j == i)
			j = i + 1;
		for (int progress = 1; progress;) {
			progress = 0;
			for (size_t k = i; k < j; k++)
				if (!done[k] && st->recs[k].sig_ok && judge(st, store, &st->recs[k], &ac, 0) == 0) {
					done[k] = 1;
					progress = 1;
				}
		}
		for (size_t k = i; k < j; k++)
			if (!done[k] && st->recs[k].sig_ok)
				judge(st, store, &st->recs[k], &ac, 1);
		i = j;
	}
	free(done);
	ancestry_free(&ac.anc);
	smsaudit_trust_free(ac.org);
	if (!ac.have_genesis && st->nrecs)
		problem(st, SMS_PATH, "", "the first commit holds no valid first grant for the quality manager who created "
		        "the repository (%s)", store->created_by);
	/* People: one entry per valid grant, newest grant per email marked current. */
	size_t ngrants = 0;
	for (size_t k = 0; k < ac.n; k++)
		ngrants += ac.v[k].rec->type == SMSAUDIT_REC_PERSON;
	st->people = calloc(ngrants ? ngrants : 1, sizeof(*st->people));
	for (size_t k = 0; st->people && k < ac.n; k++) {
		if (ac.v[k].rec->type != SMSAUDIT_REC_PERSON)
			continue;
		smsaudit_person_entry *pe = &st->people[st->npeople++];
		pe->record = ac.v[k].rec;
		pe->valid = 1;
		pe->revoked_at = ac.v[k].revoked_at;
		pe->current = 1;
		for (size_t j = k + 1; j < ac.n; j++)
			if (ac.v[j].rec->type == SMSAUDIT_REC_PERSON &&
			    strcmp(ac.v[j].rec->person.email, ac.v[k].rec->person.email) == 0)
				pe->current = 0;
	}
	free(ac.v);
}

/*
 * A token later than a revocation's effective time (or than the grant that
 * replaced the certificate) proves the record was not signed before it,
 * whatever its signing time claims and whatever branch it came from (offline
 * work that never saw the revocation). Judged once every grant and
 * revocation is known: the people as they stand at the tip.
 */
static void stamped_after_revocation(smsaudit_state *st)
{
	for (size_t i = 0; i < st->nrecs; i++) {
		loaded *l = &st->recs[i];
		if (!l->rec || !l->valid || !l->stamped_at || l->prejudged)
			continue;
		char t[21], r[21];
		smsaudit_time_format(t, l->stamped_at);
		for (size_t k = 0; k < st->npeople; k++) {
			const smsaudit_person_entry *pe = &st->people[k];
			const smsaudit_person_body *p = &pe->record->person;
			if (strcmp(p->fingerprint, l->signer_fp) != 0)
				continue;
			if (pe->revoked_at && l->stamped_at >= pe->revoked_at) {
				smsaudit_time_format(r, pe->revoked_at);
				problem(st, l->path, l->rec->id, "time-stamped at %s, after %s's certificate was revoked (effective "
				        "%s): it was not signed before the revocation, whatever time it claims", t, p->email, r);
				l->valid = 0;
				break;
			}
			/* A later grant to the same person with another certificate replaced this one. */
			const smsaudit_record *by = NULL;
			for (size_t j = k + 1; !by && j < st->npeople; j++) {
				const smsaudit_person_body *q = &st->people[j].record->person;
				if (strcmp(q->email, p->email) == 0 && strcmp(q->fingerprint, p->fingerprint) != 0 &&
				    st->people[j].record->made_at <= l->stamped_at)
					by = st->people[j].record;
			}
			if (by) {
				smsaudit_time_format(r, by->made_at);
				problem(st, l->path, l->rec->id, "time-stamped at %s, after a later grant replaced %s's certificate "
				        "(%s, %s): it was not signed with the key in force", t, p->email, by->id, r);
				l->valid = 0;
				break;
			}
		}
	}
}

/* ---- evidence ---- */

static int cmp_entry_ptr(const void *a, const void *b)
{
	const smsaudit_evidence_entry *x = *(const smsaudit_evidence_entry *const *)a;
	const smsaudit_evidence_entry *y = *(const smsaudit_evidence_entry *const *)b;
	return strcmp(x->record->id, y->record->id);
}

/* `index` is the evidence sorted by id. */
static smsaudit_evidence_entry *evidence_by_id(smsaudit_evidence_entry **index, size_t n, const char *id)
{
	smsaudit_record key_rec;
	smsaudit_evidence_entry key_entry;
	snprintf(key_rec.id, sizeof(key_rec.id), "%s", id);
	key_entry.record = &key_rec;
	const smsaudit_evidence_entry *kp = &key_entry;
	smsaudit_evidence_entry **hit = n ? bsearch(&kp, index, n, sizeof(*index), cmp_entry_ptr) : NULL;
	return hit ? *hit : NULL;
}

static const char *signer_name(smsaudit_state *st, const loaded *l)
{
	const char *name = l->rec->made_by;
	for (size_t i = 0; i < st->npeople; i++)
		if (strcmp(st->people[i].record->person.fingerprint, l->signer_fp) == 0)
			name = st->people[i].record->person.name;
	return name;
}

static void derive_evidence(smsaudit_state *st, smsaudit_store *store)
{
	size_t n = 0;
	for (size_t i = 0; i < st->nrecs; i++)
		n += st->recs[i].rec && st->recs[i].rec->type == SMSAUDIT_REC_EVIDENCE;
	st->evidence = calloc(n ? n : 1, sizeof(*st->evidence));
	if (!st->evidence) {
		error_oom();
		return;
	}
	for (size_t i = 0; i < st->nrecs; i++) {
		loaded *l = &st->recs[i];
		if (!l->rec || l->rec->type != SMSAUDIT_REC_EVIDENCE)
			continue;
		smsaudit_evidence_entry *e = &st->evidence[st->nevidence++];
		e->changed_by = e->superseded_by = "";
		e->record = l->rec;
		e->path = l->path;
		e->valid = l->valid;
		e->signer_name = signer_name(st, l);
		e->stamped_at = l->stamped_at;
		if (!l->valid)
			continue;
		const smsaudit_evidence_body *b = &l->rec->evidence;
		for (size_t k = 0; k < b->ncontrols; k++) {
			const smsaudit_clause *cl = NULL;
			if (smsaudit_catalogue_find(&cl, store->catalogue, b->controls[k]) < 0) {
				problem(st, l->path, l->rec->id, "control '%s' is not in the catalogue", b->controls[k]);
			} else if (!cl->assessable) {
				problem(st, l->path, l->rec->id, "control '%s' is a heading, not an assessable clause",
				        b->controls[k]);
			}
		}
		char cpath[100];
		snprintf(cpath, sizeof(cpath), "content/%.2s/%s", b->sha256, b->sha256);
		switch (l->content) {
		case CONTENT_MISSING:
			problem(st, l->path, l->rec->id, "content file %s is missing", cpath);
			e->valid = 0;
			break;
		case CONTENT_UNREADABLE:
			problem(st, cpath, l->rec->id, "cannot read content");
			e->valid = 0;
			break;
		case CONTENT_CHANGED:
			problem(st, cpath, l->rec->id, "content does not match its SHA-256 (file was changed)");
			e->valid = 0;
			break;
		case CONTENT_SIZE:
			problem(st, cpath, l->rec->id, "content is %llu bytes, the record says %llu",
			        (unsigned long long)l->content_size, (unsigned long long)b->size);
			e->valid = 0;
			break;
		case CONTENT_OK:
			st->content_checked++;
			break;
		default:
			break;
		}
	}
	/* Supersessions and withdrawals, in time order. */
	smsaudit_evidence_entry **index = malloc((st->nevidence ? st->nevidence : 1) * sizeof(*index));
	if (!index) {
		error_oom();
		return;
	}
	for (size_t i = 0; i < st->nevidence; i++)
		index[i] = &st->evidence[i];
	if (st->nevidence > 1)
		qsort(index, st->nevidence, sizeof(*index), cmp_entry_ptr);
	for (size_t i = 0; i < st->nrecs; i++) {
		loaded *l = &st->recs[i];
		if (!l->rec || !l->valid)
			continue;
		if (l->rec->type == SMSAUDIT_REC_WITHDRAW) {
			smsaudit_evidence_entry *t = evidence_by_id(index, st->nevidence, l->rec->withdraw.evidence_id);
			if (!t) {
				problem(st, l->path, l->rec->id, "withdraws evidence '%s', which does not exist",
				        l->rec->withdraw.evidence_id);
			} else {
				t->status = SMSAUDIT_EV_WITHDRAWN;
				t->changed_at = l->rec->made_at;
				t->changed_by = l->rec->id;
			}
		} else if (l->rec->type == SMSAUDIT_REC_SUPERSEDE) {
			smsaudit_evidence_entry *o = evidence_by_id(index, st->nevidence, l->rec->supersede.old_id);
			smsaudit_evidence_entry *nw = evidence_by_id(index, st->nevidence, l->rec->supersede.new_id);
			if (!o || !nw) {
				problem(st, l->path, l->rec->id, "supersedes '%s' with '%s', but %s does not exist",
				        l->rec->supersede.old_id, l->rec->supersede.new_id,
				        !o ? l->rec->supersede.old_id : l->rec->supersede.new_id);
			} else if (o->status == SMSAUDIT_EV_ACTIVE) {
				o->status = SMSAUDIT_EV_SUPERSEDED;
				o->changed_at = l->rec->made_at;
				o->changed_by = l->rec->id;
				o->superseded_by = nw->record->id;
			}
		}
	}
	free(index);
}

/* A self-assessment names one assessable clause of the pinned catalogue. */
static void check_assessments(smsaudit_state *st, smsaudit_store *store)
{
	for (size_t i = 0; i < st->nrecs; i++) {
		loaded *l = &st->recs[i];
		if (!l->rec || !l->valid || l->rec->type != SMSAUDIT_REC_ASSESSMENT)
			continue;
		const smsaudit_clause *cl = NULL;
		const char *id = l->rec->assessment.clause;
		if (smsaudit_catalogue_find(&cl, store->catalogue, id) < 0) {
			problem(st, l->path, l->rec->id, "assesses clause '%s', which is not in the catalogue", id);
			l->valid = 0;
		} else if (!cl->assessable) {
			problem(st, l->path, l->rec->id, "assesses clause '%s', a heading rather than an assessable clause",
			        id);
			l->valid = 0;
		}
	}
}

static int cmp_problem(const void *a, const void *b)
{
	const smsaudit_problem *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c ? c : strcmp(x->message, y->message);
}

void state_reject(smsaudit_state *st, const smsaudit_record *rec, const char *path, const char *message)
{
	problem(st, path, rec->id, "%s", message);
	for (size_t i = 0; i < st->nrecs; i++) {
		if (st->irecs && st->irecs[i].rec == rec)
			st->irecs[i].valid = 0;
		else if (!st->irecs && st->recs[i].rec == rec)
			st->recs[i].valid = 0;
	}
}

int state_ledger_done(smsaudit_state *st)
{
	for (size_t i = 0; i < st->nrecs; i++) {
		if (st->irecs)
			st->irecs[i].ledger_valid = st->irecs[i].valid;
		else
			st->recs[i].ledger_valid = st->recs[i].valid;
	}
	if (st->owns_ledger_problems)
		free(st->ledger_problems);
	st->ledger_problems = malloc((st->nproblems ? st->nproblems : 1) * sizeof(*st->problems));
	st->owns_ledger_problems = st->ledger_problems != NULL;
	st->nledger_problems = 0;
	if (!st->ledger_problems)
		return error_oom();
	if (st->nproblems)
		memcpy(st->ledger_problems, st->problems, st->nproblems * sizeof(*st->problems));
	st->nledger_problems = st->nproblems;
	return 0;
}

void state_sort_problems(smsaudit_state *st)
{
	/* Workers report in whatever order they run: sort for stable output. */
	if (st->nproblems > 1)
		qsort(st->problems, st->nproblems, sizeof(*st->problems), cmp_problem);
}

int smsaudit_state_sms_concurrent(const smsaudit_state *st, const char **conflicts)
{
	*conflicts = st->sms_conflicts;
	return st->sms_merged != NULL || st->sms_conflicts[0];
}

int smsaudit_state_sms(smsaudit_buf *out, smsaudit_store *store, const smsaudit_state *st)
{
	out->size = 0;
	if (st->sms_merged)
		return buf_puts(out, st->sms_merged);
	if (st->sms)
		return buf_puts(out, st->sms->sms.xml);
	return smsaudit_repo_read(out, store->repo, &st->at, SMS_PATH);
}

/*
 * The SMS description changes through sms records, never in place: each is a
 * whole new version, and they apply in the ledger's order. A version made
 * from the description in force replaces it. One made concurrently (from the
 * description in force in its own commit's history, which is not the one in
 * force now: two people changed it offline) is merged into it (sms_merge3),
 * so neither change is lost; a value both changed is the one signed later.
 * What makes the repository what it is — who created it, its catalogue, its
 * trust anchor — never changes.
 */

/* The valid sms records, in the ledger's order, with the description each
 * was made from. */
typedef struct {
	const loaded **recs;
	char **base;             /* the description in force in its own history, before it */
	size_t n;
	const char *first;       /* smsaudit.xml of the first commit */
	const ancestry *anc;
} sms_versions;

/* Apply version k to *cur (made by the version signed at *cur_at); 0 or a
 * negative code. `conflicts` gets the elements both sides changed. */
static int sms_apply(const sms_versions *v, size_t k, char **cur, time_t *cur_at, char *conflicts, size_t size)
{
	const smsaudit_record *r = v->recs[k]->rec;
	conflicts[0] = '\0';
	if (strcmp(v->base[k], *cur) == 0) {
		char *copy = strdup(r->sms.xml);
		if (!copy)
			return SMSAUDIT_ENOMEM;
		free(*cur);
		*cur = copy;
		*cur_at = r->made_at;
		return 0;
	}
	smsaudit_buf out = SMSAUDIT_BUF_INIT;
	int later = r->made_at >= *cur_at;
	int rc = later ? sms_merge3(&out, *cur, v->base[k], r->sms.xml, conflicts, size)
	               : sms_merge3(&out, r->sms.xml, v->base[k], *cur, conflicts, size);
	if (rc == 0 && (rc = buf_put(&out, "", 1)) == 0) {
		free(*cur);
		*cur = out.ptr;
		if (later)
			*cur_at = r->made_at;
		return 0;
	}
	smsaudit_buf_dispose(&out);
	return rc;
}

/* The description in force after the versions before `upto` that are in the
 * history of version `of` (all of them when `of` is v->n). */
static int sms_replay(char **out, const sms_versions *v, size_t upto, size_t of)
{
	char *cur = strdup(v->first), conflicts[8];
	time_t at = 0;
	int rc = cur ? 0 : SMSAUDIT_ENOMEM;
	for (size_t k = 0; rc == 0 && k < upto; k++)
		if (of == v->n || v->recs[k]->commit == v->recs[of]->commit ||
		    reaches(v->anc, v->recs[k]->commit, v->recs[of]->commit))
			rc = sms_apply(v, k, &cur, &at, conflicts, sizeof(conflicts));
	if (rc < 0) {
		free(cur);
		return rc;
	}
	*out = cur;
	return 0;
}

static int sms_in_force(smsaudit_state *st, smsaudit_store *store, const loaded **recs, size_t n)
{
	ancestry anc;
	smsaudit_buf first = SMSAUDIT_BUF_INIT;
	sms_versions v = { recs, calloc(n, sizeof(char *)), n, NULL, &anc };
	int rc = v.base ? ancestry_build(&anc, st, is_sms) : SMSAUDIT_ENOMEM;
	if (rc == 0 && (rc = smsaudit_repo_read(&first, store->repo, &st->at, SMS_PATH)) == 0 &&
	    (rc = buf_put(&first, "", 1)) == 0)
		v.first = first.ptr;
	/* Each version's base: the description in force in its own history. */
	char *cur = NULL;
	time_t at = 0;
	if (rc == 0 && !(cur = strdup(v.first)))
		rc = SMSAUDIT_ENOMEM;
	int merged = 0;
	for (size_t k = 0; rc == 0 && k < n; k++) {
		int sees_all = 1;
		for (size_t p = 0; p < k && sees_all; p++)
			sees_all = recs[p]->commit == recs[k]->commit || reaches(&anc, recs[p]->commit, recs[k]->commit);
		if (sees_all)
			rc = (v.base[k] = strdup(cur)) ? 0 : SMSAUDIT_ENOMEM;
		else
			rc = sms_replay(&v.base[k], &v, k, k);
		char conflicts[sizeof(st->sms_conflicts)];
		if (rc == 0 && (rc = sms_apply(&v, k, &cur, &at, conflicts, sizeof(conflicts))) == 0) {
			merged = strcmp(cur, recs[k]->rec->sms.xml) != 0;
			if (conflicts[0])
				snprintf(st->sms_conflicts, sizeof(st->sms_conflicts), "%s", conflicts);
			else if (!merged)
				st->sms_conflicts[0] = '\0';
		}
	}
	if (rc == 0) {
		st->sms = n ? recs[n - 1]->rec : NULL;
		if (merged) {
			st->sms_merged = cur;
			cur = NULL;
		}
	}
	free(cur);
	for (size_t k = 0; v.base && k < n; k++)
		free(v.base[k]);
	free(v.base);
	smsaudit_buf_dispose(&first);
	if (v.base)
		ancestry_free(&anc);
	return rc;
}

static void choose_sms(smsaudit_state *st, smsaudit_store *store)
{
	const loaded **valid = calloc(st->nrecs ? st->nrecs : 1, sizeof(*valid));
	size_t nvalid = 0;
	char anchor[65] = "";
	smsaudit_cert_fingerprint(anchor, store->ca);
	const char *cat_sha = smsaudit_catalogue_info_get(store->catalogue)->sha256;
	for (size_t i = 0; i < st->nrecs; i++) {
		loaded *l = &st->recs[i];
		if (!l->rec || !l->valid || l->rec->type != SMSAUDIT_REC_SMS)
			continue;
		xmlDocPtr doc = NULL;
		const char *xml = l->rec->sms.xml;
		if (smsaudit_xml_parse_memory(&doc, xml, strlen(xml), l->path) < 0) {
			problem(st, l->path, l->rec->id, "%s", smsaudit_error_last()->message);
			l->valid = 0;
			continue;
		}
		xmlNodePtr root = xmlDocGetRootElement(doc);
		char *created = smsaudit_xml_text(smsaudit_xml_child(root, "created-by"));
		char *cpath = smsaudit_xml_attr(smsaudit_xml_child(root, "catalogue"), "path");
		char *csha = smsaudit_xml_attr(smsaudit_xml_child(root, "catalogue"), "sha256");
		char *fp = smsaudit_xml_attr(smsaudit_xml_child(root, "trust-anchor"), "fingerprint");
		const char *what = !created || strcmp(created, store->created_by) != 0 ? "created-by"
		                 : !cpath || strcmp(cpath, store->catalogue_path) != 0 || !csha || strcmp(csha, cat_sha) != 0
		                         ? "the catalogue"
		                 : !fp || strcmp(fp, anchor) != 0 ? "the trust anchor" : NULL;
		if (what) {
			problem(st, l->path, l->rec->id, "changes %s of the repository, which the first commit fixed", what);
			l->valid = 0;
		} else if (valid) {
			valid[nvalid++] = l;
		} else {
			st->sms = l->rec; /* out of memory: the last one wins */
		}
		free(created);
		xmlFree(cpath);
		xmlFree(csha);
		xmlFree(fp);
		xmlFreeDoc(doc);
	}
	/* Records are in the ledger's order. Out of memory, the last one wins. */
	if (valid && nvalid && sms_in_force(st, store, valid, nvalid) < 0) {
		st->sms = valid[nvalid - 1]->rec;
		free(st->sms_merged);
		st->sms_merged = NULL;
		snprintf(st->sms_conflicts, sizeof(st->sms_conflicts), "%s", "the whole description (out of memory)");
	}
	smsaudit_error_clear();
	free(valid);
}

/* The policy of the SMS description in force (defaults if it cannot be read). */
static void load_policy(smsaudit_state *st, smsaudit_store *store)
{
	smsaudit_sms_policy_default(&st->policy);
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	xmlDocPtr doc = NULL;
	const char *name = st->sms ? st->sms->id : SMS_PATH;
	if (smsaudit_state_sms(&b, store, st) == 0 && smsaudit_xml_parse_memory(&doc, b.ptr, b.size, name) == 0 &&
	    record_schema_validate(doc, name) == 0)
		smsaudit_sms_policy_parse(&st->policy, xmlDocGetRootElement(doc));
	else
		problem(st, SMS_PATH, "", "cannot be read: %s", smsaudit_error_last() ? smsaudit_error_last()->message : "");
	smsaudit_error_clear();
	xmlFreeDoc(doc);
	smsaudit_buf_dispose(&b);
	/* The certificate recorded from the body's decision is the cycle's word on
	 * its dates: the latest valid certificate record overrides the decision
	 * and expiry smsaudit.xml states. */
	for (size_t i = 0; i < st->nrecs; i++) {
		const loaded *l = &st->recs[i];
		if (l->rec && l->valid && l->rec->type == SMSAUDIT_REC_CERTIFICATE)
			st->certificate = l->rec;
	}
	if (st->certificate) {
		st->policy.certification_decision = st->certificate->certificate.issued;
		st->policy.certificate_expiry = st->certificate->certificate.expires;
	}
}

/* smsaudit.xml and trust/ca.pem are signed by a quality manager. */
static void check_signed_file(smsaudit_state *st, smsaudit_store *store, const smsaudit_oid *commit,
                              const char *path)
{
	smsaudit_buf data = SMSAUDIT_BUF_INIT, sig = SMSAUDIT_BUF_INIT;
	char sig_path[200];
	snprintf(sig_path, sizeof(sig_path), "%s.p7s", path);
	smsaudit_cert *signer = NULL;
	time_t at = 0;
	if (smsaudit_repo_read(&data, store->repo, commit, path) < 0) {
		problem(st, path, "", "missing");
	} else if (smsaudit_repo_read(&sig, store->repo, commit, sig_path) < 0) {
		problem(st, sig_path, "", "signature missing");
	} else if (smsaudit_verify_detached(&signer, &at, data.ptr, data.size, sig.ptr, sig.size, store->trust) < 0) {
		problem(st, sig_path, "", "%s", smsaudit_error_last()->message);
	} else {
		char fp[65];
		smsaudit_cert_fingerprint(fp, signer);
		int ok = 0;
		for (size_t i = 0; i < st->npeople; i++) {
			const smsaudit_person_body *p = &st->people[i].record->person;
			if (strcmp(p->fingerprint, fp) == 0 && (p->roles & SMSAUDIT_ROLE_QUALITY_MANAGER) &&
			    (!st->people[i].revoked_at || at < st->people[i].revoked_at))
				ok = 1;
		}
		if (!ok)
			problem(st, sig_path, "", "not signed by a quality manager of this repository");
	}
	smsaudit_cert_free(signer);
	smsaudit_buf_dispose(&data);
	smsaudit_buf_dispose(&sig);
}

typedef struct {
	smsaudit_state *st;
	smsaudit_store *store;
	const smsaudit_oid *at;
} anchor_ctx;

static int check_anchor(const char *path, const smsaudit_oid *blob, void *u)
{
	(void)blob;
	anchor_ctx *a = u;
	size_t n = strlen(path);
	if (n > 4 && strcmp(path + n - 4, ".pem") == 0)
		check_signed_file(a->st, a->store, a->at, path);
	else if (!(n > 8 && strcmp(path + n - 8, ".pem.p7s") == 0))
		problem(a->st, path, "", "unexpected file among the trust anchors");
	return 0;
}


/*
 * The history walk and the signature checks need nothing from each other
 * until records are judged: the walk runs on its own thread, with its own
 * handle on the repository (a libgit2 repository is used by one thread at a
 * time), while the records of the commit are read and their signatures
 * checked; both use every core they can.
 */
typedef struct {
	ledger_ctx *lc;
	const smsaudit_oid *at;
	int rc;
	char err[600];
} walk_job;

static void *walk_thread(void *arg)
{
	walk_job *w = arg;
	smsaudit_repo *repo = NULL;
	w->rc = smsaudit_repo_open(&repo, smsaudit_repo_path(w->lc->store->repo));
	if (w->rc == 0)
		w->rc = ledger_walk(w->lc, repo, w->at);
	if (w->rc < 0)
		snprintf(w->err, sizeof(w->err), "%s", smsaudit_error_last() ? smsaudit_error_last()->message : "");
	smsaudit_repo_free(repo);
	return NULL;
}

int state_load_ledger(smsaudit_state **out, smsaudit_store *store, const smsaudit_oid *commit, unsigned flags)
{
	*out = NULL;
	smsaudit_state *st = calloc(1, sizeof(*st));
	if (!st)
		return error_oom();
	pthread_mutex_init(&st->lock, NULL);
	st->clock_hi = (time_t)INT64_MAX;
	smsaudit_oid at;
	int rc = commit ? 0 : smsaudit_repo_head(&at, store->repo);
	if (rc < 0) {
		free(st);
		return rc;
	}
	if (commit)
		at = *commit;
	st->flags = flags;
	st->at = at;
	ledger_ctx lc;
	memset(&lc, 0, sizeof(lc));
	lc.st = st;
	lc.store = store;
	walk_job wj = { &lc, &at, 0, "" };
	pthread_t walker;
	int threaded = pthread_create(&walker, NULL, walk_thread, &wj) == 0;
	if (!threaded)
		walk_thread(&wj);
	collect_ctx c = { st, store, flags, NULL, 0, 0, NULL, 0, NULL, NULL, 0, 0, NULL, 0, 0 };
	if (flags & SMSAUDIT_STATE_USE_CACHE) {
		char digest[65];
		store_trust_digest(store, digest);
		/* Without a cache (no configuration directory for its key) everything is
		 * simply checked again. */
		if (record_cache_open(&c.cache, smsaudit_repo_path(store->repo), digest) < 0) {
			c.cache = NULL;
			smsaudit_error_clear();
		}
	}
	rc = smsaudit_repo_walk(store->repo, &at, "records", collect_cb, &c);
	if (rc == 0 && !(flags & STATE_PEOPLE_ONLY))
		rc = smsaudit_repo_walk(store->repo, &at, "content", content_cb, &c);
	if (rc == 0 && !(flags & STATE_PEOPLE_ONLY))
		rc = smsaudit_repo_walk(store->repo, &at, SMSAUDIT_STAMPS_DIR, stamps_cb, &c);
	if (rc == 0 && !(flags & STATE_PEOPLE_ONLY))
		rc = smsaudit_repo_walk(store->repo, &at, SMSAUDIT_TSA_DIR, tsa_cb, &c);
	if (rc == 0) {
		if (c.ncontent > 1)
			qsort(c.content, c.ncontent, sizeof(*c.content), cmp_content);
		rc = load_all(&c);
	}
	if (threaded)
		pthread_join(walker, NULL);
	/* The history's verdict on damage comes first, as the walk comes first. */
	if (wj.rc < 0)
		rc = error_set(wj.rc, "%s", wj.err);
	for (size_t i = 0; rc == 0 && i < st->nrecs; i++)
		if (!path_map_get(&lc.added, st->recs[i].path, &st->recs[i].commit))
			st->recs[i].commit = smsaudit_history_count(st->history) - 1;
	for (size_t i = 0; rc == 0 && i < c.ntsas; i++)
		if (!path_map_get(&lc.added, c.tsas[i].path, &c.tsas[i].commit))
			c.tsas[i].commit = smsaudit_history_count(st->history) - 1;
	if (rc < 0) {
		signed_files_free(c.stamps, c.nstamps);
		signed_files_free(c.tsas, c.ntsas);
		free(c.content);
		record_cache_free(c.cache);
		path_map_free(&lc.added);
		smsaudit_state_free(st);
		return rc;
	}
	path_map_free(&lc.added);
	if (rc == 0 && !(flags & STATE_PEOPLE_ONLY))
		account_for_content(&c);
	free(c.content);
	if (c.cache) {
		/* The cache only saves time: failing to write it changes no result. */
		if (rc == 0 && record_cache_save(c.cache) < 0)
			smsaudit_error_clear();
		st->cache_hits = c.cache_hits;
		record_cache_free(c.cache);
	}
	if (rc == 0) {
		read_tsas(&c);
		stamp_times(&c);
	}
	signed_files_free(c.stamps, c.nstamps);
	if (rc == 0 && st->damaged && !(flags & SMSAUDIT_STATE_REPORT_DAMAGE))
		rc = error_set(SMSAUDIT_EDAMAGED, "%s", st->damage);
	if (rc < 0) {
		signed_files_free(c.tsas, c.ntsas);
		smsaudit_state_free(st);
		return rc;
	}
	if (st->nrecs > 1)
		qsort(st->recs, st->nrecs, sizeof(*st->recs), cmp_ledger);
	authority(st, store, c.tsas, c.ntsas);
	stamped_after_revocation(st);
	choose_sms(st, store);
	/* Everything after authority reads the records in time order. */
	if (st->nrecs > 1)
		qsort(st->recs, st->nrecs, sizeof(*st->recs), cmp_loaded);
	if (!(flags & STATE_PEOPLE_ONLY)) {
		load_policy(st, store);
		derive_evidence(st, store);
		check_assessments(st, store);
		check_signed_file(st, store, &at, SMS_PATH);
		check_signed_file(st, store, &at, CA_PATH);
		/* A TSA's configuration is a quality manager's signed word, like an anchor. */
		for (size_t i = 0; i < c.ntsas; i++)
			check_signed_file(st, store, &at, c.tsas[i].path);
		anchor_ctx ac = { st, store, &at };
		smsaudit_repo_walk(store->repo, &at, ANCHORS_DIR, check_anchor, &ac);
	}
	signed_files_free(c.tsas, c.ntsas);
	*out = st;
	return 0;
}

/* ---- judging only what follows a base ---- */

typedef struct {
	smsaudit_state *st;
	collect_ctx *c;
	loaded *sigs;           /* signatures added since (path and blob only) */
	size_t nsigs, asigs;
	signed_file *tsrs;      /* time-stamp tokens added since */
	size_t ntsrs, atsrs;
	const char *why;        /* set when only the whole history can judge */
} since_ctx;

static int push_loaded(smsaudit_state *st, loaded **v, size_t *n, size_t *alloc, const char *path,
                       const smsaudit_oid *blob, size_t commit)
{
	if (*n == *alloc) {
		size_t na = *alloc ? *alloc * 2 : 64;
		loaded *r = realloc(*v, na * sizeof(*r));
		if (!r)
			return error_oom();
		*v = r;
		*alloc = na;
	}
	loaded *l = &(*v)[*n];
	memset(l, 0, sizeof(*l));
	if (!(l->path = state_path(st, path)))
		return error_oom();
	(*n)++;
	l->blob = *blob;
	l->commit = commit;
	return 0;
}

static int since_change(const smsaudit_history *h, size_t i, const char *path, smsaudit_path_change change,
                        const smsaudit_oid *blob, void *u)
{
	(void)h;
	since_ctx *sc = u;
	if (sc->why)
		return 0;
	smsaudit_record_type type;
	char id[SMSAUDIT_ID_MAX];
	const char *bn = base_name(path);
	size_t bl = strlen(bn);
	if (change != SMSAUDIT_PATH_ADDED || !path_has_a_place(sc->c->store, path))
		sc->why = "a change the whole history must judge";
	else if (strncmp(path, "content/", 8) == 0)
		return content_cb(path, blob, sc->c);
	else if (strncmp(path, SMSAUDIT_STAMPS_DIR "/", sizeof(SMSAUDIT_STAMPS_DIR)) == 0 &&
	         (sc->c->flags & STATE_SINCE_MODEL_RECORDS))
		/* A token may vouch for records from before the base, whose times
		 * only the whole state holds. */
		sc->why = "a time-stamp for the whole history to place";
	else if (strncmp(path, SMSAUDIT_STAMPS_DIR "/", sizeof(SMSAUDIT_STAMPS_DIR)) == 0 && ends_with(path, ".xml.tsr") &&
	         strlen(path) < sizeof(sc->tsrs->path))
		return push_signed_file(&sc->tsrs, &sc->ntsrs, &sc->atsrs, path, blob);
	else if (strncmp(path, SMSAUDIT_STAMPS_DIR "/", sizeof(SMSAUDIT_STAMPS_DIR)) == 0 && ends_with(path, ".xml") &&
	         strlen(path) < sizeof(sc->tsrs->path))
		return push_signed_file(&sc->c->stamps, &sc->c->nstamps, &sc->c->astamps, path, blob);
	else if (strncmp(path, "records/", 8) != 0)
		sc->why = "a file outside records/ and content/";
	else if (ends_with(path, ".xml.p7s"))
		return push_loaded(sc->st, &sc->sigs, &sc->nsigs, &sc->asigs, path, blob, i);
	else if (!ends_with(path, ".xml") || bl - 4 >= sizeof(id))
		sc->why = "an unexpected file among the records";
	else if (snprintf(id, sizeof(id), "%.*s", (int)(bl - 4), bn), smsaudit_record_id_type(&type, id) < 0)
		sc->why = "a record file not named by a record id";
	else if (type != SMSAUDIT_REC_EVIDENCE && type != SMSAUDIT_REC_ASSESSMENT &&
	         !((sc->c->flags & STATE_SINCE_MODEL_RECORDS) &&
	           (type == SMSAUDIT_REC_FINDING || type == SMSAUDIT_REC_STEP || type == SMSAUDIT_REC_AUDIT ||
	            type == SMSAUDIT_REC_SEAL)))
		sc->why = "a record that changes authority, findings, audits or the SMS";
	else
		return push_loaded(sc->st, &sc->st->recs, &sc->st->nrecs, &sc->st->arecs, path, blob, i);
	smsaudit_error_clear();
	return 0;
}

static int cmp_signed_path(const void *a, const void *b)
{
	return strcmp(((const signed_file *)a)->path, ((const signed_file *)b)->path);
}

static int cmp_loaded_path(const void *a, const void *b)
{
	return strcmp(((const loaded *)a)->path, ((const loaded *)b)->path);
}

/* The base's person and revocation records, applied in the order its verify applied them. */
static int load_prejudged(smsaudit_state *st, smsaudit_repo *repo, const state_base *base)
{
	smsaudit_buf xml = SMSAUDIT_BUF_INIT;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < base->nauthority; i++) {
		char path[160];
		rc = smsaudit_record_path(path, sizeof(path), base->authority_ids[i]);
		if (rc == 0)
			rc = push_loaded(st, &st->recs, &st->nrecs, &st->arecs, path, &base->authority_blobs[i], 0);
		if (rc < 0)
			break;
		loaded *l = &st->recs[st->nrecs - 1];
		if ((rc = smsaudit_repo_read_blob(&xml, repo, &l->blob)) == 0 &&
		    (rc = smsaudit_record_parse(&l->rec, xml.ptr, xml.size, path)) == 0 &&
		    strcmp(l->rec->id, base->authority_ids[i]) != 0)
			rc = error_set(SMSAUDIT_EINVALID, "%s: the pinned object holds another record", path);
		if (rc == 0) {
			l->prejudged = 1;
			l->sig_ok = 1;
			l->signed_at = l->rec->made_at;
			l->order = i;
		}
	}
	smsaudit_buf_dispose(&xml);
	return rc;
}

int state_load_since(smsaudit_state **out, smsaudit_store *store, const state_base *base, const smsaudit_oid *commit,
                     unsigned flags)
{
	*out = NULL;
	if ((flags & SMSAUDIT_STATE_CHECK_CONTENT) && !base->content)
		return error_set(SMSAUDIT_ENOTFOUND, "the base was verified without content digests");
	smsaudit_state *st = calloc(1, sizeof(*st));
	if (!st)
		return error_oom();
	pthread_mutex_init(&st->lock, NULL);
	st->clock_hi = (time_t)INT64_MAX;
	st->flags = flags & ~SMSAUDIT_STATE_USE_CACHE;
	/* A base whose content was checked stays one: the new content is checked
	 * too, which costs only what the new commits add. */
	if (base->content)
		st->flags |= SMSAUDIT_STATE_CHECK_CONTENT;
	st->at = *commit;
	st->since = 1;
	st->root = base->root;
	st->base = base->commit;
	collect_ctx c = { st, store, st->flags, NULL, 0, 0, NULL, 0, commit, NULL, 0, 0, NULL, 0, 0 };
	since_ctx sc = { st, &c, NULL, 0, 0, NULL, 0, 0, NULL };
	int rc = smsaudit_repo_history_since(&st->history, store->repo, &base->commit, commit, since_change, &sc);
	if (rc == 0 && sc.why)
		rc = error_set(SMSAUDIT_ENOTFOUND, "%s", sc.why);
	/* Pair each record with its signature. */
	if (rc == 0 && sc.nsigs > 1)
		qsort(sc.sigs, sc.nsigs, sizeof(*sc.sigs), cmp_loaded_path);
	size_t paired = 0;
	for (size_t i = 0; rc == 0 && i < st->nrecs; i++) {
		loaded key;
		char key_path[200];
		size_t len = strlen(st->recs[i].path);
		if (len + 5 > sizeof(key_path))
			continue; /* no signature can be named after it: it stays unsigned */
		memcpy(key_path, st->recs[i].path, len);
		memcpy(key_path + len, ".p7s", 5);
		key.path = key_path;
		const loaded *sig = sc.nsigs ? bsearch(&key, sc.sigs, sc.nsigs, sizeof(key), cmp_loaded_path) : NULL;
		if (sig) {
			st->recs[i].sig_blob = sig->blob;
			st->recs[i].have_sig = 1;
			paired++;
		}
	}
	if (rc == 0 && paired != sc.nsigs)
		rc = error_set(SMSAUDIT_ENOTFOUND, "a signature without a new record");
	free(sc.sigs);
	/* Each new stamp with its token; the TSAs as the checkpoint had them. */
	if (rc == 0 && sc.ntsrs > 1)
		qsort(sc.tsrs, sc.ntsrs, sizeof(*sc.tsrs), cmp_signed_path);
	paired = 0;
	for (size_t i = 0; rc == 0 && i < c.nstamps; i++) {
		signed_file key;
		snprintf(key.path, sizeof(key.path), "%.195s.tsr", c.stamps[i].path);
		const signed_file *t = sc.ntsrs ? bsearch(&key, sc.tsrs, sc.ntsrs, sizeof(key), cmp_signed_path) : NULL;
		if (t) {
			c.stamps[i].proof = t->blob;
			c.stamps[i].have_proof = 1;
			paired++;
		}
	}
	if (rc == 0 && paired != sc.ntsrs)
		rc = error_set(SMSAUDIT_ENOTFOUND, "a time-stamp token without a new stamp");
	free(sc.tsrs);
	if (rc == 0 && base->awaiting)
		rc = error_set(SMSAUDIT_ENOTFOUND, "records of the checkpoint wait for a time-stamp");
	if (rc == 0)
		rc = smsaudit_repo_walk(store->repo, commit, SMSAUDIT_TSA_DIR, tsa_cb, &c);
	if (rc == 0) {
		if (c.ncontent > 1)
			qsort(c.content, c.ncontent, sizeof(*c.content), cmp_content);
		rc = load_all(&c);
	}
	if (rc == 0)
		account_for_content(&c);
	free(c.content);
	if (rc == 0) {
		read_tsas(&c);
		stamp_times(&c);
	}
	signed_files_free(c.stamps, c.nstamps);
	/* Authority: the base's records as one commit before every new one. */
	size_t nnew = st->nrecs;
	if (rc == 0)
		rc = load_prejudged(st, store->repo, base);
	if (rc == 0 && st->nrecs > 1)
		qsort(st->recs, st->nrecs, sizeof(*st->recs), cmp_ledger);
	if (rc == 0) {
		authority(st, store, c.tsas, c.ntsas);
		stamped_after_revocation(st);
		if (st->nrecs > 1)
			qsort(st->recs, st->nrecs, sizeof(*st->recs), cmp_loaded);
		derive_evidence(st, store);
		check_assessments(st, store);
	}
	if (rc == 0) {
		/* A TSA's configuration is a quality manager's signed word (see state_load_ledger). */
		for (size_t i = 0; i < c.ntsas; i++)
			check_signed_file(st, store, commit, c.tsas[i].path);
	}
	signed_files_free(c.tsas, c.ntsas);
	if (rc == 0 && (st->nproblems || st->damaged))
		rc = error_set(SMSAUDIT_ENOTFOUND, "a new record fails a rule");
	if (rc < 0) {
		smsaudit_state_free(st);
		return rc;
	}
	st->base_records = base->records - (st->nrecs - nnew);
	st->base_evidence = base->evidence;
	st->base_checked = base->content_checked;
	*out = st;
	return 0;
}

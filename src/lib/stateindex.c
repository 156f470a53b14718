/*
 * The state index: the state of main's tip as the ledger and the model derived
 * it (every record with its verdict and signer, the evidence, the people, the
 * problems, the SMS description in force), kept in the local repository
 * directory so that a command on an unchanged repository reads it back
 * instead of walking the tree, replaying the history and judging every
 * record again (think of git's index).
 *
 * The file is one block of memory as the state uses it, plus a table of the
 * places in it that hold pointers: reading it is one read into one
 * allocation, a MAC check and adding the block's address at those places.
 * Nothing is parsed and nothing else is allocated, so a command over 100,000
 * records starts in milliseconds.
 *
 * What decides a state besides its commit is in the key (index_key): the
 * trust anchors, the CA, the catalogue, the first quality manager and the
 * build of the program (a rebuilt program may judge differently); the commit
 * is in the header. The state is kept with the window of clock readings it
 * holds for (records waiting for a time-stamp token run out; see
 * state_internal.h), and not at all when a record was signed in the clock's
 * future. Like the verification cache the file carries an HMAC-SHA256 keyed
 * by this user's secret, checked over the copy in memory before any of it is
 * used (and one over the header before its sizes are believed): a torn file,
 * an edited one, one from another repository or build is a miss, never an
 * error. `verify` never reads it.
 *
 * When main has moved on from the index's commit by commits that only add
 * records, the index's state is continued rather than derived again
 * (extend): the new commits are judged as verify judges what follows its
 * checkpoint, and the model's rules run over the whole continued state.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "record_types.h"
#include "smsaudit/catalogue.h"
#include "smsaudit/config.h"
#include "smsaudit/sign.h"
#include "state_internal.h"
#include "stateindex.h"
#include "store_internal.h"

#define MAGIC "smsaudit-state\n"
/* Bump when the layout of the block changes (this file, state_internal.h or
 * the public entries it holds); the build in the key covers the rest. */
#define FORMAT 5
#define INDEX_DIR "smsaudit-cache"

typedef struct {
	char magic[16];
	uint32_t format, pointer_size;
	char key[64];               /* index_key of what the state was derived from */
	smsaudit_oid commit;        /* the commit it is the state of */
	int64_t clock_lo, clock_hi; /* the clock readings it holds for */
	uint64_t block_size, nrelocs;
	/* The MAC of the header before it: checked before the block's size is
	 * believed, so that a header made without the secret cannot make a
	 * reader allocate and read gigabytes. */
	char header_mac[64];
} index_header;

/* At the start of the block. */
typedef struct {
	uint64_t nrecs, nevidence, npeople, nproblems, ncommits, content_checked, awaiting, nby_id, nledger_problems;
	uint32_t *by_id;             /* state_records_by_id */
	smsaudit_problem *ledger_problems;  /* before the model's rules: for extending it */
	state_rec *recs;
	smsaudit_evidence_entry *evidence;
	smsaudit_person_entry *people;
	smsaudit_problem *problems;
	smsaudit_oid *commits;       /* of the history, sorted */
	smsaudit_oid at, root;
	const smsaudit_record *sms, *certificate;
	char *sms_merged;
	char sms_conflicts[300];
	smsaudit_sms_policy policy;
} index_root;

/* What decides a state besides its commit, as a SHA-256 (hex): the commit is
 * in the header, so that a later command can extend the state it holds. */
static int index_key(char out[65], smsaudit_store *store)
{
	struct stat exe;
	char trust[65], ca[65];
	if (stat("/proc/self/exe", &exe) < 0 || smsaudit_cert_fingerprint(ca, store->ca) < 0)
		return -1; /* no build to name: no index */
	store_trust_digest(store, trust);
	const smsaudit_catalogue_info *cat = smsaudit_catalogue_info_get(store->catalogue);
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int rc = buf_printf(&b, "format %d\nbuild %ju %ju %jd %jd.%09ld\ntrust %s\nca %s\ncatalogue %s %s\n"
	                    "created-by %s\n", FORMAT, (uintmax_t)exe.st_dev, (uintmax_t)exe.st_ino,
	                    (intmax_t)exe.st_size, (intmax_t)exe.st_mtim.tv_sec, (long)exe.st_mtim.tv_nsec, trust, ca,
	                    cat ? cat->sha256 : "", store->catalogue_path ? store->catalogue_path : "",
	                    store->created_by ? store->created_by : "");
	rc = rc ? rc : sha256_hex(out, b.ptr, b.size);
	smsaudit_buf_dispose(&b);
	return rc;
}

static void index_path(char *out, size_t size, smsaudit_store *store)
{
	char trust[65];
	store_trust_digest(store, trust);
	snprintf(out, size, "%s/" INDEX_DIR "/state-%.16s", smsaudit_repo_path(store->repo), trust);
}

/* ---- writing: the block and the places of its pointers ---- */

typedef struct {
	const smsaudit_record *rec;
	size_t off;
} placed_record;

typedef struct {
	smsaudit_buf block;
	uint32_t *relocs;            /* offsets of the pointers in the block */
	size_t nrelocs, arelocs;
	size_t *strings;             /* interned strings: offset + 1, open addressing */
	size_t nstrings, nslots;
	placed_record *placed;       /* records by address, once all are written */
	size_t nplaced, aplaced;
	int failed;
} writer;

/* `size` zeroed bytes aligned to `align` (a power of two); their offset. */
static size_t take(writer *w, size_t size, size_t align)
{
	size_t off = (w->block.size + align - 1) & ~(align - 1);
	if (w->failed || buf_grow(&w->block, off - w->block.size + size) < 0) {
		w->failed = 1;
		return 0;
	}
	memset(w->block.ptr + w->block.size, 0, off - w->block.size + size);
	w->block.size = off + size;
	return off;
}

/* The pointer at `slot` points at `target` (offsets): stored as target + 1
 * (0 is NULL) and listed for the reader to add the block's address. */
static void point(writer *w, size_t slot, size_t target)
{
	if (w->failed)
		return;
	if (w->nrelocs == w->arelocs) {
		size_t n = w->arelocs ? w->arelocs * 2 : 4096;
		uint32_t *r = realloc(w->relocs, n * sizeof(*r));
		if (!r) {
			w->failed = 1;
			return;
		}
		w->relocs = r;
		w->arelocs = n;
	}
	uintptr_t v = (uintptr_t)target + 1;
	memcpy(w->block.ptr + slot, &v, sizeof(v));
	w->relocs[w->nrelocs++] = (uint32_t)slot;
}

static void point_null(writer *w, size_t slot)
{
	if (!w->failed)
		memset(w->block.ptr + slot, 0, sizeof(void *));
}

static int strings_grow(writer *w)
{
	size_t n = w->nslots ? w->nslots * 2 : 1u << 14;
	size_t *s = calloc(n, sizeof(*s));
	if (!s)
		return -1;
	for (size_t i = 0; i < w->nslots; i++) {
		if (!w->strings[i])
			continue;
		size_t h = text_hash(w->block.ptr + w->strings[i] - 1) & (n - 1);
		while (s[h])
			h = (h + 1) & (n - 1);
		s[h] = w->strings[i];
	}
	free(w->strings);
	w->strings = s;
	w->nslots = n;
	return 0;
}

/* The string pointer at `slot` points at a copy of `s` in the block: each
 * distinct string once (signers' emails, controls and names repeat). */
static void point_string(writer *w, size_t slot, const char *s)
{
	if (!s) {
		point_null(w, slot);
		return;
	}
	if (w->failed || (w->nstrings * 2 >= w->nslots && strings_grow(w) < 0)) {
		w->failed = 1;
		return;
	}
	size_t h = text_hash(s) & (w->nslots - 1);
	while (w->strings[h]) {
		if (strcmp(w->block.ptr + w->strings[h] - 1, s) == 0) {
			point(w, slot, w->strings[h] - 1);
			return;
		}
		h = (h + 1) & (w->nslots - 1);
	}
	size_t n = strlen(s) + 1;
	size_t off = take(w, n, 1);
	if (w->failed)
		return;
	memcpy(w->block.ptr + off, s, n);
	w->strings[h] = off + 1;
	w->nstrings++;
	point(w, slot, off);
}

/* The list pointer at `slot` points at a copy of the `n` items of `size`
 * bytes at `v` (NULL stays NULL); the copy's offset. */
static size_t put_list(writer *w, size_t slot, const void *v, size_t n, size_t size, size_t align)
{
	if (!v) {
		point_null(w, slot);
		return 0;
	}
	size_t list = take(w, (n ? n : 1) * size, align);
	if (!w->failed && n)
		memcpy(w->block.ptr + list, v, n * size);
	point(w, slot, list);
	return list;
}

/* A copy of `rec` in the block, as one-block records are laid out: the part
 * of smsaudit_record its type uses, then its strings and lists. */
static size_t put_record(writer *w, const smsaudit_record *rec)
{
	const record_type_desc *desc = record_type_desc_of(rec->type);
	if (!desc) {
		w->failed = 1;
		return 0;
	}
	size_t head = record_head_size(desc);
	size_t off = take(w, head, _Alignof(smsaudit_record));
	if (w->failed)
		return 0;
	memcpy(w->block.ptr + off, rec, head);
	point_string(w, off + offsetof(smsaudit_record, made_by), rec->made_by);
	for (size_t i = 0; i < desc->nfields && !w->failed; i++) {
		const record_field *f = &desc->fields[i];
		const char *src = (const char *)rec + f->off;
		size_t slot = off + f->off;
		size_t n = f->kind == RECORD_FIELD_STRS || f->kind == RECORD_FIELD_REFS || f->kind == RECORD_FIELD_ACTIONS
		         ? *(const size_t *)(const void *)((const char *)rec + f->count_off) : 0;
		switch (f->kind) {
		case RECORD_FIELD_STR:
			point_string(w, slot, *(char *const *)(const void *)src);
			break;
		case RECORD_FIELD_STRS: {
			char *const *v = *(char **const *)(const void *)src;
			if (!v) {
				point_null(w, slot);
				break;
			}
			size_t list = take(w, (n ? n : 1) * sizeof(char *), _Alignof(char *));
			point(w, slot, list);
			for (size_t k = 0; k < n; k++)
				point_string(w, list + k * sizeof(char *), v[k]);
			break;
		}
		case RECORD_FIELD_REFS:
			put_list(w, slot, *(const void *const *)(const void *)src, n, sizeof(smsaudit_evidence_ref),
			         _Alignof(smsaudit_evidence_ref));
			break;
		case RECORD_FIELD_ACTIONS: {
			const smsaudit_action *v = *(smsaudit_action *const *)(const void *)src;
			size_t list = put_list(w, slot, v, n, sizeof(*v), _Alignof(smsaudit_action));
			for (size_t k = 0; v && k < n; k++) {
				size_t item = list + k * sizeof(*v);
				point_string(w, item + offsetof(smsaudit_action, description), v[k].description);
				point_string(w, item + offsetof(smsaudit_action, owner), v[k].owner);
			}
			break;
		}
		default:
			break; /* numbers and fixed texts came with the head */
		}
	}
	if (!w->failed) {
		if (w->nplaced == w->aplaced) {
			size_t na = w->aplaced ? w->aplaced * 2 : 1024;
			placed_record *p = realloc(w->placed, na * sizeof(*p));
			if (!p) {
				w->failed = 1;
				return 0;
			}
			w->placed = p;
			w->aplaced = na;
		}
		w->placed[w->nplaced].rec = rec;
		w->placed[w->nplaced++].off = off;
	}
	return off;
}

static int cmp_placed(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const placed_record *)a)->rec, y = (uintptr_t)((const placed_record *)b)->rec;
	return x < y ? -1 : x > y;
}

/* The record pointer at `slot` points at the copy of `rec` (one of the
 * state's records, all of which are written first). */
static void point_record(writer *w, size_t slot, const smsaudit_record *rec)
{
	if (!rec) {
		point_null(w, slot);
		return;
	}
	placed_record key = { rec, 0 };
	const placed_record *hit = w->nplaced ? bsearch(&key, w->placed, w->nplaced, sizeof(key), cmp_placed) : NULL;
	if (!hit) {
		w->failed = 1; /* not one of the state's records: nothing to keep */
		return;
	}
	point(w, slot, hit->off);
}

static int cmp_oid(const void *a, const void *b)
{
	return memcmp(((const smsaudit_oid *)a)->id, ((const smsaudit_oid *)b)->id, sizeof(((smsaudit_oid *)0)->id));
}

static void write_state(writer *w, const smsaudit_state *st)
{
	size_t root = take(w, sizeof(index_root), _Alignof(index_root));
	if (w->failed)
		return;
	index_root *r = (index_root *)(void *)(w->block.ptr + root);
	r->nrecs = st->nrecs;
	r->nevidence = st->nevidence;
	r->npeople = st->npeople;
	r->nproblems = st->nproblems;
	r->content_checked = st->content_checked;
	r->awaiting = st->awaiting;
	r->at = st->at;
	r->root = *smsaudit_state_root(st);
	memcpy(r->sms_conflicts, st->sms_conflicts, sizeof(r->sms_conflicts));
	r->policy = st->policy;

	size_t recs = take(w, (st->nrecs ? st->nrecs : 1) * sizeof(state_rec), _Alignof(state_rec));
	point(w, root + offsetof(index_root, recs), recs);
	for (size_t i = 0; i < st->nrecs && !w->failed; i++) {
		state_rec v;
		if (st->irecs) {
			v = st->irecs[i];
		} else {
			v = state_rec_of(&st->recs[i], st->recs[i].ledger_valid);
		}
		size_t e = recs + i * sizeof(state_rec);
		state_rec plain = v;
		plain.rec = NULL;
		plain.path = plain.signer_email = NULL;
		memcpy(w->block.ptr + e, &plain, sizeof(plain));
		if (v.rec)
			point(w, e + offsetof(state_rec, rec), put_record(w, v.rec));
		point_string(w, e + offsetof(state_rec, path), v.path);
		point_string(w, e + offsetof(state_rec, signer_email), v.signer_email);
	}
	if (w->nplaced > 1 && !w->failed)
		qsort(w->placed, w->nplaced, sizeof(*w->placed), cmp_placed);

	size_t ev = take(w, (st->nevidence ? st->nevidence : 1) * sizeof(*st->evidence), _Alignof(smsaudit_evidence_entry));
	point(w, root + offsetof(index_root, evidence), ev);
	for (size_t i = 0; i < st->nevidence && !w->failed; i++) {
		size_t e = ev + i * sizeof(*st->evidence);
		memcpy(w->block.ptr + e, &st->evidence[i], sizeof(*st->evidence));
		point_record(w, e + offsetof(smsaudit_evidence_entry, record), st->evidence[i].record);
		point_string(w, e + offsetof(smsaudit_evidence_entry, path), st->evidence[i].path);
		point_string(w, e + offsetof(smsaudit_evidence_entry, signer_name), st->evidence[i].signer_name);
		point_string(w, e + offsetof(smsaudit_evidence_entry, changed_by), st->evidence[i].changed_by);
		point_string(w, e + offsetof(smsaudit_evidence_entry, superseded_by), st->evidence[i].superseded_by);
	}
	size_t people = take(w, (st->npeople ? st->npeople : 1) * sizeof(*st->people), _Alignof(smsaudit_person_entry));
	point(w, root + offsetof(index_root, people), people);
	for (size_t i = 0; i < st->npeople && !w->failed; i++) {
		size_t e = people + i * sizeof(*st->people);
		memcpy(w->block.ptr + e, &st->people[i], sizeof(*st->people));
		point_record(w, e + offsetof(smsaudit_person_entry, record), st->people[i].record);
	}
	size_t problems = take(w, (st->nproblems ? st->nproblems : 1) * sizeof(*st->problems), _Alignof(smsaudit_problem));
	if (!w->failed && st->nproblems)
		memcpy(w->block.ptr + problems, st->problems, st->nproblems * sizeof(*st->problems));
	point(w, root + offsetof(index_root, problems), problems);
	size_t lp = take(w, (st->nledger_problems ? st->nledger_problems : 1) * sizeof(*st->problems),
	                 _Alignof(smsaudit_problem));
	if (!w->failed && st->nledger_problems)
		memcpy(w->block.ptr + lp, st->ledger_problems, st->nledger_problems * sizeof(*st->problems));
	if (!w->failed)
		((index_root *)(void *)(w->block.ptr + root))->nledger_problems = st->nledger_problems;
	point(w, root + offsetof(index_root, ledger_problems), lp);

	size_t ncommits = st->history ? smsaudit_history_count(st->history) : st->ncommits;
	size_t commits = take(w, (ncommits ? ncommits : 1) * sizeof(smsaudit_oid), _Alignof(smsaudit_oid));
	if (!w->failed) {
		smsaudit_oid *c = (smsaudit_oid *)(void *)(w->block.ptr + commits);
		for (size_t i = 0; i < ncommits; i++)
			c[i] = st->history ? *smsaudit_history_commit(st->history, i) : st->commits[i];
		qsort(c, ncommits, sizeof(*c), cmp_oid);
		((index_root *)(void *)(w->block.ptr + root))->ncommits = ncommits;
	}
	point(w, root + offsetof(index_root, commits), commits);

	const uint32_t *order;
	uint32_t *owned;
	size_t norder;
	if (state_records_by_id(&order, &norder, &owned, st) < 0) {
		w->failed = 1;
		return;
	}
	size_t by_id = take(w, (norder ? norder : 1) * sizeof(uint32_t), _Alignof(uint32_t));
	if (!w->failed) {
		memcpy(w->block.ptr + by_id, order, norder * sizeof(uint32_t));
		((index_root *)(void *)(w->block.ptr + root))->nby_id = norder;
	}
	free(owned);
	point(w, root + offsetof(index_root, by_id), by_id);

	point_record(w, root + offsetof(index_root, sms), st->sms);
	point_record(w, root + offsetof(index_root, certificate), st->certificate);
	point_string(w, root + offsetof(index_root, sms_merged), st->sms_merged);
}

static void writer_dispose(writer *w)
{
	smsaudit_buf_dispose(&w->block);
	free(w->relocs);
	free(w->strings);
	free(w->placed);
}

static int write_file(const char *path, const index_header *h, const writer *w, const unsigned char key[32])
{
	char dir[1200], tmp[1300];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return error_set(SMSAUDIT_EIO, "%s: %s", dir, strerror(errno));
	remove_stale_temps(path);
	temp_path_for(tmp, sizeof(tmp), path);
	int fd = temp_create(tmp);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "wb");
	if (!f) {
		int e = errno;
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return error_set(SMSAUDIT_EIO, "%s: %s", tmp, strerror(e));
	}
	hmac_stream *mac = NULL;
	char sum[65];
	size_t nrel = w->nrelocs * sizeof(*w->relocs);
	int rc = hmac_stream_begin(&mac, key);
	rc = rc ? rc : hmac_stream_update(mac, h, sizeof(*h));
	rc = rc ? rc : hmac_stream_update(mac, w->block.ptr, w->block.size);
	rc = rc ? rc : hmac_stream_update(mac, w->relocs, nrel);
	rc = rc ? rc : hmac_stream_end(sum, mac);
	mac = rc ? mac : NULL;
	hmac_stream_end(NULL, mac);
	int ok = rc == 0 && fwrite(h, sizeof(*h), 1, f) == 1 && fwrite(w->block.ptr, 1, w->block.size, f) == w->block.size &&
	         fwrite(w->relocs, 1, nrel, f) == nrel && fwrite(sum, 1, 64, f) == 64;
	ok = fclose(f) == 0 && ok;
	/* No fsync: a file torn by a power cut fails its MAC and is rebuilt. */
	if (!ok || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return rc ? rc : error_set(SMSAUDIT_EIO, "%s: %s", path, strerror(e));
	}
	return 0;
}

int state_index_save(const smsaudit_state *st, smsaudit_store *store)
{
	smsaudit_oid head;
	if (st->index_hit || st->since || (!st->recs && !st->irecs) || st->damaged || st->clock_unsure ||
	    (!st->history && !st->commits) || !st->ledger_problems || smsaudit_repo_head(&head, store->repo) < 0 ||
	    memcmp(head.id, st->at.id, sizeof(head.id)) != 0) {
		smsaudit_error_clear();
		return 0;
	}
	index_header h;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, MAGIC, sizeof(MAGIC));
	h.format = FORMAT;
	h.pointer_size = sizeof(void *);
	char key[65], path[1200];
	unsigned char secret[32];
	if (index_key(key, store) < 0 || smsaudit_config_secret(secret, "cache.key") < 0) {
		smsaudit_error_clear();
		return 0; /* no build or no secret: no index, as with the verification cache */
	}
	memcpy(h.key, key, 64);
	h.commit = st->at;
	h.clock_lo = st->clock_lo;
	h.clock_hi = st->clock_hi;
	writer w;
	memset(&w, 0, sizeof(w));
	/* Sized for what a record takes (about 500 bytes and four distinct
	 * strings), so that neither the block nor the table of strings is
	 * copied while it grows. */
	size_t slots = 1u << 14;
	while (slots < st->nrecs * 8)
		slots *= 2;
	w.strings = calloc(slots, sizeof(*w.strings));
	w.nslots = w.strings ? slots : 0;
	if (buf_grow(&w.block, st->nrecs * 520 + 65536) < 0)
		smsaudit_error_clear(); /* it grows as it goes */
	write_state(&w, st);
	int rc = 0;
	if (w.failed || w.block.size > UINT32_MAX) {
		rc = w.block.size > UINT32_MAX ? 0 : error_oom();
	} else {
		h.block_size = w.block.size;
		h.nrelocs = w.nrelocs;
		char sum[65];
		rc = hmac_sha256_hex(sum, secret, &h, offsetof(index_header, header_mac), NULL, 0);
		memcpy(h.header_mac, sum, 64);
		index_path(path, sizeof(path), store);
		rc = rc ? rc : write_file(path, &h, &w, secret);
	}
	writer_dispose(&w);
	return rc;
}

/* ---- reading ---- */

static int read_full(int fd, void *p, size_t n)
{
	char *c = p;
	while (n) {
		ssize_t k = read(fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* `n` items of `size` bytes at `p` lie inside the block. */
static int inside(const void *block, uint64_t size, const void *p, uint64_t n, size_t item)
{
	uintptr_t b = (uintptr_t)block, q = (uintptr_t)p;
	return q >= b && (item == 0 || n <= (size - (q - b)) / item) && q - b <= size;
}

/* The block of the file at `fd` in memory with its pointers made real, and
 * its header; NULL for anything but a whole file with this key and a clock
 * inside its window. */
static void *read_block(index_header *hp, int fd, const char key[65], const unsigned char secret[32])
{
	struct stat sb;
	index_header h;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || read_full(fd, &h, sizeof(h)) < 0)
		return NULL;
	time_t now = smsaudit_now();
	char hsum[65];
	if (hmac_sha256_hex(hsum, secret, &h, offsetof(index_header, header_mac), NULL, 0) < 0 ||
	    memcmp(hsum, h.header_mac, 64) != 0)
		return NULL;
	if (memcmp(h.magic, MAGIC, sizeof(MAGIC)) != 0 || h.format != FORMAT || h.pointer_size != sizeof(void *) ||
	    memcmp(h.key, key, 64) != 0 || now < h.clock_lo || now > h.clock_hi || h.block_size < sizeof(index_root) ||
	    h.block_size > UINT32_MAX || h.nrelocs > h.block_size / sizeof(void *) ||
	    (uint64_t)sb.st_size != sizeof(h) + h.block_size + h.nrelocs * sizeof(uint32_t) + 64)
		return NULL;
	void *block = malloc((size_t)h.block_size);
	hmac_stream *mac = NULL;
	int ok = block && read_full(fd, block, (size_t)h.block_size) == 0 && hmac_stream_begin(&mac, secret) == 0 &&
	         hmac_stream_update(mac, &h, sizeof(h)) == 0 && hmac_stream_update(mac, block, (size_t)h.block_size) == 0;
	/* The pointers are made real a chunk of the table at a time, each
	 * checked to lie in the block: if the MAC then fails, the block is only
	 * thrown away. */
	uint32_t relocs[8192];
	for (uint64_t done = 0; ok && done < h.nrelocs;) {
		size_t n = h.nrelocs - done < 8192 ? (size_t)(h.nrelocs - done) : 8192;
		ok = read_full(fd, relocs, n * sizeof(*relocs)) == 0 && hmac_stream_update(mac, relocs, n * sizeof(*relocs)) == 0;
		for (size_t i = 0; ok && i < n; i++) {
			uintptr_t v;
			if (relocs[i] % sizeof(void *) || (uint64_t)relocs[i] + sizeof(void *) > h.block_size) {
				ok = 0;
				break;
			}
			memcpy(&v, (char *)block + relocs[i], sizeof(v));
			if (v) {
				if (v - 1 >= h.block_size) {
					ok = 0;
					break;
				}
				v = (uintptr_t)block + v - 1;
				memcpy((char *)block + relocs[i], &v, sizeof(v));
			}
		}
		done += n;
	}
	char stored[64], sum[65];
	ok = ok && read_full(fd, stored, 64) == 0;
	if (mac) {
		ok = hmac_stream_end(ok ? sum : NULL, mac) == 0 && ok;
		ok = ok && memcmp(sum, stored, 64) == 0;
	}
	const index_root *r = block;
	ok = ok && inside(block, h.block_size, r->recs, r->nrecs, sizeof(*r->recs)) &&
	     inside(block, h.block_size, r->evidence, r->nevidence, sizeof(*r->evidence)) &&
	     inside(block, h.block_size, r->people, r->npeople, sizeof(*r->people)) &&
	     inside(block, h.block_size, r->problems, r->nproblems, sizeof(*r->problems)) &&
	     inside(block, h.block_size, r->ledger_problems, r->nledger_problems, sizeof(*r->ledger_problems)) &&
	     inside(block, h.block_size, r->commits, r->ncommits, sizeof(*r->commits)) &&
	     inside(block, h.block_size, r->by_id, r->nby_id, sizeof(*r->by_id));
	for (uint64_t i = 0; ok && i < r->nby_id; i++)
		ok = r->by_id[i] < r->nrecs;
	if (!ok) {
		free(block);
		return NULL;
	}
	*hp = h;
	return block;
}

/* The index's block and header, when it is one for this key; NULL otherwise. */
static void *read_index(index_header *h, smsaudit_store *store, unsigned char secret[32])
{
	char key[65], path[1200];
	if (index_key(key, store) < 0 || smsaudit_config_secret(secret, "cache.key") < 0) {
		smsaudit_error_clear();
		return NULL;
	}
	index_path(path, sizeof(path), store);
	/* Never blocks (a FIFO planted there) and never follows a link. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	void *block = read_block(h, fd, key, secret);
	close(fd);
	return block;
}

/* The state a block holds (which it then owns). */
static smsaudit_state *state_of_block(void *block, const index_header *h)
{
	smsaudit_state *st = calloc(1, sizeof(*st));
	if (!st) {
		free(block);
		return NULL;
	}
	const index_root *r = block;
	pthread_mutex_init(&st->lock, NULL);
	st->index_block = block;
	st->irecs = r->recs;
	st->nrecs = (size_t)r->nrecs;
	st->evidence = r->evidence;
	st->nevidence = (size_t)r->nevidence;
	st->people = r->people;
	st->npeople = (size_t)r->npeople;
	st->problems = r->problems;
	st->nproblems = st->aproblems = (size_t)r->nproblems;
	st->ledger_problems = r->ledger_problems;
	st->nledger_problems = (size_t)r->nledger_problems;
	st->by_id = r->by_id;
	st->nby_id = (size_t)r->nby_id;
	st->commits = r->commits;
	st->ncommits = (size_t)r->ncommits;
	st->content_checked = (size_t)r->content_checked;
	st->cache_hits = st->nrecs; /* every verdict comes from earlier checks */
	st->awaiting = (size_t)r->awaiting;
	st->policy = r->policy;
	st->flags = SMSAUDIT_STATE_USE_CACHE | SMSAUDIT_STATE_USE_INDEX;
	st->at = r->at;
	st->root = r->root;
	st->sms = r->sms;
	st->certificate = r->certificate;
	st->sms_merged = r->sms_merged;
	memcpy(st->sms_conflicts, r->sms_conflicts, sizeof(st->sms_conflicts));
	st->clock_lo = (time_t)h->clock_lo;
	st->clock_hi = (time_t)h->clock_hi;
	st->index_hit = 1;
	return st;
}

static int resolve_commit(smsaudit_oid *out, smsaudit_store *store, const smsaudit_oid *commit)
{
	if (commit) {
		*out = *commit;
		return 0;
	}
	if (smsaudit_repo_head(out, store->repo) < 0) {
		smsaudit_error_clear();
		return -1;
	}
	return 0;
}

/* ---- extending: the index's state and the commits since ---- */

/* Records in the ledger's time order (cmp_loaded in state.c): signing time,
 * grants first within a second, then ids. */
static int time_order(const smsaudit_record *a, const smsaudit_record *b)
{
	if (a->made_at != b->made_at)
		return a->made_at < b->made_at ? -1 : 1;
	int ga = a->type == SMSAUDIT_REC_PERSON, gb = b->type == SMSAUDIT_REC_PERSON;
	if (ga != gb)
		return gb - ga;
	return strcmp(a->id, b->id);
}

/* A state of the index whose block went to another: only the struct. */
static void shell_free(smsaudit_state *st)
{
	pthread_mutex_destroy(&st->lock);
	free(st);
}

static int keep_owned(smsaudit_state *st, void *p)
{
	if (!p || st->nowned == sizeof(st->owned) / sizeof(st->owned[0])) {
		free(p);
		return -1;
	}
	st->owned[st->nowned++] = p;
	return 0;
}

/* The base a state_load_since continues: the index's state with its
 * authority (grants in the order they were applied, then revocations), as a
 * verify's checkpoint names it. */
static int base_of(state_base *b, char (**ids)[SMSAUDIT_ID_MAX], smsaudit_oid **blobs, const smsaudit_state *s)
{
	memset(b, 0, sizeof(*b));
	size_t n = 0;
	*ids = calloc(s->nrecs ? s->nrecs : 1, sizeof(**ids));
	*blobs = calloc(s->nrecs ? s->nrecs : 1, sizeof(**blobs));
	if (!*ids || !*blobs)
		return -1;
	for (size_t k = 0; k < s->npeople; k++)
		for (size_t i = 0; i < s->nrecs; i++)
			if (s->irecs[i].rec == s->people[k].record) {
				snprintf((*ids)[n], SMSAUDIT_ID_MAX, "%s", s->irecs[i].rec->id);
				(*blobs)[n++] = s->irecs[i].blob;
			}
	for (size_t i = 0; i < s->nrecs; i++)
		if (s->irecs[i].rec && s->irecs[i].ledger_valid && s->irecs[i].rec->type == SMSAUDIT_REC_REVOCATION) {
			snprintf((*ids)[n], SMSAUDIT_ID_MAX, "%s", s->irecs[i].rec->id);
			(*blobs)[n++] = s->irecs[i].blob;
		}
	b->root = s->root;
	b->commit = s->at;
	b->records = s->nrecs;
	b->evidence = s->nevidence;
	b->content_checked = s->content_checked;
	b->awaiting = s->awaiting;
	b->authority_ids = (const char (*)[SMSAUDIT_ID_MAX])*ids;
	b->authority_blobs = *blobs;
	b->nauthority = n;
	return 0;
}

static const char *record_id_of(const smsaudit_state *st, uint32_t i)
{
	return st->irecs[i].rec ? st->irecs[i].rec->id : "";
}

/* The records' id order of the extended state `m`: the old order with each
 * old position moved to where it went (`moved`), and the new records (at
 * positions `added`, `nadd` of them) put in their places. */
static uint32_t *merged_by_id(const smsaudit_state *m, const uint32_t *old, size_t nold, const uint32_t *moved,
                              uint32_t *add, size_t nadd, size_t *n)
{
	uint32_t *out = malloc((nold + nadd ? nold + nadd : 1) * sizeof(*out));
	if (!out)
		return NULL;
	/* A few: an insertion sort. */
	for (size_t i = 1; i < nadd; i++)
		for (size_t j = i; j > 0 && strcmp(record_id_of(m, add[j - 1]), record_id_of(m, add[j])) > 0; j--) {
			uint32_t t = add[j];
			add[j] = add[j - 1];
			add[j - 1] = t;
		}
	size_t k = 0, from = 0;
	for (size_t i = 0; i <= nadd; i++) {
		/* Where add[i] goes among the old ones (after equal ids). */
		size_t lo = from, hi = nold;
		const char *id = i < nadd ? record_id_of(m, add[i]) : NULL;
		while (id && lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(record_id_of(m, moved[old[mid]]), id) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!id)
			lo = nold;
		for (; from < lo; from++)
			out[k++] = moved[old[from]];
		if (id)
			out[k++] = add[i];
	}
	*n = k;
	return out;
}

/* The state of `s` (the index's, at an earlier commit) continued to `at`:
 * 1 and *out, or 0 when only the whole history can judge what came since. */
static int extend(smsaudit_state **out, smsaudit_store *store, smsaudit_state *s, const smsaudit_oid *at_commit)
{
	smsaudit_oid at = *at_commit;
	/* Only a clean state is continued: a problem of an old record (its
	 * content missing, say) may be mended by what follows, which only the
	 * whole history sees. */
	if (s->nledger_problems) {
		smsaudit_state_free(s);
		return 0;
	}
	/* What the commits since did, judged as verify judges what follows its
	 * checkpoint: only added records, each against the authority in effect. */
	state_base base;
	char (*ids)[SMSAUDIT_ID_MAX] = NULL;
	smsaudit_oid *blobs = NULL;
	smsaudit_state *ns = NULL;
	int rc = base_of(&base, &ids, &blobs, s) < 0 ? error_oom()
	       : state_load_since(&ns, store, &base, &at, SMSAUDIT_STATE_USE_CACHE | STATE_SINCE_MODEL_RECORDS);
	free(ids);
	free(blobs);
	if (rc < 0) {
		smsaudit_state_free(s);
		if (rc == SMSAUDIT_ENOMEM)
			return rc;
		smsaudit_error_clear();
		return 0; /* anything else: the whole history judges it */
	}
	/* Nothing waits for a time-stamp. The new records go where their times
	 * put them: judging them does not depend on it (each is held against the
	 * authority in effect at its commit and time, as verify after its
	 * checkpoint does), and the model's rules run over the whole afterwards. */
	size_t nnew = 0;
	int fits = !ns->awaiting && !ns->clock_unsure && !ns->nproblems && !s->awaiting;
	for (size_t i = 0; fits && i < ns->nrecs; i++) {
		const loaded *l = &ns->recs[i];
		if (l->prejudged)
			continue;
		fits = l->rec != NULL;
		nnew++;
	}
	smsaudit_state *m = fits ? calloc(1, sizeof(*m)) : NULL;
	if (!m) {
		smsaudit_state_free(ns);
		smsaudit_state_free(s);
		return fits ? error_oom() : 0;
	}
	/* The extended state owns the block and the new records; its arrays are
	 * the old ones with the new put in their places in time (the ledger's
	 * order: signing time, grants first, then ids), its verdicts the
	 * ledger's. */
	pthread_mutex_init(&m->lock, NULL);
	m->index_block = s->index_block;
	s->index_block = NULL;
	m->added = ns;
	m->nrecs = s->nrecs + nnew;
	m->irecs = malloc(m->nrecs * sizeof(*m->irecs) + 1);
	m->nevidence = s->nevidence + ns->nevidence;
	m->evidence = malloc(m->nevidence * sizeof(*m->evidence) + 1);
	m->problems = malloc((s->nledger_problems ? s->nledger_problems : 1) * sizeof(*m->problems));
	size_t nc = smsaudit_history_count(ns->history);
	m->ncommits = s->ncommits + (nc ? nc - 1 : 0);
	smsaudit_oid *commits = malloc(m->ncommits * sizeof(*commits) + 1);
	uint32_t *moved = malloc((s->nrecs ? s->nrecs : 1) * sizeof(*moved));
	uint32_t *added = malloc((nnew ? nnew : 1) * sizeof(*added));
	int ok = keep_owned(m, m->irecs) == 0 && keep_owned(m, m->evidence) == 0 && keep_owned(m, commits) == 0;
	m->owns_problems = 1;
	if (!ok || !m->problems || !moved || !added) {
		free(moved);
		free(added);
		smsaudit_state_free(m);
		shell_free(s);
		return error_oom();
	}
	size_t i = 0, j = 0, k = 0;
	while (i < s->nrecs || j < ns->nrecs) {
		if (j < ns->nrecs && ns->recs[j].prejudged) {
			j++;
			continue;
		}
		if (i < s->nrecs && (j == ns->nrecs || time_order(s->irecs[i].rec, ns->recs[j].rec) < 0)) {
			m->irecs[k] = s->irecs[i];
			m->irecs[k].valid = m->irecs[k].ledger_valid;
			moved[i++] = (uint32_t)k++;
		} else {
			const loaded *l = &ns->recs[j++];
			added[k - i] = (uint32_t)k;
			m->irecs[k++] = state_rec_of(l, l->valid);
		}
	}
	/* The evidence in the same order. */
	i = j = k = 0;
	while (i < s->nevidence || j < ns->nevidence) {
		if (i < s->nevidence &&
		    (j == ns->nevidence || time_order(s->evidence[i].record, ns->evidence[j].record) < 0))
			m->evidence[k++] = s->evidence[i++];
		else
			m->evidence[k++] = ns->evidence[j++];
	}
	m->people = s->people;
	m->npeople = s->npeople;
	if (s->nledger_problems)
		memcpy(m->problems, s->ledger_problems, s->nledger_problems * sizeof(*m->problems));
	m->nproblems = m->aproblems = s->nledger_problems;
	if (!m->aproblems)
		m->aproblems = 1;
	if (s->ncommits)
		memcpy(commits, s->commits, s->ncommits * sizeof(*commits));
	for (size_t c = 1; c < nc; c++)
		commits[s->ncommits + c - 1] = *smsaudit_history_commit(ns->history, c);
	qsort(commits, m->ncommits, sizeof(*commits), cmp_oid);
	m->commits = commits;
	size_t nby = 0;
	uint32_t *by = merged_by_id(m, s->by_id, s->nby_id, moved, added, nnew, &nby);
	free(moved);
	free(added);
	if (keep_owned(m, by) < 0) {
		smsaudit_state_free(m);
		shell_free(s);
		return error_oom();
	}
	m->by_id = by;
	m->nby_id = nby;
	m->content_checked = s->content_checked + ns->content_checked;
	m->cache_hits = s->nrecs; /* the old verdicts came from the index */
	m->policy = s->policy;
	m->flags = SMSAUDIT_STATE_USE_CACHE | SMSAUDIT_STATE_USE_INDEX;
	m->at = at;
	m->root = s->root;
	m->sms = s->sms;
	m->certificate = s->certificate;
	m->sms_merged = s->sms_merged;
	memcpy(m->sms_conflicts, s->sms_conflicts, sizeof(m->sms_conflicts));
	m->clock_lo = s->clock_lo > ns->clock_lo ? s->clock_lo : ns->clock_lo;
	m->clock_hi = s->clock_hi < ns->clock_hi ? s->clock_hi : ns->clock_hi;
	shell_free(s);
	*out = m;
	return 1;
}

int state_index_load(smsaudit_state **out, smsaudit_store *store, const smsaudit_oid *commit)
{
	*out = NULL;
	smsaudit_oid at;
	unsigned char secret[32];
	index_header h;
	if (resolve_commit(&at, store, commit) < 0)
		return 0;
	void *block = read_index(&h, store, secret);
	if (!block)
		return 0;
	smsaudit_state *s = state_of_block(block, &h);
	if (!s)
		return error_oom();
	if (memcmp(h.commit.id, at.id, sizeof(at.id)) == 0) {
		*out = s;
		return 1;
	}
	int rc = extend(out, store, s, &at);
	return rc > 0 ? 2 : rc;
}

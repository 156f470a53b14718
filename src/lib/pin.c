/* The pin: the trust anchor and accepted records, kept outside the repository. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "internal.h"
#include "smsaudit/config.h"
#include "smsaudit/pin.h"
#include "pin_internal.h"

#define PIN_MAGIC "smsaudit-pin 1\n"
#define PIN_MAX (512u << 20)

typedef struct {
	char id[SMSAUDIT_ID_MAX];
	char blob[41];
} pinned_record;

typedef struct {
	char anchor[65];
	pinned_record *r;
	size_t n, alloc;
	/* The checkpoint: the commit a clean verify of main was run at, and what it counted. */
	int have_tip;
	char tip[41];
	int content;
	size_t records, evidence, checked, awaiting;
	/* Grants, then revocations, in the order that verify applied them. */
	pinned_record *authority;
	size_t nauthority;
	/* Read with PIN_HEAD: the file, and where its record lines start. */
	smsaudit_buf raw;
	size_t body, body_line;
} pin_file;

static void pin_dispose(pin_file *p)
{
	free(p->r);
	free(p->authority);
	smsaudit_buf_dispose(&p->raw);
	memset(p, 0, sizeof(*p));
}

static int push_authority(pin_file *p, const char *id, const char *blob)
{
	pinned_record *v = realloc(p->authority, (p->nauthority + 1) * sizeof(*v));
	if (!v)
		return error_oom();
	p->authority = v;
	snprintf(v[p->nauthority].id, sizeof(v->id), "%s", id);
	snprintf(v[p->nauthority++].blob, sizeof(v->blob), "%s", blob);
	return 0;
}

static int cmp_pinned(const void *a, const void *b)
{
	return strcmp(((const pinned_record *)a)->id, ((const pinned_record *)b)->id);
}

static int pin_path(char *out, size_t size, const smsaudit_oid *root, int make)
{
	char dir[4096], hex[41];
	int rc = make ? smsaudit_config_dir_make(dir, sizeof(dir)) : smsaudit_config_dir(dir, sizeof(dir));
	if (rc < 0)
		return rc;
	smsaudit_oid_fmt(hex, root);
	if (make) {
		char pins[4200];
		snprintf(pins, sizeof(pins), "%s/pins", dir);
		if (mkdir_0700(pins) < 0)
			return SMSAUDIT_EIO;
	}
	snprintf(out, size, "%s/pins/%s", dir, hex);
	return 0;
}

/* The second index: the repository's folder on this machine -> its first
 * commit and anchor, so that a history rebuilt from its first commit at the
 * same place is not taken for a new repository. */
static int path_pin_path(char *out, size_t size, smsaudit_store *store, int make)
{
	char dir[4096], real[4096], digest[65];
	int rc = make ? smsaudit_config_dir_make(dir, sizeof(dir)) : smsaudit_config_dir(dir, sizeof(dir));
	if (rc < 0)
		return rc;
	if (!realpath(smsaudit_repo_path(store->repo), real))
		snprintf(real, sizeof(real), "%s", smsaudit_repo_path(store->repo));
	sha256_hex(digest, real, strlen(real));
	if (make) {
		char pins[4200];
		snprintf(pins, sizeof(pins), "%s/places", dir);
		if (mkdir_0700(pins) < 0)
			return SMSAUDIT_EIO;
	}
	snprintf(out, size, "%s/places/%.40s", dir, digest);
	return 0;
}

static int pin_push(pin_file *p, const char *id, const char *blob)
{
	if (p->n == p->alloc) {
		size_t n = p->alloc ? p->alloc * 2 : 256;
		pinned_record *r = realloc(p->r, n * sizeof(*r));
		if (!r)
			return error_oom();
		p->r = r;
		p->alloc = n;
	}
	snprintf(p->r[p->n].id, sizeof(p->r[p->n].id), "%s", id);
	snprintf(p->r[p->n].blob, sizeof(p->r[p->n].blob), "%s", blob);
	p->n++;
	return 0;
}

/* Every line, or (PIN_HEAD) the lines before the records (anchor, checkpoint,
 * authority), keeping the file's bytes: at 100,000 records the record lines
 * are most of the file, and a verify since the checkpoint needs none of them. */
enum { PIN_ALL, PIN_HEAD };

/* "<id> <40 hex>": the id has no space and fits an id. */
static int id_and_blob(char id[SMSAUDIT_ID_MAX], const char **blob, const char *s)
{
	const char *sp = strchr(s, ' ');
	size_t idlen = sp ? (size_t)(sp - s) : 0;
	if (!sp || idlen == 0 || idlen >= SMSAUDIT_ID_MAX || strlen(sp + 1) != 40)
		return 0;
	memcpy(id, s, idlen);
	id[idlen] = '\0';
	*blob = sp + 1;
	return 1;
}

/* 0 and the pin; SMSAUDIT_ENOTFOUND when there is none; EINVALID naming the line when it is damaged. */
static int pin_load(pin_file *p, const char *path, int mode)
{
	memset(p, 0, sizeof(*p));
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int fd;
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return SMSAUDIT_ENOTFOUND;
	int rc = file_open_input(&fd, path, 0);
	if (rc < 0)
		return rc;
	rc = fd_read_all(&b, fd, path, PIN_MAX);
	close(fd);
	if (rc < 0)
		return rc;
	if (b.size < sizeof(PIN_MAGIC) - 1 || memcmp(b.ptr, PIN_MAGIC, sizeof(PIN_MAGIC) - 1) != 0)
		rc = error_set(SMSAUDIT_EINVALID, "%s:1: not a pin file", path);
	size_t line = 1;
	for (char *s = b.ptr + sizeof(PIN_MAGIC) - 1; rc == 0 && s < b.ptr + b.size;) {
		char *nl = memchr(s, '\n', (size_t)(b.ptr + b.size - s));
		line++;
		if (!nl) {
			rc = error_set(SMSAUDIT_EINVALID, "%s:%zu: the last line is cut short", path, line);
			break;
		}
		if (mode == PIN_HEAD && strncmp(s, "r ", 2) == 0) {
			p->body = (size_t)(s - b.ptr);
			p->body_line = line;
			break;
		}
		*nl = '\0';
		char id[SMSAUDIT_ID_MAX];
		const char *blob = NULL;
		unsigned long long nr, ne, nc, nw;
		int content, used = 0;
		if (strncmp(s, "anchor ", 7) == 0 && strlen(s + 7) == 64) {
			memcpy(p->anchor, s + 7, 65);
		} else if (sscanf(s, "tip %40[0-9a-f] content %d records %llu evidence %llu checked %llu awaiting %llu%n",
		                  p->tip, &content, &nr, &ne, &nc, &nw, &used) == 6 && (size_t)used == strlen(s) &&
		           strlen(p->tip) == 40 && (content == 0 || content == 1)) {
			p->have_tip = 1;
			p->awaiting = (size_t)nw;
			p->content = content;
			p->records = (size_t)nr;
			p->evidence = (size_t)ne;
			p->checked = (size_t)nc;
		} else if (strncmp(s, "a ", 2) == 0 && id_and_blob(id, &blob, s + 2)) {
			rc = push_authority(p, id, blob);
		} else if (strncmp(s, "r ", 2) == 0 && id_and_blob(id, &blob, s + 2)) {
			rc = pin_push(p, id, blob);
		} else
			rc = error_set(SMSAUDIT_EINVALID, "%s:%zu: not a pin line", path, line);
		s = nl + 1;
	}
	if (mode == PIN_HEAD) {
		if (!p->body) {
			p->body = b.size;
			p->body_line = line;
		}
		p->raw = b;
	} else {
		smsaudit_buf_dispose(&b);
	}
	if (rc == 0 && !p->anchor[0])
		rc = error_set(SMSAUDIT_EINVALID, "%s: names no trust anchor", path);
	if (rc == 0 && p->n > 1)
		qsort(p->r, p->n, sizeof(*p->r), cmp_pinned);
	if (rc < 0)
		pin_dispose(p);
	return rc;
}

static int add_problem(smsaudit_problem **v, size_t *n, const char *path, const char *id, const char *fmt, ...)
	SMSAUDIT_PRINTF(5, 6);

static int add_problem(smsaudit_problem **v, size_t *n, const char *path, const char *id, const char *fmt, ...)
{
	smsaudit_problem *p = realloc(*v, (*n + 1) * sizeof(**v));
	if (!p)
		return error_oom();
	*v = p;
	p = &p[(*n)++];
	snprintf(p->path, sizeof(p->path), "%s", path);
	snprintf(p->id, sizeof(p->id), "%s", id);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->message, sizeof(p->message), fmt, ap);
	va_end(ap);
	return 0;
}

typedef struct {
	const smsaudit_state *st;
	smsaudit_store *store;
	smsaudit_problem **v;
	size_t *n;
} tag_ctx;

static int check_tag(const char *name, const smsaudit_oid *commit, void *u)
{
	tag_ctx *t = u;
	const smsaudit_oid *base = state_base_commit(t->st);
	if (smsaudit_state_has_commit(t->st, commit) || (base && smsaudit_repo_descends(t->store->repo, base, commit)))
		return 0;
	char hex[41];
	smsaudit_oid_fmt(hex, commit);
	return add_problem(t->v, t->n, "", "", "tag %s points to commit %.12s, which is not in main's history (history "
	                   "rewritten after the pack was sealed)", name, hex) < 0 ? -1 : 0;
}

/* The records the state accepted, sorted by id. */
static int accepted_records(pin_file *out, const smsaudit_state *st)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < smsaudit_state_record_count(st); i++) {
		smsaudit_record_entry e;
		smsaudit_state_record_at(&e, st, i);
		if (!e.record || !e.valid)
			continue;
		char hex[41];
		smsaudit_oid_fmt(hex, &e.blob);
		if (pin_push(out, e.record->id, hex) < 0)
			return SMSAUDIT_ENOMEM;
	}
	if (out->n > 1)
		qsort(out->r, out->n, sizeof(*out->r), cmp_pinned);
	return 0;
}

/* The id of the record at position `i` of the state ("" when unreadable). */
static const char *record_id_at(const smsaudit_state *st, uint32_t i, smsaudit_record_entry *e)
{
	smsaudit_state_record_at(e, st, i);
	return e->record ? e->record->id : "";
}

/* Where `id` is in the state's id order (the first of equal ones), or n. */
static size_t find_id(const smsaudit_state *st, const uint32_t *order, size_t n, const char *id)
{
	size_t lo = 0, hi = n;
	smsaudit_record_entry e;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(record_id_at(st, order[mid], &e), id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(record_id_at(st, order[lo], &e), id) == 0 ? lo : n;
}

static int cmp_problem_id(const void *a, const void *b)
{
	return strcmp(((const smsaudit_problem *)a)->id, ((const smsaudit_problem *)b)->id);
}

/*
 * Every record line of the pin (read with PIN_HEAD) against the state: each
 * record an earlier verify accepted is still accepted, from the same object.
 * The lines are read in place and looked up in the state's id order: one step
 * on when the pin is in id order, as verify writes it, a binary search when
 * not (records a verify since the checkpoint appended). At 100,000 records
 * this is what every reading command pays, so nothing is copied or sorted.
 */
static int pinned_still_accepted(pin_file *pin, const char *path, const smsaudit_state *st, smsaudit_store *store,
                                 smsaudit_problem **problems, size_t *n)
{
	const uint32_t *order;
	uint32_t *owned;
	size_t norder, first = *n;
	int rc = state_records_by_id(&order, &norder, &owned, st);
	if (rc < 0)
		return rc;
	/* The pin is of the repository, not of one folder: a second clone
	 * on this machine that has not synced lacks what the first one
	 * verified. Its commit is then unknown here, which a rewritten
	 * server's clone shows too, so the hint stays a hint. */
	smsaudit_oid tip;
	int tip_unknown = pin->have_tip && smsaudit_repo_resolve(&tip, store->repo, pin->tip) < 0;
	smsaudit_error_clear();
	char *s = pin->raw.ptr + pin->body, *end = pin->raw.ptr + pin->raw.size;
	size_t line = pin->body_line, next = 0;
	for (; rc == 0 && s < end; line++) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl) {
			rc = error_set(SMSAUDIT_EINVALID, "%s:%zu: the last line is cut short", path, line);
			break;
		}
		*nl = '\0';
		char id[SMSAUDIT_ID_MAX];
		const char *blob = NULL;
		if (strncmp(s, "r ", 2) != 0 || !id_and_blob(id, &blob, s + 2)) {
			rc = error_set(SMSAUDIT_EINVALID, "%s:%zu: not a pin line", path, line);
			break;
		}
		s = nl + 1;
		smsaudit_record_entry e;
		size_t at = next < norder && strcmp(record_id_at(st, order[next], &e), id) == 0 ? next
		          : find_id(st, order, norder, id);
		/* Only an accepted record counts (of equal ids, any accepted one). */
		size_t hit = norder;
		for (size_t k = at; k < norder && strcmp(record_id_at(st, order[k], &e), id) == 0; k++)
			if (e.valid) {
				hit = k;
				break;
			}
		if (hit == norder) {
			rc = add_problem(problems, n, "", id, "accepted by an earlier verify on this machine but no longer in "
			                 "main's history: the history was rewritten or the record dropped%s", tip_unknown
			                 ? " (or this clone is behind another clone of the repository verified here: run "
			                 "smsaudit sync)" : "");
			continue;
		}
		next = hit + 1;
		char hex[41];
		smsaudit_state_record_at(&e, st, order[hit]);
		smsaudit_oid_fmt(hex, &e.blob);
		if (strcmp(hex, blob) != 0)
			rc = add_problem(problems, n, "", id, "changed since an earlier verify on this machine accepted it "
			                 "(object %.12s, now %.12s)", blob, hex);
	}
	free(owned);
	/* In the order of ids, however the pin's lines came. */
	if (rc == 0 && *n - first > 1)
		qsort(*problems + first, *n - first, sizeof(**problems), cmp_problem_id);
	return rc;
}

int smsaudit_pin_check(smsaudit_pin_status *out, smsaudit_problem **problems, size_t *n, smsaudit_store *store,
                       const smsaudit_state *st, const char *expected_anchor, int at_main)
{
	memset(out, 0, sizeof(*out));
	int rc = smsaudit_cert_fingerprint(out->anchor, store->ca);
	if (rc < 0)
		return rc;
	if (expected_anchor && strcasecmp(expected_anchor, out->anchor) != 0 &&
	    (rc = add_problem(problems, n, CA_PATH, "", "the repository's trust anchor is %s, not %s as given with "
	                      "--anchor", out->anchor, expected_anchor)) < 0)
		return rc;
	if ((rc = pin_path(out->path, sizeof(out->path), smsaudit_state_root(st), 0)) < 0) {
		smsaudit_error_clear(); /* no configuration directory: nothing pinned to hold it against */
		out->path[0] = '\0';
	}
	/* The same folder, another first commit: the history was rebuilt in place.
	 * Hold it against what was pinned for the old first commit. */
	char place[4200], root_hex[41];
	smsaudit_oid_fmt(root_hex, smsaudit_state_root(st));
	if (out->path[0] && path_pin_path(place, sizeof(place), store, 0) == 0) {
		smsaudit_buf b = SMSAUDIT_BUF_INIT;
		char was_root[41] = "", was_anchor[65] = "";
		if (file_read_all(&b, place, 4096) == 0 &&
		    sscanf(b.ptr ? b.ptr : "", "root %40s anchor %64s", was_root, was_anchor) == 2 &&
		    strcmp(was_root, root_hex) != 0) {
			rc = add_problem(problems, n, "", "", "this repository's folder was pinned with first commit %.12s "
			                 "(trust anchor %s); it now starts at %.12s: its history was rebuilt (if it was "
			                 "re-created on purpose, remove %s)", was_root, was_anchor, root_hex, place);
			smsaudit_oid old;
			char hexpath[4200];
			if (rc == 0 && strlen(was_root) == 40) {
				for (int i = 0; i < 20; i++) {
					unsigned v = 0;
					sscanf(was_root + 2 * i, "%2x", &v);
					old.id[i] = (unsigned char)v;
				}
				if (pin_path(hexpath, sizeof(hexpath), &old, 0) == 0)
					snprintf(out->path, sizeof(out->path), "%s", hexpath);
			}
		}
		smsaudit_buf_dispose(&b);
		smsaudit_error_clear();
		if (rc < 0)
			return rc;
	}
	pin_file pin;
	rc = out->path[0] ? pin_load(&pin, out->path, PIN_HEAD) : SMSAUDIT_ENOTFOUND;
	if (rc == SMSAUDIT_ENOTFOUND) {
		rc = 0;
	} else if (rc < 0) {
		return rc;
	} else {
		out->pinned = 1;
		memcpy(out->pinned_anchor, pin.anchor, 65);
		size_t lines = 0;
		for (const char *p = pin.raw.ptr + pin.body; p < pin.raw.ptr + pin.raw.size; p++)
			lines += *p == '\n';
		out->pinned_records = state_base_commit(st) ? pin.records : lines;
		if (strcmp(pin.anchor, out->anchor) != 0)
			rc = add_problem(problems, n, CA_PATH, "", "the repository's trust anchor is %s, but this machine "
			                 "pinned %s for it (%s): the history was rebuilt under another anchor", out->anchor,
			                 pin.anchor, out->path);
		const smsaudit_oid *base = state_base_commit(st);
		char base_hex[41] = "";
		if (base)
			smsaudit_oid_fmt(base_hex, base);
		if (rc == 0 && base && !(pin.have_tip && strcmp(pin.tip, base_hex) == 0)) {
			/* The state continues the pin's checkpoint; another verify moved it meanwhile. */
			rc = add_problem(problems, n, "", "", "the pin (%s) changed during this verify; run verify again",
			                 out->path);
		} else if (rc == 0 && at_main && !base) {
			rc = pinned_still_accepted(&pin, out->path, st, store, problems, n);
		}
		/* Since the checkpoint every pinned record is still there: the state
		 * was judged from it, and nothing added up to it was changed or removed. */
		pin_dispose(&pin);
	}
	if (rc < 0 || !at_main)
		return rc;
	/* Checkpoints: audit tags and the source commits of pack seals. */
	tag_ctx t = { st, store, problems, n };
	if ((rc = smsaudit_repo_each_tag(store->repo, "audit/", check_tag, &t)) != 0)
		return rc < 0 ? rc : SMSAUDIT_ENOMEM;
	for (size_t i = 0; i < smsaudit_state_record_count(st); i++) {
		smsaudit_record_entry e;
		smsaudit_state_record_at(&e, st, i);
		if (!e.record || !e.valid || e.record->type != SMSAUDIT_REC_SEAL)
			continue;
		smsaudit_oid c;
		if (smsaudit_repo_resolve(&c, store->repo, e.record->seal.commit) == 0 && smsaudit_state_has_commit(st, &c))
			continue;
		smsaudit_error_clear();
		if ((rc = add_problem(problems, n, e.path, e.record->id, "seals pack %s made from commit %.12s, which is not "
		                      "in main's history (history rewritten after the pack was sealed)",
		                      e.record->seal.pack, e.record->seal.commit)) < 0)
			return rc;
	}
	return 0;
}

/* The grants a state applied, in its order, then its revocations (with their objects). */
static int accepted_authority(pin_file *out, const smsaudit_state *st)
{
	int rc = 0;
	for (size_t k = 0; rc == 0 && k < smsaudit_state_person_count(st); k++) {
		const smsaudit_record *grant = smsaudit_state_person_at(st, k)->record;
		for (size_t i = 0; rc == 0 && i < smsaudit_state_record_count(st); i++) {
			smsaudit_record_entry e;
			smsaudit_state_record_at(&e, st, i);
			char hex[41];
			smsaudit_oid_fmt(hex, &e.blob);
			if (e.record == grant)
				rc = push_authority(out, grant->id, hex);
		}
	}
	for (size_t i = 0; rc == 0 && i < smsaudit_state_record_count(st); i++) {
		smsaudit_record_entry e;
		smsaudit_state_record_at(&e, st, i);
		char hex[41];
		smsaudit_oid_fmt(hex, &e.blob);
		if (e.record && e.valid && e.record->type == SMSAUDIT_REC_REVOCATION)
			rc = push_authority(out, e.record->id, hex);
	}
	return rc;
}

/* The pin's lines before its records: the anchor, the checkpoint, the authority. */
static int pin_head(smsaudit_buf *b, const pin_file *p, const char *anchor)
{
	int rc = buf_printf(b, PIN_MAGIC "anchor %s\n", anchor);
	if (rc == 0 && p->have_tip)
		rc = buf_printf(b, "tip %s content %d records %zu evidence %zu checked %zu awaiting %zu\n", p->tip,
		                p->content, p->records, p->evidence, p->checked, p->awaiting);
	for (size_t i = 0; rc == 0 && i < p->nauthority; i++)
		rc = buf_printf(b, "a %s %s\n", p->authority[i].id, p->authority[i].blob);
	return rc;
}

static void set_tip(pin_file *p, const smsaudit_state *st)
{
	smsaudit_oid_fmt(p->tip, smsaudit_state_commit(st));
	p->have_tip = 1;
	state_totals(st, &p->records, &p->evidence, &p->checked, &p->content, &p->awaiting);
}

/*
 * The pin of a state judged since the pin's checkpoint: the same lines with
 * the new checkpoint, the record lines kept as they are (in whatever order:
 * reading sorts them) and the new records after them. The state holds the
 * base's authority records too; they are pinned already, and the new ones
 * are only evidence and self-assessments (state_load_since).
 */
static int pin_continue(smsaudit_buf *out, const smsaudit_state *st, const char *path, const char *anchor)
{
	pin_file pin;
	char hex[41];
	smsaudit_oid_fmt(hex, state_base_commit(st));
	int rc = pin_load(&pin, path, PIN_HEAD);
	if (rc == 0 && (!pin.have_tip || strcmp(pin.tip, hex) != 0))
		rc = error_set(SMSAUDIT_EINVALID, "%s: changed during this verify; run verify again", path);
	if (rc == 0) {
		set_tip(&pin, st);
		rc = pin_head(out, &pin, anchor);
	}
	if (rc == 0)
		rc = buf_put(out, pin.raw.ptr + pin.body, pin.raw.size - pin.body);
	for (size_t i = 0; rc == 0 && i < smsaudit_state_record_count(st); i++) {
		smsaudit_record_entry e;
		smsaudit_state_record_at(&e, st, i);
		if (!e.record || !e.valid || e.record->type == SMSAUDIT_REC_PERSON || e.record->type == SMSAUDIT_REC_REVOCATION)
			continue;
		char blob[41];
		smsaudit_oid_fmt(blob, &e.blob);
		rc = buf_printf(out, "r %s %s\n", e.record->id, blob);
	}
	pin_dispose(&pin);
	return rc;
}

int smsaudit_pin_save(smsaudit_store *store, const smsaudit_state *st, const smsaudit_oid *root)
{
	char path[4200], tmp[4300], anchor[65];
	int rc = pin_path(path, sizeof(path), root, 1);
	if (rc < 0)
		return rc;
	if ((rc = smsaudit_cert_fingerprint(anchor, store->ca)) < 0)
		return rc;
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	if (st && state_base_commit(st)) {
		rc = pin_continue(&b, st, path, anchor);
	} else {
		pin_file keep;
		memset(&keep, 0, sizeof(keep));
		if (st) {
			if ((rc = accepted_records(&keep, st)) == 0 && (rc = accepted_authority(&keep, st)) == 0)
				set_tip(&keep, st);
		} else if ((rc = pin_load(&keep, path, PIN_ALL)) == SMSAUDIT_ENOTFOUND) {
			rc = 0;
		}
		if (rc == 0)
			rc = pin_head(&b, &keep, anchor);
		for (size_t i = 0; rc == 0 && i < keep.n; i++)
			rc = buf_printf(&b, "r %s %s\n", keep.r[i].id, keep.r[i].blob);
		pin_dispose(&keep);
	}
	if (rc == 0) {
		temp_path_for(tmp, sizeof(tmp), path);
		rc = file_write_replace(path, tmp, b.ptr, b.size);
	}
	/* and the folder's own pin */
	char place[4200], root_hex[41];
	smsaudit_oid_fmt(root_hex, root);
	b.size = 0;
	if (rc == 0 && (rc = path_pin_path(place, sizeof(place), store, 1)) == 0 &&
	    (rc = buf_printf(&b, "root %s anchor %s\n", root_hex, anchor)) == 0) {
		temp_path_for(tmp, sizeof(tmp), place);
		rc = file_write_replace(place, tmp, b.ptr, b.size);
	}
	smsaudit_buf_dispose(&b);
	return rc;
}

/* ---- the checkpoint, for a verify that judges only what came after it ---- */

struct pin_base_hold {
	pin_file pin;
	char (*ids)[SMSAUDIT_ID_MAX];
	smsaudit_oid *blobs;
};

static int hex_oid(smsaudit_oid *out, const char *hex)
{
	for (int i = 0; i < 20; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out->id[i] = (unsigned char)v;
	}
	return 0;
}

void pin_base_free(pin_base_hold *h)
{
	if (!h)
		return;
	pin_dispose(&h->pin);
	free(h->ids);
	free(h->blobs);
	free(h);
}

int pin_base_load(state_base *out, pin_base_hold **hold, smsaudit_store *store)
{
	memset(out, 0, sizeof(*out));
	*hold = NULL;
	char place[4200], path[4200], root_hex[41] = "", anchor[65] = "", was_anchor[65] = "";
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int rc = path_pin_path(place, sizeof(place), store, 0);
	if (rc == 0 && (rc = file_read_all(&b, place, 4096)) == 0 &&
	    (sscanf(b.ptr ? b.ptr : "", "root %40s anchor %64s", root_hex, was_anchor) != 2 || strlen(root_hex) != 40 ||
	     hex_oid(&out->root, root_hex) < 0))
		rc = error_set(SMSAUDIT_ENOTFOUND, "%s: no first commit pinned", place);
	smsaudit_buf_dispose(&b);
	if (rc == 0)
		rc = pin_path(path, sizeof(path), &out->root, 0);
	if (rc == 0)
		rc = smsaudit_cert_fingerprint(anchor, store->ca);
	pin_base_hold *h = rc == 0 ? calloc(1, sizeof(*h)) : NULL;
	if (rc == 0 && !h)
		rc = error_oom();
	if (rc == 0)
		rc = pin_load(&h->pin, path, PIN_HEAD);
	/* Only a checkpoint under the repository's own anchor is one to continue. */
	if (rc == 0 && (!h->pin.have_tip || strcmp(h->pin.anchor, anchor) != 0 || strcmp(was_anchor, anchor) != 0 ||
	                hex_oid(&out->commit, h->pin.tip) < 0))
		rc = error_set(SMSAUDIT_ENOTFOUND, "%s: no checkpoint under this anchor", path);
	size_t na = rc == 0 ? h->pin.nauthority : 0;
	if (rc == 0 && (!(h->ids = calloc(na ? na : 1, sizeof(*h->ids))) || !(h->blobs = calloc(na ? na : 1, sizeof(*h->blobs)))))
		rc = error_oom();
	for (size_t i = 0; rc == 0 && i < na; i++) {
		snprintf(h->ids[i], sizeof(h->ids[i]), "%s", h->pin.authority[i].id);
		if (hex_oid(&h->blobs[i], h->pin.authority[i].blob) < 0)
			rc = error_set(SMSAUDIT_EINVALID, "%s: a damaged authority line", path);
	}
	if (rc < 0) {
		pin_base_free(h);
		return rc;
	}
	out->records = h->pin.records;
	out->evidence = h->pin.evidence;
	out->content_checked = h->pin.checked;
	out->content = h->pin.content;
	out->awaiting = h->pin.awaiting;
	out->authority_ids = (const char (*)[SMSAUDIT_ID_MAX])h->ids;
	out->authority_blobs = h->blobs;
	out->nauthority = na;
	*hold = h;
	return 0;
}

/*
 * The verification cache: what checking one record's signature established,
 * keyed by the git blob ids of the record and of its signature.
 *
 * Whether a signature verifies is a pure function of the two blobs and the set
 * of trust anchors, so the result can be reused at any commit that holds the
 * same blobs. The cache stores the parsed record with it, so an analysis of an
 * unchanged repository neither parses nor verifies anything again.
 *
 * It lives in the local repository directory (smsaudit-cache/, never committed
 * or cloned), one file per trust-anchor set, written whole to a temporary file
 * and renamed, with an HMAC-SHA256 trailer keyed by a secret in the user's
 * configuration (never in the repository): a torn file, or one edited by
 * anyone without that secret (who could recompute a plain digest), is ignored
 * and rebuilt, never half-read. Only successful verifications are cached.
 * `verify` uses it too (it is the user's own keyed work); `--no-cache` on
 * verify and the analyses checks every signature again.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "cache.h"
#include "internal.h"
#include "record_types.h"
#include "smsaudit/config.h"

#define MAGIC "smsaudit-cache\n"
#define FORMAT 4
#define CACHE_DIR "smsaudit-cache"
#define MAX_CACHE (2u << 30)

/* A slot names its entry only: the entry begins with the two blob ids, so a
 * probe compares them there (16 bytes a slot instead of 64: 12 MB less at
 * 100,000 records). */
typedef struct {
	uint64_t off;      /* the encoded entry in `data` */
	uint32_t len;
	uint32_t used;
} slot;

struct record_cache {
	char path[1100];
	smsaudit_buf data;       /* loaded entries: read-only while workers look things up */
	/* Entries added by this run go straight to the next file (the loaded
	 * ones first), MAC'd as they are written: a cold verify of 100,000
	 * records would otherwise hold about 40 MB more until it saves. */
	FILE *next;
	char next_path[1200];
	hmac_stream *mac;
	int next_failed;
	slot *slots;
	size_t nslots, count;
	size_t added;
	pthread_mutex_t lock;
	unsigned char key[32];   /* the MAC key, from the user's configuration */
};

/* ---- one entry ---- */

static int put_u64(smsaudit_buf *b, uint64_t v)
{
	unsigned char x[8];
	for (int i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	return buf_put(b, (const char *)x, 8);
}

static int put_str(smsaudit_buf *b, const char *s)
{
	/* NULL and "" differ: optional fields are NULL when absent. */
	if (!s)
		return put_u64(b, UINT64_MAX);
	size_t n = strlen(s);
	int rc = put_u64(b, n);
	return rc ? rc : buf_put(b, s, n);
}

static int put_fixed(smsaudit_buf *b, const char *s)
{
	return put_str(b, s ? s : "");
}

typedef struct {
	const unsigned char *p, *end;
	int bad;
} reader;

static uint64_t get_u64(reader *r)
{
	if (r->bad || r->end - r->p < 8) {
		r->bad = 1;
		return 0;
	}
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += 8;
	return v;
}

/* A decoded record is one allocation: the record (cut to its type's body),
 * then every string and list it points to. A first pass over the entry only
 * measures (base NULL); the second, into a block of that size, fills. At
 * 100,000 records this halves what the parsed records take, and frees them in
 * one call each instead of a dozen. */
typedef struct {
	char *base;
	size_t used;
} bump;

static void *bump_take(bump *b, size_t n, size_t align)
{
	size_t off = (b->used + align - 1) & ~(align - 1);
	b->used = off + n;
	return b->base ? b->base + off : NULL;
}

/* What a string points to while measuring: not NULL (NULL means absent). */
static char measured[1];

static char *get_str(reader *r, bump *b)
{
	uint64_t n = get_u64(r);
	if (r->bad || n == UINT64_MAX)
		return NULL;
	if ((uint64_t)(r->end - r->p) < n) {
		r->bad = 1;
		return NULL;
	}
	char *s = bump_take(b, (size_t)n + 1, 1);
	if (s) {
		memcpy(s, r->p, (size_t)n);
		s[n] = '\0';
	}
	r->p += n;
	return s ? s : measured;
}

static void get_fixed(reader *r, char *out, size_t size)
{
	uint64_t n = get_u64(r);
	if (r->bad || n == UINT64_MAX || (uint64_t)(r->end - r->p) < n) {
		r->bad = 1;
		return;
	}
	/* As "%s" would copy it: up to a NUL, cut to the field's size. */
	size_t keep = n < size ? (size_t)n : size - 1;
	const char *nul = memchr(r->p, '\0', keep);
	if (nul)
		keep = (size_t)(nul - (const char *)r->p);
	memcpy(out, r->p, keep);
	out[keep] = '\0';
	r->p += n;
}

static int put_refs(smsaudit_buf *b, const smsaudit_evidence_ref *refs, size_t n)
{
	int rc = put_u64(b, n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = put_fixed(b, refs[i].id);
		rc = rc ? rc : put_fixed(b, refs[i].commit);
		rc = rc ? rc : put_fixed(b, refs[i].sha256);
	}
	return rc;
}

/* A list this long is damage, not data: the schema allows none longer. */
#define MAX_ITEMS 1000

/* A list's items, `size` bytes each: where to put item i (a scratch item while measuring). */
static void *list_item(void *items, size_t i, size_t size, void *scratch)
{
	return items ? (char *)items + i * size : scratch;
}

static void get_refs(reader *r, bump *b, smsaudit_evidence_ref **out, size_t *n)
{
	uint64_t count = get_u64(r);
	if (r->bad || count > MAX_ITEMS) {
		r->bad = 1;
		return;
	}
	smsaudit_evidence_ref *v = bump_take(b, (size_t)count * sizeof(*v), _Alignof(smsaudit_evidence_ref));
	smsaudit_evidence_ref scratch;
	*out = v;
	for (uint64_t i = 0; i < count && !r->bad; i++) {
		smsaudit_evidence_ref *ref = list_item(v, (size_t)i, sizeof(*v), &scratch);
		get_fixed(r, ref->id, sizeof(ref->id));
		get_fixed(r, ref->commit, sizeof(ref->commit));
		get_fixed(r, ref->sha256, sizeof(ref->sha256));
		(*n)++;
	}
}

static size_t *list_count(const smsaudit_record *rec, const record_field *f)
{
	return (size_t *)((char *)rec + f->count_off);
}

/* Every field of a body as its descriptor lists it (record_types.h): a number
 * as a u64, a text as its length and bytes, a list as its count and items. */
static int put_field(smsaudit_buf *b, const smsaudit_record *rec, const record_field *f)
{
	const char *p = (const char *)rec + f->off;
	switch (f->kind) {
	case RECORD_FIELD_STR:
		return put_str(b, *(char *const *)p);
	case RECORD_FIELD_FIXED:
		return put_fixed(b, p);
	case RECORD_FIELD_TIME:
		return put_u64(b, (uint64_t)*(const time_t *)p);
	case RECORD_FIELD_INT:
		return put_u64(b, (uint64_t)*(const int *)p);
	case RECORD_FIELD_UINT:
	case RECORD_FIELD_ENUM:
		return put_u64(b, *(const unsigned *)p);
	case RECORD_FIELD_U64:
		return put_u64(b, *(const uint64_t *)p);
	case RECORD_FIELD_STRS: {
		char *const *v = *(char **const *)p;
		size_t n = *list_count(rec, f);
		int rc = put_u64(b, n);
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = put_str(b, v[i]);
		return rc;
	}
	case RECORD_FIELD_REFS:
		return put_refs(b, *(smsaudit_evidence_ref *const *)p, *list_count(rec, f));
	case RECORD_FIELD_ACTIONS: {
		const smsaudit_action *v = *(smsaudit_action *const *)p;
		size_t n = *list_count(rec, f);
		int rc = put_u64(b, n);
		for (size_t i = 0; rc == 0 && i < n; i++) {
			rc = put_str(b, v[i].description);
			rc = rc ? rc : put_str(b, v[i].owner);
			rc = rc ? rc : put_u64(b, (uint64_t)v[i].due);
		}
		return rc;
	}
	}
	return error_set(SMSAUDIT_ERROR, "field %s of unknown kind %d", f->name, (int)f->kind);
}

/* The reverse of put_field; anything out of range marks the reader bad. */
static void get_field(reader *r, bump *b, smsaudit_record *rec, const record_field *f)
{
	char *p = (char *)rec + f->off;
	size_t *n = list_count(rec, f);
	switch (f->kind) {
	case RECORD_FIELD_STR:
		*(char **)p = get_str(r, b);
		break;
	case RECORD_FIELD_FIXED:
		get_fixed(r, p, f->size);
		break;
	case RECORD_FIELD_TIME:
		*(time_t *)p = (time_t)get_u64(r);
		break;
	case RECORD_FIELD_INT:
		*(int *)p = (int)get_u64(r);
		break;
	case RECORD_FIELD_UINT:
		*(unsigned *)p = (unsigned)get_u64(r);
		break;
	case RECORD_FIELD_ENUM: {
		uint64_t v = get_u64(r);
		if (v >= f->size)
			r->bad = 1;
		else
			*(unsigned *)p = (unsigned)v;
		break;
	}
	case RECORD_FIELD_U64:
		*(uint64_t *)p = get_u64(r);
		break;
	case RECORD_FIELD_STRS: {
		uint64_t count = get_u64(r);
		if (r->bad || count > MAX_ITEMS) {
			r->bad = 1;
			break;
		}
		char **v = bump_take(b, (size_t)count * sizeof(char *), _Alignof(char *));
		char *scratch;
		*(char ***)p = v;
		for (uint64_t i = 0; i < count && !r->bad; i++) {
			char **item = list_item(v, (size_t)i, sizeof(char *), &scratch);
			*item = get_str(r, b);
			r->bad |= !*item;
			(*n)++;
		}
		break;
	}
	case RECORD_FIELD_REFS:
		get_refs(r, b, (smsaudit_evidence_ref **)p, n);
		break;
	case RECORD_FIELD_ACTIONS: {
		uint64_t count = get_u64(r);
		if (r->bad || count > MAX_ITEMS) {
			r->bad = 1;
			break;
		}
		smsaudit_action *v = bump_take(b, (size_t)count * sizeof(*v), _Alignof(smsaudit_action));
		smsaudit_action scratch;
		*(smsaudit_action **)p = v;
		for (uint64_t i = 0; i < count && !r->bad; i++) {
			smsaudit_action *a = list_item(v, (size_t)i, sizeof(*v), &scratch);
			a->description = get_str(r, b);
			a->owner = get_str(r, b);
			a->due = (time_t)get_u64(r);
			r->bad |= !a->description || !a->owner;
			(*n)++;
		}
		break;
	}
	default:
		r->bad = 1;
		break;
	}
}

int record_cache_encode(smsaudit_buf *b, const smsaudit_oid *xml, const smsaudit_oid *sig, const char *signer_fp,
                        time_t signed_at, const smsaudit_record *r)
{
	const record_type_desc *desc = record_type_desc_of(r->type);
	if (!desc)
		return error_set(SMSAUDIT_EINVALID, "%s: no record type %d", r->id, (int)r->type);
	int rc = buf_put(b, (const char *)xml->id, 20);
	rc = rc ? rc : buf_put(b, (const char *)sig->id, 20);
	rc = rc ? rc : put_fixed(b, signer_fp);
	rc = rc ? rc : put_u64(b, (uint64_t)signed_at);
	rc = rc ? rc : put_u64(b, (uint64_t)r->type);
	rc = rc ? rc : put_fixed(b, r->id);
	rc = rc ? rc : put_u64(b, (uint64_t)r->made_at);
	rc = rc ? rc : put_str(b, r->made_by);
	for (size_t i = 0; rc == 0 && i < desc->nfields; i++)
		rc = put_field(b, r, &desc->fields[i]);
	return rc;
}

/* The bytes of smsaudit_record up to the end of the last member of this
 * type's body: no code reads another type's member of a record. */
/* One pass over an entry's record (after signer and signing time) into `rec`
 * and the block `b` (measuring when b->base is NULL); 0 when it is whole. */
static int decode_record(smsaudit_record *rec, bump *b, const record_type_desc *desc, reader r)
{
	rec->type = desc->type;
	get_fixed(&r, rec->id, sizeof(rec->id));
	rec->made_at = (time_t)get_u64(&r);
	rec->made_by = get_str(&r, b);
	for (size_t i = 0; !r.bad && i < desc->nfields; i++)
		get_field(&r, b, rec, &desc->fields[i]);
	/* All of it and nothing more. */
	return r.bad || r.p != r.end ? -1 : 0;
}

int record_cache_decode(smsaudit_oid *xml, smsaudit_oid *sig, char signer_fp[65], time_t *signed_at,
                        smsaudit_record **out, const void *entry, size_t len)
{
	*out = NULL;
	if (len < 40)
		return 0;
	const unsigned char *e = entry;
	if (xml)
		memcpy(xml->id, e, 20);
	if (sig)
		memcpy(sig->id, e + 20, 20);
	reader r = { e + 40, e + len, 0 };
	get_fixed(&r, signer_fp, 65);
	*signed_at = (time_t)get_u64(&r);
	uint64_t type = get_u64(&r);
	const record_type_desc *desc =
		r.bad || type >= SMSAUDIT_REC__COUNT ? NULL : record_type_desc_of((smsaudit_record_type)type);
	if (!desc)
		return 0;
	smsaudit_record scratch;
	memset(&scratch, 0, sizeof(scratch));
	size_t head = record_head_size(desc);
	bump measure = { NULL, head };
	if (decode_record(&scratch, &measure, desc, r) < 0)
		return 0;
	bump fill = { calloc(1, measure.used), head };
	smsaudit_record *rec = (smsaudit_record *)(void *)fill.base;
	if (!rec)
		return 0;
	rec->one_block = 1;
	/* Nothing a record must have missing. */
	if (decode_record(rec, &fill, desc, r) < 0 || fill.used != measure.used || record_missing_field(rec)) {
		free(rec);
		return 0;
	}
	*out = rec;
	return 1;
}

/* ---- the table ---- */

static size_t hash_oid(const smsaudit_oid *o)
{
	size_t h;
	memcpy(&h, o->id, sizeof(h)); /* git ids are already uniformly distributed */
	return h;
}

static int slot_is(const record_cache *c, const slot *s, const smsaudit_oid *xml, const smsaudit_oid *sig)
{
	const char *e = c->data.ptr + s->off;
	return memcmp(e, xml->id, 20) == 0 && memcmp(e + 20, sig->id, 20) == 0;
}

static size_t slot_hash(const record_cache *c, const slot *s)
{
	smsaudit_oid xml;
	memcpy(xml.id, c->data.ptr + s->off, 20);
	return hash_oid(&xml);
}

static int table_insert(record_cache *c, const smsaudit_oid *xml, const smsaudit_oid *sig, size_t off, size_t len)
{
	if (len > UINT32_MAX)
		return -1;
	if ((c->count + 1) * 2 > c->nslots) {
		size_t n = c->nslots ? c->nslots * 2 : 1024;
		slot *s = calloc(n, sizeof(*s));
		if (!s)
			return SMSAUDIT_ENOMEM;
		for (size_t i = 0; i < c->nslots; i++)
			if (c->slots[i].used) {
				size_t j = slot_hash(c, &c->slots[i]) & (n - 1);
				while (s[j].used)
					j = (j + 1) & (n - 1);
				s[j] = c->slots[i];
			}
		free(c->slots);
		c->slots = s;
		c->nslots = n;
	}
	size_t j = hash_oid(xml) & (c->nslots - 1);
	while (c->slots[j].used) {
		if (slot_is(c, &c->slots[j], xml, sig))
			return 0; /* already known */
		j = (j + 1) & (c->nslots - 1);
	}
	c->slots[j] = (slot){ off, (uint32_t)len, 1 };
	c->count++;
	return 0;
}

static const slot *table_find(const record_cache *c, const smsaudit_oid *xml, const smsaudit_oid *sig)
{
	if (!c->nslots)
		return NULL;
	size_t j = hash_oid(xml) & (c->nslots - 1);
	while (c->slots[j].used) {
		if (slot_is(c, &c->slots[j], xml, sig))
			return &c->slots[j];
		j = (j + 1) & (c->nslots - 1);
	}
	return NULL;
}

/* ---- file ---- */

/* Index every entry of data[from..to): u64 length, then the entry. */
static int index_entries(record_cache *c, size_t from, size_t to)
{
	size_t p = from;
	while (p < to) {
		reader r = { (const unsigned char *)c->data.ptr + p, (const unsigned char *)c->data.ptr + to, 0 };
		uint64_t len = get_u64(&r);
		if (r.bad || len < 40 || len > (uint64_t)(to - p - 8))
			return -1;
		smsaudit_oid xml, sig;
		memcpy(xml.id, r.p, 20);
		memcpy(sig.id, r.p + 20, 20);
		if (table_insert(c, &xml, &sig, p + 8, (size_t)len) < 0)
			return -1;
		p += 8 + (size_t)len;
	}
	return 0;
}

int record_cache_open(record_cache **out, const char *repo_path, const char *trust_digest)
{
	*out = NULL;
	record_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return error_oom();
	pthread_mutex_init(&c->lock, NULL);
	int krc = smsaudit_config_secret(c->key, "cache.key");
	if (krc < 0) {
		record_cache_free(c);
		return krc;
	}
	snprintf(c->path, sizeof(c->path), "%s/" CACHE_DIR "/records-%.16s", repo_path, trust_digest);
	char header[64];
	int hn = snprintf(header, sizeof(header), MAGIC "%d\n", FORMAT);
	/* Anything wrong with the file (missing, short, other format, checksum):
	 * start empty; the analysis then verifies everything itself. */
	if (file_read_all(&c->data, c->path, MAX_CACHE) == 0 && c->data.size >= (size_t)hn + 64 &&
	    memcmp(c->data.ptr, header, (size_t)hn) == 0) {
		size_t body = c->data.size - 64;
		char sum[65];
		if (hmac_sha256_hex(sum, c->key, c->data.ptr, body, NULL, 0) == 0 && memcmp(sum, c->data.ptr + body, 64) == 0 &&
		    index_entries(c, (size_t)hn, body) == 0) {
			c->data.size = body;
		} else {
			c->count = 0;
			if (c->slots)
				memset(c->slots, 0, c->nslots * sizeof(*c->slots));
			c->data.size = 0;
		}
	} else {
		c->data.size = 0;
	}
	smsaudit_error_clear();
	if (c->data.size == 0) {
		if (buf_put(&c->data, header, (size_t)hn) < 0) {
			record_cache_free(c);
			return error_oom();
		}
	}
	*out = c;
	return 0;
}

void record_cache_free(record_cache *c)
{
	if (!c)
		return;
	if (c->next) {
		fclose(c->next);
		unlink(c->next_path); /* never saved: nothing half-written is left */
	}
	hmac_stream_end(NULL, c->mac);
	smsaudit_buf_dispose(&c->data);
	free(c->slots);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int record_cache_get(const record_cache *c, const smsaudit_oid *xml, const smsaudit_oid *sig, char signer_fp[65],
                     time_t *signed_at, smsaudit_record **rec)
{
	*rec = NULL;
	/* Lookups read only what was loaded at open; puts go to the next file. */
	const slot *s = table_find(c, xml, sig);
	if (!s)
		return 0;
	if (!record_cache_decode(NULL, NULL, signer_fp, signed_at, rec, c->data.ptr + s->off, s->len))
		return 0;
	/* What put never writes is never believed either. */
	if (!record_type_desc_of((*rec)->type)->cached) {
		smsaudit_record_free(*rec);
		*rec = NULL;
		return 0;
	}
	return 1;
}

/* The next file, begun with the loaded entries (under c->lock). */
static int next_open(record_cache *c)
{
	if (c->next_failed)
		return error_set(SMSAUDIT_EIO, "%s: the cache could not be written", c->next_path);
	if (c->next)
		return 0;
	char dir[1100];
	snprintf(dir, sizeof(dir), "%s", c->path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return error_set(SMSAUDIT_EIO, "%s: %s", dir, strerror(errno));
	remove_stale_temps(c->path);
	temp_path_for(c->next_path, sizeof(c->next_path), c->path);
	int fd = temp_create(c->next_path);
	if (fd < 0 || !(c->next = fdopen(fd, "wb"))) {
		int e = errno;
		if (fd >= 0) {
			close(fd);
			unlink(c->next_path);
		}
		c->next_failed = 1;
		return error_set(SMSAUDIT_EIO, "%s: %s", c->next_path, strerror(e));
	}
	int rc = hmac_stream_begin(&c->mac, c->key);
	if (rc == 0 && fwrite(c->data.ptr, 1, c->data.size, c->next) != c->data.size)
		rc = error_set(SMSAUDIT_EIO, "%s: %s", c->next_path, strerror(errno));
	rc = rc ? rc : hmac_stream_update(c->mac, c->data.ptr, c->data.size);
	if (rc)
		c->next_failed = 1;
	return rc;
}

int record_cache_put(record_cache *c, const smsaudit_oid *xml, const smsaudit_oid *sig, const char *signer_fp,
                     time_t signed_at, const smsaudit_record *rec)
{
	const record_type_desc *desc = record_type_desc_of(rec->type);
	if (!desc || !desc->cached)
		return 0; /* such records are verified every time */
	smsaudit_buf e = SMSAUDIT_BUF_INIT;
	int rc = record_cache_encode(&e, xml, sig, signer_fp, signed_at, rec);
	if (rc == 0) {
		pthread_mutex_lock(&c->lock);
		rc = next_open(c);
		unsigned char len[8];
		uint64_t v = e.size;
		for (int i = 0; i < 8; i++)
			len[i] = (unsigned char)(v >> (8 * i));
		if (rc == 0 && (fwrite(len, 1, 8, c->next) != 8 || fwrite(e.ptr, 1, e.size, c->next) != e.size))
			rc = error_set(SMSAUDIT_EIO, "%s: %s", c->next_path, strerror(errno));
		rc = rc ? rc : hmac_stream_update(c->mac, len, 8);
		rc = rc ? rc : hmac_stream_update(c->mac, e.ptr, e.size);
		if (rc == 0)
			c->added++;
		else
			c->next_failed = 1; /* the file is torn: it is not saved */
		pthread_mutex_unlock(&c->lock);
	}
	smsaudit_buf_dispose(&e);
	return rc;
}

int record_cache_save(record_cache *c)
{
	if (!c->added || !c->next)
		return 0;
	char sum[65];
	int ok = !c->next_failed && hmac_stream_end(sum, c->mac) == 0;
	c->mac = NULL;
	ok = ok && fwrite(sum, 1, 64, c->next) == 64;
	ok = fclose(c->next) == 0 && ok;
	c->next = NULL;
	/* Several processes may save at once: each renames a complete file, and
	 * the last one wins. Nothing is lost that the next run cannot recompute. */
	if (!ok || rename(c->next_path, c->path) < 0) {
		int e = errno;
		unlink(c->next_path);
		return error_set(SMSAUDIT_EIO, "%s: %s", c->path, strerror(e));
	}
	c->added = 0;
	return 0;
}

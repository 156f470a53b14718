/*
 * Record types as a table (record.c): one descriptor per type holds all that
 * is particular to it, so that writing, reading, checking and freeing a
 * record, and the verification cache's encoding of it (cache.c), walk the
 * table instead of switching on the type.
 *
 * Adding a record type takes its enum value and body in record.h, its element
 * in evidence-schemas/records.xsd (and its id prefix in RecordId there), and
 * one descriptor in record.c: prefix, element, signer roles, whether the cache
 * keeps it, a field table listing every member of its body, and its write and
 * parse functions.
 */
#ifndef SMSAUDIT_RECORD_TYPES_H
#define SMSAUDIT_RECORD_TYPES_H

#include <stddef.h>

#include "smsaudit/record.h"

/* How a member of a record's body is stored. */
typedef enum {
	RECORD_FIELD_STR,        /* char *, NULL when absent */
	RECORD_FIELD_FIXED,      /* char[size], "" when absent */
	RECORD_FIELD_TIME,       /* time_t */
	RECORD_FIELD_INT,        /* int */
	RECORD_FIELD_UINT,       /* unsigned */
	RECORD_FIELD_U64,        /* uint64_t */
	RECORD_FIELD_ENUM,       /* an enum stored as an unsigned, below `size` */
	RECORD_FIELD_STRS,       /* char ** with a size_t count at count_off */
	RECORD_FIELD_REFS,       /* smsaudit_evidence_ref * with a size_t count at count_off */
	RECORD_FIELD_ACTIONS     /* smsaudit_action * with a size_t count at count_off */
} record_field_kind;

typedef struct {
	const char *name;        /* as the XML calls it, for messages */
	record_field_kind kind;
	size_t off;              /* of the member in smsaudit_record */
	size_t size;             /* FIXED: the array's size; ENUM: how many values */
	size_t count_off;        /* lists: of their count in smsaudit_record */
	int required;            /* a record without it is incomplete: STR not NULL,
	                          * FIXED not empty, a list not empty */
} record_field;

typedef struct {
	smsaudit_record_type type;
	const char *name;        /* the type's name and its body's element */
	const char *id_prefix;   /* ids are <prefix>-<yyyymmdd>-<16 hex> */
	unsigned signer_roles;   /* who may sign one (DESIGN section 5) */
	int cached;              /* kept in the verification cache */
	/* Every member of the body, in the order the cache encodes them: a change
	 * here changes the cache's entries (bump FORMAT in cache.c). */
	const record_field *fields;
	size_t nfields;
	/* Rules beyond each field's own (a step's text is required unless it is
	 * a plan): the name of the first missing field, or NULL. May be NULL. */
	const char *(*missing)(const smsaudit_record *rec);
	/* The body under its element `body` (created for it); 0 or an error. */
	int (*write)(xmlNodePtr body, xmlNsPtr ns, const smsaudit_record *rec);
	/* Fill rec's body from a schema-valid element; `name` is for messages. */
	int (*parse)(smsaudit_record *rec, xmlNodePtr body, const char *name);
} record_type_desc;

/* The descriptor of `type`; NULL for a value that is no record type. */
const record_type_desc *record_type_desc_of(smsaudit_record_type type);

/* The bytes of smsaudit_record a record of this type uses: its header and
 * body up to the last member its descriptor lists (a record kept in one
 * block, as the caches hold it, allocates no more). */
size_t record_head_size(const record_type_desc *desc);

/* The name of the first field a record must have and `rec` lacks (made-by,
 * then its type's required fields and rules), or NULL when it is complete.
 * Reports nothing. */
const char *record_missing_field(const smsaudit_record *rec);

#endif

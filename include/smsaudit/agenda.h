/*
 * smsaudit — the agenda: every dated thing the SMS has to meet, for a calendar
 * and for reminders.
 *
 * A pure function of (catalogue, state at one commit, as-of date, window): the
 * audits (dates, team, sites), the certification cycle's items (stage 1 and 2,
 * the decision, each surveillance, recertification, certificate expiry and
 * restoration), the year's internal audit programme, nonconformity deadlines
 * (plan, each action, verification), evidence expiry, expected records whose
 * period will stop counting (a new record is needed), and people's signing
 * certificates. Nothing is judged here: each date and its status comes from
 * the analysis that holds its rule (cycle, findings' deadlines, the gap
 * analysis' freshness, status' expiry rule); the agenda lays them out with the
 * people responsible.
 *
 * Every item has a stable id (derived from record ids or the cycle item and
 * the decision that started the cycle, and the repository's first commit so
 * that two organisations' calendars never share one), so a calendar updates
 * an event rather than adding another, and a sequence that grows with the signed records that
 * can move it (SEQUENCE in iCalendar).
 */
#ifndef SMSAUDIT_AGENDA_H
#define SMSAUDIT_AGENDA_H

#include <stddef.h>
#include <time.h>

#include "catalogue.h"
#include "finding.h"
#include "store.h"
#include "xml.h"

typedef enum {
	SMSAUDIT_AGENDA_AUDIT,        /* an audit, over its days */
	SMSAUDIT_AGENDA_CYCLE,        /* a certification cycle item, on its due date */
	SMSAUDIT_AGENDA_PROGRAMME,    /* the end of the year's internal audit programme */
	SMSAUDIT_AGENDA_DEADLINE,     /* a finding's deadline */
	SMSAUDIT_AGENDA_EXPIRY,       /* evidence's last valid day */
	SMSAUDIT_AGENDA_RENEWAL,      /* last day an expected record's period counts: a new one is needed */
	SMSAUDIT_AGENDA_CERTIFICATE   /* last day of a person's signing certificate */
} smsaudit_agenda_kind;

/* "audit", "cycle", "programme", "deadline", "expiry", "renewal", "certificate" */
const char *smsaudit_agenda_kind_name(smsaudit_agenda_kind k);

typedef struct {
	smsaudit_agenda_kind kind;
	char uid[144];                /* stable: "<record-id>-<what>@<repository>.smsaudit" and the like,
	                               * <repository> the first 12 hex digits of its first commit */
	unsigned sequence;            /* grows with each signed record that can change it */
	time_t from, to;              /* dates, both inclusive (to == from for one day) */
	const char *summary;          /* one line */
	const char *description;      /* a few lines */
	const char *location;         /* audits: their sites; NULL otherwise */
	const char *const *people;    /* emails of those responsible, no repeats */
	size_t npeople;
	int cancelled;                /* the thing went away (evidence superseded or withdrawn) */
	/* At the as-of date with the window: done (met, concluded, or only a date
	 * to know), pending, due soon (within the window) or overdue. */
	smsaudit_due_status due;
} smsaudit_agenda_item;

typedef struct smsaudit_agenda smsaudit_agenda;

/*
 * The agenda at `as_of` (a date; a time is taken as its day), with reminders
 * judged `window_days` (0 to 3650) ahead. The catalogue and the state must
 * outlive it. Items are ordered by date, then uid.
 */
int smsaudit_agenda_compute(smsaudit_agenda **out, const smsaudit_catalogue *cat, const smsaudit_state *st,
                            time_t as_of, int window_days);
void smsaudit_agenda_free(smsaudit_agenda *ag);
size_t smsaudit_agenda_count(const smsaudit_agenda *ag);
const smsaudit_agenda_item *smsaudit_agenda_at(const smsaudit_agenda *ag, size_t i);
time_t smsaudit_agenda_as_of(const smsaudit_agenda *ag);

/* The name recorded for `email` (its latest grant), or NULL. */
const char *smsaudit_agenda_person_name(const smsaudit_agenda *ag, const char *email);

/*
 * The agenda as an RFC 5545 calendar (libical), one all-day VEVENT per item:
 * UID and SEQUENCE as above, DTSTAMP `stamp`, STATUS CANCELLED for cancelled
 * items, the people in the description. `name` is the calendar's name
 * (X-WR-CALNAME), e.g. the organisation. Appends to `out`.
 */
int smsaudit_agenda_ics(smsaudit_buf *out, const smsaudit_agenda *ag, const char *name, time_t stamp);

#endif

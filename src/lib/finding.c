/*
 * Findings and their corrective actions: the rules of a finding's life.
 *
 * One replay applies finding and step records in time order and refuses any
 * that breaks a rule. verify runs it over the whole history (a refused record
 * is a problem); recording a step runs it over the history plus the new step
 * (a refused step is an error and nothing is written). So the gates at write
 * time and in verify cannot drift apart.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "finding_internal.h"

static const char *const phase_names[] = { "open", "planned", "implemented", "verified", "closed" };

const char *smsaudit_finding_phase_name(smsaudit_finding_phase p)
{
	return (unsigned)p < 5 ? phase_names[p] : "unknown";
}

/* ---- the replay ---- */

/* A finding and its kept steps form a graph: each step names the steps it
 * came after. Node 0 is the finding itself. */
typedef struct {
	const finding_event *ev;        /* NULL for node 0 */
	const smsaudit_record *rec;
	size_t *parents;                /* node indexes */
	size_t nparents;
	int head;                       /* no later kept step names it */
} fnode;

typedef struct {
	smsaudit_finding pub;
	smsaudit_finding raised;        /* pub as raised, before any step: where a branch replay starts */
	const smsaudit_record **steps;  /* the steps applied, in time order */
	size_t nsteps, asteps;
	smsaudit_finding_action *actions;
	size_t nactions, aactions;
	fnode *nodes;
	size_t nnodes, anodes;
	smsaudit_finding_unapplied *unapplied;
	size_t nunapplied, aunapplied;
	const smsaudit_record **heads;
	int has_cause;
	int need_plan;          /* found not effective: new actions must be planned */
	time_t last_at;         /* made-at of the latest record of this finding */
} fwork;

struct smsaudit_findings {
	fwork *f;
	size_t n, a;
	size_t nwithdrawn;      /* after finish: f[n..n+nwithdrawn) are the withdrawn ones */
};

typedef struct {
	const smsaudit_state *st;
	const smsaudit_catalogue *cat;
	time_t until;           /* records made from then on do not count (0: all) */
	char msg[512];
	/* The valid audit records before `until`, in time order, gathered once:
	 * each raise looks at them, and a walk over every record per finding
	 * was most of a status at 20,000 records. */
	const smsaudit_record **audits;
	size_t naudits;
} replay_env;

/* An audit's planned dates after the corrections among `fix` (the audits'
 * cancellations and reschedulings, in time order): a rescheduling moves them;
 * 0 when it was cancelled (at *cancelled_at). */
static int audit_corrected(const smsaudit_record *const *fix, size_t nfix, const smsaudit_record *plan, time_t *from,
                           time_t *to, time_t *cancelled_at)
{
	*cancelled_at = 0;
	*from = plan->audit.planned_from;
	*to = plan->audit.planned_to;
	for (size_t i = 0; i < nfix; i++) {
		if (strcmp(fix[i]->audit.audit, plan->id) != 0)
			continue;
		if (fix[i]->audit.event == SMSAUDIT_AUDIT_CANCEL) {
			*cancelled_at = fix[i]->made_at;
			return 0;
		}
		*from = fix[i]->audit.planned_from;
		*to = fix[i]->audit.planned_to;
	}
	return 1;
}

/* The audit a finding names: its plan, its last day, when it was cancelled (0:
 * not), and the next certification audit after `day`. */
static const smsaudit_record *audit_facts(const replay_env *env, const char *id, time_t day, time_t *end, time_t *next,
                                          time_t *cancelled_at)
{
	const smsaudit_record *plan = NULL;
	*end = *next = 0;
	*cancelled_at = 0;
	/* Corrections are few: collect them once. */
	const smsaudit_record **fix = NULL;
	size_t nfix = 0, afix = 0;
	for (size_t i = 0; i < env->naudits; i++) {
		const smsaudit_record *r = env->audits[i];
		if (r->audit.event != SMSAUDIT_AUDIT_CANCEL && r->audit.event != SMSAUDIT_AUDIT_RESCHEDULE)
			continue;
		if (nfix == afix) {
			size_t na = afix ? afix * 2 : 8;
			const smsaudit_record **nf = realloc(fix, na * sizeof(*nf));
			if (!nf)
				break;   /* out of memory: the plans' own dates stand */
			fix = nf;
			afix = na;
		}
		fix[nfix++] = r;
	}
	for (size_t i = 0; i < env->naudits; i++) {
		const smsaudit_record *r = env->audits[i];
		const smsaudit_audit_body *b = &r->audit;
		time_t from = 0, to = 0, gone = 0;
		int live = b->event == SMSAUDIT_AUDIT_PLAN && audit_corrected(fix, nfix, r, &from, &to, &gone);
		if (b->event == SMSAUDIT_AUDIT_PLAN && id && strcmp(r->id, id) == 0) {
			plan = r;
			*cancelled_at = gone;
			if (!*end)
				*end = live ? to : b->planned_to;
		}
		if (b->event == SMSAUDIT_AUDIT_CONCLUDE && id && strcmp(b->audit, id) == 0)
			*end = b->actual_to;
		/* A cancelled audit is no next audit; a rescheduled one counts on its new dates. */
		if (live && b->type != SMSAUDIT_AUDIT_INTERNAL && from > day && (!*next || from < *next))
			*next = from;
	}
	free(fix);
	return plan;
}

/* The source a finding from an audit of this type has. */
static smsaudit_finding_source source_of(smsaudit_audit_type t)
{
	switch (t) {
	case SMSAUDIT_AUDIT_STAGE1: return SMSAUDIT_SOURCE_STAGE1;
	case SMSAUDIT_AUDIT_STAGE2: return SMSAUDIT_SOURCE_STAGE2;
	case SMSAUDIT_AUDIT_SURVEILLANCE: return SMSAUDIT_SOURCE_SURVEILLANCE;
	case SMSAUDIT_AUDIT_RECERTIFICATION: return SMSAUDIT_SOURCE_RECERTIFICATION;
	case SMSAUDIT_AUDIT_INTERNAL: return SMSAUDIT_SOURCE_INTERNAL_AUDIT;
	default: return SMSAUDIT_SOURCE__COUNT;   /* special audits: any external source */
	}
}

static int reject(replay_env *env, const char *fmt, ...) SMSAUDIT_PRINTF(2, 3);

static int reject(replay_env *env, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(env->msg, sizeof(env->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static fwork *find_by_id(smsaudit_findings *fs, const char *id)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].pub.record->id, id) == 0)
			return &fs->f[i];
	return NULL;
}

/* The person holding `email` at `at`: the latest valid grant made by then, not revoked. */
static const smsaudit_person_body *person_at(const smsaudit_state *st, const char *email, time_t at)
{
	const smsaudit_person_entry *best = NULL;
	for (size_t i = 0; i < smsaudit_state_person_count(st); i++) {
		const smsaudit_person_entry *pe = smsaudit_state_person_at(st, i);
		if (pe->valid && strcmp(pe->record->person.email, email) == 0 && pe->record->made_at <= at)
			best = pe;
	}
	if (!best || (best->revoked_at && at >= best->revoked_at))
		return NULL;
	const smsaudit_person_body *p = &best->record->person;
	if (at < p->valid_from || (p->valid_until && at >= p->valid_until))
		return NULL;
	return p;
}

static int check_refs(replay_env *env, const smsaudit_evidence_ref *refs, size_t n, time_t at)
{
	for (size_t i = 0; i < n; i++) {
		const smsaudit_evidence_entry *e = NULL;
		if (smsaudit_state_find_evidence(&e, env->st, refs[i].id) < 0 || strcmp(e->record->id, refs[i].id) != 0)
			return reject(env, "cites evidence %s, which does not exist", refs[i].id);
		if (!e->valid)
			return reject(env, "cites evidence %s, which does not verify", refs[i].id);
		if (strcmp(e->record->evidence.sha256, refs[i].sha256) != 0)
			return reject(env, "cites evidence %s with SHA-256 %.12s..., but its content is %.12s...", refs[i].id,
			              refs[i].sha256, e->record->evidence.sha256);
		if (e->record->made_at > at)
			return reject(env, "cites evidence %s, which was recorded after it", refs[i].id);
		/* An old reference's commit id is not checked: the record id and the
		 * digest name the evidence wherever a rebase or merge puts it. */
	}
	return 0;
}

static int only_roles(replay_env *env, const finding_event *ev, unsigned allowed, const char *what)
{
	if (ev->signer_roles & allowed)
		return 0;
	char need[200], have[200];
	smsaudit_roles_format(need, sizeof(need), allowed);
	smsaudit_roles_format(have, sizeof(have), ev->signer_roles);
	return reject(env, "%s is signed by one of: %s; %s is %s", what, need, ev->signer_email, *have ? have : "no role");
}

/* Keep `r` in the finding's graph after `parents` (which are heads no more). */
static int add_node(replay_env *env, fwork *w, const finding_event *ev, const smsaudit_record *r,
                    const size_t *parents, size_t nparents)
{
	if (w->nnodes == w->anodes) {
		size_t na = w->anodes ? w->anodes * 2 : 8;
		fnode *nn = realloc(w->nodes, na * sizeof(*nn));
		if (!nn)
			return reject(env, "out of memory");
		w->nodes = nn;
		w->anodes = na;
	}
	size_t *copy = NULL;
	if (nparents && !(copy = malloc(nparents * sizeof(*copy))))
		return reject(env, "out of memory");
	for (size_t i = 0; i < nparents; i++) {
		copy[i] = parents[i];
		w->nodes[parents[i]].head = 0;
	}
	w->nodes[w->nnodes++] = (fnode){ ev, r, copy, nparents, 1 };
	return 0;
}

static int apply_raise(replay_env *env, smsaudit_findings *fs, const finding_event *ev)
{
	const smsaudit_record *r = ev->rec;
	const smsaudit_finding_body *f = &r->finding;
	const smsaudit_sms_policy *p = smsaudit_state_policy(env->st);
	const smsaudit_grade *g = smsaudit_policy_grade(p, f->grade);
	if (!g) {
		char list[400];
		smsaudit_policy_grade_list(list, sizeof(list), p);
		return reject(env, "grade '%s' is not in the grade scale of smsaudit.xml (%s)", f->grade, list);
	}
	unsigned allowed;
	const char *who;
	if (smsaudit_finding_source_external(f->source)) {
		allowed = SMSAUDIT_ROLE_EXTERNAL_AUDITOR;
		who = "a finding from a certification audit";
	} else if (f->source == SMSAUDIT_SOURCE_INTERNAL_AUDIT) {
		allowed = SMSAUDIT_ROLE_INTERNAL_AUDITOR;
		who = "a finding from an internal audit";
	} else {
		allowed = SMSAUDIT_ROLE_INTERNAL_AUDITOR | SMSAUDIT_ROLE_QUALITY_MANAGER;
		who = "a finding";
	}
	if (only_roles(env, ev, allowed, who) < 0)
		return -1;
	if (f->raised_on > smsaudit_date_of(r->made_at)) {
		char d[11];
		smsaudit_date_format(d, f->raised_on);
		return reject(env, "raised on %s, after it was signed", d);
	}
	for (size_t i = 0; env->cat && i < f->nclauses; i++) {
		const smsaudit_clause *cl = NULL;
		if (smsaudit_catalogue_find(&cl, env->cat, f->clauses[i]) < 0)
			return reject(env, "clause '%s' is not in the catalogue", f->clauses[i]);
		if (!cl->assessable)
			return reject(env, "clause '%s' is a heading; name the sub-clause that is not met", f->clauses[i]);
		for (size_t k = 0; k < i; k++)
			if (strcmp(f->clauses[k], f->clauses[i]) == 0)
				return reject(env, "clause '%s' is named twice", f->clauses[i]);
	}
	time_t audit_end = 0, next_audit = 0;
	time_t cancelled_at = 0;
	const smsaudit_record *audit = audit_facts(env, f->audit[0] ? f->audit : NULL, f->raised_on, &audit_end,
	                                           &next_audit, &cancelled_at);
	if (f->audit[0] && !audit)
		return reject(env, "names audit %s, which is not a recorded audit", f->audit);
	/* Only a cancellation made before the finding: a later one never undoes it. */
	if (audit && cancelled_at && cancelled_at <= r->made_at)
		return reject(env, "names audit %s, which was cancelled", f->audit);
	if (audit) {
		smsaudit_finding_source want = source_of(audit->audit.type);
		if (want == SMSAUDIT_SOURCE__COUNT ? !smsaudit_finding_source_external(f->source) : want != f->source)
			return reject(env, "a finding from source %s cannot come from a %s audit (%s)",
			              smsaudit_finding_source_name(f->source), smsaudit_audit_type_name(audit->audit.type),
			              f->audit);
	}
	if (check_refs(env, f->evidence, f->nevidence, r->made_at) < 0)
		return -1;
	if (find_by_id(fs, r->id))
		return reject(env, "finding %s is recorded twice", r->id);
	if (fs->n == fs->a) {
		size_t na = fs->a ? fs->a * 2 : 16;
		fwork *nf = realloc(fs->f, na * sizeof(*nf));
		if (!nf)
			return reject(env, "out of memory");
		fs->f = nf;
		fs->a = na;
	}
	fwork *w = &fs->f[fs->n++];
	memset(w, 0, sizeof(*w));
	w->pub.record = r;
	w->pub.grade = g;
	w->pub.audit = audit;
	w->pub.audit_end = audit_end;
	w->pub.next_audit = next_audit;
	w->last_at = r->made_at;
	/* NC-2027-004: numbered per year of raising, in signing order. */
	char year[11];
	smsaudit_date_format(year, f->raised_on);
	unsigned seq = 1;
	for (size_t i = 0; i + 1 < fs->n; i++) {
		char y[11];
		smsaudit_date_format(y, fs->f[i].pub.record->finding.raised_on);
		seq += strncmp(y, year, 4) == 0;
	}
	const char *prefix = smsaudit_grade_class_is_nc(g->cls) ? "NC" : g->cls == SMSAUDIT_GRADE_OBSERVATION ? "OBS" : "OFI";
	snprintf(w->pub.number, sizeof(w->pub.number), "%s-%.4s-%03u", prefix, year, seq);
	w->raised = w->pub;
	return add_node(env, w, NULL, r, NULL, 0);
}

static int add_step(replay_env *env, fwork *w, const smsaudit_record *r)
{
	if (w->nsteps == w->asteps) {
		size_t na = w->asteps ? w->asteps * 2 : 8;
		const smsaudit_record **ns = realloc(w->steps, na * sizeof(*ns));
		if (!ns)
			return reject(env, "out of memory");
		w->steps = ns;
		w->asteps = na;
	}
	w->steps[w->nsteps++] = r;
	w->last_at = r->made_at;
	return 0;
}

static smsaudit_finding_action *action_by_ref(fwork *w, const char *plan, unsigned index)
{
	for (size_t i = 0; i < w->nactions; i++)
		if (strcmp(w->actions[i].plan->id, plan) == 0 && w->actions[i].index == index)
			return &w->actions[i];
	return NULL;
}

static size_t open_actions(const fwork *w, char *list, size_t size)
{
	size_t n = 0, used = 0;
	list[0] = '\0';
	for (size_t i = 0; i < w->nactions; i++)
		if (!w->actions[i].implemented) {
			n++;
			int k = snprintf(list + used, size - used, "%sA%u", used ? ", " : "", w->actions[i].number);
			if (k > 0 && (size_t)k < size - used)
				used += (size_t)k;
		}
	return n;
}

static const smsaudit_finding_action *implemented_by(const fwork *w, const char *email)
{
	for (size_t i = 0; i < w->nactions; i++)
		if (w->actions[i].implemented && strcmp(w->actions[i].implemented->made_by, email) == 0)
			return &w->actions[i];
	return NULL;
}

/*
 * A finding raised by mistake is withdrawn, with its reason, by the role that
 * raises such findings: an external auditor for the certification body's
 * findings (never the organisation), an internal auditor or a quality manager
 * for internal ones. It keeps its record and number and takes no more steps.
 */
static int apply_withdrawal(replay_env *env, fwork *w, const finding_event *ev)
{
	const smsaudit_record *r = ev->rec;
	const char *num = w->pub.number;
	int external = smsaudit_finding_source_external(w->pub.record->finding.source);
	unsigned may = external ? SMSAUDIT_ROLE_EXTERNAL_AUDITOR
	                        : SMSAUDIT_ROLE_INTERNAL_AUDITOR | SMSAUDIT_ROLE_QUALITY_MANAGER;
	if (!(ev->signer_roles & may))
		return reject(env, "%s is withdrawn by %s; %s is not one", num,
		              external ? "an external auditor (the certification body's finding)"
		                       : "an internal auditor or a quality manager",
		              ev->signer_email);
	if (w->pub.closed_at)
		return reject(env, "%s is closed; a closed finding is not withdrawn", num);
	if (add_step(env, w, r) < 0)
		return -1;
	w->pub.withdrawn = r;
	return 0;
}

/* After the replay: the withdrawn findings after the others, in raising order. */
static int set_apart_withdrawn(smsaudit_findings *fs)
{
	size_t k = 0;
	for (size_t i = 0; i < fs->n; i++)
		k += !fs->f[i].pub.withdrawn;
	if (k == fs->n)
		return 0;
	fwork *sorted = malloc(fs->n * sizeof(*sorted));
	if (!sorted)
		return error_oom();
	size_t live = 0, gone = k;
	for (size_t i = 0; i < fs->n; i++)
		sorted[fs->f[i].pub.withdrawn ? gone++ : live++] = fs->f[i];
	free(fs->f);
	fs->f = sorted;
	fs->a = fs->n;
	fs->nwithdrawn = fs->n - k;
	fs->n = k;
	return 0;
}

/* The rules of one step against the finding as `w` has it; on success the
 * step is applied. A refused step leaves `w` as it was. */
static int apply_rules(replay_env *env, fwork *w, const finding_event *ev)
{
	const smsaudit_record *r = ev->rec;
	const smsaudit_step_body *s = &r->step;
	const char *kind = smsaudit_step_kind_name(s->kind);
	if (w->pub.withdrawn)
		return reject(env, "%s step for %s, which was withdrawn (%s)", kind, w->pub.number, w->pub.withdrawn->id);
	if (s->kind == SMSAUDIT_STEP_WITHDRAWN)
		return apply_withdrawal(env, w, ev);
	const char *num = w->pub.number;
	int nc = smsaudit_grade_class_is_nc(w->pub.grade->cls);
	unsigned org = SMSAUDIT_ROLE_QUALITY_MANAGER | SMSAUDIT_ROLE_PROCESS_OWNER;
	unsigned auditors = SMSAUDIT_ROLE_INTERNAL_AUDITOR | SMSAUDIT_ROLE_EXTERNAL_AUDITOR;
	char what[160], list[200];
	snprintf(what, sizeof(what), "the %s step of %s", kind, num);
	if (w->pub.closed_at && s->kind != SMSAUDIT_STEP_REOPENED && s->kind != SMSAUDIT_STEP_NOTE)
		return reject(env, "%s is closed; reopen it before recording a %s step", num, kind);
	switch (s->kind) {
	case SMSAUDIT_STEP_NOTE:
		if (only_roles(env, ev, org | auditors, what) < 0)
			return -1;
		break;
	case SMSAUDIT_STEP_CORRECTION:
		if (only_roles(env, ev, org, what) < 0)
			return -1;
		break;
	case SMSAUDIT_STEP_CAUSE:
		if (only_roles(env, ev, org, what) < 0)
			return -1;
		w->has_cause = 1;
		break;
	case SMSAUDIT_STEP_PLAN:
		if (only_roles(env, ev, org, what) < 0)
			return -1;
		if (nc && !w->has_cause)
			return reject(env, "%s plans corrective action before a root cause is recorded; record the cause first",
			              num);
		if (s->nactions == 0)
			return reject(env, "%s: a plan needs at least one action", what);
		for (size_t i = 0; i < s->nactions; i++) {
			const smsaudit_action *a = &s->actions[i];
			const smsaudit_person_body *owner = person_at(env->st, a->owner, r->made_at);
			char due[11], raised[11];
			smsaudit_date_format(due, a->due);
			smsaudit_date_format(raised, w->pub.record->finding.raised_on);
			if (!owner)
				return reject(env, "%s: action %zu is owned by %s, who is not a person of this repository", what,
				              i + 1, a->owner);
			if (!(owner->roles & ~(unsigned)SMSAUDIT_ROLE_VIEWER))
				return reject(env, "%s: action %zu is owned by %s, a viewer, who cannot sign its implementation",
				              what, i + 1, a->owner);
			if (a->due < w->pub.record->finding.raised_on)
				return reject(env, "%s: action %zu is due %s, before the finding was raised (%s)", what, i + 1, due,
				              raised);
		}
		for (size_t i = 0; i < s->nactions; i++) {
			if (w->nactions == w->aactions) {
				size_t na = w->aactions ? w->aactions * 2 : 8;
				smsaudit_finding_action *nw = realloc(w->actions, na * sizeof(*nw));
				if (!nw)
					return reject(env, "out of memory");
				w->actions = nw;
				w->aactions = na;
			}
			smsaudit_finding_action *fa = &w->actions[w->nactions++];
			fa->plan = r;
			fa->index = (unsigned)i + 1;
			fa->number = (unsigned)w->nactions;
			fa->action = &s->actions[i];
			fa->implemented = NULL;
		}
		if (!w->pub.planned_at)
			w->pub.planned_at = r->made_at;
		w->need_plan = 0;
		w->pub.verified_at = 0;   /* new actions need a new verification */
		break;
	case SMSAUDIT_STEP_IMPLEMENTED: {
		smsaudit_finding_action *fa = action_by_ref(w, s->plan, s->action);
		if (!fa)
			return reject(env, "%s marks action %u of plan %s implemented, but %s has no such planned action", what,
			              s->action, s->plan, num);
		if (fa->implemented)
			return reject(env, "%s: action A%u is already implemented (%s)", what, fa->number, fa->implemented->id);
		if (strcmp(ev->signer_email, fa->action->owner) != 0)
			return reject(env, "%s: action A%u is owned by %s, so %s cannot sign its implementation", what,
			              fa->number, fa->action->owner, ev->signer_email);
		if (check_refs(env, s->evidence, s->nevidence, r->made_at) < 0)
			return -1;
		fa->implemented = r;
		break;
	}
	case SMSAUDIT_STEP_VERIFIED: {
		if (only_roles(env, ev, auditors, what) < 0)
			return -1;
		const smsaudit_finding_action *own = implemented_by(w, ev->signer_email);
		if (own)
			return reject(env, "%s implemented action A%u of %s, so cannot verify its effectiveness (separation of "
			              "duties)", ev->signer_email, own->number, num);
		if (w->need_plan)
			return reject(env, "%s: the last verification found the actions not effective; plan new actions first",
			              what);
		if (w->nactions == 0)
			return reject(env, "%s has no corrective action to verify; plan and implement actions first", num);
		if (open_actions(w, list, sizeof(list)))
			return reject(env, "%s cannot be verified while actions are open (%s)", num, list);
		if (check_refs(env, s->evidence, s->nevidence, r->made_at) < 0)
			return -1;
		if (s->effective) {
			w->pub.verified_at = r->made_at;
			w->pub.not_effective = 0;
		} else {
			w->pub.verified_at = 0;
			w->pub.not_effective = 1;
			w->need_plan = 1;
		}
		break;
	}
	case SMSAUDIT_STEP_CLOSED:
		if (only_roles(env, ev, auditors, what) < 0)
			return -1;
		if (open_actions(w, list, sizeof(list)))
			return reject(env, "%s cannot be closed while actions are open (%s)", num, list);
		if (w->need_plan)
			return reject(env, "%s cannot be closed: its actions were found not effective and no new ones are planned",
			              num);
		if (nc && !w->pub.verified_at)
			return reject(env, "%s cannot be closed without an effectiveness verification of its corrective actions",
			              num);
		w->pub.closed_at = r->made_at;
		break;
	case SMSAUDIT_STEP_REOPENED:
		if (only_roles(env, ev, auditors | SMSAUDIT_ROLE_QUALITY_MANAGER, what) < 0)
			return -1;
		if (!w->pub.closed_at)
			return reject(env, "%s is not closed, so it cannot be reopened", num);
		w->pub.closed_at = 0;
		w->pub.verified_at = 0;   /* whatever was verified did not hold */
		break;
	default:
		return reject(env, "unknown step");
	}
	return add_step(env, w, r);
}

/* Replay the finding along the steps `r` came after only (its ancestors),
 * then apply `ev` there: the finding as its signer saw it. */
static int apply_on_branch(replay_env *env, const fwork *w, const size_t *parents, size_t nparents,
                           const finding_event *ev)
{
	unsigned char *ancestor = calloc(w->nnodes, 1);
	size_t *stack = malloc((w->nnodes + nparents) * sizeof(*stack));
	if (!ancestor || !stack) {
		free(ancestor);
		free(stack);
		return reject(env, "out of memory");
	}
	size_t top = 0;
	for (size_t i = 0; i < nparents; i++)
		stack[top++] = parents[i];
	while (top) {
		size_t k = stack[--top];
		if (ancestor[k])
			continue;
		ancestor[k] = 1;
		for (size_t i = 0; i < w->nodes[k].nparents; i++)
			if (!ancestor[w->nodes[k].parents[i]])
				stack[top++] = w->nodes[k].parents[i];
	}
	fwork b;
	memset(&b, 0, sizeof(b));
	b.pub = w->raised;
	/* Nodes are in replay order, so a step comes after its ancestors. An
	 * ancestor that its own branch refused was kept unapplied: skip it here too. */
	for (size_t k = 1; k < w->nnodes; k++)
		if (ancestor[k] && apply_rules(env, &b, w->nodes[k].ev) < 0 && strcmp(env->msg, "out of memory") == 0)
			break;
	int rc = strcmp(env->msg, "out of memory") == 0 ? -1 : apply_rules(env, &b, ev);
	free(b.steps);
	free(b.actions);
	free(ancestor);
	free(stack);
	return rc;
}

static int keep_unapplied(replay_env *env, fwork *w, const smsaudit_record *r, const char *reason)
{
	if (w->nunapplied == w->aunapplied) {
		size_t na = w->aunapplied ? w->aunapplied * 2 : 4;
		smsaudit_finding_unapplied *nu = realloc(w->unapplied, na * sizeof(*nu));
		if (!nu)
			return reject(env, "out of memory");
		w->unapplied = nu;
		w->aunapplied = na;
	}
	smsaudit_finding_unapplied *u = &w->unapplied[w->nunapplied++];
	u->step = r;
	snprintf(u->reason, sizeof(u->reason), "%s", reason);
	return 0;
}

/*
 * A step comes after the steps it names (or, in older records, after all
 * the latest ones). One that names them all saw the finding as it is and must
 * pass every rule. One that does not was made concurrently with the steps it
 * did not see (offline, on another clone): it is applied if the rules allow
 * it after them; otherwise it is kept unapplied when it was valid on its own
 * branch, so a merge never makes a signed, valid step a problem. Either way
 * the finding then has several latest steps until someone records a step
 * that names them all. The order (signing time, then id) decides the rest.
 */
static int apply_step(replay_env *env, smsaudit_findings *fs, const finding_event *ev)
{
	const smsaudit_record *r = ev->rec;
	const smsaudit_step_body *s = &r->step;
	const char *kind = smsaudit_step_kind_name(s->kind);
	fwork *w = find_by_id(fs, s->finding);
	if (!w)
		return reject(env, "%s step for finding %s, which does not exist or does not verify", kind, s->finding);
	size_t *parents = malloc((w->nnodes + s->nafter + 1) * sizeof(*parents)), nparents = 0;
	if (!parents)
		return reject(env, "out of memory");
	int rc = 0;
	if (s->nafter == 0) {
		for (size_t k = 0; k < w->nnodes; k++)
			if (w->nodes[k].head)
				parents[nparents++] = k;
	}
	for (size_t i = 0; rc == 0 && i < s->nafter; i++) {
		size_t k = 0;
		while (k < w->nnodes && strcmp(w->nodes[k].rec->id, s->after[i]) != 0)
			k++;
		if (k == w->nnodes)
			rc = reject(env, "the %s step of %s comes after %s, which is not a valid step of %s signed before it",
			            kind, w->pub.number, s->after[i], w->pub.number);
		for (size_t j = 0; rc == 0 && j < nparents; j++)
			if (parents[j] == k)
				rc = reject(env, "the %s step of %s names %s twice", kind, w->pub.number, s->after[i]);
		if (rc == 0)
			parents[nparents++] = k;
	}
	for (size_t j = 0; rc == 0 && j < nparents; j++)
		if (r->made_at <= w->nodes[parents[j]].rec->made_at)
			rc = reject(env, "the %s step of %s is not later than the step before it; steps are ordered by their "
			            "signing time", kind, w->pub.number);
	size_t covered = 0, heads = 0;
	for (size_t k = 0; rc == 0 && k < w->nnodes; k++)
		if (w->nodes[k].head) {
			heads++;
			for (size_t j = 0; j < nparents; j++)
				covered += parents[j] == k;
		}
	int applied = 0;
	if (rc == 0) {
		rc = apply_rules(env, w, ev);
		applied = rc == 0;
		if (rc < 0 && covered < heads && strcmp(env->msg, "out of memory") != 0) {
			char reason[sizeof(env->msg)];
			snprintf(reason, sizeof(reason), "%s", env->msg);
			rc = apply_on_branch(env, w, parents, nparents, ev);
			if (rc == 0)
				rc = keep_unapplied(env, w, r, reason);
		}
	}
	if (rc == 0)
		rc = add_node(env, w, ev, r, parents, nparents);
	(void)applied;
	free(parents);
	return rc;
}

static int finish(smsaudit_findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		fwork *w = &fs->f[i];
		smsaudit_finding *p = &w->pub;
		p->steps = w->steps;
		p->nsteps = w->nsteps;
		p->actions = w->actions;
		p->nactions = w->nactions;
		p->unapplied = w->unapplied;
		p->nunapplied = w->nunapplied;
		if (!(w->heads = calloc(w->nnodes ? w->nnodes : 1, sizeof(*w->heads))))
			return -1;
		p->nheads = 0;
		for (size_t k = 0; k < w->nnodes; k++)
			if (w->nodes[k].head)
				w->heads[p->nheads++] = w->nodes[k].rec;
		p->heads = w->heads;
		char list[8];
		if (p->closed_at)
			p->phase = SMSAUDIT_PHASE_CLOSED;
		else if (p->verified_at)
			p->phase = SMSAUDIT_PHASE_VERIFIED;
		else if (w->nactions == 0 || w->need_plan)
			p->phase = SMSAUDIT_PHASE_OPEN;
		else if (open_actions(w, list, sizeof(list)))
			p->phase = SMSAUDIT_PHASE_PLANNED;
		else
			p->phase = SMSAUDIT_PHASE_IMPLEMENTED;
	}
	return 0;
}

void smsaudit_findings_free(smsaudit_findings *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->n + fs->nwithdrawn; i++) {
		fwork *w = &fs->f[i];
		free(w->steps);
		free(w->actions);
		for (size_t k = 0; k < w->nnodes; k++)
			free(w->nodes[k].parents);
		free(w->nodes);
		free(w->unapplied);
		free(w->heads);
	}
	free(fs->f);
	free(fs);
}

int findings_replay(smsaudit_findings **out, const smsaudit_state *st, const smsaudit_catalogue *cat, time_t until, const finding_event *ev, size_t n, finding_reject_fn on_reject,
                    void *u)
{
	*out = NULL;
	smsaudit_findings *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return error_oom();
	replay_env env;
	memset(&env, 0, sizeof(env));
	env.st = st;
	env.cat = cat;
	env.until = until;
	size_t nrecs = smsaudit_state_record_count(st);
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nrecs; i++) {
			smsaudit_record_entry e;
			smsaudit_state_record_at(&e, st, i);
			if (!e.record || !e.valid || e.record->type != SMSAUDIT_REC_AUDIT || (until && e.record->made_at >= until))
				continue;
			if (pass)
				env.audits[env.naudits] = e.record;
			env.naudits++;
		}
		if (!pass && !(env.audits = malloc((env.naudits ? env.naudits : 1) * sizeof(*env.audits)))) {
			smsaudit_findings_free(fs);
			return error_oom();
		}
		if (!pass)
			env.naudits = 0;
	}
	for (size_t i = 0; i < n; i++) {
		const smsaudit_record *r = ev[i].rec;
		int rc = r->type == SMSAUDIT_REC_FINDING ? apply_raise(&env, fs, &ev[i])
		         : r->type == SMSAUDIT_REC_STEP  ? apply_step(&env, fs, &ev[i])
		                                         : 0;
		if (rc < 0 && on_reject)
			on_reject(u, &ev[i], env.msg);
		if (rc < 0 && strcmp(env.msg, "out of memory") == 0) {
			free(env.audits);
			smsaudit_findings_free(fs);
			return error_oom();
		}
	}
	free(env.audits);
	if (finish(fs) < 0 || set_apart_withdrawn(fs) < 0) {
		smsaudit_findings_free(fs);
		return error_oom();
	}
	*out = fs;
	return 0;
}

int smsaudit_findings_compute(smsaudit_findings **out, const smsaudit_state *st, time_t as_of)
{
	*out = NULL;
	finding_event *ev = NULL;
	size_t k = 0;
	time_t until = as_of ? smsaudit_date_of(as_of) + 86400 : 0;
	int rc = replay_events(&ev, &k, st, SMSAUDIT_REC_FINDING, SMSAUDIT_REC_STEP, until);
	/* verify has already refused what breaks a rule; what is left replays cleanly. */
	if (rc == 0)
		rc = findings_replay(out, st, NULL, until, ev, k, NULL, NULL);
	free(ev);
	return rc;
}

size_t smsaudit_findings_count(const smsaudit_findings *fs)
{
	return fs->n;
}

const smsaudit_finding *smsaudit_findings_at(const smsaudit_findings *fs, size_t i)
{
	return i < fs->n ? &fs->f[i].pub : NULL;
}

size_t smsaudit_findings_withdrawn_count(const smsaudit_findings *fs)
{
	return fs->nwithdrawn;
}

const smsaudit_finding *smsaudit_findings_withdrawn_at(const smsaudit_findings *fs, size_t i)
{
	return i < fs->nwithdrawn ? &fs->f[fs->n + i].pub : NULL;
}

static const char *finding_id_at(const void *set, size_t i)
{
	const smsaudit_findings *fs = set;
	return fs->f[i].pub.record->id;
}

/* By display number (NC-2027-004, any case) or by id through the one resolver. */
int smsaudit_findings_find(const smsaudit_finding **out, const smsaudit_findings *fs, const char *key)
{
	*out = NULL;
	size_t all = fs->n + fs->nwithdrawn;
	for (size_t i = 0; i < all; i++)
		if (strcasecmp(fs->f[i].pub.number, key) == 0) {
			*out = &fs->f[i].pub;
			return 0;
		}
	size_t i;
	int rc = smsaudit_id_resolve(&i, key, fs, all, finding_id_at, "finding",
	                             "give its number, e.g. NC-2027-004, or id");
	if (rc == 0)
		*out = &fs->f[i].pub;
	return rc;
}

/* ---- deadlines ---- */

static const char *const due_names[] = { "pending", "due-soon", "overdue", "met", "met-late" };

const char *smsaudit_due_status_name(smsaudit_due_status s)
{
	return (unsigned)s < 5 ? due_names[s] : "unknown";
}

static void deadline(smsaudit_deadline *out, size_t max, size_t *n, const char *what, time_t due, time_t met,
                     unsigned action)
{
	if (*n >= max)
		return;
	smsaudit_deadline *d = &out[(*n)++];
	snprintf(d->what, sizeof(d->what), "%s", what);
	d->due = due;
	d->met_at = met;
	d->action = action;
}

size_t smsaudit_finding_deadlines(smsaudit_deadline *out, size_t max, const smsaudit_finding *f,
                                  const smsaudit_sms_policy *p)
{
	size_t n = 0;
	const smsaudit_finding_body *b = &f->record->finding;
	char what[120];
	/* A verification stands for the deadline only until it is voided (reopen,
	 * new plan); a closed finding was verified when it was closed. */
	time_t verified = f->verified_at ? f->verified_at : f->closed_at;
	if (f->grade->cls == SMSAUDIT_GRADE_MAJOR) {
		snprintf(what, sizeof(what), "corrective action verified within %d days", p->major_verify_days);
		deadline(out, max, &n, what, b->raised_on + (time_t)p->major_verify_days * 86400, verified, 0);
		if (b->source == SMSAUDIT_SOURCE_STAGE2) {
			snprintf(what, sizeof(what), "verified within %d months of stage 2 (else a new stage 2)",
			         p->major_after_stage2_months);
			time_t stage2_end = f->audit_end ? f->audit_end : b->raised_on;
			deadline(out, max, &n, what, smsaudit_date_add_months(stage2_end, p->major_after_stage2_months),
			         verified, 0);
		}
		if (p->certification_decision && p->certification_decision > b->raised_on)
			deadline(out, max, &n, "verified before the certification decision", p->certification_decision - 86400,
			         verified, 0);
	} else if (f->grade->cls == SMSAUDIT_GRADE_MINOR) {
		snprintf(what, sizeof(what), "corrective action planned within %d days", p->minor_plan_days);
		deadline(out, max, &n, what, b->raised_on + (time_t)p->minor_plan_days * 86400, f->planned_at, 0);
		deadline(out, max, &n, "implementation verified at the next audit", f->next_audit, verified, 0);
	}
	for (size_t i = 0; i < f->nactions; i++) {
		const smsaudit_finding_action *a = &f->actions[i];
		snprintf(what, sizeof(what), "A%u: %.100s", a->number, a->action->description);
		for (char *c = what; *c; c++)
			if (*c == '\n' || *c == '\t')
				*c = ' ';
		deadline(out, max, &n, what, a->action->due, a->implemented ? a->implemented->made_at : 0, a->number);
	}
	return n;
}

smsaudit_due_status smsaudit_deadline_status(const smsaudit_deadline *d, time_t as_of, int soon_days)
{
	time_t day = smsaudit_date_of(as_of);
	if (d->met_at)
		return d->due && smsaudit_date_of(d->met_at) > d->due ? SMSAUDIT_DUE_MET_LATE : SMSAUDIT_DUE_MET;
	if (!d->due)
		return SMSAUDIT_DUE_PENDING;
	if (day > d->due)
		return SMSAUDIT_DUE_OVERDUE;
	if (d->due - day <= (time_t)soon_days * 86400)
		return SMSAUDIT_DUE_SOON;
	return SMSAUDIT_DUE_PENDING;
}

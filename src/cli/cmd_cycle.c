/* smsaudit cycle [show] | plan-surveillance; and the internal audit programme for 'audit programme' */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { O_AT = 1, O_SURVEILLANCES, O_PIN, O_UNPIN };

#define MAX_PINS 50

typedef struct {
	const char *at, *surveillances;
	const char *pins[MAX_PINS], *unpins[MAX_PINS];
	size_t npins, nunpins;
	int too_many;
} cycle_args;

static int on_opt(int id, const char *arg, void *u)
{
	cycle_args *a = u;
	switch (id) {
	case O_AT: a->at = arg; break;
	case O_SURVEILLANCES: a->surveillances = arg; break;
	case O_PIN: a->too_many |= cli_push(a->pins, &a->npins, MAX_PINS, arg) < 0; break;
	case O_UNPIN: a->too_many |= cli_push(a->unpins, &a->nunpins, MAX_PINS, arg) < 0; break;
	default: break;
	}
	return -1;
}

static void put_date(out_node *o, const char *key, time_t t)
{
	out_set_date(o, key, t);
}

void cli_cycle_item_name(char *buf, size_t size, const smsaudit_cycle_item *it)
{
	switch (it->kind) {
	case SMSAUDIT_ITEM_SURVEILLANCE: snprintf(buf, size, "surveillance %d", it->number); break;
	case SMSAUDIT_ITEM_YEAR: snprintf(buf, size, "surveillance in %d", it->number); break;
	case SMSAUDIT_ITEM_STAGE1: snprintf(buf, size, "stage 1"); break;
	case SMSAUDIT_ITEM_STAGE2: snprintf(buf, size, "stage 2"); break;
	case SMSAUDIT_ITEM_DECISION: snprintf(buf, size, "certification decision"); break;
	case SMSAUDIT_ITEM_RECERTIFICATION: snprintf(buf, size, "recertification"); break;
	case SMSAUDIT_ITEM_EXPIRY: snprintf(buf, size, "certificate expiry"); break;
	case SMSAUDIT_ITEM_RESTORATION: snprintf(buf, size, "restoration window"); break;
	}
}

static void item_row(out_node *o, const smsaudit_cycle_item *it)
{
	char name[40], dates[24] = "";
	cli_cycle_item_name(name, sizeof(name), it);
	out_set_str(o, "what", name);
	out_set_str(o, "kind", smsaudit_cycle_item_kind_name(it->kind));
	out_set_int(o, "number", it->number);
	put_date(o, "due", it->due);
	out_set_str(o, "status", smsaudit_item_status_name(it->status));
	out_set_str(o, "audit", it->audit ? it->audit->plan->id : "");
	if (it->kind == SMSAUDIT_ITEM_DECISION && it->done_on) {
		smsaudit_date_format(dates, it->done_on);
	} else if (it->audit) {
		char f[11], t[11];
		smsaudit_date_format(f, it->audit->from);
		smsaudit_date_format(t, it->audit->to);
		snprintf(dates, sizeof(dates), "%s..%s", f, t);
	} else if (it->done_on) {
		smsaudit_date_format(dates, it->done_on);
	}
	out_set_str(o, "dates", dates);
	out_set_str(o, "note", it->note);
}

/* The coverage rows with one column per slot (s1, s2, ... or i1, i2, ...) and the recertification. */
static out_node *coverage_rows(const smsaudit_coverage *cov, char prefix, int with_recert)
{
	out_node *rows = out_array("clause");
	size_t nslots = smsaudit_coverage_slots(cov);
	for (size_t i = 0; i < smsaudit_coverage_count(cov); i++) {
		const smsaudit_coverage_row *r = smsaudit_coverage_at(cov, i);
		out_node *o = out_push_obj(rows);
		out_set_str(o, "clause", r->unit->id);
		out_set_str(o, "title", r->unit->title);
		out_set_bool(o, "mandatory", r->mandatory);
		for (size_t k = 0; k < nslots; k++) {
			char key[24];
			snprintf(key, sizeof(key), "%c%zu", prefix, k + 1);
			out_set_str(o, key, r->covered & (1u << k) ? (r->pinned == (int)k + 1 ? "pin" : "x") : "");
		}
		if (with_recert)
			out_set_str(o, "recert", r->covered & (1u << SMSAUDIT_COVERAGE_RECERT_BIT) ? "x" : "");
		out_set_bool(o, "covered", r->covered != 0);
	}
	return rows;
}

static void coverage_table(const cli_ctx *ctx, const out_node *rows, const smsaudit_coverage *cov, char prefix,
                           int with_recert)
{
	size_t nslots = smsaudit_coverage_slots(cov);
	const char *keys[40], *heads[40];
	char names[32][24], titles[32][24];
	size_t n = 0;
	keys[n] = "clause", heads[n++] = "CLAUSE";
	for (size_t k = 0; k < nslots && k < 30; k++) {
		snprintf(names[k], sizeof(names[k]), "%c%zu", prefix, k + 1);
		snprintf(titles[k], sizeof(titles[k]), "%c%zu", prefix == 's' ? 'S' : 'I', k + 1);
		keys[n] = names[k], heads[n++] = titles[k];
	}
	if (with_recert)
		keys[n] = "recert", heads[n++] = "R";
	keys[n] = "title", heads[n++] = "TITLE";
	out_table(stdout, ctx, rows, keys, heads, n);
}

static void print_warnings(const smsaudit_coverage *cov)
{
	const char *w;
	for (size_t i = 0; (w = smsaudit_coverage_warning(cov, i)); i++)
		cli_warning("%s", w);
}

static void print_holes(const cli_ctx *ctx, const smsaudit_coverage *cov, const char *none_covers)
{
	size_t holes = smsaudit_coverage_holes(cov);
	if (!holes) {
		printf("\nEvery clause is covered.\n");
		return;
	}
	printf("\n%s%zu clause%s that %s:%s", cli_sgr(ctx, "31"), holes, holes == 1 ? "" : "s", none_covers,
	       cli_sgr(ctx, "0"));
	for (size_t i = 0; i < smsaudit_coverage_count(cov); i++) {
		const smsaudit_coverage_row *r = smsaudit_coverage_at(cov, i);
		if (!r->covered)
			printf(" %s", r->unit->id);
	}
	printf("\n");
}

/* The view, audits, cycle and (optionally) rotation every cycle command needs. */
typedef struct {
	cli_view v;
	smsaudit_catalogue *cat;
	smsaudit_audits *as;
	smsaudit_cycle *cy;
	smsaudit_coverage *cov;
} cycle_view;

static void cycle_view_close(cycle_view *c)
{
	smsaudit_coverage_free(c->cov);
	smsaudit_cycle_free(c->cy);
	smsaudit_audits_free(c->as);
	cli_view_close(&c->v);
}

static int cycle_view_open(cli_ctx *ctx, cycle_view *c, const char *command, const char *at, int nsurv)
{
	memset(c, 0, sizeof(*c));
	int rc = cli_view_open(ctx, &c->v, command, at, NULL, 0);
	if (rc >= 0)
		return rc;
	const smsaudit_sms_policy *p = smsaudit_state_policy(c->v.st);
	int r = smsaudit_audits_compute(&c->as, c->v.st, c->v.as_of);
	if (r == 0)
		r = smsaudit_cycle_compute(&c->cy, p, c->as, c->v.as_of);
	if (r == 0)
		r = smsaudit_rotation_compute(&c->cov, smsaudit_store_catalogue(c->v.store), p, c->cy, nsurv);
	if (r < 0) {
		cycle_view_close(c);
		return cli_fail(r);
	}
	return -1;
}

static int cycle_show(cli_ctx *ctx, const cycle_args *a)
{
	cycle_view c;
	int rc = cycle_view_open(ctx, &c, "cycle", a->at, 0);
	if (rc >= 0)
		return rc;
	out_node *o = out_object();
	char asof[11];
	smsaudit_date_format(asof, c.v.as_of);
	out_set_str(o, "organisation", cli_organisation(&c.v));
	out_set_str(o, "commit", c.v.hex);
	out_set_str(o, "as_of", asof);
	out_set_str(o, "phase", smsaudit_cycle_phase_name(smsaudit_cycle_phase_get(c.cy)));
	put_date(o, "decision", smsaudit_cycle_decision(c.cy));
	put_date(o, "expiry", smsaudit_cycle_expiry(c.cy));
	out_set_int(o, "surveillances", smsaudit_cycle_surveillances(c.cy));
	out_node *items = out_set_arr(o, "items", "item");
	out_node *rows = out_array("item");
	size_t noverdue = 0;
	for (size_t i = 0; i < smsaudit_cycle_count(c.cy); i++) {
		const smsaudit_cycle_item *it = smsaudit_cycle_at(c.cy, i);
		item_row(out_push_obj(items), it);
		item_row(out_push_obj(rows), it);
		noverdue += it->status == SMSAUDIT_ITEM_OVERDUE;
	}
	const smsaudit_cycle_item *next = smsaudit_cycle_next(c.cy);
	out_node *nx = out_set_obj(o, "next");
	if (next)
		item_row(nx, next);
	out_set_int(o, "overdue", (long long)noverdue);
	out_set_int(o, "coverage_holes", (long long)smsaudit_coverage_holes(c.cov));
	out_node *cov = coverage_rows(c.cov, 's', 1);
	if (OUT_TABULAR(ctx->format)) {
		rc = out_emit(stdout, rows, ctx->format, "items") < 0 ? EXIT_ENV : EXIT_OK;
	} else if (ctx->format != OUT_TEXT) {
		out_node *cv = out_set_arr(o, "coverage", "clause");
		for (size_t i = 0; i < smsaudit_coverage_count(c.cov); i++) {
			const smsaudit_coverage_row *r = smsaudit_coverage_at(c.cov, i);
			out_node *co = out_push_obj(cv);
			out_set_str(co, "clause", r->unit->id);
			out_set_bool(co, "mandatory", r->mandatory);
			out_node *by = out_set_arr(co, "surveillances", "surveillance");
			for (size_t k = 0; k < smsaudit_coverage_slots(c.cov); k++)
				if (r->covered & (1u << k)) {
					char num[24];
					snprintf(num, sizeof(num), "%zu", k + 1);
					out_push_str(by, num);
				}
			out_set_bool(co, "recertification", (r->covered >> SMSAUDIT_COVERAGE_RECERT_BIT) & 1);
		}
		rc = out_emit(stdout, o, ctx->format, "cycle") < 0 ? EXIT_ENV : EXIT_OK;
	} else {
		printf("%sCertification cycle%s — %s (commit %.12s, as of %s)\n", cli_sgr(ctx, "1"), cli_sgr(ctx, "0"),
		       cli_organisation(&c.v), c.v.hex, asof);
		if (smsaudit_cycle_decision(c.cy)) {
			char d[11], x[11];
			smsaudit_date_format(d, smsaudit_cycle_decision(c.cy));
			smsaudit_date_format(x, smsaudit_cycle_expiry(c.cy));
			printf("Certified on %s, certificate valid until %s: %s; %d surveillances in the cycle\n\n", d, x,
			       smsaudit_cycle_phase_name(smsaudit_cycle_phase_get(c.cy)), smsaudit_cycle_surveillances(c.cy));
		} else {
			printf("Not certified yet: no certification decision recorded (smsaudit sms set-cycle)\n\n");
		}
		static const char *const keys[] = { "what", "due", "status", "dates", "audit", "note" };
		static const char *const heads[] = { "WHAT", "DUE", "STATUS", "DATES", "AUDIT", "NOTE" };
		out_table(stdout, ctx, rows, keys, heads, 6);
		if (next) {
			char name[40], d[11] = "no date";
			cli_cycle_item_name(name, sizeof(name), next);
			if (next->due)
				smsaudit_date_format(d, next->due);
			printf("\n%sNext%s: %s, due %s (%s)\n", cli_sgr(ctx, "1"), cli_sgr(ctx, "0"), name, d,
			       smsaudit_item_status_name(next->status));
		}
		printf("\n%sCoverage across the cycle%s (S: surveillance, R: recertification, pin: pinned)\n",
		       cli_sgr(ctx, "1"), cli_sgr(ctx, "0"));
		coverage_table(ctx, cov, c.cov, 's', 1);
		print_holes(ctx, c.cov, "no audit of the cycle covers");
		print_warnings(c.cov);
		rc = EXIT_OK;
	}
	out_free(cov);
	out_free(rows);
	out_free(o);
	cycle_view_close(&c);
	return rc;
}

/* Apply --pin CLAUSE=N and --unpin CLAUSE, each a signed change to smsaudit.xml. */
static int apply_pins(cli_ctx *ctx, const cycle_args *a)
{
	for (size_t i = 0; i < a->npins; i++) {
		const char *eq = strchr(a->pins[i], '=');
		char *end = NULL;
		long n = eq ? strtol(eq + 1, &end, 10) : 0;
		if (!eq || eq == a->pins[i] || !end || *end || n < 1 || n > 10)
			return cli_usage("cycle", "--pin %s: expected CLAUSE=N with N from 1 to 10", a->pins[i]);
	}
	if (!a->npins && !a->nunpins)
		return -1;
	cli_session s;
	int rc = cli_session_open(ctx, &s, 1);
	if (rc >= 0)
		return rc;
	for (size_t i = 0; rc < 0 && i < a->nunpins + a->npins; i++) {
		char clause[40];
		int n = 0;
		if (i < a->nunpins) {
			snprintf(clause, sizeof(clause), "%s", a->unpins[i]);
		} else {
			const char *pin = a->pins[i - a->nunpins], *eq = strchr(pin, '=');
			snprintf(clause, sizeof(clause), "%.*s", (int)(eq - pin) < 39 ? (int)(eq - pin) : 39, pin);
			n = atoi(eq + 1);
		}
		int r = smsaudit_store_pin(s.store, s.me, clause, n);
		if (r < 0)
			rc = cli_fail(r);
		else if (n)
			printf("Pinned %s to surveillance %d.\n", clause, n);
		else
			printf("Unpinned %s.\n", clause);
	}
	cli_session_close(&s);
	return rc;
}

static int cycle_plan(cli_ctx *ctx, const cycle_args *a)
{
	int nsurv = 0;
	if (a->surveillances) {
		char *end = NULL;
		long n = strtol(a->surveillances, &end, 10);
		if (!*a->surveillances || *end || n < 1 || n > 10)
			return cli_usage("cycle", "--surveillances: expected a number from 1 to 10, not '%s'", a->surveillances);
		nsurv = (int)n;
	}
	int rc = apply_pins(ctx, a);
	if (rc >= 0)
		return rc;
	cycle_view c;
	if ((rc = cycle_view_open(ctx, &c, "cycle", a->at, nsurv)) >= 0)
		return rc;
	size_t nslots = smsaudit_coverage_slots(c.cov), nitems = 0;
	const smsaudit_mandatory_item *mi = smsaudit_mandatory_items(&nitems);
	out_node *o = out_object();
	out_set_str(o, "commit", c.v.hex);
	out_node *slots = out_set_arr(o, "surveillances", "surveillance");
	for (size_t k = 0; k < nslots; k++) {
		const smsaudit_coverage_slot *s = smsaudit_coverage_slot_at(c.cov, k);
		out_node *so = out_push_obj(slots);
		out_set_int(so, "number", (long long)k + 1);
		put_date(so, "due", s->due);
		out_set_str(so, "audit", s->audit ? s->audit->plan->id : "");
		out_set_str(so, "scope", s->fixed ? "fixed by its plan" : "computed");
		out_node *cl = out_set_arr(so, "clauses", "clause");
		for (size_t i = 0; i < smsaudit_coverage_count(c.cov); i++) {
			const smsaudit_coverage_row *r = smsaudit_coverage_at(c.cov, i);
			if ((r->covered & (1u << k)) && !r->mandatory)
				out_push_str(cl, r->unit->id);
		}
	}
	out_node *mand = out_set_arr(o, "mandatory", "item");
	for (size_t i = 0; i < nitems; i++) {
		out_node *m = out_push_obj(mand);
		out_set_str(m, "what", mi[i].what);
		out_set_str(m, "clauses", mi[i].clauses);
	}
	out_set_int(o, "holes", (long long)smsaudit_coverage_holes(c.cov));
	out_node *cov = coverage_rows(c.cov, 's', 1);
	if (OUT_TABULAR(ctx->format)) {
		rc = out_emit(stdout, cov, ctx->format, "coverage") < 0 ? EXIT_ENV : EXIT_OK;
	} else if (ctx->format != OUT_TEXT) {
		rc = out_emit(stdout, o, ctx->format, "rotation") < 0 ? EXIT_ENV : EXIT_OK;
	} else {
		int width = out_term_width(ctx);
		printf("%sSurveillance rotation%s (commit %.12s): %zu surveillance%s\n\n", cli_sgr(ctx, "1"),
		       cli_sgr(ctx, "0"), c.v.hex, nslots, nslots == 1 ? "" : "s");
		printf("Every surveillance covers:\n");
		for (size_t i = 0; i < nitems; i++)
			printf("  - %s%s%s%s\n", mi[i].what, *mi[i].clauses ? " (" : "", mi[i].clauses,
			       *mi[i].clauses ? ")" : "");
		for (size_t k = 0; k < nslots; k++) {
			const smsaudit_coverage_slot *s = smsaudit_coverage_slot_at(c.cov, k);
			char due[11] = "-";
			if (s->due)
				smsaudit_date_format(due, s->due);
			printf("\n%sSurveillance %zu%s, due %s%s%s%s\n  ", cli_sgr(ctx, "1"), k + 1, cli_sgr(ctx, "0"), due,
			       s->audit ? ", " : "", s->audit ? s->audit->plan->id : "",
			       s->fixed ? " (scope fixed by its plan)" : "");
			char line[4096];
			size_t used = 0;
			line[0] = '\0';
			for (size_t i = 0; i < smsaudit_coverage_count(c.cov) && used < sizeof(line) - 64; i++) {
				const smsaudit_coverage_row *r = smsaudit_coverage_at(c.cov, i);
				if ((r->covered & (1u << k)) && !r->mandatory)
					used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s%s", used ? ", " : "",
					                         r->unit->id, r->pinned == (int)k + 1 ? " (pinned)" : "");
			}
			out_wrap(stdout, used ? line : "mandatory items only", 2, width);
		}
		printf("\n");
		coverage_table(ctx, cov, c.cov, 's', 1);
		print_holes(ctx, c.cov, "no surveillance nor the recertification covers");
		rc = EXIT_OK;
	}
	print_warnings(c.cov);
	out_free(cov);
	out_free(o);
	cycle_view_close(&c);
	return rc;
}

int cli_programme(cli_ctx *ctx, const char *year_arg, const char *at)
{
	char *end = NULL;
	long year = year_arg ? strtol(year_arg, &end, 10) : 0;
	if (!year_arg || !*year_arg || *end || year < 1970 || year > 9999)
		return cli_usage("audit", "'audit programme' needs --year YYYY");
	cycle_view c;
	memset(&c, 0, sizeof(c));
	int rc = cli_view_open(ctx, &c.v, "audit", at, NULL, 0);
	if (rc >= 0)
		return rc;
	const smsaudit_sms_policy *p = smsaudit_state_policy(c.v.st);
	int r = smsaudit_audits_compute(&c.as, c.v.st, c.v.as_of);
	if (r == 0)
		r = smsaudit_programme_compute(&c.cov, smsaudit_store_catalogue(c.v.store), p, c.as, (int)year);
	if (r < 0) {
		cycle_view_close(&c);
		return cli_fail(r);
	}
	time_t from, to;
	smsaudit_coverage_window(c.cov, &from, &to);
	out_node *o = out_object();
	put_date(o, "from", from);
	put_date(o, "to", to);
	out_node *audits = out_set_arr(o, "audits", "audit");
	out_node *arows = out_array("audit");
	for (size_t k = 0; k < smsaudit_coverage_slots(c.cov); k++) {
		const smsaudit_audit *au = smsaudit_coverage_slot_at(c.cov, k)->audit;
		for (int pass = 0; pass < 2; pass++) {
			out_node *ao = out_push_obj(pass ? arows : audits);
			char label[24];
			snprintf(label, sizeof(label), "I%zu", k + 1);
			out_set_str(ao, "slot", label);
			out_set_str(ao, "id", au->plan->id);
			out_set_str(ao, "status", smsaudit_audit_status_name(au->status));
			char dates[24], f[11], t[11];
			smsaudit_date_format(f, au->from);
			smsaudit_date_format(t, au->to);
			snprintf(dates, sizeof(dates), "%s..%s", f, t);
			out_set_str(ao, "dates", dates);
			out_set_str(ao, "lead", au->plan->audit.lead);
		}
	}
	size_t holes = smsaudit_coverage_holes(c.cov);
	out_set_int(o, "holes", (long long)holes);
	out_node *cov = coverage_rows(c.cov, 'i', 0);
	if (OUT_TABULAR(ctx->format)) {
		rc = out_emit(stdout, cov, ctx->format, "coverage") < 0 ? EXIT_ENV : EXIT_OK;
	} else if (ctx->format != OUT_TEXT) {
		out_node *h = out_set_arr(o, "uncovered", "clause");
		for (size_t i = 0; i < smsaudit_coverage_count(c.cov); i++)
			if (!smsaudit_coverage_at(c.cov, i)->covered)
				out_push_str(h, smsaudit_coverage_at(c.cov, i)->unit->id);
		rc = out_emit(stdout, o, ctx->format, "programme") < 0 ? EXIT_ENV : EXIT_OK;
	} else {
		char f[11], t[11];
		smsaudit_date_format(f, from);
		smsaudit_date_format(t, to);
		printf("%sInternal audit programme%s %s..%s (every clause audited within %d months)\n\n", cli_sgr(ctx, "1"),
		       cli_sgr(ctx, "0"), f, t, p->internal_audit_months);
		if (smsaudit_coverage_slots(c.cov)) {
			static const char *const keys[] = { "slot", "id", "status", "dates", "lead" };
			static const char *const heads[] = { "", "AUDIT", "STATUS", "DATES", "LEAD" };
			out_table(stdout, ctx, arows, keys, heads, 5);
			printf("\n");
		} else {
			printf("No internal audits planned in the window (smsaudit audit plan --type internal).\n\n");
		}
		coverage_table(ctx, cov, c.cov, 'i', 0);
		print_holes(ctx, c.cov, "no internal audit in the window covers");
		if (holes) {
			printf("To cover them: smsaudit audit plan --type internal --dates FROM..TO --body TEAM --lead EMAIL");
			/* A whole clause (4 … 10) when none of it is covered. */
			const smsaudit_clause *top = NULL;
			for (size_t i = 0; holes < smsaudit_coverage_count(c.cov) && i < smsaudit_coverage_count(c.cov); i++) {
				const smsaudit_coverage_row *row = smsaudit_coverage_at(c.cov, i);
				const smsaudit_clause *tc = row->unit;
				while (tc->parent)
					tc = tc->parent;
				if (row->covered || tc == top)
					continue;
				int all = 1;
				for (size_t k = 0; k < smsaudit_coverage_count(c.cov); k++) {
					const smsaudit_clause *u = smsaudit_coverage_at(c.cov, k)->unit;
					while (u->parent)
						u = u->parent;
					all &= u != tc || !smsaudit_coverage_at(c.cov, k)->covered;
				}
				if (all)
					top = tc;
				printf(" --clause %s", all ? tc->id : row->unit->id);
			}
			printf("\n");
		}
		rc = EXIT_OK;
	}
	print_warnings(c.cov);
	out_free(cov);
	out_free(arows);
	out_free(o);
	cycle_view_close(&c);
	return rc;
}

/* ---- the sub-commands, their options and usage ---- */

static const cli_option show_opts[] = { { "at", 1, O_AT, 0 }, { NULL, 0, 0, 0 } };
static const cli_option plan_surveillance_opts[] = {
	{ "at", 1, O_AT, 0 }, { "surveillances", 1, O_SURVEILLANCES, 0 }, { "pin", 1, O_PIN, 0 },
	{ "unpin", 1, O_UNPIN, 0 }, { NULL, 0, 0, 0 }
};

const cli_sub cmd_cycle_subs[] = {
	{ "show",
	  "smsaudit cycle [show] [--at DATE] [--format F]\n",
	  show_opts },
	{ "plan-surveillance",
	  "smsaudit cycle plan-surveillance [--surveillances N] [--pin CLAUSE=N]... [--unpin CLAUSE]...\n",
	  plan_surveillance_opts },
	{ NULL, NULL, NULL }
};

const char cmd_cycle_help[] =
	"'show' (the default) prints the current cycle as of a date: the initial audits\n"
	"and the certification decision (due within 6 months of stage 2's last day),\n"
	"each surveillance (the n-th due within 12*n months of the decision; at least\n"
	"one in every calendar year but the recertification year), the\n"
	"recertification (concluded before the expiry; due soon from 6 months ahead),\n"
	"the expiry and, once expired, the 6-month restoration window. Each line is\n"
	"done, late, planned, open, due-soon, overdue or info. Then the coverage of\n"
	"clauses across the cycle's surveillances (S1, S2, ...) and recertification (R).\n"
	"Record the decision with 'smsaudit sms set-cycle'.\n"
	"\n"
	"'plan-surveillance' shows the rotation: every surveillance covers the mandatory\n"
	"items (internal audit and management review, actions on nonconformities,\n"
	"complaints, objectives, improvement, changes, use of marks); the other\n"
	"clauses (clause-8 processes and the second-level clauses of 4-7, 9, 10) are\n"
	"spread evenly, in order, over the surveillances. A surveillance planned with\n"
	"--clause keeps that scope. --pin CLAUSE=N puts a clause in the N-th\n"
	"surveillance and --unpin takes it back (a quality manager signs the change to\n"
	"smsaudit.xml); --surveillances N shows the rotation for N surveillances.\n"
	"Clauses nothing covers are listed.\n"
	"\n"
	"examples:\n"
	"  smsaudit cycle --at 2027-01-15\n"
	"  smsaudit --as ada@example.org cycle plan-surveillance --pin 8.5.1=1 --pin 8.7.2=2\n";


/* The sub-command may follow options ('cycle --at DATE' is 'cycle show --at
 * DATE'): it is the first argument that is neither an option nor an option's
 * value (every option of cycle takes one, as do the common ones but --help).
 * NULL when there is none; *help when --help comes before it. */
static const char *find_sub(int argc, char **argv, int *help)
{
	*help = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			return i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			*help = 1;
		else if (a[0] == '-' && a[1] && !strchr(a, '='))
			i++;
		else if (a[0] != '-' || !a[1])
			return a;
	}
	return NULL;
}

int cmd_cycle(cli_ctx *ctx, int argc, char **argv)
{
	int help;
	const char *name = find_sub(argc, argv, &help);
	if (!name && help) {
		cli_print_help(cli_find_command("cycle"), stdout);
		return EXIT_OK;
	}
	const cli_sub *sub = cli_sub_named("cycle", name ? name : "show");
	if (!sub)
		return cli_usage("cycle", "unknown sub-command 'cycle %s'", name);
	cycle_args a;
	memset(&a, 0, sizeof(a));
	char **pos = NULL;
	int npos = 0;
	int rc = cli_parse_sub(ctx, "cycle", sub, argc, argv, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	if (a.too_many)
		rc = cli_usage("cycle", "at most %d of each repeated option", MAX_PINS);
	else if (npos > 1)
		rc = cli_usage("cycle", "unexpected argument '%s'", pos[1]);
	else if (strcmp(sub->name, "plan-surveillance") == 0)
		rc = cycle_plan(ctx, &a);
	else
		rc = cycle_show(ctx, &a);
	free(pos);
	return rc;
}

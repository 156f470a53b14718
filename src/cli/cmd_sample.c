/* smsaudit sample AUDIT: a pack's process samples, drawn again and explained. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { O_AS_OF = 1, O_COMMIT, O_DEFINITION, O_UNIT, O_EXPLAIN };

typedef struct {
	const char *as_of, *commit, *definition, *unit;
	int explain;
} sample_args;

static int on_opt(int id, const char *arg, void *u)
{
	sample_args *a = u;
	switch (id) {
	case O_AS_OF: a->as_of = arg; break;
	case O_COMMIT: a->commit = arg; break;
	case O_DEFINITION: a->definition = arg; break;
	case O_UNIT: a->unit = arg; break;
	case O_EXPLAIN: a->explain = 1; break;
	default: break;
	}
	return -1;
}

const char cmd_sample_help[] =
	"usage: smsaudit sample AUDIT [--as-of DATE | --commit REV] [--definition FILE]\n"
	"                       [--unit ID] [--explain]\n"
	"\n"
	"Draws the process samples of AUDIT's pack again, as 'pack' with the same audit,\n"
	"date or commit and definition draws them, and prints for each process (or only\n"
	"--unit ID, a clause such as 8.6) its population and the items drawn. A population\n"
	"is the process's records of operation in the samples section's period; a ticket\n"
	"export (a CSV record) counts one item per data row, '<record>#<row>'. The rule:\n"
	"the whole population up to 5 items, above that ceil(sqrt(N)) + 1, at most 25;\n"
	"the items drawn are those with the smallest SHA-256 of\n"
	"'<source commit>\\n<unit>\\n<item>' (no final newline), so sha256sum reproduces\n"
	"each value. --explain lists every item with its value, '*' marking the drawn.\n"
	"Nothing is written.\n"
	"\n"
	"examples:\n"
	"  smsaudit sample audit-20270201-3fa9 --as-of 2027-03-01\n"
	"  smsaudit sample audit-20270201-3fa9 --commit 1a2b3c4d5e6f --unit 8.6 --explain\n";

static int print_sample(const smsaudit_report_sample *s, void *u)
{
	const sample_args *a = u;
	char f[11] = "", t[11];
	if (s->from)
		smsaudit_date_format(f, s->from);
	smsaudit_date_format(t, s->to);
	printf("%s %s (%s, %s%s%s): population %zu (%zu record%s), sample %zu\n", s->unit, cli_safe(s->unit_title),
	       cli_safe(s->section), s->from ? f : "", s->from ? " to " : "up to ", t, s->n, s->nrecords,
	       s->nrecords == 1 ? "" : "s", s->size);
	for (size_t i = 0; i < s->n; i++)
		if (a->explain)
			printf("  %c %s  %s\n", s->drawn[i] ? '*' : ' ', s->digests[i], s->keys[i]);
		else if (s->drawn[i])
			printf("  %s\n", s->keys[i]);
	return 0;
}

int cmd_sample(cli_ctx *ctx, int argc, char **argv)
{
	static const cli_option opts[] = { { "as-of", 1, O_AS_OF, 0 },         { "commit", 1, O_COMMIT, 0 },
		                               { "definition", 1, O_DEFINITION, 0 }, { "unit", 1, O_UNIT, 0 },
		                               { "explain", 0, O_EXPLAIN, 0 },        { NULL, 0, 0, 0 } };
	sample_args a = { NULL, NULL, NULL, NULL, 0 };
	char **pos = NULL;
	int npos = 0;
	int rc = cli_parse(ctx, "sample", argc, argv, opts, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	const char *audit = npos == 1 ? pos[0] : NULL;
	free(pos);
	if (!audit)
		return cli_usage("sample", "'sample' needs one audit id");
	cli_view v;
	if ((rc = cli_view_open(ctx, &v, "sample", a.as_of, a.commit, 0)) >= 0)
		return rc;
	smsaudit_pack_model m;
	smsaudit_pack_model_options mo = SMSAUDIT_PACK_MODEL_OPTIONS_INIT;
	mo.audit = audit;
	mo.as_of = v.as_of;
	mo.definition = a.definition;
	int r = smsaudit_pack_model_build(&m, v.store, v.st, &mo);
	if (r == 0) {
		if (a.explain)
			printf("Seed: source commit %s; rule: %s.\n", m.commit, SMSAUDIT_SAMPLE_RULE);
		r = smsaudit_report_samples(&m, a.unit, print_sample, &a);
		smsaudit_pack_model_dispose(&m);
	}
	rc = r < 0 ? cli_fail(r) : EXIT_OK;
	cli_view_close(&v);
	return rc;
}

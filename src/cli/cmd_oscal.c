/* smsaudit oscal: NIST OSCAL 1.2.2 exports (oscal.h) of the catalogue, the gap
 * analysis and the open findings. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "smsaudit/oscal.h"

enum { O_OUT = 1, O_AT };

static const cli_option catalog_opts[] = { { "output", 1, O_OUT, 'o' }, { NULL, 0, 0, 0 } };
static const cli_option state_opts[] = { { "output", 1, O_OUT, 'o' }, { "at", 1, O_AT, 0 }, { NULL, 0, 0, 0 } };

const cli_sub cmd_oscal_subs[] = {
	{ "catalog", "smsaudit oscal catalog [-o FILE.xml]\n", catalog_opts },
	{ "assessment-results", "smsaudit oscal assessment-results [-o FILE.xml] [--at DATE]\n", state_opts },
	{ "poam", "smsaudit oscal poam [-o FILE.xml] [--at DATE]\n", state_opts },
	{ NULL, NULL, NULL }
};

const char cmd_oscal_help[] =
	"NIST OSCAL 1.2.2 documents (XML) for tools that read OSCAL:\n"
	"  catalog             the catalogue in use (--catalogue, or the built-in one):\n"
	"                      clauses 4-10 as groups, the others as controls, with our\n"
	"                      paraphrases as statements and the expected evidence (kind,\n"
	"                      stage, freshness) as parts and props; no repository needed\n"
	"  assessment-results  the gap analysis at a date: one observation per piece of\n"
	"                      evidence judged (its record path and content SHA-256), one\n"
	"                      finding per assessable clause (satisfied when conformant)\n"
	"  poam                the findings open at a date as risks with their corrective\n"
	"                      actions (planned or completed, with due dates), their steps\n"
	"                      as a risk log, and one POA&M item each\n"
	"UUIDs are name-based (version 5) from record ids, clauses, the commit and the\n"
	"date, so the same repository gives the same UUIDs on every run. Properties OSCAL\n"
	"has no field for are in the namespace " SMSAUDIT_OSCAL_NS ". The file is\n"
	"written whole or not at all; without -o the document goes to standard output.\n"
	"\n"
	"examples:\n"
	"  smsaudit oscal catalog -o iso20000-catalog.xml\n"
	"  smsaudit oscal assessment-results --at 2027-03-01 -o gap-results.xml\n"
	"  smsaudit oscal poam -o poam.xml\n";

typedef struct {
	const char *out, *at;
} oscal_args;

static int on_opt(int id, const char *arg, void *u)
{
	oscal_args *a = u;
	if (id == O_OUT)
		a->out = arg;
	else if (id == O_AT)
		a->at = arg;
	return -1;
}

static int emit(const oscal_args *a, const smsaudit_buf *doc)
{
	if (a->out) {
		int rc = cli_write_file(a->out, doc->ptr, doc->size);
		return rc >= 0 ? rc : EXIT_OK;
	}
	return fwrite(doc->ptr, 1, doc->size, stdout) == doc->size ? EXIT_OK : EXIT_ENV;
}

int cmd_oscal(cli_ctx *ctx, int argc, char **argv)
{
	const cli_sub *s = NULL;
	int rc = cli_sub_find("oscal", argc, argv, &s);
	if (rc >= 0)
		return rc;
	oscal_args a = { NULL, NULL };
	char **pos = NULL;
	int npos = 0;
	rc = cli_parse_sub(ctx, "oscal", s, argc - 1, argv + 1, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	free(pos);
	if (npos)
		return cli_usage("oscal", "unexpected argument; the file goes after -o");
	if (a.out && !*a.out)
		return cli_usage("oscal", "-o needs a file name");
	smsaudit_buf doc = SMSAUDIT_BUF_INIT;
	smsaudit_oscal_options o = SMSAUDIT_OSCAL_OPTIONS_INIT;
	o.now = smsaudit_now();
	int r;
	if (strcmp(s->name, "catalog") == 0) {
		smsaudit_catalogue *cat = NULL;
		r = cli_load_catalogue(ctx, &cat);
		if (r == 0)
			r = smsaudit_oscal_catalog(&doc, cat, &o);
		smsaudit_catalogue_free(cat);
		rc = r < 0 ? cli_fail(r) : emit(&a, &doc);
		smsaudit_buf_dispose(&doc);
		return rc;
	}
	cli_view v;
	if ((rc = cli_view_open(ctx, &v, "oscal", a.at, NULL, 0)) >= 0)
		return rc;
	o.as_of = v.as_of;
	o.organisation = cli_organisation(&v);
	const smsaudit_catalogue *cat = smsaudit_store_catalogue(v.store);
	if (strcmp(s->name, "poam") == 0)
		r = smsaudit_oscal_poam(&doc, cat, v.st, &o);
	else
		r = smsaudit_oscal_assessment_results(&doc, cat, v.st, &o);
	rc = r < 0 ? cli_fail(r) : emit(&a, &doc);
	smsaudit_buf_dispose(&doc);
	cli_view_close(&v);
	return rc;
}

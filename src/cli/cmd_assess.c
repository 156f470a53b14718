/* smsaudit assess CLAUSE --result R --note TEXT [--other-party NAME] */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { O_RESULT = 1, O_NOTE, O_OTHER };

typedef struct {
	const char *result, *note, *other;
} assess_args;

static int on_opt(int id, const char *arg, void *u)
{
	assess_args *a = u;
	if (id == O_RESULT)
		a->result = arg;
	else if (id == O_NOTE)
		a->note = arg;
	else if (id == O_OTHER)
		a->other = arg;
	return -1;
}

const char cmd_assess_help[] =
	"usage: smsaudit assess CLAUSE --result RESULT --note TEXT [--other-party NAME]\n"
	"\n"
	"RESULT is conformant, partial, nonconformant or not-assessed. There is no 'not\n"
	"applicable': ISO/IEC 20000-1 allows no exclusions in clauses 4-10. When another\n"
	"party (a supplier, an internal group, a customer) operates the process, name it\n"
	"with --other-party: the gap analysis then expects evidence of your control over\n"
	"that party under 8.2.3, linked to both 8.2.3 and CLAUSE. Signed by a quality\n"
	"manager or a process owner. The latest assessment of a clause counts; a\n"
	"self-assessment can lower a clause's status in the gap analysis, never raise it.\n"
	"\n"
	"examples:\n"
	"  smsaudit assess 8.5.1.2 --result partial --note \"RFCs recorded, not all classified\"\n"
	"  smsaudit assess 8.6.2 --result conformant --other-party \"Acme Hosting Ltd\" \\\n"
	"      --note \"Service requests fulfilled by Acme under contract C-12\"\n";


int cmd_assess(cli_ctx *ctx, int argc, char **argv)
{
	static const cli_option opts[] = {
		{ "result", 1, O_RESULT, 0 }, { "note", 1, O_NOTE, 0 }, { "other-party", 1, O_OTHER, 0 }, { NULL, 0, 0, 0 }
	};
	assess_args a = { NULL, NULL, NULL };
	char **pos = NULL;
	int npos = 0;
	int rc = cli_parse(ctx, "assess", argc, argv, opts, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	const char *clause = npos == 1 ? pos[0] : NULL;
	free(pos);
	if (!clause)
		return cli_usage("assess", "give exactly one clause id");
	if (!a.result)
		return cli_usage("assess", "--result is required (conformant, partial, nonconformant, not-assessed)");
	if (!a.note)
		return cli_usage("assess", "--note is required: say what the assessment found");
	smsaudit_assessment_result result;
	if (smsaudit_assessment_result_parse(&result, a.result) < 0)
		return cli_usage("assess", "%s", smsaudit_error_last()->message);
	cli_session s;
	if ((rc = cli_session_open(ctx, &s, 1)) >= 0)
		return rc;
	char id[SMSAUDIT_ID_MAX];
	int r = smsaudit_store_assess(id, s.store, s.me, clause, result, a.other, a.note);
	if (r < 0) {
		rc = cli_fail(r);
	} else {
		printf("Assessed %s as %s (%s)%s%s.\n", clause, a.result, id, a.other ? "; operated by " : "",
		       a.other ? a.other : "");
		rc = EXIT_OK;
	}
	cli_session_close(&s);
	return rc;
}

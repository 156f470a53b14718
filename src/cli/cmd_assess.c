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

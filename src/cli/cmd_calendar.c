/* smsaudit calendar: everything due, as an iCalendar file (the agenda, agenda.h). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "smsaudit/agenda.h"

const char cmd_calendar_help[] =
	"usage: smsaudit calendar [-o FILE.ics] [--at DATE]\n"
	"\n"
	"An RFC 5545 calendar of everything due, one all-day event each: audits (dates,\n"
	"team, sites), the certification cycle (stage 1 and 2, decision, surveillances,\n"
	"recertification, certificate expiry and restoration), the end of the year's\n"
	"internal audit programme, nonconformity deadlines (plan, actions, verification),\n"
	"evidence expiry, expected records whose period stops counting (a new record is\n"
	"needed), and people's signing certificates. Each event's UID comes from the\n"
	"records behind it and its SEQUENCE grows with each signed change, so a calendar\n"
	"that subscribes to the file updates events instead of adding them again.\n"
	"Evidence superseded or withdrawn stays as a cancelled event. Without -o the\n"
	"calendar goes to standard output; with it, the file is written whole or not at all.\n"
	"\n"
	"examples:\n"
	"  smsaudit calendar -o sms.ics\n"
	"  smsaudit calendar --at 2027-03-01 > sms.ics\n";

enum { O_OUT = 1, O_AT };

typedef struct {
	const char *out, *at;
} cal_args;

static int on_opt(int id, const char *arg, void *u)
{
	cal_args *a = u;
	if (id == O_OUT)
		a->out = arg;
	else if (id == O_AT)
		a->at = arg;
	return -1;
}

int cmd_calendar(cli_ctx *ctx, int argc, char **argv)
{
	static const cli_option opts[] = { { "output", 1, O_OUT, 'o' }, { "at", 1, O_AT, 0 }, { NULL, 0, 0, 0 } };
	cal_args a = { NULL, NULL };
	char **pos = NULL;
	int npos = 0;
	int rc = cli_parse(ctx, "calendar", argc, argv, opts, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	free(pos);
	if (npos)
		return cli_usage("calendar", "unexpected argument; the file goes after -o");
	if (a.out && !*a.out)
		return cli_usage("calendar", "-o needs a file name");
	cli_view v;
	if ((rc = cli_view_open(ctx, &v, "calendar", a.at, NULL, 0)) >= 0)
		return rc;
	smsaudit_agenda *ag = NULL;
	smsaudit_buf ics = SMSAUDIT_BUF_INIT;
	int r = smsaudit_agenda_compute(&ag, smsaudit_store_catalogue(v.store), v.st, v.as_of, SMSAUDIT_DUE_SOON_DAYS);
	if (r == 0)
		r = smsaudit_agenda_ics(&ics, ag, cli_organisation(&v), smsaudit_now());
	if (r < 0) {
		rc = cli_fail(r);
	} else if (a.out) {
		rc = cli_write_file(a.out, ics.ptr, ics.size);
		if (rc < 0) {
			size_t n = smsaudit_agenda_count(ag);
			fprintf(stderr, "smsaudit: %zu event%s written to %s\n", n, n == 1 ? "" : "s", cli_safe(a.out));
			rc = EXIT_OK;
		}
	} else {
		rc = fwrite(ics.ptr, 1, ics.size, stdout) == ics.size ? EXIT_OK : EXIT_ENV;
	}
	smsaudit_buf_dispose(&ics);
	smsaudit_agenda_free(ag);
	cli_view_close(&v);
	return rc;
}

/*
 * smsaudit remind: what is overdue or due soon, per person responsible, as a
 * list or as one mail each (RFC 5322) for sendmail -t from cron. What is due,
 * and who answers for it, is the agenda's (agenda.h); this lays it out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "smsaudit/agenda.h"

const char cmd_remind_help[] =
	"usage: smsaudit remind [--days N] [--at DATE] [--mail [--to-dir DIR] [--from ADDRESS]]\n"
	"\n"
	"What is overdue or due within N days (default 30), person by person: the people\n"
	"an item names (an action's owner, an audit's lead and team, who collected the\n"
	"evidence) and the quality managers for the SMS's own dates (the cycle, the\n"
	"programme, a finding's deadlines). The items are the calendar's ('smsaudit\n"
	"calendar'). With --mail, one RFC 5322 message per person (UTF-8, LF line ends as\n"
	"sendmail(1) reads them): to standard output as an mbox, or with --to-dir DIR one\n"
	"file DIR/<email>.eml each, written whole, for 'sendmail -t'. From: is --from, or\n"
	"the first quality manager. Nobody due, no message.\n"
	"\n"
	"examples:\n"
	"  smsaudit remind --days 14\n"
	"  smsaudit remind --mail --to-dir outbox && for m in outbox/*.eml; do sendmail -t < \"$m\" && rm \"$m\"; done\n";

enum { O_DAYS = 1, O_AT, O_MAIL, O_TO_DIR, O_FROM };

typedef struct {
	const char *days, *at, *to_dir, *from;
	int mail;
} remind_args;

static int on_opt(int id, const char *arg, void *u)
{
	remind_args *a = u;
	switch (id) {
	case O_DAYS: a->days = arg; break;
	case O_AT: a->at = arg; break;
	case O_MAIL: a->mail = 1; break;
	case O_TO_DIR: a->to_dir = arg; break;
	case O_FROM: a->from = arg; break;
	default: break;
	}
	return -1;
}

static int due_now(const smsaudit_agenda_item *it)
{
	return !it->cancelled && (it->due == SMSAUDIT_DUE_OVERDUE || it->due == SMSAUDIT_DUE_SOON);
}

static int names(const smsaudit_agenda_item *it, const char *email)
{
	for (size_t k = 0; k < it->npeople; k++)
		if (strcmp(it->people[k], email) == 0)
			return 1;
	return 0;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Everyone named by an item that is due, sorted, once each (pointers into the agenda). */
static const char **due_people(const smsaudit_agenda *ag, size_t *n)
{
	size_t cap = 0;
	for (size_t i = 0; i < smsaudit_agenda_count(ag); i++)
		cap += smsaudit_agenda_at(ag, i)->npeople;
	const char **v = calloc(cap ? cap : 1, sizeof(*v));
	if (!v)
		return NULL;
	*n = 0;
	for (size_t i = 0; i < smsaudit_agenda_count(ag); i++) {
		const smsaudit_agenda_item *it = smsaudit_agenda_at(ag, i);
		if (due_now(it))
			for (size_t k = 0; k < it->npeople; k++)
				v[(*n)++] = it->people[k];
	}
	qsort(v, *n, sizeof(*v), cmp_str);
	size_t w = 0;
	for (size_t i = 0; i < *n; i++)
		if (!w || strcmp(v[w - 1], v[i]) != 0)
			v[w++] = v[i];
	*n = w;
	return v;
}

/* ---- RFC 5322 / RFC 2047 ---- */

static void b64(smsaudit_buf *out, const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
		char q[4] = { tab[v >> 18 & 63], tab[v >> 12 & 63], i + 1 < n ? tab[v >> 6 & 63] : '=',
			          i + 2 < n ? tab[v & 63] : '=' };
		smsaudit_buf_put(out, q, 4);
	}
}

static void put(smsaudit_buf *out, const char *s)
{
	smsaudit_buf_put(out, s, strlen(s));
}

/* A header's text: as is when it is plain ASCII, else RFC 2047 encoded words
 * of whole UTF-8 characters, folded. Line breaks never reach a header. */
static void header_text(smsaudit_buf *out, const char *s, int phrase)
{
	int ascii = 1, special = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80 || *p < 0x20 || *p == 0x7f)
			ascii = 0;
		else if (strchr("()<>[]:;@\\,.\"", *p))
			special = 1;
	}
	if (ascii && !(phrase && special)) {
		put(out, s);
		return;
	}
	if (ascii) {
		smsaudit_buf_put(out, "\"", 1);
		for (const char *p = s; *p; p++) {
			if (*p == '"' || *p == '\\')
				smsaudit_buf_put(out, "\\", 1);
			smsaudit_buf_put(out, p, 1);
		}
		smsaudit_buf_put(out, "\"", 1);
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), at = 0;
	int first = 1;
	while (at < len) {
		size_t n = len - at > 42 ? 42 : len - at;
		while (at + n < len && (p[at + n] & 0xc0) == 0x80)
			n--;
		if (!first)
			put(out, "\n ");
		put(out, "=?UTF-8?B?");
		unsigned char chunk[48];
		memcpy(chunk, p + at, n);
		for (size_t k = 0; k < n; k++)
			if (chunk[k] < 0x20 || chunk[k] == 0x7f)
				chunk[k] = ' ';
		b64(out, chunk, n);
		put(out, "?=");
		at += n;
		first = 0;
	}
}

static void mailbox(smsaudit_buf *out, const char *name, const char *email)
{
	if (name && *name) {
		header_text(out, name, 1);
		put(out, " <");
		put(out, email);
		put(out, ">");
	} else {
		put(out, email);
	}
}

/* RFC 5322 date-time without locale: "Thu, 03 Dec 2026 15:05:22 +0000". */
static void mail_date(char out[40], time_t t)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
		                              "Dec" };
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", wd[tm.tm_wday % 7], tm.tm_mday, mo[tm.tm_mon % 12],
	         tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

typedef struct {
	const char *org;
	const char *from_name, *from_email;
	time_t now, as_of;
	int days;
} mail_ctx;

static void item_line(smsaudit_buf *out, const smsaudit_agenda_item *it)
{
	char d[11];
	smsaudit_date_format(d, it->from);
	put(out, "  ");
	put(out, d);
	put(out, "  ");
	/* One line each: a summary never carries a line break into the body. */
	for (const char *p = it->summary; *p; p++)
		smsaudit_buf_put(out, *p == '\n' || *p == '\r' ? " " : p, 1);
	put(out, "\n");
}

static void message(smsaudit_buf *out, const mail_ctx *m, const smsaudit_agenda *ag, const char *email)
{
	size_t over = 0, soon = 0;
	for (size_t i = 0; i < smsaudit_agenda_count(ag); i++) {
		const smsaudit_agenda_item *it = smsaudit_agenda_at(ag, i);
		if (due_now(it) && names(it, email)) {
			over += it->due == SMSAUDIT_DUE_OVERDUE;
			soon += it->due == SMSAUDIT_DUE_SOON;
		}
	}
	char date[40], asof[11], subject[600], id[120];
	mail_date(date, m->now);
	smsaudit_date_format(asof, m->as_of);
	snprintf(subject, sizeof(subject), "[smsaudit] %s: %zu overdue, %zu due within %d days", m->org, over, soon,
	         m->days);
	snprintf(id, sizeof(id), "<remind-%.4s%.2s%.2s-%016llx@smsaudit.invalid>", asof, asof + 5, asof + 8,
	         (unsigned long long)fnv1a(email));
	const char *name = smsaudit_agenda_person_name(ag, email);
	put(out, "From: ");
	mailbox(out, m->from_name, m->from_email);
	put(out, "\nTo: ");
	mailbox(out, name, email);
	put(out, "\nSubject: ");
	header_text(out, subject, 0);
	put(out, "\nDate: ");
	put(out, date);
	put(out, "\nMessage-ID: ");
	put(out, id);
	put(out, "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n"
	         "Auto-Submitted: auto-generated\n\n");
	put(out, "Hello");
	if (name) {
		put(out, " ");
		put(out, name);
	}
	put(out, ",\n\nThese ISO/IEC 20000-1 items of ");
	put(out, m->org);
	put(out, " are yours as of ");
	put(out, asof);
	put(out, ".\n");
	for (int pass = 0; pass < 2; pass++) {
		smsaudit_due_status want = pass ? SMSAUDIT_DUE_SOON : SMSAUDIT_DUE_OVERDUE;
		if (!(pass ? soon : over))
			continue;
		char head[80];
		snprintf(head, sizeof(head), pass ? "\nDue within %d days:\n" : "\nOverdue:\n", m->days);
		put(out, head);
		for (size_t i = 0; i < smsaudit_agenda_count(ag); i++) {
			const smsaudit_agenda_item *it = smsaudit_agenda_at(ag, i);
			if (due_now(it) && it->due == want && names(it, email))
				item_line(out, it);
		}
	}
	put(out, "\n'smsaudit status' and 'smsaudit calendar' show the whole picture.\n-- \nsmsaudit\n");
}

/* The file name of one person's message: the address with anything but
 * letters, digits and . _ - @ + replaced. */
static void eml_name(char *buf, size_t size, const char *dir, const char *email)
{
	char safe[256];
	size_t n = 0;
	for (const char *p = email; *p && n + 1 < sizeof(safe); p++) {
		int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		         (strchr("._-@+", *p) && !(n == 0 && *p == '.'));
		safe[n] = ok ? *p : '_';
		n++;
	}
	safe[n] = '\0';
	snprintf(buf, size, "%s/%s.eml", dir, safe);
}

static void first_qm(const smsaudit_state *st, const char **name, const char **email)
{
	for (size_t i = 0; i < smsaudit_state_person_count(st); i++) {
		const smsaudit_person_entry *p = smsaudit_state_person_at(st, i);
		if (p->valid && p->current && !p->revoked_at && (p->record->person.roles & SMSAUDIT_ROLE_QUALITY_MANAGER)) {
			*name = p->record->person.name;
			*email = p->record->person.email;
			return;
		}
	}
}

static int send_mail(const remind_args *a, const mail_ctx *mc, const smsaudit_agenda *ag, const char **who, size_t n)
{
	int rc = EXIT_OK;
	for (size_t i = 0; i < n && rc == EXIT_OK; i++) {
		smsaudit_buf m = SMSAUDIT_BUF_INIT;
		if (!a->to_dir) {
			/* mbox: a From_ line before each message; the body never starts a line with "From ". */
			char date[40];
			time_t t = mc->now;
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
			put(&m, "From ");
			put(&m, mc->from_email);
			put(&m, " ");
			put(&m, date);
			put(&m, "\n");
		}
		message(&m, mc, ag, who[i]);
		if (!m.ptr) {
			rc = cli_error(EXIT_ENV, "out of memory");
		} else if (a->to_dir) {
			char path[4096];
			eml_name(path, sizeof(path), a->to_dir, who[i]);
			int w = cli_write_file(path, m.ptr, m.size);
			if (w >= 0)
				rc = w;
			else
				fprintf(stderr, "smsaudit: reminder for %s: %s\n", cli_safe(who[i]), cli_safe(path));
		} else {
			fwrite(m.ptr, 1, m.size, stdout);
			fputc('\n', stdout);
		}
		smsaudit_buf_dispose(&m);
	}
	return rc;
}

int cmd_remind(cli_ctx *ctx, int argc, char **argv)
{
	static const cli_option opts[] = { { "days", 1, O_DAYS, 0 }, { "at", 1, O_AT, 0 }, { "mail", 0, O_MAIL, 0 },
		                               { "to-dir", 1, O_TO_DIR, 0 }, { "from", 1, O_FROM, 0 }, { NULL, 0, 0, 0 } };
	remind_args a;
	memset(&a, 0, sizeof(a));
	char **pos = NULL;
	int npos = 0;
	int rc = cli_parse(ctx, "remind", argc, argv, opts, on_opt, &a, &pos, &npos);
	if (rc >= 0)
		return rc;
	free(pos);
	if (npos)
		return cli_usage("remind", "unexpected argument");
	int days = SMSAUDIT_DUE_SOON_DAYS;
	if (a.days) {
		char *end = NULL;
		long d = strtol(a.days, &end, 10);
		if (!*a.days || *end || d < 0 || d > 3650)
			return cli_usage("remind", "--days: expected a number of days from 0 to 3650, not '%s'", a.days);
		days = (int)d;
	}
	if ((a.to_dir || a.from) && !a.mail)
		return cli_usage("remind", "--to-dir and --from go with --mail");
	if (a.from && (!*a.from || strpbrk(a.from, "\r\n<>,; ") || !strchr(a.from, '@')))
		return cli_usage("remind", "--from: expected one address such as qm@example.org");
	cli_view v;
	if ((rc = cli_view_open(ctx, &v, "remind", a.at, NULL, 0)) >= 0)
		return rc;
	smsaudit_agenda *ag = NULL;
	int r = smsaudit_agenda_compute(&ag, smsaudit_store_catalogue(v.store), v.st, v.as_of, days);
	if (r < 0) {
		cli_view_close(&v);
		return cli_fail(r);
	}
	size_t n = 0;
	const char **who = due_people(ag, &n);
	if (!who) {
		smsaudit_agenda_free(ag);
		cli_view_close(&v);
		return cli_error(EXIT_ENV, "out of memory");
	}
	if (a.mail) {
		mail_ctx mc = { .org = cli_organisation(&v), .now = smsaudit_now(), .as_of = v.as_of,
			            .days = days, .from_email = "smsaudit@localhost" };
		if (a.from) {
			mc.from_email = a.from;
		} else {
			first_qm(v.st, &mc.from_name, &mc.from_email);
		}
		rc = send_mail(&a, &mc, ag, who, n);
	} else {
		out_node *rows = out_array("reminder");
		for (size_t p = 0; p < n; p++)
			for (size_t i = 0; i < smsaudit_agenda_count(ag); i++) {
				const smsaudit_agenda_item *it = smsaudit_agenda_at(ag, i);
				if (!due_now(it) || !names(it, who[p]))
					continue;
				out_node *o = out_push_obj(rows);
				const char *nm = smsaudit_agenda_person_name(ag, who[p]);
				out_set_str(o, "person", who[p]);
				out_set_str(o, "name", nm ? nm : "");
				out_set_str(o, "status", smsaudit_due_status_name(it->due));
				out_set_date(o, "date", it->from);
				out_set_str(o, "kind", smsaudit_agenda_kind_name(it->kind));
				out_set_str(o, "what", it->summary);
				out_set_str(o, "uid", it->uid);
			}
		if (ctx->format != OUT_TEXT) {
			rc = out_emit(stdout, rows, ctx->format, "reminders") < 0 ? EXIT_ENV : EXIT_OK;
		} else if (!n) {
			char d[11];
			smsaudit_date_format(d, v.as_of);
			printf("Nothing overdue or due within %d days of %s.\n", days, d);
			rc = EXIT_OK;
		} else {
			for (size_t p = 0; p < n; p++) {
				const char *nm = smsaudit_agenda_person_name(ag, who[p]);
				printf("%s%s", p ? "\n" : "", cli_sgr(ctx, "1"));
				if (nm)
					printf("%s ", cli_safe(nm));
				printf("<%s>%s\n", cli_safe(who[p]), cli_sgr(ctx, "0"));
				out_node *mine = out_array("reminder");
				for (const char *const *k = (const char *const[]){ "overdue", "due-soon", NULL }; *k; k++)
					for (size_t i = 0; i < smsaudit_agenda_count(ag); i++) {
						const smsaudit_agenda_item *it = smsaudit_agenda_at(ag, i);
						if (!due_now(it) || !names(it, who[p]) || strcmp(smsaudit_due_status_name(it->due), *k))
							continue;
						out_node *o = out_push_obj(mine);
						out_set_str(o, "status", it->due == SMSAUDIT_DUE_OVERDUE ? "OVERDUE" : "soon");
						out_set_date(o, "date", it->from);
						out_set_str(o, "what", it->summary);
					}
				static const char *const keys[] = { "status", "date", "what" };
				static const char *const heads[] = { "STATUS", "DATE", "WHAT" };
				out_table(stdout, ctx, mine, keys, heads, 3);
				out_free(mine);
			}
			rc = EXIT_OK;
		}
		out_free(rows);
	}
	free(who);
	smsaudit_agenda_free(ag);
	cli_view_close(&v);
	return rc;
}

/*
 * The read-only site (site.h): static pages over the state, the gap analysis,
 * the findings, the audits and the cycle at one date, sharing the evidence
 * table of a pack's index.html (html.c). Written into a partial folder beside
 * the target and renamed into place.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "html.h"
#include "internal.h"
#include "smsaudit/audit.h"
#include "smsaudit/cycle.h"
#include "smsaudit/finding.h"
#include "smsaudit/gap.h"
#include "smsaudit/packmodel.h"
#include "smsaudit/site.h"

typedef struct {
	smsaudit_store *store;
	const smsaudit_state *st;
	time_t as_of;
	const char *root;              /* the partial folder */
	const char *org;
	char date[11];
	char commit[41];
	smsaudit_gap *gap;
	smsaudit_findings *fs;
	smsaudit_audits *as;
	smsaudit_cycle *cy;
	const smsaudit_evidence_entry **ev;   /* the evidence made by the as-of date */
	size_t nev;
	smsaudit_site_result *res;
} site;

static const char *const pages[][2] = {
	{ "index.html", "Status" }, { "gap.html", "Clauses" }, { "evidence.html", "Evidence" },
	{ "findings.html", "Findings" }, { "audits.html", "Audits" }, { "cycle.html", "Cycle" },
};

/* The page's head, title and the links to every page. */
static int page_begin(smsaudit_buf *b, const site *s, const char *name)
{
	char title[600];
	snprintf(title, sizeof(title), "%s — %s, as of %s", name, s->org, s->date);
	int rc = html_page_begin(b, title);
	if (rc == 0)
		rc = buf_puts(b, "<p id=\"nav\">");
	for (size_t i = 0; rc == 0 && i < sizeof(pages) / sizeof(pages[0]); i++)
		rc = buf_printf(b, "%s<a href=\"%s\">%s</a>", i ? " · " : "", pages[i][0], pages[i][1]);
	if (rc == 0)
		rc = buf_puts(b, "</p>\n<h1>");
	if (rc == 0)
		rc = html_esc(b, title);
	if (rc == 0)
		rc = buf_printf(b, "</h1>\n<p>Read from the evidence repository at commit <code>%.12s</code>; every record "
		                   "shown is signed, and <code>smsaudit verify</code> checks them all. This site is a copy: "
		                   "it changes nothing.</p>\n", s->commit);
	return rc;
}

static int page_write(site *s, const char *file, smsaudit_buf *b)
{
	int rc = buf_put(b, "", 0);
	if (rc == 0)
		rc = html_page_end(b);
	char path[4300];
	snprintf(path, sizeof(path), "%s/%s", s->root, file);
	int fd = rc == 0 ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
	if (rc == 0 && fd < 0)
		rc = error_set(SMSAUDIT_EIO, "%s: cannot create: %s", path, strerror(errno));
	for (size_t off = 0; rc == 0 && off < b->size;) {
		ssize_t w = write(fd, b->ptr + off, b->size - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = error_set(SMSAUDIT_EIO, "%s: cannot write: %s", path, strerror(errno));
		else
			off += (size_t)w;
	}
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = error_set(SMSAUDIT_EIO, "%s: cannot write: %s", path, strerror(errno));
	if (rc == 0)
		s->res->pages++;
	smsaudit_buf_dispose(b);
	return rc;
}

static int row(smsaudit_buf *b, const char *const *cells, size_t n)
{
	int rc = buf_puts(b, "<tr>");
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = html_cell(b, cells[i]);
	return rc == 0 ? buf_puts(b, "</tr>\n") : rc;
}

static int head_row(smsaudit_buf *b, const char *const *cells, size_t n)
{
	int rc = buf_puts(b, "<table><tr>");
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = buf_printf(b, "<th>%s</th>", cells[i]);
	return rc == 0 ? buf_puts(b, "</tr>\n") : rc;
}

static int index_page(site *s)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int rc = page_begin(&b, s, "Status");
	const smsaudit_gap_rollup *all = smsaudit_gap_overall(s->gap);
	size_t open = 0, overdue = 0;
	const smsaudit_sms_policy *pol = smsaudit_state_policy(s->st);
	for (size_t i = 0; i < smsaudit_findings_count(s->fs); i++) {
		const smsaudit_finding *f = smsaudit_findings_at(s->fs, i);
		if (f->phase == SMSAUDIT_PHASE_CLOSED)
			continue;
		open++;
		smsaudit_deadline dl[64];
		size_t n = smsaudit_finding_deadlines(dl, 64, f, pol);
		for (size_t k = 0; k < n; k++)
			overdue += smsaudit_deadline_status(&dl[k], s->as_of, SMSAUDIT_DUE_SOON_DAYS) == SMSAUDIT_DUE_OVERDUE;
	}
	char readiness[32], counts[200], s1[16], s2[16], nopen[32], nover[32], nev[32];
	snprintf(readiness, sizeof(readiness), "%d%%", (int)(all->readiness * 100 + 0.5));
	snprintf(counts, sizeof(counts), "%zu conformant, %zu partial, %zu gap, %zu not assessed of %zu", all->conformant,
	         all->partial, all->gap, all->not_assessed, all->total);
	snprintf(s1, sizeof(s1), "%s", smsaudit_gap_stage(s->gap, SMSAUDIT_STAGE_1)->ready ? "ready" : "not ready");
	snprintf(s2, sizeof(s2), "%s", smsaudit_gap_stage(s->gap, SMSAUDIT_STAGE_2)->ready ? "ready" : "not ready");
	snprintf(nopen, sizeof(nopen), "%zu", open);
	snprintf(nover, sizeof(nover), "%zu", overdue);
	snprintf(nev, sizeof(nev), "%zu", s->nev);
	const char *fields[][2] = {
		{ "Organisation", s->org },   { "As of", s->date },          { "Readiness", readiness },
		{ "Clauses", counts },        { "Stage 1", s1 },              { "Stage 2", s2 },
		{ "Open findings", nopen },   { "Deadlines overdue", nover }, { "Evidence records", nev },
	};
	if (rc == 0)
		rc = buf_puts(&b, "<table id=\"status\">\n");
	for (size_t i = 0; rc == 0 && i < sizeof(fields) / sizeof(fields[0]); i++) {
		rc = buf_puts(&b, "<tr><th>");
		if (rc == 0)
			rc = html_esc(&b, fields[i][0]);
		if (rc == 0)
			rc = buf_puts(&b, "</th>");
		if (rc == 0)
			rc = html_cell(&b, fields[i][1]);
		if (rc == 0)
			rc = buf_puts(&b, "</tr>\n");
	}
	if (rc == 0)
		rc = buf_puts(&b, "</table>\n");
	return rc == 0 ? page_write(s, "index.html", &b) : (smsaudit_buf_dispose(&b), rc);
}

static int gap_page(site *s)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int rc = page_begin(&b, s, "Clauses");
	static const char *const h[] = { "Clause", "Title", "Status", "Reasons" };
	if (rc == 0)
		rc = head_row(&b, h, 4);
	for (size_t i = 0; rc == 0 && i < smsaudit_gap_clause_count(s->gap); i++) {
		const smsaudit_gap_clause *g = smsaudit_gap_clause_at(s->gap, i);
		rc = buf_printf(&b, "<tr class=\"clause\" id=\"clause-%s\"><td><a href=\"evidence.html#clause-%s\">",
		                g->clause->id, g->clause->id);
		if (rc == 0)
			rc = html_esc(&b, g->clause->id);
		if (rc == 0)
			rc = buf_puts(&b, "</a></td>");
		if (rc == 0)
			rc = html_cell(&b, g->clause->title);
		if (rc == 0)
			rc = html_cell(&b, smsaudit_gap_status_name(g->status));
		if (rc == 0)
			rc = buf_puts(&b, "<td>");
		for (size_t k = 0; rc == 0 && k < g->nreasons; k++) {
			rc = html_esc(&b, g->reasons[k]);
			if (rc == 0 && k + 1 < g->nreasons)
				rc = buf_puts(&b, "<br>");
		}
		if (rc == 0)
			rc = buf_puts(&b, "</td></tr>\n");
	}
	if (rc == 0)
		rc = buf_puts(&b, "</table>\n");
	return rc == 0 ? page_write(s, "gap.html", &b) : (smsaudit_buf_dispose(&b), rc);
}

static int evidence_page(site *s)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int rc = page_begin(&b, s, "Evidence");
	if (rc == 0)
		rc = buf_puts(&b, "<p>Each file is the content its signed record vouches for (its SHA-256 is shown).</p>\n");
	for (size_t i = 0; rc == 0 && i < smsaudit_gap_clause_count(s->gap); i++) {
		const smsaudit_gap_clause *g = smsaudit_gap_clause_at(s->gap, i);
		rc = buf_printf(&b, "<h2 id=\"clause-%s\" class=\"clause\">", g->clause->id);
		if (rc == 0)
			rc = html_esc(&b, g->clause->id);
		if (rc == 0)
			rc = buf_puts(&b, " ");
		if (rc == 0)
			rc = html_esc(&b, g->clause->title);
		if (rc == 0)
			rc = buf_puts(&b, "</h2>\n");
		if (rc == 0)
			rc = html_evidence_table(&b, s->ev, s->nev, g->clause->id, "");
	}
	return rc == 0 ? page_write(s, "evidence.html", &b) : (smsaudit_buf_dispose(&b), rc);
}

static int findings_page(site *s)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int rc = page_begin(&b, s, "Findings");
	size_t n = smsaudit_findings_count(s->fs);
	if (rc == 0 && !n)
		rc = buf_puts(&b, "<p>No findings.</p>\n");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const smsaudit_finding *f = smsaudit_findings_at(s->fs, i);
		const smsaudit_finding_body *fb = &f->record->finding;
		char raised[11], at[21];
		smsaudit_date_format(raised, fb->raised_on);
		rc = buf_printf(&b, "<h2 class=\"finding\" id=\"%s\">", f->number);
		if (rc == 0)
			rc = html_esc(&b, f->number);
		if (rc == 0)
			rc = buf_printf(&b, " — %s</h2>\n<p>", smsaudit_finding_phase_name(f->phase));
		if (rc == 0)
			rc = html_esc(&b, fb->statement);
		if (rc == 0)
			rc = buf_printf(&b, "</p>\n<p>Grade %s, source %s, raised %s by ", f->grade ? f->grade->id : fb->grade,
			                smsaudit_finding_source_name(fb->source), raised);
		if (rc == 0)
			rc = html_esc(&b, f->record->made_by);
		if (rc == 0)
			rc = buf_puts(&b, "; clauses:");
		for (size_t k = 0; rc == 0 && k < fb->nclauses; k++) {
			rc = buf_printf(&b, " <a href=\"gap.html#clause-%s\">", fb->clauses[k]);
			if (rc == 0)
				rc = html_esc(&b, fb->clauses[k]);
			if (rc == 0)
				rc = buf_puts(&b, "</a>");
		}
		if (rc == 0)
			rc = buf_puts(&b, ".</p>\n");
		static const char *const h[] = { "Signed at", "Step", "By", "Text" };
		if (rc == 0 && f->nsteps)
			rc = head_row(&b, h, 4);
		for (size_t k = 0; rc == 0 && k < f->nsteps; k++) {
			const smsaudit_record *st = f->steps[k];
			smsaudit_time_format(at, st->made_at);
			const char *cells[] = { at, smsaudit_step_kind_name(st->step.kind), st->made_by,
				                st->step.text ? st->step.text : "" };
			rc = row(&b, cells, 4);
		}
		if (rc == 0 && f->nsteps)
			rc = buf_puts(&b, "</table>\n");
	}
	return rc == 0 ? page_write(s, "findings.html", &b) : (smsaudit_buf_dispose(&b), rc);
}

static int audits_page(site *s)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int rc = page_begin(&b, s, "Audits");
	static const char *const h[] = { "Audit", "Type", "From", "To", "Status", "Body", "Lead" };
	size_t n = smsaudit_audits_count(s->as);
	if (rc == 0)
		rc = n ? head_row(&b, h, 7) : buf_puts(&b, "<p>No audits.</p>\n");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const smsaudit_audit *a = smsaudit_audits_at(s->as, i);
		const smsaudit_audit_body *ab = &a->plan->audit;
		char f[11], t[11];
		smsaudit_date_format(f, a->from);
		smsaudit_date_format(t, a->to);
		const char *cells[] = { a->plan->id, smsaudit_audit_type_name(ab->type), f, t,
			                smsaudit_audit_status_name(a->status), ab->body ? ab->body : "",
			                ab->lead ? ab->lead : "" };
		rc = row(&b, cells, 7);
	}
	if (rc == 0 && n)
		rc = buf_puts(&b, "</table>\n");
	return rc == 0 ? page_write(s, "audits.html", &b) : (smsaudit_buf_dispose(&b), rc);
}

static int cycle_page(site *s)
{
	smsaudit_buf b = SMSAUDIT_BUF_INIT;
	int rc = page_begin(&b, s, "Cycle");
	if (rc == 0 && !s->cy)
		rc = buf_puts(&b, "<p>No certification cycle can be computed yet (no decision recorded).</p>\n");
	if (rc == 0 && s->cy) {
		rc = buf_printf(&b, "<p>Phase: %s.</p>\n", smsaudit_cycle_phase_name(smsaudit_cycle_phase_get(s->cy)));
		static const char *const h[] = { "Item", "Due", "Done", "Status", "Audit", "Note" };
		if (rc == 0)
			rc = head_row(&b, h, 6);
		for (size_t i = 0; rc == 0 && i < smsaudit_cycle_count(s->cy); i++) {
			const smsaudit_cycle_item *it = smsaudit_cycle_at(s->cy, i);
			char what[64], due[11] = "", done[11] = "";
			if (it->kind == SMSAUDIT_ITEM_SURVEILLANCE || it->kind == SMSAUDIT_ITEM_YEAR)
				snprintf(what, sizeof(what), "%s %d", smsaudit_cycle_item_kind_name(it->kind), it->number);
			else
				snprintf(what, sizeof(what), "%s", smsaudit_cycle_item_kind_name(it->kind));
			if (it->due)
				smsaudit_date_format(due, it->due);
			if (it->done_on)
				smsaudit_date_format(done, it->done_on);
			const char *cells[] = { what, due, done, smsaudit_item_status_name(it->status),
				                it->audit ? it->audit->plan->id : "", it->note };
			rc = row(&b, cells, 6);
		}
		if (rc == 0)
			rc = buf_puts(&b, "</table>\n");
	}
	return rc == 0 ? page_write(s, "cycle.html", &b) : (smsaudit_buf_dispose(&b), rc);
}

/* Readable copies of the evidence: evidence/<clause>/<id>-<name>, the bytes
 * checked against the signed SHA-256 on the way out. */
static int evidence_files(site *s)
{
	smsaudit_repo *repo = smsaudit_store_repo(s->store);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < s->nev; i++) {
		const smsaudit_evidence_entry *e = s->ev[i];
		const smsaudit_evidence_body *eb = &e->record->evidence;
		char content[100], first[4600] = "";
		snprintf(content, sizeof(content), "content/%.2s/%s", eb->sha256, eb->sha256);
		smsaudit_oid blob;
		if (!e->valid || smsaudit_repo_path_oid(&blob, repo, smsaudit_state_commit(s->st), content) < 0) {
			smsaudit_error_clear();
			continue; /* verify names what is missing; the site shows what is there */
		}
		for (size_t j = 0; rc == 0 && j < eb->ncontrols; j++) {
			char rel[400], full[4600], dir[4600];
			smsaudit_pack_evidence_path(rel, sizeof(rel), eb->controls[j], e);
			snprintf(full, sizeof(full), "%s/%s", s->root, rel);
			snprintf(dir, sizeof(dir), "%s/evidence", s->root);
			if (mkdir(dir, 0755) < 0 && errno != EEXIST)
				rc = error_set(SMSAUDIT_EIO, "%s: cannot create: %s", dir, strerror(errno));
			snprintf(dir, sizeof(dir), "%s/evidence/%s", s->root, eb->controls[j]);
			if (rc == 0 && mkdir(dir, 0755) < 0 && errno != EEXIST)
				rc = error_set(SMSAUDIT_EIO, "%s: cannot create: %s", dir, strerror(errno));
			if (rc < 0)
				break;
			if (*first && link(first, full) == 0) {
				s->res->files++; /* the same bytes under the next clause's name */
				continue;
			}
			int fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			if (fd < 0) {
				rc = error_set(SMSAUDIT_EIO, "%s: cannot create: %s", full, strerror(errno));
				break;
			}
			uint64_t size = 0;
			rc = smsaudit_repo_blob_to_fd(repo, &blob, fd, eb->sha256, NULL, &size);
			if (close(fd) < 0 && rc == 0)
				rc = error_set(SMSAUDIT_EIO, "%s: cannot write: %s", full, strerror(errno));
			if (rc == 0) {
				s->res->files++;
				s->res->bytes += size;
				snprintf(first, sizeof(first), "%s", full);
			}
		}
	}
	return rc;
}

static int dir_usable(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : error_set(SMSAUDIT_EIO, "%s: cannot use: %s", dir, strerror(errno));
	struct dirent *e;
	int empty = 1;
	while (empty && (e = readdir(d)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty ? 1 : error_set(SMSAUDIT_EEXISTS, "%s: exists and is not empty; give a new folder", dir);
}

int smsaudit_site_write(smsaudit_site_result *out, smsaudit_store *store, const smsaudit_state *st, time_t as_of,
                        const char *dir)
{
	memset(out, 0, sizeof(*out));
	int there = dir_usable(dir);
	if (there < 0)
		return there;
	site s;
	memset(&s, 0, sizeof(s));
	s.store = store;
	s.st = st;
	s.as_of = smsaudit_date_of(as_of);
	s.res = out;
	smsaudit_date_format(s.date, s.as_of);
	smsaudit_oid_fmt(s.commit, smsaudit_state_commit(st));
	smsaudit_sms_view view;
	int have_view = smsaudit_state_sms_view(&view, store, st) == 0;
	smsaudit_error_clear();
	s.org = have_view && view.organisation ? view.organisation : smsaudit_store_organisation(store);
	smsaudit_gap_options go = SMSAUDIT_GAP_OPTIONS_INIT;
	go.as_of = s.as_of;
	int rc = smsaudit_gap_compute(&s.gap, smsaudit_store_catalogue(store), st, &go);
	if (rc == 0)
		rc = smsaudit_findings_compute(&s.fs, st, s.as_of);
	if (rc == 0)
		rc = smsaudit_audits_compute(&s.as, st, s.as_of);
	if (rc == 0 && smsaudit_cycle_compute(&s.cy, smsaudit_state_policy(st), s.as, s.as_of) < 0) {
		s.cy = NULL; /* no decision yet: the cycle page says so */
		smsaudit_error_clear();
	}
	time_t day_end = smsaudit_day_end(s.as_of);
	size_t total = smsaudit_state_evidence_count(st);
	if (rc == 0 && !(s.ev = calloc(total ? total : 1, sizeof(*s.ev))))
		rc = error_oom();
	for (size_t i = 0; rc == 0 && i < total; i++) {
		const smsaudit_evidence_entry *e = smsaudit_state_evidence_at(st, i);
		if (e->record->made_at <= day_end)
			s.ev[s.nev++] = e;
	}
	char tmp[4300];
	if (rc == 0)
		rc = partial_dir_make(tmp, sizeof(tmp), dir);
	int made = rc == 0;
	s.root = tmp;
	if (rc == 0)
		rc = evidence_files(&s);
	if (rc == 0)
		rc = index_page(&s);
	if (rc == 0)
		rc = gap_page(&s);
	if (rc == 0)
		rc = evidence_page(&s);
	if (rc == 0)
		rc = findings_page(&s);
	if (rc == 0)
		rc = audits_page(&s);
	if (rc == 0)
		rc = cycle_page(&s);
	if (rc == 0 && there == 1 && rmdir(dir) < 0)
		rc = error_set(SMSAUDIT_EIO, "%s: cannot replace the empty folder: %s", dir, strerror(errno));
	if (rc == 0 && rename(tmp, dir) < 0)
		rc = error_set(SMSAUDIT_EIO, "%s: cannot move the site into place: %s", dir, strerror(errno));
	if (rc < 0 && made)
		remove_tree(tmp);
	free(s.ev);
	smsaudit_cycle_free(s.cy);
	smsaudit_audits_free(s.as);
	smsaudit_findings_free(s.fs);
	smsaudit_gap_free(s.gap);
	if (have_view)
		smsaudit_sms_view_dispose(&view);
	return rc;
}

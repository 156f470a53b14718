/* smsaudit catalogue list|show|info|validate */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_TREE = 1, OPT_ASSESSABLE, OPT_UNDER, OPT_OVERLAY };

typedef struct {
	int tree, assessable_only;
	const char *under, *overlay;
	char **positional;
	int npositional;
} cat_opts;

static int on_opt(int id, const char *arg, void *u)
{
	cat_opts *o = u;
	switch (id) {
	case OPT_TREE: o->tree = 1; break;
	case OPT_ASSESSABLE: o->assessable_only = 1; break;
	case OPT_UNDER: o->under = arg; break;
	case OPT_OVERLAY: o->overlay = arg; break;
	}
	return -1;
}

static int count_explicit(const smsaudit_clause *c)
{
	int n = 0;
	for (size_t i = 0; i < c->nexpected; i++)
		n += c->expected[i].is_explicit;
	return n;
}

static int is_under(const smsaudit_clause *c, const smsaudit_clause *root)
{
	for (; c; c = c->parent)
		if (c == root)
			return 1;
	return 0;
}

static void clause_fields(out_node *o, const smsaudit_clause *c)
{
	out_set_str(o, "id", c->id);
	out_set_str(o, "parent", c->parent ? c->parent->id : NULL);
	out_set_int(o, "depth", c->depth);
	out_set_bool(o, "assessable", c->assessable);
	out_set_int(o, "expected", (long long)c->nexpected);
	out_set_int(o, "explicit", count_explicit(c));
	out_set_str(o, "title", c->title);
}

static void tree_node(out_node *arr, const smsaudit_clause *c, int assessable_only)
{
	out_node *o = out_push_obj(arr);
	clause_fields(o, c);
	if (c->nchildren) {
		out_node *kids = out_set_arr(o, "children", "clause");
		for (size_t i = 0; i < c->nchildren; i++)
			tree_node(kids, c->children[i], assessable_only);
	}
}

static int list(cli_ctx *ctx, smsaudit_catalogue *cat, cat_opts *o)
{
	const smsaudit_clause *root = NULL;
	if (o->under) {
		int rc = smsaudit_catalogue_find(&root, cat, o->under);
		if (rc < 0)
			return cli_fail(rc);
	}
	if (o->tree && o->assessable_only)
		return cli_usage("catalogue", "--tree and --assessable do not go together");

	size_t n = smsaudit_catalogue_count(cat);
	if (o->tree && ctx->format != OUT_TEXT) {
		out_node *arr = out_array("clause");
		for (size_t i = 0; i < n; i++) {
			const smsaudit_clause *c = smsaudit_catalogue_at(cat, i);
			if ((root && c == root) || (!root && !c->parent))
				tree_node(arr, c, 0);
		}
		out_emit(stdout, arr, ctx->format, "catalogue");
		out_free(arr);
		return EXIT_OK;
	}

	if (o->tree) {
		const char *bold = cli_sgr(ctx, "1"), *dim = cli_sgr(ctx, "2"), *reset = cli_sgr(ctx, "0");
		int base = root ? root->depth : 1;
		for (size_t i = 0; i < n; i++) {
			const smsaudit_clause *c = smsaudit_catalogue_at(cat, i);
			if (root && !is_under(c, root))
				continue;
			int indent = 2 * (c->depth - base);
			printf("%*s%s%s%s %s", indent, "", c->depth == 1 ? bold : "", c->id,
			       c->depth == 1 ? reset : "", cli_safe(c->title));
			if (c->assessable)
				printf("  %s[%zu evidence item%s]%s", dim, c->nexpected, c->nexpected == 1 ? "" : "s", reset);
			putchar('\n');
		}
		return EXIT_OK;
	}

	out_node *arr = out_array("clause");
	for (size_t i = 0; i < n; i++) {
		const smsaudit_clause *c = smsaudit_catalogue_at(cat, i);
		if (root && !is_under(c, root))
			continue;
		if (o->assessable_only && !c->assessable)
			continue;
		clause_fields(out_push_obj(arr), c);
	}
	if (ctx->format == OUT_TEXT) {
		static const char *const keys[] = { "id", "assessable", "expected", "explicit", "title" };
		static const char *const heads[] = { "CLAUSE", "ASSESSABLE", "EVIDENCE", "EXPLICIT", "TITLE" };
		out_table(stdout, ctx, arr, keys, heads, 5);
	} else {
		out_emit(stdout, arr, ctx->format, "catalogue");
	}
	out_free(arr);
	return EXIT_OK;
}

static const char *mapped_name(const smsaudit_catalogue *cat, const char *id)
{
	const smsaudit_catalogue_info *info = smsaudit_catalogue_info_get(cat);
	for (size_t i = 0; i < info->nmapped; i++)
		if (strcmp(info->mapped[i].id, id) == 0)
			return info->mapped[i].name;
	return id;
}

static int show(cli_ctx *ctx, smsaudit_catalogue *cat, cat_opts *o)
{
	if (o->npositional != 1)
		return cli_usage("catalogue", "'catalogue show' takes exactly one clause id");
	const smsaudit_clause *c = NULL;
	int rc = smsaudit_catalogue_find(&c, cat, o->positional[0]);
	if (rc < 0)
		return cli_fail(rc);
	smsaudit_overlay *ov = NULL;
	if (o->overlay && (rc = smsaudit_overlay_load_file(&ov, cat, o->overlay)) < 0)
		return cli_fail(rc);
	const char *text = smsaudit_overlay_text(ov, c->id);

	if (ctx->format != OUT_TEXT) {
		out_node *obj = out_object();
		clause_fields(obj, c);
		out_set_str(obj, "summary", c->summary);
		if (ov)
			out_set_str(obj, "text", text);
		out_node *ex = out_set_arr(obj, "expected_evidence", "item");
		for (size_t i = 0; i < c->nexpected; i++) {
			const smsaudit_expected *e = &c->expected[i];
			out_node *it = out_push_obj(ex);
			out_set_str(it, "id", e->id);
			out_set_str(it, "kind", smsaudit_evidence_kind_name(e->kind));
			out_set_bool(it, "explicit", e->is_explicit);
			out_set_str(it, "stage", e->stage == SMSAUDIT_STAGE_2 ? "stage2" : "stage1");
			out_set_int(it, "fresh_months", e->fresh_months);
			out_set_str(it, "what", e->what);
		}
		out_node *mp = out_set_arr(obj, "mappings", "mapping");
		for (size_t i = 0; i < c->nmappings; i++) {
			out_node *it = out_push_obj(mp);
			out_set_str(it, "standard", c->mappings[i].standard);
			out_set_str(it, "clause", c->mappings[i].clause);
			out_set_str(it, "relation", c->mappings[i].relation);
		}
		out_node *kids = out_set_arr(obj, "children", "id");
		for (size_t i = 0; i < c->nchildren; i++)
			out_push_str(kids, c->children[i]->id);
		out_emit(stdout, obj, ctx->format, "clause");
		out_free(obj);
		smsaudit_overlay_free(ov);
		return EXIT_OK;
	}

	int width = out_term_width(ctx);
	const char *bold = cli_sgr(ctx, "1"), *reset = cli_sgr(ctx, "0");
	printf("%s%s  %s%s\n", bold, c->id, cli_safe(c->title), reset);
	if (c->parent)
		printf("Parent:      %s %s\n", c->parent->id, cli_safe(c->parent->title));
	printf("Depth:       %d\n", c->depth);
	printf("Assessable:  %s\n", c->assessable ? "yes" : "no (assessed through its sub-clauses)");
	printf("Summary:     ");
	out_wrap(stdout, c->summary, 13, width);
	if (ov) {
		printf("Text:        ");
		out_wrap(stdout, text ? text : "(the overlay has no text for this clause)", 13, width);
	}
	if (c->nexpected) {
		printf("\n%sExpected evidence%s\n", bold, reset);
		for (size_t i = 0; i < c->nexpected; i++) {
			const smsaudit_expected *e = &c->expected[i];
			char fresh[48] = "";
			if (e->fresh_months)
				snprintf(fresh, sizeof(fresh), ", within %d months", e->fresh_months);
			printf("  %-12s %s, %s, first examined at stage %d%s\n", e->id,
			       smsaudit_evidence_kind_name(e->kind),
			       e->is_explicit ? "explicitly required" : "expected by auditors", (int)e->stage, fresh);
			printf("  %12s ", "");
			out_wrap(stdout, e->what, 15, width);
		}
	}
	if (c->nmappings) {
		printf("\n%sMappings%s\n", bold, reset);
		for (size_t i = 0; i < c->nmappings; i++)
			printf("  %-20s %-16s %s\n", mapped_name(cat, c->mappings[i].standard),
			       c->mappings[i].clause, c->mappings[i].relation);
	}
	if (c->nchildren) {
		printf("\n%sSub-clauses%s\n", bold, reset);
		for (size_t i = 0; i < c->nchildren; i++)
			printf("  %-10s %s\n", c->children[i]->id, cli_safe(c->children[i]->title));
	}
	smsaudit_overlay_free(ov);
	return EXIT_OK;
}

static int info(cli_ctx *ctx, smsaudit_catalogue *cat)
{
	const smsaudit_catalogue_info *in = smsaudit_catalogue_info_get(cat);
	size_t n = smsaudit_catalogue_count(cat), assessable = 0, items = 0, explicit_items = 0;
	for (size_t i = 0; i < n; i++) {
		const smsaudit_clause *c = smsaudit_catalogue_at(cat, i);
		assessable += c->assessable != 0;
		items += c->nexpected;
		explicit_items += (size_t)count_explicit(c);
	}
	out_node *o = out_object();
	out_set_str(o, "id", in->id);
	out_set_str(o, "version", in->version);
	out_set_str(o, "standard", in->standard);
	out_set_str(o, "edition", in->edition);
	out_set_str(o, "title", in->title);
	out_node *am = out_set_arr(o, "amendments", "amendment");
	for (size_t i = 0; i < in->namendments; i++)
		out_push_str(am, in->amendments[i]);
	out_set_int(o, "clauses", (long long)n);
	out_set_int(o, "assessable", (long long)assessable);
	out_set_int(o, "evidence_items", (long long)items);
	out_set_int(o, "explicit_items", (long long)explicit_items);
	out_node *ms = out_set_arr(o, "mapped_standards", "standard");
	for (size_t i = 0; i < in->nmapped; i++)
		out_push_str(ms, in->mapped[i].name);
	out_set_str(o, "sha256", in->sha256);
	out_set_str(o, "copyright", in->copyright);
	if (ctx->format != OUT_TEXT) {
		out_emit(stdout, o, ctx->format, "catalogue-info");
	} else {
		int width = out_term_width(ctx);
		printf("Catalogue:   %s %s\n", cli_safe(in->id), cli_safe(in->version));
		printf("Standard:    %s:%s\n", cli_safe(in->standard), cli_safe(in->edition));
		printf("Title:       ");
		out_wrap(stdout, in->title, 13, width);
		for (size_t i = 0; i < in->namendments; i++) {
			printf("Amendment:   ");
			out_wrap(stdout, in->amendments[i], 13, width);
		}
		printf("Clauses:     %zu (%zu assessable)\n", n, assessable);
		printf("Evidence:    %zu expected items, %zu explicitly required by the standard\n", items,
		       explicit_items);
		printf("Mapped to:  ");
		for (size_t i = 0; i < in->nmapped; i++)
			printf(" %s%s", in->mapped[i].name, i + 1 < in->nmapped ? "," : "");
		printf("\nSHA-256:     %s\n", in->sha256);
		printf("Copyright:   ");
		out_wrap(stdout, in->copyright, 13, width);
	}
	out_free(o);
	return EXIT_OK;
}

static int validate(cli_ctx *ctx, cat_opts *o)
{
	if (o->npositional != 1)
		return cli_usage("catalogue", "'catalogue validate' takes exactly one file");
	const char *path = o->positional[0];
	int kind = 0;
	int rc = smsaudit_catalogue_sniff_file(&kind, path);
	if (rc < 0)
		return cli_fail(rc);
	out_node *res = out_object();
	out_set_str(res, "file", path);
	if (kind == 1) {
		smsaudit_catalogue *cat = NULL;
		if ((rc = smsaudit_catalogue_load_file(&cat, path)) < 0) {
			out_free(res);
			return cli_fail(rc);
		}
		const smsaudit_catalogue_info *in = smsaudit_catalogue_info_get(cat);
		size_t n = smsaudit_catalogue_count(cat), assessable = 0;
		for (size_t i = 0; i < n; i++)
			assessable += smsaudit_catalogue_at(cat, i)->assessable != 0;
		out_set_str(res, "type", "catalogue");
		out_set_str(res, "id", in->id);
		out_set_str(res, "version", in->version);
		out_set_int(res, "clauses", (long long)n);
		out_set_int(res, "assessable", (long long)assessable);
		out_set_str(res, "sha256", in->sha256);
		if (ctx->format == OUT_TEXT)
			printf("%s: valid catalogue %s %s, %zu clauses (%zu assessable), sha256 %s\n", cli_safe(path),
			       cli_safe(in->id), cli_safe(in->version), n, assessable, in->sha256);
		smsaudit_catalogue_free(cat);
	} else {
		smsaudit_catalogue *cat = NULL;
		smsaudit_overlay *ov = NULL;
		if ((rc = cli_load_catalogue(ctx, &cat)) < 0 ||
		    (rc = smsaudit_overlay_load_file(&ov, cat, path)) < 0) {
			smsaudit_catalogue_free(cat);
			out_free(res);
			return cli_fail(rc);
		}
		const smsaudit_catalogue_info *in = smsaudit_catalogue_info_get(cat);
		out_set_str(res, "type", "overlay");
		out_set_str(res, "catalogue", in->id);
		out_set_int(res, "clauses", (long long)smsaudit_overlay_count(ov));
		if (ctx->format == OUT_TEXT)
			printf("%s: valid overlay for catalogue %s, text for %zu of %zu clauses\n", cli_safe(path), cli_safe(in->id),
			       smsaudit_overlay_count(ov), smsaudit_catalogue_count(cat));
		smsaudit_overlay_free(ov);
		smsaudit_catalogue_free(cat);
	}
	if (ctx->format != OUT_TEXT)
		out_emit(stdout, res, ctx->format, "validation");
	out_free(res);
	return EXIT_OK;
}

static int run_sub(cli_ctx *ctx, const char *sub, cat_opts *o);

/* ---- the sub-commands, their options and usage ---- */

static const cli_option list_opts[] = {
	{ "tree", 0, OPT_TREE, 0 }, { "assessable", 0, OPT_ASSESSABLE, 0 }, { "under", 1, OPT_UNDER, 0 }, { NULL, 0, 0, 0 }
};
static const cli_option show_opts[] = { { "overlay", 1, OPT_OVERLAY, 0 }, { NULL, 0, 0, 0 } };

const cli_sub cmd_catalogue_subs[] = {
	{ "list",
	  "smsaudit catalogue list [--tree] [--assessable] [--under ID] [--format F]\n",
	  list_opts },
	{ "show",
	  "smsaudit catalogue show ID [--overlay FILE] [--format F]\n",
	  show_opts },
	{ "info",
	  "smsaudit catalogue info [--format F]\n",
	  NULL },
	{ "validate",
	  "smsaudit catalogue validate FILE [--format F]\n",
	  NULL },
	{ NULL, NULL, NULL }
};

const char cmd_catalogue_help[] =
	"The catalogue lists clauses 4 to 10 of ISO/IEC 20000-1:2018: their numbers and\n"
	"headings, our own short paraphrase of each (never the standard's text), the\n"
	"documented information expected as evidence, and mappings to ISO 9001:2015,\n"
	"ISO/IEC 27001:2022 and ISO 22301:2019.\n"
	"\n"
	"  list        every clause, or only assessable ones (--assessable), or the\n"
	"              sub-tree under one clause (--under 8.5); --tree indents by depth\n"
	"  show ID     one clause: title, paraphrase, expected evidence (kind, whether\n"
	"              the standard requires it explicitly, first audit stage, freshness),\n"
	"              mappings, parent and children; --overlay adds licensed text\n"
	"  info        catalogue metadata: standard, edition, amendments, version, SHA-256\n"
	"  validate    check a catalogue or an overlay file (schema, unique ids, parents,\n"
	"              depths, evidence on assessable clauses, mapped standards)\n"
	"\n"
	"The built-in catalogue is used unless --catalogue FILE (before the command) or\n"
	"SMSAUDIT_CATALOGUE names another one.\n"
	"\n"
	"examples:\n"
	"  smsaudit catalogue list --tree\n"
	"  smsaudit catalogue show 8.5.1.2\n"
	"  smsaudit catalogue list --assessable --format csv > clauses.csv\n"
	"  smsaudit catalogue validate our-overlay.xml\n";


int cmd_catalogue(cli_ctx *ctx, int argc, char **argv)
{
	const cli_sub *sub = NULL;
	int exit_code = cli_sub_find("catalogue", argc, argv, &sub);
	if (exit_code >= 0)
		return exit_code;
	cat_opts o;
	memset(&o, 0, sizeof(o));
	exit_code = cli_parse_sub(ctx, "catalogue", sub, argc - 1, argv + 1, on_opt, &o, &o.positional, &o.npositional);
	if (exit_code >= 0)
		return exit_code;
	exit_code = run_sub(ctx, sub->name, &o);
	free(o.positional);
	return exit_code;
}

static int run_sub(cli_ctx *ctx, const char *sub, cat_opts *o)
{
	int exit_code, rc;
	if (strcmp(sub, "validate") == 0)
		return validate(ctx, o);
	if (strcmp(sub, "show") != 0 && o->npositional > 0)
		return cli_usage("catalogue", "unexpected argument '%s'", o->positional[0]);

	smsaudit_catalogue *cat = NULL;
	rc = cli_load_catalogue(ctx, &cat);
	if (rc < 0)
		return cli_fail(rc);
	if (strcmp(sub, "list") == 0)
		exit_code = list(ctx, cat, o);
	else if (strcmp(sub, "show") == 0)
		exit_code = show(ctx, cat, o);
	else
		exit_code = info(ctx, cat);
	smsaudit_catalogue_free(cat);
	return exit_code;
}

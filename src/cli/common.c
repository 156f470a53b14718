/* Shared plumbing for commands: options, the repository, who signs. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "smsaudit/pin.h"

enum { COMMON_FORMAT = 10000, COMMON_REPO, COMMON_KEYS, COMMON_AS, COMMON_KEY, COMMON_RAW, COMMON_OUTPUT };

/* Which option getopt refused: "--name" (without "=value") or "-c",
 * escaped (cli_escape) so that the message stays one line. */
static void refused_option(char *buf, size_t size, char **argv)
{
	const char *a = argv[optind - 1];
	char raw[256];
	if (strncmp(a, "--", 2) == 0)
		snprintf(raw, sizeof(raw), "%.*s", (int)strcspn(a, "="), a);
	else if (optopt > 0 && optopt < 128)
		snprintf(raw, sizeof(raw), "-%c", optopt);
	else
		snprintf(raw, sizeof(raw), "%s", a);
	cli_escape(buf, size, raw);
}

/* Does `opts` have the option `name` ("--name" or "-c")? */
static int has_option(const cli_option *opts, const char *name)
{
	for (size_t i = 0; opts && opts[i].name; i++)
		if ((name[1] == '-' && strcmp(name + 2, opts[i].name) == 0) ||
		    (name[1] != '-' && opts[i].short_name && name[1] == opts[i].short_name && !name[2]))
			return 1;
	return 0;
}

/* An option the sub-command does not take: one line naming both. */
static int refuse_option(const char *command, const cli_sub *sub, char **argv)
{
	char name[64], where[128];
	refused_option(name, sizeof(name), argv);
	snprintf(where, sizeof(where), "%s %s", command, sub->name);
	if (has_option(sub->opts, name))
		return cli_usage(where, "option '%s' takes no value", name);
	const cli_command *cmd = cli_find_command(command);
	for (const cli_sub *s = cmd ? cmd->subs : NULL; s && s->name; s++)
		if (s != sub && has_option(s->opts, name))
			return cli_usage(where, "'%s' does not take %s", where, name);
	return cli_usage(where, "unknown option '%s' for '%s'", name, where);
}

/* The common parser; `sub` (of `command`) or NULL for a command of its own. */
static int parse(cli_ctx *ctx, const char *command, const cli_sub *sub, int argc, char **argv,
                 const cli_option *opts, cli_opt_fn on_opt, void *payload, char ***positional,
                 int *npositional)
{
	char where[128];
	if (sub)
		snprintf(where, sizeof(where), "%s %s", command, sub->name);
	else
		snprintf(where, sizeof(where), "%s", command);
	size_t n = 0;
	while (opts && opts[n].name)
		n++;
	struct option *lo = calloc(n + 9, sizeof(*lo));
	char **pos = calloc((size_t)argc + 1, sizeof(char *));
	char shorts[64] = ":h";
	size_t ns = 2;
	if (!lo || !pos) {
		free(lo);
		free(pos);
		return cli_error(EXIT_ENV, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		lo[i] = (struct option){ opts[i].name, opts[i].has_arg ? required_argument : no_argument, NULL, opts[i].id };
		if (opts[i].short_name && ns + 3 < sizeof(shorts)) {
			shorts[ns++] = opts[i].short_name;
			if (opts[i].has_arg)
				shorts[ns++] = ':';
			shorts[ns] = '\0';
		}
	}
	lo[n++] = (struct option){ "format", required_argument, NULL, COMMON_FORMAT };
	lo[n++] = (struct option){ "repo", required_argument, NULL, COMMON_REPO };
	lo[n++] = (struct option){ "keys", required_argument, NULL, COMMON_KEYS };
	lo[n++] = (struct option){ "as", required_argument, NULL, COMMON_AS };
	lo[n++] = (struct option){ "key", required_argument, NULL, COMMON_KEY };
	lo[n++] = (struct option){ "raw", no_argument, NULL, COMMON_RAW };
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	/* -o FILE: where --format xlsx goes, for a command without an -o of its own. */
	int own_output = has_option(opts, "--output") || has_option(opts, "-o");
	if (!own_output) {
		lo[n++] = (struct option){ "output", required_argument, NULL, COMMON_OUTPUT };
		if (ns + 3 < sizeof(shorts)) {
			shorts[ns++] = 'o';
			shorts[ns++] = ':';
			shorts[ns] = '\0';
		}
	}
	const char *output = NULL;
	optind = 0;
	opterr = 0;
	int c, rc = -1;
	while (rc < 0 && (c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			if (sub)
				cli_print_sub_help(cli_find_command(command), sub, stdout);
			else
				cli_print_help(cli_find_command(command), stdout);
			rc = EXIT_OK;
			break;
		case COMMON_FORMAT:
			if (cli_parse_format(&ctx->format, optarg) < 0)
				rc = cli_usage(where, "--format takes text, csv, json, xml or xlsx, not '%s'", optarg);
			if (ctx->format != OUT_TEXT)
				ctx->color = 0;
			break;
		case COMMON_REPO: ctx->repo_path = optarg; break;
		case COMMON_KEYS: ctx->keys_dir = optarg; break;
		case COMMON_AS: ctx->as_email = optarg; break;
		case COMMON_KEY: ctx->key_path = optarg; break;
		case COMMON_RAW: out_csv_raw(1); break;
		case COMMON_OUTPUT: output = optarg; break;
		case ':': {
			char safe[160];
			rc = cli_usage(where, "option '%s' needs a value", cli_escape(safe, sizeof(safe), argv[optind - 1]));
			break;
		}
		case '?': {
			char safe[160];
			rc = sub ? refuse_option(command, sub, argv)
			         : cli_usage(where, "unknown option '%s'", cli_escape(safe, sizeof(safe), argv[optind - 1]));
			break;
		}
		default: {
			if (c == 'o' && !own_output) {
				output = optarg;
				break;
			}
			/* A short option stands for its long form. */
			for (size_t i = 0; opts && opts[i].name; i++)
				if (opts[i].short_name && c == opts[i].short_name)
					c = opts[i].id;
			int r = on_opt ? on_opt(c, optarg, payload) : -1;
			if (r >= 0)
				rc = r;
			break;
		}
		}
	}
	if (rc < 0 && !output && ctx->format == OUT_XLSX && isatty(STDOUT_FILENO))
		rc = cli_usage(where, "xlsx is not for a terminal: give -o FILE or redirect standard output");
	if (rc < 0 && !own_output) {
		if (output && ctx->format != OUT_XLSX)
			rc = cli_usage(where, "-o FILE goes with --format xlsx");
		else if (output && !*output)
			rc = cli_usage(where, "-o needs a file name");
		else
			out_output(output);
	}
	int np = 0;
	for (int i = optind; rc < 0 && i < argc; i++)
		pos[np++] = argv[i];
	free(lo);
	if (rc >= 0) {
		free(pos);
		return rc;
	}
	*positional = pos;
	*npositional = np;
	return -1;
}

int cli_parse(cli_ctx *ctx, const char *command, int argc, char **argv, const cli_option *opts,
              cli_opt_fn on_opt, void *payload, char ***positional, int *npositional)
{
	return parse(ctx, command, NULL, argc, argv, opts, on_opt, payload, positional, npositional);
}

int cli_parse_sub(cli_ctx *ctx, const char *command, const cli_sub *sub, int argc, char **argv,
                  cli_opt_fn on_opt, void *payload, char ***positional, int *npositional)
{
	return parse(ctx, command, sub, argc, argv, sub->opts, on_opt, payload, positional, npositional);
}

const cli_sub *cli_sub_named(const char *command, const char *name)
{
	const cli_command *cmd = cli_find_command(command);
	for (const cli_sub *s = cmd ? cmd->subs : NULL; s && s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

int cli_sub_find(const char *command, int argc, char **argv, const cli_sub **sub)
{
	const cli_command *cmd = cli_find_command(command);
	char names[256] = "";
	size_t used = 0;
	for (const cli_sub *s = cmd->subs; s->name && used < sizeof(names); s++) {
		int w = snprintf(names + used, sizeof(names) - used, "%s%s", used ? ", " : "", s->name);
		used += w > 0 ? (size_t)w : 0;
	}
	if (argc < 2)
		return cli_usage(command, "'%s' needs a sub-command: %s", command, names);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_print_help(cmd, stdout);
		return EXIT_OK;
	}
	if (!(*sub = cli_sub_named(command, argv[1])))
		return cli_usage(command, "unknown sub-command '%s %s' (%s)", command, argv[1], names);
	return -1;
}

int cli_open_store(cli_ctx *ctx, smsaudit_store **out)
{
	const char *path = ctx->repo_path ? ctx->repo_path : ".";
	int rc = smsaudit_store_open(out, path);
	if (rc < 0 && !ctx->repo_path && rc == SMSAUDIT_ENOTFOUND)
		return cli_error(EXIT_ENV, "%s; give the repository with --repo DIR or SMSAUDIT_REPO",
		                 smsaudit_error_last()->message);
	return rc < 0 ? cli_fail(rc) : -1;
}

int cli_key_passphrase(const char *path, char **out)
{
	*out = NULL;
	if (!smsaudit_key_file_encrypted(path))
		return -1;
	char what[600];
	snprintf(what, sizeof(what), "key %s", path);
	*out = smsaudit_passphrase_read(what);
	return *out ? -1 : cli_fail(SMSAUDIT_EINVALID);
}

int cli_identity(cli_ctx *ctx, smsaudit_store *store, smsaudit_identity **out)
{
	char path[1024];
	if (ctx->key_path) {
		snprintf(path, sizeof(path), "%s", ctx->key_path);
	} else if (ctx->as_email) {
		smsaudit_keys_person_path(path, sizeof(path), ctx->keys_dir, ctx->as_email);
		if (access(path, F_OK) != 0)
			return cli_error(EXIT_ENV, "no key for %s in %s (give --key FILE or --keys DIR)", ctx->as_email,
			                 ctx->keys_dir);
	} else {
		DIR *d = opendir(ctx->keys_dir);
		if (!d)
			return cli_error(EXIT_ENV, "no keys directory %s (%s): say who you are with --key FILE or --as EMAIL",
			                 ctx->keys_dir, strerror(errno));
		int found = 0;
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			size_t l = strlen(e->d_name);
			if (l > 4 && strcmp(e->d_name + l - 4, ".key") == 0 && strncmp(e->d_name, "ca-", 3) != 0) {
				found++;
				snprintf(path, sizeof(path), "%s/%s", ctx->keys_dir, e->d_name);
			}
		}
		closedir(d);
		if (found == 0)
			return cli_error(EXIT_ENV, "no personal key in %s: say who you are with --key FILE or --as EMAIL",
			                 ctx->keys_dir);
		if (found > 1)
			return cli_error(EXIT_USAGE, "several personal keys in %s: say who you are with --as EMAIL",
			                 ctx->keys_dir);
	}
	char *pass = NULL;
	int rc = cli_key_passphrase(path, &pass);
	if (rc >= 0)
		return rc;
	rc = smsaudit_identity_load(out, store, path, pass);
	smsaudit_passphrase_free(pass);
	return rc < 0 ? cli_fail(rc) : -1;
}

static struct {
	int on, eager;
	char what[64];
	double start, last;
	int shown;
} prog;

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void show_progress(const char *what, size_t done, size_t total, void *payload)
{
	(void)payload;
	if (!prog.on)
		return;
	double now = mono();
	if (strcmp(prog.what, what) != 0) {
		snprintf(prog.what, sizeof(prog.what), "%s", what);
		prog.start = now;
		prog.last = 0;
	}
	int finished = total && done >= total;
	if (finished) {
		if (prog.shown)
			fputs("\r\033[K", stderr); /* the line goes: what follows starts clean */
		prog.shown = 0;
		prog.what[0] = '\0';
		fflush(stderr);
		return;
	}
	double elapsed = now - prog.start;
	if ((!prog.eager && elapsed < 0.5) || now - prog.last < 0.1)
		return;
	prog.last = now;
	prog.shown = 1;
	double rate = elapsed > 0 ? (double)done / elapsed : 0;
	if (total) {
		double left = rate > 0 ? (double)(total - done) / rate : 0;
		fprintf(stderr, "\r\033[K%s: %zu/%zu (%zu%%), %.0f/s, %.0f s left", what, done, total, done * 100 / total,
		        rate, left);
	} else {
		fprintf(stderr, "\r\033[K%s: %zu, %.0f/s", what, done, rate);
	}
	fflush(stderr);
}

void cli_progress_start(const cli_ctx *ctx)
{
	const char *env = getenv("SMSAUDIT_PROGRESS");
	const char *ci = getenv("CI");
	memset(&prog, 0, sizeof(prog));
	prog.on = isatty(STDERR_FILENO) && !(ci && *ci) && !(env && strcmp(env, "0") == 0) &&
	          (ctx->format == OUT_TEXT || ctx->tty);
	prog.eager = env && strcmp(env, "1") == 0;
	smsaudit_progress_set(show_progress, NULL);
}

/* The store's per-file callback, shown as the rest of the progress is. */
void cli_progress(size_t done, size_t total, void *payload)
{
	(void)payload;
	show_progress("adding files", done, total, NULL);
}

char **cli_split_list(const char *s, size_t *n)
{
	size_t cap = 1;
	for (const char *p = s; *p; p++)
		cap += (*p == ',' || *p == ' ' || *p == ';');
	char **list = calloc(cap + 1, sizeof(char *));
	char *copy = strdup(s);
	*n = 0;
	if (!list || !copy) {
		free(list);
		free(copy);
		return NULL;
	}
	char *save = NULL;
	for (char *t = strtok_r(copy, ", ;", &save); t; t = strtok_r(NULL, ", ;", &save))
		list[(*n)++] = strdup(t);
	free(copy);
	return list;
}

void cli_free_list(char **list)
{
	for (char **p = list; p && *p; p++)
		free(*p);
	free(list);
}

/* What the pin says is said by every reader too, once, on stderr: a history
 * rewritten since this machine verified it shows here before anyone relies on
 * the figures. */
void cli_pin_warn(smsaudit_store *store, const smsaudit_state *st, const smsaudit_oid *commit)
{
	smsaudit_oid head;
	if (smsaudit_repo_head(&head, smsaudit_store_repo(store)) < 0) {
		smsaudit_error_clear();
		return;
	}
	smsaudit_problem *extra = NULL;
	size_t n = 0;
	smsaudit_pin_status pin;
	int at_main = !commit || memcmp(head.id, commit->id, sizeof(head.id)) == 0;
	if (smsaudit_pin_check(&pin, &extra, &n, store, st, NULL, at_main) == 0 && n)
		cli_warning("this repository does not match what this machine verified before "
		        "(%zu problem%s; first: %s%s%s); run 'smsaudit verify'", n, n == 1 ? "" : "s",
		        extra[0].id[0] ? extra[0].id : extra[0].path, extra[0].id[0] || extra[0].path[0] ? ": " : "",
		        extra[0].message);
	smsaudit_error_clear();
	free(extra);
}

int cli_view_open(cli_ctx *ctx, cli_view *v, const char *command, const char *at, const char *commit, int no_cache)
{
	memset(v, 0, sizeof(*v));
	if (!at)
		v->as_of = smsaudit_date_of(smsaudit_now());
	else if (smsaudit_date_parse(&v->as_of, at) < 0)
		return cli_usage(command, "--at: %s", smsaudit_error_last()->message);
	int rc = cli_open_store(ctx, &v->store);
	if (rc >= 0)
		return rc;
	smsaudit_repo *repo = smsaudit_store_repo(v->store);
	int r;
	if (commit)
		r = smsaudit_repo_resolve(&v->commit, repo, commit);
	else if (at)
		r = smsaudit_repo_commit_at(&v->commit, repo, smsaudit_day_end(v->as_of));
	else
		r = smsaudit_repo_head(&v->commit, repo);
	if (r == 0)
		r = smsaudit_state_load(&v->st, v->store, &v->commit,
		                        no_cache || ctx->no_cache ? 0 : SMSAUDIT_STATE_USE_CACHE | SMSAUDIT_STATE_USE_INDEX);
	if (r < 0) {
		cli_view_close(v);
		return cli_fail(r);
	}
	smsaudit_oid_fmt(v->hex, &v->commit);
	cli_pin_warn(v->store, v->st, &v->commit);
	return -1;
}

const char *cli_organisation(cli_view *v)
{
	if (!v->organisation) {
		smsaudit_sms_view sv;
		if (smsaudit_state_sms_view(&sv, v->store, v->st) == 0) {
			v->organisation = sv.organisation;
			sv.organisation = NULL;
			smsaudit_sms_view_dispose(&sv);
		}
		smsaudit_error_clear();
	}
	return v->organisation ? v->organisation : smsaudit_store_organisation(v->store);
}

void cli_view_close(cli_view *v)
{
	free(v->organisation);
	smsaudit_state_free(v->st);
	smsaudit_store_free(v->store);
	memset(v, 0, sizeof(*v));
}

int cli_session_open(cli_ctx *ctx, cli_session *s, int sign)
{
	memset(s, 0, sizeof(*s));
	int rc = cli_open_store(ctx, &s->store);
	if (rc >= 0)
		return rc;
	if (sign && (rc = cli_identity(ctx, s->store, &s->me)) >= 0) {
		smsaudit_store_free(s->store);
		s->store = NULL;
		return rc;
	}
	return -1;
}

void cli_session_close(cli_session *s)
{
	smsaudit_identity_free(s->me);
	smsaudit_store_free(s->store);
	memset(s, 0, sizeof(*s));
}

int cli_push(const char **values, size_t *n, size_t max, const char *arg)
{
	if (*n >= max)
		return -1;
	values[(*n)++] = arg;
	return 0;
}

int cli_write_file(const char *path, const void *data, size_t len)
{
	char tmp[4096];
	if (!path || !*path)
		return cli_error(EXIT_USAGE, "no output file given");
	if (snprintf(tmp, sizeof(tmp), "%s.partial-XXXXXX", path) >= (int)sizeof(tmp))
		return cli_error(EXIT_ENV, "%s: path too long", cli_safe(path));
	int fd = mkstemp(tmp);
	if (fd < 0)
		return cli_error(EXIT_ENV, "%s: %s", cli_safe(path), strerror(errno));
	const char *p = data;
	size_t left = len;
	int err = 0;
	while (left && !err) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			err = w < 0 ? errno : EIO;
		else {
			p += w;
			left -= (size_t)w;
		}
	}
	mode_t um = umask(0);
	umask(um);
	if (!err && fchmod(fd, 0666 & ~um) < 0)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) < 0)
		err = errno;
	if (err) {
		unlink(tmp);
		return cli_error(EXIT_ENV, "%s: %s", cli_safe(path), strerror(err));
	}
	return -1;
}

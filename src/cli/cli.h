/* The command-line front end: shared types for the command table and output. */
#ifndef SMSAUDIT_CLI_H
#define SMSAUDIT_CLI_H

#include <stdio.h>
#include <time.h>

#include "smsaudit/smsaudit.h"

/* Exit codes, documented in docs/smsaudit.1 and README. */
enum {
	EXIT_OK = 0,     /* success */
	EXIT_CHECK = 1,  /* a check failed: verification, gap, readiness */
	EXIT_USAGE = 2,  /* bad command line */
	EXIT_DATA = 3,   /* bad input data: malformed file, unknown id, broken rule */
	EXIT_ENV = 4     /* environment: missing file, permission, disk, out of memory */
};

typedef enum { OUT_TEXT, OUT_CSV, OUT_JSON, OUT_XML, OUT_XLSX } out_format;

/* CSV and xlsx: the formats that take one flat table (a register) rather than the whole tree. */
#define OUT_TABULAR(f) ((f) == OUT_CSV || (f) == OUT_XLSX)

typedef struct {
	out_format format;
	int color;                   /* ANSI colour allowed (TTY and no NO_COLOR) */
	int tty;                     /* stdout is a terminal */
	const char *catalogue_path;  /* --catalogue or SMSAUDIT_CATALOGUE */
	const char *repo_path;       /* --repo or SMSAUDIT_REPO (default ".") */
	const char *keys_dir;        /* --keys or SMSAUDIT_KEYS (default ~/.config/smsaudit/keys) */
	const char *as_email;        /* --as or SMSAUDIT_AS */
	const char *key_path;        /* --key or SMSAUDIT_KEY */
	int no_cache;                /* --no-cache before the command: every reader derives afresh */
	char keys_default[512];
} cli_ctx;

typedef struct cli_option cli_option;

/* One sub-command of a command group, as git's builtins have them: its name,
 * its usage line(s) and its own options, side by side in its cmd_*.c. */
typedef struct {
	const char *name;          /* "list"; NULL ends a table */
	const char *usage;         /* "smsaudit evidence show ID [--at DATE]\n"; further lines
	                            * indented to line up after "usage: " */
	const cli_option *opts;    /* its own options; NULL: only the common ones */
} cli_sub;

typedef struct {
	const char *name;
	int (*fn)(cli_ctx *ctx, int argc, char **argv);
	const char *summary;
	/* Without sub-commands: the full usage text with an example. With them:
	 * the text that follows the sub-commands' usage lines. */
	const char *help;
	const cli_sub *subs;       /* NULL: no sub-commands */
} cli_command;

/*
 * Text as a terminal should show it: C0 and C1 controls and DEL, bytes that
 * are not UTF-8, and characters that hide or reorder text (bidirectional
 * overrides and isolates, invisible format characters: smsaudit_char_hidden)
 * are written as \x1b or \u{202e}, so nothing printed can move the cursor,
 * recolour the screen or show a name as another. With CLI_VIS_LAYOUT, newline
 * and tab stay and only the reordering characters are escaped (free text).
 * Every message and every text-format cell goes through this; CSV, JSON and
 * XML carry the data exactly. cli_visible returns a malloc'd string.
 */
enum { CLI_VIS_LAYOUT = 1 };
char *cli_visible(const char *s, unsigned flags);
/* cli_visible(s, 0) into buf, cut to fit `size` with "...": for text the user
 * typed (an unknown option) inside a message. Returns buf. */
const char *cli_escape(char *buf, size_t size, const char *s);
/* cli_visible(s, 0) for a printf argument: valid until 8 more calls. */
const char *cli_safe(const char *s);
/* "smsaudit: warning: <message>" on stderr, shown as cli_visible does. */
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "smsaudit: <library error>" and return the exit code for `rc`. */
int cli_fail(int rc);
/* Print "smsaudit: <message>" and return `code`. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error for a command: message plus a pointer to --help; returns EXIT_USAGE. */
int cli_usage(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The command called `name`, or NULL. */
const cli_command *cli_find_command(const char *name);
/* Print a command's help text. */
void cli_print_help(const cli_command *cmd, FILE *f);
/* Print one sub-command's usage line(s), then its group's text. */
void cli_print_sub_help(const cli_command *cmd, const cli_sub *sub, FILE *f);
/* Parse "text|csv|json|xml|xlsx"; returns 0 or -1. */
int cli_parse_format(out_format *out, const char *s);
/* Load the catalogue chosen by --catalogue/SMSAUDIT_CATALOGUE, or the built-in one. */
int cli_load_catalogue(cli_ctx *ctx, smsaudit_catalogue **out);
/* An ANSI sequence when colour is on, "" otherwise. */
const char *cli_sgr(const cli_ctx *ctx, const char *code);

/* ---- structured output: build a tree, then emit it in the chosen format ---- */

typedef struct out_node out_node;

out_node *out_object(void);
out_node *out_array(const char *item_name);
void out_set_str(out_node *obj, const char *key, const char *value);  /* NULL: null */
void out_set_int(out_node *obj, const char *key, long long value);
void out_set_bool(out_node *obj, const char *key, int value);
/* A date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM:SSZ): text in CSV, JSON and
 * XML, a real date in xlsx. 0 is written as "" (no date). */
void out_set_date(out_node *obj, const char *key, time_t t);
void out_set_time(out_node *obj, const char *key, time_t t);
out_node *out_set_obj(out_node *obj, const char *key);
out_node *out_set_arr(out_node *obj, const char *key, const char *item_name);
out_node *out_push_obj(out_node *arr);
void out_push_str(out_node *arr, const char *value);
void out_free(out_node *node);

/* JSON, XML (root element `root_name`) or CSV (arrays of flat objects become
 * rows with a header; a single object becomes key,value rows). xlsx: an array
 * of flat objects is one sheet; an object is a `summary` sheet of its scalars
 * (field, value) and one sheet per array of objects it holds. Each sheet has a
 * header row, frozen panes, an autofilter and column widths; dates are dates,
 * numbers numbers, and every text is a text cell. The workbook goes to the file
 * out_output() named (written beside it and renamed into place) or to `f`. A
 * failure is printed once and remembered (out_failed). */
int out_emit(FILE *f, const out_node *root, out_format fmt, const char *root_name);

/* -o FILE of a command that lists: where xlsx goes (NULL: standard output). */
void out_output(const char *path);
/* 1 once an out_emit failed (its message printed): the tool exits 4. */
int out_failed(void);

/* The one rule for text a spreadsheet would run as a formula: it starts with
 * =, +, -, @, tab or CR. CSV gives such a cell a leading '; xlsx stores every
 * text as a text cell and gives these the text number format, so that editing
 * the cell does not turn it into a formula either. */
int out_formula_like(const char *s);

/* CSV cells starting with =, +, -, @, tab or CR are written with a leading '
 * so that a spreadsheet shows them as text instead of running them as
 * formulas; out_csv_raw(1) (--raw) writes them exactly as recorded. */
void out_csv_raw(int raw);

/* An aligned text table over an array of flat objects. `keys` are the fields to
 * show, `headers` their titles; the last column is cut to the terminal width. */
void out_table(FILE *f, const cli_ctx *ctx, const out_node *arr, const char *const *keys,
               const char *const *headers, size_t ncols);

/*
 * A list of flat objects written row by row in the format of ctx: the same
 * bytes out_emit (CSV, JSON, XML) or out_table (text: `keys` shown under
 * `headers`) would write for the whole array, without holding it. Fill the
 * object out_stream_row returns; it is written when the next row is asked for
 * or at out_stream_end, which reports how many rows there were and returns
 * like out_emit. Text shows nothing for no rows (the caller says so).
 */
typedef struct out_stream out_stream;
out_stream *out_stream_begin(FILE *f, const cli_ctx *ctx, const char *root_name, const char *item_name,
                             const char *const *keys, const char *const *headers, size_t ncols);
out_node *out_stream_row(out_stream *s);
int out_stream_end(out_stream *s, size_t *rows);

/* Write `text` wrapped to `width` columns, each line after the first indented by `indent`. */
void out_wrap(FILE *f, const char *text, int indent, int width);

/* Terminal width (80 when not a terminal or unknown). */
int out_term_width(const cli_ctx *ctx);

/*
 * Option parsing for a command. `opts` lists the command's own options; the
 * common ones (--format, --repo, --keys, --as, --key, --help) are handled here.
 * `on_opt` gets each own option (id, value). Positional arguments are
 * returned in argv order. Returns -1 to go on, or an exit code to return now.
 */
struct cli_option {
	const char *name;
	int has_arg;
	int id;
	char short_name;   /* e.g. 'o' for -o; 0: none */
};

typedef int (*cli_opt_fn)(int id, const char *arg, void *payload);

int cli_parse(cli_ctx *ctx, const char *command, int argc, char **argv, const cli_option *opts,
              cli_opt_fn on_opt, void *payload, char ***positional, int *npositional);

/*
 * The sub-command argv[1] of the group `command` (argv[0] is the group's name).
 * Returns -1 with *sub set, or an exit code to return now: --help printed the
 * group's help, or no or an unknown sub-command was given.
 */
int cli_sub_find(const char *command, int argc, char **argv, const cli_sub **sub);
/* The sub-command `name` of the group `command`, or NULL. */
const cli_sub *cli_sub_named(const char *command, const char *name);

/*
 * cli_parse for one sub-command: argv[0] is the sub-command's name, and only
 * its own options (and the common ones) are taken. Any other option is refused
 * with one line naming it and the sub-command; --help prints the sub-command's
 * usage. Returns -1 to go on, or an exit code to return now.
 */
int cli_parse_sub(cli_ctx *ctx, const char *command, const cli_sub *sub, int argc, char **argv,
                  cli_opt_fn on_opt, void *payload, char ***positional, int *npositional);

/* Open the repository chosen by --repo/SMSAUDIT_REPO (or the current directory). */
int cli_open_store(cli_ctx *ctx, smsaudit_store **out);
/* Who is signing: --key, --as, or the only personal key in the keys directory. */
int cli_identity(cli_ctx *ctx, smsaudit_store *store, smsaudit_identity **out);
/* Passphrase for a key file if it is encrypted (NULL otherwise or on error). */
int cli_key_passphrase(const char *path, char **out);
/* Progress on stderr, only on a terminal. */
void cli_progress(size_t done, size_t total, void *payload);
/*
 * One self-updating line on standard error for long work (the library's
 * progress, common.h): what, done/total, rate and time left. Shown only when
 * standard error is a terminal, CI is not set, SMSAUDIT_PROGRESS is not 0,
 * and the output is for people (text, or any format to a terminal); after
 * half a second of work, so quick commands show nothing. It carries no
 * colour, so NO_COLOR leaves it alone. SMSAUDIT_PROGRESS=1 shows it from the
 * start (still only on a terminal). The line is erased when the work ends.
 */
void cli_progress_start(const cli_ctx *ctx);
/* Split "a,b c" into a NULL-terminated array of strings (free with cli_free_list). */
char **cli_split_list(const char *s, size_t *n);
void cli_free_list(char **list);
/* Append `arg` to a repeated option's values; -1 when `max` are there already. */
int cli_push(const char **values, size_t *n, size_t max, const char *arg);

/* The repository and, for commands that sign, who signs. */
typedef struct {
	smsaudit_store *store;
	smsaudit_identity *me;   /* NULL unless opened with `sign` */
} cli_session;

/* Returns -1 to go on, or an exit code (the error has been printed). */
int cli_session_open(cli_ctx *ctx, cli_session *s, int sign);
void cli_session_close(cli_session *s);

/* The repository as of a date: the commit current at the end of --at (or
 * --commit, or head), its verified state, and the as-of date (today by default). */
typedef struct {
	smsaudit_store *store;
	smsaudit_oid commit;
	char hex[41];
	time_t as_of;
	smsaudit_state *st;
	char *organisation;   /* cli_organisation's answer, kept until close */
} cli_view;

/* Returns -1 to go on, or an exit code (the error has been printed). */
int cli_view_open(cli_ctx *ctx, cli_view *v, const char *command, const char *at, const char *commit, int no_cache);
/* One warning line on stderr when the state differs from what this machine's
 * pin holds (commit NULL: main's head). */
void cli_pin_warn(smsaudit_store *store, const smsaudit_state *st, const smsaudit_oid *commit);
void cli_view_close(cli_view *v);
/* The organisation's name as the SMS description in force at the view's
 * commit states it (sms change --org), else smsaudit.xml's. */
const char *cli_organisation(cli_view *v);

/* Write `len` bytes to `path` whole: into a new file beside it, then renamed
 * over it, so a failure leaves nothing half-written. Prints the error (one
 * line naming the path) and returns EXIT_ENV, or returns -1 when written. */
int cli_write_file(const char *path, const void *data, size_t len);

/* Commands. */
int cmd_catalogue(cli_ctx *ctx, int argc, char **argv);
int cmd_init(cli_ctx *ctx, int argc, char **argv);
int cmd_person(cli_ctx *ctx, int argc, char **argv);
int cmd_evidence(cli_ctx *ctx, int argc, char **argv);
int cmd_verify(cli_ctx *ctx, int argc, char **argv);
int cmd_assess(cli_ctx *ctx, int argc, char **argv);
int cmd_gap(cli_ctx *ctx, int argc, char **argv);
int cmd_status(cli_ctx *ctx, int argc, char **argv);
int cmd_finding(cli_ctx *ctx, int argc, char **argv);
int cmd_sms(cli_ctx *ctx, int argc, char **argv);
int cmd_certificate(cli_ctx *ctx, int argc, char **argv);
int cmd_key(cli_ctx *ctx, int argc, char **argv);
int cmd_anchor(cli_ctx *ctx, int argc, char **argv);
int cmd_tsa(cli_ctx *ctx, int argc, char **argv);
int cmd_stamp(cli_ctx *ctx, int argc, char **argv);
int cmd_clone(cli_ctx *ctx, int argc, char **argv);
int cmd_sync(cli_ctx *ctx, int argc, char **argv);
int cmd_hook(cli_ctx *ctx, int argc, char **argv);
int cmd_audit(cli_ctx *ctx, int argc, char **argv);
int cmd_cycle(cli_ctx *ctx, int argc, char **argv);
int cmd_pack(cli_ctx *ctx, int argc, char **argv);
int cmd_verify_pack(cli_ctx *ctx, int argc, char **argv);
int cmd_sample(cli_ctx *ctx, int argc, char **argv);
int cmd_calendar(cli_ctx *ctx, int argc, char **argv);
int cmd_site(cli_ctx *ctx, int argc, char **argv);
int cmd_remind(cli_ctx *ctx, int argc, char **argv);
int cmd_oscal(cli_ctx *ctx, int argc, char **argv);
/* 'audit programme --year YYYY': the internal audits of a year and what they cover. */
int cli_programme(cli_ctx *ctx, const char *year, const char *at);
/* "surveillance 2", "certification decision", ... */
void cli_cycle_item_name(char *buf, size_t size, const smsaudit_cycle_item *it);

/* main.c's table, registered once at start for the shared parts (commands.c). */
void cli_set_commands(const cli_command *table);

/* Each command's help text and sub-commands, beside its code in cmd_*.c. */
extern const char cmd_catalogue_help[], cmd_init_help[], cmd_person_help[], cmd_evidence_help[],
	cmd_verify_help[], cmd_assess_help[], cmd_finding_help[], cmd_audit_help[], cmd_cycle_help[],
	cmd_pack_help[], cmd_verify_pack_help[], cmd_sms_help[], cmd_tsa_help[], cmd_stamp_help[], cmd_clone_help[], cmd_sync_help[], cmd_hook_help[], cmd_gap_help[],
	cmd_status_help[], cmd_calendar_help[], cmd_remind_help[], cmd_oscal_help[], cmd_sample_help[],
	cmd_certificate_help[], cmd_key_help[], cmd_anchor_help[], cmd_site_help[];
extern const cli_sub cmd_catalogue_subs[], cmd_person_subs[], cmd_evidence_subs[], cmd_finding_subs[],
	cmd_audit_subs[], cmd_cycle_subs[], cmd_sms_subs[], cmd_tsa_subs[], cmd_oscal_subs[], cmd_hook_subs[],
	cmd_certificate_subs[], cmd_key_subs[], cmd_anchor_subs[];

#endif

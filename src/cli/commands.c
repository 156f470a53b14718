/*
 * The command table as the shared parts of the tool see it: main.c registers
 * its table once at start (cli_set_commands), so that parsing and help, which
 * every command uses, never reach up to the file that names every command.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_command *commands;

void cli_set_commands(const cli_command *table)
{
	commands = table;
}

const cli_command *cli_find_command(const char *name)
{
	for (const cli_command *c = commands; c && c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Help texts name the numbers the library defines rather than repeating them,
 * so that the help cannot drift from what the code does: each {name} here is
 * printed from its constant. */
static const struct {
	const char *name;
	int value;
} help_numbers[] = {
	{ "{status-window}", SMSAUDIT_STATUS_WINDOW_DAYS },
	{ "{status-window-2}", 2 * SMSAUDIT_STATUS_WINDOW_DAYS },
	{ "{status-horizon}", SMSAUDIT_STATUS_WINDOWS * SMSAUDIT_STATUS_WINDOW_DAYS },
	{ "{tsa-tolerance}", SMSAUDIT_TSA_TOLERANCE_HOURS },
};

static void put_help(FILE *f, const char *text)
{
	const size_t n = sizeof(help_numbers) / sizeof(help_numbers[0]);
	for (const char *brace; (brace = strchr(text, '{'));) {
		fwrite(text, 1, (size_t)(brace - text), f);
		size_t i = 0;
		while (i < n && strncmp(brace, help_numbers[i].name, strlen(help_numbers[i].name)) != 0)
			i++;
		if (i < n) {
			fprintf(f, "%d", help_numbers[i].value);
			text = brace + strlen(help_numbers[i].name);
		} else {
			fputc('{', f);
			text = brace + 1;
		}
	}
	fputs(text, f);
}

/* A group's usage: each sub-command's line(s), the first after "usage: ". */
void cli_print_help(const cli_command *cmd, FILE *f)
{
	fprintf(f, "smsaudit %s - %s\n\n", cmd->name, cmd->summary);
	if (cmd->subs) {
		for (const cli_sub *s = cmd->subs; s->name; s++)
			fprintf(f, "%s%s", s == cmd->subs ? "usage: " : "       ", s->usage);
		fputc('\n', f);
	}
	put_help(f, cmd->help);
}

/* A sub-command's usage, the options its table takes (so that the help cannot
 * drift from what is accepted), then its group's text. */
void cli_print_sub_help(const cli_command *cmd, const cli_sub *sub, FILE *f)
{
	static const char common[] = "--format, --repo, --keys, --as, --key";
	/* -o FILE (with --format xlsx) is common too, unless the sub-command has its own -o. */
	char opts[1024] = "";
	size_t used = 0;
	for (const cli_option *o = sub->opts; o && o->name && used < sizeof(opts); o++) {
		int w = o->short_name
		      ? snprintf(opts + used, sizeof(opts) - used, "%s-%c|--%s", used ? ", " : "", o->short_name, o->name)
		      : snprintf(opts + used, sizeof(opts) - used, "%s--%s", used ? ", " : "", o->name);
		used += w > 0 ? (size_t)w : 0;
	}
	int own_o = 0;
	for (const cli_option *o = sub->opts; o && o->name; o++)
		own_o |= o->short_name == 'o';
	const char *xlsx = own_o ? "" : " (and -o FILE with --format xlsx)";
	char text[1300];
	if (opts[0])
		snprintf(text, sizeof(text), "%s, and the common %s%s", opts, common, xlsx);
	else
		snprintf(text, sizeof(text), "only the common %s%s", common, xlsx);
	fprintf(f, "smsaudit %s %s - %s\n\nusage: %s\noptions: ", cmd->name, sub->name, cmd->summary, sub->usage);
	out_wrap(f, text, 9, 80);
	fputc('\n', f);
	put_help(f, cmd->help);
}


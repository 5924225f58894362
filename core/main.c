/* main.c: global options and dispatch to the commands in core/cmd/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "cmd/cmd.h"

const struct cmd *const cmd_all[] = {&cmd_migrate,  &cmd_rename,   &cmd_clone,   &cmd_delete,
                                     &cmd_rollback, &cmd_platform, &cmd_site,    &cmd_compare,
                                     &cmd_backup,   &cmd_backups,  &cmd_restore, &cmd_tasks,
                                     &cmd_task,     &cmd_recover,  &cmd_plugins, &cmd_adapter,
                                     &cmd_config,   &cmd_version,  &cmd_help,    NULL};

const struct cmd *cmd_find(const char *name)
{
	for (size_t i = 0; cmd_all[i]; i++)
		if (strcmp(cmd_all[i]->name, name) == 0)
			return cmd_all[i];
	return NULL;
}

int cmd_no_args(const struct cmd *c, int argc, char **argv)
{
	if (argc > 1)
		return app_usage(c->name, "unexpected argument '%s'", argv[1]);
	return 0;
}

int cmd_opt_value(const char *cmd, int argc, char **argv, int *i, const char *name,
                  const char **val)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
	} else if (argv[*i][n] == '\0') {
		if (*i + 1 >= argc)
			return app_usage(cmd, "%s needs a value", name), -1;
		*val = argv[++*i];
	} else {
		return 0;
	}
	if (!**val)
		return app_usage(cmd, "%s needs a value", name), -1;
	return 1;
}

int cmd_opt_flag(char **argv, int i, const char *name)
{
	return strcmp(argv[i], name) == 0;
}

const char *cmd_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !localtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0)
		(void)snprintf(buf, size, "%s", "never");
	return buf;
}

/* Take a global option at argv[*i]; 1 if it was one, 0 if not, -1 on a usage error. */
static int global_option(struct app *a, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];

	if (strcmp(arg, "--config") == 0) {
		if (*i + 1 >= argc || !argv[*i + 1][0]) {
			fprintf(stderr, "drover: --config needs a file; see 'drover help'\n");
			return -1;
		}
		a->config_path = argv[++*i];
	} else if (strncmp(arg, "--config=", 9) == 0) {
		if (!arg[9]) {
			fprintf(stderr, "drover: --config needs a file; see 'drover help'\n");
			return -1;
		}
		a->config_path = arg + 9;
	} else if (strcmp(arg, "--json") == 0) {
		a->json = 1;
	} else if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0) {
		a->quiet = 1;
	} else if (strcmp(arg, "--verbose") == 0 || strcmp(arg, "-v") == 0) {
		a->verbose = 1;
	} else if (strcmp(arg, "--yes") == 0 || strcmp(arg, "-y") == 0) {
		a->yes = 1;
	} else {
		return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct app a;
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	int n = 0, rc, help = 0, only_args = 0;
	const struct cmd *c;

	if (!rest) {
		fputs("drover: out of memory\n", stderr);
		return EXIT_FAILED;
	}
	memset(&a, 0, sizeof(a));
	/* Global options may come before or after the command, as users type them. */
	for (int i = 1; i < argc; i++) {
		if (!only_args && strcmp(argv[i], "--") == 0) {
			only_args = 1;
			continue;
		}
		if (!only_args) {
			rc = global_option(&a, argc, argv, &i);
			if (rc < 0) {
				free(rest);
				return EXIT_USAGE;
			}
			if (rc > 0)
				continue;
			if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
				help = 1;
				continue;
			}
			if (n == 0 && strcmp(argv[i], "--version") == 0) {
				rest[n++] = "version";
				continue;
			}
		}
		rest[n++] = argv[i];
	}
	if (a.quiet && a.verbose) {
		free(rest);
		fputs("drover: --quiet and --verbose contradict each other: give one\n", stderr);
		return EXIT_USAGE;
	}
	if (n == 0 && !help) {
		free(rest);
		fputs(
		    "usage: drover [--config FILE] [--json] [--quiet|--verbose] [--yes] <command> "
		    "[args]\ndrover: no command given; see 'drover help' for the commands\n",
		    stderr);
		return EXIT_USAGE;
	}
	if (help) {
		/* `drover CMD --help` is `drover help CMD`. */
		char *hargv[] = {"help", n ? rest[0] : NULL, NULL};
		rc = cmd_help.run(&a, n ? 2 : 1, hargv);
		free(rest);
		return rc;
	}
	c = cmd_find(rest[0]);
	if (!c) {
		fprintf(stderr, "drover: '%s' is not a drover command; see 'drover help'\n",
		        rest[0]);
		free(rest);
		return EXIT_USAGE;
	}
	rc = c->run(&a, n, rest);
	app_free(&a);
	free(rest);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("drover: writing output");
		return rc ? rc : EXIT_FAILED;
	}
	return rc;
}

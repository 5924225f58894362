/* help.c: drover help [COMMAND]. */
#include <stdio.h>

#include "cmd.h"

static void overview(void)
{
	printf("usage: drover [options] <command> [args]\n\n"
	       "drover keeps fleets of Drupal and Magento sites safe through their upgrades.\n\n"
	       "commands:\n");
	for (size_t i = 0; cmd_all[i]; i++)
		printf("  %-10s %s\n", cmd_all[i]->name, cmd_all[i]->summary);
	printf("\noptions (anywhere on the line):\n"
	       "  --config FILE   read FILE instead of $DROVER_CONFIG or the system configuration\n"
	       "  --json          machine-readable output on listings and reports\n"
	       "  -q, --quiet     only errors on stderr\n"
	       "  -v, --verbose   debug lines on stderr\n"
	       "  -y, --yes       do not ask for confirmation\n"
	       "  -h, --help      help for the command\n\n"
	       "exit codes: 0 done, 1 the task failed (and was rolled back), 2 bad usage or\n"
	       "configuration, 3 refused by a safety check.\n\n"
	       "'drover help <command>' tells more about one command.\n");
}

static int run(struct app *a, int argc, char **argv)
{
	const struct cmd *c;

	(void)a;
	if (argc > 2)
		return app_usage("help", "give at most one command");
	if (argc < 2 || !argv[1]) {
		overview();
		return EXIT_DONE;
	}
	c = cmd_find(argv[1]);
	if (!c) {
		fprintf(stderr, "drover help: '%s' is not a drover command; see 'drover help'\n",
		        argv[1]);
		return EXIT_USAGE;
	}
	printf("usage: %s\n\n%s\n", c->usage, c->summary);
	if (c->help && c->help[0])
		printf("\n%s", c->help);
	return EXIT_DONE;
}

const struct cmd cmd_help = {
    .name = "help",
    .run = run,
    .usage = "drover help [COMMAND]",
    .summary = "show the commands, or how to use one",
    .help = "",
};

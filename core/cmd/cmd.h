/* cmd.h: the command table. One file per command family in core/cmd/. */
#ifndef DROVER_CMD_H
#define DROVER_CMD_H

#include "app.h"

struct cmd {
	const char *name;
	int (*run)(struct app *a, int argc, char **argv); /* argv[0] is the command name */
	const char *usage;                                /* "drover plugins [--json]" */
	const char *summary;                              /* one line for `drover help` */
	const char *help;                                 /* the rest of `drover help NAME` */
};

extern const struct cmd cmd_help, cmd_version, cmd_plugins, cmd_config;

/* All commands, NULL-terminated, in the order `drover help` lists them. */
extern const struct cmd *const cmd_all[];

const struct cmd *cmd_find(const char *name);

/* Common argument handling: accept no arguments beyond argv[0]. */
int cmd_no_args(const struct cmd *c, int argc, char **argv);

#endif

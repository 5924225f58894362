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

extern const struct cmd cmd_help, cmd_version, cmd_plugins, cmd_config, cmd_platform, cmd_site,
    cmd_compare, cmd_backup, cmd_backups, cmd_restore, cmd_tasks, cmd_task, cmd_recover,
    cmd_migrate, cmd_rename, cmd_clone, cmd_delete, cmd_rollback, cmd_adapter;

/* All commands, NULL-terminated, in the order `drover help` lists them. */
extern const struct cmd *const cmd_all[];

const struct cmd *cmd_find(const char *name);

/* Common argument handling: accept no arguments beyond argv[0]. */
int cmd_no_args(const struct cmd *c, int argc, char **argv);

/*
 * Command options. cmd_opt_value: is argv[*i] `--name VALUE` or `--name=VALUE`? 1 and *val set
 * (and *i advanced past VALUE), 0 if it is another argument, -1 after printing a usage error
 * when the value is missing. cmd_opt_flag: is argv[*i] `--name`?
 */
int cmd_opt_value(const char *cmd, int argc, char **argv, int *i, const char *name,
                  const char **val);
int cmd_opt_flag(char **argv, int i, const char *name);

/* Print a Unix time as local "YYYY-MM-DD HH:MM", or "never" for 0. */
const char *cmd_time(int64_t t, char *buf, size_t size);

#endif

/* config.h: drover's configuration. config.c is the only file that calls libconfig. */
#ifndef DROVER_CONFIG_H
#define DROVER_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <drover/adapter.h>

/* Where the settings came from, in the order they are looked for. */
#define CFG_FROM_OPTION   1 /* --config FILE */
#define CFG_FROM_ENV      2 /* $DROVER_CONFIG */
#define CFG_FROM_SYSTEM   3 /* DROVER_SYSTEM_CONFIG (/etc/drover/drover.cfg) */
#define CFG_FROM_DEFAULTS 4 /* no file: embedded defaults */

#define CFG_WHERE_MAX (PATH_MAX + 32)
#define CFG_NAME_MAX  64

struct cfg_dir {
	char path[PATH_MAX];
	char where[CFG_WHERE_MAX]; /* "file:line" */
};

struct cfg_db_server {
	char name[CFG_NAME_MAX];
	char driver[8];               /* "sqlite" or "mysql" */
	char directory[PATH_MAX];     /* sqlite: where database files live */
	char host[256];               /* mysql */
	int port;                     /* mysql */
	char socket[PATH_MAX];        /* mysql: unix socket, "" = use host/port */
	char user[128];               /* mysql: administrative user */
	char password_file[PATH_MAX]; /* mysql: "" = no password (socket authentication) */
	char where[CFG_WHERE_MAX];    /* "file:line", or "embedded defaults" */
};

struct cfg_backups {
	char format[8]; /* "zst" or "gz" */
	int zstd_level;
	int threads; /* 0 = one per core */
	int keep_last, keep_daily, keep_weekly, keep_monthly;
};

struct cfg {
	int source;          /* CFG_FROM_* */
	char file[PATH_MAX]; /* the file read; "" for embedded defaults */
	char data_dir[PATH_MAX];
	char registry[PATH_MAX];
	char backup_dir[PATH_MAX];
	struct cfg_dir *plugin_dirs;
	size_t n_plugin_dirs;
	int builtin_plugins; /* search DROVER_ADAPTER_DIR too */
	int log_level;       /* DROVER_LOG_* */
	char default_db_server[CFG_NAME_MAX];
	struct cfg_db_server *db_servers;
	size_t n_db_servers;
	struct cfg_backups backups;
	void *lc; /* the parsed file (config_t *), kept for adapter subtrees; NULL for defaults */
};

/*
 * Load the configuration: `cli_path` (--config) if not NULL, else $DROVER_CONFIG if set, else
 * DROVER_SYSTEM_CONFIG if it exists, else embedded defaults under $XDG_DATA_HOME/drover. Every
 * error names the file and line. On failure `c` holds nothing to free.
 */
int cfg_load(struct cfg *c, const char *cli_path, struct drover_error *err);
void cfg_free(struct cfg *c);

/* Which name the source has, for messages ("--config", "$DROVER_CONFIG", ...). */
const char *cfg_source_name(int source);

/* The db server named `name`, or NULL. */
const struct cfg_db_server *cfg_db_server(const struct cfg *c, const char *name);

/*
 * Adapter subtrees (`adapters: { NAME: { ... } }`).
 * cfg_check_option_table: is an adapter's option table well-formed? 0, or DROVER_E_INVAL with a
 *   reason in why (used by the loader before it accepts an adapter).
 * cfg_check_adapter: validate adapters.NAME against the adapter's option table.
 * cfg_adapter_foreach: each configured adapter subtree name with its "file:line".
 * cfg_adapter_int/bool/str: the effective value of a declared option (file or default).
 */
int cfg_check_option_table(const struct drover_option *opts, char *why, size_t why_size);
int cfg_check_adapter(const struct cfg *c, const char *name, const struct drover_option *opts,
                      struct drover_error *err);
int cfg_adapter_foreach(const struct cfg *c,
                        int (*cb)(void *arg, const char *name, const char *where), void *arg);
int cfg_adapter_int(const struct cfg *c, const char *adapter, const struct drover_option *opt,
                    int64_t *out);
int cfg_adapter_bool(const struct cfg *c, const char *adapter, const struct drover_option *opt,
                     int32_t *out);
int cfg_adapter_str(const struct cfg *c, const char *adapter, const struct drover_option *opt,
                    char *buf, size_t size);
/* 1 if the file sets adapters.ADAPTER.KEY (as opposed to the default applying). */
int cfg_adapter_is_set(const struct cfg *c, const char *adapter, const char *key);

/* Log level names: "error", "warning", "info", "debug". */
const char *cfg_log_level_name(int level);

#endif

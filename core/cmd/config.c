/* config.c: drover config show|check: the effective settings, secrets masked. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "util.h"

#define MASK "********"

/* A string in libconfig syntax. */
static void put_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static void text_str(int indent, const char *key, const char *v)
{
	printf("%*s%s = ", indent, "", key);
	put_str(v);
	printf(";\n");
}

static void text_int(int indent, const char *key, long long v)
{
	printf("%*s%s = %lld;\n", indent, "", key, v);
}

static void text_bool(int indent, const char *key, int v)
{
	printf("%*s%s = %s;\n", indent, "", key, v ? "true" : "false");
}

/* One adapter option's effective value, as text, JSON or not at all if unset. */
static void adapter_option(struct app *a, struct jw *j, const struct ldr_entry *e,
                           const struct drover_option *o)
{
	char buf[4096];
	int64_t iv;
	int32_t bv;
	int set = cfg_adapter_is_set(&a->cfg, e->name, o->key);
	const char *origin = set ? "" : "  # default";

	if (o->type == DROVER_OPT_INT && cfg_adapter_int(&a->cfg, e->name, o, &iv) == 0) {
		if (j)
			jw_kint(j, o->key, iv);
		else
			printf("    %s = %" PRId64 ";%s\n", o->key, iv, origin);
	} else if (o->type == DROVER_OPT_BOOL && cfg_adapter_bool(&a->cfg, e->name, o, &bv) == 0) {
		if (j)
			jw_kbool(j, o->key, bv);
		else
			printf("    %s = %s;%s\n", o->key, bv ? "true" : "false", origin);
	} else if (o->type == DROVER_OPT_STRING &&
	           cfg_adapter_str(&a->cfg, e->name, o, buf, sizeof(buf)) == 0) {
		const char *v = (o->flags & DROVER_OPT_SECRET) ? MASK : buf;
		if (j) {
			jw_kstr(j, o->key, v);
		} else if (v[0]) { /* an empty string is unset: a file cannot hold one */
			printf("    %s = ", o->key);
			put_str(v);
			printf(";%s\n", origin);
		}
	}
}

static void show_text(struct app *a)
{
	const struct cfg *c = &a->cfg;

	if (c->file[0])
		printf("# from %s (%s)\n", c->file, cfg_source_name(c->source));
	else
		printf("# embedded defaults: no --config, no $DROVER_CONFIG, no %s\n",
		       DROVER_SYSTEM_CONFIG);
	text_str(0, "data_dir", c->data_dir);
	text_str(0, "registry", c->registry);
	text_str(0, "backup_dir", c->backup_dir);
	printf("plugin_dirs = [");
	for (size_t i = 0; i < c->n_plugin_dirs; i++) {
		printf("%s", i ? ", " : " ");
		put_str(c->plugin_dirs[i].path);
	}
	printf(" ];\n");
	text_bool(0, "builtin_plugins", c->builtin_plugins);
	text_str(0, "log_level", cfg_log_level_name(c->log_level));
	text_str(0, "default_db_server", c->default_db_server);
	printf("backups: {\n");
	text_str(2, "format", c->backups.format);
	text_int(2, "zstd_level", c->backups.zstd_level);
	text_int(2, "threads", c->backups.threads);
	text_int(2, "keep_last", c->backups.keep_last);
	text_int(2, "keep_daily", c->backups.keep_daily);
	text_int(2, "keep_weekly", c->backups.keep_weekly);
	text_int(2, "keep_monthly", c->backups.keep_monthly);
	printf("};\ndb_servers: {\n");
	for (size_t i = 0; i < c->n_db_servers; i++) {
		const struct cfg_db_server *d = &c->db_servers[i];
		printf("  %s: {\n", d->name);
		text_str(4, "driver", d->driver);
		if (strcmp(d->driver, "sqlite") == 0) {
			text_str(4, "directory", d->directory);
		} else {
			text_str(4, "host", d->host);
			text_int(4, "port", d->port);
			if (d->socket[0])
				text_str(4, "socket", d->socket);
			text_str(4, "user", d->user);
			if (d->password_file[0])
				text_str(4, "password_file", d->password_file);
		}
		printf("  };\n");
	}
	printf("};\nadapters: {\n");
	for (size_t i = 0; i < a->ldr.n; i++) {
		const struct ldr_entry *e = &a->ldr.v[i];
		if (!e->loaded)
			continue;
		printf("  %s: {\n", e->name);
		for (const struct drover_option *o = e->desc->options; o && o->key; o++)
			adapter_option(a, NULL, e, o);
		printf("  };\n");
	}
	printf("};\n");
}

static void show_json(struct app *a)
{
	const struct cfg *c = &a->cfg;
	struct jw j;

	jw_init(&j, stdout);
	jw_obj_begin(&j);
	jw_key(&j, "source");
	jw_obj_begin(&j);
	jw_kstr(&j, "kind", cfg_source_name(c->source));
	jw_kstr(&j, "file", c->file[0] ? c->file : NULL);
	jw_obj_end(&j);
	jw_kstr(&j, "data_dir", c->data_dir);
	jw_kstr(&j, "registry", c->registry);
	jw_kstr(&j, "backup_dir", c->backup_dir);
	jw_key(&j, "plugin_dirs");
	jw_arr_begin(&j);
	for (size_t i = 0; i < c->n_plugin_dirs; i++)
		jw_str(&j, c->plugin_dirs[i].path);
	jw_arr_end(&j);
	jw_kbool(&j, "builtin_plugins", c->builtin_plugins);
	jw_kstr(&j, "log_level", cfg_log_level_name(c->log_level));
	jw_kstr(&j, "default_db_server", c->default_db_server);
	jw_key(&j, "backups");
	jw_obj_begin(&j);
	jw_kstr(&j, "format", c->backups.format);
	jw_kint(&j, "zstd_level", c->backups.zstd_level);
	jw_kint(&j, "threads", c->backups.threads);
	jw_kint(&j, "keep_last", c->backups.keep_last);
	jw_kint(&j, "keep_daily", c->backups.keep_daily);
	jw_kint(&j, "keep_weekly", c->backups.keep_weekly);
	jw_kint(&j, "keep_monthly", c->backups.keep_monthly);
	jw_obj_end(&j);
	jw_key(&j, "db_servers");
	jw_obj_begin(&j);
	for (size_t i = 0; i < c->n_db_servers; i++) {
		const struct cfg_db_server *d = &c->db_servers[i];
		int sqlite = strcmp(d->driver, "sqlite") == 0;
		jw_key(&j, d->name);
		jw_obj_begin(&j);
		jw_kstr(&j, "driver", d->driver);
		if (sqlite) {
			jw_kstr(&j, "directory", d->directory);
		} else {
			jw_kstr(&j, "host", d->host);
			jw_kint(&j, "port", d->port);
			jw_kstr(&j, "socket", d->socket[0] ? d->socket : NULL);
			jw_kstr(&j, "user", d->user);
			jw_kstr(&j, "password_file", d->password_file[0] ? d->password_file : NULL);
		}
		jw_obj_end(&j);
	}
	jw_obj_end(&j);
	jw_key(&j, "adapters");
	jw_obj_begin(&j);
	for (size_t i = 0; i < a->ldr.n; i++) {
		const struct ldr_entry *e = &a->ldr.v[i];
		if (!e->loaded)
			continue;
		jw_key(&j, e->name);
		jw_obj_begin(&j);
		for (const struct drover_option *o = e->desc->options; o && o->key; o++)
			adapter_option(a, &j, e, o);
		jw_obj_end(&j);
	}
	jw_obj_end(&j);
	jw_obj_end(&j);
	jw_end(&j);
}

static int run(struct app *a, int argc, char **argv)
{
	int show;

	if (argc < 2)
		return app_usage("config", "say what to do: show or check");
	show = strcmp(argv[1], "show") == 0;
	if (!show && strcmp(argv[1], "check") != 0)
		return app_usage("config", "unknown subcommand '%s' (known: show, check)", argv[1]);
	if (argc > 2)
		return app_usage("config", "unexpected argument '%s'", argv[2]);
	if (app_adapters(a, 0) != 0)
		return app_fail(a);
	if (!show) {
		if (a->json) {
			struct jw j;
			jw_init(&j, stdout);
			jw_obj_begin(&j);
			jw_kbool(&j, "valid", 1);
			jw_kstr(&j, "file", a->cfg.file[0] ? a->cfg.file : NULL);
			jw_obj_end(&j);
			jw_end(&j);
		} else if (!a->quiet)
			printf("configuration is valid: %s\n",
			       a->cfg.file[0] ? a->cfg.file : "embedded defaults");
		return EXIT_DONE;
	}
	if (a->json)
		show_json(a);
	else
		show_text(a);
	return EXIT_DONE;
}

const struct cmd cmd_config = {
    .name = "config",
    .run = run,
    .usage = "drover config show|check [--json]",
    .summary = "show the effective settings (secrets masked), or check them",
    .help = "The configuration is read from --config FILE, else $DROVER_CONFIG, else the\n"
            "system file; with none of them drover runs on embedded defaults under\n"
            "$XDG_DATA_HOME/drover (~/.local/share/drover). `show` prints every effective\n"
            "setting in the file's own syntax, defaults included; `check` validates the file\n"
            "and every adapter's settings and exits 2 with the file and line of the first\n"
            "error.\n",
};

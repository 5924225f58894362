/*
 * config.c: reading and validating drover's configuration. The only file that calls libconfig.
 *
 * libconfig parses; we validate: every key must be known, every value of the right type and in
 * range, and every error names the file and line. libconfig 1.5 reads an integer literal that
 * does not fit 32 bits with atoi() and silently wraps it, so integers are also re-read from the
 * source text and compared.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "util.h"

#ifndef DROVER_SYSTEM_CONFIG
#define DROVER_SYSTEM_CONFIG "/etc/drover/drover.cfg"
#endif

#define MAX_PLUGIN_DIRS 32
#define MAX_DB_SERVERS  256

/* Value kinds of the core's own keys. */
#define K_STR  1
#define K_PATH 2 /* absolute path */
#define K_INT  3
#define K_BOOL 4
#define K_ENUM 5 /* one of `choices` */

struct key {
	const char *name;
	int kind;
	int min, max;               /* K_INT */
	const char *const *choices; /* K_ENUM, NULL-terminated */
	size_t off, size;           /* where the value goes in the destination struct */
	const char *help;
};

static const char *const log_levels[] = {"error", "warning", "info", "debug", NULL};
static const int log_level_values[] = {DROVER_LOG_ERR, DROVER_LOG_WARNING, DROVER_LOG_INFO,
                                       DROVER_LOG_DEBUG};
static const char *const drivers[] = {"sqlite", "mysql", NULL};
static const char *const formats[] = {"zst", "gz", NULL};

#define FIELD(st, f) offsetof(struct st, f), sizeof(((struct st *)0)->f)

/* Scalar top-level keys. plugin_dirs, log_level, db_servers, backups and adapters are handled
 * by name below. */
static const struct key top_keys[] = {
    {"data_dir", K_PATH, 0, 0, NULL, FIELD(cfg, data_dir), "base of registry, backups, databases"},
    {"registry", K_PATH, 0, 0, NULL, FIELD(cfg, registry), "the registry file"},
    {"backup_dir", K_PATH, 0, 0, NULL, FIELD(cfg, backup_dir), "where backups are written"},
    {"builtin_plugins", K_BOOL, 0, 0, NULL, FIELD(cfg, builtin_plugins),
     "load adapters from the built-in directory"},
    {"default_db_server", K_STR, 0, 0, NULL, FIELD(cfg, default_db_server),
     "db server for new sites"},
    {NULL, 0, 0, 0, NULL, 0, 0, NULL},
};
static const char *const top_other[] = {"plugin_dirs", "log_level", "db_servers",
                                        "backups",     "adapters",  NULL};

static const struct key backup_keys[] = {
    {"format", K_ENUM, 0, 0, formats, FIELD(cfg_backups, format), "zst or gz"},
    {"zstd_level", K_INT, 1, 19, NULL, FIELD(cfg_backups, zstd_level), "zstd level"},
    {"threads", K_INT, 0, 256, NULL, FIELD(cfg_backups, threads), "compression threads"},
    {"keep_last", K_INT, 1, 100000, NULL, FIELD(cfg_backups, keep_last), "newest kept"},
    {"keep_daily", K_INT, 0, 100000, NULL, FIELD(cfg_backups, keep_daily), "daily kept"},
    {"keep_weekly", K_INT, 0, 100000, NULL, FIELD(cfg_backups, keep_weekly), "weekly kept"},
    {"keep_monthly", K_INT, 0, 100000, NULL, FIELD(cfg_backups, keep_monthly), "monthly kept"},
    {NULL, 0, 0, 0, NULL, 0, 0, NULL},
};

static const struct key sqlite_keys[] = {
    {"driver", K_ENUM, 0, 0, drivers, FIELD(cfg_db_server, driver), "sqlite or mysql"},
    {"directory", K_PATH, 0, 0, NULL, FIELD(cfg_db_server, directory), "database files"},
    {NULL, 0, 0, 0, NULL, 0, 0, NULL},
};

static const struct key mysql_keys[] = {
    {"driver", K_ENUM, 0, 0, drivers, FIELD(cfg_db_server, driver), "sqlite or mysql"},
    {"host", K_STR, 0, 0, NULL, FIELD(cfg_db_server, host), "server host"},
    {"port", K_INT, 1, 65535, NULL, FIELD(cfg_db_server, port), "server port"},
    {"socket", K_PATH, 0, 0, NULL, FIELD(cfg_db_server, socket), "unix socket"},
    {"user", K_STR, 0, 0, NULL, FIELD(cfg_db_server, user), "administrative user"},
    {"password_file", K_PATH, 0, 0, NULL, FIELD(cfg_db_server, password_file),
     "file holding the password"},
    {NULL, 0, 0, 0, NULL, 0, 0, NULL},
};

/* --- source positions ------------------------------------------------------------------------ */

static void where_of(const struct cfg *c, const config_setting_t *s, char *buf, size_t size)
{
	const char *file = config_setting_source_file(s);

	if (!file)
		file = c->file[0] ? c->file : "embedded defaults";
	(void)str_fmt(buf, size, "%s:%u", file, config_setting_source_line(s));
}

/* "a.b.c" path of a setting, for messages; list elements as "a.b[2]". */
static void key_path(const config_setting_t *s, char *buf, size_t size)
{
	const config_setting_t *parts[16];
	size_t n = 0, used = 0;

	for (const config_setting_t *p = s; p && config_setting_parent(p) && n < ARRAY_LEN(parts);
	     p = config_setting_parent(p))
		parts[n++] = p;
	buf[0] = '\0';
	while (n > 0) {
		const config_setting_t *p = parts[--n];
		const char *name = config_setting_name(p);
		int w = name ? snprintf(buf + used, size - used, "%s%s", used ? "." : "", name)
		             : snprintf(buf + used, size - used, "[%d]", config_setting_index(p));
		if (w < 0 || (size_t)w >= size - used)
			break;
		used += (size_t)w;
	}
}

static int fail(const struct cfg *c, struct drover_error *err, const config_setting_t *s,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(const struct cfg *c, struct drover_error *err, const config_setting_t *s,
                const char *fmt, ...)
{
	char where[CFG_WHERE_MAX], msg[700];
	va_list ap;

	where_of(c, s, where, sizeof(where));
	va_start(ap, fmt);
	(void)str_vfmt(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(err, DROVER_E_CONFIG, where, "%s", msg);
}

/* The kind of a value, with its article ("an integer"). */
static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a number with a fraction";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	default: return "a value";
	}
}

/* --- integers, checked against their source text ---------------------------------------------- */

/* The text of `file` from the start of line `line` (1-based) on, at most size - 1 bytes: a value
 * may follow its name on a later line. 0 or -1. */
static int source_from_line(const char *file, unsigned line, char *buf, size_t size)
{
	FILE *f = fopen(file, "r");
	unsigned n = 1;
	size_t got = 0;
	int ch;

	if (!f)
		return -1;
	while (n < line && (ch = fgetc(f)) != EOF)
		if (ch == '\n')
			n++;
	if (n == line)
		got = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[got] = '\0';
	return n == line ? 0 : -1;
}

/* Skip white space, newlines and comments (#, //, slash-star). */
static const char *skip_blank(const char *p)
{
	for (;;) {
		if (isspace((unsigned char)*p)) {
			p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			p = e ? e + 2 : p + strlen(p);
		} else {
			return p;
		}
	}
}

/*
 * The integer a setting was written as. Finds "name = <literal>" (or ':') from the setting's
 * source line on and parses the literal with overflow detection. Returns 0 and *out,
 * DROVER_E_RANGE if the literal does not fit 64 bits, DROVER_E_NOTFOUND if the text could not be
 * located (then the caller trusts libconfig).
 */
static int literal_int(const struct cfg *c, const config_setting_t *s, int64_t *out)
{
	const char *file = config_setting_source_file(s), *name = config_setting_name(s);
	char text[4096], tok[64];
	const char *p;
	size_t n = 0;

	if (!file)
		file = c->file;
	if (!name || !file || !file[0] ||
	    source_from_line(file, config_setting_source_line(s), text, sizeof(text)) != 0)
		return DROVER_E_NOTFOUND;
	for (p = strstr(text, name); p; p = strstr(p + 1, name)) {
		const char *q = p + strlen(name);
		if (p > text && (p[-1] == '_' || p[-1] == '-' || isalnum((unsigned char)p[-1])))
			continue;
		q = skip_blank(q);
		if (*q != '=' && *q != ':')
			continue;
		q = skip_blank(q + 1);
		while ((q[n] == '-' || q[n] == '+' || isxdigit((unsigned char)q[n]) ||
		        q[n] == 'x' || q[n] == 'X') &&
		       n < sizeof(tok) - 1) {
			tok[n] = q[n];
			n++;
		}
		tok[n] = '\0';
		return str_to_i64(tok, out) == DROVER_E_RANGE ? DROVER_E_RANGE
		       : n                                    ? 0
		                                              : DROVER_E_NOTFOUND;
	}
	return DROVER_E_NOTFOUND;
}

/* An integer setting within [min, max]. */
static int get_int(const struct cfg *c, const config_setting_t *s, int64_t min, int64_t max,
                   int64_t *out, struct drover_error *err)
{
	char kp[256];
	int64_t v, lit;
	int t = config_setting_type(s), rc;

	key_path(s, kp, sizeof(kp));
	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return fail(c, err, s, "'%s' must be an integer, not %s", kp, type_name(t));
	v = config_setting_get_int64(s);
	rc = literal_int(c, s, &lit);
	if (rc == DROVER_E_RANGE || (rc == 0 && lit != v))
		return fail(c, err, s, "'%s' is out of range: it must be between %lld and %lld", kp,
		            (long long)min, (long long)max);
	if (v < min || v > max)
		return fail(c, err, s,
		            "'%s' = %lld is out of range: it must be between %lld and %lld", kp,
		            (long long)v, (long long)min, (long long)max);
	*out = v;
	return 0;
}

static int get_string(const struct cfg *c, const config_setting_t *s, int absolute, char *buf,
                      size_t size, struct drover_error *err)
{
	char kp[256];
	const char *v;
	int t = config_setting_type(s);

	key_path(s, kp, sizeof(kp));
	if (t != CONFIG_TYPE_STRING)
		return fail(c, err, s, "'%s' must be a string in double quotes, not %s", kp,
		            type_name(t));
	v = config_setting_get_string(s);
	if (!v[0])
		return fail(c, err, s, "'%s' is empty: give a value or remove the line", kp);
	if (absolute && v[0] != '/')
		return fail(c, err, s, "'%s' = \"%s\" must be an absolute path (start with /)", kp,
		            v);
	if (str_copy(buf, size, v) != 0)
		return fail(c, err, s, "'%s' is too long (at most %zu bytes)", kp, size - 1);
	return 0;
}

static int get_bool(const struct cfg *c, const config_setting_t *s, int *out,
                    struct drover_error *err)
{
	char kp[256];
	int t = config_setting_type(s);

	key_path(s, kp, sizeof(kp));
	if (t != CONFIG_TYPE_BOOL)
		return fail(c, err, s, "'%s' must be true or false, not %s", kp, type_name(t));
	*out = config_setting_get_bool(s);
	return 0;
}

static int choice_index(const char *const *choices, const char *v)
{
	for (int i = 0; choices[i]; i++)
		if (strcmp(choices[i], v) == 0)
			return i;
	return -1;
}

static void join_choices(const char *const *choices, char *buf, size_t size)
{
	buf[0] = '\0';
	for (int i = 0; choices[i]; i++) {
		size_t used = strlen(buf);
		(void)str_fmt(buf + used, size - used, "%s%s", i ? ", " : "", choices[i]);
	}
}

static int get_enum(const struct cfg *c, const config_setting_t *s, const char *const *choices,
                    int *index, struct drover_error *err)
{
	char v[64], kp[256], list[256];
	int rc = get_string(c, s, 0, v, sizeof(v), err), i;

	if (rc)
		return rc;
	i = choice_index(choices, v);
	if (i < 0) {
		key_path(s, kp, sizeof(kp));
		join_choices(choices, list, sizeof(list));
		return fail(c, err, s, "'%s' = \"%s\" is not one of: %s", kp, v, list);
	}
	*index = i;
	return 0;
}

/* --- groups of the core's own keys ------------------------------------------------------------- */

static const struct key *find_key(const struct key *keys, const char *name)
{
	for (; keys->name; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

static int unknown_key(const struct cfg *c, const config_setting_t *s, const struct key *keys,
                       const char *const *others, const char *context, struct drover_error *err)
{
	char kp[256], list[512] = "";
	size_t used = 0;

	for (const struct key *k = keys; k && k->name; k++) {
		(void)str_fmt(list + used, sizeof(list) - used, "%s%s", used ? ", " : "", k->name);
		used = strlen(list);
	}
	for (int i = 0; others && others[i]; i++) {
		(void)str_fmt(list + used, sizeof(list) - used, "%s%s", used ? ", " : "",
		              others[i]);
		used = strlen(list);
	}
	key_path(s, kp, sizeof(kp));
	return fail(c, err, s, "unknown key '%s'%s; known keys here: %s", kp, context, list);
}

/* Read one setting described by `k` into dest. */
static int read_key(const struct cfg *c, const config_setting_t *s, const struct key *k, void *dest,
                    struct drover_error *err)
{
	char *field = (char *)dest + k->off;
	int64_t v;
	int rc, i;

	switch (k->kind) {
	case K_STR:
	case K_PATH: return get_string(c, s, k->kind == K_PATH, field, k->size, err);
	case K_BOOL: return get_bool(c, s, (int *)(void *)field, err);
	case K_INT:
		rc = get_int(c, s, k->min, k->max, &v, err);
		if (rc == 0)
			*(int *)(void *)field = (int)v;
		return rc;
	case K_ENUM:
		rc = get_enum(c, s, k->choices, &i, err);
		if (rc == 0)
			rc = str_copy(field, k->size, k->choices[i]);
		return rc;
	}
	return DROVER_E_INVAL;
}

static int expect_group(const struct cfg *c, const config_setting_t *s, struct drover_error *err)
{
	char kp[256];

	if (config_setting_is_group(s))
		return 0;
	key_path(s, kp, sizeof(kp));
	return fail(c, err, s, "'%s' must be a group: %s: { ... };", kp, config_setting_name(s));
}

static int read_group(const struct cfg *c, const config_setting_t *g, const struct key *keys,
                      const char *context, void *dest, struct drover_error *err)
{
	int rc;

	if ((rc = expect_group(c, g, err)) != 0)
		return rc;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const struct key *k = find_key(keys, config_setting_name(s));
		if (!k)
			return unknown_key(c, s, keys, NULL, context, err);
		if ((rc = read_key(c, s, k, dest, err)) != 0)
			return rc;
	}
	return 0;
}

static int read_plugin_dirs(struct cfg *c, const config_setting_t *s, struct drover_error *err)
{
	int n = config_setting_length(s), rc;

	if (!config_setting_is_aggregate(s) || config_setting_is_group(s))
		return fail(c, err, s,
		            "'plugin_dirs' must be a list of paths: plugin_dirs = [ \"/a\" ];");
	if (n > MAX_PLUGIN_DIRS)
		return fail(c, err, s, "'plugin_dirs' has %d entries, at most %d are allowed", n,
		            MAX_PLUGIN_DIRS);
	c->plugin_dirs = calloc((size_t)(n ? n : 1), sizeof(*c->plugin_dirs));
	if (!c->plugin_dirs)
		return err_set(err, DROVER_E_NOMEM, NULL, "out of memory reading plugin_dirs");
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct cfg_dir *d = &c->plugin_dirs[c->n_plugin_dirs];
		if ((rc = get_string(c, e, 1, d->path, sizeof(d->path), err)) != 0)
			return rc;
		where_of(c, e, d->where, sizeof(d->where));
		c->n_plugin_dirs++;
	}
	return 0;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CFG_NAME_MAX)
		return 0;
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

static int check_password_file(const struct cfg *c, const config_setting_t *s, const char *path,
                               struct drover_error *err)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return fail(c, err, s,
		            "password_file %s: %s; create it with the password on one line "
		            "(mode 0600)",
		            path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(c, err, s, "password_file %s is not a regular file", path);
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return fail(c, err, s,
		            "password_file %s is readable by others (mode %04o): "
		            "run chmod 600 %s",
		            path, (unsigned)(st.st_mode & 07777), path);
	if (access(path, R_OK) != 0)
		return fail(c, err, s, "password_file %s: %s", path, strerror(errno));
	return 0;
}

static struct cfg_db_server *add_db_server(struct cfg *c, const char *name)
{
	struct cfg_db_server *d;

	for (size_t i = 0; i < c->n_db_servers; i++)
		if (strcmp(c->db_servers[i].name, name) == 0)
			return &c->db_servers[i];
	if (c->n_db_servers >= MAX_DB_SERVERS)
		return NULL;
	d = &c->db_servers[c->n_db_servers++];
	memset(d, 0, sizeof(*d));
	(void)str_copy(d->name, sizeof(d->name), name);
	return d;
}

static int read_db_server(struct cfg *c, const config_setting_t *g, struct drover_error *err)
{
	const char *name = config_setting_name(g);
	const config_setting_t *drv;
	struct cfg_db_server *d;
	int rc, i;

	if ((rc = expect_group(c, g, err)) != 0)
		return rc;
	if (!valid_name(name))
		return fail(c, err, g, "db server name '%s' must be letters, digits, '_' or '-'",
		            name);
	drv = config_setting_get_member(g, "driver");
	if (!drv)
		return fail(c, err, g,
		            "db server '%s' needs driver = \"sqlite\"; or driver = \"mysql\";",
		            name);
	if ((rc = get_enum(c, drv, drivers, &i, err)) != 0)
		return rc;
	d = add_db_server(c, name);
	if (!d)
		return fail(c, err, g, "too many db servers (at most %d)", MAX_DB_SERVERS);
	if (i == 1) { /* mysql defaults */
		(void)str_copy(d->host, sizeof(d->host), "localhost");
		d->port = 3306;
		(void)str_copy(d->user, sizeof(d->user), "root");
	}
	if ((rc = read_group(c, g, i == 0 ? sqlite_keys : mysql_keys,
	                     i == 0 ? " for driver sqlite" : " for driver mysql", d, err)) != 0)
		return rc;
	where_of(c, g, d->where, sizeof(d->where));
	if (i == 0 && !d->directory[0])
		return fail(c, err, g, "db server '%s' (sqlite) needs directory = \"/path\";",
		            name);
	if (i == 1 && d->password_file[0]) {
		const config_setting_t *pf = config_setting_get_member(g, "password_file");
		if ((rc = check_password_file(c, pf, d->password_file, err)) != 0)
			return rc;
	}
	return 0;
}

static int read_db_servers(struct cfg *c, const config_setting_t *g, struct drover_error *err)
{
	int rc;

	if ((rc = expect_group(c, g, err)) != 0)
		return rc;
	for (int i = 0; i < config_setting_length(g); i++)
		if ((rc = read_db_server(c, config_setting_get_elem(g, (unsigned)i), err)) != 0)
			return rc;
	return 0;
}

static int read_adapters(struct cfg *c, const config_setting_t *g, struct drover_error *err)
{
	int rc;

	if ((rc = expect_group(c, g, err)) != 0)
		return rc;
	for (int i = 0; i < config_setting_length(g); i++)
		if ((rc = expect_group(c, config_setting_get_elem(g, (unsigned)i), err)) != 0)
			return rc;
	return 0;
}

/* --- the whole file ---------------------------------------------------------------------------- */

static int read_root(struct cfg *c, const config_setting_t *root, struct drover_error *err)
{
	int rc = 0, i;

	for (int n = 0; n < config_setting_length(root) && rc == 0; n++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)n);
		const char *name = config_setting_name(s);
		const struct key *k = find_key(top_keys, name);

		if (k)
			rc = read_key(c, s, k, c, err);
		else if (strcmp(name, "plugin_dirs") == 0)
			rc = read_plugin_dirs(c, s, err);
		else if (strcmp(name, "log_level") == 0) {
			rc = get_enum(c, s, log_levels, &i, err);
			if (rc == 0)
				c->log_level = log_level_values[i];
		} else if (strcmp(name, "db_servers") == 0)
			rc = read_db_servers(c, s, err);
		else if (strcmp(name, "backups") == 0)
			rc = read_group(c, s, backup_keys, " in backups", &c->backups, err);
		else if (strcmp(name, "adapters") == 0)
			rc = read_adapters(c, s, err);
		else
			rc = unknown_key(c, s, top_keys, top_other, "", err);
	}
	return rc;
}

/* $XDG_DATA_HOME/drover, or ~/.local/share/drover. */
static int default_data_dir(char *buf, size_t size, struct drover_error *err)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	struct passwd *pw;

	/* The XDG spec says a relative $XDG_DATA_HOME is invalid and must be ignored. */
	if (xdg && xdg[0] == '/')
		return str_fmt(buf, size, "%s/drover", xdg) == 0
		           ? 0
		           : err_set(err, DROVER_E_RANGE, "$XDG_DATA_HOME", "path too long");
	if (!home || home[0] != '/') {
		pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || home[0] != '/')
		return err_set(
		    err, DROVER_E_CONFIG, NULL,
		    "cannot find a home directory for the embedded defaults: set $HOME or "
		    "$XDG_DATA_HOME, or give --config FILE with data_dir");
	return str_fmt(buf, size, "%s/.local/share/drover", home) == 0
	           ? 0
	           : err_set(err, DROVER_E_RANGE, "$HOME", "path too long");
}

static void set_defaults(struct cfg *c)
{
	c->builtin_plugins = 1;
	c->log_level = DROVER_LOG_INFO;
	(void)str_copy(c->default_db_server, sizeof(c->default_db_server), "local");
	(void)str_copy(c->backups.format, sizeof(c->backups.format), "zst");
	c->backups.zstd_level = 3;
	c->backups.threads = 0;
	c->backups.keep_last = 7;
	c->backups.keep_daily = 7;
	c->backups.keep_weekly = 4;
	c->backups.keep_monthly = 6;
}

/* Fill what the file left unset from data_dir, and check cross-key rules. */
static int finish(struct cfg *c, struct drover_error *err)
{
	const char *where = c->file[0] ? c->file : "embedded defaults";
	struct cfg_db_server *local;
	int rc;

	if (!c->data_dir[0] && (rc = default_data_dir(c->data_dir, sizeof(c->data_dir), err)) != 0)
		return rc;
	if (!c->registry[0] &&
	    path_join(c->registry, sizeof(c->registry), c->data_dir, "registry.sqlite") != 0)
		return err_set(err, DROVER_E_CONFIG, where, "data_dir is too long");
	if (!c->backup_dir[0] &&
	    path_join(c->backup_dir, sizeof(c->backup_dir), c->data_dir, "backups") != 0)
		return err_set(err, DROVER_E_CONFIG, where, "data_dir is too long");
	if (!cfg_db_server(c, "local")) {
		local = add_db_server(c, "local");
		if (!local)
			return err_set(err, DROVER_E_CONFIG, where, "too many db servers");
		(void)str_copy(local->driver, sizeof(local->driver), "sqlite");
		(void)str_copy(local->where, sizeof(local->where), "embedded defaults");
		if (path_join(local->directory, sizeof(local->directory), c->data_dir,
		              "databases") != 0)
			return err_set(err, DROVER_E_CONFIG, where, "data_dir is too long");
	}
	if (!cfg_db_server(c, c->default_db_server)) {
		/* Only the file can name another server; point at its line. */
		const config_setting_t *s =
		    c->lc ? config_lookup((config_t *)c->lc, "default_db_server") : NULL;
		char at[CFG_WHERE_MAX];

		if (s)
			where_of(c, s, at, sizeof(at));
		else
			(void)str_copy(at, sizeof(at), where);
		return err_set(
		    err, DROVER_E_CONFIG, at,
		    "default_db_server \"%s\" is not defined: add it under db_servers or "
		    "use \"local\"",
		    c->default_db_server);
	}
	return 0;
}

static int read_file(struct cfg *c, const char *path, struct drover_error *err)
{
	config_t *lc = calloc(1, sizeof(*lc));
	struct stat st;
	int rc;

	if (!lc)
		return err_set(err, DROVER_E_NOMEM, path, "out of memory");
	config_init(lc);
	c->lc = lc;
	if (stat(path, &st) != 0)
		return err_set(err, DROVER_E_CONFIG, path, "cannot read the configuration: %s%s",
		               strerror(errno),
		               c->source == CFG_FROM_ENV ? " (named by $DROVER_CONFIG)" : "");
	if (S_ISDIR(st.st_mode))
		return err_set(err, DROVER_E_CONFIG, path,
		               "is a directory; give the configuration file itself");
	if (config_read_file(lc, path) != CONFIG_TRUE) {
		if (config_error_type(lc) == CONFIG_ERR_FILE_IO)
			return err_set(err, DROVER_E_CONFIG, path,
			               "cannot read the configuration: %s",
			               strerror(errno ? errno : EIO));
		char where[CFG_WHERE_MAX];
		(void)str_fmt(where, sizeof(where), "%s:%d",
		              config_error_file(lc) ? config_error_file(lc) : path,
		              config_error_line(lc));
		return err_set(
		    err, DROVER_E_CONFIG, where,
		    "%s; fix the syntax (libconfig: key = value; groups in { }, lists in "
		    "[ ] or ( ))",
		    config_error_text(lc));
	}
	rc = read_root(c, config_root_setting(lc), err);
	return rc;
}

int cfg_load(struct cfg *c, const char *cli_path, struct drover_error *err)
{
	const char *env = getenv("DROVER_CONFIG"), *path = NULL;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	set_defaults(c);
	c->db_servers = calloc(MAX_DB_SERVERS, sizeof(*c->db_servers));
	if (!c->db_servers)
		return err_set(err, DROVER_E_NOMEM, NULL, "out of memory");
	if (cli_path) {
		c->source = CFG_FROM_OPTION;
		path = cli_path;
	} else if (env && env[0]) {
		c->source = CFG_FROM_ENV;
		path = env;
	} else if (access(DROVER_SYSTEM_CONFIG, F_OK) == 0) {
		c->source = CFG_FROM_SYSTEM;
		path = DROVER_SYSTEM_CONFIG;
	} else {
		c->source = CFG_FROM_DEFAULTS;
	}
	if (path && str_copy(c->file, sizeof(c->file), path) != 0)
		rc = err_set(err, DROVER_E_CONFIG, NULL, "configuration path is too long");
	if (rc == 0 && path)
		rc = read_file(c, path, err);
	if (rc == 0)
		rc = finish(c, err);
	if (rc != 0)
		cfg_free(c);
	return rc;
}

void cfg_free(struct cfg *c)
{
	if (c->lc) {
		config_destroy(c->lc);
		free(c->lc);
	}
	free(c->plugin_dirs);
	free(c->db_servers);
	memset(c, 0, sizeof(*c));
}

const char *cfg_source_name(int source)
{
	switch (source) {
	case CFG_FROM_OPTION: return "--config";
	case CFG_FROM_ENV: return "$DROVER_CONFIG";
	case CFG_FROM_SYSTEM: return "system configuration";
	default: return "embedded defaults";
	}
}

const struct cfg_db_server *cfg_db_server(const struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->n_db_servers; i++)
		if (strcmp(c->db_servers[i].name, name) == 0)
			return &c->db_servers[i];
	return NULL;
}

const char *cfg_log_level_name(int level)
{
	for (size_t i = 0; i < ARRAY_LEN(log_level_values); i++)
		if (log_level_values[i] == level)
			return log_levels[i];
	return "info";
}

/* --- adapter subtrees --------------------------------------------------------------------------- */

/* Parse an option's default text as its type; 0 or DROVER_E_INVAL. */
static int parse_default(const struct drover_option *o, int64_t *iv)
{
	if (!o->def)
		return 0;
	switch (o->type) {
	case DROVER_OPT_INT:
		if (str_to_i64(o->def, iv) != 0 || *iv < o->min || *iv > o->max)
			return DROVER_E_INVAL;
		return 0;
	case DROVER_OPT_BOOL:
		if (strcmp(o->def, "true") == 0)
			*iv = 1;
		else if (strcmp(o->def, "false") == 0)
			*iv = 0;
		else
			return DROVER_E_INVAL;
		return 0;
	case DROVER_OPT_STRING:
		if ((o->flags & DROVER_OPT_PATH) && o->def[0] != '/')
			return DROVER_E_INVAL;
		return 0;
	}
	return DROVER_E_INVAL;
}

int cfg_check_option_table(const struct drover_option *opts, char *why, size_t why_size)
{
	int64_t iv;
	size_t n = 0;

	why[0] = '\0';
	for (const struct drover_option *o = opts; opts && o->key; o++, n++) {
		if (n >= 256)
			return str_fmt(why, why_size,
			               "option table has no end (key NULL) within 256 "
			               "entries"),
			       DROVER_E_INVAL;
		if (!valid_name(o->key) || !isalpha((unsigned char)o->key[0]))
			return str_fmt(why, why_size, "option key '%.64s' is not a valid name",
			               o->key),
			       DROVER_E_INVAL;
		if (o->type != DROVER_OPT_STRING && o->type != DROVER_OPT_INT &&
		    o->type != DROVER_OPT_BOOL)
			return str_fmt(why, why_size, "option '%s' has unknown type %d", o->key,
			               (int)o->type),
			       DROVER_E_INVAL;
		if (o->flags & ~(uint32_t)(DROVER_OPT_SECRET | DROVER_OPT_PATH))
			return str_fmt(why, why_size, "option '%s' has unknown flags 0x%x", o->key,
			               (unsigned)o->flags),
			       DROVER_E_INVAL;
		if (o->type == DROVER_OPT_INT && o->min > o->max)
			return str_fmt(why, why_size, "option '%s' has min > max", o->key),
			       DROVER_E_INVAL;
		if (parse_default(o, &iv) != 0)
			return str_fmt(why, why_size,
			               "option '%s' has an invalid default \"%.64s\"", o->key,
			               o->def),
			       DROVER_E_INVAL;
		for (const struct drover_option *p = opts; p < o; p++)
			if (strcmp(p->key, o->key) == 0)
				return str_fmt(why, why_size, "option '%s' is declared twice",
				               o->key),
				       DROVER_E_INVAL;
	}
	return 0;
}

static const config_setting_t *adapter_group(const struct cfg *c, const char *name)
{
	const config_setting_t *all;

	if (!c->lc)
		return NULL;
	all = config_lookup((config_t *)c->lc, "adapters");
	return all ? config_setting_get_member(all, name) : NULL;
}

static const struct drover_option *find_option(const struct drover_option *opts, const char *key)
{
	for (const struct drover_option *o = opts; opts && o->key; o++)
		if (strcmp(o->key, key) == 0)
			return o;
	return NULL;
}

int cfg_check_adapter(const struct cfg *c, const char *name, const struct drover_option *opts,
                      struct drover_error *err)
{
	const config_setting_t *g = adapter_group(c, name);
	char buf[PATH_MAX], list[512];
	int64_t iv;
	int bv, rc;

	if (!g)
		return 0;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const struct drover_option *o = find_option(opts, config_setting_name(s));
		size_t used = 0;

		if (!o) {
			list[0] = '\0';
			for (const struct drover_option *p = opts; opts && p->key; p++) {
				(void)str_fmt(list + used, sizeof(list) - used, "%s%s",
				              used ? ", " : "", p->key);
				used = strlen(list);
			}
			return fail(c, err, s, "unknown key 'adapters.%s.%s': adapter %s %s%s",
			            name, config_setting_name(s), name,
			            used ? "knows only: " : "takes no settings", list);
		}
		switch (o->type) {
		case DROVER_OPT_INT: rc = get_int(c, s, o->min, o->max, &iv, err); break;
		case DROVER_OPT_BOOL: rc = get_bool(c, s, &bv, err); break;
		default:
			rc = get_string(c, s, (o->flags & DROVER_OPT_PATH) != 0, buf, sizeof(buf),
			                err);
		}
		if (rc)
			return rc;
	}
	return 0;
}

int cfg_adapter_foreach(const struct cfg *c,
                        int (*cb)(void *arg, const char *name, const char *where), void *arg)
{
	const config_setting_t *all = c->lc ? config_lookup((config_t *)c->lc, "adapters") : NULL;
	char where[CFG_WHERE_MAX];
	int rc;

	for (int i = 0; all && i < config_setting_length(all); i++) {
		const config_setting_t *s = config_setting_get_elem(all, (unsigned)i);
		where_of(c, s, where, sizeof(where));
		if ((rc = cb(arg, config_setting_name(s), where)) != 0)
			return rc;
	}
	return 0;
}

static const config_setting_t *adapter_value(const struct cfg *c, const char *adapter,
                                             const char *key)
{
	const config_setting_t *g = adapter_group(c, adapter);

	return g ? config_setting_get_member(g, key) : NULL;
}

int cfg_adapter_is_set(const struct cfg *c, const char *adapter, const char *key)
{
	return adapter_value(c, adapter, key) != NULL;
}

int cfg_adapter_int(const struct cfg *c, const char *adapter, const struct drover_option *opt,
                    int64_t *out)
{
	const config_setting_t *s = adapter_value(c, adapter, opt->key);

	if (opt->type != DROVER_OPT_INT)
		return DROVER_E_INVAL;
	if (s) {
		*out = config_setting_get_int64(s);
		return 0;
	}
	if (!opt->def)
		return DROVER_E_NOTFOUND;
	return parse_default(opt, out);
}

int cfg_adapter_bool(const struct cfg *c, const char *adapter, const struct drover_option *opt,
                     int32_t *out)
{
	const config_setting_t *s = adapter_value(c, adapter, opt->key);
	int64_t v = 0;
	int rc;

	if (opt->type != DROVER_OPT_BOOL)
		return DROVER_E_INVAL;
	if (s) {
		*out = config_setting_get_bool(s);
		return 0;
	}
	if (!opt->def)
		return DROVER_E_NOTFOUND;
	rc = parse_default(opt, &v);
	*out = (int32_t)v;
	return rc;
}

int cfg_adapter_str(const struct cfg *c, const char *adapter, const struct drover_option *opt,
                    char *buf, size_t size)
{
	const config_setting_t *s = adapter_value(c, adapter, opt->key);
	const char *v = s ? config_setting_get_string(s) : opt->def;

	if (opt->type != DROVER_OPT_STRING)
		return DROVER_E_INVAL;
	if (!v)
		return DROVER_E_NOTFOUND;
	return str_copy(buf, size, v);
}

/*
 * t_config.c: loading and validating the configuration (core/config.c).
 *
 * Every rejected file must fail with DROVER_E_CONFIG, name the file and the line of the offending
 * setting, say what is wrong, and leave nothing to free. Run under ASan for the last part.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "tap.h"
#include "util.h"

static const char *tmp;
static struct drover_error last; /* the error of the last bad_cfg() */
static int n_files;

static void tpath(char *buf, size_t size, const char *name)
{
	if (path_join(buf, size, tmp, name) != 0) {
		fprintf(stderr, "temporary path too long\n");
		exit(99);
	}
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(path);
		exit(99);
	}
}

/* A fresh file in the temporary directory holding `text`; its path in buf. */
static void new_file(char *buf, size_t size, const char *text)
{
	char name[32];

	(void)str_fmt(name, sizeof(name), "c%03d.cfg", ++n_files);
	tpath(buf, size, name);
	write_text(buf, text);
}

static int all_zero(const struct cfg *c)
{
	static const struct cfg zero;

	return memcmp(c, &zero, sizeof(zero)) == 0;
}

/* The error names `file` and `line`: err_line() starts with "file:line: ". */
static void names_line(const struct drover_error *err, const char *file, unsigned line,
                       const char *what)
{
	char prefix[PATH_MAX + 32], buf[1200];

	(void)str_fmt(prefix, sizeof(prefix), "%s:%u: ", file, line);
	err_line(err, buf, sizeof(buf));
	if (!ok(strncmp(buf, prefix, strlen(prefix)) == 0, "%s: error names %s line %u", what,
	        path_base(file), line))
		diag("  got '%s'", buf);
}

/* Check a failed cfg_load. */
static void check_failed(int rc, const struct cfg *c, const struct drover_error *err,
                         const char *file, unsigned line, const char *needle, const char *what)
{
	is_int(rc, DROVER_E_CONFIG, "%s: DROVER_E_CONFIG", what);
	names_line(err, file, line, what);
	like(err->message, needle, "%s: message says what is wrong", what);
	ok(all_zero(c), "%s: failed load leaves nothing to free", what);
}

/* Load `text`, expect it rejected at `line` with `needle` in the message. */
static void bad_cfg(const char *what, const char *text, unsigned line, const char *needle)
{
	char path[PATH_MAX];
	struct cfg c;
	int rc;

	new_file(path, sizeof(path), text);
	err_clear(&last);
	rc = cfg_load(&c, path, &last);
	check_failed(rc, &c, &last, path, line, needle, what);
	if (rc == 0)
		cfg_free(&c);
}

/* Load `text`, which must be accepted; c must be freed by the caller on 0. */
static int good_cfg(const char *what, const char *text, struct cfg *c, char *path, size_t size)
{
	struct drover_error err;
	char line[1200];
	int rc;

	new_file(path, size, text);
	err_clear(&err);
	rc = cfg_load(c, path, &err);
	if (!ok(rc == 0, "%s: accepted", what))
		diag("  %s", err_line(&err, line, sizeof(line)));
	return rc;
}

/* --- rejected files ------------------------------------------------------------------------- */

static void test_syntax(void)
{
	bad_cfg("syntax error", "data_dir = \"/srv/d\";\nregistry = ;\n", 2, "syntax error");
	bad_cfg("missing semicolon and brace",
	        "# x\n\nbackups = {\n  format = \"gz\"\n  threads 4;\n};\n", 5, "syntax error");
	bad_cfg("duplicate key", "log_level = \"info\";\nlog_level = \"debug\";\n", 2,
	        "duplicate setting name");
}

static void test_unknown_keys(void)
{
	bad_cfg("unknown top-level key",
	        "# typo below\ndata_dir = \"/srv/d\";\nregsitry = \"/srv/r\";\n", 3,
	        "unknown key 'regsitry'");
	like(last.message,
	     "known keys here: data_dir, registry, backup_dir, builtin_plugins, "
	     "default_db_server, plugin_dirs, log_level, db_servers, backups, adapters",
	     "unknown top-level key: message lists the known keys");

	bad_cfg("unknown key in backups",
	        "backups = {\n  format = \"zst\";\n  keep_yearly = 3;\n};\n", 3,
	        "unknown key 'backups.keep_yearly' in backups");
	like(last.message,
	     "format, zstd_level, threads, keep_last, keep_daily, keep_weekly, "
	     "keep_monthly",
	     "unknown key in backups: message lists the backup keys");

	bad_cfg("unknown key in mysql server",
	        "db_servers = {\n  m = {\n    driver = \"mysql\";\n    hots = \"db1\";\n  };\n};\n",
	        4, "unknown key 'db_servers.m.hots' for driver mysql");
	like(last.message, "driver, host, port, socket, user, password_file",
	     "unknown key in mysql server: message lists the mysql keys");

	bad_cfg("mysql key under a sqlite server",
	        "db_servers = {\n  s = {\n    driver = \"sqlite\";\n    directory = \"/srv/s\";\n"
	        "    host = \"db1\";\n  };\n};\n",
	        5, "unknown key 'db_servers.s.host' for driver sqlite");
	like(last.message, "known keys here: driver, directory",
	     "mysql key under sqlite: message lists the sqlite keys");
}

static void test_types(void)
{
	bad_cfg("string where int", "backups = {\n  zstd_level = \"3\";\n};\n", 2,
	        "'backups.zstd_level' must be an integer, not a string");
	bad_cfg("int where string", "\ndata_dir = 5;\n", 2,
	        "'data_dir' must be a string in double quotes, not an integer");
	bad_cfg("float where int", "backups = {\n  format = \"gz\";\n  threads = 2.5;\n};\n", 3,
	        "'backups.threads' must be an integer, not a number with a fraction");
	bad_cfg("string where bool", "builtin_plugins = \"yes\";\n", 1,
	        "'builtin_plugins' must be true or false, not a string");
	bad_cfg("int where bool", "builtin_plugins = 1;\n", 1,
	        "'builtin_plugins' must be true or false, not an integer");
	bad_cfg("bool where string", "default_db_server = true;\n", 1,
	        "'default_db_server' must be a string in double quotes, not a boolean");
	bad_cfg("int where enum", "log_level = 3;\n", 1, "'log_level' must be a string");
	bad_cfg("backups not a group", "\nbackups = \"daily\";\n", 2, "'backups' must be a group");
	bad_cfg("db_servers not a group", "db_servers = ( \"local\" );\n", 1,
	        "'db_servers' must be a group");
	bad_cfg("db server not a group", "db_servers = {\n  s = \"sqlite\";\n};\n", 2,
	        "'db_servers.s' must be a group");
	bad_cfg("group where port",
	        "db_servers = {\n  m = {\n    driver = \"mysql\";\n"
	        "    port = { n = 1; };\n  };\n};\n",
	        4, "'db_servers.m.port' must be an integer, not a group");
}

static void test_paths_and_strings(void)
{
	bad_cfg("relative data_dir", "data_dir = \"var/drover\";\n", 1,
	        "'data_dir' = \"var/drover\" must be an absolute path");
	bad_cfg("relative backup_dir", "data_dir = \"/srv\";\nbackup_dir = \"./backups\";\n", 2,
	        "'backup_dir' = \"./backups\" must be an absolute path");
	bad_cfg("relative sqlite directory",
	        "db_servers = {\n  s = {\n    driver = \"sqlite\";\n    directory = \"dbs\";\n  "
	        "};\n};\n",
	        4, "'db_servers.s.directory' = \"dbs\" must be an absolute path");
	bad_cfg("empty registry", "registry = \"\";\n", 1, "'registry' is empty");
	bad_cfg("empty default_db_server", "\n\ndefault_db_server = \"\";\n", 3,
	        "'default_db_server' is empty");
	bad_cfg("empty driver", "db_servers = {\n  s = {\n    driver = \"\";\n  };\n};\n", 3,
	        "'db_servers.s.driver' is empty");
}

static void test_ranges(void)
{
	bad_cfg("zstd_level = 42", "backups = {\n  zstd_level = 42;\n};\n", 2,
	        "'backups.zstd_level' = 42 is out of range: it must be between 1 and 19");
	bad_cfg("zstd_level = 0", "backups = { zstd_level = 0; };\n", 1, "between 1 and 19");
	bad_cfg("port = 70000",
	        "db_servers = {\n  m = {\n    driver = \"mysql\";\n    port = 70000;\n  };\n};\n",
	        4, "'db_servers.m.port' = 70000 is out of range: it must be between 1 and 65535");
	bad_cfg("threads = -1", "backups = {\n  threads = -1;\n};\n", 2,
	        "'backups.threads' = -1 is out of range: it must be between 0 and 256");
	bad_cfg("keep_last = 0", "backups = {\n\n  keep_last = 0;\n};\n", 3,
	        "'backups.keep_last' = 0 is out of range: it must be between 1 and 100000");
	bad_cfg("keep_monthly = 100001", "backups = {\n  keep_monthly = 100001;\n};\n", 2,
	        "between 0 and 100000");
}

/* libconfig 1.5 reads these with atoi() and wraps them into range; they must still fail. */
static void test_wrapped_integers(void)
{
	bad_cfg("keep_last = 4294967297 (wraps to 1)",
	        "backups = {\n  keep_last = 4294967297;\n};\n", 2,
	        "'backups.keep_last' is out of range: it must be between 1 and 100000");
	bad_cfg("keep_last = 99999999999999999999",
	        "backups = {\n  keep_last = 99999999999999999999;\n};\n", 2,
	        "'backups.keep_last' is out of range");
	bad_cfg("keep_last = 4294967297L (int64)", "backups = {\n  keep_last = 4294967297L;\n};\n",
	        2, "out of range");
	bad_cfg("threads = 4294967296 (wraps to 0, in range)",
	        "backups = {\n  threads = 4294967296;\n};\n", 2,
	        "'backups.threads' is out of range: it must be between 0 and 256");
	bad_cfg("zstd_level = 0x100000003 (hex wraps to 3)",
	        "backups = {\n  zstd_level = 0x100000003;\n};\n", 2, "out of range");
	bad_cfg(
	    "port = 4294970602 (wraps to 3306)",
	    "db_servers = {\n  m = {\n    driver = \"mysql\";\n    port = 4294970602;\n  };\n};\n",
	    4, "'db_servers.m.port' is out of range");
	bad_cfg("keep_daily = -4294967295 (wraps to 1)",
	        "backups = {\n  keep_daily = -4294967295;\n};\n", 2, "out of range");
	/* The value need not be on the name's line. */
	bad_cfg("wrapping value on the next line",
	        "backups = {\n  keep_last =\n    4294967297;\n};\n", 2,
	        "'backups.keep_last' is out of range");
	bad_cfg("wrapping value after a comment",
	        "backups = {\n  keep_last = /* lots */ 4294967297; # really\n};\n", 2,
	        "'backups.keep_last' is out of range");
	bad_cfg("wrapping value after a line comment",
	        "backups = {\n  keep_last = // lots\n  4294967297;\n};\n", 2,
	        "'backups.keep_last' is out of range");
	bad_cfg("wrapping value after ':' and other keys on the line",
	        "backups = { keep_weekly = 4; keep_daily = 7; keep_last: 4294967297; };\n", 1,
	        "'backups.keep_last' is out of range");
}

static void test_enums(void)
{
	bad_cfg("log_level = loud", "log_level = \"loud\";\n", 1,
	        "'log_level' = \"loud\" is not one of: error, warning, info, debug");
	bad_cfg("format = bz2", "backups = {\n  format = \"bz2\";\n};\n", 2,
	        "'backups.format' = \"bz2\" is not one of: zst, gz");
	bad_cfg("unknown driver", "db_servers = {\n  p = {\n    driver = \"postgres\";\n  };\n};\n",
	        3, "'db_servers.p.driver' = \"postgres\" is not one of: sqlite, mysql");
	bad_cfg("enum case matters", "log_level = \"DEBUG\";\n", 1, "is not one of");
}

static void test_plugin_dirs(void)
{
	bad_cfg("plugin_dirs is a string", "plugin_dirs = \"/opt/drover\";\n", 1,
	        "'plugin_dirs' must be a list of paths");
	bad_cfg("plugin_dirs is a group", "\nplugin_dirs = { a = \"/opt\"; };\n", 2,
	        "'plugin_dirs' must be a list of paths");
	bad_cfg("plugin_dirs element not a string", "plugin_dirs = (\n  \"/opt/a\",\n  5\n);\n", 3,
	        "'plugin_dirs[1]' must be a string in double quotes, not an integer");
	bad_cfg("plugin_dirs array of ints", "plugin_dirs = [ 1, 2 ];\n", 1,
	        "'plugin_dirs[0]' must be a string");
	/* libconfig 1.5 records a string element's line after looking ahead for an adjacent string
	 * to concatenate, so a last element followed by a newline is placed on the next line; keep
	 * the bad element before a comma or the closing bracket. */
	bad_cfg("plugin_dirs relative element",
	        "plugin_dirs = [\n  \"/opt/a\",\n  \"lib/drover\",\n  \"/opt/b\"\n];\n", 3,
	        "'plugin_dirs[1]' = \"lib/drover\" must be an absolute path");
	bad_cfg("plugin_dirs relative last element",
	        "plugin_dirs = [\n  \"/opt/a\",\n  \"lib\" ];\n", 3,
	        "'plugin_dirs[1]' = \"lib\" must be an absolute path");
	bad_cfg("plugin_dirs empty element", "plugin_dirs = [ \"\" ];\n", 1,
	        "'plugin_dirs[0]' is empty");
}

static void test_db_servers(void)
{
	char pw[PATH_MAX], text[2 * PATH_MAX], name[80];

	bad_cfg("db server without driver",
	        "db_servers = {\n  s1 = {\n    directory = \"/srv/s1\";\n  };\n};\n", 2,
	        "db server 's1' needs driver = \"sqlite\"; or driver = \"mysql\";");
	bad_cfg("sqlite without directory",
	        "db_servers = {\n\n  s2 = {\n    driver = \"sqlite\";\n  };\n};\n", 3,
	        "db server 's2' (sqlite) needs directory = \"/path\";");
	bad_cfg("bad server name",
	        "db_servers = {\n  bad*name = {\n    driver = \"sqlite\";\n"
	        "    directory = \"/x\";\n  };\n};\n",
	        2, "db server name 'bad*name' must be letters, digits, '_' or '-'");
	memset(name, 'n', 70);
	name[70] = '\0';
	(void)str_fmt(text, sizeof(text),
	              "db_servers = {\n  %s = {\n    driver = \"sqlite\";\n    directory = "
	              "\"/x\";\n  };\n};\n",
	              name);
	bad_cfg("server name too long", text, 2, "must be letters, digits");

	tpath(pw, sizeof(pw), "no-such-password");
	(void)str_fmt(
	    text, sizeof(text),
	    "db_servers = {\n  m = {\n    driver = \"mysql\";\n    password_file = \"%s\";\n"
	    "  };\n};\n",
	    pw);
	bad_cfg("password_file missing", text, 4, "No such file or directory");
	like(last.message, pw, "password_file missing: message names the file");

	tpath(pw, sizeof(pw), "pw644");
	write_text(pw, "secret\n");
	chmod(pw, 0644);
	(void)str_fmt(
	    text, sizeof(text),
	    "db_servers = {\n  m = {\n    driver = \"mysql\";\n\n    password_file = \"%s\";\n"
	    "  };\n};\n",
	    pw);
	bad_cfg("password_file mode 0644", text, 5, "chmod 600");
	like(last.message, "readable by others (mode 0644)", "password_file 0644: says why");

	tpath(pw, sizeof(pw), "pw640");
	write_text(pw, "secret\n");
	chmod(pw, 0640);
	(void)str_fmt(
	    text, sizeof(text),
	    "db_servers = {\n  m = {\n    driver = \"mysql\";\n    password_file = \"%s\";\n"
	    "  };\n};\n",
	    pw);
	bad_cfg("password_file mode 0640 (group)", text, 4, "chmod 600");

	(void)str_fmt(
	    text, sizeof(text),
	    "db_servers = {\n  m = {\n    driver = \"mysql\";\n    password_file = \"%s\";\n"
	    "  };\n};\n",
	    tmp);
	bad_cfg("password_file is a directory", text, 4, "is not a regular file");
	bad_cfg("password_file relative",
	        "db_servers = {\n  m = {\n    driver = \"mysql\";\n    password_file = \"pw\";\n  "
	        "};\n};\n",
	        4, "must be an absolute path");

	bad_cfg("default_db_server undefined",
	        "# no such server\n\ndefault_db_server = \"nowhere\";\n", 3,
	        "default_db_server \"nowhere\" is not defined");
}

static void test_adapters_shape(void)
{
	bad_cfg("adapters not a group", "adapters = ( \"drupal\" );\n", 1,
	        "'adapters' must be a group");
	bad_cfg("adapters.x not a group",
	        "adapters = {\n  drupal = { drush = \"/x\"; };\n  x = 5;\n};\n", 3,
	        "'adapters.x' must be a group");
}

static void test_files(void)
{
	char path[PATH_MAX], inc[PATH_MAX], text[2 * PATH_MAX], line[1200];
	struct cfg c;
	int rc;

	/* A path that does not exist. */
	tpath(path, sizeof(path), "does-not-exist.cfg");
	err_clear(&last);
	rc = cfg_load(&c, path, &last);
	is_int(rc, DROVER_E_CONFIG, "missing --config file: DROVER_E_CONFIG");
	is_str(last.where, path, "missing --config file: where is the path");
	like(err_line(&last, line, sizeof(line)), path,
	     "missing --config file: error names the path");
	like(last.message, "No such file or directory", "missing --config file: says why");
	ok(all_zero(&c), "missing --config file: nothing left to free");

	/* A directory. */
	err_clear(&last);
	rc = cfg_load(&c, tmp, &last);
	is_int(rc, DROVER_E_CONFIG, "directory as config: DROVER_E_CONFIG");
	is_str(last.where, tmp, "directory as config: where is the path");
	like(last.message, "is a directory", "directory as config: says so");
	ok(all_zero(&c), "directory as config: nothing left to free");

	/* An error inside an @include'd file names that file and its line. */
	tpath(inc, sizeof(inc), "inc-range.cfg");
	write_text(inc, "# included\n\nbackups = {\n  zstd_level = 42;\n};\n");
	tpath(path, sizeof(path), "main-range.cfg");
	(void)str_fmt(text, sizeof(text), "log_level = \"info\";\n@include \"%s\"\n", inc);
	write_text(path, text);
	err_clear(&last);
	rc = cfg_load(&c, path, &last);
	check_failed(rc, &c, &last, inc, 4, "'backups.zstd_level' = 42 is out of range",
	             "range error in @include");

	tpath(inc, sizeof(inc), "inc-wrap.cfg");
	write_text(inc, "backups = {\n  keep_last = 4294967297;\n};\n");
	tpath(path, sizeof(path), "main-wrap.cfg");
	(void)str_fmt(text, sizeof(text), "\n\n\n@include \"%s\"\n", inc);
	write_text(path, text);
	err_clear(&last);
	rc = cfg_load(&c, path, &last);
	check_failed(rc, &c, &last, inc, 2, "'backups.keep_last' is out of range",
	             "wrapped integer in @include (checked against the included file's text)");

	tpath(inc, sizeof(inc), "inc-syntax.cfg");
	write_text(inc, "data_dir = \"/srv\";\n\nregistry = \n;\n");
	tpath(path, sizeof(path), "main-syntax.cfg");
	(void)str_fmt(text, sizeof(text), "log_level = \"info\";\n@include \"%s\"\n", inc);
	write_text(path, text);
	err_clear(&last);
	rc = cfg_load(&c, path, &last);
	check_failed(rc, &c, &last, inc, 4, "syntax error", "syntax error in @include");

	tpath(inc, sizeof(inc), "inc-missing.cfg");
	tpath(path, sizeof(path), "main-missing.cfg");
	(void)str_fmt(text, sizeof(text), "log_level = \"info\";\n@include \"%s\"\n", inc);
	write_text(path, text);
	err_clear(&last);
	rc = cfg_load(&c, path, &last);
	check_failed(rc, &c, &last, path, 2, "cannot open include file", "missing @include file");
}

/* --- accepted files ------------------------------------------------------------------------- */

static void test_full_file(void)
{
	char path[PATH_MAX], pw[PATH_MAX], text[4 * PATH_MAX], want[PATH_MAX + 32];
	const struct cfg_db_server *d;
	struct cfg c;

	tpath(pw, sizeof(pw), "pw600");
	write_text(pw, "secret\n");
	chmod(pw, 0600);
	(void)str_fmt(text, sizeof(text),
	              "# drover configuration\n"                                           /* 1 */
	              "data_dir = \"/srv/drover\";\n"                                      /* 2 */
	              "registry = \"/srv/drover/reg.sqlite\";\n"                           /* 3 */
	              "backup_dir = \"/backups\";\n"                                       /* 4 */
	              "builtin_plugins = false;\n"                                         /* 5 */
	              "plugin_dirs = [ \"/opt/drover/plugins\",\n"                         /* 6 */
	              "                \"/usr/local/lib/drover\" ];\n"                     /* 7 */
	              "log_level = \"debug\";\n"                                           /* 8 */
	              "default_db_server = \"db1\";\n"                                     /* 9 */
	              "db_servers = {\n"                                                   /* 10 */
	              "  db1 = {\n"                                                        /* 11 */
	              "    driver = \"mysql\";\n"                                          /* 12 */
	              "    host = \"db1.example.com\";\n"                                  /* 13 */
	              "    port = 3307;\n"                                                 /* 14 */
	              "    socket = \"/run/mysqld/mysqld.sock\";\n"                        /* 15 */
	              "    user = \"drover\";\n"                                           /* 16 */
	              "    password_file = \"%s\";\n"                                      /* 17 */
	              "  };\n"                                                             /* 18 */
	              "  files = { driver = \"sqlite\"; directory = \"/srv/sqlite\"; };\n" /* 19 */
	              "  min = { driver = \"mysql\"; };\n"                                 /* 20 */
	              "};\n"                                                               /* 21 */
	              "backups = {\n"                                                      /* 22 */
	              "  format = \"gz\";\n"                                               /* 23 */
	              "  zstd_level = 19;\n"                                               /* 24 */
	              "  threads = 0x10;\n"                                                /* 25 */
	              "  keep_last = 100000;\n"                                            /* 26 */
	              "  keep_daily = 0;\n"                                                /* 27 */
	              "  keep_weekly = 010;\n"                                             /* 28 */
	              "  keep_monthly =\n"                                                 /* 29 */
	              "    12L;\n"                                                         /* 30 */
	              "};\n"                                                               /* 31 */
	              "adapters = {\n"                                                     /* 32 */
	              "  drupal = { drush = \"/opt/drush\"; };\n"                          /* 33 */
	              "};\n",                                                              /* 34 */
	              pw);
	if (good_cfg("full file", text, &c, path, sizeof(path)) != 0)
		return;
	is_int(c.source, CFG_FROM_OPTION, "full: source is --config");
	is_str(cfg_source_name(c.source), "--config", "full: source name");
	is_str(c.file, path, "full: file recorded");
	is_str(c.data_dir, "/srv/drover", "full: data_dir");
	is_str(c.registry, "/srv/drover/reg.sqlite", "full: registry");
	is_str(c.backup_dir, "/backups", "full: backup_dir");
	is_int(c.builtin_plugins, 0, "full: builtin_plugins false");
	is_int(c.log_level, DROVER_LOG_DEBUG, "full: log_level debug");
	is_str(cfg_log_level_name(c.log_level), "debug", "full: log level name");
	is_int(c.n_plugin_dirs, 2, "full: two plugin dirs");
	if (c.n_plugin_dirs == 2) {
		is_str(c.plugin_dirs[0].path, "/opt/drover/plugins", "full: plugin_dirs[0]");
		is_str(c.plugin_dirs[1].path, "/usr/local/lib/drover", "full: plugin_dirs[1]");
		(void)str_fmt(want, sizeof(want), "%s:6", path);
		is_str(c.plugin_dirs[0].where, want, "full: plugin_dirs[0] where");
		(void)str_fmt(want, sizeof(want), "%s:7", path);
		is_str(c.plugin_dirs[1].where, want, "full: plugin_dirs[1] where");
	}
	is_str(c.default_db_server, "db1", "full: default_db_server");
	is_int(c.n_db_servers, 4, "full: three servers and the implicit local");
	d = cfg_db_server(&c, "db1");
	if (ok(d != NULL, "full: db1 defined")) {
		is_str(d->driver, "mysql", "full: db1 driver");
		is_str(d->host, "db1.example.com", "full: db1 host");
		is_int(d->port, 3307, "full: db1 port");
		is_str(d->socket, "/run/mysqld/mysqld.sock", "full: db1 socket");
		is_str(d->user, "drover", "full: db1 user");
		is_str(d->password_file, pw, "full: db1 password_file (mode 0600 accepted)");
		(void)str_fmt(want, sizeof(want), "%s:11", path);
		is_str(d->where, want, "full: db1 where");
	}
	d = cfg_db_server(&c, "files");
	if (ok(d != NULL, "full: files defined")) {
		is_str(d->driver, "sqlite", "full: files driver");
		is_str(d->directory, "/srv/sqlite", "full: files directory");
		(void)str_fmt(want, sizeof(want), "%s:19", path);
		is_str(d->where, want, "full: files where");
	}
	d = cfg_db_server(&c, "min");
	if (ok(d != NULL, "full: min defined")) {
		is_str(d->host, "localhost", "full: mysql default host");
		is_int(d->port, 3306, "full: mysql default port");
		is_str(d->user, "root", "full: mysql default user");
		is_str(d->socket, "", "full: mysql default socket");
		is_str(d->password_file, "", "full: mysql default password_file");
	}
	d = cfg_db_server(&c, "local");
	if (ok(d != NULL, "full: implicit local server")) {
		is_str(d->driver, "sqlite", "full: local is sqlite");
		is_str(d->directory, "/srv/drover/databases", "full: local under data_dir");
		is_str(d->where, "embedded defaults", "full: local where");
	}
	ok(cfg_db_server(&c, "nope") == NULL, "full: cfg_db_server of an unknown name is NULL");
	is_str(c.backups.format, "gz", "full: backups.format");
	is_int(c.backups.zstd_level, 19, "full: zstd_level at its maximum");
	is_int(c.backups.threads, 16, "full: threads = 0x10");
	is_int(c.backups.keep_last, 100000, "full: keep_last at its maximum");
	is_int(c.backups.keep_daily, 0, "full: keep_daily 0");
	is_int(c.backups.keep_weekly, 10, "full: keep_weekly = 010 is ten");
	is_int(c.backups.keep_monthly, 12, "full: keep_monthly 12L on the next line");
	ok(c.lc != NULL, "full: parsed file kept for adapters");
	cfg_free(&c);
	ok(all_zero(&c), "full: cfg_free clears the struct");
}

static void test_partial_file(void)
{
	char path[PATH_MAX];
	struct cfg c;

	/* Only data_dir: the rest derives from it, backups keep their defaults. */
	if (good_cfg("data_dir only", "data_dir = \"/var/lib/drover/\";\n", &c, path,
	             sizeof(path)) != 0)
		return;
	is_str(c.registry, "/var/lib/drover/registry.sqlite", "partial: registry derived");
	is_str(c.backup_dir, "/var/lib/drover/backups", "partial: backup_dir derived");
	is_str(c.default_db_server, "local", "partial: default server local");
	is_str(cfg_db_server(&c, "local") ? cfg_db_server(&c, "local")->directory : NULL,
	       "/var/lib/drover/databases", "partial: local directory derived");
	is_int(c.builtin_plugins, 1, "partial: builtin_plugins default");
	is_int(c.log_level, DROVER_LOG_INFO, "partial: log_level default");
	is_str(c.backups.format, "zst", "partial: format default");
	is_int(c.backups.zstd_level, 3, "partial: zstd_level default");
	is_int(c.backups.keep_last, 7, "partial: keep_last default");
	cfg_free(&c);

	/* A "local" server in the file replaces the implicit one. */
	if (good_cfg("own local server",
	             "data_dir = \"/d\";\ndb_servers = { local = { driver = \"mysql\"; }; };\n", &c,
	             path, sizeof(path)) != 0)
		return;
	is_int(c.n_db_servers, 1, "own local: no implicit server added");
	is_str(c.db_servers[0].driver, "mysql", "own local: the file's driver");
	cfg_free(&c);

	/* An empty file is fine. */
	if (good_cfg("empty file", "# nothing\n", &c, path, sizeof(path)) != 0)
		return;
	ok(c.data_dir[0] == '/', "empty file: data_dir from the environment");
	cfg_free(&c);
}

static void test_defaults(void)
{
	char xdg[PATH_MAX], home[PATH_MAX], want[PATH_MAX + 64];
	const struct cfg_db_server *d;
	struct drover_error err;
	struct passwd *pw;
	struct cfg c;
	int rc;

	unsetenv("DROVER_CONFIG");
	tpath(xdg, sizeof(xdg), "xdg");
	tpath(home, sizeof(home), "home");
	setenv("XDG_DATA_HOME", xdg, 1);
	setenv("HOME", home, 1);
	err_clear(&err);
	rc = cfg_load(&c, NULL, &err);
	is_int(rc, 0, "defaults: load without a file");
	if (rc != 0)
		return;
	if (c.source != CFG_FROM_DEFAULTS) {
		diag("%s exists (source %s): default values not checked", c.file,
		     cfg_source_name(c.source));
		cfg_free(&c);
		return;
	}
	is_str(c.file, "", "defaults: no file");
	ok(c.lc == NULL, "defaults: nothing parsed");
	(void)str_fmt(want, sizeof(want), "%s/drover", xdg);
	is_str(c.data_dir, want, "defaults: data_dir = $XDG_DATA_HOME/drover");
	(void)str_fmt(want, sizeof(want), "%s/drover/registry.sqlite", xdg);
	is_str(c.registry, want, "defaults: registry under data_dir");
	(void)str_fmt(want, sizeof(want), "%s/drover/backups", xdg);
	is_str(c.backup_dir, want, "defaults: backup_dir under data_dir");
	is_int(c.n_db_servers, 1, "defaults: one db server");
	d = cfg_db_server(&c, "local");
	if (ok(d != NULL, "defaults: implicit local server")) {
		is_str(d->driver, "sqlite", "defaults: local is sqlite");
		(void)str_fmt(want, sizeof(want), "%s/drover/databases", xdg);
		is_str(d->directory, want, "defaults: local directory under data_dir");
		is_str(d->where, "embedded defaults", "defaults: local where");
	}
	is_str(c.default_db_server, "local", "defaults: default_db_server");
	is_int(c.n_plugin_dirs, 0, "defaults: no plugin dirs");
	is_int(c.builtin_plugins, 1, "defaults: builtin plugins");
	is_int(c.log_level, DROVER_LOG_INFO, "defaults: log level info");
	is_str(c.backups.format, "zst", "defaults: zst");
	is_int(c.backups.zstd_level, 3, "defaults: zstd level 3");
	is_int(c.backups.threads, 0, "defaults: threads 0");
	is_int(c.backups.keep_last, 7, "defaults: keep_last 7");
	is_int(c.backups.keep_daily, 7, "defaults: keep_daily 7");
	is_int(c.backups.keep_weekly, 4, "defaults: keep_weekly 4");
	is_int(c.backups.keep_monthly, 6, "defaults: keep_monthly 6");
	cfg_free(&c);

	/* A relative $XDG_DATA_HOME is invalid (XDG spec): $HOME/.local/share is used. */
	setenv("XDG_DATA_HOME", "relative/xdg", 1);
	err_clear(&err);
	if (cfg_load(&c, NULL, &err) == 0) {
		(void)str_fmt(want, sizeof(want), "%s/.local/share/drover", home);
		is_str(c.data_dir, want, "defaults: relative XDG_DATA_HOME ignored for $HOME");
		(void)str_fmt(want, sizeof(want), "%s/.local/share/drover/registry.sqlite", home);
		is_str(c.registry, want, "defaults: registry under $HOME");
		cfg_free(&c);
	} else {
		ok(0, "defaults: load with relative XDG_DATA_HOME");
	}

	/* No XDG_DATA_HOME at all, and a relative $HOME: the passwd entry. */
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", "not/absolute", 1);
	pw = getpwuid(getuid());
	err_clear(&err);
	rc = cfg_load(&c, NULL, &err);
	if (pw && pw->pw_dir[0] == '/') {
		is_int(rc, 0, "defaults: relative HOME falls back to the passwd entry");
		(void)str_fmt(want, sizeof(want), "%s/.local/share/drover", pw->pw_dir);
		if (rc == 0)
			is_str(c.data_dir, want, "defaults: data_dir under the passwd home");
	} else {
		is_int(rc, DROVER_E_CONFIG, "defaults: no home directory at all is a config error");
		like(err.message, "set $HOME", "defaults: says to set $HOME");
	}
	if (rc == 0)
		cfg_free(&c);
	setenv("HOME", home, 1);
}

static void test_env(void)
{
	char envf[PATH_MAX], clif[PATH_MAX], line[1200];
	struct drover_error err;
	struct cfg c;
	int rc;

	tpath(envf, sizeof(envf), "env.cfg");
	write_text(envf, "data_dir = \"/env\";\nlog_level = \"warning\";\n");
	tpath(clif, sizeof(clif), "cli.cfg");
	write_text(clif, "data_dir = \"/cli\";\nlog_level = \"error\";\n");

	setenv("DROVER_CONFIG", envf, 1);
	err_clear(&err);
	rc = cfg_load(&c, NULL, &err);
	if (!ok(rc == 0, "env: $DROVER_CONFIG loads"))
		diag("  %s", err_line(&err, line, sizeof(line)));
	if (rc == 0) {
		is_int(c.source, CFG_FROM_ENV, "env: source is $DROVER_CONFIG");
		is_str(cfg_source_name(c.source), "$DROVER_CONFIG", "env: source name");
		is_str(c.file, envf, "env: file is $DROVER_CONFIG");
		is_str(c.data_dir, "/env", "env: values from $DROVER_CONFIG");
		is_int(c.log_level, DROVER_LOG_WARNING, "env: log_level warning");
		cfg_free(&c);
	}

	err_clear(&err);
	rc = cfg_load(&c, clif, &err);
	is_int(rc, 0, "env: --config with $DROVER_CONFIG set loads");
	if (rc == 0) {
		is_int(c.source, CFG_FROM_OPTION, "env: --config wins over $DROVER_CONFIG");
		is_str(c.data_dir, "/cli", "env: values from --config");
		is_int(c.log_level, DROVER_LOG_ERR, "env: log_level error");
		cfg_free(&c);
	}

	tpath(envf, sizeof(envf), "env-missing.cfg");
	setenv("DROVER_CONFIG", envf, 1);
	err_clear(&err);
	rc = cfg_load(&c, NULL, &err);
	is_int(rc, DROVER_E_CONFIG, "env: missing $DROVER_CONFIG file is an error");
	is_str(err.where, envf, "env: where names the file");
	like(err.message, "(named by $DROVER_CONFIG)",
	     "env: message says where the name came from");
	ok(all_zero(&c), "env: failed load leaves nothing to free");

	/* An empty $DROVER_CONFIG counts as unset. */
	setenv("DROVER_CONFIG", "", 1);
	err_clear(&err);
	rc = cfg_load(&c, NULL, &err);
	is_int(rc, 0, "env: empty $DROVER_CONFIG is ignored");
	if (rc == 0) {
		ok(c.source == CFG_FROM_SYSTEM || c.source == CFG_FROM_DEFAULTS,
		   "env: empty $DROVER_CONFIG falls through to system or defaults");
		cfg_free(&c);
	}
	unsetenv("DROVER_CONFIG");

	/* A NULL error object is allowed. */
	rc = cfg_load(&c, envf, NULL);
	is_int(rc, DROVER_E_CONFIG, "NULL err: code still returned");
	ok(all_zero(&c), "NULL err: nothing left to free");
}

/* --- adapter subtrees ------------------------------------------------------------------------ */

#define OPT_END                              \
	{                                    \
		NULL, 0, 0, 0, 0, NULL, NULL \
	}

static const struct drover_option good_opts[] = {
    {"drush", DROVER_OPT_STRING, DROVER_OPT_PATH, 0, 0, "/usr/bin/drush", "drush binary"},
    {"timeout", DROVER_OPT_INT, 0, 1, 3600, "30", "seconds"},
    {"verbose", DROVER_OPT_BOOL, 0, 0, 0, "false", "talk more"},
    {"token", DROVER_OPT_STRING, DROVER_OPT_SECRET, 0, 0, NULL, "api token"},
    {"retries", DROVER_OPT_INT, 0, 0, 10, NULL, "retries"},
    {"site_name", DROVER_OPT_STRING, 0, 0, 0, "Drupal", "name"},
    OPT_END,
};

static void bad_table(const struct drover_option *opts, const char *needle, const char *what)
{
	char why[256];

	is_int(cfg_check_option_table(opts, why, sizeof(why)), DROVER_E_INVAL,
	       "option table %s: INVAL", what);
	like(why, needle, "option table %s: says why", what);
}

static void test_option_tables(void)
{
	char why[256] = "x";
	static const struct drover_option bad_key[] = {
	    {"bad key", DROVER_OPT_INT, 0, 0, 1, NULL, NULL}, OPT_END};
	static const struct drover_option digit_key[] = {
	    {"9lives", DROVER_OPT_INT, 0, 0, 1, NULL, NULL}, OPT_END};
	static const struct drover_option empty_key[] = {{"", DROVER_OPT_INT, 0, 0, 1, NULL, NULL},
	                                                 OPT_END};
	static const struct drover_option dot_key[] = {
	    {"a.b", DROVER_OPT_BOOL, 0, 0, 0, NULL, NULL}, OPT_END};
	static const struct drover_option bad_type[] = {{"x", 9, 0, 0, 0, NULL, NULL}, OPT_END};
	static const struct drover_option bad_flag[] = {
	    {"x", DROVER_OPT_STRING, 1u << 5, 0, 0, NULL, NULL}, OPT_END};
	static const struct drover_option min_max[] = {{"x", DROVER_OPT_INT, 0, 10, 1, NULL, NULL},
	                                               OPT_END};
	static const struct drover_option def_range[] = {
	    {"x", DROVER_OPT_INT, 0, 1, 10, "11", NULL}, OPT_END};
	static const struct drover_option def_low[] = {{"x", DROVER_OPT_INT, 0, 1, 10, "0", NULL},
	                                               OPT_END};
	static const struct drover_option def_junk[] = {{"x", DROVER_OPT_INT, 0, 1, 10, "5s", NULL},
	                                                OPT_END};
	static const struct drover_option def_bool[] = {
	    {"x", DROVER_OPT_BOOL, 0, 0, 0, "yes", NULL}, OPT_END};
	static const struct drover_option def_path[] = {
	    {"x", DROVER_OPT_STRING, DROVER_OPT_PATH, 0, 0, "bin/drush", NULL}, OPT_END};
	static const struct drover_option dup[] = {{"x", DROVER_OPT_INT, 0, 0, 1, NULL, NULL},
	                                           {"y", DROVER_OPT_BOOL, 0, 0, 0, NULL, NULL},
	                                           {"x", DROVER_OPT_STRING, 0, 0, 0, NULL, NULL},
	                                           OPT_END};
	static const struct drover_option empty[] = {OPT_END};
	static const struct drover_option rel_no_path[] = {
	    {"x", DROVER_OPT_STRING, DROVER_OPT_SECRET, 0, 0, "rel", NULL}, OPT_END};

	bad_table(bad_key, "option key 'bad key' is not a valid name", "key with a space");
	bad_table(digit_key, "'9lives' is not a valid name", "key starting with a digit");
	bad_table(empty_key, "is not a valid name", "empty key");
	bad_table(dot_key, "'a.b' is not a valid name", "key with a dot");
	bad_table(bad_type, "option 'x' has unknown type 9", "unknown type");
	bad_table(bad_flag, "option 'x' has unknown flags 0x20", "unknown flag");
	bad_table(min_max, "option 'x' has min > max", "min > max");
	bad_table(def_range, "option 'x' has an invalid default \"11\"", "default above max");
	bad_table(def_low, "invalid default \"0\"", "default below min");
	bad_table(def_junk, "invalid default \"5s\"", "default not a number");
	bad_table(def_bool, "invalid default \"yes\"", "bool default not true/false");
	bad_table(def_path, "invalid default \"bin/drush\"", "relative default for a PATH option");
	bad_table(dup, "option 'x' is declared twice", "duplicate key");

	is_int(cfg_check_option_table(good_opts, why, sizeof(why)), 0, "option table: good table");
	is_str(why, "", "option table: no reason for a good table");
	is_int(cfg_check_option_table(empty, why, sizeof(why)), 0, "option table: empty table");
	is_int(cfg_check_option_table(NULL, why, sizeof(why)), 0, "option table: NULL table");
	is_int(cfg_check_option_table(rel_no_path, why, sizeof(why)), 0,
	       "option table: relative default fine without DROVER_OPT_PATH");
}

/* Load `text`, then expect cfg_check_adapter(drupal, good_opts) to fail at `line`. */
static void bad_adapter(const char *what, const char *text, unsigned line, const char *needle)
{
	char path[PATH_MAX];
	struct drover_error err;
	struct cfg c;
	int rc;

	if (good_cfg(what, text, &c, path, sizeof(path)) != 0)
		return;
	err_clear(&err);
	rc = cfg_check_adapter(&c, "drupal", good_opts, &err);
	is_int(rc, DROVER_E_CONFIG, "%s: DROVER_E_CONFIG", what);
	names_line(&err, path, line, what);
	like(err.message, needle, "%s: message says what is wrong", what);
	last = err;
	cfg_free(&c);
}

struct seen {
	int n;
	char name[4][32];
	char where[4][PATH_MAX + 32];
	int stop_after;
};

static int collect(void *arg, const char *name, const char *where)
{
	struct seen *s = arg;

	if (s->n < 4) {
		(void)str_copy(s->name[s->n], sizeof(s->name[0]), name);
		(void)str_copy(s->where[s->n], sizeof(s->where[0]), where);
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after ? DROVER_E_STOP : 0;
}

static void test_adapters(void)
{
	char path[PATH_MAX], want[PATH_MAX + 32], buf[64], tiny[4];
	struct drover_error err;
	struct seen seen;
	struct cfg c;
	int64_t iv;
	int32_t bv;
	int rc;

	bad_adapter(
	    "adapter: unknown key",
	    "adapters = {\n  drupal = {\n    drush = \"/opt/drush\";\n    timout = 60;\n  };\n};\n",
	    4, "unknown key 'adapters.drupal.timout'");
	like(last.message, "knows only: drush, timeout, verbose, token, retries, site_name",
	     "adapter: unknown key: message lists the adapter's keys");
	bad_adapter("adapter: wrong type (string for int)",
	            "adapters = {\n  drupal = {\n\n    timeout = \"60\";\n  };\n};\n", 4,
	            "'adapters.drupal.timeout' must be an integer, not a string");
	bad_adapter("adapter: wrong type (int for bool)",
	            "adapters = {\n  drupal = {\n    verbose = 1;\n  };\n};\n", 3,
	            "'adapters.drupal.verbose' must be true or false, not an integer");
	bad_adapter("adapter: wrong type (bool for string)",
	            "adapters = {\n  drupal = {\n    token = true;\n  };\n};\n", 3,
	            "'adapters.drupal.token' must be a string in double quotes, not a boolean");
	bad_adapter(
	    "adapter: int out of range",
	    "adapters = {\n  drupal = {\n    timeout = 99999;\n  };\n};\n", 3,
	    "'adapters.drupal.timeout' = 99999 is out of range: it must be between 1 and 3600");
	bad_adapter("adapter: int wraps into range",
	            "adapters = {\n  drupal = {\n    timeout = 4294967326;\n  };\n};\n", 3,
	            "'adapters.drupal.timeout' is out of range");
	bad_adapter("adapter: relative path for a PATH option",
	            "adapters = {\n  drupal = {\n    drush = \"vendor/bin/drush\";\n  };\n};\n", 3,
	            "'adapters.drupal.drush' = \"vendor/bin/drush\" must be an absolute path");
	bad_adapter("adapter: empty string",
	            "adapters = {\n  drupal = {\n    site_name = \"\";\n  };\n};\n", 3,
	            "'adapters.drupal.site_name' is empty");

	/* An adapter that declares no options and is given one. */
	if (good_cfg("adapter without options",
	             "adapters = {\n  drupal = {\n    x = 1;\n  };\n};\n", &c, path,
	             sizeof(path)) == 0) {
		err_clear(&err);
		is_int(cfg_check_adapter(&c, "drupal", NULL, &err), DROVER_E_CONFIG,
		       "adapter without options: a setting is an error");
		like(err.message, "adapter drupal takes no settings",
		     "adapter without options: says so");
		names_line(&err, path, 3, "adapter without options");
		cfg_free(&c);
	}

	/* Values: from the file when set, defaults when not. */
	if (good_cfg("adapter values",
	             "adapters = {\n"
	             "  drupal = {\n"
	             "    drush = \"/opt/drush\";\n"
	             "    timeout = 60;\n"
	             "    verbose = true;\n"
	             "  };\n"
	             "  magento = { };\n"
	             "};\n",
	             &c, path, sizeof(path)) != 0)
		return;
	err_clear(&err);
	is_int(cfg_check_adapter(&c, "drupal", good_opts, &err), 0,
	       "adapter: valid subtree accepted");
	is_int(cfg_check_adapter(&c, "magento", good_opts, &err), 0,
	       "adapter: empty subtree accepted");
	is_int(cfg_check_adapter(&c, "wordpress", good_opts, &err), 0,
	       "adapter: absent subtree accepted");

	is_int(cfg_adapter_str(&c, "drupal", &good_opts[0], buf, sizeof(buf)), 0, "str: set");
	is_str(buf, "/opt/drush", "str: file value");
	is_int(cfg_adapter_int(&c, "drupal", &good_opts[1], &iv), 0, "int: set");
	is_int(iv, 60, "int: file value");
	is_int(cfg_adapter_bool(&c, "drupal", &good_opts[2], &bv), 0, "bool: set");
	is_int(bv, 1, "bool: file value");
	ok(cfg_adapter_is_set(&c, "drupal", "timeout"), "is_set: timeout set");
	ok(!cfg_adapter_is_set(&c, "drupal", "site_name"), "is_set: site_name not set");
	ok(!cfg_adapter_is_set(&c, "wordpress", "timeout"), "is_set: absent adapter");

	is_int(cfg_adapter_str(&c, "magento", &good_opts[0], buf, sizeof(buf)), 0, "str: default");
	is_str(buf, "/usr/bin/drush", "str: default value");
	is_int(cfg_adapter_int(&c, "magento", &good_opts[1], &iv), 0, "int: default");
	is_int(iv, 30, "int: default value");
	bv = 7;
	is_int(cfg_adapter_bool(&c, "magento", &good_opts[2], &bv), 0, "bool: default");
	is_int(bv, 0, "bool: default value");
	is_int(cfg_adapter_str(&c, "drupal", &good_opts[5], buf, sizeof(buf)), 0,
	       "str: default in a configured adapter");
	is_str(buf, "Drupal", "str: default value in a configured adapter");

	is_int(cfg_adapter_str(&c, "drupal", &good_opts[3], buf, sizeof(buf)), DROVER_E_NOTFOUND,
	       "str: unset without default is NOTFOUND");
	is_int(cfg_adapter_int(&c, "drupal", &good_opts[4], &iv), DROVER_E_NOTFOUND,
	       "int: unset without default is NOTFOUND");
	is_int(cfg_adapter_int(&c, "drupal", &good_opts[0], &iv), DROVER_E_INVAL,
	       "int accessor on a string option is INVAL");
	is_int(cfg_adapter_bool(&c, "drupal", &good_opts[1], &bv), DROVER_E_INVAL,
	       "bool accessor on an int option is INVAL");
	is_int(cfg_adapter_str(&c, "drupal", &good_opts[2], buf, sizeof(buf)), DROVER_E_INVAL,
	       "str accessor on a bool option is INVAL");
	is_int(cfg_adapter_str(&c, "drupal", &good_opts[0], tiny, sizeof(tiny)), DROVER_E_RANGE,
	       "str: too small a buffer is RANGE");
	is_str(tiny, "/op", "str: truncated value NUL-terminated");

	memset(&seen, 0, sizeof(seen));
	is_int(cfg_adapter_foreach(&c, collect, &seen), 0, "foreach: returns 0");
	is_int(seen.n, 2, "foreach: two adapters configured");
	is_str(seen.name[0], "drupal", "foreach: drupal first");
	(void)str_fmt(want, sizeof(want), "%s:2", path);
	is_str(seen.where[0], want, "foreach: drupal file:line");
	is_str(seen.name[1], "magento", "foreach: magento second");
	(void)str_fmt(want, sizeof(want), "%s:7", path);
	is_str(seen.where[1], want, "foreach: magento file:line");
	memset(&seen, 0, sizeof(seen));
	seen.stop_after = 1;
	is_int(cfg_adapter_foreach(&c, collect, &seen), DROVER_E_STOP,
	       "foreach: callback stops it");
	is_int(seen.n, 1, "foreach: no call after a stop");
	cfg_free(&c);

	/* Embedded defaults: no subtrees, every value is the default. */
	unsetenv("DROVER_CONFIG");
	err_clear(&err);
	rc = cfg_load(&c, NULL, &err);
	is_int(rc, 0, "adapter defaults: load");
	if (rc != 0)
		return;
	if (c.source == CFG_FROM_DEFAULTS) {
		is_int(cfg_check_adapter(&c, "drupal", good_opts, &err), 0,
		       "adapter defaults: check");
		is_int(cfg_adapter_int(&c, "drupal", &good_opts[1], &iv), 0,
		       "adapter defaults: int");
		is_int(iv, 30, "adapter defaults: int default");
		memset(&seen, 0, sizeof(seen));
		is_int(cfg_adapter_foreach(&c, collect, &seen), 0, "adapter defaults: foreach");
		is_int(seen.n, 0, "adapter defaults: no subtrees");
	} else {
		diag("%s exists (source %s): embedded adapter defaults not checked", c.file,
		     cfg_source_name(c.source));
	}
	cfg_free(&c);
}

int main(void)
{
	char cmd[PATH_MAX + 16];

	tmp = tap_tmpdir();
	test_syntax();
	test_unknown_keys();
	test_types();
	test_paths_and_strings();
	test_ranges();
	test_wrapped_integers();
	test_enums();
	test_plugin_dirs();
	test_db_servers();
	test_adapters_shape();
	test_files();
	test_defaults();
	test_env();
	test_full_file();
	test_partial_file();
	test_option_tables();
	test_adapters();

	if (str_fmt(cmd, sizeof(cmd), "rm -rf '%s'", tmp) == 0 && system(cmd) != 0)
		diag("could not remove %s", tmp);
	return done_testing();
}

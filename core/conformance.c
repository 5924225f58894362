/*
 * conformance.c: the adapter conformance kit (`drover adapter check`).
 *
 * Every call into the adapter, from its init to its fini, runs inside a guard:
 *   - standard output and standard error are pointed at capture files, so that anything the
 *     adapter prints (stdio buffers included: they are flushed before the guard ends) is seen;
 *     host->log lines are captured by the host (host_capture) and the core's log level is
 *     lowered, so that the core's own logging never counts against the adapter;
 *   - the set of open descriptors (/proc/self/fd) is compared before and after; descriptors of
 *     the site's SQLite database (-journal, -wal, -shm) belong to the core's connection;
 *   - a negative return other than DROVER_E_NOTMINE or DROVER_E_STOP must have recorded a
 *     message through host->error.
 * Sanitizer-friendly: the calls run in this process, where ASan and UBSan watch them, and
 * sanitizer reports are sent to the real standard error (__sanitizer_set_report_fd) while
 * fd 2 is captured. Without a sanitizer, a crash names the call it happened in before the
 * process dies with the signal.
 * Each property is judged by exactly one clause, so a broken adapter fails the clause that
 * names its fault: per-op clauses judge return codes and the data streamed; the clauses
 * "silent", "no leaked descriptors" and "errors carry a message" judge every call.
 */
#include "conformance.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "error.h"
#include "host.h"
#include "inventory.h"
#include "loader.h"
#include "util.h"

/* Provided by the ASan/UBSan runtimes; NULL in a build without them. */
extern void __sanitizer_set_report_fd(void *fd) __attribute__((weak));

#define FD_BITS 4096 /* descriptors watched: 0 .. FD_BITS-1 */
#define CANARY  0xA5

struct fdset {
	unsigned char bits[FD_BITS / 8];
};

/* Violations of a cross-cutting clause: how many, and the first one in words. */
struct viol {
	unsigned n;
	char first[900];
};

/* A clause's verdict while it is being decided: the first failure wins. */
struct verdict {
	int failed;
	char why[1000];
};

struct kit {
	struct app *a;
	const struct cf_opts *o;
	cf_report_fn report;
	void *arg;
	struct cf_totals *t;

	struct ldr ldr;
	int have_ldr;
	const struct ldr_entry *e;
	const struct drover_ops *ops;
	uint64_t caps;
	char name[LDR_NAME_MAX];

	char tmp[PATH_MAX];   /* scratch directory, removed at the end */
	char empty[PATH_MAX]; /* an empty directory inside it */
	char root[PATH_MAX];  /* --root, made absolute; "" without */

	/* the site (--site) */
	struct drover_site site;
	char site_dir[PATH_MAX];
	struct drover_settings st;
	int have_settings;
	struct drover_db *db;
	char db_file[PATH_MAX]; /* the real path of the SQLite file behind db, "" if none */
	int site_ready;         /* 1: site ops may be called on the site */
	char site_why[700];     /* why not */

	/* the guard */
	int saved_out, saved_err, cap_out, cap_err;
	int level;
	struct host_capture logs;
	struct fdset before, after, core_fds;
	char label[200];
	unsigned calls, errors;
	struct viol silent, fds, msgs;

	struct drover_error err;
	struct drover_ctx ctx;
};

/* Which op each cap bit promises (the loader checks bit -> op; the kit also op -> bit). */
static const struct {
	uint64_t cap;
	size_t off;
	const char *op, *bit;
} cap_ops[] = {
#define CAP_OP(c, f)                                                                 \
	{                                                                            \
		DROVER_CAP_##c, offsetof(struct drover_ops, f), #f, "DROVER_CAP_" #c \
	}
    CAP_OP(PACKAGES, packages),
    CAP_OP(SETTINGS_READ, settings_read),
    CAP_OP(SETTINGS_WRITE, settings_write),
    CAP_OP(SITE_SCHEMA, site_schema),
    CAP_OP(SITE_PATHS, site_paths),
    CAP_OP(CACHE_TABLES, cache_tables),
    CAP_OP(MAINTENANCE, maintenance),
    CAP_OP(UPDATE, update_run),
    CAP_OP(CACHE_CLEAR, cache_clear),
    CAP_OP(FIXUP, fixup),
    CAP_OP(HEALTH, health),
#undef CAP_OP
};

/* ---- reporting ---------------------------------------------------------------------------- */

__attribute__((format(printf, 4, 5))) static void clause(struct kit *k, int status,
                                                         const char *name, const char *fmt, ...)
{
	char detail[1400];
	struct cf_clause c = {status, name, detail};
	va_list ap;

	va_start(ap, fmt);
	(void)str_vfmt(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (status == CF_PASS)
		k->t->pass++;
	else if (status == CF_FAIL)
		k->t->fail++;
	else
		k->t->skip++;
	k->report(k->arg, &c);
}

__attribute__((format(printf, 2, 3))) static void vfail(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->failed++)
		return;
	va_start(ap, fmt);
	(void)str_vfmt(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void viol(struct viol *v, const char *fmt, ...)
{
	va_list ap;

	if (v->n++)
		return;
	va_start(ap, fmt);
	(void)str_vfmt(v->first, sizeof(v->first), fmt, ap);
	va_end(ap);
}

/* "-6 (not handled by this adapter)" */
static const char *rc_text(int rc, char *buf, size_t size)
{
	(void)str_fmt(buf, size, "%d (%s)", rc,
	              rc > 0 ? "positive: not a status" : drover_strerror(rc));
	return buf;
}

/* What the last call recorded, for a detail: "where: message", or "no message". */
static const char *err_text(const struct kit *k, char *buf, size_t size)
{
	if (!k->err.code && !k->err.message[0])
		return str_copy(buf, size, "no message"), buf;
	return err_line(&k->err, buf, size);
}

static void skip_cap(struct kit *k, const char *name, uint64_t cap)
{
	for (size_t i = 0; i < ARRAY_LEN(cap_ops); i++)
		if (cap_ops[i].cap == cap)
			clause(k, CF_SKIP, name, "not claimed: %s is clear", cap_ops[i].bit);
}

/* ---- crashes ------------------------------------------------------------------------------ */

static const int crash_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
static struct sigaction crash_old[ARRAY_LEN(crash_sigs)];
static int crash_installed[ARRAY_LEN(crash_sigs)];
static char crash_line[400];
static volatile sig_atomic_t crash_len;
static int crash_fd = STDERR_FILENO;

static void on_crash(int sig)
{
	if (crash_len > 0) {
		ssize_t w = write(crash_fd, crash_line, (size_t)crash_len);
		(void)w;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Only where nobody else (a sanitizer) handles the signal already. */
static void crash_install(int fd)
{
	crash_fd = fd;
	for (size_t i = 0; i < ARRAY_LEN(crash_sigs); i++) {
		struct sigaction sa;
		if (sigaction(crash_sigs[i], NULL, &crash_old[i]) != 0 ||
		    (crash_old[i].sa_flags & SA_SIGINFO) || crash_old[i].sa_handler != SIG_DFL)
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_crash;
		sigemptyset(&sa.sa_mask);
		crash_installed[i] = sigaction(crash_sigs[i], &sa, NULL) == 0;
	}
}

static void crash_remove(void)
{
	for (size_t i = 0; i < ARRAY_LEN(crash_sigs); i++)
		if (crash_installed[i]) {
			(void)sigaction(crash_sigs[i], &crash_old[i], NULL);
			crash_installed[i] = 0;
		}
	crash_len = 0;
}

static void crash_label(const struct kit *k, const char *label)
{
	crash_len = 0;
	if (!label)
		return;
	(void)str_fmt(crash_line, sizeof(crash_line),
	              "drover adapter check: %s crashed in %s: that fails the contract\n", k->name,
	              label);
	crash_len = (sig_atomic_t)strlen(crash_line);
}

/* ---- the guard ---------------------------------------------------------------------------- */

static int fd_has(const struct fdset *s, int fd)
{
	return (s->bits[fd / 8] >> (fd % 8)) & 1;
}

static void fd_put(struct fdset *s, int fd, int on)
{
	if (on)
		s->bits[fd / 8] |= (unsigned char)(1u << (fd % 8));
	else
		s->bits[fd / 8] &= (unsigned char)~(1u << (fd % 8));
}

static void fds_snapshot(struct fdset *s)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int self;

	memset(s, 0, sizeof(*s));
	if (!d) { /* no /proc: ask each descriptor */
		for (int fd = 0; fd < FD_BITS; fd++)
			if (fcntl(fd, F_GETFD) != -1)
				fd_put(s, fd, 1);
		return;
	}
	self = dirfd(d);
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		if (end == de->d_name || *end || fd < 0 || fd >= FD_BITS || fd == self)
			continue;
		fd_put(s, (int)fd, 1);
	}
	closedir(d);
}

static void fd_target(int fd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	(void)str_fmt(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, size - 1);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
}

/* A descriptor of the core's own connection to the site's SQLite database. */
static int core_fd(const struct kit *k, const char *target)
{
	size_t n = strlen(k->db_file);

	return n && strncmp(target, k->db_file, n) == 0 && (target[n] == '\0' || target[n] == '-');
}

static void append(char *buf, size_t size, const char *text)
{
	size_t used = strlen(buf);

	if (used + 1 < size)
		(void)str_fmt(buf + used, size - used, "%s%s", used ? ", " : "", text);
}

static void check_fds(struct kit *k)
{
	char opened[600] = "", closed[300] = "", one[PATH_MAX + 32], target[PATH_MAX];

	for (int fd = 0; fd < FD_BITS; fd++) {
		int was = fd_has(&k->before, fd), is = fd_has(&k->after, fd);
		if (was == is)
			continue;
		if (is) {
			fd_target(fd, target, sizeof(target));
			if (core_fd(k, target)) {
				fd_put(&k->core_fds, fd, 1);
				continue;
			}
			(void)str_fmt(one, sizeof(one), "fd %d (%s)", fd,
			              target[0] ? target : "unknown");
			append(opened, sizeof(opened), one);
		} else {
			if (fd_has(&k->core_fds, fd)) {
				fd_put(&k->core_fds, fd, 0);
				continue;
			}
			(void)str_fmt(one, sizeof(one), "fd %d", fd);
			append(closed, sizeof(closed), one);
		}
	}
	if (opened[0])
		viol(&k->fds, "%s left open %s: close every descriptor before returning%s%s",
		     k->label, opened, closed[0] ? "; and closed " : "", closed);
	else if (closed[0])
		viol(&k->fds, "%s closed %s, which it did not open", k->label, closed);
}

static void check_output(struct kit *k, int fd, const char *stream)
{
	char text[84];
	struct stat sb;
	ssize_t n;

	if (fstat(fd, &sb) == 0 && sb.st_size > 0) {
		n = pread(fd, text, 80, 0);
		if (n < 0)
			n = 0;
		text[n] = '\0';
		for (ssize_t i = 0; i < n; i++)
			if (!isprint((unsigned char)text[i]))
				text[i] = (text[i] == '\n' && i == n - 1) ? '\0' : '?';
		viol(&k->silent,
		     "%s wrote %lld bytes to %s (\"%s\"): an adapter never prints; log with "
		     "host->log and fail with host->error",
		     k->label, (long long)sb.st_size, stream, text);
	}
	if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
		viol(&k->silent, "the capture of %s cannot be reset: %s", stream, strerror(errno));
}

__attribute__((format(printf, 2, 0))) static void guard_vbegin(struct kit *k, const char *fmt,
                                                               va_list ap)
{
	(void)str_vfmt(k->label, sizeof(k->label), fmt, ap);
	k->calls++;
	crash_label(k, k->label);
	fds_snapshot(&k->before);
	fflush(stdout);
	fflush(stderr);
	(void)dup2(k->cap_out, STDOUT_FILENO);
	(void)dup2(k->cap_err, STDERR_FILENO);
	k->level = log_get_level();
	log_set_level(0); /* the core's own logging is not the adapter's output */
	host_capture_start(&k->logs);
}

__attribute__((format(printf, 2, 3))) static void guard_begin(struct kit *k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	guard_vbegin(k, fmt, ap);
	va_end(ap);
}

static void guard_end(struct kit *k)
{
	fflush(stdout);
	fflush(stderr);
	(void)dup2(k->saved_out, STDOUT_FILENO);
	(void)dup2(k->saved_err, STDERR_FILENO);
	host_capture_stop();
	log_set_level(k->level);
	crash_label(k, NULL);
	fds_snapshot(&k->after);
	check_output(k, k->cap_out, "stdout");
	check_output(k, k->cap_err, "stderr");
	check_fds(k);
	/* What the adapter logged is shown with --verbose. */
	for (size_t i = 0; i < k->logs.n; i++) {
		log_msg(DROVER_LOG_DEBUG, "%s: %s: %s", k->name, k->label, k->logs.lines[i]);
		free(k->logs.lines[i]);
	}
	free(k->logs.lines);
	memset(&k->logs, 0, sizeof(k->logs));
}

/* A fresh ctx for one call through entry `e` (the kit's, or a copy with another config). */
__attribute__((format(printf, 3, 4))) static struct drover_ctx *
call_begin(struct kit *k, const struct ldr_entry *e, const char *fmt, ...)
{
	va_list ap;

	err_clear(&k->err);
	host_ctx_init(&k->ctx, e, &k->err);
	va_start(ap, fmt);
	guard_vbegin(k, fmt, ap);
	va_end(ap);
	return &k->ctx;
}

static int call_end(struct kit *k, int rc)
{
	char code[64];

	guard_end(k);
	if (rc < 0 && rc != DROVER_E_NOTMINE && rc != DROVER_E_STOP) {
		k->errors++;
		if (!k->err.message[0])
			viol(&k->msgs,
			     "%s returned %s without a message: fail with `return "
			     "ctx->host->error(ctx, code, where, \"...\")`",
			     k->label, rc_text(rc, code, sizeof(code)));
	}
	return rc;
}

/* ---- scratch trees ------------------------------------------------------------------------ */

struct fake_file {
	const char *path, *text;
};
struct fake_tree {
	const char *dir;    /* under the scratch directory */
	const char *family; /* the CMS it imitates; an adapter of that name is not probed on it */
	const struct fake_file *files;
};

static const struct fake_file wp_files[] = {
    {"wp-includes/version.php", "<?php\n$wp_version = '6.5.2';\n$wp_db_version = 57155;\n"},
    {"wp-config.php", "<?php\ndefine( 'DB_NAME', 'wordpress' );\n$table_prefix = 'wp_';\n"},
    {"wp-load.php", "<?php\n"},
    {"index.php", "<?php\ndefine( 'WP_USE_THEMES', true );\nrequire __DIR__ . "
                  "'/wp-blog-header.php';\n"},
    {"wp-content/plugins/akismet/akismet.php", "<?php\n/*\nPlugin Name: Akismet\nVersion: "
                                               "5.3\n*/\n"},
    {NULL, NULL}};
static const struct fake_file d7_files[] = {
    {"includes/bootstrap.inc", "<?php\ndefine('VERSION', '7.103');\n"},
    {"modules/field/field.module", "<?php\n"},
    {"modules/system/system.info", "name = System\ncore = 7.x\nversion = VERSION\n"},
    {"sites/default/settings.php", "<?php\n$databases = array();\n"},
    {"index.php", "<?php\ndefine('DRUPAL_ROOT', getcwd());\n"},
    {NULL, NULL}};
static const struct fake_file d10_files[] = {
    {"core/lib/Drupal.php", "<?php\nnamespace Drupal;\nclass Drupal {\n  const VERSION = "
                            "'10.3.1';\n}\n"},
    {"core/modules/system/system.info.yml", "name: System\ntype: module\nversion: VERSION\n"},
    {"sites/default/settings.php", "<?php\n$databases = [];\n"},
    {"composer.json", "{\"name\": \"drupal/recommended-project\"}\n"},
    {"index.php", "<?php\nuse Drupal\\Core\\DrupalKernel;\n"},
    {NULL, NULL}};
static const struct fake_file backdrop_files[] = {
    {"core/includes/bootstrap.inc", "<?php\ndefine('BACKDROP_VERSION', '1.27.1');\n"},
    {"core/modules/system/system.info", "name = System\nbackdrop = 1.x\nversion = "
                                        "BACKDROP_VERSION\n"},
    {"settings.php", "<?php\n$database = 'mysql://user:pass@localhost/backdrop';\n"},
    {"index.php", "<?php\ndefine('BACKDROP_ROOT', getcwd());\n"},
    {NULL, NULL}};
static const struct fake_file m1_files[] = {
    {"app/Mage.php", "<?php\nfinal class Mage\n{\n    public static function getVersionInfo()\n"
                     "    {\n        return array(\n            'major'     => '1',\n"
                     "            'minor'     => '9',\n            'revision'  => '4',\n"
                     "            'patch'     => '5',\n            'stability' => '',\n"
                     "            'number'    => '',\n        );\n    }\n}\n"},
    {"app/etc/local.xml", "<config><global><resources><default_setup><connection><host><![CDATA["
                          "localhost]]></host></connection></default_setup></resources></"
                          "global></config>\n"},
    {"app/etc/modules/Mage_All.xml", "<config><modules><Mage_Core><active>true</active>"
                                     "<codePool>core</codePool></Mage_Core></modules></config>\n"},
    {"index.php", "<?php\nrequire_once 'app/Mage.php';\n"},
    {NULL, NULL}};
static const struct fake_file m2_files[] = {
    {"bin/magento", "#!/usr/bin/env php\n<?php\n"},
    {"app/etc/di.xml", "<config/>\n"},
    {"app/etc/env.php", "<?php\nreturn ['db' => ['connection' => ['default' => ['dbname' => "
                        "'magento']]]];\n"},
    {"lib/internal/Magento/Framework/registration.php", "<?php\n"},
    {"vendor/magento/magento2-base/composer.json", "{\"name\": \"magento/magento2-base\", "
                                                   "\"version\": \"2.4.7\"}\n"},
    {"composer.json", "{\"name\": \"magento/project-community-edition\"}\n"},
    {NULL, NULL}};
static const struct fake_file joomla_files[] = {
    {"libraries/src/Version.php", "<?php\nnamespace Joomla\\CMS;\nfinal class Version\n{\n"
                                  "    public const MAJOR_VERSION = 5;\n}\n"},
    {"configuration.php", "<?php\nclass JConfig {\n\tpublic $db = 'joomla';\n}\n"},
    {"index.php", "<?php\ndefine('_JEXEC', 1);\n"},
    {NULL, NULL}};
static const struct fake_file laravel_files[] = {
    {"artisan", "#!/usr/bin/env php\n<?php\n"},
    {"composer.json", "{\"name\": \"laravel/laravel\"}\n"},
    {"public/index.php", "<?php\n"},
    {"vendor/autoload.php", "<?php\n"},
    {NULL, NULL}};

static const struct fake_tree fake_trees[] = {
    {"wordpress", "wordpress", wp_files}, {"drupal7", "drupal", d7_files},
    {"drupal10", "drupal", d10_files},    {"backdrop", "backdrop", backdrop_files},
    {"magento1", "magento", m1_files},    {"magento2", "magento", m2_files},
    {"joomla", "joomla", joomla_files},   {"laravel", "laravel", laravel_files},
};

static int write_file(struct kit *k, const char *dir, const char *rel, const char *text)
{
	char path[PATH_MAX], *slash;
	FILE *f;

	if (str_fmt(path, sizeof(path), "%s/%s", dir, rel) != 0)
		return err_set(&k->a->err, DROVER_E_RANGE, dir, "path too long");
	slash = strrchr(path, '/');
	*slash = '\0';
	if (path_mkdirs(path, 0700) != 0)
		return err_set(&k->a->err, DROVER_E_IO, path, "cannot create: %s", strerror(errno));
	*slash = '/';
	f = fopen(path, "we");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		int e = errno;
		return err_set(&k->a->err, DROVER_E_IO, path, "cannot write: %s", strerror(e));
	}
	return 0;
}

static int make_scratch(struct kit *k)
{
	const char *tmpdir = getenv("TMPDIR");
	char dir[PATH_MAX];
	int rc;

	if (str_fmt(k->tmp, sizeof(k->tmp), "%s/drover-check-XXXXXX",
	            tmpdir && tmpdir[0] == '/' ? tmpdir : "/tmp") != 0)
		return err_set(&k->a->err, DROVER_E_RANGE, tmpdir, "$TMPDIR is too long");
	if (!mkdtemp(k->tmp)) {
		int e = errno;
		k->tmp[0] = '\0';
		return err_set(&k->a->err, DROVER_E_IO, tmpdir ? tmpdir : "/tmp",
		               "cannot create a scratch directory: %s", strerror(e));
	}
	if (path_join(k->empty, sizeof(k->empty), k->tmp, "empty") != 0 ||
	    mkdir(k->empty, 0700) != 0)
		return err_set(&k->a->err, DROVER_E_IO, k->tmp,
		               "cannot create a scratch directory");
	for (size_t i = 0; i < ARRAY_LEN(fake_trees); i++) {
		if (path_join(dir, sizeof(dir), k->tmp, fake_trees[i].dir) != 0)
			return err_set(&k->a->err, DROVER_E_RANGE, k->tmp, "path too long");
		for (const struct fake_file *f = fake_trees[i].files; f->path; f++)
			if ((rc = write_file(k, dir, f->path, f->text)) != 0)
				return rc;
	}
	/* The capture files, and the real stdout and stderr to go back to. */
	if (path_join(dir, sizeof(dir), k->tmp, "stdout") != 0 ||
	    (k->cap_out = open(dir, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    path_join(dir, sizeof(dir), k->tmp, "stderr") != 0 ||
	    (k->cap_err = open(dir, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    (k->saved_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    (k->saved_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) < 0) {
		int e = errno;
		return err_set(&k->a->err, DROVER_E_IO, k->tmp,
		               "cannot set up the output capture: %s", strerror(e));
	}
	return 0;
}

/* ---- checks of data handed over ----------------------------------------------------------- */

/* A path relative to the platform root: NULL if fine, else what is wrong. */
static const char *bad_rel(const char *p)
{
	if (!p)
		return "is NULL";
	if (!p[0])
		return "is empty";
	if (p[0] == '/')
		return "is absolute";
	for (const char *s = p; *s;) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return "has a '..' component";
		s += n + (e ? 1 : 0);
	}
	return NULL;
}

static int terminated(const char *field, size_t size)
{
	return memchr(field, '\0', size) != NULL;
}

static int canary_intact(const unsigned char *b, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (b[i] != CANARY)
			return 0;
	return 1;
}

static const char *bad_updates(const char *const *u, uint32_t n)
{
	if (n && !u)
		return "n_updates is set but updates is NULL";
	for (uint32_t i = 0; i < n; i++)
		if (!u[i] || !u[i][0])
			return "an entry of updates is NULL or empty";
	return NULL;
}

/* The callbacks' state: what was streamed, the first problem, and whether to stop. */
struct pathrec {
	char *path;
	uint32_t flags;
};
struct walk {
	int stop; /* return DROVER_E_STOP from the first item */
	unsigned n;
	char bad[700];
	struct pathrec *paths;
	size_t npaths, cap;
	int nomem;
};

__attribute__((format(printf, 2, 3))) static void walk_bad(struct walk *w, const char *fmt, ...)
{
	va_list ap;

	if (w->bad[0])
		return;
	va_start(ap, fmt);
	(void)str_vfmt(w->bad, sizeof(w->bad), fmt, ap);
	va_end(ap);
}

static int walk_next(struct walk *w)
{
	w->n++;
	return w->stop ? DROVER_E_STOP : 0;
}

static void walk_free(struct walk *w)
{
	for (size_t i = 0; i < w->npaths; i++)
		free(w->paths[i].path);
	free(w->paths);
	memset(w, 0, sizeof(*w));
}

static const char *const pkg_types[] = {"module",       "theme",   "profile",
                                        "theme_engine", "library", "core"};

static int pkg_cb(void *arg, const struct drover_package *p)
{
	struct walk *w = arg;
	const char *why;
	int known = 0;

	if (!p || p->struct_size < sizeof(*p)) {
		walk_bad(w, "package #%u: %s", w->n + 1,
		         p ? "struct_size is smaller than struct drover_package" : "NULL package");
		return walk_next(w);
	}
	for (size_t i = 0; p->type && i < ARRAY_LEN(pkg_types); i++)
		known |= strcmp(p->type, pkg_types[i]) == 0;
	if (!p->name || !p->name[0])
		walk_bad(w, "package #%u has no name", w->n + 1);
	else if (!known)
		walk_bad(w,
		         "package %s has type '%s', not one of module, theme, profile, "
		         "theme_engine, library, core",
		         p->name, p->type ? p->type : "(NULL)");
	else if (!p->version || !p->schema)
		walk_bad(w, "package %s has a NULL %s: give \"\" when unknown", p->name,
		         p->version ? "schema" : "version");
	else if ((why = bad_rel(p->path)))
		walk_bad(w, "package %s: its path '%s' %s", p->name, p->path ? p->path : "", why);
	else if (p->flags & ~(uint32_t)(DROVER_PKG_SITE_SPECIFIC | DROVER_PKG_CORE |
	                                DROVER_PKG_HIDDEN | DROVER_PKG_DISABLED))
		walk_bad(w, "package %s has unknown flags 0x%x", p->name, (unsigned)p->flags);
	else if ((p->flags & DROVER_PKG_SITE_SPECIFIC) && (!p->site || !p->site[0]))
		walk_bad(w, "package %s is site-specific but names no site directory", p->name);
	else if ((why = bad_updates(p->updates, p->n_updates)))
		walk_bad(w, "package %s: %s", p->name, why);
	return walk_next(w);
}

static int schema_cb(void *arg, const struct drover_schema_row *r)
{
	struct walk *w = arg;
	const char *why;

	if (!r || r->struct_size < sizeof(*r))
		walk_bad(w, "row #%u: %s", w->n + 1,
		         r ? "struct_size is smaller than struct drover_schema_row" : "NULL row");
	else if (!r->name || !r->name[0])
		walk_bad(w, "row #%u has no name", w->n + 1);
	else if (r->status != DROVER_SCHEMA_ENABLED && r->status != DROVER_SCHEMA_DISABLED &&
	         r->status != DROVER_SCHEMA_UNINSTALLED)
		walk_bad(w, "%s has status %d, not one of 1, 0, -1", r->name, (int)r->status);
	else if (!r->type || !r->schema)
		walk_bad(w, "%s has a NULL %s: give \"\" when unknown", r->name,
		         r->type ? "schema" : "type");
	else if ((why = bad_updates(r->updates, r->n_updates)))
		walk_bad(w, "%s: %s", r->name, why);
	return walk_next(w);
}

static int path_cb(void *arg, const char *path, uint32_t flags)
{
	struct walk *w = arg;
	const char *why;

	if ((why = bad_rel(path)))
		walk_bad(w, "path '%s' %s: paths are relative to the platform root",
		         path ? path : "", why);
	else if (!flags || (flags & ~(uint32_t)(DROVER_PATH_OWN | DROVER_PATH_EXCLUDE |
	                                        DROVER_PATH_DATABASE)))
		walk_bad(w, "path '%s' has flags 0x%x: give DROVER_PATH_OWN, _EXCLUDE or _DATABASE",
		         path, (unsigned)flags);
	if (!why && !w->nomem) {
		if (w->npaths == w->cap) {
			size_t cap = w->cap ? w->cap * 2 : 16;
			struct pathrec *v = realloc(w->paths, cap * sizeof(*v));
			if (!v)
				w->nomem = 1;
			else
				w->paths = v, w->cap = cap;
		}
		if (!w->nomem && !(w->paths[w->npaths].path = str_dup(path)))
			w->nomem = 1;
		if (!w->nomem)
			w->paths[w->npaths++].flags = flags;
	}
	return walk_next(w);
}

static int name_cb(void *arg, const char *name)
{
	struct walk *w = arg;

	if (!name || !name[0] || !db_ident_ok(name))
		walk_bad(w, "'%s' is not a plain table name ([A-Za-z0-9_], at most 64)",
		         name ? name : "(NULL)");
	return walk_next(w);
}

static int check_cb(void *arg, const struct drover_check *c)
{
	struct walk *w = arg;

	if (!c || c->struct_size < sizeof(*c))
		walk_bad(w, "check #%u: %s", w->n + 1,
		         c ? "struct_size is smaller than struct drover_check" : "NULL check");
	else if (!c->name || !c->name[0])
		walk_bad(w, "check #%u has no name", w->n + 1);
	else if (c->status < DROVER_CHECK_OK || c->status > DROVER_CHECK_FAILED)
		walk_bad(w, "check %s has status %d, not one of DROVER_CHECK_*", c->name,
		         (int)c->status);
	return walk_next(w);
}

/* Exclusions and databases must lie inside a path the site owns. */
static void check_owned(const struct walk *w, struct verdict *v)
{
	size_t own = 0;

	if (w->nomem)
		vfail(v, "out of memory keeping the paths");
	for (size_t i = 0; i < w->npaths; i++)
		own += (w->paths[i].flags & DROVER_PATH_OWN) != 0;
	if (!own)
		vfail(v, "no path is marked DROVER_PATH_OWN: a site owns at least its settings");
	for (size_t i = 0; i < w->npaths; i++) {
		const struct pathrec *p = &w->paths[i];
		int inside = 0;
		if (p->flags & DROVER_PATH_OWN)
			continue;
		for (size_t j = 0; j < w->npaths && !inside; j++) {
			const struct pathrec *o = &w->paths[j];
			size_t n = strlen(o->path);
			if (!(o->flags & DROVER_PATH_OWN))
				continue;
			inside = strncmp(p->path, o->path, n) == 0 &&
			         (p->path[n] == '/' || (p->path[n] == '\0' && o != p));
			inside |= strcmp(o->path, ".") == 0;
		}
		if (!inside)
			vfail(v, "'%s' is %s but lies in no path the site owns", p->path,
			      (p->flags & DROVER_PATH_DATABASE) ? "a database" : "excluded");
	}
}

/* ---- clauses: the file and its descriptor ------------------------------------------------- */

static int c_load(struct kit *k)
{
	struct drover_error err;
	const struct ldr_entry *e;
	int rc;

	err_clear(&err);
	guard_begin(k, "load (dlopen, init)");
	rc = ldr_load_file(&k->ldr, &k->a->cfg, k->o->path, &err);
	guard_end(k);
	k->have_ldr = 1;
	if (rc != 0) {
		err_reset(&k->a->err, rc, err.where, "%s", err.message);
		return rc;
	}
	e = &k->ldr.v[0];
	if (!e->loaded) {
		clause(k, CF_FAIL, "load", "%s", e->reason);
		return 1;
	}
	k->e = e;
	k->ops = e->desc->ops;
	k->caps = e->desc->caps;
	clause(k, CF_PASS, "load",
	       "%s %s (%s, %s), ABI %u.%u: file, symbol, magic, version, sizes, fields, name, "
	       "caps and init accepted",
	       e->desc->name, e->desc->version, e->desc->vendor, e->desc->license,
	       (unsigned)e->desc->abi_major, (unsigned)e->desc->abi_minor);
	return 0;
}

static void c_descriptor(struct kit *k)
{
	const struct drover_adapter *d = k->e->desc;
	char caps[400] = "";
	struct verdict v = {0};

	if (d->reserved0)
		vfail(&v, "reserved0 is %u: leave it 0", (unsigned)d->reserved0);
	for (size_t i = 0; i < ARRAY_LEN(d->reserved); i++)
		if (d->reserved[i])
			vfail(&v, "reserved[%zu] is set: leave the reserved slots NULL", i);
	if (d->ops->reserved)
		vfail(&v, "ops.reserved is %u: leave it 0", (unsigned)d->ops->reserved);
	if (d->description) {
		size_t n = strnlen(d->description, 201);
		if (n > 200)
			vfail(&v, "description is longer than one line (200 bytes)");
		for (size_t i = 0; i < n; i++)
			if (!isprint((unsigned char)d->description[i])) {
				vfail(&v, "description has non-printable characters");
				break;
			}
	}
	for (const char *s = d->license; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-+() ", *s)) {
			vfail(&v, "license '%s' is not an SPDX expression", d->license);
			break;
		}
	for (size_t i = 0; i < ARRAY_LEN(cap_ops); i++) {
		void *const *fn =
		    (void *const *)(const void *)((const char *)d->ops + cap_ops[i].off);
		if (!(d->caps & cap_ops[i].cap) && *fn)
			vfail(&v,
			      "ops.%s is set but %s is clear, so the core never calls it: set the "
			      "bit "
			      "or leave the op NULL",
			      cap_ops[i].op, cap_ops[i].bit);
	}
	for (unsigned b = 0; b < 64; b++)
		if ((d->caps & (UINT64_C(1) << b)) && ldr_cap_name(b))
			append(caps, sizeof(caps), ldr_cap_name(b));
	if (v.failed)
		clause(k, CF_FAIL, "descriptor", "%s", v.why);
	else
		clause(k, CF_PASS, "descriptor",
		       "reserved fields clear, every op matches its cap bit; caps: %s",
		       caps[0] ? caps : "none");
}

static void c_options(struct kit *k)
{
	const struct drover_option *opts = k->e->desc->options;
	struct verdict v = {0};
	char keys[400] = "";
	size_t n = 0;

	for (const struct drover_option *o = opts; opts && o->key; o++, n++) {
		append(keys, sizeof(keys), o->key);
		if (!o->help || !o->help[0])
			vfail(&v, "option '%s' has no help line", o->key);
		if ((o->flags & (DROVER_OPT_PATH | DROVER_OPT_SECRET)) &&
		    o->type != DROVER_OPT_STRING)
			vfail(&v, "option '%s' is flagged PATH or SECRET but is not a string",
			      o->key);
		if ((o->flags & DROVER_OPT_PATH) && o->def && o->def[0] != '/')
			vfail(&v, "option '%s' is a path whose default \"%s\" is not absolute",
			      o->key, o->def);
		if ((o->flags & DROVER_OPT_SECRET) && o->def)
			vfail(&v,
			      "secret option '%s' has a built-in default: secrets belong in the "
			      "configuration",
			      o->key);
	}
	if (v.failed)
		clause(k, CF_FAIL, "options", "%s", v.why);
	else if (!n)
		clause(k, CF_PASS, "options", "no option table");
	else
		clause(k, CF_PASS, "options",
		       "%zu option%s (%s): keys, types, ranges, defaults and help valid", n,
		       n == 1 ? "" : "s", keys);
}

/* ---- clauses: probe ----------------------------------------------------------------------- */

static int probe(struct kit *k, const char *root, struct drover_probe *out, const char *what)
{
	struct drover_ctx *ctx = call_begin(k, k->e, "probe (%s)", what);

	return call_end(k, k->ops->probe(ctx, root, out));
}

static void c_probe_empty(struct kit *k)
{
	struct drover_probe p;
	char code[64], msg[1100];
	int rc;

	memset(&p, 0, sizeof(p));
	p.struct_size = sizeof(p);
	rc = probe(k, k->empty, &p, "empty tree");
	if (rc != DROVER_E_NOTMINE)
		clause(k, CF_FAIL, "probe: empty tree",
		       "returned %s on an empty directory: an empty tree is DROVER_E_NOTMINE",
		       rc_text(rc, code, sizeof(code)));
	else if (k->err.code || k->err.message[0])
		clause(
		    k, CF_FAIL, "probe: empty tree",
		    "returned DROVER_E_NOTMINE but recorded an error (%s): NOTMINE is an answer, "
		    "not an error; return it without host->error",
		    err_text(k, msg, sizeof(msg)));
	else
		clause(k, CF_PASS, "probe: empty tree", "DROVER_E_NOTMINE, no error recorded");
}

static void c_probe_foreign(struct kit *k)
{
	char dir[PATH_MAX], code[64], said[600] = "", own[200] = "";
	struct verdict v = {0};
	struct drover_probe p;
	int rc;

	for (size_t i = 0; i < ARRAY_LEN(fake_trees); i++) {
		const struct fake_tree *t = &fake_trees[i];
		if (strcmp(t->family, k->name) == 0) {
			append(own, sizeof(own), t->dir);
			continue;
		}
		(void)path_join(dir, sizeof(dir), k->tmp, t->dir);
		memset(&p, 0, sizeof(p));
		p.struct_size = sizeof(p);
		rc = probe(k, dir, &p, t->dir);
		if (rc == DROVER_E_NOTMINE) {
			append(said, sizeof(said), t->dir);
		} else if (rc == 0 && terminated(p.cms, sizeof(p.cms)) &&
		           strcmp(p.cms, t->family) == 0) {
			append(own, sizeof(own),
			       t->dir); /* an adapter of that CMS under another name */
		} else if (rc == 0) {
			vfail(&v, "claimed the fake %s tree (a %s codebase) as %.*s %.*s", t->dir,
			      t->family, (int)sizeof(p.cms), p.cms, (int)sizeof(p.core_version),
			      p.core_version);
		} else {
			vfail(&v,
			      "returned %s on the fake %s tree (a %s codebase): a tree of another "
			      "CMS "
			      "is DROVER_E_NOTMINE",
			      rc_text(rc, code, sizeof(code)), t->dir, t->family);
		}
	}
	if (v.failed)
		clause(k, CF_FAIL, "probe: foreign trees", "%s", v.why);
	else
		clause(k, CF_PASS, "probe: foreign trees", "DROVER_E_NOTMINE on %s%s%s%s", said,
		       own[0] ? " (not probed on its own CMS: " : "", own, own[0] ? ")" : "");
}

static int probe_valid(const struct drover_probe *p, struct verdict *v)
{
	if (!terminated(p->cms, sizeof(p->cms)) || !p->cms[0])
		vfail(v, "cms is empty or not NUL-terminated");
	else if (!terminated(p->distribution, sizeof(p->distribution)))
		vfail(v, "distribution is not NUL-terminated");
	else if (!terminated(p->core_version, sizeof(p->core_version)) || !p->core_version[0])
		vfail(v, "core_version is empty or not NUL-terminated");
	else if (!p->generation)
		vfail(v, "generation is 0");
	return v->failed;
}

static void c_probe_own(struct kit *k)
{
	char code[64], msg[1100];
	struct verdict v = {0};
	struct drover_probe p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.struct_size = sizeof(p);
	rc = probe(k, k->root, &p, "--root");
	if (rc != 0)
		vfail(&v, "returned %s on %s, which --root says is its CMS: %s",
		      rc_text(rc, code, sizeof(code)), k->root, err_text(k, msg, sizeof(msg)));
	else if (!probe_valid(&p, &v) && k->err.code)
		vfail(&v, "returned 0 but recorded an error: %s", err_text(k, msg, sizeof(msg)));
	if (v.failed)
		clause(k, CF_FAIL, "probe: own tree", "%s", v.why);
	else
		clause(k, CF_PASS, "probe: own tree", "%s%s%s %s, generation %u, line %u", p.cms,
		       p.distribution[0] && strcmp(p.distribution, p.cms) ? "/" : "",
		       p.distribution[0] && strcmp(p.distribution, p.cms) ? p.distribution : "",
		       p.core_version, (unsigned)p.generation, (unsigned)p.line);
}

static void c_probe_size(struct kit *k)
{
	union {
		struct drover_probe p;
		unsigned char b[sizeof(struct drover_probe) + 64];
	} u;
	const size_t cut = offsetof(struct drover_probe, line);
	char code[64];
	struct verdict v = {0};
	int rc;

	/* A core whose struct ends before `line`: nothing may be written from there on. */
	memset(&u, CANARY, sizeof(u));
	memset(&u.p, 0, cut);
	u.p.struct_size = (uint32_t)cut;
	rc = probe(k, k->root, &u.p, "--root, short struct_size");
	if (rc != 0)
		vfail(&v,
		      "returned %s when struct_size is %zu (the struct without line): fill what "
		      "fits",
		      rc_text(rc, code, sizeof(code)), cut);
	else if (!canary_intact(u.b, cut, sizeof(u)))
		vfail(&v, "wrote past struct_size %zu: write only the fields within struct_size",
		      cut);
	else
		(void)probe_valid(&u.p, &v);
	/* The full struct: nothing past its end. */
	memset(&u, CANARY, sizeof(u));
	memset(&u.p, 0, sizeof(u.p));
	u.p.struct_size = sizeof(u.p);
	rc = probe(k, k->root, &u.p, "--root, canary after the struct");
	if (rc == 0 && !canary_intact(u.b, sizeof(u.p), sizeof(u)))
		vfail(&v, "wrote past the end of struct drover_probe (%zu bytes)", sizeof(u.p));
	if (v.failed)
		clause(k, CF_FAIL, "probe: within struct_size", "%s", v.why);
	else
		clause(k, CF_PASS, "probe: within struct_size",
		       "with struct_size %zu it fills what fits and nothing after; nothing written "
		       "past a full struct",
		       cut);
}

/* ---- clauses: enumerations ---------------------------------------------------------------- */

typedef int (*walk_fn)(struct kit *k, const char *label, struct walk *w);

static int run_packages(struct kit *k, const char *label, struct walk *w)
{
	struct drover_ctx *ctx = call_begin(k, k->e, "packages (%s)", label);

	return call_end(k, k->ops->packages(ctx, k->root, pkg_cb, w));
}

static int run_schema(struct kit *k, const char *label, struct walk *w)
{
	struct drover_ctx *ctx = call_begin(k, k->e, "site_schema (%s)", label);

	return call_end(k, k->ops->site_schema(ctx, &k->site, schema_cb, w));
}

static int run_paths(struct kit *k, const char *label, struct walk *w)
{
	struct drover_ctx *ctx = call_begin(k, k->e, "site_paths (%s)", label);

	return call_end(k, k->ops->site_paths(ctx, &k->site, path_cb, w));
}

static int run_tables(struct kit *k, const char *label, struct walk *w)
{
	struct drover_ctx *ctx = call_begin(k, k->e, "cache_tables (%s)", label);

	return call_end(k, k->ops->cache_tables(ctx, &k->site, name_cb, w));
}

static int run_health(struct kit *k, const char *label, struct walk *w)
{
	struct drover_ctx *ctx = call_begin(k, k->e, "health (%s)", label);

	return call_end(k, k->ops->health(ctx, &k->site, check_cb, w));
}

/*
 * "<op>: streams" (0, at least `min` items, each valid) and "<op>: stops when asked" (a callback
 * returning DROVER_E_STOP on the first item is not called again, and the op returns that value).
 */
static void stream_clauses(struct kit *k, const char *op, walk_fn fn, unsigned min,
                           const char *items, int paths)
{
	char name[64], stop[64], code[64], msg[1100];
	struct verdict v = {0};
	struct walk w;
	unsigned n;
	int rc;

	(void)str_fmt(name, sizeof(name), "%s: streams", op);
	(void)str_fmt(stop, sizeof(stop), "%s: stops when asked", op);
	memset(&w, 0, sizeof(w));
	rc = fn(k, "streams", &w);
	if (rc != 0)
		vfail(&v, "returned %s: %s", rc_text(rc, code, sizeof(code)),
		      err_text(k, msg, sizeof(msg)));
	else if (w.bad[0])
		vfail(&v, "%s", w.bad);
	else if (w.n < min)
		vfail(&v, "streamed no %s", items);
	if (paths && !v.failed)
		check_owned(&w, &v);
	n = w.n;
	walk_free(&w);
	if (v.failed)
		clause(k, CF_FAIL, name, "%s", v.why);
	else
		clause(k, CF_PASS, name, "streamed %u %s, each valid", n, items);

	if (n == 0) {
		clause(k, CF_SKIP, stop, "nothing was streamed, so there was nothing to stop");
		return;
	}
	memset(&w, 0, sizeof(w));
	w.stop = 1;
	rc = fn(k, "stop after the first", &w);
	n = w.n;
	walk_free(&w);
	if (n != 1)
		clause(k, CF_FAIL, stop,
		       "the callback returned DROVER_E_STOP for the first of the %s but was called "
		       "%u times: stop at once and return the callback's value",
		       items, n);
	else if (rc != DROVER_E_STOP)
		clause(k, CF_FAIL, stop,
		       "stopped, but returned %s instead of the callback's DROVER_E_STOP",
		       rc_text(rc, code, sizeof(code)));
	else
		clause(k, CF_PASS, stop, "stopped after the first and returned DROVER_E_STOP");
}

static void c_packages(struct kit *k)
{
	char code[64];
	struct walk w;
	int rc;

	if (!(k->caps & DROVER_CAP_PACKAGES)) {
		skip_cap(k, "packages", DROVER_CAP_PACKAGES);
		return;
	}
	memset(&w, 0, sizeof(w));
	{
		struct drover_ctx *ctx = call_begin(k, k->e, "packages (empty tree)");
		rc = call_end(k, k->ops->packages(ctx, k->empty, pkg_cb, &w));
	}
	walk_free(&w);
	if (rc >= 0)
		clause(k, CF_FAIL, "packages: empty tree",
		       "returned %s on an empty directory: a tree that is not a platform is an "
		       "error",
		       rc_text(rc, code, sizeof(code)));
	else
		clause(k, CF_PASS, "packages: empty tree", "returned %s",
		       rc_text(rc, code, sizeof(code)));
	if (!k->root[0]) {
		clause(k, CF_SKIP, "packages: streams", "needs --root");
		clause(k, CF_SKIP, "packages: stops when asked", "needs --root");
		return;
	}
	stream_clauses(k, "packages", run_packages, 1, "packages", 0);
}

/* ---- clauses: a site ---------------------------------------------------------------------- */

static int need_site(struct kit *k, const char *name, uint64_t cap)
{
	if (!(k->caps & cap)) {
		skip_cap(k, name, cap);
		return 0;
	}
	if (!k->o->site) {
		clause(k, CF_SKIP, name, "needs --root and --site");
		return 0;
	}
	if (!k->site_ready) {
		clause(k, CF_SKIP, name, "%s", k->site_why);
		return 0;
	}
	return 1;
}

static void c_settings_read(struct kit *k)
{
	union {
		struct drover_settings s;
		unsigned char b[sizeof(struct drover_settings) + 64];
	} u;
	struct drover_settings *s = &u.s;
	struct drover_ctx *ctx;
	char code[64], msg[1100];
	struct verdict v = {0};
	int rc;

	if (!(k->caps & DROVER_CAP_SETTINGS_READ)) {
		skip_cap(k, "settings_read", DROVER_CAP_SETTINGS_READ);
		return;
	}
	if (!k->o->site) {
		clause(k, CF_SKIP, "settings_read", "needs --root and --site");
		return;
	}
	memset(&u, CANARY, sizeof(u));
	memset(s, 0, sizeof(*s));
	s->struct_size = sizeof(*s);
	ctx = call_begin(k, k->e, "settings_read");
	rc = call_end(k, k->ops->settings_read(ctx, &k->site, s));
	if (rc != 0)
		vfail(&v, "returned %s: %s", rc_text(rc, code, sizeof(code)),
		      err_text(k, msg, sizeof(msg)));
	else if (!canary_intact(u.b, sizeof(*s), sizeof(u)))
		vfail(&v, "wrote past the end of struct drover_settings");
	else if (!terminated(s->driver, sizeof(s->driver)) ||
	         !terminated(s->database, sizeof(s->database)) ||
	         !terminated(s->username, sizeof(s->username)) ||
	         !terminated(s->password, sizeof(s->password)) ||
	         !terminated(s->host, sizeof(s->host)) ||
	         !terminated(s->prefix, sizeof(s->prefix)) ||
	         !terminated(s->files_path, sizeof(s->files_path)) ||
	         !terminated(s->base_url, sizeof(s->base_url)))
		vfail(&v, "a string field is not NUL-terminated");
	else if (strcmp(s->driver, "sqlite") != 0 && strcmp(s->driver, "mysql") != 0)
		vfail(&v, "driver is '%s', not sqlite or mysql", s->driver);
	else if (!s->database[0])
		vfail(&v, "no database named");
	if (v.failed) {
		clause(k, CF_FAIL, "settings_read", "%s", v.why);
	} else {
		k->st = *s;
		k->have_settings = 1;
		clause(k, CF_PASS, "settings_read", "driver %s, database %s", s->driver,
		       s->database);
	}
	memset(&u, 0, sizeof(u)); /* the password goes no further */
}

static int real_db_file_cb(void *arg, uint32_t n, const char *const *cols)
{
	char *out = arg;

	if (n >= 3 && cols[1] && strcmp(cols[1], "main") == 0 && cols[2] && cols[2][0] &&
	    !realpath(cols[2], out))
		out[0] = '\0';
	return 0;
}

/* Attach the site's database, as the core does for a registered site. */
static void open_site_db(struct kit *k)
{
	const struct cfg_db_server *def = cfg_db_server(&k->a->cfg, k->a->cfg.default_db_server);
	const char *server = k->o->db_server;
	struct host_capture logs;
	char line[1100];
	int rc;

	if (!(k->caps & DROVER_CAP_SETTINGS_READ)) {
		k->site_ready = 1; /* an adapter that keeps no settings gets no database */
		clause(k, CF_SKIP, "site database",
		       "the adapter reads no settings (DROVER_CAP_SETTINGS_READ is clear): the "
		       "site's ops get no database");
		return;
	}
	if (!k->have_settings) {
		(void)str_copy(k->site_why, sizeof(k->site_why),
		               "the site's settings could not be read, so its database is unknown");
		clause(k, CF_SKIP, "site database", "%s", k->site_why);
		return;
	}
	if (!server)
		server = strcmp(k->st.driver, "sqlite") == 0 && def && strcmp(def->driver, "sqlite")
		             ? "local"
		             : k->a->cfg.default_db_server;
	err_clear(&k->a->err);
	host_capture_start(&logs); /* the adapter's settings_read again, unguarded */
	rc = inv_site_open(k->a, k->e, k->o->site, k->root, k->site_dir, server, &k->db);
	host_capture_stop();
	for (size_t i = 0; i < logs.n; i++)
		free(logs.lines[i]);
	free(logs.lines);
	if (rc != 0) {
		(void)str_fmt(k->site_why, sizeof(k->site_why),
		              "the site's database could not be opened on db server %s (%s): give "
		              "--db-server",
		              server, err_line(&k->a->err, line, sizeof(line)));
		err_clear(&k->a->err);
		clause(k, CF_SKIP, "site database", "%s", k->site_why);
		return;
	}
	if (strcmp(db_driver(k->db), DB_DRIVER_SQLITE) == 0)
		(void)db_query(k->db, "PRAGMA database_list", NULL, 0, real_db_file_cb, k->db_file,
		               NULL);
	k->site.db = k->db;
	k->site.db_driver = db_driver(k->db);
	k->site_ready = 1;
	clause(k, CF_PASS, "site database", "opened (%s on db server %s): the site's ops get it",
	       db_driver(k->db), server);
}

static void c_site_schema(struct kit *k)
{
	if (!need_site(k, "site_schema", DROVER_CAP_SITE_SCHEMA))
		return;
	if (!k->db) {
		clause(k, CF_SKIP, "site_schema", "no database attached to the site");
		return;
	}
	stream_clauses(k, "site_schema", run_schema, 1, "schema rows", 0);
}

static void c_site_paths(struct kit *k)
{
	if (need_site(k, "site_paths", DROVER_CAP_SITE_PATHS))
		stream_clauses(k, "site_paths", run_paths, 1, "paths", 1);
}

static void c_cache_tables(struct kit *k)
{
	if (need_site(k, "cache_tables", DROVER_CAP_CACHE_TABLES))
		stream_clauses(k, "cache_tables", run_tables, 0, "table names", 0);
}

static void c_health(struct kit *k)
{
	if (need_site(k, "health", DROVER_CAP_HEALTH))
		stream_clauses(k, "health", run_health, 1, "checks", 0);
}

static int maint(struct kit *k, int32_t action, int32_t *state, const char *what)
{
	struct drover_ctx *ctx = call_begin(k, k->e, "maintenance (%s)", what);

	*state = 77; /* the op must set it */
	return call_end(k, k->ops->maintenance(ctx, &k->site, action, state));
}

static void c_maintenance(struct kit *k)
{
	static const struct {
		int32_t action, want;
		const char *what;
	} steps[] = {
	    {DROVER_MAINT_STATUS, -1, "STATUS"},
	    {DROVER_MAINT_ON, 1, "ON"},
	    {DROVER_MAINT_ON, 1, "ON again"},
	    {DROVER_MAINT_STATUS, 1, "STATUS after ON"},
	    {DROVER_MAINT_OFF, 0, "OFF"},
	    {DROVER_MAINT_OFF, 0, "OFF again"},
	    {DROVER_MAINT_STATUS, 0, "STATUS after OFF"},
	};
	char code[64], msg[1100];
	struct verdict v = {0};
	int32_t s0 = -1, st;
	int rc;

	if (!need_site(k, "maintenance", DROVER_CAP_MAINTENANCE))
		return;
	for (size_t i = 0; i < ARRAY_LEN(steps) && !v.failed; i++) {
		rc = maint(k, steps[i].action, &st, steps[i].what);
		if (rc != 0)
			vfail(&v, "%s returned %s (%s)%s", steps[i].what,
			      rc_text(rc, code, sizeof(code)), err_text(k, msg, sizeof(msg)),
			      steps[i].action != DROVER_MAINT_STATUS &&
			              strstr(steps[i].what, "again")
			          ? ": ON and OFF are idempotent"
			          : "");
		else if (st != 0 && st != 1)
			vfail(&v, "%s left *state at %d: set it to 1 (on) or 0 (off)",
			      steps[i].what, (int)st);
		else if (i == 0)
			s0 = st;
		else if (st != steps[i].want)
			vfail(&v, "%s reports %s, expected %s", steps[i].what, st ? "on" : "off",
			      steps[i].want ? "on" : "off");
	}
	/* Put the site back as it was. */
	if (s0 >= 0) {
		rc = maint(k, DROVER_MAINT_STATUS, &st, "STATUS before restoring");
		if (rc != 0 || st != s0)
			rc = maint(k, s0 ? DROVER_MAINT_ON : DROVER_MAINT_OFF, &st, "restore");
		if (rc != 0 || st != s0) {
			char also[1400];
			(void)str_fmt(
			    also, sizeof(also),
			    "%s%sthe site's maintenance mode could not be put back %s (%s): "
			    "set it by hand",
			    v.failed ? v.why : "", v.failed ? "; and " : "", s0 ? "on" : "off",
			    rc ? err_text(k, msg, sizeof(msg)) : "the state did not change");
			(void)str_copy(v.why, sizeof(v.why), also);
			v.failed = 1;
		}
	}
	if (v.failed)
		clause(k, CF_FAIL, "maintenance", "%s", v.why);
	else
		clause(
		    k, CF_PASS, "maintenance",
		    "STATUS, ON, ON again, STATUS, OFF, OFF again, STATUS behave; the site was %s "
		    "and is again",
		    s0 ? "on" : "off");
}

/* Write `s` as a libconfig string literal. */
static void cfg_quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A configuration in which the adapter's update_command is `false`; 0, or why not in why. */
static int failing_update_cfg(struct kit *k, const struct drover_option *opt, struct cfg *c,
                              char *why, size_t size)
{
	const char *value = "false";
	struct drover_error err;
	char path[PATH_MAX], data[PATH_MAX], line[1100];
	FILE *f;

	if (opt->flags & DROVER_OPT_PATH)
		value = access("/bin/false", X_OK) == 0 ? "/bin/false" : "/usr/bin/false";
	if (path_join(path, sizeof(path), k->tmp, "update.cfg") != 0 ||
	    path_join(data, sizeof(data), k->tmp, "data") != 0)
		return str_copy(why, size, "scratch path too long"), -1;
	f = fopen(path, "we");
	if (!f)
		return str_fmt(why, size, "cannot write %s: %s", path, strerror(errno)), -1;
	fputs("data_dir = ", f);
	cfg_quote(f, data);
	fprintf(f, ";\nadapters: { %s: { %s = ", k->name, opt->key);
	cfg_quote(f, value);
	fputs("; }; };\n", f);
	if (fclose(f) != 0)
		return str_fmt(why, size, "cannot write %s", path), -1;
	err_clear(&err);
	if (cfg_load(c, path, &err) != 0)
		return str_fmt(why, size, "%s", err_line(&err, line, sizeof(line))), -1;
	if (cfg_check_adapter(c, k->name, k->e->desc->options, &err) != 0) {
		cfg_free(c);
		return str_fmt(why, size, "%s", err_line(&err, line, sizeof(line))), -1;
	}
	return 0;
}

static void c_update(struct kit *k)
{
	const struct drover_option *opt = NULL;
	struct drover_site fake, *site = &fake;
	struct ldr_entry e = *k->e;
	char code[64], msg[1100], why[1200], where[1400];
	struct drover_ctx *ctx;
	struct cfg c;
	int rc, have_cfg = 0;

	if (!(k->caps & DROVER_CAP_UPDATE)) {
		skip_cap(k, "update_run", DROVER_CAP_UPDATE);
		return;
	}
	for (const struct drover_option *o = k->e->desc->options; o && o->key; o++)
		if (strcmp(o->key, "update_command") == 0 && o->type == DROVER_OPT_STRING)
			opt = o;
	if (opt) {
		if (failing_update_cfg(k, opt, &c, why, sizeof(why)) != 0) {
			clause(k, CF_SKIP, "update_run",
			       "cannot point adapters.%s.update_command at a failing command: %s",
			       k->name, why);
			return;
		}
		have_cfg = 1;
		e.cfg = &c;
	}
	memset(&fake, 0, sizeof(fake));
	fake.struct_size = sizeof(fake);
	fake.domain = "conformance.invalid";
	fake.root = k->empty;
	fake.site_dir = (k->caps & DROVER_CAP_MULTISITE) ? "sites/default" : "";
	if (opt && k->o->site && k->site_ready) {
		site = &k->site;
		(void)str_fmt(where, sizeof(where), "on site %s with update_command = false",
		              k->o->site);
	} else if (opt) {
		(void)str_copy(where, sizeof(where),
		               "on an empty tree with update_command = false");
	} else {
		(void)str_copy(
		    where, sizeof(where),
		    "on an empty tree (the adapter has no update_command option to point "
		    "at a failing command, and a site's real updates are never run)");
	}
	ctx =
	    call_begin(k, &e, "update_run (%s)", site == &fake ? "empty tree" : "failing command");
	rc = call_end(k, k->ops->update_run(ctx, site));
	if (rc >= 0)
		clause(k, CF_FAIL, "update_run",
		       "returned %s %s: a failed update must return a negative code",
		       rc_text(rc, code, sizeof(code)), where);
	else
		clause(k, CF_PASS, "update_run", "reports the failure %s: %s (%s)", where,
		       rc_text(rc, code, sizeof(code)), err_text(k, msg, sizeof(msg)));
	if (have_cfg)
		cfg_free(&c);
}

static void c_cache_clear(struct kit *k)
{
	char code[64], msg[1100];
	struct drover_ctx *ctx;
	int rc;

	if (!need_site(k, "cache_clear", DROVER_CAP_CACHE_CLEAR))
		return;
	for (int i = 0; i < 2; i++) {
		ctx = call_begin(k, k->e, "cache_clear (%s)", i ? "again" : "first");
		rc = call_end(k, k->ops->cache_clear(ctx, &k->site));
		if (rc != 0) {
			clause(k, CF_FAIL, "cache_clear", "%s call returned %s: %s",
			       i ? "a second" : "the first", rc_text(rc, code, sizeof(code)),
			       err_text(k, msg, sizeof(msg)));
			return;
		}
	}
	clause(k, CF_PASS, "cache_clear", "returned 0, and 0 again at once");
}

static void c_fixup(struct kit *k)
{
	struct drover_move m;
	char code[64], msg[1100];
	struct drover_ctx *ctx;
	int rc;

	if (!need_site(k, "fixup", DROVER_CAP_FIXUP))
		return;
	memset(&m, 0, sizeof(m));
	m.struct_size = sizeof(m);
	m.old_domain = m.new_domain = k->o->site;
	m.old_root = m.new_root = k->root;
	m.old_site_dir = m.new_site_dir = k->site_dir;
	for (int i = 0; i < 2; i++) {
		ctx = call_begin(k, k->e, "fixup (no-op move%s)", i ? ", again" : "");
		rc = call_end(k, k->ops->fixup(ctx, &k->site, &m));
		if (rc != 0) {
			clause(k, CF_FAIL, "fixup",
			       "a move to the same place returned %s%s: %s; it must be a no-op",
			       rc_text(rc, code, sizeof(code)), i ? " the second time" : "",
			       err_text(k, msg, sizeof(msg)));
			return;
		}
	}
	clause(k, CF_PASS, "fixup", "a move to the same place returns 0, twice");
}

/* ---- the cross-cutting clauses ------------------------------------------------------------ */

static void c_every_call(struct kit *k)
{
	if (k->silent.n)
		clause(k, CF_FAIL, "silent", "%s (%u of %u calls printed)", k->silent.first,
		       k->silent.n, k->calls);
	else
		clause(k, CF_PASS, "silent", "%u calls, nothing written to stdout or stderr",
		       k->calls);
	if (k->fds.n)
		clause(k, CF_FAIL, "no leaked descriptors", "%s (%u of %u calls)", k->fds.first,
		       k->fds.n, k->calls);
	else
		clause(k, CF_PASS, "no leaked descriptors",
		       "%u calls, the same descriptors open after each as before", k->calls);
	if (k->msgs.n)
		clause(k, CF_FAIL, "errors carry a message", "%s (%u of %u errors)", k->msgs.first,
		       k->msgs.n, k->errors);
	else
		clause(k, CF_PASS, "errors carry a message",
		       "%u error%s returned, each with a message", k->errors,
		       k->errors == 1 ? "" : "s");
}

/* ---- the kit ------------------------------------------------------------------------------ */

static int setup_site(struct kit *k)
{
	char path[PATH_MAX];
	struct stat sb;
	const char *sd = k->o->site_dir;

	if (!sd) {
		if (k->caps & DROVER_CAP_MULTISITE) {
			(void)str_fmt(k->site_dir, sizeof(k->site_dir), "sites/%s", k->o->site);
			if (path_join(path, sizeof(path), k->root, k->site_dir) != 0 ||
			    stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
				return err_set(
				    &k->a->err, DROVER_E_NOTFOUND, k->root,
				    "there is no %s in --root: give --site-dir (sites/default "
				    "for a single-site platform)",
				    k->site_dir);
		}
	} else if (bad_rel(sd) && strcmp(sd, "") != 0) {
		return err_set(&k->a->err, DROVER_E_INVAL, sd,
		               "--site-dir is a directory relative to --root, without '..'");
	} else if (str_copy(k->site_dir, sizeof(k->site_dir), sd) != 0) {
		return err_set(&k->a->err, DROVER_E_RANGE, sd, "--site-dir is too long");
	}
	if (k->o->db_server && !cfg_db_server(&k->a->cfg, k->o->db_server))
		return err_set(
		    &k->a->err, DROVER_E_CONFIG, k->o->db_server,
		    "--db-server: no db server named %s in the configuration: see 'drover "
		    "config show'",
		    k->o->db_server);
	k->site.struct_size = sizeof(k->site);
	k->site.domain = k->o->site;
	k->site.root = k->root;
	k->site.site_dir = k->site_dir;
	return 0;
}

int cf_check(struct app *a, const struct cf_opts *o, cf_report_fn report, void *arg,
             struct cf_totals *t)
{
	struct kit *k = calloc(1, sizeof(*k));
	int rc;

	memset(t, 0, sizeof(*t));
	if (!k)
		return err_set(&a->err, DROVER_E_NOMEM, NULL, "out of memory");
	k->a = a;
	k->o = o;
	k->report = report;
	k->arg = arg;
	k->t = t;
	k->saved_out = k->saved_err = k->cap_out = k->cap_err = -1;
	(void)str_copy(k->name, sizeof(k->name), path_base(o->path));
	if (str_endswith(k->name, ".so"))
		k->name[strlen(k->name) - 3] = '\0';
	if (o->root && !realpath(o->root, k->root)) {
		rc = err_set(&a->err, DROVER_E_NOTFOUND, o->root, "--root: %s", strerror(errno));
		goto out;
	}
	if ((rc = make_scratch(k)) != 0)
		goto out;
	if (__sanitizer_set_report_fd)
		__sanitizer_set_report_fd((void *)(intptr_t)k->saved_err);
	crash_install(k->saved_err);

	if ((rc = c_load(k)) != 0) {
		rc = rc < 0 ? rc : 0;
		goto out;
	}
	(void)str_copy(k->name, sizeof(k->name), k->e->name);
	/* The configuration's settings for this adapter must fit its option table. */
	if ((rc = cfg_check_adapter(&a->cfg, k->name, k->e->desc->options, &a->err)) != 0)
		goto out;
	if (o->site && (rc = setup_site(k)) != 0)
		goto out;
	c_descriptor(k);
	c_options(k);
	c_probe_empty(k);
	c_probe_foreign(k);
	if (k->root[0]) {
		c_probe_own(k);
		c_probe_size(k);
	} else {
		clause(k, CF_SKIP, "probe: own tree", "needs --root");
		clause(k, CF_SKIP, "probe: within struct_size", "needs --root");
	}
	c_packages(k);
	c_settings_read(k);
	if (o->site)
		open_site_db(k);
	c_site_schema(k);
	c_site_paths(k);
	c_cache_tables(k);
	c_maintenance(k);
	c_update(k);
	c_cache_clear(k);
	c_health(k);
	c_fixup(k);
	if (k->db) {
		db_close(k->db);
		k->db = NULL;
	}
	guard_begin(k, "unload (fini)");
	ldr_unload(&k->ldr);
	guard_end(k);
	k->have_ldr = 0;
	c_every_call(k);
	rc = 0;
out:
	if (k->db)
		db_close(k->db);
	if (k->have_ldr)
		ldr_unload(&k->ldr);
	crash_remove();
	if (__sanitizer_set_report_fd)
		__sanitizer_set_report_fd((void *)(intptr_t)STDERR_FILENO);
	if (k->cap_out >= 0)
		close(k->cap_out);
	if (k->cap_err >= 0)
		close(k->cap_err);
	if (k->saved_out >= 0)
		close(k->saved_out);
	if (k->saved_err >= 0)
		close(k->saved_err);
	if (k->tmp[0])
		(void)path_remove_tree(k->tmp);
	memset(&k->st, 0, sizeof(k->st));
	free(k);
	return rc;
}

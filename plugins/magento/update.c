/*
 * plugins/magento/update.c: update_run, applying a site's pending database updates.
 *
 * Built in (adapters.magento.update_command unset):
 *   Magento 2   `php bin/magento setup:upgrade --keep-generated`, then `php bin/magento
 *               cache:flush`, in the platform root. --keep-generated: generated/ belongs to the
 *               platform's code (compiled for production mode); setup:upgrade would otherwise
 *               empty it, and a production site would run without its compiled code.
 *   Magento 1   `php m1-update.php <root>`: drover's own runner, installed with the adapter (see
 *   OpenMage    that file). Magento applies updates only while building its configuration
 *               without the config cache, and data updates only after schema updates in the
 *               same process; the runner boots Mage with the caches banned, flushes the config
 *               cache, reinitialises the configuration and applies schema then data updates.
 *               The stock 1.9 compiler (includes/config.php defining COMPILER_INCLUDE_PATH)
 *               must not be in use while code and database change: the runner never includes
 *               that file, and for the duration of the update the define is commented out in
 *               it (the way `php shell/compiler.php disable` does, a '#' before the line), so
 *               that nothing else starts on compiled classes that predate the code; afterwards
 *               the file's old bytes are put back. If putting them back fails, the compiler
 *               stays disabled, which is safe (Magento runs from app/code, only slower): that is
 *               a warning, not a failed update. If the platform's code changed since it was
 *               compiled, recompile (`php shell/compiler.php compile`) after the update.
 * Configured (update_command): the command is split on spaces, {root} and {site} in each part
 * are replaced by the platform root and the site's domain, and it runs in the platform root
 * with DROVER_SITE_ROOT and DROVER_SITE in its environment.
 *
 * Every command runs through host->run with the `timeout` option, the database password
 * redacted from its output. A command that exits non-zero fails the op with DROVER_E_EXEC and
 * the first line of its output; the whole output is logged (at info level, or at debug level
 * after a success).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "magento.h"

#define MAX_ARGS    64
#define COMMAND_MAX 4096
#define PHP_MAX     PATH_MAX

struct update {
	struct drover_ctx *ctx;
	struct mg_site *ms;
	const char *site; /* the domain, "" if none */
	int64_t timeout;
	char env_root[PATH_MAX + 32], env_site[320];
};

/* --- running one command ---------------------------------------------------------------------- */

/* "php bin/magento setup:upgrade" for messages. */
static void shown_command(const char *const *argv, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; argv[i] != NULL && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? " " : "", argv[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (used >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

/* One line of output for a message or the log: control characters become '?', and a line
 * longer than the buffer is cut with "..." (not inside a UTF-8 sequence). */
static void line_text(char *buf, size_t size, const char *s, size_t n)
{
	size_t o = 0;
	int cut = n >= size;

	if (cut) {
		n = size - 4;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++)
		buf[o++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (cut) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

/* Log every line of the output; *first gets the first line that is not blank. */
static void output_lines(struct update *u, const char *out, size_t len, int level, char *first,
                         size_t size)
{
	size_t at = 0, lines = 0;

	first[0] = '\0';
	while (at < len) {
		const char *nl = memchr(out + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - out - at) : len - at, lead = 0;
		char line[512];

		while (lead < n &&
		       (out[at + lead] == ' ' || out[at + lead] == '\t' || out[at + lead] == '\r'))
			lead++;
		if (lead < n) {
			size_t end = n;

			while (end > lead &&
			       (out[at + end - 1] == '\r' || out[at + end - 1] == ' '))
				end--;
			line_text(line, sizeof line, out + at + lead, end - lead);
			if (first[0] == '\0')
				line_text(first, size, out + at + lead, end - lead);
			if (++lines <= 200)
				u->ctx->host->log(u->ctx, level, "%s: %s", mg_domain(u->ms->site),
				                  line);
		}
		at += n + 1;
	}
	if (lines > 200)
		u->ctx->host->log(u->ctx, level, "%s: (%zu more lines of output)",
		                  mg_domain(u->ms->site), lines - 200);
}

static int run(struct update *u, const char *const *argv)
{
	struct drover_ctx *ctx = u->ctx;
	struct drover_cmd cmd;
	struct drover_cmd_result res;
	const char *env[] = {u->env_root, u->env_site, NULL};
	const char *redact[] = {u->ms->s.password, NULL};
	char shown[256], first[320], status[64];
	int rc;

	memset(&cmd, 0, sizeof cmd);
	memset(&res, 0, sizeof res);
	cmd.struct_size = (uint32_t)sizeof cmd;
	res.struct_size = (uint32_t)sizeof res;
	cmd.timeout_ms = (uint32_t)(u->timeout * 1000);
	cmd.argv = argv;
	cmd.cwd = u->ms->r.path;
	cmd.env = env;
	cmd.redact = u->ms->s.password[0] != '\0' ? redact : NULL;
	shown_command(argv, shown, sizeof shown);
	ctx->host->log(ctx, DROVER_LOG_DEBUG, "%s: running `%s` in %s", mg_domain(u->ms->site),
	               shown, u->ms->r.path);
	rc = ctx->host->run(ctx, &cmd, &res);
	/* The host recorded why it could not run or had to stop the command. */
	if (rc == 0 && res.exit_status == 0 && res.term_signal == 0) {
		output_lines(u, res.output ? res.output : "", res.output_len, DROVER_LOG_DEBUG,
		             first, sizeof first);
	} else {
		output_lines(u, res.output ? res.output : "", res.output_len, DROVER_LOG_INFO,
		             first, sizeof first);
		if (rc == 0) {
			if (res.term_signal != 0)
				(void)mg_fmt(status, sizeof status, "was killed by signal %d",
				             (int)res.term_signal);
			else
				(void)mg_fmt(status, sizeof status, "exited with status %d",
				             (int)res.exit_status);
			rc = ctx->host->error(
			    ctx, DROVER_E_EXEC, u->ms->r.path,
			    "the updates of %s failed: `%s` %s: %s; fix the cause and run the "
			    "updates again (the command's whole output is logged)",
			    mg_domain(u->ms->site), shown, status,
			    first[0] ? first : "(no output)");
		}
	}
	if (res.output != NULL) {
		explicit_bzero(res.output, res.output_len);
		ctx->host->free(ctx, res.output);
	}
	return rc;
}

/* --- update_command --------------------------------------------------------------------------- */

/* Split the configured command on spaces and replace the placeholders; arguments are stored in
 * arena. */
static int split_command(struct update *u, const char *command, const char **argv, char *arena,
                         size_t arena_size)
{
	size_t used = 0, argc = 0;
	const char *p = command;

	while (*p != '\0') {
		const char *end;
		char *arg = arena + used;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (argc == MAX_ARGS)
			return u->ctx->host->error(
			    u->ctx, DROVER_E_CONFIG, MG_OPT_UPDATE_COMMAND,
			    "adapters.magento.update_command has more than %d words", MAX_ARGS);
		for (end = p; *end != '\0' && *end != ' ' && *end != '\t'; end++)
			;
		while (p < end) {
			const char *with = NULL;
			size_t n = 1;

			if (end - p >= 6 && memcmp(p, "{root}", 6) == 0)
				with = u->ms->r.path, n = 6;
			else if (end - p >= 6 && memcmp(p, "{site}", 6) == 0)
				with = u->site, n = 6;
			if (with == NULL) {
				if (used + 1 >= arena_size)
					goto long_;
				arena[used++] = *p;
			} else {
				size_t wl = strlen(with);

				if (used + wl >= arena_size)
					goto long_;
				memcpy(arena + used, with, wl);
				used += wl;
			}
			p += n;
		}
		arena[used++] = '\0';
		argv[argc++] = arg;
	}
	argv[argc] = NULL;
	if (argc == 0)
		return u->ctx->host->error(u->ctx, DROVER_E_CONFIG, MG_OPT_UPDATE_COMMAND,
		                           "adapters.magento.update_command is blank");
	return 0;
long_:
	return u->ctx->host->error(u->ctx, DROVER_E_CONFIG, MG_OPT_UPDATE_COMMAND,
	                           "adapters.magento.update_command is too long once {root} and "
	                           "{site} are replaced");
}

/* --- the stock 1.9 compiler ------------------------------------------------------------------- */

/* A line that defines COMPILER_INCLUDE_PATH and is not commented out. */
static int compiler_line(const char *line, size_t n)
{
	size_t i = 0;

	if (memmem(line, n, "COMPILER_INCLUDE_PATH", 21) == NULL ||
	    memmem(line, n, "define", 6) == NULL)
		return 0;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return !(i < n &&
	         (line[i] == '#' || line[i] == '*' ||
	          (line[i] == '/' && i + 1 < n && (line[i + 1] == '/' || line[i + 1] == '*'))));
}

/* Comment the define out; *saved keeps the old text for compiler_restore (data NULL: nothing
 * was changed). */
static int compiler_off(struct update *u, struct tf_buf *saved)
{
	struct drover_ctx *ctx = u->ctx;
	struct tf_buf b;
	char *out = NULL;
	size_t at = 0, o = 0, changed = 0;
	int rc;

	saved->data = NULL;
	saved->len = 0;
	rc = tf_read(ctx, &u->ms->r, M1_COMPILER, &b);
	if (rc == DROVER_E_NOTMINE)
		return 0;
	if (rc != 0)
		return rc;
	out = malloc(b.len * 2 + 1); /* at most one '#' per line */
	if (out == NULL) {
		tf_buf_free(&b);
		return ctx->host->error(ctx, DROVER_E_NOMEM, M1_COMPILER, "out of memory");
	}
	while (at < b.len) {
		const char *nl = memchr(b.data + at, '\n', b.len - at);
		size_t n = nl ? (size_t)(nl - b.data - at) + 1 : b.len - at;

		if (compiler_line(b.data + at, n)) {
			out[o++] = '#';
			changed++;
		}
		memcpy(out + o, b.data + at, n);
		o += n;
		at += n;
	}
	if (changed > 0)
		rc = mg_replace_file(ctx, &u->ms->r, M1_COMPILER, out, o);
	free(out);
	if (changed == 0 || rc != 0) {
		tf_buf_free(&b);
		if (rc != 0)
			return rc;
		return 0;
	}
	ctx->host->log(ctx, DROVER_LOG_DEBUG,
	               "%s: the Magento compiler is disabled in " M1_COMPILER " during the update",
	               mg_domain(u->ms->site));
	*saved = b;
	return 0;
}

static void compiler_restore(struct update *u, struct tf_buf *saved)
{
	char msg[768];

	if (saved->data == NULL)
		return;
	if (mg_replace_file_quiet(&u->ms->r, M1_COMPILER, saved->data, saved->len, msg,
	                          sizeof msg) != 0)
		u->ctx->host->log(
		    u->ctx, DROVER_LOG_WARNING,
		    "%s: the Magento compiler stays disabled (the site works, without "
		    "compiled classes): %s; enable it again with `php "
		    "shell/compiler.php compile`",
		    mg_domain(u->ms->site), msg);
	else
		u->ctx->host->log(u->ctx, DROVER_LOG_INFO,
		                  "%s: " M1_COMPILER " is back as it was; recompile (`php "
		                  "shell/compiler.php compile`) if the code changed since it was "
		                  "compiled",
		                  mg_domain(u->ms->site));
	tf_buf_free(saved);
}

/* --- the built-in updaters -------------------------------------------------------------------- */

static int update_m1(struct update *u, const char *php)
{
	struct drover_ctx *ctx = u->ctx;
	char runner[PATH_MAX];
	const char *argv[4];
	struct tf_buf saved;
	struct stat st;
	int rc;

	rc = ctx->host->cfg_str(ctx, MG_OPT_M1_RUNNER, runner, sizeof runner);
	if (rc == DROVER_E_NOTFOUND)
		rc = mg_fmt(runner, sizeof runner, "%s", MG_M1_RUNNER);
	if (rc != 0)
		return ctx->host->error(ctx, DROVER_E_CONFIG, MG_OPT_M1_RUNNER,
		                        "adapters.magento." MG_OPT_M1_RUNNER " cannot be read");
	rc = stat(runner, &st);
	if (rc != 0 || !S_ISREG(st.st_mode))
		return ctx->host->error(ctx, DROVER_E_NOTFOUND, runner,
		                        "cannot run the updates of %s: the Magento 1 update runner "
		                        "%s is missing (%s); reinstall drover, or set "
		                        "adapters.magento." MG_OPT_M1_RUNNER,
		                        mg_domain(u->ms->site), runner,
		                        rc != 0 ? strerror(errno) : "not a regular file");
	rc = compiler_off(u, &saved);
	if (rc != 0)
		return rc;
	argv[0] = php;
	argv[1] = runner;
	argv[2] = u->ms->r.path;
	argv[3] = NULL;
	rc = run(u, argv);
	compiler_restore(u, &saved);
	return rc;
}

static int update_m2(struct update *u, const char *php)
{
	const char *upgrade[] = {
	    php, M2_BIN, "setup:upgrade", "--keep-generated", "--no-interaction", NULL};
	const char *flush[] = {php, M2_BIN, "cache:flush", "--no-interaction", NULL};
	int rc = run(u, upgrade);

	return rc != 0 ? rc : run(u, flush);
}

/* --- the op ----------------------------------------------------------------------------------- */

int mg_update_run(struct drover_ctx *ctx, const struct drover_site *site)
{
	char command[COMMAND_MAX], php[PHP_MAX], arena[COMMAND_MAX + 8 * PATH_MAX];
	const char *argv[MAX_ARGS + 1];
	struct mg_site ms;
	struct update u;
	int rc;

	/* The settings: the password to redact, and proof that the site is installed. */
	rc = mg_site_open(ctx, site, "run the updates", MG_SETTINGS, &ms);
	if (rc != 0)
		return rc;
	memset(&u, 0, sizeof u);
	u.ctx = ctx;
	u.ms = &ms;
	u.site = site->domain ? site->domain : "";
	if ((rc = ctx->host->cfg_str(ctx, MG_OPT_UPDATE_COMMAND, command, sizeof command)) != 0 ||
	    (rc = ctx->host->cfg_str(ctx, MG_OPT_PHP, php, sizeof php)) != 0 ||
	    (rc = ctx->host->cfg_int(ctx, MG_OPT_TIMEOUT, &u.timeout)) != 0) {
		rc = ctx->host->error(ctx, DROVER_E_CONFIG, "adapters.magento",
		                      "cannot read the update options of the magento adapter: %s",
		                      drover_strerror(rc));
		goto out;
	}
	if (u.timeout < 1 || u.timeout > 86400)
		u.timeout = 3600; /* the core checked the range; never 0, which means no limit */
	if (mg_fmt(u.env_root, sizeof u.env_root, "DROVER_SITE_ROOT=%s", ms.r.path) != 0 ||
	    mg_fmt(u.env_site, sizeof u.env_site, "DROVER_SITE=%s", u.site) != 0) {
		rc = ctx->host->error(ctx, DROVER_E_RANGE, ms.r.path, "path or domain too long");
		goto out;
	}
	if (command[0] != '\0') {
		rc = split_command(&u, command, argv, arena, sizeof arena);
		if (rc == 0)
			rc = run(&u, argv);
	} else if (php[0] == '\0') {
		rc = ctx->host->error(ctx, DROVER_E_CONFIG, MG_OPT_PHP,
		                      "adapters.magento.php is empty: give the PHP binary");
	} else {
		rc = ms.gen == 1 ? update_m1(&u, php) : update_m2(&u, php);
	}
	if (rc == 0)
		ctx->host->log(ctx, DROVER_LOG_DEBUG, "%s: updates applied", mg_domain(site));
out:
	explicit_bzero(arena, sizeof arena);
	mg_site_close(&ms);
	return rc;
}

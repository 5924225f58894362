/*
 * plugins/drupal/update.c: the update_run op, and the adapter's options.
 *
 * How a site's pending database updates run, first match wins:
 *   1. adapters.drupal.update_command, when set: split on spaces, {root}, {site} and
 *      {site_dir} replaced in each word, run in the platform root with DROVER_ROOT,
 *      DROVER_SITE and DROVER_SITE_DIR in its environment.
 *   2. drush: adapters.drupal.drush, else the site's own vendor/bin/drush (in the root, or
 *      next to a web/ docroot as drupal/recommended-project lays it out), else (Drupal 7
 *      only, whose drush 8 is usually installed globally) drush in PATH:
 *        drush -r ROOT -l URI updatedb -y      (drush 8 ends it with drupal_flush_all_caches())
 *        drush -r ROOT -l URI cr               (8+: 'cr' is cache:rebuild in drush 9 and
 *                                               later and cache-rebuild in drush 8)
 *   3. Drupal 7 without drush: drover's own runner, d7-update.php, installed beside the
 *      adapter (adapters.drupal.d7_runner overrides where), run with adapters.drupal.php. It
 *      follows update.php's sequence with Drupal's own API; see the file.
 *   Drupal 8+ without drush: DROVER_E_NOTSUP. Its updates need drush, which is a Composer
 *   dependency of the site.
 * URI: drush finds the site directory from the URI the way Drupal does (conf_path() in 7,
 * DrupalKernel::findSitePath() in 8+): a directory named like the host, or sites/sites.php.
 * The domain is passed when that finds the site's directory (the directory is named after
 * the domain, or sites.php maps the domain to it); otherwise the directory's own name, which
 * always finds it.
 * A command that exits non-zero fails the op with DROVER_E_EXEC and the first line of its
 * output; one that runs longer than adapters.drupal.timeout seconds is killed.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drupal.h"
#include "phpeval.h"

#define MAX_ARGS 64
#define RUNNER   "d7-update.php"

const struct drover_option drupal_options[] = {
    {"update_command", DROVER_OPT_STRING, 0, 0, 0, NULL,
     "command that runs a site's database updates instead of drush; words split on spaces, "
     "{root}, {site} and {site_dir} replaced"},
    {"drush", DROVER_OPT_STRING, DROVER_OPT_PATH, 0, 0, NULL,
     "drush to run; default: the site's vendor/bin/drush, then (Drupal 7) drush in PATH"},
    {"php", DROVER_OPT_STRING, 0, 0, 0, "php", "PHP CLI for drover's Drupal 7 update runner"},
    {"d7_runner", DROVER_OPT_STRING, DROVER_OPT_PATH, 0, 0, NULL,
     "drover's Drupal 7 update runner; default: drupal/" RUNNER " beside the adapter"},
    {"timeout", DROVER_OPT_INT, 0, 1, 86400, "3600", "seconds an update run may take"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

/* An optional string option: 1 set, 0 unset, or an error. */
static int opt_str(struct drover_ctx *ctx, const char *key, char *buf, size_t size)
{
	int rc = ctx->host->cfg_str(ctx, key, buf, size);

	if (rc == DROVER_E_NOTFOUND) {
		buf[0] = '\0';
		return 0;
	}
	if (rc == DROVER_E_RANGE)
		return ctx->host->error(ctx, rc, key,
		                        "adapters.drupal.%s is longer than %zu bytes; shorten it",
		                        key, size - 1);
	return rc == 0 ? buf[0] != '\0' : rc;
}

static int executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* `name` found in PATH as the child will find it (host->run looks programs up in PATH). */
static int in_path(const char *name, char *path, size_t size)
{
	const char *env = getenv("PATH");
	const char *p = env ? env : "";

	if (strchr(name, '/') != NULL)
		return tf_copy(path, size, name, strlen(name)) == 0 && executable(path);
	while (*p) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int k = snprintf(path, size, "%.*s/%s", (int)n, p, name);

		if (n > 0 && k > 0 && (size_t)k < size && executable(path))
			return 1;
		p += n + (e ? 1 : 0);
	}
	return 0;
}

/* ---- running a command ------------------------------------------------------------------ */

struct run {
	struct d_site *s;
	uint32_t timeout_ms;
	char env_root[TF_PATH_MAX + 16], env_site[512], env_dir[TF_PATH_MAX + 32];
	const char *env[4];
};

/* The first non-blank line of out, at most size - 1 bytes. */
static const char *first_line(const char *out, char *buf, size_t size)
{
	const char *p = out ? out : "", *e;

	while (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
		p++;
	e = p;
	while (*e && *e != '\n' && *e != '\r')
		e++;
	if (e == p)
		return "(no output)";
	if ((size_t)(e - p) >= size)
		e = p + size - 1;
	for (size_t i = 0; p + i < e; i++) /* one line of text: no control bytes */
		buf[i] = ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) ? '?' : p[i];
	buf[e - p] = '\0';
	return buf;
}

static int run(struct run *r, const char *const *argv, const char *what)
{
	struct drover_ctx *ctx = r->s->ctx;
	struct drover_cmd cmd;
	struct drover_cmd_result res;
	char line[400];
	int rc;

	memset(&cmd, 0, sizeof cmd);
	memset(&res, 0, sizeof res);
	cmd.struct_size = (uint32_t)sizeof cmd;
	cmd.timeout_ms = r->timeout_ms;
	cmd.argv = argv;
	cmd.cwd = r->s->site->root;
	cmd.env = r->env;
	res.struct_size = (uint32_t)sizeof res;
	ctx->host->log(ctx, DROVER_LOG_INFO, "%s: running %s", r->s->name, what);
	rc = ctx->host->run(ctx, &cmd, &res);
	if (rc == 0 && res.exit_status != 0)
		rc = ctx->host->error(ctx, DROVER_E_EXEC, argv[0],
		                      "%s for %s failed (%s %d): %s; run it by hand in %s to see "
		                      "all of its output",
		                      what, r->s->name, res.term_signal ? "signal" : "exit status",
		                      res.term_signal ? res.term_signal : res.exit_status,
		                      first_line(res.output, line, sizeof line), r->s->site->root);
	else if (rc == DROVER_E_TIMEOUT || res.timed_out)
		rc = ctx->host->error(
		    ctx, DROVER_E_TIMEOUT, argv[0],
		    "%s for %s did not finish in %u seconds and was stopped; raise "
		    "adapters.drupal.timeout or run the updates by hand",
		    what, r->s->name, r->timeout_ms / 1000);
	if (res.output != NULL)
		ctx->host->free(ctx, res.output);
	return rc;
}

/* ---- 1. update_command ------------------------------------------------------------------ */

static int command(struct run *r, const char *spec)
{
	const struct drover_site *site = r->s->site;
	struct d_strv words = {NULL, 0, 0};
	const char *argv[MAX_ARGS + 1];
	const char *p = spec;
	int rc = 0;

	while (*p && rc == 0) {
		struct d_buf w = {NULL, 0, 0, 0};

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		while (*p && *p != ' ') {
			if (strncmp(p, "{root}", 6) == 0) {
				d_buf_adds(&w, site->root);
				p += 6;
			} else if (strncmp(p, "{site}", 6) == 0) {
				d_buf_adds(&w, r->s->name);
				p += 6;
			} else if (strncmp(p, "{site_dir}", 10) == 0) {
				d_buf_adds(&w, site->site_dir);
				p += 10;
			} else {
				d_buf_add(&w, p++, 1);
			}
		}
		if (words.n == MAX_ARGS)
			rc = r->s->ctx->host->error(
			    r->s->ctx, DROVER_E_CONFIG, "update_command",
			    "adapters.drupal.update_command has more than %d "
			    "words; use a script",
			    MAX_ARGS);
		else if (w.nomem || d_strv_push(&words, w.p, w.n) != 0)
			rc = r->s->ctx->host->error(r->s->ctx, DROVER_E_NOMEM, NULL,
			                            "out of memory");
		d_buf_free(&w);
	}
	if (rc == 0 && words.n == 0)
		rc = r->s->ctx->host->error(r->s->ctx, DROVER_E_CONFIG, "update_command",
		                            "adapters.drupal.update_command is blank");
	if (rc == 0) {
		for (size_t i = 0; i < words.n; i++)
			argv[i] = words.v[i];
		argv[words.n] = NULL;
		rc = run(r, argv, "the update command");
	}
	d_strv_free(&words);
	return rc;
}

/* ---- 2. drush --------------------------------------------------------------------------- */

static int find_drush(struct run *r, char *path, size_t size)
{
	const char *root = r->s->site->root;
	char parent[TF_PATH_MAX];
	const char *slash;
	int rc = opt_str(r->s->ctx, "drush", path, size);

	if (rc != 0)
		return rc; /* 1: configured, or an error */
	(void)snprintf(path, size, "%s/vendor/bin/drush", root);
	if (executable(path))
		return 1;
	slash = strrchr(root, '/');
	if (slash != NULL && slash != root &&
	    tf_copy(parent, sizeof parent, root, (size_t)(slash - root)) == 0) {
		int n = snprintf(path, size, "%s/vendor/bin/drush", parent);

		if (n > 0 && (size_t)n < size && executable(path))
			return 1;
	}
	if (r->s->gen == 7 && in_path("drush", path, size))
		return 1;
	path[0] = '\0';
	return 0;
}

/* The URI for drush -l: the domain when Drupal's lookup of it finds the site directory. */
static void site_uri(struct d_site *s, char *uri, size_t size)
{
	const char *dir = strrchr(s->site->site_dir, '/');
	const char *domain = s->site->domain;
	struct d_env *env = NULL;
	struct d_problem pb;

	dir = dir ? dir + 1 : s->site->site_dir;
	(void)snprintf(uri, size, "%s", dir);
	if (domain == NULL || domain[0] == '\0')
		return;
	if (strcmp(domain, dir) == 0) {
		(void)snprintf(uri, size, "%s", domain);
		return;
	}
	if (d_php_eval_file(s->ctx, s->site, "sites/sites.php", &env, &pb) == 0) {
		const struct pv *v = d_php_get(d_php_var(env, "sites"), domain);

		if (v != NULL && v->kind == V_STR && strcmp(v->s, dir) == 0)
			(void)snprintf(uri, size, "%s", domain);
	}
	d_env_free(env);
}

static int drush(struct run *r, const char *path)
{
	char uri[512];
	const char *updb[] = {path, "-r", r->s->site->root, "-l", uri, "updatedb", "-y", NULL};
	const char *cr[] = {path, "-r", r->s->site->root, "-l", uri, "cr", NULL};
	int rc;

	site_uri(r->s, uri, sizeof uri);
	rc = run(r, updb, "drush updatedb");
	if (rc == 0 && r->s->gen >= 8)
		rc = run(r, cr, "drush cache:rebuild");
	return rc;
}

/* ---- 3. drover's Drupal 7 runner -------------------------------------------------------- */

/* The runner beside the loaded adapter: <dir>/drupal/d7-update.php when installed, or
 * <dir>/../drupal/d7-update.php in a libtool build tree (.libs/). */
static int find_runner(struct d_site *s, char *path, size_t size)
{
	Dl_info info;
	char dir[TF_PATH_MAX];
	const char *slash;
	int rc = opt_str(s->ctx, "d7_runner", path, size);

	if (rc != 0)
		return rc;
	if (dladdr((void *)(uintptr_t)find_runner, &info) != 0 && info.dli_fname != NULL &&
	    (slash = strrchr(info.dli_fname, '/')) != NULL &&
	    tf_copy(dir, sizeof dir, info.dli_fname, (size_t)(slash - info.dli_fname)) == 0) {
		(void)snprintf(path, size, "%s/drupal/" RUNNER, dir);
		if (access(path, R_OK) == 0)
			return 1;
		(void)snprintf(path, size, "%s/../drupal/" RUNNER, dir);
		if (access(path, R_OK) == 0)
			return 1;
		(void)snprintf(path, size, "%s/drupal/" RUNNER, dir);
	}
	return 0;
}

static int runner(struct run *r)
{
	char php[TF_PATH_MAX], found[TF_PATH_MAX], script[TF_PATH_MAX];
	const char *argv[6];
	int rc = find_runner(r->s, script, sizeof script);

	if (rc < 0)
		return rc;
	if (rc == 0 || access(script, R_OK) != 0)
		return r->s->ctx->host->error(
		    r->s->ctx, DROVER_E_NOTSUP, script,
		    "cannot run the updates of %s: there is no drush (set adapters.drupal.drush or "
		    "install drush 8) and drover's Drupal 7 update runner is missing (%s); "
		    "reinstall drover or set adapters.drupal.d7_runner",
		    r->s->name, script[0] ? script : RUNNER);
	rc = opt_str(r->s->ctx, "php", php, sizeof php);
	if (rc < 0)
		return rc;
	if (rc == 0)
		(void)snprintf(php, sizeof php, "php");
	if (!in_path(php, found, sizeof found))
		return r->s->ctx->host->error(
		    r->s->ctx, DROVER_E_NOTSUP, php,
		    "cannot run the updates of %s: there is no drush, and no PHP command line "
		    "binary '%s' to run drover's Drupal 7 update runner; install php-cli (or "
		    "drush 8), or set adapters.drupal.php",
		    r->s->name, php);
	argv[0] = found;
	argv[1] = script;
	argv[2] = r->s->site->root;
	argv[3] = r->s->site->site_dir;
	argv[4] = r->s->site->domain && r->s->site->domain[0] ? r->s->site->domain : "default";
	argv[5] = NULL;
	return run(r, argv, "drover's Drupal 7 update runner");
}

int drupal_update_run(struct drover_ctx *ctx, const struct drover_site *site)
{
	char spec[4096], path[TF_PATH_MAX];
	int64_t timeout = 3600;
	struct d_site s;
	struct run r;
	int rc;

	rc = d_site_open(ctx, site, "run the database updates", 0, &s);
	if (rc != 0)
		goto out;
	rc = ctx->host->cfg_int(ctx, "timeout", &timeout);
	if (rc != 0)
		goto out;
	memset(&r, 0, sizeof r);
	r.s = &s;
	r.timeout_ms = (uint32_t)(timeout * 1000);
	(void)snprintf(r.env_root, sizeof r.env_root, "DROVER_ROOT=%s", site->root);
	(void)snprintf(r.env_site, sizeof r.env_site, "DROVER_SITE=%s", s.name);
	(void)snprintf(r.env_dir, sizeof r.env_dir, "DROVER_SITE_DIR=%s", site->site_dir);
	r.env[0] = r.env_root;
	r.env[1] = r.env_site;
	r.env[2] = r.env_dir;
	r.env[3] = NULL;
	rc = opt_str(ctx, "update_command", spec, sizeof spec);
	if (rc == 1) {
		rc = command(&r, spec);
		goto out;
	}
	if (rc < 0)
		goto out;
	rc = find_drush(&r, path, sizeof path);
	if (rc == 1) {
		rc = drush(&r, path);
		goto out;
	}
	if (rc < 0)
		goto out;
	if (s.gen == 7)
		rc = runner(&r);
	else
		rc =
		    ctx->host->error(ctx, DROVER_E_NOTSUP, site->root,
		                     "cannot run the database updates of %s: Drupal %d updates run "
		                     "through drush, and there is no vendor/bin/drush in %s or its "
		                     "Composer project; add it (composer require drush/drush), or "
		                     "set adapters.drupal.drush or adapters.drupal.update_command",
		                     s.name, s.gen, site->root);
out:
	d_site_close(&s);
	return rc;
}

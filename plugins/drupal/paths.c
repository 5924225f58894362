/*
 * plugins/drupal/paths.c: the site_paths op, and where a site keeps its files (d_files_get).
 *
 * Where the files are (checked against the Drupal sources):
 *   public   Drupal 7: variable_get('file_public_path', conf_path() . '/files')
 *            (DrupalPublicStreamWrapper::getDirectoryPath()), so $conf in settings.php, else
 *            the {variable} row, else <site dir>/files. Drupal 8+: $settings['file_public_path']
 *            else <site dir>/files (PublicStream::basePath()).
 *   private  Drupal 7: variable 'file_private_path' (usually set through the file system form,
 *            so it lives in {variable}); Drupal 8+: $settings['file_private_path'].
 *   temp     Drupal 7: variable 'file_temporary_path' (default: the system's temporary
 *            directory); Drupal 8.8+: $settings['file_temp_path'].
 * Relative paths are relative to the Drupal root, the working directory of every request.
 * {variable} is read only when the core attaches the database to the call.
 *
 * What the site owns, and what is left out of it:
 *   - its site directory, sites/<site>: settings, site-specific modules and themes, files.
 *   - a public or private files directory configured outside the site directory but inside the
 *     platform root (a legacy "files" at the root, "private" next to sites/): it is the
 *     site's data, so it is backed up and moved with it. Not when it lies in another site's
 *     directory or in sites/all (shared with other sites), contains the site directory, or
 *     is one of Drupal's code directories: then it is left alone, with a warning. A path
 *     outside the platform cannot move with the site: warned about.
 *   - left out (DROVER_PATH_EXCLUDE), all generated again by Drupal when missing:
 *       files/css, files/js  aggregated CSS and JavaScript (drupal_build_css_cache() and
 *                            drupal_build_js_cache() in 7, AssetDumper in 8+);
 *       files/styles         image style derivatives, made on request by the image module;
 *       files/php            Drupal 8+'s compiled Twig templates (PhpStorageFactory's
 *                            default directory is <public>/php);
 *       files/languages      Drupal 8+'s JavaScript translations, rebuilt when the file is
 *                            missing (_locale_rebuild_js() checks file_exists()). Kept for
 *                            Drupal 7, which rebuilds them only when its 'javascript_parsed'
 *                            variable says so: a restored site would link to missing files;
 *       files/tmp and the configured temporary directory when it lies inside what the site
 *                            owns: scratch space, never content.
 *     files/translations (8+: downloaded .po files, possibly customised) is content and kept.
 *   - a SQLite database inside what the site owns (Drupal's installer suggests
 *     sites/<site>/files/.ht.sqlite) with its -wal, -shm and -journal files is
 *     DROVER_PATH_DATABASE: the database driver copies it consistently; copying the live file
 *     with the others would not be.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drupal.h"
#include "phpeval.h"

/* A files path as Drupal resolves it, relative to the root when inside it, else absolute.
 * "" when it cannot be used. */
static void norm_path(const char *root, const char *in, char *out, size_t size)
{
	char joined[TF_PATH_MAX * 2], full[TF_PATH_MAX], nroot[TF_PATH_MAX];
	size_t rl;
	int n;

	out[0] = '\0';
	if (in[0] == '\0' || d_path_normalize(nroot, sizeof nroot, root) != 0)
		return;
	n = in[0] == '/' ? snprintf(joined, sizeof joined, "%s", in)
	                 : snprintf(joined, sizeof joined, "%s/%s", nroot, in);
	if (n < 0 || (size_t)n >= sizeof joined || d_path_normalize(full, sizeof full, joined) != 0)
		return;
	rl = strlen(nroot);
	if (strncmp(full, nroot, rl) == 0 && full[rl] == '/')
		(void)snprintf(out, size, "%s", full + rl + 1);
	else if (strcmp(full, nroot) != 0)
		(void)snprintf(out, size, "%s", full);
}

/* A string setting: $settings[key] (8+), else $conf[key] (7). 1 if set (text in buf), 0 if
 * not set, 2 if set to something drover cannot know (warned). */
static int setting(struct d_site *s, const char *key, char *buf, size_t size)
{
	const struct pv *v = NULL;
	char num[32];
	const char *t;
	size_t n;

	buf[0] = '\0';
	if (s->env == NULL)
		return 0;
	v = d_php_get(d_php_var(s->env, "settings"), key);
	if (v == NULL || v->kind == V_NULL)
		v = d_php_get(d_php_var(s->env, "conf"), key);
	if (v == NULL || v->kind == V_NULL)
		return 0;
	if (d_php_text(v, num, sizeof num, &t, &n) != 0 || memchr(t, '\0', n) != NULL ||
	    tf_copy(buf, size, t, n) != 0) {
		s->ctx->host->log(s->ctx, DROVER_LOG_WARNING,
		                  "%s:%u: drover cannot evaluate '%s' (%s); it assumes the "
		                  "default",
		                  d_php_file(s->env, v->file), v->line, key,
		                  v->kind == V_UNKNOWN ? v->why : "not a string");
		return 2;
	}
	return 1;
}

struct var_ctx {
	char *buf;
	size_t size;
	int found;
};

static int variable_cb(void *arg, uint32_t n, const char *const *cols)
{
	struct var_ctx *c = arg;
	struct tf_unser u;
	struct tf_uval v, end;

	if (n < 1 || cols[0] == NULL)
		return 0;
	tf_unser_init(&u, cols[0], strlen(cols[0]));
	if (tf_unser_next(&u, &v) == 1 && v.kind == TF_UNSER_STR && tf_unser_next(&u, &end) == 0 &&
	    memchr(v.s, '\0', v.n) == NULL && tf_copy(c->buf, c->size, v.s, v.n) == 0)
		c->found = 1;
	return 0;
}

/* A Drupal 7 {variable} holding a string. 1 found, 0 not, or an error. */
static int variable(struct d_site *s, const char *name, char *buf, size_t size)
{
	char table[128], sql[192];
	struct var_ctx c = {buf, size, 0};
	const char *params[1] = {name};
	int rc;

	buf[0] = '\0';
	if (s->gen != 7 || s->site->db == NULL || s->site->db_driver == NULL)
		return 0;
	rc = d_site_find_table(s, "variable", table, sizeof table);
	if (rc <= 0)
		return rc;
	(void)snprintf(sql, sizeof sql, "SELECT value FROM %s WHERE name = ?", table);
	rc = s->ctx->host->sql_query(s->ctx, s->site->db, sql, params, 1, variable_cb, &c);
	return rc != 0 ? rc : c.found;
}

/* One files path: settings.php first, then {variable} (7). */
static int files_path(struct d_site *s, const char *key, char *out, size_t size)
{
	char raw[TF_PATH_MAX];
	int rc = setting(s, key, raw, sizeof raw);

	if (rc == 0) /* settings.php overrides {variable} */
		rc = variable(s, key, raw, sizeof raw);
	if (rc < 0)
		return rc;
	out[0] = '\0';
	if (rc == 1)
		norm_path(s->site->root, raw, out, size);
	return 0;
}

int d_files_get(struct d_site *s, struct d_files *f)
{
	int rc;

	memset(f, 0, sizeof *f);
	rc = files_path(s, "file_public_path", f->pub, sizeof f->pub);
	if (rc == 0)
		rc = files_path(s, "file_private_path", f->priv, sizeof f->priv);
	if (rc == 0)
		rc = files_path(s, s->gen == 7 ? "file_temporary_path" : "file_temp_path", f->temp,
		                sizeof f->temp);
	if (rc != 0)
		return rc;
	if (f->pub[0] == '\0') {
		int n = snprintf(f->pub, sizeof f->pub, "%s/files", s->site->site_dir);

		if (n < 0 || (size_t)n >= sizeof f->pub)
			return s->ctx->host->error(s->ctx, DROVER_E_RANGE, s->site->site_dir,
			                           "the site directory name is too long");
	}
	return 0;
}

/* ---- the site_paths op ------------------------------------------------------------------ */

struct emit {
	struct d_site *s;
	drover_path_cb cb;
	void *arg;
	char own[4][TF_PATH_MAX]; /* what the site owns, relative to the root */
	int nown;
};

static int emit(struct emit *e, const char *path, uint32_t flags)
{
	return e->cb(e->arg, path, flags);
}

static int owned(const struct emit *e, const char *path)
{
	for (int i = 0; i < e->nown; i++)
		if (d_path_under(path, e->own[i]))
			return 1;
	return 0;
}

/* Whether a files directory outside the site directory can be the site's own. */
static const char *why_not_own(const struct drover_site *site, const char *path)
{
	static const char *const code[] = {"core",      "modules", "themes",  "profiles",
	                                   "includes",  "misc",    "scripts", "vendor",
	                                   "libraries", "sites",   "web",     NULL};

	if (path[0] == '/')
		return "it lies outside the platform, so it cannot move with the site";
	if (d_path_under(site->site_dir, path))
		return "it contains the site directory";
	if (strncmp(path, "sites/", 6) == 0)
		return "it lies in sites/all or another site's directory, shared with other sites";
	for (int i = 0; code[i]; i++)
		if (d_path_under(path, code[i]))
			return "it lies in one of Drupal's code directories";
	return NULL;
}

static int claim(struct emit *e, const char *path, const char *what)
{
	const char *why;
	int rc;

	if (path[0] == '\0' || owned(e, path))
		return 0;
	why = why_not_own(e->s->site, path);
	if (why != NULL) {
		e->s->ctx->host->log(e->s->ctx, DROVER_LOG_WARNING,
		                     "%s: the %s files directory %s is not backed up or moved with "
		                     "the site: %s",
		                     e->s->name, what, path, why);
		return 0;
	}
	rc = emit(e, path, DROVER_PATH_OWN);
	if (rc == 0 && e->nown < 4)
		(void)snprintf(e->own[e->nown++], sizeof e->own[0], "%s", path);
	return rc;
}

static int exclude(struct emit *e, const char *dir, const char *sub)
{
	char path[TF_PATH_MAX];
	int n = snprintf(path, sizeof path, "%s/%s", dir, sub);

	if (n < 0 || (size_t)n >= sizeof path || !owned(e, path))
		return 0;
	return emit(e, path, DROVER_PATH_EXCLUDE);
}

static int database(struct emit *e)
{
	static const char *const sidecars[] = {"", "-wal", "-shm", "-journal"};
	struct drover_settings st;
	struct d_problem pb;
	char path[TF_PATH_MAX], side[TF_PATH_MAX + 16];
	int rc = 0;

	if (e->s->env == NULL)
		return 0;
	memset(&st, 0, sizeof st);
	memset(&pb, 0, sizeof pb);
	if (d_settings_fill(e->s->env, e->s->site, &st, &pb) != 0) {
		e->s->ctx->host->log(e->s->ctx, DROVER_LOG_WARNING,
		                     "%s: %s; drover cannot tell whether a SQLite database lies "
		                     "among the site's files",
		                     e->s->name, pb.msg);
		return 0;
	}
	if (strcmp(st.driver, "sqlite") != 0)
		return 0;
	norm_path(e->s->site->root, st.database, path, sizeof path);
	memset(&st, 0, sizeof st);
	if (path[0] == '\0' || path[0] == '/' || !owned(e, path))
		return 0;
	for (size_t i = 0; i < sizeof sidecars / sizeof sidecars[0] && rc == 0; i++) {
		(void)snprintf(side, sizeof side, "%s%s", path, sidecars[i]);
		rc = emit(e, side, DROVER_PATH_DATABASE);
	}
	return rc;
}

int drupal_site_paths(struct drover_ctx *ctx, const struct drover_site *site, drover_path_cb cb,
                      void *arg)
{
	static const char *const generated7[] = {"css", "js", "styles", "tmp", NULL};
	static const char *const generated8[] = {"css",       "js",  "styles", "php",
	                                         "languages", "tmp", NULL};
	struct d_site s;
	struct d_files f;
	struct emit e;
	int rc;

	if (cb == NULL)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "site_paths called without a "
		                        "callback");
	rc = d_site_open(ctx, site, "list the files", 0, &s);
	if (rc != 0)
		goto out;
	if (s.env == NULL)
		ctx->host->log(ctx, DROVER_LOG_WARNING,
		               "%s: %s; only the site directory is listed, without the files "
		               "directories and database settings.php would name",
		               s.name, s.pb.msg);
	rc = d_files_get(&s, &f);
	if (rc != 0)
		goto out;
	memset(&e, 0, sizeof e);
	e.s = &s;
	e.cb = cb;
	e.arg = arg;
	rc = emit(&e, site->site_dir, DROVER_PATH_OWN);
	if (rc != 0)
		goto out;
	(void)snprintf(e.own[e.nown++], sizeof e.own[0], "%s", site->site_dir);
	rc = claim(&e, f.pub, "public");
	if (rc == 0)
		rc = claim(&e, f.priv, "private");
	for (const char *const *g = s.gen == 7 ? generated7 : generated8; rc == 0 && *g; g++)
		rc = exclude(&e, f.pub, *g);
	if (rc == 0 && f.temp[0] != '\0' && owned(&e, f.temp)) {
		char pubtmp[TF_PATH_MAX + 8];
		int inner = 1; /* strictly inside what the site owns, never all of it */

		for (int i = 0; i < e.nown; i++)
			inner = inner && !d_path_under(e.own[i], f.temp);
		(void)snprintf(pubtmp, sizeof pubtmp, "%s/tmp", f.pub);
		if (inner && strcmp(f.temp, pubtmp) != 0) /* files/tmp is already left out */
			rc = emit(&e, f.temp, DROVER_PATH_EXCLUDE);
	}
	if (rc == 0)
		rc = database(&e);
out:
	d_site_close(&s);
	return rc;
}

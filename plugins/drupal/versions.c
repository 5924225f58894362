/*
 * plugins/drupal/versions.c: release versions of Drupal 8+ extensions from Composer.
 *
 * A Composer-built Drupal keeps vendor/ next to the docroot (drupal/recommended-project:
 * <project>/vendor and <project>/web) or inside it (drupal/legacy-project). Composer 2's
 * vendor/composer/installed.json lists every package with its "install-path" relative to
 * vendor/composer; an extension's version is the version of the package whose install
 * directory holds it (the deepest one: drupal/core holds core/, drupal/webform holds
 * modules/contrib/webform and its submodules). Composer 1 wrote a plain array without install
 * paths; there a package drupal/<project> is matched to the directory named <project> that
 * holds the extension, which is where composer/installers puts drupal.org projects.
 */
#include <string.h>

#include "drupal.h"

struct d_ver {
	char *prefix;  /* install directory relative to the root (Composer 2) */
	char *project; /* <project> of drupal/<project> (Composer 1) */
	char *version;
};

struct d_versions {
	struct d_ver *v;
	size_t n, cap;
	int composer1;
	char base[TF_PATH_MAX]; /* the vendor/composer directory, normalized */
	char root[TF_PATH_MAX]; /* the platform root, normalized */
	int nomem;
};

static int add(struct d_versions *vs, const struct tf_json_pkg *pkg)
{
	char joined[TF_PATH_MAX * 2], norm[TF_PATH_MAX];
	struct d_ver ver = {NULL, NULL, NULL};
	size_t rl = strlen(vs->root);
	int n;

	if (pkg->version[0] == '\0')
		return 0;
	if (pkg->install_path[0] != '\0') {
		n = pkg->install_path[0] == '/'
		        ? snprintf(joined, sizeof joined, "%s", pkg->install_path)
		        : snprintf(joined, sizeof joined, "%s/%s", vs->base, pkg->install_path);
		if (n < 0 || (size_t)n >= sizeof joined ||
		    d_path_normalize(norm, sizeof norm, joined) != 0)
			return 0;
		/* Only directories inside the platform hold its extensions. */
		if (strncmp(norm, vs->root, rl) != 0 || norm[rl] != '/' || norm[rl + 1] == '\0')
			return 0;
		ver.prefix = d_strndup(norm + rl + 1, strlen(norm + rl + 1));
		if (ver.prefix == NULL)
			return DROVER_E_NOMEM;
	} else if (vs->composer1 && strncmp(pkg->name, "drupal/", 7) == 0 && pkg->name[7] != '\0') {
		ver.project = d_strndup(pkg->name + 7, strlen(pkg->name + 7));
		if (ver.project == NULL)
			return DROVER_E_NOMEM;
	} else {
		return 0;
	}
	ver.version = d_strndup(pkg->version, strlen(pkg->version));
	if (ver.version == NULL)
		goto nomem;
	if (vs->n == vs->cap) {
		size_t cap = vs->cap ? vs->cap * 2 : 64;
		struct d_ver *v = realloc(vs->v, cap * sizeof *v);

		if (v == NULL)
			goto nomem;
		vs->v = v;
		vs->cap = cap;
	}
	vs->v[vs->n++] = ver;
	return 0;
nomem:
	free(ver.prefix);
	free(ver.project);
	free(ver.version);
	return DROVER_E_NOMEM;
}

static int add_cb(void *arg, const struct tf_json_pkg *pkg)
{
	struct d_versions *vs = arg;
	int rc = add(vs, pkg);

	if (rc != 0) {
		vs->nomem = 1;
		return 1; /* stop; -1 would read as malformed JSON */
	}
	return 0;
}

int d_versions_load(struct drover_ctx *ctx, const struct tf_root *r, struct d_versions **out)
{
	static const char *const where[] = {"vendor/composer/installed.json",
	                                    "../vendor/composer/installed.json"};
	char joined[TF_PATH_MAX];
	struct d_versions *vs;
	struct tf_buf b = {NULL, 0};
	size_t which, err_off = 0, i = 0;
	int rc = DROVER_E_NOTFOUND, err_no = 0, n;

	*out = NULL;
	for (which = 0; which < 2; which++) {
		rc = tf_slurp_at(r->fd, where[which], &b, &err_no);
		if (rc != DROVER_E_NOTFOUND)
			break;
	}
	if (rc == DROVER_E_NOTFOUND)
		return 0;
	if (rc == DROVER_E_NOMEM)
		return rc;
	if (rc != 0) {
		ctx->host->log(
		    ctx, DROVER_LOG_WARNING,
		    "%s: cannot read: %s; versions come from the .info.yml files instead",
		    where[which], tf_slurp_why(rc, err_no));
		return 0;
	}
	vs = calloc(1, sizeof *vs);
	if (vs == NULL) {
		tf_buf_free(&b);
		return DROVER_E_NOMEM;
	}
	n = snprintf(joined, sizeof joined, "%s/%s", r->path,
	             which == 0 ? "vendor/composer" : "../vendor/composer");
	if (n < 0 || (size_t)n >= sizeof joined ||
	    d_path_normalize(vs->base, sizeof vs->base, joined) != 0 ||
	    d_path_normalize(vs->root, sizeof vs->root, r->path) != 0) {
		tf_buf_free(&b);
		free(vs);
		return 0; /* paths too long to compare: no versions, nothing wrong with the tree */
	}
	while (i < b.len &&
	       (b.data[i] == ' ' || b.data[i] == '\t' || b.data[i] == '\n' || b.data[i] == '\r'))
		i++;
	vs->composer1 = i < b.len && b.data[i] == '[';
	rc = tf_json_packages(b.data, b.len, add_cb, vs, &err_off);
	if (vs->nomem) {
		tf_buf_free(&b);
		d_versions_free(vs);
		return DROVER_E_NOMEM;
	}
	if (rc != 0) {
		ctx->host->log(ctx, DROVER_LOG_WARNING,
		               "%s:%u: malformed JSON; versions come from the .info.yml files "
		               "instead: run `composer install` to rewrite it",
		               where[which], tf_line_at(b.data, err_off));
		tf_buf_free(&b);
		d_versions_free(vs);
		return 0;
	}
	tf_buf_free(&b);
	*out = vs;
	return 0;
}

/* 1 if path is dir or lies below it. */
static int under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Depth (1-based) of the deepest component of path equal to name, 0 if none. */
static size_t component(const char *path, const char *name)
{
	size_t n = strlen(name), depth = 0, best = 0;
	const char *p = path;

	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		depth++;
		if (len == n && memcmp(p, name, n) == 0)
			best = depth;
		p += len;
		if (*p == '/')
			p++;
	}
	return best;
}

const char *d_versions_find(const struct d_versions *vs, const char *path)
{
	const char *best = NULL;
	size_t best_len = 0;

	if (vs == NULL)
		return NULL;
	for (size_t i = 0; i < vs->n; i++) {
		const struct d_ver *v = &vs->v[i];
		size_t len;

		if (v->prefix != NULL) {
			len = strlen(v->prefix);
			if (under(path, v->prefix) && len + 1 > best_len) {
				best = v->version;
				best_len = len + 1;
			}
		} else if (v->project != NULL) {
			len = component(path, v->project);
			if (len > best_len) {
				best = v->version;
				best_len = len;
			}
		}
	}
	return best;
}

void d_versions_free(struct d_versions *vs)
{
	if (vs == NULL)
		return;
	for (size_t i = 0; i < vs->n; i++) {
		free(vs->v[i].prefix);
		free(vs->v[i].project);
		free(vs->v[i].version);
	}
	free(vs->v);
	free(vs);
}

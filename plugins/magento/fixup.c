/*
 * plugins/magento/fixup.c: fixup, the site's own URLs after a rename or move.
 *
 * Both generations keep their base URLs in core_config_data, one row per scope (default,
 * websites, stores): web/unsecure/base_url and web/secure/base_url, and next to them
 * base_link_url, base_skin_url, base_media_url, base_js_url (1) and base_static_url (2), which
 * are often placeholders ({{unsecure_base_url}}) but may be absolute. Every row under
 * web/unsecure/ and web/secure/ whose value is an absolute URL on the old host is rewritten, in every scope;
 * URLs on other hosts (a CDN, another store's domain) are left alone. web/cookie/cookie_domain,
 * when it names the old domain, follows too: a cookie domain the site no longer has would log
 * every visitor out on every request.
 *
 * With move->old_url and new_url, a value that starts with old_url gets new_url instead of that
 * part (scheme and path may change, http to https); otherwise only the host part of a URL
 * changes, from the old host to the new one (from the URLs if given, else the domains), and
 * "www." before the old host is kept before the new one. Nothing else of a URL changes.
 *
 * A base URL set in the settings files (local.xml <default><web>, env.php or config.php
 * 'system') overrides the database; drover does not edit those and says so in a warning.
 * Magento keeps no paths that a move changes (one site per platform): nothing else to fix.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "magento.h"

#define VALUE_MAX 2048

struct change {
	char *id, *value;
};

struct fix {
	struct drover_ctx *ctx;
	const char *old_url, *new_url; /* without a trailing '/'; NULL when not given */
	size_t old_url_len;
	char old_host[256], new_host[256];
	struct change *v;
	size_t n, cap;
	int oom;
};

/* The host of an absolute URL "scheme://[user@]host[:port][/...]": 1 and its offsets. */
static int url_host(const char *v, size_t *hs, size_t *he)
{
	const char *sep = strstr(v, "://"), *h, *end, *at;

	if (sep == NULL || sep == v)
		return 0;
	for (const char *c = v; c < sep; c++)
		if (!isalnum((unsigned char)*c) && *c != '+' && *c != '-' && *c != '.')
			return 0;
	h = sep + 3;
	end = h + strcspn(h, "/?#");
	for (at = end; at > h && at[-1] != '@'; at--)
		;
	if (at > h)
		h = at;
	if (*h == '[') {
		const char *close = memchr(h, ']', (size_t)(end - h));

		if (close == NULL)
			return 0;
		*he = (size_t)(close + 1 - v);
	} else {
		const char *colon = memchr(h, ':', (size_t)(end - h));

		*he = (size_t)((colon ? colon : end) - v);
	}
	*hs = (size_t)(h - v);
	return *he > *hs;
}

static int same_host(const char *a, size_t an, const char *b)
{
	return an == strlen(b) && strncasecmp(a, b, an) == 0;
}

/* The new value of a URL setting into out; 0 if it does not change. */
static int new_url_value(const struct fix *f, const char *v, char *out, size_t size)
{
	size_t hs, he;

	if (f->old_url != NULL && strncasecmp(v, f->old_url, f->old_url_len) == 0 &&
	    strchr("/?#", v[f->old_url_len]) != NULL) /* also matches the terminating NUL */
		return mg_fmt(out, size, "%s%s", f->new_url, v + f->old_url_len) == 0;
	if (!url_host(v, &hs, &he))
		return 0;
	if (same_host(v + hs, he - hs, f->old_host))
		return mg_fmt(out, size, "%.*s%s%s", (int)hs, v, f->new_host, v + he) == 0;
	if (he - hs > 4 && strncasecmp(v + hs, "www.", 4) == 0 &&
	    same_host(v + hs + 4, he - hs - 4, f->old_host) &&
	    strncasecmp(f->new_host, "www.", 4) != 0)
		return mg_fmt(out, size, "%.*swww.%s%s", (int)hs, v, f->new_host, v + he) == 0;
	return 0;
}

static int new_cookie_domain(const struct fix *f, const char *v, char *out, size_t size)
{
	int dot = v[0] == '.';

	if (strcasecmp(v + dot, f->old_host) != 0)
		return 0;
	return mg_fmt(out, size, "%s%s", dot ? "." : "", f->new_host) == 0;
}

static int row_cb(void *arg, uint32_t n, const char *const *cols)
{
	struct fix *f = arg;
	char value[VALUE_MAX];
	int changed;

	if (n < 3 || cols[0] == NULL || cols[1] == NULL || cols[2] == NULL || f->oom)
		return 0;
	if (strcmp(cols[1], "web/cookie/cookie_domain") == 0)
		changed = new_cookie_domain(f, cols[2], value, sizeof value);
	else if ((strncmp(cols[1], "web/unsecure/", 13) == 0 ||
	          strncmp(cols[1], "web/secure/", 11) == 0) &&
	         strstr(cols[1], "_url") != NULL)
		changed = new_url_value(f, cols[2], value, sizeof value);
	else
		return 0;
	if (!changed || strcmp(value, cols[2]) == 0)
		return 0;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct change *v = realloc(f->v, cap * sizeof *v);

		if (v == NULL) {
			f->oom = 1;
			return 0;
		}
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n].id = mg_strndup(cols[0], strlen(cols[0]));
	f->v[f->n].value = mg_strndup(value, strlen(value));
	if (f->v[f->n].id == NULL || f->v[f->n].value == NULL) {
		free(f->v[f->n].id);
		free(f->v[f->n].value);
		f->oom = 1;
		return 0;
	}
	f->ctx->host->log(f->ctx, DROVER_LOG_DEBUG, "core_config_data %s: %.300s -> %.300s",
	                  cols[1], cols[2], value);
	f->n++;
	return 0;
}

/* --- base URLs in the settings files ---------------------------------------------------------- */

static void warn_override(struct drover_ctx *ctx, const char *rel, unsigned line, const char *what)
{
	mg_warn(ctx, 0, rel, line,
	        "sets %s, which overrides core_config_data: drover does not edit it; change it "
	        "to the site's new URL by hand",
	        what);
}

static void m1_overrides(struct drover_ctx *ctx, const struct tf_buf *b)
{
	static const char *const paths[] = {"default/web/unsecure/base_url",
	                                    "default/web/secure/base_url"};
	struct tf_xml_doc doc;

	if (tf_xml_parse(b->data, b->len, &doc) == 0)
		for (size_t i = 0; i < 2; i++) {
			const struct tf_xml_node *n = tf_xml_path(doc.root, paths[i]);

			if (n != NULL)
				warn_override(ctx, M1_LOCAL_XML, n->line, paths[i] + 8);
		}
	if (doc.strs != NULL)
		explicit_bzero(doc.strs, doc.nstrs);
	tf_xml_free(&doc);
}

/* 'system' => ['default' => ['web' => ['unsecure' => ['base_url' => ...]]]] */
static void m2_overrides(struct drover_ctx *ctx, const char *rel, const struct tf_buf *b)
{
	static const char *const scheme[] = {"unsecure", "secure"};
	struct tf_php top, sys, def, web, sec, v;
	unsigned line = 0;

	if (!tf_php_return_value(b->data, b->len, &top) ||
	    tf_php_array_get(top, "system", &sys, NULL) != 1 ||
	    tf_php_array_get(sys, "default", &def, NULL) != 1 ||
	    tf_php_array_get(def, "web", &web, NULL) != 1)
		return;
	for (size_t i = 0; i < 2; i++)
		if (tf_php_array_get(web, scheme[i], &sec, NULL) == 1 &&
		    tf_php_array_get(sec, "base_url", &v, &line) == 1)
			warn_override(ctx, rel, line,
			              i == 0 ? "web/unsecure/base_url" : "web/secure/base_url");
}

static void overrides(struct drover_ctx *ctx, const struct mg_site *ms)
{
	struct tf_buf b;
	int err_no = 0;

	if (ms->gen == 1) {
		m1_overrides(ctx, &ms->text);
		return;
	}
	m2_overrides(ctx, M2_ENV_PHP, &ms->text);
	/* config.php is read quietly: a problem with it is not this op's to report. */
	if (tf_slurp_at(ms->r.fd, M2_CONFIG_PHP, &b, &err_no) == 0) {
		m2_overrides(ctx, M2_CONFIG_PHP, &b);
		tf_buf_free(&b);
	}
}

/* --- the op ----------------------------------------------------------------------------------- */

/* A host name or address we are willing to put into a URL. */
static int host_ok(const char *h)
{
	if (h[0] == '\0' || strlen(h) > 253)
		return 0;
	for (; *h; h++)
		if (!isalnum((unsigned char)*h) && !strchr(".-_[]:", *h))
			return 0;
	return 1;
}

/* An absolute URL without spaces, quotes or control characters; its host into host. */
static int url_ok(const char *u, char *host, size_t size)
{
	size_t hs, he;

	for (const char *c = u; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f || strchr("\"'<>\\", *c))
			return 0;
	return url_host(u, &hs, &he) && tf_copy(host, size, u + hs, he - hs) == 0;
}

static int copy_url(char *buf, size_t size, const char *u, size_t *len)
{
	size_t n = strlen(u);

	while (n > 0 && u[n - 1] == '/')
		n--;
	*len = n;
	return tf_copy(buf, size, u, n);
}

int mg_fixup(struct drover_ctx *ctx, const struct drover_site *site, const struct drover_move *move)
{
	char table[128], sql[256], old_url[VALUE_MAX], new_url[VALUE_MAX];
	struct fix f;
	struct mg_site ms;
	size_t new_len = 0;
	int rc;

	if (site == NULL || move == NULL)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "fixup called without a site or a move");
	memset(&f, 0, sizeof f);
	f.ctx = ctx;
	if (move->old_url != NULL && move->old_url[0] != '\0' && move->new_url != NULL &&
	    move->new_url[0] != '\0') {
		if (!url_ok(move->old_url, f.old_host, sizeof f.old_host) ||
		    !url_ok(move->new_url, f.new_host, sizeof f.new_host) ||
		    copy_url(old_url, sizeof old_url, move->old_url, &f.old_url_len) != 0 ||
		    copy_url(new_url, sizeof new_url, move->new_url, &new_len) != 0)
			return ctx->host->error(
			    ctx, DROVER_E_INVAL, move->new_url,
			    "cannot fix up the URLs of %s: '%.200s' -> '%.200s' are "
			    "not both absolute URLs (scheme://host/...)",
			    mg_domain(site), move->old_url, move->new_url);
		f.old_url = old_url;
		f.new_url = new_url;
	} else if (move->old_domain != NULL && move->new_domain != NULL) {
		if (!host_ok(move->old_domain) || !host_ok(move->new_domain) ||
		    tf_copy(f.old_host, sizeof f.old_host, move->old_domain,
		            strlen(move->old_domain)) != 0 ||
		    tf_copy(f.new_host, sizeof f.new_host, move->new_domain,
		            strlen(move->new_domain)) != 0)
			return ctx->host->error(
			    ctx, DROVER_E_INVAL, move->new_domain,
			    "cannot fix up the URLs of %s: '%.200s' -> '%.200s' "
			    "are not both host names",
			    mg_domain(site), move->old_domain, move->new_domain);
	}
	if (f.old_host[0] == '\0' || (strcasecmp(f.old_host, f.new_host) == 0 &&
	                              (f.old_url == NULL || strcmp(f.old_url, f.new_url) == 0))) {
		ctx->host->log(ctx, DROVER_LOG_DEBUG, "%s: the URL does not change: nothing to fix",
		               mg_domain(site));
		return 0;
	}
	rc = mg_need_db(ctx, site, "fix up the URLs");
	if (rc != 0)
		return rc;
	rc = mg_site_open(ctx, site, "fix up the URLs", MG_SETTINGS | MG_KEEP_TEXT, &ms);
	if (rc != 0)
		return rc;
	rc = mg_table(ctx, &ms, "core_config_data", table, sizeof table);
	if (rc == 0 && mg_fmt(sql, sizeof sql,
	                      "SELECT config_id, path, value FROM %s WHERE path LIKE 'web/%%' "
	                      "ORDER BY config_id",
	                      table) != 0)
		rc = ctx->host->error(ctx, DROVER_E_RANGE, table, "table name too long");
	if (rc == 0)
		rc = ctx->host->sql_query(ctx, site->db, sql, NULL, 0, row_cb, &f);
	if (rc == 0 && f.oom)
		rc = ctx->host->error(ctx, DROVER_E_NOMEM, table, "out of memory");
	if (rc == 0 &&
	    mg_fmt(sql, sizeof sql, "UPDATE %s SET value = ? WHERE config_id = ?", table) != 0)
		rc = ctx->host->error(ctx, DROVER_E_RANGE, table, "table name too long");
	for (size_t i = 0; rc == 0 && i < f.n; i++) {
		const char *params[] = {f.v[i].value, f.v[i].id};

		rc = ctx->host->sql_exec(ctx, site->db, sql, params, 2);
	}
	if (rc == 0) {
		ctx->host->log(ctx, DROVER_LOG_DEBUG, "%s: %zu URL settings now on %s",
		               mg_domain(site), f.n, f.new_host);
		overrides(ctx, &ms);
	}
	for (size_t i = 0; i < f.n; i++) {
		free(f.v[i].id);
		free(f.v[i].value);
	}
	free(f.v);
	mg_site_close(&ms);
	return rc;
}

/*
 * plugins/drupal/settings.c: the settings_read op, and the table prefix site_schema needs.
 *
 * phpeval.c evaluates settings.php (and what it includes); this file takes from the result
 * $databases['default']['default'] (driver, database, username, password, host, port, prefix),
 * the public files directory ($settings['file_public_path'] in 8+, $conf['file_public_path'] in
 * 7) and $base_url (7), and says which line to simplify when one of them is an expression
 * drover cannot evaluate.
 *
 * Checked against the Drupal sources: Database::parseConnectionInfo() (7,
 * includes/database/database.inc) takes a target without 'driver' as a list of replicas and
 * picks one at random (drover takes the first); a string prefix means array('default' => ..),
 * and per-table entries override 'default' (DatabaseConnection::setPrefix()). The public files
 * directory defaults to conf_path() . '/files' (DrupalPublicStreamWrapper::getDirectoryPath()
 * in 7, PublicStream::basePath() in 8+). A relative SQLite database path is relative to the
 * Drupal root, which is the working directory of every Drupal request.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drupal.h"
#include "phpeval.h"

/* ---- what settings_read and site_schema take from the variables ------------------------- */

static int unknown_problem(const struct d_env *env, const struct pv *v, const char *what,
                           struct d_problem *pb)
{
	d_problem_set(pb, DROVER_E_PARSE, d_php_file(env, v->file), v->line,
	              "cannot read the site's database settings: %s is set by %s, which drover "
	              "cannot evaluate without running PHP; write it as a literal in %s or in a "
	              "settings.local.php it includes",
	              what, v->why[0] ? v->why : "an expression", d_php_file(env, 0));
	return DROVER_E_PARSE;
}

/* $databases['default']['default'], the connection Drupal uses. */
static int connection(const struct d_env *env, const struct pv **out, struct d_problem *pb)
{
	const char *settings = d_php_file(env, 0);
	const struct pv *db = d_php_var(env, "databases"), *d, *c;

	*out = NULL;
	if (db == NULL) {
		d_problem_set(pb, DROVER_E_PARSE, settings, 0,
		              "%s sets no $databases, so drover cannot tell where the site's "
		              "database is; install the site or add its connection to $databases",
		              settings);
		return DROVER_E_PARSE;
	}
	if (db->kind == V_UNKNOWN)
		return unknown_problem(env, db, "$databases", pb);
	d = d_php_get(db, "default");
	if (d != NULL && d->kind == V_UNKNOWN)
		return unknown_problem(env, d, "$databases['default']", pb);
	c = d_php_get(d, "default");
	if (c != NULL && c->kind == V_UNKNOWN)
		return unknown_problem(env, c, "$databases['default']['default']", pb);
	if (c == NULL || c->kind != V_ARRAY) {
		if ((db->kind == V_ARRAY && db->partial) || (d != NULL && d->partial))
			d_problem_set(
			    pb, DROVER_E_PARSE, d_php_file(env, db->file), db->line,
			    "$databases is built with expressions drover cannot evaluate, "
			    "so its 'default' connection is unknown; write the connection "
			    "as a literal array");
		else
			d_problem_set(pb, DROVER_E_PARSE, settings, db->line,
			              "%s has no $databases['default']['default'] connection (an "
			              "empty $databases means the site is not installed); add it",
			              settings);
		return DROVER_E_PARSE;
	}
	/* A target without a driver is a list of replicas; Drupal 7 picks one at random. */
	if (d_php_get(c, "driver") == NULL && c->nitems > 0 && c->items[0].val != NULL &&
	    c->items[0].val->kind == V_ARRAY) {
		d_php_ctx(env)->host->log(
		    d_php_ctx(env), DROVER_LOG_INFO,
		    "%s:%u: the default connection lists %zu databases; drover uses "
		    "the first",
		    d_php_file(env, c->file), c->line, c->nitems);
		c = c->items[0].val;
	}
	*out = c;
	return 0;
}

/* A connection setting as text into buf ("" when absent). */
static int setting_text(const struct d_env *env, const struct pv *v, const char *what, char *buf,
                        size_t size, struct d_problem *pb)
{
	char num[32];
	const char *s;
	size_t n;

	buf[0] = '\0';
	if (v == NULL)
		return 0;
	if (v->kind == V_UNKNOWN)
		return unknown_problem(env, v, what, pb);
	if (d_php_text(v, num, sizeof num, &s, &n) != 0) {
		d_problem_set(pb, DROVER_E_PARSE, d_php_file(env, v->file), v->line,
		              "%s is an array where a string belongs; fix it", what);
		return DROVER_E_PARSE;
	}
	if (memchr(s, '\0', n) != NULL || tf_copy(buf, size, s, n) != 0) {
		d_problem_set(pb, DROVER_E_RANGE, d_php_file(env, v->file), v->line,
		              "%s is longer than drover keeps (%zu bytes)", what, size - 1);
		return DROVER_E_RANGE;
	}
	return 0;
}

static int conn_field(const struct d_env *env, const struct pv *c, const char *key, char *buf,
                      size_t size, struct d_problem *pb)
{
	char what[64];
	const struct pv *v = d_php_get(c, key);

	(void)snprintf(what, sizeof what, "the database '%s'", key);
	if (v == NULL && c->partial) {
		d_problem_set(pb, DROVER_E_PARSE, d_php_file(env, c->file), c->line,
		              "the connection is built with expressions drover cannot evaluate, so "
		              "its '%s' is unknown; write the connection as a literal array",
		              key);
		return DROVER_E_PARSE;
	}
	return setting_text(env, v, what, buf, size, pb);
}

int d_settings_prefix(const struct d_env *env, const char *table, char *buf, size_t size,
                      struct d_problem *pb)
{
	const struct pv *c, *p, *t;
	int rc = connection(env, &c, pb);

	if (rc != 0)
		return rc;
	p = d_php_get(c, "prefix");
	if (p == NULL && c->partial)
		return conn_field(env, c, "prefix", buf, size, pb);
	if (p == NULL || p->kind != V_ARRAY)
		return setting_text(env, p, "the table prefix", buf, size, pb);
	/* Per-table entries first, then 'default' (DatabaseConnection::setPrefix()). */
	t = d_php_get(p, table);
	if (t == NULL)
		t = d_php_get(p, "default");
	if (t == NULL && p->partial)
		return unknown_problem(env, p, "the table prefix", pb);
	return setting_text(env, t, "the table prefix", buf, size, pb);
}

int d_settings_fill(const struct d_env *env, const struct drover_site *site,
                    struct drover_settings *s, struct d_problem *pb)
{
	const char *settings = d_php_file(env, 0);
	const struct pv *c, *fp = NULL, *bu;
	char port[16];
	int rc;

	rc = connection(env, &c, pb);
	if (rc == 0)
		rc = conn_field(env, c, "driver", s->driver, sizeof s->driver, pb);
	if (rc == 0 && s->driver[0] == '\0') {
		d_problem_set(pb, DROVER_E_PARSE, d_php_file(env, c->file), c->line,
		              "the default connection in %s has no 'driver'; add 'driver' => "
		              "'mysql' (or 'sqlite')",
		              settings);
		rc = DROVER_E_PARSE;
	}
	if (rc == 0 && strcmp(s->driver, "mysql") != 0 && strcmp(s->driver, "sqlite") != 0) {
		d_problem_set(pb, DROVER_E_NOTSUP, d_php_file(env, c->file), c->line,
		              "the site's database driver is '%s'; drover manages MySQL/MariaDB "
		              "and SQLite sites only",
		              s->driver);
		rc = DROVER_E_NOTSUP;
	}
	if (rc == 0)
		rc = conn_field(env, c, "database", s->database, sizeof s->database, pb);
	if (rc == 0 && s->database[0] == '\0') {
		d_problem_set(pb, DROVER_E_PARSE, d_php_file(env, c->file), c->line,
		              "the default connection in %s has no 'database'; add it", settings);
		rc = DROVER_E_PARSE;
	}
	if (rc == 0)
		rc = conn_field(env, c, "username", s->username, sizeof s->username, pb);
	if (rc == 0)
		rc = conn_field(env, c, "password", s->password, sizeof s->password, pb);
	if (rc == 0)
		rc = conn_field(env, c, "host", s->host, sizeof s->host, pb);
	if (rc == 0)
		rc = conn_field(env, c, "port", port, sizeof port, pb);
	if (rc == 0 && port[0] != '\0') {
		char *end;
		long v = strtol(port, &end, 10);

		if (*end != '\0' || v < 0 || v > 65535 || port[0] < '0' || port[0] > '9') {
			const struct pv *pv = d_php_get(c, "port");

			d_problem_set(
			    pb, DROVER_E_PARSE, d_php_file(env, pv->file), pv->line,
			    "the database port '%s' is not a number from 0 to 65535; fix it", port);
			rc = DROVER_E_PARSE;
		} else {
			s->port = (uint32_t)v;
		}
	}
	if (rc == 0)
		rc = d_settings_prefix(env, "default", s->prefix, sizeof s->prefix, pb);
	if (rc != 0)
		return rc;
	/* The public files directory: $settings (8+), else $conf (7); unset or null means the
	 * default, conf_path() . '/files'. */
	fp = d_php_get(d_php_var(env, "settings"), "file_public_path");
	if (fp == NULL || fp->kind == V_NULL)
		fp = d_php_get(d_php_var(env, "conf"), "file_public_path");
	if (fp != NULL && fp->kind != V_NULL) {
		rc = setting_text(env, fp, "the public files path", s->files_path,
		                  sizeof s->files_path, pb);
		if (rc != 0)
			return rc;
	} else {
		int n = snprintf(s->files_path, sizeof s->files_path, "%s/files", site->site_dir);

		if (n < 0 || (size_t)n >= sizeof s->files_path) {
			d_problem_set(pb, DROVER_E_RANGE, settings, 0,
			              "the site directory is too long for a files path");
			return DROVER_E_RANGE;
		}
	}
	bu = d_php_var(env, "base_url");
	if (bu != NULL && bu->kind == V_STR &&
	    tf_copy(s->base_url, sizeof s->base_url, bu->s, bu->n) != 0)
		s->base_url[0] = '\0';
	return 0;
}

int drupal_settings_read(struct drover_ctx *ctx, const struct drover_site *site,
                         struct drover_settings *out)
{
	struct drover_settings s;
	struct d_problem pb;
	struct d_env *env;
	int rc;

	if (out == NULL || out->struct_size < offsetof(struct drover_settings, driver))
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "settings_read called without a result to fill");
	rc = d_settings_eval(ctx, site, &env, &pb);
	if (rc != 0)
		return d_problem_fail(ctx, site ? site->root : NULL, &pb);
	memset(&s, 0, sizeof s);
	memset(&pb, 0, sizeof pb);
	rc = d_settings_fill(env, site, &s, &pb);
	d_env_free(env);
	if (rc != 0)
		return d_problem_fail(ctx, site->root, &pb);
		/* Only what lies within the caller's struct. */
#define FITS(f) ((size_t)out->struct_size >= offsetof(struct drover_settings, f) + sizeof out->f)
#define TAKE(f)                                               \
	do {                                                  \
		if (FITS(f))                                  \
			memcpy(&out->f, &s.f, sizeof out->f); \
	} while (0)
	TAKE(port);
	TAKE(driver);
	TAKE(database);
	TAKE(username);
	TAKE(password);
	TAKE(host);
	TAKE(prefix);
	TAKE(files_path);
	TAKE(base_url);
#undef TAKE
#undef FITS
	/* The password stays in our copy only as long as needed. */
	memset(&s, 0, sizeof s);
	return 0;
}

/*
 * plugins/drupal/health.c: the health op. One drover_check each:
 *   settings           settings.php reads and names a MySQL or SQLite database; warned
 *                      when anyone may write it (Drupal's status report asks for it to be
 *                      protected)
 *   hash_salt          Drupal 8+ refuses to run without $settings['hash_salt'] (failed);
 *                      Drupal 7 derives one from $databases when $drupal_hash_salt is empty
 *                      (warned: new credentials would invalidate login links, unless drover
 *                      writes them, which keeps the salt)
 *   database           the attached database has the tables every installed site has
 *                      (7: system, variable; 8+: key_value, config)
 *   maintenance        warned when the site is in maintenance mode
 *   files, private_files  the files directories exist and are writable
 * Pending updates are the core's to judge: it compares site_schema with packages.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drupal.h"
#include "phpeval.h"

struct out {
	drover_check_cb cb;
	void *arg;
};

static int check(struct out *o, const char *name, int32_t status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int check(struct out *o, const char *name, int32_t status, const char *fmt, ...)
{
	struct drover_check c;
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	memset(&c, 0, sizeof c);
	c.struct_size = (uint32_t)sizeof c;
	c.status = status;
	c.name = name;
	c.message = msg;
	return o->cb(o->arg, &c);
}

static int settings(struct d_site *s, struct out *o)
{
	struct drover_settings st;
	struct d_problem pb;
	char path[TF_PATH_MAX * 2];
	struct stat sb;
	int rc;

	if (s->env == NULL)
		return check(o, "settings", DROVER_CHECK_FAILED, "%s", s->pb.msg);
	memset(&st, 0, sizeof st);
	memset(&pb, 0, sizeof pb);
	if (d_settings_fill(s->env, s->site, &st, &pb) != 0)
		return check(o, "settings", DROVER_CHECK_FAILED, "%s:%u: %s", pb.file, pb.line,
		             pb.msg);
	(void)snprintf(path, sizeof path, "%s/%s/settings.php", s->site->root, s->site->site_dir);
	if (stat(path, &sb) == 0 && (sb.st_mode & S_IWOTH))
		rc = check(o, "settings", DROVER_CHECK_WARNING,
		           "%s is writable by every user; make it read-only (chmod 444)", path);
	else
		rc = check(o, "settings", DROVER_CHECK_OK, "settings.php names the %s database %s",
		           st.driver, st.database);
	explicit_bzero(&st, sizeof st);
	return rc;
}

static int hash_salt(struct d_site *s, struct out *o)
{
	const struct pv *v;
	int empty;

	if (s->env == NULL)
		return 0;
	v = s->gen == 7 ? d_php_var(s->env, "drupal_hash_salt")
	                : d_php_get(d_php_var(s->env, "settings"), "hash_salt");
	empty = v == NULL || v->kind == V_NULL || (v->kind == V_STR && v->n == 0);
	if (!empty)
		return check(o, "hash_salt", DROVER_CHECK_OK, "the hash salt is set");
	if (s->gen == 7)
		return check(o, "hash_salt", DROVER_CHECK_WARNING,
		             "$drupal_hash_salt is empty, so Drupal 7 derives it from $databases: "
		             "changing the credentials by hand would invalidate login links and "
		             "form tokens (drover keeps it when it writes them); set a random one");
	return check(o, "hash_salt", DROVER_CHECK_FAILED,
	             "$settings['hash_salt'] is empty and Drupal %d refuses to run without it; "
	             "set a random one in settings.php",
	             s->gen);
}

static int database(struct d_site *s, struct out *o, int *usable)
{
	const char *need7[] = {"system", "variable", NULL},
	           *need8[] = {"key_value", "config", NULL};
	char table[128];
	int rc = 0;

	*usable = 0;
	if (s->site->db == NULL || s->site->db_driver == NULL)
		return check(o, "database", DROVER_CHECK_WARNING,
		             "no database is attached, so it was not checked");
	for (const char *const *t = s->gen == 7 ? need7 : need8; *t; t++) {
		rc = d_site_find_table(s, *t, table, sizeof table);
		if (rc < 0)
			return check(o, "database", DROVER_CHECK_FAILED,
			             "the database cannot be read: %s",
			             s->ctx->err ? s->ctx->err->message : "database error");
		if (rc == 0)
			return check(
			    o, "database", DROVER_CHECK_FAILED,
			    "the database has no table '%s', which every installed Drupal %s "
			    "site has: wrong database, wrong prefix, or not installed",
			    table, s->gen == 7 ? "7" : "8+");
	}
	*usable = 1;
	return check(o, "database", DROVER_CHECK_OK, "the database is reachable and has %s",
	             s->gen == 7 ? "{system} and {variable}" : "{key_value} and {config}");
}

static int maintenance(struct d_site *s, struct out *o)
{
	int32_t on = 0;

	if (d_maint_state(s, &on) != 0)
		return check(o, "maintenance", DROVER_CHECK_FAILED,
		             "the maintenance mode cannot be read: %s",
		             s->ctx->err ? s->ctx->err->message : "database error");
	if (on)
		return check(o, "maintenance", DROVER_CHECK_WARNING,
		             "the site is in maintenance mode: visitors get a 503 page");
	return check(o, "maintenance", DROVER_CHECK_OK, "the site is online");
}

static int dir_check(struct d_site *s, struct out *o, const char *name, const char *dir)
{
	char path[TF_PATH_MAX * 2];
	struct stat sb;

	if (dir[0] == '/')
		(void)snprintf(path, sizeof path, "%s", dir);
	else
		(void)snprintf(path, sizeof path, "%s/%s", s->site->root, dir);
	if (stat(path, &sb) != 0)
		return check(o, name, DROVER_CHECK_FAILED,
		             "%s does not exist; create it, writable by the web server", path);
	if (!S_ISDIR(sb.st_mode))
		return check(o, name, DROVER_CHECK_FAILED, "%s is not a directory", path);
	if (access(path, W_OK | X_OK) != 0)
		return check(o, name, DROVER_CHECK_FAILED,
		             "%s is not writable; make it writable by the web server", path);
	return check(o, name, DROVER_CHECK_OK, "%s is writable", path);
}

int drupal_health(struct drover_ctx *ctx, const struct drover_site *site, drover_check_cb cb,
                  void *arg)
{
	struct out o = {cb, arg};
	struct d_files f;
	struct d_site s;
	int rc, usable = 0;

	if (cb == NULL)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "health called without a callback");
	rc = d_site_open(ctx, site, "check the health", 0, &s);
	if (rc == 0)
		rc = settings(&s, &o);
	if (rc == 0)
		rc = hash_salt(&s, &o);
	if (rc == 0) {
		/* A database that fails is a finding, not a failure of the op: its errors go to a
		 * local error object, which the messages quote. */
		struct drover_error *saved = ctx->err, local;

		memset(&local, 0, sizeof local);
		ctx->err = &local;
		rc = database(&s, &o, &usable);
		if (rc == 0 && usable)
			rc = maintenance(&s, &o);
		ctx->err = saved;
	}
	if (rc == 0 && d_files_get(&s, &f) == 0) {
		rc = dir_check(&s, &o, "files", f.pub);
		if (rc == 0 && f.priv[0] != '\0')
			rc = dir_check(&s, &o, "private_files", f.priv);
	}
	d_site_close(&s);
	return rc;
}

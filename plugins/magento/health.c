/*
 * plugins/magento/health.c: health, four checks of a Magento site.
 *
 *   settings     the settings file (local.xml / env.php) reads and names a database
 *   database     the database answers and has Magento's schema table (core_resource /
 *                setup_module, with the table prefix)
 *   maintenance  the maintenance flag is off (on: a warning, visitors get 503)
 *   var          var/ is a directory the user drover runs as can write (Magento writes its
 *                caches, sessions, locks and logs there)
 *
 * A failed check is a result, not a failure of the op: the op returns 0 after reporting every
 * check (or what a callback returned). Where a reader explains a failure through host->error,
 * that explanation becomes the check's message; ctx->err then still holds it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "magento.h"

struct health {
	struct drover_ctx *ctx;
	drover_check_cb cb;
	void *arg;
};

static int report(struct health *h, const char *name, int32_t status, const char *fmt, ...)
    DROVER_PRINTF(4, 5);
static int report(struct health *h, const char *name, int32_t status, const char *fmt, ...)
{
	struct drover_check c;
	char msg[768];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	memset(&c, 0, sizeof c);
	c.struct_size = (uint32_t)sizeof c;
	c.status = status;
	c.name = name;
	c.message = msg;
	return h->cb(h->arg, &c);
}

/* What a reader recorded during the call that failed, if this call's error is still the first
 * one; else a general word. */
static const char *why(const struct drover_ctx *ctx, int32_t code_before, int rc)
{
	if (code_before == 0 && ctx->err != NULL && ctx->err->code != 0)
		return ctx->err->message;
	return drover_strerror(rc);
}

static int check_database(struct health *h, const struct mg_site *ms,
                          const struct drover_site *site)
{
	const char *name = ms->gen == 1 ? "core_resource" : "setup_module";
	int32_t before = h->ctx->err ? h->ctx->err->code : 0;
	char table[128];
	int rc, yes = 0;

	if (!ms->have_settings)
		return report(h, "database", DROVER_CHECK_WARNING,
		              "not checked: the settings file cannot be read");
	if (site->db == NULL || site->db_driver == NULL)
		return report(h, "database", DROVER_CHECK_WARNING,
		              "not checked: no database is attached to %s", mg_domain(site));
	rc = mg_need_db(h->ctx, site, "check the database");
	if (rc == 0)
		rc = mg_table(h->ctx, ms, name, table, sizeof table);
	if (rc == 0)
		rc = mg_table_exists(h->ctx, site, table, &yes);
	if (rc != 0)
		return report(h, "database", DROVER_CHECK_FAILED,
		              "the database %s does not answer: %s", ms->s.database,
		              why(h->ctx, before, rc));
	if (!yes)
		return report(h, "database", DROVER_CHECK_FAILED,
		              "the database %s has no table %s: it is not this Magento %d site's "
		              "database, or the table prefix in %s is wrong",
		              ms->s.database, table, ms->gen,
		              ms->gen == 1 ? M1_LOCAL_XML : M2_ENV_PHP);
	return report(h, "database", DROVER_CHECK_OK, "the database %s answers and has %s",
	              ms->s.database, table);
}

static int check_var(struct health *h, const struct mg_site *ms)
{
	struct stat st;

	if (fstatat(ms->r.fd, "var", &st, 0) != 0) {
		if (errno == ENOENT)
			return report(
			    h, "var", DROVER_CHECK_WARNING,
			    "var/ does not exist: Magento creates it only if it may write "
			    "the platform directory; create it, writable by the web server");
		return report(h, "var", DROVER_CHECK_FAILED, "cannot look at var/: %s",
		              strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return report(h, "var", DROVER_CHECK_FAILED,
		              "var/ is not a directory: Magento cannot keep its caches, sessions "
		              "and logs; replace it with a directory");
	if (faccessat(ms->r.fd, "var", W_OK | X_OK, AT_EACCESS) != 0)
		return report(h, "var", DROVER_CHECK_FAILED,
		              "var/ is not writable by uid %ld: %s; Magento writes its caches, "
		              "sessions and logs there: fix its permissions",
		              (long)geteuid(), strerror(errno));
	return report(h, "var", DROVER_CHECK_OK, "var/ is writable");
}

int mg_health(struct drover_ctx *ctx, const struct drover_site *site, drover_check_cb cb, void *arg)
{
	struct health h = {ctx, cb, arg};
	const char *rel;
	struct mg_site ms;
	int32_t before, on = 0;
	int rc;

	if (cb == NULL)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "health called without a callback");
	rc = mg_site_open(ctx, site, "check the site", 0, &ms);
	if (rc != 0)
		return rc;
	rel = ms.gen == 1 ? M1_LOCAL_XML : M2_ENV_PHP;

	before = ctx->err ? ctx->err->code : 0;
	ms.s.struct_size = (uint32_t)sizeof ms.s;
	rc = mg_settings(ctx, &ms.r, ms.gen, &ms.s);
	if (rc == 0 && ms.s.prefix[0] != '\0' && !mg_word_ok(ms.s.prefix, 40))
		rc = report(&h, "settings", DROVER_CHECK_FAILED,
		            "%s: the table prefix is not made of letters, digits and '_'", rel);
	else if (rc == 0) {
		ms.have_settings = 1;
		rc = report(&h, "settings", DROVER_CHECK_OK, "%s: database %s on %s", rel,
		            ms.s.database, ms.s.host);
	} else {
		rc = report(&h, "settings", DROVER_CHECK_FAILED, "%s", why(ctx, before, rc));
	}
	if (rc == 0)
		rc = check_database(&h, &ms, site);
	if (rc == 0) {
		before = ctx->err ? ctx->err->code : 0;
		rc = mg_maintenance_state(ctx, &ms, &on);
		if (rc != 0)
			rc = report(&h, "maintenance", DROVER_CHECK_FAILED, "%s",
			            why(ctx, before, rc));
		else if (on)
			rc = report(&h, "maintenance", DROVER_CHECK_WARNING,
			            "maintenance mode is on (%s exists): visitors get 503 Service "
			            "Unavailable; switch it off when the work is done",
			            ms.gen == 1 ? M1_MAINT_FLAG : M2_MAINT_FLAG);
		else
			rc = report(&h, "maintenance", DROVER_CHECK_OK, "maintenance mode is off");
	}
	if (rc == 0)
		rc = check_var(&h, &ms);
	mg_site_close(&ms);
	return rc;
}

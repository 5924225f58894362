/*
 * plugins/magento/maintenance.c: maintenance mode, as Magento itself switches it.
 *
 * Magento 1 / OpenMage: index.php answers 503 while `maintenance.flag` exists in the docroot
 * (the platform root; OpenMage's pub/default/index.php changes into the root first), letting
 * through only the addresses in maintenance.ip (OpenMage). Magento 2: MaintenanceMode looks for
 * var/.maintenance.flag (FLAG_DIR = var, FLAG_FILENAME = '.maintenance.flag'), with the allowed
 * addresses in var/.maintenance.ip. Only existence matters, so the flag is an empty file;
 * drover never touches the .ip files. ON and OFF are idempotent, and *state is read back
 * afterwards rather than assumed.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "magento.h"

static const char *flag_rel(const struct mg_site *ms)
{
	return ms->gen == 1 ? M1_MAINT_FLAG : M2_MAINT_FLAG;
}

int mg_maintenance_state(struct drover_ctx *ctx, const struct mg_site *ms, int32_t *on)
{
	char path[TF_PATH_MAX];
	struct stat st;

	*on = 0;
	if (fstatat(ms->r.fd, flag_rel(ms), &st, 0) == 0) {
		*on = 1;
		return 0;
	}
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	return ctx->host->error(ctx, DROVER_E_IO,
	                        tf_path(path, sizeof path, ms->r.path, flag_rel(ms)),
	                        "cannot tell whether %s is in maintenance: cannot look at %s: %s",
	                        mg_domain(ms->site), flag_rel(ms), strerror(errno));
}

static int flag_on(struct drover_ctx *ctx, const struct mg_site *ms)
{
	const char *rel = flag_rel(ms);
	char path[TF_PATH_MAX];
	int fd;

	/* Magento 2 creates var/ itself; a fresh copy of a site may not have it yet. */
	if (ms->gen == 2 && mkdirat(ms->r.fd, "var", 0775) != 0 && errno != EEXIST)
		return ctx->host->error(
		    ctx, DROVER_E_IO, tf_path(path, sizeof path, ms->r.path, "var"),
		    "cannot switch maintenance on for %s: cannot create var/: %s; "
		    "make the platform writable by the user drover runs as",
		    mg_domain(ms->site), strerror(errno));
	fd = openat(ms->r.fd, rel, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
	if (fd < 0)
		return ctx->host->error(
		    ctx, DROVER_E_IO, tf_path(path, sizeof path, ms->r.path, rel),
		    "cannot switch maintenance on for %s: cannot create %s: %s; "
		    "make its directory writable by the user drover runs as",
		    mg_domain(ms->site), rel, strerror(errno));
	close(fd);
	return 0;
}

static int flag_off(struct drover_ctx *ctx, const struct mg_site *ms)
{
	const char *rel = flag_rel(ms);
	char path[TF_PATH_MAX];

	if (unlinkat(ms->r.fd, rel, 0) == 0 || errno == ENOENT || errno == ENOTDIR)
		return 0;
	return ctx->host->error(ctx, DROVER_E_IO, tf_path(path, sizeof path, ms->r.path, rel),
	                        "cannot switch maintenance off for %s: cannot remove %s: %s; "
	                        "remove it by hand",
	                        mg_domain(ms->site), rel, strerror(errno));
}

int mg_maintenance(struct drover_ctx *ctx, const struct drover_site *site, int32_t action,
                   int32_t *state)
{
	struct mg_site ms;
	int32_t on = 0;
	int rc;

	if (action != DROVER_MAINT_STATUS && action != DROVER_MAINT_ON &&
	    action != DROVER_MAINT_OFF)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "maintenance called with an unknown action %d",
		                        (int)action);
	rc = mg_site_open(ctx, site, "switch maintenance mode", 0, &ms);
	if (rc != 0)
		return rc;
	if (action == DROVER_MAINT_ON)
		rc = flag_on(ctx, &ms);
	else if (action == DROVER_MAINT_OFF)
		rc = flag_off(ctx, &ms);
	if (rc == 0)
		rc = mg_maintenance_state(ctx, &ms, &on);
	if (rc == 0 && action != DROVER_MAINT_STATUS && on != (action == DROVER_MAINT_ON))
		rc = ctx->host->error(ctx, DROVER_E_FAIL, flag_rel(&ms),
		                      "maintenance of %s is still %s after switching it: something "
		                      "else manages %s",
		                      mg_domain(site), on ? "on" : "off", flag_rel(&ms));
	if (rc == 0 && state != NULL)
		*state = on;
	mg_site_close(&ms);
	return rc;
}

/* app.c: configuration and adapters loaded on demand for one run of the command. */
#include "app.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "util.h"

int app_config(struct app *a)
{
	int rc;

	if (a->have_cfg)
		return 0;
	if ((rc = cfg_load(&a->cfg, a->config_path, &a->err)) != 0)
		return rc;
	a->have_cfg = 1;
	/* --quiet and --verbose win over the file's log_level. */
	log_set_level(a->quiet ? DROVER_LOG_ERR : a->verbose ? DROVER_LOG_DEBUG : a->cfg.log_level);
	return 0;
}

struct unclaimed {
	struct app *a;
	int rc;
};

/* A settings group for an adapter that is not loaded is an error, unless that adapter was
 * rejected (already reported): a typo in an adapter name must not go unnoticed. */
static int check_claimed(void *arg, const char *name, const char *where)
{
	struct unclaimed *u = arg;
	struct ldr *l = &u->a->ldr;
	char list[512] = "";
	size_t used = 0;

	if (ldr_find(l, name))
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0) {
			log_msg(DROVER_LOG_WARNING,
			        "%s: settings for adapter '%s' are not used: the "
			        "adapter was rejected",
			        where, name);
			return 0;
		}
	for (size_t i = 0; i < l->n; i++) {
		if (!l->v[i].loaded)
			continue;
		(void)str_fmt(list + used, sizeof(list) - used, "%s%s", used ? ", " : "",
		              l->v[i].name);
		used = strlen(list);
	}
	u->rc = err_set(&u->a->err, DROVER_E_CONFIG, where,
	                "settings for adapter '%s', but no adapter of that name is loaded (loaded: "
	                "%s): fix the name or install the adapter",
	                name, used ? list : "none");
	return u->rc;
}

int app_adapters(struct app *a, int quiet_rejects)
{
	struct unclaimed u = {a, 0};
	int rc;

	if (a->have_ldr)
		return 0;
	if ((rc = app_config(a)) != 0)
		return rc;
	if ((rc = ldr_load(&a->ldr, &a->cfg, &a->err)) != 0)
		return rc;
	a->have_ldr = 1;
	for (size_t i = 0; i < a->ldr.n; i++) {
		const struct ldr_entry *e = &a->ldr.v[i];
		if (!e->loaded && !quiet_rejects)
			log_msg(DROVER_LOG_WARNING, "adapter %s rejected: %s", e->path, e->reason);
		if (e->loaded &&
		    (rc = cfg_check_adapter(&a->cfg, e->name, e->desc->options, &a->err)))
			return rc;
	}
	cfg_adapter_foreach(&a->cfg, check_claimed, &u);
	return u.rc;
}

int app_fail(struct app *a)
{
	int code = a->err.code;

	err_print(&a->err);
	switch (code) {
	case DROVER_E_CONFIG:
	case DROVER_E_INVAL:
	case DROVER_E_EXISTS:   /* a name given twice */
	case DROVER_E_NOTFOUND: /* a name, path or file given that is not there */
		return EXIT_USAGE;
	case DROVER_E_REFUSED:
	case DROVER_E_BUSY: /* another task holds the site: refused, nothing ran */
		return EXIT_REFUSED;
	default: return EXIT_FAILED;
	}
}

int app_usage(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)str_vfmt(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "drover %s: %s; see 'drover help %s'\n", cmd, msg, cmd);
	return EXIT_USAGE;
}

void app_free(struct app *a)
{
	if (a->reg)
		reg_close(a->reg);
	if (a->have_ldr)
		ldr_unload(&a->ldr);
	if (a->have_cfg)
		cfg_free(&a->cfg);
}

/*
 * host.c: the service table handed to adapters. Each service checks its ctx, because a bad
 * pointer from an adapter must fail loudly in the adapter's name, not corrupt the core.
 */
#include "host.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "error.h"
#include "journal.h"
#include "loader.h"
#include "run.h"
#include "util.h"

void host_ctx_init(struct drover_ctx *ctx, const struct ldr_entry *e, struct drover_error *err)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->magic = DROVER_CTX_MAGIC;
	ctx->struct_size = sizeof(*ctx);
	ctx->host = &host_table;
	ctx->adapter = e->desc;
	ctx->state = e->state;
	ctx->err = err;
	ctx->core = (void *)(uintptr_t)e; /* read-only to the core; the adapter must not touch it */
}

static const struct ldr_entry *entry_of(struct drover_ctx *ctx)
{
	if (!ctx || ctx->magic != DROVER_CTX_MAGIC || !ctx->core)
		abort(); /* an adapter passed garbage: continuing could corrupt a site */
	return ctx->core;
}

static struct host_capture *capture;

void host_capture_start(struct host_capture *c)
{
	memset(c, 0, sizeof(*c));
	capture = c;
}

void host_capture_stop(void)
{
	capture = NULL;
}

/* Keep a warning for the command to report; 0, or -1 if it could not (then it is printed). */
__attribute__((format(printf, 1, 0))) static int capture_line(const char *fmt, va_list ap)
{
	char line[1024], *copy;

	if (capture->n == capture->cap) {
		size_t cap = capture->cap ? capture->cap * 2 : 16;
		char **v = realloc(capture->lines, cap * sizeof(*v));
		if (!v)
			return -1;
		capture->lines = v;
		capture->cap = cap;
	}
	(void)str_vfmt(line, sizeof(line), fmt, ap);
	copy = str_dup(line);
	if (!copy)
		return -1;
	capture->lines[capture->n++] = copy;
	return 0;
}

__attribute__((format(printf, 3, 4))) static void h_log(struct drover_ctx *ctx, int32_t level,
                                                        const char *fmt, ...)
{
	const struct ldr_entry *e = entry_of(ctx);
	char prefix[LDR_NAME_MAX + 4];
	va_list ap;

	if (capture && level <= DROVER_LOG_WARNING) {
		int kept;
		va_start(ap, fmt);
		kept = capture_line(fmt, ap);
		va_end(ap);
		if (kept == 0)
			return;
	}

	(void)str_fmt(prefix, sizeof(prefix), "%s: ", e->name);
	va_start(ap, fmt);
	log_vmsg(level, prefix, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 4, 5))) static int h_error(struct drover_ctx *ctx, int32_t code,
                                                         const char *where, const char *fmt, ...)
{
	const struct ldr_entry *e = entry_of(ctx);
	va_list ap;

	if (code >= 0)
		code = DROVER_E_FAIL; /* an error must be negative, whatever the adapter passed */
	if (ctx->err && ctx->err->code != 0) {
		char msg[768];
		va_start(ap, fmt);
		(void)str_vfmt(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		log_msg(DROVER_LOG_DEBUG, "%s: further error: %s", e->name, msg);
		return code;
	}
	va_start(ap, fmt);
	err_vset(ctx->err, code, where, fmt, ap);
	va_end(ap);
	return code;
}

static void *h_alloc(struct drover_ctx *ctx, size_t size)
{
	(void)entry_of(ctx);
	return calloc(1, size ? size : 1);
}

static void h_free(struct drover_ctx *ctx, void *ptr)
{
	(void)entry_of(ctx);
	free(ptr);
}

/* The declared option `key` of the calling adapter, or an error. */
static const struct drover_option *declared(struct drover_ctx *ctx, const char *key, int32_t type,
                                            int *rc)
{
	const struct ldr_entry *e = entry_of(ctx);

	for (const struct drover_option *o = e->desc->options; o && o->key; o++) {
		if (strcmp(o->key, key) != 0)
			continue;
		if (o->type != type) {
			*rc = h_error(ctx, DROVER_E_INVAL, key,
			              "option '%s' is read with the wrong type", key);
			return NULL;
		}
		return o;
	}
	*rc = h_error(ctx, DROVER_E_INVAL, key,
	              "option '%s' is not declared in the adapter's option table", key);
	return NULL;
}

static int h_cfg_int(struct drover_ctx *ctx, const char *key, int64_t *out)
{
	int rc = 0;
	const struct drover_option *o = declared(ctx, key, DROVER_OPT_INT, &rc);

	return o ? cfg_adapter_int(entry_of(ctx)->cfg, entry_of(ctx)->name, o, out) : rc;
}

static int h_cfg_bool(struct drover_ctx *ctx, const char *key, int32_t *out)
{
	int rc = 0;
	const struct drover_option *o = declared(ctx, key, DROVER_OPT_BOOL, &rc);

	return o ? cfg_adapter_bool(entry_of(ctx)->cfg, entry_of(ctx)->name, o, out) : rc;
}

static int h_cfg_str(struct drover_ctx *ctx, const char *key, char *buf, size_t len)
{
	int rc = 0;
	const struct drover_option *o = declared(ctx, key, DROVER_OPT_STRING, &rc);

	return o ? cfg_adapter_str(entry_of(ctx)->cfg, entry_of(ctx)->name, o, buf, len) : rc;
}

static int h_run(struct drover_ctx *ctx, const struct drover_cmd *cmd,
                 struct drover_cmd_result *res)
{
	(void)entry_of(ctx);
	if (!cmd || !res || cmd->struct_size < sizeof(*cmd) || res->struct_size < sizeof(*res))
		return h_error(ctx, DROVER_E_INVAL, NULL,
		               "run: command or result struct is missing or "
		               "too small");
	int rc = run_cmd(cmd, res, ctx->err);

	/* Only the program's name: arguments may carry what the output's redaction hides. */
	if (rc == 0 && cmd->argv && cmd->argv[0]) {
		const char *name = strrchr(cmd->argv[0], '/');
		task_log_output(name ? name + 1 : cmd->argv[0], res->exit_status, res->output,
		                res->output ? res->output_len : 0);
	}
	return rc;
}

static int h_sql_exec(struct drover_ctx *ctx, struct drover_db *db, const char *sql,
                      const char *const *params, uint32_t nparams)
{
	(void)entry_of(ctx);
	if (!db || !sql || (nparams && !params))
		return h_error(ctx, DROVER_E_INVAL, NULL, "sql_exec: no database or no SQL");
	return db_exec(db, sql, params, nparams, ctx->err);
}

static int h_sql_query(struct drover_ctx *ctx, struct drover_db *db, const char *sql,
                       const char *const *params, uint32_t nparams, drover_row_cb cb, void *arg)
{
	(void)entry_of(ctx);
	if (!db || !sql || !cb || (nparams && !params))
		return h_error(ctx, DROVER_E_INVAL, NULL,
		               "sql_query: no database, SQL or callback");
	return db_query(db, sql, params, nparams, cb, arg, ctx->err);
}

const struct drover_host host_table = {
    .struct_size = sizeof(struct drover_host),
    .abi_major = DROVER_ABI_MAJOR,
    .abi_minor = DROVER_ABI_MINOR,
    .log = h_log,
    .error = h_error,
    .alloc = h_alloc,
    .free = h_free,
    .cfg_int = h_cfg_int,
    .cfg_bool = h_cfg_bool,
    .cfg_str = h_cfg_str,
    .run = h_run,
    .sql_exec = h_sql_exec,
    .sql_query = h_sql_query,
};

/* error.c: filling and printing struct drover_error inside the core. */
#include "error.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

int err_vset(struct drover_error *err, int code, const char *where, const char *fmt, va_list ap)
{
	if (!err || err->code != 0)
		return code;
	err->code = code;
	/* Truncation of a diagnostic is acceptable: it still names the failure. */
	(void)str_copy(err->where, sizeof(err->where), where ? where : "");
	(void)str_vfmt(err->message, sizeof(err->message), fmt, ap);
	return code;
}

int err_set(struct drover_error *err, int code, const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = err_vset(err, code, where, fmt, ap);
	va_end(ap);
	return code;
}

int err_reset(struct drover_error *err, int code, const char *where, const char *fmt, ...)
{
	va_list ap;

	err_clear(err);
	va_start(ap, fmt);
	code = err_vset(err, code, where, fmt, ap);
	va_end(ap);
	return code;
}

void err_clear(struct drover_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

const char *err_line(const struct drover_error *err, char *buf, size_t size)
{
	const char *msg = err->message[0] ? err->message : drover_strerror(err->code);

	if (err->where[0])
		(void)str_fmt(buf, size, "%s: %s", err->where, msg);
	else
		(void)str_copy(buf, size, msg);
	return buf;
}

void err_print(const struct drover_error *err)
{
	char line[1100];

	fprintf(stderr, "drover: %s\n", err_line(err, line, sizeof(line)));
}

static int log_level = DROVER_LOG_WARNING;

void log_set_level(int level)
{
	log_level = level;
}
int log_get_level(void)
{
	return log_level;
}

void log_vmsg(int level, const char *prefix, const char *fmt, va_list ap)
{
	char line[2048];
	const char *tag = level <= DROVER_LOG_ERR       ? "error: "
	                  : level == DROVER_LOG_WARNING ? "warning: "
	                  : level >= DROVER_LOG_DEBUG   ? "debug: "
	                                                : "";

	if (level > log_level)
		return;
	(void)str_vfmt(line, sizeof(line), fmt, ap); /* a long line is cut, not lost */
	fprintf(stderr, "drover: %s%s%s\n", prefix ? prefix : "", tag, line);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, NULL, fmt, ap);
	va_end(ap);
}

/* error.h: filling and printing struct drover_error inside the core. */
#ifndef DROVER_ERROR_H
#define DROVER_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#include <drover/adapter.h>

/* Record an error and return `code`. The first error set wins until err_clear(); `where` may be
 * NULL. Safe with err == NULL (then it only returns code). */
int err_set(struct drover_error *err, int code, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int err_vset(struct drover_error *err, int code, const char *where, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* Like err_set, but replaces whatever error was recorded before. */
int err_reset(struct drover_error *err, int code, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void err_clear(struct drover_error *err);

/* One line for a person: "where: message" (or the strerror of the code when no message). */
const char *err_line(const struct drover_error *err, char *buf, size_t size);

/* Print "drover: <err_line>" to stderr. */
void err_print(const struct drover_error *err);

/* Log lines on stderr: "drover: [warning: ]message". Lines above the level are dropped. */
void log_set_level(int level);
int log_get_level(void);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int level, const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
#endif

/* util.h: bounded strings, paths and small file helpers used across the core. */
#ifndef DROVER_UTIL_H
#define DROVER_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <drover/status.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Copy src into dst (size > 0); 0, or DROVER_E_RANGE if it did not fit (dst then holds a
 * truncated, NUL-terminated prefix). */
int str_copy(char *dst, size_t size, const char *src);

/* snprintf that reports truncation: 0, or DROVER_E_RANGE. */
int str_fmt(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int str_vfmt(char *dst, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Join dir and name with one '/'; 0 or DROVER_E_RANGE. */
int path_join(char *dst, size_t size, const char *dir, const char *name);

/* The final component of a path (a pointer into `path`). */
const char *path_base(const char *path);

/* mkdir -p with `mode` for the directories it creates; 0 or DROVER_E_IO (errno kept). */
int path_mkdirs(const char *path, unsigned mode);

/* rm -rf: remove `path` and everything below it, without following symlinks. Missing is fine.
 * 0 or DROVER_E_IO (errno kept). */
int path_remove_tree(const char *path);

/* 1 if s ends with suffix. */
int str_endswith(const char *s, const char *suffix);

/* Parse a whole string as a base-10 (or 0x hex) signed 64-bit integer; 0, DROVER_E_INVAL when
 * it is not a number, DROVER_E_RANGE when it overflows. */
int str_to_i64(const char *s, int64_t *out);

/* malloc'd copy, or NULL (out of memory). */
char *str_dup(const char *s);

#endif

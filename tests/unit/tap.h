/* tap.h: a minimal TAP producer for the unit tests (header-only). */
#ifndef DROVER_TAP_H
#define DROVER_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

#define TAP_UNUSED __attribute__((unused))

TAP_UNUSED __attribute__((format(printf, 2, 3))) static int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

TAP_UNUSED __attribute__((format(printf, 1, 2))) static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* is_int / is_str / like: compare and show both sides on failure. */
#define is_int(got, want, ...)                                           \
	do {                                                             \
		long long g_ = (long long)(got), w_ = (long long)(want); \
		if (!ok(g_ == w_, __VA_ARGS__))                          \
			diag("  got %lld, want %lld", g_, w_);           \
	} while (0)
#define is_str(got, want, ...)                                                                 \
	do {                                                                                   \
		const char *g_ = (got), *w_ = (want);                                          \
		if (!ok(g_ && w_ && strcmp(g_, w_) == 0, __VA_ARGS__))                         \
			diag("  got '%s', want '%s'", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} while (0)
#define like(got, needle, ...)                                                        \
	do {                                                                          \
		const char *g_ = (got), *w_ = (needle);                               \
		if (!ok(g_ && strstr(g_, w_) != NULL, __VA_ARGS__))                   \
			diag("  '%s' does not contain '%s'", g_ ? g_ : "(null)", w_); \
	} while (0)

TAP_UNUSED static int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

/* A fresh temporary directory for one test program; removed by the caller if it wants. */
TAP_UNUSED static const char *tap_tmpdir(void)
{
	static char dir[256];
	const char *base = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/drover-test-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(99);
	}
	return dir;
}

#endif

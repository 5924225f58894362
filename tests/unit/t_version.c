/* t_version.c: version ordering (vers_cmp) and tree stamps (tree_stamp) on a real directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "tap.h"
#include "tree.h"
#include "util.h"
#include "version.h"

static void order(const char *a, const char *b, int want)
{
	int got = vers_cmp(a, b), back = vers_cmp(b, a);

	ok(got == want && back == -want, "'%s' %s '%s'", a,
	   want < 0   ? "<"
	   : want > 0 ? ">"
	              : "==",
	   b);
	if (got != want || back != -want)
		diag("  got %d and %d", got, back);
}

static void touch(const char *dir, const char *rel, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		exit(99);
}

static void stamp(const char *dir, char out[TREE_STAMP_MAX])
{
	struct drover_error err;

	err_clear(&err);
	if (tree_stamp(dir, out, NULL, &err) != 0) {
		diag("tree_stamp: %s", err.message);
		out[0] = '\0';
	}
}

int main(void)
{
	const char *dir = tap_tmpdir();
	char a[TREE_STAMP_MAX], b[TREE_STAMP_MAX], path[4096];
	struct drover_error err;
	uint64_t files = 0;

	order("7010", "7009", 1);
	order("7009", "7010", -1);
	order("1.6.0.10", "1.6.0.9", 1);
	order("1.6.0.2", "1.6.0.2", 0);
	order("1.0", "1.0.0", 0);
	order("1.0.1", "1.0", 1);
	order("10.3.0-rc1", "10.3.0", -1);
	order("11.1-dev", "11.1.0", -1);
	order("10.3.0-alpha1", "10.3.0-beta1", -1);
	order("10.3.0-beta2", "10.3.0-rc1", -1);
	order("2.4.7-p3", "2.4.7", 1);
	order("2.4.7-p3", "2.4.7-p10", -1);
	order("7.x-3.20", "7.x-3.24", -1);
	order("7.x-1.10", "7.x-1.9", 1);
	order("8.x-1.5", "8.x-1.5", 0);
	order("", "7000", -1);
	order("", "", 0);
	order("007", "7", 0);
	order("20.0.16", "19.4.18", 1);

	/* Stamps: nothing but metadata, and every change shows. */
	snprintf(path, sizeof(path), "%s/modules/views", dir);
	if (path_mkdirs(path, 0755) != 0)
		return 99;
	touch(dir, "modules/views/views.info", "name = Views\n");
	stamp(dir, a);
	stamp(dir, b);
	ok(a[0] && strcmp(a, b) == 0, "the same tree stamps the same: %s", a);
	err_clear(&err);
	is_int(tree_stamp(dir, a, &files, &err), 0, "stamp with a count");
	is_int(files, 3, "modules, modules/views and the .info file are counted");
	touch(dir, "modules/views/views.install", "<?php\n");
	stamp(dir, b);
	ok(strcmp(a, b) != 0, "a new file changes the stamp");
	stamp(dir, a);
	{
		/* Same size, same second: an edit in place must still show (nanoseconds, ctime). */
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL);
	}
	touch(dir, "modules/views/views.info", "name = Vuews\n");
	stamp(dir, b);
	ok(strcmp(a, b) != 0, "an edit of the same size changes the stamp");
	snprintf(path, sizeof(path), "%s/modules/views/views.install", dir);
	unlink(path);
	stamp(dir, a);
	ok(strcmp(a, b) != 0, "a removed file changes the stamp");
	snprintf(path, sizeof(path), "%s/modules/loop", dir);
	if (symlink("..", path) != 0)
		return 99;
	err_clear(&err);
	is_int(tree_stamp(dir, b, NULL, &err), 0, "a symlink loop does not hang or fail the stamp");
	snprintf(path, sizeof(path), "%s/nope", dir);
	err_clear(&err);
	is_int(tree_stamp(path, b, NULL, &err), DROVER_E_NOTFOUND, "a missing tree is NOTFOUND");
	like(err.message, "cannot read the platform directory", "with a message");
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		diag("could not clean up");
	return done_testing();
}

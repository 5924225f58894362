/*
 * t_archive.c: backup archives. The round trip (writer, member list, checksums, extraction),
 * a corpus of hostile archives that the extractor must refuse without writing anything outside
 * its staging directory, and arc_sha256_file.
 *
 * The test crafts its hostile archives with libarchive's writer; only core/archive.c may call
 * libarchive in product code. It checks its results with the system's sha256sum and cmp.
 */
#include "arc.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "tap.h"
#include "util.h"

#define MB (1024u * 1024u)
#define T0 ((time_t)1600000000) /* mtimes of the source tree */

static char tmp[PATH_MAX];  /* this run's scratch directory */
static char arcs[PATH_MAX]; /* where the crafted archives live, outside every scene */
static char cwd[PATH_MAX];  /* the test's working directory, with decoys in it */

/* ---- helpers ---------------------------------------------------------------------------------- */

__attribute__((noreturn)) static void die(const char *what, const char *path)
{
	fprintf(stderr, "t_archive: %s %s: %s\n", what, path ? path : "", strerror(errno));
	exit(99);
}

__attribute__((format(printf, 2, 3))) static void pathf(char out[PATH_MAX], const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_MAX) {
		fprintf(stderr, "t_archive: path too long\n");
		exit(99);
	}
}

static void put(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		die("create", path);
	if (len && write(fd, data, len) != (ssize_t)len)
		die("write", path);
	if (fchmod(fd, mode) != 0)
		die("chmod", path);
	close(fd);
}

static void put_str(const char *path, const char *s, mode_t mode)
{
	put(path, s, strlen(s), mode);
}

/* The whole file (NUL-terminated), or NULL. */
static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !(buf = malloc((size_t)st.st_size + 1)))
		die("read", path);
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size)
		die("read", path);
	buf[n] = '\0';
	if (len)
		*len = (size_t)n;
	return buf;
}

static int file_is(const char *path, const char *want)
{
	char *got = slurp(path, NULL);
	int same = got && strcmp(got, want) == 0;

	free(got);
	return same;
}

static void mkdir_mode(const char *path, mode_t mode)
{
	if (mkdir(path, mode) != 0 || chmod(path, mode) != 0)
		die("mkdir", path);
}

static void set_mtime(const char *path, time_t t)
{
	struct timespec ts[2] = {{t, 0}, {t, 0}};

	if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) != 0)
		die("utimensat", path);
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static void fill_random(unsigned char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rng_state ^= rng_state << 13;
		rng_state ^= rng_state >> 7;
		rng_state ^= rng_state << 17;
		buf[i] = (unsigned char)(rng_state >> 24);
	}
}

/* The SHA-256 that the system's sha256sum computes, or "". */
static void tool_sha256(const char *path, char out[ARC_SHA256_HEX])
{
	char cmd[PATH_MAX + 32];
	FILE *p;

	out[0] = '\0';
	if (snprintf(cmd, sizeof(cmd), "sha256sum '%s'", path) >= (int)sizeof(cmd))
		return;
	if (!(p = popen(cmd, "r")))
		die("popen", "sha256sum");
	if (fscanf(p, "%64s", out) != 1)
		out[0] = '\0';
	pclose(p);
}

/* 1 if cmp(1) finds the two files identical. */
static int tool_cmp(const char *a, const char *b)
{
	char cmd[2 * PATH_MAX + 32];

	if (snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", a, b) >= (int)sizeof(cmd))
		return 0;
	return system(cmd) == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted and joined with ','. */
static void list_dir(const char *path, char *out, size_t size)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char *names[64];
	size_t n = 0, off = 0;

	out[0] = '\0';
	if (!d) {
		snprintf(out, size, "(cannot open: %s)", strerror(errno));
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n < ARRAY_LEN(names) && !(names[n++] = strdup(e->d_name)))
			die("strdup", NULL);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(out + off, size - off, "%s%s", i ? "," : "", names[i]);
		if (k > 0 && (size_t)k < size - off)
			off += (size_t)k;
		free(names[i]);
	}
}

/* Everything that tells a file was touched: identity, mode, size, mtime and ctime. */
static int same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_mode == b->st_mode && a->st_size == b->st_size &&
	       a->st_nlink == b->st_nlink && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void stat_or_die(const char *path, struct stat *st)
{
	if (lstat(path, st) != 0)
		die("stat", path);
}

/* ---- callbacks -------------------------------------------------------------------------------- */

struct seen {
	struct arc_member *m;
	size_t n, cap;
};

static int on_entry(void *arg, const struct arc_member *m)
{
	struct seen *s = arg;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		if (!(s->m = realloc(s->m, s->cap * sizeof(*s->m))))
			die("realloc", NULL);
	}
	s->m[s->n++] = *m;
	return 0;
}

static const struct arc_member *find_member(const struct arc_member *m, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].name, name) == 0)
			return &m[i];
	return NULL;
}

struct progress {
	uint64_t last;
	unsigned calls;
	int not_increasing;
};

static void on_progress(void *arg, uint64_t done)
{
	struct progress *p = arg;

	if (p->calls && done <= p->last)
		p->not_increasing = 1;
	p->last = done;
	p->calls++;
}

/* ---- 1. round trip ---------------------------------------------------------------------------- */

#define BIG_SIZE (3u * MB)

/* What the archive must hold: the member, its type, its source (relative to tmp) and the mode
 * and mtime it must have after extraction (0: not checked). */
static const struct expect {
	const char *name;
	int type;
	const char *src;
	mode_t mode;
	time_t mtime;
} expect[] = {
    {"manifest.json", ARC_FILE, "manifest.json", 0600, 0},
    {"site", ARC_DIR, "src", 0755, T0 + 100},
    {"site/index.php", ARC_FILE, "src/index.php", 0640, T0 + 1},
    {"site/empty.txt", ARC_FILE, "src/empty.txt", 0640, T0 + 2},
    {"site/big.bin", ARC_FILE, "src/big.bin", 0644, T0 + 3},
    {"site/bin", ARC_DIR, "src/bin", 0755, T0 + 10},
    {"site/bin/run.sh", ARC_FILE, "src/bin/run.sh", 0755, T0 + 4},
    {"site/a", ARC_DIR, "src/a", 0755, T0 + 11},
    {"site/a/b", ARC_DIR, "src/a/b", 0750, T0 + 12},
    {"site/a/b/c", ARC_DIR, "src/a/b/c", 0700, T0 + 13},
    {"site/a/b/c/deep.txt", ARC_FILE, "src/a/b/c/deep.txt", 0600, T0 + 5},
    {"site/link", ARC_SYMLINK, "src/link", 0, 0},
    {"site/dirlink", ARC_SYMLINK, "src/dirlink", 0, 0},
    {"site/cachex.txt", ARC_FILE, "src/cachex.txt", 0644, T0 + 6},
    {"site/sites", ARC_DIR, "src/sites", 0755, T0 + 14},
    {"site/sites/default", ARC_DIR, "src/sites/default", 0555, T0 + 15},
    {"site/sites/default/files", ARC_DIR, "src/sites/default/files", 0755, T0 + 16},
    {"site/sites/default/files/x.txt", ARC_FILE, "src/sites/default/files/x.txt", 0644, T0 + 7},
    {"extra/notes.txt", ARC_FILE, "notes.txt", 0644, T0 + 8},
};

static const char *const excludes[] = {"cache", "secret.txt"};
static const char manifest[] = "{\"format\": 1, \"site\": \"example\", \"platform\": \"drupal\"}\n";

static void build_tree(void)
{
	char p[PATH_MAX];
	unsigned char *big = malloc(BIG_SIZE);

	if (!big)
		die("malloc", NULL);
	fill_random(big, BIG_SIZE);
#define P(rel) (pathf(p, "%s/%s", tmp, rel), p)
	mkdir_mode(P("src"), 0755);
	put_str(P("src/index.php"), "<?php echo 'hello';\n", 0640);
	put(P("src/empty.txt"), "", 0, 0640);
	put(P("src/big.bin"), big, BIG_SIZE, 0644);
	mkdir_mode(P("src/bin"), 0755);
	put_str(P("src/bin/run.sh"), "#!/bin/sh\necho run\n", 0755);
	mkdir_mode(P("src/a"), 0755);
	mkdir_mode(P("src/a/b"), 0750);
	mkdir_mode(P("src/a/b/c"), 0700);
	put_str(P("src/a/b/c/deep.txt"), "deep\n", 0600);
	if (symlink("a/b/c/deep.txt", P("src/link")) != 0 || symlink("a/b", P("src/dirlink")) != 0)
		die("symlink", p);
	mkdir_mode(P("src/cache"), 0755);
	put_str(P("src/cache/page.html"), "<html>cached</html>\n", 0644);
	put_str(P("src/secret.txt"), "not for backups\n", 0600);
	put_str(P("src/cachex.txt"), "kept: only the exact excluded path is left out\n", 0644);
	mkdir_mode(P("src/sites"), 0755);
	mkdir_mode(P("src/sites/default"), 0755);
	mkdir_mode(P("src/sites/default/files"), 0755);
	put_str(P("src/sites/default/files/x.txt"), "x\n", 0644);
	chmod(P("src/sites/default"), 0555); /* Drupal makes it read-only */
	put_str(P("notes.txt"), "added with arc_add_path\n", 0644);
	put_str(P("manifest.json"), manifest, 0600);
#undef P
	for (size_t i = 0; i < ARRAY_LEN(expect); i++) {
		if (!expect[i].mtime)
			continue;
		pathf(p, "%s/%s", tmp, expect[i].src);
		set_mtime(p, expect[i].mtime);
	}
	free(big);
}

/* The decoy: a directory in the working directory named like one in the archive. */
static void make_decoy(struct stat *st)
{
	char p[PATH_MAX];

	pathf(p, "%s/site", cwd);
	mkdir_mode(p, 0700);
	pathf(p, "%s/site/a", cwd);
	mkdir_mode(p, 0700);
	pathf(p, "%s/site/a/b", cwd);
	mkdir_mode(p, 0700);
	set_mtime(p, 12345);
	stat_or_die(p, st);
}

/* The names in `dir` that look like the writer's temporary files. */
static int count_tmp_files(const char *dir, mode_t *mode)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		die("opendir", dir);
	while ((e = readdir(d)) != NULL) {
		if (strstr(e->d_name, ".tmp-")) {
			char p[PATH_MAX];
			struct stat st;
			pathf(p, "%s/%s", dir, e->d_name);
			if (mode && lstat(p, &st) == 0)
				*mode = st.st_mode & 07777;
			n++;
		}
	}
	closedir(d);
	return n;
}

static void round_trip(const char *fmt, const struct stat *decoy)
{
	struct drover_error err;
	struct arc_writer *w = NULL;
	struct progress wp = {0}, rp = {0};
	struct seen seen = {0};
	struct arc_member *members = NULL;
	const struct arc_member *m;
	char dir[PATH_MAX], final[PATH_MAX], stage[PATH_MAX], src[PATH_MAX], p[PATH_MAX],
	    q[PATH_MAX], sha[ARC_SHA256_HEX], want[ARC_SHA256_HEX];
	uint64_t size = 0, content = 0;
	size_t n = 0;
	mode_t mode = 0;
	struct stat st;
	int rc, bad;

	pathf(dir, "%s/out-%s", tmp, fmt);
	mkdir_mode(dir, 0755);
	pathf(final, "%s/backup.tar.%s", dir, fmt);
	pathf(src, "%s/src", tmp);

	err_clear(&err);
	rc = arc_create(final, fmt, 3, 0, &w, &err);
	is_int(rc, 0, "%s: arc_create", fmt);
	if (rc) {
		diag("%s", err.message);
		return;
	}
	ok(count_tmp_files(dir, &mode) == 1 && !exists(final),
	   "%s: while writing, only a temporary name exists", fmt);
	is_int(mode, 0600, "%s: the temporary file has mode 0600", fmt);
	arc_set_progress(w, on_progress, &wp);

	is_int(arc_add_buffer(w, "manifest.json", manifest, strlen(manifest), &err), 0,
	       "%s: arc_add_buffer (the manifest)", fmt);
	rc = arc_add_tree(w, "site", src, excludes, ARRAY_LEN(excludes), &err);
	is_int(rc, 0, "%s: arc_add_tree with excludes", fmt);
	if (rc)
		diag("%s", err.message);
	pathf(p, "%s/notes.txt", tmp);
	is_int(arc_add_path(w, "extra/notes.txt", p, &err), 0, "%s: arc_add_path", fmt);

	/* The member list: every member, each file with the SHA-256 that sha256sum computes. */
	m = arc_members(w, &n);
	is_int(n, ARRAY_LEN(expect), "%s: arc_members lists %zu members", fmt, ARRAY_LEN(expect));
	bad = 0;
	for (size_t i = 0; i < ARRAY_LEN(expect); i++) {
		const struct arc_member *x = find_member(m, n, expect[i].name);
		if (!x || x->type != expect[i].type) {
			diag("  member %s: %s", expect[i].name, x ? "wrong type" : "missing");
			bad++;
			continue;
		}
		if (x->type != ARC_FILE) {
			if (x->sha256[0]) {
				diag("  member %s: a checksum for a non-file", x->name);
				bad++;
			}
			continue;
		}
		pathf(p, "%s/%s", tmp, expect[i].src);
		tool_sha256(p, want);
		stat_or_die(p, &st);
		content += (uint64_t)st.st_size;
		if (strcmp(x->sha256, want) != 0 || x->size != (uint64_t)st.st_size) {
			diag("  member %s: sha256 %s size %llu; sha256sum says %s, size %lld",
			     x->name, x->sha256, (unsigned long long)x->size, want,
			     (long long)st.st_size);
			bad++;
		}
	}
	is_int(bad, 0, "%s: every member has its type, size and the SHA-256 of sha256sum", fmt);
	ok(!find_member(m, n, "site/cache") && !find_member(m, n, "site/cache/page.html") &&
	       !find_member(m, n, "site/secret.txt"),
	   "%s: the excluded directory and file are not members", fmt);
	if (!(members = malloc((n ? n : 1) * sizeof(*members))))
		die("malloc", NULL);
	memcpy(members, m, n * sizeof(*members)); /* borrowed until arc_finish */

	rc = arc_finish(w, &size, sha, &err);
	is_int(rc, 0, "%s: arc_finish", fmt);
	if (rc)
		diag("%s", err.message);
	tool_sha256(final, want);
	is_str(sha, want, "%s: arc_finish's SHA-256 is sha256sum's", fmt);
	stat_or_die(final, &st);
	is_int(size, st.st_size, "%s: arc_finish's size is the file's", fmt);
	is_int(st.st_mode & 07777, 0600, "%s: the archive has mode 0600", fmt);
	is_int(count_tmp_files(dir, NULL), 0, "%s: no *.tmp-* left", fmt);
	ok(wp.calls > 1 && !wp.not_increasing, "%s: writer progress: %u calls, increasing", fmt,
	   wp.calls);
	is_int(wp.last, content, "%s: writer progress ends at the content size", fmt);

	/* Extraction into an empty staging directory. */
	pathf(stage, "%s/stage-%s", tmp, fmt);
	mkdir_mode(stage, 0700);
	err_clear(&err);
	rc = arc_extract(final, stage, NULL, on_entry, &seen, on_progress, &rp, NULL, &err);
	is_int(rc, 0, "%s: arc_extract", fmt);
	if (rc)
		diag("%s", err.message);
	is_int(seen.n, n, "%s: the callback sees every member", fmt);
	bad = 0;
	for (size_t i = 0; i < n; i++) {
		const struct arc_member *x = find_member(seen.m, seen.n, members[i].name);
		if (!x || x->type != members[i].type || strcmp(x->sha256, members[i].sha256) != 0 ||
		    (x->type == ARC_FILE && x->size != members[i].size)) {
			diag("  %s: extracted as %s, sha256 %s; written %s", members[i].name,
			     x ? "seen" : "missing", x ? x->sha256 : "-", members[i].sha256);
			bad++;
		}
	}
	is_int(bad, 0, "%s: the callback's SHA-256 of each file is the writer's", fmt);
	ok(rp.calls > 1 && !rp.not_increasing, "%s: extract progress: %u calls, increasing", fmt,
	   rp.calls);
	is_int(rp.last, content, "%s: extract progress ends at the content size", fmt);

	bad = 0;
	for (size_t i = 0; i < ARRAY_LEN(expect); i++) {
		if (expect[i].type != ARC_FILE)
			continue;
		pathf(p, "%s/%s", tmp, expect[i].src);
		pathf(q, "%s/%s", stage, expect[i].name);
		if (!tool_cmp(p, q)) {
			diag("  %s differs from its source (cmp)", expect[i].name);
			bad++;
		}
	}
	is_int(bad, 0, "%s: every file is byte-identical (cmp)", fmt);

	bad = 0;
	for (size_t i = 0; i < ARRAY_LEN(expect); i++) {
		if (!expect[i].mode)
			continue;
		pathf(q, "%s/%s", stage, expect[i].name);
		if (lstat(q, &st) != 0 || (st.st_mode & 07777) != expect[i].mode) {
			diag("  %s: mode %04o, want %04o", expect[i].name,
			     (unsigned)(st.st_mode & 07777), (unsigned)expect[i].mode);
			bad++;
		}
	}
	is_int(bad, 0, "%s: modes are kept (files and directories)", fmt);

	bad = 0;
	for (size_t i = 0; i < ARRAY_LEN(expect); i++) {
		if (!expect[i].mtime)
			continue;
		pathf(q, "%s/%s", stage, expect[i].name);
		if (lstat(q, &st) != 0 || st.st_mtim.tv_sec != expect[i].mtime) {
			diag("  %s: mtime %lld, want %lld", expect[i].name,
			     (long long)st.st_mtim.tv_sec, (long long)expect[i].mtime);
			bad++;
		}
	}
	is_int(bad, 0, "%s: mtimes are kept (files and directories)", fmt);

	{
		char link[PATH_MAX];
		ssize_t k;

		pathf(q, "%s/site/link", stage);
		k = readlink(q, link, sizeof(link) - 1);
		link[k > 0 ? k : 0] = '\0';
		is_str(link, "a/b/c/deep.txt", "%s: the symlink is preserved", fmt);
		pathf(q, "%s/site/dirlink", stage);
		k = readlink(q, link, sizeof(link) - 1);
		link[k > 0 ? k : 0] = '\0';
		is_str(link, "a/b", "%s: the symlink to a directory is preserved, not followed",
		       fmt);
	}
	pathf(p, "%s/site/cache", stage);
	pathf(q, "%s/site/secret.txt", stage);
	ok(!exists(p) && !exists(q), "%s: the excluded directory and file are absent", fmt);

	/* libarchive fixes directories' modes and times when the extraction ends, by relative
	 * path: that must happen in the staging directory, not in the caller's. */
	pathf(p, "%s/site/a/b", cwd);
	stat_or_die(p, &st);
	ok(same_stat(&st, decoy),
	   "%s: a same-named directory in the working directory is untouched", fmt);
	if (!getcwd(p, sizeof(p)))
		die("getcwd", NULL);
	is_str(p, cwd, "%s: arc_extract returns to the working directory", fmt);

	free(seen.m);
	free(members);
}

/* A site root that is a symlink (a deployment's "current" link) is archived as the directory
 * it names, so that the files below it can be extracted. */
static void test_symlinked_root(void)
{
	struct drover_error err;
	struct arc_writer *w = NULL;
	char link[PATH_MAX], final[PATH_MAX], stage[PATH_MAX], p[PATH_MAX], q[PATH_MAX];
	const struct arc_member *m;
	struct stat st;
	size_t n = 0;
	int rc;

	pathf(link, "%s/current", tmp);
	if (symlink("src", link) != 0)
		die("symlink", link);
	pathf(final, "%s/out-zst/current.tar.gz", tmp);
	err_clear(&err);
	rc = arc_create(final, "gz", 1, 0, &w, &err);
	is_int(rc, 0, "symlinked root: arc_create");
	if (rc)
		return;
	rc = arc_add_tree(w, "site", link, excludes, ARRAY_LEN(excludes), &err);
	is_int(rc, 0, "symlinked root: arc_add_tree");
	m = arc_members(w, &n);
	ok(n > 0 && strcmp(m[0].name, "site") == 0 && m[0].type == ARC_DIR,
	   "symlinked root: the root member is a directory");
	is_int(arc_finish(w, NULL, p, &err), 0, "symlinked root: arc_finish");
	pathf(stage, "%s/stage-current", tmp);
	mkdir_mode(stage, 0700);
	err_clear(&err);
	rc = arc_extract(final, stage, NULL, NULL, NULL, NULL, NULL, NULL, &err);
	is_int(rc, 0, "symlinked root: the archive extracts");
	if (rc)
		diag("%s", err.message);
	pathf(p, "%s/src/index.php", tmp);
	pathf(q, "%s/site/index.php", stage);
	ok(tool_cmp(p, q), "symlinked root: the files are below the root");
	pathf(q, "%s/site", stage);
	ok(lstat(q, &st) == 0 && S_ISDIR(st.st_mode), "symlinked root: extracted as a directory");
}

static void test_abort_and_create(void)
{
	struct drover_error err;
	struct arc_writer *w = NULL;
	char dir[PATH_MAX], final[PATH_MAX], p[PATH_MAX];
	int rc;

	pathf(dir, "%s/out-abort", tmp);
	mkdir_mode(dir, 0755);
	pathf(final, "%s/aborted.tar.zst", dir);
	err_clear(&err);
	rc = arc_create(final, "zst", 3, 1, &w, &err);
	is_int(rc, 0, "abort: arc_create");
	if (rc)
		return;
	is_int(arc_add_buffer(w, "manifest.json", manifest, strlen(manifest), &err), 0,
	       "abort: a member is written");
	is_int(count_tmp_files(dir, NULL), 1, "abort: the temporary file exists while writing");
	arc_abort(w);
	ok(!exists(final), "abort: arc_abort leaves no archive");
	is_int(count_tmp_files(dir, NULL), 0, "abort: arc_abort leaves no temporary file");

	pathf(p, "%s/no/such/dir/x.tar.gz", tmp);
	err_clear(&err);
	w = (struct arc_writer *)&err; /* must be reset to NULL */
	rc = arc_create(p, "gz", 6, 0, &w, &err);
	is_int(rc, DROVER_E_IO, "create: a missing directory is DROVER_E_IO");
	ok(w == NULL, "create: *out is NULL on failure");
	like(err.message, "cannot create the archive", "create: the message says what failed");
}

/*
 * A final path of PATH_MAX - 1 bytes fits, but its temporary name does not: arc_create must
 * refuse it and leave whatever already has that name alone.
 */
static void test_create_long_path(void)
{
	struct drover_error err;
	struct arc_writer *w = NULL;
	char path[PATH_MAX], seg[201];
	size_t len = strlen(tmp);
	int rc;

	memset(seg, 'd', 200);
	seg[200] = '\0';
	pathf(path, "%s", tmp);
	while (PATH_MAX - 2 - len > 255) {
		pathf(path + len, "/%s", seg);
		len += 201;
		mkdir_mode(path, 0755);
	}
	path[len] = '/';
	memset(path + len + 1, 'f', PATH_MAX - 2 - len);
	path[PATH_MAX - 1] = '\0';
	if (strlen(path) != PATH_MAX - 1)
		die("long path", NULL);
	put_str(path, "an earlier backup\n", 0600);
	err_clear(&err);
	rc = arc_create(path, "zst", 3, 1, &w, &err);
	is_int(rc, DROVER_E_RANGE,
	       "create: a final path with no room for the temporary suffix is RANGE");
	if (rc == 0)
		arc_abort(w);
	ok(file_is(path, "an earlier backup\n"),
	   "create: the refused call leaves the existing file with that name alone");
}

/* ---- 2. hostile archives ---------------------------------------------------------------------- */

/* A scene: staging at D/stage, a canary in D and one in D's parent P. */
struct scene {
	int n;
	char p[PATH_MAX], d[PATH_MAX], stage[PATH_MAX], cp[PATH_MAX], cd[PATH_MAX], arc[PATH_MAX];
	struct stat sp, sd, scp, scd;
};

static void scene_new(struct scene *s, int n, const char *ext)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	pathf(s->p, "%s/h%02d", tmp, n);
	pathf(s->d, "%s/d", s->p);
	pathf(s->stage, "%s/stage", s->d);
	pathf(s->cp, "%s/canary-p", s->p);
	pathf(s->cd, "%s/canary-d", s->d);
	pathf(s->arc, "%s/c%02d.%s", arcs, n, ext);
	mkdir_mode(s->p, 0755);
	mkdir_mode(s->d, 0755);
	mkdir_mode(s->stage, 0700);
	put_str(s->cp, "parent canary\n", 0644);
	put_str(s->cd, "D canary\n", 0644);
	stat_or_die(s->p, &s->sp);
	stat_or_die(s->d, &s->sd);
	stat_or_die(s->cp, &s->scp);
	stat_or_die(s->cd, &s->scd);
}

/* Nothing was written outside the staging directory. */
static void scene_check(const struct scene *s, const char *label, const char *const *aims,
                        size_t n_aims)
{
	char got[1024];
	struct stat a, b, c, d;
	int missing = 1;

	list_dir(s->p, got, sizeof(got));
	is_str(got, "canary-p,d", "%s: D's parent holds only D and its canary", label);
	list_dir(s->d, got, sizeof(got));
	is_str(got, "canary-d,stage", "%s: D holds only stage and its canary", label);
	stat_or_die(s->p, &a);
	stat_or_die(s->d, &b);
	stat_or_die(s->cp, &c);
	stat_or_die(s->cd, &d);
	ok(same_stat(&a, &s->sp) && same_stat(&b, &s->sd) && same_stat(&c, &s->scp) &&
	       same_stat(&d, &s->scd) && file_is(s->cp, "parent canary\n") &&
	       file_is(s->cd, "D canary\n"),
	   "%s: canaries, D and its parent unchanged", label);
	for (size_t i = 0; i < n_aims; i++) {
		if (exists(aims[i])) {
			diag("  %s exists", aims[i]);
			missing = 0;
		}
	}
	if (n_aims)
		ok(missing, "%s: nothing where the attack aimed", label);
}

static int one_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20)
			return 0;
	return 1;
}

/* arc_extract must refuse the scene's archive, naming `rule`, and write nothing outside. */
static void expect_refused(const struct scene *s, const char *label, const struct arc_limits *lim,
                           const char *rule, const char *const *aims, size_t n_aims)
{
	struct drover_error err;
	int rc;

	err_clear(&err);
	rc = arc_extract(s->arc, s->stage, lim, NULL, NULL, NULL, NULL, NULL, &err);
	ok(rc != 0, "%s: refused", label);
	like(err.message, rule, "%s: the message names the rule", label);
	ok(one_line(err.message), "%s: the message is one line of printable text", label);
	diag("c%02d %s: [%d] %s", s->n, label, rc, err.message);
	scene_check(s, label, aims, n_aims);
}

/* ---- crafting --------------------------------------------------------------------------------- */

static struct archive *cr_open(const char *path, const char *filter)
{
	struct archive *a = archive_write_new();

	if (!a)
		die("archive_write_new", NULL);
	archive_write_set_format_pax_restricted(a);
	if (filter && strcmp(filter, "zstd") == 0)
		archive_write_add_filter_zstd(a);
	else if (filter && strcmp(filter, "gzip") == 0)
		archive_write_add_filter_gzip(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_filename(a, path) != ARCHIVE_OK) {
		fprintf(stderr, "t_archive: cannot craft %s: %s\n", path, archive_error_string(a));
		exit(99);
	}
	return a;
}

static void cr_check(struct archive *a, int r, const char *name)
{
	if (r != ARCHIVE_OK) {
		fprintf(stderr, "t_archive: cannot craft entry '%s': %s\n", name,
		        archive_error_string(a));
		exit(99);
	}
}

/* One entry: a file with `data`, a directory, a symlink to `link`, a device, a FIFO. */
static void cr_add(struct archive *a, const char *name, unsigned type, unsigned perm,
                   const char *link, const void *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();

	if (!e)
		die("archive_entry_new", NULL);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_mtime(e, T0, 0);
	if (type == AE_IFLNK)
		archive_entry_set_symlink(e, link);
	if (type == AE_IFCHR)
		archive_entry_set_rdev(e, makedev(1, 3));
	if (type == AE_IFBLK)
		archive_entry_set_rdev(e, makedev(7, 0));
	archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)len : 0);
	cr_check(a, archive_write_header(a, e), name);
	if (type == AE_IFREG && len && archive_write_data(a, data, len) != (la_ssize_t)len)
		cr_check(a, ARCHIVE_FATAL, name);
	archive_entry_free(e);
}

static void cr_file(struct archive *a, const char *name, const char *text)
{
	cr_add(a, name, AE_IFREG, 0644, NULL, text, strlen(text));
}

static void cr_hardlink(struct archive *a, const char *name, const char *target)
{
	struct archive_entry *e = archive_entry_new();

	if (!e)
		die("archive_entry_new", NULL);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_hardlink(e, target);
	archive_entry_set_size(e, 0);
	cr_check(a, archive_write_header(a, e), name);
	archive_entry_free(e);
}

/* A file of `len` bytes: zeros, or random bytes. */
static void cr_big(struct archive *a, const char *name, size_t len, int zeros)
{
	struct archive_entry *e = archive_entry_new();
	unsigned char *buf = calloc(1, MB);

	if (!e || !buf)
		die("alloc", NULL);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	cr_check(a, archive_write_header(a, e), name);
	for (size_t done = 0; done < len;) {
		size_t k = len - done < MB ? len - done : MB;
		if (!zeros)
			fill_random(buf, k);
		if (archive_write_data(a, buf, k) != (la_ssize_t)k)
			cr_check(a, ARCHIVE_FATAL, name);
		done += k;
	}
	archive_entry_free(e);
	free(buf);
}

static void cr_close(struct archive *a)
{
	if (archive_write_close(a) != ARCHIVE_OK) {
		fprintf(stderr, "t_archive: cannot finish a crafted archive: %s\n",
		        archive_error_string(a));
		exit(99);
	}
	archive_write_free(a);
}

/* An archive in another format than tar, holding one small file. */
static void cr_other_format(const char *path, const char *format)
{
	struct archive *a = archive_write_new();

	if (!a)
		die("archive_write_new", NULL);
	if (strcmp(format, "zip") == 0)
		archive_write_set_format_zip(a);
	else if (strcmp(format, "cpio") == 0)
		archive_write_set_format_cpio_newc(a);
	else
		archive_write_set_format_iso9660(a);
	if (archive_write_open_filename(a, path) != ARCHIVE_OK) {
		fprintf(stderr, "t_archive: cannot craft %s: %s\n", path, archive_error_string(a));
		exit(99);
	}
	cr_file(a, "payload.txt", "not a tar\n");
	cr_close(a);
}

static void truncate_half(const char *path)
{
	struct stat st;

	stat_or_die(path, &st);
	if (truncate(path, st.st_size / 2) != 0)
		die("truncate", path);
}

/* Apply `fn` to the bytes of a file. */
static void patch(const char *path, void (*fn)(unsigned char *buf, size_t *len))
{
	size_t len;
	unsigned char *buf = (unsigned char *)slurp(path, &len);

	if (!buf)
		die("read", path);
	fn(buf, &len);
	put(path, buf, len, 0644);
	free(buf);
}

static void flip_crc(unsigned char *buf, size_t *len)
{
	buf[*len - 8] ^= 0xff; /* the CRC-32 of the trailer */
}

static void cut_isize(unsigned char *buf, size_t *len)
{
	*len -= 4; /* the trailer's ISIZE */
}

static void flip_deflate(unsigned char *buf, size_t *len)
{
	for (size_t i = 12; i < 24 && i < *len; i++) /* just past the 10-byte header */
		buf[i] ^= 0x5a;
}

/* ---- the corpus ------------------------------------------------------------------------------- */

#define REFUSED(s, label, lim, rule, ...)                                     \
	do {                                                                  \
		const char *const aims_[] = {__VA_ARGS__};                    \
		expect_refused(s, label, lim, rule, aims_, ARRAY_LEN(aims_)); \
	} while (0)

static void test_hostile(void)
{
	struct scene s;
	struct archive *a;
	char aim[PATH_MAX], aim2[PATH_MAX], name[PATH_MAX], path[PATH_MAX];
	struct arc_limits lim;
	int n = 0;

	/* Paths. */
	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/escaped-%02d", s.d, s.n);
	a = cr_open(s.arc, NULL);
	cr_file(a, aim, "absolute\n");
	cr_close(a);
	REFUSED(&s, "absolute path", NULL, "has an absolute path", aim);

	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/escaped-%02d", s.d, s.n);
	pathf(name, "../escaped-%02d", s.n);
	a = cr_open(s.arc, NULL);
	cr_file(a, name, "dotdot\n");
	cr_close(a);
	REFUSED(&s, "../x", NULL, "'..' component", aim);

	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/escaped-%02d", s.p, s.n);
	pathf(name, "a/../../../escaped-%02d", s.n);
	a = cr_open(s.arc, NULL);
	cr_add(a, "a", AE_IFDIR, 0755, NULL, NULL, 0);
	cr_file(a, name, "dotdot\n");
	cr_close(a);
	REFUSED(&s, "a/../../x", NULL, "'..' component", aim);

	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/escaped-%02d", s.d, s.n);
	pathf(name, "a/./../../escaped-%02d", s.n);
	a = cr_open(s.arc, NULL);
	cr_file(a, name, "dotdot\n");
	cr_close(a);
	REFUSED(&s, "a/./../x", NULL, "'..' component", aim);

	/* Symlinks. */
	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/escaped-%02d", s.d, s.n);
	a = cr_open(s.arc, NULL);
	cr_add(a, "abs", AE_IFLNK, 0777, s.d, NULL, 0);
	pathf(name, "abs/escaped-%02d", s.n);
	cr_file(a, name, "through an absolute symlink\n");
	cr_close(a);
	REFUSED(&s, "symlink to an absolute path", NULL, "symlink that leaves the tree", aim);

	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/escaped-%02d", s.p, s.n);
	a = cr_open(s.arc, NULL);
	cr_add(a, "up", AE_IFLNK, 0777, "../..", NULL, 0);
	pathf(name, "up/escaped-%02d", s.n);
	cr_file(a, name, "through ../..\n");
	cr_close(a);
	REFUSED(&s, "symlink ../../x", NULL, "symlink that leaves the tree", aim);

	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/escaped-%02d", s.p, s.n);
	pathf(name, "../../../../escaped-%02d", s.n);
	a = cr_open(s.arc, NULL);
	cr_add(a, "a", AE_IFDIR, 0755, NULL, NULL, 0);
	cr_add(a, "a/b", AE_IFDIR, 0755, NULL, NULL, 0);
	cr_add(a, "a/b/c", AE_IFLNK, 0777, name, NULL, 0);
	cr_close(a);
	REFUSED(&s, "deep symlink a/b/c -> ../../../../x", NULL, "symlink that leaves the tree",
	        aim);

	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/real/escaped-%02d", s.stage, s.n);
	pathf(name, "lnk/escaped-%02d", s.n);
	a = cr_open(s.arc, NULL);
	cr_add(a, "real", AE_IFDIR, 0755, NULL, NULL, 0);
	cr_add(a, "lnk", AE_IFLNK, 0777, "real", NULL, 0);
	cr_file(a, name, "through an in-tree symlink\n");
	cr_close(a);
	REFUSED(&s, "a file written through an in-tree symlink", NULL, "symlink", aim);

	scene_new(&s, ++n, "tar");
	a = cr_open(s.arc, NULL);
	cr_file(a, "target.txt", "original\n");
	cr_add(a, "victim", AE_IFLNK, 0777, "target.txt", NULL, 0);
	cr_file(a, "victim", "written through the link\n");
	cr_close(a);
	REFUSED(&s, "a symlink named like a later file", NULL, "'victim'");
	pathf(path, "%s/target.txt", s.stage);
	ok(file_is(path, "original\n"), "a symlink named like a later file: its target is intact");

	/* Links the extractor does not create at all. */
	scene_new(&s, ++n, "tar");
	a = cr_open(s.arc, NULL);
	cr_hardlink(a, "hard", s.cd);
	cr_close(a);
	REFUSED(&s, "hard link to an absolute path", NULL, "is a hard link");

	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/hard", s.stage);
	a = cr_open(s.arc, NULL);
	cr_file(a, "orig.txt", "original\n");
	cr_hardlink(a, "hard", "orig.txt");
	cr_close(a);
	REFUSED(&s, "hard link to an in-archive file", NULL, "is a hard link", aim);

	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/null", s.stage);
	a = cr_open(s.arc, NULL);
	cr_add(a, "null", AE_IFCHR, 0666, NULL, NULL, 0);
	cr_close(a);
	REFUSED(&s, "character device", NULL, "is a device", aim);

	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/loop0", s.stage);
	a = cr_open(s.arc, NULL);
	cr_add(a, "loop0", AE_IFBLK, 0660, NULL, NULL, 0);
	cr_close(a);
	REFUSED(&s, "block device", NULL, "is a device", aim);

	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/fifo", s.stage);
	a = cr_open(s.arc, NULL);
	cr_add(a, "fifo", AE_IFIFO, 0644, NULL, NULL, 0);
	cr_close(a);
	REFUSED(&s, "FIFO", NULL, "FIFO", aim);

	/* Names. */
	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/bad\nname", s.stage);
	a = cr_open(s.arc, NULL);
	cr_file(a, "bad\nname", "x\n");
	cr_close(a);
	REFUSED(&s, "name with a newline", NULL, "control character", aim);

	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/bad\x01name", s.stage);
	a = cr_open(s.arc, NULL);
	cr_file(a, "bad\x01name", "x\n");
	cr_close(a);
	REFUSED(&s, "name with \\x01", NULL, "control character", aim);

	scene_new(&s, ++n, "tar");
	{
		size_t k = 0;
		while (k + 101 < arc_default_limits.max_name + 100) { /* 100-byte components */
			memset(name + k, 'n', 100);
			name[k + 100] = '/';
			k += 101;
		}
		pathf(name + k, "end");
		is_int(strlen(name) > arc_default_limits.max_name, 1,
		       "the long name (%zu bytes) exceeds max_name", strlen(name));
	}
	a = cr_open(s.arc, NULL);
	cr_file(a, name, "x\n");
	cr_close(a);
	REFUSED(&s, "name longer than max_name", NULL, "longer than the limit");

	scene_new(&s, ++n, "tar");
	memset(name, 'c', 300);
	name[300] = '\0';
	a = cr_open(s.arc, NULL);
	cr_file(a, name, "x\n");
	cr_close(a);
	REFUSED(&s, "component longer than 255 bytes", NULL, "component longer than 255");

	scene_new(&s, ++n, "tar");
	a = cr_open(s.arc, NULL);
	cr_file(a, "", "nameless\n");
	cr_close(a);
	REFUSED(&s, "empty name", NULL, "empty name");

	/* Limits. */
	scene_new(&s, ++n, "tar");
	a = cr_open(s.arc, NULL);
	for (int i = 0; i < 10; i++) {
		pathf(name, "f%d", i);
		cr_file(a, name, "x\n");
	}
	cr_close(a);
	lim = arc_default_limits;
	lim.max_entries = 3;
	REFUSED(&s, "more entries than max_entries", &lim, "limit on the number of entries");

	scene_new(&s, ++n, "tar");
	a = cr_open(s.arc, NULL);
	cr_big(a, "big", 4096, 0);
	cr_close(a);
	lim = arc_default_limits;
	lim.max_bytes = 1000;
	REFUSED(&s, "more bytes than max_bytes", &lim, "past the size limit");

	scene_new(&s, ++n, "tar.zst");
	a = cr_open(s.arc, "zstd");
	cr_big(a, "zeros", 40u * MB, 1);
	cr_close(a);
	{
		struct stat st;
		stat_or_die(s.arc, &st);
		diag("the bomb: 40 MiB of zeros in %lld bytes", (long long)st.st_size);
	}
	REFUSED(&s, "zstd bomb", NULL, "compression ratio");
	{
		struct stat st;
		pathf(path, "%s/zeros", s.stage);
		/* libarchive extends the refused file to its declared size when it closes (a
		 * hole): count the blocks really written. */
		ok(lstat(path, &st) != 0 || st.st_blocks * 512 < 20 * (off_t)MB,
		   "zstd bomb: the extraction stopped early");
	}

	/* Damaged and foreign files. */
	scene_new(&s, ++n, "tar.zst");
	a = cr_open(s.arc, "zstd");
	cr_file(a, "first.txt", "first\n");
	cr_big(a, "random.bin", 2 * MB, 0);
	cr_file(a, "last.txt", "last\n");
	cr_close(a);
	truncate_half(s.arc);
	REFUSED(&s, "truncated .tar.zst", NULL, "truncated or damaged");

	scene_new(&s, ++n, "tar.gz");
	a = cr_open(s.arc, "gzip");
	cr_file(a, "first.txt", "first\n");
	cr_big(a, "random.bin", 2 * MB, 0);
	cr_file(a, "last.txt", "last\n");
	cr_close(a);
	truncate_half(s.arc);
	REFUSED(&s, "truncated .tar.gz", NULL, "truncated or damaged");

	scene_new(&s, ++n, "zip");
	cr_other_format(s.arc, "zip");
	REFUSED(&s, "zip archive", NULL, "not a readable tar archive");

	scene_new(&s, ++n, "cpio");
	cr_other_format(s.arc, "cpio");
	REFUSED(&s, "cpio archive", NULL, "not a readable tar archive");

	scene_new(&s, ++n, "iso");
	cr_other_format(s.arc, "iso");
	REFUSED(&s, "ISO 9660 image", NULL, "not a readable tar archive");

	scene_new(&s, ++n, "tar.zst");
	{
		unsigned char junk[65536];
		fill_random(junk, sizeof(junk));
		put(s.arc, junk, sizeof(junk), 0644);
	}
	REFUSED(&s, "raw garbage named .tar.zst", NULL, "not a readable tar archive");

	scene_new(&s, ++n, "tar.gz");
	a = cr_open(s.arc, "gzip");
	cr_file(a, "index.php", "<?php echo 'a page that compresses well, well, well';\n");
	cr_close(a);
	patch(s.arc, flip_deflate);
	REFUSED(&s, "gzip with corrupted deflate data", NULL, "gzip decompression failed");

	scene_new(&s, ++n, "tar.gz");
	a = cr_open(s.arc, "gzip");
	cr_file(a, "index.php", "<?php echo 'hello';\n");
	cr_close(a);
	patch(s.arc, cut_isize);
	REFUSED(&s, "gzip with a truncated trailer", NULL, "not a readable tar archive");

	/*
	 * A flipped CRC-32 in the trailer: libarchive 3.6 does not verify it ("XXX TODO: Verify the
	 * length and CRC" in archive_read_support_filter_gzip.c), so the content comes out intact
	 * and the per-member SHA-256 is what protects a restore. Either outcome is acceptable;
	 * silently different content is not.
	 */
	scene_new(&s, ++n, "tar.gz");
	a = cr_open(s.arc, "gzip");
	cr_file(a, "index.php", "<?php echo 'hello';\n");
	cr_close(a);
	patch(s.arc, flip_crc);
	{
		struct drover_error err;
		struct seen seen = {0};
		int rc;

		err_clear(&err);
		rc = arc_extract(s.arc, s.stage, NULL, on_entry, &seen, NULL, NULL, NULL, &err);
		diag("c%02d gzip with a corrupted CRC-32: [%d] %s", s.n, rc,
		     rc ? err.message : "accepted (libarchive does not check the gzip CRC)");
		char want[ARC_SHA256_HEX];

		pathf(path, "%s/crc-reference.php", tmp);
		put_str(path, "<?php echo 'hello';\n", 0644);
		tool_sha256(path, want);
		pathf(aim, "%s/index.php", s.stage);
		ok(rc != 0 ||
		       (seen.n == 1 && strcmp(seen.m[0].sha256, want) == 0 && tool_cmp(path, aim)),
		   "gzip with a corrupted CRC-32: refused, or the content and its SHA-256 intact");
		free(seen.m);
		scene_check(&s, "gzip with a corrupted CRC-32", NULL, 0);
	}

	/* Overwrites. */
	scene_new(&s, ++n, "tar");
	a = cr_open(s.arc, NULL);
	cr_file(a, "dup.txt", "first\n");
	cr_file(a, "dup.txt", "second, and longer\n");
	cr_close(a);
	REFUSED(&s, "the same file twice", NULL, "'dup.txt'");
	pathf(path, "%s/dup.txt", s.stage);
	ok(file_is(path, "first\n"), "the same file twice: the first is not overwritten");

	scene_new(&s, ++n, "tar");
	a = cr_open(s.arc, NULL);
	cr_file(a, "dup0.txt", "first\n");
	cr_file(a, "dup0.txt", "");
	cr_close(a);
	REFUSED(&s, "the same file twice, the second empty", NULL, "'dup0.txt'");
	pathf(path, "%s/dup0.txt", s.stage);
	ok(file_is(path, "first\n"), "the same file twice, the second empty: first kept");

	/* Symlinks whose escape a per-component count misses. */
	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/escaped-%02d", s.d, s.n);
	pathf(name, "../escaped-%02d", s.n);
	a = cr_open(s.arc, NULL);
	cr_add(a, "./up", AE_IFLNK, 0777, name, NULL, 0);
	cr_close(a);
	REFUSED(&s, "symlink ./up -> ../x", NULL, "symlink that leaves the tree", aim);

	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/escaped-%02d", s.d, s.n);
	pathf(name, "../../../escaped-%02d", s.n);
	a = cr_open(s.arc, NULL);
	cr_add(a, "a", AE_IFDIR, 0755, NULL, NULL, 0);
	cr_add(a, "a/b", AE_IFDIR, 0755, NULL, NULL, 0);
	cr_add(a, "a//b/l", AE_IFLNK, 0777, name, NULL, 0);
	cr_close(a);
	REFUSED(&s, "symlink a//b/l -> ../../../x", NULL, "symlink that leaves the tree", aim);

	/* s -> ../.. stays inside, but t -> d1/d2/s/../x resolves through it to D/x. */
	scene_new(&s, ++n, "tar");
	pathf(aim, "%s/escaped-%02d", s.d, s.n);
	pathf(name, "d1/d2/s/../escaped-%02d", s.n);
	pathf(aim2, "%s/t/../escaped-%02d", s.stage, s.n);
	a = cr_open(s.arc, NULL);
	cr_add(a, "d1", AE_IFDIR, 0755, NULL, NULL, 0);
	cr_add(a, "d1/d2", AE_IFDIR, 0755, NULL, NULL, 0);
	cr_add(a, "d1/d2/s", AE_IFLNK, 0777, "../..", NULL, 0);
	cr_add(a, "t", AE_IFLNK, 0777, name, NULL, 0);
	cr_close(a);
	REFUSED(&s, "symlink through an in-tree symlink: t -> d1/d2/s/../x", NULL,
	        "symlink that leaves the tree", aim);
	pathf(path, "%s/t", s.stage);
	ok(!exists(path), "t -> d1/d2/s/../x: the escaping link is not created");

	/* Not refused, but tamed: no setuid/setgid, no group or other write. */
	scene_new(&s, ++n, "tar");
	a = cr_open(s.arc, NULL);
	cr_add(a, "suid", AE_IFREG, 04777, NULL, "#!/bin/sh\n", 10);
	cr_add(a, "sgid", AE_IFREG, 02775, NULL, "#!/bin/sh\n", 10);
	cr_add(a, "wdir", AE_IFDIR, 0777, NULL, NULL, 0);
	cr_add(a, "wdir/f", AE_IFREG, 0666, NULL, "w\n", 2);
	cr_add(a, "sticky", AE_IFDIR, 01777, NULL, NULL, 0);
	cr_close(a);
	{
		struct drover_error err;
		struct stat st;
		static const struct {
			const char *name;
			mode_t mode;
		} want[] = {{"suid", 0755},
		            {"sgid", 0755},
		            {"wdir", 0755},
		            {"wdir/f", 0644},
		            {"sticky", 0755}};
		int rc;

		err_clear(&err);
		rc = arc_extract(s.arc, s.stage, NULL, NULL, NULL, NULL, NULL, NULL, &err);
		is_int(rc, 0, "setuid and world-writable entries are extracted");
		if (rc)
			diag("%s", err.message);
		for (size_t i = 0; i < ARRAY_LEN(want); i++) {
			pathf(path, "%s/%s", s.stage, want[i].name);
			if (lstat(path, &st) != 0)
				st.st_mode = 0;
			is_int(st.st_mode & 07777, want[i].mode, "%s: extracted with mode %04o",
			       want[i].name, (unsigned)want[i].mode);
		}
		scene_check(&s, "setuid and world-writable", NULL, 0);
	}
	diag("%d hostile archives", n);
}

static void test_extract_errors(void)
{
	struct drover_error err;
	char p[PATH_MAX], stage[PATH_MAX];

	pathf(p, "%s/no-such.tar.zst", tmp);
	pathf(stage, "%s/stage-zst", tmp);
	err_clear(&err);
	is_int(arc_extract(p, stage, NULL, NULL, NULL, NULL, NULL, NULL, &err), DROVER_E_NOTFOUND,
	       "extract: a missing archive is NOTFOUND");
	like(err.message, "cannot read the archive", "extract: the message says so");

	pathf(p, "%s/out-zst/backup.tar.zst", tmp);
	pathf(stage, "%s/no-such-stage", tmp);
	err_clear(&err);
	is_int(arc_extract(p, stage, NULL, NULL, NULL, NULL, NULL, NULL, &err), DROVER_E_IO,
	       "extract: a missing staging directory is DROVER_E_IO");
	like(err.message, "staging directory", "extract: the message names the staging directory");
}

/* ---- 3. arc_sha256_file ----------------------------------------------------------------------- */

static void test_sha256_file(void)
{
	struct drover_error err;
	char p[PATH_MAX], sha[ARC_SHA256_HEX], want[ARC_SHA256_HEX];
	uint64_t size = 0;

	pathf(p, "%s/abc.txt", tmp);
	put_str(p, "abc", 0644);
	err_clear(&err);
	is_int(arc_sha256_file(p, sha, &size, &err), 0, "sha256: a known string");
	is_str(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "sha256: the FIPS 180-2 value of \"abc\"");
	tool_sha256(p, want);
	is_str(sha, want, "sha256: matches sha256sum");
	is_int(size, 3, "sha256: the size");

	pathf(p, "%s/src/big.bin", tmp);
	is_int(arc_sha256_file(p, sha, &size, &err), 0, "sha256: a 3 MiB file (several chunks)");
	tool_sha256(p, want);
	is_str(sha, want, "sha256: 3 MiB matches sha256sum");
	is_int(size, BIG_SIZE, "sha256: 3 MiB size");

	pathf(p, "%s/src/empty.txt", tmp);
	is_int(arc_sha256_file(p, sha, NULL, &err), 0, "sha256: an empty file, no size wanted");
	is_str(sha, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	       "sha256: the empty file");

	pathf(p, "%s/no-such-file", tmp);
	err_clear(&err);
	is_int(arc_sha256_file(p, sha, &size, &err), DROVER_E_IO, "sha256: a missing file is IO");
	like(err.message, "cannot read", "sha256: the message says what failed");
	like(err.message, "No such file", "sha256: the message gives the reason");
	is_str(err.where, p, "sha256: the error names the file");
}

int main(void)
{
	struct stat decoy;

	pathf(tmp, "%s", tap_tmpdir());
	pathf(arcs, "%s/arcs", tmp);
	pathf(cwd, "%s/cwd", tmp);
	mkdir_mode(arcs, 0755);
	mkdir_mode(cwd, 0755);
	if (chdir(cwd) != 0)
		die("chdir", cwd);
	umask(022);

	build_tree();
	make_decoy(&decoy);
	round_trip("zst", &decoy);
	round_trip("gz", &decoy);
	test_symlinked_root();
	test_abort_and_create();
	test_create_long_path();
	test_hostile();
	test_extract_errors();
	test_sha256_file();

	if (!getenv("KEEP_TMP")) {
		char cmd[PATH_MAX + 32];
		if (chdir("/") == 0 &&
		    snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s'; rm -rf '%s'", tmp, tmp) <
		        (int)sizeof(cmd) &&
		    system(cmd) != 0)
			diag("could not remove %s", tmp);
	} else {
		diag("kept %s", tmp);
	}
	return done_testing();
}

/* tree.c: a fingerprint of a directory tree from metadata only. */
#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "util.h"

#define MAX_DEPTH 64
#define SEEN_CAP  65536 /* directories; a tree with more is stamped without loop protection */

struct walk {
	uint64_t sum, mix, count;
	uint64_t seen[SEEN_CAP]; /* (dev, ino) hashes of directories entered, open addressing */
	size_t n_seen;
	struct drover_error *err;
	const char *root;
	const char *const *skip;
	size_t n_skip;
};

static int skipped(const struct walk *w, const char *rel)
{
	for (size_t i = 0; i < w->n_skip; i++)
		if (strcmp(w->skip[i], rel) == 0)
			return 1;
	return 0;
}

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Order-independent: each entry's hash is added and its rotation xored into the totals. */
static void account(struct walk *w, const char *rel, size_t rel_len, const struct stat *st)
{
	uint64_t h = fnv(0xcbf29ce484222325ull, rel, rel_len);
	int64_t meta[6] = {(int64_t)(st->st_mode & S_IFMT),
	                   (int64_t)st->st_size,
	                   (int64_t)st->st_mtim.tv_sec,
	                   (int64_t)st->st_mtim.tv_nsec,
	                   (int64_t)st->st_ctim.tv_sec ^ (int64_t)st->st_ctim.tv_nsec,
	                   (int64_t)st->st_ino};

	h = fnv(h, meta, sizeof(meta));
	w->sum += h;
	w->mix ^= (h << 17) | (h >> 47);
	w->count++;
}

/* 1 if the directory was entered before (a symlink loop), else remember it. */
static int seen_before(struct walk *w, const struct stat *st)
{
	uint64_t key = fnv(fnv(0xcbf29ce484222325ull, &st->st_dev, sizeof(st->st_dev)), &st->st_ino,
	                   sizeof(st->st_ino));
	size_t i;

	if (key == 0)
		key = 1;
	if (w->n_seen >= SEEN_CAP / 2)
		return 0;
	for (i = key % SEEN_CAP; w->seen[i]; i = (i + 1) % SEEN_CAP)
		if (w->seen[i] == key)
			return 1;
	w->seen[i] = key;
	w->n_seen++;
	return 0;
}

static int walk_dir(struct walk *w, int dfd, char *rel, size_t rel_len, int depth)
{
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (depth > MAX_DEPTH)
		return err_set(w->err, DROVER_E_RANGE, w->root,
		               "directory tree deeper than %d levels at %s", MAX_DEPTH, rel);
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return err_set(w->err, DROVER_E_IO, w->root, "cannot read %s: %s",
		               rel[0] ? rel : ".", strerror(errno));
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name), len = rel_len + (rel_len ? 1 : 0) + n;
		struct stat st;
		int is_dir;

		if (e->d_name[0] == '.' && (n == 1 || (n == 2 && e->d_name[1] == '.')))
			continue;
		if (len >= 4096)
			continue; /* longer than PATH_MAX: nothing could open it either */
		if (rel_len)
			rel[rel_len] = '/';
		memcpy(rel + rel_len + (rel_len ? 1 : 0), e->d_name, n + 1);
		if (w->n_skip && skipped(w, rel)) {
			rel[rel_len] = '\0';
			continue;
		}
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			rel[rel_len] = '\0';
			continue; /* vanished while we looked: the next stamp will differ anyway */
		}
		account(w, rel, len, &st);
		is_dir = S_ISDIR(st.st_mode);
		if (S_ISLNK(st.st_mode)) {
			struct stat t;
			/* Deployments symlink module directories in: what they point at counts. */
			if (fstatat(dirfd(d), e->d_name, &t, 0) == 0 && S_ISDIR(t.st_mode)) {
				account(w, rel, len, &t);
				st = t;
				is_dir = 1;
			}
		}
		if (is_dir && !seen_before(w, &st)) {
			int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (sub >= 0)
				rc = walk_dir(w, sub, rel, len, depth + 1);
		}
		rel[rel_len] = '\0';
	}
	closedir(d);
	return rc;
}

int tree_stamp(const char *root, char out[TREE_STAMP_MAX], uint64_t *files,
               struct drover_error *err)
{
	return tree_stamp_skip(root, NULL, 0, out, files, err);
}

int tree_stamp_skip(const char *root, const char *const *skip, size_t n, char out[TREE_STAMP_MAX],
                    uint64_t *files, struct drover_error *err)
{
	struct walk *w = calloc(1, sizeof(*w));
	char rel[4096] = "";
	struct stat st;
	int fd, rc;

	if (!w)
		return err_set(err, DROVER_E_NOMEM, root, "out of memory");
	w->err = err;
	w->root = root;
	w->skip = skip;
	w->n_skip = n;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = err_set(err, errno == ENOENT ? DROVER_E_NOTFOUND : DROVER_E_IO, root,
		             "cannot read the platform directory: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		free(w);
		return rc;
	}
	seen_before(w, &st);
	rc = walk_dir(w, fd, rel, 0, 0);
	if (rc == 0) {
		(void)str_fmt(out, TREE_STAMP_MAX, "%llu:%016llx%016llx",
		              (unsigned long long)w->count, (unsigned long long)w->sum,
		              (unsigned long long)w->mix);
		if (files)
			*files = w->count;
	}
	free(w);
	return rc;
}

/*
 * plugins/drupal/files.c: reading a file of the site, replacing one atomically, and removing a
 * directory tree (generated caches).
 *
 * A settings.php is replaced, never rewritten in place: a reader (a PHP request, drover itself)
 * sees the old file or the new one, never a half-written one, and a crash leaves the old one.
 * Drupal 8 and later make sites/<site> and its settings.php read-only (0555 / 0444, checked by
 * system_requirements()); the new file keeps the old mode, and a directory we own is made
 * writable only for the rename and then put back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drupal.h"

#define MAX_DEPTH 64

static const char *join(char *buf, size_t size, const char *root, const char *rel)
{
	int n = rel[0] == '/' ? snprintf(buf, size, "%s", rel)
	                      : snprintf(buf, size, "%s/%s", root, rel);

	return (n < 0 || (size_t)n >= size) ? NULL : buf;
}

int d_file_read(struct drover_ctx *ctx, const char *root, const char *rel, struct tf_buf *b)
{
	char path[TF_PATH_MAX];
	int err_no = 0, rc;

	b->data = NULL;
	b->len = 0;
	if (join(path, sizeof path, root, rel) == NULL)
		return ctx->host->error(ctx, DROVER_E_RANGE, rel, "the path %s/%s is too long",
		                        root, rel);
	rc = tf_slurp_at(AT_FDCWD, path, b, &err_no);
	if (rc != 0)
		return ctx->host->error(ctx, rc, path, "cannot read %s: %s", path,
		                        tf_slurp_why(rc, err_no));
	return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int d_file_replace(struct drover_ctx *ctx, const char *root, const char *rel, const char *data,
                   size_t len)
{
	char path[TF_PATH_MAX], target[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX + 64];
	struct stat st, dst;
	const char *base;
	int fd = -1, dfd, rc = 0, restore_dir = 0, n;

	if (join(path, sizeof path, root, rel) == NULL)
		return ctx->host->error(ctx, DROVER_E_RANGE, rel, "the path %s/%s is too long",
		                        root, rel);
	/* A link (deployments share settings.php that way) stays a link: its target is
	 * replaced. */
	if (realpath(path, target) == NULL || stat(target, &st) != 0)
		return ctx->host->error(ctx, errno == ENOENT ? DROVER_E_NOTFOUND : DROVER_E_IO,
		                        path, "cannot replace %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return ctx->host->error(ctx, DROVER_E_INVAL, path,
		                        "cannot replace %s: it is not a regular file", path);
	base = strrchr(target, '/');
	if (base == NULL || (size_t)(base - target) >= sizeof dir)
		return ctx->host->error(ctx, DROVER_E_RANGE, path, "the path %s is too long",
		                        target);
	memcpy(dir, target, (size_t)(base - target));
	dir[base - target] = '\0';
	if (dir[0] == '\0')
		memcpy(dir, "/", 2);
	base++;
	n = snprintf(tmp, sizeof tmp, "%s/.%s.drover-XXXXXX", dir, base);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return ctx->host->error(ctx, DROVER_E_RANGE, path, "the path %s is too long",
		                        target);
	fd = mkstemp(tmp);
	if (fd < 0 && errno == EACCES && stat(dir, &dst) == 0 && dst.st_uid == geteuid() &&
	    !(dst.st_mode & S_IWUSR) && chmod(dir, (dst.st_mode & 07777) | S_IWUSR) == 0) {
		restore_dir = 1;
		n = snprintf(tmp, sizeof tmp, "%s/.%s.drover-XXXXXX", dir, base);
		fd = mkstemp(tmp);
	}
	if (fd < 0) {
		rc = ctx->host->error(ctx, DROVER_E_IO, dir,
		                      "cannot write a new %s in %s: %s; make the directory "
		                      "writable by the user drover runs as",
		                      base, dir, strerror(errno));
		goto out;
	}
	if (write_all(fd, data, len) != 0 || fchmod(fd, st.st_mode & 07777) != 0) {
		rc = ctx->host->error(ctx, DROVER_E_IO, tmp, "cannot write %s: %s", tmp,
		                      strerror(errno));
		goto fail;
	}
	/* The web server may read settings.php as its owner; keep the owner where we may. */
	if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    fchown(fd, st.st_uid, st.st_gid) != 0)
		ctx->host->log(ctx, DROVER_LOG_WARNING,
		               "%s: the new file belongs to the user drover runs as, not to uid %u "
		               "gid %u as before (%s); check that the web server can still read it",
		               target, (unsigned)st.st_uid, (unsigned)st.st_gid, strerror(errno));
	if (fsync(fd) != 0) {
		rc = ctx->host->error(ctx, DROVER_E_IO, tmp, "cannot write %s to disk: %s", tmp,
		                      strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = ctx->host->error(ctx, DROVER_E_IO, tmp, "cannot write %s: %s", tmp,
		                      strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, target) != 0) {
		rc = ctx->host->error(ctx, DROVER_E_IO, target, "cannot replace %s: %s", target,
		                      strerror(errno));
		goto fail;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) != 0)
			ctx->host->log(ctx, DROVER_LOG_WARNING, "%s: fsync: %s", dir,
			               strerror(errno));
		close(dfd);
	}
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	(void)unlink(tmp);
out:
	if (restore_dir && chmod(dir, dst.st_mode & 07777) != 0)
		ctx->host->log(ctx, DROVER_LOG_WARNING,
		               "%s: cannot make the directory read-only again: %s", dir,
		               strerror(errno));
	return rc;
}

/* Remove `name` in the directory dfd and everything below it, without following links. */
static int remove_at(struct drover_ctx *ctx, int dfd, const char *name, const char *shown,
                     int depth, uint64_t *removed)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	int fd, rc = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT
		           ? 0
		           : ctx->host->error(ctx, DROVER_E_IO, shown, "cannot remove %s: %s",
		                              shown, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		if (depth >= MAX_DEPTH)
			return ctx->host->error(ctx, DROVER_E_RANGE, shown,
			                        "cannot remove %s: it is nested more than %d deep",
			                        shown, MAX_DEPTH);
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || (d = fdopendir(fd)) == NULL) {
			if (fd >= 0)
				close(fd);
			return ctx->host->error(ctx, DROVER_E_IO, shown, "cannot remove %s: %s",
			                        shown, strerror(errno));
		}
		while (rc == 0 && (errno = 0, e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			rc = remove_at(ctx, dirfd(d), e->d_name, shown, depth + 1, removed);
		}
		closedir(d);
		if (rc != 0)
			return rc;
	}
	if (unlinkat(dfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0 && errno != ENOENT)
		return ctx->host->error(ctx, DROVER_E_IO, shown,
		                        "cannot remove %s (below it: %s): %s; make it writable by "
		                        "the user drover runs as",
		                        shown, name, strerror(errno));
	(*removed)++;
	return 0;
}

int d_tree_remove(struct drover_ctx *ctx, const char *root, const char *rel, uint64_t *removed)
{
	char path[TF_PATH_MAX], parent[TF_PATH_MAX];
	const char *slash, *name;
	struct stat st;
	int dfd, rc;

	*removed = 0;
	if (join(path, sizeof path, root, rel) == NULL)
		return ctx->host->error(ctx, DROVER_E_RANGE, rel, "the path %s/%s is too long",
		                        root, rel);
	slash = strrchr(path, '/');
	if (slash == NULL || slash == path ||
	    tf_copy(parent, sizeof parent, path, (size_t)(slash - path)) != 0)
		return ctx->host->error(ctx, DROVER_E_INVAL, path, "refusing to remove %s", path);
	name = slash + 1;
	/* The directories above may be links (a files directory on shared storage); the tree
	 * itself must be a real directory. */
	if (lstat(path, &st) != 0)
		return errno == ENOENT || errno == ENOTDIR
		           ? 0
		           : ctx->host->error(ctx, DROVER_E_IO, path, "cannot look at %s: %s", path,
		                              strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		ctx->host->log(ctx, DROVER_LOG_WARNING,
		               "%s is not a directory (a link?); drover leaves it alone", path);
		return 0;
	}
	dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return ctx->host->error(ctx, DROVER_E_IO, parent, "cannot open %s: %s", parent,
		                        strerror(errno));
	rc = remove_at(ctx, dfd, name, path, 0, removed);
	close(dfd);
	return rc;
}

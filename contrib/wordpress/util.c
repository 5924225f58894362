/*
 * util.c: strings, paths and files for the WordPress adapter.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wordpress.h"

int wp_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		if (size)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}

int wp_copy(char *buf, size_t size, const char *s)
{
	return wp_fmt(buf, size, "%s", s);
}

int wp_join(char *buf, size_t size, const char *root, const char *rel)
{
	if (!rel || !rel[0])
		return wp_copy(buf, size, root);
	return wp_fmt(buf, size, "%s%s%s", root,
	              root[0] && root[strlen(root) - 1] == '/' ? "" : "/", rel);
}

int wp_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int wp_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int wp_read(struct drover_ctx *ctx, const char *path, size_t max, char **out, size_t *len)
{
	const struct drover_host *h = ctx->host;
	struct stat st;
	char *buf;
	size_t n = 0;
	int fd;

	*out = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO where a file should be must not hang drover. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return DROVER_E_NOTFOUND;
		return h->error(ctx, DROVER_E_IO, path, "cannot open: %s", strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return h->error(ctx, DROVER_E_IO, path, "not a regular file: replace it with one");
	}
	if ((size_t)st.st_size > max) {
		close(fd);
		return h->error(ctx, DROVER_E_RANGE, path,
		                "%lld bytes, more than the %zu such a file ever has: check that it "
		                "is the right file",
		                (long long)st.st_size, max);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return h->error(ctx, DROVER_E_NOMEM, path, "out of memory reading it");
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : EIO;
			free(buf);
			close(fd);
			return h->error(ctx, DROVER_E_IO, path, "cannot read: %s", strerror(e));
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

long wp_read_head(const char *path, char *buf, size_t size)
{
	struct stat st;
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	while (n + 1 < size) {
		ssize_t r = read(fd, buf + n, size - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (long)n;
}

static int sync_dir_of(const char *path)
{
	char dir[WP_PATH_MAX], *slash;
	int fd, rc;

	if (wp_copy(dir, sizeof(dir), path) != 0)
		return -1;
	slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int wp_write(struct drover_ctx *ctx, const char *path, const char *data, size_t len, unsigned mode)
{
	const struct drover_host *h = ctx->host;
	char tmp[WP_PATH_MAX];
	struct stat st;
	size_t done = 0;
	int fd, e;

	if (stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	if (wp_fmt(tmp, sizeof(tmp), "%s.drover-%ld.tmp", path, (long)getpid()) != 0)
		return h->error(ctx, DROVER_E_RANGE, path, "path too long");
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return h->error(ctx, DROVER_E_IO, tmp, "cannot create: %s", strerror(errno));
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		done += (size_t)w;
	}
	if (fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	(void)sync_dir_of(path);
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return h->error(ctx, DROVER_E_IO, path, "cannot write: %s (the file is as it was)",
	                strerror(e));
}

int wp_unlink(struct drover_ctx *ctx, const char *path)
{
	if (unlink(path) != 0) {
		if (errno == ENOENT)
			return 0;
		return ctx->host->error(ctx, DROVER_E_IO, path, "cannot remove: %s",
		                        strerror(errno));
	}
	(void)sync_dir_of(path);
	return 0;
}

void wp_str_add(struct wp_str *s, const char *p, size_t n)
{
	if (s->failed)
		return;
	if (s->n + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 256;
		char *q;
		while (cap < s->n + n + 1)
			cap *= 2;
		q = realloc(s->p, cap);
		if (!q) {
			s->failed = 1;
			return;
		}
		s->p = q;
		s->cap = cap;
	}
	memcpy(s->p + s->n, p, n);
	s->n += n;
	s->p[s->n] = '\0';
}

void wp_str_cat(struct wp_str *s, const char *p)
{
	wp_str_add(s, p, strlen(p));
}

void wp_str_free(struct wp_str *s)
{
	free(s->p);
	memset(s, 0, sizeof(*s));
}

int wp_url_host_is(const char *url, const char *domain)
{
	const char *h = strstr(url, "://");
	size_t k;

	if (!h)
		return 0;
	h += 3;
	k = strcspn(h, ":/?#");
	return k == strlen(domain) && strncasecmp(h, domain, k) == 0;
}

int wp_swap_host(const char *url, const char *old_domain, const char *new_domain, char *out,
                 size_t size)
{
	const char *h = strstr(url, "://");

	if (!h || !wp_url_host_is(url, old_domain))
		return -1;
	h += 3;
	return wp_fmt(out, size, "%.*s%s%s", (int)(h - url), url, new_domain,
	              h + strcspn(h, ":/?#"));
}

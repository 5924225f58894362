/* util.c: bounded strings, paths and small file helpers. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (size == 0)
		return DROVER_E_RANGE;
	if (n >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return DROVER_E_RANGE;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

int str_vfmt(char *dst, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(dst, size, fmt, ap);

	if (n < 0 || (size_t)n >= size)
		return DROVER_E_RANGE;
	return 0;
}

int str_fmt(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = str_vfmt(dst, size, fmt, ap);
	va_end(ap);
	return rc;
}

int path_join(char *dst, size_t size, const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n > 0 && dir[n - 1] == '/')
		return str_fmt(dst, size, "%s%s", dir, name);
	return str_fmt(dst, size, "%s/%s", dir, name);
}

const char *path_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int path_mkdirs(const char *path, unsigned mode)
{
	char buf[4096];
	struct stat st;

	if (str_copy(buf, sizeof(buf), path) != 0) {
		errno = ENAMETOOLONG;
		return DROVER_E_IO;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return DROVER_E_IO;
		*p = '/';
	}
	if (mkdir(buf, mode) != 0) {
		if (errno != EEXIST)
			return DROVER_E_IO;
		if (stat(buf, &st) != 0)
			return DROVER_E_IO;
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			return DROVER_E_IO;
		}
	}
	return 0;
}

int str_endswith(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

int str_to_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;
	int base = 10;
	const char *digits;

	while (isspace((unsigned char)*s))
		s++;
	digits = s + (*s == '-' || *s == '+');
	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		base = 16; /* no octal: "010" is ten, as libconfig reads it */
	if (!isxdigit((unsigned char)digits[base == 16 ? 2 : 0]))
		return DROVER_E_INVAL;
	errno = 0;
	v = strtoll(s, &end, base);
	if (errno == ERANGE)
		return DROVER_E_RANGE;
	if (end == s)
		return DROVER_E_INVAL;
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0')
		return DROVER_E_INVAL;
	*out = (int64_t)v;
	return 0;
}

char *str_dup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

static int remove_at(int dfd, const char *name, int depth)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : DROVER_E_IO;
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d;
		struct dirent *e;
		int rc = 0;

		if (fd < 0 || depth > 256) {
			if (fd >= 0)
				close(fd);
			return DROVER_E_IO;
		}
		d = fdopendir(fd);
		if (!d) {
			close(fd);
			return DROVER_E_IO;
		}
		while (rc == 0 && (e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				rc = remove_at(dirfd(d), e->d_name, depth + 1);
		closedir(d);
		if (rc)
			return rc;
		return unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : DROVER_E_IO;
	}
	return unlinkat(dfd, name, 0) == 0 || errno == ENOENT ? 0 : DROVER_E_IO;
}

int path_remove_tree(const char *path)
{
	return remove_at(AT_FDCWD, path, 0);
}

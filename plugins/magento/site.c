/*
 * plugins/magento/site.c: what the ops on one site share.
 *
 * Opening a site (its platform, generation and settings), naming its tables, looking tables up,
 * replacing a file of the platform atomically and emptying a directory without following links
 * out of the platform. Every failure is recorded with host->error and names the file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "magento.h"

/* Directory levels mg_empty_dir goes down; a cache tree is a few levels deep (Magento's file
 * cache uses two levels of mage--x directories). */
#define EMPTY_MAX_DEPTH 64

const char *mg_domain(const struct drover_site *site)
{
	return site != NULL && site->domain != NULL && site->domain[0] != '\0' ? site->domain
	                                                                       : "the site";
}

int mg_site_open(struct drover_ctx *ctx, const struct drover_site *site, const char *what,
                 unsigned flags, struct mg_site *ms)
{
	const char *rel;
	char shown[48];
	int rc;

	memset(ms, 0, sizeof *ms);
	ms->r.fd = -1;
	ms->site = site;
	if (site == NULL || site->root == NULL || site->root[0] == '\0')
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "cannot %s: no site or no platform directory was given",
		                        what);
	rc = tf_root_open(ctx, site->root, &ms->r);
	if (rc != 0)
		return rc;
	rc = mg_generation(ctx, &ms->r, &ms->gen);
	if (rc == DROVER_E_NOTMINE) {
		/* A site's files staged without the platform (restore): what they hold says it. */
		int kind = TF_ABSENT;

		rc = tf_kind(ctx, &ms->r, M2_ENV_PHP, &kind);
		if (rc == 0 && kind == TF_FILE)
			ms->gen = 2;
		else if (rc == 0 && (rc = tf_kind(ctx, &ms->r, M1_LOCAL_XML, &kind)) == 0 &&
		         kind == TF_FILE)
			ms->gen = 1;
		else if (rc == 0)
			rc = mg_not_magento(ctx, site->root, what);
	}
	if (rc != 0) {
		tf_root_close(&ms->r);
		return rc;
	}
	if (!(flags & (MG_SETTINGS | MG_KEEP_TEXT)))
		return 0;
	ms->s.struct_size = (uint32_t)sizeof ms->s;
	rc = mg_settings_text(ctx, &ms->r, ms->gen, &ms->text);
	if (rc == 0)
		rc = mg_settings_parse(ctx, &ms->r, ms->gen, &ms->text, &ms->s);
	if (!(flags & MG_KEEP_TEXT))
		mg_settings_text_free(&ms->text);
	if (rc != 0)
		goto fail;
	ms->have_settings = 1;
	/* The prefix goes into SQL as part of an identifier: only [A-Za-z0-9_], and short enough
	 * for MySQL's 64-byte names. */
	if (ms->s.prefix[0] != '\0' && !mg_word_ok(ms->s.prefix, 40)) {
		rel = ms->gen == 1 ? M1_LOCAL_XML : M2_ENV_PHP;
		rc = ctx->host->error(
		    ctx, DROVER_E_PARSE, rel,
		    "the table prefix '%s' in %s is not made of letters, digits and '_' (at most "
		    "39): drover does not put it into SQL; fix the setting",
		    tf_printable(shown, sizeof shown, ms->s.prefix, strlen(ms->s.prefix)), rel);
		goto fail;
	}
	return 0;
fail:
	mg_site_close(ms);
	return rc;
}

void mg_site_close(struct mg_site *ms)
{
	/* Through the whole struct's address: GCC's object-size check would otherwise take &ms->s
	 * for its first member. */
	explicit_bzero((char *)ms + offsetof(struct mg_site, s), sizeof ms->s);
	mg_settings_text_free(&ms->text);
	ms->have_settings = 0;
	tf_root_close(&ms->r);
}

int mg_need_db(struct drover_ctx *ctx, const struct drover_site *site, const char *what)
{
	if (site->db == NULL || site->db_driver == NULL)
		return ctx->host->error(ctx, DROVER_E_INVAL, site->domain,
		                        "cannot %s of %s: no database is attached to it", what,
		                        mg_domain(site));
	if (strcmp(site->db_driver, "mysql") != 0 && strcmp(site->db_driver, "sqlite") != 0)
		return ctx->host->error(ctx, DROVER_E_INVAL, site->domain,
		                        "cannot %s of %s: unknown database driver '%.32s'", what,
		                        mg_domain(site), site->db_driver);
	return 0;
}

int mg_table(struct drover_ctx *ctx, const struct mg_site *ms, const char *name, char *buf,
             size_t size)
{
	if (mg_fmt(buf, size, "%s%s", ms->s.prefix, name) != 0)
		return ctx->host->error(ctx, DROVER_E_RANGE, name,
		                        "the table name %s%s is too long", ms->s.prefix, name);
	return 0;
}

static int found_cb(void *arg, uint32_t n, const char *const *cols)
{
	(void)n;
	(void)cols;
	*(int *)arg = 1;
	return 0;
}

int mg_table_exists(struct drover_ctx *ctx, const struct drover_site *site, const char *table,
                    int *yes)
{
	const char *params[] = {table};

	*yes = 0;
	return ctx->host->sql_query(ctx, site->db,
	                            strcmp(site->db_driver, "mysql") == 0
	                                ? "SELECT 1 FROM information_schema.tables WHERE "
	                                  "table_schema = DATABASE() AND table_name = ?"
	                                : "SELECT 1 FROM sqlite_master WHERE type IN ('table', "
	                                  "'view') AND name = ?",
	                            params, 1, found_cb, yes);
}

/* --- replacing a file ------------------------------------------------------------------------ */

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

/* The work of mg_replace_file: a code and, in msg, what went wrong; nothing recorded. */
int mg_replace_file_quiet(const struct tf_root *r, const char *rel, const char *data, size_t len,
                          char *msg, size_t msg_size)
{
	char dir[MG_REL_MAX], tmp[MG_REL_MAX];
	const char *slash = strrchr(rel, '/'), *base = slash ? slash + 1 : rel, *step;
	mode_t mode = 0644;
	struct stat st;
	int dfd, fd = -1, rc = 0, e;

	msg[0] = '\0';
	if (mg_fmt(dir, sizeof dir, "%.*s", slash ? (int)(slash - rel) : 1, slash ? rel : ".") != 0)
		return mg_fmt(msg, msg_size, "the path %s is too long", rel), DROVER_E_RANGE;
	dfd = openat(r->fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return mg_fmt(msg, msg_size,
		              "cannot open the directory of %s: %s; make it writable by the user "
		              "drover runs as",
		              rel, strerror(errno)),
		       DROVER_E_IO;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode)) {
			(void)mg_fmt(
			    msg, msg_size,
			    "%s is a symbolic link: drover does not replace it with a file "
			    "(the link's target would stay as it was); make %s a regular "
			    "file of the platform",
			    rel, rel);
			rc = DROVER_E_REFUSED;
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			(void)mg_fmt(msg, msg_size, "%s is not a regular file; replace it with one",
			             rel);
			rc = DROVER_E_INVAL;
			goto out;
		}
		mode = st.st_mode & 07777;
	} else if (errno != ENOENT) {
		(void)mg_fmt(msg, msg_size, "cannot look at %s: %s", rel, strerror(errno));
		rc = DROVER_E_IO;
		goto out;
	} else {
		st.st_uid = geteuid();
		st.st_gid = getegid();
	}
	/* A name of our own next to the file, created 0600: the content may be a password. */
	for (int i = 0; fd < 0; i++) {
		if (mg_fmt(tmp, sizeof tmp, ".%s.drover-%ld-%d", base, (long)getpid(), i) != 0) {
			(void)mg_fmt(msg, msg_size, "the path %s is too long", rel);
			rc = DROVER_E_RANGE;
			goto out;
		}
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 && (errno != EEXIST || i >= 100)) {
			(void)mg_fmt(
			    msg, msg_size,
			    "cannot create a new %s next to it: %s; make %s writable by the "
			    "user drover runs as",
			    rel, strerror(errno), dir);
			rc = DROVER_E_IO;
			goto out;
		}
	}
	step = "write";
	if (write_all(fd, data, len) != 0)
		goto fail;
	step = "set the mode of";
	if (fchmod(fd, mode) != 0)
		goto fail;
	/* Keep the owner when we may (running as root); otherwise the file becomes ours, and the
	 * mode still lets the CMS read it if it could before. */
	if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    fchown(fd, st.st_uid, st.st_gid) != 0 && errno != EPERM)
		goto fail;
	step = "flush";
	if (fsync(fd) != 0)
		goto fail;
	e = close(fd);
	fd = -1;
	if (e != 0)
		goto fail;
	step = "rename into place";
	if (renameat(dfd, tmp, dfd, base) != 0)
		goto fail;
	/* The rename is durable once the directory is; a file system that cannot flush a
	 * directory (EINVAL) has nothing more to do. */
	(void)fsync(dfd);
	goto out;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, tmp, 0);
	(void)mg_fmt(msg, msg_size,
	             "cannot %s the new %s: %s; the old file is unchanged: check the free space "
	             "and permissions of %s",
	             step, rel, strerror(e), dir);
	rc = DROVER_E_IO;
out:
	close(dfd);
	return rc;
}

int mg_replace_file(struct drover_ctx *ctx, const struct tf_root *r, const char *rel,
                    const char *data, size_t len)
{
	char msg[768], path[TF_PATH_MAX];
	int rc = mg_replace_file_quiet(r, rel, data, len, msg, sizeof msg);

	if (rc != 0)
		return ctx->host->error(ctx, rc, tf_path(path, sizeof path, r->path, rel), "%s",
		                        msg);
	return 0;
}

/* --- emptying a directory --------------------------------------------------------------------- */

struct empty {
	struct drover_ctx *ctx;
	const struct tf_root *r;
	unsigned long removed;
};

static int empty_fail(struct empty *em, const char *rel, const char *name, const char *what)
{
	char path[TF_PATH_MAX], sub[MG_REL_MAX];
	int e = errno;

	if (mg_fmt(sub, sizeof sub, "%s/%s", rel, name) != 0)
		(void)mg_fmt(sub, sizeof sub, "%s", rel);
	return em->ctx->host->error(em->ctx, DROVER_E_IO,
	                            tf_path(path, sizeof path, em->r->path, sub),
	                            "cannot %s %s: %s; make %s writable by the user drover runs "
	                            "as, or empty it by hand",
	                            what, sub, strerror(e), rel);
}

/* Remove what directory `dfd` (taken over and closed) holds. */
static int empty_fd(struct empty *em, const char *rel, int dfd, unsigned depth)
{
	struct dirent *de;
	DIR *d = fdopendir(dfd);
	int rc = 0;

	if (d == NULL) {
		close(dfd);
		return empty_fail(em, rel, ".", "read");
	}
	while (rc == 0) {
		struct stat st;

		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				rc = empty_fail(em, rel, ".", "read");
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno != ENOENT) /* gone meanwhile: Magento cleans too */
				rc = empty_fail(em, rel, de->d_name, "look at");
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			char sub[MG_REL_MAX];
			int sfd;

			if (depth >= EMPTY_MAX_DEPTH ||
			    mg_fmt(sub, sizeof sub, "%s/%s", rel, de->d_name) != 0) {
				errno = ENAMETOOLONG;
				rc = empty_fail(em, rel, de->d_name, "go into");
				break;
			}
			sfd = openat(dirfd(d), de->d_name,
			             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sfd < 0) {
				if (errno != ENOENT)
					rc = empty_fail(em, rel, de->d_name, "open");
				continue;
			}
			rc = empty_fd(em, sub, sfd, depth + 1);
			if (rc == 0 && unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) != 0 &&
			    errno != ENOENT)
				rc = empty_fail(em, rel, de->d_name, "remove");
		} else if (unlinkat(dirfd(d), de->d_name, 0) != 0 && errno != ENOENT) {
			rc = empty_fail(em, rel, de->d_name, "remove");
		}
		if (rc == 0)
			em->removed++;
	}
	closedir(d);
	return rc;
}

int mg_empty_dir(struct drover_ctx *ctx, const struct tf_root *r, const char *rel,
                 unsigned long *removed)
{
	struct empty em = {ctx, r, 0};
	char path[TF_PATH_MAX];
	int dfd, rc;

	*removed = 0;
	dfd = openat(r->fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT)
			return 0;
		return ctx->host->error(ctx, DROVER_E_IO, tf_path(path, sizeof path, r->path, rel),
		                        "cannot open %s: %s; it should be a directory the user "
		                        "drover runs as can write",
		                        rel, strerror(errno));
	}
	rc = empty_fd(&em, rel, dfd, 0);
	*removed = em.removed;
	return rc;
}

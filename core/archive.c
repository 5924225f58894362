/* archive.c: writing and safely reading backup archives. The only file that calls libarchive. */
#include "arc.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "util.h"

#define CHUNK       (1u << 20)
#define FLUSH_EVERY (8u << 20)

const struct arc_limits arc_default_limits = {
    .max_entries = 5000000,
    .max_bytes = UINT64_C(1) << 40, /* 1 TiB */
    .max_ratio = 2000,              /* a real site compresses far less; a bomb far more */
    .max_name = 4000,
};

/* ---- SHA-256 ---------------------------------------------------------------------------------- */

static void hex(const unsigned char *d, unsigned n, char out[ARC_SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned i = 0; i < n && i < 32; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[64] = '\0';
}

static int sha_finish(EVP_MD_CTX *md, char out[ARC_SHA256_HEX])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (EVP_DigestFinal_ex(md, d, &n) != 1)
		return -1;
	hex(d, n, out);
	return 0;
}

static EVP_MD_CTX *sha_new(void)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return NULL;
	}
	return md;
}

int arc_sha256_file(const char *path, char out[ARC_SHA256_HEX], uint64_t *size,
                    struct drover_error *err)
{
	EVP_MD_CTX *md = sha_new();
	unsigned char *buf = malloc(CHUNK);
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	uint64_t total = 0;
	ssize_t n;

	if (!md || !buf) {
		rc = err_set(err, DROVER_E_NOMEM, path, "out of memory");
		goto out;
	}
	if (fd < 0) {
		rc = err_set(err, DROVER_E_IO, path, "cannot read: %s", strerror(errno));
		goto out;
	}
	while ((n = read(fd, buf, CHUNK)) > 0) {
		EVP_DigestUpdate(md, buf, (size_t)n);
		total += (uint64_t)n;
	}
	if (n < 0)
		rc = err_set(err, DROVER_E_IO, path, "cannot read: %s", strerror(errno));
	else if (sha_finish(md, out) != 0)
		rc = err_set(err, DROVER_E_FAIL, path, "SHA-256 failed");
	if (size)
		*size = total;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	EVP_MD_CTX_free(md);
	return rc;
}

/* ---- hashing beside the work ------------------------------------------------------------------ */

/*
 * A backup's bytes are hashed as they are written and again as they are read: on one thread the
 * hashing was a third of a restore. Here the bytes go into one of a few small slots (small: they
 * are still in a shared cache when the worker reads them), copied by hs_update() or read straight
 * into one (hs_claim, hs_commit), and a worker thread hashes them, in order. A digest may be
 * finished once the worker is past the mark hs_mark() gave after its last bytes (hs_done), or
 * after hs_drain(). Every byte is still hashed and checked; only the thread changes.
 */
#define HS_SLOTS 8
#define HS_BUF   (256u << 10)

struct hs_job {
	EVP_MD_CTX *md;
	unsigned char *buf;
	size_t len;
};

struct hasher {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct hs_job q[HS_SLOTS];
	uint64_t head, tail; /* jobs submitted, jobs hashed */
	int open;            /* q[head % HS_SLOTS] is being filled */
	int stop;
};

static void *hs_work(void *arg)
{
	struct hasher *h = arg;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		struct hs_job *j;
		while (h->tail == h->head && !h->stop)
			pthread_cond_wait(&h->more, &h->mu);
		if (h->tail == h->head)
			break;
		j = &h->q[h->tail % HS_SLOTS];
		pthread_mutex_unlock(&h->mu);
		EVP_DigestUpdate(j->md, j->buf, j->len);
		pthread_mutex_lock(&h->mu);
		h->tail++;
		pthread_cond_signal(&h->room);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static void hs_free(struct hasher *h)
{
	for (size_t i = 0; i < HS_SLOTS; i++)
		free(h->q[i].buf);
	free(h);
}

static struct hasher *hs_start(void)
{
	struct hasher *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	for (size_t i = 0; i < HS_SLOTS; i++)
		if (!(h->q[i].buf = malloc(HS_BUF))) {
			hs_free(h);
			return NULL;
		}
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->more, NULL);
	pthread_cond_init(&h->room, NULL);
	if (pthread_create(&h->th, NULL, hs_work, h) != 0) {
		pthread_cond_destroy(&h->room);
		pthread_cond_destroy(&h->more);
		pthread_mutex_destroy(&h->mu);
		hs_free(h);
		return NULL;
	}
	return h;
}

/* Hand the slot being filled to the worker. */
static void hs_submit(struct hasher *h)
{
	if (!h->open)
		return;
	pthread_mutex_lock(&h->mu);
	h->head++;
	h->open = 0;
	pthread_cond_signal(&h->more);
	pthread_mutex_unlock(&h->mu);
}

/* Open the next slot for md, once the worker has freed it. */
static struct hs_job *hs_open(struct hasher *h, EVP_MD_CTX *md)
{
	struct hs_job *j = &h->q[h->head % HS_SLOTS];

	pthread_mutex_lock(&h->mu);
	while (h->head - h->tail == HS_SLOTS)
		pthread_cond_wait(&h->room, &h->mu);
	pthread_mutex_unlock(&h->mu);
	j->md = md;
	j->len = 0;
	h->open = 1;
	return j;
}

static void hs_update(struct hasher *h, EVP_MD_CTX *md, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 0) {
		struct hs_job *j = &h->q[h->head % HS_SLOTS];
		size_t n;
		if (h->open && (j->md != md || j->len == HS_BUF))
			hs_submit(h);
		if (!h->open)
			j = hs_open(h, md);
		n = HS_BUF - j->len < len ? HS_BUF - j->len : len;
		memcpy(j->buf + j->len, p, n);
		j->len += n;
		p += n;
		len -= n;
	}
}

/* A slot of HS_BUF bytes for md to read into; hs_commit() hands over what was put there. */
static unsigned char *hs_claim(struct hasher *h, EVP_MD_CTX *md)
{
	hs_submit(h);
	return hs_open(h, md)->buf;
}

static void hs_commit(struct hasher *h, size_t n)
{
	h->q[h->head % HS_SLOTS].len = n;
	if (n)
		hs_submit(h);
	else
		h->open = 0;
}

/* A mark after everything handed over so far. */
static uint64_t hs_mark(struct hasher *h)
{
	hs_submit(h);
	return h->head;
}

/* The worker's progress, to compare with marks. */
static uint64_t hs_done(struct hasher *h)
{
	uint64_t done;

	pthread_mutex_lock(&h->mu);
	done = h->tail;
	pthread_mutex_unlock(&h->mu);
	return done;
}

/* Wait until everything handed over is hashed. */
static void hs_drain(struct hasher *h)
{
	hs_submit(h);
	pthread_mutex_lock(&h->mu);
	while (h->tail != h->head)
		pthread_cond_wait(&h->room, &h->mu);
	pthread_mutex_unlock(&h->mu);
}

/* Drain, end the worker, free. */
static void hs_stop(struct hasher *h)
{
	if (!h)
		return;
	hs_drain(h);
	pthread_mutex_lock(&h->mu);
	h->stop = 1;
	pthread_cond_signal(&h->more);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->th, NULL);
	pthread_cond_destroy(&h->room);
	pthread_cond_destroy(&h->more);
	pthread_mutex_destroy(&h->mu);
	hs_free(h);
}

/* Entries whose digest waits for the worker; handed on in order, once it is past their mark. */
struct hs_wait {
	EVP_MD_CTX *md;
	uint64_t mark;
	size_t index;        /* the writer's member */
	struct arc_member m; /* the reader's */
};

struct hs_queue {
	struct hs_wait *v;
	size_t n, cap;
};

/* Queue an entry (md: its digest, owned by the queue from here) after the bytes handed over. */
static struct hs_wait *hq_push(struct hs_queue *q, struct hasher *h, EVP_MD_CTX *md)
{
	struct hs_wait *e;

	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;
		struct hs_wait *v = realloc(q->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		q->v = v;
		q->cap = cap;
	}
	e = &q->v[q->n++];
	e->md = md;
	e->mark = hs_mark(h);
	return e;
}

/* Hand fn the entries the worker is done with (all of them: wait for it), oldest first; stops
 * at fn's first error. */
static int hq_finish(struct hs_queue *q, struct hasher *h, int all,
                     int (*fn)(void *arg, struct hs_wait *e), void *arg)
{
	uint64_t done;
	size_t k = 0;
	int rc = 0;

	if (all)
		hs_drain(h);
	done = hs_done(h);
	while (rc == 0 && k < q->n && q->v[k].mark <= done) {
		rc = fn(arg, &q->v[k]);
		EVP_MD_CTX_free(q->v[k].md);
		k++;
	}
	if (k) {
		q->n -= k;
		memmove(q->v, q->v + k, q->n * sizeof(*q->v));
	}
	return rc;
}

/* Free what is queued; the worker must be stopped. */
static void hq_free(struct hs_queue *q)
{
	for (size_t i = 0; i < q->n; i++)
		EVP_MD_CTX_free(q->v[i].md);
	free(q->v);
	memset(q, 0, sizeof(*q));
}

/* ---- writing ---------------------------------------------------------------------------------- */

struct arc_writer {
	struct archive *a;
	int fd;
	EVP_MD_CTX *whole; /* SHA-256 of the archive file, hashed as it is written */
	struct hasher *hs; /* the members' */
	struct hs_queue pend;
	int hash_failed;
	uint64_t written;
	uint64_t flushed; /* written back (started) up to here */
	char final[PATH_MAX], tmp[PATH_MAX];
	struct arc_member *m;
	size_t n, cap;
	uint64_t done;
	arc_progress_fn progress;
	void *parg;
};

static int arc_fail(struct arc_writer *w, struct drover_error *err, const char *what)
{
	return err_set(err, DROVER_E_IO, w->final, "%s: %s", what,
	               archive_error_string(w->a) ? archive_error_string(w->a) : strerror(errno));
}

/* libarchive's output: to the file, and through the archive's checksum on the way, so that
 * finishing needs no second read of what was just written. */
static la_ssize_t write_out(struct archive *a, void *arg, const void *buf, size_t len)
{
	struct arc_writer *w = arg;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(w->fd, (const char *)buf + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			archive_set_error(a, errno, "write: %s", strerror(errno));
			return -1;
		}
		done += (size_t)n;
	}
	EVP_DigestUpdate(w->whole, buf, len);
	w->written += len;
#ifdef SYNC_FILE_RANGE_WRITE
	/* Start writing back what is written so far: the fsync at the end waits for the tail only. */
	if (w->written - w->flushed >= FLUSH_EVERY) {
		(void)sync_file_range(w->fd, (off_t)w->flushed, (off_t)(w->written - w->flushed),
		                      SYNC_FILE_RANGE_WRITE);
		w->flushed = w->written;
	}
#endif
	return (la_ssize_t)len;
}

int arc_create(const char *final_path, const char *format, int level, int threads,
               struct arc_writer **out, struct drover_error *err)
{
	struct arc_writer *w = calloc(1, sizeof(*w));
	char opt[64];
	int rc = 0;

	*out = NULL;
	if (!w)
		return err_set(err, DROVER_E_NOMEM, final_path, "out of memory");
	w->fd = -1;
	if (str_copy(w->final, sizeof(w->final), final_path) ||
	    str_fmt(w->tmp, sizeof(w->tmp), "%s.tmp-%ld-XXXXXX", final_path, (long)getpid())) {
		rc = err_set(err, DROVER_E_RANGE, final_path, "path too long");
		goto fail;
	}
	{
		mode_t old = umask(077);
		w->fd = mkostemp(w->tmp, O_CLOEXEC);
		umask(old);
	}
	if (w->fd < 0) {
		rc = err_set(err, DROVER_E_IO, final_path, "cannot create the archive: %s",
		             strerror(errno));
		goto fail;
	}
	fchmod(w->fd, 0600);
	w->a = archive_write_new();
	if (!w->a) {
		rc = err_set(err, DROVER_E_NOMEM, final_path, "out of memory");
		goto fail;
	}
	archive_write_set_format_pax_restricted(w->a);
	if (strcmp(format, "gz") == 0) {
		archive_write_add_filter_gzip(w->a);
		(void)str_fmt(opt, sizeof(opt), "gzip:compression-level=%d",
		              level < 1 || level > 9 ? 6 : level);
	} else {
		if (archive_write_add_filter_zstd(w->a) != ARCHIVE_OK) {
			rc = err_set(
			    err, DROVER_E_NOTSUP, final_path,
			    "this libarchive cannot write zstd: %s; use backups.format = \"gz\"",
			    archive_error_string(w->a));
			goto fail;
		}
		if (threads <= 0)
			threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
		(void)str_fmt(opt, sizeof(opt), "zstd:compression-level=%d,zstd:threads=%d", level,
		              threads > 0 ? threads : 1);
	}
	if (archive_write_set_options(w->a, opt) != ARCHIVE_OK &&
	    archive_write_set_filter_option(w->a, NULL, "compression-level", "3") != ARCHIVE_OK) {
		rc = arc_fail(w, err, "cannot set the compression options");
		goto fail;
	}
	archive_write_set_bytes_in_last_block(w->a, 1);
	if (!(w->whole = sha_new()) || !(w->hs = hs_start())) {
		rc = err_set(err, DROVER_E_NOMEM, final_path, "out of memory");
		goto fail;
	}
	if (archive_write_open2(w->a, w, NULL, write_out, NULL, NULL) != ARCHIVE_OK) {
		rc = arc_fail(w, err, "cannot start the archive");
		goto fail;
	}
	*out = w;
	return 0;
fail:
	arc_abort(w);
	return rc;
}

void arc_set_progress(struct arc_writer *w, arc_progress_fn fn, void *arg)
{
	w->progress = fn;
	w->parg = arg;
}

static struct arc_member *new_member(struct arc_writer *w, const char *name, int type,
                                     struct drover_error *err)
{
	struct arc_member *m;

	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		struct arc_member *v = realloc(w->m, cap * sizeof(*v));
		if (!v)
			return err_set(err, DROVER_E_NOMEM, name, "out of memory"), NULL;
		w->m = v;
		w->cap = cap;
	}
	m = &w->m[w->n];
	memset(m, 0, sizeof(*m));
	if (str_copy(m->name, sizeof(m->name), name) != 0)
		return err_set(err, DROVER_E_RANGE, name, "member name too long"), NULL;
	m->type = type;
	w->n++;
	return m;
}

static int write_header(struct arc_writer *w, const char *name, const struct stat *st,
                        const char *link, struct drover_error *err)
{
	struct archive_entry *e = archive_entry_new();
	int rc;

	if (!e)
		return err_set(err, DROVER_E_NOMEM, name, "out of memory");
	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, st->st_mode);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	archive_entry_set_size(e, S_ISREG(st->st_mode) ? st->st_size : 0);
	if (link)
		archive_entry_set_symlink(e, link);
	rc = archive_write_header(w->a, e) == ARCHIVE_OK ? 0 : arc_fail(w, err, "writing a member");
	archive_entry_free(e);
	return rc;
}

/* Member data into the archive; the caller hands it to the hasher. */
static int write_data(struct arc_writer *w, const void *data, size_t n, struct drover_error *err)
{
	if (archive_write_data(w->a, data, n) != (la_ssize_t)n)
		return arc_fail(w, err, "writing member data");
	w->done += n;
	if (w->progress)
		w->progress(w->parg, w->done);
	return 0;
}

static int finish_member(void *arg, struct hs_wait *e)
{
	struct arc_writer *w = arg;

	if (sha_finish(e->md, w->m[e->index].sha256) != 0)
		w->hash_failed = 1;
	return 0;
}

/* A member's content is all handed over: its digest (md, owned from here) is finished once the
 * worker is done with it. After an error (rc), md is only freed, once the worker is done. */
static int member_hashed(struct arc_writer *w, const struct arc_member *m, EVP_MD_CTX *md, int rc,
                         struct drover_error *err)
{
	struct hs_wait *e = rc == 0 ? hq_push(&w->pend, w->hs, md) : NULL;

	if (!e) {
		hs_drain(w->hs);
		EVP_MD_CTX_free(md);
		return rc ? rc : err_set(err, DROVER_E_NOMEM, m->name, "out of memory");
	}
	e->index = (size_t)(m - w->m);
	return hq_finish(&w->pend, w->hs, 0, finish_member, w);
}

int arc_add_buffer(struct arc_writer *w, const char *member, const void *data, size_t len,
                   struct drover_error *err)
{
	struct stat st;
	struct arc_member *m = new_member(w, member, ARC_FILE, err);
	EVP_MD_CTX *md;
	int rc;

	if (!m)
		return err->code;
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0600;
	st.st_size = (off_t)len;
	st.st_mtim.tv_sec = time(NULL);
	if (!(md = sha_new()))
		return err_set(err, DROVER_E_NOMEM, member, "out of memory");
	rc = write_header(w, member, &st, NULL, err);
	if (rc == 0)
		rc = write_data(w, data, len, err);
	if (rc == 0)
		hs_update(w->hs, md, data, len);
	m->size = len;
	return member_hashed(w, m, md, rc, err);
}

static int link_stays_inside(const char *name, const char *target);

static int add_at(struct arc_writer *w, int dirfd, const char *name, const char *member,
                  const char *shown, struct drover_error *err)
{
	struct arc_member *m;
	struct stat st;
	EVP_MD_CTX *md = NULL;
	uint64_t total = 0;
	int fd = -1, rc = 0;
	ssize_t n;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return err_set(err, DROVER_E_IO, shown, "cannot read: %s", strerror(errno));
	if (S_ISLNK(st.st_mode)) {
		char link[PATH_MAX];
		ssize_t k = readlinkat(dirfd, name, link, sizeof(link) - 1);
		if (k < 0)
			return err_set(err, DROVER_E_IO, shown, "cannot read link: %s",
			               strerror(errno));
		link[k] = '\0';
		/* A restore refuses links that leave the tree: refuse them now, not at restore. */
		if (!link_stays_inside(member, link))
			return err_set(
			    err, DROVER_E_REFUSED, shown,
			    "is a symlink to %s, outside what is backed up: a restore could not "
			    "recreate it; replace it with what it points at, or exclude it",
			    link);
		if (!new_member(w, member, ARC_SYMLINK, err))
			return err->code;
		return write_header(w, member, &st, link, err);
	}
	if (S_ISDIR(st.st_mode)) {
		if (!new_member(w, member, ARC_DIR, err))
			return err->code;
		return write_header(w, member, &st, NULL, err);
	}
	if (!S_ISREG(st.st_mode)) /* sockets, FIFOs, devices are not a site's files */
		return 0;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, DROVER_E_IO, shown, "cannot read: %s", strerror(errno));
	if (!(m = new_member(w, member, ARC_FILE, err)) || !(md = sha_new())) {
		rc = err->code ? err->code : err_set(err, DROVER_E_NOMEM, shown, "out of memory");
		goto out;
	}
	if ((rc = write_header(w, member, &st, NULL, err)) != 0)
		goto out;
	while (total < (uint64_t)st.st_size) {
		/* Read straight into the hasher's slot: compressed and hashed with no copy. */
		unsigned char *buf = hs_claim(w->hs, md);
		if ((n = read(fd, buf, HS_BUF)) <= 0) {
			hs_commit(w->hs, 0);
			break;
		}
		if ((uint64_t)n > (uint64_t)st.st_size - total)
			n = (ssize_t)((uint64_t)st.st_size -
			              total); /* grew while we read: keep the header's size */
		rc = write_data(w, buf, (size_t)n, err);
		hs_commit(w->hs, (size_t)n);
		if (rc)
			goto out;
		total += (uint64_t)n;
	}
	if (total != (uint64_t)st.st_size) {
		rc = err_set(err, DROVER_E_IO, shown,
		             "changed size while being archived (%llu of %llu bytes): is the site "
		             "still being written to? Put it in maintenance mode first",
		             (unsigned long long)total, (unsigned long long)st.st_size);
		goto out;
	}
	m->size = total;
out:
	if (md)
		rc = member_hashed(w, m, md, rc, err);
	close(fd);
	return rc;
}

int arc_add_path(struct arc_writer *w, const char *member, const char *path,
                 struct drover_error *err)
{
	return add_at(w, AT_FDCWD, path, member, path, err);
}

static int excluded(const char *rel, const char *const *exclude, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(exclude[i]);
		if (k && strncmp(rel, exclude[i], k) == 0 && (rel[k] == '\0' || rel[k] == '/'))
			return 1;
	}
	return 0;
}

static int add_tree_at(struct arc_writer *w, int dfd, const char *member, char *rel, size_t rel_len,
                       const char *root, const char *const *exclude, size_t n_exclude,
                       struct drover_error *err)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	char name[PATH_MAX], shown[PATH_MAX];
	int rc = 0;

	if (!d) {
		close(dfd);
		return err_set(err, DROVER_E_IO, root, "cannot read %s: %s", rel, strerror(errno));
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		size_t k = strlen(e->d_name);
		if (e->d_name[0] == '.' && (k == 1 || (k == 2 && e->d_name[1] == '.')))
			continue;
		if (rel_len + 1 + k >= PATH_MAX) {
			rc = err_set(err, DROVER_E_RANGE, root, "path too long under %s", rel);
			break;
		}
		if (rel_len)
			rel[rel_len] = '/';
		memcpy(rel + rel_len + (rel_len ? 1 : 0), e->d_name, k + 1);
		if (!excluded(rel, exclude, n_exclude)) {
			(void)str_fmt(name, sizeof(name), "%s/%s", member, rel);
			(void)str_fmt(shown, sizeof(shown), "%s/%s", root, rel);
			struct stat sb;
			int isdir = e->d_type == DT_DIR ||
			            (e->d_type == DT_UNKNOWN && /* some file systems do not say */
			             fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
			             S_ISDIR(sb.st_mode));
			rc = add_at(w, dirfd(d), e->d_name, name, shown, err);
			if (rc == 0 && isdir) {
				int sub = openat(dirfd(d), e->d_name,
				                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (sub < 0)
					rc = err_set(err, DROVER_E_IO, shown, "cannot read: %s",
					             strerror(errno));
				else
					rc = add_tree_at(w, sub, member, rel,
					                 rel_len + (rel_len ? 1 : 0) + k, root,
					                 exclude, n_exclude, err);
			}
		}
		rel[rel_len] = '\0';
	}
	closedir(d);
	return rc;
}

int arc_add_tree(struct arc_writer *w, const char *member, const char *dir,
                 const char *const *exclude, size_t n_exclude, struct drover_error *err)
{
	char rel[PATH_MAX] = "";
	int fd, rc;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, DROVER_E_IO, dir, "cannot read: %s", strerror(errno));
	/* The root's member is the directory itself, even when `dir` is a symlink to it (a
	 * deployment's "current" link): a symlink member with files below it cannot be extracted. */
	if ((rc = add_at(w, fd, ".", member, dir, err)) != 0) {
		close(fd);
		return rc;
	}
	return add_tree_at(w, fd, member, rel, 0, dir, exclude, n_exclude, err);
}

const struct arc_member *arc_members(struct arc_writer *w, size_t *n)
{
	hq_finish(&w->pend, w->hs, 1, finish_member, w);
	*n = w->n;
	return w->m;
}

static int fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd, rc;

	if (str_copy(dir, sizeof(dir), path) != 0)
		return -1;
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		(void)str_copy(dir, sizeof(dir), ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int arc_finish(struct arc_writer *w, uint64_t *size, char sha256[ARC_SHA256_HEX],
               struct drover_error *err)
{
	int rc = 0;

	if (archive_write_close(w->a) != ARCHIVE_OK)
		rc = arc_fail(w, err, "finishing the archive");
	hq_finish(&w->pend, w->hs, 1, finish_member, w);
	if (rc == 0 && w->hash_failed)
		rc = err_set(err, DROVER_E_FAIL, w->tmp, "SHA-256 failed");
	if (rc == 0 && fsync(w->fd) != 0)
		rc = err_set(err, DROVER_E_IO, w->tmp, "cannot sync the archive: %s",
		             strerror(errno));
	if (rc == 0) {
		if (sha_finish(w->whole, sha256) != 0)
			rc = err_set(err, DROVER_E_FAIL, w->tmp, "SHA-256 failed");
		if (size)
			*size = w->written;
	}
	/* The final name appears only for a complete, synced file. */
	if (rc == 0 && rename(w->tmp, w->final) != 0)
		rc = err_set(err, DROVER_E_IO, w->final, "cannot move the archive into place: %s",
		             strerror(errno));
	if (rc == 0) {
		w->tmp[0] = '\0';
		if (fsync_dir_of(w->final) != 0)
			rc = err_set(err, DROVER_E_IO, w->final, "cannot sync its directory: %s",
			             strerror(errno));
	}
	arc_abort(w);
	return rc;
}

void arc_abort(struct arc_writer *w)
{
	if (!w)
		return;
	if (w->a)
		archive_write_free(w->a);
	hs_stop(w->hs); /* before the digests it may still be using go */
	hq_free(&w->pend);
	EVP_MD_CTX_free(w->whole);
	if (w->fd >= 0) {
		close(w->fd);
		/* Only a file that mkostemp() created: before that, tmp may hold a truncated
		 * template that names an existing file (even the final archive). */
		if (w->tmp[0])
			unlink(w->tmp);
	}
	free(w->m);
	free(w);
}

/* ---- reading ---------------------------------------------------------------------------------- */

/* Is a member name safe to create under the staging directory? NULL or why not. */
static const char *bad_name(const char *name, uint32_t max)
{
	size_t n = strlen(name), comp = 0;

	if (n == 0)
		return "has an empty name";
	if (n > max)
		return "has a name longer than the limit";
	if (name[0] == '/')
		return "has an absolute path";
	for (const char *p = name; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "has a control character in its name";
		if (*p == '/') {
			comp = 0;
			continue;
		}
		if (++comp > 255)
			return "has a name component longer than 255 bytes";
	}
	for (const char *p = name; p;) {
		const char *s = strchr(p, '/');
		size_t k = s ? (size_t)(s - p) : strlen(p);
		if (k == 2 && p[0] == '.' && p[1] == '.')
			return "has a '..' component";
		p = s ? s + 1 : NULL;
	}
	return NULL;
}

/*
 * Does a symlink at `name` pointing at `target` stay inside the tree? The link's depth counts
 * only real components of its name ("./l" and "a//l" are not deeper than "l" and "a/l"), and
 * only leading ".." may climb: after a name, ".." would resolve from wherever that name leads,
 * possibly another link (s -> ../.., t -> d/s/../x), which no lexical count can follow.
 */
static int link_stays_inside(const char *name, const char *target)
{
	int depth = -1, descended = 0; /* directories above the link */

	if (target[0] == '/' || target[0] == '\0')
		return 0;
	for (const char *p = name; p;) {
		const char *s = strchr(p, '/');
		size_t k = s ? (size_t)(s - p) : strlen(p);
		if (!(k == 0 || (k == 1 && p[0] == '.')))
			depth++;
		p = s ? s + 1 : NULL;
	}
	for (const char *p = target; p;) {
		const char *s = strchr(p, '/');
		size_t k = s ? (size_t)(s - p) : strlen(p);
		if (k == 2 && p[0] == '.' && p[1] == '.') {
			if (descended || --depth < 0)
				return 0;
		} else if (!(k == 0 || (k == 1 && p[0] == '.'))) {
			descended = 1;
		}
		p = s ? s + 1 : NULL;
	}
	return 1;
}

/* The first and last bytes of a member, for checks like "is the dump complete?". */
static void keep_ends(struct arc_member *m, const void *data, size_t len)
{
	const unsigned char *d = data;
	size_t have = m->size - len; /* bytes of this member before this block */

	for (size_t i = 0; have + i < sizeof(m->head) && i < len; i++)
		m->head[have + i] = d[i];
	if (len >= sizeof(m->tail)) {
		memcpy(m->tail, d + len - sizeof(m->tail), sizeof(m->tail));
		m->tail_len = sizeof(m->tail);
	} else {
		size_t keep = sizeof(m->tail) - len;
		if (keep > m->tail_len)
			keep = m->tail_len;
		memmove(m->tail, m->tail + m->tail_len - keep, keep);
		memcpy(m->tail + keep, d, len);
		m->tail_len = keep + len;
	}
}

static int capture_data(struct arc_capture *c, const void *data, size_t len,
                        struct drover_error *err)
{
	char *nb;

	if (c->len + len > c->cap)
		return err_set(err, DROVER_E_RANGE, c->name, "is larger than %zu bytes", c->cap);
	nb = realloc(c->buf, c->len + len + 1);
	if (!nb)
		return err_set(err, DROVER_E_NOMEM, c->name, "out of memory");
	memcpy(nb + c->len, data, len);
	c->len += len;
	nb[c->len] = '\0';
	c->buf = nb;
	return 0;
}

/* libarchive's input: the file, through the archive's checksum on the way (one read). */
struct source {
	int fd;
	unsigned char *buf;
	EVP_MD_CTX *md;
	struct hasher *hs;
};

static la_ssize_t read_in(struct archive *a, void *arg, const void **buf)
{
	struct source *s = arg;
	ssize_t n;

	do
		n = read(s->fd, s->buf, CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read: %s", strerror(errno));
		return -1;
	}
	if (s->md)
		hs_update(s->hs, s->md, s->buf, (size_t)n);
	*buf = s->buf;
	return n;
}

struct reader {
	struct archive *in, *out;
	const char *path;
	struct drover_error *err;
	arc_entry_fn cb;
	void *arg;
};

/* An entry whose content the worker has hashed: to the caller, in the archive's order. */
static int deliver(void *arg, struct hs_wait *e)
{
	struct reader *r = arg;

	if (e->m.type == ARC_FILE && sha_finish(e->md, e->m.sha256) != 0)
		return err_set(r->err, DROVER_E_FAIL, r->path, "SHA-256 failed");
	return r->cb ? r->cb(r->arg, &e->m) : 0;
}

/* libarchive's message, which may be NULL. */
static const char *astr(struct archive *a)
{
	const char *s = archive_error_string(a);

	return s ? s : "no detail from libarchive";
}

static int refuse(struct reader *r, const char *entry, const char *why)
{
	char shown[201];
	size_t i;

	/* The message is one line: a hostile name may hold newlines or terminal escapes. */
	for (i = 0; entry[i] && i < sizeof(shown) - 1; i++)
		shown[i] = (unsigned char)entry[i] < 0x20 || entry[i] == 0x7f ? '?' : entry[i];
	shown[i] = '\0';
	return err_set(r->err, DROVER_E_REFUSED, r->path,
	               "refused: entry '%s' %s; the archive is not a drover backup or was "
	               "tampered with",
	               shown, why);
}

int arc_extract(const char *path, const char *staging, const struct arc_limits *lim,
                arc_entry_fn cb, void *arg, arc_progress_fn progress, void *parg,
                struct arc_capture *capture, struct drover_error *err)
{
	struct reader r = {archive_read_new(), archive_write_disk_new(), path, err, cb, arg};
	struct source src = {-1, NULL, NULL, NULL};
	struct hs_queue pend = {0};
	struct archive_entry *e;
	struct stat st;
	uint64_t entries = 0, bytes = 0, compressed;
	int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0, h;
	EVP_MD_CTX *md = NULL;

	if (!lim)
		lim = &arc_default_limits;
	if (!r.in || !r.out || cwd < 0) {
		rc = err_set(err, DROVER_E_NOMEM, path, "cannot start reading");
		goto out;
	}
	if (stat(path, &st) != 0) {
		rc = err_set(err, errno == ENOENT ? DROVER_E_NOTFOUND : DROVER_E_IO, path,
		             "cannot read the archive: %s", strerror(errno));
		goto out;
	}
	compressed = st.st_size > 0 ? (uint64_t)st.st_size : 1;
	/* Only tar: no zip, cpio, iso or raw formats, whatever the file claims to be. */
	archive_read_support_format_tar(r.in);
	archive_read_support_filter_zstd(r.in);
	archive_read_support_filter_gzip(r.in);
	archive_write_disk_set_options(
	    r.out, ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	               ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_PERM |
	               ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_NO_OVERWRITE);
	src.fd = open(path, O_RDONLY | O_CLOEXEC);
	src.buf = malloc(CHUNK);
	src.md = capture ? sha_new() : NULL;
	src.hs = hs_start();
	if (src.fd < 0 || !src.buf || (capture && !src.md) || !src.hs) {
		rc = err_set(err, src.fd < 0 ? DROVER_E_IO : DROVER_E_NOMEM, path,
		             "cannot read the archive: %s", strerror(errno));
		goto out;
	}
	if (archive_read_open2(r.in, &src, NULL, read_in, NULL, NULL) != ARCHIVE_OK) {
		rc = err_set(err, DROVER_E_CORRUPT, path, "not a readable tar archive: %s",
		             astr(r.in));
		goto out;
	}
	/* libarchive's disk writer works relative to the current directory: the staging one. */
	if (staging && chdir(staging) != 0) {
		rc = err_set(err, DROVER_E_IO, staging, "cannot enter the staging directory: %s",
		             strerror(errno));
		goto out;
	}
	while ((h = archive_read_next_header(r.in, &e)) == ARCHIVE_OK) {
		struct arc_member m;
		const char *name = archive_entry_pathname(e), *why;
		mode_t type = archive_entry_filetype(e);
		const void *buf;
		size_t len;
		la_int64_t off;
		int b;

		memset(&m, 0, sizeof(m));
		if (!name) {
			rc = refuse(&r, "(unnamed)", "has no name");
			break;
		}
		if (++entries > lim->max_entries) {
			rc = refuse(&r, name, "is past the limit on the number of entries");
			break;
		}
		if ((why = bad_name(name, lim->max_name)) != NULL) {
			rc = refuse(&r, name, why);
			break;
		}
		if (archive_entry_hardlink(e)) {
			rc = refuse(&r, name, "is a hard link (drover never writes them)");
			break;
		}
		if (type == AE_IFLNK) {
			const char *t = archive_entry_symlink(e);
			if (!t || !link_stays_inside(name, t)) {
				rc = refuse(&r, name, "is a symlink that leaves the tree");
				break;
			}
			m.type = ARC_SYMLINK;
		} else if (type == AE_IFDIR) {
			m.type = ARC_DIR;
		} else if (type == AE_IFREG) {
			m.type = ARC_FILE;
		} else {
			rc = refuse(&r, name, "is a device, FIFO or socket");
			break;
		}
		if (m.type == ARC_FILE && archive_entry_size(e) < 0) {
			rc = refuse(&r, name, "has a negative size");
			break;
		}
		/* libarchive's NO_OVERWRITE skips an existing file silently (and replaces a symlink):
		 * a second entry of the same name is refused, so what cb sees is what is on disk. */
		if (staging && lstat(name, &st) == 0 &&
		    !(m.type == ARC_DIR && S_ISDIR(st.st_mode))) {
			rc = refuse(&r, name, "has the name of an earlier entry");
			break;
		}
		archive_entry_set_perm(e,
		                       archive_entry_perm(e) & 0755); /* no setuid, no g/o write */
		(void)str_copy(m.name, sizeof(m.name), name);
		for (size_t k = strlen(m.name); k > 1 && m.name[k - 1] == '/'; k--)
			m.name[k - 1] = '\0'; /* "dir/" as the writer named it: "dir" */
		if (capture && strcmp(capture->name, m.name) == 0) {
			if (capture->found) {
				rc = refuse(&r, name, "appears twice");
				break;
			}
			capture->found = 1;
		}
		if (staging && archive_write_header(r.out, e) != ARCHIVE_OK) {
			rc = refuse(&r, name, astr(r.out));
			break;
		}
		md = sha_new();
		if (!md) {
			rc = err_set(err, DROVER_E_NOMEM, path, "out of memory");
			break;
		}
		while ((b = archive_read_data_block(r.in, &buf, &len, &off)) == ARCHIVE_OK) {
			bytes += len;
			m.size += len;
			if (bytes > lim->max_bytes || bytes / compressed > lim->max_ratio) {
				rc = refuse(&r, name,
				            bytes > lim->max_bytes
				                ? "takes the archive past the size limit"
				                : "takes the compression ratio past the limit (an "
				                  "archive bomb?)");
				break;
			}
			keep_ends(&m, buf, len);
			if (capture && strcmp(capture->name, m.name) == 0 &&
			    (rc = capture_data(capture, buf, len, err)) != 0)
				break;
			if (staging &&
			    archive_write_data_block(r.out, buf, len, off) != ARCHIVE_OK) {
				rc = err_set(err, DROVER_E_IO, staging, "cannot write %s: %s", name,
				             astr(r.out));
				break;
			}
			hs_update(src.hs, md, buf, len);
			if (progress)
				progress(parg, bytes);
		}
		if (rc == 0 && b != ARCHIVE_EOF)
			rc =
			    err_set(err, DROVER_E_CORRUPT, path,
			            "entry '%.200s' is truncated or damaged: %s", name, astr(r.in));
		if (rc == 0 && staging && archive_write_finish_entry(r.out) != ARCHIVE_OK)
			rc = err_set(err, DROVER_E_IO, staging, "cannot finish %s: %s", name,
			             astr(r.out));
		if (rc == 0) {
			/* Its checksum, and cb, when the worker is done with its content. */
			struct hs_wait *w = hq_push(&pend, src.hs, md);
			if (!w) {
				rc = err_set(err, DROVER_E_NOMEM, path, "out of memory");
				break;
			}
			md = NULL;
			w->m = m;
			rc = hq_finish(&pend, src.hs, 0, deliver, &r);
		}
		if (rc)
			break;
	}
	if (rc == 0)
		rc = hq_finish(&pend, src.hs, 1, deliver, &r);
	if (rc == 0 && h != ARCHIVE_EOF)
		rc = err_set(err, DROVER_E_CORRUPT, path, "the archive is truncated or damaged: %s",
		             astr(r.in));
	if (rc == 0 && capture && src.md) {
		/* libarchive stops at the end-of-archive blocks: hash what follows them too. */
		ssize_t n;
		while ((n = read(src.fd, src.buf, CHUNK)) > 0)
			hs_update(src.hs, src.md, src.buf, (size_t)n);
		hs_drain(src.hs);
		if (sha_finish(src.md, capture->file_sha256) != 0)
			rc = err_set(err, DROVER_E_FAIL, path, "SHA-256 failed");
	}
	/* Zero blocks read as an empty tar: so does an ISO image or a zeroed file. */
	if (rc == 0 && entries == 0)
		rc = err_set(err, DROVER_E_CORRUPT, path, "not a readable tar archive: no entries");
out:
	/* libarchive sets directories' modes and times when it closes, by relative path: that
	 * must happen while the staging directory is still the working directory. */
	if (r.out && staging && archive_write_close(r.out) != ARCHIVE_OK && rc == 0)
		rc = err_set(err, DROVER_E_IO, staging, "cannot finish the staging directory: %s",
		             astr(r.out));
	if (cwd >= 0) {
		if (fchdir(cwd) != 0 && rc == 0)
			rc = err_set(err, DROVER_E_IO, ".",
			             "cannot return to the working directory");
		close(cwd);
	}
	if (r.out)
		archive_write_free(r.out);
	if (r.in)
		archive_read_free(r.in);
	if (src.fd >= 0)
		close(src.fd);
	free(src.buf);
	hs_stop(src.hs); /* before the digests it may still be using go */
	hq_free(&pend);
	EVP_MD_CTX_free(md);
	EVP_MD_CTX_free(src.md);
	return rc;
}

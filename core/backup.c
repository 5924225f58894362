/*
 * backup.c: a site's backup: its database dump and its own files in one archive, described by a
 * manifest (the last member) that carries the size and SHA-256 of every other member.
 */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "autoconf.h"
#include "db.h"
#include "error.h"
#include "host.h"
#include "inventory.h"
#include "json.h"
#include "progress.h"
#include "util.h"

#define MANIFEST_MAX (64u << 20)

/* ---- what the adapter says the site owns ------------------------------------------------------ */

struct paths {
	char **v;
	uint32_t *flags;
	size_t n, cap;
};

static void paths_free(struct paths *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	free(p->flags);
	memset(p, 0, sizeof(*p));
}

static int paths_add(struct paths *p, const char *path, uint32_t flags)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		char **v = realloc(p->v, cap * sizeof(*v));
		uint32_t *f = v ? realloc(p->flags, cap * sizeof(*f)) : NULL;
		if (v)
			p->v = v;
		if (!v || !f)
			return DROVER_E_NOMEM;
		p->flags = f;
		p->cap = cap;
	}
	if (!(p->v[p->n] = str_dup(path)))
		return DROVER_E_NOMEM;
	p->flags[p->n++] = flags;
	return 0;
}

static int on_path(void *arg, const char *path, uint32_t flags)
{
	/* Adapters speak of paths relative to the platform root, never up or absolute. */
	if (!path || !path[0] || path[0] == '/' || strstr(path, ".."))
		return DROVER_E_INVAL;
	return paths_add(arg, path, flags);
}

static int on_name(void *arg, const char *name)
{
	return db_ident_ok(name) && name[0] ? paths_add(arg, name, 0) : DROVER_E_INVAL;
}

/* ---- writing ---------------------------------------------------------------------------------- */

static void on_write_progress(void *arg, uint64_t done)
{
	progress_update(arg, done);
}

/* Bytes under a path, for the ETA: a metadata walk, cheap next to reading the files. */
static uint64_t size_of(const char *path)
{
	struct stat st;
	struct dirent *e;
	uint64_t total = 0;
	char sub[PATH_MAX];
	DIR *d;

	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	if (!(d = opendir(path)))
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    path_join(sub, sizeof(sub), path, e->d_name) == 0)
			total += size_of(sub);
	closedir(d);
	return total;
}

/* The relative paths under `own` that the adapter excludes (caches, the SQLite database). */
static int excludes_under(const struct paths *p, const char *own, const char **out, size_t *n)
{
	size_t k = strlen(own), m = 0;

	for (size_t i = 0; i < p->n; i++) {
		if (!(p->flags[i] & (DROVER_PATH_EXCLUDE | DROVER_PATH_DATABASE)))
			continue;
		if (strncmp(p->v[i], own, k) != 0 || p->v[i][k] != '/')
			continue;
		out[m++] = p->v[i] + k + 1;
	}
	*n = m;
	return 0;
}

static void json_members(struct jw *j, const struct arc_member *m, size_t n)
{
	static const char *const types[] = {"", "file", "dir", "symlink"};

	jw_key(j, "members");
	jw_arr_begin(j);
	for (size_t i = 0; i < n; i++) {
		jw_obj_begin(j);
		jw_kstr(j, "name", m[i].name);
		jw_kstr(j, "type", types[m[i].type & 3]);
		jw_kint(j, "size", (int64_t)m[i].size);
		jw_kstr(j, "sha256", m[i].type == ARC_FILE ? m[i].sha256 : NULL);
		jw_obj_end(j);
	}
	jw_arr_end(j);
}

struct pkgs_json {
	struct jw *j;
};

static int json_site_pkg(void *arg, const struct reg_site_package *k)
{
	struct jw *j = ((struct pkgs_json *)arg)->j;

	jw_obj_begin(j);
	jw_kstr(j, "name", k->name);
	jw_kint(j, "status", k->status);
	jw_kstr(j, "schema", k->schema);
	jw_obj_end(j);
	return 0;
}

static int write_manifest(struct app *a, struct arc_writer *w, const struct reg_site *s,
                          const struct reg_platform *p, const char *db_driver,
                          const struct paths *paths, const struct paths *cache)
{
	size_t n, len = 0;
	const struct arc_member *m = arc_members(w, &n);
	char *buf = NULL, when[32];
	struct pkgs_json pj;
	struct jw j;
	struct reg *reg;
	time_t now = time(NULL);
	struct tm tm;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f)
		return err_set(&a->err, DROVER_E_NOMEM, s->domain, "out of memory");
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	jw_init(&j, f);
	pj.j = &j;
	jw_obj_begin(&j);
	jw_kstr(&j, "format", "drover-backup");
	jw_kint(&j, "format_version", BK_FORMAT_VERSION);
	jw_kstr(&j, "drover_version", PACKAGE_VERSION);
	jw_kstr(&j, "created", when);
	jw_key(&j, "site");
	jw_obj_begin(&j);
	jw_kstr(&j, "domain", s->domain);
	jw_kstr(&j, "site_dir", s->site_dir);
	jw_obj_end(&j);
	jw_key(&j, "platform");
	jw_obj_begin(&j);
	jw_kstr(&j, "name", p->name);
	jw_kstr(&j, "path", p->path);
	jw_kstr(&j, "adapter", p->adapter);
	jw_kstr(&j, "cms", p->cms);
	jw_kstr(&j, "distribution", p->distribution);
	jw_kstr(&j, "core_version", p->core_version);
	jw_kint(&j, "generation", p->generation);
	jw_obj_end(&j);
	jw_key(&j, "database");
	jw_obj_begin(&j);
	jw_kstr(&j, "driver", db_driver);
	jw_kstr(&j, "server", s->db_server);
	jw_kstr(&j, "name", s->db_name);
	jw_key(&j, "structure_only");
	jw_arr_begin(&j);
	for (size_t i = 0; i < cache->n; i++)
		jw_str(&j, cache->v[i]);
	jw_arr_end(&j);
	jw_obj_end(&j);
	jw_key(&j, "files");
	jw_arr_begin(&j);
	for (size_t i = 0; i < paths->n; i++)
		if (paths->flags[i] & DROVER_PATH_OWN)
			jw_str(&j, paths->v[i]);
	jw_arr_end(&j);
	jw_key(&j, "packages");
	jw_arr_begin(&j);
	rc = inv_registry(a, &reg);
	if (rc == 0)
		rc = reg_site_package_foreach(reg, s->id, json_site_pkg, &pj, &a->err);
	jw_arr_end(&j);
	json_members(&j, m, n);
	jw_obj_end(&j);
	jw_end(&j);
	if (fclose(f) != 0 && rc == 0)
		rc = err_set(&a->err, DROVER_E_NOMEM, s->domain, "out of memory");
	if (rc == 0)
		rc = arc_add_buffer(w, BK_MANIFEST, buf, len, &a->err);
	free(buf);
	return rc;
}

static int list_site(struct app *a, const struct ldr_entry *ad, const struct reg_platform *p,
                     const struct reg_site *s, struct paths *paths, struct paths *cache)
{
	struct drover_site site = {.struct_size = sizeof(site),
	                           .domain = s->domain,
	                           .root = p->path,
	                           .site_dir = s->site_dir};
	struct drover_db *db = NULL;
	struct drover_ctx ctx;
	int rc;

	if (!(ad->desc->caps & DROVER_CAP_SITE_PATHS))
		return err_set(&a->err, DROVER_E_NOTSUP, ad->name,
		               "the %s adapter cannot list a site's files: backup is not supported "
		               "for %s sites by this adapter version",
		               ad->name, p->cms);
	/* With the database attached the adapter sees paths and tables configured there (Drupal 7
	 * keeps its private files path in the variable table, modules add cache tables). */
	if (inv_site_open(a, ad, s->domain, p->path, s->site_dir, s->db_server, &db) != 0)
		return a->err.code;
	site.db = db;
	site.db_driver = db_driver(db);
	host_ctx_init(&ctx, ad, &a->err);
	rc = ad->desc->ops->site_paths(&ctx, &site, on_path, paths);
	if (rc == 0 && (ad->desc->caps & DROVER_CAP_CACHE_TABLES)) {
		host_ctx_init(&ctx, ad, &a->err);
		rc = ad->desc->ops->cache_tables(&ctx, &site, on_name, cache);
	}
	db_close(db);
	if (rc && !a->err.code)
		err_set(&a->err, rc, s->domain, "the adapter's list of the site's files failed: %s",
		        drover_strerror(rc));
	return rc;
}

int bk_create(struct app *a, const char *domain, const char *format, int64_t task_id,
              struct bk_result *out)
{
	char dir[PATH_MAX], work[PATH_MAX], dbdir[PATH_MAX], final[PATH_MAX], stamp[32],
	    src[PATH_MAX];
	struct paths paths = {0}, cache = {0};
	const struct ldr_entry *ad;
	struct arc_writer *w = NULL;
	struct reg_platform p;
	struct db_params dp;
	struct progress prog;
	struct reg_site s;
	struct reg *reg;
	uint64_t total = 0;
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	memset(out, 0, sizeof(*out));
	work[0] = '\0';
	if ((rc = inv_registry(a, &reg)) != 0)
		return rc;
	if ((rc = reg_site_get(reg, domain, &s, &a->err)) != 0)
		return rc == DROVER_E_NOTFOUND
		           ? err_set(&a->err, rc, domain,
		                     "no site named %s: see 'drover site list'", domain)
		           : rc;
	if ((rc = reg_platform_get_id(reg, s.platform_id, &p, &a->err)) != 0 ||
	    (rc = inv_adapter(a, &p, &ad)) != 0)
		return rc;
	format = format ? format : a->cfg.backups.format;
	if (strcmp(format, "zst") != 0 && strcmp(format, "gz") != 0)
		return err_set(&a->err, DROVER_E_INVAL, format, "backup format must be zst or gz");
	if ((rc = list_site(a, ad, &p, &s, &paths, &cache)) != 0)
		goto out;
	if ((rc = inv_site_db_params(a, &s, ad, &p, &dp)) != 0)
		goto out;
	/* <backup_dir>/<domain>/<domain>-<UTC time>.tar.zst, and a private work directory. */
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (path_join(dir, sizeof(dir), a->cfg.backup_dir, domain) ||
	    str_fmt(work, sizeof(work), "%s/.work-%ld-XXXXXX", a->cfg.backup_dir, (long)getpid())) {
		rc = err_set(&a->err, DROVER_E_RANGE, a->cfg.backup_dir, "path too long");
		goto out;
	}
	if (path_mkdirs(dir, 0700) != 0 || !mkdtemp(work)) {
		rc = err_set(&a->err, DROVER_E_IO, a->cfg.backup_dir, "cannot create %s: %s", dir,
		             strerror(errno));
		work[0] = '\0';
		goto out;
	}
	for (int i = 0;; i++) { /* two backups in one second get -1, -2, ... */
		struct stat st;
		int r = i ? str_fmt(final, sizeof(final), "%s/%s-%s-%d.tar.%s", dir, domain, stamp,
		                    i, format)
		          : str_fmt(final, sizeof(final), "%s/%s-%s.tar.%s", dir, domain, stamp,
		                    format);
		if (r) {
			rc = err_set(&a->err, DROVER_E_RANGE, dir, "path too long");
			goto out;
		}
		if (stat(final, &st) != 0)
			break;
	}
	/* The database first: a consistent dump, checked complete by the driver. */
	if (path_join(dbdir, sizeof(dbdir), work, "db") || mkdir(dbdir, 0700) != 0) {
		rc = err_set(&a->err, DROVER_E_IO, work, "cannot create the work directory: %s",
		             strerror(errno));
		goto out;
	}
	rc = db_dump(&dp, dbdir, (const char *const *)cache.v, cache.n, &out->db_bytes, &a->err);
	memset(&dp, 0, sizeof(dp));
	if (rc)
		goto out;
	for (size_t i = 0; i < paths.n; i++)
		if ((paths.flags[i] & DROVER_PATH_OWN) &&
		    path_join(src, sizeof(src), p.path, paths.v[i]) == 0)
			total += size_of(src);
	progress_start(&prog, domain, total + out->db_bytes, a->quiet);
	if ((rc = arc_create(final, format,
	                     strcmp(format, "gz") == 0 ? 6 : a->cfg.backups.zstd_level,
	                     a->cfg.backups.threads, &w, &a->err)) != 0)
		goto out;
	arc_set_progress(w, on_write_progress, &prog);
	{
		static const char *const dumps[] = {"site.sqlite", "dump.sql", "structure.sql"};
		for (size_t i = 0; rc == 0 && i < ARRAY_LEN(dumps); i++) {
			char member[64];
			struct stat st;
			if (path_join(src, sizeof(src), dbdir, dumps[i]) || stat(src, &st) != 0)
				continue;
			(void)str_fmt(member, sizeof(member), "database/%s", dumps[i]);
			rc = arc_add_path(w, member, src, &a->err);
		}
	}
	for (size_t i = 0; rc == 0 && i < paths.n; i++) {
		const char *ex[64];
		size_t n_ex = 0;
		char member[PATH_MAX];
		struct stat st;
		if (!(paths.flags[i] & DROVER_PATH_OWN))
			continue;
		if (path_join(src, sizeof(src), p.path, paths.v[i]) ||
		    str_fmt(member, sizeof(member), "files/%s", paths.v[i])) {
			rc = err_set(&a->err, DROVER_E_RANGE, paths.v[i], "path too long");
			break;
		}
		if (stat(src, &st) != 0)
			continue; /* an owned path the site has not created (no uploads yet) */
		if (S_ISDIR(st.st_mode)) {
			excludes_under(&paths, paths.v[i], ex, &n_ex);
			rc = arc_add_tree(w, member, src, ex, n_ex > 64 ? 64 : n_ex, &a->err);
		} else {
			rc = arc_add_path(w, member, src, &a->err);
		}
		out->files++;
	}
	if (rc == 0)
		rc = write_manifest(a, w, &s, &p, cfg_db_server(&a->cfg, s.db_server)->driver,
		                    &paths, &cache);
	progress_end(&prog);
	if (rc == 0) {
		size_t n;
		const struct arc_member *m = arc_members(w, &n);
		out->files = n;
		for (size_t i = 0; i < n; i++)
			out->file_bytes += m[i].size;
		rc = arc_finish(w, &out->b.size, out->b.sha256, &a->err);
		w = NULL;
	}
	if (rc)
		goto out;
	/* Catalogued only once it is complete and in place. */
	(void)str_copy(out->b.site_domain, sizeof(out->b.site_domain), s.domain);
	out->b.site_id = s.id;
	(void)str_copy(out->b.path, sizeof(out->b.path), final);
	(void)str_copy(out->b.format, sizeof(out->b.format), format);
	(void)str_copy(out->b.platform_name, sizeof(out->b.platform_name), p.name);
	out->b.created_at = (int64_t)now;
	out->b.task_id = task_id;
	if ((rc = reg_backup_add(reg, &out->b, &a->err)) != 0)
		unlink(final); /* not catalogued: not a backup anyone can find */
out:
	arc_abort(w);
	if (work[0])
		path_remove_tree(work);
	paths_free(&paths);
	paths_free(&cache);
	return rc;
}

/* ---- reading ---------------------------------------------------------------------------------- */

void bk_manifest_free(struct bk_manifest *m)
{
	for (size_t i = 0; i < m->n_files; i++)
		free(m->files[i]);
	free(m->files);
	free(m->members);
	memset(m, 0, sizeof(*m));
}

struct seen {
	struct arc_member *v;
	size_t n, cap;
	const char *staging;
};

/* A SQLite copy is synced before it goes into place (db_load): start writing it back as soon as
 * it is staged, so that the sync, after the site's files are extracted, finds little left to do. */
static void start_writeback(const char *staging, const char *member)
{
#ifdef SYNC_FILE_RANGE_WRITE
	char path[PATH_MAX];
	int fd;

	if (path_join(path, sizeof(path), staging, member) != 0 ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	close(fd);
#else
	(void)staging;
	(void)member;
#endif
}

static int on_entry(void *arg, const struct arc_member *m)
{
	struct seen *s = arg;

	if (s->staging && m->type == ARC_FILE && strcmp(m->name, "database/site.sqlite") == 0)
		start_writeback(s->staging, m->name);

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct arc_member *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return DROVER_E_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *m;
	return 0;
}

static const char *jstr(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

static int parse_manifest(struct app *a, const char *path, const char *text, struct bk_manifest *m)
{
	json_error_t je;
	json_t *root = json_loads(text, 0, &je), *site, *plat, *db, *members, *files;
	int rc = 0;

	if (!root)
		return err_set(&a->err, DROVER_E_CORRUPT, path,
		               "the manifest is not valid JSON (line %d: %s)", je.line, je.text);
	if (strcmp(jstr(root, "format"), "drover-backup") != 0) {
		rc = err_set(&a->err, DROVER_E_CORRUPT, path, "not a drover backup manifest");
		goto out;
	}
	if (json_integer_value(json_object_get(root, "format_version")) > BK_FORMAT_VERSION) {
		rc = err_set(
		    &a->err, DROVER_E_ABI, path,
		    "backup format %lld is newer than this drover reads (%d): upgrade drover",
		    (long long)json_integer_value(json_object_get(root, "format_version")),
		    BK_FORMAT_VERSION);
		goto out;
	}
	site = json_object_get(root, "site");
	plat = json_object_get(root, "platform");
	db = json_object_get(root, "database");
	members = json_object_get(root, "members");
	files = json_object_get(root, "files");
	if (!json_is_object(site) || !json_is_object(plat) || !json_is_object(db) ||
	    !json_is_array(members) || !json_is_array(files)) {
		rc = err_set(&a->err, DROVER_E_CORRUPT, path, "the manifest lacks a required part");
		goto out;
	}
	(void)str_copy(m->domain, sizeof(m->domain), jstr(site, "domain"));
	(void)str_copy(m->site_dir, sizeof(m->site_dir), jstr(site, "site_dir"));
	(void)str_copy(m->platform, sizeof(m->platform), jstr(plat, "name"));
	(void)str_copy(m->platform_path, sizeof(m->platform_path), jstr(plat, "path"));
	(void)str_copy(m->adapter, sizeof(m->adapter), jstr(plat, "adapter"));
	(void)str_copy(m->cms, sizeof(m->cms), jstr(plat, "cms"));
	(void)str_copy(m->distribution, sizeof(m->distribution), jstr(plat, "distribution"));
	(void)str_copy(m->core_version, sizeof(m->core_version), jstr(plat, "core_version"));
	(void)str_copy(m->db_driver, sizeof(m->db_driver), jstr(db, "driver"));
	(void)str_copy(m->db_server, sizeof(m->db_server), jstr(db, "server"));
	(void)str_copy(m->created, sizeof(m->created), jstr(root, "created"));
	m->n_members = json_array_size(members);
	m->members = calloc(m->n_members ? m->n_members : 1, sizeof(*m->members));
	m->n_files = json_array_size(files);
	m->files = calloc(m->n_files ? m->n_files : 1, sizeof(*m->files));
	if (!m->members || !m->files) {
		rc = err_set(&a->err, DROVER_E_NOMEM, path, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < m->n_members; i++) {
		json_t *e = json_array_get(members, i);
		const char *type = jstr(e, "type");
		struct arc_member *mm = &m->members[i];
		(void)str_copy(mm->name, sizeof(mm->name), jstr(e, "name"));
		mm->type = strcmp(type, "file") == 0  ? ARC_FILE
		           : strcmp(type, "dir") == 0 ? ARC_DIR
		                                      : ARC_SYMLINK;
		mm->size = (uint64_t)json_integer_value(json_object_get(e, "size"));
		(void)str_copy(mm->sha256, sizeof(mm->sha256), jstr(e, "sha256"));
		if (!mm->name[0] || (mm->type == ARC_FILE && strlen(mm->sha256) != 64)) {
			rc = err_set(&a->err, DROVER_E_CORRUPT, path,
			             "the manifest's member %zu has no name or checksum", i);
			goto out;
		}
	}
	for (size_t i = 0; i < m->n_files; i++) {
		m->files[i] = str_dup(json_string_value(json_array_get(files, i))
		                          ? json_string_value(json_array_get(files, i))
		                          : "");
		if (!m->files[i]) {
			rc = err_set(&a->err, DROVER_E_NOMEM, path, "out of memory");
			goto out;
		}
	}
out:
	json_decref(root);
	return rc;
}

static int by_name(const void *x, const void *y)
{
	return strcmp(((const struct arc_member *)x)->name, ((const struct arc_member *)y)->name);
}

/* Every member the manifest lists is there with its size and checksum, nothing else is, and
 * the database dump is complete. */
static int check_members(struct app *a, const char *path, struct seen *s,
                         const struct bk_manifest *m)
{
	int have_dump = 0;

	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), by_name);
	for (size_t i = 1; i < s->n; i++)
		if (strcmp(s->v[i - 1].name, s->v[i].name) == 0)
			return err_set(&a->err, DROVER_E_CORRUPT, path, "member %s appears twice",
			               s->v[i].name);
	for (size_t i = 0; i < m->n_members; i++) {
		const struct arc_member *want = &m->members[i];
		struct arc_member *got =
		    s->n ? bsearch(want, s->v, s->n, sizeof(*s->v), by_name) : NULL;
		if (!got)
			return err_set(&a->err, DROVER_E_CORRUPT, path,
			               "member %s is in the manifest but not in the archive",
			               want->name);
		if (got->type != want->type ||
		    (want->type == ARC_FILE &&
		     (got->size != want->size || strcmp(got->sha256, want->sha256) != 0)))
			return err_set(
			    &a->err, DROVER_E_CORRUPT, path,
			    "member %s does not match its checksum in the manifest: the backup "
			    "is damaged",
			    want->name);
		got->type = -got->type; /* seen */
		if (strcmp(want->name, "database/dump.sql") == 0 ||
		    strcmp(want->name, "database/structure.sql") == 0) {
			char tail[sizeof(got->tail) + 1];
			memcpy(tail, got->tail, got->tail_len);
			tail[got->tail_len] = '\0';
			if (!strstr(tail, "-- Dump completed"))
				return err_set(
				    &a->err, DROVER_E_CORRUPT, path,
				    "the database dump %s is incomplete (no completion line)",
				    want->name);
			have_dump |= strcmp(want->name, "database/dump.sql") == 0;
		} else if (strcmp(want->name, "database/site.sqlite") == 0) {
			if (memcmp(got->head, "SQLite format 3", 16) != 0)
				return err_set(&a->err, DROVER_E_CORRUPT, path,
				               "the database copy is not an SQLite database");
			have_dump = 1;
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].type < 0) {
			s->v[i].type = -s->v[i].type;
			continue;
		}
		if (strcmp(s->v[i].name, BK_MANIFEST) != 0)
			return err_set(&a->err, DROVER_E_CORRUPT, path,
			               "member %s is not in the manifest: the archive was changed",
			               s->v[i].name);
	}
	if (!have_dump)
		return err_set(&a->err, DROVER_E_CORRUPT, path, "the backup has no database dump");
	return 0;
}

static void on_read_progress(void *arg, uint64_t done)
{
	progress_update(arg, done);
}

int bk_read(struct app *a, const char *path, const char *staging, struct bk_manifest *m)
{
	struct arc_capture cap = {.name = BK_MANIFEST, .cap = MANIFEST_MAX};
	struct seen s = {0};
	struct progress prog;
	int rc;

	memset(m, 0, sizeof(*m));
	progress_start(&prog, path_base(path), 0, a->quiet);
	s.staging = staging;
	rc = arc_extract(path, staging, NULL, on_entry, &s, on_read_progress, &prog, &cap, &a->err);
	progress_end(&prog);
	if (rc == DROVER_E_NOMEM && !a->err.code)
		err_set(&a->err, rc, path, "out of memory");
	if (rc == 0 && !cap.found)
		rc = err_set(&a->err, DROVER_E_CORRUPT, path,
		             "no manifest: not a drover backup, or cut short before its end");
	if (rc == 0)
		rc = parse_manifest(a, path, cap.buf, m);
	if (rc == 0)
		rc = check_members(a, path, &s, m);
	if (rc == 0)
		(void)str_copy(m->archive_sha256, sizeof(m->archive_sha256), cap.file_sha256);
	if (rc)
		bk_manifest_free(m);
	free(cap.buf);
	free(s.v);
	return rc;
}

int bk_resolve(struct app *a, const char *id_or_file, struct reg_backup *out, int *in_catalog)
{
	struct reg *reg;
	char real[PATH_MAX];
	int64_t id;
	int rc;

	memset(out, 0, sizeof(*out));
	*in_catalog = 0;
	if ((rc = inv_registry(a, &reg)) != 0)
		return rc;
	if (str_to_i64(id_or_file, &id) == 0) {
		rc = reg_backup_get(reg, id, out, &a->err);
		if (rc == DROVER_E_NOTFOUND)
			return err_set(&a->err, rc, id_or_file,
			               "no backup with id %s: see 'drover backups'", id_or_file);
		*in_catalog = rc == 0;
		return rc;
	}
	if (!realpath(id_or_file, real))
		return err_set(&a->err, DROVER_E_NOTFOUND, id_or_file, "cannot read the backup: %s",
		               strerror(errno));
	rc = reg_backup_get_path(reg, real, out, &a->err);
	if (rc == 0) {
		*in_catalog = 1;
		return 0;
	}
	if (rc != DROVER_E_NOTFOUND)
		return rc;
	err_clear(&a->err);
	(void)str_copy(out->path, sizeof(out->path), real);
	return 0;
}

/* ---- retention -------------------------------------------------------------------------------- */

struct prune_ctx {
	struct reg_backup *v;
	size_t n, cap;
};

static int collect_backup(void *arg, const struct reg_backup *b)
{
	struct prune_ctx *c = arg;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct reg_backup *v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return DROVER_E_NOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = *b;
	return 0;
}

/* The period a time falls in, for daily/weekly/monthly retention. */
static long period(int64_t t, int kind)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	if (kind == 0)
		return (long)(t / 86400);
	if (kind == 1)
		return (long)((t / 86400 + 3) / 7); /* weeks starting on Monday */
	return (long)(tm.tm_year * 12 + tm.tm_mon);
}

int bk_prune(struct app *a, int dry_run, int *removed)
{
	struct prune_ctx c = {0};
	const struct cfg_backups *k = &a->cfg.backups;
	struct reg *reg;
	int rc;

	*removed = 0;
	if ((rc = inv_registry(a, &reg)) != 0)
		return rc;
	if ((rc = reg_backup_foreach(reg, NULL, collect_backup, &c, &a->err)) != 0) {
		free(c.v);
		return rc == DROVER_E_NOMEM ? err_set(&a->err, rc, NULL, "out of memory") : rc;
	}
	/* Backups come newest first, grouped by nothing: walk each site's in turn. */
	for (size_t i = 0; i < c.n; i++) {
		const char *domain = c.v[i].site_domain;
		size_t kept = 0, pos = 0;
		long seen[3] = {-1, -1, -1};
		int counts[3] = {0, 0, 0}, newest_verified = 1;
		int limits[3] = {k->keep_daily, k->keep_weekly, k->keep_monthly};

		int done_before = 0;
		for (size_t j = 0; j < i && !done_before; j++)
			done_before = strcmp(c.v[j].site_domain, domain) == 0;
		if (done_before)
			continue; /* each site once: at its newest backup */
		for (size_t j = i; j < c.n; j++) {
			struct reg_backup *b = &c.v[j];
			int keep = 0;
			if (strcmp(b->site_domain, domain) != 0)
				continue;
			keep = pos++ < (size_t)k->keep_last;
			for (int kind = 0; kind < 3; kind++) {
				long p = period(b->created_at, kind);
				if (p != seen[kind] && counts[kind] < limits[kind]) {
					seen[kind] = p;
					counts[kind]++;
					keep = 1;
				}
			}
			/* Never the last good one: the newest verified backup stays, whatever the rules. */
			if (b->verified_at && newest_verified) {
				keep = 1;
				newest_verified = 0;
			}
			if (keep) {
				kept++;
				continue;
			}
			if (!dry_run) {
				if (unlink(b->path) != 0 && errno != ENOENT) {
					rc = err_set(&a->err, DROVER_E_IO, b->path,
					             "cannot remove: %s", strerror(errno));
					break;
				}
				if ((rc = reg_backup_delete(reg, b->id, &a->err)) != 0)
					break;
			}
			if (!a->quiet && !a->json)
				printf("%s backup %lld of %s (%s)\n",
				       dry_run ? "would remove" : "removed", (long long)b->id,
				       b->site_domain, b->path);
			(*removed)++;
		}
		(void)kept;
		if (rc)
			break;
	}
	free(c.v);
	return rc;
}

/* ---- leftovers of killed backups ----------------------------------------------------------------- */

/* The pid a leftover's name carries after `tag` (".work-", ".tmp-"), or 0. */
static long leftover_pid(const char *name, const char *tag)
{
	const char *p = strstr(name, tag);
	char *end;
	long pid;

	if (!p)
		return 0;
	pid = strtol(p + strlen(tag), &end, 10);
	return end != p + strlen(tag) && *end == '-' ? pid : 0;
}

static int owner_gone(long pid)
{
	return pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int bk_sweep(struct app *a, int *removed)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct dirent *e, *f;
	DIR *d, *sd;

	*removed = 0;
	if (!(d = opendir(a->cfg.backup_dir)))
		return 0; /* no backups yet */
	while ((e = readdir(d)) != NULL) {
		if (path_join(path, sizeof(path), a->cfg.backup_dir, e->d_name) != 0)
			continue;
		/* <backup_dir>/.work-<pid>-XXXXXX: a killed backup's database dump. */
		if (strncmp(e->d_name, ".work-", 6) == 0) {
			if (owner_gone(leftover_pid(e->d_name, ".work-")) &&
			    path_remove_tree(path) == 0)
				(*removed)++;
			continue;
		}
		if (e->d_name[0] == '.' || !(sd = opendir(path)))
			continue;
		/* <backup_dir>/<domain>/<name>.tmp-<pid>-XXXXXX: a killed backup's partial archive. */
		while ((f = readdir(sd)) != NULL)
			if (owner_gone(leftover_pid(f->d_name, ".tmp-")) &&
			    path_join(sub, sizeof(sub), path, f->d_name) == 0 && unlink(sub) == 0)
				(*removed)++;
		closedir(sd);
	}
	closedir(d);
	return 0;
}

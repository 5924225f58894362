/*
 * plugins/drupal/scan.c: the packages op. Walks a platform the way Drupal discovers its
 * extensions, reads each one's info file and update functions, settles which copy of a
 * duplicated extension is in use, and streams the result.
 *
 * Where Drupal looks (checked against the Drupal sources):
 *   Drupal 7  drupal_system_listing() (includes/common.inc) searches modules/, then
 *             profiles/<profile>/modules, sites/all/modules, sites/<site>/modules (and the
 *             same for themes/ and themes/engines/) with file_scan_directory()
 *             (includes/file.inc), which skips names starting with '.' and names ending in
 *             '.', '..' or 'CVS', and follows symbolic links. A module is a NAME.module
 *             with a NAME.info beside it (_system_rebuild_module_data(), min depth 0), a theme
 *             any NAME.info below themes/ (_system_rebuild_theme_data(), min depth 1), a theme
 *             engine any NAME.engine below themes/engines/ (min depth 1), a profile
 *             profiles/<dir>/NAME.profile with its NAME.info (install_find_profiles()). Test
 *             modules are ordinary modules there (simpletest's tests/ directories), marked
 *             `hidden = TRUE`.
 *   Drupal 8+ ExtensionDiscovery::scan() (core/lib/Drupal/Core/Extension/) searches core/,
 *             sites/all/, the root and sites/<site>/, and in each only the profiles/,
 *             modules/ and themes/ directories; RecursiveExtensionFilterCallback skips
 *             directories named src lib vendor assets css files images js misc templates
 *             includes fixtures Drupal, hidden ones, config/ unless the path ends in
 *             modules/config, and tests/ unless the site sets extension_discovery_scan_tests.
 *             Any NAME.info.yml whose `type:` is module, theme, profile or theme_engine is an
 *             extension. Test extensions are left out here, as Drupal does at run time: a
 *             site cannot enable them without changing its settings, and they would quadruple
 *             the list.
 *   Both      skip node_modules and bower_components, the file_scan_ignore_directories that
 *             default.settings.php sets (7's $conf, 8+'s $settings); a platform listing cannot
 *             read each site's own setting, and no extension lives there.
 *
 * Which copy wins (same search order in both generations): a copy found in a later search
 * directory replaces an earlier one: core < installation profile < sites/all < root (8+) <
 * sites/<site>. Drupal 7 keeps the earlier copy when the later one declares another `core`
 * than 7.x. Drupal decides this per site; drover lists a platform, so:
 *   - a copy overridden for every site (core's copy when sites/all has one) is not listed;
 *   - a copy inside an installation profile only applies to sites of that profile, so it
 *     does not hide core's copy, and both are listed;
 *   - a site-specific copy (sites/<site>/modules) overrides only for that site: it is listed
 *     with DROVER_PKG_SITE_SPECIFIC and .site = "sites/<site>", and the shared copy is
 *     listed too, for the other sites;
 *   - two copies in the same place (say two directories under sites/all/modules) are a
 *     mistake: Drupal picks one by file system order. The one in the shallower directory wins
 *     (Drupal 7 prefers files in a directory over its subdirectories), else the first by path;
 *     the other is named in a warning.
 *
 * Reading: one pass over each search directory with openat/fdopendir/readdir; the file type
 * comes from d_type, so only symbolic links (and file systems without d_type) cost a stat, and
 * only files whose names can matter are opened. Symbolic links to directories are followed
 * (deployments link shared module directories) with a guard against loops and a depth limit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drupal.h"

#define MAX_DEPTH 32

/* Origins, in the search order (ExtensionDiscovery::ORIGIN_*). */
#define O_CORE      0
#define O_PROFILE   1
#define O_SITES_ALL 2
#define O_ROOT      3
#define O_SITE      5

/* Namespaces: inside one, a name means one extension. Drupal 7 profiles are modules. */
#define NS_MODULE  0
#define NS_THEME   1
#define NS_ENGINE  2
#define NS_PROFILE 3

/* What a Drupal 7 search directory holds. */
#define M7_MODULES 1
#define M7_THEMES  2
#define M7_ENGINES 3
#define M7_PROFILE 4
#define M8         5

struct pkg {
	char *name, *path, *version;
	char *scope; /* profile directory (O_PROFILE) or site directory (O_SITE); may be NULL */
	char *site;  /* "sites/<x>" for a site-specific copy */
	const char *type;
	char schema[24];
	uint32_t flags;
	int origin, ns;
	int incompatible; /* Drupal 7: `core` set and not 7.x */
	int gone;         /* not listed: overridden, or a losing duplicate */
	struct d_strv updates;
};

struct scan {
	struct drover_ctx *ctx;
	const struct tf_root *r;
	int d7;
	char core_version[64];
	struct d_versions *versions;
	struct pkg *v;
	size_t n, cap;
	int err; /* DROVER_E_NOMEM once memory ran out */

	char rel[TF_PATH_MAX]; /* the directory being read, relative to the root */
	size_t rlen;
	struct {
		dev_t dev;
		ino_t ino;
	} anc[MAX_DEPTH + 2]; /* the directories above it, to stop symbolic link loops */
	int nanc;

	/* The search directory being walked. */
	int mode;
	int origin;        /* of what is found */
	const char *site;  /* "sites/<x>" */
	const char *scope; /* the profile (or site) directory around the current directory */
	int in_profiles;   /* 8+: below a search directory's profiles/ */
};

static void warn_dir(struct scan *s, const char *what, int err)
{
	s->ctx->host->log(s->ctx, DROVER_LOG_WARNING,
	                  "%s: %s: %s; packages below it are not listed: make it readable by the "
	                  "user drover runs as",
	                  s->rlen ? s->rel : ".", what, strerror(err));
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n > k && memcmp(s + n - k, suffix, k) == 0;
}

/* A file name worth keeping from a directory listing. */
static int interesting(const struct scan *s, const char *nm)
{
	size_t n = strlen(nm);

	if (ends_with(nm, n, ".install"))
		return 1;
	if (!s->d7)
		return ends_with(nm, n, ".info.yml") || ends_with(nm, n, ".post_update.php");
	return ends_with(nm, n, ".info") || ends_with(nm, n, ".module") ||
	       ends_with(nm, n, ".engine") || ends_with(nm, n, ".profile");
}

/* A directory worth entering (name already known not to start with '.'). */
static int enter_ok(const struct scan *s, const char *nm)
{
	static const char *const skip8[] = {"src",      "lib",      "vendor", "assets", "css",
	                                    "files",    "images",   "js",     "misc",   "templates",
	                                    "includes", "fixtures", "Drupal", "tests"};
	size_t n = strlen(nm);

	if (strcmp(nm, "node_modules") == 0 || strcmp(nm, "bower_components") == 0)
		return 0;
	if (s->mode == M7_PROFILE)
		return 0;
	if (s->d7)
		return !(nm[n - 1] == '.' || ends_with(nm, n, "CVS") || strcmp(nm, "CVS") == 0);
	for (size_t i = 0; i < sizeof skip8 / sizeof skip8[0]; i++)
		if (strcmp(nm, skip8[i]) == 0)
			return 0;
	if (strcmp(nm, "config") == 0)
		return s->rlen >= 7 && strcmp(s->rel + s->rlen - 7, "modules") == 0;
	return 1;
}

static int rel_push(struct scan *s, const char *name)
{
	size_t n = strlen(name), need = s->rlen + (s->rlen ? 1 : 0) + n;

	if (need >= sizeof s->rel)
		return -1;
	if (s->rlen)
		s->rel[s->rlen++] = '/';
	memcpy(s->rel + s->rlen, name, n + 1);
	s->rlen += n;
	return 0;
}

static int listed(const struct d_strv *files, const char *name)
{
	for (size_t i = 0; i < files->n; i++)
		if (strcmp(files->v[i], name) == 0)
			return 1;
	return 0;
}

static void pkg_free(struct pkg *p)
{
	free(p->name);
	free(p->path);
	free(p->version);
	free(p->scope);
	free(p->site);
	d_strv_free(&p->updates);
}

/* "<dir>/<file>" relative to the root, for messages. */
static const char *file_rel(const struct scan *s, const char *file, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s%s%s", s->rel, s->rlen ? "/" : "", file);

	return (n < 0 || (size_t)n >= size) ? file : buf;
}

static void warn_skip(struct scan *s, const char *file, const struct d_problem *pb)
{
	char buf[TF_PATH_MAX];
	const char *f = file_rel(s, file, buf, sizeof buf);

	if (pb->line)
		s->ctx->host->log(s->ctx, DROVER_LOG_WARNING,
		                  "%s:%u: %s; drover skips this package", f, pb->line, pb->msg);
	else
		s->ctx->host->log(s->ctx, DROVER_LOG_WARNING, "%s: %s; drover skips this package",
		                  f, pb->msg);
}

/* Read dfd/<file> into b; a failure is warned about and returns non-zero (or sets s->err). */
static int read_or_warn(struct scan *s, int dfd, const char *file, struct tf_buf *b)
{
	struct d_problem pb;
	int err_no, rc;

	rc = tf_slurp_at(dfd, file, b, &err_no);
	if (rc == 0)
		return 0;
	if (rc == DROVER_E_NOMEM) {
		s->err = rc;
		return rc;
	}
	memset(&pb, 0, sizeof pb);
	d_problem_set(&pb, rc, NULL, 0, "cannot read it: %s", tf_slurp_why(rc, err_no));
	warn_skip(s, file, &pb);
	return rc;
}

/* The code schema and post updates of extension `name` from the files beside its info file. */
static int read_code(struct scan *s, int dfd, const struct d_strv *files, struct pkg *p)
{
	char file[512];
	struct tf_buf b;
	uint64_t max;
	int n, rc, found;

	/* A module without update functions is installed at Drupal's baseline: SCHEMA_INSTALLED
	 * (0) on Drupal 7, CORE_MINIMUM_SCHEMA_VERSION (8000) on Drupal 8 and later. Reporting the
	 * baseline lets the core compare it with what the site's database says. */
	if (p->ns == NS_MODULE || p->ns == NS_PROFILE)
		(void)snprintf(p->schema, sizeof p->schema, "%s", s->d7 ? "0" : "8000");
	n = snprintf(file, sizeof file, "%s.install", p->name);
	if (n > 0 && (size_t)n < sizeof file && listed(files, file) &&
	    (p->ns == NS_MODULE || p->ns == NS_PROFILE)) {
		if (read_or_warn(s, dfd, file, &b) != 0)
			return -1;
		d_php_update_n(b.data, b.len, p->name, &max, &found);
		tf_buf_free(&b);
		if (found)
			(void)snprintf(p->schema, sizeof p->schema, "%llu",
			               (unsigned long long)max);
	}
	n = snprintf(file, sizeof file, "%s.post_update.php", p->name);
	if (!s->d7 && n > 0 && (size_t)n < sizeof file && listed(files, file)) {
		if (read_or_warn(s, dfd, file, &b) != 0)
			return -1;
		rc = d_php_post_updates(b.data, b.len, p->name, &p->updates);
		tf_buf_free(&b);
		if (rc != 0) {
			s->err = rc;
			return -1;
		}
	}
	return 0;
}

static const char *type_of(int ns)
{
	switch (ns) {
	case NS_THEME: return "theme";
	case NS_ENGINE: return "theme_engine";
	case NS_PROFILE: return "profile";
	default: return "module";
	}
}

/* Add the extension `name` whose info file (NULL for a Drupal 7 engine) lies in the current
 * directory. */
static void add(struct scan *s, int dfd, const struct d_strv *files, const char *name, size_t nlen,
                const char *info_file, int ns)
{
	struct d_problem pb, note;
	struct d_info info;
	struct pkg p;
	int rc;

	memset(&p, 0, sizeof p);
	memset(&info, 0, sizeof info);
	memset(&pb, 0, sizeof pb);
	memset(&note, 0, sizeof note);
	if (info_file != NULL) {
		struct tf_buf b;

		if (read_or_warn(s, dfd, info_file, &b) != 0)
			return;
		if (s->d7)
			rc = d7_info_parse(b.data, b.len, s->core_version, &info, &pb, &note);
		else
			rc = d8_info_parse(b.data, b.len, s->core_version, &info, &pb);
		tf_buf_free(&b);
		if (rc != 0) {
			warn_skip(s, info_file, &pb);
			return;
		}
		if (note.code != 0) {
			char buf[TF_PATH_MAX];

			s->ctx->host->log(s->ctx, DROVER_LOG_WARNING, "%s:%u: %s",
			                  file_rel(s, info_file, buf, sizeof buf), note.line,
			                  note.msg);
		}
		if (s->d7 && info.keys == 0) {
			/* _system_rebuild_module_data() drops a module whose .info says nothing. */
			s->ctx->host->log(s->ctx, DROVER_LOG_DEBUG,
			                  "%s/%s: empty, so Drupal ignores the extension", s->rel,
			                  info_file);
			return;
		}
	}
	if (!s->d7) {
		if (!info.type_set) {
			/* ExtensionDiscovery only counts files with a `type:` line. */
			s->ctx->host->log(s->ctx, DROVER_LOG_DEBUG,
			                  "%s/%s: no type, so not an extension", s->rel, info_file);
			return;
		}
		if (strcmp(info.type, "module") == 0)
			ns = NS_MODULE;
		else if (strcmp(info.type, "theme") == 0)
			ns = NS_THEME;
		else if (strcmp(info.type, "profile") == 0)
			ns = NS_PROFILE;
		else if (strcmp(info.type, "theme_engine") == 0)
			ns = NS_ENGINE;
		else
			return; /* scan() is never asked for other types */
		if (!info.name_set) {
			d_problem_set(
			    &pb, DROVER_E_PARSE, NULL, 0,
			    "no 'name' key, which Drupal requires (InfoParserException); add "
			    "`name: ...`");
			warn_skip(s, info_file, &pb);
			return;
		}
	}
	p.ns = ns;
	p.type = type_of(ns);
	p.name = d_strndup(name, nlen);
	p.path = d_strndup(s->rel, s->rlen);
	if (p.name == NULL || p.path == NULL)
		goto nomem;
	p.origin = s->origin;
	if (!s->d7 && s->in_profiles && ns != NS_PROFILE)
		p.origin = O_PROFILE;
	if (s->site != NULL) {
		p.flags |= DROVER_PKG_SITE_SPECIFIC;
		p.site = d_strndup(s->site, strlen(s->site));
		if (p.site == NULL)
			goto nomem;
	}
	if (p.origin == O_PROFILE && s->scope != NULL) {
		p.scope = d_strndup(s->scope, strlen(s->scope));
		if (p.scope == NULL)
			goto nomem;
	} else if (p.origin == O_SITE && s->site != NULL) {
		p.scope = d_strndup(s->site, strlen(s->site));
		if (p.scope == NULL)
			goto nomem;
	}
	if (s->d7) {
		const char *sc = s->scope;

		if (s->origin == O_CORE || (sc && (strcmp(sc, "profiles/minimal") == 0 ||
		                                   strcmp(sc, "profiles/standard") == 0 ||
		                                   strcmp(sc, "profiles/testing") == 0)))
			p.flags |= DROVER_PKG_CORE;
		p.incompatible = info.core_set && strcmp(info.core, "7.x") != 0;
	} else if (strncmp(s->rel, "core/", 5) == 0) {
		p.flags |= DROVER_PKG_CORE;
	}
	/* Profiles are hidden unless their info file says otherwise (system.module in 7,
	 * ModuleExtensionList in 8+). */
	if (info.hidden || (ns == NS_PROFILE && !info.hidden_set))
		p.flags |= DROVER_PKG_HIDDEN;
	{
		const char *v = d_versions_find(s->versions, p.path);

		if (v == NULL && info.version_set)
			v = info.version;
		if (v == NULL && (p.flags & DROVER_PKG_CORE))
			v = s->core_version;
		p.version = d_strndup(v ? v : "", v ? strlen(v) : 0);
		if (p.version == NULL)
			goto nomem;
	}
	if (read_code(s, dfd, files, &p) != 0) {
		pkg_free(&p);
		return;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct pkg *v = realloc(s->v, cap * sizeof *v);

		if (v == NULL)
			goto nomem;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = p;
	/* 8+: what lies below a profile belongs to it. */
	if (!s->d7 && ns == NS_PROFILE)
		s->scope = s->v[s->n - 1].path;
	return;
nomem:
	pkg_free(&p);
	s->err = DROVER_E_NOMEM;
}

/* The extensions whose files lie in the current directory. */
static void on_files(struct scan *s, int dfd, int depth, const struct d_strv *files)
{
	char other[512];

	for (size_t i = 0; i < files->n && s->err == 0; i++) {
		const char *f = files->v[i];
		size_t n = strlen(f), k = 0;
		int ns = -1;
		const char *need = NULL;

		switch (s->mode) {
		case M7_MODULES:
			if (ends_with(f, n, ".module")) {
				k = n - 7;
				ns = NS_MODULE;
				need = ".info";
			}
			break;
		case M7_THEMES:
			if (depth >= 1 && ends_with(f, n, ".info")) {
				k = n - 5;
				ns = NS_THEME;
			}
			break;
		case M7_ENGINES:
			if (depth >= 1 && ends_with(f, n, ".engine")) {
				k = n - 7;
				ns = NS_ENGINE;
			}
			break;
		case M7_PROFILE:
			if (ends_with(f, n, ".profile")) {
				k = n - 8;
				ns = NS_PROFILE;
				need = ".info";
			}
			break;
		default:
			if (ends_with(f, n, ".info.yml")) {
				k = n - 9;
				ns = NS_MODULE; /* the file says which */
			}
			break;
		}
		if (ns < 0 || !d_name_ok(f, k))
			continue;
		if (need != NULL) {
			int m = snprintf(other, sizeof other, "%.*s%s", (int)k, f, need);

			if (m < 0 || (size_t)m >= sizeof other || !listed(files, other))
				continue;
		} else if (s->mode == M7_THEMES || s->mode == M8) {
			(void)snprintf(other, sizeof other, "%s", f);
		}
		add(s, dfd, files, f, k, s->mode == M7_ENGINES ? NULL : other, ns);
	}
}

static void walk_fd(struct scan *s, int fd, int depth);

/* Enter `name` (relative to pfd; several components for a search directory). A missing
 * directory is normal (sites/all/themes need not exist). */
static void walk_at(struct scan *s, int pfd, const char *name, int depth)
{
	size_t saved = s->rlen;
	int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		if (errno != ENOENT && errno != ENOTDIR) {
			int e = errno;

			if (rel_push(s, name) == 0)
				warn_dir(s, "cannot open the directory", e);
			s->rlen = saved;
			s->rel[saved] = '\0';
		}
		return;
	}
	if (rel_push(s, name) != 0) {
		close(fd);
		s->ctx->host->log(s->ctx, DROVER_LOG_WARNING,
		                  "%s/%s: path too long; packages below it are not listed", s->rel,
		                  name);
		return;
	}
	walk_fd(s, fd, depth);
	s->rlen = saved;
	s->rel[saved] = '\0';
}

static void walk_fd(struct scan *s, int fd, int depth)
{
	struct d_strv files = {NULL, 0, 0}, dirs = {NULL, 0, 0};
	const char *scope = s->scope;
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int dfd;

	if (depth > MAX_DEPTH || fstat(fd, &st) != 0) {
		if (depth > MAX_DEPTH)
			s->ctx->host->log(s->ctx, DROVER_LOG_WARNING,
			                  "%s: more than %d directories deep; not read further",
			                  s->rel, MAX_DEPTH);
		else
			warn_dir(s, "cannot look at the directory", errno);
		close(fd);
		return;
	}
	for (int i = 0; i < s->nanc; i++)
		if (s->anc[i].dev == st.st_dev && s->anc[i].ino == st.st_ino) {
			s->ctx->host->log(
			    s->ctx, DROVER_LOG_WARNING,
			    "%s: a symbolic link leads back to a directory above it; not "
			    "followed",
			    s->rel);
			close(fd);
			return;
		}
	dir = fdopendir(fd);
	if (dir == NULL) {
		warn_dir(s, "cannot read the directory", errno);
		close(fd);
		return;
	}
	s->anc[s->nanc].dev = st.st_dev;
	s->anc[s->nanc].ino = st.st_ino;
	s->nanc++;
	dfd = dirfd(dir);
	for (;;) {
		const char *nm;
		int kind, want;

		errno = 0;
		de = readdir(dir);
		if (de == NULL) {
			if (errno != 0)
				warn_dir(s, "cannot read the directory", errno);
			break;
		}
		nm = de->d_name;
		if (nm[0] == '.') /* ., .., and hidden names: both generations skip them */
			continue;
		want = interesting(s, nm);
		kind = de->d_type == DT_DIR ? TF_DIR : de->d_type == DT_REG ? TF_FILE : TF_ABSENT;
		if (de->d_type == DT_LNK || de->d_type == DT_UNKNOWN) {
			/* Follow the link (or learn the type) only when the answer can matter. */
			if (!want && !enter_ok(s, nm))
				continue;
			if (fstatat(dfd, nm, &st, 0) != 0)
				continue; /* a dangling link */
			kind = S_ISDIR(st.st_mode)   ? TF_DIR
			       : S_ISREG(st.st_mode) ? TF_FILE
			                             : TF_OTHER;
		}
		if (kind == TF_FILE && want) {
			if (d_strv_push(&files, nm, strlen(nm)) != 0)
				s->err = DROVER_E_NOMEM;
		} else if (kind == TF_DIR && enter_ok(s, nm)) {
			if (d_strv_push(&dirs, nm, strlen(nm)) != 0)
				s->err = DROVER_E_NOMEM;
		}
		if (s->err)
			break;
	}
	if (s->err == 0)
		on_files(s, dfd, depth, &files);
	for (size_t i = 0; i < dirs.n && s->err == 0; i++)
		walk_at(s, dfd, dirs.v[i], depth + 1);
	s->scope = scope;
	s->nanc--;
	closedir(dir);
	d_strv_free(&files);
	d_strv_free(&dirs);
}

/* Walk one search directory (relative to the root). */
static void search(struct scan *s, const char *rel, int mode, int origin, const char *site,
                   const char *scope)
{
	s->mode = mode;
	s->origin = origin;
	s->site = site;
	s->scope = scope;
	s->rlen = 0;
	s->rel[0] = '\0';
	s->nanc = 0;
	walk_at(s, s->r->fd, rel, 0);
}

/* The site directories: every directory in sites/ except all/ (and hidden ones). */
static int site_dirs(struct scan *s, struct d_strv *out)
{
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int fd = openat(s->r->fd, "sites", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return 0;
	}
	while ((de = readdir(dir)) != NULL) {
		char rel[300];
		int n, isdir = de->d_type == DT_DIR;

		if (de->d_name[0] == '.' || strcmp(de->d_name, "all") == 0)
			continue;
		if (de->d_type == DT_LNK || de->d_type == DT_UNKNOWN)
			isdir = fstatat(dirfd(dir), de->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
		if (!isdir)
			continue;
		n = snprintf(rel, sizeof rel, "sites/%s", de->d_name);
		if (n < 0 || (size_t)n >= sizeof rel)
			continue;
		if (d_strv_push(out, rel, (size_t)n) != 0) {
			closedir(dir);
			return DROVER_E_NOMEM;
		}
	}
	closedir(dir);
	d_strv_sort_unique(out);
	return 0;
}

static int scan_d7(struct scan *s, const struct d_strv *sites)
{
	static const struct {
		const char *sub;
		int mode;
	} kinds[] = {
	    {"modules", M7_MODULES}, {"themes", M7_THEMES}, {"themes/engines", M7_ENGINES}};
	struct d_strv profiles = {NULL, 0, 0};
	char rel[TF_PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int fd;

	for (size_t k = 0; k < 3; k++)
		search(s, kinds[k].sub, kinds[k].mode, O_CORE, NULL, NULL);
	fd = openat(s->r->fd, "profiles", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (fd >= 0 && dir == NULL)
		close(fd);
	while (dir != NULL && (de = readdir(dir)) != NULL) {
		int n;

		if (de->d_name[0] == '.')
			continue;
		n = snprintf(rel, sizeof rel, "profiles/%s", de->d_name);
		if (n > 0 && (size_t)n < sizeof rel && d_strv_push(&profiles, rel, (size_t)n) != 0)
			s->err = DROVER_E_NOMEM;
	}
	if (dir != NULL)
		closedir(dir);
	d_strv_sort_unique(&profiles);
	for (size_t i = 0; i < profiles.n && s->err == 0; i++) {
		const char *p = profiles.v[i];

		search(s, p, M7_PROFILE, O_PROFILE, NULL, p);
		for (size_t k = 0; k < 3; k++) {
			int n = snprintf(rel, sizeof rel, "%s/%s", p, kinds[k].sub);

			if (n > 0 && (size_t)n < sizeof rel)
				search(s, rel, kinds[k].mode, O_PROFILE, NULL, p);
		}
	}
	d_strv_free(&profiles);
	for (size_t k = 0; k < 3; k++) {
		int n = snprintf(rel, sizeof rel, "sites/all/%s", kinds[k].sub);

		if (n > 0 && (size_t)n < sizeof rel)
			search(s, rel, kinds[k].mode, O_SITES_ALL, NULL, NULL);
	}
	for (size_t i = 0; i < sites->n && s->err == 0; i++)
		for (size_t k = 0; k < 3; k++) {
			int n = snprintf(rel, sizeof rel, "%s/%s", sites->v[i], kinds[k].sub);

			if (n > 0 && (size_t)n < sizeof rel)
				search(s, rel, kinds[k].mode, O_SITE, sites->v[i], sites->v[i]);
		}
	return s->err;
}

static int scan_d8(struct scan *s, const struct d_strv *sites)
{
	static const char *const tops[] = {"profiles", "modules", "themes"};
	char rel[TF_PATH_MAX];
	size_t nsearch = 3 + sites->n;

	for (size_t i = 0; i < nsearch && s->err == 0; i++) {
		const char *dir = i == 0   ? "core"
		                  : i == 1 ? "sites/all"
		                  : i == 2 ? ""
		                           : sites->v[i - 3];
		int origin = i == 0 ? O_CORE : i == 1 ? O_SITES_ALL : i == 2 ? O_ROOT : O_SITE;
		const char *site = i >= 3 ? dir : NULL;

		for (size_t t = 0; t < 3 && s->err == 0; t++) {
			int n =
			    snprintf(rel, sizeof rel, "%s%s%s", dir, dir[0] ? "/" : "", tops[t]);

			if (n < 0 || (size_t)n >= sizeof rel)
				continue;
			s->in_profiles = t == 0;
			/* Outside any profile's own directory, the profiles/ directory itself is the
			 * scope (Drupal filters such extensions out at run time). */
			search(s, rel, M8, origin, site, t == 0 ? rel : site);
		}
	}
	s->in_profiles = 0;
	return s->err;
}

/* ---- overrides -------------------------------------------------------------------------- */

static int cmp_group(const void *a, const void *b)
{
	const struct pkg *x = a, *y = b;
	int c;

	if (x->ns != y->ns)
		return x->ns - y->ns;
	c = strcmp(x->name, y->name);
	if (c != 0)
		return c;
	if (x->origin != y->origin)
		return x->origin - y->origin;
	return strcmp(x->path, y->path);
}

static int same_scope(const struct pkg *a, const struct pkg *b)
{
	if (a->scope == NULL || b->scope == NULL)
		return a->scope == b->scope;
	return strcmp(a->scope, b->scope) == 0;
}

static int global(const struct pkg *p)
{
	return p->origin == O_CORE || p->origin == O_SITES_ALL || p->origin == O_ROOT;
}

/* 1 if dir is a proper ancestor directory of path. */
static int ancestor(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* Of two copies in the same place, the one drover lists. */
static const struct pkg *dup_winner(const struct pkg *a, const struct pkg *b)
{
	if (ancestor(a->path, b->path))
		return a;
	if (ancestor(b->path, a->path))
		return b;
	return strcmp(a->path, b->path) <= 0 ? a : b;
}

/* 1 if d hides c from every site that could use c. */
static int beats(const struct pkg *d, const struct pkg *c)
{
	if (d->origin == c->origin && same_scope(d, c))
		return dup_winner(d, c) == d;
	return global(d) && d->origin > c->origin && c->origin != O_SITE;
}

static void settle(struct scan *s, struct pkg *g, size_t n)
{
	const char *what = type_of(g[0].ns);

	/* Drupal 7 keeps an earlier copy over a later one written for another core. */
	if (s->d7)
		for (size_t i = 1; i < n; i++)
			if (g[i].incompatible && g[0].origin < g[i].origin) {
				g[i].gone = 1;
				s->ctx->host->log(
				    s->ctx, DROVER_LOG_INFO,
				    "%s '%s' in %s is not for Drupal 7.x, so Drupal keeps "
				    "the copy in %s; listing that one",
				    what, g[i].name, g[i].path, g[0].path);
			}
	for (size_t i = 0; i < n; i++) {
		if (g[i].gone)
			continue;
		for (size_t j = 0; j < n; j++) {
			if (j == i || g[j].gone || !beats(&g[j], &g[i]))
				continue;
			g[i].gone = 1;
			if (g[j].origin == g[i].origin)
				s->ctx->host->log(s->ctx, DROVER_LOG_WARNING,
				                  "%s '%s' is in both %s and %s, at the same place "
				                  "in Drupal's search "
				                  "order; Drupal uses whichever its directory scan "
				                  "meets last, drover "
				                  "lists %s: remove the other copy",
				                  what, g[i].name, g[j].path, g[i].path, g[j].path);
			else
				s->ctx->host->log(
				    s->ctx, DROVER_LOG_INFO,
				    "%s '%s' in %s is overridden by %s for every site; "
				    "listing only the latter",
				    what, g[i].name, g[i].path, g[j].path);
			break;
		}
	}
}

static int cmp_emit(const void *a, const void *b)
{
	const struct pkg *x = *(const struct pkg *const *)a, *y = *(const struct pkg *const *)b;
	int c;

	if (x->origin != y->origin)
		return x->origin - y->origin;
	c = strcmp(x->path, y->path);
	return c != 0 ? c : strcmp(x->name, y->name);
}

static int emit(struct scan *s, drover_package_cb cb, void *arg)
{
	struct pkg **order;
	size_t n = 0;
	int rc = 0;

	qsort(s->v, s->n, sizeof *s->v, cmp_group);
	for (size_t i = 0; i < s->n;) {
		size_t j = i + 1;

		while (j < s->n && s->v[j].ns == s->v[i].ns &&
		       strcmp(s->v[j].name, s->v[i].name) == 0)
			j++;
		settle(s, s->v + i, j - i);
		i = j;
	}
	order = malloc((s->n ? s->n : 1) * sizeof *order);
	if (order == NULL) {
		s->err = DROVER_E_NOMEM;
		return 0;
	}
	for (size_t i = 0; i < s->n; i++)
		if (!s->v[i].gone)
			order[n++] = &s->v[i];
	qsort(order, n, sizeof *order, cmp_emit);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct pkg *p = order[i];
		struct drover_package out;

		memset(&out, 0, sizeof out);
		out.struct_size = (uint32_t)sizeof out;
		out.flags = p->flags;
		out.name = p->name;
		out.type = p->type;
		out.version = p->version;
		out.schema = p->schema;
		out.path = p->path;
		out.site = p->site;
		out.updates = (const char *const *)p->updates.v;
		out.n_updates = (uint32_t)p->updates.n;
		rc = cb(arg, &out);
	}
	free(order);
	return rc;
}

int drupal_packages(struct drover_ctx *ctx, const char *root, drover_package_cb cb, void *arg)
{
	struct drover_probe probe;
	struct d_strv sites = {NULL, 0, 0};
	struct tf_root r;
	struct scan *s;
	int rc;

	if (cb == NULL)
		return ctx->host->error(ctx, DROVER_E_INVAL, root,
		                        "packages called without a callback");
	rc = tf_root_open(ctx, root, &r);
	if (rc != 0)
		return rc;
	memset(&probe, 0, sizeof probe);
	probe.struct_size = (uint32_t)sizeof probe;
	rc = drupal_identify(ctx, &r, &probe);
	if (rc == DROVER_E_NOTMINE)
		rc = ctx->host->error(ctx, DROVER_E_NOTMINE, root,
		                      "cannot list packages: %s is not a Drupal platform (neither "
		                      "core/lib/Drupal.php nor includes/bootstrap.inc with "
		                      "modules/field); check the platform path",
		                      root);
	if (rc != 0) {
		tf_root_close(&r);
		return rc;
	}
	s = calloc(1, sizeof *s);
	if (s == NULL) {
		tf_root_close(&r);
		return ctx->host->error(ctx, DROVER_E_NOMEM, root,
		                        "out of memory listing packages");
	}
	s->ctx = ctx;
	s->r = &r;
	s->d7 = probe.generation == 7;
	memcpy(s->core_version, probe.core_version, sizeof s->core_version);
	/* Every failure below is running out of memory: a file or directory that cannot be read
	 * is warned about and skipped. The callback's own value is returned as it is. */
	rc = s->d7 ? 0 : d_versions_load(ctx, &r, &s->versions);
	if (rc == 0)
		rc = site_dirs(s, &sites);
	if (rc == 0)
		rc = s->d7 ? scan_d7(s, &sites) : scan_d8(s, &sites);
	if (rc == 0 && s->err == 0)
		rc = emit(s, cb, arg);
	else
		s->err = DROVER_E_NOMEM;
	if (s->err != 0)
		rc = ctx->host->error(ctx, DROVER_E_NOMEM, root, "out of memory listing packages");
	for (size_t i = 0; i < s->n; i++)
		pkg_free(&s->v[i]);
	free(s->v);
	d_versions_free(s->versions);
	free(s);
	d_strv_free(&sites);
	tf_root_close(&r);
	return rc;
}

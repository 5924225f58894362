/*
 * migrate.c: migrate, rename, clone and delete as journaled pipelines (DESIGN.md, Pipelines).
 *
 * Steps, in order; each journaled before it runs, each undone in reverse if a later one fails:
 *   preflight     rescan, compare, refuse                      (nothing to undo)
 *   maintenance   the source into maintenance mode              undo: back out of it
 *   backup        a backup of the source, kept                  (a rollback never deletes it)
 *   create_db     a new database and user on the site's server  undo: drop them
 *   place_files   the site's files into the target via staging  undo: remove what was placed
 *                 (what a one-site platform's code ships there, e.g. OpenMage's media/ and
 *                 var/, is set aside; undo: put back; finish: remove)
 *   import        the dump into the new database, credentials   (covered by the two above)
 *   update        path and URL fix-ups, updates, cache clear    (on the new copy only)
 *   verify        every package at the target's schema          (nothing to undo)
 *   switch        the new copy online, the registry moved: the point of no return
 *                 undo: the registry back; finish: remove the old copy and database
 *   cleanup       the finish, in the normal run
 * The undo data of each step is enough to undo it in another process after a crash: paths,
 * names and the adapter; never a password (settings files are read again).
 */
#include "migrate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "compare.h"
#include "db.h"
#include "error.h"
#include "host.h"
#include "inventory.h"
#include "json.h"
#include "restore.h"
#include "util.h"
#include "version.h"

struct mig {
	struct app *a;
	unsigned flags;
	int clone, rename, inplace, deleting;
	int was_maint;        /* the source was in maintenance mode before the move */
	struct reg_site site; /* the source, as registered */
	struct reg_platform from, to;
	const struct ldr_entry *ad;
	char new_domain[256], new_site_dir[256];
	char db_name[64], password[48];
	struct db_params new_db;
	struct bk_result backup;
	char staging[PATH_MAX];
	char shipped[PATH_MAX]; /* what the target's code had where the site's files go */
	struct bk_manifest man;
	struct inv_site_schema before;
	struct mig_result *out;
	struct task *t;
	char switch_data[J_DATA_MAX]; /* what the point of no return noted, for cleanup */
	/* restore */
	int had_site;
	struct reg_backup b;
	struct rs_result *rs;
};

/* ---- helpers ------------------------------------------------------------------------------------ */

static void jset(struct task *t, const char *key, const char *value)
{
	(void)jdata_set(t->data, sizeof(t->data), key, value ? value : "");
}

static const char *jget(const char *data, const char *key, char *buf, size_t size)
{
	jdata_get(data, key, buf, size);
	return buf;
}

/* A drover_site for an adapter op. */
static void site_for(struct drover_site *s, const char *domain, const char *root,
                     const char *site_dir, struct drover_db *db)
{
	memset(s, 0, sizeof(*s));
	s->struct_size = sizeof(*s);
	s->domain = domain;
	s->root = root;
	s->site_dir = site_dir;
	s->db = db;
	s->db_driver = db ? db_driver(db) : NULL;
}

/* Maintenance mode of the site at root/site_dir: action DROVER_MAINT_*; *state after. */
static int maintenance(struct app *a, const struct ldr_entry *ad, const char *domain,
                       const char *root, const char *site_dir, const char *server, int32_t action,
                       int32_t *state)
{
	struct drover_db *db = NULL;
	struct drover_site s;
	struct drover_ctx ctx;
	int rc;

	*state = 0;
	if (!(ad->desc->caps & DROVER_CAP_MAINTENANCE))
		return err_set(&a->err, DROVER_E_NOTSUP, ad->name,
		               "the %s adapter cannot switch maintenance mode: moving sites is not "
		               "supported by this adapter version",
		               ad->name);
	if ((rc = inv_site_open(a, ad, domain, root, site_dir, server, &db)) != 0)
		return rc;
	site_for(&s, domain, root, site_dir, db);
	host_ctx_init(&ctx, ad, &a->err);
	rc = ad->desc->ops->maintenance(&ctx, &s, action, state);
	db_close(db);
	return rc;
}

static int adapter_of(struct app *a, const char *data, const struct ldr_entry **ad)
{
	char name[64];

	return inv_adapter_named(a, jget(data, "adapter", name, sizeof(name)), ad);
}

/* The owned path `p` of the source as it is named on the target (a rename changes the site
 * directory's name). */
static int target_path(const struct mig *m, const char *p, char *out, size_t size)
{
	size_t k = strlen(m->site.site_dir);

	if (k && strncmp(p, m->site.site_dir, k) == 0 && (p[k] == '/' || p[k] == '\0'))
		return str_fmt(out, size, "%s%s", m->new_site_dir, p + k);
	return str_copy(out, size, p);
}

/* Is path i of the manifest inside an earlier one (then it moved with that one)? */
static int nested(char **files, size_t i)
{
	for (size_t j = 0; j < i; j++) {
		size_t k = strlen(files[j]);
		if (strncmp(files[i], files[j], k) == 0 && (files[i][k] == '/' || !files[i][k]))
			return 1;
	}
	return 0;
}

/* The target must not hold the site directory already: another site's, or the platform's own
 * (sites/default with default.settings.php). place_files would find it only after a backup. */
static int target_free(struct mig *m)
{
	char path[PATH_MAX];
	struct stat st;

	if (!m->new_site_dir[0] || m->deleting ||
	    (m->to.id == m->from.id && strcmp(m->new_site_dir, m->site.site_dir) == 0))
		return 0;
	if (path_join(path, sizeof(path), m->to.path, m->new_site_dir) != 0 ||
	    lstat(path, &st) != 0)
		return 0;
	return err_set(&m->a->err, DROVER_E_REFUSED, path,
	               "refused: platform %s already has %s: another site's? Remove it or choose "
	               "another name",
	               m->to.name, m->new_site_dir);
}

/* What preflight (and --dry-run) refuse before the compare: a target holding the site
 * directory, and a database shared with another application, which everything but a clone
 * drops at the end. */
static int refusals(struct mig *m)
{
	int rc = target_free(m);

	if (rc == 0 && !m->clone)
		rc = inv_site_db_shared(m->a, m->ad, &m->site, m->from.path);
	return rc;
}

/* ---- steps -------------------------------------------------------------------------------------- */

static int run_preflight(struct task *t, void *arg)
{
	struct mig *m = arg;
	struct cmp_cache *cache = NULL;
	struct cmp_result r;
	int rc;

	if ((rc = refusals(m)) != 0)
		return rc;
	if (m->inplace || m->deleting || (m->clone && m->to.id == m->from.id))
		return 0; /* nothing moves between platforms */
	if (m->to.id == m->from.id && !m->rename)
		return err_set(&m->a->err, DROVER_E_INVAL, m->site.domain,
		               "site %s is already on platform %s", m->site.domain, m->to.name);
	if (m->to.id == m->from.id)
		return 0;
	rc = cmp_site(m->a, &m->site, m->to.name, 0, &cache, &r); /* move() just read the schema */
	if (rc == 0 && r.n == 1) {
		const struct cmp_target *c = &r.t[0];
		char msg[512];
		for (size_t i = 0; i < c->n; i++)
			if (c->pk[i].verdict != CMP_UNCHANGED)
				task_log(t, "preflight: %s %s: %s",
				         cmp_verdict_name(c->pk[i].verdict), c->pk[i].name,
				         cmp_pkg_message(&c->pk[i], msg, sizeof(msg)));
		m->out->upgrades = c->counts[CMP_UPGRADE];
		if (!c->eligible) {
			/* compare's reason for packages points below, at the list it prints: here
			 * nothing is printed below, so the one line names the first of them. */
			char why[sizeof(c->reasons[0])], first[400] = "";
			char *below;
			(void)str_copy(why, sizeof(why), c->reasons[0]);
			if ((below = strstr(why, " (see below)")) != NULL) {
				*below = '\0';
				for (size_t i = 0; i < c->n && !first[0]; i++)
					if (c->pk[i].verdict == CMP_ERROR)
						(void)str_fmt(
						    first, sizeof(first), ": %s: %s", c->pk[i].name,
						    cmp_pkg_message(&c->pk[i], msg, sizeof(msg)));
			}
			rc = err_set(&m->a->err, DROVER_E_REFUSED, m->to.name,
			             "refused: %s cannot move to platform %s: %s%s; see 'drover "
			             "compare %s --to %s'",
			             m->site.domain, m->to.name, why, first, m->site.domain,
			             m->to.name);
		}
		if (rc == 0 && (m->flags & MIG_STRICT) && c->counts[CMP_WARNING]) {
			size_t w = 0;
			while (w < c->n && c->pk[w].verdict != CMP_WARNING)
				w++;
			rc = err_set(
			    &m->a->err, DROVER_E_REFUSED, m->to.name,
			    "refused (--strict): %zu package%s of %s would be disabled on %s (%s: "
			    "%s); see 'drover compare %s --to %s'",
			    c->counts[CMP_WARNING], c->counts[CMP_WARNING] == 1 ? "" : "s",
			    m->site.domain, m->to.name, w < c->n ? c->pk[w].name : "?",
			    w < c->n ? cmp_pkg_message(&c->pk[w], msg, sizeof(msg)) : "",
			    m->site.domain, m->to.name);
		}
		/* The platform may have been rescanned: use what compare saw. */
		m->to = c->p;
	}
	cmp_result_free(&r);
	cmp_cache_free(cache);
	return rc;
}

static int run_maintenance(struct task *t, void *arg)
{
	struct mig *m = arg;
	int32_t was, now;
	int rc;

	jset(t, "adapter", m->ad->name);
	jset(t, "domain", m->site.domain);
	jset(t, "root", m->from.path);
	jset(t, "site_dir", m->site.site_dir);
	jset(t, "server", m->site.db_server);
	if ((rc = maintenance(m->a, m->ad, m->site.domain, m->from.path, m->site.site_dir,
	                      m->site.db_server, DROVER_MAINT_STATUS, &was)) != 0)
		return rc;
	/* A site already in maintenance stays in it, after an undo and after the switch. */
	m->was_maint = was != 0;
	jset(t, "was", was ? "1" : "0");
	if ((rc = task_save(t)) != 0)
		return rc;
	return maintenance(m->a, m->ad, m->site.domain, m->from.path, m->site.site_dir,
	                   m->site.db_server, DROVER_MAINT_ON, &now);
}

static int undo_maintenance(struct app *a, const char *data)
{
	char was[4], domain[256], root[PATH_MAX], site_dir[256], server[64];
	const struct ldr_entry *ad;
	int32_t state;
	int rc;

	if (strcmp(jget(data, "was", was, sizeof(was)), "0") != 0)
		return 0; /* unknown (crashed before reading it) or already on before: leave it */
	if ((rc = adapter_of(a, data, &ad)) != 0)
		return rc;
	return maintenance(a, ad, jget(data, "domain", domain, sizeof(domain)),
	                   jget(data, "root", root, sizeof(root)),
	                   jget(data, "site_dir", site_dir, sizeof(site_dir)),
	                   jget(data, "server", server, sizeof(server)), DROVER_MAINT_OFF, &state);
}

static int run_backup(struct task *t, void *arg)
{
	struct mig *m = arg;
	char id[32];
	int rc = bk_create(m->a, m->site.domain, NULL, t->r.id, &m->backup);

	if (rc == 0) {
		(void)str_fmt(id, sizeof(id), "%lld", (long long)m->backup.b.id);
		jset(t, "backup", id);
		jset(t, "path", m->backup.b.path);
		m->out->backup_id = m->backup.b.id;
		(void)str_copy(m->out->backup_path, sizeof(m->out->backup_path), m->backup.b.path);
		task_log(t, "backup %s kept: %s", id, m->backup.b.path);
	}
	return rc;
}

static int run_create_db(struct task *t, void *arg)
{
	struct mig *m = arg;
	const struct cfg_db_server *srv = cfg_db_server(&m->a->cfg, m->site.db_server);
	struct db_admin admin;
	char sqlite_path[PATH_MAX];
	int rc;

	if (!srv)
		return err_set(&m->a->err, DROVER_E_CONFIG, m->site.db_server,
		               "db server %s is not in the configuration", m->site.db_server);
	if ((rc = rs_db_name(m->new_domain, m->db_name, sizeof(m->db_name))) != 0)
		return err_set(&m->a->err, rc, m->new_domain, "cannot name the new database");
	{
		/* 32 hex characters from the kernel: never journaled, only written to settings. */
		unsigned char raw[16];
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw)) {
			if (fd >= 0)
				close(fd);
			return err_set(&m->a->err, DROVER_E_IO, "/dev/urandom",
			               "cannot read random bytes");
		}
		close(fd);
		for (size_t i = 0; i < sizeof(raw); i++)
			(void)str_fmt(m->password + 2 * i, 3, "%02x", raw[i]);
	}
	jset(t, "server", srv->name);
	jset(t, "driver", srv->driver);
	jset(t, "name", m->db_name);
	jset(t, "user", m->db_name);
	if (strcmp(srv->driver, "sqlite") == 0 &&
	    str_fmt(sqlite_path, sizeof(sqlite_path), "%s/%s.sqlite", srv->directory, m->db_name) ==
	        0)
		jset(t, "database", sqlite_path);
	else
		jset(t, "database", m->db_name);
	if ((rc = task_save(t)) != 0 || (rc = db_admin_from_cfg(srv, &admin, &m->a->err)) != 0)
		return rc;
	rc = db_create(&admin, m->db_name, m->db_name, m->password, &m->new_db, &m->a->err);
	memset(&admin, 0, sizeof(admin));
	if (rc == 0)
		(void)str_copy(m->out->database, sizeof(m->out->database), m->new_db.database);
	return rc;
}

static int undo_create_db(struct app *a, const char *data)
{
	char server[64];
	const struct cfg_db_server *srv =
	    cfg_db_server(&a->cfg, jget(data, "server", server, sizeof(server)));
	struct db_admin admin;
	struct db_params p;
	int rc;

	memset(&p, 0, sizeof(p));
	jget(data, "driver", p.driver, sizeof(p.driver));
	jget(data, "database", p.database, sizeof(p.database));
	jget(data, "user", p.user, sizeof(p.user));
	if (!p.database[0])
		return 0; /* failed or crashed before it was named: nothing was created */
	if (!srv)
		return err_set(&a->err, DROVER_E_CONFIG, server,
		               "cannot drop the new database: db server %s is no longer configured",
		               server);
	if ((rc = db_admin_from_cfg(srv, &admin, &a->err)) != 0)
		return rc;
	rc = db_drop(&admin, &p, &a->err);
	memset(&admin, 0, sizeof(admin));
	return rc;
}

/* Hard-link into `live` every file of `shipped` (what the target platform's code had there)
 * that the site's copy lacks: a release's .htaccess files stay where the site's files have
 * none. Links, so that an undo, which removes `live` and puts `shipped` back, finds it whole. */
static int link_missing(const char *shipped, const char *live, int depth)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (depth > 64 || lstat(shipped, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    lstat(live, &st) != 0 || !S_ISDIR(st.st_mode) || (d = opendir(shipped)) == NULL)
		return 0;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char from[PATH_MAX], to[PATH_MAX];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (path_join(from, sizeof(from), shipped, e->d_name) ||
		    path_join(to, sizeof(to), live, e->d_name) || lstat(from, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (mkdir(to, st.st_mode & 07777) != 0 && errno != EEXIST)
				rc = -1;
			else
				rc = link_missing(from, to, depth + 1);
		} else if (S_ISREG(st.st_mode) && link(from, to) != 0 && errno != EEXIST) {
			rc = -1;
		}
	}
	closedir(d);
	return rc;
}

/* The target has `rel` already. A platform that hosts one site (preflight checked it hosts
 * none) ships it with its code, as every OpenMage release ships media/ and var/ with their
 * .htaccess: it is set aside under m->shipped (back on undo, removed by the finish), and the
 * site's copy takes its place. On a multisite platform it is another site's. */
static int set_aside(struct task *t, struct mig *m, const char *rel, const char *live, int i)
{
	char aside[PATH_MAX], key[16];
	int rc;

	if (m->ad->desc->caps & DROVER_CAP_MULTISITE)
		return err_set(&m->a->err, DROVER_E_EXISTS, live,
		               "the target already has %s: another site's? Remove it or choose "
		               "another name",
		               rel);
	if (!m->shipped[0]) {
		if (str_fmt(m->shipped, sizeof(m->shipped), "%s/.drover-shipped-XXXXXX",
		            m->to.path) != 0 ||
		    !mkdtemp(m->shipped))
			return err_set(&m->a->err, DROVER_E_IO, m->to.path,
			               "cannot create a directory in the target: %s",
			               strerror(errno));
		jset(t, "to_root", m->to.path);
		jset(t, "shipped", m->shipped);
	}
	(void)str_fmt(key, sizeof(key), "s%d", i);
	jset(t, key, rel);
	if ((rc = task_save(t)) != 0)
		return rc;
	if (path_join(aside, sizeof(aside), m->shipped, rel) != 0)
		return err_set(&m->a->err, DROVER_E_RANGE, rel, "path too long");
	{
		char parent[PATH_MAX], *slash;
		(void)str_copy(parent, sizeof(parent), aside);
		if ((slash = strrchr(parent, '/')) != NULL) {
			*slash = '\0';
			(void)path_mkdirs(parent, 0700);
		}
	}
	if (rename(live, aside) != 0)
		return err_set(&m->a->err, DROVER_E_IO, live,
		               "cannot set %s of the target aside: %s", rel, strerror(errno));
	task_log(t,
	         "place_files: %s came with platform %s's code: the site's replaces it, files "
	         "only the platform's had are kept",
	         rel, m->to.name);
	return 0;
}

static int run_place_files(struct task *t, void *arg)
{
	struct mig *m = arg;
	char live[PATH_MAX], rel[PATH_MAX], staged[PATH_MAX], key[16];
	struct stat st;
	int rc, placed = 0, aside = 0;

	if (str_fmt(m->staging, sizeof(m->staging), "%s/.drover-staging-XXXXXX", m->to.path) != 0 ||
	    !mkdtemp(m->staging))
		return err_set(&m->a->err, DROVER_E_IO, m->to.path,
		               "cannot create a staging directory in the target: %s",
		               strerror(errno));
	jset(t, "staging", m->staging);
	if ((rc = task_save(t)) != 0)
		return rc;
	/* Every checksum is checked as the archive is read into staging. */
	if ((rc = bk_read(m->a, m->backup.b.path, m->staging, &m->man)) != 0)
		return rc;
	for (size_t i = 0; i < m->man.n_files; i++) {
		if (nested(m->man.files, i))
			continue;
		if (target_path(m, m->man.files[i], rel, sizeof(rel)) ||
		    path_join(live, sizeof(live), m->to.path, rel) ||
		    str_fmt(staged, sizeof(staged), "%s/files/%s", m->staging, m->man.files[i]))
			return err_set(&m->a->err, DROVER_E_RANGE, m->man.files[i],
			               "path too long");
		if (lstat(staged, &st) != 0)
			continue; /* the site had not created it */
		if (lstat(live, &st) == 0 && (rc = set_aside(t, m, rel, live, aside++)) != 0)
			return rc;
		(void)str_fmt(key, sizeof(key), "p%d", placed++);
		jset(t, key, live);
		if ((rc = task_save(t)) != 0)
			return rc;
		{
			char parent[PATH_MAX], *slash;
			(void)str_copy(parent, sizeof(parent), live);
			if ((slash = strrchr(parent, '/')) != NULL) {
				*slash = '\0';
				(void)path_mkdirs(parent, 0755);
			}
		}
		if (rename(staged, live) != 0)
			return err_set(&m->a->err, DROVER_E_IO, live,
			               "cannot place the site's files: %s", strerror(errno));
		if (m->shipped[0] && path_join(staged, sizeof(staged), m->shipped, rel) == 0 &&
		    link_missing(staged, live, 0) != 0)
			return err_set(&m->a->err, DROVER_E_IO, live,
			               "cannot keep the target's own files in %s: %s", rel,
			               strerror(errno));
	}
	return 0;
}

static int undo_place_files(struct app *a, const char *data)
{
	char path[PATH_MAX], key[16], shipped[PATH_MAX], root[PATH_MAX];
	int rc = 0;

	for (int i = 0;; i++) {
		(void)str_fmt(key, sizeof(key), "p%d", i);
		if (!jdata_get(data, key, path, sizeof(path)))
			break;
		if (path_remove_tree(path) != 0 && rc == 0)
			rc = err_set(&a->err, DROVER_E_IO, path,
			             "cannot remove what was placed: %s", strerror(errno));
	}
	/* What the target's code had there goes back, in reverse order. */
	if (jdata_get(data, "shipped", shipped, sizeof(shipped)) &&
	    jdata_get(data, "to_root", root, sizeof(root))) {
		int n = 0;

		for (;; n++) {
			(void)str_fmt(key, sizeof(key), "s%d", n);
			if (!jdata_get(data, key, path, sizeof(path)))
				break;
		}
		while (n-- > 0) {
			char rel[PATH_MAX], aside[PATH_MAX];
			struct stat st;

			(void)str_fmt(key, sizeof(key), "s%d", n);
			if (!jdata_get(data, key, rel, sizeof(rel)) ||
			    path_join(aside, sizeof(aside), shipped, rel) ||
			    path_join(path, sizeof(path), root, rel) || lstat(aside, &st) != 0)
				continue; /* never set aside */
			if (rename(aside, path) != 0 && rc == 0)
				rc = err_set(&a->err, DROVER_E_IO, path,
				             "cannot put the target's own %s back: %s", rel,
				             strerror(errno));
		}
		if (rc == 0 && path_remove_tree(shipped) != 0)
			rc = err_set(&a->err, DROVER_E_IO, shipped, "cannot remove %s: %s", shipped,
			             strerror(errno));
	}
	if (jdata_get(data, "staging", path, sizeof(path)) && path_remove_tree(path) != 0 &&
	    rc == 0)
		rc = err_set(&a->err, DROVER_E_IO, path, "cannot remove the staging directory: %s",
		             strerror(errno));
	return rc;
}

/* Load the staged dump into the new database and write its credentials into the site's
 * settings under `root` (code_root: the platform, when root is a staging copy). */
static int load_and_point(struct mig *m, const char *dumps, const char *root, const char *code_root)
{
	struct drover_settings st;
	struct drover_site s;
	struct drover_ctx ctx;
	int rc;

	if ((rc = db_load(&m->new_db, dumps, &m->a->err)) != 0)
		return rc;
	if (!(m->ad->desc->caps & DROVER_CAP_SETTINGS_WRITE))
		return err_set(
		    &m->a->err, DROVER_E_NOTSUP, m->ad->name,
		    "the %s adapter cannot write a site's settings: moving and restoring "
		    "sites is not supported by this adapter version",
		    m->ad->name);
	/* The copy's settings: what they say, with the new database's credentials. */
	site_for(&s, m->new_domain, root, m->new_site_dir, NULL);
	s.code_root = code_root;
	memset(&st, 0, sizeof(st));
	st.struct_size = sizeof(st);
	host_ctx_init(&ctx, m->ad, &m->a->err);
	if ((rc = m->ad->desc->ops->settings_read(&ctx, &s, &st)) != 0)
		return rc;
	if (strcmp(m->new_db.driver, DB_DRIVER_SQLITE) == 0 && strcmp(st.driver, "sqlite") == 0) {
		(void)str_copy(st.database, sizeof(st.database), m->new_db.database);
	} else if (strcmp(m->new_db.driver, DB_DRIVER_SQLITE) == 0) {
		/* A MySQL-speaking site on drover's SQLite server: the name maps to <name>.sqlite. */
		(void)str_copy(st.database, sizeof(st.database), m->db_name);
	} else {
		(void)str_copy(st.database, sizeof(st.database), m->new_db.database);
		(void)str_copy(st.username, sizeof(st.username), m->new_db.user);
		(void)str_copy(st.password, sizeof(st.password), m->new_db.password);
		/* A socket is "localhost" (the client's default socket), unless the settings
		 * already name a socket path: then they can, and the server's own path is the
		 * one that reaches the new database. */
		if (m->new_db.socket[0] && strchr(st.host, '/') != NULL) {
			if (str_copy(st.host, sizeof(st.host), m->new_db.socket) != 0) {
				memset(&st, 0, sizeof(st));
				return err_set(
				    &m->a->err, DROVER_E_RANGE, m->new_db.socket,
				    "the socket path is too long for the site's settings");
			}
		} else {
			(void)str_copy(st.host, sizeof(st.host),
			               m->new_db.socket[0] || !m->new_db.host[0] ? "localhost"
			                                                         : m->new_db.host);
		}
		st.port = m->new_db.socket[0] ? 0 : (uint32_t)m->new_db.port;
	}
	host_ctx_init(&ctx, m->ad, &m->a->err);
	rc = m->ad->desc->ops->settings_write(&ctx, &s, &st);
	memset(&st, 0, sizeof(st));
	return rc;
}

static int run_import(struct task *t, void *arg)
{
	struct mig *m = arg;
	char dumps[PATH_MAX];
	int rc;

	if (path_join(dumps, sizeof(dumps), m->staging, "database") != 0)
		return err_set(&m->a->err, DROVER_E_RANGE, m->staging, "path too long");
	rc = load_and_point(m, dumps, m->to.path, NULL);
	if (rc == 0 && path_remove_tree(m->staging) == 0)
		m->staging[0] = '\0';
	return rc;
}

static int run_update(struct task *t, void *arg)
{
	struct mig *m = arg;
	struct drover_db *db = NULL;
	struct drover_site s;
	struct drover_ctx ctx;
	char old_url[300], new_url[300];
	struct drover_move mv = {.struct_size = sizeof(mv)};
	int rc;

	/* The new database is nobody's yet: no syncs for each of the adapter's writes, one at
	 * the end (a crash before it leaves the database to undo_create_db). */
	if ((rc = db_open(&m->new_db, DB_SCRATCH, &db, &m->a->err)) != 0)
		return rc;
	site_for(&s, m->new_domain, m->to.path, m->new_site_dir, db);
	(void)str_fmt(old_url, sizeof(old_url), "http://%s/", m->site.domain);
	(void)str_fmt(new_url, sizeof(new_url), "http://%s/", m->new_domain);
	mv.old_domain = m->site.domain;
	mv.new_domain = m->new_domain;
	mv.old_root = m->from.path;
	mv.new_root = m->to.path;
	mv.old_site_dir = m->site.site_dir;
	mv.new_site_dir = m->new_site_dir;
	mv.old_url = old_url;
	mv.new_url = new_url;
	/* Paths first: updates of a module in the site's own directory must find its code where
	 * the copy put it (Drupal 7 records module files in its system and registry tables). */
	if (m->ad->desc->caps & DROVER_CAP_FIXUP) {
		host_ctx_init(&ctx, m->ad, &m->a->err);
		rc = m->ad->desc->ops->fixup(&ctx, &s, &mv);
	}
	if (rc == 0 && (m->ad->desc->caps & DROVER_CAP_UPDATE)) {
		host_ctx_init(&ctx, m->ad, &m->a->err);
		rc = m->ad->desc->ops->update_run(&ctx, &s);
		task_log(t, "updates: %s", rc ? "failed" : "ran");
	} else if (rc == 0) {
		task_log(t, "updates: the %s adapter cannot run them", m->ad->name);
	}
	if (rc == 0 && (m->ad->desc->caps & DROVER_CAP_CACHE_CLEAR)) {
		host_ctx_init(&ctx, m->ad, &m->a->err);
		rc = m->ad->desc->ops->cache_clear(&ctx, &s);
	}
	if (rc == 0)
		rc = db_sync(db, &m->a->err);
	db_close(db);
	return rc;
}

static int run_verify(struct task *t, void *arg)
{
	struct mig *m = arg;
	struct inv_site_schema after = {0};
	struct drover_db *db = NULL;
	struct drover_site s;
	struct drover_ctx ctx;
	struct inv_pkgs pk;
	size_t behind = 0, missing = 0;
	char first[128] = "";
	int rc;

	if (!(m->ad->desc->caps & DROVER_CAP_SITE_SCHEMA))
		return 0;
	if ((rc = inv_pkgs_load(m->a, m->to.id, &pk)) != 0)
		return rc;
	if ((rc = db_open(&m->new_db, DB_READONLY, &db, &m->a->err)) != 0) {
		inv_pkgs_free(&pk);
		return rc;
	}
	site_for(&s, m->new_domain, m->to.path, m->new_site_dir, db);
	host_ctx_init(&ctx, m->ad, &m->a->err);
	rc = m->ad->desc->ops->site_schema(&ctx, &s, inv_schema_row_cb, &after);
	db_close(db);
	for (size_t i = 0; rc == 0 && i < after.n; i++) {
		const struct inv_site_pkg *k = &after.v[i];
		const struct reg_package *code;
		if (k->status != DROVER_SCHEMA_ENABLED)
			continue;
		code = inv_pkgs_find(&pk, k->name, m->new_site_dir);
		if (!code) {
			/* The compare promised it would be disabled; the update did not (Drupal 9.1
			 * and later keep a missing module installed). */
			task_log(t, "verify: %s is enabled but its code is not on the target",
			         k->name);
			if (!missing++)
				(void)str_copy(first, sizeof(first), k->name);
		} else if (vers_cmp(k->schema, code->schema) < 0) {
			task_log(t, "verify: %s is at schema %s, its code at %s", k->name,
			         k->schema[0] ? k->schema : "none", code->schema);
			behind++;
		}
	}
	/* Enabled before, not after: the move disabled them. */
	for (size_t i = 0; rc == 0 && i < m->before.n; i++) {
		int still = 0;
		if (m->before.v[i].status != DROVER_SCHEMA_ENABLED)
			continue;
		for (size_t j = 0; j < after.n && !still; j++)
			still = strcmp(after.v[j].name, m->before.v[i].name) == 0 &&
			        after.v[j].status == DROVER_SCHEMA_ENABLED;
		if (!still) {
			task_log(t, "verify: %s was enabled before and is not now",
			         m->before.v[i].name);
			log_msg(DROVER_LOG_WARNING,
			        "%s: %s was enabled before the move and is not now", m->new_domain,
			        m->before.v[i].name);
			m->out->disabled++;
		}
	}
	if (rc == 0 && missing)
		rc = err_set(&m->a->err, DROVER_E_FAIL, m->new_domain,
		             "after the updates %s%s %s still enabled but not on platform %s, and "
		             "the site would run without %s: disable or uninstall %s on the site "
		             "first, or add %s code to the target",
		             first, missing > 1 ? " and others" : "", missing > 1 ? "are" : "is",
		             m->to.name, missing > 1 ? "their code" : "its code",
		             missing > 1 ? "them" : "it", missing > 1 ? "their" : "its");
	if (rc == 0 && behind)
		rc = err_set(&m->a->err, DROVER_E_FAIL, m->new_domain,
		             "after the updates %zu package%s still below the target's schema (see "
		             "'drover task show %lld'): the update did not complete",
		             behind, behind == 1 ? " is" : "s are", (long long)t->r.id);
	if (rc == 0 && m->out->disabled && (m->flags & MIG_STRICT))
		rc = err_set(&m->a->err, DROVER_E_FAIL, m->new_domain,
		             "--strict: %zu module%s enabled before the move %s not after it",
		             m->out->disabled, m->out->disabled == 1 ? "" : "s",
		             m->out->disabled == 1 ? "is" : "are");
	inv_site_schema_free(&after);
	inv_pkgs_free(&pk);
	return rc;
}

/* The registry's record of the moved (cloned, restored) site's installed schema, read again
 * from its new database: the record still describes the database it had before, and 'site
 * show' would report long-applied updates as pending. Part of the finish, so that a task
 * completed by recover gets it too; a failure leaves the old record, with a warning, and does
 * not keep the task from completing. */
static void record_moved(struct app *a, const char *data)
{
	char domain[256];
	struct inv_site_schema sc;
	struct reg_site s;
	struct reg *reg;

	if (!jdata_get(data, "new_domain", domain, sizeof(domain)))
		return;
	if (inv_registry(a, &reg) == 0 && reg_site_get(reg, domain, &s, &a->err) == 0 &&
	    inv_site_verify(a, &s, &sc) == 0)
		inv_site_schema_free(&sc);
	else
		log_msg(DROVER_LOG_WARNING,
		        "%s: its installed schema could not be read after the move (%s); the "
		        "registry keeps the old record until 'drover site verify %s'",
		        domain, a->err.message, domain);
	err_clear(&a->err);
}

/* The old copy and database go: what finish does after the point of no return. First the old
 * copy leaves maintenance mode (a flag in the docroot would outlive it), then its paths go in
 * reverse order, the settings file (listed first) last, so that an interrupted finish can
 * still read them when it runs again. */
static int finish_switch(struct app *a, const char *data)
{
	char clone[4], root[PATH_MAX], path[PATH_MAX], key[16], server[64], domain[256],
	    site_dir[256];
	const struct cfg_db_server *srv;
	const struct ldr_entry *ad;
	struct db_admin admin;
	struct db_params p;
	int rc = 0, n = 0;

	/* What the target's code had where the site's files went (see set_aside). */
	if (jdata_get(data, "shipped", path, sizeof(path)) && path_remove_tree(path) != 0)
		return err_set(&a->err, DROVER_E_IO, path, "cannot remove %s: %s", path,
		               strerror(errno));
	if (strcmp(jget(data, "clone", clone, sizeof(clone)), "1") == 0) {
		record_moved(a, data);
		return 0; /* the source stays */
	}
	jget(data, "old_root", root, sizeof(root));
	jget(data, "old_server", server, sizeof(server));
	if (adapter_of(a, data, &ad) == 0) {
		int32_t state;
		if (maintenance(a, ad, jget(data, "old_domain", domain, sizeof(domain)), root,
		                jget(data, "old_site_dir", site_dir, sizeof(site_dir)), server,
		                DROVER_MAINT_OFF, &state) != 0)
			log_msg(DROVER_LOG_DEBUG, "old copy of %s: maintenance off: %s", domain,
			        a->err.message);
	}
	err_clear(&a->err);
	for (;; n++) {
		(void)str_fmt(key, sizeof(key), "old%d", n);
		if (!jdata_get(data, key, path, sizeof(path)))
			break;
	}
	while (n-- > 0) {
		char rel[PATH_MAX];
		(void)str_fmt(key, sizeof(key), "old%d", n);
		if (!jdata_get(data, key, rel, sizeof(rel)))
			continue;
		if (path_join(path, sizeof(path), root, rel) == 0 && path_remove_tree(path) != 0 &&
		    rc == 0)
			rc = err_set(&a->err, DROVER_E_IO, path, "cannot remove the old copy: %s",
			             strerror(errno));
	}
	srv = cfg_db_server(&a->cfg, server);
	memset(&p, 0, sizeof(p));
	jget(data, "old_driver", p.driver, sizeof(p.driver));
	jget(data, "old_db", p.database, sizeof(p.database));
	jget(data, "old_user", p.user, sizeof(p.user));
	/* A user drover did not create (d_<site>_<id>, named like its database) may hold other
	 * databases too: only its database goes, the user stays. */
	if (strncmp(p.user, "d_", 2) != 0 || strcmp(p.user, p.database) != 0)
		p.user[0] = '\0';
	if (srv && p.database[0] && db_admin_from_cfg(srv, &admin, &a->err) == 0) {
		/* Only databases drover can name: a SQLite file, or a plain MySQL name. */
		int sqlite = strcmp(p.driver, "sqlite") == 0;
		if ((sqlite || db_ident_ok(p.database)) && db_drop(&admin, &p, &a->err) != 0 &&
		    rc == 0)
			rc = a->err.code;
		memset(&admin, 0, sizeof(admin));
	}
	if (rc == 0 && clone[0]) /* a move's (restore records after its own finish) */
		record_moved(a, data);
	return rc;
}

/* What undo and finish need to know of the site as it was before it moved: its platform,
 * domain, directory and database (never a password). */
static void note_old_site(struct task *t, const struct mig *m)
{
	const struct cfg_db_server *srv = cfg_db_server(&m->a->cfg, m->site.db_server);
	char id[32];

	(void)str_fmt(id, sizeof(id), "%lld", (long long)m->from.id);
	jset(t, "old_platform", id);
	jset(t, "old_domain", m->site.domain);
	jset(t, "old_site_dir", m->site.site_dir);
	jset(t, "old_server", m->site.db_server);
	jset(t, "old_db", m->site.db_name);
	jset(t, "old_user", m->site.db_user);
	jset(t, "old_driver", srv ? srv->driver : "");
}

static int run_switch(struct task *t, void *arg)
{
	struct mig *m = arg;
	struct reg_site moved = m->site;
	char id[32], key[16];
	struct reg *reg;
	int32_t state;
	int rc, n = 0;

	jset(t, "clone", m->clone ? "1" : "0");
	jset(t, "adapter", m->ad->name);
	(void)str_fmt(id, sizeof(id), "%lld", (long long)m->site.id);
	jset(t, "site_id", id);
	note_old_site(t, m);
	jset(t, "old_root", m->from.path);
	jset(t, "new_domain", m->new_domain);
	if (m->shipped[0])
		jset(t, "shipped", m->shipped);
	for (size_t i = 0; i < m->man.n_files; i++) {
		if (nested(m->man.files, i))
			continue;
		(void)str_fmt(key, sizeof(key), "old%d", n++);
		jset(t, key, m->man.files[i]);
	}
	if ((rc = task_save(t)) != 0)
		return rc;
	/* The new copy comes online (the dump carried the flag the maintenance step set), unless
	 * the site was in maintenance mode before the move. */
	if (!m->was_maint &&
	    (rc = maintenance(m->a, m->ad, m->new_domain, m->to.path, m->new_site_dir,
	                      m->site.db_server, DROVER_MAINT_OFF, &state)) != 0)
		return rc;
	if ((rc = inv_registry(m->a, &reg)) != 0)
		return rc;
	(void)str_copy(moved.domain, sizeof(moved.domain), m->new_domain);
	moved.platform_id = m->to.id;
	(void)str_copy(moved.site_dir, sizeof(moved.site_dir), m->new_site_dir);
	(void)str_copy(moved.db_name, sizeof(moved.db_name), m->new_db.database);
	(void)str_copy(moved.db_user, sizeof(moved.db_user), m->new_db.user);
	if ((rc = reg_begin(reg, &m->a->err)) != 0)
		return rc;
	rc = m->clone ? reg_site_add(reg, &moved, &m->a->err)
	              : reg_site_update(reg, &moved, &m->a->err);
	if (rc == 0)
		rc = reg_commit(reg, &m->a->err);
	if (rc)
		reg_rollback(reg, NULL);
	if (rc == 0) {
		(void)str_copy(m->out->domain, sizeof(m->out->domain), m->new_domain);
		(void)str_copy(m->out->platform, sizeof(m->out->platform), m->to.name);
		(void)str_copy(m->switch_data, sizeof(m->switch_data), t->data);
	}
	return rc;
}

/* If the registry was switched but the step not recorded done: switch it back. */
static int undo_switch(struct app *a, const char *data)
{
	char buf[PATH_MAX], clone[4];
	struct reg_site s;
	struct reg *reg;
	int64_t v;
	int rc;

	if ((rc = inv_registry(a, &reg)) != 0)
		return rc;
	if (strcmp(jget(data, "clone", clone, sizeof(clone)), "1") == 0) {
		if (reg_site_get(reg, jget(data, "new_domain", buf, sizeof(buf)), &s, &a->err) == 0)
			return reg_site_remove(reg, s.id, &a->err);
		err_clear(&a->err);
		return 0;
	}
	if (str_to_i64(jget(data, "site_id", buf, sizeof(buf)), &v) != 0)
		return 0; /* crashed before anything was noted */
	if (reg_site_get(reg, jget(data, "new_domain", buf, sizeof(buf)), &s, &a->err) != 0 ||
	    s.id != v) {
		err_clear(&a->err);
		return 0; /* never switched */
	}
	jget(data, "old_domain", s.domain, sizeof(s.domain));
	str_to_i64(jget(data, "old_platform", buf, sizeof(buf)), &s.platform_id);
	jget(data, "old_site_dir", s.site_dir, sizeof(s.site_dir));
	jget(data, "old_server", s.db_server, sizeof(s.db_server));
	jget(data, "old_db", s.db_name, sizeof(s.db_name));
	jget(data, "old_user", s.db_user, sizeof(s.db_user));
	return reg_site_update(reg, &s, &a->err);
}

/* delete's finish: the registry forgets the site, then its files and database go. The row goes
 * here rather than in run_forget: a failure or a crash between the removal and the journal's
 * "done" would undo a step that has no undo, leaving the site's files and database behind
 * with no registry entry (and its task "rolled back"). */
static int finish_forget(struct app *a, const char *data)
{
	char buf[256];
	struct reg_site s;
	struct reg *reg;
	int64_t id;
	int rc;

	if ((rc = inv_registry(a, &reg)) != 0)
		return rc;
	if (str_to_i64(jget(data, "site_id", buf, sizeof(buf)), &id) == 0 &&
	    reg_site_get(reg, jget(data, "old_domain", buf, sizeof(buf)), &s, &a->err) == 0 &&
	    s.id == id && (rc = reg_site_remove(reg, id, &a->err)) != 0)
		return rc;
	err_clear(&a->err);
	return finish_switch(a, data);
}

static int run_cleanup(struct task *t, void *arg)
{
	struct mig *m = arg;

	return m->deleting ? finish_forget(m->a, m->switch_data)
	                   : finish_switch(m->a, m->switch_data);
}

/* delete: the point of no return; the registry forgets the site in the finish (finish_forget),
 * then its files and database go. */
static int run_forget(struct task *t, void *arg)
{
	struct mig *m = arg;
	char id[32], key[16];
	int rc, n = 0;

	jset(t, "clone", "0");
	jset(t, "adapter", m->ad->name);
	note_old_site(t, m);
	jset(t, "old_root", m->from.path);
	(void)str_fmt(id, sizeof(id), "%lld", (long long)m->site.id);
	jset(t, "site_id", id);
	for (size_t i = 0; i < m->man.n_files; i++) {
		if (nested(m->man.files, i))
			continue;
		(void)str_fmt(key, sizeof(key), "old%d", n++);
		jset(t, key, m->man.files[i]);
	}
	if ((rc = task_save(t)) != 0)
		return rc;
	(void)str_copy(m->switch_data, sizeof(m->switch_data), t->data);
	return 0;
}

static const struct jstep s_preflight = {"preflight", run_preflight, NULL, NULL};
static const struct jstep s_maintenance = {"maintenance", run_maintenance, undo_maintenance, NULL};
static const struct jstep s_backup = {"backup", run_backup, NULL, NULL};
static const struct jstep s_create_db = {"create_db", run_create_db, undo_create_db, NULL};
static const struct jstep s_place = {"place_files", run_place_files, undo_place_files, NULL};
static const struct jstep s_import = {"import", run_import, NULL, NULL};
static const struct jstep s_update = {"update", run_update, NULL, NULL};
static const struct jstep s_verify = {"verify", run_verify, NULL, NULL};
static const struct jstep s_switch = {"switch", run_switch, undo_switch, finish_switch};
static const struct jstep s_cleanup = {"cleanup", run_cleanup, NULL, NULL};
static const struct jstep s_forget = {"forget", run_forget, NULL, finish_forget};

static const struct jstep *const move_steps[] = {
    &s_preflight, &s_maintenance, &s_backup, &s_create_db, &s_place,  &s_import,
    &s_update,    &s_verify,      &s_switch, &s_cleanup,   &s_forget, NULL};

const struct jpipeline migrate_pipeline = {"migrate", move_steps};
const struct jpipeline rename_pipeline = {"rename", move_steps};
const struct jpipeline clone_pipeline = {"clone", move_steps};
const struct jpipeline delete_pipeline = {"delete", move_steps};

/* ---- restore ------------------------------------------------------------------------------------
 *   check     the whole archive read and checked against its manifest   (nothing to undo)
 *   create_db a new database and user                                     undo: drop them
 *   stage     the archive extracted into a staging directory in the target undo: remove it
 *   import    the dump into the new database, credentials into the staged settings
 *   swap      each site path exchanged with its staged copy               undo: swap back
 *   switch    the registry moved, the site online: the point of no return
 *             undo: the registry back; finish: the old database and copy, and staging, go
 */

/* The archive is there and of the size the catalog recorded. Its checksum and every member's
 * are checked as stage reads it, before anything live is touched. */
static int run_check(struct task *t, void *arg)
{
	struct mig *m = arg;
	struct stat st;

	jset(t, "path", m->b.path);
	if (stat(m->b.path, &st) != 0)
		return err_set(&m->a->err, DROVER_E_NOTFOUND, m->b.path,
		               "cannot read the backup: %s", strerror(errno));
	if (m->b.size && (uint64_t)st.st_size != m->b.size)
		return err_set(
		    &m->a->err, DROVER_E_CORRUPT, m->b.path,
		    "the file is %llu bytes, the catalog recorded %llu: it was changed or "
		    "damaged; nothing was touched",
		    (unsigned long long)st.st_size, (unsigned long long)m->b.size);
	return 0;
}

static int run_stage(struct task *t, void *arg)
{
	struct mig *m = arg;
	int rc;

	if (str_fmt(m->staging, sizeof(m->staging), "%s/.drover-restore-XXXXXX", m->to.path) != 0 ||
	    !mkdtemp(m->staging))
		return err_set(&m->a->err, DROVER_E_IO, m->to.path,
		               "cannot create a staging directory: %s", strerror(errno));
	jset(t, "staging", m->staging);
	if ((rc = task_save(t)) != 0)
		return rc;
	bk_manifest_free(&m->man);
	if ((rc = bk_read(m->a, m->b.path, m->staging, &m->man)) != 0)
		return rc;
	/* The file as the catalog recorded it (hashed as it was read), and what the catalog said
	 * confirmed by the manifest itself; nothing live was touched yet. */
	if (m->b.sha256[0] && strcmp(m->man.archive_sha256, m->b.sha256) != 0)
		return err_set(
		    &m->a->err, DROVER_E_CORRUPT, m->b.path,
		    "the file's SHA-256 is not the one recorded when it was made: it was "
		    "changed or damaged; nothing was touched");
	if (strcasecmp(m->man.domain, m->site.domain) != 0)
		return err_set(&m->a->err, DROVER_E_INVAL, m->b.path,
		               "this is a backup of %s, not of %s: give the right site or backup",
		               m->man.domain, m->site.domain);
	if (strcmp(m->man.adapter, m->to.adapter) != 0)
		return err_set(
		    &m->a->err, DROVER_E_REFUSED, m->to.name,
		    "platform %s is %s, the backup is of a %s site: restore it onto a %s "
		    "platform",
		    m->to.name, m->to.cms, m->man.cms, m->man.cms);
	(void)str_copy(m->new_site_dir, sizeof(m->new_site_dir), m->man.site_dir);
	return 0;
}

static int undo_stage(struct app *a, const char *data)
{
	char path[PATH_MAX];

	if (jdata_get(data, "staging", path, sizeof(path)) && path_remove_tree(path) != 0)
		return err_set(&a->err, DROVER_E_IO, path,
		               "cannot remove the staging directory: %s", strerror(errno));
	return 0;
}

static int run_restore_import(struct task *t, void *arg)
{
	struct mig *m = arg;
	char files[PATH_MAX], dumps[PATH_MAX];

	if (path_join(dumps, sizeof(dumps), m->staging, "database") ||
	    path_join(files, sizeof(files), m->staging, "files"))
		return err_set(&m->a->err, DROVER_E_RANGE, m->staging, "path too long");
	return load_and_point(m, dumps, files, m->to.path);
}

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static int run_swap(struct task *t, void *arg)
{
	struct mig *m = arg;
	char live[PATH_MAX], staged[PATH_MAX], key[16];
	int rc, n = 0;

	jset(t, "root", m->to.path);
	jset(t, "staging", m->staging);
	for (size_t i = 0; i < m->man.n_files; i++) {
		struct stat st;
		int exists;
		if (nested(m->man.files, i))
			continue;
		if (path_join(live, sizeof(live), m->to.path, m->man.files[i]) ||
		    str_fmt(staged, sizeof(staged), "%s/files/%s", m->staging, m->man.files[i]))
			return err_set(&m->a->err, DROVER_E_RANGE, m->man.files[i],
			               "path too long");
		if (lstat(staged, &st) != 0)
			continue;
		exists = lstat(live, &st) == 0;
		/* Noted before it happens: x = exchanged, n = moved into an empty place. */
		(void)str_fmt(key, sizeof(key), "%c%d", exists ? 'x' : 'n', n++);
		jset(t, key, m->man.files[i]);
		if ((rc = task_save(t)) != 0)
			return rc;
		if (exists) {
			if (renameat2(AT_FDCWD, staged, AT_FDCWD, live, RENAME_EXCHANGE) != 0)
				return err_set(
				    &m->a->err, DROVER_E_IO, live,
				    "cannot swap in the restored copy (this filesystem has no "
				    "atomic exchange?): %s",
				    strerror(errno));
		} else {
			char parent[PATH_MAX], *slash;
			(void)str_copy(parent, sizeof(parent), live);
			if ((slash = strrchr(parent, '/')) != NULL) {
				*slash = '\0';
				(void)path_mkdirs(parent, 0755);
			}
			if (rename(staged, live) != 0)
				return err_set(&m->a->err, DROVER_E_IO, live,
				               "cannot move the restored copy in: %s",
				               strerror(errno));
		}
	}
	return 0;
}

static int undo_swap(struct app *a, const char *data)
{
	char root[PATH_MAX], staging[PATH_MAX], rel[PATH_MAX], live[PATH_MAX], staged[PATH_MAX],
	    key[16];
	int rc = 0;

	jget(data, "root", root, sizeof(root));
	jget(data, "staging", staging, sizeof(staging));
	for (int i = 0;; i++) {
		struct stat st;
		int exchanged = 1;
		(void)str_fmt(key, sizeof(key), "x%d", i);
		if (!jdata_get(data, key, rel, sizeof(rel))) {
			(void)str_fmt(key, sizeof(key), "n%d", i);
			if (!jdata_get(data, key, rel, sizeof(rel)))
				break;
			exchanged = 0;
		}
		if (path_join(live, sizeof(live), root, rel) ||
		    str_fmt(staged, sizeof(staged), "%s/files/%s", staging, rel))
			continue;
		/* Idempotent: a swap that did not happen has the staged copy still in staging. */
		if (exchanged) {
			if (lstat(staged, &st) == 0 && lstat(live, &st) == 0 &&
			    renameat2(AT_FDCWD, staged, AT_FDCWD, live, RENAME_EXCHANGE) != 0 &&
			    rc == 0)
				rc = err_set(&a->err, DROVER_E_IO, live, "cannot swap back: %s",
				             strerror(errno));
		} else if (lstat(staged, &st) != 0 && lstat(live, &st) == 0 &&
		           rename(live, staged) != 0 && rc == 0) {
			rc = err_set(&a->err, DROVER_E_IO, live, "cannot move back: %s",
			             strerror(errno));
		}
	}
	return rc;
}

/* The restored site online and registered. */
static int run_restore_switch(struct task *t, void *arg)
{
	struct mig *m = arg;
	struct reg_site s = m->site;
	char id[32];
	struct reg *reg;
	int rc;

	jset(t, "adapter", m->ad->name);
	jset(t, "had_site", m->had_site ? "1" : "0");
	(void)str_fmt(id, sizeof(id), "%lld", (long long)m->site.id);
	jset(t, "site_id", id);
	jset(t, "new_domain", m->site.domain);
	jset(t, "new_db", m->new_db.database);
	jset(t, "staging", m->staging);
	if (m->had_site) {
		struct reg_platform oldp;
		note_old_site(t, m);
		/* Moved to another platform: the copy on the old one goes too. */
		if (m->from.id != m->to.id && inv_registry(m->a, &reg) == 0 &&
		    reg_platform_get_id(reg, m->from.id, &oldp, &m->a->err) == 0) {
			char key[16];
			jset(t, "old_root", oldp.path);
			for (size_t i = 0, n = 0; i < m->man.n_files; i++) {
				if (nested(m->man.files, i))
					continue;
				(void)str_fmt(key, sizeof(key), "old%zu", n++);
				jset(t, key, m->man.files[i]);
			}
		}
		err_clear(&m->a->err);
	}
	if ((rc = task_save(t)) != 0 || (rc = inv_registry(m->a, &reg)) != 0)
		return rc;
	s.platform_id = m->to.id;
	(void)str_copy(s.site_dir, sizeof(s.site_dir), m->new_site_dir);
	(void)str_copy(s.db_server, sizeof(s.db_server), m->site.db_server);
	(void)str_copy(s.db_name, sizeof(s.db_name), m->new_db.database);
	(void)str_copy(s.db_user, sizeof(s.db_user), m->new_db.user);
	if ((rc = reg_begin(reg, &m->a->err)) != 0)
		return rc;
	{
		const struct cfg_db_server *srv = cfg_db_server(&m->a->cfg, s.db_server);
		int64_t srv_id;
		rc = srv ? reg_db_server_ensure(reg, srv->name, srv->driver,
		                                srv->directory[0] ? srv->directory : srv->host,
		                                &srv_id, &m->a->err)
		         : 0;
	}
	if (rc == 0)
		rc = m->had_site ? reg_site_update(reg, &s, &m->a->err)
		                 : reg_site_add(reg, &s, &m->a->err);
	if (rc == 0)
		rc = reg_commit(reg, &m->a->err);
	if (rc)
		reg_rollback(reg, NULL);
	if (rc == 0 && !m->had_site) {
		(void)str_fmt(id, sizeof(id), "%lld", (long long)s.id);
		jset(t, "site_id", id);
		(void)task_save(t);
	}
	/* A backup taken in maintenance mode restores a site in maintenance mode: bring it up. */
	if (rc == 0 && (m->ad->desc->caps & DROVER_CAP_MAINTENANCE)) {
		int32_t state;
		if (maintenance(m->a, m->ad, m->site.domain, m->to.path, m->new_site_dir,
		                s.db_server, DROVER_MAINT_OFF, &state) != 0)
			log_msg(DROVER_LOG_WARNING, "%s: could not leave maintenance mode: %s",
			        m->site.domain, m->a->err.message);
		err_clear(&m->a->err);
	}
	if (rc == 0)
		(void)str_copy(m->switch_data, sizeof(m->switch_data), t->data);
	return rc;
}

static int undo_restore_switch(struct app *a, const char *data)
{
	char had[4], buf[PATH_MAX];
	struct reg_site s;
	struct reg *reg;
	int64_t v;
	int rc;

	if ((rc = inv_registry(a, &reg)) != 0)
		return rc;
	if (reg_site_get(reg, jget(data, "new_domain", buf, sizeof(buf)), &s, &a->err) != 0) {
		err_clear(&a->err);
		return 0;
	}
	if (strcmp(jget(data, "had_site", had, sizeof(had)), "1") != 0)
		return reg_site_remove(reg, s.id, &a->err);
	if (str_to_i64(jget(data, "old_platform", buf, sizeof(buf)), &v) != 0)
		return 0;
	s.platform_id = v;
	jget(data, "old_site_dir", s.site_dir, sizeof(s.site_dir));
	jget(data, "old_server", s.db_server, sizeof(s.db_server));
	jget(data, "old_db", s.db_name, sizeof(s.db_name));
	jget(data, "old_user", s.db_user, sizeof(s.db_user));
	return reg_site_update(reg, &s, &a->err);
}

/* After the switch: the old database, the old copy on another platform, and staging (which
 * holds what the swap took out) go. */
static int finish_restore(struct app *a, const char *data)
{
	char had[4], staging[PATH_MAX], newdb[PATH_MAX], olddb[PATH_MAX];
	int rc = 0;

	/* finish_switch drops the old database and removes the old copy's paths (noted only when
	 * the site moved to another platform; on the same one, the swap put them in staging). */
	if (strcmp(jget(data, "had_site", had, sizeof(had)), "1") == 0 &&
	    strcmp(jget(data, "old_db", olddb, sizeof(olddb)),
	           jget(data, "new_db", newdb, sizeof(newdb))) != 0)
		rc = finish_switch(a, data);
	if (jdata_get(data, "staging", staging, sizeof(staging)) &&
	    path_remove_tree(staging) != 0 && rc == 0)
		rc = err_set(&a->err, DROVER_E_IO, staging,
		             "cannot remove the staging directory: %s", strerror(errno));
	if (rc == 0)
		record_moved(a, data);
	return rc;
}

static int run_restore_cleanup(struct task *t, void *arg)
{
	struct mig *m = arg;

	m->staging[0] = '\0'; /* finish removes it */
	return finish_restore(m->a, m->switch_data);
}

static const struct jstep r_check = {"check", run_check, NULL, NULL};
static const struct jstep r_stage = {"stage", run_stage, undo_stage, NULL};
static const struct jstep r_import = {"import", run_restore_import, NULL, NULL};
static const struct jstep r_swap = {"swap", run_swap, undo_swap, NULL};
static const struct jstep r_switch = {"switch", run_restore_switch, undo_restore_switch,
                                      finish_restore};
static const struct jstep r_cleanup = {"cleanup", run_restore_cleanup, NULL, NULL};
static const struct jstep *const restore_steps[] = {&r_check, &s_create_db, &r_stage,   &r_import,
                                                    &r_swap,  &r_switch,    &r_cleanup, NULL};
const struct jpipeline restore_pipeline = {"restore", restore_steps};

int mig_restore(struct app *a, const char *domain, const char *id_or_file, const char *platform,
                struct rs_result *out)
{
	struct mig_result moved;
	struct mig m;
	struct bk_manifest man;
	struct reg *reg;
	struct task t;
	char args[512];
	int rc, in_catalog = 1; /* the newest backup is the catalog's */

	memset(&m, 0, sizeof(m));
	memset(out, 0, sizeof(*out));
	m.a = a;
	m.rs = out;
	memset(&moved, 0, sizeof(moved));
	m.out = &moved; /* the steps shared with the moves report here */
	if ((rc = app_adapters(a, 0)) != 0 || (rc = inv_registry(a, &reg)) != 0)
		return rc;
	m.had_site = reg_site_get(reg, domain, &m.site, &a->err) == 0;
	err_clear(&a->err);
	if (id_or_file ? (rc = bk_resolve(a, id_or_file, &m.b, &in_catalog)) != 0
	               : (rc = rs_newest(a, domain, &m.b)) != 0)
		return rc;
	/* Which site and platform: from the catalog when the backup is in it (recorded when it
	 * was made), else from the manifest, which takes a read of the whole archive. Either way
	 * every member is checked as stage reads it, before anything live is touched. */
	if (in_catalog && m.b.platform_name[0]) {
		memset(&man, 0, sizeof(man));
		(void)str_copy(man.domain, sizeof(man.domain), m.b.site_domain);
		(void)str_copy(man.platform, sizeof(man.platform), m.b.platform_name);
		(void)str_copy(man.site_dir, sizeof(man.site_dir),
		               m.had_site ? m.site.site_dir : "");
	} else if ((rc = bk_read(a, m.b.path, NULL, &man)) != 0) {
		return rc;
	}
	if (strcasecmp(man.domain, domain) != 0) {
		rc = err_set(&a->err, DROVER_E_INVAL, m.b.path,
		             "this is a backup of %s, not of %s: give the right site or backup",
		             man.domain, domain);
		bk_manifest_free(&man);
		return rc;
	}
	if ((rc = reg_platform_get(reg, platform ? platform : man.platform, &m.to, &a->err)) != 0) {
		rc = err_set(&a->err, DROVER_E_NOTFOUND, platform ? platform : man.platform,
		             "platform %s is not registered: add it (drover platform add %s %s) or "
		             "give --platform",
		             platform ? platform : man.platform, platform ? platform : man.platform,
		             platform ? "PATH"
		                      : (man.platform_path[0] ? man.platform_path : "PATH"));
		bk_manifest_free(&man);
		return rc;
	}
	if (m.had_site &&
	    (rc = reg_platform_get_id(reg, m.site.platform_id, &m.from, &a->err)) != 0) {
		bk_manifest_free(&man);
		return rc;
	}
	if ((rc = inv_adapter(a, &m.to, &m.ad)) == 0 && man.adapter[0] &&
	    strcmp(m.to.adapter, man.adapter) != 0)
		rc = err_set(&a->err, DROVER_E_REFUSED, m.to.name,
		             "platform %s is %s, the backup is of a %s site: restore it onto a %s "
		             "platform",
		             m.to.name, m.to.cms, man.cms, man.cms);
	/* The site's database is replaced, and the old one dropped, when the restore is done. */
	if (rc == 0 && m.had_site) {
		const struct ldr_entry *old_ad;
		if ((rc = inv_adapter(a, &m.from, &old_ad)) == 0)
			rc = inv_site_db_shared(a, old_ad, &m.site, m.from.path);
	}
	if (rc == 0 && (!m.had_site || m.site.platform_id != m.to.id) &&
	    !(m.ad->desc->caps & DROVER_CAP_MULTISITE) && m.to.n_sites > 0)
		rc = err_set(&a->err, DROVER_E_REFUSED, m.to.name,
		             "platform %s already hosts a site, and a %s platform hosts only one",
		             m.to.name, m.to.cms);
	if (rc) {
		bk_manifest_free(&man);
		return rc;
	}
	if (!m.had_site) {
		/* Disaster recovery: the site comes back under its name, on the backup's server. */
		(void)str_copy(m.site.domain, sizeof(m.site.domain), man.domain);
		(void)str_copy(m.site.site_dir, sizeof(m.site.site_dir), man.site_dir);
		(void)str_copy(m.site.db_server, sizeof(m.site.db_server),
		               cfg_db_server(&a->cfg, man.db_server) ? man.db_server
		                                                     : a->cfg.default_db_server);
	}
	(void)str_copy(m.new_domain, sizeof(m.new_domain), m.site.domain);
	(void)str_copy(m.new_site_dir, sizeof(m.new_site_dir), man.site_dir);
	bk_manifest_free(&man);
	(void)str_fmt(args, sizeof(args), "%s from %s onto %s", domain, m.b.path, m.to.name);
	if ((rc = task_begin(a, "restore", domain, m.had_site ? m.site.id : 0, m.to.id, args,
	                     &t)) != 0)
		return rc;
	m.t = &t;
	rc = task_step(&t, &r_check, &m);
	if (rc == 0)
		rc = task_step(&t, &s_create_db, &m);
	if (rc == 0)
		rc = task_step(&t, &r_stage, &m);
	if (rc == 0)
		rc = task_step(&t, &r_import, &m);
	if (rc == 0)
		rc = task_step(&t, &r_swap, &m);
	if (rc == 0)
		rc = task_step(&t, &r_switch, &m);
	if (rc == 0)
		rc = task_step(&t, &r_cleanup, &m);
	rc = task_end(&t, rc);
	if (rc == 0) {
		out->b = m.b;
		(void)str_copy(out->platform, sizeof(out->platform), m.to.name);
		(void)str_copy(out->database, sizeof(out->database), m.new_db.database);
	}
	memset(m.password, 0, sizeof(m.password));
	memset(&m.new_db, 0, sizeof(m.new_db));
	bk_manifest_free(&m.man);
	return rc;
}

/* ---- the commands ------------------------------------------------------------------------------ */

static int load(struct app *a, struct mig *m, const char *domain, const char *to_name,
                const char *new_domain)
{
	struct reg *reg;
	struct reg_site other;
	int rc;

	if ((rc = app_adapters(a, 0)) != 0 || (rc = inv_registry(a, &reg)) != 0)
		return rc;
	if ((rc = reg_site_get(reg, domain, &m->site, &a->err)) != 0)
		return rc == DROVER_E_NOTFOUND
		           ? err_set(&a->err, rc, domain,
		                     "no site named %s: see 'drover site list'", domain)
		           : rc;
	if ((rc = reg_platform_get_id(reg, m->site.platform_id, &m->from, &a->err)) != 0)
		return rc;
	if (to_name) {
		if ((rc = reg_platform_get(reg, to_name, &m->to, &a->err)) != 0)
			return rc == DROVER_E_NOTFOUND
			           ? err_set(&a->err, rc, to_name,
			                     "no platform named %s: see 'drover platform list'",
			                     to_name)
			           : rc;
	} else {
		m->to = m->from;
	}
	if ((rc = inv_adapter(a, &m->from, &m->ad)) != 0)
		return rc;
	(void)str_copy(m->new_domain, sizeof(m->new_domain), new_domain ? new_domain : domain);
	if (new_domain && strcasecmp(new_domain, domain) != 0) {
		if (reg_site_get(reg, new_domain, &other, &a->err) == 0)
			return err_set(&a->err, DROVER_E_EXISTS, new_domain,
			               "a site named %s already exists (platform %s)", new_domain,
			               other.platform);
		err_clear(&a->err);
		if (!strchr(new_domain, '.') || strlen(new_domain) >= sizeof(m->new_domain))
			return err_set(&a->err, DROVER_E_INVAL, new_domain,
			               "a site is named by its domain, e.g. www.example.com");
	}
	/* The site directory on the target: sites/<new domain> for multisite CMSs. */
	if (m->site.site_dir[0] && strcmp(m->new_domain, m->site.domain) != 0 &&
	    strcmp(m->site.site_dir, "sites/default") != 0)
		(void)str_fmt(m->new_site_dir, sizeof(m->new_site_dir), "sites/%s", m->new_domain);
	else
		(void)str_copy(m->new_site_dir, sizeof(m->new_site_dir), m->site.site_dir);
	if (m->to.id != m->from.id && !(m->ad->desc->caps & DROVER_CAP_MULTISITE) &&
	    m->to.n_sites > 0)
		return err_set(
		    &a->err, DROVER_E_REFUSED, m->to.name,
		    "refused: platform %s already hosts a site, and a %s platform hosts only "
		    "one",
		    m->to.name, m->to.cms);
	return 0;
}

static int plan_step(struct mig *m, size_t i)
{
	return move_steps[i] != &s_forget && (!m->clone || move_steps[i] != &s_maintenance);
}

/* --dry-run: the plan and, for another platform, the compare verdict; text or --json. */
static int dry_run(struct app *a, struct mig *m, const char *kind)
{
	struct cmp_cache *cache = NULL;
	struct cmp_result r;
	const struct cmp_target *v = NULL;
	char msg[512];
	struct jw own, *jp = a->json_into ? a->json_into : &own;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	rc = refusals(m);
	if (rc == 0 && m->to.id != m->from.id &&
	    (rc = cmp_site(a, &m->site, m->to.name, 1, &cache, &r)) == 0 && r.n)
		v = &r.t[0];
	if (rc == 0 && v && !v->eligible)
		rc = err_set(&a->err, DROVER_E_REFUSED, m->to.name, "refused: %s", v->reasons[0]);
	m->out->planned = 1;
	if (a->json) {
		if (!a->json_into)
			jw_init(jp, stdout);
		jw_obj_begin(jp);
		jw_kstr(jp, "kind", kind);
		jw_kstr(jp, "site", m->site.domain);
		jw_kstr(jp, "new_domain", m->new_domain);
		jw_kstr(jp, "from", m->from.name);
		jw_kstr(jp, "to", m->to.name);
		jw_kstr(jp, "site_dir", m->new_site_dir);
		jw_key(jp, "steps");
		jw_arr_begin(jp);
		for (size_t i = 0; move_steps[i]; i++)
			if (plan_step(m, i))
				jw_str(jp, move_steps[i]->name);
		jw_arr_end(jp);
		jw_key(jp, "eligible");
		if (v)
			jw_bool(jp, v->eligible);
		else
			jw_bool(jp, rc == 0);
		jw_key(jp, "reasons");
		jw_arr_begin(jp);
		for (size_t i = 0; v && i < v->n_reasons; i++)
			jw_str(jp, v->reasons[i]);
		jw_arr_end(jp);
		jw_key(jp, "packages");
		jw_arr_begin(jp);
		for (size_t i = 0; v && i < v->n; i++) {
			if (v->pk[i].verdict == CMP_UNCHANGED)
				continue;
			jw_obj_begin(jp);
			jw_kstr(jp, "name", v->pk[i].name);
			jw_kstr(jp, "verdict", cmp_verdict_name(v->pk[i].verdict));
			jw_kstr(jp, "message", cmp_pkg_message(&v->pk[i], msg, sizeof(msg)));
			jw_obj_end(jp);
		}
		jw_arr_end(jp);
		jw_kstr(jp, "error", rc ? a->err.message : NULL);
		jw_obj_end(jp);
		if (!a->json_into)
			jw_end(jp);
	} else {
		printf("%s %s%s%s: %s -> %s (%s)\n", kind, m->site.domain,
		       strcmp(m->new_domain, m->site.domain) ? " as " : "",
		       strcmp(m->new_domain, m->site.domain) ? m->new_domain : "", m->from.name,
		       m->to.name, m->new_site_dir[0] ? m->new_site_dir : "platform root");
		for (size_t i = 0; move_steps[i]; i++)
			if (plan_step(m, i))
				printf("  %zu. %s\n", i + 1, move_steps[i]->name);
		if (v) {
			printf("verdict: %s\n", v->eligible ? "eligible" : "BLOCKED");
			for (size_t i = 0; i < v->n_reasons; i++)
				printf("  blocked: %s\n", v->reasons[i]);
			for (size_t i = 0; i < v->n; i++)
				if (v->pk[i].verdict != CMP_UNCHANGED)
					printf("  %-8s %-28s %s\n",
					       cmp_verdict_name(v->pk[i].verdict), v->pk[i].name,
					       cmp_pkg_message(&v->pk[i], msg, sizeof(msg)));
		}
	}
	cmp_result_free(&r);
	cmp_cache_free(cache);
	return rc;
}

static int move(struct app *a, struct mig *m, const char *kind, struct mig_result *out)
{
	struct task t;
	char args[512];
	int rc;

	m->a = a;
	m->out = out;
	(void)str_fmt(args, sizeof(args), "%s -> %s on %s", m->site.domain, m->new_domain,
	              m->to.name);
	if (m->flags & MIG_DRY_RUN)
		return dry_run(a, m, kind);
	/* What was enabled before, to name what the move disabled. */
	if (!m->deleting && inv_site_verify(a, &m->site, &m->before) != 0)
		return a->err.code;
	if ((rc = task_begin(a, kind, m->site.domain, m->site.id, m->to.id, args, &t)) != 0) {
		inv_site_schema_free(&m->before);
		return rc;
	}
	m->t = &t;
	out->task_id = t.r.id;
	rc = task_step(&t, &s_preflight, m);
	if (rc == 0 && !m->clone)
		rc = task_step(&t, &s_maintenance, m);
	if (rc == 0)
		rc = task_step(&t, &s_backup, m);
	if (m->deleting) {
		if (rc == 0) {
			/* What the site owns, from the backup just made. */
			rc = bk_read(a, m->backup.b.path, NULL, &m->man);
		}
		if (rc == 0)
			rc = task_step(&t, &s_forget, m);
		if (rc == 0)
			rc = task_step(&t, &s_cleanup, m);
	} else {
		if (rc == 0)
			rc = task_step(&t, &s_create_db, m);
		if (rc == 0)
			rc = task_step(&t, &s_place, m);
		if (rc == 0)
			rc = task_step(&t, &s_import, m);
		if (rc == 0)
			rc = task_step(&t, &s_update, m);
		if (rc == 0)
			rc = task_step(&t, &s_verify, m);
		if (rc == 0)
			rc = task_step(&t, &s_switch, m);
		if (rc == 0)
			rc = task_step(&t, &s_cleanup, m);
	}
	rc = task_end(&t, rc);
	if (m->staging[0])
		path_remove_tree(m->staging);
	memset(m->password, 0, sizeof(m->password));
	memset(&m->new_db, 0, sizeof(m->new_db));
	bk_manifest_free(&m->man);
	inv_site_schema_free(&m->before);
	return rc;
}

int mig_migrate(struct app *a, const char *domain, const char *to, const char *new_domain,
                unsigned flags, struct mig_result *out)
{
	struct mig m;
	int rc;

	memset(&m, 0, sizeof(m));
	memset(out, 0, sizeof(*out));
	m.flags = flags;
	m.rename = new_domain != NULL;
	if ((rc = load(a, &m, domain, to, new_domain)) != 0)
		return rc;
	return move(a, &m, new_domain && m.to.id == m.from.id ? "rename" : "migrate", out);
}

int mig_rename(struct app *a, const char *domain, const char *new_domain, unsigned flags,
               struct mig_result *out)
{
	struct mig m;
	int rc;

	memset(&m, 0, sizeof(m));
	memset(out, 0, sizeof(*out));
	m.flags = flags;
	m.rename = 1;
	if ((rc = load(a, &m, domain, NULL, new_domain)) != 0)
		return rc;
	if (!(m.ad->desc->caps & DROVER_CAP_MULTISITE))
		return err_set(
		    &a->err, DROVER_E_NOTSUP, domain,
		    "renaming a %s site in place is not supported yet: a %s platform hosts "
		    "one site, so the copy cannot sit beside it; migrate it with --rename to "
		    "an empty platform instead",
		    m.from.cms, m.from.cms);
	return move(a, &m, "rename", out);
}

int mig_clone(struct app *a, const char *domain, const char *new_domain, const char *platform,
              unsigned flags, struct mig_result *out)
{
	struct mig m;
	int rc;

	memset(&m, 0, sizeof(m));
	memset(out, 0, sizeof(*out));
	m.flags = flags;
	m.clone = 1;
	if ((rc = load(a, &m, domain, platform, new_domain)) != 0)
		return rc;
	if (strcasecmp(new_domain, domain) == 0)
		return err_set(&a->err, DROVER_E_INVAL, new_domain, "a clone needs a new domain");
	if (m.to.id != m.from.id && !(flags & MIG_FORCE))
		return err_set(
		    &a->err, DROVER_E_REFUSED, m.to.name,
		    "refused: a clone straight onto another platform skips the checks of a "
		    "migrate; clone in place, then migrate the clone (or give --force)");
	if (m.to.id == m.from.id && !(m.ad->desc->caps & DROVER_CAP_MULTISITE))
		return err_set(
		    &a->err, DROVER_E_REFUSED, m.to.name,
		    "refused: a %s platform hosts one site; clone onto an empty platform "
		    "with --platform P --force",
		    m.to.cms);
	return move(a, &m, "clone", out);
}

int mig_delete(struct app *a, const char *domain, struct mig_result *out)
{
	struct mig m;
	int rc;

	memset(&m, 0, sizeof(m));
	memset(out, 0, sizeof(*out));
	m.deleting = 1;
	if ((rc = load(a, &m, domain, NULL, NULL)) != 0)
		return rc;
	return move(a, &m, "delete", out);
}

struct kept {
	struct reg_backup b;
	int found;
};

static int first_backup_of_task(void *arg, const struct reg_backup *b)
{
	struct kept *k = arg;

	if (b->task_id != k->b.task_id)
		return 0;
	k->b = *b;
	k->found = 1;
	return DROVER_E_STOP;
}

int mig_rollback(struct app *a, int64_t task_id, struct mig_result *out)
{
	struct kept k = {.b = {.task_id = task_id}};
	struct bk_manifest man;
	struct rs_result r;
	struct reg_task t;
	struct reg *reg;
	char id[32];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = app_adapters(a, 0)) != 0 || (rc = inv_registry(a, &reg)) != 0)
		return rc;
	if ((rc = reg_task_get(reg, task_id, &t, &a->err)) != 0)
		return rc == DROVER_E_NOTFOUND
		           ? err_set(&a->err, rc, NULL, "no task %lld: see 'drover tasks'",
		                     (long long)task_id)
		           : rc;
	if (strcmp(t.kind, "migrate") != 0 && strcmp(t.kind, "rename") != 0)
		return err_set(&a->err, DROVER_E_INVAL, NULL,
		               "task %lld is a %s: only a migrate or rename can be rolled back",
		               (long long)task_id, t.kind);
	if (strcmp(t.state, "done") != 0)
		return err_set(&a->err, DROVER_E_INVAL, NULL,
		               "task %lld is %s, not done: a failed migrate was undone already",
		               (long long)task_id, t.state);
	if ((rc = reg_backup_foreach(reg, t.site_domain, first_backup_of_task, &k, &a->err)) != 0)
		return rc;
	if (!k.found)
		return err_set(&a->err, DROVER_E_NOTFOUND, NULL,
		               "the backup task %lld kept is gone from the catalog",
		               (long long)task_id);
	if ((rc = bk_read(a, k.b.path, NULL, &man)) != 0)
		return rc;
	/* The site may carry another name now: restore under the old one, then drop the new. */
	(void)str_fmt(id, sizeof(id), "%lld", (long long)k.b.id);
	{
		struct reg_site now;
		int renamed = 0;
		if (reg_site_get(reg, man.domain, &now, &a->err) != 0) {
			err_clear(&a->err);
			renamed = 1;
		}
		if (renamed) {
			/* The migrated site lives under the new name; find it through the task. */
			struct reg_site cur;
			const char *newname = strstr(t.args, " -> ");
			char name[256] = "";
			if (newname) {
				(void)str_copy(name, sizeof(name), newname + 4);
				name[strcspn(name, " ")] = '\0';
			}
			if (name[0] && reg_site_get(reg, name, &cur, &a->err) == 0) {
				struct mig_result dr;
				if ((rc = mig_delete(a, name, &dr)) != 0) {
					bk_manifest_free(&man);
					return rc;
				}
			}
			err_clear(&a->err);
		}
	}
	rc = rs_restore(a, man.domain, id, man.platform, &r);
	if (rc == 0) {
		(void)str_copy(out->domain, sizeof(out->domain), man.domain);
		(void)str_copy(out->platform, sizeof(out->platform), r.platform);
		(void)str_copy(out->database, sizeof(out->database), r.database);
		out->backup_id = k.b.id;
		(void)str_copy(out->backup_path, sizeof(out->backup_path), k.b.path);
	}
	bk_manifest_free(&man);
	return rc;
}

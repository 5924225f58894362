/*
 * registry.c: the registry, one SQLite file that holds everything drover knows.
 *
 * This is the only file that knows the registry's tables or calls sqlite3 on the registry.
 *
 * Opening happens in two phases so that a file we must refuse is never written:
 *   1. inspect: a read-only connection reads application_id and user_version (header fields that
 *      need no schema parse, so a newer drover's schema cannot confuse us), counts the schema
 *      objects and runs quick_check. Anything wrong is refused here.
 *   2. a read-write connection switches to WAL and applies the missing migration steps.
 *
 * Each migration step runs in its own BEGIN IMMEDIATE transaction together with its user_version
 * bump (and, for the first one, the application_id), so a crash or a failing step leaves the
 * registry at the previous version, and two drovers opening one new registry do not both migrate.
 */
#include "registry.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "error.h"
#include "util.h"

#define REG_BUSY_TIMEOUT_MS 5000
#define REG_PATH_MAX        4096

struct reg {
	sqlite3 *db;
	int version;
	char path[REG_PATH_MAX];
};

/* One schema step: `sql` takes the registry from version - 1 to `version`. */
struct reg_migration {
	int version;
	const char *name;
	const char *sql;
};

/* The default for *_at columns, in SQL because rows are also written by recover and by hand. */
#define NOW "(CAST(strftime('%s', 'now') AS INTEGER))"

/*
 * Version 1: the inventory.
 * Domains compare without case (DNS does), so every column holding one is COLLATE NOCASE.
 * Open-ended vocabularies (site status, package type) are only checked to be non-empty: SQLite
 * cannot alter a CHECK without rebuilding the table, so we only fix sets the design fixes.
 */
/* One column per line reads like the schema it is; keep clang-format out of it. */
/* clang-format off */
static const char mig1_inventory[] =
	"CREATE TABLE adapters ("
	" name TEXT PRIMARY KEY NOT NULL CHECK (name <> ''),"
	" version TEXT NOT NULL CHECK (version <> ''),"
	" abi TEXT NOT NULL CHECK (abi GLOB '[0-9]*.[0-9]*'),"
	" path TEXT NOT NULL DEFAULT '',"
	" caps INTEGER NOT NULL DEFAULT 0,"
	" seen_at INTEGER NOT NULL DEFAULT " NOW
	");"
	"CREATE TABLE db_servers ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE CHECK (name <> ''),"
	" driver TEXT NOT NULL CHECK (driver IN ('sqlite', 'mysql')),"
	" location TEXT NOT NULL CHECK (location <> ''),"
	" created_at INTEGER NOT NULL DEFAULT " NOW
	");"
	"CREATE TABLE platforms ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE CHECK (name <> ''),"
	" path TEXT NOT NULL UNIQUE CHECK (path <> ''),"
	" adapter TEXT NOT NULL REFERENCES adapters (name),"
	" cms TEXT NOT NULL CHECK (cms <> ''),"
	" generation INTEGER NOT NULL CHECK (generation >= 0),"
	" line INTEGER NOT NULL DEFAULT 0 CHECK (line >= 0),"
	" distribution TEXT NOT NULL DEFAULT '',"
	" core_version TEXT NOT NULL DEFAULT '',"
	" tree_stamp TEXT NOT NULL DEFAULT '',"
	" scanned_at INTEGER,"
	" created_at INTEGER NOT NULL DEFAULT " NOW
	");"
	"CREATE INDEX platforms_adapter ON platforms (adapter);"
	/* site_dir is '' for packages of the platform, the site directory for site-specific ones. */
	"CREATE TABLE packages ("
	" id INTEGER PRIMARY KEY,"
	" platform_id INTEGER NOT NULL REFERENCES platforms (id) ON DELETE CASCADE,"
	" name TEXT NOT NULL CHECK (name <> ''),"
	" type TEXT NOT NULL CHECK (type <> ''),"
	" version TEXT NOT NULL DEFAULT '',"
	" schema TEXT NOT NULL DEFAULT '',"
	" path TEXT NOT NULL,"
	" site_dir TEXT NOT NULL DEFAULT '',"
	" flags INTEGER NOT NULL DEFAULT 0 CHECK (flags >= 0),"
	" updates TEXT NOT NULL DEFAULT '',"   /* named updates the code ships, one per line */
	" UNIQUE (platform_id, site_dir, name)" /* also the index of the foreign key */
	");"
	/* A site cannot leave a platform behind it (RESTRICT): moving it is a migrate. Two sites
	 * cannot share a directory of one platform nor a database of one server. */
	"CREATE TABLE sites ("
	" id INTEGER PRIMARY KEY,"
	" domain TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (domain <> ''),"
	" platform_id INTEGER NOT NULL REFERENCES platforms (id) ON DELETE RESTRICT,"
	" db_server_id INTEGER NOT NULL REFERENCES db_servers (id) ON DELETE RESTRICT,"
	" db_name TEXT NOT NULL CHECK (db_name <> ''),"
	" db_user TEXT NOT NULL DEFAULT '',"
	" site_dir TEXT NOT NULL DEFAULT '',"
	" status TEXT NOT NULL DEFAULT 'active' CHECK (status <> ''),"
	" created_at INTEGER NOT NULL DEFAULT " NOW ","
	" verified_at INTEGER,"
	" UNIQUE (platform_id, site_dir),"
	" UNIQUE (db_server_id, db_name)"
	");"
	/* status: DROVER_SCHEMA_ENABLED (1), _DISABLED (0), _UNINSTALLED (-1). */
	"CREATE TABLE site_packages ("
	" site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,"
	" name TEXT NOT NULL CHECK (name <> ''),"
	" type TEXT NOT NULL DEFAULT '',"
	" status INTEGER NOT NULL CHECK (status IN (-1, 0, 1)),"
	" schema TEXT NOT NULL DEFAULT '',"
	" updates TEXT NOT NULL DEFAULT '',"   /* named updates applied, one per line */
	" PRIMARY KEY (site_id, name)"
	");";

/*
 * Version 2: the task journal, the backup catalog and the per-site locks.
 * Tasks and backups outlive the site or platform they were about (SET NULL); the domain is kept
 * as text so that their history still says what they were about.
 */
static const char mig2_journal[] =
	"CREATE TABLE tasks ("
	" id INTEGER PRIMARY KEY,"
	" kind TEXT NOT NULL CHECK (kind <> ''),"
	" site_domain TEXT COLLATE NOCASE,"
	" site_id INTEGER REFERENCES sites (id) ON DELETE SET NULL,"
	" platform_id INTEGER REFERENCES platforms (id) ON DELETE SET NULL,"
	" state TEXT NOT NULL DEFAULT 'running'"
	"  CHECK (state IN ('running', 'done', 'failed', 'rolled_back', 'recovering')),"
	" args TEXT NOT NULL DEFAULT '',"
	" pid INTEGER,"
	" started_at INTEGER NOT NULL DEFAULT " NOW ","
	" ended_at INTEGER,"
	" error TEXT"
	");"
	"CREATE INDEX tasks_site ON tasks (site_id);"
	"CREATE INDEX tasks_platform ON tasks (platform_id);"
	/* recover looks for these at the start of every mutating command */
	"CREATE INDEX tasks_unfinished ON tasks (state) WHERE state IN ('running', 'recovering');"
	"CREATE TABLE task_steps ("
	" task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,"
	" seq INTEGER NOT NULL CHECK (seq >= 0),"
	" name TEXT NOT NULL CHECK (name <> ''),"
	" state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN"
	"  ('pending', 'running', 'done', 'failed', 'undoing', 'undone', 'skipped')),"
	" undo_data TEXT,"
	" started_at INTEGER,"
	" ended_at INTEGER,"
	" message TEXT,"
	" PRIMARY KEY (task_id, seq)"
	");"
	"CREATE TABLE backups ("
	" id INTEGER PRIMARY KEY,"
	" site_domain TEXT NOT NULL COLLATE NOCASE CHECK (site_domain <> ''),"
	" site_id INTEGER REFERENCES sites (id) ON DELETE SET NULL,"
	" path TEXT NOT NULL UNIQUE CHECK (path <> ''),"
	" format TEXT NOT NULL CHECK (format <> ''),"
	" size INTEGER NOT NULL CHECK (size >= 0),"
	" sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),"
	" platform_name TEXT NOT NULL,"
	" created_at INTEGER NOT NULL DEFAULT " NOW ","
	" task_id INTEGER REFERENCES tasks (id) ON DELETE SET NULL,"
	" verified_at INTEGER"
	");"
	"CREATE INDEX backups_site ON backups (site_id);"
	"CREATE INDEX backups_domain ON backups (site_domain, created_at);"
	"CREATE INDEX backups_task ON backups (task_id);"
	/* A task that still holds a lock cannot be deleted: a stale lock must be released by
	 * recover, not dropped with the journal. */
	"CREATE TABLE site_locks ("
	" site_domain TEXT PRIMARY KEY NOT NULL COLLATE NOCASE CHECK (site_domain <> ''),"
	" task_id INTEGER NOT NULL REFERENCES tasks (id),"
	" pid INTEGER NOT NULL,"
	" acquired_at INTEGER NOT NULL DEFAULT " NOW
	");"
	"CREATE INDEX site_locks_task ON site_locks (task_id);";
/* clang-format on */

/* Append only: a released step is never edited, a change is a new step. */
static const struct reg_migration migrations[] = {
    {1, "inventory", mig1_inventory},
    {2, "journal", mig2_journal},
};

_Static_assert(ARRAY_LEN(migrations) == REG_SCHEMA_VERSION, "one migration step per version");

/* What phase 1 learnt about the file. */
struct reg_probe {
	int64_t app_id;
	int64_t user_version;
	int64_t n_objects; /* tables, indexes, views and triggers in sqlite_master */
};

/* ---- errors ---------------------------------------------------------------------------------- */

static const char *busy_hint(int rc)
{
	rc &= 0xff;
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return "; another drover is writing the registry: try again when it has finished";
	return "";
}

/* Record a failed SQLite call on the registry. Call it before anything else touches `db`, or
 * sqlite3_errmsg() describes the later call. */
static int db_error(struct drover_error *err, sqlite3 *db, int rc, const char *path,
                    const char *what)
{
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

	return err_set(err, DROVER_E_DB, path, "registry %s: %s failed: %s%s", path, what, msg,
	               busy_hint(rc));
}

/* A file we refuse because it is damaged; `reason` comes from SQLite. */
static int corrupt_error(struct drover_error *err, const char *path, const char *reason)
{
	return err_set(err, DROVER_E_CORRUPT, path,
	               "registry %s is not a usable SQLite database (%s); it was left untouched: "
	               "restore it from a backup or move it aside to start a new registry",
	               path, reason);
}

static int errno_code(int e)
{
	return e == EACCES || e == EPERM || e == EROFS ? DROVER_E_PERM : DROVER_E_IO;
}

/* An SQLite failure while inspecting or opening the file: sort out damage and system errors
 * from the rest, since those need different repairs. */
static int open_error(struct drover_error *err, sqlite3 *db, int rc, const char *path,
                      const char *what)
{
	int primary = rc & 0xff;
	int e;

	if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
		return corrupt_error(err, path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	if (primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN || primary == SQLITE_PERM ||
	    primary == SQLITE_READONLY) {
		e = db ? sqlite3_system_errno(db) : 0;
		return err_set(err, e ? errno_code(e) : DROVER_E_IO, path,
		               "registry %s: %s failed: %s%s%s; check the file, its directory and "
		               "their permissions",
		               path, what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
		               e ? ": " : "", e ? strerror(e) : "");
	}
	return db_error(err, db, rc, path, what);
}

/* ---- small SQLite helpers -------------------------------------------------------------------- */

/* Run a statement that yields one integer (a PRAGMA or a count). */
static int query_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_ERROR; /* a pragma we rely on answered nothing */
	}
	/* The step's error is the one to report; finalize would only repeat it. */
	if (rc == SQLITE_OK)
		rc = sqlite3_finalize(st);
	else
		sqlite3_finalize(st);
	return rc;
}

/* Run a statement that yields one text value into buf (truncated to fit). */
static int query_text(sqlite3 *db, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *text;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	buf[0] = '\0';
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		text = sqlite3_column_text(st, 0);
		(void)str_copy(buf, size, text ? (const char *)text : "");
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_ERROR;
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_finalize(st);
	else
		sqlite3_finalize(st);
	return rc;
}

/* ---- phase 0: the directory and the file ----------------------------------------------------- */

static int ensure_parent(const char *path, struct drover_error *err)
{
	char dir[REG_PATH_MAX];
	char *slash;
	int e;

	(void)str_copy(dir, sizeof(dir), path); /* fits: path was copied into a buffer this size */
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0; /* the current directory or "/" */
	*slash = '\0';
	if (path_mkdirs(dir, 0700) != 0) {
		e = errno;
		return err_set(err, errno_code(e), dir,
		               "cannot create the registry directory %s: %s; create it or choose "
		               "another registry path in the configuration",
		               dir, strerror(e));
	}
	return 0;
}

/* Create the file with mode 0600 if it is missing, so SQLite never creates it with the umask's
 * mode; check that an existing one is a readable regular file. */
static int ensure_file(const char *path, struct drover_error *err)
{
	struct stat st;
	int fd, e;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		/* The umask may have taken bits we need; 0600 is exactly what we want. */
		if (fchmod(fd, 0600) != 0) {
			e = errno;
			close(fd);
			return err_set(err, errno_code(e), path,
			               "registry %s: chmod 0600 failed: %s", path, strerror(e));
		}
		if (close(fd) != 0) {
			e = errno;
			return err_set(err, DROVER_E_IO, path, "registry %s: close failed: %s",
			               path, strerror(e));
		}
		return 0;
	}
	if (errno != EEXIST) {
		e = errno;
		return err_set(err, errno_code(e), path, "cannot create the registry %s: %s", path,
		               strerror(e));
	}
	if (stat(path, &st) != 0) {
		e = errno;
		return err_set(err, errno_code(e), path, "cannot stat the registry %s: %s", path,
		               strerror(e));
	}
	if (!S_ISREG(st.st_mode))
		return err_set(err, DROVER_E_INVAL, path,
		               "registry %s is not a regular file; choose another registry path in "
		               "the configuration",
		               path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		return err_set(err, errno_code(e), path,
		               "cannot read the registry %s: %s; check its owner and permissions",
		               path, strerror(e));
	}
	close(fd);
	return 0;
}

/* ---- phase 1: inspect read-only --------------------------------------------------------------- */

static int inspect(const char *path, struct reg_probe *p, struct drover_error *err)
{
	sqlite3 *db = NULL;
	char check[512];
	int rc, ret = 0;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		ret = open_error(err, db, rc, path, "opening read-only");
		goto out;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, REG_BUSY_TIMEOUT_MS);

	/* One read transaction, so that every read below sees the same snapshot: another drover
	 * may be committing a migration step meanwhile. */
	rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		ret = open_error(err, db, rc, path, "starting to read");
		goto out;
	}
	/* Header fields first: these pragmas do not parse the schema. */
	rc = query_int(db, "PRAGMA application_id", &p->app_id);
	if (rc == SQLITE_OK)
		rc = query_int(db, "PRAGMA user_version", &p->user_version);
	if (rc != SQLITE_OK) {
		ret = open_error(err, db, rc, path, "reading the header");
		goto out;
	}
	if (p->app_id != 0 && p->app_id != REG_APPLICATION_ID) {
		ret = err_set(
		    err, DROVER_E_INVAL, path,
		    "%s is a SQLite database of another application (application_id "
		    "0x%08llx), not a drover registry; it was left untouched: choose another "
		    "registry path in the configuration",
		    path, (unsigned long long)(uint32_t)p->app_id);
		goto out;
	}
	/* We set application_id in the transaction that sets user_version 1, so a database with a
	 * version but no id was not written by drover. */
	if (p->app_id == 0 && p->user_version != 0) {
		ret =
		    err_set(err, DROVER_E_INVAL, path,
		            "%s is a SQLite database of another application (user_version %lld, no "
		            "drover application_id), not a drover registry; it was left untouched: "
		            "choose another registry path in the configuration",
		            path, (long long)p->user_version);
		goto out;
	}
	if (p->user_version > REG_SCHEMA_VERSION) {
		ret = err_set(
		    err, DROVER_E_ABI, path,
		    "registry %s has schema version %lld, this drover knows up to %d: it was "
		    "written by a newer drover; upgrade drover (the file was not changed)",
		    path, (long long)p->user_version, REG_SCHEMA_VERSION);
		goto out;
	}
	if (p->user_version < 0) {
		ret = corrupt_error(err, path, "negative schema version");
		goto out;
	}

	rc = query_int(db, "SELECT count(*) FROM sqlite_master", &p->n_objects);
	if (rc != SQLITE_OK) {
		ret = open_error(err, db, rc, path, "reading the schema");
		goto out;
	}
	if (p->user_version == 0 && p->n_objects != 0) {
		if (p->app_id == 0)
			ret =
			    err_set(err, DROVER_E_INVAL, path,
			            "%s is a SQLite database with %lld tables or indexes but no "
			            "drover schema version, not a drover registry; it was left "
			            "untouched: choose another registry path in the configuration",
			            path, (long long)p->n_objects);
		else
			ret = corrupt_error(
			    err, path, "marked as a drover registry but has no schema version");
		goto out;
	}

	/* Catch damage now, before a pipeline journals into it. quick_check(1): the first
	 * problem is enough to refuse, and the registry is small enough to read whole. */
	rc = query_text(db, "PRAGMA quick_check(1)", check, sizeof(check));
	if (rc != SQLITE_OK) {
		ret = open_error(err, db, rc, path, "checking the database");
		goto out;
	}
	if (strcmp(check, "ok") != 0) {
		ret = corrupt_error(err, path, check);
		goto out;
	}
out:
	/* Read-only: ending the transaction writes nothing; close would end it too. */
	if (db && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db); /* NULL is a no-op */
	return ret;
}

/* ---- phase 2: read-write, WAL, migrations ---------------------------------------------------- */

/*
 * Fail early with errno instead of SQLite's "unable to open database file" or "attempt to write a
 * readonly database". The directory must be writable before we inspect: SQLite creates the -shm
 * and -wal files there even for a read-only connection to a WAL database.
 */
static int check_dir_writable(const char *path, struct drover_error *err)
{
	char dir[REG_PATH_MAX];
	char *slash;
	int e;

	(void)str_copy(dir, sizeof(dir), path);
	slash = strrchr(dir, '/');
	if (!slash)
		(void)str_copy(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (access(dir, W_OK | X_OK) != 0) {
		e = errno;
		return err_set(
		    err, errno_code(e), dir,
		    "cannot write in the registry directory %s: %s; SQLite keeps the "
		    "registry's -wal and -shm files there: check its owner and permissions",
		    dir, strerror(e));
	}
	return 0;
}

/* Checked after inspect, so that a read-only file of a newer drover is still reported as such. */
static int check_file_writable(const char *path, struct drover_error *err)
{
	int fd, e;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		return err_set(err, errno_code(e), path,
		               "cannot write the registry %s: %s; check its owner and permissions",
		               path, strerror(e));
	}
	close(fd);
	return 0;
}

/* A file we are about to make a registry of (empty, or zero-length from `touch`) gets the mode
 * a registry we create has; one owned by someone else is left as its owner set it. */
static int tighten_new(const char *path, struct drover_error *err)
{
	struct stat st;
	int e;

	if (stat(path, &st) != 0) {
		e = errno;
		return err_set(err, errno_code(e), path, "cannot stat the registry %s: %s", path,
		               strerror(e));
	}
	if (st.st_uid != geteuid() || (st.st_mode & 07777) == 0600)
		return 0;
	if (chmod(path, 0600) != 0) {
		e = errno;
		return err_set(err, errno_code(e), path, "registry %s: chmod 0600 failed: %s", path,
		               strerror(e));
	}
	return 0;
}

/*
 * PRAGMA journal_mode=WAL on a file still in rollback mode upgrades a shared lock to an exclusive
 * one. When another drover is creating the same registry, SQLite answers SQLITE_BUSY at once
 * instead of calling the busy handler (waiting could deadlock), so we wait here, as long as the
 * busy timeout would have. Once the file is in WAL mode the pragma takes no lock.
 */
static int set_wal(sqlite3 *db, char *mode, size_t size)
{
	const struct timespec pause = {0, 10 * 1000 * 1000};
	int rc;

	for (int waited_ms = 0;; waited_ms += 10) {
		rc = query_text(db, "PRAGMA journal_mode=WAL", mode, size);
		if ((rc & 0xff) != SQLITE_BUSY || waited_ms >= REG_BUSY_TIMEOUT_MS)
			return rc;
		nanosleep(&pause, NULL);
	}
}

static int configure(struct reg *r, struct drover_error *err)
{
	char mode[32];
	int rc;

	sqlite3_extended_result_codes(r->db, 1);
	rc = sqlite3_busy_timeout(r->db, REG_BUSY_TIMEOUT_MS);
	if (rc != SQLITE_OK)
		return db_error(err, r->db, rc, r->path, "setting the busy timeout");
	/* The journal relies on WAL + FULL: a step recorded before it runs survives a power cut. */
	rc = set_wal(r->db, mode, sizeof(mode));
	if (rc != SQLITE_OK)
		return open_error(err, r->db, rc, r->path, "PRAGMA journal_mode=WAL");
	if (strcmp(mode, "wal") != 0)
		return err_set(
		    err, DROVER_E_DB, r->path,
		    "registry %s: SQLite kept journal mode '%s' instead of WAL; the task "
		    "journal needs WAL: keep the registry on a local file system",
		    r->path, mode);
	rc = sqlite3_exec(r->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_error(err, r->db, rc, r->path, "PRAGMA synchronous=FULL");
	/* Per connection, and a no-op inside a transaction: it must be set here, before any. */
	rc = sqlite3_exec(r->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_error(err, r->db, rc, r->path, "PRAGMA foreign_keys=ON");
	return 0;
}

/* A copy of the connection's last error, taken before ROLLBACK replaces it. */
static void save_errmsg(sqlite3 *db, char *buf, size_t size)
{
	(void)str_copy(buf, size, sqlite3_errmsg(db));
}

static int migrate_one(struct reg *r, const struct reg_migration *m, struct drover_error *err)
{
	char sql[64], why[512];
	sqlite3_stmt *st = NULL;
	int64_t cur = 0;
	int rc;

	rc = sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_error(err, r->db, rc, r->path, "BEGIN IMMEDIATE before migrating");

	/* Again under the write lock: another drover may have migrated since we looked. */
	rc = query_int(r->db, "PRAGMA user_version", &cur);
	if (rc != SQLITE_OK)
		goto fail_sqlite;
	if (cur >= m->version) {
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		return 0;
	}
	if (cur != m->version - 1) {
		(void)str_fmt(why, sizeof(why), "the registry is at version %lld, expected %d",
		              (long long)cur, m->version - 1);
		goto fail;
	}

	/* The scripts are constants of this file; no outside string reaches this SQL. */
	rc = sqlite3_exec(r->db, m->sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto fail_sqlite;
	if (m->version == 1) {
		(void)str_fmt(sql, sizeof(sql), "PRAGMA application_id = %d", REG_APPLICATION_ID);
		rc = sqlite3_exec(r->db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			goto fail_sqlite;
	}
	/* PRAGMA takes no bound parameters; the value is our own integer. */
	(void)str_fmt(sql, sizeof(sql), "PRAGMA user_version = %d", m->version);
	rc = sqlite3_exec(r->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto fail_sqlite;

	/* A step that rebuilds a table can break references that DDL does not check. */
	rc = sqlite3_prepare_v2(r->db, "PRAGMA foreign_key_check", -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto fail_sqlite;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *table = sqlite3_column_text(st, 0);

		(void)str_fmt(why, sizeof(why), "it left rows of table %s that break a foreign key",
		              table ? (const char *)table : "?");
		sqlite3_finalize(st);
		goto fail;
	}
	if (rc != SQLITE_DONE) {
		save_errmsg(r->db, why, sizeof(why));
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);

	rc = sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto fail_sqlite;
	return 0;

fail_sqlite:
	save_errmsg(r->db, why, sizeof(why));
	(void)str_copy(why + strlen(why), sizeof(why) - strlen(why), busy_hint(rc));
fail:
	if (!sqlite3_get_autocommit(r->db))
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
	return err_set(err, DROVER_E_DB, r->path,
	               "registry %s: migration to schema version %d (%s) failed: %s; it was rolled "
	               "back and the registry is still at version %d: report this with the message",
	               r->path, m->version, m->name, why, m->version - 1);
}

static int migrate(struct reg *r, int64_t from, int target, struct drover_error *err)
{
	int64_t v = 0;
	int rc;

	for (size_t i = 0; i < ARRAY_LEN(migrations); i++) {
		if (migrations[i].version > target)
			break;
		if (migrations[i].version <= from)
			continue;
		rc = migrate_one(r, &migrations[i], err);
		if (rc != 0)
			return rc;
	}
	rc = query_int(r->db, "PRAGMA user_version", &v);
	if (rc != SQLITE_OK)
		return db_error(err, r->db, rc, r->path, "reading the schema version");
	/* A newer drover may have migrated between our inspection and our write lock. */
	if (v > REG_SCHEMA_VERSION)
		return err_set(
		    err, DROVER_E_ABI, r->path,
		    "registry %s has schema version %lld, this drover knows up to %d: it "
		    "was written by a newer drover; upgrade drover",
		    r->path, (long long)v, REG_SCHEMA_VERSION);
	r->version = (int)v;
	return 0;
}

int reg_open_at(const char *path, int target_version, struct reg **out, struct drover_error *err)
{
	struct reg_probe probe = {0};
	struct reg *r;
	int rc;

	if (!out)
		return err_set(err, DROVER_E_INVAL, NULL, "reg_open: no place for the handle");
	*out = NULL;
	if (!path || !*path)
		return err_set(err, DROVER_E_INVAL, NULL, "reg_open: empty registry path");
	if (target_version < 1 || target_version > REG_SCHEMA_VERSION)
		return err_set(err, DROVER_E_INVAL, path,
		               "reg_open: schema version %d asked for, this drover has 1 .. %d",
		               target_version, REG_SCHEMA_VERSION);
	r = calloc(1, sizeof(*r));
	if (!r)
		return err_set(err, DROVER_E_NOMEM, path, "registry %s: out of memory", path);
	if (str_copy(r->path, sizeof(r->path), path) != 0) {
		rc = err_set(err, DROVER_E_RANGE, NULL, "registry path is longer than %d bytes",
		             REG_PATH_MAX - 1);
		goto fail;
	}

	rc = ensure_parent(r->path, err);
	if (rc == 0)
		rc = ensure_file(r->path, err);
	if (rc == 0)
		rc = check_dir_writable(r->path, err);
	if (rc == 0)
		rc = inspect(r->path, &probe, err);
	if (rc == 0)
		rc = check_file_writable(r->path, err);
	if (rc == 0 && probe.user_version == 0)
		rc = tighten_new(r->path, err);
	if (rc != 0)
		goto fail;

	rc = sqlite3_open_v2(r->path, &r->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		rc = open_error(err, r->db, rc, r->path, "opening");
		goto fail;
	}
	rc = configure(r, err);
	if (rc == 0)
		rc = migrate(r, probe.user_version, target_version, err);
	if (rc != 0)
		goto fail;
	*out = r;
	return 0;
fail:
	reg_close(r);
	return rc;
}

int reg_open(const char *path, struct reg **out, struct drover_error *err)
{
	return reg_open_at(path, REG_SCHEMA_VERSION, out, err);
}

void reg_close(struct reg *r)
{
	if (!r)
		return;
	/* Every statement is finalized where it was prepared, so this cannot be SQLITE_BUSY; the
	 * last connection's close checkpoints the WAL back into the file. */
	sqlite3_close(r->db);
	free(r);
}

int reg_schema_version(const struct reg *r)
{
	return r->version;
}

const char *reg_path(const struct reg *r)
{
	return r->path;
}

/* ---- transactions ---------------------------------------------------------------------------- */

static int exec_simple(struct reg *r, const char *sql, struct drover_error *err)
{
	int rc = sqlite3_exec(r->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return db_error(err, r->db, rc, r->path, sql);
	return 0;
}

int reg_begin(struct reg *r, struct drover_error *err)
{
	return exec_simple(r, "BEGIN IMMEDIATE", err);
}

int reg_commit(struct reg *r, struct drover_error *err)
{
	return exec_simple(r, "COMMIT", err);
}

int reg_rollback(struct reg *r, struct drover_error *err)
{
	if (sqlite3_get_autocommit(r->db))
		return 0;
	return exec_simple(r, "ROLLBACK", err);
}

/* ---- adapters -------------------------------------------------------------------------------- */

/* "MAJOR.MINOR", each 1 to 5 digits: what the loader writes from the descriptor's uint16s. */
static int abi_valid(const char *abi)
{
	const char *p = abi;
	int n;

	for (n = 0; isdigit((unsigned char)*p); p++)
		n++;
	if (n < 1 || n > 5 || *p++ != '.')
		return 0;
	for (n = 0; isdigit((unsigned char)*p); p++)
		n++;
	return n >= 1 && n <= 5 && *p == '\0';
}

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

int reg_adapter_upsert(struct reg *r, const char *name, const char *version, const char *abi,
                       const char *path, uint64_t caps, struct drover_error *err)
{
	static const char sql[] = "INSERT INTO adapters (name, version, abi, path, caps, seen_at)"
	                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	                          " ON CONFLICT (name) DO UPDATE SET version = excluded.version,"
	                          " abi = excluded.abi, path = excluded.path, caps = excluded.caps,"
	                          " seen_at = excluded.seen_at";
	sqlite3_stmt *st = NULL;
	int rc;

	if (!name || !*name || !version || !*version)
		return err_set(err, DROVER_E_INVAL, r->path,
		               "registry %s: an adapter needs a name and a version", r->path);
	if (!abi || !abi_valid(abi))
		return err_set(err, DROVER_E_INVAL, name, "adapter %s: ABI '%s' is not MAJOR.MINOR",
		               name, abi ? abi : "(null)");
	rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_error(err, r->db, rc, r->path, "recording an adapter");
	/* caps is stored as SQLite's signed 64-bit integer; the cast back restores bit 63. */
	if ((rc = bind_text(st, 1, name)) != SQLITE_OK ||
	    (rc = bind_text(st, 2, version)) != SQLITE_OK ||
	    (rc = bind_text(st, 3, abi)) != SQLITE_OK ||
	    (rc = bind_text(st, 4, path ? path : "")) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 5, (sqlite3_int64)caps)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 6, (sqlite3_int64)time(NULL))) != SQLITE_OK)
		goto fail;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	db_error(err, r->db, rc, r->path, "recording an adapter");
	sqlite3_finalize(st);
	return DROVER_E_DB;
}

int reg_adapter_delete(struct reg *r, const char *name, struct drover_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!name || !*name)
		return err_set(err, DROVER_E_INVAL, r->path, "registry %s: no adapter name",
		               r->path);
	rc = sqlite3_prepare_v2(r->db, "DELETE FROM adapters WHERE name = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_error(err, r->db, rc, r->path, "forgetting an adapter");
	rc = bind_text(st, 1, name);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		db_error(err, r->db, rc, r->path, "forgetting an adapter");
		sqlite3_finalize(st);
		return DROVER_E_DB;
	}
	sqlite3_finalize(st);
	if (sqlite3_changes(r->db) == 0)
		return err_set(err, DROVER_E_NOTFOUND, name, "adapter %s is not in the registry %s",
		               name, r->path);
	return 0;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

int reg_adapter_foreach(struct reg *r, reg_adapter_cb cb, void *arg, struct drover_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(r->db,
	                        "SELECT name, version, abi, path, caps FROM adapters ORDER BY name",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_error(err, r->db, rc, r->path, "listing adapters");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* Column strings stay valid until the next step: borrowed for the call. */
		ret = cb(arg, col_text(st, 0), col_text(st, 1), col_text(st, 2), col_text(st, 3),
		         (uint64_t)sqlite3_column_int64(st, 4));
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_error(err, r->db, rc, r->path, "listing adapters");
	sqlite3_finalize(st);
	return ret == DROVER_E_STOP ? 0 : ret;
}

/* ---- inventory ------------------------------------------------------------------------------- */

/* Prepare `sql` and bind arguments described by `types`: 's' const char * (NULL binds NULL),
 * 'i' int64_t. */
static int vprep(struct reg *r, const char *what, const char *sql, sqlite3_stmt **st,
                 struct drover_error *err, const char *types, va_list ap)
{
	int rc = sqlite3_prepare_v2(r->db, sql, -1, st, NULL);

	if (rc != SQLITE_OK)
		return db_error(err, r->db, rc, r->path, what);
	for (int i = 0; types && types[i]; i++) {
		if (types[i] == 's') {
			const char *v = va_arg(ap, const char *);
			rc = v ? bind_text(*st, i + 1, v) : sqlite3_bind_null(*st, i + 1);
		} else {
			rc = sqlite3_bind_int64(*st, i + 1, (sqlite3_int64)va_arg(ap, int64_t));
		}
		if (rc != SQLITE_OK) {
			db_error(err, r->db, rc, r->path, what);
			sqlite3_finalize(*st);
			return DROVER_E_DB;
		}
	}
	return 0;
}

/* Run a statement that returns no rows. */
static int run_sql(struct reg *r, const char *what, struct drover_error *err, const char *sql,
                   const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = vprep(r, what, sql, &st, err, types, ap);
	va_end(ap);
	if (rc)
		return rc;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		db_error(err, r->db, rc, r->path, what);
		sqlite3_finalize(st);
		return DROVER_E_DB;
	}
	sqlite3_finalize(st);
	return 0;
}

typedef int (*row_fn)(void *arg, sqlite3_stmt *st);

/* Hand each row to fn; DROVER_E_STOP from fn ends the walk with 0. */
static int each_row(struct reg *r, const char *what, struct drover_error *err, row_fn fn, void *arg,
                    const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc, ret = 0;

	va_start(ap, types);
	rc = vprep(r, what, sql, &st, err, types, ap);
	va_end(ap);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((ret = fn(arg, st)) != 0)
			break;
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_error(err, r->db, rc, r->path, what);
	sqlite3_finalize(st);
	return ret == DROVER_E_STOP ? 0 : ret;
}

static void col_copy(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	(void)str_copy(buf, size, col_text(st, i)); /* registry rows were validated on the way in */
}

#define PLATFORM_COLS                                                                           \
	"p.id, p.name, p.path, p.adapter, p.cms, p.distribution, p.generation, p.core_version," \
	" p.tree_stamp, COALESCE(p.scanned_at, 0), p.created_at,"                               \
	" (SELECT COUNT(*) FROM sites s WHERE s.platform_id = p.id), p.line"

static void platform_row(sqlite3_stmt *st, struct reg_platform *p)
{
	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(st, 0);
	col_copy(st, 1, p->name, sizeof(p->name));
	col_copy(st, 2, p->path, sizeof(p->path));
	col_copy(st, 3, p->adapter, sizeof(p->adapter));
	col_copy(st, 4, p->cms, sizeof(p->cms));
	col_copy(st, 5, p->distribution, sizeof(p->distribution));
	p->generation = sqlite3_column_int(st, 6);
	col_copy(st, 7, p->core_version, sizeof(p->core_version));
	col_copy(st, 8, p->tree_stamp, sizeof(p->tree_stamp));
	p->scanned_at = sqlite3_column_int64(st, 9);
	p->created_at = sqlite3_column_int64(st, 10);
	p->n_sites = sqlite3_column_int64(st, 11);
	p->line = sqlite3_column_int(st, 12);
}

static int platform_one(void *arg, sqlite3_stmt *st)
{
	platform_row(st, arg);
	return 1; /* found: stop */
}

int reg_platform_add(struct reg *r, struct reg_platform *p, struct drover_error *err)
{
	int rc =
	    run_sql(r, "adding a platform", err,
	            "INSERT INTO platforms (name, path, adapter, cms, distribution, generation,"
	            " line, core_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	            "sssssiis", p->name, p->path, p->adapter, p->cms, p->distribution,
	            (int64_t)p->generation, (int64_t)p->line, p->core_version);

	if (rc == 0)
		p->id = sqlite3_last_insert_rowid(r->db);
	return rc;
}

int reg_platform_get(struct reg *r, const char *name, struct reg_platform *out,
                     struct drover_error *err)
{
	int rc = each_row(r, "reading a platform", err, platform_one, out,
	                  "SELECT " PLATFORM_COLS " FROM platforms p WHERE p.name = ?", "s", name);

	if (rc == 1)
		return 0;
	return rc ? rc : DROVER_E_NOTFOUND;
}

int reg_platform_get_id(struct reg *r, int64_t id, struct reg_platform *out,
                        struct drover_error *err)
{
	int rc = each_row(r, "reading a platform", err, platform_one, out,
	                  "SELECT " PLATFORM_COLS " FROM platforms p WHERE p.id = ?", "i", id);

	if (rc == 1)
		return 0;
	return rc ? rc : DROVER_E_NOTFOUND;
}

struct cb_ctx {
	void *cb;
	void *arg;
};

static int platform_each(void *arg, sqlite3_stmt *st)
{
	struct cb_ctx *c = arg;
	struct reg_platform p;

	platform_row(st, &p);
	return ((reg_platform_cb)c->cb)(c->arg, &p);
}

int reg_platform_foreach(struct reg *r, reg_platform_cb cb, void *arg, struct drover_error *err)
{
	struct cb_ctx c = {(void *)cb, arg};

	return each_row(r, "listing platforms", err, platform_each, &c,
	                "SELECT " PLATFORM_COLS " FROM platforms p ORDER BY p.name", NULL);
}

int reg_platform_set_scan(struct reg *r, const struct reg_platform *p, struct drover_error *err)
{
	int rc =
	    run_sql(r, "recording a scan", err,
	            "UPDATE platforms SET cms = ?, distribution = ?, generation = ?, line = ?,"
	            " core_version = ?, tree_stamp = ?, scanned_at = ? WHERE id = ?",
	            "ssiissii", p->cms, p->distribution, (int64_t)p->generation, (int64_t)p->line,
	            p->core_version, p->tree_stamp, (int64_t)time(NULL), p->id);

	return rc ? rc
	          : run_sql(r, "recording a scan", err,
	                    "DELETE FROM packages WHERE platform_id = ?", "i", p->id);
}

int reg_package_add(struct reg *r, int64_t platform_id, const struct reg_package *k,
                    struct drover_error *err)
{
	/* A later duplicate (same site dir and name) replaces the earlier one: the adapter streams
	 * packages in the CMS's own override order. */
	return run_sql(
	    r, "recording a package", err,
	    "INSERT OR REPLACE INTO packages (platform_id, name, type, version, schema, path,"
	    " site_dir, flags, updates) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    "issssssis", platform_id, k->name, k->type, k->version, k->schema, k->path, k->site_dir,
	    (int64_t)k->flags, k->updates ? k->updates : "");
}

int reg_platform_remove(struct reg *r, const char *name, struct drover_error *err)
{
	struct reg_platform p;
	int rc = reg_platform_get(r, name, &p, err);

	if (rc)
		return rc;
	if (p.n_sites > 0)
		return err_set(err, DROVER_E_REFUSED, name,
		               "platform %s still hosts %lld site%s: migrate or delete them first",
		               name, (long long)p.n_sites, p.n_sites == 1 ? "" : "s");
	return run_sql(r, "removing a platform", err, "DELETE FROM platforms WHERE id = ?", "i",
	               p.id);
}

static int package_each(void *arg, sqlite3_stmt *st)
{
	struct cb_ctx *c = arg;
	struct reg_package k;

	memset(&k, 0, sizeof(k));
	col_copy(st, 0, k.name, sizeof(k.name));
	col_copy(st, 1, k.type, sizeof(k.type));
	col_copy(st, 2, k.version, sizeof(k.version));
	col_copy(st, 3, k.schema, sizeof(k.schema));
	col_copy(st, 4, k.path, sizeof(k.path));
	col_copy(st, 5, k.site_dir, sizeof(k.site_dir));
	k.flags = (uint32_t)sqlite3_column_int64(st, 6);
	k.updates = col_text(st, 7);
	return ((reg_package_cb)c->cb)(c->arg, &k);
}

int reg_package_foreach(struct reg *r, int64_t platform_id, reg_package_cb cb, void *arg,
                        struct drover_error *err)
{
	struct cb_ctx c = {(void *)cb, arg};

	return each_row(r, "listing packages", err, package_each, &c,
	                "SELECT name, type, version, schema, path, site_dir, flags, updates"
	                " FROM packages WHERE platform_id = ? ORDER BY site_dir, type, name",
	                "i", platform_id);
}

static int id_one(void *arg, sqlite3_stmt *st)
{
	*(int64_t *)arg = sqlite3_column_int64(st, 0);
	return 1;
}

int reg_db_server_ensure(struct reg *r, const char *name, const char *driver, const char *location,
                         int64_t *id, struct drover_error *err)
{
	int rc = run_sql(r, "recording a db server", err,
	                 "INSERT INTO db_servers (name, driver, location) VALUES (?, ?, ?)"
	                 " ON CONFLICT (name) DO UPDATE SET driver = excluded.driver,"
	                 " location = excluded.location",
	                 "sss", name, driver, location);

	if (rc == 0)
		rc = each_row(r, "reading a db server", err, id_one, id,
		              "SELECT id FROM db_servers WHERE name = ?", "s", name);
	return rc == 1 ? 0 : rc ? rc : DROVER_E_NOTFOUND;
}

#define SITE_COLS                                                                          \
	"s.id, s.domain, s.platform_id, p.name, d.name, s.db_name, s.db_user, s.site_dir," \
	" s.status, s.created_at, COALESCE(s.verified_at, 0)"
#define SITE_FROM                                                \
	" FROM sites s JOIN platforms p ON p.id = s.platform_id" \
	" JOIN db_servers d ON d.id = s.db_server_id"

static void site_row(sqlite3_stmt *st, struct reg_site *s)
{
	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	col_copy(st, 1, s->domain, sizeof(s->domain));
	s->platform_id = sqlite3_column_int64(st, 2);
	col_copy(st, 3, s->platform, sizeof(s->platform));
	col_copy(st, 4, s->db_server, sizeof(s->db_server));
	col_copy(st, 5, s->db_name, sizeof(s->db_name));
	col_copy(st, 6, s->db_user, sizeof(s->db_user));
	col_copy(st, 7, s->site_dir, sizeof(s->site_dir));
	col_copy(st, 8, s->status, sizeof(s->status));
	s->created_at = sqlite3_column_int64(st, 9);
	s->verified_at = sqlite3_column_int64(st, 10);
}

static int site_one(void *arg, sqlite3_stmt *st)
{
	site_row(st, arg);
	return 1;
}

int reg_site_add(struct reg *r, struct reg_site *s, struct drover_error *err)
{
	int rc = run_sql(r, "adding a site", err,
	                 "INSERT INTO sites (domain, platform_id, db_server_id, db_name, db_user,"
	                 " site_dir, status) VALUES (?, ?,"
	                 " (SELECT id FROM db_servers WHERE name = ?), ?, ?, ?, ?)",
	                 "sisssss", s->domain, s->platform_id, s->db_server, s->db_name, s->db_user,
	                 s->site_dir, s->status[0] ? s->status : "active");

	if (rc == 0)
		s->id = sqlite3_last_insert_rowid(r->db);
	return rc;
}

int reg_site_update(struct reg *r, const struct reg_site *s, struct drover_error *err)
{
	return run_sql(r, "moving a site", err,
	               "UPDATE sites SET domain = ?, platform_id = ?, site_dir = ?,"
	               " db_server_id = (SELECT id FROM db_servers WHERE name = ?), db_name = ?,"
	               " db_user = ? WHERE id = ?",
	               "sissssi", s->domain, s->platform_id, s->site_dir, s->db_server, s->db_name,
	               s->db_user, s->id);
}

int reg_site_remove(struct reg *r, int64_t site_id, struct drover_error *err)
{
	return run_sql(r, "removing a site", err, "DELETE FROM sites WHERE id = ?", "i", site_id);
}

int reg_site_get(struct reg *r, const char *domain, struct reg_site *out, struct drover_error *err)
{
	int rc = each_row(r, "reading a site", err, site_one, out,
	                  "SELECT " SITE_COLS SITE_FROM " WHERE s.domain = ?", "s", domain);

	if (rc == 1)
		return 0;
	return rc ? rc : DROVER_E_NOTFOUND;
}

static int site_each(void *arg, sqlite3_stmt *st)
{
	struct cb_ctx *c = arg;
	struct reg_site s;

	site_row(st, &s);
	return ((reg_site_cb)c->cb)(c->arg, &s);
}

int reg_site_foreach(struct reg *r, int64_t platform_id, reg_site_cb cb, void *arg,
                     struct drover_error *err)
{
	struct cb_ctx c = {(void *)cb, arg};

	return each_row(r, "listing sites", err, site_each, &c,
	                "SELECT " SITE_COLS SITE_FROM " WHERE ? = 0 OR s.platform_id = ?"
	                " ORDER BY s.domain",
	                "ii", platform_id, platform_id);
}

int reg_site_schema_clear(struct reg *r, int64_t site_id, struct drover_error *err)
{
	return run_sql(r, "recording a site's schema", err,
	               "DELETE FROM site_packages WHERE site_id = ?", "i", site_id);
}

int reg_site_package_add(struct reg *r, int64_t site_id, const struct reg_site_package *k,
                         struct drover_error *err)
{
	return run_sql(r, "recording a site's schema", err,
	               "INSERT OR REPLACE INTO site_packages (site_id, name, type, status, schema,"
	               " updates) VALUES (?, ?, ?, ?, ?, ?)",
	               "ississ", site_id, k->name, k->type, (int64_t)k->status, k->schema,
	               k->updates ? k->updates : "");
}

int reg_site_set_verified(struct reg *r, int64_t site_id, struct drover_error *err)
{
	return run_sql(r, "recording a site's schema", err,
	               "UPDATE sites SET verified_at = ? WHERE id = ?", "ii", (int64_t)time(NULL),
	               site_id);
}

static int site_package_each(void *arg, sqlite3_stmt *st)
{
	struct cb_ctx *c = arg;
	struct reg_site_package k;

	memset(&k, 0, sizeof(k));
	col_copy(st, 0, k.name, sizeof(k.name));
	col_copy(st, 1, k.type, sizeof(k.type));
	k.status = sqlite3_column_int(st, 2);
	col_copy(st, 3, k.schema, sizeof(k.schema));
	k.updates = col_text(st, 4);
	return ((reg_site_package_cb)c->cb)(c->arg, &k);
}

int reg_site_package_foreach(struct reg *r, int64_t site_id, reg_site_package_cb cb, void *arg,
                             struct drover_error *err)
{
	struct cb_ctx c = {(void *)cb, arg};

	return each_row(r, "listing a site's schema", err, site_package_each, &c,
	                "SELECT name, type, status, schema, updates FROM site_packages"
	                " WHERE site_id = ? ORDER BY name",
	                "i", site_id);
}

/* ---- backup catalog ---------------------------------------------------------------------------- */

#define BACKUP_COLS                                                                         \
	"id, site_domain, COALESCE(site_id, 0), path, format, size, sha256, platform_name," \
	" created_at, COALESCE(task_id, 0), COALESCE(verified_at, 0)"

static void backup_row(sqlite3_stmt *st, struct reg_backup *b)
{
	memset(b, 0, sizeof(*b));
	b->id = sqlite3_column_int64(st, 0);
	col_copy(st, 1, b->site_domain, sizeof(b->site_domain));
	b->site_id = sqlite3_column_int64(st, 2);
	col_copy(st, 3, b->path, sizeof(b->path));
	col_copy(st, 4, b->format, sizeof(b->format));
	b->size = (uint64_t)sqlite3_column_int64(st, 5);
	col_copy(st, 6, b->sha256, sizeof(b->sha256));
	col_copy(st, 7, b->platform_name, sizeof(b->platform_name));
	b->created_at = sqlite3_column_int64(st, 8);
	b->task_id = sqlite3_column_int64(st, 9);
	b->verified_at = sqlite3_column_int64(st, 10);
}

static int backup_one(void *arg, sqlite3_stmt *st)
{
	backup_row(st, arg);
	return 1;
}

int reg_backup_add(struct reg *r, struct reg_backup *b, struct drover_error *err)
{
	int rc = run_sql(r, "recording a backup", err,
	                 "INSERT INTO backups (site_domain, site_id, path, format, size, sha256,"
	                 " platform_name, created_at, task_id)"
	                 " VALUES (?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, NULLIF(?, 0))",
	                 "sississii", b->site_domain, b->site_id, b->path, b->format,
	                 (int64_t)b->size, b->sha256, b->platform_name, b->created_at, b->task_id);

	if (rc == 0)
		b->id = sqlite3_last_insert_rowid(r->db);
	return rc;
}

int reg_backup_get(struct reg *r, int64_t id, struct reg_backup *out, struct drover_error *err)
{
	int rc = each_row(r, "reading a backup", err, backup_one, out,
	                  "SELECT " BACKUP_COLS " FROM backups WHERE id = ?", "i", id);

	return rc == 1 ? 0 : rc ? rc : DROVER_E_NOTFOUND;
}

int reg_backup_get_path(struct reg *r, const char *path, struct reg_backup *out,
                        struct drover_error *err)
{
	int rc = each_row(r, "reading a backup", err, backup_one, out,
	                  "SELECT " BACKUP_COLS " FROM backups WHERE path = ?", "s", path);

	return rc == 1 ? 0 : rc ? rc : DROVER_E_NOTFOUND;
}

static int backup_each(void *arg, sqlite3_stmt *st)
{
	struct cb_ctx *c = arg;
	struct reg_backup b;

	backup_row(st, &b);
	return ((reg_backup_cb)c->cb)(c->arg, &b);
}

int reg_backup_foreach(struct reg *r, const char *domain, reg_backup_cb cb, void *arg,
                       struct drover_error *err)
{
	struct cb_ctx c = {(void *)cb, arg};

	return each_row(r, "listing backups", err, backup_each, &c,
	                "SELECT " BACKUP_COLS " FROM backups WHERE ? IS NULL OR site_domain = ?"
	                " ORDER BY created_at DESC, id DESC",
	                "ss", domain, domain);
}

int reg_backup_delete(struct reg *r, int64_t id, struct drover_error *err)
{
	return run_sql(r, "removing a backup", err, "DELETE FROM backups WHERE id = ?", "i", id);
}

int reg_backup_set_verified(struct reg *r, int64_t id, struct drover_error *err)
{
	return run_sql(r, "recording a verification", err,
	               "UPDATE backups SET verified_at = ? WHERE id = ?", "ii", (int64_t)time(NULL),
	               id);
}

/* ---- tasks and the journal --------------------------------------------------------------------- */

#define TASK_COLS                                                                              \
	"id, kind, COALESCE(site_domain, ''), COALESCE(site_id, 0), COALESCE(platform_id, 0)," \
	" state, args, COALESCE(pid, 0), started_at, COALESCE(ended_at, 0), COALESCE(error, '')"

static void task_row(sqlite3_stmt *st, struct reg_task *t)
{
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, 0);
	col_copy(st, 1, t->kind, sizeof(t->kind));
	col_copy(st, 2, t->site_domain, sizeof(t->site_domain));
	t->site_id = sqlite3_column_int64(st, 3);
	t->platform_id = sqlite3_column_int64(st, 4);
	col_copy(st, 5, t->state, sizeof(t->state));
	col_copy(st, 6, t->args, sizeof(t->args));
	t->pid = sqlite3_column_int64(st, 7);
	t->started_at = sqlite3_column_int64(st, 8);
	t->ended_at = sqlite3_column_int64(st, 9);
	col_copy(st, 10, t->error, sizeof(t->error));
}

static int task_one(void *arg, sqlite3_stmt *st)
{
	task_row(st, arg);
	return 1;
}

int reg_task_get(struct reg *r, int64_t id, struct reg_task *out, struct drover_error *err)
{
	int rc = each_row(r, "reading a task", err, task_one, out,
	                  "SELECT " TASK_COLS " FROM tasks WHERE id = ?", "i", id);

	return rc == 1 ? 0 : rc ? rc : DROVER_E_NOTFOUND;
}

struct holder {
	int64_t task_id, pid;
	char kind[32];
};

static int holder_one(void *arg, sqlite3_stmt *st)
{
	struct holder *h = arg;

	h->task_id = sqlite3_column_int64(st, 0);
	h->pid = sqlite3_column_int64(st, 1);
	col_copy(st, 2, h->kind, sizeof(h->kind));
	return 1;
}

int reg_task_start(struct reg *r, struct reg_task *t, struct drover_error *err)
{
	struct holder h = {0, 0, ""};
	int rc = reg_begin(r, err);

	if (rc)
		return rc;
	if (t->site_domain[0]) {
		rc = each_row(r, "taking the site's lock", err, holder_one, &h,
		              "SELECT l.task_id, l.pid, t.kind FROM site_locks l"
		              " JOIN tasks t ON t.id = l.task_id WHERE l.site_domain = ?",
		              "s", t->site_domain);
		if (rc == 1) {
			reg_rollback(r, NULL);
			return err_set(
			    err, DROVER_E_BUSY, t->site_domain,
			    "site %s is busy: task %lld (%s, pid %lld) holds it; wait for it, "
			    "or run 'drover recover' if that process is gone",
			    t->site_domain, (long long)h.task_id, h.kind, (long long)h.pid);
		}
	}
	if (rc == 0)
		rc = run_sql(
		    r, "recording a task", err,
		    "INSERT INTO tasks (kind, site_domain, site_id, platform_id, state, args,"
		    " pid, started_at) VALUES (?, NULLIF(?, ''), NULLIF(?, 0), NULLIF(?, 0),"
		    " 'running', ?, ?, ?)",
		    "ssiisii", t->kind, t->site_domain, t->site_id, t->platform_id, t->args, t->pid,
		    (int64_t)time(NULL));
	if (rc == 0) {
		t->id = sqlite3_last_insert_rowid(r->db);
		(void)str_copy(t->state, sizeof(t->state), "running");
		if (t->site_domain[0])
			rc = run_sql(
			    r, "taking the site's lock", err,
			    "INSERT INTO site_locks (site_domain, task_id, pid) VALUES (?, ?, ?)",
			    "sii", t->site_domain, t->id, t->pid);
	}
	if (rc == 0)
		rc = reg_commit(r, err);
	if (rc)
		reg_rollback(r, NULL);
	return rc;
}

int reg_task_set_state(struct reg *r, int64_t id, const char *state, const char *error,
                       struct drover_error *err)
{
	/* A failed task could not be undone: it keeps the site until recover settles it. */
	int final = strcmp(state, "done") == 0 || strcmp(state, "rolled_back") == 0;
	int rc = reg_begin(r, err);

	if (rc == 0)
		rc = run_sql(r, "recording a task's state", err,
		             "UPDATE tasks SET state = ?, error = COALESCE(?, error),"
		             " ended_at = CASE WHEN ? THEN ? ELSE ended_at END WHERE id = ?",
		             "ssiii", state, error, (int64_t) final, (int64_t)time(NULL), id);
	if (rc == 0 && final)
		rc = run_sql(r, "releasing the site's lock", err,
		             "DELETE FROM site_locks WHERE task_id = ?", "i", id);
	if (rc == 0)
		rc = reg_commit(r, err);
	if (rc)
		reg_rollback(r, NULL);
	return rc;
}

int reg_task_set_pid(struct reg *r, int64_t id, int64_t pid, struct drover_error *err)
{
	int rc = run_sql(r, "recording a task", err, "UPDATE tasks SET pid = ? WHERE id = ?", "ii",
	                 pid, id);

	return rc ? rc
	          : run_sql(r, "recording a task", err,
	                    "UPDATE site_locks SET pid = ? WHERE task_id = ?", "ii", pid, id);
}

static int task_each(void *arg, sqlite3_stmt *st)
{
	struct cb_ctx *c = arg;
	struct reg_task t;

	task_row(st, &t);
	return ((reg_task_cb)c->cb)(c->arg, &t);
}

int reg_task_foreach(struct reg *r, int unfinished_only, reg_task_cb cb, void *arg,
                     struct drover_error *err)
{
	struct cb_ctx c = {(void *)cb, arg};

	return each_row(r, "listing tasks", err, task_each, &c,
	                "SELECT " TASK_COLS " FROM tasks WHERE ? = 0 OR state IN"
	                " ('running', 'recovering', 'failed') ORDER BY id DESC",
	                "i", (int64_t)unfinished_only);
}

int reg_step_put(struct reg *r, const struct reg_step *s, struct drover_error *err)
{
	return run_sql(r, "recording a step", err,
	               "INSERT INTO task_steps (task_id, seq, name, state, undo_data, started_at,"
	               " ended_at, message) VALUES (?, ?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0),"
	               " NULLIF(?, ''))"
	               " ON CONFLICT (task_id, seq) DO UPDATE SET state = excluded.state,"
	               " undo_data = excluded.undo_data, started_at = excluded.started_at,"
	               " ended_at = excluded.ended_at, message = excluded.message",
	               "iisssiis", s->task_id, (int64_t)s->seq, s->name, s->state, s->undo_data,
	               s->started_at, s->ended_at, s->message);
}

int reg_step_put_unsynced(struct reg *r, const struct reg_step *s, struct drover_error *err)
{
	int rc;

	if (sqlite3_exec(r->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK)
		return reg_step_put(r, s, err);
	rc = reg_step_put(r, s, err);
	if (sqlite3_exec(r->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK &&
	    rc == 0)
		rc = db_error(err, r->db, sqlite3_errcode(r->db), r->path,
		              "PRAGMA synchronous=FULL");
	return rc;
}

static int step_each(void *arg, sqlite3_stmt *st)
{
	struct cb_ctx *c = arg;
	struct reg_step s;

	memset(&s, 0, sizeof(s));
	s.task_id = sqlite3_column_int64(st, 0);
	s.seq = sqlite3_column_int(st, 1);
	col_copy(st, 2, s.name, sizeof(s.name));
	col_copy(st, 3, s.state, sizeof(s.state));
	col_copy(st, 4, s.undo_data, sizeof(s.undo_data));
	s.started_at = sqlite3_column_int64(st, 5);
	s.ended_at = sqlite3_column_int64(st, 6);
	col_copy(st, 7, s.message, sizeof(s.message));
	return ((reg_step_cb)c->cb)(c->arg, &s);
}

int reg_step_foreach(struct reg *r, int64_t task_id, reg_step_cb cb, void *arg,
                     struct drover_error *err)
{
	struct cb_ctx c = {(void *)cb, arg};

	return each_row(r, "listing steps", err, step_each, &c,
	                "SELECT task_id, seq, name, state, COALESCE(undo_data, ''),"
	                " COALESCE(started_at, 0), COALESCE(ended_at, 0), COALESCE(message, '')"
	                " FROM task_steps WHERE task_id = ? ORDER BY seq",
	                "i", task_id);
}

int reg_site_list_add(void *list, const struct reg_site *s)
{
	struct reg_site_list *l = list;
	struct reg_site *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return DROVER_E_NOMEM;
	l->v = v;
	l->v[l->n++] = *s;
	return 0;
}

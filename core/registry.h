/*
 * registry.h: the registry, one SQLite file that holds everything drover knows (adapters seen,
 * db servers, platforms and their packages, sites, and the task journal and backup catalog).
 *
 * registry.c is the only file that knows the registry's tables or calls sqlite3 on it; everything
 * else goes through the typed functions below. The handle is opaque so that no sqlite3 type leaks.
 *
 * Every function returns 0 or a negative DROVER_E_* code and, on failure, records one line in
 * `err` (which may be NULL) naming the registry file. SQLite failures are DROVER_E_DB with the
 * SQLite message. A handle is for one thread at a time.
 *
 * Timestamps in the registry are INTEGER seconds since the Unix epoch, UTC.
 */
#ifndef DROVER_REGISTRY_H
#define DROVER_REGISTRY_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <drover/status.h>

/* The schema version this drover writes and understands (PRAGMA user_version). Each version is
 * one migration step in registry.c; later releases only append steps. */
#define REG_SCHEMA_VERSION 2

/* PRAGMA application_id of every registry: "DRVR", so that `file(1)` and we can tell a registry
 * from any other SQLite database. */
#define REG_APPLICATION_ID 0x44525652

struct reg;

/*
 * Open the registry at `path`, creating it (parent directories mode 0700, file mode 0600) when it
 * does not exist, and migrate it to REG_SCHEMA_VERSION. A zero-length file counts as new.
 * The connection uses WAL, synchronous=FULL, foreign keys and a 5 s busy timeout.
 *
 * Nothing is written to an existing file before it has been checked; it is refused, unchanged:
 *   DROVER_E_ABI      its schema version is newer than this drover's
 *   DROVER_E_CORRUPT  not a SQLite database, damaged (quick_check), or marked as a registry but
 *                     without a schema version
 *   DROVER_E_INVAL    a SQLite database that is not a drover registry
 *   DROVER_E_PERM     permission denied on the file or its directory
 *   DROVER_E_IO       another system error (a directory that cannot be created, ...)
 *   DROVER_E_DB       a migration step failed; that step was rolled back and the file keeps the
 *                     previous schema version
 * On success *out is a handle for reg_close(); on failure *out is NULL.
 */
int reg_open(const char *path, struct reg **out, struct drover_error *err);

/* reg_open, but migrate only up to `target_version` (1 .. REG_SCHEMA_VERSION; DROVER_E_INVAL
 * otherwise). Tests use it to make an old registry. A registry already past target_version is
 * opened as it is (never downgraded); reg_schema_version() says which version it has. */
int reg_open_at(const char *path, int target_version, struct reg **out, struct drover_error *err);

/* Close the handle (NULL is ignored). A transaction still open is rolled back. */
void reg_close(struct reg *r);

/* The schema version of the open registry. */
int reg_schema_version(const struct reg *r);

/* The path the registry was opened with; valid until reg_close(). */
const char *reg_path(const struct reg *r);

/*
 * Transactions. reg_begin takes the write lock at once (BEGIN IMMEDIATE) so that a read-then-write
 * sequence cannot fail half-way on a lock upgrade; it waits up to the busy timeout for another
 * writer. If reg_commit fails the transaction is still open: call reg_rollback. reg_rollback is a
 * no-op (0) when no transaction is open, so cleanup paths may call it unconditionally.
 */
int reg_begin(struct reg *r, struct drover_error *err);
int reg_commit(struct reg *r, struct drover_error *err);
int reg_rollback(struct reg *r, struct drover_error *err);

/*
 * Adapters seen by the loader.
 *
 * reg_adapter_upsert: record (or update) the adapter `name` with its package version, ABI
 * ("MAJOR.MINOR", e.g. "1.0"), shared object path (NULL or "" for a preloaded adapter) and
 * DROVER_CAP_* bits, and stamp it as seen now. DROVER_E_INVAL for a NULL or empty name, version or
 * an abi that is not "MAJOR.MINOR".
 *
 * reg_adapter_delete: forget an adapter. DROVER_E_NOTFOUND if it is not recorded; DROVER_E_DB if a
 * platform still uses it (the foreign key refuses it).
 *
 * reg_adapter_foreach: call `cb` for each recorded adapter, by name. The strings are borrowed for
 * the call (path is "" for a preloaded adapter). `cb` returns 0 to go on; DROVER_E_STOP ends the
 * walk and reg_adapter_foreach returns 0; any other value ends the walk and is returned as is
 * (the callback records its own error).
 */
typedef int (*reg_adapter_cb)(void *arg, const char *name, const char *version, const char *abi,
                              const char *path, uint64_t caps);

int reg_adapter_upsert(struct reg *r, const char *name, const char *version, const char *abi,
                       const char *path, uint64_t caps, struct drover_error *err);
int reg_adapter_delete(struct reg *r, const char *name, struct drover_error *err);
int reg_adapter_foreach(struct reg *r, reg_adapter_cb cb, void *arg, struct drover_error *err);

/* ---- inventory ------------------------------------------------------------------------------- */

#define REG_NAME_MAX 128

struct reg_platform {
	int64_t id;
	char name[REG_NAME_MAX];
	char path[PATH_MAX];
	char adapter[64];
	char cms[32];
	char distribution[32];
	int generation;
	int line; /* migrations stay within one line (drover_probe.line) */
	char core_version[64];
	char tree_stamp[64]; /* what the tree looked like at the last scan; "" = never scanned */
	int64_t scanned_at;
	int64_t created_at;
	int64_t n_sites; /* filled by get/foreach */
};

struct reg_package {
	char name[REG_NAME_MAX];
	char type[32];
	char version[64];
	char schema[64];
	char path[PATH_MAX];
	char site_dir[256];  /* "" for the platform's own packages */
	uint32_t flags;      /* DROVER_PKG_* */
	const char *updates; /* newline-separated names; borrowed in callbacks, may be "" */
};

struct reg_site {
	int64_t id;
	char domain[256];
	int64_t platform_id;
	char platform[REG_NAME_MAX]; /* filled by get/foreach */
	char db_server[64];
	char db_name[PATH_MAX];
	char db_user[128];
	char site_dir[256];
	char status[32];
	int64_t created_at;
	int64_t verified_at; /* 0 = never */
};

struct reg_site_package {
	char name[REG_NAME_MAX];
	char type[32];
	int status; /* DROVER_SCHEMA_* */
	char schema[64];
	const char *updates; /* newline-separated; borrowed in callbacks */
};

typedef int (*reg_platform_cb)(void *arg, const struct reg_platform *p);
typedef int (*reg_package_cb)(void *arg, const struct reg_package *p);
typedef int (*reg_site_cb)(void *arg, const struct reg_site *s);
typedef int (*reg_site_package_cb)(void *arg, const struct reg_site_package *p);

/* Sites gathered by reg_site_foreach(..., reg_site_list_add, &list, ...); free(list.v). */
struct reg_site_list {
	struct reg_site *v;
	size_t n;
};
int reg_site_list_add(void *list, const struct reg_site *s);

/* Callbacks return 0 to go on, DROVER_E_STOP to stop (the call then returns 0), anything else
 * to stop and have it returned. Names are matched exactly; domains without case. */
int reg_platform_add(struct reg *r, struct reg_platform *p, struct drover_error *err);
int reg_platform_get(struct reg *r, const char *name, struct reg_platform *out,
                     struct drover_error *err); /* DROVER_E_NOTFOUND */
int reg_platform_get_id(struct reg *r, int64_t id, struct reg_platform *out,
                        struct drover_error *err);
int reg_platform_foreach(struct reg *r, reg_platform_cb cb, void *arg, struct drover_error *err);
/* Record a scan: probe results and stamp, and forget every package; the caller then adds the
 * packages found, all inside one reg_begin .. reg_commit. */
int reg_platform_set_scan(struct reg *r, const struct reg_platform *p, struct drover_error *err);
int reg_package_add(struct reg *r, int64_t platform_id, const struct reg_package *pkg,
                    struct drover_error *err);
int reg_platform_remove(struct reg *r, const char *name, struct drover_error *err);
int reg_package_foreach(struct reg *r, int64_t platform_id, reg_package_cb cb, void *arg,
                        struct drover_error *err);

int reg_db_server_ensure(struct reg *r, const char *name, const char *driver, const char *location,
                         int64_t *id, struct drover_error *err);

int reg_site_add(struct reg *r, struct reg_site *s, struct drover_error *err);
int reg_site_get(struct reg *r, const char *domain, struct reg_site *out,
                 struct drover_error *err); /* DROVER_E_NOTFOUND */
/* Move a site: domain, platform, site directory, db server, database and user from *s. */
int reg_site_update(struct reg *r, const struct reg_site *s, struct drover_error *err);
int reg_site_remove(struct reg *r, int64_t site_id, struct drover_error *err);
int reg_site_foreach(struct reg *r, int64_t platform_id /* 0 = all */, reg_site_cb cb, void *arg,
                     struct drover_error *err);
/* Replace the site's installed schema: clear, add each row, mark verified; the caller wraps
 * them in reg_begin .. reg_commit. */
int reg_site_schema_clear(struct reg *r, int64_t site_id, struct drover_error *err);
int reg_site_package_add(struct reg *r, int64_t site_id, const struct reg_site_package *p,
                         struct drover_error *err);
int reg_site_set_verified(struct reg *r, int64_t site_id, struct drover_error *err);
int reg_site_package_foreach(struct reg *r, int64_t site_id, reg_site_package_cb cb, void *arg,
                             struct drover_error *err);

/* ---- backup catalog ---------------------------------------------------------------------------- */

struct reg_backup {
	int64_t id;
	char site_domain[256];
	int64_t site_id; /* 0 if the site is gone */
	char path[PATH_MAX];
	char format[8];
	uint64_t size;
	char sha256[65];
	char platform_name[REG_NAME_MAX];
	int64_t created_at;
	int64_t task_id;     /* 0 = made by `drover backup` */
	int64_t verified_at; /* 0 = never */
};
typedef int (*reg_backup_cb)(void *arg, const struct reg_backup *b);

int reg_backup_add(struct reg *r, struct reg_backup *b, struct drover_error *err);
int reg_backup_get(struct reg *r, int64_t id, struct reg_backup *out, struct drover_error *err);
int reg_backup_get_path(struct reg *r, const char *path, struct reg_backup *out,
                        struct drover_error *err);
/* Newest first; domain NULL = every site. */
int reg_backup_foreach(struct reg *r, const char *domain, reg_backup_cb cb, void *arg,
                       struct drover_error *err);
int reg_backup_delete(struct reg *r, int64_t id, struct drover_error *err);
int reg_backup_set_verified(struct reg *r, int64_t id, struct drover_error *err);

/* ---- tasks and the journal --------------------------------------------------------------------- */

struct reg_task {
	int64_t id;
	char kind[32];
	char site_domain[256];
	int64_t site_id, platform_id;
	char state[16]; /* running, done, failed, rolled_back, recovering */
	char args[512];
	int64_t pid;
	int64_t started_at, ended_at;
	char error[1024];
};

struct reg_step {
	int64_t task_id;
	int seq;
	char name[64];
	char state[16]; /* pending, running, done, failed, undoing, undone, skipped */
	char undo_data[2048];
	int64_t started_at, ended_at;
	char message[1024];
};

typedef int (*reg_task_cb)(void *arg, const struct reg_task *t);
typedef int (*reg_step_cb)(void *arg, const struct reg_step *s);

/*
 * Start a task: take the site's lock and record the task as running, in one transaction.
 * DROVER_E_BUSY (with the holder named) if another task holds the site.
 */
int reg_task_start(struct reg *r, struct reg_task *t, struct drover_error *err);
int reg_task_get(struct reg *r, int64_t id, struct reg_task *out, struct drover_error *err);
/* Set the state (and error); done and rolled_back end the task and release the site's lock,
 * failed (could not be undone) keeps the lock until recover settles it. */
int reg_task_set_state(struct reg *r, int64_t id, const char *state, const char *error,
                       struct drover_error *err);
int reg_task_set_pid(struct reg *r, int64_t id, int64_t pid, struct drover_error *err);
/* Newest first; unfinished_only: running, recovering or failed. */
int reg_task_foreach(struct reg *r, int unfinished_only, reg_task_cb cb, void *arg,
                     struct drover_error *err);
/* Record a step (insert or update by task and seq). */
int reg_step_put(struct reg *r, const struct reg_step *s, struct drover_error *err);
/* The same, committed without waiting for the disk (synchronous=NORMAL for this one write): only
 * for a record whose loss in a crash is harmless until the next synced write, which makes it
 * durable too (WAL frames are synced in order). */
int reg_step_put_unsynced(struct reg *r, const struct reg_step *s, struct drover_error *err);
int reg_step_foreach(struct reg *r, int64_t task_id, reg_step_cb cb, void *arg,
                     struct drover_error *err);

#endif

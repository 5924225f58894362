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

#endif

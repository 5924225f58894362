/*
 * drover/adapter.h: the adapter ABI.
 *
 * An adapter is one shared object that teaches drover one CMS. It exports exactly one symbol, a
 * read-only struct drover_adapter made with DROVER_ADAPTER_DEFINE(), and talks to the core only
 * through the host table below. This header is the reference for that contract.
 *
 * Versioning
 *   DROVER_ABI_MAJOR changes when anything existing changes meaning or layout; the core then
 *   refuses adapters of any other major. DROVER_ABI_MINOR grows when something is added at the end
 *   of a struct or table, a cap bit or a status code is added; a core loads adapters whose minor
 *   is lower or equal to its own. The ABI version is independent of drover's package version.
 *
 * Changelog
 *   1.0  first ABI: descriptor, ops (probe .. health), host table (log .. sql_query), ctx,
 *        options, status codes DROVER_E_FAIL .. DROVER_E_REFUSED, caps bits 0 .. 11.
 *
 * Rules for every struct in this header
 *   - Fixed-width types only; no bool, enum or long. Pointers and size_t arguments are native.
 *   - Structs that can grow start with a uint32_t struct_size set by whoever allocated them. A
 *     reader uses a field only if it lies within struct_size; fields are only ever added at the end.
 *
 * Ownership
 *   - The descriptor, the ops table, the option table and every string they point to are static
 *     data of the adapter and live as long as the adapter is loaded.
 *   - Pointers passed to an op or a callback are borrowed for the duration of that call only.
 *   - Data an op hands back goes into caller-provided structs and buffers, or into memory from
 *     host->alloc() that the caller frees with host->free(); never into the adapter's own malloc.
 *   - Adapter state is created in init (stored in ctx->state) and released in fini.
 *
 * Threading
 *   The core calls into an adapter from one thread at a time. A ctx is valid only during the call
 *   that received it, and host functions may be called only from that thread, during that call.
 *
 * Output
 *   An adapter never writes to stdout or stderr and never calls exit(): it logs with host->log()
 *   and reports failures with host->error(), which returns the code so that
 *   `return ctx->host->error(ctx, DROVER_E_PARSE, file, "...")` is the usual way to fail.
 */
#ifndef DROVER_ADAPTER_H
#define DROVER_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#include <drover/status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DROVER_ABI_MAJOR 1
#define DROVER_ABI_MINOR 0

#define DROVER_ADAPTER_MAGIC 0x44525652u /* "DRVR" */
#define DROVER_CTX_MAGIC     0x44435458u /* "DCTX" */

/* The symbol an adapter exports is <name>_LTX_drover_adapter; the loader finds it by file name. */
#define DROVER_ADAPTER_SYMBOL "drover_adapter"

#if defined(__GNUC__)
#define DROVER_EXPORT       __attribute__((visibility("default")))
#define DROVER_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define DROVER_EXPORT
#define DROVER_PRINTF(f, a)
#endif

/* ---------------------------------------------------------------------------------------------
 * Capability bits. A set bit promises that the matching op is implemented and behaves as its
 * comment says; the core never calls an op whose bit is clear and rejects an adapter that sets a
 * bit whose op is NULL or a bit this core does not know.
 */
#define DROVER_CAP_PACKAGES       (UINT64_C(1) << 0)  /* 1.0 ops.packages */
#define DROVER_CAP_SETTINGS_READ  (UINT64_C(1) << 1)  /* 1.0 ops.settings_read */
#define DROVER_CAP_SETTINGS_WRITE (UINT64_C(1) << 2)  /* 1.0 ops.settings_write */
#define DROVER_CAP_SITE_SCHEMA    (UINT64_C(1) << 3)  /* 1.0 ops.site_schema */
#define DROVER_CAP_SITE_PATHS     (UINT64_C(1) << 4)  /* 1.0 ops.site_paths */
#define DROVER_CAP_CACHE_TABLES   (UINT64_C(1) << 5)  /* 1.0 ops.cache_tables */
#define DROVER_CAP_MAINTENANCE    (UINT64_C(1) << 6)  /* 1.0 ops.maintenance */
#define DROVER_CAP_UPDATE         (UINT64_C(1) << 7)  /* 1.0 ops.update_run */
#define DROVER_CAP_CACHE_CLEAR    (UINT64_C(1) << 8)  /* 1.0 ops.cache_clear */
#define DROVER_CAP_FIXUP          (UINT64_C(1) << 9)  /* 1.0 ops.fixup */
#define DROVER_CAP_HEALTH         (UINT64_C(1) << 10) /* 1.0 ops.health */
#define DROVER_CAP_MULTISITE      (UINT64_C(1) << 11) /* 1.0 a platform can host many sites */
#define DROVER_CAP_KNOWN_V1_0     ((UINT64_C(1) << 12) - 1)

/* Log levels (syslog numbering). */
#define DROVER_LOG_ERR     3
#define DROVER_LOG_WARNING 4
#define DROVER_LOG_INFO    6
#define DROVER_LOG_DEBUG   7

struct drover_adapter;
struct drover_host;
struct drover_db; /* opaque: a site database opened by the core */

/* ---------------------------------------------------------------------------------------------
 * The call context, made by the core for each call into the adapter (Varnish's VRT_CTX idea).
 */
struct drover_ctx {
	uint32_t magic;       /* DROVER_CTX_MAGIC */
	uint32_t struct_size; /* sizeof(struct drover_ctx) as the core knows it */
	const struct drover_host *host;
	const struct drover_adapter *adapter;
	void *state;              /* what init stored; the adapter's own */
	struct drover_error *err; /* where host->error() writes; owned by the core */
	void *core;               /* core-private: adapters must not touch it */
};

/* ---------------------------------------------------------------------------------------------
 * Data exchanged with ops.
 */

/* probe result, filled by the adapter into the core's struct. */
struct drover_probe {
	uint32_t struct_size;
	uint32_t generation;   /* major line: 7, 8 .. 11 for Drupal; 1, 2 for Magento */
	char cms[32];          /* family: "drupal", "magento" */
	char distribution[32]; /* flavour within the family: "drupal", "openmage", "magento" */
	char core_version[64]; /* "7.103", "10.3.1", "20.0.16" */
	/* Sites move by migrate only between platforms of one line; another line needs a content
	 * migration. Drupal 7 is line 7, Drupal 8 and later line 8 (their upgrades are code
	 * updates), Magento 1 line 1, Magento 2 line 2. 0 means: the same as generation. */
	uint32_t line;
	uint32_t reserved;
};

/* Package flags. */
#define DROVER_PKG_SITE_SPECIFIC (1u << 0) /* lives under one site's directory, moves with it */
#define DROVER_PKG_CORE          (1u << 1) /* part of the CMS core */
#define DROVER_PKG_HIDDEN        (1u << 2) /* hidden/test package */
#define DROVER_PKG_DISABLED      (1u << 3) /* declared but not active in code (Magento active=false) */

/* One package found on a platform; borrowed for the callback. */
struct drover_package {
	uint32_t struct_size;
	uint32_t flags;      /* DROVER_PKG_* */
	const char *name;    /* machine name */
	const char *type;    /* "module", "theme", "profile", "theme_engine", "library", "core" */
	const char *version; /* release version, "" if unknown */
	const char *schema;  /* code schema version ("7004", "1.6.0.1"), "" if none */
	const char *path;    /* directory relative to the platform root */
	const char *site;    /* site directory for DROVER_PKG_SITE_SPECIFIC, else NULL */
	const char *const *updates; /* named updates the code ships (post-updates, patches) */
	uint32_t n_updates;
	uint32_t reserved;
};
typedef int (*drover_package_cb)(void *arg, const struct drover_package *pkg);

/* The site an op works on; borrowed. */
struct drover_site {
	uint32_t struct_size;
	uint32_t reserved;
	const char *domain; /* "example.com" */
	const char *root;   /* absolute platform root */
	const char
	    *site_dir; /* site directory relative to root ("sites/example.com"); "" if none */
	const char *db_driver; /* "sqlite" or "mysql"; NULL when no database is attached */
	struct drover_db *db;  /* for host->sql_*; NULL when no database is attached */
	/* The platform's code, when root is not it: a staging copy of the site's own files
	 * (settings ops during a restore). NULL: root is the platform. */
	const char *code_root;
};

/* A site's settings: database credentials and paths. Caller-owned buffers. */
struct drover_settings {
	uint32_t struct_size;
	uint32_t port;      /* 0 = default */
	char driver[16];    /* "sqlite" or "mysql" */
	char database[512]; /* database name, or the SQLite file (absolute or relative to root) */
	char username[128];
	char password[256];
	char host[256];
	char prefix[64];      /* table prefix, "" if none */
	char files_path[512]; /* public files directory relative to root, "" if none */
	char base_url[512];   /* "" if the CMS keeps none in settings */
};

/* One row of a site's installed schema; borrowed. */
#define DROVER_SCHEMA_ENABLED     1
#define DROVER_SCHEMA_DISABLED    0
#define DROVER_SCHEMA_UNINSTALLED (-1)
struct drover_schema_row {
	uint32_t struct_size;
	int32_t status; /* DROVER_SCHEMA_* */
	const char *name;
	const char *type;           /* as in drover_package, "" if the database does not say */
	const char *schema;         /* installed schema version, "" if none */
	const char *const *updates; /* named updates applied (post-updates, patches) */
	uint32_t n_updates;
	uint32_t reserved;
};
typedef int (*drover_schema_cb)(void *arg, const struct drover_schema_row *row);

/* Path flags for site_paths. Paths are relative to the platform root. */
#define DROVER_PATH_OWN      (1u << 0) /* belongs to the site: backed up, moved, removed with it */
#define DROVER_PATH_EXCLUDE  (1u << 1) /* inside an owned path but left out (caches, sessions) */
#define DROVER_PATH_DATABASE (1u << 2) /* a SQLite database file; the database driver takes it */
typedef int (*drover_path_cb)(void *arg, const char *path, uint32_t flags);

/* A plain name, e.g. a cache table; borrowed. */
typedef int (*drover_name_cb)(void *arg, const char *name);

/* A move for fixup: from old to new domain, platform and URL. Borrowed. */
struct drover_move {
	uint32_t struct_size;
	uint32_t reserved;
	const char *old_domain, *new_domain;
	const char *old_root, *new_root;
	const char *old_site_dir, *new_site_dir;
	const char *old_url, *new_url; /* may be NULL: derive from domains */
};

/* Maintenance actions and states. */
#define DROVER_MAINT_STATUS 0
#define DROVER_MAINT_ON     1
#define DROVER_MAINT_OFF    2

/* Health check results. */
#define DROVER_CHECK_OK      0
#define DROVER_CHECK_WARNING 1
#define DROVER_CHECK_FAILED  2
struct drover_check {
	uint32_t struct_size;
	int32_t status; /* DROVER_CHECK_* */
	const char *name;
	const char *message;
};
typedef int (*drover_check_cb)(void *arg, const struct drover_check *check);

/* ---------------------------------------------------------------------------------------------
 * The ops table. Every op returns 0 or a negative DROVER_E_* after calling host->error(). A
 * callback returning non-zero stops the enumeration and the op returns that value unchanged.
 * Only probe is required; every other op must be non-NULL exactly when its cap bit is set.
 */
struct drover_ops {
	uint32_t struct_size; /* sizeof(struct drover_ops) as the adapter was built */
	uint32_t reserved;

	/* 1.0 Is `root` a tree of this adapter's CMS? 0 and *out filled if so, DROVER_E_NOTMINE if
	 * not (without calling host->error), another code if the tree is ours but unreadable. */
	int (*probe)(struct drover_ctx *ctx, const char *root, struct drover_probe *out);

	/* 1.0 Stream every package of the platform at `root`. A malformed package file is reported
	 * with host->log(WARNING, "file:line: ...") and skipped; it never fails the whole platform. */
	int (*packages)(struct drover_ctx *ctx, const char *root, drover_package_cb cb, void *arg);

	/* 1.0 Read the site's settings (credentials, paths) from its settings file. */
	int (*settings_read)(struct drover_ctx *ctx, const struct drover_site *site,
	                     struct drover_settings *out);

	/* 1.0 Write credentials into the site's settings file, keeping every other setting (hash salt,
	 * crypt key). Writes a new file and renames it into place. */
	int (*settings_write)(struct drover_ctx *ctx, const struct drover_site *site,
	                      const struct drover_settings *in);

	/* 1.0 Stream the schema installed in the site's database (site->db). */
	int (*site_schema)(struct drover_ctx *ctx, const struct drover_site *site,
	                   drover_schema_cb cb, void *arg);

	/* 1.0 Stream the paths the site owns and the exclusions inside them. */
	int (*site_paths)(struct drover_ctx *ctx, const struct drover_site *site, drover_path_cb cb,
	                  void *arg);

	/* 1.0 Stream tables whose data need not be backed up (caches, sessions). */
	int (*cache_tables)(struct drover_ctx *ctx, const struct drover_site *site,
	                    drover_name_cb cb, void *arg);

	/* 1.0 Maintenance mode: action DROVER_MAINT_*; *state gets 1 (on) or 0 (off) afterwards.
	 * ON and OFF are idempotent. */
	int (*maintenance)(struct drover_ctx *ctx, const struct drover_site *site, int32_t action,
	                   int32_t *state);

	/* 1.0 Run the CMS's pending database updates. */
	int (*update_run)(struct drover_ctx *ctx, const struct drover_site *site);

	/* 1.0 Clear the site's caches. */
	int (*cache_clear)(struct drover_ctx *ctx, const struct drover_site *site);

	/* 1.0 Fix paths and URLs stored in the site after a rename or move. */
	int (*fixup)(struct drover_ctx *ctx, const struct drover_site *site,
	             const struct drover_move *move);

	/* 1.0 Stream health checks of a site. */
	int (*health)(struct drover_ctx *ctx, const struct drover_site *site, drover_check_cb cb,
	              void *arg);
};

/* ---------------------------------------------------------------------------------------------
 * Configuration an adapter reads. The core validates `adapters: { <name>: { ... } }` against this
 * table: unknown keys, wrong types and out-of-range numbers are configuration errors, reported
 * with file and line before any adapter op runs.
 */
#define DROVER_OPT_STRING 1
#define DROVER_OPT_INT    2
#define DROVER_OPT_BOOL   3
#define DROVER_OPT_SECRET (1u << 0) /* masked by `drover config show` */
#define DROVER_OPT_PATH   (1u << 1) /* a string that must be an absolute path */

struct drover_option {
	const char *key;  /* NULL ends the table */
	int32_t type;     /* DROVER_OPT_STRING, _INT, _BOOL */
	uint32_t flags;   /* DROVER_OPT_SECRET, _PATH */
	int64_t min, max; /* inclusive range for DROVER_OPT_INT */
	const char *def;  /* default as text ("30", "true", "/usr/bin/drush"), or NULL for unset */
	const char *help; /* one line */
};

/* ---------------------------------------------------------------------------------------------
 * External commands run by the host (host->run).
 */
#define DROVER_SECRET_FD 3 /* the child reads cmd.secret from this descriptor, then EOF */

struct drover_cmd {
	uint32_t struct_size;
	uint32_t timeout_ms;     /* 0 = no limit; on expiry the child gets SIGKILL */
	const char *const *argv; /* argv[0] is looked up in PATH; NULL-terminated */
	const char *cwd;         /* NULL = inherit */
	const char *const *env;  /* "KEY=value" set on top of a minimal environment; may be NULL */
	const char *secret;      /* bytes for DROVER_SECRET_FD (e.g. an option file); may be NULL */
	const char *const *redact; /* strings replaced by "*****" in captured output; may be NULL */
	const char *stdin_path;    /* file fed to standard input; NULL = /dev/null */
	/* Standard output into this new file (created 0600, never overwriting one) instead of
	 * the captured output, which then holds standard error only. NULL = captured. */
	const char *stdout_path;
};

struct drover_cmd_result {
	uint32_t struct_size;
	int32_t exit_status; /* exit code, or -1 if killed by a signal */
	int32_t term_signal; /* the signal that ended it, 0 if it exited */
	int32_t timed_out;   /* 1 if the host killed it at timeout_ms */
	char *output; /* stdout and stderr interleaved, redacted, NUL-terminated; host->free */
	size_t output_len;
};

/* Row callback for host->sql_query: n columns as text (NULL for SQL NULL); borrowed. */
typedef int (*drover_row_cb)(void *arg, uint32_t n, const char *const *cols);

/* ---------------------------------------------------------------------------------------------
 * The host table: what the core offers an adapter. Grows only at the end; check struct_size
 * before using a member added after 1.0.
 */
struct drover_host {
	uint32_t struct_size;
	uint16_t abi_major, abi_minor; /* the core's ABI */

	/* 1.0 Log one line (no trailing newline needed) at a DROVER_LOG_* level. */
	void (*log)(struct drover_ctx *ctx, int32_t level, const char *fmt, ...)
	    DROVER_PRINTF(3, 4);

	/* 1.0 Record a failure in ctx->err and return `code`. `where` may be NULL. The first error
	 * recorded during a call wins; later ones are logged at debug level. */
	int (*error)(struct drover_ctx *ctx, int32_t code, const char *where, const char *fmt, ...)
	    DROVER_PRINTF(4, 5);

	/* 1.0 Memory that crosses the boundary. alloc returns zeroed memory or NULL. */
	void *(*alloc)(struct drover_ctx *ctx, size_t size);
	void (*free)(struct drover_ctx *ctx, void *ptr);

	/* 1.0 Typed reads of the adapter's own config subtree; `key` must be in its option table.
	 * Defaults from the table apply. DROVER_E_NOTFOUND if unset with no default, DROVER_E_INVAL
	 * if the key is not declared or has another type, DROVER_E_RANGE if buf is too small. */
	int (*cfg_int)(struct drover_ctx *ctx, const char *key, int64_t *out);
	int (*cfg_bool)(struct drover_ctx *ctx, const char *key, int32_t *out);
	int (*cfg_str)(struct drover_ctx *ctx, const char *key, char *buf, size_t len);

	/* 1.0 Run an external command and wait for it; see struct drover_cmd. Returns 0 when the
	 * command ran (whatever its exit status; check res), a negative code when it could not be
	 * started or timed out (res is filled as far as known). */
	int (*run)(struct drover_ctx *ctx, const struct drover_cmd *cmd,
	           struct drover_cmd_result *res);

	/* 1.0 SQL on a site database, the same for SQLite and MySQL. `params` are bound as text to
	 * `?` placeholders. sql_exec runs one statement; sql_query streams rows to cb. */
	int (*sql_exec)(struct drover_ctx *ctx, struct drover_db *db, const char *sql,
	                const char *const *params, uint32_t nparams);
	int (*sql_query)(struct drover_ctx *ctx, struct drover_db *db, const char *sql,
	                 const char *const *params, uint32_t nparams, drover_row_cb cb, void *arg);
};

/* ---------------------------------------------------------------------------------------------
 * The descriptor. Version fields come first so that any core can read them.
 */
struct drover_adapter {
	uint32_t magic;       /* DROVER_ADAPTER_MAGIC */
	uint16_t abi_major;   /* DROVER_ABI_MAJOR the adapter was built against */
	uint16_t abi_minor;   /* DROVER_ABI_MINOR the adapter was built against */
	uint32_t struct_size; /* sizeof(struct drover_adapter) as the adapter was built */
	uint32_t reserved0;
	const char *name;        /* required; equals the file's basename without ".so" */
	const char *version;     /* required; the adapter's own version */
	const char *vendor;      /* required */
	const char *license;     /* required; SPDX identifier */
	const char *description; /* optional; one line */
	uint64_t caps;           /* DROVER_CAP_* */
	/* Optional. init may store state in ctx->state; a non-zero return rejects the adapter
	 * with the message it recorded. fini is called once before unloading if init succeeded. */
	int (*init)(struct drover_ctx *ctx);
	void (*fini)(struct drover_ctx *ctx);
	const struct drover_ops *ops;        /* required; ops->probe required */
	const struct drover_option *options; /* optional; ended by an entry whose key is NULL */
	void *reserved[8];
};

/*
 * DROVER_ADAPTER_DEFINE(name, .field = value, ...) defines the adapter's one exported symbol,
 * filling magic, ABI version, struct size and name. `name` is a C identifier and must equal the
 * shared object's basename. Give version, vendor, license, caps, ops and the rest as designated
 * initializers.
 */
#define DROVER_ADAPTER_DEFINE(name_, ...)                                            \
	extern DROVER_EXPORT const struct drover_adapter name_##_LTX_drover_adapter; \
	const struct drover_adapter name_##_LTX_drover_adapter = {                   \
	    .magic = DROVER_ADAPTER_MAGIC,                                           \
	    .abi_major = DROVER_ABI_MAJOR,                                           \
	    .abi_minor = DROVER_ABI_MINOR,                                           \
	    .struct_size = (uint32_t)sizeof(struct drover_adapter),                  \
	    .name = #name_,                                                          \
	    __VA_ARGS__}

/* Fills the struct_size of an ops table: `static const struct drover_ops ops = { DROVER_OPS_INIT,
 * .probe = ... };` */
#define DROVER_OPS_INIT .struct_size = (uint32_t)sizeof(struct drover_ops)

#ifdef __cplusplus
}
#endif

#endif /* DROVER_ADAPTER_H */

/* inventory.h: platforms and sites: probing, scanning, reading a site's installed schema, and
 * the diagnoses of verify. Commands in core/cmd/ call these; the registry keeps the results. */
#ifndef DROVER_INVENTORY_H
#define DROVER_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "registry.h"

/* Warnings an adapter logged during a call (malformed files it skipped). */
struct inv_notes {
	char **v;
	size_t n;
};
void inv_notes_free(struct inv_notes *n);

/* What a platform scan did. */
struct inv_scan {
	int rescanned;     /* 0: the tree had not changed, the registry was current */
	uint64_t files;    /* entries in the tree */
	uint64_t packages; /* packages recorded */
	double seconds;    /* time spent */
	struct inv_notes notes;
};

/* Open the registry once per run (reg_open with the configured path). */
int inv_registry(struct app *a, struct reg **out);

/* The loaded adapter a platform belongs to; an error naming the fix if it is not loaded. */
int inv_adapter(struct app *a, const struct reg_platform *p, const struct ldr_entry **out);

/* platform add: probe PATH with every adapter (or only `type`), record it and scan it. */
int inv_platform_add(struct app *a, const char *name, const char *path, const char *type,
                     struct reg_platform *out, struct inv_scan *scan);

/* Scan the platform if its tree changed since the last scan (always if `force`). */
int inv_platform_refresh(struct app *a, struct reg_platform *p, int force, struct inv_scan *scan);

/* A site's installed schema, read through the adapter from its database. */
struct inv_site_pkg {
	char name[REG_NAME_MAX];
	char type[32];
	int status;
	char schema[64];
	char *updates; /* newline-separated, malloc'd */
};
struct inv_site_schema {
	struct inv_site_pkg *v;
	size_t n, cap;
};
void inv_site_schema_free(struct inv_site_schema *s);
/* A drover_schema_cb that appends rows to a struct inv_site_schema (arg). */
int inv_schema_row_cb(void *arg, const struct drover_schema_row *row);

/* site import: read settings, open the database, read its schema, record the site. */
int inv_site_import(struct app *a, const char *domain, const char *platform, const char *db_server,
                    const char *site_dir, struct reg_site *out);

/* site verify: read the schema again and record it (the registry keeps the last reading). */
int inv_site_verify(struct app *a, const struct reg_site *s, struct inv_site_schema *schema);

/* Diagnoses of a site against its own platform's code. */
#define DIAG_PENDING       1 /* updates are waiting to run */
#define DIAG_DOWNGRADED    2 /* the site's schema is above the code: the module went back */
#define DIAG_SITE_SPECIFIC 3 /* lives in the site's directory: moves with it, never upgraded */
#define DIAG_MISSING       4 /* enabled on the site, absent from the platform */
struct inv_diag {
	int kind;
	int error; /* 1 error, 0 warning or information */
	char name[REG_NAME_MAX];
	char site_schema[64], code_schema[64];
	char message[512];
};
struct inv_diags {
	struct inv_diag *v;
	size_t n, cap;
};
int inv_diagnose(struct app *a, const struct reg_site *s, struct inv_diags *out);
void inv_diags_free(struct inv_diags *d);

/* A platform's packages, sorted by name, for lookups. */
struct inv_pkgs {
	struct reg_package *v; /* .updates malloc'd */
	size_t n, cap;
};
int inv_pkgs_load(struct app *a, int64_t platform_id, struct inv_pkgs *out);
void inv_pkgs_free(struct inv_pkgs *p);
/* The code a site runs for `name`: its own copy in site_dir ("sites/example.com"), else the
 * platform's; NULL if neither. site_dir NULL: only the platform's. */
const struct reg_package *inv_pkgs_find(const struct inv_pkgs *p, const char *name,
                                        const char *site_base);

/* The db server and database a site's settings point at, ready for db_open. */
struct db_params;
int inv_site_db_params(struct app *a, const struct reg_site *s, const struct ldr_entry *ad,
                       const struct reg_platform *p, struct db_params *out);

/* Open the database of the site at root/site_dir through its settings (read by adapter `ad`) on
 * db server `server`: for steps that must work from the journal alone. */
struct drover_db;
/* 0 unless the site's MySQL database also holds tables outside the site's table prefix (another
 * application's): then DROVER_E_REFUSED with the reason, since moving, restoring and deleting
 * a site replace or drop its whole database. No prefix, SQLite, unreadable settings: 0. */
int inv_site_db_shared(struct app *a, const struct ldr_entry *ad, const struct reg_site *s,
                       const char *root);
int inv_site_open(struct app *a, const struct ldr_entry *ad, const char *domain, const char *root,
                  const char *site_dir, const char *server, struct drover_db **db);

/* The loaded adapter named `name`, or an error. */
int inv_adapter_named(struct app *a, const char *name, const struct ldr_entry **out);

#endif

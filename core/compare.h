/* compare.h: which platforms can a site move to, and what would change. */
#ifndef DROVER_COMPARE_H
#define DROVER_COMPARE_H

#include <stddef.h>

#include "app.h"
#include "inventory.h"
#include "registry.h"

#define CMP_UNCHANGED 0
#define CMP_UPGRADE   1 /* updates will run */
#define CMP_WARNING   2 /* to be disabled by the update, or goes down while disabled */
#define CMP_ERROR     3 /* an enabled package would go down */

/* Why a verdict was given (cmp_pkg_message() turns it into words). */
#define CMP_WHY_NONE          0
#define CMP_WHY_SITE_SPECIFIC 1 /* in the site's own directory: moves with it */
#define CMP_WHY_MISSING       2 /* not on the target */
#define CMP_WHY_SCHEMA_DOWN   3
#define CMP_WHY_VERSION_DOWN  4
#define CMP_WHY_UPDATES       5

/* One package of the site against one target. The strings point into the site's package list
 * (kept in the cmp_result) and the platforms' (kept in the cmp_cache). */
struct cmp_pkg {
	const char *name;
	const char *from_version, *to_version; /* "" when unknown */
	const char *site_schema, *to_schema;
	int verdict; /* CMP_* */
	int why;     /* CMP_WHY_* */
	int enabled;
};

/* The words for a package's verdict ("" for unchanged without a reason). */
const char *cmp_pkg_message(const struct cmp_pkg *p, char *buf, size_t size);

#define CMP_MAX_REASONS 4
struct cmp_target {
	struct reg_platform p;
	int eligible;
	char reasons[CMP_MAX_REASONS][320]; /* why it is blocked */
	size_t n_reasons;
	struct cmp_pkg *pk;
	size_t n, cap;
	size_t counts[4]; /* per verdict */
};

struct cmp_result {
	struct reg_site site;
	struct reg_platform from;
	struct cmp_target *t;
	size_t n;
	int schema_fresh;              /* 1: read from the site database now; 0: as last verified */
	struct reg_site_package *pkgs; /* the site's packages, which cmp_pkg points into */
	size_t n_pkgs;
};

/* Platforms whose trees changed are rescanned once per run; this keeps what was refreshed. */
struct cmp_cache;

/*
 * The cache must outlive every result made with it (results point into its package lists).
 * Compare site `s` with every other platform of the same adapter, or only with `to`. Platforms
 * whose trees changed since their last scan are rescanned first (`cache` remembers which were
 * checked in this run; may be shared across calls). With `fresh_schema` the site's installed
 * schema is read from its database first.
 */
int cmp_site(struct app *a, const struct reg_site *s, const char *to, int fresh_schema,
             struct cmp_cache **cache, struct cmp_result *out);
void cmp_result_free(struct cmp_result *r);
void cmp_cache_free(struct cmp_cache *c);

const char *cmp_verdict_name(int verdict);

#endif

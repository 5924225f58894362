/* compare.h: which platforms can a site move to, and what would change. */
#ifndef DROVER_COMPARE_H
#define DROVER_COMPARE_H

#include <stddef.h>

#include "app.h"
#include "inventory.h"
#include "registry.h"

#define CMP_UNCHANGED 0
#define CMP_UPGRADE   1 /* updates will run */
#define CMP_WARNING   2 /* it will be disabled, or goes down while disabled */
#define CMP_ERROR     3 /* an enabled package would go down */

struct cmp_pkg {
	char name[REG_NAME_MAX];
	int verdict;
	char from_version[64], to_version[64];
	char site_schema[64], to_schema[64];
	char message[256];
};

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
	int schema_fresh; /* 1: read from the site database now; 0: as last verified */
};

/* Platforms whose trees changed are rescanned once per run; this keeps what was refreshed. */
struct cmp_cache;

/*
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

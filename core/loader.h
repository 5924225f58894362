/* loader.h: finding, checking and loading adapters. loader.c is the only file that calls lt_*. */
#ifndef DROVER_LOADER_H
#define DROVER_LOADER_H

#include <limits.h>
#include <stddef.h>

#include <drover/adapter.h>

struct cfg;

#define LDR_NAME_MAX 64

/* One adapter file: loaded, or rejected with the reason. */
struct ldr_entry {
	char path[PATH_MAX];
	char name[LDR_NAME_MAX];           /* from the file name */
	int loaded;                        /* 1 loaded and initialised, 0 rejected */
	char reason[1024];                 /* why it was rejected: one line with the fix */
	const struct drover_adapter *desc; /* loaded only */
	void *handle;                      /* lt_dlhandle, loaded only */
	void *state;                       /* what the adapter's init stored */
	const struct cfg *cfg;             /* for the adapter's config reads */
};

struct ldr {
	struct ldr_entry *v;
	size_t n, cap;
	int ltdl_ready;
};

/*
 * Load every adapter in the built-in directory (unless cfg->builtin_plugins is false) and in
 * cfg->plugin_dirs, in that order, files sorted by name within a directory. A file that fails a
 * check is recorded as rejected and never stops the others. Returns 0, or a negative code only
 * when the loader itself cannot work (out of memory, libltdl cannot start).
 */
int ldr_load(struct ldr *l, const struct cfg *cfg, struct drover_error *err);

/* Load or reject one file (used by ldr_load and by tests). */
int ldr_load_file(struct ldr *l, const struct cfg *cfg, const char *path, struct drover_error *err);

/* The loaded adapter called `name`, or NULL. */
const struct ldr_entry *ldr_find(const struct ldr *l, const char *name);

/* Call every adapter's fini, unload, free. */
void ldr_unload(struct ldr *l);

/* The directory built into this drover. */
const char *ldr_builtin_dir(void);

/* "1.0" */
void ldr_abi_string(unsigned major, unsigned minor, char *buf, size_t size);

/* The name of cap bit `bit` ("packages", "maintenance", ...), or NULL if this core has none. */
const char *ldr_cap_name(unsigned bit);
#endif

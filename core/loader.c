/*
 * loader.c: finding, checking and loading adapters. The only file that calls libltdl.
 *
 * Checks run in a fixed order and the first failure rejects the file with one line naming the
 * fix: file permissions (before anything of the file runs), open, symbol, magic, version, sizes,
 * required fields, name == basename, unknown cap bits, duplicate name, then the adapter's init.
 */
#include "loader.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ltdl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "host.h"
#include "util.h"

#ifndef DROVER_ADAPTER_DIR
#define DROVER_ADAPTER_DIR "/usr/local/lib/drover"
#endif

/* Struct sizes an adapter built against ABI 1.<minor> has. Index: minor. */
static const uint32_t desc_size_by_minor[] = {(uint32_t)sizeof(struct drover_adapter)};
static const uint32_t ops_size_by_minor[] = {(uint32_t)sizeof(struct drover_ops)};
static const uint64_t caps_by_minor[] = {DROVER_CAP_KNOWN_V1_0};

/* Which op each cap bit promises. */
static const struct {
	uint64_t cap;
	size_t off;
	const char *op;
} cap_ops[] = {
#define CAP_OP(c, f)                                               \
	{                                                          \
		DROVER_CAP_##c, offsetof(struct drover_ops, f), #f \
	}
    CAP_OP(PACKAGES, packages),
    CAP_OP(SETTINGS_READ, settings_read),
    CAP_OP(SETTINGS_WRITE, settings_write),
    CAP_OP(SITE_SCHEMA, site_schema),
    CAP_OP(SITE_PATHS, site_paths),
    CAP_OP(CACHE_TABLES, cache_tables),
    CAP_OP(MAINTENANCE, maintenance),
    CAP_OP(UPDATE, update_run),
    CAP_OP(CACHE_CLEAR, cache_clear),
    CAP_OP(FIXUP, fixup),
    CAP_OP(HEALTH, health),
#undef CAP_OP
};

const char *ldr_builtin_dir(void)
{
	return DROVER_ADAPTER_DIR;
}

void ldr_abi_string(unsigned major, unsigned minor, char *buf, size_t size)
{
	(void)str_fmt(buf, size, "%u.%u", major, minor);
}

static struct ldr_entry *new_entry(struct ldr *l, const char *path)
{
	struct ldr_entry *e;
	const char *base = path_base(path);
	size_t n = strlen(base);

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct ldr_entry *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	(void)str_copy(e->path, sizeof(e->path), path);
	if (str_endswith(base, ".so"))
		n -= 3;
	if (n >= sizeof(e->name))
		n = sizeof(e->name) - 1;
	memcpy(e->name, base, n);
	e->name[n] = '\0';
	return e;
}

static int reject(struct ldr_entry *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int reject(struct ldr_entry *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)str_vfmt(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	e->loaded = 0;
	log_msg(DROVER_LOG_DEBUG, "adapter %s rejected: %s", e->path, e->reason);
	return 0;
}

static int is_identifier(const char *s)
{
	if (!s[0] || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

/* A required string field: set, not empty, short and printable. */
static const char *bad_string(const char *s, size_t max)
{
	size_t n;

	if (!s)
		return "is not set";
	n = strnlen(s, max + 1);
	if (n == 0)
		return "is empty";
	if (n > max)
		return "is too long";
	for (size_t i = 0; i < n; i++)
		if (!isprint((unsigned char)s[i]))
			return "has non-printable characters";
	return NULL;
}

/* The file must not be replaceable by anyone but root or us: dlopen runs its code. */
static int check_file(struct ldr_entry *e)
{
	struct stat st;

	if (stat(e->path, &st) != 0)
		return reject(e, "cannot read it: %s", strerror(errno)), -1;
	if (!S_ISREG(st.st_mode))
		return reject(e, "not a regular file: remove it from the adapter directory"), -1;
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return reject(e,
		              "is %s-writable (mode %04o), so anyone could replace its code: run "
		              "chmod go-w %s",
		              (st.st_mode & S_IWOTH) ? "world" : "group",
		              (unsigned)(st.st_mode & 07777), e->path),
		       -1;
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return reject(e,
		              "is owned by uid %u, neither root nor the user running drover: "
		              "chown it to root",
		              (unsigned)st.st_uid),
		       -1;
	return 0;
}

static int check_descriptor(struct ldr *l, struct ldr_entry *e, const struct drover_adapter *d)
{
	char got[16], have[16];
	const char *bad, *field = NULL;
	uint64_t known;
	char why[512];

	if (d->magic != DROVER_ADAPTER_MAGIC)
		return reject(e,
		              "bad magic 0x%08x, not a drover adapter descriptor: build it with "
		              "DROVER_ADAPTER_DEFINE from <drover/drover.h>",
		              (unsigned)d->magic),
		       -1;
	ldr_abi_string(d->abi_major, d->abi_minor, got, sizeof(got));
	ldr_abi_string(DROVER_ABI_MAJOR, DROVER_ABI_MINOR, have, sizeof(have));
	if (d->abi_major != DROVER_ABI_MAJOR)
		return reject(e,
		              "built for ABI %s, this drover speaks %s: rebuild against "
		              "drover-sdk %d.x",
		              got, have, DROVER_ABI_MAJOR),
		       -1;
	if (d->abi_minor > DROVER_ABI_MINOR)
		return reject(e,
		              "built for ABI %s, this drover speaks %s: upgrade drover to one that "
		              "speaks ABI %s, or rebuild the adapter against drover-sdk %s",
		              got, have, got, have),
		       -1;
	if (d->struct_size != desc_size_by_minor[d->abi_minor])
		return reject(e,
		              "descriptor is %u bytes, ABI %s defines %u: rebuild it against the "
		              "drover-sdk %s headers",
		              (unsigned)d->struct_size, got,
		              (unsigned)desc_size_by_minor[d->abi_minor], got),
		       -1;
	if (d->ops && d->ops->struct_size != ops_size_by_minor[d->abi_minor])
		return reject(e,
		              "ops table is %u bytes, ABI %s defines %u: start it with "
		              "DROVER_OPS_INIT and rebuild against the drover-sdk %s headers",
		              (unsigned)d->ops->struct_size, got,
		              (unsigned)ops_size_by_minor[d->abi_minor], got),
		       -1;
	if ((bad = bad_string(d->name, LDR_NAME_MAX - 1)))
		field = "name";
	else if ((bad = bad_string(d->version, 63)))
		field = "version";
	else if ((bad = bad_string(d->vendor, 127)))
		field = "vendor";
	else if ((bad = bad_string(d->license, 63)))
		field = "license";
	if (field)
		return reject(e, "required field '%s' %s: set it in DROVER_ADAPTER_DEFINE", field,
		              bad),
		       -1;
	if (!d->ops)
		return reject(e, "required field 'ops' is not set: give the ops table in "
		                 "DROVER_ADAPTER_DEFINE"),
		       -1;
	if (!d->ops->probe)
		return reject(e,
		              "required op 'probe' is not set: every adapter must implement probe"),
		       -1;
	for (size_t i = 0; i < ARRAY_LEN(cap_ops); i++) {
		void *const *fn =
		    (void *const *)(const void *)((const char *)d->ops + cap_ops[i].off);
		if ((d->caps & cap_ops[i].cap) && !*fn)
			return reject(
			           e,
			           "sets the cap bit for '%s' but ops.%s is NULL: implement it or "
			           "clear the bit",
			           cap_ops[i].op, cap_ops[i].op),
			       -1;
	}
	/* The core reads a site's settings before it writes them back with new credentials. */
	if ((d->caps & DROVER_CAP_SETTINGS_WRITE) && !(d->caps & DROVER_CAP_SETTINGS_READ))
		return reject(e, "sets the cap bit for 'settings_write' without 'settings_read': "
		                 "drover reads the settings it rewrites; implement both"),
		       -1;
	if (cfg_check_option_table(d->options, why, sizeof(why)) != 0)
		return reject(e, "bad option table: %s", why), -1;
	if (strcmp(d->name, e->name) != 0)
		return reject(e,
		              "declares name '%s' but the file is %s.so: the file must be named "
		              "after the adapter (%s.so)",
		              d->name, e->name, d->name),
		       -1;
	known = caps_by_minor[d->abi_minor];
	if (d->caps & ~known)
		return reject(e, "sets cap bits 0x%llx unknown to ABI %s: clear them",
		              (unsigned long long)(d->caps & ~known), got),
		       -1;
	for (size_t i = 0; i + 1 < l->n; i++)
		if (l->v[i].loaded && strcmp(l->v[i].name, d->name) == 0)
			return reject(e,
			              "duplicate adapter name '%s', already loaded from %s: remove "
			              "one "
			              "of the two",
			              d->name, l->v[i].path),
			       -1;
	return 0;
}

static int init_adapter(struct ldr_entry *e)
{
	struct drover_error err;
	struct drover_ctx ctx;
	char line[1100];
	int rc;

	if (!e->desc->init)
		return 0;
	err_clear(&err);
	host_ctx_init(&ctx, e, &err);
	rc = e->desc->init(&ctx);
	e->state = ctx.state;
	if (rc != 0) {
		if (!err.code)
			err_set(&err, rc, NULL, "init failed (%s) without saying why",
			        drover_strerror(rc));
		return reject(e, "init failed: %s", err_line(&err, line, sizeof(line))), -1;
	}
	return 0;
}

static int ltdl_start(struct ldr *l, struct drover_error *err)
{
	if (l->ltdl_ready)
		return 0;
	if (lt_dlinit() != 0)
		return err_set(err, DROVER_E_FAIL, NULL, "libltdl cannot start: %s", lt_dlerror());
	l->ltdl_ready = 1;
	return 0;
}

int ldr_load_file(struct ldr *l, const struct cfg *cfg, const char *path, struct drover_error *err)
{
	char symbol[LDR_NAME_MAX + 32];
	struct ldr_entry *e = new_entry(l, path);
	const char *why;
	lt_dladvise advise;

	if (ltdl_start(l, err) != 0)
		return err->code;
	if (!e)
		return err_set(err, DROVER_E_NOMEM, path, "out of memory loading adapters");
	e->cfg = cfg;
	if (check_file(e) != 0)
		return 0;
	if (!is_identifier(e->name))
		return reject(
		    e,
		    "file name '%s' is not a C identifier, so no adapter symbol can match "
		    "it: rename the adapter and its file",
		    path_base(path));
	/* RTLD_LOCAL: adapters must not see each other's symbols. */
	if (lt_dladvise_init(&advise) != 0 || lt_dladvise_local(&advise) != 0)
		return err_set(err, DROVER_E_FAIL, path, "libltdl: %s", lt_dlerror());
	e->handle = lt_dlopenadvise(path, advise);
	lt_dladvise_destroy(&advise);
	if (!e->handle) {
		why = lt_dlerror();
		return reject(e, "cannot be loaded (%s): rebuild it for this system",
		              why ? why : "unknown error");
	}
	(void)str_fmt(symbol, sizeof(symbol), "%s_LTX_%s", e->name, DROVER_ADAPTER_SYMBOL);
	e->desc = lt_dlsym(e->handle, symbol);
	if (!e->desc) {
		lt_dlclose(e->handle);
		e->handle = NULL;
		return reject(e,
		              "exports no symbol %s: define the adapter with "
		              "DROVER_ADAPTER_DEFINE(%s, ...) or rename the file after the adapter",
		              symbol, e->name);
	}
	e->loaded = 1;
	if (check_descriptor(l, e, e->desc) != 0 || init_adapter(e) != 0) {
		e->loaded = 0;
		e->desc = NULL;
		lt_dlclose(e->handle);
		e->handle = NULL;
	}
	return 0;
}

static int filter_so(const struct dirent *d)
{
	return str_endswith(d->d_name, ".so");
}

static int load_dir(struct ldr *l, const struct cfg *cfg, const char *dir, const char *where,
                    struct drover_error *err)
{
	struct dirent **names = NULL;
	char path[PATH_MAX];
	int n = scandir(dir, &names, filter_so, alphasort), rc = 0;

	if (n < 0) {
		/* The built-in directory may not exist before `make install`: not worth a warning. */
		if (where)
			log_msg(DROVER_LOG_WARNING, "adapter directory %s (%s): %s", dir, where,
			        strerror(errno));
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (rc == 0) {
			if (path_join(path, sizeof(path), dir, names[i]->d_name) != 0)
				log_msg(DROVER_LOG_WARNING, "adapter path too long in %s: skipped",
				        dir);
			else
				rc = ldr_load_file(l, cfg, path, err);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int ldr_load(struct ldr *l, const struct cfg *cfg, struct drover_error *err)
{
	int rc;

	if ((rc = ltdl_start(l, err)) != 0)
		return rc;
	if (cfg->builtin_plugins && (rc = load_dir(l, cfg, DROVER_ADAPTER_DIR, NULL, err)) != 0)
		return rc;
	for (size_t i = 0; i < cfg->n_plugin_dirs; i++)
		if ((rc = load_dir(l, cfg, cfg->plugin_dirs[i].path, cfg->plugin_dirs[i].where,
		                   err)))
			return rc;
	return 0;
}

const struct ldr_entry *ldr_find(const struct ldr *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].loaded && strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

void ldr_unload(struct ldr *l)
{
	for (size_t i = l->n; i-- > 0;) {
		struct ldr_entry *e = &l->v[i];
		if (e->loaded && e->desc->fini) {
			struct drover_error err;
			struct drover_ctx ctx;
			err_clear(&err);
			host_ctx_init(&ctx, e, &err);
			ctx.state = e->state;
			e->desc->fini(&ctx);
		}
		if (e->handle)
			lt_dlclose(e->handle);
	}
	if (l->ltdl_ready)
		lt_dlexit();
	free(l->v);
	memset(l, 0, sizeof(*l));
}

const char *ldr_cap_name(unsigned bit)
{
	static const char *const names[] = {"packages",    "settings_read", "settings_write",
	                                    "site_schema", "site_paths",    "cache_tables",
	                                    "maintenance", "update",        "cache_clear",
	                                    "fixup",       "health",        "multisite"};

	return bit < ARRAY_LEN(names) ? names[bit] : NULL;
}

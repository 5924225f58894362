/*
 * adapter_harness.h: calling a shipped adapter's ops from a unit test the way the core does:
 * loaded through the loader, with a real call context and real site databases (db.h).
 */
#ifndef DROVER_ADAPTER_HARNESS_H
#define DROVER_ADAPTER_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "db.h"
#include "error.h"
#include "host.h"
#include "loader.h"
#include "tap.h"
#include "util.h"

struct harness {
	struct ldr ldr;
	struct cfg cfg; /* empty: adapters get their option defaults */
	const struct ldr_entry *ad;
	struct drover_error err; /* the last call's error */
	struct drover_ctx ctx;
};

/* Load $SHIPPED_ADAPTERS/<name>.so; bails out of the test program if it cannot. */
TAP_UNUSED static void harness_load(struct harness *h, const char *name)
{
	const char *dir = getenv("SHIPPED_ADAPTERS");
	char path[4096];

	memset(h, 0, sizeof(*h));
	if (!dir) {
		printf("Bail out! SHIPPED_ADAPTERS is not set: run through make check\n");
		exit(99);
	}
	snprintf(path, sizeof(path), "%s/%s.so", dir, name);
	ldr_load_file(&h->ldr, &h->cfg, path, &h->err);
	h->ad = ldr_find(&h->ldr, name);
	if (!h->ad) {
		printf("Bail out! %s: %s\n", path, h->ldr.n ? h->ldr.v[0].reason : h->err.message);
		exit(99);
	}
}

/* A fresh context (and cleared error) for one call. */
TAP_UNUSED static struct drover_ctx *harness_ctx(struct harness *h)
{
	err_clear(&h->err);
	host_ctx_init(&h->ctx, h->ad, &h->err);
	return &h->ctx;
}

TAP_UNUSED static const struct drover_ops *harness_ops(const struct harness *h)
{
	return h->ad->desc->ops;
}

TAP_UNUSED static void harness_free(struct harness *h)
{
	ldr_unload(&h->ldr);
}

/* Write `text` to root/rel, creating directories. Exits on failure (a broken test machine). */
TAP_UNUSED static void harness_write(const char *root, const char *rel, const char *text)
{
	char path[4096], *slash;
	FILE *f;

	if (path_join(path, sizeof(path), root, rel) != 0)
		exit(99);
	slash = strrchr(path, '/');
	*slash = '\0';
	if (path_mkdirs(path, 0755) != 0) {
		perror(path);
		exit(99);
	}
	*slash = '/';
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(99);
	}
}

/* Create (or replace) a SQLite site database at `path` from an SQL script, with the sqlite3
 * library, and open it through db.h. */
TAP_UNUSED static struct drover_db *harness_sqlite(const char *path, const char *script)
{
	struct drover_error err;
	struct db_params p;
	struct drover_db *db = NULL;
	char cmd[8192];
	FILE *f;

	remove(path);
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s'", path);
	f = popen(cmd, "w");
	if (!f || fputs(script, f) < 0 || pclose(f) != 0) {
		printf("Bail out! cannot create %s with the sqlite3 shell\n", path);
		exit(99);
	}
	memset(&p, 0, sizeof(p));
	snprintf(p.driver, sizeof(p.driver), "%s", DB_DRIVER_SQLITE);
	snprintf(p.database, sizeof(p.database), "%s", path);
	err_clear(&err);
	if (db_open(&p, 0, &db, &err) != 0) {
		printf("Bail out! db_open %s: %s\n", path, err.message);
		exit(99);
	}
	return db;
}

#endif

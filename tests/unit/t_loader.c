/*
 * t_loader.c: the loader's contract with adapters, through real fixture shared objects built by
 * `make check` (tests/fixtures/adapters): init and fini with state, the call context, and every
 * host service an adapter can call. Rejection rules are walked one by one in tests/cli/t_plugins.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "host.h"
#include "loader.h"
#include "tap.h"
#include "util.h"

static char fixtures[4096];

static const char *fixture(const char *name)
{
	static char path[4200];

	snprintf(path, sizeof(path), "%s/%s.so", fixtures, name);
	return path;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(99);
	}
}

static void test_load_and_services(const char *dir)
{
	char cfgpath[4200], buf[256];
	struct drover_error err, cerr;
	struct drover_ctx ctx;
	struct ldr l;
	struct cfg c;
	const struct ldr_entry *e;
	int64_t iv = 0;
	int32_t bv = 0;
	int rc;

	snprintf(cfgpath, sizeof(cfgpath), "%s/drover.cfg", dir);
	write_file(cfgpath, "builtin_plugins = false;\n"
	                    "adapters: {\n"
	                    "  fxopts: { timeout = 120; enabled = false; };\n"
	                    "};\n");
	err_clear(&err);
	rc = cfg_load(&c, cfgpath, &err);
	is_int(rc, 0, "config with adapter settings loads");
	memset(&l, 0, sizeof(l));
	is_int(ldr_load_file(&l, &c, fixture("fxopts"), &err), 0, "ldr_load_file runs");
	e = ldr_find(&l, "fxopts");
	ok(e != NULL, "fxopts is loaded");
	if (!e) {
		diag("reason: %s", l.n ? l.v[0].reason : "(no entry)");
		ldr_unload(&l);
		cfg_free(&c);
		return;
	}
	ok(e->state != NULL, "init stored its state in ctx->state");
	is_int(cfg_check_adapter(&c, "fxopts", e->desc->options, &err), 0,
	       "its settings validate against its option table");

	err_clear(&cerr);
	host_ctx_init(&ctx, e, &cerr);
	is_int(ctx.magic, DROVER_CTX_MAGIC, "ctx carries its magic");
	ok(ctx.host == &host_table && ctx.adapter == e->desc, "ctx points at host and descriptor");
	ok(ctx.state == e->state, "ctx hands the adapter its state");
	is_int(ctx.host->struct_size, sizeof(struct drover_host), "host table says its size");

	is_int(ctx.host->cfg_int(&ctx, "timeout", &iv), 0, "cfg_int of a set option");
	is_int(iv, 120, "value comes from the file");
	is_int(ctx.host->cfg_bool(&ctx, "enabled", &bv), 0, "cfg_bool of a set option");
	is_int(bv, 0, "false from the file");
	is_int(ctx.host->cfg_str(&ctx, "binary", buf, sizeof(buf)), 0,
	       "cfg_str falls back to default");
	is_str(buf, "/usr/bin/true", "default value");
	is_int(ctx.host->cfg_str(&ctx, "binary", buf, 4), DROVER_E_RANGE,
	       "cfg_str into a short buffer says RANGE");
	is_int(ctx.host->cfg_str(&ctx, "token", buf, sizeof(buf)), DROVER_E_NOTFOUND,
	       "unset option without default is NOTFOUND");
	is_int(cerr.code, 0, "reads that only report NOTFOUND/RANGE record no error");

	is_int(ctx.host->cfg_int(&ctx, "nosuch", &iv), DROVER_E_INVAL, "undeclared key is INVAL");
	like(cerr.message, "not declared", "and the error says so");
	rc = ctx.host->cfg_int(&ctx, "binary", &iv);
	is_int(rc, DROVER_E_INVAL, "reading a string option as int is INVAL");
	like(cerr.message, "not declared", "the first error recorded wins");

	err_clear(&cerr);
	rc = ctx.host->error(&ctx, DROVER_E_PARSE, "x.info:3", "bad line %d", 3);
	is_int(rc, DROVER_E_PARSE, "host->error returns the code");
	is_str(cerr.where, "x.info:3", "where recorded");
	is_str(cerr.message, "bad line 3", "message recorded");
	err_clear(&cerr);
	is_int(ctx.host->error(&ctx, 5, NULL, "positive"), DROVER_E_FAIL,
	       "a non-negative code from an adapter becomes DROVER_E_FAIL");

	{
		void *p = ctx.host->alloc(&ctx, 32);
		ok(p && ((unsigned char *)p)[31] == 0, "host->alloc returns zeroed memory");
		ctx.host->free(&ctx, p);
	}
	{
		const char *argv[] = {"sh", "-c", "echo hello", NULL};
		struct drover_cmd cmd = {.struct_size = sizeof(cmd), .argv = argv};
		struct drover_cmd_result res = {.struct_size = sizeof(res)};
		is_int(ctx.host->run(&ctx, &cmd, &res), 0, "host->run runs a command");
		is_str(res.output, "hello\n", "and captures its output");
		ctx.host->free(&ctx, res.output);
		cmd.struct_size = 4;
		err_clear(&cerr);
		is_int(ctx.host->run(&ctx, &cmd, &res), DROVER_E_INVAL,
		       "host->run refuses a struct smaller than it needs");
	}
	err_clear(&cerr);
	is_int(ctx.host->sql_exec(&ctx, NULL, "SELECT 1", NULL, 0), DROVER_E_INVAL,
	       "site SQL without a database is refused");
	like(cerr.message, "no database", "with a message");

	ldr_unload(&l);
	cfg_free(&c);
}

static void test_init_failure(const char *dir)
{
	struct drover_error err;
	struct ldr l;
	struct cfg c;
	char cfgpath[4200];

	snprintf(cfgpath, sizeof(cfgpath), "%s/empty.cfg", dir);
	write_file(cfgpath, "builtin_plugins = false;\n");
	err_clear(&err);
	if (cfg_load(&c, cfgpath, &err) != 0) {
		ok(0, "config loads: %s", err.message);
		return;
	}
	memset(&l, 0, sizeof(l));
	is_int(ldr_load_file(&l, &c, fixture("initfail"), &err), 0, "a failing init is not fatal");
	ok(l.n == 1 && !l.v[0].loaded, "the adapter is rejected");
	like(l.v[0].reason, "init failed", "reason says init failed");
	like(l.v[0].reason, "/opt/fixture/license.key: license file missing",
	     "and carries the adapter's own where and message");
	ok(ldr_find(&l, "initfail") == NULL, "ldr_find does not return it");
	is_int(ldr_load_file(&l, &c, fixture("fxgood"), &err), 0, "the next adapter loads");
	ok(ldr_find(&l, "fxgood") != NULL, "and is found");
	ldr_unload(&l);
	is_int(l.n, 0, "unload clears the list");
	cfg_free(&c);
}

int main(void)
{
	const char *fx = getenv("FIXTURE_ADAPTERS");
	const char *dir = tap_tmpdir();

	if (!fx || !*fx) {
		printf("Bail out! FIXTURE_ADAPTERS is not set: run through make check\n");
		return 99;
	}
	snprintf(fixtures, sizeof(fixtures), "%s", fx);
	test_load_and_services(dir);
	test_init_failure(dir);
	{
		char cmd[4200];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
	return done_testing();
}

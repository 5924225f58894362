/* plugins.c: drover plugins: the adapters found, loaded and rejected. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "util.h"

static void cap_list(uint64_t caps, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned b = 0; b < 64; b++) {
		const char *name = ldr_cap_name(b);
		if (!(caps & (UINT64_C(1) << b)) || !name)
			continue;
		(void)str_fmt(buf + used, size - used, "%s%s", used ? "," : "", name);
		used = strlen(buf);
	}
	if (!used)
		(void)str_copy(buf, size, "-");
}

static void print_json(struct app *a)
{
	struct jw j;
	char abi[16];

	jw_init(&j, stdout);
	jw_obj_begin(&j);
	jw_key(&j, "search_path");
	jw_arr_begin(&j);
	if (a->cfg.builtin_plugins)
		jw_str(&j, ldr_builtin_dir());
	for (size_t i = 0; i < a->cfg.n_plugin_dirs; i++)
		jw_str(&j, a->cfg.plugin_dirs[i].path);
	jw_arr_end(&j);
	jw_key(&j, "loaded");
	jw_arr_begin(&j);
	for (size_t i = 0; i < a->ldr.n; i++) {
		const struct ldr_entry *e = &a->ldr.v[i];
		const struct drover_adapter *d = e->desc;
		if (!e->loaded)
			continue;
		ldr_abi_string(d->abi_major, d->abi_minor, abi, sizeof(abi));
		jw_obj_begin(&j);
		jw_kstr(&j, "name", d->name);
		jw_kstr(&j, "version", d->version);
		jw_kstr(&j, "vendor", d->vendor);
		jw_kstr(&j, "license", d->license);
		jw_kstr(&j, "description", d->description ? d->description : "");
		jw_kstr(&j, "abi", abi);
		jw_key(&j, "caps");
		jw_arr_begin(&j);
		for (unsigned b = 0; b < 64; b++)
			if ((d->caps & (UINT64_C(1) << b)) && ldr_cap_name(b))
				jw_str(&j, ldr_cap_name(b));
		jw_arr_end(&j);
		jw_kstr(&j, "path", e->path);
		jw_obj_end(&j);
	}
	jw_arr_end(&j);
	jw_key(&j, "rejected");
	jw_arr_begin(&j);
	for (size_t i = 0; i < a->ldr.n; i++) {
		const struct ldr_entry *e = &a->ldr.v[i];
		if (e->loaded)
			continue;
		jw_obj_begin(&j);
		jw_kstr(&j, "name", e->name);
		jw_kstr(&j, "path", e->path);
		jw_kstr(&j, "reason", e->reason);
		jw_obj_end(&j);
	}
	jw_arr_end(&j);
	jw_obj_end(&j);
	jw_end(&j);
}

static void print_text(struct app *a)
{
	char abi[16], caps[512];
	size_t loaded = 0, rejected = 0;

	printf("search path:\n");
	if (a->cfg.builtin_plugins)
		printf("  %s (built in)\n", ldr_builtin_dir());
	for (size_t i = 0; i < a->cfg.n_plugin_dirs; i++)
		printf("  %s (%s)\n", a->cfg.plugin_dirs[i].path, a->cfg.plugin_dirs[i].where);
	for (size_t i = 0; i < a->ldr.n; i++)
		a->ldr.v[i].loaded ? loaded++ : rejected++;
	printf("\n%zu adapter%s loaded\n", loaded, loaded == 1 ? "" : "s");
	if (loaded)
		printf("  %-12s %-10s %-5s %-40s %s\n", "NAME", "VERSION", "ABI", "CAPS", "PATH");
	for (size_t i = 0; i < a->ldr.n; i++) {
		const struct ldr_entry *e = &a->ldr.v[i];
		if (!e->loaded)
			continue;
		ldr_abi_string(e->desc->abi_major, e->desc->abi_minor, abi, sizeof(abi));
		cap_list(e->desc->caps, caps, sizeof(caps));
		printf("  %-12s %-10s %-5s %-40s %s\n", e->desc->name, e->desc->version, abi, caps,
		       e->path);
	}
	if (rejected) {
		printf("\n%zu adapter%s rejected\n", rejected, rejected == 1 ? "" : "s");
		for (size_t i = 0; i < a->ldr.n; i++)
			if (!a->ldr.v[i].loaded)
				printf("  %s: %s\n", a->ldr.v[i].path, a->ldr.v[i].reason);
	}
}

static int run(struct app *a, int argc, char **argv)
{
	int rc = cmd_no_args(&cmd_plugins, argc, argv);

	if (rc)
		return rc;
	if (app_adapters(a, 1) != 0)
		return app_fail(a);
	if (a->json)
		print_json(a);
	else
		print_text(a);
	return EXIT_DONE;
}

const struct cmd cmd_plugins = {
    .name = "plugins",
    .run = run,
    .usage = "drover plugins [--json]",
    .summary = "list the adapters loaded and rejected, with the reason",
    .help = "Adapters are searched in the built-in directory (unless builtin_plugins = false)\n"
            "and then in each directory of plugin_dirs, in order; environment variables never\n"
            "add directories. A file that fails a check is rejected with the fix, and never\n"
            "stops the others from loading.\n",
};

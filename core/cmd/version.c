/* version.c: drover version. */
#include "autoconf.h"

#include <stdio.h>

#include "cmd.h"
#include "config.h"
#include "json.h"
#include "loader.h"
#include "registry.h"

static int run(struct app *a, int argc, char **argv)
{
	char abi[16];
	int rc = cmd_no_args(&cmd_version, argc, argv);

	if (rc)
		return rc;
	ldr_abi_string(DROVER_ABI_MAJOR, DROVER_ABI_MINOR, abi, sizeof(abi));
	if (a->json) {
		struct jw j;
		jw_init(&j, stdout);
		jw_obj_begin(&j);
		jw_kstr(&j, "version", PACKAGE_VERSION);
		jw_kstr(&j, "abi", abi);
		jw_kint(&j, "registry_schema", REG_SCHEMA_VERSION);
		jw_kstr(&j, "adapter_dir", ldr_builtin_dir());
		jw_kstr(&j, "system_config", DROVER_SYSTEM_CONFIG);
		jw_obj_end(&j);
		jw_end(&j);
		return EXIT_DONE;
	}
	printf("drover %s\nadapter ABI %s, registry schema %d\nadapters: %s\nsystem configuration: "
	       "%s\n",
	       PACKAGE_VERSION, abi, REG_SCHEMA_VERSION, ldr_builtin_dir(), DROVER_SYSTEM_CONFIG);
	return EXIT_DONE;
}

const struct cmd cmd_version = {
    .name = "version",
    .run = run,
    .usage = "drover version [--json]",
    .summary = "print drover's version, adapter ABI and registry schema",
    .help = "Adapters must be built for the same ABI major and an equal or lower minor.\n",
};

/*
 * run.c: the site's database updates and object cache flush, run by WordPress itself.
 *
 * Built in: `php -r <runner> -- <root> <domain> <mode>`, in the platform root. The runner is
 * the sequence of wp-admin/upgrade.php without the browser: it sets the request's host (so the
 * dispatcher loads the site's settings), defines WP_INSTALLING (no plugins loaded, maintenance
 * mode not in the way, as upgrade.php does), loads wp-load.php and calls wp_upgrade(), then reads
 * db_version back from the database and fails unless it is the code's $wp_db_version. wp_die()
 * (a lost database, a failed query WordPress gives up on) becomes an error line and exit 1,
 * instead of an HTML page and exit 0. The runner is embedded here: nothing to install beside the
 * adapter. Configured: adapters.wordpress.update_command (wp-cli's `wp core update-db`, say).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "wordpress.h"

#define MAX_ARGS    32
#define COMMAND_MAX 4096
#define OK_LINE     "drover-wp: ok"

static const char runner[] =
    "error_reporting(E_ALL & ~E_DEPRECATED & ~E_NOTICE & ~E_USER_DEPRECATED);\n"
    "ini_set('display_errors', 'stderr');\n"
    "list(, $root, $host, $mode) = $argv;\n"
    "foreach (['HTTP_HOST' => $host, 'SERVER_NAME' => $host, 'REQUEST_URI' => '/',\n"
    "          'REQUEST_METHOD' => 'GET', 'SERVER_PROTOCOL' => 'HTTP/1.1'] as $k => $v)\n"
    "\t$_SERVER[$k] = $v;\n"
    "$fail = function ($m) {\n"
    "\tif (is_object($m) && method_exists($m, 'get_error_message')) $m = $m->get_error_message();\n"
    "\t$m = html_entity_decode(strip_tags(is_string($m) ? $m : print_r($m, true)), ENT_QUOTES);\n"
    "\tfwrite(STDERR, 'drover-wp: ' . trim(preg_replace('/\\s+/', ' ', $m)) . \"\\n\");\n"
    "\texit(1);\n"
    "};\n"
    "/* Hooks given before WordPress loads (WP_Hook::build_preinitialized_hooks). */\n"
    "$GLOBALS['wp_filter'] = ['wp_die_handler' => [10 => [[\n"
    "\t'function' => function () use ($fail) { return $fail; }, 'accepted_args' => 1]]]];\n"
    "define('WP_INSTALLING', true);\n"
    "chdir($root);\n"
    "require $root . '/wp-load.php';\n"
    "global $wp_db_version, $wpdb;\n"
    "if ($mode === 'update') {\n"
    "\trequire_once ABSPATH . 'wp-admin/includes/upgrade.php';\n"
    "\t$before = get_option('db_version');\n"
    "\twp_upgrade();\n"
    "\twp_cache_flush();\n"
    "\t$after = $wpdb->get_var(\"SELECT option_value FROM $wpdb->options WHERE option_name = "
    "'db_version'\");\n"
    "\tif ((int) $after !== (int) $wp_db_version)\n"
    "\t\t$fail(\"db_version is $after after wp_upgrade(), WordPress expects $wp_db_version\" .\n"
    "\t\t      ($wpdb->last_error ? \": $wpdb->last_error\" : ''));\n"
    "\techo \"drover-wp: db_version $before -> $after\\n\";\n"
    "} elseif ($mode === 'cache') {\n"
    "\twp_cache_flush();\n"
    "\techo \"drover-wp: object cache flushed\\n\";\n"
    "} else {\n"
    "\t$fail(\"unknown mode $mode\");\n"
    "}\n"
    "echo \"" OK_LINE "\\n\";\n";

/* The last non-empty line of the output, for an error message. */
static void last_line(const char *out, char *buf, size_t size)
{
	const char *end = out + strlen(out), *a;

	while (end > out && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	for (a = end; a > out && a[-1] != '\n';)
		a--;
	(void)wp_fmt(buf, size, "%.*s", (int)(end - a), a);
}

/* Runs argv in the platform root; fails unless it exits 0 (and prints OK_LINE if `marker`). */
static int run(struct drover_ctx *ctx, const struct drover_site *site, const char *const *argv,
               const char *what, int marker)
{
	const struct drover_host *h = ctx->host;
	struct drover_cmd_result res;
	struct drover_cmd cmd;
	char line[512];
	int64_t timeout = 1800;
	int rc;

	(void)h->cfg_int(ctx, WP_OPT_TIMEOUT, &timeout);
	memset(&cmd, 0, sizeof(cmd));
	memset(&res, 0, sizeof(res));
	cmd.struct_size = sizeof(cmd);
	res.struct_size = sizeof(res);
	cmd.argv = argv;
	cmd.cwd = wp_code_root(site);
	cmd.timeout_ms = (uint32_t)(timeout * 1000);
	rc = h->run(ctx, &cmd, &res);
	if (rc == 0 && (res.exit_status != 0 || (marker && !strstr(res.output, OK_LINE)))) {
		last_line(res.output ? res.output : "", line, sizeof(line));
		rc = h->error(ctx, DROVER_E_FAIL, site->domain, "%s %s: %s", what,
		              res.exit_status ? "failed" : "did not finish",
		              line[0]                ? line
		              : res.term_signal      ? "killed by a signal"
		              : res.exit_status != 0 ? "it exited non-zero without a message"
		                                     : "it stopped without a word");
	} else if (rc == 0 && res.output) {
		char *p = res.output, *nl;
		for (; *p; p = nl ? nl + 1 : p + strlen(p)) {
			nl = strchr(p, '\n');
			size_t k = nl ? (size_t)(nl - p) : strlen(p);
			if (k > 11 && strncmp(p, "drover-wp: ", 11) == 0 &&
			    strncmp(p, OK_LINE, strlen(OK_LINE)) != 0)
				h->log(ctx, DROVER_LOG_INFO, "%s: %.*s", site->domain,
				       (int)(k - 11), p + 11);
			if (!nl)
				break;
		}
	} else if (rc != 0 && res.timed_out) {
		rc = h->error(
		    ctx, DROVER_E_FAIL, site->domain,
		    "%s ran longer than adapters.wordpress.timeout (%lld s) and was killed", what,
		    (long long)timeout);
	}
	h->free(ctx, res.output);
	return rc;
}

int wp_php_run(struct drover_ctx *ctx, const struct drover_site *site, const char *mode)
{
	char php[1024];
	const char *argv[] = {php,          "-r", runner, "--", wp_code_root(site),
	                      site->domain, mode, NULL};
	int rc;

	if ((rc = ctx->host->cfg_str(ctx, WP_OPT_PHP, php, sizeof(php))) != 0 || !php[0])
		return ctx->host->error(ctx, DROVER_E_CONFIG, "adapters.wordpress.php",
		                        "no PHP binary configured: give one, e.g. \"php\"");
	return run(ctx, site, argv,
	           strcmp(mode, "update") == 0 ? "wp_upgrade()" : "wp_cache_flush()", 1);
}

int wp_update_run(struct drover_ctx *ctx, const struct drover_site *site)
{
	char command[COMMAND_MAX], arena[COMMAND_MAX + 4 * WP_PATH_MAX];
	const char *argv[MAX_ARGS + 1];
	size_t n = 0, used = 0;
	char *word, *save = NULL;
	int rc;

	rc = ctx->host->cfg_str(ctx, WP_OPT_UPDATE_COMMAND, command, sizeof(command));
	if (rc != 0 && rc != DROVER_E_NOTFOUND)
		return ctx->host->error(ctx, DROVER_E_CONFIG, "adapters.wordpress.update_command",
		                        "cannot read it: %s", drover_strerror(rc));
	if (rc != 0 || !command[0])
		return wp_php_run(ctx, site, "update");
	for (word = strtok_r(command, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		struct wp_str w = {0};
		const char *p = word;
		if (n == MAX_ARGS)
			return ctx->host->error(ctx, DROVER_E_CONFIG,
			                        "adapters.wordpress.update_command",
			                        "more than %d words", MAX_ARGS);
		while (*p) {
			if (strncmp(p, "{root}", 6) == 0) {
				wp_str_cat(&w, wp_code_root(site));
				p += 6;
			} else if (strncmp(p, "{site}", 6) == 0) {
				wp_str_cat(&w, site->domain);
				p += 6;
			} else {
				wp_str_add(&w, p++, 1);
			}
		}
		if (w.failed || !w.p || used + w.n + 1 > sizeof(arena)) {
			wp_str_free(&w);
			return ctx->host->error(ctx, DROVER_E_CONFIG,
			                        "adapters.wordpress.update_command",
			                        "too long once {root} and {site} are replaced");
		}
		memcpy(arena + used, w.p, w.n + 1);
		argv[n++] = arena + used;
		used += w.n + 1;
		wp_str_free(&w);
	}
	if (n == 0)
		return wp_php_run(ctx, site, "update");
	argv[n] = NULL;
	return run(ctx, site, argv, argv[0], 0);
}

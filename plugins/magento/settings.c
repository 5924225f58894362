/*
 * plugins/magento/settings.c: settings_read, where a Magento site's database is.
 *
 * Reading the file and parsing its text are two steps (mg_settings_text, mg_settings_parse), so
 * that settings_write can check that a rewritten text reads back as intended before it replaces
 * the file.
 *
 * Magento 1 / OpenMage, app/etc/local.xml (magento-lts app/etc/local.xml.template; the
 * installer, Mage_Install_Model_Installer_Config, writes each value as <![CDATA[...]]>, and
 * hand-written files often use plain text): <config><global><resources><db><table_prefix> and
 * <default_setup><connection> with <host>, <username>, <password>, <dbname>, <type> and an
 * optional <port>. Values are taken as PHP's SimpleXML gives them: untrimmed.
 *
 * Magento 2, app/etc/env.php: return ['db' => ['table_prefix' => '', 'connection' => ['default'
 * => ['host' => ..., 'dbname' => ..., 'username' => ..., 'password' => ...]]], ...], in [] or
 * array() syntax. Read with the PHP tokenizer, never run: a value that is not a constant is an
 * error that says so.
 *
 * Host: both generations' MySQL adapters (Varien_Db_Adapter_Pdo_Mysql::_getHostInfo in
 * OpenMage, Magento\Framework\DB\Adapter\Pdo\Mysql::_connect) take a host containing '/' as a
 * unix socket path and split "host:port" at its ':'; OpenMage also reads "[v6addr]:port". We do
 * the same: a socket path stays whole in .host (the core tells it by its '/'), a port given in
 * the host replaces a separate port setting, as the adapters do.
 *
 * driver is "mysql" for both: Magento runs on MySQL only. drover's own SQLite db server can hold
 * the database of a demo or test Magento site; the core maps the database name onto its db
 * server, so what we report is what the site's file says, whatever server holds the data.
 * base_url is "": both generations keep base URLs in core_config_data. files_path is the public
 * media directory the installers create: media (1) or pub/media (2).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "magento.h"

/* A failure about `rel` (line 0: the whole file), recorded and returned. */
static int fail(struct drover_ctx *ctx, const struct tf_root *r, int code, const char *rel,
                unsigned line, const char *fmt, ...) DROVER_PRINTF(6, 7);
static int fail(struct drover_ctx *ctx, const struct tf_root *r, int code, const char *rel,
                unsigned line, const char *fmt, ...)
{
	char where[TF_PATH_MAX], msg[768];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	return ctx->host->error(ctx, code, tf_where(where, sizeof where, r->path, rel, line), "%s",
	                        msg);
}

/* The files hold the database password: clear what we read before the memory is freed. */
static void wipe(struct tf_buf *b, struct tf_xml_doc *doc)
{
	if (b != NULL && b->data != NULL)
		explicit_bzero(b->data, b->len);
	if (doc != NULL && doc->strs != NULL)
		explicit_bzero(doc->strs, doc->nstrs);
}

static int copy_field(struct drover_ctx *ctx, const struct tf_root *r, const char *rel,
                      unsigned line, const char *what, char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		return fail(ctx, r, DROVER_E_RANGE, rel, line,
		            "the %s in %s has %zu bytes; drover holds at most %zu: shorten it",
		            what, rel, n, size - 1);
	memcpy(dst, src, n + 1);
	return 0;
}

static int parse_port(struct drover_ctx *ctx, const struct tf_root *r, const char *rel,
                      unsigned line, const char *text, uint32_t *port)
{
	unsigned long v = 0;
	const char *c = text;
	char shown[48];

	for (; *c >= '0' && *c <= '9' && v <= 65535; c++)
		v = v * 10 + (unsigned long)(*c - '0');
	if (*c == '\0' && v >= 1 && v <= 65535) {
		*port = (uint32_t)v;
		return 0;
	}
	return fail(ctx, r, DROVER_E_PARSE, rel, line,
	            "the database port in %s is '%s', not a port number (1-65535): fix it", rel,
	            tf_printable(shown, sizeof shown, text, strlen(text)));
}

/* Put a Magento host setting into s->host and s->port (see the top of the file). */
static int set_host(struct drover_ctx *ctx, const struct tf_root *r, const char *rel, unsigned line,
                    const char *host, struct drover_settings *s)
{
	const char *colon = strchr(host, ':');
	char name[sizeof s->host];

	if (strchr(host, '/') != NULL || colon == NULL)
		return copy_field(ctx, r, rel, line, "database host", s->host, sizeof s->host,
		                  host);
	if (host[0] == '[') {
		const char *close = strchr(host, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return fail(
			    ctx, r, DROVER_E_PARSE, rel, line,
			    "the database host in %s starts with '[' but is not [address] or "
			    "[address]:port: fix it",
			    rel);
		if ((size_t)(close - host - 1) >= sizeof name)
			return copy_field(ctx, r, rel, line, "database host", s->host,
			                  sizeof s->host, host); /* reports the length */
		memcpy(name, host + 1, (size_t)(close - host - 1));
		name[close - host - 1] = '\0';
		if (close[1] == ':' && close[2] != '\0' &&
		    parse_port(ctx, r, rel, line, close + 2, &s->port) != 0)
			return DROVER_E_PARSE;
		return copy_field(ctx, r, rel, line, "database host", s->host, sizeof s->host,
		                  name);
	}
	if (strchr(colon + 1, ':') != NULL) /* a bare IPv6 address */
		return copy_field(ctx, r, rel, line, "database host", s->host, sizeof s->host,
		                  host);
	if ((size_t)(colon - host) >= sizeof name)
		return copy_field(ctx, r, rel, line, "database host", s->host, sizeof s->host,
		                  host);
	memcpy(name, host, (size_t)(colon - host));
	name[colon - host] = '\0';
	/* "host:" gives an empty port, which the adapters ignore. */
	if (colon[1] != '\0' && parse_port(ctx, r, rel, line, colon + 1, &s->port) != 0)
		return DROVER_E_PARSE;
	return copy_field(ctx, r, rel, line, "database host", s->host, sizeof s->host, name);
}

static int common(struct drover_settings *s, const char *files_path)
{
	memcpy(s->driver, "mysql", sizeof "mysql");
	memcpy(s->files_path, files_path, strlen(files_path) + 1);
	s->base_url[0] = '\0';
	return 0;
}

/* --- Magento 1: app/etc/local.xml ------------------------------------------------------------- */

static int m1_parse(struct drover_ctx *ctx, const struct tf_root *r, const struct tf_buf *b,
                    struct drover_settings *s)
{
	static const struct {
		const char *element, *what;
		size_t off, size;
	} fields[] = {
	    {"dbname", "database name", offsetof(struct drover_settings, database),
	     sizeof((struct drover_settings *)0)->database},
	    {"username", "database user", offsetof(struct drover_settings, username),
	     sizeof((struct drover_settings *)0)->username},
	    {"password", "database password", offsetof(struct drover_settings, password),
	     sizeof((struct drover_settings *)0)->password},
	};
	const char *rel = M1_LOCAL_XML;
	const struct tf_xml_node *global, *resources, *conn, *n;
	char host[512], port[32];
	struct tf_xml_doc doc;
	int rc;

	if (tf_xml_parse(b->data, b->len, &doc) != 0) {
		rc = fail(
		    ctx, r, DROVER_E_PARSE, rel, doc.err_line,
		    "cannot read the site's database settings: %s is not well-formed XML (%s); "
		    "fix the file",
		    rel, doc.err);
		goto out;
	}
	global = tf_xml_child(doc.root, "global");
	resources = tf_xml_child(global, "resources");
	conn = tf_xml_path(resources, "default_setup/connection");
	if (conn == NULL) {
		n = resources ? resources : global ? global : doc.root;
		rc = fail(
		    ctx, r, DROVER_E_PARSE, rel, n->line,
		    "cannot read the site's database settings: %s has no "
		    "<global><resources><default_setup><connection>; the site is not installed "
		    "or the file is damaged: restore it from a backup",
		    rel);
		goto out;
	}
	if (tf_xml_text(tf_xml_path(resources, "db/table_prefix"), s->prefix, sizeof s->prefix) !=
	    0) {
		rc = fail(
		    ctx, r, DROVER_E_RANGE, rel, tf_xml_path(resources, "db/table_prefix")->line,
		    "the table prefix in %s is longer than %zu bytes", rel, sizeof s->prefix - 1);
		goto out;
	}
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		n = tf_xml_child(conn, fields[i].element);
		if (tf_xml_text(n, (char *)s + fields[i].off, fields[i].size) != 0) {
			rc =
			    fail(ctx, r, DROVER_E_RANGE, rel, n->line,
			         "the %s in %s is longer than drover holds (%zu bytes): shorten it",
			         fields[i].what, rel, fields[i].size - 1);
			goto out;
		}
	}
	if (s->database[0] == '\0') {
		rc = fail(ctx, r, DROVER_E_PARSE, rel, conn->line,
		          "the database connection in %s has no <dbname>: add it", rel);
		goto out;
	}
	n = tf_xml_child(conn, "port");
	if (tf_xml_text(n, port, sizeof port) != 0) {
		rc = fail(ctx, r, DROVER_E_PARSE, rel, n->line,
		          "the database port in %s is not a port number (1-65535): fix it", rel);
		goto out;
	}
	if (port[0] != '\0' && (rc = parse_port(ctx, r, rel, n->line, port, &s->port)) != 0)
		goto out;
	n = tf_xml_child(conn, "host");
	if (tf_xml_text(n, host, sizeof host) != 0 || host[0] == '\0') {
		rc = fail(ctx, r, DROVER_E_PARSE, rel, n ? n->line : conn->line,
		          "the database connection in %s has %s <host>: fix it", rel,
		          n ? "an empty or overlong" : "no");
		goto out;
	}
	rc = set_host(ctx, r, rel, n->line, host, s);
	if (rc == 0)
		rc = common(s, M1_FILES_PATH);
out:
	wipe(NULL, &doc);
	tf_xml_free(&doc);
	return rc;
}

/* --- Magento 2: app/etc/env.php --------------------------------------------------------------- */

/* The constant value of `key` in the array literal `arr` into buf; "" when the key is absent
 * and not required. */
static int m2_value(struct drover_ctx *ctx, const struct tf_root *r, struct tf_php arr,
                    const char *key, const char *what, int required, char *buf, size_t size,
                    unsigned *line)
{
	const char *rel = M2_ENV_PHP;
	struct tf_php v;
	struct tf_tok t;
	unsigned aline = 0;
	int got, kind;

	buf[0] = '\0';
	got = tf_php_array_get(arr, key, &v, &aline);
	if (line)
		*line = aline;
	if (got == 0 && !required)
		return 0;
	if (got <= 0)
		return fail(ctx, r, DROVER_E_PARSE, rel, aline,
		            "cannot read the site's database settings: the 'default' connection in "
		            "%s has no '%s': add it",
		            rel, key);
	kind = tf_php_scalar(v, buf, size, &t);
	if (line)
		*line = t.line;
	if (kind < 0)
		return fail(ctx, r, DROVER_E_RANGE, rel, t.line,
		            "the %s in %s is longer than drover holds (%zu bytes): shorten it",
		            what, rel, size - 1);
	if (kind == 0)
		return fail(
		    ctx, r, DROVER_E_PARSE, rel, t.line,
		    "the %s ('%s') in %s is not a plain value: drover reads env.php without "
		    "running PHP; write it as a quoted string",
		    what, key, rel);
	if (kind == TF_PHP_CONST)
		buf[0] = '\0'; /* null or false: nothing set */
	return 0;
}

/* The array literal under `key` of the array literal `arr`, which `inside` describes. */
static int m2_array(struct drover_ctx *ctx, const struct tf_root *r, struct tf_php arr,
                    const char *key, const char *inside, struct tf_php *out)
{
	struct tf_php_array a;
	unsigned line = 0;
	int got = tf_php_array_get(arr, key, out, &line);

	if (got == 1 && tf_php_array_open(*out, &a))
		return 0;
	return fail(ctx, r, DROVER_E_PARSE, M2_ENV_PHP, line,
	            "cannot read the site's database settings: in %s, %s %s '%s' array; the site "
	            "is not installed or the file is damaged: restore it from a backup",
	            M2_ENV_PHP, inside, got == 1 ? "holds no" : "has no", key);
}

static int m2_parse(struct drover_ctx *ctx, const struct tf_root *r, const struct tf_buf *b,
                    struct drover_settings *s)
{
	const char *rel = M2_ENV_PHP;
	struct tf_php top, db, connection, def;
	struct tf_php_array a;
	char host[512], port[32];
	unsigned line = 0;
	int rc;

	if (!tf_php_return_value(b->data, b->len, &top) || !tf_php_array_open(top, &a)) {
		rc = fail(ctx, r, DROVER_E_PARSE, rel, 0,
		          "cannot read the site's database settings: %s does not `return [...]`; "
		          "restore it from a backup",
		          rel);
		goto out;
	}
	if ((rc = m2_array(ctx, r, top, "db", "the array " M2_ENV_PHP " returns", &db)) != 0 ||
	    (rc = m2_array(ctx, r, db, "connection", "its 'db' entry", &connection)) != 0 ||
	    (rc = m2_array(ctx, r, connection, "default", "'db' => 'connection'", &def)) != 0)
		goto out;
	if ((rc = m2_value(ctx, r, db, "table_prefix", "table prefix", 0, s->prefix,
	                   sizeof s->prefix, NULL)) != 0 ||
	    (rc = m2_value(ctx, r, def, "dbname", "database name", 1, s->database,
	                   sizeof s->database, &line)) != 0 ||
	    (rc = m2_value(ctx, r, def, "username", "database user", 0, s->username,
	                   sizeof s->username, NULL)) != 0 ||
	    (rc = m2_value(ctx, r, def, "password", "database password", 0, s->password,
	                   sizeof s->password, NULL)) != 0)
		goto out;
	if (s->database[0] == '\0') {
		rc = fail(ctx, r, DROVER_E_PARSE, rel, line,
		          "the 'default' connection in %s has an empty 'dbname': fix it", rel);
		goto out;
	}
	if ((rc = m2_value(ctx, r, def, "port", "database port", 0, port, sizeof port, &line)) !=
	        0 ||
	    (port[0] != '\0' && (rc = parse_port(ctx, r, rel, line, port, &s->port)) != 0))
		goto out;
	if ((rc = m2_value(ctx, r, def, "host", "database host", 1, host, sizeof host, &line)) != 0)
		goto out;
	if (host[0] == '\0') {
		rc = fail(ctx, r, DROVER_E_PARSE, rel, line,
		          "the 'default' connection in %s has an empty 'host': fix it", rel);
		goto out;
	}
	rc = set_host(ctx, r, rel, line, host, s);
	if (rc == 0)
		rc = common(s, M2_FILES_PATH);
out:
	return rc;
}

/* --- the op ----------------------------------------------------------------------------------- */

int mg_settings_parse(struct drover_ctx *ctx, const struct tf_root *r, int gen,
                      const struct tf_buf *b, struct drover_settings *s)
{
	return gen == 1 ? m1_parse(ctx, r, b, s) : m2_parse(ctx, r, b, s);
}

int mg_settings_text(struct drover_ctx *ctx, const struct tf_root *r, int gen, struct tf_buf *b)
{
	const char *rel = gen == 1 ? M1_LOCAL_XML : M2_ENV_PHP;
	int rc = tf_read(ctx, r, rel, b);

	if (rc == DROVER_E_NOTMINE)
		return fail(ctx, r, DROVER_E_NOTFOUND, rel, 0,
		            "cannot read the site's database settings: %s does not exist; the "
		            "Magento site is not installed%s, or the file was removed: restore "
		            "it from a backup",
		            rel, gen == 1 ? "" : " (run `bin/magento setup:install`)");
	return rc;
}

void mg_settings_text_free(struct tf_buf *b)
{
	wipe(b, NULL);
	tf_buf_free(b);
}

int mg_settings(struct drover_ctx *ctx, const struct tf_root *r, int gen, struct drover_settings *s)
{
	struct tf_buf b;
	int rc = mg_settings_text(ctx, r, gen, &b);

	if (rc != 0)
		return rc;
	rc = mg_settings_parse(ctx, r, gen, &b, s);
	mg_settings_text_free(&b);
	return rc;
}

int mg_settings_read(struct drover_ctx *ctx, const struct drover_site *site,
                     struct drover_settings *out)
{
	struct mg_site ms;
	size_t n, skip = offsetof(struct drover_settings, port);
	int rc;

	if (site == NULL || site->root == NULL || out == NULL)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "settings_read called without a site or a result");
	/* Also on a site's files staged without the platform (restore reads them there). */
	rc = mg_site_open(ctx, site, "read the site's settings", 0, &ms);
	if (rc != 0)
		return rc;
	ms.s.struct_size = (uint32_t)sizeof ms.s;
	rc = mg_settings(ctx, &ms.r, ms.gen, &ms.s);
	if (rc == 0) {
		/* Fill only what the caller's struct has room for; its struct_size stays its
		 * own. */
		n = out->struct_size < sizeof ms.s ? out->struct_size : sizeof ms.s;
		if (n > skip)
			memcpy((char *)out + skip, (const char *)&ms.s + skip, n - skip);
	}
	mg_site_close(&ms);
	return rc;
}

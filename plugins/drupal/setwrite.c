/*
 * plugins/drupal/setwrite.c: the settings_write op.
 *
 * settings.php is a program written by people, often with comments, conditions and includes;
 * rewriting its $databases literal in place would mean understanding all of it. PHP runs it top
 * to bottom and a later assignment wins, so drover appends one marked block at the end:
 *
 *   // drover: database credentials (written by drover; replaces earlier values)
 *   $databases['default']['default']['driver'] = 'mysql';
 *   ... database, username, password, host, port
 *   // drover: end of database credentials
 *
 * Every byte before the block stays as it was. The next write removes the block (and the one
 * blank line drover put before it) and appends a new one, so writing twice leaves one block.
 * Other keys of the connection (prefix, collation, init_commands, pdo) keep their values from
 * the earlier assignments. The values are PHP single-quoted strings (\ and ' escaped); control
 * characters are refused, since a line break would let a value end the block. A file that ends
 * outside PHP (a closing ?>) gets the block after an opening <?php, with no text in between
 * that would be sent to browsers.
 *
 * When the driver changes on Drupal 8+, a 'namespace' and 'autoload' naming core's driver
 * ('Drupal\mysql\Driver\Database\mysql', 'core/modules/mysql/src/Driver/Database/mysql/',
 * or 8.x's 'Drupal\Core\Database\Driver\mysql') are switched to the new driver in the block;
 * without them Drupal derives both from 'driver' (Database::parseConnectionInfo()). A
 * contributed driver's namespace is not guessed: the write is refused.
 *
 * Drupal 7's hash salt. drupal_get_hash_salt() (includes/bootstrap.inc) returns
 * empty($drupal_hash_salt) ? hash('sha256', serialize($databases)) : $drupal_hash_salt, and
 * the salt keys one-time login and password reset links (user_pass_rehash()), form tokens
 * (drupal_get_token()) and image style tokens (image_style_path_token()). With an empty salt,
 * new credentials would silently make all of them invalid. So before the first write drover
 * sets $drupal_hash_salt in its own marked block, which it never removes:
 *   - to exactly the salt Drupal derives now, hash('sha256', serialize($databases)), computed
 *     from $databases as settings.php leaves it, when drover knows that value exactly (every
 *     part a literal, no assignment inside a condition, no unset(), no include it could not
 *     read): nothing changes for the site;
 *   - otherwise to a random 43-character salt (what drupal_random_key() makes), with a warning
 *     that existing one-time login links, password reset links and open forms stop working.
 * Drupal 8+ never derives a salt ($settings['hash_salt'] is required), so it is left alone.
 *
 * The new text is evaluated before it is written: settings_read must return exactly the new
 * credentials from it, or nothing is written. Then files.c replaces the file atomically.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "drupal.h"
#include "phpeval.h"

#define MARK_SALT                                                                               \
	"// drover: hash salt (set by drover before it changed the database credentials; keep " \
	"it)"
#define MARK_BEGIN "// drover: database credentials (written by drover; replaces earlier values)"
#define MARK_END   "// drover: end of database credentials"
#define OPENER     "<?php "

/* 1 if PHP code at the end of d is still in PHP mode (no closing ?> after it), so that
 * appended code runs. */
static int d_php_open_at_end(const char *d, size_t n)
{
	size_t e = n;

	while (e > 0 && isspace((unsigned char)d[e - 1]))
		e--;
	if (e >= 2 && d[e - 2] == '?' && d[e - 1] == '>')
		return 0;
	for (size_t i = 0; i + 5 <= n; i++)
		if (d[i] == '<' && strncasecmp(d + i, "<?php", 5) == 0)
			return 1;
	return 0;
}

/* The first line starting with `mark` (or with OPENER and mark) at or after `from`: its start
 * in *ls, and whether OPENER precedes it. -1 if none. */
static long find_line(const char *d, size_t n, size_t from, const char *mark, int *opener)
{
	size_t ml = strlen(mark), ol = strlen(OPENER);

	for (size_t i = from; i + ml <= n; i++) {
		if (d[i] != '/' || memcmp(d + i, mark, ml) != 0)
			continue;
		if (i == 0 || d[i - 1] == '\n') {
			*opener = 0;
			return (long)i;
		}
		if (i >= ol && memcmp(d + i - ol, OPENER, ol) == 0 &&
		    (i == ol || d[i - ol - 1] == '\n')) {
			*opener = 1;
			return (long)(i - ol);
		}
	}
	return -1;
}

/* data without drover's credentials blocks, into out. 0, or the 1-based line of a block that
 * has no end. */
static unsigned strip_blocks(const char *d, size_t n, struct d_buf *out)
{
	size_t cursor = 0;
	long ls;
	int opener;

	while ((ls = find_line(d, n, cursor, MARK_BEGIN, &opener)) >= 0) {
		size_t from = (size_t)ls, end;
		int eo;
		long le = find_line(d, n, (size_t)ls + 1, MARK_END, &eo);

		if (le < 0 || eo)
			return tf_line_at(d, (size_t)ls);
		end = (size_t)le + strlen(MARK_END);
		while (end < n && d[end] != '\n')
			end++;
		if (end < n)
			end++;
		/* The blank line drover puts before a block goes with it. */
		if (!opener && from >= 2 && d[from - 1] == '\n' && d[from - 2] == '\n')
			from--;
		d_buf_add(out, d + cursor, from - cursor);
		cursor = end;
	}
	d_buf_add(out, d + cursor, n - cursor);
	return 0;
}

/* Append a block (its text starts with its marker line) so that it runs as PHP. */
static void append_block(struct d_buf *out, const char *block)
{
	if (d_php_open_at_end(out->p ? out->p : "", out->n)) {
		if (out->n > 0 && out->p[out->n - 1] != '\n')
			d_buf_add(out, "\n", 1);
		d_buf_add(out, "\n", 1);
	} else {
		d_buf_adds(out, OPENER);
	}
	d_buf_adds(out, block);
}

/* ---- the hash salt (Drupal 7) ----------------------------------------------------------- */

/* PHP's empty() of $drupal_hash_salt; an unknown value counts as set. */
static int salt_empty(const struct d_env *env)
{
	const struct pv *v = d_php_var(env, "drupal_hash_salt");

	if (v == NULL)
		return 1;
	switch (v->kind) {
	case V_UNKNOWN: return 0;
	case V_NULL: return 1;
	case V_BOOL:
	case V_INT: return v->i == 0;
	case V_STR: return v->n == 0 || (v->n == 1 && v->s[0] == '0');
	case V_FLOAT: return strtod(v->s, NULL) == 0.0;
	case V_ARRAY: return v->nitems == 0 && !v->partial;
	default: return 0;
	}
}

/* The salt Drupal uses now, or a random one (*derived = 0). */
static int make_salt(struct d_site *s, const struct d_env *env, char *salt, size_t size,
                     int *derived)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const struct pv *db = d_php_var(env, "databases");
	struct d_buf ser = {NULL, 0, 0, 0};
	unsigned char rnd[33];
	size_t got = 0, o = 0;

	*derived = 0;
	if (db != NULL && d_php_var_certain(env, "databases") && d_ser_value(db, &ser) == 0 &&
	    !ser.nomem && size >= 65) {
		d_sha256_hex(ser.p, ser.n, salt);
		*derived = 1;
	}
	if (ser.p != NULL)
		explicit_bzero(ser.p, ser.n);
	d_buf_free(&ser);
	if (*derived)
		return 0;
	/* drupal_random_key(): 32 random bytes, base64 without padding, URL-safe: 43 chars. */
	rnd[32] = 0;
	while (got < 32) {
		ssize_t k = getrandom(rnd + got, 32 - got, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return s->ctx->host->error(s->ctx, DROVER_E_IO, NULL,
			                           "cannot get random bytes for a hash salt: %s",
			                           strerror(errno));
		got += (size_t)k;
	}
	for (size_t i = 0; i < 32 && o + 4 < size; i += 3) {
		unsigned v = (unsigned)rnd[i] << 16 | (unsigned)rnd[i + 1] << 8 |
		             (i + 2 < 32 ? rnd[i + 2] : 0);

		salt[o++] = b64[(v >> 18) & 63];
		salt[o++] = b64[(v >> 12) & 63];
		salt[o++] = b64[(v >> 6) & 63];
		if (i + 2 < 32)
			salt[o++] = b64[v & 63];
	}
	salt[o] = '\0';
	explicit_bzero(rnd, sizeof rnd);
	return 0;
}

/* ---- the driver's namespace (Drupal 8+) ------------------------------------------------- */

/* A core driver's namespace or autoload directory for `from`, rewritten for `to`; 0 or -1 when
 * the value is not core's. */
static int map_driver_path(const char *v, const char *from, const char *to, char *out, size_t size)
{
	static const char *const forms[][2] = {
	    {"Drupal\\Core\\Database\\Driver\\", ""},
	    {"Drupal\\", "\\Driver\\Database\\"},
	    {"core/modules/", "/src/Driver/Database/"},
	};
	char want[256];
	int n;

	while (*v == '\\')
		v++;
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		const char *slash = i == 2 ? "/" : "";

		if (forms[i][1][0] == '\0')
			n = snprintf(want, sizeof want, "%s%s", forms[i][0], from);
		else
			n = snprintf(want, sizeof want, "%s%s%s%s", forms[i][0], from, forms[i][1],
			             from);
		if (n < 0 || (size_t)n >= sizeof want)
			continue;
		if (!(strcmp(v, want) == 0 ||
		      (i == 2 && strncmp(v, want, (size_t)n) == 0 && strcmp(v + n, "/") == 0)))
			continue;
		if (forms[i][1][0] == '\0')
			n = snprintf(out, size, "%s%s", forms[i][0], to);
		else
			n = snprintf(out, size, "%s%s%s%s%s", forms[i][0], to, forms[i][1], to,
			             slash);
		return (n < 0 || (size_t)n >= size) ? -1 : 0;
	}
	return -1;
}

/* The connection as settings.php without drover's block leaves it (never a replica list). */
static int base_connection(struct d_site *s, const struct d_env *env, const struct pv **out)
{
	const struct pv *c =
	    d_php_get(d_php_get(d_php_var(env, "databases"), "default"), "default");

	*out = NULL;
	if (c != NULL && c->kind == V_ARRAY && d_php_get(c, "driver") == NULL && c->nitems > 0 &&
	    c->items[0].val != NULL && c->items[0].val->kind == V_ARRAY)
		return s->ctx->host->error(
		    s->ctx, DROVER_E_NOTSUP, d_php_file(env, c->file),
		    "%s:%u: the default connection of %s is a list of replicas; drover writes "
		    "one connection only: make $databases['default']['default'] a single "
		    "connection, then run drover again",
		    d_php_file(env, c->file), c->line, s->name);
	if (c != NULL && c->kind == V_ARRAY)
		*out = c;
	return 0;
}

static int driver_lines(struct d_site *s, const struct d_env *env, const char *driver,
                        struct d_buf *block)
{
	static const char *const keys[] = {"namespace", "autoload"};
	const struct pv *c, *d;
	char old[64], mapped[512];
	int rc = base_connection(s, env, &c);

	if (rc != 0 || c == NULL || s->gen < 8)
		return rc;
	d = d_php_get(c, "driver");
	if (d == NULL || d->kind != V_STR || tf_copy(old, sizeof old, d->s, d->n) != 0 ||
	    strcmp(old, driver) == 0)
		return 0;
	for (size_t i = 0; i < 2; i++) {
		const struct pv *v = d_php_get(c, keys[i]);

		if (v == NULL || v->kind == V_NULL)
			continue;
		if (v->kind != V_STR || memchr(v->s, '\0', v->n) != NULL ||
		    map_driver_path(v->s, old, driver, mapped, sizeof mapped) != 0)
			return s->ctx->host->error(
			    s->ctx, DROVER_E_NOTSUP, d_php_file(env, v->file),
			    "%s:%u: the connection's '%s' is not core's %s driver, so drover "
			    "cannot "
			    "switch it to %s; set 'driver', '%s' (and 'autoload') for %s in "
			    "settings.php yourself",
			    d_php_file(env, v->file), v->line, keys[i], old, driver, keys[i],
			    driver);
		d_buf_printf(block, "$databases['default']['default']['%s'] = ", keys[i]);
		d_buf_php_str(block, mapped, strlen(mapped));
		d_buf_adds(block, ";\n");
	}
	return 0;
}

/* ---- the op ----------------------------------------------------------------------------- */

#define FITS(st, f) \
	((size_t)(st)->struct_size >= offsetof(struct drover_settings, f) + sizeof(st)->f)

static int check_text(struct drover_ctx *ctx, const char *what, const char *v, size_t size)
{
	const char *end = memchr(v, '\0', size);

	if (end == NULL)
		return ctx->host->error(ctx, DROVER_E_INVAL, what,
		                        "settings_write: the %s is not NUL-terminated", what);
	for (const char *p = v; p < end; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return ctx->host->error(
			    ctx, DROVER_E_INVAL, what,
			    "cannot write the %s into settings.php: it contains a "
			    "control character (byte %d); choose one without",
			    what, (int)(unsigned char)*p);
	return 0;
}

static void field_line(struct d_buf *b, const char *key, const char *v)
{
	d_buf_printf(b, "$databases['default']['default']['%s'] = ", key);
	d_buf_php_str(b, v, strlen(v));
	d_buf_adds(b, ";\n");
}

/* Compare what the new text gives with what was asked for. */
static int verify(struct d_site *s, const char *rel, const struct d_buf *text,
                  const struct drover_settings *in, const char *prefix, const char *salt)
{
	struct drover_settings got;
	struct d_problem pb;
	struct d_env *env = NULL;
	const char *bad = NULL;
	int rc;

	memset(&got, 0, sizeof got);
	rc = d_php_eval_data(s->ctx, s->site, rel, text->p, text->n, &env, &pb);
	if (rc == 0)
		rc = d_settings_fill(env, s->site, &got, &pb);
	if (rc != 0) {
		d_env_free(env);
		return s->ctx->host->error(s->ctx, rc, rel,
		                           "the rewritten %s would not be readable (%s); nothing "
		                           "was written",
		                           rel, pb.msg);
	}
	if (strcmp(got.driver, in->driver) != 0)
		bad = "driver";
	else if (strcmp(got.database, in->database) != 0)
		bad = "database";
	else if (strcmp(got.username, in->username) != 0)
		bad = "username";
	else if (strcmp(got.password, in->password) != 0)
		bad = "password";
	else if (strcmp(got.host, in->host) != 0)
		bad = "host";
	else if (got.port != in->port)
		bad = "port";
	else if (prefix != NULL && strcmp(got.prefix, prefix) != 0)
		bad = "prefix";
	else if (salt != NULL) {
		const struct pv *v = d_php_var(env, "drupal_hash_salt");

		if (v == NULL || v->kind != V_STR || strlen(v->s) != v->n ||
		    strcmp(v->s, salt) != 0)
			bad = "hash salt";
	}
	explicit_bzero(&got, sizeof got);
	d_env_free(env);
	if (bad != NULL)
		return s->ctx->host->error(
		    s->ctx, DROVER_E_FAIL, rel,
		    "cannot write the credentials of %s: with drover's block appended, %s would "
		    "still give another %s (something after the block, or a return before it, "
		    "decides); nothing was written: simplify the end of %s",
		    s->name, rel, bad, rel);
	return 0;
}

int drupal_settings_write(struct drover_ctx *ctx, const struct drover_site *site,
                          const struct drover_settings *in)
{
	struct d_buf base = {NULL, 0, 0, 0}, block = {NULL, 0, 0, 0}, text = {NULL, 0, 0, 0};
	struct drover_settings cur;
	struct d_env *benv = NULL;
	struct d_problem pb;
	struct tf_buf file = {NULL, 0};
	char rel[TF_PATH_MAX], salt[72], port[16];
	const char *prefix = NULL, *new_salt = NULL;
	struct d_site s;
	unsigned bad;
	int rc, derived = 0;

	if (in == NULL || !FITS(in, host))
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "settings_write called without the settings to write");
	if ((rc = check_text(ctx, "database driver", in->driver, sizeof in->driver)) != 0 ||
	    (rc = check_text(ctx, "database name", in->database, sizeof in->database)) != 0 ||
	    (rc = check_text(ctx, "database user", in->username, sizeof in->username)) != 0 ||
	    (rc = check_text(ctx, "database password", in->password, sizeof in->password)) != 0 ||
	    (rc = check_text(ctx, "database host", in->host, sizeof in->host)) != 0)
		return rc;
	if (strcmp(in->driver, "mysql") != 0 && strcmp(in->driver, "sqlite") != 0)
		return ctx->host->error(ctx, DROVER_E_INVAL, in->driver,
		                        "cannot write the database driver '%s': drover writes "
		                        "'mysql' or 'sqlite'",
		                        in->driver);
	if (in->database[0] == '\0' || in->port > 65535)
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "cannot write database settings without a database name, "
		                        "or with the port %u",
		                        (unsigned)in->port);
	rc = d_site_open(ctx, site, "write the settings", D_NEED_SETTINGS, &s);
	if (rc != 0)
		goto out;
	(void)snprintf(rel, sizeof rel, "%s/settings.php", site->site_dir);
	rc = d_file_read(ctx, site->root, rel, &file);
	if (rc != 0)
		goto out;
	bad = strip_blocks(file.data, file.len, &base);
	if (bad != 0) {
		rc =
		    ctx->host->error(ctx, DROVER_E_PARSE, rel,
		                     "%s:%u: drover's credentials block has no end line ('" MARK_END
		                     "'); restore the file or remove the block, then run drover "
		                     "again",
		                     rel, bad);
		goto out;
	}
	if (base.nomem)
		goto nomem;
	/* What the file without drover's block says: the namespace to switch. */
	rc = d_php_eval_data(ctx, site, rel, base.p ? base.p : "", base.n, &benv, &pb);
	if (rc != 0) {
		rc = d_problem_fail(ctx, site->root, &pb);
		goto out;
	}
	/* The prefix the site has now must survive. */
	memset(&cur, 0, sizeof cur);
	memset(&pb, 0, sizeof pb);
	if (d_settings_fill(s.env, site, &cur, &pb) == 0)
		prefix = cur.prefix;
	/* Drupal 7: keep the salt before the credentials it may be derived from change. */
	if (s.gen == 7 && salt_empty(s.env)) {
		rc = make_salt(&s, s.env, salt, sizeof salt, &derived);
		if (rc != 0)
			goto out;
		new_salt = salt;
		d_buf_adds(&block, MARK_SALT "\n$drupal_hash_salt = ");
		d_buf_php_str(&block, salt, strlen(salt));
		d_buf_adds(&block, ";\n");
		append_block(&base, block.p ? block.p : "");
		d_buf_free(&block);
	}
	d_buf_adds(&block, MARK_BEGIN "\n");
	field_line(&block, "driver", in->driver);
	field_line(&block, "database", in->database);
	field_line(&block, "username", in->username);
	field_line(&block, "password", in->password);
	field_line(&block, "host", in->host);
	if (in->port != 0) {
		(void)snprintf(port, sizeof port, "%u", (unsigned)in->port);
		d_buf_printf(&block, "$databases['default']['default']['port'] = %s;\n", port);
	} else {
		field_line(&block, "port", "");
	}
	rc = driver_lines(&s, benv, in->driver, &block);
	if (rc != 0)
		goto out;
	d_buf_adds(&block, MARK_END "\n");
	d_buf_add(&text, base.p ? base.p : "", base.n);
	append_block(&text, block.p ? block.p : "");
	if (text.nomem || block.nomem || base.nomem)
		goto nomem;
	rc = verify(&s, rel, &text, in, prefix, new_salt);
	if (rc == 0)
		rc = d_file_replace(ctx, site->root, rel, text.p, text.n);
	if (rc == 0 && new_salt != NULL && derived)
		ctx->host->log(ctx, DROVER_LOG_INFO,
		               "%s: $drupal_hash_salt was empty, so Drupal derived it from "
		               "$databases; drover wrote that same salt into %s before changing "
		               "the credentials, so logins and links stay valid",
		               s.name, rel);
	else if (rc == 0 && new_salt != NULL)
		ctx->host->log(ctx, DROVER_LOG_WARNING,
		               "%s: $drupal_hash_salt was empty and Drupal derived it from "
		               "$databases, which drover cannot evaluate exactly; drover set a new "
		               "random salt in %s, so existing one-time login and password reset "
		               "links and forms open in browsers no longer work",
		               s.name, rel);
	goto out;
nomem:
	rc = ctx->host->error(ctx, DROVER_E_NOMEM, rel, "out of memory writing %s", rel);
out:
	explicit_bzero(&cur, sizeof cur);
	if (text.p != NULL)
		explicit_bzero(text.p, text.n);
	if (block.p != NULL)
		explicit_bzero(block.p, block.n);
	if (file.data != NULL)
		explicit_bzero(file.data, file.len);
	d_buf_free(&text);
	d_buf_free(&block);
	d_buf_free(&base);
	tf_buf_free(&file);
	d_env_free(benv);
	d_site_close(&s);
	return rc;
}

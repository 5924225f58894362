/*
 * plugins/magento/magento.c: the Magento adapter (Magento 1 / OpenMage and Magento 2).
 *
 * A Magento platform directory runs exactly one site, so DROVER_CAP_MULTISITE stays clear. This
 * file holds probe, what the other ops share (the generation of a tree, warnings), the option
 * table and the descriptor; the other ops live in the files magento.h lists.
 *
 * How a tree is recognised (checked against the Magento and OpenMage sources):
 *   Magento 2   bin/magento, plus app/etc/di.xml (copied into every install, by git or by the
 *               Composer installer from magento/magento2-base) or lib/internal/Magento (git
 *               checkouts) or vendor/magento/magento2-base (Composer installs). Magento itself
 *               takes its version from composer.lock (ProductMetadata::getVersion(): the first
 *               locked package named magento/product-*, else the root package's version when the
 *               root is magento/magento2ce or magento2ee). We follow that, with what Composer
 *               installed as a fallback: composer.lock (product-community-edition, then
 *               product-enterprise-edition), vendor/composer/installed.json (the same, then
 *               magento/magento2-base), vendor/magento/magento2-base/composer.json "version",
 *               and the root composer.json "version" when its name is magento/magento2ce|ee.
 *               The root "version" of a magento/project-*-edition composer.json is not used: it
 *               is free text that often disagrees with what is installed.
 *   Magento 1   app/Mage.php, read for (in this order)
 *               - Maho:     getMahoVersion() { return '24.11.0'; }           -> "maho"
 *               - OpenMage: getOpenMageVersionInfo() returning 'major' => '20', 'minor',
 *                 'patch', 'stability', 'number'; release branches keep the 19.x and 20.x arrays
 *                 side by side and pick one by getOpenMageMajorVersion() { return 20; } (20.1+)
 *                 or `$majorVersion = 20;` (19.4.x/20.0.x); early releases have one array.
 *                 getVersionInfo() stays at 1.9.4.5 for extension compatibility, so it is not
 *                 OpenMage's version.                                          -> "openmage"
 *               - Magento 1.4 to 1.9: getVersionInfo() returning 'major' => '1', 'minor' => '9',
 *                 'revision' => '4', 'patch' => '5', 'stability', 'number'      -> "magento"
 *               - Magento before 1.4.0.0 (1.1.1 .. 1.4.0.0-rc1): getVersion() { return
 *                 '1.3.2.4'; }                                                 -> "magento"
 *               Versions are assembled as the PHP getters do (Mage::getVersion(),
 *               Mage::getOpenMageVersion()).
 * The files are read as text; PHP is never run.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <drover/drover.h>

#include "magento.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.1.0"
#endif

#define M2_LOCK      "composer.lock"
#define M2_BASE_JSON "vendor/magento/magento2-base/composer.json"
#define M2_ROOT_JSON "composer.json"

/* ---------------------------------------------------------------------------------------------
 * Magento 2
 */

/* Report a version found in `rel`, or fail if it is not a Magento 2 release version. */
static int m2_accept(struct drover_ctx *ctx, const struct tf_root *r, const char *rel,
                     const char *what, const char *version, struct drover_probe *out)
{
	char where[TF_PATH_MAX], shown[48];

	if (!tf_version_ok(version, strlen(version)) || tf_version_major(version) != 2)
		return ctx->host->error(
		    ctx, DROVER_E_PARSE, tf_where(where, sizeof where, r->path, rel, 0),
		    "cannot read the Magento 2 version: %s in %s is '%s', not a "
		    "2.x release version; run `composer install` in the platform "
		    "so that %s matches the installed code",
		    what, rel, tf_printable(shown, sizeof shown, version, strlen(version)), rel);
	return tf_probe_fill(ctx, out, "magento", "magento", 2, version);
}

static int m2_json_error(struct drover_ctx *ctx, const struct tf_root *r, const char *rel,
                         const struct tf_buf *b, size_t off)
{
	char where[TF_PATH_MAX];

	return ctx->host->error(
	    ctx, DROVER_E_PARSE,
	    tf_where(where, sizeof where, r->path, rel, tf_line_at(b->data, off)),
	    "cannot read the Magento 2 version: %s is not valid JSON here; "
	    "restore it (run `composer install` for Composer's files)",
	    rel);
}

/* Look for one of `names` in a composer.lock-shaped file. Returns 0 and fills out when found,
 * DROVER_E_NOTMINE when the file or the packages are not there, another code on failure. */
static int m2_from_packages(struct drover_ctx *ctx, const struct tf_root *r, const char *rel,
                            const char *const *names, size_t nnames, struct drover_probe *out)
{
	char version[128], what[160];
	struct tf_buf b;
	size_t which = 0, off = 0;
	int rc, found;

	rc = tf_read(ctx, r, rel, &b);
	if (rc != 0)
		return rc;
	found = tf_json_package_version(b.data, b.len, names, nnames, &which, version,
	                                sizeof version, &off);
	if (found < 0)
		rc = m2_json_error(ctx, r, rel, &b, off);
	else if (found == 0)
		rc = DROVER_E_NOTMINE;
	else {
		int n = snprintf(what, sizeof what, "the version of package %s", names[which]);

		if (n < 0 || (size_t)n >= sizeof what)
			(void)tf_copy(what, sizeof what, "the package version", 19);
		rc = m2_accept(ctx, r, rel, what, version, out);
	}
	tf_buf_free(&b);
	return rc;
}

/* The top-level "version" of a composer.json whose "name" is one of `names`. Same returns. */
static int m2_from_root(struct drover_ctx *ctx, const struct tf_root *r, const char *rel,
                        const char *const *names, size_t nnames, struct drover_probe *out)
{
	struct tfj_root_info ri;
	struct tf_buf b;
	size_t off = 0;
	int rc, named = 0;

	rc = tf_read(ctx, r, rel, &b);
	if (rc != 0)
		return rc;
	if (tf_json_root_info(b.data, b.len, &ri, &off) != 0) {
		rc = m2_json_error(ctx, r, rel, &b, off);
		goto out;
	}
	for (size_t i = 0; i < nnames; i++)
		if (strcmp(ri.name, names[i]) == 0)
			named = 1;
	if (!named || ri.version[0] == '\0')
		rc = DROVER_E_NOTMINE;
	else
		rc = m2_accept(ctx, r, rel, "\"version\"", ri.version, out);
out:
	tf_buf_free(&b);
	return rc;
}

/* bin/magento plus one of the files every Magento 2 tree has (see the top of this file). */
static int m2_markers(struct drover_ctx *ctx, const struct tf_root *r, int *yes)
{
	static const struct {
		const char *rel;
		int kind;
	} markers[] = {
	    {"app/etc/di.xml", TF_FILE},
	    {"lib/internal/Magento", TF_DIR},
	    {"vendor/magento/magento2-base", TF_DIR},
	};
	int rc, kind;

	*yes = 0;
	rc = tf_kind(ctx, r, M2_BIN, &kind);
	if (rc != 0 || kind != TF_FILE)
		return rc;
	for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++) {
		rc = tf_kind(ctx, r, markers[i].rel, &kind);
		if (rc != 0)
			return rc;
		if (kind == markers[i].kind) {
			*yes = 1;
			return 0;
		}
	}
	return 0;
}

static int probe_m2(struct drover_ctx *ctx, const struct tf_root *r, struct drover_probe *out)
{
	static const char *const lock_names[] = {
	    "magento/product-community-edition",
	    "magento/product-enterprise-edition",
	};
	static const char *const installed_names[] = {
	    "magento/product-community-edition",
	    "magento/product-enterprise-edition",
	    "magento/magento2-base",
	};
	static const char *const base_names[] = {"magento/magento2-base"};
	static const char *const root_names[] = {"magento/magento2ce", "magento/magento2ee"};
	int rc, marker;

	rc = m2_markers(ctx, r, &marker);
	if (rc != 0)
		return rc;
	if (!marker)
		return DROVER_E_NOTMINE;

	rc = m2_from_packages(ctx, r, M2_LOCK, lock_names, 2, out);
	if (rc != DROVER_E_NOTMINE)
		return rc;
	rc = m2_from_packages(ctx, r, M2_INSTALLED, installed_names, 3, out);
	if (rc != DROVER_E_NOTMINE)
		return rc;
	rc = m2_from_root(ctx, r, M2_BASE_JSON, base_names, 1, out);
	if (rc != DROVER_E_NOTMINE)
		return rc;
	rc = m2_from_root(ctx, r, M2_ROOT_JSON, root_names, 2, out);
	if (rc != DROVER_E_NOTMINE)
		return rc;
	return ctx->host->error(ctx, DROVER_E_PARSE, r->path,
	                        "cannot read the Magento 2 version: the tree has bin/magento but "
	                        "none of " M2_LOCK " (package magento/product-community-edition or "
	                        "-enterprise-edition), " M2_INSTALLED ", " M2_BASE_JSON
	                        " or a " M2_ROOT_JSON
	                        " of magento/magento2ce with a \"version\" names it; run "
	                        "`composer install` in the platform");
}

/* ---------------------------------------------------------------------------------------------
 * Magento 1, OpenMage, Maho
 */

/* One `'key' => 'value'` set of a version-info array. */
struct m1_info {
	char major[16], minor[16], revision[16], patch[16], stability[32], number[32];
	unsigned line; /* of 'major' */
	int bad;       /* a value was not a short literal */
};

#define M1_MAX_SETS 4

/* PHP's truthiness for the strings we meet: "" and "0" are false. */
static int php_true(const char *s)
{
	return s[0] != '\0' && strcmp(s, "0") != 0;
}

static int digits_only(const char *s, int may_be_empty)
{
	if (*s == '\0')
		return may_be_empty;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* The slot of a version-info key in a set, or NULL if the key is none of ours. */
static char *m1_field(struct m1_info *v, const struct tf_tok *key, size_t *size)
{
	static const struct {
		const char *key;
		size_t off, size;
	} fields[] = {
	    {"major", offsetof(struct m1_info, major), sizeof((struct m1_info *)0)->major},
	    {"minor", offsetof(struct m1_info, minor), sizeof((struct m1_info *)0)->minor},
	    {"revision", offsetof(struct m1_info, revision), sizeof((struct m1_info *)0)->revision},
	    {"patch", offsetof(struct m1_info, patch), sizeof((struct m1_info *)0)->patch},
	    {"stability", offsetof(struct m1_info, stability),
	     sizeof((struct m1_info *)0)->stability},
	    {"number", offsetof(struct m1_info, number), sizeof((struct m1_info *)0)->number},
	};

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (tf_tok_str(key, fields[i].key)) {
			*size = fields[i].size;
			return (char *)v + fields[i].off;
		}
	return NULL;
}

/* Collect the version-info arrays in a function body. A new set starts at each 'major' key, so
 * the two arrays of OpenMage's release branches come out as two sets. Also picks up
 * `$majorVersion = N;` (OpenMage 19.4.x / 20.0.x). */
static size_t m1_sets(struct tf_php body, struct m1_info *sets, int *branch_major)
{
	struct tf_tok key, t, val;
	size_t n = 0;

	tf_php_next(&body, &key);
	while (key.kind != TF_TOK_EOF) {
		char *field, num[8];
		size_t size;

		if (key.kind == TF_TOK_VAR && key.n == 12 &&
		    memcmp(key.s, "majorVersion", 12) == 0) {
			tf_php_next(&body, &t);
			if (!tf_tok_op(&t, "=")) {
				key = t;
				continue;
			}
			tf_php_next(&body, &val);
			if (val.kind == TF_TOK_NUMBER &&
			    tf_copy(num, sizeof num, val.s, val.n) == 0)
				*branch_major = tf_version_major(num);
			tf_php_next(&body, &key);
			continue;
		}
		if (key.kind != TF_TOK_STRING) {
			tf_php_next(&body, &key);
			continue;
		}
		tf_php_next(&body, &t);
		if (!tf_tok_op(&t, "=>")) {
			key = t; /* t may itself start a pair */
			continue;
		}
		tf_php_next(&body, &val);
		if (tf_tok_str(&key, "major")) {
			if (n == M1_MAX_SETS)
				break;
			memset(&sets[n], 0, sizeof sets[n]);
			sets[n].line = key.line;
			n++;
		}
		field = n > 0 ? m1_field(&sets[n - 1], &key, &size) : NULL;
		if (field != NULL && ((val.kind != TF_TOK_STRING && val.kind != TF_TOK_NUMBER) ||
		                      tf_copy(field, size, val.s, val.n) != 0))
			sets[n - 1].bad = 1;
		tf_php_next(&body, &key);
	}
	return n;
}

/* `return N;` in a function body (getOpenMageMajorVersion), or -1. */
static int return_number(struct tf_php body)
{
	struct tf_tok t, val;
	char num[8];

	for (tf_php_next(&body, &t); t.kind != TF_TOK_EOF; tf_php_next(&body, &t)) {
		if (!tf_tok_word(&t, "return"))
			continue;
		tf_php_next(&body, &val);
		if (val.kind != TF_TOK_NUMBER || tf_copy(num, sizeof num, val.s, val.n) != 0)
			return -1;
		return tf_version_major(num);
	}
	return -1;
}

static int m1_parse_error(struct drover_ctx *ctx, const struct tf_root *r, unsigned line,
                          const char *what)
{
	char where[TF_PATH_MAX];

	return ctx->host->error(
	    ctx, DROVER_E_PARSE, tf_where(where, sizeof where, r->path, M1_MAGE, line),
	    "cannot read the Magento 1 / OpenMage version from " M1_MAGE ": %s; "
	    "the file is damaged or modified: restore it from the release this "
	    "platform was built from",
	    what);
}

static int m1_openmage(struct drover_ctx *ctx, const struct tf_root *r, const struct tf_buf *b,
                       struct tf_php body, unsigned fline, struct drover_probe *out)
{
	struct m1_info sets[M1_MAX_SETS];
	const struct m1_info *v = NULL;
	struct tf_php mbody;
	char version[64];
	unsigned mline;
	int branch = -1, n;
	size_t nsets = m1_sets(body, sets, &branch);

	if (tf_php_function(b->data, b->len, "getOpenMageMajorVersion", &mbody, &mline))
		branch = return_number(mbody);
	if (nsets == 1 && branch < 0) {
		v = &sets[0];
	} else {
		for (size_t i = 0; i < nsets; i++)
			if (!sets[i].bad && tf_version_major(sets[i].major) == branch &&
			    digits_only(sets[i].major, 0))
				v = &sets[i];
	}
	if (v == NULL)
		return m1_parse_error(ctx, r, fline,
		                      nsets == 0
		                          ? "getOpenMageVersionInfo() returns no 'major' => ... "
		                            "array"
		                          : "cannot tell which of getOpenMageVersionInfo()'s "
		                            "arrays is this branch's (getOpenMageMajorVersion() "
		                            "or $majorVersion is missing or matches none)");
	if (v->bad || !digits_only(v->major, 0) || !digits_only(v->minor, 0) ||
	    !digits_only(v->patch, 0))
		return m1_parse_error(ctx, r, v->line,
		                      "getOpenMageVersionInfo() does not give plain numbers for "
		                      "'major', 'minor' and 'patch'");
	/* As Mage::getOpenMageVersion(): major.minor.patch[-stability[.number]]. */
	if (php_true(v->stability) && php_true(v->number))
		n = snprintf(version, sizeof version, "%s.%s.%s-%s.%s", v->major, v->minor,
		             v->patch, v->stability, v->number);
	else if (php_true(v->stability) || php_true(v->number))
		n = snprintf(version, sizeof version, "%s.%s.%s-%s%s", v->major, v->minor, v->patch,
		             php_true(v->stability) ? v->stability : "",
		             php_true(v->number) ? v->number : "");
	else
		n = snprintf(version, sizeof version, "%s.%s.%s", v->major, v->minor, v->patch);
	if (n < 0 || (size_t)n >= sizeof version || !tf_version_ok(version, (size_t)n))
		return m1_parse_error(ctx, r, v->line,
		                      "getOpenMageVersionInfo() gives a malformed version");
	return tf_probe_fill(ctx, out, "magento", "openmage", 1, version);
}

/* Strip '.' and '-' from both ends, as PHP's trim($s, '.-') in Mage::getVersion(). */
static void trim_dot_dash(char *s)
{
	size_t len = strlen(s), start = 0;

	while (len > 0 && (s[len - 1] == '.' || s[len - 1] == '-'))
		s[--len] = '\0';
	while (start < len && (s[start] == '.' || s[start] == '-'))
		start++;
	memmove(s, s + start, len - start + 1);
}

static int m1_magento(struct drover_ctx *ctx, const struct tf_root *r, struct tf_php body,
                      unsigned fline, struct drover_probe *out)
{
	struct m1_info sets[M1_MAX_SETS];
	const struct m1_info *v;
	char version[64];
	int branch = -1, n;

	if (m1_sets(body, sets, &branch) == 0)
		return m1_parse_error(ctx, r, fline,
		                      "getVersionInfo() returns no 'major' => ... array");
	v = &sets[0];
	if (v->bad || !digits_only(v->major, 0) || !digits_only(v->minor, 0) ||
	    !digits_only(v->revision, 0) || !digits_only(v->patch, 1))
		return m1_parse_error(ctx, r, v->line,
		                      "getVersionInfo() does not give plain numbers for 'major', "
		                      "'minor', 'revision' and 'patch'");
	/* As Mage::getVersion(): major.minor.revision[.patch]-stabilitynumber, trimmed of '.-'. */
	n = snprintf(version, sizeof version, "%s.%s.%s%s%s-%s%s", v->major, v->minor, v->revision,
	             v->patch[0] ? "." : "", v->patch, v->stability, v->number);
	if (n < 0 || (size_t)n >= sizeof version)
		return m1_parse_error(ctx, r, v->line,
		                      "getVersionInfo() gives an overlong version");
	trim_dot_dash(version);
	if (!tf_version_ok(version, strlen(version)) || tf_version_major(version) != 1)
		return m1_parse_error(ctx, r, v->line,
		                      "getVersionInfo() does not give a 1.x version");
	return tf_probe_fill(ctx, out, "magento", "magento", 1, version);
}

/* `return '<literal>';` of a getter (getMahoVersion, pre-1.4 getVersion). */
static int m1_literal(struct drover_ctx *ctx, const struct tf_root *r, struct tf_php body,
                      unsigned fline, const char *distribution, struct drover_probe *out)
{
	struct tf_tok val;
	char version[64];

	if (!tf_php_return_string(body, &val) || !tf_version_ok(val.s, val.n))
		return m1_parse_error(ctx, r, fline,
		                      strcmp(distribution, "maho") == 0
		                          ? "getMahoVersion() does not return a quoted version"
		                          : "getVersion() does not return a quoted version");
	(void)tf_copy(version, sizeof version, val.s, val.n); /* fits: tf_version_ok checked */
	if (strcmp(distribution, "magento") == 0 && tf_version_major(version) != 1)
		return m1_parse_error(ctx, r, val.line,
		                      "getVersion() does not return a 1.x version");
	return tf_probe_fill(ctx, out, "magento", distribution, 1, version);
}

static int probe_m1(struct drover_ctx *ctx, const struct tf_root *r, struct drover_probe *out)
{
	struct tf_buf b;
	struct tf_php body;
	unsigned fline = 0;
	int rc;

	rc = tf_read(ctx, r, M1_MAGE, &b);
	if (rc != 0)
		return rc; /* DROVER_E_NOTMINE when there is no app/Mage.php */
	if (tf_php_function(b.data, b.len, "getMahoVersion", &body, &fline))
		rc = m1_literal(ctx, r, body, fline, "maho", out);
	else if (tf_php_function(b.data, b.len, "getOpenMageVersionInfo", &body, &fline))
		rc = m1_openmage(ctx, r, &b, body, fline, out);
	else if (tf_php_function(b.data, b.len, "getVersionInfo", &body, &fline))
		rc = m1_magento(ctx, r, body, fline, out);
	else if (tf_php_function(b.data, b.len, "getVersion", &body, &fline))
		rc = m1_literal(ctx, r, body, fline, "magento", out);
	else
		rc = m1_parse_error(ctx, r, 0,
		                    "it defines none of getOpenMageVersionInfo(), getVersionInfo() "
		                    "or getVersion()");
	tf_buf_free(&b);
	return rc;
}

static int magento_probe(struct drover_ctx *ctx, const char *root, struct drover_probe *out)
{
	static const tf_probe_fn probes[] = {probe_m2, probe_m1, NULL};
	int rc = tf_probe_each(ctx, root, out, probes);

	/* The line is the generation: a Magento 1 site cannot move to Magento 2 by a migrate
	 * (that takes Magento's data migration tool), and every 1.x / OpenMage / Maho release
	 * upgrades a 1.x database in place. An older core's struct may end before `line`. */
	if (rc == 0 && out->struct_size >= offsetof(struct drover_probe, line) + sizeof(out->line))
		out->line = out->generation;
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * What the other ops share
 */

int mg_generation(struct drover_ctx *ctx, const struct tf_root *r, int *gen)
{
	int rc, yes, kind;

	rc = m2_markers(ctx, r, &yes);
	if (rc != 0)
		return rc;
	if (yes) {
		*gen = 2;
		return 0;
	}
	rc = tf_kind(ctx, r, M1_MAGE, &kind);
	if (rc != 0)
		return rc;
	if (kind != TF_FILE)
		return DROVER_E_NOTMINE;
	*gen = 1;
	return 0;
}

int mg_not_magento(struct drover_ctx *ctx, const char *root, const char *what)
{
	return ctx->host->error(ctx, DROVER_E_INVAL, root,
	                        "cannot %s: %s is not a Magento platform (it has neither "
	                        "bin/magento with app/etc/di.xml nor app/Mage.php); check the "
	                        "platform path",
	                        what, root);
}

int mg_open(struct drover_ctx *ctx, const char *root, const char *what, struct tf_root *r, int *gen)
{
	int rc = tf_root_open(ctx, root, r);

	if (rc != 0)
		return rc;
	rc = mg_generation(ctx, r, gen);
	if (rc == DROVER_E_NOTMINE)
		rc = mg_not_magento(ctx, root, what);
	if (rc != 0)
		tf_root_close(r);
	return rc;
}

void mg_warn(struct drover_ctx *ctx, int quiet, const char *rel, unsigned line, const char *fmt,
             ...)
{
	char msg[768];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	if (line > 0)
		ctx->host->log(ctx, quiet ? DROVER_LOG_DEBUG : DROVER_LOG_WARNING, "%s:%u: %s", rel,
		               line, msg);
	else
		ctx->host->log(ctx, quiet ? DROVER_LOG_DEBUG : DROVER_LOG_WARNING, "%s: %s", rel,
		               msg);
}

int mg_read_pkg(struct drover_ctx *ctx, const struct tf_root *r, int quiet, const char *rel,
                struct tf_buf *b)
{
	char path[TF_PATH_MAX];
	struct stat st;

	b->data = NULL;
	b->len = 0;
	if (fstatat(r->fd, rel, &st, 0) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return DROVER_E_NOTMINE;
		return ctx->host->error(ctx, DROVER_E_IO, tf_path(path, sizeof path, r->path, rel),
		                        "cannot look at %s: %s; make the platform readable by the "
		                        "user drover runs as",
		                        rel, strerror(errno));
	}
	/* What tf_read would refuse as an error is, for one package's file, a damaged package:
	 * say so and go on with the others. */
	if (!S_ISREG(st.st_mode)) {
		mg_warn(ctx, quiet, rel, 0, "not a regular file; the package is skipped");
		return 1;
	}
	if (st.st_size < 0 || (uintmax_t)st.st_size > TF_MAX_FILE) {
		mg_warn(ctx, quiet, rel, 0,
		        "%jd bytes, more than such a file can have; the package is skipped",
		        (intmax_t)st.st_size);
		return 1;
	}
	return tf_read(ctx, r, rel, b);
}

int mg_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}

char *mg_strndup(const char *s, size_t n)
{
	char *copy = malloc(n + 1);

	if (copy != NULL) {
		memcpy(copy, s, n);
		copy[n] = '\0';
	}
	return copy;
}

int mg_word_ok(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return 0;
	return n > 0 && n < max;
}

static int magento_packages(struct drover_ctx *ctx, const char *root, drover_package_cb cb,
                            void *arg)
{
	struct tf_root r;
	int rc, gen;

	if (cb == NULL)
		return ctx->host->error(ctx, DROVER_E_INVAL, root,
		                        "packages called without a callback");
	rc = mg_open(ctx, root, "list packages", &r, &gen);
	if (rc != 0)
		return rc;
	rc = gen == 1 ? m1_packages(ctx, &r, cb, arg) : m2_packages(ctx, &r, cb, arg);
	tf_root_close(&r);
	return rc;
}

/* The configuration the adapter reads (adapters: { magento: { ... } }), for update_run. */
static const struct drover_option options[] = {
    {MG_OPT_UPDATE_COMMAND, DROVER_OPT_STRING, 0, 0, 0, "",
     "command that applies a site's pending updates instead of the built-in way; split on "
     "spaces, {root} and {site} replaced, run in the platform root"},
    {MG_OPT_PHP, DROVER_OPT_STRING, 0, 0, 0, "php",
     "the PHP command-line binary the built-in updaters run (looked up in PATH)"},
    {MG_OPT_TIMEOUT, DROVER_OPT_INT, 0, 1, 86400, "3600",
     "seconds each update command may run before it is killed"},
    {MG_OPT_M1_RUNNER, DROVER_OPT_STRING, DROVER_OPT_PATH, 0, 0, NULL,
     "the Magento 1 update runner script; default: m1-update.php installed with drover"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const struct drover_ops ops = {
    DROVER_OPS_INIT,
    .probe = magento_probe,
    .packages = magento_packages,
    .settings_read = mg_settings_read,
    .settings_write = mg_settings_write,
    .site_schema = mg_site_schema,
    .site_paths = mg_site_paths,
    .cache_tables = mg_cache_tables,
    .maintenance = mg_maintenance,
    .update_run = mg_update_run,
    .cache_clear = mg_cache_clear,
    .fixup = mg_fixup,
    .health = mg_health,
};

/* A Magento platform directory runs one site: no DROVER_CAP_MULTISITE. */
DROVER_ADAPTER_DEFINE(magento, .version = PACKAGE_VERSION, .vendor = "drover project",
                      .license = "GPL-2.0-or-later",
                      .description = "Magento 1, OpenMage and Magento 2 platforms and sites",
                      .caps = DROVER_CAP_PACKAGES | DROVER_CAP_SETTINGS_READ |
                              DROVER_CAP_SETTINGS_WRITE | DROVER_CAP_SITE_SCHEMA |
                              DROVER_CAP_SITE_PATHS | DROVER_CAP_CACHE_TABLES |
                              DROVER_CAP_MAINTENANCE | DROVER_CAP_UPDATE | DROVER_CAP_CACHE_CLEAR |
                              DROVER_CAP_FIXUP | DROVER_CAP_HEALTH,
                      .ops = &ops, .options = options);

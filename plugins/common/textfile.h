/*
 * plugins/common/textfile.h: small, bounded readers shared by the shipped adapters.
 *
 * Each adapter is one shared object built from one .c file, so these helpers are `static inline`
 * and compiled into each adapter separately; nothing here is exported. They read a platform's
 * files without running PHP: open relative to the platform root, refuse anything that is not a
 * regular file or is larger than TF_MAX_FILE, and parse just enough PHP and JSON text to find a
 * version. Every failure is reported through ctx->host->error() with the file (and line when
 * known), so the caller can simply return the code.
 */
#ifndef DROVER_PLUGINS_TEXTFILE_H
#define DROVER_PLUGINS_TEXTFILE_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <drover/drover.h>

/* The largest file we read. Version files are tens of kilobytes; a Magento composer.lock is
 * about one megabyte. Anything bigger is not what we expect, and reading it whole would only
 * cost memory. */
#define TF_MAX_FILE (8u * 1024u * 1024u)

/* Room for "<root>/<relative path>:<line>" in messages; longer ones fall back to the relative
 * path, which still names the file inside the platform. */
#define TF_PATH_MAX 4096

/* ---------------------------------------------------------------------------------------------
 * Paths and the platform root
 */

struct tf_root {
	int fd;           /* the platform root, opened as a directory */
	const char *path; /* as the core gave it; borrowed */
};

/* "<root>/<rel>" into buf; the relative path alone if that does not fit. */
static inline const char *tf_path(char *buf, size_t size, const char *root, const char *rel)
{
	size_t n = strlen(root);
	const char *sep = (n > 0 && root[n - 1] == '/') ? "" : "/";
	int len = snprintf(buf, size, "%s%s%s", root, sep, rel);

	if (len < 0 || (size_t)len >= size)
		return rel;
	return buf;
}

/* "<root>/<rel>:<line>" (or without ":<line>" when line is 0) for host->error's `where`. */
static inline const char *tf_where(char *buf, size_t size, const char *root, const char *rel,
                                   unsigned line)
{
	char path[TF_PATH_MAX];
	const char *p = tf_path(path, sizeof path, root, rel);
	int len;

	if (line == 0)
		len = snprintf(buf, size, "%s", p);
	else
		len = snprintf(buf, size, "%s:%u", p, line);
	if (len < 0 || (size_t)len >= size)
		return rel;
	return buf;
}

static inline int tf_root_open(struct drover_ctx *ctx, const char *root, struct tf_root *r)
{
	r->fd = -1;
	r->path = root;
	if (root == NULL || root[0] == '\0')
		return ctx->host->error(ctx, DROVER_E_INVAL, NULL,
		                        "cannot probe: no platform directory was given");
	r->fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->fd >= 0)
		return 0;
	if (errno == ENOENT || errno == ENOTDIR)
		return ctx->host->error(ctx, DROVER_E_NOTFOUND, root,
		                        "cannot probe %s: %s; check the platform path", root,
		                        strerror(errno));
	return ctx->host->error(ctx, DROVER_E_IO, root,
	                        "cannot open the platform directory %s: %s; make it readable by "
	                        "the user drover runs as",
	                        root, strerror(errno));
}

static inline void tf_root_close(struct tf_root *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/* One generation's probe on an open root. */
typedef int (*tf_probe_fn)(struct drover_ctx *ctx, const struct tf_root *r,
                           struct drover_probe *out);

/* An adapter's probe op: try each generation's probe in order (NULL-terminated) until one does
 * not answer DROVER_E_NOTMINE. */
static inline int tf_probe_each(struct drover_ctx *ctx, const char *root, struct drover_probe *out,
                                const tf_probe_fn *probes)
{
	struct tf_root r;
	int rc;

	if (out == NULL)
		return ctx->host->error(ctx, DROVER_E_INVAL, root, "probe called without a result");
	rc = tf_root_open(ctx, root, &r);
	if (rc != 0)
		return rc;
	rc = DROVER_E_NOTMINE;
	for (; *probes && rc == DROVER_E_NOTMINE; probes++)
		rc = (*probes)(ctx, &r, out);
	tf_root_close(&r);
	return rc;
}

#define TF_ABSENT 0
#define TF_FILE   1
#define TF_DIR    2
#define TF_OTHER  3

/* What `rel` is under the root, following symbolic links (platforms often symlink shared
 * directories). A missing path, or one whose parent is not a directory, is TF_ABSENT; a path we
 * are not allowed to look at is an error, not "absent", so that a permission problem is never
 * mistaken for a foreign tree. */
static inline int tf_kind(struct drover_ctx *ctx, const struct tf_root *r, const char *rel,
                          int *kind)
{
	struct stat st;
	char path[TF_PATH_MAX];

	*kind = TF_ABSENT;
	if (fstatat(r->fd, rel, &st, 0) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return ctx->host->error(ctx, DROVER_E_IO, tf_path(path, sizeof path, r->path, rel),
		                        "cannot look at %s: %s; make the platform readable by the "
		                        "user drover runs as",
		                        rel, strerror(errno));
	}
	if (S_ISREG(st.st_mode))
		*kind = TF_FILE;
	else if (S_ISDIR(st.st_mode))
		*kind = TF_DIR;
	else
		*kind = TF_OTHER;
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Reading a whole (small) file
 */

struct tf_buf {
	char *data; /* NUL-terminated; may also contain NUL bytes before len */
	size_t len;
};

static inline void tf_buf_free(struct tf_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

/* Read `rel` under the root into b. Returns DROVER_E_NOTMINE, without calling host->error, when
 * the file does not exist (the caller decides what a missing file means); any other failure is
 * recorded and returned. */
static inline int tf_read(struct drover_ctx *ctx, const struct tf_root *r, const char *rel,
                          struct tf_buf *b)
{
	char path[TF_PATH_MAX];
	const char *where = tf_path(path, sizeof path, r->path, rel);
	struct stat st;
	size_t cap, len = 0;
	char *data;
	int fd, rc = 0;

	b->data = NULL;
	b->len = 0;
	/* O_NONBLOCK: a FIFO planted where a version file should be must not hang the probe. */
	fd = openat(r->fd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return DROVER_E_NOTMINE;
		return ctx->host->error(
		    ctx, DROVER_E_IO, where,
		    "cannot open %s: %s; make the platform readable by the user "
		    "drover runs as",
		    rel, strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		rc = ctx->host->error(ctx, DROVER_E_IO, where, "cannot stat %s: %s", rel,
		                      strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = ctx->host->error(
		    ctx, DROVER_E_IO, where,
		    "%s is not a regular file; replace it with the file shipped by "
		    "the CMS",
		    rel);
		goto out;
	}
	if (st.st_size < 0 || (uintmax_t)st.st_size > TF_MAX_FILE) {
		rc = ctx->host->error(
		    ctx, DROVER_E_RANGE, where,
		    "refusing to read %s: it has %jd bytes, more than the %u bytes "
		    "such a file can reasonably have; check that it is the file the "
		    "CMS ships",
		    rel, (intmax_t)st.st_size, TF_MAX_FILE);
		goto out;
	}
	/* One byte more than the size: the file may grow while we read, and we need room for the
	 * terminating NUL anyway. */
	cap = (size_t)st.st_size + 1;
	data = malloc(cap);
	if (data == NULL) {
		rc = ctx->host->error(ctx, DROVER_E_NOMEM, where, "out of memory reading %s", rel);
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap * 2;
			char *nd;

			if (cap > TF_MAX_FILE) {
				free(data);
				rc = ctx->host->error(
				    ctx, DROVER_E_RANGE, where,
				    "refusing to read %s: it grew past %u bytes while "
				    "being read; try again when nothing writes to it",
				    rel, TF_MAX_FILE);
				goto out;
			}
			if (ncap > (size_t)TF_MAX_FILE + 2)
				ncap = (size_t)TF_MAX_FILE + 2;
			nd = realloc(data, ncap);
			if (nd == NULL) {
				free(data);
				rc = ctx->host->error(ctx, DROVER_E_NOMEM, where,
				                      "out of memory reading %s", rel);
				goto out;
			}
			data = nd;
			cap = ncap;
		}
		n = read(fd, data + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(data);
			rc = ctx->host->error(ctx, DROVER_E_IO, where, "cannot read %s: %s", rel,
			                      strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	/* The loop reads only with room left, so len < cap here and the NUL fits. */
	if (len > TF_MAX_FILE) {
		free(data);
		rc = ctx->host->error(ctx, DROVER_E_RANGE, where,
		                      "refusing to read %s: it grew past %u bytes while being read",
		                      rel, TF_MAX_FILE);
		goto out;
	}
	data[len] = '\0';
	b->data = data;
	b->len = len;
out:
	close(fd);
	return rc;
}

/* 1-based line number of byte offset `off` in data. */
static inline unsigned tf_line_at(const char *data, size_t off)
{
	unsigned line = 1;

	for (size_t i = 0; i < off; i++)
		if (data[i] == '\n')
			line++;
	return line;
}

/* ---------------------------------------------------------------------------------------------
 * Versions
 */

/* A plausible version: starts with a digit, then digits, letters and . - + _ only, and fits
 * drover_probe.core_version. Rejects empty values, placeholders and anything with spaces or
 * quotes that a damaged file could produce. */
static inline int tf_version_ok(const char *s, size_t n)
{
	if (n == 0 || n >= 64 || s[0] < '0' || s[0] > '9')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '.' || c == '-' || c == '+' || c == '_'))
			return 0;
	}
	return 1;
}

/* The leading number of a version ("10" of "10.3.1"), or -1 if it has none or it is absurd. */
static inline int tf_version_major(const char *s)
{
	int v = 0, digits = 0;

	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (++digits > 4)
			return -1;
	}
	return digits ? v : -1;
}

/* Copy n bytes of s into a NUL-terminated buffer; 0 if it fits, -1 if not (buffer left empty). */
static inline int tf_copy(char *buf, size_t size, const char *s, size_t n)
{
	if (size == 0)
		return -1;
	if (n >= size) {
		buf[0] = '\0';
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

/* A short, printable rendering of file content for messages, which must stay one line of text:
 * bytes outside printable ASCII become '?', and more than 40 bytes are cut with "...". */
static inline const char *tf_printable(char *buf, size_t size, const char *s, size_t n)
{
	size_t i, max = size > 4 ? size - 4 : 0;

	if (max > 40)
		max = 40;
	for (i = 0; i < n && i < max; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < n && size >= 4) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	if (size > 0)
		buf[i < size ? i : size - 1] = '\0';
	return buf;
}

/* Fill the probe result, writing only the fields that lie within out->struct_size. */
static inline int tf_probe_fill(struct drover_ctx *ctx, struct drover_probe *out, const char *cms,
                                const char *distribution, uint32_t generation, const char *version)
{
#define TF_FITS(field) \
	((size_t)out->struct_size >= offsetof(struct drover_probe, field) + sizeof(out->field))
	int n;

	if (TF_FITS(generation))
		out->generation = generation;
	if (TF_FITS(cms)) {
		n = snprintf(out->cms, sizeof out->cms, "%s", cms);
		if (n < 0 || (size_t)n >= sizeof out->cms)
			return ctx->host->error(ctx, DROVER_E_RANGE, NULL,
			                        "CMS name '%s' does not fit the probe result", cms);
	}
	if (TF_FITS(distribution)) {
		n = snprintf(out->distribution, sizeof out->distribution, "%s", distribution);
		if (n < 0 || (size_t)n >= sizeof out->distribution)
			return ctx->host->error(
			    ctx, DROVER_E_RANGE, NULL,
			    "distribution name '%s' does not fit the probe result", distribution);
	}
	if (TF_FITS(core_version)) {
		n = snprintf(out->core_version, sizeof out->core_version, "%s", version);
		if (n < 0 || (size_t)n >= sizeof out->core_version)
			return ctx->host->error(ctx, DROVER_E_RANGE, NULL,
			                        "version '%s' does not fit the probe result",
			                        version);
	}
	return 0;
#undef TF_FITS
}

/* ---------------------------------------------------------------------------------------------
 * A PHP tokenizer: just enough to find constants, define() calls, array literals and function
 * bodies without being fooled by comments, strings or heredocs. It never executes anything and
 * never fails: malformed input simply ends the token stream.
 */

#define TF_TOK_EOF    0
#define TF_TOK_IDENT  1 /* names, keywords and namespaced names (Foo\Bar) */
#define TF_TOK_STRING 2 /* '...', "...", `...`, heredoc and nowdoc; s/n is the raw body */
#define TF_TOK_NUMBER 3
#define TF_TOK_VAR    4 /* $name; s/n is the name without '$' */
#define TF_TOK_OP     5 /* punctuation and operators */

struct tf_tok {
	int kind;
	const char *s;
	size_t n;
	unsigned line;
};

struct tf_php {
	const char *p, *end;
	unsigned line;
};

static inline void tf_php_init(struct tf_php *lx, const char *data, size_t len)
{
	lx->p = data;
	lx->end = data + len;
	lx->line = 1;
}

static inline int tf_php_identc(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c >= 0x80;
}

/* Skip whitespace and comments, counting lines. */
static inline void tf_php_skip(struct tf_php *lx)
{
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == '\n') {
			lx->line++;
			lx->p++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			lx->p++;
		} else if ((c == '#' && !(lx->p + 1 < lx->end && lx->p[1] == '[')) ||
		           (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '/')) {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
			lx->p += 2;
			while (lx->p < lx->end &&
			       !(*lx->p == '*' && lx->p + 1 < lx->end && lx->p[1] == '/')) {
				if (*lx->p == '\n')
					lx->line++;
				lx->p++;
			}
			lx->p = (lx->p < lx->end) ? lx->p + 2 : lx->end;
		} else {
			return;
		}
	}
}

/* A heredoc or nowdoc starting at lx->p ("<<<"). Returns 1 and the body in tok, or 0 if this is
 * not one (then "<<<" is left to be read as operators). */
static inline int tf_php_heredoc(struct tf_php *lx, struct tf_tok *tok)
{
	const char *q = lx->p + 3, *label, *body;
	size_t llen;
	char quote = 0;

	while (q < lx->end && (*q == ' ' || *q == '\t'))
		q++;
	if (q < lx->end && (*q == '\'' || *q == '"'))
		quote = *q++;
	label = q;
	while (q < lx->end && tf_php_identc((unsigned char)*q))
		q++;
	llen = (size_t)(q - label);
	if (llen == 0 || (label[0] >= '0' && label[0] <= '9'))
		return 0;
	if (quote) {
		if (q >= lx->end || *q != quote)
			return 0;
		q++;
	}
	if (q < lx->end && *q == '\r')
		q++;
	if (q >= lx->end || *q != '\n')
		return 0;
	body = ++q;
	tok->kind = TF_TOK_STRING;
	tok->s = body;
	tok->line = lx->line;
	lx->line++;
	/* The closing label starts a line, possibly indented (PHP 7.3+), and is not followed by a
	 * name character. */
	while (q < lx->end) {
		const char *ls = q, *t = q;

		while (t < lx->end && (*t == ' ' || *t == '\t'))
			t++;
		if ((size_t)(lx->end - t) >= llen && memcmp(t, label, llen) == 0 &&
		    (t + llen == lx->end || !tf_php_identc((unsigned char)t[llen]))) {
			tok->n = (size_t)(ls - body);
			lx->p = t + llen;
			return 1;
		}
		while (q < lx->end && *q != '\n')
			q++;
		if (q < lx->end) {
			q++;
			lx->line++;
		}
	}
	tok->n = (size_t)(lx->end - body);
	lx->p = lx->end;
	return 1;
}

static inline void tf_php_next(struct tf_php *lx, struct tf_tok *tok)
{
	/* "?\?=" spells the ?? assignment operator without forming a C trigraph. */
	static const char *const ops3[] = {"===", "!==", "<=>", "**=", "...", "<<=", ">>=", "?\?="};
	static const char *const ops2[] = {"=>", "->", "::", "==", "!=", "<>", "<=", ">=", "&&",
	                                   "||", "++", "--", "+=", "-=", "*=", "/=", ".=", "%=",
	                                   "&=", "|=", "^=", "<<", ">>", "??", "**"};
	const char *s;
	size_t left;

	tf_php_skip(lx);
	tok->line = lx->line;
	tok->s = lx->p;
	tok->n = 0;
	if (lx->p >= lx->end) {
		tok->kind = TF_TOK_EOF;
		return;
	}
	s = lx->p;
	left = (size_t)(lx->end - s);
	if (*s == '\'' || *s == '"' || *s == '`') {
		char quote = *s;
		const char *q = s + 1;
		unsigned lines = 0;

		while (q < lx->end && *q != quote) {
			if (*q == '\\' && q + 1 < lx->end)
				q++;
			if (*q == '\n')
				lines++;
			q++;
		}
		tok->kind = TF_TOK_STRING;
		tok->s = s + 1;
		tok->n = (size_t)(q - (s + 1));
		lx->line += lines;
		lx->p = (q < lx->end) ? q + 1 : lx->end;
		return;
	}
	if (left >= 3 && memcmp(s, "<<<", 3) == 0 && tf_php_heredoc(lx, tok))
		return;
	if (*s == '$' && left > 1 && tf_php_identc((unsigned char)s[1]) &&
	    !(s[1] >= '0' && s[1] <= '9')) {
		const char *q = s + 1;

		while (q < lx->end && tf_php_identc((unsigned char)*q))
			q++;
		tok->kind = TF_TOK_VAR;
		tok->s = s + 1;
		tok->n = (size_t)(q - (s + 1));
		lx->p = q;
		return;
	}
	if (*s >= '0' && *s <= '9') {
		const char *q = s;

		while (q < lx->end && (tf_php_identc((unsigned char)*q) || *q == '.'))
			q++;
		tok->kind = TF_TOK_NUMBER;
		tok->n = (size_t)(q - s);
		lx->p = q;
		return;
	}
	if (tf_php_identc((unsigned char)*s) || *s == '\\') {
		const char *q = s;

		while (q < lx->end && (tf_php_identc((unsigned char)*q) || *q == '\\'))
			q++;
		tok->kind = TF_TOK_IDENT;
		tok->n = (size_t)(q - s);
		lx->p = q;
		return;
	}
	tok->kind = TF_TOK_OP;
	for (size_t i = 0; i < sizeof ops3 / sizeof ops3[0]; i++)
		if (left >= 3 && memcmp(s, ops3[i], 3) == 0) {
			tok->n = 3;
			lx->p += 3;
			return;
		}
	for (size_t i = 0; i < sizeof ops2 / sizeof ops2[0]; i++)
		if (left >= 2 && memcmp(s, ops2[i], 2) == 0) {
			tok->n = 2;
			lx->p += 2;
			return;
		}
	tok->n = 1;
	lx->p += 1;
}

/* Token tests. PHP keywords and function names are case-insensitive; constant names, array keys
 * and operators are compared exactly. */
static inline int tf_tok_word(const struct tf_tok *t, const char *w)
{
	return t->kind == TF_TOK_IDENT && strlen(w) == t->n && strncasecmp(t->s, w, t->n) == 0;
}

static inline int tf_tok_op(const struct tf_tok *t, const char *op)
{
	return t->kind == TF_TOK_OP && strlen(op) == t->n && memcmp(t->s, op, t->n) == 0;
}

static inline int tf_tok_str(const struct tf_tok *t, const char *s)
{
	return t->kind == TF_TOK_STRING && strlen(s) == t->n && memcmp(t->s, s, t->n) == 0;
}

static inline int tf_tok_ident(const struct tf_tok *t, const char *s)
{
	return t->kind == TF_TOK_IDENT && strlen(s) == t->n && memcmp(t->s, s, t->n) == 0;
}

/* Find `function <name>` (case-insensitive, as PHP resolves it) and set body to the tokens
 * between its braces. Returns 1 if found, 0 if not; *line gets the line of `function`. A
 * declaration without a body (abstract, interface) is skipped. */
static inline int tf_php_function(const char *data, size_t len, const char *name,
                                  struct tf_php *body, unsigned *line)
{
	struct tf_php lx;
	struct tf_tok t;
	int after_function = 0;

	tf_php_init(&lx, data, len);
	for (tf_php_next(&lx, &t); t.kind != TF_TOK_EOF; tf_php_next(&lx, &t)) {
		unsigned fline;
		int depth;

		if (!after_function) {
			after_function = tf_tok_word(&t, "function");
			continue;
		}
		after_function = 0;
		if (tf_tok_op(&t, "&")) /* function &name() returns by reference */
			tf_php_next(&lx, &t);
		if (!tf_tok_word(&t, name))
			continue;
		fline = t.line;
		/* Parameters and return type, up to the body or a ';'. Parentheses first: a default
		 * value could contain braces only inside strings, which are single tokens. */
		do
			tf_php_next(&lx, &t);
		while (t.kind != TF_TOK_EOF && !tf_tok_op(&t, "{") && !tf_tok_op(&t, ";"));
		if (!tf_tok_op(&t, "{"))
			continue;
		body->p = lx.p;
		body->line = lx.line;
		*line = fline;
		depth = 1;
		for (;;) {
			tf_php_next(&lx, &t);
			if (t.kind == TF_TOK_EOF) {
				body->end = lx.end;
				return 1;
			}
			if (tf_tok_op(&t, "{"))
				depth++;
			else if (tf_tok_op(&t, "}") && --depth == 0) {
				body->end = t.s;
				return 1;
			}
		}
	}
	return 0;
}

/* In a function body, the literal of the first `return '<literal>';`. Returns 1 and the token if
 * found. */
static inline int tf_php_return_string(struct tf_php body, struct tf_tok *val)
{
	struct tf_tok t;

	for (tf_php_next(&body, &t); t.kind != TF_TOK_EOF; tf_php_next(&body, &t)) {
		if (!tf_tok_word(&t, "return"))
			continue;
		tf_php_next(&body, val);
		if (val->kind != TF_TOK_STRING)
			return 0;
		tf_php_next(&body, &t);
		return tf_tok_op(&t, ";");
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * A JSON walker: just enough to read top-level string members of composer.json and the name and
 * version of each package in composer.lock / vendor/composer/installed.json. It checks the
 * structure it walks (strings, brackets, separators) and reports the offset of the first thing
 * it cannot make sense of.
 */

struct tf_json {
	const char *p, *end, *start;
};

static inline void tfj_ws(struct tf_json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static inline int tfj_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A string at j->p (which must be '"'). Decoded into out (if not NULL); *fits is cleared when it
 * did not fit (the decoded prefix is kept). \u escapes outside ASCII become '?': the names and
 * versions we look for are ASCII. Returns 0, or -1 on malformed input. */
static inline int tfj_string(struct tf_json *j, char *out, size_t size, int *fits)
{
	size_t n = 0;

	if (fits)
		*fits = 1;
	if (j->p >= j->end || *j->p != '"')
		return -1;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		char c = *j->p++;

		if ((unsigned char)c < 0x20)
			return -1;
		if (c == '\\') {
			if (j->p >= j->end)
				return -1;
			c = *j->p++;
			switch (c) {
			case '"':
			case '\\':
			case '/': break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				int v = 0;

				if (j->end - j->p < 4)
					return -1;
				for (int i = 0; i < 4; i++) {
					int h = tfj_hex(j->p[i]);

					if (h < 0)
						return -1;
					v = v * 16 + h;
				}
				j->p += 4;
				c = (v > 0 && v < 0x80) ? (char)v : '?';
				break;
			}
			default: return -1;
			}
		}
		if (out) {
			if (n + 1 < size)
				out[n++] = c;
			else if (fits)
				*fits = 0;
		}
	}
	if (j->p >= j->end)
		return -1;
	j->p++;
	if (out && size > 0)
		out[n] = '\0';
	return 0;
}

/* Skip one value of any kind. Iterative, so deep nesting costs no stack. */
static inline int tfj_skip(struct tf_json *j)
{
	size_t depth = 0;

	do {
		tfj_ws(j);
		if (j->p >= j->end)
			return -1;
		switch (*j->p) {
		case '"':
			if (tfj_string(j, NULL, 0, NULL) != 0)
				return -1;
			break;
		case '{':
		case '[':
			depth++;
			j->p++;
			break;
		case '}':
		case ']':
			if (depth == 0)
				return -1;
			depth--;
			j->p++;
			break;
		case ',':
		case ':':
			if (depth == 0)
				return -1;
			j->p++;
			break;
		default: {
			const char *s = j->p;

			while (j->p < j->end &&
			       ((*j->p >= '0' && *j->p <= '9') || (*j->p >= 'a' && *j->p <= 'z') ||
			        *j->p == '-' || *j->p == '+' || *j->p == '.' || *j->p == 'E'))
				j->p++;
			if (j->p == s)
				return -1;
			break;
		}
		}
	} while (depth > 0);
	return 0;
}

/* Walk the members of an object at j->p ('{'), calling fn for each key with j->p at its value;
 * fn must consume the value. Returns 0, -1 on malformed input, or fn's non-zero result. */
typedef int (*tfj_member_fn)(struct tf_json *j, const char *key, void *arg);

static inline int tfj_object(struct tf_json *j, tfj_member_fn fn, void *arg)
{
	char key[64];
	int fits, rc;

	tfj_ws(j);
	if (j->p >= j->end || *j->p != '{')
		return -1;
	j->p++;
	tfj_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		tfj_ws(j);
		if (tfj_string(j, key, sizeof key, &fits) != 0)
			return -1;
		tfj_ws(j);
		if (j->p >= j->end || *j->p != ':')
			return -1;
		j->p++;
		tfj_ws(j);
		/* A key too long for the buffer is none of ours: give the callback "" instead. */
		rc = fn(j, fits ? key : "", arg);
		if (rc != 0)
			return rc;
		tfj_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return 0;
		}
		return -1;
	}
}

/* A string value into out if the value is a string that fits; otherwise skip it. */
static inline int tfj_take_string(struct tf_json *j, char *out, size_t size)
{
	int fits;

	tfj_ws(j);
	if (j->p < j->end && *j->p == '"') {
		if (tfj_string(j, out, size, &fits) != 0)
			return -1;
		if (!fits)
			out[0] = '\0';
		return 0;
	}
	out[0] = '\0';
	return tfj_skip(j);
}

/* --- top-level "name" and "version" of a composer.json ---------------------------------- */

struct tfj_root_info {
	char name[128];
	char version[128];
};

static inline int tfj_root_member(struct tf_json *j, const char *key, void *arg)
{
	struct tfj_root_info *ri = arg;

	if (strcmp(key, "name") == 0)
		return tfj_take_string(j, ri->name, sizeof ri->name);
	if (strcmp(key, "version") == 0)
		return tfj_take_string(j, ri->version, sizeof ri->version);
	return tfj_skip(j);
}

/* Returns 0, or -1 with *err_off set on malformed input. */
static inline int tf_json_root_info(const char *data, size_t len, struct tfj_root_info *ri,
                                    size_t *err_off)
{
	struct tf_json j = {data, data + len, data};

	ri->name[0] = ri->version[0] = '\0';
	if (tfj_object(&j, tfj_root_member, ri) != 0) {
		*err_off = (size_t)(j.p - data);
		return -1;
	}
	return 0;
}

/* --- a package's version in composer.lock / installed.json ------------------------------- */

struct tfj_pkg_search {
	const char *const *names; /* wanted package names, most preferred first */
	size_t nnames;
	size_t best;        /* index into names of the best match so far; nnames if none */
	char version[128];  /* its version */
	char cur_name[256]; /* the package being read */
	char cur_version[128];
};

static inline int tfj_pkg_member(struct tf_json *j, const char *key, void *arg)
{
	struct tfj_pkg_search *ps = arg;

	if (strcmp(key, "name") == 0)
		return tfj_take_string(j, ps->cur_name, sizeof ps->cur_name);
	if (strcmp(key, "version") == 0)
		return tfj_take_string(j, ps->cur_version, sizeof ps->cur_version);
	return tfj_skip(j);
}

/* An array of package objects; non-objects are skipped. */
static inline int tfj_pkg_array(struct tf_json *j, struct tfj_pkg_search *ps)
{
	tfj_ws(j);
	if (j->p >= j->end || *j->p != '[')
		return -1;
	j->p++;
	tfj_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		tfj_ws(j);
		if (j->p < j->end && *j->p == '{') {
			ps->cur_name[0] = ps->cur_version[0] = '\0';
			if (tfj_object(j, tfj_pkg_member, ps) != 0)
				return -1;
			/* Package names are lower case by Composer's rules; compare as such. */
			for (size_t i = 0; i < ps->nnames && i < ps->best; i++)
				if (strcasecmp(ps->cur_name, ps->names[i]) == 0) {
					ps->best = i;
					memcpy(ps->version, ps->cur_version, sizeof ps->version);
					break;
				}
		} else if (tfj_skip(j) != 0) {
			return -1;
		}
		tfj_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return 0;
		}
		return -1;
	}
}

static inline int tfj_lock_member(struct tf_json *j, const char *key, void *arg)
{
	/* "packages" in composer.lock and in Composer 2's installed.json; "packages-dev" holds
	 * development tools, never the CMS itself. */
	if (strcmp(key, "packages") == 0)
		return tfj_pkg_array(j, arg);
	return tfj_skip(j);
}

/* Search composer.lock or installed.json (Composer 2: {"packages": [...]}, Composer 1: [...])
 * for the first of `names` present. Returns 1 with *which and version filled, 0 if none is
 * there, -1 with *err_off set on malformed input. */
static inline int tf_json_package_version(const char *data, size_t len, const char *const *names,
                                          size_t nnames, size_t *which, char *version, size_t vsize,
                                          size_t *err_off)
{
	struct tf_json j = {data, data + len, data};
	struct tfj_pkg_search ps;
	int rc;

	memset(&ps, 0, sizeof ps);
	ps.names = names;
	ps.nnames = nnames;
	ps.best = nnames;
	tfj_ws(&j);
	if (j.p < j.end && *j.p == '[')
		rc = tfj_pkg_array(&j, &ps);
	else
		rc = tfj_object(&j, tfj_lock_member, &ps);
	if (rc != 0) {
		*err_off = (size_t)(j.p - data);
		return -1;
	}
	if (ps.best == nnames)
		return 0;
	*which = ps.best;
	if (tf_copy(version, vsize, ps.version, strlen(ps.version)) != 0)
		version[0] = '\0';
	return 1;
}

#endif /* DROVER_PLUGINS_TEXTFILE_H */

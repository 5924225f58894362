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

/* ---------------------------------------------------------------------------------------------
 * Quiet reads: for enumerations that must log a bad file and go on (packages), or that report
 * through their own message (settings). Nothing here calls host->error.
 */

/* Read `path` (relative to the directory `dirfd`, or absolute) into b. Returns 0;
 * DROVER_E_NOTFOUND if it does not exist; DROVER_E_INVAL if it is not a regular file;
 * DROVER_E_RANGE if it is larger than TF_MAX_FILE; DROVER_E_NOMEM; or DROVER_E_IO with *err_no
 * set. tf_slurp_why() turns the result into words for a message. */
static inline int tf_slurp_at(int dirfd, const char *path, struct tf_buf *b, int *err_no)
{
	struct stat st;
	size_t cap, len = 0;
	char *data;
	int fd, rc = 0;

	b->data = NULL;
	b->len = 0;
	*err_no = 0;
	/* O_NONBLOCK: a FIFO with a package file's name must not hang the scan. */
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		*err_no = errno;
		return (errno == ENOENT || errno == ENOTDIR) ? DROVER_E_NOTFOUND : DROVER_E_IO;
	}
	if (fstat(fd, &st) != 0) {
		*err_no = errno;
		close(fd);
		return DROVER_E_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return DROVER_E_INVAL;
	}
	if ((uintmax_t)st.st_size > TF_MAX_FILE) {
		close(fd);
		return DROVER_E_RANGE;
	}
	/* One byte more than the size, so that a file growing while we read is noticed. */
	cap = (size_t)st.st_size + 2;
	data = malloc(cap);
	if (data == NULL) {
		close(fd);
		return DROVER_E_NOMEM;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			rc = DROVER_E_RANGE; /* grew while being read: try again later */
			break;
		}
		n = read(fd, data + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*err_no = errno;
			rc = DROVER_E_IO;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (rc != 0) {
		free(data);
		return rc;
	}
	data[len] = '\0';
	b->data = data;
	b->len = len;
	return 0;
}

/* Words for a tf_slurp_at() result, for "cannot read X: <why>". */
static inline const char *tf_slurp_why(int rc, int err_no)
{
	switch (rc) {
	case DROVER_E_NOTFOUND: return "no such file";
	case DROVER_E_INVAL: return "not a regular file";
	case DROVER_E_RANGE: return "larger than 8 MiB, or growing while read";
	case DROVER_E_NOMEM: return "out of memory";
	default: return err_no ? strerror(err_no) : "input/output error";
	}
}

/* ---------------------------------------------------------------------------------------------
 * A strict reader of PHP's serialize() format, for values CMSs keep in their databases
 * (`i:8001;`, `s:5:"hello";`, `a:2:{i:0;s:1:"a";i:1;s:1:"b";}`). It streams tokens, checks
 * every length against the buffer, limits nesting, and refuses objects and references: nothing
 * in it trusts the data.
 */

#define TF_UNSER_DEPTH 32

#define TF_UNSER_INT   1 /* i: value in i */
#define TF_UNSER_STR   2 /* s: bytes in s/n (not NUL-terminated; may contain NUL) */
#define TF_UNSER_BOOL  3 /* b: value in i */
#define TF_UNSER_NULL  4 /* N */
#define TF_UNSER_FLOAT 5 /* d: text in s/n */
#define TF_UNSER_ARRAY 6 /* a: start of an array of i pairs; then 2*i values, then END */
#define TF_UNSER_END   7 /* end of the innermost array */

struct tf_unser {
	const char *p, *end, *start;
	const char *why; /* set when tf_unser_next returns -1 */
	unsigned depth;
	int done;                      /* the top-level value has been read */
	uint64_t left[TF_UNSER_DEPTH]; /* values still to read in each open array */
};

struct tf_uval {
	int kind;
	int64_t i;
	const char *s;
	size_t n;
};

static inline void tf_unser_init(struct tf_unser *u, const char *data, size_t len)
{
	memset(u, 0, sizeof *u);
	u->p = u->start = data;
	u->end = data + len;
}

/* Digits up to `stop` as an unsigned number; at most 19 digits. Returns 0 or -1. */
static inline int tfu_digits(struct tf_unser *u, char stop, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0;

	while (u->p < u->end && *u->p >= '0' && *u->p <= '9') {
		if (++n > 19)
			return -1;
		v = v * 10 + (uint64_t)(*u->p++ - '0');
	}
	if (n == 0 || u->p >= u->end || *u->p != stop)
		return -1;
	u->p++;
	*out = v;
	return 0;
}

static inline int tfu_fail(struct tf_unser *u, const char *why)
{
	u->why = why;
	return -1;
}

/* The next token. Returns 1 with *v filled, 0 after the last token when nothing but the end of
 * the data follows, -1 on malformed data (u->why says what, u->p - u->start where). */
static inline int tf_unser_next(struct tf_unser *u, struct tf_uval *v)
{
	uint64_t n;
	int key_slot;
	char tag;

	memset(v, 0, sizeof *v);
	if (u->depth > 0 && u->left[u->depth - 1] == 0) {
		if (u->p >= u->end || *u->p != '}')
			return tfu_fail(u, "an array holds more values than its count says");
		u->p++;
		u->depth--;
		if (u->depth == 0)
			u->done = 1;
		v->kind = TF_UNSER_END;
		return 1;
	}
	if (u->depth == 0 && u->done) {
		if (u->p != u->end)
			return tfu_fail(u, "data follows the serialized value");
		return 0;
	}
	if (u->p + 2 > u->end)
		return tfu_fail(u, "the data ends inside a value");
	/* Inside an array, values alternate key, value; a key is an integer or a string. */
	key_slot = u->depth > 0 && (u->left[u->depth - 1] % 2) == 0;
	tag = *u->p;
	if (key_slot && tag != 'i' && tag != 's')
		return tfu_fail(u, "an array key is neither an integer nor a string");
	if (tag == 'N') {
		if (u->p[1] != ';')
			return tfu_fail(u, "malformed null");
		u->p += 2;
		v->kind = TF_UNSER_NULL;
	} else {
		if (u->p[1] != ':')
			return tfu_fail(u,
			                "unknown or unsupported type (objects and references are "
			                "not read)");
		u->p += 2;
		switch (tag) {
		case 'i': {
			int neg = 0;

			if (u->p < u->end && (*u->p == '-' || *u->p == '+'))
				neg = *u->p++ == '-';
			if (tfu_digits(u, ';', &n) != 0 || n > (uint64_t)INT64_MAX)
				return tfu_fail(u, "malformed integer");
			v->kind = TF_UNSER_INT;
			v->i = neg ? -(int64_t)n : (int64_t)n;
			break;
		}
		case 'b':
			if (tfu_digits(u, ';', &n) != 0 || n > 1)
				return tfu_fail(u, "malformed boolean");
			v->kind = TF_UNSER_BOOL;
			v->i = (int64_t)n;
			break;
		case 'd': {
			const char *s = u->p;

			while (u->p < u->end && *u->p != ';' && u->p - s < 64)
				u->p++;
			if (u->p >= u->end || *u->p != ';' || u->p == s)
				return tfu_fail(u, "malformed float");
			v->kind = TF_UNSER_FLOAT;
			v->s = s;
			v->n = (size_t)(u->p - s);
			u->p++;
			break;
		}
		case 's':
			if (tfu_digits(u, ':', &n) != 0)
				return tfu_fail(u, "malformed string length");
			if (u->p >= u->end || *u->p != '"')
				return tfu_fail(u, "malformed string");
			u->p++;
			/* Three bytes must follow the string: '"', ';' and nothing else. */
			if (n > (uint64_t)(u->end - u->p) || (uint64_t)(u->end - u->p) - n < 2)
				return tfu_fail(u, "a string is longer than the data");
			v->kind = TF_UNSER_STR;
			v->s = u->p;
			v->n = (size_t)n;
			u->p += n;
			if (u->p[0] != '"' || u->p[1] != ';')
				return tfu_fail(u, "a string does not end where its length says");
			u->p += 2;
			break;
		case 'a':
			if (tfu_digits(u, ':', &n) != 0 || u->p >= u->end || *u->p != '{')
				return tfu_fail(u, "malformed array");
			u->p++;
			/* Each pair takes at least six bytes ("i:0;N;"). */
			if (n > (uint64_t)(u->end - u->p) / 6)
				return tfu_fail(u, "an array count is larger than the data");
			if (u->depth >= TF_UNSER_DEPTH)
				return tfu_fail(u, "arrays nested too deeply");
			break;
		default:
			return tfu_fail(u,
			                "unknown or unsupported type (objects and references are "
			                "not read)");
		}
	}
	if (u->depth > 0)
		u->left[u->depth - 1]--;
	if (tag == 'a') {
		u->left[u->depth++] = n * 2;
		v->kind = TF_UNSER_ARRAY;
		v->i = (int64_t)n;
		return 1;
	}
	if (u->depth == 0)
		u->done = 1;
	return 1;
}

/* Skip the rest of a value whose first token `v` was just read (a whole array if it started
 * one). Returns 0 or -1. */
static inline int tf_unser_skip(struct tf_unser *u, const struct tf_uval *v)
{
	unsigned depth;
	struct tf_uval t;

	if (v->kind != TF_UNSER_ARRAY)
		return 0;
	depth = u->depth;
	while (u->depth >= depth) {
		if (tf_unser_next(u, &t) != 1)
			return -1;
	}
	return 0;
}

/* =============================================================================================
 * Added for the Magento adapter (usable by any adapter): name lists and sorted directory
 * listings, PHP's version_compare(), a small XML reader, PHP array literals (return [...]) and
 * installed.json packages with their autoload files.
 */

#include <dirent.h>
#include <stdarg.h>

/* ---------------------------------------------------------------------------------------------
 * Name lists and directory listings
 *
 * A growable list of malloc'd strings, and a sorted listing of one directory of the platform.
 * Listings skip names that start with '.', as PHP's glob('*') does, and are sorted bytewise (as
 * glob() sorts in the C locale), so that whatever the CMS resolves "in glob order" we resolve in
 * the same order.
 */

struct tf_names {
	char **v;
	size_t n, cap;
};

static inline void tf_names_free(struct tf_names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Append a copy of the n bytes at s. 0, or -1 when out of memory. */
static inline int tf_names_add(struct tf_names *l, const char *s, size_t n)
{
	char *copy;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		char **nv = realloc(l->v, ncap * sizeof *nv);

		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	copy = malloc(n + 1);
	if (copy == NULL)
		return -1;
	memcpy(copy, s, n);
	copy[n] = '\0';
	l->v[l->n++] = copy;
	return 0;
}

static inline int tf_names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static inline void tf_names_sort(struct tf_names *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof l->v[0], tf_names_cmp);
}

/* Index of s in l (linear), or -1. */
static inline long tf_names_find(const struct tf_names *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return (long)i;
	return -1;
}

/* Kinds for tf_dir_names' mask. */
#define TF_WANT_FILE (1u << TF_FILE)
#define TF_WANT_DIR  (1u << TF_DIR)

/* The entries of directory `rel` (relative to the root) whose kind is in `want`, sorted. Symbolic
 * links are followed, as tf_kind does, and dangling ones left out. Uses readdir's d_type and
 * stats only entries whose type it does not give. Returns DROVER_E_NOTMINE, without calling
 * host->error, when the directory does not exist; other failures are recorded and returned. On
 * failure `out` is left empty. */
static inline int tf_dir_names(struct drover_ctx *ctx, const struct tf_root *r, const char *rel,
                               unsigned want, struct tf_names *out)
{
	char path[TF_PATH_MAX];
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	memset(out, 0, sizeof *out);
	fd = openat(r->fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return DROVER_E_NOTMINE;
		return ctx->host->error(
		    ctx, DROVER_E_IO, tf_path(path, sizeof path, r->path, rel),
		    "cannot open directory %s: %s; make the platform readable by "
		    "the user drover runs as",
		    rel, strerror(errno));
	}
	d = fdopendir(fd);
	if (d == NULL) {
		rc = ctx->host->error(ctx, DROVER_E_IO, tf_path(path, sizeof path, r->path, rel),
		                      "cannot read directory %s: %s", rel, strerror(errno));
		close(fd);
		return rc;
	}
	for (;;) {
		int kind;

		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				rc = ctx->host->error(
				    ctx, DROVER_E_IO, tf_path(path, sizeof path, r->path, rel),
				    "cannot read directory %s: %s", rel, strerror(errno));
			break;
		}
		if (de->d_name[0] == '.')
			continue;
		switch (de->d_type) {
		case DT_REG: kind = TF_FILE; break;
		case DT_DIR: kind = TF_DIR; break;
		case DT_LNK:
		case DT_UNKNOWN: {
			struct stat st;

			if (fstatat(dirfd(d), de->d_name, &st, 0) != 0)
				continue; /* dangling link or gone meanwhile: not there */
			kind = S_ISREG(st.st_mode)   ? TF_FILE
			       : S_ISDIR(st.st_mode) ? TF_DIR
			                             : TF_OTHER;
			break;
		}
		default: kind = TF_OTHER; break;
		}
		if (!(want & (1u << kind)))
			continue;
		if (tf_names_add(out, de->d_name, strlen(de->d_name)) != 0) {
			rc = ctx->host->error(ctx, DROVER_E_NOMEM,
			                      tf_path(path, sizeof path, r->path, rel),
			                      "out of memory listing %s", rel);
			break;
		}
	}
	closedir(d); /* closes fd */
	if (rc != 0)
		tf_names_free(out);
	else
		tf_names_sort(out);
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Version comparison with PHP's version_compare() rules, which Magento uses to decide whether a
 * setup resource needs updates: '-', '_' and '+' separate parts like '.', a change between digits
 * and letters starts a new part, numbers compare as numbers, and words order as
 * (anything else) < dev < alpha = a < beta = b < RC = rc < (number) < pl = p. A missing part
 * compares as "#": "1.0" < "1.0.0", "1.0beta" < "1.0".
 */

/* Canonical form of a version as PHP builds it, into buf (truncated to fit). */
static inline void tfv_canon(const char *v, char *buf, size_t size)
{
#define TFV_DIG(c)   ((c) >= '0' && (c) <= '9')
#define TFV_ALNUM(c) (TFV_DIG(c) || ((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
	size_t n = 0;
	char lp;

	if (size == 0)
		return;
	if (*v == '\0' || size < 2) {
		buf[0] = '\0';
		return;
	}
	buf[n++] = lp = *v++;
	for (; *v && n + 2 < size; lp = *v++) {
		char c = *v;

		if (c == '-' || c == '_' || c == '+') {
			if (buf[n - 1] != '.')
				buf[n++] = '.';
		} else if ((!TFV_DIG(lp) && lp != '.' && TFV_DIG(c)) ||
		           (TFV_DIG(lp) && !TFV_DIG(c) && c != '.')) {
			if (buf[n - 1] != '.')
				buf[n++] = '.';
			buf[n++] = c;
		} else if (!TFV_ALNUM(c)) {
			if (buf[n - 1] != '.')
				buf[n++] = '.';
		} else {
			buf[n++] = c;
		}
	}
	buf[n] = '\0';
#undef TFV_ALNUM
}

/* Order of a non-numeric part: PHP's special forms, matched by prefix as PHP does. */
static inline int tfv_special(const char *s, size_t n)
{
	static const struct {
		const char *name;
		int order;
	} forms[] = {{"dev", 0}, {"alpha", 1}, {"a", 1}, {"beta", 2}, {"b", 2},
	             {"RC", 3},  {"rc", 3},    {"#", 4}, {"pl", 5},   {"p", 5}};

	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		size_t fl = strlen(forms[i].name);

		if (n >= fl && strncmp(s, forms[i].name, fl) == 0)
			return forms[i].order;
	}
	return -6;
}

static inline int tfv_part_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int ad = an > 0 && TFV_DIG(a[0]), bd = bn > 0 && TFV_DIG(b[0]);

	if (ad && bd) {
		/* Compare as numbers of any length: skip leading zeros, then length, then digits. */
		while (an > 1 && a[0] == '0')
			a++, an--;
		while (bn > 1 && b[0] == '0')
			b++, bn--;
		if (an != bn)
			return an < bn ? -1 : 1;
		for (size_t i = 0; i < an; i++)
			if (a[i] != b[i])
				return a[i] < b[i] ? -1 : 1;
		return 0;
	} else {
		int oa = ad ? 4 : tfv_special(a, an), ob = bd ? 4 : tfv_special(b, bn);

		return oa < ob ? -1 : oa > ob ? 1 : 0;
	}
}

/* -1, 0 or 1 as PHP's version_compare(a, b). */
static inline int tf_version_cmp(const char *a, const char *b)
{
	char ca[128], cb[128];
	const char *p, *q;
	int c = 0;

	tfv_canon(a, ca, sizeof ca);
	tfv_canon(b, cb, sizeof cb);
	p = ca;
	q = cb;
	while (*p && *q && c == 0) {
		size_t pn = strcspn(p, "."), qn = strcspn(q, ".");

		c = tfv_part_cmp(p, pn, q, qn);
		p += pn;
		q += qn;
		if (*p == '.')
			p++;
		if (*q == '.')
			q++;
	}
	if (c == 0) {
		if (*p)
			c = TFV_DIG(*p) ? 1 : tfv_part_cmp(p, strcspn(p, "."), "#", 1);
		else if (*q)
			c = TFV_DIG(*q) ? -1 : tfv_part_cmp("#", 1, q, strcspn(q, "."));
	}
	return c;
}
#undef TFV_DIG

/* ---------------------------------------------------------------------------------------------
 * A small XML reader for configuration files (Magento's local.xml, config.xml, module.xml).
 *
 * It builds a tree of elements and text in one go: elements with attributes, character data
 * (CDATA sections included, line ends normalised to "\n"), the entities &lt; &gt; &amp; &quot;
 * &apos; and numeric references. Comments, processing instructions and a DOCTYPE without an
 * internal subset are skipped; a DOCTYPE with one is refused, so no entity is ever expanded.
 * Anything not well-formed stops the parse with a reason and a line number. Bounded: at most
 * TF_XML_MAX_DEPTH nested elements and TF_XML_MAX_NODES nodes; no recursion.
 */

#define TF_XML_MAX_DEPTH 256
#define TF_XML_MAX_NODES (1u << 20)

struct tf_xml_attr {
	const char *name, *value;
};

struct tf_xml_node {
	const char *name; /* element name; NULL for a text node */
	const char *text; /* text node: its character data, NUL-terminated; NULL for elements */
	size_t text_len;
	const struct tf_xml_node *parent, *first, *next; /* first child, next sibling */
	const struct tf_xml_attr *attrs;
	uint32_t nattrs;
	unsigned line; /* where it starts */
	/* While parsing: indexes, turned into the pointers above when the tree is complete. */
	size_t i_parent, i_first, i_last, i_next, i_name, i_text, i_attrs;
};

struct tf_xml_doc {
	const struct tf_xml_node *root; /* the document element */
	struct tf_xml_node *nodes;
	size_t nnodes, capnodes;
	struct tf_xml_attr *attrs;
	size_t *attr_off; /* while parsing: name and value offsets, two per attribute */
	size_t nattrs, capattrs;
	char *strs;
	size_t nstrs, capstrs;
	unsigned err_line; /* where parsing stopped */
	char err[160];     /* why, when tf_xml_parse failed */
};

#define TFX_NONE ((size_t)-1)

static inline void tf_xml_free(struct tf_xml_doc *doc)
{
	free(doc->nodes);
	free(doc->attrs);
	free(doc->attr_off);
	free(doc->strs);
	memset(doc, 0, sizeof *doc);
}

struct tfx {
	struct tf_xml_doc *doc;
	const char *p, *end;
	unsigned line;
};

static inline int tfx_fail(struct tfx *x, const char *fmt, ...) DROVER_PRINTF(2, 3);
static inline int tfx_fail(struct tfx *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(x->doc->err, sizeof x->doc->err, fmt, ap);
	va_end(ap);
	if (n < 0)
		x->doc->err[0] = '\0';
	x->doc->err_line = x->line;
	return -1;
}

static inline int tfx_grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *nv;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 64;
	while (ncap < need)
		ncap *= 2;
	nv = realloc(*v, ncap * elem);
	if (nv == NULL)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* Make room for n more string bytes. */
static inline int tfx_strs_room(struct tfx *x, size_t n)
{
	struct tf_xml_doc *d = x->doc;

	if (tfx_grow((void **)&d->strs, &d->capstrs, d->nstrs + n, 1) != 0)
		return tfx_fail(x, "out of memory");
	return 0;
}

static inline int tfx_namec(unsigned char c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80)
		return 1;
	return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

static inline int tfx_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline void tfx_skip_space(struct tfx *x)
{
	while (x->p < x->end && tfx_space(*x->p)) {
		if (*x->p == '\n')
			x->line++;
		x->p++;
	}
}

/* A name at x->p, stored as a string; its offset into *off. */
static inline int tfx_name(struct tfx *x, size_t *off)
{
	const char *s = x->p;
	size_t n;

	if (x->p >= x->end || !tfx_namec((unsigned char)*x->p, 1))
		return tfx_fail(x, "a name was expected here");
	while (x->p < x->end && tfx_namec((unsigned char)*x->p, 0))
		x->p++;
	n = (size_t)(x->p - s);
	if (tfx_strs_room(x, n + 1) != 0)
		return -1;
	*off = x->doc->nstrs;
	memcpy(x->doc->strs + x->doc->nstrs, s, n);
	x->doc->nstrs += n;
	x->doc->strs[x->doc->nstrs++] = '\0';
	return 0;
}

/* Append one code point as UTF-8 to the strings (room already made: 4 bytes at most). */
static inline void tfx_put_utf8(struct tf_xml_doc *d, unsigned long cp)
{
	char *o = d->strs + d->nstrs;

	if (cp < 0x80) {
		o[0] = (char)cp;
		d->nstrs += 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		d->nstrs += 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		d->nstrs += 3;
	} else {
		o[0] = (char)(0xf0 | (cp >> 18));
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[3] = (char)(0x80 | (cp & 0x3f));
		d->nstrs += 4;
	}
}

/* An entity reference at x->p ('&'), decoded onto the strings. */
static inline int tfx_entity(struct tfx *x)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
	const char *s = x->p + 1, *semi;
	char shown[16];
	size_t n;

	semi = memchr(s, ';', (size_t)(x->end - s) < 12 ? (size_t)(x->end - s) : 12);
	if (semi == NULL)
		return tfx_fail(x, "'&' starts no entity reference; write it as &amp;");
	n = (size_t)(semi - s);
	if (tfx_strs_room(x, 4) != 0)
		return -1;
	if (n >= 2 && s[0] == '#') {
		unsigned long cp = 0;
		int hex = s[1] == 'x', digits = 0;

		for (size_t i = hex ? 2 : 1; i < n; i++) {
			int v = tfj_hex(s[i]);

			if (v < 0 || (!hex && v > 9))
				return tfx_fail(x, "malformed character reference");
			cp = cp * (hex ? 16u : 10u) + (unsigned long)v;
			if (cp > 0x10ffff)
				return tfx_fail(x, "character reference out of range");
			digits++;
		}
		if (digits == 0 ||
		    !(cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
		      (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000))
			return tfx_fail(x, "character reference to a character XML does not allow");
		tfx_put_utf8(x->doc, cp);
		x->p = semi + 1;
		return 0;
	}
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (strlen(named[i].name) == n && memcmp(s, named[i].name, n) == 0) {
			x->doc->strs[x->doc->nstrs++] = named[i].c;
			x->p = semi + 1;
			return 0;
		}
	return tfx_fail(x, "unknown entity &%s;", tf_printable(shown, sizeof shown, s, n));
}

/* Character data up to the next '<' (or an attribute value up to `quote`), decoded onto the
 * strings. Line ends become "\n"; in attribute values whitespace becomes ' ', as XML says. */
static inline int tfx_chars(struct tfx *x, char quote)
{
	while (x->p < x->end && *x->p != (quote ? quote : '<')) {
		char c = *x->p;

		if (c == '&') {
			if (tfx_entity(x) != 0)
				return -1;
			continue;
		}
		if (quote && c == '<')
			return tfx_fail(x, "'<' in an attribute value");
		if (tfx_strs_room(x, 1) != 0)
			return -1;
		if (c == '\r') {
			if (x->p + 1 < x->end && x->p[1] == '\n')
				x->p++;
			c = '\n';
		}
		if (c == '\n')
			x->line++;
		if (quote && tfx_space(c))
			c = ' ';
		x->doc->strs[x->doc->nstrs++] = c;
		x->p++;
	}
	return 0;
}

/* A new node under `parent` (TFX_NONE for the root). */
static inline int tfx_node(struct tfx *x, size_t parent, size_t *out)
{
	struct tf_xml_doc *d = x->doc;
	struct tf_xml_node *n;

	if (d->nnodes >= TF_XML_MAX_NODES)
		return tfx_fail(x, "more elements than a configuration file can have");
	if (tfx_grow((void **)&d->nodes, &d->capnodes, d->nnodes + 1, sizeof *d->nodes) != 0)
		return tfx_fail(x, "out of memory");
	n = &d->nodes[d->nnodes];
	memset(n, 0, sizeof *n);
	n->line = x->line;
	n->i_parent = parent;
	n->i_first = n->i_last = n->i_next = n->i_name = n->i_text = n->i_attrs = TFX_NONE;
	if (parent != TFX_NONE) {
		struct tf_xml_node *p = &d->nodes[parent];

		if (p->i_last == TFX_NONE)
			p->i_first = d->nnodes;
		else
			d->nodes[p->i_last].i_next = d->nnodes;
		p->i_last = d->nnodes;
	}
	*out = d->nnodes++;
	return 0;
}

/* Start (or continue) the text node that ends element `parent`'s children. Character data
 * split by comments or CDATA sections is one text node, as DOM parsers coalesce it. */
static inline int tfx_text_begin(struct tfx *x, size_t parent)
{
	struct tf_xml_doc *d = x->doc;
	size_t last = d->nodes[parent].i_last, idx = TFX_NONE;

	if (last != TFX_NONE && d->nodes[last].i_name == TFX_NONE &&
	    d->nodes[last].i_text + d->nodes[last].text_len + 1 == d->nstrs) {
		d->nstrs--; /* reopen it: drop its NUL */
		return 0;
	}
	if (tfx_node(x, parent, &idx) != 0 || tfx_strs_room(x, 1) != 0)
		return -1;
	d->nodes[idx].i_text = d->nstrs;
	return 0;
}

static inline int tfx_text_end(struct tfx *x, size_t parent)
{
	struct tf_xml_doc *d = x->doc;
	struct tf_xml_node *t = &d->nodes[d->nodes[parent].i_last];

	if (tfx_strs_room(x, 1) != 0)
		return -1;
	t->text_len = d->nstrs - t->i_text;
	d->strs[d->nstrs++] = '\0';
	return 0;
}

/* Skip past `term` (not included in what is skipped over for line counting). */
static inline int tfx_skip_to(struct tfx *x, const char *term, const char *what)
{
	size_t tl = strlen(term);

	while (x->p < x->end) {
		if ((size_t)(x->end - x->p) >= tl && memcmp(x->p, term, tl) == 0) {
			x->p += tl;
			return 0;
		}
		if (*x->p == '\n')
			x->line++;
		x->p++;
	}
	return tfx_fail(x, "unterminated %s", what);
}

/* A start tag at x->p ('<' then a name). */
static inline int tfx_start_tag(struct tfx *x, size_t parent, size_t *idx, int *empty)
{
	struct tf_xml_doc *d = x->doc;
	struct tf_xml_node *n;
	size_t name = TFX_NONE, first_attr = d->nattrs;

	x->p++;
	if (tfx_node(x, parent, idx) != 0 || tfx_name(x, &name) != 0)
		return -1;
	n = &d->nodes[*idx];
	n->i_name = name;
	for (;;) {
		size_t an = TFX_NONE, av;
		char quote;

		tfx_skip_space(x);
		if (x->p >= x->end)
			return tfx_fail(x, "unterminated start tag <%s", d->strs + name);
		if (*x->p == '>') {
			x->p++;
			*empty = 0;
			break;
		}
		if (*x->p == '/') {
			if (x->p + 1 >= x->end || x->p[1] != '>')
				return tfx_fail(x, "'/' not followed by '>' in <%s",
				                d->strs + name);
			x->p += 2;
			*empty = 1;
			break;
		}
		if (d->nattrs > first_attr && !tfx_space(x->p[-1]))
			return tfx_fail(x, "attributes of <%s> must be separated by spaces",
			                d->strs + name);
		if (tfx_name(x, &an) != 0)
			return -1;
		tfx_skip_space(x);
		if (x->p >= x->end || *x->p != '=')
			return tfx_fail(x, "attribute %s has no '=' and value", d->strs + an);
		x->p++;
		tfx_skip_space(x);
		if (x->p >= x->end || (*x->p != '"' && *x->p != '\''))
			return tfx_fail(x, "the value of attribute %s is not quoted", d->strs + an);
		quote = *x->p++;
		av = d->nstrs;
		if (tfx_chars(x, quote) != 0)
			return -1;
		if (x->p >= x->end)
			return tfx_fail(x, "unterminated value of attribute %s", d->strs + an);
		x->p++;
		if (tfx_strs_room(x, 1) != 0)
			return -1;
		d->strs[d->nstrs++] = '\0';
		for (size_t i = first_attr; i < d->nattrs; i++)
			if (strcmp(d->strs + d->attr_off[2 * i], d->strs + an) == 0)
				return tfx_fail(x, "attribute %s appears twice", d->strs + an);
		if (tfx_grow((void **)&d->attr_off, &d->capattrs, 2 * (d->nattrs + 1),
		             sizeof *d->attr_off) != 0)
			return tfx_fail(x, "out of memory");
		d->attr_off[2 * d->nattrs] = an;
		d->attr_off[2 * d->nattrs + 1] = av;
		d->nattrs++;
	}
	n = &d->nodes[*idx];
	n->nattrs = (uint32_t)(d->nattrs - first_attr);
	n->i_attrs = n->nattrs ? first_attr : TFX_NONE;
	return 0;
}

/* Turn the indexes into pointers once nothing moves any more. */
static inline int tfx_link(struct tfx *x)
{
	struct tf_xml_doc *d = x->doc;

	if (d->nattrs > 0) {
		d->attrs = malloc(d->nattrs * sizeof *d->attrs);
		if (d->attrs == NULL)
			return tfx_fail(x, "out of memory");
		for (size_t i = 0; i < d->nattrs; i++) {
			d->attrs[i].name = d->strs + d->attr_off[2 * i];
			d->attrs[i].value = d->strs + d->attr_off[2 * i + 1];
		}
	}
	for (size_t i = 0; i < d->nnodes; i++) {
		struct tf_xml_node *n = &d->nodes[i];

		n->parent = n->i_parent == TFX_NONE ? NULL : &d->nodes[n->i_parent];
		n->first = n->i_first == TFX_NONE ? NULL : &d->nodes[n->i_first];
		n->next = n->i_next == TFX_NONE ? NULL : &d->nodes[n->i_next];
		n->name = n->i_name == TFX_NONE ? NULL : d->strs + n->i_name;
		n->text = n->i_text == TFX_NONE ? NULL : d->strs + n->i_text;
		n->attrs = n->i_attrs == TFX_NONE ? NULL : &d->attrs[n->i_attrs];
	}
	d->root = d->nnodes ? &d->nodes[0] : NULL;
	return 0;
}

/* Parse a whole document. 0 and doc->root set, or -1 with doc->err and doc->err_line. Free the
 * document with tf_xml_free() in both cases. */
static inline int tf_xml_parse(const char *data, size_t len, struct tf_xml_doc *doc)
{
	struct tfx x = {doc, data, data + len, 1};
	size_t stack[TF_XML_MAX_DEPTH];
	size_t depth = 0;
	int have_root = 0;

	memset(doc, 0, sizeof *doc);
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		x.p += 3;
	while (x.p < x.end) {
		if (*x.p != '<') {
			if (depth == 0) {
				const char *s = x.p;

				tfx_skip_space(&x);
				if (x.p == s || (x.p < x.end && *x.p != '<'))
					return tfx_fail(&x, "text outside the document element");
				continue;
			}
			if (tfx_text_begin(&x, stack[depth - 1]) != 0 || tfx_chars(&x, 0) != 0 ||
			    tfx_text_end(&x, stack[depth - 1]) != 0)
				return -1;
			continue;
		}
		if ((size_t)(x.end - x.p) >= 4 && memcmp(x.p, "<!--", 4) == 0) {
			x.p += 4;
			if (tfx_skip_to(&x, "-->", "comment") != 0)
				return -1;
		} else if ((size_t)(x.end - x.p) >= 9 && memcmp(x.p, "<![CDATA[", 9) == 0) {
			const char *s;
			size_t n;

			if (depth == 0)
				return tfx_fail(&x, "CDATA section outside the document element");
			if (tfx_text_begin(&x, stack[depth - 1]) != 0)
				return -1;
			x.p += 9;
			s = x.p;
			if (tfx_skip_to(&x, "]]>", "CDATA section") != 0)
				return -1;
			n = (size_t)(x.p - 3 - s);
			if (tfx_strs_room(&x, n) != 0)
				return -1;
			for (size_t i = 0; i < n; i++) {
				if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
					continue;
				doc->strs[doc->nstrs++] = s[i] == '\r' ? '\n' : s[i];
			}
			if (tfx_text_end(&x, stack[depth - 1]) != 0)
				return -1;
		} else if ((size_t)(x.end - x.p) >= 9 && memcmp(x.p, "<!DOCTYPE", 9) == 0) {
			const char *gt = memchr(x.p, '>', (size_t)(x.end - x.p));
			const char *br = memchr(x.p, '[', (size_t)(x.end - x.p));

			if (have_root || depth > 0)
				return tfx_fail(&x, "DOCTYPE after the document element started");
			if (br != NULL && (gt == NULL || br < gt))
				return tfx_fail(&x, "DOCTYPE with an internal subset (entity "
				                    "declarations are not accepted)");
			if (tfx_skip_to(&x, ">", "DOCTYPE") != 0)
				return -1;
		} else if ((size_t)(x.end - x.p) >= 2 && x.p[1] == '?') {
			x.p += 2;
			if (tfx_skip_to(&x, "?>", "processing instruction") != 0)
				return -1;
		} else if ((size_t)(x.end - x.p) >= 2 && x.p[1] == '!') {
			return tfx_fail(&x, "unexpected '<!'");
		} else if ((size_t)(x.end - x.p) >= 2 && x.p[1] == '/') {
			size_t name = TFX_NONE;
			const char *open;

			x.p += 2;
			if (depth == 0)
				return tfx_fail(&x, "end tag without a start tag");
			if (tfx_name(&x, &name) != 0)
				return -1;
			open = doc->strs + doc->nodes[stack[depth - 1]].i_name;
			if (strcmp(open, doc->strs + name) != 0)
				return tfx_fail(&x, "</%.40s> closes <%.40s> (line %u)",
				                doc->strs + name, open,
				                doc->nodes[stack[depth - 1]].line);
			doc->nstrs -= strlen(open) + 1; /* the end tag's name is not kept */
			tfx_skip_space(&x);
			if (x.p >= x.end || *x.p != '>')
				return tfx_fail(&x, "end tag </%s> is not closed by '>'", open);
			x.p++;
			depth--;
		} else {
			size_t idx = TFX_NONE;
			int empty = 0;

			if (depth == 0 && have_root)
				return tfx_fail(&x, "a second document element");
			if (depth >= TF_XML_MAX_DEPTH)
				return tfx_fail(&x, "elements nested too deeply");
			if (tfx_start_tag(&x, depth ? stack[depth - 1] : TFX_NONE, &idx, &empty) !=
			    0)
				return -1;
			have_root = 1;
			if (!empty)
				stack[depth++] = idx;
		}
	}
	if (depth > 0) {
		const struct tf_xml_node *open = &doc->nodes[stack[depth - 1]];

		return tfx_fail(&x, "<%.40s> (line %u) is never closed", doc->strs + open->i_name,
		                open->line);
	}
	if (!have_root)
		return tfx_fail(&x, "no document element");
	return tfx_link(&x);
}

/* The first child element of n named `name` (NULL n gives NULL). */
static inline const struct tf_xml_node *tf_xml_child(const struct tf_xml_node *n, const char *name)
{
	for (n = n ? n->first : NULL; n; n = n->next)
		if (n->name && strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

/* The next sibling element of n named like n. */
static inline const struct tf_xml_node *tf_xml_next_same(const struct tf_xml_node *n)
{
	const char *name = n->name;

	for (n = n->next; n; n = n->next)
		if (n->name && strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

/* Follow "a/b/c" from n through first children of those names. */
static inline const struct tf_xml_node *tf_xml_path(const struct tf_xml_node *n, const char *path)
{
	char part[128];

	while (n && *path) {
		size_t len = strcspn(path, "/");

		if (tf_copy(part, sizeof part, path, len) != 0)
			return NULL;
		n = tf_xml_child(n, part);
		path += len;
		if (*path == '/')
			path++;
	}
	return n;
}

/* An attribute's value, or NULL. */
static inline const char *tf_xml_attr(const struct tf_xml_node *n, const char *name)
{
	for (uint32_t i = 0; n && i < n->nattrs; i++)
		if (strcmp(n->attrs[i].name, name) == 0)
			return n->attrs[i].value;
	return NULL;
}

/* The character data directly inside element n (its text children, concatenated, untrimmed), as
 * PHP's (string) of a SimpleXML element. 0, or -1 when it does not fit (buf then holds ""). */
static inline int tf_xml_text(const struct tf_xml_node *n, char *buf, size_t size)
{
	size_t len = 0;

	if (size == 0)
		return -1;
	buf[0] = '\0';
	for (n = n ? n->first : NULL; n; n = n->next) {
		if (n->name)
			continue;
		if (len + n->text_len >= size) {
			buf[0] = '\0';
			return -1;
		}
		memcpy(buf + len, n->text, n->text_len);
		len += n->text_len;
	}
	buf[len] = '\0';
	return 0;
}

/* 1 if element n has child elements. */
static inline int tf_xml_has_children(const struct tf_xml_node *n)
{
	for (n = n ? n->first : NULL; n; n = n->next)
		if (n->name)
			return 1;
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * PHP array literals: reading configuration files that `return [ ... ];` (Magento 2's env.php and
 * config.php) without running them.
 */

/* The tokens of the value of the first top-level `return` of a file, up to its ';'. 1 if found. */
static inline int tf_php_return_value(const char *data, size_t len, struct tf_php *value)
{
	struct tf_php lx;
	struct tf_tok t;
	int depth = 0;

	tf_php_init(&lx, data, len);
	for (tf_php_next(&lx, &t); t.kind != TF_TOK_EOF; tf_php_next(&lx, &t)) {
		if (tf_tok_op(&t, "{"))
			depth++;
		else if (tf_tok_op(&t, "}"))
			depth--;
		else if (depth == 0 && tf_tok_word(&t, "return")) {
			int inner = 0;

			value->p = lx.p;
			value->line = lx.line;
			for (tf_php_next(&lx, &t); t.kind != TF_TOK_EOF; tf_php_next(&lx, &t)) {
				if (tf_tok_op(&t, "(") || tf_tok_op(&t, "[") || tf_tok_op(&t, "{"))
					inner++;
				else if (tf_tok_op(&t, ")") || tf_tok_op(&t, "]") ||
				         tf_tok_op(&t, "}"))
					inner--;
				else if (inner <= 0 && tf_tok_op(&t, ";"))
					break;
			}
			value->end = t.kind == TF_TOK_EOF ? lx.end : t.s;
			return 1;
		}
	}
	return 0;
}

/* An array literal being read: [ ... ] or array( ... ). */
struct tf_php_array {
	struct tf_php lx;
	char close; /* ']' or ')' */
	int done;
	unsigned line; /* of the opening bracket */
};

/* 1 if `value` starts with an array literal (then *a reads its entries), else 0. */
static inline int tf_php_array_open(struct tf_php value, struct tf_php_array *a)
{
	struct tf_tok t;

	tf_php_next(&value, &t);
	a->line = t.line;
	a->done = 0;
	if (tf_tok_op(&t, "[")) {
		a->close = ']';
	} else if (tf_tok_word(&t, "array")) {
		tf_php_next(&value, &t);
		if (!tf_tok_op(&t, "("))
			return 0;
		a->close = ')';
	} else {
		return 0;
	}
	a->lx = value;
	return 1;
}

/* The next entry: 1 with its key (kind TF_TOK_EOF when it has none or the key is an expression)
 * and the tokens of its value; 0 after the last one; -1 if the literal is malformed. */
static inline int tf_php_array_next(struct tf_php_array *a, struct tf_tok *key,
                                    struct tf_php *value)
{
	struct tf_tok t, first;
	const char *start;
	unsigned start_line;
	int depth = 0, ntok = 0, arrow = 0;

	if (a->done)
		return 0;
	start = a->lx.p;
	start_line = a->lx.line;
	memset(key, 0, sizeof *key);
	key->kind = TF_TOK_EOF;
	tf_php_next(&a->lx, &first);
	if (first.kind == TF_TOK_EOF)
		return -1;
	if (first.kind == TF_TOK_OP && first.n == 1 && first.s[0] == a->close) {
		a->done = 1;
		return 0;
	}
	value->p = start;
	value->line = start_line;
	for (t = first;; tf_php_next(&a->lx, &t)) {
		if (t.kind == TF_TOK_EOF)
			return -1;
		if (t.kind == TF_TOK_OP && t.n == 1 && strchr("([{", t.s[0])) {
			depth++;
		} else if (t.kind == TF_TOK_OP && t.n == 1 && strchr(")]}", t.s[0])) {
			if (depth == 0) {
				if (t.s[0] != a->close)
					return -1;
				a->done = 1;
				break;
			}
			depth--;
		} else if (depth == 0 && tf_tok_op(&t, ",")) {
			break;
		} else if (depth == 0 && !arrow && tf_tok_op(&t, "=>")) {
			arrow = 1;
			if (ntok == 1 &&
			    (first.kind == TF_TOK_STRING || first.kind == TF_TOK_NUMBER))
				*key = first;
			value->p = a->lx.p;
			value->line = a->lx.line;
		}
		ntok++;
	}
	value->end = t.s;
	return 1;
}

/* The value of the entry with string key `name` in the array literal at `value` (the last one,
 * as PHP keeps the last of duplicate keys). 1 if found, 0 if not, -1 if `value` is not a
 * well-formed array literal. *line gets the line of the array's opening bracket. */
static inline int tf_php_array_get(struct tf_php value, const char *name, struct tf_php *out,
                                   unsigned *line)
{
	struct tf_php_array a;
	struct tf_php v;
	struct tf_tok key;
	int rc, found = 0;

	if (!tf_php_array_open(value, &a))
		return -1;
	if (line)
		*line = a.line;
	while ((rc = tf_php_array_next(&a, &key, &v)) == 1)
		if (tf_tok_str(&key, name)) {
			*out = v;
			found = 1;
		}
	return rc < 0 ? -1 : found;
}

#define TF_PHP_STRING 1 /* a quoted string without interpolation */
#define TF_PHP_NUMBER 2
#define TF_PHP_CONST  3 /* true, false, null (as written) */

/* Decode the body of a single- or double-quoted PHP string. 0, 1 if it interpolates variables
 * (not a constant), -1 if it does not fit. */
static inline int tf_php_unquote(char quote, const char *s, size_t n, char *buf, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned long c = (unsigned char)s[i];

		if (quote == '\'') {
			if (c == '\\' && i + 1 < n && (s[i + 1] == '\\' || s[i + 1] == '\''))
				c = (unsigned char)s[++i];
		} else if (c == '$' && i + 1 < n &&
		           (tf_php_identc((unsigned char)s[i + 1]) || s[i + 1] == '{') &&
		           !(s[i + 1] >= '0' && s[i + 1] <= '9')) {
			return 1;
		} else if (c == '{' && i + 1 < n && s[i + 1] == '$') {
			return 1;
		} else if (c == '\\' && i + 1 < n) {
			char e = s[i + 1];
			const char *simple = strchr("nrtvef\\$\"", e);

			if (simple != NULL && e != '\0') {
				static const char out[] = "\n\r\t\v\033\f\\$\"";

				c = (unsigned char)out[simple - "nrtvef\\$\""];
				i++;
			} else if (e >= '0' && e <= '7') {
				c = 0;
				for (int k = 0;
				     k < 3 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7'; k++)
					c = c * 8 + (unsigned long)(s[++i] - '0');
				c &= 0xff;
			} else if (e == 'x' && i + 2 < n && tfj_hex(s[i + 2]) >= 0) {
				i += 2;
				c = (unsigned long)tfj_hex(s[i]);
				if (i + 1 < n && tfj_hex(s[i + 1]) >= 0)
					c = c * 16 + (unsigned long)tfj_hex(s[++i]);
			} else if (e == 'u' && i + 2 < n && s[i + 2] == '{') {
				size_t j = i + 3;
				unsigned long cp = 0;

				while (j < n && tfj_hex(s[j]) >= 0 && cp <= 0x10ffff)
					cp = cp * 16 + (unsigned long)tfj_hex(s[j++]);
				if (j >= n || s[j] != '}' || j == i + 3 || cp > 0x10ffff)
					return 1; /* PHP rejects it: not a constant we can use */
				if (o + 4 >= size)
					return -1;
				if (cp < 0x80) {
					buf[o++] = (char)cp;
				} else if (cp < 0x800) {
					buf[o++] = (char)(0xc0 | (cp >> 6));
					buf[o++] = (char)(0x80 | (cp & 0x3f));
				} else if (cp < 0x10000) {
					buf[o++] = (char)(0xe0 | (cp >> 12));
					buf[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
					buf[o++] = (char)(0x80 | (cp & 0x3f));
				} else {
					buf[o++] = (char)(0xf0 | (cp >> 18));
					buf[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
					buf[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
					buf[o++] = (char)(0x80 | (cp & 0x3f));
				}
				i = j;
				continue;
			}
		}
		if (o + 1 >= size)
			return -1;
		buf[o++] = (char)c;
	}
	if (size == 0)
		return -1;
	buf[o] = '\0';
	return 0;
}

/* A constant scalar value (one token): its text into buf (strings decoded) and its kind
 * TF_PHP_STRING, _NUMBER or _CONST; 0 if it is anything else (an expression, a constant name, a
 * string with variables, a heredoc); -1 if it does not fit. *tok gets the token (for its line). */
static inline int tf_php_scalar(struct tf_php value, char *buf, size_t size, struct tf_tok *tok)
{
	struct tf_tok t, after;

	tf_php_next(&value, &t);
	*tok = t;
	tf_php_next(&value, &after);
	if (after.kind != TF_TOK_EOF || size == 0)
		return 0;
	if (t.kind == TF_TOK_STRING) {
		char quote =
		    t.s[-1]; /* the body follows its opening quote, or a newline (heredoc) */
		int rc;

		if (quote != '\'' && quote != '"')
			return 0;
		rc = tf_php_unquote(quote, t.s, t.n, buf, size);
		return rc == 0 ? TF_PHP_STRING : rc > 0 ? 0 : -1;
	}
	if (t.kind == TF_TOK_NUMBER)
		return tf_copy(buf, size, t.s, t.n) == 0 ? TF_PHP_NUMBER : -1;
	if (tf_tok_word(&t, "true") || tf_tok_word(&t, "false") || tf_tok_word(&t, "null"))
		return tf_copy(buf, size, t.s, t.n) == 0 ? TF_PHP_CONST : -1;
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Every package of Composer's vendor/composer/installed.json (Composer 2: {"packages": [...]};
 * Composer 1: [...]) with the fields an adapter needs to find a package's code.
 */

#define TF_JSON_PKG_FILES 16

struct tf_json_pkg {
	char name[256];
	char version[128];
	char type[64];
	char install_path[1024]; /* Composer 2, relative to vendor/composer; "" if absent */
	char files[TF_JSON_PKG_FILES][256]; /* "autoload": {"files": [...]}, the first ones */
	unsigned nfiles;
	size_t offset; /* of the package's object in the file, for tf_line_at() */
};

/* Called per package; a non-zero return stops the walk and is returned. */
typedef int (*tf_json_pkg_fn)(void *arg, const struct tf_json_pkg *pkg);

struct tfj_pkgs {
	tf_json_pkg_fn fn;
	void *arg;
	struct tf_json_pkg pkg;
};

static inline int tfj_files_array(struct tf_json *j, struct tf_json_pkg *pkg)
{
	tfj_ws(j);
	if (j->p >= j->end || *j->p != '[')
		return tfj_skip(j); /* not a list: none of ours */
	j->p++;
	tfj_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		tfj_ws(j);
		if (j->p < j->end && *j->p == '"' && pkg->nfiles < TF_JSON_PKG_FILES) {
			if (tfj_take_string(j, pkg->files[pkg->nfiles],
			                    sizeof pkg->files[pkg->nfiles]) != 0)
				return -1;
			if (pkg->files[pkg->nfiles][0] != '\0')
				pkg->nfiles++;
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

static inline int tfj_autoload_member(struct tf_json *j, const char *key, void *arg)
{
	if (strcmp(key, "files") == 0)
		return tfj_files_array(j, arg);
	return tfj_skip(j);
}

static inline int tfj_pkgs_member(struct tf_json *j, const char *key, void *arg)
{
	struct tf_json_pkg *pkg = arg;

	if (strcmp(key, "name") == 0)
		return tfj_take_string(j, pkg->name, sizeof pkg->name);
	if (strcmp(key, "version") == 0)
		return tfj_take_string(j, pkg->version, sizeof pkg->version);
	if (strcmp(key, "type") == 0)
		return tfj_take_string(j, pkg->type, sizeof pkg->type);
	if (strcmp(key, "install-path") == 0)
		return tfj_take_string(j, pkg->install_path, sizeof pkg->install_path);
	if (strcmp(key, "autoload") == 0) {
		tfj_ws(j);
		if (j->p < j->end && *j->p == '{')
			return tfj_object(j, tfj_autoload_member, pkg);
	}
	return tfj_skip(j);
}

/* Returns 0, -1 on malformed input, or the callback's non-zero result (which must not be -1). */
static inline int tfj_pkgs_array(struct tf_json *j, struct tfj_pkgs *w)
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
		int rc;

		tfj_ws(j);
		if (j->p < j->end && *j->p == '{') {
			memset(&w->pkg, 0, sizeof w->pkg);
			w->pkg.offset = (size_t)(j->p - j->start);
			rc = tfj_object(j, tfj_pkgs_member, &w->pkg);
			if (rc != 0)
				return rc;
			if (w->pkg.name[0] != '\0' && (rc = w->fn(w->arg, &w->pkg)) != 0)
				return rc;
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

static inline int tfj_pkgs_top(struct tf_json *j, const char *key, void *arg)
{
	if (strcmp(key, "packages") == 0)
		return tfj_pkgs_array(j, arg);
	return tfj_skip(j);
}

/* Call fn for each package (with a name) of an installed.json. Returns 0; -1 with *err_off set
 * on malformed input; or fn's non-zero result, which therefore must not be -1. */
static inline int tf_json_packages(const char *data, size_t len, tf_json_pkg_fn fn, void *arg,
                                   size_t *err_off)
{
	struct tf_json j = {data, data + len, data};
	struct tfj_pkgs w; /* about 5 KiB */
	int rc;

	memset(&w, 0, sizeof w);
	w.fn = fn;
	w.arg = arg;
	tfj_ws(&j);
	if (j.p < j.end && *j.p == '[')
		rc = tfj_pkgs_array(&j, &w);
	else
		rc = tfj_object(&j, tfj_pkgs_top, &w);
	if (rc == -1)
		*err_off = (size_t)(j.p - data);
	return rc;
}

#endif /* DROVER_PLUGINS_TEXTFILE_H */

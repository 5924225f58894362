/*
 * plugins/drupal/util.c: small helpers shared by the Drupal adapter's files: problems kept
 * for later reporting, and vectors of strings.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drupal.h"

void d_problem_set(struct d_problem *pb, int code, const char *file, unsigned line, const char *fmt,
                   ...)
{
	va_list ap;
	int n;

	pb->code = code;
	pb->line = line;
	if (file != NULL) {
		n = snprintf(pb->file, sizeof pb->file, "%s", file);
		if (n < 0 || (size_t)n >= sizeof pb->file)
			pb->file[0] = '\0';
	}
	va_start(ap, fmt);
	n = vsnprintf(pb->msg, sizeof pb->msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		pb->msg[0] = '\0';
	/* A cut message is still one line; mark the cut so nobody reads it as whole. */
	else if ((size_t)n >= sizeof pb->msg)
		memcpy(pb->msg + sizeof pb->msg - 4, "...", 4);
}

int d_problem_fail(struct drover_ctx *ctx, const char *root, const struct d_problem *pb)
{
	char where[TF_PATH_MAX];
	const char *w = NULL;

	if (pb->file[0] == '/' || root == NULL || root[0] == '\0') {
		int n = pb->line ? snprintf(where, sizeof where, "%s:%u", pb->file, pb->line)
		                 : snprintf(where, sizeof where, "%s", pb->file);

		w = (n > 0 && (size_t)n < sizeof where) ? where : pb->file;
	} else {
		w = tf_where(where, sizeof where, root, pb->file, pb->line);
	}
	if (pb->file[0] == '\0')
		w = NULL;
	return ctx->host->error(ctx, pb->code ? pb->code : DROVER_E_FAIL, w, "%s", pb->msg);
}

char *d_strndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

int d_strv_push(struct d_strv *sv, const char *s, size_t n)
{
	char *d;

	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 8;
		char **v = realloc(sv->v, cap * sizeof *v);

		if (v == NULL)
			return DROVER_E_NOMEM;
		sv->v = v;
		sv->cap = cap;
	}
	d = d_strndup(s, n);
	if (d == NULL)
		return DROVER_E_NOMEM;
	sv->v[sv->n++] = d;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void d_strv_sort_unique(struct d_strv *sv)
{
	size_t i, out = 0;

	if (sv->n < 2)
		return;
	qsort(sv->v, sv->n, sizeof *sv->v, cmp_str);
	for (i = 0; i < sv->n; i++) {
		if (out > 0 && strcmp(sv->v[out - 1], sv->v[i]) == 0) {
			free(sv->v[i]);
			continue;
		}
		sv->v[out++] = sv->v[i];
	}
	sv->n = out;
}

void d_strv_free(struct d_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

int d_ident_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return 0;
	return n > 0 && n <= 64;
}

/* DRUPAL_PHP_FUNCTION_PATTERN (7) and ExtensionDiscovery::PHP_FUNCTION_PATTERN (8+): a letter,
 * '_' or a byte >= 0x7f/0x80 first, then also digits. The one byte 0x7f Drupal 7 allows and
 * later versions do not is not a name anyone uses; both are accepted. */
int d_name_ok(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c >= 0x7f))
			return 0;
	}
	return 1;
}

/* Lexically normalize a path: drop "." and empty parts, resolve "..". Symbolic links are not
 * followed: install paths are compared as Composer wrote them. */
int d_path_normalize(char *out, size_t size, const char *in)
{
	size_t o = 0, starts[128];
	int depth = 0, abs = in[0] == '/';

	if (size < 2)
		return -1;
	if (abs)
		out[o++] = '/';
	while (*in) {
		const char *seg = in;
		size_t n;

		while (*in && *in != '/')
			in++;
		n = (size_t)(in - seg);
		while (*in == '/')
			in++;
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.' && depth > 0) {
			o = starts[--depth];
			continue;
		}
		if (depth >= 128)
			return -1;
		starts[depth++] = o;
		if (o > (size_t)abs) {
			if (o + 1 >= size)
				return -1;
			out[o++] = '/';
		}
		if (o + n >= size)
			return -1;
		memcpy(out + o, seg, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

/* ---- byte buffers ----------------------------------------------------------------------- */

void d_buf_add(struct d_buf *b, const char *s, size_t n)
{
	if (b->nomem)
		return;
	if (n > SIZE_MAX / 2 - b->n - 1) {
		b->nomem = 1;
		return;
	}
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->n + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->nomem = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void d_buf_adds(struct d_buf *b, const char *s)
{
	d_buf_add(b, s, strlen(s));
}

void d_buf_printf(struct d_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->nomem = 1;
		return;
	}
	if ((size_t)n < sizeof small) {
		d_buf_add(b, small, (size_t)n);
		return;
	}
	{
		char *big = malloc((size_t)n + 1);

		if (big == NULL) {
			b->nomem = 1;
			return;
		}
		va_start(ap, fmt);
		(void)vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		d_buf_add(b, big, (size_t)n);
		free(big);
	}
}

void d_buf_php_str(struct d_buf *b, const char *s, size_t n)
{
	d_buf_add(b, "'", 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' || s[i] == '\'')
			d_buf_add(b, "\\", 1);
		d_buf_add(b, s + i, 1);
	}
	d_buf_add(b, "'", 1);
}

void d_buf_free(struct d_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
	b->nomem = 0;
}

int d_path_under(const char *s, const char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	return n > 0 && strncmp(s, path, n) == 0 && (s[n] == '\0' || s[n] == '/');
}

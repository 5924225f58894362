/* json.c: a small streaming JSON writer, indented two spaces per level. */
#include "json.h"

#include <inttypes.h>

void jw_init(struct jw *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->count[0] = 0;
	j->after_key = 0;
}

static void indent(struct jw *j)
{
	fputc('\n', j->out);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

/* Separator and indentation before a value or a key. */
static void before_item(struct jw *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->depth > 0) {
		if (j->count[j->depth]++ > 0)
			fputc(',', j->out);
		indent(j);
	}
}

static void container_begin(struct jw *j, char c)
{
	before_item(j);
	fputc(c, j->out);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->count[j->depth] = 0;
}

static void container_end(struct jw *j, char c)
{
	int had = j->count[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (had)
		indent(j);
	fputc(c, j->out);
}

void jw_obj_begin(struct jw *j)
{
	container_begin(j, '{');
}
void jw_obj_end(struct jw *j)
{
	container_end(j, '}');
}
void jw_arr_begin(struct jw *j)
{
	container_begin(j, '[');
}
void jw_arr_end(struct jw *j)
{
	container_end(j, ']');
}

static void write_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

void jw_key(struct jw *j, const char *key)
{
	before_item(j);
	write_string(j->out, key);
	fputs(": ", j->out);
	j->after_key = 1;
}

void jw_str(struct jw *j, const char *s)
{
	before_item(j);
	if (s)
		write_string(j->out, s);
	else
		fputs("null", j->out);
}

void jw_int(struct jw *j, int64_t v)
{
	before_item(j);
	fprintf(j->out, "%" PRId64, v);
}

void jw_bool(struct jw *j, int v)
{
	before_item(j);
	fputs(v ? "true" : "false", j->out);
}

void jw_null(struct jw *j)
{
	before_item(j);
	fputs("null", j->out);
}

void jw_end(struct jw *j)
{
	fputc('\n', j->out);
}

void jw_kstr(struct jw *j, const char *key, const char *s)
{
	jw_key(j, key);
	jw_str(j, s);
}

void jw_kint(struct jw *j, const char *key, int64_t v)
{
	jw_key(j, key);
	jw_int(j, v);
}

void jw_kbool(struct jw *j, const char *key, int v)
{
	jw_key(j, key);
	jw_bool(j, v);
}

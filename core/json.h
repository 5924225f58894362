/* json.h: jw_, a small streaming JSON writer for --json output (RFC 8259, UTF-8 passed through). */
#ifndef DROVER_JSON_H
#define DROVER_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct jw {
	FILE *out;
	int depth;
	int count[JSON_MAX_DEPTH]; /* members written at each level */
	int after_key;
};

void jw_init(struct jw *j, FILE *out);
void jw_obj_begin(struct jw *j);
void jw_obj_end(struct jw *j);
void jw_arr_begin(struct jw *j);
void jw_arr_end(struct jw *j);
void jw_key(struct jw *j, const char *key);
void jw_str(struct jw *j, const char *s); /* NULL writes null */
void jw_int(struct jw *j, int64_t v);
void jw_bool(struct jw *j, int v);
void jw_null(struct jw *j);
/* Finish the document with a newline. */
void jw_end(struct jw *j);

/* key + value shorthands */
void jw_kstr(struct jw *j, const char *key, const char *s);
void jw_kint(struct jw *j, const char *key, int64_t v);
void jw_kbool(struct jw *j, const char *key, int v);

#endif

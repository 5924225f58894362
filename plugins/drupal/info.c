/*
 * plugins/drupal/info.c: the two formats that describe a Drupal extension.
 *
 * Drupal 7 .info (includes/common.inc, drupal_parse_info_format()) is read by one regular
 * expression applied at each line start:
 *     ^\s* key \s*=\s* ( "dq" | 'sq' | unquoted ) \s*$        (flags m, s, x)
 * where a key is a run of characters other than = ; [ ] or balanced [..] groups, a quoted value
 * ends at a quote not preceded by a backslash (and may span lines), quoted values lose their
 * backslashes (stripslashes), an unquoted value is the rest of the line, and a value that is a
 * single word naming a defined constant becomes the constant (VERSION, TRUE, FALSE, NULL,
 * DRUPAL_CORE_COMPATIBILITY). Because \s also matches newlines, `key =` with nothing after it
 * takes the next non-blank line as its value, and a line without '=' becomes the start of the
 * next line's key. Assignments run in file order, so a later duplicate key wins: that is how the
 * drupal.org packaging script's appended `version = "7.x-1.5"` replaces the original.
 *
 * This reader follows the expression, including those quirks, so that it reads what Drupal
 * reads. It calls a file malformed (the package is then skipped with a warning) where Drupal
 * silently drops or mangles a line: a line that is neither a ';' comment nor `key = value`, a
 * key that swallowed such a line, and a quote that nothing on its line closes. Quirks Drupal
 * reads consistently are only warned about, and only when they touch a key drover reads: text
 * after a closing quote (the value keeps its quotes; 7's own taxonomy_test.info has one in its
 * description) and an empty value that takes the next line.
 *
 * Drupal 8+ .info.yml is YAML read by Symfony's parser (core/lib/Drupal/Core/Extension/
 * InfoParserDynamic.php): this reader understands the YAML such files use (top-level
 * `key: value` with plain, quoted and block scalars, nested blocks and flow collections, which
 * it skips) and reports what Symfony rejects: unterminated quotes and flow collections, tab
 * indentation, lines that are not `key: value`, duplicate keys.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "drupal.h"

/* PCRE's \s without the UTF-8 flag. */
static int ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static unsigned line_of(const char *d, size_t off)
{
	return tf_line_at(d, off);
}

/* Copy n bytes into a fixed field; 0 or -1 if it does not fit. */
static int put(char *dst, size_t size, const char *s, size_t n)
{
	return tf_copy(dst, size, s, n);
}

/* ---------------------------------------------------------------------------------------------
 * Drupal 7
 */

/* Where the quoted value opened at `v` ends: the closing quote's offset, or 0 if no quote closes
 * it the way the expression demands (followed by nothing but white space up to the line end). The
 * expression's `(?:[^"]|(?<=\\)")*"` is greedy, so it stops at the first quote without a backslash
 * before it and then backtracks through the backslashed quotes before that one. */
static size_t d7_quote_end(const char *d, size_t len, size_t v)
{
	char q = d[v];
	size_t first = 0, j;

	for (j = v + 1; j < len; j++)
		if (d[j] == q && d[j - 1] != '\\') {
			first = j;
			break;
		}
	for (j = first ? first : len; j > v; j--) {
		size_t e;

		if (j >= len || d[j] != q || (j != first && d[j - 1] != '\\'))
			continue;
		for (e = j + 1; e < len && d[e] != '\n' && ws(d[e]); e++)
			;
		if (e >= len || d[e] == '\n')
			return j;
	}
	return 0;
}

/* PHP's stripslashes() into dst. "\0" (a NUL byte in PHP) is dropped. */
static int d7_unslash(char *dst, size_t size, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\') {
			if (++i >= n)
				break;
			c = s[i];
			if (c == '0')
				continue;
		}
		if (o + 1 >= size)
			return -1;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return 0;
}

/* `^\w+$` and defined: the constants that matter in .info files. Returns the replacement, or
 * NULL when the value stays as written. *kind: 1 true, 0 false, -1 null, 2 string. */
static const char *d7_constant(const char *v, const char *core_version, int *kind)
{
	*kind = 2;
	if (strcasecmp(v, "TRUE") == 0) {
		*kind = 1;
		return "1";
	}
	if (strcasecmp(v, "FALSE") == 0) {
		*kind = 0;
		return "";
	}
	if (strcasecmp(v, "NULL") == 0) {
		*kind = -1;
		return "";
	}
	if (strcmp(v, "VERSION") == 0)
		return core_version;
	if (strcmp(v, "DRUPAL_CORE_COMPATIBILITY") == 0)
		return "7.x";
	return NULL;
}

/* One `key = value` found by the expression. */
struct d7_match {
	size_t key, key_end; /* the key, trimmed */
	size_t val, val_end; /* the raw value (inside the quotes when quoted) */
	size_t end;          /* where the match stops (the end of its last line) */
	int quoted;
	int value_on_next_line; /* `key =` took the next line as its value */
	int after_quote;        /* a closing quote is followed by text: read unquoted */
};

/* Try the expression at k (the first non-blank byte of a line). Returns 1 on a match, 0 if it
 * does not match here, -1 for a quote that nothing on its line closes (*m->val says where it
 * opened). A quote closed but followed by more text is a match of the unquoted kind, as in
 * Drupal ("Tests functions and hooks not used in core". in 7's own taxonomy_test.info). */
static int d7_match_at(const char *d, size_t len, size_t k, struct d7_match *m)
{
	size_t i = k, v, e;

	memset(m, 0, sizeof *m);
	/* The key: one or more units, up to the '='. */
	for (;;) {
		if (i >= len || d[i] == ';' || d[i] == ']')
			return 0;
		if (d[i] == '=') {
			if (i == k)
				return 0;
			break;
		}
		if (d[i] == '[') {
			size_t j = i + 1;

			while (j < len && d[j] != '[' && d[j] != ']')
				j++;
			if (j >= len || d[j] != ']')
				return 0;
			i = j + 1;
			continue;
		}
		i++;
	}
	m->key = k;
	m->key_end = i;
	while (m->key_end > k && ws(d[m->key_end - 1]))
		m->key_end--;
	v = i + 1;
	while (v < len && ws(d[v])) {
		if (d[v] == '\n')
			m->value_on_next_line = 1;
		v++;
	}
	if (v >= len)
		m->value_on_next_line = 0; /* nothing follows: the value is simply empty */
	if (v < len && (d[v] == '"' || d[v] == '\'')) {
		size_t q = d7_quote_end(d, len, v);

		if (q) {
			m->quoted = 1;
			m->val = v + 1;
			m->val_end = q;
			for (e = q + 1; e < len && d[e] != '\n'; e++)
				;
			m->end = e;
			return 1;
		}
	}
	/* Unquoted: the rest of the line. [^\r\n] cannot pass a carriage return, after which only
	 * white space may follow. */
	for (e = v; e < len && d[e] != '\n' && d[e] != '\r'; e++)
		;
	m->end = e;
	if (e < len && d[e] == '\r') {
		size_t t = e;

		while (t < len && d[t] != '\n' && ws(d[t]))
			t++;
		if (t < len && d[t] != '\n')
			return 0;
		m->end = t;
	}
	while (e > v && ws(d[e - 1]))
		e--;
	m->val = v;
	m->val_end = e;
	if (v < e && (d[v] == '"' || d[v] == '\'')) {
		for (size_t j = v + 1; j < e; j++)
			if (d[j] == d[v] && d[j - 1] != '\\') {
				m->after_quote = 1;
				return 1;
			}
		m->val = v;
		return -1;
	}
	return 1;
}

static const char *const d7_wanted[] = {"version", "core", "hidden", "name"};

/* Which of d7_wanted the key s[0..n) sets (its part before any '['), or -1. */
static int d7_which(const char *s, size_t n)
{
	size_t seg = 0;

	while (seg < n && s[seg] != '[')
		seg++;
	for (int w = 0; w < 4; w++)
		if (strlen(d7_wanted[w]) == seg && memcmp(s, d7_wanted[w], seg) == 0)
			return w;
	return -1;
}

/* Apply one match to the fields drover reads. */
static int d7_apply(const char *d, const struct d7_match *m, const char *core_version,
                    struct d_info *out, struct d_problem *pb, struct d_problem *note)
{
	char val[512];
	size_t klen = m->key_end - m->key;
	const char *key = d + m->key, *sub;
	int is_array, which = d7_which(key, klen), kind = 2;

	if (which < 0)
		return 0;
	is_array = memchr(key, '[', klen) != NULL;
	if (m->after_quote && which != 3 && note != NULL && note->code == 0)
		d_problem_set(note, DROVER_E_PARSE, NULL, line_of(d, m->val),
		              "text follows the closing quote of '%.*s', so Drupal reads the value "
		              "with its quotes; quote the whole value",
		              (int)klen, key);
	if (which == 3) {
		out->name_set = 1;
		return 0;
	}
	if (is_array) {
		/* `version[] = x` turns the key into an array: no longer a usable string. */
		if (which == 0) {
			out->version_set = 0;
			out->version[0] = '\0';
		} else if (which == 1) {
			out->core_set = 1; /* an array never equals "7.x" */
			out->core[0] = '\0';
		} else {
			out->hidden = 1; /* a non-empty array */
			out->hidden_set = 1;
		}
		return 0;
	}
	if (m->quoted) {
		if (d7_unslash(val, sizeof val, d + m->val, m->val_end - m->val) != 0)
			goto too_long;
	} else if (put(val, sizeof val, d + m->val, m->val_end - m->val) != 0) {
		goto too_long;
	}
	sub = val;
	if (val[0] != '\0') {
		int word = 1;

		for (const char *c = val; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9') || *c == '_'))
				word = 0;
		if (word) {
			const char *r = d7_constant(val, core_version, &kind);

			if (r != NULL)
				sub = r;
		}
	}
	switch (which) {
	case 0:
		if (put(out->version, sizeof out->version, sub, strlen(sub)) != 0)
			goto too_long;
		out->version_set = 1;
		break;
	case 1:
		if (put(out->core, sizeof out->core, sub, strlen(sub)) != 0)
			goto too_long;
		out->core_set = 1;
		break;
	default:
		/* PHP's isset() and !empty() of what the assignment stored. */
		out->hidden_set = kind != -1;
		out->hidden = kind == 1 || (kind == 2 && sub[0] != '\0' && strcmp(sub, "0") != 0);
		break;
	}
	return 0;
too_long:
	d_problem_set(pb, DROVER_E_PARSE, NULL, line_of(d, m->val),
	              "the value of '%.*s' is too long to be a %s", (int)klen, key,
	              which == 0 ? "version" : "setting drover reads");
	return DROVER_E_PARSE;
}

int d7_info_parse(const char *data, size_t len, const char *core_version, struct d_info *out,
                  struct d_problem *pb, struct d_problem *note)
{
	size_t pos = 0;

	memset(out, 0, sizeof *out);
	while (pos < len) {
		struct d7_match m, next;
		size_t k = pos;
		int r;

		while (k < len && ws(data[k]))
			k++;
		if (k >= len)
			break;
		r = d7_match_at(data, len, k, &m);
		if (r < 0) {
			d_problem_set(
			    pb, DROVER_E_PARSE, NULL, line_of(data, m.val),
			    "the quoted value of '%.*s' is never closed; close the quote "
			    "(Drupal would keep the quote character as part of the value)",
			    (int)(m.key_end - m.key), data + m.key);
			return DROVER_E_PARSE;
		}
		if (r == 0 || memchr(data + m.key, '\n', m.key_end - m.key) != NULL) {
			/* A comment, or a line Drupal skips or glues to the next key. */
			if (r == 0 && data[k] == ';') {
				const char *nl = memchr(data + k, '\n', len - k);

				pos = nl ? (size_t)(nl - data) + 1 : len;
				continue;
			}
			d_problem_set(
			    pb, DROVER_E_PARSE, NULL, line_of(data, k),
			    "the line is not `key = value` nor a ';' comment, so Drupal "
			    "ignores it or reads it as part of the next key; fix or remove it");
			return DROVER_E_PARSE;
		}
		/* Worth a word only when it changes something drover reads. */
		if (m.value_on_next_line && note != NULL && note->code == 0 &&
		    (d7_which(data + m.key, m.key_end - m.key) >= 0 ||
		     (d7_match_at(data, len, m.val, &next) == 1 &&
		      d7_which(data + next.key, next.key_end - next.key) >= 0)))
			d_problem_set(
			    note, DROVER_E_PARSE, NULL, line_of(data, m.key),
			    "'%.*s' has no value on its line, so Drupal reads the next "
			    "line as its value; write `%.*s = \"\"` if it is meant to be empty",
			    (int)(m.key_end - m.key), data + m.key, (int)(m.key_end - m.key),
			    data + m.key);
		out->keys++;
		r = d7_apply(data, &m, core_version, out, pb, note);
		if (r != 0)
			return r;
		pos = m.end < len ? m.end + 1 : len;
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Drupal 8 and later
 */

#define Y_NULL     0 /* `key:` with nothing, or a nested block */
#define Y_PLAIN    1
#define Y_QUOTED   2
#define Y_BLOCK    3 /* | or > */
#define Y_COMPOUND 4 /* a flow collection or an alias */

struct y_value {
	int style;
	int too_long;   /* text did not fit buf (only matters for the keys drover reads) */
	int empty_flow; /* [] or {} */
	char buf[512];
	size_t n;
};

struct y_doc {
	const char *d;
	size_t len;
	struct d_problem *pb;
};

static size_t y_eol(const struct y_doc *y, size_t p)
{
	const char *nl = memchr(y->d + p, '\n', y->len - p);

	return nl ? (size_t)(nl - y->d) : y->len;
}

static size_t y_next(const struct y_doc *y, size_t p)
{
	size_t e = y_eol(y, p);

	return e < y->len ? e + 1 : y->len;
}

static int y_fail(const struct y_doc *y, size_t off, const char *what)
{
	d_problem_set(y->pb, DROVER_E_PARSE, NULL, line_of(y->d, off), "%s", what);
	return DROVER_E_PARSE;
}

static void y_add(struct y_value *v, char c)
{
	if (v->n + 1 < sizeof v->buf)
		v->buf[v->n++] = c;
	else
		v->too_long = 1;
	v->buf[v->n] = '\0';
}

/* After a quoted scalar or a flow collection closed at `p`: only white space or a comment may
 * follow on the line. Returns the start of the next line, or 0 on error (p never is 0 here). */
static size_t y_rest_of_line(const struct y_doc *y, size_t p, const char *what)
{
	size_t e = y_eol(y, p), q = p;

	while (q < e && (y->d[q] == ' ' || y->d[q] == '\t' || y->d[q] == '\r'))
		q++;
	if (q < e && !(y->d[q] == '#' && q > p)) {
		y_fail(y, q, what);
		return 0;
	}
	return e < y->len ? e + 1 : y->len;
}

/* A quoted scalar opening at p. Line breaks fold into a space (an empty line into a newline),
 * as YAML folds flow scalars. Returns the start of the line after it, or 0 with pb set. */
static size_t y_quoted(const struct y_doc *y, size_t p, struct y_value *v)
{
	const char *d = y->d;
	char q = d[p];
	size_t i = p + 1;

	v->style = Y_QUOTED;
	while (i < y->len) {
		char c = d[i];

		if (c == q) {
			if (q == '\'' && i + 1 < y->len && d[i + 1] == '\'') {
				y_add(v, '\'');
				i += 2;
				continue;
			}
			return y_rest_of_line(
			    y, i + 1, "text follows a closing quote; quote the whole value");
		}
		if (c == '\n') {
			size_t breaks = 0;

			while (v->n > 0 && (v->buf[v->n - 1] == ' ' || v->buf[v->n - 1] == '\t'))
				v->buf[--v->n] = '\0';
			while (i < y->len && ws(d[i])) {
				if (d[i] == '\n')
					breaks++;
				i++;
			}
			if (breaks > 1)
				while (--breaks > 0)
					y_add(v, '\n');
			else
				y_add(v, ' ');
			continue;
		}
		if (c == '\r' && i + 1 < y->len && d[i + 1] == '\n') {
			i++;
			continue;
		}
		if (c == '\\' && q == '"') {
			static const char esc_in[] = "0abtnvfre \"/\\N_LP\t";
			static const char esc_out[] = "\0\a\b\t\n\v\f\r\x1b \"/\\????\t";
			const char *hit;
			int digits = 0;

			if (++i >= y->len)
				break;
			c = d[i];
			if (c == '\n') { /* an escaped line break joins the lines */
				i++;
				while (i < y->len && (d[i] == ' ' || d[i] == '\t'))
					i++;
				continue;
			}
			if (c == 'x')
				digits = 2;
			else if (c == 'u')
				digits = 4;
			else if (c == 'U')
				digits = 8;
			if (digits) {
				unsigned long cp = 0;

				for (int k = 1; k <= digits; k++) {
					int h = (i + (size_t)k < y->len) ? tfj_hex(d[i + (size_t)k])
					                                 : -1;

					if (h < 0) {
						y_fail(y, i,
						       "a \\x, \\u or \\U escape lacks hex digits");
						return 0;
					}
					cp = cp * 16 + (unsigned long)h;
				}
				i += (size_t)digits + 1;
				y_add(v, (cp > 0 && cp < 0x80) ? (char)cp : '?');
				continue;
			}
			hit = c ? strchr(esc_in, c) : NULL;
			if (hit == NULL) {
				y_fail(y, i, "unknown escape sequence in a double-quoted value");
				return 0;
			}
			c = esc_out[hit - esc_in];
			if (c != '\0')
				y_add(v, c);
			i++;
			continue;
		}
		y_add(v, c);
		i++;
	}
	y_fail(y, p,
	       q == '"' ? "a double-quoted value is never closed; add the closing \""
	                : "a single-quoted value is never closed; add the closing '");
	return 0;
}

/* A flow collection ([..] or {..}) opening at p, possibly over several lines. */
static size_t y_flow(const struct y_doc *y, size_t p, struct y_value *v)
{
	const char *d = y->d;
	size_t i = p, depth = 0;

	v->style = Y_COMPOUND;
	while (i < y->len) {
		char c = d[i];

		if (c == '"' || c == '\'') {
			size_t j = i + 1;

			while (j < y->len && d[j] != c) {
				if (c == '"' && d[j] == '\\')
					j++;
				else if (c == '\'' && d[j] == '\'' && j + 1 < y->len &&
				         d[j + 1] == '\'')
					j++;
				j++;
			}
			if (j >= y->len)
				break;
			i = j + 1;
			continue;
		}
		if (c == '#' && i > p && ws(d[i - 1])) {
			i = y_eol(y, i);
			continue;
		}
		if (c == '[' || c == '{') {
			depth++;
		} else if (c == ']' || c == '}') {
			if (--depth == 0) {
				size_t inner = p + 1;

				while (inner < i && ws(d[inner]))
					inner++;
				v->empty_flow = inner == i;
				return y_rest_of_line(y, i + 1,
				                      "text follows the end of a [..] or "
				                      "{..} list; remove it or quote the value");
			}
		}
		i++;
	}
	y_fail(y, p, "a [..] or {..} list is never closed; add the closing bracket");
	return 0;
}

/* A block scalar (| or >) whose header is on the line at p: its content is the following
 * blank or indented lines. */
static size_t y_block(const struct y_doc *y, size_t p, struct y_value *v)
{
	const char *d = y->d;
	int folded = d[p] == '>';
	size_t i = y_next(y, p), indent = 0;
	int first = 1;

	v->style = Y_BLOCK;
	while (i < y->len) {
		size_t e = y_eol(y, i), c = i;

		while (c < e && d[c] == ' ')
			c++;
		if (c == e || (c + 1 == e && d[c] == '\r')) { /* a blank line belongs to it */
			if (!first)
				y_add(v, '\n');
			i = e < y->len ? e + 1 : y->len;
			continue;
		}
		if (c == i)
			break; /* back at column 0: the next key */
		if (first)
			indent = c - i;
		else
			y_add(v, folded ? ' ' : '\n');
		first = 0;
		for (size_t k = i + (c - i < indent ? c - i : indent); k < e && d[k] != '\r'; k++)
			y_add(v, d[k]);
		i = e < y->len ? e + 1 : y->len;
	}
	while (v->n > 0 && (v->buf[v->n - 1] == '\n' || v->buf[v->n - 1] == ' '))
		v->buf[--v->n] = '\0';
	return i;
}

/* A plain scalar starting at p; continuation lines (indented) fold into spaces. */
static size_t y_plain(const struct y_doc *y, size_t p, struct y_value *v)
{
	const char *d = y->d;
	size_t i = p;

	v->style = Y_PLAIN;
	if (d[p] == '@' || d[p] == '`') {
		y_fail(y, p, "a value cannot start with '@' or '`' unless quoted");
		return 0;
	}
	for (;;) {
		size_t e = y_eol(y, i), k;

		for (k = i; k < e; k++) {
			if (d[k] == '#' && k > i && (d[k - 1] == ' ' || d[k - 1] == '\t'))
				break;
			y_add(v, d[k]);
		}
		while (v->n > 0 && ws(v->buf[v->n - 1]))
			v->buf[--v->n] = '\0';
		i = e < y->len ? e + 1 : y->len;
		if (k < e || i >= y->len)
			return i; /* a comment ends the scalar */
		/* The next line continues the scalar if it is indented and not blank. */
		k = i;
		while (k < y->len && (d[k] == ' ' || d[k] == '\t'))
			k++;
		if (k == i || k >= y->len || d[k] == '\n' || d[k] == '\r' || d[k] == '#')
			return i;
		y_add(v, ' ');
		i = k;
	}
}

/* The indented lines of a nested block after `key:`: skipped, minding quoted scalars that run
 * over several lines (which may then touch column 0). Returns where the next top-level line
 * starts, or 0 with pb set (p is never 0: a key line comes first). */
static size_t y_skip_nested(const struct y_doc *y, size_t p)
{
	const char *d = y->d;

	while (p < y->len) {
		size_t e = y_eol(y, p), c = p;
		int at_token = 1;

		while (c < e && (d[c] == ' ' || d[c] == '\t' || d[c] == '\r'))
			c++;
		/* Content at column 0 is the next top-level key, except the items of a sequence,
		 * which YAML lets start at the key's own column ("dependencies:\n- node"). */
		if (c == p && c < e && !(d[p] == '-' && (p + 1 == e || ws(d[p + 1]))))
			return p;
		if (c < e && d[c] != '#' && memchr(d + p, '\t', c - p) != NULL) {
			y_fail(y, p,
			       "a line is indented with a tab, which YAML forbids; indent with "
			       "spaces");
			return 0;
		}
		for (; c < e; c++) {
			char ch = d[c];

			if (at_token && (ch == '"' || ch == '\'')) {
				size_t j = c + 1;

				while (j < y->len && d[j] != ch) {
					if (ch == '"' && d[j] == '\\')
						j++;
					else if (ch == '\'' && d[j] == '\'' && j + 1 < y->len &&
					         d[j + 1] == '\'')
						j++;
					j++;
				}
				if (j >= y->len) {
					y_fail(y, c,
					       "a quoted value is never closed; add the closing "
					       "quote");
					return 0;
				}
				c = j;
				if (j > e)
					e = y_eol(y, j);
				at_token = 0;
				continue;
			}
			if (ch == '#' && at_token)
				break;
			at_token = ch == ' ' || ch == '-' || ch == '[' || ch == '{' || ch == ',' ||
			           (ch == ':' && c + 1 < e && d[c + 1] == ' ');
		}
		p = e < y->len ? e + 1 : y->len;
	}
	return p;
}

/* A top-level value starting at p (just after "key:"). Returns the start of the next line to
 * read, or 0 with pb set. */
static size_t y_value(const struct y_doc *y, size_t p, struct y_value *v)
{
	const char *d = y->d;
	size_t e = y_eol(y, p);

	memset(v, 0, sizeof *v);
	for (;;) {
		while (p < e && (d[p] == ' ' || d[p] == '\t' || d[p] == '\r'))
			p++;
		/* Anchors and tags name a value; the value follows them. */
		if (p < e && (d[p] == '&' || d[p] == '!')) {
			while (p < e && d[p] != ' ' && d[p] != '\t')
				p++;
			continue;
		}
		break;
	}
	if (p >= e || d[p] == '#') {
		v->style = Y_NULL;
		return y_skip_nested(y, e < y->len ? e + 1 : y->len);
	}
	switch (d[p]) {
	case '"':
	case '\'': return y_quoted(y, p, v);
	case '[':
	case '{': return y_flow(y, p, v);
	case '|':
	case '>': return y_block(y, p, v);
	case '*': v->style = Y_COMPOUND; return e < y->len ? e + 1 : y->len;
	default: return y_plain(y, p, v);
	}
}

/* PHP's !empty() of the value Symfony's parser makes of v. */
static int y_truthy(const struct y_value *v)
{
	static const char *const falsy[] = {"false", "False", "FALSE", "null", "Null", "NULL",
	                                    "~",     "",      "0",     "0.0",  "-0",   "+0"};

	switch (v->style) {
	case Y_NULL: return 0;
	case Y_QUOTED:
	case Y_BLOCK: return v->n > 0 && strcmp(v->buf, "0") != 0;
	case Y_COMPOUND: return !v->empty_flow;
	default:
		for (size_t i = 0; i < sizeof falsy / sizeof falsy[0]; i++)
			if (strcmp(v->buf, falsy[i]) == 0)
				return 0;
		return 1;
	}
}

static int y_is_null(const struct y_value *v)
{
	return v->style == Y_NULL || (v->style == Y_PLAIN && (strcmp(v->buf, "~") == 0 ||
	                                                      strcasecmp(v->buf, "null") == 0));
}

#define Y_MAX_KEYS 256

int d8_info_parse(const char *data, size_t len, const char *core_version, struct d_info *out,
                  struct d_problem *pb)
{
	struct y_doc y = {data, len, pb};
	struct {
		size_t off, n;
	} keys[Y_MAX_KEYS];
	size_t nkeys = 0, p = 0;
	int seen_content = 0;

	memset(out, 0, sizeof *out);
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		p = 3;
	while (p < len) {
		size_t e = y_eol(&y, p), c = p, k, ke;
		struct y_value v;
		char kbuf[64];

		while (c < e && (data[c] == ' ' || data[c] == '\t' || data[c] == '\r'))
			c++;
		if (c == e || data[c] == '#') {
			p = e < len ? e + 1 : len;
			continue;
		}
		if (data[p] == '\t')
			return y_fail(&y, p,
			              "a line is indented with a tab, which YAML forbids; "
			              "indent with spaces");
		if (data[p] == ' ') {
			if (nkeys == 0)
				return y_fail(&y, p,
				              "the file starts with an indented line; top-level "
				              "keys start in the first column");
			p = y_skip_nested(&y, p);
			if (p == 0)
				return DROVER_E_PARSE;
			continue;
		}
		if (e - p >= 3 && memcmp(data + p, "---", 3) == 0 &&
		    (e - p == 3 || ws(data[p + 3]))) {
			if (seen_content)
				return y_fail(&y, p,
				              "a second YAML document starts here; an info "
				              "file holds one");
			p = e < len ? e + 1 : len;
			continue;
		}
		if (e - p >= 3 && memcmp(data + p, "...", 3) == 0 &&
		    (e - p == 3 || ws(data[p + 3])))
			break;
		seen_content = 1;
		if (data[p] == '-' && (p + 1 == e || ws(data[p + 1])))
			return y_fail(&y, p, "the file is a list, not `key: value` lines");
		/* The key, plain or quoted. */
		if (data[p] == '"' || data[p] == '\'') {
			k = p + 1;
			ke = k;
			while (ke < e && data[ke] != data[p])
				ke++;
			if (ke >= e)
				return y_fail(&y, p, "a quoted key is never closed");
			c = ke + 1;
			while (c < e && (data[c] == ' ' || data[c] == '\t'))
				c++;
			if (c >= e || data[c] != ':')
				return y_fail(&y, p, "the line is not `key: value`");
			c++;
		} else {
			k = p;
			for (c = p; c < e; c++)
				if (data[c] == ':' && (c + 1 == e || ws(data[c + 1])))
					break;
			if (c >= e || strchr("[]{},&*!|>%@`#", data[p]) != NULL)
				return y_fail(&y, p,
				              "the line is not `key: value`; quote a value that "
				              "contains ': ' and indent continued lines");
			ke = c;
			while (ke > k && (data[ke - 1] == ' ' || data[ke - 1] == '\t'))
				ke--;
			c++;
		}
		for (size_t i = 0; i < nkeys; i++)
			if (keys[i].n == ke - k &&
			    memcmp(data + keys[i].off, data + k, ke - k) == 0) {
				d_problem_set(
				    pb, DROVER_E_PARSE, NULL, line_of(data, p),
				    "the key '%.*s' appears twice (first on line %u); YAML "
				    "forbids duplicate keys: keep one",
				    (int)(ke - k), data + k, line_of(data, keys[i].off));
				return DROVER_E_PARSE;
			}
		if (nkeys < Y_MAX_KEYS) {
			keys[nkeys].off = k;
			keys[nkeys].n = ke - k;
			nkeys++;
		}
		p = y_value(&y, c, &v);
		if (p == 0)
			return DROVER_E_PARSE;
		if (put(kbuf, sizeof kbuf, data + k, ke - k) != 0)
			continue; /* not a key drover reads */
		if (strcmp(kbuf, "name") == 0) {
			out->name_set = !y_is_null(&v);
		} else if (strcmp(kbuf, "type") == 0) {
			out->type_set = (v.style == Y_PLAIN || v.style == Y_QUOTED) &&
			                !v.too_long &&
			                put(out->type, sizeof out->type, v.buf, v.n) == 0;
		} else if (strcmp(kbuf, "version") == 0 && !y_is_null(&v) &&
		           v.style != Y_COMPOUND) {
			const char *s = strcmp(v.buf, "VERSION") == 0 ? core_version : v.buf;

			if (v.too_long ||
			    put(out->version, sizeof out->version, s, strlen(s)) != 0) {
				d_problem_set(pb, DROVER_E_PARSE, NULL, line_of(data, k),
				              "the version is too long to be a version");
				return DROVER_E_PARSE;
			}
			out->version_set = 1;
		} else if (strcmp(kbuf, "hidden") == 0) {
			out->hidden = y_truthy(&v);
			out->hidden_set = !y_is_null(&v);
		}
	}
	return 0;
}

/*
 * php.c: the little of PHP the WordPress adapter reads and writes, without running PHP.
 *
 * WordPress keeps its settings as PHP code: define('DB_NAME', 'wp'); and $table_prefix = 'wp_';
 * in wp-config.php (and in Debian's host config files, the same format), and its versions as
 * assignments in wp-includes/version.php. This scanner walks PHP source token by token (strings
 * and comments skipped, `?>` ... `<?php` skipped) and finds those two forms; a value is taken as
 * text only when it is a plain literal, never by evaluating anything.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wordpress.h"

struct scan {
	const char *s;
	size_t n, i;
};

/* Skips whitespace, comments and inline HTML (from ?> to the next <?php). */
static void skip_space(struct scan *sc)
{
	while (sc->i < sc->n) {
		const char *p = sc->s + sc->i;
		size_t left = sc->n - sc->i;

		if (isspace((unsigned char)*p)) {
			sc->i++;
		} else if (*p == '#' || (left > 1 && p[0] == '/' && p[1] == '/')) {
			/* A line comment ends at the newline or at ?>. */
			while (
			    sc->i < sc->n && sc->s[sc->i] != '\n' &&
			    !(sc->s[sc->i] == '?' && sc->i + 1 < sc->n && sc->s[sc->i + 1] == '>'))
				sc->i++;
		} else if (left > 1 && p[0] == '/' && p[1] == '*') {
			const char *e = NULL;
			for (size_t k = sc->i + 2; k + 1 < sc->n; k++)
				if (sc->s[k] == '*' && sc->s[k + 1] == '/') {
					e = sc->s + k;
					break;
				}
			sc->i = e ? (size_t)(e - sc->s) + 2 : sc->n;
		} else if (left > 1 && p[0] == '?' && p[1] == '>') {
			const char *o = NULL;
			for (size_t k = sc->i + 2; k + 4 < sc->n; k++)
				if (strncasecmp(sc->s + k, "<?php", 5) == 0) {
					o = sc->s + k;
					break;
				}
			sc->i = o ? (size_t)(o - sc->s) + 5 : sc->n;
		} else {
			return;
		}
	}
}

/* Skips a quoted string starting at sc->i (a quote); returns 0, or -1 if unterminated. */
static int skip_string(struct scan *sc)
{
	char q = sc->s[sc->i++];

	while (sc->i < sc->n) {
		char c = sc->s[sc->i++];
		if (c == '\\')
			sc->i++;
		else if (c == q)
			return 0;
	}
	return -1;
}

/* Decodes the string literal s[a..b) (quotes included) into out; 0, or -1 if it is not a plain
 * literal (a double-quoted string with $ interpolation) or too long. */
static int decode_string(const char *s, size_t a, size_t b, char *out, size_t size)
{
	char q = s[a];
	size_t o = 0;

	for (size_t k = a + 1; k + 1 < b; k++) {
		char c = s[k];
		if (c == '\\' && k + 2 < b) {
			char d = s[k + 1];
			if (q == '\'') {
				if (d == '\'' || d == '\\') {
					c = d;
					k++;
				}
			} else {
				switch (d) {
				case 'n': c = '\n', k++; break;
				case 't': c = '\t', k++; break;
				case 'r': c = '\r', k++; break;
				case '\\':
				case '"':
				case '$': c = d, k++; break;
				default: break;
				}
			}
		} else if (q == '"' && c == '$') {
			return -1;
		}
		if (o + 1 >= size)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* The expression from sc->i up to a `stop` character (or `)` closing the call) at depth 0. */
static int scan_value(struct scan *sc, const char *stops, struct wp_val *v)
{
	int depth = 0;
	size_t end;

	skip_space(sc);
	v->start = sc->i;
	while (sc->i < sc->n) {
		char c = sc->s[sc->i];
		if (c == '\'' || c == '"') {
			if (skip_string(sc) != 0)
				return -1;
			continue;
		}
		if (depth == 0 && strchr(stops, c))
			break;
		if (c == '(' || c == '[')
			depth++;
		else if (c == ')' || c == ']') {
			if (depth == 0)
				break;
			depth--;
		} else if (c == ';' && depth == 0) {
			break;
		}
		sc->i++;
	}
	if (sc->i >= sc->n)
		return -1;
	end = sc->i;
	while (end > v->start && isspace((unsigned char)sc->s[end - 1]))
		end--;
	v->end = end;
	v->literal = 0;
	v->text[0] = '\0';
	if (end > v->start && (sc->s[v->start] == '\'' || sc->s[v->start] == '"')) {
		struct scan one = {sc->s, end, v->start};
		if (skip_string(&one) == 0 && one.i == end &&
		    decode_string(sc->s, v->start, end, v->text, sizeof(v->text)) == 0)
			v->literal = 1;
	} else if (end > v->start && end - v->start < sizeof(v->text)) {
		int plain = 1;
		for (size_t k = v->start; k < end; k++)
			if (!(isalnum((unsigned char)sc->s[k]) || sc->s[k] == '.' ||
			      sc->s[k] == '-' || sc->s[k] == '_'))
				plain = 0;
		if (plain) {
			memcpy(v->text, sc->s + v->start, end - v->start);
			v->text[end - v->start] = '\0';
			v->literal = 1;
		}
	}
	if (!v->literal && end - v->start < sizeof(v->text)) {
		memcpy(v->text, sc->s + v->start, end - v->start);
		v->text[end - v->start] = '\0';
	}
	return 0;
}

/* Walks the source; for each define('X', ...) (kind 'd') or $x = ...; (kind 'a') whose name is
 * `name`, fills *out and, for defines, stops at the first (PHP keeps the first definition). */
static int find(const char *src, size_t len, int kind, const char *name, struct wp_val *out)
{
	struct scan sc = {src, len, 0};
	const char *open = NULL;
	int found = 0;
	char prev = 0; /* the last significant character before an identifier */

	for (size_t k = 0; k + 4 < len; k++)
		if (strncasecmp(src + k, "<?php", 5) == 0) {
			open = src + k;
			break;
		}
	if (!open)
		return 0;
	sc.i = (size_t)(open - src) + 5;
	while (sc.i < sc.n) {
		char c;
		skip_space(&sc);
		if (sc.i >= sc.n)
			break;
		c = sc.s[sc.i];
		if (c == '\'' || c == '"') {
			if (skip_string(&sc) != 0)
				break;
			prev = c;
			continue;
		}
		if (isalpha((unsigned char)c) || c == '_' || c == '$') {
			size_t a = sc.i + (c == '$');
			size_t b = a;
			while (b < sc.n && (isalnum((unsigned char)sc.s[b]) || sc.s[b] == '_'))
				b++;
			sc.i = b;
			if (kind == 'd' && c != '$' && b - a == 6 &&
			    strncasecmp(sc.s + a, "define", 6) == 0 && prev != '>' && prev != ':') {
				struct wp_val nm;
				char key[128];
				skip_space(&sc);
				if (sc.i >= sc.n || sc.s[sc.i] != '(')
					continue;
				sc.i++;
				if (scan_value(&sc, ",", &nm) != 0)
					break;
				if (sc.i >= sc.n || sc.s[sc.i] != ',')
					continue;
				sc.i++;
				if (!nm.literal || wp_copy(key, sizeof(key), nm.text) != 0 ||
				    strcmp(key, name) != 0)
					continue;
				if (scan_value(&sc, ",", out) != 0)
					break;
				return 1;
			}
			if (kind == 'a' && c == '$' && b - a == strlen(name) &&
			    strncmp(sc.s + a, name, b - a) == 0 && prev != '>' && prev != ':') {
				skip_space(&sc);
				if (sc.i + 1 < sc.n && sc.s[sc.i] == '=' && sc.s[sc.i + 1] != '=' &&
				    sc.s[sc.i + 1] != '>') {
					sc.i++;
					if (scan_value(&sc, ";", out) != 0)
						break;
					found = 1;
				}
			}
			prev = 'w';
			continue;
		}
		prev = c;
		sc.i++;
	}
	return found;
}

int wp_php_define(const char *src, size_t len, const char *name, struct wp_val *out)
{
	return find(src, len, 'd', name, out);
}

int wp_php_assign(const char *src, size_t len, const char *name, struct wp_val *out)
{
	return find(src, len, 'a', name, out);
}

void wp_php_quote(struct wp_str *out, const char *s)
{
	wp_str_cat(out, "'");
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			wp_str_cat(out, "\\");
		wp_str_add(out, s, 1);
	}
	wp_str_cat(out, "'");
}

int wp_header(const char *src, size_t len, const char *name, char *out, size_t size)
{
	size_t nlen = strlen(name);

	if (len > WP_HEAD_MAX)
		len = WP_HEAD_MAX;
	for (size_t i = 0; i < len;) {
		size_t e = i, a, b;
		while (e < len && src[e] != '\n' && src[e] != '\r')
			e++;
		a = i;
		/* get_file_data(): an optional "<?php", blanks, slashes, stars, # and @, then "Name:". */
		while (a < e && (src[a] == ' ' || src[a] == '\t'))
			a++;
		if (e - a >= 5 && strncasecmp(src + a, "<?php", 5) == 0)
			a += 5;
		while (a < e && strchr(" \t/*#@", src[a]))
			a++;
		if (e - a > nlen && strncasecmp(src + a, name, nlen) == 0 && src[a + nlen] == ':') {
			a += nlen + 1;
			b = e;
			/* _cleanup_header_comment(): a closing comment or ?> on the line goes. */
			for (size_t k = a; k + 1 < b; k++)
				if ((src[k] == '*' && src[k + 1] == '/') ||
				    (src[k] == '?' && src[k + 1] == '>')) {
					b = k;
					break;
				}
			while (a < b && isspace((unsigned char)src[a]))
				a++;
			while (b > a && isspace((unsigned char)src[b - 1]))
				b--;
			if (b - a >= size)
				b = a + size - 1;
			memcpy(out, src + a, b - a);
			out[b - a] = '\0';
			return 1;
		}
		i = e + 1;
	}
	out[0] = '\0';
	return 0;
}

int wp_unserialize_strings(const char *src, int (*cb)(void *arg, const char *s, size_t n),
                           void *arg)
{
	size_t len = strlen(src);

	/* s:<bytes>:"<bytes>"; the length is in bytes, so quotes inside are no trouble. */
	for (size_t i = 0; i + 4 < len; i++) {
		size_t n = 0, k;
		int rc;
		if (src[i] != 's' || src[i + 1] != ':' ||
		    (i > 0 && src[i - 1] != ';' && src[i - 1] != '{' && src[i - 1] != '}'))
			continue;
		for (k = i + 2; k < len && isdigit((unsigned char)src[k]) && n < len; k++)
			n = n * 10 + (size_t)(src[k] - '0');
		if (k == i + 2 || k + 2 >= len || src[k] != ':' || src[k + 1] != '"' ||
		    k + 2 + n + 1 >= len + 1 || k + 2 + n >= len || src[k + 2 + n] != '"')
			return -1;
		if ((rc = cb(arg, src + k + 2, n)) != 0)
			return rc;
		i = k + 2 + n;
	}
	return 0;
}

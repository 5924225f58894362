/* version.c: version comparison. */
#include "version.h"

#include <ctype.h>
#include <string.h>

/* Rank of a word inside a version: below a release (negative), or above it (positive). */
static int word_rank(const char *w, size_t n)
{
	static const struct {
		const char *word;
		int rank;
	} words[] = {{"dev", -5}, {"unstable", -5}, {"alpha", -4}, {"a", -4}, {"beta", -3},
	             {"b", -3},   {"rc", -2},       {"p", 1},      {"pl", 1}, {"patch", 1}};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].word) == n && strncasecmp(words[i].word, w, n) == 0)
			return words[i].rank;
	return 0; /* another word ("x" in "7.x-1.5") stands for itself */
}

struct tok {
	const char *s;
	size_t n;
	int num; /* 1 digits, 0 letters, -1 end */
};

static const char *next_tok(const char *p, struct tok *t)
{
	while (*p && !isalnum((unsigned char)*p))
		p++;
	t->s = p;
	if (!*p) {
		t->n = 0;
		t->num = -1;
		return p;
	}
	t->num = isdigit((unsigned char)*p) ? 1 : 0;
	while (*p && (t->num ? isdigit((unsigned char)*p) : isalpha((unsigned char)*p)))
		p++;
	t->n = (size_t)(p - t->s);
	return p;
}

static int cmp_num(const struct tok *a, const struct tok *b)
{
	const char *x = a->s, *y = b->s;
	size_t m = a->n, n = b->n;

	while (m > 1 && *x == '0')
		x++, m--;
	while (n > 1 && *y == '0')
		y++, n--;
	if (m != n)
		return m < n ? -1 : 1;
	return memcmp(x, y, m);
}

/* A token against the end of the other version: words decide by their rank, numbers are
 * newer ("1.0.1" > "1.0"), except a zero ("1.0.0" == "1.0"). */
static int against_end(const struct tok *t)
{
	if (t->num == 1) {
		for (size_t i = 0; i < t->n; i++)
			if (t->s[i] != '0')
				return 1;
		return 0;
	}
	return word_rank(t->s, t->n) < 0 ? -1 : 1;
}

int vers_cmp(const char *a, const char *b)
{
	struct tok x, y;
	int c;

	if (!a[0] || !b[0])
		return (a[0] != 0) - (b[0] != 0);
	for (;;) {
		a = next_tok(a, &x);
		b = next_tok(b, &y);
		if (x.num < 0 && y.num < 0)
			return 0;
		if (x.num < 0) {
			if ((c = against_end(&y)) != 0)
				return -c;
			continue;
		}
		if (y.num < 0) {
			if ((c = against_end(&x)) != 0)
				return c;
			continue;
		}
		if (x.num != y.num) {
			/* A number against a word: "1.0-rc1" vs "1.0.1": pre-release words lose. */
			const struct tok *w = x.num ? &y : &x;
			int r = word_rank(w->s, w->n);
			int word_side_newer = r > 0;
			return (x.num ? !word_side_newer : word_side_newer) ? 1 : -1;
		}
		c = x.num ? cmp_num(&x, &y) : 0;
		if (!x.num) {
			int rx = word_rank(x.s, x.n), ry = word_rank(y.s, y.n);
			c = rx != ry ? (rx < ry ? -1 : 1) : 0;
			if (!c && x.n == y.n)
				c = strncasecmp(x.s, y.s, x.n);
			else if (!c)
				c = x.n < y.n ? -1 : 1;
		}
		if (c)
			return c < 0 ? -1 : 1;
	}
}
